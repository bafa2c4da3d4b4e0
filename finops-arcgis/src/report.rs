//! CSV renderings of the results (usage by operation, usage by user, user balances with
//! their alert band, allocation outcome), for the example program and for spreadsheets.
//! Decimals are written in full, never rounded.

use crate::alerts::{AlertReport, format_percent};
use crate::allocation::{AllocationPlan, AllocationReport, UserOutcome};
use crate::model::PortalUser;
use crate::usage::{OperationUsage, UserUsage};
use finops_core::money::format_decimal;
use finops_core::source::Allocation;
use finops_core::table::{CsvFormat, render_csv};
use finops_core::{Error, Result};

/// The table through the shared writer ([`finops_core::table`], UTF-8, `\n`).
fn csv_out(header: &[&str], rows: Vec<Vec<String>>) -> Result<String> {
    let bytes = render_csv("ArcGIS report", header, &rows, CsvFormat::utf8())?.bytes;
    String::from_utf8(bytes).map_err(|e| Error::InvalidArgument(format!("CSV rendering: {e}")))
}

fn alloc_text(a: Allocation) -> String {
    match a {
        Allocation::Unallocated => "unallocated".into(),
        Allocation::Amount(d) => format_decimal(d),
    }
}

/// `stype,etype,credits,count`, in the report's order (credits descending).
pub fn operations_csv(ops: &[OperationUsage]) -> Result<String> {
    csv_out(
        &["stype", "etype", "credits", "count"],
        ops.iter()
            .map(|o| {
                vec![
                    o.stype.clone(),
                    o.etype.clone(),
                    format_decimal(o.credits),
                    format_decimal(o.count),
                ]
            })
            .collect(),
    )
}

/// `username,credits` (credits descending).
pub fn users_usage_csv(users: &[UserUsage]) -> Result<String> {
    csv_out(
        &["username", "credits"],
        users
            .iter()
            .map(|u| vec![u.username.clone(), format_decimal(u.credits)])
            .collect(),
    )
}

/// `username,role,disabled,assigned,available,share_left,alert` for every user; `-1` is
/// written `unallocated`.
pub fn balances_csv(users: &[PortalUser], alerts: &AlertReport) -> Result<String> {
    csv_out(
        &[
            "username",
            "role",
            "disabled",
            "assigned",
            "available",
            "share_left",
            "alert",
        ],
        users
            .iter()
            .map(|u| {
                let alert = alerts
                    .users
                    .iter()
                    .find(|a| a.username == u.username)
                    .map(|a| format!("under {}", format_percent(a.threshold)))
                    .unwrap_or_default();
                let share = u
                    .available_ratio()
                    .map(|r| format_decimal(r.round_dp(6)))
                    .unwrap_or_default();
                vec![
                    u.username.clone(),
                    u.role.clone().unwrap_or_default(),
                    if u.disabled { "true" } else { "false" }.to_string(),
                    alloc_text(u.assigned),
                    alloc_text(u.available),
                    share,
                    alert,
                ]
            })
            .collect(),
    )
}

/// `username,assigned_before,assigned_after,delta,available_before,available_after,status,detail`:
/// the plan (status `planned` / `skipped`) or, after `--apply`, what happened.
pub fn allocation_csv(plan: &AllocationPlan, report: Option<&AllocationReport>) -> Result<String> {
    let header = [
        "username",
        "assigned_before",
        "assigned_after",
        "delta",
        "available_before",
        "available_after",
        "status",
        "detail",
    ];
    let rows: Vec<(&crate::allocation::PlannedChange, &str, String)> = match report {
        None => plan
            .changes
            .iter()
            .map(|c| (c, "planned", String::new()))
            .chain(
                plan.skipped
                    .iter()
                    .map(|s| (&s.change, "skipped", s.reason.clone())),
            )
            .collect(),
        Some(r) => r
            .users
            .iter()
            .map(|u| match u {
                UserOutcome::Assigned { change } => (change, "assigned", String::new()),
                UserOutcome::NotAssigned { change } => {
                    (change, "not_assigned", "listed in notAssignedUsers".into())
                }
                UserOutcome::Failed { change, error } => (change, "failed", error.clone()),
                UserOutcome::Skipped { change, reason } => (change, "skipped", reason.clone()),
            })
            .collect(),
    };
    csv_out(
        &header,
        rows.into_iter()
            .map(|(c, status, detail)| {
                vec![
                    c.username.clone(),
                    format_decimal(c.assigned_before),
                    format_decimal(c.assigned_after),
                    format_decimal(c.delta),
                    format_decimal(c.available_before),
                    format_decimal(c.available_after),
                    status.to_string(),
                    detail,
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::Decimal;

    #[test]
    fn operations_csv_is_exact_and_quoted() {
        let s = operations_csv(&[OperationUsage {
            stype: "a,b".into(),
            etype: "svcusg".into(),
            credits: Decimal::new(12345678901234, 10),
            count: Decimal::new(3, 0),
        }])
        .unwrap();
        assert_eq!(
            s,
            "stype,etype,credits,count\n\"a,b\",svcusg,1234.5678901234,3\n"
        );
    }
}
