//! Usage API client (`POST /20200107/usage`): pure request builders, the one error mapping
//! ([`parse_error`]), paging over `opc-next-page`, and range chunking.

use crate::PROVIDER;
use crate::credential::{OciCredential, OciSigner};
use crate::error::OciError;
use crate::model::{
    ErrorBody, Granularity, TagRef, UsageItem, UsageRequest, is_midnight, midnight,
    parse_usage_body,
};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use finops_core::error::truncate_body;
use finops_core::http::{ClientOptions, HttpClient, Method, Page, RequestParts, Response, Url};
use finops_core::{Error, Result};
use futures::StreamExt;
use futures::stream::BoxStream;
use std::sync::Arc;

/// API version prefix of every Usage API path (kept when `--endpoint` replaces the host).
pub const API_PREFIX: &str = "/20200107";

/// The path of `POST /usage` under an endpoint whose path is `base`, the way the SDK's
/// `BaseClient.endpoint` setter (`oci/base_client.py`) joins a `service_endpoint` and the base
/// path: the `/20200107` prefix is appended unless the endpoint already ends with it (with or
/// without a trailing `/`). `""`/`/` → `/20200107/usage`; `/proxy` →
/// `/proxy/20200107/usage`; `/20200107/` → `/20200107/usage`.
///
/// The full operation URL (`…/20200107/usage`) is taken as it is.
pub fn usage_path(base: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with(&format!("{API_PREFIX}/usage")) {
        base.to_string()
    } else if base.ends_with(API_PREFIX) {
        format!("{base}/usage")
    } else {
        format!("{base}{API_PREFIX}/usage")
    }
}

/// The day of an instant that must be exactly midnight UTC (hours, minutes, seconds and
/// fractions 0); anything else is refused here, before the API refuses it with 400.
pub fn aligned_day(t: DateTime<Utc>) -> Result<NaiveDate> {
    if !is_midnight(&t) {
        return Err(OciError::NotMidnight(t).into());
    }
    Ok(t.date_naive())
}

/// Split `[start, end)` into chunks the API accepts: calendar months for DAILY/HOURLY
/// queries, calendar years for MONTHLY ones. Every boundary is a midnight.
pub fn split_range(
    start: NaiveDate,
    end: NaiveDate,
    granularity: Granularity,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut cur = start;
    while cur < end {
        let next = match granularity {
            Granularity::Monthly | Granularity::Total => {
                NaiveDate::from_ymd_opt(cur.year() + 1, 1, 1)
            }
            Granularity::Daily | Granularity::Hourly => {
                NaiveDate::from_ymd_opt(cur.year(), cur.month(), 1)
                    .and_then(|d| d.checked_add_months(Months::new(1)))
            }
        }
        .unwrap_or(end)
        .min(end);
        out.push((cur, next));
        cur = next;
    }
    out
}

/// Map an OCI response to an error, in one place. OCI error bodies are
/// `{"code": "...", "message": "..."}` with an `opc-request-id` header
/// (`oci/base_client.py`); both end up in the error so a support ticket can quote them.
///
/// - 401 `NotAuthenticated` (bad signature, unknown key, clock skew > 5 min) → Unauthenticated
/// - 403 → PermissionDenied
/// - 404 `NotAuthorizedOrNotFound` is ambiguous in OCI (missing policy or wrong tenancy), so it
///   stays a Status error with its body rather than NotFound
/// - 429 `TooManyRequests` → RateLimited (retried by the shared loop)
/// - anything else → Status with `request_id` (5xx retried)
pub fn parse_error(provider: &'static str, resp: &Response) -> Option<Error> {
    if resp.is_success() {
        return None;
    }
    let request_id = resp.header("opc-request-id").map(str::to_string);
    let text = resp.text();
    let ErrorBody { code, message } = ErrorBody::parse(&text);
    let described = match (&code, &message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (None, Some(m)) => m.clone(),
        (Some(c), None) => c.clone(),
        // Not an OCI error body (a proxy, a load balancer): say so rather than print nothing.
        _ if text.trim().is_empty() => "(empty response body, not an OCI error)".to_string(),
        _ => truncate_body(&text, 2048),
    };
    let with_id = match &request_id {
        Some(id) => format!("{described} (opc-request-id: {id})"),
        None => described.clone(),
    };
    Some(match resp.status {
        // NotAuthorizedOrNotFound: kept a Status error with its body (see above).
        404 => Error::Status {
            provider,
            call: resp.call.clone(),
            status: 404,
            body: described,
            request_id,
        },
        401 | 403 | 429 => {
            Error::from_status(provider, resp.call.clone(), resp.status, with_id, None)
        }
        s => Error::from_status(provider, resp.call.clone(), s, described, None)
            .with_request_id(request_id),
    })
}

