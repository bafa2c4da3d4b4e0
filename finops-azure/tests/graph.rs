//! Microsoft Graph against the loopback emulator: Entra tokens, the SharePoint publisher
//! (live + archive, a file over 4 MiB in 320 KiB-multiple fragments, a failed upload that
//! leaves live as it was), the inputs fetched before a run, token renewal and fault injection.

#![cfg(feature = "emulator")]

use chrono::{DateTime, Utc};
use finops_azure::credential::EntraCredential;
use finops_azure::graph::emulator::{
    CLIENT_ID, CLIENT_SECRET, GraphEmulator, GraphEmulatorConfig, TENANT_ID, USER,
};
use finops_azure::graph::{DriveLocation, FRAGMENT_UNIT, GraphClient, SharePointPublisher};
use finops_core::clock::FixedClock;
use finops_core::emulator::FaultConfig;
use finops_core::http::oauth2::TokenProvider;
use finops_core::http::{BackoffConfig, HttpClient, RetryConfig};
use finops_core::publish::{Fetcher, PublishRequest, Publisher};
use finops_core::{Error, Secret};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const PARIS: chrono_tz::Tz = chrono_tz::Europe::Paris;
const BIG: usize = 9 * 1024 * 1024 + 4321;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn outputs(dir: &Path, run: u64, big: usize) -> PathBuf {
    let out = dir.join(format!("out{run}"));
    std::fs::create_dir_all(out.join("drivers")).unwrap();
    std::fs::write(
        out.join("data_PBI_info_billing.csv"),
        format!("run,{run}\n"),
    )
    .unwrap();
    std::fs::write(
        out.join("date_time_refresh.csv"),
        format!("refresh,{run}\n"),
    )
    .unwrap();
    std::fs::write(
        out.join("drivers/Calcul_inducteurs_SI.csv"),
        format!("si,{run}\n"),
    )
    .unwrap();
    std::fs::write(out.join("focus.parquet"), bytes(big, run)).unwrap();
    out
}

fn fast_retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(10),
            base: 2.0,
        },
        max_retries: 10,
        ..Default::default()
    }
}

struct Env {
    emu: GraphEmulator,
    clock: FixedClock,
}

async fn env() -> Env {
    let clock = FixedClock::new(t("2026-11-29T22:15:00Z"));
    let emu =
        GraphEmulator::start(GraphEmulatorConfig::default().with_clock(Arc::new(clock.clone())))
            .await
            .unwrap();
    Env { emu, clock }
}

fn client(e: &Env, fragment: u64) -> GraphClient {
    GraphClient::builder()
        .with_credential(e.emu.credential().unwrap())
        .with_endpoint(e.emu.graph_endpoint())
        .with_clock(Arc::new(e.clock.clone()))
        .with_retry(fast_retry())
        .with_fragment_size(fragment)
        .build()
        .unwrap()
}

fn publisher(e: &Env) -> SharePointPublisher {
    SharePointPublisher::new(
        client(e, 8 * FRAGMENT_UNIT),
        GraphEmulator::site_drive(),
        "Power BI/live",
        "Power BI/archive",
    )
}

