//! The group-by kernel shared by every input path: a query plan, a per-worker evaluator
//! (interned dimension values, fixed-point accumulators) and the final merge.

mod evaluator;
mod merge;
#[cfg(test)]
mod tests;

use super::time::TimeBucket;
use super::{AggregateQuery, Dimension, Measure, header_names};
use crate::focus::{Column, Period};
use crate::{Error, Result};
use chrono_tz::Tz;
use std::borrow::Cow;

pub(crate) use evaluator::{Evaluator, SKIP};
pub(crate) use merge::{Merged, Part};

/// Label id of a null value.
pub(crate) const NULL: u32 = u32::MAX;

/// Where a non-numeric input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldSource {
    Column(Column),
    Extension(String),
    /// `BillingPeriodStart`, or `ChargePeriodStart` in a file that has no billing period
    /// (the FOCUS readers then derive the billing period as the UTC month of the charge).
    BillingStart,
}

impl FieldSource {
    /// Header names that may hold it, preferred first.
    pub(crate) fn header_names(&self) -> Vec<String> {
        match self {
            FieldSource::Column(c) => header_names(*c).into_iter().map(String::from).collect(),
            FieldSource::Extension(x) => vec![x.clone()],
            FieldSource::BillingStart => vec![
                Column::BillingPeriodStart.name().to_string(),
                Column::ChargePeriodStart.name().to_string(),
            ],
        }
    }

    /// Whether the header `found` is this field's fallback (ChargePeriodStart standing in
    /// for a missing BillingPeriodStart).
    pub(crate) fn is_fallback(&self, found: &str) -> bool {
        matches!(self, FieldSource::BillingStart) && found != Column::BillingPeriodStart.name()
    }

    /// Display name.
    pub(crate) fn name(&self) -> String {
        match self {
            FieldSource::Column(c) => c.name().to_string(),
            FieldSource::Extension(x) => x.clone(),
            FieldSource::BillingStart => Column::BillingPeriodStart.name().to_string(),
        }
    }
}

/// Refuse a header that names a column twice: the error names the column and both 1-based
/// positions (as the FOCUS readers do).
pub(crate) fn check_unique_header(file: &str, names: &[String]) -> Result<()> {
    for (i, n) in names.iter().enumerate() {
        if let Some(j) = names[..i].iter().position(|m| m == n) {
            return Err(Error::Parse {
                location: crate::error::Location {
                    file: file.to_string(),
                    line: Some(1),
                    column: Some(n.clone()),
                },
                message: format!(
                    "the header names column {n:?} twice (positions {} and {})",
                    j + 1,
                    i + 1
                ),
            });
        }
    }
    Ok(())
}

/// A non-numeric input field.
#[derive(Debug, Clone)]
pub(crate) struct FieldSpec {
    pub(crate) source: FieldSource,
    /// Used as a value directly (group key or filter), so it must be decoded (CSV unquoted).
    pub(crate) plain: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum DerivedKind {
    Tag { key: String, ignore_case: bool },
    Time(TimeBucket),
    InPeriod(Period),
}

#[derive(Debug, Clone)]
pub(crate) struct DerivedSpec {
    pub(crate) field: usize,
    pub(crate) kind: DerivedKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DimRef {
    Plain(usize),
    Derived(usize),
}

#[derive(Debug, Clone)]
pub(crate) struct FilterSpec {
    dim: DimRef,
    /// Index in [`Plan::slots`].
    slot: usize,
    values: Vec<Vec<u8>>,
    accept_null: bool,
}

/// A compiled query.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) fields: Vec<FieldSpec>,
    pub(crate) nums: Vec<Column>,
    pub(crate) derived: Vec<DerivedSpec>,
    pub(crate) key: Vec<DimRef>,
    pub(crate) key_names: Vec<String>,
    pub(crate) filters: Vec<FilterSpec>,
    pub(crate) period: Option<usize>,
    pub(crate) measures: Vec<(Measure, Option<usize>)>,
    pub(crate) tz: Tz,
    /// The distinct dimension references a row is looked at through (filters, period, key),
    /// each once: the batch path computes one label column per slot.
    pub(crate) slots: Vec<DimRef>,
    /// Per key dimension: its index in `slots`.
    pub(crate) key_slots: Vec<usize>,
    /// The period filter's index in `slots`.
    pub(crate) period_slot: Option<usize>,
    /// Per numeric input: whether a min or max of it is asked for.
    pub(crate) num_minmax: Vec<bool>,
}

impl Plan {
    pub(crate) fn new(q: &AggregateQuery) -> Plan {
        let mut p = Plan {
            fields: Vec::new(),
            nums: Vec::new(),
            derived: Vec::new(),
            key: Vec::new(),
            key_names: Vec::new(),
            filters: Vec::new(),
            period: None,
            measures: Vec::new(),
            tz: q.tz,
            slots: Vec::new(),
            key_slots: Vec::new(),
            period_slot: None,
            num_minmax: Vec::new(),
        };
        for (name, d) in q.key_dimensions() {
            let r = p.dim(&d);
            p.key.push(r);
            p.key_names.push(name);
        }
        for f in &q.filters {
            let dim = p.dim(&f.dimension);
            let slot = p.slot(dim);
            p.filters.push(FilterSpec {
                dim,
                slot,
                values: f.values.iter().map(|v| v.as_bytes().to_vec()).collect(),
                accept_null: f.values.iter().any(|v| v.is_empty()),
            });
        }
        if let Some(period) = q.period {
            let field = p.field(FieldSource::Column(Column::ChargePeriodStart), false);
            p.derived.push(DerivedSpec {
                field,
                kind: DerivedKind::InPeriod(period),
            });
            p.period = Some(p.derived.len() - 1);
            p.period_slot = Some(p.slot(DimRef::Derived(p.derived.len() - 1)));
        }
        for k in 0..p.key.len() {
            let s = p.slot(p.key[k]);
            p.key_slots.push(s);
        }
        for m in &q.measures {
            let idx = m
                .column()
                .map(|c| match p.nums.iter().position(|x| *x == c) {
                    Some(i) => i,
                    None => {
                        p.nums.push(c);
                        p.nums.len() - 1
                    }
                });
            p.measures.push((*m, idx));
        }
        p.num_minmax = (0..p.nums.len())
            .map(|k| {
                p.measures
                    .iter()
                    .any(|(m, i)| *i == Some(k) && matches!(m, Measure::Min(_) | Measure::Max(_)))
            })
            .collect();
        p
    }

