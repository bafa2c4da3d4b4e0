//! FOCUS CSV and CSV.gz: a streaming reader of every FOCUS version and a streaming FOCUS 1.2
//! writer.
//!
//! # Reading
//!
//! [`FocusCsvReader`] opens a `.csv` or `.csv.gz` file (gzip is recognised by its magic
//! bytes, whatever the name) or wraps any [`Read`]. Cells are keyed by header **name** and
//! mapped to FOCUS 1.2 by [`HeaderMap`] (older names, derived columns, extensions kept in
//! order under their original names). It is an iterator of `Result<CostRecord>` that holds
//! one row at a time. A bad cell gives [`Error::Parse`] naming the file, the line (the header
//! is line 1; a row spanning several lines is named by its first) and the column as written
//! in the file; a missing required column gives [`Error::MissingColumn`] when the reader is
//! opened. With [`ReadOptions::collect_bad_rows`] bad rows are set aside in a [`BadRows`]
//! log and reading goes on. Times are accepted with or without seconds (FOCUS 1.0r2),
//! with an offset, or as a bare date; a UTF-8 BOM is ignored.
//!
//! # Writing
//!
//! [`FocusCsvWriter`] writes FOCUS 1.2: the 57 columns in [`Column::ALL`] order, then the
//! extension columns. The extension header must be known before the first row: pass the
//! list to [`FocusCsvWriter::create`], or use [`FocusCsvWriter::create_inferred`] to take it
//! from the first record. A later record with an extension outside that list is an error
//! (never dropped silently); a record lacking one of them gets an empty cell. Decimals are
//! written with [`format_focus_decimal`] (always with a fractional part, so type inference
//! sees a decimal), times as `YYYY-MM-DDTHH:mm:ssZ` (fractional seconds only when the
//! instant has them), nulls as empty cells, `Tags`/`SkuPriceDetails` as JSON with their key
//! order. A path ending in `.gz` is gzip-compressed. The file is written through
//! [`AtomicFile`] and appears only when [`FocusCsvWriter::finish`] succeeds.
//!
//! An empty string in an optional text column is written as an empty cell and so reads back
//! as null (FOCUS forbids empty strings standing for null; [`check`](super::check) flags
//! them).
//!
//! # Example
//!
//! ```
//! use finops_core::focus::csv::{FocusCsvReader, FocusCsvWriter, ReadOptions};
//! use finops_core::focus::{ChargeCategory, ServiceCategory};
//! use finops_core::{CostRecord, Currency, Decimal, Period};
//! use chrono::NaiveDate;
//!
//! let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
//! let mut rec = CostRecord::new(
//!     "OVHcloud", "ab123-ovh", Currency::EUR, Period::month_of(day), Period::day(day),
//!     ChargeCategory::Usage, "Public Cloud Instance", ServiceCategory::Compute,
//!     Decimal::from_str_exact("0.0123456789")?,
//! );
//! rec.extensions.set("x_Project", Some("p-1".into()));
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("costs.csv.gz"); // gzip because of the name
//! let mut w = FocusCsvWriter::create(&path, &["x_Project".to_string()])?;
//! w.write(&rec)?;
//! w.finish()?; // the file appears only now
//!
//! let reader = FocusCsvReader::open_with(&path, ReadOptions::collecting())?;
//! let bad = reader.bad_rows();
//! let back: Vec<CostRecord> = reader.collect::<finops_core::Result<_>>()?;
//! assert_eq!(back, vec![rec]);
//! assert!(bad.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::versions::{CellError, FocusVersion, HeaderMap};
use super::{Column, CostRecord, Value, format_focus_decimal};
use crate::error::Location;
use crate::fs::AtomicFile;
use crate::{Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Options of the readers (CSV and Parquet).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Set bad rows aside in the reader's [`BadRows`] log and go on, instead of yielding
    /// their error.
    pub collect_bad_rows: bool,
    /// Refuse a file that lacks a required column (the default). Only the file checker
    /// turns this off, to report every problem of a file at once.
    pub(crate) require_columns: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            collect_bad_rows: false,
            require_columns: true,
        }
    }
}

