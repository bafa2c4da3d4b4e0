//! [`AzureHub`]: a [`CostSource`] over a FinOps hubs ingestion container. It reads the
//! committed files of the `Costs` dataset (every folder, any date-folder form; see
//! [`commit::committed_files`]), applies the cost transform ([`transform_cost`]) with the
//! month's price sheet from the `Prices` dataset, and yields FOCUS 1.2 records. Custom data
//! (other providers' FOCUS) is passed through with its source columns only, as hubs do.
//!
//! **Versioned read (AZ-12).** Hubs keep `Costs_v1_0()` next to `Costs_v1_2()` so a report
//! built on FOCUS 1.0 keeps working after an upgrade. [`AzureHub::with_read_version`] does
//! the same here: with [`ReadVersion::Focus1_0`] the records and files are FOCUS 1.0 — the
//! columns FOCUS 1.1/1.2 added are empty and their values move to extension columns under the
//! names Cost Management's FocusCost 1.0 uses (`x_InvoiceId`, `x_PricingCurrency`,
//! `x_SkuMeterName`) or `x_{Column}` for the others; [`AzureHub::write_focus`] then writes
//! exactly [`ReadVersion::columns`] plus the extensions, whatever version later exports use.
//!
//! **Other datasets (AZ-09, AZ-10).** [`AzureHub::read_dataset`] streams the committed rows of
//! `Prices`, `CommitmentDiscountUsage`, `Recommendations` or `Transactions` through their
//! transforms ([`crate::transform::prices`], [`crate::transform::other`]).

use crate::ingest::commit::{self, Commit};
use crate::ingest::layout::Dataset;
use crate::storage::Store;
use crate::transform::RawRow;
use crate::transform::costs::{CostContext, transform_cost};
use crate::transform::other::{
    transform_commitment_usage, transform_recommendation, transform_transaction,
};
use crate::transform::prices::{PriceIndex, PriceSheet, transform_price_row};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use finops_core::clock::SharedClock;
use finops_core::focus::parquet::FocusParquetReader;
use finops_core::focus::{Column, ColumnKind};
use finops_core::source::{CostQuery, CostSource};
use finops_core::{CostRecord, Result};
use futures::stream::BoxStream;
use std::sync::Arc;

/// Extension columns the transform adds to Azure records (some only to commitment-discount
/// rows; writers declare them all up front).
pub const ADDED_COLUMNS: &[&str] = &[
    "x_IngestionTime",
    "x_SourceChanges",
    "x_SourceName",
    "x_SourceProvider",
    "x_SourceType",
    "x_SourceVersion",
    "x_CommitmentDiscountSavings",
    "x_NegotiatedDiscountSavings",
    "x_TotalSavings",
    "x_BillingAccountAgreement",
    "x_AmortizationClass",
    "x_CommitmentDiscountUtilizationPotential",
    "x_CommitmentDiscountUtilizationAmount",
    "x_CommitmentDiscountNormalizedRatio",
    "x_SkuCoreCount",
    "x_SkuInstanceType",
    "x_SkuOperatingSystem",
    "x_ConsumedCoreHours",
    "x_SkuLicenseType",
    "x_SkuLicenseStatus",
    "x_SkuLicenseQuantity",
    "x_SkuLicenseUnit",
    "x_SourceValues",
];

/// The FOCUS version a reader of an [`AzureHub`] gets (AZ-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ReadVersion {
    /// FOCUS 1.2 (the 57 columns of [`Column::ALL`]).
    #[default]
    Focus1_2,
    /// FOCUS 1.0: the columns of 0.5, 1.0-preview and 1.0; later columns move to extensions.
    Focus1_0,
}

impl ReadVersion {
    /// The FOCUS columns of this version, in [`Column::ALL`] order.
    pub fn columns(self) -> Vec<Column> {
        Column::ALL
            .iter()
            .copied()
            .filter(|c| self == ReadVersion::Focus1_2 || !introduced_after_1_0(*c))
            .collect()
    }

    /// The extension a column added after FOCUS 1.0 becomes in a 1.0 read (FocusCost 1.0's
    /// own names where it has one).
    pub fn legacy_name(c: Column) -> String {
        match c {
            Column::InvoiceId => "x_InvoiceId".into(),
            Column::PricingCurrency => "x_PricingCurrency".into(),
            Column::SkuMeter => "x_SkuMeterName".into(),
            other => format!("x_{}", other.name()),
        }
    }
}

