//! With the fault injector at 30 % 429/500 the weekly report (the Power BI CSV set) is
//! byte-identical to a fault-free run, and so are the FOCUS records.

use chrono::{DateTime, Utc};
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::emulator::FaultConfig;
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_ovh::accounts::{AccountOptions, load_dir};
use finops_ovh::cmdb::Cmdb;
use finops_ovh::collect::{CollectOptions, collect_all};
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use finops_ovh::store::Store;
use finops_ovh::to_focus;
use finops_ovh::weekly::{WeeklyOptions, sample_usage, write_weekly};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn as_of() -> DateTime<Utc> {
    "2026-11-22T00:00:00Z".parse().unwrap()
}

/// Every file of `dir` (the SQLite state aside) as raw bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

async fn report(emu: &OvhEmulator, out: &Path) -> (BTreeMap<String, Vec<u8>>, usize, usize) {
    let tokens = out.join("tokens");
    emu.write_token_files(&tokens, true).unwrap();
    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(10),
            base: 2.0,
        },
        max_retries: 40,
        max_retry_after: Duration::from_millis(5),
        ..RetryConfig::default()
    };
    let loaded = load_dir(
        &tokens,
        &AccountOptions::new()
            .with_clock(emu.clock())
            .with_rate_limit(10_000.0, 1_000)
            .with_retry(retry),
    )
    .unwrap();
    let collected = collect_all(&loaded.accounts, &CollectOptions::new(as_of())).await;
    let store = Store::open(out.join("state.sqlite")).unwrap();
    sample_usage(&collected, &store, as_of()).unwrap();
    let cmdb = Cmdb::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/ovh/cmdb"))
        .unwrap();
    let csv = out.join("csv");
    write_weekly(
        &collected,
        &cmdb,
        &store,
        &csv,
        &WeeklyOptions::new(as_of()),
    )
    .unwrap();
    let focus = to_focus(&collected, &|t| cmdb.ratio(t), as_of()).unwrap();
    (files(&csv), focus.len(), collected.errors.len())
}

#[tokio::test]
async fn report_is_byte_identical_under_a_30_percent_fault_storm() {
    let clock: SharedClock = Arc::new(FixedClock::new(as_of()));
    let emu = OvhEmulator::start(
        OvhEmulatorConfig::default()
            .with_as_of(as_of())
            .with_clock(clock),
    )
    .await
    .unwrap();
    let clean_dir = tempfile::tempdir().unwrap();
    let (clean, clean_focus, clean_errors) = report(&emu, clean_dir.path()).await;
    assert!(clean.len() >= 10, "{:?}", clean.keys().collect::<Vec<_>>());
    // Only the revoked account fails, in both runs.
    assert_eq!(clean_errors, 1);

    emu.server().faults().set(FaultConfig::storm(0.3));
    let stormy_dir = tempfile::tempdir().unwrap();
    let (stormy, stormy_focus, stormy_errors) = report(&emu, stormy_dir.path()).await;
    let stats = emu.server().faults().stats();
    let injected =
        stats.injected_429.load(Ordering::Relaxed) + stats.injected_500.load(Ordering::Relaxed);
    assert!(injected > 20, "only {injected} faults injected");
    assert_eq!(stormy_errors, 1);
    assert_eq!(clean_focus, stormy_focus);
    assert_eq!(
        clean.keys().collect::<Vec<_>>(),
        stormy.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &clean {
        assert!(stormy[name] == *bytes, "{name} differs under faults");
    }
}
