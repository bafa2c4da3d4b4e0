//! Rules 18, 31, 33 and 54: the provider's name inferred from provider-specific columns, the
//! 1.0-preview ChargeSubcategory mapped, the
//! capacity reservation status, the final fills of InvoiceId, SkuMeter and ContractedUnitPrice
//! from the `x_` columns older exports carry, and `x_SourceValues`.

use super::*;
use finops_core::focus::CapacityReservationStatus;

fn ext_set(r: &CostRecord, name: &str) -> bool {
    r.extensions.get(name).is_some_and(|v| !v.trim().is_empty())
}

/// Rule 18: an empty ProviderName is inferred: `AWS` when any of x_CostCategories, x_Discount,
/// x_Operation, x_ServiceCode, x_UsageType is set; `GCP` when any of UsageAmount, x_Cost,
/// x_Credits, x_CostType, x_CurrencyConversionRate, x_ExportTime, x_Project, x_ServiceId is set;
/// `Microsoft` when x_BillingProfileId or x_InvoiceSectionId is set (`ProviderNameInferred`).
/// Runs after the flags, so rule 11 still reports the missing name.
pub fn r18_provider_name(r: &mut CostRecord) -> bool {
    if !r.provider_name.trim().is_empty() {
        return false;
    }
    const AWS: [&str; 5] = [
        "x_CostCategories",
        "x_Discount",
        "x_Operation",
        "x_ServiceCode",
        "x_UsageType",
    ];
    const GCP: [&str; 8] = [
        "UsageAmount",
        "x_Cost",
        "x_Credits",
        "x_CostType",
        "x_CurrencyConversionRate",
        "x_ExportTime",
        "x_Project",
        "x_ServiceId",
    ];
    const MICROSOFT: [&str; 2] = ["x_BillingProfileId", "x_InvoiceSectionId"];
    let name = if AWS.iter().any(|c| ext_set(r, c)) {
        "AWS"
    } else if GCP.iter().any(|c| ext_set(r, c)) {
        "GCP"
    } else if MICROSOFT.iter().any(|c| ext_set(r, c)) {
        "Microsoft"
    } else {
        return false;
    };
    r.provider_name = name.into();
    true
}

/// Rule 31: the 1.0-preview `ChargeSubcategory` (kept as an extension by the FOCUS reader)
/// mapped to FOCUS 1.2: `Credit` → ChargeCategory `Credit`; `Refund` → ChargeCategory
/// `Purchase` and ChargeClass `Correction`; `Used Commitment` / `Unused Commitment` →
/// CommitmentDiscountStatus `Used` / `Unused` when the row has none
/// (`ChargeSubcategoryMapped`). The reader already does most of it for any provider; the
/// refund's category is hubs' own choice for Azure data. Rule 40 (`On-Demand` → `Standard`,
/// `Commitment-Based` → `Committed`) is done when the value is read
/// ([`finops_core::focus::PricingCategory::parse`]).
pub fn r31_charge_subcategory(r: &mut CostRecord) -> bool {
    let Some(sub) = r.extensions.get("ChargeSubcategory").map(str::trim) else {
        return false;
    };
    let mut changed = false;
    match sub {
        "Credit" if r.charge_category != ChargeCategory::Credit => {
            r.charge_category = ChargeCategory::Credit;
            changed = true;
        }
        "Refund" => {
            if r.charge_category != ChargeCategory::Purchase {
                r.charge_category = ChargeCategory::Purchase;
                changed = true;
            }
            if r.charge_class.is_none() {
                r.charge_class = Some(finops_core::focus::ChargeClass::Correction);
                changed = true;
            }
        }
        "Used Commitment" | "Unused Commitment" if r.commitment_discount_status.is_none() => {
            r.commitment_discount_status = Some(if sub.starts_with("Used") {
                CommitmentDiscountStatus::Used
            } else {
                CommitmentDiscountStatus::Unused
            });
            changed = true;
        }
        _ => {}
    }
    changed
}

