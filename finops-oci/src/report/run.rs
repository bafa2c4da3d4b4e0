//! Running the report: every client's daily costs fetched from the Usage API (bounded
//! concurrency, one failure never stops the others), its FOCUS records kept beside.

use super::compute::{compute_client_report, consolidate};
use super::{ClientFailure, ClientReport, ContractReport, ReportOptions};
use crate::builder::OciBuilder;
use crate::client::{OciClient, UsageApiOptions};
use crate::config::{ClientConfig, DirEntry};
use crate::error::OciError;
use crate::mapping::{item_day, named_currency, to_cost_record_named};
use chrono::NaiveDate;
use finops_core::clock::SharedClock;
use finops_core::forecast::DailySeries;
use finops_core::http::{ClientOptions, RetryConfig};
use finops_core::{CostRecord, Currency, Result};
use futures::StreamExt;

/// What was fetched for one client: its daily series, FOCUS records and reported currency.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ClientData {
    /// Exact cost per day.
    pub series: DailySeries,
    /// FOCUS records of every usage item.
    pub records: Vec<CostRecord>,
    /// Currency reported by the API (first item with one).
    pub currency: Option<Currency>,
}

/// Fetch the detailed daily costs of `[start, end)` (chunked by month, all pages).
///
/// OCI leaves `currency` blank (`" "` or null) on some items when the query groups by
/// dimensions (oracle/oci-python-sdk issues #380, #771), while other items of the same tenancy
/// carry it. A tenancy is billed in one currency, so the currency the API names on any item
/// applies to the blank ones; `fallback_currency` is used only when no item names one (and
/// [`ClientData::currency`] then stays `None`). Two different named currencies are an error.
pub async fn fetch_client_data(
    client: &OciClient,
    start: NaiveDate,
    end: NaiveDate,
    fallback_currency: Currency,
) -> Result<ClientData> {
    let mut data = ClientData::default();
    if start >= end {
        return Ok(data);
    }
    let query = client.daily_cost_query(start, end);
    let mut stream = client.summarized_usages_range(&query, start, end);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        let item = item?;
        if item.is_forecast {
            continue;
        }
        if let Some(named) = named_currency(&item)? {
            match data.currency {
                None => data.currency = Some(named),
                Some(c) if c != named => {
                    return Err(OciError::CurrencyMismatch(format!(
                        "{}: the Usage API reports both {c} and {named}",
                        client.name()
                    ))
                    .into());
                }
                _ => {}
            }
        }
        items.push(item);
    }
    let currency = data.currency.unwrap_or(fallback_currency);
    for item in &items {
        let day = item_day(item)
            .ok_or_else(|| OciError::usage_reply("an item has no timeUsageStarted"))?;
        let record = to_cost_record_named(item, client.tenancy(), Some(client.name()), currency)?;
        *data.series.entry(day).or_default() += record.billed_cost;
        data.records.push(record);
    }
    Ok(data)
}

/// How the report reaches the API: the [`ClientOptions`] of every client (endpoint override,
/// clock, retry policy, timeouts, rate limit, clients at the same time) and the query options.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RunOptions {
    /// Client settings; `endpoint` replaces the Usage API scheme+host(+port) of every client,
    /// `concurrency` is the number of clients queried at the same time (default 4).
    pub client: ClientOptions,
    /// Query options.
    pub usage: UsageApiOptions,
}

impl RunOptions {
    /// Set the endpoint override.
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.with_endpoint(url);
        self
    }

    /// Set the clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.client = self.client.with_clock(clock);
        self
    }

    /// Set the retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.client = self.client.with_retry(retry);
        self
    }

    /// Clients queried at the same time (default 4).
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.client = self.client.with_concurrency(n);
        self
    }

    /// Set every client setting at once.
    pub fn with_client_options(mut self, client: ClientOptions) -> Self {
        self.client = client;
        self
    }

    /// Set the query options.
    pub fn with_usage_options(mut self, usage: UsageApiOptions) -> Self {
        self.usage = usage;
        self
    }
}

/// The outcome of [`run_contract_report`]: the report and each client's FOCUS records.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReportRun {
    /// The report.
    pub report: ContractReport,
    /// `(client name, records)` of every client that reported.
    pub records: Vec<(String, Vec<CostRecord>)>,
}

async fn run_one(
    cfg: &ClientConfig,
    opts: &ReportOptions,
    run: &RunOptions,
) -> Result<(ClientReport, Vec<CostRecord>)> {
    // The key is read and decrypted on the blocking pool, not on the runtime's workers.
    let oci = OciBuilder::new()
        .with_client_config(cfg)
        .with_client_options(&run.client)
        .with_usage_options(run.usage.clone())
        .build_async()
        .await?;
    let client = oci.client();
    let c = &cfg.contract;
    let end_exclusive = c.end.succ_opt().unwrap_or(c.end);
    let cutoff = opts.as_of.min(end_exclusive).max(c.start);
    let fallback = c.currency.unwrap_or(Currency::USD);
    let data = fetch_client_data(client, c.start, cutoff, fallback).await?;
    let currency = match (c.currency, data.currency) {
        (Some(contract), Some(api)) if contract != api => {
            return Err(OciError::CurrencyMismatch(format!(
                "{}: the contract credit is in {contract} but the Usage API reports {api}",
                cfg.file.display()
            ))
            .into());
        }
        (Some(contract), _) => contract,
        (None, Some(api)) => api,
        (None, None) if data.records.is_empty() => Currency::USD,
        // Usage whose currency nobody names: labelling it USD could be wrong, so ask.
        (None, None) => {
            return Err(OciError::config(
                cfg.file.display().to_string(),
                "moeda",
                "the Usage API left the currency blank on every item; set moeda (or currency) \
                 to the tenancy's billing currency, e.g. moeda=BRL",
            )
            .into());
        }
    };
    let report = compute_client_report(
        &cfg.name,
        &cfg.file.display().to_string(),
        &cfg.profile.tenancy,
        c,
        currency,
        &data.series,
        opts,
    );
    Ok((report, data.records))
}

/// Run the report over the entries of a `config_*` directory. A client that fails (bad
/// config, key, 401, ...) becomes a [`ClientFailure`]; the others still report.
pub async fn run_contract_report(
    entries: Vec<DirEntry>,
    opts: &ReportOptions,
    run: &RunOptions,
) -> ReportRun {
    let n = run.client.concurrency_or(4);
    let results = finops_core::http::bounded(entries, n, |entry: DirEntry| async move {
        let file = entry.file.display().to_string();
        match entry.client {
            Err(e) => Err(ClientFailure {
                client: entry
                    .file
                    .file_name()
                    .and_then(|f| f.to_str())
                    .map(|f| f.strip_prefix("config_").unwrap_or(f).to_string())
                    .unwrap_or_else(|| file.clone()),
                file,
                error: e.to_string(),
            }),
            Ok(cfg) => run_one(&cfg, opts, run).await.map_err(|e| ClientFailure {
                client: cfg.name.clone(),
                file,
                error: e.to_string(),
            }),
        }
    })
    .await;
    let mut clients = Vec::new();
    let mut failures = Vec::new();
    let mut records = Vec::new();
    for r in results {
        match r {
            Ok((rep, recs)) => {
                records.push((rep.client.clone(), recs));
                clients.push(rep);
            }
            Err(f) => {
                tracing::warn!(client = %f.client, error = %f.error, "OCI client failed");
                failures.push(f);
            }
        }
    }
    ReportRun {
        report: ContractReport {
            as_of: opts.as_of,
            consolidated: consolidate(&clients),
            clients,
            failures,
        },
        records,
    }
}
