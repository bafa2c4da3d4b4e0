//! The weekly run: [`Collected`] (API side) + [`Cmdb`] + [`Store`] → the Power BI CSV set and
//! a [`WeeklySummary`] (unmapped tenants, failing accounts, expiring
//! tokens).
//!
//! [`build_rows`] is pure (no I/O, no clock): it maps the collected data to the typed rows of
//! [`crate::report`], applying the CMDB ratio (OVH-13) to every price. [`write_weekly`] adds
//! the state store (Hosted Private Cloud daily usage, user audit history), writes every file
//! atomically and returns the summary. [`sample_usage`] is the hourly sampling call (OVH-12).
//!
//! Choices where the original is silent:
//! - managed services, snapshots and storage are reported for every usage-history period and
//!   for the current period (skipped when a history period starts at the same time), one row
//!   per period + tenant + (service) + region, prices summed; storage = object storage
//!   (`storage[]`) + block storage (`volume[]`);
//! - the tenant file (OVH-09) has one row per resource name of the active / to-renew services;
//!   `<name>-certification-hds` and `<name>/option/snc` services become the HDS / SNC flags
//!   of `<name>` and are not rows themselves; product types of one id are joined with ` / `
//!   in text order; contacts come from `serviceInfos`, else from the service's customer
//!   contacts;
//! - a missing token (OVH-11) is an administrator or technical contact of a kept service that
//!   is neither the `/me` NIC handle nor the customer code of any credential file;
//! - the user file's "Compte OVH" is the account's NIC handle (the credential file name when
//!   `/me` failed); users seen through two credential files of one account are listed once;
//!   a login of type `ACCOUNT` is the root account's (its NIC handle).

use crate::account::AccountError;
use crate::charges::{ChargeKind, ChargeLine, charge_lines, checked_sum};
use crate::cmdb::Cmdb;
use crate::collect::Collected;
use crate::credential::TokenWarning;
use crate::drivers::{
    DriverCounts, DriverInputs, DriverOptions, InstanceRef, NetworkRef, count_drivers,
};
use crate::model::{AuditLog, ExpandedService, Usage};
use crate::period::period_hours;
use crate::report::*;
use crate::store::{AccountUser, AuditOptions, LoginEvent, Store, VmReading};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use finops_core::Result;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Options of the weekly run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WeeklyOptions {
    /// The run's reference time (refresh file, activity windows). Never the wall clock.
    pub as_of: DateTime<Utc>,
    /// CSV encoding (cp1252 by default).
    pub encoding: CsvEncoding,
    /// Time zone of local days and date-times (Europe/Paris by default).
    pub tz: Tz,
    /// Activity / MFA grace thresholds (30 days each by default).
    pub audit: AuditOptions,
    /// Cost-driver options.
    pub drivers: DriverOptions,
}

impl WeeklyOptions {
    /// Defaults for a run at `as_of`.
    pub fn new(as_of: DateTime<Utc>) -> Self {
        WeeklyOptions {
            as_of,
            encoding: CsvEncoding::Cp1252,
            tz: chrono_tz::Europe::Paris,
            audit: AuditOptions::default(),
            drivers: DriverOptions::default(),
        }
    }

    /// Set the CSV encoding.
    pub fn with_encoding(mut self, e: CsvEncoding) -> Self {
        self.encoding = e;
        self
    }

    /// Set the audit thresholds.
    pub fn with_audit(mut self, a: AuditOptions) -> Self {
        self.audit = a;
        self
    }
}

/// All rows of the CSV set that come straight from the collected data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// OVH-03.
    pub billing: Vec<BillingRow>,
    /// OVH-04.
    pub history: Vec<BillingHistoryRow>,
    /// OVH-05.
    pub managed: Vec<ManagedRow>,
    /// OVH-06.
    pub snapshot: Vec<SnapshotRow>,
    /// OVH-07.
    pub storage: Vec<StorageRow>,
    /// OVH-08.
    pub instances: Vec<InstanceRow>,
    /// OVH-09.
    pub tenants: Vec<TenantRow>,
    /// OVH-10.
    pub services: Vec<ServiceRow>,
    /// OVH-11.
    pub missing_tokens: Vec<MissingTokenRow>,
    /// OVH-02.
    pub tokens: Vec<TokenRow>,
    /// OVH-14.
    pub drivers: Vec<DriverCounts>,
    /// Tenants with prices or inventory that the CMDB has no ratio for (priced unadjusted).
    pub unmapped_tenants: Vec<String>,
}

