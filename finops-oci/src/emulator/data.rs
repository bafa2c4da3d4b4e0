//! The emulator's data set: deterministic tenancies whose resources consume a quantity that
//! depends only on the day and the resource (weekends lower), priced exactly, and their
//! `UsageSummary` items grouped as the Usage API groups them.

use chrono::{Datelike, NaiveDate};
use finops_core::Currency;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One billable resource of an emulated tenancy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResourceSpec {
    /// Service (`COMPUTE`, `BLOCK_STORAGE`, ...).
    pub service: String,
    /// SKU part number.
    pub sku_part_number: String,
    /// SKU name.
    pub sku_name: String,
    /// Unit of the quantity.
    pub unit: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Compartment name.
    pub compartment_name: String,
    /// Region.
    pub region: String,
    /// Resource OCID.
    pub resource_id: String,
    /// Price per unit (exact).
    pub unit_price: Decimal,
    /// List price per unit (exact).
    pub list_rate: Decimal,
    /// Weekday quantity per day (weekends use half, then ±10 % by day).
    pub daily_quantity: Decimal,
    /// Tags `(namespace, key, value)`.
    pub tags: Vec<(String, String, String)>,
}

/// An emulated tenancy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TenancySpec {
    /// Tenancy OCID.
    pub tenancy: String,
    /// Tenancy name.
    pub name: String,
    /// Currency of every amount.
    pub currency: Currency,
    /// First day with consumption.
    pub active_from: NaiveDate,
    /// Resources.
    pub resources: Vec<ResourceSpec>,
}

impl TenancySpec {
    /// A tenancy with a standard set of five resources (compute, block and object storage,
    /// database, network) whose quantities are multiplied by `scale`.
    pub fn standard(
        tenancy: &str,
        name: &str,
        currency: Currency,
        active_from: NaiveDate,
        region: &str,
        scale: Decimal,
    ) -> Self {
        let short = name.to_ascii_lowercase().replace(' ', "-");
        let res = |service: &str,
                   sku: &str,
                   sku_name: &str,
                   unit: &str,
                   comp: &str,
                   rid: &str,
                   price: &str,
                   list: &str,
                   qty: &str,
                   cc: &str| ResourceSpec {
            service: service.into(),
            sku_part_number: sku.into(),
            sku_name: sku_name.into(),
            unit: unit.into(),
            compartment_id: format!("ocid1.compartment.oc1..{short}{comp}"),
            compartment_name: format!("{short}-{comp}"),
            region: region.into(),
            resource_id: format!("ocid1.{rid}.oc1..{short}"),
            unit_price: price.parse().unwrap_or_default(),
            list_rate: list.parse().unwrap_or_default(),
            daily_quantity: qty.parse::<Decimal>().unwrap_or_default() * scale,
            tags: vec![("Finance".into(), "CostCenter".into(), cc.into())],
        };
        TenancySpec {
            tenancy: tenancy.into(),
            name: name.into(),
            currency,
            active_from,
            resources: vec![
                res(
                    "COMPUTE",
                    "B93113",
                    "Compute - Standard - E4 - OCPU",
                    "OCPU Hours",
                    "prod",
                    "instance",
                    "0.025",
                    "0.025",
                    "96",
                    "CC-100",
                ),
                res(
                    "COMPUTE",
                    "B93114",
                    "Compute - Standard - E4 - Memory",
                    "Gigabyte Hours",
                    "prod",
                    "instance",
                    "0.0015",
                    "0.0015",
                    "768",
                    "CC-100",
                ),
                res(
                    "BLOCK_STORAGE",
                    "B91961",
                    "Block Volume - Storage",
                    "Gigabyte Storage Capacity Per Month",
                    "prod",
                    "volume",
                    "0.0255",
                    "0.0255",
                    "120",
                    "CC-200",
                ),
                res(
                    "OBJECT_STORAGE",
                    "B91628",
                    "Object Storage - Storage",
                    "Gigabyte Storage Capacity Per Month",
                    "dev",
                    "bucket",
                    "0.0255",
                    "0.0255",
                    "40",
                    "CC-200",
                ),
                res(
                    "DATABASE",
                    "B90777",
                    "Autonomous Database - OCPU",
                    "OCPU Hours",
                    "dev",
                    "autonomousdatabase",
                    "0.3360",
                    "0.3360",
                    "24",
                    "CC-300",
                ),
            ],
        }
    }

    /// Quantity of resource `i` on `day` (deterministic).
    pub(crate) fn quantity(&self, i: usize, day: NaiveDate) -> Decimal {
        let r = &self.resources[i];
        let weekend = day.weekday().num_days_from_monday() >= 5;
        let base = if weekend {
            r.daily_quantity / Decimal::TWO
        } else {
            r.daily_quantity
        };
        // ±10 % in whole percents from a hash of (tenancy, day, resource).
        let salt = self
            .tenancy
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let h = (day.num_days_from_ce() as u64)
            .wrapping_add(salt)
            .wrapping_mul(2_654_435_761)
            .wrapping_add(i as u64 * 40_503)
            % 21;
        let pct = Decimal::from(90 + h) / Decimal::ONE_HUNDRED;
        (base * pct).round_dp(2)
    }
}

