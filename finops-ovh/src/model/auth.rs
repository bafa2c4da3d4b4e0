//! `auth`: credentials, OAuth2 tokens and the API's error bodies.

use super::*;

/// `auth.AccessRule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessRule {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// Path with `*` wildcards.
    pub path: String,
}

/// `GET /auth/currentCredential` (`auth.ApiCredential`, OVH-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiCredential {
    /// Credential id.
    pub credential_id: i64,
    /// Application id.
    pub application_id: i64,
    /// When the consumer key was created.
    pub creation: OvhDateTime,
    /// When it expires (`None`: never; a GUESS documented in ovh.md).
    #[serde(default)]
    pub expiration: Option<OvhDateTime>,
    /// Last use.
    #[serde(default)]
    pub last_use: Option<OvhDateTime>,
    /// `expired|pendingValidation|refused|validated`.
    pub status: String,
    /// Whether OVH support created it.
    #[serde(default)]
    pub ovh_support: bool,
    /// IP restrictions.
    #[serde(default, rename = "allowedIPs")]
    pub allowed_ips: Option<Vec<String>>,
    /// Access rules.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub rules: Vec<AccessRule>,
}

/// `POST /auth/credential` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CredentialRequestReply {
    /// The new consumer key (pending validation).
    pub consumer_key: String,
    /// State.
    pub state: String,
    /// URL the user opens to validate.
    pub validation_url: String,
}

/// Lifetime assumed for an OAuth2 token whose reply has no `expires_in` (one hour, the
/// lifetime of OVHcloud service-account tokens).
pub const DEFAULT_TOKEN_LIFETIME_SECS: i64 = 3600;

fn bearer() -> String {
    "Bearer".into()
}

fn default_token_lifetime() -> i64 {
    DEFAULT_TOKEN_LIFETIME_SECS
}

/// Seconds as a JSON integer, a numeric string, or `null` (→ the default lifetime).
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::de::Error as _;
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(DEFAULT_TOKEN_LIFETIME_SECS),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.to_string().parse::<f64>().ok().map(|f| f as i64))
            .ok_or_else(|| D::Error::custom(format!("expires_in {n} is not a number of seconds"))),
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| D::Error::custom(format!("expires_in {s:?} is not a number of seconds"))),
        Some(other) => Err(D::Error::custom(format!(
            "expires_in {other} is not a number of seconds"
        ))),
    }
}

/// OAuth2 token endpoint reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuth2Token {
    /// The bearer token.
    pub access_token: String,
    /// `Bearer` (assumed when absent, like golang.org/x/oauth2).
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Lifetime in seconds. RFC 6749 §5.1 only recommends it: when absent the token is
    /// renewed after [`DEFAULT_TOKEN_LIFETIME_SECS`]; `"3599"` (a string) is read too, like
    /// golang.org/x/oauth2 and oauthlib do.
    #[serde(
        default = "default_token_lifetime",
        deserialize_with = "lenient_seconds"
    )]
    pub expires_in: i64,
    /// Scope (`all`).
    #[serde(default)]
    pub scope: Option<String>,
}

/// OAuth2 token endpoint error (`{"error":"invalid_client","error_description":…}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuth2Error {
    /// Error code.
    pub error: String,
    /// Description.
    #[serde(default)]
    pub error_description: Option<String>,
}

/// Both error body shapes of the API (`fixtures/ovh_errors.json`): `{class, message, details}`
/// and the legacy `{errorCode, httpCode, message}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// `Client::Forbidden`, `Client::BadRequest`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Legacy code: `INVALID_SIGNATURE`, `INVALID_CREDENTIAL`, `NOT_GRANTED_CALL`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Legacy `403 Forbidden`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_code: Option<String>,
    /// Human message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Extra details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}
