//! `arcgis_credits`: the French notebook of seed 003 as a safe, repeatable job (AGO-01..08).
//!
//! ```text
//! arcgis_credits --portal URL [--token-env VAR | --username U --password-env VAR |
//!                 --client-id ID --client-secret-env VAR]
//!     --from DATE --to DATE [--notify] [--channel email|builtin] [--notify-file FILE]
//!     [--thresholds 10%,50%] [--org-min-credits N]
//!     [--allocate 'under=10%,add=200' [--max-total 5000] [--apply]]
//!     [--format table|csv|json] [--price-per-credit 0.10 --currency USD] [--out DIR]
//!     [--state FILE] [--user NAME] [--demo]
//! ```
//!
//! Steps, as in the notebook: connect (an administrator login is required), the
//! organisation's credits, credits consumed per operation type over `[--from, --to)` (the end
//! date is exclusive), one user's credits (`--user`), every user's balance with the lists of
//! users under 10 % / 50 %, a notification to the administrator contacts (`--notify`, never
//! twice for the same state), and credit allocation (dry run unless `--apply`).
//!
//! Secrets come only from environment variables named on the command line. With `--out DIR`
//! the CSVs (and, with `--price-per-credit`, a FOCUS 1.2 Parquet + CSV file) are written
//! atomically. `--format csv` prints the usage-by-operation CSV on stdout and everything else
//! on stderr; `--format json` prints one JSON document. A step that fails is reported and the
//! other steps still run; the exit code is then 1.

use crate::DemoSummary;
use anyhow::{Context, anyhow, bail};
use chrono::{NaiveDate, TimeZone, Utc};
use clap::Parser;
use finops_arcgis::alerts::{self, AlertConfig, AlertReport, format_percent, notify_new_alerts};
use finops_arcgis::allocation::{self, AllocationPlan, AllocationReport, AllocationRule};
use finops_arcgis::emulator::{self, ArcGisEmulator, EmulatorConfig};
use finops_arcgis::{
    ArcGis, ArcGisBuilder, CreditPrice, FileNotifier, NotificationChannel, Notifier,
    PortalNotifier, UserCredits, mapping, report, usage,
};
use finops_core::clock::SharedClock;
use finops_core::focus::Period;
use finops_core::money::{format_decimal, parse_decimal};
use finops_core::{Currency, Decimal};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How secrets are looked up (`std::env::var` in the program; a map in tests).
pub type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Output format of the results on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Human-readable sections.
    #[default]
    Table,
    /// The usage-by-operation CSV (other sections on stderr).
    Csv,
    /// One JSON document with every section.
    Json,
}

