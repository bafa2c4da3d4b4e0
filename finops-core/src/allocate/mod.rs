//! Showback / chargeback allocation of FOCUS records from a small TOML rules file.
//!
//! # Brief overview
//!
//! - [`Rules`]: the compiled rules file ([`Rules::from_file`]).
//! - [`allocate_files`]: FOCUS files in (CSV, CSV.gz, Parquet, any FOCUS version), the
//!   allocated FOCUS 1.2 Parquet out (streaming, memory bounded by targets × months ×
//!   currencies and a few row groups), plus the [`Showback`] table. FOCUS 1.2 Parquet
//!   inputs take a columnar path (below); the others go record by record.
//! - [`allocate_records`]: the same on in-memory records.
//! - [`Allocator`]: the two passes as a library object (`observe` every record, then
//!   `allocate` every record) for callers with their own record streams.
//! - [`split_amount`]: exact largest-remainder splitting.
//!
//! # Rules file
//!
//! ```toml
//! unallocated = "Unallocated"   # target of records no map rule matches (default "Unallocated")
//!
//! [[map]]                       # first match wins, in file order
//! to = "billing"
//! tag = "app"                   # tag key, matched case-insensitively
//! equals = "billing"            # or: matches = "bill*" (shell glob on the whole value)
//!
//! [[map]]
//! to = "data"
//! sub_account = "proj-42"       # SubAccountId, exact
//!
//! [[map]]
//! to = "web"
//! resource_name = "web-*"       # glob on ResourceName
//!
//! [[share]]
//! from = "shared-network"       # a target whose cost is split over the others
//! by = "proportional"           # proportional | even | percent | driver
//! # percent = { web = 60, billing = 40 }
//! ```
//!
//! Extensions of that subset (a commented example: `examples/data/allocation/rules.toml`):
//!
//! - `name = "…"` on any rule: its id in `x_AllocationRule` (default `map[N]` / `share[N]`,
//!   N the 1-based position in the file).
//! - `column = "ServiceName"` (any FOCUS column, `x_` column or `tag:KEY`) with `equals` or
//!   `matches`: a map rule on any field.
//! - `lookup = { file = "cmdb.csv", on = "SubAccountId", key = "Tenant", target = "Application" }`:
//!   a CMDB table (CSV with a header row, read relative to the rules file). A record whose
//!   `on` value is in the `key` column goes to that row's `target`; otherwise the rule does
//!   not match and the next one is tried. A key listed twice with different targets is an
//!   error naming both lines.
//! - `by = "driver"` with `drivers = { web = 12, billing = 3 }` (a count per recipient, e.g.
//!   VMs per application as the OVH cost drivers count them) and/or `drivers_file =
//!   "drivers.csv"` (columns `target,count`).
//! - `to = ["web", "billing"]` on a `proportional` / `even` share: its recipients (default:
//!   every target with direct cost in the same billing month and currency, except the
//!   unallocated target and the shared targets).
//!
//! Checked when the file is read (errors name the file and the rule, e.g. `map[3]`): unknown
//! keys, a map rule with zero or two matchers, `equals` and `matches` together, percentages
//! that do not add up to exactly 100, a negative percentage or driver, a shared target that
//! receives a share (shares are one level deep), a target shared twice.
//!
//! # What comes out
//!
//! - Every input record ends in exactly one target, or is split: the allocated records are
//!   the input's FOCUS 1.2 records with three extension columns: `x_AllocatedTo` (the
//!   target), `x_AllocationRule` (the id of the map rule, `unallocated`, or the share rule on
//!   split pieces) and `x_AllocatedFrom` (the shared target, on split pieces only; null
//!   otherwise).
//! - A record mapped to a shared target is replaced by one piece per recipient with a
//!   non-zero weight: a copy whose BilledCost, EffectiveCost, ListCost, ContractedCost and
//!   PricingCurrencyEffectiveCost are split with the same weights. Quantities and unit
//!   prices are left as they are (each piece describes the same usage; sum quantities over
//!   records whose `x_AllocatedFrom` is null, or de-duplicate on it).
//! - Weights are taken per billing month and currency: `proportional` uses the recipients'
//!   direct BilledCost (negative totals count as zero; if every weight is zero, the split is
//!   even), `even` gives each recipient the same weight, `percent` and `driver` the listed
//!   numbers. A shared target with no recipient in a month and currency keeps its cost
//!   (`x_AllocatedTo` = the shared target).
//! - [`Showback`]: target × billing month × currency with exact BilledCost and EffectiveCost
//!   sums, written as CSV with the header `AllocatedTo,month,BillingCurrency,BilledCost,
//!   EffectiveCost`. `month` is the billing month of `BillingPeriodStart`
//!   ([`crate::aggregate::billing_month`]).
//!
//! # Conservation
//!
//! Per currency, the allocated BilledCost (and every other split cost) equals the input
//! total to the last decimal. Splits round at the currency's minor unit (2 for EUR, 0 for
//! JPY, 3 for KWD; [`minor_unit`]) or at the amount's own scale when finer, with the
//! remainder assigned by largest remainder ([`split_amount`]); ties go to recipients in name
//! order, so the result is deterministic. [`allocate_files`] checks the totals at the end
//! and fails rather than write an unbalanced file (property-tested in
//! `finops-core/tests/allocate.rs`).
//!
//! # Two paths, one result
//!
//! - **Columnar** (every input a FOCUS 1.2 Parquet file: 1.2 column names, nothing to derive,
//!   decimal money, timestamps of at most microsecond precision, text as UTF-8): the input
//!   batches are converted column by column to the types the FOCUS writer uses; text
//!   columns stay dictionaries, so each distinct value is checked and normalised once and
//!   the map rules are evaluated once per distinct value of the fields they read (the first
//!   matching rule of a row is the smallest rule index over its fields). The three `x_`
//!   columns are appended, only the rows that are split are replicated, the showback is
//!   summed in exact fixed point in the same pass, and the output row groups are encoded on
//!   two threads while the next batch is read. A first, narrow pass (rule fields, currency,
//!   billing period, BilledCost) runs only when a `proportional` share, or an `even` one
//!   without `to`, needs the direct costs.
//! - **Record by record** (CSV, CSV.gz, other FOCUS versions, anything else): each record
//!   is read into a [`CostRecord`], allocated by an [`Allocator`] and written by the FOCUS
//!   Parquet writer, two passes over the input.
//!
//! Both write the same file for the same input, cell for cell and type for type, and the
//! same summary (property-tested against each other in `finops-core/tests/allocate.rs`).
//!
//! # FOCUS 1.3 `Allocated*` columns
//!
//! FOCUS 1.3 adds `AllocatedMethodId`, `AllocatedMethodDetails`, `AllocatedResourceId`,
//! `AllocatedResourceName` and `AllocatedTags` for split cost allocation. Our output is
//! FOCUS 1.2, where a column that is not in the specification must start with `x_` (the
//! validator rejects unknown unprefixed columns), so the allocation is carried in the three
//! `x_` columns above. They map onto 1.3 as `x_AllocationRule` → `AllocatedMethodId` and
//! `x_AllocatedTo` → the allocation target; a FOCUS 1.3 writer would emit those names.
//!
//! # Example
//!
//! ```
//! use finops_core::allocate::{Rules, allocate_records};
//! use finops_core::focus::{ChargeCategory, CostRecord, Period, ServiceCategory};
//! use finops_core::{Currency, Decimal};
//! let rules = Rules::from_toml(r#"
//!     [[map]]
//!     to = "web"
//!     resource_name = "web-*"
//!     [[map]]
//!     to = "net"
//!     column = "ServiceName"
//!     equals = "Network"
//!     [[map]]
//!     to = "api"
//!     tag = "App"
//!     equals = "api"
//!     [[share]]
//!     from = "net"
//!     by = "even"
//! "#, "rules.toml", std::path::Path::new("."))?;
//! let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
//! let rec = |svc: &str, name: &str, cost: &str| {
//!     let mut r = CostRecord::new("Contoso", "BA", Currency::EUR, Period::month_of(day),
//!         Period::day(day), ChargeCategory::Usage, svc, ServiceCategory::Compute,
//!         Decimal::from_str_exact(cost).unwrap());
//!     r.resource_name = Some(name.into());
//!     r
//! };
//! let mut api = rec("Compute", "api-1", "3");
//! api.tags = Some(finops_core::Tags::parse(r#"{"app":"api"}"#).unwrap());
//! let input = vec![rec("Compute", "web-1", "6"), api, rec("Network", "lb", "1.00")];
//! let out = allocate_records(&input, &rules)?;
//! let mut csv = Vec::new();
//! out.showback.write_csv(&mut csv)?;
//! assert_eq!(String::from_utf8(csv).unwrap(),
//!     "AllocatedTo,month,BillingCurrency,BilledCost,EffectiveCost\n\
//!      api,2026-03,EUR,3.5,3.5\n\
//!      web,2026-03,EUR,6.5,6.5\n");
//! assert_eq!(out.records.len(), 4); // the network cost became two pieces
//! # Ok::<(), finops_core::Error>(())
//! ```

