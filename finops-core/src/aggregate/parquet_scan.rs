//! The Parquet path: the `parquet` crate's arrow reader with column projection, row groups
//! split between workers.

use super::engine::{Evaluator, Part, Plan, SKIP, TimeEnc, check_unique_header};
use super::fixed::{Num, SCALE, from_decimal, parse_num};
use crate::error::Location;
use crate::focus::format_time;
use crate::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::{DataType, TimeUnit};
use arrow_schema::{Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use rust_decimal::Decimal;
use std::path::Path;
use std::sync::Arc;

fn perr(path: &Path, column: Option<String>, message: String) -> Error {
    Error::Parse {
        location: Location {
            file: path.display().to_string(),
            line: None,
            column,
        },
        message,
    }
}

fn open_hinted(
    path: &Path,
    schema: Arc<Schema>,
) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>> {
    let f = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    ParquetRecordBatchReaderBuilder::try_new_with_options(
        f,
        ArrowReaderOptions::new().with_schema(schema),
    )
    .map_err(|e| perr(path, None, format!("not a readable Parquet file: {e}")))
}

fn open(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>> {
    let f = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| perr(path, None, format!("not a readable Parquet file: {e}")))
}

/// Column names the plan reads: (non-numeric fields, numeric fields).
fn resolve(path: &Path, names: &[String], plan: &Plan) -> Result<(Vec<String>, Vec<String>)> {
    let missing = |c: String| Error::MissingColumn {
        file: path.display().to_string(),
        column: c,
    };
    let find = |cands: Vec<String>| cands.into_iter().find(|c| names.contains(c));
    let mut fields = Vec::new();
    for f in &plan.fields {
        fields.push(find(f.source.header_names()).ok_or_else(|| missing(f.source.name()))?);
    }
    let mut nums = Vec::new();
    for c in &plan.nums {
        let cands = super::header_names(*c)
            .into_iter()
            .map(String::from)
            .collect();
        nums.push(find(cands).ok_or_else(|| missing(c.name().to_string()))?);
    }
    Ok((fields, nums))
}

/// Aggregate one Parquet file, row groups shared between `threads` workers.
pub(crate) fn scan_file(path: &Path, plan: &Plan, threads: usize) -> Result<Vec<Part>> {
    let b = open(path)?;
    let names: Vec<String> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    check_unique_header(&path.display().to_string(), &names)?;
    let (fnames, nnames) = resolve(path, &names, plan)?;
    let fallback: Vec<bool> = plan
        .fields
        .iter()
        .zip(&fnames)
        .map(|(f, n)| f.source.is_fallback(n))
        .collect();
    let roots: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| fnames.contains(n) || nnames.contains(n))
        .map(|(i, _)| i)
        .collect();
    // Text columns read as dictionaries: a dimension value is looked at once per dictionary
    // entry, not once per row (the reader keeps the file's dictionary pages as they are).
    let hinted: Arc<Schema> = Arc::new(Schema::new_with_metadata(
        b.schema()
            .fields()
            .iter()
            .map(|f| {
                let dict = |v: DataType| {
                    Arc::new(Field::new(
                        f.name(),
                        DataType::Dictionary(Box::new(DataType::Int32), Box::new(v)),
                        f.is_nullable(),
                    ))
                };
                if fnames.contains(f.name()) {
                    match f.data_type() {
                        DataType::Utf8 => return dict(DataType::Utf8),
                        DataType::LargeUtf8 => return dict(DataType::LargeUtf8),
                        _ => {}
                    }
                }
                f.clone()
            })
            .collect::<Vec<_>>(),
        b.schema().metadata().clone(),
    ));
    let groups = b.metadata().num_row_groups();
    let workers = threads.max(1).min(groups.max(1));
    drop(b);
    let assign: Vec<Vec<usize>> = (0..workers)
        .map(|w| (0..groups).filter(|g| g % workers == w).collect())
        .collect();
    let run = |rgs: Vec<usize>| -> Result<Part> {
        let b = open_hinted(path, hinted.clone())?;
        let mask = ProjectionMask::roots(b.parquet_schema(), roots.iter().copied());
        let reader = b
            .with_row_groups(rgs)
            .with_projection(mask)
            .with_batch_size(8192)
            .build()
            .map_err(|e| perr(path, None, e.to_string()))?;
        let time_enc: Vec<TimeEnc> = fnames
            .iter()
            .zip(&plan.fields)
            .map(|(n, f)| {
                let is_ts = reader
                    .schema()
                    .field_with_name(n)
                    .is_ok_and(|fl| matches!(fl.data_type(), DataType::Timestamp(..)));
                if is_ts && !f.plain {
                    TimeEnc::MicrosLe
                } else {
                    TimeEnc::Text
                }
            })
            .collect();
        let ev = Evaluator::new(plan, false, time_enc.clone()).with_fallback(fallback.clone());
        let mut w = Worker {
            plan,
            ev,
            dicts: vec![None; plan.slots.len()],
            labels: vec![Vec::new(); plan.slots.len()],
            groups: Vec::new(),
        };
        for batch in reader {
            let batch = batch.map_err(|e| perr(path, None, e.to_string()))?;
            w.batch(path, &batch, &fnames, &nnames, &time_enc)?;
        }
        Ok(w.ev.finish())
    };
    if workers <= 1 {
        return Ok(vec![run((0..groups).collect())?]);
    }
    std::thread::scope(|s| {
        let hs: Vec<_> = assign.into_iter().map(|rgs| s.spawn(|| run(rgs))).collect();
        let mut parts = Vec::new();
        for h in hs {
            match h.join() {
                Ok(r) => parts.push(r?),
                Err(_) => {
                    return Err(Error::InvalidArgument(format!(
                        "{}: an aggregation worker panicked",
                        path.display()
                    )));
                }
            }
        }
        Ok(parts)
    })
}

