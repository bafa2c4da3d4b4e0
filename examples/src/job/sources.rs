//! One step per configured source: the provider's own example program run against its
//! account(s) (`ovh::run`, `oci::run`, `arcgis::run`, Azure ingestion), writing the
//! provider's files under `providers/<source>/`, and what the job needs from it: its FOCUS
//! files, its per-account failures, its alerts, the provider's own totals per billing period
//! (for the reconciliation) and its credits (for the forecasts).

use crate::job::config::{
    ArcgisLogin, ArcgisSource, AzureSource, OciSource, OvhSource, Provider, SecretRef,
    SourceConfig, SourceKind,
};
use crate::job::reconcile::{self, OwnTotal};
use anyhow::Context;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use finops_core::Decimal;
use finops_core::alert::{Alert, Severity};
use finops_core::clock::SharedClock;
use finops_core::http::RetryConfig;
use finops_core::money::format_decimal;
use finops_core::schedule::JobKind;
use finops_core::state::SourceError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Environment lookup (the process environment in the binary; a map in tests).
pub type EnvFn = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What every step gets.
#[derive(Clone)]
pub struct StepEnv {
    /// The run's as-of day: data up to the day before.
    pub as_of: NaiveDate,
    /// Time for signatures, tokens and records.
    pub clock: SharedClock,
    /// Retry policy replacing the adapters' defaults (the demo's fast retries).
    pub retry: Option<RetryConfig>,
    /// Environment variables (secret references).
    pub env: EnvFn,
    /// `providers/` folder.
    pub providers_dir: PathBuf,
    /// Zone of days and months.
    pub tz: Tz,
    /// Months collected before the as-of month.
    pub history_months: u32,
    /// Full run or hourly sampling.
    pub kind: JobKind,
}

impl std::fmt::Debug for StepEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepEnv")
            .field("as_of", &self.as_of)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A credit or contract a source reported, for "forecast vs budget/credit".
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credit {
    /// An OCI contract.
    Contract {
        /// Source id.
        source: String,
        /// Client.
        scope: String,
        /// Currency.
        currency: String,
        /// Contract credit.
        credit: Decimal,
        /// Consumed so far.
        consumed: Decimal,
        /// Forecast to contract end.
        forecast: Decimal,
        /// Credit − consumed − forecast.
        balance_at_end: Decimal,
        /// Contract start.
        start: NaiveDate,
        /// Contract end (inclusive).
        end: NaiveDate,
        /// The day the credit runs out (None: lasts).
        run_out: Option<NaiveDate>,
        /// Already exhausted.
        exhausted: bool,
        /// Consumption per month.
        monthly: Vec<(String, Decimal)>,
        /// Backtest MAPE of the weekday model (percent).
        mape: Option<Decimal>,
    },
    /// An ArcGIS organisation's credits.
    ArcgisOrg {
        /// Source id.
        source: String,
        /// Organisation.
        scope: String,
        /// Credits available at the as-of time.
        available: Decimal,
        /// Price of one credit.
        price: Decimal,
        /// Its currency.
        currency: String,
        /// Users under each threshold.
        users_under: Vec<(String, usize)>,
        /// Users in the organisation.
        users: usize,
    },
}

/// What one source gave.
#[derive(Debug, Clone, Default)]
pub struct SourceOutput {
    /// Source id.
    pub id: String,
    /// Provider (`None` only for the default value).
    pub provider: Option<Provider>,
    /// Its provider files folder.
    pub dir: PathBuf,
    /// Provider files written.
    pub files: Vec<PathBuf>,
    /// FOCUS Parquet files to merge into `focus/`.
    pub focus_files: Vec<PathBuf>,
    /// Per-account failures (the rest went on).
    pub errors: Vec<SourceError>,
    /// Alerts raised by the source (failures, credentials, tenants, credits).
    pub alerts: Vec<Alert>,
    /// The provider's own totals per billing month and currency.
    pub own_totals: Vec<OwnTotal>,
    /// Credits and contracts.
    pub credits: Vec<Credit>,
    /// Summary lines.
    pub lines: Vec<String>,
    /// Whether anything was collected (false: the whole source failed).
    pub collected: bool,
}

