//! E-mail through a real SMTP server on loopback (aiosmtpd, started by
//! `scripts/setup.d/40-smtp.sh`): STARTTLS + AUTH, plain SMTP, refusals, and an alert that
//! waits in the state store while the server is down and goes out on the next run.

#![cfg(all(feature = "notify", feature = "state"))]

use finops_core::Secret;
use finops_core::alert::{Alert, AlertPolicy, Channel};
use finops_core::clock::FixedClock;
use finops_core::notify::{EmailNotifier, Language, Notifier, SmtpSecurity, render_alerts};
use finops_core::state::{AlertStore, SqliteState};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

struct Smtp {
    host: String,
    port: u16,
    plain_port: u16,
    user: String,
    password: String,
    ca: Vec<u8>,
    mailbox: String,
}

fn smtp() -> Option<Smtp> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let Some(host) = var("FINOPS_SMTP_HOST") else {
        if std::env::var("FINOPS_REQUIRE_ALL").as_deref() == Ok("1") {
            panic!("FINOPS_SMTP_HOST unset and FINOPS_REQUIRE_ALL=1: run ./scripts/test");
        }
        println!("SKIPPED: SMTP server (run ./scripts/test, or source scripts/setup.d/40-smtp.sh)");
        return None;
    };
    let get = |k: &str| var(k).unwrap_or_else(|| panic!("{k} unset"));
    Some(Smtp {
        host,
        port: get("FINOPS_SMTP_PORT").parse().unwrap(),
        plain_port: get("FINOPS_SMTP_PLAIN_PORT").parse().unwrap(),
        user: get("FINOPS_SMTP_USER"),
        password: get("FINOPS_SMTP_PASSWORD"),
        ca: std::fs::read(get("FINOPS_SMTP_CA_CERT")).unwrap(),
        mailbox: get("FINOPS_SMTP_MAILBOX"),
    })
}

/// The received messages whose subject contains `token` (waits up to 10 s for `n` of them).
async fn received(s: &Smtp, token: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let found: Vec<Value> = std::fs::read_to_string(&s.mailbox)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["subject"].as_str().is_some_and(|x| x.contains(token)))
            .collect();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Vec::new()
}

