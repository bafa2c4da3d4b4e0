//! The columnar allocation of FOCUS 1.2 Parquet files into FOCUS 1.2 Parquet: the input
//! columns are converted batch by batch to the types the FOCUS writer uses (text columns stay
//! dictionaries, each distinct value checked and normalised once), the three `x_` columns are
//! appended, only split rows are replicated, and the showback is summed in the same pass. The
//! output is the one the record path ([`super::Allocator`] over
//! [`crate::focus::read_file`] and [`crate::focus::parquet::FocusParquetWriter`]) writes for
//! the same input, value for value (tested in `finops-core/tests/allocate.rs`); inputs it
//! cannot take as they are (another FOCUS version, derived columns, float money, text as
//! numbers, ...) go through the record path instead ([`Layout::of`] says which).
//!
//! Row groups of the output are encoded column by column on two threads while the next
//! batch is read, so memory is bounded by a few row groups, whatever the number of rows.

use super::{
    AllocationSummary, Allocator, Field, Rules, ShareMethod, Showback, ShowbackRow,
    X_ALLOCATED_FROM, X_ALLOCATED_TO, X_ALLOCATION_RULE, minor_unit, split_amount,
};
use crate::aggregate::billing_month;
use crate::error::Location;
use crate::focus::parquet::{DECIMAL_PRECISION, DECIMAL_SCALE, focus_schema};
use crate::focus::versions::{HeaderMap, Slot};
use crate::focus::{Column, ColumnKind, CostRecord};
use crate::fs::AtomicFile;
use crate::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Int32Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampSecondType,
};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, DictionaryArray, Int32Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, new_null_array,
};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef, TimeUnit};
use chrono::DateTime;
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::arrow_writer::{ArrowColumnChunk, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Rows per output row group (as [`crate::focus::parquet::ParquetWriteOptions`]' default).
const ROW_GROUP_ROWS: usize = 65_536;
/// Rows per input batch.
const BATCH_ROWS: usize = 16_384;
/// 10^38: the bound of `Decimal128(38, 18)`.
const TEN_POW_38: i128 = 100_000_000_000_000_000_000_000_000_000_000_000_000;
/// 2^96: the bound of a [`Decimal`] mantissa (the record path parses money into one).
const TWO_POW_96: i128 = 1 << 96;

fn perr(file: &str, column: Option<&str>, message: impl Into<String>) -> Error {
    Error::Parse {
        location: Location {
            file: file.to_string(),
            line: None,
            column: column.map(str::to_string),
        },
        message: message.into(),
    }
}

fn pq(file: &str, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: file.to_string(),
        source: std::io::Error::other(format!("parquet: {e}")),
    }
}

/// How one input column is read.
#[derive(Debug, Clone)]
enum In {
    /// `Decimal128(_, scale)`, scale 0..=18.
    Dec(i8),
    /// A timestamp in seconds, milliseconds or microseconds.
    Time(TimeUnit),
    /// UTF-8 text (read as a dictionary).
    Text,
}

/// The columns of one input file, as the columnar path reads them.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    /// Rows in the file (a file without rows adds no extension column, as in the record
    /// path, which learns them from the records).
    rows: i64,
    names: Vec<String>,
    /// Per input column: the FOCUS column it holds (`None`: an extension) and how it is read.
    cols: Vec<(Option<Column>, In)>,
}

impl Layout {
    /// The layout of a Parquet file if the columnar path can allocate it exactly as the record
    /// path would (FOCUS 1.2 names, nothing derived, decimal money, microsecond-or-coarser
    /// timestamps, text as UTF-8); `None` otherwise.
    pub(super) fn of(path: &Path, rules: &Rules) -> Result<Option<Layout>> {
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

    fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn extensions(&self) -> impl Iterator<Item = &str> {
        self.cols
            .iter()
            .zip(&self.names)
            .filter(|((c, _), _)| c.is_none())
            .map(|(_, n)| n.as_str())
    }
}

/// The value the record path gives a FOCUS column a file lacks (the readers' template: a
/// blank record without a charge frequency or pricing category).
fn absent_text(c: Column) -> Option<String> {
    match c {
        Column::ChargeFrequency | Column::PricingCategory => None,
        c => CostRecord::blank().get(c).to_text(),
    }
}

/// The FOCUS 1.2 text the record path keeps for `text` in column `c` (`None` = null), or
/// the reason it refuses it.
fn focus_text(c: Option<Column>, text: &str) -> std::result::Result<Option<String>, String> {
    match c {
        None => Ok((!text.is_empty()).then(|| text.to_string())),
        Some(c) => {
            let mut r = CostRecord::blank();
            r.set_text(c, text)?;
            Ok(r.get(c).to_text())
        }
    }
}

/// Per distinct value of a dictionary: the normalised text, its error, and what rules and
/// keys make of it.
#[derive(Debug)]
struct Mapped {
    /// The input dictionary values (kept alive: compared by pointer).
    input: ArrayRef,
    /// The output values (null where the record path keeps null).
    values: ArrayRef,
    /// Per entry, then one for a null key: the record path's error for it.
    errors: Vec<Option<String>>,
    /// Per entry, then one for a null key: whether the output is null.
    null: Vec<bool>,
    /// Output values equal the input values and no entry becomes null.
    identity: bool,
    /// Per entry, then one for a null key: the best map rule code (see [`Matcher`]).
    rule: Vec<u64>,
    /// Per entry, then one for a null key: the interned output text (currency columns).
    ids: Vec<u32>,
}

/// A value no map rule matches.
const NO_MATCH: u64 = u64::MAX;

/// Rule matching on distinct values: for each input the rules read, the first rule (by file
/// position) that matches a value, as `rule index << 32 | target id`; a row's rule is the
/// smallest code over its inputs (first match wins across fields too).
#[derive(Debug)]
struct Matcher {
    /// Targets by id: the unallocated target, every map target, lookup target and share
    /// recipient or source.
    targets: Vec<String>,
    target_ids: HashMap<String, u32>,
    /// Rule ids by rule index, then `unallocated`, then the share rules.
    rule_ids: Vec<String>,
    /// Per target id: the share rule that splits it.
    share_of: Vec<Option<usize>>,
}

impl Matcher {
    fn new(rules: &Rules) -> Matcher {
        let mut m = Matcher {
            targets: Vec::new(),
            target_ids: HashMap::new(),
            rule_ids: rules.map.iter().map(|r| r.id.clone()).collect(),
            share_of: Vec::new(),
        };
        m.rule_ids.push("unallocated".into());
        m.rule_ids.extend(rules.share.iter().map(|s| s.id.clone()));
        m.target(&rules.unallocated);
        for r in &rules.map {
            if let Some(t) = &r.to {
                m.target(t);
            }
            if let super::Test::Lookup(t) = &r.test {
                let mut v: Vec<&String> = t.values().collect();
                v.sort();
                for t in v {
                    m.target(t);
                }
            }
        }
        for s in &rules.share {
            m.target(&s.from);
            if let ShareMethod::Percent(v) | ShareMethod::Driver(v) = &s.method {
                for (t, _) in v {
                    m.target(t);
                }
            }
            for t in s.to.iter().flatten() {
                m.target(t);
            }
        }
        m.share_of = m
            .targets
            .iter()
            .map(|t| rules.share.iter().position(|s| s.from == *t))
            .collect();
        m
    }

