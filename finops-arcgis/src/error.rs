//! The crate's private error enum and its mapping into [`finops_core::Error`].

use crate::PROVIDER;

/// The call every `portals/self` error names.
pub(crate) const PORTAL_SELF_CALL: &str = "GET /sharing/rest/portals/self";

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
    /// The login's role cannot run the credit administration (AGO-01).
    #[error(
        "administrator rights required: user {user} has role {role}, credit administration \
         needs an organization administrator"
    )]
    NotAdministrator { user: String, role: String },
    /// `portals/self` has no `availableCredits` (AGO-02).
    #[error("the portal reports no availableCredits (ArcGIS Enterprise has no credits)")]
    NoAvailableCredits,
    /// A users page names a next start that does not move forward.
    #[error("nextStart {next} does not move past start {start}")]
    PagingStuck { call: String, next: u64, start: u64 },
    /// Some `createNotification` batches failed (the others were sent).
    #[error("createNotification: {sent} batch(es) sent, {failed} failed: {detail}")]
    NotificationBatches {
        sent: usize,
        failed: usize,
        detail: String,
        retryable: bool,
    },
    /// A cost query without a period.
    #[error(
        "ArcGIS usage needs a period (CostQuery::for_period): the usage endpoint has no \
         'everything' form"
    )]
    PeriodRequired,
    /// Costs asked for without a price per credit.
    #[error(
        "no price per credit: ArcGIS meters credits, not money; set one with \
         ArcGisBuilder::with_credit_price (or ARCGIS_PRICE_PER_CREDIT and ARCGIS_CURRENCY)"
    )]
    MissingCreditPrice,
    /// A price per credit out of range.
    #[error("price per credit {price}: {reason}")]
    InvalidCreditPrice { price: String, reason: String },
    /// An exact sum or product does not fit a decimal (or a date out of range).
    #[error("{what}: out of range")]
    OutOfRange { what: String },
    /// A blocking file task could not finish (the runtime shut down or the task panicked).
    #[error("background file task for {path}: {reason}")]
    Blocking { path: String, reason: String },
}

impl From<ArcGisError> for finops_core::Error {
    fn from(e: ArcGisError) -> Self {
        match e {
            ArcGisError::MissingPortal
            | ArcGisError::InvalidPortal { .. }
            | ArcGisError::MissingCredential
            | ArcGisError::UnknownConfigKey(_)
            | ArcGisError::InvalidConfigValue { .. }
            | ArcGisError::MissingCreditPrice => finops_core::Error::config(e.to_string()),
            ArcGisError::BadField { ref call, .. } | ArcGisError::PagingStuck { ref call, .. } => {
                finops_core::Error::InvalidResponse {
                    provider: PROVIDER,
                    call: call.clone(),
                    message: e.to_string(),
                }
            }
            ArcGisError::NoAvailableCredits => finops_core::Error::InvalidResponse {
                provider: PROVIDER,
                call: PORTAL_SELF_CALL.into(),
                message: e.to_string(),
            },
            ArcGisError::NotAdministrator { .. } => finops_core::Error::PermissionDenied {
                provider: PROVIDER,
                call: PORTAL_SELF_CALL.into(),
                message: e.to_string(),
            },
            ArcGisError::BatchTooLarge { .. }
            | ArcGisError::PeriodRequired
            | ArcGisError::InvalidCreditPrice { .. } => {
                finops_core::Error::InvalidArgument(e.to_string())
            }
            ArcGisError::NotificationBatches { retryable, .. } => finops_core::Error::Generic {
                provider: PROVIDER,
                message: e.to_string(),
                retryable,
            },
            ArcGisError::NotSuccessful { .. } | ArcGisError::OutOfRange { .. } => {
                finops_core::Error::Generic {
                    provider: PROVIDER,
                    message: e.to_string(),
                    retryable: false,
                }
            }
            ArcGisError::Blocking { path, reason } => finops_core::Error::Io {
                path,
                source: std::io::Error::other(reason),
            },
        }
    }
}

/// A field of `call`'s reply that cannot be read.
pub(crate) fn bad_field(call: &str, field: &str, reason: impl Into<String>) -> finops_core::Error {
    ArcGisError::BadField {
        call: call.to_string(),
        field: field.to_string(),
        reason: reason.into(),
    }
    .into()
}

/// An exact computation that does not fit (named by `what`).
pub(crate) fn out_of_range(what: impl Into<String>) -> finops_core::Error {
    ArcGisError::OutOfRange { what: what.into() }.into()
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

    #[test]
    fn each_kind_maps_to_its_core_variant() {
        let e: finops_core::Error = ArcGisError::NotAdministrator {
            user: "v".into(),
            role: "org_user".into(),
        }
        .into();
        assert!(matches!(e, finops_core::Error::PermissionDenied { .. }));
        assert!(
            e.to_string().contains("administrator rights required"),
            "{e}"
        );
        let e: finops_core::Error = ArcGisError::NotificationBatches {
            sent: 2,
            failed: 1,
            detail: "d".into(),
            retryable: true,
        }
        .into();
        assert!(e.is_retryable());
        let e: finops_core::Error = ArcGisError::MissingCreditPrice.into();
        assert!(matches!(e, finops_core::Error::Config { .. }));
        let e: finops_core::Error = ArcGisError::Blocking {
            path: "/tmp/s.json".into(),
            reason: "cancelled".into(),
        }
        .into();
        assert!(e.to_string().contains("/tmp/s.json"), "{e}");
    }
}
