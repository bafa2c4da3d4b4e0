//! `auth`: credentials and the API's error bodies (OAuth2 token replies and errors are read
//! by the shared `finops_core::http::oauth2`).

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
