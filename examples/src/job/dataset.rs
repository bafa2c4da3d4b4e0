//! The unified FOCUS dataset `focus/`: one folder per billing month and provider, one Parquet
//! part per configured source, every file with the same schema, so that
//! `read_parquet('focus/**/*.parquet')` (DuckDB) or `spark.read.parquet("focus/*/*/*.parquet")`
//! reads it as one table.
//!
//! ```text
//! focus/2026-10/ovh/part-0.parquet      # billing month / provider / source
//! focus/2026-10/oci/part-0.parquet
//! focus/2026-11/arcgis/part-0.parquet
//! ```
//!
//! - Folder names are plain (`2026-10`, `ovh`), not Hive's `key=value`, so no reader adds
//!   partition columns: the month and the provider are in the data (`BillingPeriodStart`,
//!   `ProviderName`).
//! - The billing month is [`finops_core::aggregate::billing_month`] of `BillingPeriodStart`
//!   (the month of the invoice in the provider's billing time zone).
//! - Schema: the 57 FOCUS 1.2 columns, then the union of every file's extension (`x_`) columns
//!   in name order (null where a provider has none). When a run brings a new extension column,
//!   the older files are rewritten with it, so the schema stays one.
//! - A re-run replaces, for each source that answered, the months it returned: each part is
//!   written to a temporary file and renamed over the old one ([`finops_core::fs::AtomicFile`]).
//!   Months a source did not return this time, and the parts of sources that failed, keep
//!   their last good data.
//! - Records are streamed: memory holds one batch per open month, never the whole dataset.

use crate::job::config::Provider;
use finops_core::aggregate::billing_month;
use finops_core::focus::parquet::{FocusParquetReader, FocusParquetWriter};
use finops_core::{CostRecord, Decimal};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source's contribution to the dataset.
#[derive(Debug, Clone)]
pub struct Part {
    /// Provider folder.
    pub provider: Provider,
    /// Source id (for totals).
    pub source: String,
    /// File stem of its part (`part-0`).
    pub stem: String,
    /// The FOCUS Parquet files the source wrote.
    pub inputs: Vec<PathBuf>,
}

/// Totals of one source for one billing month and currency, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartTotals {
    /// Rows.
    pub rows: u64,
    /// Σ BilledCost.
    pub billed: Decimal,
    /// Σ EffectiveCost.
    pub effective: Decimal,
    /// Σ BilledCost of the records a provider's own report covers (see
    /// [`crate::job::reconcile::in_own_scope`]).
    pub billed_in_scope: Decimal,
}

/// What [`write_focus`] did.
#[derive(Debug, Clone, Default)]
pub struct DatasetReport {
    /// Files written or replaced by this run.
    pub written: Vec<PathBuf>,
    /// Older files rewritten to the new schema.
    pub rewritten: Vec<PathBuf>,
    /// Every file of the dataset after the run, sorted.
    pub files: Vec<PathBuf>,
    /// Extension columns of the schema.
    pub extensions: Vec<String>,
    /// Per source, billing month and currency.
    pub totals: BTreeMap<(String, String, String), PartTotals>,
}

