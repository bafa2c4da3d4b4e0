//! Credit alerts (AGO-05/06): users under thresholds of their assigned credits (default
//! 10 % and 50 %), the organisation under a number of credits, and a small state file so the
//! same alert is never sent twice for the same state: a holder is notified when it enters a
//! band or falls to a lower one; staying, or improving, sends nothing.
//!
//! "Under" is strict: a user with exactly 10 % left is not under 10 % (but is under 50 %).
//! A user is reported in the lowest band they fall in (the notebook's `if .. elif ..`).
//! Users with `-1` (no allocation) or an assignment of 0 are never under a threshold.

use crate::model::{Portal, PortalUser};
use crate::notify::{Notifier, blocking};
use finops_core::error::Location;
use finops_core::{Decimal, Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Alert thresholds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AlertConfig {
    /// Shares of the assigned credits left (0.10 = 10 %), any order.
    pub user_thresholds: Vec<Decimal>,
    /// Alert when the organisation has fewer credits than this.
    pub org_min_credits: Option<Decimal>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            user_thresholds: vec![Decimal::new(10, 2), Decimal::new(50, 2)],
            org_min_credits: None,
        }
    }
}

impl AlertConfig {
    /// Thresholds from `"10%,50%"` (or fractions `"0.1,0.5"`).
    pub fn with_user_thresholds(mut self, spec: &str) -> Result<Self> {
        let mut t = spec
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(parse_percent)
            .collect::<Result<Vec<_>>>()?;
        t.sort();
        t.dedup();
        if t.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "thresholds {spec:?}: none given"
            )));
        }
        self.user_thresholds = t;
        Ok(self)
    }

    /// Alert when the organisation has fewer than `credits` left.
    pub fn with_org_min_credits(mut self, credits: Decimal) -> Self {
        self.org_min_credits = Some(credits);
        self
    }
}

/// `"10%"` → 0.10; `"0.1"` → 0.1. Must be in (0, 1].
pub fn parse_percent(s: &str) -> Result<Decimal> {
    let t = s.trim();
    let (num, pct) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let d = finops_core::money::parse_decimal(num)
        .map_err(|e| Error::InvalidArgument(format!("percentage {s:?}: {e}")))?;
    let d = if pct { d / Decimal::ONE_HUNDRED } else { d };
    if !pct && d > Decimal::ONE {
        return Err(Error::InvalidArgument(format!(
            "percentage {s:?}: write a percentage with % (e.g. 10%) or a fraction (e.g. 0.1)"
        )));
    }
    if d <= Decimal::ZERO || d > Decimal::ONE {
        return Err(Error::InvalidArgument(format!(
            "percentage {s:?} must be above 0 and at most 100%"
        )));
    }
    Ok(d)
}

/// Whether `available < share × assigned`, exactly (no division) and without overflow (a
/// product too large for a decimal is above any available amount when positive).
pub(crate) fn is_under(available: Decimal, share: Decimal, assigned: Decimal) -> bool {
    match share.checked_mul(assigned) {
        Some(limit) => available < limit,
        None => share.is_sign_positive() == assigned.is_sign_positive(),
    }
}

/// `0.1` → `"10%"`.
pub fn format_percent(d: Decimal) -> String {
    format!("{}%", (d * Decimal::ONE_HUNDRED).normalize())
}

/// A user under a threshold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct UserAlert {
    /// User name.
    pub username: String,
    /// Assigned credits.
    pub assigned: Decimal,
    /// Available credits.
    pub available: Decimal,
    /// The lowest threshold the user is under.
    pub threshold: Decimal,
}

/// The organisation under its minimum.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct OrgAlert {
    /// Organisation id.
    pub org_id: String,
    /// Credits left.
    pub available: Decimal,
    /// The minimum.
    pub threshold: Decimal,
}

/// The alerts of one evaluation.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct AlertReport {
    /// Users under a threshold, by threshold then user name.
    pub users: Vec<UserAlert>,
    /// The organisation, when under its minimum.
    pub org: Option<OrgAlert>,
    /// The thresholds used (ascending).
    pub thresholds: Vec<Decimal>,
}

/// Evaluate the thresholds.
pub fn evaluate(portal: &Portal, users: &[PortalUser], cfg: &AlertConfig) -> AlertReport {
    let mut thresholds = cfg.user_thresholds.clone();
    thresholds.sort();
    thresholds.dedup();
    let mut out = Vec::new();
    for u in users {
        let (Some(assigned), Some(available)) = (u.assigned.amount(), u.available.amount()) else {
            continue;
        };
        if assigned <= Decimal::ZERO {
            continue;
        }
        if let Some(t) = thresholds
            .iter()
            .find(|t| is_under(available, **t, assigned))
        {
            out.push(UserAlert {
                username: u.username.clone(),
                assigned,
                available,
                threshold: *t,
            });
        }
    }
    out.sort_by(|a, b| {
        a.threshold
            .cmp(&b.threshold)
            .then_with(|| a.username.cmp(&b.username))
    });
    let org = match (cfg.org_min_credits, portal.available_credits) {
        (Some(min), Some(av)) if av < min => Some(OrgAlert {
            org_id: portal.id.clone(),
            available: av,
            threshold: min,
        }),
        _ => None,
    };
    AlertReport {
        users: out,
        org,
        thresholds,
    }
}

