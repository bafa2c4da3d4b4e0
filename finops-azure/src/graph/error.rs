//! The Graph client's own errors, mapped into `finops_core::Error`.

use super::client::GRAPH_PROVIDER;

/// What can go wrong besides an HTTP error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum GraphError {
    #[error("site URL {url:?}: {reason}")]
    BadSiteUrl { url: String, reason: String },
    #[error("site {site} has no document library named {library:?}")]
    DriveNotFound { site: String, library: String },
    #[error("{path} exists and is not a folder")]
    NotAFolder { path: String },
    #[error("createUploadSession for {path} returned no uploadUrl")]
    NoUploadUrl { path: String },
    #[error(
        "upload session for {path} did not complete (server expects byte {offset} of a file that has no more)"
    )]
    UploadStalled { path: String, offset: u64 },
    #[error("publishing to {target}: {message}")]
    Publish { target: String, message: String },
}

impl From<GraphError> for finops_core::Error {
    fn from(e: GraphError) -> Self {
        match e {
            GraphError::BadSiteUrl { .. } | GraphError::DriveNotFound { .. } => {
                finops_core::Error::config(e.to_string())
            }
            other => finops_core::Error::Generic {
                provider: GRAPH_PROVIDER,
                message: other.to_string(),
                retryable: false,
            },
        }
    }
}
