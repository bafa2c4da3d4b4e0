//! `Costs_transform_v1_2` (azure.md §10, AZ-08) on FOCUS records read from ingested FocusCost
//! files. [`transform_cost`] runs the rules in hubs' order; each rule is its own function,
//! returning `true` when it changed or flagged the row (its code then goes to
//! `x_SourceChanges`). Flags test the raw values, before any fill (rules 2–16).

use super::add_change;
use super::prices::{PriceKey, PriceSheet};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use finops_core::focus::{ChargeCategory, CommitmentDiscountStatus, PricingCategory};
use finops_core::{CostRecord, Decimal};

mod fills;
mod flags;
mod names;
mod sku;

pub use fills::*;
pub use flags::*;
pub use names::*;
pub use sku::*;

/// What the rules need besides the row.
#[derive(Debug, Clone)]
pub struct CostContext<'a> {
    /// Ingestion time (`x_IngestionTime`).
    pub ingested_at: DateTime<Utc>,
    /// The export's `dataVersion` (`1.0r2`, `1.2`, `custom`, ...), whitespace removed.
    pub data_version: &'a str,
    /// The month's price sheet (empty when none was ingested yet).
    pub prices: &'a PriceSheet,
}

fn ext_dec(r: &CostRecord, name: &str) -> Option<Decimal> {
    r.extensions
        .get(name)
        .and_then(|v| finops_core::money::parse_decimal(v.trim()).ok())
}

fn set_dec(r: &mut CostRecord, name: &str, v: Decimal) {
    r.extensions.set(name, Some(v.normalize().to_string()));
}

fn zero_or_none(v: Option<Decimal>) -> bool {
    v.is_none_or(|d| d.is_zero())
}

/// A commitment-discount purchase: a Purchase row with a CommitmentDiscountId.
pub fn is_cd_purchase(r: &CostRecord) -> bool {
    r.charge_category == ChargeCategory::Purchase && r.commitment_discount_id.is_some()
}

fn is_microsoft(r: &CostRecord) -> bool {
    r.provider_name.eq_ignore_ascii_case("Microsoft")
}

/// A rule that changes or flags a record in place.
type Rule = fn(&mut CostRecord) -> bool;