    fn target(&mut self, t: &str) -> u32 {
        if let Some(&i) = self.target_ids.get(t) {
            return i;
        }
        let i = self.targets.len() as u32;
        self.targets.push(t.to_string());
        self.target_ids.insert(t.to_string(), i);
        i
    }

    /// The best code of the rules reading input `field` for its value `v`.
    fn code(&mut self, rules: &Rules, reads: &[usize], v: Option<&str>, tags: bool) -> u64 {
        let parsed = if tags {
            v.and_then(|t| crate::focus::Tags::parse(t).ok())
        } else {
            None
        };
        for &ri in reads {
            let r = &rules.map[ri];
            let value: Option<std::borrow::Cow<'_, str>> = match &r.field {
                Field::Tag(k) => parsed.as_ref().and_then(|t| t.get_ignore_case(k)),
                _ => v.map(Into::into),
            };
            if let Some(t) = r.test_value(value.as_deref()) {
                let id = self.target(&t);
                if self.share_of.len() < self.targets.len() {
                    self.share_of
                        .push(rules.share.iter().position(|s| s.from == t));
                }
                return ((ri as u64) << 32) | u64::from(id);
            }
        }
        NO_MATCH
    }
}

/// What a rule input is, in the files.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RuleInput {
    Tags,
    Column(Column),
    Extension(String),
}

fn rule_inputs(rules: &Rules) -> Vec<(RuleInput, Vec<usize>)> {
    let mut out: Vec<(RuleInput, Vec<usize>)> = Vec::new();
    for (i, r) in rules.map.iter().enumerate() {
        let key = match &r.field {
            Field::Tag(_) => RuleInput::Tags,
            Field::Column(c) => RuleInput::Column(*c),
            Field::Extension(x) => RuleInput::Extension(x.clone()),
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(i),
            None => out.push((key, vec![i])),
        }
    }
    out
}

impl RuleInput {
    fn name(&self) -> &str {
        match self {
            RuleInput::Tags => Column::Tags.name(),
            RuleInput::Column(c) => c.name(),
            RuleInput::Extension(x) => x,
        }
    }
}

/// The rule inputs of one file: input column → groups of (map rule indices, read as Tags).
type RuleCols = Vec<(usize, Vec<(Vec<usize>, bool)>)>;

/// The state of one file's pass: dictionaries mapped so far, per input column.
#[derive(Debug)]
struct FileState<'a> {
    file: String,
    layout: &'a Layout,
    mapped: Vec<Option<Mapped>>,
    /// Rule inputs present in the file: input column → (rule indices, read as Tags) groups.
    rule_cols: RuleCols,
    /// Best rule code of the rule inputs the file lacks (their value is the record path's
    /// default for an absent column).
    absent_code: u64,
    currency_col: usize,
    pricing_currency_col: Option<usize>,
    billing_start_col: usize,
}

/// Interned strings (currencies, months).
#[derive(Debug, Default)]
struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }
}

/// Everything both passes share.
#[derive(Debug)]
struct Shared<'r> {
    rules: &'r Rules,
    matcher: Matcher,
    inputs: Vec<(RuleInput, Vec<usize>)>,
    currencies: Names,
    months: Names,
    /// Month id per `BillingPeriodStart` (µs).
    month_of: HashMap<i64, u32>,
}

impl<'r> Shared<'r> {
    fn month(&mut self, us: i64, file: &str) -> Result<u32> {
        if let Some(&m) = self.month_of.get(&us) {
            return Ok(m);
        }
        let t = DateTime::from_timestamp_micros(us).ok_or_else(|| {
            perr(
                file,
                Some("BillingPeriodStart"),
                format!("timestamp {us}µs is out of range"),
            )
        })?;
        let m = self.months.id(&billing_month(t));
        if self.month_of.len() > 1 << 16 {
            self.month_of.clear();
        }
        self.month_of.insert(us, m);
        Ok(m)
    }