impl ReadOptions {
    /// Options that collect bad rows instead of yielding their errors.
    pub fn collecting() -> Self {
        ReadOptions {
            collect_bad_rows: true,
            ..ReadOptions::default()
        }
    }
}

/// A row set aside by a reader in collect mode.
#[derive(Debug)]
pub struct BadRow {
    /// The row's line (CSV, header = 1) or 1-based row number (Parquet).
    pub line: u64,
    /// Its first problem (with file, line and column).
    pub error: Error,
}

/// The log of bad rows of a reader in collect mode; a cheap handle that stays valid after
/// the reader was moved into an iterator chain.
#[derive(Debug, Clone, Default)]
pub struct BadRows(Arc<Mutex<Vec<BadRow>>>);

impl BadRows {
    pub(crate) fn push(&self, row: BadRow) {
        if let Ok(mut v) = self.0.lock() {
            v.push(row);
        }
    }

    /// How many rows were set aside so far.
    pub fn len(&self) -> usize {
        self.0.lock().map(|v| v.len()).unwrap_or(0)
    }

    /// Whether no row was set aside.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Take the rows set aside so far (the log is left empty).
    pub fn take(&self) -> Vec<BadRow> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Turn a row's cell problems into errors with file, line and column.
pub(crate) fn cell_errors(file: &str, line: u64, errs: Vec<CellError>) -> Vec<Error> {
    errs.into_iter()
        .map(|e| Error::Parse {
            location: Location {
                file: file.to_string(),
                line: Some(line),
                column: e.column,
            },
            message: e.message,
        })
        .collect()
}

/// The outcome of reading one row, with every problem of a bad row.
#[derive(Debug)]
pub(crate) enum RowOutcome {
    Good(u64, Box<CostRecord>),
    Bad(u64, Vec<Error>),
    /// The file cannot be read on (I/O, corrupt gzip): no more rows.
    Fatal(Error),
}

/// Streaming reader of FOCUS CSV / CSV.gz files of any version; see the module docs.
pub struct FocusCsvReader {
    file: String,
    csv: csv::Reader<Box<dyn Read + Send>>,
    map: HeaderMap,
    opts: ReadOptions,
    row: csv::StringRecord,
    bad: BadRows,
    done: bool,
}

impl std::fmt::Debug for FocusCsvReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FocusCsvReader")
            .field("file", &self.file)
            .field("version", &self.map.version())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// Decompress gzip (possibly multi-member) when the stream starts with the gzip magic bytes.
fn maybe_gunzip(reader: Box<dyn Read + Send>) -> std::io::Result<Box<dyn Read + Send>> {
    let mut r = BufReader::with_capacity(256 * 1024, reader);
    let head = r.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(r),
        )))
    } else {
        Ok(Box::new(r))
    }
}

