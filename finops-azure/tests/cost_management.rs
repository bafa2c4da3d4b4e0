//! The Cost Management client against its loopback emulator: Entra tokens, the Query API as a
//! FOCUS 1.2 `CostSource` (paging by POSTing the same body to `nextLink`, one query per month,
//! actual and amortized joined, exact sums), QPU throttling (the largest retry-after header
//! wins), errors, fault injection, and the Exports API (managed exports planned, applied only
//! on request, run, run history, eTags).

mod common;

use chrono::{DateTime, NaiveDate, Utc};
use common::all_paths;
use finops_azure::emulator::cost_management::{
    BILLING_ACCOUNT, CostManagementConfig, CostManagementEmulator, STORAGE_ACCOUNT_ID,
};
use finops_azure::emulator::focuscost::SUBS;
use finops_azure::ingest::{IngestOptions, Ingestor};
use finops_azure::managed::ExportAction;
use finops_azure::model::{
    ExportRunRequest, Granularity, HubSettings, QueryAggregation, QueryDataset, QueryDefinition,
    QueryFilter, QueryGrouping, QueryType, Recurrence, TimePeriod, Timeframe,
};
use finops_azure::{Azure, CostBasis, ManagedExports, ManagedExportsOptions, QuerySpec, Store};
use finops_core::emulator::FaultConfig;
use finops_core::focus::ChargeCategory;
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_core::source::{CostQuery, CostSource, collect_all};
use finops_core::testing::{FocusValidation, cost_source_conformance, focus_validate};
use finops_core::{Decimal, Error, Period};
use std::time::Duration;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn month(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap()
}

fn fast_retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            base: 2.0,
        },
        max_retries: 12,
        ..Default::default()
    }
}

fn d18(v: i128) -> Decimal {
    finops_azure::ingest::cells::format_decimal18(v)
        .parse()
        .unwrap()
}

async fn emulator(cfg: CostManagementConfig) -> CostManagementEmulator {
    CostManagementEmulator::start(cfg).await.unwrap()
}

fn azure(emu: &CostManagementEmulator, spec: QuerySpec) -> Azure {
    emu.azure_builder()
        .unwrap()
        .with_retry(fast_retry())
        .with_query_spec(spec)
        .build()
        .unwrap()
}

