//! A loopback emulator of the OVHcloud API v1 (feature `emulator`).
//!
//! It checks authentication like the real API: `X-Ovh-Application` (unknown → 403
//! `INVALID_KEY`), `X-Ovh-Consumer` (unknown → 403 `INVALID_CREDENTIAL`), `X-Ovh-Timestamp`
//! (outside ±[`OvhEmulatorConfig::timestamp_window_secs`] of its clock → 400 `QUERY_TIME_OUT`)
//! and `X-Ovh-Signature` recomputed over the raw URL and body it received (wrong → 400
//! `INVALID_SIGNATURE`, the legacy body shape seen from the API); or an OAuth2 bearer token
//! from `POST /auth/oauth2/token`. Data: several accounts sharing tenants, expiring tokens
//! (see `EMULATOR_DATA.md`). Paths are served with or without the `/1.0` prefix. The
//! fault injector of [`EmulatorServer`] is available through [`OvhEmulator::server`].

mod data;

use crate::credential::{
    HEADER_APPLICATION, HEADER_CONSUMER, HEADER_SIGNATURE, HEADER_TIMESTAMP, signature_text,
    signatures_equal,
};
use crate::model::ErrorBody;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};
use data::Dataset;
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::emulator::EmulatorServer;
use finops_core::emulator::axum;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Emulator settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OvhEmulatorConfig {
    /// Reference date of the data set (token expiries, periods, logins).
    pub as_of: DateTime<Utc>,
    /// Public Cloud projects in total (at least the 5 named ones; more are synthetic
    /// `bench-NNN` projects seen by `ProSanteConnect`).
    pub projects: usize,
    /// Usage history periods (calendar months before the as_of month).
    pub history_periods: usize,
    /// Accepted distance between `X-Ovh-Timestamp` and the emulator clock, in seconds.
    pub timestamp_window_secs: i64,
    /// The emulator's clock (timestamp window, `/auth/time`, token expiry, VM metrics). By
    /// default a [`FixedClock`] stopped at [`as_of`](Self::as_of): the data set and the clock
    /// agree whatever the machine's date is. Share it with the clients under test
    /// ([`OvhEmulator::clock`]) or set one with [`with_clock`](Self::with_clock).
    pub clock: SharedClock,
    clock_set: bool,
}

impl Default for OvhEmulatorConfig {
    fn default() -> Self {
        let as_of = DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        OvhEmulatorConfig {
            as_of,
            projects: 5,
            history_periods: 3,
            timestamp_window_secs: 300,
            clock: Arc::new(FixedClock::new(as_of)),
            clock_set: false,
        }
    }
}

impl OvhEmulatorConfig {
    /// Set the data set's reference date (and, unless a clock was set, stop the emulator's
    /// clock there).
    pub fn with_as_of(mut self, as_of: DateTime<Utc>) -> Self {
        self.as_of = as_of;
        if !self.clock_set {
            self.clock = Arc::new(FixedClock::new(as_of));
        }
        self
    }

    /// Set the number of Public Cloud projects (≥ 5).
    pub fn with_projects(mut self, n: usize) -> Self {
        self.projects = n.max(5);
        self
    }

    /// Set the number of history periods.
    pub fn with_history_periods(mut self, n: usize) -> Self {
        self.history_periods = n;
        self
    }

    /// Set the emulator clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self.clock_set = true;
        self
    }
}

/// Credentials of one emulated account (what a token file holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedAccount {
    /// Credential file name (information system).
    pub file: String,
    /// Application key.
    pub application_key: String,
    /// Application secret.
    pub application_secret: String,
    /// Consumer key.
    pub consumer_key: String,
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: String,
    /// Whether the API knows the consumer key (false: every call gets 403).
    pub valid: bool,
}

struct EmuState {
    data: Dataset,
    clock: SharedClock,
    window: i64,
    tokens: Mutex<HashMap<String, (usize, DateTime<Utc>)>>,
    next_token: AtomicU64,
    calls: AtomicU64,
}

