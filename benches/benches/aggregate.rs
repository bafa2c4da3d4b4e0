//! Criterion benches of the aggregation kernel: parse + aggregate per row, on the synthetic
//! FOCUS 1.2 CSV at 10k / 100k / 1M rows (generated once into a temp dir), one and two
//! threads, plus the Parquet path at 100k rows.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use finops_core::aggregate::{AggregateQuery, aggregate_files};
use finops_core::focus::Column;
use std::path::PathBuf;

fn data(dir: &std::path::Path, rows: u64) -> (PathBuf, PathBuf) {
    let csv = dir.join(format!("focus_{rows}.csv"));
    let pq = dir.join(format!("focus_{rows}.parquet"));
    finops_benches::write_csv(rows, std::fs::File::create(&csv).expect("create csv"))
        .expect("write csv");
    if rows <= 100_000 {
        finops_benches::write_parquet(rows, std::fs::File::create(&pq).expect("create parquet"))
            .expect("write parquet");
    }
    (csv, pq)
}

fn query(threads: usize) -> AggregateQuery {
    AggregateQuery::new()
        .group_by("ServiceName")
        .and_then(|q| q.group_by("day"))
        .expect("valid dimensions")
        .sum(Column::BilledCost)
        .with_threads(threads)
}

fn kernel(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("aggregate_csv_service_day");
    g.sample_size(10);
    for rows in [10_000u64, 100_000, 1_000_000] {
        let (csv, pq) = data(dir.path(), rows);
        g.throughput(Throughput::Elements(rows));
        for threads in [1usize, 2] {
            g.bench_with_input(
                BenchmarkId::new(format!("csv_threads{threads}"), rows),
                &csv,
                |b, p| b.iter(|| aggregate_files(&[p], &query(threads)).expect("aggregate")),
            );
        }
        if rows <= 100_000 {
            g.bench_with_input(BenchmarkId::new("parquet_threads2", rows), &pq, |b, p| {
                b.iter(|| aggregate_files(&[p], &query(2)).expect("aggregate"))
            });
        }
        if rows == 1_000_000 {
            let _ = std::fs::remove_file(&csv);
        }
    }
    g.finish();
}

criterion_group!(benches, kernel);
criterion_main!(benches);