/// A text view of one column of a batch.
enum TextCol<'a> {
    S32(&'a arrow_array::StringArray),
    S64(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Owned(Vec<Option<Vec<u8>>>),
    /// Timestamps as little-endian microseconds.
    Micros(Vec<Option<[u8; 8]>>),
}

impl TextCol<'_> {
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        match self {
            TextCol::S32(a) => (!a.is_null(i)).then(|| a.value(i).as_bytes()),
            TextCol::S64(a) => (!a.is_null(i)).then(|| a.value(i).as_bytes()),
            TextCol::View(a) => (!a.is_null(i)).then(|| a.value(i).as_bytes()),
            TextCol::Owned(v) => v[i].as_deref(),
            TextCol::Micros(v) => v[i].as_ref().map(|a| a.as_slice()),
        }
        .filter(|b| !b.is_empty())
    }
}

fn micros(a: &ArrayRef, unit: &TimeUnit) -> Vec<Option<i64>> {
    let n = a.len();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        if a.is_null(i) {
            out.push(None);
            continue;
        }
        out.push(match unit {
            TimeUnit::Second => a
                .as_primitive::<TimestampSecondType>()
                .value(i)
                .checked_mul(1_000_000),
            TimeUnit::Millisecond => a
                .as_primitive::<TimestampMillisecondType>()
                .value(i)
                .checked_mul(1000),
            TimeUnit::Microsecond => Some(a.as_primitive::<TimestampMicrosecondType>().value(i)),
            TimeUnit::Nanosecond => {
                Some(a.as_primitive::<TimestampNanosecondType>().value(i) / 1000)
            }
        });
    }
    out
}

fn text_col<'a>(path: &Path, name: &str, a: &'a ArrayRef, enc: TimeEnc) -> Result<TextCol<'a>> {
    if let Some(s) = a.as_string_opt::<i32>() {
        return Ok(TextCol::S32(s));
    }
    if let Some(s) = a.as_string_opt::<i64>() {
        return Ok(TextCol::S64(s));
    }
    if let Some(s) = a.as_string_view_opt() {
        return Ok(TextCol::View(s));
    }
    if let Some(d) = a.as_any_dictionary_opt() {
        let keys = d.normalized_keys();
        let values = d.values();
        let vals = text_col(path, name, values, TimeEnc::Text)?;
        let nulls = d.keys();
        return Ok(TextCol::Owned(
            (0..a.len())
                .map(|i| {
                    if nulls.is_null(i) {
                        None
                    } else {
                        vals.get(keys[i]).map(|b| b.to_vec())
                    }
                })
                .collect(),
        ));
    }
    match a.data_type() {
        DataType::Timestamp(unit, _) if enc == TimeEnc::MicrosLe => Ok(TextCol::Micros(
            micros(a, unit)
                .into_iter()
                .map(|v| v.map(i64::to_le_bytes))
                .collect(),
        )),
        DataType::Timestamp(unit, _) => {
            let us = micros(a, unit);
            Ok(TextCol::Owned(
                us.into_iter()
                    .map(|v| {
                        v.map(|us| match enc {
                            TimeEnc::MicrosLe => us.to_le_bytes().to_vec(),
                            TimeEnc::Text => chrono::DateTime::from_timestamp_micros(us)
                                .map(format_time)
                                .unwrap_or_default()
                                .into_bytes(),
                        })
                    })
                    .collect(),
            ))
        }
        DataType::Int64 => {
            let p = a.as_primitive::<Int64Type>();
            Ok(TextCol::Owned(
                (0..a.len())
                    .map(|i| (!p.is_null(i)).then(|| p.value(i).to_string().into_bytes()))
                    .collect(),
            ))
        }
        DataType::Int32 => {
            let p = a.as_primitive::<Int32Type>();
            Ok(TextCol::Owned(
                (0..a.len())
                    .map(|i| (!p.is_null(i)).then(|| p.value(i).to_string().into_bytes()))
                    .collect(),
            ))
        }
        other => Err(perr(
            path,
            Some(name.to_string()),
            format!("unsupported Parquet type {other} for a dimension"),
        )),
    }
}

