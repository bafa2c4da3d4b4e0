//! The job's commands of the `finops` binary: `run`, `check`, `daemon`, `demo`, `emulators`.
//!
//! ```text
//! finops run --config finops.toml [--as-of YYYY-MM-DD] [--now RFC3339]
//! finops check --config finops.toml
//! finops daemon --config finops.toml [--now RFC3339] [--max-runs N]
//! finops demo [--out finops-demo] [--language en|fr] [--faults 0.3] [--down oci]...
//! finops emulators --write-config DIR [--out DIR/out] [--language en|fr] [--faults 0.3]
//! ```
//!
//! Exit status of `run`: 0 when something was collected (failed accounts are listed in
//! `summary.json` and the report), 1 when nothing could be collected, 2 when the config is
//! invalid. `check`: 0 when the config is valid and every reference resolves, 1 otherwise
//! (every problem printed, with its line).

use crate::job::config::{self, JobConfig, Provider};
use crate::job::demo;
use crate::job::progress::Progress;
use crate::job::sources::EnvFn;
use crate::job::{JobOptions, JobOutcome, run_job};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::notify::Language;
use finops_core::schedule::JobKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `finops run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The finops.toml.
    #[arg(long)]
    pub config: PathBuf,
    /// As-of day: data up to the day before (default: today in the output timezone).
    #[arg(long = "as-of", value_parser = crate::parse_day)]
    pub as_of: Option<NaiveDate>,
    /// Take this instant as "now" instead of the system clock (replays, and emulators whose
    /// clock is stopped at a date), RFC 3339.
    #[arg(long)]
    pub now: Option<String>,
}

/// `finops check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// The finops.toml.
    #[arg(long)]
    pub config: PathBuf,
}

/// `finops daemon`.
#[derive(Debug, Clone, clap::Args)]
pub struct DaemonArgs {
    /// The finops.toml (with a schedule section).
    #[arg(long)]
    pub config: PathBuf,
    /// Take this instant as "now" (tests against emulators stopped at a date), RFC 3339.
    #[arg(long)]
    pub now: Option<String>,
    /// Stop after this many runs (the run at start counts).
    #[arg(long = "max-runs")]
    pub max_runs: Option<usize>,
}

/// `finops demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Output folder.
    #[arg(long, default_value = "finops-demo")]
    pub out: PathBuf,
    /// Language of the report (en or fr).
    #[arg(long, default_value = "en", value_parser = parse_language)]
    pub language: Language,
    /// Share of requests every emulator answers with 429 or 500 (e.g. 0.3): the outputs
    /// must not change.
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    pub faults: f64,
    /// Stop this provider's emulator before the run (ovh, oci, arcgis; azure: its exports
    /// folder removed): the others complete
    /// and the report lists the failure. Repeatable.
    #[arg(long, value_parser = parse_provider)]
    pub down: Vec<Provider>,
    /// Write the emulators' credential files and the demo's finops.toml here and keep them
    /// (default: a temporary folder removed at the end).
    #[arg(long)]
    pub credentials: Option<PathBuf>,
}

/// `finops emulators`.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorsArgs {
    /// Write finops.toml and the credential files here, then serve until interrupted.
    #[arg(long = "write-config")]
    pub write_config: PathBuf,
    /// The output dir of the written config (default DIR/out).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Language of the written config.
    #[arg(long, default_value = "en", value_parser = parse_language)]
    pub language: Language,
    /// Fault injection share, as for `finops demo --faults`.
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    pub faults: f64,
}

fn parse_language(s: &str) -> Result<Language, String> {
    s.parse::<Language>().map_err(|e| e.to_string())
}

fn parse_share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..=0.9).contains(&x) => Ok(x),
        _ => Err(format!("{s:?}: a share between 0 and 0.9")),
    }
}

fn parse_provider(s: &str) -> Result<Provider, String> {
    Provider::ALL
        .into_iter()
        .find(|p| p.key() == s.trim())
        .ok_or_else(|| format!("{s:?}: one of ovh, oci, azure, arcgis"))
}

fn clock_of(now: Option<&str>, system: SharedClock) -> anyhow::Result<SharedClock> {
    match now {
        None => Ok(system),
        Some(s) => {
            let t = DateTime::parse_from_rfc3339(s.trim())
                .with_context(|| format!("--now {s:?}: expected an RFC 3339 time"))?
                .with_timezone(&Utc);
            Ok(Arc::new(FixedClock::new(t)))
        }
    }
}

fn process_env() -> EnvFn {
    Arc::new(|k: &str| std::env::var(k).ok())
}

/// Load a config, printing every problem. `None`: invalid (already printed).
fn load(path: &Path, err: &mut dyn std::io::Write) -> Option<JobConfig> {
    match config::load(path) {
        Ok(c) => Some(c),
        Err(p) => {
            let _ = writeln!(err, "finops: {p}");
            None
        }
    }
}

/// Print what a run did; returns the exit code.
fn report_outcome(o: &JobOutcome, out: &mut dyn std::io::Write) -> u8 {
    let _ = writeln!(
        out,
        "finops: {} of {} source(s) collected",
        o.collected, o.sources
    );
    for e in &o.errors {
        let _ = writeln!(out, "  error {e}");
    }
    for p in &o.published {
        let _ = writeln!(out, "  published {p}");
    }
    if o.messages_sent > 0 {
        let _ = writeln!(out, "  {} message(s) sent", o.messages_sent);
    }
    if let Some(s) = &o.summary {
        let _ = writeln!(out, "  summary: {}", s.display());
    }
    if let Some(r) = &o.report {
        let _ = writeln!(out, "  report:  {}", r.display());
    }
    if o.nothing_collected() { 1 } else { 0 }
}

