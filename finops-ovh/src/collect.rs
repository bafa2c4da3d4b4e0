//! Collect everything the weekly report needs from every OVH account (OVH-01..15), with
//! tenant dedup across accounts, bounded concurrency and per-account failure isolation; and
//! the FOCUS 1.2 mapping of the collected costs (`to_focus`, `OvhCostSource`).
//!
//! The interface between the API side (this module) and the local side (`weekly.rs`):
//! [`Collected`] holds one [`AccountData`] per credential file (= application / information
//! system) plus the [`AccountError`]s of calls that failed; every tenant (Public Cloud project,
//! Hosted Private Cloud, VPS, service) appears under exactly one account.

use crate::accounts::OvhAccount;
use crate::api::*;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::fmt;

/// Options of [`collect_all`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CollectOptions {
    /// The run's reference time (token expiry warnings, activity windows). Never the wall clock.
    pub as_of: DateTime<Utc>,
    /// Usage history periods starting at or after this time (`from` query of
    /// `/usage/history`); `None`: every period the API returns.
    pub history_from: Option<DateTime<Utc>>,
    /// Bills dated at or after this time (`date.from` of `/me/bill`); `None`: every bill.
    pub bills_from: Option<DateTime<Utc>>,
    /// Calls in flight at once, across all accounts (default 8).
    pub concurrency: usize,
    /// Warn when a token expires within this many days (default 4, OVH-02).
    pub token_warning_days: i64,
    /// Fetch `/me/bill` and details (default true).
    pub with_bills: bool,
    /// Fetch IAM users and the audit log (default true).
    pub with_users: bool,
}

impl CollectOptions {
    /// Defaults for a run at `as_of`.
    pub fn new(as_of: DateTime<Utc>) -> Self {
        CollectOptions {
            as_of,
            history_from: None,
            bills_from: None,
            concurrency: 8,
            token_warning_days: 4,
            with_bills: true,
            with_users: true,
        }
    }

    /// Set the concurrency.
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Set the history start.
    pub fn with_history_from(mut self, t: DateTime<Utc>) -> Self {
        self.history_from = Some(t);
        self
    }

    /// Set the bills start.
    pub fn with_bills_from(mut self, t: DateTime<Utc>) -> Self {
        self.bills_from = Some(t);
        self
    }

    /// Set the token warning window in days.
    pub fn with_token_warning_days(mut self, days: i64) -> Self {
        self.token_warning_days = days;
        self
    }
}

/// What is wrong with a token (OVH-02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenWarning {
    /// Expires within the warning window.
    ExpiresSoon {
        /// Whole days left (0 = expires today).
        days_left: i64,
    },
    /// Already expired (expiration in the past, or status `expired`).
    Expired,
    /// The API refused it (`/auth/currentCredential` failed, or status not `validated`).
    Invalid {
        /// Why.
        message: String,
    },
}

impl fmt::Display for TokenWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenWarning::ExpiresSoon { days_left } => {
                write!(f, "token expires in {days_left} day(s)")
            }
            TokenWarning::Expired => f.write_str("token expired"),
            TokenWarning::Invalid { message } => write!(f, "token invalid: {message}"),
        }
    }
}

/// Token creation/expiration and health of one credential file (OVH-02).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenHealth {
    /// Creation (`date_debut`).
    pub creation: Option<OvhDateTime>,
    /// Expiration (`date_fin`; `None`: no expiry or unknown).
    pub expiration: Option<OvhDateTime>,
    /// Credential status (`validated`, …) when known.
    pub status: Option<String>,
    /// Warning, if any.
    pub warning: Option<TokenWarning>,
}

/// Billing mode of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BillingMode {
    /// Billed per hour.
    Hourly,
    /// Billed per month.
    Monthly,
}

impl BillingMode {
    /// `hourly` / `monthly`.
    pub fn as_str(&self) -> &'static str {
        match self {
            BillingMode::Hourly => "hourly",
            BillingMode::Monthly => "monthly",
        }
    }
}

impl fmt::Display for BillingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One instance's usage in one period (OVH-03/04), flattened from a [`Usage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceUsage {
    /// Instance id.
    pub instance_id: String,
    /// Flavor (`b2-7`).
    pub reference: String,
    /// Region.
    pub region: String,
    /// Hours up in the period (hourly: the API quantity; monthly: from
    /// max(activation, period start) to period end, capped at the period).
    pub hours: Decimal,
    /// Cost (unadjusted).
    pub cost: Decimal,
    /// Billing mode.
    pub mode: BillingMode,
}

/// A Public Cloud project and everything fetched for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectData {
    /// Project id (the tenant id).
    pub project_id: String,
    /// `/cloud/project/{id}`.
    pub project: Option<Project>,
    /// `/serviceInfos` (contacts).
    pub service_infos: Option<ServiceInfos>,
    /// `/usage/current` (OVH-03, 05-07).
    pub current: Option<Usage>,
    /// `/usage/history/{id}` for every period, oldest first (OVH-04-07).
    pub history: Vec<Usage>,
    /// Instances with flavor and image (OVH-08).
    pub instances: Vec<InstanceDetail>,
    /// Regions of the project.
    pub regions: Vec<String>,
    /// Gateways of every region (OVH-10).
    pub gateways: Vec<Gateway>,
    /// Load balancers of every region (OVH-10).
    pub load_balancers: Vec<LoadBalancer>,
}

/// One Hosted Private Cloud datacenter with its VMs.
#[derive(Debug, Clone, PartialEq)]
pub struct DatacenterData {
    /// Datacenter id.
    pub datacenter_id: i64,
    /// VMs (OVH-08, 12).
    pub vms: Vec<DedicatedCloudVm>,
}

/// A Hosted Private Cloud (`/dedicatedCloud/{sn}`).
#[derive(Debug, Clone, PartialEq)]
pub struct DedicatedCloudData {
    /// Service name (the tenant id).
    pub service_name: String,
    /// Details.
    pub info: Option<DedicatedCloud>,
    /// `/serviceInfos` (contacts).
    pub service_infos: Option<ServiceInfos>,
    /// Datacenters with VMs.
    pub datacenters: Vec<DatacenterData>,
}

/// A VPS (`/vps/{sn}`).
#[derive(Debug, Clone, PartialEq)]
pub struct VpsData {
    /// Name (the tenant id).
    pub name: String,
    /// Details.
    pub vps: Option<Vps>,
}

/// A service of `/services` (OVH-09/11).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceData {
    /// The expanded service.
    pub service: ExpandedService,
    /// Its `serviceInfos` (NIC handle contacts), for active / to-renew services with a route.
    pub infos: Option<ServiceInfos>,
}

/// A bill with its details.
#[derive(Debug, Clone, PartialEq)]
pub struct BillData {
    /// The bill.
    pub bill: Bill,
    /// Its lines.
    pub details: Vec<BillDetail>,
}

