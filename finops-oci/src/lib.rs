#![doc = include_str!("../README.md")]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::future_not_send
)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod builder;
pub mod client;
pub mod config;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;
pub mod mapping;
pub mod model;
pub mod region;
pub mod report;

pub use builder::{OciBuilder, OciConfigKey};
pub use client::{OciClient, UsageApiOptions};
pub use config::{ClientConfig, Contract, DirEntry, OciProfile, load_client_file, load_config_dir};
pub use credential::{OciCredential, OciPrivateKey, OciSigner, sign_request};
pub use model::{Granularity, QueryType, TagRef, UsageItem, UsageRequest};
pub use region::usage_api_endpoint;
pub use report::{
    ClientReport, ContractReport, ReportOptions, RunOptions, compute_client_report,
    run_contract_report,
};

use async_trait::async_trait;
use finops_core::source::{CostQuery, CostSource};
use finops_core::{CostRecord, Result};
use futures::stream::BoxStream;

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "oci";

/// Oracle Cloud costs of one tenancy, as FOCUS 1.2 records: the Usage API's DAILY COST query
/// behind [`CostSource`]. Cheap to clone.
///
/// Build it with [`OciBuilder`]; [`client`](Oci::client) gives the Usage API calls
/// themselves (request builders, paging, month chunking).
#[derive(Debug, Clone)]
pub struct Oci {
    client: OciClient,
}

impl std::fmt::Display for Oci {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Oci({})", self.client.name())
    }
}

impl Oci {
    /// A builder (same as [`OciBuilder::new`]).
    pub fn builder() -> OciBuilder {
        OciBuilder::new()
    }

    /// The source over an already built Usage API client.
    pub fn from_client(client: OciClient) -> Self {
        Oci { client }
    }

    /// Label of the source (the client's display name, else the tenancy OCID).
    pub fn name(&self) -> &str {
        self.client.name()
    }

    /// Tenancy OCID.
    pub fn tenancy(&self) -> &str {
        self.client.tenancy()
    }

    /// The Usage API client.
    pub fn client(&self) -> &OciClient {
        &self.client
    }

    /// The Usage API client, by value.
    pub fn into_client(self) -> OciClient {
        self.client
    }
}

#[async_trait]
impl CostSource for Oci {
    /// FOCUS 1.2 records of the DAILY COST query grouped by this client's dimensions, over
    /// the UTC days covering `query.period` (the API only takes midnight-aligned ranges), then
    /// filtered by the query. A period is required. BillingPeriod is the UTC calendar month
    /// of each charge ([`mapping::billing_period`]).
    async fn costs(&self, query: &CostQuery) -> Result<BoxStream<'static, Result<CostRecord>>> {
        let period = query.period.ok_or(error::OciError::NoPeriod)?;
        let start = period.start.date_naive();
        let end_day = period.end.date_naive();
        let end = if model::day_start(end_day) < period.end {
            end_day.succ_opt().unwrap_or(end_day)
        } else {
            end_day
        };
        let body = self.client.daily_cost_query(start, end);
        let items = self.client.summarized_usages_range(&body, start, end);
        Ok(mapping::cost_records(
            items,
            self.client.tenancy().to_string(),
            self.client.name().to_string(),
            query.clone(),
        ))
    }
}