impl FocusCsvReader {
    /// Open a `.csv` or `.csv.gz` file with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, ReadOptions::default())
    }

    /// Open a `.csv` or `.csv.gz` file.
    pub fn open_with(path: impl AsRef<Path>, opts: ReadOptions) -> Result<Self> {
        let path = path.as_ref();
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::from_reader(Box::new(f), path.display().to_string(), opts)
    }

    /// Read CSV or gzip-compressed CSV (recognised by its magic bytes) from any reader;
    /// `label` names it in errors.
    pub fn from_reader(
        reader: Box<dyn Read + Send>,
        label: impl Into<String>,
        opts: ReadOptions,
    ) -> Result<Self> {
        let file = label.into();
        let reader = maybe_gunzip(reader).map_err(|e| Error::io(&file, e))?;
        // Records end at '\n' only (a '\r' before it is removed from the last cell): with
        // the csv crate's default CRLF terminator the '\n' of "\r\n" is consumed with the
        // next record, which makes every line number of a CRLF file one too small.
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(reader);
        let header = csv
            .headers()
            .map_err(|e| csv_error(&file, e, Some(1)))?
            .clone();
        let map = HeaderMap::new(header.iter()).map_err(|e| Error::Parse {
            location: Location {
                file: file.clone(),
                line: Some(1),
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
                file,
                column: c.name().to_string(),
            });
        }
        Ok(FocusCsvReader {
            file,
            csv,
            map,
            opts,
            row: csv::StringRecord::new(),
            bad: BadRows::default(),
            done: false,
        })
    }

    /// The header mapping (FOCUS version, slots, derived columns).
    pub fn header(&self) -> &HeaderMap {
        &self.map
    }

    /// The detected FOCUS version.
    pub fn version(&self) -> Option<FocusVersion> {
        self.map.version()
    }

    /// The file name used in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The bad-row log (filled only with [`ReadOptions::collect_bad_rows`]).
    pub fn bad_rows(&self) -> BadRows {
        self.bad.clone()
    }

    pub(crate) fn next_outcome(&mut self) -> Option<RowOutcome> {
        if self.done {
            return None;
        }
        let read = loop {
            let r = self.csv.read_record(&mut self.row);
            // A blank CRLF line reads as one cell holding "\r": skip it like a blank line.
            if matches!(r, Ok(true)) && self.row.len() == 1 && self.row[0].trim().is_empty() {
                continue;
            }
            break r;
        };
        match read {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                let line = self.row.position().map_or(0, |p| p.line());
                let last = self.row.len().saturating_sub(1);
                let cells = self.row.iter().enumerate().map(|(i, c)| {
                    Some(if i == last {
                        c.strip_suffix('\r').unwrap_or(c)
                    } else {
                        c
                    })
                });
                Some(match self.map.build_record(cells) {
                    Ok(r) => RowOutcome::Good(line, Box::new(r)),
                    Err(errs) => RowOutcome::Bad(line, cell_errors(&self.file, line, errs)),
                })
            }
            Err(e) => {
                let line = e.position().map(|p| p.line());
                let recoverable = matches!(e.kind(), csv::ErrorKind::Utf8 { .. });
                let err = csv_error(&self.file, e, line);
                if recoverable {
                    Some(RowOutcome::Bad(line.unwrap_or(0), vec![err]))
                } else {
                    self.done = true;
                    Some(RowOutcome::Fatal(err))
                }
            }
        }
    }
}

fn csv_error(file: &str, e: csv::Error, line: Option<u64>) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io {
            path: file.to_string(),
            source: io,
        },
        csv::ErrorKind::Utf8 { err, .. } => Error::Parse {
            location: Location {
                file: file.to_string(),
                line,
                column: None,
            },
            message: format!("not valid UTF-8: {err}"),
        },
        other => Error::Parse {
            location: Location {
                file: file.to_string(),
                line,
                column: None,
            },
            message: format!("malformed CSV: {other:?}"),
        },
    }
}

impl Iterator for FocusCsvReader {
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

/// Where the CSV bytes go: straight to the atomic file or through gzip.
enum Sink {
    Plain(AtomicFile),
    Gzip(Box<flate2::write::GzEncoder<AtomicFile>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(f) => f.write(buf),
            Sink::Gzip(g) => g.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(f) => f.flush(),
            Sink::Gzip(g) => g.flush(),
        }
    }
}

/// Options of [`FocusCsvWriter`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CsvWriteOptions {
    /// Compress with gzip; `None` (default) decides from the path (`.gz` suffix).
    pub gzip: Option<bool>,
}

impl CsvWriteOptions {
    /// Force gzip on or off, whatever the path.
    pub fn with_gzip(mut self, gzip: bool) -> Self {
        self.gzip = Some(gzip);
        self
    }
}

