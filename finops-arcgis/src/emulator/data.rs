//! The emulated organisation's data set: its accounts, 260 users covering every alert case
//! (exactly 10 %, just under 10 %, exactly 50 %, just under 50 %, unlimited), and daily usage
//! per user and operation type, generated deterministically from a seed.

use chrono::{NaiveDate, TimeZone, Utc};
use finops_core::Decimal;

/// Administrator login of the emulated organisation.
pub const ADMIN_USER: &str = "org_admin_user";
/// Administrator password.
pub const ADMIN_PASSWORD: &str = "admin-pass-0001";
/// A user without administrator rights.
pub const VIEWER_USER: &str = "viewer_user";
/// Its password.
pub const VIEWER_PASSWORD: &str = "viewer-pass-0001";
/// OAuth2 app client id.
pub const CLIENT_ID: &str = "emuClientId0001";
/// OAuth2 app client secret.
pub const CLIENT_SECRET: &str = "emu-client-secret-0001";
/// Organisation id.
pub const ORG_ID: &str = "EmuOrg0000000001";

/// The instant the default emulator clock is stopped at, `2026-11-22T12:00:00Z`
/// (the usage data covers 2026-09-01 .. 2026-11-15).
pub const DEFAULT_NOW: &str = "2026-11-22T12:00:00Z";
pub(crate) const DEFAULT_NOW_UNIX: i64 = 1_795_348_800;

/// One emulated user.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EmuUser {
    /// User name.
    pub username: String,
    /// Role.
    pub role: String,
    /// Assigned credits (`None`: -1, unlimited).
    pub assigned: Option<Decimal>,
    /// Available credits (`None`: -1).
    pub available: Option<Decimal>,
    /// Disabled account.
    pub disabled: bool,
}

/// One daily usage row (per user and operation type).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UsageRow {
    /// Day start, epoch ms.
    pub day_ms: i64,
    /// User.
    pub username: String,
    /// Event type.
    pub etype: String,
    /// Operation type.
    pub stype: String,
    /// Credits.
    pub credits: Decimal,
    /// Count.
    pub num: u64,
}

pub(crate) use finops_core::sample::mix;

pub(crate) fn generate_users(n: usize, seed: u64) -> Vec<EmuUser> {
    let mut v = vec![
        EmuUser {
            username: ADMIN_USER.into(),
            role: "org_admin".into(),
            assigned: Some(Decimal::new(5000, 0)),
            available: Some(Decimal::new(42005, 1)),
            disabled: false,
        },
        EmuUser {
            username: VIEWER_USER.into(),
            role: "org_user".into(),
            assigned: Some(Decimal::new(500, 0)),
            available: Some(Decimal::new(400, 0)),
            disabled: false,
        },
    ];
    for i in 1..=n {
        let r = mix(seed ^ (i as u64).wrapping_mul(0x1000_0001));
        let assigned_choices = [200i64, 500, 1000, 2000];
        let (assigned, available) = match i % 10 {
            0 => (None, None),
            1 => (Some(Decimal::new(1000, 0)), Some(Decimal::new(100, 0))), // exactly 10 %
            2 => (Some(Decimal::new(1000, 0)), Some(Decimal::new(995, 1))), // just under 10 %
            3 => (Some(Decimal::new(1000, 0)), Some(Decimal::new(500, 0))), // exactly 50 %
            4 => (Some(Decimal::new(1000, 0)), Some(Decimal::new(49999, 2))), // just under 50 %
            _ => {
                let a = assigned_choices[(r % 4) as usize];
                // 50 % .. 100 % of the assignment, with three decimals.
                let milli = 500_000 + (r >> 8) % 500_001;
                let avail = Decimal::new(a * milli as i64, 6).round_dp(3);
                (Some(Decimal::new(a, 0)), Some(avail))
            }
        };
        v.push(EmuUser {
            username: format!("user{i:04}"),
            role: if i % 7 == 0 {
                "org_publisher"
            } else {
                "org_user"
            }
            .into(),
            assigned,
            available,
            disabled: false,
        });
    }
    v
}

const OPERATIONS: &[(&str, &str)] = &[
    ("svcusg", "features"),
    ("tilegencnt", "tiles"),
    ("svcusg", "geocode"),
    ("svcusg", "spanalysis"),
    ("stg", "featurestg"),
    ("svcusg", "intnotebks"),
];

pub(crate) fn generate_usage(
    users: &[EmuUser],
    start: NaiveDate,
    days: u32,
    seed: u64,
) -> Vec<UsageRow> {
    let mut rows = Vec::new();
    let start_ms = Utc
        .from_utc_datetime(&start.and_hms_opt(0, 0, 0).unwrap_or_default())
        .timestamp_millis();
    for d in 0..i64::from(days) {
        let day_ms = start_ms + d * 86_400_000;
        for (ui, u) in users.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            for (oi, (etype, stype)) in OPERATIONS.iter().enumerate() {
                let r = mix(seed ^ mix((d as u64) << 32 ^ (ui as u64) << 8 ^ oi as u64));
                if !r.is_multiple_of(5) {
                    continue;
                }
                // Mostly a few credits with 4 decimals; sometimes a tiny amount (E notation).
                let credits = if r.is_multiple_of(11) {
                    Decimal::new(2 + (r >> 20) as i64 % 7, 4 + (r >> 40) as u32 % 2)
                } else {
                    Decimal::new((r >> 16) as i64 % 250_000, 4)
                };
                rows.push(UsageRow {
                    day_ms,
                    username: u.username.clone(),
                    etype: (*etype).into(),
                    stype: (*stype).into(),
                    credits,
                    num: (r >> 32) % 5000,
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_users_cover_the_cases() {
        let u = generate_users(258, 3);
        assert_eq!(u.len(), 260);
        assert!(u.iter().any(|x| x.assigned.is_none()));
        assert!(u.iter().any(|x| x.available == Some(Decimal::new(100, 0))
            && x.assigned == Some(Decimal::new(1000, 0))));
    }
}
