//! The job's analysis over the whole `focus/` dataset, with `finops_core`: exact totals per
//! provider and billing month, top services and applications (showback by the allocation
//! rules), daily series and forecasts per provider with run-out dates, budgets with their
//! 50/80/100 % thresholds, anomalies with their causes, and the ArcGIS credit burn-down.
//!
//! Daily series: a record whose charge period is at most a day (25 h) counts on the local day
//! of its start; a longer one (OVH's monthly lines) is spread over the local days it covers,
//! in proportion to the hours, split exactly (largest remainder, 6 decimals), so a monthly
//! invoice line does not look like a one-day spike.

use crate::job::config::{AnalysisConfig, BudgetConfig, BudgetPeriod};
use crate::job::sources::Credit;
use anyhow::Context;
use chrono::{Datelike, Duration, Months, NaiveDate, TimeZone};
use chrono_tz::Tz;
use finops_core::aggregate::{AggregateQuery, aggregate_files, billing_month};
use finops_core::allocate::split_amount;
use finops_core::anomaly::{Anomaly, AnomalyOptions, detect};
use finops_core::budget::{Budget, BudgetStatus, evaluate};
use finops_core::focus::parquet::FocusParquetReader;
use finops_core::forecast::{
    DailySeries, DateRange, Dense, Forecast, ForecastOptions, SeriesKey, forecast, run_out,
};
use finops_core::{Column, CostRecord, Decimal};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Cost of one provider in one billing month and currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProviderMonth {
    /// `ProviderName`.
    pub provider: String,
    /// Billing month.
    pub month: String,
    /// Currency.
    pub currency: String,
    /// Σ BilledCost.
    pub billed: Decimal,
    /// Σ EffectiveCost.
    pub effective: Decimal,
}

/// Totals of one provider and currency over the whole dataset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Total {
    /// `ProviderName`.
    pub provider: String,
    /// Currency.
    pub currency: String,
    /// Σ BilledCost.
    pub billed: Decimal,
    /// Σ EffectiveCost.
    pub effective: Decimal,
}

/// A ranked item (service or application).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ranked {
    /// Its name.
    pub label: String,
    /// The provider it belongs to (empty when several).
    pub provider: String,
    /// Currency.
    pub currency: String,
    /// Σ BilledCost over the window.
    pub amount: Decimal,
}

/// One provider's daily series and forecast.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeriesForecast {
    /// `ProviderName`.
    pub provider: String,
    /// Currency.
    pub currency: String,
    /// Daily history (first day of data .. the day before as-of).
    pub history: Vec<(NaiveDate, Decimal)>,
    /// The forecast.
    pub forecast: Forecast,
}

/// A budget with the daily cumulative curve of its period.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BudgetView {
    /// The status (thresholds, run-out).
    pub status: BudgetStatus,
    /// Cumulative actual per day of the period before as-of.
    pub actual: Vec<(NaiveDate, Decimal)>,
    /// Cumulative actual + forecast per remaining day (value, lower, upper).
    pub projected: Vec<(NaiveDate, Decimal, Decimal, Decimal)>,
}

/// An ArcGIS organisation's credits over time.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BurnDown {
    /// Source id.
    pub source: String,
    /// Organisation.
    pub scope: String,
    /// Credits available at as-of.
    pub available: Decimal,
    /// Credits left at the end of each past day (back-computed from usage).
    pub history: Vec<(NaiveDate, Decimal)>,
    /// Credits left after each forecast day (value, lower, upper).
    pub forecast: Vec<(NaiveDate, Decimal, Decimal, Decimal)>,
    /// The day they run out at the forecast rate (None: not within the horizon).
    pub run_out: Option<NaiveDate>,
    /// Mean credits per day over the last 28 days.
    pub daily_mean: Decimal,
    /// Model used.
    pub model: String,
}

