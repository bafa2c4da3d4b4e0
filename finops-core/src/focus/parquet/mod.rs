//! FOCUS Parquet: a streaming FOCUS 1.2 writer and a streaming reader of FOCUS-ish Parquet
//! files of any version (feature `parquet`).
//!
//! # Writing
//!
//! [`FocusParquetWriter`] writes the 57 FOCUS 1.2 columns in [`Column::ALL`] order, then the
//! extension columns (known up front, as for [`FocusCsvWriter`](super::csv::FocusCsvWriter)).
//! Arrow types: text and allowed-value columns `Utf8`; money, prices and quantities
//! `Decimal128(38, 18)` (a value with more than 18 decimal places, or too large, is an error
//! naming the row and column, never rounded); times `Timestamp(Microsecond, "UTC")` (a
//! sub-microsecond instant is an error); `Tags`/`SkuPriceDetails` as JSON text; extensions
//! `Utf8`. Columns FOCUS declares non-null are non-nullable fields. Rows are converted into
//! Arrow arrays batch by batch ([`ParquetWriteOptions::batch_size`], 8,192 by default) and
//! row groups hold at most [`ParquetWriteOptions::row_group_rows`] rows (65,536), so memory
//! is bounded by a row group, not the file. Compression is zstd. The file is written through
//! [`AtomicFile`] and appears only when [`FocusParquetWriter::finish`] succeeds.
//!
//! # Reading
//!
//! [`FocusParquetReader`] reads record batches and maps columns by **name** with the same
//! [`HeaderMap`] as the CSV reader. Accepted Arrow types: `Utf8`, `LargeUtf8`, `Utf8View`
//! and dictionaries of them; `Decimal128`/`Decimal256` of any scale (exact); `Float32`/
//! `Float64` (converted from the shortest decimal text that round-trips, so `0.1` stays
//! `0.1`); integers; booleans; `Timestamp` of any unit (with a time zone, or none meaning
//! UTC); `Date32`/`Date64` (midnight UTC); `Map<Utf8, _>` and `Struct` (as a JSON object,
//! for Tags). Errors name the file, the 1-based **row** number (in [`Location::line`]) and
//! the column.

use super::csv::{
    BadRow, BadRows, ReadOptions, RowOutcome, cell_errors, check_extension_names,
    check_record_extensions,
};
use super::versions::{FocusVersion, HeaderMap};
use super::{Column, ColumnKind, CostRecord, Value};
use crate::error::Location;
use crate::fs::AtomicFile;
use crate::{Decimal, Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, TimeZone, Utc};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

mod bounded;
pub use bounded::{DECIMAL_WRITE_ROWS, decimal_statistics_off, write_batch_bounded};

/// Precision of the money/quantity columns written.
pub const DECIMAL_PRECISION: u8 = 38;
/// Scale of the money/quantity columns written.
pub const DECIMAL_SCALE: i8 = 18;
const TEN_POW_38: i128 = 100_000_000_000_000_000_000_000_000_000_000_000_000;

/// Options of [`FocusParquetWriter`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ParquetWriteOptions {
    /// Rows per Arrow record batch (default 8,192).
    pub batch_size: usize,
    /// Maximum rows per Parquet row group (default 65,536).
    pub row_group_rows: usize,
}

impl ParquetWriteOptions {
    /// Rows per Arrow record batch (at least 1).
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.batch_size = rows.max(1);
        self
    }

    /// Maximum rows per Parquet row group (at least 1).
    pub fn with_row_group_rows(mut self, rows: usize) -> Self {
        self.row_group_rows = rows.max(1);
        self
    }
}

impl Default for ParquetWriteOptions {
    fn default() -> Self {
        ParquetWriteOptions {
            batch_size: 8192,
            row_group_rows: 65_536,
        }
    }
}

/// The Arrow field of a FOCUS column as written.
pub fn focus_field(c: Column) -> Field {
    let dt = match c.kind() {
        ColumnKind::Decimal => DataType::Decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
        ColumnKind::DateTime => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        ColumnKind::Json | ColumnKind::String => DataType::Utf8,
    };
    Field::new(c.name(), dt, c.allows_nulls())
}

