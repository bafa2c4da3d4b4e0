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

/// The engine's hash tables: the hasher of [`finops_core::aggregate::GroupHasher`] (now
/// `rustc-hash`; it was a hand-written multiply-rotate hasher when the numbers in
/// `benches/README.md` were taken) against `rustc-hash` (FxHasher) and `foldhash` (fast,
/// fixed seed) on the same work: interning
/// the dimension values of 100k rows (ServiceName, SubAccountId, ChargePeriodStart, Tags:
/// short and long byte strings, mostly repeats) and looking up their packed `u128` group
/// keys, as the CSV path does for every row.
fn hashers(c: &mut Criterion) {
    use std::collections::HashMap;
    use std::hash::BuildHasher;
    let rows: Vec<Vec<String>> = (0..100_000u64)
        .map(|i| finops_benches::row(i, 100_000))
        .collect();
    let cols = [36usize, 40, 13, 42];
    fn run<S: BuildHasher + Default>(rows: &[Vec<String>], cols: &[usize]) -> usize {
        let mut interners: Vec<HashMap<Box<[u8]>, u32, S>> =
            cols.iter().map(|_| HashMap::default()).collect();
        let mut groups: HashMap<u128, u32, S> = HashMap::default();
        for r in rows {
            let mut packed = 0u128;
            for (k, &c) in cols.iter().enumerate() {
                let b = r[c].as_bytes();
                let m = &mut interners[k];
                let n = m.len() as u32;
                let id = match m.get(b) {
                    Some(&id) => id,
                    None => {
                        m.insert(Box::from(b), n);
                        n
                    }
                };
                packed |= u128::from(id) << (32 * k);
            }
            let n = groups.len() as u32;
            groups.entry(packed).or_insert(n);
        }
        groups.len()
    }
    let mut g = c.benchmark_group("hashers_intern_and_group_100k_rows");
    g.sample_size(20);
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("engine", |b| {
        b.iter(|| run::<finops_core::aggregate::GroupHasher>(&rows, &cols))
    });
    g.bench_function("rustc-hash", |b| {
        b.iter(|| run::<rustc_hash::FxBuildHasher>(&rows, &cols))
    });
    g.bench_function("foldhash", |b| {
        b.iter(|| run::<foldhash::fast::FixedState>(&rows, &cols))
    });
    g.finish();
}

criterion_group!(benches, kernel, hashers);
criterion_main!(benches);
