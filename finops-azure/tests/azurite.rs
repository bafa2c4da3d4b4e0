//! Ingestion against Azurite (the Azure Storage emulator started by scripts/setup.d/30-azurite.sh):
//! exports and ingestion containers as blob container URLs, the same checks as on a directory.

mod common;

use common::*;
use finops_azure::Store;
use finops_azure::emulator::exports::{ExportRun, write_export_run};
use finops_azure::ingest::{IngestOptions, Ingestor};

fn azurite() -> Option<String> {
    match std::env::var("AZURITE_BLOB_ENDPOINT") {
        Ok(e) if !e.is_empty() => Some(e),
        _ => {
            if std::env::var("FINOPS_REQUIRE_ALL").as_deref() == Ok("1") {
                panic!(
                    "Azurite is required (FINOPS_REQUIRE_ALL=1) but AZURITE_BLOB_ENDPOINT is not set"
                );
            }
            println!(
                "SKIPPED: Azurite (run ./scripts/test, which starts it via scripts/setup.d/30-azurite.sh)"
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingests_from_msexports_to_ingestion_on_azurite() {
    let Some(endpoint) = azurite() else { return };
    // A folder of its own in each container, so runs never see each other's data.
    let tag = format!("t{}", std::process::id());
    let ex = Store::open(&format!("{endpoint}/msexports/{tag}")).unwrap();
    let ing = Store::open(&format!("{endpoint}/ingestion/{tag}")).unwrap();
    let mut run = ExportRun::focus_cost("1.2", march(), 1200, "azurite-run-1");
    run.parts = 2;
    run.rows_per_part = 600;
    let w = write_export_run(&ex, &run).await.unwrap();
    let engine = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
    let rep = engine.ingest_all().await.unwrap();
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(rep.ingested[0].rows, 1200);
    let (files, rows, sum) = committed_costs(&ing).await;
    assert_eq!(files.len(), 2);
    assert_eq!((rows, sum), (1200, w.totals.billed_cost.clone()));
    // A newer run replaces it, once.
    let mut r2 = run.clone();
    r2.run_id = "azurite-run-2".into();
    r2.submitted_time = "2026-03-05T03:00:00Z".into();
    write_export_run(&ex, &r2).await.unwrap();
    let rep = engine.ingest_all().await.unwrap();
    assert_eq!(rep.ingested.len(), 1, "{rep:?}");
    assert_eq!(rep.ingested[0].replaced, 2);
    let (files, rows, _) = committed_costs(&ing).await;
    assert_eq!((files.len(), rows), (2, 1200));
    assert!(files.iter().all(|f| f.contains("azurite-run-2__")));
    // Clean up our folders.
    for s in [&ex, &ing] {
        for p in all_paths(s, "").await {
            s.delete(&p).await.unwrap();
        }
    }
}
