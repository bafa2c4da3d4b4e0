//! Reconciliation: per source, billing month and currency, the FOCUS BilledCost total
//! the job wrote against the provider's own figure for the same period:
//!
//! - OVHcloud: the Power BI CSV set per `Periode` (Σ `Coût` of the usage history + Σ `Prix` of
//!   managed services, snapshots and storage, + Σ `Prix actuel` of the current month's
//!   instances), against the FOCUS records of the Public Cloud services (the set's scope);
//! - OCI: `oci_report_monthly.csv` (the contract report's consumption per month);
//! - ArcGIS: the credits the usage API reports for the month × the price per credit;
//! - Azure: the export manifests' row counts and the BilledCost sums of the ingested files.
//!
//! Both sides are exact decimals; a row is `ok` only when they are equal to the last digit.

use crate::job::config::Provider;
use crate::job::dataset::PartTotals;
use chrono::{Datelike, NaiveDate};
use finops_core::{CostRecord, Decimal};
use std::collections::BTreeMap;
use std::path::Path;

/// The provider's own total for one billing month and currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OwnTotal {
    /// `YYYY-MM`.
    pub month: String,
    /// ISO 4217.
    pub currency: String,
    /// Amount.
    pub amount: Decimal,
    /// Where it comes from.
    pub basis: String,
}

/// One line of the reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReconRow {
    /// Source id.
    pub source: String,
    /// Provider key.
    pub provider: String,
    /// Billing month.
    pub month: String,
    /// Currency.
    pub currency: String,
    /// FOCUS BilledCost of the records in the provider report's scope.
    pub focus: Option<Decimal>,
    /// The provider's own figure.
    pub provider_total: Option<Decimal>,
    /// focus − provider.
    pub difference: Option<Decimal>,
    /// Equal to the last digit.
    pub ok: bool,
    /// Where the provider figure comes from.
    pub basis: String,
}

/// Whether a FOCUS record is in the scope of its provider's own report (OVH: the Public
/// Cloud services of the Power BI CSV set; every record otherwise).
pub fn in_own_scope(p: Provider, r: &CostRecord) -> bool {
    match p {
        Provider::Ovh => r.service_name.starts_with("Public Cloud"),
        _ => true,
    }
}

/// Sum totals of the same month and currency (bases joined).
pub fn merge(v: Vec<OwnTotal>) -> Vec<OwnTotal> {
    let mut m: BTreeMap<(String, String), OwnTotal> = BTreeMap::new();
    for t in v {
        match m.get_mut(&(t.month.clone(), t.currency.clone())) {
            Some(x) => {
                x.amount += t.amount;
                if !x.basis.contains(&t.basis) {
                    x.basis = format!("{} + {}", x.basis, t.basis);
                }
            }
            None => {
                m.insert((t.month.clone(), t.currency.clone()), t);
            }
        }
    }
    m.into_values().collect()
}

fn read_text(path: &Path, utf8: bool) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(if utf8 {
        String::from_utf8(bytes)
            .map_err(|e| anyhow::anyhow!("{}: not UTF-8: {e}", path.display()))?
    } else {
        encoding_rs::WINDOWS_1252.decode(&bytes).0.into_owned()
    })
}

/// Σ `column` per month of `Periode` (or all in `month` when the file has no `Periode`).
fn sum_csv(
    path: &Path,
    utf8: bool,
    column: &str,
    month: Option<&str>,
    out: &mut BTreeMap<String, Decimal>,
) -> anyhow::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let text = read_text(path, utf8)?;
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers()?.clone();
    let col = header
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| anyhow::anyhow!("{}: no column {column:?}", path.display()))?;
    let per = header.iter().position(|h| h == "Periode");
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let line = i + 2;
        let m = match (per, month) {
            (Some(p), _) => {
                let d = rec.get(p).unwrap_or("");
                let d = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|e| {
                    anyhow::anyhow!("{}: line {line}: Periode {d:?}: {e}", path.display())
                })?;
                format!("{:04}-{:02}", d.year(), d.month())
            }
            (None, Some(m)) => m.to_string(),
            (None, None) => continue,
        };
        let v = rec.get(col).unwrap_or("").trim();
        if v.is_empty() {
            continue;
        }
        let d = finops_core::money::parse_decimal(v)
            .map_err(|e| anyhow::anyhow!("{}: line {line}: {column} {v:?}: {e}", path.display()))?;
        let e = out.entry(m).or_default();
        *e = e
            .checked_add(d)
            .ok_or_else(|| anyhow::anyhow!("{}: total overflows", path.display()))?;
    }
    Ok(())
}

