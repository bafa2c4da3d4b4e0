//! Cost anomalies: days whose cost leaves the forecast model's interval, with the
//! contribution of each value of a chosen column (ServiceName by default) to the deviation,
//! so that a spike names its cause.
//!
//! # Method
//!
//! For a series (one group and currency) and each day `d` of the window
//! `[as_of − days, as_of)`:
//!
//! 1. The model is chosen once per series by the automatic choice of
//!    [`crate::forecast::forecast`] at the first day of the window (so a spike inside the
//!    window cannot pick the model that hides it).
//! 2. That model is trained on the days before `d` and forecasts `d`: `expected`, with the
//!    interval `expected ± max(z · σ, min_relative · |expected|)`, σ the model's backtest
//!    RMSE at that origin and z the normal quantile of [`AnomalyOptions::level_percent`]
//!    (99 % by default). The relative floor (10 % by default) keeps a perfectly regular
//!    series (σ = 0) from flagging cent-level noise. For a series that never goes below zero
//!    the lower bound is floored at zero.
//! 3. `d` is an anomaly when its actual cost is below `lower` or above `upper`.
//! 4. Contributors: the same model forecasts `d` for each value of the explaining column
//!    (its own sub-series); `delta = actual − expected` per value. They are listed in the
//!    direction of the anomaly (largest increase first for a spike, largest decrease first
//!    for a drop), values with a zero delta left out.
//!
//! Amounts are exact decimals, rounded like forecasts ([`crate::forecast::model::VALUE_SCALE`]).

use crate::forecast::model::{VALUE_SCALE, round_value};
use crate::forecast::{
    DateRange, Dense, ForecastOptions, KeyedSeries, ModelChoice, ModelKind, SeriesKey, SeriesQuery,
    forecast, series,
};
use crate::{Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;

/// Options of the detection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnomalyOptions {
    /// Days checked before the as-of day (default 7).
    pub days: u32,
    /// Interval level in percent (80, 90, 95 or 99; default 99).
    pub level_percent: u8,
    /// Smallest half-width of the interval, as a fraction of the expected value (0.1).
    pub min_relative: Decimal,
    /// Model options (look-back, backtest folds).
    pub forecast: ForecastOptions,
}

impl Default for AnomalyOptions {
    fn default() -> Self {
        AnomalyOptions {
            days: 7,
            level_percent: 99,
            min_relative: Decimal::new(1, 1),
            forecast: ForecastOptions::default(),
        }
    }
}

impl AnomalyOptions {
    /// Check this many days.
    pub fn with_days(mut self, days: u32) -> Self {
        self.days = days;
        self
    }
}

/// One contributor to an anomaly.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Contributor {
    /// The value of the explaining column (null as `None`).
    pub value: Option<String>,
    /// Actual − expected for that value on the day.
    pub delta: Decimal,
}

/// A day whose cost left the model's interval.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Anomaly {
    /// The day (calendar date in the series' time zone).
    pub date: NaiveDate,
    /// The series' group-by columns and values (`{"COL": VALUE}`).
    pub key: SeriesKey,
    /// Currency of the amounts.
    pub currency: String,
    /// Actual cost of the day.
    pub actual: Decimal,
    /// The model's expected cost.
    pub expected: Decimal,
    /// Lower bound of the interval.
    pub lower: Decimal,
    /// Upper bound of the interval.
    pub upper: Decimal,
    /// The model used.
    #[serde(skip)]
    pub model: ModelKind,
    /// Contributions of the explaining column's values, biggest first.
    pub contributors: Vec<Contributor>,
}

impl Anomaly {
    /// A stable identifier for alert de-duplication: `anomaly/<series id>/<date>`.
    pub fn id(&self) -> String {
        format!("anomaly/{}/{}", self.key.id(), self.date)
    }
}

/// The expected value and interval of day `d` (`history` ends the day before `d`).
fn expect(
    kind: ModelKind,
    history: &Dense,
    d: NaiveDate,
    opts: &AnomalyOptions,
) -> Result<(Decimal, Decimal, Decimal)> {
    let fo = ForecastOptions {
        model: ModelChoice::Fixed(kind),
        level_percent: opts.level_percent,
        ..opts.forecast.clone()
    };
    let f = forecast(history, d, 1, &fo)?;
    let day = f
        .daily
        .first()
        .ok_or_else(|| Error::InvalidArgument("empty forecast".into()))?;
    let floor = round_value(day.value.abs() * opts.min_relative);
    let half = (day.upper - day.value).max(floor);
    let mut lower = day.value - half;
    if history.values.iter().all(|v| !v.is_sign_negative()) {
        lower = lower.max(Decimal::ZERO);
    }
    Ok((
        day.value,
        lower.round_dp(VALUE_SCALE).normalize(),
        (day.value + half).round_dp(VALUE_SCALE).normalize(),
    ))
}

