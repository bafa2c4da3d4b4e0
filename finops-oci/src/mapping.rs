//! Usage API summaries → FOCUS 1.2 records, and the billing-period rule.
//!
//! **Billing period.** OCI invoices per calendar month in UTC and the Usage API's times are
//! UTC, so a record's BillingPeriod is the whole UTC calendar month of its ChargePeriodStart
//! ([`billing_period`]) — also for the current month, whose BillingPeriodEnd is the first
//! day of the next month, never the as-of date. The contract report's months
//! (`report::MonthRow`) are the same UTC months, so per billing period and currency
//! the FOCUS BilledCost total equals the report's monthly consumption exactly.

use crate::error::OciError;
use crate::model::UsageItem;
use chrono::{DateTime, NaiveDate, Utc};
use finops_core::focus::{ChargeCategory, ServiceCategory, format_focus_decimal};
use finops_core::source::CostQuery;
use finops_core::{CostRecord, Currency, Period, Result, Tags};
use futures::StreamExt;
use futures::stream::BoxStream;
use rust_decimal::Decimal;

/// `ProviderName`, `PublisherName` and `InvoiceIssuerName` of OCI records.
pub const PROVIDER_NAME: &str = "Oracle";

/// FOCUS ServiceCategory and ServiceSubcategory of an OCI service name (`COMPUTE`,
/// `Block Storage`, ...; case, spaces and underscores ignored). Unknown services are
/// `Other` / `Other (Other)`.
pub fn service_category(service: &str) -> (ServiceCategory, &'static str) {
    let key: String = service
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    match key.as_str() {
        "COMPUTE" | "BAREMETAL" => (ServiceCategory::Compute, "Virtual Machines"),
        "OKE" | "CONTAINERENGINE" | "CONTAINERINSTANCES" => {
            (ServiceCategory::Compute, "Containers")
        }
        "FUNCTIONS" => (ServiceCategory::Compute, "Serverless Compute"),
        "BLOCKSTORAGE" | "BLOCKVOLUME" => (ServiceCategory::Storage, "Block Storage"),
        "OBJECTSTORAGE" => (ServiceCategory::Storage, "Object Storage"),
        "FILESTORAGE" => (ServiceCategory::Storage, "File Storage"),
        "ARCHIVESTORAGE" => (ServiceCategory::Storage, "Archive Storage"),
        "DATABASE" | "AUTONOMOUSDATABASE" | "MYSQL" | "MYSQLHEATWAVE" | "POSTGRESQL" => {
            (ServiceCategory::Databases, "Relational Databases")
        }
        "NOSQL" => (ServiceCategory::Databases, "NoSQL Databases"),
        "NETWORK" | "NETWORKING" | "VIRTUALCLOUDNETWORK" | "FASTCONNECT" | "VPN" => {
            (ServiceCategory::Networking, "Network Infrastructure")
        }
        "LOADBALANCER" | "NETWORKLOADBALANCER" => {
            (ServiceCategory::Networking, "Application Networking")
        }
        "DNS" => (ServiceCategory::Networking, "Network Routing"),
        "TELEMETRY" | "MONITORING" | "LOGGING" | "LOGANALYTICS" | "APM" => {
            (ServiceCategory::ManagementAndGovernance, "Observability")
        }
        "ANALYTICS" | "DATAFLOW" | "DATAINTEGRATION" => {
            (ServiceCategory::Analytics, "Other (Analytics)")
        }
        "VAULT" | "KEYMANAGEMENT" | "CLOUDGUARD" | "WAF" => {
            (ServiceCategory::Security, "Other (Security)")
        }
        _ => (ServiceCategory::Other, "Other (Other)"),
    }
}

/// Map one usage summary of tenancy `tenancy` to a FOCUS 1.2 record. `fallback_currency`
/// applies when the item has none (it only lacks one when not grouped by currency).
///
/// BilledCost = EffectiveCost = ContractedCost = `computedAmount` (a null amount counts as 0);
/// ListCost = `listRate × computedQuantity` when the list rate is known. Quantities, units,
/// SKU (`skuPartNumber`), region, compartment (SubAccount), resource and tags are carried
/// over; OCI-only fields become `x_` columns.
pub fn to_cost_record(
    item: &UsageItem,
    tenancy: &str,
    fallback_currency: Currency,
) -> Result<CostRecord> {
    to_cost_record_named(item, tenancy, None, fallback_currency)
}

