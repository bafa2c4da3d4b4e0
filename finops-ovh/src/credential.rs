//! OVH authentication: the `$1$` SHA-1 request signature (application key mode), the server
//! time delta from `GET /auth/time`, and the OAuth2 client-credentials alternative.
//!
//! [`signature`] is a pure function (time injected), pinned by the published python-ovh and
//! go-ovh test vectors (see the tests at the bottom and `tests/signing.rs`).

use crate::PROVIDER;
use crate::error::OvhError;
use crate::model::{ApiCredential, OvhDateTime};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use finops_core::Secret;
use finops_core::http::oauth2::{ClientAuth, OAuth2ClientCredentials, TokenProvider, apply_bearer};
use finops_core::http::{HttpClient, HttpClientBuilder, Method, RequestParts, Signer, Url};
use sha1::{Digest, Sha1};
use std::fmt;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Header names.
pub const HEADER_APPLICATION: &str = "X-Ovh-Application";
/// Consumer key header.
pub const HEADER_CONSUMER: &str = "X-Ovh-Consumer";
/// Timestamp header.
pub const HEADER_TIMESTAMP: &str = "X-Ovh-Timestamp";
/// Signature header.
pub const HEADER_SIGNATURE: &str = "X-Ovh-Signature";

/// The `X-Ovh-Signature` value: `"$1$" + sha1_hex(AS+"+"+CK+"+"+METHOD+"+"+URL+"+"+BODY+"+"+TS)`.
///
/// `method` is upper-cased; `full_url` is base + path + `?query` exactly as sent; `body` the
/// exact bytes sent (empty for GET/DELETE); `timestamp` the `X-Ovh-Timestamp` header value.
pub fn signature(
    application_secret: &str,
    consumer_key: &str,
    method: &str,
    full_url: &str,
    body: &[u8],
    timestamp: i64,
) -> String {
    signature_text(
        application_secret,
        consumer_key,
        method,
        full_url,
        body,
        &timestamp.to_string(),
    )
}

/// [`signature`] with the timestamp as the exact header text (what a server verifies).
pub fn signature_text(
    application_secret: &str,
    consumer_key: &str,
    method: &str,
    full_url: &str,
    body: &[u8],
    timestamp: &str,
) -> String {
    let mut h = Sha1::new();
    h.update(application_secret.as_bytes());
    h.update(b"+");
    h.update(consumer_key.as_bytes());
    h.update(b"+");
    h.update(method.to_ascii_uppercase().as_bytes());
    h.update(b"+");
    h.update(full_url.as_bytes());
    h.update(b"+");
    h.update(body);
    h.update(b"+");
    h.update(timestamp.as_bytes());
    let digest = h.finalize();
    let mut out = String::with_capacity(43);
    out.push_str("$1$");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Constant-time comparison of two signatures (the emulator uses it).
pub fn signatures_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What is wrong with a token (OVH-02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenWarning {
    /// Expires within the warning window.
    ExpiresSoon {
        /// Whole days left (0 = expires today).
        days_left: i64,
    },
    /// Already expired (expiration in the past, or status `expired`).
    Expired,
    /// The API refused it (`/auth/currentCredential` failed, or status not `validated`).
    Invalid {
        /// Why.
        message: String,
    },
}

impl fmt::Display for TokenWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenWarning::ExpiresSoon { days_left } => {
                write!(f, "token expires in {days_left} day(s)")
            }
            TokenWarning::Expired => f.write_str("token expired"),
            TokenWarning::Invalid { message } => write!(f, "token invalid: {message}"),
        }
    }
}

/// Token creation/expiration and health of one credential file (OVH-02).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenHealth {
    /// Creation (`date_debut`).
    pub creation: Option<OvhDateTime>,
    /// Expiration (`date_fin`; `None`: no expiry or unknown).
    pub expiration: Option<OvhDateTime>,
    /// Credential status (`validated`, …) when known.
    pub status: Option<String>,
    /// Warning, if any.
    pub warning: Option<TokenWarning>,
}

