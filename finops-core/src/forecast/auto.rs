//! Forecast one daily series: rolling-origin backtest of each model, automatic choice,
//! prediction interval, run-out date.

use super::model::{Dense, ModelKind, VALUE_SCALE, from_f64, predict, round_value};
use super::{DateRange, RunOut, lookback_window};
use crate::{Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Which model to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelChoice {
    /// The model with the smallest backtest mean absolute error (ties: weekday, linear,
    /// seasonal).
    #[default]
    Auto,
    /// This model (or, when the history is too short for it, the first of
    /// [`ModelKind::ALL`] that fits; the result names the model used).
    Fixed(ModelKind),
}

impl ModelChoice {
    /// Parse `auto|weekday|linear|seasonal`.
    pub fn parse(s: &str) -> Option<ModelChoice> {
        if s == "auto" {
            Some(ModelChoice::Auto)
        } else {
            ModelKind::parse(s).map(ModelChoice::Fixed)
        }
    }
}

/// Options of [`forecast`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForecastOptions {
    /// The model (default: automatic choice).
    pub model: ModelChoice,
    /// Training window: this many calendar months before the forecast origin (2, the seed's
    /// rule), never before the start of the history.
    pub lookback_months: u32,
    /// Rolling-origin backtest: this many folds (origins `fold_days`, `2·fold_days`, … days
    /// before the as-of day). Default 4.
    pub backtest_folds: u32,
    /// Days forecast by each fold (default 7).
    pub fold_days: u32,
    /// Prediction interval level in percent: 80, 90, 95 (default) or 99.
    pub level_percent: u8,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            model: ModelChoice::Auto,
            lookback_months: 2,
            backtest_folds: 4,
            fold_days: 7,
            level_percent: 95,
        }
    }
}

impl ForecastOptions {
    /// Default options with `model`.
    pub fn with_model(mut self, model: ModelChoice) -> Self {
        self.model = model;
        self
    }

    /// Set the interval level (80, 90, 95 or 99).
    pub fn with_level(mut self, level_percent: u8) -> Self {
        self.level_percent = level_percent;
        self
    }

    /// Normal quantile of the two-sided interval.
    pub(crate) fn z(&self) -> Result<f64> {
        Ok(match self.level_percent {
            80 => 1.281_551_6,
            90 => 1.644_853_6,
            95 => 1.959_964,
            99 => 2.575_829_3,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "interval level {other} %: use 80, 90, 95 or 99"
                )));
            }
        })
    }
}

/// Backtest figures of one model on one series.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BacktestScore {
    /// The model scored.
    pub model: ModelKind,
    /// Folds run.
    pub folds: u32,
    /// Days forecast and compared.
    pub days: u32,
    /// Days with a non-zero actual (the ones MAPE is computed over).
    pub days_scored: u32,
    /// Mean absolute percentage error in percent, over days with a non-zero actual
    /// (`None` when there is none).
    pub mape: Option<Decimal>,
    /// `(Σ forecast − Σ actual) ÷ |Σ actual|` in percent: positive = over-forecast (`None`
    /// when the actual total is zero).
    pub bias: Option<Decimal>,
    /// Mean absolute error per day (the automatic choice ranks models by it).
    pub mae: Decimal,
    /// Root mean squared error per day (the width of the prediction interval).
    pub rmse: Decimal,
}

/// One forecast day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DailyForecast {
    /// The day (a calendar date in the series' time zone).
    pub date: NaiveDate,
    /// Expected cost.
    pub value: Decimal,
    /// Lower bound of the prediction interval.
    pub lower: Decimal,
    /// Upper bound of the prediction interval.
    pub upper: Decimal,
}

/// A forecast of one series.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Forecast {
    /// The model used.
    pub model: ModelKind,
    /// The window the final model was trained on.
    pub train: DateRange,
    /// The forecast days `[as_of, as_of + horizon)`.
    pub horizon: DateRange,
    /// The backtest of the model used (`None` when the history is too short for one fold).
    pub backtest: Option<BacktestScore>,
    /// Backtests of every model tried (automatic choice) or of the model used.
    pub candidates: Vec<BacktestScore>,
    /// Interval level in percent.
    pub level_percent: u8,
    /// Σ daily values (exact sum of the rounded daily values).
    pub total: Decimal,
    /// Lower bound of the total.
    pub lower: Decimal,
    /// Upper bound of the total.
    pub upper: Decimal,
    /// One entry per horizon day.
    pub daily: Vec<DailyForecast>,
}

