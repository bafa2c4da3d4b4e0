//! The [`Runner`]: waits for the next slot, runs the job, records the run, catches up once.

use super::{JobKind, RunReason, Schedule, Slot};
use crate::clock::{Clock, FixedClock, SharedClock};
use crate::state::{NewRun, RunOutcome, RunRecord, RunStore, SourceError};
use crate::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;

/// Waits until an instant of the injected clock.
#[async_trait]
pub trait Sleeper: Send + Sync + std::fmt::Debug {
    /// Return when `clock.now() >= at` (or soon after).
    async fn sleep_until(&self, clock: &dyn Clock, at: DateTime<Utc>);
}

/// The real sleeper: tokio sleeps of at most `max_step`, re-reading the clock after each, so a
/// suspended machine or a clock change is noticed within one step.
#[derive(Debug, Clone, Copy)]
pub struct TokioSleeper {
    /// Longest single sleep (default 60 s).
    pub max_step: std::time::Duration,
}

impl Default for TokioSleeper {
    fn default() -> Self {
        TokioSleeper {
            max_step: std::time::Duration::from_secs(60),
        }
    }
}

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep_until(&self, clock: &dyn Clock, at: DateTime<Utc>) {
        loop {
            let left = at - clock.now();
            let Ok(left) = left.to_std() else { return };
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left.min(self.max_step)).await;
        }
    }
}

/// A sleeper for tests and simulations: moves a [`FixedClock`] to the wake-up time at once.
#[derive(Debug, Clone)]
pub struct FixedClockSleeper(pub FixedClock);

#[async_trait]
impl Sleeper for FixedClockSleeper {
    async fn sleep_until(&self, clock: &dyn Clock, at: DateTime<Utc>) {
        if clock.now() < at {
            self.0.set(at);
        }
        tokio::task::yield_now().await;
    }
}

/// What a job is told about its run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunContext {
    /// The run record id.
    pub run_id: i64,
    /// Full or sample.
    pub kind: JobKind,
    /// The slot this run stands for (for a catch-up, the latest missed one).
    pub slot: DateTime<Utc>,
    /// When the run started.
    pub started: DateTime<Utc>,
    /// Why it runs.
    pub reason: RunReason,
    /// Slots this run stands for (1, or more for a catch-up).
    pub slots: usize,
}

/// What a job reports: per-source errors (the run goes on without them) and, when nothing
/// could be done, a fatal error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    /// One error per failed source (account, provider, publisher, notifier).
    pub errors: Vec<SourceError>,
    /// Set when the job as a whole failed.
    pub fatal: Option<String>,
}

impl JobReport {
    /// The outcome this report stands for.
    pub fn outcome(&self) -> RunOutcome {
        if self.fatal.is_some() {
            RunOutcome::Failed
        } else if self.errors.is_empty() {
            RunOutcome::Succeeded
        } else {
            RunOutcome::Partial
        }
    }
}

/// The work done at each slot.
#[async_trait]
pub trait Job: Send + Sync {
    /// Do the run. Errors are data in the report, never a panic.
    async fn run(&self, ctx: &RunContext) -> JobReport;
}

/// Runs a [`Job`] on a [`Schedule`], recording every run in a [`RunStore`].
///
/// - At start: one run of [`Schedule::run_at_start`] if set; otherwise, if slots were missed
///   since the last finished run in the store, **one** catch-up run (the largest missed kind).
/// - Then for each slot: sleep until it (through the [`Sleeper`]), run, record. Slots that
///   passed while a run was going or the machine slept are folded into one catch-up run.
pub struct Runner {
    schedule: Schedule,
    clock: SharedClock,
    sleeper: Arc<dyn Sleeper>,
    store: Arc<dyn RunStore>,
    job: Arc<dyn Job>,
    catch_up: bool,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("schedule", &self.schedule)
            .field("catch_up", &self.catch_up)
            .finish_non_exhaustive()
    }
}

/// Longest list of missed slots looked at for one catch-up (the latest ones are kept).
const CATCH_UP_SCAN: usize = 100_000;

impl Runner {
    /// A runner with the real sleeper.
    pub fn new(
        schedule: Schedule,
        clock: SharedClock,
        store: Arc<dyn RunStore>,
        job: Arc<dyn Job>,
    ) -> Self {
        Runner {
            schedule,
            clock,
            sleeper: Arc::new(TokioSleeper::default()),
            store,
            job,
            catch_up: true,
        }
    }

