//! Microsoft Graph drives: SharePoint document libraries and OneDrive, with Entra ID
//! client-credentials tokens.
//!
//! - [`GraphClient`]: sites, drives, items by path, children (paged), folders, uploads (one
//!   `PUT` up to 4 MiB, upload sessions in fragments that are multiples of 320 KiB above),
//!   renames, deletes, downloads.
//! - [`SharePointPublisher`]: a `finops_core::publish::Publisher` (live + archive folders, a
//!   failed upload leaves live as it was) and `Fetcher` (the credential folder and the CMDB
//!   downloaded before a run), as the OVH job does with its SharePoint library (OVH-18).
//! - [`emulator`] (feature `emulator`): the Graph and Entra endpoints on loopback.
//!
//! ```no_run
//! # async fn demo() -> finops_core::Result<()> {
//! use finops_azure::credential::EntraCredential;
//! use finops_azure::graph::{DriveLocation, GraphClient, SharePointPublisher};
//! use finops_core::Secret;
//! let cred = EntraCredential::new("contoso.onmicrosoft.com", "app-id", Secret::new("…"))?;
//! let client = GraphClient::builder().with_credential(cred).build()?;
//! let site = DriveLocation::from_site_url("https://contoso.sharepoint.com/sites/FinOps", None)?;
//! let publisher = SharePointPublisher::new(client, site, "Power BI/live", "Power BI/archive");
//! # let _ = publisher; Ok(()) }
//! ```

mod client;
mod error;
pub mod model;
mod publisher;

#[cfg(feature = "emulator")]
pub mod emulator;

pub use client::{
    DEFAULT_ENDPOINT, DriveLocation, FRAGMENT_UNIT, GRAPH_PROVIDER, GraphBuilder, GraphClient,
    MAX_FRAGMENT, SIMPLE_UPLOAD_LIMIT, parse_error,
};
pub use publisher::SharePointPublisher;