/// [`to_cost_record`] with a BillingAccountName for items that carry no `tenantName` (the
/// client's display name).
pub fn to_cost_record_named(
    item: &UsageItem,
    tenancy: &str,
    account_name: Option<&str>,
    fallback_currency: Currency,
) -> Result<CostRecord> {
    let invalid = |m: String| finops_core::Error::from(OciError::usage_reply(m));
    let (Some(start), Some(end)) = (item.time_usage_started, item.time_usage_ended) else {
        return Err(invalid(
            "an item has no timeUsageStarted/timeUsageEnded".into(),
        ));
    };
    let charge_period = Period::new(start, end).map_err(|e| invalid(e.to_string()))?;
    let billing_period = billing_period(start);
    let currency = match item.currency.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => Currency::new(c.trim()).map_err(|e| invalid(format!("currency: {e}")))?,
        None => fallback_currency,
    };
    let service = item
        .service
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Oracle Cloud Infrastructure".to_string());
    let (category, subcategory) = service_category(&service);
    let amount = item.computed_amount.unwrap_or(Decimal::ZERO);
    let mut r = CostRecord::new(
        PROVIDER_NAME,
        item.tenant_id
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| tenancy.to_string()),
        currency,
        billing_period,
        charge_period,
        ChargeCategory::Usage,
        service,
        category,
        amount,
    );
    let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    r.service_subcategory = Some(subcategory.to_string());
    r.billing_account_name = non_empty(&item.tenant_name)
        .or_else(|| account_name.map(str::to_string))
        .or_else(|| Some(r.billing_account_id.clone()));
    r.billing_account_type = Some("Tenancy".into());
    r.sub_account_id =
        non_empty(&item.compartment_id).or_else(|| non_empty(&item.compartment_name));
    r.sub_account_name = non_empty(&item.compartment_name);
    if r.sub_account_id.is_some() {
        r.sub_account_type = Some("Compartment".into());
    }
    r.resource_id = non_empty(&item.resource_id);
    // The OCID's resource type segment: `ocid1.instance.oc1..x` → `instance`.
    r.resource_type = r
        .resource_id
        .as_deref()
        .and_then(|id| id.split('.').nth(1))
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    r.resource_name = non_empty(&item.resource_name).or_else(|| r.resource_id.clone());
    r.region_id = non_empty(&item.region);
    r.region_name = r.region_id.clone();
    r.availability_zone = non_empty(&item.ad);
    r.sku_id = non_empty(&item.sku_part_number);
    r.sku_price_id = r.sku_id.clone();
    r.charge_description = non_empty(&item.sku_name);
    // The Usage API exposes no invoice number; OCI invoices a subscription (or tenancy) per
    // month, so InvoiceId is that grouping key (documented in the README), which FOCUS 1.2
    // validators require to be non-null.
    r.invoice_id = Some(format!(
        "{}-{}",
        non_empty(&item.subscription_id).unwrap_or_else(|| r.billing_account_id.clone()),
        billing_period.start.format("%Y-%m")
    ));
    r.sku_meter = non_empty(&item.sku_name).or_else(|| non_empty(&item.unit));
    // OCI prices and bills in one currency.
    r.pricing_currency = Some(r.billing_currency.to_string());
    r.pricing_currency_effective_cost = Some(r.effective_cost);
    if let Some(q) = item.computed_quantity {
        r.consumed_quantity = Some(q);
        r.pricing_quantity = Some(q);
        let unit = non_empty(&item.unit);
        r.consumed_unit = unit.clone();
        r.pricing_unit = unit;
        if let Some(rate) = item.list_rate {
            r.list_unit_price = Some(rate);
            r.pricing_currency_list_unit_price = Some(rate);
            r.list_cost = rate.checked_mul(q).ok_or_else(|| {
                invalid(format!(
                    "listRate {rate} × computedQuantity {q} does not fit a decimal"
                ))
            })?;
        }
        if let Some(price) = item.unit_price {
            r.contracted_unit_price = Some(price);
            r.pricing_currency_contracted_unit_price = Some(price);
        }
    }
    if !item.tags.is_empty() {
        let mut tags = Tags::new();
        for t in &item.tags {
            if let Some(k) = t.key.as_deref() {
                let key = match t.namespace.as_deref().filter(|n| !n.is_empty()) {
                    Some(ns) => format!("{ns}.{k}"),
                    None => k.to_string(),
                };
                match t.value.as_deref() {
                    Some(v) => tags.insert(key, v),
                    None => tags.insert_flag(key),
                }
            }
        }
        r.tags = Some(tags);
    }
    let ext = [
        ("x_OverageFlag", non_empty(&item.overages_flag)),
        ("x_Overage", non_empty(&item.overage)),
        ("x_CompartmentName", non_empty(&item.compartment_name)),
        ("x_CompartmentPath", non_empty(&item.compartment_path)),
        ("x_SubscriptionId", non_empty(&item.subscription_id)),
        ("x_Shape", non_empty(&item.shape)),
        ("x_Platform", non_empty(&item.platform)),
        (
            "x_AttributedCost",
            item.attributed_cost.map(format_focus_decimal),
        ),
        (
            "x_AttributedUsage",
            item.attributed_usage.map(format_focus_decimal),
        ),
        ("x_Discount", item.discount.map(format_focus_decimal)),
        ("x_IsForecast", item.is_forecast.then(|| "true".to_string())),
    ];
    for (name, value) in ext {
        r.extensions.set(name, value);
    }
    Ok(r)
}

