//! Bounded concurrency and per-credential rate limiting.

use futures::{StreamExt, stream};
use std::future::Future;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Run `f` over `items` with at most `concurrency` calls in flight; results come back in
/// input order (deterministic output whatever the completion order).
pub async fn bounded<I, T, F, Fut, R>(items: I, concurrency: usize, f: F) -> Vec<R>
where
    I: IntoIterator<Item = T>,
    F: FnMut(T) -> Fut,
    Fut: Future<Output = R>,
{
    stream::iter(items)
        .map(f)
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// A rate limiter: at most `burst` calls at once, then one call every `1 / rate` seconds
/// (GCRA). Share one `Arc<RateLimiter>` per credential so every task using that credential
/// is polite together.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    burst: u32,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `per_second` calls per second on average, with bursts of `burst`. A rate that is not
    /// a positive finite number is read as 1/s; rates are clamped to one call per hour ..
    /// a million per second, so no interval can overflow (validate user input with
    /// [`RateLimit::new`](super::RateLimit::new) to report it instead).
    pub fn new(per_second: f64, burst: u32) -> Self {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second.clamp(1.0 / 3600.0, 1_000_000.0)
        } else {
            1.0
        };
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            burst: burst.max(1),
            next: Mutex::new(None),
        }
    }

    /// Wait for a slot.
    pub async fn acquire(&self) {
        let wait = {
            let mut g = self.next.lock().await;
            let now = Instant::now();
            let tolerance = self.interval * (self.burst - 1);
            let tat = g.unwrap_or(now).max(now);
            let allowed_at = tat.checked_sub(tolerance).unwrap_or(now);
            *g = Some(tat + self.interval);
            allowed_at.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn limiter_spaces_calls() {
        let l = RateLimiter::new(10.0, 2);
        let t0 = Instant::now();
        for _ in 0..6 {
            l.acquire().await;
        }
        // 2 immediately, then 4 more at 100 ms each.
        let e = t0.elapsed();
        assert!(
            e >= Duration::from_millis(400) && e < Duration::from_millis(500),
            "{e:?}"
        );
    }

    #[test]
    fn extreme_rates_do_not_panic() {
        for r in [1e-300, 1e300, f64::MIN_POSITIVE, f64::NAN, -1.0, 0.0] {
            let l = RateLimiter::new(r, u32::MAX);
            assert!(l.interval <= Duration::from_secs(3600), "{r}");
        }
    }

    #[tokio::test]
    async fn bounded_keeps_order() {
        let out = bounded(0..20u64, 4, |i| async move {
            tokio::time::sleep(Duration::from_millis(20 - i)).await;
            i * 2
        })
        .await;
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
    }
}
