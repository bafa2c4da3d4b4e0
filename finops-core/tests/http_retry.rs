//! The shared retry loop against the fault-injecting loopback server.

#![cfg(all(feature = "http", feature = "emulator"))]

use finops_core::emulator::axum::{
    Router, extract::Path, http::StatusCode, routing::get, routing::post,
};
use finops_core::emulator::{EmulatorServer, FaultConfig};
use finops_core::http::{BackoffConfig, HttpClient, Method, RequestParts, RetryConfig, Url};
use finops_core::{Error, Secret};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

fn fast_retry(max_retries: u32) -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            base: 2.0,
        },
        max_retries,
        retry_timeout: Duration::from_secs(30),
        max_retry_after: Duration::from_millis(50),
        ..Default::default()
    }
}

fn router() -> Router {
    Router::new()
        .route(
            "/item/{id}",
            get(|Path(id): Path<u32>| async move { format!("item-{id}") }),
        )
        .route(
            "/bad",
            get(|| async { (StatusCode::BAD_REQUEST, r#"{"message":"bad"}"#) }),
        )
        .route(
            "/echo-secret",
            get(|| async { (StatusCode::FORBIDDEN, "token sekret-value-123 refused") }),
        )
}

fn client(retry: RetryConfig) -> HttpClient {
    HttpClient::builder("test")
        .with_retry(retry)
        .with_timeout(Duration::from_secs(5))
        .with_rng(Box::new(
            <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1),
        ))
        .with_redactions(vec![Secret::new("sekret-value-123")])
        .build()
        .unwrap()
}

fn get_req(server: &EmulatorServer, path: &str) -> RequestParts {
    RequestParts::new(
        Method::GET,
        Url::parse(&format!("{}{path}", server.url())).unwrap(),
    )
}

#[tokio::test]
async fn storm_of_429_and_500_every_call_returns_the_right_body() {
    let server = EmulatorServer::start(router()).await.unwrap();
    server.faults().set(FaultConfig {
        rate_429: 0.15,
        rate_500: 0.15,
        retry_after_secs: 0,
        seed: 7,
        ..Default::default()
    });
    let c = client(fast_retry(20));
    let mut retried = 0;
    for i in 0..200u32 {
        let resp = c
            .send(get_req(&server, &format!("/item/{i}")), None)
            .await
            .unwrap();
        assert_eq!(resp.text(), format!("item-{i}"));
        assert!(resp.attempts <= 21);
        assert_eq!(resp.waits.len() as u32, resp.attempts - 1);
        for w in &resp.waits {
            // backoff max 20 ms; Retry-After 0 never raises it
            assert!(*w <= Duration::from_millis(20), "{w:?}");
        }
        retried += (resp.attempts > 1) as u32;
    }
    let st = server.faults().stats();
    let injected =
        st.injected_429.load(Ordering::Relaxed) + st.injected_500.load(Ordering::Relaxed);
    assert!(injected > 30, "the storm injected only {injected} faults");
    assert!(retried > 20);
    assert_eq!(st.served.load(Ordering::Relaxed), 200);
}

#[tokio::test]
async fn retry_after_is_honoured_and_clamped() {
    let server = EmulatorServer::start(router()).await.unwrap();
    server.faults().set(FaultConfig {
        rate_429: 1.0,
        retry_after_secs: 30,
        ..Default::default()
    });
    let c = client(fast_retry(3));
    let err = c.send(get_req(&server, "/item/1"), None).await.unwrap_err();
    match &err {
        Error::RetriesExhausted { attempts, last, .. } => {
            assert_eq!(*attempts, 4, "1 attempt + 3 retries");
            assert!(
                matches!(**last, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(30))
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.faults().stats().requests.load(Ordering::Relaxed), 4);
}

#[tokio::test]
async fn waits_respect_the_retry_after_clamp() {
    let server = EmulatorServer::start(router()).await.unwrap();
    // every other call is a 429 with Retry-After: 30 → the wait is clamped to max_retry_after (50 ms)
    server.faults().set(FaultConfig {
        rate_429: 0.5,
        retry_after_secs: 30,
        seed: 3,
        ..Default::default()
    });
    let c = client(fast_retry(30));
    for i in 0..20 {
        let resp = c
            .send(get_req(&server, &format!("/item/{i}")), None)
            .await
            .unwrap();
        for w in &resp.waits {
            assert_eq!(
                *w,
                Duration::from_millis(50),
                "Retry-After 30 s clamped to 50 ms"
            );
        }
    }
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let server = EmulatorServer::start(router()).await.unwrap();
    let c = client(fast_retry(5));
    let err = c.send(get_req(&server, "/bad"), None).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_retryable());
    assert_eq!(server.faults().stats().requests.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn secrets_are_redacted_from_error_bodies() {
    let server = EmulatorServer::start(router()).await.unwrap();
    let c = client(fast_retry(0));
    let err = c
        .send(get_req(&server, "/echo-secret"), None)
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("sekret-value-123"), "{text}");
    assert!(text.contains("***"));
}

#[tokio::test]
async fn dropped_connections_and_truncated_bodies_are_retried_for_idempotent_calls() {
    let server = EmulatorServer::start(router()).await.unwrap();
    server.faults().set(FaultConfig {
        drop_rate: 0.2,
        truncate_rate: 0.2,
        seed: 11,
        ..Default::default()
    });
    let c = client(fast_retry(25));
    for i in 0..60 {
        let resp = c
            .send(get_req(&server, &format!("/item/{i}")), None)
            .await
            .unwrap();
        assert_eq!(resp.text(), format!("item-{i}"));
    }
    let st = server.faults().stats();
    assert!(st.dropped.load(Ordering::Relaxed) > 0);
    assert!(st.truncated.load(Ordering::Relaxed) > 0);
}

#[tokio::test]
async fn non_idempotent_post_is_not_retried_after_a_truncated_answer() {
    let hits = Arc::new(AtomicU32::new(0));
    let h2 = hits.clone();
    let r = Router::new().route(
        "/write",
        post(move || {
            let h = h2.clone();
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                "done, with a body long enough to cut"
            }
        }),
    );
    let server = EmulatorServer::start(r).await.unwrap();
    server.faults().set(FaultConfig {
        truncate_rate: 1.0,
        ..Default::default()
    });
    let c = client(fast_retry(5));
    let req = RequestParts::new(
        Method::POST,
        Url::parse(&format!("{}/write", server.url())).unwrap(),
    );
    assert!(!req.idempotent);
    let err = c.send(req, None).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the write happened once and was not repeated"
    );
}

#[tokio::test]
async fn retry_budget_stops_retrying() {
    let server = EmulatorServer::start(router()).await.unwrap();
    server.faults().set(FaultConfig {
        rate_500: 1.0,
        ..Default::default()
    });
    let mut cfg = fast_retry(1000);
    cfg.retry_timeout = Duration::from_millis(100);
    let c = client(cfg);
    let err = c.send(get_req(&server, "/item/1"), None).await.unwrap_err();
    match err {
        Error::RetriesExhausted { attempts, .. } => assert!(attempts < 1000),
        other => panic!("{other:?}"),
    }
}
