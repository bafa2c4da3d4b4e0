//! CSV renderings of the results (usage by operation, usage by user, user balances with
//! their alert band, allocation outcome), for the example program and for spreadsheets.
//! Decimals are written in full, never rounded.

use crate::alerts::{AlertReport, format_percent};
use crate::allocation::{AllocationPlan, AllocationReport, UserOutcome};
use crate::model::PortalUser;
use crate::usage::{OperationUsage, UserUsage};
use finops_core::money::format_decimal;
use finops_core::source::Allocation;
use finops_core::{Error, Result};

fn csv_out<F>(header: &[&str], fill: F) -> Result<String>
where
    F: FnOnce(&mut csv::Writer<Vec<u8>>) -> std::result::Result<(), csv::Error>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::InvalidArgument(format!("CSV rendering: {e}"));
    w.write_record(header).map_err(err)?;
    fill(&mut w).map_err(err)?;
    let bytes = w
        .into_inner()
        .map_err(|e| Error::InvalidArgument(format!("CSV rendering: {e}")))?;
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
    csv_out(&["stype", "etype", "credits", "count"], |w| {
        for o in ops {
            w.write_record([
                o.stype.as_str(),
                o.etype.as_str(),
                &format_decimal(o.credits),
                &format_decimal(o.count),
            ])?;
        }
        Ok(())
    })
}

/// `username,credits` (credits descending).
pub fn users_usage_csv(users: &[UserUsage]) -> Result<String> {
    csv_out(&["username", "credits"], |w| {
        for u in users {
            w.write_record([u.username.as_str(), &format_decimal(u.credits)])?;
        }
        Ok(())
    })
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
        |w| {
            for u in users {
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
                w.write_record([
                    u.username.as_str(),
                    u.role.as_deref().unwrap_or(""),
                    if u.disabled { "true" } else { "false" },
                    &alloc_text(u.assigned),
                    &alloc_text(u.available),
                    &share,
                    &alert,
                ])?;
            }
            Ok(())
        },
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
    csv_out(&header, |w| {
        for (c, status, detail) in rows {
            w.write_record([
                c.username.as_str(),
                &format_decimal(c.assigned_before),
                &format_decimal(c.assigned_after),
                &format_decimal(c.delta),
                &format_decimal(c.available_before),
                &format_decimal(c.available_after),
                status,
                &detail,
            ])?;
        }
        Ok(())
    })
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
