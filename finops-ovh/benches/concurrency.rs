//! Concurrency bench (plain `harness = false` main): the emulator answers every call after
//! 50 ms; 20 Public Cloud projects × 12 usage-history periods (plus instances, regions,
//! network, Hosted Private Cloud VMs, VPS, services, bills and users of 3 accounts).
//! `collect_all` with its default bounded concurrency is timed against the same calls made
//! one after another (`concurrency = 1`), and both results are checked to be equal.
//!
//! Run: `cargo bench -p finops-ovh --bench concurrency` (or, faster to build,
//! `OVH_BENCH_FULL=1 cargo test -p finops-ovh --bench concurrency`, the same main in debug).
//! Under plain `cargo test --all-targets` (no `--bench` argument) it runs a quick smoke
//! version (no latency) so the test suite stays fast.

use finops_core::emulator::FaultConfig;
use finops_ovh::accounts::{AccountOptions, load_dir};
use finops_ovh::collect::{CollectOptions, collect_all};
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use std::time::{Duration, Instant};

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run()) {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let full =
        std::env::args().any(|a| a == "--bench") || std::env::var_os("OVH_BENCH_FULL").is_some();
    let (projects, periods, latency) = if full { (20, 12, 50) } else { (6, 2, 0) };
    let cfg = OvhEmulatorConfig::default()
        .with_projects(projects)
        .with_history_periods(periods);
    let emu = OvhEmulator::start(cfg).await?;
    emu.server().faults().set(FaultConfig {
        latency: Duration::from_millis(latency),
        ..FaultConfig::default()
    });
    let dir = tempfile::tempdir()?;
    emu.write_token_files(dir.path(), false)?;
    // The bench measures concurrency, not politeness: lift the per-credential rate limit.
    let loaded = load_dir(
        dir.path(),
        &AccountOptions::new().with_rate_limit(10_000.0, 1_000),
    )?;
    let as_of = "2026-11-22T00:00:00Z".parse()?;

    let concurrency = CollectOptions::new(as_of).concurrency * 4;
    let before = emu.api_calls();
    let t0 = Instant::now();
    let fast = collect_all(
        &loaded.accounts,
        &CollectOptions::new(as_of).with_concurrency(concurrency),
    )
    .await;
    let t_fast = t0.elapsed();
    let calls = emu.api_calls() - before;

    let t1 = Instant::now();
    let slow = collect_all(
        &loaded.accounts,
        &CollectOptions::new(as_of).with_concurrency(1),
    )
    .await;
    let t_slow = t1.elapsed();

    if !fast.errors.is_empty() || !slow.errors.is_empty() {
        return Err(format!("errors: {:?} / {:?}", fast.errors, slow.errors).into());
    }
    let same =
        fast.accounts.iter().zip(&slow.accounts).all(|(a, b)| {
            a.projects == b.projects && a.services == b.services && a.bills == b.bills
        });
    if !same || fast.accounts.len() != slow.accounts.len() {
        return Err("concurrent and sequential runs collected different data".into());
    }
    let projects: usize = fast.accounts.iter().map(|a| a.projects.len()).sum();
    let periods: usize = fast
        .accounts
        .iter()
        .flat_map(|a| a.projects.iter().map(|p| p.history.len()))
        .sum();
    println!(
        "ovh collect_all: {projects} projects, {periods} history periods, {calls} API calls at {latency} ms each"
    );
    println!("  concurrent (concurrency {concurrency}): {:>8.2?}", t_fast);
    println!("  one after another (concurrency 1): {:>8.2?}", t_slow);
    println!(
        "  speed-up: {:.1}x",
        t_slow.as_secs_f64() / t_fast.as_secs_f64().max(1e-9)
    );
    Ok(())
}