/// Streaming FOCUS 1.2 CSV writer; see the module docs.
pub struct FocusCsvWriter {
    path: String,
    out: Option<csv::Writer<Sink>>,
    gzip: bool,
    extensions: Option<Vec<String>>,
    ext_set: HashSet<String>,
    rows: u64,
    cells: Vec<String>,
}

impl std::fmt::Debug for FocusCsvWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FocusCsvWriter")
            .field("path", &self.path)
            .field("gzip", &self.gzip)
            .field("extensions", &self.extensions)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

fn is_gz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

impl FocusCsvWriter {
    /// Start writing `path` with these extension columns (after the 57 FOCUS columns, in
    /// this order). Gzip when the path ends in `.gz`.
    pub fn create(path: impl AsRef<Path>, extensions: &[String]) -> Result<Self> {
        Self::create_with(path, Some(extensions.to_vec()), CsvWriteOptions::default())
    }

    /// Start writing `path`, taking the extension columns from the first record written.
    pub fn create_inferred(path: impl AsRef<Path>) -> Result<Self> {
        Self::create_with(path, None, CsvWriteOptions::default())
    }

    /// Start writing `path`; `extensions: None` takes them from the first record.
    pub fn create_with(
        path: impl AsRef<Path>,
        extensions: Option<Vec<String>>,
        opts: CsvWriteOptions,
    ) -> Result<Self> {
        let path = path.as_ref();
        let gzip = opts.gzip.unwrap_or_else(|| is_gz(path));
        let file = AtomicFile::create(path)?;
        let sink = if gzip {
            Sink::Gzip(Box::new(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::default(),
            )))
        } else {
            Sink::Plain(file)
        };
        let out = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(sink);
        let mut w = FocusCsvWriter {
            path: path.display().to_string(),
            out: Some(out),
            gzip,
            extensions: None,
            ext_set: HashSet::new(),
            rows: 0,
            cells: Vec::new(),
        };
        if let Some(ext) = extensions {
            w.set_header(ext)?;
        }
        Ok(w)
    }

    fn set_header(&mut self, ext: Vec<String>) -> Result<()> {
        self.ext_set = check_extension_names(&ext)?;
        let path = self.path.clone();
        let out = self.writer()?;
        let header = Column::ALL
            .iter()
            .map(|c| c.name())
            .chain(ext.iter().map(String::as_str));
        out.write_record(header)
            .map_err(|e| write_error(&path, e))?;
        self.extensions = Some(ext);
        Ok(())
    }

    fn writer(&mut self) -> Result<&mut csv::Writer<Sink>> {
        let path = &self.path;
        self.out
            .as_mut()
            .ok_or_else(|| Error::InvalidArgument(format!("{path}: writer already finished")))
    }

    /// The extension columns of the file (`None` until known).
    pub fn extensions(&self) -> Option<&[String]> {
        self.extensions.as_deref()
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Write one record.
    pub fn write(&mut self, rec: &CostRecord) -> Result<()> {
        if self.extensions.is_none() {
            self.set_header(rec.extensions.names().map(str::to_string).collect())?;
        }
        let row = self.rows + 1;
        check_record_extensions(&self.path, row, rec, &self.ext_set)?;
        self.cells.clear();
        for c in Column::ALL {
            self.cells.push(cell_text(rec.get(c)));
        }
        if let Some(ext) = &self.extensions {
            for name in ext {
                self.cells
                    .push(rec.extensions.get(name).unwrap_or("").to_string());
            }
        }
        let path = self.path.clone();
        let cells = std::mem::take(&mut self.cells);
        let res = self.writer()?.write_record(&cells);
        self.cells = cells;
        res.map_err(|e| write_error(&path, e))?;
        self.rows = row;
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

    /// Flush, finish gzip and publish the file atomically. Returns the number of rows.
    pub fn finish(mut self) -> Result<u64> {
        if self.extensions.is_none() {
            self.set_header(Vec::new())?;
        }
        let path = self.path.clone();
        let out = self
            .out
            .take()
            .ok_or_else(|| Error::InvalidArgument(format!("{path}: writer already finished")))?;
        let sink = out
            .into_inner()
            .map_err(|e| Error::io(&path, std::io::Error::other(e.error().to_string())))?;
        let file = match sink {
            Sink::Plain(f) => f,
            Sink::Gzip(g) => g.finish().map_err(|e| Error::io(&path, e))?,
        };
        file.commit()?;
        Ok(self.rows)
    }
}

pub(crate) fn check_extension_names(ext: &[String]) -> Result<HashSet<String>> {
    let mut set = HashSet::new();
    for n in ext {
        if Column::from_name(n).is_some() {
            return Err(Error::InvalidArgument(format!(
                "extension column {n:?} has the name of a FOCUS column"
            )));
        }
        if !set.insert(n.clone()) {
            return Err(Error::InvalidArgument(format!(
                "extension column {n:?} is listed twice"
            )));
        }
    }
    Ok(set)
}

pub(crate) fn check_record_extensions(
    path: &str,
    row: u64,
    rec: &CostRecord,
    set: &HashSet<String>,
) -> Result<()> {
    for name in rec.extensions.names() {
        if !set.contains(name) {
            return Err(Error::InvalidArgument(format!(
                "{path}: record {row} has extension column {name:?}, which is not in the file's \
                 extension columns {:?}; pass the full list when creating the writer",
                {
                    let mut v: Vec<_> = set.iter().collect();
                    v.sort();
                    v
                }
            )));
        }
    }
    Ok(())
}

fn write_error(path: &str, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::Io {
            path: path.to_string(),
            source: std::io::Error::other(format!("{other:?}")),
        },
    }
}

