//! Budgets per scope and period: actual spend plus forecast against the budget, with the
//! 50 / 80 / 100 % thresholds an alert policy turns into alerts.
//!
//! A [`Budget`] names a scope (a [`SeriesKey`]: group-by columns, values and currency), an
//! amount and a period of calendar days. [`evaluate`] takes the scope's daily series and an
//! as-of day and returns a [`BudgetStatus`]:
//!
//! - `actual`: spend on the days of the period before the as-of day;
//! - `forecast`: the forecast of the remaining days of the period (the model of
//!   [`crate::forecast::forecast`], trained on the series' days before the as-of day);
//! - per threshold of [`THRESHOLDS`], the day actual spend reached it (`reached_on`) and, if
//!   not yet, the day actual + forecast is expected to reach it within the period
//!   (`expected_on`);
//! - `runout_date`: the day 100 % is (or is expected to be) reached.
//!
//! Every type here is `Clone + Debug + Serialize` with stable field names; [`BudgetStatus::alert_key`]
//! gives a stable identifier per budget, period, threshold and kind (actual or forecast)
//! so an alert is raised once per crossing.
//!
//! ```
//! use chrono::NaiveDate;
//! use finops_core::budget::{Budget, evaluate};
//! use finops_core::forecast::{DailySeries, DateRange, ForecastOptions, SeriesKey};
//! use finops_core::Decimal;
//! let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
//! let mut s = DailySeries::new();
//! for day in DateRange::new(d(10, 1), d(11, 10)).days() { s.insert(day, Decimal::from(10)); }
//! let scope = SeriesKey { columns: vec![("ProviderName".into(), Some("OVHcloud".into()))],
//!                         currency: "EUR".into() };
//! let b = Budget::new("ovh-nov", scope, Decimal::from(250), DateRange::new(d(11, 1), d(12, 1)));
//! let st = evaluate(&b, &s, d(11, 10), &ForecastOptions::default())?;
//! assert_eq!(st.actual, Decimal::from(90));          // 9 days at 10
//! assert_eq!(st.forecast, Decimal::from(210));       // 21 days left at 10
//! assert!(st.crossed().is_empty());                  // 36 % spent
//! assert_eq!(st.projected_crossed(), vec![50, 80, 100]);
//! assert_eq!(st.runout_date, Some(d(11, 25)));       // 250 reached on the 25th
//! assert_eq!(st.alert_key(100, false), "budget/ovh-nov/2026-11-01/100/forecast");
//! # Ok::<(), finops_core::Error>(())
//! ```

use crate::forecast::{
    DailySeries, DateRange, Dense, ForecastOptions, ModelKind, SeriesKey, forecast,
};
use crate::{Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The thresholds evaluated, in percent of the budget.
pub const THRESHOLDS: [u8; 3] = [50, 80, 100];

/// A budget.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Budget {
    /// Stable name (unique per scope), used in alert keys.
    pub name: String,
    /// What it covers: group-by columns, values and currency.
    pub scope: SeriesKey,
    /// Amount, in the scope's currency.
    pub amount: Decimal,
    /// The days it covers.
    pub period: DateRange,
}

impl Budget {
    /// A budget.
    pub fn new(
        name: impl Into<String>,
        scope: SeriesKey,
        amount: Decimal,
        period: DateRange,
    ) -> Self {
        Budget {
            name: name.into(),
            scope,
            amount,
            period,
        }
    }
}

/// One threshold of a budget.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ThresholdStatus {
    /// Percent of the budget (50, 80, 100).
    pub percent: u8,
    /// The amount the threshold stands for.
    pub amount: Decimal,
    /// The day actual spend reached it (`None`: not reached before the as-of day).
    pub reached_on: Option<NaiveDate>,
    /// When not reached yet: the day actual + forecast is expected to reach it within the
    /// period (`None`: not expected to).
    pub expected_on: Option<NaiveDate>,
}

/// A budget evaluated at an as-of day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BudgetStatus {
    /// The budget.
    pub budget: Budget,
    /// The as-of day (spend counts up to the day before).
    pub as_of: NaiveDate,
    /// Spend in the period before the as-of day.
    pub actual: Decimal,
    /// Forecast of the rest of the period.
    pub forecast: Decimal,
    /// `actual + forecast`.
    pub projected: Decimal,
    /// `actual ÷ amount` in percent (2 decimals; `None` for a zero budget).
    pub actual_percent: Option<Decimal>,
    /// `projected ÷ amount` in percent (2 decimals).
    pub projected_percent: Option<Decimal>,
    /// The model of the forecast (`None` when the period is over or there is no history).
    pub model: Option<ModelKind>,
    /// Each of [`THRESHOLDS`].
    pub thresholds: Vec<ThresholdStatus>,
    /// The day 100 % is reached, actually or by forecast.
    pub runout_date: Option<NaiveDate>,
}

