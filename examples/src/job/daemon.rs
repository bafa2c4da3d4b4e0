//! `finops daemon`: the job on its configured schedule, through `finops_core::schedule::Runner`
//! (waits for each slot, runs, records every run with its per-source errors in the SQLite
//! state, catches up once after downtime). A `full` slot runs the whole job; a `sample` slot
//! only the OVH Hosted Private Cloud sampling.

use crate::job::config::JobConfig;
use crate::job::{JobOptions, run_job};
use async_trait::async_trait;
use finops_core::schedule::{Job, JobReport, RunContext, Runner};
use finops_core::state::SourceError;
use std::sync::Arc;

/// The job as the runner sees it.
pub struct ScheduledJob {
    /// The config.
    pub cfg: JobConfig,
    /// Options (as-of and kind are set per run).
    pub base: JobOptions,
}

impl std::fmt::Debug for ScheduledJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScheduledJob").finish_non_exhaustive()
    }
}

#[async_trait]
impl Job for ScheduledJob {
    async fn run(&self, ctx: &RunContext) -> JobReport {
        let mut opts = self.base.clone();
        // The as-of day is the run's local day: data up to yesterday.
        opts.as_of = ctx
            .started
            .with_timezone(&self.cfg.output.timezone)
            .date_naive();
        opts.kind = ctx.kind;
        match run_job(&self.cfg, &opts).await {
            Ok(o) => JobReport {
                fatal: o
                    .nothing_collected()
                    .then(|| "no source could be collected".to_string()),
                errors: o.errors,
            },
            Err(e) => JobReport {
                errors: Vec::<SourceError>::new(),
                fatal: Some(crate::oci::error_text(&e)),
            },
        }
    }
}

/// Run on the schedule until `shutdown` completes, or for `max_runs` runs.
pub async fn run_daemon(
    cfg: JobConfig,
    base: JobOptions,
    max_runs: Option<usize>,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<usize> {
    let schedule = cfg.schedule.clone().ok_or_else(|| {
        anyhow::anyhow!(
            "{}: no [schedule] (e.g. preset = \"ovh-weekly\")",
            cfg.path.display()
        )
    })?;
    let store = crate::job::open_state(&cfg.state)?;
    let clock = base.clock.clone();
    tracing::info!(
        schedule = schedule.name().unwrap_or("cron"),
        tz = %schedule.timezone(),
        state = %cfg.state.display(),
        "daemon starting"
    );
    let runner = Runner::new(schedule, clock, store, Arc::new(ScheduledJob { cfg, base }));
    match max_runs {
        None => {
            runner.run_until(shutdown).await?;
            Ok(0)
        }
        Some(n) => {
            let mut runs = 0;
            let (mut cursor, first) = runner.start().await?;
            if let Some(r) = first {
                runs += 1;
                tracing::info!(run = r.id, outcome = r.outcome.as_str(), "run recorded");
            }
            while runs < n {
                match runner.step(cursor).await? {
                    Some((c, r)) => {
                        cursor = c;
                        runs += 1;
                        tracing::info!(run = r.id, outcome = r.outcome.as_str(), "run recorded");
                    }
                    None => break,
                }
            }
            Ok(runs)
        }
    }
}
