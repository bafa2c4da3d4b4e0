//! The client against the emulator: signing accepted, wrong signature / unknown key / stale
//! timestamp refused with the real error shapes and mapped to typed errors, time delta,
//! OAuth2, secrets never in errors.

use finops_core::Error;
use finops_core::clock::{Clock, FixedClock};
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
        .with_clock(emu.clock())
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
        Some(finops_ovh::TokenWarning::Invalid { .. })
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
    // A client clock 1 hour behind the emulator's, with a wrong fixed delta: refused.
    let now = emu.clock().now();
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
        .with_clock(emu.clock())
        .with_endpoint(emu.url())
        .with_oauth2(&a.client_id, &a.client_secret)
        .build()
        .unwrap();
    assert_eq!(c.me().await.unwrap().nichandle, "sa22222-ovh");
    let bad = OvhBuilder::new()
        .with_clock(emu.clock())
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

/// A token server following the SDKs strictly: client authentication by HTTP Basic only
/// (`basic_only`) or by form fields only; `GET /1.0/me` with the bearer token.
async fn strict_oauth_server(basic_only: bool) -> finops_core::emulator::EmulatorServer {
    use finops_core::emulator::axum;
    use finops_core::emulator::axum::http::HeaderMap;
    let token = move |headers: HeaderMap, body: String| async move {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let ok = if basic_only {
            // base64("cid:csecret"), no credentials in the body.
            auth == "Basic Y2lkOmNzZWNyZXQ=" && !body.contains("client_secret")
        } else {
            auth.is_empty() && body.contains("client_id=cid&client_secret=csecret")
        };
        let ok = ok && body.contains("grant_type=client_credentials") && body.contains("scope=all");
        if ok {
            (
                axum::http::StatusCode::OK,
                axum::Json(
                    serde_json::json!({"access_token":"tok","token_type":"Bearer","expires_in":3600,"scope":"all"}),
                ),
            )
        } else {
            (
                axum::http::StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error":"invalid_client","error_description":"no"})),
            )
        }
    };
    let me = |headers: HeaderMap| async move {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer tok") {
            (
                axum::http::StatusCode::OK,
                axum::Json(serde_json::json!({"nichandle":"xx1-ovh","email":"a@b.c"})),
            )
        } else {
            (
                axum::http::StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"class":"Client::Unauthorized","message":"no"})),
            )
        }
    };
    let router = axum::Router::new()
        .route("/auth/oauth2/token", axum::routing::post(token))
        .route("/1.0/me", axum::routing::get(me));
    finops_core::emulator::EmulatorServer::start(router)
        .await
        .unwrap()
}

#[tokio::test]
async fn oauth2_uses_http_basic_like_the_sdks_and_falls_back_to_form_fields() {
    for basic_only in [true, false] {
        let server = strict_oauth_server(basic_only).await;
        let c = OvhBuilder::new()
            .with_endpoint(format!("{}/1.0", server.url()))
            .with_oauth2("cid", "csecret")
            .with_rate_limit(1000.0, 100)
            .build()
            .unwrap();
        assert_eq!(c.me().await.unwrap().nichandle, "xx1-ovh", "{basic_only}");
    }
}

