//! [`OvhBuilder`]: endpoint, credentials (application key or OAuth2), politeness settings.
//! `build()` is the only fallible call besides reading an INI file.

use crate::client::OvhClient;
use crate::credential::{OvhCredential, OvhSigner};
use crate::error::OvhError;
use finops_core::Secret;
use finops_core::clock::SharedClock;
use finops_core::http::{ClientOptions, HttpClient, RateLimit, RateLimiter, RetryConfig, Url};
use finops_core::ini::Ini;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The named endpoints of python-ovh / go-ovh: `(name, API base, OAuth2 token URL)`.
pub const ENDPOINTS: &[(&str, &str, Option<&str>)] = &[
    (
        "ovh-eu",
        "https://eu.api.ovh.com/1.0",
        Some("https://www.ovh.com/auth/oauth2/token"),
    ),
    (
        "ovh-ca",
        "https://ca.api.ovh.com/1.0",
        Some("https://ca.ovh.com/auth/oauth2/token"),
    ),
    (
        "ovh-us",
        "https://api.us.ovhcloud.com/1.0",
        Some("https://us.ovhcloud.com/auth/oauth2/token"),
    ),
    ("kimsufi-eu", "https://eu.api.kimsufi.com/1.0", None),
    ("kimsufi-ca", "https://ca.api.kimsufi.com/1.0", None),
    ("soyoustart-eu", "https://eu.api.soyoustart.com/1.0", None),
    ("soyoustart-ca", "https://ca.api.soyoustart.com/1.0", None),
];

/// Default politeness: 5 calls per second per credential, bursts of 10. OVH documents no
/// limit; a maintainer said under 60 calls/minute per consumer key is always fine
/// (python-ovh #81). 5/s is the pace of the original sequential Python loop; 429s are retried.
pub const DEFAULT_RATE_PER_SEC: f64 = 5.0;
/// Default burst.
pub const DEFAULT_BURST: u32 = 10;
/// Per-attempt timeout of the `GET /auth/time` time sync (it answers a bare integer).
pub const TIME_SYNC_TIMEOUT: Duration = Duration::from_secs(10);
/// Total retry budget of the `GET /auth/time` time sync.
pub const TIME_SYNC_BUDGET: Duration = Duration::from_secs(30);

/// Resolve an endpoint name (`ovh-eu`, …) or URL to `(API base, OAuth2 token URL)`.
///
/// A URL is used as the API base as-is (go-ovh accepts raw URLs); its OAuth2 token URL is
/// `{scheme://host[:port]}/auth/oauth2/token` (what the emulator serves).
pub fn resolve_endpoint(endpoint: &str) -> Result<(Url, Option<Url>), String> {
    let e = endpoint.trim();
    if let Some((_, base, tok)) = ENDPOINTS.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(e)) {
        let base = Url::parse(base).map_err(|x| x.to_string())?;
        let tok = tok.map(Url::parse).transpose().map_err(|x| x.to_string())?;
        return Ok((base, tok));
    }
    if e.starts_with("http://") || e.starts_with("https://") {
        let base = Url::parse(e.trim_end_matches('/')).map_err(|x| format!("{e:?}: {x}"))?;
        let mut tok = base.clone();
        tok.set_path("/auth/oauth2/token");
        tok.set_query(None);
        return Ok((base, Some(tok)));
    }
    let names: Vec<&str> = ENDPOINTS.iter().map(|(n, _, _)| *n).collect();
    Err(format!(
        "unknown endpoint {e:?}: use one of {} or an http(s) URL",
        names.join(", ")
    ))
}

/// Configuration keys (`from_env` reads `OVH_` + the upper-case name; INI files use the
/// lower-case names of python-ovh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OvhConfigKey {
    /// `endpoint`: `ovh-eu`, `ovh-ca`, `ovh-us`, `kimsufi-*`, `soyoustart-*` or a URL.
    Endpoint,
    /// `application_key`.
    ApplicationKey,
    /// `application_secret`.
    ApplicationSecret,
    /// `consumer_key`.
    ConsumerKey,
    /// `client_id` (OAuth2).
    ClientId,
    /// `client_secret` (OAuth2).
    ClientSecret,
    /// `rate_limit`: calls per second per credential.
    RateLimit,
}

