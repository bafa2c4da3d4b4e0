//! The wire types: what the portal tells us, the organisation ([`Portal`]), its users
//! ([`PortalUser`]), credit usage series and the replies of the write calls
//! ([`AssignOutcome`]). Every number is read from the JSON text as an exact decimal; `-1` is
//! [`Allocation::Unallocated`], never a number.

use crate::error::{ArcGisError, bad_field as bad};
use chrono::{DateTime, TimeZone, Utc};
use finops_core::source::Allocation;
use finops_core::{Decimal, Error, Result};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The organisation (`GET /portals/self`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Portal {
    /// Organisation id.
    pub id: String,
    /// Organisation name.
    pub name: String,
    /// URL key (`<urlKey>.maps.arcgis.com`).
    pub url_key: Option<String>,
    /// `true` for ArcGIS Enterprise.
    pub is_portal: bool,
    /// The organisation's remaining credits (AGO-02); `None` when the portal does not say
    /// (Enterprise has no credits).
    pub available_credits: Option<Decimal>,
    /// Whether credit budgeting (per-user allocation) is on (`creditAssignments`).
    pub credit_budgeting: bool,
    /// Default allocation of new users, when set.
    pub default_user_credit_assignment: Option<Allocation>,
    /// Administrator contacts (user names) that receive notifications (AGO-06).
    pub contacts: Vec<String>,
    /// The logged-in user, when the token belongs to one.
    pub user: Option<PortalSelfUser>,
}

/// The logged-in user as `portals/self` describes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PortalSelfUser {
    /// User name.
    pub username: String,
    /// Role (`org_admin`, `org_publisher`, `org_user`, ...). A custom role keeps its base
    /// role here and its own id in `role_id`.
    pub role: Option<String>,
    /// Role id (a custom role's id, or the built-in role name).
    pub role_id: Option<String>,
    /// Privileges of the login (`portal:admin:viewUsers`, ...), when the portal lists them.
    pub privileges: Vec<String>,
}

impl Portal {
    /// Whether the logged-in user has the built-in administrator role. Custom roles may hold
    /// administrator privileges too, so the portal's own 403 stays the authority.
    pub fn is_admin(&self) -> bool {
        self.user
            .as_ref()
            .and_then(|u| u.role.as_deref())
            .is_some_and(|r| r == "org_admin")
    }

    /// Whether the login may hold administrator privileges: the built-in `org_admin` role,
    /// or a (custom) role listing at least one `portal:admin:*` privilege. The portal's own
    /// 403 on each call stays the authority for the exact privileges.
    pub fn may_administer(&self) -> bool {
        self.is_admin()
            || self
                .user
                .as_ref()
                .is_some_and(|u| u.privileges.iter().any(|p| p.starts_with("portal:admin:")))
    }
}

/// One user of the organisation with their credit allocation (AGO-04/05).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PortalUser {
    /// User name.
    pub username: String,
    /// Full name.
    pub full_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Role.
    pub role: Option<String>,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Credits assigned (`Unallocated` for `-1`: no budget, unlimited).
    pub assigned: Allocation,
    /// Credits still available (`Unallocated` for `-1`).
    pub available: Allocation,
}

impl PortalUser {
    /// `available / assigned` when both are numbers and assigned > 0.
    pub fn available_ratio(&self) -> Option<Decimal> {
        match (self.assigned.amount(), self.available.amount()) {
            (Some(a), Some(v)) if a > Decimal::ZERO => v.checked_div(a),
            _ => None,
        }
    }

    /// Credits consumed from the allocation (`assigned - available`), when both are numbers
    /// (and the difference fits a decimal).
    pub fn consumed(&self) -> Option<Decimal> {
        self.assigned
            .amount()?
            .checked_sub(self.available.amount()?)
    }
}