fn introduced_after_1_0(c: Column) -> bool {
    matches!(c.introduced(), "1.1" | "1.2")
}

/// Turn a FOCUS 1.2 record into its FOCUS 1.0 form: every column added by 1.1/1.2 is emptied
/// and its value kept in [`ReadVersion::legacy_name`] (an extension already holding a value
/// keeps it).
pub fn to_focus_1_0(r: &mut CostRecord) {
    for c in Column::ALL {
        if !introduced_after_1_0(c) {
            continue;
        }
        let text = r.get(c).to_text();
        let name = ReadVersion::legacy_name(c);
        if let Some(t) = text {
            if r.extensions.get(&name).is_none() {
                r.extensions.set(name, Some(t));
            }
            // Every 1.1/1.2 column is nullable, so clearing it cannot fail.
            let _ = r.set_text(c, "");
        }
    }
}

/// A cost source over an ingestion container.
#[derive(Debug, Clone)]
pub struct AzureHub {
    store: Store,
    version: ReadVersion,
    clock: Option<SharedClock>,
}

impl std::fmt::Display for AzureHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AzureHub({})", self.store)
    }
}

/// One committed Costs file with what the transform needs to know about it.
#[derive(Debug, Clone)]
struct CostFile {
    path: String,
    commit: Option<Commit>,
}

/// Call `f` on every row of a Parquet file as a raw text row, batch by batch (memory bounded by
/// one batch); `f` returns `false` to stop. Returns whether every row was seen.
pub fn for_each_raw_row(path: &std::path::Path, mut f: impl FnMut(RawRow) -> bool) -> Result<bool> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let label = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| finops_core::Error::io(path, e))?;
    let r = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(4096).build())
        .map_err(|e| crate::error::blob(&label, e.to_string()))?;
    let mut seen = 0usize;
    for b in r {
        let b = b.map_err(|e| crate::error::blob(&label, e.to_string()))?;
        let names: Vec<String> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        for i in 0..b.num_rows() {
            let mut row = Vec::with_capacity(names.len());
            for (n, a) in names.iter().zip(b.columns()) {
                let v = finops_core::focus::parquet::cell_text(a.as_ref(), i).map_err(|e| {
                    crate::error::blob(&label, format!("row {} column {n}: {e}", seen + i + 1))
                })?;
                row.push((n.clone(), v));
            }
            if !f(RawRow(row)) {
                return Ok(false);
            }
        }
        seen += b.num_rows();
    }
    Ok(true)
}

/// Read every row of a Parquet file as raw text rows (see [`for_each_raw_row`]).
pub fn read_raw_rows(path: &std::path::Path) -> Result<Vec<RawRow>> {
    let mut out = Vec::new();
    for_each_raw_row(path, |row| {
        out.push(row);
        true
    })?;
    Ok(out)
}

/// Items streamed out of `files` of `store`, one file at a time: each file is made local and
/// `per_file(context, local path, sender)` runs on the blocking pool, sending its items (the
/// channel holds `capacity` of them, so memory stays bounded); it returns whether to go on. A
/// file that cannot be made local, or a task that panicked, ends the stream with an error
/// naming the file (never a silently short stream).
fn file_stream<X, T, F>(
    store: Store,
    files: Vec<(String, X)>,
    capacity: usize,
    per_file: F,
) -> BoxStream<'static, Result<T>>
where
    X: Send + 'static,
    T: Send + 'static,
    F: Fn(X, &std::path::Path, &tokio::sync::mpsc::Sender<Result<T>>) -> bool
        + Send
        + Sync
        + 'static,
{
    let per_file = Arc::new(per_file);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<T>>(capacity);
    tokio::spawn(async move {
        for (path, context) in files {
            let copy = match store.local_copy(&path).await {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let (tx2, f) = (tx.clone(), per_file.clone());
            let done = tokio::task::spawn_blocking(move || f(context, copy.path(), &tx2)).await;
            match done {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    let _ = tx
                        .send(Err(crate::error::blob(
                            &path,
                            format!("reading stopped: {e}"),
                        )))
                        .await;
                    return;
                }
            }
        }
    });
    Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|x| (x, rx))
    }))
}

impl AzureHub {
    /// A source over `store` (the ingestion container).
    pub fn new(store: Store) -> Self {
        AzureHub {
            store,
            version: ReadVersion::default(),
            clock: None,
        }
    }

    /// Read as FOCUS `version` (default 1.2).
    pub fn with_read_version(mut self, version: ReadVersion) -> Self {
        self.version = version;
        self
    }

