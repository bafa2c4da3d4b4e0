#![doc = include_str!("../README.md")]

use std::io::Write;
use std::sync::Arc;

/// Column names, in file order.
pub const COLUMNS: [&str; 44] = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountStatus",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "x_UsageType",
];

fn is_decimal(c: usize) -> bool {
    matches!(c, 1 | 17 | 19 | 20 | 21 | 23 | 24 | 26)
}

fn is_time(c: usize) -> bool {
    matches!(c, 6 | 7 | 12 | 13)
}

/// The seeded sample-data generator (SplitMix64) of finops-core.
pub use finops_core::sample::SampleRng as Rng;

const SERVICES: [(&str, &str, &str); 12] = [
    ("Virtual Machines", "Compute", "Virtual Machines"),
    ("Kubernetes Service", "Compute", "Containers"),
    ("Functions", "Compute", "Serverless Compute"),
    ("Blob Storage", "Storage", "Object Storage"),
    ("Managed Disks", "Storage", "Block Storage"),
    ("SQL Database", "Databases", "Relational Databases"),
    ("Cosmos DB", "Databases", "NoSQL Databases"),
    ("Virtual Network", "Networking", "Network Infrastructure"),
    ("Load Balancer", "Networking", "Load Balancing"),
    ("Key Vault", "Security", "Secret Management"),
    ("Monitor", "Management and Governance", "Observability"),
    (
        "Cognitive Services",
        "AI and Machine Learning",
        "AI Platforms",
    ),
];
const REGIONS: [(&str, &str); 6] = [
    ("westeurope", "West Europe"),
    ("northeurope", "North Europe"),
    ("francecentral", "France Central"),
    ("eastus", "East US"),
    ("westus2", "West US 2"),
    ("uksouth", "UK South"),
];
const APPS: [&str; 8] = [
    "web",
    "api",
    "billing",
    "search",
    "etl",
    "ml",
    "auth",
    "reporting",
];
const ENVS: [&str; 3] = ["prod", "staging", "dev"];

/// Money text with up to 10 decimals (sometimes fewer), from an integer in 1e-10 units.
fn money(units: i128, places: u32) -> String {
    let neg = units < 0;
    let u = units.unsigned_abs();
    let int = u / 10_000_000_000;
    let frac = u % 10_000_000_000;
    let mut s = if neg { "-".to_string() } else { String::new() };
    s.push_str(&int.to_string());
    let frac = frac / 10u128.pow(10 - places);
    if places > 0 {
        s.push('.');
        s.push_str(&format!("{:0width$}", frac, width = places as usize));
    }
    s
}

