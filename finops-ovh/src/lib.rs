#![doc = include_str!("../README.md")]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::future_not_send
)]
#![deny(rustdoc::broken_intra_doc_links)]

// The adapter's rooms (the same in every finops-rs adapter).
pub mod builder;
pub mod client;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;
pub mod mapping;
pub mod model;

// OVH's own rooms: accounts and the collection run, the charge-line layer and the billing
// periods, then the local side (CMDB, state store, Power BI CSV set, cost drivers, the
// weekly run).
pub mod account;
pub mod accounts;
pub mod charges;
pub mod cmdb;
pub mod collect;
pub mod drivers;
pub mod period;
pub mod report;
pub mod store;
pub mod weekly;

pub use account::{AccountError, OvhAccount};
pub use accounts::{AccountOptions, LoadedAccounts, load_dir};
pub use builder::{OvhBuilder, OvhConfigKey};
pub use charges::{BillingMode, ChargeKind, ChargeLine, charge_lines};
pub use client::OvhClient;
pub use cmdb::Cmdb;
pub use collect::{CollectOptions, Collected, collect_all, collect_dedicated_cloud_vms};
pub use credential::{OvhCredential, TokenHealth, TokenWarning};
pub use mapping::{FOCUS_PROVIDER, to_focus};
pub use store::Store;
pub use weekly::{WeeklyOptions, WeeklySummary, write_weekly};

use async_trait::async_trait;
use finops_core::clock::SharedClock;
use finops_core::source::{CostQuery, CostSource, UsageQuery, UsageSample, UsageSource};
use finops_core::{CostRecord, Result};
use futures::stream::{self, BoxStream, StreamExt};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "ovh";

/// OVHcloud as a [`CostSource`] (FOCUS 1.2 records of every account) and a [`UsageSource`]
/// (Hosted Private Cloud VM CPU / RAM readings). Cheap to clone.
///
/// Live, over accounts ([`Ovh::new`], [`Ovh::from_dir`]): every query collects through the
/// accounts ([`collect_all`]) with its as-of taken from the clock at that query (the
/// accounts' clock unless [`Ovh::with_clock`] sets one), so a long-lived source never serves
/// a frozen month. Or over data already collected ([`Ovh::from_collected`], as-of of that
/// collection).
///
/// Failures are stream items: each failed call (and each credential file that could not be
/// read, and each usage body or bill line that could not be mapped) is its own typed
/// [`finops_core::Error`] (`Unauthenticated`, `RateLimited`, `RetriesExhausted`, …) whose
/// call names the credential file (`SAS_Sante: GET /me`), after every record that could be
/// built: one failing account never hides the others.
#[derive(Debug, Clone)]
pub struct Ovh {
    inner: Inner,
    ratios: Arc<BTreeMap<String, Decimal>>,
    options: CollectOptions,
    clock: SharedClock,
}

#[derive(Debug, Clone)]
enum Inner {
    Live {
        accounts: Arc<[OvhAccount]>,
        load_errors: Arc<[AccountError]>,
    },
    Collected(Arc<Collected>),
}

impl std::fmt::Display for Ovh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Live { accounts, .. } => write!(f, "Ovh({} accounts)", accounts.len()),
            Inner::Collected(c) => write!(f, "Ovh(collected, {} accounts)", c.accounts.len()),
        }
    }
}

impl Ovh {
    /// A live source over `accounts` (clients built by [`OvhBuilder`], or [`OvhAccount`]s).
    pub fn new<A: Into<OvhAccount>>(accounts: impl IntoIterator<Item = A>) -> Self {
        let accounts: Arc<[OvhAccount]> = accounts.into_iter().map(Into::into).collect();
        let clock = accounts
            .first()
            .map(|a| a.client.http().clock().clone())
            .unwrap_or_else(finops_core::clock::system);
        Ovh {
            inner: Inner::Live {
                accounts,
                load_errors: Arc::new([]),
            },
            ratios: Arc::default(),
            options: CollectOptions::new(clock.now()),
            clock,
        }
    }

    /// A live source over the credential files of `dir` ([`load_dir`]); a file that cannot
    /// be used is an error item of every query. Fails only when the directory cannot be read
    /// or holds no file.
    pub fn from_dir(dir: impl AsRef<Path>, opts: &AccountOptions) -> Result<Self> {
        let loaded = load_dir(dir.as_ref(), opts)?;
        let mut ovh = Ovh::new(loaded.accounts);
        if let Some(clock) = &opts.client.clock {
            ovh.clock = clock.clone();
        }
        if let Inner::Live { load_errors, .. } = &mut ovh.inner {
            *load_errors = loaded.errors.into();
        }
        Ok(ovh)
    }