#[cfg(feature = "parquet")]
mod columnar;
mod rules;
mod split;

pub use rules::{Field, MapRule, Rules, ShareMethod, ShareRule, Test};
pub use split::{minor_unit, split_amount};

use crate::aggregate::billing_month;
use crate::focus::CostRecord;
use crate::{Error, Result};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Extension column: the target.
pub const X_ALLOCATED_TO: &str = "x_AllocatedTo";
/// Extension column: the rule that chose the target.
pub const X_ALLOCATION_RULE: &str = "x_AllocationRule";
/// Extension column: the shared target a split piece comes from.
pub const X_ALLOCATED_FROM: &str = "x_AllocatedFrom";

/// One showback row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShowbackRow {
    /// The target.
    #[serde(rename = "AllocatedTo")]
    pub target: String,
    /// Billing month `YYYY-MM`.
    pub month: String,
    /// Currency.
    #[serde(rename = "BillingCurrency")]
    pub currency: String,
    /// Σ BilledCost.
    #[serde(rename = "BilledCost")]
    pub billed_cost: Decimal,
    /// Σ EffectiveCost.
    #[serde(rename = "EffectiveCost")]
    pub effective_cost: Decimal,
}

/// Target × billing month × currency, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Showback {
    /// Rows sorted by target, month, currency.
    pub rows: Vec<ShowbackRow>,
}

