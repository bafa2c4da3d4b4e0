//! The weekly run end to end against the emulator (collect → CSV set): every file's header and
//! rows, tenant dedup across accounts, ratios, the billing-mode verdict, driver counts,
//! MFA/activity rules, the token-expiry warning, failing accounts, and reproducibility.

use chrono::{DateTime, Utc};
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_ovh::accounts::{AccountOptions, load_dir};
use finops_ovh::cmdb::Cmdb;
use finops_ovh::collect::{CollectOptions, Collected, collect_all};
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use finops_ovh::report::CsvEncoding;
use finops_ovh::store::Store;
use finops_ovh::weekly::{WeeklyOptions, WeeklySummary, build_rows, sample_usage, write_weekly};
use finops_ovh::{OvhAccount, TokenWarning};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn as_of() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn cmdb_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/ovh/cmdb")
}

fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            base: 2.0,
        },
        max_retries: 12,
        max_retry_after: Duration::from_millis(20),
        ..RetryConfig::default()
    }
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

fn accounts(emu: &OvhEmulator, dir: &Path) -> Vec<OvhAccount> {
    emu.write_token_files(dir, true).unwrap();
    let opts = AccountOptions::new()
        .with_clock(emu.clock())
        .with_rate_limit(1000.0, 100)
        .with_retry(retry());
    let loaded = load_dir(dir, &opts).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.accounts
}

async fn collect(emu: &OvhEmulator, dir: &Path) -> Collected {
    let accts = accounts(emu, &dir.join("tokens"));
    collect_all(&accts, &CollectOptions::new(as_of())).await
}

/// Read every CSV of `dir` as text (cp1252 decoded).
fn csv_files(dir: &Path) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "csv") {
            let bytes = std::fs::read(&p).unwrap();
            let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
            assert!(!bad);
            m.insert(
                p.file_name().unwrap().to_string_lossy().into_owned(),
                text.into_owned(),
            );
        }
    }
    m
}

/// Rows of a CSV text (header excluded), as cells.
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn header(text: &str) -> &str {
    text.split("\r\n").next().unwrap()
}

async fn run(out: &Path) -> (Collected, WeeklySummary) {
    let emu = emulator().await;
    let collected = collect(&emu, out).await;
    let store = Store::open(out.join("state.sqlite")).unwrap();
    sample_usage(&collected, &store, as_of()).unwrap();
    let cmdb = Cmdb::load(&cmdb_dir()).unwrap();
    let summary = write_weekly(
        &collected,
        &cmdb,
        &store,
        &out.join("csv"),
        &WeeklyOptions::new(as_of()),
    )
    .unwrap();
    (collected, summary)
}

fn inst(p: u32, i: u32) -> String {
    format!("0000000{p}-0000-4000-8000-00000000000{i}")
}

