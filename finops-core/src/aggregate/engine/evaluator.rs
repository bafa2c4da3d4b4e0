//! The per-worker evaluator: dimension values interned to dense ids (derived dimensions and
//! filters computed once per distinct value), rows grouped on their label ids, and measures
//! summed in fixed-point accumulators; [`Evaluator::finish`] hands the groups over as a
//! [`Part`].

use super::merge::{Group, Part};
use super::{DerivedKind, DimRef, NULL, Plan, RowError, TimeEnc, unquote};
use crate::aggregate::fixed::{Num, NumAcc, Spill, to_decimal};
use crate::aggregate::hash::FastMap;
use crate::aggregate::tags::tag_value;
use crate::aggregate::time::{TimeBucket, parse_instant};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::borrow::Cow;

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
