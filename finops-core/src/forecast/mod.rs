//! Forecasting over daily cost series: the seed-001 weekday model (averages over a look-back
//! window, a weekday-profile forecast to an end date, the date a credit runs out, a backtest
//! error), a linear trend and a weekly-seasonal Holt-Winters model, a rolling-origin backtest
//! (MAPE, bias) with automatic model choice, prediction intervals and run-out dates.
//!
//! # Brief overview
//!
//! - [`WeekdayProfile`], [`weekday_forecast`], [`run_out_date`], [`backtest_weekday`]: the
//!   seed-001 method, used as-is by the OCI contract report (one implementation: the
//!   [`ModelKind::Weekday`] model is this profile).
//! - [`series::daily_series_from_files`] / [`series::daily_series_from_records`]: daily
//!   series of any group (`ProviderName`, `SubAccountId`, `tag:app`, `x_Contract`, …) per
//!   billing currency, built by the exact aggregation engine, days in a stated time zone.
//! - [`forecast()`]: one series → a [`Forecast`] (model, backtest, daily values with
//!   interval, total); [`run_out`]: the day a cumulative budget or credit is reached.
//!
//! Everything here is a pure function of a [`DailySeries`] and dates passed in (the as-of
//! date is a parameter, never the wall clock).
//!
//! # Numbers
//!
//! Money stays exact [`Decimal`] in the weekday and linear models (means and least squares
//! in decimal arithmetic; `sum × remaining ÷ count` multiplies before dividing). The
//! Holt-Winters recursion and the interval width (a standard deviation) are computed in
//! `f64` on the *shape* of the series; their outputs are converted back to `Decimal` and
//! rounded to [`model::VALUE_SCALE`] (6) decimal places, as every model's daily values are.
//! Totals are the exact sums of those rounded daily values, so a total always equals the sum
//! of its days to the last digit. The f64 rounding error (about 1e-15 relative) is far
//! below the 6th decimal for any realistic amount.
//!
//! # Conventions
//!
//! - A [`DateRange`] is half-open `[start, end)` over calendar days. Days are calendar
//!   dates in the time zone the series was built in (UTC by default), so month ends and DST
//!   changes are ordinary days.
//! - A day missing from the series consumed nothing (billing APIs omit zero days), so means
//!   divide by **calendar days** in the window, not by days with data.
//! - Weekday arrays are indexed Monday = 0 … Sunday = 6 (`Weekday::num_days_from_monday`).
//! - The training window is the look-back window of the seed: the 2 calendar months before
//!   the forecast origin, never before the first day of history.
//! - Rolling-origin backtest: 4 folds of 7 days (origins 7, 14, 21, 28 days before the
//!   as-of day), each trained on the look-back window before its origin. MAPE is the mean of
//!   `|forecast − actual| ÷ |actual|` × 100 over days with a non-zero actual; bias is
//!   `(Σ forecast − Σ actual) ÷ |Σ actual|` × 100 (positive = over-forecast). The automatic
//!   choice keeps the model with the smallest mean absolute error (MAPE is undefined on
//!   zero days), ties going to the simpler model (weekday, linear, seasonal).
//!
//! ```
//! use chrono::NaiveDate;
//! use finops_core::forecast::{DailySeries, DateRange, WeekdayProfile, weekday_forecast};
//! use rust_decimal::Decimal;
//! let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
//! let mut s = DailySeries::new();
//! for day in 1..=14 { s.insert(d(9, day), Decimal::from(10)); }
//! let profile = WeekdayProfile::from_series(&s, DateRange::new(d(9, 1), d(9, 15)));
//! let f = weekday_forecast(&profile, DateRange::new(d(9, 15), d(9, 22)));
//! assert_eq!(f.total, Decimal::from(70));
//! ```
//!
//! The general path, with the automatic choice:
//!
//! ```
//! use chrono::NaiveDate;
//! use finops_core::forecast::{Dense, ForecastOptions, ModelKind, forecast, run_out};
//! use rust_decimal::Decimal;
//! let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(); // a Monday
//! // Eight weeks: weekdays 10, weekends 4.
//! let values = (0..56).map(|i| Decimal::from(if i % 7 >= 5 { 4 } else { 10 })).collect();
//! let history = Dense { start, values };
//! let as_of = history.range().end;
//! let f = forecast(&history, as_of, 7, &ForecastOptions::default())?;
//! assert_eq!(f.model, ModelKind::Weekday);
//! assert_eq!(f.total, Decimal::from(58));
//! assert_eq!(f.backtest.unwrap().mape, Some(Decimal::ZERO));
//! // 8 weeks cost 464; a budget of 500 is reached on the 4th forecast day (Thursday).
//! let r = run_out(&history, &f.daily, Decimal::from(500));
//! assert_eq!(r.date(), Some(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()));
//! # Ok::<(), finops_core::Error>(())
//! ```

