//! Billing periods match the usage report (issue 12 §5): ArcGIS usage is reported per UTC
//! day and credits have no invoice, so a record's billing period is the UTC calendar month of
//! its day, the whole month even while it runs. Per billing period and currency, the FOCUS
//! BilledCost total equals the usage report's credits × price per credit, exactly.

use chrono::{DateTime, TimeZone, Utc};
use finops_arcgis::emulator::{self, ArcGisEmulator};
use finops_arcgis::{ArcGis, ArcGisBuilder, CreditPrice};
use finops_core::focus::Period;
use finops_core::source::collect_all;
use finops_core::{CostQuery, CostSource, Currency, Decimal};
use std::collections::BTreeMap;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn admin(emu: &ArcGisEmulator) -> ArcGis {
    ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
        .build()
        .unwrap()
}

#[tokio::test]
async fn billed_cost_per_billing_period_and_currency_equals_usage_times_price() {
    let emu = ArcGisEmulator::start().await.unwrap();
    // From mid-September to the emulator's "now" (2026-11-22): a partial first month, a
    // whole one, and the running current month.
    let (from, to) = (at(2026, 9, 15), emu.clock().now());
    assert_eq!(to, emulator::DEFAULT_NOW.parse::<DateTime<Utc>>().unwrap());
    let query = CostQuery::for_period(Period::new(from, to).unwrap());
    let prices = [
        CreditPrice::new(Decimal::new(11, 2), Currency::EUR).unwrap(),
        CreditPrice::new(Decimal::new(1234, 4), Currency::USD).unwrap(),
    ];

    // FOCUS side: every record of both sources, BilledCost summed per (billing period,
    // currency).
    let mut billed: BTreeMap<(DateTime<Utc>, DateTime<Utc>, Currency), Decimal> = BTreeMap::new();
    let mut records = 0;
    for price in prices {
        let src = admin(&emu).with_credit_price(price);
        let recs = collect_all(src.costs(&query).await.unwrap()).await.unwrap();
        assert!(!recs.is_empty());
        records += recs.len();
        for r in &recs {
            // The charge (a UTC day) lies in its billing period (that day's UTC month), and
            // the provisional invoice names the same month.
            assert_eq!(r.charge_period.duration(), chrono::Duration::days(1));
            assert!(r.billing_period.start <= r.charge_period.start);
            assert!(r.charge_period.end <= r.billing_period.end);
            let month = r.billing_period.start.format("%Y-%m").to_string();
            assert!(
                r.invoice_id.as_deref().unwrap().ends_with(&month),
                "{month}"
            );
            assert_eq!(r.billing_currency, price.currency);
            let e = billed
                .entry((
                    r.billing_period.start,
                    r.billing_period.end,
                    r.billing_currency,
                ))
                .or_insert(Decimal::ZERO);
            *e = e.checked_add(r.billed_cost).unwrap();
        }
    }

    // The billing periods are whole UTC calendar months, the running one included (its end
    // is the first of the next month, not the as-of instant).
    let months = [
        (at(2026, 9, 1), at(2026, 10, 1)),
        (at(2026, 10, 1), at(2026, 11, 1)),
        (at(2026, 11, 1), at(2026, 12, 1)),
    ];
    let expected_keys: Vec<_> = months
        .iter()
        .flat_map(|(s, e)| prices.iter().map(move |p| (*s, *e, p.currency)))
        .collect();
    let mut got_keys: Vec<_> = billed.keys().copied().collect();
    got_keys.sort();
    let mut want = expected_keys.clone();
    want.sort();
    assert_eq!(got_keys, want);

    // Usage side, independently: one usage report per billing month (clipped to the query),
    // and the emulator's own rows. credits × price must match the FOCUS total exactly.
    for (start, end) in months {
        let window = Period::new(start.max(from), end.min(to)).unwrap();
        let report = admin(&emu).usage_by_operation(window).await.unwrap();
        let rows: Decimal = emu
            .expected_usage_by_operation(
                window.start.timestamp_millis(),
                window.end.timestamp_millis(),
            )
            .values()
            .copied()
            .sum();
        assert_eq!(report.total, rows, "{window}");
        assert!(report.total > Decimal::ZERO, "{window}");
        for price in prices {
            let focus = billed[&(start, end, price.currency)];
            assert_eq!(
                focus,
                report.total * price.per_credit,
                "{window} {}",
                price.currency
            );
        }
    }
    let all: Decimal = billed.values().copied().sum();
    assert!(records > 0 && all > Decimal::ZERO);
}

#[tokio::test]
async fn a_query_inside_one_month_still_bills_the_whole_month() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let src = admin(&emu).with_credit_price(CreditPrice::new(Decimal::ONE, Currency::EUR).unwrap());
    let query = CostQuery::for_period(Period::new(at(2026, 10, 10), at(2026, 10, 12)).unwrap());
    let recs = collect_all(src.costs(&query).await.unwrap()).await.unwrap();
    assert!(!recs.is_empty());
    for r in &recs {
        assert_eq!(
            r.billing_period,
            Period::new(at(2026, 10, 1), at(2026, 11, 1)).unwrap()
        );
        assert!(query.period.unwrap().contains(r.charge_period.start));
    }
}
