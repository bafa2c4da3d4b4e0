//! The OAuth2 client-credentials provider against a loopback token server shaped like
//! OVHcloud's (Basic), ArcGIS's (form, errors in a 200 body) and Entra ID's (form, scope,
//! `expires_in` as a string).

#![cfg(all(feature = "http", feature = "emulator"))]

use finops_core::clock::FixedClock;
use finops_core::emulator::EmulatorServer;
use finops_core::emulator::axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use finops_core::http::oauth2::TokenProvider;
use finops_core::http::{
    BackoffConfig, ClientAuth, HttpClient, Method, OAuth2ClientCredentials, RequestParts,
    RetryConfig, Url,
};
use finops_core::{Error, Secret};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENT_ID: &str = "finops-client";
const SECRET: &str = "s3cr3t-value-0001";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Reply {
    /// `{"access_token","token_type":"Bearer","expires_in":3599}`
    Number,
    /// `"expires_in":"3600"` (Entra v1, MSAL tolerates it)
    String,
    /// no `expires_in`
    Missing,
    /// HTTP 200 with an ArcGIS error object
    ArcGisError,
    /// HTTP 400 with an OAuth2 error echoing the secret
    EchoSecretError,
    /// HTTP 500 once, then a token
    FailOnce,
}

#[derive(Debug)]
struct Server {
    accept_basic: bool,
    accept_form: bool,
    reply: Reply,
    issued: u32,
    valid: Vec<String>,
    basic_attempts: u32,
    form_attempts: u32,
    failed_once: bool,
    last_form: HashMap<String, String>,
    api_calls: u32,
}

type Shared = Arc<Mutex<Server>>;

fn shared(accept_basic: bool, accept_form: bool, reply: Reply) -> Shared {
    Arc::new(Mutex::new(Server {
        accept_basic,
        accept_form,
        reply,
        issued: 0,
        valid: Vec::new(),
        basic_attempts: 0,
        form_attempts: 0,
        failed_once: false,
        last_form: HashMap::new(),
        api_calls: 0,
    }))
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [("content-type", "application/json")], body).into_response()
}

async fn token(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let mut g = s.lock().unwrap();
    g.last_form = form.clone();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return json(
            StatusCode::BAD_REQUEST,
            r#"{"error":"unsupported_grant_type"}"#.into(),
        );
    }
    let basic = headers.get("authorization").and_then(|v| v.to_str().ok());
    let ok = if let Some(b) = basic {
        g.basic_attempts += 1;
        use base64::Engine as _;
        let want =
            base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
        g.accept_basic && b == format!("Basic {want}")
    } else {
        g.form_attempts += 1;
        g.accept_form
            && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(SECRET)
    };
    if g.reply == Reply::FailOnce && !g.failed_once {
        g.failed_once = true;
        return json(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error":"server_error"}"#.into(),
        );
    }
    if g.reply == Reply::EchoSecretError {
        return json(
            StatusCode::BAD_REQUEST,
            format!(
                r#"{{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided ({SECRET})."}}"#
            ),
        );
    }
    if !ok {
        return json(
            StatusCode::UNAUTHORIZED,
            r#"{"error":"invalid_client","error_description":"client authentication failed"}"#
                .into(),
        );
    }
    if g.reply == Reply::ArcGisError {
        return json(
            StatusCode::OK,
            r#"{"error":{"code":400,"error":"invalid_client_id","error_description":"Invalid client_id","message":"Invalid client_id","details":[]}}"#.into(),
        );
    }
    g.issued += 1;
    let t = format!("tok-{}", g.issued);
    g.valid = vec![t.clone()];
    let body = match g.reply {
        Reply::String => {
            format!(r#"{{"access_token":"{t}","token_type":"Bearer","expires_in":"3600"}}"#)
        }
        Reply::Missing => format!(r#"{{"access_token":"{t}","token_type":"bearer"}}"#),
        _ => format!(
            r#"{{"access_token":"{t}","token_type":"Bearer","expires_in":3599,"scope":"all"}}"#
        ),
    };
    json(StatusCode::OK, body)
}

async fn api(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut g = s.lock().unwrap();
    g.api_calls += 1;
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match auth.strip_prefix("Bearer ") {
        Some(t) if g.valid.iter().any(|v| v == t) => json(StatusCode::OK, r#"{"ok":true}"#.into()),
        _ => json(
            StatusCode::UNAUTHORIZED,
            r#"{"message":"invalid token"}"#.into(),
        ),
    }
}

async fn start(s: Shared) -> EmulatorServer {
    let router = Router::new()
        .route("/auth/oauth2/token", post(token))
        .route("/api/data", get(api))
        .with_state(s);
    EmulatorServer::start(router).await.unwrap()
}

fn fast_retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            base: 2.0,
        },
        max_retries: 3,
        ..Default::default()
    }
}