use chrono::{Datelike, Months, NaiveDate, Weekday};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

mod auto;
pub mod model;
pub mod series;

pub use auto::{
    BacktestScore, DailyForecast, Forecast, ForecastOptions, ModelChoice, backtest, forecast,
    forecast_all, run_out,
};
pub use model::{Dense, ModelKind};
pub use series::{KeyedSeries, SeriesKey, SeriesQuery};

/// Cost per calendar day (missing day = nothing consumed).
pub type DailySeries = BTreeMap<NaiveDate, Decimal>;

/// Weekday names, Monday first (the index order of every weekday array here).
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A half-open range of calendar days `[start, end)`. `end <= start` is an empty range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DateRange {
    /// First day (inclusive).
    pub start: NaiveDate,
    /// Day after the last (exclusive).
    pub end: NaiveDate,
}

impl DateRange {
    /// `[start, end)`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Self {
        DateRange { start, end }
    }

    /// `[first, last]`, both inclusive (a contract's last day).
    pub fn inclusive(first: NaiveDate, last: NaiveDate) -> Self {
        DateRange {
            start: first,
            end: last.succ_opt().unwrap_or(last),
        }
    }

    /// Whether the range holds no day.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Number of days in the range (0 when empty).
    pub fn len_days(&self) -> u32 {
        if self.is_empty() {
            0
        } else {
            u32::try_from((self.end - self.start).num_days()).unwrap_or(u32::MAX)
        }
    }

    /// Whether `d` is in the range.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d < self.end
    }

    /// The days of the range, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.start
            .iter_days()
            .take_while(move |d| *d < self.end)
            .take(self.len_days() as usize)
    }

    /// The intersection with `other` (possibly empty).
    pub fn intersect(&self, other: &DateRange) -> DateRange {
        DateRange {
            start: self.start.max(other.start),
            end: self.end.min(other.end),
        }
    }

    /// How many days of each weekday the range holds (Monday first).
    pub fn weekday_counts(&self) -> [u32; 7] {
        let mut counts = [0u32; 7];
        let n = self.len_days();
        // Whole weeks add one of each weekday; the remainder walks from `start`.
        let weeks = n / 7;
        counts.fill(weeks);
        let first = self.start.weekday().num_days_from_monday();
        for i in 0..(n % 7) {
            counts[((first + i) % 7) as usize] += 1;
        }
        counts
    }
}

impl std::fmt::Display for DateRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}, {})", self.start, self.end)
    }
}

