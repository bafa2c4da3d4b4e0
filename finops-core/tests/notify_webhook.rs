//! Webhooks against a loopback server: Teams and Slack payloads as those services expect
//! them, and failures (server down, 500s) recorded without the secret URL.

#![cfg(all(feature = "notify", feature = "emulator"))]

use finops_core::Secret;
use finops_core::alert::{Alert, AlertPolicy, Channel, Severity};
use finops_core::clock::FixedClock;
use finops_core::emulator::axum::{Json, Router, extract::State, routing::post};
use finops_core::emulator::{EmulatorServer, FaultConfig};
use finops_core::http::{BackoffConfig, HttpClient, RetryConfig};
use finops_core::notify::{Language, WebhookFormat, WebhookNotifier};
use finops_core::state::MemoryState;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Inbox = Arc<Mutex<Vec<Value>>>;

async fn inbox_server() -> (EmulatorServer, Inbox) {
    let inbox: Inbox = Arc::default();
    async fn hook(State(i): State<Inbox>, Json(v): Json<Value>) -> &'static str {
        i.lock().unwrap().push(v);
        "1"
    }
    let router = Router::new()
        .route("/webhookb2/{secret}", post(hook))
        .route("/services/T0001/B0001/{secret}", post(hook))
        .with_state(inbox.clone());
    (EmulatorServer::start(router).await.unwrap(), inbox)
}

fn http() -> HttpClient {
    HttpClient::builder("webhook")
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(5),
                base: 2.0,
            },
            max_retries: 2,
            ..Default::default()
        })
        .build()
        .unwrap()
}

fn alerts() -> Vec<Alert> {
    vec![
        Alert::threshold(
            "oci",
            "ClienteA",
            "crédit consommé",
            "91.5",
            "90",
            "%",
            Severity::Critical,
        ),
        Alert::anomaly(
            "ovh",
            "projet-x",
            "2026-11-28",
            "412.30",
            "120.00",
            "EUR",
            "nouvelle instance b3-64",
        ),
    ]
}

#[tokio::test]
async fn teams_and_slack_payloads() {
    let (server, inbox) = inbox_server().await;
    let clock = FixedClock::new("2026-11-29T22:15:00Z".parse().unwrap());
    let teams = WebhookNotifier::new(
        "teams",
        Secret::new(format!("{}/webhookb2/teams-secret-0001", server.url())),
        WebhookFormat::Teams,
        http(),
    )
    .unwrap();
    let slack = WebhookNotifier::new(
        "slack",
        Secret::new(format!(
            "{}/services/T0001/B0001/slack-secret-0001",
            server.url()
        )),
        WebhookFormat::Slack,
        http(),
    )
    .unwrap();
    assert!(!format!("{teams:?}").contains("teams-secret-0001"));
    let policy = AlertPolicy::new(Arc::new(MemoryState::new()), Arc::new(clock))
        .with_channel(Channel::webhook("teams", Arc::new(teams), Language::Fr))
        .with_channel(Channel::webhook("slack", Arc::new(slack), Language::En));
    let r = policy.process("2026-11-29 23:15", &alerts()).await.unwrap();
    assert_eq!(r.messages_sent, 2);
    let got = inbox.lock().unwrap().clone();
    let card = got
        .iter()
        .find(|v| v["type"] == "message")
        .expect("Teams message");
    let att = &card["attachments"][0];
    assert_eq!(
        att["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let body = att["content"]["body"].as_array().unwrap();
    assert_eq!(
        body[0]["text"],
        "[finops] 2 alertes dont 1 critique – 2026-11-29 23:15"
    );
    assert_eq!(
        body[1]["text"],
        "**Critique** Seuil atteint pour ClienteA : crédit consommé = 91.5 % (seuil 90 %)"
    );
    let slack = got
        .iter()
        .find(|v| v.get("blocks").is_some())
        .expect("Slack message");
    assert_eq!(
        slack["text"],
        "[finops] 2 alerts, 1 critical – 2026-11-29 23:15"
    );
    assert_eq!(
        slack["blocks"][2]["text"]["text"],
        "*[Warning]* Unusual cost for projet-x on 2026-11-28: 412.30 EUR (expected about 120.00 EUR)\n_Likely cause: nouvelle instance b3-64_"
    );
}

#[tokio::test]
async fn failures_are_recorded_without_the_secret_url() {
    let (server, _inbox) = inbox_server().await;
    server.faults().set(FaultConfig {
        rate_500: 1.0,
        ..Default::default()
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!(
        "http://{}/webhookb2/down-secret-0002",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let clock = FixedClock::new("2026-11-29T22:15:00Z".parse().unwrap());
    let failing = WebhookNotifier::new(
        "teams",
        Secret::new(format!("{}/webhookb2/failing-secret-0003", server.url())),
        WebhookFormat::Teams,
        http(),
    )
    .unwrap();
    let unreachable =
        WebhookNotifier::new("slack", Secret::new(down), WebhookFormat::Slack, http()).unwrap();
    let policy = AlertPolicy::new(Arc::new(MemoryState::new()), Arc::new(clock))
        .with_channel(Channel::webhook("teams", Arc::new(failing), Language::En))
        .with_channel(Channel::webhook(
            "slack",
            Arc::new(unreachable),
            Language::En,
        ));
    let r = policy.process("r", &alerts()).await.unwrap();
    assert_eq!(r.messages_sent, 0);
    assert_eq!(r.failures.len(), 2);
    for e in r.errors() {
        let text = e.to_string();
        assert!(!text.contains("secret-000"), "{text}");
        assert!(text.contains("/***"), "{text}");
    }
    assert!(
        r.errors()[1].message.contains("HTTP 500") || r.errors()[0].message.contains("HTTP 500")
    );
}
