//! [`ClientOptions`]: the settings every adapter builder takes (clock, retry policy,
//! timeouts, endpoint override, rate limit, concurrency, secrets to redact), once.
//!
//! Each builder (`OvhBuilder`, `OciBuilder`, `ArcGisBuilder`, and the run options of the
//! multi-credential reports) holds one `ClientOptions`, keeps its `with_*` setters as thin
//! delegations, offers `with_client_options`, and hands the options to
//! [`HttpClientBuilder::with_options`](super::HttpClientBuilder::with_options) when it builds.

use super::limit::RateLimiter;
use super::retry::RetryConfig;
use crate::clock::SharedClock;
use crate::{Error, Result, Secret};
use std::sync::Arc;
use std::time::Duration;

/// A validated rate: `per_second` calls per second on average, bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    per_second: f64,
    burst: u32,
}

impl RateLimit {
    /// Slowest pace accepted: one call every this many seconds (an hour).
    pub const MAX_INTERVAL_SECS: f64 = 3600.0;
    /// Fastest pace accepted (a million calls per second: no limit in practice).
    pub const MAX_PER_SECOND: f64 = 1_000_000.0;

    /// A rate; 0, negative, NaN or infinite rates are refused (they would make every call
    /// wait forever or never), so are rates below one call per [`RateLimit::MAX_INTERVAL_SECS`]
    /// seconds or above [`RateLimit::MAX_PER_SECOND`]; a burst of 0 is read as 1.
    pub fn new(per_second: f64, burst: u32) -> std::result::Result<Self, String> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(format!(
                "{per_second} is not a positive number of calls per second"
            ));
        }
        if !(1.0 / Self::MAX_INTERVAL_SECS..=Self::MAX_PER_SECOND).contains(&per_second) {
            return Err(format!(
                "{per_second} calls per second is outside 1/{} .. {}",
                Self::MAX_INTERVAL_SECS,
                Self::MAX_PER_SECOND
            ));
        }
        Ok(RateLimit {
            per_second,
            burst: burst.max(1),
        })
    }

    /// Parse a rate written as text (`"5"`, `"0.5"`), with `burst`.
    pub fn parse(text: &str, burst: u32) -> std::result::Result<Self, String> {
        let per_second = text
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("{text:?} is not a positive number"))?;
        RateLimit::new(per_second, burst).map_err(|_| format!("{text:?} is not a positive number"))
    }

    /// Calls per second.
    pub fn per_second(&self) -> f64 {
        self.per_second
    }

    /// Burst.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// A fresh limiter for this rate.
    pub fn limiter(&self) -> Arc<RateLimiter> {
        Arc::new(RateLimiter::new(self.per_second, self.burst))
    }
}

