//! The token directory: one credential file per application / information system (OVH-01).

use crate::client::OvhClient;

/// One OVH account = one credential file (its file name is the information system name).
#[derive(Debug, Clone)]
pub struct OvhAccount {
    /// Credential file name (e.g. `ProSanteConnect`), used in every output and error.
    pub name: String,
    /// The signed client of this credential.
    pub client: OvhClient,
}
