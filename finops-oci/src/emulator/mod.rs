//! A loopback emulator of the OCI Usage API (feature `emulator`).
//!
//! `POST /20200107/usage` behaves like the real service as far as this crate's sources
//! describe it:
//! - every request's HTTP signature is verified against the public key registered for its
//!   `keyId` (parameters parsed in any order, the signed header set checked per method,
//!   `x-content-sha256` and `content-length` checked against the body, `date` within 5
//!   minutes of the emulator's clock); anything else is `401 NotAuthenticated`;
//! - a body that is not valid JSON or lacks required fields is `400 InvalidParameter`
//!   "Unable to process JSON input"; a date that is not midnight UTC is `400
//!   InvalidParameter` with the real precision message; an unknown tenancy or one that is
//!   not the key's is `404 NotAuthorizedOrNotFound`;
//! - answers are grouped by the requested `groupBy` dimensions (or one `groupByTag`),
//!   DAILY or MONTHLY, and paged with `limit`/`page` and the `opc-next-page` header;
//! - every answer carries an `opc-request-id`.
//!
//! Consumption is deterministic ([`data`]): each tenancy has a few resources whose daily
//! quantity depends only on the day and the resource (weekends lower), priced exactly.

pub mod data;

pub use data::{ResourceSpec, TenancySpec};

use crate::config::ClientConfig;
use crate::credential::{
    EMPTY_BODY_SHA256, OciCredential, parse_authorization, rsa_public_key_from_spki, signed_headers,
};
use crate::model::is_midnight;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::emulator::axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::post,
};
use finops_core::emulator::{EmulatorServer, Faults};
use finops_core::{Error, Result};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Largest clock skew accepted (signingrequests.htm: 5 minutes).
pub const MAX_SKEW_SECONDS: i64 = 300;

#[derive(Debug)]
struct EmuState {
    tenancies: Mutex<HashMap<String, TenancySpec>>,
    keys: Mutex<HashMap<String, Vec<u8>>>,
    clock: SharedClock,
    max_page: AtomicU64,
    request_counter: AtomicU64,
    rejected_auth: AtomicU64,
    served_pages: AtomicU64,
}

/// A running Usage API emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct OciEmulator {
    server: EmulatorServer,
    state: Arc<EmuState>,
}

impl OciEmulator {
    /// The instant the emulator's clock is stopped at when started with [`start`](Self::start).
    pub const DEFAULT_NOW: &'static str = "2026-11-22T12:00:00Z";

    /// Start on 127.0.0.1 (random port) with a [`FixedClock`] stopped at
    /// [`DEFAULT_NOW`](Self::DEFAULT_NOW): the 5-minute `date` check never depends on the
    /// machine's clock. Sign requests with [`clock`](Self::clock).
    pub async fn start() -> Result<Self> {
        let now = DateTime::parse_from_rfc3339(Self::DEFAULT_NOW)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| Error::config(format!("OciEmulator::DEFAULT_NOW: {e}")))?;
        Self::start_with_clock(Arc::new(FixedClock::new(now))).await
    }

    /// The emulator's clock: give it to the clients under test so that both sides agree.
    pub fn clock(&self) -> SharedClock {
        self.state.clock.clone()
    }

    /// Start with an injected clock (for the 5-minute skew check).
    pub async fn start_with_clock(clock: SharedClock) -> Result<Self> {
        let state = Arc::new(EmuState {
            tenancies: Mutex::new(HashMap::new()),
            keys: Mutex::new(HashMap::new()),
            clock,
            max_page: AtomicU64::new(500),
            request_counter: AtomicU64::new(0),
            rejected_auth: AtomicU64::new(0),
            served_pages: AtomicU64::new(0),
        });
        let router = Router::new()
            .route("/20200107/usage", post(usage))
            .with_state(state.clone());
        let server = EmulatorServer::start(router).await?;
        Ok(OciEmulator { server, state })
    }

    /// Base URL (`http://127.0.0.1:PORT`): what `--endpoint` takes.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        self.server.faults()
    }

    /// Largest page the server returns, whatever `limit` asks (default 500).
    pub fn set_max_page_size(&self, n: u64) {
        self.state.max_page.store(n.max(1), Ordering::Relaxed);
    }

    /// Add (or replace) a tenancy.
    pub fn add_tenancy(&self, spec: TenancySpec) {
        if let Ok(mut t) = self.state.tenancies.lock() {
            t.insert(spec.tenancy.clone(), spec);
        }
    }

    /// Register the public key (DER SubjectPublicKeyInfo) of `key_id`
    /// (`<tenancy>/<user>/<fingerprint>`).
    pub fn register_key_spki_der(&self, key_id: &str, spki_der: &[u8]) -> Result<()> {
        let pk = rsa_public_key_from_spki(spki_der)
            .ok_or_else(|| Error::InvalidArgument("not an RSA SubjectPublicKeyInfo".into()))?;
        if let Ok(mut k) = self.state.keys.lock() {
            k.insert(key_id.to_string(), pk);
        }
        Ok(())
    }

    /// Register a `-----BEGIN PUBLIC KEY-----` PEM for `key_id`.
    pub fn register_key_pem(&self, key_id: &str, pem: &str) -> Result<()> {
        let (label, der) = pkcs8::der::pem::decode_vec(pem.trim().as_bytes())
            .map_err(|e| Error::InvalidArgument(format!("public key PEM: {e}")))?;
        if label != "PUBLIC KEY" {
            return Err(Error::InvalidArgument(format!(
                "expected a PUBLIC KEY PEM, found {label}"
            )));
        }
        self.register_key_spki_der(key_id, &der)
    }

    /// Trust the key of a client config: load it (checking its fingerprint; on the blocking
    /// pool, as every key read) and register its public key under the client's keyId.
    /// Returns the keyId.
    pub async fn register_client(&self, cfg: &ClientConfig) -> Result<String> {
        let cred = OciCredential::load(&cfg.profile).await?;
        self.register_key_spki_der(cred.key_id(), cred.key().public_key_spki_der())?;
        Ok(cred.key_id().to_string())
    }

    /// Requests refused with 401.
    pub fn rejected_auth(&self) -> u64 {
        self.state.rejected_auth.load(Ordering::Relaxed)
    }

    /// Pages served with 200.
    pub fn served_pages(&self) -> u64 {
        self.state.served_pages.load(Ordering::Relaxed)
    }
}

