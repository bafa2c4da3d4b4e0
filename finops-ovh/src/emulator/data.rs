//! The emulator's deterministic data set (documented in `EMULATOR_DATA.md`).

use super::OvhEmulatorConfig;
use crate::model::*;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One emulated account.
#[derive(Debug, Clone)]
pub(crate) struct EmuAccount {
    pub(crate) file: String,
    pub(crate) application_key: String,
    pub(crate) application_secret: String,
    /// `None`: the consumer key is unknown to the API (revoked).
    pub(crate) consumer_key: String,
    pub(crate) known: bool,
    pub(crate) me: Me,
    pub(crate) credential: ApiCredential,
    pub(crate) projects: Vec<String>,
    pub(crate) pccs: Vec<String>,
    pub(crate) vps: Vec<String>,
    pub(crate) services: Vec<i64>,
    pub(crate) users: Vec<IdentityUser>,
    pub(crate) audit: Vec<AuditLog>,
    pub(crate) bills: Vec<(Bill, Vec<BillDetail>)>,
}

impl EmuAccount {
    pub(crate) fn oauth_client_id(&self) -> String {
        format!("oauth-{}", self.file.to_ascii_lowercase())
    }

    pub(crate) fn oauth_client_secret(&self) -> String {
        format!("oauth-secret-{}", self.file.to_ascii_lowercase())
    }
}

/// One emulated Public Cloud project.
#[derive(Debug, Clone)]
pub(crate) struct EmuProject {
    pub(crate) project: Project,
    pub(crate) infos: ServiceInfos,
    pub(crate) instances: Vec<InstanceDetail>,
    pub(crate) current: Usage,
    pub(crate) history: Vec<Usage>,
    pub(crate) regions: Vec<String>,
    pub(crate) gateways: Vec<Gateway>,
    pub(crate) load_balancers: Vec<LoadBalancer>,
}

/// A Hosted Private Cloud.
#[derive(Debug, Clone)]
pub(crate) struct EmuPcc {
    pub(crate) info: DedicatedCloud,
    pub(crate) infos: ServiceInfos,
    /// datacenter id → VMs (metrics filled at request time).
    pub(crate) datacenters: BTreeMap<i64, Vec<DedicatedCloudVm>>,
}

/// The whole data set.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub(crate) accounts: Vec<EmuAccount>,
    pub(crate) projects: BTreeMap<String, EmuProject>,
    pub(crate) pccs: BTreeMap<String, EmuPcc>,
    pub(crate) vps: BTreeMap<String, (Vps, ServiceInfos)>,
    pub(crate) services: BTreeMap<i64, ExpandedService>,
}

#[derive(Clone, Copy)]
enum Mode {
    /// Hourly; `None` = up the whole period.
    Hourly(Option<i64>),
    /// Monthly; `None` = whole period, `Some(d)` = activated `d` days before the period end.
    Monthly(Option<i64>),
}

struct InstSpec {
    name: &'static str,
    flavor: &'static str,
    region: &'static str,
    mode: Mode,
}

fn dec(s: &str) -> Decimal {
    // Constants written in this file: always valid.
    s.parse().unwrap_or_default()
}

fn hourly_rate(flavor: &str) -> Decimal {
    match flavor {
        "b2-7" => dec("0.0681"),
        "b2-15" => dec("0.1322"),
        "b2-30" => dec("0.2644"),
        _ => dec("0.0199"),
    }
}

fn monthly_price(flavor: &str) -> Decimal {
    match flavor {
        "b2-7" => dec("26.40"),
        "b2-15" => dec("48.40"),
        "b2-30" => dec("96.80"),
        _ => dec("9.90"),
    }
}

fn flavor(flavor: &str, region: &str) -> Flavor {
    let (ram, disk, vcpus, bw) = match flavor {
        "b2-7" => (7000, 50, 2, 250),
        "b2-15" => (15000, 100, 4, 250),
        "b2-30" => (30000, 200, 8, 500),
        _ => (4000, 50, 2, 100),
    };
    Flavor {
        id: format!("flavor-{flavor}-{}", region.to_ascii_lowercase()),
        name: flavor.to_string(),
        ram,
        disk,
        vcpus,
        inbound_bandwidth: Some(bw),
        outbound_bandwidth: Some(bw),
        os_type: Some("linux".into()),
        kind: Some("ovh.ssd.eg".into()),
        region: region.to_string(),
        plan_codes: Some(FlavorPlanCodes {
            hourly: Some(format!("{flavor}.consumption")),
            monthly: Some(format!("{flavor}.monthly")),
        }),
    }
}

