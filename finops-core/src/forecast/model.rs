//! The three daily models: the seed-001 weekday profile, a linear trend and an additive
//! Holt-Winters (weekly season, damped trend).
//!
//! Every model works on a [`Dense`] history (one value per calendar day, zero-filled) and
//! predicts whole days. The weekday and linear models compute in exact [`Decimal`]; the
//! Holt-Winters recursion runs in `f64` on the *shape* of the series (see the module docs of
//! [`crate::forecast`]) and its predictions are converted back to `Decimal` and rounded to
//! [`VALUE_SCALE`] places, like every model's.

use super::{DateRange, WeekdayProfile};
use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

/// Decimal places of forecast values (daily values, intervals); totals are exact sums of
/// the rounded daily values.
pub const VALUE_SCALE: u32 = 6;

/// Season length of the seasonal model (a week).
pub const SEASON: usize = 7;

/// A forecasting model.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Seed 001: mean cost of each weekday over the look-back window.
    Weekday,
    /// Least-squares straight line over the look-back window, extrapolated.
    Linear,
    /// Additive Holt-Winters with a weekly season and a damped trend.
    Seasonal,
}

impl ModelKind {
    /// Every model, in the order ties are broken (simplest first).
    pub const ALL: [ModelKind; 3] = [ModelKind::Weekday, ModelKind::Linear, ModelKind::Seasonal];

