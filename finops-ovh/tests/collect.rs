//! collect_all against the emulator: tenant dedup across accounts, failure isolation, token
//! health, fault storms.

use finops_core::emulator::FaultConfig;
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_ovh::TokenWarning;
use finops_ovh::accounts::{AccountOptions, load_dir};
use finops_ovh::collect::{CollectOptions, Collected, collect_all, missing_tokens};
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use std::time::Duration;

fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            base: 2.0,
        },
        max_retries: 30,
        retry_timeout: Duration::from_secs(60),
        max_retry_after: Duration::from_millis(20),
        ..RetryConfig::default()
    }
}

fn as_of() -> chrono::DateTime<chrono::Utc> {
    "2026-11-22T00:00:00Z".parse().unwrap()
}

async fn run(emu: &OvhEmulator, revoked: bool) -> Collected {
    let dir = tempfile::tempdir().unwrap();
    emu.write_token_files(dir.path(), revoked).unwrap();
    let loaded = load_dir(
        dir.path(),
        &AccountOptions::new()
            .with_clock(emu.clock())
            .with_rate_limit(1000.0, 100)
            .with_retry(retry()),
    )
    .unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    collect_all(
        &loaded.accounts,
        &CollectOptions::new(as_of()).with_concurrency(8),
    )
    .await
}

#[tokio::test]
async fn tenants_are_fetched_once_through_the_first_account() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let c = run(&emu, true).await;
    let names: Vec<_> = c.accounts.iter().map(|a| a.file.as_str()).collect();
    assert_eq!(
        names,
        [
            "Legacy_Archive",
            "ProSanteConnect",
            "SAS_Sante",
            "SIVIC_SICAP"
        ]
    );
    let projects = |f: &str| -> Vec<String> {
        c.accounts
            .iter()
            .find(|a| a.file == f)
            .unwrap()
            .projects
            .iter()
            .map(|p| p.project_id.clone())
            .collect()
    };
    assert_eq!(
        projects("ProSanteConnect"),
        [
            "a1000000000000000000000000000001",
            "a1000000000000000000000000000002",
            "c3000000000000000000000000000005"
        ]
    );
    assert_eq!(projects("SAS_Sante"), ["b2000000000000000000000000000003"]);
    assert_eq!(
        projects("SIVIC_SICAP"),
        ["d4000000000000000000000000000004"]
    );
    // The shared Hosted Private Cloud goes to ProSanteConnect only.
    let pcc: Vec<_> = c
        .accounts
        .iter()
        .flat_map(|a| {
            a.dedicated_clouds
                .iter()
                .map(move |d| (a.file.clone(), d.service_name.clone()))
        })
        .collect();
    assert_eq!(
        pcc,
        [("ProSanteConnect".to_string(), "pcc-192-0-2-10".to_string())]
    );
    // Every service id once.
    let mut ids: Vec<i64> = c
        .accounts
        .iter()
        .flat_map(|a| a.services.iter().map(|s| s.service.service_id))
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
    // The revoked account fails alone, with its file and call named.
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    assert_eq!(c.errors[0].file, "Legacy_Archive");
    assert_eq!(c.errors[0].call, "GET /auth/currentCredential");
    assert!(
        c.errors[0].message().contains("INVALID_CREDENTIAL"),
        "{}",
        c.errors[0].message()
    );
    let legacy = &c.accounts[0];
    assert!(matches!(
        legacy.token.warning,
        Some(TokenWarning::Invalid { .. })
    ));
    // Token expiry warnings (OVH-02).
    let sas = c.accounts.iter().find(|a| a.file == "SAS_Sante").unwrap();
    assert_eq!(
        sas.token.warning,
        Some(TokenWarning::ExpiresSoon { days_left: 2 })
    );
    let psc = c
        .accounts
        .iter()
        .find(|a| a.file == "ProSanteConnect")
        .unwrap();
    assert_eq!(psc.token.warning, None);
    assert_eq!(psc.projects[0].history.len(), 3);
    assert_eq!(psc.projects[0].instances.len(), 3);
    assert_eq!(psc.projects[0].gateways.len(), 1);
    assert_eq!(psc.projects[0].load_balancers.len(), 1);
    assert_eq!(psc.dedicated_clouds[0].datacenters[0].vms.len(), 3);
    assert_eq!(psc.bills.len(), 2);
    assert_eq!(psc.users.len(), 2);
    // OVH-11.
    assert_eq!(missing_tokens(&c), ["ext99999-ovh"]);
}

