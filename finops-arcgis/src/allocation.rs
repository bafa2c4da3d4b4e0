//! Credit allocation (AGO-07/08): a rule (`under=10%,add=200`, `topup=500`,
//! `under=10%,topup=500`), a deterministic plan with a cap on the total a run may allocate,
//! a dry run that prints exactly what would change, and [`apply`], which sends the plan in
//! `assignUserCredits` batches of at most 100 and reports per user.
//!
//! `assignUserCredits` sets a user's *assigned total* (`arcgis.md`: the `credits` value is
//! "the number of credits to assign"), so "+200" sends the current assigned credits + 200.
//! Because the value is absolute, a retried request cannot add twice, and a re-run after a
//! successful `--apply` finds nobody under the threshold (as long as the rule lifts users
//! above it; the plan flags users it does not lift: [`PlannedChange::still_under`]).

use crate::alerts::{format_percent, is_under, parse_percent};
use crate::client::ASSIGN_BATCH_MAX;
use crate::model::{self, AssignOutcome, PortalUser};
use crate::{ArcGis, PROVIDER};
use finops_core::{Decimal, Error, Result};
use std::str::FromStr;

impl ArcGis {
    /// Turn credit budgeting on or off (`portals/self/update`, AGO-08).
    pub async fn set_credit_budgeting(&self, enabled: bool) -> Result<()> {
        let resp = self
            .client
            .send(self.client.update_budgeting_request(enabled)?)
            .await?;
        model::parse_success(&resp.body, &resp.call)?;
        Ok(())
    }

    /// One `assignUserCredits` call (at most [`ASSIGN_BATCH_MAX`] users): each user's new
    /// assigned total (AGO-07). Use [`apply`] for whole plans.
    pub async fn assign_user_credits(
        &self,
        assignments: &[(String, Decimal)],
    ) -> Result<AssignOutcome> {
        let resp = self
            .client
            .send(self.client.assign_user_credits_request(assignments)?)
            .await?;
        model::parse_assign_outcome(&resp.body, &resp.call)
    }
}

/// Who gets credits, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllocationRule {
    /// Users with less than `under` (a share) of their assigned credits left get `add` more.
    UnderAdd {
        /// Share of the assigned credits left (0.10 = 10 %), strict.
        under: Decimal,
        /// Credits added to the assigned total.
        add: Decimal,
    },
    /// Users with less than `to` credits available (and, if `under` is set, under that
    /// share) are topped up so that `to` credits are available.
    TopUp {
        /// Optional share condition.
        under: Option<Decimal>,
        /// Available credits after the top-up.
        to: Decimal,
    },
}

impl std::fmt::Display for AllocationRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllocationRule::UnderAdd { under, add } => {
                write!(
                    f,
                    "under={},add={}",
                    format_percent(*under),
                    add.normalize()
                )
            }
            AllocationRule::TopUp { under: None, to } => write!(f, "topup={}", to.normalize()),
            AllocationRule::TopUp { under: Some(u), to } => {
                write!(f, "under={},topup={}", format_percent(*u), to.normalize())
            }
        }
    }
}

fn positive(key: &str, v: &str) -> Result<Decimal> {
    let d = finops_core::money::parse_decimal(v)
        .map_err(|e| Error::InvalidArgument(format!("--allocate: {key}={v}: {e}")))?;
    if d <= Decimal::ZERO || d > crate::model::max_magnitude() {
        return Err(Error::InvalidArgument(format!(
            "--allocate: {key}={v}: must be a positive number of credits (at most 10^18)"
        )));
    }
    Ok(d)
}

impl FromStr for AllocationRule {
    type Err = Error;