/// Rolling-origin backtest of `kind` on `history` before `as_of`: for `f = 1..=folds`, train
/// on the look-back window before `as_of − f·fold_days` and forecast the `fold_days` days
/// from there (never past `as_of`). `None` when no fold has enough history.
pub fn backtest(
    kind: ModelKind,
    history: &Dense,
    as_of: NaiveDate,
    opts: &ForecastOptions,
) -> Option<BacktestScore> {
    let mut folds = 0u32;
    let mut days = 0u32;
    let mut scored = 0u32;
    let mut ape = Decimal::ZERO;
    let mut abs_err = Decimal::ZERO;
    let mut sq = 0f64;
    let mut sum_f = Decimal::ZERO;
    let mut sum_a = Decimal::ZERO;
    for f in 1..=opts.backtest_folds {
        let back = u64::from(f) * u64::from(opts.fold_days);
        let Some(origin) = as_of.checked_sub_days(chrono::Days::new(back)) else {
            break;
        };
        if origin <= history.start {
            break;
        }
        let train = lookback_window(origin, opts.lookback_months, Some(history.start));
        let end = (origin + chrono::Days::new(u64::from(opts.fold_days))).min(as_of);
        let test = DateRange::new(origin, end);
        let Some(pred) = predict(kind, history, train, test) else {
            continue;
        };
        folds += 1;
        for (d, p) in test.days().zip(pred) {
            let a = history.get(d);
            let e = p - a;
            days += 1;
            abs_err += e.abs();
            let ef = e.to_f64().unwrap_or(0.0);
            sq += ef * ef;
            sum_f += p;
            sum_a += a;
            if !a.is_zero()
                && let Some(x) = e.abs().checked_div(a.abs())
            {
                ape += x;
                scored += 1;
            }
        }
    }
    if folds == 0 || days == 0 {
        return None;
    }
    let pct = |x: Decimal| round_value(x * Decimal::ONE_HUNDRED);
    Some(BacktestScore {
        model: kind,
        folds,
        days,
        days_scored: scored,
        mape: (scored > 0)
            .then(|| ape.checked_div(Decimal::from(scored)).map(pct))
            .flatten(),
        bias: (!sum_a.is_zero())
            .then(|| (sum_f - sum_a).checked_div(sum_a.abs()).map(pct))
            .flatten(),
        mae: round_value(abs_err / Decimal::from(days)),
        rmse: from_f64((sq / f64::from(days)).sqrt()).unwrap_or(Decimal::ZERO),
    })
}

