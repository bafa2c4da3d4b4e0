//! Logins and token checks of the emulated portal: `generateToken` (username/password, a
//! `client=referer` token bound to its referer), OAuth2 client credentials, and the token
//! every other call must carry (the `X-Esri-Authorization` or `Authorization` bearer header,
//! or a `token` parameter), refused with 498 when unknown, expired, used from another referer
//! or past its call budget, and 499 when missing.

use super::data::{CLIENT_ID, CLIENT_SECRET, mix};
use super::{Shared, error_body, json_response};
use finops_core::emulator::axum::http::{HeaderMap, header};
use finops_core::emulator::axum::response::Response;
use std::collections::HashMap;

#[derive(Debug)]
pub(super) struct Token {
    username: Option<String>,
    expires_ms: i64,
    calls: u32,
    /// `generateToken` with `client=referer`: only requests carrying this `Referer` header
    /// may use the token (anything else is "Invalid token.", as on ArcGIS Online).
    referer: Option<String>,
}

pub(super) fn err_498() -> Response {
    error_body(498, "Invalid token.", &[])
}

pub(super) fn err_499() -> Response {
    let v = serde_json::json!({"error": {"code": 499, "message": "Token Required", "messageCode": "GWM_0003", "details": ["Token Required"]}});
    json_response(v.to_string())
}

fn bearer(headers: &HeaderMap, p: &HashMap<String, String>) -> Option<String> {
    for h in ["x-esri-authorization", "authorization"] {
        if let Some(v) = headers.get(h).and_then(|v| v.to_str().ok())
            && let Some(t) = v
                .strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        {
            return Some(t.trim().to_string());
        }
    }
    p.get("token").filter(|t| !t.is_empty()).cloned()
}

pub(super) enum Caller {
    User(String, String),
    App,
}

impl Shared {
    pub(super) fn authenticate(
        &self,
        headers: &HeaderMap,
        p: &HashMap<String, String>,
    ) -> std::result::Result<Caller, Box<Response>> {
        let Some(tok) = bearer(headers, p) else {
            return Err(Box::new(err_499()));
        };
        let now = self.clock.now().timestamp_millis();
        let mut g = self.lock();
        let budget = g.token_call_budget;
        let sent_referer = headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let verdict = match g.tokens.get_mut(&tok) {
            None => None,
            Some(t) if t.expires_ms <= now => None,
            Some(t) if t.referer.is_some() && t.referer != sent_referer => None,
            Some(t) if budget.is_some_and(|b| t.calls >= b) => None,
            Some(t) => {
                t.calls += 1;
                Some(t.username.clone())
            }
        };
        match verdict {
            None => {
                g.rejected_498 += 1;
                Err(Box::new(err_498()))
            }
            Some(None) => Ok(Caller::App),
            Some(Some(u)) => {
                let role = g
                    .users
                    .iter()
                    .find(|x| x.username == u)
                    .map(|x| x.role.clone())
                    .unwrap_or_default();
                Ok(Caller::User(u, role))
            }
        }
    }

    fn issue(
        &self,
        username: Option<String>,
        minutes: i64,
        referer: Option<String>,
    ) -> (String, i64) {
        let now = self.clock.now().timestamp_millis();
        let mut g = self.lock();
        g.token_counter += 1;
        let tok = format!(
            "emutok{:04}x{:016x}",
            g.token_counter,
            mix(g.seed ^ g.token_counter)
        );
        let expires_ms = now + minutes * 60_000;
        g.tokens.insert(
            tok.clone(),
            Token {
                username,
                expires_ms,
                calls: 0,
                referer,
            },
        );
        (tok, expires_ms)
    }
}

pub(super) fn generate_token(st: &Shared, p: &HashMap<String, String>) -> Response {
    st.lock().token_requests += 1;
    let (Some(u), Some(pw)) = (p.get("username"), p.get("password")) else {
        return error_body(
            400,
            "Unable to generate token.",
            &["'username' and 'password' must be specified."],
        );
    };
    let ok = st.lock().passwords.get(u).is_some_and(|x| x == pw);
    if !ok {
        return error_body(
            400,
            "Unable to generate token.",
            &["Invalid username or password."],
        );
    }
    let minutes = expiration_minutes(p, 60);
    // `client=referer` (what the SDKs send) binds the token to the `referer` parameter.
    let referer = match p.get("client").map(String::as_str) {
        Some("referer") => match p.get("referer").filter(|r| !r.is_empty()) {
            Some(r) => Some(r.clone()),
            None => {
                return error_body(
                    400,
                    "Unable to generate token.",
                    &["'referer' must be specified."],
                );
            }
        },
        _ => None,
    };
    let (tok, exp) = st.issue(Some(u.clone()), minutes, referer);
    json_response(serde_json::json!({"token": tok, "expires": exp, "ssl": false}).to_string())
}

/// The `expiration` asked for, in minutes (`default` when missing or not positive), capped
/// at two weeks like ArcGIS Online.
fn expiration_minutes(p: &HashMap<String, String>, default: i64) -> i64 {
    p.get("expiration")
        .and_then(|e| e.parse::<i64>().ok())
        .filter(|m| *m > 0)
        .unwrap_or(default)
        .min(20_160)
}

pub(super) fn oauth2_token(st: &Shared, p: &HashMap<String, String>) -> Response {
    st.lock().token_requests += 1;
    if p.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return error_body(400, "Invalid grant_type", &[]);
    }
    if p.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || p.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        let v = serde_json::json!({"error": {"code": 400, "error": "invalid_client_id", "error_description": "Invalid client_id", "message": "Invalid client_id", "details": []}});
        return json_response(v.to_string());
    }
    let minutes = expiration_minutes(p, 120);
    let (tok, _) = st.issue(None, minutes, None);
    json_response(serde_json::json!({"access_token": tok, "expires_in": minutes * 60}).to_string())
}
