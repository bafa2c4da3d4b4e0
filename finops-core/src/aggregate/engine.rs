//! The group-by kernel shared by every input path: a query plan, a per-worker evaluator
//! (interned dimension values, fixed-point accumulators) and the final merge.

use super::fixed::{Num, NumAcc, Spill, to_decimal};
use super::hash::FastMap;
use super::tags::tag_value;
use super::time::{TimeBucket, parse_instant};
use super::{AggregateQuery, AggregateRow, AggregateTable, Dimension, Measure, header_names};
use crate::focus::{Column, Period};
use crate::{Error, Result};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use std::borrow::Cow;

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

/// Byte-string interner: value ↔ dense `u32` id.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    map: FastMap<Box<[u8]>, u32>,
    values: Vec<Box<[u8]>>,
    /// The previous value looked up (sorted or clustered columns repeat a lot).
    last: Option<u32>,
}

impl Interner {
    #[inline]
    pub(crate) fn intern(&mut self, b: &[u8]) -> u32 {
        if let Some(l) = self.last
            && *self.values[l as usize] == *b
        {
            return l;
        }
        let id = match self.map.get(b) {
            Some(&id) => id,
            None => {
                let id = self.values.len() as u32;
                let v: Box<[u8]> = Box::from(b);
                self.values.push(v.clone());
                self.map.insert(v, id);
                id
            }
        };
        self.last = Some(id);
        id
    }

