//! The crate's private error enum, mapped into [`finops_core::Error`] in one place.

use crate::PROVIDER;

/// What can go wrong in the Azure adapter (private; callers see `finops_core::Error`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum AzureError {
    /// A storage call failed.
    #[error("{location}: {what}: {message}")]
    Storage {
        location: String,
        what: &'static str,
        message: String,
        retryable: bool,
    },
    /// A manifest could not be understood.
    #[error("{manifest}: {message}")]
    Manifest { manifest: String, message: String },
    /// A blob could not be converted.
    #[error("{blob}: {message}")]
    Blob { blob: String, message: String },
    /// Rows or sums written do not match the export.
    #[error("{manifest}: reconciliation failed: {message}")]
    Reconciliation { manifest: String, message: String },
    /// A storage location (directory or container URL) is not usable.
    #[error("storage location {location:?}: {message}")]
    Location { location: String, message: String },
    /// A configuration value of the Cost Management client is missing or wrong.
    #[error("{key}: {message}")]
    Config { key: &'static str, message: String },
    /// A request the API would refuse (checked before sending).
    #[error("{call}: {message}")]
    InvalidRequest { call: String, message: String },
    /// A Cost Management reply that cannot be understood.
    #[error("{call}: {message}")]
    InvalidResponse { call: String, message: String },
}

impl From<AzureError> for finops_core::Error {
    fn from(e: AzureError) -> Self {
        match e {
            AzureError::Location { .. } | AzureError::Config { .. } => {
                finops_core::Error::config(e.to_string())
            }
            AzureError::InvalidRequest { .. } => finops_core::Error::InvalidArgument(e.to_string()),
            AzureError::InvalidResponse { call, message } => finops_core::Error::InvalidResponse {
                provider: PROVIDER,
                call,
                message,
            },
            AzureError::Storage { retryable, .. } => finops_core::Error::Generic {
                provider: PROVIDER,
                message: e.to_string(),
                retryable,
            },
            other => finops_core::Error::Generic {
                provider: PROVIDER,
                message: other.to_string(),
                retryable: false,
            },
        }
    }
}

/// Map an `object_store` error on `location` (`what` names the operation).
pub(crate) fn storage(
    location: &str,
    what: &'static str,
    e: object_store::Error,
) -> finops_core::Error {
    let retryable = !matches!(
        e,
        object_store::Error::NotFound { .. }
            | object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }
            | object_store::Error::InvalidPath { .. }
            | object_store::Error::NotSupported { .. }
            | object_store::Error::AlreadyExists { .. }
            | object_store::Error::Precondition { .. }
    );
    AzureError::Storage {
        location: location.to_string(),
        what,
        message: e.to_string(),
        retryable,
    }
    .into()
}

/// A manifest error.
pub(crate) fn manifest(manifest: &str, message: impl Into<String>) -> finops_core::Error {
    AzureError::Manifest {
        manifest: manifest.to_string(),
        message: message.into(),
    }
    .into()
}

/// A blob conversion error.
pub(crate) fn blob(blob: &str, message: impl Into<String>) -> finops_core::Error {
    AzureError::Blob {
        blob: blob.to_string(),
        message: message.into(),
    }
    .into()
}

/// A reconciliation failure.
pub(crate) fn reconciliation(manifest: &str, message: impl Into<String>) -> finops_core::Error {
    AzureError::Reconciliation {
        manifest: manifest.to_string(),
        message: message.into(),
    }
    .into()
}

/// A bad storage location.
pub(crate) fn location(location: &str, message: impl Into<String>) -> finops_core::Error {
    AzureError::Location {
        location: location.to_string(),
        message: message.into(),
    }
    .into()
}

/// A configuration error naming the setting.
pub(crate) fn config(key: &'static str, message: impl Into<String>) -> finops_core::Error {
    AzureError::Config {
        key,
        message: message.into(),
    }
    .into()
}

/// A request refused before it is sent.
pub(crate) fn invalid_request(call: &str, message: impl Into<String>) -> finops_core::Error {
    AzureError::InvalidRequest {
        call: call.to_string(),
        message: message.into(),
    }
    .into()
}

/// A reply that cannot be understood.
pub(crate) fn invalid_response(call: &str, message: impl Into<String>) -> finops_core::Error {
    AzureError::InvalidResponse {
        call: call.to_string(),
        message: message.into(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_keep_retryability() {
        let nf = storage(
            "ingestion/x",
            "get",
            object_store::Error::NotFound {
                path: "x".into(),
                source: "gone".into(),
            },
        );
        assert!(!nf.is_retryable());
        let g = storage(
            "ingestion/x",
            "put",
            object_store::Error::Generic {
                store: "t",
                source: "reset".into(),
            },
        );
        assert!(g.is_retryable());
        assert!(g.to_string().contains("ingestion/x"));
        assert!(location("q", "bad").to_string().contains("bad"));
    }
}
