//! [`CostManagementClient`]: the Cost Management calls (Query, Exports) on Azure Resource
//! Manager, as pure `*_request` builders plus sending methods.
//!
//! - Every call carries an Entra bearer token for `https://management.azure.com/.default`,
//!   renewed once on 401 (finops-core's OAuth2 provider).
//! - The shared retry loop retries 429 **including POSTs** (the query is a read; azure-core
//!   does not retry a POST on 429, azure.md §3) and waits for the largest of every
//!   `x-ms-ratelimit-*-retry-after` header and `Retry-After` ([`RATE_LIMIT_HEADERS`]).
//! - Query paging: `properties.nextLink` is followed by POSTing **the same body** to it until
//!   it is null or absent (the official SDKs return the first page only). A next link must stay
//!   on the endpoint's origin (the bearer token never leaves it) and must not repeat.
//! - One error mapping ([`parse_error`]): ARM's `{"error":{"code","message"}}` and
//!   `x-ms-request-id` into finops-core's status table.

use crate::error;
use crate::model::{
    API_VERSION, Export, ExportList, ExportRunHistory, ExportRunRequest, QueryDefinition,
    QueryResult,
};
use finops_core::error::truncate_body;
use finops_core::http::oauth2::{TokenProvider, send_with_renewal};
use finops_core::http::{HttpClient, Method, RequestParts, Response, Url};
use finops_core::{Error, Result};
use std::sync::Arc;

/// The public cloud's Resource Manager endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://management.azure.com";

/// Headers holding a throttling delay in seconds (`x-ms-ratelimit-microsoft.costmanagement-
/// {qpu,entity,tenant,client,clienttype}-retry-after`, `x-ms-ratelimit-microsoft.consumption-
/// retry-after`): the retry loop waits for the largest of them and `Retry-After`.
pub const RATE_LIMIT_HEADERS: &[&str] = &["x-ms-ratelimit-*-retry-after"];

/// Maps a Resource Manager reply to an error: `{"error":{"code","message"}}` (also the
/// `{"code","message"}` form), `x-ms-request-id`; 401 → `Unauthenticated` (token renewed once),
/// 403 → `PermissionDenied` (`AuthorizationFailed` on the scope), 404 → `NotFound`, 429 →
/// `RateLimited` (the delay from [`RATE_LIMIT_HEADERS`] and `Retry-After`), others → `Status`
/// (5xx retryable).
pub fn parse_error(provider: &'static str, resp: &Response) -> Option<Error> {
    if resp.is_success() {
        return None;
    }
    let v: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let err = v.as_ref().map(|v| v.get("error").unwrap_or(v));
    let detail = match err {
        Some(e) if e.get("code").is_some() || e.get("message").is_some() => format!(
            "{}: {}",
            e.get("code").and_then(|c| c.as_str()).unwrap_or("error"),
            e.get("message").and_then(|c| c.as_str()).unwrap_or("")
        ),
        _ => truncate_body(&resp.text(), 1024),
    };
    Some(
        Error::from_status(provider, resp.call.clone(), resp.status, detail, None)
            .with_request_id(resp.header("x-ms-request-id").map(str::to_string)),
    )
}

/// The Cost Management client of one credential. Cheap to clone.
#[derive(Clone)]
pub struct CostManagementClient {
    pub(crate) http: HttpClient,
    pub(crate) token: Arc<dyn TokenProvider>,
    pub(crate) endpoint: Url,
}

impl std::fmt::Debug for CostManagementClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CostManagementClient")
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

/// One page of a query, with the call it came from.
#[derive(Debug, Clone)]
pub struct QueryPage {
    /// The result (no rows for a 204).
    pub result: QueryResult,
    /// Attempts the page took (1 = no retry).
    pub attempts: u32,
    /// Waits slept before it (throttling, errors).
    pub waits: Vec<std::time::Duration>,
}