impl Showback {
    /// Write as CSV: `AllocatedTo,month,BillingCurrency,BilledCost,EffectiveCost`; amounts in
    /// full, trailing zeros removed.
    pub fn write_csv<W: std::io::Write>(&self, out: W) -> Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let io = |e: csv::Error| Error::Io {
            path: "<showback>".into(),
            source: std::io::Error::other(e),
        };
        w.write_record([
            "AllocatedTo",
            "month",
            "BillingCurrency",
            "BilledCost",
            "EffectiveCost",
        ])
        .map_err(io)?;
        for r in &self.rows {
            w.write_record([
                r.target.as_str(),
                r.month.as_str(),
                r.currency.as_str(),
                &crate::money::format_decimal(r.billed_cost),
                &crate::money::format_decimal(r.effective_cost),
            ])
            .map_err(io)?;
        }
        w.flush().map_err(|e| Error::io("<showback>", e))
    }

    /// Σ BilledCost per currency.
    pub fn totals(&self) -> BTreeMap<String, Decimal> {
        let mut t: BTreeMap<String, Decimal> = BTreeMap::new();
        for r in &self.rows {
            *t.entry(r.currency.clone()).or_default() += r.billed_cost;
        }
        t
    }
}

/// Records and showback of [`allocate_records`].
#[derive(Debug, Clone)]
pub struct Allocation {
    /// The allocated records (split pieces in place of shared records).
    pub records: Vec<CostRecord>,
    /// The showback table.
    pub showback: Showback,
}

