//! `finops aggregate` end to end: the built binary on small CSV, CSV.gz and Parquet files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const HEADER: &str = "BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ServiceName,ServiceCategory,SubAccountId,Tags";

const ROWS: [(&str, &str, &str, &str, &str, &str); 5] = [
    // BilledCost, Currency, ChargePeriodStart, ServiceName, ServiceCategory, Tags
    (
        "0.1234567891",
        "USD",
        "2024-01-01T10:00:00Z",
        "VM",
        "Compute",
        r#"{"Application":"web"}"#,
    ),
    (
        "-0.0000000001",
        "USD",
        "2024-01-01T23:30:00Z",
        "VM",
        "Compute",
        r#"{"application":"web"}"#,
    ),
    ("2.5", "EUR", "2024-01-02T00:00:00Z", "VM", "Compute", ""),
    (
        "10",
        "USD",
        "2024-01-02T00:00:00Z",
        "Blob",
        "Storage",
        r#"{"APPLICATION":"api"}"#,
    ),
    ("-3.25", "USD", "2024-02-01T00:00:00Z", "VM", "Compute", ""),
];

fn csv_text(rows: &[(&str, &str, &str, &str, &str, &str)]) -> String {
    let mut s = format!("{HEADER}\n");
    for (cost, cur, start, svc, cat, tags) in rows {
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!("\"{}\"", tags.replace('"', "\"\""))
        };
        s.push_str(&format!(
            "{cost},{cost},{cur},{start},{svc},{cat},sub-1,{tags}\n"
        ));
    }
    s
}

