//! `ovh_weekly_report` end to end against the OVH emulator: the CLI contract, every CSV file's
//! header and key rows, ratios, verdicts, driver counts, MFA/activity, the token-expiry
//! warning, `focus.parquet`, and byte-identical output under a 30 % 429/500 fault storm.

use chrono::{DateTime, Utc};
use finops_core::Decimal;
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::emulator::FaultConfig;
use finops_examples::ovh::{RunOptions, fast_retry, main_with_args, parse_as_of, run, sample_cmdb};
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

fn as_of() -> DateTime<Utc> {
    parse_as_of("2026-11-22").unwrap()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ovh")
}

/// The clock of the runs that have no emulator of their own (the `--demo` runs use their
/// embedded emulator's clock): stopped at the data set's date, never the machine's.
fn test_clock() -> SharedClock {
    Arc::new(FixedClock::new(as_of()))
}

async fn emulator() -> OvhEmulator {
    let clock: SharedClock = Arc::new(FixedClock::new(as_of()));
    OvhEmulator::start(
        OvhEmulatorConfig::default()
            .with_as_of(as_of())
            .with_clock(clock),
    )
    .await
    .unwrap()
}

/// Every file of `dir` (not the state store), as bytes.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// Windows-1252 text → String (the files only hold ASCII and Latin-1 letters here, which
/// Windows-1252 and Latin-1 encode alike).
fn text(bytes: &[u8]) -> String {
    assert!(
        !bytes.iter().any(|b| (0x80..0xa0).contains(b)),
        "unexpected cp1252-only byte"
    );
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Rows (header excluded) of a CSV file without quoted fields.
fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let t = text(bytes);
    assert!(!t.contains('"'), "quoted fields: use a CSV reader");
    t.split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn inst(p: u32, i: u32) -> String {
    format!("0000000{p}-0000-4000-8000-00000000000{i}")
}

#[tokio::test]
async fn cli_with_the_sample_tokens_and_workbook() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let state = dir.path().join("state/ovh.sqlite");
    let args: Vec<String> = vec![
        "ovh_weekly_report".into(),
        "--tokens".into(),
        data_dir().join("tokens").display().to_string(),
        "--cmdb".into(),
        sample_cmdb().display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "--as-of".into(),
        "2026-11-22".into(),
        "--endpoint".into(),
        emu.url(),
        "--state".into(),
        state.display().to_string(),
        "--sample-usage".into(),
        "--rate-limit".into(),
        "1000".into(),
    ];
    let outcome = main_with_args(&args, emu.clock()).await.unwrap();
    assert!(state.exists());
    assert_eq!(outcome.samples_stored, 3);
    let files = outputs(&out);
    for f in [
        "data_PBI_info_billing.csv",
        "data_PBI_info_billing_history.csv",
        "data_PBI_info_billing_managed_public_cloud.csv",
        "data_PBI_info_billing_snapshot.csv",
        "data_PBI_info_billing_storage.csv",
        "data_PBI_info_instance.csv",
        "data_PBI_info_tenant.csv",
        "data_PBI_info_service.csv",
        "data_PBI_missing_token.csv",
        "data_PBI_info_usage.csv",
        "data_PBI_info_users.csv",
        "data_PBI_info_token.csv",
        "date_time_refresh.csv",
        "Calcul_inducteurs_ProSanteConnect.csv",
        "Calcul_inducteurs_SAS_Sante.csv",
        "Calcul_inducteurs_SIVIC_SICAP.csv",
        "data_PBI_users_history_ps11111-ovh.csv",
        "data_PBI_users_history_sa22222-ovh.csv",
        "data_PBI_users_history_si33333-ovh.csv",
    ] {
        assert!(files.contains_key(f), "{f} missing: {:?}", files.keys());
    }
    // cp1252 on disk: `é` is one byte 0xE9.
    assert!(
        files["data_PBI_info_billing.csv"]
            .starts_with(b"ID tenant,Instance ID,Type d'instance,Temps d'activit\xe9 (heures)")
    );
    assert_eq!(
        text(&files["date_time_refresh.csv"]),
        "Date Time\r\n2026-11-22 01:00:00\r\n"
    );
    assert_eq!(
        text(&files["Calcul_inducteurs_ProSanteConnect.csv"]),
        "Database,Prod,Recette,Gateway,Loadbalancer,Other\r\n1,1,2,1,1,1\r\n"
    );
    assert_eq!(
        text(&files["Calcul_inducteurs_SAS_Sante.csv"]),
        "Prod,Gateway,Loadbalancer,VPS,Other\r\n2,0,1,1,0\r\n"
    );
    assert_eq!(
        text(&files["Calcul_inducteurs_SIVIC_SICAP.csv"]),
        "Prod,Gateway,Loadbalancer,VPS,Other\r\n2,1,0,1,0\r\n"
    );
    assert_eq!(
        text(&files["data_PBI_missing_token.csv"]),
        "Missing tokens\r\next99999-ovh\r\n"
    );

    // Ratios and verdicts.
    let history = rows(&files["data_PBI_info_billing_history.csv"]);
    let row = |p, i| history.iter().find(|r| r[2] == inst(p, i)).unwrap().clone();
    assert_eq!(row(1, 2)[4..], ["54.3048", "monthly", "True"]);
    assert_eq!(row(2, 2)[5..], ["monthly", "False"]);
    assert_eq!(row(1, 1)[5..], ["hourly", "False"]);
    assert_eq!(row(2, 1)[5..], ["hourly", "True"]);
    // sivic-back-01: 48.40 × 1.2 × 0.9 × 1.1 = 57.4992.
    assert_eq!(row(4, 2)[4], "57.4992");

    // Users: activity, MFA and its grace period.
    let users = rows(&files["data_PBI_info_users.csv"]);
    let u = |n: &str| users.iter().find(|r| r[1] == n).unwrap().clone();
    assert_eq!(u("sas-ops")[2..5], ["NONE", "True", "True"]);
    assert_eq!(u("psc-reader")[4], "False");
    assert_eq!(u("psc-admin")[2..5], ["U2F", "False", "True"]);

    // Token expiry warning and the failing account, named.
    let lines = outcome.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("SAS_Sante") && l.contains("expires")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("failed: Legacy_Archive")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("c3000000000000000000000000000005")),
        "{lines:?}"
    );

    // FOCUS: ratio in the cost and in x_TenantRatio; sums reconcile with the CSV to the cent.
    let records =
        finops_core::focus::parquet::read_parquet_file(out.join("focus.parquet")).unwrap();
    assert_eq!(records.len(), outcome.focus_records);
    assert!(records.iter().all(|r| r.provider_name == "OVHcloud"));
    let db: Vec<_> = records
        .iter()
        .filter(|r| r.resource_id.as_deref() == Some(inst(1, 2).as_str()))
        .collect();
    assert!(!db.is_empty());
    for r in &db {
        assert_eq!(r.extensions.get("x_TenantRatio"), Some("1.122"));
        let raw = d(r.extensions.get("x_CostUnadjusted").unwrap());
        assert_eq!(r.billed_cost, raw * d("1.122"));
    }
    let focus_db: Decimal = db.iter().map(|r| r.billed_cost).sum();
    let billing = rows(&files["data_PBI_info_billing.csv"]);
    let csv_db: Decimal = history
        .iter()
        .filter(|r| r[2] == inst(1, 2))
        .map(|r| d(&r[4]))
        .chain(
            billing
                .iter()
                .filter(|r| r[1] == inst(1, 2))
                .map(|r| d(&r[4])),
        )
        .sum();
    assert_eq!(focus_db, csv_db);
    let unmapped: Vec<_> = records
        .iter()
        .filter(|r| r.sub_account_id.as_deref() == Some("c3000000000000000000000000000005"))
        .collect();
    assert!(!unmapped.is_empty());
    // Priced unadjusted: no ratio, the cost is the OVH price.
    for r in unmapped {
        assert_eq!(r.extensions.get("x_TenantRatio"), None);
        assert_eq!(
            Some(r.billed_cost),
            r.extensions.get("x_CostUnadjusted").map(d)
        );
    }
}

