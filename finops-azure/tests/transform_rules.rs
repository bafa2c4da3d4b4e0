//! One before/after row test per cost-transform rule (azure.md §10), each with its
//! x_SourceChanges code where the rule has one.

use chrono::NaiveDate;
use finops_azure::transform::RawRow;
use finops_azure::transform::costs::*;
use finops_azure::transform::prices::{PriceKey, PriceSheet, transform_price_row};
use finops_core::focus::{
    ChargeCategory, ChargeFrequency, CommitmentDiscountStatus, PricingCategory, ServiceCategory,
};
use finops_core::{CostRecord, Currency, Decimal, Period};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn usage() -> CostRecord {
    let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let mut r = CostRecord::new(
        "Microsoft",
        "/providers/Microsoft.Billing/billingAccounts/8611537",
        Currency::new("EUR").unwrap(),
        Period::month_of(day),
        Period::day(day),
        ChargeCategory::Usage,
        "Virtual Machines",
        ServiceCategory::Compute,
        d("8.64"),
    );
    r.pricing_quantity = Some(d("100"));
    r.consumed_quantity = Some(d("100"));
    r.contracted_unit_price = Some(d("0.0864"));
    r.list_unit_price = Some(d("0.096"));
    r.list_cost = d("9.6");
    r.pricing_unit = Some("Hours".into());
    for (k, v) in [
        ("x_EffectiveUnitPrice", "0.0864"),
        ("x_BilledUnitPrice", "0.0864"),
        ("x_PricingBlockSize", "1"),
        ("x_BillingProfileId", "8611537"),
        ("x_BillingAccountId", "8611537"),
        ("x_SkuMeterId", "M1"),
        ("x_SkuOfferId", "MS-AZR-0017P"),
        ("x_BillingExchangeRate", "1"),
    ] {
        r.extensions.set(k, Some(v.into()));
    }
    r
}

fn purchase() -> CostRecord {
    let mut r = usage();
    r.charge_category = ChargeCategory::Purchase;
    r.charge_frequency = Some(ChargeFrequency::UsageBased);
    r.commitment_discount_id =
        Some("/providers/Microsoft.Capacity/reservationOrders/O/reservations/R".into());
    r.commitment_discount_name = Some("ri-1".into());
    r.commitment_discount_type = Some("Reservation".into());
    r
}

fn changes(r: &CostRecord) -> String {
    r.extensions
        .get("x_SourceChanges")
        .unwrap_or_default()
        .to_string()
}

fn run(mut r: CostRecord) -> CostRecord {
    let sheet = PriceSheet::new();
    let ctx = CostContext {
        ingested_at: "2026-04-02T06:00:00Z".parse().unwrap(),
        data_version: "1.0r2",
        prices: &sheet,
    };
    transform_cost(&mut r, &ctx);
    r
}

#[test]
fn r01_ingestion_time_and_clean_row_has_no_changes() {
    let r = run(usage());
    assert_eq!(
        r.extensions.get("x_IngestionTime"),
        Some("2026-04-02T06:00:00Z")
    );
    assert_eq!(
        changes(&r),
        "LowerCasedIds,ServiceSubcategoryFilled",
        "{}",
        changes(&r)
    );
}

#[test]
fn r02_r03_r44_r45_r46_purchase_rules() {
    let r = run(purchase());
    let c = changes(&r);
    for code in [
        "InvalidChargeFrequency",
        "InvalidEffectiveCost",
        "PurchaseEffectiveCostZeroed",
        "ResourceNameNormalized",
        "ResourceTypeFilled",
    ] {
        assert!(c.contains(code), "{code} missing in {c}");
    }
    assert_eq!(r.effective_cost, Decimal::ZERO);
    assert_eq!(r.billed_cost, d("8.64"), "BilledCost is never changed");
    assert_eq!(
        r.resource_id.as_deref(),
        Some("/providers/microsoft.capacity/reservationorders/o/reservations/r")
    );
    assert_eq!(r.resource_name.as_deref(), Some("ri-1"));
    assert_eq!(r.resource_type.as_deref(), Some("Reservation"));
    assert_eq!(
        r.extensions.get("x_TotalSavings"),
        Some("0"),
        "purchases get no savings"
    );
}

#[test]
fn r04_r28_missing_contracted_cost_is_flagged_then_filled() {
    let mut r = usage();
    r.contracted_cost = Decimal::ZERO;
    let r = run(r);
    assert!(
        changes(&r).contains("MissingContractedCost")
            && changes(&r).contains("ContractedCostFilled")
    );
    assert_eq!(r.contracted_cost, d("8.64"));
}

#[test]
fn r05_r08_r23_missing_unit_prices_from_effective() {
    let mut r = usage();
    r.contracted_unit_price = None;
    r.list_unit_price = None;
    let r = run(r);
    let c = changes(&r);
    for code in [
        "MissingContractedUnitPrice",
        "MissingListUnitPrice",
        "ContractedUnitPriceFromEffective",
        "ListUnitPriceFromContracted",
    ] {
        assert!(c.contains(code), "{code} missing in {c}");
    }
    assert_eq!(r.contracted_unit_price, Some(d("0.0864")));
    assert_eq!(r.list_unit_price, Some(d("0.0864")));
}