fn finops(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_finops"))
        .arg("aggregate")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn write_parquet(path: &Path, rows: &[(&str, &str, &str, &str, &str, &str)]) {
    use arrow_array::builder::{Decimal128Builder, StringBuilder, TimestampMicrosecondBuilder};
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    let schema = Arc::new(Schema::new(vec![
        Field::new("BilledCost", DataType::Decimal128(20, 10), false),
        Field::new("BillingCurrency", DataType::Utf8, false),
        Field::new(
            "ChargePeriodStart",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("ServiceName", DataType::Utf8, false),
        Field::new("ServiceCategory", DataType::Utf8, false),
        Field::new("Tags", DataType::Utf8, true),
    ]));
    let mut cost = Decimal128Builder::new()
        .with_precision_and_scale(20, 10)
        .unwrap();
    let mut cur = StringBuilder::new();
    let mut start = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut svc = StringBuilder::new();
    let mut cat = StringBuilder::new();
    let mut tags = StringBuilder::new();
    for (c, cu, st, s, ca, t) in rows {
        let mut d = rust_decimal::Decimal::from_str_exact(c).unwrap();
        d.rescale(10);
        cost.append_value(d.mantissa());
        cur.append_value(cu);
        start.append_value(
            chrono::DateTime::parse_from_rfc3339(st)
                .unwrap()
                .timestamp_micros(),
        );
        svc.append_value(s);
        cat.append_value(ca);
        if t.is_empty() {
            tags.append_null();
        } else {
            tags.append_value(t);
        }
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(cost.finish()),
        Arc::new(cur.finish()),
        Arc::new(start.finish()),
        Arc::new(svc.finish()),
        Arc::new(cat.finish()),
        Arc::new(tags.finish()),
    ];
    let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

struct Inputs {
    _dir: tempfile::TempDir,
    csv: PathBuf,
    gz: PathBuf,
    parquet: PathBuf,
    out: PathBuf,
}

fn inputs() -> Inputs {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("costs.csv");
    std::fs::write(&csv, csv_text(&ROWS)).unwrap();
    let gz = dir.path().join("costs.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(csv_text(&ROWS).as_bytes()).unwrap();
    enc.finish().unwrap();
    let parquet = dir.path().join("costs.parquet");
    write_parquet(&parquet, &ROWS);
    let out = dir.path().join("out.csv");
    Inputs {
        _dir: dir,
        csv,
        gz,
        parquet,
        out,
    }
}

const BY_SERVICE_DAY: &str = "\
ServiceName,day,BillingCurrency,BilledCost
Blob,2024-01-02,USD,10
VM,2024-01-01,USD,0.123456789
VM,2024-01-02,EUR,2.5
VM,2024-02-01,USD,-3.25
";

#[test]
fn csv_gz_and_parquet_give_the_same_exact_output() {
    let i = inputs();
    for input in [&i.csv, &i.gz, &i.parquet] {
        let (ok, out, err) = finops(&["--input", p(input), "--by", "ServiceName,day"]);
        assert!(ok, "{}: {err}", input.display());
        assert_eq!(out, BY_SERVICE_DAY, "{}", input.display());
    }
}

#[test]
fn several_inputs_at_once_and_output_file() {
    let i = inputs();
    let (ok, out, err) = finops(&[
        "--input",
        p(&i.csv),
        "--input",
        p(&i.gz),
        "--input",
        p(&i.parquet),
        "--by",
        "ServiceCategory,month",
        "--count",
        "--output",
        p(&i.out),
    ]);
    assert!(ok, "{err}");
    assert!(out.is_empty());
    let text = std::fs::read_to_string(&i.out).unwrap();
    assert_eq!(
        text,
        "ServiceCategory,month,BillingCurrency,BilledCost,count\n\
         Compute,2024-01,EUR,7.5,3\n\
         Compute,2024-01,USD,0.370370367,6\n\
         Compute,2024-02,USD,-9.75,3\n\
         Storage,2024-01,USD,30,3\n"
    );
    // The same files after a single `--input` give the same table.
    let (ok, _, err) = finops(&[
        "--input",
        p(&i.csv),
        p(&i.gz),
        p(&i.parquet),
        "--by",
        "ServiceCategory,month",
        "--count",
        "--output",
        p(&i.out),
    ]);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_to_string(&i.out).unwrap(), text);
}

#[test]
fn tags_filters_time_zone_and_period() {
    let i = inputs();
    let (ok, out, err) = finops(&[
        "--input",
        p(&i.csv),
        "--by",
        "tag:application",
        "--tag-ignore-case",
        "--where",
        "ServiceName=VM|Blob",
        "--sum",
        "BilledCost,EffectiveCost",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "tag:application,BillingCurrency,BilledCost,EffectiveCost\n\
         api,USD,10,10\n\
         web,USD,0.123456789,0.123456789\n\
         ,EUR,2.5,2.5\n\
         ,USD,-3.25,-3.25\n"
    );
    let (ok, out, err) = finops(&[
        "--input",
        p(&i.csv),
        "--by",
        "day",
        "--tz",
        "Europe/Paris",
        "--where",
        "itag:Application=web",
        "--from",
        "2024-01-01",
        "--to",
        "2024-02-01",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "day,BillingCurrency,BilledCost\n2024-01-01,USD,0.1234567891\n2024-01-02,USD,-0.0000000001\n"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let i = inputs();
    let bad = i.out.with_file_name("bad.csv");
    std::fs::write(
        &bad,
        format!("{HEADER}\n1x,1,USD,2024-01-01T00:00:00Z,VM,Compute,s,\n"),
    )
    .unwrap();
    let (ok, _, err) = finops(&["--input", p(&bad), "--by", "ServiceName"]);
    assert!(!ok);
    assert!(
        err.contains("bad.csv:2") && err.contains("BilledCost"),
        "{err}"
    );
    let (ok, _, err) = finops(&["--input", p(&i.csv), "--by", "NoSuchColumn"]);
    assert!(!ok && err.contains("NoSuchColumn"), "{err}");
    let (ok, _, err) = finops(&["--input", p(&i.csv), "--by", "day", "--tz", "Mars/Olympus"]);
    assert!(!ok && err.contains("--tz"), "{err}");
    let missing = i.out.with_file_name("missing.csv");
    let (ok, _, err) = finops(&["--input", p(&missing), "--by", "day"]);
    assert!(!ok && err.contains("missing.csv"), "{err}");
}

#[test]
fn one_row_and_empty_files() {
    let i = inputs();
    let one = i.out.with_file_name("one.csv");
    std::fs::write(&one, csv_text(&ROWS[..1])).unwrap();
    let (ok, out, err) = finops(&["--input", p(&one), "--by", "ServiceName,week"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "ServiceName,week,BillingCurrency,BilledCost\nVM,2024-W01,USD,0.1234567891\n"
    );
    let header_only = i.out.with_file_name("header.csv");
    std::fs::write(&header_only, format!("{HEADER}\n")).unwrap();
    let (ok, out, err) = finops(&["--input", p(&header_only), "--by", "ServiceName"]);
    assert!(ok, "{err}");
    assert_eq!(out, "ServiceName,BillingCurrency,BilledCost\n");
    let empty = i.out.with_file_name("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let (ok, _, err) = finops(&["--input", p(&empty), "--by", "ServiceName"]);
    assert!(!ok && err.contains("empty.csv"), "{err}");
}