    /// The version read.
    pub fn read_version(&self) -> ReadVersion {
        self.version
    }

    /// The clock deciding "today" for the Recommendations transform (default: the system
    /// clock).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Committed rows of `dataset` (`Prices`, `CommitmentDiscountUsage`, `Recommendations`,
    /// `Transactions`; any other dataset raw), through its transform, streamed file by file.
    pub async fn read_dataset(
        &self,
        dataset: &Dataset,
    ) -> Result<BoxStream<'static, Result<RawRow>>> {
        let mut files = Vec::new();
        for folder in commit::marker_folders(&self.store, dataset.folder()).await? {
            files.extend(commit::committed_files(&self.store, &folder).await?);
        }
        let today = self
            .clock
            .clone()
            .unwrap_or_else(finops_core::clock::system)
            .now()
            .date_naive();
        // Prices need the month's whole sheet (savings-plan on-demand prices, eligibility):
        // a first pass builds the index.
        let index = if *dataset == Dataset::Prices {
            Arc::new(self.price_index(&files).await?)
        } else {
            Arc::new(PriceIndex::new())
        };
        let ds = dataset.clone();
        let transform = move |r: &RawRow| -> RawRow {
            match &ds {
                Dataset::Prices => {
                    let mut out = transform_price_row(r);
                    index.apply(&mut out);
                    out
                }
                Dataset::CommitmentDiscountUsage => transform_commitment_usage(r),
                Dataset::Recommendations => transform_recommendation(r, today),
                Dataset::Transactions => transform_transaction(r),
                _ => r.clone(),
            }
        };
        let files = files.into_iter().map(|f| (f, ())).collect();
        Ok(file_stream(
            self.store.clone(),
            files,
            256,
            move |(), path, tx| match for_each_raw_row(path, |row| {
                tx.blocking_send(Ok(transform(&row))).is_ok()
            }) {
                Ok(go_on) => go_on,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    false
                }
            },
        ))
    }

    /// Fold the transformed rows of price-sheet `files` into `state`, streamed row by row on
    /// the blocking pool (memory bounded by one batch plus what `state` keeps).
    async fn fold_price_rows<S: Send + 'static>(
        &self,
        files: &[String],
        mut state: S,
        add: fn(&mut S, &RawRow),
    ) -> Result<S> {
        for path in files {
            let copy = self.store.local_copy(path).await?;
            state = tokio::task::spawn_blocking(move || -> Result<S> {
                for_each_raw_row(copy.path(), |row| {
                    add(&mut state, &transform_price_row(&row));
                    true
                })?;
                Ok(state)
            })
            .await
            .map_err(|e| crate::error::blob(path, e.to_string()))??;
        }
        Ok(state)
    }

    /// The [`PriceIndex`] of price-sheet `files`.
    async fn price_index(&self, files: &[String]) -> Result<PriceIndex> {
        self.fold_price_rows(files, PriceIndex::new(), |i, r| i.add(r))
            .await
    }

    /// The container.
    pub fn store(&self) -> &Store {
        &self.store
    }

    async fn cost_files(&self) -> Result<Vec<CostFile>> {
        let mut out = Vec::new();
        for folder in commit::marker_folders(&self.store, "Costs").await? {
            let c = commit::read_commit(&self.store, &folder).await?.flatten();
            for path in commit::committed_files(&self.store, &folder).await? {
                out.push(CostFile {
                    path,
                    commit: c.clone(),
                });
            }
        }
        Ok(out)
    }

    /// The price sheets of every committed `Prices` folder, transformed and keyed.
    pub async fn price_sheet(&self) -> Result<PriceSheet> {
        let mut files = Vec::new();
        for folder in commit::marker_folders(&self.store, "Prices").await? {
            files.extend(commit::committed_files(&self.store, &folder).await?);
        }
        self.fold_price_rows(&files, PriceSheet::new(), |s, r| s.add(r))
            .await
    }

    /// The extension columns of the FOCUS output (union over the files, plus [`ADDED_COLUMNS`]),
    /// for writers that need them up front.
    pub async fn extension_columns(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = Vec::new();
        for f in self.cost_files().await? {
            let copy = self.store.local_copy(&f.path).await?;
            let reader = FocusParquetReader::open(copy.path())?;
            for n in reader.header().extension_names() {
                if !names.iter().any(|m| m == n) {
                    names.push(n.to_string());
                }
            }
        }
        for n in ADDED_COLUMNS {
            if !names.iter().any(|m| m == n) {
                names.push((*n).to_string());
            }
        }
        if self.version == ReadVersion::Focus1_0 {
            for c in Column::ALL {
                let n = ReadVersion::legacy_name(c);
                if introduced_after_1_0(c) && !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        Ok(names)
    }

    /// Write the whole Costs dataset as FOCUS 1.2 (Parquet, or CSV by extension), streaming.
    /// Returns the rows written.
    pub async fn write_focus(&self, path: &std::path::Path, query: &CostQuery) -> Result<u64> {
        use finops_core::focus::csv::FocusCsvWriter;
        use finops_core::focus::parquet::FocusParquetWriter;
        use futures::StreamExt;
        let ext = self.extension_columns().await?;
        let parquet = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        let mut stream = self.costs(query).await?;
        // Records go to the blocking writer over a bounded channel: the reader waits when
        // the writer is behind (memory bounded by the channel), never a task per record.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<CostRecord>(1024);
        let p = path.to_path_buf();
        let version = self.version;
        let writer = tokio::task::spawn_blocking(move || -> Result<u64> {
            let records = std::iter::from_fn(move || rx.blocking_recv());
            if version == ReadVersion::Focus1_0 {
                return write_versioned(&p, parquet, &version.columns(), &ext, records);
            }
            if parquet {
                let mut w = FocusParquetWriter::create(&p, &ext)?;
                for r in records {
                    w.write(&r)?;
                }
                w.finish()
            } else {
                let mut w = FocusCsvWriter::create(&p, &ext)?;
                for r in records {
                    w.write(&r)?;
                }
                w.finish()
            }
        });
        let mut err = None;
        while let Some(r) = stream.next().await {
            match r {
                Ok(r) => {
                    if tx.send(r).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        let written = writer
            .await
            .map_err(|e| finops_core::Error::InvalidArgument(format!("writer task: {e}")))?;
        if let Some(e) = err {
            return Err(e);
        }
        written
    }
}

fn ingested_at(c: &Option<Commit>) -> DateTime<Utc> {
    c.as_ref()
        .and_then(|c| DateTime::parse_from_rfc3339(&c.committed_at).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

#[async_trait]
impl CostSource for AzureHub {
    async fn costs(&self, query: &CostQuery) -> Result<BoxStream<'static, Result<CostRecord>>> {
        let files = self.cost_files().await?;
        let sheet = Arc::new(self.price_sheet().await?);
        let query = query.clone();
        let legacy = self.version == ReadVersion::Focus1_0;
        let files = files.into_iter().map(|f| (f.path, f.commit)).collect();
        Ok(file_stream(
            self.store.clone(),
            files,
            1024,
            move |commit, path, tx| {
                let version = commit
                    .as_ref()
                    .map_or("custom", |c| c.version.as_str())
                    .to_string();
                let at = ingested_at(&commit);
                let custom = version == "custom";
                let reader = match FocusParquetReader::open(path) {
                    Ok(r) => r,
                    Err(e) => return tx.blocking_send(Err(e)).is_ok(),
                };
                let version = crate::transform::costs::r20_source_version(
                    &version,
                    reader.header().version(),
                );
                let ctx = CostContext {
                    ingested_at: at,
                    data_version: &version,
                    prices: &sheet,
                };
                for r in reader {
                    let item = r.map(|mut rec| {
                        if custom {
                            rec.extensions.set(
                                "x_IngestionTime",
                                Some(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                            );
                            crate::transform::costs::r19_source_columns(&mut rec, "");
                        } else {
                            transform_cost(&mut rec, &ctx);
                        }
                        if legacy {
                            to_focus_1_0(&mut rec);
                        }
                        rec
                    });
                    if let Ok(rec) = &item
                        && !query.matches(rec)
                    {
                        continue;
                    }
                    let stop = item.is_err();
                    if tx.blocking_send(item).is_err() || stop {
                        return false;
                    }
                }
                true
            },
        ))
    }
}

enum VBuf {
    Dec(arrow_array::builder::Decimal128Builder),
    Time(arrow_array::builder::TimestampMicrosecondBuilder),
    Str(arrow_array::builder::StringBuilder),
}

/// Write records with exactly `columns` (then `ext`), as Parquet (FOCUS types) or CSV.
fn write_versioned(
    path: &std::path::Path,
    parquet: bool,
    columns: &[Column],
    ext: &[String],
    records: impl Iterator<Item = CostRecord>,
) -> Result<u64> {
    use arrow_array::{ArrayRef, RecordBatch};
    let label = path.display().to_string();
    let pq = |e: &dyn std::fmt::Display| crate::error::blob(&label, format!("write: {e}"));
    let mut header: Vec<String> = columns.iter().map(|c| c.name().to_string()).collect();
    header.extend(ext.iter().cloned());
    let mut rows = 0u64;
    let file = finops_core::fs::AtomicFile::create(path)?;
    if !parquet {
        let mut w = csv::Writer::from_writer(file);
        w.write_record(&header).map_err(|e| pq(&e))?;
        for r in records {
            let mut cells: Vec<String> = columns
                .iter()
                .map(|c| r.get(*c).to_text().unwrap_or_default())
                .collect();
            cells.extend(
                ext.iter()
                    .map(|n| r.extensions.get(n).unwrap_or_default().to_string()),
            );
            w.write_record(&cells).map_err(|e| pq(&e))?;
            rows += 1;
        }
        let file = w.into_inner().map_err(|e| pq(&e))?;
        file.commit()?;
        return Ok(rows);
    }
    let mut fields: Vec<arrow_schema::Field> = columns
        .iter()
        .map(|c| finops_core::focus::parquet::focus_field(*c))
        .collect();
    fields.extend(
        ext.iter()
            .map(|n| arrow_schema::Field::new(n.as_str(), arrow_schema::DataType::Utf8, true)),
    );
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(fields));
    let props = finops_core::focus::parquet::decimal_statistics_off(
        &schema,
        parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .set_created_by("finops-rs".to_string()),
    )
    .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))
        .map_err(|e| pq(&e))?;
    let new_bufs = || -> Vec<VBuf> {
        columns
            .iter()
            .map(|c| match c.kind() {
                ColumnKind::Decimal => VBuf::Dec(arrow_array::builder::Decimal128Builder::new()),
                ColumnKind::DateTime => {
                    VBuf::Time(arrow_array::builder::TimestampMicrosecondBuilder::new())
                }
                _ => VBuf::Str(arrow_array::builder::StringBuilder::new()),
            })
            .chain(
                ext.iter()
                    .map(|_| VBuf::Str(arrow_array::builder::StringBuilder::new())),
            )
            .collect()
    };
    let mut bufs = new_bufs();
    let mut pending = 0usize;
    let flush = |bufs: &mut Vec<VBuf>, w: &mut parquet::arrow::ArrowWriter<_>| -> Result<()> {
        let arrays: Vec<ArrayRef> = bufs
            .iter_mut()
            .map(|b| -> Result<ArrayRef> {
                Ok(match b {
                    VBuf::Dec(d) => std::sync::Arc::new(
                        d.finish()
                            .with_precision_and_scale(38, 18)
                            .map_err(|e| pq(&e))?,
                    ),
                    VBuf::Time(t) => std::sync::Arc::new(t.finish().with_timezone("UTC")),
                    VBuf::Str(s) => std::sync::Arc::new(s.finish()),
                })
            })
            .collect::<Result<_>>()?;
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| pq(&e))?;
        finops_core::focus::parquet::write_batch_bounded(w, &batch).map_err(|e| pq(&e))
    };
    for r in records {
        for (i, b) in bufs.iter_mut().enumerate() {
            let v = match columns.get(i) {
                Some(c) => r.get(*c),
                None => match r.extensions.get(&ext[i - columns.len()]) {
                    Some(t) => finops_core::focus::Value::Str(t),
                    None => finops_core::focus::Value::Null,
                },
            };
            match (b, v) {
                (VBuf::Dec(d), finops_core::focus::Value::Decimal(x)) => d.append_value(
                    finops_core::focus::parquet::decimal_to_i128_scale18(x).map_err(|e| pq(&e))?,
                ),
                (VBuf::Time(t), finops_core::focus::Value::Time(x)) => {
                    t.append_value(x.timestamp_micros())
                }
                (VBuf::Dec(d), _) => d.append_null(),
                (VBuf::Time(t), _) => t.append_null(),
                (VBuf::Str(s), v) => s.append_option(v.to_text()),
            }
        }
        rows += 1;
        pending += 1;
        if pending >= 8192 {
            flush(&mut bufs, &mut w)?;
            pending = 0;
        }
    }
    if pending > 0 {
        flush(&mut bufs, &mut w)?;
    }
    let file = w.into_inner().map_err(|e| pq(&e))?;
    file.commit()?;
    Ok(rows)
}
