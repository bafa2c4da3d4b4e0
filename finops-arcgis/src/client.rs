//! The portal's REST calls: pure `*_request` builders, one [`parse_error`] mapping every
//! answer (HTTP status *and* the `{"error":{..}}` bodies ArcGIS sends with HTTP 200), and a
//! `send` that renews the token once on error 498/499.

use crate::PROVIDER;
use crate::credential::{TokenSigner, join};
use crate::error::ArcGisError;
use finops_core::error::truncate_body;
use finops_core::http::{HttpClient, Method, RequestParts, Response, Url};
use finops_core::{Decimal, Error, Result};
use std::sync::Arc;

/// At most this many users per `assignUserCredits` call (Esri REST doc "Assign User Credits").
pub const ASSIGN_BATCH_MAX: usize = 100;
/// At most this many users per `createNotification` call (arcgis-rest-js
/// `createOrgNotification` splits into batches of 25, "the max possible").
pub const NOTIFY_BATCH_MAX: usize = 25;
/// Page size of `portals/self/users` (`num` is at most 100).
pub const USERS_PAGE_SIZE: u32 = 100;

/// Calls that need an organisation administrator: a 403 on them becomes the clear
/// "administrator rights required" error of AGO-01.
const ADMIN_CALLS: &[&str] = &[
    "/portals/self/users",
    "/portals/self/usage",
    "/portals/self/assignUserCredits",
    "/portals/self/unassignUserCredits",
    "/portals/self/update",
    "/portals/self/createNotification",
];

fn is_admin_call(call: &str) -> bool {
    ADMIN_CALLS.iter().any(|p| call.ends_with(p))
}

fn is_token_call(call: &str) -> bool {
    call.ends_with("/generateToken") || call.ends_with("/oauth2/token")
}

/// The error carried by a body, if any: `{"error":{"code","message","details"}}`,
/// `{"error":"..","error_description":".."}` (OAuth2 style) or billing's top-level
/// `{"code":>=400,"message"}`.
fn body_error(body: &[u8]) -> Option<(Option<i64>, String)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;
    if let Some(err) = obj.get("error") {
        return Some(match err {
            serde_json::Value::Object(e) => {
                let code = e.get("code").and_then(json_code);
                let mut msg = e
                    .get("message")
                    .and_then(|m| m.as_str())
                    .or_else(|| e.get("error_description").and_then(|m| m.as_str()))
                    .unwrap_or("")
                    .to_string();
                if let Some(details) = e.get("details").and_then(|d| d.as_array()) {
                    let extra: Vec<&str> = details
                        .iter()
                        .filter_map(|d| d.as_str())
                        .filter(|d| !d.is_empty() && *d != msg)
                        .collect();
                    if !extra.is_empty() {
                        msg = format!("{msg} ({})", extra.join("; "));
                    }
                }
                if let Some(mc) = e.get("messageCode").and_then(|m| m.as_str()) {
                    msg = format!("{msg} [{mc}]");
                }
                (code, msg)
            }
            serde_json::Value::String(s) => {
                let desc = obj
                    .get("error_description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("");
                (Some(400), format!("{s}: {desc}"))
            }
            other => (None, other.to_string()),
        });
    }
    // A failed job/status check: `{"status":"failed"|"failure","statusMessage":..}` (the
    // statusMessage may itself be a JSON `{"code","message"}`), as arcgis-rest-js
    // `checkForErrors` treats it.
    if let Some(status @ ("failed" | "failure")) = obj.get("status").and_then(|s| s.as_str()) {
        let raw = obj
            .get("statusMessage")
            .or_else(|| obj.get("message"))
            .and_then(|m| m.as_str())
            .unwrap_or("");
        let inner: Option<serde_json::Value> = serde_json::from_str(raw).ok();
        let code = inner
            .as_ref()
            .and_then(|i| i.get("code"))
            .and_then(json_code);
        let msg = inner
            .as_ref()
            .and_then(|i| i.get("message"))
            .and_then(|m| m.as_str())
            .unwrap_or(raw);
        let msg = if msg.is_empty() {
            format!("status {status}")
        } else {
            format!("status {status}: {msg}")
        };
        return Some((code, msg));
    }
    let code = obj.get("code").and_then(json_code)?;
    let msg = obj.get("message").and_then(|m| m.as_str()).unwrap_or("");
    (code >= 400).then(|| (Some(code), msg.to_string()))
}

