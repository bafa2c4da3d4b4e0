//! `finops anomalies`: days whose cost leaves the model's interval, with their causes.
//!
//! ```text
//! finops anomalies --input FILE... --by COL[,COL] --as-of YYYY-MM-DD [--days N]
//!     [--explain-by ServiceName] [--format table|json] [--tz Europe/Paris]
//! ```
//!
//! Checks the `--days` days (default 7) before `--as-of` of each series (one per `--by`
//! group and billing currency; days in `--tz`, default UTC); see `finops_core::anomaly` for
//! the method. JSON:
//!
//! ```text
//! {"anomalies":[{"date","key","currency","actual","expected","lower","upper",
//!   "contributors":[{"value","delta"}]}]}
//! ```
//!
//! Amounts are decimal strings; contributors are the values of `--explain-by` (default
//! ServiceName), biggest contribution to the deviation first. Exit codes: 0 ok (anomalies
//! or not), 1 runtime failure, 2 usage error.

use crate::parse_day;
use finops_core::Column;
use finops_core::anomaly::{AnomalyOptions, anomalies_from_files};
use finops_core::forecast::SeriesQuery;
use finops_core::money::format_decimal;
use serde_json::json;
use std::path::PathBuf;

/// `--format` of `finops anomalies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnomalyFormat {
    /// Human-readable lines.
    Table,
    /// The JSON document of the contract.
    Json,
}

/// Arguments of `finops anomalies`.
#[derive(Debug, clap::Args)]
pub struct AnomaliesArgs {
    /// Input FOCUS files (CSV, CSV.gz, Parquet); several after one `--input`, or `--input` repeated.
    #[arg(long = "input", required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// Group-by columns, comma-separated (FOCUS columns, x_ columns, tag:KEY, itag:KEY).
    #[arg(long = "by", value_delimiter = ',', required = true)]
    pub by: Vec<String>,
    /// The day after the last day checked.
    #[arg(long = "as-of", value_parser = parse_day)]
    pub as_of: chrono::NaiveDate,
    /// Days checked before --as-of.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// The column whose values explain an anomaly.
    #[arg(long = "explain-by", default_value = "ServiceName")]
    pub explain_by: String,
    /// Output format (json is the contract for other programs).
    #[arg(long, value_enum, default_value = "table")]
    pub format: AnomalyFormat,
    /// Time zone of the days (IANA name). Default UTC.
    #[arg(long, default_value = "UTC", value_parser = crate::parse_tz)]
    pub tz: chrono_tz::Tz,
    /// The cost column (BilledCost, EffectiveCost, ListCost, ContractedCost).
    #[arg(long, default_value = "BilledCost", value_parser = crate::parse_cost_column)]
    pub cost: Column,
}

/// Run `finops anomalies`.
pub fn run(args: &AnomaliesArgs) -> anyhow::Result<()> {
    if args.days == 0 {
        anyhow::bail!("--days must be at least 1");
    }
    let q = SeriesQuery::new(&args.by)
        .with_tz(args.tz)
        .with_measure(args.cost);
    let opts = AnomalyOptions::default().with_days(args.days);
    let found = anomalies_from_files(
        &args.inputs,
        &q,
        Some(args.explain_by.as_str()),
        args.as_of,
        &opts,
    )?;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match args.format {
        AnomalyFormat::Json => {
            serde_json::to_writer(&mut out, &json!({ "anomalies": found }))?;
            writeln!(out)?;
        }
        AnomalyFormat::Table => {
            if found.is_empty() {
                writeln!(
                    out,
                    "no anomaly in the {} days before {}",
                    args.days, args.as_of
                )?;
            }
            for a in &found {
                writeln!(
                    out,
                    "{} {} {}: actual {} expected {} [{} .. {}]",
                    a.date,
                    a.key.label(),
                    a.currency,
                    format_decimal(a.actual),
                    format_decimal(a.expected.round_dp(2)),
                    format_decimal(a.lower.round_dp(2)),
                    format_decimal(a.upper.round_dp(2)),
                )?;
                for c in a.contributors.iter().take(5) {
                    writeln!(
                        out,
                        "    {:<40} {:>16}",
                        c.value.as_deref().unwrap_or("(null)"),
                        format_decimal(c.delta.round_dp(2))
                    )?;
                }
            }
        }
    }
    Ok(())
}