/// Run every rule on one record, in hubs' order.
pub fn transform_cost(r: &mut CostRecord, ctx: &CostContext<'_>) {
    // The row as exported, for x_SourceValues (rule 54).
    let before = r.clone();
    r.extensions.set(
        "x_IngestionTime",
        Some(ctx.ingested_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    // Flags on raw values (2–16).
    let flags: [(Rule, &str); 12] = [
        (r02_invalid_charge_frequency, "InvalidChargeFrequency"),
        (r03_invalid_effective_cost, "InvalidEffectiveCost"),
        (r04_missing_contracted_cost, "MissingContractedCost"),
        (
            r05_missing_contracted_unit_price,
            "MissingContractedUnitPrice",
        ),
        (r06_list_below_contracted, "ListCostLessThanContractedCost"),
        (
            r06_contracted_below_effective,
            "ContractedCostLessThanEffectiveCost",
        ),
        (r07_missing_list_cost, "MissingListCost"),
        (r08_missing_list_unit_price, "MissingListUnitPrice"),
        (
            r09_effective_price_rounding,
            "XEffectiveUnitPriceRoundingError",
        ),
        (r10_missing_consumed_quantity, "MissingConsumedQuantity"),
        (r10_missing_pricing_quantity, "MissingPricingQuantity"),
        (r13_missing_billed_unit_price, "MissingXBilledUnitPrice"),
    ];
    for (f, code) in flags {
        if f(r) {
            add_change(r, code);
        }
    }
    for (f, code) in [
        (
            r14_pricing_category_committed as fn(&mut CostRecord) -> bool,
            "PricingCategoryShouldBeCommitted",
        ),
        (r15_sku_term_integer, "SkuTermShouldBeAnInteger"),
    ] {
        if f(r) {
            add_change(r, code);
        }
    }
    for code in r11_missing_names(r)
        .into_iter()
        .chain(r12_purchase_missing_resource(r))
    {
        add_change(r, code);
    }
    if let Some(code) = r16_version_flag(ctx.data_version) {
        add_change(r, code);
    }
    if r18_provider_name(r) {
        add_change(r, "ProviderNameInferred");
    }
    r19_source_columns(r, ctx.data_version);
    if r31_charge_subcategory(r) {
        add_change(r, "ChargeSubcategoryMapped");
    }
    // SKU details parsed once (30); capacity reservation id (32) before its status (33).
    let (sku, invalid_sku) = r30_sku_details(r);
    if invalid_sku {
        add_change(r, "InvalidSkuDetails");
    }
    let sku = sku.as_ref();
    if r32_capacity_reservation_id(r, sku) {
        add_change(r, "CapacityReservationIdFilled");
    }
    if r35_normalized_ratio(r, sku) {
        add_change(r, "NormalizedRatioFilled");
    }
    // Fills (21–29).
    for (f, code) in [
        (
            r21_pricing_quantity as fn(&mut CostRecord) -> bool,
            "PricingQuantityComputed",
        ),
        (r22_consumed_quantity, "ConsumedQuantityComputed"),
    ] {
        if f(r) {
            add_change(r, code);
        }
    }
    if r34_purchase_frequency(r, ctx.data_version) {
        add_change(r, "ChargeFrequencyCorrected");
    }
    for code in r23_unit_prices(r, ctx.prices) {
        add_change(r, code);
    }
    for (f, code) in [
        (
            r25_round_effective_price as fn(&mut CostRecord) -> bool,
            "XEffectiveUnitPriceRounded",
        ),
        (r28_contracted_cost, "ContractedCostFilled"),
        (r29_list_cost, "ListCostFilled"),
        (r36_commitment_quantity, "CommitmentDiscountQuantityFilled"),
        (r37_commitment_unit, "CommitmentDiscountUnitFilled"),
        (
            r38_commitment_utilization,
            "CommitmentDiscountUtilizationFilled",
        ),
        (r41_contracted_cost_fix, "ContractedCostCorrected"),
        (r43_lower_ids, "LowerCasedIds"),
        (r44_purchase_effective_cost, "PurchaseEffectiveCostZeroed"),
        (r42_consumed_only_on_usage, "ConsumedQuantityNulled"),
        (r45_resource_name, "ResourceNameNormalized"),
        (r39_amortization_class, "AmortizationClassFilled"),
        (r46_resource_type, "ResourceTypeFilled"),
        (r47_publisher, "PublisherNameNormalized"),
        (r48_region, "RegionFilled"),
    ] {
        if f(r) {
            add_change(r, code);
        }
    }
    // SKU columns (49) before SkuPriceDetails (50) and licences (51), which use them.
    for (f, code) in [
        (
            r49_sku_columns as fn(&mut CostRecord, Option<&finops_core::focus::JsonObject>) -> bool,
            "SkuColumnsFilled",
        ),
        (r50_sku_price_details, "SkuPriceDetailsFilled"),
        (r51_license, "LicenseColumnsFilled"),
    ] {
        if f(r, sku) {
            add_change(r, code);
        }
    }
    for (f, code) in [
        (
            r33_capacity_reservation_status as fn(&mut CostRecord) -> bool,
            "CapacityReservationStatusFilled",
        ),
        (r53_billing_period, "BillingPeriodAligned"),
        (r54_final_fills, "FinalColumnsFilled"),
        (r55_placeholders, "PlaceholdersRemoved"),
        (service_subcategory, "ServiceSubcategoryFilled"),
        (pricing_currency_columns, "PricingCurrencyColumnsFilled"),
    ] {
        if f(r) {
            add_change(r, code);
        }
    }
    r52_savings(r);
    r56_agreement(r);
    r54_source_values(r, &before);
}