#[tokio::test]
async fn weekly_csv_set_against_the_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let (collected, summary) = run(dir.path()).await;
    let files = csv_files(&dir.path().join("csv"));

    // Every file of the original set, with its exact header.
    let want_headers = [
        (
            "data_PBI_info_billing.csv",
            "ID tenant,Instance ID,Type d'instance,Temps d'activité (heures),Prix actuel,Mode de facturation",
        ),
        (
            "data_PBI_info_billing_history.csv",
            "Periode,Tenant ID,Instance ID,Temps d'utilisation (heure),Coût,Mode de facturation,Mode de facturation pertinent",
        ),
        (
            "data_PBI_info_billing_managed_public_cloud.csv",
            "Periode,Tenant,service,Région,Prix",
        ),
        (
            "data_PBI_info_billing_snapshot.csv",
            "Periode,Tenant,Région,Prix",
        ),
        (
            "data_PBI_info_billing_storage.csv",
            "Periode,Tenant,Région,Prix",
        ),
        (
            "data_PBI_info_instance.csv",
            "Tenant ID,Instance ID,Instance Name,Image OS,Type,IPV4,IPV6,RAM,Disque (Go),CPU,Bande passante,Region,Status",
        ),
        (
            "data_PBI_info_tenant.csv",
            "Nom du service,ID du service,Type de service,HDS,SNC,Contact administratif,Contact technique,Contact facturation",
        ),
        (
            "data_PBI_info_service.csv",
            "Tenant ID,Service ID,Service name,Status,Region",
        ),
        ("data_PBI_missing_token.csv", "Missing tokens"),
        (
            "data_PBI_info_usage.csv",
            "Nom du service,Datacenter Id,Nom de la VM,Consommation moyenne de RAM,Pic de consommation de RAM,Max de consommation de RAM,Consommation moyenne de CPU,Pic de consommation de CPU,Max de consommation de CPU,jour",
        ),
        (
            "data_PBI_info_users.csv",
            "Compte OVH,Utilisateur,Type MFA,Sursis MFA,Actif,Last log,Email",
        ),
        ("data_PBI_info_token.csv", "File,date_debut,date_fin"),
        ("date_time_refresh.csv", "Date Time"),
        (
            "Calcul_inducteurs_ProSanteConnect.csv",
            "Database,Prod,Recette,Gateway,Loadbalancer,Other",
        ),
        (
            "Calcul_inducteurs_SAS_Sante.csv",
            "Prod,Gateway,Loadbalancer,VPS,Other",
        ),
        (
            "Calcul_inducteurs_SIVIC_SICAP.csv",
            "Prod,Gateway,Loadbalancer,VPS,Other",
        ),
        (
            "data_PBI_users_history_ps11111-ovh.csv",
            "name,mfa,sursis,actif,last_log,mail",
        ),
    ];
    for (f, h) in want_headers {
        let text = files
            .get(f)
            .unwrap_or_else(|| panic!("{f} missing; have {:?}", files.keys()));
        assert_eq!(header(text), h, "{f}");
        assert!(text.ends_with("\r\n"), "{f}");
    }

    // OVH-20: the refresh time comes from as-of (Europe/Paris).
    assert_eq!(
        files["date_time_refresh.csv"],
        "Date Time\r\n2026-11-22 01:00:00\r\n"
    );

    // OVH-14: driver counts, one file per system.
    assert_eq!(
        files["Calcul_inducteurs_ProSanteConnect.csv"]
            .split("\r\n")
            .nth(1),
        Some("1,1,2,1,1,1")
    );
    assert_eq!(
        files["Calcul_inducteurs_SAS_Sante.csv"]
            .split("\r\n")
            .nth(1),
        Some("2,0,1,1,0")
    );
    assert_eq!(
        files["Calcul_inducteurs_SIVIC_SICAP.csv"]
            .split("\r\n")
            .nth(1),
        Some("2,1,0,1,0")
    );
    assert_eq!(summary.drivers.len(), 3);

    // OVH-01: each tenant through exactly one account; no instance twice.
    let instances = rows(&files["data_PBI_info_instance.csv"]);
    let mut ids: Vec<(String, String)> = instances
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "an instance is listed twice");
    // 10 Public Cloud instances + 3 Hosted Private Cloud VMs + 2 VPS.
    assert_eq!(n, 15);
    let tenants_of = |file: &str| -> Vec<&str> {
        collected
            .accounts
            .iter()
            .find(|a| a.file == file)
            .unwrap()
            .projects
            .iter()
            .map(|p| p.project_id.as_str())
            .collect()
    };
    assert!(tenants_of("SAS_Sante").contains(&"b2000000000000000000000000000003"));
    assert!(!tenants_of("SIVIC_SICAP").contains(&"b2000000000000000000000000000003"));
    assert!(tenants_of("ProSanteConnect").contains(&"c3000000000000000000000000000005"));
    assert!(!tenants_of("SAS_Sante").contains(&"c3000000000000000000000000000005"));
    let vm = instances.iter().find(|r| r[1] == "102").unwrap();
    assert_eq!(
        vm[..],
        [
            "pcc-192-0-2-10",
            "102",
            "psc-app-web-01",
            "[datastore1] iso/debian-12.iso",
            "NA",
            "172.16.0.11",
            "",
            "16384",
            "NA",
            vm[9].as_str(),
            "NA",
            "unknown",
            vm[12].as_str()
        ]
    );

    // OVH-04 + OVH-13: the verdict per instance and the ratio on every cost.
    let history = rows(&files["data_PBI_info_billing_history.csv"]);
    let verdict = |p: u32, i: u32| -> Vec<String> {
        history
            .iter()
            .filter(|r| r[2] == inst(p, i))
            .map(|r| r[6].clone())
            .collect()
    };
    for (p, i, want) in [
        (1, 1, "False"),
        (1, 2, "True"),
        (1, 3, "True"),
        (2, 1, "True"),
        (2, 2, "False"),
        (3, 1, "True"),
        (3, 2, "False"),
        (4, 1, "True"),
        (4, 2, "True"),
        (5, 1, "False"),
    ] {
        let v = verdict(p, i);
        assert_eq!(v.len(), 3, "instance {p}/{i}: one row per history period");
        assert!(v.iter().all(|x| x == want), "instance {p}/{i}: {v:?}");
    }
    let periods: std::collections::BTreeSet<&str> = history.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        periods.into_iter().collect::<Vec<_>>(),
        ["2026-08-31", "2026-09-30", "2026-10-31"]
    );
    // psc-prod-db-01: 48.40 per period × 1.2 × 0.85 × 1.1 = 54.3048.
    assert!(
        history
            .iter()
            .filter(|r| r[2] == inst(1, 2))
            .all(|r| r[4] == "54.3048" && r[5] == "monthly")
    );
    // sas-prod-app-01: 96.80 × 1.2 × 0.8 × 1.1 = 102.2208.
    assert!(
        history
            .iter()
            .filter(|r| r[2] == inst(3, 1))
            .all(|r| r[4] == "102.2208")
    );
    // tools-gitlab-01 (shared-tools, not in the CMDB): priced unadjusted, hours × 0.0681.
    for r in history.iter().filter(|r| r[2] == inst(5, 1)) {
        let cost = (d(&r[3]) * d("0.0681")).round_dp(2);
        assert_eq!(d(&r[4]), cost, "{r:?}");
    }
    // psc-prod-batch-01: 100 h × 0.0199 = 1.99 × 1.122 = 2.23278.
    assert!(
        history
            .iter()
            .filter(|r| r[2] == inst(1, 3))
            .all(|r| r[3] == "100" && r[4] == "2.23278")
    );
    assert_eq!(
        summary.unmapped_tenants,
        vec!["c3000000000000000000000000000005".to_string()]
    );

    // OVH-03: current usage, ratio applied.
    let billing = rows(&files["data_PBI_info_billing.csv"]);
    assert!(
        billing
            .iter()
            .any(|r| r[1] == inst(1, 2) && r[2] == "b2-15" && r[5] == "monthly")
    );
    assert!(billing.iter().all(|r| r[0].len() == 32));

    // OVH-05..07: one row per period, tenant, region; sums reconcile with the raw data × ratio.
    let managed = rows(&files["data_PBI_info_billing_managed_public_cloud.csv"]);
    assert!(managed.iter().all(|r| r[2] == "databases"));
    let tenants: std::collections::BTreeSet<&str> = managed.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        tenants.into_iter().collect::<Vec<_>>(),
        [
            "a1000000000000000000000000000001",
            "d4000000000000000000000000000004"
        ]
    );
    let snap = rows(&files["data_PBI_info_billing_snapshot.csv"]);
    let storage = rows(&files["data_PBI_info_billing_storage.csv"]);
    assert_eq!(
        snap.len(),
        5 * 4,
        "5 projects × (3 history periods + current)"
    );
    assert!(storage.len() >= 5 * 4);
    let mut raw_snap = Decimal::ZERO;
    let cmdb = Cmdb::load(&cmdb_dir()).unwrap();
    for a in &collected.accounts {
        for p in &a.projects {
            let r = cmdb.ratio(&p.project_id).unwrap_or(Decimal::ONE);
            for u in p.history.iter().chain(p.current.iter()) {
                for s in &u.hourly_usage.as_ref().unwrap().snapshot {
                    raw_snap += s.total_price * r;
                }
            }
        }
    }
    let csv_snap: Decimal = snap.iter().map(|r| d(&r[3])).sum();
    assert_eq!(csv_snap, raw_snap, "snapshot prices reconcile exactly");

    // OVH-09: HDS / SNC flags, concatenated product types, terminated service dropped.
    let tenants = rows(&files["data_PBI_info_tenant.csv"]);
    let t = |id: &str| tenants.iter().find(|r| r[1] == id).cloned();
    let psc = t("a1000000000000000000000000000001").unwrap();
    assert_eq!((psc[3].as_str(), psc[4].as_str()), ("True", "False"));
    let pcc = t("pcc-192-0-2-10").unwrap();
    assert_eq!((pcc[3].as_str(), pcc[4].as_str()), ("True", "True"));
    assert!(pcc[2].contains(" / "), "{pcc:?}");
    assert!(t("d4000000000000000000000000000099").is_none());
    assert!(t("a1000000000000000000000000000001-certification-hds").is_none());

    // OVH-10 and OVH-11.
    let services = rows(&files["data_PBI_info_service.csv"]);
    assert_eq!(services.len(), 4);
    assert!(
        services
            .iter()
            .any(|r| r[2] == "GW-01-55-psc-prod" && r[4] == "GRA11")
    );
    assert_eq!(
        files["data_PBI_missing_token.csv"],
        "Missing tokens\r\next99999-ovh\r\n"
    );

    // OVH-02: tokens, the expiry warning, the failing account named with its call.
    let tokens = rows(&files["data_PBI_info_token.csv"]);
    assert_eq!(
        tokens.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        [
            "Legacy_Archive",
            "ProSanteConnect",
            "SAS_Sante",
            "SIVIC_SICAP"
        ]
    );
    assert!(tokens.iter().find(|r| r[0] == "SIVIC_SICAP").unwrap()[2].is_empty());
    assert!(
        summary
            .token_warnings
            .iter()
            .any(|(f, w)| f == "SAS_Sante" && matches!(w, TokenWarning::ExpiresSoon { .. }))
    );
    assert!(
        !summary
            .token_warnings
            .iter()
            .any(|(f, _)| f == "ProSanteConnect")
    );
    assert!(
        summary
            .errors
            .iter()
            .any(|e| e.file == "Legacy_Archive" && !e.call.is_empty()),
        "{:?}",
        summary.errors
    );
    assert!(summary.lines().iter().any(|l| l.contains("Legacy_Archive")));

    // OVH-15: MFA type, grace period, activity.
    let users = rows(&files["data_PBI_info_users.csv"]);
    let u = |name: &str| {
        users
            .iter()
            .find(|r| r[1] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {users:?}"))
    };
    assert_eq!(u("sas-ops")[2..5], ["NONE", "True", "True"]);
    assert_eq!(u("psc-admin")[2..5], ["U2F", "False", "True"]);
    assert_eq!(u("psc-reader")[2..5], ["", "False", "False"]);
    assert_eq!(u("ps11111-ovh")[2..5], ["TOTP", "False", "True"]);
    assert_eq!(u("sa22222-ovh")[2..5], ["", "False", "False"]);
    assert_eq!(u("si33333-ovh")[2..5], ["SMS", "False", "True"]);
    assert_eq!(u("sivic-dev")[2..5], ["NONE", "False", "True"]);
    assert_eq!(u("sas-ops")[0], "sa22222-ovh");

    // OVH-12: one sample per VM this hour → one row per VM for the day.
    let usage = rows(&files["data_PBI_info_usage.csv"]);
    assert_eq!(usage.len(), 3);
    assert!(usage.iter().all(|r| r[0] == "pcc-192-0-2-10"
        && r[5] == "16384"
        && r[8] == "9200"
        && r[9] == "2026-11-22"));
}

#[tokio::test]
async fn the_report_is_reproducible_and_rows_are_pure() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (ca, _) = run(a.path()).await;
    let (cb, _) = run(b.path()).await;
    assert_eq!(
        csv_files(&a.path().join("csv")),
        csv_files(&b.path().join("csv"))
    );
    let cmdb = Cmdb::load(&cmdb_dir()).unwrap();
    let opts = finops_ovh::drivers::DriverOptions::default();
    assert_eq!(
        build_rows(&ca, &cmdb, &opts).unwrap(),
        build_rows(&cb, &cmdb, &opts).unwrap()
    );
    // UTF-8 option: same content, other bytes.
    let store = Store::open(a.path().join("state.sqlite")).unwrap();
    let out = a.path().join("utf8");
    write_weekly(
        &ca,
        &cmdb,
        &store,
        &out,
        &WeeklyOptions::new(as_of()).with_encoding(CsvEncoding::Utf8),
    )
    .unwrap();
    let text = std::fs::read_to_string(out.join("data_PBI_info_billing.csv")).unwrap();
    assert!(text.starts_with("ID tenant,Instance ID,Type d'instance,Temps d'activité (heures)"));
}