/// The Arrow schema of a FOCUS 1.2 file with these extension columns.
pub fn focus_schema(extensions: &[String]) -> Schema {
    let fields: Vec<Field> = Column::ALL
        .iter()
        .map(|c| focus_field(*c))
        .chain(
            extensions
                .iter()
                .map(|n| Field::new(n.as_str(), DataType::Utf8, true)),
        )
        .collect();
    Schema::new(fields)
}

/// Column buffers of the batch being filled.
enum Buf {
    Dec(Vec<Option<i128>>),
    Time(Vec<Option<i64>>),
    Str(Vec<Option<String>>),
}

/// A decimal as an `i128` with scale 18, if it fits `Decimal128(38, 18)` exactly.
pub fn decimal_to_i128_scale18(d: Decimal) -> std::result::Result<i128, String> {
    let n = d.normalize();
    let scale = n.scale() as i8;
    if scale > DECIMAL_SCALE {
        return Err(format!(
            "{n} has {scale} decimal places; Parquet Decimal128(38, 18) keeps at most 18"
        ));
    }
    let factor = 10i128.pow((DECIMAL_SCALE - scale) as u32);
    n.mantissa()
        .checked_mul(factor)
        .filter(|v| v.abs() < TEN_POW_38)
        .ok_or_else(|| format!("{n} is too large for Parquet Decimal128(38, 18)"))
}

/// Streaming FOCUS 1.2 Parquet writer; see the module docs.
pub struct FocusParquetWriter {
    path: String,
    schema: Option<SchemaRef>,
    extensions: Option<Vec<String>>,
    ext_set: HashSet<String>,
    file: Option<AtomicFile>,
    writer: Option<ArrowWriter<AtomicFile>>,
    opts: ParquetWriteOptions,
    bufs: Vec<Buf>,
    rows: u64,
    pending: usize,
}

impl std::fmt::Debug for FocusParquetWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FocusParquetWriter")
            .field("path", &self.path)
            .field("extensions", &self.extensions)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

fn pq_err(path: &str, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.to_string(),
        source: std::io::Error::other(format!("parquet: {e}")),
    }
}

impl FocusParquetWriter {
    /// Start writing `path` with these extension columns.
    pub fn create(path: impl AsRef<Path>, extensions: &[String]) -> Result<Self> {
        Self::create_with(
            path,
            Some(extensions.to_vec()),
            ParquetWriteOptions::default(),
        )
    }

    /// Start writing `path`, taking the extension columns from the first record.
    pub fn create_inferred(path: impl AsRef<Path>) -> Result<Self> {
        Self::create_with(path, None, ParquetWriteOptions::default())
    }

    /// Start writing `path`; `extensions: None` takes them from the first record.
    pub fn create_with(
        path: impl AsRef<Path>,
        extensions: Option<Vec<String>>,
        opts: ParquetWriteOptions,
    ) -> Result<Self> {
        let path = path.as_ref();
        let file = AtomicFile::create(path)?;
        let mut w = FocusParquetWriter {
            path: path.display().to_string(),
            schema: None,
            extensions: None,
            ext_set: HashSet::new(),
            file: Some(file),
            writer: None,
            opts: ParquetWriteOptions {
                batch_size: opts.batch_size.max(1),
                row_group_rows: opts.row_group_rows.max(1),
            },
            bufs: Vec::new(),
            rows: 0,
            pending: 0,
        };
        if let Some(ext) = extensions {
            w.set_header(ext)?;
        }
        Ok(w)
    }