    fn slot(&mut self, r: DimRef) -> usize {
        match self.slots.iter().position(|s| *s == r) {
            Some(i) => i,
            None => {
                self.slots.push(r);
                self.slots.len() - 1
            }
        }
    }

    /// The input field a dimension reference reads.
    pub(crate) fn field_of(&self, r: DimRef) -> usize {
        match r {
            DimRef::Plain(f) => f,
            DimRef::Derived(d) => self.derived[d].field,
        }
    }

    fn field(&mut self, source: FieldSource, plain: bool) -> usize {
        if let Some(i) = self.fields.iter().position(|f| f.source == source) {
            self.fields[i].plain |= plain;
            return i;
        }
        self.fields.push(FieldSpec { source, plain });
        self.fields.len() - 1
    }

    fn dim(&mut self, d: &Dimension) -> DimRef {
        match d {
            Dimension::Column(c) => DimRef::Plain(self.field(FieldSource::Column(*c), true)),
            Dimension::Extension(x) => {
                DimRef::Plain(self.field(FieldSource::Extension(x.clone()), true))
            }
            Dimension::Tag { key, ignore_case } => {
                let field = self.field(FieldSource::Column(Column::Tags), false);
                self.derived.push(DerivedSpec {
                    field,
                    kind: DerivedKind::Tag {
                        key: key.clone(),
                        ignore_case: *ignore_case,
                    },
                });
                DimRef::Derived(self.derived.len() - 1)
            }
            Dimension::Time(b) => {
                let src = match b {
                    TimeBucket::BillingPeriod => FieldSource::Column(Column::BillingPeriodStart),
                    TimeBucket::Month => FieldSource::BillingStart,
                    _ => FieldSource::Column(Column::ChargePeriodStart),
                };
                let field = self.field(src, false);
                self.derived.push(DerivedSpec {
                    field,
                    kind: DerivedKind::Time(*b),
                });
                DimRef::Derived(self.derived.len() - 1)
            }
        }
    }
}

/// How a source encodes a time field's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeEnc {
    /// FOCUS text (`2024-01-01T00:00:00Z`), possibly CSV-quoted.
    Text,
    /// Microseconds since the epoch, `i64` little-endian.
    MicrosLe,
}

/// A bad value in a row: which field and what is wrong.
#[derive(Debug, Clone)]
pub(crate) struct RowError {
    pub(crate) field: String,
    pub(crate) message: String,
}

/// Strip CSV quotes and unescape `""`.
pub(crate) fn unquote(b: &[u8]) -> Cow<'_, [u8]> {
    if b.len() >= 2 && b[0] == b'"' && b[b.len() - 1] == b'"' {
        let inner = &b[1..b.len() - 1];
        if memchr::memchr(b'"', inner).is_none() {
            Cow::Borrowed(inner)
        } else {
            let mut out = Vec::with_capacity(inner.len());
            let mut i = 0;
            while i < inner.len() {
                out.push(inner[i]);
                if inner[i] == b'"' && inner.get(i + 1) == Some(&b'"') {
                    i += 1;
                }
                i += 1;
            }
            Cow::Owned(out)
        }
    } else {
        Cow::Borrowed(b)
    }
}