/// Command-line arguments of `arcgis_credits`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "arcgis_credits",
    about = "ArcGIS Online credits: balances, usage by operation, alerts and allocation",
    after_help = "Secrets are read only from the environment variables named by --token-env, \
--password-env and --client-secret-env.\n\nExit status: 0 when every step succeeded; 1 when a step \
failed (each failure is printed on stderr, the other steps still run) or an argument, \
configuration or the connection is invalid; 2 when the command line cannot be parsed."
)]
pub struct Args {
    /// Portal URL: https://www.arcgis.com, https://<org>.maps.arcgis.com or https://host/portal.
    #[arg(long, required_unless_present = "demo")]
    pub portal: Option<String>,
    /// Environment variable holding a ready token.
    #[arg(long, conflicts_with_all = ["username", "client_id"])]
    pub token_env: Option<String>,
    /// User name for generateToken (needs --password-env).
    #[arg(long, requires = "password_env", conflicts_with = "client_id")]
    pub username: Option<String>,
    /// Environment variable holding the password.
    #[arg(long, requires = "username")]
    pub password_env: Option<String>,
    /// OAuth2 app client id (needs --client-secret-env). App tokens cannot administer credits.
    #[arg(long, requires = "client_secret_env")]
    pub client_id: Option<String>,
    /// Environment variable holding the OAuth2 client secret.
    #[arg(long, requires = "client_id")]
    pub client_secret_env: Option<String>,
    /// Referer bound to the generateToken token, sent as the Referer header of every call
    /// (a --token-env token generated for a referer needs that same referer).
    #[arg(long, default_value = "http")]
    pub referer: String,
    /// First day of the usage period (YYYY-MM-DD, UTC).
    #[arg(long, required_unless_present = "demo")]
    pub from: Option<String>,
    /// Day after the last day of the usage period (YYYY-MM-DD, UTC; exclusive).
    #[arg(long, required_unless_present = "demo")]
    pub to: Option<String>,
    /// Notify the organisation's administrator contacts of new alerts.
    #[arg(long)]
    pub notify: bool,
    /// createNotification channel.
    #[arg(long, default_value = "email")]
    pub channel: String,
    /// Also append the alert message to this file.
    #[arg(long)]
    pub notify_file: Option<PathBuf>,
    /// Alert state file (default: <out>/arcgis_alert_state.json, or ./arcgis_alert_state.json).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// User thresholds of credits left.
    #[arg(long, default_value = "10%,50%")]
    pub thresholds: String,
    /// Alert when the organisation has fewer credits than this.
    #[arg(long)]
    pub org_min_credits: Option<String>,
    /// Allocation rule: 'under=10%,add=200', 'topup=500' or 'under=10%,topup=500'.
    #[arg(long)]
    pub allocate: Option<String>,
    /// Most credits one run may allocate.
    #[arg(long, requires = "allocate")]
    pub max_total: Option<String>,
    /// Really allocate (default: dry run, nothing is written to the portal).
    #[arg(long, requires = "allocate")]
    pub apply: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Price of one credit: writes the FOCUS 1.2 file (Parquet + CSV) into --out.
    #[arg(long, requires = "out")]
    pub price_per_credit: Option<String>,
    /// Currency of --price-per-credit (ISO 4217).
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// Directory for the CSV / FOCUS outputs.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also show one user's credits (or the org total when budgeting is off).
    #[arg(long)]
    pub user: Option<String>,
    /// Run against the bundled emulator (no network, no credentials).
    #[arg(long, conflicts_with_all = ["portal", "token_env", "username", "client_id"])]
    pub demo: bool,
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct RunOutcome {
    /// Summary lines.
    pub lines: Vec<String>,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Steps that failed, with the reason.
    pub failures: Vec<String>,
}

fn parse_day(flag: &str, v: &str) -> anyhow::Result<chrono::DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()));
    }
    finops_core::focus::parse_time(v)
        .map_err(|e| anyhow!("{flag} {v:?}: expected a date YYYY-MM-DD (or a UTC date-time): {e}"))
}

fn dec(flag: &str, v: &str) -> anyhow::Result<Decimal> {
    let d = parse_decimal(v).map_err(|e| anyhow!("{flag}: {e}"))?;
    // Far above any real amount, far below where exact sums and products could overflow.
    let max = if flag == "--price-per-credit" {
        Decimal::from(1_000_000u32)
    } else {
        Decimal::from(1_000_000_000_000_000u64)
    };
    if d.is_sign_negative() || d > max {
        bail!("{flag} {v}: expected a number between 0 and {max}");
    }
    Ok(d)
}

fn env_secret(flag: &str, var: &str, env: &Env) -> anyhow::Result<String> {
    match env(var) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => bail!("{flag} {var}: the environment variable {var} is not set or empty"),
    }
}

