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

/// The value of a dimension on a generated row (`Err`: unknown dimension).
fn dim_value(name: &str, r: &SampleRow<'_>) -> std::result::Result<Option<String>, String> {
    let v = |c: &str| Some(r.value(c)).filter(|s| !s.is_empty());
    Ok(match name.to_ascii_lowercase().as_str() {
        "subscriptionid" => {
            v("SubAccountId").map(|s| s.trim_start_matches("/subscriptions/").to_string())
        }
        "subscriptionname" => v("SubAccountName"),
        "resourcegroupname" | "resourcegroup" => v("x_ResourceGroupName").map(|s| s.to_lowercase()),
        "servicename" => v("ServiceName"),
        "metercategory" => v("x_SkuMeterCategory"),
        "metersubcategory" => v("x_SkuMeterSubcategory"),
        "meter" => v("x_SkuMeterName"),
        "meterid" => v("x_SkuMeterId"),
        "resourcelocation" => v("RegionId"),
        "resourceid" => v("ResourceId").map(|s| s.to_lowercase()),
        "resourcetype" => v("x_ResourceType"),
        "chargetype" => {
            if r.value("CommitmentDiscountStatus") == "Unused" {
                Some("UnusedReservation".into())
            } else {
                v("ChargeCategory")
            }
        }
        "pricingmodel" => Some(
            if r.value("PricingCategory") == "Committed" && r.value("ChargeCategory") == "Usage" {
                "Reservation"
            } else {
                "OnDemand"
            }
            .into(),
        ),
        "publishertype" => Some("Azure".into()),
        _ => return Err(unknown_dimension(name)),
    })
}

fn tag_value(key: &str, r: &SampleRow<'_>) -> Option<String> {
    let tags = r.value("Tags");
    let v: Value = serde_json::from_str(&tags).ok()?;
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str().map(str::to_string))
}

