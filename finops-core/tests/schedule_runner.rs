//! The runner on an injected clock with an instant sleeper: slots in order, the run at start,
//! run records in SQLite, one catch-up after downtime or a long run, never a burst.

#![cfg(all(feature = "schedule", feature = "state"))]

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use finops_core::clock::{Clock, FixedClock};
use finops_core::schedule::{
    FixedClockSleeper, Job, JobKind, JobReport, RunContext, RunReason, Runner, Schedule,
    TokioSleeper,
};
use finops_core::state::{NewRun, RunOutcome, RunStore, SourceError, SqliteState};
use std::sync::{Arc, Mutex};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    kind: JobKind,
    reason: RunReason,
    slot: String,
    slots: usize,
    started: DateTime<Utc>,
}

struct Recorder {
    clock: FixedClock,
    takes: Duration,
    seen: Mutex<Vec<Seen>>,
    fail_source: bool,
}

impl Recorder {
    fn new(clock: &FixedClock, takes: Duration) -> Arc<Self> {
        Arc::new(Recorder {
            clock: clock.clone(),
            takes,
            seen: Mutex::new(Vec::new()),
            fail_source: false,
        })
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl Job for Recorder {
    async fn run(&self, ctx: &RunContext) -> JobReport {
        self.seen.lock().unwrap().push(Seen {
            kind: ctx.kind,
            reason: ctx.reason,
            slot: ctx
                .slot
                .with_timezone(&chrono_tz::Europe::Paris)
                .to_rfc3339(),
            slots: ctx.slots,
            started: ctx.started,
        });
        self.clock.advance(self.takes);
        let mut r = JobReport::default();
        if self.fail_source {
            r.errors.push(SourceError::new(
                "ovh:SIVIC_SICAP",
                "HTTP 503 after 10 attempts",
            ));
        }
        r
    }
}

fn runner(
    schedule: Schedule,
    clock: &FixedClock,
    store: Arc<SqliteState>,
    job: Arc<Recorder>,
) -> Runner {
    Runner::new(schedule, Arc::new(clock.clone()), store, job)
        .with_sleeper(Arc::new(FixedClockSleeper(clock.clone())))
}

#[tokio::test]
async fn ovh_weekly_month_end_week() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteState::open(dir.path().join("state.db")).unwrap());
    // Friday 27 November 2026, 11:00 in Paris.
    let clock = FixedClock::new(t("2026-11-27T11:00:00+01:00"));
    let job = Recorder::new(&clock, Duration::minutes(10));
    let r = runner(Schedule::ovh_weekly(), &clock, store.clone(), job.clone());
    let runs = r.run_through(t("2026-12-01T00:30:00+01:00")).await.unwrap();
    let seen = job.seen();
    assert_eq!(runs.len(), seen.len());
    assert_eq!(seen[0].kind, JobKind::Full);
    assert_eq!(seen[0].reason, RunReason::Startup);
    let fulls: Vec<&str> = seen[1..]
        .iter()
        .filter(|s| s.kind == JobKind::Full)
        .map(|s| s.slot.as_str())
        .collect();
    // Sunday 29 is also the day before the last day: one run; Monday 30 is the last day.
    assert_eq!(
        fulls,
        ["2026-11-29T23:15:00+01:00", "2026-11-30T23:15:00+01:00"]
    );
    // Every other slot is the hourly sample, once each, on time.
    let samples = seen.iter().filter(|s| s.kind == JobKind::Sample).count();
    // 11:15 on the 27th .. 00:15 on 1 December = 86 slots, 2 of them full runs.
    assert_eq!(samples, 84);
    assert!(
        seen[1..]
            .iter()
            .all(|s| s.reason == RunReason::Scheduled && s.slots == 1)
    );
    assert!(seen[1..].iter().all(|s| s.slot.ends_with(":15:00+01:00")));
    let stored = store.recent_runs(1000).await.unwrap();
    assert_eq!(stored.len(), seen.len());
    assert!(
        stored
            .iter()
            .all(|r| r.outcome == RunOutcome::Succeeded && r.ended.is_some())
    );
    assert_eq!(stored[0].started, seen.last().unwrap().started);
    assert_eq!(
        stored[0].ended,
        Some(stored[0].started + Duration::minutes(10))
    );
}

#[tokio::test]
async fn a_long_run_folds_the_slots_it_overlapped_into_one_catch_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteState::open(dir.path().join("s.db")).unwrap());
    let clock = FixedClock::new(t("2026-11-25T09:50:00+01:00"));
    let job = Recorder::new(&clock, Duration::minutes(150));
    let s = Schedule::new(chrono_tz::Europe::Paris)
        .with_cron("15 * * * *", JobKind::Sample)
        .unwrap();
    let r = runner(s, &clock, store, job.clone());
    r.run_through(t("2026-11-25T18:00:00+01:00")).await.unwrap();
    let seen = job.seen();
    let lines: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {} {}", s.slot, s.reason.as_str(), s.slots))
        .collect();
    assert_eq!(
        lines,
        [
            "2026-11-25T10:15:00+01:00 scheduled 1",
            // 10:15 + 150 min = 12:45: the 11:15 and 12:15 slots passed meanwhile.
            "2026-11-25T12:15:00+01:00 catch-up 2",
            "2026-11-25T15:15:00+01:00 catch-up 3",
            "2026-11-25T17:15:00+01:00 catch-up 2",
        ]
    );
    for w in seen.windows(2) {
        assert!(
            w[1].started - w[0].started >= Duration::minutes(150),
            "no burst"
        );
    }
}

