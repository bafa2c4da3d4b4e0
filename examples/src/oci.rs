//! `oci_contract_report`: the OCI contract credit report of seed 001 (per-client and
//! consolidated consumption, weekday forecast, credit run-out date, backtest MAPE), and the
//! OCI part of `finops demo`.
//!
//! ```text
//! oci_contract_report --config-dir DIR [--as-of YYYY-MM-DD] [--endpoint URL]
//!                     [--format table|csv|json] [--out DIR] [--demo] [--timeout SECS]
//! ```

use crate::DemoSummary;
use chrono::NaiveDate;
use clap::{Parser, ValueEnum};
use finops_core::Currency;
use finops_oci::emulator::{OciEmulator, TenancySpec};
use finops_oci::report::{
    ContractReport, ReportOptions, RunOptions, clients_csv, consolidated_csv, monthly_csv,
    render_json, render_table, run_contract_report, slug,
};
use finops_oci::{UsageApiOptions, load_config_dir};
use rust_decimal::Decimal;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The fixed as-of date of the demo.
pub const DEMO_AS_OF: &str = "2026-11-22";

/// Exit code when at least one client failed (the others are still reported and written).
pub const EXIT_CLIENT_FAILED: u8 = 2;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Human-readable tables (default).
    #[default]
    Table,
    /// The per-client CSV, a blank line, then the consolidated CSV.
    Csv,
    /// One JSON document (stable field names, money as strings).
    Json,
}

/// Command line of `oci_contract_report`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "oci_contract_report",
    about = "OCI contract credit report: per-client and consolidated consumption, weekday forecast to contract end, credit run-out date and backtest error",
    after_help = "Every file of --config-dir whose name starts with config_ is one client: the standard OCI config keys (user, fingerprint, tenancy, region, key_file, pass_phrase) plus the contract keys credito/credit, inicio_contrato/contract_start, fim_contrato/contract_end, cliente/client (and optionally moeda/currency).\n\nExit status: 0 when every client reported; 2 when at least one client failed (the others are still printed and written, and the failures are listed in every format); 1 when nothing could run (bad arguments, unreadable directory, no config_ file, output not writable)."
)]
pub struct Args {
    /// Directory holding the config_* client files (default with --demo: the bundled samples).
    #[arg(long, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// As-of date (YYYY-MM-DD): consumption counts up to the day before, the forecast starts
    /// on it. Default: today (UTC); with --demo: 2026-11-22.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Replace the Usage API endpoint of every client, e.g. http://127.0.0.1:8080; as with the
    /// SDK's service_endpoint, /20200107 is appended to its path unless already there.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write oci_report_clients.csv, oci_report_consolidated.csv, oci_report_monthly.csv,
    /// oci_report.json and focus_<client>.parquet into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Start the loopback emulator with the bundled sample clients and report against it.
    #[arg(long)]
    pub demo: bool,
    /// Longest one Usage API call may take, retries included, in seconds (each attempt is
    /// capped at the same): a server that accepts but never answers fails the client after
    /// this instead of hanging for minutes.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Items per Usage API page (`limit`, at least 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub page_limit: Option<u32>,
}

/// Where the bundled demo clients live (works from any working directory).
pub fn demo_config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/oci")
}

/// Start the emulator for the clients of `config_dir`: one deterministic tenancy per client
/// (activity from six months before its contract start), every client's public key trusted.
pub async fn start_demo_emulator(
    config_dir: &Path,
    clock: finops_core::clock::SharedClock,
) -> anyhow::Result<OciEmulator> {
    let emu = OciEmulator::start_with_clock(clock).await?;
    let scales = ["20", "9", "2", "5"];
    for (i, entry) in config_entries(config_dir).await?.into_iter().enumerate() {
        // A client whose file or key is broken is skipped here: the report lists it as failed.
        let Ok(cfg) = entry.client else { continue };
        let scale: Decimal = scales[i % scales.len()].parse()?;
        let currency = cfg
            .contract
            .currency
            .unwrap_or_else(|| Currency::new("BRL").unwrap_or(Currency::USD));
        let active_from = cfg
            .contract
            .start
            .checked_sub_months(chrono::Months::new(6))
            .unwrap_or(cfg.contract.start);
        emu.add_tenancy(TenancySpec::standard(
            &cfg.profile.tenancy,
            &cfg.name,
            currency,
            active_from,
            &cfg.profile.region,
            scale,
        ));
        if let Err(e) = emu.register_client(&cfg).await {
            tracing::debug!(client = %cfg.name, error = %e, "demo emulator: key not registered");
        }
    }
    Ok(emu)
}

