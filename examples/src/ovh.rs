//! The `ovh_weekly_report` example: the weekly OVHcloud FinOps extraction of the original
//! Python scripts (parity OVH-01..16, 20, 21).
//!
//! ```text
//! cargo run -p finops-examples --example ovh_weekly_report -- \
//!     --tokens DIR --cmdb FILE --out DIR --as-of 2026-11-22 \
//!     [--endpoint URL] [--state FILE.sqlite] [--sample-usage] [--utf8] [--demo]
//! ```
//!
//! - `--tokens DIR`: one python-ovh INI credential file per application (information
//!   system); the file name without extension is the account name. Hidden files are skipped.
//!   A file that cannot be read or parsed is reported and the other accounts go on.
//! - `--cmdb FILE`: the CMDB workbook (`.xlsx`), or a directory of per-sheet CSV files.
//! - `--out DIR`: the CSV set, `focus.parquet`, written atomically.
//! - `--as-of`: the run's reference time: a date (`2026-11-22`, meaning 00:00 UTC that day)
//!   or an RFC 3339 time. Every output depends on it and never on the wall clock, so two runs
//!   over the same data give byte-identical files (`date_time_refresh.csv` included).
//! - `--endpoint URL`: replaces the endpoint of every credential file (an emulator or a test
//!   server, e.g. `http://127.0.0.1:8080/1.0`).
//! - `--state FILE.sqlite`: the state store (Hosted Private Cloud samples, user history);
//!   default `<out>/ovh_state.sqlite`.
//! - `--sample-usage`: also store one Hosted Private Cloud CPU/RAM sample for the hour of
//!   `--as-of` (the hourly sampling of OVH-12; schedule it with `--as-of` set to the current
//!   time).
//! - `--sample-only`: the light hourly run: only the Hosted Private Cloud VMs are read
//!   (`collect_dedicated_cloud_vms`), one sample per VM is stored for the hour of `--as-of`,
//!   and only `data_PBI_info_usage.csv` is rewritten; `--cmdb` is not needed.
//! - `--utf8`: write UTF-8 instead of Windows-1252.
//! - `--demo`: start the loopback emulator with its sample accounts (their token files go to a
//!   temporary directory removed afterwards) and use the sample CMDB
//!   (`examples/data/ovh/CMDB.xlsx`); `--tokens` and `--cmdb` become optional.
//!
//! The exit status is 0 when the files were written, even when some accounts failed: those
//! are printed on stderr (file, call, reason) with the expiring tokens and the tenants missing
//! from the CMDB. When no account could be read at all (every credential file bad or refused,
//! or the API unreachable), no file is written (last week's files stay as they were), each
//! failure is printed and the exit status is 1 (with `--sample-only` too: no sample stored).

use crate::DemoSummary;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::Parser;
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_ovh::report::CsvEncoding;
use finops_ovh::weekly::{dedicated_cloud_readings, focus_records, sample_usage, write_usage_file};
use finops_ovh::{
    AccountOptions, Cmdb, CollectOptions, Collected, Store, WeeklyOptions, WeeklySummary,
    collect_all, collect_dedicated_cloud_vms, load_dir, write_weekly,
};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Command line of `ovh_weekly_report`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "ovh_weekly_report",
    about = "OVHcloud weekly FinOps report (Power BI CSV set + FOCUS)"
)]
pub struct Args {
    /// Directory of INI credential files, one per application.
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// CMDB workbook (.xlsx) or directory of per-sheet CSV files.
    #[arg(long)]
    pub cmdb: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Reference date (YYYY-MM-DD, 00:00 UTC) or RFC 3339 time.
    #[arg(long = "as-of")]
    pub as_of: String,
    /// Endpoint replacing every credential file's endpoint: a name (ovh-eu, ...) or the API base URL
    /// as go-ovh takes it, e.g. http://127.0.0.1:8080/1.0
    #[arg(long)]
    pub endpoint: Option<String>,
    /// SQLite state store (default `<out>/ovh_state.sqlite`).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Store one Hosted Private Cloud CPU/RAM sample for the hour of `--as-of`.
    #[arg(long = "sample-usage")]
    pub sample_usage: bool,
    /// Only sample Hosted Private Cloud usage (the light hourly run) and write the usage file.
    #[arg(long = "sample-only")]
    pub sample_only: bool,
    /// Write UTF-8 instead of Windows-1252.
    #[arg(long)]
    pub utf8: bool,
    /// Start the loopback emulator with sample accounts and CMDB.
    #[arg(long)]
    pub demo: bool,
    /// Calls per second per credential (default: the adapter's polite default).
    #[arg(long = "rate-limit", value_parser = positive_rate)]
    pub rate_limit: Option<f64>,
    /// Calls in flight at once across accounts (default 8).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

/// Everything `run` needs (the CLI, or a test).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Token directory.
    pub tokens: PathBuf,
    /// CMDB path.
    pub cmdb: PathBuf,
    /// Output directory.
    pub out: PathBuf,
    /// Reference time.
    pub as_of: DateTime<Utc>,
    /// Endpoint override.
    pub endpoint: Option<String>,
    /// State store path.
    pub state: PathBuf,
    /// Sample Hosted Private Cloud usage first.
    pub sample_usage: bool,
    /// Only sample Hosted Private Cloud usage and write `data_PBI_info_usage.csv`.
    pub sample_only: bool,
    /// CSV encoding.
    pub encoding: CsvEncoding,
    /// Calls per second per credential (`None`: the adapter default).
    pub rate_limit: Option<f64>,
    /// Retry policy (`None`: the shared default).
    pub retry: Option<RetryConfig>,
    /// Concurrency across accounts and projects.
    pub concurrency: usize,
    /// The clock API requests are signed with (`None`: the adapter's default, the system clock).
    pub clock: Option<finops_core::clock::SharedClock>,
}

