//! Manifest-driven ingestion into the hubs layout (AZ-03..07, X-03): layout, reconciliation,
//! re-runs, replacement, crash safety, empty and broken exports, custom data.

mod common;

use common::*;
use finops_azure::Store;
use finops_azure::emulator::exports::{ExportRun, write_export_run};
use finops_azure::ingest::custom::{CustomDrop, ingest_custom};
use finops_azure::ingest::{IngestOptions, Ingestor, commit};
use std::sync::Arc;

fn stores() -> (tempfile::TempDir, Store, Store) {
    let dir = tempfile::tempdir().unwrap();
    let ex = Store::local(dir.path().join("msexports")).unwrap();
    let ing = Store::local(dir.path().join("ingestion")).unwrap();
    (dir, ex, ing)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn focuscost_1_0r2_lands_in_the_hubs_layout_with_exact_totals() {
    let (_d, ex, ing) = stores();
    let mut run = ExportRun::focus_cost(
        "1.0r2",
        march(),
        3000,
        "af754a8e-30fc-4ef3-bfc6-71bd1efb8598",
    );
    run.parts = 2;
    run.rows_per_part = 1500;
    let w = write_export_run(&ex, &run).await.unwrap();
    let engine = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
    let rep = engine.ingest_all().await.unwrap();
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(rep.ingested.len(), 1);
    let i = &rep.ingested[0];
    assert_eq!(i.dataset, "Costs");
    assert_eq!(i.month, "2026-03");
    assert_eq!(
        i.scope,
        "/providers/microsoft.billing/billingaccounts/8611537"
    );
    assert_eq!(i.rows, 3000);
    assert_eq!(i.replaced, 0);
    assert_eq!(i.total.as_deref(), Some(w.totals.billed_cost.as_str()));
    assert_eq!(
        i.files,
        [
            "Costs/2026/03/providers/microsoft.billing/billingaccounts/8611537/af754a8e-30fc-4ef3-bfc6-71bd1efb8598__part_0_0001.parquet",
            "Costs/2026/03/providers/microsoft.billing/billingaccounts/8611537/af754a8e-30fc-4ef3-bfc6-71bd1efb8598__part_1_0001.parquet",
        ]
    );
    let (_, rows, sum) = committed_costs(&ing).await;
    assert_eq!((rows, sum), (3000, w.totals.billed_cost.clone()));
    // The marker keeps the export's manifest (as hubs copy it) and adds our commit.
    let marker: serde_json::Value = serde_json::from_slice(
        &ing.get_bytes(
            "Costs/2026/03/providers/microsoft.billing/billingaccounts/8611537/manifest.json",
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert_eq!(marker["exportConfig"]["type"], "FocusCost");
    assert_eq!(marker["finops"]["rows"], 3000);
    assert_eq!(marker["finops"]["committedAt"], "2026-04-02T06:00:00Z");

    // A second run with nothing new changes nothing.
    let before = all_paths(&ing, "").await;
    let marker_before = ing
        .get_bytes(
            "Costs/2026/03/providers/microsoft.billing/billingaccounts/8611537/manifest.json",
        )
        .await
        .unwrap();
    let rep = engine.ingest_all().await.unwrap();
    assert!(rep.ingested.is_empty() && rep.errors.is_empty());
    assert!(
        rep.skipped[0].reason.contains("already ingested"),
        "{:?}",
        rep.skipped
    );
    assert_eq!(all_paths(&ing, "").await, before);
    assert_eq!(
        ing.get_bytes(
            "Costs/2026/03/providers/microsoft.billing/billingaccounts/8611537/manifest.json"
        )
        .await
        .unwrap(),
        marker_before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reingesting_a_month_three_times_leaves_one_copy() {
    let (_d, ex, ing) = stores();
    let engine = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
    let mut totals = Vec::new();
    for (k, id) in ["run-1", "run-2", "run-3"].iter().enumerate() {
        let mut run = ExportRun::focus_cost("1.2", march(), 800, id);
        run.submitted_time = format!("2026-03-0{}T03:00:00Z", k + 2);
        let w = write_export_run(&ex, &run).await.unwrap();
        totals.push(w.totals);
        let rep = engine.ingest_all().await.unwrap();
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        let (files, rows, sum) = committed_costs(&ing).await;
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].contains(&format!("/{id}__")));
        assert_eq!((rows, sum.as_str()), (800, totals[0].billed_cost.as_str()));
        // Nothing of older runs is left on disk either.
        let parquet: Vec<_> = all_paths(&ing, "Costs")
            .await
            .into_iter()
            .filter(|p| p.ends_with(".parquet"))
            .collect();
        assert_eq!(parquet.len(), 1, "{parquet:?}");
    }
    // An older run seen again never replaces the newer one.
    let rep = engine.ingest_all().await.unwrap();
    assert!(rep.ingested.is_empty(), "{:?}", rep.ingested);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_at_any_step_loses_and_duplicates_nothing() {
    let (dir, ex, _) = stores();
    let ing_dir = dir.path().join("ingestion");
    let ing = Store::local(&ing_dir).unwrap();
    // Run 1 committed.
    let mut r1 = ExportRun::focus_cost("1.0r2", march(), 60, "run-1");
    r1.parts = 3;
    r1.rows_per_part = 20;
    r1.submitted_time = "2026-03-02T03:00:00Z".into();
    let w1 = write_export_run(&ex, &r1).await.unwrap();
    Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()))
        .ingest_all()
        .await
        .unwrap();
    // Run 2 (different data) arrives; crash at step n = 1, 2, ... until a run gets through.
    let mut r2 = ExportRun::focus_cost("1.0r2", march(), 90, "run-2");
    r2.parts = 3;
    r2.rows_per_part = 30;
    r2.seed = 99;
    r2.submitted_time = "2026-03-03T03:00:00Z".into();
    let w2 = write_export_run(&ex, &r2).await.unwrap();
    let inner: Arc<dyn object_store::ObjectStore> = ing.inner().clone();
    let mut crashed = 0;
    for n in 1..100 {
        let faulty = Store::new(Arc::new(CrashingStore::new(inner.clone(), n)), "crashing")
            .with_local_root(ing_dir.canonicalize().unwrap());
        let rep = Ingestor::new(ex.clone(), faulty, IngestOptions::new(clock()))
            .ingest_all()
            .await
            .unwrap();
        // Whatever happened, a reader sees exactly one complete set.
        let (_, rows, sum) = committed_costs(&ing).await;
        let old = (60, w1.totals.billed_cost.clone());
        let new = (90, w2.totals.billed_cost.clone());
        assert!(
            (rows, sum.clone()) == old || (rows, sum.clone()) == new,
            "crash at step {n}: {rows} rows, {sum}"
        );
        // The next (uncrashed) run repairs and completes: only run 2, once.
        let healthy = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
        healthy.ingest_all().await.unwrap();
        let (files, rows, sum) = committed_costs(&ing).await;
        assert_eq!((rows, sum), new, "after the crash at step {n}");
        assert_eq!(files.len(), 3);
        let on_disk: Vec<_> = all_paths(&ing, "Costs")
            .await
            .into_iter()
            .filter(|p| p.ends_with(".parquet"))
            .collect();
        assert_eq!(on_disk.len(), 3, "crash at step {n}: {on_disk:?}");
        if rep.errors.is_empty() && rep.skipped.iter().all(|s| !s.reason.contains("already")) {
            break;
        }
        crashed += 1;
        // Back to the state before run 2 for the next crash point.
        for p in all_paths(&ing, "").await {
            ing.delete(&p).await.unwrap();
        }
        Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()))
            .ingest_manifest(&w1.manifest)
            .await
            .unwrap();
    }
    assert!(crashed >= 5, "only {crashed} crash points were exercised");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_missing_truncated_and_mismatched_exports() {
    let (_d, ex, ing) = stores();
    let engine = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
    let good = write_export_run(&ex, &ExportRun::focus_cost("1.0r2", march(), 300, "good"))
        .await
        .unwrap();
    engine.ingest_all().await.unwrap();
    let kept = committed_costs(&ing).await;

    // Empty export (v14, #1535): skipped with a reason, old data kept.
    let empty = r#"{"manifestVersion":"2024-04-01","blobCount":0,"dataRowCount":0,"byteCount":0,
      "exportConfig":{"exportName":"e","resourceId":"/providers/Microsoft.Billing/billingAccounts/8611537/providers/Microsoft.CostManagement/exports/e","dataVersion":"1.0r2","type":"FocusCost"},
      "runInfo":{"runId":"empty-run","startDate":"2026-03-01T00:00:00"},"blobs":[]}"#;
    ex.put_bytes("e/manifest.json", empty.as_bytes().to_vec())
        .await
        .unwrap();
    // Zero-byte manifest: ignored as hubs' trigger ignores it.
    ex.put_bytes("z/manifest.json", Vec::new()).await.unwrap();
    // A blob listed but missing.
    let missing = empty
        .replace(
            "\"blobCount\":0,\"dataRowCount\":0",
            "\"blobCount\":1,\"dataRowCount\":5",
        )
        .replace("empty-run", "missing-run")
        .replace(
            "\"blobs\":[]",
            "\"blobs\":[{\"blobName\":\"m/part_0.csv.gz\",\"dataRowCount\":5}]",
        );
    ex.put_bytes("m/manifest.json", missing.into_bytes())
        .await
        .unwrap();
    // A truncated gzip part.
    let blob = ex.get_bytes(&good.blobs[0]).await.unwrap();
    ex.put_bytes("t/part_0.csv.gz", blob.slice(..blob.len() / 2))
        .await
        .unwrap();
    let trunc = empty
        .replace(
            "\"blobCount\":0,\"dataRowCount\":0",
            "\"blobCount\":1,\"dataRowCount\":300",
        )
        .replace("empty-run", "trunc-run")
        .replace(
            "\"blobs\":[]",
            "\"blobs\":[{\"blobName\":\"t/part_0.csv.gz\",\"dataRowCount\":300}]",
        );
    ex.put_bytes("t/manifest.json", trunc.into_bytes())
        .await
        .unwrap();
    // Row count that does not match the data.
    ex.put_bytes("c/part_0.csv.gz", blob.clone()).await.unwrap();
    let count = empty
        .replace(
            "\"blobCount\":0,\"dataRowCount\":0",
            "\"blobCount\":1,\"dataRowCount\":301",
        )
        .replace("empty-run", "count-run")
        .replace(
            "\"blobs\":[]",
            "\"blobs\":[{\"blobName\":\"c/part_0.csv.gz\",\"dataRowCount\":301}]",
        );
    ex.put_bytes("c/manifest.json", count.into_bytes())
        .await
        .unwrap();
    // Unsupported dataset version.
    let unsupported = empty
        .replace(
            "\"blobCount\":0,\"dataRowCount\":0",
            "\"blobCount\":1,\"dataRowCount\":300",
        )
        .replace("FocusCost", "PriceSheet")
        .replace(
            "\"dataVersion\":\"1.0r2\"",
            "\"dataVersion\":\"2019-01-01\"",
        )
        .replace("empty-run", "u-run")
        .replace(
            "\"blobs\":[]",
            "\"blobs\":[{\"blobName\":\"c/part_0.csv.gz\"}]",
        );
    ex.put_bytes("u/manifest.json", unsupported.into_bytes())
        .await
        .unwrap();

    let rep = engine.ingest_all().await.unwrap();
    let err = |m: &str| {
        rep.errors
            .iter()
            .find(|e| e.manifest == m)
            .map(|e| e.error.clone())
            .unwrap_or_default()
    };
    assert!(
        rep.skipped
            .iter()
            .any(|s| s.manifest == "e/manifest.json" && s.reason.contains("empty export")),
        "{rep:?}"
    );
    assert!(
        !rep.skipped
            .iter()
            .chain(rep.ingested.iter().map(|_| unreachable!()))
            .any(|s| s.manifest == "z/manifest.json")
    );
    assert!(
        err("m/manifest.json").contains("m/part_0.csv.gz")
            && err("m/manifest.json").contains("missing"),
        "{rep:?}"
    );
    assert!(
        err("t/manifest.json").contains("t/part_0.csv.gz"),
        "{rep:?}"
    );
    assert!(
        err("c/manifest.json").contains("reconciliation") && err("c/manifest.json").contains("301"),
        "{rep:?}"
    );
    assert!(err("u/manifest.json").contains("unsupported"), "{rep:?}");
    // The container still holds exactly the good set.
    assert_eq!(committed_costs(&ing).await, kept);
    let parquet: Vec<_> = all_paths(&ing, "")
        .await
        .into_iter()
        .filter(|p| p.ends_with(".parquet"))
        .collect();
    assert_eq!(parquet.len(), 1, "{parquet:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_without_an_ingestion_id_never_wipes_others_and_custom_data_lands() {
    let (dir, ex, ing) = stores();
    let engine = Ingestor::new(ex.clone(), ing.clone(), IngestOptions::new(clock()));
    write_export_run(&ex, &ExportRun::focus_cost("1.0r2", march(), 100, "r1"))
        .await
        .unwrap();
    engine.ingest_all().await.unwrap();
    let folder = "Costs/2026/03/providers/microsoft.billing/billingaccounts/8611537";
    // Someone drops a file without `__` into the folder: a new ingestion does not delete it.
    let (files, _, _) = committed_costs(&ing).await;
    let copy = ing.get_bytes(&files[0]).await.unwrap();
    ing.put_bytes(&format!("{folder}/handmade.parquet"), copy)
        .await
        .unwrap();
    let mut r2 = ExportRun::focus_cost("1.0r2", march(), 100, "r2");
    r2.submitted_time = "2026-03-09T00:00:00Z".into();
    write_export_run(&ex, &r2).await.unwrap();
    let rep = engine.ingest_all().await.unwrap();
    assert_eq!(rep.ingested[0].replaced, 1);
    let listed = commit::committed_files(&ing, folder).await.unwrap();
    assert!(listed.iter().any(|p| p.ends_with("/handmade.parquet")));
    assert!(listed.iter().any(|p| p.contains("/r2__")));
    assert_eq!(listed.len(), 2);

    // Custom data (our own FOCUS output) under its scope path, with a non-empty manifest.
    let src = dir.path().join("ovh.parquet");
    let recs =
        finops_core::focus::read_file(ing.local_copy(&listed[1]).await.unwrap().path()).unwrap();
    let recs: Vec<_> = recs.map(|r| r.unwrap()).collect();
    finops_core::focus::write_file(&src, &recs).unwrap();
    for id in ["ovh-1", "ovh-2"] {
        let drop = CustomDrop::costs(
            "2026-03-01T00:00:00Z".parse().unwrap(),
            "ovh/ab123-ovh",
            id,
            vec![src.clone()],
        );
        let done = ingest_custom(&ing, &drop, &clock()).await.unwrap();
        assert_eq!(done.rows, 100);
    }
    let custom = commit::committed_files(&ing, "Costs/2026/03/ovh/ab123-ovh")
        .await
        .unwrap();
    assert_eq!(custom, ["Costs/2026/03/ovh/ab123-ovh/ovh-2__ovh.parquet"]);
    let marker = ing
        .get_bytes("Costs/2026/03/ovh/ab123-ovh/manifest.json")
        .await
        .unwrap();
    assert!(marker.len() > 2);
    assert!(
        all_paths(&ing, "Costs/2026/03/ovh")
            .await
            .iter()
            .all(|p| !p.contains("ovh-1__"))
    );
}
