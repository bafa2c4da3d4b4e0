//! Export runs as Cost Management writes them into `msexports`: partitioned CSV.gz parts and a
//! `manifest.json` of the current form (`manifestVersion` 2024-04-01, byte and row counts),
//! under `{rootFolderPath}/{exportName}/{YYYYMMDD-YYYYMMDD}/{runId}/`.

use super::focuscost::{FocusCostSample, Generated};
use crate::storage::{Store, join};
use chrono::{Datelike, Duration, NaiveDate};
use finops_core::Result;
use std::io::Write;

/// One export run to write.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportRun {
    /// Scope id, e.g. `/providers/Microsoft.Billing/billingAccounts/8611537`.
    pub scope: String,
    /// Export name.
    pub export_name: String,
    /// FocusCost `dataVersion`.
    pub version: String,
    /// Month exported (any day of it).
    pub month: NaiveDate,
    /// Run id (the ingestion id).
    pub run_id: String,
    /// `runInfo.submittedTime`.
    pub submitted_time: String,
    /// Rows per part.
    pub rows_per_part: u64,
    /// Parts.
    pub parts: u32,
    /// gzip the CSV parts.
    pub gzip: bool,
    /// Seed of the data.
    pub seed: u64,
}

impl ExportRun {
    /// A FocusCost run of `rows` rows (one part per 500,000 rows) for `month`.
    pub fn focus_cost(version: &str, month: NaiveDate, rows: u64, run_id: &str) -> Self {
        let parts = rows.div_ceil(500_000).max(1);
        ExportRun {
            scope: "/providers/Microsoft.Billing/billingAccounts/8611537".into(),
            export_name: "finops-hub-daily-costdetails".into(),
            version: version.to_string(),
            month,
            run_id: run_id.to_string(),
            submitted_time: format!("{}T03:00:00.0000000Z", month.format("%Y-%m-%d")),
            rows_per_part: rows.div_ceil(parts),
            parts: parts as u32,
            gzip: true,
            seed: 7,
        }
    }
}

/// What a written run holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRun {
    /// Path of its manifest in the exports container.
    pub manifest: String,
    /// Its blobs.
    pub blobs: Vec<String>,
    /// Rows and exact totals.
    pub totals: Generated,
}

/// Write a run (parts, then the manifest last, as Cost Management does).
pub async fn write_export_run(store: &Store, run: &ExportRun) -> Result<WrittenRun> {
    let first =
        NaiveDate::from_ymd_opt(run.month.year(), run.month.month(), 1).unwrap_or(run.month);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first);
    let last = next - Duration::days(1);
    let root = run.scope.trim_start_matches('/');
    let range = format!("{}-{}", first.format("%Y%m%d"), last.format("%Y%m%d"));
    let folder = join(&[root, &run.export_name, &range, &run.run_id]);
    let mut blobs = Vec::new();
    let mut blob_json = Vec::new();
    let (mut billed, mut effective, mut rows) = (0i128, 0i128, 0u64);
    for p in 0..run.parts {
        let name = join(&[
            &folder,
            &format!("part_{p}_0001.csv{}", if run.gzip { ".gz" } else { "" }),
        ]);
        let mut sample = FocusCostSample::new(&run.version, first, run.rows_per_part);
        sample.seed = run.seed.wrapping_add(u64::from(p) * 7919);
        let rt = tokio::runtime::Handle::current();
        let (st, n, gzip) = (store.clone(), name.clone(), run.gzip);
        let (g, bytes) = tokio::task::spawn_blocking(move || -> Result<(Generated, u64)> {
            let w = st.writer(&n, &rt);
            let io = |e: std::io::Error| finops_core::Error::io(&n, e);
            let (g, w) = if gzip {
                let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::fast());
                let g = sample.write_csv(&mut gz).map_err(io)?;
                (g, gz.finish().map_err(io)?)
            } else {
                let mut w = w;
                let g = sample.write_csv(&mut w).map_err(io)?;
                w.flush().map_err(io)?;
                (g, w)
            };
            let bytes = w.finish()?;
            Ok((g, bytes))
        })
        .await
        .map_err(|e| finops_core::Error::InvalidArgument(e.to_string()))??;
        billed += crate::ingest::cells::parse_decimal18(g.billed_cost.as_bytes()).unwrap_or(0);
        effective +=
            crate::ingest::cells::parse_decimal18(g.effective_cost.as_bytes()).unwrap_or(0);
        rows += g.rows;
        blob_json.push(
            serde_json::json!({"blobName": name, "byteCount": bytes, "dataRowCount": g.rows}),
        );
        blobs.push(name);
    }
    let byte_count: u64 = blob_json
        .iter()
        .filter_map(|b| b["byteCount"].as_u64())
        .sum();
    let manifest = serde_json::json!({
        "manifestVersion": "2024-04-01",
        "byteCount": byte_count,
        "blobCount": blobs.len(),
        "dataRowCount": rows,
        "exportConfig": {
            "exportName": run.export_name,
            "resourceId": format!("{}/providers/Microsoft.CostManagement/exports/{}", run.scope, run.export_name),
            "dataVersion": run.version,
            "apiVersion": "2023-07-01-preview",
            "type": "FocusCost",
            "timeFrame": "MonthToDate",
            "granularity": null
        },
        "deliveryConfig": {
            "partitionData": true,
            "dataOverwriteBehavior": "CreateNewReport",
            "fileFormat": "Csv",
            "compressionMode": if run.gzip { "gzip" } else { "none" },
            "containerUri": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/finopshub",
            "rootFolderPath": root
        },
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": run.submitted_time,
            "runId": run.run_id,
            "startDate": format!("{}T00:00:00", first.format("%Y-%m-%d")),
            "endDate": format!("{}T00:00:00Z", last.format("%Y-%m-%d"))
        },
        "blobs": blob_json
    });
    let path = join(&[&folder, "manifest.json"]);
    let body = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| finops_core::Error::InvalidArgument(e.to_string()))?;
    store.put_bytes(&path, body).await?;
    Ok(WrittenRun {
        manifest: path,
        blobs,
        totals: Generated {
            rows,
            billed_cost: crate::ingest::cells::format_decimal18(billed),
            effective_cost: crate::ingest::cells::format_decimal18(effective),
        },
    })
}