/// Token health from `/auth/currentCredential` at `as_of` (OVH-02): a warning when the token
/// expires within `warn_days` days, is expired, or is not `validated`. Never panics, whatever
/// `warn_days` is.
pub fn token_health_of(cred: &ApiCredential, as_of: DateTime<Utc>, warn_days: i64) -> TokenHealth {
    let warning = if cred.status != "validated" {
        if cred.status == "expired" {
            Some(TokenWarning::Expired)
        } else {
            Some(TokenWarning::Invalid {
                message: format!("credential status is {}", cred.status),
            })
        }
    } else {
        match cred.expiration {
            Some(exp) if exp.with_timezone(&Utc) <= as_of => Some(TokenWarning::Expired),
            Some(exp) => {
                let left = exp.with_timezone(&Utc) - as_of;
                // A window too large for a duration (`i64::MAX` days) covers every expiry.
                let within = chrono::TimeDelta::try_days(warn_days).is_none_or(|w| left <= w);
                if within {
                    Some(TokenWarning::ExpiresSoon {
                        days_left: left.num_days(),
                    })
                } else {
                    None
                }
            }
            None => None,
        }
    };
    TokenHealth {
        creation: Some(cred.creation),
        expiration: cred.expiration,
        status: Some(cred.status.clone()),
        warning,
    }
}

/// The credential of one OVH account.
#[derive(Clone)]
pub enum OvhCredential {
    /// Application key + secret + consumer key (signed requests).
    ApplicationKey {
        /// `X-Ovh-Application` (not secret by itself, but never printed in full either).
        application_key: String,
        /// Application secret.
        application_secret: Secret,
        /// Consumer key.
        consumer_key: Secret,
    },
    /// OAuth2 service account (client credentials, `Authorization: Bearer`).
    OAuth2 {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: Secret,
        /// Token URL of the endpoint.
        token_url: Url,
    },
}

impl fmt::Debug for OvhCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OvhCredential::ApplicationKey {
                application_key, ..
            } => f
                .debug_struct("ApplicationKey")
                .field("application_key", &mask(application_key))
                .field("application_secret", &"***")
                .field("consumer_key", &"***")
                .finish(),
            OvhCredential::OAuth2 {
                client_id,
                token_url,
                ..
            } => f
                .debug_struct("OAuth2")
                .field("client_id", client_id)
                .field("client_secret", &"***")
                .field("token_url", &token_url.as_str())
                .finish(),
        }
    }
}

/// First 4 characters then `***`.
fn mask(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}***")
}

impl OvhCredential {
    /// The secrets to redact from error bodies and logs.
    pub fn secrets(&self) -> Vec<Secret> {
        match self {
            OvhCredential::ApplicationKey {
                application_secret,
                consumer_key,
                ..
            } => vec![application_secret.clone(), consumer_key.clone()],
            OvhCredential::OAuth2 { client_secret, .. } => vec![client_secret.clone()],
        }
    }
}

/// Signs every attempt of every call of one credential. Holds the server time delta (computed
/// once per client from `GET /auth/time`) or, for a service account, the shared OAuth2
/// client-credentials provider ([`OAuth2ClientCredentials`]: HTTP Basic first like
/// python-ovh and go-ovh, the form fields when a server refuses it; `scope=all`; token
/// cached and refreshed 5 minutes before expiry; renewed once when the API refuses it).
pub struct OvhSigner {
    credential: OvhCredential,
    base: Url,
    http: HttpClient,
    time_http: HttpClient,
    delta: Mutex<Option<i64>>,
    oauth2: Option<Arc<OAuth2ClientCredentials>>,
}