fn paris(d: NaiveDate, h: u32, m: u32, s: u32) -> OvhDateTime {
    let naive = d.and_hms_opt(h, m, s).unwrap_or_default();
    match Paris.from_local_datetime(&naive).earliest() {
        Some(t) => t.fixed_offset(),
        None => Utc.from_utc_datetime(&naive).fixed_offset(),
    }
}

fn first_of_month(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default()
}

fn add_months(d: NaiveDate, delta: i32) -> NaiveDate {
    let total = d.year() * 12 + d.month0() as i32 + delta;
    first_of_month(total.div_euclid(12), total.rem_euclid(12) as u32 + 1)
}

/// `(from, to, end_exclusive)` of the history periods, oldest first, and the current period.
fn periods(
    cfg: &OvhEmulatorConfig,
) -> (Vec<(OvhDateTime, OvhDateTime)>, (OvhDateTime, OvhDateTime)) {
    let local = cfg.as_of.with_timezone(&Paris).date_naive();
    let this_month = first_of_month(local.year(), local.month());
    let mut hist = Vec::new();
    for i in (1..=cfg.history_periods as i32).rev() {
        let start = add_months(this_month, -i);
        let next = add_months(this_month, -i + 1);
        let last = next.pred_opt().unwrap_or(next);
        hist.push((paris(start, 0, 0, 0), paris(last, 23, 59, 59)));
    }
    let current = (paris(this_month, 0, 0, 0), cfg.as_of.fixed_offset());
    (hist, current)
}

/// Whole hours from `from` to `to` (a `…:59:59` end includes that second: the one rule of
/// [`crate::period::usage_end`]).
fn hours_between(from: OvhDateTime, to: OvhDateTime) -> i64 {
    let end = crate::period::usage_end(&UsagePeriod { from, to });
    (end - from.with_timezone(&Utc)).num_seconds().max(0) / 3600
}

fn instance_id(p: usize, i: usize) -> String {
    format!("{p:08}-0000-4000-8000-{i:012}")
}

fn project_id(p: usize) -> String {
    match p {
        1 => "a1000000000000000000000000000001".into(),
        2 => "a1000000000000000000000000000002".into(),
        3 => "b2000000000000000000000000000003".into(),
        4 => "d4000000000000000000000000000004".into(),
        5 => "c3000000000000000000000000000005".into(),
        n => format!("e5{n:030}"),
    }
}

fn specs(p: usize) -> (&'static str, Vec<InstSpec>) {
    use Mode::*;
    let s = |name, flavor, region, mode| InstSpec {
        name,
        flavor,
        region,
        mode,
    };
    match p {
        1 => (
            "psc-prod",
            vec![
                s("psc-prod-web-01", "b2-7", "GRA11", Hourly(None)),
                s("psc-prod-db-01", "b2-15", "GRA11", Monthly(None)),
                s("psc-prod-batch-01", "d2-4", "SBG5", Hourly(Some(100))),
            ],
        ),
        2 => (
            "psc-recette",
            vec![
                s("psc-rec-web-01", "b2-7", "GRA11", Hourly(Some(200))),
                s("psc-rec-db-01", "b2-15", "SBG5", Monthly(Some(3))),
            ],
        ),
        3 => (
            "sas-prod",
            vec![
                s("sas-prod-app-01", "b2-30", "GRA11", Monthly(None)),
                s("sas-prod-app-02", "b2-30", "GRA11", Hourly(None)),
            ],
        ),
        4 => (
            "sivic-prod",
            vec![
                s("sivic-front-01", "b2-7", "GRA11", Hourly(Some(300))),
                s("sivic-back-01", "b2-15", "GRA11", Monthly(None)),
            ],
        ),
        5 => (
            "shared-tools",
            vec![s("tools-gitlab-01", "b2-7", "SBG5", Hourly(None))],
        ),
        _ => (
            "bench",
            vec![
                s("bench-web-01", "b2-7", "GRA11", Hourly(Some(400))),
                s("bench-db-01", "b2-15", "GRA11", Monthly(None)),
            ],
        ),
    }
}

