//! Streaming conversion of one export blob (CSV, CSV.gz, Parquet) into a Parquet file with the
//! ingestion types of [`ExportSchema`]: original column names, money as `Decimal128(38, 18)`,
//! times as `Timestamp(µs, UTC)`. Memory is bounded by one record batch and one row group,
//! whatever the blob's size: CSV is decompressed and parsed on one thread while the other
//! builds Arrow arrays and encodes Parquet (two batches in flight between them). A run converts
//! all its blobs on the same two threads ([`ConvertThreads`]), so memory also stays flat whatever
//! the number of blobs.
//!
//! Reconciliation data comes out of it: the rows written, the sum of the total column as
//! written (from the Decimal128 values) and the same sum computed independently from the source
//! text with `rust_decimal`; the caller compares both and re-reads the Parquet file.

use super::cells::{parse_bool, parse_decimal18, parse_timestamp_micros};
use super::schema::{ColType, ExportSchema};
use crate::error;
use arrow_array::builder::{
    BooleanBuilder, Decimal128Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use finops_core::Result;
use finops_core::focus::parquet::write_batch_bounded;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Arc;

/// Options of the conversion.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConvertOptions {
    /// Rows per Arrow record batch (default 2,048: with wide exports (100+ columns) the CSV records
    /// of the batches in flight are most of the conversion's memory).
    pub batch_rows: usize,
    /// Rows per Parquet row group at most (default 131,072).
    pub row_group_rows: usize,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            batch_rows: 2048,
            row_group_rows: 131_072,
        }
    }
}

/// What one conversion wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    /// Data rows written.
    pub rows: u64,
    /// Sum of the total column (e.g. BilledCost) as written, × 10^18.
    pub written_total: Option<i128>,
    /// Sum of the total column parsed from the source text with `rust_decimal`, × 10^18.
    pub source_total: Option<i128>,
}

enum Col {
    Text(StringBuilder),
    Dec(Decimal128Builder),
    Time(TimestampMicrosecondBuilder),
    Bool(BooleanBuilder),
}

impl Col {
    fn new(t: ColType, cap: usize) -> Col {
        match t {
            ColType::Text => Col::Text(StringBuilder::with_capacity(cap, cap * 16)),
            ColType::Decimal => Col::Dec(Decimal128Builder::with_capacity(cap)),
            ColType::Timestamp => Col::Time(TimestampMicrosecondBuilder::with_capacity(cap)),
            ColType::Boolean => Col::Bool(BooleanBuilder::with_capacity(cap)),
        }
    }

    fn finish(&mut self) -> Result<ArrayRef> {
        Ok(match self {
            Col::Text(b) => Arc::new(b.finish()),
            Col::Dec(b) => Arc::new(
                b.finish()
                    .with_precision_and_scale(38, 18)
                    .map_err(|e| finops_core::Error::InvalidArgument(e.to_string()))?,
            ),
            Col::Time(b) => Arc::new(b.finish().with_timezone("UTC")),
            Col::Bool(b) => Arc::new(b.finish()),
        })
    }

    /// Append one cell (empty = null). Returns the decimal value appended, if any.
    fn push(&mut self, cell: &[u8]) -> std::result::Result<Option<i128>, String> {
        if cell.is_empty() {
            match self {
                Col::Text(b) => b.append_null(),
                Col::Dec(b) => b.append_null(),
                Col::Time(b) => b.append_null(),
                Col::Bool(b) => b.append_null(),
            }
            return Ok(None);
        }
        match self {
            Col::Text(b) => {
                let s = std::str::from_utf8(cell).map_err(|e| format!("not UTF-8 text: {e}"))?;
                b.append_value(s);
            }
            Col::Dec(b) => {
                let v = parse_decimal18(cell)?;
                b.append_value(v);
                return Ok(Some(v));
            }
            Col::Time(b) => b.append_value(parse_timestamp_micros(cell)?),
            Col::Bool(b) => b.append_value(parse_bool(cell)?),
        }
        Ok(None)
    }
}