fn num_col(path: &Path, name: &str, a: &ArrayRef) -> Result<Vec<Option<Num>>> {
    let n = a.len();
    let bad = |m: String| perr(path, Some(name.to_string()), m);
    let mut out = Vec::with_capacity(n);
    match a.data_type() {
        DataType::Decimal128(_, s) => {
            let p = a.as_primitive::<arrow_array::types::Decimal128Type>();
            let s = *s;
            for i in 0..n {
                if p.is_null(i) {
                    out.push(None);
                    continue;
                }
                let v = p.value(i);
                let num = if (0..=SCALE as i8).contains(&s) {
                    v.checked_mul(10i128.pow(SCALE - s as u32)).map(Num::Fixed)
                } else {
                    None
                };
                out.push(Some(match num {
                    Some(n) => n,
                    None => {
                        let d = if s >= 0 {
                            Decimal::try_from_i128_with_scale(v, s as u32)
                                .map_err(|e| bad(format!("decimal out of range: {e}")))?
                        } else {
                            return Err(bad("negative decimal scale is not supported".into()));
                        };
                        from_decimal(d)
                    }
                }));
            }
        }
        DataType::Float64 | DataType::Float32 => {
            // Floats are read through their shortest round-trip decimal text, never as
            // binary fractions.
            for i in 0..n {
                if a.is_null(i) {
                    out.push(None);
                    continue;
                }
                let text = if a.data_type() == &DataType::Float64 {
                    a.as_primitive::<Float64Type>().value(i).to_string()
                } else {
                    a.as_primitive::<Float32Type>().value(i).to_string()
                };
                out.push(Some(parse_num(text.as_bytes()).map_err(bad)?));
            }
        }
        DataType::Int64 => {
            let p = a.as_primitive::<Int64Type>();
            for i in 0..n {
                out.push((!p.is_null(i)).then(|| from_decimal(Decimal::from(p.value(i)))));
            }
        }
        DataType::Int32 => {
            let p = a.as_primitive::<Int32Type>();
            for i in 0..n {
                out.push((!p.is_null(i)).then(|| from_decimal(Decimal::from(p.value(i)))));
            }
        }
        _ => {
            let t = text_col(path, name, a, TimeEnc::Text)?;
            for i in 0..n {
                out.push(match t.get(i) {
                    None => None,
                    Some(b) => Some(parse_num(b).map_err(bad)?),
                });
            }
        }
    }
    Ok(out)
}

/// One worker's state: the evaluator, and per label slot the dictionary it last mapped.
struct Worker<'p> {
    plan: &'p Plan,
    ev: Evaluator<'p>,
    /// Per slot: the dictionary values last seen (kept alive, compared by pointer) and the
    /// label of each entry.
    dicts: Vec<Option<(ArrayRef, Vec<u32>)>>,
    labels: Vec<Vec<u32>>,
    groups: Vec<u32>,
}

/// Text of a dictionary's values array (`None` when the values are not text).
fn dict_text(values: &ArrayRef, j: usize) -> Option<Option<&[u8]>> {
    let v = if let Some(s) = values.as_string_opt::<i32>() {
        (!s.is_null(j)).then(|| s.value(j).as_bytes())
    } else if let Some(s) = values.as_string_opt::<i64>() {
        (!s.is_null(j)).then(|| s.value(j).as_bytes())
    } else if let Some(s) = values.as_string_view_opt() {
        (!s.is_null(j)).then(|| s.value(j).as_bytes())
    } else {
        return None;
    };
    Some(v)
}