    #[inline]
    pub(crate) fn get(&self, id: u32) -> &[u8] {
        &self.values[id as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    fn clear(&mut self) {
        self.map.clear();
        self.values.clear();
        self.last = None;
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

#[derive(Debug, Default)]
struct DerivedState {
    /// raw id → label id (`u32::MAX - 1` = not computed yet).
    cache: Vec<u32>,
    labels: Interner,
}

const UNKNOWN: u32 = u32::MAX - 1;
/// Labels from here to `NULL` (excluded) stand for a deferred error (batch path).
const ERR_BASE: u32 = 0xC000_0000;
/// Group of a row dropped by a filter (batch path).
pub(crate) const SKIP: u32 = u32::MAX;

/// What a derived dimension gives for one value.
enum DerivedOut {
    Label(Option<Vec<u8>>),
    Flag(u32),
}
/// Raw values kept per derived-only field before the cache is reset (bounds memory when,
/// say, every row has different Tags).
const RAW_CACHE_LIMIT: usize = 1 << 16;

/// Worker-local aggregation state.
#[derive(Debug)]
pub(crate) struct Evaluator<'p> {
    plan: &'p Plan,
    csv_raw: bool,
    time_enc: Vec<TimeEnc>,
    /// Per field: the value comes from the field's fallback column.
    fallback: Vec<bool>,
    interners: Vec<Interner>,
    derived: Vec<DerivedState>,
    filter_cache: Vec<Vec<u8>>,
    key_scratch: Vec<u32>,
    small: FastMap<u128, u32>,
    large: FastMap<Box<[u32]>, u32>,
    keys: Vec<u32>,
    counts: Vec<u64>,
    accs: Vec<NumAcc>,
    spills: Vec<Spill>,
    /// Errors of the current batch's labels, raised when a row needs them.
    deferred: Vec<RowError>,
}

impl<'p> Evaluator<'p> {
    /// `csv_raw`: fields arrive as raw CSV bytes (maybe quoted); they are unquoted when used.
    pub(crate) fn new(plan: &'p Plan, csv_raw: bool, time_enc: Vec<TimeEnc>) -> Self {
        Evaluator {
            plan,
            csv_raw,
            time_enc,
            fallback: vec![false; plan.fields.len()],
            interners: vec![Interner::default(); plan.fields.len()],
            derived: plan
                .derived
                .iter()
                .map(|_| DerivedState::default())
                .collect(),
            filter_cache: vec![Vec::new(); plan.filters.len()],
            key_scratch: vec![0; plan.key.len()],
            small: FastMap::default(),
            large: FastMap::default(),
            keys: Vec::new(),
            counts: Vec::new(),
            accs: Vec::new(),
            spills: Vec::new(),
            deferred: Vec::new(),
        }
    }

    /// Mark the fields whose value comes from their fallback column in this input.
    pub(crate) fn with_fallback(mut self, fallback: Vec<bool>) -> Self {
        if fallback.len() == self.fallback.len() {
            self.fallback = fallback;
        }
        self
    }

    #[inline]
    fn raw_id(&mut self, f: usize, v: Option<&[u8]>) -> u32 {
        match v {
            None => NULL,
            Some(b) if self.csv_raw && self.plan.fields[f].plain && b.first() == Some(&b'"') => {
                let d = unquote(b);
                if d.is_empty() {
                    NULL
                } else {
                    self.interners[f].intern(&d)
                }
            }
            Some(b) => self.interners[f].intern(b),
        }
    }

    /// The label of derived dimension `d` for raw text `bytes` (already unquoted), as bytes
    /// to intern, or the period flag. Reads `self` only.
    fn compute_derived(
        &self,
        d: usize,
        bytes: Option<&[u8]>,
    ) -> std::result::Result<DerivedOut, RowError> {
        let spec = &self.plan.derived[d];
        let field = spec.field;
        let err = |message: String| RowError {
            field: self.plan.fields[field].source.name(),
            message,
        };
        Ok(match &spec.kind {
            DerivedKind::Tag { key, ignore_case } => DerivedOut::Label(match bytes {
                None => None,
                Some(b) => tag_value(b, key, *ignore_case)
                    .map_err(|m| err(format!("invalid Tags: {m}")))?
                    .map(|c| c.into_owned()),
            }),
            DerivedKind::Time(bucket) => {
                let b = bytes.ok_or_else(|| err("a date/time is required".into()))?;
                let t = instant(b, self.time_enc[field]).map_err(err)?;
                DerivedOut::Label(Some(
                    if self.fallback[field] && *bucket == TimeBucket::Month {
                        // No BillingPeriodStart in this input: the billing period is the UTC
                        // month of the charge, as the FOCUS readers derive it.
                        TimeBucket::ChargeMonth.label(t, Tz::UTC)
                    } else {
                        bucket.label(t, self.plan.tz)
                    }
                    .into_bytes(),
                ))
            }
            DerivedKind::InPeriod(p) => {
                let b = bytes.ok_or_else(|| err("a date/time is required".into()))?;
                let t = instant(b, self.time_enc[field]).map_err(err)?;
                DerivedOut::Flag(u32::from(p.contains(t)))
            }
        })
    }

    fn intern_derived(&mut self, d: usize, out: DerivedOut) -> u32 {
        match out {
            DerivedOut::Flag(f) => f,
            DerivedOut::Label(None) => NULL,
            DerivedOut::Label(Some(l)) => self.derived[d].labels.intern(&l),
        }
    }

    fn derive(&mut self, d: usize, raw: u32) -> std::result::Result<u32, RowError> {
        let field = self.plan.derived[d].field;
        let out = if raw == NULL {
            self.compute_derived(d, None)?
        } else {
            let b = self.interners[field].get(raw);
            if self.csv_raw && !self.plan.fields[field].plain {
                self.compute_derived(d, Some(&unquote(b)))?
            } else {
                self.compute_derived(d, Some(b))?
            }
        };
        Ok(self.intern_derived(d, out))
    }

    #[inline]
    fn derived_label(
        &mut self,
        d: usize,
        value: Option<&[u8]>,
    ) -> std::result::Result<u32, RowError> {
        let f = self.plan.derived[d].field;
        if !self.plan.fields[f].plain && self.interners[f].len() >= RAW_CACHE_LIMIT {
            // Bound the raw cache of a derived-only field (say, Tags different on every row).
            self.interners[f].clear();
            for (i, ds) in self.plan.derived.iter().enumerate() {
                if ds.field == f {
                    self.derived[i].cache.clear();
                }
            }
        }
        let raw = self.raw_id(f, value);
        if raw == NULL {
            return self.derive(d, NULL);
        }
        let cache = &self.derived[d].cache;
        if let Some(&l) = cache.get(raw as usize)
            && l != UNKNOWN
        {
            return Ok(l);
        }
        let l = self.derive(d, raw)?;
        let cache = &mut self.derived[d].cache;
        if cache.len() <= raw as usize {
            cache.resize(raw as usize + 1, UNKNOWN);
        }
        cache[raw as usize] = l;
        Ok(l)
    }

    #[inline]
    fn label(&mut self, r: DimRef, fields: &[Option<&[u8]>]) -> std::result::Result<u32, RowError> {
        match r {
            DimRef::Plain(f) => Ok(self.raw_id(f, fields[f])),
            DimRef::Derived(d) => {
                let f = self.plan.derived[d].field;
                self.derived_label(d, fields[f])
            }
        }
    }

    // ---- Batch path: label columns computed per dictionary entry or per row, then the
    // ---- rows of a batch grouped in one pass and the numbers added column by column.

    /// Keep `e` and return the label that stands for it: an error is raised only when a row
    /// that needs the label reaches the group-by (as [`Evaluator::row`] would raise it).
    fn deferred(&mut self, e: RowError) -> u32 {
        self.deferred.push(e);
        ERR_BASE + (self.deferred.len() as u32 - 1).min(NULL - ERR_BASE - 3)
    }

    fn deferred_error(&self, l: u32) -> RowError {
        self.deferred
            .get((l - ERR_BASE) as usize)
            .cloned()
            .unwrap_or_else(|| RowError {
                field: String::new(),
                message: "invalid value".into(),
            })
    }

    /// The label of one distinct value (a dictionary entry; `None` or empty = null) for the
    /// dimension reference `r`. Derived labels are computed from the value directly, without
    /// the raw-text cache. An invalid value gives a deferred-error label.
    pub(crate) fn value_label(&mut self, r: DimRef, v: Option<&[u8]>) -> u32 {
        let v = v.filter(|b| !b.is_empty());
        match r {
            DimRef::Plain(f) => match v {
                None => NULL,
                Some(b) => self.interners[f].intern(b),
            },
            DimRef::Derived(d) => match self.compute_derived(d, v) {
                Ok(out) => self.intern_derived(d, out),
                Err(e) => self.deferred(e),
            },
        }
    }

    /// The label of one row's value (`None` = null) for `r`, through the raw-text caches (for
    /// inputs without a dictionary). An invalid value gives a deferred-error label.
    #[inline]
    pub(crate) fn row_label(&mut self, r: DimRef, v: Option<&[u8]>) -> u32 {
        let l = match r {
            DimRef::Plain(f) => Ok(self.raw_id(f, v)),
            DimRef::Derived(d) => self.derived_label(d, v),
        };
        l.unwrap_or_else(|e| self.deferred(e))
    }

    /// Forget the deferred errors of the previous batch.
    pub(crate) fn start_batch(&mut self) {
        self.deferred.clear();
    }

    /// Group the `n` rows of a batch from their label columns (one per [`Plan::slots`]):
    /// filters, period, key, row count. `groups[i]` receives the row's group, or [`SKIP`]
    /// when a filter drops it.
    pub(crate) fn group_rows(
        &mut self,
        labels: &[Vec<u32>],
        n: usize,
        groups: &mut Vec<u32>,
    ) -> std::result::Result<(), RowError> {
        let plan = self.plan;
        groups.clear();
        groups.reserve(n);
        let nk = plan.key_slots.len();
        let mut last: Option<(u128, u32)> = None;
        #[allow(clippy::needless_range_loop)] // `i` indexes one label column per slot
        'rows: for i in 0..n {
            for (fi, flt) in plan.filters.iter().enumerate() {
                let l = labels[flt.slot][i];
                let pass = if l == NULL {
                    flt.accept_null
                } else if l >= ERR_BASE {
                    return Err(self.deferred_error(l));
                } else {
                    let cache = &mut self.filter_cache[fi];
                    if cache.len() <= l as usize {
                        cache.resize(l as usize + 1, 0);
                    }
                    if cache[l as usize] == 0 {
                        let b = match flt.dim {
                            DimRef::Plain(f) => self.interners[f].get(l),
                            DimRef::Derived(d) => self.derived[d].labels.get(l),
                        };
                        let ok = flt.values.iter().any(|v| v.as_slice() == b);
                        cache[l as usize] = if ok { 1 } else { 2 };
                    }
                    cache[l as usize] == 1
                };
                if !pass {
                    groups.push(SKIP);
                    continue 'rows;
                }
            }
            if let Some(s) = plan.period_slot {
                let l = labels[s][i];
                if l >= ERR_BASE && l != NULL {
                    return Err(self.deferred_error(l));
                }
                if l == 0 {
                    groups.push(SKIP);
                    continue 'rows;
                }
            }
            let g = if nk <= 4 {
                let mut packed: u128 = 0;
                for (k, &s) in plan.key_slots.iter().enumerate() {
                    let l = labels[s][i];
                    if l >= ERR_BASE && l != NULL {
                        return Err(self.deferred_error(l));
                    }
                    packed |= (l as u128) << (32 * k);
                }
                match last {
                    Some((p, g)) if p == packed => g,
                    _ => {
                        for (k, &s) in plan.key_slots.iter().enumerate() {
                            self.key_scratch[k] = labels[s][i];
                        }
                        let g = self.group() as u32;
                        last = Some((packed, g));
                        g
                    }
                }
            } else {
                for (k, &s) in plan.key_slots.iter().enumerate() {
                    let l = labels[s][i];
                    if l >= ERR_BASE && l != NULL {
                        return Err(self.deferred_error(l));
                    }
                    self.key_scratch[k] = l;
                }
                self.group() as u32
            };
            self.counts[g as usize] += 1;
            groups.push(g);
        }
        Ok(())
    }

    /// Add a fixed-point value (× 10^18) of numeric input `k` to group `g`.
    #[inline]
    pub(crate) fn add_fixed(
        &mut self,
        g: usize,
        k: usize,
        v: i128,
    ) -> std::result::Result<(), RowError> {
        let nn = self.plan.nums.len();
        let acc = &mut self.accs[g * nn + k];
        acc.n += 1;
        match acc.sum.checked_add(v) {
            Some(s) => acc.sum = s,
            None => {
                let name = self.plan.nums[k].name();
                let spilled = to_decimal(acc.sum).ok_or_else(|| RowError {
                    field: name.to_string(),
                    message: "sum overflows the exact range".into(),
                })?;
                let s = spill_of(acc, &mut self.spills);
                s.add_sum(spilled).map_err(|message| RowError {
                    field: name.to_string(),
                    message,
                })?;
                acc.sum = v;
            }
        }
        if self.plan.num_minmax[k] {
            acc.min = acc.min.min(v);
            acc.max = acc.max.max(v);
        }
        Ok(())
    }

    /// Add any parsed number of numeric input `k` to group `g`.
    pub(crate) fn add_num(
        &mut self,
        g: usize,
        k: usize,
        n: Num,
    ) -> std::result::Result<(), RowError> {
        match n {
            Num::Fixed(v) => self.add_fixed(g, k, v),
            Num::Dec(d) => {
                let nn = self.plan.nums.len();
                let acc = &mut self.accs[g * nn + k];
                acc.n += 1;
                let s = spill_of(acc, &mut self.spills);
                s.add(d).map_err(|message| RowError {
                    field: self.plan.nums[k].name().to_string(),
                    message,
                })
            }
        }
    }

    /// Add one row. `fields` follow [`Plan::fields`] (`None` = null); `nums` follow
    /// [`Plan::nums`].
    #[inline]
    pub(crate) fn row(
        &mut self,
        fields: &[Option<&[u8]>],
        nums: &[Option<Num>],
    ) -> std::result::Result<(), RowError> {
        let plan = self.plan;
        for (i, flt) in plan.filters.iter().enumerate() {
            let pass = match flt.dim {
                DimRef::Plain(f) => match fields[f] {
                    None => flt.accept_null,
                    Some(b) => {
                        let b = if self.csv_raw {
                            unquote(b)
                        } else {
                            Cow::Borrowed(b)
                        };
                        if b.is_empty() {
                            flt.accept_null
                        } else {
                            flt.values.iter().any(|v| v.as_slice() == &*b)
                        }
                    }
                },
                DimRef::Derived(d) => {
                    let l = self.derived_label(d, fields[plan.derived[d].field])?;
                    if l == NULL {
                        flt.accept_null
                    } else {
                        let cache = &mut self.filter_cache[i];
                        if cache.len() <= l as usize {
                            cache.resize(l as usize + 1, 0);
                        }
                        if cache[l as usize] == 0 {
                            let b = self.derived[d].labels.get(l);
                            let ok = flt.values.iter().any(|v| v.as_slice() == b);
                            cache[l as usize] = if ok { 1 } else { 2 };
                        }
                        cache[l as usize] == 1
                    }
                }
            };
            if !pass {
                return Ok(());
            }
        }
        if let Some(d) = plan.period
            && self.derived_label(d, fields[plan.derived[d].field])? == 0
        {
            return Ok(());
        }
        for k in 0..plan.key.len() {
            let l = self.label(plan.key[k], fields)?;
            self.key_scratch[k] = l;
        }
        let g = self.group();
        self.counts[g] += 1;
        for (k, n) in nums.iter().enumerate() {
            if let Some(n) = n {
                self.add_num(g, k, *n)?;
            }
        }
        Ok(())
    }

    #[inline]
    fn group(&mut self) -> usize {
        let nk = self.key_scratch.len();
        let next = self.counts.len() as u32;
        let g = if nk <= 4 {
            let mut packed: u128 = 0;
            for (i, &l) in self.key_scratch.iter().enumerate() {
                packed |= (l as u128) << (32 * i);
            }
            *self.small.entry(packed).or_insert(next)
        } else if let Some(&g) = self.large.get(self.key_scratch.as_slice()) {
            g
        } else {
            self.large
                .insert(self.key_scratch.clone().into_boxed_slice(), next);
            next
        };
        if g == next {
            self.keys.extend_from_slice(&self.key_scratch);
            self.counts.push(0);
            self.accs
                .extend(std::iter::repeat_n(NumAcc::new(), self.plan.nums.len()));
        }
        g as usize
    }

    /// Resolve label ids to bytes so parts from different workers and files can be merged.
    pub(crate) fn finish(self) -> Part {
        let nk = self.plan.key.len();
        let nn = self.plan.nums.len();
        let resolve = |r: DimRef, id: u32| -> Option<Box<[u8]>> {
            if id == NULL {
                return None;
            }
            Some(match r {
                DimRef::Plain(f) => Box::from(self.interners[f].get(id)),
                DimRef::Derived(d) => Box::from(self.derived[d].labels.get(id)),
            })
        };
        let mut groups = Vec::with_capacity(self.counts.len());
        for g in 0..self.counts.len() {
            let key: Vec<Option<Box<[u8]>>> = (0..nk)
                .map(|k| resolve(self.plan.key[k], self.keys[g * nk + k]))
                .collect();
            let accs = self.accs[g * nn..(g + 1) * nn].to_vec();
            let spills = accs
                .iter()
                .map(|a| (a.spill != u32::MAX).then(|| self.spills[a.spill as usize]))
                .collect();
            groups.push(Group {
                key,
                count: self.counts[g],
                accs,
                spills,
            });
        }
        Part { groups }
    }
}

fn spill_of<'a>(acc: &mut NumAcc, spills: &'a mut Vec<Spill>) -> &'a mut Spill {
    if acc.spill == u32::MAX {
        acc.spill = spills.len() as u32;
        spills.push(Spill::default());
    }
    &mut spills[acc.spill as usize]
}

