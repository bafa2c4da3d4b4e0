//! ArcGIS credentials and tokens: `generateToken` (username/password), OAuth2 client
//! credentials (`oauth2/token`, through finops-core's [`OAuth2ClientCredentials`]), or a token
//! given as is; how a token is put on a request.
//!
//! Request builders return [`RequestParts`] and reply parsers take the current time as a
//! parameter. Each credential becomes a [`TokenProvider`] (a `generateToken` login cached in
//! the shared [`TokenCache`], the core OAuth2 provider, or a [`StaticToken`]), and a private
//! token signer puts its token on every call.

use crate::PROVIDER;
use crate::error::bad_field as bad;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use finops_core::http::{
    ClientAuth, HttpClient, HttpClientBuilder, Method, OAuth2ClientCredentials, RequestParts,
    Signer, StaticToken, TemporaryToken, TokenCache, TokenProvider, Url,
};
use finops_core::money::parse_decimal;
use finops_core::{Error, Result, Secret};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;

/// How to authenticate against the portal.
#[derive(Clone)]
#[non_exhaustive]
pub enum ArcGisCredential {
    /// A token obtained elsewhere (cannot be renewed: an expired token is an error).
    Token(Secret),
    /// `generateToken` with a named user's login (legacy built-in accounts).
    UserPassword {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
        /// `referer` sent to generateToken (the token is bound to it).
        referer: String,
    },
    /// OAuth2 app login (`grant_type=client_credentials`). An app token has no user, so the
    /// administrator operations are refused with it.
    ClientCredentials {
        /// Client id of the registered application.
        client_id: String,
        /// Client secret.
        client_secret: Secret,
    },
}

impl std::fmt::Debug for ArcGisCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArcGisCredential::Token(_) => f.write_str("Token(***)"),
            ArcGisCredential::UserPassword {
                username, referer, ..
            } => f
                .debug_struct("UserPassword")
                .field("username", username)
                .field("password", &"***")
                .field("referer", referer)
                .finish(),
            ArcGisCredential::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"***")
                .finish(),
        }
    }
}

impl ArcGisCredential {
    /// Whether a new token can be fetched (false for a fixed token).
    pub fn is_renewable(&self) -> bool {
        !matches!(self, ArcGisCredential::Token(_))
    }

    /// The secrets of this credential (redacted from error bodies).
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        match self {
            ArcGisCredential::Token(t) => vec![t.clone()],
            ArcGisCredential::UserPassword { password, .. } => vec![password.clone()],
            ArcGisCredential::ClientCredentials { client_secret, .. } => {
                vec![client_secret.clone()]
            }
        }
    }
}

/// `POST <rest>/generateToken` (form): `username, password, referer, client=referer,
/// expiration (minutes), f=json`, as the ArcGIS API for Python sends it, with the same
/// `Referer` header every later call carries (the token is bound to that referer: the
/// Python lib keeps it as a session header, arcgis-rest-js sets it on every Node request).
pub fn generate_token_request(
    rest: &Url,
    username: &str,
    password: &Secret,
    referer: &str,
    expiration_minutes: u32,
) -> Result<RequestParts> {
    let url = join(rest, &["generateToken"])?;
    let exp = expiration_minutes.to_string();
    RequestParts::new(Method::POST, url)
        .with_form(&[
            ("username", username),
            ("password", password.expose()),
            ("referer", referer),
            ("client", "referer"),
            ("expiration", &exp),
            ("f", "json"),
        ])
        .idempotent(true)
        .with_header("referer", referer)
}

/// The OAuth2 app login (`grant_type=client_credentials`) as finops-core's provider:
/// `POST <rest>/oauth2/token` with the client id and secret in the form (ArcGIS does not take
/// HTTP Basic), `expiration` (minutes) and `f=json`. A reply without `expires_in` is given
/// the lifetime asked for; the token is renewed `min_ttl` before it expires. `http` sets the
/// clock, retry policy and timeouts of the token calls.
pub fn oauth2_provider(
    rest: &Url,
    client_id: &str,
    client_secret: &Secret,
    expiration_minutes: u32,
    min_ttl: chrono::Duration,
    http: HttpClientBuilder,
) -> Result<OAuth2ClientCredentials> {
    OAuth2ClientCredentials::builder(
        PROVIDER,
        join(rest, &["oauth2", "token"])?,
        client_id,
        client_secret.clone(),
    )
    .with_client_auth(ClientAuth::Form)
    .with_param("expiration", expiration_minutes.to_string())
    .with_param("f", "json")
    .with_min_ttl(min_ttl)
    .with_default_lifetime(chrono::Duration::minutes(i64::from(expiration_minutes)))
    .with_http(http)
    .build()
}