impl SourceOutput {
    fn new(src: &SourceConfig, dir: PathBuf) -> Self {
        SourceOutput {
            id: src.id.clone(),
            provider: Some(src.provider),
            dir,
            ..Default::default()
        }
    }

    fn fail(mut self, error: impl std::fmt::Display) -> Self {
        let msg = error.to_string();
        self.errors
            .push(SourceError::new(self.id.clone(), msg.clone()));
        if let Some(p) = self.provider {
            self.alerts
                .push(Alert::run_failure(p.key(), &self.id, &msg));
        }
        self.collected = false;
        self
    }
}

/// An error and its causes on one line (no secret: the adapters redact theirs).
pub fn error_text(e: &anyhow::Error) -> String {
    crate::oci::error_text(e)
}

/// Run one source.
pub async fn run_source(src: &SourceConfig, env: &StepEnv) -> SourceOutput {
    let dir = env.providers_dir.join(&src.id);
    let out = SourceOutput::new(src, dir.clone());
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return out.fail(format!("cannot create {}: {e}", dir.display()));
    }
    match (&src.kind, env.kind) {
        (SourceKind::Ovh(o), _) => run_ovh(src, o, env, out).await,
        (_, JobKind::Sample) => {
            let mut out = out;
            out.collected = true;
            out.lines.push("sampling run: nothing to sample".into());
            out
        }
        (SourceKind::Oci(o), _) => run_oci(o, env, out).await,
        (SourceKind::Arcgis(a), _) => run_arcgis(a, env, out).await,
        (SourceKind::Azure(a), _) => run_azure(a, env, out).await,
    }
}

/// The OVH step without a CMDB: an empty one (every tenant is then reported unmapped).
fn empty_cmdb(dir: &Path) -> anyhow::Result<PathBuf> {
    let d = dir.join(".cmdb-empty");
    std::fs::create_dir_all(&d)?;
    finops_core::fs::write_atomic(
        d.join("3. Appli-Tenant.csv"),
        "App ID,Tenant ID,Environnement,TVA,Réduction Marché,Coût support OVH\n".as_bytes(),
    )?;
    Ok(d)
}

async fn run_ovh(
    src: &SourceConfig,
    o: &OvhSource,
    env: &StepEnv,
    mut out: SourceOutput,
) -> SourceOutput {
    let as_of: DateTime<Utc> = match env.as_of.and_hms_opt(0, 0, 0) {
        Some(t) => t.and_utc(),
        None => return out.fail("invalid as-of day"),
    };
    let cmdb = match &o.cmdb {
        Some(c) => c.clone(),
        None => match empty_cmdb(&out.dir) {
            Ok(c) => c,
            Err(e) => return out.fail(e),
        },
    };
    let mut opts = crate::ovh::RunOptions::new(&o.credentials_dir, cmdb, &out.dir, as_of);
    opts.endpoint = o.endpoint.clone();
    opts.clock = Some(env.clock.clone());
    opts.rate_limit = o.rate_limit;
    opts.retry = env.retry.clone();
    opts.encoding = if o.utf8 {
        finops_ovh::report::CsvEncoding::Utf8
    } else {
        finops_ovh::report::CsvEncoding::Cp1252
    };
    match env.kind {
        JobKind::Sample => opts.sample_only = true,
        JobKind::Full => opts.sample_usage = true,
    }
    let outcome = match crate::ovh::run(&opts).await {
        Ok(o) => o,
        Err(e) => return out.fail(error_text(&e)),
    };
    let _ = src;
    out.collected = true;
    out.lines = outcome.lines();
    let s = &outcome.summary;
    for e in &s.errors {
        let msg = format!("{}: {}", e.call, e.message());
        out.errors.push(SourceError::new(
            format!("{}:{}", out.id, e.file),
            msg.clone(),
        ));
        out.alerts.push(Alert::run_failure("ovh", &e.file, &msg));
    }
    let now = env.clock.now();
    for (file, w) in &s.token_warnings {
        use finops_ovh::TokenWarning;
        let expires = match w {
            TokenWarning::ExpiresSoon { days_left } => {
                Some(now + chrono::Duration::days((*days_left).max(0)) + chrono::Duration::hours(1))
            }
            TokenWarning::Expired => Some(now - chrono::Duration::seconds(1)),
            _ => None,
        };
        out.alerts
            .push(Alert::credential_expiring("ovh", file, expires, now));
    }
    for t in &s.unmapped_tenants {
        out.alerts.push(Alert::unmapped_tenant("ovh", t));
    }
    for f in &s.files {
        if f.extension().is_some_and(|e| e == "parquet") {
            out.focus_files.push(f.clone());
        } else {
            out.files.push(f.clone());
        }
    }
    if env.kind == JobKind::Full {
        match reconcile::ovh_own_totals(&out.dir, o.utf8, env.as_of) {
            Ok(t) => out.own_totals = t,
            Err(e) => out.errors.push(SourceError::new(
                format!("{}:reconciliation", out.id),
                error_text(&e),
            )),
        }
    }
    out
}

