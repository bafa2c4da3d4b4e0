//! Custom FOCUS data in the hubs layout (AZ-07, X-10): other providers' FOCUS Parquet (our OVH,
//! OCI and ArcGIS output) dropped into `Costs/{yyyy}/{mm}/{scope-path}` with one ingestion id,
//! then a **non-empty** `manifest.json` (hubs ignore a zero-byte one), so a hub's Data Explorer
//! or Fabric loads it beside Azure. Same commit protocol as exports: the older set is removed
//! only after the new one is complete and its marker written.

use super::commit::{self, Commit, CommittedFile};
use super::convert;
use super::layout::{self, Dataset, DateFolder};
use crate::error;
use crate::storage::{Store, join};
use chrono::{DateTime, Utc};
use finops_core::Result;
use finops_core::clock::SharedClock;
use std::path::PathBuf;

/// One custom-data drop.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CustomDrop {
    /// Dataset (usually [`Dataset::Costs`]).
    pub dataset: Dataset,
    /// A UTC instant in the month (day, hour) of the data.
    pub period: DateTime<Utc>,
    /// Date folder (`{yyyy}/{mm}` by default; `Day`/`Hour` allowed for custom data).
    pub date_folder: DateFolder,
    /// Scope path, e.g. `ovh/ab123-ovh` or `oci/tenancy/compartment`.
    pub scope_path: String,
    /// The ingestion id shared by every file of the drop.
    pub ingestion_id: String,
    /// Local Parquet files (FOCUS; each < 2 GB as hubs require).
    pub files: Vec<PathBuf>,
}

impl CustomDrop {
    /// A Costs drop of `files` for the month of `period` under `scope_path`.
    pub fn costs(
        period: DateTime<Utc>,
        scope_path: impl Into<String>,
        ingestion_id: impl Into<String>,
        files: Vec<PathBuf>,
    ) -> Self {
        CustomDrop {
            dataset: Dataset::Costs,
            period,
            date_folder: DateFolder::Month,
            scope_path: scope_path.into(),
            ingestion_id: ingestion_id.into(),
            files,
        }
    }
}

/// Upload a drop, write its marker and remove the folder's older sets. Returns the report line.
pub async fn ingest_custom(
    store: &Store,
    drop: &CustomDrop,
    clock: &SharedClock,
) -> Result<super::Ingested> {
    let id = &drop.ingestion_id;
    if id.is_empty() || id.contains(layout::SEPARATOR) || id.contains('/') {
        return Err(error::location(
            store.label(),
            format!("ingestion id {id:?} must be non-empty, without \"__\" or \"/\""),
        ));
    }
    let scope = join(&[&drop.scope_path]);
    if scope.is_empty() {
        return Err(error::location(
            store.label(),
            "custom data needs a scope path (e.g. ovh/ACCOUNT)",
        ));
    }
    let folder = join(&[
        drop.dataset.folder(),
        &drop.date_folder.path(drop.period),
        &scope,
    ]);
    commit::repair(store, &folder).await?;
    let mut files = Vec::new();
    let mut written = Vec::new();
    for f in &drop.files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| error::blob(&f.display().to_string(), "not a file name"))?;
        let original = layout::original_name_of(&name).to_string();
        let target = join(&[
            &folder,
            &layout::ingested_name(id, &layout::parquet_file_name(&original)),
        ]);
        let (rows, total) = {
            let p = f.clone();
            let lbl = f.display().to_string();
            tokio::task::spawn_blocking(move || {
                convert::reread_totals(&p, &lbl, Some("BilledCost"))
            })
            .await
            .map_err(|e| error::blob(&f.display().to_string(), e.to_string()))??
        };
        let rt = tokio::runtime::Handle::current();
        let (src, out, tgt) = (f.clone(), store.clone(), target.clone());
        let r = tokio::task::spawn_blocking(move || -> Result<()> {
            let mut input =
                std::fs::File::open(&src).map_err(|e| finops_core::Error::io(&src, e))?;
            let mut w = out.writer(&tgt, &rt);
            std::io::copy(&mut input, &mut w).map_err(|e| finops_core::Error::io(&src, e))?;
            w.finish().map(|_| ())
        })
        .await
        .map_err(|e| error::blob(&target, e.to_string()))?;
        written.push(target.clone());
        if let Err(e) = r {
            for w in &written {
                let _ = store.delete(w).await;
            }
            return Err(e);
        }
        files.push(CommittedFile {
            name: target.rsplit('/').next().unwrap_or(&target).to_string(),
            source: f.display().to_string(),
            rows,
            total: total.and_then(convert::total_decimal),
        });
    }
    let rows = files.iter().map(|f| f.rows).sum();
    let total = super::sum_totals(&files);
    let c = Commit {
        ingestion_id: id.clone(),
        dataset: drop.dataset.folder().to_string(),
        version: "custom".into(),
        month: drop.period.format("%Y-%m").to_string(),
        scope: scope.clone(),
        source_manifest: "custom".into(),
        source_sha256: String::new(),
        submitted_time: None,
        committed_at: clock.now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        rows,
        total: total.clone(),
        files,
    };
    // Non-empty, as hubs require (`{}` plus our commit).
    commit::write_marker(store, &folder, serde_json::json!({}), &c).await?;
    let replaced = commit::remove_other_ids(store, &folder, id).await?;
    Ok(super::Ingested {
        manifest: "custom".into(),
        dataset: c.dataset,
        version: c.version,
        month: c.month,
        scope,
        rows,
        files: written,
        replaced,
        total,
    })
}
