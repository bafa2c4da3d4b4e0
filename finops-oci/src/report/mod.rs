//! The contract credit report of seed 001 (parity OCI-04..08, X-04): per client, monthly
//! consumption from contract start, the average daily cost of the last two months, the
//! weekday forecast to contract end, statistics, the run-out date and a backtest error; then
//! one consolidated report per currency. See the crate README for the exact day rules.
//!
//! - [`compute`]: the pure computation ([`compute_client_report`], [`consolidate`]);
//! - [`run`]: fetching every client's daily costs and FOCUS records
//!   ([`run_contract_report`], [`fetch_client_data`]);
//! - [`render`]: the table, CSV and JSON outputs.
//!
//! The months of [`ClientReport::monthly`] are UTC calendar months, the billing periods of
//! the FOCUS records ([`crate::mapping::billing_period`]): per month and currency the two
//! totals are equal.

pub mod compute;
pub mod render;
pub mod run;

pub use compute::{cents, compute_client_report, consolidate, month_label};
pub use render::{
    CLIENTS_CSV_HEADER, clients_csv, consolidated_csv, monthly_csv, render_json, render_table, slug,
};
pub use run::{ClientData, ReportRun, RunOptions, fetch_client_data, run_contract_report};

use chrono::NaiveDate;
use finops_core::forecast::RunOut;
use rust_decimal::Decimal;
use serde::Serialize;

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
#[non_exhaustive]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Exact total of the month's days inside the contract and before as-of.
    pub cost: Decimal,
}

/// One weekday of the forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