/// What the weekly run did.
#[derive(Debug, Clone, Default)]
pub struct WeeklySummary {
    /// Files written, in order.
    pub files: Vec<PathBuf>,
    /// Tenants without a CMDB ratio (priced unadjusted).
    pub unmapped_tenants: Vec<String>,
    /// Failed accounts / calls (the others went on).
    pub errors: Vec<AccountError>,
    /// Credential files whose token expires soon, expired or is invalid.
    pub token_warnings: Vec<(String, TokenWarning)>,
    /// Characters written as `?` in cp1252 files.
    pub encoding_warnings: Vec<String>,
    /// Cost-driver counts per system.
    pub drivers: Vec<DriverCounts>,
}

impl WeeklySummary {
    /// Human-readable lines (for logs and the e-mail of a later issue).
    pub fn lines(&self) -> Vec<String> {
        let mut v = vec![format!("{} files written", self.files.len())];
        if !self.unmapped_tenants.is_empty() {
            v.push(format!(
                "tenants missing from the CMDB (priced unadjusted): {}",
                self.unmapped_tenants.join(", ")
            ));
        }
        for (f, w) in &self.token_warnings {
            v.push(format!("token {f}: {w}"));
        }
        for e in &self.errors {
            v.push(format!("failed: {e}"));
        }
        v.extend(self.encoding_warnings.iter().cloned());
        v
    }
}

fn period_date(t: &crate::model::OvhDateTime) -> NaiveDate {
    t.date_naive()
}

/// The usage periods of a project worth reporting: history, then current unless a history
/// period starts at the same time.
fn periods(p: &crate::collect::ProjectData) -> Vec<&crate::model::Usage> {
    let mut v: Vec<&crate::model::Usage> = p.history.iter().collect();
    if let Some(c) = &p.current
        && !p.history.iter().any(|h| h.period.from == c.period.from)
    {
        v.push(c);
    }
    v
}

fn join_sorted(set: &BTreeSet<String>, sep: &str) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(sep)
}

/// Suffix of an HDS certification service.
const HDS_SUFFIX: &str = "-certification-hds";
/// Suffix of a SecNumCloud option service.
const SNC_SUFFIX: &str = "/option/snc";

fn contact(s: &ExpandedService, kind: &str) -> Option<String> {
    s.customer
        .contacts
        .iter()
        .find(|c| c.kind == kind)
        .map(|c| c.customer_code.clone())
}

/// A per-key sum of charge-line costs, checked: an overflow names the call and the field.
fn add_to<K: Ord>(
    m: &mut BTreeMap<K, Decimal>,
    key: K,
    l: &ChargeLine<'_>,
    call: &str,
) -> Result<()> {
    let e = m.entry(key).or_default();
    *e = checked_sum(*e, l.cost, call, &l.field)?;
    Ok(())
}

/// The instance lines of a usage body (the billing and history files).
fn instance_lines<'a>(
    tenant: &str,
    u: &'a Usage,
    ratio: Option<Decimal>,
) -> Result<Vec<ChargeLine<'a>>> {
    Ok(charge_lines(tenant, u, ratio)?
        .into_iter()
        .filter(|l| l.kind == ChargeKind::Instance)
        .collect())
}

