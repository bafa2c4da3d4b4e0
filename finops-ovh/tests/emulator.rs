//! The emulator is not a mock that accepts anything: raw requests signed by hand (the way
//! python-ovh / go-ovh do) are accepted, anything else is refused with the API's error shapes.

use finops_core::http::{HttpClient, Method, RequestParts, Url};
use finops_ovh::credential::signature;
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};

fn raw_client() -> HttpClient {
    HttpClient::builder("test")
        .with_error_parser(std::sync::Arc::new(|_, _| None))
        .build()
        .unwrap()
}

/// The emulator's "now" (its clock is stopped at the data set's date): requests are signed
/// with timestamps taken from it, never from the machine clock.
fn now(emu: &OvhEmulator) -> i64 {
    emu.clock().now().timestamp()
}

async fn get(
    emu: &OvhEmulator,
    path: &str,
    headers: &[(&str, String)],
) -> (u16, serde_json::Value) {
    let url = Url::parse(&format!("{}{path}", emu.url())).unwrap();
    let mut req = RequestParts::new(Method::GET, url);
    for (k, v) in headers {
        req = req.with_header(k, v).unwrap();
    }
    let r = raw_client().send(req, None).await.unwrap();
    (
        r.status,
        serde_json::from_slice(&r.body).unwrap_or_default(),
    )
}

fn signed(emu: &OvhEmulator, file: &str, path: &str, ts: i64) -> Vec<(&'static str, String)> {
    let a = emu.accounts().iter().find(|a| a.file == file).unwrap();
    let url = format!("{}{path}", emu.url());
    vec![
        ("X-Ovh-Application", a.application_key.clone()),
        ("X-Ovh-Consumer", a.consumer_key.clone()),
        ("X-Ovh-Timestamp", ts.to_string()),
        (
            "X-Ovh-Signature",
            signature(&a.application_secret, &a.consumer_key, "GET", &url, b"", ts),
        ),
    ]
}

#[tokio::test]
async fn hand_signed_requests_and_refusals() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    // /auth/time needs no auth and returns a bare integer.
    let (s, t) = get(&emu, "/auth/time", &[]).await;
    assert_eq!(s, 200);
    assert!(t.as_i64().unwrap() > 0);
    // A correctly signed call.
    let (s, me) = get(&emu, "/me", &signed(&emu, "SIVIC_SICAP", "/me", now(&emu))).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["nichandle"], "si33333-ovh");
    // Signature of another URL: 400 INVALID_SIGNATURE, legacy body shape.
    let (s, body) = get(
        &emu,
        "/me",
        &signed(&emu, "SIVIC_SICAP", "/me/bill", now(&emu)),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        body,
        serde_json::json!({"errorCode":"INVALID_SIGNATURE","httpCode":"400 Bad Request","message":"Invalid signature"})
    );
    // Outside the timestamp window.
    let (s, body) = get(
        &emu,
        "/me",
        &signed(&emu, "SIVIC_SICAP", "/me", now(&emu) - 3600),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(body["errorCode"], "QUERY_TIME_OUT");
    // Unknown consumer key: 403 INVALID_CREDENTIAL.
    let (s, body) = get(
        &emu,
        "/me",
        &signed(&emu, "Legacy_Archive", "/me", now(&emu)),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(body["errorCode"], "INVALID_CREDENTIAL");
    // No credentials at all.
    let (s, body) = get(&emu, "/me", &[]).await;
    assert_eq!(s, 401);
    assert_eq!(body["class"], "Client::Unauthorized");
    // A tenant this account does not see: 404 with the class shape.
    let p = "/cloud/project/a1000000000000000000000000000001";
    let (s, body) = get(&emu, p, &signed(&emu, "SIVIC_SICAP", p, now(&emu))).await;
    assert_eq!(s, 404);
    assert_eq!(body["class"], "Client::NotFound");
    // Served without the /1.0 prefix too (raw-URL endpoints).
    let base = emu.url();
    let root = base.trim_end_matches("/1.0");
    let url = Url::parse(&format!("{root}/auth/time")).unwrap();
    let r = raw_client()
        .send(RequestParts::new(Method::GET, url), None)
        .await
        .unwrap();
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn data_set_is_deterministic_and_sized() {
    let cfg = OvhEmulatorConfig::default()
        .with_projects(20)
        .with_history_periods(12);
    let emu = OvhEmulator::start(cfg).await.unwrap();
    let path = "/cloud/project";
    let (s, list) = get(
        &emu,
        path,
        &signed(&emu, "ProSanteConnect", path, now(&emu)),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 3 + 15);
    let p = "/cloud/project/e5000000000000000000000000000007/usage/history";
    let (s, h) = get(&emu, p, &signed(&emu, "ProSanteConnect", p, now(&emu))).await;
    assert_eq!(s, 200);
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 12);
    assert_eq!(h[11]["period"]["from"], "2026-10-01T00:00:00+02:00");
    assert_eq!(h[11]["period"]["to"], "2026-10-31T23:59:59+01:00");
}