/// `finops run`.
pub async fn run(args: &RunArgs, system: SharedClock, terminal: bool) -> u8 {
    let mut stderr = std::io::stderr();
    let Some(cfg) = load(&args.config, &mut stderr) else {
        return 2;
    };
    let clock = match clock_of(args.now.as_deref(), system) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("finops: {e:#}");
            return 2;
        }
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| clock.now().with_timezone(&cfg.output.timezone).date_naive());
    let opts = JobOptions {
        as_of,
        clock,
        retry: None,
        env: process_env(),
        kind: JobKind::Full,
        progress: Arc::new(Progress::new(terminal)),
    };
    match run_job(&cfg, &opts).await {
        Ok(o) => report_outcome(&o, &mut std::io::stdout()),
        Err(e) => {
            eprintln!("finops: {}", crate::oci::error_text(&e));
            1
        }
    }
}

/// `finops check`.
pub fn check(args: &CheckArgs) -> u8 {
    let mut stderr = std::io::stderr();
    let Some(cfg) = load(&args.config, &mut stderr) else {
        return 1;
    };
    let env = |k: &str| std::env::var(k).ok();
    let problems = config::check_environment(&cfg, &env);
    if problems.is_empty() {
        println!(
            "{}: OK ({} source(s): {}; output {})",
            args.config.display(),
            cfg.sources.len(),
            cfg.sources
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            cfg.output.dir.display()
        );
        0
    } else {
        eprintln!(
            "finops: {}: {} problem(s)",
            args.config.display(),
            problems.len()
        );
        for p in problems {
            eprintln!("  {}:{p}", args.config.display());
        }
        1
    }
}

/// `finops daemon`.
pub async fn daemon(args: &DaemonArgs, system: SharedClock, terminal: bool) -> u8 {
    let mut stderr = std::io::stderr();
    let Some(cfg) = load(&args.config, &mut stderr) else {
        return 2;
    };
    let clock = match clock_of(args.now.as_deref(), system) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("finops: {e:#}");
            return 2;
        }
    };
    let opts = JobOptions {
        as_of: clock.now().date_naive(),
        clock,
        retry: None,
        env: process_env(),
        kind: JobKind::Full,
        progress: Arc::new(Progress::new(terminal)),
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match crate::job::daemon::run_daemon(cfg, opts, args.max_runs, shutdown).await {
        Ok(n) => {
            if args.max_runs.is_some() {
                println!("finops daemon: {n} run(s) made");
            }
            0
        }
        Err(e) => {
            eprintln!("finops daemon: {}", crate::oci::error_text(&e));
            1
        }
    }
}

/// `finops demo`: the emulators, the config pointing at them, the job.
pub async fn demo(args: &DemoArgs, terminal: bool) -> u8 {
    match demo_inner(args, terminal).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("finops demo: {}", crate::oci::error_text(&e));
            1
        }
    }
}

async fn demo_inner(args: &DemoArgs, terminal: bool) -> anyhow::Result<u8> {
    let out =
        std::path::absolute(&args.out).with_context(|| format!("--out {}", args.out.display()))?;
    let scratch = crate::ovh::ScratchDir::new("finops-demo")?;
    let creds = match &args.credentials {
        Some(d) => std::path::absolute(d)?,
        None => scratch.path().to_path_buf(),
    };
    let faults = demo::DemoFaults {
        storm: args.faults,
        down: args.down.clone(),
    };
    let emus = demo::start(&creds, &faults).await?;
    let cfg_path = demo::write_config(&emus, &out, args.language)?;
    let cfg = config::load(&cfg_path).map_err(|p| anyhow::anyhow!("{p}"))?;
    let opts = JobOptions {
        as_of: demo::demo_as_of(),
        clock: Arc::new(FixedClock::new(demo::demo_now())),
        retry: Some(demo::demo_retry()),
        env: process_env(),
        kind: JobKind::Full,
        progress: Arc::new(Progress::new(terminal)),
    };
    let o = run_job(&cfg, &opts).await?;
    drop(emus);
    drop(scratch);
    let mut stdout = std::io::stdout();
    let code = report_outcome(&o, &mut stdout);
    if let Some(r) = &o.report {
        println!();
        println!("Open the report: {}", r.display());
    }
    Ok(code)
}

/// `finops emulators --write-config DIR`.
pub async fn emulators(args: &EmulatorsArgs) -> u8 {
    let r = async {
        let dir = std::path::absolute(&args.write_config)?;
        let out = match &args.out {
            Some(o) => std::path::absolute(o)?,
            None => dir.join("out"),
        };
        let emus = demo::start(
            &dir,
            &demo::DemoFaults {
                storm: args.faults,
                down: Vec::new(),
            },
        )
        .await?;
        let cfg = demo::write_config(&emus, &out, args.language)?;
        println!("finops emulators: ready; config {}", cfg.display());
        for (p, u) in emus.urls() {
            println!("  {p} {u}");
        }
        println!(
            "  run: finops run --config {} --as-of {} --now {}",
            cfg.display(),
            demo::DEMO_AS_OF,
            demo::DEMO_NOW
        );
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = tokio::signal::ctrl_c().await;
        drop(emus);
        anyhow::Ok(())
    }
    .await;
    match r {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("finops emulators: {}", crate::oci::error_text(&e));
            1
        }
    }
}
