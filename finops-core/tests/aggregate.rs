//! Engine tests of `finops_core::aggregate`: exactness, currencies, tags, order and thread
//! independence, tiny and empty inputs, error reporting.

use finops_core::aggregate::{
    AggregateQuery, AggregateTable, Dimension, Measure, aggregate_files, aggregate_records,
    aggregate_stream,
};
use finops_core::focus::{
    ChargeCategory, Column, CostRecord, Period, ServiceCategory, Tags, parse_time,
};
use finops_core::{Currency, Decimal};
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

const HEADER: &str = "BilledCost,BillingCurrency,ChargePeriodStart,ServiceName,ServiceCategory,SubAccountId,EffectiveCost,Tags,x_Team,BillingPeriodStart";

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn csv_row(cost: &str, cur: &str, start: &str, svc: &str, tags: &str) -> String {
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!("\"{}\"", tags.replace('"', "\"\""))
    };
    format!("{cost},{cur},{start},{svc},Compute,sub-1,{cost},{tags},t1,2024-01-01T00:00:00Z\n")
}

fn q(by: &[&str]) -> AggregateQuery {
    let mut q = AggregateQuery::new();
    for b in by {
        q = q.group_by(b).unwrap();
    }
    q.sum(Column::BilledCost)
}

fn cell(t: &AggregateTable, key: &[&str], m: usize) -> Option<Decimal> {
    t.rows
        .iter()
        .find(|r| {
            r.key
                .iter()
                .map(|k| k.as_deref().unwrap_or(""))
                .eq(key.iter().copied())
        })
        .and_then(|r| r.values[m])
}

#[test]
fn exact_sums_with_ten_decimals_and_credits() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n");
    let vals = [
        "0.1234567891",
        "0.0000000001",
        "-0.1000000000",
        "1234567.8912345678",
        "-5",
        "0.1",
        "0.2",
    ];
    for v in vals {
        text.push_str(&csv_row(v, "USD", "2024-01-01T10:00:00Z", "VM", ""));
    }
    let p = write(dir.path(), "a.csv", &text);
    for threads in [1, 2] {
        let t = aggregate_files(&[&p], &q(&["ServiceName"]).with_threads(threads)).unwrap();
        // Hand-computed: 0.1234567891 + 0.0000000001 = 0.1234567892; - 0.1 = 0.0234567892;
        // + 1234567.8912345678 = 1234567.9146913570; - 5 + 0.1 + 0.2 = 1234563.2146913570
        assert_eq!(cell(&t, &["VM", "USD"], 0), Some(dec("1234563.2146913570")));
        assert_eq!(t.dimensions, ["ServiceName", "BillingCurrency"]);
    }
}

#[test]
fn currencies_are_never_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER}\n{}{}{}",
        csv_row("10.5", "USD", "2024-01-01T00:00:00Z", "VM", ""),
        csv_row("2.25", "EUR", "2024-01-01T00:00:00Z", "VM", ""),
        csv_row("1", "USD", "2024-01-02T00:00:00Z", "VM", "")
    );
    let p = write(dir.path(), "a.csv", &text);
    let t = aggregate_files(&[&p], &q(&["ServiceName"])).unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(cell(&t, &["VM", "EUR"], 0), Some(dec("2.25")));
    assert_eq!(cell(&t, &["VM", "USD"], 0), Some(dec("11.5")));
    // Quantities alone do not add the currency.
    let qty = AggregateQuery::new()
        .group_by("ServiceName")
        .unwrap()
        .measure(Measure::Count);
    let t = aggregate_files(&[&p], &qty).unwrap();
    assert_eq!(t.dimensions, ["ServiceName"]);
    assert_eq!(cell(&t, &["VM"], 0), Some(Decimal::from(3)));
}