#[test]
fn r23_r24_unit_prices_from_the_price_sheet_need_meter_and_offer() {
    let mut sheet = PriceSheet::new();
    sheet.add(&transform_price_row(&RawRow::from_pairs([
        ("BillingAccountId", "8611537"),
        ("MeterId", "M1"),
        ("OfferId", "MS-AZR-0017P"),
        ("UnitOfMeasure", "1 Hour"),
        ("UnitPrice", "0.08"),
        ("MarketPrice", "0.1"),
        ("EffectiveStartDate", "2026-03-01"),
    ])));
    let ctx = CostContext {
        ingested_at: "2026-04-02T06:00:00Z".parse().unwrap(),
        data_version: "1.2",
        prices: &sheet,
    };
    let mut r = usage();
    r.contracted_unit_price = None;
    r.list_unit_price = None;
    transform_cost(&mut r, &ctx);
    assert!(changes(&r).contains("ContractedUnitPriceFromPriceSheet"));
    assert_eq!(r.contracted_unit_price, Some(d("0.08")));
    assert_eq!(r.list_unit_price, Some(d("0.1")));
    // No offer id on the row: no sheet lookup (hubs look up with the meter alone).
    let mut r = usage();
    r.contracted_unit_price = None;
    r.extensions.set("x_SkuOfferId", None);
    assert!(price_key(&r).is_none());
    transform_cost(&mut r, &ctx);
    assert!(changes(&r).contains("ContractedUnitPriceFromEffective"));
    // Only one price per key: the key type is a map, rows out = rows in.
    assert_eq!(sheet.len(), 1);
    assert!(
        sheet
            .get(&PriceKey {
                profile: "8611537".into(),
                year: 2026,
                month: 3,
                meter: "m1".into(),
                offer: "ms-azr-0017p".into()
            })
            .is_some()
    );
}

#[test]
fn r06_cost_order_checks() {
    let mut r = usage();
    r.list_cost = d("5");
    assert!(changes(&run(r)).contains("ListCostLessThanContractedCost"));
    let mut r = usage();
    r.effective_cost = d("9");
    assert!(changes(&run(r)).contains("ContractedCostLessThanEffectiveCost"));
}

#[test]
fn r07_r29_missing_list_cost() {
    let mut r = usage();
    r.list_cost = Decimal::ZERO;
    let r = run(r);
    assert!(changes(&r).contains("MissingListCost") && changes(&r).contains("ListCostFilled"));
    assert_eq!(r.list_cost, d("9.6"));
}

#[test]
fn r09_r25_rounding_only_when_different() {
    let mut r = usage();
    r.extensions
        .set("x_EffectiveUnitPrice", Some("0.08641".into()));
    let r = run(r);
    assert!(changes(&r).contains("XEffectiveUnitPriceRoundingError"));
    assert!(changes(&r).contains("XEffectiveUnitPriceRounded"));
    assert_eq!(r.extensions.get("x_EffectiveUnitPrice"), Some("0.0864"));
    // Equal prices are not a rounding error (hubs flag them).
    assert!(!changes(&run(usage())).contains("RoundingError"));
}

#[test]
fn r10_r21_r22_quantities() {
    let mut r = usage();
    r.pricing_quantity = Some(Decimal::ZERO);
    r.consumed_quantity = Some(Decimal::ZERO);
    let r = run(r);
    let c = changes(&r);
    for code in [
        "MissingConsumedQuantity",
        "MissingPricingQuantity",
        "PricingQuantityComputed",
        "ConsumedQuantityComputed",
    ] {
        assert!(c.contains(code), "{code} missing in {c}");
    }
    assert_eq!(r.pricing_quantity, Some(d("100")));
    assert_eq!(r.consumed_quantity, Some(d("100")));
}

#[test]
fn r13_r14_r15_flags() {
    let mut r = usage();
    r.extensions.set("x_BilledUnitPrice", Some("0".into()));
    assert!(changes(&run(r)).contains("MissingXBilledUnitPrice"));
    let mut r = usage();
    r.commitment_discount_id = Some("x".into());
    r.commitment_discount_status = Some(CommitmentDiscountStatus::Used);
    r.pricing_category = Some(PricingCategory::Standard);
    assert!(changes(&run(r)).contains("PricingCategoryShouldBeCommitted"));
    let mut r = usage();
    r.extensions.set("x_SkuTerm", Some("1Year".into()));
    assert!(changes(&run(r)).contains("SkuTermShouldBeAnInteger"));
}

#[test]
fn r16_version_flags_only_for_preview_and_unknown() {
    assert_eq!(r16_version_flag("1.0r2"), None);
    assert_eq!(r16_version_flag("1.2"), None);
    assert_eq!(
        r16_version_flag("1.0-preview(v1)"),
        Some("LegacyFocusVersion")
    );
    assert_eq!(r16_version_flag("1.3"), Some("UnknownFocusVersion"));
}