fn prefix(h: &Dense, end: NaiveDate) -> Dense {
    let n = (end - h.start).num_days().max(0) as usize;
    Dense {
        start: h.start,
        values: h.values[..n.min(h.values.len())].to_vec(),
    }
}

/// Find the anomalies of one series. `history` covers the days up to the day before
/// `as_of`; `parts` are the sub-series of the explaining column over the same days (they
/// should add up to `history`; empty for no explanation).
pub fn detect(
    key: &SeriesKey,
    history: &Dense,
    parts: &[(Option<String>, Dense)],
    as_of: NaiveDate,
    opts: &AnomalyOptions,
) -> Result<Vec<Anomaly>> {
    let first = as_of
        .checked_sub_days(chrono::Days::new(u64::from(opts.days)))
        .unwrap_or(history.start)
        .max(history.start + chrono::Days::new(1));
    if first >= as_of {
        return Ok(Vec::new());
    }
    let chooser = ForecastOptions {
        model: ModelChoice::Auto,
        ..opts.forecast.clone()
    };
    let kind = forecast(&prefix(history, first), first, 1, &chooser)?.model;
    let mut out = Vec::new();
    for d in DateRange::new(first, as_of).days() {
        let actual = history.get(d);
        let (expected, lower, upper) = expect(kind, &prefix(history, d), d, opts)?;
        if actual >= lower && actual <= upper {
            continue;
        }
        let up = actual > upper;
        let mut contributors = Vec::new();
        for (value, p) in parts {
            let (e, _, _) = expect(kind, &prefix(p, d), d, opts)?;
            let delta = (p.get(d) - e).normalize();
            if !delta.is_zero() {
                contributors.push(Contributor {
                    value: value.clone(),
                    delta,
                });
            }
        }
        contributors.sort_by(|a, b| {
            let o = if up {
                b.delta.cmp(&a.delta)
            } else {
                a.delta.cmp(&b.delta)
            };
            o.then_with(|| a.value.cmp(&b.value))
        });
        out.push(Anomaly {
            date: d,
            key: key.clone(),
            currency: key.currency.clone(),
            actual: actual.normalize(),
            expected,
            lower,
            upper,
            model: kind,
            contributors,
        });
    }
    Ok(out)
}

/// Group keyed series of `by + [explain]` into parents (the `by` columns) with their parts.
fn group(
    all: Vec<KeyedSeries>,
    nby: usize,
    explain: bool,
) -> BTreeMap<SeriesKey, Vec<(Option<String>, crate::forecast::DailySeries)>> {
    let mut out: BTreeMap<SeriesKey, Vec<_>> = BTreeMap::new();
    for ks in all {
        let parent = SeriesKey {
            columns: ks.key.columns[..nby].to_vec(),
            currency: ks.key.currency.clone(),
        };
        let value = if explain {
            ks.key.columns.get(nby).and_then(|(_, v)| v.clone())
        } else {
            None
        };
        out.entry(parent).or_default().push((value, ks.series));
    }
    out
}

/// Detect anomalies in FOCUS files: series per `query.by` group and currency (days in
/// `query.tz`), explained by `explain_by` (a FOCUS column, `x_` column or `tag:KEY`), over
/// the `opts.days` days before `as_of`. Sorted by date, then key.
pub fn anomalies_from_files<P: AsRef<Path>>(
    paths: &[P],
    query: &SeriesQuery,
    explain_by: Option<&str>,
    as_of: NaiveDate,
    opts: &AnomalyOptions,
) -> Result<Vec<Anomaly>> {
    let mut q = query.clone().before(as_of);
    let nby = q.by.iter().filter(|b| *b != "BillingCurrency").count();
    q.by.retain(|b| b != "BillingCurrency");
    if let Some(e) = explain_by {
        q.by.push(e.to_string());
    }
    let all = series::daily_series_from_files(paths, &q)?;
    let mut out = Vec::new();
    for (key, parts) in group(all, nby, explain_by.is_some()) {
        let start = parts
            .iter()
            .filter_map(|(_, s)| s.keys().next().copied())
            .min();
        let Some(start) = start else { continue };
        let range = DateRange::new(start, as_of);
        let dense_parts: Vec<(Option<String>, Dense)> = parts
            .iter()
            .map(|(v, s)| (v.clone(), Dense::from_series(s, range)))
            .collect();
        let mut total = Dense {
            start,
            values: vec![Decimal::ZERO; range.len_days() as usize],
        };
        for (_, p) in &dense_parts {
            for (t, v) in total.values.iter_mut().zip(&p.values) {
                *t += *v;
            }
        }
        let parts = if explain_by.is_some() {
            dense_parts
        } else {
            Vec::new()
        };
        out.extend(detect(&key, &total, &parts, as_of, opts)?);
    }
    out.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.key.cmp(&b.key)));
    Ok(out)
}