#[derive(Deserialize)]
struct GenerateTokenReply {
    token: Option<String>,
    expires: Option<Box<RawValue>>,
}

fn integer(raw: &RawValue, call: &str, field: &str) -> Result<i64> {
    let d = parse_decimal(raw.get().trim_matches('"')).map_err(|e| bad(call, field, e))?;
    i64::try_from(d.trunc()).map_err(|e| bad(call, field, e.to_string()))
}

/// Parse a `generateToken` reply `{"token","expires":<epoch ms>,"ssl"}`. A reply without
/// `expires` is given `now + expiration_minutes`.
pub fn parse_generate_token(
    body: &[u8],
    now: DateTime<Utc>,
    expiration_minutes: u32,
) -> Result<TemporaryToken<Secret>> {
    const CALL: &str = "POST /sharing/rest/generateToken";
    let r: GenerateTokenReply =
        serde_json::from_slice(body).map_err(|e| crate::model::body_error(CALL, body, &e))?;
    let token = r
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad(CALL, "token", "missing"))?;
    let expiry = match r.expires {
        Some(raw) => {
            let ms = integer(&raw, CALL, "expires")?;
            Utc.timestamp_millis_opt(ms)
                .single()
                .ok_or_else(|| bad(CALL, "expires", format!("{ms} is not a valid time")))?
        }
        None => now + chrono::Duration::minutes(i64::from(expiration_minutes)),
    };
    Ok(TemporaryToken {
        token: Secret::new(token),
        expiry: Some(expiry),
    })
}

/// Put `token` on a request: the `X-Esri-Authorization: Bearer` header (what the ArcGIS API
/// for Python sends), and also `token=` in a form body (the "legacy" parameter that every
/// portal version accepts). The token never goes into the URL, which may end up in logs.
pub fn apply_token(req: &mut RequestParts, token: &Secret) -> Result<()> {
    let value = format!("Bearer {}", token.expose());
    let hv = finops_core::http::HeaderValue::from_str(&value).map_err(|_| {
        Error::InvalidArgument("token holds characters not allowed in a header".into())
    })?;
    req.headers.insert(
        finops_core::http::HeaderName::from_static("x-esri-authorization"),
        hv,
    );
    let is_form = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if req.method == Method::POST && is_form {
        let mut body = req.body.to_vec();
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("token", token.expose());
        if !body.is_empty() {
            body.push(b'&');
        }
        body.extend_from_slice(s.finish().as_bytes());
        req.body = body.into();
    }
    Ok(())
}

/// Put the `Referer` header on a request. A `generateToken` token is issued for
/// `client=referer` and the portal accepts it only from requests carrying that same referer
/// (ArcGIS API for Python `EsriGenTokenAuth.__call__` sets `referer` on every request;
/// arcgis-rest-js sets one on every Node request "to ensure that generated tokens have the
/// same referer"). Other tokens ignore it, so every call carries it.
pub fn apply_referer(req: &mut RequestParts, referer: &str) -> Result<()> {
    let hv = finops_core::http::HeaderValue::from_str(referer).map_err(|_| {
        Error::InvalidArgument(format!(
            "referer {referer:?} holds characters not allowed in a header"
        ))
    })?;
    req.headers
        .insert(finops_core::http::HeaderName::from_static("referer"), hv);
    Ok(())
}

/// `rest` joined with path segments (each segment percent-encoded).
pub(crate) fn join(rest: &Url, segments: &[&str]) -> Result<Url> {
    let mut url = rest.clone();
    {
        let mut p = url
            .path_segments_mut()
            .map_err(|_| Error::config(format!("portal URL {rest} cannot be a base")))?;
        p.pop_if_empty();
        for s in segments {
            p.push(s);
        }
    }
    Ok(url)
}