/// Format a time for a FOCUS file: `YYYY-MM-DDTHH:mm:ssZ`, with fractional seconds only when
/// the instant has them (so nothing is lost).
pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn cell_text(v: Value<'_>) -> String {
    match v {
        Value::Null => String::new(),
        Value::Str(s) => s.to_string(),
        Value::Decimal(d) => format_focus_decimal(d),
        Value::Time(t) => time_text(t),
        Value::Json(m) => serde_json::to_string(m).unwrap_or_default(),
    }
}

/// Write `records` to a FOCUS 1.2 CSV file (gzip when the path ends in `.gz`), atomically.
/// The extension columns are the union over the records, in first-seen order.
pub fn write_csv_file(path: impl AsRef<Path>, records: &[CostRecord]) -> Result<()> {
    let ext = union_extensions(records);
    let mut w = FocusCsvWriter::create(path, &ext)?;
    for r in records {
        w.write(r)?;
    }
    w.finish()?;
    Ok(())
}

/// The extension names of `records`, in first-seen order.
pub fn union_extensions(records: &[CostRecord]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in records {
        for n in r.extensions.names() {
            if seen.insert(n) {
                out.push(n.to_string());
            }
        }
    }
    out
}

/// Read a whole CSV / CSV.gz file into memory (stops at the first bad row).
pub fn read_csv_file(path: impl AsRef<Path>) -> Result<Vec<CostRecord>> {
    FocusCsvReader::open(path)?.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_text_keeps_whole_seconds_short() {
        let t = super::super::parse_time("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(time_text(t), "2024-01-01T00:00:00Z");
        let t = super::super::parse_time("2024-01-01T00:00:00.25Z").unwrap();
        assert_eq!(time_text(t), "2024-01-01T00:00:00.250Z");
    }

    #[test]
    fn header_only_file_has_no_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.csv");
        FocusCsvWriter::create(&p, &[]).unwrap().finish().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("AvailabilityZone,BilledCost,"));
        assert_eq!(FocusCsvReader::open(&p).unwrap().count(), 0);
    }
}
