//! The contract credit report of seed 001 (parity OCI-04..08, X-04): per client, monthly
//! consumption from contract start, the average daily cost of the last two months, the
//! weekday forecast to contract end, statistics, the run-out date and a backtest error; then
//! one consolidated report per currency. See the crate README for the exact day rules.

use crate::PROVIDER;
use crate::builder::{ClientConfig, Contract, DirEntry, credential_for, usage_api_endpoint};
use crate::client::{OciClient, UsageApiOptions};
use crate::mapping::{item_day, to_cost_record_named};
use chrono::{Datelike, NaiveDate};
use finops_core::clock::SharedClock;
use finops_core::forecast::{
    DailySeries, DateRange, RunOut, WEEKDAYS, WeekdayProfile, backtest_weekday, lookback_window,
    monthly_totals, run_out_date, total, weekday_forecast,
};
use finops_core::http::{ClientOptions, RetryConfig};
use finops_core::table::{CsvFormat, render_csv};
use finops_core::{CostRecord, Currency, Error, Result};
use futures::StreamExt;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Round a forecast amount to cents (half away from zero).
pub fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Report parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportOptions {
    /// The as-of day: consumption counts up to the day before; the forecast starts on it.
    pub as_of: NaiveDate,
    /// Look-back of the average and the weekday profile, in calendar months (2, as the seed).
    pub lookback_months: u32,
    /// Weeks forecast by the backtest (4).
    pub backtest_weeks: u32,
}

impl ReportOptions {
    /// The seed's parameters as of `as_of`.
    pub fn new(as_of: NaiveDate) -> Self {
        ReportOptions {
            as_of,
            lookback_months: 2,
            backtest_weeks: 4,
        }
    }
}

/// Consumption of one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Exact total of the month's days inside the contract and before as-of.
    pub cost: Decimal,
}

/// One weekday of the forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekdayRow {
    /// `Monday` … `Sunday`.
    pub weekday: String,
    /// Mean cost of that weekday over the look-back window (cents).
    pub mean: Decimal,
    /// Days of that weekday in the window.
    pub history_days: u32,
    /// Days of that weekday from as-of to contract end (inclusive).
    pub remaining_days: u32,
    /// Forecast of those days (cents): `sum × remaining ÷ history_days`.
    pub forecast: Decimal,
}

/// The report of one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientReport {
    /// Display name.
    pub client: String,
    /// Config file.
    pub file: String,
    /// Tenancy OCID.
    pub tenancy: String,
    /// Currency of every amount.
    pub currency: String,
    /// Contract start (inclusive).
    pub contract_start: NaiveDate,
    /// Contract end (inclusive).
    pub contract_end: NaiveDate,
    /// As-of day.
    pub as_of: NaiveDate,
    /// Contract credit.
    pub credit: Decimal,
    /// Consumption per month from contract start (OCI-04).
    pub monthly: Vec<MonthRow>,
    /// Consumed from contract start to the day before as-of (exact).
    pub consumed: Decimal,
    /// First day of the look-back window.
    pub lookback_start: NaiveDate,
    /// Last day of the look-back window (inclusive; the day before as-of).
    pub lookback_end: NaiveDate,
    /// Days in the look-back window.
    pub lookback_days: u32,
    /// Mean daily cost over the window (OCI-05, cents).
    pub average_daily: Decimal,
    /// Weekday forecast rows, Monday first (OCI-06).
    pub weekdays: Vec<WeekdayRow>,
    /// Days from as-of to contract end, inclusive (0 when the contract has ended).
    pub remaining_days: u32,
    /// Forecast to contract end: the sum of the weekday rows (OCI-06).
    pub forecast: Decimal,
    /// Consumed + forecast.
    pub projected_total: Decimal,
    /// Credit − consumed.
    pub credit_left: Decimal,
    /// Credit − consumed − forecast: > 0 surplus, < 0 deficit (OCI-07).
    pub balance_at_end: Decimal,
    /// `surplus`, `deficit` or `even`.
    pub outcome: String,
    /// When the credit runs out (`exhausted`, `forecast` or `lasts`).
    pub run_out: RunOut,
    /// Backtest MAPE in percent (2 decimals), when history allows one.
    pub backtest_mape_percent: Option<Decimal>,
    /// Days scored by the backtest.
    pub backtest_days: u32,
}

