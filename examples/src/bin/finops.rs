//! The `finops` command: `finops demo` runs every provider against its emulator;
//! `finops aggregate` groups FOCUS files; `finops allocate|forecast|anomalies` analyse them;
//! `finops schedule` prints a schedule's next runs.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "finops",
    version,
    about = "One trustworthy view of what your clouds cost"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every provider against its loopback emulator with bundled sample data; write the
    /// outputs under --out (default ./finops-demo) and print a summary.
    Demo {
        /// Output directory.
        #[arg(long, default_value = "finops-demo")]
        out: PathBuf,
    },
    /// Exact group-by over FOCUS CSV / CSV.gz / Parquet files.
    Aggregate(Box<finops_examples::aggregate_cmd::AggregateArgs>),
    /// Allocate FOCUS costs to targets by a TOML rules file (showback / chargeback).
    Allocate(Box<finops_examples::allocate_cmd::AllocateArgs>),
    /// Forecast daily costs per group, with backtest, interval and run-out date.
    Forecast(Box<finops_examples::forecast_cmd::ForecastArgs>),
    /// Days whose cost leaves the forecast interval, with their causes.
    Anomalies(Box<finops_examples::anomalies_cmd::AnomaliesArgs>),
    /// Print the next run times of a schedule (--preset ovh-weekly, --cron, --config).
    Schedule(finops_examples::schedule_cmd::ScheduleArgs),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { out } => run_demo(out),
        Command::Aggregate(args) => finops_examples::aggregate_cmd::run(&args),
        Command::Allocate(args) => finops_examples::allocate_cmd::run(&args),
        Command::Forecast(args) => finops_examples::forecast_cmd::run(&args),
        Command::Anomalies(args) => finops_examples::anomalies_cmd::run(&args),
        Command::Schedule(args) => {
            finops_examples::schedule_cmd::run(&args, &finops_core::clock::SystemClock)
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("finops: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_demo(out: PathBuf) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        std::fs::create_dir_all(&out)?;
        let mut failed = Vec::new();
        let demos: Vec<(&str, _)> = vec![
            ("ovh", finops_examples::ovh::demo(&out.join("ovh")).await),
            ("oci", finops_examples::oci::demo(&out.join("oci")).await),
            (
                "arcgis",
                finops_examples::arcgis::demo(&out.join("arcgis")).await,
            ),
        ];
        println!("finops demo: outputs under {}", out.display());
        for (name, result) in demos {
            match result {
                Ok(summary) => {
                    println!("\n== {} ==", summary.provider);
                    for l in &summary.lines {
                        println!("  {l}");
                    }
                    for f in &summary.files {
                        println!("  wrote {}", f.display());
                    }
                }
                Err(e) => {
                    println!("\n== {name} == FAILED: {e:#}");
                    failed.push(name);
                }
            }
        }
        match combine_focus(&out) {
            Ok(lines) => {
                println!("\n== FOCUS 1.2, all providers ==");
                for l in &lines {
                    println!("  {l}");
                }
            }
            Err(e) => {
                println!("\n== FOCUS 1.2, all providers == FAILED: {e:#}");
                failed.push("focus_all");
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("demo failed for: {}", failed.join(", "))
        }
    })
}

/// one FOCUS 1.2 dataset across providers. Reads every FOCUS Parquet file the provider demos
/// wrote, writes them together as `focus_all.parquet`, checks it, and prints exact totals per
/// provider and billing currency.
fn combine_focus(out: &std::path::Path) -> anyhow::Result<Vec<String>> {
    use finops_core::Column;
    use finops_core::aggregate::{AggregateQuery, aggregate_files};
    use finops_core::focus::check::{CheckOptions, check_file};

    let mut inputs = Vec::new();
    for provider in ["ovh", "oci", "arcgis"] {
        let dir = out.join(provider);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        files.sort();
        inputs.extend(files);
    }
    let mut records = Vec::new();
    for f in &inputs {
        for r in finops_core::focus::read_file(f)? {
            records.push(r?);
        }
    }
    let path = out.join("focus_all.parquet");
    finops_core::focus::parquet::write_parquet_file(&path, &records)?;
    let report = check_file(&path, &CheckOptions::default())?;
    let mut lines = vec![format!(
        "{} records from {} files -> {} ({})",
        records.len(),
        inputs.len(),
        path.display(),
        if report.is_clean() {
            "finops check: clean".to_string()
        } else {
            format!(
                "finops check: {} errors, {} issues",
                report.errors.len(),
                report.issues.len()
            )
        }
    )];
    // The exact aggregation engine over the combined file (BillingCurrency joins the key).
    let query = AggregateQuery::new()
        .group_by("ProviderName")?
        .group_by("month")?
        .sum(Column::BilledCost)
        .sum(Column::EffectiveCost);
    let table = aggregate_files(&[&path], &query)?;
    let summary = out.join("cost_by_provider_month.csv");
    let mut f = finops_core::fs::AtomicFile::create(&summary)?;
    table.write_csv(&mut f)?;
    f.commit()?;
    lines.push(format!(
        "{} rows of exact BilledCost / EffectiveCost by provider and month -> {}",
        table.rows.len(),
        summary.display()
    ));
    let by_provider = AggregateQuery::new()
        .group_by("ProviderName")?
        .sum(Column::BilledCost)
        .sum(Column::EffectiveCost);
    let totals = aggregate_files(&[&path], &by_provider)?;
    lines.push(format!(
        "  {:<22} {:>20} {:>20}",
        "provider currency", "BilledCost", "EffectiveCost"
    ));
    for row in &totals.rows {
        let key: Vec<&str> = row.key.iter().map(|k| k.as_deref().unwrap_or("")).collect();
        let vals: Vec<String> = row
            .values
            .iter()
            .map(|v| {
                v.map(finops_core::money::format_decimal)
                    .unwrap_or_default()
            })
            .collect();
        lines.push(format!(
            "  {:<22} {:>20} {:>20}",
            key.join(" "),
            vals.first().map(String::as_str).unwrap_or(""),
            vals.get(1).map(String::as_str).unwrap_or("")
        ));
    }
    if !report.is_clean() {
        anyhow::bail!("{}", lines.join("; "));
    }
    Ok(lines)
}