/// `date` moved back by `months` calendar months (day clamped to the month's length:
/// 31 March − 1 month = 28/29 February).
pub fn months_before(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// The look-back window `[as_of − months, as_of)`, starting no earlier than `floor` (a
/// contract start). The as-of day itself is excluded (it is not over yet).
pub fn lookback_window(as_of: NaiveDate, months: u32, floor: Option<NaiveDate>) -> DateRange {
    let start = months_before(as_of, months);
    DateRange::new(floor.map_or(start, |f| start.max(f)), as_of)
}

/// Sum of the series over `range`.
pub fn total(series: &DailySeries, range: DateRange) -> Decimal {
    if range.is_empty() {
        return Decimal::ZERO;
    }
    series.range(range.start..range.end).map(|(_, v)| *v).sum()
}

/// Mean cost per calendar day over `range` (`None` for an empty range).
pub fn average_daily(series: &DailySeries, range: DateRange) -> Option<Decimal> {
    let n = range.len_days();
    if n == 0 {
        return None;
    }
    total(series, range).checked_div(Decimal::from(n))
}

/// Totals per calendar month over `range`: `(year, month, total)` for every month the range
/// touches, zero-filled, in order.
pub fn monthly_totals(series: &DailySeries, range: DateRange) -> Vec<(i32, u32, Decimal)> {
    let mut out: Vec<(i32, u32, Decimal)> = Vec::new();
    if range.is_empty() {
        return out;
    }
    let mut month_start =
        NaiveDate::from_ymd_opt(range.start.year(), range.start.month(), 1).unwrap_or(range.start);
    while month_start < range.end {
        let next = month_start
            .checked_add_months(Months::new(1))
            .unwrap_or(NaiveDate::MAX);
        let part = range.intersect(&DateRange::new(month_start, next));
        out.push((month_start.year(), month_start.month(), total(series, part)));
        if next == NaiveDate::MAX {
            break;
        }
        month_start = next;
    }
    out
}

/// Cost per weekday over a window: the sum for each weekday and how many of its days the
/// window holds (calendar days, whether or not the series has a value for them).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WeekdayProfile {
    /// The window the profile was built from.
    pub window: DateRange,
    /// Sum of the cost of each weekday's days (Monday first).
    pub sums: [Decimal; 7],
    /// Number of days of each weekday in the window (Monday first).
    pub day_counts: [u32; 7],
}

impl WeekdayProfile {
    /// Build the profile of `series` over `window`.
    pub fn from_series(series: &DailySeries, window: DateRange) -> Self {
        let mut sums = [Decimal::ZERO; 7];
        if !window.is_empty() {
            for (d, v) in series.range(window.start..window.end) {
                sums[d.weekday().num_days_from_monday() as usize] += *v;
            }
        }
        WeekdayProfile {
            window,
            sums,
            day_counts: window.weekday_counts(),
        }
    }

    /// Build the profile from one value per day of `window` (`values[0]` is
    /// `window.start`; missing trailing days count as zero, extra values are ignored).
    pub fn from_values(window: DateRange, values: &[Decimal]) -> Self {
        let mut sums = [Decimal::ZERO; 7];
        let first = window.start.weekday().num_days_from_monday() as usize;
        for (i, v) in values.iter().take(window.len_days() as usize).enumerate() {
            sums[(first + i) % 7] += *v;
        }
        WeekdayProfile {
            window,
            sums,
            day_counts: window.weekday_counts(),
        }
    }

    /// Mean cost of weekday `i` (Monday = 0). A weekday with no day in the window (a window
    /// shorter than a week) has no history and counts as **0**.
    pub fn mean(&self, i: usize) -> Decimal {
        match self.day_counts.get(i) {
            Some(&n) if n > 0 => self.sums[i]
                .checked_div(Decimal::from(n))
                .unwrap_or(Decimal::ZERO),
            _ => Decimal::ZERO,
        }
    }

    /// The seven means, Monday first.
    pub fn means(&self) -> [Decimal; 7] {
        std::array::from_fn(|i| self.mean(i))
    }

    /// Expected cost of `day` (the mean of its weekday).
    pub fn expected(&self, day: NaiveDate) -> Decimal {
        self.mean(day.weekday().num_days_from_monday() as usize)
    }
}

/// A weekday forecast: per weekday, the mean, how many such days remain, and their product.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WeekdayForecast {
    /// The forecast days.
    pub range: DateRange,
    /// Mean cost per weekday from the profile (Monday first).
    pub mean_per_weekday: [Decimal; 7],
    /// Days of each weekday in `range` (Monday first).
    pub remaining_days: [u32; 7],
    /// Forecast per weekday: `sum × remaining ÷ count` (Monday first).
    pub per_weekday: [Decimal; 7],
    /// Sum of `per_weekday`.
    pub total: Decimal,
}

