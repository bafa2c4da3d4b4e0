//! Retry policy: decorrelated-jitter backoff and `Retry-After` parsing.

use chrono::{DateTime, Utc};
use rand::{Rng, RngCore, SeedableRng};
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Backoff parameters (decorrelated jitter: `next = min(max, random(init, prev * base))`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffConfig {
    /// First wait.
    pub init_backoff: Duration,
    /// Upper bound of one wait.
    pub max_backoff: Duration,
    /// Growth base.
    pub base: f64,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        // The object_store defaults: 100 ms first, 15 s at most, base 2.
        BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(15),
            base: 2.0,
        }
    }
}

/// The retry policy of an [`HttpClient`](super::HttpClient).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    /// Backoff between attempts.
    pub backoff: BackoffConfig,
    /// Retries after the first attempt (10 by default).
    pub max_retries: u32,
    /// Total time budget from the first attempt; no retry starts after it (3 minutes by
    /// default, below OCI's 5-minute signature clock-skew window).
    pub retry_timeout: Duration,
    /// Longest `Retry-After` honoured; longer requests are clamped to it (60 s).
    pub max_retry_after: Duration,
    /// Extra response headers holding a retry delay in seconds (e.g. Azure's
    /// `x-ms-ratelimit-microsoft.costmanagement-entity-retry-after`). Matched case-insensitively;
    /// one `*` stands for any text: at the end a prefix (`x-ms-ratelimit-*`), at the start a
    /// suffix (`*-retry-after`), inside both (`x-ms-ratelimit-*-retry-after`).
    pub retry_after_headers: Vec<String>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 10,
            retry_timeout: Duration::from_secs(180),
            max_retry_after: Duration::from_secs(60),
            retry_after_headers: Vec::new(),
        }
    }
}

/// Decorrelated-jitter backoff state (one per call).
pub struct Backoff {
    cfg: BackoffConfig,
    prev: f64,
    rng: Box<dyn RngCore + Send>,
}

impl std::fmt::Debug for Backoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backoff")
            .field("cfg", &self.cfg)
            .field("prev", &self.prev)
            .finish_non_exhaustive()
    }
}

impl Backoff {
    /// A backoff with its own RNG (seeded from `seed` for reproducible tests).
    pub fn new(cfg: BackoffConfig, rng: Box<dyn RngCore + Send>) -> Self {
        Backoff {
            cfg,
            prev: cfg.init_backoff.as_secs_f64(),
            rng,
        }
    }

    /// A backoff with a deterministic RNG.
    pub fn seeded(cfg: BackoffConfig, seed: u64) -> Self {
        Backoff::new(cfg, Box::new(rand::rngs::StdRng::seed_from_u64(seed)))
    }

    /// The next wait.
    pub fn next_wait(&mut self) -> Duration {
        let lo = self.cfg.init_backoff.as_secs_f64();
        let hi = (self.prev * self.cfg.base).max(lo);
        let v = if hi > lo {
            self.rng.random_range(lo..=hi)
        } else {
            lo
        };
        let v = v.min(self.cfg.max_backoff.as_secs_f64());
        self.prev = v;
        Duration::from_secs_f64(v)
    }
}

fn header_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    match p.split_once('*') {
        // `prefix*suffix` (either part may be empty): the name holds both, not overlapping.
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix)
                && name.ends_with(suffix)
        }
        None => name == p,
    }
}

/// The delay a response asks for: `Retry-After` (delta-seconds or HTTP-date, relative to
/// `now`) or one of `extra` provider headers (seconds). The longest one found wins.
pub fn parse_retry_after(
    headers: &HeaderMap,
    extra: &[String],
    now: DateTime<Utc>,
) -> Option<Duration> {
    let mut best: Option<Duration> = None;
    let mut take = |d: Duration| best = Some(best.map_or(d, |b| b.max(d)));
    if let Some(v) = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
    {
        let v = v.trim();
        if let Ok(secs) = v.parse::<u64>() {
            take(Duration::from_secs(secs));
        } else if let Ok(secs) = v.parse::<f64>() {
            if secs.is_finite() && secs >= 0.0 {
                take(Duration::from_secs_f64(secs));
            }
        } else if let Ok(at) = httpdate::parse_http_date(v) {
            let at: DateTime<Utc> = at.into();
            let d = (at - now).to_std().unwrap_or(Duration::ZERO);
            take(d);
        }
    }
    for (name, value) in headers {
        if extra.iter().any(|p| header_matches(p, name.as_str()))
            && let Some(secs) = value
                .to_str()
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
            && secs.is_finite()
            && secs >= 0.0
        {
            take(Duration::from_secs_f64(secs));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_is_bounded_and_reproducible() {
        let cfg = BackoffConfig {
            init_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(200),
            base: 3.0,
        };
        let mut a = Backoff::seeded(cfg, 7);
        let mut b = Backoff::seeded(cfg, 7);
        for _ in 0..50 {
            let w = a.next_wait();
            assert_eq!(w, b.next_wait());
            assert!(w >= Duration::from_millis(10) && w <= Duration::from_millis(200));
        }
    }

    #[test]
    fn retry_after_forms() {
        let now: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(
            parse_retry_after(&h, &[], now),
            Some(Duration::from_secs(7))
        );
        h.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 22 Nov 2026 10:00:30 GMT"),
        );
        assert_eq!(
            parse_retry_after(&h, &[], now),
            Some(Duration::from_secs(30))
        );
        h.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 22 Nov 2026 09:00:30 GMT"),
        );
        assert_eq!(parse_retry_after(&h, &[], now), Some(Duration::ZERO));
        let mut h = HeaderMap::new();
        h.insert(
            "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
            HeaderValue::from_static("12"),
        );
        assert_eq!(parse_retry_after(&h, &[], now), None);
        assert_eq!(
            parse_retry_after(&h, &["x-ms-ratelimit-*".into()], now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            parse_retry_after(&h, &["*-retry-after".into()], now),
            Some(Duration::from_secs(12))
        );
        // A `*` inside: Azure's `x-ms-ratelimit-*-retry-after`, which must not read the
        // `-qpu-remaining` / `-qpu-consumed` counters as delays; the largest delay wins.
        let pattern = vec!["x-ms-ratelimit-*-retry-after".to_string()];
        h.insert(
            "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
            HeaderValue::from_static("5"),
        );
        h.insert(
            "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining",
            HeaderValue::from_static("QueryResource=90"),
        );
        h.insert(
            "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed",
            HeaderValue::from_static("40"),
        );
        assert_eq!(
            parse_retry_after(&h, &pattern, now),
            Some(Duration::from_secs(12))
        );
        h.insert("retry-after", HeaderValue::from_static("20"));
        assert_eq!(
            parse_retry_after(&h, &pattern, now),
            Some(Duration::from_secs(20))
        );
        assert!(!header_matches(
            "x-ms-ratelimit-*-retry-after",
            "x-ms-ratelimit-retry-after"
        ));
        assert!(header_matches(
            "x-ms-ratelimit-*-retry-after",
            "x-ms-ratelimit-a-retry-after"
        ));
    }
}
