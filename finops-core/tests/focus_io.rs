//! FOCUS readers and writers: round trips (CSV, CSV.gz, Parquet), older versions, precise
//! errors, collect-bad-rows mode, foreign Parquet types, exact decimals (property test).
#![cfg(feature = "parquet")]

use arrow_array::{
    ArrayRef, Date32Array, Decimal128Array, DictionaryArray, Float64Array, Int64Array,
    LargeStringArray, RecordBatch, StringArray, TimestampMillisecondArray, types::Int32Type,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use finops_core::focus::check::{CheckOptions, check_file};
use finops_core::focus::csv::{
    CsvWriteOptions, FocusCsvReader, FocusCsvWriter, ReadOptions, write_csv_file,
};
use finops_core::focus::parquet::{
    FocusParquetReader, FocusParquetWriter, ParquetWriteOptions, write_parquet_file,
};
use finops_core::focus::versions::FocusVersion;
use finops_core::focus::{
    CapacityReservationStatus, ChargeCategory, ChargeClass, ChargeFrequency, Column,
    CommitmentDiscountCategory, CommitmentDiscountStatus, CostRecord, Period, PricingCategory,
    ServiceCategory, Tags, parse_time, read_file, write_file,
};
use finops_core::{Currency, Decimal, Error};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
    parse_time(s).unwrap()
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A record with a non-null value in every one of the 57 columns, two extensions and
/// unicode tags in a non-alphabetical key order.
fn full_record(i: u32) -> CostRecord {
    let mut r = CostRecord::new(
        "Ödland Cloud",
        format!("acct-{i}"),
        Currency::EUR,
        Period {
            start: t("2024-01-01T00:00:00Z"),
            end: t("2024-02-01T00:00:00Z"),
        },
        Period {
            start: t("2024-01-05T10:00:00Z"),
            end: t("2024-01-05T11:00:00Z"),
        },
        ChargeCategory::Usage,
        "Virtual Machines, \"quoted\"",
        ServiceCategory::Compute,
        d("-12.3456789012345678"),
    );
    r.availability_zone = Some("eu-west-1a".into());
    r.billing_account_name = Some("Acme, Inc.".into());
    r.billing_account_type = Some("Billing Profile".into());
    r.capacity_reservation_id = Some("cr-1".into());
    r.capacity_reservation_status = Some(CapacityReservationStatus::Used);
    r.charge_class = Some(ChargeClass::Correction);
    r.charge_description = Some("line one\nline two".into());
    r.charge_frequency = Some(ChargeFrequency::UsageBased);
    r.commitment_discount_category = Some(CommitmentDiscountCategory::Spend);
    r.commitment_discount_id = Some("cd-1".into());
    r.commitment_discount_name = Some("Savings plan".into());
    r.commitment_discount_quantity = Some(d("0.000000000123"));
    r.commitment_discount_status = Some(CommitmentDiscountStatus::Used);
    r.commitment_discount_type = Some("Savings Plan".into());
    r.commitment_discount_unit = Some("USD".into());
    r.consumed_quantity = Some(d("3600"));
    r.consumed_unit = Some("Seconds".into());
    r.contracted_cost = d("10.5");
    r.contracted_unit_price = Some(d("0.0029166666666667"));
    r.effective_cost = d("9.999999999999999999");
    r.invoice_id = Some(format!("INV-{i}"));
    r.invoice_issuer_name = "Reseller GmbH".into();
    r.list_cost = d("1000000000000.01");
    r.list_unit_price = Some(d("0.004"));
    r.pricing_category = Some(PricingCategory::Committed);
    r.pricing_currency = Some("CREDITS".into());
    r.pricing_currency_contracted_unit_price = Some(d("1.1"));
    r.pricing_currency_effective_cost = Some(d("-0.5"));
    r.pricing_currency_list_unit_price = Some(d("2"));
    r.pricing_quantity = Some(d("1"));
    r.pricing_unit = Some("Hours".into());
    r.publisher_name = "Publisher Ltd".into();
    r.region_id = Some("eu-west-1".into());
    r.region_name = Some("Europe (Ireland)".into());
    r.resource_id = Some("i-0123".into());
    r.resource_name = Some("web-1".into());
    r.resource_type = Some("Virtual machine".into());
    r.service_subcategory = Some("Virtual Machines".into());
    r.sku_id = Some("SKU-1".into());
    r.sku_meter = Some("Compute Hours".into());
    let mut spd = serde_json::Map::new();
    spd.insert("InstanceType".into(), "m5.large".into());
    spd.insert("CoreCount".into(), 2.into());
    spd.insert("x_Extra".into(), true.into());
    r.sku_price_details = Some(spd);
    r.sku_price_id = Some("SKU-1-PRICE".into());
    r.sub_account_id = Some("sub-1".into());
    r.sub_account_name = Some("Team Å".into());
    r.sub_account_type = Some("Project".into());
    r.tags = Some(
        Tags::parse(r#"{"zeta":"последний","alpha":"日本語","flag":true,"n":1.50,"none":null}"#)
            .unwrap(),
    );
    r.extensions.set("x_Note", Some(format!("note, {i}")));
    r.extensions
        .set("oci_CompartmentId", Some("ocid1.compartment".into()));
    r
}

/// A record where every optional column is null (and no extension is set).
fn sparse_record() -> CostRecord {
    let mut r = CostRecord::new(
        "P",
        "a",
        Currency::USD,
        Period {
            start: t("2024-01-01T00:00:00Z"),
            end: t("2024-02-01T00:00:00Z"),
        },
        Period {
            start: t("2024-01-01T00:00:00Z"),
            end: t("2024-01-02T00:00:00Z"),
        },
        ChargeCategory::Tax,
        "S",
        ServiceCategory::Other,
        d("0"),
    );
    r.charge_frequency = None;
    r.pricing_category = None;
    r
}

fn records() -> Vec<CostRecord> {
    let mut v = vec![full_record(1), sparse_record(), full_record(2)];
    // The sparse record lacks the extensions: readers give them back as present-but-null.
    v[1].extensions.set("x_Note", None);
    v[1].extensions.set("oci_CompartmentId", None);
    v
}

fn read_all(p: &Path) -> Vec<CostRecord> {
    read_file(p)
        .unwrap()
        .collect::<finops_core::Result<Vec<_>>>()
        .unwrap()
}

#[test]
fn full_record_covers_every_column() {
    let r = full_record(1);
    for c in Column::ALL {
        assert!(
            r.get(c).to_text().is_some(),
            "{} is null in the full record",
            c.name()
        );
    }
}

#[test]
fn csv_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.csv");
    let recs = records();
    write_csv_file(&p, &recs).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("AvailabilityZone,BilledCost,BillingAccountId,"));
    assert!(header.ends_with(",Tags,x_Note,oci_CompartmentId"));
    assert!(text.contains("2024-01-05T10:00:00Z"));
    let back = read_all(&p);
    assert_eq!(back, recs);
    let r = FocusCsvReader::open(&p).unwrap();
    assert_eq!(r.version(), Some(FocusVersion::V1_2));
}