/// Options of Usage API queries.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UsageApiOptions {
    /// `limit` query parameter (items per page); `None` lets the server choose.
    pub page_limit: Option<u32>,
    /// Dimensions of the detailed cost query.
    pub group_by: Vec<String>,
    /// Tag to group by (OCI allows one); when set, the tag is the only grouping.
    pub group_by_tag: Option<TagRef>,
    /// Longest one HTTP attempt may take (`None`: the client options' timeout, else the
    /// shared layer's 60 s, the SDK's read timeout). Same as
    /// [`ClientOptions::timeout`](finops_core::http::ClientOptions), kept for the examples.
    pub request_timeout: Option<std::time::Duration>,
}

impl Default for UsageApiOptions {
    fn default() -> Self {
        UsageApiOptions {
            page_limit: None,
            group_by: DEFAULT_GROUP_BY.iter().map(|s| (*s).to_string()).collect(),
            group_by_tag: None,
            request_timeout: None,
        }
    }
}

impl UsageApiOptions {
    /// Set the page size.
    pub fn with_page_limit(mut self, limit: u32) -> Self {
        self.page_limit = Some(limit);
        self
    }

    /// Set the grouping dimensions.
    pub fn with_group_by(mut self, dims: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.group_by = dims.into_iter().map(Into::into).collect();
        self
    }

    /// Group by one tag.
    pub fn with_group_by_tag(mut self, tag: TagRef) -> Self {
        self.group_by_tag = Some(tag);
        self
    }

    /// Cap each HTTP attempt (a hung server fails the call after this, per attempt).
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }
}

/// Dimensions of the detailed daily cost query (enough for the FOCUS mapping).
pub const DEFAULT_GROUP_BY: [&str; 8] = [
    "service",
    "skuPartNumber",
    "skuName",
    "unit",
    "compartmentId",
    "compartmentName",
    "region",
    "resourceId",
];

/// A Usage API client for one tenancy (one credential).
#[derive(Clone)]
pub struct OciClient {
    name: String,
    tenancy: String,
    endpoint: Url,
    http: HttpClient,
    signer: Arc<OciSigner>,
    options: UsageApiOptions,
}

impl std::fmt::Debug for OciClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciClient")
            .field("name", &self.name)
            .field("tenancy", &self.tenancy)
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for OciClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Oci({})", self.name)
    }
}

impl OciClient {
    /// A client (use [`crate::OciBuilder`]). `endpoint` is `scheme://host[:port][/path]`; as
    /// in the SDK's `service_endpoint`, the `/20200107` prefix is appended to its path unless
    /// the path already ends with it (see [`usage_path`]). `client` gives the clock, retry
    /// policy, timeouts, rate limit and extra secrets to redact (its `endpoint` is ignored
    /// here: the caller resolved it into `endpoint`).
    pub fn new(
        name: String,
        tenancy: String,
        credential: OciCredential,
        endpoint: &str,
        client: &ClientOptions,
        options: UsageApiOptions,
    ) -> Result<Self> {
        let mut url = Url::parse(endpoint.trim()).map_err(|e| OciError::Endpoint {
            endpoint: endpoint.to_string(),
            reason: format!("is not a URL: {e}"),
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(OciError::Endpoint {
                endpoint: endpoint.to_string(),
                reason: "must be http(s)://host[:port]".into(),
            }
            .into());
        }
        url.set_path(&usage_path(url.path()));
        url.set_query(None);
        url.set_fragment(None);
        let mut client = client.clone();
        if let Some(t) = options.request_timeout {
            client = client.with_timeout(t);
        }
        // Secrets are redacted from error bodies (a session token, the key's pass phrase).
        let b = HttpClient::builder(PROVIDER)
            .with_error_parser(Arc::new(parse_error))
            .with_options(&client)?
            .with_redactions(credential.secrets());
        Ok(OciClient {
            name,
            tenancy,
            endpoint: url,
            http: b.build()?,
            signer: Arc::new(OciSigner::new(credential)),
            options,
        })
    }

    /// Label of the client.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Tenancy OCID.
    pub fn tenancy(&self) -> &str {
        &self.tenancy
    }

    /// Query options.
    pub fn options(&self) -> &UsageApiOptions {
        &self.options
    }

    /// The full URL of `POST /usage`.
    pub fn usage_url(&self) -> &Url {
        &self.endpoint
    }

    /// Pure builder of `POST /20200107/usage[?limit=..&page=..]` (unsigned; marked idempotent
    /// because the query is read-only, so the shared loop retries it).
    pub fn usage_request(&self, body: &UsageRequest, page: Option<&str>) -> Result<RequestParts> {
        let mut url = self.endpoint.clone();
        if self.options.page_limit.is_some() || page.is_some() {
            let mut q = url.query_pairs_mut();
            if let Some(l) = self.options.page_limit {
                q.append_pair("limit", &l.to_string());
            }
            if let Some(p) = page {
                q.append_pair("page", p);
            }
        }
        RequestParts::new(Method::POST, url)
            .with_json(body)?
            .with_header("accept", "application/json")
            .map(|p| p.idempotent(true))
    }

    /// One page of `RequestSummarizedUsages`.
    pub async fn usage_page(
        &self,
        body: &UsageRequest,
        page: Option<&str>,
    ) -> Result<Page<UsageItem, String>> {
        let parts = self.usage_request(body, page)?;
        let resp = self.http.send(parts, Some(self.signer.as_ref())).await?;
        let items = parse_usage_body(&resp.body, &resp.call)?;
        let next = resp
            .header("opc-next-page")
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        Ok(Page { items, next })
    }

    /// Every item of a query, all pages, as a stream.
    pub fn request_summarized_usages(
        &self,
        body: UsageRequest,
    ) -> BoxStream<'static, Result<UsageItem>> {
        let this = self.clone();
        let body = Arc::new(body);
        // Tokens already followed: a server that hands back a token twice would otherwise be
        // paged forever (and its items counted twice).
        let seen: Arc<std::sync::Mutex<std::collections::HashSet<String>>> = Arc::default();
        finops_core::http::paginate(move |token: Option<String>| {
            let this = this.clone();
            let body = body.clone();
            let seen = seen.clone();
            async move {
                let page = this.usage_page(&body, token.as_deref()).await?;
                if let Some(next) = &page.next {
                    let fresh = seen
                        .lock()
                        .map(|mut s| s.insert(next.clone()))
                        .unwrap_or(false);
                    if !fresh {
                        return Err(OciError::usage_reply(format!(
                            "opc-next-page {next:?} was already followed for this query; \
                             stopping instead of paging in a loop"
                        ))
                        .into());
                    }
                }
                Ok(page)
            }
        })
    }

