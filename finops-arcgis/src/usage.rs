//! Credit usage by operation type (AGO-03): `GET /portals/self/usage` asked window by window,
//! summed exactly over users and days, sorted descending; per-user totals. The FOCUS records
//! priced per credit are made from a [`UsageReport`] by [`crate::mapping`].

use crate::error::out_of_range;
use crate::model::{Series, parse_usage};
use crate::{ArcGis, PROVIDER};
use chrono::{DateTime, Utc};
use finops_core::focus::Period;
use finops_core::{Decimal, Error, Result};
use std::collections::{BTreeMap, VecDeque};

/// Longest window asked for in one usage request. The portal's limit is not documented
/// (`arcgis.md` "Not verified"); 30 days of daily points is what the ArcGIS API for Python
/// asks for in its monthly views, so longer ranges are split into 30-day windows.
pub const MAX_WINDOW_DAYS: i64 = 30;

/// One daily point of one operation type (`etype`/`stype`), summed over users.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct UsagePoint {
    /// Start of the day (UTC) the point covers.
    pub day: DateTime<Utc>,
    /// Event type (`svcusg`, `tilegencnt`, ...).
    pub etype: String,
    /// Service / operation type (`features`, `tiles`, `geocode`, ...).
    pub stype: String,
    /// Credits consumed (exact).
    pub credits: Decimal,
    /// Operation count (`num`), when the portal sent it.
    pub count: Option<Decimal>,
}

impl UsagePoint {
    /// A point of `credits` for operation `etype`/`stype` on the day starting at `day`.
    pub fn new(
        day: DateTime<Utc>,
        etype: impl Into<String>,
        stype: impl Into<String>,
        credits: Decimal,
        count: Option<Decimal>,
    ) -> Self {
        UsagePoint {
            day,
            etype: etype.into(),
            stype: stype.into(),
            credits,
            count,
        }
    }
}

/// Credits consumed by one operation type over the whole period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct OperationUsage {
    /// Operation type (`stype`).
    pub stype: String,
    /// Event type (`etype`).
    pub etype: String,
    /// Credits consumed.
    pub credits: Decimal,
    /// Operations counted.
    pub count: Decimal,
}

/// Credits consumed by one user over the period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct UserUsage {
    /// User name.
    pub username: String,
    /// Credits consumed.
    pub credits: Decimal,
}

/// Usage of the organisation over a period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct UsageReport {
    /// The period asked for (half-open, UTC).
    pub period: Period,
    /// Daily points (non-zero ones), ordered by day, then stype, then etype.
    pub points: Vec<UsagePoint>,
    /// Totals per operation, sorted by credits descending, ties by stype then etype.
    pub by_operation: Vec<OperationUsage>,
    /// Sum of all credits.
    pub total: Decimal,
}

impl UsageReport {
    /// The report of `points` over `period`: totals per operation and overall, summed
    /// exactly (an error, never a panic, if a sum does not fit).
    pub fn new(period: Period, points: Vec<UsagePoint>) -> Result<Self> {
        let by_operation = by_operation(&points)?;
        let total = sum(points.iter().map(|p| p.credits), "usage total")?;
        Ok(UsageReport {
            period,
            points,
            by_operation,
            total,
        })
    }
}

impl ArcGis {
    /// Credits consumed per operation type over `period`, summed over users, sorted
    /// descending (AGO-03). Long periods are split into windows of [`MAX_WINDOW_DAYS`].
    pub async fn usage_by_operation(&self, period: Period) -> Result<UsageReport> {
        let windows = self.usage_windows(&period, "stype,etype").await?;
        UsageReport::new(period, points_from(&windows)?)
    }

    /// Credits consumed per user over `period`, sorted descending.
    pub async fn usage_by_user(&self, period: Period) -> Result<Vec<UserUsage>> {
        let windows = self.usage_windows(&period, "username,userorgid").await?;
        users_from(&windows)
    }