fn instant(b: &[u8], enc: TimeEnc) -> std::result::Result<DateTime<Utc>, String> {
    match enc {
        TimeEnc::Text => parse_instant(b),
        TimeEnc::MicrosLe => {
            let a: [u8; 8] = b.try_into().map_err(|_| "bad timestamp".to_string())?;
            let us = i64::from_le_bytes(a);
            Utc.timestamp_micros(us)
                .single()
                .ok_or_else(|| format!("timestamp {us}µs is out of range"))
        }
    }
}

/// One group with its key resolved to bytes.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    key: Vec<Option<Box<[u8]>>>,
    count: u64,
    accs: Vec<NumAcc>,
    spills: Vec<Option<Spill>>,
}

/// A worker's groups.
#[derive(Debug, Clone, Default)]
pub(crate) struct Part {
    groups: Vec<Group>,
}

/// All parts merged.
#[derive(Debug)]
pub(crate) struct Merged {
    index: FastMap<Vec<Option<Box<[u8]>>>, usize>,
    groups: Vec<Group>,
}

impl Merged {
    pub(crate) fn new(_plan: &Plan) -> Self {
        Merged {
            index: FastMap::default(),
            groups: Vec::new(),
        }
    }

    pub(crate) fn absorb(&mut self, part: Part) -> std::result::Result<(), String> {
        for g in part.groups {
            match self.index.get(&g.key) {
                None => {
                    self.index.insert(g.key.clone(), self.groups.len());
                    self.groups.push(g);
                }
                Some(&i) => {
                    let t = &mut self.groups[i];
                    t.count += g.count;
                    for (k, a) in g.accs.iter().enumerate() {
                        let ta = &mut t.accs[k];
                        ta.n += a.n;
                        ta.min = ta.min.min(a.min);
                        ta.max = ta.max.max(a.max);
                        match ta.sum.checked_add(a.sum) {
                            Some(s) => ta.sum = s,
                            None => {
                                let d = to_decimal(a.sum)
                                    .ok_or_else(|| "sum overflows the exact range".to_string())?;
                                t.spills[k].get_or_insert_with(Spill::default).add_sum(d)?;
                            }
                        }
                        if let Some(o) = &g.spills[k] {
                            t.spills[k].get_or_insert_with(Spill::default).merge(o)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn finish(self, plan: &Plan) -> Result<AggregateTable> {
        let mut rows = Vec::with_capacity(self.groups.len());
        for g in self.groups {
            let mut key = Vec::with_capacity(g.key.len());
            for (k, v) in g.key.into_iter().enumerate() {
                key.push(match v {
                    None => None,
                    Some(b) => Some(String::from_utf8(b.into_vec()).map_err(|_| {
                        Error::InvalidArgument(format!(
                            "a value of {} is not valid UTF-8",
                            plan.key_names[k]
                        ))
                    })?),
                });
            }
            let mut values = Vec::with_capacity(plan.measures.len());
            for (m, idx) in &plan.measures {
                let name = || m.name();
                let overflow = || {
                    Error::InvalidArgument(format!(
                        "{}: the exact result needs more than 28 significant digits",
                        name()
                    ))
                };
                let v = match (m, idx) {
                    (Measure::Count, _) => Some(Decimal::from(g.count)),
                    (_, None) => None,
                    (Measure::Sum(_), Some(k)) => {
                        let a = &g.accs[*k];
                        if a.n == 0 {
                            None
                        } else {
                            let mut s = to_decimal(a.sum).ok_or_else(overflow)?;
                            if let Some(sp) = &g.spills[*k] {
                                s = super::fixed::exact_add(s, sp.sum).ok_or_else(overflow)?;
                            }
                            Some(s.normalize())
                        }
                    }
                    (Measure::Min(_), Some(k)) => {
                        let a = &g.accs[*k];
                        let f = (a.min != i128::MAX).then(|| to_decimal(a.min)).flatten();
                        let s = g.spills[*k].and_then(|s| s.min);
                        match (f, s) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        }
                        .map(|d| d.normalize())
                    }
                    (Measure::Max(_), Some(k)) => {
                        let a = &g.accs[*k];
                        let f = (a.max != i128::MIN).then(|| to_decimal(a.max)).flatten();
                        let s = g.spills[*k].and_then(|s| s.max);
                        match (f, s) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            (a, b) => a.or(b),
                        }
                        .map(|d| d.normalize())
                    }
                };
                values.push(v);
            }
            rows.push(AggregateRow { key, values });
        }
        rows.sort_by(|a, b| cmp_keys(&a.key, &b.key));
        Ok(AggregateTable {
            dimensions: plan.key_names.clone(),
            measures: plan.measures.iter().map(|(m, _)| m.name()).collect(),
            rows,
        })
    }
}

/// Byte order per key value, nulls last.
fn cmp_keys(a: &[Option<String>], b: &[Option<String>]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes() {
        assert_eq!(&*unquote(b"abc"), b"abc");
        assert_eq!(&*unquote(b"\"a,b\""), b"a,b");
        assert_eq!(&*unquote(b"\"{\"\"a\"\":1}\""), b"{\"a\":1}");
        assert_eq!(&*unquote(b"\"\""), b"");
    }

    #[test]
    fn nulls_sort_last() {
        let a = vec![None];
        let b = vec![Some("z".to_string())];
        assert_eq!(cmp_keys(&a, &b), std::cmp::Ordering::Greater);
    }
}