/// The values of row `i` of a data set of `rows` rows (strings; empty = null).
pub fn row(i: u64, rows: u64) -> Vec<String> {
    let mut r = Rng::new(i.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
    let hours = 30 * 24;
    let hour = i * hours / rows.max(1);
    let day = hour / 24 + 1;
    let hh = hour % 24;
    let res = r.below(1000);
    let (svc, cat, sub) = SERVICES[(res % 12) as usize];
    let (region, region_name) = REGIONS[(res / 12 % 6) as usize];
    let sub_acct = res % 20;
    let eur = sub_acct < 3;
    let credit = r.below(100) == 0;
    let places = [10u32, 10, 10, 8, 6, 4, 2, 0][r.below(8) as usize];
    let qty_units = (r.below(100_000) as i128 + 1) * 100_000_000; // up to 10 000.0
    let price_units = r.below(50_000_000) as i128 + 1; // up to 0.005
    let list = qty_units * price_units / 10_000_000_000;
    let mut billed = list - list * (r.below(30) as i128) / 100;
    if credit {
        billed = -billed;
    }
    let effective = billed - billed * (r.below(10) as i128) / 100;
    let contracted = billed;
    let app = APPS[(res % 8) as usize];
    let env = ENVS[(res % 3) as usize];
    let app_key = ["app", "App", "APP", "application"][(res % 4) as usize];
    let tags = format!(
        "{{\"{app_key}\":\"{app}\",\"env\":\"{env}\",\"owner\":\"team-{}\",\"costcenter\":\"CC-{:04}\"}}",
        res % 17,
        res % 50
    );
    let start = format!("2026-01-{day:02}T{hh:02}:00:00Z");
    let end = format!(
        "2026-01-{:02}T{:02}:00:00Z",
        (hour + 1) / 24 + 1,
        (hour + 1) % 24
    );
    vec![
        format!("{region}-{}", res % 3 + 1),
        money(billed, places),
        "BA-0001-2345-6789".into(),
        "Contoso Enterprise Agreement".into(),
        "Enterprise Agreement".into(),
        if eur { "EUR" } else { "USD" }.into(),
        "2026-02-01T00:00:00Z".into(),
        "2026-01-01T00:00:00Z".into(),
        if credit { "Credit" } else { "Usage" }.into(),
        String::new(),
        format!("{svc} {sub} usage in {region_name}, metered hourly"),
        "Usage-Based".into(),
        end,
        start,
        String::new(),
        String::new(),
        String::new(),
        money(qty_units, 2),
        "Hours".into(),
        money(contracted, places),
        money(price_units, 10),
        money(effective, places),
        "Contoso Cloud".into(),
        money(list, places),
        money(price_units, 10),
        "Standard".into(),
        money(qty_units, 2),
        "1 Hour".into(),
        "Contoso Cloud".into(),
        "Contoso Cloud".into(),
        region.into(),
        region_name.into(),
        format!(
            "/subscriptions/sub-{sub_acct:04}/resourceGroups/rg-{app}/providers/{svc}/res-{res:05}"
        ),
        format!("res-{res:05}"),
        sub.into(),
        cat.into(),
        svc.into(),
        sub.into(),
        format!("SKU-{:04}", res % 97),
        format!("PRICE-{:06}", res % 997),
        format!("sub-{sub_acct:04}"),
        format!("Subscription {sub_acct}"),
        tags,
        format!("{sub} standard"),
    ]
}

/// A synthetic daily cost series `i` of `days` days (deterministic): a level between 10 and
/// 1000, a weekly pattern (weekends lower for some series), a slow trend for some, ±5 %
/// noise, and a level step for one series in seven, in cents.
pub fn daily_series(i: u64, days: usize) -> Vec<rust_decimal::Decimal> {
    let mut r = Rng::new(i.wrapping_mul(0x9e37_79b9) ^ 0xf0ca);
    let level = 1_000 + r.below(99_000) as i64; // cents
    let weekend = [100, 100, 60, 30][r.below(4) as usize] as i64;
    let trend = [0i64, 0, 1, -1][r.below(4) as usize];
    let step_at = if r.below(7) == 0 {
        r.below(days as u64) as usize
    } else {
        usize::MAX
    };
    (0..days)
        .map(|d| {
            let mut v = level + trend * level * d as i64 / 1000;
            if d % 7 >= 5 {
                v = v * weekend / 100;
            }
            if d >= step_at {
                v = v * 3 / 2;
            }
            let noise = r.below(101) as i64 - 50; // ±5 %
            v += v * noise / 1000;
            rust_decimal::Decimal::new(v.max(0), 2)
        })
        .collect()
}

/// 50 allocation map rules for the synthetic data set (8 tag rules, 20 sub-account rules,
/// 12 resource-name globs, 10 column rules), as TOML; and the same mapping as a DuckDB SQL
/// `CASE` returning `(target, rule)`.
pub fn allocation_rules_50() -> (String, String, String) {
    let mut toml = String::from("unallocated = \"Unallocated\"\n");
    let mut to = String::from("CASE\n");
    let mut rule = String::from("CASE\n");
    let tag = "COALESCE(json_extract_string(Tags, '$.app'), json_extract_string(Tags, '$.App'), json_extract_string(Tags, '$.APP'))";
    let mut n = 0;
    let mut add = |t: &str, cond: String, body: String| {
        n += 1;
        toml.push_str(&format!("[[map]]\nto = \"{t}\"\n{body}"));
        to.push_str(&format!("  WHEN {cond} THEN '{t}'\n"));
        rule.push_str(&format!("  WHEN {cond} THEN 'map[{n}]'\n"));
    };
    for app in [
        "web",
        "api",
        "billing",
        "search",
        "etl",
        "ml",
        "auth",
        "reporting",
    ] {
        // Only the first four apps are matched by tag: the others fall through.
        if ["web", "api", "billing", "search"].contains(&app) {
            add(
                app,
                format!("{tag} = '{app}'"),
                format!("tag = \"app\"\nequals = \"{app}\"\n"),
            );
        } else {
            add(
                app,
                format!("{tag} LIKE '{app}-x%'"),
                format!("tag = \"app\"\nmatches = \"{app}-x*\"\n"),
            );
        }
    }
    for s in 0..20 {
        let t = format!("team-{}", s % 7);
        let sub = format!("sub-{s:04}");
        if s % 2 == 0 {
            add(
                &t,
                format!("SubAccountId = '{sub}'"),
                format!("sub_account = \"{sub}\"\n"),
            );
        } else {
            add(
                &t,
                format!("SubAccountId = '{sub}-none'"),
                format!("sub_account = \"{sub}-none\"\n"),
            );
        }
    }
    for g in 0..12 {
        let t = format!("res-group-{}", g % 5);
        add(
            &t,
            format!("ResourceName LIKE 'res-0{g:02}%'"),
            format!("resource_name = \"res-0{g:02}*\"\n"),
        );
    }
    for (svc, t) in [
        ("Virtual Machines", "compute"),
        ("Kubernetes Service", "compute"),
        ("Functions", "compute"),
        ("Blob Storage", "storage"),
        ("Managed Disks", "storage"),
        ("SQL Database", "data"),
        ("Cosmos DB", "data"),
        ("Virtual Network", "network"),
        ("Load Balancer", "network"),
        ("Key Vault", "security"),
    ] {
        add(
            t,
            format!("ServiceName = '{svc}'"),
            format!("column = \"ServiceName\"\nequals = \"{svc}\"\n"),
        );
    }
    to.push_str("  ELSE 'Unallocated' END");
    rule.push_str("  ELSE 'unallocated' END");
    (toml, to, rule)
}

fn csv_field(out: &mut Vec<u8>, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        for b in v.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(v.as_bytes());
    }
}