#[test]
fn tag_keys_case_insensitive() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER}\n{}{}{}{}",
        csv_row(
            "1",
            "USD",
            "2024-01-01T00:00:00Z",
            "VM",
            r#"{"Application":"web"}"#
        ),
        csv_row(
            "2",
            "USD",
            "2024-01-01T00:00:00Z",
            "VM",
            r#"{"application":"web","x":1}"#
        ),
        csv_row(
            "4",
            "USD",
            "2024-01-01T00:00:00Z",
            "VM",
            r#"{"APPLICATION":"web"}"#
        ),
        csv_row("8", "USD", "2024-01-01T00:00:00Z", "VM", "")
    );
    let p = write(dir.path(), "a.csv", &text);
    let t = aggregate_files(&[&p], &q(&["itag:application"])).unwrap();
    assert_eq!(cell(&t, &["web", "USD"], 0), Some(dec("7")));
    assert_eq!(cell(&t, &["", "USD"], 0), Some(dec("8")));
    assert_eq!(t.rows.last().unwrap().key[0], None, "nulls sort last");
    let t = aggregate_files(&[&p], &q(&["tag:application"])).unwrap();
    assert_eq!(cell(&t, &["web", "USD"], 0), Some(dec("2")));
    assert_eq!(cell(&t, &["", "USD"], 0), Some(dec("13")));
}

#[test]
fn one_row_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(
        dir.path(),
        "one.csv",
        &format!(
            "{HEADER}\n{}",
            csv_row("3.5", "USD", "2024-01-01T00:00:00Z", "VM", "").trim_end()
        ),
    );
    let t = aggregate_files(&[&one], &q(&["ServiceName", "day"])).unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(cell(&t, &["VM", "2024-01-01", "USD"], 0), Some(dec("3.5")));
    let header_only = write(dir.path(), "h.csv", &format!("{HEADER}\n"));
    let t = aggregate_files(&[&header_only], &q(&["ServiceName"])).unwrap();
    assert!(t.rows.is_empty());
    let empty = write(dir.path(), "e.csv", "");
    let e = aggregate_files(&[&empty], &q(&["ServiceName"])).unwrap_err();
    assert!(e.to_string().contains("e.csv"), "{e}");
}

