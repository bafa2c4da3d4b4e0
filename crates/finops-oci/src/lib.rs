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
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod mapping;
pub mod report;

pub use builder::{
    ClientConfig, Contract, DirEntry, OciBuilder, OciConfigKey, load_client_file, load_config_dir,
    usage_api_endpoint,
};
pub use client::{Granularity, OciClient, QueryType, UsageApiOptions, UsageItem, UsageRequest};
pub use credential::{OciCredential, OciPrivateKey, OciSigner, sign_request};
pub use report::{
    ClientReport, ContractReport, ReportOptions, RunOptions, compute_client_report,
    run_contract_report,
};

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use finops_core::source::{CostQuery, CostSource};
use finops_core::{CostRecord, Currency, Error, Result};
use futures::StreamExt;
use futures::stream::BoxStream;

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "oci";

/// The OCI cost source is the Usage API client.
pub type Oci = OciClient;

#[async_trait]
impl CostSource for OciClient {
    /// FOCUS 1.2 records of the DAILY COST query grouped by this client's dimensions, over
    /// the UTC days covering `query.period` (the API only takes midnight-aligned ranges), then
    /// filtered by the query. A period is required.
    async fn costs(&self, query: &CostQuery) -> Result<BoxStream<'static, Result<CostRecord>>> {
        let period = query.period.ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{PROVIDER}: the Usage API needs a period (CostQuery::for_period)"
            ))
        })?;
        let start = period.start.date_naive();
        let end_day = period.end.date_naive();
        let aligned_end = Utc.from_utc_datetime(&end_day.and_hms_opt(0, 0, 0).unwrap_or_default());
        let end = if aligned_end < period.end {
            end_day + Duration::days(1)
        } else {
            end_day
        };
        let body = self.daily_cost_query(start, end);
        let tenancy = self.tenancy().to_string();
        let name = self.name().to_string();
        let q = query.clone();
        let s = self
            .summarized_usages_range(&body, start, end)
            .filter_map(move |item| {
                let out = match item {
                    Err(e) => Some(Err(e)),
                    Ok(it) if it.is_forecast => None,
                    Ok(it) => match mapping::to_cost_record_named(
                        &it,
                        &tenancy,
                        Some(&name),
                        Currency::USD,
                    ) {
                        Ok(r) if q.matches(&r) => Some(Ok(r)),
                        Ok(_) => None,
                        Err(e) => Some(Err(e)),
                    },
                };
                futures::future::ready(out)
            })
            .boxed();
        Ok(s)
    }
}