/// Check a scope id: `/subscriptions/…`, `/providers/Microsoft.Billing/…`, … (no empty
/// segment, no `.`/`..`, no query).
pub fn check_scope(scope: &str) -> Result<()> {
    let bad = |why: &str| {
        error::config(
            "AZURE_COST_SCOPES",
            format!(
                "scope {scope:?}: {why} (expected /subscriptions/ID, /providers/Microsoft.Billing/billingAccounts/ID, ...)"
            ),
        )
    };
    if !scope.starts_with('/') || scope.len() < 2 {
        return Err(bad("does not start with /"));
    }
    for seg in scope.trim_end_matches('/')[1..].split('/') {
        if seg.is_empty() || seg == "." || seg == ".." {
            return Err(bad("has an empty or relative segment"));
        }
        if seg.contains(['?', '#', '%', ' ']) {
            return Err(bad("has a character not allowed in a scope"));
        }
    }
    Ok(())
}

impl CostManagementClient {
    /// `{endpoint}{scope}/providers/Microsoft.CostManagement/{tail...}?api-version=…`.
    pub fn scope_url(&self, scope: &str, tail: &[&str]) -> Result<Url> {
        check_scope(scope)?;
        let mut u = self.endpoint.clone();
        {
            let mut p = u.path_segments_mut().map_err(|_| {
                error::config(
                    "AZURE_MANAGEMENT_ENDPOINT",
                    format!("{} cannot be a base URL", self.endpoint),
                )
            })?;
            p.pop_if_empty();
            p.extend(scope.trim_end_matches('/')[1..].split('/'));
            p.extend(["providers", "Microsoft.CostManagement"]);
            p.extend(tail);
        }
        u.query_pairs_mut().append_pair("api-version", API_VERSION);
        Ok(u)
    }

    /// `POST {scope}/providers/Microsoft.CostManagement/query` with `def`, or the same body to
    /// `next_link`. Checked first (what the API answers 400 to); marked idempotent (a query
    /// changes nothing, so timeouts are retried too).
    pub fn query_request(
        &self,
        scope: &str,
        def: &QueryDefinition,
        next_link: Option<&Url>,
    ) -> Result<RequestParts> {
        let url = match next_link {
            Some(u) => u.clone(),
            None => self.scope_url(scope, &["query"])?,
        };
        def.validate().map_err(|m| {
            error::invalid_request(
                &format!("POST {scope}/providers/Microsoft.CostManagement/query"),
                m,
            )
        })?;
        Ok(RequestParts::new(Method::POST, url)
            .with_json(def)?
            .idempotent(true))
    }

    /// Check a `nextLink`: absolute, same origin as the endpoint, not seen before.
    pub fn check_next_link(&self, link: &str, seen: &[String]) -> Result<Url> {
        let call = "POST …/providers/Microsoft.CostManagement/query";
        let u = Url::parse(link)
            .map_err(|e| error::invalid_response(call, format!("nextLink {link:?}: {e}")))?;
        if u.origin() != self.endpoint.origin() {
            return Err(error::invalid_response(
                call,
                format!(
                    "nextLink {} is not on the endpoint {} (the token is not sent elsewhere)",
                    u.origin().ascii_serialization(),
                    self.endpoint.origin().ascii_serialization()
                ),
            ));
        }
        if seen.iter().any(|s| s == link) {
            return Err(error::invalid_response(
                call,
                "the server handed back a nextLink already followed (paging loop)",
            ));
        }
        Ok(u)
    }

    async fn send(&self, req: RequestParts) -> Result<Response> {
        send_with_renewal(&self.http, self.token.as_ref(), req).await
    }

    /// One page of a query (a 204 is an empty page).
    pub async fn query_page(
        &self,
        scope: &str,
        def: &QueryDefinition,
        next_link: Option<&Url>,
    ) -> Result<QueryPage> {
        let resp = self
            .send(self.query_request(scope, def, next_link)?)
            .await?;
        let result = if resp.status == 204 || resp.body.iter().all(u8::is_ascii_whitespace) {
            QueryResult {
                id: None,
                name: None,
                kind: None,
                properties: crate::model::QueryProperties {
                    next_link: None,
                    columns: Vec::new(),
                    rows: Vec::new(),
                },
            }
        } else {
            resp.json::<QueryResult>(crate::PROVIDER)?
        };
        Ok(QueryPage {
            result,
            attempts: resp.attempts,
            waits: resp.waits,
        })
    }