/// A reply that cannot be read: when it is not JSON at all (an HTML login or proxy page),
/// say so with its first characters and ask whether the URL is a portal's.
pub(crate) fn body_error(call: &str, body: &[u8], e: &serde_json::Error) -> Error {
    let text = String::from_utf8_lossy(body);
    let start = text.trim_start();
    if e.is_syntax() && !start.starts_with('{') && !start.starts_with('[') {
        let head: String = start
            .chars()
            .take(80)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        return bad(
            call,
            "<body>",
            format!(
                "the answer is not JSON (it begins with {head:?}); is the portal URL the \
                 address of an ArcGIS portal?"
            ),
        );
    }
    bad(call, "<body>", e.to_string())
}

/// A JSON number (or numeric string) read exactly from its text by the shared rules
/// ([`finops_core::json`]: never through `f64`, never rounded silently, at most 10^18 in
/// magnitude); errors name the call and the field.
pub(crate) fn raw_decimal(raw: &RawValue, call: &str, field: &str) -> Result<Decimal> {
    match finops_core::json::raw_number(raw.get()) {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(bad(call, field, format!("{} is not a number", raw.get()))),
        Err(e) => Err(bad(call, field, e.to_string())),
    }
}

/// Largest magnitude read from a reply (10^18, [`finops_core::json::max_magnitude`]).
pub(crate) fn max_magnitude() -> Decimal {
    finops_core::json::max_magnitude()
}

/// `-1` (or missing/null) means "no allocation".
pub(crate) fn raw_allocation(
    raw: Option<&RawValue>,
    call: &str,
    field: &str,
) -> Result<Allocation> {
    match raw {
        None => Ok(Allocation::Unallocated),
        Some(r) if r.get() == "null" => Ok(Allocation::Unallocated),
        Some(r) => {
            let d = raw_decimal(r, call, field)?;
            Ok(if d == Decimal::NEGATIVE_ONE {
                Allocation::Unallocated
            } else {
                Allocation::Amount(d)
            })
        }
    }
}