#[test]
fn csv_gz_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.csv.gz");
    let recs = records();
    write_csv_file(&p, &recs).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
    assert_eq!(read_all(&p), recs);
    // Gzip is recognised by its magic bytes even without the .gz name.
    let q = dir.path().join("renamed.csv");
    std::fs::copy(&p, &q).unwrap();
    assert_eq!(read_all(&q), recs);
}

#[test]
fn parquet_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.parquet");
    let recs = records();
    write_parquet_file(&p, &recs).unwrap();
    let back = read_all(&p);
    assert_eq!(back, recs);
    // The tags keep their key order through every format.
    let keys: Vec<_> = back[0]
        .tags
        .as_ref()
        .unwrap()
        .iter()
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(keys, ["zeta", "alpha", "flag", "n", "none"]);
}

#[test]
fn write_file_dispatches_and_read_write_read_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let recs = records();
    let a = dir.path().join("a.parquet");
    write_file(&a, &recs).unwrap();
    // parquet -> csv.gz -> parquet
    let b = dir.path().join("b.csv.gz");
    write_file(&b, &read_all(&a)).unwrap();
    let c = dir.path().join("c.parquet");
    write_file(&c, &read_all(&b)).unwrap();
    assert_eq!(read_all(&c), recs);
}

#[test]
fn parquet_multi_batch_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.parquet");
    let mut w = FocusParquetWriter::create_with(
        &p,
        None,
        ParquetWriteOptions::default()
            .with_batch_size(64)
            .with_row_group_rows(150),
    )
    .unwrap();
    let mut total = Decimal::ZERO;
    for i in 0..1000u32 {
        let mut r = sparse_record();
        r.billed_cost = Decimal::new(i64::from(i) * 7 + 1, 4);
        total += r.billed_cost;
        w.write(&r).unwrap();
    }
    assert_eq!(w.finish().unwrap(), 1000);
    let mut n = 0;
    let mut sum = Decimal::ZERO;
    for r in FocusParquetReader::open(&p).unwrap() {
        sum += r.unwrap().billed_cost;
        n += 1;
    }
    assert_eq!(n, 1000);
    assert_eq!(sum, total);
}

