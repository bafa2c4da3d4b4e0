//! [`SqliteState`]: run records and alert deliveries in one SQLite file (feature `state`).

use super::{
    AlertStore, DeliveryKey, JobKind, NewRun, PendingDelivery, RunOutcome, RunReason, RunRecord,
    RunStore, SourceError, SubmitOutcome,
};
use crate::alert::Alert;
use crate::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Schema version written in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS job_run (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL,
    reason  TEXT NOT NULL,
    slot    TEXT NOT NULL,
    started TEXT NOT NULL,
    ended   TEXT,
    outcome TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS job_run_error (
    run_id  INTEGER NOT NULL REFERENCES job_run(id),
    seq     INTEGER NOT NULL,
    source  TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS alert_delivery (
    alert_key    TEXT NOT NULL,
    channel      TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    alert        TEXT NOT NULL,
    pending      INTEGER NOT NULL,
    first_seen   TEXT NOT NULL,
    sent_at      TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    last_attempt TEXT,
    PRIMARY KEY (alert_key, channel, recipient)
);
"#;

/// Run records and alert deliveries in a SQLite database (WAL, busy timeout, schema by
/// `PRAGMA user_version`). Every call runs on tokio's blocking pool.
#[derive(Debug, Clone)]
pub struct SqliteState {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

fn ts(t: DateTime<Utc>) -> String {
    // Fixed width, so text order is time order.
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn db_err(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(format!("{what}: {e}")),
    }
}

fn parse_ts(path: &Path, field: &str, s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Parse {
            location: crate::error::Location {
                file: path.display().to_string(),
                line: None,
                column: Some(field.into()),
            },
            message: format!("{s:?}: {e}"),
        })
}

/// Switch `conn`'s database to WAL mode, waiting up to `wait` for other connections.
///
/// SQLite answers `PRAGMA journal_mode=WAL` with "database is locked" **without** calling the
/// busy handler when another process holds a lock at that moment (two processes opening a new
/// file at once, a common start of two sampling jobs), and may answer with the old mode. Both
/// are retried every 20 ms until `wait` has passed (monotonic time). Returns the mode finally
/// in force (`wal` unless the file system cannot do WAL) or the last error.
pub fn enable_wal(
    conn: &Connection,
    wait: std::time::Duration,
) -> std::result::Result<String, rusqlite::Error> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        let r = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0));
        let retry = match &r {
            Ok(mode) => !mode.eq_ignore_ascii_case("wal"),
            Err(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            Err(_) => false,
        };
        if !retry || std::time::Instant::now() >= deadline {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

impl SqliteState {
    /// Open (or create) the database at `path` and migrate it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let conn = Connection::open(&path).map_err(|e| db_err(&path, "open", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| db_err(&path, "busy_timeout", e))?;
        enable_wal(&conn, std::time::Duration::from_secs(10))
            .map_err(|e| db_err(&path, "journal_mode", e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| db_err(&path, "foreign_keys", e))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| db_err(&path, "user_version", e))?;
        if version > SCHEMA_VERSION {
            return Err(Error::config(format!(
                "{}: state schema version {version} is newer than this program's ({SCHEMA_VERSION})",
                path.display()
            )));
        }
        conn.execute_batch(SCHEMA)
            .map_err(|e| db_err(&path, "create schema", e))?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(|e| db_err(&path, "user_version", e))?;
        Ok(SqliteState {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn with<T, F>(&self, what: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &Path) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut g = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut g, &path)
        })
        .await
        .map_err(|e| Error::Io {
            path: self.path.display().to_string(),
            source: std::io::Error::other(format!("{what}: {e}")),
        })?
    }
}