#[tokio::test]
async fn fault_storm_gives_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for storm in [false, true] {
        let emu = emulator().await;
        let tokens = dir.path().join(format!("tokens-{storm}"));
        emu.write_token_files(&tokens, true).unwrap();
        if storm {
            emu.server().faults().set(FaultConfig {
                retry_after_secs: 0,
                seed: 7,
                ..FaultConfig::storm(0.3)
            });
        }
        let out = dir.path().join(format!("out-{storm}"));
        let mut opts = RunOptions::new(&tokens, sample_cmdb(), &out, as_of());
        opts.clock = Some(emu.clock());
        opts.sample_usage = true;
        opts.rate_limit = Some(1000.0);
        opts.retry = Some(fast_retry());
        let outcome = run(&opts).await.unwrap();
        if storm {
            let st = emu.server().faults().stats();
            let injected = st.injected_429.load(std::sync::atomic::Ordering::Relaxed)
                + st.injected_500.load(std::sync::atomic::Ordering::Relaxed);
            assert!(injected > 10, "the storm injected only {injected} faults");
        }
        let focus =
            finops_core::focus::parquet::read_parquet_file(out.join("focus.parquet")).unwrap();
        runs.push((outputs(&out), focus, outcome.summary.errors.len()));
    }
    let (a, b) = (&runs[0], &runs[1]);
    assert_eq!(
        a.0.keys().collect::<Vec<_>>(),
        b.0.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &a.0 {
        assert!(bytes == &b.0[name], "{name} differs under the fault storm");
    }
    assert_eq!(a.1, b.1, "FOCUS records differ under the fault storm");
    assert_eq!(a.2, b.2, "failing accounts differ under the fault storm");
}

