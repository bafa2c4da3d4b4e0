//! The root [`Ovh`] source against the emulator: as-of taken per query, each failed call its
//! own typed error item, the `UsageSource` side, and the billing period of every record.

use finops_core::clock::{Clock, FixedClock, SharedClock};
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_core::source::{CostQuery, CostSource, UsageQuery};
use finops_core::{CostRecord, Error};
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use finops_ovh::{AccountOptions, Ovh};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;

fn as_of() -> chrono::DateTime<chrono::Utc> {
    "2026-11-22T00:00:00Z".parse().unwrap()
}

fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

fn options(emu: &OvhEmulator) -> AccountOptions {
    AccountOptions::new()
        .with_clock(emu.clock())
        .with_rate_limit(1000.0, 100)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(20),
                base: 2.0,
            },
            max_retries: 2,
            ..RetryConfig::default()
        })
}

async fn items(ovh: &Ovh) -> (Vec<CostRecord>, Vec<Error>) {
    let mut s = ovh.costs(&CostQuery::default()).await.unwrap();
    let (mut ok, mut err) = (Vec::new(), Vec::new());
    while let Some(i) = s.next().await {
        match i {
            Ok(r) => ok.push(r),
            Err(e) => err.push(e),
        }
    }
    (ok, err)
}

#[tokio::test]
async fn as_of_is_taken_at_each_query() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    emu.write_token_files(dir.path(), false).unwrap();
    // Requests are signed on the emulator's clock; the queries take their as-of from this
    // one, two hours earlier, then one hour later.
    let queries = Arc::new(FixedClock::new(as_of() - chrono::Duration::hours(2)));
    let shared: SharedClock = queries.clone();
    let ovh = Ovh::from_dir(dir.path(), &options(&emu))
        .unwrap()
        .with_clock(shared);
    let running_end = |records: &[CostRecord]| {
        records
            .iter()
            .filter(|r| r.sub_account_type.as_deref() == Some("Public Cloud Project"))
            .map(|r| r.charge_period.end)
            .max()
            .unwrap()
    };
    let (first, err) = items(&ovh).await;
    assert!(err.is_empty(), "{err:?}");
    assert_eq!(running_end(&first), queries.now());
    queries.advance(chrono::Duration::hours(1));
    let (second, _) = items(&ovh).await;
    assert_eq!(running_end(&second), as_of() - chrono::Duration::hours(1));
    // The running month's billing period is the whole month either way.
    for r in first.iter().chain(&second) {
        if r.charge_period.start >= t("2026-10-31T23:00:00Z") {
            assert_eq!(
                (r.billing_period.start, r.billing_period.end),
                (t("2026-10-31T23:00:00Z"), t("2026-11-30T23:00:00Z")),
                "{r:?}"
            );
        }
    }
}

#[tokio::test]
async fn each_failed_call_is_its_own_typed_error_item() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The revoked `Legacy_Archive` token, and a credential file that cannot be read.
    emu.write_token_files(dir.path(), true).unwrap();
    std::fs::write(
        dir.path().join("Broken"),
        "[default]\nendpoint=ovh-eu\n[ovh-eu]\napplication_key=x\n",
    )
    .unwrap();
    let ovh = Ovh::from_dir(dir.path(), &options(&emu)).unwrap();
    let (records, errors) = items(&ovh).await;
    assert!(!records.is_empty(), "the other accounts went on");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| matches!(e,
            Error::Unauthenticated { call, .. } if call == "Legacy_Archive: GET /1.0/auth/currentCredential"
                || call == "Legacy_Archive: GET /auth/currentCredential")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, Error::Config { .. }) && e.to_string().contains("Broken")),
        "{errors:?}"
    );
    // Records first, then the failures: a consumer can stop at the first error knowing the
    // records before it are complete.
    let mut s = ovh.costs(&CostQuery::default()).await.unwrap();
    let mut seen_error = false;
    while let Some(i) = s.next().await {
        if i.is_err() {
            seen_error = true;
        } else {
            assert!(!seen_error, "a record after an error");
        }
    }
}

#[tokio::test]
async fn failed_calls_under_faults_keep_their_variant() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    emu.write_token_files(dir.path(), false).unwrap();
    let ovh = Ovh::from_dir(dir.path(), &options(&emu)).unwrap();
    // Every call answered 429: after the retries each call is a rate-limit error item.
    emu.server()
        .faults()
        .set(finops_core::emulator::FaultConfig::storm(1.0));
    let (records, errors) = items(&ovh).await;
    assert!(records.is_empty());
    assert!(errors.len() >= 3, "{errors:?}");
    for e in &errors {
        assert!(
            matches!(e, Error::RetriesExhausted { call, .. } if call.contains(": GET /"))
                && matches!(e.status(), Some(429 | 500)),
            "a typed HTTP failure naming its account and call, not a string: {e:?}"
        );
    }
}

#[tokio::test]
async fn usage_source_reads_the_hosted_private_cloud_vms() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    emu.write_token_files(dir.path(), false).unwrap();
    let ovh = Ovh::from_dir(dir.path(), &options(&emu)).unwrap();
    let samples =
        finops_core::testing::usage_source_conformance(&ovh, &UsageQuery::default()).await;
    // 3 VMs × cpu and memory, read at the query's as-of.
    assert_eq!(samples.len(), 6, "{samples:?}");
    assert!(samples.iter().all(|s| s.time == as_of()));
    assert!(
        samples
            .iter()
            .any(|s| s.resource.starts_with("pcc-192-0-2-10/") && s.metric == "cpu")
    );
}