#[test]
fn inferred_extensions_and_unknown_extension_is_an_error_and_nothing_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.csv");
    let mut w = FocusCsvWriter::create_inferred(&p).unwrap();
    let mut a = sparse_record();
    a.extensions.set("x_A", Some("1".into()));
    w.write(&a).unwrap();
    let mut b = sparse_record();
    b.extensions.set("x_B", Some("2".into()));
    let e = w.write(&b).unwrap_err();
    assert!(e.to_string().contains("x_B"), "{e}");
    drop(w);
    assert!(!p.exists(), "an unfinished writer publishes nothing");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let q = dir.path().join("x.parquet");
    let mut w = FocusParquetWriter::create(&q, &["x_A".to_string()]).unwrap();
    w.write(&a).unwrap();
    assert!(w.write(&b).is_err());
    drop(w);
    assert!(!q.exists());
}

#[test]
fn parquet_refuses_values_it_cannot_hold_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.parquet");
    let mut w = FocusParquetWriter::create(&p, &[]).unwrap();
    let mut r = sparse_record();
    r.list_cost = d("0.0000000000000000001");
    match w.write(&r).unwrap_err() {
        Error::Parse { location, .. } => {
            assert_eq!(location.line, Some(1));
            assert_eq!(location.column.as_deref(), Some("ListCost"));
        }
        e => panic!("unexpected {e}"),
    }
}

#[test]
fn gzip_can_be_forced_by_option() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plain-name.csv");
    let mut w =
        FocusCsvWriter::create_with(&p, Some(vec![]), CsvWriteOptions::default().with_gzip(true))
            .unwrap();
    w.write(&sparse_record()).unwrap();
    w.finish().unwrap();
    assert_eq!(&std::fs::read(&p).unwrap()[..2], &[0x1f, 0x8b]);
    assert_eq!(read_all(&p), vec![sparse_record()]);
}

#[test]
fn reads_and_maps_oci_focus_1_0_preview() {
    let p = data("focus_1.0-preview_oci.csv");
    let reader = FocusCsvReader::open(&p).unwrap();
    assert_eq!(reader.version(), Some(FocusVersion::V1_0Preview));
    let recs: Vec<_> = reader.collect::<finops_core::Result<_>>().unwrap();
    assert_eq!(recs.len(), 3);
    let r = &recs[0];
    assert_eq!(r.provider_name, "Oracle");
    assert_eq!(r.publisher_name, "Oracle");
    assert_eq!(r.invoice_issuer_name, "Oracle");
    assert_eq!(r.region_id.as_deref(), Some("eu-frankfurt-1"));
    assert_eq!(r.region_name.as_deref(), Some("eu-frankfurt-1"));
    assert_eq!(r.consumed_quantity, Some(d("2")));
    assert_eq!(r.consumed_unit.as_deref(), Some("OCPU Hours"));
    assert_eq!(r.pricing_category, Some(PricingCategory::Standard));
    assert_eq!(r.billed_cost, d("0.051234"));
    assert_eq!(r.effective_cost, d("0.051234"));
    assert_eq!(r.contracted_cost, d("0.051234"), "derived from BilledCost");
    assert_eq!(r.list_cost, d("0.0612"));
    assert_eq!(r.charge_period.start, t("2024-05-01T10:00:00Z"));
    assert_eq!(r.charge_period.end, t("2024-05-01T11:00:00Z"));
    assert_eq!(r.billing_period.start, t("2024-05-01T00:00:00Z"));
    assert_eq!(
        r.tags.as_ref().unwrap().get("Owner").as_deref(),
        Some("José")
    );
    let ext: Vec<_> = r.extensions.names().collect();
    assert_eq!(ext[0], "ChargeSubcategory");
    assert_eq!(ext[1], "oci_ReferenceNumber");
    assert_eq!(ext.len(), 11);
    assert_eq!(r.extensions.get("oci_AttributedCost"), Some("0.051234"));
    assert_eq!(r.extensions.get("oci_UnitPriceOverage"), None);
    // ChargeSubcategory Credit -> ChargeCategory Credit; +02:00 offset -> UTC.
    assert_eq!(recs[1].charge_category, ChargeCategory::Credit);
    assert_eq!(recs[1].charge_period.start, t("2024-04-30T22:00:00Z"));
    assert_eq!(recs[1].billed_cost, d("-1.5"));
    // Used Commitment -> CommitmentDiscountStatus Used; Commitment-Based -> Committed.
    assert_eq!(
        recs[2].commitment_discount_status,
        Some(CommitmentDiscountStatus::Used)
    );
    assert_eq!(recs[2].pricing_category, Some(PricingCategory::Committed));
    assert_eq!(
        recs[2].commitment_discount_category,
        Some(CommitmentDiscountCategory::Spend)
    );
    assert!(recs[2].tags.as_ref().unwrap().is_empty());
}

