//! `AzureHub`: FOCUS 1.2 out of an ingestion container (FocusCost 1.0r2 and 1.2 exports, a
//! price sheet that arrives after the costs), validated by the FinOps Foundation validator.

mod common;

use common::*;
use finops_azure::emulator::exports::{ExportRun, write_export_run};
use finops_azure::ingest::{IngestOptions, Ingestor};
use finops_azure::{AzureHub, Store};
use finops_core::source::{CostQuery, CostSource};
use finops_core::testing::{FocusValidation, cost_source_conformance, focus_validate};
use futures::StreamExt;

const PRICE_MANIFEST: &str = r#"{"manifestVersion":"2024-04-01","blobCount":1,"dataRowCount":1,"byteCount":0,
  "exportConfig":{"exportName":"hub-monthly-pricesheet","resourceId":"/providers/Microsoft.Billing/billingAccounts/8611537/providers/Microsoft.CostManagement/exports/hub-monthly-pricesheet","dataVersion":"2023-05-01","type":"PriceSheet"},
  "runInfo":{"runId":"prices-1","startDate":"2026-03-01T00:00:00","submittedTime":"2026-03-20T00:00:00Z"},
  "blobs":[{"blobName":"prices/p.csv","dataRowCount":1}]}"#;
const PRICE_CSV: &str = "BillingAccountId,MeterId,OfferId,UnitOfMeasure,UnitPrice,MarketPrice,PriceType,EffectiveStartDate,EffectiveEndDate\n8611537,1b3d5f7a-9c1e-4a3b-8d5f-7a9c1e3b5d7f,MS-AZR-0017P,1 Hour,0.08,0.1,Consumption,2026-03-01,2026-03-31\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn focus_output_of_1_0r2_and_1_2_exports_validates() {
    let dir = tempfile::tempdir().unwrap();
    let ex = Store::local(dir.path().join("msexports")).unwrap();
    let ing = Store::local(dir.path().join("ingestion")).unwrap();
    let mut a = ExportRun::focus_cost("1.0r2", march(), 400, "r-1-0r2");
    a.scope = "/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61".into();
    let wa = write_export_run(&ex, &a).await.unwrap();
    let b = ExportRun::focus_cost("1.2", march(), 400, "r-1-2");
    let wb = write_export_run(&ex, &b).await.unwrap();
    let engine = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
    let rep = engine.ingest_all().await.unwrap();
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);

    let hub = AzureHub::new(ing.clone());
    let recs = cost_source_conformance(&hub, &CostQuery::default()).await;
    assert_eq!(recs.len(), 800);
    // BilledCost is never changed by the transform: the sums reconcile to the exports.
    let billed: rust_decimal::Decimal = recs.iter().map(|r| r.billed_cost).sum();
    let expected: rust_decimal::Decimal = wa
        .totals
        .billed_cost
        .parse::<rust_decimal::Decimal>()
        .unwrap()
        + wb.totals
            .billed_cost
            .parse::<rust_decimal::Decimal>()
            .unwrap();
    assert_eq!(billed, expected);
    // Missing prices were filled (from the effective price: no price sheet yet) and recorded.
    let filled: Vec<_> = recs
        .iter()
        .filter(|r| {
            r.extensions
                .get("x_SourceChanges")
                .is_some_and(|c| c.contains("ContractedUnitPriceFromEffective"))
        })
        .collect();
    assert!(!filled.is_empty());
    assert!(
        recs.iter()
            .all(|r| r.extensions.get("x_BillingAccountAgreement") == Some("EA"))
    );

    // The SKU details (rules 30, 49, 50): FocusCost 1.0r2 has no SkuPriceDetails column, so
    // its VM rows get one built from x_SkuDetails; both versions get the SKU columns.
    let usage_of = |v: &'static str| {
        recs.iter()
            .filter(move |r| r.extensions.get("x_SourceVersion") == Some(v))
            .filter(|r| r.charge_category == finops_core::focus::ChargeCategory::Usage)
    };
    // 1.0r2: from x_SkuDetails (ImageType Canonical → Linux).
    let old: Vec<_> = usage_of("1.0r2")
        .filter(|r| r.extensions.get("x_SkuDetails").is_some())
        .collect();
    assert!(!old.is_empty());
    for r in &old {
        assert_eq!(r.extensions.get("x_SkuCoreCount"), Some("2"));
        assert_eq!(r.extensions.get("x_SkuOperatingSystem"), Some("Linux"));
    }
    // 1.2: from SkuPriceDetails' FOCUS keys.
    let new: Vec<_> = usage_of("1.2")
        .filter(|r| r.sku_price_details.is_some())
        .collect();
    assert!(!new.is_empty());
    for r in &new {
        assert_eq!(r.extensions.get("x_SkuCoreCount"), Some("2"));
        assert_eq!(
            r.extensions.get("x_SkuInstanceType"),
            Some("Standard_D2s_v3")
        );
    }
    for r in old.iter().filter(|r| r.sku_price_id.is_some()) {
        let spd = r.sku_price_details.as_ref().unwrap();
        assert_eq!(spd["InstanceType"], "Standard_D2s_v3");
        assert_eq!(spd["x_VCPUs"], "2");
        assert!(
            r.extensions
                .get("x_SourceChanges")
                .unwrap()
                .contains("SkuPriceDetailsFilled")
        );
    }
    // x_SourceValues keeps the exported value of what the transform changed.
    let changed = recs
        .iter()
        .find(|r| {
            r.extensions
                .get("x_SourceChanges")
                .is_some_and(|c| c.contains("ContractedUnitPriceFromEffective"))
        })
        .unwrap();
    let sv: serde_json::Value =
        serde_json::from_str(changed.extensions.get("x_SourceValues").unwrap()).unwrap();
    assert!(sv.get("ContractedUnitPrice").is_some(), "{sv}");

    let out = dir.path().join("focus.parquet");
    let n = hub.write_focus(&out, &CostQuery::default()).await.unwrap();
    assert_eq!(n, 800);
    match focus_validate(&[&out]) {
        FocusValidation::Passed(_) | FocusValidation::Skipped(_) => {}
    }
    let csv = dir.path().join("focus.csv");
    hub.write_focus(&csv, &CostQuery::default()).await.unwrap();
    match focus_validate(&[&csv]) {
        FocusValidation::Passed(_) | FocusValidation::Skipped(_) => {}
    }

    // The price sheet arrives after the costs: the next read applies it to that month.
    ex.put_bytes("prices/p.csv", PRICE_CSV.as_bytes().to_vec())
        .await
        .unwrap();
    ex.put_bytes("prices/manifest.json", PRICE_MANIFEST.as_bytes().to_vec())
        .await
        .unwrap();
    let rep = engine.ingest_all().await.unwrap();
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(rep.ingested[0].dataset, "Prices");
    let mut s = hub.costs(&CostQuery::default()).await.unwrap();
    let mut from_sheet = 0;
    while let Some(r) = s.next().await {
        let r = r.unwrap();
        if r.extensions
            .get("x_SourceChanges")
            .is_some_and(|c| c.contains("ContractedUnitPriceFromPriceSheet"))
        {
            assert_eq!(
                r.contracted_unit_price,
                Some(rust_decimal::Decimal::new(8, 2))
            );
            assert_eq!(r.list_unit_price, Some(rust_decimal::Decimal::new(1, 1)));
            from_sheet += 1;
        }
    }
    assert!(from_sheet > 0);
    // The Prices dataset itself, through its transform and the month's whole sheet.
    let mut prices = hub
        .read_dataset(&finops_azure::ingest::layout::Dataset::Prices)
        .await
        .unwrap();
    let mut n = 0;
    while let Some(r) = prices.next().await {
        let r = r.unwrap();
        assert_eq!(r.get("ContractedUnitPrice"), Some("0.08"));
        assert_eq!(r.get("PricingUnit"), Some("Hours"));
        assert_eq!(
            r.get("x_CommitmentDiscountUsageEligibility"),
            Some("Not Eligible")
        );
        n += 1;
    }
    assert_eq!(n, 1);
}

