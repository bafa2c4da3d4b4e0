//! `forecast-bench [--series N] [--days D] [--horizon H] [--threads T]`: time the automatic
//! forecast (three models, 4-fold rolling-origin backtest each, interval) of N synthetic
//! daily series of D days, in-process, and print one markdown table row.

use anyhow::Context;
use chrono::NaiveDate;
use finops_core::Decimal;
use finops_core::forecast::{Dense, ForecastOptions, forecast_all};

fn main() -> anyhow::Result<()> {
    let (mut n, mut days, mut horizon, mut threads) = (10_000usize, 400usize, 30u32, 2usize);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().context("a value")?;
        match a.as_str() {
            "--series" => n = v.parse()?,
            "--days" => days = v.parse()?,
            "--horizon" => horizon = v.parse()?,
            "--threads" => threads = v.parse()?,
            other => anyhow::bail!("unknown argument {other:?}"),
        }
    }
    let start = NaiveDate::from_ymd_opt(2025, 1, 6).context("date")?;
    let hists: Vec<Dense> = (0..n)
        .map(|i| Dense {
            start,
            values: finops_benches::daily_series(i as u64, days),
        })
        .collect();
    let as_of = start + chrono::Days::new(days as u64);
    let t0 = std::time::Instant::now();
    let out = forecast_all(&hists, as_of, horizon, &ForecastOptions::default(), threads);
    let dt = t0.elapsed();
    let mut models = std::collections::BTreeMap::<&str, usize>::new();
    let mut total = Decimal::ZERO;
    for f in &out {
        let f = f.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
        *models.entry(f.model.name()).or_default() += 1;
        total += f.total;
    }
    println!(
        "| {n} series × {days} days, horizon {horizon}, {threads} threads | {:.2} s | {:.0} µs/series | models chosen {:?} | Σ forecast {} |",
        dt.as_secs_f64(),
        dt.as_secs_f64() * 1e6 / n as f64,
        models,
        total.round_dp(2)
    );
    Ok(())
}
