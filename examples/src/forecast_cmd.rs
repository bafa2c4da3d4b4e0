//! `finops forecast`: daily cost forecasts per group, with backtest, interval and run-out.
//!
//! ```text
//! finops forecast --input FILE... --by COL[,COL] --as-of YYYY-MM-DD --horizon DAYS
//!     [--model auto|weekday|linear|seasonal] [--budget KEY=AMOUNT]... [--format table|csv|json]
//!     [--tz Europe/Paris] [--cost BilledCost] [--level 95]
//! ```
//!
//! History is the days before `--as-of` (calendar days in `--tz`, default UTC) from the
//! first day of the input's history; the forecast covers `--horizon` days from `--as-of`.
//! A `--budget KEY=AMOUNT` is cumulative like a credit: spend counts from the first day of
//! the input's history, and `runout_date` is the first day on which cumulative actual +
//! forecast reaches it (null if it lasts past the horizon). KEY is the series' `--by`
//! values joined with `|` (e.g. `OVHcloud|proj-42`); it applies to that key in every
//! currency. JSON:
//!
//! ```text
//! {"series":[{"key":{COL:VALUE},"currency","model","backtest":{"mape","bias"},
//!   "forecast":{"total","lower","upper","daily":[{"date","value","lower","upper"}]},
//!   "budget","runout_date"}]}
//! ```
//!
//! Amounts are decimal strings; `mape`, `bias` (percent), `budget` and `runout_date` may be
//! null. Exit codes: 0 ok, 1 runtime failure, 2 usage error.

use crate::{OutputFormat, parse_budget, parse_day};
use anyhow::Context;
use finops_core::forecast::{
    DateRange, Dense, ForecastOptions, ModelChoice, ModelKind, SeriesQuery, forecast_all, run_out,
    series::daily_series_from_files,
};
use finops_core::money::format_decimal;
use finops_core::{Column, Decimal};
use serde_json::json;
use std::path::PathBuf;

/// `--model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    /// The model with the smallest backtest error.
    Auto,
    /// Seed 001: mean per weekday over the last two months.
    Weekday,
    /// A straight line over the last two months.
    Linear,
    /// Holt-Winters with a weekly season.
    Seasonal,
}

/// Arguments of `finops forecast`.
#[derive(Debug, clap::Args)]
pub struct ForecastArgs {
    /// Input FOCUS files (CSV, CSV.gz, Parquet); several after one `--input`, or `--input` repeated.
    #[arg(long = "input", required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// Group-by columns, comma-separated: FOCUS columns, x_ columns, tag:KEY, itag:KEY,
    /// month (billing month). One series per group and billing currency.
    #[arg(long = "by", value_delimiter = ',', required = true)]
    pub by: Vec<String>,
    /// The first forecast day; history is the days before it.
    #[arg(long = "as-of", value_parser = parse_day)]
    pub as_of: chrono::NaiveDate,
    /// Days to forecast.
    #[arg(long)]
    pub horizon: u32,
    /// The model.
    #[arg(long, value_enum, default_value = "auto")]
    pub model: ModelArg,
    /// A cumulative budget or credit for one series: KEY=AMOUNT, KEY being the --by values
    /// joined with | (repeatable).
    #[arg(long = "budget", value_parser = parse_budget)]
    pub budgets: Vec<(String, Decimal)>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Time zone of the days (IANA name). Default UTC.
    #[arg(long, default_value = "UTC", value_parser = crate::parse_tz)]
    pub tz: chrono_tz::Tz,
    /// The cost column forecast (BilledCost, EffectiveCost, ListCost, ContractedCost).
    #[arg(long, default_value = "BilledCost", value_parser = crate::parse_cost_column)]
    pub cost: Column,
    /// Prediction interval level in percent.
    #[arg(long, default_value_t = 95, value_parser = parse_level)]
    pub level: u8,
}

fn parse_level(s: &str) -> Result<u8, String> {
    match s {
        "80" | "90" | "95" | "99" => s.parse().map_err(|e| format!("{e}")),
        _ => Err(format!("{s:?}: use 80, 90, 95 or 99")),
    }
}

/// One forecast series, ready to print.
#[derive(Debug, Clone)]
pub struct Row {
    /// The series key.
    pub key: finops_core::forecast::SeriesKey,
    /// The forecast.
    pub forecast: finops_core::forecast::Forecast,
    /// The budget given for it.
    pub budget: Option<Decimal>,
    /// Its run-out date.
    pub runout: Option<chrono::NaiveDate>,
}

