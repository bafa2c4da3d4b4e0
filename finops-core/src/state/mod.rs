//! What the unattended job keeps across runs and restarts: run records ([`RunStore`]) and
//! alert deliveries ([`AlertStore`]).
//!
//! Both traits are small so a service embedding finops-rs can keep them in its own database.
//! [`MemoryState`] implements them in memory (tests, one-shot runs); [`SqliteState`] (feature
//! `state`) in one SQLite file, WAL mode, so a restarted process sees what the previous one did
//! (a run in progress when it died is marked interrupted; an alert sent is not sent again
//! within its window).

#[cfg(feature = "state")]
mod sqlite;
#[cfg(feature = "state")]
pub use sqlite::{SCHEMA_VERSION, SqliteState, enable_wal};

use crate::alert::Alert;
use crate::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

/// What a slot runs. Ordered: a `Full` run includes the sampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobKind {
    /// The hourly sampling (OVH-12 usage samples).
    Sample,
    /// The full extraction, publication and notification.
    Full,
}

impl JobKind {
    /// `sample` or `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Sample => "sample",
            JobKind::Full => "full",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sample" => Ok(JobKind::Sample),
            "full" => Ok(JobKind::Full),
            other => Err(Error::InvalidArgument(format!(
                "job kind {other:?}: expected full or sample"
            ))),
        }
    }
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunReason {
    /// The run made when the runner starts (`Schedule::run_at_start`).
    Startup,
    /// A slot reached on time.
    Scheduled,
    /// One run standing for every slot missed while the runner was down, asleep or busy.
    CatchUp,
}

impl RunReason {
    /// `startup`, `scheduled` or `catch-up`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunReason::Startup => "startup",
            RunReason::Scheduled => "scheduled",
            RunReason::CatchUp => "catch-up",
        }
    }

    /// Parse [`RunReason::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "startup" => Some(RunReason::Startup),
            "scheduled" => Some(RunReason::Scheduled),
            "catch-up" => Some(RunReason::CatchUp),
            _ => None,
        }
    }
}

/// One failed source of a run (an account, a provider, a publisher, a notifier).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceError {
    /// What failed, e.g. `ovh:SIVIC_SICAP`, `publish:sharepoint`, `notify:email`.
    pub source: String,
    /// Why (secrets already redacted by whoever produced it).
    pub message: String,
}

impl SourceError {
    /// A source error.
    pub fn new(source: impl Into<String>, message: impl Into<String>) -> Self {
        SourceError {
            source: source.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunOutcome {
    /// Still going (or the process died: see [`RunOutcome::Interrupted`]).
    Running,
    /// Every source succeeded.
    Succeeded,
    /// Some sources failed, the rest completed.
    Partial,
    /// Nothing could be done.
    Failed,
    /// The process stopped before the run finished.
    Interrupted,
}

impl RunOutcome {
    /// `running`, `succeeded`, `partial`, `failed`, `interrupted`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Running => "running",
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Partial => "partial",
            RunOutcome::Failed => "failed",
            RunOutcome::Interrupted => "interrupted",
        }
    }

    /// Parse [`RunOutcome::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "running" => RunOutcome::Running,
            "succeeded" => RunOutcome::Succeeded,
            "partial" => RunOutcome::Partial,
            "failed" => RunOutcome::Failed,
            "interrupted" => RunOutcome::Interrupted,
            _ => return None,
        })
    }
}

impl fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A run about to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    /// Full or sample.
    pub kind: JobKind,
    /// Why it runs.
    pub reason: RunReason,
    /// The slot it stands for.
    pub slot: DateTime<Utc>,
    /// Start time.
    pub started: DateTime<Utc>,
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Id (increasing).
    pub id: i64,
    /// Full or sample.
    pub kind: JobKind,
    /// Why it ran.
    pub reason: RunReason,
    /// The slot it stood for.
    pub slot: DateTime<Utc>,
    /// Start.
    pub started: DateTime<Utc>,
    /// End (`None` while running or when interrupted).
    pub ended: Option<DateTime<Utc>>,
    /// Outcome.
    pub outcome: RunOutcome,
    /// Per-source errors.
    pub errors: Vec<SourceError>,
}

