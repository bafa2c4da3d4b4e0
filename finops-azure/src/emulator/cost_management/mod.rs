//! A loopback emulator of the Cost Management Query and Exports APIs (feature `emulator`), on
//! [`EmulatorServer`] (so finops-core's fault injection applies), with the shared Entra token
//! endpoint ([`super::entra`], scope `https://management.azure.com/.default`).
//!
//! **Data.** One EA billing account ([`BILLING_ACCOUNT`]) with four subscriptions
//! ([`super::focuscost::SUBS`]), FocusCost rows from [`FocusCostSample`] for every month from
//! [`CostManagementConfig::first_month`] (default August 2026) to the clock's month; the clock
//! is a [`FixedClock`] at [`DEFAULT_NOW`] (2026-11-22) unless given, and data exists up to the
//! day before "today". Query results and export files are computed from the same rows, so a
//! month's `ActualCost` query total equals the BilledCost total of that month's export.
//!
//! **Auth.** Every call needs a bearer token this directory issued for the management scope
//! (401 `InvalidAuthenticationToken` / `ExpiredAuthenticationToken` otherwise) and a known
//! `api-version` (400). A scope outside the account is 403 `AuthorizationFailed`.
//!
//! **Query** (`POST {scope}/providers/Microsoft.CostManagement/query`): the body is checked as
//! the API checks it (types, at most two groupings and aggregations, `Sum`, known dimensions,
//! filters with `In`); rows are aggregated exactly over the period, grouped, one page of
//! [`CostManagementConfig::page_size`] rows at a time with a `nextLink` whose `$skiptoken` is
//! bound to the body: a next page asked with another body is a 400. Columns: aggregations,
//! `UsageDate` (Daily, `yyyyMMdd` number) or `BillingMonth` (Monthly), group-by columns
//! (`TagKey`/`TagValue` for a tag), `Currency`. **Throttling**: each query (first page) costs
//! one QPU per month of data; beyond [`CostManagementConfig::qpu_per_window`] QPU in
//! [`CostManagementConfig::window`] the answer is 429 with
//! `x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after`, a larger
//! `…-entity-retry-after`, a smaller `…-tenant-retry-after` and `Retry-After` (the QPU value);
//! calls arriving before the **largest** delay has passed are refused again and counted
//! ([`QueryStats::early_retries`]). Successful answers carry `…-qpu-consumed` and
//! `…-qpu-remaining`.
//!
//! **Exports** (`…/exports`, `…/exports/{name}`, `…/run`, `…/runHistory`): PUT creates (201) or
//! updates (200; the current `eTag` is required: 400 without it, 412 when stale), checks the
//! definition (dataset, timeframe, format/compression pairs, destination container, FocusCost
//! version); GET/list/DELETE; a run writes the FocusCost files of its period and scope into the
//! configured exports [`Store`] exactly as [`super::exports::write_export_run`] does (CSV.gz
//! parts by default, Parquet when asked, manifest last) and records its history, newest first.
//! A run covers one calendar month at most (400 otherwise; GUESS at the service's limit).

use super::entra::{BearerRejection, CLIENT_ID, CLIENT_SECRET, EntraDirectory, TENANT_ID};
use super::exports::{ExportRun as RunSpec, write_export_run};
use super::focuscost::{FocusCostSample, SUBS, SampleRow};
use crate::credential::{EntraCredential, MANAGEMENT_SCOPE};
use crate::ingest::cells::{format_decimal18, parse_decimal18};
use crate::model::{
    CompressionMode, Export, ExportFormat, ExportRun, ExportRunProperties, ExportRunRequest,
    ExportType, Granularity, GroupingType, QueryColumn, QueryDefinition, QueryFilter,
    QueryProperties, QueryResult, QueryType, Timeframe,
};
use crate::storage::Store;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::emulator::axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::any,
};
use finops_core::emulator::{EmulatorServer, Faults};
use finops_core::{Result, Secret};
use serde_json::{Value, json, value::RawValue};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

mod export_api;
mod query;

use export_api::*;
use query::*;