impl RunOptions {
    /// Options with defaults for the rest.
    pub fn new(
        tokens: impl Into<PathBuf>,
        cmdb: impl Into<PathBuf>,
        out: impl Into<PathBuf>,
        as_of: DateTime<Utc>,
    ) -> Self {
        let out = out.into();
        RunOptions {
            tokens: tokens.into(),
            cmdb: cmdb.into(),
            state: out.join("ovh_state.sqlite"),
            out,
            as_of,
            endpoint: None,
            sample_usage: false,
            sample_only: false,
            encoding: CsvEncoding::Cp1252,
            rate_limit: None,
            retry: None,
            concurrency: 8,
            clock: None,
        }
    }
}

/// What a run did.
#[derive(Debug)]
pub struct RunOutcome {
    /// The weekly summary (files, unmapped tenants, failures, expiring tokens).
    pub summary: WeeklySummary,
    /// New Hosted Private Cloud samples stored (with `--sample-usage`).
    pub samples_stored: usize,
    /// FOCUS records written to `focus.parquet`.
    pub focus_records: usize,
}

impl RunOutcome {
    /// Summary lines for the console.
    pub fn lines(&self) -> Vec<String> {
        let mut v = self.summary.lines();
        v.push(format!(
            "{} FOCUS records in focus.parquet",
            self.focus_records
        ));
        if self.samples_stored > 0 {
            v.push(format!(
                "{} Hosted Private Cloud samples stored",
                self.samples_stored
            ));
        }
        v
    }
}

/// `--rate-limit`: a positive, finite number of calls per second (0 or NaN would wait forever).
fn positive_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!(
            "{s:?} is not a positive number of calls per second"
        )),
    }
}

/// Parse `--as-of`: `YYYY-MM-DD` (00:00 UTC) or RFC 3339.
pub fn parse_as_of(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let t = d.and_hms_opt(0, 0, 0).context("invalid date")?;
        return Ok(t.and_utc());
    }
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .with_context(|| format!("--as-of {s:?}: expected YYYY-MM-DD or an RFC 3339 time"))
}

/// The sample CMDB shipped with the examples.
pub fn sample_cmdb() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ovh/CMDB.xlsx")
}