    fn set_header(&mut self, ext: Vec<String>) -> Result<()> {
        self.ext_set = check_extension_names(&ext)?;
        let schema = Arc::new(focus_schema(&ext));
        let props = decimal_statistics_off(
            &schema,
            WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_max_row_group_row_count(Some(self.opts.row_group_rows))
                .set_created_by("finops-rs".to_string()),
        )
        .build();
        let file = self
            .file
            .take()
            .ok_or_else(|| Error::InvalidArgument(format!("{}: writer finished", self.path)))?;
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| pq_err(&self.path, e))?;
        self.bufs = Column::ALL
            .iter()
            .map(|c| match c.kind() {
                ColumnKind::Decimal => Buf::Dec(Vec::new()),
                ColumnKind::DateTime => Buf::Time(Vec::new()),
                _ => Buf::Str(Vec::new()),
            })
            .chain(ext.iter().map(|_| Buf::Str(Vec::new())))
            .collect();
        self.schema = Some(schema);
        self.writer = Some(writer);
        self.extensions = Some(ext);
        Ok(())
    }

    /// The extension columns of the file (`None` until known).
    pub fn extensions(&self) -> Option<&[String]> {
        self.extensions.as_deref()
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Write one record (buffered into the current batch).
    pub fn write(&mut self, rec: &CostRecord) -> Result<()> {
        if self.extensions.is_none() {
            self.set_header(rec.extensions.names().map(str::to_string).collect())?;
        }
        let row = self.rows + 1;
        check_record_extensions(&self.path, row, rec, &self.ext_set)?;
        // Convert every cell first so a bad value leaves the batch untouched.
        let mut decs = [None; 57];
        let mut times = [None; 57];
        for (i, c) in Column::ALL.iter().enumerate() {
            let at = |message: String| Error::Parse {
                location: Location {
                    file: self.path.clone(),
                    line: Some(row),
                    column: Some(c.name().to_string()),
                },
                message,
            };
            match rec.get(*c) {
                Value::Decimal(d) => decs[i] = Some(decimal_to_i128_scale18(d).map_err(at)?),
                Value::Time(t) => {
                    if t.timestamp_subsec_nanos() % 1000 != 0 {
                        return Err(at(format!(
                            "{t} has sub-microsecond precision; Parquet timestamps keep microseconds"
                        )));
                    }
                    times[i] = Some(t.timestamp_micros());
                }
                _ => {}
            }
        }
        for (i, c) in Column::ALL.iter().enumerate() {
            match &mut self.bufs[i] {
                Buf::Dec(v) => v.push(decs[i]),
                Buf::Time(v) => v.push(times[i]),
                Buf::Str(v) => v.push(rec.get(*c).to_text()),
            }
        }
        if let Some(ext) = &self.extensions {
            for (k, name) in ext.iter().enumerate() {
                if let Some(Buf::Str(v)) = self.bufs.get_mut(57 + k) {
                    v.push(rec.extensions.get(name).map(str::to_string));
                }
            }
        }
        self.rows = row;
        self.pending += 1;
        if self.pending >= self.opts.batch_size {
            self.flush_batch()?;
        }
        Ok(())
    }

    /// Write every record of an iterator of results (stops at the first error).
    pub fn write_all<I>(&mut self, records: I) -> Result<()>
    where
        I: IntoIterator<Item = Result<CostRecord>>,
    {
        for r in records {
            self.write(&r?)?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let path = self.path.clone();
        let schema = self
            .schema
            .clone()
            .ok_or_else(|| Error::InvalidArgument(format!("{path}: no schema")))?;
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.bufs.len());
        for b in &mut self.bufs {
            let a: ArrayRef = match b {
                Buf::Dec(v) => Arc::new(
                    Decimal128Array::from(std::mem::take(v))
                        .with_precision_and_scale(DECIMAL_PRECISION, DECIMAL_SCALE)
                        .map_err(|e| pq_err(&path, e))?,
                ),
                Buf::Time(v) => Arc::new(
                    TimestampMicrosecondArray::from(std::mem::take(v)).with_timezone("UTC"),
                ),
                Buf::Str(v) => Arc::new(StringArray::from(std::mem::take(v))),
            };
            arrays.push(a);
        }
        let batch = RecordBatch::try_new(schema, arrays).map_err(|e| pq_err(&path, e))?;
        let w = self
            .writer
            .as_mut()
            .ok_or_else(|| Error::InvalidArgument(format!("{path}: writer finished")))?;
        write_batch_bounded(w, &batch).map_err(|e| pq_err(&path, e))?;
        self.pending = 0;
        Ok(())
    }

    /// Write the last batch and the footer, and publish the file atomically. Returns the
    /// number of rows.
    pub fn finish(mut self) -> Result<u64> {
        if self.extensions.is_none() {
            self.set_header(Vec::new())?;
        }
        self.flush_batch()?;
        let path = self.path.clone();
        let w = self
            .writer
            .take()
            .ok_or_else(|| Error::InvalidArgument(format!("{path}: writer finished")))?;
        let file = w.into_inner().map_err(|e| pq_err(&path, e))?;
        file.commit()?;
        Ok(self.rows)
    }
}