async fn run_oci(o: &OciSource, env: &StepEnv, mut out: SourceOutput) -> SourceOutput {
    let args = crate::oci::Args {
        config_dir: Some(o.config_dir.clone()),
        as_of: Some(env.as_of),
        endpoint: o.endpoint.clone(),
        format: crate::oci::Format::Table,
        out: Some(out.dir.clone()),
        demo: false,
        timeout: 60,
        page_limit: None,
        retry: env.retry.clone(),
    };
    let mut sink = Vec::new();
    let outcome = match crate::oci::run(&args, env.as_of, env.clock.clone(), &mut sink).await {
        Ok(o) => o,
        Err(e) => return out.fail(error_text(&e)),
    };
    let r = &outcome.report;
    out.collected = !r.clients.is_empty();
    for f in &r.failures {
        out.errors.push(SourceError::new(
            format!("{}:{}", out.id, f.client),
            f.error.clone(),
        ));
        out.alerts
            .push(Alert::run_failure("oci", &f.client, &f.error));
    }
    out.lines.push(format!(
        "{} client(s) reported, {} failed",
        r.clients.len(),
        r.failures.len()
    ));
    for f in &outcome.files {
        if f.extension().is_some_and(|e| e == "parquet") {
            out.focus_files.push(f.clone());
        } else {
            out.files.push(f.clone());
        }
    }
    for c in &r.clients {
        let exhausted = matches!(c.run_out, finops_core::forecast::RunOut::Exhausted(_));
        out.credits.push(Credit::Contract {
            source: out.id.clone(),
            scope: c.client.clone(),
            currency: c.currency.clone(),
            credit: c.credit,
            consumed: c.consumed,
            forecast: c.forecast,
            balance_at_end: c.balance_at_end,
            start: c.contract_start,
            end: c.contract_end,
            run_out: c.run_out.date(),
            exhausted,
            monthly: c
                .monthly
                .iter()
                .map(|m| (m.month.clone(), m.cost))
                .collect(),
            mape: c.backtest_mape_percent,
        });
        if let Some(d) = c.run_out.date() {
            let sev = if exhausted || d <= c.contract_end {
                Severity::Critical
            } else {
                Severity::Warning
            };
            let mut a = Alert::threshold(
                "oci",
                &c.client,
                "credit run-out",
                d,
                c.contract_end,
                "",
                sev,
            );
            a.key = format!("credit-runout/oci/{}/{d}", c.client);
            out.alerts.push(a);
        }
        for m in &c.monthly {
            out.own_totals.push(OwnTotal {
                month: m.month.clone(),
                currency: c.currency.clone(),
                amount: m.cost,
                basis: "oci_report_monthly.csv".into(),
            });
        }
    }
    out.own_totals = reconcile::merge(std::mem::take(&mut out.own_totals));
    out
}

fn arcgis_period(env: &StepEnv) -> (NaiveDate, NaiveDate) {
    let first_of_month = env.as_of.with_day(1).unwrap_or(env.as_of);
    let from = first_of_month
        .checked_sub_months(Months::new(env.history_months.saturating_sub(1)))
        .unwrap_or(first_of_month);
    (from, env.as_of)
}