#[tokio::test]
async fn restart_after_downtime_catches_up_once_then_follows_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let schedule = || {
        Schedule::new(chrono_tz::Europe::Paris)
            .with_cron("15 * * * *", JobKind::Sample)
            .unwrap()
            .with_cron("15 23 * * SUN", JobKind::Full)
            .unwrap()
    };
    let clock = FixedClock::new(t("2026-11-28T09:00:00+01:00"));
    {
        let job = Recorder::new(&clock, Duration::minutes(1));
        let r = runner(
            schedule(),
            &clock,
            Arc::new(SqliteState::open(&db).unwrap()),
            job.clone(),
        );
        r.run_through(t("2026-11-28T12:00:00+01:00")).await.unwrap();
        assert_eq!(job.seen().len(), 3, "9:15, 10:15, 11:15, no run at start");
    }
    // Down from Saturday noon to Monday 09:40: 45 samples and Sunday's full run missed.
    clock.set(t("2026-11-30T09:40:00+01:00"));
    let job = Recorder::new(&clock, Duration::minutes(1));
    let store = Arc::new(SqliteState::open(&db).unwrap());
    let r = runner(schedule(), &clock, store.clone(), job.clone());
    r.run_through(t("2026-11-30T11:30:00+01:00")).await.unwrap();
    let seen = job.seen();
    assert_eq!(
        seen.iter()
            .map(|s| format!("{} {} {} {}", s.slot, s.kind, s.reason.as_str(), s.slots))
            .collect::<Vec<_>>(),
        [
            "2026-11-30T09:15:00+01:00 full catch-up 46",
            "2026-11-30T10:15:00+01:00 sample scheduled 1",
            "2026-11-30T11:15:00+01:00 sample scheduled 1",
        ]
    );
    assert_eq!(seen[0].started, t("2026-11-30T09:40:00+01:00"));
    assert_eq!(store.recent_runs(100).await.unwrap().len(), 6);
}

#[tokio::test]
async fn a_run_cut_by_a_crash_is_marked_interrupted_and_caught_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let store = Arc::new(SqliteState::open(&db).unwrap());
    let clock = FixedClock::new(t("2026-11-28T09:30:00+01:00"));
    // A previous process finished 08:15 and died during 09:15.
    let id = store
        .start_run(&NewRun {
            kind: JobKind::Sample,
            reason: RunReason::Scheduled,
            slot: t("2026-11-28T08:15:00+01:00"),
            started: t("2026-11-28T08:15:00+01:00"),
        })
        .await
        .unwrap();
    store
        .finish_run(
            id,
            t("2026-11-28T08:16:00+01:00"),
            RunOutcome::Succeeded,
            &[],
        )
        .await
        .unwrap();
    store
        .start_run(&NewRun {
            kind: JobKind::Sample,
            reason: RunReason::Scheduled,
            slot: t("2026-11-28T09:15:00+01:00"),
            started: t("2026-11-28T09:15:00+01:00"),
        })
        .await
        .unwrap();
    let job = Recorder::new(&clock, Duration::minutes(1));
    let s = Schedule::new(chrono_tz::Europe::Paris)
        .with_cron("15 * * * *", JobKind::Sample)
        .unwrap();
    let r = runner(s, &clock, store.clone(), job.clone());
    let (_, first) = r.start().await.unwrap();
    let first = first.expect("the interrupted slot is caught up");
    assert_eq!(first.reason, RunReason::CatchUp);
    assert_eq!(first.slot, t("2026-11-28T09:15:00+01:00"));
    let runs = store.recent_runs(10).await.unwrap();
    assert_eq!(runs[1].outcome, RunOutcome::Interrupted);
}

#[tokio::test]
async fn per_source_errors_are_in_the_run_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteState::open(dir.path().join("s.db")).unwrap());
    let clock = FixedClock::new(t("2026-11-28T09:00:00+01:00"));
    let job = Arc::new(Recorder {
        clock: clock.clone(),
        takes: Duration::minutes(3),
        seen: Mutex::new(Vec::new()),
        fail_source: true,
    });
    let r = runner(Schedule::ovh_weekly(), &clock, store.clone(), job);
    r.run_through(t("2026-11-28T09:00:00+01:00")).await.unwrap();
    let runs = store.recent_runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, RunOutcome::Partial);
    assert_eq!(runs[0].errors[0].source, "ovh:SIVIC_SICAP");
}

