//! The `finops` command: `finops demo` runs every provider against its emulator;
//! `finops aggregate` groups FOCUS files.

#![allow(clippy::disallowed_methods)]

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
        if failed.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("demo failed for: {}", failed.join(", "))
        }
    })
}