/// The emulator's "now" by default (its data set ends the day before).
pub const DEFAULT_NOW: &str = "2026-11-22T06:00:00Z";
/// The EA billing account holding every subscription.
pub const BILLING_ACCOUNT: &str = "/providers/Microsoft.Billing/billingAccounts/8611537";
/// The hub's storage account (export destination).
pub const STORAGE_ACCOUNT_ID: &str = "/subscriptions/7a9b1c3d-5e7f-4a9b-1c3d-5e7f9a1b3c44/resourceGroups/rg-finops-hub/providers/Microsoft.Storage/storageAccounts/finopshub";
/// api-versions accepted.
pub const API_VERSIONS: &[&str] = &[
    "2025-03-01",
    "2024-08-01",
    "2023-11-01",
    "2023-07-01-preview",
];
/// Dimensions the emulated Query API groups and filters by.
pub const DIMENSIONS: &[&str] = &[
    "SubscriptionId",
    "SubscriptionName",
    "ResourceGroupName",
    "ResourceGroup",
    "ServiceName",
    "MeterCategory",
    "MeterSubCategory",
    "Meter",
    "MeterId",
    "ResourceLocation",
    "ResourceId",
    "ResourceType",
    "ChargeType",
    "PricingModel",
    "PublisherType",
];

/// Emulator set-up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CostManagementConfig {
    /// "Now": token expiry, month to date, last day with data, run times.
    pub clock: SharedClock,
    /// Token lifetime in seconds.
    pub token_lifetime_secs: i64,
    /// First month with data.
    pub first_month: NaiveDate,
    /// FocusCost rows generated per month for the whole billing account.
    pub rows_per_month: u64,
    /// Query rows per page.
    pub page_size: usize,
    /// QPU a tenant may use per window (documented: 12 per 10 s).
    pub qpu_per_window: u32,
    /// The throttling window.
    pub window: std::time::Duration,
    /// How much longer than the QPU delay the entity delay is (seconds).
    pub entity_extra_secs: u64,
    /// The exports container export runs write to (`None`: runs fail).
    pub exports: Option<Store>,
    /// Its container name (an export's destination must name it).
    pub container: String,
    /// Rows per export part.
    pub rows_per_part: u64,
}

fn default_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(DEFAULT_NOW)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

impl Default for CostManagementConfig {
    fn default() -> Self {
        CostManagementConfig {
            clock: Arc::new(FixedClock::new(default_now())),
            token_lifetime_secs: 3599,
            first_month: NaiveDate::from_ymd_opt(2026, 8, 1).unwrap_or_default(),
            rows_per_month: 2000,
            page_size: 250,
            qpu_per_window: 12,
            window: std::time::Duration::from_secs(10),
            entity_extra_secs: 1,
            exports: None,
            container: "msexports".into(),
            rows_per_part: 500_000,
        }
    }
}

impl CostManagementConfig {
    /// Another clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
    /// Where export runs write (the root of the `msexports` container).
    pub fn with_exports(mut self, store: Store) -> Self {
        self.exports = Some(store);
        self
    }
    /// Query rows per page.
    pub fn with_page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }
    /// QPU per window.
    pub fn with_throttle(mut self, qpu: u32, window: std::time::Duration) -> Self {
        self.qpu_per_window = qpu;
        self.window = window;
        self
    }
    /// Rows per month.
    pub fn with_rows_per_month(mut self, n: u64) -> Self {
        self.rows_per_month = n;
        self
    }
    /// First month with data.
    pub fn with_first_month(mut self, m: NaiveDate) -> Self {
        self.first_month = NaiveDate::from_ymd_opt(m.year(), m.month(), 1).unwrap_or(m);
        self
    }
    /// Rows per export part.
    pub fn with_rows_per_part(mut self, n: u64) -> Self {
        self.rows_per_part = n.max(1);
        self
    }
}

/// What the Query API saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryStats {
    /// Query calls answered 200 (every page).
    pub pages: u64,
    /// First pages (queries).
    pub queries: u64,
    /// 429 answers.
    pub throttled: u64,
    /// Calls arriving while still told to wait (the client waited less than the largest
    /// delay).
    pub early_retries: u64,
}

#[derive(Debug, Clone)]
struct StoredExport {
    scope: String,
    name: String,
    export: Export,
    api_version: String,
    runs: Vec<ExportRun>,
}