    /// `under=10%,add=200` | `topup=500` | `under=10%,topup=500`.
    fn from_str(s: &str) -> Result<Self> {
        let (mut under, mut add, mut topup) = (None, None, None);
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "--allocate: {part:?} is not key=value (expected e.g. 'under=10%,add=200' or 'topup=500')"
                ))
            })?;
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            let dup = |k: &str| Error::InvalidArgument(format!("--allocate: {k} given twice"));
            match k.as_str() {
                "under" => {
                    if under.is_some() {
                        return Err(dup("under"));
                    }
                    under = Some(parse_percent(v).map_err(|e| {
                        let inner = match e {
                            Error::InvalidArgument(m) => m,
                            other => other.to_string(),
                        };
                        Error::InvalidArgument(format!("--allocate: under: {inner}"))
                    })?);
                }
                "add" => {
                    if add.is_some() {
                        return Err(dup("add"));
                    }
                    add = Some(positive("add", v)?);
                }
                "topup" => {
                    if topup.is_some() {
                        return Err(dup("topup"));
                    }
                    topup = Some(positive("topup", v)?);
                }
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "--allocate: unknown key {other:?} (known: under, add, topup)"
                    )));
                }
            }
        }
        match (under, add, topup) {
            (Some(under), Some(add), None) => Ok(AllocationRule::UnderAdd { under, add }),
            (under, None, Some(to)) => Ok(AllocationRule::TopUp { under, to }),
            (None, Some(_), None) => Err(Error::InvalidArgument(
                "--allocate: add= needs under= (e.g. 'under=10%,add=200')".into(),
            )),
            (_, Some(_), Some(_)) => Err(Error::InvalidArgument(
                "--allocate: give add= or topup=, not both".into(),
            )),
            _ => Err(Error::InvalidArgument(format!(
                "--allocate: {s:?}: expected 'under=10%,add=200', 'topup=500' or 'under=10%,topup=500'"
            ))),
        }
    }
}

/// One user's planned change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PlannedChange {
    /// User name.
    pub username: String,
    /// Assigned credits now.
    pub assigned_before: Decimal,
    /// Available credits now.
    pub available_before: Decimal,
    /// Assigned credits after (the value sent).
    pub assigned_after: Decimal,
    /// Available credits after.
    pub available_after: Decimal,
    /// Credits added.
    pub delta: Decimal,
    /// Whether the user is still under the rule's threshold afterwards (a re-run would
    /// allocate again).
    pub still_under: bool,
}

/// A user the rule selected but the cap left out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct SkippedChange {
    /// The change that was not made.
    pub change: PlannedChange,
    /// Why.
    pub reason: String,
}

/// What a run would do.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct AllocationPlan {
    /// Budgeting is off and would be enabled first (AGO-08).
    pub enable_budgeting: bool,
    /// Changes, in order: least credit left (share) first, then user name.
    pub changes: Vec<PlannedChange>,
    /// Changes left out by the cap.
    pub skipped: Vec<SkippedChange>,
    /// Sum of the deltas of `changes`.
    pub total: Decimal,
    /// The cap.
    pub max_total: Option<Decimal>,
}

fn change_for(u: &PortalUser, rule: &AllocationRule) -> Option<PlannedChange> {
    if u.disabled {
        return None;
    }
    let (assigned, available) = (u.assigned.amount()?, u.available.amount()?);
    let under = |share: Decimal| is_under(available, share, assigned);
    let (delta, threshold) = match rule {
        AllocationRule::UnderAdd { under: share, add } => {
            if assigned <= Decimal::ZERO || !under(*share) {
                return None;
            }
            (*add, Some(*share))
        }
        AllocationRule::TopUp { under: share, to } => {
            if let Some(s) = share
                && (assigned <= Decimal::ZERO || !under(*s))
            {
                return None;
            }
            if available >= *to {
                return None;
            }
            (to.checked_sub(available)?, *share)
        }
    };
    let after = assigned
        .checked_add(delta)
        .zip(available.checked_add(delta));
    let Some((assigned_after, available_after)) = after else {
        tracing::warn!(provider = PROVIDER, user = %u.username, "allocation left out: the new total does not fit a decimal");
        return None;
    };
    Some(PlannedChange {
        username: u.username.clone(),
        assigned_before: assigned,
        available_before: available,
        assigned_after,
        available_after,
        delta,
        still_under: threshold.is_some_and(|s| is_under(available_after, s, assigned_after)),
    })
}