/// Map the collected data to rows (pure). Every price comes from the charge lines of
/// [`crate::charges::charge_lines`] with the tenant's CMDB ratio (the lines the FOCUS records
/// are built from, so the two never drift apart); fails only when an amount does not fit a
/// decimal, naming the API call and the field.
pub fn build_rows(collected: &Collected, cmdb: &Cmdb, opts: &DriverOptions) -> Result<Rows> {
    let ratios = cmdb.ratios();
    let mut rows = Rows::default();
    let mut tenants_seen: BTreeSet<String> = BTreeSet::new();
    let mut managed: BTreeMap<(NaiveDate, String, String, String), Decimal> = BTreeMap::new();
    let mut snapshot: BTreeMap<(NaiveDate, String, String), Decimal> = BTreeMap::new();
    let mut storage: BTreeMap<(NaiveDate, String, String), Decimal> = BTreeMap::new();
    let mut inputs = DriverInputs::default();

    for acc in &collected.accounts {
        for p in &acc.projects {
            let t = p.project_id.clone();
            tenants_seen.insert(t.clone());
            let r = ratios.get(&t).copied();
            if let Some(cur) = &p.current {
                for l in instance_lines(&t, cur, r)? {
                    rows.billing.push(BillingRow {
                        tenant: t.clone(),
                        instance_id: l.resource_id.unwrap_or_default().to_string(),
                        flavor: l.reference.to_string(),
                        hours: l.hours,
                        price: l.cost,
                        mode: l.mode.unwrap_or(BillingMode::Hourly),
                    });
                }
            }
            for h in &p.history {
                let ph = period_hours(&h.period);
                for l in instance_lines(&t, h, r)? {
                    let mode = l.mode.unwrap_or(BillingMode::Hourly);
                    rows.history.push(BillingHistoryRow {
                        period: period_date(&h.period.to),
                        tenant: t.clone(),
                        instance_id: l.resource_id.unwrap_or_default().to_string(),
                        hours: l.hours,
                        cost: l.cost,
                        mode,
                        relevant: l.hours.and_then(|hours| mode_relevant(mode, hours, ph)),
                    });
                }
            }
            for u in periods(p) {
                let day = period_date(&u.period.to);
                let call = crate::charges::usage_call(&t, u);
                for l in charge_lines(&t, u, r)? {
                    let region = l.region.unwrap_or_default().to_string();
                    match l.kind {
                        ChargeKind::Managed => {
                            let service = l.service.unwrap_or_default().to_string();
                            add_to(&mut managed, (day, t.clone(), service, region), &l, &call)?
                        }
                        ChargeKind::Snapshot => {
                            add_to(&mut snapshot, (day, t.clone(), region), &l, &call)?
                        }
                        ChargeKind::ObjectStorage | ChargeKind::Volume => {
                            add_to(&mut storage, (day, t.clone(), region), &l, &call)?
                        }
                        _ => {}
                    }
                }
            }
            for i in &p.instances {
                let ips = |version: u8| {
                    let set: BTreeSet<String> = i
                        .ip_addresses
                        .iter()
                        .filter(|a| a.version == version)
                        .map(|a| a.ip.clone())
                        .collect();
                    join_sorted(&set, ";")
                };
                rows.instances.push(InstanceRow {
                    tenant: t.clone(),
                    instance_id: i.id.clone(),
                    name: i.name.clone(),
                    image: i
                        .image
                        .as_ref()
                        .map(|im| im.name.clone())
                        .unwrap_or_default(),
                    kind: i.flavor.name.clone(),
                    ipv4: ips(4),
                    ipv6: ips(6),
                    ram: i.flavor.ram.to_string(),
                    disk: i.flavor.disk.to_string(),
                    cpu: i.flavor.vcpus.to_string(),
                    bandwidth: i
                        .flavor
                        .inbound_bandwidth
                        .map(|b| b.to_string())
                        .unwrap_or_default(),
                    region: i.region.clone(),
                    status: i.status.clone(),
                });
                inputs.instances.push(InstanceRef {
                    tenant: t.clone(),
                    name: i.name.clone(),
                    region: i.region.clone(),
                });
            }
            for g in &p.gateways {
                rows.services.push(ServiceRow {
                    tenant: t.clone(),
                    service_id: g.id.clone(),
                    name: g.name.clone(),
                    status: g.status.clone(),
                    region: g.region.clone(),
                });
                inputs.gateways.push(NetworkRef {
                    tenant: t.clone(),
                    name: g.name.clone(),
                });
            }
            for lb in &p.load_balancers {
                rows.services.push(ServiceRow {
                    tenant: t.clone(),
                    service_id: lb.id.clone(),
                    name: lb.name.clone(),
                    status: lb.operating_status.clone(),
                    region: lb.region.clone(),
                });
                inputs.load_balancers.push(NetworkRef {
                    tenant: t.clone(),
                    name: lb.name.clone(),
                });
            }
        }
        for dc in &acc.dedicated_clouds {
            tenants_seen.insert(dc.service_name.clone());
            for d in &dc.datacenters {
                for vm in &d.vms {
                    rows.instances.push(InstanceRow {
                        tenant: dc.service_name.clone(),
                        instance_id: vm.vm_id.to_string(),
                        name: vm.name.clone().unwrap_or_default(),
                        image: vm.mounted_iso().unwrap_or_default().to_string(),
                        kind: "NA".into(),
                        ipv4: vm.host_name.clone().unwrap_or_default(),
                        ipv6: String::new(),
                        ram: dec_opt(vm.memory_max),
                        disk: "NA".into(),
                        cpu: vm.cpu_num.map(|n| n.to_string()).unwrap_or_default(),
                        bandwidth: "NA".into(),
                        region: "unknown".into(),
                        status: vm.power_state.clone(),
                    });
                }
            }
        }
        for v in &acc.vps {
            tenants_seen.insert(v.name.clone());
            inputs.vps.push(v.name.clone());
            let d = v.vps.as_ref();
            let model = d.and_then(|d| d.model.as_ref());
            let num = |x: Option<i64>| x.map(|n| n.to_string()).unwrap_or_default();
            rows.instances.push(InstanceRow {
                tenant: v.name.clone(),
                instance_id: v.name.clone(),
                name: d.and_then(|d| d.display_name.clone()).unwrap_or_default(),
                image: String::new(),
                kind: model.map(|m| m.name.clone()).unwrap_or_default(),
                ipv4: String::new(),
                ipv6: String::new(),
                ram: num(model
                    .and_then(|m| m.memory)
                    .or(d.and_then(|d| d.memory_limit))),
                disk: num(model.and_then(|m| m.disk)),
                cpu: num(model.and_then(|m| m.vcore).or(d.and_then(|d| d.vcore))),
                bandwidth: String::new(),
                region: d.and_then(|d| d.zone.clone()).unwrap_or_default(),
                status: d.map(|d| d.state.clone()).unwrap_or_default(),
            });
        }
    }

    rows.managed = managed
        .into_iter()
        .map(|((period, tenant, service, region), price)| ManagedRow {
            period,
            tenant,
            service,
            region,
            price,
        })
        .collect();
    let rp = |m: BTreeMap<(NaiveDate, String, String), Decimal>| {
        m.into_iter()
            .map(|((period, tenant, region), price)| RegionPriceRow {
                period,
                tenant,
                region,
                price,
            })
            .collect::<Vec<_>>()
    };
    rows.snapshot = rp(snapshot).into_iter().map(SnapshotRow).collect();
    rows.storage = rp(storage).into_iter().map(StorageRow).collect();

    // OVH-09 / OVH-11: services.
    let kept: Vec<&crate::collect::ServiceData> = collected
        .accounts
        .iter()
        .flat_map(|a| a.services.iter())
        .filter(|s| s.service.is_active_or_to_renew())
        .collect();
    let names: BTreeSet<&str> = kept
        .iter()
        .map(|s| s.service.resource.name.as_str())
        .collect();
    #[derive(Default)]
    struct T {
        display: String,
        kinds: BTreeSet<String>,
        admin: String,
        tech: String,
        billing: String,
    }
    let mut tenants: BTreeMap<String, T> = BTreeMap::new();
    let handles: BTreeSet<String> = collected
        .accounts
        .iter()
        .filter_map(|a| a.me.as_ref())
        .flat_map(|m| std::iter::once(&m.nichandle).chain(m.customer_code.iter()))
        .map(|h| h.to_lowercase())
        .collect();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    for s in &kept {
        let name = s.service.resource.name.clone();
        let (admin, tech, billing) = match &s.infos {
            Some(i) => (
                i.contact_admin.clone(),
                i.contact_tech.clone(),
                i.contact_billing.clone(),
            ),
            None => (
                contact(&s.service, "administrator").unwrap_or_default(),
                contact(&s.service, "technical").unwrap_or_default(),
                contact(&s.service, "billing").unwrap_or_default(),
            ),
        };
        for c in [&admin, &tech] {
            if !c.is_empty() && !handles.contains(&c.to_lowercase()) {
                missing.insert(c.clone());
            }
        }
        if name.ends_with(HDS_SUFFIX) || name.ends_with(SNC_SUFFIX) {
            continue;
        }
        let e = tenants.entry(name.clone()).or_default();
        if e.display.is_empty() {
            e.display = s
                .service
                .resource
                .display_name
                .clone()
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| name.clone());
        }
        if let Some(p) = s.service.product_name() {
            e.kinds.insert(p.to_string());
        }
        for (slot, v) in [
            (&mut e.admin, admin),
            (&mut e.tech, tech),
            (&mut e.billing, billing),
        ] {
            if slot.is_empty() {
                *slot = v;
            }
        }
    }
    rows.tenants = tenants
        .into_iter()
        .map(|(id, t)| {
            let snc = names.contains(format!("{id}{SNC_SUFFIX}").as_str());
            let hds = snc || names.contains(format!("{id}{HDS_SUFFIX}").as_str());
            TenantRow {
                name: t.display,
                id,
                kind: join_sorted(&t.kinds, " / "),
                hds,
                snc,
                admin: t.admin,
                tech: t.tech,
                billing: t.billing,
            }
        })
        .collect();
    rows.missing_tokens = missing
        .into_iter()
        .map(|contact| MissingTokenRow { contact })
        .collect();

    // OVH-02.
    let mut files: BTreeSet<String> = BTreeSet::new();
    for a in &collected.accounts {
        files.insert(a.file.clone());
        rows.tokens.push(TokenRow {
            file: a.file.clone(),
            start: a.token.creation.map(|t| t.with_timezone(&Utc)),
            end: a.token.expiration.map(|t| t.with_timezone(&Utc)),
        });
    }
    for e in &collected.errors {
        if files.insert(e.file.clone()) {
            rows.tokens.push(TokenRow {
                file: e.file.clone(),
                start: None,
                end: None,
            });
        }
    }

    rows.drivers = count_drivers(cmdb, &inputs, opts);
    rows.unmapped_tenants = cmdb.unmapped_tenants(tenants_seen.iter().map(String::as_str));
    Ok(rows)
}

