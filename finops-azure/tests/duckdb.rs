//! DuckDB (its Python package) reads the ingestion container as Data Explorer / Fabric would
//! find it: `read_parquet('{ingestion}/**/*.parquet')` sees exactly the manifests' row counts
//! and the exports' BilledCost/EffectiveCost sums to the last digit, with money as
//! DECIMAL(38,18) and times as TIMESTAMP WITH TIME ZONE, after re-ingesting a month several
//! times (one copy) and with two months and two FocusCost versions side by side.
//! Needs `FINOPS_DUCKDB_PYTHON` (`./scripts/test` sets it up); prints one SKIPPED line otherwise.

mod common;

use common::*;
use finops_azure::Store;
use finops_azure::emulator::exports::{ExportRun, write_export_run};
use finops_azure::ingest::{IngestOptions, Ingestor};
use rust_decimal::Decimal;
use std::process::Command;

fn duckdb_python() -> Option<String> {
    match std::env::var("FINOPS_DUCKDB_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("FINOPS_REQUIRE_ALL").as_deref() != Ok("1"),
                "FINOPS_REQUIRE_ALL=1 but FINOPS_DUCKDB_PYTHON is not set"
            );
            println!(
                "SKIPPED: DuckDB read-back of the ingestion container: FINOPS_DUCKDB_PYTHON is not set (./scripts/test sets up a DuckDB venv)"
            );
            None
        }
    }
}

/// `rows|billed|effective|type(BilledCost)|type(ChargePeriodStart)` per month, from DuckDB.
fn duckdb_totals(python: &str, glob: &str) -> Vec<(String, u64, Decimal, Decimal, String, String)> {
    let script = r#"
import sys, duckdb
con = duckdb.connect()
con.sql("set threads = 2")
rows = con.sql(f"""select strftime(BillingPeriodStart at time zone 'UTC', '%Y-%m') as m, count(*), sum(BilledCost),
                  sum(EffectiveCost), typeof(any_value(BilledCost)), typeof(any_value(ChargePeriodStart))
                  from read_parquet('{sys.argv[1]}', union_by_name = true) group by all order by 1""").fetchall()
for m, n, b, e, t, ts in rows:
    print('|'.join([m, str(n), format(b, 'f'), format(e, 'f'), t, ts]))
"#;
    let out = Command::new(python)
        .args(["-c", script, glob])
        .output()
        .expect("run duckdb");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].to_string(),
                f[5].to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_reads_the_ingestion_container_with_the_manifests_counts_and_exact_sums() {
    let Some(python) = duckdb_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ex = Store::local(dir.path().join("msexports")).unwrap();
    let ing_dir = dir.path().join("ingestion");
    let ing = Store::local(&ing_dir).unwrap();
    let engine = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
    // March 1.2 in three parts, re-exported three times (newer run ids): one copy stays.
    let mut expected = Vec::new();
    for (i, submitted) in [
        "2026-03-03T03:00:00Z",
        "2026-03-04T03:00:00Z",
        "2026-03-05T03:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let mut run = ExportRun::focus_cost("1.2", march(), 2400, &format!("march-run-{i}"));
        run.parts = 3;
        run.rows_per_part = 800;
        run.submitted_time = submitted.to_string();
        let w = write_export_run(&ex, &run).await.unwrap();
        let rep = engine.ingest_all().await.unwrap();
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        if i == 2 {
            expected.push(("2026-03".to_string(), w.totals));
        }
    }
    // February as FocusCost 1.0r2 (other column set and date form).
    let feb = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    let w = write_export_run(&ex, &ExportRun::focus_cost("1.0r2", feb, 1500, "feb-run"))
        .await
        .unwrap();
    let rep = engine.ingest_all().await.unwrap();
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    expected.insert(0, ("2026-02".to_string(), w.totals));

    let glob = format!("{}/**/*.parquet", ing_dir.display());
    let duck = duckdb_totals(&python, &glob);
    assert_eq!(duck.len(), expected.len(), "{duck:?}");
    for ((m, n, b, e, t, ts), (em, g)) in duck.iter().zip(&expected) {
        assert_eq!(m, em);
        assert_eq!(*n, g.rows, "{m}: DuckDB rows = the manifest's dataRowCount");
        assert_eq!(
            *b,
            g.billed_cost.parse::<Decimal>().unwrap(),
            "{m}: BilledCost"
        );
        assert_eq!(
            *e,
            g.effective_cost.parse::<Decimal>().unwrap(),
            "{m}: EffectiveCost"
        );
        assert_eq!(t, "DECIMAL(38,18)");
        assert_eq!(ts, "TIMESTAMP WITH TIME ZONE");
    }
    // The manifests the ingestion copied agree with what DuckDB counted.
    for p in all_paths(&ing, "Costs").await {
        if p.ends_with("manifest.json") {
            let copy = ing.local_copy(&p).await.unwrap();
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(copy.path()).unwrap()).unwrap();
            let month = if p.contains("/2026/03/") {
                "2026-03"
            } else {
                "2026-02"
            };
            let d = duck.iter().find(|d| d.0 == month).unwrap();
            assert_eq!(v["dataRowCount"].as_u64(), Some(d.1), "{p}");
        }
    }
}