/// Everything the report shows.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Analysis {
    /// As-of day.
    pub as_of: Option<NaiveDate>,
    /// Billing months with data, sorted.
    pub months: Vec<String>,
    /// Per provider, month, currency.
    pub by_provider_month: Vec<ProviderMonth>,
    /// Per provider and currency, over the dataset.
    pub totals: Vec<Total>,
    /// Months of the window of the top lists.
    pub window: Vec<String>,
    /// Top services per currency.
    pub top_services: Vec<Ranked>,
    /// Top applications (showback targets) per currency.
    pub top_apps: Vec<Ranked>,
    /// Showback rows (target, month, currency, billed, effective).
    pub showback: Vec<(String, String, String, Decimal, Decimal)>,
    /// Forecasts per provider.
    pub forecasts: Vec<SeriesForecast>,
    /// Budgets.
    pub budgets: Vec<BudgetView>,
    /// Anomalies.
    pub anomalies: Vec<Anomaly>,
    /// ArcGIS burn-downs.
    pub burndowns: Vec<BurnDown>,
    /// Contracts and credits the sources reported.
    pub credits: Vec<Credit>,
    /// Problems of the analysis itself (a series too short, a rules file).
    pub errors: Vec<String>,
}

/// Local calendar days a charge period covers, with the hours in each.
fn day_weights(
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    tz: Tz,
) -> Vec<(NaiveDate, Decimal)> {
    let mut out = Vec::new();
    let mut t = start;
    let mut guard = 0;
    while t < end && guard < 4000 {
        guard += 1;
        let local = t.with_timezone(&tz).date_naive();
        let next_midnight = local
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|n| crate::job::analysis::instant(tz, n))
            .unwrap_or(end);
        let stop = next_midnight.min(end).max(t + Duration::seconds(1));
        let secs = (stop - t).num_seconds().max(0);
        out.push((local, Decimal::from(secs)));
        t = stop;
    }
    out
}

/// The instant of a local time (the first one in an ambiguous hour; after the gap in a
/// skipped one).
pub fn instant(tz: Tz, local: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    finops_core::schedule::instant_of(tz, local)
        .unwrap_or_else(|_| tz.from_utc_datetime(&local).with_timezone(&chrono::Utc))
}

/// Add a record's cost to a daily series (see the module docs).
pub fn add_spread(series: &mut DailySeries, r: &CostRecord, amount: Decimal, tz: Tz) {
    let p = r.charge_period;
    if p.end - p.start <= Duration::hours(25) {
        *series
            .entry(p.start.with_timezone(&tz).date_naive())
            .or_default() += amount;
        return;
    }
    let w = day_weights(p.start, p.end, tz);
    let weights: Vec<Decimal> = w.iter().map(|x| x.1).collect();
    match split_amount(amount, &weights, 6) {
        Some(pieces) => {
            for ((d, _), v) in w.iter().zip(pieces) {
                *series.entry(*d).or_default() += v;
            }
        }
        None => {
            *series
                .entry(p.start.with_timezone(&tz).date_naive())
                .or_default() += amount
        }
    }
}

fn explain_value(r: &CostRecord, by: &str) -> Option<String> {
    if let Some(k) = by.strip_prefix("tag:") {
        return r
            .tags
            .as_ref()
            .and_then(|t| t.get_ignore_case(k))
            .map(|v| v.into_owned());
    }
    if by.starts_with("x_") {
        return r.extensions.get(by).map(str::to_string);
    }
    Column::from_name(by).and_then(|c| r.get(c).to_text())
}

type Key = (String, String);

/// Daily series per (ProviderName, currency), and per value of `explain_by` within each.
#[derive(Debug, Default)]
struct Series {
    total: BTreeMap<Key, DailySeries>,
    parts: BTreeMap<Key, BTreeMap<Option<String>, DailySeries>>,
}

fn read_series(files: &[PathBuf], tz: Tz, explain_by: &str) -> anyhow::Result<Series> {
    let mut s = Series::default();
    for f in files {
        for r in FocusParquetReader::open(f)? {
            let r = r?;
            let key = (
                r.provider_name.clone(),
                r.billing_currency.as_str().to_string(),
            );
            add_spread(
                s.total.entry(key.clone()).or_default(),
                &r,
                r.billed_cost,
                tz,
            );
            add_spread(
                s.parts
                    .entry(key)
                    .or_default()
                    .entry(explain_value(&r, explain_by))
                    .or_default(),
                &r,
                r.billed_cost,
                tz,
            );
        }
    }
    Ok(s)
}

fn dec(v: &Option<Decimal>) -> Decimal {
    v.unwrap_or_default()
}

