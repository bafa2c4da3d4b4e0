//! Rules 30, 32, 35, 37 and 49–51: what the SKU-details JSON (`x_SkuDetails`, Cost
//! Management's `AdditionalInfo`) and `SkuPriceDetails` tell about a row: the capacity
//! reservation, the reservation's normalization ratio, cores, instance type, operating system,
//! Azure Hybrid Benefit licences, and `SkuPriceDetails` itself when the export left it empty.
//!
//! [`sku_details`] parses `x_SkuDetails` once per row; every rule here takes the parsed object.
//! Values are read whether the JSON holds them as strings (`"VCPUs":"2"`, what Cost Management
//! writes) or as numbers.

use super::*;
use finops_core::focus::{CommitmentDiscountCategory, JsonObject};
use serde_json::Value;

/// The meter categories of virtual machines and their licences (rule 51).
const VM_CATEGORIES: [&str; 2] = ["Virtual Machines", "Virtual Machine Licenses"];

/// The meter subcategory of SQL Server's Azure Hybrid Benefit (rule 51).
const SQL_AHB_SUBCATEGORY: &str = "SQL Server Azure Hybrid Benefit";

/// Rule 30, `x_SkuDetails`: the parsed JSON object, or `None` when the column is empty. Text
/// that is not a JSON object is an error message for [`r30_sku_details`] to flag.
pub fn sku_details(r: &CostRecord) -> std::result::Result<Option<JsonObject>, String> {
    let Some(text) = r
        .extensions
        .get("x_SkuDetails")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => Ok(Some(o)),
        Ok(Value::Null) => Ok(None),
        Ok(other) => Err(format!("x_SkuDetails is JSON but not an object: {other}")),
        Err(e) => Err(format!("x_SkuDetails is not JSON: {e}")),
    }
}

/// Rule 30: `x_SkuDetails` parsed as JSON (SkuPriceDetails and Tags are parsed by the FOCUS
/// reader). A value that is not a JSON object is kept as exported, nothing is derived from it,
/// and the row is flagged `InvalidSkuDetails` (hubs keep such text silently). Returns the
/// parsed object and whether the row was flagged.
pub fn r30_sku_details(r: &CostRecord) -> (Option<JsonObject>, bool) {
    match sku_details(r) {
        Ok(o) => (o, false),
        Err(_) => (None, true),
    }
}

/// A key's value as trimmed text (strings as they are, numbers and booleans printed); `None`
/// when absent, null or empty.
fn text_of(o: Option<&JsonObject>, key: &str) -> Option<String> {
    let v = o?.get(key)?;
    let t = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!t.is_empty()).then_some(t)
}

/// The first of `keys` with a value.
fn first_text(o: Option<&JsonObject>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| text_of(o, k))
}