fn qty(unit: &str, v: Decimal) -> Quantity {
    Quantity {
        unit: unit.into(),
        value: v,
    }
}

fn usage_for(
    p: usize,
    name: &str,
    specs: &[InstSpec],
    from: OvhDateTime,
    to: OvhDateTime,
    id: Option<String>,
) -> Usage {
    let period_h = hours_between(from, to);
    let end_excl = crate::period::usage_end(&UsagePeriod { from, to }).with_timezone(to.offset());
    let mut hourly: BTreeMap<(String, String), HourlyInstance> = BTreeMap::new();
    let mut monthly: BTreeMap<(String, String), MonthlyInstance> = BTreeMap::new();
    for (i, s) in specs.iter().enumerate() {
        let iid = instance_id(p, i + 1);
        match s.mode {
            Mode::Hourly(h) => {
                let hours = Decimal::from(h.map(|h| h.min(period_h)).unwrap_or(period_h));
                let price = (hours * hourly_rate(s.flavor)).round_dp(2);
                let e = hourly
                    .entry((s.flavor.into(), s.region.into()))
                    .or_insert_with(|| HourlyInstance {
                        reference: s.flavor.into(),
                        region: s.region.into(),
                        total_price: Decimal::ZERO,
                        quantity: Some(qty("Hour", Decimal::ZERO)),
                        details: vec![],
                    });
                e.total_price += price;
                if let Some(q) = e.quantity.as_mut() {
                    q.value += hours;
                }
                e.details.push(HourlyInstanceDetail {
                    instance_id: iid,
                    quantity: qty("Hour", hours),
                    total_price: price,
                });
            }
            Mode::Monthly(days) => {
                let (activation, price) = match days {
                    None => (from - Duration::days(200), monthly_price(s.flavor)),
                    Some(d) => {
                        let act = (end_excl - Duration::days(d)).max(from);
                        let frac = Decimal::from(hours_between(act, end_excl))
                            / Decimal::from(period_h.max(1));
                        (act, (monthly_price(s.flavor) * frac).round_dp(2))
                    }
                };
                let e = monthly
                    .entry((s.flavor.into(), s.region.into()))
                    .or_insert_with(|| MonthlyInstance {
                        reference: s.flavor.into(),
                        region: s.region.into(),
                        total_price: Decimal::ZERO,
                        details: vec![],
                    });
                e.total_price += price;
                e.details.push(MonthlyInstanceDetail {
                    instance_id: iid,
                    activation: Some(activation),
                    total_price: price,
                });
            }
        }
    }
    let pd = Decimal::from(p as i64);
    let snapshot_price = dec("1.25") + pd * dec("0.10");
    let mut resources = Vec::new();
    if name == "psc-prod" || name == "sivic-prod" {
        resources.push(ResourcesUsage {
            kind: "databases".into(),
            total_price: dec("45.60"),
            resources: vec![RegionalizedResource {
                region: "GRA".into(),
                components: vec![Component {
                    name: "db1-7".into(),
                    quantity: Some(qty("Hour", Decimal::from(period_h))),
                    total_price: dec("45.60"),
                }],
            }],
        });
    }
    Usage {
        id,
        last_update: to,
        period: UsagePeriod { from, to },
        hourly_usage: Some(HourlyUsage {
            instance: hourly.into_values().collect(),
            instance_option: vec![],
            instance_bandwidth: vec![],
            snapshot: vec![HourlySnapshot {
                region: "GRA11".into(),
                total_price: snapshot_price,
                instance: Some(PricedQuantity {
                    quantity: qty("GiBh", dec("3600")),
                    total_price: snapshot_price,
                }),
                volume: None,
            }],
            storage: vec![HourlyStorage {
                bucket_name: Some(format!("backups-{name}")),
                region: "GRA".into(),
                kind: "storage-standard".into(),
                stored: Some(PricedQuantity {
                    quantity: qty("GiBh", dec("72000")),
                    total_price: dec("3.40"),
                }),
                incoming_bandwidth: None,
                outgoing_bandwidth: None,
                total_price: dec("3.40"),
            }],
            volume: vec![HourlyVolume {
                region: "GRA11".into(),
                kind: "classic".into(),
                total_price: dec("2.00"),
                quantity: Some(qty("GiBh", dec("36000"))),
                details: vec![HourlyVolumeDetail {
                    volume_id: format!("{p:08}-0000-4000-9000-000000000001"),
                    quantity: qty("GiBh", dec("36000")),
                    total_price: dec("2.00"),
                }],
            }],
        }),
        monthly_usage: Some(MonthlyUsage {
            instance: monthly.into_values().collect(),
            instance_option: vec![],
            certification: None,
        }),
        resources_usage: Some(resources),
    }
}

