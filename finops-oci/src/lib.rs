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
        let items = self.summarized_usages_range(&body, start, end);
        // In batches of up to 4096 items, so that items whose currency OCI leaves blank
        // (grouped queries, oci-python-sdk #380/#771) take the currency another item of the
        // tenancy names (in the batch or before it) instead of being labelled USD. USD only
        // when no item names one.
        let mut known: Option<Currency> = None;
        let s = items
            .chunks(4096)
            .flat_map(move |batch| {
                let named = batch.iter().filter_map(|r| r.as_ref().ok()).find_map(|it| {
                    it.currency
                        .as_deref()
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .and_then(|c| Currency::new(c).ok())
                });
                known = known.or(named);
                let fallback = known.unwrap_or(Currency::USD);
                let out: Vec<Result<CostRecord>> = batch
                    .into_iter()
                    .filter_map(|item| match item {
                        Err(e) => Some(Err(e)),
                        Ok(it) if it.is_forecast => None,
                        Ok(it) => {
                            match mapping::to_cost_record_named(
                                &it,
                                &tenancy,
                                Some(&name),
                                fallback,
                            ) {
                                Ok(r) if q.matches(&r) => Some(Ok(r)),
                                Ok(_) => None,
                                Err(e) => Some(Err(e)),
                            }
                        }
                    })
                    .collect();
                futures::stream::iter(out)
            })
            .boxed();
        Ok(s)
    }
}
