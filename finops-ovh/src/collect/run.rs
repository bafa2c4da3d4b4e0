//! The collection run: list every account, assign each tenant to the first account listing it,
//! fetch everything with bounded concurrency; a failed call is an [`AccountError`] and the
//! rest goes on.

use super::*;
use crate::account::OvhAccount;
use crate::credential::{TokenWarning, token_health_of};

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
        r.map_err(|e| AccountError::new(file, call, e))
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
            token_health_of(&cr, run.opts.as_of, run.opts.token_warning_days),
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
            errors.push(AccountError::new(f, "GET /auth/currentCredential", e));
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
