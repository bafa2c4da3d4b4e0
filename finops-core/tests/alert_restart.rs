//! De-duplication survives a restart: the same alerts submitted by separate processes in
//! sequence (this test binary re-run as a child, sharing one SQLite state file) reach the
//! webhook once per window; a failed send stays pending for the next process.

#![cfg(all(feature = "notify", feature = "state", feature = "emulator"))]

use finops_core::Secret;
use finops_core::alert::{Alert, AlertPolicy, Channel};
use finops_core::clock::{Clock, FixedClock};
use finops_core::emulator::EmulatorServer;
use finops_core::emulator::axum::{Json, Router, extract::State, routing::post};
use finops_core::http::{HttpClient, RetryConfig};
use finops_core::notify::{Language, WebhookFormat, WebhookNotifier};
use finops_core::state::SqliteState;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, Mutex};

const DB: &str = "FINOPS_ALERT_CHILD_DB";
const URL: &str = "FINOPS_ALERT_CHILD_URL";
const NOW: &str = "FINOPS_ALERT_CHILD_NOW";

/// The child process: one job run's alert step. A no-op unless started by the test below.
#[tokio::test]
async fn child_process_dispatch() {
    let (Ok(db), Ok(url), Ok(now)) = (std::env::var(DB), std::env::var(URL), std::env::var(NOW))
    else {
        return;
    };
    let clock = FixedClock::new(now.parse().unwrap());
    let store = Arc::new(SqliteState::open(&db).unwrap());
    let http = HttpClient::builder("webhook")
        .with_retry(RetryConfig {
            max_retries: 0,
            ..Default::default()
        })
        .build()
        .unwrap();
    let hook = WebhookNotifier::new("hook", Secret::new(url), WebhookFormat::Json, http).unwrap();
    let policy = AlertPolicy::new(store, Arc::new(clock.clone())).with_channel(Channel::webhook(
        "hook",
        Arc::new(hook),
        Language::En,
    ));
    let alerts = [
        Alert::run_failure("ovh", "SIVIC_SICAP", "HTTP 503"),
        Alert::credential_expiring(
            "ovh",
            "SAS_Sante",
            Some("2026-12-02T00:00:00Z".parse().unwrap()),
            clock.now(),
        ),
    ];
    let r = policy.process(&now, &alerts).await.unwrap();
    println!(
        "CHILD-REPORT {} {} {} {}",
        r.messages_sent,
        r.deliveries_sent,
        r.submitted.suppressed,
        r.failures.len()
    );
}

/// Run the child in a new process; returns (messages, deliveries, suppressed, failures).
fn child(db: &Path, url: &str, now: &str) -> (u32, u32, u32, u32) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_dispatch",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DB, db)
        .env(URL, url)
        .env(NOW, now)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("CHILD-REPORT ").map(|(_, r)| r.trim()))
        .unwrap_or_else(|| panic!("no report in {stdout}"));
    let v: Vec<u32> = line.split(' ').map(|x| x.parse().unwrap()).collect();
    (v[0], v[1], v[2], v[3])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dedup_survives_a_restart() {
    let inbox: Arc<Mutex<Vec<Value>>> = Arc::default();
    async fn hook(State(i): State<Arc<Mutex<Vec<Value>>>>, Json(v): Json<Value>) -> &'static str {
        i.lock().unwrap().push(v);
        "ok"
    }
    let server = EmulatorServer::start(
        Router::new()
            .route("/hooks/{secret}", post(hook))
            .with_state(inbox.clone()),
    )
    .await
    .unwrap();
    let url = format!("{}/hooks/restart-secret-0001", server.url());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}/hooks/x", closed.local_addr().unwrap());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let run = |u: String, now: &'static str| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || child(&db, &u, now))
    };

    // Process 1 sends both alerts in one message.
    assert_eq!(
        run(url.clone(), "2026-11-29T22:15:00Z").await.unwrap(),
        (1, 2, 0, 0)
    );
    // Process 2, an hour later, same alerts: suppressed.
    assert_eq!(
        run(url.clone(), "2026-11-29T23:15:00Z").await.unwrap(),
        (0, 0, 2, 0)
    );
    assert_eq!(inbox.lock().unwrap().len(), 1);
    // Process 3, after the 24 h window, with the webhook down: recorded failure.
    assert_eq!(
        run(down, "2026-11-30T22:30:00Z").await.unwrap(),
        (0, 0, 0, 1)
    );
    // Process 4: the pending alerts go out.
    assert_eq!(
        run(url.clone(), "2026-11-30T23:15:00Z").await.unwrap(),
        (1, 2, 0, 0)
    );
    // Process 5: suppressed again.
    assert_eq!(
        run(url, "2026-12-01T00:15:00Z").await.unwrap(),
        (0, 0, 2, 0)
    );
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1]["items"].as_array().unwrap().len(), 2);
    assert_eq!(got[1]["severity"], "critical");
}