/// The clients of `config_dir`, its files read on the blocking pool (off the runtime).
async fn config_entries(config_dir: &Path) -> anyhow::Result<Vec<finops_oci::DirEntry>> {
    let dir = config_dir.to_path_buf();
    Ok(tokio::task::spawn_blocking(move || load_config_dir(&dir)).await??)
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The report.
    pub report: ContractReport,
    /// Files written under `--out`.
    pub files: Vec<PathBuf>,
}

/// Write the report files under `out` (atomically, one file at a time).
pub fn write_outputs(
    out: &Path,
    report: &ContractReport,
    records: &[(String, Vec<finops_core::CostRecord>)],
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let mut files = Vec::new();
    for (name, bytes) in [
        ("oci_report_clients.csv", clients_csv(report)?),
        ("oci_report_consolidated.csv", consolidated_csv(report)?),
        ("oci_report_monthly.csv", monthly_csv(report)?),
        ("oci_report.json", render_json(report)?.into_bytes()),
    ] {
        let p = out.join(name);
        finops_core::fs::write_atomic(&p, &bytes)?;
        files.push(p);
    }
    for (client, recs) in records {
        let p = out.join(format!("focus_{}.parquet", slug(client)));
        finops_core::focus::parquet::write_parquet_file(&p, recs)?;
        files.push(p);
    }
    Ok(files)
}

/// Run the report for parsed arguments, printing to `stdout`.
pub async fn run(
    args: &Args,
    as_of: NaiveDate,
    clock: finops_core::clock::SharedClock,
    stdout: &mut (dyn Write + Send),
) -> anyhow::Result<RunOutcome> {
    let mut emulator = None;
    let config_dir = match (&args.config_dir, args.demo) {
        (Some(d), _) => d.clone(),
        (None, true) => demo_config_dir(),
        (None, false) => anyhow::bail!("--config-dir is required (or use --demo)"),
    };
    let mut endpoint = args.endpoint.clone();
    if args.demo {
        let emu = start_demo_emulator(&config_dir, clock.clone()).await?;
        if endpoint.is_none() {
            endpoint = Some(emu.url());
        }
        emulator = Some(emu);
    }
    let entries = config_entries(&config_dir).await?;
    let budget = std::time::Duration::from_secs(args.timeout);
    let mut usage = UsageApiOptions::default().with_request_timeout(budget);
    if let Some(l) = args.page_limit {
        usage = usage.with_page_limit(l);
    }
    let retry = finops_core::http::RetryConfig {
        retry_timeout: budget,
        ..Default::default()
    };
    let mut run_opts = RunOptions::default()
        .with_clock(clock)
        .with_usage_options(usage)
        .with_retry(retry);
    if let Some(e) = endpoint {
        run_opts = run_opts.with_endpoint(e);
    }
    let run = run_contract_report(entries, &ReportOptions::new(as_of), &run_opts).await;
    drop(emulator);
    match args.format {
        Format::Table => stdout.write_all(render_table(&run.report).as_bytes())?,
        Format::Json => {
            stdout.write_all(render_json(&run.report)?.as_bytes())?;
            stdout.write_all(b"\n")?;
        }
        Format::Csv => {
            stdout.write_all(&clients_csv(&run.report)?)?;
            stdout.write_all(b"\n")?;
            stdout.write_all(&consolidated_csv(&run.report)?)?;
        }
    }
    let files = match &args.out {
        Some(out) => write_outputs(out, &run.report, &run.records)?,
        None => Vec::new(),
    };
    Ok(RunOutcome {
        report: run.report,
        files,
    })
}

