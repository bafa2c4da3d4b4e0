//! A loopback emulator of the ArcGIS sharing REST API (feature `emulator`): an
//! organisation with 260 users over several pages, credit budgeting on/off, daily usage by
//! operation type and user, `generateToken` and OAuth2 app logins, tokens that expire (by
//! the injected clock or after N calls, answering error 498), an administrator and a
//! non-administrator account, and `assignUserCredits` / `update` / `createNotification`
//! endpoints that record what they receive. Fault injection comes from
//! [`finops_core::emulator`].
//!
//! Every API call checks its token (the `X-Esri-Authorization` or `Authorization` bearer
//! header, or a `token` parameter), and a `generateToken` token made with `client=referer`
//! only from requests whose `Referer` header is that referer; errors come back the way
//! ArcGIS sends them: HTTP 200
//! with `{"error":{"code","message","details"}}` (shapes of `shared/reference/fixtures`).
//! Repeated slashes in paths are collapsed (the ArcGIS API for Python sends
//! `sharing/rest//portals/...`).
//!
//! Files: `mod.rs` the server, its control API and the routes ([`ArcGisEmulator`]); `auth.rs`
//! the logins and token checks; `portal.rs` the portal API handlers; `data.rs` the data set.

mod auth;
mod data;
mod portal;

pub use data::{
    ADMIN_PASSWORD, ADMIN_USER, CLIENT_ID, CLIENT_SECRET, DEFAULT_NOW, EmuUser, ORG_ID, UsageRow,
    VIEWER_PASSWORD, VIEWER_USER,
};

use auth::{Caller, Token, generate_token, oauth2_token};
use chrono::{NaiveDate, TimeZone, Utc};
use data::{DEFAULT_NOW_UNIX, generate_usage, generate_users};
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::emulator::axum::{
    self, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, Uri, header},
    response::{IntoResponse, Response},
};
use finops_core::emulator::{EmulatorServer, Faults};
use finops_core::{Decimal, Result};
use portal::{assign, community_user, notify, portal_self, update, usage, users_page};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Emulator set-up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// Generated users besides the administrator and the viewer.
    pub users: usize,
    /// Credit budgeting on at start.
    pub budgeting: bool,
    /// First day of usage data.
    pub usage_start: NaiveDate,
    /// Days of usage data.
    pub usage_days: u32,
    /// Longest usage window accepted per request (a GUESS: the real limit is unknown).
    pub max_window_days: i64,
    /// Seed of the generated values.
    pub seed: u64,
    /// Clock deciding token expiry. By default a [`FixedClock`] stopped at
    /// [`DEFAULT_NOW`] (just after the usage data ends): nothing depends on the machine's
    /// date. Give the same clock to the clients under test ([`ArcGisEmulator::clock`]).
    pub clock: SharedClock,
    /// The organisation's credits.
    pub org_credits: Decimal,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            users: 258,
            budgeting: true,
            usage_start: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default(),
            usage_days: 75,
            max_window_days: 31,
            seed: 3,
            clock: Arc::new(FixedClock::new(
                Utc.timestamp_opt(DEFAULT_NOW_UNIX, 0)
                    .single()
                    .unwrap_or_default(),
            )),
            org_credits: Decimal::new(125_000_500, 3),
        }
    }
}

impl EmulatorConfig {
    /// Set the number of generated users.
    pub fn with_users(mut self, n: usize) -> Self {
        self.users = n;
        self
    }
    /// Budgeting on or off at start.
    pub fn with_budgeting(mut self, on: bool) -> Self {
        self.budgeting = on;
        self
    }
    /// Token-expiry clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

/// A recorded `createNotification` call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotificationCall {
    /// `notificationChannelType`.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// Message.
    pub message: String,
    /// Users.
    pub users: Vec<String>,
}

#[derive(Debug)]
struct Inner {
    users: Vec<EmuUser>,
    passwords: HashMap<String, String>,
    budgeting: bool,
    org_credits: Decimal,
    usage: Vec<UsageRow>,
    tokens: HashMap<String, Token>,
    token_counter: u64,
    token_call_budget: Option<u32>,
    max_window_days: i64,
    refuse: Vec<String>,
    refuse_notify: Vec<String>,
    assign_calls: Vec<Vec<(String, Decimal)>>,
    update_calls: Vec<Vec<(String, String)>>,
    notifications: Vec<NotificationCall>,
    token_requests: u64,
    rejected_498: u64,
    usage_requests: u64,
    user_page_requests: u64,
    seed: u64,
}