#[tokio::test]
async fn entra_tokens_checked_and_errors_clear() {
    let e = env().await;
    let cred = e.emu.credential().unwrap();
    let token = |c: EntraCredential| {
        let clock = e.clock.clone();
        async move {
            c.token_provider(
                "https://graph.microsoft.com/.default",
                HttpClient::builder("azure")
                    .with_clock(Arc::new(clock))
                    .with_retry(fast_retry()),
            )
            .unwrap()
            .token()
            .await
        }
    };
    assert!(
        token(cred.clone())
            .await
            .unwrap()
            .expose()
            .starts_with("eyJ")
    );
    let bad_secret = "wrong-secret-value-42";
    let wrong = EntraCredential::new(TENANT_ID, CLIENT_ID, Secret::new(bad_secret))
        .unwrap()
        .with_authority(&e.emu.url())
        .unwrap();
    let err = token(wrong).await.unwrap_err();
    let m = err.to_string();
    assert!(matches!(err, Error::Unauthenticated { .. }), "{err:?}");
    assert!(
        m.contains(&format!("{}/{TENANT_ID}/oauth2/v2.0/token", e.emu.url())),
        "{m}"
    );
    assert!(
        m.contains("invalid_client") && m.contains("AADSTS7000215"),
        "{m}"
    );
    assert!(!m.contains(bad_secret) && !m.contains(CLIENT_SECRET));
    let other_tenant = EntraCredential::new(
        "fabrikam.onmicrosoft.com",
        CLIENT_ID,
        Secret::new(CLIENT_SECRET),
    )
    .unwrap()
    .with_authority(&e.emu.url())
    .unwrap();
    assert!(
        token(other_tenant)
            .await
            .unwrap_err()
            .to_string()
            .contains("AADSTS90002")
    );
    // The ARM scope is not Graph's: the emulator refuses it as Entra would for this app.
    let arm = cred
        .token_provider(
            "https://management.azure.com/.default",
            HttpClient::builder("azure").with_clock(Arc::new(e.clock.clone())),
        )
        .unwrap()
        .token()
        .await
        .unwrap_err();
    assert!(arm.to_string().contains("invalid_scope"), "{arm}");
}

#[tokio::test]
async fn publish_live_and_archive_with_a_big_file() {
    let e = env().await;
    let dir = tempfile::tempdir().unwrap();
    let p = publisher(&e);
    let run1 = PublishRequest::from_dir(
        outputs(dir.path(), 1, BIG),
        t("2026-11-29T22:15:00Z"),
        PARIS,
    )
    .unwrap();
    let r = p.publish(&run1).await.unwrap();
    assert_eq!(r.files, 4);
    assert_eq!(r.archive, "Power BI/archive/2026-11-29_23-15-00");
    let live = "Power BI/live";
    assert_eq!(
        e.emu
            .file("Documents", &format!("{live}/focus.parquet"))
            .unwrap(),
        bytes(BIG, 1)
    );
    assert_eq!(
        e.emu
            .file(
                "Documents",
                &format!("{live}/drivers/Calcul_inducteurs_SI.csv")
            )
            .unwrap(),
        b"si,1\n"
    );
    assert_eq!(
        e.emu
            .file(
                "Documents",
                "Power BI/archive/2026-11-29_23-15-00/focus.parquet"
            )
            .unwrap(),
        bytes(BIG, 1)
    );
    assert_eq!(
        e.emu.list("Documents", live).unwrap(),
        [
            "data_PBI_info_billing.csv",
            "date_time_refresh.csv",
            "drivers",
            "focus.parquet"
        ]
    );
    // The big file went through upload sessions (archive + live) in 2.5 MiB fragments.
    let frags = e.emu.fragments();
    let per_upload = BIG.div_ceil(8 * FRAGMENT_UNIT as usize);
    assert_eq!(frags.len(), 2 * per_upload);
    for f in frags.chunks(per_upload) {
        assert!(
            f[..per_upload - 1].iter().all(|n| n % (320 * 1024) == 0),
            "{f:?}"
        );
        assert_eq!(f.iter().sum::<usize>(), BIG);
    }
    assert_eq!(e.emu.open_sessions(), 0);

    // Run 2 replaces live; run 1's archive stays.
    let run2 = PublishRequest::from_dir(
        outputs(dir.path(), 2, 1000),
        t("2026-11-30T22:15:00Z"),
        PARIS,
    )
    .unwrap();
    p.publish(&run2).await.unwrap();
    assert_eq!(
        e.emu
            .file("Documents", &format!("{live}/focus.parquet"))
            .unwrap(),
        bytes(1000, 2)
    );
    assert_eq!(
        e.emu
            .file("Documents", &format!("{live}/date_time_refresh.csv"))
            .unwrap(),
        b"refresh,2\n"
    );
    assert_eq!(
        e.emu.list("Documents", "Power BI/archive").unwrap(),
        ["2026-11-29_23-15-00", "2026-11-30_23-15-00"]
    );
    assert_eq!(
        e.emu
            .file(
                "Documents",
                "Power BI/archive/2026-11-29_23-15-00/focus.parquet"
            )
            .unwrap(),
        bytes(BIG, 1)
    );
    assert_eq!(e.emu.token_requests(), 1, "one token for the whole session");
}

