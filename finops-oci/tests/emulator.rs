//! Integration tests against the loopback Usage API emulator.

use chrono::{NaiveDate, TimeZone, Utc};
use finops_core::clock::FixedClock;
use finops_core::emulator::FaultConfig;
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_core::source::{CostQuery, CostSource};
use finops_core::{Currency, Decimal, Error, Period};
use finops_oci::emulator::{OciEmulator, TenancySpec};
use finops_oci::report::{
    ReportOptions, RunOptions, fetch_client_data, monthly_csv, run_contract_report,
};
use finops_oci::{Granularity, OciBuilder, UsageApiOptions, UsageRequest, load_config_dir};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn fast_retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            base: 2.0,
        },
        max_retries: 30,
        retry_timeout: Duration::from_secs(60),
        max_retry_after: Duration::from_millis(5),
        ..RetryConfig::default()
    }
}

/// The clock of the tests that talk to a plain loopback server instead of the emulator
/// (stopped, so nothing depends on the machine's date).
fn test_clock() -> finops_core::clock::SharedClock {
    Arc::new(FixedClock::new("2026-11-22T12:00:00Z".parse().unwrap()))
}

/// An emulator serving the four tenancies of `tests/data/clients`, trusting A, B and C's
/// keys and, for D, a key that is not the one D signs with.
async fn emulator() -> OciEmulator {
    let emu = OciEmulator::start().await.unwrap();
    let brl = Currency::new("BRL").unwrap();
    for (t, name, cur, from, scale) in [
        (
            "ocid1.tenancy.oc1..aaaaaaaaclientea",
            "Cliente A",
            brl,
            d(2025, 6, 1),
            "20",
        ),
        (
            "ocid1.tenancy.oc1..aaaaaaaaclientb",
            "Client B",
            Currency::USD,
            d(2025, 12, 1),
            "9",
        ),
        (
            "ocid1.tenancy.oc1..aaaaaaaaclientc",
            "Cliente C",
            brl,
            d(2026, 6, 15),
            "2",
        ),
        (
            "ocid1.tenancy.oc1..aaaaaaaaclientd",
            "Cliente D",
            brl,
            d(2026, 1, 1),
            "1",
        ),
    ] {
        emu.add_tenancy(TenancySpec::standard(
            t,
            name,
            cur,
            from,
            "sa-saopaulo-1",
            scale.parse().unwrap(),
        ));
    }
    for e in load_config_dir(&data("clients")).unwrap() {
        let cfg = e.client.unwrap();
        if cfg.name == "Cliente D" {
            let pem = std::fs::read_to_string(data("client_d_registered.pub.pem")).unwrap();
            emu.register_key_pem(
                "ocid1.tenancy.oc1..aaaaaaaaclientd/ocid1.user.oc1..aaaaaaaauserd/d1:2b:c8:19:f3:a9:dc:4d:0d:b8:71:3f:ab:e7:28:84",
                &pem,
            )
            .unwrap();
        } else {
            emu.register_client(&cfg).await.unwrap();
        }
    }
    emu
}

fn run_opts(emu: &OciEmulator) -> RunOptions {
    RunOptions::default()
        .with_clock(emu.clock())
        .with_endpoint(emu.url())
        .with_retry(fast_retry())
        .with_usage_options(UsageApiOptions::default().with_page_limit(40))
}

