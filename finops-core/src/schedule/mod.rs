//! Schedules (feature `schedule`): cron expressions in a time zone, named presets, and the
//! [`Runner`] that runs a job on them.
//!
//! Patterns are parsed and matched by [`croner`] (five fields: minute, hour, day of month,
//! month, day of week; `L` = last day of the month, `SUN`/`JAN` names, `#` and `W`), and time
//! zones come from `chrono-tz`. Quartz's `L-n` (n days before the last day) is accepted in the
//! day-of-month field: croner has no such field value, so the entry matches `L` and moves the
//! slot n days back, keeping the wall-clock time.
//!
//! **Wall clock and daylight saving time.** A pattern is matched against the wall clock of the
//! schedule's zone; each wall-clock slot then becomes one instant:
//! - a slot in the hour skipped in spring (02:15 in Europe/Paris on the last Sunday of March)
//!   runs **once, right after the jump** (03:00 local);
//! - a slot in the hour repeated in autumn (02:15 on the last Sunday of October) runs
//!   **once**, at its first occurrence (+02:00).
//!
//! This is croner's rule for fixed-time jobs, applied to every pattern (croner itself skips
//! gap slots of wildcard-hour patterns and runs them twice in the repeated hour, which would
//! lose or double an hourly sample).
//!
//! **One slot per minute.** When several entries fall on the same instant, one [`Slot`] is
//! returned with the largest [`JobKind`] (a full run also samples), so a Sunday that is also
//! the last day of a month gives one full run.
//!
//! ```
//! use finops_core::schedule::{JobKind, Schedule};
//! let s = Schedule::preset("ovh-weekly").unwrap();
//! let from = "2026-11-29T21:00:00Z".parse().unwrap();
//! let next: Vec<String> = s.iter_after(from).take(2).map(|s| s.unwrap().to_string()).collect();
//! assert_eq!(next, ["2026-11-29T22:15:00+01:00 sample", "2026-11-29T23:15:00+01:00 full"]);
//! ```

mod runner;

pub use crate::state::{JobKind, RunReason};
pub use runner::{FixedClockSleeper, Job, JobReport, RunContext, Runner, Sleeper, TokioSleeper};

use crate::{Error, Result};
use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use std::fmt;

/// One run time of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The instant.
    pub at: DateTime<Utc>,
    /// The same instant in the schedule's zone (its offset is the one in force).
    pub local: DateTime<Tz>,
    /// What runs.
    pub kind: JobKind,
}

impl fmt::Display for Slot {
    /// `2026-11-29T23:15:00+01:00 full` (RFC 3339 with the zone's offset, then the kind).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.local
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            self.kind
        )
    }
}

/// One cron line of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronEntry {
    expr: String,
    cron: Cron,
    /// Days moved back from the matched slot (`L-n`).
    back_days: i64,
    kind: JobKind,
}

impl CronEntry {
    /// Parse a five-field cron expression (`L-n` allowed in the day-of-month field).
    pub fn new(expr: &str, kind: JobKind) -> Result<Self> {
        let bad = |m: String| Error::InvalidArgument(format!("cron expression {expr:?}: {m}"));
        let fields: Vec<&str> = expr.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(bad(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), found {}",
                fields.len()
            )));
        }
        let mut back_days = 0;
        let mut fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
        let dom = fields[2].to_ascii_uppercase();
        if let Some(n) = dom.strip_prefix("L-") {
            let n: i64 = n
                .parse()
                .ok()
                .filter(|n| (1..=27).contains(n))
                .ok_or_else(|| bad(format!("{dom}: L-n needs 1 <= n <= 27")))?;
            if fields[4] != "*" && fields[4] != "?" {
                return Err(bad(format!(
                    "{dom} cannot be combined with a day of week ({})",
                    fields[4]
                )));
            }
            back_days = n;
            fields[2] = "L".into();
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser
            .parse(&fields.join(" "))
            .map_err(|e| bad(e.to_string()))?;
        Ok(CronEntry {
            expr: expr.trim().to_string(),
            cron,
            back_days,
            kind,
        })
    }

    /// The expression as written.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// What the entry runs.
    pub fn kind(&self) -> JobKind {
        self.kind
    }

    /// The first wall-clock slot at or after `from`.
    fn next_naive(&self, from: NaiveDateTime, inclusive: bool) -> Result<NaiveDateTime> {
        let shift = Duration::days(self.back_days);
        let base_from = from
            .checked_add_signed(shift)
            .ok_or_else(|| Error::InvalidArgument(format!("{}: date out of range", self.expr)))?;
        let base = self
            .cron
            .find_next_occurrence(&base_from, inclusive)
            .map_err(|e| Error::InvalidArgument(format!("cron expression {:?}: {e}", self.expr)))?;
        base.checked_sub_signed(shift)
            .ok_or_else(|| Error::InvalidArgument(format!("{}: date out of range", self.expr)))
    }
}

