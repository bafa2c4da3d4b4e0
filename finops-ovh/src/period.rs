//! The billing-period rule of every OVH service, and the usage-period arithmetic, each written
//! once.
//!
//! **One billing period for every service** (Public Cloud usage, Hosted Private Cloud, VPS and
//! every other `/me/bill` line): the whole calendar month in OVH's billing time zone
//! ([`billing_time_zone`]: Europe/Paris for `ovh-eu`). `BillingPeriodStart` is the month's
//! first day at 00:00 in that zone, `BillingPeriodEnd` the next month's first day at 00:00,
//! both as UTC instants (August 2026 on `ovh-eu`: `2026-07-31T22:00:00Z` ..
//! `2026-08-31T22:00:00Z`), the running month included. The month is the one holding the
//! charge's start: a Public Cloud usage period's `from`, a bill line's `periodStart` (else
//! the bill's date).
//!
//! **Charge periods** say what the charge covers: a usage period from `from` to `to`, where a
//! `to` ending in `:59:59` (the last second of a history period) includes that second
//! ([`usage_end`]); the running period ends at the run's as-of ([`charge_period`]); a bill
//! line covers its `periodStart` .. `periodEnd` days in the billing time zone
//! ([`day_period`]).

use crate::model::UsagePeriod;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use finops_core::Period;
use rust_decimal::Decimal;

/// The billing time zone of `ovh-eu` and of every endpoint not listed in
/// [`billing_time_zone`]: OVHcloud SAS invoices from France.
pub const DEFAULT_BILLING_TIME_ZONE: Tz = chrono_tz::Europe::Paris;

/// The billing time zone of an endpoint (a name such as `ovh-eu`, or the API base URL an
/// account was built with):
///
/// | endpoint | zone |
/// |---|---|
/// | `ovh-eu`, `kimsufi-eu`, `soyoustart-eu` | Europe/Paris (OVHcloud SAS; Public Cloud usage periods start at Paris midnight) |
/// | `ovh-ca`, `kimsufi-ca`, `soyoustart-ca` | America/Toronto (OVHcloud Canada is in Montréal, same rules; GUESS: no source states it) |
/// | `ovh-us` | America/New_York (OVHcloud US is in Virginia; GUESS) |
/// | any other URL (an emulator, a proxy) | Europe/Paris |
pub fn billing_time_zone(endpoint: &str) -> Tz {
    let e = endpoint.trim();
    let base = crate::builder::resolve_endpoint(e)
        .map(|(base, _)| base.host_str().unwrap_or_default().to_ascii_lowercase())
        .unwrap_or_default();
    match base.as_str() {
        "ca.api.ovh.com" | "ca.api.kimsufi.com" | "ca.api.soyoustart.com" => {
            chrono_tz::America::Toronto
        }
        "api.us.ovhcloud.com" => chrono_tz::America::New_York,
        _ => DEFAULT_BILLING_TIME_ZONE,
    }
}