#[test]
fn reads_and_maps_azure_focuscost_1_0r2() {
    let p = data("azure_focuscost_1.0r2.csv");
    let reader = FocusCsvReader::open(&p).unwrap();
    assert_eq!(reader.version(), Some(FocusVersion::V1_0));
    let recs: Vec<_> = reader.collect::<finops_core::Result<_>>().unwrap();
    assert_eq!(recs.len(), 2);
    // Dates without seconds (row 1) and with seconds (row 2) read the same.
    for r in &recs {
        assert_eq!(r.billing_period.start, t("2024-01-01T00:00:00Z"));
        assert_eq!(r.billing_period.end, t("2024-02-01T00:00:00Z"));
        assert_eq!(r.charge_period.end, t("2024-01-02T00:00:00Z"));
        assert_eq!(r.invoice_id.as_deref(), Some("G012345678"));
        assert_eq!(r.pricing_currency.as_deref(), Some("USD"));
        assert_eq!(r.sku_meter.as_deref(), Some("D2s v3"));
        assert_eq!(r.extensions.get("x_InvoiceId"), Some("G012345678"));
        assert_eq!(r.billing_account_type.as_deref(), Some("Billing Profile"));
    }
    assert_eq!(recs[0].billed_cost, d("12.3456789012"));
    assert_eq!(
        recs[1].commitment_discount_status,
        Some(CommitmentDiscountStatus::Used)
    );
    assert_eq!(recs[1].effective_cost, d("8.5"));
    // The mapped records write and read back as FOCUS 1.2.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("azure.parquet");
    write_file(&out, &recs).unwrap();
    assert_eq!(read_all(&out), recs);
}

#[test]
fn focus_1_3_names_are_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v13.csv");
    std::fs::write(
        &p,
        "BilledCost,BillingAccountId,BillingCurrency,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,\
         ServiceProviderName,HostProviderName,ServiceCategory,ServiceName,AllocatedMethodId\n\
         1.0,a,EUR,Usage,2025-03-01T00:00:00Z,2025-03-02T00:00:00Z,AWS,Marketplace Co,Compute,EC2,m1\n",
    )
    .unwrap();
    let r = FocusCsvReader::open(&p).unwrap();
    assert_eq!(r.version(), Some(FocusVersion::V1_3));
    let recs: Vec<_> = r.collect::<finops_core::Result<_>>().unwrap();
    assert_eq!(recs[0].provider_name, "AWS");
    assert_eq!(recs[0].publisher_name, "Marketplace Co");
    assert_eq!(recs[0].invoice_issuer_name, "AWS");
    assert_eq!(recs[0].billing_period.start, t("2025-03-01T00:00:00Z"));
    assert_eq!(recs[0].billing_period.end, t("2025-04-01T00:00:00Z"));
    assert_eq!(recs[0].extensions.get("AllocatedMethodId"), Some("m1"));
}

fn parse_location(e: &Error) -> (String, Option<u64>, Option<String>) {
    match e {
        Error::Parse { location, .. } => (
            location.file.clone(),
            location.line,
            location.column.clone(),
        ),
        Error::MissingColumn { file, column } => (file.clone(), Some(1), Some(column.clone())),
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn bad_decimal_bad_date_and_missing_column_give_three_precise_errors() {
    let p = data("bad_three_errors.csv");
    let file = p.display().to_string();
    // The reader refuses the file up front: a required column is missing.
    match FocusCsvReader::open(&p).unwrap_err() {
        Error::MissingColumn { file: f, column } => {
            assert_eq!(f, file);
            assert_eq!(column, "ChargePeriodEnd");
        }
        e => panic!("unexpected {e}"),
    }
    // The file checker reports all three problems.
    let report = check_file(&p, &CheckOptions::default()).unwrap();
    assert_eq!(report.errors.len(), 3, "{:#?}", report.errors);
    assert!(matches!(report.errors[0], Error::MissingColumn { .. }));
    assert_eq!(
        parse_location(&report.errors[0]),
        (file.clone(), Some(1), Some("ChargePeriodEnd".into()))
    );
    assert_eq!(
        parse_location(&report.errors[1]),
        (file.clone(), Some(3), Some("BilledCost".into()))
    );
    assert_eq!(
        parse_location(&report.errors[2]),
        (file.clone(), Some(4), Some("ChargePeriodStart".into()))
    );
    let text = report.errors[1].to_string();
    assert!(
        text.contains(&format!("{file}:3 column BilledCost")),
        "{text}"
    );
    assert!(text.contains("12,5"), "{text}");
    assert!(report.errors[2].to_string().contains("2024-01-32"));
}

#[test]
fn strict_mode_names_file_line_and_column() {
    let p = data("bad_rows.csv");
    let file = p.display().to_string();
    let mut r = FocusCsvReader::open(&p).unwrap();
    assert!(r.next().unwrap().is_ok());
    // The bad row spans lines 3-4 (a quoted newline): it is named by its first line.
    let e = r.next().unwrap().unwrap_err();
    assert_eq!(
        parse_location(&e),
        (file.clone(), Some(3), Some("BilledCost".into()))
    );
    let e = r.next().unwrap().unwrap_err();
    assert_eq!(
        parse_location(&e),
        (file.clone(), Some(5), Some("BillingCurrency".into()))
    );
    assert!(r.next().unwrap().is_ok());
    assert!(r.next().is_none());
    // collect() stops at the first error.
    assert!(
        read_file(&p)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .is_err()
    );
}

#[test]
fn collect_bad_rows_mode_goes_on() {
    let p = data("bad_rows.csv");
    let reader = FocusCsvReader::open_with(&p, ReadOptions::collecting()).unwrap();
    let bad = reader.bad_rows();
    let good: Vec<_> = reader.collect::<finops_core::Result<_>>().unwrap();
    assert_eq!(good.len(), 2);
    assert_eq!(good[0].extensions.get("x_Note"), Some("first"));
    assert_eq!(good[1].billed_cost, d("3.25"));
    let rows = bad.take();
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 5]);
    assert_eq!(
        parse_location(&rows[1].error).2.as_deref(),
        Some("BillingCurrency")
    );
    assert!(bad.is_empty());
}