    /// Every page of a query, following `nextLink` with the same body.
    pub async fn query_all(&self, scope: &str, def: &QueryDefinition) -> Result<Vec<QueryPage>> {
        let mut pages = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut next: Option<Url> = None;
        loop {
            let page = self.query_page(scope, def, next.as_ref()).await?;
            let link = page
                .result
                .properties
                .next_link
                .clone()
                .filter(|l| !l.trim().is_empty());
            pages.push(page);
            match link {
                Some(l) => {
                    next = Some(self.check_next_link(&l, &seen)?);
                    seen.push(l);
                }
                None => return Ok(pages),
            }
        }
    }

    /// `PUT .../exports/{name}`: create, or update (the body must then carry the current
    /// `eTag`). Idempotent.
    pub fn put_export_request(
        &self,
        scope: &str,
        name: &str,
        export: &Export,
    ) -> Result<RequestParts> {
        check_export_name(name)?;
        let url = self.scope_url(scope, &["exports", name])?;
        RequestParts::new(Method::PUT, url).with_json(export)
    }

    /// `GET .../exports/{name}`.
    pub fn get_export_request(&self, scope: &str, name: &str) -> Result<RequestParts> {
        check_export_name(name)?;
        Ok(RequestParts::new(
            Method::GET,
            self.scope_url(scope, &["exports", name])?,
        ))
    }

    /// `GET .../exports`.
    pub fn list_exports_request(&self, scope: &str) -> Result<RequestParts> {
        Ok(RequestParts::new(
            Method::GET,
            self.scope_url(scope, &["exports"])?,
        ))
    }

    /// `POST .../exports/{name}/run` with an optional period. Not idempotent (a timed-out run
    /// is not repeated); a 429 is retried (FTK waits and retries too).
    pub fn run_export_request(
        &self,
        scope: &str,
        name: &str,
        run: &ExportRunRequest,
    ) -> Result<RequestParts> {
        check_export_name(name)?;
        let url = self.scope_url(scope, &["exports", name, "run"])?;
        let req = RequestParts::new(Method::POST, url).idempotent(false);
        if run.time_period.is_some() {
            req.with_json(run)
        } else {
            Ok(req)
        }
    }

    /// `GET .../exports/{name}/runHistory`.
    pub fn run_history_request(&self, scope: &str, name: &str) -> Result<RequestParts> {
        check_export_name(name)?;
        Ok(RequestParts::new(
            Method::GET,
            self.scope_url(scope, &["exports", name, "runHistory"])?,
        ))
    }

