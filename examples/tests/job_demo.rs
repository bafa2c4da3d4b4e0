//! The README's main command: `finops demo` runs the whole job against every emulator. One
//! demo run is shared by every test of this file.
//!
//! - the outputs exist (focus/ by billing month and provider, the provider files, analysis,
//!   summary.json, report.html);
//! - the FOCUS files pass the FinOps Foundation validator;
//! - summary.json's totals equal DuckDB's and Spark's sums over `focus/**/*.parquet` exactly,
//!   per provider and currency, and both read the dataset as one table without partition
//!   columns;
//! - every billing period reconciles with the provider's own totals to the last digit;
//! - the report is one self-contained page with its charts, the anomaly and its cause, the
//!   failing account.

mod common;

use common::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct Demo {
    _dir: tempfile::TempDir,
    out: PathBuf,
    stdout: String,
}

fn shared() -> &'static Demo {
    static D: OnceLock<Demo> = OnceLock::new();
    D.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("finops-demo");
        let creds = dir.path().join("creds");
        let o = demo(&out, &["--credentials", creds.to_str().unwrap()]);
        Demo {
            out,
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            _dir: dir,
        }
    })
}

#[test]
fn demo_writes_every_output_and_says_where_the_report_is() {
    let d = shared();
    assert!(d.stdout.contains("Open the report:"), "{}", d.stdout);
    assert!(
        d.stdout
            .contains(&d.out.join("report.html").display().to_string())
    );
    let all = files(&d.out);
    for f in [
        "report.html",
        "summary.json",
        "analysis/cost_by_provider_month.csv",
        "analysis/showback.csv",
        "analysis/allocated.parquet",
        "analysis/forecasts.json",
        "analysis/budgets.json",
        "analysis/anomalies.json",
        "analysis/credits.json",
        "analysis/reconciliation.csv",
        "providers/ovh/data_PBI_info_billing_history.csv",
        "providers/ovh/data_PBI_info_token.csv",
        "providers/oci/oci_report_monthly.csv",
        "providers/oci/oci_report.json",
        "providers/arcgis/arcgis_usage_by_operation.csv",
        "providers/arcgis/arcgis_users.csv",
        "focus/2026-10/ovh/part-0.parquet",
        "focus/2026-10/oci/part-0.parquet",
        "focus/2026-10/arcgis/part-0.parquet",
        "focus/2025-12/oci/part-0.parquet",
        "focus/2026-09/azure/part-0.parquet",
        "focus/2026-11/azure/part-0.parquet",
        "providers/azure/focus_azure.parquet",
        "ingestion/Costs/2026/11/ovh/ovh/manifest.json",
        "ingestion/Costs/2026/10/oci/oci/manifest.json",
        "ingestion/Costs/2026/09/arcgis/arcgis/manifest.json",
        "ingestion/Costs/2026/11/providers/microsoft.billing/billingaccounts/8611537/manifest.json",
    ] {
        assert!(all.iter().any(|x| x == f), "{f} missing from\n{all:#?}");
    }
    // One folder per billing month and provider, plain names (no Hive key=value).
    // Every manifest of ingestion/ is non-empty (hubs ignore an empty one).
    for f in all.iter().filter(|f| f.ends_with("manifest.json")) {
        assert!(
            std::fs::metadata(d.out.join(f)).unwrap().len() > 2,
            "{f} is empty"
        );
    }
    for f in all.iter().filter(|f| f.starts_with("focus/")) {
        let parts: Vec<&str> = f.split('/').collect();
        assert_eq!(parts.len(), 4, "{f}");
        assert!(parts[1].len() == 7 && parts[1].as_bytes()[4] == b'-', "{f}");
        assert!(["ovh", "oci", "arcgis", "azure"].contains(&parts[2]), "{f}");
        assert!(!f.contains('='), "{f}");
    }
    // No credential of the emulators lands in the output.
    assert!(
        !all.iter()
            .any(|f| f.contains("tokens") || f.ends_with(".pem")),
        "{all:#?}"
    );
}

#[test]
fn the_dataset_has_one_schema_and_passes_the_official_validator() {
    if skip_under_faketime("the official FOCUS validator over the dataset") {
        return;
    }
    let d = shared();
    let files = focus_files(&d.out);
    assert!(files.len() >= 15, "{files:?}");
    let header = |p: &Path| -> Vec<String> {
        finops_core::focus::parquet::FocusParquetReader::open(p)
            .unwrap()
            .header()
            .names()
            .to_vec()
    };
    let first = header(&files[0]);
    for f in &files {
        assert_eq!(header(f), first, "{} has another schema", f.display());
    }
    // The dataset is one table: its files concatenated into one Parquet file are validated
    // in one validator run (about 7 s per file; FINOPS_JOB_VALIDATE_EACH=1 validates each
    // file on its own as well). The allocated records are FOCUS too.
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("focus_dataset.parquet");
    let mut records = Vec::new();
    for f in &files {
        records.extend(finops_core::focus::parquet::read_parquet_file(f).unwrap());
    }
    finops_core::focus::parquet::write_parquet_file(&all, &records).unwrap();
    let allocated = d.out.join("analysis/allocated.parquet");
    finops_core::testing::focus_validate(&[&all, &allocated]);
    if std::env::var("FINOPS_JOB_VALIDATE_EACH").as_deref() == Ok("1") {
        let each: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        finops_core::testing::focus_validate(&each);
    }
}