#[derive(Debug, Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    clock: SharedClock,
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct ArcGisEmulator {
    server: EmulatorServer,
    shared: Shared,
}

impl ArcGisEmulator {
    /// Start with the default set-up.
    pub async fn start() -> Result<Self> {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Start with `cfg`.
    pub async fn start_with(cfg: EmulatorConfig) -> Result<Self> {
        let users = generate_users(cfg.users, cfg.seed);
        let usage = generate_usage(&users, cfg.usage_start, cfg.usage_days, cfg.seed);
        let mut passwords = HashMap::new();
        passwords.insert(ADMIN_USER.to_string(), ADMIN_PASSWORD.to_string());
        passwords.insert(VIEWER_USER.to_string(), VIEWER_PASSWORD.to_string());
        let shared = Shared {
            inner: Arc::new(Mutex::new(Inner {
                users,
                passwords,
                budgeting: cfg.budgeting,
                org_credits: cfg.org_credits,
                usage,
                tokens: HashMap::new(),
                token_counter: 0,
                token_call_budget: None,
                max_window_days: cfg.max_window_days,
                refuse: Vec::new(),
                refuse_notify: Vec::new(),
                assign_calls: Vec::new(),
                update_calls: Vec::new(),
                notifications: Vec::new(),
                token_requests: 0,
                rejected_498: 0,
                usage_requests: 0,
                user_page_requests: 0,
                seed: cfg.seed,
            })),
            clock: cfg.clock.clone(),
        };
        let router = Router::new().fallback(dispatch).with_state(shared.clone());
        let server = EmulatorServer::start(router).await?;
        Ok(ArcGisEmulator { server, shared })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The emulator's clock: give it to the clients under test so both sides agree on "now".
    pub fn clock(&self) -> SharedClock {
        self.shared.clock.clone()
    }

    /// The portal URL (`http://127.0.0.1:PORT`; the REST root is `<url>/sharing/rest`).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        self.server.faults()
    }

    /// Switch credit budgeting.
    pub fn set_budgeting(&self, on: bool) {
        self.lock().budgeting = on;
    }

    /// Whether budgeting is on.
    pub fn budgeting(&self) -> bool {
        self.lock().budgeting
    }

    /// Every token (existing and future) is refused with 498 after `n` API calls
    /// (`None`: no limit).
    pub fn expire_tokens_after_calls(&self, n: Option<u32>) {
        self.lock().token_call_budget = n;
    }

    /// Users the portal will list in `notAssignedUsers`.
    pub fn refuse_assignments_for(&self, users: &[&str]) {
        self.lock().refuse = users.iter().map(|s| s.to_string()).collect();
    }

    /// `createNotification` batches naming one of `users` are refused (error 400,
    /// "User not found", nothing recorded).
    pub fn refuse_notifications_for(&self, users: &[&str]) {
        self.lock().refuse_notify = users.iter().map(|s| s.to_string()).collect();
    }

    /// Set a user's credits (`None`: -1).
    pub fn set_user_credits(
        &self,
        username: &str,
        assigned: Option<Decimal>,
        available: Option<Decimal>,
    ) {
        let mut g = self.lock();
        if let Some(u) = g.users.iter_mut().find(|u| u.username == username) {
            u.assigned = assigned;
            u.available = available;
        }
    }

    /// The users as stored.
    pub fn users(&self) -> Vec<EmuUser> {
        self.lock().users.clone()
    }

    /// The organisation's credits.
    pub fn org_credits(&self) -> Decimal {
        self.lock().org_credits
    }

    /// The usage rows.
    pub fn usage_rows(&self) -> Vec<UsageRow> {
        self.lock().usage.clone()
    }

    /// Exact credits per `(stype, etype)` for days in `[start_ms, end_ms)`, computed from
    /// the stored rows (what a client must find).
    pub fn expected_usage_by_operation(
        &self,
        start_ms: i64,
        end_ms: i64,
    ) -> BTreeMap<(String, String), Decimal> {
        let mut m = BTreeMap::new();
        for r in self
            .lock()
            .usage
            .iter()
            .filter(|r| r.day_ms >= start_ms && r.day_ms < end_ms)
        {
            *m.entry((r.stype.clone(), r.etype.clone()))
                .or_insert(Decimal::ZERO) += r.credits;
        }
        m
    }

    /// Recorded `assignUserCredits` calls (one vector per call).
    pub fn assign_calls(&self) -> Vec<Vec<(String, Decimal)>> {
        self.lock().assign_calls.clone()
    }

    /// Recorded `portals/self/update` calls.
    pub fn update_calls(&self) -> Vec<Vec<(String, String)>> {
        self.lock().update_calls.clone()
    }

    /// Recorded `createNotification` calls.
    pub fn notifications(&self) -> Vec<NotificationCall> {
        self.lock().notifications.clone()
    }

    /// Write calls received (assign + update + notification).
    pub fn write_calls(&self) -> usize {
        let g = self.lock();
        g.assign_calls.len() + g.update_calls.len() + g.notifications.len()
    }

    /// Token requests (`generateToken` + `oauth2/token`).
    pub fn token_requests(&self) -> u64 {
        self.lock().token_requests
    }

    /// Calls refused with 498.
    pub fn rejected_tokens(&self) -> u64 {
        self.lock().rejected_498
    }

    /// `usage` requests received.
    pub fn usage_requests(&self) -> u64 {
        self.lock().usage_requests
    }

    /// `portals/self/users` pages served.
    pub fn user_page_requests(&self) -> u64 {
        self.lock().user_page_requests
    }
}

// ---------------------------------------------------------------- HTTP side

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn error_body(code: u16, message: &str, details: &[&str]) -> Response {
    let v = serde_json::json!({"error": {"code": code, "message": message, "details": details}});
    json_response(v.to_string())
}

fn err_403() -> Response {
    error_body(
        403,
        "You do not have permissions to access this resource or perform this operation.",
        &[],
    )
}

fn params(uri: &Uri, headers: &HeaderMap, body: &Bytes) -> HashMap<String, String> {
    let mut m = HashMap::new();
    if let Some(q) = uri.query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            m.insert(k.into_owned(), v.into_owned());
        }
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        for (k, v) in url::form_urlencoded::parse(body) {
            m.insert(k.into_owned(), v.into_owned());
        }
    }
    m
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn dispatch(
    State(st): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Collapse repeated slashes and find the REST root anywhere (Enterprise `/portal/...`).
    let mut path = String::new();
    for seg in uri.path().split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        path.push_str(seg);
    }
    let Some(idx) = path.find("/sharing/rest") else {
        return (axum::http::StatusCode::NOT_FOUND, "not found").into_response();
    };
    let route = path[idx + "/sharing/rest".len()..].to_string();
    let p = params(&uri, &headers, &body);
    if !matches!(p.get("f").map(String::as_str), Some("json" | "pjson")) {
        return error_body(400, "Invalid or missing output format: use f=json.", &[]);
    }
    match (method.clone(), route.as_str()) {
        (Method::POST, "/generateToken") => generate_token(&st, &p),
        (_, "/generateToken") => error_body(405, "Method not supported. Use POST.", &[]),
        (Method::POST, "/oauth2/token") => oauth2_token(&st, &p),
        _ => {
            let caller = match st.authenticate(&headers, &p) {
                Ok(c) => c,
                Err(r) => return *r,
            };
            let admin = matches!(&caller, Caller::User(_, role) if role == "org_admin");
            match (method, route.as_str()) {
                (Method::GET | Method::POST, "/portals/self") => portal_self(&st, &caller),
                (_, r) if r.starts_with("/community/users/") => {
                    community_user(&st, &r["/community/users/".len()..])
                }
                (
                    _,
                    "/portals/self/users"
                    | "/portals/self/usage"
                    | "/portals/self/assignUserCredits"
                    | "/portals/self/update"
                    | "/portals/self/createNotification",
                ) if !admin => err_403(),
                (Method::GET | Method::POST, "/portals/self/users") => users_page(&st, &p),
                (Method::GET | Method::POST, "/portals/self/usage") => usage(&st, &p),
                (Method::POST, "/portals/self/assignUserCredits") => assign(&st, &p),
                (Method::POST, "/portals/self/update") => update(&st, &p),
                (Method::POST, "/portals/self/createNotification") => notify(&st, &p),
                _ => error_body(
                    400,
                    "Unable to process request (emulator: unknown operation).",
                    &[&route],
                ),
            }
        }
    }
}