#[test]
fn parquet_bad_rows_name_row_and_column() {
    // A float money column with NaN and a string date that does not parse.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.parquet");
    let mut batch = minimal_batch(3);
    let mut cols = batch.columns().to_vec();
    cols[0] = Arc::new(Float64Array::from(vec![1.0, f64::NAN, 2.0])) as ArrayRef;
    cols[4] = Arc::new(StringArray::from(vec![
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00Z",
        "yesterday",
    ]));
    let schema = Arc::new(Schema::new(
        batch
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if i == 0 {
                    Field::new("BilledCost", DataType::Float64, false)
                } else {
                    f.as_ref().clone()
                }
            })
            .collect::<Vec<_>>(),
    ));
    batch = RecordBatch::try_new(schema, cols).unwrap();
    write_raw_parquet(&p, &batch);
    let reader = FocusParquetReader::open_with(&p, ReadOptions::collecting()).unwrap();
    let bad = reader.bad_rows();
    assert_eq!(reader.count(), 1);
    let rows = bad.take();
    let file = p.display().to_string();
    assert_eq!(
        parse_location(&rows[0].error),
        (file.clone(), Some(2), Some("BilledCost".into()))
    );
    assert_eq!(
        parse_location(&rows[1].error),
        (file, Some(3), Some("ChargePeriodStart".into()))
    );
}