    fn file_state<'a>(&mut self, file: String, layout: &'a Layout) -> Result<FileState<'a>> {
        let need = |n: &str| {
            layout
                .position(n)
                .ok_or_else(|| perr(&file, Some(n), "missing column"))
        };
        let currency_col = need(Column::BillingCurrency.name())?;
        let billing_start_col = need(Column::BillingPeriodStart.name())?;
        let pricing_currency_col = layout.position(Column::PricingCurrency.name());
        let mut rule_cols: RuleCols = Vec::new();
        let mut absent_code = NO_MATCH;
        for (input, reads) in &self.inputs {
            match layout.position(input.name()) {
                Some(i) => {
                    let g = (reads.clone(), *input == RuleInput::Tags);
                    match rule_cols.iter_mut().find(|(c, _)| *c == i) {
                        Some((_, v)) => v.push(g),
                        None => rule_cols.push((i, vec![g])),
                    }
                }
                None => {
                    // An absent column: the record path reads the value a blank record
                    // holds (null for every optional column; extensions are null).
                    let v = match input {
                        RuleInput::Extension(_) | RuleInput::Tags => None,
                        RuleInput::Column(c) => absent_text(*c),
                    };
                    let code = self.matcher.code(
                        self.rules,
                        reads,
                        v.as_deref(),
                        *input == RuleInput::Tags,
                    );
                    absent_code = absent_code.min(code);
                }
            }
        }
        Ok(FileState {
            file,
            layout,
            mapped: (0..layout.cols.len()).map(|_| None).collect(),
            rule_cols,
            absent_code,
            currency_col,
            pricing_currency_col,
            billing_start_col,
        })
    }
}

impl FileState<'_> {
    /// Map the dictionary of text column `i` (once per distinct dictionary).
    fn map_dict(&mut self, shared: &mut Shared<'_>, i: usize, values: &ArrayRef) -> Result<()> {
        if let Some(m) = &self.mapped[i]
            && Arc::ptr_eq(&m.input, values)
        {
            return Ok(());
        }
        let focus = self.layout.cols[i].0;
        let n = values.len();
        let text = |j: usize| -> Option<&str> {
            if values.is_null(j) {
                return None;
            }
            if let Some(s) = values.as_string_opt::<i32>() {
                Some(s.value(j))
            } else {
                values.as_string_opt::<i64>().map(|s| s.value(j))
            }
        };
        let mut out: Vec<Option<String>> = Vec::with_capacity(n);
        let mut errors = Vec::with_capacity(n + 1);
        let mut null = Vec::with_capacity(n + 1);
        let mut identity = values.data_type() == &DataType::Utf8 && values.null_count() == 0;
        for j in 0..=n {
            let raw = if j < n { text(j) } else { None };
            match focus_text(focus, raw.unwrap_or("")) {
                Ok(v) => {
                    identity &= j == n || v.as_deref() == raw;
                    null.push(v.is_none());
                    errors.push(None);
                    if j < n {
                        out.push(v);
                    }
                }
                Err(e) => {
                    identity &= j == n;
                    null.push(true);
                    errors.push(Some(e));
                    if j < n {
                        out.push(None);
                    }
                }
            }
        }
        let groups = self
            .rule_cols
            .iter()
            .find(|(c, _)| *c == i)
            .map(|(_, g)| g.clone());
        let rule = match groups {
            None => Vec::new(),
            Some(groups) => (0..=n)
                .map(|j| {
                    if errors[j].is_some() {
                        return NO_MATCH;
                    }
                    let mut best = NO_MATCH;
                    for (reads, tags) in &groups {
                        let v = if *tags {
                            if j < n { text(j) } else { None }
                        } else {
                            out.get(j).and_then(|v| v.as_deref())
                        };
                        best = best.min(shared.matcher.code(shared.rules, reads, v, *tags));
                    }
                    best
                })
                .collect(),
        };
        let ids = if i == self.currency_col || Some(i) == self.pricing_currency_col {
            (0..=n)
                .map(|j| match out.get(j).and_then(|v| v.as_deref()) {
                    Some(c) => shared.currencies.id(c),
                    None => u32::MAX,
                })
                .collect()
        } else {
            Vec::new()
        };
        let values_out: ArrayRef = if identity {
            values.clone()
        } else {
            Arc::new(StringArray::from(out))
        };
        self.mapped[i] = Some(Mapped {
            input: values.clone(),
            values: values_out,
            errors,
            null,
            identity,
            rule,
            ids,
        });
        Ok(())
    }
}

/// A text column of a batch: keys into the mapped dictionary (`usize::MAX`-free: the last
/// slot of the per-entry vectors is the null key's).
fn dict_keys<'b>(
    file: &str,
    name: &str,
    a: &'b ArrayRef,
) -> Result<&'b DictionaryArray<Int32Type>> {
    a.as_dictionary_opt::<Int32Type>().ok_or_else(|| {
        perr(
            file,
            Some(name),
            "expected a dictionary-encoded text column",
        )
    })
}

/// Entry index of row `i` (the null slot `n` for a null key).
#[inline]
fn entry(d: &DictionaryArray<Int32Type>, i: usize, n: usize) -> usize {
    if d.keys().is_null(i) {
        n
    } else {
        (d.keys().values()[i].max(0) as usize).min(n)
    }
}

/// One converted batch: the output columns in [`focus_schema`] order (FOCUS, then the
/// input's extensions; the `x_` columns are added by the caller), and per row what the
/// allocation needs.
struct Converted {
    columns: Vec<ArrayRef>,
    /// Per row: rule code.
    code: Vec<u64>,
    currency: Vec<u32>,
    month: Vec<u32>,
    billed: Vec<i128>,
    effective: Vec<i128>,
    /// Per row: the pricing currency id (`u32::MAX` = null).
    pricing_currency: Vec<u32>,
}