impl OvhConfigKey {
    /// Every key.
    pub const ALL: [OvhConfigKey; 7] = [
        OvhConfigKey::Endpoint,
        OvhConfigKey::ApplicationKey,
        OvhConfigKey::ApplicationSecret,
        OvhConfigKey::ConsumerKey,
        OvhConfigKey::ClientId,
        OvhConfigKey::ClientSecret,
        OvhConfigKey::RateLimit,
    ];

    /// The INI name.
    pub fn as_str(&self) -> &'static str {
        match self {
            OvhConfigKey::Endpoint => "endpoint",
            OvhConfigKey::ApplicationKey => "application_key",
            OvhConfigKey::ApplicationSecret => "application_secret",
            OvhConfigKey::ConsumerKey => "consumer_key",
            OvhConfigKey::ClientId => "client_id",
            OvhConfigKey::ClientSecret => "client_secret",
            OvhConfigKey::RateLimit => "rate_limit",
        }
    }

    /// The environment variable (`OVH_ENDPOINT`, …).
    pub fn env_var(&self) -> String {
        format!("OVH_{}", self.as_str().to_ascii_uppercase())
    }
}

impl FromStr for OvhConfigKey {
    type Err = finops_core::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.strip_prefix("ovh_").unwrap_or(&t);
        OvhConfigKey::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| {
                finops_core::Error::config(format!("unknown OVH configuration key {s:?}"))
            })
    }
}

/// Builds an [`OvhClient`].
///
/// ```
/// use finops_ovh::builder::OvhBuilder;
/// let client = OvhBuilder::new()
///     .with_endpoint("ovh-eu")
///     .with_application_key("AK")
///     .with_application_secret("AS")
///     .with_consumer_key("CK")
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url().as_str(), "https://eu.api.ovh.com/1.0");
/// ```
#[derive(Clone, Default)]
pub struct OvhBuilder {
    name: Option<String>,
    source: Option<String>,
    endpoint: Option<String>,
    application_key: Option<String>,
    application_secret: Option<Secret>,
    consumer_key: Option<Secret>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    /// The `rate_limit` key of the credential file (validated at build).
    rate_raw: Option<String>,
    options: ClientOptions,
    time_delta: Option<i64>,
}