/// The `x_ResourceType` of a capacity reservation itself (its unused capacity is billed on it).
const CAPACITY_RESERVATION_TYPE: &str =
    "microsoft.compute/capacityreservationgroups/capacityreservations";

/// Rule 33: CapacityReservationStatus: none without a CapacityReservationId; kept when set;
/// `Unused` on the capacity reservation resource itself; else `Used`
/// (`CapacityReservationStatusFilled`).
pub fn r33_capacity_reservation_status(r: &mut CostRecord) -> bool {
    if r.capacity_reservation_id
        .as_deref()
        .is_none_or(|id| id.trim().is_empty())
    {
        let changed = r.capacity_reservation_status.is_some();
        r.capacity_reservation_status = None;
        return changed;
    }
    if r.capacity_reservation_status.is_some() {
        return false;
    }
    let unused = r
        .extensions
        .get("x_ResourceType")
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(CAPACITY_RESERVATION_TYPE));
    r.capacity_reservation_status = Some(if unused {
        CapacityReservationStatus::Unused
    } else {
        CapacityReservationStatus::Used
    });
    true
}

/// Rule 54 (the column fills; `x_SourceValues` is [`r54_source_values`]): InvoiceId ← x_InvoiceId,
/// SkuMeter ← x_SkuMeterName, an empty ContractedUnitPrice ← x_OnDemandUnitPrice
/// (`FinalColumnsFilled`). ContractedCost is filled by rules 28 and 41.
pub fn r54_final_fills(r: &mut CostRecord) -> bool {
    let mut changed = false;
    let text = |r: &CostRecord, n: &str| {
        r.extensions
            .get(n)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if r.invoice_id.is_none()
        && let Some(v) = text(r, "x_InvoiceId")
    {
        r.invoice_id = Some(v);
        changed = true;
    }
    if r.sku_meter.is_none()
        && let Some(v) = text(r, "x_SkuMeterName")
    {
        r.sku_meter = Some(v);
        changed = true;
    }
    if r.contracted_unit_price.is_none()
        && let Some(v) = ext_dec(r, "x_OnDemandUnitPrice")
    {
        r.contracted_unit_price = Some(v);
        changed = true;
    }
    changed
}

/// Columns whose earlier values [`r54_source_values`] never records: the transform's own
/// bookkeeping.
const NOT_RECORDED: [&str; 3] = ["x_SourceChanges", "x_SourceValues", "x_IngestionTime"];

/// Rule 54, `x_SourceValues`: a JSON object with the value every column had in the export
/// (`before`, the row as read) for each column the transform changed — FOCUS columns and the
/// export's own `x_` columns; a column that was empty maps to `null`, and values are kept as
/// the text they were exported as (exact, no float). Hubs record a fixed list of 30 columns
/// whether they changed or not; recording only what changed keeps the column small and
/// answers "what did the transform do to this row" together with `x_SourceChanges`. A row
/// the transform left alone gets none. Returns whether it set the column.
pub fn r54_source_values(r: &mut CostRecord, before: &CostRecord) -> bool {
    use serde_json::Value;
    let mut out = finops_core::focus::JsonObject::new();
    let text = |v: Option<String>| v.map_or(Value::Null, Value::String);
    for c in finops_core::focus::Column::ALL {
        let old = before.get(c).to_text();
        if old != r.get(c).to_text() {
            out.insert(c.name().to_string(), text(old));
        }
    }
    for (name, old) in before.extensions.iter() {
        if NOT_RECORDED.contains(&name) || r.extensions.get(name) == old {
            continue;
        }
        out.insert(name.to_string(), text(old.map(str::to_string)));
    }
    if out.is_empty() {
        return false;
    }
    r.extensions
        .set("x_SourceValues", Some(Value::Object(out).to_string()));
    true
}