fn provider(
    server: &EmulatorServer,
    auth: ClientAuth,
    clock: &FixedClock,
) -> OAuth2ClientCredentials {
    OAuth2ClientCredentials::builder(
        "test",
        Url::parse(&format!("{}/auth/oauth2/token", server.url())).unwrap(),
        CLIENT_ID,
        Secret::new(SECRET),
    )
    .with_client_auth(auth)
    .with_scope("all")
    .with_http(
        HttpClient::builder("test")
            .with_clock(Arc::new(clock.clone()))
            .with_retry(fast_retry()),
    )
    .build()
    .unwrap()
}

fn clock() -> FixedClock {
    FixedClock::new("2026-11-22T10:00:00Z".parse().unwrap())
}

#[tokio::test]
async fn basic_auth_like_ovh_and_cached() {
    let s = shared(true, false, Reply::Number);
    let server = start(s.clone()).await;
    let c = clock();
    let p = provider(&server, ClientAuth::Basic, &c);
    assert_eq!(p.token().await.unwrap().expose(), "tok-1");
    assert_eq!(p.token().await.unwrap().expose(), "tok-1");
    let g = s.lock().unwrap();
    assert_eq!((g.issued, g.basic_attempts, g.form_attempts), (1, 1, 0));
    assert_eq!(g.last_form.get("scope").map(String::as_str), Some("all"));
    assert!(
        !g.last_form.contains_key("client_secret"),
        "Basic keeps the secret out of the body"
    );
}

#[tokio::test]
async fn basic_refused_falls_back_to_form_and_remembers() {
    let s = shared(false, true, Reply::Number);
    let server = start(s.clone()).await;
    let c = clock();
    let p = provider(&server, ClientAuth::BasicThenForm, &c);
    assert_eq!(p.token().await.unwrap().expose(), "tok-1");
    assert!(p.invalidate().await);
    assert_eq!(p.token().await.unwrap().expose(), "tok-2");
    let g = s.lock().unwrap();
    assert_eq!(
        (g.basic_attempts, g.form_attempts),
        (1, 2),
        "Basic tried once only"
    );
}

#[tokio::test]
async fn refreshed_min_ttl_before_expiry_with_a_string_expires_in() {
    let s = shared(false, true, Reply::String);
    let server = start(s.clone()).await;
    let c = clock();
    let p = provider(&server, ClientAuth::Form, &c);
    assert_eq!(p.token().await.unwrap().expose(), "tok-1");
    c.advance(chrono::Duration::minutes(54));
    assert_eq!(p.token().await.unwrap().expose(), "tok-1");
    c.advance(chrono::Duration::minutes(2));
    assert_eq!(
        p.token().await.unwrap().expose(),
        "tok-2",
        "refreshed 5 min before the hour"
    );
}

#[tokio::test]
async fn missing_expires_in_uses_the_default_lifetime() {
    let s = shared(false, true, Reply::Missing);
    let server = start(s.clone()).await;
    let c = clock();
    let p = provider(&server, ClientAuth::Form, &c);
    assert_eq!(p.token().await.unwrap().expose(), "tok-1");
    c.advance(chrono::Duration::minutes(50));
    assert_eq!(p.token().await.unwrap().expose(), "tok-1");
    c.advance(chrono::Duration::minutes(6));
    assert_eq!(p.token().await.unwrap().expose(), "tok-2");
}