fn json_code(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Map a portal answer to an error (`Some`) or accept it (`None`). Runs on every response,
/// 2xx included, because ArcGIS reports most errors inside an HTTP 200 body
/// (`shared/reference/arcgis.md` "Errors"; arcgis-rest-js `check-for-errors.ts`).
///
/// - 498 "Invalid token" / 499 "Token Required" / 401 → `Unauthenticated` (the client then
///   fetches a new token and retries once);
/// - any 4xx from `generateToken` / `oauth2/token` → `Unauthenticated` (bad login);
/// - 403 → `PermissionDenied`; on administrator calls the message says
///   "administrator rights required" (AGO-01);
/// - 404 → `NotFound`; 429 → `RateLimited`;
/// - anything else → `Status` with the code found in the body (so a 200 body carrying
///   500/503/504 is retried by the shared loop, and 400 is not).
pub fn parse_error(provider: &'static str, resp: &Response) -> Option<Error> {
    let found = body_error(&resp.body);
    if found.is_none() && resp.is_success() {
        return None;
    }
    let (code, message) = match found {
        Some((code, msg)) => {
            let fallback = if resp.is_success() {
                400
            } else {
                i64::from(resp.status)
            };
            (code.unwrap_or(fallback), msg)
        }
        None => (i64::from(resp.status), truncate_body(&resp.text(), 2048)),
    };
    let call = resp.call.clone();
    Some(match code {
        498 | 499 | 401 => Error::Unauthenticated {
            provider,
            call,
            message: format!("error {code}: {message}"),
        },
        400..=499 if is_token_call(&call) => Error::Unauthenticated {
            provider,
            call,
            message: format!("login refused (error {code}): {message}"),
        },
        403 if is_admin_call(&call) => Error::from_status(
            provider,
            call,
            403,
            format!(
                "administrator rights required: this operation needs an organization \
                 administrator's login (the portal said: {message})"
            ),
            None,
        ),
        // The shared status table (403, 404, 429, anything else; a code outside HTTP's range
        // is a server error).
        other => Error::from_status(
            provider,
            call,
            u16::try_from(other).unwrap_or(500),
            message,
            None,
        ),
    })
}

/// The adapter's HTTP side: the REST root, the shared client and the token signer.
#[derive(Debug, Clone)]
pub(crate) struct ArcGisClient {
    pub(crate) http: HttpClient,
    pub(crate) rest: Url,
    pub(crate) signer: Arc<TokenSigner>,
}

fn with_query(mut url: Url, pairs: &[(&str, &str)]) -> Url {
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    url
}

/// A user-assignment list as the portal expects it: a JSON array of
/// `{"username":..,"credits":<number>}`; credits are written from the exact decimal.
pub(crate) fn user_assignments_json(assignments: &[(String, Decimal)]) -> Result<String> {
    let mut out = String::from("[");
    for (i, (user, credits)) in assignments.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let name = serde_json::to_string(user)
            .map_err(|e| Error::InvalidArgument(format!("user name {user:?}: {e}")))?;
        out.push_str(&format!(
            "{{\"username\": {name}, \"credits\": {}}}",
            finops_core::money::format_decimal(*credits)
        ));
    }
    out.push(']');
    Ok(out)
}

impl ArcGisClient {
    /// `GET /portals/self?f=json`.
    pub(crate) fn portal_self_request(&self) -> Result<RequestParts> {
        let url = join(&self.rest, &["portals", "self"])?;
        Ok(RequestParts::new(
            Method::GET,
            with_query(url, &[("f", "json")]),
        ))
    }

    /// `POST /portals/self/users` with `start` (1-based), `num` (≤ 100).
    pub(crate) fn users_request(&self, start: u64, num: u32) -> Result<RequestParts> {
        let url = join(&self.rest, &["portals", "self", "users"])?;
        let start = start.to_string();
        let num = num.min(USERS_PAGE_SIZE).to_string();
        Ok(RequestParts::new(Method::POST, url)
            .with_form(&[
                ("start", &start),
                ("num", &num),
                ("excludeSystemUsers", "true"),
                ("f", "json"),
            ])
            .idempotent(true))
    }

    /// `GET /community/users/<username>?f=json`.
    pub(crate) fn community_user_request(&self, username: &str) -> Result<RequestParts> {
        let url = join(&self.rest, &["community", "users", username])?;
        Ok(RequestParts::new(
            Method::GET,
            with_query(url, &[("f", "json")]),
        ))
    }

