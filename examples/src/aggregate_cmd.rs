//! `finops aggregate`: exact group-by over FOCUS CSV / CSV.gz / Parquet files, written as CSV.
//!
//! ```text
//! finops aggregate --input FILE [--input FILE2 ...] --by ServiceName,day
//!     [--sum BilledCost,EffectiveCost] [--count] [--min BilledCost] [--max BilledCost]
//!     [--tz Europe/Paris] [--where ServiceCategory=Compute] [--where RegionId=eu-west-1|eu-west-3]
//!     [--from 2024-01-01] [--to 2024-02-01] [--tag-ignore-case] [--threads N] [--output out.csv]
//! ```
//!
//! See the `finops_core::aggregate` module docs for the output rules (key order, decimal
//! printing, `BillingCurrency` added to the key of money sums).

use anyhow::{Context, bail};
use finops_core::aggregate::{AggregateQuery, Dimension, Measure, aggregate_files};
use finops_core::focus::{Period, parse_time};
use std::path::PathBuf;

/// Arguments of `finops aggregate`.
#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    /// Input files (CSV, CSV.gz, Parquet; format from the extension); several after one `--input`, or `--input` repeated.
    #[arg(long = "input", required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// Group-by dimensions, comma-separated: FOCUS columns, x_ columns, tag:KEY, itag:KEY
    /// (case-insensitive key), month (the billing month of BillingPeriodStart as the provider
    /// wrote it, whatever --tz), day / hour / week (ISO, YYYY-Www) / charge_month (of
    /// ChargePeriodStart, in --tz), billing_period.
    #[arg(long = "by", value_delimiter = ',')]
    pub by: Vec<String>,
    /// Columns to sum (BilledCost, EffectiveCost, ListCost, ContractedCost, PricingQuantity,
    /// ConsumedQuantity), comma-separated. Default: BilledCost.
    #[arg(long = "sum", value_delimiter = ',')]
    pub sum: Vec<String>,
    /// Add a row count column (`count`).
    #[arg(long)]
    pub count: bool,
    /// Columns whose minimum to report (`min(Col)`), comma-separated.
    #[arg(long = "min", value_delimiter = ',')]
    pub min: Vec<String>,
    /// Columns whose maximum to report (`max(Col)`), comma-separated.
    #[arg(long = "max", value_delimiter = ',')]
    pub max: Vec<String>,
    /// Time zone of the day/hour/week/charge_month buckets (IANA name, e.g. Europe/Paris).
    /// Default UTC. `month` is the billing month and does not depend on it.
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// Filter `DIM=V` or `DIM=V1|V2` (set membership); repeatable, all must hold. DIM is any
    /// --by dimension; an empty value matches null.
    #[arg(long = "where")]
    pub filters: Vec<String>,
    /// Keep rows with ChargePeriodStart >= FROM (date or date-time, UTC).
    #[arg(long)]
    pub from: Option<String>,
    /// Keep rows with ChargePeriodStart < TO (date or date-time, UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// Match tag:KEY dimensions and filters case-insensitively (same as itag:KEY).
    #[arg(long)]
    pub tag_ignore_case: bool,
    /// Worker threads (default: the number of cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output CSV file (written atomically); stdout if absent.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

fn dimension(spec: &str, ignore_case: bool) -> anyhow::Result<Dimension> {
    let d = Dimension::parse(spec)?;
    Ok(match d {
        Dimension::Tag { key, .. } if ignore_case => Dimension::Tag {
            key,
            ignore_case: true,
        },
        other => other,
    })
}

/// Build the engine query from the arguments.
pub fn query(args: &AggregateArgs) -> anyhow::Result<AggregateQuery> {
    let mut q = AggregateQuery::new();
    for spec in args.by.iter().filter(|s| !s.trim().is_empty()) {
        let d = dimension(spec, args.tag_ignore_case).with_context(|| format!("--by {spec}"))?;
        q.dimensions.push((spec.trim().to_string(), d));
    }
    let mut sums = args.sum.clone();
    if sums.is_empty() {
        sums.push("BilledCost".into());
    }
    for s in sums.iter().filter(|s| !s.trim().is_empty()) {
        q = q.measure(Measure::Sum(Measure::column_named(s).context("--sum")?));
    }
    if args.count {
        q = q.measure(Measure::Count);
    }
    for s in &args.min {
        q = q.measure(Measure::Min(Measure::column_named(s).context("--min")?));
    }
    for s in &args.max {
        q = q.measure(Measure::Max(Measure::column_named(s).context("--max")?));
    }
    q.tz = args
        .tz
        .parse::<chrono_tz::Tz>()
        .map_err(|e| anyhow::anyhow!("--tz {}: {e}", args.tz))?;
    for w in &args.filters {
        let Some((dim, values)) = w.split_once('=') else {
            bail!("--where {w:?}: expected DIM=VALUE or DIM=V1|V2");
        };
        let d = dimension(dim, args.tag_ignore_case).with_context(|| format!("--where {w}"))?;
        q = q.filter(d, values.split('|').map(str::to_string).collect());
    }
    if args.from.is_some() || args.to.is_some() {
        let parse = |name: &str, v: &Option<String>, default: &str| -> anyhow::Result<_> {
            parse_time(v.as_deref().unwrap_or(default))
                .map_err(|e| anyhow::anyhow!("--{name}: {e}"))
        };
        let from = parse("from", &args.from, "0001-01-01T00:00:00Z")?;
        let to = parse("to", &args.to, "9999-12-31T23:59:59Z")?;
        q = q.with_period(Period::new(from, to).context("--from/--to")?);
    }
    if let Some(t) = args.threads {
        if t == 0 {
            bail!("--threads must be at least 1");
        }
        q = q.with_threads(t);
    }
    Ok(q)
}

/// Run `finops aggregate`.
pub fn run(args: &AggregateArgs) -> anyhow::Result<()> {
    let q = query(args)?;
    let table = aggregate_files(&args.inputs, &q)?;
    match &args.output {
        Some(path) => {
            let mut f = finops_core::fs::AtomicFile::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            table.write_csv(&mut f)?;
            f.commit()
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let out = std::io::stdout();
            let lock = std::io::BufWriter::with_capacity(1 << 16, out.lock());
            table.write_csv(lock)?;
        }
    }
    Ok(())
}
