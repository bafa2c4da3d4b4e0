//! OAuth2 client credentials (RFC 6749 §4.4): one token provider for every adapter.
//!
//! [`OAuth2ClientCredentials`] fetches an access token from a token URL, caches it in the
//! shared [`TokenCache`] and refreshes it `min_ttl` before it expires (time from the injected
//! clock of its [`HttpClient`]). It fits the three token services the workspace talks to:
//!
//! | service | client authentication | parameters | notes |
//! |---|---|---|---|
//! | OVHcloud `POST /auth/oauth2/token` | HTTP Basic ([`ClientAuth::BasicThenForm`], as go-ovh) | `scope=all` | `expires_in` a number |
//! | ArcGIS `POST /sharing/rest/oauth2/token` | form fields ([`ClientAuth::Form`]) | `expiration`, `f=json` | errors may come as HTTP 200 `{"error":{...}}` |
//! | Entra ID `POST /{tenant}/oauth2/v2.0/token` | form fields | `scope=https://graph.microsoft.com/.default` | `expires_in` may be a string (MSAL) |
//!
//! - `expires_in` may be a JSON number, a string holding one, or missing (then the
//!   configured default lifetime applies); `refresh_in` (Entra) brings the refresh forward.
//! - [`OAuth2ClientCredentials::send`] puts `Authorization: Bearer` on a request and, when the
//!   API answers "not authenticated" (401, or 498/499 as the adapter's parser maps them), drops
//!   the cached token and retries once with a fresh one.
//! - Errors name the token URL and the OAuth2 `error` / `error_description` (RFC 6749 §5.2,
//!   and ArcGIS's nested form); the client secret never appears in them (it is a
//!   [`Secret`] and is redacted from every response body quoted in an error).

use super::client::{ErrorParser, HttpClient, HttpClientBuilder, RequestParts, Response, Signer};
use super::token::{TemporaryToken, TokenCache};
use crate::error::truncate_body;
use crate::money::parse_decimal;
use crate::{Error, Result, Secret};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How the client proves its identity to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Form,
    /// Basic first; if the server refuses it (401 or `invalid_client`), the form fields, and
    /// the form from then on (what go-ovh's `clientcredentials` auto-detection does).
    BasicThenForm,
}

/// A source of bearer tokens. [`OAuth2ClientCredentials`] is the real one; [`StaticToken`]
/// serves a token obtained elsewhere.
#[async_trait]
pub trait TokenProvider: Send + Sync + std::fmt::Debug {
    /// A valid token (cached, or fetched now).
    async fn token(&self) -> Result<Secret>;
    /// Forget the cached token (the API refused it); the next [`TokenProvider::token`] fetches
    /// a new one. Returns whether a new token can be fetched at all.
    async fn invalidate(&self) -> bool;
}

/// A fixed token (cannot be renewed).
#[derive(Debug, Clone)]
pub struct StaticToken(pub Secret);

#[async_trait]
impl TokenProvider for StaticToken {
    async fn token(&self) -> Result<Secret> {
        Ok(self.0.clone())
    }
    async fn invalidate(&self) -> bool {
        false
    }
}

/// A [`Signer`] that sets `Authorization: Bearer <token>` from a [`TokenProvider`].
#[derive(Debug, Clone)]
pub struct BearerSigner {
    provider: Arc<dyn TokenProvider>,
}

impl BearerSigner {
    /// A signer for `provider`.
    pub fn new(provider: Arc<dyn TokenProvider>) -> Self {
        BearerSigner { provider }
    }
}

/// Set `Authorization: Bearer <token>` on a request.
pub fn apply_bearer(req: &mut RequestParts, token: &Secret) -> Result<()> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        Error::InvalidArgument("the access token holds characters not allowed in a header".into())
    })?;
    v.set_sensitive(true);
    req.headers.insert(AUTHORIZATION, v);
    Ok(())
}

#[async_trait]
impl Signer for BearerSigner {
    async fn sign(&self, req: &mut RequestParts, _now: DateTime<Utc>) -> Result<()> {
        let token = self.provider.token().await?;
        apply_bearer(req, &token)
    }
}

/// Whether an API error means "this token is not (or no longer) accepted": 401 or
/// `Unauthenticated` (adapters map ArcGIS's 498 "Invalid token" / 499 "Token required" to it),
/// or a raw 498/499 status.
pub fn is_token_rejected(e: &Error) -> bool {
    matches!(e, Error::Unauthenticated { .. }) || matches!(e.status(), Some(401 | 498 | 499))
}

