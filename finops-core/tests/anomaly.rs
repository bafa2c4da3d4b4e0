//! Anomaly detection: an injected spike is found and explained; a clean series gives none.

use chrono::NaiveDate;
use finops_core::anomaly::{AnomalyOptions, anomalies_from_files};
use finops_core::focus::{ChargeCategory, CostRecord, Period, ServiceCategory};
use finops_core::forecast::SeriesQuery;
use finops_core::{Currency, Decimal};

fn day(i: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 3).unwrap() + chrono::Days::new(i)
}

/// 84 days, three services with weekly patterns and ±5 % deterministic noise; `spike`
/// adds 400 to Object Storage on that day index.
fn records(spike: Option<u64>) -> Vec<CostRecord> {
    let mut out = Vec::new();
    let mut seed = 12345u64;
    let mut noise = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // −50 … +50 per mille
        ((seed >> 33) % 101) as i64 - 50
    };
    for i in 0..84u64 {
        let d = day(i);
        let weekend = i % 7 >= 5;
        for (svc, cat, base) in [
            (
                "Compute",
                ServiceCategory::Compute,
                if weekend { 60 } else { 100 },
            ),
            ("Object Storage", ServiceCategory::Storage, 40),
            (
                "Network",
                ServiceCategory::Networking,
                if weekend { 5 } else { 15 },
            ),
        ] {
            let mut cost =
                Decimal::from(base) * (Decimal::from(1000 + noise()) / Decimal::from(1000));
            if spike == Some(i) && svc == "Object Storage" {
                cost += Decimal::from(400);
            }
            let mut r = CostRecord::new(
                "OVHcloud",
                "BA",
                Currency::EUR,
                Period::month_of(d),
                Period::day(d),
                ChargeCategory::Usage,
                svc,
                cat,
                cost.round_dp(4),
            );
            r.sub_account_id = Some("proj-1".into());
            out.push(r);
        }
    }
    out
}

fn run(spike: Option<u64>) -> Vec<finops_core::anomaly::Anomaly> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("costs.csv");
    finops_core::focus::write_file(&path, &records(spike)).unwrap();
    anomalies_from_files(
        &[&path],
        &SeriesQuery::new(&["ProviderName"]),
        Some("ServiceName"),
        day(84),
        &AnomalyOptions::default().with_days(14),
    )
    .unwrap()
}

#[test]
fn a_clean_series_has_no_anomaly() {
    assert_eq!(run(None), vec![]);
}

#[test]
fn a_spike_is_found_and_named() {
    let a = run(Some(79));
    assert_eq!(a.len(), 1, "{a:#?}");
    let a = &a[0];
    assert_eq!(a.date, day(79));
    assert_eq!(a.currency, "EUR");
    assert_eq!(
        a.key.columns,
        vec![("ProviderName".to_string(), Some("OVHcloud".to_string()))]
    );
    assert!(a.actual > a.upper);
    assert_eq!(a.contributors[0].value.as_deref(), Some("Object Storage"));
    assert!(a.contributors[0].delta > Decimal::from(350));
    let json = serde_json::to_value(a).unwrap();
    assert_eq!(json["key"], serde_json::json!({"ProviderName": "OVHcloud"}));
    assert_eq!(json["contributors"][0]["value"], "Object Storage");
    assert!(json["actual"].is_string());
}

#[test]
fn a_drop_is_found_too() {
    // Day 80 without any record at all: every service contributes a decrease.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("costs.csv");
    let recs: Vec<_> = records(None)
        .into_iter()
        .filter(|r| r.charge_period.start.date_naive() != day(80))
        .collect();
    finops_core::focus::write_file(&path, &recs).unwrap();
    let a = anomalies_from_files(
        &[&path],
        &SeriesQuery::new(&["SubAccountId"]),
        Some("ServiceName"),
        day(84),
        &AnomalyOptions::default(),
    )
    .unwrap();
    assert_eq!(a.len(), 1, "{a:#?}");
    assert_eq!(a[0].date, day(80));
    assert_eq!(a[0].actual, Decimal::ZERO);
    assert_eq!(a[0].contributors[0].value.as_deref(), Some("Compute"));
    assert!(a[0].contributors.iter().all(|c| c.delta < Decimal::ZERO));
}