fn period_of(p: BudgetPeriod, as_of: NaiveDate) -> DateRange {
    let first = as_of.with_day(1).unwrap_or(as_of);
    let (start, months) = match p {
        BudgetPeriod::Month => (first, 1),
        BudgetPeriod::Quarter => {
            let m0 = (first.month0() / 3) * 3;
            (first.with_month0(m0).unwrap_or(first), 3)
        }
        BudgetPeriod::Year => (first.with_month(1).unwrap_or(first), 12),
    };
    DateRange::new(
        start,
        start
            .checked_add_months(Months::new(months))
            .unwrap_or(start),
    )
}

/// Cumulative actual points (day, total) and projected points (day, total, low, high).
type CumulativeView = (
    Vec<(NaiveDate, Decimal)>,
    Vec<(NaiveDate, Decimal, Decimal, Decimal)>,
);

fn cumulative_view(
    series: &DailySeries,
    range: DateRange,
    as_of: NaiveDate,
    opts: &ForecastOptions,
) -> CumulativeView {
    let mut actual = Vec::new();
    let mut cum = Decimal::ZERO;
    for d in DateRange::new(range.start, as_of.min(range.end)).days() {
        cum += series.get(&d).copied().unwrap_or_default();
        actual.push((d, cum));
    }
    let mut projected = Vec::new();
    if as_of < range.end
        && let Some(first) = series.range(..as_of).next().map(|(d, _)| *d)
    {
        let hist = Dense::from_series(series, DateRange::new(first, as_of));
        let h = (range.end - as_of).num_days().max(0) as u32;
        if let Ok(f) = forecast(&hist, as_of, h, opts) {
            let (mut c, mut lo, mut hi) = (cum, cum, cum);
            for x in f.daily.iter().filter(|x| range.contains(x.date)) {
                c += x.value;
                lo += x.lower.max(Decimal::ZERO);
                hi += x.upper;
                projected.push((x.date, c, lo, hi));
            }
        }
    }
    (actual, projected)
}

/// Options of [`analyze`].
#[derive(Debug, Clone)]
pub struct AnalyzeOptions<'a> {
    /// As-of day.
    pub as_of: NaiveDate,
    /// Zone of the days.
    pub tz: Tz,
    /// Months of the top lists.
    pub window_months: u32,
    /// `[analysis]`.
    pub cfg: &'a AnalysisConfig,
    /// `[[budget]]`.
    pub budgets: &'a [BudgetConfig],
    /// Where `showback.csv`, `allocated.parquet` and the JSON files go.
    pub out: &'a Path,
}

