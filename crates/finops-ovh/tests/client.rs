//! The client against the emulator: signing accepted, wrong signature / unknown key / stale
//! timestamp refused with the real error shapes and mapped to typed errors, time delta,
//! OAuth2, secrets never in errors.

use finops_core::Error;
use finops_core::clock::FixedClock;
use finops_ovh::builder::OvhBuilder;
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use std::sync::Arc;

async fn emu() -> OvhEmulator {
    OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap()
}

fn builder(emu: &OvhEmulator, i: usize) -> OvhBuilder {
    let a = &emu.accounts()[i];
    OvhBuilder::new()
        .with_name(a.file.clone())
        .with_endpoint(emu.url())
        .with_application_key(&a.application_key)
        .with_application_secret(&a.application_secret)
        .with_consumer_key(&a.consumer_key)
        .with_rate_limit(1000.0, 100)
}

fn idx(emu: &OvhEmulator, file: &str) -> usize {
    emu.accounts().iter().position(|a| a.file == file).unwrap()
}

#[tokio::test]
async fn signed_calls_are_accepted() {
    let emu = emu().await;
    let c = builder(&emu, idx(&emu, "ProSanteConnect")).build().unwrap();
    let me = c.me().await.unwrap();
    assert_eq!(me.nichandle, "ps11111-ovh");
    let projects = c.cloud_projects().await.unwrap();
    assert_eq!(projects.len(), 3);
    // A query string is part of the signed URL.
    let h = c
        .usage_history(
            &projects[0],
            Some("2026-09-01T00:00:00Z".parse().unwrap()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(h.len(), 2, "{h:?}");
    // Time delta fetched once from /auth/time (emulator and client share the system clock).
    assert!(c.signer().time_delta().await.unwrap().abs() <= 1);
    assert!(c.auth_time().await.unwrap() > 1_700_000_000);
}

#[tokio::test]
async fn wrong_secret_gives_invalid_signature() {
    let emu = emu().await;
    let i = idx(&emu, "ProSanteConnect");
    let c = builder(&emu, i)
        .with_application_secret("not-the-secret")
        .build()
        .unwrap();
    let e = c.me().await.unwrap_err();
    match &e {
        Error::Unauthenticated { message, call, .. } => {
            assert!(message.contains("INVALID_SIGNATURE"), "{message}");
            assert_eq!(call, "GET /1.0/me");
        }
        other => panic!("expected Unauthenticated, got {other:?}"),
    }
    assert!(!e.is_retryable());
    assert!(!e.to_string().contains("not-the-secret"));
}

#[tokio::test]
async fn unknown_consumer_key_gives_invalid_credential() {
    let emu = emu().await;
    let i = idx(&emu, "Legacy_Archive");
    let c = builder(&emu, i).build().unwrap();
    let e = c.me().await.unwrap_err();
    assert!(
        matches!(&e, Error::Unauthenticated { message, .. } if message.contains("INVALID_CREDENTIAL")),
        "{e:?}"
    );
    let h = c
        .token_health("2026-11-22T00:00:00Z".parse().unwrap(), 4)
        .await;
    assert!(matches!(
        h.warning,
        Some(finops_ovh::collect::TokenWarning::Invalid { .. })
    ));
    // Unknown application key.
    let c = builder(&emu, i)
        .with_application_key("nope")
        .build()
        .unwrap();
    let e = c.me().await.unwrap_err();
    assert!(
        matches!(&e, Error::Unauthenticated { message, .. } if message.contains("INVALID_KEY")),
        "{e:?}"
    );
}

#[tokio::test]
async fn stale_timestamp_is_refused_and_delta_fixes_it() {
    let emu = emu().await;
    let i = idx(&emu, "SIVIC_SICAP");
    // A client clock 1 hour behind, with a wrong fixed delta: refused.
    #[allow(clippy::disallowed_methods)]
    let now = chrono::Utc::now();
    let clock = Arc::new(FixedClock::new(now - chrono::Duration::hours(1)));
    let c = builder(&emu, i)
        .with_clock(clock.clone())
        .with_time_delta(0)
        .build()
        .unwrap();
    let e = c.me().await.unwrap_err();
    assert!(
        matches!(&e, Error::Status { status: 400, body, .. } if body.contains("QUERY_TIME_OUT")),
        "{e:?}"
    );
    // The same clock, delta from /auth/time: accepted.
    let c = builder(&emu, i).with_clock(clock).build().unwrap();
    assert_eq!(c.me().await.unwrap().nichandle, "si33333-ovh");
    let d = c.signer().time_delta().await.unwrap();
    assert!((3599..=3601).contains(&d), "{d}");
}

#[tokio::test]
async fn oauth2_client_credentials() {
    let emu = emu().await;
    let a = &emu.accounts()[idx(&emu, "SAS_Sante")];
    let c = OvhBuilder::new()
        .with_endpoint(emu.url())
        .with_oauth2(&a.client_id, &a.client_secret)
        .build()
        .unwrap();
    assert_eq!(c.me().await.unwrap().nichandle, "sa22222-ovh");
    let bad = OvhBuilder::new()
        .with_endpoint(emu.url())
        .with_oauth2(&a.client_id, "wrong-secret")
        .build()
        .unwrap();
    let e = bad.me().await.unwrap_err();
    assert!(
        matches!(&e, Error::Unauthenticated { message, .. } if message.contains("invalid_client")),
        "{e:?}"
    );
    assert!(!e.to_string().contains("wrong-secret"));
}

#[tokio::test]
async fn ini_file_and_endpoint_override() {
    let emu = emu().await;
    let dir = tempfile::tempdir().unwrap();
    let a = &emu.accounts()[idx(&emu, "ProSanteConnect")];
    let path = dir.path().join("ProSanteConnect.txt");
    std::fs::write(&path, OvhEmulator::token_file_text(a, "ovh-eu")).unwrap();
    let c = OvhBuilder::from_ini_file(&path)
        .unwrap()
        .with_endpoint_override(emu.url())
        .build()
        .unwrap();
    assert_eq!(c.name(), "ProSanteConnect");
    assert_eq!(c.me().await.unwrap().nichandle, "ps11111-ovh");
    let dbg = format!("{c:?}");
    assert!(
        !dbg.contains(&a.application_secret) && !dbg.contains(&a.consumer_key),
        "{dbg}"
    );
}
