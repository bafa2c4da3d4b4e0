//! The `finops` command: `finops run|daemon --config finops.toml` run the job (every provider,
//! one FOCUS dataset, the report), `finops check` validates a config, `finops demo` runs the
//! job against every provider's loopback emulator, `finops emulators` serves them;
//! `finops aggregate` groups FOCUS files; `finops allocate|forecast|anomalies` analyse them;
//! `finops schedule` prints a schedule's next runs.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;

#[derive(Debug, Parser)]
#[command(
    name = "finops",
    version,
    about = "One trustworthy view of what your clouds cost"
)]
struct Cli {
    /// Log format on stderr: text, or json (one object per line, for log collectors).
    #[arg(long = "log-format", global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the job once: collect every configured source, write focus/, the provider files,
    /// the analysis, summary.json and report.html, then publish and notify.
    Run(finops_examples::job_cmd::RunArgs),
    /// Check a finops.toml: every problem at once, with its line; references resolved.
    Check(finops_examples::job_cmd::CheckArgs),
    /// Run the job on the configured schedule (runs recorded in the state store).
    Daemon(finops_examples::job_cmd::DaemonArgs),
    /// The whole job against every provider's loopback emulator, into ./finops-demo/.
    Demo(finops_examples::job_cmd::DemoArgs),
    /// Start every emulator, write a finops.toml and credentials pointing at them, serve.
    Emulators(finops_examples::job_cmd::EmulatorsArgs),
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
    let cli = Cli::parse();
    let job = matches!(
        cli.command,
        Command::Run(_) | Command::Daemon(_) | Command::Demo(_) | Command::Emulators(_)
    );
    // Progress spinners on a terminal; structured logs otherwise.
    let terminal = cli.log_format == LogFormat::Text && std::io::stderr().is_terminal();
    let default_filter = if job && !terminal { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| default_filter.into());
    match cli.log_format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
    }
    // The one place the wall clock is read; everything below gets it injected.
    let clock = finops_core::clock::system();
    let rt = || {
        tokio::runtime::Runtime::new().map_err(|e| {
            eprintln!("finops: cannot start the runtime: {e}");
            std::process::ExitCode::FAILURE
        })
    };
    let code = |c: u8| std::process::ExitCode::from(c);
    let result = match cli.command {
        Command::Run(args) => {
            return match rt() {
                Ok(rt) => code(rt.block_on(finops_examples::job_cmd::run(&args, clock, terminal))),
                Err(c) => c,
            };
        }
        Command::Check(args) => return code(finops_examples::job_cmd::check(&args)),
        Command::Daemon(args) => {
            return match rt() {
                Ok(rt) => {
                    code(rt.block_on(finops_examples::job_cmd::daemon(&args, clock, terminal)))
                }
                Err(c) => c,
            };
        }
        Command::Demo(args) => {
            return match rt() {
                Ok(rt) => code(rt.block_on(finops_examples::job_cmd::demo(&args, terminal))),
                Err(c) => c,
            };
        }
        Command::Emulators(args) => {
            return match rt() {
                Ok(rt) => code(rt.block_on(finops_examples::job_cmd::emulators(&args))),
                Err(c) => c,
            };
        }
        Command::Aggregate(args) => finops_examples::aggregate_cmd::run(&args),
        Command::Allocate(args) => finops_examples::allocate_cmd::run(&args),
        Command::Forecast(args) => finops_examples::forecast_cmd::run(&args),
        Command::Anomalies(args) => finops_examples::anomalies_cmd::run(&args),
        Command::Schedule(args) => finops_examples::schedule_cmd::run(&args, clock.as_ref()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("finops: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