/// Run the analysis over the dataset `files`. `credits` and `arcgis` (per ArcGIS source: its
/// FOCUS files) come from the sources of this run.
pub fn analyze(
    files: &[PathBuf],
    credits: &[Credit],
    arcgis_files: &BTreeMap<String, Vec<PathBuf>>,
    o: &AnalyzeOptions<'_>,
) -> anyhow::Result<Analysis> {
    std::fs::create_dir_all(o.out)?;
    let mut a = Analysis {
        as_of: Some(o.as_of),
        credits: credits.to_vec(),
        ..Default::default()
    };
    if files.is_empty() {
        return Ok(a);
    }
    // Totals per provider and billing month (the exact aggregation engine).
    let q = AggregateQuery::new()
        .group_by("ProviderName")?
        .group_by("month")?
        .sum(Column::BilledCost)
        .sum(Column::EffectiveCost);
    let t = aggregate_files(files, &q)?;
    let mut f = finops_core::fs::AtomicFile::create(o.out.join("cost_by_provider_month.csv"))?;
    t.write_csv(&mut f)?;
    f.commit()?;
    for row in &t.rows {
        let k = |i: usize| row.key.get(i).cloned().flatten().unwrap_or_default();
        a.by_provider_month.push(ProviderMonth {
            provider: k(0),
            month: k(1),
            currency: k(2),
            billed: dec(&row.values[0]),
            effective: dec(&row.values[1]),
        });
    }
    let mut months: Vec<String> = a
        .by_provider_month
        .iter()
        .map(|r| r.month.clone())
        .collect();
    months.sort();
    months.dedup();
    a.months = months;
    let q = AggregateQuery::new()
        .group_by("ProviderName")?
        .sum(Column::BilledCost)
        .sum(Column::EffectiveCost);
    for row in aggregate_files(files, &q)?.rows {
        let k = |i: usize| row.key.get(i).cloned().flatten().unwrap_or_default();
        a.totals.push(Total {
            provider: k(0),
            currency: k(1),
            billed: dec(&row.values[0]),
            effective: dec(&row.values[1]),
        });
    }

    // The window of the top lists: the last `window_months` billing months up to as-of.
    let as_of_month = format!("{:04}-{:02}", o.as_of.year(), o.as_of.month());
    let first = o
        .as_of
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(o.window_months.saturating_sub(1))))
        .unwrap_or(o.as_of);
    let first_month = format!("{:04}-{:02}", first.year(), first.month());
    a.window = a
        .months
        .iter()
        .filter(|m| **m >= first_month && **m <= as_of_month)
        .cloned()
        .collect();
    let q = AggregateQuery::new()
        .group_by("ProviderName")?
        .group_by("ServiceName")?
        .group_by("month")?
        .sum(Column::BilledCost);
    let mut svc: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for row in aggregate_files(files, &q)?.rows {
        let k = |i: usize| row.key.get(i).cloned().flatten().unwrap_or_default();
        if a.window.contains(&k(2)) {
            *svc.entry((k(3), k(1), k(0))).or_default() += dec(&row.values[0]);
        }
    }
    a.top_services = top(svc, 10);

    // Showback: by the rules file, else per provider and sub-account.
    match &o.cfg.rules {
        Some(rules) => {
            let rules = finops_core::allocate::Rules::from_file(rules)?;
            let summary = finops_core::allocate::allocate_files(
                files,
                &rules,
                &o.out.join("allocated.parquet"),
            )?;
            let mut f = finops_core::fs::AtomicFile::create(o.out.join("showback.csv"))?;
            summary.showback.write_csv(&mut f)?;
            f.commit()?;
            for r in &summary.showback.rows {
                a.showback.push((
                    r.target.clone(),
                    r.month.clone(),
                    r.currency.clone(),
                    r.billed_cost,
                    r.effective_cost,
                ));
            }
        }
        None => {
            let q = AggregateQuery::new()
                .group_by("ProviderName")?
                .group_by("SubAccountName")?
                .group_by("BillingAccountName")?
                .group_by("month")?
                .sum(Column::BilledCost)
                .sum(Column::EffectiveCost);
            let mut rows = Vec::new();
            for row in aggregate_files(files, &q)?.rows {
                let k = |i: usize| row.key.get(i).cloned().flatten().unwrap_or_default();
                let name = if k(1).is_empty() { k(2) } else { k(1) };
                rows.push((
                    format!("{}/{}", k(0), name),
                    k(3),
                    k(4),
                    dec(&row.values[0]),
                    dec(&row.values[1]),
                ));
            }
            rows.sort();
            let mut text =
                String::from("AllocatedTo,month,BillingCurrency,BilledCost,EffectiveCost\n");
            {
                let mut w = csv::Writer::from_writer(Vec::new());
                for r in &rows {
                    w.write_record([
                        r.0.as_str(),
                        &r.1,
                        &r.2,
                        &finops_core::money::format_decimal(r.3),
                        &finops_core::money::format_decimal(r.4),
                    ])?;
                }
                text.push_str(&String::from_utf8(
                    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
                )?);
            }
            finops_core::fs::write_atomic(o.out.join("showback.csv"), text.as_bytes())?;
            a.showback = rows;
        }
    }
    let mut apps: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for (target, month, cur, billed, _) in &a.showback {
        if a.window.contains(month) {
            *apps
                .entry((cur.clone(), target.clone(), String::new()))
                .or_default() += *billed;
        }
    }
    a.top_apps = top(apps, 10);

    // Daily series, forecasts, anomalies.
    let series = read_series(files, o.tz, &o.cfg.explain_by)?;
    let fopts = ForecastOptions::default();
    for ((provider, currency), s) in &series.total {
        let Some(start) = s.keys().next().copied() else {
            continue;
        };
        if start >= o.as_of {
            continue;
        }
        let hist = Dense::from_series(s, DateRange::new(start, o.as_of));
        match forecast(&hist, o.as_of, o.cfg.horizon_days, &fopts) {
            Ok(fc) => a.forecasts.push(SeriesForecast {
                provider: provider.clone(),
                currency: currency.clone(),
                history: s.range(..o.as_of).map(|(d, v)| (*d, *v)).collect(),
                forecast: fc,
            }),
            Err(e) => a
                .errors
                .push(format!("forecast {provider} {currency}: {e}")),
        }
        let key = SeriesKey {
            columns: vec![("ProviderName".into(), Some(provider.clone()))],
            currency: currency.clone(),
        };
        let parts: Vec<(Option<String>, Dense)> = series
            .parts
            .get(&(provider.clone(), currency.clone()))
            .map(|m| {
                m.iter()
                    .map(|(v, ps)| {
                        (
                            v.clone(),
                            Dense::from_series(ps, DateRange::new(start, o.as_of)),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let aopts = AnomalyOptions::default().with_days(o.cfg.anomaly_days);
        match detect(&key, &hist, &parts, o.as_of, &aopts) {
            Ok(found) => a.anomalies.extend(found),
            Err(e) => a
                .errors
                .push(format!("anomalies {provider} {currency}: {e}")),
        }
    }
    a.anomalies
        .sort_by(|x, y| x.date.cmp(&y.date).then_with(|| x.key.cmp(&y.key)));

    // Budgets.
    for b in o.budgets {
        let mut s = DailySeries::new();
        for ((p, c), ser) in &series.total {
            if c == b.currency.as_str() && b.provider.as_deref().is_none_or(|bp| bp == p) {
                for (d, v) in ser {
                    *s.entry(*d).or_default() += *v;
                }
            }
        }
        let scope = SeriesKey {
            columns: vec![("ProviderName".into(), b.provider.clone())],
            currency: b.currency.to_string(),
        };
        let range = period_of(b.period, o.as_of);
        let budget = Budget::new(&b.name, scope, b.amount, range);
        match evaluate(&budget, &s, o.as_of, &fopts) {
            Ok(status) => {
                let (actual, projected) = cumulative_view(&s, range, o.as_of, &fopts);
                a.budgets.push(BudgetView {
                    status,
                    actual,
                    projected,
                });
            }
            Err(e) => a.errors.push(format!("budget {}: {e}", b.name)),
        }
    }

    // ArcGIS burn-down per organisation.
    for c in credits {
        let Credit::ArcgisOrg {
            source,
            scope,
            available,
            ..
        } = c
        else {
            continue;
        };
        let Some(src_files) = arcgis_files.get(source) else {
            continue;
        };
        let mut credits_per_day = DailySeries::new();
        for f in src_files {
            for r in FocusParquetReader::open(f).with_context(|| f.display().to_string())? {
                let r = r?;
                if r.consumed_unit.as_deref() == Some("Credits")
                    && let Some(q) = r.consumed_quantity
                {
                    add_spread(&mut credits_per_day, &r, q, o.tz);
                }
            }
        }
        let Some(start) = credits_per_day.keys().next().copied() else {
            continue;
        };
        if start >= o.as_of {
            continue;
        }
        let hist = Dense::from_series(&credits_per_day, DateRange::new(start, o.as_of));
        // Credits left at the end of day d = available + what was used after d.
        let mut after = Decimal::ZERO;
        let mut history = Vec::new();
        for (d, v) in hist
            .range()
            .days()
            .zip(hist.values.iter())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            history.push((d, *available + after));
            after += *v;
        }
        history.reverse();
        let horizon = o.cfg.horizon_days.max(365);
        match forecast(&hist, o.as_of, horizon, &fopts) {
            Ok(fc) => {
                let used: Decimal = hist.values.iter().copied().sum();
                let ro = run_out(&hist, &fc.daily, used + *available).date();
                let (mut left, mut lo, mut hi) = (*available, *available, *available);
                let mut fut = Vec::new();
                for x in &fc.daily {
                    left -= x.value;
                    lo -= x.upper;
                    hi -= x.lower.max(Decimal::ZERO);
                    fut.push((x.date, left, lo, hi));
                    if left <= Decimal::ZERO && lo <= Decimal::ZERO {
                        break;
                    }
                }
                let last28 = DateRange::new(o.as_of - Duration::days(28), o.as_of);
                let mean = finops_core::forecast::average_daily(&credits_per_day, last28)
                    .unwrap_or_default();
                a.burndowns.push(BurnDown {
                    source: source.clone(),
                    scope: scope.clone(),
                    available: *available,
                    history,
                    forecast: fut,
                    run_out: ro,
                    daily_mean: mean.round_dp(2),
                    model: fc.model.name().to_string(),
                });
            }
            Err(e) => a.errors.push(format!("credit burn-down {scope}: {e}")),
        }
    }

    // Machine-readable copies.
    let fj: Vec<crate::forecast_cmd::Row> = a
        .forecasts
        .iter()
        .map(|s| crate::forecast_cmd::Row {
            key: SeriesKey {
                columns: vec![("ProviderName".into(), Some(s.provider.clone()))],
                currency: s.currency.clone(),
            },
            forecast: s.forecast.clone(),
            budget: None,
            runout: None,
        })
        .collect();
    write_json(
        &o.out.join("forecasts.json"),
        &crate::forecast_cmd::to_json(&fj),
    )?;
    write_json(
        &o.out.join("anomalies.json"),
        &serde_json::json!({ "anomalies": a.anomalies }),
    )?;
    let budgets: Vec<&BudgetStatus> = a.budgets.iter().map(|b| &b.status).collect();
    write_json(
        &o.out.join("budgets.json"),
        &serde_json::json!({ "budgets": budgets }),
    )?;
    write_json(
        &o.out.join("credits.json"),
        &serde_json::json!({ "credits": a.credits, "burndown": a.burndowns }),
    )?;
    Ok(a)
}

/// Write pretty JSON atomically.
pub fn write_json(path: &Path, v: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(v)?;
    bytes.push(b'\n');
    finops_core::fs::write_atomic(path, &bytes)?;
    Ok(())
}

/// Top `n` per currency (key: currency, label, provider).
fn top(m: BTreeMap<(String, String, String), Decimal>, n: usize) -> Vec<Ranked> {
    let mut per: BTreeMap<String, Vec<Ranked>> = BTreeMap::new();
    for ((currency, label, provider), amount) in m {
        per.entry(currency.clone()).or_default().push(Ranked {
            label,
            provider,
            currency,
            amount,
        });
    }
    let mut out = Vec::new();
    for (_, mut v) in per {
        v.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.label.cmp(&b.label)));
        v.truncate(n);
        out.extend(v);
    }
    out
}

/// The billing month of a record (re-exported for the report).
pub fn month_of(r: &CostRecord) -> String {
    billing_month(r.billing_period.start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::focus::{ChargeCategory, ServiceCategory};
    use finops_core::{Currency, Period};

    #[test]
    fn monthly_lines_are_spread_exactly_over_local_days() {
        let paris = chrono_tz::Europe::Paris;
        // October 2026 in Paris: 31 days, one of them 25 h long (DST ends on the 25th).
        let start = instant(
            paris,
            NaiveDate::from_ymd_opt(2026, 10, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        );
        let end = instant(
            paris,
            NaiveDate::from_ymd_opt(2026, 11, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        );
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let mut r = CostRecord::new(
            "OVHcloud",
            "a",
            Currency::new("EUR").unwrap(),
            Period::month_of(d),
            Period::new(start, end).unwrap(),
            ChargeCategory::Usage,
            "x",
            ServiceCategory::Compute,
            Decimal::from(745),
        );
        r.billed_cost = Decimal::from(745);
        let mut s = DailySeries::new();
        add_spread(&mut s, &r, r.billed_cost, paris);
        assert_eq!(s.len(), 31);
        assert_eq!(s.values().copied().sum::<Decimal>(), Decimal::from(745));
        assert_eq!(
            s[&NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()],
            Decimal::from(25)
        );
        assert_eq!(
            s[&NaiveDate::from_ymd_opt(2026, 10, 24).unwrap()],
            Decimal::from(24)
        );
        // A daily record stays on its day.
        let mut s = DailySeries::new();
        let mut r2 = r.clone();
        r2.charge_period = Period::day(d);
        add_spread(&mut s, &r2, Decimal::ONE, paris);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn budget_periods() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let q = period_of(BudgetPeriod::Quarter, d);
        assert_eq!(
            (q.start.to_string(), q.end.to_string()),
            ("2026-10-01".into(), "2027-01-01".into())
        );
        let y = period_of(BudgetPeriod::Year, d);
        assert_eq!(y.start.to_string(), "2026-01-01");
        assert_eq!(period_of(BudgetPeriod::Month, d).len_days(), 30);
    }
}