#[tokio::test]
async fn demo_flag_runs_against_the_embedded_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo-out");
    let args = [
        "ovh_weekly_report",
        "--demo",
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-11-22",
        "--utf8",
    ];
    let outcome = main_with_args(args, test_clock()).await.unwrap();
    assert!(outcome.focus_records > 0);
    let billing = std::fs::read_to_string(out.join("data_PBI_info_billing.csv")).unwrap();
    assert!(billing.starts_with("ID tenant,Instance ID,Type d'instance,Temps d'activité (heures)"));
    // Bad CLI input: a clear error, not a panic.
    let e = main_with_args(
        ["x", "--out", "o", "--as-of", "22/11/2026", "--demo"],
        test_clock(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("--as-of"), "{e}");
    let e = main_with_args(["x", "--out", "o", "--as-of", "2026-11-22"], test_clock())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--tokens"), "{e}");
    // A rate of 0 (or negative, NaN) would make every call wait forever: a usage error.
    for r in ["0", "-1", "NaN"] {
        let e = main_with_args(
            [
                "x",
                "--out",
                "o",
                "--as-of",
                "2026-11-22",
                "--demo",
                &format!("--rate-limit={r}"),
            ],
            test_clock(),
        )
        .await
        .unwrap_err();
        let clap_error = e.downcast::<clap::Error>().unwrap();
        assert_eq!(clap_error.exit_code(), 2, "{r}");
        assert!(
            clap_error.to_string().contains("--rate-limit"),
            "{clap_error}"
        );
    }
}

/// The official FOCUS validator on the example's `focus.parquet` (scripts/focus-validate).
#[tokio::test]
async fn focus_parquet_passes_the_focus_validator() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = [
        "x",
        "--demo",
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-11-22",
    ];
    main_with_args(args, test_clock()).await.unwrap();
    finops_core::testing::focus_validate(&[&out.join("focus.parquet")]);
}

