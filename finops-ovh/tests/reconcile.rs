//! Reconciliation (issue 12 §5): per billing period and currency, the FOCUS BilledCost total
//! equals OVH's own report totals exactly — the Power BI CSV set per `Periode` for Public
//! Cloud, plus the `/me/bill` lines of the services that have no usage API (Hosted Private
//! Cloud, VPS) — with the CMDB ratios applied. And every record, of every service, carries
//! the one billing-period rule: the whole Paris month holding its charge's start.

use chrono::{DateTime, NaiveDate, Utc};
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_ovh::charges::adjusted;
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use finops_ovh::period::{DEFAULT_BILLING_TIME_ZONE, billing_period_of_day};
use finops_ovh::weekly::focus_records;
use finops_ovh::{
    AccountOptions, Cmdb, CollectOptions, Collected, Store, WeeklyOptions, collect_all, load_dir,
    write_weekly,
};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn as_of() -> DateTime<Utc> {
    "2026-11-22T00:00:00Z".parse().unwrap()
}

/// (billing period start, currency) → total.
type Totals = BTreeMap<(DateTime<Utc>, String), Decimal>;

async fn collected(emu: &OvhEmulator, dir: &Path) -> Collected {
    emu.write_token_files(dir, false).unwrap();
    let opts = AccountOptions::new()
        .with_clock(emu.clock())
        .with_rate_limit(1000.0, 100)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(20),
                base: 2.0,
            },
            ..RetryConfig::default()
        });
    let loaded = load_dir(dir, &opts).unwrap();
    let c = collect_all(&loaded.accounts, &CollectOptions::new(as_of())).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    c
}

/// The billing period holding a `Periode` date (the `to` date of a usage period).
fn month_of(periode: &str) -> DateTime<Utc> {
    let day = NaiveDate::parse_from_str(periode, "%Y-%m-%d").unwrap();
    billing_period_of_day(day, DEFAULT_BILLING_TIME_ZONE)
        .unwrap()
        .start
}

/// Rows of a cp1252 CSV file, header excluded.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(!bad);
    csv::ReaderBuilder::new()
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn focus_totals_equal_the_csv_set_and_the_bills_per_billing_period() {
    let clock: SharedClock = Arc::new(FixedClock::new(as_of()));
    let emu = OvhEmulator::start(
        OvhEmulatorConfig::default()
            .with_as_of(as_of())
            .with_clock(clock),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = collected(&emu, &dir.path().join("tokens")).await;
    let cmdb = Cmdb::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/ovh/cmdb"))
        .unwrap();
    let store = Store::open(dir.path().join("state.sqlite")).unwrap();
    let out = dir.path().join("csv");
    write_weekly(&c, &cmdb, &store, &out, &WeeklyOptions::new(as_of())).unwrap();
    let records = focus_records(&c, &cmdb, as_of()).unwrap();

    // FOCUS, per billing period and currency: everything, and the Public Cloud part.
    let mut focus_all = Totals::new();
    let mut focus_cloud = Totals::new();
    for r in &records {
        let key = (
            r.billing_period.start,
            r.billing_currency.as_str().to_string(),
        );
        *focus_all.entry(key.clone()).or_default() += r.billed_cost;
        if r.sub_account_type.as_deref() == Some("Public Cloud Project") {
            *focus_cloud.entry(key).or_default() += r.billed_cost;
        }
    }

    // The CSV set per Periode (every price file of the original; the accounts bill in EUR).
    let mut csv = Totals::new();
    let mut add = |periode: &str, price: &str| {
        *csv.entry((month_of(periode), "EUR".to_string()))
            .or_default() += price.parse::<Decimal>().unwrap();
    };
    for r in rows(&out.join("data_PBI_info_billing_history.csv")) {
        add(&r[0], &r[4]);
    }
    for r in rows(&out.join("data_PBI_info_billing_managed_public_cloud.csv")) {
        add(&r[0], &r[4]);
    }
    for file in [
        "data_PBI_info_billing_snapshot.csv",
        "data_PBI_info_billing_storage.csv",
    ] {
        for r in rows(&out.join(file)) {
            add(&r[0], &r[3]);
        }
    }
    // The running period's instances are in data_PBI_info_billing.csv (no Periode column:
    // it is the current period, the one holding as-of).
    let current = as_of().date_naive().format("%Y-%m-%d").to_string();
    for r in rows(&out.join("data_PBI_info_billing.csv")) {
        add(&current, &r[4]);
    }
    assert_eq!(focus_cloud, csv, "Public Cloud: FOCUS vs the CSV set");
    assert_eq!(
        focus_cloud.keys().map(|k| k.0).collect::<Vec<_>>(),
        [
            "2026-07-31T22:00:00Z",
            "2026-08-31T22:00:00Z",
            "2026-09-30T22:00:00Z",
            "2026-10-31T23:00:00Z"
        ]
        .map(|s| s.parse::<DateTime<Utc>>().unwrap()),
    );

    // The other services: OVH's bill lines (×ratio), in the billing period of their start.
    let projects: BTreeSet<&str> = c
        .accounts
        .iter()
        .flat_map(|a| a.projects.iter().map(|p| p.project_id.as_str()))
        .collect();
    let ratios = cmdb.ratios();
    let mut expected = csv.clone();
    let mut bill_lines = 0;
    for a in &c.accounts {
        for b in &a.bills {
            for d in b
                .details
                .iter()
                .filter(|d| !projects.contains(d.domain.as_str()))
            {
                let start = d.period_start.as_deref().unwrap();
                let cost = adjusted(d.total_price.value, ratios.get(&d.domain).copied()).unwrap();
                *expected
                    .entry((month_of(start), d.total_price.currency_code.clone()))
                    .or_default() += cost;
                bill_lines += 1;
            }
        }
    }
    assert!(bill_lines >= 6, "Hosted Private Cloud and VPS lines");
    assert_eq!(
        focus_all, expected,
        "every service: FOCUS vs CSV set + bills"
    );

    // One billing-period rule for every service: the whole Paris month holding the charge's
    // start, the running month included (its end is 30 Nov 23:00 UTC, not as-of).
    for r in &records {
        let local = r
            .charge_period
            .start
            .with_timezone(&DEFAULT_BILLING_TIME_ZONE)
            .date_naive();
        let month = billing_period_of_day(local, DEFAULT_BILLING_TIME_ZONE).unwrap();
        assert_eq!(r.billing_period, month, "{r:?}");
        assert!(r.charge_period.end <= r.billing_period.end, "{r:?}");
    }
    let services: BTreeSet<(DateTime<Utc>, DateTime<Utc>)> = records
        .iter()
        .filter(|r| r.sub_account_type.as_deref() == Some("Service"))
        .map(|r| (r.billing_period.start, r.billing_period.end))
        .collect();
    assert_eq!(
        services.into_iter().collect::<Vec<_>>(),
        [
            ("2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z"),
            ("2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z"),
        ]
        .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap())),
        "Hosted Private Cloud and VPS bill lines are Paris months too"
    );
}