/// A running OVH emulator.
#[derive(Debug)]
pub struct OvhEmulator {
    server: EmulatorServer,
    accounts: Vec<EmulatedAccount>,
    state: Arc<EmuStateHandle>,
}

/// Opaque handle for counters.
struct EmuStateHandle(Arc<EmuState>);

impl std::fmt::Debug for EmuStateHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmuState").finish_non_exhaustive()
    }
}

impl OvhEmulator {
    /// Start on `127.0.0.1:0`.
    pub async fn start(cfg: OvhEmulatorConfig) -> finops_core::Result<Self> {
        let (router, state) = build_router(&cfg);
        let server = EmulatorServer::start(router).await?;
        Ok(Self::wrap(server, state))
    }

    /// Start on a given loopback address (e.g. `127.0.0.1:8080`).
    pub async fn start_on(addr: &str, cfg: OvhEmulatorConfig) -> finops_core::Result<Self> {
        let (router, state) = build_router(&cfg);
        let server = EmulatorServer::start_on(addr, router).await?;
        Ok(Self::wrap(server, state))
    }

    fn wrap(server: EmulatorServer, state: Arc<EmuState>) -> Self {
        let accounts = state
            .data
            .accounts
            .iter()
            .map(|a| EmulatedAccount {
                file: a.file.clone(),
                application_key: a.application_key.clone(),
                application_secret: a.application_secret.clone(),
                consumer_key: a.consumer_key.clone(),
                client_id: a.oauth_client_id(),
                client_secret: a.oauth_client_secret(),
                valid: a.known,
            })
            .collect();
        OvhEmulator {
            server,
            accounts,
            state: Arc::new(EmuStateHandle(state)),
        }
    }

    /// The API base URL (`http://127.0.0.1:PORT/1.0`).
    pub fn url(&self) -> String {
        format!("{}/1.0", self.server.url())
    }

    /// The underlying server (fault injector: `.server().faults().set(..)`).
    pub fn server(&self) -> &EmulatorServer {
        &self.server
    }

    /// The emulator's clock: give it to the clients under test so both sides agree on "now".
    pub fn clock(&self) -> SharedClock {
        self.state.0.clock.clone()
    }

    /// The emulated accounts, in file-name order, the revoked one included.
    pub fn accounts(&self) -> &[EmulatedAccount] {
        &self.accounts
    }

    /// Requests that reached the API (after fault injection).
    pub fn api_calls(&self) -> u64 {
        self.state.0.calls.load(Ordering::Relaxed)
    }

    /// The python-ovh INI text of an account, with `endpoint` = `endpoint`.
    pub fn token_file_text(account: &EmulatedAccount, endpoint: &str) -> String {
        format!(
            "[default]\nendpoint={endpoint}\n\n[{endpoint}]\napplication_key={}\napplication_secret={}\nconsumer_key={}\n",
            account.application_key, account.application_secret, account.consumer_key
        )
    }

    /// Write one INI credential file per account into `dir` (file name = account name, no
    /// extension, like the original `Conf_token/` folder). `include_revoked` adds
    /// `Legacy_Archive`, whose consumer key the API refuses. Returns the paths.
    pub fn write_token_files(
        &self,
        dir: &Path,
        include_revoked: bool,
    ) -> finops_core::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| finops_core::Error::io(dir, e))?;
        let mut out = Vec::new();
        for a in self.accounts.iter().filter(|a| a.valid || include_revoked) {
            let p = dir.join(&a.file);
            finops_core::fs::write_atomic(&p, Self::token_file_text(a, &self.url()).as_bytes())?;
            out.push(p);
        }
        Ok(out)
    }
}

fn build_router(cfg: &OvhEmulatorConfig) -> (axum::Router, Arc<EmuState>) {
    let state = Arc::new(EmuState {
        data: data::build(cfg),
        clock: cfg.clock.clone(),
        window: cfg.timestamp_window_secs,
        tokens: Mutex::new(HashMap::new()),
        next_token: AtomicU64::new(1),
        calls: AtomicU64::new(0),
    });
    let router = axum::Router::new()
        .fallback(handle)
        .with_state(state.clone());
    (router, state)
}