fn request_id(state: &EmuState) -> String {
    let n = state.request_counter.fetch_add(1, Ordering::Relaxed);
    format!("EMU{n:016X}/{:08X}", n.wrapping_mul(2_654_435_761) as u32)
}

fn error(state: &EmuState, status: StatusCode, code: &str, message: &str) -> Response {
    if status == StatusCode::UNAUTHORIZED {
        state.rejected_auth.fetch_add(1, Ordering::Relaxed);
    }
    let mut resp = (
        status,
        [("content-type", "application/json")],
        json!({"code": code, "message": message}).to_string(),
    )
        .into_response();
    if let Ok(v) = request_id(state).parse() {
        resp.headers_mut().insert("opc-request-id", v);
    }
    resp
}

const NOT_AUTHENTICATED: &str =
    "The required information to complete authentication was not provided or was incorrect.";

/// Check the signature; `Err(reason)` (logged, not sent: the real service does not say why).
fn verify(
    state: &EmuState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> std::result::Result<String, String> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no authorization header")?;
    let p = parse_authorization(auth).ok_or("authorization is not a Signature")?;
    if !p.algorithm.is_empty() && p.algorithm != "rsa-sha256" {
        return Err(format!("algorithm {}", p.algorithm));
    }
    // The header set OCI requires per method is the one the SDK signs.
    let required = signed_headers(method);
    let signs = |name: &str| p.headers.iter().any(|h| h.eq_ignore_ascii_case(name));
    for r in required {
        // signingrequests.htm: `x-date` may stand in for `date` (clients that cannot set it).
        let stand_in = *r == "date" && signs("x-date");
        if !(signs(r) || stand_in) {
            return Err(format!("header {r} is not signed"));
        }
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let date = if signs("x-date") {
        header("x-date")
    } else {
        header("date").or_else(|| header("x-date"))
    }
    .ok_or("no date header")?;
    let when = DateTime::parse_from_rfc2822(date)
        .map_err(|e| format!("date {date:?}: {e}"))?
        .with_timezone(&Utc);
    let skew = (state.clock.now() - when).num_seconds().abs();
    if skew > MAX_SKEW_SECONDS {
        return Err(format!("clock skew of {skew} s"));
    }
    if required.len() > 3 {
        let expected = if body.is_empty() {
            EMPTY_BODY_SHA256.to_string()
        } else {
            B64.encode(Sha256::digest(body))
        };
        if header("x-content-sha256") != Some(expected.as_str()) {
            return Err("x-content-sha256 does not match the body".into());
        }
        if header("content-length") != Some(body.len().to_string().as_str()) {
            return Err("content-length does not match the body".into());
        }
    }
    let mut lines = Vec::new();
    for h in &p.headers {
        let h = h.to_ascii_lowercase();
        let value = if h == "(request-target)" {
            let pq = uri
                .path_and_query()
                .map(|pq| pq.as_str().to_string())
                .unwrap_or_else(|| uri.path().to_string());
            format!("{} {pq}", method.as_str().to_ascii_lowercase())
        } else {
            header(&h)
                .ok_or_else(|| format!("signed header {h} is missing"))?
                .to_string()
        };
        lines.push(format!("{h}: {value}"));
    }
    let signing_string = lines.join("\n");
    let key = state
        .keys
        .lock()
        .map_err(|_| "key store poisoned".to_string())?
        .get(&p.key_id)
        .cloned()
        .ok_or_else(|| format!("unknown keyId {}", p.key_id))?;
    let sig = B64
        .decode(p.signature.as_bytes())
        .map_err(|_| "signature is not base64".to_string())?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(signing_string.as_bytes(), &sig)
        .map_err(|_| "signature does not verify".to_string())?;
    Ok(p.key_id)
}

fn parse_instant(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

async fn usage(
    State(state): State<Arc<EmuState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key_id = match verify(&state, &method, &uri, &headers, &body) {
        Ok(k) => k,
        Err(reason) => {
            tracing::debug!(%reason, "emulator: 401");
            return error(
                &state,
                StatusCode::UNAUTHORIZED,
                "NotAuthenticated",
                NOT_AUTHENTICATED,
            );
        }
    };
    let bad_json = || {
        error(
            &state,
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "Unable to process JSON input",
        )
    };
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_json();
    };
    let (Some(tenant), Some(start), Some(end), Some(gran)) = (
        req.get("tenantId").and_then(Value::as_str),
        req.get("timeUsageStarted").map(parse_instant),
        req.get("timeUsageEnded").map(parse_instant),
        req.get("granularity").and_then(Value::as_str),
    ) else {
        return bad_json();
    };
    let (Some(start), Some(end)) = (start, end) else {
        return bad_json();
    };
    if !is_midnight(&start) || !is_midnight(&end) {
        return error(
            &state,
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "Passed UTC date does not have the right precision: hours, minutes, seconds, and second fractions must be 0",
        );
    }
    if start >= end {
        return error(
            &state,
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "timeUsageStarted must be earlier than timeUsageEnded",
        );
    }
    if !matches!(gran, "DAILY" | "MONTHLY") {
        return error(
            &state,
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            &format!("granularity {gran} is not supported by this emulator"),
        );
    }
    let key_tenancy = key_id.split('/').next().unwrap_or_default();
    let spec = state
        .tenancies
        .lock()
        .ok()
        .and_then(|t| t.get(tenant).cloned());
    let Some(spec) = spec.filter(|_| key_tenancy == tenant) else {
        return error(
            &state,
            StatusCode::NOT_FOUND,
            "NotAuthorizedOrNotFound",
            "Authorization failed or requested resource not found.",
        );
    };
    let group_by: Vec<String> = req
        .get("groupBy")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let tag = req
        .get("groupByTag")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|t| {
            Some((
                t.get("namespace")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                t.get("key").and_then(Value::as_str)?.to_string(),
            ))
        });
    let items = data::build_items(
        &spec,
        start.date_naive(),
        end.date_naive(),
        gran,
        &group_by,
        tag.as_ref(),
    );
    // Paging.
    let query: HashMap<String, String> = uri.query().map(url_pairs).unwrap_or_default();
    let max = state.max_page.load(Ordering::Relaxed) as usize;
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(max)
        .min(max);
    let offset = match query.get("page") {
        None => 0,
        Some(p) => match p
            .strip_prefix("emu-page-")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) if n <= items.len() => n,
            _ => {
                return error(
                    &state,
                    StatusCode::BAD_REQUEST,
                    "InvalidParameter",
                    "Invalid page token",
                );
            }
        },
    };
    let page: Vec<Value> = items.iter().skip(offset).take(limit).cloned().collect();
    let next = offset + page.len();
    let body = json!({"groupBy": group_by, "items": page}).to_string();
    let mut resp = (StatusCode::OK, [("content-type", "application/json")], body).into_response();
    if let Ok(v) = request_id(&state).parse() {
        resp.headers_mut().insert("opc-request-id", v);
    }
    if next < items.len()
        && let Ok(v) = format!("emu-page-{next}").parse()
    {
        resp.headers_mut().insert("opc-next-page", v);
    }
    state.served_pages.fetch_add(1, Ordering::Relaxed);
    resp
}

fn url_pairs(q: &str) -> HashMap<String, String> {
    finops_core::http::Url::parse(&format!("http://x/?{q}"))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}
