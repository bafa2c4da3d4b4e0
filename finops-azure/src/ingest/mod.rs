//! Manifest-driven ingestion (AZ-03..07): every `manifest.json` of the exports container is
//! one export run, converted into the hubs ingestion layout of the ingestion container.
//!
//! For each manifest, in order of `runInfo.submittedTime`: parse it ([`manifest`]); skip an
//! empty export with its reason (previous data kept); look up the dataset and version
//! ([`schema`]); check that every blob exists (nothing is written otherwise); convert each blob
//! streaming ([`convert`]) to `{dataset}/{yyyy}/{mm}/{scope}/{runId}__{file}.parquet`
//! ([`layout`]); reconcile rows (per blob and in total, against `dataRowCount`) and the exact
//! total of the money column (source text = written values = re-read Parquet); commit and
//! replace older ingestions ([`commit`]). A failure leaves the folder's committed set in place
//! and is reported for that manifest only; the other exports are still ingested.
//!
//! Re-running is safe: a run already committed (same run id, same manifest bytes) is skipped,
//! after repairing what a crash may have left in its folder; a run older (by
//! `submittedTime`) than the one committed never replaces it.

pub mod cells;
pub mod commit;
pub mod convert;
pub mod custom;
pub mod layout;
pub mod manifest;
pub mod schema;

use crate::error;
use crate::storage::{Store, join};
use commit::{Commit, CommittedFile};
use convert::{ConvertOptions, ConvertThreads, Converted};
use finops_core::Result;
use finops_core::clock::SharedClock;
use layout::{Dataset, DateFolder};
use manifest::ExportManifest;
use schema::ExportSchema;
use sha2::Digest;

/// Options of an [`Ingestor`].
#[derive(Clone)]
#[non_exhaustive]
pub struct IngestOptions {
    /// Date folder of the layout (default `{yyyy}/{mm}`).
    pub date_folder: DateFolder,
    /// Batch and row-group sizes.
    pub convert: ConvertOptions,
    /// Delete an export's blobs and manifest once ingested (hubs' msexports retention of 0
    /// days). Off by default.
    pub delete_source: bool,
    /// Clock of the `committedAt` stamps.
    pub clock: SharedClock,
}

impl std::fmt::Debug for IngestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestOptions")
            .field("date_folder", &self.date_folder)
            .field("convert", &self.convert)
            .field("delete_source", &self.delete_source)
            .finish_non_exhaustive()
    }
}

impl IngestOptions {
    /// Defaults with `clock`.
    pub fn new(clock: SharedClock) -> Self {
        IngestOptions {
            date_folder: DateFolder::Month,
            convert: ConvertOptions::default(),
            delete_source: false,
            clock,
        }
    }

    /// Another date folder.
    pub fn with_date_folder(mut self, d: DateFolder) -> Self {
        self.date_folder = d;
        self
    }

    /// Delete sources once ingested.
    pub fn with_delete_source(mut self, yes: bool) -> Self {
        self.delete_source = yes;
        self
    }

    /// Batch and row-group sizes.
    pub fn with_convert(mut self, c: ConvertOptions) -> Self {
        self.convert = c;
        self
    }
}

/// One export ingested.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Ingested {
    /// Manifest path in the exports container.
    pub manifest: String,
    /// Dataset folder.
    pub dataset: String,
    /// Dataset version.
    pub version: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Scope id.
    pub scope: String,
    /// Rows written.
    pub rows: u64,
    /// Files written (paths in the ingestion container).
    pub files: Vec<String>,
    /// Files of older ingestions removed.
    pub replaced: usize,
    /// Exact total of the money column (BilledCost for costs), when the dataset has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
}

/// One export skipped, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Manifest path.
    pub manifest: String,
    /// Why.
    pub reason: String,
}

/// One export that failed (the container keeps its previous data).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failed {
    /// Manifest path.
    pub manifest: String,
    /// What went wrong.
    pub error: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Exports ingested.
    pub ingested: Vec<Ingested>,
    /// Exports skipped with a reason.
    pub skipped: Vec<Skipped>,
    /// Exports that failed.
    pub errors: Vec<Failed>,
}