/// A set of cron entries in one time zone, with an optional run at start.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    tz: Tz,
    entries: Vec<CronEntry>,
    run_at_start: Option<JobKind>,
    name: Option<String>,
}

/// Names of the presets [`Schedule::preset`] knows.
pub const PRESETS: &[&str] = &["ovh-weekly"];

impl Schedule {
    /// An empty schedule in `tz`.
    pub fn new(tz: Tz) -> Self {
        Schedule {
            tz,
            entries: Vec::new(),
            run_at_start: None,
            name: None,
        }
    }

    /// The `ovh-weekly` schedule of the OVH reporting job (OVH-17), in Europe/Paris: sampling
    /// every hour at :15; full runs every Sunday 23:15, on the last day of the month 23:15, on
    /// the day before the last day 23:15, and once at start.
    pub fn ovh_weekly() -> Self {
        let entries = [
            ("15 * * * *", JobKind::Sample),
            ("15 23 * * SUN", JobKind::Full),
            ("15 23 L * *", JobKind::Full),
            ("15 23 L-1 * *", JobKind::Full),
        ]
        .into_iter()
        .filter_map(|(e, k)| CronEntry::new(e, k).ok())
        .collect();
        Schedule {
            tz: chrono_tz::Europe::Paris,
            entries,
            run_at_start: Some(JobKind::Full),
            name: Some("ovh-weekly".into()),
        }
    }

    /// A named preset (see [`PRESETS`]).
    pub fn preset(name: &str) -> Result<Self> {
        match name.trim() {
            "ovh-weekly" => Ok(Self::ovh_weekly()),
            other => Err(Error::InvalidArgument(format!(
                "unknown schedule preset {other:?} (known: {})",
                PRESETS.join(", ")
            ))),
        }
    }

    /// Add a cron entry.
    pub fn with_cron(mut self, expr: &str, kind: JobKind) -> Result<Self> {
        self.entries.push(CronEntry::new(expr, kind)?);
        Ok(self)
    }

    /// Add every entry (and the run at start, if any) of `other`; the zone stays this one's.
    pub fn merge(mut self, other: Schedule) -> Self {
        self.entries.extend(other.entries);
        self.run_at_start = self.run_at_start.max(other.run_at_start);
        self.name = match (self.name, other.name) {
            (Some(a), Some(b)) => Some(format!("{a}+{b}")),
            (a, b) => a.or(b),
        };
        self
    }

    /// Evaluate the entries in another zone.
    pub fn with_timezone(mut self, tz: Tz) -> Self {
        self.tz = tz;
        self
    }

    /// Run a job of `kind` when the runner starts (`None`: don't).
    pub fn with_run_at_start(mut self, kind: Option<JobKind>) -> Self {
        self.run_at_start = kind;
        self
    }

    /// The zone.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The entries.
    pub fn entries(&self) -> &[CronEntry] {
        &self.entries
    }

    /// The kind of run made at start, if any.
    pub fn run_at_start(&self) -> Option<JobKind> {
        self.run_at_start
    }

    /// The preset name, if built from one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The instant of a wall-clock slot (see the module docs for the DST rule).
    pub fn instant_of(&self, local: NaiveDateTime) -> Result<DateTime<Utc>> {
        instant_of(self.tz, local)
    }

