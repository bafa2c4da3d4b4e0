//! The report of one client from its daily series, and the consolidation per currency (pure
//! functions: no I/O, no clock).

use super::{ClientReport, ConsolidatedRow, MonthRow, ReportOptions, WeekdayRow};
use crate::config::Contract;
use chrono::{Datelike, NaiveDate};
use finops_core::Currency;
use finops_core::forecast::{
    DailySeries, DateRange, WEEKDAYS, WeekdayProfile, backtest_weekday, lookback_window,
    monthly_totals, run_out_date, total, weekday_forecast,
};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;

/// Round a forecast amount to cents (half away from zero).
pub fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Compute the report of one client from its daily series (pure; see the README for the
/// day rules).
pub fn compute_client_report(
    client: &str,
    file: &str,
    tenancy: &str,
    contract: &Contract,
    currency: Currency,
    series: &DailySeries,
    opts: &ReportOptions,
) -> ClientReport {
    let end_exclusive = contract.end.succ_opt().unwrap_or(contract.end);
    // Consumption and history stop at as-of (excluded) or at the contract end.
    let cutoff = opts.as_of.min(end_exclusive).max(contract.start);
    let actual = DateRange::new(contract.start, cutoff);
    let consumed = total(series, actual);
    let monthly = monthly_totals(series, actual)
        .into_iter()
        .map(|(y, m, cost)| MonthRow {
            month: format!("{y:04}-{m:02}"),
            cost,
        })
        .collect();
    let window = lookback_window(cutoff, opts.lookback_months, Some(contract.start));
    let profile = WeekdayProfile::from_series(series, window);
    let average_daily = finops_core::forecast::average_daily(series, window)
        .map(cents)
        .unwrap_or(Decimal::ZERO);
    let remaining = DateRange::new(opts.as_of.max(contract.start), end_exclusive);
    let f = weekday_forecast(&profile, remaining);
    let weekdays: Vec<WeekdayRow> = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, wd)| WeekdayRow {
            weekday: weekday_name(*wd).to_string(),
            mean: cents(f.mean_per_weekday[i]),
            history_days: profile.day_counts[i],
            remaining_days: f.remaining_days[i],
            forecast: cents(f.per_weekday[i]),
        })
        .collect();
    // The forecast is the sum of the rounded rows, so the table adds up to the cent.
    let forecast: Decimal = weekdays.iter().map(|w| w.forecast).sum();
    let credit_left = contract.credit - consumed;
    let balance_at_end = credit_left - forecast;
    let outcome = match balance_at_end.cmp(&Decimal::ZERO) {
        std::cmp::Ordering::Greater => "surplus",
        std::cmp::Ordering::Less => "deficit",
        std::cmp::Ordering::Equal => "even",
    };
    let run_out = run_out_date(series, actual, contract.credit, &profile, remaining);
    let bt = backtest_weekday(
        series,
        cutoff,
        opts.backtest_weeks,
        opts.lookback_months,
        Some(contract.start),
    );
    ClientReport {
        client: client.to_string(),
        file: file.to_string(),
        tenancy: tenancy.to_string(),
        currency: currency.to_string(),
        contract_start: contract.start,
        contract_end: contract.end,
        as_of: opts.as_of,
        credit: contract.credit,
        monthly,
        consumed,
        lookback_start: window.start,
        lookback_end: window.end.pred_opt().unwrap_or(window.end),
        lookback_days: window.len_days(),
        average_daily,
        weekdays,
        remaining_days: remaining.len_days(),
        forecast,
        projected_total: consumed + forecast,
        credit_left,
        balance_at_end,
        outcome: outcome.to_string(),
        run_out,
        backtest_mape_percent: bt.as_ref().and_then(|b| b.mape_percent).map(cents),
        backtest_days: bt.map(|b| b.days_scored).unwrap_or(0),
    }
}