    /// Replace the sleeper (tests: [`FixedClockSleeper`]).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Catch up missed slots once at start (default `true`).
    pub fn with_catch_up(mut self, on: bool) -> Self {
        self.catch_up = on;
        self
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    async fn execute(
        &self,
        kind: JobKind,
        slot: DateTime<Utc>,
        reason: RunReason,
        slots: usize,
    ) -> Result<RunRecord> {
        let started = self.clock.now();
        let new = NewRun {
            kind,
            reason,
            slot,
            started,
        };
        let id = self.store.start_run(&new).await?;
        tracing::info!(run = id, %kind, reason = reason.as_str(), %slot, slots, "run starting");
        let ctx = RunContext {
            run_id: id,
            kind,
            slot,
            started,
            reason,
            slots,
        };
        let report = self.job.run(&ctx).await;
        let ended = self.clock.now();
        let outcome = report.outcome();
        let mut errors = report.errors.clone();
        if let Some(f) = &report.fatal {
            errors.push(SourceError::new("job", f.clone()));
        }
        self.store.finish_run(id, ended, outcome, &errors).await?;
        tracing::info!(
            run = id,
            outcome = outcome.as_str(),
            errors = errors.len(),
            "run finished"
        );
        Ok(RunRecord {
            id,
            kind,
            reason,
            slot,
            started,
            ended: Some(ended),
            outcome,
            errors,
        })
    }

    /// The start-up step: the run at start, or one catch-up run. Returns the cursor (the
    /// instant up to which slots are handled) and the run made, if any.
    pub async fn start(&self) -> Result<(DateTime<Utc>, Option<RunRecord>)> {
        let interrupted = self.store.mark_interrupted(self.clock.now()).await?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "runs left unfinished by a previous process were marked interrupted"
            );
        }
        let now = self.clock.now();
        if let Some(kind) = self.schedule.run_at_start() {
            let r = self.execute(kind, now, RunReason::Startup, 1).await?;
            return Ok((now, Some(r)));
        }
        if self.catch_up
            && let Some(last) = self.store.last_finished_slot().await?
        {
            let missed = self.schedule.due_between(last, now, CATCH_UP_SCAN)?;
            if let Some(r) = self.run_slots(&missed, RunReason::CatchUp).await? {
                return Ok((now, Some(r)));
            }
        }
        Ok((now, None))
    }

    async fn run_slots(&self, due: &[Slot], reason: RunReason) -> Result<Option<RunRecord>> {
        let Some(last) = due.last() else {
            return Ok(None);
        };
        let kind = due.iter().map(|s| s.kind).max().unwrap_or(last.kind);
        let reason = if due.len() > 1 {
            RunReason::CatchUp
        } else {
            reason
        };
        Ok(Some(self.execute(kind, last.at, reason, due.len()).await?))
    }

    /// One step after `cursor`: sleep until the next slot, run it (with anything else that
    /// became due meanwhile folded in). Returns the new cursor and the run, or `None` when the
    /// schedule has no slot.
    pub async fn step(&self, cursor: DateTime<Utc>) -> Result<Option<(DateTime<Utc>, RunRecord)>> {
        let Some(next) = self.schedule.next_after(cursor)? else {
            return Ok(None);
        };
        self.sleeper.sleep_until(self.clock.as_ref(), next.at).await;
        let now = self.clock.now().max(next.at);
        let due = self.schedule.due_between(cursor, now, CATCH_UP_SCAN)?;
        let Some(rec) = self.run_slots(&due, RunReason::Scheduled).await? else {
            return Err(Error::InvalidArgument(format!(
                "schedule gave slot {} but nothing is due at {now}",
                next.at
            )));
        };
        Ok(Some((rec.slot, rec)))
    }

    /// Run until `shutdown` completes (a daemon's main loop). A run in progress is finished
    /// before returning.
    pub async fn run_until<F: Future<Output = ()> + Send>(&self, shutdown: F) -> Result<()> {
        let mut shutdown = std::pin::pin!(shutdown);
        let (mut cursor, _) = tokio::select! {
            r = self.start() => r?,
            _ = &mut shutdown => return Ok(()),
        };
        loop {
            let Some(next) = self.schedule.next_after(cursor)? else {
                return Ok(());
            };
            tokio::select! {
                _ = self.sleeper.sleep_until(self.clock.as_ref(), next.at) => {}
                _ = &mut shutdown => return Ok(()),
            }
            match self.step(cursor).await? {
                Some((c, _)) => cursor = c,
                None => return Ok(()),
            }
        }
    }

    /// Start, then run every slot up to `until` (simulations, tests, backfills). Returns the
    /// runs made.
    pub async fn run_through(&self, until: DateTime<Utc>) -> Result<Vec<RunRecord>> {
        let (mut cursor, first) = self.start().await?;
        let mut runs: Vec<RunRecord> = first.into_iter().collect();
        loop {
            match self.schedule.next_after(cursor)? {
                Some(n) if n.at <= until => {}
                _ => return Ok(runs),
            }
            match self.step(cursor).await? {
                Some((c, r)) => {
                    cursor = c;
                    runs.push(r);
                }
                None => return Ok(runs),
            }
        }
    }
}