    /// The first slot strictly after `after`, or `None` for a schedule without entries.
    pub fn next_after(&self, after: DateTime<Utc>) -> Result<Option<Slot>> {
        let mut best: Option<(DateTime<Utc>, JobKind)> = None;
        for e in &self.entries {
            let at = self.entry_next_after(e, after)?;
            best = match best {
                None => Some((at, e.kind)),
                Some((b, _)) if at < b => Some((at, e.kind)),
                Some((b, k)) if at == b => Some((b, k.max(e.kind))),
                keep => keep,
            };
        }
        Ok(best.map(|(at, kind)| Slot {
            at,
            local: at.with_timezone(&self.tz),
            kind,
        }))
    }

    /// The slots after `after`, in order (an error ends the iteration).
    pub fn iter_after(&self, after: DateTime<Utc>) -> impl Iterator<Item = Result<Slot>> + '_ {
        let mut cursor = Some(after);
        std::iter::from_fn(move || {
            let c = cursor?;
            match self.next_after(c) {
                Ok(Some(s)) => {
                    cursor = Some(s.at);
                    Some(Ok(s))
                }
                Ok(None) => {
                    cursor = None;
                    None
                }
                Err(e) => {
                    cursor = None;
                    Some(Err(e))
                }
            }
        })
    }

    /// The slots in `(after, until]`, at most `limit` of them (the latest ones are kept).
    pub fn due_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Slot>> {
        let mut out = std::collections::VecDeque::new();
        for s in self.iter_after(after) {
            let s = s?;
            if s.at > until {
                break;
            }
            if out.len() == limit.max(1) {
                out.pop_front();
            }
            out.push_back(s);
        }
        Ok(out.into())
    }

    fn entry_next_after(&self, e: &CronEntry, after: DateTime<Utc>) -> Result<DateTime<Utc>> {
        // Wall-clock slots before the local time of `after` map to instants <= `after` (the
        // mapping is monotonic); slots at or after it may still map before `after` in the
        // repeated autumn hour, so they are checked one by one.
        let local = after.with_timezone(&self.tz).naive_local();
        let start = local
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(local);
        let mut n = e.next_naive(start, true)?;
        for _ in 0..10_000 {
            let at = instant_of(self.tz, n)?;
            if at > after {
                return Ok(at);
            }
            n = e.next_naive(n, false)?;
        }
        Err(Error::InvalidArgument(format!(
            "cron expression {:?}: no slot found after {after}",
            e.expr
        )))
    }
}

/// The instant of wall-clock time `local` in `tz`: the only one; the first of two (repeated
/// hour); or, for a time that does not exist (skipped hour), the first instant after the jump.
pub fn instant_of(tz: Tz, local: NaiveDateTime) -> Result<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Ok(a.min(b).with_timezone(&Utc)),
        LocalResult::None => {
            // Walk to the first existing wall-clock minute: that is the end of the gap.
            let mut m = local.with_second(0).unwrap_or(local);
            for _ in 0..(3 * 24 * 60) {
                m += Duration::minutes(1);
                match tz.from_local_datetime(&m) {
                    LocalResult::Single(t) => return Ok(t.with_timezone(&Utc)),
                    LocalResult::Ambiguous(a, b) => return Ok(a.min(b).with_timezone(&Utc)),
                    LocalResult::None => {}
                }
            }
            Err(Error::InvalidArgument(format!(
                "{local} does not exist in {tz} and no valid time follows within 3 days"
            )))
        }
    }
}