/// What [`allocate_files`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AllocationSummary {
    /// Records read.
    pub rows_in: u64,
    /// Records written (split records count once per piece).
    pub rows_out: u64,
    /// Records that were split.
    pub rows_split: u64,
    /// Σ BilledCost per currency (input = output, checked).
    pub totals: BTreeMap<String, Decimal>,
    /// The showback table.
    pub showback: Showback,
}

type Weights = Option<(Vec<String>, Vec<Decimal>)>;

/// The two passes of an allocation: [`Allocator::observe`] every record (direct costs per
/// target, month and currency), then [`Allocator::allocate`] every record in any order.
#[derive(Debug)]
pub struct Allocator<'r> {
    rules: &'r Rules,
    /// (currency, month) → target → direct BilledCost (non-shared targets).
    direct: HashMap<(String, String), BTreeMap<String, Decimal>>,
    weights: HashMap<(usize, String, String), Weights>,
    totals_in: BTreeMap<String, [Decimal; 2]>,
    totals_out: BTreeMap<String, [Decimal; 2]>,
    showback: BTreeMap<(String, String, String), [Decimal; 2]>,
    rows_in: u64,
    rows_out: u64,
    rows_split: u64,
}

fn add(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    a.checked_add(b)
        .ok_or_else(|| Error::InvalidArgument(format!("{what}: sum out of the decimal range")))
}

impl<'r> Allocator<'r> {
    /// A new allocation with `rules`.
    pub fn new(rules: &'r Rules) -> Self {
        Allocator {
            rules,
            direct: HashMap::new(),
            weights: HashMap::new(),
            totals_in: BTreeMap::new(),
            totals_out: BTreeMap::new(),
            showback: BTreeMap::new(),
            rows_in: 0,
            rows_out: 0,
            rows_split: 0,
        }
    }

    /// Pass 1: note the record's direct cost.
    pub fn observe(&mut self, r: &CostRecord) -> Result<()> {
        let (target, _) = self.rules.map(r);
        let cur = r.billing_currency.as_str().to_string();
        let t = self.totals_in.entry(cur.clone()).or_default();
        t[0] = add(t[0], r.billed_cost, "BilledCost")?;
        t[1] = add(t[1], r.effective_cost, "EffectiveCost")?;
        self.rows_in += 1;
        if self.rules.share_of(&target).is_none() {
            let month = billing_month(r.billing_period.start);
            let m = self.direct.entry((cur, month)).or_default();
            let slot = m.entry(target).or_default();
            *slot = add(*slot, r.billed_cost, "BilledCost")?;
        }
        Ok(())
    }