fn infos(service_id: i64, domain: &str, admin: &str, tech: &str) -> ServiceInfos {
    ServiceInfos {
        service_id,
        domain: domain.into(),
        status: "ok".into(),
        contact_admin: admin.into(),
        contact_tech: tech.into(),
        contact_billing: admin.into(),
        creation: Some("2024-01-10".into()),
        expiration: Some("2026-12-01".into()),
        renewal_type: Some("automaticV2016".into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn service(
    id: i64,
    name: &str,
    display: &str,
    product: &str,
    route: Option<(&str, &str)>,
    state: &str,
    customer_code: &str,
    as_of: DateTime<Utc>,
) -> ExpandedService {
    ExpandedService {
        service_id: id,
        parent_service_id: None,
        resource: ServiceResource {
            name: name.into(),
            display_name: Some(display.into()),
            state: if state == "terminated" {
                "deleted".into()
            } else {
                "active".into()
            },
            product: Some(ServiceProduct {
                name: product.into(),
                description: Some(product.into()),
            }),
        },
        route: route.map(|(path, url)| ServiceRoute {
            path: Some(path.into()),
            url: Some(url.into()),
            vars: vec![KeyValue {
                key: "serviceName".into(),
                value: name.into(),
            }],
        }),
        billing: ServiceBilling {
            plan: Some(ServicePlan {
                code: format!("{product}.plan"),
                invoice_name: None,
            }),
            lifecycle: Some(Lifecycle {
                current: LifecycleCurrent {
                    state: state.into(),
                    creation_date: Some((as_of - Duration::days(500)).fixed_offset()),
                    termination_date: None,
                },
            }),
            next_billing_date: Some((as_of + Duration::days(9)).fixed_offset()),
            expiration_date: Some((as_of + Duration::days(9)).fixed_offset()),
        },
        customer: ServiceCustomer {
            contacts: ["administrator", "billing", "technical"]
                .iter()
                .map(|k| ServiceContact {
                    customer_code: customer_code.into(),
                    kind: (*k).into(),
                })
                .collect(),
        },
    }
}

fn user(login: &str, nic: &str, created: DateTime<Utc>) -> IdentityUser {
    IdentityUser {
        login: login.into(),
        email: format!("{login}@example.org"),
        group: Some("DEFAULT".into()),
        description: Some(format!("{login} user")),
        status: "OK".into(),
        urn: Some(format!("urn:v1:eu:identity:user:{nic}/{login}")),
        creation: created.fixed_offset(),
        last_update: Some(created.fixed_offset()),
        password_last_update: Some(created.fixed_offset()),
    }
}

fn login(at: DateTime<Utc>, user: Option<&str>, mfa: &str) -> AuditLog {
    AuditLog {
        created_at: at.fixed_offset(),
        ip: Some("192.0.2.10".into()),
        kind: "LOGIN_SUCCESS".into(),
        auth_details: Some(AuditAuthDetails {
            user_details: AuditUserDetails {
                kind: if user.is_some() { "USER" } else { "ACCOUNT" }.into(),
                user: user.map(str::to_string),
            },
        }),
        login_success_details: Some(LoginSuccessDetails {
            mfa_type: Some(mfa.into()),
            user_agent: Some("Mozilla/5.0".into()),
        }),
    }
}

fn price(v: Decimal) -> Price {
    Price {
        currency_code: "EUR".into(),
        text: Some(format!("{v:.2} €")),
        value: v,
    }
}

/// Build the data set for `cfg`.
pub(crate) fn build(cfg: &OvhEmulatorConfig) -> Dataset {
    let as_of = cfg.as_of;
    let (hist, current) = periods(cfg);
    let nics = ["ps11111-ovh", "sa22222-ovh", "si33333-ovh"];
    let codes = ["1111-2222-33", "4444-5555-66", "7777-8888-99"];
    // Which accounts see which project index (first = owner for contacts).
    let mut seen: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    seen.insert(1, vec![0]);
    seen.insert(2, vec![0]);
    seen.insert(3, vec![1, 2]);
    seen.insert(4, vec![2]);
    seen.insert(5, vec![0, 1]);
    for p in 6..=cfg.projects.max(5) {
        seen.insert(p, vec![0]);
    }
    let project_count = cfg.projects.max(5);

    let mut projects = BTreeMap::new();
    let mut services = BTreeMap::new();
    for p in 1..=project_count {
        let (base_name, sp) = specs(p);
        let name = if p > 5 {
            format!("bench-{p:03}")
        } else {
            base_name.to_string()
        };
        let pid = project_id(p);
        let owner = seen.get(&p).and_then(|v| v.first().copied()).unwrap_or(0);
        let tech = if p == 2 || p == 4 {
            "ext99999-ovh"
        } else {
            nics[owner]
        };
        let sid = 1000 + p as i64;
        let instances = sp
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let monthly = match s.mode {
                    Mode::Monthly(d) => Some(MonthlyBilling {
                        since: d
                            .map(|d| current.1 - Duration::days(d))
                            .unwrap_or(current.0 - Duration::days(200)),
                        status: "ok".into(),
                    }),
                    Mode::Hourly(_) => None,
                };
                InstanceDetail {
                    id: instance_id(p, i + 1),
                    name: if p > 5 {
                        format!("{name}-{}", s.name.trim_start_matches("bench-"))
                    } else {
                        s.name.to_string()
                    },
                    region: s.region.into(),
                    status: "ACTIVE".into(),
                    created: (as_of - Duration::days(500)).fixed_offset(),
                    plan_code: Some(if monthly.is_some() {
                        format!("{}.monthly", s.flavor)
                    } else {
                        format!("{}.consumption", s.flavor)
                    }),
                    ip_addresses: vec![
                        IpAddress {
                            ip: format!("51.68.{}.{}", p % 250, i + 10),
                            version: 4,
                            kind: "public".into(),
                            network_id: None,
                        },
                        IpAddress {
                            ip: format!("2001:41d0:{p}::{}", i + 10),
                            version: 6,
                            kind: "public".into(),
                            network_id: None,
                        },
                    ],
                    monthly_billing: monthly,
                    flavor: flavor(s.flavor, s.region),
                    image: Some(Image {
                        id: format!("image-debian12-{}", s.region.to_ascii_lowercase()),
                        name: if i % 2 == 0 {
                            "Debian 12"
                        } else {
                            "Ubuntu 24.04"
                        }
                        .into(),
                        kind: Some("linux".into()),
                        region: Some(s.region.into()),
                    }),
                }
            })
            .collect();
        let history = hist
            .iter()
            .map(|(f, t)| {
                let id = format!(
                    "5b7f1e2a-0000-4000-8000-{:06}{p:06}",
                    f.year() * 100 + f.month() as i32
                );
                usage_for(p, &name, &sp, *f, *t, Some(id))
            })
            .collect();
        let cur = usage_for(p, &name, &sp, current.0, current.1, None);
        let mut gateways = Vec::new();
        let mut lbs = Vec::new();
        if p == 1 || p == 4 {
            gateways.push(Gateway {
                id: format!("gw-{p:04}"),
                name: format!("GW-01-55-{name}"),
                region: "GRA11".into(),
                status: "active".into(),
                model: Some("s".into()),
            });
        }
        if p == 1 || p == 3 {
            lbs.push(LoadBalancer {
                id: format!("lb-{p:04}"),
                name: format!("LB-01-55-{name}"),
                region: "GRA11".into(),
                operating_status: "online".into(),
                provisioning_status: "active".into(),
                flavor_id: Some("small".into()),
                vip_address: Some(format!("10.0.{p}.5")),
            });
        }
        services.insert(
            sid,
            service(
                sid,
                &pid,
                &name,
                "publiccloud-project",
                Some((
                    "/cloud/project/{serviceName}",
                    &format!("/cloud/project/{pid}"),
                )),
                "active",
                codes[owner],
                as_of,
            ),
        );
        projects.insert(
            pid.clone(),
            EmuProject {
                project: Project {
                    project_id: pid.clone(),
                    project_name: Some(name.clone()),
                    description: Some(name.clone()),
                    status: "ok".into(),
                    creation_date: Some((as_of - Duration::days(600)).fixed_offset()),
                    plan_code: Some("project.2018".into()),
                },
                infos: infos(sid, &pid, nics[owner], tech),
                instances,
                current: cur,
                history,
                regions: vec!["GRA11".into(), "SBG5".into()],
                gateways,
                load_balancers: lbs,
            },
        );
    }

    // Hosted Private Cloud.
    let pcc_name = "pcc-192-0-2-10";
    let vm = |id: i64, name: &str, host: &str, iso: Option<&str>| DedicatedCloudVm {
        vm_id: id,
        name: Some(name.into()),
        host_name: Some(host.into()),
        power_state: "poweredOn".into(),
        cpu_num: Some(4),
        cpu_used: None,
        cpu_max: Some(dec("9200.0")),
        memory_used: None,
        memory_max: Some(dec("16384")),
        cdroms: Some(
            iso.map(|i| {
                vec![Cdrom {
                    connected: Some(true),
                    iso: Some(i.into()),
                }]
            })
            .unwrap_or_default(),
        ),
    };
    let mut dcs = BTreeMap::new();
    dcs.insert(
        1,
        vec![
            vm(101, "psc-app-db-01", "172.16.0.11", None),
            vm(
                102,
                "psc-app-web-01",
                "172.16.0.11",
                Some("[datastore1] iso/debian-12.iso"),
            ),
            vm(103, "sivic-app-01", "172.16.0.12", None),
        ],
    );
    let mut pccs = BTreeMap::new();
    pccs.insert(
        pcc_name.to_string(),
        EmuPcc {
            info: DedicatedCloud {
                service_name: pcc_name.into(),
                description: Some("Hosted Private Cloud prod".into()),
                location: Some("rbx2".into()),
                state: Some("delivered".into()),
                product_reference: Some("EPCC".into()),
            },
            infos: infos(2001, pcc_name, nics[0], nics[0]),
            datacenters: dcs,
        },
    );
    services.insert(
        2001,
        service(
            2001,
            pcc_name,
            "pcc prod",
            "pcc",
            Some((
                "/dedicatedCloud/{serviceName}",
                &format!("/dedicatedCloud/{pcc_name}"),
            )),
            "active",
            codes[0],
            as_of,
        ),
    );
    services.insert(
        2002,
        service(
            2002,
            pcc_name,
            "pcc prod backup",
            "veeam-backup",
            None,
            "toRenew",
            codes[0],
            as_of,
        ),
    );
    // VPS.
    let mut vps = BTreeMap::new();
    for (i, (vname, model, zone, owner)) in [
        (
            "vps-1a2b3c4d.vps.ovh.net",
            "vps-value-1-2-40",
            "Region OpenStack: os-gra7",
            1usize,
        ),
        (
            "vps-5e6f7a8b.vps.ovh.net",
            "vps-essential-2-4-80",
            "Region OpenStack: os-sbg5",
            2usize,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let sid = 3001 + i as i64;
        vps.insert(
            vname.to_string(),
            (
                Vps {
                    name: vname.into(),
                    display_name: Some(format!("{} vps", ["sas", "sivic"][i])),
                    zone: Some(zone.into()),
                    state: "running".into(),
                    vcore: Some(1 + i as i64),
                    memory_limit: Some(2048 * (1 + i as i64)),
                    offer_type: Some("ssd".into()),
                    model: Some(VpsModel {
                        name: model.into(),
                        offer: Some("VPS value".into()),
                        version: Some("2019v1".into()),
                        memory: Some(2048 * (1 + i as i64)),
                        disk: Some(40 * (1 + i as i64)),
                        vcore: Some(1 + i as i64),
                    }),
                },
                infos(sid, vname, nics[owner], nics[owner]),
            ),
        );
        services.insert(
            sid,
            service(
                sid,
                vname,
                &format!("{} vps", ["sas", "sivic"][i]),
                "vps",
                Some(("/vps/{serviceName}", &format!("/vps/{vname}"))),
                "active",
                codes[owner],
                as_of,
            ),
        );
    }
    let p1 = project_id(1);
    services.insert(
        4001,
        service(
            4001,
            &format!("{p1}-certification-hds"),
            "HDS certification",
            "publiccloud-certification-hds",
            None,
            "active",
            codes[0],
            as_of,
        ),
    );
    services.insert(
        4002,
        service(
            4002,
            &format!("{pcc_name}/option/snc"),
            "SecNumCloud option",
            "pcc-option-snc",
            None,
            "active",
            codes[0],
            as_of,
        ),
    );
    services.insert(
        5001,
        service(
            5001,
            "d4000000000000000000000000000099",
            "old project",
            "publiccloud-project",
            None,
            "terminated",
            codes[2],
            as_of,
        ),
    );

    // Accounts.
    let files = ["ProSanteConnect", "SAS_Sante", "SIVIC_SICAP"];
    let shorts = ["psc", "sas", "sivic"];
    let expirations = [
        Some(as_of + Duration::days(90)),
        Some(as_of + Duration::days(2)),
        None,
    ];
    let mut accounts = Vec::new();
    for a in 0..3 {
        let nic = nics[a];
        let projects_seen: Vec<String> = seen
            .iter()
            .filter(|(_, v)| v.contains(&a))
            .map(|(p, _)| project_id(*p))
            .collect();
        let pccs_seen: Vec<String> = if a == 0 || a == 2 {
            vec![pcc_name.into()]
        } else {
            vec![]
        };
        let vps_seen: Vec<String> = vps
            .iter()
            .filter(|(_, (_, inf))| inf.contact_admin == nic)
            .map(|(k, _)| k.clone())
            .collect();
        let mut svc: Vec<i64> = services
            .values()
            .filter(|s| {
                let n = s.resource.name.as_str();
                projects_seen.iter().any(|p| n.starts_with(p.as_str()))
                    || pccs_seen.iter().any(|p| n.starts_with(p.as_str()))
                    || vps_seen.iter().any(|v| n == v)
                    || (a == 2 && s.service_id == 5001)
            })
            .map(|s| s.service_id)
            .collect();
        svc.sort_unstable();
        let (users, audit) = match a {
            0 => (
                vec![
                    user("psc-admin", nic, as_of - Duration::days(400)),
                    user("psc-reader", nic, as_of - Duration::days(300)),
                ],
                vec![
                    login(as_of - Duration::days(2), None, "TOTP"),
                    login(as_of - Duration::days(5), Some("psc-admin"), "U2F"),
                ],
            ),
            1 => (
                vec![user("sas-ops", nic, as_of - Duration::days(10))],
                vec![login(as_of - Duration::days(3), Some("sas-ops"), "NONE")],
            ),
            _ => (
                vec![user("sivic-dev", nic, as_of - Duration::days(200))],
                vec![
                    login(as_of - Duration::days(20), None, "SMS"),
                    login(as_of - Duration::days(1), Some("sivic-dev"), "NONE"),
                ],
            ),
        };
        let mut bills = Vec::new();
        for (bi, months_back) in [1i32, 0].into_iter().enumerate() {
            let local = as_of.with_timezone(&Paris).date_naive();
            let d = add_months(first_of_month(local.year(), local.month()), -months_back);
            let bill_id = format!("FR{}{:04}{:02}", a + 1, d.year(), d.month());
            let mut details = Vec::new();
            for (di, p) in projects_seen.iter().take(2).enumerate() {
                let v = dec("100.00") + Decimal::from((a * 10 + bi * 3 + di) as i64) + dec("0.37");
                details.push(BillDetail {
                    bill_detail_id: format!("{bill_id}-{}", di + 1),
                    description: format!(
                        "Public Cloud project consumption ({:02}/{})",
                        d.month(),
                        d.year()
                    ),
                    domain: p.clone(),
                    period_start: Some(d.format("%Y-%m-%d").to_string()),
                    period_end: Some(
                        add_months(d, 1)
                            .pred_opt()
                            .unwrap_or(d)
                            .format("%Y-%m-%d")
                            .to_string(),
                    ),
                    quantity: Decimal::ONE,
                    total_price: price(v),
                    unit_price: price(v),
                });
            }
            // Services without a usage API are billed as subscriptions.
            let subs: Vec<(String, Decimal, &str)> = match a {
                0 => vec![(pcc_name.to_string(), dec("1250.40"), "Hosted Private Cloud")],
                1 => vec![("vps-1a2b3c4d.vps.ovh.net".to_string(), dec("6.99"), "VPS")],
                _ => vec![("vps-5e6f7a8b.vps.ovh.net".to_string(), dec("13.99"), "VPS")],
            };
            for (domain, v, what) in subs {
                let n = details.len() + 1;
                details.push(BillDetail {
                    bill_detail_id: format!("{bill_id}-{n}"),
                    description: format!("{what} {domain} ({:02}/{})", d.month(), d.year()),
                    domain,
                    period_start: Some(d.format("%Y-%m-%d").to_string()),
                    period_end: Some(
                        add_months(d, 1)
                            .pred_opt()
                            .unwrap_or(d)
                            .format("%Y-%m-%d")
                            .to_string(),
                    ),
                    quantity: Decimal::ONE,
                    total_price: price(v),
                    unit_price: price(v),
                });
            }
            let total: Decimal = details.iter().map(|d| d.total_price.value).sum();
            let tax = (total * dec("0.20")).round_dp(2);
            bills.push((
                Bill {
                    bill_id,
                    date: paris(d, 9, 12, 44),
                    category: Some("autorenew".into()),
                    order_id: Some(1000 + a as i64),
                    price_without_tax: price(total),
                    price_with_tax: price(total + tax),
                    tax: price(tax),
                },
                details,
            ));
        }
        accounts.push(EmuAccount {
            file: files[a].into(),
            application_key: format!("ak-{}", shorts[a]),
            application_secret: format!("as-{}-secret", shorts[a]),
            consumer_key: format!("ck-{}", shorts[a]),
            known: true,
            me: Me {
                nichandle: nic.into(),
                email: format!("admin-{}@example.org", shorts[a]),
                customer_code: Some(codes[a].into()),
                currency: Some(NicCurrency {
                    code: "EUR".into(),
                    symbol: Some("EURO".into()),
                }),
                name: Some(files[a].into()),
                firstname: None,
                organisation: Some("Agence".into()),
            },
            credential: ApiCredential {
                credential_id: 900 + a as i64,
                application_id: 100 + a as i64,
                creation: (as_of - Duration::days(200)).fixed_offset(),
                expiration: expirations[a].map(|t| t.fixed_offset()),
                last_use: Some((as_of - Duration::days(1)).fixed_offset()),
                status: "validated".into(),
                ovh_support: false,
                allowed_ips: None,
                rules: ["GET"]
                    .iter()
                    .flat_map(|m| {
                        [
                            "/me/*",
                            "/cloud/*",
                            "/dedicatedCloud/*",
                            "/vps/*",
                            "/services/*",
                            "/auth/*",
                        ]
                        .iter()
                        .map(move |p| AccessRule {
                            method: (*m).into(),
                            path: (*p).into(),
                        })
                    })
                    .collect(),
            },
            projects: projects_seen,
            pccs: pccs_seen,
            vps: vps_seen,
            services: svc,
            users,
            audit,
            bills,
        });
    }
    let legacy = EmuAccount {
        file: "Legacy_Archive".into(),
        application_key: "ak-legacy".into(),
        application_secret: "as-legacy-secret".into(),
        consumer_key: "ck-legacy-revoked".into(),
        known: false,
        me: accounts[0].me.clone(),
        credential: accounts[0].credential.clone(),
        projects: vec![],
        pccs: vec![],
        vps: vec![],
        services: vec![],
        users: vec![],
        audit: vec![],
        bills: vec![],
    };
    accounts.push(legacy);
    Dataset {
        accounts,
        projects,
        pccs,
        vps,
        services,
    }
}