/// A batch with the required columns only, in plain types.
fn minimal_batch(n: usize) -> RecordBatch {
    let s = |v: &str| Arc::new(StringArray::from(vec![v; n])) as ArrayRef;
    let fields = vec![
        Field::new("BilledCost", DataType::Utf8, false),
        Field::new("BillingAccountId", DataType::Utf8, false),
        Field::new("BillingCurrency", DataType::Utf8, false),
        Field::new("ChargeCategory", DataType::Utf8, false),
        Field::new("ChargePeriodStart", DataType::Utf8, false),
        Field::new("ChargePeriodEnd", DataType::Utf8, false),
        Field::new("ProviderName", DataType::Utf8, false),
        Field::new("ServiceCategory", DataType::Utf8, false),
        Field::new("ServiceName", DataType::Utf8, false),
    ];
    let cols = vec![
        s("1.0"),
        s("a"),
        s("EUR"),
        s("Usage"),
        s("2024-01-01T00:00:00Z"),
        s("2024-01-02T00:00:00Z"),
        s("P"),
        s("Compute"),
        s("S"),
    ];
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

fn write_raw_parquet(p: &Path, batch: &RecordBatch) {
    let f = std::fs::File::create(p).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

#[test]
fn reads_foreign_parquet_types_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("foreign.parquet");
    let keys = arrow_array::Int32Array::from(vec![0, 1, 0]);
    let values = StringArray::from(vec!["EUR", "USD"]);
    let currency: DictionaryArray<Int32Type> =
        DictionaryArray::try_new(keys, Arc::new(values)).unwrap();
    let fields = vec![
        Field::new("BilledCost", DataType::Float64, false),
        Field::new("EffectiveCost", DataType::Decimal128(12, 4), false),
        Field::new(
            "BillingCurrency",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            false,
        ),
        Field::new("BillingAccountId", DataType::Int64, false),
        Field::new("ChargeCategory", DataType::LargeUtf8, false),
        Field::new(
            "ChargePeriodStart",
            DataType::Timestamp(TimeUnit::Millisecond, None),
            false,
        ),
        Field::new(
            "ChargePeriodEnd",
            DataType::Timestamp(TimeUnit::Millisecond, Some("+02:00".into())),
            false,
        ),
        Field::new("BillingPeriodStart", DataType::Date32, false),
        Field::new("BillingPeriodEnd", DataType::Date32, false),
        Field::new("Provider", DataType::Utf8, false),
        Field::new("ServiceCategory", DataType::Utf8, false),
        Field::new("ServiceName", DataType::Utf8, false),
        Field::new("UsageQuantity", DataType::Float64, true),
        Field::new("x_Custom", DataType::Int64, true),
    ];
    let ms = t("2024-03-10T05:00:00Z").timestamp_millis();
    let day = (t("2024-03-01T00:00:00Z").timestamp() / 86_400) as i32;
    let day_end = (t("2024-04-01T00:00:00Z").timestamp() / 86_400) as i32;
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from(vec![0.1, -1234.5678, 1e-7])),
        Arc::new(
            Decimal128Array::from(vec![1, -123_456, 10_000])
                .with_precision_and_scale(12, 4)
                .unwrap(),
        ),
        Arc::new(currency),
        Arc::new(Int64Array::from(vec![123456789012, 2, 3])),
        Arc::new(LargeStringArray::from(vec!["Usage", "Credit", "Usage"])),
        Arc::new(TimestampMillisecondArray::from(vec![ms; 3])),
        Arc::new(TimestampMillisecondArray::from(vec![ms + 3_600_000; 3]).with_timezone("+02:00")),
        Arc::new(Date32Array::from(vec![day; 3])),
        Arc::new(Date32Array::from(vec![day_end; 3])),
        Arc::new(StringArray::from(vec!["P"; 3])),
        Arc::new(StringArray::from(vec!["Compute"; 3])),
        Arc::new(StringArray::from(vec!["S"; 3])),
        Arc::new(Float64Array::from(vec![Some(0.3), None, Some(2.0)])),
        Arc::new(Int64Array::from(vec![Some(7), None, Some(-1)])),
    ];
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap();
    write_raw_parquet(&p, &batch);
    let reader = FocusParquetReader::open(&p).unwrap();
    assert_eq!(reader.version(), Some(FocusVersion::V1_0Preview));
    let recs: Vec<_> = reader.collect::<finops_core::Result<_>>().unwrap();
    assert_eq!(recs[0].billed_cost, d("0.1"));
    assert_eq!(recs[1].billed_cost, d("-1234.5678"));
    assert_eq!(recs[2].billed_cost, d("0.0000001"));
    assert_eq!(recs[0].effective_cost, d("0.0001"));
    assert_eq!(recs[1].effective_cost, d("-12.3456"));
    assert_eq!(recs[2].effective_cost, d("1"));
    assert_eq!(recs[1].billing_currency, Currency::USD);
    assert_eq!(recs[0].billing_account_id, "123456789012");
    assert_eq!(recs[1].charge_category, ChargeCategory::Credit);
    assert_eq!(recs[0].charge_period.start, t("2024-03-10T05:00:00Z"));
    assert_eq!(recs[0].charge_period.end, t("2024-03-10T06:00:00Z"));
    assert_eq!(recs[0].billing_period.start, t("2024-03-01T00:00:00Z"));
    assert_eq!(recs[0].billing_period.end, t("2024-04-01T00:00:00Z"));
    assert_eq!(recs[0].consumed_quantity, Some(d("0.3")));
    assert_eq!(recs[1].consumed_quantity, None);
    assert_eq!(recs[0].extensions.get("x_Custom"), Some("7"));
    assert_eq!(recs[1].extensions.get("x_Custom"), None);
}

#[test]
fn written_parquet_has_the_focus_types() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("types.parquet");
    write_parquet_file(&p, &[full_record(1)]).unwrap();
    let f = std::fs::File::open(&p).unwrap();
    let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
    let schema = b.schema();
    assert_eq!(schema.fields().len(), 59);
    assert_eq!(
        schema.field_with_name("BilledCost").unwrap().data_type(),
        &DataType::Decimal128(38, 18)
    );
    assert_eq!(
        schema
            .field_with_name("ChargePeriodStart")
            .unwrap()
            .data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    assert_eq!(
        schema.field_with_name("Tags").unwrap().data_type(),
        &DataType::Utf8
    );
    assert_eq!(schema.field(57).name(), "x_Note");
    assert_eq!(schema.field(58).name(), "oci_CompartmentId");
}