#[derive(Debug)]
struct Emu {
    cfg: CostManagementConfig,
    entra: EntraDirectory,
    base: String,
    qpu: VecDeque<(Instant, u32)>,
    blocked_until: Option<Instant>,
    stats: QueryStats,
    exports: BTreeMap<String, StoredExport>,
    next: u64,
}

type Shared = Arc<Mutex<Emu>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Emu> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

fn arm_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [
            ("content-type", "application/json; charset=utf-8"),
            ("x-ms-request-id", "00000000-0000-0000-0000-00000000e001"),
        ],
        json!({"error": {"code": code, "message": message}}).to_string(),
    )
        .into_response()
}

fn ok_json(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            ("content-type", "application/json; charset=utf-8"),
            ("x-ms-request-id", "00000000-0000-0000-0000-00000000e000"),
        ],
        body,
    )
        .into_response()
}

/// FNV-1a (the skiptoken's binding to the body; not security).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn first_of(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let f = first_of(d);
    if f.month() == 12 {
        NaiveDate::from_ymd_opt(f.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(f.year(), f.month() + 1, 1)
    }
    .unwrap_or(f)
}

/// The seed of a month's rows.
pub fn month_seed(month: NaiveDate) -> u64 {
    7 + (month.year() as u64) * 12 + u64::from(month.month())
}

/// The sample of one month (the whole billing account).
pub fn month_sample(month: NaiveDate, rows: u64, version: &str) -> FocusCostSample {
    let mut s = FocusCostSample::new(version, first_of(month), rows);
    s.seed = month_seed(month);
    s
}

/// Which subscription a scope is (`None`: the billing account); `Err` when outside it.
fn scope_subscription(scope: &str) -> std::result::Result<Option<String>, ()> {
    if scope.eq_ignore_ascii_case(BILLING_ACCOUNT) {
        return Ok(None);
    }
    let lower = scope.to_ascii_lowercase();
    match lower.strip_prefix("/subscriptions/") {
        Some(id) if SUBS.contains(&id) => Ok(Some(format!("/subscriptions/{id}"))),
        _ => Err(()),
    }
}

impl Emu {
    fn id(&mut self) -> String {
        self.next += 1;
        let h = fnv(&self.next.to_le_bytes());
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h >> 4) & 0xfff,
            h.wrapping_mul(31) & 0xffff_ffff_ffff
        )
    }

    /// Throttle: `Ok(consumed, remaining)` or the 429.
    fn charge_qpu(&mut self, cost: u32) -> std::result::Result<(u32, u32), Box<Response>> {
        let now = Instant::now();
        let window = self.cfg.window;
        while self
            .qpu
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) >= window)
        {
            self.qpu.pop_front();
        }
        if let Some(b) = self.blocked_until
            && b > now
        {
            self.stats.early_retries += 1;
            self.stats.throttled += 1;
            let secs = (b - now).as_secs_f64().ceil() as u64;
            return Err(Box::new(throttled(
                secs.max(1),
                secs.max(1),
                self.cfg.entity_extra_secs,
            )));
        }
        let used: u32 = self.qpu.iter().map(|(_, c)| c).sum();
        if used + cost > self.cfg.qpu_per_window {
            let oldest = self.qpu.front().map_or(now, |(t, _)| *t);
            let wait = (oldest + window).saturating_duration_since(now);
            let qpu_secs = (wait.as_secs_f64().ceil() as u64).max(1);
            let largest = qpu_secs + self.cfg.entity_extra_secs;
            self.blocked_until = Some(now + std::time::Duration::from_secs(largest));
            self.stats.throttled += 1;
            return Err(Box::new(throttled(
                qpu_secs,
                qpu_secs,
                self.cfg.entity_extra_secs,
            )));
        }
        self.qpu.push_back((now, cost));
        Ok((cost, self.cfg.qpu_per_window - used - cost))
    }
}

fn throttled(qpu_secs: u64, retry_after: u64, extra: u64) -> Response {
    let mut r = arm_error(
        StatusCode::TOO_MANY_REQUESTS,
        "429",
        "Too many requests. Please retry.",
    );
    let h = r.headers_mut();
    let mut put = |k: &'static str, v: u64| {
        if let Ok(v) = v.to_string().parse() {
            h.insert(k, v);
        }
    };
    put(
        "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
        qpu_secs,
    );
    put(
        "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
        qpu_secs + extra,
    );
    put(
        "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
        1,
    );
    put("retry-after", retry_after);
    r
}

