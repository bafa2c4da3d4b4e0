//! The private error enum of the OVH adapter and its mapping into [`finops_core::Error`].

use crate::PROVIDER;
use finops_core::error::Location;

/// What went wrong in the OVH adapter (private; callers see [`finops_core::Error`]).
#[derive(Debug, thiserror::Error)]
pub(crate) enum OvhError {
    /// `X-Ovh-Signature` refused (400 `INVALID_SIGNATURE` / `Invalid signature`).
    #[error("{call}: invalid signature: {message}")]
    InvalidSignature { call: String, message: String },
    /// The credential is unknown, expired or refused (403 `INVALID_CREDENTIAL`, `NOT_CREDENTIAL`,
    /// `INVALID_KEY`).
    #[error("{call}: {code}: {message}")]
    InvalidCredential {
        call: String,
        code: String,
        message: String,
    },
    /// The credential is valid but not granted this call (403 `NOT_GRANTED_CALL`, `FORBIDDEN`,
    /// `Client::Forbidden`).
    #[error("{call}: {code}: {message}")]
    NotGranted {
        call: String,
        code: String,
        message: String,
    },
    /// `GET /auth/time` did not return an integer.
    #[error("GET /auth/time returned a non-integer body: {body}")]
    InvalidTime { body: String },
    /// An OAuth2 error reply (`{"error": "invalid_client", ..}`, 400 / 401).
    #[error("{call}: OAuth2 error {error}: {description}")]
    OAuth2 {
        call: String,
        error: String,
        description: String,
    },
    /// An OAuth2 call on an application-key credential.
    #[error("not an OAuth2 credential")]
    NotOAuth2,
    /// A header value could not be built.
    #[error("invalid header: {message}")]
    Header { message: String },
    /// A URL could not be built.
    #[error("invalid URL {url}: {message}")]
    Url { url: String, message: String },
    /// A configuration value is missing or wrong.
    #[error("{message}")]
    Config {
        file: Option<String>,
        key: Option<String>,
        message: String,
    },
}

impl From<OvhError> for finops_core::Error {
    fn from(e: OvhError) -> Self {
        let message = e.to_string();
        match e {
            OvhError::InvalidSignature { call, message } => finops_core::Error::Unauthenticated {
                provider: PROVIDER,
                call,
                message: format!("INVALID_SIGNATURE: {message}"),
            },
            OvhError::InvalidCredential {
                call,
                code,
                message,
            } => finops_core::Error::Unauthenticated {
                provider: PROVIDER,
                call,
                message: format!("{code}: {message}"),
            },
            OvhError::NotGranted {
                call,
                code,
                message,
            } => finops_core::Error::PermissionDenied {
                provider: PROVIDER,
                call,
                message: format!("{code}: {message}"),
            },
            OvhError::OAuth2 {
                call,
                error,
                description,
            } => finops_core::Error::Unauthenticated {
                provider: PROVIDER,
                call,
                message: format!("OAuth2 error {error}: {description}"),
            },
            OvhError::Config { file, key, message } => match file {
                Some(f) => finops_core::Error::Config {
                    location: Some(Location {
                        file: f,
                        line: None,
                        column: key,
                    }),
                    message,
                },
                None => finops_core::Error::config(match key {
                    Some(k) => format!("{k}: {message}"),
                    None => message,
                }),
            },
            OvhError::InvalidTime { .. } => finops_core::Error::InvalidResponse {
                provider: PROVIDER,
                call: "GET /auth/time".into(),
                message,
            },
            OvhError::NotOAuth2 | OvhError::Header { .. } | OvhError::Url { .. } => {
                finops_core::Error::Generic {
                    provider: PROVIDER,
                    message,
                    retryable: false,
                }
            }
        }
    }
}