impl AlertReport {
    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.org.is_none()
    }

    /// Users whose lowest band is `threshold`.
    pub fn under(&self, threshold: Decimal) -> Vec<&UserAlert> {
        self.users
            .iter()
            .filter(|u| u.threshold == threshold)
            .collect()
    }

    /// Subject and plain-text body of the notification.
    pub fn message(&self, org_name: &str) -> (String, String) {
        let mut parts = Vec::new();
        let mut body = String::new();
        if let Some(o) = &self.org {
            parts.push(format!(
                "organization under {} credits",
                o.threshold.normalize()
            ));
            body.push_str(&format!(
                "The organization {org_name} has {} credits left, under the minimum of {}.\n\n",
                o.available.normalize(),
                o.threshold.normalize()
            ));
        }
        for t in &self.thresholds {
            let us = self.under(*t);
            if us.is_empty() {
                continue;
            }
            parts.push(format!("{} user(s) under {}", us.len(), format_percent(*t)));
            body.push_str(&format!(
                "Users with less than {} of their assigned credits left:\n",
                format_percent(*t)
            ));
            for u in us {
                body.push_str(&format!(
                    "- {}: {} of {} credits left ({} consumed)\n",
                    u.username,
                    u.available.normalize(),
                    u.assigned.normalize(),
                    u.assigned
                        .checked_sub(u.available)
                        .map_or_else(|| "?".into(), |c| c.normalize().to_string())
                ));
            }
            body.push('\n');
        }
        let subject = format!("ArcGIS Online credits for {org_name}: {}", parts.join(", "));
        (subject, body.trim_end().to_string())
    }
}

/// What was already notified: holder (`user:<name>` / `org:<id>`) → alert state
/// (`under 10%`, `under 1000 credits`). Stored as JSON, written atomically.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct AlertState {
    /// Format version (1).
    pub version: u32,
    /// Holder → state last notified.
    pub alerts: BTreeMap<String, String>,
}

fn keyed(report: &AlertReport) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for u in &report.users {
        m.insert(
            format!("user:{}", u.username),
            format!("under {}", format_percent(u.threshold)),
        );
    }
    if let Some(o) = &report.org {
        m.insert(
            format!("org:{}", o.org_id),
            format!("under {} credits", o.threshold.normalize()),
        );
    }
    m
}

impl AlertState {
    /// Read a state file; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        serde_json::from_str(&text).map_err(|e| Error::Parse {
            location: Location {
                file: path.display().to_string(),
                line: Some(e.line() as u64),
                column: None,
            },
            message: format!("alert state file is not valid: {e}"),
        })
    }

    /// Write it atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut s = self.clone();
        s.version = 1;
        let text = serde_json::to_vec_pretty(&s)
            .map_err(|e| Error::InvalidArgument(format!("alert state: {e}")))?;
        finops_core::fs::write_atomic(path, &text)
    }

    /// The alerts of `report` to send: holders not notified yet, or now in a lower band than
    /// the one notified (e.g. from "under 50%" to "under 10%"). The same state, or a better
    /// one (after a top-up), sends nothing.
    pub fn fresh(&self, report: &AlertReport) -> AlertReport {
        let user_is_new = |u: &UserAlert| {
            match self.alerts.get(&format!("user:{}", u.username)) {
                None => true,
                Some(prev) => match prev.strip_prefix("under ").map(parse_percent) {
                    Some(Ok(prev_t)) => u.threshold < prev_t,
                    // An unreadable entry: notify rather than stay silent.
                    _ => true,
                },
            }
        };
        AlertReport {
            users: report
                .users
                .iter()
                .filter(|u| user_is_new(u))
                .cloned()
                .collect(),
            org: report.org.clone().filter(|o| {
                self.alerts.get(&format!("org:{}", o.org_id))
                    != Some(&format!("under {} credits", o.threshold.normalize()))
            }),
            thresholds: report.thresholds.clone(),
        }
    }

    /// The state after notifying `report` (holders back above every threshold are
    /// forgotten, so a later drop alerts again).
    pub fn after(report: &AlertReport) -> Self {
        AlertState {
            version: 1,
            alerts: keyed(report),
        }
    }
}

/// What [`notify_new_alerts`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NotifyOutcome {
    /// Alerts that were new (users + org).
    pub new_alerts: usize,
    /// Per notifier: its label and the error, if it failed.
    pub results: Vec<(String, Option<String>)>,
    /// Whether the state file was updated.
    pub state_saved: bool,
}