/// Forecast the cost of `range` from a weekday profile: for each weekday, its mean cost
/// times the number of its days in `range`. An empty range (a contract already ended)
/// forecasts 0.
pub fn weekday_forecast(profile: &WeekdayProfile, range: DateRange) -> WeekdayForecast {
    let remaining_days = range.weekday_counts();
    let per_weekday: [Decimal; 7] = std::array::from_fn(|i| {
        let n = profile.day_counts[i];
        if n == 0 || remaining_days[i] == 0 {
            return Decimal::ZERO;
        }
        // Multiply before dividing: exact whenever the result is representable.
        (profile.sums[i] * Decimal::from(remaining_days[i]))
            .checked_div(Decimal::from(n))
            .unwrap_or(Decimal::ZERO)
    });
    WeekdayForecast {
        range,
        mean_per_weekday: profile.means(),
        remaining_days,
        total: per_weekday.iter().copied().sum(),
        per_weekday,
    }
}

/// When a credit runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "date", rename_all = "snake_case")]
pub enum RunOut {
    /// Actual consumption already reached the credit on this day.
    Exhausted(NaiveDate),
    /// At the forecast rate the credit is used up on this day.
    Forecast(NaiveDate),
    /// The credit lasts past the horizon (the contract end).
    Lasts,
}

impl RunOut {
    /// The run-out day, if any.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            RunOut::Exhausted(d) | RunOut::Forecast(d) => Some(*d),
            RunOut::Lasts => None,
        }
    }
}

/// The day a `credit` runs out: walk the actual series over `actual` (contract start to
/// as-of) and, if the credit is still positive, the profile's expected cost over `horizon`
/// (as-of to contract end). The run-out day is the first day on which cumulative cost
/// reaches the credit (≥).
pub fn run_out_date(
    series: &DailySeries,
    actual: DateRange,
    credit: Decimal,
    profile: &WeekdayProfile,
    horizon: DateRange,
) -> RunOut {
    let mut left = credit;
    if left <= Decimal::ZERO {
        return RunOut::Exhausted(actual.start);
    }
    if !actual.is_empty() {
        for (d, v) in series.range(actual.start..actual.end) {
            left -= *v;
            if left <= Decimal::ZERO {
                return RunOut::Exhausted(*d);
            }
        }
    }
    for d in horizon.days() {
        left -= profile.expected(d);
        if left <= Decimal::ZERO {
            return RunOut::Forecast(d);
        }
    }
    RunOut::Lasts
}

/// The result of a backtest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Backtest {
    /// Days forecast and compared with actuals.
    pub test: DateRange,
    /// Window the profile was built from.
    pub train: DateRange,
    /// Days with a non-zero actual (the ones MAPE is computed over).
    pub days_scored: u32,
    /// Mean absolute percentage error, in percent (`None` when no day has a non-zero actual).
    pub mape_percent: Option<Decimal>,
    /// Forecast total over `test`.
    pub forecast_total: Decimal,
    /// Actual total over `test`.
    pub actual_total: Decimal,
}