/// The weekly run: collect, sample, write the CSV set and `focus.parquet`.
pub async fn run(opts: &RunOptions) -> anyhow::Result<RunOutcome> {
    let mut aopts = AccountOptions::new();
    if let Some(c) = &opts.clock {
        aopts = aopts.with_clock(c.clone());
    }
    if let Some(e) = &opts.endpoint {
        aopts = aopts.with_endpoint_override(e.clone());
    }
    if let Some(r) = opts.rate_limit {
        aopts = aopts.with_rate_limit(r, (r as u32).clamp(10, 1000));
    }
    if let Some(r) = &opts.retry {
        aopts = aopts.with_retry(r.clone());
    }
    let tokens = opts.tokens.clone();
    let loaded = blocking(move || load_dir(&tokens, &aopts))
        .await?
        .with_context(|| format!("token directory {}", opts.tokens.display()))?;
    let copts = CollectOptions::new(opts.as_of).with_concurrency(opts.concurrency);
    let wopts = WeeklyOptions::new(opts.as_of).with_encoding(opts.encoding);
    if opts.sample_only {
        // The light hourly call: only the Hosted Private Cloud VMs, then the usage file.
        let (vms, errors) = collect_dedicated_cloud_vms(&loaded.accounts, &copts).await;
        let failed: std::collections::BTreeSet<&str> =
            errors.iter().map(|e| e.file.as_str()).collect();
        if vms.is_empty()
            && loaded
                .accounts
                .iter()
                .all(|a| failed.contains(a.name.as_str()))
        {
            // Every account failed: a scheduler must see the hour was not sampled.
            let reasons: Vec<String> = loaded
                .errors
                .iter()
                .chain(errors.iter())
                .map(|e| e.to_string())
                .collect();
            anyhow::bail!(
                "no OVH account could be read from {}; no sample stored, no file written:\n  {}",
                opts.tokens.display(),
                reasons.join("\n  ")
            );
        }
        // SQLite and the file writes off the async runtime.
        let (state, out, as_of) = (opts.state.clone(), opts.out.clone(), opts.as_of);
        let (samples_stored, path) = blocking(move || -> anyhow::Result<_> {
            let store =
                Store::open(&state).with_context(|| format!("state store {}", state.display()))?;
            let n = store.record_samples(&dedicated_cloud_readings(&vms), as_of)?;
            Ok((n, write_usage_file(&store, &out, &wopts)?))
        })
        .await??;
        let mut all_errors = loaded.errors;
        all_errors.extend(errors);
        all_errors.sort_by(|a, b| (&a.file, &a.call).cmp(&(&b.file, &b.call)));
        return Ok(RunOutcome {
            summary: WeeklySummary {
                files: vec![path],
                errors: all_errors,
                ..WeeklySummary::default()
            },
            samples_stored,
            focus_records: 0,
        });
    }
    let cmdb_path = opts.cmdb.clone();
    let cmdb = blocking(move || Cmdb::load(&cmdb_path))
        .await?
        .with_context(|| format!("CMDB {}", opts.cmdb.display()))?;
    let mut collected: Collected = collect_all(&loaded.accounts, &copts).await;
    collected.errors.extend(loaded.errors);
    collected
        .errors
        .sort_by(|a, b| (&a.file, &a.call).cmp(&(&b.file, &b.call)));

    if !collected.accounts.iter().any(answered) {
        // Nothing was read (every file bad, every key refused, or the API unreachable):
        // rewriting the Power BI files empty would replace last week's data with nothing.
        let reasons: Vec<String> = collected.errors.iter().map(|e| e.to_string()).collect();
        anyhow::bail!(
            "no OVH account could be read from {}; no file written:\n  {}",
            opts.tokens.display(),
            reasons.join("\n  ")
        );
    }

    // The local side (SQLite state store, CSV set, Parquet) off the async runtime.
    let opts = opts.clone();
    blocking(move || local_side(&collected, &cmdb, &opts, &wopts)).await?
}

/// The local side of the weekly run (blocking I/O: SQLite, files): sample, write the CSV set
/// and `focus.parquet`.
fn local_side(
    collected: &Collected,
    cmdb: &Cmdb,
    opts: &RunOptions,
    wopts: &WeeklyOptions,
) -> anyhow::Result<RunOutcome> {
    let store = Store::open(&opts.state)
        .with_context(|| format!("state store {}", opts.state.display()))?;
    let samples_stored = if opts.sample_usage {
        sample_usage(collected, &store, opts.as_of)?
    } else {
        0
    };
    let mut summary = write_weekly(collected, cmdb, &store, &opts.out, wopts)?;

    let records = focus_records(collected, cmdb, opts.as_of)?;
    let parquet = opts.out.join("focus.parquet");
    finops_core::focus::parquet::write_parquet_file(&parquet, &records)?;
    summary.files.push(parquet);
    Ok(RunOutcome {
        summary,
        samples_stored,
        focus_records: records.len(),
    })
}

/// Run blocking work (file and SQLite I/O) on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .context("blocking task failed")
}

/// Whether the API answered for this account at all (credential, `/me` or any tenant).
fn answered(a: &finops_ovh::collect::AccountData) -> bool {
    a.token.status.is_some()
        || a.me.is_some()
        || !a.projects.is_empty()
        || !a.dedicated_clouds.is_empty()
        || !a.vps.is_empty()
        || !a.services.is_empty()
}

/// Small retry waits for tests and the demo (the fault injector answers at once).
pub fn fast_retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            base: 2.0,
        },
        max_retries: 12,
        max_retry_after: Duration::from_millis(20),
        ..RetryConfig::default()
    }
}

