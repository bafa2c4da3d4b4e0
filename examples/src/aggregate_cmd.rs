//! `finops aggregate` (work in progress).

/// Arguments of `finops aggregate`.
#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    /// Input files (CSV, CSV.gz, Parquet); repeat for several.
    #[arg(long = "input", required = true)]
    pub inputs: Vec<std::path::PathBuf>,
}

/// Run `finops aggregate`.
pub fn run(_args: &AggregateArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