fn read_run(path: &Path, conn: &Connection, row: &rusqlite::Row<'_>) -> Result<RunRecord> {
    let get = |i: usize| -> Result<String> { row.get(i).map_err(|e| db_err(path, "read run", e)) };
    let id: i64 = row.get(0).map_err(|e| db_err(path, "read run", e))?;
    let kind = get(1)?.parse::<JobKind>()?;
    let reason_s = get(2)?;
    let reason = RunReason::parse(&reason_s).ok_or_else(|| {
        Error::config(format!(
            "{}: run {id}: unknown reason {reason_s:?}",
            path.display()
        ))
    })?;
    let slot = parse_ts(path, "slot", &get(3)?)?;
    let started = parse_ts(path, "started", &get(4)?)?;
    let ended: Option<String> = row.get(5).map_err(|e| db_err(path, "read run", e))?;
    let ended = ended.map(|e| parse_ts(path, "ended", &e)).transpose()?;
    let outcome_s = get(6)?;
    let outcome = RunOutcome::parse(&outcome_s).ok_or_else(|| {
        Error::config(format!(
            "{}: run {id}: unknown outcome {outcome_s:?}",
            path.display()
        ))
    })?;
    let mut stmt = conn
        .prepare_cached("SELECT source, message FROM job_run_error WHERE run_id = ?1 ORDER BY seq")
        .map_err(|e| db_err(path, "read run errors", e))?;
    let errors = stmt
        .query_map([id], |r| {
            Ok(SourceError::new(
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
            ))
        })
        .map_err(|e| db_err(path, "read run errors", e))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| db_err(path, "read run errors", e))?;
    Ok(RunRecord {
        id,
        kind,
        reason,
        slot,
        started,
        ended,
        outcome,
        errors,
    })
}

#[async_trait]
impl RunStore for SqliteState {
    async fn start_run(&self, run: &NewRun) -> Result<i64> {
        let run = run.clone();
        self.with("start run", move |c, p| {
            c.execute(
                "INSERT INTO job_run (kind, reason, slot, started, outcome) VALUES (?1, ?2, ?3, ?4, 'running')",
                params![run.kind.as_str(), run.reason.as_str(), ts(run.slot), ts(run.started)],
            )
            .map_err(|e| db_err(p, "start run", e))?;
            Ok(c.last_insert_rowid())
        })
        .await
    }

    async fn finish_run(
        &self,
        id: i64,
        ended: DateTime<Utc>,
        outcome: RunOutcome,
        errors: &[SourceError],
    ) -> Result<()> {
        let errors = errors.to_vec();
        self.with("finish run", move |c, p| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| db_err(p, "finish run", e))?;
            let n = tx
                .execute(
                    "UPDATE job_run SET ended = ?2, outcome = ?3 WHERE id = ?1",
                    params![id, ts(ended), outcome.as_str()],
                )
                .map_err(|e| db_err(p, "finish run", e))?;
            if n != 1 {
                return Err(Error::InvalidArgument(format!("{}: no run {id}", p.display())));
            }
            tx.execute("DELETE FROM job_run_error WHERE run_id = ?1", [id])
                .map_err(|e| db_err(p, "finish run", e))?;
            for (i, e) in errors.iter().enumerate() {
                tx.execute(
                    "INSERT INTO job_run_error (run_id, seq, source, message) VALUES (?1, ?2, ?3, ?4)",
                    params![id, i as i64, e.source, e.message],
                )
                .map_err(|e| db_err(p, "finish run", e))?;
            }
            tx.commit().map_err(|e| db_err(p, "finish run", e))
        })
        .await
    }

    async fn mark_interrupted(&self, now: DateTime<Utc>) -> Result<usize> {
        let _ = now;
        self.with("mark interrupted", move |c, p| {
            c.execute(
                "UPDATE job_run SET outcome = 'interrupted' WHERE outcome = 'running'",
                [],
            )
            .map_err(|e| db_err(p, "mark interrupted", e))
        })
        .await
    }

    async fn last_finished_slot(&self) -> Result<Option<DateTime<Utc>>> {
        self.with("last finished slot", |c, p| {
            let s: Option<String> = c
                .query_row(
                    "SELECT max(slot) FROM job_run WHERE ended IS NOT NULL AND outcome <> 'interrupted'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| db_err(p, "last finished slot", e))?
                .flatten();
            s.map(|s| parse_ts(p, "slot", &s)).transpose()
        })
        .await
    }

    async fn recent_runs(&self, limit: usize) -> Result<Vec<RunRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with("recent runs", move |c, p| {
            let mut stmt = c
                .prepare(
                    "SELECT id, kind, reason, slot, started, ended, outcome FROM job_run ORDER BY id DESC LIMIT ?1",
                )
                .map_err(|e| db_err(p, "recent runs", e))?;
            let mut rows = stmt.query([limit]).map_err(|e| db_err(p, "recent runs", e))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(|e| db_err(p, "recent runs", e))? {
                out.push(read_run(p, c, row)?);
            }
            Ok(out)
        })
        .await
    }
}

