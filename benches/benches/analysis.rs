//! Criterion benches of the analysis modules: allocation of the synthetic FOCUS data set by
//! the 50 bench rules (records in memory, so only the rule matching and splitting is timed),
//! and the automatic forecast of 1,000 series × 400 days.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use finops_core::allocate::{Rules, allocate_records};
use finops_core::forecast::{Dense, ForecastOptions, forecast_all};

fn allocation(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let pq = dir.path().join("focus.parquet");
    finops_benches::write_parquet(100_000, std::fs::File::create(&pq).expect("create"))
        .expect("write parquet");
    let records: Vec<_> = finops_core::focus::read_file(&pq)
        .expect("open")
        .collect::<finops_core::Result<_>>()
        .expect("read");
    let (toml, _, _) = finops_benches::allocation_rules_50();
    let rules = Rules::from_toml(&toml, "rules50.toml", dir.path()).expect("rules");
    let mut g = c.benchmark_group("allocate_records_50_rules");
    g.sample_size(10);
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("100k", |b| {
        b.iter(|| allocate_records(&records, &rules).expect("allocate"))
    });
    g.finish();
}

fn forecasting(c: &mut Criterion) {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).expect("date");
    let hists: Vec<Dense> = (0..1000)
        .map(|i| Dense {
            start,
            values: finops_benches::daily_series(i, 400),
        })
        .collect();
    let as_of = start + chrono::Days::new(400);
    let mut g = c.benchmark_group("forecast_auto_400_days");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    for threads in [1usize, 2] {
        g.bench_function(format!("1000_series_threads{threads}"), |b| {
            b.iter(|| forecast_all(&hists, as_of, 30, &ForecastOptions::default(), threads))
        });
    }
    g.finish();
}

criterion_group!(benches, allocation, forecasting);
criterion_main!(benches);
