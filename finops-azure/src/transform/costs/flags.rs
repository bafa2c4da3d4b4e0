//! Rules 2–20: flags on the raw values (each returns whether its `x_SourceChanges` code
//! applies) and the source columns.

use super::*;

/// Rule 2: a CD purchase must not be `Usage-Based` (`InvalidChargeFrequency`).
pub fn r02_invalid_charge_frequency(r: &mut CostRecord) -> bool {
    is_cd_purchase(r) && r.charge_frequency == Some(finops_core::focus::ChargeFrequency::UsageBased)
}

/// Rule 3: a CD purchase with EffectiveCost > 0 (`InvalidEffectiveCost`).
pub fn r03_invalid_effective_cost(r: &mut CostRecord) -> bool {
    is_cd_purchase(r) && r.effective_cost > Decimal::ZERO
}

/// Rule 4: ContractedCost 0 while EffectiveCost ≠ 0 (`MissingContractedCost`).
pub fn r04_missing_contracted_cost(r: &mut CostRecord) -> bool {
    r.contracted_cost.is_zero() && !r.effective_cost.is_zero()
}

/// Rule 5: ContractedUnitPrice empty/0 while x_EffectiveUnitPrice ≠ 0
/// (`MissingContractedUnitPrice`).
pub fn r05_missing_contracted_unit_price(r: &mut CostRecord) -> bool {
    zero_or_none(r.contracted_unit_price) && !zero_or_none(ext_dec(r, "x_EffectiveUnitPrice"))
}

/// Rule 6a: ListCost < ContractedCost (`ListCostLessThanContractedCost`).
pub fn r06_list_below_contracted(r: &mut CostRecord) -> bool {
    r.list_cost < r.contracted_cost
}

/// Rule 6b: ContractedCost < EffectiveCost (`ContractedCostLessThanEffectiveCost`).
pub fn r06_contracted_below_effective(r: &mut CostRecord) -> bool {
    r.contracted_cost < r.effective_cost
}

/// Rule 7: ListCost 0 while ContractedCost or EffectiveCost ≠ 0 (`MissingListCost`).
pub fn r07_missing_list_cost(r: &mut CostRecord) -> bool {
    r.list_cost.is_zero() && (!r.contracted_cost.is_zero() || !r.effective_cost.is_zero())
}

/// Rule 8: ListUnitPrice empty/0 while a contracted or effective unit price is set
/// (`MissingListUnitPrice`).
pub fn r08_missing_list_unit_price(r: &mut CostRecord) -> bool {
    zero_or_none(r.list_unit_price)
        && (!zero_or_none(r.contracted_unit_price)
            || !zero_or_none(ext_dec(r, "x_EffectiveUnitPrice")))
}

pub(super) fn near(a: Decimal, b: Decimal) -> bool {
    let d = (a - b).abs();
    d > Decimal::ZERO && d < Decimal::new(1, 4)
}

/// Rule 9: x_EffectiveUnitPrice within 0.0001 of x_BilledUnitPrice or ContractedUnitPrice
/// (`XEffectiveUnitPriceRoundingError`). **hubs bug, not copied:** hubs flag equal prices too;
/// we flag only 0 < difference < 0.0001.
pub fn r09_effective_price_rounding(r: &mut CostRecord) -> bool {
    let Some(eup) = ext_dec(r, "x_EffectiveUnitPrice").filter(|d| !d.is_zero()) else {
        return false;
    };
    let bup = ext_dec(r, "x_BilledUnitPrice").filter(|d| !d.is_zero());
    let cup = r.contracted_unit_price.filter(|d| !d.is_zero());
    bup.is_some_and(|b| near(eup, b)) || cup.is_some_and(|c| near(eup, c))
}

/// Rule 10a: ConsumedQuantity 0 with a cost (`MissingConsumedQuantity`).
pub fn r10_missing_consumed_quantity(r: &mut CostRecord) -> bool {
    r.consumed_quantity.is_some_and(|q| q.is_zero())
        && (!r.effective_cost.is_zero() || !r.billed_cost.is_zero())
}

/// Rule 10b: PricingQuantity 0 with a cost (`MissingPricingQuantity`).
pub fn r10_missing_pricing_quantity(r: &mut CostRecord) -> bool {
    r.pricing_quantity.is_some_and(|q| q.is_zero())
        && (!r.effective_cost.is_zero() || !r.billed_cost.is_zero())
}

/// Rule 11: ProviderName / PublisherName empty (`MissingProviderName` / `MissingPublisherName`).
/// Both flags are returned (several can apply).
pub fn r11_missing_names(r: &CostRecord) -> Vec<&'static str> {
    let mut out = Vec::new();
    if r.provider_name.trim().is_empty() {
        out.push("MissingProviderName");
    }
    if r.publisher_name.trim().is_empty() {
        out.push("MissingPublisherName");
    }
    out
}

