//! [`OvhClient`]: one method per OVH API call used, pure `*_request` builders, and the ONE
//! [`parse_error`] mapping error replies to typed errors.
//!
//! Every call goes through [`HttpClient::send`] (retry loop, per-credential rate limiter) with
//! the [`OvhSigner`], which signs each attempt afresh (new timestamp).

use crate::PROVIDER;
use crate::credential::{OvhSigner, TokenHealth, TokenWarning, join, token_health_of};
use crate::error::OvhError;
use crate::model::*;
use chrono::{DateTime, Utc};
use finops_core::Error;
use finops_core::error::truncate_body;
use finops_core::http::oauth2::{oauth2_error, send_with_renewal};
use finops_core::http::{HttpClient, Method, RequestParts, Response, Url};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Map an OVH reply to an error (`None` for 2xx). The one status → meaning function.
///
/// - 400 `INVALID_SIGNATURE` / `Invalid signature` → `Unauthenticated`
///   (python-ovh test suite, `fixtures/ovh_errors.json`);
/// - 401 → `Unauthenticated`; OAuth2 `{"error":"invalid_client"}` → `Unauthenticated`;
/// - 403 `INVALID_CREDENTIAL` / `NOT_CREDENTIAL` / `INVALID_KEY` → `Unauthenticated` (python-ovh
///   splits 403 by errorCode); `NOT_GRANTED_CALL` / `FORBIDDEN` / `Client::Forbidden` →
///   `PermissionDenied`;
/// - 404 → `NotFound`; 429 → `RateLimited` (Retry-After read by the retry loop);
/// - anything else (5xx retryable) → `Status` with the `X-Ovh-Queryid` request id.
pub fn parse_error(provider: &'static str, resp: &Response) -> Option<Error> {
    if resp.is_success() {
        return None;
    }
    let call = resp.call.clone();
    let text = resp.text();
    let body: ErrorBody = serde_json::from_slice(&resp.body).unwrap_or_default();
    let code = body.error_code.clone().unwrap_or_default();
    let class = body.class.clone().unwrap_or_default();
    let message = body
        .message
        .clone()
        .unwrap_or_else(|| truncate_body(&text, 500));
    let request_id = resp.header("X-Ovh-Queryid").map(str::to_string);
    // The OAuth2 error shape (RFC 6749 §5.2) only comes with 400 / 401: a proxy's 429 or 503
    // with an `{"error": ..}` body is still a retryable status, not a refused credential.
    if matches!(resp.status, 400 | 401)
        && let Some((error, description)) = oauth2_error(&resp.body)
    {
        return Some(
            OvhError::OAuth2 {
                call,
                error,
                description: description.unwrap_or_default(),
            }
            .into(),
        );
    }
    let e = match resp.status {
        400 if code == "INVALID_SIGNATURE" || message.eq_ignore_ascii_case("invalid signature") => {
            OvhError::InvalidSignature { call, message }.into()
        }
        403 => match code.as_str() {
            "INVALID_CREDENTIAL" | "NOT_CREDENTIAL" | "INVALID_KEY" => {
                OvhError::InvalidCredential {
                    call,
                    code,
                    message,
                }
                .into()
            }
            "" if class.is_empty() && message.to_ascii_lowercase().contains("credential") => {
                OvhError::InvalidCredential {
                    call,
                    code: "INVALID_CREDENTIAL".into(),
                    message,
                }
                .into()
            }
            _ => OvhError::NotGranted {
                call,
                code: if code.is_empty() { class } else { code },
                message,
            }
            .into(),
        },
        // The shared status table (401, 404, 429, anything else with the query id).
        status => {
            let said = match status {
                401 => message,
                429 => truncate_body(&text, 500),
                _ => truncate_body(&text, 4096),
            };
            Error::from_status(provider, call, status, said, None).with_request_id(request_id)
        }
    };
    Some(e)
}

/// The signed OVH API client of one credential. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OvhClient {
    name: Arc<str>,
    base: Url,
    http: HttpClient,
    signer: Arc<OvhSigner>,
}

impl OvhClient {
    pub(crate) fn new(name: String, base: Url, http: HttpClient, signer: Arc<OvhSigner>) -> Self {
        OvhClient {
            name: name.into(),
            base,
            http,
            signer,
        }
    }

    /// Account name (credential file name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// API base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The HTTP layer (clock, retry policy).
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The signer (time delta, credential).
    pub fn signer(&self) -> &Arc<OvhSigner> {
        &self.signer
    }