/// The whole command: parse `argv` (program name first), run, print, and return the exit
/// code (0 all clients reported, 2 some client failed, 1 nothing could run).
pub async fn run_cli(
    argv: Vec<std::ffi::OsString>,
    clock: finops_core::clock::SharedClock,
    stdout: &mut (dyn Write + Send),
    stderr: &mut (dyn Write + Send),
) -> u8 {
    let args = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = write!(stderr, "{e}");
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    let as_of = match (args.as_of, args.demo) {
        (Some(d), _) => d,
        (None, true) => DEMO_AS_OF.parse().unwrap_or_default(),
        // Today, by the clock the binary's main passed (the system clock).
        (None, false) => clock.now().date_naive(),
    };
    match run(&args, as_of, clock, stdout).await {
        Ok(outcome) => {
            for f in &outcome.files {
                let _ = writeln!(stderr, "wrote {}", f.display());
            }
            if outcome.report.failures.is_empty() {
                0
            } else {
                for f in &outcome.report.failures {
                    let _ = writeln!(
                        stderr,
                        "oci_contract_report: client {} ({}) failed: {}",
                        f.client, f.file, f.error
                    );
                }
                EXIT_CLIENT_FAILED
            }
        }
        Err(e) => {
            let _ = writeln!(stderr, "oci_contract_report: error: {}", error_text(&e));
            1
        }
    }
}

/// An error and its causes on one line, skipping a cause whose text the message already
/// carries (`finops_core::Error::Io` prints its source, which is also its `source()`).
pub fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Entry point of the example program; `clock` is the binary's (the system clock): it signs
/// the requests and gives the default `--as-of`.
pub fn main_with_args<I, T>(argv: I, clock: finops_core::clock::SharedClock) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oci_contract_report: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
    let code = rt.block_on(run_cli(
        argv,
        clock,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    ));
    ExitCode::from(code)
}

/// The demo's clock: stopped at noon UTC of `as_of`, shared by the emulator and the clients,
/// so the demo gives the same report on any day.
pub fn demo_clock(as_of: NaiveDate) -> anyhow::Result<finops_core::clock::SharedClock> {
    let noon = as_of
        .and_hms_opt(12, 0, 0)
        .ok_or_else(|| anyhow::anyhow!("no noon on {as_of}"))?
        .and_utc();
    Ok(std::sync::Arc::new(finops_core::clock::FixedClock::new(
        noon,
    )))
}

/// Run the OCI demo against its emulator, writing under `out`.
pub async fn demo(out: &Path) -> anyhow::Result<DemoSummary> {
    let args = Args {
        config_dir: Some(demo_config_dir()),
        as_of: None,
        endpoint: None,
        format: Format::Table,
        out: Some(out.to_path_buf()),
        demo: true,
        page_limit: Some(100),
        timeout: 60,
    };
    let as_of: NaiveDate = DEMO_AS_OF.parse()?;
    let mut sink = Vec::new();
    let clock = demo_clock(as_of)?;
    let outcome = run(&args, as_of, clock, &mut sink).await?;
    let r = &outcome.report;
    let mut lines = vec![format!(
        "OCI contract report as of {as_of}: {} client(s) reported, {} failed",
        r.clients.len(),
        r.failures.len()
    )];
    for c in &r.clients {
        lines.push(format!(
            "{}: consumed {} {cur}, forecast {} {cur}, credit left {} {cur}, {} of {} {cur} at contract end, run-out {}, backtest MAPE {}",
            c.client,
            c.consumed.round_dp(2),
            c.forecast,
            c.credit_left.round_dp(2),
            c.outcome,
            c.balance_at_end.abs().round_dp(2),
            c.run_out.date().map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
            c.backtest_mape_percent.map(|m| format!("{m}%")).unwrap_or_else(|| "n/a".into()),
            cur = c.currency,
        ));
    }
    for f in &r.failures {
        lines.push(format!("FAILED {}: {}", f.client, f.error));
    }
    for c in &r.consolidated {
        lines.push(format!(
            "consolidated {}: {} client(s), consumed {}, forecast {}, balance at end {}",
            c.currency,
            c.clients,
            c.consumed.round_dp(2),
            c.forecast,
            c.balance_at_end.round_dp(2)
        ));
    }
    if !r.failures.is_empty() {
        anyhow::bail!("{}", lines.join("; "));
    }
    Ok(DemoSummary {
        provider: "oci".into(),
        lines,
        files: outcome.files,
    })
}