/// Where run records are kept.
#[async_trait]
pub trait RunStore: Send + Sync + fmt::Debug {
    /// Record a run start; returns its id.
    async fn start_run(&self, run: &NewRun) -> Result<i64>;
    /// Record its end.
    async fn finish_run(
        &self,
        id: i64,
        ended: DateTime<Utc>,
        outcome: RunOutcome,
        errors: &[SourceError],
    ) -> Result<()>;
    /// Mark runs still `running` as interrupted (a new process starts); returns how many.
    async fn mark_interrupted(&self, now: DateTime<Utc>) -> Result<usize>;
    /// The latest slot of a finished (not interrupted) run.
    async fn last_finished_slot(&self) -> Result<Option<DateTime<Utc>>>;
    /// The latest `limit` runs, newest first.
    async fn recent_runs(&self, limit: usize) -> Result<Vec<RunRecord>>;
}

/// One alert for one recipient of one channel.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliveryKey {
    /// [`Alert::key`].
    pub alert: String,
    /// Channel name (`email`, `teams`, ...).
    pub channel: String,
    /// Recipient (an address; empty for a webhook channel).
    pub recipient: String,
}

/// A delivery waiting to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDelivery {
    /// Which.
    pub key: DeliveryKey,
    /// The alert (its latest submitted form).
    pub alert: Alert,
    /// First submitted while pending.
    pub first_seen: DateTime<Utc>,
    /// Failed sends so far.
    pub attempts: u32,
    /// The last send error.
    pub last_error: Option<String>,
}

/// What [`AlertStore::submit`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubmitOutcome {
    /// Deliveries now pending (new, re-armed after their window, or still pending).
    pub pending: usize,
    /// Deliveries suppressed: the same alert went to the same recipient within the window.
    pub suppressed: usize,
}

/// Where alert deliveries are kept (de-duplication state).
#[async_trait]
pub trait AlertStore: Send + Sync + fmt::Debug {
    /// Submit deliveries at `now`: one sent less than `window` ago is suppressed; any other
    /// becomes (or stays) pending, with the alert's latest content.
    async fn submit(
        &self,
        deliveries: &[(DeliveryKey, Alert)],
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<SubmitOutcome>;
    /// Every pending delivery, oldest first.
    async fn pending(&self) -> Result<Vec<PendingDelivery>>;
    /// Mark deliveries sent at `now`.
    async fn mark_sent(&self, keys: &[DeliveryKey], now: DateTime<Utc>) -> Result<()>;
    /// Record a failed send (they stay pending).
    async fn mark_failed(
        &self,
        keys: &[DeliveryKey],
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<()>;
    /// Drop pending deliveries first submitted before `before` (stale); returns how many.
    async fn drop_pending_before(&self, before: DateTime<Utc>) -> Result<usize>;
}

#[derive(Debug, Clone)]
struct DeliveryRow {
    alert: Alert,
    pending: bool,
    first_seen: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    attempts: u32,
    last_error: Option<String>,
}

#[derive(Debug, Default)]
struct Memory {
    runs: Vec<RunRecord>,
    deliveries: BTreeMap<DeliveryKey, DeliveryRow>,
}

/// In-memory [`RunStore`] + [`AlertStore`] (lost when the process ends).
#[derive(Debug, Default)]
pub struct MemoryState(Mutex<Memory>);

impl MemoryState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl RunStore for MemoryState {
    async fn start_run(&self, run: &NewRun) -> Result<i64> {
        let mut g = self.lock();
        let id = g.runs.len() as i64 + 1;
        g.runs.push(RunRecord {
            id,
            kind: run.kind,
            reason: run.reason,
            slot: run.slot,
            started: run.started,
            ended: None,
            outcome: RunOutcome::Running,
            errors: Vec::new(),
        });
        Ok(id)
    }

    async fn finish_run(
        &self,
        id: i64,
        ended: DateTime<Utc>,
        outcome: RunOutcome,
        errors: &[SourceError],
    ) -> Result<()> {
        let mut g = self.lock();
        let r = g
            .runs
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::InvalidArgument(format!("no run {id}")))?;
        r.ended = Some(ended);
        r.outcome = outcome;
        r.errors = errors.to_vec();
        Ok(())
    }

    async fn mark_interrupted(&self, _now: DateTime<Utc>) -> Result<usize> {
        let mut g = self.lock();
        let mut n = 0;
        for r in g
            .runs
            .iter_mut()
            .filter(|r| r.outcome == RunOutcome::Running)
        {
            r.outcome = RunOutcome::Interrupted;
            n += 1;
        }
        Ok(n)
    }

    async fn last_finished_slot(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .lock()
            .runs
            .iter()
            .filter(|r| r.ended.is_some() && r.outcome != RunOutcome::Interrupted)
            .map(|r| r.slot)
            .max())
    }