/// The UTC day of an item (its `timeUsageStarted`).
pub fn item_day(item: &UsageItem) -> Option<NaiveDate> {
    item.time_usage_started.map(|t| t.date_naive())
}

/// The billing period of a charge starting at `charge_start`: the whole UTC calendar month
/// that contains it (OCI bills per calendar month in UTC; see the module docs).
pub fn billing_period(charge_start: DateTime<Utc>) -> Period {
    Period::month_of(charge_start.date_naive())
}

/// The currency an item names: `None` when OCI left it blank (`" "` or null, as it does on
/// some items of grouped queries: oci-python-sdk #380, #771); an error naming the value when
/// it is not an ISO 4217 code.
pub fn named_currency(item: &UsageItem) -> Result<Option<Currency>> {
    match item.currency.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => Currency::new(code)
            .map(Some)
            .map_err(|e| OciError::usage_reply(format!("currency {code:?}: {e}")).into()),
        _ => Ok(None),
    }
}

/// Items per batch of [`cost_records`].
pub const CURRENCY_BATCH: usize = 4096;

/// The FOCUS records of a stream of usage items of tenancy `tenancy` (the client's display
/// name `account_name` for items without `tenantName`), forecasts dropped, filtered by
/// `query`.
///
/// In batches of up to [`CURRENCY_BATCH`] items, so that items whose currency OCI leaves blank
/// take the currency another item of the tenancy names (in the batch or before it: one
/// tenancy is billed in one currency) instead of being labelled USD. USD only when no item
/// so far names one. Memory is bounded by the batch.
pub fn cost_records(
    items: BoxStream<'static, Result<UsageItem>>,
    tenancy: String,
    account_name: String,
    query: CostQuery,
) -> BoxStream<'static, Result<CostRecord>> {
    let mut known: Option<Currency> = None;
    items
        .chunks(CURRENCY_BATCH)
        .flat_map(move |batch| {
            let named = batch
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .find_map(|it| named_currency(it).ok().flatten());
            known = known.or(named);
            let fallback = known.unwrap_or(Currency::USD);
            let out: Vec<Result<CostRecord>> = batch
                .into_iter()
                .filter_map(|item| match item {
                    Err(e) => Some(Err(e)),
                    Ok(it) if it.is_forecast => None,
                    Ok(it) => {
                        match to_cost_record_named(&it, &tenancy, Some(&account_name), fallback) {
                            Ok(r) if query.matches(&r) => Some(Ok(r)),
                            Ok(_) => None,
                            Err(e) => Some(Err(e)),
                        }
                    }
                })
                .collect();
            futures::stream::iter(out)
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TagRef, day_start};
    use finops_core::focus::check::{CheckOptions, check_record};

    #[test]
    fn maps_an_item_to_a_valid_focus_record() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let item = UsageItem {
            compartment_id: Some("ocid1.compartment.oc1..aaaa".into()),
            compartment_name: Some("finops-dev".into()),
            service: Some("BLOCK_STORAGE".into()),
            resource_id: Some("ocid1.volume.oc1..x".into()),
            region: Some("sa-saopaulo-1".into()),
            sku_part_number: Some("B91961".into()),
            sku_name: Some("Block Volume - Storage".into()),
            unit: Some("GB Months".into()),
            currency: Some("BRL".into()),
            computed_amount: Some(Decimal::new(1234, 2)),
            computed_quantity: Some(Decimal::new(100, 0)),
            unit_price: Some(Decimal::new(1234, 4)),
            list_rate: Some(Decimal::new(1500, 4)),
            overages_flag: Some("N".into()),
            time_usage_started: Some(day_start(d)),
            time_usage_ended: Some(day_start(d.succ_opt().unwrap())),
            tags: vec![TagRef {
                namespace: Some("Finance".into()),
                key: Some("CostCenter".into()),
                value: Some("42".into()),
            }],
            ..Default::default()
        };
        let r = to_cost_record(&item, "ocid1.tenancy.oc1..t", Currency::USD).unwrap();
        assert!(check_record(&r, &CheckOptions::default()).is_empty());
        assert_eq!(r.provider_name, "Oracle");
        assert_eq!(r.invoice_issuer_name, "Oracle");
        assert_eq!(r.billing_account_id, "ocid1.tenancy.oc1..t");
        assert_eq!(r.billed_cost, Decimal::new(1234, 2));
        assert_eq!(r.list_cost, Decimal::new(1500, 2));
        assert_eq!(r.service_category, ServiceCategory::Storage);
        assert_eq!(r.billing_currency.as_str(), "BRL");
        assert_eq!(r.billing_period, Period::month_of(d));
        assert_eq!(r.sub_account_name.as_deref(), Some("finops-dev"));
        assert_eq!(r.sku_id.as_deref(), Some("B91961"));
        assert_eq!(r.extensions.get("x_OverageFlag"), Some("N"));
        assert_eq!(
            r.tags.unwrap().get("Finance.CostCenter").as_deref(),
            Some("42")
        );
        let mut bad = item.clone();
        bad.time_usage_started = None;
        assert!(to_cost_record(&bad, "t", Currency::USD).is_err());
    }

    #[test]
    fn a_list_cost_that_overflows_is_an_error_not_a_panic() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let big = Decimal::from(10_000_000_000_000_000_i64);
        let item = UsageItem {
            computed_amount: Some(Decimal::ONE),
            computed_quantity: Some(big),
            list_rate: Some(big),
            time_usage_started: Some(day_start(d)),
            time_usage_ended: Some(day_start(d.succ_opt().unwrap())),
            ..Default::default()
        };
        let e = to_cost_record(&item, "ocid1.tenancy.oc1..t", Currency::USD).unwrap_err();
        assert!(e.to_string().contains("listRate"), "{e}");
    }

    /// OCI bills per UTC calendar month: the whole month, also for the current one, whatever
    /// the hour of the charge (an hourly item at 23:00 UTC on the last day stays in its month).
    #[test]
    fn billing_period_is_the_whole_utc_calendar_month() {
        use chrono::TimeZone;
        let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        let nov = billing_period(at(2026, 11, 21, 0));
        assert_eq!(
            (nov.start, nov.end),
            (at(2026, 11, 1, 0), at(2026, 12, 1, 0))
        );
        assert_eq!(billing_period(at(2026, 11, 30, 23)), nov);
        assert_eq!(billing_period(at(2026, 11, 1, 0)), nov);
        let dec = billing_period(at(2026, 12, 31, 23));
        assert_eq!(
            (dec.start, dec.end),
            (at(2026, 12, 1, 0), at(2027, 1, 1, 0))
        );
        let feb = billing_period(at(2028, 2, 29, 12));
        assert_eq!(feb.end, at(2028, 3, 1, 0));
        // A record of the current month carries the month's end, not an as-of date.
        let d = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let item = UsageItem {
            computed_amount: Some(Decimal::ONE),
            currency: Some("BRL".into()),
            time_usage_started: Some(day_start(d)),
            time_usage_ended: Some(day_start(d.succ_opt().unwrap())),
            ..Default::default()
        };
        let r = to_cost_record(&item, "ocid1.tenancy.oc1..t", Currency::USD).unwrap();
        assert_eq!(r.billing_period, nov);
        assert_eq!(
            r.invoice_id.as_deref(),
            Some("ocid1.tenancy.oc1..t-2026-11")
        );
    }

    #[test]
    fn named_currencies() {
        let mut item = UsageItem {
            currency: Some(" ".into()),
            ..Default::default()
        };
        assert_eq!(named_currency(&item).unwrap(), None);
        item.currency = None;
        assert_eq!(named_currency(&item).unwrap(), None);
        item.currency = Some(" BRL ".into());
        assert_eq!(
            named_currency(&item).unwrap(),
            Some(Currency::new("BRL").unwrap())
        );
        item.currency = Some("reais".into());
        let e = named_currency(&item).unwrap_err().to_string();
        assert!(
            e.contains("currency \"reais\"") && e.contains("/usage"),
            "{e}"
        );
    }

    #[test]
    fn service_table() {
        assert_eq!(service_category("COMPUTE").0, ServiceCategory::Compute);
        assert_eq!(
            service_category("Block Storage").0,
            ServiceCategory::Storage
        );
        assert_eq!(service_category("whatever").0, ServiceCategory::Other);
    }
}