fn is_text(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

impl Worker<'_> {
    fn batch(
        &mut self,
        path: &Path,
        batch: &RecordBatch,
        fnames: &[String],
        nnames: &[String],
        time_enc: &[TimeEnc],
    ) -> Result<()> {
        let col = |n: &str| {
            batch.column_by_name(n).ok_or_else(|| {
                perr(
                    path,
                    Some(n.to_string()),
                    "column missing from batch".into(),
                )
            })
        };
        let n = batch.num_rows();
        let plan = self.plan;
        self.ev.start_batch();
        for (s, &r) in plan.slots.iter().enumerate() {
            let f = plan.field_of(r);
            let a = col(&fnames[f])?;
            let labels = &mut self.labels[s];
            labels.clear();
            labels.reserve(n);
            let dict = a
                .as_dictionary_opt::<Int32Type>()
                .filter(|d| is_text(d.values().data_type()));
            if let Some(d) = dict {
                let values = d.values();
                let fresh = !matches!(&self.dicts[s], Some((v, _)) if Arc::ptr_eq(v, values));
                if fresh {
                    let mut map = Vec::with_capacity(values.len() + 1);
                    for j in 0..values.len() {
                        let v = dict_text(values, j).flatten();
                        map.push(self.ev.value_label(r, v));
                    }
                    // The label of a null key, last.
                    map.push(self.ev.value_label(r, None));
                    self.dicts[s] = Some((values.clone(), map));
                }
                let Some((_, map)) = &self.dicts[s] else {
                    continue;
                };
                let null = map[map.len() - 1];
                let keys = d.keys();
                let kv = keys.values();
                let bad = || {
                    perr(
                        path,
                        Some(fnames[f].clone()),
                        "dictionary key out of range".into(),
                    )
                };
                match keys.nulls().filter(|nb| nb.null_count() > 0) {
                    None => {
                        for &k in kv.iter() {
                            labels.push(*map.get(k as usize).ok_or_else(bad)?);
                        }
                    }
                    Some(nb) => {
                        for (i, &k) in kv.iter().enumerate() {
                            labels.push(if nb.is_null(i) {
                                null
                            } else {
                                *map.get(k as usize).ok_or_else(bad)?
                            });
                        }
                    }
                }
            } else {
                let t = text_col(path, &fnames[f], a, time_enc[f])?;
                for i in 0..n {
                    labels.push(self.ev.row_label(r, t.get(i)));
                }
            }
        }
        self.ev
            .group_rows(&self.labels, n, &mut self.groups)
            .map_err(|e| perr(path, Some(e.field), e.message))?;
        for (k, name) in nnames.iter().enumerate() {
            add_num_col(path, name, col(name)?, k, &self.groups, &mut self.ev)?;
        }
        Ok(())
    }
}

/// Add numeric column `k` of a batch to the rows' groups.
fn add_num_col(
    path: &Path,
    name: &str,
    a: &ArrayRef,
    k: usize,
    groups: &[u32],
    ev: &mut Evaluator<'_>,
) -> Result<()> {
    let bad = |e: super::engine::RowError| perr(path, Some(e.field), e.message);
    if let DataType::Decimal128(_, s) = a.data_type()
        && (0..=SCALE as i8).contains(s)
    {
        // The fast path: exact fixed point straight from the decimal's integer.
        let p = a.as_primitive::<arrow_array::types::Decimal128Type>();
        let mul = 10i128.pow(SCALE - *s as u32);
        let s = *s as u32;
        let nulls = p.nulls().filter(|nb| nb.null_count() > 0);
        for (i, (&v, &g)) in p.values().iter().zip(groups).enumerate() {
            if g == SKIP || nulls.is_some_and(|nb| nb.is_null(i)) {
                continue;
            }
            match v.checked_mul(mul) {
                Some(f) => ev.add_fixed(g as usize, k, f),
                None => {
                    let d = Decimal::try_from_i128_with_scale(v, s).map_err(|e| {
                        perr(
                            path,
                            Some(name.to_string()),
                            format!("decimal out of range: {e}"),
                        )
                    })?;
                    ev.add_num(g as usize, k, from_decimal(d))
                }
            }
            .map_err(bad)?;
        }
        return Ok(());
    }
    let values = num_col(path, name, a)?;
    for (v, &g) in values.iter().zip(groups) {
        if g == SKIP {
            continue;
        }
        if let Some(v) = v {
            ev.add_num(g as usize, k, *v).map_err(bad)?;
        }
    }
    Ok(())
}
