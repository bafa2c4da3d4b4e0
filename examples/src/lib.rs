//! Example programs and the `finops` command of finops-rs.
//!
//! Each provider module holds the logic of its example program (`examples/*.rs` are thin
//! wrappers) and a `demo` function that `finops demo` calls against the provider's emulator.

#![allow(missing_docs)]
// The `///` comments on the CLI argument structs are `--help` text for clap, written for a
// terminal (`https://host/portal`, `<out>/file.json`), not Markdown for rustdoc.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

pub mod aggregate_cmd;
pub mod allocate_cmd;
pub mod anomalies_cmd;
pub mod arcgis;
pub mod azure;
pub mod forecast_cmd;
pub mod job;
pub mod job_cmd;
pub mod oci;
pub mod ovh;
pub mod schedule_cmd;

/// What one provider's demo did, for the `finops demo` summary.
#[derive(Debug, Default, Clone)]
pub struct DemoSummary {
    /// Provider label.
    pub provider: String,
    /// Human-readable summary lines.
    pub lines: Vec<String>,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// `--format` of the analysis commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for a terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// JSON (the contract for other programs).
    Json,
}

/// clap parser: a `YYYY-MM-DD` day.
pub fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| format!("{s:?}: {e} (expected YYYY-MM-DD)"))
}

/// clap parser: an IANA time zone.
pub fn parse_tz(s: &str) -> Result<chrono_tz::Tz, String> {
    s.parse::<chrono_tz::Tz>()
        .map_err(|e| format!("{s:?}: {e}"))
}

/// clap parser: a cost column (BilledCost, EffectiveCost, ListCost, ContractedCost).
pub fn parse_cost_column(s: &str) -> Result<finops_core::Column, String> {
    let c = finops_core::aggregate::Measure::column_named(s).map_err(|e| e.to_string())?;
    if finops_core::aggregate::Measure::Sum(c).is_money() {
        Ok(c)
    } else {
        Err(format!("{s:?} is not a cost column"))
    }
}

/// clap parser: `KEY=AMOUNT` (the amount an exact decimal, not negative).
pub fn parse_budget(s: &str) -> Result<(String, rust_decimal::Decimal), String> {
    let (k, v) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("{s:?}: expected KEY=AMOUNT"))?;
    let d = finops_core::money::parse_decimal(v.trim()).map_err(|e| format!("{s:?}: {e}"))?;
    if d.is_sign_negative() {
        return Err(format!("{s:?}: a budget cannot be negative"));
    }
    Ok((k.to_string(), d))
}