    /// A signed-later GET request for `path` with `query` (pure).
    pub fn get_request(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> finops_core::Result<RequestParts> {
        Ok(
            RequestParts::new(Method::GET, join(&self.base, path, query)?)
                .with_header("Accept", "application/json")?
                .idempotent(true),
        )
    }

    /// Send a request signed with this credential: `$1$`-signed afresh at each attempt, or,
    /// for a service account, with the bearer token of the shared OAuth2 provider (renewed
    /// once when the API refuses it, [`send_with_renewal`]).
    pub async fn send(&self, req: RequestParts) -> finops_core::Result<Response> {
        match self.signer.oauth2() {
            Some(provider) => send_with_renewal(&self.http, provider.as_ref(), req).await,
            None => self.http.send(req, Some(self.signer.as_ref())).await,
        }
    }

    /// GET `path` and decode the JSON reply.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> finops_core::Result<T> {
        let resp = self.send(self.get_request(path, query)?).await?;
        resp.json(PROVIDER)
    }

    /// `GET /auth/time` (no auth): server unix time.
    pub async fn auth_time(&self) -> finops_core::Result<i64> {
        let resp = self
            .http
            .send(self.get_request("/auth/time", &[])?, None)
            .await?;
        resp.json(PROVIDER)
    }

    /// `POST /auth/credential` (application key only): request a consumer key.
    pub fn request_credential_request(
        &self,
        application_key: &str,
        rules: &[AccessRule],
        redirection: Option<&str>,
    ) -> finops_core::Result<RequestParts> {
        let body = serde_json::json!({ "accessRules": rules, "redirection": redirection });
        RequestParts::new(Method::POST, join(&self.base, "/auth/credential", &[])?)
            .with_json(&body)?
            .with_header(crate::credential::HEADER_APPLICATION, application_key)
    }

    /// `GET /auth/currentCredential` (OVH-02).
    pub async fn current_credential(&self) -> finops_core::Result<ApiCredential> {
        self.get("/auth/currentCredential", &[]).await
    }

    /// Token health at `as_of`; an API refusal becomes [`TokenWarning::Invalid`].
    pub async fn token_health(&self, as_of: DateTime<Utc>, warn_days: i64) -> TokenHealth {
        match self.current_credential().await {
            Ok(c) => token_health_of(&c, as_of, warn_days),
            Err(e) => TokenHealth {
                warning: Some(TokenWarning::Invalid {
                    message: e.to_string(),
                }),
                ..TokenHealth::default()
            },
        }
    }

    /// `GET /me`.
    pub async fn me(&self) -> finops_core::Result<Me> {
        self.get("/me", &[]).await
    }

    /// `GET /cloud/project`.
    pub async fn cloud_projects(&self) -> finops_core::Result<Vec<String>> {
        self.get("/cloud/project", &[]).await
    }

    /// `GET /cloud/project/{sn}`.
    pub async fn cloud_project(&self, sn: &str) -> finops_core::Result<Project> {
        self.get(&format!("/cloud/project/{}", seg(sn)), &[]).await
    }

    /// `GET /cloud/project/{sn}/serviceInfos`.
    pub async fn cloud_project_service_infos(&self, sn: &str) -> finops_core::Result<ServiceInfos> {
        self.get(&format!("/cloud/project/{}/serviceInfos", seg(sn)), &[])
            .await
    }

    /// `GET /cloud/project/{sn}/usage/current` (OVH-03).
    pub async fn usage_current(&self, sn: &str) -> finops_core::Result<Usage> {
        self.get(&format!("/cloud/project/{}/usage/current", seg(sn)), &[])
            .await
    }

