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
}