    /// `GET /portals/self/usage` with `startTime`/`endTime` (epoch ms), `period=1d`,
    /// `vars=credits,num` and `groupby` (`stype,etype` or `username,userorgid`).
    pub(crate) fn usage_request(
        &self,
        start_ms: i64,
        end_ms: i64,
        groupby: &str,
    ) -> Result<RequestParts> {
        let url = join(&self.rest, &["portals", "self", "usage"])?;
        let (s, e) = (start_ms.to_string(), end_ms.to_string());
        Ok(RequestParts::new(
            Method::GET,
            with_query(
                url,
                &[
                    ("f", "json"),
                    ("startTime", &s),
                    ("endTime", &e),
                    ("period", "1d"),
                    ("vars", "credits,num"),
                    ("groupby", groupby),
                ],
            ),
        ))
    }

    /// `POST /portals/self/update` with `creditAssignments=enabled|disabled`.
    pub(crate) fn update_budgeting_request(&self, enabled: bool) -> Result<RequestParts> {
        let url = join(&self.rest, &["portals", "self", "update"])?;
        let v = if enabled { "enabled" } else { "disabled" };
        Ok(RequestParts::new(Method::POST, url)
            .with_form(&[("creditAssignments", v), ("f", "json")])
            .idempotent(true))
    }

    /// `POST /portals/self/assignUserCredits` with `userAssignments` (≤ 100 users). Setting
    /// an absolute total is idempotent, so the request may be retried after a timeout.
    pub(crate) fn assign_user_credits_request(
        &self,
        assignments: &[(String, Decimal)],
    ) -> Result<RequestParts> {
        if assignments.len() > ASSIGN_BATCH_MAX {
            return Err(ArcGisError::BatchTooLarge {
                call: "assignUserCredits",
                got: assignments.len(),
                max: ASSIGN_BATCH_MAX,
            }
            .into());
        }
        let url = join(&self.rest, &["portals", "self", "assignUserCredits"])?;
        let json = user_assignments_json(assignments)?;
        Ok(RequestParts::new(Method::POST, url)
            .with_form(&[("userAssignments", &json), ("f", "json")])
            .idempotent(true))
    }

    /// `POST /portals/self/createNotification` (≤ 25 users). Not idempotent: a retried
    /// timeout could send the message twice, so timeouts are not retried.
    pub(crate) fn create_notification_request(
        &self,
        channel: &str,
        subject: &str,
        message: &str,
        users: &[String],
    ) -> Result<RequestParts> {
        if users.len() > NOTIFY_BATCH_MAX {
            return Err(ArcGisError::BatchTooLarge {
                call: "createNotification",
                got: users.len(),
                max: NOTIFY_BATCH_MAX,
            }
            .into());
        }
        let url = join(&self.rest, &["portals", "self", "createNotification"])?;
        let joined = users.join(",");
        Ok(RequestParts::new(Method::POST, url)
            .with_form(&[
                ("notificationChannelType", channel),
                ("subject", subject),
                ("message", message),
                ("users", &joined),
                ("f", "json"),
            ])
            .idempotent(false))
    }

    /// Send with a token; on 498/499 drop the cached token, get a new one and retry once.
    pub(crate) async fn send(&self, req: RequestParts) -> Result<Response> {
        match self.http.send(req.clone(), Some(&*self.signer)).await {
            Err(Error::Unauthenticated { call, message, .. })
                if self.signer.credential.is_renewable() && !is_token_call(&call) =>
            {
                tracing::info!(provider = PROVIDER, %call, %message, "token refused; renewing it and retrying once");
                self.signer.tokens.invalidate().await;
                self.http.send(req, Some(&*self.signer)).await
            }
            // A fixed token cannot be renewed: say what to do about it.
            Err(Error::Unauthenticated {
                provider,
                call,
                message,
            }) if !self.signer.credential.is_renewable() => Err(Error::Unauthenticated {
                provider,
                call,
                message: format!(
                    "{message} (the given token is invalid, expired or was issued for another \
                     referer; a fixed token cannot be renewed: give a fresh one, the referer it \
                     was generated for, or a username/password)"
                ),
            }),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::http::HeaderMap;

    fn resp(status: u16, call: &str, body: &str) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec().into(),
            call: call.into(),
            attempts: 1,
            waits: vec![],
        }
    }