/// `null` read as the type's default (portals write `"contacts": null`, `"disabled": null`
/// for fields a client may treat as empty/false).
fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPortal {
    id: Option<String>,
    name: Option<String>,
    url_key: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    is_portal: bool,
    available_credits: Option<Box<RawValue>>,
    credit_assignments: Option<String>,
    default_user_credit_assignment: Option<Box<RawValue>>,
    #[serde(default, deserialize_with = "null_default")]
    contacts: Vec<String>,
    user: Option<RawSelfUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSelfUser {
    username: Option<String>,
    role: Option<String>,
    role_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    privileges: Vec<String>,
}

/// Parse a `portals/self` body.
pub(crate) fn parse_portal(body: &[u8], call: &str) -> Result<Portal> {
    let r: RawPortal = serde_json::from_slice(body).map_err(|e| body_error(call, body, &e))?;
    let id =
        r.id.filter(|s| !s.is_empty())
            .ok_or_else(|| bad(call, "id", "missing"))?;
    let available_credits = match r.available_credits.as_deref() {
        None => None,
        Some(raw) if raw.get() == "null" => None,
        Some(raw) => Some(raw_decimal(raw, call, "availableCredits")?),
    };
    let default_user_credit_assignment = match r.default_user_credit_assignment.as_deref() {
        None => None,
        Some(raw) => Some(raw_allocation(
            Some(raw),
            call,
            "defaultUserCreditAssignment",
        )?),
    };
    Ok(Portal {
        name: r.name.unwrap_or_else(|| id.clone()),
        id,
        url_key: r.url_key,
        is_portal: r.is_portal,
        available_credits,
        credit_budgeting: r.credit_assignments.as_deref() == Some("enabled"),
        default_user_credit_assignment,
        contacts: r.contacts,
        user: r.user.and_then(|u| {
            u.username.map(|username| PortalSelfUser {
                username,
                role: u.role,
                role_id: u.role_id,
                privileges: u.privileges,
            })
        }),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawUser {
    username: Option<String>,
    full_name: Option<String>,
    email: Option<String>,
    role: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    disabled: bool,
    assigned_credits: Option<Box<RawValue>>,
    available_credits: Option<Box<RawValue>>,
}

impl RawUser {
    pub(crate) fn into_user(self, call: &str, index: usize) -> Result<PortalUser> {
        let username = self
            .username
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(call, &format!("users[{index}].username"), "missing"))?;
        let assigned = raw_allocation(
            self.assigned_credits.as_deref(),
            call,
            &format!("users[{index}] ({username}).assignedCredits"),
        )?;
        let available = raw_allocation(
            self.available_credits.as_deref(),
            call,
            &format!("users[{index}] ({username}).availableCredits"),
        )?;
        Ok(PortalUser {
            username,
            full_name: self.full_name,
            email: self.email,
            role: self.role,
            disabled: self.disabled,
            assigned,
            available,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawUsersPage {
    /// `users` on `portals/self/users`; `results` on the search endpoints.
    #[serde(default, alias = "results", deserialize_with = "null_default")]
    users: Vec<RawUser>,
    next_start: Option<Box<RawValue>>,
}

/// One page of `portals/self/users`: the users and the next `start` (`None` at the end,
/// when `nextStart` is -1 or missing).
pub(crate) fn parse_users_page(body: &[u8], call: &str) -> Result<(Vec<PortalUser>, Option<u64>)> {
    let r: RawUsersPage = serde_json::from_slice(body).map_err(|e| body_error(call, body, &e))?;
    let next = match r.next_start.as_deref() {
        None => None,
        Some(raw) => {
            let d = raw_decimal(raw, call, "nextStart")?;
            if d <= Decimal::ZERO {
                None
            } else {
                Some(u64::try_from(d).map_err(|e| bad(call, "nextStart", e.to_string()))?)
            }
        }
    };
    let users = r
        .users
        .into_iter()
        .enumerate()
        .map(|(i, u)| u.into_user(call, i))
        .collect::<Result<Vec<_>>>()?;
    Ok((users, next))
}

/// Parse `community/users/<name>`.
pub(crate) fn parse_user(body: &[u8], call: &str) -> Result<PortalUser> {
    let r: RawUser = serde_json::from_slice(body).map_err(|e| body_error(call, body, &e))?;
    r.into_user(call, 0)
}

/// Parse a `{"success":..}` reply; `false` is an error.
pub(crate) fn parse_success(body: &[u8], call: &str) -> Result<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| body_error(call, body, &e))?;
    if v.get("success").and_then(|s| s.as_bool()) == Some(true) {
        Ok(v)
    } else {
        Err(ArcGisError::NotSuccessful {
            call: call.to_string(),
        }
        .into())
    }
}

/// What an `assignUserCredits` call did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssignOutcome {
    /// Users the portal did not assign (`notAssignedUsers`).
    pub not_assigned: Vec<String>,
}

/// Parse an `assignUserCredits` reply: `{"success":true,"notAssignedUsers":[..]}`, the
/// users given as names or as `{"username":..}` objects.
pub(crate) fn parse_assign_outcome(body: &[u8], call: &str) -> Result<AssignOutcome> {
    let v = parse_success(body, call)?;
    let not_assigned = v
        .get("notAssignedUsers")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| match x {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Object(o) => o
                        .get("username")
                        .and_then(|u| u.as_str())
                        .map(str::to_string),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(AssignOutcome { not_assigned })
}

#[derive(Deserialize)]
struct RawUsage {
    #[serde(default)]
    data: Vec<RawSeries>,
}

type RawPairs = Vec<(Box<RawValue>, Box<RawValue>)>;

#[derive(Deserialize)]
struct RawSeries {
    etype: Option<String>,
    stype: Option<String>,
    username: Option<String>,
    credits: Option<RawPairs>,
    num: Option<RawPairs>,
}

/// One series of a `portals/self/usage` reply: its group keys and its `(time, value)` pairs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub(crate) etype: Option<String>,
    pub(crate) stype: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) credits: Vec<(DateTime<Utc>, Decimal)>,
    pub(crate) num: Vec<(DateTime<Utc>, Decimal)>,
}

fn pairs(
    raw: Option<RawPairs>,
    call: &str,
    what: &str,
    i: usize,
) -> Result<Vec<(DateTime<Utc>, Decimal)>> {
    let mut out = Vec::new();
    for (j, (t, v)) in raw.unwrap_or_default().iter().enumerate() {
        let field = format!("data[{i}].{what}[{j}]");
        let ms = raw_decimal(t, call, &field)?;
        let ms = i64::try_from(ms.trunc()).map_err(|e| bad(call, &field, e.to_string()))?;
        let at = Utc
            .timestamp_millis_opt(ms)
            .single()
            .ok_or_else(|| bad(call, &field, format!("{ms} is not a valid time")))?;
        out.push((at, raw_decimal(v, call, &field)?));
    }
    Ok(out)
}

/// Parse a usage reply; every value (times included) is read exactly from its text.
pub(crate) fn parse_usage(body: &[u8], call: &str) -> Result<Vec<Series>> {
    let r: RawUsage = serde_json::from_slice(body).map_err(|e| body_error(call, body, &e))?;
    r.data
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(Series {
                credits: pairs(s.credits, call, "credits", i)?,
                num: pairs(s.num, call, "num", i)?,
                etype: s.etype,
                stype: s.stype,
                username: s.username,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Response-shape fixtures (copies of the documented API examples).
    const FIX: &str = "tests/data/fixtures";
    const USAGE_CALL: &str = "GET /sharing/rest/portals/self/usage";

    fn fixture(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(FIX)
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn portal_fixture_is_read_exactly() {
        let p = parse_portal(&fixture("arcgis_portals_self.json"), "GET /p").unwrap();
        assert_eq!(p.id, "LjjARY1mkhxulWPq");
        assert_eq!(p.available_credits, Some(Decimal::new(9584193, 3)));
        assert!(p.credit_budgeting);
        assert_eq!(p.contacts, vec!["org_admin_user".to_string()]);
        assert!(p.is_admin());
        assert_eq!(
            p.default_user_credit_assignment,
            Some(Allocation::Amount(Decimal::new(100, 0)))
        );
    }

    #[test]
    fn users_pages_fixture() {
        let (u, next) =
            parse_users_page(&fixture("arcgis_portals_self_users_page1.json"), "POST /u").unwrap();
        assert_eq!(next, Some(101));
        assert_eq!(u[0].assigned, Allocation::Unallocated);
        assert_eq!(u[0].available, Allocation::Unallocated);
        assert_eq!(u[0].available_ratio(), None);
        let (u, _) =
            parse_users_page(&fixture("arcgis_portals_self_users_search.json"), "GET /s").unwrap();
        assert_eq!(u.len(), 2);
        let (u, next) =
            parse_users_page(&fixture("arcgis_portals_self_users_page2.json"), "POST /u").unwrap();
        assert_eq!(next, None);
        assert_eq!(
            u[0].assigned,
            Allocation::Amount("21839.219".parse().unwrap())
        );
        let one = parse_user(&fixture("arcgis_community_user.json"), "GET /c").unwrap();
        assert_eq!(
            one.available,
            Allocation::Amount("479.50998".parse().unwrap())
        );
        assert_eq!(one.consumed(), Some("20.49002".parse().unwrap()));
    }

    #[test]
    fn nulls_in_optional_lists_and_flags_are_empty() {
        let p = parse_portal(
            br#"{"id":"o1","isPortal":null,"contacts":null,"user":{"username":"c","role":"org_user","roleId":"abcDEF0123456789","privileges":["portal:admin:viewUsers","portal:user:createItem"]}}"#,
            "GET /p",
        )
        .unwrap();
        assert!(p.contacts.is_empty() && !p.is_portal);
        assert!(!p.is_admin() && p.may_administer());
        let (u, next) = parse_users_page(
            br#"{"users":[{"username":"a","disabled":null,"assignedCredits":null}],"nextStart":-1}"#,
            "POST /u",
        )
        .unwrap();
        assert!(!u[0].disabled && next.is_none());
        assert_eq!(u[0].assigned, Allocation::Unallocated);
        let (u, _) = parse_users_page(br#"{"users":null,"nextStart":-1}"#, "POST /u").unwrap();
        assert!(u.is_empty());
    }

    #[test]
    fn html_answers_are_named_as_such() {
        let e = parse_portal(b"<html><body>Sign in</body></html>", "GET /p").unwrap_err();
        let s = e.to_string();
        assert!(s.contains("not JSON") && s.contains("Sign in"), "{s}");
        let e = parse_portal(br#"{"id": 5}"#, "GET /p").unwrap_err();
        assert!(!e.to_string().contains("not JSON"), "{e}");
    }

    #[test]
    fn huge_numbers_are_refused_not_overflowed() {
        let e = parse_users_page(
            br#"{"users":[{"username":"big","assignedCredits":79228162514264337593543950335,"availableCredits":1}],"nextStart":-1}"#,
            "POST /u",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("out of range") && e.to_string().contains("big"),
            "{e}"
        );
    }

    proptest::proptest! {
        /// Random, huge, negative and malformed credit amounts: a bounded value or an error
        /// naming the user and the field, never a panic.
        #[test]
        fn credit_numbers_never_panic(v in "-?[0-9]{0,40}([.,][0-9]{0,40})?([eE][-+]?[0-9]{1,6})?|[-+ ,._0-9eE%a-z]{0,24}") {
            for body in [
                format!(r#"{{"users":[{{"username":"u","assignedCredits":{v},"availableCredits":"{v}"}}],"nextStart":{v}}}"#),
                format!(r#"{{"id":"o","availableCredits":{v}}}"#),
            ] {
                if let Ok((users, _)) = parse_users_page(body.as_bytes(), "POST /u") {
                    for u in users {
                        for a in [u.assigned, u.available] {
                            if let Some(d) = a.amount() {
                                proptest::prop_assert!(d.abs() <= max_magnitude());
                            }
                        }
                        let _ = (u.consumed(), u.available_ratio());
                    }
                }
                let _ = parse_portal(body.as_bytes(), "GET /p");
            }
        }
    }

    #[test]
    fn assign_outcome_lists_refused_users_in_both_shapes() {
        let o = parse_assign_outcome(
            br#"{"success":true,"notAssignedUsers":["a",{"username":"b"},3]}"#,
            "POST /a",
        )
        .unwrap();
        assert_eq!(o.not_assigned, vec!["a".to_string(), "b".to_string()]);
        assert!(parse_assign_outcome(br#"{"success":false}"#, "POST /a").is_err());
    }

    proptest::proptest! {
        #[test]
        fn usage_parsing_never_panics(body in ".{0,300}", t in "[0-9]{0,15}", v in "[-+0-9.eE]{0,12}") {
            let _ = parse_usage(body.as_bytes(), USAGE_CALL);
            let doc = format!(r#"{{"data":[{{"stype":"x","credits":[["{t}","{v}"]],"num":[[{t},"{v}"]]}}]}}"#);
            let _ = parse_usage(doc.as_bytes(), USAGE_CALL);
        }
    }

    #[test]
    fn bad_numbers_name_the_field() {
        let e = parse_users_page(
            br#"{"users":[{"username":"bob","assignedCredits":"lots"}],"nextStart":-1}"#,
            "POST /sharing/rest/portals/self/users",
        )
        .unwrap_err();
        let s = e.to_string();
        assert!(s.contains("bob") && s.contains("assignedCredits"), "{s}");
        assert!(parse_success(br#"{"success":false}"#, "POST /x").is_err());
    }
}
