//! The shared HTTP layer (feature `http`): one client, one retry loop, one paging helper,
//! one token cache, one rate limiter, used by every adapter.
//!
//! - [`HttpClient`] wraps a `reqwest` (rustls) client with connect/request timeouts.
//! - [`HttpClient::send`] runs the retry loop ([`RetryConfig`]): 5xx, 429, 408 and
//!   connection errors are retried; timeouts only for idempotent calls; decorrelated-jitter
//!   backoff with an injectable RNG; `Retry-After` (seconds or HTTP-date, plus provider
//!   headers) honoured and clamped; a total retry budget. The request is re-signed on every
//!   attempt through a [`Signer`], so timestamp-based signatures (OVH, OCI) stay fresh.
//! - [`paginate`] turns page-by-page calls into a `Stream`.
//! - [`bounded`] runs calls with bounded concurrency; [`RateLimiter`] spaces calls per credential.
//! - [`TokenCache`] refreshes a bearer token before it expires.
//! - [`ClientOptions`] are the settings every adapter builder takes (clock, retry, timeouts,
//!   endpoint override, rate limit, concurrency, redactions), applied by
//!   [`HttpClientBuilder::with_options`].
//! - [`OAuth2ClientCredentials`] (module [`oauth2`]) fetches, caches and renews OAuth2
//!   client-credentials tokens (OVHcloud, ArcGIS, Entra ID).

mod client;
mod limit;
pub mod oauth2;
mod options;
mod paging;
mod retry;
mod token;

pub use client::{
    ErrorParser, HttpClient, HttpClientBuilder, RequestParts, Response, Signer, default_parse_error,
};
pub use limit::{RateLimiter, bounded};
pub use oauth2::{
    BearerSigner, ClientAuth, OAuth2Builder, OAuth2ClientCredentials, StaticToken, TokenProvider,
};
pub use options::{ClientOptions, RateLimit};
pub use paging::{Page, paginate};
pub use retry::{Backoff, BackoffConfig, RetryConfig, parse_retry_after};
pub use token::{TemporaryToken, TokenCache};

pub use reqwest::Method;
pub use reqwest::Url;
pub use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