    /// Fetch `period` window by window (at most [`MAX_WINDOW_DAYS`] each). A window the
    /// portal refuses as too long (a 400 whose message speaks of the time range) is split in
    /// two halves on day boundaries and asked again, down to one day.
    async fn usage_windows(
        &self,
        period: &Period,
        groupby: &str,
    ) -> Result<Vec<(Period, Vec<Series>)>> {
        let mut out = Vec::new();
        let mut todo: VecDeque<Period> = split_period(period, MAX_WINDOW_DAYS).into();
        while let Some(w) = todo.pop_front() {
            let req = self.client.usage_request(
                w.start.timestamp_millis(),
                w.end.timestamp_millis(),
                groupby,
            )?;
            match self.client.send(req).await {
                Ok(resp) => out.push((w, parse_usage(&resp.body, &resp.call)?)),
                Err(e) if is_window_too_long(&e) && w.duration() > chrono::Duration::days(1) => {
                    let (a, b) = halve(&w);
                    tracing::info!(provider = PROVIDER, window = %w, "usage window refused as too long; splitting it");
                    todo.push_front(b);
                    todo.push_front(a);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// `a + b`, or an error naming `what` (never a panic).
fn add(a: Decimal, b: Decimal, what: &str) -> Result<Decimal> {
    a.checked_add(b)
        .ok_or_else(|| out_of_range(format!("{what}: sum of credits")))
}

/// The exact sum of `values`, or an error naming `what`.
fn sum(values: impl IntoIterator<Item = Decimal>, what: &str) -> Result<Decimal> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |acc, v| add(acc, v, what))
}

/// Split `period` into consecutive windows of at most `max_days` days (half-open, no gap,
/// no overlap).
pub fn split_period(period: &Period, max_days: i64) -> Vec<Period> {
    let step = chrono::Duration::days(max_days.clamp(1, 36_500));
    let mut out = Vec::new();
    let mut start = period.start;
    while start < period.end {
        let end = start
            .checked_add_signed(step)
            .map_or(period.end, |e| e.min(period.end));
        out.push(Period { start, end });
        start = end;
    }
    out
}

/// Whether the portal refused a usage window as too long: a 400 whose message speaks of the
/// time range (the real limit and message are not documented; see `arcgis.md`).
pub(crate) fn is_window_too_long(e: &Error) -> bool {
    match e {
        Error::Status {
            status: 400, body, ..
        } => {
            let b = body.to_ascii_lowercase();
            ["time", "range", "period", "large", "long", "window"]
                .iter()
                .any(|k| b.contains(k))
        }
        _ => false,
    }
}

/// Split a window in two halves on a day boundary (the first half gets the extra day).
pub(crate) fn halve(w: &Period) -> (Period, Period) {
    let days = w.duration().num_days().max(1);
    let mid = w
        .start
        .checked_add_signed(chrono::Duration::days((days + 1) / 2))
        .map_or(w.end, |m| m.min(w.end));
    (
        Period {
            start: w.start,
            end: mid,
        },
        Period {
            start: mid,
            end: w.end,
        },
    )
}

/// Non-zero credit points that no window asked for (outside the whole period): they are not
/// counted, and a warning says so rather than dropping them silently.
fn warn_outside(windows: &[(Period, Vec<Series>)]) {
    let (mut n, mut credits) = (0usize, Decimal::ZERO);
    for (_, series) in windows {
        for s in series {
            for (t, c) in &s.credits {
                if !c.is_zero() && !windows.iter().any(|(w, _)| w.contains(*t)) {
                    n += 1;
                    credits = credits.saturating_add(*c);
                }
            }
        }
    }
    if n > 0 {
        tracing::warn!(
            provider = PROVIDER,
            points = n,
            credits = %credits,
            "usage points outside the period asked for were not counted"
        );
    }
}

/// Daily points per operation from the series of several windows. A point counts only
/// inside the window that asked for it, so windows never count a day twice; points outside
/// the whole period are reported by a warning.
pub(crate) fn points_from(windows: &[(Period, Vec<Series>)]) -> Result<Vec<UsagePoint>> {
    warn_outside(windows);
    type Key = (DateTime<Utc>, String, String);
    let mut acc: BTreeMap<Key, (Decimal, Option<Decimal>)> = BTreeMap::new();
    for (window, series) in windows {
        for s in series {
            let stype = s.stype.clone().unwrap_or_else(|| "unknown".into());
            let etype = s.etype.clone().unwrap_or_else(|| "unknown".into());
            let what = format!("{stype}/{etype}");
            for (t, c) in &s.credits {
                if window.contains(*t) {
                    let e = acc
                        .entry((*t, stype.clone(), etype.clone()))
                        .or_insert((Decimal::ZERO, None));
                    e.0 = add(e.0, *c, &what)?;
                }
            }
            for (t, n) in &s.num {
                if window.contains(*t) {
                    let e = acc
                        .entry((*t, stype.clone(), etype.clone()))
                        .or_insert((Decimal::ZERO, None));
                    e.1 = Some(add(e.1.unwrap_or_default(), *n, &what)?);
                }
            }
        }
    }
    Ok(acc
        .into_iter()
        .filter(|(_, (c, n))| !c.is_zero() || n.is_some_and(|n| !n.is_zero()))
        .map(|((day, stype, etype), (credits, count))| UsagePoint {
            day,
            etype,
            stype,
            credits,
            count,
        })
        .collect())
}

/// Totals per operation, sorted by credits descending, ties by stype then etype.
pub fn by_operation(points: &[UsagePoint]) -> Result<Vec<OperationUsage>> {
    let mut acc: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    for p in points {
        let e = acc
            .entry((p.stype.clone(), p.etype.clone()))
            .or_insert((Decimal::ZERO, Decimal::ZERO));
        e.0 = add(e.0, p.credits, &p.stype)?;
        e.1 = add(e.1, p.count.unwrap_or_default(), &p.stype)?;
    }
    let mut out: Vec<OperationUsage> = acc
        .into_iter()
        .map(|((stype, etype), (credits, count))| OperationUsage {
            stype,
            etype,
            credits,
            count,
        })
        .collect();
    out.sort_by(|a, b| {
        b.credits
            .cmp(&a.credits)
            .then_with(|| a.stype.cmp(&b.stype))
            .then_with(|| a.etype.cmp(&b.etype))
    });
    Ok(out)
}

/// Per-user totals from `groupby=username,userorgid` windows, sorted by credits
/// descending, ties by user name.
pub(crate) fn users_from(windows: &[(Period, Vec<Series>)]) -> Result<Vec<UserUsage>> {
    warn_outside(windows);
    let mut acc: BTreeMap<String, Decimal> = BTreeMap::new();
    for (window, series) in windows {
        for s in series {
            let name = s.username.clone().unwrap_or_else(|| "unknown".into());
            let e = acc.entry(name.clone()).or_insert(Decimal::ZERO);
            for (t, c) in &s.credits {
                if window.contains(*t) {
                    *e = add(*e, *c, &name)?;
                }
            }
        }
    }
    let mut out: Vec<UserUsage> = acc
        .into_iter()
        .map(|(username, credits)| UserUsage { username, credits })
        .collect();
    out.sort_by(|a, b| {
        b.credits
            .cmp(&a.credits)
            .then_with(|| a.username.cmp(&b.username))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const USAGE_CALL: &str = "GET /sharing/rest/portals/self/usage";

    fn fixture(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fixtures")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn whole(period: Period, s: Vec<Series>) -> Vec<(Period, Vec<Series>)> {
        vec![(period, s)]
    }

    #[test]
    fn fixture_sums_exactly_and_sorts_descending() {
        let s = parse_usage(
            &fixture("arcgis_usage_credits_by_stype_etype.json"),
            USAGE_CALL,
        )
        .unwrap();
        let p = Period {
            start: Utc.timestamp_millis_opt(1672099200000).unwrap(),
            end: Utc.timestamp_millis_opt(1672704000000).unwrap(),
        };
        let pts = points_from(&whole(p, s)).unwrap();
        let ops = by_operation(&pts).unwrap();
        assert_eq!(ops[0].stype, "geocode");
        assert_eq!(ops[0].credits, "4.04".parse::<Decimal>().unwrap());
        assert_eq!(ops[1].stype, "features");
        assert_eq!(ops[1].credits, "1.75".parse::<Decimal>().unwrap());
        assert_eq!(ops[1].count, Decimal::new(2100, 0));
        assert!(ops.windows(2).all(|w| w[0].credits >= w[1].credits));
        let u = parse_usage(&fixture("arcgis_usage_credits_by_user.json"), USAGE_CALL).unwrap();
        let users = users_from(&whole(p, u)).unwrap();
        assert_eq!(users[0].username, "user_name1");
        assert_eq!(users[0].credits, "0.0002".parse::<Decimal>().unwrap());
    }

    #[test]
    fn points_outside_the_window_are_not_counted() {
        let day = |d| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
        let s = Series {
            etype: Some("svcusg".into()),
            stype: Some("geocode".into()),
            username: None,
            credits: vec![(day(1), Decimal::ONE), (day(2), Decimal::TWO)],
            num: vec![],
        };
        let w1 = Period {
            start: day(1),
            end: day(2),
        };
        let w2 = Period {
            start: day(2),
            end: day(3),
        };
        // Both windows return both days (an inclusive server): each day still counts once.
        let pts = points_from(&[(w1, vec![s.clone()]), (w2, vec![s])]).unwrap();
        let total: Decimal = pts.iter().map(|p| p.credits).sum();
        assert_eq!(total, Decimal::new(3, 0));
    }

    #[test]
    fn sums_that_do_not_fit_are_errors_not_panics() {
        let day = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let pts = vec![
            UsagePoint::new(day, "svcusg", "geocode", Decimal::MAX, None),
            UsagePoint::new(day, "svcusg", "geocode", Decimal::MAX, None),
        ];
        let e = by_operation(&pts).unwrap_err();
        assert!(e.to_string().contains("geocode"), "{e}");
        let p = Period::day(day.date_naive());
        assert!(UsageReport::new(p, pts).is_err());
        // A period at the end of time splits without overflowing.
        let end = DateTime::<Utc>::MAX_UTC;
        let p = Period {
            start: end - chrono::Duration::days(3),
            end,
        };
        assert_eq!(split_period(&p, 30), vec![p]);
        let (a, b) = halve(&p);
        assert_eq!((a.start, b.end), (p.start, p.end));
    }

    proptest! {
        #[test]
        fn split_covers_the_period_without_gaps(start in 0i64..2_000_000_000, len_days in 0i64..400, max in 1i64..60) {
            let s = Utc.timestamp_opt(start, 0).unwrap();
            let p = Period { start: s, end: s + chrono::Duration::days(len_days) + chrono::Duration::hours(5) };
            let w = split_period(&p, max);
            prop_assert_eq!(w.first().map(|x| x.start), Some(p.start));
            prop_assert_eq!(w.last().map(|x| x.end), Some(p.end));
            for pair in w.windows(2) {
                prop_assert_eq!(pair[0].end, pair[1].start);
            }
            for x in &w {
                prop_assert!(x.end - x.start <= chrono::Duration::days(max));
            }
        }

        #[test]
        fn halves_cover_the_window(start in 0i64..2_000_000_000, days in 2i64..400) {
            let s = Utc.timestamp_opt(start, 0).unwrap();
            let w = Period { start: s, end: s + chrono::Duration::days(days) };
            let (a, b) = halve(&w);
            prop_assert_eq!(a.start, w.start);
            prop_assert_eq!(a.end, b.start);
            prop_assert_eq!(b.end, w.end);
            prop_assert!(a.start < a.end && b.start < b.end);
        }

        #[test]
        fn operation_totals_equal_the_sum_of_points(vals in proptest::collection::vec((0u8..4, 0i64..1_000_000), 0..50)) {
            let names = ["features", "tiles", "geocode", "stg"];
            let pts: Vec<UsagePoint> = vals.iter().enumerate().map(|(i, (k, v))| UsagePoint {
                day: Utc.timestamp_opt(i as i64 * 86400, 0).unwrap(),
                etype: "svcusg".into(),
                stype: names[*k as usize].into(),
                credits: Decimal::new(*v, 4),
                count: None,
            }).collect();
            let ops = by_operation(&pts).unwrap();
            let a: Decimal = ops.iter().map(|o| o.credits).sum();
            let b: Decimal = pts.iter().map(|p| p.credits).sum();
            prop_assert_eq!(a, b);
            prop_assert!(ops.windows(2).all(|w| w[0].credits >= w[1].credits));
        }
    }
}
