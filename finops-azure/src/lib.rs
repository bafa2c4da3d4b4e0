#![doc = include_str!("../README.md")]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::future_not_send
)]
#![deny(rustdoc::broken_intra_doc_links)]

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "azure";

pub mod blob;
pub mod builder;
pub mod client;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;
pub mod graph;
pub mod hub;
pub mod ingest;
pub mod managed;
pub mod mapping;
pub mod model;
pub mod retention;
pub mod storage;
pub mod transform;

pub use builder::{AzureBuilder, AzureConfigKey};
pub use client::CostManagementClient;
pub use hub::{AzureHub, ReadVersion};
pub use ingest::layout::{Dataset, DateFolder};
pub use ingest::{IngestOptions, IngestReport, Ingestor};
pub use managed::{ManagedExports, ManagedExportsOptions};
pub use mapping::{CostBasis, QuerySpec};
pub use storage::Store;

use async_trait::async_trait;
use finops_core::clock::SharedClock;
use finops_core::source::{CostQuery, CostSource};
use finops_core::{CostRecord, Result};
use futures::stream::{self, BoxStream, StreamExt};
use mapping::{MappingContext, definition_period, join, month_chunks, parse_rows, to_cost_record};

/// The Cost Management client (Query and Exports APIs) of one Entra app, and a [`CostSource`]
/// over the Query API for its scopes. Cheap to clone. Build it with [`AzureBuilder`].
#[derive(Debug, Clone)]
pub struct Azure {
    client: CostManagementClient,
    scopes: Vec<String>,
    spec: QuerySpec,
    clock: SharedClock,
    concurrency: usize,
}

impl std::fmt::Display for Azure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Azure({})",
            self.client.endpoint.host_str().unwrap_or("management")
        )
    }
}

impl Azure {
    /// The HTTP side (Query and Exports calls).
    pub fn client(&self) -> &CostManagementClient {
        &self.client
    }

    /// The scopes the cost source queries.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// What the cost source asks for.
    pub fn query_spec(&self) -> &QuerySpec {
        &self.spec
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// FOCUS 1.2 records of one scope for `period` (`None`: month to date), restricted to
    /// `subscriptions` (GUIDs): one query per basis (two with [`CostBasis::ActualAndAmortized`]),
    /// every page followed, rows joined and mapped ([`mapping`]).
    pub async fn scope_costs(
        &self,
        scope: &str,
        period: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
        subscriptions: &[String],
    ) -> Result<Vec<CostRecord>> {
        let today = self.clock.now().date_naive();
        let mut aggregated = vec![self.spec.cost_column.clone()];
        if self.spec.usd {
            aggregated.push(format!("{}USD", self.spec.cost_column));
        }
        let mut sides: Vec<Vec<mapping::QueryRow>> = Vec::new();
        let mut call = String::new();
        for kind in self.spec.basis.query_types() {
            let def = self.spec.definition(*kind, period, subscriptions);
            call = format!("POST {scope}/providers/Microsoft.CostManagement/query ({kind})");
            let qp = definition_period(&def, today);
            let mut rows = Vec::new();
            for page in self.client.query_all(scope, &def).await? {
                rows.extend(parse_rows(&page.result, qp, &aggregated, &call)?);
            }
            sides.push(rows);
        }
        let mut it = sides.into_iter();
        let (a, b) = match self.spec.basis {
            CostBasis::Amortized => (Vec::new(), it.next().unwrap_or_default()),
            _ => (it.next().unwrap_or_default(), it.next().unwrap_or_default()),
        };
        let ctx = MappingContext {
            scope,
            account_name: None,
            basis: self.spec.basis,
            fallback_currency: None,
            call: &call,
        };
        join(a, b, self.spec.basis)?
            .iter()
            .map(|j| to_cost_record(j, &ctx))
            .collect()
    }
}

/// The subscription GUIDs of FOCUS sub-account ids (`/subscriptions/{id}` or a bare id).
fn subscription_ids(sub_accounts: &[String]) -> Vec<String> {
    sub_accounts
        .iter()
        .map(|s| {
            let t = s.trim();
            match t.get(..15) {
                Some(p) if p.eq_ignore_ascii_case("/subscriptions/") => t[15..].to_string(),
                _ => t.to_string(),
            }
        })
        .collect()
}

#[async_trait]
impl CostSource for Azure {
    /// The Query API for every configured scope, one calendar month per query (a query costs
    /// a QPU per month of data). A failing scope (or month) is one `Err` item; the others go
    /// on. Without a period: month to date.
    async fn costs(&self, query: &CostQuery) -> Result<BoxStream<'static, Result<CostRecord>>> {
        if self.scopes.is_empty() {
            return Err(crate::error::config(
                "AZURE_COST_SCOPES",
                "no scope to query (with_scope or AZURE_COST_SCOPES)",
            ));
        }
        let chunks: Vec<Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>> =
            match &query.period {
                Some(p) => month_chunks(p.start, p.end).into_iter().map(Some).collect(),
                None => vec![None],
            };
        let subs = subscription_ids(&query.sub_accounts);
        let work: Vec<(String, _)> = self
            .scopes
            .iter()
            .flat_map(|s| chunks.iter().map(move |c| (s.clone(), *c)))
            .collect();
        let this = self.clone();
        let q = query.clone();
        let s = stream::iter(work)
            .map(move |(scope, chunk)| {
                let (this, subs) = (this.clone(), subs.clone());
                async move { this.scope_costs(&scope, chunk, &subs).await }
            })
            .buffered(self.concurrency.max(1))
            .flat_map(move |r| {
                let items: Vec<Result<CostRecord>> = match r {
                    Ok(recs) => recs.into_iter().filter(|r| q.matches(r)).map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                };
                stream::iter(items)
            });
        Ok(s.boxed())
    }
}
