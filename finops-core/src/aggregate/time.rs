//! Time buckets of `ChargePeriodStart` in a chosen time zone.

use crate::focus::parse_time;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// A time bucket of `ChargePeriodStart` (or, for [`TimeBucket::BillingPeriod`],
/// `BillingPeriodStart`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeBucket {
    /// `YYYY-MM-DDTHH:00±hh:mm` in the query's time zone (the offset tells the two
    /// repeated hours of a DST change apart).
    Hour,
    /// `YYYY-MM-DD` in the query's time zone.
    Day,
    /// ISO 8601 week `YYYY-Www` in the query's time zone.
    Week,
    /// The billing month `YYYY-MM` of `BillingPeriodStart` ([`billing_month`]): the month
    /// of the invoice, whatever the query's time zone. A file without `BillingPeriodStart`
    /// uses the UTC month of `ChargePeriodStart` (the billing period the FOCUS readers derive).
    Month,
    /// `YYYY-MM` of `ChargePeriodStart` in the query's time zone (the calendar month of the
    /// charge, which differs from the billing month for a provider billing in another time
    /// zone).
    ChargeMonth,
    /// The date of `BillingPeriodStart` (`YYYY-MM-DD`, UTC: billing periods are defined by
    /// the provider, not by the reader's time zone).
    BillingPeriod,
}

impl TimeBucket {
    /// Parse `hour|day|week|month|charge_month|billing_period`.
    pub fn parse(s: &str) -> Option<TimeBucket> {
        match s {
            "hour" => Some(TimeBucket::Hour),
            "day" => Some(TimeBucket::Day),
            "week" => Some(TimeBucket::Week),
            "month" => Some(TimeBucket::Month),
            "charge_month" => Some(TimeBucket::ChargeMonth),
            "billing_period" => Some(TimeBucket::BillingPeriod),
            _ => None,
        }
    }

    /// The bucket label of an instant (for [`TimeBucket::Month`], `t` is the
    /// `BillingPeriodStart`).
    pub fn label(self, t: DateTime<Utc>, tz: Tz) -> String {
        let local = t.with_timezone(&tz);
        match self {
            TimeBucket::Hour => local.format("%Y-%m-%dT%H:00%:z").to_string(),
            TimeBucket::Day => local.format("%Y-%m-%d").to_string(),
            TimeBucket::Week => {
                let w = local.iso_week();
                format!("{:04}-W{:02}", w.year(), w.week())
            }
            TimeBucket::Month => billing_month(t),
            TimeBucket::ChargeMonth => format!("{:04}-{:02}", local.year(), local.month()),
            TimeBucket::BillingPeriod => t.format("%Y-%m-%d").to_string(),
        }
    }
}

/// The billing month (`YYYY-MM`) of a billing period starting at `start`: the month of the
/// date on which the provider's billing period starts, in the provider's billing time zone.
///
/// FOCUS stores `BillingPeriodStart` as a UTC instant, and providers start their periods
/// at local midnight of their billing time zone (UTC−12 … UTC+14): an OVHcloud Paris month
/// starts at `2026-07-31T22:00:00Z` (billing month 2026-08), an OCI or Azure month at
/// `2026-08-01T00:00:00Z`, a US-Pacific month at `2026-08-01T07:00:00Z`. Local midnight in
/// any of those zones is between 10:00 UTC the day before and 12:00 UTC the same day, so
/// the UTC date of `start + 14 h` is the local start date or the day after: the same month
/// for every period that does not start on the last day of a month. The reader's `--tz`
/// plays no part, and neither does the UTC calendar of `ChargePeriodStart`.
pub fn billing_month(start: DateTime<Utc>) -> String {
    let t = start + chrono::Duration::hours(14);
    format!("{:04}-{:02}", t.year(), t.month())
}

fn two(b: &[u8], i: usize) -> Option<u32> {
    let a = b.get(i)?.wrapping_sub(b'0');
    let c = b.get(i + 1)?.wrapping_sub(b'0');
    (a <= 9 && c <= 9).then_some(a as u32 * 10 + c as u32)
}