/// A client that could not report, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientFailure {
    /// Display name (or the file name when the file could not be read).
    pub client: String,
    /// Config file.
    pub file: String,
    /// The error, with the file/key or API call and request id.
    pub error: String,
}

/// Totals over the clients of one currency (OCI-08).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsolidatedRow {
    /// Currency.
    pub currency: String,
    /// Clients summed.
    pub clients: u32,
    /// Σ credit.
    pub credit: Decimal,
    /// Σ consumed.
    pub consumed: Decimal,
    /// Σ average daily.
    pub average_daily: Decimal,
    /// Σ forecast.
    pub forecast: Decimal,
    /// Σ projected total.
    pub projected_total: Decimal,
    /// Σ credit left.
    pub credit_left: Decimal,
    /// Σ balance at end.
    pub balance_at_end: Decimal,
    /// Consumption per month summed over the clients.
    pub monthly: Vec<MonthRow>,
}

/// The whole report: every client, every failure, and the consolidation per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractReport {
    /// As-of day.
    pub as_of: NaiveDate,
    /// Clients that reported, in config-file order.
    pub clients: Vec<ClientReport>,
    /// Clients that failed.
    pub failures: Vec<ClientFailure>,
    /// One row per currency.
    pub consolidated: Vec<ConsolidatedRow>,
}

/// Compute the report of one client from its daily series (pure; see the README for the
/// day rules).
pub fn compute_client_report(
    client: &str,
    file: &str,
    tenancy: &str,
    contract: &Contract,
    currency: Currency,
    series: &DailySeries,
    opts: &ReportOptions,
) -> ClientReport {
    let end_exclusive = contract.end.succ_opt().unwrap_or(contract.end);
    // Consumption and history stop at as-of (excluded) or at the contract end.
    let cutoff = opts.as_of.min(end_exclusive).max(contract.start);
    let actual = DateRange::new(contract.start, cutoff);
    let consumed = total(series, actual);
    let monthly = monthly_totals(series, actual)
        .into_iter()
        .map(|(y, m, cost)| MonthRow {
            month: format!("{y:04}-{m:02}"),
            cost,
        })
        .collect();
    let window = lookback_window(cutoff, opts.lookback_months, Some(contract.start));
    let profile = WeekdayProfile::from_series(series, window);
    let average_daily = finops_core::forecast::average_daily(series, window)
        .map(cents)
        .unwrap_or(Decimal::ZERO);
    let remaining = DateRange::new(opts.as_of.max(contract.start), end_exclusive);
    let f = weekday_forecast(&profile, remaining);
    let weekdays: Vec<WeekdayRow> = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, wd)| WeekdayRow {
            weekday: weekday_name(*wd).to_string(),
            mean: cents(f.mean_per_weekday[i]),
            history_days: profile.day_counts[i],
            remaining_days: f.remaining_days[i],
            forecast: cents(f.per_weekday[i]),
        })
        .collect();
    // The forecast is the sum of the rounded rows, so the table adds up to the cent.
    let forecast: Decimal = weekdays.iter().map(|w| w.forecast).sum();
    let credit_left = contract.credit - consumed;
    let balance_at_end = credit_left - forecast;
    let outcome = match balance_at_end.cmp(&Decimal::ZERO) {
        std::cmp::Ordering::Greater => "surplus",
        std::cmp::Ordering::Less => "deficit",
        std::cmp::Ordering::Equal => "even",
    };
    let run_out = run_out_date(series, actual, contract.credit, &profile, remaining);
    let bt = backtest_weekday(
        series,
        cutoff,
        opts.backtest_weeks,
        opts.lookback_months,
        Some(contract.start),
    );
    ClientReport {
        client: client.to_string(),
        file: file.to_string(),
        tenancy: tenancy.to_string(),
        currency: currency.to_string(),
        contract_start: contract.start,
        contract_end: contract.end,
        as_of: opts.as_of,
        credit: contract.credit,
        monthly,
        consumed,
        lookback_start: window.start,
        lookback_end: window.end.pred_opt().unwrap_or(window.end),
        lookback_days: window.len_days(),
        average_daily,
        weekdays,
        remaining_days: remaining.len_days(),
        forecast,
        projected_total: consumed + forecast,
        credit_left,
        balance_at_end,
        outcome: outcome.to_string(),
        run_out,
        backtest_mape_percent: bt.as_ref().and_then(|b| b.mape_percent).map(cents),
        backtest_days: bt.map(|b| b.days_scored).unwrap_or(0),
    }
}