    /// The export, or `None` when it does not exist (404).
    pub async fn get_export(&self, scope: &str, name: &str) -> Result<Option<Export>> {
        match self.send(self.get_export_request(scope, name)?).await {
            Ok(r) => r.json(crate::PROVIDER).map(Some),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every export of a scope.
    pub async fn list_exports(&self, scope: &str) -> Result<Vec<Export>> {
        let r = self.send(self.list_exports_request(scope)?).await?;
        Ok(r.json::<ExportList>(crate::PROVIDER)?.value)
    }

    /// Create or update an export; returns the stored export (with its new `eTag`) and
    /// whether it was created (201) rather than updated (200).
    pub async fn put_export(
        &self,
        scope: &str,
        name: &str,
        export: &Export,
    ) -> Result<(Export, bool)> {
        let r = self
            .send(self.put_export_request(scope, name, export)?)
            .await?;
        Ok((r.json(crate::PROVIDER)?, r.status == 201))
    }

    /// Run an export now (optionally for `run.time_period`).
    pub async fn run_export(&self, scope: &str, name: &str, run: &ExportRunRequest) -> Result<()> {
        self.send(self.run_export_request(scope, name, run)?)
            .await?;
        Ok(())
    }

    /// The runs of an export, newest first.
    pub async fn run_history(&self, scope: &str, name: &str) -> Result<ExportRunHistory> {
        let r = self.send(self.run_history_request(scope, name)?).await?;
        r.json(crate::PROVIDER)
    }
}

/// Export names: 1 to 64 letters, digits, `-` and `_` (what the API accepts; they become a
/// URL segment and a folder name).
pub fn check_export_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(error::config(
            "export name",
            format!("{name:?}: 1 to 64 letters, digits, '-' or '_'"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use finops_core::Secret;
    use finops_core::http::oauth2::StaticToken;

    fn client() -> CostManagementClient {
        CostManagementClient {
            http: HttpClient::builder(crate::PROVIDER).build().unwrap(),
            token: Arc::new(StaticToken(Secret::new("t"))),
            endpoint: Url::parse(DEFAULT_ENDPOINT).unwrap(),
        }
    }

    fn def() -> QueryDefinition {
        QueryDefinition {
            kind: QueryType::ActualCost,
            timeframe: Timeframe::MonthToDate,
            time_period: None,
            dataset: QueryDataset {
                granularity: Some(Granularity::Daily),
                aggregation: [("totalCost".into(), QueryAggregation::sum("Cost"))].into(),
                grouping: vec![QueryGrouping::dimension("ServiceName")],
                filter: None,
            },
        }
    }

    #[test]
    fn requests_have_the_documented_urls() {
        let c = client();
        let r = c
            .query_request(
                "/providers/Microsoft.Billing/billingAccounts/8611537",
                &def(),
                None,
            )
            .unwrap();
        assert_eq!(r.method, Method::POST);
        assert_eq!(
            r.url.as_str(),
            "https://management.azure.com/providers/Microsoft.Billing/billingAccounts/8611537/providers/Microsoft.CostManagement/query?api-version=2025-03-01"
        );
        assert!(r.idempotent);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["type"], "ActualCost");
        let next = Url::parse("https://management.azure.com/subscriptions/x/providers/Microsoft.CostManagement/query?api-version=2025-03-01&$skiptoken=abc").unwrap();
        let r2 = c
            .query_request("/subscriptions/x", &def(), Some(&next))
            .unwrap();
        assert_eq!(r2.url, next);
        assert_eq!(r2.body, r.body, "the same body goes to the next link");
        let s = "/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61";
        assert_eq!(
            c.run_export_request(s, "hub-daily-costdetails", &ExportRunRequest::default())
                .unwrap()
                .url
                .path(),
            "/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61/providers/Microsoft.CostManagement/exports/hub-daily-costdetails/run"
        );
        assert!(
            c.run_history_request(s, "e")
                .unwrap()
                .url
                .path()
                .ends_with("/exports/e/runHistory")
        );
        for bad in ["", "subscriptions/x", "/a//b", "/a/../b", "/a?x=1"] {
            assert!(c.query_request(bad, &def(), None).is_err(), "{bad}");
        }
        assert!(c.get_export_request(s, "a/b").is_err());
        let mut three = def();
        three.dataset.grouping = vec![
            QueryGrouping::dimension("A"),
            QueryGrouping::dimension("B"),
            QueryGrouping::dimension("C"),
        ];
        assert!(c.query_request(s, &three, None).is_err());
    }

    #[test]
    fn next_links_stay_on_the_endpoint_and_never_repeat() {
        let c = client();
        let ok = "https://management.azure.com/x/query?$skiptoken=1";
        assert!(c.check_next_link(ok, &[]).is_ok());
        assert!(c.check_next_link(ok, &[ok.to_string()]).is_err());
        assert!(c.check_next_link("https://evil.example/x", &[]).is_err());
        assert!(
            c.check_next_link("http://management.azure.com/x", &[])
                .is_err()
        );
        assert!(c.check_next_link("/relative", &[]).is_err());
    }

    #[test]
    fn arm_errors_keep_code_message_and_request_id() {
        let mut headers = finops_core::http::HeaderMap::new();
        headers.insert("x-ms-request-id", "req-1".parse().unwrap());
        let resp = Response {
            status: 400,
            headers,
            body: br#"{"error":{"code":"BadRequest","message":"Invalid dataset grouping"}}"#
                .to_vec()
                .into(),
            call: "POST /x".into(),
            attempts: 1,
            waits: vec![],
        };
        let e = parse_error("azure", &resp).unwrap();
        let text = e.to_string();
        assert!(
            text.contains("BadRequest: Invalid dataset grouping"),
            "{text}"
        );
        assert!(
            matches!(&e, Error::Status { request_id: Some(id), .. } if id == "req-1"),
            "{e:?}"
        );
        let mut r429 = resp.clone();
        r429.status = 429;
        assert!(parse_error("azure", &r429).unwrap().is_retryable());
        let mut r403 = resp;
        r403.status = 403;
        assert!(matches!(
            parse_error("azure", &r403),
            Some(Error::PermissionDenied { .. })
        ));
    }
}
