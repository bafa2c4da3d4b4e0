//! Benchmark driver (benches/azure/run.sh): write a realistic FocusCost export (CSV.gz parts +
//! manifest, as Cost Management writes them into `msexports`), or convert one into the hubs
//! ingestion layout with the streaming engine and print rows, the exact BilledCost sum and the
//! time taken. Peak memory is measured from outside (`/usr/bin/time -v`).
//!
//! ```sh
//! cargo run --release -p finops-azure --features emulator --example export_convert -- gen --rows 1000000 --out /tmp/msexports
//! cargo run --release -p finops-azure --features emulator --example export_convert -- convert --exports /tmp/msexports --ingestion /tmp/ingestion
//! ```

use chrono::NaiveDate;
use finops_azure::Store;
use finops_azure::emulator::exports::{ExportRun, write_export_run};
use finops_azure::ingest::{IngestOptions, Ingestor};
use finops_core::clock::FixedClock;
use std::sync::Arc;
use std::time::Instant;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn usage() -> ! {
    eprintln!(
        "usage: export_convert gen --rows N --out DIR [--version 1.2] | convert --exports DIR --ingestion DIR [--row-group-rows N]"
    );
    std::process::exit(2)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The data's month: the clock only stamps ingestion times, so a fixed one keeps runs equal.
    let month = NaiveDate::from_ymd_opt(2026, 3, 1).ok_or("date")?;
    let clock = Arc::new(FixedClock::new(
        month.and_hms_opt(12, 0, 0).ok_or("date")?.and_utc() + chrono::Duration::days(40),
    ));
    match args.first().map(String::as_str) {
        Some("gen") => {
            let rows: u64 = arg(&args, "--rows").unwrap_or_else(|| usage()).parse()?;
            let out = arg(&args, "--out").unwrap_or_else(|| usage());
            let version = arg(&args, "--version").unwrap_or_else(|| "1.2".into());
            let store = Store::local(&out)?;
            let run = ExportRun::focus_cost(&version, month, rows, "bench-run-1");
            let t = Instant::now();
            let w = write_export_run(&store, &run).await?;
            println!(
                "{{\"generated_rows\":{},\"billed_cost\":\"{}\",\"parts\":{},\"manifest\":\"{}\",\"seconds\":{:.2}}}",
                w.totals.rows,
                w.totals.billed_cost,
                w.blobs.len(),
                w.manifest,
                t.elapsed().as_secs_f64()
            );
        }
        Some("convert") => {
            let ex = Store::local(arg(&args, "--exports").unwrap_or_else(|| usage()))?;
            let ing = Store::local(arg(&args, "--ingestion").unwrap_or_else(|| usage()))?;
            // Parquet row-group size (default 131,072): the writer holds one row group per blob
            // being converted, so it bounds the memory.
            let mut convert = finops_azure::ingest::convert::ConvertOptions::default();
            if let Some(n) = arg(&args, "--row-group-rows") {
                convert.row_group_rows = n.parse()?;
            }
            let t = Instant::now();
            let rep = Ingestor::new(ex, ing, IngestOptions::new(clock).with_convert(convert))
                .ingest_all()
                .await?;
            let secs = t.elapsed().as_secs_f64();
            if let Some(e) = rep.errors.first() {
                return Err(format!("{}: {}", e.manifest, e.error).into());
            }
            let i = rep.ingested.first().ok_or("nothing ingested")?;
            println!(
                "{{\"rows\":{},\"billed_cost\":\"{}\",\"files\":{},\"seconds\":{secs:.2}}}",
                i.rows,
                i.total.as_deref().unwrap_or(""),
                i.files.len()
            );
        }
        _ => usage(),
    }
    Ok(())
}