#[test]
fn r19_source_columns() {
    let r = run(usage());
    assert_eq!(r.extensions.get("x_SourceName"), Some("Cost Management"));
    assert_eq!(r.extensions.get("x_SourceProvider"), Some("Microsoft"));
    assert_eq!(r.extensions.get("x_SourceType"), Some("FocusCost"));
    assert_eq!(r.extensions.get("x_SourceVersion"), Some("1.0r2"));
}

#[test]
fn r36_commitment_quantity_and_r42_unused() {
    let mut r = usage();
    r.commitment_discount_id = Some("x".into());
    r.commitment_discount_status = Some(CommitmentDiscountStatus::Unused);
    r.pricing_category = Some(PricingCategory::Committed);
    r.consumed_unit = Some("Hours".into());
    let r = run(r);
    assert!(changes(&r).contains("CommitmentDiscountQuantityFilled"));
    assert_eq!(r.commitment_discount_quantity, Some(d("100")));
    assert_eq!(r.commitment_discount_unit.as_deref(), Some("Hours"));
    assert!(changes(&r).contains("ConsumedQuantityNulled"));
    assert_eq!(r.consumed_quantity, None);
}

#[test]
fn r41_contracted_cost_corrected() {
    let mut r = usage();
    r.contracted_cost = d("8.5");
    let r = run(r);
    assert!(changes(&r).contains("ContractedCostCorrected"));
    assert_eq!(r.contracted_cost, d("8.64"));
}

#[test]
fn r43_r45_r47_r48_r55_normalisation() {
    let mut r = usage();
    r.resource_id = Some(
        "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM-1"
            .into(),
    );
    r.resource_name = Some("VM-1".into());
    r.publisher_name = "Microsoft Corporation".into();
    r.region_name = Some("West Europe".into());
    r.sub_account_name = Some("orphan".into());
    r.extensions.set("x_InvoiceSectionId", Some("-2".into()));
    r.extensions
        .set("x_InvoiceSectionName", Some("Unassigned".into()));
    r.extensions.set("x_ResourceGroupName", Some("RG".into()));
    r.extensions.set(
        "x_ResourceType",
        Some("microsoft.compute/virtualmachines".into()),
    );
    let r = run(r);
    let c = changes(&r);
    for code in [
        "LowerCasedIds",
        "ResourceNameNormalized",
        "PublisherNameNormalized",
        "RegionFilled",
        "PlaceholdersRemoved",
        "ResourceTypeFilled",
    ] {
        assert!(c.contains(code), "{code} missing in {c}");
    }
    assert_eq!(
        r.billing_account_id,
        "/providers/microsoft.billing/billingaccounts/8611537"
    );
    assert_eq!(r.resource_name.as_deref(), Some("vm-1"));
    assert_eq!(r.resource_type.as_deref(), Some("Virtual machine"));
    assert_eq!(r.publisher_name, "Microsoft");
    assert_eq!(r.region_id.as_deref(), Some("westeurope"));
    assert_eq!(r.sub_account_name, None);
    assert_eq!(r.extensions.get("x_InvoiceSectionId"), None);
    assert_eq!(r.extensions.get("x_InvoiceSectionName"), None);
    assert_eq!(r.extensions.get("x_ResourceGroupName"), Some("rg"));
}

#[test]
fn r52_savings_keep_negative_values() {
    let mut r = usage();
    r.list_cost = d("8");
    r.contracted_cost = d("8.64");
    let r = run(r);
    assert_eq!(
        r.extensions.get("x_NegotiatedDiscountSavings"),
        Some("-0.64")
    );
    assert_eq!(r.extensions.get("x_TotalSavings"), Some("-0.64"));
    let ok = run(usage());
    assert_eq!(
        ok.extensions.get("x_NegotiatedDiscountSavings"),
        Some("0.96")
    );
    assert_eq!(ok.extensions.get("x_CommitmentDiscountSavings"), Some("0"));
}

#[test]
fn r53_billing_period_first_of_month() {
    let mut r = usage();
    r.billing_period.start = "2026-03-05T00:00:00Z".parse().unwrap();
    r.billing_period.end = "2026-04-04T00:00:00Z".parse().unwrap();
    let r = run(r);
    assert!(changes(&r).contains("BillingPeriodAligned"));
    assert_eq!(
        r.billing_period.start.to_rfc3339(),
        "2026-03-01T00:00:00+00:00"
    );
    assert_eq!(
        r.billing_period.end.to_rfc3339(),
        "2026-04-01T00:00:00+00:00"
    );
}

#[test]
fn r56_agreement_and_1_2_pricing_currency_columns() {
    let mut r = usage();
    r.pricing_currency = Some("EUR".into());
    let r = run(r);
    assert_eq!(r.extensions.get("x_BillingAccountAgreement"), Some("EA"));
    assert!(changes(&r).contains("PricingCurrencyColumnsFilled"));
    assert_eq!(r.pricing_currency_effective_cost, Some(d("8.64")));
    let mut m = usage();
    m.extensions.set("x_BillingProfileId", Some("P-1".into()));
    assert_eq!(
        run(m).extensions.get("x_BillingAccountAgreement"),
        Some("MCA")
    );
}

