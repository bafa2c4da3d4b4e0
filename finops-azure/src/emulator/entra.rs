//! The Entra ID token endpoint of the emulators (feature `emulator`), shared by the Microsoft
//! Graph emulator ([`crate::graph::emulator`]) and the Cost Management emulator
//! ([`super::cost_management`]).
//!
//! `POST /{tenant}/oauth2/v2.0/token` checks what Entra checks for client credentials, with its
//! error bodies (`{"error","error_description":"AADSTS…","error_codes",…}`): the content type,
//! the tenant (id or domain), `grant_type=client_credentials`, the client id (`unauthorized_client`
//! / AADSTS700016), the secret (HTTP 401 `invalid_client` / AADSTS7000215) and a scope the
//! directory serves (`invalid_scope` / AADSTS70011). It issues opaque bearer tokens that expire
//! by the injected clock; [`EntraDirectory::check_bearer`] is what the emulated APIs call.

use chrono::{DateTime, Utc};
use finops_core::clock::SharedClock;
use finops_core::emulator::axum::{
    Router,
    body::Bytes,
    extract::{Path as AxPath, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Tenant id of the emulated directory.
pub const TENANT_ID: &str = "00000000-0000-0000-0000-0000000000aa";
/// Its domain name (accepted in place of the id).
pub const TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";
/// The registered app.
pub const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
/// Its secret.
pub const CLIENT_SECRET: &str = "emu-graph-client-secret-0001";

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerRejection {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token this directory never issued (or revoked).
    Unknown,
    /// Issued, but expired by the directory's clock.
    Expired,
    /// Issued for another scope (audience).
    WrongAudience,
}

#[derive(Debug)]
struct Directory {
    clock: SharedClock,
    lifetime_secs: i64,
    scopes: Vec<String>,
    tokens: HashMap<String, (DateTime<Utc>, String)>,
    requests: u32,
    next: u64,
}

/// The emulated directory: one tenant, one app, the scopes it serves. Cheap to clone (shared
/// state).
#[derive(Debug, Clone)]
pub struct EntraDirectory {
    inner: Arc<Mutex<Directory>>,
}

fn aad_error(status: StatusCode, error: &str, code: u32, description: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}"),
            "error_codes": [code],
            "timestamp": "2026-11-29 22:15:00Z",
            "trace_id": "00000000-0000-0000-0000-000000000001",
            "correlation_id": "00000000-0000-0000-0000-000000000002",
        })
        .to_string(),
    )
        .into_response()
}

impl EntraDirectory {
    /// A directory issuing tokens of `lifetime_secs` (Entra: about an hour) for `scopes`
    /// (e.g. `https://graph.microsoft.com/.default`), on `clock`.
    pub fn new(clock: SharedClock, lifetime_secs: i64, scopes: &[&str]) -> Self {
        EntraDirectory {
            inner: Arc::new(Mutex::new(Directory {
                clock,
                lifetime_secs,
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                tokens: HashMap::new(),
                requests: 0,
                next: 0,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Directory> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The token route, to merge into an emulator's router.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .with_state(self.clone())
    }

    /// Check `Authorization: Bearer` for `scope` (`None`: any scope this directory serves).
    pub fn check_bearer(
        &self,
        headers: &HeaderMap,
        scope: Option<&str>,
    ) -> std::result::Result<(), BearerRejection> {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(t) = auth.strip_prefix("Bearer ") else {
            return Err(BearerRejection::Missing);
        };
        let d = self.lock();
        match d.tokens.get(t) {
            None => Err(BearerRejection::Unknown),
            Some((exp, _)) if *exp <= d.clock.now() => Err(BearerRejection::Expired),
            Some((_, s)) if scope.is_some_and(|w| w != s) => Err(BearerRejection::WrongAudience),
            Some(_) => Ok(()),
        }
    }

    /// Token requests received.
    pub fn token_requests(&self) -> u32 {
        self.lock().requests
    }

    /// Forget every issued token (the next API call gets 401).
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// The directory's clock.
    pub fn clock(&self) -> SharedClock {
        self.lock().clock.clone()
    }
}

async fn token(
    State(dir): State<EntraDirectory>,
    AxPath(tenant): AxPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut d = dir.lock();
    d.requests += 1;
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        );
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if tenant != TENANT_ID && !tenant.eq_ignore_ascii_case(TENANT_DOMAIN) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    let client = form.get("client_id").map(String::as_str).unwrap_or("");
    if client != CLIENT_ID {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client}' was not found in the directory '{TENANT_DOMAIN}'."
            ),
        );
    }
    if form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET) {
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    let scope = form.get("scope").map(String::as_str).unwrap_or("");
    if !d.scopes.iter().any(|s| s == scope) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            &format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid: '{scope}'."
            ),
        );
    }
    d.next += 1;
    let t = format!(
        "eyJ0eXAiOiJKV1QifQ.tok{:08X}.emu",
        d.next.wrapping_mul(0x9E37_79B9)
    );
    let life = d.lifetime_secs;
    let exp = d.clock.now() + chrono::Duration::seconds(life);
    d.tokens.insert(t.clone(), (exp, scope.to_string()));
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        json!({"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": t})
            .to_string(),
    )
        .into_response()
}