/// Forecast `horizon_days` days from `as_of` for a history that ends the day before `as_of`
/// (its days from `history.start`; missing days are zero).
///
/// - Model: [`ForecastOptions::model`]; the automatic choice backtests every model that has
///   enough history and keeps the smallest mean absolute error.
/// - Interval: `value ± z · σ` per day, `total ± z · σ · √days` for the total, where σ is
///   the backtest RMSE of the model used (without a backtest: the standard deviation of the
///   training values) and z the normal quantile of the level. For a history that never goes
///   below zero (costs without credits), values and lower bounds are floored at zero.
pub fn forecast(
    history: &Dense,
    as_of: NaiveDate,
    horizon_days: u32,
    opts: &ForecastOptions,
) -> Result<Forecast> {
    let z = opts.z()?;
    let hist_range = history.range();
    if hist_range.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "no history before {as_of} to forecast from"
        )));
    }
    if hist_range.end != as_of {
        return Err(Error::InvalidArgument(format!(
            "the history ends on {} but the forecast starts on {as_of}",
            hist_range.end
        )));
    }
    let train = lookback_window(as_of, opts.lookback_months, Some(history.start));
    let fits = |k: ModelKind| train.len_days() >= k.min_train_days();
    let (model, candidates) = match opts.model {
        ModelChoice::Auto => {
            let scores: Vec<BacktestScore> = ModelKind::ALL
                .into_iter()
                .filter(|k| fits(*k))
                .filter_map(|k| backtest(k, history, as_of, opts))
                .collect();
            let best = scores
                .iter()
                .min_by(|a, b| a.mae.cmp(&b.mae).then(a.model.cmp(&b.model)))
                .map(|s| s.model)
                .unwrap_or(ModelKind::Weekday);
            (best, scores)
        }
        ModelChoice::Fixed(k) => {
            let k = if fits(k) {
                k
            } else {
                ModelKind::ALL
                    .into_iter()
                    .find(|m| fits(*m))
                    .unwrap_or(ModelKind::Weekday)
            };
            (k, backtest(k, history, as_of, opts).into_iter().collect())
        }
    };
    let backtest = candidates.iter().find(|s| s.model == model).cloned();
    let horizon = DateRange::new(as_of, as_of + chrono::Days::new(u64::from(horizon_days)));
    let values = predict(model, history, train, horizon).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "the {model} model cannot be computed exactly on this series (values out of range)"
        ))
    })?;
    let sigma = match &backtest {
        Some(b) => b.rmse.to_f64().unwrap_or(0.0),
        None => std_dev(history.slice(train)),
    };
    let floor_zero = history.values.iter().all(|v| !v.is_sign_negative());
    let half = from_f64(z * sigma).unwrap_or(Decimal::ZERO);
    let mut daily = Vec::with_capacity(values.len());
    let mut total = Decimal::ZERO;
    for (date, v) in horizon.days().zip(values) {
        let value = if floor_zero { v.max(Decimal::ZERO) } else { v };
        total += value;
        let mut lower = value - half;
        if floor_zero {
            lower = lower.max(Decimal::ZERO);
        }
        daily.push(DailyForecast {
            date,
            value,
            lower: lower.normalize(),
            upper: (value + half).normalize(),
        });
    }
    let half_total =
        from_f64(z * sigma * f64::from(horizon.len_days()).sqrt()).unwrap_or(Decimal::ZERO);
    let mut lower = total - half_total;
    if floor_zero {
        lower = lower.max(Decimal::ZERO);
    }
    Ok(Forecast {
        model,
        train,
        horizon,
        backtest,
        candidates,
        level_percent: opts.level_percent,
        total: total.normalize(),
        lower: lower.round_dp(VALUE_SCALE).normalize(),
        upper: (total + half_total).round_dp(VALUE_SCALE).normalize(),
        daily,
    })
}

fn std_dev(y: &[Decimal]) -> f64 {
    if y.len() < 2 {
        return 0.0;
    }
    let v: Vec<f64> = y.iter().map(|d| d.to_f64().unwrap_or(0.0)).collect();
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt()
}

/// The day a cumulative `budget` (or credit) runs out: walk the actual days of `history`
/// (from its start), then the forecast values; the run-out day is the first on which the
/// cumulative cost reaches the budget (≥). Days are calendar dates, so month ends and DST
/// changes are ordinary days.
pub fn run_out(history: &Dense, forecast: &[DailyForecast], budget: Decimal) -> RunOut {
    if budget <= Decimal::ZERO {
        return RunOut::Exhausted(history.start);
    }
    let mut spent = Decimal::ZERO;
    for (d, v) in history.range().days().zip(history.values.iter()) {
        spent += *v;
        if spent >= budget {
            return RunOut::Exhausted(d);
        }
    }
    for f in forecast {
        spent += f.value;
        if spent >= budget {
            return RunOut::Forecast(f.date);
        }
    }
    RunOut::Lasts
}

/// [`forecast`] of many series on `threads` worker threads (at least 1), results in input
/// order. Each series is independent, so the result does not depend on the thread count.
pub fn forecast_all(
    histories: &[Dense],
    as_of: NaiveDate,
    horizon_days: u32,
    opts: &ForecastOptions,
    threads: usize,
) -> Vec<Result<Forecast>> {
    let threads = threads.max(1).min(histories.len().max(1));
    if threads == 1 {
        return histories
            .iter()
            .map(|h| forecast(h, as_of, horizon_days, opts))
            .collect();
    }
    let chunk = histories.len().div_ceil(threads);
    std::thread::scope(|s| {
        let hs: Vec<_> = histories
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    c.iter()
                        .map(|h| forecast(h, as_of, horizon_days, opts))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(histories.len());
        for (h, c) in hs.into_iter().zip(histories.chunks(chunk)) {
            match h.join() {
                Ok(v) => out.extend(v),
                Err(_) => out.extend(
                    c.iter()
                        .map(|_| Err(Error::InvalidArgument("a forecast worker panicked".into()))),
                ),
            }
        }
        out
    })
}