#[tokio::test]
async fn three_clients_report_and_a_wrong_key_fails_alone() {
    let emu = emulator().await;
    let entries = load_config_dir(&data("clients")).unwrap();
    assert_eq!(entries.len(), 4);
    let run = run_contract_report(
        entries,
        &ReportOptions::new(d(2026, 11, 22)),
        &run_opts(&emu),
    )
    .await;
    let r = &run.report;
    let names: Vec<&str> = r.clients.iter().map(|c| c.client.as_str()).collect();
    assert_eq!(names, ["Cliente A", "Client B", "Cliente C"]);
    assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
    let f = &r.failures[0];
    assert_eq!(f.client, "Cliente D");
    assert!(
        f.error.contains("NotAuthenticated") && f.error.contains("opc-request-id"),
        "{}",
        f.error
    );
    assert!(f.error.contains("POST /20200107/usage"), "{}", f.error);
    assert!(emu.rejected_auth() >= 1);

    // Currency: A and C from the API (BRL), B from its config (USD).
    assert_eq!(r.clients[0].currency, "BRL");
    assert_eq!(r.clients[1].currency, "USD");
    // Consumed = Σ FOCUS BilledCost = Σ months, exactly.
    for (c, (name, recs)) in r.clients.iter().zip(&run.records) {
        assert_eq!(&c.client, name);
        let billed: Decimal = recs.iter().map(|x| x.billed_cost).sum();
        assert_eq!(billed, c.consumed, "{name}");
        assert_eq!(
            c.monthly.iter().map(|m| m.cost).sum::<Decimal>(),
            c.consumed
        );
        assert_eq!(c.balance_at_end, c.credit - c.consumed - c.forecast);
        assert_eq!(
            c.forecast,
            c.weekdays.iter().map(|w| w.forecast).sum::<Decimal>()
        );
        assert!(c.consumed > Decimal::ZERO);
    }
    // B's contract started in December 2025: 12 months reported, split into month chunks.
    assert_eq!(r.clients[1].monthly.len(), 12);
    assert_eq!(r.clients[1].monthly[0].month, "2025-12");
    // Consolidation per currency reconciles with the clients.
    let brl = r.consolidated.iter().find(|c| c.currency == "BRL").unwrap();
    assert_eq!(brl.clients, 2);
    assert_eq!(brl.consumed, r.clients[0].consumed + r.clients[2].consumed);
    assert_eq!(brl.forecast, r.clients[0].forecast + r.clients[2].forecast);
    assert_eq!(brl.balance_at_end, brl.credit - brl.consumed - brl.forecast);
    let usd = r.consolidated.iter().find(|c| c.currency == "USD").unwrap();
    assert_eq!(usd.consumed, r.clients[1].consumed);
    // C has a backtest (history since mid June) and a run-out date or not, but always a value.
    assert!(r.clients[0].backtest_mape_percent.is_some());
}

/// Issue 12 §5, billing months that match the invoice: OCI bills per UTC calendar month, so
/// per billing period and currency the FOCUS BilledCost total equals the contract report's
/// monthly consumption (the rows of `oci_report_monthly.csv`, per client and consolidated)
/// exactly, and the current month's BillingPeriodEnd is the month's end, not the as-of date.
#[tokio::test]
async fn focus_billed_cost_per_billing_period_equals_the_monthly_report() {
    let emu = emulator().await;
    let as_of = d(2026, 11, 22);
    let run = run_contract_report(
        load_config_dir(&data("clients")).unwrap(),
        &ReportOptions::new(as_of),
        &run_opts(&emu),
    )
    .await;
    assert_eq!(run.report.clients.len(), 3);
    // The report's numbers as `oci_report_monthly.csv` writes them: client,currency,month,cost.
    let csv = String::from_utf8(monthly_csv(&run.report).unwrap()).unwrap();
    let mut report: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 4, "{line}");
        let key = (f[0].to_string(), f[2].to_string(), f[1].to_string());
        assert!(
            report.insert(key, f[3].parse().unwrap()).is_none(),
            "{line}"
        );
    }
    // The FOCUS records, summed per client and over every client (`*`), per billing period
    // (the month of BillingPeriodStart) and BillingCurrency.
    let mut focus: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    let utc = |y, m, day| Utc.with_ymd_and_hms(y, m, day, 0, 0, 0).unwrap();
    for (client, records) in &run.records {
        for r in records {
            let bp = r.billing_period;
            assert_eq!(bp, Period::month_of(r.charge_period.start.date_naive()));
            assert!(bp.start <= r.charge_period.start && r.charge_period.end <= bp.end);
            let month = bp.start.format("%Y-%m").to_string();
            for who in [client.as_str(), "*"] {
                let key = (
                    who.to_string(),
                    month.clone(),
                    r.billing_currency.to_string(),
                );
                *focus.entry(key).or_default() += r.billed_cost;
            }
        }
    }
    assert!(focus.len() > 20, "{focus:?}");
    assert_eq!(focus, report);
    // Both currencies are there, never summed together.
    assert!(report.contains_key(&("*".into(), "2026-11".into(), "BRL".into())));
    assert!(report.contains_key(&("*".into(), "2026-11".into(), "USD".into())));
    // The current month: charges up to the day before as-of, billed in the whole month.
    let current: Vec<_> = run
        .records
        .iter()
        .flat_map(|(_, r)| r)
        .filter(|r| r.billing_period.start == utc(2026, 11, 1))
        .collect();
    assert!(!current.is_empty());
    for r in current {
        assert_eq!(r.billing_period.end, utc(2026, 12, 1));
        assert!(r.charge_period.end <= utc(2026, 11, 22));
    }
}