/// Build the connection from the arguments (secrets read through `env`; `clock` decides token
/// expiry).
pub fn connect(args: &Args, portal: &str, env: &Env, clock: SharedClock) -> anyhow::Result<ArcGis> {
    let mut b = ArcGisBuilder::new()
        .with_clock(clock)
        .with_portal(portal)
        .with_referer(args.referer.clone());
    if let Some(var) = &args.token_env {
        b = b.with_token(env_secret("--token-env", var, env)?);
    } else if let (Some(u), Some(var)) = (&args.username, &args.password_env) {
        b = b.with_user_password(u.clone(), env_secret("--password-env", var, env)?);
    } else if let (Some(id), Some(var)) = (&args.client_id, &args.client_secret_env) {
        b = b.with_client_credentials(id.clone(), env_secret("--client-secret-env", var, env)?);
    } else {
        bail!(
            "no credential: give --token-env VAR, --username U --password-env VAR, or --client-id ID --client-secret-env VAR"
        );
    }
    Ok(b.build()?)
}

#[derive(serde::Serialize, Default)]
struct JsonDoc {
    portal: Option<serde_json::Value>,
    usage_period: Option<String>,
    usage_by_operation: Option<Vec<usage::OperationUsage>>,
    usage_by_user: Option<Vec<usage::UserUsage>>,
    usage_total: Option<String>,
    user: Option<serde_json::Value>,
    alerts: Option<AlertReport>,
    notification: Option<serde_json::Value>,
    allocation_plan: Option<AllocationPlan>,
    allocation_report: Option<AllocationReport>,
    failures: Vec<String>,
}