fn reading(service: &str, datacenter: i64, vm: &crate::model::DedicatedCloudVm) -> VmReading {
    VmReading {
        service: service.to_string(),
        datacenter: datacenter.to_string(),
        vm_id: vm.vm_id.to_string(),
        vm_name: vm.name.clone().unwrap_or_else(|| vm.vm_id.to_string()),
        cpu_used: vm.cpu_used,
        cpu_max: vm.cpu_max,
        memory_used: vm.memory_used,
        memory_max: vm.memory_max,
    }
}

/// Every Hosted Private Cloud VM reading of `collected` (OVH-12).
pub fn vm_readings(collected: &Collected) -> Vec<VmReading> {
    let mut v = Vec::new();
    for a in &collected.accounts {
        for dc in &a.dedicated_clouds {
            for d in &dc.datacenters {
                for vm in &d.vms {
                    v.push(reading(&dc.service_name, d.datacenter_id, vm));
                }
            }
        }
    }
    v
}

/// The readings of [`crate::collect::collect_dedicated_cloud_vms`] (the light hourly call:
/// `(account file, service, datacenter, VM)`).
pub fn dedicated_cloud_readings(
    vms: &[(String, String, i64, crate::model::DedicatedCloudVm)],
) -> Vec<VmReading> {
    vms.iter()
        .map(|(_, service, dc, vm)| reading(service, *dc, vm))
        .collect()
}