#[tokio::test]
async fn pages_over_many_pages_and_daily_reconciles_with_monthly() {
    let emu = emulator().await;
    emu.set_max_page_size(7);
    let client = OciBuilder::new()
        .with_clock(emu.clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(emu.url())
        .with_retry(fast_retry())
        .build_async()
        .await
        .unwrap()
        .into_client();
    let before = emu.served_pages();
    let data = fetch_client_data(&client, d(2026, 3, 1), d(2026, 4, 1), Currency::USD)
        .await
        .unwrap();
    let pages = emu.served_pages() - before;
    // 5 resources × 31 days = 155 items at 7 per page = 23 pages.
    assert_eq!(data.records.len(), 155);
    assert_eq!(pages, 23);
    // The same month as one MONTHLY item per resource: totals agree to the last digit.
    let mut q = UsageRequest::new(
        client.tenancy(),
        d(2026, 3, 1),
        d(2026, 4, 1),
        Granularity::Monthly,
    );
    q.group_by = vec!["service".into()];
    let monthly: Vec<_> =
        futures::StreamExt::collect::<Vec<_>>(client.request_summarized_usages(q)).await;
    let monthly_total: Decimal = monthly
        .into_iter()
        .map(|i| i.unwrap().computed_amount.unwrap())
        .sum();
    let daily_total: Decimal = data.series.values().copied().sum();
    assert_eq!(monthly_total, daily_total);
}

#[tokio::test]
async fn fault_storms_change_nothing() {
    let emu = emulator().await;
    let opts = ReportOptions::new(d(2026, 11, 22));
    let calm = run_contract_report(
        load_config_dir(&data("clients")).unwrap(),
        &opts,
        &run_opts(&emu),
    )
    .await;
    // 30 % 429/500, plus dropped connections and truncated bodies (the POST is a read-only
    // query marked idempotent, so those are retried too).
    emu.faults().set(FaultConfig {
        seed: 7,
        retry_after_secs: 0,
        drop_rate: 0.05,
        truncate_rate: 0.05,
        ..FaultConfig::storm(0.3)
    });
    let stormy = run_contract_report(
        load_config_dir(&data("clients")).unwrap(),
        &opts,
        &run_opts(&emu),
    )
    .await;
    let stats = emu.faults().stats();
    let injected = stats
        .injected_429
        .load(std::sync::atomic::Ordering::Relaxed)
        + stats
            .injected_500
            .load(std::sync::atomic::Ordering::Relaxed);
    assert!(injected > 10, "the storm injected only {injected} faults");
    assert_eq!(calm.report.clients, stormy.report.clients);
    assert_eq!(calm.report.consolidated, stormy.report.consolidated);
    assert_eq!(calm.records, stormy.records);
    // Client D still fails for its key, not for the storm (the opc-request-id differs).
    assert_eq!(stormy.report.failures.len(), 1);
    assert!(stormy.report.failures[0].error.contains("NotAuthenticated"));
}

#[tokio::test]
async fn emulator_refuses_what_oci_refuses() {
    let emu = emulator().await;
    let client = OciBuilder::new()
        .with_clock(emu.clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(emu.url())
        .with_retry(fast_retry())
        .build_async()
        .await
        .unwrap()
        .into_client();
    // A misaligned date (built by hand: the client never sends one) gets the real 400.
    let mut q = UsageRequest::new(
        client.tenancy(),
        d(2026, 3, 1),
        d(2026, 3, 2),
        Granularity::Daily,
    );
    q.time_usage_started = "2026-03-01T10:00:00Z".into();
    let e = client.usage_page(&q, None).await.unwrap_err();
    match &e {
        Error::Status {
            status: 400,
            body,
            request_id,
            ..
        } => {
            assert!(
                body.contains("Passed UTC date does not have the right precision"),
                "{body}"
            );
            assert!(request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
    // An unparseable date.
    q.time_usage_started = "yesterday".into();
    let e = client.usage_page(&q, None).await.unwrap_err();
    assert!(
        e.to_string().contains("Unable to process JSON input"),
        "{e}"
    );
    // Another tenancy than the key's: 404.
    let q = UsageRequest::new(
        "ocid1.tenancy.oc1..aaaaaaaaclientb",
        d(2026, 3, 1),
        d(2026, 3, 2),
        Granularity::Daily,
    );
    let e = client.usage_page(&q, None).await.unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    // A client clock 6 minutes behind the emulator's: 401 (clock skew), not retried.
    let skewed = FixedClock::new(emu.clock().now() - chrono::Duration::minutes(6));
    let late = OciBuilder::new()
        .with_clock(emu.clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(emu.url())
        .with_clock(Arc::new(skewed))
        .build_async()
        .await
        .unwrap()
        .into_client();
    let q = UsageRequest::new(
        late.tenancy(),
        d(2026, 3, 1),
        d(2026, 3, 2),
        Granularity::Daily,
    );
    let e = late.usage_page(&q, None).await.unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e}");
    // A tampered signature: 401.
    let mut parts = client.usage_request(&q, None).unwrap();
    finops_oci::sign_request(
        &mut parts,
        &finops_oci::OciPrivateKey::from_file(&data("client_b_pkcs8.pem"), None).unwrap(),
        "ocid1.tenancy.oc1..aaaaaaaaclientea/ocid1.user.oc1..aaaaaaaausera/a5:bd:fd:be:f6:bf:c3:06:09:21:98:02:0c:a3:87:f2",
        emu.clock().now(),
    )
    .unwrap();
    let http = finops_core::http::HttpClient::builder("oci")
        .build()
        .unwrap();
    let resp = http.send(parts, None).await.unwrap_err();
    assert!(matches!(resp, Error::Unauthenticated { .. }), "{resp}");
}

#[tokio::test]
async fn cost_source_conformance_and_focus_records() {
    let emu = emulator().await;
    let client = OciBuilder::new()
        .with_clock(emu.clock())
        .with_client_file(data("clients/config_ClienteC"))
        .with_endpoint(emu.url())
        .with_retry(fast_retry())
        .build_async()
        .await
        .unwrap();
    assert_eq!(
        client.to_string(),
        "Oci(ocid1.tenancy.oc1..aaaaaaaaclientc)"
    );
    let period = Period::new(
        Utc.with_ymd_and_hms(2026, 6, 30, 12, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 7, 3, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let recs =
        finops_core::testing::cost_source_conformance(&client, &CostQuery::for_period(period))
            .await;
    // 5 resources × 3 days (30 June, 1 and 2 July).
    assert_eq!(recs.len(), 15);
    let r = &recs[0];
    assert_eq!(r.provider_name, "Oracle");
    assert_eq!(r.billing_account_id, "ocid1.tenancy.oc1..aaaaaaaaclientc");
    assert_eq!(r.billing_currency.as_str(), "BRL");
    assert!(
        r.sub_account_id
            .as_deref()
            .unwrap()
            .starts_with("ocid1.compartment")
    );
    assert!(
        r.sku_id.is_some() && r.pricing_quantity.is_some() && r.contracted_unit_price.is_some()
    );
    assert_eq!(r.extensions.get("x_OverageFlag"), Some("N"));
    // Behind Arc<dyn CostSource>.
    let dynamic: Arc<dyn CostSource> = Arc::new(client.clone());
    let again = finops_core::testing::cost_source_conformance(
        dynamic.as_ref(),
        &CostQuery::for_period(period),
    )
    .await;
    assert_eq!(recs, again);
    // A query without a period is refused clearly.
    assert!(client.costs(&CostQuery::default()).await.is_err());
}

#[tokio::test]
async fn tag_grouping() {
    let emu = emulator().await;
    let client = OciBuilder::new()
        .with_clock(emu.clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(emu.url())
        .with_usage_options(
            UsageApiOptions::default()
                .with_group_by_tag(finops_oci::TagRef::new(Some("Finance"), "CostCenter")),
        )
        .build_async()
        .await
        .unwrap()
        .into_client();
    let data = fetch_client_data(&client, d(2026, 3, 2), d(2026, 3, 3), Currency::USD)
        .await
        .unwrap();
    let mut tags: Vec<String> = data
        .records
        .iter()
        .map(|r| {
            r.tags
                .as_ref()
                .unwrap()
                .get("Finance.CostCenter")
                .unwrap()
                .to_string()
        })
        .collect();
    tags.sort();
    assert_eq!(tags, ["CC-100", "CC-200", "CC-300"]);
}

/// The official FOCUS validator (scripts/focus-validate; one SKIPPED line without Python >= 3.12).
#[tokio::test]
async fn focus_validator_accepts_oci_records() {
    let emu = emulator().await;
    let client = OciBuilder::new()
        .with_clock(emu.clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(emu.url())
        .build_async()
        .await
        .unwrap()
        .into_client();
    let data = fetch_client_data(&client, d(2026, 3, 1), d(2026, 3, 8), Currency::USD)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("oci_focus.csv");
    finops_core::focus::csv::write_csv_file(&csv, &data.records).unwrap();
    finops_core::testing::focus_validate(&[&csv]);
}

/// A server that hands back the same `opc-next-page` token forever: the client stops with an
/// error naming the call instead of paging in a loop (and counting items twice).
#[tokio::test]
async fn a_repeated_page_token_is_an_error_not_an_endless_loop() {
    use finops_core::emulator::{EmulatorServer, axum};
    let app = axum::Router::new().route(
        "/proxy/20200107/usage",
        axum::routing::post(|| async {
            (
                [
                    ("content-type", "application/json"),
                    ("opc-next-page", "same-token"),
                    ("opc-request-id", "REQ-LOOP"),
                ],
                r#"{"groupBy":[],"items":[{"computedAmount":1.5,"timeUsageStarted":"2026-01-01T00:00:00.000Z","timeUsageEnded":"2026-01-02T00:00:00.000Z","currency":"BRL"}]}"#,
            )
        }),
    );
    let server = EmulatorServer::start(app).await.unwrap();
    // The endpoint's path is kept (SDK `service_endpoint` semantics).
    let client = OciBuilder::new()
        .with_clock(test_clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(format!("{}/proxy", server.url()))
        .with_retry(fast_retry())
        .build_async()
        .await
        .unwrap()
        .into_client();
    let q = UsageRequest::new(
        client.tenancy(),
        d(2026, 1, 1),
        d(2026, 1, 2),
        Granularity::Daily,
    );
    let got: Vec<_> =
        futures::StreamExt::collect::<Vec<_>>(client.request_summarized_usages(q)).await;
    // The first page, then the page that hands the followed token back is refused.
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].is_ok());
    let e = got[1].as_ref().unwrap_err().to_string();
    assert!(
        e.contains("already followed") && e.contains("/usage"),
        "{e}"
    );
}

/// A server answering `items` (JSON array text) to every `POST /20200107/usage`.
async fn fixed_server(items: &'static str) -> finops_core::emulator::EmulatorServer {
    use finops_core::emulator::{EmulatorServer, axum};
    let app = axum::Router::new().route(
        "/20200107/usage",
        axum::routing::post(move || async move {
            (
                [("content-type", "application/json")],
                format!(r#"{{"groupBy":["service","resourceId"],"items":{items}}}"#),
            )
        }),
    );
    EmulatorServer::start(app).await.unwrap()
}

/// Real OCI leaves `currency` blank (`" "`, null) on some grouped items (oci-python-sdk
/// #380, #771): the tenancy's named currency applies to them, instead of USD records that
/// then clash with the named one.
#[tokio::test]
async fn blank_currencies_take_the_tenancy_currency() {
    let server = fixed_server(
        r#"[{"service":"Compute","resourceId":"ocid1.instance.oc1..a","computedAmount":1.25,"currency":" ","timeUsageStarted":"2026-03-02T00:00:00.000Z","timeUsageEnded":"2026-03-03T00:00:00.000Z","tags":[{"namespace":null,"key":null,"value":null}]},
            {"service":"Block Storage","resourceId":"ocid1.bootvolume.oc1..b","computedAmount":0.75,"currency":"BRL","timeUsageStarted":"2026-03-02T00:00:00.000Z","timeUsageEnded":"2026-03-03T00:00:00.000Z"},
            {"service":"Object Storage","computedAmount":null,"currency":null,"timeUsageStarted":"2026-03-02T00:00:00.000Z","timeUsageEnded":"2026-03-03T00:00:00.000Z"}]"#,
    )
    .await;
    let client = OciBuilder::new()
        .with_clock(test_clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(server.url())
        .with_retry(fast_retry())
        .build_async()
        .await
        .unwrap()
        .into_client();
    let data = fetch_client_data(&client, d(2026, 3, 2), d(2026, 3, 3), Currency::USD)
        .await
        .unwrap();
    let brl = Currency::new("BRL").unwrap();
    assert_eq!(data.currency, Some(brl));
    assert_eq!(data.records.len(), 3);
    assert!(data.records.iter().all(|r| r.billing_currency == brl));
    assert_eq!(data.series[&d(2026, 3, 2)], Decimal::new(200, 2));
}

/// Every currency blank and none in the config: the client fails and says which key to set,
/// rather than reporting the usage as USD.
#[tokio::test]
async fn an_unnamed_currency_is_a_per_client_error_naming_moeda() {
    let server = fixed_server(
        r#"[{"service":"Compute","computedAmount":3.5,"currency":" ","timeUsageStarted":"2026-03-02T00:00:00Z","timeUsageEnded":"2026-03-03T00:00:00Z"}]"#,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("clients/config_ClienteA"))
        .unwrap()
        .replace(
            "key_file=../client_a_pkcs1.pem",
            &format!("key_file={}", data("client_a_pkcs1.pem").display()),
        );
    std::fs::write(dir.path().join("config_NoCurrency"), text).unwrap();
    let entries = load_config_dir(dir.path()).unwrap();
    let run = run_contract_report(
        entries,
        &ReportOptions::new(d(2026, 3, 3)),
        &RunOptions::default()
            .with_clock(test_clock())
            .with_endpoint(server.url())
            .with_retry(fast_retry()),
    )
    .await;
    assert!(run.report.clients.is_empty());
    let f = &run.report.failures[0];
    assert!(
        f.error.contains("moeda") && f.error.contains("config_NoCurrency"),
        "{}",
        f.error
    );
}

/// The cost source gives blank-currency items the tenancy's named currency too.
#[tokio::test]
async fn cost_source_records_of_blank_currency_items_are_not_usd() {
    let server = fixed_server(
        r#"[{"service":"Compute","computedAmount":1.25,"currency":" ","timeUsageStarted":"2026-03-02T00:00:00.000Z","timeUsageEnded":"2026-03-03T00:00:00.000Z"},
            {"service":"Block Storage","computedAmount":0.75,"currency":"BRL","timeUsageStarted":"2026-03-02T00:00:00.000Z","timeUsageEnded":"2026-03-03T00:00:00.000Z"}]"#,
    )
    .await;
    let client = OciBuilder::new()
        .with_clock(test_clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(server.url())
        .with_retry(fast_retry())
        .build_async()
        .await
        .unwrap();
    let period = Period::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let recs: Vec<_> = futures::StreamExt::collect::<Vec<_>>(
        client.costs(&CostQuery::for_period(period)).await.unwrap(),
    )
    .await;
    assert_eq!(recs.len(), 2);
    for r in recs {
        assert_eq!(r.unwrap().billing_currency, Currency::new("BRL").unwrap());
    }
}

/// OCI accepts `x-date` signed in place of `date` (signingrequests.htm); so does the emulator.
#[tokio::test]
async fn emulator_accepts_x_date_in_place_of_date() {
    use base64::Engine;
    use finops_core::http::HeaderValue;
    use finops_oci::credential::{RsaSha256Signer, signing_string};
    let emu = emulator().await;
    let client = OciBuilder::new()
        .with_clock(emu.clock())
        .with_client_file(data("clients/config_ClienteA"))
        .with_endpoint(emu.url())
        .with_retry(fast_retry())
        .build_async()
        .await
        .unwrap()
        .into_client();
    let q = UsageRequest::new(
        client.tenancy(),
        d(2026, 3, 1),
        d(2026, 3, 2),
        Granularity::Daily,
    );
    let mut parts = client.usage_request(&q, None).unwrap();
    let now = emu.clock().now();
    let host = finops_oci::credential::host_header(&parts.url);
    let len = parts.body.len().to_string();
    let sha = base64::engine::general_purpose::STANDARD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(&parts.body));
    for (k, v) in [
        ("x-date", finops_oci::credential::http_date(now)),
        ("host", host),
        ("content-length", len),
        ("x-content-sha256", sha),
    ] {
        parts.headers.insert(k, HeaderValue::from_str(&v).unwrap());
    }
    let signed = [
        "x-date",
        "(request-target)",
        "host",
        "content-length",
        "content-type",
        "x-content-sha256",
    ];
    let key = finops_oci::OciPrivateKey::from_file(&data("client_a_pkcs1.pem"), None).unwrap();
    let sig = base64::engine::general_purpose::STANDARD.encode(
        key.sign_rsa_sha256(signing_string(&parts, &signed).unwrap().as_bytes())
            .unwrap(),
    );
    let auth = format!(
        "Signature version=\"1\",headers=\"{}\",keyId=\"ocid1.tenancy.oc1..aaaaaaaaclientea/ocid1.user.oc1..aaaaaaaausera/{}\",algorithm=\"rsa-sha256\",signature=\"{sig}\"",
        signed.join(" "),
        key.fingerprint()
    );
    parts
        .headers
        .insert("authorization", HeaderValue::from_str(&auth).unwrap());
    let http = finops_core::http::HttpClient::builder("oci")
        .build()
        .unwrap();
    let resp = http.send(parts, None).await.unwrap();
    assert_eq!(resp.status, 200);
}