/// The header of a CSV file.
fn csv_header(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap().trim_start_matches('\u{feff}');
    first
        .split(',')
        .map(|s| s.trim_matches('"').to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focus_1_0_reader_keeps_its_columns_after_exports_move_to_1_2() {
    use finops_azure::ReadVersion;
    use finops_core::focus::Column;
    let dir = tempfile::tempdir().unwrap();
    let ex = Store::local(dir.path().join("msexports")).unwrap();
    let ing = Store::local(dir.path().join("ingestion")).unwrap();
    let engine = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
    let hub10 = AzureHub::new(ing.clone()).with_read_version(ReadVersion::Focus1_0);
    assert_eq!(hub10.read_version(), ReadVersion::Focus1_0);

    // Before the upgrade: a FocusCost 1.0r2 export.
    let mut a = ExportRun::focus_cost("1.0r2", march(), 200, "r-old");
    a.scope = "/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61".into();
    write_export_run(&ex, &a).await.unwrap();
    assert!(engine.ingest_all().await.unwrap().errors.is_empty());
    let before = dir.path().join("before.csv");
    assert_eq!(
        hub10
            .write_focus(&before, &CostQuery::default())
            .await
            .unwrap(),
        200
    );

    // After: the exports are FocusCost 1.2; the 1.0 reader sees the same columns.
    let b = ExportRun::focus_cost("1.2", march(), 200, "r-new");
    write_export_run(&ex, &b).await.unwrap();
    assert!(engine.ingest_all().await.unwrap().errors.is_empty());
    let after = dir.path().join("after.csv");
    assert_eq!(
        hub10
            .write_focus(&after, &CostQuery::default())
            .await
            .unwrap(),
        400
    );
    let (h1, h2) = (csv_header(&before), csv_header(&after));
    let focus = |h: &[String]| -> Vec<String> {
        h.iter().filter(|n| !n.starts_with("x_")).cloned().collect()
    };
    assert_eq!(focus(&h1), focus(&h2));
    let want: Vec<String> = ReadVersion::Focus1_0
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    assert_eq!(focus(&h2), want);
    // No column FOCUS 1.1/1.2 added; their values under FocusCost 1.0's own names.
    for c in [
        Column::InvoiceId,
        Column::PricingCurrency,
        Column::SkuPriceDetails,
    ] {
        assert!(!h2.iter().any(|n| n == c.name()), "{}", c.name());
    }
    for n in ["x_InvoiceId", "x_PricingCurrency", "x_SkuMeterName"] {
        assert!(h2.iter().any(|h| h == n), "{n}");
    }
    let mut s = hub10.costs(&CostQuery::default()).await.unwrap();
    let (mut n10, mut billed10) = (0, rust_decimal::Decimal::ZERO);
    while let Some(r) = s.next().await {
        let r = r.unwrap();
        assert_eq!(r.invoice_id, None);
        assert_eq!(r.sku_price_details, None);
        n10 += 1;
        billed10 += r.billed_cost;
    }
    // The same rows and money as the 1.2 read.
    let recs12 = cost_source_conformance(&AzureHub::new(ing.clone()), &CostQuery::default()).await;
    assert_eq!(n10, recs12.len());
    assert_eq!(billed10, recs12.iter().map(|r| r.billed_cost).sum());
    assert!(recs12.iter().any(|r| r.invoice_id.is_some()));
}