/// Rule 12: a CD purchase without ResourceId / ResourceName / ResourceType / x_ResourceType
/// (`MissingResourceId` / `MissingResourceName` / `MissingResourceType` / `MissingXResourceType`),
/// tested on the raw values (rule 45 fills them later).
pub fn r12_purchase_missing_resource(r: &CostRecord) -> Vec<&'static str> {
    if !is_cd_purchase(r) {
        return Vec::new();
    }
    let empty = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    let mut out = Vec::new();
    if empty(&r.resource_id) {
        out.push("MissingResourceId");
    }
    if empty(&r.resource_name) {
        out.push("MissingResourceName");
    }
    if empty(&r.resource_type) {
        out.push("MissingResourceType");
    }
    if r.extensions
        .get("x_ResourceType")
        .is_none_or(|s| s.trim().is_empty())
    {
        out.push("MissingXResourceType");
    }
    out
}

/// Rule 13: BilledCost > 0 and x_BilledUnitPrice 0 (`MissingXBilledUnitPrice`).
pub fn r13_missing_billed_unit_price(r: &mut CostRecord) -> bool {
    r.billed_cost > Decimal::ZERO && ext_dec(r, "x_BilledUnitPrice").is_some_and(|b| b.is_zero())
}

/// Rule 14: PricingCategory Standard on a Usage row with a CommitmentDiscountId
/// (`PricingCategoryShouldBeCommitted`).
pub fn r14_pricing_category_committed(r: &mut CostRecord) -> bool {
    r.charge_category == ChargeCategory::Usage
        && r.commitment_discount_id.is_some()
        && r.pricing_category == Some(PricingCategory::Standard)
}

/// Rule 15: x_SkuTerm written `1Year`/`3Years`/`5Years` (`SkuTermShouldBeAnInteger`).
pub fn r15_sku_term_integer(r: &mut CostRecord) -> bool {
    matches!(
        r.extensions.get("x_SkuTerm"),
        Some("1Year" | "3Years" | "5Years")
    )
}

/// Rule 16: `UnknownFocusVersion` for an empty/unknown version, `LegacyFocusVersion` for the
/// 1.0-preview forms. **hubs bug, not copied:** hubs flag every version but exactly `1.0`
/// (1.0r2 and 1.2 included); only 1.0-preview is legacy here (GUESS at the intent). The
/// version is the manifest's `dataVersion`, not re-detected after fills (rule 17's bug).
pub fn r16_version_flag(version: &str) -> Option<&'static str> {
    match version {
        "1.0" | "1.0r2" | "1.2-preview" | "1.2" | "custom" => None,
        "1.0-preview" | "1.0-preview(v1)" => Some("LegacyFocusVersion"),
        _ => Some("UnknownFocusVersion"),
    }
}

/// The export versions the transform knows (`dataVersion` of FocusCost manifests, and
/// `custom` for other providers' FOCUS data).
pub const KNOWN_VERSIONS: [&str; 7] = [
    "1.0-preview",
    "1.0-preview(v1)",
    "1.0",
    "1.0r2",
    "1.2-preview",
    "1.2",
    "custom",
];

/// Rule 20 (and 17), the source version: the manifest's `dataVersion` when it is one of
/// [`KNOWN_VERSIONS`]; otherwise the version the file's own columns show (`detected`, from the
/// FOCUS reader's header, before any fill): 1.2 and later columns → `1.2`, 1.0 or 1.1 →
/// `1.0`, 1.0-preview → `1.0-preview`. Hubs detect the version on rows after filling
/// PricingCurrency, which makes Microsoft 1.0 rows read as 1.2-preview (azure.md rule 17);
/// detecting on the file's header cannot be fooled by a fill. A version neither known nor
/// detectable is returned unchanged (rule 16 flags it `UnknownFocusVersion`).
pub fn r20_source_version(
    data_version: &str,
    detected: Option<finops_core::focus::versions::FocusVersion>,
) -> String {
    use finops_core::focus::versions::FocusVersion;
    if KNOWN_VERSIONS.contains(&data_version) {
        return data_version.to_string();
    }
    match detected {
        Some(FocusVersion::V1_2 | FocusVersion::V1_3) => "1.2".into(),
        Some(FocusVersion::V1_0 | FocusVersion::V1_1) => "1.0".into(),
        Some(FocusVersion::V1_0Preview) => "1.0-preview".into(),
        _ => data_version.to_string(),
    }
}

/// Rule 19/20: x_SourceName, x_SourceProvider, x_SourceType, x_SourceVersion.
pub fn r19_source_columns(r: &mut CostRecord, version: &str) {
    let ms = r.extensions.get("x_BillingProfileId").is_some();
    if r.extensions.get("x_SourceName").is_none() {
        let v = if ms {
            "Cost Management".to_string()
        } else {
            r.provider_name.clone()
        };
        r.extensions.set("x_SourceName", Some(v));
    }
    if r.extensions.get("x_SourceProvider").is_none() {
        r.extensions
            .set("x_SourceProvider", Some(r.provider_name.clone()));
    }
    if r.extensions.get("x_SourceType").is_none() {
        r.extensions
            .set("x_SourceType", ms.then(|| "FocusCost".to_string()));
    }
    if r.extensions.get("x_SourceVersion").is_none() {
        r.extensions.set(
            "x_SourceVersion",
            (!version.is_empty()).then(|| version.to_string()),
        );
    }
}