fn ext_text(r: &CostRecord, name: &str) -> Option<String> {
    r.extensions
        .get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Rule 32: an empty CapacityReservationId is taken from `x_SkuDetails.VMCapacityReservationId`,
/// else from SkuPriceDetails (`VMCapacityReservationId` or `x_VMCapacityReservationId`)
/// (`CapacityReservationIdFilled`). Runs before rule 33, which sets the status from it.
pub fn r32_capacity_reservation_id(r: &mut CostRecord, sku: Option<&JsonObject>) -> bool {
    if r.capacity_reservation_id
        .as_deref()
        .is_some_and(|v| !v.trim().is_empty())
    {
        return false;
    }
    let id = text_of(sku, "VMCapacityReservationId").or_else(|| {
        first_text(
            r.sku_price_details.as_ref(),
            &["VMCapacityReservationId", "x_VMCapacityReservationId"],
        )
    });
    match id {
        Some(id) => {
            r.capacity_reservation_id = Some(id);
            true
        }
        None => false,
    }
}

/// Rule 35: `x_CommitmentDiscountNormalizedRatio` on rows a commitment discount applies to
/// (CommitmentDiscountStatus set), when the export does not carry it: for a usage-based
/// (reservation) row with CommitmentDiscountQuantity and a non-zero PricingQuantity,
/// CommitmentDiscountQuantity ÷ (PricingQuantity ÷ block), the inverse of rule 36; otherwise
/// `RINormalizationRatio` from `x_SkuDetails`; otherwise 1 (`NormalizedRatioFilled`).
/// Spend-based (savings plan) rows have no normalization: 1. The ratio is not money; it is
/// rounded to 10 decimal places.
pub fn r35_normalized_ratio(r: &mut CostRecord, sku: Option<&JsonObject>) -> bool {
    const NAME: &str = "x_CommitmentDiscountNormalizedRatio";
    if r.commitment_discount_status.is_none() || ext_text(r, NAME).is_some() {
        return false;
    }
    let spend = r.commitment_discount_category == Some(CommitmentDiscountCategory::Spend);
    let block = ext_dec(r, "x_PricingBlockSize")
        .filter(|b| !b.is_zero())
        .unwrap_or(Decimal::ONE);
    let from_quantity = || {
        let q = r.commitment_discount_quantity?;
        let pq = r.pricing_quantity.filter(|p| !p.is_zero())?;
        q.checked_mul(block)?.checked_div(pq)
    };
    let from_sku = || {
        text_of(sku, "RINormalizationRatio")
            .and_then(|t| finops_core::money::parse_decimal(&t).ok())
            .filter(|d| d.is_sign_positive() && !d.is_zero())
    };
    let ratio = if spend {
        Decimal::ONE
    } else {
        from_quantity()
            .filter(|d| !d.is_zero())
            .or_else(from_sku)
            .unwrap_or(Decimal::ONE)
    };
    set_dec(r, NAME, ratio.round_dp(10));
    true
}

/// The ratio rule 35 set (1 when absent).
pub(super) fn normalized_ratio(r: &CostRecord) -> Decimal {
    ext_dec(r, "x_CommitmentDiscountNormalizedRatio")
        .filter(|d| !d.is_zero())
        .unwrap_or(Decimal::ONE)
}

/// Rule 37: an empty CommitmentDiscountUnit on a row a commitment discount applies to: spend-based
/// → PricingCurrency (else BillingCurrency); usage-based → ConsumedUnit when the normalization
/// ratio is 1, `Normalized {ConsumedUnit}` when it is above 1 (the quantity of rule 36 is then in
/// normalized units) (`CommitmentDiscountUnitFilled`).
pub fn r37_commitment_unit(r: &mut CostRecord) -> bool {
    if r.commitment_discount_status.is_none()
        || r.commitment_discount_unit
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty())
    {
        return false;
    }
    let unit = if r.commitment_discount_category == Some(CommitmentDiscountCategory::Spend) {
        Some(
            r.pricing_currency
                .clone()
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| r.billing_currency.to_string()),
        )
    } else {
        r.consumed_unit
            .clone()
            .or_else(|| r.pricing_unit.clone())
            .filter(|u| !u.trim().is_empty())
            .map(|u| {
                if normalized_ratio(r) > Decimal::ONE {
                    format!("Normalized {u}")
                } else {
                    u
                }
            })
    };
    match unit {
        Some(u) => {
            r.commitment_discount_unit = Some(u);
            true
        }
        None => false,
    }
}

/// Rule 49: `x_SkuCoreCount` (SkuPriceDetails `CoreCount`, else `x_SkuDetails` `CoreCount`,
/// `VCPUs`, `VCores` or `vCores`, a whole number), `x_SkuInstanceType` (SkuPriceDetails
/// `InstanceType`, else `x_SkuDetails` `InstanceType`, `ServiceType` or `ServerSku`),
/// `x_SkuOperatingSystem` (image `Canonical` → `Linux`; `Windows Server BYOL` image or a meter
/// subcategory ending in ` Series Windows` → `Windows Server`; else the image type or
/// SkuPriceDetails `OperatingSystem`) and `x_ConsumedCoreHours` (cores × ConsumedQuantity when
/// ConsumedUnit is hours) (`SkuColumnsFilled`). Columns the export already has are kept.
pub fn r49_sku_columns(r: &mut CostRecord, sku: Option<&JsonObject>) -> bool {
    // What SkuPriceDetails says, read before the row is changed.
    let spd = r.sku_price_details.as_ref();
    let (spd_cores, spd_instance, spd_os) = (
        text_of(spd, "CoreCount"),
        text_of(spd, "InstanceType"),
        text_of(spd, "OperatingSystem"),
    );
    let mut changed = false;
    let cores = ext_text(r, "x_SkuCoreCount")
        .or(spd_cores)
        .or_else(|| first_text(sku, &["CoreCount", "VCPUs", "VCores", "vCores"]))
        .and_then(|t| t.parse::<Decimal>().ok())
        .filter(|d| d.is_integer() && d.is_sign_positive() && !d.is_zero());
    if let Some(c) = cores
        && ext_text(r, "x_SkuCoreCount").is_none()
    {
        set_dec(r, "x_SkuCoreCount", c);
        changed = true;
    }
    if ext_text(r, "x_SkuInstanceType").is_none()
        && let Some(t) =
            spd_instance.or_else(|| first_text(sku, &["InstanceType", "ServiceType", "ServerSku"]))
    {
        r.extensions.set("x_SkuInstanceType", Some(t));
        changed = true;
    }
    if ext_text(r, "x_SkuOperatingSystem").is_none() {
        let image = text_of(sku, "ImageType");
        let subcategory = ext_text(r, "x_SkuMeterSubcategory").unwrap_or_default();
        let os = match image.as_deref() {
            Some(i) if i.eq_ignore_ascii_case("Canonical") => Some("Linux".to_string()),
            Some(i) if i.contains("Windows Server BYOL") => Some("Windows Server".to_string()),
            _ if subcategory.ends_with(" Series Windows") => Some("Windows Server".to_string()),
            Some(i) => Some(i.to_string()),
            None => spd_os,
        };
        if let Some(os) = os {
            r.extensions.set("x_SkuOperatingSystem", Some(os));
            changed = true;
        }
    }
    let hours = r
        .consumed_unit
        .as_deref()
        .is_some_and(|u| matches!(u.trim().to_ascii_lowercase().as_str(), "hours" | "hour"));
    if hours
        && ext_text(r, "x_ConsumedCoreHours").is_none()
        && let (Some(c), Some(q)) = (cores, r.consumed_quantity)
        && let Some(h) = c.checked_mul(q)
    {
        set_dec(r, "x_ConsumedCoreHours", h);
        changed = true;
    }
    changed
}