/// A scratch directory removed on drop (the demo's token files never land in the output).
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// A fresh directory under the system temporary directory.
    pub fn new(label: &str) -> anyhow::Result<Self> {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).with_context(|| format!("cannot create {}", p.display()))?;
        Ok(ScratchDir(p))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Start the emulator, write its token files under `dir`, return it with the token directory.
pub async fn start_demo_emulator(
    dir: &Path,
    as_of: DateTime<Utc>,
) -> anyhow::Result<(finops_ovh::emulator::OvhEmulator, PathBuf)> {
    // A fixed emulator clock keeps the VM metrics (they vary with the emulator's hour) and so
    // the whole report reproducible; clients sync to it through `/auth/time`.
    let clock: finops_core::clock::SharedClock =
        std::sync::Arc::new(finops_core::clock::FixedClock::new(as_of));
    let cfg = finops_ovh::emulator::OvhEmulatorConfig::default()
        .with_as_of(as_of)
        .with_clock(clock);
    let emu = finops_ovh::emulator::OvhEmulator::start(cfg).await?;
    let tokens = dir.join("tokens");
    // The revoked `Legacy_Archive` token is included: the report shows it failing.
    emu.write_token_files(&tokens, true)?;
    Ok((emu, tokens))
}

/// Run the CLI with these arguments (the first is the program name). `clock` signs the API
/// requests (a binary's `main` passes the system clock); with `--demo` the emulator's clock,
/// stopped at `--as-of`, is used instead so the demo is reproducible.
pub async fn main_with_args<I, T>(
    args: I,
    clock: finops_core::clock::SharedClock,
) -> anyhow::Result<RunOutcome>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let a = Args::try_parse_from(args)?;
    let as_of = parse_as_of(&a.as_of)?;
    let mut emulator = None;
    let mut scratch_dir = None;
    let (tokens, cmdb, endpoint) = if a.demo {
        let scratch = ScratchDir::new("finops-ovh-demo")?;
        let (emu, tokens) = start_demo_emulator(scratch.path(), as_of).await?;
        scratch_dir = Some(scratch);
        let cmdb = a.cmdb.clone().unwrap_or_else(sample_cmdb);
        emulator = Some(emu);
        (tokens, cmdb, a.endpoint.clone())
    } else {
        let tokens = a
            .tokens
            .clone()
            .context("--tokens DIR is required (or --demo)")?;
        let cmdb = match (&a.cmdb, a.sample_only) {
            (Some(c), _) => c.clone(),
            (None, true) => PathBuf::new(),
            (None, false) => anyhow::bail!("--cmdb FILE is required (or --demo, --sample-only)"),
        };
        (tokens, cmdb, a.endpoint.clone())
    };
    let mut opts = RunOptions::new(tokens, cmdb, &a.out, as_of);
    opts.endpoint = endpoint;
    opts.clock = Some(match &emulator {
        Some(emu) => emu.clock(),
        None => clock,
    });
    if let Some(s) = &a.state {
        opts.state = s.clone();
    }
    opts.sample_usage = a.sample_usage;
    opts.sample_only = a.sample_only;
    opts.encoding = if a.utf8 {
        CsvEncoding::Utf8
    } else {
        CsvEncoding::Cp1252
    };
    opts.rate_limit = a.rate_limit;
    opts.concurrency = a.concurrency.max(1);
    if a.demo {
        opts.rate_limit = opts.rate_limit.or(Some(1000.0));
        opts.retry = Some(fast_retry());
    }
    let outcome = run(&opts).await;
    drop(emulator);
    drop(scratch_dir);
    let outcome = outcome?;
    for l in outcome.lines() {
        eprintln!("{l}");
    }
    for f in &outcome.summary.files {
        println!("{}", f.display());
    }
    Ok(outcome)
}

/// Run the ovh demo against its emulator, writing under `out`.
pub async fn demo(out: &Path) -> anyhow::Result<DemoSummary> {
    let as_of = parse_as_of("2026-11-22")?;
    let scratch = ScratchDir::new("finops-ovh-demo")?;
    let (emu, tokens) = start_demo_emulator(scratch.path(), as_of).await?;
    let mut opts = RunOptions::new(tokens, sample_cmdb(), out, as_of);
    opts.clock = Some(emu.clock());
    opts.sample_usage = true;
    opts.rate_limit = Some(1000.0);
    opts.retry = Some(fast_retry());
    let outcome = run(&opts).await;
    drop(emu);
    drop(scratch);
    let outcome = outcome?;
    Ok(DemoSummary {
        provider: "ovh".into(),
        lines: outcome.lines(),
        files: outcome.summary.files.clone(),
    })
}