#[test]
fn r11_missing_provider_and_publisher_names() {
    let before = usage();
    assert!(!changes(&run(before.clone())).contains("Missing"));
    let mut r = before;
    r.publisher_name = String::new();
    r.provider_name = " ".into();
    let after = run(r);
    let c = changes(&after);
    assert!(
        c.contains("MissingProviderName") && c.contains("MissingPublisherName"),
        "{c}"
    );
}

#[test]
fn r12_purchase_without_resource_columns_is_flagged_on_raw_values() {
    // Before: a reservation purchase without any resource column (rule 45 fills them after).
    let r = run(purchase());
    let c = changes(&r);
    for code in [
        "MissingResourceId",
        "MissingResourceName",
        "MissingResourceType",
        "MissingXResourceType",
    ] {
        assert!(c.contains(code), "{code} missing in {c}");
    }
    // After: the same purchase with every resource column set gets none of the flags.
    let mut p = purchase();
    p.resource_id = Some("/providers/microsoft.capacity/reservationorders/o".into());
    p.resource_name = Some("o".into());
    p.resource_type = Some("Reservation Order".into());
    p.extensions.set(
        "x_ResourceType",
        Some("microsoft.capacity/reservationorders".into()),
    );
    assert!(
        !changes(&run(p)).contains("MissingResource"),
        "{}",
        changes(&r)
    );
    // A usage row is never flagged by rule 12.
    assert!(!changes(&run(usage())).contains("MissingResourceId"));
}

#[test]
fn r34_usage_based_reservation_purchase_becomes_recurring_in_1_0() {
    let r = run(purchase());
    assert_eq!(r.charge_frequency, Some(ChargeFrequency::Recurring));
    let c = changes(&r);
    assert!(
        c.contains("InvalidChargeFrequency") && c.contains("ChargeFrequencyCorrected"),
        "{c}"
    );
    // 1.2 exports are left as they are (the rule covers 1.0 data).
    let mut p = purchase();
    assert!(!r34_purchase_frequency(&mut p, "1.2"));
    assert_eq!(p.charge_frequency, Some(ChargeFrequency::UsageBased));
    // Not a commitment purchase: untouched.
    let mut u = usage();
    u.charge_frequency = Some(ChargeFrequency::UsageBased);
    assert!(!r34_purchase_frequency(&mut u, "1.0"));
}

#[test]
fn r38_commitment_utilization_potential_and_amount() {
    use finops_core::focus::CommitmentDiscountCategory;
    // Used reservation usage (Microsoft): potential = amount = EffectiveCost.
    let mut r = usage();
    r.commitment_discount_id =
        Some("/providers/microsoft.capacity/reservationorders/o/reservations/r".into());
    r.commitment_discount_status = Some(CommitmentDiscountStatus::Used);
    r.commitment_discount_category = Some(CommitmentDiscountCategory::Usage);
    r.effective_cost = d("5.5");
    let after = run(r.clone());
    assert_eq!(
        after
            .extensions
            .get("x_CommitmentDiscountUtilizationPotential"),
        Some("5.5")
    );
    assert_eq!(
        after
            .extensions
            .get("x_CommitmentDiscountUtilizationAmount"),
        Some("5.5")
    );
    assert!(changes(&after).contains("CommitmentDiscountUtilizationFilled"));
    // Unused: potential kept, amount 0.
    r.commitment_discount_status = Some(CommitmentDiscountStatus::Unused);
    let after = run(r);
    assert_eq!(
        after
            .extensions
            .get("x_CommitmentDiscountUtilizationAmount"),
        Some("0")
    );
    // Purchase: 0; a row without commitment discount: nothing set.
    let p = run(purchase());
    assert_eq!(
        p.extensions.get("x_CommitmentDiscountUtilizationPotential"),
        Some("0")
    );
    assert_eq!(
        run(usage())
            .extensions
            .get("x_CommitmentDiscountUtilizationPotential"),
        None
    );
}

#[test]
fn r39_amortization_class_filled() {
    let p = run(purchase());
    assert_eq!(p.extensions.get("x_AmortizationClass"), Some("Principal"));
    assert!(changes(&p).contains("AmortizationClassFilled"));
    let mut u = usage();
    u.commitment_discount_id =
        Some("/providers/microsoft.capacity/reservationorders/o/reservations/r".into());
    u.commitment_discount_status = Some(CommitmentDiscountStatus::Used);
    assert_eq!(
        run(u).extensions.get("x_AmortizationClass"),
        Some("Amortized Charge")
    );
    // Kept when the export has it; empty for plain usage.
    let mut k = purchase();
    k.extensions
        .set("x_AmortizationClass", Some("Principal".into()));
    assert!(!changes(&run(k)).contains("AmortizationClassFilled"));
    assert_eq!(run(usage()).extensions.get("x_AmortizationClass"), None);
}