    async fn recent_runs(&self, limit: usize) -> Result<Vec<RunRecord>> {
        Ok(self.lock().runs.iter().rev().take(limit).cloned().collect())
    }
}

#[async_trait]
impl AlertStore for MemoryState {
    async fn submit(
        &self,
        deliveries: &[(DeliveryKey, Alert)],
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<SubmitOutcome> {
        let mut g = self.lock();
        let mut out = SubmitOutcome::default();
        for (k, a) in deliveries {
            match g.deliveries.get_mut(k) {
                Some(row) if !row.pending && row.sent_at.is_some_and(|s| now - s < window) => {
                    out.suppressed += 1;
                }
                Some(row) => {
                    if !row.pending {
                        row.pending = true;
                        row.first_seen = now;
                        row.attempts = 0;
                        row.last_error = None;
                    }
                    row.alert = a.clone();
                    out.pending += 1;
                }
                None => {
                    g.deliveries.insert(
                        k.clone(),
                        DeliveryRow {
                            alert: a.clone(),
                            pending: true,
                            first_seen: now,
                            sent_at: None,
                            attempts: 0,
                            last_error: None,
                        },
                    );
                    out.pending += 1;
                }
            }
        }
        Ok(out)
    }

    async fn pending(&self) -> Result<Vec<PendingDelivery>> {
        let g = self.lock();
        let mut v: Vec<PendingDelivery> = g
            .deliveries
            .iter()
            .filter(|(_, r)| r.pending)
            .map(|(k, r)| PendingDelivery {
                key: k.clone(),
                alert: r.alert.clone(),
                first_seen: r.first_seen,
                attempts: r.attempts,
                last_error: r.last_error.clone(),
            })
            .collect();
        v.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.key.cmp(&b.key)));
        Ok(v)
    }

    async fn mark_sent(&self, keys: &[DeliveryKey], now: DateTime<Utc>) -> Result<()> {
        let mut g = self.lock();
        for k in keys {
            if let Some(r) = g.deliveries.get_mut(k) {
                r.pending = false;
                r.sent_at = Some(now);
                r.last_error = None;
            }
        }
        Ok(())
    }

    async fn mark_failed(
        &self,
        keys: &[DeliveryKey],
        _now: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        let mut g = self.lock();
        for k in keys {
            if let Some(r) = g.deliveries.get_mut(k) {
                r.attempts += 1;
                r.last_error = Some(error.to_string());
            }
        }
        Ok(())
    }

    async fn drop_pending_before(&self, before: DateTime<Utc>) -> Result<usize> {
        let mut g = self.lock();
        let n = g.deliveries.len();
        g.deliveries
            .retain(|_, r| !(r.pending && r.first_seen < before));
        Ok(n - g.deliveries.len())
    }
}