#[async_trait]
impl AlertStore for SqliteState {
    async fn submit(
        &self,
        deliveries: &[(DeliveryKey, Alert)],
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<SubmitOutcome> {
        let mut rows = Vec::with_capacity(deliveries.len());
        for (k, a) in deliveries {
            let json = serde_json::to_string(a)
                .map_err(|e| Error::InvalidArgument(format!("alert {}: {e}", a.key)))?;
            rows.push((k.clone(), json));
        }
        self.with("submit alerts", move |c, p| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| db_err(p, "submit alerts", e))?;
            let mut out = SubmitOutcome::default();
            for (k, json) in &rows {
                let existing: Option<(bool, Option<String>)> = tx
                    .query_row(
                        "SELECT pending, sent_at FROM alert_delivery WHERE alert_key = ?1 AND channel = ?2 AND recipient = ?3",
                        params![k.alert, k.channel, k.recipient],
                        |r| Ok((r.get::<_, i64>(0)? != 0, r.get(1)?)),
                    )
                    .optional()
                    .map_err(|e| db_err(p, "submit alerts", e))?;
                match existing {
                    Some((false, Some(sent))) if now - parse_ts(p, "sent_at", &sent)? < window => {
                        out.suppressed += 1;
                    }
                    Some((true, _)) => {
                        tx.execute(
                            "UPDATE alert_delivery SET alert = ?4 WHERE alert_key = ?1 AND channel = ?2 AND recipient = ?3",
                            params![k.alert, k.channel, k.recipient, json],
                        )
                        .map_err(|e| db_err(p, "submit alerts", e))?;
                        out.pending += 1;
                    }
                    Some((false, _)) => {
                        tx.execute(
                            "UPDATE alert_delivery SET alert = ?4, pending = 1, first_seen = ?5, attempts = 0, last_error = NULL \
                             WHERE alert_key = ?1 AND channel = ?2 AND recipient = ?3",
                            params![k.alert, k.channel, k.recipient, json, ts(now)],
                        )
                        .map_err(|e| db_err(p, "submit alerts", e))?;
                        out.pending += 1;
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO alert_delivery (alert_key, channel, recipient, alert, pending, first_seen) \
                             VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                            params![k.alert, k.channel, k.recipient, json, ts(now)],
                        )
                        .map_err(|e| db_err(p, "submit alerts", e))?;
                        out.pending += 1;
                    }
                }
            }
            tx.commit().map_err(|e| db_err(p, "submit alerts", e))?;
            Ok(out)
        })
        .await
    }

    async fn pending(&self) -> Result<Vec<PendingDelivery>> {
        self.with("pending alerts", |c, p| {
            let mut stmt = c
                .prepare(
                    "SELECT alert_key, channel, recipient, alert, first_seen, attempts, last_error \
                     FROM alert_delivery WHERE pending = 1 ORDER BY first_seen, alert_key, channel, recipient",
                )
                .map_err(|e| db_err(p, "pending alerts", e))?;
            let mut rows = stmt.query([]).map_err(|e| db_err(p, "pending alerts", e))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next().map_err(|e| db_err(p, "pending alerts", e))? {
                let g = |i: usize| -> Result<String> {
                    r.get(i).map_err(|e| db_err(p, "pending alerts", e))
                };
                let key = DeliveryKey {
                    alert: g(0)?,
                    channel: g(1)?,
                    recipient: g(2)?,
                };
                let alert: Alert = serde_json::from_str(&g(3)?).map_err(|e| Error::Parse {
                    location: crate::error::Location {
                        file: p.display().to_string(),
                        line: None,
                        column: Some(format!("alert_delivery.alert ({})", key.alert)),
                    },
                    message: e.to_string(),
                })?;
                let attempts: i64 = r.get(5).map_err(|e| db_err(p, "pending alerts", e))?;
                out.push(PendingDelivery {
                    key,
                    alert,
                    first_seen: parse_ts(p, "first_seen", &g(4)?)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    last_error: r.get(6).map_err(|e| db_err(p, "pending alerts", e))?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn mark_sent(&self, keys: &[DeliveryKey], now: DateTime<Utc>) -> Result<()> {
        let keys = keys.to_vec();
        self.with("mark alerts sent", move |c, p| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| db_err(p, "mark alerts sent", e))?;
            for k in &keys {
                tx.execute(
                    "UPDATE alert_delivery SET pending = 0, sent_at = ?4, last_attempt = ?4, last_error = NULL \
                     WHERE alert_key = ?1 AND channel = ?2 AND recipient = ?3",
                    params![k.alert, k.channel, k.recipient, ts(now)],
                )
                .map_err(|e| db_err(p, "mark alerts sent", e))?;
            }
            tx.commit().map_err(|e| db_err(p, "mark alerts sent", e))
        })
        .await
    }

    async fn mark_failed(
        &self,
        keys: &[DeliveryKey],
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        let keys = keys.to_vec();
        let error = error.to_string();
        self.with("mark alerts failed", move |c, p| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| db_err(p, "mark alerts failed", e))?;
            for k in &keys {
                tx.execute(
                    "UPDATE alert_delivery SET attempts = attempts + 1, last_error = ?4, last_attempt = ?5 \
                     WHERE alert_key = ?1 AND channel = ?2 AND recipient = ?3",
                    params![k.alert, k.channel, k.recipient, error, ts(now)],
                )
                .map_err(|e| db_err(p, "mark alerts failed", e))?;
            }
            tx.commit().map_err(|e| db_err(p, "mark alerts failed", e))
        })
        .await
    }

    async fn drop_pending_before(&self, before: DateTime<Utc>) -> Result<usize> {
        self.with("drop stale alerts", move |c, p| {
            c.execute(
                "DELETE FROM alert_delivery WHERE pending = 1 AND first_seen < ?1",
                [ts(before)],
            )
            .map_err(|e| db_err(p, "drop stale alerts", e))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_connections_opening_a_new_file_at_once_all_get_wal() {
        for round in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(format!("s{round}.sqlite"));
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        SqliteState::open(&path).map(|_| ())
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap().unwrap();
            }
            let conn = Connection::open(&path).unwrap();
            let mode = enable_wal(&conn, std::time::Duration::from_secs(1)).unwrap();
            assert_eq!(mode, "wal");
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn runs_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state.db");
        {
            let s = SqliteState::open(&db).unwrap();
            let id = s
                .start_run(&NewRun {
                    kind: JobKind::Full,
                    reason: RunReason::Startup,
                    slot: t("2026-11-29T22:15:00Z"),
                    started: t("2026-11-29T22:15:01Z"),
                })
                .await
                .unwrap();
            s.finish_run(
                id,
                t("2026-11-29T22:40:00Z"),
                RunOutcome::Partial,
                &[SourceError::new("ovh:A", "HTTP 500")],
            )
            .await
            .unwrap();
            s.start_run(&NewRun {
                kind: JobKind::Sample,
                reason: RunReason::Scheduled,
                slot: t("2026-11-29T23:15:00Z"),
                started: t("2026-11-29T23:15:00Z"),
            })
            .await
            .unwrap();
        }
        let s = SqliteState::open(&db).unwrap();
        assert_eq!(
            s.mark_interrupted(t("2026-11-30T00:00:00Z")).await.unwrap(),
            1
        );
        assert_eq!(
            s.last_finished_slot().await.unwrap(),
            Some(t("2026-11-29T22:15:00Z"))
        );
        let runs = s.recent_runs(10).await.unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].outcome, RunOutcome::Interrupted);
        assert_eq!(runs[1].errors, vec![SourceError::new("ovh:A", "HTTP 500")]);
        assert_eq!(runs[1].ended, Some(t("2026-11-29T22:40:00Z")));
    }
}
