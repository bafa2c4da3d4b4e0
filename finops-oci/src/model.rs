//! Wire types of the Usage API (`RequestSummarizedUsages`, API version 20200107): the request
//! body the SDK sends, the `UsageAggregation` reply read exactly (amounts from their JSON
//! text), and the `{"code", "message"}` error body.

use crate::error::OciError;
use chrono::{DateTime, NaiveDate, TimeZone, Timelike, Utc};
use finops_core::Result;
use finops_core::error::truncate_body;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Granularity of a usage query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
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
#[non_exhaustive]
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

/// A tag to group by (`groupByTag`), or a tag of a usage item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
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

impl TagRef {
    /// The tag `key` of `namespace` (`None`: any namespace), without a value (what
    /// `groupByTag` takes).
    pub fn new(namespace: Option<&str>, key: &str) -> Self {
        TagRef {
            namespace: namespace.map(str::to_string),
            key: Some(key.to_string()),
            value: None,
        }
    }

    /// The same tag with a value.
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}

/// The JSON body of `RequestSummarizedUsages` (camelCase, as the SDK sends it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
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

/// Format a UTC day as the midnight instant the API wants.
pub fn midnight(day: NaiveDate) -> String {
    format!("{}T00:00:00Z", day.format("%Y-%m-%d"))
}

/// UTC midnight of a day.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// Whether `t` is exactly midnight UTC (hours, minutes, seconds and fractions 0): the only
/// instants the Usage API accepts.
pub fn is_midnight(t: &DateTime<Utc>) -> bool {
    t.hour() == 0 && t.minute() == 0 && t.second() == 0 && t.nanosecond() == 0
}

/// One usage summary, amounts parsed exactly from the JSON text.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
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

/// `UsageSummary` as it comes over the wire.
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

/// `UsageAggregation` as it comes over the wire.
#[derive(Deserialize)]
struct WireAggregation {
    #[serde(default)]
    items: Vec<WireItem>,
}

/// An OCI error body (`{"code": "...", "message": "..."}`, `oci/base_client.py`); either
/// field may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) code: Option<String>,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

impl ErrorBody {
    /// The body's fields when it is a JSON object; both `None` otherwise.
    pub(crate) fn parse(text: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let field = |name: &str| v.get(name).and_then(|c| c.as_str()).map(str::to_string);
        ErrorBody {
            code: field("code"),
            message: field("message"),
        }
    }
}

/// Largest |amount| accepted on one usage item (10^15): far above any real bill, far below
/// where sums × day counts would overflow a `Decimal`.
pub fn max_item_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

/// Parse a Usage API reply body into items (errors name the call, item and field).
pub fn parse_usage_body(body: &[u8], call: &str) -> Result<Vec<UsageItem>> {
    Ok(parse_items(body, call)?)
}

fn parse_items(body: &[u8], call: &str) -> std::result::Result<Vec<UsageItem>, OciError> {
    let invalid = |message: String| OciError::Reply {
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
            let money = |field: &str, v: Option<Decimal>| match v {
                Some(d) if d.abs() >= max_item_amount() => Err(invalid(format!(
                    "items[{i}].{field}: {d} is outside the plausible range (|amount| < 10^15)"
                ))),
                _ => Ok(v),
            };
            let time = |field: &str, v: &Option<String>| {
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
    fn error_bodies_and_tags() {
        let b = ErrorBody::parse(r#"{"code":"NotAuthenticated","message":"bad"}"#);
        assert_eq!(b.code.as_deref(), Some("NotAuthenticated"));
        assert_eq!(b.message.as_deref(), Some("bad"));
        assert_eq!(ErrorBody::parse("<html>"), ErrorBody::default());
        assert_eq!(ErrorBody::parse("[1]"), ErrorBody::default());
        let t = TagRef::new(Some("Finance"), "CostCenter").with_value("42");
        assert_eq!(t.value.as_deref(), Some("42"));
        assert!(is_midnight(&day_start(d(2026, 1, 1))));
        assert!(!is_midnight(
            &(day_start(d(2026, 1, 1)) + chrono::Duration::nanoseconds(1))
        ));
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
}