#[test]
fn bad_values_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n");
    for _ in 0..3 {
        text.push_str(&csv_row("1", "USD", "2024-01-01T00:00:00Z", "VM", ""));
    }
    text.push_str(
        &csv_row("1,5x", "USD", "2024-01-01T00:00:00Z", "VM", "").replacen("1,5x", "\"1,5x\"", 1),
    );
    let p = write(dir.path(), "bad.csv", &text);
    for threads in [1, 2] {
        let e = aggregate_files(&[&p], &q(&["ServiceName"]).with_threads(threads))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.csv:5") && e.contains("BilledCost"), "{e}");
    }
    let missing = write(dir.path(), "m.csv", "ServiceName,BillingCurrency\nVM,USD\n");
    let e = aggregate_files(&[&missing], &q(&["ServiceName"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("m.csv") && e.contains("BilledCost"), "{e}");
    let ragged = write(dir.path(), "r.csv", &format!("{HEADER}\n1,USD\n"));
    let e = aggregate_files(&[&ragged], &q(&["ServiceName"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("r.csv:2"), "{e}");
}

#[test]
fn filters_periods_time_zones_and_measures() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER}\n{}{}{}{}",
        csv_row(
            "1",
            "USD",
            "2024-01-31T22:30:00Z",
            "VM",
            r#"{"env":"prod"}"#
        ),
        csv_row("2", "USD", "2024-01-31T23:30:00Z", "DB", r#"{"env":"dev"}"#),
        csv_row(
            "4",
            "USD",
            "2024-02-01T00:30:00Z",
            "VM",
            r#"{"env":"prod"}"#
        ),
        csv_row("-8", "USD", "2024-02-02T00:00:00Z", "Net", "")
    );
    let p = write(dir.path(), "a.csv", &text);
    let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    // charge_month: the calendar month of ChargePeriodStart in the query's time zone.
    let t = aggregate_files(&[&p], &q(&["charge_month"]).with_tz(paris)).unwrap();
    assert_eq!(cell(&t, &["2024-01", "USD"], 0), Some(dec("1")));
    assert_eq!(cell(&t, &["2024-02", "USD"], 0), Some(dec("-2")));
    let t = aggregate_files(&[&p], &q(&["charge_month"])).unwrap();
    assert_eq!(cell(&t, &["2024-01", "USD"], 0), Some(dec("3")));
    // month: the billing month (every row's BillingPeriodStart is 2024-01-01), whatever --tz.
    for tz in [paris, chrono_tz::Tz::UTC] {
        let t = aggregate_files(&[&p], &q(&["month"]).with_tz(tz)).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(cell(&t, &["2024-01", "USD"], 0), Some(dec("-1")));
    }
    let t = aggregate_files(
        &[&p],
        &q(&["ServiceName"]).filter(
            Dimension::Column(Column::ServiceName),
            vec!["VM".into(), "Net".into()],
        ),
    )
    .unwrap();
    assert_eq!(t.rows.len(), 2);
    let t = aggregate_files(
        &[&p],
        &q(&["ServiceName"]).filter(
            Dimension::Tag {
                key: "env".into(),
                ignore_case: false,
            },
            vec!["prod".into()],
        ),
    )
    .unwrap();
    assert_eq!(cell(&t, &["VM", "USD"], 0), Some(dec("5")));
    assert_eq!(t.rows.len(), 1);
    let period = Period::new(
        parse_time("2024-02-01").unwrap(),
        parse_time("2024-02-02").unwrap(),
    )
    .unwrap();
    let t = aggregate_files(&[&p], &q(&["week"]).with_period(period)).unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(cell(&t, &["2024-W05", "USD"], 0), Some(dec("4")));
    let t = aggregate_files(
        &[&p],
        &q(&["x_Team", "billing_period"])
            .measure(Measure::Count)
            .measure(Measure::Min(Column::BilledCost))
            .measure(Measure::Max(Column::BilledCost))
            .sum(Column::EffectiveCost),
    )
    .unwrap();
    assert_eq!(
        t.measures,
        [
            "BilledCost",
            "count",
            "min(BilledCost)",
            "max(BilledCost)",
            "EffectiveCost"
        ]
    );
    let r = &t.rows[0];
    assert_eq!(
        r.key,
        [
            Some("t1".into()),
            Some("2024-01-01".into()),
            Some("USD".into())
        ]
    );
    assert_eq!(
        r.values,
        [
            Some(dec("-1")),
            Some(dec("4")),
            Some(dec("-8")),
            Some(dec("4")),
            Some(dec("-1"))
        ]
    );
    let t = aggregate_files(&[&p], &q(&["hour"]).with_tz(paris)).unwrap();
    assert_eq!(t.rows[0].key[0].as_deref(), Some("2024-01-31T23:00+01:00"));
}

#[test]
fn quoted_newlines_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("ServiceName,BilledCost,BillingCurrency\r\n");
    // Big enough (> 4 MiB) for the file to be split between workers: cuts land inside
    // quoted fields, which must be detected and redone.
    for i in 0..200_000 {
        text.push_str(&format!("\"Multi\r\nline, {}\",0.5,USD\r\n", i % 2));
    }
    let p = write(dir.path(), "q.csv", &text);
    for threads in [1, 2, 3] {
        let t = aggregate_files(&[&p], &q(&["ServiceName"]).with_threads(threads)).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            cell(&t, &["Multi\r\nline, 0", "USD"], 0),
            Some(dec("50000"))
        );
    }
}