fn september() -> CostQuery {
    CostQuery::for_period(
        Period::new(t("2026-09-01T00:00:00Z"), t("2026-10-01T00:00:00Z")).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_pages_join_and_map_to_validated_focus_with_exact_sums() {
    let emu = emulator(CostManagementConfig::default().with_page_size(40)).await;
    let az = azure(&emu, QuerySpec::default());
    let recs = cost_source_conformance(&az, &september()).await;
    let stats = emu.query_stats();
    // Two queries (actual, amortized), several pages each, all with the same body.
    assert_eq!(stats.queries, 2 * 2, "conformance runs the query twice");
    assert!(stats.pages > stats.queries * 2, "{stats:?}");
    let (_, billed, effective) = emu.month_totals(BILLING_ACCOUNT, month(2026, 9));
    let b: Decimal = recs.iter().map(|r| r.billed_cost).sum();
    let e: Decimal = recs.iter().map(|r| r.effective_cost).sum();
    assert_eq!(
        b,
        d18(billed),
        "BilledCost = the month's actual cost, exactly"
    );
    assert_eq!(
        e,
        d18(effective),
        "EffectiveCost = the month's amortized cost, exactly"
    );
    assert!(
        b != e,
        "a reservation purchase makes actual and amortized differ"
    );
    assert!(recs.iter().all(|r| {
        r.sub_account_id
            .as_deref()
            .is_none_or(|s| s.starts_with("/subscriptions/"))
    }));
    assert_eq!(
        recs.iter()
            .filter_map(|r| r.sub_account_id.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        4,
        "several subscriptions"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("azure_query.parquet");
    let mut w = finops_core::focus::parquet::FocusParquetWriter::create_inferred(&out).unwrap();
    w.write_all(recs.iter().cloned().map(Ok)).unwrap();
    w.finish().unwrap();
    match focus_validate(&[&out]) {
        FocusValidation::Passed(_) | FocusValidation::Skipped(_) => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_query_per_month_sub_accounts_and_granularities() {
    let emu = emulator(CostManagementConfig::default()).await;
    let az = azure(&emu, QuerySpec::default().with_basis(CostBasis::Actual));
    // Aug 15 .. Nov 22 (month to date): four months, four queries.
    let q = CostQuery::for_period(
        Period::new(t("2026-08-15T00:00:00Z"), t("2026-11-22T00:00:00Z")).unwrap(),
    );
    let recs = collect_all(az.costs(&q).await.unwrap()).await.unwrap();
    assert_eq!(emu.query_stats().queries, 4);
    assert!(
        recs.iter()
            .all(|r| r.charge_period.start >= t("2026-08-15T00:00:00Z"))
    );
    assert!(
        recs.iter()
            .any(|r| r.charge_period.start >= t("2026-11-01T00:00:00Z"))
    );
    // One subscription, monthly: one record per service and month, sums = that scope's.
    let sub = format!("/subscriptions/{}", SUBS[1]);
    let az = azure(
        &emu,
        QuerySpec::default()
            .with_basis(CostBasis::Actual)
            .with_granularity(Granularity::Monthly),
    );
    let recs = collect_all(
        az.costs(&september().with_sub_accounts([sub.clone()]))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(
        recs.iter()
            .all(|r| r.sub_account_id.as_deref() == Some(sub.as_str()))
    );
    assert!(
        recs.iter()
            .all(|r| r.charge_period == Period::month_of(month(2026, 9)))
    );
    let (_, billed, _) = emu.month_totals(&sub, month(2026, 9));
    assert_eq!(
        recs.iter().map(|r| r.billed_cost).sum::<Decimal>(),
        d18(billed)
    );
    // Grouped by ChargeType: the reservation purchase is a Purchase row.
    let az = azure(
        &emu,
        QuerySpec::default().with_grouping(vec![
            QueryGrouping::dimension("ChargeType"),
            QueryGrouping::dimension("PricingModel"),
        ]),
    );
    let recs = collect_all(az.costs(&september()).await.unwrap())
        .await
        .unwrap();
    let p = recs
        .iter()
        .find(|r| r.charge_category == ChargeCategory::Purchase)
        .unwrap();
    assert!(p.billed_cost > Decimal::ZERO && p.effective_cost.is_zero());
    // A tag grouping fills Tags; a filter narrows.
    let az = azure(
        &emu,
        QuerySpec::default()
            .with_basis(CostBasis::Actual)
            .with_grouping(vec![QueryGrouping::tag("env")])
            .with_filter(QueryFilter::tag_in("env", &["dev"])),
    );
    let recs = collect_all(az.costs(&september()).await.unwrap())
        .await
        .unwrap();
    assert!(!recs.is_empty());
    assert!(
        recs.iter()
            .all(|r| r.tags.as_ref().and_then(|t| t.get("env")).as_deref() == Some("dev"))
    );
    // Month to date without a period.
    let az = azure(&emu, QuerySpec::default().with_basis(CostBasis::Actual));
    let recs = collect_all(az.costs(&CostQuery::default()).await.unwrap())
        .await
        .unwrap();
    assert!(
        recs.iter()
            .all(|r| r.charge_period.start >= t("2026-11-01T00:00:00Z")
                && r.charge_period.end <= t("2026-11-22T00:00:00Z"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_queries_wait_for_the_largest_retry_after() {
    // 2 QPU per second: the third monthly query of a burst is throttled; the emulator's
    // entity delay is a second longer than the QPU delay and Retry-After.
    let emu =
        emulator(CostManagementConfig::default().with_throttle(2, Duration::from_secs(1))).await;
    let az = azure(&emu, QuerySpec::default().with_basis(CostBasis::Actual));
    let q = CostQuery::for_period(
        Period::new(t("2026-08-01T00:00:00Z"), t("2026-11-01T00:00:00Z")).unwrap(),
    );
    let recs = collect_all(az.costs(&q).await.unwrap()).await.unwrap();
    assert!(!recs.is_empty());
    let s = emu.query_stats();
    assert!(s.throttled >= 1, "{s:?}");
    assert_eq!(
        s.early_retries, 0,
        "the client retried before the largest delay: {s:?}"
    );
    assert_eq!(s.queries, 3);
    // One throttled call: one wait, as long as the largest header (entity: 2 s; Retry-After
    // and the QPU header say 1 s).
    let emu2 =
        emulator(CostManagementConfig::default().with_throttle(1, Duration::from_secs(1))).await;
    let az2 = emu2
        .azure_builder()
        .unwrap()
        .with_retry(fast_retry())
        .with_query_spec(QuerySpec::default().with_basis(CostBasis::Actual))
        .build()
        .unwrap();
    let def = QuerySpec::default()
        .with_basis(CostBasis::Actual)
        .definition(
            QueryType::ActualCost,
            Some((t("2026-09-01T00:00:00Z"), t("2026-10-01T00:00:00Z"))),
            &[],
        );
    az2.client().query_all(BILLING_ACCOUNT, &def).await.unwrap();
    let pages = az2.client().query_all(BILLING_ACCOUNT, &def).await.unwrap();
    assert_eq!(pages[0].waits.len(), 1, "{:?}", pages[0].waits);
    assert!(
        pages[0].waits[0] >= Duration::from_secs(2),
        "waited {:?}",
        pages[0].waits
    );
    assert_eq!(emu2.query_stats().early_retries, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_call_and_never_leak_the_secret() {
    let emu = emulator(CostManagementConfig::default()).await;
    // Wrong secret: Entra's AADSTS code, the secret redacted.
    let bad = finops_azure::credential::EntraCredential::new(
        finops_azure::emulator::entra::TENANT_ID,
        finops_azure::emulator::entra::CLIENT_ID,
        finops_core::Secret::new("not-the-secret-123"),
    )
    .unwrap()
    .with_authority(&emu.url())
    .unwrap();
    let az = emu
        .azure_builder()
        .unwrap()
        .with_credential(bad)
        .with_retry(fast_retry())
        .build()
        .unwrap();
    let e = collect_all(az.costs(&september()).await.unwrap())
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("AADSTS7000215"), "{text}");
    assert!(!text.contains("not-the-secret-123"));
    // A scope outside the account: 403 AuthorizationFailed, the other scope still answers.
    let az = emu
        .azure_builder()
        .unwrap()
        .with_scope("/subscriptions/00000000-dead-beef-0000-000000000000")
        .with_retry(fast_retry())
        .with_query_spec(QuerySpec::default().with_basis(CostBasis::Actual))
        .build()
        .unwrap();
    let items: Vec<_> =
        futures::StreamExt::collect::<Vec<_>>(az.costs(&september()).await.unwrap()).await;
    assert!(items.iter().any(|r| r.is_ok()));
    let denied = items.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(matches!(denied, Error::PermissionDenied { .. }), "{denied}");
    assert!(denied.to_string().contains("AuthorizationFailed"));
    // An unknown dimension: the API's 400 message.
    let az = azure(
        &emu,
        QuerySpec::default().with_grouping(vec![QueryGrouping::dimension("Nope")]),
    );
    let e = collect_all(az.costs(&september()).await.unwrap())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("dimension 'Nope'"), "{e}");
    // Three groupings: refused before sending.
    assert!(
        emu.azure_builder()
            .unwrap()
            .with_query_spec(QuerySpec::default().with_grouping(vec![
                QueryGrouping::dimension("A"),
                QueryGrouping::dimension("B"),
                QueryGrouping::dimension("C"),
            ]))
            .build()
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_link_needs_the_same_body_and_tokens_renew() {
    let emu = emulator(CostManagementConfig::default().with_page_size(10)).await;
    let az = azure(&emu, QuerySpec::default());
    let def = |g: &str| QueryDefinition {
        kind: QueryType::ActualCost,
        timeframe: Timeframe::Custom,
        time_period: Some(TimePeriod::from_half_open(
            t("2026-09-01T00:00:00Z"),
            t("2026-10-01T00:00:00Z"),
        )),
        dataset: QueryDataset {
            granularity: Some(Granularity::Daily),
            aggregation: [("totalCost".to_string(), QueryAggregation::sum("Cost"))].into(),
            grouping: vec![QueryGrouping::dimension(g)],
            filter: None,
        },
    };
    let c = az.client();
    let first = c
        .query_page(BILLING_ACCOUNT, &def("ServiceName"), None)
        .await
        .unwrap();
    let link = first.result.properties.next_link.clone().unwrap();
    let url = c.check_next_link(&link, &[]).unwrap();
    assert!(
        c.query_page(BILLING_ACCOUNT, &def("ServiceName"), Some(&url))
            .await
            .is_ok()
    );
    let e = c
        .query_page(BILLING_ACCOUNT, &def("SubscriptionId"), Some(&url))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("skiptoken"), "{e}");
    // Revoked token: 401, renewed once, answered.
    let before = emu.token_requests();
    emu.revoke_tokens();
    c.query_page(BILLING_ACCOUNT, &def("ServiceName"), None)
        .await
        .unwrap();
    assert_eq!(emu.token_requests(), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_storm_changes_no_sum() {
    let emu = emulator(CostManagementConfig::default().with_page_size(50)).await;
    emu.faults().set(FaultConfig {
        seed: 3,
        ..FaultConfig::storm(0.3)
    });
    let az = azure(&emu, QuerySpec::default());
    let recs = collect_all(az.costs(&september()).await.unwrap())
        .await
        .unwrap();
    emu.faults().clear();
    let clean = collect_all(
        azure(&emu, QuerySpec::default())
            .costs(&september())
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(recs, clean);
    assert!(
        emu.faults()
            .stats()
            .injected_429
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    );
}

const SETTINGS: &str = r#"{"$schema":"https://aka.ms/finops/hubs/settings-schema","type":"HubInstance","version":"15.0",
  "scopes":[{"scope":"/providers/Microsoft.Billing/billingAccounts/8611537"},
            {"scope":"/subscriptions/9c1d7e3f-2a4b-4c6d-8e0f-1a3b5c7d9e02"}],
  "retention":{"msexports":{"days":0},"ingestion":{"months":13},"raw":{"days":0},"final":{"months":13}}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_exports_plan_apply_run_and_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let ex = Store::local(dir.path().join("msexports")).unwrap();
    let ing = Store::local(dir.path().join("ingestion")).unwrap();
    let emu = emulator(
        CostManagementConfig::default()
            .with_exports(ex.clone())
            .with_rows_per_part(300),
    )
    .await;
    let az = azure(&emu, QuerySpec::default());
    let settings = HubSettings::parse("settings.json", SETTINGS.as_bytes()).unwrap();
    let managed = ManagedExports::new(
        az.clone(),
        ManagedExportsOptions::new("finops-hub", STORAGE_ACCOUNT_ID),
    );
    // Dry run: four creations planned, with their requests; nothing changed.
    let plan = managed.plan(&settings).await.unwrap();
    assert_eq!(plan.len(), 4);
    assert!(plan.iter().all(|p| p.action == ExportAction::Create));
    let req = plan[0].request.as_ref().unwrap();
    assert_eq!(req.method, "PUT");
    assert!(req.url.ends_with("/providers/Microsoft.Billing/billingAccounts/8611537/providers/Microsoft.CostManagement/exports/finops-hub-daily-costdetails?api-version=2025-03-01"), "{}", req.url);
    assert_eq!(req.body["properties"]["definition"]["type"], "FocusCost");
    assert!(
        emu.exports(BILLING_ACCOUNT).is_empty(),
        "a plan changes nothing"
    );
    // Apply: created; planned again: unchanged.
    let applied = managed.apply(&plan).await;
    assert!(
        applied
            .iter()
            .all(|r| r.as_ref().is_ok_and(|a| a.e_tag.is_some())),
        "{applied:?}"
    );
    assert_eq!(emu.exports(BILLING_ACCOUNT).len(), 2);
    let again = managed.plan(&settings).await.unwrap();
    assert!(
        again
            .iter()
            .all(|p| p.action == ExportAction::Unchanged && p.request.is_none())
    );
    // Another version: updates carrying the current eTag.
    let v12 = ManagedExports::new(
        az.clone(),
        ManagedExportsOptions::new("finops-hub", STORAGE_ACCOUNT_ID).with_data_version("1.2"),
    );
    let upd = v12.plan(&settings).await.unwrap();
    assert!(upd.iter().all(|p| p.action == ExportAction::Update
        && p.request.as_ref().unwrap().body["eTag"].is_string()));
    assert!(
        upd[0].differences[0].contains("1.2-preview"),
        "{:?}",
        upd[0].differences
    );
    assert!(v12.apply(&upd).await.iter().all(|r| r.is_ok()));
    // An update without the eTag is refused (400), a stale one too (412).
    let c = az.client();
    let mut stale = c
        .get_export(BILLING_ACCOUNT, "finops-hub-daily-costdetails")
        .await
        .unwrap()
        .unwrap();
    let current = stale.e_tag.take();
    let e = c
        .put_export(BILLING_ACCOUNT, "finops-hub-daily-costdetails", &stale)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("eTag"), "{e}");
    stale.e_tag = Some("\"0\"".into());
    let e = c
        .put_export(BILLING_ACCOUNT, "finops-hub-daily-costdetails", &stale)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(412));
    assert!(current.is_some());
    // Backfill September and October with the monthly export; the daily one runs on schedule.
    for (s, e) in [
        ("2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z"),
        ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"),
    ] {
        managed
            .run(
                BILLING_ACCOUNT,
                "finops-hub-monthly-costdetails",
                Some((t(s), t(e))),
            )
            .await
            .unwrap();
    }
    let scheduled = emu.run_scheduled(Recurrence::Daily).await;
    assert_eq!(scheduled.len(), 2, "one daily export per scope");
    assert!(
        scheduled
            .iter()
            .all(|r| r.properties.status == "Completed"
                && r.properties.execution_type == "Scheduled")
    );
    let hist = managed
        .run_history(BILLING_ACCOUNT, "finops-hub-monthly-costdetails")
        .await
        .unwrap();
    assert_eq!(hist.value.len(), 2);
    assert_eq!(
        hist.value[0].properties.start_date.as_deref(),
        Some("2026-10-01T00:00:00"),
        "newest first"
    );
    let manifest = hist.value[0].properties.manifest_file.clone().unwrap();
    assert!(manifest.starts_with("providers/Microsoft.Billing/billingAccounts/8611537/finops-hub-monthly-costdetails/20261001-20261031/"), "{manifest}");
    // A run over two months is refused, and recorded as failed.
    let e = c
        .run_export(
            BILLING_ACCOUNT,
            "finops-hub-monthly-costdetails",
            &ExportRunRequest {
                time_period: Some(TimePeriod::from_half_open(
                    t("2026-09-15T00:00:00Z"),
                    t("2026-10-15T00:00:00Z"),
                )),
            },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("calendar month"), "{e}");
    // Exports -> ingestion: every run lands, rows and BilledCost equal the service's.
    let rep = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(emu.clock()))
        .ingest_all()
        .await
        .unwrap();
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(rep.ingested.len(), 4, "{rep:?}");
    for m in [month(2026, 9), month(2026, 10), month(2026, 11)] {
        let (rows, billed, _) = emu.month_totals(BILLING_ACCOUNT, m);
        let i = rep
            .ingested
            .iter()
            .find(|i| {
                i.month == m.format("%Y-%m").to_string()
                    && i.scope == "/providers/microsoft.billing/billingaccounts/8611537"
            })
            .unwrap();
        assert_eq!(i.rows, rows);
        assert_eq!(
            i.total.as_deref().unwrap().parse::<Decimal>().unwrap(),
            d18(billed)
        );
    }
    assert!(
        all_paths(
            &ing,
            "Costs/2026/09/providers/microsoft.billing/billingaccounts/8611537"
        )
        .await
        .iter()
        .any(|p| p.ends_with(".parquet"))
    );
}