#[tokio::test]
async fn spring_dst_slot_runs_once_after_the_jump() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteState::open(dir.path().join("s.db")).unwrap());
    let clock = FixedClock::new(t("2027-03-28T00:20:00+01:00"));
    let job = Recorder::new(&clock, Duration::minutes(1));
    let r = runner(
        Schedule::ovh_weekly().with_run_at_start(None),
        &clock,
        store,
        job.clone(),
    );
    r.run_through(t("2027-03-28T04:30:00+02:00")).await.unwrap();
    let slots: Vec<String> = job.seen().iter().map(|s| s.slot.clone()).collect();
    assert_eq!(
        slots,
        [
            "2027-03-28T01:15:00+01:00",
            "2027-03-28T03:00:00+02:00",
            "2027-03-28T03:15:00+02:00",
            "2027-03-28T04:15:00+02:00",
        ]
    );
}

#[tokio::test]
async fn run_until_returns_on_shutdown_while_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteState::open(dir.path().join("s.db")).unwrap());
    let clock = FixedClock::new(t("2026-11-28T09:20:00+01:00"));
    let job = Recorder::new(&clock, Duration::minutes(1));
    let s = Schedule::new(chrono_tz::Europe::Paris)
        .with_cron("15 * * * *", JobKind::Sample)
        .unwrap();
    let r = Runner::new(s, Arc::new(clock.clone()), store, job.clone())
        .with_sleeper(Arc::new(TokioSleeper::default()));
    let shutdown = async { tokio::time::sleep(std::time::Duration::from_millis(50)).await };
    tokio::time::timeout(std::time::Duration::from_secs(10), r.run_until(shutdown))
        .await
        .expect("returns promptly")
        .unwrap();
    assert!(job.seen().is_empty());
    assert_eq!(clock.now(), t("2026-11-28T09:20:00+01:00"));
}

/// A notifier that is down: its failure is an error in the run record, the run goes on, and
/// the alert goes out with the next run once it is back.
#[cfg(feature = "notify")]
mod notify_in_runs {
    use super::*;
    use finops_core::alert::{Alert, AlertPolicy, Channel};
    use finops_core::notify::{Language, Message, Notifier};
    use finops_core::state::AlertStore;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    #[derive(Debug, Default)]
    struct Flaky {
        down: AtomicBool,
        sent: AtomicUsize,
    }

    #[async_trait]
    impl Notifier for Flaky {
        fn label(&self) -> String {
            "email:smtp.example.org:587".into()
        }
        async fn send(&self, _msg: &Message) -> finops_core::Result<()> {
            if self.down.load(Ordering::SeqCst) {
                return Err(finops_core::Error::Generic {
                    provider: "smtp",
                    message: "sending e-mail through smtp.example.org:587: Connection refused"
                        .into(),
                    retryable: true,
                });
            }
            self.sent.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    struct AlertingJob {
        policy: AlertPolicy,
    }

    #[async_trait]
    impl Job for AlertingJob {
        async fn run(&self, ctx: &RunContext) -> JobReport {
            let alerts = [Alert::unmapped_tenant("ovh", "pcc-203-0-113-7")];
            match self.policy.process(&ctx.slot.to_rfc3339(), &alerts).await {
                Ok(r) => JobReport {
                    errors: r.errors(),
                    fatal: None,
                },
                Err(e) => JobReport {
                    errors: vec![SourceError::new("notify", e.to_string())],
                    fatal: None,
                },
            }
        }
    }

    #[tokio::test]
    async fn a_down_notifier_is_an_error_in_the_run_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteState::open(dir.path().join("s.db")).unwrap());
        let clock = FixedClock::new(t("2026-11-28T09:20:00+01:00"));
        let flaky = Arc::new(Flaky::default());
        flaky.down.store(true, Ordering::SeqCst);
        let policy =
            AlertPolicy::new(store.clone(), Arc::new(clock.clone())).with_channel(Channel::email(
                "email",
                flaky.clone(),
                vec!["team@example.org".into()],
                Language::Fr,
            ));
        let s = Schedule::new(chrono_tz::Europe::Paris)
            .with_cron("15 * * * *", JobKind::Full)
            .unwrap();
        let r = Runner::new(
            s,
            Arc::new(clock.clone()),
            store.clone(),
            Arc::new(AlertingJob { policy }),
        )
        .with_sleeper(Arc::new(FixedClockSleeper(clock.clone())));
        let (cursor, _) = r.start().await.unwrap();
        let (cursor, first) = r.step(cursor).await.unwrap().unwrap();
        assert_eq!(first.outcome, RunOutcome::Partial);
        assert_eq!(first.errors[0].source, "notify:email");
        assert!(
            first.errors[0].message.contains("Connection refused"),
            "{}",
            first.errors[0]
        );
        assert_eq!(store.pending().await.unwrap().len(), 1);
        flaky.down.store(false, Ordering::SeqCst);
        let (_, second) = r.step(cursor).await.unwrap().unwrap();
        assert_eq!(second.outcome, RunOutcome::Succeeded);
        assert_eq!(flaky.sent.load(Ordering::SeqCst), 1);
        let runs = store.recent_runs(10).await.unwrap();
        assert_eq!(
            runs[1].errors.len(),
            1,
            "the failure is kept in the first run's record"
        );
    }
}
