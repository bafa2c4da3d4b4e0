//! [`OvhAccount`] (one credential file = one signed client) and [`AccountError`] (one failed
//! call of one account). A leaf module: it depends on the client only, so the directory loader
//! ([`crate::accounts`]) and the collection run ([`crate::collect`]) both use it without
//! depending on each other.

use crate::client::OvhClient;
use std::fmt;

/// One OVH account = one credential file (its file name is the information system name).
#[derive(Debug, Clone)]
pub struct OvhAccount {
    /// Credential file name without extension (e.g. `ProSanteConnect`), used in every output
    /// and error.
    pub name: String,
    /// The signed client of this credential.
    pub client: OvhClient,
}

impl OvhAccount {
    /// An account from a built client (its name is the client's name).
    pub fn new(client: OvhClient) -> Self {
        OvhAccount {
            name: client.name().to_string(),
            client,
        }
    }
}

impl From<OvhClient> for OvhAccount {
    fn from(client: OvhClient) -> Self {
        OvhAccount::new(client)
    }
}

/// One failed call (or a whole failed account, or a credential file that could not be read):
/// which credential file, which call, and the typed error.
#[derive(Debug)]
pub struct AccountError {
    /// Credential file name.
    pub file: String,
    /// The API call (`GET /cloud/project/…/usage/current`) or the step.
    pub call: String,
    /// The error, as the HTTP layer or the mapping gave it (`Unauthenticated`, `RateLimited`,
    /// `RetriesExhausted`, …; secrets redacted).
    pub error: finops_core::Error,
}

impl AccountError {
    /// An error of `call` through credential file `file`.
    pub fn new(
        file: impl Into<String>,
        call: impl Into<String>,
        error: finops_core::Error,
    ) -> Self {
        AccountError {
            file: file.into(),
            call: call.into(),
            error,
        }
    }

    /// The error message (secrets redacted).
    pub fn message(&self) -> String {
        self.error.to_string()
    }

    /// The typed error, its call prefixed with the credential file
    /// (`SAS_Sante: GET /me`), as the [`crate::Ovh`] source streams it.
    pub fn to_error(&self) -> finops_core::Error {
        crate::error::rebuild(&self.error, Some(&self.file))
    }

    /// [`AccountError::to_error`], consuming.
    pub fn into_error(self) -> finops_core::Error {
        self.to_error()
    }
}

impl Clone for AccountError {
    fn clone(&self) -> Self {
        AccountError {
            file: self.file.clone(),
            call: self.call.clone(),
            error: crate::error::rebuild(&self.error, None),
        }
    }
}

impl PartialEq for AccountError {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file
            && self.call == other.call
            && self.error.to_string() == other.error.to_string()
    }
}

impl Eq for AccountError {}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.call, self.error)
    }
}

impl std::error::Error for AccountError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_error_keeps_its_variant_and_names_the_file() {
        let e = AccountError::new(
            "SAS_Sante",
            "GET /me",
            finops_core::Error::RateLimited {
                provider: crate::PROVIDER,
                call: "GET /me".into(),
                retry_after: Some(std::time::Duration::from_secs(2)),
                body: String::new(),
            },
        );
        assert_eq!(e.to_string().split(": ").next(), Some("SAS_Sante"));
        let t = e.to_error();
        assert!(
            matches!(&t, finops_core::Error::RateLimited { call, retry_after: Some(_), .. } if call == "SAS_Sante: GET /me"),
            "{t:?}"
        );
        assert!(t.is_retryable());
        let c = e.clone();
        assert_eq!(c, e);
        assert!(matches!(c.error, finops_core::Error::RateLimited { .. }));
    }
}