/// Compute the forecasts.
pub fn compute(args: &ForecastArgs) -> anyhow::Result<Vec<Row>> {
    let mut q = SeriesQuery::new(&args.by)
        .with_tz(args.tz)
        .with_measure(args.cost)
        .before(args.as_of);
    q.threads = None;
    let all = daily_series_from_files(&args.inputs, &q)?;
    let Some(start) = all
        .iter()
        .filter_map(|s| s.series.keys().next().copied())
        .min()
    else {
        anyhow::bail!("no cost before {} in the input", args.as_of);
    };
    let model = match args.model {
        ModelArg::Auto => ModelChoice::Auto,
        ModelArg::Weekday => ModelChoice::Fixed(ModelKind::Weekday),
        ModelArg::Linear => ModelChoice::Fixed(ModelKind::Linear),
        ModelArg::Seasonal => ModelChoice::Fixed(ModelKind::Seasonal),
    };
    let opts = ForecastOptions::default()
        .with_model(model)
        .with_level(args.level);
    for (k, _) in &args.budgets {
        if !all.iter().any(|s| s.key.label() == *k) {
            let keys: Vec<String> = all.iter().map(|s| s.key.label()).collect();
            anyhow::bail!(
                "--budget {k}: no series has this key (keys: {})",
                keys.join(", ")
            );
        }
    }
    let hists: Vec<Dense> = all
        .iter()
        .map(|s| Dense::from_series(&s.series, DateRange::new(start, args.as_of)))
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results = forecast_all(&hists, args.as_of, args.horizon, &opts, threads);
    let mut rows = Vec::with_capacity(all.len());
    for ((s, h), f) in all.into_iter().zip(hists).zip(results) {
        let f = f.with_context(|| format!("series {}", s.key.label()))?;
        let budget = args
            .budgets
            .iter()
            .find(|(k, _)| *k == s.key.label())
            .map(|(_, a)| *a);
        let runout = budget.and_then(|b| run_out(&h, &f.daily, b).date());
        rows.push(Row {
            key: s.key,
            forecast: f,
            budget,
            runout,
        });
    }
    Ok(rows)
}

fn opt(d: Option<Decimal>) -> String {
    d.map(format_decimal).unwrap_or_default()
}

/// The JSON document of the CLI contract.
pub fn to_json(rows: &[Row]) -> serde_json::Value {
    let series: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let f = &r.forecast;
            let s = |d: Decimal| format_decimal(d);
            json!({
                "key": r.key,
                "currency": r.key.currency,
                "model": f.model.name(),
                "backtest": {
                    "mape": f.backtest.as_ref().and_then(|b| b.mape).map(s),
                    "bias": f.backtest.as_ref().and_then(|b| b.bias).map(s),
                },
                "forecast": {
                    "total": s(f.total),
                    "lower": s(f.lower),
                    "upper": s(f.upper),
                    "daily": f.daily.iter().map(|x| json!({
                        "date": x.date.to_string(),
                        "value": s(x.value),
                        "lower": s(x.lower),
                        "upper": s(x.upper),
                    })).collect::<Vec<_>>(),
                },
                "budget": r.budget.map(s),
                "runout_date": r.runout.map(|d| d.to_string()),
            })
        })
        .collect();
    json!({ "series": series })
}

/// Run `finops forecast`.
pub fn run(args: &ForecastArgs) -> anyhow::Result<()> {
    let rows = compute(args)?;
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer(&mut out, &to_json(&rows))?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            let mut header: Vec<String> = args
                .by
                .iter()
                .filter(|b| *b != "BillingCurrency")
                .cloned()
                .collect();
            header.extend(
                [
                    "BillingCurrency",
                    "model",
                    "mape",
                    "bias",
                    "total",
                    "lower",
                    "upper",
                    "budget",
                    "runout_date",
                ]
                .map(String::from),
            );
            w.write_record(&header)?;
            for r in &rows {
                let f = &r.forecast;
                let mut rec: Vec<String> = r
                    .key
                    .columns
                    .iter()
                    .map(|(_, v)| v.clone().unwrap_or_default())
                    .collect();
                rec.extend([
                    r.key.currency.clone(),
                    f.model.name().to_string(),
                    opt(f.backtest.as_ref().and_then(|b| b.mape)),
                    opt(f.backtest.as_ref().and_then(|b| b.bias)),
                    format_decimal(f.total),
                    format_decimal(f.lower),
                    format_decimal(f.upper),
                    opt(r.budget),
                    r.runout.map(|d| d.to_string()).unwrap_or_default(),
                ]);
                w.write_record(&rec)?;
            }
            w.flush()?;
        }
        OutputFormat::Table => {
            writeln!(
                out,
                "{:<32} {:<4} {:<8} {:>9} {:>9} {:>16} {:>16} {:>16} {:>12}",
                "series",
                "cur",
                "model",
                "MAPE %",
                "bias %",
                "forecast",
                "lower",
                "upper",
                "runout"
            )?;
            for r in &rows {
                let f = &r.forecast;
                writeln!(
                    out,
                    "{:<32} {:<4} {:<8} {:>9} {:>9} {:>16} {:>16} {:>16} {:>12}",
                    r.key.label(),
                    r.key.currency,
                    f.model.name(),
                    opt(f
                        .backtest
                        .as_ref()
                        .and_then(|b| b.mape)
                        .map(|d| d.round_dp(2))),
                    opt(f
                        .backtest
                        .as_ref()
                        .and_then(|b| b.bias)
                        .map(|d| d.round_dp(2))),
                    format_decimal(f.total.round_dp(2)),
                    format_decimal(f.lower.round_dp(2)),
                    format_decimal(f.upper.round_dp(2)),
                    r.runout.map(|d| d.to_string()).unwrap_or_else(|| {
                        if r.budget.is_some() {
                            "lasts".into()
                        } else {
                            String::new()
                        }
                    }),
                )?;
            }
        }
    }
    Ok(())
}