#[test]
fn r18_provider_name_inferred_after_the_flag() {
    for (col, want) in [
        ("x_ServiceCode", "AWS"),
        ("x_Project", "GCP"),
        ("x_InvoiceSectionId", "Microsoft"),
    ] {
        let mut r = usage();
        r.provider_name = String::new();
        r.extensions.set("x_BillingProfileId", None);
        r.extensions.set(col, Some("v".into()));
        let r = run(r);
        assert_eq!(r.provider_name, want, "{col}");
        let c = changes(&r);
        assert!(c.contains("ProviderNameInferred"), "{c}");
        assert!(c.contains("MissingProviderName"), "{c}");
    }
    // Nothing to infer from: stays empty, flagged only.
    let mut r = usage();
    r.provider_name = String::new();
    r.extensions.set("x_BillingProfileId", None);
    let r = run(r);
    assert_eq!(r.provider_name, "");
    assert!(!changes(&r).contains("ProviderNameInferred"));
    // A set name is never replaced.
    let mut r = usage();
    r.extensions.set("x_ServiceCode", Some("AmazonEC2".into()));
    assert!(!r18_provider_name(&mut r));
    assert_eq!(r.provider_name, "Microsoft");
}

#[test]
fn r33_capacity_reservation_status_rule() {
    use finops_core::focus::CapacityReservationStatus;
    // No reservation id: no status, even a stray one.
    let mut r = usage();
    r.capacity_reservation_status = Some(CapacityReservationStatus::Used);
    assert!(r33_capacity_reservation_status(&mut r));
    assert_eq!(r.capacity_reservation_status, None);
    // On the reservation resource itself: Unused.
    let mut r = usage();
    r.capacity_reservation_id = Some("/subscriptions/S/.../capacityReservations/cr1".into());
    r.extensions.set(
        "x_ResourceType",
        Some("microsoft.compute/capacityreservationgroups/capacityreservations".into()),
    );
    let r = run(r);
    assert_eq!(
        r.capacity_reservation_status,
        Some(CapacityReservationStatus::Unused)
    );
    assert!(changes(&r).contains("CapacityReservationStatusFilled"));
    // A VM using the reservation: Used; a set status is kept.
    let mut r = usage();
    r.capacity_reservation_id = Some("cr1".into());
    assert!(r33_capacity_reservation_status(&mut r));
    assert_eq!(
        r.capacity_reservation_status,
        Some(CapacityReservationStatus::Used)
    );
    r.capacity_reservation_status = Some(CapacityReservationStatus::Unused);
    assert!(!r33_capacity_reservation_status(&mut r));
    assert_eq!(
        r.capacity_reservation_status,
        Some(CapacityReservationStatus::Unused)
    );
}

#[test]
fn r54_final_fills_from_x_columns() {
    let mut r = usage();
    r.contracted_unit_price = None;
    r.extensions.set("x_InvoiceId", Some("G012345678".into()));
    r.extensions.set("x_SkuMeterName", Some("D2s v3".into()));
    r.extensions
        .set("x_OnDemandUnitPrice", Some("0.096".into()));
    assert!(r54_final_fills(&mut r));
    assert_eq!(r.invoice_id.as_deref(), Some("G012345678"));
    assert_eq!(r.sku_meter.as_deref(), Some("D2s v3"));
    assert_eq!(r.contracted_unit_price, Some(d("0.096")));
    // Set columns are kept; nothing left to fill is no change.
    r.extensions.set("x_InvoiceId", Some("OTHER".into()));
    assert!(!r54_final_fills(&mut r));
    assert_eq!(r.invoice_id.as_deref(), Some("G012345678"));
    // Through the whole transform, the code is recorded.
    let mut r = usage();
    r.extensions.set("x_InvoiceId", Some("G1".into()));
    let r = run(r);
    assert_eq!(r.invoice_id.as_deref(), Some("G1"));
    assert!(changes(&r).contains("FinalColumnsFilled"));
}

fn vm_usage(details: &str) -> CostRecord {
    let mut r = usage();
    r.consumed_unit = Some("Hours".into());
    r.sku_price_id = Some("SP1".into());
    r.extensions.set("x_SkuDetails", Some(details.into()));
    r.extensions
        .set("x_SkuMeterCategory", Some("Virtual Machines".into()));
    r.extensions
        .set("x_SkuMeterSubcategory", Some("Dv3/DSv3 Series".into()));
    r
}