    #[test]
    fn errors_in_200_bodies_are_errors() {
        let r = resp(
            200,
            "GET /sharing/rest/portals/self",
            r#"{"error":{"code":498,"message":"Invalid token.","details":[]}}"#,
        );
        assert!(matches!(
            parse_error(PROVIDER, &r),
            Some(Error::Unauthenticated { .. })
        ));
        let r = resp(
            200,
            "GET /x",
            r#"{"error":{"code":499,"message":"Token Required","messageCode":"GWM_0003","details":["Token Required"]}}"#,
        );
        let e = parse_error(PROVIDER, &r).unwrap();
        assert!(e.to_string().contains("GWM_0003"), "{e}");
        let r = resp(200, "GET /x", r#"{"error":{"code":503,"message":"busy"}}"#);
        assert!(parse_error(PROVIDER, &r).unwrap().is_retryable());
        let r = resp(200, "GET /x", r#"{"error":{"code":400,"message":"bad"}}"#);
        assert!(!parse_error(PROVIDER, &r).unwrap().is_retryable());
        assert!(parse_error(PROVIDER, &resp(200, "GET /x", r#"{"success":true}"#)).is_none());
        // Billing's top-level shape.
        let r = resp(200, "GET /x", r#"{"code":429,"message":"slow down"}"#);
        assert!(matches!(
            parse_error(PROVIDER, &r),
            Some(Error::RateLimited { .. })
        ));
        // A failed status check (arcgis-rest-js checkForErrors), message as JSON or text.
        let r = resp(
            200,
            "GET /x",
            r#"{"status":"failed","statusMessage":"{\"code\":500,\"message\":\"job died\"}"}"#,
        );
        let e = parse_error(PROVIDER, &r).unwrap();
        assert!(e.to_string().contains("job died"), "{e}");
        let r = resp(
            200,
            "GET /x",
            r#"{"status":"failure","statusMessage":"no"}"#,
        );
        let e = parse_error(PROVIDER, &r).unwrap();
        assert!(!e.is_retryable() && e.to_string().contains("no"), "{e}");
        assert!(parse_error(PROVIDER, &resp(200, "GET /x", r#"{"status":"completed"}"#)).is_none());
    }

    #[test]
    fn forbidden_admin_call_says_administrator_rights_required() {
        let r = resp(
            200,
            "POST /sharing/rest/portals/self/users",
            r#"{"error":{"code":403,"message":"You do not have permissions to access this resource or perform this operation.","details":[]}}"#,
        );
        let e = parse_error(PROVIDER, &r).unwrap();
        assert!(matches!(e, Error::PermissionDenied { .. }));
        assert!(
            e.to_string().contains("administrator rights required"),
            "{e}"
        );
        let r = resp(403, "GET /sharing/rest/content/items/x", "forbidden");
        let e = parse_error(PROVIDER, &r).unwrap();
        assert!(!e.to_string().contains("administrator"));
    }

    #[test]
    fn bad_login_is_unauthenticated() {
        let r = resp(
            200,
            "POST /sharing/rest/oauth2/token",
            r#"{"error":{"code":400,"error":"invalid_client_id","error_description":"Invalid client_id","message":"Invalid client_id","details":[]}}"#,
        );
        assert!(matches!(
            parse_error(PROVIDER, &r),
            Some(Error::Unauthenticated { .. })
        ));
        let r = resp(500, "GET /x", "<html>oops</html>");
        assert!(matches!(
            parse_error(PROVIDER, &r),
            Some(Error::Status { status: 500, .. })
        ));
    }

    #[test]
    fn assignments_are_json_numbers_from_exact_decimals() {
        let j = user_assignments_json(&[
            ("u1".into(), Decimal::new(70050, 2)),
            ("o\"dd".into(), Decimal::new(200, 0)),
        ])
        .unwrap();
        assert_eq!(
            j,
            r#"[{"username": "u1", "credits": 700.5}, {"username": "o\"dd", "credits": 200}]"#
        );
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v[0]["credits"].to_string(), "700.5");
    }

    proptest::proptest! {
        #[test]
        fn parse_error_never_panics(status in 100u16..600, body in ".{0,200}") {
            let _ = parse_error(PROVIDER, &resp(status, "GET /x", &body));
        }
    }
}