/// Rule 50: an empty SkuPriceDetails is built from `x_SkuDetails` (every key prefixed `x_`, as
/// FOCUS requires of keys it does not define) plus the FOCUS keys `CoreCount`, `InstanceType`
/// and `OperatingSystem` from rule 49 (`SkuPriceDetailsFilled`). Only on rows with a
/// SkuPriceId: FOCUS wants SkuPriceDetails null without one.
pub fn r50_sku_price_details(r: &mut CostRecord, sku: Option<&JsonObject>) -> bool {
    if r.sku_price_details.as_ref().is_some_and(|o| !o.is_empty())
        || r.sku_price_id
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
    {
        return false;
    }
    let mut out = JsonObject::new();
    for (k, v) in sku.into_iter().flatten() {
        if v.is_null() {
            continue;
        }
        let key = if k.starts_with("x_") {
            k.clone()
        } else {
            format!("x_{k}")
        };
        out.insert(key, v.clone());
    }
    if let Some(c) = ext_text(r, "x_SkuCoreCount").and_then(|t| t.parse::<u64>().ok()) {
        out.insert("CoreCount".into(), Value::from(c));
    }
    for (key, ext) in [
        ("InstanceType", "x_SkuInstanceType"),
        ("OperatingSystem", "x_SkuOperatingSystem"),
    ] {
        if let Some(v) = ext_text(r, ext) {
            out.insert(key.into(), Value::String(v));
        }
    }
    if out.is_empty() {
        return false;
    }
    r.sku_price_details = Some(out);
    true
}

/// Rule 51: Azure Hybrid Benefit on usage rows. `x_SkuLicenseType`: `Windows Server` for a
/// virtual machine (or VM licence) meter with a Windows subcategory or a `Windows Server BYOL`
/// image; `SQL Server` when `x_SkuDetails` has an `AHB` key or the subcategory is SQL Server's
/// hybrid benefit. `x_SkuLicenseStatus`: `Not Enabled` when Windows is billed with the VM or
/// `AHB` is false; `Enabled` for a BYOL image, `AHB` true or the SQL hybrid-benefit meter.
/// With a licence type and a core count: `x_SkuLicenseQuantity` = max(8, cores) (a licence
/// covers at least 8 cores) and `x_SkuLicenseUnit` = `Cores` (`LicenseColumnsFilled`).
/// Other rows get nothing.
pub fn r51_license(r: &mut CostRecord, sku: Option<&JsonObject>) -> bool {
    if r.charge_category != ChargeCategory::Usage
        || ext_text(r, "x_SkuLicenseType").is_some()
        || ext_text(r, "x_SkuLicenseStatus").is_some()
    {
        return false;
    }
    let category = ext_text(r, "x_SkuMeterCategory").unwrap_or_default();
    let subcategory = ext_text(r, "x_SkuMeterSubcategory").unwrap_or_default();
    let vm = VM_CATEGORIES
        .iter()
        .any(|c| c.eq_ignore_ascii_case(&category));
    let byol = text_of(sku, "ImageType").is_some_and(|i| i.contains("Windows Server BYOL"));
    let ahb = text_of(sku, "AHB").map(|v| v.to_ascii_lowercase());
    let sql_meter = subcategory.eq_ignore_ascii_case(SQL_AHB_SUBCATEGORY);
    let windows_billed = vm && subcategory.contains("Windows");
    let kind = if vm && (windows_billed || byol) {
        "Windows Server"
    } else if ahb.is_some() || sql_meter {
        "SQL Server"
    } else {
        return false;
    };
    let status = if windows_billed || ahb.as_deref() == Some("false") {
        Some("Not Enabled")
    } else if byol || ahb.as_deref() == Some("true") || sql_meter {
        Some("Enabled")
    } else {
        None
    };
    r.extensions.set("x_SkuLicenseType", Some(kind.into()));
    if let Some(s) = status {
        r.extensions.set("x_SkuLicenseStatus", Some(s.into()));
    }
    if let Some(c) = ext_dec(r, "x_SkuCoreCount") {
        set_dec(r, "x_SkuLicenseQuantity", c.max(Decimal::from(8)));
        r.extensions.set("x_SkuLicenseUnit", Some("Cores".into()));
    }
    true
}
