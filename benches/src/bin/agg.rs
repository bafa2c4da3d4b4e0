//! `agg --input FILE [--input FILE] --by A,B [--sum X,Y] [--threads N]`: the aggregation
//! engine alone (no adapters), for profiling; `finops aggregate` is the user-facing command.

use anyhow::Context;
use finops_core::aggregate::{AggregateQuery, Measure, aggregate_files};

fn main() -> anyhow::Result<()> {
    let mut inputs = Vec::new();
    let mut q = AggregateQuery::new();
    let mut sums = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--input" => inputs.push(args.next().context("--input FILE")?),
            "--by" => {
                for b in args.next().context("--by LIST")?.split(',') {
                    q = q.group_by(b)?;
                }
            }
            "--sum" => sums.extend(
                args.next()
                    .context("--sum LIST")?
                    .split(',')
                    .map(String::from),
            ),
            "--threads" => q = q.with_threads(args.next().context("--threads N")?.parse()?),
            other => anyhow::bail!("unknown argument {other:?}"),
        }
    }
    if sums.is_empty() {
        sums.push("BilledCost".into());
    }
    for s in sums {
        q = q.measure(Measure::Sum(Measure::column_named(&s)?));
    }
    let t = aggregate_files(&inputs, &q)?;
    t.write_csv(std::io::BufWriter::new(std::io::stdout().lock()))?;
    Ok(())
}