    /// `weekday`, `linear` or `seasonal` (the CLI and JSON name).
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Weekday => "weekday",
            ModelKind::Linear => "linear",
            ModelKind::Seasonal => "seasonal",
        }
    }

    /// Parse a [`ModelKind::name`].
    pub fn parse(s: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|m| m.name() == s)
    }

    /// Days of training history the model needs (the seasonal model needs two weeks to
    /// initialise its level, trend and weekly season).
    pub fn min_train_days(self) -> u32 {
        match self {
            ModelKind::Weekday => 1,
            ModelKind::Linear => 2,
            ModelKind::Seasonal => 2 * SEASON as u32,
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A history as one value per calendar day from `start` (missing days are zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dense {
    /// The first day.
    pub start: NaiveDate,
    /// One value per day.
    pub values: Vec<Decimal>,
}

impl Dense {
    /// The days `range` of `series`, zero-filled.
    pub fn from_series(series: &super::DailySeries, range: DateRange) -> Dense {
        let mut values = vec![Decimal::ZERO; range.len_days() as usize];
        if !range.is_empty() {
            for (d, v) in series.range(range.start..range.end) {
                let i = (*d - range.start).num_days() as usize;
                if let Some(slot) = values.get_mut(i) {
                    *slot += *v;
                }
            }
        }
        Dense {
            start: range.start,
            values,
        }
    }

    /// The covered days.
    pub fn range(&self) -> DateRange {
        DateRange::new(
            self.start,
            self.start + chrono::Days::new(self.values.len() as u64),
        )
    }

    /// Index of `d` (may be out of bounds).
    fn index(&self, d: NaiveDate) -> i64 {
        (d - self.start).num_days()
    }

    /// The values of the days of `r` that the history covers.
    pub fn slice(&self, r: DateRange) -> &[Decimal] {
        let r = r.intersect(&self.range());
        if r.is_empty() {
            return &[];
        }
        let a = self.index(r.start) as usize;
        &self.values[a..a + r.len_days() as usize]
    }

    /// The value of day `d` (zero outside the history).
    pub fn get(&self, d: NaiveDate) -> Decimal {
        let i = self.index(d);
        if i < 0 {
            return Decimal::ZERO;
        }
        self.values
            .get(i as usize)
            .copied()
            .unwrap_or(Decimal::ZERO)
    }
}

/// Round a model output to [`VALUE_SCALE`] places (half to even), trailing zeros removed.
pub fn round_value(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(VALUE_SCALE, RoundingStrategy::MidpointNearestEven)
        .normalize()
}

/// An `f64` model output as a rounded [`Decimal`] (`None` if not finite or out of range).
pub(crate) fn from_f64(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    Decimal::from_f64(x).map(round_value)
}

/// Fit `kind` on the days `train` of `history` and predict each day of `horizon` (which may
/// start anywhere after `train`). `None` when the training window is shorter than
/// [`ModelKind::min_train_days`] or the arithmetic leaves the exact range.
pub fn predict(
    kind: ModelKind,
    history: &Dense,
    train: DateRange,
    horizon: DateRange,
) -> Option<Vec<Decimal>> {
    let train = train.intersect(&history.range());
    if train.len_days() < kind.min_train_days() {
        return None;
    }
    let y = history.slice(train);
    match kind {
        ModelKind::Weekday => {
            let profile = WeekdayProfile::from_values(train, y);
            Some(
                horizon
                    .days()
                    .map(|d| round_value(profile.expected(d)))
                    .collect(),
            )
        }
        ModelKind::Linear => {
            let (a, b) = linear_fit(y)?;
            let mut out = Vec::with_capacity(horizon.len_days() as usize);
            for d in horizon.days() {
                let x = Decimal::from((d - train.start).num_days());
                out.push(round_value(a.checked_add(b.checked_mul(x)?)?));
            }
            Some(out)
        }
        ModelKind::Seasonal => {
            let yf: Vec<f64> = y.iter().map(|v| v.to_f64().unwrap_or(0.0)).collect();
            let hw = HoltWinters::fit(&yf, train.start.weekday().num_days_from_monday())?;
            let mut out = Vec::with_capacity(horizon.len_days() as usize);
            for d in horizon.days() {
                let h = (d - train.end).num_days() + 1;
                if h < 1 {
                    return None;
                }
                out.push(from_f64(hw.forecast(h as usize, d))?);
            }
            Some(out)
        }
    }
}

/// Least squares `y = a + b·x` over `x = 0..n`, exact decimal arithmetic (`None` on
/// overflow). One point gives a flat line.
pub(crate) fn linear_fit(y: &[Decimal]) -> Option<(Decimal, Decimal)> {
    let n = y.len();
    if n == 0 {
        return None;
    }
    if n == 1 {
        return Some((y[0], Decimal::ZERO));
    }
    let nd = Decimal::from(n as u64);
    // x̄ = (n − 1) / 2; Sxx = n(n² − 1)/12 exactly.
    let xbar = Decimal::from(n as u64 - 1).checked_div(Decimal::TWO)?;
    let mut sy = Decimal::ZERO;
    for v in y {
        sy = sy.checked_add(*v)?;
    }
    let ybar = sy.checked_div(nd)?;
    let mut sxy = Decimal::ZERO;
    for (i, v) in y.iter().enumerate() {
        let dx = Decimal::from(i as u64).checked_sub(xbar)?;
        sxy = sxy.checked_add(dx.checked_mul(v.checked_sub(ybar)?)?)?;
    }
    let n3 = Decimal::from(n as u64);
    let sxx = n3
        .checked_mul(n3.checked_mul(n3)?.checked_sub(Decimal::ONE)?)?
        .checked_div(Decimal::from(12))?;
    let b = sxy.checked_div(sxx)?;
    let a = ybar.checked_sub(b.checked_mul(xbar)?)?;
    Some((a, b))
}

/// Additive Holt-Winters with damped trend: level, trend, weekly season, chosen by a grid
/// search of the smoothing parameters minimising the one-step-ahead squared error.
#[derive(Debug, Clone)]
struct HoltWinters {
    level: f64,
    trend: f64,
    /// Seasonal component per weekday (Monday = 0).
    season: [f64; SEASON],
    phi: f64,
}

const ALPHAS: [f64; 6] = [0.05, 0.1, 0.2, 0.35, 0.5, 0.8];
const BETAS: [f64; 3] = [0.0, 0.05, 0.15];
const GAMMAS: [f64; 3] = [0.05, 0.15, 0.3];
/// Trend damping per day: a trend fades out over a few weeks rather than extrapolating
/// forever.
const PHI: f64 = 0.9;

impl HoltWinters {
    /// Fit on `y` whose first value falls on weekday `first_wd` (Monday = 0).
    fn fit(y: &[f64], first_wd: u32) -> Option<HoltWinters> {
        if y.len() < 2 * SEASON {
            return None;
        }
        let m1: f64 = y[..SEASON].iter().sum::<f64>() / SEASON as f64;
        let m2: f64 = y[SEASON..2 * SEASON].iter().sum::<f64>() / SEASON as f64;
        let trend0 = (m2 - m1) / SEASON as f64;
        let mut season0 = [0.0; SEASON];
        for (i, v) in y[..SEASON].iter().enumerate() {
            season0[(first_wd as usize + i) % SEASON] = v - m1;
        }
        // Level at the end of the first week.
        let level0 = m1 + trend0 * (SEASON as f64 - 1.0) / 2.0;
        let mut best: Option<(f64, HoltWinters)> = None;
        for &a in &ALPHAS {
            for &b in &BETAS {
                for &g in &GAMMAS {
                    let (sse, state) = Self::run(y, first_wd, level0, trend0, season0, a, b, g);
                    if best.as_ref().is_none_or(|(s, _)| sse < *s) {
                        best = Some((sse, state));
                    }
                }
            }
        }
        best.map(|(_, s)| s)
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        y: &[f64],
        first_wd: u32,
        level0: f64,
        trend0: f64,
        season0: [f64; SEASON],
        a: f64,
        b: f64,
        g: f64,
    ) -> (f64, HoltWinters) {
        let (mut l, mut t, mut s) = (level0, trend0, season0);
        let mut sse = 0.0;
        for (i, &v) in y.iter().enumerate().skip(SEASON) {
            let wd = (first_wd as usize + i) % SEASON;
            let f = l + PHI * t + s[wd];
            let e = v - f;
            sse += e * e;
            let l_new = a * (v - s[wd]) + (1.0 - a) * (l + PHI * t);
            t = b * (l_new - l) + (1.0 - b) * PHI * t;
            s[wd] = g * (v - l_new) + (1.0 - g) * s[wd];
            l = l_new;
        }
        (
            sse,
            HoltWinters {
                level: l,
                trend: t,
                season: s,
                phi: PHI,
            },
        )
    }

    /// Forecast `h` days after the last training day, for day `d`.
    fn forecast(&self, h: usize, d: NaiveDate) -> f64 {
        // Σ φ^i for i = 1..=h.
        let damp = if (self.phi - 1.0).abs() < f64::EPSILON {
            h as f64
        } else {
            self.phi * (1.0 - self.phi.powi(h as i32)) / (1.0 - self.phi)
        };
        self.level + damp * self.trend + self.season[d.weekday().num_days_from_monday() as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dense(start: NaiveDate, v: &[i64]) -> Dense {
        Dense {
            start,
            values: v.iter().map(|x| Decimal::from(*x)).collect(),
        }
    }

    #[test]
    fn linear_fit_is_exact_on_a_line() {
        let y: Vec<Decimal> = (0..10).map(|i| Decimal::from(5 + 2 * i)).collect();
        let (a, b) = linear_fit(&y).unwrap();
        assert_eq!((a, b), (Decimal::from(5), Decimal::from(2)));
        assert_eq!(
            linear_fit(&y[..1]).unwrap(),
            (Decimal::from(5), Decimal::ZERO)
        );
    }

    #[test]
    fn every_model_reproduces_a_constant() {
        let h = dense(d(2026, 1, 5), &[10; 28]);
        let train = h.range();
        let horizon = DateRange::new(train.end, train.end + chrono::Days::new(10));
        for k in ModelKind::ALL {
            let p = predict(k, &h, train, horizon).unwrap();
            assert_eq!(p, vec![Decimal::from(10); 10], "{k}");
        }
    }

    #[test]
    fn seasonal_needs_two_weeks() {
        let h = dense(d(2026, 1, 5), &[10; 13]);
        let r = h.range();
        assert!(predict(ModelKind::Seasonal, &h, r, DateRange::new(r.end, r.end)).is_none());
        assert_eq!(ModelKind::parse("seasonal"), Some(ModelKind::Seasonal));
        assert_eq!(ModelKind::parse("x"), None);
    }
}
