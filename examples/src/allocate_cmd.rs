//! `finops allocate`: showback / chargeback allocation of FOCUS files by a TOML rules file.
//!
//! ```text
//! finops allocate --input FILE [--input FILE2 ...] --rules rules.toml --out DIR
//! ```
//!
//! Writes `DIR/allocated.parquet` (the FOCUS 1.2 records with `x_AllocatedTo`,
//! `x_AllocationRule`, `x_AllocatedFrom`) and `DIR/showback.csv` (header
//! `AllocatedTo,month,BillingCurrency,BilledCost,EffectiveCost`), both atomically, and prints
//! a summary. The rules format is documented in `finops_core::allocate` and in the commented
//! example `examples/data/allocation/rules.toml`. Exit codes: 0 ok, 1 runtime failure (a bad
//! rules file, an unreadable input), 2 usage error.

use anyhow::Context;
use finops_core::allocate::{Rules, allocate_files};
use std::path::PathBuf;

/// Arguments of `finops allocate`.
#[derive(Debug, clap::Args)]
pub struct AllocateArgs {
    /// Input FOCUS files (CSV, CSV.gz, Parquet; any FOCUS version); several after one `--input`, or `--input` repeated.
    #[arg(long = "input", required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// The allocation rules (TOML).
    #[arg(long)]
    pub rules: PathBuf,
    /// Output directory (created if missing): allocated.parquet and showback.csv.
    #[arg(long)]
    pub out: PathBuf,
}

/// Run `finops allocate`.
pub fn run(args: &AllocateArgs) -> anyhow::Result<()> {
    let rules = Rules::from_file(&args.rules)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let parquet = args.out.join("allocated.parquet");
    let summary = allocate_files(&args.inputs, &rules, &parquet)?;
    let showback = args.out.join("showback.csv");
    let mut f = finops_core::fs::AtomicFile::create(&showback)?;
    summary.showback.write_csv(&mut f)?;
    f.commit()?;
    println!(
        "{} records in, {} out ({} split) -> {}",
        summary.rows_in,
        summary.rows_out,
        summary.rows_split,
        parquet.display()
    );
    println!(
        "{} showback rows -> {}",
        summary.showback.rows.len(),
        showback.display()
    );
    for (cur, total) in &summary.totals {
        println!(
            "  {cur} BilledCost {} (input = allocated)",
            finops_core::money::format_decimal(*total)
        );
    }
    Ok(())
}