/// Send the alerts of `report` not yet notified to every notifier, then record them in the
/// state file (read and written atomically on tokio's blocking pool). If a notifier fails, the others still run, the failure is reported, and the
/// state is not updated, so the next run tries again (a notifier that succeeded may then
/// repeat the message: at least once, never silently lost).
pub async fn notify_new_alerts(
    report: &AlertReport,
    org_name: &str,
    state_path: &Path,
    notifiers: &[&dyn Notifier],
) -> Result<NotifyOutcome> {
    let path = state_path.to_path_buf();
    let state = blocking(state_path, move || AlertState::load(&path)).await?;
    let fresh = state.fresh(report);
    let mut outcome = NotifyOutcome {
        new_alerts: fresh.users.len() + usize::from(fresh.org.is_some()),
        ..Default::default()
    };
    if !fresh.is_empty() {
        let (subject, body) = fresh.message(org_name);
        for n in notifiers {
            let r = n.notify(&subject, &body).await;
            if let Err(e) = &r {
                tracing::warn!(notifier = %n.label(), error = %e, "notification failed");
            }
            outcome
                .results
                .push((n.label(), r.err().map(|e| e.to_string())));
        }
    }
    if outcome.results.iter().all(|(_, e)| e.is_none()) {
        let (next, path) = (AlertState::after(report), state_path.to_path_buf());
        blocking(state_path, move || next.save(&path)).await?;
        outcome.state_saved = true;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::source::Allocation;

    fn user(name: &str, assigned: i64, available: i64) -> PortalUser {
        let a = |v: i64| {
            if v == -1 {
                Allocation::Unallocated
            } else {
                Allocation::Amount(Decimal::new(v, 0))
            }
        };
        PortalUser {
            username: name.into(),
            full_name: None,
            email: None,
            role: None,
            disabled: false,
            assigned: a(assigned),
            available: a(available),
        }
    }

    fn portal(av: i64) -> Portal {
        crate::model::parse_portal(
            format!(r#"{{"id":"org1","name":"Org","availableCredits":{av},"creditAssignments":"enabled"}}"#)
                .as_bytes(),
            "GET /p",
        )
        .unwrap()
    }

    #[test]
    fn thresholds_are_strict_at_the_boundary() {
        let users = vec![
            user("exactly10", 1000, 100),
            user("under10", 1000, 99),
            user("exactly50", 1000, 500),
            user("under50", 1000, 499),
            user("unlimited", -1, -1),
            user("zero", 0, 0),
            user("fine", 1000, 900),
        ];
        let r = evaluate(&portal(10), &users, &AlertConfig::default());
        let names = |t: i64| -> Vec<String> {
            r.under(Decimal::new(t, 2))
                .iter()
                .map(|u| u.username.clone())
                .collect()
        };
        assert_eq!(names(10), vec!["under10"]);
        assert_eq!(names(50), vec!["exactly10", "under50"]);
        assert!(r.org.is_none());
        let r = evaluate(
            &portal(10),
            &users,
            &AlertConfig::default().with_org_min_credits(Decimal::new(11, 0)),
        );
        assert!(r.org.is_some());
        let (subject, body) = r.message("Org");
        assert!(subject.contains("1 user(s) under 10%"), "{subject}");
        assert!(body.contains("under10: 99 of 1000 credits left"), "{body}");
    }

    #[test]
    fn state_suppresses_repeats_and_forgets_recoveries() {
        let r1 = evaluate(&portal(10), &[user("a", 100, 5)], &AlertConfig::default());
        let s = AlertState::after(&r1);
        assert!(s.fresh(&r1).is_empty());
        // a improves from "under 10%" to "under 50%" (a top-up): nothing to send.
        let r2 = evaluate(&portal(10), &[user("a", 100, 40)], &AlertConfig::default());
        assert!(s.fresh(&r2).users.is_empty());
        // ... and then falls back under 10 %: a new alert.
        let s2 = AlertState::after(&r2);
        assert_eq!(s2.fresh(&r1).users.len(), 1);
        // recovered: state forgets a.
        let r3 = evaluate(&portal(10), &[user("a", 100, 90)], &AlertConfig::default());
        assert!(AlertState::after(&r3).alerts.is_empty());
    }

    #[test]
    fn percent_parsing() {
        assert_eq!(parse_percent("10%").unwrap(), Decimal::new(10, 2));
        assert_eq!(parse_percent("0.5").unwrap(), Decimal::new(5, 1));
        assert!(parse_percent("0%").is_err());
        assert!(parse_percent("150%").is_err());
        assert!(parse_percent("ten").is_err());
        assert_eq!(format_percent(Decimal::new(10, 2)), "10%");
    }

    #[test]
    fn bad_state_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        std::fs::write(&p, "{not json").unwrap();
        let e = AlertState::load(&p).unwrap_err();
        assert!(e.to_string().contains("state.json"), "{e}");
    }
}