fn eval(f: &QueryFilter, r: &SampleRow<'_>) -> std::result::Result<bool, String> {
    if let Some(all) = &f.and {
        for x in all {
            if !eval(x, r)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(any) = &f.or {
        for x in any {
            if eval(x, r)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let in_set = |v: Option<String>, values: &[String]| {
        v.is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(&v)))
    };
    if let Some(c) = &f.dimensions {
        return Ok(in_set(dim_value(&c.name, r)?, &c.values));
    }
    if let Some(c) = &f.tags {
        return Ok(in_set(tag_value(&c.name, r), &c.values));
    }
    Ok(true)
}

/// Value × 10^18 of an aggregated column on a row for a query type.
fn measure(column: &str, kind: QueryType, r: &SampleRow<'_>) -> std::result::Result<i128, String> {
    let amortized = kind == QueryType::AmortizedCost;
    let cost = if amortized {
        if r.is_commitment_purchase() {
            0
        } else {
            r.effective_cost()
        }
    } else {
        r.billed_cost()
    };
    let text = |c: &str| parse_decimal18(r.value(c).as_bytes()).unwrap_or(0);
    Ok(match column.to_ascii_lowercase().as_str() {
        "cost" | "pretaxcost" => cost,
        "costusd" | "pretaxcostusd" => {
            if amortized {
                if r.is_commitment_purchase() {
                    0
                } else {
                    text("x_EffectiveCostInUsd")
                }
            } else {
                text("x_BilledCostInUsd")
            }
        }
        "usagequantity" => text("ConsumedQuantity"),
        other => {
            return Err(format!(
                "Invalid aggregation column '{other}'; supported: Cost, PreTaxCost, CostUSD, PreTaxCostUSD, UsageQuantity"
            ));
        }
    })
}

type Table = (Vec<QueryColumn>, Vec<Vec<String>>);

/// Run a query over the data set (every page's rows, in order).
fn compute(
    cfg: &CostManagementConfig,
    scope_sub: Option<&str>,
    def: &QueryDefinition,
) -> std::result::Result<(Table, u32), String> {
    let today = cfg.clock.now().date_naive();
    let (from, to) = match (def.timeframe, &def.time_period) {
        (_, Some(p)) => (p.from.date_naive(), p.to.date_naive()),
        (
            Timeframe::MonthToDate | Timeframe::BillingMonthToDate | Timeframe::TheCurrentMonth,
            None,
        ) => (first_of(today), today),
        (Timeframe::TheLastMonth | Timeframe::TheLastBillingMonth, None) => {
            let f = first_of(first_of(today) - Duration::days(1));
            (f, next_month(f) - Duration::days(1))
        }
        (Timeframe::WeekToDate, None) => (
            today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
            today,
        ),
        (t, None) => return Err(format!("timeframe {t} needs a timePeriod")),
    };
    let gran = def.dataset.granularity.unwrap_or(Granularity::None);
    for g in &def.dataset.grouping {
        if g.kind == GroupingType::Dimension && !known(&g.name) {
            return Err(unknown_dimension(&g.name));
        }
    }
    if let Some(f) = &def.dataset.filter {
        check_filter(f)?;
    }
    let aggs: Vec<(String, String)> = def
        .dataset
        .aggregation
        .iter()
        .map(|(alias, a)| (alias.clone(), a.name.clone()))
        .collect();
    for (_, name) in &aggs {
        if ![
            "cost",
            "pretaxcost",
            "costusd",
            "pretaxcostusd",
            "usagequantity",
        ]
        .contains(&name.to_ascii_lowercase().as_str())
        {
            return Err(format!("Invalid aggregation column '{name}'"));
        }
    }
    let mut groups: BTreeMap<Vec<String>, Vec<i128>> = BTreeMap::new();
    let mut months = 0u32;
    let mut m = first_of(from.max(cfg.first_month));
    let last_data_day = today - Duration::days(1);
    let mut err: Option<String> = None;
    while m <= to && m <= last_data_day {
        months += 1;
        let sample = month_sample(m, cfg.rows_per_month, "1.2");
        sample.for_each_row(|r| {
            if err.is_some() {
                return;
            }
            let day = r.day();
            if day < from || day > to || day > last_data_day || day < cfg.first_month {
                return;
            }
            if let Some(sub) = scope_sub
                && !r.value("SubAccountId").eq_ignore_ascii_case(sub)
            {
                return;
            }
            let res = (|| -> std::result::Result<(), String> {
                if let Some(f) = &def.dataset.filter
                    && !eval(f, r)?
                {
                    return Ok(());
                }
                let mut key = Vec::new();
                key.push(match gran {
                    Granularity::Daily => day.format("%Y%m%d").to_string(),
                    Granularity::Monthly => first_of(day).format("%Y-%m-%dT00:00:00").to_string(),
                    Granularity::None => String::new(),
                });
                for g in &def.dataset.grouping {
                    match g.kind {
                        GroupingType::Dimension => {
                            key.push(dim_value(&g.name, r)?.unwrap_or_default())
                        }
                        GroupingType::TagKey => {
                            let v = tag_value(&g.name, r);
                            key.push(if v.is_some() {
                                g.name.to_lowercase()
                            } else {
                                String::new()
                            });
                            key.push(v.unwrap_or_default());
                        }
                    }
                }
                key.push(r.value("BillingCurrency"));
                let sums = groups.entry(key).or_insert_with(|| vec![0; aggs.len()]);
                for (i, (_, name)) in aggs.iter().enumerate() {
                    sums[i] = sums[i].saturating_add(measure(name, def.kind, r)?);
                }
                Ok(())
            })();
            if let Err(e) = res {
                err = Some(e);
            }
        });
        m = next_month(m);
    }
    if let Some(e) = err {
        return Err(e);
    }
    let mut cols: Vec<QueryColumn> = aggs
        .iter()
        .map(|(_, n)| QueryColumn {
            name: n.clone(),
            kind: "Number".into(),
        })
        .collect();
    match gran {
        Granularity::Daily => cols.push(QueryColumn {
            name: "UsageDate".into(),
            kind: "Number".into(),
        }),
        Granularity::Monthly => cols.push(QueryColumn {
            name: "BillingMonth".into(),
            kind: "Datetime".into(),
        }),
        Granularity::None => {}
    }
    for g in &def.dataset.grouping {
        match g.kind {
            GroupingType::Dimension => cols.push(QueryColumn {
                name: g.name.clone(),
                kind: "String".into(),
            }),
            GroupingType::TagKey => {
                cols.push(QueryColumn {
                    name: "TagKey".into(),
                    kind: "String".into(),
                });
                cols.push(QueryColumn {
                    name: "TagValue".into(),
                    kind: "String".into(),
                });
            }
        }
    }
    cols.push(QueryColumn {
        name: "Currency".into(),
        kind: "String".into(),
    });
    let js = |s: &str| Value::String(s.to_string()).to_string();
    let rows = groups
        .into_iter()
        .map(|(key, sums)| {
            let mut row: Vec<String> = sums.iter().map(|v| format_decimal18(*v)).collect();
            let mut k = key.into_iter();
            let date = k.next().unwrap_or_default();
            match gran {
                Granularity::Daily => row.push(date),
                Granularity::Monthly => row.push(js(&date)),
                Granularity::None => {}
            }
            for v in k {
                row.push(js(&v));
            }
            row
        })
        .collect();
    Ok(((cols, rows), months.max(1)))
}

fn unknown_dimension(name: &str) -> String {
    format!(
        "Invalid dataset grouping or filter: dimension '{name}' is not supported; supported dimensions: {}",
        DIMENSIONS.join(", ")
    )
}

fn known(name: &str) -> bool {
    DIMENSIONS.iter().any(|d| d.eq_ignore_ascii_case(name))
}

fn check_filter(f: &QueryFilter) -> std::result::Result<(), String> {
    for x in f.and.iter().chain(f.or.iter()).flatten() {
        check_filter(x)?;
    }
    match &f.dimensions {
        Some(c) if !known(&c.name) => Err(unknown_dimension(&c.name)),
        _ => Ok(()),
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

fn query(
    s: &Shared,
    scope: &str,
    sub: Option<&str>,
    uri: &Uri,
    q: &HashMap<String, String>,
    body: &Bytes,
) -> Response {
    let def: QueryDefinition = match serde_json::from_slice(body) {
        Ok(d) => d,
        Err(e) => {
            return arm_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Invalid query definition: {e}"),
            );
        }
    };
    if let Err(m) = def.validate() {
        return arm_error(StatusCode::BAD_REQUEST, "BadRequest", &m);
    }
    let binding = fnv(format!(
        "{}|{}",
        scope.to_ascii_lowercase(),
        serde_json::to_string(&def).unwrap_or_default()
    )
    .as_bytes());
    let offset = match q.get("$skiptoken") {
        None => 0usize,
        Some(t) => {
            let parsed = t.split_once('x').and_then(|(o, h)| {
                Some((o.parse::<usize>().ok()?, u64::from_str_radix(h, 16).ok()?))
            });
            match parsed {
                Some((o, h)) if h == binding => o,
                _ => {
                    return arm_error(
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        "Invalid $skiptoken: it does not belong to this query (the same body must be sent with the nextLink).",
                    );
                }
            }
        }
    };
    let cfg = lock(s).cfg.clone();
    let ((cols, rows), months) = match compute(&cfg, sub, &def) {
        Ok(x) => x,
        Err(m) => return arm_error(StatusCode::BAD_REQUEST, "BadRequest", &m),
    };
    let (consumed, remaining) = if offset == 0 {
        let mut g = lock(s);
        match g.charge_qpu(months) {
            Ok(x) => {
                g.stats.queries += 1;
                x
            }
            Err(r) => return *r,
        }
    } else {
        (0, cfg.qpu_per_window)
    };
    let mut g = lock(s);
    g.stats.pages += 1;
    let end = (offset + cfg.page_size).min(rows.len());
    let page = rows.get(offset..end).unwrap_or_default();
    let next = (end < rows.len()).then(|| {
        format!(
            "{}{}?api-version={}&$skiptoken={end}x{binding:x}",
            g.base,
            uri.path(),
            q.get("api-version").map_or("", String::as_str)
        )
    });
    let raw: Vec<Vec<Box<RawValue>>> = page
        .iter()
        .map(|row| {
            row.iter()
                .filter_map(|c| RawValue::from_string(c.clone()).ok())
                .collect()
        })
        .collect();
    let id = g.id();
    drop(g);
    // Serialized from the typed result, not through `json!`: a `serde_json::Value` would turn
    // the raw number cells into f64 and lose digits the client must see.
    let result = QueryResult {
        id: Some(format!(
            "{scope}/providers/Microsoft.CostManagement/query/{id}"
        )),
        name: Some(id),
        kind: Some("Microsoft.CostManagement/query".into()),
        properties: QueryProperties {
            next_link: next,
            columns: cols,
            rows: raw,
        },
    };
    let body = match serde_json::to_string(&result) {
        Ok(b) => b,
        Err(e) => {
            return arm_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                &e.to_string(),
            );
        }
    };
    let mut r = ok_json(StatusCode::OK, body);
    let h = r.headers_mut();
    if let Ok(v) = consumed.to_string().parse() {
        h.insert("x-ms-ratelimit-microsoft.costmanagement-qpu-consumed", v);
    }
    if let Ok(v) = format!("QueryResource={remaining}").parse() {
        h.insert("x-ms-ratelimit-microsoft.costmanagement-qpu-remaining", v);
    }
    r
}

fn check_export(cfg: &CostManagementConfig, e: &Export) -> std::result::Result<(), String> {
    let p = &e.properties;
    if let Some(s) = &p.schedule {
        if !["Active", "Inactive"].contains(&s.status.as_str()) {
            return Err(format!(
                "schedule.status {:?} must be Active or Inactive",
                s.status
            ));
        }
        if s.status == "Active" && s.recurrence.is_none() {
            return Err("schedule.recurrence is required for an active schedule".into());
        }
    }
    match (p.format, p.compression_mode) {
        (Some(ExportFormat::Csv) | None, Some(CompressionMode::Snappy)) => {
            return Err("compressionMode snappy is only valid with format Parquet".into());
        }
        (Some(ExportFormat::Parquet), Some(CompressionMode::Gzip)) => {
            return Err("compressionMode gzip is only valid with format Csv".into());
        }
        _ => {}
    }
    let d = &p.delivery_info.destination;
    if !d.container.eq_ignore_ascii_case(&cfg.container) {
        return Err(format!(
            "The container '{}' does not exist in the destination storage account.",
            d.container
        ));
    }
    if d.resource_id.trim().is_empty() {
        return Err("deliveryInfo.destination.resourceId is required".into());
    }
    let def = &p.definition;
    if def.timeframe == Timeframe::Custom && def.time_period.is_none() {
        return Err("definition.timePeriod is required with timeframe Custom".into());
    }
    if def.kind == ExportType::FocusCost {
        let v = def
            .data_set
            .as_ref()
            .and_then(|d| d.configuration.as_ref())
            .and_then(|c| c.data_version.clone());
        if let Some(v) = v
            && super::focuscost::header(&v).is_none()
        {
            return Err(format!(
                "dataVersion '{v}' is not supported for FocusCost (1.0, 1.0r2, 1.2-preview, 1.2)"
            ));
        }
    }
    Ok(())
}

fn export_op(
    s: &Shared,
    m: Method,
    scope: &str,
    name: &str,
    api_version: &str,
    body: &Bytes,
) -> Response {
    if crate::client::check_export_name(name).is_err() {
        return arm_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Invalid export name '{name}'."),
        );
    }
    let k = key(scope, name);
    let mut g = lock(s);
    match m {
        Method::GET => match g.exports.get(&k) {
            Some(x) => ok_json(
                StatusCode::OK,
                serde_json::to_string(&x.export).unwrap_or_default(),
            ),
            None => not_found(name),
        },
        Method::DELETE => match g.exports.remove(&k) {
            Some(_) => ok_json(StatusCode::OK, String::new()),
            None => ok_json(StatusCode::NO_CONTENT, String::new()),
        },
        Method::PUT => {
            let mut e: Export = match serde_json::from_slice(body) {
                Ok(e) => e,
                Err(err) => {
                    return arm_error(
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        &format!("Invalid export definition: {err}"),
                    );
                }
            };
            if let Err(msg) = check_export(&g.cfg, &e) {
                return arm_error(StatusCode::BAD_REQUEST, "BadRequest", &msg);
            }
            let existing = g
                .exports
                .get(&k)
                .map(|x| (x.export.e_tag.clone(), x.runs.clone()));
            let (status, runs) = match (&existing, &e.e_tag) {
                (Some(_), None) => {
                    return arm_error(
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        "Update operation requires latest eTag to be set in the request.",
                    );
                }
                (Some((cur, _)), Some(sent)) if cur.as_ref() != Some(sent) => {
                    return arm_error(
                        StatusCode::PRECONDITION_FAILED,
                        "PreconditionFailed",
                        "The eTag in the request does not match the export's current eTag; get the export again.",
                    );
                }
                (Some((_, runs)), Some(_)) => (StatusCode::OK, runs.clone()),
                (None, _) => (StatusCode::CREATED, Vec::new()),
            };
            g.next += 1;
            let now = g.cfg.clock.now();
            e.e_tag = Some(format!("\"{:016x}\"", fnv(&g.next.to_le_bytes())));
            e.id = Some(format!(
                "{scope}/providers/Microsoft.CostManagement/exports/{name}"
            ));
            e.name = Some(name.to_string());
            e.kind = Some("Microsoft.CostManagement/exports".into());
            e.properties.next_run_time_estimate = Some(
                (now.date_naive() + Duration::days(1))
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc()
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string(),
            );
            g.exports.insert(
                k,
                StoredExport {
                    scope: scope.to_string(),
                    name: name.to_string(),
                    export: e.clone(),
                    api_version: api_version.to_string(),
                    runs,
                },
            );
            ok_json(status, serde_json::to_string(&e).unwrap_or_default())
        }
        _ => arm_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The method is not allowed.",
        ),
    }
}