/// Plan a run: users the rule selects (budgeted, enabled accounts only; `-1` users are
/// unlimited and never selected), least credit left first then by user name; once a change
/// would take the total past `max_total`, it and every later change are skipped.
pub fn plan(
    users: &[PortalUser],
    budgeting_on: bool,
    rule: &AllocationRule,
    max_total: Option<Decimal>,
) -> AllocationPlan {
    let mut selected: Vec<(Decimal, PlannedChange)> = users
        .iter()
        .filter_map(|u| {
            let c = change_for(u, rule)?;
            Some((u.available_ratio().unwrap_or(Decimal::ZERO), c))
        })
        .collect();
    selected.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.username.cmp(&b.1.username)));
    let mut out = AllocationPlan {
        enable_budgeting: !budgeting_on,
        max_total,
        ..Default::default()
    };
    let mut capped = false;
    for (_, c) in selected {
        let next = out.total.checked_add(c.delta);
        match next {
            Some(n) if !capped && max_total.is_none_or(|cap| n <= cap) => {
                out.total = n;
                out.changes.push(c);
            }
            _ => {
                capped = true;
                let reason = match max_total {
                    Some(cap) => format!(
                        "cap: --max-total {} reached ({} already planned)",
                        cap.normalize(),
                        out.total.normalize()
                    ),
                    None => format!(
                        "the total would not fit a decimal ({} already planned)",
                        out.total.normalize()
                    ),
                };
                out.skipped.push(SkippedChange { change: c, reason });
            }
        }
    }
    out
}

impl AllocationPlan {
    /// Human-readable lines: exactly what would change.
    pub fn describe(&self, rule: &AllocationRule) -> Vec<String> {
        let mut v = Vec::new();
        if self.enable_budgeting {
            v.push("credit budgeting is OFF: it would be enabled first (portals/self/update creditAssignments=enabled)".into());
        }
        v.push(format!(
            "rule {rule}: {} user(s), {} credits in total{}",
            self.changes.len(),
            self.total.normalize(),
            self.max_total
                .map(|c| format!(" (cap {})", c.normalize()))
                .unwrap_or_default()
        ));
        for c in &self.changes {
            v.push(format!(
                "  {}: assigned {} -> {} (+{}), available {} -> {}{}",
                c.username,
                c.assigned_before.normalize(),
                c.assigned_after.normalize(),
                c.delta.normalize(),
                c.available_before.normalize(),
                c.available_after.normalize(),
                if c.still_under {
                    " [still under the threshold after]"
                } else {
                    ""
                }
            ));
        }
        for s in &self.skipped {
            v.push(format!(
                "  skipped {} (+{}): {}",
                s.change.username,
                s.change.delta.normalize(),
                s.reason
            ));
        }
        v
    }
}

/// What happened to one user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UserOutcome {
    /// The portal assigned the credits.
    Assigned {
        /// The change.
        change: PlannedChange,
    },
    /// The portal listed the user in `notAssignedUsers`.
    NotAssigned {
        /// The change.
        change: PlannedChange,
    },
    /// The batch call failed.
    Failed {
        /// The change.
        change: PlannedChange,
        /// The error.
        error: String,
    },
    /// Left out by the cap.
    Skipped {
        /// The change.
        change: PlannedChange,
        /// Why.
        reason: String,
    },
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct AllocationReport {
    /// Whether budgeting was enabled by this run.
    pub enabled_budgeting: bool,
    /// `assignUserCredits` calls made.
    pub batches: usize,
    /// Per user, in plan order.
    pub users: Vec<UserOutcome>,
}

impl AllocationReport {
    /// Credits actually assigned.
    pub fn assigned_total(&self) -> Decimal {
        self.users
            .iter()
            .filter_map(|u| match u {
                UserOutcome::Assigned { change } => Some(change.delta),
                _ => None,
            })
            .sum()
    }

    /// Users that did not get their credits (not assigned or failed).
    pub fn failures(&self) -> Vec<&UserOutcome> {
        self.users
            .iter()
            .filter(|u| {
                matches!(
                    u,
                    UserOutcome::NotAssigned { .. } | UserOutcome::Failed { .. }
                )
            })
            .collect()
    }