fn json_response<T: Serialize + ?Sized>(status: u16, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r.headers_mut().insert(
        "x-ovh-queryid",
        axum::http::HeaderValue::from_static("EU.emulator.0001"),
    );
    r
}

fn legacy_error(status: u16, code: &str, http: &str, message: &str) -> Response {
    json_response(
        status,
        &ErrorBody {
            error_code: Some(code.into()),
            http_code: Some(http.into()),
            message: Some(message.into()),
            ..Default::default()
        },
    )
}

fn class_error(status: u16, class: &str, message: &str) -> Response {
    json_response(
        status,
        &ErrorBody {
            class: Some(class.into()),
            message: Some(message.into()),
            ..Default::default()
        },
    )
}

fn not_found(what: &str) -> Response {
    class_error(
        404,
        "Client::NotFound",
        &format!("The requested object ({what}) does not exist"),
    )
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn decode(seg: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Authenticate; `Ok(account index)` or the error reply.
// The error is the HTTP reply itself, returned once per request: no point boxing it.
#[allow(clippy::result_large_err)]
fn authenticate(
    st: &EmuState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<usize, Response> {
    let now = st.clock.now();
    if let Some(auth) = header(headers, "authorization") {
        let token = auth.strip_prefix("Bearer ").unwrap_or("");
        let g = st.tokens.lock().unwrap_or_else(|e| e.into_inner());
        return match g.get(token) {
            Some((a, exp)) if *exp > now => Ok(*a),
            _ => Err(class_error(
                401,
                "Client::Unauthorized",
                "Invalid or expired token",
            )),
        };
    }
    let Some(ak) = header(headers, HEADER_APPLICATION) else {
        return Err(class_error(
            401,
            "Client::Unauthorized",
            "You must login first",
        ));
    };
    let Some(app) = st.data.accounts.iter().find(|a| a.application_key == ak) else {
        return Err(legacy_error(
            403,
            "INVALID_KEY",
            "403 Forbidden",
            "Invalid application key",
        ));
    };
    let (Some(ck), Some(ts), Some(sig)) = (
        header(headers, HEADER_CONSUMER),
        header(headers, HEADER_TIMESTAMP),
        header(headers, HEADER_SIGNATURE),
    ) else {
        return Err(class_error(
            401,
            "Client::Unauthorized",
            "You must login first",
        ));
    };
    let Some(idx) = st
        .data
        .accounts
        .iter()
        .position(|a| a.known && a.consumer_key == ck && a.application_key == ak)
    else {
        return Err(legacy_error(
            403,
            "INVALID_CREDENTIAL",
            "403 Forbidden",
            "This credential is not valid",
        ));
    };
    let Ok(ts_num) = ts.trim().parse::<i64>() else {
        return Err(legacy_error(
            400,
            "INVALID_TIMESTAMP",
            "400 Bad Request",
            "Invalid timestamp",
        ));
    };
    if (ts_num - now.timestamp()).abs() > st.window {
        return Err(legacy_error(
            400,
            "QUERY_TIME_OUT",
            "400 Bad Request",
            "Query out of time",
        ));
    }
    let host = header(headers, "host").unwrap_or("127.0.0.1");
    let path_q = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_else(|| uri.path());
    let full = format!("http://{host}{path_q}");
    let expect = signature_text(
        &app.application_secret,
        ck,
        method.as_str(),
        &full,
        body,
        ts,
    );
    if !signatures_equal(&expect, sig) {
        return Err(legacy_error(
            400,
            "INVALID_SIGNATURE",
            "400 Bad Request",
            "Invalid signature",
        ));
    }
    let acct = &st.data.accounts[idx];
    if let Some(exp) = acct.credential.expiration
        && exp.with_timezone(&Utc) <= now
    {
        return Err(legacy_error(
            403,
            "INVALID_CREDENTIAL",
            "403 Forbidden",
            "This credential is not valid",
        ));
    }
    Ok(idx)
}

/// The client credentials of a token request: HTTP Basic (what python-ovh and go-ovh send,
/// RFC 6749 §2.3.1: form-urlencoded id and secret) or `client_id` / `client_secret` fields.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine as _;
    let v = header(headers, "authorization")?;
    let (scheme, b64) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((dec(id), dec(secret)))
}

fn oauth_token(st: &EmuState, headers: &HeaderMap, body: &[u8]) -> Response {
    let text = String::from_utf8_lossy(body);
    let parsed = finops_core::http::Url::parse(&format!("http://x/?{text}"));
    let mut pairs: HashMap<String, String> = parsed
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    if let Some((id, secret)) = basic_credentials(headers) {
        // RFC 6749 §2.3: one client authentication method per request.
        if pairs.contains_key("client_secret") {
            return json_response(
                400,
                &serde_json::json!({"error":"invalid_request","error_description":"client authenticated twice"}),
            );
        }
        pairs.insert("client_id".into(), id);
        pairs.insert("client_secret".into(), secret);
    }
    let get = |k: &str| pairs.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "client_credentials" {
        return json_response(
            400,
            &serde_json::json!({"error":"unsupported_grant_type","error_description":"grant_type must be client_credentials"}),
        );
    }
    let Some(idx) = st.data.accounts.iter().position(|a| {
        a.known
            && a.oauth_client_id() == get("client_id")
            && a.oauth_client_secret() == get("client_secret")
    }) else {
        return json_response(
            400,
            &serde_json::json!({"error":"invalid_client","error_description":"ovhcloud oauth2 client does not exists"}),
        );
    };
    let n = st.next_token.fetch_add(1, Ordering::Relaxed);
    let token = format!("emu-token-{idx}-{n}");
    let exp = st.clock.now() + chrono::Duration::seconds(3599);
    st.tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(token.clone(), (idx, exp));
    json_response(
        200,
        &serde_json::json!({"access_token": token, "token_type":"Bearer","expires_in":3599,"scope":"all"}),
    )
}

async fn handle(
    State(st): State<Arc<EmuState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    st.calls.fetch_add(1, Ordering::Relaxed);
    let raw_path = uri.path();
    let path = raw_path
        .strip_prefix("/1.0")
        .or_else(|| raw_path.strip_prefix("/v1"))
        .unwrap_or(raw_path);
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    // Unauthenticated calls.
    match (method.as_str(), s.as_slice()) {
        ("GET", ["auth", "time"]) => return json_response(200, &st.clock.now().timestamp()),
        ("POST", ["auth", "oauth2", "token"]) => return oauth_token(&st, &headers, &body),
        ("POST", ["auth", "credential"]) => {
            let known = header(&headers, HEADER_APPLICATION)
                .map(|ak| st.data.accounts.iter().any(|a| a.application_key == ak))
                .unwrap_or(false);
            if !known {
                return legacy_error(
                    403,
                    "INVALID_KEY",
                    "403 Forbidden",
                    "Invalid application key",
                );
            }
            return json_response(
                200,
                &serde_json::json!({"consumerKey":"emu-pending-consumer-key","state":"pendingValidation","validationUrl":"https://eu.api.ovh.com/auth/?credentialToken=emu"}),
            );
        }
        _ => {}
    }
    let idx = match authenticate(&st, &method, &uri, &headers, &body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if method != Method::GET {
        return class_error(405, "Client::MethodNotAllowed", "Only GET is emulated");
    }
    route_get(&st, idx, &s, &uri)
}

fn route_get(st: &EmuState, idx: usize, s: &[&str], uri: &Uri) -> Response {
    let acct = &st.data.accounts[idx];
    let d = &st.data;
    let sees_project = |p: &str| acct.projects.iter().any(|x| x == p);
    let sees_pcc = |p: &str| acct.pccs.iter().any(|x| x == p);
    let sees_vps = |p: &str| acct.vps.iter().any(|x| x == p);
    match s {
        ["auth", "currentCredential"] => json_response(200, &acct.credential),
        ["me"] => json_response(200, &acct.me),
        ["me", "bill"] => {
            let from = uri.query().and_then(|q| {
                finops_core::http::Url::parse(&format!("http://x/?{q}"))
                    .ok()
                    .and_then(|u| {
                        u.query_pairs()
                            .find(|(k, _)| k == "date.from")
                            .and_then(|(_, v)| DateTime::parse_from_rfc3339(&v).ok())
                    })
            });
            let ids: Vec<&str> = acct
                .bills
                .iter()
                .filter(|(b, _)| from.map(|f| b.date >= f).unwrap_or(true))
                .map(|(b, _)| b.bill_id.as_str())
                .collect();
            json_response(200, &ids)
        }
        ["me", "bill", id] => match acct.bills.iter().find(|(b, _)| b.bill_id == *id) {
            Some((b, _)) => json_response(200, b),
            None => not_found(id),
        },
        ["me", "bill", id, "details"] => match acct.bills.iter().find(|(b, _)| b.bill_id == *id) {
            Some((_, ds)) => json_response(
                200,
                &ds.iter()
                    .map(|d| d.bill_detail_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            None => not_found(id),
        },
        ["me", "bill", id, "details", det] => {
            match acct
                .bills
                .iter()
                .find(|(b, _)| b.bill_id == *id)
                .and_then(|(_, ds)| ds.iter().find(|d| d.bill_detail_id == *det))
            {
                Some(dd) => json_response(200, dd),
                None => not_found(det),
            }
        }
        ["me", "identity", "user"] => json_response(
            200,
            &acct
                .users
                .iter()
                .map(|u| u.login.as_str())
                .collect::<Vec<_>>(),
        ),
        ["me", "identity", "user", login] => match acct.users.iter().find(|u| u.login == *login) {
            Some(u) => json_response(200, u),
            None => not_found(login),
        },
        ["me", "logs", "audit"] => json_response(200, &acct.audit),
        ["cloud", "project"] => json_response(200, &acct.projects),
        ["cloud", "project", p, rest @ ..] => {
            if !sees_project(p) {
                return not_found(p);
            }
            let Some(pr) = d.projects.get(*p) else {
                return not_found(p);
            };
            match rest {
                [] => json_response(200, &pr.project),
                ["serviceInfos"] => json_response(200, &pr.infos),
                ["usage", "current"] => json_response(200, &pr.current),
                ["usage", "history"] => {
                    let q: HashMap<String, String> = uri
                        .query()
                        .and_then(|q| finops_core::http::Url::parse(&format!("http://x/?{q}")).ok())
                        .map(|u| u.query_pairs().into_owned().collect())
                        .unwrap_or_default();
                    let from = q
                        .get("from")
                        .and_then(|v| DateTime::parse_from_rfc3339(v).ok());
                    let to = q
                        .get("to")
                        .and_then(|v| DateTime::parse_from_rfc3339(v).ok());
                    let list: Vec<crate::model::UsageHistoryEntry> = pr
                        .history
                        .iter()
                        .filter(|u| from.map(|f| u.period.to >= f).unwrap_or(true))
                        .filter(|u| to.map(|t| u.period.from <= t).unwrap_or(true))
                        .map(|u| crate::model::UsageHistoryEntry {
                            id: u.id.clone().unwrap_or_default(),
                            last_update: u.last_update,
                            period: u.period.clone(),
                        })
                        .collect();
                    json_response(200, &list)
                }
                ["usage", "history", id] => {
                    match pr.history.iter().find(|u| u.id.as_deref() == Some(*id)) {
                        Some(u) => json_response(200, u),
                        None => not_found(id),
                    }
                }
                ["instance"] => {
                    let list: Vec<crate::model::Instance> = pr
                        .instances
                        .iter()
                        .map(|i| crate::model::Instance {
                            id: i.id.clone(),
                            name: i.name.clone(),
                            flavor_id: i.flavor.id.clone(),
                            image_id: i.image.as_ref().map(|x| x.id.clone()),
                            plan_code: i.plan_code.clone(),
                            region: i.region.clone(),
                            status: i.status.clone(),
                            created: i.created,
                            ip_addresses: i.ip_addresses.clone(),
                            monthly_billing: i.monthly_billing.clone(),
                        })
                        .collect();
                    json_response(200, &list)
                }
                ["instance", id] => match pr.instances.iter().find(|i| i.id == *id) {
                    Some(i) => json_response(200, i),
                    None => not_found(id),
                },
                ["region"] => json_response(200, &pr.regions),
                ["region", r, "gateway"] => json_response(
                    200,
                    &pr.gateways
                        .iter()
                        .filter(|g| g.region == *r)
                        .collect::<Vec<_>>(),
                ),
                ["region", r, "loadbalancing", "loadbalancer"] => json_response(
                    200,
                    &pr.load_balancers
                        .iter()
                        .filter(|g| g.region == *r)
                        .collect::<Vec<_>>(),
                ),
                _ => not_found(&s.join("/")),
            }
        }
        ["dedicatedCloud"] => json_response(200, &acct.pccs),
        ["dedicatedCloud", p, rest @ ..] => {
            if !sees_pcc(p) {
                return not_found(p);
            }
            let Some(pc) = d.pccs.get(*p) else {
                return not_found(p);
            };
            match rest {
                [] => json_response(200, &pc.info),
                ["serviceInfos"] => json_response(200, &pc.infos),
                ["datacenter"] => json_response(200, &pc.datacenters.keys().collect::<Vec<_>>()),
                ["datacenter", dc, "vm"] => {
                    match dc.parse::<i64>().ok().and_then(|x| pc.datacenters.get(&x)) {
                        Some(vms) => {
                            json_response(200, &vms.iter().map(|v| v.vm_id).collect::<Vec<_>>())
                        }
                        None => not_found(dc),
                    }
                }
                ["datacenter", dc, "vm", vm] => {
                    let found = dc
                        .parse::<i64>()
                        .ok()
                        .and_then(|x| pc.datacenters.get(&x))
                        .and_then(|vms| {
                            vm.parse::<i64>()
                                .ok()
                                .and_then(|id| vms.iter().find(|v| v.vm_id == id))
                        });
                    match found {
                        Some(v) => {
                            let mut v = v.clone();
                            let hour = st.clock.now().timestamp().div_euclid(3600);
                            v.cpu_used = Some(rust_decimal::Decimal::from(
                                1000 + (hour * 37 + v.vm_id * 13).rem_euclid(4000),
                            ));
                            v.memory_used = Some(rust_decimal::Decimal::from(
                                4096 + (hour * 53 + v.vm_id * 7).rem_euclid(8192),
                            ));
                            json_response(200, &v)
                        }
                        None => not_found(vm),
                    }
                }
                _ => not_found(&s.join("/")),
            }
        }
        ["vps"] => json_response(200, &acct.vps),
        ["vps", v, rest @ ..] => {
            if !sees_vps(v) {
                return not_found(v);
            }
            match (d.vps.get(*v), rest) {
                (Some((vps, _)), []) => json_response(200, vps),
                (Some((_, inf)), ["serviceInfos"]) => json_response(200, inf),
                _ => not_found(v),
            }
        }
        ["services"] => json_response(200, &acct.services),
        ["services", id] => match id.parse::<i64>().ok() {
            Some(n) if acct.services.contains(&n) => match d.services.get(&n) {
                Some(svc) => json_response(200, svc),
                None => not_found(id),
            },
            _ => not_found(id),
        },
        _ => not_found(&s.join("/")),
    }
}