/// The Arrow schema of a converted file.
pub fn arrow_schema(names: &[String], schema: &ExportSchema) -> Schema {
    Schema::new(
        names
            .iter()
            .map(|n| {
                let dt = match schema.column_type(n) {
                    ColType::Text => DataType::Utf8,
                    ColType::Decimal => DataType::Decimal128(38, 18),
                    ColType::Timestamp => {
                        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
                    }
                    ColType::Boolean => DataType::Boolean,
                };
                Field::new(n.as_str(), dt, true)
            })
            .collect::<Vec<_>>(),
    )
}

fn writer_props(opts: &ConvertOptions) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by("finops-rs".to_string())
        .build()
}

fn check_header(label: &str, names: &[String]) -> Result<()> {
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(error::blob(
                label,
                format!("header column {} has no name", i + 1),
            ));
        }
        if let Some(j) = names[..i].iter().position(|m| m.eq_ignore_ascii_case(n)) {
            return Err(error::blob(
                label,
                format!("header names {n:?} twice (columns {} and {})", j + 1, i + 1),
            ));
        }
    }
    Ok(())
}

fn maybe_gunzip(input: Box<dyn Read + Send>) -> std::io::Result<Box<dyn Read + Send>> {
    let mut r = BufReader::with_capacity(1 << 20, input);
    let head = r.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::bufread::MultiGzDecoder::new(r)))
    } else {
        Ok(Box::new(r))
    }
}

type Batch = std::result::Result<Vec<csv::ByteRecord>, finops_core::Error>;

/// A job of a [`Worker`] thread.
type Job = Box<dyn FnOnce() + Send>;

/// A long-lived thread running jobs one after another. A panicking job is caught (its caller sees
/// its result channel closed) and the thread goes on with the next job; the thread ends once every
/// handle is dropped and its queue is empty.
#[derive(Debug, Clone)]
struct Worker {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Worker {
    fn start(name: &str) -> Result<Worker> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                for job in queue {
                    // The job's own channels report the failure to its caller.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .map_err(|e| finops_core::Error::io(name, e))?;
        Ok(Worker { jobs })
    }

    /// Queue `job`; false when the thread is gone.
    fn submit(&self, job: Job) -> bool {
        self.jobs.send(job).is_ok()
    }
}

/// The CSV parser thread of [`csv_to_parquet_with`]: decompresses and parses the blobs' CSV while
/// the calling thread builds Arrow arrays and encodes Parquet. One parser serves any number of
/// conversions one after another; reusing it for every blob of a run (instead of a thread per
/// blob) keeps the allocator from spreading the run's buffers over one memory arena per thread
/// (glibc keeps each arena's freed memory), so the peak RSS stays flat whatever the export's size.
#[derive(Debug, Clone)]
pub struct CsvParser {
    worker: Worker,
}

impl CsvParser {
    /// Start the parser thread (it ends when the last handle is dropped).
    pub fn start() -> Result<CsvParser> {
        Ok(CsvParser {
            worker: Worker::start("finops-csv-parse")?,
        })
    }
}

/// The two threads of a run's conversions: one converting (Arrow arrays, Parquet encoding, the
/// upload's buffers and the re-read of each written file) and the [`CsvParser`]. Every blob of a
/// run goes through the same two threads, so the memory the allocator keeps after a blob is reused
/// by the next one instead of piling up per thread. Jobs run one at a time, in order.
#[derive(Debug, Clone)]
pub struct ConvertThreads {
    convert: Worker,
    parser: CsvParser,
}

impl ConvertThreads {
    /// Start both threads (they end when the last handle is dropped and the queued jobs are done).
    pub fn start() -> Result<ConvertThreads> {
        Ok(ConvertThreads {
            convert: Worker::start("finops-convert")?,
            parser: CsvParser::start()?,
        })
    }

    /// Run `job` on the converting thread (after the jobs queued before it) and wait for its
    /// result without blocking the async runtime. The job gets the parser thread for
    /// [`csv_to_parquet_with`]. `what` names the job in the error if it panics.
    pub async fn run<R, F>(&self, what: &str, job: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&CsvParser) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let parser = self.parser.clone();
        let queued = self.convert.submit(Box::new(move || {
            let _ = tx.send(job(&parser));
        }));
        let stopped = || error::blob(what, "the conversion thread stopped (panic)");
        if !queued {
            return Err(stopped());
        }
        rx.await.map_err(|_| stopped())?
    }
}