async fn run_arcgis(a: &ArcgisSource, env: &StepEnv, mut out: SourceOutput) -> SourceOutput {
    let (from, to) = arcgis_period(env);
    // Secrets are handed to the example through its env lookup: files under made-up names.
    const FILE_VAR: &str = "FINOPS_JOB_SECRET_FROM_FILE";
    let (flag, login_args, secret_ref): (&str, Vec<String>, &SecretRef) = match &a.login {
        ArcgisLogin::Token(r) => ("--token-env", vec![], r),
        ArcgisLogin::UserPassword(u, r) => {
            ("--password-env", vec!["--username".into(), u.clone()], r)
        }
        ArcgisLogin::ClientCredentials(c, r) => (
            "--client-secret-env",
            vec!["--client-id".into(), c.clone()],
            r,
        ),
    };
    let var = match secret_ref {
        SecretRef::Env(v) => v.clone(),
        SecretRef::File(_) => FILE_VAR.to_string(),
    };
    let mut argv: Vec<String> = vec![
        "arcgis_credits".into(),
        "--portal".into(),
        a.portal.clone(),
        "--from".into(),
        from.to_string(),
        "--to".into(),
        to.to_string(),
        "--price-per-credit".into(),
        a.price_per_credit.to_string(),
        "--currency".into(),
        a.currency.to_string(),
        "--out".into(),
        out.dir.display().to_string(),
        "--format".into(),
        "json".into(),
        "--thresholds".into(),
        a.thresholds.clone(),
        flag.into(),
        var,
    ];
    argv.extend(login_args);
    if let Some(r) = &a.referer {
        argv.extend(["--referer".into(), r.clone()]);
    }
    if a.notify_admins {
        argv.push("--notify".into());
    }
    if let Some(rule) = &a.allocate {
        argv.extend(["--allocate".into(), rule.clone()]);
        if let Some(m) = &a.max_total {
            argv.extend(["--max-total".into(), m.clone()]);
        }
        if a.apply {
            argv.push("--apply".into());
        }
    }
    let mut args = match <crate::arcgis::Args as clap::Parser>::try_parse_from(&argv) {
        Ok(a) => a,
        Err(e) => return out.fail(format!("arcgis arguments: {}", e.to_string().trim())),
    };
    args.retry = env.retry.clone();
    let process_env = env.env.clone();
    let file_secret = secret_ref.clone();
    let lookup = move |k: &str| -> Option<String> {
        if k == FILE_VAR {
            file_secret
                .resolve_with(&*process_env)
                .ok()
                .map(|s| s.expose().to_string())
        } else {
            process_env(k)
        }
    };
    // A missing secret is this source's failure, named by its reference.
    if let Err(e) = secret_ref.resolve_with(&*env.env) {
        return out.fail(e);
    }
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let outcome =
        crate::arcgis::run(&args, &lookup, env.clock.clone(), &mut stdout, &mut stderr).await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return out.fail(error_text(&e)),
    };
    out.collected = true;
    out.lines = outcome.lines.clone();
    for f in &outcome.failures {
        out.errors.push(SourceError::new(out.id.clone(), f.clone()));
        out.alerts.push(Alert::run_failure("arcgis", &out.id, f));
    }
    for f in &outcome.files {
        if f.extension().is_some_and(|e| e == "parquet") {
            out.focus_files.push(f.clone());
        } else if f.extension().is_some_and(|e| e != "json")
            || f.file_name()
                .is_some_and(|n| n != "arcgis_alert_state.json")
        {
            out.files.push(f.clone());
        }
    }
    // The JSON document: organisation credits and user alerts.
    let doc: serde_json::Value = serde_json::from_slice(&stdout).unwrap_or_default();
    let dec = |v: &serde_json::Value| -> Option<Decimal> {
        match v {
            serde_json::Value::String(s) => s.parse().ok(),
            serde_json::Value::Number(n) => n.to_string().parse().ok(),
            _ => None,
        }
    };
    let org = doc["portal"]["name"]
        .as_str()
        .unwrap_or(&out.id)
        .to_string();
    if let Some(available) = dec(&doc["portal"]["available_credits"]) {
        let mut users_under = Vec::new();
        let users = doc["alerts"]["users"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for t in doc["alerts"]["thresholds"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let Some(td) = dec(&t) else { continue };
            let n = users
                .iter()
                .filter(|u| dec(&u["threshold"]) == Some(td))
                .count();
            let pct = finops_arcgis::alerts::format_percent(td);
            users_under.push((pct.clone(), n));
            if n > 0 {
                let mut al = Alert::threshold(
                    "arcgis",
                    &org,
                    &format!("users under {pct} of their credits"),
                    n,
                    0,
                    "",
                    Severity::Warning,
                );
                al.key = format!("arcgis-users/{}/{pct}/{n}", out.id);
                out.alerts.push(al);
            }
        }
        let total_users = doc["usage_by_user"].as_array().map(|_| 0).unwrap_or(0);
        let _ = total_users;
        out.credits.push(Credit::ArcgisOrg {
            source: out.id.clone(),
            scope: org.clone(),
            available,
            price: a.price_per_credit,
            currency: a.currency.to_string(),
            users_under,
            users: count_csv_rows(&out.dir.join("arcgis_users.csv")),
        });
    }
    // The provider's own figure per billing month: credits used in the month × the price.
    let conn = crate::arcgis::connect(&args, &a.portal, &lookup, env.clock.clone());
    match conn {
        Ok(ago) => {
            let mut m = from;
            while m < to {
                let next = (m.with_day(1).unwrap_or(m) + Months::new(1)).min(to);
                let period = finops_core::Period::new(day_start(m), day_start(next));
                match period {
                    Ok(p) => match ago.usage_by_operation(p).await {
                        Ok(rep) => match rep.total.checked_mul(a.price_per_credit) {
                            Some(amount) => out.own_totals.push(OwnTotal {
                                month: format!("{:04}-{:02}", m.year(), m.month()),
                                currency: a.currency.to_string(),
                                amount,
                                basis: format!(
                                    "usage API: {} credits × {}",
                                    format_decimal(rep.total),
                                    format_decimal(a.price_per_credit)
                                ),
                            }),
                            None => out.errors.push(SourceError::new(
                                format!("{}:reconciliation", out.id),
                                "credits × price overflows",
                            )),
                        },
                        Err(e) => out.errors.push(SourceError::new(
                            format!("{}:reconciliation", out.id),
                            format!("usage {m} .. {next}: {e}"),
                        )),
                    },
                    Err(e) => out.errors.push(SourceError::new(
                        format!("{}:reconciliation", out.id),
                        e.to_string(),
                    )),
                }
                m = next;
            }
        }
        Err(e) => out.errors.push(SourceError::new(
            format!("{}:reconciliation", out.id),
            error_text(&e),
        )),
    }
    out
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

fn count_csv_rows(p: &Path) -> usize {
    std::fs::read_to_string(p)
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

async fn run_azure(a: &AzureSource, env: &StepEnv, out: SourceOutput) -> SourceOutput {
    match crate::job::ingestion::azure_step(a, env, &out.dir).await {
        Ok(step) => {
            let mut out = out;
            out.collected = step.collected;
            out.focus_files = step.focus_files;
            out.files = step.files;
            out.own_totals = step.own_totals;
            out.lines = step.lines;
            for e in step.errors {
                out.alerts
                    .push(Alert::run_failure("azure", &e.source, &e.message));
                out.errors.push(e);
            }
            out
        }
        Err(e) => out.fail(error_text(&e)),
    }
}

/// The provider's label in reports (`OVHcloud`, ...).
pub fn provider_label(p: Provider) -> &'static str {
    match p {
        Provider::Ovh => "OVHcloud",
        Provider::Oci => "Oracle Cloud",
        Provider::Azure => "Microsoft Azure",
        Provider::Arcgis => "ArcGIS Online",
    }
}

/// Context for a failing whole-source step, e.g. a directory that cannot be read.
pub fn context_dir(p: &Path) -> String {
    p.display().to_string()
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>(_: T) {}
    let env = StepEnv {
        as_of: NaiveDate::MIN,
        clock: finops_core::clock::system(),
        retry: None,
        env: Arc::new(|_| None),
        providers_dir: PathBuf::new(),
        tz: Tz::UTC,
        history_months: 3,
        kind: JobKind::Full,
    };
    let src = SourceConfig {
        id: String::new(),
        provider: Provider::Ovh,
        index: 0,
        line: 0,
        kind: SourceKind::Oci(OciSource {
            config_dir: PathBuf::new(),
            endpoint: None,
        }),
    };
    let _ = Context::context::<&str>(Ok::<(), anyhow::Error>(()), "");
    is_send(async move { run_source(&src, &env).await });
}