fn weekday_name(wd: chrono::Weekday) -> &'static str {
    match wd {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

/// Sum client reports per currency (sums of the reported, already rounded, values: the
/// consolidated report reconciles with the client reports to the cent).
pub fn consolidate(clients: &[ClientReport]) -> Vec<ConsolidatedRow> {
    let mut by: BTreeMap<&str, ConsolidatedRow> = BTreeMap::new();
    let mut months: BTreeMap<&str, BTreeMap<&str, Decimal>> = BTreeMap::new();
    for c in clients {
        let row = by.entry(&c.currency).or_insert_with(|| ConsolidatedRow {
            currency: c.currency.clone(),
            clients: 0,
            credit: Decimal::ZERO,
            consumed: Decimal::ZERO,
            average_daily: Decimal::ZERO,
            forecast: Decimal::ZERO,
            projected_total: Decimal::ZERO,
            credit_left: Decimal::ZERO,
            balance_at_end: Decimal::ZERO,
            monthly: Vec::new(),
        });
        row.clients += 1;
        row.credit += c.credit;
        row.consumed += c.consumed;
        row.average_daily += c.average_daily;
        row.forecast += c.forecast;
        row.projected_total += c.projected_total;
        row.credit_left += c.credit_left;
        row.balance_at_end += c.balance_at_end;
        let m = months.entry(&c.currency).or_default();
        for mr in &c.monthly {
            *m.entry(&mr.month).or_default() += mr.cost;
        }
    }
    by.into_iter()
        .map(|(cur, mut row)| {
            row.monthly = months
                .remove(cur)
                .unwrap_or_default()
                .into_iter()
                .map(|(month, cost)| MonthRow {
                    month: month.to_string(),
                    cost,
                })
                .collect();
            row
        })
        .collect()
}

/// `YYYY-MM` of a day.
pub fn month_label(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::render::{clients_csv, render_json, render_table, slug};
    use crate::report::{ClientFailure, ContractReport};
    use finops_core::forecast::RunOut;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn contract(credit: &str, start: NaiveDate, end: NaiveDate) -> Contract {
        Contract {
            client: "X".into(),
            credit: dec(credit),
            start,
            end,
            currency: None,
        }
    }

    /// Weekdays 10.00, weekends 4.00, every day from `start` to `end` exclusive.
    fn regular(start: NaiveDate, end: NaiveDate) -> DailySeries {
        DateRange::new(start, end)
            .days()
            .map(|day| {
                let v = if day.weekday().num_days_from_monday() >= 5 {
                    "4.00"
                } else {
                    "10.00"
                };
                (day, dec(v))
            })
            .collect()
    }

    #[test]
    fn hand_computed_report_contract_ending_mid_week() {
        // Contract 2026-09-01 .. Wednesday 2026-12-02, as of Sunday 2026-11-22.
        let c = contract("1000", d(2026, 9, 1), d(2026, 12, 2));
        let s = regular(d(2026, 9, 1), d(2026, 11, 22));
        let r = compute_client_report(
            "X",
            "f",
            "t",
            &c,
            Currency::USD,
            &s,
            &ReportOptions::new(d(2026, 11, 22)),
        );
        // Look-back: 2026-09-22 .. 2026-11-21 (61 days: 44 weekdays, 17 weekend days).
        assert_eq!(
            (r.lookback_start, r.lookback_end, r.lookback_days),
            (d(2026, 9, 22), d(2026, 11, 21), 61)
        );
        // (44 × 10 + 17 × 4) / 61 = 508 / 61 = 8.327… → 8.33
        assert_eq!(r.average_daily, dec("8.33"));
        // Remaining: Sun 22 Nov .. Wed 2 Dec inclusive = 11 days: Mon×2 Tue×2 Wed×2 Thu Fri Sat Sun×2.
        assert_eq!(r.remaining_days, 11);
        let rem: Vec<u32> = r.weekdays.iter().map(|w| w.remaining_days).collect();
        assert_eq!(rem, vec![2, 2, 2, 1, 1, 1, 2]);
        // 8 weekdays × 10 + 3 weekend days × 4 = 92.
        assert_eq!(r.forecast, dec("92.00"));
        // Consumed Sep 1 .. Nov 21: Sep 22 wd + 8 we = 252, Oct 22 wd + 9 we = 256,
        // Nov 1-21 15 wd + 6 we = 174 → 682.
        assert_eq!(r.consumed, dec("682.00"));
        assert_eq!(r.monthly.len(), 3);
        assert_eq!(
            r.monthly.iter().map(|m| m.cost).sum::<Decimal>(),
            r.consumed
        );
        assert_eq!(r.credit_left, dec("318.00"));
        assert_eq!(r.balance_at_end, dec("226.00"));
        assert_eq!(r.outcome, "surplus");
        assert_eq!(r.run_out, RunOut::Lasts);
        assert_eq!(r.backtest_mape_percent, Some(dec("0")));
    }

    #[test]
    fn contract_already_ended_and_credit_exhausted() {
        // Contract ended 2026-10-31; credit 300 crossed during September.
        let c = contract("300", d(2026, 9, 1), d(2026, 10, 31));
        let s = regular(d(2026, 9, 1), d(2026, 11, 22));
        let r = compute_client_report(
            "X",
            "f",
            "t",
            &c,
            Currency::USD,
            &s,
            &ReportOptions::new(d(2026, 11, 22)),
        );
        assert_eq!(r.remaining_days, 0);
        assert_eq!(r.forecast, Decimal::ZERO);
        // Only the contract's days count: September (22 wd, 8 we = 252) + October (22 wd, 9 we = 256).
        assert_eq!(r.consumed, dec("508.00"));
        assert_eq!(r.balance_at_end, dec("-208.00"));
        assert_eq!(r.outcome, "deficit");
        // September totals 252; October: Thu 1 → 262, Fri 2 → 272, Sat 3 → 276, Sun 4 → 280,
        // Mon 5 → 290, Tue 6 → 300 ≥ 300: the credit ran out on 2026-10-06.
        assert_eq!(r.run_out, RunOut::Exhausted(d(2026, 10, 6)));
    }

    #[test]
    fn new_contract_weekday_without_history() {
        // Contract started Wednesday 2026-11-18; history Wed, Thu, Fri, Sat (4 days).
        let c = contract("100", d(2026, 11, 18), d(2026, 11, 30));
        let s = regular(d(2026, 11, 18), d(2026, 11, 22));
        let r = compute_client_report(
            "X",
            "f",
            "t",
            &c,
            Currency::USD,
            &s,
            &ReportOptions::new(d(2026, 11, 22)),
        );
        let hist: Vec<u32> = r.weekdays.iter().map(|w| w.history_days).collect();
        assert_eq!(hist, vec![0, 0, 1, 1, 1, 1, 0]);
        // Remaining Sun 22 .. Mon 30: Sun×2 (no history → 0), Mon×2 (0), Tue, Wed, Thu, Fri, Sat.
        // Forecast: Wed 10 + Thu 10 + Fri 10 + Sat 4 = 34.
        assert_eq!(r.forecast, dec("34.00"));
        assert!(r.backtest_mape_percent.is_none());
        assert_eq!(r.consumed, dec("34.00"));
        assert_eq!(r.run_out, RunOut::Lasts);
    }

    #[test]
    fn consolidation_reconciles_per_currency() {
        let s = regular(d(2026, 1, 1), d(2026, 11, 22));
        let opts = ReportOptions::new(d(2026, 11, 22));
        let a = compute_client_report(
            "A",
            "f",
            "t",
            &contract("5000", d(2026, 1, 1), d(2026, 12, 31)),
            Currency::USD,
            &s,
            &opts,
        );
        let b = compute_client_report(
            "B",
            "f",
            "t",
            &contract("100", d(2026, 6, 1), d(2027, 5, 31)),
            Currency::USD,
            &s,
            &opts,
        );
        let e = compute_client_report(
            "E",
            "f",
            "t",
            &contract("7", d(2026, 3, 1), d(2026, 12, 15)),
            Currency::new("EUR").unwrap(),
            &s,
            &opts,
        );
        let cons = consolidate(&[a.clone(), b.clone(), e.clone()]);
        assert_eq!(cons.len(), 2);
        let usd = cons.iter().find(|c| c.currency == "USD").unwrap();
        assert_eq!(usd.clients, 2);
        assert_eq!(usd.consumed, a.consumed + b.consumed);
        assert_eq!(usd.forecast, a.forecast + b.forecast);
        assert_eq!(usd.balance_at_end, usd.credit - usd.consumed - usd.forecast);
        assert_eq!(
            usd.monthly.iter().map(|m| m.cost).sum::<Decimal>(),
            usd.consumed
        );
        let report = ContractReport {
            as_of: opts.as_of,
            clients: vec![a, b, e],
            failures: vec![ClientFailure {
                client: "Z".into(),
                file: "config_Z".into(),
                error: "boom".into(),
            }],
            consolidated: cons,
        };
        let json: serde_json::Value = serde_json::from_str(&render_json(&report).unwrap()).unwrap();
        assert!(json["clients"][0]["consumed"].is_string());
        assert_eq!(json["failures"][0]["client"], "Z");
        let csv = String::from_utf8(clients_csv(&report).unwrap()).unwrap();
        assert_eq!(csv.lines().count(), 5);
        assert!(csv.contains("Z,config_Z,error,boom"));
        assert!(render_table(&report).contains("FAILED"));
        assert_eq!(slug("Cliente A/B"), "Cliente_A_B");
    }
}