/// Write `records` to a FOCUS 1.2 Parquet file, atomically. The extension columns are the
/// union over the records, in first-seen order.
pub fn write_parquet_file(path: impl AsRef<Path>, records: &[CostRecord]) -> Result<()> {
    let ext = super::csv::union_extensions(records);
    let mut w = FocusParquetWriter::create(path, &ext)?;
    for r in records {
        w.write(r)?;
    }
    w.finish()?;
    Ok(())
}

/// Read a whole Parquet file into memory (stops at the first bad row).
pub fn read_parquet_file(path: impl AsRef<Path>) -> Result<Vec<CostRecord>> {
    FocusParquetReader::open(path)?.collect()
}

/// A column of the current batch, prepared for cell access.
enum View {
    Plain(ArrayRef),
    /// A dictionary: normalized keys and the values array.
    Dict(ArrayRef, Vec<usize>, ArrayRef),
}

/// Streaming reader of FOCUS Parquet files of any version; see the module docs.
pub struct FocusParquetReader {
    file: String,
    batches: ParquetRecordBatchReader,
    map: HeaderMap,
    opts: ReadOptions,
    views: Vec<View>,
    batch_rows: usize,
    next_in_batch: usize,
    row: u64,
    bad: BadRows,
    done: bool,
    cells: Vec<Option<String>>,
}

impl std::fmt::Debug for FocusParquetReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FocusParquetReader")
            .field("file", &self.file)
            .field("version", &self.map.version())
            .field("row", &self.row)
            .finish_non_exhaustive()
    }
}