impl BudgetStatus {
    /// Thresholds reached by actual spend.
    pub fn crossed(&self) -> Vec<u8> {
        self.thresholds
            .iter()
            .filter(|t| t.reached_on.is_some())
            .map(|t| t.percent)
            .collect()
    }

    /// Thresholds reached by actual spend or expected to be within the period.
    pub fn projected_crossed(&self) -> Vec<u8> {
        self.thresholds
            .iter()
            .filter(|t| t.reached_on.is_some() || t.expected_on.is_some())
            .map(|t| t.percent)
            .collect()
    }

    /// Stable alert key: `budget/<name>/<period start>/<percent>/<actual|forecast>`.
    pub fn alert_key(&self, percent: u8, actual: bool) -> String {
        format!(
            "budget/{}/{}/{}/{}",
            self.budget.name,
            self.budget.period.start,
            percent,
            if actual { "actual" } else { "forecast" }
        )
    }
}

fn percent_of(x: Decimal, of: Decimal) -> Option<Decimal> {
    if of.is_zero() {
        return None;
    }
    x.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|v| v.checked_div(of))
        .map(|v| v.round_dp(2).normalize())
}

/// Evaluate `budget` on its scope's daily `series` at `as_of`; see the module docs.
pub fn evaluate(
    budget: &Budget,
    series: &DailySeries,
    as_of: NaiveDate,
    opts: &ForecastOptions,
) -> Result<BudgetStatus> {
    if budget.amount.is_sign_negative() {
        return Err(Error::InvalidArgument(format!(
            "budget {}: negative amount {}",
            budget.name, budget.amount
        )));
    }
    let p = budget.period;
    let actual_range = DateRange::new(p.start, as_of.min(p.end));
    let rest = DateRange::new(as_of.max(p.start), p.end);
    let mut days: Vec<(NaiveDate, Decimal)> = actual_range
        .days()
        .map(|d| (d, series.get(&d).copied().unwrap_or_default()))
        .collect();
    let n_actual = days.len();
    let mut model = None;
    if !rest.is_empty()
        && let Some(first) = series.range(..as_of).next().map(|(d, _)| *d)
    {
        let hist = Dense::from_series(series, DateRange::new(first, as_of));
        // Forecast from as-of to the end of the period; keep the days inside it.
        let h = (p.end - as_of).num_days().max(0) as u32;
        let f = forecast(&hist, as_of, h, opts)?;
        model = Some(f.model);
        days.extend(
            f.daily
                .into_iter()
                .filter(|x| rest.contains(x.date))
                .map(|x| (x.date, x.value)),
        );
    }
    let actual: Decimal = days[..n_actual].iter().map(|x| x.1).sum();
    let fc: Decimal = days[n_actual..].iter().map(|x| x.1).sum();
    let thresholds = THRESHOLDS
        .iter()
        .map(|&pct| {
            let amount = budget.amount * Decimal::from(pct) / Decimal::ONE_HUNDRED;
            let mut cum = Decimal::ZERO;
            let mut hit = None;
            for (i, (d, v)) in days.iter().enumerate() {
                cum += *v;
                if cum >= amount {
                    hit = Some((i < n_actual, *d));
                    break;
                }
            }
            ThresholdStatus {
                percent: pct,
                amount: amount.normalize(),
                reached_on: hit.filter(|h| h.0).map(|h| h.1),
                expected_on: hit.filter(|h| !h.0).map(|h| h.1),
            }
        })
        .collect::<Vec<_>>();
    let runout_date = thresholds
        .iter()
        .find(|t| t.percent == 100)
        .and_then(|t| t.reached_on.or(t.expected_on));
    Ok(BudgetStatus {
        budget: budget.clone(),
        as_of,
        actual: actual.normalize(),
        forecast: fc.normalize(),
        projected: (actual + fc).normalize(),
        actual_percent: percent_of(actual, budget.amount),
        projected_percent: percent_of(actual + fc, budget.amount),
        model,
        thresholds,
        runout_date,
    })
}