/// Convert a CSV or CSV.gz stream (gzip recognised by its magic bytes) to Parquet on `out`.
/// Errors name `label`, the line (header = 1) and the column. The CSV is parsed on a thread
/// started for this call; [`csv_to_parquet_with`] reuses one.
pub fn csv_to_parquet<W: Write + Send>(
    input: Box<dyn Read + Send>,
    label: &str,
    out: W,
    schema: &ExportSchema,
    opts: &ConvertOptions,
) -> Result<(W, Converted)> {
    csv_to_parquet_with(&CsvParser::start()?, input, label, out, schema, opts)
}

/// Parse up to `batch_rows` records per batch from `rdr` and send them on `tx` (records come back
/// on `back_rx` for reuse); returns the exact sum of the total column parsed from the text.
fn parse_batches(
    mut rdr: csv::Reader<Box<dyn Read + Send>>,
    label: &str,
    batch_rows: usize,
    total_idx: Option<usize>,
    tx: &std::sync::mpsc::SyncSender<Batch>,
    back_rx: &std::sync::mpsc::Receiver<Vec<csv::ByteRecord>>,
) -> Result<i128> {
    let mut source_total: i128 = 0;
    loop {
        let mut v = back_rx.try_recv().unwrap_or_default();
        v.resize_with(batch_rows, csv::ByteRecord::new);
        let mut n = 0;
        while n < batch_rows {
            match rdr.read_byte_record(&mut v[n]) {
                Ok(true) => {
                    if let Some(t) = total_idx {
                        let cell = v[n].get(t).unwrap_or_default();
                        if !cell.is_empty() {
                            let line = v[n].position().map_or(0, |p| p.line());
                            let add = std::str::from_utf8(cell)
                                .ok()
                                .and_then(|s| finops_core::money::parse_decimal(s.trim()).ok())
                                .and_then(|d| {
                                    finops_core::focus::parquet::decimal_to_i128_scale18(d).ok()
                                })
                                .ok_or_else(|| {
                                    error::blob(
                                        label,
                                        format!(
                                            "line {line}: total column: {:?} is not an exact decimal",
                                            String::from_utf8_lossy(cell)
                                        ),
                                    )
                                })?;
                            source_total = source_total.checked_add(add).ok_or_else(|| {
                                error::blob(label, "the total column's sum overflows")
                            })?;
                        }
                    }
                    n += 1;
                }
                Ok(false) => break,
                Err(e) => {
                    let _ = tx.send(Err(error::blob(label, format!("CSV: {e}"))));
                    return Ok(source_total);
                }
            }
        }
        v.truncate(n);
        let last = n < batch_rows;
        if n > 0 && tx.send(Ok(v)).is_err() {
            return Ok(source_total);
        }
        if last {
            return Ok(source_total);
        }
    }
}