impl fmt::Debug for OvhSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OvhSigner")
            .field("credential", &self.credential)
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl OvhSigner {
    /// A signer for `credential` against the API `base` (`https://eu.api.ovh.com/1.0`).
    /// `time_delta`: a known server-minus-local delta (skips `GET /auth/time`).
    pub fn new(
        credential: OvhCredential,
        base: Url,
        http: HttpClient,
        time_delta: Option<i64>,
    ) -> finops_core::Result<Arc<Self>> {
        let time_http = http.clone();
        Self::with_time_client(credential, base, http, time_http, time_delta, None)
    }

    /// [`OvhSigner::new`] with a separate client (shorter timeouts) for `GET /auth/time` and,
    /// for a service account, the client settings of the token calls (`oauth2_http`; by
    /// default the provider's own). Fails only when an OAuth2 client id or secret is empty.
    pub fn with_time_client(
        credential: OvhCredential,
        base: Url,
        http: HttpClient,
        time_http: HttpClient,
        time_delta: Option<i64>,
        oauth2_http: Option<HttpClientBuilder>,
    ) -> finops_core::Result<Arc<Self>> {
        let oauth2 = match &credential {
            OvhCredential::OAuth2 {
                client_id,
                client_secret,
                token_url,
            } => {
                let mut b = OAuth2ClientCredentials::builder(
                    PROVIDER,
                    token_url.clone(),
                    client_id.clone(),
                    client_secret.clone(),
                )
                .with_client_auth(ClientAuth::BasicThenForm)
                .with_scope("all");
                if let Some(h) = oauth2_http {
                    b = b.with_http(h);
                }
                Some(Arc::new(b.build()?))
            }
            OvhCredential::ApplicationKey { .. } => None,
        };
        Ok(Arc::new(OvhSigner {
            credential,
            base,
            http,
            time_http,
            delta: Mutex::new(time_delta),
            oauth2,
        }))
    }

    /// The OAuth2 token provider of a service account (`None` for an application key).
    pub fn oauth2(&self) -> Option<&Arc<OAuth2ClientCredentials>> {
        self.oauth2.as_ref()
    }

    /// The credential.
    pub fn credential(&self) -> &OvhCredential {
        &self.credential
    }

    /// Server time minus local time in seconds, fetched once from `GET /auth/time`.
    pub async fn time_delta(&self) -> finops_core::Result<i64> {
        let mut g = self.delta.lock().await;
        if let Some(d) = *g {
            return Ok(d);
        }
        let url = join(&self.base, "/auth/time", &[])?;
        let mut req = RequestParts::new(Method::GET, url).idempotent(true);
        if let OvhCredential::ApplicationKey {
            application_key, ..
        } = &self.credential
        {
            req = req.with_header(HEADER_APPLICATION, application_key)?;
        }
        let resp = self.time_http.send(req, None).await?;
        // Local time when the reply arrived, like python-ovh (`server_time - int(time.time())`
        // after the call) and go-ovh (`getLocalTime().Sub(ovhTime)` after `getTime()`): a
        // slow or retried `/auth/time` must not skew every later timestamp.
        let local = self.http.clock().now().timestamp();
        let text = resp.text();
        let server: i64 = text.trim().parse().map_err(|_| OvhError::InvalidTime {
            body: finops_core::error::truncate_body(&text, 100),
        })?;
        // Checked: the body is untrusted (an absurd time is an error, never an overflow).
        let d = server
            .checked_sub(local)
            .ok_or_else(|| OvhError::InvalidTime {
                body: finops_core::error::truncate_body(&text, 100),
            })?;
        *g = Some(d);
        Ok(d)
    }

    /// Set the time delta (tests).
    pub async fn set_time_delta(&self, delta: i64) {
        *self.delta.lock().await = Some(delta);
    }
}