/// Write only `data_PBI_info_usage.csv` from the store (after an hourly sampling run).
pub fn write_usage_file(store: &Store, out: &Path, opts: &WeeklyOptions) -> Result<PathBuf> {
    let usage = store.daily_usage(opts.as_of)?;
    let mut w = ReportWriter::new(out, opts.encoding).with_format(CellFormat { tz: opts.tz });
    w.write(&usage.into_iter().map(UsageRow).collect::<Vec<_>>())
}

/// The hourly sampling call (OVH-12): store one sample per VM for the hour of `now`.
/// Returns how many new samples were stored (0 when this hour was already sampled).
pub fn sample_usage(collected: &Collected, store: &Store, now: DateTime<Utc>) -> Result<usize> {
    store.record_samples(&vm_readings(collected), now)
}

/// The account label of the user audit: the NIC handle, or the file name.
fn account_label(a: &crate::collect::AccountData) -> String {
    a.me.as_ref()
        .map(|m| m.nichandle.clone())
        .unwrap_or_else(|| a.file.clone())
}

fn login_events(account: &str, root: Option<&str>, audit: &[AuditLog]) -> Vec<LoginEvent> {
    audit
        .iter()
        .filter(|l| l.kind == "LOGIN_SUCCESS")
        .filter_map(|l| {
            let details = l.auth_details.as_ref().map(|d| &d.user_details);
            let user = match details {
                Some(d) if d.kind == "USER" => d.user.clone()?,
                _ => root?.to_string(),
            };
            Some(LoginEvent {
                account: account.to_string(),
                user,
                at: l.created_at.with_timezone(&Utc),
                mfa: l
                    .login_success_details
                    .as_ref()
                    .and_then(|m| m.mfa_type.clone())
                    .unwrap_or_else(|| "UNKNOWN".into()),
            })
        })
        .collect()
}

