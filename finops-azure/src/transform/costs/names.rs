//! Rules 18, 33 and 54 (part): the provider's name inferred from provider-specific columns, the
//! capacity reservation status, and the final fills of InvoiceId, SkuMeter and
//! ContractedUnitPrice from the `x_` columns older exports carry.

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

/// Rule 54 (the column fills; `x_SourceValues` is not kept): InvoiceId ← x_InvoiceId,
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