/// Sum per (provider, currency) as a query engine printed them: `provider|currency|billed|effective|rows`.
fn parse_engine(text: &str) -> BTreeMap<(String, String), (Decimal, Decimal)> {
    text.lines()
        .filter(|l| l.matches('|').count() == 4 && !l.starts_with("ING|"))
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            (
                (f[0].to_string(), f[1].to_string()),
                (f[2].parse().unwrap(), f[3].parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn summary_totals_equal_duckdb_sums_exactly() {
    let d = shared();
    let Some(py) = tool(
        "FINOPS_DUCKDB_PYTHON",
        "DuckDB read-back of focus/",
        "./scripts/test sets up a DuckDB venv",
    ) else {
        return;
    };
    let script = r#"
import sys, duckdb
glob = sys.argv[1] + "/focus/**/*.parquet"
con = duckdb.connect()
cols = [r[0] for r in con.sql(f"describe select * from read_parquet('{glob}')").fetchall()]
print("COLUMNS " + ",".join(cols))
for p, c, b, e, n in con.sql(f"""select ProviderName, BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*)
                                 from read_parquet('{glob}') group by all order by 1, 2""").fetchall():
    print("|".join([p, c, format(b.normalize(), "f"), format(e.normalize(), "f"), str(n)]))
"#;
    let o = std::process::Command::new(py)
        .args(["-c", script])
        .arg(&d.out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let cols = text
        .lines()
        .find_map(|l| l.strip_prefix("COLUMNS "))
        .unwrap();
    assert!(cols.starts_with("AvailabilityZone,BilledCost,"), "{cols}");
    for partition_like in ["month", "provider", "filename"] {
        assert!(!cols.split(',').any(|c| c == partition_like), "{cols}");
    }
    let engine = parse_engine(&text);
    assert_eq!(engine, summary_totals(&d.out), "DuckDB:\n{text}");
    // ingestion/ (the hubs layout, read as a hub's Data Explorer would: every Costs file, by
    // name) has the same BilledCost; EffectiveCost too but for Azure, whose raw exports the
    // hub's cost transform amortises (purchases' EffectiveCost zeroed) on the way to FOCUS.
    let script = r#"
import sys, duckdb
glob = sys.argv[1] + "/ingestion/Costs/**/*.parquet"
con = duckdb.connect()
for p, c, b, e, n in con.sql(f"""select ProviderName, BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*)
                                 from read_parquet('{glob}', union_by_name=true) group by all order by 1, 2""").fetchall():
    print("|".join([p, c, format(b.normalize(), "f"), format(e.normalize(), "f"), str(n)]))
"#;
    let o = std::process::Command::new(tool_path("FINOPS_DUCKDB_PYTHON"))
        .args(["-c", script])
        .arg(&d.out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let ingestion = parse_engine(&text);
    let summary = summary_totals(&d.out);
    assert_eq!(
        ingestion.keys().collect::<Vec<_>>(),
        summary.keys().collect::<Vec<_>>(),
        "{text}"
    );
    for (k, (billed, effective)) in &summary {
        assert_eq!(ingestion[k].0, *billed, "ingestion/ BilledCost {k:?}");
        if k.0 != "Microsoft" {
            assert_eq!(ingestion[k].1, *effective, "ingestion/ EffectiveCost {k:?}");
        }
    }
}

fn tool_path(var: &str) -> String {
    std::env::var(var).unwrap()
}

#[test]
fn summary_totals_equal_spark_sums_exactly() {
    if skip_under_faketime("Spark read-back of focus/ and ingestion/") {
        return;
    }
    let d = shared();
    let Some(py) = tool(
        "FINOPS_SPARK_PYTHON",
        "Spark read-back of focus/",
        "./scripts/test sets up pyspark (scripts/setup.d/50-pyspark.sh)",
    ) else {
        return;
    };
    let script = r#"
import sys
from pyspark.sql import SparkSession, functions as F
spark = (SparkSession.builder.master("local[1]").appName("finops-rs-test")
         .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.session.timeZone", "UTC")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
df = spark.read.parquet(sys.argv[1] + "/focus/*/*/*.parquet")
print("COLUMNS " + ",".join(df.columns))
print("TYPES " + dict(df.dtypes)["BilledCost"] + " " + dict(df.dtypes)["ChargePeriodStart"])
for r in df.groupBy("ProviderName", "BillingCurrency").agg(F.sum("BilledCost"), F.sum("EffectiveCost"), F.count("*")).collect():
    print("|".join([r[0], r[1], format(r[2].normalize(), "f"), format(r[3].normalize(), "f"), str(r[4])]))
# The hub's Costs folder mixes the raw exports' schemas and FOCUS: read it with the columns needed.
ing = (spark.read.schema("ProviderName string, BillingCurrency string, BilledCost decimal(38,18)")
       .option("recursiveFileLookup", "true").option("pathGlobFilter", "*.parquet")
       .parquet(sys.argv[1] + "/ingestion/Costs"))
for r in ing.groupBy("ProviderName", "BillingCurrency").agg(F.sum("BilledCost"), F.count("*")).collect():
    print("ING|" + "|".join([r[0], r[1], format(r[2].normalize(), "f"), str(r[3])]))
spark.stop()
"#;
    let o = std::process::Command::new(py)
        .args(["-c", script])
        .arg(&d.out)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env(
            "PYSPARK_PYTHON",
            std::env::var("FINOPS_SPARK_PYTHON").unwrap(),
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("TYPES decimal(38,18) timestamp"), "{text}");
    let cols = text
        .lines()
        .find_map(|l| l.strip_prefix("COLUMNS "))
        .unwrap();
    assert!(cols.starts_with("AvailabilityZone,BilledCost,"), "{cols}");
    let summary = summary_totals(&d.out);
    assert_eq!(parse_engine(&text), summary, "Spark:\n{text}");
    // ingestion/: the same BilledCost per provider and currency.
    let ing: BTreeMap<(String, String), Decimal> = text
        .lines()
        .filter_map(|l| l.strip_prefix("ING|"))
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            ((f[0].to_string(), f[1].to_string()), f[2].parse().unwrap())
        })
        .collect();
    let billed: BTreeMap<(String, String), Decimal> =
        summary.into_iter().map(|(k, v)| (k, v.0)).collect();
    assert_eq!(ing, billed, "Spark over ingestion/:\n{text}");
}

#[test]
fn every_billing_period_reconciles_with_the_providers_own_totals() {
    let d = shared();
    let text = std::fs::read_to_string(d.out.join("analysis/reconciliation.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut per_provider: BTreeMap<String, usize> = BTreeMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        assert_eq!(&r[7], "true", "{r:?}");
        assert_eq!(
            r[4].parse::<Decimal>().unwrap(),
            r[5].parse::<Decimal>().unwrap(),
            "{r:?}"
        );
        *per_provider.entry(r[1].to_string()).or_default() += 1;
    }
    assert!(
        per_provider["ovh"] >= 4
            && per_provider["oci"] >= 20
            && per_provider["arcgis"] >= 3
            && per_provider["azure"] >= 3,
        "{per_provider:?}"
    );
}

#[test]
fn the_report_is_self_contained_with_charts_anomalies_and_failures() {
    let d = shared();
    let html = std::fs::read_to_string(d.out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"en\">"));
    for forbidden in [
        "<script",
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "<link",
    ] {
        assert!(
            !html.contains(forbidden),
            "the report must not load anything: found {forbidden}"
        );
    }
    assert!(html.matches("<svg ").count() >= 10, "charts missing");
    assert!(html.matches("class=\"bar\"").count() >= 20);
    assert!(html.matches("class=\"line\"").count() >= 8);
    for section in [
        "Cost per provider and billing month",
        "Top services",
        "Top applications",
        "Forecasts, budgets and credits",
        "Contracts and credits",
        "ArcGIS credit burn-down",
        "Anomalies and their causes",
        "Reconciliation with each provider",
        "Alerts",
        "Errors of this run",
    ] {
        assert!(html.contains(section), "section {section:?} missing");
    }
    // The anomaly of the demo (client D's database from 2026-11-16) and its cause.
    let an: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.out.join("analysis/anomalies.json")).unwrap())
            .unwrap();
    let first = &an["anomalies"][0];
    assert_eq!(first["date"], "2026-11-16", "{an:#}");
    assert_eq!(first["contributors"][0]["value"], "DATABASE", "{an:#}");
    assert!(html.contains("DATABASE"));
    // The revoked OVH token: in the summary and the report, the others collected.
    let errors = summary_errors(&d.out);
    assert!(
        errors
            .iter()
            .any(|(s, m)| s == "ovh:Legacy_Archive" && m.contains("INVALID_CREDENTIAL")),
        "{errors:?}"
    );
    assert!(html.contains("Legacy_Archive"));
    assert!(
        d.stdout.contains("4 of 4 source(s) collected"),
        "{}",
        d.stdout
    );
    // Every provider and currency of the dataset is in the summary.
    let totals = summary_totals(&d.out);
    let keys: Vec<String> = totals.keys().map(|(p, c)| format!("{p} {c}")).collect();
    assert_eq!(
        keys,
        [
            "Esri EUR",
            "Microsoft EUR",
            "OVHcloud EUR",
            "Oracle BRL",
            "Oracle USD"
        ]
    );
}