fn query_params(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

async fn arm(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let entra = lock(&s).entra.clone();
    match entra.check_bearer(&headers, Some(MANAGEMENT_SCOPE)) {
        Ok(()) => {}
        Err(BearerRejection::Expired) => {
            return arm_error(
                StatusCode::UNAUTHORIZED,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            );
        }
        Err(BearerRejection::Missing) => {
            return arm_error(
                StatusCode::UNAUTHORIZED,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            );
        }
        Err(_) => {
            return arm_error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
            );
        }
    }
    let q = query_params(&uri);
    match q.get("api-version") {
        None => {
            return arm_error(
                StatusCode::BAD_REQUEST,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        }
        Some(v) if !API_VERSIONS.contains(&v.as_str()) => {
            return arm_error(
                StatusCode::BAD_REQUEST,
                "InvalidApiVersionParameter",
                &format!(
                    "The api-version '{v}' is invalid. The supported versions are '{}'.",
                    API_VERSIONS.join(",")
                ),
            );
        }
        Some(_) => {}
    }
    let api_version = q.get("api-version").cloned().unwrap_or_default();
    let path = percent_encoding::percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .into_owned();
    let lower = path.to_ascii_lowercase();
    let marker = "/providers/microsoft.costmanagement/";
    let Some(at) = lower.find(marker) else {
        return arm_error(
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            "The resource type could not be found.",
        );
    };
    let scope = path[..at].to_string();
    let rest: Vec<String> = path[at + marker.len()..]
        .split('/')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect();
    let Ok(sub) = scope_subscription(&scope) else {
        return arm_error(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            &format!(
                "The client '{CLIENT_ID}' with object id '{CLIENT_ID}' does not have authorization to perform action 'Microsoft.CostManagement/{}/action' over scope '{scope}' or the scope is invalid.",
                rest.first().map_or("query", String::as_str)
            ),
        );
    };
    let r: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (method.clone(), r.as_slice()) {
        (Method::POST, [q0]) if q0.eq_ignore_ascii_case("query") => {
            query(&s, &scope, sub.as_deref(), &uri, &q, &body)
        }
        (Method::GET, [e]) if e.eq_ignore_ascii_case("exports") => {
            let g = lock(&s);
            let v: Vec<&Export> = g
                .exports
                .values()
                .filter(|x| x.scope.eq_ignore_ascii_case(&scope))
                .map(|x| &x.export)
                .collect();
            ok_json(StatusCode::OK, json!({"value": v}).to_string())
        }
        (m, [e, name]) if e.eq_ignore_ascii_case("exports") => {
            export_op(&s, m, &scope, name, &api_version, &body)
        }
        (Method::POST, [e, name, run])
            if e.eq_ignore_ascii_case("exports") && run.eq_ignore_ascii_case("run") =>
        {
            run_export(&s, &scope, name, &body, "OnDemand").await
        }
        (Method::GET, [e, name, h])
            if e.eq_ignore_ascii_case("exports") && h.eq_ignore_ascii_case("runHistory") =>
        {
            let g = lock(&s);
            match g.exports.get(&key(&scope, name)) {
                Some(x) => ok_json(StatusCode::OK, json!({"value": x.runs}).to_string()),
                None => not_found(name),
            }
        }
        _ => arm_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("{method} {path} is not supported"),
        ),
    }
}

fn key(scope: &str, name: &str) -> String {
    format!(
        "{}|{}",
        scope.to_ascii_lowercase(),
        name.to_ascii_lowercase()
    )
}

fn not_found(name: &str) -> Response {
    arm_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("Export '{name}' was not found."),
    )
}

/// A running Cost Management + Entra emulator.
#[derive(Debug)]
pub struct CostManagementEmulator {
    server: EmulatorServer,
    state: Shared,
}