impl FocusParquetReader {
    /// Open a Parquet file with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, ReadOptions::default())
    }

    /// Open a Parquet file.
    pub fn open_with(path: impl AsRef<Path>, opts: ReadOptions) -> Result<Self> {
        let path = path.as_ref();
        let label = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| Error::Parse {
            location: Location {
                file: label.clone(),
                line: None,
                column: None,
            },
            message: format!("not a readable Parquet file: {e}"),
        })?;
        let names: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let map = HeaderMap::new(&names).map_err(|e| Error::Parse {
            location: Location {
                file: label.clone(),
                line: None,
                column: e.column,
            },
            message: e.message,
        })?;
        if let Some(c) = map
            .missing_required()
            .first()
            .filter(|_| opts.require_columns)
        {
            return Err(Error::MissingColumn {
                file: label,
                column: c.name().to_string(),
            });
        }
        let batches = builder
            .with_batch_size(8192)
            .build()
            .map_err(|e| pq_err(&label, e))?;
        Ok(FocusParquetReader {
            file: label,
            batches,
            map,
            opts,
            views: Vec::new(),
            batch_rows: 0,
            next_in_batch: 0,
            row: 0,
            bad: BadRows::default(),
            done: false,
            cells: Vec::new(),
        })
    }

    /// The column mapping (FOCUS version, slots, derived columns).
    pub fn header(&self) -> &HeaderMap {
        &self.map
    }

    /// The detected FOCUS version.
    pub fn version(&self) -> Option<FocusVersion> {
        self.map.version()
    }

    /// The bad-row log (filled only with [`ReadOptions::collect_bad_rows`]).
    pub fn bad_rows(&self) -> BadRows {
        self.bad.clone()
    }

    fn load_batch(&mut self) -> Option<Result<()>> {
        let batch = match self.batches.next()? {
            Ok(b) => b,
            Err(e) => return Some(Err(pq_err(&self.file, e))),
        };
        self.views = batch
            .columns()
            .iter()
            .map(|a| match a.data_type() {
                DataType::Dictionary(_, _) => {
                    let d = a.as_any_dictionary();
                    let values = d.values().clone();
                    let keys = if values.is_empty() {
                        vec![0; a.len()]
                    } else {
                        d.normalized_keys()
                    };
                    View::Dict(a.clone(), keys, values)
                }
                _ => View::Plain(a.clone()),
            })
            .collect();
        self.batch_rows = batch.num_rows();
        self.next_in_batch = 0;
        Some(Ok(()))
    }

    pub(crate) fn next_outcome(&mut self) -> Option<RowOutcome> {
        if self.done {
            return None;
        }
        while self.next_in_batch >= self.batch_rows {
            match self.load_batch() {
                None => {
                    self.done = true;
                    return None;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(RowOutcome::Fatal(e));
                }
                Some(Ok(())) => {}
            }
        }
        let i = self.next_in_batch;
        self.next_in_batch += 1;
        self.row += 1;
        let row = self.row;
        self.cells.clear();
        let mut errors = Vec::new();
        for (k, v) in self.views.iter().enumerate() {
            let cell = match v {
                View::Plain(a) => cell_text(a.as_ref(), i),
                View::Dict(a, keys, values) => {
                    if a.is_null(i) || values.is_empty() {
                        Ok(None)
                    } else {
                        cell_text(values.as_ref(), keys[i])
                    }
                }
            };
            match cell {
                Ok(c) => self.cells.push(c),
                Err(message) => {
                    errors.push(Error::Parse {
                        location: Location {
                            file: self.file.clone(),
                            line: Some(row),
                            column: self.map.names().get(k).cloned(),
                        },
                        message,
                    });
                    self.cells.push(None);
                }
            }
        }
        if !errors.is_empty() {
            return Some(RowOutcome::Bad(row, errors));
        }
        Some(
            match self
                .map
                .build_record(self.cells.iter().map(|c| c.as_deref()))
            {
                Ok(r) => RowOutcome::Good(row, Box::new(r)),
                Err(errs) => RowOutcome::Bad(row, cell_errors(&self.file, row, errs)),
            },
        )
    }
}

impl Iterator for FocusParquetReader {
    type Item = Result<CostRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.next_outcome()? {
                RowOutcome::Good(_, r) => return Some(Ok(*r)),
                RowOutcome::Fatal(e) => return Some(Err(e)),
                RowOutcome::Bad(line, mut errs) => {
                    let first = errs.swap_remove(0);
                    if self.opts.collect_bad_rows {
                        self.bad.push(BadRow { line, error: first });
                    } else {
                        return Some(Err(first));
                    }
                }
            }
        }
    }
}

/// Insert a decimal point `scale` digits from the right of an integer's digits.
fn scaled_text(digits: String, scale: i32) -> String {
    let (neg, digits) = match digits.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, digits),
    };
    let body = if scale <= 0 {
        let mut s = digits;
        if s != "0" {
            s.extend(std::iter::repeat_n('0', (-scale) as usize));
        }
        s
    } else {
        let scale = scale as usize;
        let padded = if digits.len() <= scale {
            format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
        } else {
            digits
        };
        let (int, frac) = padded.split_at(padded.len() - scale);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            int.to_string()
        } else {
            format!("{int}.{frac}")
        }
    };
    if neg { format!("-{body}") } else { body }
}

fn time_from(v: i64, unit: &TimeUnit) -> std::result::Result<DateTime<Utc>, String> {
    let t = match unit {
        TimeUnit::Second => Utc.timestamp_opt(v, 0).single(),
        TimeUnit::Millisecond => Utc.timestamp_millis_opt(v).single(),
        TimeUnit::Microsecond => DateTime::from_timestamp_micros(v),
        TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(v)),
    };
    t.ok_or_else(|| format!("timestamp {v} ({unit:?}) is out of range"))
}

