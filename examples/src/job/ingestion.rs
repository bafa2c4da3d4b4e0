//! Azure in the job, and the `ingestion/` dataset (AZ-07, X-10): the FOCUS data of the other
//! providers in the FinOps hubs layout, with a non-empty manifest, so an existing hub's Data
//! Explorer or Fabric loads it beside the Azure exports.
//!
//! Both go through finops-azure's FinOps hubs ingestion engine: [`azure_step`] ingests the
//! Cost Management exports of one `[[azure]]` source (as `azure_hub_ingest` does) and reads the
//! hub's Costs back as FOCUS 1.2; [`write_custom`] drops the other providers' parts of
//! `focus/`, one drop per billing month and source, with finops-azure's custom-data writer.

use crate::job::config::{AzureSource, SecretRef};
use crate::job::dataset::Part;
use crate::job::reconcile::OwnTotal;
use crate::job::sources::StepEnv;
use chrono::{NaiveDate, TimeZone, Utc};
use finops_azure::ingest::commit;
use finops_azure::ingest::custom::{CustomDrop, ingest_custom};
use finops_azure::ingest::{IngestOptions, Ingestor};
use finops_azure::retention::apply_retention_all;
use finops_azure::{AzureHub, Store};
use finops_core::Decimal;
use finops_core::source::CostQuery;
use finops_core::state::SourceError;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What the Azure step gave.
#[derive(Debug, Default)]
pub struct AzureStep {
    /// Whether anything was ingested.
    pub collected: bool,
    /// FOCUS 1.2 files of the ingested Costs (merged into `focus/`).
    pub focus_files: Vec<PathBuf>,
    /// Other files written.
    pub files: Vec<PathBuf>,
    /// Per-manifest totals (BilledCost) per month, as the exports' files gave them.
    pub own_totals: Vec<OwnTotal>,
    /// Summary lines.
    pub lines: Vec<String>,
    /// Failed exports.
    pub errors: Vec<SourceError>,
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// finops-azure reads a blob container's key from `AZURE_STORAGE_KEY` or
/// `AZURE_STORAGE_CONNECTION_STRING` only: a reference to another variable or a file cannot be
/// passed down, so it is refused with the way out.
fn check_key_refs(a: &AzureSource) -> anyhow::Result<()> {
    if !is_url(&a.exports) && !is_url(&a.ingestion) {
        return Ok(());
    }
    for (key, r, var) in [
        ("storage_key", &a.storage_key, "AZURE_STORAGE_KEY"),
        (
            "connection_string",
            &a.connection_string,
            "AZURE_STORAGE_CONNECTION_STRING",
        ),
    ] {
        match r {
            None => {}
            Some(SecretRef::Env(v)) if v == var => {}
            Some(other) => anyhow::bail!(
                "[[azure]] {key}: the blob storage client reads the key from the environment variable {var} only; \
                 set {key}_env = \"{var}\" (the reference given was the {other})"
            ),
        }
    }
    Ok(())
}

/// Ingest the exports of one `[[azure]]` source into its ingestion container, apply the
/// retention, and write the hub's Costs as one FOCUS 1.2 Parquet file in `dir`.
pub async fn azure_step(a: &AzureSource, env: &StepEnv, dir: &Path) -> anyhow::Result<AzureStep> {
    check_key_refs(a)?;
    if !is_url(&a.exports) && !Path::new(&a.exports).is_dir() {
        anyhow::bail!(
            "the exports container {} is not a folder (or is unreachable)",
            a.exports
        );
    }
    let exports = Store::open(&a.exports)?;
    let ingestion = Store::open(&a.ingestion)?;
    let engine = Ingestor::new(
        exports,
        ingestion.clone(),
        IngestOptions::new(env.clock.clone()),
    );
    let report = engine.ingest_all().await?;
    let mut step = AzureStep::default();
    for i in &report.ingested {
        step.lines.push(format!(
            "ingested {} {} {} {}: {} rows{}",
            i.dataset,
            i.version,
            i.month,
            i.scope,
            i.rows,
            i.total
                .as_ref()
                .map(|t| format!(", BilledCost {t}"))
                .unwrap_or_default()
        ));
    }
    for k in &report.skipped {
        step.lines
            .push(format!("skipped {}: {}", k.manifest, k.reason));
    }
    for e in &report.errors {
        step.errors.push(SourceError::new(
            format!("azure:{}", e.manifest),
            e.error.clone(),
        ));
    }
    if let Some(n) = a.retention_months {
        for (ds, r) in
            apply_retention_all(&ingestion, n, env.clock.now(), report.errors.is_empty()).await?
        {
            if !r.removed.is_empty() {
                step.lines.push(format!(
                    "retention: {} folder(s) of {ds} removed",
                    r.removed.len()
                ));
            }
        }
    }
    // The hub's Costs dataset as FOCUS 1.2 (what a hub's Data Explorer reads), without the
    // custom data other runs dropped there (the other providers come from their own sources).
    let all = dir.join(".focus_hub_all.parquet");
    AzureHub::new(ingestion.clone())
        .write_focus(&all, &CostQuery::default())
        .await?;
    let focus = dir.join("focus_azure.parquet");
    let (a2, f2) = (all.clone(), focus.clone());
    let (rows, currencies) = tokio::task::spawn_blocking(move || exports_only(&a2, &f2)).await??;
    let _ = std::fs::remove_file(&all);
    step.lines
        .push(format!("{rows} FOCUS 1.2 rows read back from the hub"));
    if rows > 0 {
        step.focus_files.push(focus);
        step.collected = true;
        step.own_totals = own_totals(&ingestion, &currencies).await?;
    } else {
        let _ = std::fs::remove_file(&focus);
    }
    Ok(step)
}

/// Copy the records of the Cost Management exports (those the hub transformed: they carry
/// `x_SourceVersion`) from `all` to `out`; returns the rows and each billing month's currencies.
fn exports_only(
    all: &Path,
    out: &Path,
) -> anyhow::Result<(u64, BTreeMap<String, BTreeSet<String>>)> {
    use finops_core::focus::parquet::{FocusParquetReader, FocusParquetWriter};
    let reader = FocusParquetReader::open(all)?;
    let ext: Vec<String> = reader
        .header()
        .extension_names()
        .map(str::to_string)
        .collect();
    let mut w = FocusParquetWriter::create(out, &ext)?;
    let mut currencies: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in reader {
        let r = r?;
        if r.extensions.get("x_SourceVersion").is_none() {
            continue;
        }
        currencies
            .entry(r.billing_period.start.format("%Y-%m").to_string())
            .or_default()
            .insert(r.billing_currency.to_string());
        w.write(&r)?;
    }
    Ok((w.finish()?, currencies))
}

/// The exports' own totals: the BilledCost total finops-azure recorded in each committed
/// folder's marker (summed from the export's CSV text and checked against the written files),
/// per month; the currency is the month's billing currency when it has only one (the markers
/// do not split by currency).
async fn own_totals(
    store: &Store,
    currencies: &BTreeMap<String, BTreeSet<String>>,
) -> anyhow::Result<Vec<OwnTotal>> {
    let mut per_month: BTreeMap<String, Decimal> = BTreeMap::new();
    for folder in commit::marker_folders(store, "Costs").await? {
        let Some(Some(c)) = commit::read_commit(store, &folder).await? else {
            continue;
        };
        if c.version == "custom" || c.source_manifest == "custom" {
            continue;
        }
        let Some(t) = c.total.as_deref() else {
            continue;
        };
        let t: Decimal = t
            .parse()
            .map_err(|e| anyhow::anyhow!("{folder}: total {t:?} in its marker: {e}"))?;
        let e = per_month.entry(c.month.clone()).or_default();
        *e = e
            .checked_add(t)
            .ok_or_else(|| anyhow::anyhow!("{folder}: total overflows"))?;
    }
    Ok(per_month
        .into_iter()
        .filter_map(|(month, amount)| {
            let cs = currencies.get(&month)?;
            (cs.len() == 1).then(|| OwnTotal {
                currency: cs.iter().next().cloned().unwrap_or_default(),
                month,
                amount,
                basis: "Cost Management exports (hub commit markers)".into(),
            })
        })
        .collect())
}

/// What [`write_custom`] did.
#[derive(Debug, Default, Clone)]
pub struct IngestionReport {
    /// Where the custom data went.
    pub root: String,
    /// Files written.
    pub written: Vec<String>,
    /// Why nothing was written, if so.
    pub skipped: Option<String>,
    /// Failures (one per drop).
    pub errors: Vec<SourceError>,
}

/// Drop the non-Azure parts of this run into `root` in the hubs layout: for every billing
/// month of `focus/` and every part, `Costs/{yyyy}/{mm}/{provider}/{source}/` with the
/// ingestion id `run_id` and a non-empty manifest; the older drop of the folder is replaced.
pub async fn write_custom(
    root: &str,
    focus_root: &Path,
    parts: &[Part],
    run_id: &str,
    env: &StepEnv,
) -> IngestionReport {
    let mut rep = IngestionReport {
        root: root.to_string(),
        ..Default::default()
    };
    if parts.is_empty() {
        rep.skipped = Some("no non-Azure FOCUS data in this run".into());
        return rep;
    }
    let store = match Store::open(root) {
        Ok(s) => s,
        Err(e) => {
            rep.errors
                .push(SourceError::new("ingestion", format!("{root}: {e}")));
            return rep;
        }
    };
    let months = match std::fs::read_dir(focus_root) {
        Ok(rd) => {
            let mut v: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| NaiveDate::parse_from_str(&format!("{n}-01"), "%Y-%m-%d").is_ok())
                .collect();
            v.sort();
            v
        }
        Err(e) => {
            rep.errors.push(SourceError::new(
                "ingestion",
                format!("{}: {e}", focus_root.display()),
            ));
            return rep;
        }
    };
    for month in &months {
        let Some(period) = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t))
        else {
            continue;
        };
        for p in parts {
            let file = focus_root
                .join(month)
                .join(p.provider.key())
                .join(format!("{}.parquet", p.stem));
            if !file.is_file() {
                continue;
            }
            let drop = CustomDrop::costs(
                period,
                format!("{}/{}", p.provider.key(), p.source),
                run_id,
                vec![file],
            );
            match ingest_custom(&store, &drop, &env.clock).await {
                Ok(i) => rep.written.extend(i.files),
                Err(e) => rep.errors.push(SourceError::new(
                    format!("ingestion:{}:{month}", p.source),
                    e.to_string(),
                )),
            }
        }
    }
    rep
}
