//! The crate's private error enum and its mapping into [`finops_core::Error`].

use crate::PROVIDER;

/// What went wrong inside this adapter (mapped into [`finops_core::Error`] at the API edge).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ArcGisError {
    /// No portal URL was configured.
    #[error("no portal URL: set ARCGIS_PORTAL or call with_portal(..)")]
    MissingPortal,
    /// The portal URL is not a valid absolute http(s) URL.
    #[error("invalid portal URL {url:?}: {reason}")]
    InvalidPortal { url: String, reason: String },
    /// No credential was configured.
    #[error(
        "no credential: set a token, a username and password, or an OAuth2 client id and secret"
    )]
    MissingCredential,
    /// An unknown configuration key.
    #[error("unknown configuration key {0:?}")]
    UnknownConfigKey(String),
    /// A configuration value is not valid.
    #[error("invalid value for {key}: {reason}")]
    InvalidConfigValue { key: &'static str, reason: String },
    /// A field of a response could not be read.
    #[error("{call}: field {field}: {reason}")]
    BadField {
        call: String,
        field: String,
        reason: String,
    },
    /// More items than one request may carry.
    #[error("{call}: {got} items in one request, the portal accepts at most {max}")]
    BatchTooLarge {
        call: &'static str,
        got: usize,
        max: usize,
    },
    /// The portal answered `success: false`.
    #[error("{call}: the portal answered success=false")]
    NotSuccessful { call: String },
}

impl From<ArcGisError> for finops_core::Error {
    fn from(e: ArcGisError) -> Self {
        match e {
            ArcGisError::MissingPortal
            | ArcGisError::InvalidPortal { .. }
            | ArcGisError::MissingCredential
            | ArcGisError::UnknownConfigKey(_)
            | ArcGisError::InvalidConfigValue { .. } => finops_core::Error::config(e.to_string()),
            ArcGisError::BadField { ref call, .. } => finops_core::Error::InvalidResponse {
                provider: PROVIDER,
                call: call.clone(),
                message: e.to_string(),
            },
            ArcGisError::BatchTooLarge { .. } => finops_core::Error::InvalidArgument(e.to_string()),
            ArcGisError::NotSuccessful { .. } => finops_core::Error::Generic {
                provider: PROVIDER,
                message: e.to_string(),
                retryable: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_map_to_config() {
        let e: finops_core::Error = ArcGisError::MissingPortal.into();
        assert!(matches!(e, finops_core::Error::Config { .. }));
        let e: finops_core::Error = ArcGisError::BadField {
            call: "GET /x".into(),
            field: "availableCredits".into(),
            reason: "bad".into(),
        }
        .into();
        assert!(e.to_string().contains("availableCredits"));
    }
}
