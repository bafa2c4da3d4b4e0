//! Azure in the job, and the `ingestion/` dataset (AZ-07, X-10): the FOCUS data of the other
//! providers in the FinOps hubs layout, with a non-empty manifest, so an existing hub's Data
//! Explorer or Fabric loads it beside the Azure exports.
//!
//! Both go through finops-azure's FinOps hubs ingestion engine (`azure_hub_ingest` and its
//! custom-data writer). Until that engine is part of the workspace, [`azure_step`] reports
//! every `[[azure]]` source as failed with the reason and [`write_custom`] writes nothing and
//! says why; the rest of the job runs as usual.

use crate::job::config::AzureSource;
use crate::job::dataset::Part;
use crate::job::reconcile::OwnTotal;
use crate::job::sources::StepEnv;
use finops_core::state::SourceError;
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
    /// Per-manifest totals (rows, BilledCost) per month.
    pub own_totals: Vec<OwnTotal>,
    /// Summary lines.
    pub lines: Vec<String>,
    /// Failed exports.
    pub errors: Vec<SourceError>,
}

/// Why Azure cannot run in this build.
pub const AZURE_PENDING: &str = "Azure FinOps hubs ingestion is not part of this build yet (finops-azure's \
ingestion engine and azure_hub_ingest, issue 11); the [[azure]] source is validated but not collected";

/// Ingest the exports of one `[[azure]]` source; see the module docs.
pub async fn azure_step(a: &AzureSource, env: &StepEnv, dir: &Path) -> anyhow::Result<AzureStep> {
    let _ = (a, env, dir);
    anyhow::bail!("{AZURE_PENDING}")
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

/// Drop the non-Azure parts of this run into `root` in the hubs layout.
pub async fn write_custom(
    root: &str,
    focus_root: &Path,
    parts: &[Part],
    run_id: &str,
    env: &StepEnv,
) -> IngestionReport {
    let _ = (focus_root, parts, run_id, env);
    IngestionReport {
        root: root.to_string(),
        skipped: Some(
            "the FinOps hubs custom-data writer comes with finops-azure's ingestion engine (issue 11), not in this build yet"
                .into(),
        ),
        ..Default::default()
    }
}