    /// `GET /cloud/project/{sn}/usage/history?from=&to=` (OVH-04).
    pub async fn usage_history(
        &self,
        sn: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> finops_core::Result<Vec<UsageHistoryEntry>> {
        let f = from.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let t = to.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let mut q: Vec<(&str, &str)> = Vec::new();
        if let Some(f) = &f {
            q.push(("from", f));
        }
        if let Some(t) = &t {
            q.push(("to", t));
        }
        self.get(&format!("/cloud/project/{}/usage/history", seg(sn)), &q)
            .await
    }

    /// `GET /cloud/project/{sn}/usage/history/{usageId}`.
    pub async fn usage_history_detail(&self, sn: &str, id: &str) -> finops_core::Result<Usage> {
        self.get(
            &format!("/cloud/project/{}/usage/history/{}", seg(sn), seg(id)),
            &[],
        )
        .await
    }

    /// `GET /cloud/project/{sn}/instance`.
    pub async fn instances(&self, sn: &str) -> finops_core::Result<Vec<Instance>> {
        self.get(&format!("/cloud/project/{}/instance", seg(sn)), &[])
            .await
    }

    /// `GET /cloud/project/{sn}/instance/{id}` (flavor and image embedded).
    pub async fn instance_detail(&self, sn: &str, id: &str) -> finops_core::Result<InstanceDetail> {
        self.get(
            &format!("/cloud/project/{}/instance/{}", seg(sn), seg(id)),
            &[],
        )
        .await
    }

    /// `GET /cloud/project/{sn}/region`.
    pub async fn regions(&self, sn: &str) -> finops_core::Result<Vec<String>> {
        self.get(&format!("/cloud/project/{}/region", seg(sn)), &[])
            .await
    }

    /// `GET /cloud/project/{sn}/region/{r}/gateway` (OVH-10).
    pub async fn gateways(&self, sn: &str, region: &str) -> finops_core::Result<Vec<Gateway>> {
        self.get(
            &format!("/cloud/project/{}/region/{}/gateway", seg(sn), seg(region)),
            &[],
        )
        .await
    }

    /// `GET /cloud/project/{sn}/region/{r}/loadbalancing/loadbalancer` (OVH-10).
    pub async fn load_balancers(
        &self,
        sn: &str,
        region: &str,
    ) -> finops_core::Result<Vec<LoadBalancer>> {
        self.get(
            &format!(
                "/cloud/project/{}/region/{}/loadbalancing/loadbalancer",
                seg(sn),
                seg(region)
            ),
            &[],
        )
        .await
    }

    /// `GET /dedicatedCloud`.
    pub async fn dedicated_clouds(&self) -> finops_core::Result<Vec<String>> {
        self.get("/dedicatedCloud", &[]).await
    }

    /// `GET /dedicatedCloud/{sn}`.
    pub async fn dedicated_cloud(&self, sn: &str) -> finops_core::Result<DedicatedCloud> {
        self.get(&format!("/dedicatedCloud/{}", seg(sn)), &[]).await
    }

    /// `GET /dedicatedCloud/{sn}/serviceInfos`.
    pub async fn dedicated_cloud_service_infos(
        &self,
        sn: &str,
    ) -> finops_core::Result<ServiceInfos> {
        self.get(&format!("/dedicatedCloud/{}/serviceInfos", seg(sn)), &[])
            .await
    }

    /// `GET /dedicatedCloud/{sn}/datacenter`.
    pub async fn dedicated_cloud_datacenters(&self, sn: &str) -> finops_core::Result<Vec<i64>> {
        self.get(&format!("/dedicatedCloud/{}/datacenter", seg(sn)), &[])
            .await
    }

    /// `GET /dedicatedCloud/{sn}/datacenter/{dc}/vm`.
    pub async fn dedicated_cloud_vms(&self, sn: &str, dc: i64) -> finops_core::Result<Vec<i64>> {
        self.get(
            &format!("/dedicatedCloud/{}/datacenter/{dc}/vm", seg(sn)),
            &[],
        )
        .await
    }

    /// `GET /dedicatedCloud/{sn}/datacenter/{dc}/vm/{vmId}` (OVH-08, 12).
    pub async fn dedicated_cloud_vm(
        &self,
        sn: &str,
        dc: i64,
        vm: i64,
    ) -> finops_core::Result<DedicatedCloudVm> {
        self.get(
            &format!("/dedicatedCloud/{}/datacenter/{dc}/vm/{vm}", seg(sn)),
            &[],
        )
        .await
    }

    /// `GET /vps`.
    pub async fn vps_list(&self) -> finops_core::Result<Vec<String>> {
        self.get("/vps", &[]).await
    }

    /// `GET /vps/{sn}`.
    pub async fn vps(&self, sn: &str) -> finops_core::Result<Vps> {
        self.get(&format!("/vps/{}", seg(sn)), &[]).await
    }

    /// `GET /services`.
    pub async fn services(&self) -> finops_core::Result<Vec<i64>> {
        self.get("/services", &[]).await
    }

    /// `GET /services/{id}`.
    pub async fn service(&self, id: i64) -> finops_core::Result<ExpandedService> {
        self.get(&format!("/services/{id}"), &[]).await
    }

    /// `GET {route}/serviceInfos` (route = `services.expanded.Route.url`, e.g.
    /// `/cloud/project/0123…`).
    pub async fn service_infos(&self, route_url: &str) -> finops_core::Result<ServiceInfos> {
        let path = format!("{}/serviceInfos", route_url.trim_end_matches('/'));
        self.get(&path, &[]).await
    }

    /// `GET /me/bill?date.from=` .
    pub async fn bills(&self, from: Option<DateTime<Utc>>) -> finops_core::Result<Vec<String>> {
        match from {
            Some(f) => {
                let f = f.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                self.get("/me/bill", &[("date.from", &f)]).await
            }
            None => self.get("/me/bill", &[]).await,
        }
    }

    /// `GET /me/bill/{id}`.
    pub async fn bill(&self, id: &str) -> finops_core::Result<Bill> {
        self.get(&format!("/me/bill/{}", seg(id)), &[]).await
    }

    /// `GET /me/bill/{id}/details`.
    pub async fn bill_details(&self, id: &str) -> finops_core::Result<Vec<String>> {
        self.get(&format!("/me/bill/{}/details", seg(id)), &[])
            .await
    }

    /// `GET /me/bill/{id}/details/{detailId}`.
    pub async fn bill_detail(&self, id: &str, detail: &str) -> finops_core::Result<BillDetail> {
        self.get(
            &format!("/me/bill/{}/details/{}", seg(id), seg(detail)),
            &[],
        )
        .await
    }

    /// `GET /me/identity/user`.
    pub async fn identity_users(&self) -> finops_core::Result<Vec<String>> {
        self.get("/me/identity/user", &[]).await
    }

    /// `GET /me/identity/user/{login}`.
    pub async fn identity_user(&self, login: &str) -> finops_core::Result<IdentityUser> {
        self.get(&format!("/me/identity/user/{}", seg(login)), &[])
            .await
    }

    /// `GET /me/logs/audit` (OVH-15; a sliding month, no parameters).
    pub async fn audit_logs(&self) -> finops_core::Result<Vec<AuditLog>> {
        self.get("/me/logs/audit", &[]).await
    }
}

/// Percent-encode one path segment (ids may contain `/`, e.g. `…/option/snc`).
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'@' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::http::HeaderMap;

