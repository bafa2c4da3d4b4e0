//! The layout of an input file: which FOCUS column each Parquet column holds and how it is
//! read, and whether the columnar path can take the file at all ([`Layout::of`]).

use super::perr;
use crate::allocate::{Field, Rules, X_ALLOCATED_FROM, X_ALLOCATED_TO, X_ALLOCATION_RULE};
use crate::focus::parquet::DECIMAL_SCALE;
use crate::focus::versions::{HeaderMap, Slot};
use crate::focus::{Column, ColumnKind};
use crate::{Error, Result};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;

/// How one input column is read.
#[derive(Debug, Clone)]
pub(super) enum In {
    /// `Decimal128(_, scale)`, scale 0..=18.
    Dec(i8),
    /// A timestamp in seconds, milliseconds or microseconds.
    Time(TimeUnit),
    /// UTF-8 text (read as a dictionary).
    Text,
}

/// The columns of one input file, as the columnar path reads them.
#[derive(Debug, Clone)]
pub(in crate::allocate) struct Layout {
    /// Rows in the file (a file without rows adds no extension column, as in the record
    /// path, which learns them from the records).
    pub(super) rows: i64,
    pub(super) names: Vec<String>,
    /// Per input column: the FOCUS column it holds (`None`: an extension) and how it is read.
    pub(super) cols: Vec<(Option<Column>, In)>,
}

impl Layout {
    /// The layout of a Parquet file if the columnar path can allocate it exactly as the record
    /// path would (FOCUS 1.2 names, nothing derived, decimal money, microsecond-or-coarser
    /// timestamps, text as UTF-8); `None` otherwise.
    pub(in crate::allocate) fn of(path: &Path, rules: &Rules) -> Result<Option<Layout>> {
        let label = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let b = ParquetRecordBatchReaderBuilder::try_new(f)
            .map_err(|e| perr(&label, None, format!("not a readable Parquet file: {e}")))?;
        let schema = b.schema().clone();
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let Ok(map) = HeaderMap::new(&names) else {
            return Ok(None);
        };
        if !map.fills().is_empty() || !map.missing_required().is_empty() {
            return Ok(None);
        }
        let mut cols = Vec::with_capacity(names.len());
        for (i, slot) in map.slots().iter().enumerate() {
            let dt = schema.field(i).data_type();
            let text = matches!(dt, DataType::Utf8 | DataType::LargeUtf8);
            let col = match slot {
                Slot::Focus(c) if c.name() == names[i] => {
                    let how = match (c.kind(), dt) {
                        (ColumnKind::Decimal, DataType::Decimal128(_, s))
                            if (0..=DECIMAL_SCALE).contains(s) =>
                        {
                            In::Dec(*s)
                        }
                        (ColumnKind::DateTime, DataType::Timestamp(u, _))
                            if *u != TimeUnit::Nanosecond =>
                        {
                            In::Time(*u)
                        }
                        (ColumnKind::String | ColumnKind::Json, _) if text => In::Text,
                        _ => return Ok(None),
                    };
                    (Some(*c), how)
                }
                Slot::Extension(n)
                    if text
                        && ![X_ALLOCATED_TO, X_ALLOCATION_RULE, X_ALLOCATED_FROM]
                            .contains(&n.as_str()) =>
                {
                    (None, In::Text)
                }
                _ => return Ok(None),
            };
            cols.push(col);
        }
        // Rules must read text columns (or tags) of the file, or columns it lacks.
        for m in &rules.map {
            let ok = match &m.field {
                Field::Tag(_) => true,
                Field::Column(c) => match names.iter().position(|n| n == c.name()) {
                    Some(i) => matches!(cols[i].1, In::Text),
                    None => true,
                },
                Field::Extension(x) => names
                    .iter()
                    .position(|n| n == x)
                    .is_none_or(|i| matches!(cols[i].1, In::Text)),
            };
            if !ok {
                return Ok(None);
            }
        }
        let rows = b.metadata().file_metadata().num_rows();
        Ok(Some(Layout { rows, names, cols }))
    }

    pub(super) fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub(super) fn extensions(&self) -> impl Iterator<Item = &str> {
        self.cols
            .iter()
            .zip(&self.names)
            .filter(|((c, _), _)| c.is_none())
            .map(|(_, n)| n.as_str())
    }
}
