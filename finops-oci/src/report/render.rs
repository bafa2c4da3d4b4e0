//! The report's outputs: the human-readable table, the per-client, consolidated and monthly
//! CSVs (the shared table writer, UTF-8) and JSON.

use super::ContractReport;
use crate::error::OciError;
use finops_core::Result;
use finops_core::forecast::RunOut;
use finops_core::table::{CsvFormat, render_csv};
use rust_decimal::Decimal;
use std::fmt::Write as _;

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
    serde_json::to_string_pretty(r).map_err(|e| OciError::Json(e.to_string()).into())
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