/// Parse an IANA zone name (`Europe/Paris`, `UTC`).
pub fn parse_timezone(name: &str) -> Result<Tz> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| Error::InvalidArgument(format!("unknown time zone {name:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn lines(s: &Schedule, from: &str, n: usize) -> Vec<String> {
        s.iter_after(utc(from))
            .take(n)
            .map(|x| x.unwrap().to_string())
            .collect()
    }

    #[test]
    fn month_end_and_leap_day() {
        let s = Schedule::new(chrono_tz::Europe::Paris)
            .with_cron("15 23 L * *", JobKind::Full)
            .unwrap()
            .with_cron("15 23 L-1 * *", JobKind::Full)
            .unwrap();
        assert_eq!(
            lines(&s, "2028-01-30T00:00:00+01:00", 6),
            [
                "2028-01-30T23:15:00+01:00 full",
                "2028-01-31T23:15:00+01:00 full",
                "2028-02-28T23:15:00+01:00 full",
                "2028-02-29T23:15:00+01:00 full",
                "2028-03-30T23:15:00+02:00 full",
                "2028-03-31T23:15:00+02:00 full",
            ]
        );
        assert_eq!(
            lines(&s, "2027-02-01T00:00:00+01:00", 2),
            [
                "2027-02-27T23:15:00+01:00 full",
                "2027-02-28T23:15:00+01:00 full"
            ]
        );
    }

    #[test]
    fn dst_spring_gap_runs_once_after_the_jump() {
        let s = Schedule::new(chrono_tz::Europe::Paris)
            .with_cron("15 * * * *", JobKind::Sample)
            .unwrap();
        assert_eq!(
            lines(&s, "2027-03-28T00:30:00+01:00", 4),
            [
                "2027-03-28T01:15:00+01:00 sample",
                "2027-03-28T03:00:00+02:00 sample",
                "2027-03-28T03:15:00+02:00 sample",
                "2027-03-28T04:15:00+02:00 sample",
            ]
        );
        // A fixed-time job in the gap too.
        let s = Schedule::new(chrono_tz::Europe::Paris)
            .with_cron("30 2 * * *", JobKind::Full)
            .unwrap();
        assert_eq!(
            lines(&s, "2027-03-27T12:00:00+01:00", 3),
            [
                "2027-03-28T03:00:00+02:00 full",
                "2027-03-29T02:30:00+02:00 full",
                "2027-03-30T02:30:00+02:00 full",
            ]
        );
    }

    #[test]
    fn dst_autumn_repeated_hour_runs_once() {
        let s = Schedule::new(chrono_tz::Europe::Paris)
            .with_cron("15 * * * *", JobKind::Sample)
            .unwrap();
        assert_eq!(
            lines(&s, "2026-10-25T00:30:00+02:00", 4),
            [
                "2026-10-25T01:15:00+02:00 sample",
                "2026-10-25T02:15:00+02:00 sample",
                "2026-10-25T03:15:00+01:00 sample",
                "2026-10-25T04:15:00+01:00 sample",
            ]
        );
        // Starting inside the second pass of the repeated hour does not go back.
        assert_eq!(
            lines(&s, "2026-10-25T02:20:00+01:00", 1),
            ["2026-10-25T03:15:00+01:00 sample"]
        );
    }

    #[test]
    fn same_minute_merges_to_the_larger_kind() {
        let s = Schedule::ovh_weekly();
        // 2027-01-31 is a Sunday and the last day of January.
        let l = lines(&s, "2027-01-31T21:30:00+01:00", 3);
        assert_eq!(
            l,
            [
                "2027-01-31T22:15:00+01:00 sample",
                "2027-01-31T23:15:00+01:00 full",
                "2027-02-01T00:15:00+01:00 sample",
            ]
        );
    }

    #[test]
    fn bad_expressions_are_errors() {
        for e in [
            "",
            "* * * *",
            "61 * * * *",
            "15 23 L-40 * *",
            "15 23 L-1 * SUN",
            "0 0 * * * *",
        ] {
            assert!(CronEntry::new(e, JobKind::Full).is_err(), "{e}");
        }
        assert!(Schedule::preset("nope").is_err());
        assert!(parse_timezone("Mars/Olympus").is_err());
        assert_eq!(
            parse_timezone("Europe/Paris").unwrap(),
            chrono_tz::Europe::Paris
        );
    }

    #[test]
    fn due_between_keeps_the_latest() {
        let s = Schedule::ovh_weekly();
        let d = s
            .due_between(utc("2026-11-28T00:00:00Z"), utc("2026-11-30T23:00:00Z"), 3)
            .unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(d[2].to_string(), "2026-11-30T23:15:00+01:00 full");
    }
}