    /// A source over data already collected (its as-of, its failed calls).
    pub fn from_collected(collected: Collected) -> Self {
        let as_of = collected.as_of;
        Ovh {
            inner: Inner::Collected(Arc::new(collected)),
            ratios: Arc::default(),
            options: CollectOptions::new(as_of),
            clock: Arc::new(finops_core::clock::FixedClock::new(as_of)),
        }
    }

    /// Tenant ratios (tenant id → ratio, OVH-13), e.g. [`Cmdb::ratios`].
    pub fn with_ratios(mut self, ratios: BTreeMap<String, Decimal>) -> Self {
        self.ratios = Arc::new(ratios);
        self
    }

    /// Collection options (concurrency, history and bill start, token warning window, bills
    /// and users); their `as_of` is replaced by the clock at each query.
    pub fn with_collect_options(mut self, options: CollectOptions) -> Self {
        self.options = options;
        self
    }

    /// The clock each query takes its as-of from (live sources).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The accounts of a live source (empty over collected data).
    pub fn accounts(&self) -> &[OvhAccount] {
        match &self.inner {
            Inner::Live { accounts, .. } => accounts,
            Inner::Collected(_) => &[],
        }
    }

    /// The collection options of one query: as-of = the clock now.
    fn query_options(&self) -> CollectOptions {
        let mut opts = self.options.clone();
        opts.as_of = self.clock.now();
        opts
    }

    /// Collect now (live: as-of = the clock now; collected: the data itself), the credential
    /// files that could not be read among the errors.
    pub async fn collect(&self) -> Arc<Collected> {
        match &self.inner {
            Inner::Live {
                accounts,
                load_errors,
            } => {
                let mut c = collect_all(accounts, &self.query_options()).await;
                c.errors.extend(load_errors.iter().cloned());
                Arc::new(c)
            }
            Inner::Collected(c) => c.clone(),
        }
    }
}

#[async_trait]
impl CostSource for Ovh {
    async fn costs(&self, query: &CostQuery) -> Result<BoxStream<'static, Result<CostRecord>>> {
        let collected = self.collect().await;
        let ratios = self.ratios.clone();
        let mut items: Vec<Result<CostRecord>> = Vec::new();
        let mut failed = Vec::new();
        for item in mapping::focus_items(&collected, &|t| ratios.get(t).copied(), collected.as_of) {
            match item {
                Ok(records) => {
                    items.extend(records.into_iter().filter(|r| query.matches(r)).map(Ok))
                }
                Err(e) => failed.push(Err(e)),
            }
        }
        if !collected.errors.is_empty() {
            tracing::warn!(
                errors = collected.errors.len(),
                "OVH collection had failures"
            );
        }
        items.extend(failed);
        items.extend(collected.errors.iter().map(|e| Err(e.to_error())));
        Ok(stream::iter(items).boxed())
    }
}

#[async_trait]
impl UsageSource for Ovh {
    /// Hosted Private Cloud VM readings (OVH-12) at the query's as-of: per VM, `cpu` (MHz,
    /// capacity `cpuMax`) and `memory` (MB, capacity `memoryMax`) of resource
    /// `<service>/<vmId>`, as the [`Store`] keeps them. Live sources read only the VMs
    /// ([`collect_dedicated_cloud_vms`]); the kept hourly history is the [`Store`]'s.
    async fn usage(&self, query: &UsageQuery) -> Result<BoxStream<'static, Result<UsageSample>>> {
        let (readings, at, errors) = match &self.inner {
            Inner::Live {
                accounts,
                load_errors,
            } => {
                let opts = self.query_options();
                let (vms, mut errors) = collect_dedicated_cloud_vms(accounts, &opts).await;
                errors.extend(load_errors.iter().cloned());
                (weekly::dedicated_cloud_readings(&vms), opts.as_of, errors)
            }
            Inner::Collected(c) => (weekly::vm_readings(c), c.as_of, c.errors.clone()),
        };
        let mut items: Vec<Result<UsageSample>> = readings
            .iter()
            .flat_map(|r| store::usage_samples(r, at))
            .filter(|s| query.matches(s))
            .map(Ok)
            .collect();
        items.extend(errors.iter().map(|e| Err(e.to_error())));
        Ok(stream::iter(items).boxed())
    }
}