/// Send `parts` through `http` with a bearer token from `provider`; if the API refuses the token
/// ([`is_token_rejected`]), drop it and retry once with a fresh one.
pub async fn send_with_renewal(
    http: &HttpClient,
    provider: &dyn TokenProvider,
    parts: RequestParts,
) -> Result<Response> {
    let signer = FixedBearer(provider.token().await?);
    match http.send(parts.clone(), Some(&signer)).await {
        Err(e) if is_token_rejected(&e) => {
            if !provider.invalidate().await {
                return Err(e);
            }
            tracing::debug!(provider = http.provider(), error = %e, "token refused; renewing it once");
            let signer = FixedBearer(provider.token().await?);
            http.send(parts, Some(&signer)).await
        }
        other => other,
    }
}

#[derive(Debug)]
struct FixedBearer(Secret);

#[async_trait]
impl Signer for FixedBearer {
    async fn sign(&self, req: &mut RequestParts, _now: DateTime<Utc>) -> Result<()> {
        apply_bearer(req, &self.0)
    }
}

/// Builder of [`OAuth2ClientCredentials`].
pub struct OAuth2Builder {
    provider: &'static str,
    token_url: Url,
    client_id: String,
    client_secret: Secret,
    auth: ClientAuth,
    scope: Option<String>,
    resource: Option<String>,
    params: Vec<(String, String)>,
    min_ttl: chrono::Duration,
    default_lifetime: chrono::Duration,
    http: Option<HttpClientBuilder>,
}

