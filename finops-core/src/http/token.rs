//! A token cache that refreshes before expiry (Entra ID, ArcGIS, OVH OAuth2).

use crate::Result;
use crate::clock::SharedClock;
use chrono::{DateTime, Utc};
use std::future::Future;
use tokio::sync::Mutex;

/// A token with its expiry.
#[derive(Debug, Clone)]
pub struct TemporaryToken<T> {
    /// The token.
    pub token: T,
    /// When it expires (`None`: never).
    pub expiry: Option<DateTime<Utc>>,
}

/// Caches one token; [`TokenCache::get_or_insert_with`] refreshes it when it expires within
/// `min_ttl`, and [`TokenCache::invalidate`] drops it (e.g. after ArcGIS error 498).
/// Concurrent callers share one refresh.
#[derive(Debug)]
pub struct TokenCache<T> {
    cache: Mutex<Option<TemporaryToken<T>>>,
    min_ttl: chrono::Duration,
    clock: SharedClock,
}

impl<T: Clone + Send> TokenCache<T> {
    /// A cache refreshing `min_ttl` before expiry (5 minutes is a good default).
    pub fn new(min_ttl: chrono::Duration, clock: SharedClock) -> Self {
        TokenCache {
            cache: Mutex::new(None),
            min_ttl,
            clock,
        }
    }

    /// The cached token, or a fresh one from `f`.
    pub async fn get_or_insert_with<F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<TemporaryToken<T>>>,
    {
        let mut g = self.cache.lock().await;
        let now = self.clock.now();
        if let Some(t) = g.as_ref() {
            match t.expiry {
                None => return Ok(t.token.clone()),
                Some(exp) if exp - self.min_ttl > now => return Ok(t.token.clone()),
                _ => {}
            }
        }
        let fresh = f().await?;
        let token = fresh.token.clone();
        *g = Some(fresh);
        Ok(token)
    }

    /// Drop the cached token so the next call fetches a new one.
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, FixedClock};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn refreshes_before_expiry() {
        let clock = FixedClock::new("2026-01-01T00:00:00Z".parse().unwrap());
        let cache = TokenCache::new(chrono::Duration::minutes(5), Arc::new(clock.clone()));
        let n = AtomicU32::new(0);
        let fetch = || async {
            let i = n.fetch_add(1, Ordering::SeqCst);
            Ok(TemporaryToken {
                token: format!("t{i}"),
                expiry: Some(clock.now() + chrono::Duration::hours(1)),
            })
        };
        assert_eq!(cache.get_or_insert_with(fetch).await.unwrap(), "t0");
        clock.advance(chrono::Duration::minutes(50));
        assert_eq!(cache.get_or_insert_with(fetch).await.unwrap(), "t0");
        clock.advance(chrono::Duration::minutes(6));
        assert_eq!(cache.get_or_insert_with(fetch).await.unwrap(), "t1");
        cache.invalidate().await;
        assert_eq!(cache.get_or_insert_with(fetch).await.unwrap(), "t2");
    }
}