fn token(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

fn clock() -> FixedClock {
    FixedClock::new("2026-11-29T22:15:00Z".parse().unwrap())
}

fn tls_notifier(s: &Smtp, password: &str) -> EmailNotifier {
    EmailNotifier::builder(&s.host, s.port, "FinOps <finops@example.org>")
        .with_security(SmtpSecurity::StartTls)
        .with_root_certificate_pem(s.ca.clone())
        .with_credentials(&s.user, Secret::new(password))
        .with_timeout(Duration::from_secs(10))
        .with_clock(Arc::new(clock()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn starttls_and_auth_message_arrives_with_subject_body_and_recipients() {
    let Some(s) = smtp() else { return };
    let tok = token("starttls");
    let now = "2026-11-29T22:15:00Z".parse().unwrap();
    let alerts = vec![
        Alert::run_failure("oci", "ClienteA", "HTTP 401 NotAuthenticated"),
        Alert::credential_expiring(
            "ovh",
            "SIVIC_SICAP",
            Some("2026-12-02T22:15:00Z".parse().unwrap()),
            now,
        ),
    ];
    let msg = render_alerts(Language::Fr, "finops", &tok, 24, &alerts)
        .unwrap()
        .to(vec!["equipe@example.org".into(), "dsi@example.org".into()]);
    tls_notifier(&s, &s.password).send(&msg).await.unwrap();
    let got = received(&s, &tok, 1).await;
    assert_eq!(got.len(), 1, "message not received");
    let m = &got[0];
    assert_eq!(m["port"], s.port);
    assert_eq!(m["tls"], true, "STARTTLS was used");
    assert_eq!(m["login"], s.user.as_str());
    assert_eq!(m["mail_from"], "finops@example.org");
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["equipe@example.org", "dsi@example.org"])
    );
    assert_eq!(
        m["subject"],
        format!("[finops] 2 alertes dont 1 critique – {tok}")
    );
    let text = m["text"].as_str().unwrap();
    assert!(
        text.contains("- [Critique] Échec de la collecte oci pour le compte « ClienteA »"),
        "{text}"
    );
    assert!(text.contains("Erreur : HTTP 401 NotAuthenticated"));
    assert!(text.contains("expire dans 3 jour(s)"));
    assert!(m["html"].as_str().unwrap().contains("<table"));
    assert!(
        m["date"].as_str().unwrap().contains("29 Nov 2026 22:15:00"),
        "{}",
        m["date"]
    );
}

#[tokio::test]
async fn plain_smtp_without_tls() {
    let Some(s) = smtp() else { return };
    let tok = token("plain");
    let n = EmailNotifier::builder(&s.host, s.plain_port, "finops@example.org")
        .with_security(SmtpSecurity::None)
        .with_clock(Arc::new(clock()))
        .build()
        .unwrap();
    let msg = render_alerts(
        Language::En,
        "finops",
        &tok,
        24,
        &[Alert::unmapped_tenant("ovh", "t-1")],
    )
    .unwrap()
    .to(vec!["team@example.org".into()]);
    n.send(&msg).await.unwrap();
    let got = received(&s, &tok, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["tls"], false);
    assert_eq!(got[0]["subject"], format!("[finops] 1 alert – {tok}"));
    assert!(
        got[0]["text"]
            .as_str()
            .unwrap()
            .contains("\"t-1\" is missing from the CMDB")
    );
    // Credentials over a plain connection are refused before anything is sent.
    assert!(
        EmailNotifier::builder(&s.host, s.plain_port, "finops@example.org")
            .with_security(SmtpSecurity::None)
            .with_credentials("u", Secret::new("password-in-clear"))
            .build()
            .is_err()
    );
}

#[tokio::test]
async fn refusals_are_errors_that_do_not_show_the_password() {
    let Some(s) = smtp() else { return };
    let msg = render_alerts(
        Language::En,
        "finops",
        &token("refused"),
        24,
        &[Alert::unmapped_tenant("ovh", "t")],
    )
    .unwrap()
    .to(vec!["team@example.org".into()]);
    let wrong = "wrong-password-123456";
    let e = tls_notifier(&s, wrong).send(&msg).await.unwrap_err();
    let text = e.to_string();
    assert!(text.contains(&format!("{}:{}", s.host, s.port)), "{text}");
    assert!(!text.contains(wrong) && !format!("{e:?}").contains(wrong));
    // STARTTLS required but the server does not offer it.
    let n = EmailNotifier::builder(&s.host, s.plain_port, "finops@example.org")
        .with_root_certificate_pem(s.ca.clone())
        .with_credentials(&s.user, Secret::new(s.password.clone()))
        .build()
        .unwrap();
    assert!(n.send(&msg).await.is_err());
}

#[tokio::test]
async fn a_down_server_is_a_recorded_error_and_the_alert_goes_out_next_run() {
    let Some(s) = smtp() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteState::open(dir.path().join("state.db")).unwrap());
    let clock = clock();
    let tok = token("down");
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = EmailNotifier::builder(&s.host, down_port, "finops@example.org")
        .with_security(SmtpSecurity::None)
        .with_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let policy = |n: EmailNotifier| {
        AlertPolicy::new(store.clone(), Arc::new(clock.clone())).with_channel(Channel::email(
            "email",
            Arc::new(n),
            vec!["team@example.org".into()],
            Language::En,
        ))
    };
    let alert = Alert::run_failure("arcgis", &tok, "HTTP 498 Invalid token");
    let r = policy(down)
        .process(&format!("run-1-{tok}"), std::slice::from_ref(&alert))
        .await
        .unwrap();
    assert_eq!(r.messages_sent, 0);
    let errors = r.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].source, "notify:email");
    assert!(
        errors[0]
            .message
            .contains(&format!("127.0.0.1:{down_port}")),
        "{}",
        errors[0]
    );
    let pending = store.pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);
    // Next run, an hour later, with the server up: the pending alert is sent, once.
    clock.advance(chrono::Duration::hours(1));
    let up = EmailNotifier::builder(&s.host, s.plain_port, "finops@example.org")
        .with_security(SmtpSecurity::None)
        .build()
        .unwrap();
    let r = policy(up)
        .process(&format!("run-2-{tok}"), &[alert])
        .await
        .unwrap();
    assert_eq!((r.messages_sent, r.deliveries_sent), (1, 1));
    let got = received(&s, &format!("run-2-{tok}"), 1).await;
    assert_eq!(got.len(), 1);
    assert!(
        got[0]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("arcgis collection failed for account \"{tok}\""))
    );
    assert!(store.pending().await.unwrap().is_empty());
}
