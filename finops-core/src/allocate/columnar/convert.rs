//! Conversion of an input batch to the FOCUS writer's column types (`Decimal128(38, 18)`,
//! UTC microsecond timestamps, text dictionaries over the mapped values, defaults for absent
//! columns), and the fixed-point (value × 10^18) helpers of the sums.

use super::layout::In;
use super::mapping::{FileState, Mapped, Shared, absent_text, dict_keys, entry};
use super::{perr, pq};
use crate::focus::Column;
use crate::focus::parquet::{DECIMAL_PRECISION, DECIMAL_SCALE};
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
use arrow_schema::{DataType, Field as ArrowField, TimeUnit};
use chrono::DateTime;
use rust_decimal::Decimal;
use std::sync::Arc;

/// 10^38: the bound of `Decimal128(38, 18)`.
const TEN_POW_38: i128 = 100_000_000_000_000_000_000_000_000_000_000_000_000;
/// 2^96: the bound of a [`Decimal`] mantissa (the record path parses money into one).
const TWO_POW_96: i128 = 1 << 96;

/// One converted batch: the output columns in
/// [`focus_schema`](crate::focus::parquet::focus_schema) order (FOCUS, then the input's
/// extensions; the `x_` columns are added by the caller), and per row what the allocation
/// needs.
pub(super) struct Converted {
    pub(super) columns: Vec<ArrayRef>,
    /// Per row: rule code.
    pub(super) code: Vec<u64>,
    pub(super) currency: Vec<u32>,
    pub(super) month: Vec<u32>,
    pub(super) billed: Vec<i128>,
    pub(super) effective: Vec<i128>,
    /// Per row: the pricing currency id (`u32::MAX` = null).
    pub(super) pricing_currency: Vec<u32>,
}

/// Convert a decimal column to `Decimal128(38, 18)` (checking what the record path checks).
pub(super) fn convert_dec(
    file: &str,
    name: &str,
    a: &ArrayRef,
    s: i8,
    required: bool,
) -> Result<ArrayRef> {
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

pub(super) fn convert_time(
    file: &str,
    name: &str,
    a: &ArrayRef,
    unit: TimeUnit,
) -> Result<ArrayRef> {
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
    pub(super) fn convert(
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

pub(super) fn fixed_to_decimal(v: i128) -> Result<Decimal> {
    crate::aggregate::fixed_to_decimal(v)
        .ok_or_else(|| Error::InvalidArgument(format!("sum {v}e-18 out of the decimal range")))
}

/// The scale of a fixed-point value (× 10^18) once trailing zeros are removed.
pub(super) fn scale_of(v: i128) -> u32 {
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
pub(super) fn at_scale(v: i128, scale: u32) -> Result<Decimal> {
    let scale = scale.min(DECIMAL_SCALE as u32);
    let m = v / 10i128.pow(DECIMAL_SCALE as u32 - scale);
    Decimal::try_from_i128_with_scale(m, scale)
        .map_err(|e| Error::InvalidArgument(format!("sum out of the decimal range: {e}")))
}

pub(super) fn dec_of(v: i128) -> Decimal {
    Decimal::from_i128_with_scale(v, DECIMAL_SCALE as u32).normalize()
}
