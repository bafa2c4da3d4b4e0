//! [`HttpClient`]: reqwest plus the retry loop.

use super::limit::RateLimiter;
use super::options::ClientOptions;
use super::retry::{Backoff, RetryConfig, parse_retry_after};
use crate::clock::{SharedClock, SystemClock};
use crate::error::truncate_body;
use crate::{Error, Result, Secret};
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use rand::{RngCore, SeedableRng};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request about to be sent: what a [`Signer`] sees and may change (headers, URL).
#[derive(Debug, Clone)]
pub struct RequestParts {
    /// HTTP method.
    pub method: Method,
    /// Full URL, query included, exactly as it will be sent.
    pub url: Url,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes (empty for none).
    pub body: Bytes,
    /// Whether repeating the request is safe (GET, or a read-only POST such as a query).
    /// Timeouts and mid-request failures are only retried for idempotent requests.
    pub idempotent: bool,
}

impl RequestParts {
    /// A request with no body; GET/HEAD/PUT/DELETE are idempotent by default.
    pub fn new(method: Method, url: Url) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        RequestParts {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            idempotent,
        }
    }

    /// Set the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Set a JSON body (serialized once; the same bytes are signed and sent on every attempt)
    /// and `content-type: application/json`.
    pub fn with_json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Result<Self> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Error::InvalidArgument(format!("JSON body: {e}")))?;
        self.body = Bytes::from(body);
        self.headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(self)
    }

    /// Set a form body (`application/x-www-form-urlencoded`).
    pub fn with_form(mut self, pairs: &[(&str, &str)]) -> Self {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        self.body = Bytes::from(s.finish());
        self.headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self
    }

    /// Add a header (invalid values are refused).
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self> {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| Error::InvalidArgument(format!("header {name}: {e}")))?;
        let v = HeaderValue::from_str(value)
            .map_err(|e| Error::InvalidArgument(format!("header {name}: {e}")))?;
        self.headers.insert(n, v);
        Ok(self)
    }

    /// Mark the request as idempotent or not.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    /// `METHOD /path` label used in errors and logs (no query: it may hold tokens).
    pub fn call_label(&self) -> String {
        format!("{} {}", self.method, self.url.path())
    }
}

/// Signs a request right before each attempt (so a retried request gets a fresh timestamp).
///
/// Token-based providers implement it too: `sign` fetches a cached token and sets the header.
#[async_trait]
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// Add authentication to `req`; `now` comes from the client's clock.
    async fn sign(&self, req: &mut RequestParts, now: DateTime<Utc>) -> Result<()>;
}

/// A complete response (the body is read fully, so a truncated body is a transport error).
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// `METHOD /path` of the call.
    pub call: String,
    /// Attempts made (1 = no retry).
    pub attempts: u32,
    /// Waits slept between attempts, in order.
    pub waits: Vec<Duration>,
}

impl Response {
    /// Body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Deserialize the JSON body; an error names the call and the path of the field
    /// ([`crate::json::from_slice`]).
    pub fn json<T: serde::de::DeserializeOwned>(&self, provider: &'static str) -> Result<T> {
        crate::json::from_slice(&self.body).map_err(|e| Error::InvalidResponse {
            provider,
            call: self.call.clone(),
            message: format!(
                "invalid JSON body: {e}: {}",
                truncate_body(&self.text(), 300)
            ),
        })
    }
}