    fn resp(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: body.to_string().into_bytes().into(),
            call: "GET /me".into(),
            attempts: 1,
            waits: vec![],
        }
    }

    #[test]
    fn error_shapes() {
        let e = parse_error(
            PROVIDER,
            &resp(
                400,
                r#"{"message":"Invalid signature","httpCode":"400 Bad Request","errorCode":"INVALID_SIGNATURE"}"#,
            ),
        )
        .unwrap();
        assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
        let e = parse_error(
            PROVIDER,
            &resp(
                400,
                r#"{"class":"Client::BadRequest","message":"Invalid signature"}"#,
            ),
        )
        .unwrap();
        assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
        let e = parse_error(
            PROVIDER,
            &resp(
                403,
                r#"{"errorCode":"INVALID_CREDENTIAL","httpCode":"403 Forbidden","message":"This credential is not valid"}"#,
            ),
        )
        .unwrap();
        assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
        let e = parse_error(
            PROVIDER,
            &resp(
                403,
                r#"{"class":"Client::Forbidden","message":"User not granted for this request"}"#,
            ),
        )
        .unwrap();
        assert!(matches!(e, Error::PermissionDenied { .. }), "{e:?}");
        let e = parse_error(PROVIDER, &resp(429, "{}")).unwrap();
        assert!(e.is_retryable());
        let e = parse_error(PROVIDER, &resp(503, "oops")).unwrap();
        assert!(e.is_retryable() && matches!(e, Error::Status { status: 503, .. }));
        let e = parse_error(
            PROVIDER,
            &resp(404, r#"{"class":"Client::NotFound","message":"x"}"#),
        )
        .unwrap();
        assert!(matches!(e, Error::NotFound { .. }));
        let e = parse_error(
            PROVIDER,
            &resp(
                400,
                r#"{"error":"invalid_client", "error_description":"ovhcloud oauth2 client does not exists"}"#,
            ),
        )
        .unwrap();
        assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
        assert!(parse_error(PROVIDER, &resp(200, "[]")).is_none());
    }

    #[test]
    fn oauth2_shape_only_on_400_401() {
        // A gateway's 503 / 429 with an `{"error": ..}` body stays retryable.
        for status in [429, 500, 502, 503] {
            let e = parse_error(
                PROVIDER,
                &resp(status, r#"{"error":"Service Unavailable"}"#),
            )
            .unwrap();
            assert!(e.is_retryable(), "{status}: {e:?}");
        }
        // A refused bearer token names the call that was refused.
        let e = parse_error(
            PROVIDER,
            &resp(
                401,
                r#"{"error":"invalid_token","error_description":"expired"}"#,
            ),
        )
        .unwrap();
        assert!(
            matches!(&e, Error::Unauthenticated { call, .. } if call == "GET /me"),
            "{e:?}"
        );
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("abc-1.2"), "abc-1.2");
        assert_eq!(seg("pcc/option/snc"), "pcc%2Foption%2Fsnc");
    }
}