/// A bearer token the API refuses (revoked before its expiry) is dropped and renewed once,
/// through the shared OAuth2 provider of finops-core.
#[tokio::test]
async fn oauth2_token_refused_by_the_api_is_renewed_once() {
    use finops_core::emulator::axum;
    use finops_core::emulator::axum::http::HeaderMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    let issued = Arc::new(AtomicU64::new(0));
    let i2 = issued.clone();
    let token = move || {
        let n = i2.fetch_add(1, Ordering::Relaxed) + 1;
        async move {
            axum::Json(
                serde_json::json!({"access_token": format!("tok{n}"), "token_type": "Bearer", "expires_in": 3600}),
            )
        }
    };
    // Only the second token is accepted: the first one was revoked server side.
    let me = |headers: HeaderMap| async move {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer tok2") {
            (
                axum::http::StatusCode::OK,
                axum::Json(serde_json::json!({"nichandle":"xx1-ovh","email":"a@b.c"})),
            )
        } else {
            (
                axum::http::StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"class":"Client::Unauthorized","message":"revoked"})),
            )
        }
    };
    let router = axum::Router::new()
        .route("/auth/oauth2/token", axum::routing::post(token))
        .route("/1.0/me", axum::routing::get(me));
    let server = finops_core::emulator::EmulatorServer::start(router)
        .await
        .unwrap();
    let c = OvhBuilder::new()
        .with_endpoint(format!("{}/1.0", server.url()))
        .with_oauth2("cid", "csecret")
        .with_rate_limit(1000.0, 100)
        .build()
        .unwrap();
    assert_eq!(c.me().await.unwrap().nichandle, "xx1-ovh");
    assert_eq!(issued.load(Ordering::Relaxed), 2);
    // The renewed token is cached.
    assert_eq!(c.me().await.unwrap().nichandle, "xx1-ovh");
    assert_eq!(issued.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn time_delta_is_taken_when_the_reply_arrives() {
    use finops_core::emulator::axum;
    let t0: chrono::DateTime<chrono::Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
    let clock = Arc::new(FixedClock::new(t0));
    let c2 = clock.clone();
    // The reply takes two minutes (slow server, retries); client and server clocks agree.
    let router = axum::Router::new().route(
        "/1.0/auth/time",
        axum::routing::get(move || {
            let c = c2.clone();
            async move {
                c.advance(chrono::Duration::seconds(120));
                axum::Json(c.now().timestamp())
            }
        }),
    );
    let server = finops_core::emulator::EmulatorServer::start(router)
        .await
        .unwrap();
    let c = OvhBuilder::new()
        .with_endpoint(format!("{}/1.0", server.url()))
        .with_application_key("AK")
        .with_application_secret("AS")
        .with_consumer_key("CK")
        .with_clock(clock.clone())
        .build()
        .unwrap();
    assert_eq!(c.signer().time_delta().await.unwrap(), 0);
}

#[tokio::test]
async fn time_sync_uses_its_own_short_budget_client() {
    use finops_core::emulator::axum;
    use finops_core::http::{HttpClient, RetryConfig, Url};
    use finops_ovh::credential::{OvhCredential, OvhSigner};
    use std::sync::atomic::{AtomicU32, Ordering};
    let hits = Arc::new(AtomicU32::new(0));
    let h = hits.clone();
    let router = axum::Router::new().route(
        "/1.0/auth/time",
        axum::routing::get(move || {
            let h = h.clone();
            async move {
                h.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::SERVICE_UNAVAILABLE
            }
        }),
    );
    let server = finops_core::emulator::EmulatorServer::start(router)
        .await
        .unwrap();
    let fast = |max_retries: u32| RetryConfig {
        max_retries,
        backoff: finops_core::http::BackoffConfig {
            init_backoff: std::time::Duration::from_millis(1),
            max_backoff: std::time::Duration::from_millis(2),
            base: 2.0,
        },
        ..RetryConfig::default()
    };
    let http = HttpClient::builder("ovh")
        .with_retry(fast(5))
        .build()
        .unwrap();
    let time_http = HttpClient::builder("ovh")
        .with_retry(fast(1))
        .build()
        .unwrap();
    let signer = OvhSigner::with_time_client(
        OvhCredential::ApplicationKey {
            application_key: "AK".into(),
            application_secret: finops_core::Secret::new("AS"),
            consumer_key: finops_core::Secret::new("CK"),
        },
        Url::parse(&format!("{}/1.0", server.url())).unwrap(),
        http,
        time_http,
        None,
        None,
    )
    .unwrap();
    assert!(signer.time_delta().await.is_err());
    // 1 + 1 retry of the time client, not 1 + 5 of the data client.
    assert_eq!(hits.load(Ordering::Relaxed), 2);
}