impl CostManagementEmulator {
    /// Start on `127.0.0.1:0`.
    pub async fn start(cfg: CostManagementConfig) -> Result<Self> {
        let entra = EntraDirectory::new(
            cfg.clock.clone(),
            cfg.token_lifetime_secs,
            &[MANAGEMENT_SCOPE],
        );
        let state: Shared = Arc::new(Mutex::new(Emu {
            cfg,
            entra: entra.clone(),
            base: String::new(),
            qpu: VecDeque::new(),
            blocked_until: None,
            stats: QueryStats::default(),
            exports: BTreeMap::new(),
            next: 0,
        }));
        let router = Router::new()
            .route("/subscriptions/{*rest}", any(arm))
            .route("/providers/{*rest}", any(arm))
            .with_state(state.clone())
            .merge(entra.router());
        let server = EmulatorServer::start(router).await?;
        lock(&state).base = server.url();
        Ok(CostManagementEmulator { server, state })
    }

    /// `http://127.0.0.1:PORT` (the management endpoint and the authority host).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The emulator's clock: give it to the clients under test.
    pub fn clock(&self) -> SharedClock {
        lock(&self.state).cfg.clock.clone()
    }

    /// The app credential the emulator accepts, pointed at its token endpoint.
    pub fn credential(&self) -> Result<EntraCredential> {
        EntraCredential::new(TENANT_ID, CLIENT_ID, Secret::new(CLIENT_SECRET))?
            .with_authority(&self.url())
    }

    /// A builder for a client of this emulator: endpoint, credential, clock, billing-account
    /// scope.
    pub fn azure_builder(&self) -> Result<crate::AzureBuilder> {
        Ok(crate::AzureBuilder::new()
            .with_endpoint(self.url())
            .with_credential(self.credential()?)
            .with_clock(self.clock())
            .with_scope(BILLING_ACCOUNT))
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        self.server.faults()
    }

    /// Query counters.
    pub fn query_stats(&self) -> QueryStats {
        lock(&self.state).stats.clone()
    }

    /// Token requests received.
    pub fn token_requests(&self) -> u32 {
        lock(&self.state).entra.token_requests()
    }

    /// Forget every issued token.
    pub fn revoke_tokens(&self) {
        lock(&self.state).entra.revoke_tokens();
    }

    /// The exports of a scope (as stored).
    pub fn exports(&self, scope: &str) -> Vec<Export> {
        lock(&self.state)
            .exports
            .values()
            .filter(|x| x.scope.eq_ignore_ascii_case(scope))
            .map(|x| x.export.clone())
            .collect()
    }

    /// Run every active export whose schedule recurs `recurrence` (`Scheduled` runs), as the
    /// service does when their time comes. Returns the runs made.
    pub async fn run_scheduled(&self, recurrence: crate::model::Recurrence) -> Vec<ExportRun> {
        let due: Vec<(String, String)> = lock(&self.state)
            .exports
            .values()
            .filter(|x| {
                x.export
                    .properties
                    .schedule
                    .as_ref()
                    .is_some_and(|s| s.status == "Active" && s.recurrence == Some(recurrence))
            })
            .map(|x| (x.scope.clone(), x.name.clone()))
            .collect();
        let mut out = Vec::new();
        for (scope, name) in due {
            let _ = run_export(&self.state, &scope, &name, &Bytes::new(), "Scheduled").await;
            if let Some(r) = lock(&self.state)
                .exports
                .get(&key(&scope, &name))
                .and_then(|x| x.runs.first().cloned())
            {
                out.push(r);
            }
        }
        out
    }

    /// The exact `ActualCost` total (× 10^18) and row count of a scope's data for one month,
    /// computed from the same rows the APIs serve (what a test compares with).
    pub fn month_totals(&self, scope: &str, month: NaiveDate) -> (u64, i128, i128) {
        let cfg = lock(&self.state).cfg.clone();
        let last = cfg.clock.now().date_naive() - Duration::days(1);
        let sub = scope_subscription(scope).ok().flatten();
        let (mut n, mut billed, mut effective) = (0u64, 0i128, 0i128);
        if first_of(month) >= first_of(cfg.first_month) {
            month_sample(month, cfg.rows_per_month, "1.2").for_each_row(|r| {
                if r.day() > last
                    || sub
                        .as_deref()
                        .is_some_and(|s| !r.value("SubAccountId").eq_ignore_ascii_case(s))
                {
                    return;
                }
                n += 1;
                billed += r.billed_cost();
                effective += if r.is_commitment_purchase() {
                    0
                } else {
                    r.effective_cost()
                };
            });
        }
        (n, billed, effective)
    }
}