/// [`csv_to_parquet`] with the CSV parsed on `parser` (which may serve other conversions before
/// and after this one).
pub fn csv_to_parquet_with<W: Write + Send>(
    parser: &CsvParser,
    input: Box<dyn Read + Send>,
    label: &str,
    out: W,
    schema: &ExportSchema,
    opts: &ConvertOptions,
) -> Result<(W, Converted)> {
    let io = |e: std::io::Error| error::blob(label, e.to_string());
    let input = maybe_gunzip(input).map_err(io)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_reader(input);
    let names: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| error::blob(label, format!("header: {e}")))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.strip_prefix(b"\xef\xbb\xbf").unwrap_or(h)
            } else {
                h
            };
            String::from_utf8_lossy(h).trim().to_string()
        })
        .collect();
    if names.is_empty() || (names.len() == 1 && names[0].is_empty()) {
        return Err(error::blob(label, "no header row (empty file)"));
    }
    check_header(label, &names)?;
    let arrow = Arc::new(arrow_schema(&names, schema));
    let total_idx = schema
        .total_column()
        .and_then(|t| names.iter().position(|n| n.eq_ignore_ascii_case(t)));
    let mut writer = ArrowWriter::try_new(out, arrow.clone(), Some(writer_props(opts)))
        .map_err(|e| error::blob(label, format!("parquet: {e}")))?;
    let batch_rows = opts.batch_rows.max(1);
    let types: Vec<ColType> = names.iter().map(|n| schema.column_type(n)).collect();
    let mut conv = Converted::default();
    let mut written_total: i128 = 0;

    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<csv::ByteRecord>>();
    let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Result<i128>>(1);
    let label2 = label.to_string();
    let queued = parser.worker.submit(Box::new(move || {
        let r = parse_batches(rdr, &label2, batch_rows, total_idx, &tx, &back_rx);
        // Drop the batch channel first: the converter stops reading when it closes.
        drop(tx);
        let _ = done_tx.send(r);
    }));
    let panicked = || error::blob(label, "the CSV reader thread panicked");
    if !queued {
        return Err(panicked());
    }
    let mut cols: Vec<Col> = types.iter().map(|t| Col::new(*t, batch_rows)).collect();
    let mut result = Ok(());
    for batch in rx.iter() {
        let records = match batch {
            Ok(r) => r,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        for rec in &records {
            if rec.len() != cols.len() {
                let line = rec.position().map_or(0, |p| p.line());
                result = Err(error::blob(
                    label,
                    format!(
                        "line {line}: {} fields, the header has {}",
                        rec.len(),
                        cols.len()
                    ),
                ));
                break;
            }
            for (k, (col, cell)) in cols.iter_mut().zip(rec.iter()).enumerate() {
                match col.push(cell) {
                    Ok(Some(v)) if Some(k) == total_idx => {
                        written_total = match written_total.checked_add(v) {
                            Some(t) => t,
                            None => {
                                result =
                                    Err(error::blob(label, "the total column's sum overflows"));
                                break;
                            }
                        };
                    }
                    Ok(_) => {}
                    Err(m) => {
                        let line = rec.position().map_or(0, |p| p.line());
                        result = Err(error::blob(
                            label,
                            format!("line {line} column {}: {m}", names[k]),
                        ));
                        break;
                    }
                }
            }
            if result.is_err() {
                break;
            }
        }
        if result.is_err() {
            break;
        }
        conv.rows += records.len() as u64;
        let _ = back_tx.send(records);
        let arrays: Result<Vec<ArrayRef>> = cols.iter_mut().map(Col::finish).collect();
        let batch = arrays.and_then(|a| {
            RecordBatch::try_new(arrow.clone(), a)
                .map_err(|e| error::blob(label, format!("arrow: {e}")))
        });
        if let Err(e) = batch.and_then(|b| {
            write_batch_bounded(&mut writer, &b)
                .map_err(|e| error::blob(label, format!("parquet: {e}")))
        }) {
            result = Err(e);
            break;
        }
    }
    // Closing the batch channel stops the parser if it is still reading (after an error here).
    drop(rx);
    let parsed = done_rx.recv().map_err(|_| panicked())?;
    result?;
    let source_total = parsed?;
    let out = writer
        .into_inner()
        .map_err(|e| error::blob(label, format!("parquet: {e}")))?;
    if total_idx.is_some() {
        conv.written_total = Some(written_total);
        conv.source_total = Some(source_total);
    }
    Ok((out, conv))
}