/// Record this run's users and logins in the store and return the users seen (OVH-15).
pub fn record_users(collected: &Collected, store: &Store) -> Result<Vec<AccountUser>> {
    let mut users: BTreeMap<(String, String), AccountUser> = BTreeMap::new();
    let mut events = Vec::new();
    for a in &collected.accounts {
        let account = account_label(a);
        if let Some(me) = &a.me {
            users
                .entry((account.clone(), me.nichandle.clone()))
                .or_insert(AccountUser {
                    account: account.clone(),
                    user: me.nichandle.clone(),
                    email: me.email.clone(),
                    created: None,
                });
        }
        for u in &a.users {
            users
                .entry((account.clone(), u.login.clone()))
                .or_insert(AccountUser {
                    account: account.clone(),
                    user: u.login.clone(),
                    email: u.email.clone(),
                    created: Some(u.creation.with_timezone(&Utc)),
                });
        }
        events.extend(login_events(
            &account,
            a.me.as_ref().map(|m| m.nichandle.as_str()),
            &a.audit,
        ));
    }
    let users: Vec<AccountUser> = users.into_values().collect();
    store.record_users(&users, collected.as_of)?;
    store.record_logins(&events)?;
    Ok(users)
}

/// The run's FOCUS 1.2 records: [`crate::mapping::to_focus`] with the CMDB
/// ratios (OVH-13: the ratio in every cost and in `x_TenantRatio`, the OVH price in
/// `x_CostUnadjusted`; tenants missing from the CMDB unadjusted). The caller writes them
/// (`finops_core::focus::parquet::write_parquet_file`, feature `parquet` of finops-core).
pub fn focus_records(
    collected: &Collected,
    cmdb: &Cmdb,
    as_of: DateTime<Utc>,
) -> Result<Vec<finops_core::CostRecord>> {
    let ratios = cmdb.ratios();
    crate::mapping::to_focus(collected, &|t: &str| ratios.get(t).copied(), as_of)
}

/// Write the whole CSV set into `out` (the FOCUS Parquet file is written by the caller).
pub fn write_weekly(
    collected: &Collected,
    cmdb: &Cmdb,
    store: &Store,
    out: &Path,
    opts: &WeeklyOptions,
) -> Result<WeeklySummary> {
    let rows = build_rows(collected, cmdb, &opts.drivers)?;
    let users = record_users(collected, store)?;
    let audit = store.user_audit(&users, opts.as_of, opts.audit)?;
    let usage = store.daily_usage(opts.as_of)?;

    let mut w = ReportWriter::new(out, opts.encoding).with_format(CellFormat { tz: opts.tz });
    w.write(&rows.billing)?;
    w.write(&rows.history)?;
    w.write(&rows.managed)?;
    w.write(&rows.snapshot)?;
    w.write(&rows.storage)?;
    w.write(&rows.instances)?;
    w.write(&rows.tenants)?;
    w.write(&rows.services)?;
    w.write(&rows.missing_tokens)?;
    w.write(&usage.into_iter().map(UsageRow).collect::<Vec<_>>())?;
    w.write(&audit.into_iter().map(UserRow).collect::<Vec<_>>())?;
    let accounts: BTreeSet<String> = users.iter().map(|u| u.account.clone()).collect();
    for account in &accounts {
        let hist = store.account_history(account, opts.as_of, opts.audit)?;
        let fmt = *w.format();
        let header: Vec<String> = USER_HISTORY_HEADER.iter().map(|s| s.to_string()).collect();
        let cells = hist
            .into_iter()
            .map(|u| UserHistoryRow(u).cells(&fmt))
            .collect();
        w.write_table(&user_history_file(account), &header, cells, true)?;
    }
    w.write(&rows.tokens)?;
    for d in &rows.drivers {
        let header: Vec<String> = d.columns.iter().map(|(c, _)| c.clone()).collect();
        let counts: Vec<String> = d.columns.iter().map(|(_, n)| n.to_string()).collect();
        w.write_table(&d.file_name(), &header, vec![counts], false)?;
    }
    w.write(&[RefreshRow { at: opts.as_of }])?;

    let files = w.files().to_vec();
    let token_warnings = collected
        .accounts
        .iter()
        .filter_map(|a| a.token.warning.clone().map(|w| (a.file.clone(), w)))
        .collect();
    Ok(WeeklySummary {
        files,
        unmapped_tenants: rows.unmapped_tenants,
        errors: collected.errors.clone(),
        token_warnings,
        encoding_warnings: w.warnings().to_vec(),
        drivers: rows.drivers,
    })
}
