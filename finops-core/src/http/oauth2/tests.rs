//! Unit tests of the OAuth2 client: token replies, error bodies, client authentication and
//! the token request.

use super::*;

fn now() -> DateTime<Utc> {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

#[test]
fn expires_in_number_string_missing() {
    let h = chrono::Duration::hours(1);
    let t = parse_token_response(
        "x",
        "u",
        br#"{"access_token":"a","token_type":"Bearer","expires_in":3599}"#,
        now(),
        h,
    )
    .unwrap();
    assert_eq!(t.expiry, Some(now() + chrono::Duration::seconds(3599)));
    let t = parse_token_response(
        "x",
        "u",
        br#"{"access_token":"a","expires_in":"3599"}"#,
        now(),
        h,
    )
    .unwrap();
    assert_eq!(t.expiry, Some(now() + chrono::Duration::seconds(3599)));
    let t = parse_token_response(
        "x",
        "u",
        br#"{"access_token":"a","expires_in":7200.9}"#,
        now(),
        h,
    )
    .unwrap();
    assert_eq!(t.expiry, Some(now() + chrono::Duration::seconds(7200)));
    let t = parse_token_response("x", "u", br#"{"access_token":"a"}"#, now(), h).unwrap();
    assert_eq!(t.expiry, Some(now() + h));
    let t = parse_token_response(
        "x",
        "u",
        br#"{"access_token":"a","expires_in":null}"#,
        now(),
        h,
    )
    .unwrap();
    assert_eq!(t.expiry, Some(now() + h));
    let t = parse_token_response(
        "x",
        "u",
        br#"{"access_token":"a","expires_in":3600,"refresh_in":1800}"#,
        now(),
        h,
    )
    .unwrap();
    assert_eq!(t.expiry, Some(now() + chrono::Duration::seconds(1800)));
}

#[test]
fn bad_replies_name_the_url_and_field() {
    let h = chrono::Duration::hours(1);
    for body in [
        r#"{"access_token":"a","expires_in":-5}"#,
        r#"{"access_token":"a","expires_in":0}"#,
        r#"{"access_token":"a","expires_in":"soon"}"#,
        r#"{"access_token":"a","expires_in":1e300}"#,
        r#"{"access_token":"a","expires_in":99999999999999999999}"#,
    ] {
        let e = parse_token_response("x", "https://t/tok", body.as_bytes(), now(), h).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("https://t/tok") && m.contains("expires_in"),
            "{body}: {m}"
        );
    }
    let e =
        parse_token_response("x", "https://t/tok", br#"{"expires_in":5}"#, now(), h).unwrap_err();
    assert!(e.to_string().contains("access_token"));
    let e = parse_token_response(
        "x",
        "https://t/tok",
        br#"{"access_token":"a","token_type":"mac"}"#,
        now(),
        h,
    )
    .unwrap_err();
    assert!(e.to_string().contains("token_type"));
    assert!(parse_token_response("x", "u", b"<html>", now(), h).is_err());
}

#[test]
fn oauth2_error_shapes() {
    assert_eq!(
        oauth2_error(br#"{"error":"invalid_client", "error_description":"ovhcloud oauth2 client does not exists"}"#),
        Some(("invalid_client".into(), Some("ovhcloud oauth2 client does not exists".into())))
    );
    assert_eq!(
        oauth2_error(br#"{"error":{"code":400,"error":"invalid_client_id","error_description":"Invalid client_id","message":"Invalid client_id","details":[]}}"#),
        Some(("invalid_client_id".into(), Some("Invalid client_id".into())))
    );
    assert_eq!(
        oauth2_error(br#"{"error":{"code":498,"message":"Invalid token.","details":[]}}"#),
        Some(("498".into(), Some("Invalid token.".into())))
    );
    assert_eq!(oauth2_error(br#"{"access_token":"x"}"#), None);
    assert_eq!(oauth2_error(b"not json"), None);
}

#[test]
fn basic_header_encodes_like_rfc6749() {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    let v = basic_authorization("my id", &Secret::new("p@ss:w"));
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v.strip_prefix("Basic ").unwrap())
        .unwrap();
    assert_eq!(String::from_utf8(raw).unwrap(), "my+id:p%40ss%3Aw");
}

#[test]
fn url_label_drops_query_and_user() {
    let u = Url::parse("https://u:p@login.example/t/oauth2/v2.0/token?sig=abc").unwrap();
    assert_eq!(url_label(&u), "https://login.example/t/oauth2/v2.0/token");
}

#[test]
fn requests_basic_and_form() {
    let p = OAuth2ClientCredentials::builder(
        "ovh",
        Url::parse("https://www.ovh.com/auth/oauth2/token").unwrap(),
        "cid",
        Secret::new("csecret-123"),
    )
    .with_scope("all")
    .build()
    .unwrap();
    let b = p.token_request(true).unwrap();
    assert_eq!(
        std::str::from_utf8(&b.body).unwrap(),
        "grant_type=client_credentials&scope=all"
    );
    assert!(
        b.headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    let f = p.token_request(false).unwrap();
    assert_eq!(
        std::str::from_utf8(&f.body).unwrap(),
        "grant_type=client_credentials&client_id=cid&client_secret=csecret-123&scope=all"
    );
    assert!(f.headers.get("authorization").is_none());
    assert!(!format!("{p:?}").contains("csecret-123"));
    let v1 = OAuth2ClientCredentials::builder(
        "azure",
        Url::parse("https://login.microsoftonline.com/t/oauth2/token").unwrap(),
        "cid",
        Secret::new("csecret-123"),
    )
    .with_resource("https://management.azure.com/")
    .build()
    .unwrap();
    assert_eq!(
        std::str::from_utf8(&v1.token_request(false).unwrap().body).unwrap(),
        "grant_type=client_credentials&client_id=cid&client_secret=csecret-123&resource=https%3A%2F%2Fmanagement.azure.com%2F"
    );
    assert!(
        OAuth2ClientCredentials::builder(
            "x",
            Url::parse("https://t/").unwrap(),
            "",
            Secret::new("s")
        )
        .build()
        .is_err()
    );
}