    fn weights_for(&mut self, share: usize, cur: &str, month: &str) -> Weights {
        let key = (share, cur.to_string(), month.to_string());
        if let Some(w) = self.weights.get(&key) {
            return w.clone();
        }
        let rule = &self.rules.share[share];
        let direct = self.direct.get(&(cur.to_string(), month.to_string()));
        let default_recipients = || -> Vec<String> {
            direct
                .map(|m| {
                    m.keys()
                        .filter(|t| **t != self.rules.unallocated)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        };
        let pairs: Vec<(String, Decimal)> = match &rule.method {
            ShareMethod::Percent(v) | ShareMethod::Driver(v) => v.clone(),
            ShareMethod::Even | ShareMethod::Proportional => {
                let mut names = rule.to.clone().unwrap_or_else(default_recipients);
                names.sort();
                names.dedup();
                let prop = rule.method == ShareMethod::Proportional;
                let mut v: Vec<(String, Decimal)> = names
                    .into_iter()
                    .map(|n| {
                        let w = if prop {
                            direct
                                .and_then(|m| m.get(&n))
                                .copied()
                                .unwrap_or_default()
                                .max(Decimal::ZERO)
                        } else {
                            Decimal::ONE
                        };
                        (n, w)
                    })
                    .collect();
                if v.iter().all(|(_, w)| w.is_zero()) {
                    for p in v.iter_mut() {
                        p.1 = Decimal::ONE;
                    }
                }
                v
            }
        };
        let pairs: Vec<(String, Decimal)> =
            pairs.into_iter().filter(|(_, w)| !w.is_zero()).collect();
        let w = (!pairs.is_empty()).then(|| pairs.into_iter().unzip());
        self.weights.insert(key, w.clone());
        w
    }

    fn emit(
        &mut self,
        mut r: CostRecord,
        to: String,
        rule: String,
        from: Option<String>,
        out: &mut dyn FnMut(CostRecord) -> Result<()>,
    ) -> Result<()> {
        let cur = r.billing_currency.as_str().to_string();
        let month = billing_month(r.billing_period.start);
        let t = self.totals_out.entry(cur.clone()).or_default();
        t[0] = add(t[0], r.billed_cost, "BilledCost")?;
        t[1] = add(t[1], r.effective_cost, "EffectiveCost")?;
        let s = self.showback.entry((to.clone(), month, cur)).or_default();
        s[0] = add(s[0], r.billed_cost, "BilledCost")?;
        s[1] = add(s[1], r.effective_cost, "EffectiveCost")?;
        r.extensions.set(X_ALLOCATED_TO, Some(to));
        r.extensions.set(X_ALLOCATION_RULE, Some(rule));
        r.extensions.set(X_ALLOCATED_FROM, from);
        self.rows_out += 1;
        out(r)
    }

    /// Pass 2: allocate one record, giving `out` the record (or its split pieces) with the
    /// `x_Allocated*` columns set.
    pub fn allocate(
        &mut self,
        r: CostRecord,
        out: &mut dyn FnMut(CostRecord) -> Result<()>,
    ) -> Result<()> {
        let (target, rule) = self.rules.map(&r);
        let Some(si) = self.rules.share.iter().position(|s| s.from == target) else {
            return self.emit(r, target, rule, None, out);
        };
        let cur = r.billing_currency.as_str().to_string();
        let month = billing_month(r.billing_period.start);
        let Some((names, weights)) = self.weights_for(si, &cur, &month) else {
            return self.emit(r, target, rule, None, out);
        };
        let scale = minor_unit(&cur);
        let split = |d: Decimal, scale: u32, col: &str| {
            split_amount(d, &weights, scale).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "{col} {d} of a {target} record cannot be split exactly"
                ))
            })
        };
        let billed = split(r.billed_cost, scale, "BilledCost")?;
        let effective = split(r.effective_cost, scale, "EffectiveCost")?;
        let list = split(r.list_cost, scale, "ListCost")?;
        let contracted = split(r.contracted_cost, scale, "ContractedCost")?;
        let pricing = match r.pricing_currency_effective_cost {
            Some(p) => {
                let s = r.pricing_currency.as_deref().map(minor_unit).unwrap_or(2);
                Some(split(p, s, "PricingCurrencyEffectiveCost")?)
            }
            None => None,
        };
        self.rows_split += 1;
        let share_id = self.rules.share[si].id.clone();
        for (i, name) in names.iter().enumerate() {
            let mut piece = r.clone();
            piece.billed_cost = billed[i];
            piece.effective_cost = effective[i];
            piece.list_cost = list[i];
            piece.contracted_cost = contracted[i];
            if let Some(p) = &pricing {
                piece.pricing_currency_effective_cost = Some(p[i]);
            }
            self.emit(
                piece,
                name.clone(),
                share_id.clone(),
                Some(target.clone()),
                out,
            )?;
        }
        Ok(())
    }

    /// Check conservation and return the summary.
    pub fn finish(self) -> Result<AllocationSummary> {
        if self.totals_in != self.totals_out {
            return Err(Error::InvalidArgument(format!(
                "allocation does not balance: input {:?}, output {:?}",
                self.totals_in, self.totals_out
            )));
        }
        let showback = Showback {
            rows: self
                .showback
                .into_iter()
                .map(|((target, month, currency), v)| ShowbackRow {
                    target,
                    month,
                    currency,
                    billed_cost: v[0].normalize(),
                    effective_cost: v[1].normalize(),
                })
                .collect(),
        };
        Ok(AllocationSummary {
            rows_in: self.rows_in,
            rows_out: self.rows_out,
            rows_split: self.rows_split,
            totals: self
                .totals_in
                .into_iter()
                .map(|(k, v)| (k, v[0].normalize()))
                .collect(),
            showback,
        })
    }
}

