//! The portal API of the emulator: the organisation (`portals/self`), its users (one by one
//! and paged), usage by operation type or user (daily points, values written as strings the
//! way the portal writes them), and the write calls, which record what they receive:
//! `assignUserCredits`, `update` (credit budgeting) and `createNotification`.

use super::{
    ADMIN_USER, Caller, EmuUser, NotificationCall, ORG_ID, Shared, error_body, json_response,
};
use finops_core::Decimal;
use finops_core::emulator::axum::response::Response;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};

fn num(d: Decimal) -> Box<RawValue> {
    RawValue::from_string(d.normalize().to_string())
        .unwrap_or_else(|_| RawValue::from_string("0".into()).unwrap_or_default())
}

fn minus_one() -> Box<RawValue> {
    RawValue::from_string("-1".into()).unwrap_or_default()
}

/// Java-style text of a credit value: plain, or `2.0E-4` for tiny amounts (as the portal
/// writes them).
fn credit_text(d: Decimal) -> String {
    let d = d.normalize();
    if d.is_zero() {
        return "0.0".into();
    }
    if d.abs() >= Decimal::new(1, 3) {
        let s = d.to_string();
        return if s.contains('.') { s } else { format!("{s}.0") };
    }
    let mantissa = d.mantissa().unsigned_abs().to_string();
    let exp = mantissa.len() as i64 - 1 - i64::from(d.scale());
    let (first, rest) = mantissa.split_at(1);
    let rest = if rest.is_empty() { "0" } else { rest };
    let sign = if d.is_sign_negative() { "-" } else { "" };
    format!("{sign}{first}.{rest}E{exp}")
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct OutUser {
    username: String,
    full_name: String,
    email: String,
    role: String,
    org_id: &'static str,
    disabled: bool,
    assigned_credits: Box<RawValue>,
    available_credits: Box<RawValue>,
}

fn out_user(u: &EmuUser, budgeting: bool) -> OutUser {
    let amount = |v: Option<Decimal>| match v {
        Some(d) if budgeting => num(d),
        _ => minus_one(),
    };
    OutUser {
        username: u.username.clone(),
        full_name: format!("Emulated {}", u.username),
        email: format!("{}@example.org", u.username),
        role: u.role.clone(),
        org_id: ORG_ID,
        disabled: u.disabled,
        assigned_credits: amount(u.assigned),
        available_credits: amount(u.available),
    }
}

pub(super) fn portal_self(st: &Shared, caller: &Caller) -> Response {
    let g = st.lock();
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out {
        id: &'static str,
        name: &'static str,
        url_key: &'static str,
        is_portal: bool,
        available_credits: Box<RawValue>,
        credit_assignments: &'static str,
        default_user_credit_assignment: Box<RawValue>,
        contacts: Vec<&'static str>,
        subscription_info: serde_json::Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        user: Option<serde_json::Value>,
    }
    let user = match caller {
        Caller::App => None,
        Caller::User(u, _) => g.users.iter().find(|x| &x.username == u).map(|x| {
            let o = out_user(x, g.budgeting);
            serde_json::json!({
                "username": o.username, "role": o.role,
                "availableCredits": serde_json::from_str::<serde_json::Value>(o.available_credits.get()).unwrap_or_default(),
                "assignedCredits": serde_json::from_str::<serde_json::Value>(o.assigned_credits.get()).unwrap_or_default(),
            })
        }),
    };
    let out = Out {
        id: ORG_ID,
        name: "Emulated Org",
        url_key: "emuorg",
        is_portal: false,
        available_credits: num(g.org_credits),
        credit_assignments: if g.budgeting { "enabled" } else { "disabled" },
        default_user_credit_assignment: num(Decimal::new(100, 0)),
        contacts: vec![ADMIN_USER, "second_admin"],
        subscription_info: serde_json::json!({"id": ORG_ID, "type": "In House", "state": "active", "maxUsers": 1000}),
        user,
    };
    json_response(serde_json::to_string(&out).unwrap_or_default())
}

pub(super) fn community_user(st: &Shared, name: &str) -> Response {
    let g = st.lock();
    match g.users.iter().find(|u| u.username == name) {
        Some(u) => {
            json_response(serde_json::to_string(&out_user(u, g.budgeting)).unwrap_or_default())
        }
        None => error_body(400, "User not found.", &[name]),
    }
}

pub(super) fn users_page(st: &Shared, p: &HashMap<String, String>) -> Response {
    let start: usize = p
        .get("start")
        .and_then(|s| s.parse().ok())
        .filter(|s| *s >= 1)
        .unwrap_or(1);
    let num_req: usize = p
        .get("num")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let mut g = st.lock();
    g.user_page_requests += 1;
    let total = g.users.len();
    let page: Vec<OutUser> = g
        .users
        .iter()
        .skip(start - 1)
        .take(num_req)
        .map(|u| out_user(u, g.budgeting))
        .collect();
    let next = if start - 1 + page.len() < total {
        (start + page.len()) as i64
    } else {
        -1
    };
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out {
        total: usize,
        start: usize,
        num: usize,
        next_start: i64,
        users: Vec<OutUser>,
    }
    json_response(
        serde_json::to_string(&Out {
            total,
            start,
            num: page.len(),
            next_start: next,
            users: page,
        })
        .unwrap_or_default(),
    )
}

pub(super) fn usage(st: &Shared, p: &HashMap<String, String>) -> Response {
    let ms = |k: &str| p.get(k).and_then(|v| v.parse::<i64>().ok());
    let (Some(start), Some(end)) = (ms("startTime"), ms("endTime")) else {
        return error_body(400, "'startTime' and 'endTime' must be specified.", &[]);
    };
    if start >= end {
        return error_body(400, "'startTime' must be earlier than 'endTime'.", &[]);
    }
    if p.get("period").map(String::as_str) != Some("1d") {
        return error_body(400, "Invalid period (emulator supports 1d).", &[]);
    }
    let mut g = st.lock();
    g.usage_requests += 1;
    if end - start > g.max_window_days * 86_400_000 {
        return error_body(400, "The requested time range is too large.", &[]);
    }
    let vars = p.get("vars").cloned().unwrap_or_else(|| "credits".into());
    let by_user = match p.get("groupby").map(String::as_str) {
        Some("stype,etype") | Some("etype,stype") => false,
        Some(g) if g.starts_with("username") => true,
        _ => return error_body(400, "Invalid groupby.", &[]),
    };
    // key -> day -> (credits, num)
    let mut groups: BTreeMap<(String, String), BTreeMap<i64, (Decimal, u64)>> = BTreeMap::new();
    for r in g
        .usage
        .iter()
        .filter(|r| r.day_ms >= start && r.day_ms < end)
    {
        let key = if by_user {
            (r.username.clone(), String::new())
        } else {
            (r.etype.clone(), r.stype.clone())
        };
        let e = groups
            .entry(key)
            .or_default()
            .entry(r.day_ms)
            .or_insert((Decimal::ZERO, 0));
        e.0 += r.credits;
        e.1 += r.num;
    }
    let first_day = start - start.rem_euclid(86_400_000);
    let days: Vec<i64> = (0..)
        .map(|i| first_day + i * 86_400_000)
        .take_while(|d| *d < end)
        .filter(|d| *d >= start)
        .collect();
    let data: Vec<serde_json::Value> = groups
        .into_iter()
        .map(|((a, b), series)| {
            let credits: Vec<[String; 2]> = days
                .iter()
                .map(|d| {
                    [
                        d.to_string(),
                        credit_text(series.get(d).map(|x| x.0).unwrap_or_default()),
                    ]
                })
                .collect();
            let nums: Vec<[String; 2]> = days
                .iter()
                .map(|d| {
                    [
                        d.to_string(),
                        series.get(d).map(|x| x.1).unwrap_or(0).to_string(),
                    ]
                })
                .collect();
            let mut o = serde_json::Map::new();
            if by_user {
                o.insert("username".into(), a.into());
                o.insert("userOrgId".into(), ORG_ID.into());
            } else {
                o.insert("etype".into(), a.into());
                o.insert("stype".into(), b.into());
            }
            if vars.split(',').any(|v| v == "credits") {
                o.insert("credits".into(), serde_json::json!(credits));
            }
            if vars.split(',').any(|v| v == "num") {
                o.insert("num".into(), serde_json::json!(nums));
            }
            serde_json::Value::Object(o)
        })
        .collect();
    json_response(
        serde_json::json!({"startTime": start, "endTime": end, "period": "1d", "data": data})
            .to_string(),
    )
}

pub(super) fn assign(st: &Shared, p: &HashMap<String, String>) -> Response {
    #[derive(serde::Deserialize)]
    struct A {
        username: String,
        credits: Box<RawValue>,
    }
    let Some(raw) = p.get("userAssignments") else {
        return error_body(400, "'userAssignments' must be specified.", &[]);
    };
    let list: Vec<A> = match serde_json::from_str(raw) {
        Ok(l) => l,
        Err(e) => return error_body(400, "Invalid userAssignments.", &[&e.to_string()]),
    };
    if list.len() > 100 {
        return error_body(
            400,
            "Cannot assign credits to more than 100 users in one request.",
            &[],
        );
    }
    let mut parsed = Vec::new();
    for a in list {
        match finops_core::money::parse_decimal(a.credits.get().trim_matches('"')) {
            Ok(d) if d.abs() <= finops_core::json::max_magnitude() => parsed.push((a.username, d)),
            Ok(d) => return error_body(400, "Invalid credits value.", &[&d.to_string()]),
            Err(e) => return error_body(400, "Invalid credits value.", &[&e]),
        }
    }
    let mut g = st.lock();
    if !g.budgeting {
        return error_body(
            400,
            "Credit budgeting is not enabled for this organization.",
            &[],
        );
    }
    g.assign_calls.push(parsed.clone());
    let mut not_assigned = Vec::new();
    for (name, credits) in parsed {
        let refused = g.refuse.contains(&name);
        match g.users.iter_mut().find(|u| u.username == name) {
            Some(u) if !refused && credits >= Decimal::ZERO => {
                let consumed = match (u.assigned, u.available) {
                    (Some(a), Some(v)) => a - v,
                    _ => Decimal::ZERO,
                };
                u.assigned = Some(credits);
                u.available = Some(credits - consumed);
            }
            _ => not_assigned.push(name),
        }
    }
    json_response(
        serde_json::json!({"success": true, "notAssignedUsers": not_assigned}).to_string(),
    )
}

pub(super) fn update(st: &Shared, p: &HashMap<String, String>) -> Response {
    let mut g = st.lock();
    let mut rec: Vec<(String, String)> = p
        .iter()
        .filter(|(k, _)| k.as_str() != "token" && k.as_str() != "f")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    rec.sort();
    match p.get("creditAssignments").map(String::as_str) {
        Some("enabled") => g.budgeting = true,
        Some("disabled") => g.budgeting = false,
        Some(other) => {
            return error_body(400, "Invalid creditAssignments value.", &[other]);
        }
        None => {}
    }
    g.update_calls.push(rec);
    json_response(serde_json::json!({"success": true}).to_string())
}

pub(super) fn notify(st: &Shared, p: &HashMap<String, String>) -> Response {
    let channel = p
        .get("notificationChannelType")
        .cloned()
        .unwrap_or_default();
    if !matches!(channel.as_str(), "builtin" | "email" | "push") {
        return error_body(400, "Invalid notificationChannelType.", &[&channel]);
    }
    let (Some(subject), Some(message)) = (p.get("subject"), p.get("message")) else {
        return error_body(400, "'subject' and 'message' must be specified.", &[]);
    };
    let users: Vec<String> = p
        .get("users")
        .map(|u| {
            u.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if users.is_empty() || users.len() > 25 {
        return error_body(
            400,
            "Between 1 and 25 users can be notified per request.",
            &[],
        );
    }
    let mut g = st.lock();
    if let Some(bad) = users.iter().find(|u| g.refuse_notify.contains(u)) {
        return error_body(400, "User not found.", &[bad]);
    }
    g.notifications.push(NotificationCall {
        channel,
        subject: subject.clone(),
        message: message.clone(),
        users,
    });
    json_response(serde_json::json!({"success": true}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_text_is_java_like_and_exact() {
        assert_eq!(credit_text(Decimal::new(2, 4)), "2.0E-4");
        assert_eq!(credit_text(Decimal::new(55, 6)), "5.5E-5");
        assert_eq!(credit_text(Decimal::new(588, 3)), "0.588");
        assert_eq!(credit_text(Decimal::new(2, 0)), "2.0");
        assert_eq!(credit_text(Decimal::ZERO), "0.0");
        for d in [
            Decimal::new(2, 4),
            Decimal::new(123, 7),
            Decimal::new(98765, 4),
        ] {
            let back = finops_core::money::parse_decimal(&credit_text(d)).unwrap();
            assert_eq!(back, d);
        }
    }
}