/// Convert a decimal column to `Decimal128(38, 18)` (checking what the record path checks).
fn convert_dec(file: &str, name: &str, a: &ArrayRef, s: i8, required: bool) -> Result<ArrayRef> {
    let p = a.as_primitive::<Decimal128Type>();
    if required && p.null_count() > 0 {
        return Err(perr(file, Some(name), "a value is required"));
    }
    let mul = 10i128.pow((DECIMAL_SCALE - s) as u32);
    let mut out = Vec::with_capacity(p.len());
    for (i, &v) in p.values().iter().enumerate() {
        if p.is_null(i) {
            out.push(0);
            continue;
        }
        if v.unsigned_abs() >= TWO_POW_96 as u128 {
            return Err(perr(
                file,
                Some(name),
                "the number has more digits than an exact decimal holds",
            ));
        }
        let x = v
            .checked_mul(mul)
            .filter(|x| x.unsigned_abs() < TEN_POW_38 as u128)
            .ok_or_else(|| perr(file, Some(name), "too large for Parquet Decimal128(38, 18)"))?;
        out.push(x);
    }
    let arr = Decimal128Array::new(out.into(), p.nulls().cloned())
        .with_precision_and_scale(DECIMAL_PRECISION, DECIMAL_SCALE)
        .map_err(|e| pq(file, e))?;
    Ok(Arc::new(arr))
}

fn convert_time(file: &str, name: &str, a: &ArrayRef, unit: TimeUnit) -> Result<ArrayRef> {
    if a.null_count() > 0 {
        return Err(perr(file, Some(name), "a date/time is required"));
    }
    let (vals, f): (&[i64], i64) = match unit {
        TimeUnit::Second => (a.as_primitive::<TimestampSecondType>().values(), 1_000_000),
        TimeUnit::Millisecond => (a.as_primitive::<TimestampMillisecondType>().values(), 1000),
        _ => (a.as_primitive::<TimestampMicrosecondType>().values(), 1),
    };
    let mut out = Vec::with_capacity(vals.len());
    for &v in vals {
        let us = v
            .checked_mul(f)
            .filter(|us| DateTime::from_timestamp_micros(*us).is_some())
            .ok_or_else(|| perr(file, Some(name), format!("timestamp {v} is out of range")))?;
        out.push(us);
    }
    Ok(Arc::new(
        TimestampMicrosecondArray::from(out).with_timezone("UTC"),
    ))
}

/// The output of a text column: the input keys over the mapped values, null where the record
/// path keeps null; an error if a row holds a value the record path refuses.
fn convert_text(
    file: &str,
    name: &str,
    d: &DictionaryArray<Int32Type>,
    m: &Mapped,
) -> Result<ArrayRef> {
    let n = m.input.len();
    let rows = d.len();
    let mut any_null = false;
    for i in 0..rows {
        let e = entry(d, i, n);
        if let Some(err) = &m.errors[e] {
            return Err(perr(file, Some(name), err.clone()));
        }
        any_null |= m.null[e];
    }
    if m.identity && !any_null {
        return Ok(Arc::new(d.clone()));
    }
    let keys: Vec<i32> = (0..rows)
        .map(|i| entry(d, i, n).min(n.saturating_sub(1)) as i32)
        .collect();
    let nulls = any_null.then(|| {
        NullBuffer::new(BooleanBuffer::from_iter(
            (0..rows).map(|i| !m.null[entry(d, i, n)]),
        ))
    });
    let keys = Int32Array::new(keys.into(), nulls);
    let values = if n == 0 {
        Arc::new(StringArray::from(vec![None::<&str>])) as ArrayRef
    } else {
        m.values.clone()
    };
    Ok(Arc::new(
        DictionaryArray::<Int32Type>::try_new(keys, values).map_err(|e| pq(file, e))?,
    ))
}

/// A column the file lacks: the record path's default value (null, or a blank record's).
fn absent(c: Option<Column>, rows: usize) -> Result<ArrayRef> {
    let v = c.and_then(absent_text);
    let field = match c {
        Some(c) => crate::focus::parquet::focus_field(c),
        None => ArrowField::new("x", DataType::Utf8, true),
    };
    Ok(match (v, field.data_type()) {
        (None, dt) => new_null_array(dt, rows),
        (Some(t), DataType::Utf8) => Arc::new(StringArray::from(vec![t; rows])),
        (Some(t), _) => {
            return Err(Error::InvalidArgument(format!(
                "{}: no default for a missing non-text column ({t})",
                field.name()
            )));
        }
    })
}