fn decimal_strategy() -> impl Strategy<Value = Decimal> {
    // Mantissas up to 2^63 with 0..=18 decimal places (Parquet keeps 18), negatives included.
    (any::<i64>(), 0u32..=18).prop_map(|(m, s)| Decimal::new(m, s))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn decimals_survive_csv_and_parquet_exactly(values in prop::collection::vec(decimal_strategy(), 1..20)) {
        let dir = tempfile::tempdir().unwrap();
        let recs: Vec<CostRecord> = values
            .iter()
            .map(|v| {
                let mut r = sparse_record();
                r.billed_cost = *v;
                r.list_unit_price = Some(-*v);
                r.pricing_quantity = Some(*v);
                r
            })
            .collect();
        for name in ["p.csv", "p.csv.gz", "p.parquet"] {
            let p = dir.path().join(name);
            write_file(&p, &recs).unwrap();
            let back = read_all(&p);
            prop_assert_eq!(&back, &recs);
            for (b, v) in back.iter().zip(&values) {
                // Same value and the same digits once trailing zeros are dropped.
                prop_assert_eq!(b.billed_cost.normalize().to_string(), v.normalize().to_string());
            }
        }
    }

    #[test]
    fn csv_keeps_up_to_28_decimal_places(m in any::<i64>(), s in 19u32..=28) {
        let dir = tempfile::tempdir().unwrap();
        let mut r = sparse_record();
        r.billed_cost = Decimal::new(m, s);
        let p = dir.path().join("x.csv");
        write_csv_file(&p, std::slice::from_ref(&r)).unwrap();
        prop_assert_eq!(read_all(&p), vec![r]);
    }
}

#[test]
fn header_names_are_matched_case_insensitively_and_short_rows_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("case.csv");
    std::fs::write(
        &p,
        "\u{feff}billedcost, BillingAccountId ,BILLINGCURRENCY,chargecategory,ChargePeriodStart,ChargePeriodEnd,ProviderName,ServiceCategory,ServiceName\r\n\
         1.0,a,EUR,Usage,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,P,Compute,S\r\n\
         2.0,a,EUR,Usage,2024-01-01T00:00:00Z\r\n\
         3.0,a,EUR,Usage,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,P,Compute,S,extra\r\n",
    )
    .unwrap();
    let mut r = FocusCsvReader::open(&p).unwrap();
    assert_eq!(r.next().unwrap().unwrap().billed_cost, d("1.0"));
    let e = r.next().unwrap().unwrap_err();
    assert_eq!(parse_location(&e).1, Some(3));
    assert!(e.to_string().contains("5 cells"), "{e}");
    let e = r.next().unwrap().unwrap_err();
    assert_eq!(parse_location(&e).1, Some(4));
    assert!(r.next().is_none());
}

#[test]
fn crlf_files_read_like_lf_files_with_the_same_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let lf = std::fs::read_to_string(data("bad_rows.csv")).unwrap();
    let crlf = lf.replace('\n', "\r\n") + "\r\n";
    let p = dir.path().join("crlf.csv");
    std::fs::write(&p, crlf).unwrap();
    let reader = FocusCsvReader::open_with(&p, ReadOptions::collecting()).unwrap();
    let bad = reader.bad_rows();
    let good: Vec<_> = reader.collect::<finops_core::Result<_>>().unwrap();
    assert_eq!(good.len(), 2);
    assert_eq!(good[0].extensions.get("x_Note"), Some("first"));
    assert_eq!(good[1].extensions.get("x_Note"), Some("last"));
    let lines: Vec<_> = bad.take().iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 5]);
    // A quoted last cell followed by CRLF loses the \r, keeps its content.
    let q = dir.path().join("quoted.csv");
    std::fs::write(
        &q,
        "BilledCost,BillingAccountId,BillingCurrency,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ProviderName,ServiceCategory,ServiceName,x_Q\r\n\
         1.0,a,EUR,Usage,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,P,Compute,S,\"a,\r\nb\"\r\n",
    )
    .unwrap();
    let recs = read_all(&q);
    assert_eq!(recs[0].extensions.get("x_Q"), Some("a,\r\nb"));
}

#[test]
fn parquet_missing_required_column_is_refused_and_check_file_reads_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("missing.parquet");
    let batch = minimal_batch(2);
    let batch = batch.project(&[0, 1, 2, 3, 4, 5, 6, 7]).unwrap(); // no ServiceName
    write_raw_parquet(&p, &batch);
    match read_file(&p).err().unwrap() {
        Error::MissingColumn { column, .. } => assert_eq!(column, "ServiceName"),
        e => panic!("unexpected {e}"),
    }
    let report = check_file(&p, &CheckOptions::default()).unwrap();
    assert_eq!(report.rows, 2);
    assert_eq!(report.errors.len(), 1);

    let good = dir.path().join("good.parquet");
    write_parquet_file(&good, &[full_record(1)]).unwrap();
    let report = check_file(&good, &CheckOptions::default()).unwrap();
    assert_eq!(report.version, Some(FocusVersion::V1_2));
    assert_eq!((report.rows, report.good_rows), (1, 1));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The full record's oci_ extension is not x_-prefixed: our checker says so.
    assert!(
        report
            .issues
            .iter()
            .any(|i| i.line == 1 && i.issue.column == "oci_CompartmentId"),
        "{:?}",
        report.issues
    );
}