/// Run `name` of `scope` (`execution` = `OnDemand` or `Scheduled`).
async fn run_export(
    s: &Shared,
    scope: &str,
    name: &str,
    body: &Bytes,
    execution: &str,
) -> Response {
    let req: ExportRunRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ExportRunRequest::default()
    } else {
        match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => {
                return arm_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("Invalid run parameters: {e}"),
                );
            }
        }
    };
    let k = key(scope, name);
    let (stored, cfg, run_id) = {
        let mut g = lock(s);
        let Some(x) = g.exports.get(&k).cloned() else {
            return not_found(name);
        };
        let id = g.id();
        (x, g.cfg.clone(), id)
    };
    {
        let run = execute(&cfg, &stored, &req, &run_id, execution).await;
        {
            let failed = run.properties.status == "Failed";
            let mut g = lock(s);
            if let Some(x) = g.exports.get_mut(&k) {
                x.runs.insert(0, run.clone());
            }
            if failed {
                let msg = run.properties.error.map(|e| e.message).unwrap_or_default();
                return arm_error(StatusCode::BAD_REQUEST, "BadRequest", &msg);
            }
            ok_json(StatusCode::OK, String::new())
        }
    }
}

/// Run an export: the run record, `Completed` or `Failed` with its error.
async fn execute(
    cfg: &CostManagementConfig,
    x: &StoredExport,
    req: &ExportRunRequest,
    run_id: &str,
    execution: &str,
) -> ExportRun {
    let now = cfg.clock.now();
    let today = now.date_naive();
    // Seven fractional digits as the service writes them (chrono has no `%.7f`).
    let stamp = format!(
        "{}.{:07}Z",
        now.format("%Y-%m-%dT%H:%M:%S"),
        now.timestamp_subsec_nanos() / 100
    );
    let p = &x.export.properties;
    let def = &p.definition;
    let mut run = ExportRun {
        id: Some(format!(
            "{}/providers/Microsoft.CostManagement/exports/{}/Run/{run_id}",
            x.scope, x.name
        )),
        name: Some(run_id.to_string()),
        properties: ExportRunProperties {
            execution_type: execution.to_string(),
            status: "Completed".into(),
            submitted_time: Some(stamp.clone()),
            processing_start_time: Some(stamp.clone()),
            processing_end_time: Some(stamp.clone()),
            start_date: None,
            end_date: None,
            file_name: None,
            manifest_file: None,
            error: None,
        },
    };
    let fail = |mut run: ExportRun, code: &str, m: String| {
        run.properties.status = "Failed".into();
        run.properties.error = Some(crate::model::ApiErrorDetails {
            code: code.into(),
            message: m,
        });
        run
    };
    let (from, to) = match (
        req.time_period.as_ref().or(def.time_period.as_ref()),
        def.timeframe,
    ) {
        (Some(tp), _) => (tp.from.date_naive(), tp.to.date_naive()),
        (None, Timeframe::MonthToDate | Timeframe::BillingMonthToDate) => (first_of(today), today),
        (None, Timeframe::TheCurrentMonth) => {
            (first_of(today), next_month(today) - Duration::days(1))
        }
        (None, Timeframe::TheLastMonth | Timeframe::TheLastBillingMonth) => {
            let f = first_of(first_of(today) - Duration::days(1));
            (f, next_month(f) - Duration::days(1))
        }
        (None, t) => {
            return fail(
                run,
                "BadRequest",
                format!("timeframe {t} needs a timePeriod"),
            );
        }
    };
    if first_of(from) != first_of(to) || to < from {
        return fail(
            run,
            "BadRequest",
            format!("The run period {from}..{to} must lie within one calendar month."),
        );
    }
    if def.kind != ExportType::FocusCost {
        return fail(
            run,
            "DataNotAvailable",
            format!("the emulator exports FocusCost only, not {}", def.kind),
        );
    }
    let Some(store) = &cfg.exports else {
        return fail(
            run,
            "StorageNotConfigured",
            "no exports container is configured for the emulator".into(),
        );
    };
    let version = def
        .data_set
        .as_ref()
        .and_then(|d| d.configuration.as_ref())
        .and_then(|c| c.data_version.clone())
        .unwrap_or_else(|| "1.2-preview".into());
    let last_data_day = today - Duration::days(1);
    let mut spec = RunSpec::focus_cost(&version, from, cfg.rows_per_part, run_id);
    spec.scope = x.scope.clone();
    spec.export_name = x.name.clone();
    spec.submitted_time = stamp;
    spec.rows_per_part = cfg.rows_per_part;
    spec.parts = 1;
    spec.seed = month_seed(from);
    spec.gzip = p.compression_mode == Some(CompressionMode::Gzip);
    spec.parquet = p.format == Some(ExportFormat::Parquet);
    spec.month_rows = Some(if first_of(from) < first_of(cfg.first_month) {
        0
    } else {
        cfg.rows_per_month
    });
    spec.sub_account = scope_subscription(&x.scope).ok().flatten();
    // Data exists up to yesterday: a period ending later is cut there (an empty run when
    // nothing is left).
    let cut = to.min(last_data_day);
    if cut < from {
        spec.month_rows = Some(0);
        spec.days = Some((from, to));
    } else {
        spec.days = Some((from, cut));
    }
    spec.api_version = x.api_version.clone();
    spec.timeframe = def.timeframe.to_string();
    spec.execution_type = execution.to_string();
    spec.root_folder = Some(
        p.delivery_info
            .destination
            .root_folder_path
            .trim_matches('/')
            .to_string(),
    );
    match write_export_run(store, &spec).await {
        Ok(w) => {
            run.properties.start_date = Some(format!("{from}T00:00:00"));
            run.properties.end_date = Some(format!("{to}T00:00:00"));
            run.properties.file_name = Some(w.folder.clone());
            run.properties.manifest_file = Some(w.manifest.clone());
            run
        }
        Err(e) => fail(run, "StorageError", e.to_string()),
    }
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