/// Run the workflow. `stdout` gets the results in `--format`; `stderr` gets progress and,
/// with `--format csv`, the sections that are not the CSV. `clock` is the binary's (token
/// expiry; with `--demo` the embedded emulator runs on it too).
pub async fn run(
    args: &Args,
    env: &Env,
    clock: SharedClock,
    stdout: &mut (dyn Write + Send),
    stderr: &mut (dyn Write + Send),
) -> anyhow::Result<RunOutcome> {
    // Validate every argument before any call.
    let (from, to) = match (&args.from, &args.to, args.demo) {
        (Some(f), Some(t), _) => (parse_day("--from", f)?, parse_day("--to", t)?),
        (None, None, true) => (
            parse_day("--from", "2026-09-01")?,
            parse_day("--to", "2026-11-15")?,
        ),
        _ => bail!("--from and --to are required"),
    };
    let period = Period::new(from, to).map_err(|e| anyhow!("--from/--to: {e}"))?;
    let alert_cfg = {
        let mut c = AlertConfig::default().with_user_thresholds(&args.thresholds)?;
        if let Some(v) = &args.org_min_credits {
            c = c.with_org_min_credits(dec("--org-min-credits", v)?);
        }
        c
    };
    let rule: Option<AllocationRule> = args.allocate.as_deref().map(str::parse).transpose()?;
    let max_total = args
        .max_total
        .as_deref()
        .map(|v| dec("--max-total", v))
        .transpose()?;
    let channel: NotificationChannel = args.channel.parse()?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--out {}: cannot create the directory", dir.display()))?;
    }
    let price = match &args.price_per_credit {
        Some(p) => Some(CreditPrice::new(
            dec("--price-per-credit", p)?,
            Currency::new(&args.currency)
                .map_err(|e| anyhow!("--currency {}: {e}", args.currency))?,
        )?),
        None => None,
    };

    let _emu;
    let ago = if args.demo {
        let emu =
            ArcGisEmulator::start_with(EmulatorConfig::default().with_clock(clock.clone())).await?;
        let ago = ArcGisBuilder::new()
            .with_clock(clock)
            .with_portal(emu.url())
            .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
            .build()?;
        _emu = Some(emu);
        ago
    } else {
        _emu = None;
        let portal = args.portal.as_deref().context("--portal is required")?;
        connect(args, portal, env, clock)?
    };

    let table = args.format == Format::Table;
    let mut outcome = RunOutcome::default();
    let mut doc = JsonDoc::default();
    // Text sections go to stdout for `table`, to stderr otherwise (csv/json keep stdout clean).
    let mut text: Vec<String> = Vec::new();

    // AGO-01/02: connection, administrator check, organisation credits.
    let portal = ago
        .require_admin()
        .await
        .context("connecting to the portal")?;
    text.push(format!("Organization {} ({})", portal.name, portal.id));
    match portal.available_credits {
        Some(c) => text.push(format!("  available credits: {}", format_decimal(c))),
        None => text.push("  available credits: not reported (ArcGIS Enterprise?)".into()),
    }
    text.push(format!(
        "  credit budgeting: {}",
        if portal.credit_budgeting {
            "enabled"
        } else {
            "disabled"
        }
    ));
    outcome.lines.push(format!(
        "{}: {} credits available, budgeting {}",
        portal.name,
        portal
            .available_credits
            .map(format_decimal)
            .unwrap_or_else(|| "?".into()),
        if portal.credit_budgeting { "on" } else { "off" }
    ));
    doc.portal = serde_json::to_value(&portal).ok();

    let write = |name: &str, body: &[u8], files: &mut Vec<PathBuf>| -> anyhow::Result<()> {
        if let Some(dir) = &args.out {
            let p = dir.join(name);
            finops_core::fs::write_atomic(&p, body)?;
            files.push(p);
        }
        Ok(())
    };

    // AGO-03: usage by operation type (and per user).
    doc.usage_period = Some(period.to_string());
    match ago.usage_by_operation(period).await {
        Ok(rep) => {
            text.push(String::new());
            text.push(format!(
                "Credits consumed by operation type, {} .. {} (exclusive): {} in total",
                from.format("%Y-%m-%d"),
                to.format("%Y-%m-%d"),
                format_decimal(rep.total)
            ));
            for op in &rep.by_operation {
                text.push(format!(
                    "  {:>16}  {:<14} {:<12} ({} operations)",
                    format_decimal(op.credits),
                    op.stype,
                    op.etype,
                    format_decimal(op.count)
                ));
            }
            outcome.lines.push(format!(
                "usage {}: {} credits over {} operation types",
                period,
                format_decimal(rep.total),
                rep.by_operation.len()
            ));
            let csv = report::operations_csv(&rep.by_operation)?;
            if args.format == Format::Csv {
                stdout.write_all(csv.as_bytes())?;
            }
            write(
                "arcgis_usage_by_operation.csv",
                csv.as_bytes(),
                &mut outcome.files,
            )?;
            if let (Some(price), Some(dir)) = (&price, &args.out) {
                match mapping::to_focus_records(&rep, &portal, price) {
                    Ok(recs) => {
                        let pq = dir.join("arcgis_focus.parquet");
                        finops_core::focus::parquet::write_parquet_file(&pq, &recs)?;
                        let csvp = dir.join("arcgis_focus.csv");
                        finops_core::focus::csv::write_csv_file(&csvp, &recs)?;
                        outcome.files.push(pq);
                        outcome.files.push(csvp);
                        let billed = recs
                            .iter()
                            .try_fold(Decimal::ZERO, |a, r| a.checked_add(r.billed_cost))
                            .context("FOCUS: the billed total does not fit a decimal")?;
                        outcome.lines.push(format!(
                            "FOCUS: {} records, {} {} billed",
                            recs.len(),
                            format_decimal(billed),
                            price.currency
                        ));
                    }
                    Err(e) => {
                        let msg = format!("FOCUS records: {e}");
                        text.push(format!("FAILED {msg}"));
                        outcome.failures.push(msg);
                    }
                }
            }
            doc.usage_total = Some(format_decimal(rep.total));
            doc.usage_by_operation = Some(rep.by_operation);
        }
        Err(e) => {
            let msg = format!("usage by operation: {e}");
            text.push(format!("FAILED {msg}"));
            outcome.failures.push(msg);
        }
    }
    match ago.usage_by_user(period).await {
        Ok(users) => {
            text.push(format!(
                "  top users: {}",
                users
                    .iter()
                    .take(5)
                    .map(|u| format!("{} {}", u.username, format_decimal(u.credits)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let csv = report::users_usage_csv(&users)?;
            write(
                "arcgis_usage_by_user.csv",
                csv.as_bytes(),
                &mut outcome.files,
            )?;
            doc.usage_by_user = Some(users);
        }
        Err(e) => {
            let msg = format!("usage by user: {e}");
            text.push(format!("FAILED {msg}"));
            outcome.failures.push(msg);
        }
    }

    // AGO-04: one user.
    if let Some(u) = &args.user {
        match ago.user_credits(u).await {
            Ok(UserCredits::Budgeted(user)) => {
                let show = |a: finops_core::source::Allocation| match a.amount() {
                    Some(d) => format_decimal(d),
                    None => "unallocated".into(),
                };
                text.push(format!(
                    "User [{}] has {} assigned credits and {} available credits.",
                    user.username,
                    show(user.assigned),
                    show(user.available)
                ));
                doc.user = serde_json::to_value(&user).ok();
            }
            Ok(UserCredits::BudgetingDisabled { org_available }) => {
                text.push(format!(
                    "Credit budgeting is disabled: the organization's remaining credits are {}.",
                    org_available
                        .map(format_decimal)
                        .unwrap_or_else(|| "?".into())
                ));
                doc.user = Some(
                    serde_json::json!({"budgeting": "disabled", "org_available": org_available.map(format_decimal)}),
                );
            }
            Ok(_) => {}
            Err(e) => {
                let msg = format!("user {u}: {e}");
                text.push(format!("FAILED {msg}"));
                outcome.failures.push(msg);
            }
        }
    }

    // AGO-05/06: every user, alerts, notification.
    match ago.all_users().await {
        Ok(users) => {
            let rep = alerts::evaluate(&portal, &users, &alert_cfg);
            text.push(String::new());
            let unalloc = users
                .iter()
                .filter(|u| u.assigned.amount().is_none())
                .count();
            text.push(format!(
                "{} users ({} without allocation){}",
                users.len(),
                unalloc,
                if portal.credit_budgeting {
                    ""
                } else {
                    ": budgeting is off, only the org total applies"
                }
            ));
            for t in &rep.thresholds {
                let under = rep.under(*t);
                text.push(format!(
                    "  under {}: {} user(s)",
                    format_percent(*t),
                    under.len()
                ));
                for a in under {
                    text.push(format!(
                        "    {} ({} of {} left)",
                        a.username,
                        format_decimal(a.available),
                        format_decimal(a.assigned)
                    ));
                }
                outcome.lines.push(format!(
                    "{} user(s) under {}",
                    rep.under(*t).len(),
                    format_percent(*t)
                ));
            }
            if let Some(o) = &rep.org {
                text.push(format!(
                    "  the organization is under {} credits ({} left)",
                    format_decimal(o.threshold),
                    format_decimal(o.available)
                ));
            }
            let csv = report::balances_csv(&users, &rep)?;
            write("arcgis_users.csv", csv.as_bytes(), &mut outcome.files)?;
            if args.notify || args.notify_file.is_some() {
                let state = args.state.clone().unwrap_or_else(|| {
                    args.out
                        .as_deref()
                        .unwrap_or(Path::new("."))
                        .join("arcgis_alert_state.json")
                });
                let portal_n = PortalNotifier::new(ago.clone(), channel, portal.contacts.clone());
                let file_n = args.notify_file.as_ref().map(FileNotifier::new);
                let mut ns: Vec<&dyn Notifier> = Vec::new();
                if args.notify {
                    ns.push(&portal_n);
                }
                if let Some(f) = &file_n {
                    ns.push(f);
                }
                match notify_new_alerts(&rep, &portal.name, &state, &ns).await {
                    Ok(n) => {
                        let line = if n.new_alerts == 0 {
                            "notification: no new alert (already notified for the same state)"
                                .to_string()
                        } else {
                            format!(
                                "notification: {} new alert(s) sent to {}",
                                n.new_alerts,
                                ns.iter().map(|x| x.label()).collect::<Vec<_>>().join(", ")
                            )
                        };
                        text.push(line.clone());
                        outcome.lines.push(line);
                        for (label, err) in &n.results {
                            if let Some(e) = err {
                                let msg = format!("notification via {label}: {e}");
                                text.push(format!("FAILED {msg}"));
                                outcome.failures.push(msg);
                            }
                        }
                        if n.state_saved {
                            outcome.files.push(state.clone());
                        }
                        doc.notification = Some(serde_json::json!({
                            "new_alerts": n.new_alerts,
                            "results": n.results,
                            "state_file": state.display().to_string(),
                        }));
                    }
                    Err(e) => {
                        let msg = format!("notification: {e}");
                        text.push(format!("FAILED {msg}"));
                        outcome.failures.push(msg);
                    }
                }
            }
            doc.alerts = Some(rep);
        }
        Err(e) => {
            let msg = format!("listing users: {e}");
            text.push(format!("FAILED {msg}"));
            outcome.failures.push(msg);
        }
    }

    // AGO-07/08: allocation.
    if let Some(rule) = &rule {
        text.push(String::new());
        match allocation::run(&ago, rule, max_total, args.apply).await {
            Ok((plan, rep)) => {
                if args.apply {
                    text.push("Allocation (--apply):".into());
                } else {
                    text.push(
                        "Allocation DRY RUN (nothing is changed; add --apply to do it):".into(),
                    );
                }
                text.extend(plan.describe(rule));
                let csv = report::allocation_csv(&plan, rep.as_ref())?;
                write("arcgis_allocation.csv", csv.as_bytes(), &mut outcome.files)?;
                match &rep {
                    Some(r) => {
                        text.extend(r.describe());
                        outcome.lines.push(format!(
                            "allocation applied: {} credits to {} user(s) in {} call(s)",
                            format_decimal(r.assigned_total()),
                            r.users
                                .iter()
                                .filter(|u| matches!(u, allocation::UserOutcome::Assigned { .. }))
                                .count(),
                            r.batches
                        ));
                        for f in r.failures() {
                            let msg = match f {
                                allocation::UserOutcome::NotAssigned { change } => format!(
                                    "allocation: {} not assigned by the portal",
                                    change.username
                                ),
                                allocation::UserOutcome::Failed { change, error } => {
                                    format!("allocation: {}: {error}", change.username)
                                }
                                _ => continue,
                            };
                            outcome.failures.push(msg);
                        }
                    }
                    None => outcome.lines.push(format!(
                        "allocation dry run: {} credits to {} user(s), {} skipped by the cap",
                        format_decimal(plan.total),
                        plan.changes.len(),
                        plan.skipped.len()
                    )),
                }
                doc.allocation_plan = Some(plan);
                doc.allocation_report = rep;
            }
            Err(e) => {
                let msg = format!("allocation: {e}");
                text.push(format!("FAILED {msg}"));
                outcome.failures.push(msg);
            }
        }
    }

    doc.failures = outcome.failures.clone();
    let joined = text.join("\n") + "\n";
    match args.format {
        Format::Table => stdout.write_all(joined.as_bytes())?,
        Format::Csv => stderr.write_all(joined.as_bytes())?,
        Format::Json => {
            stderr.write_all(joined.as_bytes())?;
            serde_json::to_writer_pretty(&mut *stdout, &doc)?;
            stdout.write_all(b"\n")?;
        }
    }
    if !table {
        stdout.flush()?;
    }
    for f in &outcome.failures {
        writeln!(stderr, "arcgis_credits: FAILED: {f}")?;
    }
    Ok(outcome)
}

/// The program: parse `argv`, run, print; exit code 0 on success, 1 if a step failed or an
/// argument is invalid, 2 when the command line cannot be parsed.
/// `clock` is the binary's (the system clock).
pub fn main_with_args(
    argv: impl IntoIterator<Item = String>,
    clock: SharedClock,
) -> std::process::ExitCode {
    let args = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return std::process::ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("arcgis_credits: error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let env = |k: &str| std::env::var(k).ok();
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    match rt.block_on(run(&args, &env, clock, &mut out, &mut err)) {
        Ok(o) if o.failures.is_empty() => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("arcgis_credits: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Run the arcgis demo against its emulator, writing under `out`: the whole notebook
/// workflow with notifications, an allocation dry run, the same allocation applied, and a
/// re-run that changes nothing.
pub async fn demo(out: &Path) -> anyhow::Result<DemoSummary> {
    std::fs::create_dir_all(out).with_context(|| format!("{}", out.display()))?;
    let base = [
        "arcgis_credits",
        "--demo",
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-15",
        "--price-per-credit",
        "0.11",
        "--currency",
        "EUR",
        "--out",
    ];
    let mk = |extra: &[&str]| -> anyhow::Result<Args> {
        let mut v: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        v.push(out.display().to_string());
        v.extend(extra.iter().map(|s| s.to_string()));
        Ok(Args::try_parse_from(v)?)
    };
    let mut sink = Vec::new();
    let mut sink_err = Vec::new();
    // One emulator for every step, so the re-run sees what --apply did.
    let emu = ArcGisEmulator::start().await?;
    let ago = ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
        .build()?;
    let args = mk(&[
        "--notify",
        "--allocate",
        "under=10%,add=200",
        "--max-total",
        "6000",
    ])?;
    let first = run_with(&args, &ago, emu.clock(), &mut sink, &mut sink_err).await?;
    let args = mk(&[
        "--allocate",
        "under=10%,add=200",
        "--max-total",
        "6000",
        "--apply",
        "--notify",
    ])?;
    let second = run_with(&args, &ago, emu.clock(), &mut sink, &mut sink_err).await?;
    let third = run_with(&args, &ago, emu.clock(), &mut sink, &mut sink_err).await?;
    finops_core::fs::write_atomic(out.join("arcgis_report.txt"), &sink)?;
    let mut lines = first.lines.clone();
    lines.extend(
        second
            .lines
            .iter()
            .filter(|l| l.starts_with("allocation"))
            .cloned(),
    );
    lines.extend(
        third
            .lines
            .iter()
            .filter(|l| l.starts_with("allocation") || l.starts_with("notification"))
            .map(|l| format!("re-run: {l}")),
    );
    lines.push(format!(
        "emulator received {} assignUserCredits call(s), {} notification call(s)",
        emu.assign_calls().len(),
        emu.notifications().len()
    ));
    let mut files = first.files;
    files.push(out.join("arcgis_report.txt"));
    files.sort();
    files.dedup();
    let failures: Vec<String> = [first.failures, second.failures, third.failures].concat();
    if !failures.is_empty() {
        bail!("arcgis demo: {}", failures.join("; "));
    }
    Ok(DemoSummary {
        provider: "arcgis".into(),
        lines,
        files,
    })
}

/// [`run`] against the connection `ago` (the demo keeps one emulator across runs): the
/// emulator's administrator login, its password handed over through the injected env.
async fn run_with(
    args: &Args,
    ago: &ArcGis,
    clock: SharedClock,
    stdout: &mut (dyn Write + Send),
    stderr: &mut (dyn Write + Send),
) -> anyhow::Result<RunOutcome> {
    let mut a = args.clone();
    a.demo = false;
    a.portal = Some(ago.rest_url().to_string());
    a.username = Some(emulator::ADMIN_USER.into());
    a.password_env = Some("ARCGIS_DEMO_PASSWORD".into());
    let env = |k: &str| (k == "ARCGIS_DEMO_PASSWORD").then(|| emulator::ADMIN_PASSWORD.to_string());
    run(&a, &env, clock, stdout, stderr).await
}