/// Write the CSV data set (header + `rows` rows).
pub fn write_csv<W: Write>(rows: u64, out: W) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    w.write_all(COLUMNS.join(",").as_bytes())?;
    w.write_all(b"\n")?;
    let mut line = Vec::with_capacity(2048);
    for i in 0..rows {
        line.clear();
        for (c, v) in row(i, rows).iter().enumerate() {
            if c > 0 {
                line.push(b',');
            }
            csv_field(&mut line, v);
        }
        line.push(b'\n');
        w.write_all(&line)?;
    }
    w.flush()
}

/// Write the Parquet copy: decimals as `Decimal128(18, 10)`, times as UTC microsecond
/// timestamps, the rest as UTF-8; row groups of 131,072 rows.
pub fn write_parquet(rows: u64, out: std::fs::File) -> anyhow::Result<()> {
    use arrow_array::builder::{Decimal128Builder, StringBuilder, TimestampMicrosecondBuilder};
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    let tz: Arc<str> = Arc::from("UTC");
    let fields: Vec<Field> = COLUMNS
        .iter()
        .enumerate()
        .map(|(c, n)| {
            let t = if is_decimal(c) {
                DataType::Decimal128(18, 10)
            } else if is_time(c) {
                DataType::Timestamp(TimeUnit::Microsecond, Some(tz.clone()))
            } else {
                DataType::Utf8
            };
            Field::new(*n, t, true)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(131_072))
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(out, schema.clone(), Some(props))?;
    let batch = 131_072u64;
    let mut start = 0;
    while start < rows {
        let end = (start + batch).min(rows);
        let data: Vec<Vec<String>> = (start..end).map(|i| row(i, rows)).collect();
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(COLUMNS.len());
        for c in 0..COLUMNS.len() {
            if is_decimal(c) {
                let mut b = Decimal128Builder::new().with_precision_and_scale(18, 10)?;
                for r in &data {
                    let d = rust_decimal::Decimal::from_str_exact(&r[c])?;
                    let mut d = d;
                    d.rescale(10);
                    b.append_value(d.mantissa());
                }
                cols.push(Arc::new(b.finish()));
            } else if is_time(c) {
                let mut b = TimestampMicrosecondBuilder::new().with_timezone(tz.clone());
                for r in &data {
                    let t = chrono::DateTime::parse_from_rfc3339(&r[c])?;
                    b.append_value(t.timestamp_micros());
                }
                cols.push(Arc::new(b.finish()));
            } else {
                let mut b = StringBuilder::new();
                for r in &data {
                    if r[c].is_empty() {
                        b.append_null();
                    } else {
                        b.append_value(&r[c]);
                    }
                }
                cols.push(Arc::new(b.finish()));
            }
        }
        writer.write(&RecordBatch::try_new(schema.clone(), cols)?)?;
        start = end;
    }
    writer.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_deterministic_and_about_800_bytes() {
        assert_eq!(row(7, 100), row(7, 100));
        let mut buf = Vec::new();
        write_csv(1000, &mut buf).unwrap();
        let per_row = buf.len() / 1000;
        assert!((600..1000).contains(&per_row), "{per_row} bytes a row");
        assert_eq!(money(-12_345_000_000, 10), "-1.2345000000");
        assert_eq!(money(5, 10), "0.0000000005");
        assert_eq!(money(25_000_000_000, 0), "2");
    }
}