/// Issue 12 §5: the demo's FOCUS records fall in the billing month of the invoice. OVH's
/// Paris months start at 22:00 or 23:00 UTC the day before, and `month` (the billing month of
/// `BillingPeriodStart`) lists the August charges under 2026-08, every service alike, with
/// the running month ending at the end of November rather than at as-of.
#[tokio::test]
async fn demo_months_are_the_invoice_months() {
    use finops_core::Column;
    use finops_core::aggregate::{AggregateQuery, aggregate_files};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = [
        "x",
        "--demo",
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-11-22",
    ];
    main_with_args(args, test_clock()).await.unwrap();
    let file = out.join("focus.parquet");
    let by = |dims: &[&str]| {
        let mut q = AggregateQuery::new();
        for d in dims {
            q = q.group_by(d).unwrap();
        }
        aggregate_files(&[&file], &q.sum(Column::BilledCost)).unwrap()
    };
    let keys = |dims: &[&str]| -> Vec<Vec<String>> {
        by(dims)
            .rows
            .iter()
            .map(|r| {
                r.key
                    .iter()
                    .map(|k| k.clone().unwrap_or_default())
                    .collect()
            })
            .collect()
    };
    let months: Vec<String> = keys(&["month"]).into_iter().map(|k| k[0].clone()).collect();
    assert_eq!(months, ["2026-08", "2026-09", "2026-10", "2026-11"]);
    // Every service of a month shares its Paris billing period, the running one included.
    assert_eq!(
        keys(&["month", "BillingPeriodStart", "BillingPeriodEnd"])
            .into_iter()
            .map(|k| k[..3].join(" "))
            .collect::<Vec<_>>(),
        [
            "2026-08 2026-07-31T22:00:00Z 2026-08-31T22:00:00Z",
            "2026-09 2026-08-31T22:00:00Z 2026-09-30T22:00:00Z",
            "2026-10 2026-09-30T22:00:00Z 2026-10-31T23:00:00Z",
            "2026-11 2026-10-31T23:00:00Z 2026-11-30T23:00:00Z",
        ]
    );
}

/// The light hourly run: only the VMs, one sample per VM and hour, only the usage file.
#[tokio::test]
async fn sample_only_stores_one_sample_per_vm_and_hour() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let tokens = data_dir().join("tokens").display().to_string();
    let base = |as_of: &str| -> Vec<String> {
        [
            "x",
            "--sample-only",
            "--tokens",
            &tokens,
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            as_of,
            "--endpoint",
            &emu.url(),
            "--rate-limit",
            "1000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let first = main_with_args(base("2026-11-22T08:15:00Z"), emu.clock())
        .await
        .unwrap();
    assert_eq!(first.samples_stored, 3);
    // Same hour again: nothing new.
    let again = main_with_args(base("2026-11-22T08:45:00Z"), emu.clock())
        .await
        .unwrap();
    assert_eq!(again.samples_stored, 0);
    let next = main_with_args(base("2026-11-22T09:15:00Z"), emu.clock())
        .await
        .unwrap();
    assert_eq!(next.samples_stored, 3);
    // The revoked credential is reported, the others sampled.
    assert!(
        next.summary
            .errors
            .iter()
            .any(|e| e.file == "Legacy_Archive")
    );
    let files = outputs(&out);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["data_PBI_info_usage.csv"]
    );
    let usage = rows(&files["data_PBI_info_usage.csv"]);
    assert_eq!(usage.len(), 3);
    assert!(
        usage
            .iter()
            .all(|r| r[9] == "2026-11-22" && r[5] == "16384")
    );
}

#[tokio::test]
async fn unreachable_api_writes_nothing_and_fails() {
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tempfile::tempdir().unwrap();
    // Last week's file must survive a run that could read nothing.
    let previous = out.path().join("data_PBI_info_billing.csv");
    std::fs::write(&previous, b"last week").unwrap();
    let mut opts = RunOptions::new(
        data_dir().join("tokens"),
        sample_cmdb(),
        out.path(),
        as_of(),
    );
    opts.endpoint = Some(format!("http://127.0.0.1:{dead_port}/1.0"));
    opts.clock = Some(test_clock());
    opts.retry = Some(fast_retry());
    let e = format!("{:#}", run(&opts).await.unwrap_err());
    assert!(e.contains("no OVH account could be read"), "{e}");
    assert!(
        e.contains("GET /auth/currentCredential") && e.contains("/auth/time"),
        "{e}"
    );
    assert_eq!(std::fs::read(&previous).unwrap(), b"last week");
    assert!(!out.path().join("focus.parquet").exists());
    // The hourly sampling run fails the same way (a scheduler sees the missed hour).
    opts.sample_only = true;
    let e = format!("{:#}", run(&opts).await.unwrap_err());
    assert!(e.contains("no sample stored"), "{e}");
    assert!(!out.path().join("data_PBI_info_usage.csv").exists());
}