#[tokio::test]
async fn fault_storm_gives_the_same_data() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let clean = run(&emu, false).await;
    emu.server().faults().set(FaultConfig::storm(0.3));
    let stormy = run(&emu, false).await;
    let injected = emu
        .server()
        .faults()
        .stats()
        .injected_429
        .load(std::sync::atomic::Ordering::Relaxed)
        + emu
            .server()
            .faults()
            .stats()
            .injected_500
            .load(std::sync::atomic::Ordering::Relaxed);
    assert!(injected > 0);
    assert!(stormy.errors.is_empty(), "{:?}", stormy.errors);
    // VM metrics depend on the hour: compare outside an hour change.
    let strip = |mut c: Collected| {
        for a in &mut c.accounts {
            for d in &mut a.dedicated_clouds {
                for dc in &mut d.datacenters {
                    for vm in &mut dc.vms {
                        vm.cpu_used = None;
                        vm.memory_used = None;
                    }
                }
            }
        }
        c
    };
    assert_eq!(strip(clean), strip(stormy));
}

#[tokio::test]
async fn sampling_call_reads_every_vm_once() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    emu.write_token_files(dir.path(), false).unwrap();
    let loaded = load_dir(
        dir.path(),
        &AccountOptions::new()
            .with_clock(emu.clock())
            .with_rate_limit(1000.0, 100)
            .with_retry(retry()),
    )
    .unwrap();
    let (vms, errors) = finops_ovh::collect::collect_dedicated_cloud_vms(
        &loaded.accounts,
        &CollectOptions::new(as_of()),
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    // The PCC is seen by two accounts, read once through the first.
    let ids: Vec<_> = vms
        .iter()
        .map(|(f, sn, dc, vm)| (f.as_str(), sn.as_str(), *dc, vm.vm_id))
        .collect();
    assert_eq!(
        ids,
        [
            ("ProSanteConnect", "pcc-192-0-2-10", 1, 101),
            ("ProSanteConnect", "pcc-192-0-2-10", 1, 102),
            ("ProSanteConnect", "pcc-192-0-2-10", 1, 103),
        ]
    );
    assert!(
        vms.iter()
            .all(|(_, _, _, v)| v.cpu_used.is_some() && v.memory_max.is_some())
    );
    assert_eq!(
        vms[1].3.mounted_iso(),
        Some("[datastore1] iso/debian-12.iso")
    );
}

#[tokio::test]
async fn unreachable_api_stops_that_account_after_one_call() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    emu.write_token_files(dir.path(), false).unwrap();
    // A port nobody listens on: connection refused on every attempt.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let a = &emu.accounts()[0];
    std::fs::write(
        dir.path().join("Zz_Unreachable.ini"),
        OvhEmulator::token_file_text(a, &format!("http://127.0.0.1:{dead_port}/1.0")),
    )
    .unwrap();
    let loaded = load_dir(
        dir.path(),
        &AccountOptions::new()
            .with_clock(emu.clock())
            .with_rate_limit(1000.0, 100)
            .with_retry(RetryConfig {
                max_retries: 3,
                ..retry()
            }),
    )
    .unwrap();
    let c = collect_all(&loaded.accounts, &CollectOptions::new(as_of())).await;
    let bad: Vec<_> = c
        .errors
        .iter()
        .filter(|e| e.file == "Zz_Unreachable")
        .collect();
    // One error naming the call and the cause, not one per call of the account.
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].call, "GET /auth/currentCredential");
    assert!(
        bad[0].message().contains("/auth/time"),
        "{}",
        bad[0].message()
    );
    // The other accounts went on.
    assert!(
        c.errors.iter().all(|e| e.file == "Zz_Unreachable"),
        "{:?}",
        c.errors
    );
    assert!(c.accounts.iter().any(|a| !a.projects.is_empty()));
}

#[tokio::test]
async fn failing_time_sync_stops_that_account_after_one_call() {
    use finops_core::emulator::axum;
    use std::sync::atomic::{AtomicU32, Ordering};
    let hits = std::sync::Arc::new(AtomicU32::new(0));
    let h = hits.clone();
    let router = axum::Router::new().route(
        "/1.0/auth/time",
        axum::routing::get(move || {
            let h = h.clone();
            async move {
                h.fetch_add(1, Ordering::Relaxed);
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(
                        serde_json::json!({"class":"Server::InternalServerError","message":"boom"}),
                    ),
                )
            }
        }),
    );
    let server = finops_core::emulator::EmulatorServer::start(router)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Broken_Time.ini"),
        "[default]\nendpoint=ovh-eu\n[ovh-eu]\napplication_key=a\napplication_secret=b\nconsumer_key=c\n",
    )
    .unwrap();
    let loaded = load_dir(
        dir.path(),
        &AccountOptions::new()
            .with_endpoint_override(format!("{}/1.0", server.url()))
            .with_rate_limit(1000.0, 100)
            .with_retry(RetryConfig {
                max_retries: 2,
                ..retry()
            }),
    )
    .unwrap();
    let c = collect_all(&loaded.accounts, &CollectOptions::new(as_of())).await;
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    assert!(
        c.errors[0].message().contains("auth/time"),
        "{}",
        c.errors[0].message()
    );
    // One call's worth of attempts (1 + 2 retries), not one per listing call.
    assert_eq!(hits.load(Ordering::Relaxed), 3);
}