/// A Parquet (Arrow) cell as the text FOCUS 1.2 columns are parsed from (`None` for null):
/// decimals exact, floats as their shortest round-trip text, times as `YYYY-MM-DDTHH:mm:ssZ`,
/// maps and structs as JSON. Also used by finops-azure's ingestion to convert Parquet exports.
pub fn cell_text(a: &dyn Array, i: usize) -> std::result::Result<Option<String>, String> {
    if a.is_null(i) {
        return Ok(None);
    }
    let text = match a.data_type() {
        DataType::Null => return Ok(None),
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => a.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => a.as_string_view().value(i).to_string(),
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).to_string(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).to_string(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).to_string(),
        DataType::Float32 => {
            let v = a.as_primitive::<Float32Type>().value(i);
            if !v.is_finite() {
                return Err(format!("{v} is not a number FOCUS allows"));
            }
            // Display prints the shortest decimal that reads back as the same float.
            v.to_string()
        }
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(i);
            if !v.is_finite() {
                return Err(format!("{v} is not a number FOCUS allows"));
            }
            v.to_string()
        }
        DataType::Decimal128(_, s) => scaled_text(
            a.as_primitive::<arrow_array::types::Decimal128Type>()
                .value(i)
                .to_string(),
            *s as i32,
        ),
        DataType::Decimal256(_, s) => scaled_text(
            a.as_primitive::<arrow_array::types::Decimal256Type>()
                .value(i)
                .to_string(),
            *s as i32,
        ),
        DataType::Timestamp(unit, _) => {
            // Arrow timestamps are UTC instants whatever the zone; no zone is read as UTC.
            let v = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i),
                TimeUnit::Millisecond => a.as_primitive::<TimestampMillisecondType>().value(i),
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(i),
            };
            super::csv::time_text(time_from(v, unit)?)
        }
        DataType::Date32 => {
            let days = a.as_primitive::<Date32Type>().value(i);
            super::csv::time_text(time_from(i64::from(days) * 86_400, &TimeUnit::Second)?)
        }
        DataType::Date64 => {
            let ms = a.as_primitive::<Date64Type>().value(i);
            super::csv::time_text(time_from(ms, &TimeUnit::Millisecond)?)
        }
        DataType::Map(_, _) => {
            let m = a.as_map();
            let entries = m.value(i);
            let keys = entries.column(0);
            let values = entries.column(1);
            let mut obj = super::JsonObject::new();
            for k in 0..entries.len() {
                let key = cell_text(keys.as_ref(), k)?.unwrap_or_default();
                obj.insert(key, json_cell(values.as_ref(), k)?);
            }
            serde_json::Value::Object(obj).to_string()
        }
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let mut obj = super::JsonObject::new();
            for (f, col) in fields.iter().zip(s.columns()) {
                obj.insert(f.name().clone(), json_cell(col.as_ref(), i)?);
            }
            serde_json::Value::Object(obj).to_string()
        }
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let values = d.values();
            let key = d.normalized_keys().get(i).copied().unwrap_or(0);
            return cell_text(values.as_ref(), key);
        }
        other => return Err(format!("unsupported Parquet type {other}")),
    };
    Ok(Some(text))
}

/// A cell as a JSON scalar (strings stay strings; numbers and booleans keep their type).
fn json_cell(a: &dyn Array, i: usize) -> std::result::Result<serde_json::Value, String> {
    let Some(text) = cell_text(a, i)? else {
        return Ok(serde_json::Value::Null);
    };
    Ok(match a.data_type() {
        DataType::Boolean => serde_json::Value::Bool(text == "true"),
        dt if dt.is_numeric() => serde_json::from_str::<serde_json::Number>(&text)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::String(text)),
        _ => serde_json::Value::String(text),
    })
}

#[cfg(test)]
mod tests;