/// The client settings shared by every adapter builder. Every field is optional: `None`
/// keeps the shared HTTP layer's default (system clock, [`RetryConfig::default`], 5 s
/// connect / 60 s request timeouts, no rate limit, the provider's own endpoint).
///
/// ```
/// use finops_core::http::ClientOptions;
/// use std::time::Duration;
/// let opts = ClientOptions::new()
///     .with_timeout(Duration::from_secs(30))
///     .with_rate_limit(5.0, 10)
///     .with_concurrency(4);
/// assert_eq!(opts.concurrency_or(8), 4);
/// opts.validate().unwrap();
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Clock used for signing timestamps, token expiry and `Retry-After` dates.
    pub clock: Option<SharedClock>,
    /// Retry policy.
    pub retry: Option<RetryConfig>,
    /// Connect timeout of one attempt.
    pub connect_timeout: Option<Duration>,
    /// Whole-request timeout of one attempt.
    pub timeout: Option<Duration>,
    /// Replace the provider's endpoint by this URL (the examples' `--endpoint`).
    pub endpoint: Option<String>,
    /// Rate limit per credential, as `(calls per second, burst)` (validated by
    /// [`ClientOptions::validate`] and when the client is built).
    pub rate_limit: Option<(f64, u32)>,
    /// A limiter shared with other clients of the same credential (wins over `rate_limit`).
    pub rate_limiter: Option<Arc<RateLimiter>>,
    /// Calls (or credentials) worked on at the same time by multi-credential runs.
    pub concurrency: Option<usize>,
    /// Secrets redacted from error bodies and transport errors, on top of the credential's own.
    pub redactions: Vec<Secret>,
    /// User-Agent header.
    pub user_agent: Option<String>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("endpoint", &self.endpoint)
            .field("rate_limit", &self.rate_limit)
            .field("shared_rate_limiter", &self.rate_limiter.is_some())
            .field("concurrency", &self.concurrency)
            .field("redactions", &self.redactions.len())
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// Defaults everywhere.
    pub fn new() -> Self {
        Self::default()
    }

    /// The clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Connect timeout of one attempt.
    pub fn with_connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Whole-request timeout of one attempt.
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Replace the provider's endpoint.
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Calls per second and burst per credential.
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = Some((per_second, burst));
        self
    }

    /// Share an existing limiter (several clients of one credential).
    pub fn with_rate_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }

    /// Calls (or credentials) at the same time.
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// Redact one more secret from errors.
    pub fn with_redaction(mut self, secret: Secret) -> Self {
        self.redactions.push(secret);
        self
    }

    /// User-Agent header.
    pub fn with_user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// The clock, or the system clock.
    pub fn clock_or_system(&self) -> SharedClock {
        self.clock.clone().unwrap_or_else(crate::clock::system)
    }

    /// The concurrency, or `default`; never 0.
    pub fn concurrency_or(&self, default: usize) -> usize {
        self.concurrency.unwrap_or(default).max(1)
    }

    /// The configured rate, validated (`None`: no rate set).
    pub fn checked_rate_limit(&self) -> std::result::Result<Option<RateLimit>, String> {
        self.rate_limit
            .map(|(r, b)| RateLimit::new(r, b))
            .transpose()
    }

    /// The limiter these options ask for: the shared one, else one for `rate_limit`, else
    /// `None` (no limit).
    pub fn limiter(&self) -> Result<Option<Arc<RateLimiter>>> {
        if let Some(l) = &self.rate_limiter {
            return Ok(Some(l.clone()));
        }
        Ok(self
            .checked_rate_limit()
            .map_err(|m| Error::config(format!("rate_limit: {m}")))?
            .map(|r| r.limiter()))
    }

    /// Check the values (rate, timeouts, concurrency); the error names the setting.
    pub fn validate(&self) -> Result<()> {
        self.checked_rate_limit()
            .map_err(|m| Error::config(format!("rate_limit: {m}")))?;
        for (name, d) in [
            ("timeout", self.timeout),
            ("connect_timeout", self.connect_timeout),
        ] {
            if d == Some(Duration::ZERO) {
                return Err(Error::config(format!(
                    "{name}: 0 would fail every call; give a positive duration"
                )));
            }
        }
        if self.concurrency == Some(0) {
            return Err(Error::config(
                "concurrency: 0 would never run anything; give at least 1",
            ));
        }
        Ok(())
    }

    /// Overlay `other` on `self`: every setting `other` gives wins; redactions add up.
    pub fn merged_with(mut self, other: &ClientOptions) -> Self {
        macro_rules! take {
            ($($f:ident),*) => {$(
                if other.$f.is_some() {
                    self.$f = other.$f.clone();
                }
            )*};
        }
        take!(
            clock,
            retry,
            connect_timeout,
            timeout,
            endpoint,
            rate_limit,
            rate_limiter,
            concurrency,
            user_agent
        );
        self.redactions.extend(other.redactions.iter().cloned());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    #[test]
    fn rates_are_validated() {
        for r in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(RateLimit::new(r, 1).is_err(), "{r}");
            let e = ClientOptions::new()
                .with_rate_limit(r, 1)
                .validate()
                .unwrap_err();
            assert!(e.to_string().contains("rate_limit"), "{e}");
        }
        assert_eq!(RateLimit::new(0.5, 0).unwrap().burst(), 1);
        for t in ["0", "-2", "NaN", "inf", "fast", ""] {
            assert!(RateLimit::parse(t, 1).is_err(), "{t}");
        }
        assert_eq!(RateLimit::parse(" 2.5 ", 3).unwrap().per_second(), 2.5);
    }

    #[test]
    fn limiter_choice() {
        assert!(ClientOptions::new().limiter().unwrap().is_none());
        assert!(
            ClientOptions::new()
                .with_rate_limit(3.0, 2)
                .limiter()
                .unwrap()
                .is_some()
        );
        let shared = Arc::new(RateLimiter::new(1.0, 1));
        let got = ClientOptions::new()
            .with_rate_limit(3.0, 2)
            .with_rate_limiter(shared.clone())
            .limiter()
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&got, &shared));
    }

    proptest::proptest! {
        /// Random, huge, negative and malformed rates (the `rate_limit` key of a credential
        /// file): a positive finite rate or an error, never a panic.
        #[test]
        fn rate_text_never_panics(s in "-?[0-9]{0,40}(\\.[0-9]{0,40})?([eE][-+]?[0-9]{1,5})?|.{0,20}", burst in proptest::num::u32::ANY) {
            if let Ok(r) = RateLimit::parse(&s, burst) {
                proptest::prop_assert!(r.per_second().is_finite() && r.per_second() > 0.0);
                let _ = r.limiter();
            }
        }
    }

    #[test]
    fn zero_values_are_refused_and_merge_overlays() {
        assert!(
            ClientOptions::new()
                .with_timeout(Duration::ZERO)
                .validate()
                .is_err()
        );
        assert!(ClientOptions::new().with_concurrency(0).validate().is_err());
        let base = ClientOptions::new()
            .with_timeout(Duration::from_secs(1))
            .with_endpoint("http://a")
            .with_redaction(Secret::new("first-secret"));
        let over = ClientOptions::new()
            .with_endpoint("http://b")
            .with_clock(Arc::new(FixedClock::new(
                "2026-01-01T00:00:00Z".parse().unwrap(),
            )))
            .with_redaction(Secret::new("second-secret"));
        let m = base.merged_with(&over);
        assert_eq!(m.endpoint.as_deref(), Some("http://b"));
        assert_eq!(m.timeout, Some(Duration::from_secs(1)));
        assert!(m.clock.is_some());
        assert_eq!(m.redactions.len(), 2);
        assert!(!format!("{m:?}").contains("secret"));
        assert_eq!(m.concurrency_or(4), 4);
    }
}
