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

mod reply;
#[cfg(test)]
mod tests;

use super::client::{HttpClient, HttpClientBuilder, RequestParts, Response, Signer};
use super::token::{TemporaryToken, TokenCache};
use crate::{Error, Result, Secret};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, Url};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) use reply::relabel_call;
use reply::token_error_parser;
pub use reply::{oauth2_error, parse_token_response};

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