#[tokio::test]
async fn a_failed_upload_leaves_live_as_it_was() {
    let e = env().await;
    let dir = tempfile::tempdir().unwrap();
    let p = publisher(&e);
    let run1 = PublishRequest::from_dir(
        outputs(dir.path(), 1, BIG),
        t("2026-11-29T22:15:00Z"),
        PARIS,
    )
    .unwrap();
    p.publish(&run1).await.unwrap();
    let live = "Power BI/live";
    let snapshot = |e: &Env| {
        [
            "data_PBI_info_billing.csv",
            "date_time_refresh.csv",
            "drivers/Calcul_inducteurs_SI.csv",
            "focus.parquet",
        ]
        .map(|f| e.emu.file("Documents", &format!("{live}/{f}")).unwrap())
    };
    let before = snapshot(&e);

    // The archive upload of one file fails for good (a big one, inside its upload session).
    e.emu.fail_uploads_matching(Some("focus.parquet"));
    let run2 = PublishRequest::from_dir(
        outputs(dir.path(), 2, BIG),
        t("2026-11-30T22:15:00Z"),
        PARIS,
    )
    .unwrap();
    let err = p.publish(&run2).await.unwrap_err().to_string();
    assert!(err.contains("live folder left as it was"), "{err}");
    assert_eq!(snapshot(&e), before);
    assert_eq!(
        e.emu.list("Documents", "Power BI/archive").unwrap(),
        ["2026-11-29_23-15-00"]
    );
    assert_eq!(e.emu.open_sessions(), 0, "the failed session was cancelled");

    // The archive succeeds but staging a live file fails: live unchanged, nothing staged left.
    e.emu
        .fail_uploads_matching(Some(".finops-2026-12-01_23-15-00-Calcul"));
    let run3 = PublishRequest::from_dir(
        outputs(dir.path(), 3, 100),
        t("2026-12-01T22:15:00Z"),
        PARIS,
    )
    .unwrap();
    let err = p.publish(&run3).await.unwrap_err().to_string();
    assert!(err.contains("live upload failed"), "{err}");
    assert_eq!(snapshot(&e), before);
    let names = e.emu.list("Documents", live).unwrap();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");
    assert!(
        e.emu
            .list("Documents", "Power BI/live/drivers")
            .unwrap()
            .iter()
            .all(|n| !n.ends_with(".partial"))
    );

    // Back to normal: the next run goes through.
    e.emu.fail_uploads_matching(None);
    p.publish(&run3).await.unwrap();
    assert_eq!(
        e.emu
            .file("Documents", &format!("{live}/date_time_refresh.csv"))
            .unwrap(),
        b"refresh,3\n"
    );
}

