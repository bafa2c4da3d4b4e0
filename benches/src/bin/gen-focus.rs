//! `gen-focus --rows N --out FILE.csv [--parquet FILE.parquet]`: write the deterministic
//! synthetic FOCUS 1.2 data set of `finops-benches`.

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let mut rows: u64 = 1_000_000;
    let mut out: Option<String> = None;
    let mut parquet: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => rows = args.next().context("--rows N")?.parse()?,
            "--out" => out = Some(args.next().context("--out FILE")?),
            "--parquet" => parquet = Some(args.next().context("--parquet FILE")?),
            other => bail!("unknown argument {other:?} (use --rows N --out FILE [--parquet FILE])"),
        }
    }
    if out.is_none() && parquet.is_none() {
        bail!("nothing to write: give --out FILE.csv and/or --parquet FILE.parquet");
    }
    if let Some(p) = out {
        let f = std::fs::File::create(&p).with_context(|| p.clone())?;
        finops_benches::write_csv(rows, f).with_context(|| p.clone())?;
        eprintln!("wrote {p} ({rows} rows)");
    }
    if let Some(p) = parquet {
        let f = std::fs::File::create(&p).with_context(|| p.clone())?;
        finops_benches::write_parquet(rows, f).with_context(|| p.clone())?;
        eprintln!("wrote {p} ({rows} rows)");
    }
    Ok(())
}