/// The OVH Power BI CSV set's own totals per `Periode` month (EUR).
pub fn ovh_own_totals(dir: &Path, utf8: bool, as_of: NaiveDate) -> anyhow::Result<Vec<OwnTotal>> {
    let mut per: BTreeMap<String, Decimal> = BTreeMap::new();
    let current = format!("{:04}-{:02}", as_of.year(), as_of.month());
    sum_csv(
        &dir.join("data_PBI_info_billing_history.csv"),
        utf8,
        "Coût",
        None,
        &mut per,
    )?;
    for f in [
        "data_PBI_info_billing_managed_public_cloud.csv",
        "data_PBI_info_billing_snapshot.csv",
        "data_PBI_info_billing_storage.csv",
    ] {
        sum_csv(&dir.join(f), utf8, "Prix", None, &mut per)?;
    }
    sum_csv(
        &dir.join("data_PBI_info_billing.csv"),
        utf8,
        "Prix actuel",
        Some(&current),
        &mut per,
    )?;
    Ok(per
        .into_iter()
        .map(|(month, amount)| OwnTotal {
            month,
            currency: "EUR".into(),
            amount,
            basis: "Power BI CSV set (Periode)".into(),
        })
        .collect())
}

/// The reconciliation rows of one source: every month/currency either side has.
pub fn rows(
    source: &str,
    provider: Provider,
    own: &[OwnTotal],
    written: &BTreeMap<(String, String, String), PartTotals>,
) -> Vec<ReconRow> {
    type Sides<'a> = (Option<Decimal>, Option<&'a OwnTotal>);
    let mut keys: BTreeMap<(String, String), Sides<'_>> = BTreeMap::new();
    for ((s, m, c), t) in written {
        if s == source {
            keys.entry((m.clone(), c.clone())).or_default().0 = Some(t.billed_in_scope);
        }
    }
    for o in own {
        keys.entry((o.month.clone(), o.currency.clone()))
            .or_default()
            .1 = Some(o);
    }
    keys.into_iter()
        .map(|((month, currency), (focus, own))| {
            let provider_total = own.map(|o| o.amount);
            let difference = match (focus, provider_total) {
                (Some(f), Some(p)) => f.checked_sub(p),
                _ => None,
            };
            ReconRow {
                source: source.to_string(),
                provider: provider.key().to_string(),
                month,
                currency,
                ok: difference.is_some_and(|d| d.is_zero()),
                focus,
                provider_total,
                difference: difference.map(|d| d.normalize()),
                basis: own.map(|o| o.basis.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ovh_csv_set_totals_per_periode() {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| {
            let bytes = encoding_rs::WINDOWS_1252.encode(text).0;
            std::fs::write(dir.path().join(name), bytes).unwrap();
        };
        w(
            "data_PBI_info_billing_history.csv",
            "Periode,Tenant ID,Instance ID,Temps d'utilisation (heure),Coût,Mode de facturation,Mode de facturation pertinent\n\
             2026-09-30,t,i,1,10.5,hourly,True\n2026-10-31,t,i,1,0.25,hourly,True\n",
        );
        w(
            "data_PBI_info_billing_storage.csv",
            "Periode,Tenant,Région,Prix\n2026-09-30,t,GRA,1.5\n",
        );
        w(
            "data_PBI_info_billing.csv",
            "ID tenant,Instance ID,Type d'instance,Temps d'activité (heures),Prix actuel,Mode de facturation\nt,i,b2,5,3.33,hourly\n",
        );
        let t = ovh_own_totals(
            dir.path(),
            false,
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        )
        .unwrap();
        let got: Vec<(String, String)> = t
            .iter()
            .map(|t| (t.month.clone(), t.amount.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-09".into(), "12.0".into()),
                ("2026-10".into(), "0.25".into()),
                ("2026-11".into(), "3.33".into())
            ]
        );
    }

    #[test]
    fn rows_match_to_the_last_digit() {
        let mut w = BTreeMap::new();
        w.insert(
            ("s".to_string(), "2026-09".to_string(), "EUR".to_string()),
            PartTotals {
                rows: 1,
                billed: "5".parse().unwrap(),
                effective: Decimal::ZERO,
                billed_in_scope: "4.10".parse().unwrap(),
            },
        );
        let own = vec![
            OwnTotal {
                month: "2026-09".into(),
                currency: "EUR".into(),
                amount: "4.1".parse().unwrap(),
                basis: "b".into(),
            },
            OwnTotal {
                month: "2026-10".into(),
                currency: "EUR".into(),
                amount: "1".parse().unwrap(),
                basis: "b".into(),
            },
        ];
        let r = rows("s", Provider::Ovh, &own, &w);
        assert!(r[0].ok);
        assert!(!r[1].ok);
        assert_eq!(r[1].focus, None);
    }
}
