//! Known-answer tests of the forecasting models, the backtest and run-out dates.

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;
use finops_core::focus::{ChargeCategory, CostRecord, Period, ServiceCategory};
use finops_core::forecast::{
    Dense, ForecastOptions, ModelChoice, ModelKind, RunOut, SeriesQuery, backtest, forecast,
    run_out, series::daily_series_from_records,
};
use finops_core::{Currency, Decimal};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn dense(start: NaiveDate, f: impl Fn(usize, NaiveDate) -> Decimal, n: usize) -> Dense {
    Dense {
        start,
        values: (0..n)
            .map(|i| f(i, start + chrono::Days::new(i as u64)))
            .collect(),
    }
}

fn fixed(k: ModelKind) -> ForecastOptions {
    ForecastOptions::default().with_model(ModelChoice::Fixed(k))
}

#[test]
fn constant_series_every_model_is_exact() {
    let h = dense(d(2026, 1, 1), |_, _| dec("12.34"), 90);
    let as_of = h.range().end;
    for k in ModelKind::ALL {
        let f = forecast(&h, as_of, 30, &fixed(k)).unwrap();
        assert_eq!(f.model, k);
        assert!(f.daily.iter().all(|x| x.value == dec("12.34")), "{k}");
        assert_eq!(f.total, dec("370.2"), "{k}");
        let b = f.backtest.unwrap();
        assert_eq!(b.mape, Some(Decimal::ZERO), "{k}");
        assert_eq!(b.bias, Some(Decimal::ZERO), "{k}");
        // A perfect backtest gives a zero-width interval.
        assert_eq!(f.lower, f.total);
        assert_eq!(f.upper, f.total);
    }
    let auto = forecast(&h, as_of, 30, &ForecastOptions::default()).unwrap();
    assert_eq!(
        auto.model,
        ModelKind::Weekday,
        "ties go to the simplest model"
    );
    assert_eq!(auto.candidates.len(), 3);
}

#[test]
fn pure_weekly_pattern_weekday_model_is_exact_and_chosen() {
    // Weekdays 100, Saturday 30, Sunday 20.
    let v = |_: usize, day: NaiveDate| match day.weekday().num_days_from_monday() {
        5 => dec("30"),
        6 => dec("20"),
        _ => dec("100"),
    };
    let h = dense(d(2026, 2, 2), v, 10 * 7);
    let as_of = h.range().end;
    let f = forecast(&h, as_of, 14, &ForecastOptions::default()).unwrap();
    assert_eq!(f.model, ModelKind::Weekday);
    for x in &f.daily {
        assert_eq!(x.value, v(0, x.date), "{}", x.date);
    }
    assert_eq!(f.total, dec("1100"));
    assert_eq!(f.backtest.as_ref().unwrap().mape, Some(Decimal::ZERO));
    // The linear model cannot follow the weekly pattern.
    let lin = backtest(ModelKind::Linear, &h, as_of, &ForecastOptions::default()).unwrap();
    assert!(lin.mape.unwrap() > dec("10"));
}

#[test]
fn linear_trend_is_extrapolated_exactly() {
    // 5 + 0.5 per day.
    let h = dense(
        d(2026, 3, 1),
        |i, _| dec("5") + dec("0.5") * Decimal::from(i),
        60,
    );
    let as_of = h.range().end;
    let f = forecast(&h, as_of, 10, &ForecastOptions::default()).unwrap();
    assert_eq!(f.model, ModelKind::Linear);
    // The look-back window is [as_of − 2 months, as_of), inside the history: day i of the
    // history costs 5 + 0.5 i whatever the window, so day 60 + j costs 35 + 0.5 j.
    for (j, x) in f.daily.iter().enumerate() {
        assert_eq!(x.value, dec("35") + dec("0.5") * Decimal::from(j as u64));
    }
    assert_eq!(f.total, dec("372.5"));
    assert_eq!(f.backtest.unwrap().mape, Some(Decimal::ZERO));
}