/// Parse a FOCUS date/time. Fast path for `YYYY-MM-DDTHH:MM[:SS]Z` (also with a space, or
/// without the `Z`); everything else goes through [`parse_time`].
pub(crate) fn parse_instant(b: &[u8]) -> Result<DateTime<Utc>, String> {
    if let Some(t) = fast_instant(b) {
        return Ok(t);
    }
    let s = std::str::from_utf8(b).map_err(|_| "not UTF-8 text".to_string())?;
    parse_time(s)
}

fn fast_instant(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let year = two(b, 0)? * 100 + two(b, 2)?;
    let (mo, d, h, mi) = (two(b, 5)?, two(b, 8)?, two(b, 11)?, two(b, 14)?);
    if b[13] != b':' {
        return None;
    }
    let rest = &b[16..];
    let (sec, rest) = if rest.first() == Some(&b':') {
        (two(rest, 1)?, &rest[3..])
    } else {
        (0, rest)
    };
    if !(rest.is_empty() || rest == b"Z" || rest == b"+00:00") {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, mo, d)?;
    let dt = date.and_hms_opt(h, mi, sec)?;
    Some(Utc.from_utc_datetime(&dt))
}

/// Whether the instant is on a whole hour (used by tests).
#[allow(dead_code)]
pub(crate) fn on_hour(t: DateTime<Utc>) -> bool {
    t.minute() == 0 && t.second() == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_and_slow_parse_agree() {
        for s in [
            "2024-03-31T01:00:00Z",
            "2024-03-31 01:00:00",
            "2024-03-31T01:00Z",
            "2024-03-31T01:00:00+00:00",
        ] {
            assert_eq!(
                parse_instant(s.as_bytes()).unwrap(),
                parse_time(s).unwrap(),
                "{s}"
            );
        }
        assert_eq!(
            parse_instant(b"2024-03-31T03:00:00+02:00").unwrap(),
            parse_time("2024-03-31T01:00:00Z").unwrap()
        );
        assert!(parse_instant(b"2024-13-01T00:00:00Z").is_err());
        assert!(parse_instant(b"yesterday").is_err());
    }

    #[test]
    fn labels() {
        let t = parse_time("2024-12-31T23:30:00Z").unwrap();
        let paris: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(TimeBucket::Day.label(t, Tz::UTC), "2024-12-31");
        assert_eq!(TimeBucket::Day.label(t, paris), "2025-01-01");
        assert_eq!(TimeBucket::ChargeMonth.label(t, paris), "2025-01");
        assert_eq!(TimeBucket::ChargeMonth.label(t, Tz::UTC), "2024-12");
        // Billing months: an OVH Paris month, a UTC month, a US-Pacific month, Kiribati (+14)
        // and Baker Island (−12) month starts.
        for (start, month) in [
            ("2026-07-31T22:00:00Z", "2026-08"),
            ("2026-08-01T00:00:00Z", "2026-08"),
            ("2026-08-01T07:00:00Z", "2026-08"),
            ("2026-07-31T10:00:00Z", "2026-08"),
            ("2026-08-01T12:00:00Z", "2026-08"),
            ("2026-12-31T23:00:00Z", "2027-01"),
        ] {
            let t = parse_time(start).unwrap();
            assert_eq!(TimeBucket::Month.label(t, paris), month, "{start}");
            assert_eq!(TimeBucket::Month.label(t, Tz::UTC), month, "{start}");
        }
        assert_eq!(TimeBucket::Week.label(t, Tz::UTC), "2025-W01");
        assert_eq!(TimeBucket::Hour.label(t, paris), "2025-01-01T00:00+01:00");
        assert_eq!(TimeBucket::BillingPeriod.label(t, paris), "2024-12-31");
        assert!(on_hour(parse_time("2024-01-01T05:00:00Z").unwrap()));
    }
}
