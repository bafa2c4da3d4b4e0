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
    /// An amount of a reply does not fit a decimal once multiplied or summed (a tenant ratio
    /// far out of range, a hand-built value): names the call and the field.
    #[error("{call}: {field}: {message}")]
    Arithmetic {
        call: String,
        field: String,
        message: String,
    },
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
            OvhError::Arithmetic {
                call,
                field,
                message,
            } => finops_core::Error::InvalidResponse {
                provider: PROVIDER,
                call,
                message: format!("{field}: {message}"),
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

/// A copy of `e` (finops-core's error is not `Clone`: its `Io` variant holds an
/// `std::io::Error`, copied here as its kind and text), with the `call` of call-carrying
/// variants prefixed by `prefix` (`SAS_Sante: GET /me`) when given. The variant, and so
/// `is_retryable`, `retry_after` and `status`, is kept.
pub(crate) fn rebuild(e: &finops_core::Error, prefix: Option<&str>) -> finops_core::Error {
    use finops_core::Error as E;
    let call = |c: &String| match prefix {
        Some(p) => format!("{p}: {c}"),
        None => c.clone(),
    };
    match e {
        E::Status {
            provider,
            call: c,
            status,
            body,
            request_id,
        } => E::Status {
            provider,
            call: call(c),
            status: *status,
            body: body.clone(),
            request_id: request_id.clone(),
        },
        E::RateLimited {
            provider,
            call: c,
            retry_after,
            body,
        } => E::RateLimited {
            provider,
            call: call(c),
            retry_after: *retry_after,
            body: body.clone(),
        },
        E::Unauthenticated {
            provider,
            call: c,
            message,
        } => E::Unauthenticated {
            provider,
            call: call(c),
            message: message.clone(),
        },
        E::PermissionDenied {
            provider,
            call: c,
            message,
        } => E::PermissionDenied {
            provider,
            call: call(c),
            message: message.clone(),
        },
        E::NotFound { provider, call: c } => E::NotFound {
            provider,
            call: call(c),
        },
        E::Transport {
            provider,
            call: c,
            message,
            timeout,
            connect,
        } => E::Transport {
            provider,
            call: call(c),
            message: message.clone(),
            timeout: *timeout,
            connect: *connect,
        },
        E::RetriesExhausted {
            provider,
            call: c,
            attempts,
            last,
        } => E::RetriesExhausted {
            provider,
            call: call(c),
            attempts: *attempts,
            last: Box::new(rebuild(last, None)),
        },
        E::InvalidResponse {
            provider,
            call: c,
            message,
        } => E::InvalidResponse {
            provider,
            call: call(c),
            message: message.clone(),
        },
        E::Config { location, message } => E::Config {
            location: location.clone(),
            message: message.clone(),
        },
        E::Parse { location, message } => E::Parse {
            location: location.clone(),
            message: message.clone(),
        },
        E::MissingColumn { file, column } => E::MissingColumn {
            file: file.clone(),
            column: column.clone(),
        },
        E::CurrencyMismatch(m) => E::CurrencyMismatch(m.clone()),
        E::InvalidArgument(m) => E::InvalidArgument(m.clone()),
        E::Io { path, source } => E::Io {
            path: path.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        E::Generic {
            provider,
            message,
            retryable,
        } => E::Generic {
            provider,
            message: match prefix {
                Some(p) => format!("{p}: {message}"),
                None => message.clone(),
            },
            retryable: *retryable,
        },
        other => E::Generic {
            provider: PROVIDER,
            message: match prefix {
                Some(p) => format!("{p}: {other}"),
                None => other.to_string(),
            },
            retryable: other.is_retryable(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuild_keeps_variants() {
        use finops_core::Error as E;
        let last = E::Status {
            provider: PROVIDER,
            call: "GET /me".into(),
            status: 503,
            body: "busy".into(),
            request_id: Some("EU.1".into()),
        };
        let e = E::RetriesExhausted {
            provider: PROVIDER,
            call: "GET /me".into(),
            attempts: 4,
            last: Box::new(last),
        };
        let r = rebuild(&e, Some("f"));
        assert_eq!(r.status(), Some(503));
        assert!(
            matches!(&r, E::RetriesExhausted { call, attempts: 4, .. } if call == "f: GET /me")
        );
        let io = E::io(
            "/x",
            std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        );
        let r = rebuild(&io, Some("f"));
        assert!(
            matches!(&r, E::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
        );
        assert_eq!(r.to_string(), io.to_string());
    }
}