/// `generateToken` as a [`TokenProvider`]: the token is cached and fetched again
/// `min_ttl` before it expires, or when the portal refused it.
pub(crate) struct GenerateToken {
    username: String,
    password: Secret,
    referer: String,
    expiration_minutes: u32,
    rest: Url,
    http: HttpClient,
    cache: TokenCache<Secret>,
}

impl std::fmt::Debug for GenerateToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerateToken")
            .field("username", &self.username)
            .field("rest", &self.rest.as_str())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenProvider for GenerateToken {
    async fn token(&self) -> Result<Secret> {
        self.cache
            .get_or_insert_with(|| async {
                let req = generate_token_request(
                    &self.rest,
                    &self.username,
                    &self.password,
                    &self.referer,
                    self.expiration_minutes,
                )?;
                let resp = self.http.send(req, None).await?;
                tracing::debug!(provider = PROVIDER, "fetched a token with generateToken");
                parse_generate_token(&resp.body, self.http.clock().now(), self.expiration_minutes)
            })
            .await
    }

    async fn invalidate(&self) -> bool {
        self.cache.invalidate().await;
        true
    }
}

/// Signs every call with the token of its provider (see [`apply_token`], [`apply_referer`]).
pub(crate) struct TokenSigner {
    pub(crate) credential: ArcGisCredential,
    pub(crate) tokens: Arc<dyn TokenProvider>,
    /// Sent as the `Referer` header of every call (see [`apply_referer`]).
    pub(crate) referer: String,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("credential", &self.credential)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// The signer of `credential`: `http` makes the `generateToken` calls, `oauth2_http`
    /// the OAuth2 client's (its error parser is the OAuth2 one). Tokens are renewed `min_ttl`
    /// before they expire.
    pub(crate) fn new(
        credential: ArcGisCredential,
        rest: &Url,
        referer: String,
        expiration_minutes: u32,
        min_ttl: chrono::Duration,
        http: &HttpClient,
        oauth2_http: HttpClientBuilder,
    ) -> Result<Self> {
        let tokens: Arc<dyn TokenProvider> = match &credential {
            ArcGisCredential::Token(t) => Arc::new(StaticToken(t.clone())),
            ArcGisCredential::UserPassword {
                username,
                password,
                referer,
            } => Arc::new(GenerateToken {
                username: username.clone(),
                password: password.clone(),
                referer: referer.clone(),
                expiration_minutes,
                rest: rest.clone(),
                http: http.clone(),
                cache: TokenCache::new(min_ttl, http.clock().clone()),
            }),
            ArcGisCredential::ClientCredentials {
                client_id,
                client_secret,
            } => Arc::new(oauth2_provider(
                rest,
                client_id,
                client_secret,
                expiration_minutes,
                min_ttl,
                oauth2_http,
            )?),
        };
        Ok(TokenSigner {
            credential,
            tokens,
            referer,
        })
    }
}

#[async_trait]
impl Signer for TokenSigner {
    async fn sign(&self, req: &mut RequestParts, _now: DateTime<Utc>) -> Result<()> {
        let token = self.tokens.token().await?;
        apply_token(req, &token)?;
        apply_referer(req, &self.referer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest() -> Url {
        Url::parse("https://www.arcgis.com/sharing/rest").unwrap()
    }

    #[test]
    fn generate_token_form_matches_the_python_lib() {
        let r =
            generate_token_request(&rest(), "admin", &Secret::new("p@ss w"), "http", 60).unwrap();
        assert_eq!(
            r.url.as_str(),
            "https://www.arcgis.com/sharing/rest/generateToken"
        );
        assert_eq!(r.method, Method::POST);
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            "username=admin&password=p%40ss+w&referer=http&client=referer&expiration=60&f=json"
        );
        // The password is in the body only, never in Debug output of the request label.
        assert!(!r.call_label().contains("p%40ss"));
        // The token is bound to this referer: the login carries it as a header too.
        assert_eq!(r.headers.get("referer").unwrap(), "http");
    }

    #[test]
    fn referer_header_is_set_and_checked() {
        let mut r = RequestParts::new(Method::GET, rest());
        apply_referer(&mut r, "https://myapp.example.org").unwrap();
        assert_eq!(
            r.headers.get("referer").unwrap(),
            "https://myapp.example.org"
        );
        assert!(apply_referer(&mut r, "bad\nreferer").is_err());
    }

    #[test]
    fn oauth2_form() {
        let p = oauth2_provider(
            &rest(),
            "cid",
            &Secret::new("csecret"),
            120,
            chrono::Duration::minutes(5),
            HttpClient::builder(PROVIDER),
        )
        .unwrap();
        // Form client authentication (ArcGIS takes no HTTP Basic), as the Python lib sends it.
        let r = p.token_request(false).unwrap();
        assert!(r.headers.get("authorization").is_none());
        assert_eq!(r.url.path(), "/sharing/rest/oauth2/token");
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            "grant_type=client_credentials&client_id=cid&client_secret=csecret&expiration=120&f=json"
        );
    }

