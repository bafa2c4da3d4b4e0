//! The final merge: the workers' [`Part`]s folded into one table of groups keyed by their
//! resolved bytes, then turned into the sorted [`AggregateTable`].

use super::Plan;
use crate::aggregate::fixed::{NumAcc, Spill, to_decimal};
use crate::aggregate::hash::FastMap;
use crate::aggregate::{AggregateRow, AggregateTable, Measure};
use crate::{Error, Result};
use rust_decimal::Decimal;

/// One group with its key resolved to bytes.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(super) key: Vec<Option<Box<[u8]>>>,
    pub(super) count: u64,
    pub(super) accs: Vec<NumAcc>,
    pub(super) spills: Vec<Option<Spill>>,
}

/// A worker's groups.
#[derive(Debug, Clone, Default)]
pub(crate) struct Part {
    pub(super) groups: Vec<Group>,
}

/// All parts merged.
#[derive(Debug)]
pub(crate) struct Merged {
    index: FastMap<Vec<Option<Box<[u8]>>>, usize>,
    pub(super) groups: Vec<Group>,
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
                                s = crate::aggregate::fixed::exact_add(s, sp.sum)
                                    .ok_or_else(overflow)?;
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
pub(super) fn cmp_keys(a: &[Option<String>], b: &[Option<String>]) -> std::cmp::Ordering {
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