/// Every `*.parquet` file under `dir` (recursively, sorted; hidden names skipped).
pub fn list_parquet(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    fn walk(d: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let rd = match std::fs::read_dir(d) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for e in rd {
            let e = e?;
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let p = e.path();
            if e.file_type()?.is_dir() {
                walk(&p, out)?;
            } else if name.ends_with(".parquet") {
                out.push(p);
            }
        }
        Ok(())
    }
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn extensions_of(path: &Path) -> finops_core::Result<Vec<String>> {
    let r = FocusParquetReader::open(path)?;
    Ok(r.header().extension_names().map(str::to_string).collect())
}

/// Write the parts of this run into `root` (the `focus/` folder) and bring every file of the
/// dataset to one schema; see the module docs.
pub fn write_focus(
    root: &Path,
    parts: &[Part],
    in_scope: &dyn Fn(Provider, &CostRecord) -> bool,
) -> anyhow::Result<DatasetReport> {
    std::fs::create_dir_all(root)?;
    let mut report = DatasetReport::default();
    // 1. The schema: extensions of the new inputs and of the files already there.
    let existing = list_parquet(root)?;
    let mut ext: BTreeSet<String> = BTreeSet::new();
    let mut existing_ext: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for f in &existing {
        let e = extensions_of(f)?;
        ext.extend(e.iter().cloned());
        existing_ext.insert(f.clone(), e);
    }
    for p in parts {
        for f in &p.inputs {
            ext.extend(extensions_of(f)?);
        }
    }
    let ext: Vec<String> = ext.into_iter().collect();
    report.extensions = ext.clone();

    // 2. Each part, streamed into one writer per billing month.
    let mut replaced: BTreeSet<PathBuf> = BTreeSet::new();
    for p in parts {
        let mut writers: BTreeMap<String, FocusParquetWriter> = BTreeMap::new();
        for f in &p.inputs {
            for rec in FocusParquetReader::open(f)? {
                let rec = rec?;
                let month = billing_month(rec.billing_period.start);
                let w = match writers.get_mut(&month) {
                    Some(w) => w,
                    None => {
                        let path = root
                            .join(&month)
                            .join(p.provider.key())
                            .join(format!("{}.parquet", p.stem));
                        let w = FocusParquetWriter::create(&path, &ext)?;
                        writers.entry(month.clone()).or_insert(w)
                    }
                };
                w.write(&rec)?;
                let t = report
                    .totals
                    .entry((
                        p.source.clone(),
                        month,
                        rec.billing_currency.as_str().to_string(),
                    ))
                    .or_default();
                t.rows += 1;
                t.billed = t.billed.checked_add(rec.billed_cost).ok_or_else(|| {
                    anyhow::anyhow!("{}: BilledCost total overflows", f.display())
                })?;
                t.effective = t.effective.checked_add(rec.effective_cost).ok_or_else(|| {
                    anyhow::anyhow!("{}: EffectiveCost total overflows", f.display())
                })?;
                if in_scope(p.provider, &rec) {
                    t.billed_in_scope =
                        t.billed_in_scope
                            .checked_add(rec.billed_cost)
                            .ok_or_else(|| {
                                anyhow::anyhow!("{}: BilledCost total overflows", f.display())
                            })?;
                }
            }
        }
        for (month, w) in writers {
            let path = root
                .join(&month)
                .join(p.provider.key())
                .join(format!("{}.parquet", p.stem));
            w.finish()?;
            replaced.insert(path.clone());
            report.written.push(path);
        }
    }

    // 3. Older files whose schema differs are rewritten (atomically) to the union.
    for (f, e) in &existing_ext {
        if replaced.contains(f) || *e == ext {
            continue;
        }
        let mut w = FocusParquetWriter::create(f, &ext)?;
        for rec in FocusParquetReader::open(f)? {
            w.write(&rec?)?;
        }
        w.finish()?;
        report.rewritten.push(f.clone());
    }
    report.files = list_parquet(root)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use finops_core::focus::{ChargeCategory, ServiceCategory};
    use finops_core::{Currency, Period};

    fn rec(
        provider: &str,
        month: u32,
        day: u32,
        cost: &str,
        ext: Option<(&str, &str)>,
    ) -> CostRecord {
        let d = NaiveDate::from_ymd_opt(2026, month, day).unwrap();
        let mut r = CostRecord::new(
            provider,
            "acct",
            Currency::new("EUR").unwrap(),
            Period::month_of(d),
            Period::day(d),
            ChargeCategory::Usage,
            "Svc",
            ServiceCategory::Compute,
            cost.parse().unwrap(),
        );
        if let Some((k, v)) = ext {
            r.extensions.set(k, Some(v.into()));
        }
        r
    }

    #[test]
    fn months_are_replaced_and_the_schema_stays_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("focus");
        let a = dir.path().join("a.parquet");
        finops_core::focus::parquet::write_parquet_file(
            &a,
            &[rec("P", 9, 3, "1.5", None), rec("P", 10, 3, "2.25", None)],
        )
        .unwrap();
        let part = |inputs: Vec<PathBuf>| Part {
            provider: Provider::Ovh,
            source: "ovh".into(),
            stem: "part-0".into(),
            inputs,
        };
        let r = write_focus(&root, &[part(vec![a.clone()])], &|_, _| true).unwrap();
        assert_eq!(r.written.len(), 2);
        assert!(root.join("2026-09/ovh/part-0.parquet").exists());
        // A second source with an extension column: the first source's files get it too.
        let b = dir.path().join("b.parquet");
        finops_core::focus::parquet::write_parquet_file(
            &b,
            &[rec("Q", 10, 5, "7", Some(("x_Foo", "1")))],
        )
        .unwrap();
        let r = write_focus(
            &root,
            &[Part {
                provider: Provider::Oci,
                source: "oci".into(),
                stem: "part-0".into(),
                inputs: vec![b],
            }],
            &|_, _| true,
        )
        .unwrap();
        assert_eq!(r.rewritten.len(), 2);
        for f in &r.files {
            assert_eq!(extensions_of(f).unwrap(), ["x_Foo"], "{}", f.display());
        }
        // The OVH source answers again with only October: September keeps its last data.
        let a2 = dir.path().join("a2.parquet");
        finops_core::focus::parquet::write_parquet_file(&a2, &[rec("P", 10, 4, "9", None)])
            .unwrap();
        let r = write_focus(&root, &[part(vec![a2])], &|_, _| true).unwrap();
        assert_eq!(r.written, [root.join("2026-10/ovh/part-0.parquet")]);
        let oct =
            finops_core::focus::parquet::read_parquet_file(root.join("2026-10/ovh/part-0.parquet"))
                .unwrap();
        assert_eq!(oct.len(), 1);
        assert_eq!(oct[0].billed_cost, Decimal::from(9));
        let sep =
            finops_core::focus::parquet::read_parquet_file(root.join("2026-09/ovh/part-0.parquet"))
                .unwrap();
        assert_eq!(sep[0].billed_cost, "1.5".parse::<Decimal>().unwrap());
        assert_eq!(r.files.len(), 3);
        // No temporary file left behind.
        let all: Vec<_> = walkdir(&root);
        assert!(
            all.iter().all(|p| {
                let name = Path::new(p).file_name().unwrap().to_string_lossy();
                !name.starts_with('.') && !name.contains(".tmp")
            }),
            "{all:?}"
        );
    }

    fn walkdir(d: &Path) -> Vec<String> {
        let mut v = Vec::new();
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                v.extend(walkdir(&p));
            } else {
                v.push(p.display().to_string());
            }
        }
        v
    }
}