impl FileState<'_> {
    fn convert(
        &mut self,
        shared: &mut Shared<'_>,
        batch: &RecordBatch,
        exts: &[String],
    ) -> Result<Converted> {
        let rows = batch.num_rows();
        let file = self.file.clone();
        // Map the dictionaries first.
        for (i, (_, how)) in self.layout.cols.iter().enumerate() {
            if matches!(how, In::Text) {
                let d = dict_keys(&file, &self.layout.names[i], batch.column(i))?;
                let values = d.values().clone();
                self.map_dict(shared, i, &values)?;
            }
        }
        let mut columns = Vec::with_capacity(Column::ALL.len() + exts.len());
        let out_col = |me: &Self, i: usize| -> Result<ArrayRef> {
            let name = &me.layout.names[i];
            let a = batch.column(i);
            match &me.layout.cols[i] {
                (c, In::Dec(s)) => {
                    convert_dec(&file, name, a, *s, c.is_some_and(|c| !c.allows_nulls()))
                }
                (_, In::Time(u)) => convert_time(&file, name, a, *u),
                (_, In::Text) => {
                    let d = dict_keys(&file, name, a)?;
                    let m = me.mapped[i]
                        .as_ref()
                        .ok_or_else(|| perr(&file, Some(name), "dictionary not mapped"))?;
                    convert_text(&file, name, d, m)
                }
            }
        };
        for c in Column::ALL {
            columns.push(match self.layout.position(c.name()) {
                Some(i) => out_col(self, i)?,
                None => absent(Some(c), rows)?,
            });
        }
        for x in exts {
            columns.push(match self.layout.position(x) {
                Some(i) => out_col(self, i)?,
                None => absent(None, rows)?,
            });
        }
        // Per row: rule code, currency, month, the two showback amounts.
        let mut code = vec![self.absent_code; rows];
        for (i, _) in &self.rule_cols {
            let d = dict_keys(&file, &self.layout.names[*i], batch.column(*i))?;
            let Some(m) = &self.mapped[*i] else { continue };
            let n = m.input.len();
            for (r, c) in code.iter_mut().enumerate() {
                *c = (*c).min(m.rule[entry(d, r, n)]);
            }
        }
        let ids = |me: &Self, i: usize| -> Result<Vec<u32>> {
            let d = dict_keys(&file, &me.layout.names[i], batch.column(i))?;
            let m = me.mapped[i]
                .as_ref()
                .ok_or_else(|| perr(&file, Some(&me.layout.names[i]), "dictionary not mapped"))?;
            let n = m.input.len();
            Ok((0..rows).map(|r| m.ids[entry(d, r, n)]).collect())
        };
        let currency = ids(self, self.currency_col)?;
        let pricing_currency = match self.pricing_currency_col {
            Some(i) => ids(self, i)?,
            None => vec![u32::MAX; rows],
        };
        let start = columns[Column::ALL
            .iter()
            .position(|c| *c == Column::BillingPeriodStart)
            .unwrap_or(0)]
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| perr(&file, Some("BillingPeriodStart"), "not a timestamp"))?
        .clone();
        let mut month = Vec::with_capacity(rows);
        let mut last: Option<(i64, u32)> = None;
        for &us in start.values().iter() {
            let m = match last {
                Some((u, m)) if u == us => m,
                _ => {
                    let m = shared.month(us, &file)?;
                    last = Some((us, m));
                    m
                }
            };
            month.push(m);
        }
        let money = |c: Column| -> Result<Vec<i128>> {
            let i = Column::ALL.iter().position(|x| *x == c).unwrap_or(0);
            Ok(columns[i]
                .as_primitive_opt::<Decimal128Type>()
                .ok_or_else(|| perr(&file, Some(c.name()), "not a decimal"))?
                .values()
                .to_vec())
        };
        let billed = money(Column::BilledCost)?;
        let effective = money(Column::EffectiveCost)?;
        Ok(Converted {
            columns,
            code,
            currency,
            month,
            billed,
            effective,
            pricing_currency,
        })
    }
}

/// The per-currency and showback sums, in fixed point (value × 10^18).
#[derive(Debug, Default)]
struct Sums {
    totals_in: HashMap<u32, [i128; 2]>,
    totals_out: HashMap<u32, [i128; 2]>,
    showback: HashMap<(u32, u32, u32), [i128; 2]>,
    rows_in: u64,
    rows_out: u64,
    rows_split: u64,
}

fn add2(slot: &mut [i128; 2], b: i128, e: i128) -> Result<()> {
    slot[0] = slot[0]
        .checked_add(b)
        .ok_or_else(|| Error::InvalidArgument("BilledCost: sum out of the exact range".into()))?;
    slot[1] = slot[1].checked_add(e).ok_or_else(|| {
        Error::InvalidArgument("EffectiveCost: sum out of the exact range".into())
    })?;
    Ok(())
}

fn fixed_to_decimal(v: i128) -> Result<Decimal> {
    crate::aggregate::fixed_to_decimal(v)
        .ok_or_else(|| Error::InvalidArgument(format!("sum {v}e-18 out of the decimal range")))
}

/// The scale of a fixed-point value (× 10^18) once trailing zeros are removed.
fn scale_of(v: i128) -> u32 {
    if v == 0 {
        return 0;
    }
    let mut s = DECIMAL_SCALE as u32;
    let mut m = v;
    while s > 0 && m % 10 == 0 {
        m /= 10;
        s -= 1;
    }
    s
}

/// A fixed-point value (× 10^18) as a decimal with `scale` places (at least its own).
fn at_scale(v: i128, scale: u32) -> Result<Decimal> {
    let scale = scale.min(DECIMAL_SCALE as u32);
    let m = v / 10i128.pow(DECIMAL_SCALE as u32 - scale);
    Decimal::try_from_i128_with_scale(m, scale)
        .map_err(|e| Error::InvalidArgument(format!("sum out of the decimal range: {e}")))
}

fn dec_of(v: i128) -> Decimal {
    Decimal::from_i128_with_scale(v, DECIMAL_SCALE as u32).normalize()
}

/// Columns split on shared rows.
const SPLIT: [Column; 5] = [
    Column::BilledCost,
    Column::EffectiveCost,
    Column::ListCost,
    Column::ContractedCost,
    Column::PricingCurrencyEffectiveCost,
];

type Weights = Option<(Vec<u32>, Vec<Decimal>)>;

/// The allocation of the batches of one pass 2.
struct Pass2<'a, 'r> {
    shared: &'a mut Shared<'r>,
    alloc: &'a mut Allocator<'r>,
    sums: &'a mut Sums,
    weights: HashMap<(usize, u32, u32), Weights>,
}

impl Pass2<'_, '_> {
    fn weights(&mut self, share: usize, cur: u32, month: u32) -> Weights {
        if let Some(w) = self.weights.get(&(share, cur, month)) {
            return w.clone();
        }
        let c = self.shared.currencies.names[cur as usize].clone();
        let m = self.shared.months.names[month as usize].clone();
        let w = self.alloc.weights_for(share, &c, &m).map(|(names, ws)| {
            let ids = names
                .iter()
                .map(|n| self.shared.matcher.target(n))
                .collect();
            (ids, ws)
        });
        while self.shared.matcher.share_of.len() < self.shared.matcher.targets.len() {
            let t = &self.shared.matcher.targets[self.shared.matcher.share_of.len()];
            let s = self.shared.rules.share.iter().position(|s| s.from == *t);
            self.shared.matcher.share_of.push(s);
        }
        self.weights.insert((share, cur, month), w.clone());
        w
    }

