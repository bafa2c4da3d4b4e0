//! Usage API client (`POST /20200107/usage`): pure request builders, the one error mapping
//! ([`parse_error`]), paging over `opc-next-page`, and range chunking.

use crate::PROVIDER;
use crate::credential::{OciCredential, OciSigner};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Timelike, Utc};
use finops_core::error::truncate_body;
use finops_core::http::{ClientOptions, HttpClient, Method, Page, RequestParts, Response, Url};
use finops_core::{Error, Result};
use futures::StreamExt;
use futures::stream::BoxStream;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// API version prefix of every Usage API path (kept when `--endpoint` replaces the host).
pub const API_PREFIX: &str = "/20200107";

/// Granularity of a usage query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Granularity {
    /// One item per hour.
    Hourly,
    /// One item per UTC day.
    Daily,
    /// One item per calendar month.
    Monthly,
    /// One item for the whole range ("not yet supported" by OCI).
    Total,
}

/// What a usage query measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueryType {
    /// Usage quantities.
    Usage,
    /// Costs (the default).
    Cost,
    /// Credits.
    Credit,
    /// Expired credits.
    Expiredcredit,
    /// All credits.
    Allcredit,
    /// Usage only.
    UsageOnly,
}

/// A tag to group by (`groupByTag`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TagRef {
    /// Tag namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Tag key.
    #[serde(default)]
    pub key: Option<String>,
    /// Tag value.
    #[serde(default)]
    pub value: Option<String>,
}

/// The JSON body of `RequestSummarizedUsages` (camelCase, as the SDK sends it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRequest {
    /// Tenancy OCID.
    pub tenant_id: String,
    /// Start, midnight UTC (`YYYY-MM-DDT00:00:00Z`).
    pub time_usage_started: String,
    /// End (exclusive), midnight UTC.
    pub time_usage_ended: String,
    /// Granularity.
    pub granularity: Granularity,
    /// Query type (COST by default on the server).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub query_type: Option<QueryType>,
    /// Dimensions to group by.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub group_by: Vec<String>,
    /// One tag to group by.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub group_by_tag: Vec<TagRef>,
    /// Compartment depth of grouping.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub compartment_depth: Option<u32>,
    /// Aggregate over time.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub is_aggregate_by_time: Option<bool>,
    /// Filter object (passed through).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filter: Option<serde_json::Value>,
}

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

/// Format a UTC day as the midnight instant the API wants.
pub fn midnight(day: NaiveDate) -> String {
    format!("{}T00:00:00Z", day.format("%Y-%m-%d"))
}

/// The day of an instant that must be exactly midnight UTC (hours, minutes, seconds and
/// fractions 0); anything else is refused here, before the API refuses it with 400.
pub fn aligned_day(t: DateTime<Utc>) -> Result<NaiveDate> {
    if t.hour() != 0 || t.minute() != 0 || t.second() != 0 || t.nanosecond() != 0 {
        return Err(Error::InvalidArgument(format!(
            "{PROVIDER}: {t} is not midnight UTC; the Usage API only accepts dates whose hours, minutes, seconds and fractions are 0"
        )));
    }
    Ok(t.date_naive())
}