#[test]
fn large_file_split_between_workers_gives_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n");
    let mut expected = Decimal::ZERO;
    for i in 0..60_000u64 {
        let cost = Decimal::new((i as i64 * 7919) % 2_000_003 - 1_000_000, (i % 11) as u32);
        expected += cost;
        let tags = if i % 3 == 0 {
            r#"{"app":"a, \"b\""}"#
        } else {
            ""
        };
        let start = format!("2024-01-{:02}T{:02}:00:00Z", i % 28 + 1, i % 24);
        text.push_str(&csv_row(&cost.to_string(), "USD", &start, "VM", tags));
    }
    let p = write(dir.path(), "big.csv", &text);
    assert!(std::fs::metadata(&p).unwrap().len() > 4 << 20);
    let query = q(&["tag:app", "day"]).measure(Measure::Count);
    let one = aggregate_files(&[&p], &query.clone().with_threads(1)).unwrap();
    for threads in [2, 3, 4] {
        assert_eq!(
            aggregate_files(&[&p], &query.clone().with_threads(threads)).unwrap(),
            one
        );
    }
    let total = aggregate_files(&[&p], &q(&[]).with_threads(2)).unwrap();
    assert_eq!(total.rows[0].values[0], Some(expected.normalize()));
}

fn record(cost: &str, cur: Currency, svc: &str, tags: Option<&str>) -> CostRecord {
    let p = Period::day(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    let mut r = CostRecord::new(
        "p",
        "ba",
        cur,
        Period::month_of(p.start.date_naive()),
        p,
        ChargeCategory::Usage,
        svc,
        ServiceCategory::Compute,
        dec(cost),
    );
    r.tags = tags.map(|t| Tags::parse(t).unwrap());
    r
}

#[test]
fn record_and_stream_paths() {
    let recs = vec![
        record("1.0000000001", Currency::USD, "VM", Some(r#"{"App":"a"}"#)),
        record("-0.0000000001", Currency::USD, "VM", Some(r#"{"app":"a"}"#)),
        record("3", Currency::EUR, "VM", None),
    ];
    let t = aggregate_records(&recs, &q(&["ServiceName", "itag:APP", "day"])).unwrap();
    assert_eq!(
        cell(&t, &["VM", "a", "2024-01-01", "USD"], 0),
        Some(dec("1"))
    );
    assert_eq!(
        cell(&t, &["VM", "", "2024-01-01", "EUR"], 0),
        Some(dec("3"))
    );
    let items: Vec<finops_core::Result<CostRecord>> = vec![
        Ok(recs[0].clone()),
        Err(finops_core::Error::InvalidArgument(
            "account 2 failed".into(),
        )),
        Ok(recs[2].clone()),
    ];
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (t, failures) = rt
        .block_on(aggregate_stream(
            futures::stream::iter(items),
            &q(&["ServiceName"]),
        ))
        .unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(cell(&t, &["VM", "EUR"], 0), Some(dec("3")));
    assert_eq!(cell(&t, &["VM", "USD"], 0), Some(dec("1.0000000001")));
}

#[test]
fn several_inputs_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.csv",
        &format!(
            "{HEADER}\n{}",
            csv_row("1.5", "USD", "2024-01-01T00:00:00Z", "VM", "")
        ),
    );
    let gz = dir.path().join("b.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(
        format!(
            "{HEADER}\n{}",
            csv_row("2.5", "USD", "2024-01-01T00:00:00Z", "VM", "")
        )
        .as_bytes(),
    )
    .unwrap();
    enc.finish().unwrap();
    let t = aggregate_files(&[&a, &gz], &q(&["ServiceName"])).unwrap();
    assert_eq!(cell(&t, &["VM", "USD"], 0), Some(dec("4")));
}

fn money_strategy() -> impl Strategy<Value = String> {
    (-1_000_000_000i64..1_000_000_000i64, 0u32..=10)
        .prop_map(|(v, places)| Decimal::new(v, places).to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn order_and_thread_independent(
        rows in prop::collection::vec(
            (money_strategy(), 0usize..3, 0usize..4, 0usize..2, 0u32..48),
            1..300,
        ),
        seed in any::<u64>(),
    ) {
        let svcs = ["VM", "DB", "Net, \"quoted\""];
        let apps = [r#"{"app":"a"}"#, r#"{"App":"b"}"#, "", r#"{"APP":"a","z":"1"}"#];
        let curs = ["USD", "EUR"];
        let lines: Vec<String> = rows
            .iter()
            .map(|(cost, s, a, c, h)| {
                let start = format!("2024-01-{:02}T{:02}:00:00Z", h / 24 + 1, h % 24);
                let svc = if svcs[*s].contains('"') {
                    format!("\"{}\"", svcs[*s].replace('"', "\"\""))
                } else {
                    svcs[*s].to_string()
                };
                csv_row(cost, curs[*c], &start, "SVC", apps[*a]).replacen(",SVC,", &format!(",{svc},"), 1)
            })
            .collect();
        let mut shuffled = lines.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.csv", &format!("{HEADER}\n{}", lines.concat()));
        let b = write(dir.path(), "b.csv", &format!("{HEADER}\n{}", shuffled.concat()));
        let query = q(&["ServiceName", "itag:app", "day"])
            .measure(Measure::Count)
            .measure(Measure::Min(Column::BilledCost))
            .measure(Measure::Max(Column::BilledCost));
        let t1 = aggregate_files(&[&a], &query.clone().with_threads(1)).unwrap();
        let t2 = aggregate_files(&[&b], &query.clone().with_threads(2)).unwrap();
        prop_assert_eq!(&t1, &t2);
        // Against a Decimal reference.
        let mut total = std::collections::BTreeMap::<&str, Decimal>::new();
        for (cost, _, _, c, _) in &rows {
            *total.entry(curs[*c]).or_default() += dec(cost);
        }
        let by_cur = aggregate_files(&[&b], &q(&[]).with_threads(2)).unwrap();
        for r in &by_cur.rows {
            prop_assert_eq!(r.values[0], Some(total[r.key[0].as_deref().unwrap()].normalize()));
        }
    }
}

/// `month` is the billing month as the provider wrote it: an OVHcloud Paris month starting at
/// 2026-07-31T22:00:00Z is 2026-08, never the UTC calendar of ChargePeriodStart; `day` is the
/// local day in the stated time zone. Same answer from CSV, Parquet and records; a file
/// without BillingPeriodStart uses the UTC month of the charge (the readers' derivation).
#[cfg(feature = "parquet")]
#[test]
fn month_is_the_billing_month_and_day_the_local_day() {
    let dir = tempfile::tempdir().unwrap();
    let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let mk = |bp: &str, bpe: &str, start: &str, cost: &str| {
        let bp = finops_core::focus::parse_time(bp).unwrap();
        let bpe = finops_core::focus::parse_time(bpe).unwrap();
        let s = finops_core::focus::parse_time(start).unwrap();
        let mut r = CostRecord::new(
            "OVHcloud",
            "BA",
            Currency::EUR,
            Period::new(bp, bpe).unwrap(),
            Period::new(s, s + chrono::Duration::hours(1)).unwrap(),
            ChargeCategory::Usage,
            "Compute",
            ServiceCategory::Compute,
            dec(cost),
        );
        r.sub_account_id = Some("p".into());
        r
    };
    let recs = vec![
        // Paris day 1 August 00:30 = 31 July 22:30 UTC, billing month August (Paris).
        mk(
            "2026-07-31T22:00:00Z",
            "2026-08-31T22:00:00Z",
            "2026-07-31T22:30:00Z",
            "1",
        ),
        // The last Paris hour of August: 31 August 21:30 UTC.
        mk(
            "2026-07-31T22:00:00Z",
            "2026-08-31T22:00:00Z",
            "2026-08-31T21:30:00Z",
            "2",
        ),
        // A UTC-month provider.
        mk(
            "2026-08-01T00:00:00Z",
            "2026-09-01T00:00:00Z",
            "2026-08-01T00:30:00Z",
            "4",
        ),
    ];
    let csv = dir.path().join("m.csv");
    let pq = dir.path().join("m.parquet");
    finops_core::focus::write_file(&csv, &recs).unwrap();
    finops_core::focus::write_file(&pq, &recs).unwrap();
    for tz in [chrono_tz::Tz::UTC, paris] {
        let by_month = q(&["month"]).with_tz(tz);
        for t in [
            aggregate_files(&[&csv], &by_month).unwrap(),
            aggregate_files(&[&pq], &by_month).unwrap(),
            aggregate_records(&recs, &by_month).unwrap(),
        ] {
            assert_eq!(t.rows.len(), 1, "{t:?}");
            assert_eq!(cell(&t, &["2026-08", "EUR"], 0), Some(dec("7")));
        }
    }
    // day (and charge_month) follow --tz.
    let by_day = q(&["day", "month"]).with_tz(paris);
    for t in [
        aggregate_files(&[&csv], &by_day).unwrap(),
        aggregate_files(&[&pq], &by_day).unwrap(),
    ] {
        assert_eq!(
            cell(&t, &["2026-08-01", "2026-08", "EUR"], 0),
            Some(dec("5"))
        );
        assert_eq!(
            cell(&t, &["2026-08-31", "2026-08", "EUR"], 0),
            Some(dec("2"))
        );
    }
    let t = aggregate_files(&[&csv], &q(&["day"])).unwrap();
    assert_eq!(cell(&t, &["2026-07-31", "EUR"], 0), Some(dec("1")));
    // A file without BillingPeriodStart: the UTC month of the charge, also when day and
    // month are asked together (one column read for two dimensions).
    let bare = write(
        dir.path(),
        "bare.csv",
        "BilledCost,BillingCurrency,ChargePeriodStart
1,EUR,2026-07-31T22:30:00Z
2,EUR,2026-08-01T00:30:00Z
",
    );
    let t = aggregate_files(&[&bare], &q(&["month", "day"]).with_tz(paris)).unwrap();
    assert_eq!(
        cell(&t, &["2026-07", "2026-08-01", "EUR"], 0),
        Some(dec("1"))
    );
    assert_eq!(
        cell(&t, &["2026-08", "2026-08-01", "EUR"], 0),
        Some(dec("2"))
    );
}

/// A header naming the same column twice is refused, naming both positions (CSV and
/// Parquet, in `aggregate` and in the FOCUS readers).
#[cfg(feature = "parquet")]
#[test]
fn duplicated_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "dup.csv",
        "BilledCost,BillingCurrency,ServiceName,ChargePeriodStart,ServiceName
1,EUR,a,2026-01-01T00:00:00Z,b
",
    );
    let e = aggregate_files(&[&p], &q(&["ServiceName"]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dup.csv:1") && e.contains("\"ServiceName\" twice (positions 3 and 5)"),
        "{e}"
    );
    // Even when the query does not read the column.
    let e = aggregate_files(&[&p], &q(&[])).unwrap_err().to_string();
    assert!(e.contains("positions 3 and 5"), "{e}");
    let e = finops_core::focus::read_file(&p).err().unwrap().to_string();
    assert!(e.contains("positions 3 and 5"), "{e}");

    // Parquet with two fields of the same name.
    use std::sync::Arc;
    let schema = Arc::new(arrow_schema::Schema::new(vec![
        arrow_schema::Field::new("BilledCost", arrow_schema::DataType::Utf8, true),
        arrow_schema::Field::new("BillingCurrency", arrow_schema::DataType::Utf8, true),
        arrow_schema::Field::new("BilledCost", arrow_schema::DataType::Utf8, true),
    ]));
    let col =
        |v: &str| -> arrow_array::ArrayRef { Arc::new(arrow_array::StringArray::from(vec![v])) };
    let batch =
        arrow_array::RecordBatch::try_new(schema.clone(), vec![col("1"), col("EUR"), col("2")])
            .unwrap();
    let pq = dir.path().join("dup.parquet");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&pq).unwrap(), schema, None)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let e = aggregate_files(&[&pq], &q(&[])).unwrap_err().to_string();
    assert!(
        e.contains("\"BilledCost\" twice (positions 1 and 3)"),
        "{e}"
    );
    let e = finops_core::focus::read_file(&pq)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("positions 1 and 3"), "{e}");
}

