//! `azure_hub_ingest`: FinOps hubs ingestion (seed 002). Every `manifest.json` of the exports
//! container is converted into the hubs ingestion layout; optionally retention and a FOCUS 1.2
//! file of the whole Costs dataset.
//!
//! ```text
//! azure_hub_ingest --exports LOC --ingestion LOC [--retention-months N] [--as-of YYYY-MM-DD]
//!                  [--focus-out FILE] [--focus-version 1.2|1.0] [--format text|json] [--demo]
//! ```
//! `--focus-version 1.0` writes `--focus-out` as FOCUS 1.0 (hubs' `Costs_v1_0()`, AZ-12): the
//! same columns whatever version later exports use.
//! Exit 0 when every complete export was ingested or skipped with a reason, 1 when any failed
//! (the others are still ingested), 2 on a usage error.

use crate::DemoSummary;
use chrono::{NaiveDate, TimeZone, Utc};
use clap::{Parser, ValueEnum};
use finops_azure::emulator::exports::{ExportRun, write_export_run};
use finops_azure::ingest::{IngestOptions, IngestReport, Ingestor};
use finops_azure::retention::{RetentionReport, apply_retention_all};
use finops_azure::{AzureHub, ReadVersion, Store};
use finops_core::clock::{FixedClock, SharedClock};
use finops_core::source::CostQuery;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// The month the demo's exports cover, and its as-of date.
pub const DEMO_AS_OF: &str = "2026-11-22";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Lines for a terminal.
    #[default]
    Text,
    /// One JSON object (the contract).
    Json,
}

/// The FOCUS version of `--focus-out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FocusOutVersion {
    /// FOCUS 1.2.
    #[default]
    #[value(name = "1.2")]
    V1_2,
    /// FOCUS 1.0.
    #[value(name = "1.0")]
    V1_0,
}

/// Command line of `azure_hub_ingest`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "azure_hub_ingest",
    about = "FinOps hubs ingestion: Cost Management exports (msexports) -> hubs ingestion layout -> FOCUS 1.2",
    after_help = "LOC is a local directory or a blob container URL (https://ACCOUNT.blob.core.windows.net/CONTAINER, or Azurite's http://127.0.0.1:10000/devstoreaccount1/CONTAINER; key from AZURE_STORAGE_KEY or AZURE_STORAGE_CONNECTION_STRING).\n\nExit status: 0 when every complete export was ingested or skipped with a reason; 1 when any failed (the others are still ingested); 2 on a usage error."
)]
pub struct Args {
    /// Root of the msexports container: manifests' blob names are relative to it.
    #[arg(long, value_name = "LOC")]
    pub exports: Option<String>,
    /// The ingestion container (written).
    #[arg(long, value_name = "LOC")]
    pub ingestion: Option<String>,
    /// Keep this many months per dataset (the current one included); older months are removed
    /// after a run without failures.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub retention_months: Option<u32>,
    /// As-of date (the run's "now"); default: today (UTC); with --demo: 2026-11-22.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::parse_day)]
    pub as_of: Option<NaiveDate>,
    /// Write the Costs dataset of the whole ingestion container as FOCUS 1.2 (Parquet, or CSV by
    /// extension).
    #[arg(long, value_name = "FILE")]
    pub focus_out: Option<PathBuf>,
    /// The FOCUS version of --focus-out: 1.2, or 1.0 for readers built on FOCUS 1.0 (the
    /// columns FOCUS 1.1/1.2 added become x_ columns).
    #[arg(long, value_enum, default_value_t = FocusOutVersion::V1_2)]
    pub focus_version: FocusOutVersion,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write two sample FocusCost export runs (1.0r2 and 1.2) into --exports first (default
    /// directories under ./azure-demo).
    #[arg(long)]
    pub demo: bool,
}

/// What one run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunOutput {
    /// Ingestion report.
    #[serde(flatten)]
    pub report: IngestReport,
    /// Retention, when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<RetentionReport>,
    /// Rows written to --focus-out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus_rows: Option<u64>,
}

/// Write the demo's export runs (FocusCost 1.0r2 for a subscription, 1.2 for the EA account).
pub async fn write_demo_exports(exports: &Store, as_of: NaiveDate) -> anyhow::Result<()> {
    let mut a = ExportRun::focus_cost("1.0r2", as_of, 2_000, "demo-1-0r2");
    a.scope = "/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61".into();
    write_export_run(exports, &a).await?;
    write_export_run(
        exports,
        &ExportRun::focus_cost("1.2", as_of, 3_000, "demo-1-2"),
    )
    .await?;
    Ok(())
}

