//! The split pass: each converted batch gets its rows' targets and rules, shared rows are
//! replicated with their money split exactly, the `x_` columns are appended, and the totals
//! and showback are summed in fixed point.

use super::convert::{Converted, dec_of};
use super::mapping::Shared;
use super::matcher::NO_MATCH;
use super::{perr, pq};
use crate::allocate::{Allocator, minor_unit, split_amount};
use crate::focus::Column;
use crate::focus::parquet::{DECIMAL_PRECISION, DECIMAL_SCALE};
use crate::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int32Type};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, DictionaryArray, Int32Array, StringArray, new_null_array,
};
use arrow_schema::DataType;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

/// The per-currency and showback sums, in fixed point (value × 10^18).
#[derive(Debug, Default)]
pub(super) struct Sums {
    pub(super) totals_in: HashMap<u32, [i128; 2]>,
    pub(super) totals_out: HashMap<u32, [i128; 2]>,
    pub(super) showback: HashMap<(u32, u32, u32), [i128; 2]>,
    pub(super) rows_in: u64,
    pub(super) rows_out: u64,
    pub(super) rows_split: u64,
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
pub(super) struct Pass2<'a, 'r> {
    pub(super) shared: &'a mut Shared<'r>,
    pub(super) alloc: &'a mut Allocator<'r>,
    pub(super) sums: &'a mut Sums,
    pub(super) weights: HashMap<(usize, u32, u32), Weights>,
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
    pub(super) fn allocate(&mut self, file: &str, conv: Converted) -> Result<Vec<ArrayRef>> {
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