impl UsageRequest {
    /// A query over the UTC days `[start, end)` (aligned by construction).
    pub fn new(
        tenant_id: &str,
        start: NaiveDate,
        end: NaiveDate,
        granularity: Granularity,
    ) -> Self {
        UsageRequest {
            tenant_id: tenant_id.to_string(),
            time_usage_started: midnight(start),
            time_usage_ended: midnight(end),
            granularity,
            query_type: Some(QueryType::Cost),
            group_by: Vec::new(),
            group_by_tag: Vec::new(),
            compartment_depth: None,
            is_aggregate_by_time: Some(false),
            filter: None,
        }
    }
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

/// One usage summary, amounts parsed exactly from the JSON text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageItem {
    /// Tenancy OCID.
    pub tenant_id: Option<String>,
    /// Tenancy name.
    pub tenant_name: Option<String>,
    /// Compartment OCID.
    pub compartment_id: Option<String>,
    /// Compartment path.
    pub compartment_path: Option<String>,
    /// Compartment name.
    pub compartment_name: Option<String>,
    /// Service (`COMPUTE`, `BLOCK_STORAGE`, ...).
    pub service: Option<String>,
    /// Resource name.
    pub resource_name: Option<String>,
    /// Resource OCID.
    pub resource_id: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Availability domain.
    pub ad: Option<String>,
    /// Shape.
    pub shape: Option<String>,
    /// SKU part number (`B93113`).
    pub sku_part_number: Option<String>,
    /// SKU name.
    pub sku_name: Option<String>,
    /// Unit of the quantity.
    pub unit: Option<String>,
    /// Platform.
    pub platform: Option<String>,
    /// Currency code.
    pub currency: Option<String>,
    /// Subscription id.
    pub subscription_id: Option<String>,
    /// Overage text.
    pub overage: Option<String>,
    /// Overage flag text.
    pub overages_flag: Option<String>,
    /// Cost.
    pub computed_amount: Option<Decimal>,
    /// Quantity.
    pub computed_quantity: Option<Decimal>,
    /// Unit price.
    pub unit_price: Option<Decimal>,
    /// List rate.
    pub list_rate: Option<Decimal>,
    /// Discount.
    pub discount: Option<Decimal>,
    /// Attributed cost (a string in the API).
    pub attributed_cost: Option<Decimal>,
    /// Attributed usage (a string in the API).
    pub attributed_usage: Option<Decimal>,
    /// Start of the item's time range.
    pub time_usage_started: Option<DateTime<Utc>>,
    /// End of the item's time range.
    pub time_usage_ended: Option<DateTime<Utc>>,
    /// Whether the item is a forecast.
    pub is_forecast: bool,
    /// Tags (entries with no key are dropped).
    pub tags: Vec<TagRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireItem {
    tenant_id: Option<String>,
    tenant_name: Option<String>,
    compartment_id: Option<String>,
    compartment_path: Option<String>,
    compartment_name: Option<String>,
    service: Option<String>,
    resource_name: Option<String>,
    resource_id: Option<String>,
    region: Option<String>,
    ad: Option<String>,
    shape: Option<String>,
    sku_part_number: Option<String>,
    sku_name: Option<String>,
    unit: Option<String>,
    platform: Option<String>,
    currency: Option<String>,
    subscription_id: Option<String>,
    overage: Option<String>,
    overages_flag: Option<String>,
    #[serde(default, with = "finops_core::json::decimal::opt")]
    computed_amount: Option<Decimal>,
    #[serde(default, with = "finops_core::json::decimal::opt")]
    computed_quantity: Option<Decimal>,
    #[serde(default, with = "finops_core::json::decimal::opt")]
    unit_price: Option<Decimal>,
    #[serde(default, with = "finops_core::json::decimal::opt")]
    list_rate: Option<Decimal>,
    #[serde(default, with = "finops_core::json::decimal::opt")]
    discount: Option<Decimal>,
    #[serde(default, with = "finops_core::json::decimal::opt")]
    attributed_cost: Option<Decimal>,
    #[serde(default, with = "finops_core::json::decimal::opt")]
    attributed_usage: Option<Decimal>,
    time_usage_started: Option<String>,
    time_usage_ended: Option<String>,
    is_forecast: Option<bool>,
    #[serde(default)]
    tags: Option<Vec<TagRef>>,
}

#[derive(Deserialize)]
struct WireAggregation {
    #[serde(default)]
    items: Vec<WireItem>,
}

/// Largest |amount| accepted on one usage item (10^15): far above any real bill, far below
/// where sums × day counts would overflow a `Decimal`.
pub fn max_item_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

/// Parse a Usage API reply body into items (errors name the call, item and field).
pub fn parse_usage_body(body: &[u8], call: &str) -> Result<Vec<UsageItem>> {
    let invalid = |message: String| Error::InvalidResponse {
        provider: PROVIDER,
        call: call.to_string(),
        message,
    };
    // Amounts are read exactly by the shared JSON number rules (finops_core::json); an error
    // names the field path (`items[3].computedAmount`).
    let wire: WireAggregation = finops_core::json::from_slice(body).map_err(|e| {
        if e.syntax {
            invalid(format!(
                "invalid UsageAggregation JSON: {e}: {}",
                truncate_body(&String::from_utf8_lossy(body), 300)
            ))
        } else {
            invalid(e.to_string())
        }
    })?;
    wire.items
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            // Money is summed and multiplied by day counts downstream: an amount no tenancy
            // could owe is a broken reply, refused here rather than overflowing later.
            let money = |field: &str, v: Option<Decimal>| -> Result<Option<Decimal>> {
                match v {
                    Some(d) if d.abs() >= max_item_amount() => Err(invalid(format!(
                        "items[{i}].{field}: {d} is outside the plausible range (|amount| < 10^15)"
                    ))),
                    _ => Ok(v),
                }
            };
            let time = |field: &str, v: &Option<String>| -> Result<Option<DateTime<Utc>>> {
                v.as_deref()
                    .map(|t| {
                        finops_core::focus::parse_time(t)
                            .map_err(|e| invalid(format!("items[{i}].{field}: {e}")))
                    })
                    .transpose()
            };
            Ok(UsageItem {
                computed_amount: money("computedAmount", w.computed_amount)?,
                computed_quantity: w.computed_quantity,
                unit_price: w.unit_price,
                list_rate: w.list_rate,
                discount: w.discount,
                attributed_cost: money("attributedCost", w.attributed_cost)?,
                attributed_usage: w.attributed_usage,
                time_usage_started: time("timeUsageStarted", &w.time_usage_started)?,
                time_usage_ended: time("timeUsageEnded", &w.time_usage_ended)?,
                is_forecast: w.is_forecast.unwrap_or(false),
                tags: w
                    .tags
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|t| t.key.as_deref().is_some_and(|k| !k.is_empty()))
                    .collect(),
                tenant_id: w.tenant_id,
                tenant_name: w.tenant_name,
                compartment_id: w.compartment_id,
                compartment_path: w.compartment_path,
                compartment_name: w.compartment_name,
                service: w.service,
                resource_name: w.resource_name,
                resource_id: w.resource_id,
                region: w.region,
                ad: w.ad,
                shape: w.shape,
                sku_part_number: w.sku_part_number,
                sku_name: w.sku_name,
                unit: w.unit,
                platform: w.platform,
                currency: w.currency,
                subscription_id: w.subscription_id,
                overage: w.overage,
                overages_flag: w.overages_flag,
            })
        })
        .collect()
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
    let (code, message) = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => (
            v.get("code").and_then(|c| c.as_str()).map(str::to_string),
            v.get("message")
                .and_then(|c| c.as_str())
                .map(str::to_string),
        ),
        Err(_) => (None, None),
    };
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
        let mut url = Url::parse(endpoint.trim()).map_err(|e| {
            Error::config(format!(
                "{PROVIDER}: endpoint {endpoint:?} is not a URL: {e}"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::config(format!(
                "{PROVIDER}: endpoint {endpoint:?} must be http(s)://host[:port]"
            )));
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
                        return Err(Error::InvalidResponse {
                            provider: PROVIDER,
                            call: format!("POST {API_PREFIX}/usage"),
                            message: format!(
                                "opc-next-page {next:?} was already followed for this query; \
                                 stopping instead of paging in a loop"
                            ),
                        });
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

/// UTC midnight of a day.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn request_body_matches_the_sdk_shape() {
        let mut q = UsageRequest::new(
            "ocid1.tenancy.oc1..aaaaaaaaexampletenancyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            d(2024, 1, 1),
            d(2024, 2, 1),
            Granularity::Daily,
        );
        q.group_by = [
            "service",
            "skuPartNumber",
            "skuName",
            "unit",
            "compartmentName",
            "resourceId",
        ]
        .map(String::from)
        .to_vec();
        q.compartment_depth = Some(1);
        let ours: serde_json::Value = serde_json::to_value(&q).unwrap();
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/oci_usage_request.json")).unwrap();
        assert_eq!(ours, fixture);
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
    fn parses_the_fixture_exactly() {
        let v: serde_json::Value = serde_json::from_str(include_str!(
            "../tests/data/oci_usage_response_example.json"
        ))
        .unwrap();
        let body = serde_json::to_vec(&v["body"]).unwrap();
        let items = parse_usage_body(&body, "POST /20200107/usage").unwrap();
        assert_eq!(items.len(), 1);
        let it = &items[0];
        assert_eq!(it.computed_amount, Some(Decimal::new(12, 1)));
        assert_eq!(it.computed_quantity, Some(Decimal::new(480, 1)));
        assert_eq!(it.sku_part_number.as_deref(), Some("B93113"));
        assert!(it.tags.is_empty());
        assert_eq!(it.time_usage_started, Some(day_start(d(2024, 1, 1))));
        // Strings and long decimals stay exact.
        let body = br#"{"items":[{"computedAmount":0.1000000000000000055511151231257827,"attributedCost":"12.345","computedQuantity":1e-3}]}"#;
        let items = parse_usage_body(body, "c").unwrap();
        assert_eq!(
            items[0].computed_amount.unwrap().to_string(),
            "0.1000000000000000055511151231"
        );
        assert_eq!(items[0].attributed_cost, Some(Decimal::new(12345, 3)));
        assert_eq!(items[0].computed_quantity, Some(Decimal::new(1, 3)));
        // An absurd amount is refused (it would overflow the forecast arithmetic).
        let e = parse_usage_body(br#"{"items":[{"computedAmount":1e27}]}"#, "POST /x").unwrap_err();
        assert!(e.to_string().contains("plausible"), "{e}");
        let e =
            parse_usage_body(br#"{"items":[{"computedAmount":"abc"}]}"#, "POST /x").unwrap_err();
        assert!(e.to_string().contains("items[0].computedAmount"), "{e}");
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

    proptest::proptest! {
        #[test]
        fn amounts_are_parsed_exactly_from_their_text(units in -1_000_000_000_000i64..1_000_000_000_000, scale in 0u32..12) {
            let d = Decimal::new(units, scale);
            let body = format!(r#"{{"items":[{{"computedAmount":{d},"attributedCost":"{d}"}}]}}"#);
            let items = parse_usage_body(body.as_bytes(), "c").unwrap();
            proptest::prop_assert_eq!(items[0].computed_amount, Some(d));
            proptest::prop_assert_eq!(items[0].attributed_cost, Some(d));
        }

        #[test]
        fn any_body_parses_or_errors_without_panicking(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = parse_usage_body(&body, "c");
        }
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
