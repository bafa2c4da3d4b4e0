//! The output side: converted batches gathered into row groups, whose columns are encoded on
//! two threads while the caller reads the next batch, then appended to the atomic output file.

use super::pq;
use crate::focus::parquet::DECIMAL_WRITE_ROWS;
use crate::fs::AtomicFile;
use crate::{Error, Result};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Rows per output row group (as [`crate::focus::parquet::ParquetWriteOptions`]' default).
const ROW_GROUP_ROWS: usize = 65_536;

/// Encode and write row groups: columns encoded on two threads while the caller reads on.
pub(super) struct RowGroupSink {
    pub(super) tx: Option<std::sync::mpsc::SyncSender<Vec<Vec<ArrayRef>>>>,
    pub(super) pending: Vec<Vec<ArrayRef>>,
    pub(super) pending_rows: usize,
}

impl RowGroupSink {
    pub(super) fn push(&mut self, mut cols: Vec<ArrayRef>, ncols: usize) -> Result<()> {
        if self.pending.is_empty() {
            self.pending = vec![Vec::new(); ncols];
        }
        while !cols.is_empty() {
            let rows = cols[0].len();
            let room = ROW_GROUP_ROWS - self.pending_rows;
            if rows <= room {
                for (p, c) in self.pending.iter_mut().zip(cols.drain(..)) {
                    p.push(c);
                }
                self.pending_rows += rows;
            } else {
                for (p, c) in self.pending.iter_mut().zip(cols.iter()) {
                    p.push(c.slice(0, room));
                }
                cols = cols.iter().map(|c| c.slice(room, rows - room)).collect();
                self.pending_rows += room;
            }
            if self.pending_rows == ROW_GROUP_ROWS {
                self.flush(ncols)?;
            }
        }
        Ok(())
    }

    pub(super) fn flush(&mut self, ncols: usize) -> Result<()> {
        if self.pending_rows == 0 {
            return Ok(());
        }
        let rg = std::mem::replace(&mut self.pending, vec![Vec::new(); ncols]);
        self.pending_rows = 0;
        match &self.tx {
            Some(tx) if tx.send(rg).is_ok() => Ok(()),
            // The writer stopped: its own error is reported when it is joined.
            _ => Err(Error::InvalidArgument("the Parquet writer stopped".into())),
        }
    }
}

/// The writer thread: receive row groups, encode their columns on two threads, append.
pub(super) fn write_row_groups(
    out: &Path,
    schema: SchemaRef,
    rx: std::sync::mpsc::Receiver<Vec<Vec<ArrayRef>>>,
) -> Result<AtomicFile> {
    let label = out.display().to_string();
    let file = AtomicFile::create(out)?;
    let props = crate::focus::parquet::decimal_statistics_off(
        &schema,
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by("finops-rs".to_string()),
    )
    .build();
    let writer =
        ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| pq(&label, e))?;
    let (mut fw, factory) = writer.into_serialized_writer().map_err(|e| pq(&label, e))?;
    for (index, rg) in rx.into_iter().enumerate() {
        let writers = factory
            .create_column_writers(index)
            .map_err(|e| pq(&label, e))?;
        let slots: Vec<std::sync::Mutex<Option<parquet::arrow::arrow_writer::ArrowColumnWriter>>> =
            writers
                .into_iter()
                .map(|w| std::sync::Mutex::new(Some(w)))
                .collect();
        let next = AtomicUsize::new(0);
        let work = || -> Result<Vec<(usize, ArrowColumnChunk)>> {
            let mut done = Vec::new();
            loop {
                let c = next.fetch_add(1, Ordering::Relaxed);
                if c >= slots.len() {
                    return Ok(done);
                }
                let w = slots[c].lock().ok().and_then(|mut s| s.take());
                let Some(mut w) = w else { continue };
                let field = schema.field(c);
                // Decimals in small slices: memory bounded by the row group (see
                // `focus::parquet::DECIMAL_WRITE_ROWS`).
                let step = match field.data_type() {
                    DataType::Decimal128(..) => DECIMAL_WRITE_ROWS,
                    _ => usize::MAX,
                };
                for a in &rg[c] {
                    let mut offset = 0;
                    while offset < a.len() {
                        let n = step.min(a.len() - offset);
                        let part = if n == a.len() {
                            a.clone()
                        } else {
                            a.slice(offset, n)
                        };
                        for leaf in compute_leaves(field, &part).map_err(|e| pq(&label, e))? {
                            w.write(&leaf).map_err(|e| pq(&label, e))?;
                        }
                        offset += n;
                    }
                }
                done.push((c, w.close().map_err(|e| pq(&label, e))?));
            }
        };
        let (mine, theirs) = std::thread::scope(|s| {
            let h = s.spawn(work);
            let mine = work();
            (mine, h.join())
        });
        let mut chunks = mine?;
        chunks.extend(theirs.map_err(|_| pq(&label, "an encoder thread panicked"))??);
        chunks.sort_by_key(|(c, _)| *c);
        let mut rgw = fw.next_row_group().map_err(|e| pq(&label, e))?;
        for (_, chunk) in chunks {
            chunk
                .append_to_row_group(&mut rgw)
                .map_err(|e| pq(&label, e))?;
        }
        rgw.close().map_err(|e| pq(&label, e))?;
    }
    fw.into_inner().map_err(|e| pq(&label, e))
}