    /// One line per user.
    pub fn describe(&self) -> Vec<String> {
        let mut v = vec![format!(
            "{} assignUserCredits call(s); {} credits assigned",
            self.batches,
            self.assigned_total().normalize()
        )];
        for u in &self.users {
            v.push(match u {
                UserOutcome::Assigned { change: c } => format!(
                    "  assigned {}: {} -> {}",
                    c.username,
                    c.assigned_before.normalize(),
                    c.assigned_after.normalize()
                ),
                UserOutcome::NotAssigned { change: c } => format!(
                    "  NOT assigned {} (the portal refused it: notAssignedUsers)",
                    c.username
                ),
                UserOutcome::Failed { change: c, error } => {
                    format!("  FAILED {}: {error}", c.username)
                }
                UserOutcome::Skipped { change: c, reason } => {
                    format!("  skipped {}: {reason}", c.username)
                }
            });
        }
        v
    }
}

/// Send `plan`: enable budgeting if the plan says so, then `assignUserCredits` in batches
/// of at most 100 users. A failed batch is reported for its users and the next batches
/// still run.
pub async fn apply(ago: &ArcGis, plan: &AllocationPlan) -> Result<AllocationReport> {
    let mut report = AllocationReport::default();
    if plan.enable_budgeting {
        ago.set_credit_budgeting(true).await?;
        report.enabled_budgeting = true;
    }
    for batch in plan.changes.chunks(ASSIGN_BATCH_MAX) {
        let assignments: Vec<(String, Decimal)> = batch
            .iter()
            .map(|c| (c.username.clone(), c.assigned_after))
            .collect();
        report.batches += 1;
        match ago.assign_user_credits(&assignments).await {
            Ok(outcome) => {
                for c in batch {
                    let refused = outcome.not_assigned.iter().any(|n| n == &c.username);
                    report.users.push(if refused {
                        UserOutcome::NotAssigned { change: c.clone() }
                    } else {
                        UserOutcome::Assigned { change: c.clone() }
                    });
                }
            }
            Err(e) => {
                tracing::warn!(provider = PROVIDER, error = %e, users = batch.len(), "assignUserCredits batch failed");
                for c in batch {
                    report.users.push(UserOutcome::Failed {
                        change: c.clone(),
                        error: e.to_string(),
                    });
                }
            }
        }
    }
    for s in &plan.skipped {
        report.users.push(UserOutcome::Skipped {
            change: s.change.clone(),
            reason: s.reason.clone(),
        });
    }
    Ok(report)
}