    /// Allocate one converted batch: the output columns with the `x_` columns appended.
    fn allocate(&mut self, file: &str, conv: Converted) -> Result<Vec<ArrayRef>> {
        let rows = conv.code.len();
        let unallocated_rule = self.shared.rules.map.len() as u32;
        let mut target = Vec::with_capacity(rows);
        let mut rule = Vec::with_capacity(rows);
        // Per output row: the input row it copies (`take`) and the shared target it comes
        // from; per split input row: the pieces' amounts of each split column.
        let mut take: Vec<u32> = Vec::new();
        let mut from: Vec<Option<u32>> = Vec::new();
        let mut pieces: HashMap<usize, Vec<Vec<Option<i128>>>> = HashMap::new();
        let mut any_split = false;
        for r in 0..rows {
            let (t, ri) = if conv.code[r] == NO_MATCH {
                (0u32, unallocated_rule)
            } else {
                (
                    (conv.code[r] & 0xffff_ffff) as u32,
                    (conv.code[r] >> 32) as u32,
                )
            };
            let cur = conv.currency[r];
            let month = conv.month[r];
            self.sums.rows_in += 1;
            add2(
                self.sums.totals_in.entry(cur).or_default(),
                conv.billed[r],
                conv.effective[r],
            )?;
            let split = match self
                .shared
                .matcher
                .share_of
                .get(t as usize)
                .copied()
                .flatten()
            {
                Some(si) => self.weights(si, cur, month).map(|w| (si, w)),
                None => None,
            };
            match split {
                None => {
                    target.push(t);
                    rule.push(ri);
                    take.push(r as u32);
                    from.push(None);
                    self.sums.rows_out += 1;
                    add2(
                        self.sums.totals_out.entry(cur).or_default(),
                        conv.billed[r],
                        conv.effective[r],
                    )?;
                    add2(
                        self.sums.showback.entry((t, month, cur)).or_default(),
                        conv.billed[r],
                        conv.effective[r],
                    )?;
                }
                Some((si, (names, weights))) => {
                    any_split = true;
                    self.sums.rows_split += 1;
                    let cur_name = &self.shared.currencies.names[cur as usize];
                    let scale = minor_unit(cur_name);
                    let pscale = match conv.pricing_currency[r] {
                        u32::MAX => 2,
                        p => minor_unit(&self.shared.currencies.names[p as usize]),
                    };
                    let target_name = &self.shared.matcher.targets[t as usize];
                    let mut per_col: Vec<Vec<Option<i128>>> = Vec::with_capacity(SPLIT.len());
                    for c in SPLIT {
                        let i = Column::ALL.iter().position(|x| *x == c).unwrap_or(0);
                        let a = conv.columns[i].as_primitive::<Decimal128Type>();
                        if a.is_null(r) {
                            per_col.push(vec![None; names.len()]);
                            continue;
                        }
                        let d = dec_of(a.value(r));
                        let s = if c == Column::PricingCurrencyEffectiveCost {
                            pscale
                        } else {
                            scale
                        };
                        let parts = split_amount(d, &weights, s).ok_or_else(|| {
                            Error::InvalidArgument(format!(
                                "{file}: {} {d} of a {target_name} record cannot be split exactly",
                                c.name()
                            ))
                        })?;
                        let mut v = Vec::with_capacity(parts.len());
                        for p in parts {
                            v.push(Some(
                                crate::focus::parquet::decimal_to_i128_scale18(p)
                                    .map_err(|m| perr(file, Some(c.name()), m))?,
                            ));
                        }
                        per_col.push(v);
                    }
                    for (k, &name) in names.iter().enumerate() {
                        let b = per_col[0][k].unwrap_or(0);
                        let e = per_col[1][k].unwrap_or(0);
                        target.push(name);
                        rule.push(unallocated_rule + 1 + si as u32);
                        take.push(r as u32);
                        from.push(Some(t));
                        self.sums.rows_out += 1;
                        add2(self.sums.totals_out.entry(cur).or_default(), b, e)?;
                        add2(
                            self.sums.showback.entry((name, month, cur)).or_default(),
                            b,
                            e,
                        )?;
                    }
                    pieces.insert(r, per_col);
                }
            }
        }
        let mut columns = conv.columns;
        if any_split {
            let idx = arrow_array::UInt32Array::from(take.clone());
            for c in columns.iter_mut() {
                *c = arrow_select::take::take(c.as_ref(), &idx, None).map_err(|e| pq(file, e))?;
            }
            // The split money columns: the pieces' values in place of the copies.
            for (k, c) in SPLIT.iter().enumerate() {
                let i = Column::ALL.iter().position(|x| x == c).unwrap_or(0);
                let a = columns[i].as_primitive::<Decimal128Type>();
                let mut vals: Vec<Option<i128>> = a.iter().collect();
                let mut j = 0usize;
                while j < vals.len() {
                    match pieces.get(&(take[j] as usize)) {
                        Some(p) if !p[k].is_empty() => {
                            for (q, v) in p[k].iter().enumerate() {
                                vals[j + q] = *v;
                            }
                            j += p[k].len();
                        }
                        _ => j += 1,
                    }
                }
                columns[i] = Arc::new(
                    Decimal128Array::from(vals)
                        .with_precision_and_scale(DECIMAL_PRECISION, DECIMAL_SCALE)
                        .map_err(|e| pq(file, e))?,
                );
            }
        }
        let targets: ArrayRef = Arc::new(StringArray::from(self.shared.matcher.targets.clone()));
        let rule_ids: ArrayRef = Arc::new(StringArray::from(self.shared.matcher.rule_ids.clone()));
        let dict = |keys: Int32Array, values: &ArrayRef| -> Result<ArrayRef> {
            Ok(Arc::new(
                DictionaryArray::<Int32Type>::try_new(keys, values.clone())
                    .map_err(|e| pq(file, e))?,
            ))
        };
        columns.push(dict(
            Int32Array::from(target.iter().map(|t| *t as i32).collect::<Vec<_>>()),
            &targets,
        )?);
        columns.push(dict(
            Int32Array::from(rule.iter().map(|t| *t as i32).collect::<Vec<_>>()),
            &rule_ids,
        )?);
        columns.push(if any_split {
            dict(
                Int32Array::from(from.iter().map(|t| t.map(|t| t as i32)).collect::<Vec<_>>()),
                &targets,
            )?
        } else {
            new_null_array(&DataType::Utf8, target.len())
        });
        Ok(columns)
    }
}