/// Run the ingestion (and retention and FOCUS output) with `clock`.
pub async fn run(args: &Args, clock: SharedClock) -> anyhow::Result<RunOutput> {
    let (ex, ing) = match (&args.exports, &args.ingestion) {
        (Some(e), Some(i)) => (e.clone(), i.clone()),
        (None, None) if args.demo => ("azure-demo/msexports".into(), "azure-demo/ingestion".into()),
        _ => anyhow::bail!("--exports and --ingestion are both required (or --demo)"),
    };
    let exports = Store::open(&ex)?;
    let ingestion = Store::open(&ing)?;
    if args.demo {
        write_demo_exports(&exports, clock.now().date_naive()).await?;
    }
    let engine = Ingestor::new(
        exports,
        ingestion.clone(),
        IngestOptions::new(clock.clone()),
    );
    let report = engine.ingest_all().await?;
    let retention = match args.retention_months {
        Some(n) => {
            let ok = report.errors.is_empty();
            let mut all = RetentionReport::default();
            for (_, r) in apply_retention_all(&ingestion, n, clock.now(), ok).await? {
                all.removed.extend(r.removed);
                all.objects += r.objects;
                all.skipped = all.skipped.or(r.skipped);
            }
            Some(all)
        }
        None => None,
    };
    let focus_rows = match &args.focus_out {
        Some(p) => Some(
            AzureHub::new(ingestion)
                .with_read_version(match args.focus_version {
                    FocusOutVersion::V1_2 => ReadVersion::Focus1_2,
                    FocusOutVersion::V1_0 => ReadVersion::Focus1_0,
                })
                .write_focus(p, &CostQuery::default())
                .await?,
        ),
        None => None,
    };
    Ok(RunOutput {
        report,
        retention,
        focus_rows,
    })
}

/// Render the text form.
pub fn render_text(o: &RunOutput) -> String {
    let mut s = String::new();
    for i in &o.report.ingested {
        s.push_str(&format!(
            "ingested {} {} {} {} {}: {} rows, {} files, replaced {}{}\n",
            i.manifest,
            i.dataset,
            i.version,
            i.month,
            i.scope,
            i.rows,
            i.files.len(),
            i.replaced,
            i.total
                .as_ref()
                .map(|t| format!(", total {t}"))
                .unwrap_or_default()
        ));
    }
    for k in &o.report.skipped {
        s.push_str(&format!("skipped {}: {}\n", k.manifest, k.reason));
    }
    for e in &o.report.errors {
        s.push_str(&format!("FAILED {}: {}\n", e.manifest, e.error));
    }
    if let Some(r) = &o.retention {
        s.push_str(&format!(
            "retention: removed {} folders ({} objects)",
            r.removed.len(),
            r.objects
        ));
        if let Some(w) = &r.skipped {
            s.push_str(&format!("; {w}"));
        }
        s.push('\n');
    }
    if let Some(n) = o.focus_rows {
        s.push_str(&format!("FOCUS 1.2: {n} rows\n"));
    }
    s
}

/// The program: parse `argv`, run, print, exit code.
pub fn main_with_args<I, T>(argv: I, clock: SharedClock) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let clock: SharedClock = match args.as_of {
        Some(d) => Arc::new(FixedClock::new(
            Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap_or_default()),
        )),
        None if args.demo => Arc::new(FixedClock::new(
            Utc.from_utc_datetime(
                &NaiveDate::parse_from_str(DEMO_AS_OF, "%Y-%m-%d")
                    .unwrap_or_default()
                    .and_hms_opt(12, 0, 0)
                    .unwrap_or_default(),
            ),
        )),
        None => clock,
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("azure_hub_ingest: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(&args, clock)) {
        Ok(out) => {
            match args.format {
                Format::Json => println!("{}", serde_json::to_string(&out).unwrap_or_default()),
                Format::Text => print!("{}", render_text(&out)),
            }
            ExitCode::from(if out.report.errors.is_empty() { 0 } else { 1 })
        }
        Err(e) => {
            eprintln!("azure_hub_ingest: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The Azure part of `finops demo`: export runs -> ingestion -> FOCUS 1.2 Parquet in `out`.
pub async fn demo(out: &Path) -> anyhow::Result<DemoSummary> {
    std::fs::create_dir_all(out)?;
    let day = NaiveDate::parse_from_str(DEMO_AS_OF, "%Y-%m-%d")?;
    let clock: SharedClock = Arc::new(FixedClock::new(
        Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default()),
    ));
    let exports = Store::local(out.join("msexports"))?;
    let ingestion = Store::local(out.join("ingestion"))?;
    write_demo_exports(&exports, day).await?;
    let report = Ingestor::new(exports, ingestion.clone(), IngestOptions::new(clock))
        .ingest_all()
        .await?;
    if !report.errors.is_empty() {
        anyhow::bail!("ingestion failed: {:?}", report.errors);
    }
    let focus = out.join("focus_azure.parquet");
    let rows = AzureHub::new(ingestion)
        .write_focus(&focus, &CostQuery::default())
        .await?;
    let mut lines: Vec<String> = report
        .ingested
        .iter()
        .map(|i| {
            format!(
                "{} {} {} {}: {} rows, BilledCost {}",
                i.dataset,
                i.version,
                i.month,
                i.scope,
                i.rows,
                i.total.clone().unwrap_or_default()
            )
        })
        .collect();
    lines.push(format!(
        "{rows} FOCUS 1.2 rows from the hubs ingestion layout"
    ));
    Ok(DemoSummary {
        provider: "azure".into(),
        lines,
        files: vec![out.join("ingestion"), focus],
    })
}