/// Local midnight of `day` in `tz` as UTC (the first instant of that day when a DST change
/// skips midnight).
pub fn local_midnight(tz: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    let naive = day.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// The billing period (month in `tz`) holding the local day `day`: its first day 00:00 ..
/// the next month's first day 00:00, both in `tz`, as UTC instants.
pub fn billing_period_of_day(day: NaiveDate, tz: Tz) -> Option<Period> {
    let first = day.with_day(1)?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Period::new(local_midnight(tz, first)?, local_midnight(tz, next)?).ok()
}

/// The billing period (month in `tz`) holding the instant `t`.
pub fn billing_period(t: DateTime<Utc>, tz: Tz) -> Option<Period> {
    billing_period_of_day(t.with_timezone(&tz).date_naive(), tz)
}

/// The exclusive end of a usage period: `to`, plus the one second a `…:59:59` end leaves out
/// (OVH history periods end at the last second of the month: `2026-10-31T23:59:59+01:00`).
/// The one place of that rule.
pub fn usage_end(p: &UsagePeriod) -> DateTime<Utc> {
    let to = p.to.with_timezone(&Utc);
    if p.to.minute() == 59 && p.to.second() == 59 {
        to.checked_add_signed(Duration::seconds(1)).unwrap_or(to)
    } else {
        to
    }
}

/// Period length in hours, by [`usage_end`] (`0` when the period is empty or reversed).
pub fn period_hours(p: &UsagePeriod) -> Decimal {
    let secs = (usage_end(p) - p.from.with_timezone(&Utc)).num_seconds();
    Decimal::from(secs.max(0)) / Decimal::from(3600)
}

/// The charge period of a usage period: `from` .. [`usage_end`], ending at `as_of` when the
/// period is still running at `as_of`. `None` when it would be empty.
pub fn charge_period(p: &UsagePeriod, as_of: DateTime<Utc>) -> Option<Period> {
    let start = p.from.with_timezone(&Utc);
    let mut end = usage_end(p);
    if end > as_of && start < as_of {
        end = as_of;
    }
    Period::new(start, end).ok()
}

/// The charge period of a bill line: the local days `start` ..= `end` in `tz` (one day when
/// `end` is missing or before `start`).
pub fn day_period(start: NaiveDate, end: Option<NaiveDate>, tz: Tz) -> Option<Period> {
    let after = end
        .and_then(|e| e.succ_opt())
        .filter(|e| *e > start)
        .or_else(|| start.succ_opt())?;
    Period::new(local_midnight(tz, start)?, local_midnight(tz, after)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(from: &str, to: &str) -> UsagePeriod {
        serde_json::from_value(serde_json::json!({"from": from, "to": to})).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn period_hours_counts_the_last_second() {
        let p = period("2024-02-01T00:00:00+01:00", "2024-02-29T23:59:59+01:00");
        assert_eq!(period_hours(&p), Decimal::from(29 * 24));
        let p = period("2024-03-01T00:00:00+01:00", "2024-03-15T11:00:00+01:00");
        assert_eq!(period_hours(&p), Decimal::from(14 * 24 + 11));
        let p = period("2024-03-15T00:00:00+01:00", "2024-03-01T00:00:00+01:00");
        assert_eq!(period_hours(&p), Decimal::ZERO);
    }

    #[test]
    fn paris_months_in_utc() {
        let tz = DEFAULT_BILLING_TIME_ZONE;
        let aug = billing_period(utc("2026-08-15T12:00:00Z"), tz).unwrap();
        assert_eq!(aug.start, utc("2026-07-31T22:00:00Z"));
        assert_eq!(aug.end, utc("2026-08-31T22:00:00Z"));
        // Paris midnight of 1 August is still July in UTC: same billing month.
        assert_eq!(billing_period(utc("2026-07-31T22:00:00Z"), tz), Some(aug));
        assert_eq!(
            billing_period(utc("2026-07-31T21:59:59Z"), tz).unwrap().end,
            aug.start
        );
        // Across the October DST change (CEST -> CET).
        let oct = billing_period_of_day(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(), tz);
        assert_eq!(
            oct.map(|p| (p.start, p.end)),
            Some((utc("2026-09-30T22:00:00Z"), utc("2026-10-31T23:00:00Z")))
        );
        let dec = billing_period_of_day(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), tz);
        assert_eq!(
            dec.map(|p| (p.start, p.end)),
            Some((utc("2026-11-30T23:00:00Z"), utc("2026-12-31T23:00:00Z")))
        );
    }

    #[test]
    fn zones_per_endpoint() {
        assert_eq!(billing_time_zone("ovh-eu"), chrono_tz::Europe::Paris);
        assert_eq!(
            billing_time_zone("https://eu.api.ovh.com/1.0"),
            chrono_tz::Europe::Paris
        );
        assert_eq!(billing_time_zone("ovh-ca"), chrono_tz::America::Toronto);
        assert_eq!(
            billing_time_zone("https://ca.api.ovh.com/1.0"),
            chrono_tz::America::Toronto
        );
        assert_eq!(billing_time_zone("ovh-us"), chrono_tz::America::New_York);
        assert_eq!(
            billing_time_zone("http://127.0.0.1:8080/1.0"),
            chrono_tz::Europe::Paris
        );
        assert_eq!(billing_time_zone("nonsense"), chrono_tz::Europe::Paris);
    }

    #[test]
    fn charge_periods() {
        let h = period("2026-10-01T00:00:00+02:00", "2026-10-31T23:59:59+01:00");
        let p = charge_period(&h, utc("2026-11-22T00:00:00Z")).unwrap();
        assert_eq!(
            (p.start, p.end),
            (utc("2026-09-30T22:00:00Z"), utc("2026-10-31T23:00:00Z"))
        );
        // The running period ends at as-of.
        let c = period("2026-11-01T00:00:00+01:00", "2026-11-30T23:59:59+01:00");
        let p = charge_period(&c, utc("2026-11-22T00:00:00Z")).unwrap();
        assert_eq!(p.end, utc("2026-11-22T00:00:00Z"));
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let p = day_period(
            d("2026-10-01"),
            Some(d("2026-10-31")),
            DEFAULT_BILLING_TIME_ZONE,
        )
        .unwrap();
        assert_eq!(
            (p.start, p.end),
            (utc("2026-09-30T22:00:00Z"), utc("2026-10-31T23:00:00Z"))
        );
        let p = day_period(d("2026-10-05"), None, DEFAULT_BILLING_TIME_ZONE).unwrap();
        assert_eq!(p.end - p.start, Duration::days(1));
    }
}