/// Encode and write row groups: columns encoded on two threads while the caller reads on.
struct RowGroupSink {
    tx: Option<std::sync::mpsc::SyncSender<Vec<Vec<ArrayRef>>>>,
    pending: Vec<Vec<ArrayRef>>,
    pending_rows: usize,
}

impl RowGroupSink {
    fn push(&mut self, mut cols: Vec<ArrayRef>, ncols: usize) -> Result<()> {
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

    fn flush(&mut self, ncols: usize) -> Result<()> {
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
fn write_row_groups(
    out: &Path,
    schema: SchemaRef,
    rx: std::sync::mpsc::Receiver<Vec<Vec<ArrayRef>>>,
) -> Result<AtomicFile> {
    let label = out.display().to_string();
    let file = AtomicFile::create(out)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by("finops-rs".to_string())
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
                for a in &rg[c] {
                    for leaf in compute_leaves(field, a).map_err(|e| pq(&label, e))? {
                        w.write(&leaf).map_err(|e| pq(&label, e))?;
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

fn open(
    path: &Path,
    layout: &Layout,
    cols: Option<&[usize]>,
) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader> {
    let label = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| pq(&label, e))?;
    let hinted = Arc::new(Schema::new_with_metadata(
        b.schema()
            .fields()
            .iter()
            .zip(&layout.cols)
            .map(|(f, (_, how))| match how {
                In::Text => Arc::new(ArrowField::new(
                    f.name(),
                    DataType::Dictionary(
                        Box::new(DataType::Int32),
                        Box::new(f.data_type().clone()),
                    ),
                    f.is_nullable(),
                )),
                _ => f.clone(),
            })
            .collect::<Vec<_>>(),
        b.schema().metadata().clone(),
    ));
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let b = ParquetRecordBatchReaderBuilder::try_new_with_options(
        f,
        ArrowReaderOptions::new().with_schema(hinted),
    )
    .map_err(|e| pq(&label, e))?;
    let b = match cols {
        Some(c) => {
            let mask = ProjectionMask::roots(b.parquet_schema(), c.iter().copied());
            b.with_projection(mask)
        }
        None => b,
    };
    b.with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| pq(&label, e))
}

/// Whether the weights of some share rule depend on direct costs (then a first pass sums
/// them).
fn needs_direct(rules: &Rules) -> bool {
    rules.share.iter().any(|s| {
        s.method == ShareMethod::Proportional || (s.method == ShareMethod::Even && s.to.is_none())
    })
}

/// Allocate FOCUS 1.2 Parquet files whose [`Layout`]s the columnar path takes.
pub(super) fn allocate(
    paths: &[&Path],
    layouts: &[Layout],
    rules: &Rules,
    out: &Path,
) -> Result<AllocationSummary> {
    let mut shared = Shared {
        rules,
        matcher: Matcher::new(rules),
        inputs: rule_inputs(rules),
        currencies: Names::default(),
        months: Names::default(),
        month_of: HashMap::new(),
    };
    let mut alloc = Allocator::new(rules);
    // Pass 1 (only when a share rule needs them): direct costs per target, month, currency.
    if needs_direct(rules) {
        // Σ and the largest scale of the (normalised) values summed: the record path's
        // decimal sum has that scale, and the weights it gives keep it.
        let mut direct: HashMap<(u32, u32, u32), (i128, u32)> = HashMap::new();
        for (p, layout) in paths.iter().zip(layouts) {
            let label = p.display().to_string();
            let mut st = shared.file_state(label.clone(), layout)?;
            let mut cols: Vec<usize> = st.rule_cols.iter().map(|(c, _)| *c).collect();
            let billed = layout
                .position(Column::BilledCost.name())
                .ok_or_else(|| perr(&label, Some("BilledCost"), "missing column"))?;
            cols.extend([st.currency_col, st.billing_start_col, billed]);
            cols.sort_unstable();
            cols.dedup();
            for batch in open(p, layout, Some(&cols))? {
                let batch = batch.map_err(|e| pq(&label, e))?;
                let pos = |name: &str| batch.schema().index_of(name).map_err(|e| pq(&label, e));
                let rows = batch.num_rows();
                let mut code = vec![st.absent_code; rows];
                for i in st.rule_cols.iter().map(|(c, _)| *c).collect::<Vec<_>>() {
                    let a = batch.column(pos(&layout.names[i])?).clone();
                    let d = dict_keys(&label, &layout.names[i], &a)?;
                    st.map_dict(&mut shared, i, &d.values().clone())?;
                    let m = st.mapped[i]
                        .as_ref()
                        .ok_or_else(|| pq(&label, "unmapped"))?;
                    let n = m.input.len();
                    for (r, c) in code.iter_mut().enumerate() {
                        *c = (*c).min(m.rule[entry(d, r, n)]);
                    }
                }
                let ca = batch.column(pos(&layout.names[st.currency_col])?).clone();
                let cd = dict_keys(&label, Column::BillingCurrency.name(), &ca)?;
                st.map_dict(&mut shared, st.currency_col, &cd.values().clone())?;
                let cm = st.mapped[st.currency_col]
                    .as_ref()
                    .ok_or_else(|| pq(&label, "unmapped"))?;
                let start = convert_time(
                    &label,
                    "BillingPeriodStart",
                    batch.column(pos(Column::BillingPeriodStart.name())?),
                    match &layout.cols[st.billing_start_col].1 {
                        In::Time(u) => *u,
                        _ => TimeUnit::Microsecond,
                    },
                )?;
                let start = start.as_primitive::<TimestampMicrosecondType>().clone();
                let In::Dec(s) = layout.cols[billed].1 else {
                    return Err(perr(&label, Some("BilledCost"), "not a decimal"));
                };
                let b = convert_dec(
                    &label,
                    "BilledCost",
                    batch.column(pos("BilledCost")?),
                    s,
                    true,
                )?;
                let b = b.as_primitive::<Decimal128Type>();
                let n = cm.input.len();
                for (r, &c) in code.iter().enumerate() {
                    let e = entry(cd, r, n);
                    if let Some(err) = &cm.errors[e] {
                        return Err(perr(&label, Some("BillingCurrency"), err.clone()));
                    }
                    let t = if c == NO_MATCH {
                        0
                    } else {
                        (c & 0xffff_ffff) as u32
                    };
                    if shared
                        .matcher
                        .share_of
                        .get(t as usize)
                        .copied()
                        .flatten()
                        .is_some()
                    {
                        continue;
                    }
                    let month = shared.month(start.value(r), &label)?;
                    let v = b.value(r);
                    let slot = direct.entry((cm.ids[e], month, t)).or_default();
                    slot.0 = slot.0.checked_add(v).ok_or_else(|| {
                        Error::InvalidArgument("BilledCost: sum out of the exact range".into())
                    })?;
                    slot.1 = slot.1.max(scale_of(v));
                }
            }
        }
        for ((cur, month, t), (v, scale)) in direct {
            let key = (
                shared.currencies.names[cur as usize].clone(),
                shared.months.names[month as usize].clone(),
            );
            alloc.direct.entry(key).or_default().insert(
                shared.matcher.targets[t as usize].clone(),
                at_scale(v, scale)?,
            );
        }
    }
    // The output columns: FOCUS 1.2, the inputs' extensions (first seen first), the x_ ones.
    let mut exts: Vec<String> = Vec::new();
    for l in layouts.iter().filter(|l| l.rows > 0) {
        for x in l.extensions() {
            if !exts.iter().any(|e| e == x) {
                exts.push(x.to_string());
            }
        }
    }
    let mut all = exts.clone();
    all.extend([X_ALLOCATED_TO, X_ALLOCATION_RULE, X_ALLOCATED_FROM].map(String::from));
    let schema: SchemaRef = Arc::new(focus_schema(&all));
    let ncols = schema.fields().len();
    let mut sums = Sums::default();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<ArrayRef>>>(1);
    let wschema = schema.clone();
    let written = std::thread::scope(|s| -> Result<AtomicFile> {
        let writer = s.spawn(move || write_row_groups(out, wschema, rx));
        let mut sink = RowGroupSink {
            tx: Some(tx),
            pending: Vec::new(),
            pending_rows: 0,
        };
        let read = (|| -> Result<()> {
            let mut pass = Pass2 {
                shared: &mut shared,
                alloc: &mut alloc,
                sums: &mut sums,
                weights: HashMap::new(),
            };
            for (p, layout) in paths.iter().zip(layouts) {
                let label = p.display().to_string();
                let mut st = pass.shared.file_state(label.clone(), layout)?;
                for batch in open(p, layout, None)? {
                    let batch = batch.map_err(|e| pq(&label, e))?;
                    let conv = st.convert(pass.shared, &batch, &exts)?;
                    let cols = pass.allocate(&label, conv)?;
                    sink.push(cols, ncols)?;
                }
            }
            sink.flush(ncols)
        })();
        drop(sink);
        let w = writer.join().map_err(|_| {
            Error::InvalidArgument(format!("{}: the writer panicked", out.display()))
        })?;
        match (read, w) {
            (_, Err(e)) | (Err(e), _) => Err(e),
            (Ok(()), Ok(f)) => Ok(f),
        }
    })?;
    // Conservation, then publish.
    let cur = |id: &u32| shared.currencies.names[*id as usize].clone();
    let to_map = |m: &HashMap<u32, [i128; 2]>| -> Result<BTreeMap<String, [Decimal; 2]>> {
        m.iter()
            .map(|(k, v)| Ok((cur(k), [fixed_to_decimal(v[0])?, fixed_to_decimal(v[1])?])))
            .collect()
    };
    let tin = to_map(&sums.totals_in)?;
    let tout = to_map(&sums.totals_out)?;
    if tin != tout {
        return Err(Error::InvalidArgument(format!(
            "allocation does not balance: input {tin:?}, output {tout:?}"
        )));
    }
    let mut rows: Vec<ShowbackRow> = Vec::with_capacity(sums.showback.len());
    for ((t, m, c), v) in &sums.showback {
        rows.push(ShowbackRow {
            target: shared.matcher.targets[*t as usize].clone(),
            month: shared.months.names[*m as usize].clone(),
            currency: cur(c),
            billed_cost: fixed_to_decimal(v[0])?,
            effective_cost: fixed_to_decimal(v[1])?,
        });
    }
    rows.sort_by(|a, b| {
        (&a.target, &a.month, &a.currency).cmp(&(&b.target, &b.month, &b.currency))
    });
    written.commit()?;
    Ok(AllocationSummary {
        rows_in: sums.rows_in,
        rows_out: sums.rows_out,
        rows_split: sums.rows_split,
        totals: tin.into_iter().map(|(k, v)| (k, v[0])).collect(),
        showback: Showback { rows },
    })
}