#[test]
fn r30_sku_details_parsed_or_flagged() {
    let r = vm_usage(r#"{"ServiceType":"Standard_D2s_v3","VCPUs":"2"}"#);
    let (sku, bad) = r30_sku_details(&r);
    assert!(!bad);
    assert_eq!(sku.unwrap()["VCPUs"], "2");
    // Empty: nothing, no flag.
    let (sku, bad) = r30_sku_details(&usage());
    assert!(sku.is_none() && !bad);
    // Not JSON, or not an object: kept as exported, flagged, nothing derived from it.
    for text in ["{VCPUs:2", "[1,2]"] {
        let r = run(vm_usage(text));
        assert!(changes(&r).contains("InvalidSkuDetails"), "{text}");
        assert_eq!(r.extensions.get("x_SkuDetails"), Some(text));
        assert_eq!(r.extensions.get("x_SkuCoreCount"), None);
    }
    let r = run(vm_usage(r#"{"VCPUs":"2"}"#));
    assert!(!changes(&r).contains("InvalidSkuDetails"));
}

#[test]
fn r32_capacity_reservation_id_from_sku_details_then_price_details() {
    let cr = "/subscriptions/S/resourceGroups/G/providers/Microsoft.Compute/capacityReservationGroups/g/capacityReservations/cr1";
    let r = run(vm_usage(&format!(
        r#"{{"VMCapacityReservationId":"{cr}"}}"#
    )));
    assert_eq!(r.capacity_reservation_id.as_deref(), Some(cr));
    assert!(changes(&r).contains("CapacityReservationIdFilled"));
    // Rule 33 then sets the status from it.
    assert_eq!(
        r.capacity_reservation_status,
        Some(finops_core::focus::CapacityReservationStatus::Used)
    );
    // From SkuPriceDetails (x_-prefixed key) when x_SkuDetails has none.
    let mut r = usage();
    let mut spd = finops_core::focus::JsonObject::new();
    spd.insert("x_VMCapacityReservationId".into(), "cr2".into());
    r.sku_price_details = Some(spd);
    assert!(r32_capacity_reservation_id(&mut r, None));
    assert_eq!(r.capacity_reservation_id.as_deref(), Some("cr2"));
    // A set id is kept.
    assert!(!r32_capacity_reservation_id(&mut r, None));
    let r = run(usage());
    assert_eq!(r.capacity_reservation_id, None);
    assert!(!changes(&r).contains("CapacityReservationIdFilled"));
}

fn reservation_usage(details: &str) -> CostRecord {
    let mut r = vm_usage(details);
    r.commitment_discount_id =
        Some("/providers/microsoft.capacity/reservationorders/o/reservations/r".into());
    r.commitment_discount_status = Some(CommitmentDiscountStatus::Used);
    r.commitment_discount_category = Some(finops_core::focus::CommitmentDiscountCategory::Usage);
    r.pricing_category = Some(PricingCategory::Committed);
    r
}

#[test]
fn r35_r36_r37_normalized_ratio_quantity_and_unit() {
    // Ratio from the SKU details: quantity normalized, unit "Normalized Hours".
    let r = run(reservation_usage(r#"{"RINormalizationRatio":"4"}"#));
    assert_eq!(
        r.extensions.get("x_CommitmentDiscountNormalizedRatio"),
        Some("4")
    );
    assert!(changes(&r).contains("NormalizedRatioFilled"));
    assert_eq!(r.commitment_discount_quantity, Some(d("400")));
    assert_eq!(
        r.commitment_discount_unit.as_deref(),
        Some("Normalized Hours")
    );
    assert!(changes(&r).contains("CommitmentDiscountUnitFilled"));
    // Ratio 1 without SKU details: plain hours.
    let r = run(reservation_usage("{}"));
    assert_eq!(
        r.extensions.get("x_CommitmentDiscountNormalizedRatio"),
        Some("1")
    );
    assert_eq!(r.commitment_discount_quantity, Some(d("100")));
    assert_eq!(r.commitment_discount_unit.as_deref(), Some("Hours"));
    // An exported quantity gives the ratio (inverse of rule 36), and is kept.
    let mut r = reservation_usage(r#"{"RINormalizationRatio":"4"}"#);
    r.commitment_discount_quantity = Some(d("200"));
    let r = run(r);
    assert_eq!(
        r.extensions.get("x_CommitmentDiscountNormalizedRatio"),
        Some("2")
    );
    assert_eq!(r.commitment_discount_quantity, Some(d("200")));
    assert_eq!(
        r.commitment_discount_unit.as_deref(),
        Some("Normalized Hours")
    );
    // No commitment discount: no ratio.
    let r = run(vm_usage(r#"{"RINormalizationRatio":"4"}"#));
    assert_eq!(
        r.extensions.get("x_CommitmentDiscountNormalizedRatio"),
        None
    );
    // Spend-based: ratio 1, unit the pricing currency.
    let mut r = reservation_usage("{}");
    r.commitment_discount_category = Some(finops_core::focus::CommitmentDiscountCategory::Spend);
    r.pricing_currency = Some("USD".into());
    let r = run(r);
    assert_eq!(
        r.extensions.get("x_CommitmentDiscountNormalizedRatio"),
        Some("1")
    );
    assert_eq!(r.commitment_discount_unit.as_deref(), Some("USD"));
    assert_eq!(r.commitment_discount_quantity, Some(d("8.64")));
}

#[test]
fn r49_sku_columns_and_core_hours() {
    let r = run(vm_usage(
        r#"{"ServiceType":"Standard_D4s_v3","VCPUs":"4","ImageType":"Canonical"}"#,
    ));
    assert_eq!(r.extensions.get("x_SkuCoreCount"), Some("4"));
    assert_eq!(
        r.extensions.get("x_SkuInstanceType"),
        Some("Standard_D4s_v3")
    );
    assert_eq!(r.extensions.get("x_SkuOperatingSystem"), Some("Linux"));
    assert_eq!(r.extensions.get("x_ConsumedCoreHours"), Some("400"));
    assert!(changes(&r).contains("SkuColumnsFilled"));
    // SkuPriceDetails' FOCUS keys come first; numbers as JSON numbers are read too.
    let mut r = vm_usage(r#"{"vCores":8,"ServerSku":"GP_Gen5"}"#);
    let mut spd = finops_core::focus::JsonObject::new();
    spd.insert("CoreCount".into(), 16.into());
    r.sku_price_details = Some(spd);
    let r = run(r);
    assert_eq!(r.extensions.get("x_SkuCoreCount"), Some("16"));
    assert_eq!(r.extensions.get("x_SkuInstanceType"), Some("GP_Gen5"));
    // Windows: BYOL image, or a "Series Windows" meter.
    let r = run(vm_usage(r#"{"ImageType":"Windows Server BYOL"}"#));
    assert_eq!(
        r.extensions.get("x_SkuOperatingSystem"),
        Some("Windows Server")
    );
    let mut r = vm_usage(r#"{"VCPUs":"2"}"#);
    r.extensions.set(
        "x_SkuMeterSubcategory",
        Some("Dv3/DSv3 Series Windows".into()),
    );
    let r = run(r);
    assert_eq!(
        r.extensions.get("x_SkuOperatingSystem"),
        Some("Windows Server")
    );
    // Not hours: no core hours.
    let mut r = vm_usage(r#"{"VCPUs":"2"}"#);
    r.consumed_unit = Some("GB".into());
    let r = run(r);
    assert_eq!(r.extensions.get("x_ConsumedCoreHours"), None);
    // Nothing to read: nothing set, no code.
    let r = run(usage());
    assert_eq!(r.extensions.get("x_SkuCoreCount"), None);
    assert!(!changes(&r).contains("SkuColumnsFilled"));
}

#[test]
fn r50_sku_price_details_from_sku_details() {
    let r = run(vm_usage(
        r#"{"ServiceType":"Standard_D2s_v3","VCPUs":"2","ImageType":"Canonical","x_Already":"y"}"#,
    ));
    let spd = r.sku_price_details.as_ref().unwrap();
    assert_eq!(spd["x_ServiceType"], "Standard_D2s_v3");
    assert_eq!(spd["x_VCPUs"], "2");
    assert_eq!(spd["x_Already"], "y");
    assert_eq!(spd["CoreCount"], 2);
    assert_eq!(spd["InstanceType"], "Standard_D2s_v3");
    assert_eq!(spd["OperatingSystem"], "Linux");
    assert!(spd.keys().all(|k| k.starts_with("x_")
        || ["CoreCount", "InstanceType", "OperatingSystem"].contains(&k.as_str())));
    assert!(changes(&r).contains("SkuPriceDetailsFilled"));
    // An exported SkuPriceDetails is kept; no SkuPriceId → none (FOCUS).
    let mut r = vm_usage(r#"{"VCPUs":"2"}"#);
    let mut spd = finops_core::focus::JsonObject::new();
    spd.insert("CoreCount".into(), 2.into());
    r.sku_price_details = Some(spd.clone());
    let r = run(r);
    assert_eq!(r.sku_price_details, Some(spd));
    let mut r = vm_usage(r#"{"VCPUs":"2"}"#);
    r.sku_price_id = None;
    let r = run(r);
    assert_eq!(r.sku_price_details, None);
}

#[test]
fn r51_hybrid_benefit_licences() {
    // Windows billed with the VM: not enabled, 8 cores minimum.
    let mut r = vm_usage(r#"{"VCPUs":"4"}"#);
    r.extensions.set(
        "x_SkuMeterSubcategory",
        Some("Dv3/DSv3 Series Windows".into()),
    );
    let r = run(r);
    assert_eq!(r.extensions.get("x_SkuLicenseType"), Some("Windows Server"));
    assert_eq!(r.extensions.get("x_SkuLicenseStatus"), Some("Not Enabled"));
    assert_eq!(r.extensions.get("x_SkuLicenseQuantity"), Some("8"));
    assert_eq!(r.extensions.get("x_SkuLicenseUnit"), Some("Cores"));
    assert!(changes(&r).contains("LicenseColumnsFilled"));
    // BYOL image: enabled; 16 cores count as 16.
    let r = run(vm_usage(
        r#"{"VCPUs":"16","ImageType":"Windows Server BYOL"}"#,
    ));
    assert_eq!(r.extensions.get("x_SkuLicenseType"), Some("Windows Server"));
    assert_eq!(r.extensions.get("x_SkuLicenseStatus"), Some("Enabled"));
    assert_eq!(r.extensions.get("x_SkuLicenseQuantity"), Some("16"));
    // SQL: AHB key.
    let mut r = vm_usage(r#"{"vCores":"4","AHB":"True"}"#);
    r.extensions
        .set("x_SkuMeterCategory", Some("SQL Database".into()));
    r.extensions
        .set("x_SkuMeterSubcategory", Some("vCore".into()));
    let r = run(r);
    assert_eq!(r.extensions.get("x_SkuLicenseType"), Some("SQL Server"));
    assert_eq!(r.extensions.get("x_SkuLicenseStatus"), Some("Enabled"));
    let mut r = vm_usage(r#"{"vCores":"4","AHB":false}"#);
    r.extensions
        .set("x_SkuMeterCategory", Some("SQL Database".into()));
    let r = run(r);
    assert_eq!(r.extensions.get("x_SkuLicenseStatus"), Some("Not Enabled"));
    // A Linux VM, or a purchase: nothing.
    let r = run(vm_usage(r#"{"VCPUs":"2","ImageType":"Canonical"}"#));
    assert_eq!(r.extensions.get("x_SkuLicenseType"), None);
    assert!(!changes(&r).contains("LicenseColumnsFilled"));
    let mut r = purchase();
    r.extensions.set(
        "x_SkuMeterSubcategory",
        Some("Dv3/DSv3 Series Windows".into()),
    );
    r.extensions
        .set("x_SkuMeterCategory", Some("Virtual Machines".into()));
    let r = run(r);
    assert_eq!(r.extensions.get("x_SkuLicenseType"), None);
}

#[test]
fn r20_version_from_the_manifest_else_the_file_columns() {
    use finops_core::focus::versions::FocusVersion;
    assert_eq!(
        r20_source_version("1.0r2", Some(FocusVersion::V1_2)),
        "1.0r2"
    );
    assert_eq!(
        r20_source_version("2023-05-01", Some(FocusVersion::V1_2)),
        "1.2"
    );
    assert_eq!(r20_source_version("", Some(FocusVersion::V1_0)), "1.0");
    assert_eq!(r20_source_version("", Some(FocusVersion::V1_1)), "1.0");
    assert_eq!(
        r20_source_version("x", Some(FocusVersion::V1_0Preview)),
        "1.0-preview"
    );
    assert_eq!(r20_source_version("x", None), "x");
    // Rule 16 then flags only what stays unknown or legacy.
    assert_eq!(
        r16_version_flag(&r20_source_version("", Some(FocusVersion::V1_2))),
        None
    );
    assert_eq!(
        r16_version_flag(&r20_source_version("x", None)),
        Some("UnknownFocusVersion")
    );
}

#[test]
fn r54_source_values_record_what_changed() {
    // A row the transform changes: its exported values, as text, null when empty.
    let mut r = usage();
    r.contracted_cost = Decimal::ZERO;
    r.region_id = None;
    r.region_name = Some("West Europe".into());
    r.extensions.set("x_InvoiceSectionId", Some("-2".into()));
    let r = run(r);
    let sv: serde_json::Value =
        serde_json::from_str(r.extensions.get("x_SourceValues").unwrap()).unwrap();
    assert_eq!(d(sv["ContractedCost"].as_str().unwrap()), Decimal::ZERO);
    assert_eq!(sv["RegionId"], serde_json::Value::Null);
    assert_eq!(sv["x_InvoiceSectionId"], "-2");
    // Unchanged columns and the transform's own bookkeeping are not recorded.
    assert!(sv.get("BilledCost").is_none());
    assert!(sv.get("x_SourceChanges").is_none());
    assert!(sv.get("x_IngestionTime").is_none());
    // A direct call: nothing changed, nothing recorded.
    let before = usage();
    let mut same = before.clone();
    assert!(!r54_source_values(&mut same, &before));
    assert_eq!(same.extensions.get("x_SourceValues"), None);
}

#[test]
fn r31_charge_subcategory_and_r40_pre_1_0_pricing_categories() {
    use finops_core::focus::{ChargeClass, Column};
    // Refund: a purchase correction.
    let mut r = usage();
    r.charge_category = ChargeCategory::Adjustment;
    r.extensions.set("ChargeSubcategory", Some("Refund".into()));
    let r = run(r);
    assert_eq!(r.charge_category, ChargeCategory::Purchase);
    assert_eq!(r.charge_class, Some(ChargeClass::Correction));
    assert!(changes(&r).contains("ChargeSubcategoryMapped"));
    // Credit; commitment status only when none is set.
    let mut r = usage();
    r.extensions.set("ChargeSubcategory", Some("Credit".into()));
    assert!(r31_charge_subcategory(&mut r));
    assert_eq!(r.charge_category, ChargeCategory::Credit);
    let mut r = usage();
    r.extensions
        .set("ChargeSubcategory", Some("Unused Commitment".into()));
    assert!(r31_charge_subcategory(&mut r));
    assert_eq!(
        r.commitment_discount_status,
        Some(CommitmentDiscountStatus::Unused)
    );
    r.extensions
        .set("ChargeSubcategory", Some("Used Commitment".into()));
    assert!(!r31_charge_subcategory(&mut r));
    // On-demand usage: nothing.
    let mut r = usage();
    r.extensions
        .set("ChargeSubcategory", Some("On-Demand".into()));
    assert!(!r31_charge_subcategory(&mut r));
    // Rule 40: pre-1.0 values are mapped as they are read.
    let mut r = usage();
    r.set_text(Column::PricingCategory, "On-Demand").unwrap();
    assert_eq!(r.pricing_category, Some(PricingCategory::Standard));
    r.set_text(Column::PricingCategory, "Commitment-Based")
        .unwrap();
    assert_eq!(r.pricing_category, Some(PricingCategory::Committed));
}