#[test]
fn empty_and_missing_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    assert!(matches!(
        read_file(&empty).err().unwrap(),
        Error::MissingColumn { .. }
    ));
    let none = dir.path().join("none.csv");
    match read_file(&none).err().unwrap() {
        Error::Io { path, .. } => assert!(path.ends_with("none.csv")),
        e => panic!("unexpected {e}"),
    }
    let junk = dir.path().join("junk.parquet");
    std::fs::write(&junk, "not parquet").unwrap();
    assert!(
        read_file(&junk)
            .err()
            .unwrap()
            .to_string()
            .contains("junk.parquet")
    );
}

#[test]
fn any_reader_and_truncated_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.csv.gz");
    let recs = records();
    write_csv_file(&p, &recs).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let r = FocusCsvReader::from_reader(
        Box::new(std::io::Cursor::new(bytes.clone())),
        "<memory>",
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(r.collect::<finops_core::Result<Vec<_>>>().unwrap(), recs);
    // A truncated download is an error naming the file, never a silent short read.
    let cut = dir.path().join("cut.csv.gz");
    std::fs::write(&cut, &bytes[..bytes.len() - 30]).unwrap();
    let res: finops_core::Result<Vec<_>> = read_file(&cut).unwrap().collect();
    let e = res.unwrap_err();
    assert!(e.to_string().contains("cut.csv.gz"), "{e}");
}

#[test]
fn cells_are_keyed_by_header_name_not_position() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ordered.csv");
    let recs = records();
    write_csv_file(&p, &recs).unwrap();
    // Reverse the order of the 57 FOCUS columns (extensions stay last, in order).
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(&p)
        .unwrap();
    let q = dir.path().join("shuffled.csv");
    let mut wtr = ::csv::Writer::from_path(&q).unwrap();
    for row in rdr.records() {
        let row = row.unwrap();
        let cells: Vec<&str> = row.iter().collect();
        let (focus, ext) = cells.split_at(57);
        let mut out: Vec<&str> = focus.iter().rev().copied().collect();
        out.extend_from_slice(ext);
        wtr.write_record(&out).unwrap();
    }
    wtr.flush().unwrap();
    drop(wtr);
    assert!(
        std::fs::read_to_string(&q)
            .unwrap()
            .starts_with("Tags,SubAccountType,")
    );
    assert_eq!(read_all(&q), recs);
}

/// Throughput and peak memory on 300,000 full rows (ignored by default; a measurement, not
/// an assertion). Run: `cargo test --release -p finops-core --test focus_io -- --ignored
/// --nocapture streaming_throughput`.
#[test]
#[ignore]
fn streaming_throughput() {
    fn peak_kib() -> String {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM"))
                    .map(|l| l.to_string())
            })
            .unwrap_or_default()
    }
    const N: u32 = 300_000;
    let dir = tempfile::tempdir().unwrap();
    for name in ["t.csv", "t.csv.gz", "t.parquet"] {
        let p = dir.path().join(name);
        let ext = vec!["x_Note".to_string(), "oci_CompartmentId".to_string()];
        let t0 = std::time::Instant::now();
        let mut expected = Decimal::ZERO;
        if name.ends_with("parquet") {
            let mut w = FocusParquetWriter::create(&p, &ext).unwrap();
            for i in 0..N {
                let r = full_record(i);
                expected += r.billed_cost;
                w.write(&r).unwrap();
            }
            w.finish().unwrap();
        } else {
            let mut w = FocusCsvWriter::create(&p, &ext).unwrap();
            for i in 0..N {
                let r = full_record(i);
                expected += r.billed_cost;
                w.write(&r).unwrap();
            }
            w.finish().unwrap();
        }
        let write = t0.elapsed();
        let t1 = std::time::Instant::now();
        let mut sum = Decimal::ZERO;
        let mut n = 0u32;
        for r in read_file(&p).unwrap() {
            sum += r.unwrap().billed_cost;
            n += 1;
        }
        let read = t1.elapsed();
        assert_eq!((n, sum), (N, expected));
        println!(
            "{name}: {} bytes, write {write:?}, read {read:?}, {}",
            std::fs::metadata(&p).unwrap().len(),
            peak_kib()
        );
    }
}