/// The whole AGO-07/08 run: read the portal and its users, plan, and (when `apply_it`)
/// enable budgeting if needed, re-read the users, and send the plan. In a dry run nothing
/// is written. Returns the plan (as seen before writing) and the report of what was done.
pub async fn run(
    ago: &ArcGis,
    rule: &AllocationRule,
    max_total: Option<Decimal>,
    apply_it: bool,
) -> Result<(AllocationPlan, Option<AllocationReport>)> {
    let portal = ago.require_admin().await?;
    let users = ago.all_users().await?;
    let first = plan(&users, portal.credit_budgeting, rule, max_total);
    if !apply_it {
        return Ok((first, None));
    }
    let mut enabled = false;
    let plan_now = if first.enable_budgeting {
        ago.set_credit_budgeting(true).await?;
        enabled = true;
        let users = ago.all_users().await?;
        plan(&users, true, rule, max_total)
    } else {
        first.clone()
    };
    let mut report = apply(ago, &plan_now).await?;
    report.enabled_budgeting = enabled;
    Ok((plan_now, Some(report)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::source::Allocation;
    use proptest::prelude::*;

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

    #[test]
    fn rules_parse_with_clear_errors() {
        assert_eq!(
            "under=10%,add=200".parse::<AllocationRule>().unwrap(),
            AllocationRule::UnderAdd {
                under: Decimal::new(10, 2),
                add: Decimal::new(200, 0)
            }
        );
        assert_eq!(
            "topup=500".parse::<AllocationRule>().unwrap(),
            AllocationRule::TopUp {
                under: None,
                to: Decimal::new(500, 0)
            }
        );
        for bad in [
            "",
            "add=200",
            "under=10%",
            "under=10%,add=-5",
            "under=x,add=1",
            "foo=1",
            "under=10%,add=1,topup=2",
            "under",
            "under=10%,add=79228162514264337593543950335",
        ] {
            let e = bad.parse::<AllocationRule>().unwrap_err().to_string();
            assert!(e.contains("--allocate"), "{bad}: {e}");
        }
        let r: AllocationRule = "under=10%,add=200".parse().unwrap();
        assert_eq!(r.to_string(), "under=10%,add=200");
    }

    #[test]
    fn plan_is_ordered_capped_and_idempotent() {
        let users = vec![
            user("b", 1000, 50),
            user("a", 1000, 50),
            user("c", 1000, 0),
            user("exact", 1000, 100),
            user("unl", -1, -1),
        ];
        let rule: AllocationRule = "under=10%,add=200".parse().unwrap();
        let p = plan(&users, true, &rule, Some(Decimal::new(400, 0)));
        let names: Vec<_> = p.changes.iter().map(|c| c.username.as_str()).collect();
        assert_eq!(names, vec!["c", "a"]);
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.skipped[0].change.username, "b");
        assert_eq!(p.total, Decimal::new(400, 0));
        // After applying, nobody is under 10 %: a second plan is empty.
        let after: Vec<PortalUser> = users
            .iter()
            .map(|u| {
                let mut u = u.clone();
                if let Some(c) = p.changes.iter().find(|c| c.username == u.username) {
                    u.assigned = Allocation::Amount(c.assigned_after);
                    u.available = Allocation::Amount(c.available_after);
                }
                u
            })
            .collect();
        let p2 = plan(&after, true, &rule, None);
        assert_eq!(
            p2.changes
                .iter()
                .map(|c| c.username.as_str())
                .collect::<Vec<_>>(),
            vec!["b"]
        );
    }

    proptest! {
        /// Huge, tiny and negative credits (and rules built in code, past the parser's
        /// bounds): a plan, alerts and balances, never a panic.
        #[test]
        fn huge_numbers_never_panic(vals in proptest::collection::vec((any::<i64>(), 0u32..=28, any::<i64>(), 0u32..=28), 1..12), share in 1i64..=100, big in any::<i64>(), big_scale in 0u32..=28) {
            let users: Vec<PortalUser> = vals.iter().enumerate().map(|(i, (a, sa, v, sv))| {
                let mut u = user(&format!("u{i:03}"), 0, 0);
                u.assigned = Allocation::Amount(Decimal::new(*a, *sa).saturating_mul(Decimal::from(i64::MAX)));
                u.available = Allocation::Amount(Decimal::new(*v, *sv));
                u
            }).collect();
            let under = Decimal::new(share, 2);
            let huge = Decimal::new(big, big_scale).saturating_mul(Decimal::from(i64::MAX));
            for rule in [
                AllocationRule::UnderAdd { under, add: huge.abs() },
                AllocationRule::TopUp { under: Some(under), to: huge },
                AllocationRule::TopUp { under: None, to: Decimal::MAX },
            ] {
                let p = plan(&users, true, &rule, None);
                let _ = plan(&users, true, &rule, Some(Decimal::MAX));
                let _ = p.describe(&rule);
            }
            let cfg = crate::alerts::AlertConfig::default().with_org_min_credits(huge);
            let portal = crate::model::parse_portal(br#"{"id":"o","availableCredits":5}"#, "GET /p").unwrap();
            let _ = crate::alerts::evaluate(&portal, &users, &cfg).message("Org");
            for u in &users {
                let _ = (u.consumed(), u.available_ratio());
            }
        }

        #[test]
        fn cap_is_never_exceeded(avail in proptest::collection::vec(0i64..1000, 0..40), cap in 0i64..5000) {
            let users: Vec<PortalUser> = avail.iter().enumerate().map(|(i, a)| user(&format!("u{i:03}"), 1000, *a)).collect();
            let rule = AllocationRule::TopUp { under: None, to: Decimal::new(500, 0) };
            let p = plan(&users, true, &rule, Some(Decimal::new(cap, 0)));
            prop_assert!(p.total <= Decimal::new(cap, 0));
            let sum: Decimal = p.changes.iter().map(|c| c.delta).sum();
            prop_assert_eq!(sum, p.total);
            for c in &p.changes {
                prop_assert_eq!(c.available_after, Decimal::new(500, 0));
            }
        }
    }
}