#[tokio::test]
async fn credential_folder_and_cmdb_fetched_before_the_run() {
    let e = env().await;
    for i in 0..7 {
        e.emu.put_file(
            "Documents",
            &format!("FinOps/conf_token/Account_{i}"),
            format!("[default]\nendpoint=ovh-eu\n# {i}\n").as_bytes(),
        );
    }
    e.emu.put_file(
        "Documents",
        "FinOps/conf_token/sub/ignored.txt",
        b"folder content is not fetched",
    );
    let cmdb = bytes(300_000, 9);
    e.emu.put_file("Documents", "FinOps/CMDB.xlsx", &cmdb);
    let p = publisher(&e);
    let dir = tempfile::tempdir().unwrap();
    let got = p
        .fetch_folder("FinOps/conf_token", &dir.path().join("conf_token"))
        .await
        .unwrap();
    assert_eq!(got.len(), 7, "seven files over two pages of five");
    for (i, f) in got.iter().enumerate() {
        assert_eq!(
            f.file_name().unwrap().to_str().unwrap(),
            format!("Account_{i}")
        );
        assert_eq!(
            std::fs::read_to_string(f).unwrap(),
            format!("[default]\nendpoint=ovh-eu\n# {i}\n")
        );
    }
    let n = p
        .fetch_file("FinOps/CMDB.xlsx", &dir.path().join("CMDB.xlsx"))
        .await
        .unwrap();
    assert_eq!(n, 300_000);
    assert_eq!(std::fs::read(dir.path().join("CMDB.xlsx")).unwrap(), cmdb);
    let missing = p
        .fetch_file("FinOps/nope.xlsx", &dir.path().join("x"))
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
}

#[tokio::test]
async fn tokens_expire_and_are_renewed() {
    let e = env().await;
    let c = client(&e, FRAGMENT_UNIT);
    let drive = c.resolve_drive(&GraphEmulator::site_drive()).await.unwrap();
    c.ensure_folder(&drive, "a/b").await.unwrap();
    assert_eq!(e.emu.token_requests(), 1);
    // Revoked server-side: 401, one renewal, success.
    e.emu.revoke_tokens();
    c.ensure_folder(&drive, "a/c").await.unwrap();
    assert_eq!(e.emu.token_requests(), 2);
    // Past expiry by the clock: refreshed before the call (5 min before the hour).
    e.clock.advance(chrono::Duration::minutes(56));
    c.item_by_path(&drive, "a").await.unwrap().unwrap();
    assert_eq!(e.emu.token_requests(), 3);
    // Other drives: a library by name, a user's OneDrive.
    let archive = c
        .resolve_drive(&DriveLocation::Site {
            hostname: "contoso.sharepoint.com".into(),
            path: "/sites/FinOps".into(),
            library: Some("archive".into()),
        })
        .await
        .unwrap();
    assert_ne!(archive, drive);
    let one = c
        .resolve_drive(&DriveLocation::User(USER.into()))
        .await
        .unwrap();
    assert_ne!(one, drive);
    let e2 = c
        .resolve_drive(&DriveLocation::Site {
            hostname: "contoso.sharepoint.com".into(),
            path: "/sites/FinOps".into(),
            library: Some("Nope".into()),
        })
        .await
        .unwrap_err();
    assert!(e2.to_string().contains("Nope"), "{e2}");
}

#[tokio::test]
async fn same_result_under_fault_injection() {
    let e = env().await;
    e.emu.faults().set(FaultConfig {
        rate_429: 0.1,
        rate_500: 0.1,
        drop_rate: 0.05,
        truncate_rate: 0.05,
        seed: 7,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let p = publisher(&e);
    let run = PublishRequest::from_dir(
        outputs(dir.path(), 5, BIG),
        t("2026-11-29T22:15:00Z"),
        PARIS,
    )
    .unwrap();
    p.publish(&run).await.unwrap();
    e.emu.faults().clear();
    assert_eq!(
        e.emu
            .file("Documents", "Power BI/live/focus.parquet")
            .unwrap(),
        bytes(BIG, 5)
    );
    assert_eq!(
        e.emu
            .file(
                "Documents",
                "Power BI/archive/2026-11-29_23-15-00/drivers/Calcul_inducteurs_SI.csv"
            )
            .unwrap(),
        b"si,5\n"
    );
    let live = e.emu.list("Documents", "Power BI/live").unwrap();
    assert_eq!(
        live,
        [
            "data_PBI_info_billing.csv",
            "date_time_refresh.csv",
            "drivers",
            "focus.parquet"
        ]
    );
    let stats = e.emu.faults().stats();
    assert!(
        stats
            .injected_500
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    );
}
