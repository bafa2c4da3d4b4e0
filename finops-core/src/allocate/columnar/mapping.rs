//! Dictionary mapping: the state shared by both passes (matcher, interned currencies and
//! months) and per file, each distinct dictionary value of a text column normalised, checked
//! and matched against the rules once.

use super::layout::Layout;
use super::matcher::{Matcher, NO_MATCH, RuleInput};
use super::perr;
use crate::Result;
use crate::aggregate::billing_month;
use crate::allocate::Rules;
use crate::focus::{Column, CostRecord};
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, StringArray};
use arrow_schema::DataType;
use chrono::DateTime;
use std::collections::HashMap;
use std::sync::Arc;

/// The value the record path gives a FOCUS column a file lacks (the readers' template: a
/// blank record without a charge frequency or pricing category).
pub(super) fn absent_text(c: Column) -> Option<String> {
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
pub(super) struct Mapped {
    /// The input dictionary values (kept alive: compared by pointer).
    pub(super) input: ArrayRef,
    /// The output values (null where the record path keeps null).
    pub(super) values: ArrayRef,
    /// Per entry, then one for a null key: the record path's error for it.
    pub(super) errors: Vec<Option<String>>,
    /// Per entry, then one for a null key: whether the output is null.
    pub(super) null: Vec<bool>,
    /// Output values equal the input values and no entry becomes null.
    pub(super) identity: bool,
    /// Per entry, then one for a null key: the best map rule code (see [`Matcher`]).
    pub(super) rule: Vec<u64>,
    /// Per entry, then one for a null key: the interned output text (currency columns).
    pub(super) ids: Vec<u32>,
}

/// The rule inputs of one file: input column → groups of (map rule indices, read as Tags).
type RuleCols = Vec<(usize, Vec<(Vec<usize>, bool)>)>;

/// The state of one file's pass: dictionaries mapped so far, per input column.
#[derive(Debug)]
pub(super) struct FileState<'a> {
    pub(super) file: String,
    pub(super) layout: &'a Layout,
    pub(super) mapped: Vec<Option<Mapped>>,
    /// Rule inputs present in the file: input column → (rule indices, read as Tags) groups.
    pub(super) rule_cols: RuleCols,
    /// Best rule code of the rule inputs the file lacks (their value is the record path's
    /// default for an absent column).
    pub(super) absent_code: u64,
    pub(super) currency_col: usize,
    pub(super) pricing_currency_col: Option<usize>,
    pub(super) billing_start_col: usize,
}

/// Interned strings (currencies, months).
#[derive(Debug, Default)]
pub(super) struct Names {
    ids: HashMap<String, u32>,
    pub(super) names: Vec<String>,
}

impl Names {
    pub(super) fn id(&mut self, s: &str) -> u32 {
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
pub(super) struct Shared<'r> {
    pub(super) rules: &'r Rules,
    pub(super) matcher: Matcher,
    pub(super) inputs: Vec<(RuleInput, Vec<usize>)>,
    pub(super) currencies: Names,
    pub(super) months: Names,
    /// Month id per `BillingPeriodStart` (µs).
    pub(super) month_of: HashMap<i64, u32>,
}

impl<'r> Shared<'r> {
    pub(super) fn month(&mut self, us: i64, file: &str) -> Result<u32> {
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

    pub(super) fn file_state<'a>(
        &mut self,
        file: String,
        layout: &'a Layout,
    ) -> Result<FileState<'a>> {
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
    pub(super) fn map_dict(
        &mut self,
        shared: &mut Shared<'_>,
        i: usize,
        values: &ArrayRef,
    ) -> Result<()> {
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
pub(super) fn dict_keys<'b>(
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
pub(super) fn entry(d: &DictionaryArray<Int32Type>, i: usize, n: usize) -> usize {
    if d.keys().is_null(i) {
        n
    } else {
        (d.keys().values()[i].max(0) as usize).min(n)
    }
}
