//! [`AzureHub`]: a [`CostSource`] over a FinOps hubs ingestion container. It reads the
//! committed files of the `Costs` dataset (every folder, any date-folder form; see
//! [`commit::committed_files`]), applies the cost transform ([`transform_cost`]) with the
//! month's price sheet from the `Prices` dataset, and yields FOCUS 1.2 records. Custom data
//! (other providers' FOCUS) is passed through with its source columns only, as hubs do.

use crate::ingest::commit::{self, Commit};
use crate::storage::Store;
use crate::transform::RawRow;
use crate::transform::costs::{CostContext, transform_cost};
use crate::transform::prices::{PriceSheet, transform_price_row};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use finops_core::focus::parquet::FocusParquetReader;
use finops_core::source::{CostQuery, CostSource};
use finops_core::{CostRecord, Result};
use futures::stream::BoxStream;
use std::sync::Arc;

/// Extension columns the transform adds to every Azure record.
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
];

/// A cost source over an ingestion container.
#[derive(Debug, Clone)]
pub struct AzureHub {
    store: Store,
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

/// Read every row of a Parquet file as raw text rows.
pub fn read_raw_rows(path: &std::path::Path) -> Result<Vec<RawRow>> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let label = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| finops_core::Error::io(path, e))?;
    let r = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .map_err(|e| crate::error::blob(&label, e.to_string()))?;
    let mut out = Vec::new();
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
                    crate::error::blob(&label, format!("row {} column {n}: {e}", i + 1))
                })?;
                row.push((n.clone(), v));
            }
            out.push(RawRow(row));
        }
    }
    Ok(out)
}

impl AzureHub {
    /// A source over `store` (the ingestion container).
    pub fn new(store: Store) -> Self {
        AzureHub { store }
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
        let mut sheet = PriceSheet::new();
        for folder in commit::marker_folders(&self.store, "Prices").await? {
            for path in commit::committed_files(&self.store, &folder).await? {
                let copy = self.store.local_copy(&path).await?;
                let p = copy.path().to_path_buf();
                let rows = tokio::task::spawn_blocking(move || read_raw_rows(&p))
                    .await
                    .map_err(|e| crate::error::blob(&path, e.to_string()))??;
                drop(copy);
                for r in &rows {
                    sheet.add(&transform_price_row(r));
                }
            }
        }
        Ok(sheet)
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
        let (tx, rx) = std::sync::mpsc::sync_channel::<CostRecord>(1024);
        let p = path.to_path_buf();
        let writer = tokio::task::spawn_blocking(move || -> Result<u64> {
            if parquet {
                let mut w = FocusParquetWriter::create(&p, &ext)?;
                for r in rx {
                    w.write(&r)?;
                }
                w.finish()
            } else {
                let mut w = FocusCsvWriter::create(&p, &ext)?;
                for r in rx {
                    w.write(&r)?;
                }
                w.finish()
            }
        });
        let mut err = None;
        while let Some(r) = stream.next().await {
            match r {
                Ok(r) => {
                    let tx = tx.clone();
                    let sent = tokio::task::spawn_blocking(move || tx.send(r).is_ok())
                        .await
                        .unwrap_or(false);
                    if !sent {
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
        let store = self.store.clone();
        let query = query.clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<CostRecord>>(1024);
        tokio::spawn(async move {
            for f in files {
                let copy = match store.local_copy(&f.path).await {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                };
                let (tx2, sheet, query) = (tx.clone(), sheet.clone(), query.clone());
                let ok = tokio::task::spawn_blocking(move || {
                    let version = f
                        .commit
                        .as_ref()
                        .map_or("custom", |c| c.version.as_str())
                        .to_string();
                    let at = ingested_at(&f.commit);
                    let custom = version == "custom";
                    let reader = match FocusParquetReader::open(copy.path()) {
                        Ok(r) => r,
                        Err(e) => return tx2.blocking_send(Err(e)).is_ok(),
                    };
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
                            rec
                        });
                        if let Ok(rec) = &item
                            && !query.matches(rec)
                        {
                            continue;
                        }
                        let stop = item.is_err();
                        if tx2.blocking_send(item).is_err() || stop {
                            return false;
                        }
                    }
                    drop(copy);
                    true
                })
                .await
                .unwrap_or(false);
                if !ok {
                    return;
                }
            }
        });
        Ok(Box::pin(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|x| (x, rx))
        })))
    }
}