/// Everything fetched through one credential file.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountData {
    /// Credential file name (= application / information system).
    pub file: String,
    /// The API base URL used.
    pub endpoint: String,
    /// `/me` (NIC handle, e-mail, currency), `None` if it failed.
    pub me: Option<Me>,
    /// Token health (OVH-02).
    pub token: TokenHealth,
    /// Public Cloud projects assigned to this account.
    pub projects: Vec<ProjectData>,
    /// Hosted Private Clouds assigned to this account.
    pub dedicated_clouds: Vec<DedicatedCloudData>,
    /// VPS assigned to this account.
    pub vps: Vec<VpsData>,
    /// Services assigned to this account (by service id).
    pub services: Vec<ServiceData>,
    /// Bills of this account (bills belong to the NIC handle: not deduplicated across files of
    /// different NIC handles, fetched once per NIC handle).
    pub bills: Vec<BillData>,
    /// IAM users (OVH-15).
    pub users: Vec<IdentityUser>,
    /// Audit log (all entries; LOGIN_SUCCESS ones matter for OVH-15).
    pub audit: Vec<AuditLog>,
}

impl AccountData {
    /// An empty record for `file`.
    pub fn new(file: impl Into<String>, endpoint: impl Into<String>) -> Self {
        AccountData {
            file: file.into(),
            endpoint: endpoint.into(),
            me: None,
            token: TokenHealth::default(),
            projects: Vec::new(),
            dedicated_clouds: Vec::new(),
            vps: Vec::new(),
            services: Vec::new(),
            bills: Vec::new(),
            users: Vec::new(),
            audit: Vec::new(),
        }
    }

    /// The account currency (`/me` currency, EUR when unknown).
    pub fn currency(&self) -> &str {
        self.me
            .as_ref()
            .and_then(|m| m.currency.as_ref())
            .map(|c| c.code.as_str())
            .unwrap_or("EUR")
    }
}

/// One failed call (or a whole failed account): which credential file, which call, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountError {
    /// Credential file name.
    pub file: String,
    /// The API call (`GET /cloud/project/…/usage/current`) or the step.
    pub call: String,
    /// The error message (secrets redacted).
    pub message: String,
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.call, self.message)
    }
}

/// The result of a collection run.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// The run's reference time.
    pub as_of: DateTime<Utc>,
    /// One entry per credential file that could be used, in file-name order.
    pub accounts: Vec<AccountData>,
    /// Failed calls / accounts (the others went on).
    pub errors: Vec<AccountError>,
}