#[async_trait]
impl Signer for OvhSigner {
    async fn sign(&self, req: &mut RequestParts, now: DateTime<Utc>) -> finops_core::Result<()> {
        match &self.credential {
            OvhCredential::ApplicationKey {
                application_key,
                application_secret,
                consumer_key,
            } => {
                let delta = self.time_delta().await?;
                let ts =
                    now.timestamp()
                        .checked_add(delta)
                        .ok_or_else(|| OvhError::InvalidTime {
                            body: format!("time delta {delta} s"),
                        })?;
                let sig = signature(
                    application_secret.expose(),
                    consumer_key.expose(),
                    req.method.as_str(),
                    req.url.as_str(),
                    &req.body,
                    ts,
                );
                set_header(req, HEADER_APPLICATION, application_key)?;
                set_header(req, HEADER_CONSUMER, consumer_key.expose())?;
                set_header(req, HEADER_TIMESTAMP, &ts.to_string())?;
                set_header(req, HEADER_SIGNATURE, &sig)?;
            }
            OvhCredential::OAuth2 { .. } => {
                let provider = self.oauth2.as_ref().ok_or(OvhError::NotOAuth2)?;
                apply_bearer(req, &provider.token().await?)?;
            }
        }
        Ok(())
    }
}

fn set_header(req: &mut RequestParts, name: &str, value: &str) -> finops_core::Result<()> {
    let name = finops_core::http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
        OvhError::Header {
            message: e.to_string(),
        }
    })?;
    let value = finops_core::http::HeaderValue::from_str(value).map_err(|_| OvhError::Header {
        message: format!("invalid characters in header {name}"),
    })?;
    req.headers.insert(name, value);
    Ok(())
}