/// Dimension name → value of a resource (the `groupBy` names of the SDK).
fn dim(spec: &TenancySpec, r: &ResourceSpec, name: &str) -> Option<String> {
    Some(match name {
        "service" => r.service.clone(),
        "skuPartNumber" => r.sku_part_number.clone(),
        "skuName" => r.sku_name.clone(),
        "unit" => r.unit.clone(),
        "compartmentId" => r.compartment_id.clone(),
        "compartmentName" => r.compartment_name.clone(),
        "compartmentPath" => format!("/{}", r.compartment_name),
        "region" => r.region.clone(),
        "resourceId" => r.resource_id.clone(),
        "tenantId" => spec.tenancy.clone(),
        "tenantName" => spec.name.clone(),
        _ => return None,
    })
}

const DIMS: [(&str, &str); 11] = [
    ("service", "service"),
    ("skuPartNumber", "skuPartNumber"),
    ("skuName", "skuName"),
    ("unit", "unit"),
    ("compartmentId", "compartmentId"),
    ("compartmentName", "compartmentName"),
    ("compartmentPath", "compartmentPath"),
    ("region", "region"),
    ("resourceId", "resourceId"),
    ("tenantId", "tenantId"),
    ("tenantName", "tenantName"),
];

pub(crate) fn build_items(
    spec: &TenancySpec,
    start: NaiveDate,
    end: NaiveDate,
    granularity: &str,
    group_by: &[String],
    tag: Option<&(Option<String>, String)>,
) -> Vec<Value> {
    // (bucket start, bucket end, dims, tag value) → (amount, quantity, resource index)
    type Key = (NaiveDate, NaiveDate, Vec<Option<String>>, Option<String>);
    let mut groups: BTreeMap<Key, (Decimal, Decimal, usize)> = BTreeMap::new();
    let from = start.max(spec.active_from);
    let mut day = from;
    while day < end {
        let (b_start, b_end) = if granularity == "MONTHLY" {
            let first = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(end);
            (first.max(start), next.min(end))
        } else {
            (day, day.succ_opt().unwrap_or(end))
        };
        for (i, r) in spec.resources.iter().enumerate() {
            let q = spec.quantity(i, day);
            let amount = q * r.unit_price;
            let dims: Vec<Option<String>> = DIMS
                .iter()
                .map(|(name, _)| {
                    group_by
                        .iter()
                        .any(|g| g == name)
                        .then(|| dim(spec, r, name))
                        .flatten()
                })
                .collect();
            let tag_value = tag.map(|(ns, key)| {
                r.tags
                    .iter()
                    .find(|(n, k, _)| k == key && ns.as_ref().is_none_or(|ns| ns == n))
                    .map(|(_, _, v)| v.clone())
                    .unwrap_or_default()
            });
            let e = groups.entry((b_start, b_end, dims, tag_value)).or_insert((
                Decimal::ZERO,
                Decimal::ZERO,
                i,
            ));
            e.0 += amount;
            e.1 += q;
        }
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    let priced = group_by.iter().any(|g| g == "skuPartNumber");
    groups
        .into_iter()
        .map(|((s, e, dims, tag_value), (amount, qty, i))| {
            let r = &spec.resources[i];
            let mut item = serde_json::Map::new();
            for (k, v) in [
                "tenantId",
                "tenantName",
                "compartmentId",
                "compartmentPath",
                "compartmentName",
                "service",
                "resourceName",
                "resourceId",
                "region",
                "ad",
                "weight",
                "shape",
                "skuPartNumber",
                "skuName",
                "unit",
                "discount",
                "listRate",
                "platform",
            ]
            .iter()
            .map(|k| (*k, Value::Null))
            {
                item.insert(k.to_string(), v);
            }
            for ((name, _), v) in DIMS.iter().zip(dims) {
                if let Some(v) = v {
                    item.insert((*name).to_string(), Value::String(v));
                }
            }
            item.insert(
                "timeUsageStarted".into(),
                json!(format!("{}T00:00:00.000Z", s)),
            );
            item.insert(
                "timeUsageEnded".into(),
                json!(format!("{}T00:00:00.000Z", e)),
            );
            // Numbers are written from their exact decimal text.
            item.insert("computedAmount".into(), number(amount));
            item.insert("computedQuantity".into(), number(qty));
            item.insert("attributedCost".into(), Value::Null);
            item.insert("attributedUsage".into(), Value::Null);
            item.insert("overagesFlag".into(), json!("N"));
            if priced {
                item.insert("unitPrice".into(), number(r.unit_price));
                item.insert("listRate".into(), number(r.list_rate));
            } else {
                item.insert("unitPrice".into(), Value::Null);
            }
            item.insert("currency".into(), json!(spec.currency.as_str()));
            item.insert("subscriptionId".into(), Value::Null);
            item.insert("overage".into(), Value::Null);
            item.insert("isForecast".into(), json!(false));
            let tags = match (tag, tag_value) {
                (Some((ns, key)), Some(v)) => json!([{"namespace": ns, "key": key, "value": v}]),
                _ => json!([{"namespace": null, "key": null, "value": null}]),
            };
            item.insert("tags".into(), tags);
            Value::Object(item)
        })
        .collect()
}

/// A JSON number with the text of `d`. `serde_json::Number` holds an f64 here, which
/// prints the same decimal text for the ≤ 15 significant digits the emulator produces
/// (2-decimal quantities × 4-decimal prices); the client side never goes through f64.
fn number(d: Decimal) -> Value {
    let text = d.normalize().to_string();
    serde_json::from_str::<serde_json::Number>(&text)
        .map(Value::Number)
        .unwrap_or(Value::String(text))
}