impl fmt::Debug for OvhBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OvhBuilder")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .field(
                "application_key",
                &self.application_key.as_ref().map(|_| "***"),
            )
            .field("application_secret", &self.application_secret)
            .field("consumer_key", &self.consumer_key)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("rate_limit", &self.rate_raw)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl OvhBuilder {
    /// An empty builder (endpoint defaults to `ovh-eu`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Read `OVH_ENDPOINT`, `OVH_APPLICATION_KEY`, `OVH_APPLICATION_SECRET`,
    /// `OVH_CONSUMER_KEY`, `OVH_CLIENT_ID`, `OVH_CLIENT_SECRET`, `OVH_RATE_LIMIT`.
    pub fn from_env() -> Self {
        let mut b = Self::new();
        for k in OvhConfigKey::ALL {
            if let Ok(v) = std::env::var(k.env_var()) {
                b = b.with_config(k, v);
            }
        }
        b.source = Some("environment".into());
        b
    }

    /// Read a python-ovh INI credential file (`[default] endpoint=ovh-eu`, then the keys in the
    /// `[ovh-eu]` section). The file name (without extension) becomes the account name.
    pub fn from_ini_file(path: impl AsRef<Path>) -> finops_core::Result<Self> {
        let path = path.as_ref();
        let text = finops_core::fs::read_text(path)?;
        Self::from_ini_path_and_text(path, &text)
    }

    /// [`OvhBuilder::from_ini_file`] on text already read from `path` (the directory loader).
    pub(crate) fn from_ini_path_and_text(path: &Path, text: &str) -> finops_core::Result<Self> {
        let mut b = Self::from_ini_str(text, &path.display().to_string())?;
        if b.name.is_none() {
            b.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty());
        }
        Ok(b)
    }

    /// Parse INI text ([`finops_core::ini`], configparser's rules); `label` names the file in
    /// errors. Section names are matched ignoring case (`[default]`, `[DEFAULT]`).
    pub fn from_ini_str(text: &str, label: &str) -> finops_core::Result<Self> {
        let ini = Ini::parse(text, label)?;
        let get = |section: &str, key: &str| {
            ini.find_section(section)
                .and_then(|s| ini.get(s, key))
                .map(str::to_string)
        };
        // python-ovh reads `[default] endpoint`; a file holding a single section named after
        // a known endpoint (`[ovh-eu]` only) is read as that endpoint too.
        let sections: Vec<&str> = ini
            .sections()
            .into_iter()
            .filter(|s| !s.eq_ignore_ascii_case("default"))
            .collect();
        let lone_endpoint = match sections.as_slice() {
            [only] if resolve_endpoint(only).is_ok() => Some(only.to_string()),
            _ => None,
        };
        let endpoint = get("default", "endpoint").or(lone_endpoint).ok_or_else(|| {
            finops_core::Error::config_at(
                label,
                "[default] endpoint",
                "missing: the file must start with `[default]` and `endpoint=ovh-eu` (or another endpoint)",
            )
        })?;
        let mut b = Self::new().with_endpoint(endpoint.clone());
        b.source = Some(label.to_string());
        for k in OvhConfigKey::ALL {
            if k == OvhConfigKey::Endpoint {
                continue;
            }
            if let Some(v) = get(&endpoint, k.as_str()).or_else(|| get("default", k.as_str())) {
                b = b.with_config(k, v);
            }
        }
        let has_ak = b.application_key.is_some();
        let has_oauth = b.client_id.is_some();
        if !has_ak && !has_oauth {
            return Err(finops_core::Error::config_at(
                label,
                format!("[{endpoint}] application_key"),
                "missing: give application_key, application_secret and consumer_key (or client_id and client_secret)",
            ));
        }
        Ok(b)
    }

    /// Set one key.
    pub fn with_config(mut self, key: OvhConfigKey, value: impl Into<String>) -> Self {
        let v = value.into();
        match key {
            OvhConfigKey::Endpoint => self.endpoint = Some(v),
            OvhConfigKey::ApplicationKey => self.application_key = Some(v),
            OvhConfigKey::ApplicationSecret => self.application_secret = Some(Secret::new(v)),
            OvhConfigKey::ConsumerKey => self.consumer_key = Some(Secret::new(v)),
            OvhConfigKey::ClientId => self.client_id = Some(v),
            OvhConfigKey::ClientSecret => self.client_secret = Some(Secret::new(v)),
            OvhConfigKey::RateLimit => self.rate_raw = Some(v),
        }
        self
    }

    /// Account name (the credential file name); used in labels and errors.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Endpoint by name (`ovh-eu`, `ovh-ca`, `ovh-us`, `kimsufi-eu`, …) or URL.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Replace whatever endpoint the file says by this URL (the `--endpoint` option; the
    /// [`ClientOptions::endpoint`]).
    pub fn with_endpoint_override(mut self, url: impl Into<String>) -> Self {
        self.options = self.options.with_endpoint(url);
        self
    }

    /// Application key.
    pub fn with_application_key(mut self, v: impl Into<String>) -> Self {
        self.application_key = Some(v.into());
        self
    }

    /// Application secret.
    pub fn with_application_secret(mut self, v: impl Into<String>) -> Self {
        self.application_secret = Some(Secret::new(v.into()));
        self
    }

    /// Consumer key.
    pub fn with_consumer_key(mut self, v: impl Into<String>) -> Self {
        self.consumer_key = Some(Secret::new(v.into()));
        self
    }

    /// OAuth2 service account (client credentials) instead of an application key.
    pub fn with_oauth2(mut self, client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(Secret::new(secret.into()));
        self
    }

    /// Calls per second per credential and burst (default 5/s, burst 10).
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.options = self.options.with_rate_limit(per_second, burst);
        self
    }

    /// Share an existing limiter (several clients of the same consumer key).
    pub fn with_rate_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.options = self.options.with_rate_limiter(limiter);
        self
    }

    /// The clock (signing timestamps, token expiry). Defaults to the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.options = self.options.with_clock(clock);
        self
    }

    /// The retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.options = self.options.with_retry(retry);
        self
    }

    /// Per-attempt timeout (default 60 s).
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.options = self.options.with_timeout(d);
        self
    }

    /// Connect timeout of one attempt (default 5 s).
    pub fn with_connect_timeout(mut self, d: Duration) -> Self {
        self.options = self.options.with_connect_timeout(d);
        self
    }

    /// Every client setting at once (overlaid on those already set: what `options` gives wins).
    pub fn with_client_options(mut self, options: &ClientOptions) -> Self {
        self.options = self.options.merged_with(options);
        self
    }

    /// The client settings given so far.
    pub fn client_options(&self) -> &ClientOptions {
        &self.options
    }

    /// Fix the server time delta instead of asking `GET /auth/time` (tests).
    pub fn with_time_delta(mut self, seconds: i64) -> Self {
        self.time_delta = Some(seconds);
        self
    }

    /// The identity of the credential (application key + consumer key, or client id), to
    /// share one rate limiter between files holding the same credential.
    pub(crate) fn credential_identity(&self) -> Option<String> {
        match (&self.application_key, &self.consumer_key, &self.client_id) {
            (Some(ak), Some(ck), _) => Some(format!("ak:{ak}:{}", ck.expose())),
            (_, _, Some(id)) => Some(format!("oauth:{id}")),
            _ => None,
        }
    }

    /// The rate limit configured (`rate_limit` key or `with_rate_limit`), if any.
    pub(crate) fn has_rate_limit(&self) -> bool {
        self.rate_raw.is_some()
            || self.options.rate_limit.is_some()
            || self.options.rate_limiter.is_some()
    }

    fn err(&self, key: OvhConfigKey, message: impl Into<String>) -> finops_core::Error {
        OvhError::Config {
            file: self.source.clone(),
            key: Some(key.as_str().to_string()),
            message: message.into(),
        }
        .into()
    }

    /// Build the client.
    pub fn build(self) -> finops_core::Result<OvhClient> {
        let endpoint = self
            .options
            .endpoint
            .clone()
            .or_else(|| self.endpoint.clone())
            .unwrap_or_else(|| "ovh-eu".to_string());
        let (base, token_url) =
            resolve_endpoint(&endpoint).map_err(|m| self.err(OvhConfigKey::Endpoint, m))?;
        let credential = match (&self.application_key, &self.client_id) {
            (Some(ak), _) => {
                let as_ = self
                    .application_secret
                    .clone()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| self.err(OvhConfigKey::ApplicationSecret, "missing"))?;
                let ck = self
                    .consumer_key
                    .clone()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| self.err(OvhConfigKey::ConsumerKey, "missing"))?;
                if ak.trim().is_empty() {
                    return Err(self.err(OvhConfigKey::ApplicationKey, "empty"));
                }
                OvhCredential::ApplicationKey {
                    application_key: ak.trim().to_string(),
                    application_secret: as_,
                    consumer_key: ck,
                }
            }
            (None, Some(id)) => {
                let secret = self
                    .client_secret
                    .clone()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| self.err(OvhConfigKey::ClientSecret, "missing"))?;
                let token_url = token_url.ok_or_else(|| {
                    self.err(
                        OvhConfigKey::Endpoint,
                        format!("{endpoint} has no OAuth2 token endpoint (ovh-eu/ca/us only)"),
                    )
                })?;
                OvhCredential::OAuth2 {
                    client_id: id.clone(),
                    client_secret: secret,
                    token_url,
                }
            }
            (None, None) => {
                return Err(self.err(
                    OvhConfigKey::ApplicationKey,
                    "missing: give application_key/application_secret/consumer_key or client_id/client_secret",
                ));
            }
        };
        // The shared limiter wins, then the file's `rate_limit`, then `with_rate_limit`, then
        // the default pace.
        let burst = self.options.rate_limit.map_or(DEFAULT_BURST, |(_, b)| b);
        let from_file = self
            .rate_raw
            .as_deref()
            .map(|r| RateLimit::parse(r, burst))
            .transpose()
            .map_err(|m| self.err(OvhConfigKey::RateLimit, m))?;
        let from_options = self
            .options
            .checked_rate_limit()
            .map_err(|m| self.err(OvhConfigKey::RateLimit, m))?;
        let limiter = match &self.options.rate_limiter {
            Some(l) => l.clone(),
            None => from_file.or(from_options).map_or_else(
                || Arc::new(RateLimiter::new(DEFAULT_RATE_PER_SEC, DEFAULT_BURST)),
                |r| r.limiter(),
            ),
        };
        let client = |options: ClientOptions| {
            HttpClient::builder(crate::PROVIDER)
                .with_error_parser(Arc::new(crate::client::parse_error))
                .with_options(&options.with_rate_limiter(limiter.clone()))?
                .with_redactions(credential.secrets())
                .build()
        };
        let http = client(self.options.clone())?;
        // `GET /auth/time` is tiny and comes first: a server that accepts connections but
        // never answers is given up on within TIME_SYNC_BUDGET instead of the data calls'
        // 60 s per attempt and 180 s budget (same retry count, so fault storms still pass).
        let mut time_retry = self.options.retry.clone().unwrap_or_default();
        time_retry.retry_timeout = time_retry.retry_timeout.min(TIME_SYNC_BUDGET);
        let time_timeout = self
            .options
            .timeout
            .unwrap_or(TIME_SYNC_TIMEOUT)
            .min(TIME_SYNC_TIMEOUT);
        let time_http = client(
            self.options
                .clone()
                .with_retry(time_retry)
                .with_timeout(time_timeout),
        )?;
        // Token calls of a service account: the same settings (clock, retry policy, timeouts,
        // the credential's rate limiter).
        let oauth2_http = HttpClient::builder(crate::PROVIDER)
            .with_options(&self.options.clone().with_rate_limiter(limiter.clone()))?;
        let signer = OvhSigner::with_time_client(
            credential,
            base.clone(),
            http.clone(),
            time_http,
            self.time_delta,
            Some(oauth2_http),
        )?;
        let name = self.name.clone().unwrap_or_else(|| endpoint.clone());
        tracing::debug!(account = %name, endpoint = %base, "built OVH client");
        Ok(OvhClient::new(name, base, http, signer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INI: &str = "[default]\nendpoint=ovh-eu\n\n[ovh-eu]\napplication_key=AK1\napplication_secret=AS-secret\nconsumer_key=CK-secret\n";

    #[test]
    fn ini_of_the_original() {
        let b = OvhBuilder::from_ini_str(INI, "ProSanteConnect").unwrap();
        let c = b.build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://eu.api.ovh.com/1.0");
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("AS-secret") && !dbg.contains("CK-secret"),
            "{dbg}"
        );
    }

    #[test]
    fn ini_errors_name_file_and_line() {
        let e =
            OvhBuilder::from_ini_str("[default]\nendpoint=ovh-eu\n[ovh-eu]\nnonsense\n", "f.ini")
                .unwrap_err()
                .to_string();
        assert!(e.contains("f.ini:4"), "{e}");
        let e = OvhBuilder::from_ini_str("[custom]\napplication_key=x\n", "g.ini")
            .unwrap_err()
            .to_string();
        assert!(e.contains("g.ini") && e.contains("endpoint"), "{e}");
        // A lone `[ovh-eu]` section names its endpoint.
        let c = OvhBuilder::from_ini_str(
            "[ovh-eu]\napplication_key=a\napplication_secret=b\nconsumer_key=c\n",
            "h.ini",
        )
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(c.base_url().as_str(), "https://eu.api.ovh.com/1.0");
        let e = OvhBuilder::from_ini_str(
            "[default]\nendpoint=ovh-eu\n[ovh-eu]\napplication_key=x\n",
            "h.ini",
        )
        .unwrap()
        .build()
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("h.ini") && e.contains("application_secret"),
            "{e}"
        );
    }

    #[test]
    fn endpoints() {
        for (n, base, _) in ENDPOINTS {
            assert_eq!(resolve_endpoint(n).unwrap().0.as_str(), *base);
        }
        let (b, t) = resolve_endpoint("http://127.0.0.1:8080/1.0").unwrap();
        assert_eq!(b.as_str(), "http://127.0.0.1:8080/1.0");
        assert_eq!(
            t.unwrap().as_str(),
            "http://127.0.0.1:8080/auth/oauth2/token"
        );
        assert!(resolve_endpoint("ovh-mars").is_err());
    }

    #[test]
    fn override_wins() {
        let c = OvhBuilder::from_ini_str(INI, "x")
            .unwrap()
            .with_endpoint_override("http://127.0.0.1:9/1.0")
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9/1.0");
    }

    #[test]
    fn ini_delimiter_is_the_first_of_equals_or_colon() {
        let b = OvhBuilder::from_ini_str(
            "[default]\nendpoint: ovh-eu\n[ovh-eu]\napplication_key: AK\napplication_secret: a=b\nconsumer_key = c:d\n",
            "x",
        )
        .unwrap();
        let c = b.build().unwrap();
        match c.signer().credential() {
            OvhCredential::ApplicationKey {
                application_key,
                application_secret,
                consumer_key,
            } => {
                assert_eq!(application_key, "AK");
                assert_eq!(application_secret.expose(), "a=b");
                assert_eq!(consumer_key.expose(), "c:d");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limit_must_be_positive() {
        for r in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = OvhBuilder::from_ini_str(INI, "x")
                .unwrap()
                .with_rate_limit(r, 10)
                .build()
                .unwrap_err()
                .to_string();
            assert!(e.contains("rate_limit"), "{r}: {e}");
        }
        for r in ["0", "-2", "NaN", "inf", "fast"] {
            let e = OvhBuilder::from_ini_str(INI, "x")
                .unwrap()
                .with_config(OvhConfigKey::RateLimit, r)
                .build()
                .unwrap_err()
                .to_string();
            assert!(e.contains("rate_limit"), "{r}: {e}");
        }
        assert!(
            OvhBuilder::from_ini_str(INI, "x")
                .unwrap()
                .with_rate_limit(0.5, 1)
                .build()
                .is_ok()
        );
    }

    proptest::proptest! {
        /// Random, huge, negative and malformed `rate_limit` values of a credential file: a
        /// client or an error naming the key, never a panic.
        #[test]
        fn rate_limit_numbers_never_panic(v in "-?[0-9]{0,40}([.,][0-9]{0,40})?([eE][-+]?[0-9]{1,6})?|[-+ ,._0-9eE%a-z]{0,24}") {
            let text = format!("{INI}rate_limit={v}\n");
            if let Ok(b) = OvhBuilder::from_ini_str(&text, "fuzz.ini")
                && let Err(e) = b.build()
            {
                proptest::prop_assert!(e.to_string().contains("rate_limit"), "{}", e);
            }
        }
    }

    #[test]
    fn config_keys() {
        assert_eq!(
            "OVH_CONSUMER_KEY".parse::<OvhConfigKey>().unwrap(),
            OvhConfigKey::ConsumerKey
        );
        assert!("nope".parse::<OvhConfigKey>().is_err());
    }
}