/// Allocate in-memory records.
pub fn allocate_records(records: &[CostRecord], rules: &Rules) -> Result<Allocation> {
    let mut a = Allocator::new(rules);
    for r in records {
        a.observe(r)?;
    }
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        a.allocate(r.clone(), &mut |x| {
            out.push(x);
            Ok(())
        })?;
    }
    let summary = a.finish()?;
    Ok(Allocation {
        records: out,
        showback: summary.showback,
    })
}

/// Allocate FOCUS files (any version; CSV, CSV.gz or Parquet) into a FOCUS 1.2 Parquet file
/// `out` (written atomically: it appears only if the whole run succeeds). Streaming: memory
/// is bounded by targets × months × currencies and a few row groups. FOCUS 1.2 Parquet
/// inputs take the columnar path, the others the record path (see the module docs).
pub fn allocate_files<P: AsRef<Path>>(
    paths: &[P],
    rules: &Rules,
    out: &Path,
) -> Result<AllocationSummary> {
    #[cfg(feature = "parquet")]
    if let Some(layouts) = columnar_layouts(paths, rules)? {
        let ps: Vec<&Path> = paths.iter().map(AsRef::as_ref).collect();
        return columnar::allocate(&ps, &layouts, rules, out);
    }
    allocate_files_by_record(paths, rules, out)
}

/// The layouts of the inputs when every one is a Parquet file the columnar path takes.
#[cfg(feature = "parquet")]
fn columnar_layouts<P: AsRef<Path>>(
    paths: &[P],
    rules: &Rules,
) -> Result<Option<Vec<columnar::Layout>>> {
    let mut layouts = Vec::with_capacity(paths.len());
    for p in paths {
        let p = p.as_ref();
        if crate::aggregate::InputFormat::from_path(p) != crate::aggregate::InputFormat::Parquet {
            return Ok(None);
        }
        match columnar::Layout::of(p, rules)? {
            Some(l) => layouts.push(l),
            None => return Ok(None),
        }
    }
    Ok((!layouts.is_empty()).then_some(layouts))
}

/// [`allocate_files`] through [`CostRecord`]s (every input kind): each record is read,
/// allocated by an [`Allocator`] and written by the FOCUS Parquet writer. The columnar path
/// that [`allocate_files`] takes for FOCUS 1.2 Parquet inputs writes the same file; this one
/// is public so the two can be compared.
#[doc(hidden)]
pub fn allocate_files_by_record<P: AsRef<Path>>(
    paths: &[P],
    rules: &Rules,
    out: &Path,
) -> Result<AllocationSummary> {
    let mut a = Allocator::new(rules);
    let mut exts: Vec<String> = Vec::new();
    for p in paths {
        for r in crate::focus::read_file(p)? {
            let r = r?;
            if !r.extensions.is_empty() {
                for n in r.extensions.names() {
                    if !exts.iter().any(|e| e == n) {
                        exts.push(n.to_string());
                    }
                }
            }
            a.observe(&r)?;
        }
    }
    for x in [X_ALLOCATED_TO, X_ALLOCATION_RULE, X_ALLOCATED_FROM] {
        if !exts.iter().any(|e| e == x) {
            exts.push(x.to_string());
        }
    }
    #[cfg(feature = "parquet")]
    {
        let mut w = crate::focus::parquet::FocusParquetWriter::create(out, &exts)?;
        for p in paths {
            for r in crate::focus::read_file(p)? {
                a.allocate(r?, &mut |x| w.write(&x))?;
            }
        }
        let summary = a.finish()?;
        w.finish()?;
        Ok(summary)
    }
    #[cfg(not(feature = "parquet"))]
    {
        let _ = (a, out);
        Err(Error::InvalidArgument(
            "allocate_files writes Parquet: enable the `parquet` feature of finops-core".into(),
        ))
    }
}
