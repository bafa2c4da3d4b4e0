//! The private error enum of the OCI adapter and its one mapping into [`finops_core::Error`].
//!
//! Callers only ever see [`finops_core::Error`]: key and configuration problems become
//! `Config` (naming the file and key), malformed replies `InvalidResponse` (naming the call
//! and field), bad arguments `InvalidArgument`. HTTP status errors are mapped by
//! the client's `parse_error` through the shared `Error::from_status`.

use crate::PROVIDER;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// The call every Usage API error names.
pub(crate) const USAGE_CALL: &str = "POST /20200107/usage";

/// What went wrong in the OCI adapter (private; callers see [`finops_core::Error`]).
#[derive(Debug, thiserror::Error)]
pub(crate) enum OciError {
    /// The key file could not be read.
    #[error("cannot read key_file {}: {source}", path.display())]
    ReadKey {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a PEM private key this crate understands.
    #[error("key_file {path}: {message}")]
    InvalidKey { path: String, message: String },
    /// The key is encrypted and no pass phrase was configured.
    #[error(
        "key_file {path} is encrypted but no pass_phrase is configured (MissingPrivateKeyPassphrase)"
    )]
    MissingPassPhrase { path: String },
    /// The pass phrase does not decrypt the key.
    #[error("key_file {path}: the pass_phrase does not decrypt the key (wrong pass phrase?)")]
    WrongPassPhrase { path: String },
    /// The key does not match the configured fingerprint.
    #[error(
        "key_file {path} does not match the configured fingerprint: the key's fingerprint is {actual}, the config says {configured}"
    )]
    FingerprintMismatch {
        path: String,
        actual: String,
        configured: String,
    },
    /// Signing failed (should not happen with a valid key).
    #[error("signing failed: {0}")]
    Sign(String),
    /// A value of a config file is missing or wrong (`file` and `key` are named).
    #[error("{message}")]
    Config {
        file: String,
        key: String,
        message: String,
    },
    /// A key of [`crate::OciBuilder::with_config`] that does not exist.
    #[error("{PROVIDER}: unknown configuration key {0:?}")]
    UnknownConfigKey(String),
    /// The Usage API endpoint is not an http(s) URL.
    #[error("{PROVIDER}: endpoint {endpoint:?} {reason}")]
    Endpoint { endpoint: String, reason: String },
    /// A cost query without a period.
    #[error("{PROVIDER}: the Usage API needs a period (CostQuery::for_period)")]
    NoPeriod,
    /// An instant that is not midnight UTC where the Usage API needs one.
    #[error(
        "{PROVIDER}: {0} is not midnight UTC; the Usage API only accepts dates whose hours, minutes, seconds and fractions are 0"
    )]
    NotMidnight(DateTime<Utc>),
    /// A reply of `call` that cannot be used (names the item and field).
    #[error("{message}")]
    Reply { call: String, message: String },
    /// Two currencies where one tenancy or contract has one.
    #[error("{0}")]
    CurrencyMismatch(String),
    /// Blocking work (a key file read and decrypted) did not finish on the blocking pool.
    #[error("blocking task failed: {0}")]
    Blocking(String),
    /// The report could not be rendered as JSON.
    #[error("JSON: {0}")]
    Json(String),
}

impl OciError {
    /// A reply error of the Usage API call.
    pub(crate) fn usage_reply(message: impl Into<String>) -> Self {
        OciError::Reply {
            call: USAGE_CALL.to_string(),
            message: message.into(),
        }
    }

    /// A config error naming `file` and `key`.
    pub(crate) fn config(
        file: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        OciError::Config {
            file: file.into(),
            key: key.into(),
            message: message.into(),
        }
    }
}

impl From<OciError> for finops_core::Error {
    fn from(e: OciError) -> Self {
        match e {
            OciError::Config { file, key, message } => {
                finops_core::Error::config_at(file, key, message)
            }
            OciError::Sign(_) | OciError::Blocking(_) => finops_core::Error::Generic {
                provider: PROVIDER,
                message: e.to_string(),
                retryable: false,
            },
            OciError::ReadKey { .. }
            | OciError::InvalidKey { .. }
            | OciError::MissingPassPhrase { .. }
            | OciError::WrongPassPhrase { .. }
            | OciError::FingerprintMismatch { .. }
            | OciError::UnknownConfigKey(_)
            | OciError::Endpoint { .. } => finops_core::Error::config(e.to_string()),
            OciError::NoPeriod | OciError::NotMidnight(_) | OciError::Json(_) => {
                finops_core::Error::InvalidArgument(e.to_string())
            }
            OciError::Reply { call, message } => finops_core::Error::InvalidResponse {
                provider: PROVIDER,
                call,
                message,
            },
            OciError::CurrencyMismatch(m) => finops_core::Error::CurrencyMismatch(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_core_variant_with_its_message() {
        let e: finops_core::Error = OciError::MissingPassPhrase {
            path: "k.pem".into(),
        }
        .into();
        assert!(matches!(e, finops_core::Error::Config { .. }));
        assert!(e.to_string().contains("MissingPrivateKeyPassphrase"), "{e}");
        let e: finops_core::Error = OciError::config("config_A", "region", "bad").into();
        assert!(
            e.to_string().contains("config_A") && e.to_string().contains("region"),
            "{e}"
        );
        let e: finops_core::Error = OciError::usage_reply("items[0].computedAmount: x").into();
        match &e {
            finops_core::Error::InvalidResponse { call, .. } => assert_eq!(call, USAGE_CALL),
            other => panic!("{other:?}"),
        }
        let e: finops_core::Error = OciError::NoPeriod.into();
        assert!(matches!(e, finops_core::Error::InvalidArgument(_)));
        let e: finops_core::Error = OciError::Sign("x".into()).into();
        assert!(!e.is_retryable());
        let e: finops_core::Error = OciError::CurrencyMismatch("a".into()).into();
        assert!(matches!(e, finops_core::Error::CurrencyMismatch(_)));
    }
}