    #[test]
    fn parses_the_fixture_replies() {
        let now: DateTime<Utc> = "2024-04-05T20:00:00Z".parse().unwrap();
        let t = parse_generate_token(
            br#"{"token":"FAKE-GENERATED-TOKEN-0000000000000000","expires":1712349278000,"ssl":true}"#,
            now,
            60,
        )
        .unwrap();
        assert_eq!(t.token.expose(), "FAKE-GENERATED-TOKEN-0000000000000000");
        assert_eq!(t.expiry.unwrap().timestamp_millis(), 1712349278000);
        // OAuth2 replies are read by finops-core's provider (the one ArcGIS uses).
        let parse_oauth2_token = |body: &[u8]| {
            finops_core::http::oauth2::parse_token_response(
                PROVIDER,
                "https://www.arcgis.com/sharing/rest/oauth2/token",
                body,
                now,
                chrono::Duration::minutes(120),
            )
        };
        let t = parse_oauth2_token(
            br#"{"access_token":"FAKE-ACCESS-TOKEN-0000000000000000","expires_in":7200}"#,
        )
        .unwrap();
        assert_eq!(t.expiry.unwrap(), now + chrono::Duration::seconds(7200));
        assert!(parse_oauth2_token(br#"{"expires_in":7200}"#).is_err());
        // Without expires_in, the lifetime asked for.
        let t = parse_oauth2_token(br#"{"access_token":"t"}"#).unwrap();
        assert_eq!(t.expiry.unwrap(), now + chrono::Duration::minutes(120));
        // Odd lifetimes are errors naming the field, never a panic.
        for odd in ["9223372036854775807", "-5", "0", "1e30"] {
            let body = format!(r#"{{"access_token":"t","expires_in":{odd}}}"#);
            let e = parse_oauth2_token(body.as_bytes()).unwrap_err();
            assert!(e.to_string().contains("expires_in"), "{odd}: {e}");
        }
        let e = parse_generate_token(br#"{"token":"t","expires":1e30}"#, now, 60).unwrap_err();
        assert!(e.to_string().contains("expires"), "{e}");
        assert!(parse_generate_token(b"not json", now, 60).is_err());
    }

    #[test]
    fn token_goes_in_header_and_form_never_in_url() {
        let mut r = RequestParts::new(Method::POST, rest()).with_form(&[("f", "json")]);
        apply_token(&mut r, &Secret::new("tok123456")).unwrap();
        assert_eq!(
            r.headers.get("x-esri-authorization").unwrap(),
            "Bearer tok123456"
        );
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            "f=json&token=tok123456"
        );
        assert!(!r.url.as_str().contains("tok123456"));
        let mut g = RequestParts::new(Method::GET, rest());
        apply_token(&mut g, &Secret::new("tok123456")).unwrap();
        assert!(g.body.is_empty());
        assert!(!g.url.as_str().contains("tok123456"));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = ArcGisCredential::UserPassword {
            username: "u".into(),
            password: Secret::new("hunter22"),
            referer: "http".into(),
        };
        assert!(!format!("{c:?}").contains("hunter22"));
        let c = ArcGisCredential::ClientCredentials {
            client_id: "id".into(),
            client_secret: Secret::new("topsecret"),
        };
        assert!(!format!("{c:?}").contains("topsecret"));
    }
}