/// Maps a response to an error (`Some`) or accepts it (`None`). Runs on every response,
/// 2xx included, so providers that return errors in a 200 body (ArcGIS) are handled once.
pub type ErrorParser = Arc<dyn Fn(&'static str, &Response) -> Option<Error> + Send + Sync>;

/// The default mapping: 2xx is a success; 401 → Unauthenticated, 403 → PermissionDenied,
/// 404 → NotFound, 429 → RateLimited (with `Retry-After`), anything else → Status.
pub fn default_parse_error(provider: &'static str, resp: &Response) -> Option<Error> {
    if resp.is_success() {
        return None;
    }
    Some(Error::from_status(
        provider,
        resp.call.clone(),
        resp.status,
        truncate_body(&resp.text(), 4096),
        None,
    ))
}

/// Builder of [`HttpClient`].
pub struct HttpClientBuilder {
    provider: &'static str,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryConfig,
    clock: SharedClock,
    rng: Option<Box<dyn RngCore + Send>>,
    parser: ErrorParser,
    limiter: Option<Arc<RateLimiter>>,
    redact: Vec<Secret>,
    user_agent: String,
}

impl std::fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClientBuilder")
            .field("provider", &self.provider)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl HttpClientBuilder {
    /// Connect timeout (default 5 s: a loopback or cloud endpoint that does not accept in 5 s
    /// is down, and the retry loop will try again).
    pub fn with_connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Whole-request timeout (default 60 s: billing queries over long ranges are slow, but a
    /// minute without an answer is a hung call).
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Clock used for signing and HTTP-date `Retry-After`.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// RNG of the backoff jitter (tests pass a seeded one).
    pub fn with_rng(mut self, rng: Box<dyn RngCore + Send>) -> Self {
        self.rng = Some(rng);
        self
    }

    /// The provider's error mapping (see [`default_parse_error`]).
    pub fn with_error_parser(mut self, parser: ErrorParser) -> Self {
        self.parser = parser;
        self
    }

    /// Space calls with a rate limiter (share one per credential).
    pub fn with_rate_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Secrets to redact from error bodies (added to those already given).
    pub fn with_redactions(mut self, secrets: Vec<Secret>) -> Self {
        self.redact.extend(secrets);
        self
    }

    /// Apply the adapter-independent [`ClientOptions`] (validated first): clock, retry
    /// policy, timeouts, rate limiter, redactions and User-Agent. Settings the options leave
    /// unset keep this builder's values. The endpoint and concurrency are the adapter's to use.
    pub fn with_options(mut self, opts: &ClientOptions) -> Result<Self> {
        opts.validate()?;
        if let Some(c) = &opts.clock {
            self.clock = c.clone();
        }
        if let Some(r) = &opts.retry {
            self.retry = r.clone();
        }
        if let Some(d) = opts.connect_timeout {
            self.connect_timeout = d;
        }
        if let Some(d) = opts.timeout {
            self.timeout = d;
        }
        if let Some(l) = opts.limiter()? {
            self.limiter = Some(l);
        }
        self.redact.extend(opts.redactions.iter().cloned());
        if let Some(ua) = &opts.user_agent {
            self.user_agent = ua.clone();
        }
        Ok(self)
    }

    /// User-Agent header.
    pub fn with_user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Build the client.
    pub fn build(self) -> Result<HttpClient> {
        let inner = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| Error::config(format!("HTTP client: {e}")))?;
        let rng = self
            .rng
            .unwrap_or_else(|| Box::new(rand::rngs::StdRng::from_os_rng()));
        Ok(HttpClient {
            inner,
            provider: self.provider,
            retry: self.retry,
            clock: self.clock,
            rng: Arc::new(Mutex::new(rng)),
            parser: self.parser,
            limiter: self.limiter,
            redact: Arc::new(self.redact),
        })
    }
}

/// The shared HTTP client of an adapter. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    provider: &'static str,
    retry: RetryConfig,
    clock: SharedClock,
    rng: Arc<Mutex<Box<dyn RngCore + Send>>>,
    parser: ErrorParser,
    limiter: Option<Arc<RateLimiter>>,
    redact: Arc<Vec<Secret>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("provider", &self.provider)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A builder for `provider` (the label used in errors).
    pub fn builder(provider: &'static str) -> HttpClientBuilder {
        HttpClientBuilder {
            provider,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(60),
            retry: RetryConfig::default(),
            clock: Arc::new(SystemClock),
            rng: None,
            parser: Arc::new(default_parse_error),
            limiter: None,
            redact: Vec::new(),
            user_agent: format!("finops-rs/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// The provider label.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// The client's clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The retry policy.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }

    fn redact(&self, s: String) -> String {
        self.redact.iter().fold(s, |acc, sec| sec.redact(&acc))
    }

    fn redact_error(&self, e: Error) -> Error {
        match e {
            Error::Status {
                provider,
                call,
                status,
                body,
                request_id,
            } => Error::Status {
                provider,
                call,
                status,
                body: self.redact(body),
                request_id,
            },
            Error::Unauthenticated {
                provider,
                call,
                message,
            } => Error::Unauthenticated {
                provider,
                call,
                message: self.redact(message),
            },
            Error::PermissionDenied {
                provider,
                call,
                message,
            } => Error::PermissionDenied {
                provider,
                call,
                message: self.redact(message),
            },
            Error::RateLimited {
                provider,
                call,
                retry_after,
                body,
            } => Error::RateLimited {
                provider,
                call,
                retry_after,
                body: self.redact(body),
            },
            other => other,
        }
    }

    async fn attempt(&self, parts: &RequestParts, signer: Option<&dyn Signer>) -> Result<Response> {
        let mut req = parts.clone();
        let call = req.call_label();
        if let Some(s) = signer {
            s.sign(&mut req, self.clock.now()).await?;
        }
        if let Some(l) = &self.limiter {
            l.acquire().await;
        }
        let transport = |e: reqwest::Error| Error::Transport {
            provider: self.provider,
            call: call.clone(),
            message: self.redact(error_chain(&e)),
            timeout: e.is_timeout(),
            connect: e.is_connect(),
        };
        let resp = self
            .inner
            .request(req.method.clone(), req.url.clone())
            .headers(req.headers.clone())
            .body(req.body.clone())
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(transport)?;
        Ok(Response {
            status,
            headers,
            body,
            call,
            attempts: 1,
            waits: Vec::new(),
        })
    }

    /// Send `parts` (signed by `signer` before every attempt) through the retry loop and
    /// return the accepted response, or the provider-mapped error.
    pub async fn send(&self, parts: RequestParts, signer: Option<&dyn Signer>) -> Result<Response> {
        let started = tokio::time::Instant::now();
        let seed = self.rng.lock().map(|mut r| r.next_u64()).unwrap_or(0);
        let mut backoff = Backoff::seeded(self.retry.backoff, seed);
        let mut attempts = 0u32;
        let mut waits = Vec::new();
        loop {
            attempts += 1;
            let result = self.attempt(&parts, signer).await;
            let err = match result {
                Ok(mut resp) => match (self.parser)(self.provider, &resp) {
                    None => {
                        resp.attempts = attempts;
                        resp.waits = waits;
                        return Ok(resp);
                    }
                    Some(e) => {
                        let e = match e {
                            Error::RateLimited {
                                provider,
                                call,
                                retry_after: None,
                                body,
                            } => Error::RateLimited {
                                provider,
                                call,
                                retry_after: parse_retry_after(
                                    &resp.headers,
                                    &self.retry.retry_after_headers,
                                    self.clock.now(),
                                ),
                                body,
                            },
                            other => other,
                        };
                        // Status errors also carry a server-requested delay (503 + Retry-After).
                        let hint = parse_retry_after(
                            &resp.headers,
                            &self.retry.retry_after_headers,
                            self.clock.now(),
                        );
                        (self.redact_error(e), hint)
                    }
                },
                Err(e) => (e, None),
            };
            let (e, hint) = err;
            let retryable = match &e {
                // A connect error never reached the server: always safe. Anything else
                // (timeout, reset, truncated body) may have been processed: idempotent only.
                Error::Transport { connect, .. } => *connect || parts.idempotent,
                other => other.is_retryable(),
            };
            if !retryable {
                return Err(e);
            }
            if attempts > self.retry.max_retries {
                return Err(exhausted(self.provider, &parts, attempts, e));
            }
            let mut wait = backoff.next_wait();
            if let Some(ra) = e.retry_after().or(hint) {
                wait = wait.max(ra.min(self.retry.max_retry_after));
            }
            if started.elapsed() + wait > self.retry.retry_timeout {
                return Err(exhausted(self.provider, &parts, attempts, e));
            }
            tracing::debug!(provider = self.provider, call = %parts.call_label(), attempt = attempts, ?wait, error = %e, "retrying");
            waits.push(wait);
            tokio::time::sleep(wait).await;
        }
    }
}

fn exhausted(provider: &'static str, parts: &RequestParts, attempts: u32, last: Error) -> Error {
    Error::RetriesExhausted {
        provider,
        call: parts.call_label(),
        attempts,
        last: Box::new(last),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
