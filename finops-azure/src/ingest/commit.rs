//! The commit protocol of an ingestion folder: one ingestion id per folder, replaced
//! only once the new set is complete.
//!
//! 1. the new files `{id}__{name}.parquet` are written (each appears whole or not at all) and
//!    re-read: rows and sums checked;
//! 2. `manifest.json` is written: the export's manifest (as hubs copy it; hubs' Data Explorer
//!    trigger does not parse it) plus a `finops` object naming the committed ingestion id, its
//!    files with rows and sums, and the source manifest's SHA-256. This is the commit point;
//! 3. the files of every other ingestion id in the folder are deleted.
//!
//! Readers that honour the marker ([`committed_files`]: `AzureHub`, `--focus-out`) see the old
//! set until step 2 and the new set after it, never a mix and never nothing. A crash between
//! 2 and 3 leaves old files beside the new ones; a crash in 1 leaves part of a new set beside
//! the old one: the next run repairs the folder ([`repair`]) before anything else, so after it
//! nothing is lost and nothing counted twice. Files without `__` belong to no ingestion: they
//! are never deleted by another ingestion (hubs #2180) and are always read.

use super::layout::{SEPARATOR, ingestion_id_of};
use crate::storage::{Store, join};
use finops_core::Result;
use serde::{Deserialize, Serialize};

/// The name of the marker in every ingestion folder.
pub const MARKER: &str = "manifest.json";

/// One committed file, as recorded in the marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommittedFile {
    /// File name in the folder (`{id}__{name}.parquet`).
    pub name: String,
    /// Source blob (or local file) it came from.
    pub source: String,
    /// Rows.
    pub rows: u64,
    /// Exact sum of the total column (e.g. BilledCost) as text, when the dataset has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
}

/// The `finops` object of a marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Commit {
    /// The committed ingestion id.
    pub ingestion_id: String,
    /// Dataset folder name.
    pub dataset: String,
    /// Dataset version (export `dataVersion`, or `custom`).
    pub version: String,
    /// `YYYY-MM` of the data.
    pub month: String,
    /// Scope id (`/subscriptions/...`) or custom scope path.
    pub scope: String,
    /// Path of the source manifest (exports container) or `custom`.
    pub source_manifest: String,
    /// SHA-256 (hex) of the source manifest's bytes.
    pub source_sha256: String,
    /// `runInfo.submittedTime` of the export run, when known (older runs never replace newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_time: Option<String>,
    /// When the ingestion was committed (RFC 3339, UTC, from the injected clock).
    pub committed_at: String,
    /// Total rows.
    pub rows: u64,
    /// Exact total of the total column, when the dataset has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// The files, in manifest order.
    pub files: Vec<CommittedFile>,
}

/// Read the commit of a folder's marker: `Ok(None)` without a marker, `Ok(Some(None))` for a
/// marker without our `finops` object (custom data's `{}` or a hub's copy), an error for an
/// unreadable one.
pub async fn read_commit(store: &Store, folder: &str) -> Result<Option<Option<Commit>>> {
    let path = join(&[folder, MARKER]);
    if store.head(&path).await?.is_none() {
        return Ok(None);
    }
    let bytes = store.get_bytes(&path).await?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        crate::error::manifest(&format!("{store}/{path}"), format!("not JSON: {e}"))
    })?;
    match v.get("finops") {
        None => Ok(Some(None)),
        Some(c) => serde_json::from_value(c.clone())
            .map(|c| Some(Some(c)))
            .map_err(|e| {
                crate::error::manifest(&format!("{store}/{path}"), format!("finops commit: {e}"))
            }),
    }
}

/// Write the marker: `base` (the export manifest, or `{}`) with the `finops` commit added.
pub async fn write_marker(
    store: &Store,
    folder: &str,
    base: serde_json::Value,
    commit: &Commit,
) -> Result<()> {
    let mut obj = match base {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    obj.insert(
        "finops".into(),
        serde_json::to_value(commit)
            .map_err(|e| finops_core::Error::InvalidArgument(e.to_string()))?,
    );
    let bytes = serde_json::to_vec_pretty(&serde_json::Value::Object(obj))
        .map_err(|e| finops_core::Error::InvalidArgument(e.to_string()))?;
    store.put_bytes(&join(&[folder, MARKER]), bytes).await
}

/// Delete the direct-child Parquet files of `folder` that belong to another ingestion than
/// `keep` (files without `__` are kept). Returns how many were deleted.
pub async fn remove_other_ids(store: &Store, folder: &str, keep: &str) -> Result<usize> {
    let (files, _) = store.list_dir(folder).await?;
    let mut n = 0;
    for f in files {
        let Some(name) = f.location.filename() else {
            continue;
        };
        if !name.to_ascii_lowercase().ends_with(".parquet") {
            continue;
        }
        match ingestion_id_of(name) {
            Some(id) if id != keep => {
                store.delete(f.location.as_ref()).await?;
                n += 1;
            }
            Some(_) => {}
            None => tracing::warn!(
                folder,
                file = name,
                "file without an ingestion id ({SEPARATOR}) kept"
            ),
        }
    }
    Ok(n)
}

/// Bring a folder back to its committed set: delete files of other ingestion ids than the
/// marker's (left by a crash). A folder without our commit is left alone.
pub async fn repair(store: &Store, folder: &str) -> Result<usize> {
    match read_commit(store, folder).await? {
        Some(Some(c)) => remove_other_ids(store, folder, &c.ingestion_id).await,
        _ => Ok(0),
    }
}

/// The files a reader should load from `folder` (paths in the store), following the commit:
/// with our marker, the committed id's files plus files without `__`; with a foreign marker
/// (`{}`), every direct-child Parquet file (hubs' rule); without a marker, nothing (hubs load a
/// folder only once its `manifest.json` exists).
pub async fn committed_files(store: &Store, folder: &str) -> Result<Vec<String>> {
    let commit = match read_commit(store, folder).await? {
        None => return Ok(Vec::new()),
        Some(c) => c,
    };
    let (files, _) = store.list_dir(folder).await?;
    let mut out = Vec::new();
    for f in files {
        let Some(name) = f.location.filename() else {
            continue;
        };
        if !name.to_ascii_lowercase().ends_with(".parquet") {
            continue;
        }
        let take = match (&commit, ingestion_id_of(name)) {
            (_, None) => true,
            (Some(c), Some(id)) => id == c.ingestion_id,
            (None, Some(_)) => true,
        };
        if take {
            out.push(f.location.to_string());
        }
    }
    Ok(out)
}

/// Every folder under `prefix` that holds a `manifest.json` (an ingestion folder), sorted.
pub async fn marker_folders(store: &Store, prefix: &str) -> Result<Vec<String>> {
    let p = (!prefix.is_empty()).then_some(prefix);
    let mut out: Vec<String> = store
        .list(p)
        .await?
        .into_iter()
        .filter(|m| m.location.filename() == Some(MARKER) && m.size > 0)
        .map(|m| {
            let s = m.location.to_string();
            s.strip_suffix(MARKER)
                .map(|f| f.trim_end_matches('/').to_string())
                .unwrap_or(s)
        })
        .collect();
    out.sort();
    Ok(out)
}