/// Backtest the weekday method: forecast the `test_weeks` weeks before `as_of` from the
/// `train_months` months before them (same method, same window rule, never before `floor`),
/// then compare with what happened. MAPE = mean of `|forecast − actual| ÷ |actual|` × 100
/// over test days whose actual is non-zero. `None` when the history (from `floor`) is too
/// short to hold the test weeks and at least one training day.
pub fn backtest_weekday(
    series: &DailySeries,
    as_of: NaiveDate,
    test_weeks: u32,
    train_months: u32,
    floor: Option<NaiveDate>,
) -> Option<Backtest> {
    let test_start = as_of.checked_sub_days(chrono::Days::new(u64::from(test_weeks) * 7))?;
    if floor.is_some_and(|f| test_start < f) {
        return None;
    }
    let test = DateRange::new(test_start, as_of);
    let train = lookback_window(test_start, train_months, floor);
    if train.is_empty() || test.is_empty() {
        return None;
    }
    let profile = WeekdayProfile::from_series(series, train);
    let mut ape_sum = Decimal::ZERO;
    let mut scored = 0u32;
    let mut forecast_total = Decimal::ZERO;
    for d in test.days() {
        let f = profile.expected(d);
        forecast_total += f;
        let a = series.get(&d).copied().unwrap_or(Decimal::ZERO);
        if !a.is_zero()
            && let Some(ape) = (f - a).abs().checked_div(a.abs())
        {
            ape_sum += ape;
            scored += 1;
        }
    }
    let mape_percent = if scored == 0 {
        None
    } else {
        ape_sum
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|x| x.checked_div(Decimal::from(scored)))
    };
    Some(Backtest {
        test,
        train,
        days_scored: scored,
        mape_percent,
        forecast_total,
        actual_total: total(series, test),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekday_counts_of_a_range() {
        // 2026-11-22 is a Sunday; [Sun 22, Thu 3 Dec] holds 12 days.
        let r = DateRange::inclusive(d(2026, 11, 22), d(2026, 12, 3));
        assert_eq!(r.len_days(), 12);
        // Mon..Sun
        assert_eq!(r.weekday_counts(), [2, 2, 2, 2, 1, 1, 2]);
        assert_eq!(
            DateRange::new(d(2026, 1, 2), d(2026, 1, 1)).weekday_counts(),
            [0; 7]
        );
    }

    #[test]
    fn lookback_is_two_calendar_months_before_as_of_excluded() {
        let w = lookback_window(d(2026, 11, 22), 2, None);
        assert_eq!(w, DateRange::new(d(2026, 9, 22), d(2026, 11, 22)));
        assert_eq!(w.len_days(), 61);
        // Clamped to the contract start.
        let w = lookback_window(d(2026, 11, 22), 2, Some(d(2026, 11, 1)));
        assert_eq!(w, DateRange::new(d(2026, 11, 1), d(2026, 11, 22)));
        // 31 May − 2 months = 31 March; 30 April − 2 = 28 Feb (clamped).
        assert_eq!(months_before(d(2026, 4, 30), 2), d(2026, 2, 28));
    }

    #[test]
    fn average_and_monthly_totals() {
        let mut s = DailySeries::new();
        s.insert(d(2026, 1, 30), dec("1.10"));
        s.insert(d(2026, 1, 31), dec("2.20"));
        s.insert(d(2026, 2, 1), dec("3.30"));
        let r = DateRange::new(d(2026, 1, 30), d(2026, 2, 3));
        assert_eq!(average_daily(&s, r), Some(dec("1.65"))); // 6.60 / 4 days
        assert_eq!(
            monthly_totals(&s, r),
            vec![(2026, 1, dec("3.30")), (2026, 2, dec("3.30"))]
        );
        assert_eq!(
            average_daily(&s, DateRange::new(d(2026, 1, 1), d(2026, 1, 1))),
            None
        );
    }

    /// Two weeks of history, weekdays 10, weekends 4, the contract ending on a Wednesday.
    fn two_weeks() -> (DailySeries, DateRange) {
        let mut s = DailySeries::new();
        // 2026-11-02 is a Monday.
        let w = DateRange::new(d(2026, 11, 2), d(2026, 11, 16));
        for day in w.days() {
            let v = if day.weekday().num_days_from_monday() >= 5 {
                "4"
            } else {
                "10"
            };
            s.insert(day, dec(v));
        }
        (s, w)
    }

    #[test]
    fn forecast_contract_ending_mid_week() {
        let (s, w) = two_weeks();
        let p = WeekdayProfile::from_series(&s, w);
        assert_eq!(p.day_counts, [2; 7]);
        // From Monday 16 to Wednesday 25 inclusive: Mon×2, Tue×2, Wed×2, Thu, Fri, Sat, Sun.
        let f = weekday_forecast(&p, DateRange::inclusive(d(2026, 11, 16), d(2026, 11, 25)));
        assert_eq!(f.remaining_days, [2, 2, 2, 1, 1, 1, 1]);
        // 6 weekdays × 10... : Mon 20 + Tue 20 + Wed 20 + Thu 10 + Fri 10 + Sat 4 + Sun 4 = 88
        assert_eq!(f.total, dec("88"));
        assert_eq!(f.per_weekday[5], dec("4"));
    }

    #[test]
    fn weekday_without_history_counts_zero() {
        // History of 3 days only (Mon, Tue, Wed): Thu..Sun have no history.
        let mut s = DailySeries::new();
        s.insert(d(2026, 11, 2), dec("9"));
        s.insert(d(2026, 11, 3), dec("6"));
        s.insert(d(2026, 11, 4), dec("3"));
        let p = WeekdayProfile::from_series(&s, DateRange::new(d(2026, 11, 2), d(2026, 11, 5)));
        assert_eq!(p.day_counts, [1, 1, 1, 0, 0, 0, 0]);
        assert_eq!(p.mean(3), Decimal::ZERO);
        // Next full week: 9 + 6 + 3 + 0 × 4.
        let f = weekday_forecast(&p, DateRange::new(d(2026, 11, 9), d(2026, 11, 16)));
        assert_eq!(f.total, dec("18"));
    }

    #[test]
    fn contract_already_ended_forecasts_zero() {
        let (s, w) = two_weeks();
        let p = WeekdayProfile::from_series(&s, w);
        // Contract ended on the 10th, as-of the 16th: remaining range is empty.
        let f = weekday_forecast(&p, DateRange::inclusive(d(2026, 11, 16), d(2026, 11, 10)));
        assert_eq!(f.total, Decimal::ZERO);
        assert_eq!(f.remaining_days, [0; 7]);
    }

    #[test]
    fn credit_already_exhausted_gives_the_crossing_day() {
        let (s, w) = two_weeks();
        let p = WeekdayProfile::from_series(&s, w);
        // Cumulative: Mon 10, Tue 20, Wed 30 → a credit of 25 is crossed on Wednesday 4th.
        let r = run_out_date(
            &s,
            w,
            dec("25"),
            &p,
            DateRange::new(d(2026, 11, 16), d(2026, 12, 1)),
        );
        assert_eq!(r, RunOut::Exhausted(d(2026, 11, 4)));
        // Exactly reaching the credit counts as exhausted (credit 30 → Wednesday too).
        let r = run_out_date(
            &s,
            w,
            dec("30"),
            &p,
            DateRange::new(d(2026, 11, 16), d(2026, 12, 1)),
        );
        assert_eq!(r, RunOut::Exhausted(d(2026, 11, 4)));
    }

    #[test]
    fn credit_runs_out_in_the_forecast() {
        let (s, w) = two_weeks();
        let p = WeekdayProfile::from_series(&s, w);
        // Consumed over two weeks: 2 × (50 + 8) = 116. Credit 150 leaves 34: Mon 10, Tue 10,
        // Wed 10 (30), Thu 10 (40 ≥ 34) → Thursday 19th.
        let r = run_out_date(
            &s,
            w,
            dec("150"),
            &p,
            DateRange::new(d(2026, 11, 16), d(2026, 12, 1)),
        );
        assert_eq!(r, RunOut::Forecast(d(2026, 11, 19)));
        let r = run_out_date(
            &s,
            w,
            dec("100000"),
            &p,
            DateRange::new(d(2026, 11, 16), d(2026, 12, 1)),
        );
        assert_eq!(r, RunOut::Lasts);
    }

    #[test]
    fn backtest_of_a_perfectly_regular_series_is_zero() {
        let mut s = DailySeries::new();
        let all = DateRange::new(d(2026, 6, 1), d(2026, 11, 22));
        for day in all.days() {
            let v = if day.weekday().num_days_from_monday() >= 5 {
                "4"
            } else {
                "10"
            };
            s.insert(day, dec(v));
        }
        let b = backtest_weekday(&s, d(2026, 11, 22), 4, 2, Some(d(2026, 6, 1))).unwrap();
        assert_eq!(b.test, DateRange::new(d(2026, 10, 25), d(2026, 11, 22)));
        assert_eq!(b.train, DateRange::new(d(2026, 8, 25), d(2026, 10, 25)));
        assert_eq!(b.days_scored, 28);
        assert_eq!(b.mape_percent, Some(Decimal::ZERO));
        assert_eq!(b.forecast_total, b.actual_total);
    }

    #[test]
    fn backtest_hand_computed_mape() {
        // Training: 1 week at 10/day. Test: 1 week at 8/day except Sunday = 0 (not scored).
        let mut s = DailySeries::new();
        for day in DateRange::new(d(2026, 11, 2), d(2026, 11, 9)).days() {
            s.insert(day, dec("10"));
        }
        for day in DateRange::new(d(2026, 11, 9), d(2026, 11, 15)).days() {
            s.insert(day, dec("8"));
        }
        let b = backtest_weekday(&s, d(2026, 11, 16), 1, 2, Some(d(2026, 11, 2))).unwrap();
        assert_eq!(b.train, DateRange::new(d(2026, 11, 2), d(2026, 11, 9)));
        assert_eq!(b.days_scored, 6);
        // |10 − 8| / 8 = 25 % on each scored day.
        assert_eq!(b.mape_percent, Some(dec("25")));
        // Not enough history before the floor.
        assert!(backtest_weekday(&s, d(2026, 11, 16), 4, 2, Some(d(2026, 11, 2))).is_none());
    }

    fn arb_series() -> impl Strategy<Value = (DailySeries, NaiveDate)> {
        (
            proptest::collection::vec(0i64..1_000_000, 0..120),
            0u32..400,
        )
            .prop_map(|(cents, offset)| {
                let start = d(2025, 1, 1) + chrono::Days::new(u64::from(offset));
                let s = cents
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (start + chrono::Days::new(i as u64), Decimal::new(*c, 2)))
                    .collect();
                (s, start)
            })
    }

    proptest! {
        #[test]
        fn monthly_totals_reconcile_with_the_total((s, start) in arb_series(), len in 0u32..200) {
            let r = DateRange::new(start, start + chrono::Days::new(u64::from(len)));
            let sum: Decimal = monthly_totals(&s, r).iter().map(|m| m.2).sum();
            prop_assert_eq!(sum, total(&s, r));
        }

        #[test]
        fn forecast_over_the_window_itself_gives_back_its_total((s, start) in arb_series(), weeks in 1u32..10) {
            // A window of whole weeks forecast onto itself reproduces its total exactly.
            let w = DateRange::new(start, start + chrono::Days::new(u64::from(weeks) * 7));
            let p = WeekdayProfile::from_series(&s, w);
            let f = weekday_forecast(&p, w);
            prop_assert_eq!(f.total, total(&s, w));
        }

        #[test]
        fn forecast_is_additive_over_split_ranges((s, start) in arb_series(), a in 0u32..60, b in 0u32..60) {
            let w = DateRange::new(start, start + chrono::Days::new(28));
            let p = WeekdayProfile::from_series(&s, w);
            let from = start + chrono::Days::new(28);
            let mid = from + chrono::Days::new(u64::from(a));
            let end = mid + chrono::Days::new(u64::from(b));
            let whole = weekday_forecast(&p, DateRange::new(from, end)).total;
            let parts = weekday_forecast(&p, DateRange::new(from, mid)).total
                + weekday_forecast(&p, DateRange::new(mid, end)).total;
            // Cents series over a 4-week window: means are exact quarters of a cent.
            prop_assert_eq!(whole, parts);
        }

        #[test]
        fn run_out_never_panics_and_is_in_range((s, start) in arb_series(), credit in 0i64..100_000_000) {
            let actual = DateRange::new(start, start + chrono::Days::new(60));
            let p = WeekdayProfile::from_series(&s, actual);
            let horizon = DateRange::new(actual.end, actual.end + chrono::Days::new(90));
            match run_out_date(&s, actual, Decimal::new(credit, 2), &p, horizon) {
                RunOut::Exhausted(d) => prop_assert!(d >= actual.start && d < actual.end),
                RunOut::Forecast(d) => prop_assert!(horizon.contains(d)),
                RunOut::Lasts => {}
            }
        }
    }
}