/// Convert a Parquet file to the ingestion types (money to Decimal128(38, 18) exactly: floats
/// through their shortest round-trip text, decimals rescaled without rounding).
pub fn parquet_to_parquet<W: Write + Send>(
    file: std::fs::File,
    label: &str,
    out: W,
    schema: &ExportSchema,
    opts: &ConvertOptions,
) -> Result<(W, Converted)> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| error::blob(label, format!("not a readable Parquet file: {e}")))?;
    let names: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    check_header(label, &names)?;
    let arrow = Arc::new(arrow_schema(&names, schema));
    let total_idx = schema
        .total_column()
        .and_then(|t| names.iter().position(|n| n.eq_ignore_ascii_case(t)));
    let reader = builder
        .with_batch_size(opts.batch_rows.max(1))
        .build()
        .map_err(|e| error::blob(label, format!("parquet: {e}")))?;
    let mut writer = ArrowWriter::try_new(out, arrow.clone(), Some(writer_props(opts)))
        .map_err(|e| error::blob(label, format!("parquet: {e}")))?;
    let types: Vec<ColType> = names.iter().map(|n| schema.column_type(n)).collect();
    let mut conv = Converted::default();
    let (mut wt, mut st) = (0i128, 0i128);
    for batch in reader {
        let batch = batch.map_err(|e| error::blob(label, format!("parquet: {e}")))?;
        let n = batch.num_rows();
        let mut cols: Vec<Col> = types.iter().map(|t| Col::new(*t, n)).collect();
        for (k, (col, array)) in cols.iter_mut().zip(batch.columns()).enumerate() {
            for i in 0..n {
                let row = conv.rows + i as u64 + 1;
                let at =
                    |m: String| error::blob(label, format!("row {row} column {}: {m}", names[k]));
                let text = finops_core::focus::parquet::cell_text(array.as_ref(), i).map_err(at)?;
                let cell = text.as_deref().unwrap_or("");
                let v = col.push(cell.as_bytes()).map_err(at)?;
                if Some(k) == total_idx && !cell.is_empty() {
                    let v = v.unwrap_or_default();
                    wt = wt
                        .checked_add(v)
                        .ok_or_else(|| at("sum overflows".into()))?;
                    let src = finops_core::money::parse_decimal(cell)
                        .ok()
                        .and_then(|d| finops_core::focus::parquet::decimal_to_i128_scale18(d).ok())
                        .ok_or_else(|| at(format!("{cell:?} is not an exact decimal")))?;
                    st = st
                        .checked_add(src)
                        .ok_or_else(|| at("sum overflows".into()))?;
                }
            }
        }
        let arrays: Result<Vec<ArrayRef>> = cols.iter_mut().map(Col::finish).collect();
        let b = RecordBatch::try_new(arrow.clone(), arrays?)
            .map_err(|e| error::blob(label, format!("arrow: {e}")))?;
        write_batch_bounded(&mut writer, &b)
            .map_err(|e| error::blob(label, format!("parquet: {e}")))?;
        conv.rows += n as u64;
    }
    let out = writer
        .into_inner()
        .map_err(|e| error::blob(label, format!("parquet: {e}")))?;
    if total_idx.is_some() {
        conv.written_total = Some(wt);
        conv.source_total = Some(st);
    }
    Ok((out, conv))
}

/// Re-read a written Parquet file: its row count and the exact sum of `total` (× 10^18).
pub fn reread_totals(
    path: &std::path::Path,
    label: &str,
    total: Option<&str>,
) -> Result<(u64, Option<i128>)> {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(path).map_err(|e| finops_core::Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| error::blob(label, format!("written file is not readable Parquet: {e}")))?;
    let rows = builder.metadata().file_metadata().num_rows();
    let Some(total) = total else {
        return Ok((u64::try_from(rows).unwrap_or(0), None));
    };
    let Some(idx) = builder
        .schema()
        .fields()
        .iter()
        .position(|f| f.name().eq_ignore_ascii_case(total))
    else {
        return Ok((u64::try_from(rows).unwrap_or(0), None));
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [idx]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| error::blob(label, format!("parquet: {e}")))?;
    let mut sum: i128 = 0;
    let mut count = 0u64;
    for b in reader {
        let b = b.map_err(|e| error::blob(label, format!("parquet: {e}")))?;
        let a = b.column(0);
        count += a.len() as u64;
        let d = a
            .as_any()
            .downcast_ref::<arrow_array::Decimal128Array>()
            .ok_or_else(|| {
                error::blob(
                    label,
                    format!("{total} is not Decimal128 in the written file"),
                )
            })?;
        for v in d.iter().flatten() {
            sum = sum
                .checked_add(v)
                .ok_or_else(|| error::blob(label, "sum overflows"))?;
        }
    }
    Ok((count, Some(sum)))
}

