//! The one CSV table writer of the reports (OVH Power BI set, OCI contract report, ArcGIS
//! credit lists): a header row, rows of text cells, comma separated, fields quoted only when
//! needed (the `csv` crate), `\n` or `\r\n` line ends, UTF-8 or Windows-1252, written
//! atomically through [`AtomicFile`](crate::fs::AtomicFile).
//!
//! In Windows-1252 a character the encoding cannot hold is written as `?` and reported in
//! [`RenderedCsv::warnings`] (file, line, column), so one odd name never loses a report.

use crate::{Error, Result};
use std::path::Path;

/// Text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CsvEncoding {
    /// Windows-1252 (cp1252): what Excel and Power BI on French Windows read.
    Cp1252,
    /// UTF-8 without BOM.
    #[default]
    Utf8,
}

/// Record terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LineEnd {
    /// `\n`.
    #[default]
    Lf,
    /// `\r\n` (Windows tools).
    CrLf,
}

/// How a table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsvFormat {
    /// Text encoding.
    pub encoding: CsvEncoding,
    /// Record terminator.
    pub line_end: LineEnd,
}

impl CsvFormat {
    /// UTF-8 with `\n` line ends.
    pub fn utf8() -> Self {
        CsvFormat::default()
    }

    /// The given encoding and line end.
    pub fn new(encoding: CsvEncoding, line_end: LineEnd) -> Self {
        CsvFormat { encoding, line_end }
    }
}

/// A rendered table: its bytes and the cells that had to be changed to fit the encoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RenderedCsv {
    /// The file content.
    pub bytes: Vec<u8>,
    /// One line per character replaced by `?` (`file: line N column "X": ...`).
    pub warnings: Vec<String>,
}

/// Render `header` and `rows` (`label` names the file in errors and warnings; lines are
/// counted from 1 = the header).
pub fn render_csv<H, R, C>(
    label: &str,
    header: &[H],
    rows: R,
    format: CsvFormat,
) -> Result<RenderedCsv>
where
    H: AsRef<str>,
    R: IntoIterator,
    R::Item: AsRef<[C]>,
    C: AsRef<str>,
{
    let terminator = match format.line_end {
        LineEnd::Lf => csv::Terminator::Any(b'\n'),
        LineEnd::CrLf => csv::Terminator::CRLF,
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(terminator)
        .from_writer(Vec::new());
    let mut warnings = Vec::new();
    let err = |e: String| Error::InvalidArgument(format!("{label}: cannot write CSV: {e}"));
    let columns: Vec<&str> = header.iter().map(AsRef::as_ref).collect();
    let mut write_row = |w: &mut csv::Writer<Vec<u8>>, line: usize, cells: Vec<&str>| {
        let cells: Vec<String> = cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                fit(
                    format.encoding,
                    c,
                    &mut warnings,
                    label,
                    line,
                    columns.get(i).copied().unwrap_or(""),
                )
            })
            .collect();
        w.write_record(&cells).map_err(|e| err(e.to_string()))
    };
    write_row(&mut w, 1, columns.clone())?;
    for (i, row) in rows.into_iter().enumerate() {
        let cells: Vec<&str> = row.as_ref().iter().map(AsRef::as_ref).collect();
        write_row(&mut w, i + 2, cells)?;
    }
    let utf8 = w.into_inner().map_err(|e| err(e.to_string()))?;
    let bytes = match format.encoding {
        CsvEncoding::Utf8 => utf8,
        CsvEncoding::Cp1252 => {
            let text = String::from_utf8_lossy(&utf8);
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
            bytes.into_owned()
        }
    };
    Ok(RenderedCsv { bytes, warnings })
}

/// Render the table and write it to `path` atomically; returns the encoding warnings.
pub fn write_csv<H, R, C>(
    path: &Path,
    header: &[H],
    rows: R,
    format: CsvFormat,
) -> Result<Vec<String>>
where
    H: AsRef<str>,
    R: IntoIterator,
    R::Item: AsRef<[C]>,
    C: AsRef<str>,
{
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let rendered = render_csv(&label, header, rows, format)?;
    crate::fs::write_atomic(path, &rendered.bytes)?;
    Ok(rendered.warnings)
}

/// The cell as it can be written in `encoding` (unrepresentable characters become `?`, each
/// one reported).
fn fit(
    encoding: CsvEncoding,
    cell: &str,
    warnings: &mut Vec<String>,
    file: &str,
    line: usize,
    column: &str,
) -> String {
    if encoding == CsvEncoding::Utf8 {
        return cell.to_string();
    }
    let (_, _, bad) = encoding_rs::WINDOWS_1252.encode(cell);
    if !bad {
        return cell.to_string();
    }
    let mut out = String::with_capacity(cell.len());
    let mut buf = [0u8; 4];
    for c in cell.chars() {
        let (_, _, bad) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
        if bad {
            warnings.push(format!(
                "{file}: line {line} column {column:?}: {c:?} is not representable in Windows-1252, written as '?'"
            ));
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_lf_quotes_only_when_needed() {
        let r = render_csv(
            "t.csv",
            &["a", "b"],
            [vec!["x,y", "q\"z"], vec!["", "é"]],
            CsvFormat::utf8(),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(r.bytes).unwrap(),
            "a,b\n\"x,y\",\"q\"\"z\"\n,é\n"
        );
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn cp1252_crlf_with_replacement_warnings() {
        let rows: Vec<Vec<String>> = vec![vec!["a,b".into(), "日".into()]];
        let r = render_csv(
            "x.csv",
            &["Région", "Prix"],
            &rows,
            CsvFormat::new(CsvEncoding::Cp1252, LineEnd::CrLf),
        )
        .unwrap();
        assert_eq!(r.bytes, b"R\xe9gion,Prix\r\n\"a,b\",?\r\n");
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].contains("x.csv: line 2 column \"Prix\""),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn writes_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.csv");
        let w = write_csv(&p, &["h"], [["v"]], CsvFormat::utf8()).unwrap();
        assert!(w.is_empty());
        assert_eq!(std::fs::read(&p).unwrap(), b"h\nv\n");
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }

    proptest::proptest! {
        /// Any cells survive the UTF-8 round trip; Windows-1252 never panics and keeps the
        /// number of characters (what it cannot hold becomes `?`).
        #[test]
        fn round_trip(cells in proptest::collection::vec(".{0,12}", 1..6)) {
            let header: Vec<String> = (0..cells.len()).map(|i| format!("c{i}")).collect();
            let r = render_csv("p.csv", &header, [&cells], CsvFormat::utf8()).unwrap();
            let mut rd = csv::ReaderBuilder::new().from_reader(r.bytes.as_slice());
            let back: Vec<String> = rd.records().next().unwrap().unwrap().iter().map(str::to_string).collect();
            proptest::prop_assert_eq!(&back, &cells);
            let r = render_csv("p.csv", &header, [&cells], CsvFormat::new(CsvEncoding::Cp1252, LineEnd::CrLf)).unwrap();
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&r.bytes);
            let mut rd = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let back: Vec<String> = rd.records().next().unwrap().unwrap().iter().map(str::to_string).collect();
            for (b, c) in back.iter().zip(&cells) {
                proptest::prop_assert_eq!(b.chars().count(), c.chars().count());
            }
        }
    }
}