impl std::fmt::Debug for OAuth2Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2Builder")
            .field("provider", &self.provider)
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl OAuth2Builder {
    /// How the client authenticates (default [`ClientAuth::Form`]).
    pub fn with_client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// The `scope` parameter (`all` for OVHcloud, `https://graph.microsoft.com/.default` for
    /// Microsoft Graph).
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The `resource` parameter (Entra ID v1 endpoints, some other servers).
    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Another form parameter sent with every token request (ArcGIS: `expiration`, `f=json`).
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Refresh the token this long before it expires (default 5 minutes).
    pub fn with_min_ttl(mut self, min_ttl: chrono::Duration) -> Self {
        self.min_ttl = min_ttl;
        self
    }

    /// Lifetime assumed when the reply has no `expires_in` (default 1 hour; RFC 6749 leaves it
    /// to the server's documentation). A refused token is renewed anyway.
    pub fn with_default_lifetime(mut self, lifetime: chrono::Duration) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    /// The HTTP client settings of the token calls (clock, retry policy, timeouts, RNG). Its
    /// error parser and redactions are replaced by the OAuth2 ones.
    pub fn with_http(mut self, builder: HttpClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// Build the provider.
    pub fn build(self) -> Result<OAuth2ClientCredentials> {
        if self.client_id.is_empty() {
            return Err(Error::config(format!(
                "OAuth2 client for {}: empty client id",
                url_label(&self.token_url)
            )));
        }
        if self.client_secret.is_empty() {
            return Err(Error::config(format!(
                "OAuth2 client {} for {}: empty client secret",
                self.client_id,
                url_label(&self.token_url)
            )));
        }
        let label = url_label(&self.token_url);
        let http = self
            .http
            .unwrap_or_else(|| HttpClient::builder(self.provider))
            .with_error_parser(token_error_parser(label))
            .with_redactions(vec![self.client_secret.clone()])
            .build()?;
        let cache = TokenCache::new(self.min_ttl, http.clock().clone());
        Ok(OAuth2ClientCredentials {
            provider: self.provider,
            token_url: self.token_url,
            client_id: self.client_id,
            client_secret: self.client_secret,
            auth: self.auth,
            scope: self.scope,
            resource: self.resource,
            params: self.params,
            default_lifetime: self.default_lifetime,
            http,
            cache,
            basic_refused: AtomicBool::new(false),
        })
    }
}

/// An OAuth2 client-credentials token provider (see the module docs).
pub struct OAuth2ClientCredentials {
    provider: &'static str,
    token_url: Url,
    client_id: String,
    client_secret: Secret,
    auth: ClientAuth,
    scope: Option<String>,
    resource: Option<String>,
    params: Vec<(String, String)>,
    default_lifetime: chrono::Duration,
    http: HttpClient,
    cache: TokenCache<Secret>,
    basic_refused: AtomicBool,
}

impl std::fmt::Debug for OAuth2ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2ClientCredentials")
            .field("provider", &self.provider)
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("auth", &self.auth)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl OAuth2ClientCredentials {
    /// A builder for `provider` (the label used in errors) against `token_url`.
    pub fn builder(
        provider: &'static str,
        token_url: Url,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> OAuth2Builder {
        OAuth2Builder {
            provider,
            token_url,
            client_id: client_id.into(),
            client_secret,
            auth: ClientAuth::Form,
            scope: None,
            resource: None,
            params: Vec::new(),
            min_ttl: chrono::Duration::minutes(5),
            default_lifetime: chrono::Duration::hours(1),
            http: None,
        }
    }

    /// The token URL.
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The secrets to redact from other clients' error bodies.
    pub fn secrets(&self) -> Vec<Secret> {
        vec![self.client_secret.clone()]
    }

    /// The token request (pure): `POST token_url`, form `grant_type=client_credentials`
    /// (+ `scope`, `resource`, extra parameters), the client authenticated by HTTP Basic
    /// (`basic`) or by `client_id` / `client_secret` form fields.
    pub fn token_request(&self, basic: bool) -> Result<RequestParts> {
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if !basic {
            form.push(("client_id", &self.client_id));
            form.push(("client_secret", self.client_secret.expose()));
        }
        if let Some(s) = &self.scope {
            form.push(("scope", s));
        }
        if let Some(r) = &self.resource {
            form.push(("resource", r));
        }
        for (k, v) in &self.params {
            form.push((k, v));
        }
        // A token call has no side effect: repeating it is safe.
        let mut req = RequestParts::new(Method::POST, self.token_url.clone())
            .with_form(&form)
            .idempotent(true);
        req.headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        if basic {
            let mut v = HeaderValue::from_str(&basic_authorization(
                &self.client_id,
                &self.client_secret,
            ))
            .map_err(|_| Error::config("OAuth2 client id or secret not usable in a header"))?;
            v.set_sensitive(true);
            req.headers.insert(AUTHORIZATION, v);
        }
        Ok(req)
    }

    async fn fetch(&self) -> Result<TemporaryToken<Secret>> {
        let label = url_label(&self.token_url);
        let use_basic = match self.auth {
            ClientAuth::Basic => true,
            ClientAuth::Form => false,
            ClientAuth::BasicThenForm => !self.basic_refused.load(Ordering::Relaxed),
        };
        let resp = match self.http.send(self.token_request(use_basic)?, None).await {
            Err(e)
                if use_basic
                    && self.auth == ClientAuth::BasicThenForm
                    && matches!(e, Error::Unauthenticated { .. }) =>
            {
                tracing::debug!(provider = self.provider, token_url = %label, error = %e,
                    "HTTP Basic client authentication refused; sending the credentials in the form");
                let r = self.http.send(self.token_request(false)?, None).await;
                if r.is_ok() {
                    self.basic_refused.store(true, Ordering::Relaxed);
                }
                r
            }
            other => other,
        }
        .map_err(|e| relabel_call(e, &format!("POST {label}")))?;
        let token = parse_token_response(
            self.provider,
            &label,
            &resp.body,
            self.http.clock().now(),
            self.default_lifetime,
        )?;
        tracing::debug!(provider = self.provider, token_url = %label, expiry = ?token.expiry, "fetched an OAuth2 access token");
        Ok(token)
    }

    /// Send `parts` through `http` with this provider's bearer token, renewing the token once
    /// if the API refuses it (see [`send_with_renewal`]).
    pub async fn send(&self, http: &HttpClient, parts: RequestParts) -> Result<Response> {
        send_with_renewal(http, self, parts).await
    }
}

#[async_trait]
impl TokenProvider for OAuth2ClientCredentials {
    async fn token(&self) -> Result<Secret> {
        self.cache.get_or_insert_with(|| self.fetch()).await
    }

    async fn invalidate(&self) -> bool {
        self.cache.invalidate().await;
        true
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1: both are
/// form-urlencoded before being joined).
pub fn basic_authorization(client_id: &str, client_secret: &Secret) -> String {
    use base64::Engine as _;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", enc(client_id), enc(client_secret.expose()));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// `scheme://host[:port]/path` of a URL (no query, no user info: they may hold secrets).
pub fn url_label(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<Box<RawValue>>,
    refresh_in: Option<Box<RawValue>>,
}

fn bad_reply(provider: &'static str, token_url: &str, message: String) -> Error {
    Error::InvalidResponse {
        provider,
        call: format!("POST {token_url}"),
        message,
    }
}

/// Seconds from a JSON number or a string holding one (never through `f64`; the fraction is
/// dropped). `None` for JSON `null`.
fn seconds(raw: &RawValue) -> std::result::Result<Option<i64>, String> {
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    let inner = match serde_json::from_str::<String>(text) {
        Ok(s) => s,
        Err(_) => text.to_string(),
    };
    let d = parse_decimal(&inner)?;
    let secs = i64::try_from(d.trunc()).map_err(|_| format!("{inner} is out of range"))?;
    Ok(Some(secs))
}

fn lifetime(secs: i64) -> Option<chrono::Duration> {
    // Ten years is far beyond any real token; larger values are a broken reply.
    if secs <= 0 || secs > 10 * 366 * 86_400 {
        return None;
    }
    chrono::Duration::try_seconds(secs)
}

/// Parse a token reply `{"access_token","token_type"?,"expires_in"?,"refresh_in"?}` received
/// at `now`. `expires_in` may be a number or a string; missing, `default_lifetime` applies.
/// `refresh_in` (Entra ID) makes the token due for refresh earlier. A reply without
/// `access_token` or with a non-bearer `token_type` is an error naming the token URL.
pub fn parse_token_response(
    provider: &'static str,
    token_url: &str,
    body: &[u8],
    now: DateTime<Utc>,
    default_lifetime: chrono::Duration,
) -> Result<TemporaryToken<Secret>> {
    let r: TokenReply = serde_json::from_slice(body).map_err(|e| {
        bad_reply(
            provider,
            token_url,
            format!("token reply is not the expected JSON: {e}"),
        )
    })?;
    let token = r.access_token.filter(|t| !t.is_empty()).ok_or_else(|| {
        bad_reply(
            provider,
            token_url,
            "token reply has no access_token".into(),
        )
    })?;
    if let Some(tt) = &r.token_type
        && !tt.eq_ignore_ascii_case("bearer")
    {
        return Err(bad_reply(
            provider,
            token_url,
            format!("token_type {tt:?} is not supported (expected Bearer)"),
        ));
    }
    let field = |name: &str, raw: &Option<Box<RawValue>>| -> Result<Option<chrono::Duration>> {
        let Some(raw) = raw else { return Ok(None) };
        match seconds(raw).map_err(|m| bad_reply(provider, token_url, format!("{name}: {m}")))? {
            None => Ok(None),
            Some(s) => lifetime(s).map(Some).ok_or_else(|| {
                bad_reply(
                    provider,
                    token_url,
                    format!("{name}: {s} seconds is not a usable lifetime"),
                )
            }),
        }
    };
    let life = field("expires_in", &r.expires_in)?.unwrap_or(default_lifetime);
    let expiry = now
        .checked_add_signed(life)
        .ok_or_else(|| bad_reply(provider, token_url, "expires_in out of range".into()))?;
    // `refresh_in` asks for a refresh before expiry; keep the real expiry otherwise. The cache
    // refreshes `min_ttl` before `expiry`, so expressing refresh_in as an earlier expiry is
    // conservative.
    let expiry = match field("refresh_in", &r.refresh_in)? {
        Some(ri) if ri < life => now.checked_add_signed(ri).unwrap_or(expiry),
        _ => expiry,
    };
    Ok(TemporaryToken {
        token: Secret::new(token),
        expiry: Some(expiry),
    })
}

/// The OAuth2 error of a token-endpoint reply: RFC 6749 §5.2 `{"error","error_description"}`
/// or ArcGIS's `{"error":{"code","error","error_description","message"}}`. `None` when the
/// body holds no error.
pub fn oauth2_error(body: &[u8]) -> Option<(String, Option<String>)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    let text = |x: Option<&serde_json::Value>| -> Option<String> {
        x.and_then(|v| match v {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    match e {
        serde_json::Value::String(code) => Some((code.clone(), text(v.get("error_description")))),
        serde_json::Value::Object(o) => {
            let code = text(o.get("error"))
                .or_else(|| text(o.get("code")))
                .unwrap_or_else(|| "error".into());
            let desc = text(o.get("error_description")).or_else(|| text(o.get("message")));
            Some((code, desc))
        }
        _ => None,
    }
}

fn token_error_parser(token_url: String) -> ErrorParser {
    Arc::new(move |provider, resp: &Response| {
        let call = format!("POST {token_url}");
        let oauth = oauth2_error(&resp.body);
        if resp.is_success() {
            // ArcGIS answers refusals with HTTP 200 and an error object.
            let (code, desc) = oauth?;
            return Some(Error::Unauthenticated {
                provider,
                call,
                message: describe(resp.status, &code, desc.as_deref()),
            });
        }
        Some(match resp.status {
            429 => Error::RateLimited {
                provider,
                call,
                retry_after: None,
                body: truncate_body(&resp.text(), 1024),
            },
            s if s >= 500 || s == 408 => Error::Status {
                provider,
                call,
                status: s,
                body: truncate_body(&resp.text(), 1024),
                request_id: None,
            },
            s => match oauth {
                Some((code, desc)) => Error::Unauthenticated {
                    provider,
                    call,
                    message: describe(s, &code, desc.as_deref()),
                },
                None if s == 401 || s == 403 => Error::Unauthenticated {
                    provider,
                    call,
                    message: format!(
                        "token request refused (HTTP {s}): {}",
                        truncate_body(&resp.text(), 512)
                    ),
                },
                None => Error::Status {
                    provider,
                    call,
                    status: s,
                    body: truncate_body(&resp.text(), 1024),
                    request_id: None,
                },
            },
        })
    })
}

fn describe(status: u16, code: &str, desc: Option<&str>) -> String {
    match desc {
        Some(d) => format!("OAuth2 error {code} (HTTP {status}): {d}"),
        None => format!("OAuth2 error {code} (HTTP {status})"),
    }
}

/// Replace the `call` of an error with `call` (token errors name the whole token URL; a
/// webhook error must not quote its secret path).
pub(crate) fn relabel_call(e: Error, call: &str) -> Error {
    let call = call.to_string();
    match e {
        Error::Transport {
            provider,
            message,
            timeout,
            connect,
            ..
        } => Error::Transport {
            provider,
            call,
            message,
            timeout,
            connect,
        },
        Error::RetriesExhausted {
            provider,
            attempts,
            last,
            ..
        } => Error::RetriesExhausted {
            provider,
            last: Box::new(relabel_call(*last, &call)),
            call,
            attempts,
        },
        Error::Status {
            provider,
            status,
            body,
            request_id,
            ..
        } => Error::Status {
            provider,
            call,
            status,
            body,
            request_id,
        },
        Error::RateLimited {
            provider,
            retry_after,
            body,
            ..
        } => Error::RateLimited {
            provider,
            call,
            retry_after,
            body,
        },
        Error::Unauthenticated {
            provider, message, ..
        } => Error::Unauthenticated {
            provider,
            call,
            message,
        },
        Error::PermissionDenied {
            provider, message, ..
        } => Error::PermissionDenied {
            provider,
            call,
            message,
        },
        Error::NotFound { provider, .. } => Error::NotFound { provider, call },
        Error::InvalidResponse {
            provider, message, ..
        } => Error::InvalidResponse {
            provider,
            call,
            message,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn expires_in_number_string_missing() {
        let h = chrono::Duration::hours(1);
        let t = parse_token_response(
            "x",
            "u",
            br#"{"access_token":"a","token_type":"Bearer","expires_in":3599}"#,
            now(),
            h,
        )
        .unwrap();
        assert_eq!(t.expiry, Some(now() + chrono::Duration::seconds(3599)));
        let t = parse_token_response(
            "x",
            "u",
            br#"{"access_token":"a","expires_in":"3599"}"#,
            now(),
            h,
        )
        .unwrap();
        assert_eq!(t.expiry, Some(now() + chrono::Duration::seconds(3599)));
        let t = parse_token_response(
            "x",
            "u",
            br#"{"access_token":"a","expires_in":7200.9}"#,
            now(),
            h,
        )
        .unwrap();
        assert_eq!(t.expiry, Some(now() + chrono::Duration::seconds(7200)));
        let t = parse_token_response("x", "u", br#"{"access_token":"a"}"#, now(), h).unwrap();
        assert_eq!(t.expiry, Some(now() + h));
        let t = parse_token_response(
            "x",
            "u",
            br#"{"access_token":"a","expires_in":null}"#,
            now(),
            h,
        )
        .unwrap();
        assert_eq!(t.expiry, Some(now() + h));
        let t = parse_token_response(
            "x",
            "u",
            br#"{"access_token":"a","expires_in":3600,"refresh_in":1800}"#,
            now(),
            h,
        )
        .unwrap();
        assert_eq!(t.expiry, Some(now() + chrono::Duration::seconds(1800)));
    }

    #[test]
    fn bad_replies_name_the_url_and_field() {
        let h = chrono::Duration::hours(1);
        for body in [
            r#"{"access_token":"a","expires_in":-5}"#,
            r#"{"access_token":"a","expires_in":0}"#,
            r#"{"access_token":"a","expires_in":"soon"}"#,
            r#"{"access_token":"a","expires_in":1e300}"#,
            r#"{"access_token":"a","expires_in":99999999999999999999}"#,
        ] {
            let e =
                parse_token_response("x", "https://t/tok", body.as_bytes(), now(), h).unwrap_err();
            let m = e.to_string();
            assert!(
                m.contains("https://t/tok") && m.contains("expires_in"),
                "{body}: {m}"
            );
        }
        let e = parse_token_response("x", "https://t/tok", br#"{"expires_in":5}"#, now(), h)
            .unwrap_err();
        assert!(e.to_string().contains("access_token"));
        let e = parse_token_response(
            "x",
            "https://t/tok",
            br#"{"access_token":"a","token_type":"mac"}"#,
            now(),
            h,
        )
        .unwrap_err();
        assert!(e.to_string().contains("token_type"));
        assert!(parse_token_response("x", "u", b"<html>", now(), h).is_err());
    }

    #[test]
    fn oauth2_error_shapes() {
        assert_eq!(
            oauth2_error(br#"{"error":"invalid_client", "error_description":"ovhcloud oauth2 client does not exists"}"#),
            Some(("invalid_client".into(), Some("ovhcloud oauth2 client does not exists".into())))
        );
        assert_eq!(
            oauth2_error(br#"{"error":{"code":400,"error":"invalid_client_id","error_description":"Invalid client_id","message":"Invalid client_id","details":[]}}"#),
            Some(("invalid_client_id".into(), Some("Invalid client_id".into())))
        );
        assert_eq!(
            oauth2_error(br#"{"error":{"code":498,"message":"Invalid token.","details":[]}}"#),
            Some(("498".into(), Some("Invalid token.".into())))
        );
        assert_eq!(oauth2_error(br#"{"access_token":"x"}"#), None);
        assert_eq!(oauth2_error(b"not json"), None);
    }

    #[test]
    fn basic_header_encodes_like_rfc6749() {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
        let v = basic_authorization("my id", &Secret::new("p@ss:w"));
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(v.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(raw).unwrap(), "my+id:p%40ss%3Aw");
    }

    #[test]
    fn url_label_drops_query_and_user() {
        let u = Url::parse("https://u:p@login.example/t/oauth2/v2.0/token?sig=abc").unwrap();
        assert_eq!(url_label(&u), "https://login.example/t/oauth2/v2.0/token");
    }

    #[test]
    fn requests_basic_and_form() {
        let p = OAuth2ClientCredentials::builder(
            "ovh",
            Url::parse("https://www.ovh.com/auth/oauth2/token").unwrap(),
            "cid",
            Secret::new("csecret-123"),
        )
        .with_scope("all")
        .build()
        .unwrap();
        let b = p.token_request(true).unwrap();
        assert_eq!(
            std::str::from_utf8(&b.body).unwrap(),
            "grant_type=client_credentials&scope=all"
        );
        assert!(
            b.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("Basic ")
        );
        let f = p.token_request(false).unwrap();
        assert_eq!(
            std::str::from_utf8(&f.body).unwrap(),
            "grant_type=client_credentials&client_id=cid&client_secret=csecret-123&scope=all"
        );
        assert!(f.headers.get("authorization").is_none());
        assert!(!format!("{p:?}").contains("csecret-123"));
        let v1 = OAuth2ClientCredentials::builder(
            "azure",
            Url::parse("https://login.microsoftonline.com/t/oauth2/token").unwrap(),
            "cid",
            Secret::new("csecret-123"),
        )
        .with_resource("https://management.azure.com/")
        .build()
        .unwrap();
        assert_eq!(
            std::str::from_utf8(&v1.token_request(false).unwrap().body).unwrap(),
            "grant_type=client_credentials&client_id=cid&client_secret=csecret-123&resource=https%3A%2F%2Fmanagement.azure.com%2F"
        );
        assert!(
            OAuth2ClientCredentials::builder(
                "x",
                Url::parse("https://t/").unwrap(),
                "",
                Secret::new("s")
            )
            .build()
            .is_err()
        );
    }
}