/// The Parquet path (text read as dictionaries, labels per dictionary entry, rows grouped per
/// batch) gives the CSV path's tables, nulls and empty strings included, and raises a bad
/// value only when a row that reaches the group-by holds it.
#[cfg(feature = "parquet")]
#[test]
fn parquet_dictionary_path_matches_the_csv_path() {
    use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let svc = [
        Some("a"),
        Some("b"),
        None,
        Some(""),
        Some("a"),
        Some("b"),
        Some("c"),
    ];
    let tags = [
        Some(r#"{"app":"x"}"#),
        Some(r#"{"App":"y"}"#),
        None,
        Some(r#"{"app":"x","env":"p"}"#),
        Some(r#"{"app":"x"}"#),
        Some(""),
        Some("not json"),
    ];
    let cur = ["EUR", "EUR", "USD", "EUR", "USD", "EUR", "EUR"];
    let cost: [i128; 7] = [12_345_678_901, -1, 10_000_000_000, 5, 7_000_000_000, 123, 1];
    let start = "2026-01-05T10:00:00Z";
    let mut csv = String::from("ServiceName,Tags,BillingCurrency,BilledCost,ChargePeriodStart\n");
    for i in 0..svc.len() {
        // An empty Parquet string is null, as an empty CSV field.
        let t = tags[i]
            .filter(|t| !t.is_empty())
            .map_or(String::new(), |t| format!("\"{}\"", t.replace('"', "\"\"")));
        let c = rust_decimal::Decimal::from_i128_with_scale(cost[i], 10);
        csv.push_str(&format!(
            "{},{t},{},{c},{start}\n",
            svc[i].unwrap_or(""),
            cur[i]
        ));
    }
    let csv_path = write(dir.path(), "d.csv", &csv);
    let schema = Arc::new(Schema::new(vec![
        Field::new("ServiceName", DataType::Utf8, true),
        Field::new("Tags", DataType::Utf8, true),
        Field::new("BillingCurrency", DataType::Utf8, true),
        Field::new("BilledCost", DataType::Decimal128(18, 10), true),
        Field::new("ChargePeriodStart", DataType::Utf8, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(svc.to_vec())),
        Arc::new(StringArray::from(tags.to_vec())),
        Arc::new(StringArray::from(cur.to_vec())),
        Arc::new(
            Decimal128Array::from(cost.to_vec())
                .with_precision_and_scale(18, 10)
                .unwrap(),
        ),
        Arc::new(StringArray::from(vec![start; svc.len()])),
    ];
    let pq = dir.path().join("d.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&pq).unwrap(),
        schema.clone(),
        None,
    )
    .unwrap();
    w.write(&RecordBatch::try_new(schema, cols).unwrap())
        .unwrap();
    w.close().unwrap();
    let keep = |q: AggregateQuery| {
        q.filter(
            finops_core::aggregate::Dimension::parse("ServiceName").unwrap(),
            vec!["a".into(), "b".into(), String::new()],
        )
    };
    for (name, query) in [
        ("ServiceName", q(&["ServiceName"])),
        ("itag:app, filtered", keep(q(&["itag:app", "day"]))),
        ("tag:app, filtered", keep(q(&["tag:app", "ServiceName"]))),
    ] {
        let a = aggregate_files(&[&csv_path], &query).unwrap();
        let b = aggregate_files(&[&pq], &query).unwrap();
        assert_eq!(a, b, "{name}");
    }
    // The row with bad Tags ("c") reaches the group-by without the filter: both paths refuse.
    for p in [&csv_path, &pq] {
        let e = aggregate_files(&[p], &q(&["tag:app"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Tags"), "{e}");
    }
}