/// What happened to one manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Ingested.
    Ingested(Ingested),
    /// Skipped, with the reason.
    Skipped(String),
}

/// The ingestion engine: exports container → ingestion container.
#[derive(Debug, Clone)]
pub struct Ingestor {
    exports: Store,
    ingestion: Store,
    opts: IngestOptions,
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Ingestor {
    /// An engine reading `exports` (the root of the msexports container) and writing `ingestion`.
    pub fn new(exports: Store, ingestion: Store, opts: IngestOptions) -> Self {
        Ingestor {
            exports,
            ingestion,
            opts,
        }
    }

    /// The ingestion container.
    pub fn ingestion(&self) -> &Store {
        &self.ingestion
    }

    /// Every non-empty `manifest.json` of the exports container (zero-byte ones are ignored, as
    /// hubs' trigger does), sorted by path.
    pub async fn manifests(&self) -> Result<Vec<String>> {
        Ok(self
            .exports
            .list(None)
            .await?
            .into_iter()
            .filter(|m| m.location.filename() == Some(commit::MARKER) && m.size > 0)
            .map(|m| m.location.to_string())
            .collect())
    }

    /// Ingest every manifest; one failure never stops the others.
    pub async fn ingest_all(&self) -> Result<IngestReport> {
        let paths = self.manifests().await?;
        // Oldest run first, so a newer run of the same month wins.
        let mut runs: Vec<(String, String)> = Vec::new();
        for p in paths {
            let key = match self.exports.get_bytes(&p).await {
                Ok(b) => ExportManifest::parse(&p, &b)
                    .ok()
                    .and_then(|m| m.submitted_time.clone())
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            runs.push((key, p));
        }
        runs.sort();
        let mut report = IngestReport::default();
        // Every blob of every run is converted on the same two threads (see ConvertThreads).
        let threads = ConvertThreads::start()?;
        for (_, p) in runs {
            match self.ingest_manifest_on(&threads, &p).await {
                Ok(Outcome::Ingested(i)) => report.ingested.push(i),
                Ok(Outcome::Skipped(reason)) => report.skipped.push(Skipped {
                    manifest: p,
                    reason,
                }),
                Err(e) => report.errors.push(Failed {
                    manifest: p,
                    error: e.to_string(),
                }),
            }
        }
        Ok(report)
    }

    /// Ingest one manifest (a path in the exports container).
    pub async fn ingest_manifest(&self, path: &str) -> Result<Outcome> {
        self.ingest_manifest_on(&ConvertThreads::start()?, path)
            .await
    }

    async fn ingest_manifest_on(&self, threads: &ConvertThreads, path: &str) -> Result<Outcome> {
        let label = format!("{}/{path}", self.exports.label().trim_end_matches('/'));
        let bytes = self.exports.get_bytes(path).await?;
        let m = ExportManifest::parse(&label, &bytes)?;
        if let Some(why) = m.emptiness() {
            return Ok(Outcome::Skipped(why.to_string()));
        }
        m.check_counts(&label)?;
        let schema = ExportSchema::lookup(&m.kind, &m.data_version)
            .map_err(|e| error::manifest(&label, e))?;
        let dataset = schema.dataset().clone();
        let folder = layout::export_folder(
            &dataset,
            self.opts.date_folder,
            m.start_date,
            &m.resource_id,
            &m.export_name,
        );
        let sha = sha256_hex(&bytes);
        let mut ingestion_id = m.run_id.clone();
        if let Some(Some(c)) = commit::read_commit(&self.ingestion, &folder).await? {
            if c.source_sha256 == sha {
                let fixed =
                    commit::remove_other_ids(&self.ingestion, &folder, &c.ingestion_id).await?;
                let mut why = format!("already ingested (run {}) in {folder}", c.ingestion_id);
                if fixed > 0 {
                    why.push_str(&format!(
                        "; removed {fixed} files left by an interrupted run"
                    ));
                }
                return Ok(Outcome::Skipped(why));
            }
            if let (Some(new), Some(old)) = (&m.submitted_time, &c.submitted_time)
                && new < old
            {
                return Ok(Outcome::Skipped(format!(
                    "older than the ingested run {} (submitted {old}); kept the newer data in {folder}",
                    c.ingestion_id
                )));
            }
            // Repair first: files of ids other than the committed one are an interrupted run's.
            commit::remove_other_ids(&self.ingestion, &folder, &c.ingestion_id).await?;
            if c.ingestion_id == ingestion_id {
                // Same run id, different manifest: never overwrite the committed files in place.
                ingestion_id = format!("{}.{}", m.run_id, &sha[..8]);
            }
        }
        // Every blob must exist before anything is written.
        let mut targets = Vec::new();
        for b in &m.blobs {
            if self.exports.head(&b.name).await?.is_none() {
                return Err(error::blob(
                    &format!("{}/{}", self.exports.label().trim_end_matches('/'), b.name),
                    format!("listed by {label} but missing; nothing ingested"),
                ));
            }
            let file = layout::ingested_name(&ingestion_id, &layout::parquet_file_name(&b.name));
            let target = join(&[&folder, &file]);
            if targets.contains(&target) {
                return Err(error::manifest(
                    &label,
                    format!("two blobs map to the same file {target}"),
                ));
            }
            targets.push(target);
        }
        let mut written: Vec<String> = Vec::new();
        let result = self
            .write_all(threads, &m, &schema, &label, &targets, &mut written)
            .await;
        let files = match result {
            Ok(f) => f,
            Err(e) => {
                for w in &written {
                    let _ = self.ingestion.delete(w).await;
                }
                return Err(e);
            }
        };
        let rows: u64 = files.iter().map(|f| f.rows).sum();
        if let Some(expected) = m.data_row_count
            && expected != rows
        {
            for w in &written {
                let _ = self.ingestion.delete(w).await;
            }
            return Err(error::reconciliation(
                &label,
                format!("{rows} rows written, dataRowCount is {expected}"),
            ));
        }
        let total = sum_totals(&files);
        let c = Commit {
            ingestion_id: ingestion_id.clone(),
            dataset: dataset.folder().to_string(),
            version: m.data_version.clone(),
            month: m.start_date.format("%Y-%m").to_string(),
            scope: layout::scope_id(&m.resource_id),
            source_manifest: path.to_string(),
            source_sha256: sha,
            submitted_time: m.submitted_time.clone(),
            committed_at: self
                .opts
                .clock
                .now()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            rows,
            total: total.clone(),
            files,
        };
        let base: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        commit::write_marker(&self.ingestion, &folder, base, &c).await?;
        let replaced = commit::remove_other_ids(&self.ingestion, &folder, &ingestion_id).await?;
        if self.opts.delete_source {
            for b in &m.blobs {
                self.exports.delete(&b.name).await?;
            }
            self.exports.delete(path).await?;
        }
        Ok(Outcome::Ingested(Ingested {
            manifest: path.to_string(),
            dataset: c.dataset,
            version: c.version,
            month: c.month,
            scope: c.scope,
            rows,
            files: written,
            replaced,
            total,
        }))
    }

    async fn write_all(
        &self,
        threads: &ConvertThreads,
        m: &ExportManifest,
        schema: &ExportSchema,
        label: &str,
        targets: &[String],
        written: &mut Vec<String>,
    ) -> Result<Vec<CommittedFile>> {
        let mut files = Vec::new();
        for (b, target) in m.blobs.iter().zip(targets) {
            let blob_label = format!("{}/{}", self.exports.label().trim_end_matches('/'), b.name);
            let conv = self
                .convert_blob(threads, &b.name, &blob_label, target, schema)
                .await;
            // The file may exist even if a later check fails: remember it for the clean-up.
            written.push(target.clone());
            let conv = conv?;
            let reread = {
                let copy = self.ingestion.local_copy(target).await?;
                let p = copy.path().to_path_buf();
                let lbl = format!("{}/{target}", self.ingestion.label().trim_end_matches('/'));
                let total = schema.total_column();
                threads
                    .run(target, move |_| {
                        let r = convert::reread_totals(&p, &lbl, total);
                        drop(copy);
                        r
                    })
                    .await?
            };
            reconcile(label, &blob_label, b.data_row_count, &conv, reread)?;
            files.push(CommittedFile {
                name: target.rsplit('/').next().unwrap_or(target).to_string(),
                source: b.name.clone(),
                rows: conv.rows,
                total: conv.written_total.and_then(convert::total_decimal),
            });
        }
        Ok(files)
    }

    async fn convert_blob(
        &self,
        threads: &ConvertThreads,
        blob: &str,
        blob_label: &str,
        target: &str,
        schema: &ExportSchema,
    ) -> Result<Converted> {
        let rt = tokio::runtime::Handle::current();
        let is_parquet = blob.to_ascii_lowercase().ends_with(".parquet");
        let opts = self.opts.convert.clone();
        let schema = schema.clone();
        let blob_label = blob_label.to_string();
        let out = self.ingestion.clone();
        let target = target.to_string();
        if is_parquet {
            let copy = self.exports.local_copy(blob).await?;
            return threads
                .run(blob, move |_| {
                    let f = std::fs::File::open(copy.path())
                        .map_err(|e| finops_core::Error::io(copy.path(), e))?;
                    let w = out.writer(&target, &rt);
                    let (w, conv) = convert::parquet_to_parquet(f, &blob_label, w, &schema, &opts)?;
                    w.finish()?;
                    Ok(conv)
                })
                .await;
        }
        let exports = self.exports.clone();
        let blob = blob.to_string();
        threads
            .run(&blob.clone(), move |parser| {
                let input = exports.reader(&blob, &rt)?;
                let w = out.writer(&target, &rt);
                let (w, conv) =
                    convert::csv_to_parquet_with(parser, input, &blob_label, w, &schema, &opts)?;
                w.finish()?;
                Ok(conv)
            })
            .await
    }
}

fn sum_totals(files: &[CommittedFile]) -> Option<String> {
    let mut acc: i128 = 0;
    let mut any = false;
    for f in files {
        if let Some(t) = &f.total {
            any = true;
            // Each total came from format_decimal18 and the file totals were checked when
            // summed; an overflow here is impossible in practice and reported as no total.
            acc = acc.checked_add(cells::parse_decimal18(t.as_bytes()).ok()?)?;
        }
    }
    any.then(|| cells::format_decimal18(acc))
}

/// Rows and sums must agree: manifest count (when given) = rows converted = rows re-read, and
/// source total = written total = re-read total.
fn reconcile(
    label: &str,
    blob: &str,
    expected_rows: Option<u64>,
    conv: &Converted,
    reread: (u64, Option<i128>),
) -> Result<()> {
    let fail = |m: String| Err(error::reconciliation(label, format!("{blob}: {m}")));
    if let Some(n) = expected_rows
        && n != conv.rows
    {
        return fail(format!("{} rows read, the manifest says {n}", conv.rows));
    }
    if reread.0 != conv.rows {
        return fail(format!(
            "{} rows written but {} read back",
            conv.rows, reread.0
        ));
    }
    if conv.source_total != conv.written_total {
        return fail(format!(
            "total of the source {:?} differs from the total written {:?}",
            conv.source_total.and_then(convert::total_decimal),
            conv.written_total.and_then(convert::total_decimal)
        ));
    }
    if reread.1.is_some() && reread.1 != conv.written_total {
        return fail(format!(
            "total read back {:?} differs from the total written {:?}",
            reread.1.and_then(convert::total_decimal),
            conv.written_total.and_then(convert::total_decimal)
        ));
    }
    Ok(())
}

/// The dataset of a folder path in the ingestion container (its first segment).
pub fn dataset_of_folder(folder: &str) -> Dataset {
    let first = folder.split('/').next().unwrap_or(folder);
    match first {
        "Costs" => Dataset::Costs,
        "Prices" => Dataset::Prices,
        "CommitmentDiscountUsage" => Dataset::CommitmentDiscountUsage,
        "Recommendations" => Dataset::Recommendations,
        "Transactions" => Dataset::Transactions,
        "ActualCosts" => Dataset::ActualCosts,
        "AmortizedCosts" => Dataset::AmortizedCosts,
        other => Dataset::Other(other.to_string()),
    }
}