    /// Every item over `[start, end)`, split into chunks the API accepts, chunk by chunk.
    pub fn summarized_usages_range(
        &self,
        template: &UsageRequest,
        start: NaiveDate,
        end: NaiveDate,
    ) -> BoxStream<'static, Result<UsageItem>> {
        let chunks = split_range(start, end, template.granularity);
        let this = self.clone();
        let template = template.clone();
        futures::stream::iter(chunks)
            .map(move |(s, e)| {
                let mut body = template.clone();
                body.time_usage_started = midnight(s);
                body.time_usage_ended = midnight(e);
                this.request_summarized_usages(body)
            })
            .flatten()
            .boxed()
    }

    /// The detailed DAILY COST query of this client's options over `[start, end)`.
    pub fn daily_cost_query(&self, start: NaiveDate, end: NaiveDate) -> UsageRequest {
        let mut q = UsageRequest::new(&self.tenancy, start, end, Granularity::Daily);
        match &self.options.group_by_tag {
            Some(tag) => q.group_by_tag = vec![tag.clone()],
            None => q.group_by = self.options.group_by.clone(),
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::day_start;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn endpoint_paths_are_joined_like_the_sdk() {
        // oci/base_client.py `endpoint` setter: append the base path unless already there.
        assert_eq!(usage_path(""), "/20200107/usage");
        assert_eq!(usage_path("/"), "/20200107/usage");
        assert_eq!(usage_path("/20200107"), "/20200107/usage");
        assert_eq!(usage_path("/20200107/"), "/20200107/usage");
        assert_eq!(usage_path("/proxy/oci"), "/proxy/oci/20200107/usage");
        assert_eq!(usage_path("/proxy/20200107"), "/proxy/20200107/usage");
        assert_eq!(usage_path("/20200107/usage"), "/20200107/usage");
        assert_eq!(usage_path("/p/20200107/usage/"), "/p/20200107/usage");
    }

    #[test]
    fn misaligned_dates_are_refused_before_sending() {
        assert!(aligned_day(day_start(d(2026, 1, 1))).is_ok());
        let e = aligned_day(day_start(d(2026, 1, 1)) + chrono::Duration::seconds(1)).unwrap_err();
        assert!(e.to_string().contains("midnight"));
    }

    #[test]
    fn ranges_split_on_month_boundaries() {
        let c = split_range(d(2025, 12, 15), d(2026, 3, 2), Granularity::Daily);
        assert_eq!(
            c,
            vec![
                (d(2025, 12, 15), d(2026, 1, 1)),
                (d(2026, 1, 1), d(2026, 2, 1)),
                (d(2026, 2, 1), d(2026, 3, 1)),
                (d(2026, 3, 1), d(2026, 3, 2)),
            ]
        );
        assert_eq!(
            split_range(d(2025, 6, 1), d(2026, 3, 1), Granularity::Monthly),
            vec![
                (d(2025, 6, 1), d(2026, 1, 1)),
                (d(2026, 1, 1), d(2026, 3, 1))
            ]
        );
        assert!(split_range(d(2026, 1, 1), d(2026, 1, 1), Granularity::Daily).is_empty());
    }

    #[test]
    fn endpoint_override_keeps_the_api_prefix_and_pages() {
        let key = crate::OciPrivateKey::from_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/client_a_pkcs1.pem"),
            None,
        )
        .unwrap();
        let cred = crate::OciCredential::new("ocid1.tenancy.oc1..t", "ocid1.user.oc1..u", key);
        let c = OciClient::new(
            "x".into(),
            "ocid1.tenancy.oc1..t".into(),
            cred,
            "http://127.0.0.1:8080/?q=1",
            &ClientOptions::default(),
            UsageApiOptions::default().with_page_limit(100),
        )
        .unwrap();
        let q = UsageRequest::new(
            "ocid1.tenancy.oc1..t",
            d(2026, 1, 1),
            d(2026, 2, 1),
            Granularity::Daily,
        );
        let parts = c.usage_request(&q, Some("abc+/= x")).unwrap();
        assert_eq!(
            parts.url.as_str(),
            "http://127.0.0.1:8080/20200107/usage?limit=100&page=abc%2B%2F%3D+x"
        );
        assert!(parts.idempotent);
        // A path on the endpoint is kept, the API prefix appended (SDK `service_endpoint`).
        let proxied = OciClient::new(
            "x".into(),
            "ocid1.tenancy.oc1..t".into(),
            c.signer.credential_clone(),
            "http://127.0.0.1:8080/oci-proxy/",
            &ClientOptions::default(),
            UsageApiOptions::default(),
        )
        .unwrap();
        assert_eq!(
            proxied.usage_url().as_str(),
            "http://127.0.0.1:8080/oci-proxy/20200107/usage"
        );
        assert_eq!(parts.headers["content-type"], "application/json");
        let body: serde_json::Value = serde_json::from_slice(&parts.body).unwrap();
        assert_eq!(body["timeUsageStarted"], "2026-01-01T00:00:00Z");
        assert_eq!(body["granularity"], "DAILY");
        assert!(
            OciClient::new(
                "x".into(),
                "t".into(),
                c.signer.credential_clone(),
                "ftp://h",
                &ClientOptions::default(),
                UsageApiOptions::default()
            )
            .is_err()
        );
    }

    fn resp(status: u16, body: &str) -> Response {
        let mut headers = finops_core::http::HeaderMap::new();
        headers.insert("opc-request-id", "REQ123".parse().unwrap());
        Response {
            status,
            headers,
            body: body.as_bytes().to_vec().into(),
            call: "POST /20200107/usage".into(),
            attempts: 1,
            waits: vec![],
        }
    }

    #[test]
    fn error_mapping() {
        let e = parse_error(
            PROVIDER,
            &resp(401, r#"{"code":"NotAuthenticated","message":"bad"}"#),
        )
        .unwrap();
        assert!(matches!(e, Error::Unauthenticated { .. }));
        assert!(
            e.to_string()
                .contains("NotAuthenticated: bad (opc-request-id: REQ123)"),
            "{e}"
        );
        let e = parse_error(PROVIDER, &resp(400, r#"{"code":"InvalidParameter","message":"Passed UTC date does not have the right precision"}"#)).unwrap();
        match &e {
            Error::Status {
                status,
                request_id,
                body,
                ..
            } => {
                assert_eq!(*status, 400);
                assert_eq!(request_id.as_deref(), Some("REQ123"));
                assert!(body.contains("InvalidParameter"));
            }
            other => panic!("{other:?}"),
        }
        assert!(!e.is_retryable());
        let e = parse_error(PROVIDER, &resp(429, "{}")).unwrap();
        assert!(e.is_retryable());
        let e = parse_error(PROVIDER, &resp(503, "oops")).unwrap();
        assert!(e.is_retryable());
        assert!(parse_error(PROVIDER, &resp(200, "{}")).is_none());
        // An empty body (a proxy's 404) still says something.
        let e = parse_error(PROVIDER, &resp(404, "")).unwrap();
        assert!(e.to_string().contains("empty response body"), "{e}");
        let e = parse_error(PROVIDER, &resp(400, r#"{"code":"InvalidParameter"}"#)).unwrap();
        assert!(e.to_string().contains("InvalidParameter"), "{e}");
    }
}