#[tokio::test]
async fn a_refused_token_is_renewed_once() {
    let s = shared(false, true, Reply::Number);
    let server = start(s.clone()).await;
    let c = clock();
    let p = provider(&server, ClientAuth::Form, &c);
    let api = HttpClient::builder("test")
        .with_clock(Arc::new(c.clone()))
        .build()
        .unwrap();
    let req = || {
        RequestParts::new(
            Method::GET,
            Url::parse(&format!("{}/api/data", server.url())).unwrap(),
        )
    };
    assert_eq!(p.send(&api, req()).await.unwrap().status, 200);
    // The server revokes every token (e.g. the secret was rotated): 401, renewal, success.
    s.lock().unwrap().valid.clear();
    assert_eq!(p.send(&api, req()).await.unwrap().status, 200);
    let g = s.lock().unwrap();
    assert_eq!((g.issued, g.api_calls), (2, 3));
}

#[tokio::test]
async fn errors_name_the_token_url_and_the_oauth2_error_not_the_secret() {
    let s = shared(false, true, Reply::EchoSecretError);
    let server = start(s.clone()).await;
    let c = clock();
    let p = provider(&server, ClientAuth::Form, &c);
    let e = p.token().await.unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    assert!(
        m.contains(&format!("POST {}/auth/oauth2/token", server.url())),
        "{m}"
    );
    assert!(
        m.contains("invalid_client") && m.contains("AADSTS7000215"),
        "{m}"
    );
    assert!(
        !m.contains(SECRET) && !format!("{e:?}").contains(SECRET),
        "{m}"
    );
    assert!(!format!("{p:?}").contains(SECRET));
}

#[tokio::test]
async fn arcgis_error_in_a_200_body() {
    let s = shared(false, true, Reply::ArcGisError);
    let server = start(s.clone()).await;
    let c = clock();
    let p = provider(&server, ClientAuth::Form, &c);
    let m = p.token().await.unwrap_err().to_string();
    assert!(
        m.contains("invalid_client_id") && m.contains("Invalid client_id"),
        "{m}"
    );
}

#[tokio::test]
async fn a_server_error_is_retried() {
    let s = shared(false, true, Reply::FailOnce);
    let server = start(s.clone()).await;
    let c = clock();
    let p = provider(&server, ClientAuth::Form, &c);
    assert_eq!(p.token().await.unwrap().expose(), "tok-1");
}

#[tokio::test]
async fn an_unreachable_token_url_names_it() {
    let c = clock();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/tenant/oauth2/v2.0/token",
        listener.local_addr().unwrap()
    );
    drop(listener);
    let p = OAuth2ClientCredentials::builder(
        "azure",
        Url::parse(&url).unwrap(),
        CLIENT_ID,
        Secret::new(SECRET),
    )
    .with_scope("https://graph.microsoft.com/.default")
    .with_http(
        HttpClient::builder("azure")
            .with_clock(Arc::new(c))
            .with_retry(fast_retry()),
    )
    .build()
    .unwrap();
    let m = p.token().await.unwrap_err().to_string();
    assert!(m.contains(&url), "{m}");
}

#[tokio::test]
async fn arcgis_shape_form_with_extra_parameters() {
    let s = shared(false, true, Reply::Number);
    let server = start(s.clone()).await;
    let c = clock();
    let p = OAuth2ClientCredentials::builder(
        "arcgis",
        Url::parse(&format!("{}/auth/oauth2/token", server.url())).unwrap(),
        CLIENT_ID,
        Secret::new(SECRET),
    )
    .with_param("expiration", "120")
    .with_param("f", "json")
    .with_http(HttpClient::builder("arcgis").with_clock(Arc::new(c)))
    .build()
    .unwrap();
    p.token().await.unwrap();
    let g = s.lock().unwrap();
    assert_eq!(
        g.last_form.get("expiration").map(String::as_str),
        Some("120")
    );
    assert_eq!(g.last_form.get("f").map(String::as_str), Some("json"));
    assert_eq!(
        g.last_form.get("client_id").map(String::as_str),
        Some(CLIENT_ID)
    );
    assert!(!g.last_form.contains_key("scope"));
}