fn weekday_name(wd: chrono::Weekday) -> &'static str {
    match wd {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

/// Sum client reports per currency (sums of the reported, already rounded, values: the
/// consolidated report reconciles with the client reports to the cent).
pub fn consolidate(clients: &[ClientReport]) -> Vec<ConsolidatedRow> {
    let mut by: BTreeMap<&str, ConsolidatedRow> = BTreeMap::new();
    let mut months: BTreeMap<&str, BTreeMap<&str, Decimal>> = BTreeMap::new();
    for c in clients {
        let row = by.entry(&c.currency).or_insert_with(|| ConsolidatedRow {
            currency: c.currency.clone(),
            clients: 0,
            credit: Decimal::ZERO,
            consumed: Decimal::ZERO,
            average_daily: Decimal::ZERO,
            forecast: Decimal::ZERO,
            projected_total: Decimal::ZERO,
            credit_left: Decimal::ZERO,
            balance_at_end: Decimal::ZERO,
            monthly: Vec::new(),
        });
        row.clients += 1;
        row.credit += c.credit;
        row.consumed += c.consumed;
        row.average_daily += c.average_daily;
        row.forecast += c.forecast;
        row.projected_total += c.projected_total;
        row.credit_left += c.credit_left;
        row.balance_at_end += c.balance_at_end;
        let m = months.entry(&c.currency).or_default();
        for mr in &c.monthly {
            *m.entry(&mr.month).or_default() += mr.cost;
        }
    }
    by.into_iter()
        .map(|(cur, mut row)| {
            row.monthly = months
                .remove(cur)
                .unwrap_or_default()
                .into_iter()
                .map(|(month, cost)| MonthRow {
                    month: month.to_string(),
                    cost,
                })
                .collect();
            row
        })
        .collect()
}

/// What was fetched for one client: its daily series, FOCUS records and reported currency.
#[derive(Debug, Clone, Default)]
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
        if let Some(code) = item
            .currency
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let named = Currency::new(code).map_err(|e| Error::InvalidResponse {
                provider: PROVIDER,
                call: "POST /20200107/usage".into(),
                message: format!("currency {code:?}: {e}"),
            })?;
            match data.currency {
                None => data.currency = Some(named),
                Some(c) if c != named => {
                    return Err(Error::CurrencyMismatch(format!(
                        "{}: the Usage API reports both {c} and {named}",
                        client.name()
                    )));
                }
                _ => {}
            }
        }
        items.push(item);
    }
    let currency = data.currency.unwrap_or(fallback_currency);
    for item in &items {
        let day = item_day(item).ok_or_else(|| Error::InvalidResponse {
            provider: PROVIDER,
            call: "POST /20200107/usage".into(),
            message: "an item has no timeUsageStarted".into(),
        })?;
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
    let credential = credential_for(&cfg.profile)?;
    let endpoint = run
        .client
        .endpoint
        .clone()
        .unwrap_or_else(|| usage_api_endpoint(&cfg.profile.region));
    let mut options = run.client.clone();
    options.redactions.extend(cfg.profile.pass_phrase.clone());
    let client = OciClient::new(
        cfg.name.clone(),
        cfg.profile.tenancy.clone(),
        credential,
        &endpoint,
        &options,
        run.usage.clone(),
    )?;
    let c = &cfg.contract;
    let end_exclusive = c.end.succ_opt().unwrap_or(c.end);
    let cutoff = opts.as_of.min(end_exclusive).max(c.start);
    let fallback = c.currency.unwrap_or(Currency::USD);
    let data = fetch_client_data(&client, c.start, cutoff, fallback).await?;
    let currency = match (c.currency, data.currency) {
        (Some(contract), Some(api)) if contract != api => {
            return Err(Error::CurrencyMismatch(format!(
                "{}: the contract credit is in {contract} but the Usage API reports {api}",
                cfg.file.display()
            )));
        }
        (Some(contract), _) => contract,
        (None, Some(api)) => api,
        (None, None) if data.records.is_empty() => Currency::USD,
        // Usage whose currency nobody names: labelling it USD could be wrong, so ask.
        (None, None) => {
            return Err(Error::config_at(
                cfg.file.display().to_string(),
                "moeda",
                "the Usage API left the currency blank on every item; set moeda (or currency) \
                 to the tenancy's billing currency, e.g. moeda=BRL",
            ));
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

/// `YYYY-MM` of a day.
pub fn month_label(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Money for the table: exact, trailing zeros trimmed, at least two decimals.
fn money(d: Decimal) -> String {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    n.to_string()
}

fn run_out_text(r: &RunOut) -> String {
    match r {
        RunOut::Exhausted(d) => format!("exhausted on {d}"),
        RunOut::Forecast(d) => format!("{d} (forecast)"),
        RunOut::Lasts => "lasts to contract end".into(),
    }
}

/// Human-readable report (the seed's per-client blocks, then failures, then the
/// consolidation).
pub fn render_table(r: &ContractReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "OCI contract report as of {}", r.as_of);
    for c in &r.clients {
        let cur = &c.currency;
        let _ = writeln!(s, "\n=== {} ({}) ===", c.client, c.tenancy);
        let _ = writeln!(
            s,
            "contract {} .. {}   credit {} {cur}",
            c.contract_start,
            c.contract_end,
            money(c.credit)
        );
        let _ = writeln!(s, "\nConsumption per month:");
        for m in &c.monthly {
            let _ = writeln!(s, "  {}  {:>16} {cur}", m.month, money(m.cost));
        }
        let _ = writeln!(
            s,
            "\nAverage daily consumption {} .. {} ({} days): {} {cur}",
            c.lookback_start,
            c.lookback_end,
            c.lookback_days,
            money(c.average_daily)
        );
        let _ = writeln!(s, "\nWeekday forecast ({} days left):", c.remaining_days);
        let _ = writeln!(
            s,
            "  {:<10} {:>12} {:>8} {:>10} {:>14}",
            "weekday", "mean", "history", "remaining", "forecast"
        );
        for w in &c.weekdays {
            let _ = writeln!(
                s,
                "  {:<10} {:>12} {:>8} {:>10} {:>14}",
                w.weekday,
                money(w.mean),
                w.history_days,
                w.remaining_days,
                money(w.forecast)
            );
        }
        let _ = writeln!(s, "\nStatistics:");
        for (label, v) in [
            ("consumed", c.consumed),
            ("forecast to end", c.forecast),
            ("projected total", c.projected_total),
            ("credit left", c.credit_left),
            ("balance at end", c.balance_at_end),
        ] {
            let _ = writeln!(s, "  {label:<16} {:>16} {cur}", money(v));
        }
        let _ = writeln!(s, "  {:<16} {:>16}", "outcome", c.outcome);
        let _ = writeln!(
            s,
            "  {:<16} {}",
            "credit runs out",
            run_out_text(&c.run_out)
        );
        let _ = writeln!(
            s,
            "  {:<16} {}",
            "backtest MAPE",
            c.backtest_mape_percent
                .map(|m| format!("{m}% over {} days", c.backtest_days))
                .unwrap_or_else(|| "n/a (not enough history)".into())
        );
    }
    if !r.failures.is_empty() {
        let _ = writeln!(s, "\n=== FAILED clients ===");
        for f in &r.failures {
            let _ = writeln!(s, "  {} ({}): {}", f.client, f.file, f.error);
        }
    }
    let _ = writeln!(s, "\n=== Consolidated ===");
    for c in &r.consolidated {
        let cur = &c.currency;
        let _ = writeln!(s, "{cur}: {} client(s)", c.clients);
        for m in &c.monthly {
            let _ = writeln!(s, "  {}  {:>16} {cur}", m.month, money(m.cost));
        }
        for (label, v) in [
            ("credit", c.credit),
            ("consumed", c.consumed),
            ("average daily", c.average_daily),
            ("forecast to end", c.forecast),
            ("projected total", c.projected_total),
            ("credit left", c.credit_left),
            ("balance at end", c.balance_at_end),
        ] {
            let _ = writeln!(s, "  {label:<16} {:>16} {cur}", money(v));
        }
    }
    s
}

/// Header of the per-client CSV.
pub const CLIENTS_CSV_HEADER: [&str; 22] = [
    "client",
    "file",
    "status",
    "error",
    "tenancy",
    "currency",
    "contract_start",
    "contract_end",
    "as_of",
    "credit",
    "consumed",
    "average_daily",
    "remaining_days",
    "forecast",
    "projected_total",
    "credit_left",
    "balance_at_end",
    "outcome",
    "run_out_kind",
    "run_out_date",
    "backtest_mape_percent",
    "backtest_days",
];

/// The rows (header first) through the shared table writer (UTF-8, `\n`).
fn csv_bytes(mut rows: Vec<Vec<String>>) -> Result<Vec<u8>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let header = rows.remove(0);
    Ok(render_csv("OCI report", &header, &rows, CsvFormat::utf8())?.bytes)
}

/// Per-client CSV: one row per client, failed clients included with `status=error`.
pub fn clients_csv(r: &ContractReport) -> Result<Vec<u8>> {
    let mut rows = vec![CLIENTS_CSV_HEADER.iter().map(|s| s.to_string()).collect()];
    for c in &r.clients {
        let (kind, date) = match c.run_out {
            RunOut::Exhausted(d) => ("exhausted", d.to_string()),
            RunOut::Forecast(d) => ("forecast", d.to_string()),
            RunOut::Lasts => ("lasts", String::new()),
        };
        rows.push(vec![
            c.client.clone(),
            c.file.clone(),
            "ok".into(),
            String::new(),
            c.tenancy.clone(),
            c.currency.clone(),
            c.contract_start.to_string(),
            c.contract_end.to_string(),
            c.as_of.to_string(),
            c.credit.to_string(),
            c.consumed.to_string(),
            c.average_daily.to_string(),
            c.remaining_days.to_string(),
            c.forecast.to_string(),
            c.projected_total.to_string(),
            c.credit_left.to_string(),
            c.balance_at_end.to_string(),
            c.outcome.clone(),
            kind.into(),
            date,
            c.backtest_mape_percent
                .map(|m| m.to_string())
                .unwrap_or_default(),
            c.backtest_days.to_string(),
        ]);
    }
    for f in &r.failures {
        let mut row = vec![String::new(); CLIENTS_CSV_HEADER.len()];
        row[0] = f.client.clone();
        row[1] = f.file.clone();
        row[2] = "error".into();
        row[3] = f.error.clone();
        row[8] = r.as_of.to_string();
        rows.push(row);
    }
    csv_bytes(rows)
}

/// Consolidated CSV: one row per currency.
pub fn consolidated_csv(r: &ContractReport) -> Result<Vec<u8>> {
    let mut rows = vec![
        [
            "currency",
            "clients",
            "credit",
            "consumed",
            "average_daily",
            "forecast",
            "projected_total",
            "credit_left",
            "balance_at_end",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    ];
    for c in &r.consolidated {
        rows.push(vec![
            c.currency.clone(),
            c.clients.to_string(),
            c.credit.to_string(),
            c.consumed.to_string(),
            c.average_daily.to_string(),
            c.forecast.to_string(),
            c.projected_total.to_string(),
            c.credit_left.to_string(),
            c.balance_at_end.to_string(),
        ]);
    }
    csv_bytes(rows)
}

/// Monthly CSV: `client,currency,month,cost`, the consolidated months as client `*`.
pub fn monthly_csv(r: &ContractReport) -> Result<Vec<u8>> {
    let mut rows = vec![
        ["client", "currency", "month", "cost"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    ];
    for c in &r.clients {
        for m in &c.monthly {
            rows.push(vec![
                c.client.clone(),
                c.currency.clone(),
                m.month.clone(),
                m.cost.to_string(),
            ]);
        }
    }
    for c in &r.consolidated {
        for m in &c.monthly {
            rows.push(vec![
                "*".into(),
                c.currency.clone(),
                m.month.clone(),
                m.cost.to_string(),
            ]);
        }
    }
    csv_bytes(rows)
}

/// Machine-readable JSON (stable field names, money as strings).
pub fn render_json(r: &ContractReport) -> Result<String> {
    serde_json::to_string_pretty(r).map_err(|e| Error::InvalidArgument(format!("JSON: {e}")))
}

/// A file-name-safe slug of a client name (`focus_<slug>.parquet`).
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "client".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn contract(credit: &str, start: NaiveDate, end: NaiveDate) -> Contract {
        Contract {
            client: "X".into(),
            credit: dec(credit),
            start,
            end,
            currency: None,
        }
    }

    /// Weekdays 10.00, weekends 4.00, every day from `start` to `end` exclusive.
    fn regular(start: NaiveDate, end: NaiveDate) -> DailySeries {
        DateRange::new(start, end)
            .days()
            .map(|day| {
                let v = if day.weekday().num_days_from_monday() >= 5 {
                    "4.00"
                } else {
                    "10.00"
                };
                (day, dec(v))
            })
            .collect()
    }

    #[test]
    fn hand_computed_report_contract_ending_mid_week() {
        // Contract 2026-09-01 .. Wednesday 2026-12-02, as of Sunday 2026-11-22.
        let c = contract("1000", d(2026, 9, 1), d(2026, 12, 2));
        let s = regular(d(2026, 9, 1), d(2026, 11, 22));
        let r = compute_client_report(
            "X",
            "f",
            "t",
            &c,
            Currency::USD,
            &s,
            &ReportOptions::new(d(2026, 11, 22)),
        );
        // Look-back: 2026-09-22 .. 2026-11-21 (61 days: 44 weekdays, 17 weekend days).
        assert_eq!(
            (r.lookback_start, r.lookback_end, r.lookback_days),
            (d(2026, 9, 22), d(2026, 11, 21), 61)
        );
        // (44 × 10 + 17 × 4) / 61 = 508 / 61 = 8.327… → 8.33
        assert_eq!(r.average_daily, dec("8.33"));
        // Remaining: Sun 22 Nov .. Wed 2 Dec inclusive = 11 days: Mon×2 Tue×2 Wed×2 Thu Fri Sat Sun×2.
        assert_eq!(r.remaining_days, 11);
        let rem: Vec<u32> = r.weekdays.iter().map(|w| w.remaining_days).collect();
        assert_eq!(rem, vec![2, 2, 2, 1, 1, 1, 2]);
        // 8 weekdays × 10 + 3 weekend days × 4 = 92.
        assert_eq!(r.forecast, dec("92.00"));
        // Consumed Sep 1 .. Nov 21: Sep 22 wd + 8 we = 252, Oct 22 wd + 9 we = 256,
        // Nov 1-21 15 wd + 6 we = 174 → 682.
        assert_eq!(r.consumed, dec("682.00"));
        assert_eq!(r.monthly.len(), 3);
        assert_eq!(
            r.monthly.iter().map(|m| m.cost).sum::<Decimal>(),
            r.consumed
        );
        assert_eq!(r.credit_left, dec("318.00"));
        assert_eq!(r.balance_at_end, dec("226.00"));
        assert_eq!(r.outcome, "surplus");
        assert_eq!(r.run_out, RunOut::Lasts);
        assert_eq!(r.backtest_mape_percent, Some(dec("0")));
    }

    #[test]
    fn contract_already_ended_and_credit_exhausted() {
        // Contract ended 2026-10-31; credit 300 crossed during September.
        let c = contract("300", d(2026, 9, 1), d(2026, 10, 31));
        let s = regular(d(2026, 9, 1), d(2026, 11, 22));
        let r = compute_client_report(
            "X",
            "f",
            "t",
            &c,
            Currency::USD,
            &s,
            &ReportOptions::new(d(2026, 11, 22)),
        );
        assert_eq!(r.remaining_days, 0);
        assert_eq!(r.forecast, Decimal::ZERO);
        // Only the contract's days count: September (22 wd, 8 we = 252) + October (22 wd, 9 we = 256).
        assert_eq!(r.consumed, dec("508.00"));
        assert_eq!(r.balance_at_end, dec("-208.00"));
        assert_eq!(r.outcome, "deficit");
        // September totals 252; October: Thu 1 → 262, Fri 2 → 272, Sat 3 → 276, Sun 4 → 280,
        // Mon 5 → 290, Tue 6 → 300 ≥ 300: the credit ran out on 2026-10-06.
        assert_eq!(r.run_out, RunOut::Exhausted(d(2026, 10, 6)));
    }

    #[test]
    fn new_contract_weekday_without_history() {
        // Contract started Wednesday 2026-11-18; history Wed, Thu, Fri, Sat (4 days).
        let c = contract("100", d(2026, 11, 18), d(2026, 11, 30));
        let s = regular(d(2026, 11, 18), d(2026, 11, 22));
        let r = compute_client_report(
            "X",
            "f",
            "t",
            &c,
            Currency::USD,
            &s,
            &ReportOptions::new(d(2026, 11, 22)),
        );
        let hist: Vec<u32> = r.weekdays.iter().map(|w| w.history_days).collect();
        assert_eq!(hist, vec![0, 0, 1, 1, 1, 1, 0]);
        // Remaining Sun 22 .. Mon 30: Sun×2 (no history → 0), Mon×2 (0), Tue, Wed, Thu, Fri, Sat.
        // Forecast: Wed 10 + Thu 10 + Fri 10 + Sat 4 = 34.
        assert_eq!(r.forecast, dec("34.00"));
        assert!(r.backtest_mape_percent.is_none());
        assert_eq!(r.consumed, dec("34.00"));
        assert_eq!(r.run_out, RunOut::Lasts);
    }

    #[test]
    fn consolidation_reconciles_per_currency() {
        let s = regular(d(2026, 1, 1), d(2026, 11, 22));
        let opts = ReportOptions::new(d(2026, 11, 22));
        let a = compute_client_report(
            "A",
            "f",
            "t",
            &contract("5000", d(2026, 1, 1), d(2026, 12, 31)),
            Currency::USD,
            &s,
            &opts,
        );
        let b = compute_client_report(
            "B",
            "f",
            "t",
            &contract("100", d(2026, 6, 1), d(2027, 5, 31)),
            Currency::USD,
            &s,
            &opts,
        );
        let e = compute_client_report(
            "E",
            "f",
            "t",
            &contract("7", d(2026, 3, 1), d(2026, 12, 15)),
            Currency::new("EUR").unwrap(),
            &s,
            &opts,
        );
        let cons = consolidate(&[a.clone(), b.clone(), e.clone()]);
        assert_eq!(cons.len(), 2);
        let usd = cons.iter().find(|c| c.currency == "USD").unwrap();
        assert_eq!(usd.clients, 2);
        assert_eq!(usd.consumed, a.consumed + b.consumed);
        assert_eq!(usd.forecast, a.forecast + b.forecast);
        assert_eq!(usd.balance_at_end, usd.credit - usd.consumed - usd.forecast);
        assert_eq!(
            usd.monthly.iter().map(|m| m.cost).sum::<Decimal>(),
            usd.consumed
        );
        let report = ContractReport {
            as_of: opts.as_of,
            clients: vec![a, b, e],
            failures: vec![ClientFailure {
                client: "Z".into(),
                file: "config_Z".into(),
                error: "boom".into(),
            }],
            consolidated: cons,
        };
        let json: serde_json::Value = serde_json::from_str(&render_json(&report).unwrap()).unwrap();
        assert!(json["clients"][0]["consumed"].is_string());
        assert_eq!(json["failures"][0]["client"], "Z");
        let csv = String::from_utf8(clients_csv(&report).unwrap()).unwrap();
        assert_eq!(csv.lines().count(), 5);
        assert!(csv.contains("Z,config_Z,error,boom"));
        assert!(render_table(&report).contains("FAILED"));
        assert_eq!(slug("Cliente A/B"), "Cliente_A_B");
    }
}