impl Collected {
    /// An empty result at `as_of`.
    pub fn empty(as_of: DateTime<Utc>) -> Self {
        Collected {
            as_of,
            accounts: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Period length in hours (`to` is the last second of the period in OVH history, so one
/// second is added when `to` ends in `:59:59`).
pub fn period_hours(p: &UsagePeriod) -> Decimal {
    let mut secs = (p.to - p.from).num_seconds();
    if p.to.format("%M:%S").to_string() == "59:59" {
        secs += 1;
    }
    Decimal::from(secs.max(0)) / Decimal::from(3600)
}

/// OVH-04 "Mode de facturation pertinent": monthly is right when the instance was up at
/// least half the period, hourly when it was up less than half.
pub fn is_mode_pertinent(mode: BillingMode, hours: Decimal, period_hours: Decimal) -> bool {
    let up_half = hours * Decimal::from(2) >= period_hours;
    match mode {
        BillingMode::Monthly => up_half,
        BillingMode::Hourly => !up_half,
    }
}

/// Flatten a usage period into one row per instance (hourly details, then monthly details).
pub fn instance_usages(u: &Usage) -> Vec<InstanceUsage> {
    let mut out = Vec::new();
    if let Some(h) = &u.hourly_usage {
        for i in &h.instance {
            for d in &i.details {
                out.push(InstanceUsage {
                    instance_id: d.instance_id.clone(),
                    reference: i.reference.clone(),
                    region: i.region.clone(),
                    hours: d.quantity.value,
                    cost: d.total_price,
                    mode: BillingMode::Hourly,
                });
            }
        }
    }
    if let Some(m) = &u.monthly_usage {
        let total = period_hours(&u.period);
        for i in &m.instance {
            for d in &i.details {
                let start = d
                    .activation
                    .map(|a| a.max(u.period.from))
                    .unwrap_or(u.period.from);
                let hours = period_hours(&UsagePeriod {
                    from: start.min(u.period.to),
                    to: u.period.to,
                })
                .min(total);
                out.push(InstanceUsage {
                    instance_id: d.instance_id.clone(),
                    reference: i.reference.clone(),
                    region: i.region.clone(),
                    hours,
                    cost: d.total_price,
                    mode: BillingMode::Monthly,
                });
            }
        }
    }
    out
}

/// One leaf call guarded by the run-wide semaphore (bounded in-flight calls whatever the
/// nesting), mapped to an [`AccountError`] on failure.
struct Run<'a> {
    sem: tokio::sync::Semaphore,
    opts: &'a CollectOptions,
}

impl Run<'_> {
    async fn call<T, F>(&self, file: &str, call: String, fut: F) -> Result<T, AccountError>
    where
        F: std::future::Future<Output = finops_core::Result<T>>,
    {
        let permit = self.sem.acquire().await;
        let r = fut.await;
        drop(permit);
        r.map_err(|e| AccountError {
            file: file.to_string(),
            call,
            message: e.to_string(),
        })
    }
}

/// What one account lists before tenants are assigned.
struct Listing {
    token: TokenHealth,
    dead: bool,
    me: Option<Me>,
    projects: Vec<String>,
    pccs: Vec<String>,
    vps: Vec<String>,
    services: Vec<i64>,
    errors: Vec<AccountError>,
}

async fn list_account(run: &Run<'_>, a: &OvhAccount) -> Listing {
    let c = &a.client;
    let f = a.name.as_str();
    let mut errors = Vec::new();
    let cred = {
        let _permit = run.sem.acquire().await;
        c.current_credential().await
    };
    let (token, dead) = match cred {
        Ok(cr) => (
            crate::client::token_health_of(&cr, run.opts.as_of, run.opts.token_warning_days),
            false,
        ),
        Err(e) => {
            // An unknown, revoked or expired key (or a bad secret) stops this account: every
            // other call would fail the same way. Anything else (not granted, 404, 5xx after
            // retries) only means the token health is unknown; the other calls still run.
            //
            // An API that cannot be reached at all (connection refused or timed out after
            // every retry), or whose `/auth/time` fails, stops the account too: the other
            // calls would each wait out the same retries, and the user sees one clear error
            // naming the call.
            let dead = matches!(e, finops_core::Error::Unauthenticated { .. }) || unreachable(&e);
            let message = e.to_string();
            let t = TokenHealth {
                warning: Some(TokenWarning::Invalid {
                    message: message.clone(),
                }),
                ..TokenHealth::default()
            };
            errors.push(AccountError {
                file: f.to_string(),
                call: "GET /auth/currentCredential".into(),
                message,
            });
            (t, dead)
        }
    };
    if dead {
        return Listing {
            token,
            dead,
            me: None,
            projects: vec![],
            pccs: vec![],
            vps: vec![],
            services: vec![],
            errors,
        };
    }
    let (me, projects, pccs, vps, services) = futures::join!(
        run.call(f, "GET /me".into(), c.me()),
        run.call(f, "GET /cloud/project".into(), c.cloud_projects()),
        run.call(f, "GET /dedicatedCloud".into(), c.dedicated_clouds()),
        run.call(f, "GET /vps".into(), c.vps_list()),
        run.call(f, "GET /services".into(), c.services()),
    );
    let mut take = |r: Result<Vec<String>, AccountError>| match r {
        Ok(mut v) => {
            v.sort();
            v.dedup();
            v
        }
        Err(e) => {
            errors.push(e);
            vec![]
        }
    };
    let projects = take(projects);
    let pccs = take(pccs);
    let vps = take(vps);
    let services = match services {
        Ok(mut v) => {
            v.sort_unstable();
            v.dedup();
            v
        }
        Err(e) => {
            errors.push(e);
            vec![]
        }
    };
    let me = match me {
        Ok(m) => Some(m),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    Listing {
        token,
        dead,
        me,
        projects,
        pccs,
        vps,
        services,
        errors,
    }
}

/// A transport failure (no HTTP reply at all), possibly after retries; or a failed
/// `GET /auth/time`, without which no call of this credential can be signed.
fn unreachable(e: &finops_core::Error) -> bool {
    use finops_core::Error as E;
    match e {
        E::Transport { .. } => true,
        E::RetriesExhausted { call, last, .. } => call.ends_with("/auth/time") || unreachable(last),
        E::Status { call, .. } | E::InvalidResponse { call, .. } => call.ends_with("/auth/time"),
        _ => false,
    }
}

fn ok<T>(errors: &mut Vec<AccountError>, r: Result<T, AccountError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

async fn fetch_project(
    run: &Run<'_>,
    a: &OvhAccount,
    id: &str,
) -> (ProjectData, Vec<AccountError>) {
    let c = &a.client;
    let f = a.name.as_str();
    let mut errors = Vec::new();
    let base = format!("GET /cloud/project/{id}");
    let (project, infos, current, hist, instances, regions) = futures::join!(
        run.call(f, base.clone(), c.cloud_project(id)),
        run.call(
            f,
            format!("{base}/serviceInfos"),
            c.cloud_project_service_infos(id)
        ),
        run.call(f, format!("{base}/usage/current"), c.usage_current(id)),
        run.call(
            f,
            format!("{base}/usage/history"),
            c.usage_history(id, run.opts.history_from, None)
        ),
        run.call(f, format!("{base}/instance"), c.instances(id)),
        run.call(f, format!("{base}/region"), c.regions(id)),
    );
    let project = ok(&mut errors, project);
    let infos = ok(&mut errors, infos);
    let current = ok(&mut errors, current);
    let mut hist: Vec<UsageHistoryEntry> = ok(&mut errors, hist).unwrap_or_default();
    let instances: Vec<Instance> = ok(&mut errors, instances).unwrap_or_default();
    let mut regions: Vec<String> = ok(&mut errors, regions).unwrap_or_default();
    regions.sort();
    regions.dedup();
    hist.sort_by(|x, y| x.period.from.cmp(&y.period.from).then(x.id.cmp(&y.id)));
    let conc = run.opts.concurrency;
    let (history, details, networks) = futures::join!(
        finops_core::http::bounded(0..hist.len(), conc, |k| {
            let h = &hist[k];
            run.call(
                f,
                format!("{base}/usage/history/{}", h.id),
                c.usage_history_detail(id, &h.id),
            )
        }),
        finops_core::http::bounded(0..instances.len(), conc, |k| {
            let i = &instances[k];
            run.call(
                f,
                format!("{base}/instance/{}", i.id),
                c.instance_detail(id, &i.id),
            )
        }),
        finops_core::http::bounded(0..regions.len(), conc, |k| {
            let base = &base;
            let r = &regions[k];
            async move {
                futures::join!(
                    run.call(f, format!("{base}/region/{r}/gateway"), c.gateways(id, r)),
                    run.call(
                        f,
                        format!("{base}/region/{r}/loadbalancing/loadbalancer"),
                        c.load_balancers(id, r)
                    ),
                )
            }
        }),
    );
    let mut data = ProjectData {
        project_id: id.to_string(),
        project,
        service_infos: infos,
        current,
        history: Vec::new(),
        instances: Vec::new(),
        regions: regions.clone(),
        gateways: Vec::new(),
        load_balancers: Vec::new(),
    };
    for h in history {
        match h {
            Ok(u) => data.history.push(u),
            Err(e) => errors.push(e),
        }
    }
    for d in details {
        match d {
            Ok(i) => data.instances.push(i),
            Err(e) => errors.push(e),
        }
    }
    for (g, l) in networks {
        match g {
            Ok(v) => data.gateways.extend(v),
            Err(e) => errors.push(e),
        }
        match l {
            Ok(v) => data.load_balancers.extend(v),
            Err(e) => errors.push(e),
        }
    }
    (data, errors)
}

async fn fetch_pcc(
    run: &Run<'_>,
    a: &OvhAccount,
    sn: &str,
) -> (DedicatedCloudData, Vec<AccountError>) {
    let c = &a.client;
    let f = a.name.as_str();
    let mut errors = Vec::new();
    let base = format!("GET /dedicatedCloud/{sn}");
    let (info, infos, dcs) = futures::join!(
        run.call(f, base.clone(), c.dedicated_cloud(sn)),
        run.call(
            f,
            format!("{base}/serviceInfos"),
            c.dedicated_cloud_service_infos(sn)
        ),
        run.call(
            f,
            format!("{base}/datacenter"),
            c.dedicated_cloud_datacenters(sn)
        ),
    );
    let mut data = DedicatedCloudData {
        service_name: sn.to_string(),
        info: info.map_err(|e| errors.push(e)).ok(),
        service_infos: infos.map_err(|e| errors.push(e)).ok(),
        datacenters: Vec::new(),
    };
    let mut dcs = dcs.map_err(|e| errors.push(e)).ok().unwrap_or_default();
    dcs.sort_unstable();
    let conc = run.opts.concurrency;
    let per_dc = finops_core::http::bounded(dcs.iter().copied(), conc, |dc| {
        let base = base.clone();
        async move {
            let ids = run
                .call(
                    f,
                    format!("{base}/datacenter/{dc}/vm"),
                    c.dedicated_cloud_vms(sn, dc),
                )
                .await;
            match ids {
                Err(e) => (dc, vec![], vec![e]),
                Ok(mut ids) => {
                    ids.sort_unstable();
                    let vms = finops_core::http::bounded(ids.iter().copied(), conc, |vm| {
                        run.call(
                            f,
                            format!("{base}/datacenter/{dc}/vm/{vm}"),
                            c.dedicated_cloud_vm(sn, dc, vm),
                        )
                    })
                    .await;
                    let mut ok = Vec::new();
                    let mut errs = Vec::new();
                    for v in vms {
                        match v {
                            Ok(v) => ok.push(v),
                            Err(e) => errs.push(e),
                        }
                    }
                    (dc, ok, errs)
                }
            }
        }
    })
    .await;
    for (dc, vms, errs) in per_dc {
        data.datacenters.push(DatacenterData {
            datacenter_id: dc,
            vms,
        });
        errors.extend(errs);
    }
    (data, errors)
}

/// Only the Hosted Private Cloud VMs of every account (the hourly OVH-12 sampling call):
/// `(account file, service name, datacenter id, VM)`, with tenant dedup like [`collect_all`].
pub async fn collect_dedicated_cloud_vms(
    accounts: &[OvhAccount],
    opts: &CollectOptions,
) -> (
    Vec<(String, String, i64, DedicatedCloudVm)>,
    Vec<AccountError>,
) {
    let run = Run {
        sem: tokio::sync::Semaphore::new(opts.concurrency.max(1)),
        opts,
    };
    let mut order: Vec<&OvhAccount> = accounts.iter().collect();
    order.sort_by(|a, b| a.name.cmp(&b.name));
    let lists = finops_core::http::bounded(0..order.len(), opts.concurrency, |k| {
        let run = &run;
        let a = order[k];
        async move {
            (
                a,
                run.call(
                    &a.name,
                    "GET /dedicatedCloud".into(),
                    a.client.dedicated_clouds(),
                )
                .await,
            )
        }
    })
    .await;
    let mut seen = std::collections::BTreeSet::new();
    let mut tasks = Vec::new();
    let mut errors = Vec::new();
    for (a, l) in lists {
        match l {
            Ok(mut v) => {
                v.sort();
                for sn in v {
                    if seen.insert(sn.clone()) {
                        tasks.push((a, sn));
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    let results = finops_core::http::bounded(0..tasks.len(), opts.concurrency, |k| {
        let run = &run;
        let (a, sn) = &tasks[k];
        async move { (a.name.clone(), fetch_pcc(run, a, sn).await) }
    })
    .await;
    let mut out = Vec::new();
    for (file, (d, errs)) in results {
        errors.extend(errs);
        for dc in d.datacenters {
            for vm in dc.vms {
                out.push((file.clone(), d.service_name.clone(), dc.datacenter_id, vm));
            }
        }
    }
    (out, errors)
}

enum Task<'a> {
    Project(usize, &'a str),
    Pcc(usize, &'a str),
    Vps(usize, &'a str),
    Service(usize, i64),
    Bills(usize),
    Users(usize),
}

// Short-lived, one per task: boxing the big variant buys nothing.
#[allow(clippy::large_enum_variant)]
enum Fetched {
    Project(usize, ProjectData),
    Pcc(usize, DedicatedCloudData),
    Vps(usize, VpsData),
    Service(usize, ServiceData),
    Bills(usize, Vec<BillData>),
    Users(usize, Vec<IdentityUser>, Vec<AuditLog>),
    Nothing,
}

async fn run_task(
    run: &Run<'_>,
    accounts: &[&OvhAccount],
    task: &Task<'_>,
) -> (Fetched, Vec<AccountError>) {
    let conc = run.opts.concurrency;
    match *task {
        Task::Project(i, id) => {
            let (d, e) = fetch_project(run, accounts[i], id).await;
            (Fetched::Project(i, d), e)
        }
        Task::Pcc(i, sn) => {
            let (d, e) = fetch_pcc(run, accounts[i], sn).await;
            (Fetched::Pcc(i, d), e)
        }
        Task::Vps(i, sn) => {
            let a = accounts[i];
            match run
                .call(&a.name, format!("GET /vps/{sn}"), a.client.vps(sn))
                .await
            {
                Ok(v) => (
                    Fetched::Vps(
                        i,
                        VpsData {
                            name: sn.to_string(),
                            vps: Some(v),
                        },
                    ),
                    vec![],
                ),
                Err(e) => (
                    Fetched::Vps(
                        i,
                        VpsData {
                            name: sn.to_string(),
                            vps: None,
                        },
                    ),
                    vec![e],
                ),
            }
        }
        Task::Service(i, id) => {
            let a = accounts[i];
            let svc = run
                .call(&a.name, format!("GET /services/{id}"), a.client.service(id))
                .await;
            match svc {
                Err(e) => (Fetched::Nothing, vec![e]),
                Ok(s) => {
                    // serviceInfos of projects / PCCs come with the tenant; others here.
                    let route = s.route.as_ref().and_then(|r| r.url.clone()).filter(|u| {
                        !u.starts_with("/cloud/project/") && !u.starts_with("/dedicatedCloud/")
                    });
                    let mut errs = Vec::new();
                    let infos = match route {
                        Some(u) if s.is_active_or_to_renew() => match run
                            .call(
                                &a.name,
                                format!("GET {u}/serviceInfos"),
                                a.client.service_infos(&u),
                            )
                            .await
                        {
                            Ok(x) => Some(x),
                            Err(e) => {
                                errs.push(e);
                                None
                            }
                        },
                        _ => None,
                    };
                    (Fetched::Service(i, ServiceData { service: s, infos }), errs)
                }
            }
        }
        Task::Bills(i) => {
            let a = accounts[i];
            let f = a.name.as_str();
            let ids = run
                .call(
                    f,
                    "GET /me/bill".into(),
                    a.client.bills(run.opts.bills_from),
                )
                .await;
            let mut ids = match ids {
                Ok(v) => v,
                Err(e) => return (Fetched::Bills(i, vec![]), vec![e]),
            };
            ids.sort();
            ids.dedup();
            let res = finops_core::http::bounded(ids.clone(), conc, |id| async move {
                let id = id.as_str();
                let (bill, dids) = futures::join!(
                    run.call(f, format!("GET /me/bill/{id}"), a.client.bill(id)),
                    run.call(
                        f,
                        format!("GET /me/bill/{id}/details"),
                        a.client.bill_details(id)
                    ),
                );
                let mut errs = Vec::new();
                let mut dids = dids.map_err(|e| errs.push(e)).ok().unwrap_or_default();
                dids.sort();
                let details = finops_core::http::bounded(dids.clone(), conc, |d| async move {
                    run.call(
                        f,
                        format!("GET /me/bill/{id}/details/{d}"),
                        a.client.bill_detail(id, &d),
                    )
                    .await
                })
                .await;
                let mut ds = Vec::new();
                for d in details {
                    match d {
                        Ok(d) => ds.push(d),
                        Err(e) => errs.push(e),
                    }
                }
                (bill, ds, errs)
            })
            .await;
            let mut errs = Vec::new();
            let mut bills = Vec::new();
            for (b, ds, es) in res {
                errs.extend(es);
                match b {
                    Ok(bill) => bills.push(BillData { bill, details: ds }),
                    Err(e) => errs.push(e),
                }
            }
            (Fetched::Bills(i, bills), errs)
        }
        Task::Users(i) => {
            let a = accounts[i];
            let f = a.name.as_str();
            let (logins, audit) = futures::join!(
                run.call(f, "GET /me/identity/user".into(), a.client.identity_users()),
                run.call(f, "GET /me/logs/audit".into(), a.client.audit_logs()),
            );
            let mut errs = Vec::new();
            let mut logins = logins.map_err(|e| errs.push(e)).ok().unwrap_or_default();
            logins.sort();
            let mut audit = audit.map_err(|e| errs.push(e)).ok().unwrap_or_default();
            audit.sort_by_key(|x| x.created_at);
            let users = finops_core::http::bounded(logins.clone(), conc, |l| async move {
                run.call(
                    f,
                    format!("GET /me/identity/user/{l}"),
                    a.client.identity_user(&l),
                )
                .await
            })
            .await;
            let mut us = Vec::new();
            for u in users {
                match u {
                    Ok(u) => us.push(u),
                    Err(e) => errs.push(e),
                }
            }
            (Fetched::Users(i, us, audit), errs)
        }
    }
}

/// Collect every account (see the module docs). Never fails as a whole: a failing account or
/// call becomes an [`AccountError`] and the rest goes on.
///
/// 1. Per account (file-name order): token health (`/auth/currentCredential`; an unknown or
///    expired key stops that account only), `/me` and the tenant lists.
/// 2. Each tenant (project, Hosted Private Cloud, VPS, service id) is assigned to the first
///    account listing it; bills and users are fetched once per NIC handle.
/// 3. Everything is fetched with at most `opts.concurrency` calls in flight in total (one
///    semaphore over every leaf call, `finops_core::http::bounded` at every fan-out), each
///    credential's rate limiter applying on top. Results keep a deterministic order.
///
/// Returns a boxed `Send` future (so it can run inside `tokio::spawn` and `CostSource`).
pub fn collect_all<'a>(
    accounts: &'a [OvhAccount],
    opts: &'a CollectOptions,
) -> futures::future::BoxFuture<'a, Collected> {
    Box::pin(collect_all_inner(accounts, opts))
}

async fn collect_all_inner(accounts: &[OvhAccount], opts: &CollectOptions) -> Collected {
    let run = Run {
        sem: tokio::sync::Semaphore::new(opts.concurrency.max(1)),
        opts,
    };
    let mut order: Vec<&OvhAccount> = accounts.iter().collect();
    order.sort_by(|a, b| a.name.cmp(&b.name));
    let listings = finops_core::http::bounded(0..order.len(), opts.concurrency, |k| {
        let run = &run;
        let a = order[k];
        async move { list_account(run, a).await }
    })
    .await;

    let mut collected = Collected::empty(opts.as_of);
    let mut tasks: Vec<Task<'_>> = Vec::new();
    let mut seen_projects = std::collections::BTreeSet::new();
    let mut seen_pccs = std::collections::BTreeSet::new();
    let mut seen_vps = std::collections::BTreeSet::new();
    let mut seen_services = std::collections::BTreeSet::new();
    let mut seen_nics = std::collections::BTreeSet::new();
    for (i, (a, l)) in order.iter().zip(listings.iter()).enumerate() {
        let mut data = AccountData::new(a.name.clone(), a.client.base_url().as_str());
        data.me = l.me.clone();
        data.token = l.token.clone();
        collected.accounts.push(data);
        collected.errors.extend(l.errors.iter().cloned());
        if l.dead {
            continue;
        }
        for p in &l.projects {
            if seen_projects.insert(p.as_str()) {
                tasks.push(Task::Project(i, p));
            }
        }
        for p in &l.pccs {
            if seen_pccs.insert(p.as_str()) {
                tasks.push(Task::Pcc(i, p));
            }
        }
        for v in &l.vps {
            if seen_vps.insert(v.as_str()) {
                tasks.push(Task::Vps(i, v));
            }
        }
        for s in &l.services {
            if seen_services.insert(*s) {
                tasks.push(Task::Service(i, *s));
            }
        }
        let nic = l.me.as_ref().map(|m| m.nichandle.clone());
        let first_for_nic = match &nic {
            Some(n) => seen_nics.insert(n.clone()),
            None => true,
        };
        if first_for_nic {
            if opts.with_bills {
                tasks.push(Task::Bills(i));
            }
            if opts.with_users {
                tasks.push(Task::Users(i));
            }
        }
    }
    let results = finops_core::http::bounded(0..tasks.len(), opts.concurrency, |k| {
        let run = &run;
        let order = &order;
        let t = &tasks[k];
        async move { run_task(run, order, t).await }
    })
    .await;
    for (fetched, errs) in results {
        collected.errors.extend(errs);
        match fetched {
            Fetched::Project(i, d) => collected.accounts[i].projects.push(d),
            Fetched::Pcc(i, d) => collected.accounts[i].dedicated_clouds.push(d),
            Fetched::Vps(i, d) => collected.accounts[i].vps.push(d),
            Fetched::Service(i, d) => collected.accounts[i].services.push(d),
            Fetched::Bills(i, b) => collected.accounts[i].bills = b,
            Fetched::Users(i, u, a) => {
                collected.accounts[i].users = u;
                collected.accounts[i].audit = a;
            }
            Fetched::Nothing => {}
        }
    }
    // serviceInfos of projects / PCCs onto their services.
    let mut infos: std::collections::BTreeMap<String, ServiceInfos> = Default::default();
    for a in &collected.accounts {
        for p in &a.projects {
            if let Some(i) = &p.service_infos {
                infos.insert(p.project_id.clone(), i.clone());
            }
        }
        for p in &a.dedicated_clouds {
            if let Some(i) = &p.service_infos {
                infos.insert(p.service_name.clone(), i.clone());
            }
        }
    }
    for a in &mut collected.accounts {
        for s in &mut a.services {
            if s.infos.is_none() && s.service.is_active_or_to_renew() && s.service.route.is_some() {
                s.infos = infos.get(&s.service.resource.name).cloned();
            }
        }
    }
    collected
}

/// OVH-11: admin and technical contacts (NIC handles from `serviceInfos`) that appear on
/// services but belong to no account whose credential is held (`/me` nichandle). Sorted,
/// unique.
pub fn missing_tokens(c: &Collected) -> Vec<String> {
    let held: std::collections::BTreeSet<&str> = c
        .accounts
        .iter()
        .filter_map(|a| a.me.as_ref().map(|m| m.nichandle.as_str()))
        .collect();
    let mut out = std::collections::BTreeSet::new();
    let mut add = |i: &ServiceInfos| {
        for n in [&i.contact_admin, &i.contact_tech] {
            if !n.is_empty() && !held.contains(n.as_str()) {
                out.insert(n.clone());
            }
        }
    };
    for a in &c.accounts {
        for p in &a.projects {
            if let Some(i) = &p.service_infos {
                add(i);
            }
        }
        for p in &a.dedicated_clouds {
            if let Some(i) = &p.service_infos {
                add(i);
            }
        }
        for s in &a.services {
            if let Some(i) = &s.infos {
                add(i);
            }
        }
    }
    out.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// FOCUS 1.2
// ---------------------------------------------------------------------------------------------

/// FOCUS ProviderName / InvoiceIssuerName / PublisherName.
pub const FOCUS_PROVIDER: &str = "OVHcloud";

/// The `x_` columns every OVH record carries, in this order.
pub const FOCUS_EXTENSIONS: [&str; 4] = [
    "x_AccountFile",
    "x_BillingMode",
    "x_CostUnadjusted",
    "x_TenantRatio",
];

fn focus_unit(unit: &str) -> String {
    match unit {
        "Hour" => "Hours".into(),
        "Minute" => "Minutes".into(),
        "Second" => "Seconds".into(),
        "GiBh" => "GiB-Hours".into(),
        "GiB" => "GiB".into(),
        "Unit" => "Units".into(),
        other => other.to_string(),
    }
}

fn managed_category(kind: &str) -> finops_core::focus::ServiceCategory {
    use finops_core::focus::ServiceCategory as C;
    let k = kind.to_ascii_lowercase();
    if k.starts_with("ai") || k.contains("machine-learning") {
        C::AiAndMachineLearning
    } else if k.contains("database") {
        C::Databases
    } else if k.contains("kube") || k.contains("compute") {
        C::Compute
    } else if k.contains("data-processing") || k.contains("analytics") || k.contains("logs") {
        C::Analytics
    } else if k.contains("registry") || k.contains("storage") {
        C::Storage
    } else if k.contains("network") || k.contains("gateway") || k.contains("loadbalancer") {
        C::Networking
    } else {
        C::Other
    }
}

fn managed_subcategory(kind: &str) -> &'static str {
    use finops_core::focus::ServiceCategory as C;
    match managed_category(kind) {
        C::AiAndMachineLearning => "Other (AI and Machine Learning)",
        C::Databases => "Other (Databases)",
        C::Compute => "Containers",
        C::Analytics => "Data Processing",
        C::Storage => "Other (Storage)",
        C::Networking => "Other (Networking)",
        _ => "Other (Other)",
    }
}

/// One OVH charge line before it becomes a record.
struct Line<'a> {
    service: String,
    category: finops_core::focus::ServiceCategory,
    subcategory: &'static str,
    meter: String,
    cost: Decimal,
    resource_id: Option<&'a str>,
    resource_type: Option<&'a str>,
    sku: Option<&'a str>,
    region: Option<&'a str>,
    quantity: Option<&'a Quantity>,
    description: String,
    mode: Option<BillingMode>,
}

struct Ctx<'a> {
    account: &'a AccountData,
    project: &'a ProjectData,
    currency: finops_core::Currency,
    period: finops_core::Period,
    ratio: Option<Decimal>,
    names: std::collections::HashMap<&'a str, &'a str>,
    invoice: String,
}

impl Ctx<'_> {
    fn record(&self, l: Line<'_>) -> finops_core::CostRecord {
        use finops_core::focus::ChargeCategory;
        let adjusted = match self.ratio {
            Some(r) => {
                let v = l.cost * r;
                if v.scale() > 18 { v.round_dp(18) } else { v }
            }
            None => l.cost,
        };
        let billing_account = self
            .account
            .me
            .as_ref()
            .map(|m| m.nichandle.clone())
            .unwrap_or_else(|| self.account.file.clone());
        let mut r = finops_core::CostRecord::new(
            FOCUS_PROVIDER,
            billing_account,
            self.currency,
            self.period,
            self.period,
            ChargeCategory::Usage,
            l.service,
            l.category,
            adjusted,
        );
        r.billing_account_name = Some(self.account.file.clone());
        r.billing_account_type = Some("Billing Account".into());
        r.sub_account_id = Some(self.project.project_id.clone());
        r.sub_account_name = self
            .project
            .project
            .as_ref()
            .and_then(|p| p.project_name.clone().or_else(|| p.description.clone()));
        r.sub_account_type = Some("Public Cloud Project".into());
        r.resource_id = l.resource_id.filter(|s| !s.is_empty()).map(str::to_string);
        r.resource_name = l
            .resource_id
            .and_then(|id| self.names.get(id))
            .map(|s| s.to_string());
        r.resource_type = r
            .resource_id
            .as_ref()
            .and(l.resource_type)
            .map(str::to_string);
        r.service_subcategory = Some(l.subcategory.to_string());
        r.sku_meter = Some(l.meter).filter(|m| !m.is_empty());
        r.pricing_currency = Some(self.currency.as_str().to_string());
        r.pricing_currency_effective_cost = Some(adjusted);
        r.invoice_id = Some(self.invoice.clone());
        r.sku_id = l.sku.filter(|s| !s.is_empty()).map(str::to_string);
        r.region_id = l.region.filter(|s| !s.is_empty()).map(str::to_string);
        r.region_name = r.region_id.clone();
        if let Some(q) = l.quantity {
            r.consumed_quantity = Some(q.value);
            r.consumed_unit = Some(focus_unit(&q.unit));
            r.pricing_quantity = Some(q.value);
            r.pricing_unit = Some(focus_unit(&q.unit));
        }
        if l.mode == Some(BillingMode::Monthly) {
            r.charge_frequency = Some(finops_core::focus::ChargeFrequency::Recurring);
        }
        r.charge_description = Some(l.description).filter(|s| !s.is_empty());
        r.extensions
            .set("x_AccountFile", Some(self.account.file.clone()));
        r.extensions
            .set("x_BillingMode", l.mode.map(|m| m.as_str().to_string()));
        r.extensions.set(
            "x_CostUnadjusted",
            Some(finops_core::money::format_decimal(l.cost)),
        );
        r.extensions.set(
            "x_TenantRatio",
            self.ratio.map(finops_core::money::format_decimal),
        );
        r
    }
}

fn usage_period(u: &Usage, as_of: DateTime<Utc>) -> Option<finops_core::Period> {
    let start = u.period.from.with_timezone(&Utc);
    let mut end = u.period.to.with_timezone(&Utc);
    if u.period.to.format("%M:%S").to_string() == "59:59" {
        end += chrono::Duration::seconds(1);
    }
    if end > as_of && start < as_of {
        end = end.min(as_of.max(start));
    }
    finops_core::Period::new(start, end).ok()
}

fn usage_lines<'a>(u: &'a Usage) -> Vec<Line<'a>> {
    use finops_core::focus::ServiceCategory as C;
    let mut out = Vec::new();
    if let Some(h) = &u.hourly_usage {
        for i in &h.instance {
            for d in &i.details {
                out.push(Line {
                    service: "Public Cloud Instances".into(),
                    category: C::Compute,
                    subcategory: "Virtual Machines",
                    meter: "Instance hours".into(),
                    cost: d.total_price,
                    resource_id: Some(&d.instance_id),
                    resource_type: Some("Instance"),
                    sku: Some(&i.reference),
                    region: Some(&i.region),
                    quantity: Some(&d.quantity),
                    description: format!("{} instance, hourly billing", i.reference),
                    mode: Some(BillingMode::Hourly),
                });
            }
        }
        for i in &h.instance_option {
            for d in &i.details {
                out.push(Line {
                    service: "Public Cloud Instance Options".into(),
                    category: C::Compute,
                    subcategory: "Virtual Machines",
                    meter: "Instance option".into(),
                    cost: d.total_price,
                    resource_id: Some(&d.instance_id),
                    resource_type: Some("Instance Option"),
                    sku: Some(&i.reference),
                    region: Some(&i.region),
                    quantity: Some(&d.quantity),
                    description: format!("{} option, hourly billing", i.reference),
                    mode: Some(BillingMode::Hourly),
                });
            }
        }
        for b in &h.instance_bandwidth {
            out.push(Line {
                service: "Public Cloud Bandwidth".into(),
                category: C::Networking,
                subcategory: "Network Connectivity",
                meter: "Instance traffic".into(),
                cost: b.total_price,
                resource_id: None,
                resource_type: Some("Bandwidth"),
                sku: Some("instance-bandwidth"),
                region: Some(&b.region),
                quantity: b.outgoing_bandwidth.as_ref().map(|q| &q.quantity),
                description: "Instance outgoing/incoming traffic".into(),
                mode: None,
            });
        }
        for s in &h.snapshot {
            out.push(Line {
                service: "Public Cloud Snapshots".into(),
                category: C::Storage,
                subcategory: "Backup Storage",
                meter: "Snapshot storage".into(),
                cost: s.total_price,
                resource_id: None,
                resource_type: Some("Snapshot"),
                sku: Some("snapshot"),
                region: Some(&s.region),
                quantity: s
                    .instance
                    .as_ref()
                    .or(s.volume.as_ref())
                    .map(|q| &q.quantity),
                description: "Instance and volume snapshots".into(),
                mode: None,
            });
        }
        for s in &h.storage {
            out.push(Line {
                service: "Public Cloud Object Storage".into(),
                category: C::Storage,
                subcategory: "Object Storage",
                meter: format!("{} storage", s.kind),
                cost: s.total_price,
                resource_id: s.bucket_name.as_deref(),
                resource_type: Some("Bucket"),
                sku: Some(&s.kind),
                region: Some(&s.region),
                quantity: s.stored.as_ref().map(|q| &q.quantity),
                description: format!("{} object storage", s.kind),
                mode: None,
            });
        }
        for v in &h.volume {
            if v.details.is_empty() {
                out.push(Line {
                    service: "Public Cloud Block Storage".into(),
                    category: C::Storage,
                    subcategory: "Block Storage",
                    meter: format!("{} volume storage", v.kind),
                    cost: v.total_price,
                    resource_id: None,
                    resource_type: Some("Volume"),
                    sku: Some(&v.kind),
                    region: Some(&v.region),
                    quantity: v.quantity.as_ref(),
                    description: format!("{} volumes", v.kind),
                    mode: None,
                });
            }
            for d in &v.details {
                out.push(Line {
                    service: "Public Cloud Block Storage".into(),
                    category: C::Storage,
                    subcategory: "Block Storage",
                    meter: format!("{} volume storage", v.kind),
                    cost: d.total_price,
                    resource_id: Some(&d.volume_id),
                    resource_type: Some("Volume"),
                    sku: Some(&v.kind),
                    region: Some(&v.region),
                    quantity: Some(&d.quantity),
                    description: format!("{} volume", v.kind),
                    mode: None,
                });
            }
        }
    }
    if let Some(m) = &u.monthly_usage {
        for (list, service, rtype) in [
            (&m.instance, "Public Cloud Instances", "Instance"),
            (
                &m.instance_option,
                "Public Cloud Instance Options",
                "Instance Option",
            ),
        ] {
            for i in list {
                for d in &i.details {
                    out.push(Line {
                        service: service.into(),
                        category: C::Compute,
                        subcategory: "Virtual Machines",
                        meter: format!("{} monthly", rtype),
                        cost: d.total_price,
                        resource_id: Some(&d.instance_id),
                        resource_type: Some(rtype),
                        sku: Some(&i.reference),
                        region: Some(&i.region),
                        quantity: None,
                        description: format!(
                            "{} {}, monthly billing",
                            i.reference,
                            rtype.to_ascii_lowercase()
                        ),
                        mode: Some(BillingMode::Monthly),
                    });
                }
            }
        }
        for c in m.certification.iter().flatten() {
            out.push(Line {
                service: "Public Cloud Certification".into(),
                category: C::Other,
                subcategory: "Other (Other)",
                meter: "Certification".into(),
                cost: c.total_price,
                resource_id: None,
                resource_type: Some("Certification"),
                sku: Some(&c.reference),
                region: None,
                quantity: None,
                description: format!("{} certification", c.reference),
                mode: Some(BillingMode::Monthly),
            });
        }
    }
    for r in u.resources_usage.iter().flatten() {
        for reg in &r.resources {
            for c in &reg.components {
                out.push(Line {
                    service: format!("Public Cloud {}", r.kind),
                    category: managed_category(&r.kind),
                    subcategory: managed_subcategory(&r.kind),
                    meter: c.name.clone(),
                    cost: c.total_price,
                    resource_id: None,
                    resource_type: Some("Managed Service"),
                    sku: Some(&c.name),
                    region: Some(&reg.region),
                    quantity: c.quantity.as_ref(),
                    description: format!("{} {}", r.kind, c.name),
                    mode: None,
                });
            }
        }
    }
    out
}

/// The collected costs as FOCUS 1.2 records (OVH-03..07, X-01): one record per instance /
/// option / volume / bucket / snapshot / bandwidth / managed-service component of every
/// usage period (history and current) of every Public Cloud project, plus one record per
/// `/me/bill` detail of a service that is not a collected Public Cloud project (Hosted
/// Private Cloud, VPS, …; `InvoiceId` = the bill, charge period = the detail's period).
///
/// `ratio(tenant_id)` gives the OVH-13 tenant ratio (VAT × market discount × support uplift):
/// when `Some`, every cost (Billed/Effective/List/Contracted) is the OVH price × ratio, exact
/// (rounded only beyond 18 decimals), and `x_TenantRatio` holds it; `x_CostUnadjusted` always
/// holds the OVH price. The current period ends at `as_of` when it is still running.
pub fn to_focus(
    collected: &Collected,
    ratio: &dyn Fn(&str) -> Option<Decimal>,
    as_of: DateTime<Utc>,
) -> Vec<finops_core::CostRecord> {
    let mut out = Vec::new();
    // (project, period start) -> bill id, from the bill details that name the project.
    let mut invoices: std::collections::BTreeMap<(&str, String), &str> = Default::default();
    for a in &collected.accounts {
        for b in &a.bills {
            for d in &b.details {
                if let Some(ps) = &d.period_start {
                    invoices
                        .entry((d.domain.as_str(), ps.clone()))
                        .or_insert(b.bill.bill_id.as_str());
                }
            }
        }
    }
    for a in &collected.accounts {
        let currency =
            finops_core::Currency::new(a.currency()).or_else(|_| finops_core::Currency::new("EUR"));
        let Ok(currency) = currency else { continue };
        for p in &a.projects {
            let names = p
                .instances
                .iter()
                .map(|i| (i.id.as_str(), i.name.as_str()))
                .collect();
            let mut ctx = Ctx {
                account: a,
                project: p,
                currency,
                period: finops_core::Period::day(chrono::NaiveDate::MIN),
                ratio: ratio(&p.project_id),
                names,
                invoice: String::new(),
            };
            for u in p.history.iter().chain(p.current.iter()) {
                let Some(period) = usage_period(u, as_of) else {
                    continue;
                };
                ctx.period = period;
                let start = u.period.from.date_naive().format("%Y-%m-%d").to_string();
                ctx.invoice = invoices
                    .get(&(p.project_id.as_str(), start.clone()))
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| format!("OVH-USAGE-{}-{}", &start[..7], p.project_id));
                for l in usage_lines(u) {
                    out.push(ctx.record(l));
                }
            }
        }
    }
    out.extend(bill_records(collected, ratio));
    out
}

/// Bill lines of services that have no usage API here (Hosted Private Cloud, VPS, other
/// subscriptions): one record per `/me/bill` detail whose `domain` is not a collected Public
/// Cloud project (those are covered, line by line, by the usage records).
fn bill_records(
    collected: &Collected,
    ratio: &dyn Fn(&str) -> Option<Decimal>,
) -> Vec<finops_core::CostRecord> {
    use finops_core::focus::{ChargeCategory, ChargeFrequency, ServiceCategory};
    let projects: std::collections::BTreeSet<&str> = collected
        .accounts
        .iter()
        .flat_map(|a| a.projects.iter().map(|p| p.project_id.as_str()))
        .collect();
    let products: std::collections::BTreeMap<&str, &ExpandedService> = collected
        .accounts
        .iter()
        .flat_map(|a| a.services.iter())
        .filter(|s| s.service.route.is_some())
        .map(|s| (s.service.resource.name.as_str(), &s.service))
        .collect();
    let mut out = Vec::new();
    for a in &collected.accounts {
        let billing_account =
            a.me.as_ref()
                .map(|m| m.nichandle.clone())
                .unwrap_or_else(|| a.file.clone());
        for b in &a.bills {
            for d in &b.details {
                if projects.contains(d.domain.as_str()) {
                    continue;
                }
                let Ok(currency) = finops_core::Currency::new(&d.total_price.currency_code) else {
                    continue;
                };
                let date = |s: &Option<String>| {
                    s.as_deref()
                        .and_then(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
                };
                let start = date(&d.period_start).unwrap_or_else(|| b.bill.date.date_naive());
                let end = date(&d.period_end)
                    .and_then(|e| e.succ_opt())
                    .filter(|e| *e > start)
                    .unwrap_or_else(|| start.succ_opt().unwrap_or(start));
                let utc = |n: chrono::NaiveDate| {
                    n.and_hms_opt(0, 0, 0)
                        .map(|t| chrono::TimeZone::from_utc_datetime(&Utc, &t))
                };
                let (Some(s0), Some(e0)) = (utc(start), utc(end)) else {
                    continue;
                };
                let Ok(period) = finops_core::Period::new(s0, e0) else {
                    continue;
                };
                let svc = products.get(d.domain.as_str());
                let product = svc
                    .and_then(|s| s.product_name())
                    .unwrap_or("service")
                    .to_string();
                let lower = product.to_ascii_lowercase();
                let (category, sub) = if lower.contains("vps")
                    || lower.contains("pcc")
                    || lower.contains("dedicated")
                {
                    (ServiceCategory::Compute, "Virtual Machines")
                } else {
                    (ServiceCategory::Other, "Other (Other)")
                };
                let r_ratio = ratio(&d.domain);
                let unadjusted = d.total_price.value;
                let cost = match r_ratio {
                    Some(r) => {
                        let v = unadjusted * r;
                        if v.scale() > 18 { v.round_dp(18) } else { v }
                    }
                    None => unadjusted,
                };
                let mut r = finops_core::CostRecord::new(
                    FOCUS_PROVIDER,
                    billing_account.clone(),
                    currency,
                    period,
                    period,
                    ChargeCategory::Usage,
                    format!("OVHcloud {product}"),
                    category,
                    cost,
                );
                r.charge_frequency = Some(ChargeFrequency::Recurring);
                r.billing_account_name = Some(a.file.clone());
                r.billing_account_type = Some("Billing Account".into());
                r.sub_account_id = Some(d.domain.clone()).filter(|x| !x.is_empty());
                r.sub_account_name = svc
                    .and_then(|s| s.resource.display_name.clone())
                    .or_else(|| r.sub_account_id.clone());
                r.sub_account_type = Some("Service".into());
                r.resource_id = r.sub_account_id.clone();
                r.resource_name = r.sub_account_name.clone();
                r.resource_type = r.resource_id.as_ref().map(|_| "Service".to_string());
                r.service_subcategory = Some(sub.to_string());
                r.sku_id = svc
                    .and_then(|s| s.billing.plan.as_ref())
                    .map(|p| p.code.clone())
                    .or_else(|| Some(product.clone()));
                r.sku_meter = Some("Subscription".into());
                r.consumed_quantity = Some(d.quantity);
                r.consumed_unit = Some("Units".into());
                r.pricing_quantity = Some(d.quantity);
                r.pricing_unit = Some("Units".into());
                r.pricing_currency = Some(d.total_price.currency_code.clone());
                r.pricing_currency_effective_cost = Some(cost);
                r.invoice_id = Some(b.bill.bill_id.clone());
                r.charge_description = Some(d.description.clone()).filter(|x| !x.is_empty());
                r.extensions.set("x_AccountFile", Some(a.file.clone()));
                r.extensions.set("x_BillingMode", None);
                r.extensions.set(
                    "x_CostUnadjusted",
                    Some(finops_core::money::format_decimal(unadjusted)),
                );
                r.extensions.set(
                    "x_TenantRatio",
                    r_ratio.map(finops_core::money::format_decimal),
                );
                out.push(r);
            }
        }
    }
    out
}

/// OVHcloud as a [`finops_core::CostSource`]: either live (collects through the accounts at
/// each query) or over an already collected [`Collected`].
#[derive(Debug, Clone)]
pub struct OvhCostSource {
    inner: SourceInner,
    ratios: std::sync::Arc<std::collections::BTreeMap<String, Decimal>>,
}

#[derive(Debug, Clone)]
enum SourceInner {
    Live {
        accounts: Vec<OvhAccount>,
        opts: CollectOptions,
    },
    Collected(std::sync::Arc<Collected>),
}

impl OvhCostSource {
    /// A live source over `accounts`.
    pub fn new(accounts: Vec<OvhAccount>, opts: CollectOptions) -> Self {
        OvhCostSource {
            inner: SourceInner::Live { accounts, opts },
            ratios: Default::default(),
        }
    }

    /// A source over collected data.
    pub fn from_collected(collected: Collected) -> Self {
        OvhCostSource {
            inner: SourceInner::Collected(std::sync::Arc::new(collected)),
            ratios: Default::default(),
        }
    }

    /// Tenant ratios (tenant id → ratio, OVH-13).
    pub fn with_ratios(mut self, ratios: std::collections::BTreeMap<String, Decimal>) -> Self {
        self.ratios = std::sync::Arc::new(ratios);
        self
    }
}

impl fmt::Display for OvhCostSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            SourceInner::Live { accounts, .. } => write!(f, "Ovh({} accounts)", accounts.len()),
            SourceInner::Collected(c) => write!(f, "Ovh(collected, {} accounts)", c.accounts.len()),
        }
    }
}

#[async_trait::async_trait]
impl finops_core::CostSource for OvhCostSource {
    async fn costs(
        &self,
        query: &finops_core::CostQuery,
    ) -> finops_core::Result<
        futures::stream::BoxStream<'static, finops_core::Result<finops_core::CostRecord>>,
    > {
        use futures::StreamExt;
        let (collected, as_of) = match &self.inner {
            SourceInner::Live { accounts, opts } => (
                std::sync::Arc::new(collect_all(accounts, opts).await),
                opts.as_of,
            ),
            SourceInner::Collected(c) => (c.clone(), c.as_of),
        };
        let ratios = self.ratios.clone();
        let records: Vec<_> = to_focus(&collected, &|t| ratios.get(t).copied(), as_of)
            .into_iter()
            .filter(|r| query.matches(r))
            .map(Ok)
            .collect();
        let mut items = records;
        if !collected.errors.is_empty() {
            let msg = collected
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            tracing::warn!(
                errors = collected.errors.len(),
                "OVH collection had failures"
            );
            items.push(Err(finops_core::Error::Generic {
                provider: crate::PROVIDER,
                message: format!("{} call(s) failed: {msg}", collected.errors.len()),
                retryable: false,
            }));
        }
        Ok(futures::stream::iter(items).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(from: &str, to: &str) -> UsagePeriod {
        UsagePeriod {
            from: DateTime::parse_from_rfc3339(from).unwrap(),
            to: DateTime::parse_from_rfc3339(to).unwrap(),
        }
    }

    #[test]
    fn period_hours_counts_the_last_second() {
        let p = period("2024-02-01T00:00:00+01:00", "2024-02-29T23:59:59+01:00");
        assert_eq!(period_hours(&p), Decimal::from(29 * 24));
    }

    #[test]
    fn verdict() {
        let ph = Decimal::from(720);
        assert!(is_mode_pertinent(
            BillingMode::Monthly,
            Decimal::from(360),
            ph
        ));
        assert!(!is_mode_pertinent(
            BillingMode::Monthly,
            Decimal::from(359),
            ph
        ));
        assert!(is_mode_pertinent(
            BillingMode::Hourly,
            Decimal::from(359),
            ph
        ));
        assert!(!is_mode_pertinent(
            BillingMode::Hourly,
            Decimal::from(360),
            ph
        ));
    }
}