#[test]
fn a_step_change_is_followed_by_the_seasonal_model() {
    // 60 days at 10, then 30 days at 20.
    let h = dense(
        d(2026, 1, 1),
        |i, _| if i < 60 { dec("10") } else { dec("20") },
        90,
    );
    let as_of = h.range().end;
    let f = forecast(&h, as_of, 7, &ForecastOptions::default()).unwrap();
    assert_eq!(f.model, ModelKind::Seasonal, "{:?}", f.candidates);
    for x in &f.daily {
        assert!(
            (dec("19") < x.value) && (x.value < dec("21")),
            "{}: {}",
            x.date,
            x.value
        );
    }
    // The weekday model averages the two levels over its 2-month window:
    // [as_of − 2 months, as_of) = [Feb 1, Apr 1): 29 days at 10 and 30 at 20.
    let w = forecast(&h, as_of, 7, &fixed(ModelKind::Weekday)).unwrap();
    assert_eq!(
        w.train,
        finops_core::forecast::DateRange::new(d(2026, 2, 1), as_of)
    );
    let total: Decimal = w.daily.iter().map(|x| x.value).sum();
    assert_eq!(total, w.total);
    assert!(w.total > dec("100") && w.total < dec("120"), "{}", w.total);
}

#[test]
fn backtest_by_hand() {
    // Two weeks at 10 then one week at 12; one fold of 7 days.
    let h = dense(
        d(2026, 6, 1),
        |i, _| if i < 14 { dec("10") } else { dec("12") },
        21,
    );
    let as_of = h.range().end;
    let mut o = ForecastOptions::default();
    o.backtest_folds = 1;
    let b = backtest(ModelKind::Weekday, &h, as_of, &o).unwrap();
    // Forecast 10 per day, actual 12: APE = 2/12 each day.
    assert_eq!(b.folds, 1);
    assert_eq!(b.days, 7);
    assert_eq!(b.days_scored, 7);
    assert_eq!(b.mape, Some(dec("16.666667")));
    // (70 − 84) / 84 = −1/6.
    assert_eq!(b.bias, Some(dec("-16.666667")));
    assert_eq!(b.mae, dec("2"));
    assert_eq!(b.rmse, dec("2"));
    // Four folds of the default need 28 days before as-of: only 2 fit (origins 7 and 14
    // days back; 21 days back is the first day of history).
    let b4 = backtest(ModelKind::Weekday, &h, as_of, &ForecastOptions::default()).unwrap();
    assert_eq!(b4.folds, 2);
}

#[test]
fn interval_comes_from_the_backtest_error() {
    // Alternating 8 / 12: weekday means over a 2-month window are close to 10.
    let h = dense(
        d(2026, 1, 5),
        |i, _| if i % 2 == 0 { dec("8") } else { dec("12") },
        84,
    );
    let as_of = h.range().end;
    let f = forecast(&h, as_of, 7, &fixed(ModelKind::Weekday)).unwrap();
    let b = f.backtest.clone().unwrap();
    assert!(b.rmse > Decimal::ZERO);
    for x in &f.daily {
        assert!(x.lower < x.value && x.value < x.upper);
        // 95 %: ± 1.96 σ.
        let half = x.upper - x.value;
        let expect = b.rmse * dec("1.959964");
        assert!((half - expect).abs() < dec("0.00001"), "{half} vs {expect}");
    }
    assert!(f.lower < f.total && f.total < f.upper);
    assert!(forecast(&h, as_of, 7, &ForecastOptions::default().with_level(42)).is_err());
}

/// One record per local day at local midnight in `tz`.
fn daily_records(tz: Tz, first: NaiveDate, days: u32, cost: &str) -> Vec<CostRecord> {
    (0..days)
        .map(|i| {
            let day = first + chrono::Days::new(u64::from(i));
            let start = tz
                .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
                .unwrap()
                .with_timezone(&chrono::Utc);
            let end = tz
                .from_local_datetime(&day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap())
                .unwrap()
                .with_timezone(&chrono::Utc);
            let charge = Period::new(start, end).unwrap();
            CostRecord::new(
                "OVHcloud",
                "BA",
                Currency::EUR,
                charge,
                charge,
                ChargeCategory::Usage,
                "Compute",
                ServiceCategory::Compute,
                dec(cost),
            )
        })
        .collect()
}