/// `base` + `path` (+ `?query`, form-urlencoded like python-ovh's `urlencode`). A path starting
/// with `/v1/` or `/v2/` replaces the base's `/1.0` (both official libraries do this).
pub fn join(base: &Url, path: &str, query: &[(&str, &str)]) -> finops_core::Result<Url> {
    let mut b = base.as_str().trim_end_matches('/').to_string();
    if (path.starts_with("/v1/") || path.starts_with("/v2/")) && b.ends_with("/1.0") {
        b.truncate(b.len() - "/1.0".len());
    }
    let mut url = Url::parse(&format!("{b}{path}")).map_err(|e| OvhError::Url {
        url: format!("{b}{path}"),
        message: e.to_string(),
    })?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query.iter());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    // python-ovh tests/test_client.py (ovh.md "Published test vectors").
    #[test]
    fn python_ovh_vectors() {
        let url = "https://eu.api.ovh.com/1.0/unit/test";
        assert_eq!(
            signature(
                "fake application secret",
                "fake consumer key",
                "MeThOd",
                url,
                b"",
                1404395931
            ),
            "$1$16ae5ba8c63841b1951575be905867991d5f49dc"
        );
        assert_eq!(
            signature(
                "fake application secret",
                "fake consumer key",
                "MeThOd",
                url,
                br#"{"some": "random", "data": 42}"#,
                1404395931
            ),
            "$1$9acb1ac0120006d16261a635aed788e83ab172d2"
        );
    }

    #[test]
    fn join_rules() {
        let base = Url::parse("https://eu.api.ovh.com/1.0").unwrap();
        assert_eq!(
            join(&base, "/call", &[]).unwrap().as_str(),
            "https://eu.api.ovh.com/1.0/call"
        );
        assert_eq!(
            join(&base, "/v1/call", &[]).unwrap().as_str(),
            "https://eu.api.ovh.com/v1/call"
        );
        assert_eq!(
            join(&base, "/x", &[("from", "2024-01-01T00:00:00+01:00")])
                .unwrap()
                .as_str(),
            "https://eu.api.ovh.com/1.0/x?from=2024-01-01T00%3A00%3A00%2B01%3A00"
        );
    }

    #[test]
    fn oauth2_request_uses_http_basic() {
        // The shared provider of finops-core, set up as python-ovh / go-ovh do.
        let credential = OvhCredential::OAuth2 {
            client_id: "EU.id".into(),
            client_secret: Secret::new("s3cr:t"),
            token_url: Url::parse("https://www.ovh.com/auth/oauth2/token").unwrap(),
        };
        let http = HttpClient::builder(PROVIDER).build().unwrap();
        let base = Url::parse("https://eu.api.ovh.com/1.0").unwrap();
        let signer = OvhSigner::new(credential, base, http, None).unwrap();
        let provider = signer.oauth2().unwrap();
        let r = provider.token_request(true).unwrap();
        // base64("EU.id:s3cr%3At")
        assert_eq!(
            r.headers.get("authorization").unwrap().to_str().unwrap(),
            "Basic RVUuaWQ6czNjciUzQXQ="
        );
        assert_eq!(&r.body[..], b"grant_type=client_credentials&scope=all");
        let r = provider.token_request(false).unwrap();
        assert!(r.headers.get("authorization").is_none());
        assert_eq!(
            &r.body[..],
            b"grant_type=client_credentials&client_id=EU.id&client_secret=s3cr%3At&scope=all"
        );
    }

    /// OVHcloud's token replies (the documented example, `expires_in` missing, `null` or a
    /// string) and its error body, read by the shared provider of finops-core.
    #[test]
    fn oauth2_token_reply_variants() {
        use finops_core::http::oauth2::{oauth2_error, parse_token_response};
        let now: DateTime<Utc> = "2026-11-22T00:00:00Z".parse().unwrap();
        let hour = chrono::Duration::hours(1);
        let life = |body: &str| {
            parse_token_response(PROVIDER, "token", body.as_bytes(), now, hour)
                .map(|t| (t.token.expose().to_string(), t.expiry.unwrap() - now))
        };
        let fixture = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/fixtures/ovh_oauth2_token_response.json"),
        )
        .unwrap();
        assert_eq!(
            life(&fixture).unwrap(),
            ("your-api-token".into(), chrono::Duration::seconds(3599))
        );
        assert_eq!(life(r#"{"access_token":"a"}"#).unwrap().1, hour);
        assert_eq!(
            life(r#"{"access_token":"a","token_type":"bearer","expires_in":"3599"}"#)
                .unwrap()
                .1,
            chrono::Duration::seconds(3599)
        );
        assert_eq!(
            life(r#"{"access_token":"a","expires_in":null}"#).unwrap().1,
            hour
        );
        assert!(life(r#"{"access_token":"a","expires_in":"soon"}"#).is_err());
        let error = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/fixtures/ovh_oauth2_token_error.json"),
        )
        .unwrap();
        assert_eq!(
            oauth2_error(&error),
            Some((
                "invalid_client".into(),
                Some("ovhcloud oauth2 client does not exists".into())
            ))
        );
    }

    #[test]
    fn token_warning_rules() {
        let mut c: ApiCredential = serde_json::from_str(
            r#"{"applicationId":1,"credentialId":2,"creation":"2026-01-01T00:00:00+01:00","expiration":"2026-11-25T00:00:00+01:00","status":"validated","rules":[]}"#,
        )
        .unwrap();
        let as_of: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        let h = token_health_of(&c, as_of, 4);
        assert_eq!(h.warning, Some(TokenWarning::ExpiresSoon { days_left: 2 }));
        assert_eq!(token_health_of(&c, as_of, 2).warning, None);
        c.expiration = None;
        assert_eq!(token_health_of(&c, as_of, 4).warning, None);
        c.status = "expired".into();
        assert_eq!(
            token_health_of(&c, as_of, 4).warning,
            Some(TokenWarning::Expired)
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let c = OvhCredential::ApplicationKey {
            application_key: "APPKEY123".into(),
            application_secret: Secret::new("s3cr3t-value"),
            consumer_key: Secret::new("ck-value"),
        };
        let d = format!("{c:?}");
        assert!(!d.contains("s3cr3t-value") && !d.contains("ck-value") && !d.contains("APPKEY123"));
    }
}