/// The exact text of a scale-18 sum (any magnitude Decimal128(38, 18) holds).
pub fn total_decimal(v: i128) -> Option<String> {
    Some(super::cells::format_decimal18(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> ExportSchema {
        ExportSchema::lookup("FocusCost", "1.2").unwrap()
    }

    fn convert(parser: &CsvParser, csv: &str, batch_rows: usize) -> Result<(Vec<u8>, Converted)> {
        let opts = ConvertOptions {
            batch_rows,
            ..ConvertOptions::default()
        };
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(csv.as_bytes().to_vec()));
        csv_to_parquet_with(parser, input, "c/part_0.csv", Vec::new(), &schema(), &opts)
    }

    const GOOD: &str = "BilledCost,ServiceName,ChargePeriodStart\n\
        1.25,VM,2026-03-01T00:00:00Z\n\
        0.000000000000000001,Storage,2026-03-02T00:00:00Z\n\
        ,Network,2026-03-03T00:00:00Z\n\
        3,VM,2026-03-04T00:00:00Z\n";

    #[test]
    fn one_parser_serves_many_conversions_and_outlives_their_errors() {
        let parser = CsvParser::start().unwrap();
        // Batches of 2 rows: the records go back and forth between the threads.
        let (first, conv) = convert(&parser, GOOD, 2).unwrap();
        assert_eq!(conv.rows, 4);
        let total = 4_250_000_000_000_000_001i128;
        assert_eq!(conv.written_total, Some(total));
        assert_eq!(conv.source_total, Some(total));
        let bad_cell =
            "BilledCost,ServiceName,ChargePeriodStart\n1,VM,2026-03-01\n2,VM,yesterday\n";
        let e = convert(&parser, bad_cell, 1)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c/part_0.csv") && e.contains("line 3 column ChargePeriodStart"),
            "{e}"
        );
        let short_row = "BilledCost,ServiceName,ChargePeriodStart\n1,VM\n";
        let e = convert(&parser, short_row, 2)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c/part_0.csv: CSV") && e.contains("line: 2"),
            "{e}"
        );
        let bad_total =
            "BilledCost,ServiceName,ChargePeriodStart\n1,VM,2026-03-01\n12.x,VM,2026-03-01\n";
        let e = convert(&parser, bad_total, 1)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("c/part_0.csv") && e.contains("line 3"), "{e}");
        // The same thread converts the next blob as if it were the first one, and a thread of
        // its own (csv_to_parquet) writes the same bytes.
        let (again, conv2) = convert(&parser, GOOD, 2).unwrap();
        assert_eq!(conv2, conv);
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(GOOD.as_bytes().to_vec()));
        let opts = ConvertOptions {
            batch_rows: 2,
            ..ConvertOptions::default()
        };
        let (own, conv3) =
            csv_to_parquet(input, "c/part_0.csv", Vec::new(), &schema(), &opts).unwrap();
        assert_eq!(conv3, conv);
        assert_eq!(first, again);
        assert_eq!(first, own);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn convert_threads_run_every_job_on_one_thread_and_survive_a_panic() {
        let threads = ConvertThreads::start().unwrap();
        let id = || Ok(std::thread::current().id());
        let a = threads.run("a", move |_| id()).await.unwrap();
        let b = threads.run("b", move |_| id()).await.unwrap();
        assert_eq!(a, b);
        assert_ne!(a, std::thread::current().id());
        let e = threads
            .run("p/part_1.csv.gz", |_| -> Result<()> { panic!("boom") })
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("p/part_1.csv.gz") && e.contains("panic"), "{e}");
        assert_eq!(threads.run("c", move |_| id()).await.unwrap(), a);
        // A conversion through the run's parser.
        let conv = threads
            .run("g", |parser| convert(parser, GOOD, 3).map(|(_, c)| c))
            .await
            .unwrap();
        assert_eq!(conv.rows, 4);
    }
}