#[test]
fn run_out_across_month_end_and_dst_in_local_days() {
    let paris: Tz = "Europe/Paris".parse().unwrap();
    // Local days 2 → 29 March 2026 (DST starts on the 29th), 10 a day.
    let recs = daily_records(paris, d(2026, 3, 2), 28, "10");
    let as_of = d(2026, 3, 30);
    let q = SeriesQuery::new(&["ProviderName"])
        .with_tz(paris)
        .before(as_of);
    let s = daily_series_from_records(&recs, &q).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].key.currency, "EUR");
    assert_eq!(s[0].key.label(), "OVHcloud");
    let series = &s[0].series;
    assert_eq!(series.keys().next(), Some(&d(2026, 3, 2)));
    assert_eq!(series.keys().last(), Some(&d(2026, 3, 29)));
    assert!(series.values().all(|v| *v == dec("10")));
    // Read in UTC the same records start a day earlier (23:00 Z the day before).
    let utc = daily_series_from_records(&recs, &SeriesQuery::new(&["ProviderName"])).unwrap();
    assert_eq!(utc[0].series.keys().next(), Some(&d(2026, 3, 1)));

    let start = *series.keys().next().unwrap();
    let h = Dense::from_series(series, finops_core::forecast::DateRange::new(start, as_of));
    let f = forecast(&h, as_of, 10, &fixed(ModelKind::Weekday)).unwrap();
    assert!(f.daily.iter().all(|x| x.value == dec("10")));
    // 280 spent; 30 (Mar 30), 31, Apr 1 → 310; Apr 2 → 320 ≥ 315.
    assert_eq!(
        run_out(&h, &f.daily, dec("315")),
        RunOut::Forecast(d(2026, 4, 2))
    );
    // Exactly reached on 31 March.
    assert_eq!(
        run_out(&h, &f.daily, dec("300")),
        RunOut::Forecast(d(2026, 3, 31))
    );
    // Already spent on the DST day.
    assert_eq!(
        run_out(&h, &f.daily, dec("275")),
        RunOut::Exhausted(d(2026, 3, 29))
    );
    assert_eq!(run_out(&h, &f.daily, dec("100000")), RunOut::Lasts);
}

#[test]
fn run_out_on_the_autumn_dst_day_and_year_end() {
    let ny: Tz = "America/New_York".parse().unwrap();
    // Local days 1 Oct → 31 Dec 2026 (DST ends 1 Nov), 1 a day; forecast into January.
    let recs = daily_records(ny, d(2026, 10, 1), 92, "1");
    let as_of = d(2027, 1, 1);
    let q = SeriesQuery::new(&["ServiceName"]).with_tz(ny).before(as_of);
    let s = daily_series_from_records(&recs, &q).unwrap();
    assert_eq!(s[0].series.len(), 92);
    assert_eq!(s[0].series.get(&d(2026, 11, 1)), Some(&dec("1")));
    let h = Dense::from_series(
        &s[0].series,
        finops_core::forecast::DateRange::new(d(2026, 10, 1), as_of),
    );
    let f = forecast(&h, as_of, 5, &ForecastOptions::default()).unwrap();
    assert_eq!(run_out(&h, &f.daily, dec("94")).date(), Some(d(2027, 1, 2)));
    assert_eq!(
        run_out(&h, &f.daily, dec("32")).date(),
        Some(d(2026, 11, 1))
    );
}

#[test]
fn history_must_end_on_as_of() {
    let h = dense(d(2026, 1, 1), |_, _| dec("1"), 10);
    assert!(forecast(&h, d(2026, 2, 1), 5, &ForecastOptions::default()).is_err());
    let empty = Dense {
        start: d(2026, 1, 1),
        values: vec![],
    };
    assert!(forecast(&empty, d(2026, 1, 1), 5, &ForecastOptions::default()).is_err());
}

#[test]
fn a_short_history_falls_back_to_a_model_that_fits() {
    let h = dense(d(2026, 1, 1), |_, _| dec("3"), 5);
    let f = forecast(&h, h.range().end, 3, &fixed(ModelKind::Seasonal)).unwrap();
    assert_eq!(f.model, ModelKind::Weekday);
    // History Thu 1 → Mon 5 January; forecast Tue, Wed (no history: 0, the seed's rule), Thu.
    assert_eq!(f.total, dec("3"));
}
