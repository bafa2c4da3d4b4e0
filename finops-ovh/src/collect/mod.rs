//! Collect everything the weekly report needs from every OVH account (OVH-01..15), with
//! tenant dedup across accounts, bounded concurrency and per-account failure isolation.
//!
//! The interface between the API side and the local side (`weekly.rs`, `mapping.rs`):
//! [`Collected`] holds one [`AccountData`] per credential file (= application / information
//! system) plus the [`AccountError`]s of calls that failed; every tenant (Public Cloud project,
//! Hosted Private Cloud, VPS, service) appears under exactly one account. The run itself
//! ([`collect_all`], [`collect_dedicated_cloud_vms`]) is in `run.rs`.

mod run;

pub use run::{collect_all, collect_dedicated_cloud_vms};

use crate::account::AccountError;
use crate::credential::TokenHealth;
use crate::model::*;
use chrono::{DateTime, Utc};

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
