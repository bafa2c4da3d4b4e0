//! CommitmentDiscountUsage (ReservationDetails 2023-03-01), Recommendations
//! (ReservationRecommendations 2023-05-01) and Transactions (ReservationTransactions
//! 2023-05-01) row transforms (azure.md §11, AZ-10). EA and MCA names are both read.

use super::RawRow;
use chrono::{Duration, TimeZone, Utc};
use finops_core::Decimal;

fn lower(v: Option<&str>) -> Option<String> {
    v.map(str::to_ascii_lowercase)
}

fn na(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.eq_ignore_ascii_case("NA"))
        .map(str::to_string)
}

/// ReservationDetails → CommitmentDiscountUsage: ResourceId = lower-cased InstanceId (with its
/// subscription, group and type), a one-day charge period, the reservation's id, ConsumedQuantity
/// = UsedHours, CommitmentDiscountQuantity = used hours × ratio (unit `Hours` when the ratio is
/// 1, else `Normalized Hours`), committed count/amount, `NA` → null, ResourceType display name
/// and the service columns.
pub fn transform_commitment_usage(raw: &RawRow) -> RawRow {
    let mut out = RawRow::default();
    let instance = lower(raw.first(&["InstanceId", "instanceId"]));
    out.set("ResourceId", instance.clone());
    if let Some(id) = &instance {
        let segs: Vec<&str> = id.split('/').collect();
        let after = |k: &str| {
            segs.iter()
                .position(|s| *s == k)
                .and_then(|i| segs.get(i + 1))
                .map(|s| s.to_string())
        };
        out.set(
            "SubAccountId",
            after("subscriptions").map(|s| format!("/subscriptions/{s}")),
        );
        out.set("x_ResourceGroupName", after("resourcegroups"));
        let rtype = segs
            .iter()
            .position(|s| *s == "providers")
            .and_then(|i| Some(format!("{}/{}", segs.get(i + 1)?, segs.get(i + 2)?)));
        out.set("ResourceType", rtype.as_deref().map(resource_type_name));
        out.set("x_ResourceType", rtype);
    }
    let day = raw
        .first(&["UsageDate", "Date"])
        .and_then(|d| finops_core::focus::parse_time(d).ok());
    out.set(
        "ChargePeriodStart",
        day.map(finops_core::focus::format_time),
    );
    out.set(
        "ChargePeriodEnd",
        day.map(|d| finops_core::focus::format_time(d + Duration::days(1))),
    );
    let order = raw.first(&["ReservationOrderId", "reservationOrderId"]);
    let rid = raw.first(&["ReservationId", "reservationId"]);
    if let (Some(o), Some(r)) = (order, rid) {
        out.set(
            "CommitmentDiscountId",
            Some(
                format!("/providers/microsoft.capacity/reservationorders/{o}/reservations/{r}")
                    .to_ascii_lowercase(),
            ),
        );
    }
    let used = raw.decimal("UsedHours");
    let ratio = raw
        .decimal("InstanceFlexibilityRatio")
        .unwrap_or(Decimal::ONE);
    out.set("ConsumedQuantity", used.map(|u| u.normalize().to_string()));
    out.set(
        "CommitmentDiscountQuantity",
        used.and_then(|u| u.checked_mul(ratio))
            .map(|q| q.normalize().to_string()),
    );
    out.set(
        "CommitmentDiscountUnit",
        Some(
            if ratio == Decimal::ONE {
                "Hours"
            } else {
                "Normalized Hours"
            }
            .into(),
        ),
    );
    out.set(
        "x_CommitmentDiscountCommittedCount",
        raw.decimal("TotalReservedQuantity")
            .map(|d| d.normalize().to_string()),
    );
    out.set(
        "x_CommitmentDiscountCommittedAmount",
        raw.decimal("ReservedHours")
            .map(|d| d.normalize().to_string()),
    );
    out.set(
        "x_CommitmentDiscountNormalizedGroup",
        na(raw.get("InstanceFlexibilityGroup")),
    );
    out.set("x_SkuSize", na(raw.get("SkuName")));
    out.set("ServiceCategory", Some("Compute".into()));
    out.set("ServiceName", Some("Virtual Machines".into()));
    out.set("x_ServiceModel", Some("IaaS".into()));
    out.set("x_SourceType", Some("ReservationDetails".into()));
    out
}

/// MCA's camelCase name of an EA column (`SkuName` → `skuName`).
fn camel(ea: &str) -> String {
    let mut c = ea.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A resource type's singular display name (the common ones; the type id otherwise).
pub fn resource_type_name(type_id: &str) -> String {
    match type_id.to_ascii_lowercase().as_str() {
        "microsoft.compute/virtualmachines" => "Virtual machine",
        "microsoft.compute/virtualmachinescalesets" => "Virtual machine scale set",
        "microsoft.compute/disks" => "Disk",
        "microsoft.storage/storageaccounts" => "Storage account",
        "microsoft.sql/servers/databases" => "SQL database",
        "microsoft.web/sites" => "App Service web app",
        other => return other.to_string(),
    }
    .to_string()
}

/// ReservationRecommendations → Recommendations: MCA names read as EA's, details into
/// `x_RecommendationDetails` (keys `x_PascalCase`), the date capped at `today`, savings from
/// NetSavings, else x_SavingsAmount, else x_AnnualSavingsAmount / 12; ids lower-cased.
pub fn transform_recommendation(raw: &RawRow, today: chrono::NaiveDate) -> RawRow {
    let mut out = RawRow::default();
    out.set(
        "SubAccountId",
        lower(raw.first(&["SubscriptionId", "subscriptionId"]))
            .map(|s| format!("/subscriptions/{s}")),
    );
    out.set(
        "x_RecommendationId",
        lower(raw.first(&["RecommendationId", "recommendationId"])),
    );
    let first = raw
        .first(&["FirstUsageDate", "firstUsageDate"])
        .and_then(|d| finops_core::focus::parse_time(d).ok());
    let cap = Utc.from_utc_datetime(&today.and_hms_opt(0, 0, 0).unwrap_or_default());
    out.set(
        "x_RecommendationDate",
        first.map(|d| finops_core::focus::format_time(d.min(cap))),
    );
    let savings = raw
        .decimal("NetSavings")
        .or_else(|| raw.decimal("netSavings"))
        .or_else(|| raw.decimal("x_SavingsAmount"))
        .or_else(|| {
            raw.decimal("x_AnnualSavingsAmount")
                .and_then(|a| a.checked_div(Decimal::from(12)))
        });
    out.set(
        "x_EffectiveCostSavings",
        savings.map(|s| s.normalize().to_string()),
    );
    let mut details = serde_json::Map::new();
    for (k, key) in [
        ("RecommendedQuantity", "x_RecommendedQuantity"),
        ("Term", "x_Term"),
        ("LookBackPeriod", "x_LookbackPeriod"),
        ("SkuName", "x_SkuName"),
        ("Location", "x_Region"),
        ("Scope", "x_Scope"),
    ] {
        if let Some(v) = raw.first(&[k, &camel(k)]) {
            details.insert(key.into(), serde_json::Value::String(v.to_string()));
        }
    }
    out.set(
        "x_RecommendationDetails",
        Some(serde_json::Value::Object(details).to_string()),
    );
    out.set("x_SourceType", Some("ReservationRecommendations".into()));
    out
}

/// ReservationTransactions → Transactions: BilledCost = Amount; BillingAccountId from the
/// profile (already a path), the EA enrollment or the MCA profile; period = billing month to
/// the next; Purchase/Cancel/Refund → Purchase, else Adjustment; ChargeClass `Correction` for
/// refunds; OneTime → One-Time; PricingUnit `Reservations`; x_TransactionType = EventType;
/// x_InvoiceNumber = Invoice.
pub fn transform_transaction(raw: &RawRow) -> RawRow {
    let mut out = RawRow::default();
    out.set(
        "BilledCost",
        raw.decimal("Amount").map(|d| d.normalize().to_string()),
    );
    let profile = raw.first(&["BillingProfileId", "billingProfileId"]);
    let account = match (
        profile,
        raw.first(&["CurrentEnrollmentId", "EnrollmentNumber"]),
    ) {
        (Some(p), _) if p.starts_with('/') => Some(p.to_string()),
        (_, Some(e)) => Some(format!("/providers/Microsoft.Billing/billingAccounts/{e}")),
        (Some(p), None) => Some(format!("/providers/Microsoft.Billing/billingProfiles/{p}")),
        (None, None) => None,
    };
    out.set("BillingAccountId", account);
    let month = raw
        .first(&["BillingMonth", "billingMonth", "EventDate"])
        .and_then(|d| finops_core::focus::parse_time(d).ok())
        .map(|t| finops_core::Period::month_of(t.date_naive()));
    out.set(
        "BillingPeriodStart",
        month.map(|p| finops_core::focus::format_time(p.start)),
    );
    out.set(
        "BillingPeriodEnd",
        month.map(|p| finops_core::focus::format_time(p.end)),
    );
    let event = raw
        .first(&["EventType", "eventType"])
        .unwrap_or_default()
        .to_string();
    let cat = if matches!(event.as_str(), "Purchase" | "Cancel" | "Refund") {
        "Purchase"
    } else {
        "Adjustment"
    };
    out.set("ChargeCategory", Some(cat.into()));
    out.set(
        "ChargeClass",
        match event.as_str() {
            "Refund" => Some("Correction".into()),
            "Cancel" => Some("Cancel".into()),
            _ => None,
        },
    );
    let freq = raw
        .first(&["BillingFrequency", "billingFrequency"])
        .map(|f| {
            if f == "OneTime" {
                "One-Time".to_string()
            } else {
                f.to_string()
            }
        });
    out.set("ChargeFrequency", freq);
    out.set("PricingUnit", Some("Reservations".into()));
    out.set("x_TransactionType", Some(event).filter(|e| !e.is_empty()));
    out.set(
        "x_InvoiceNumber",
        raw.first(&["Invoice", "invoice"]).map(str::to_string),
    );
    out.set("x_SourceType", Some("ReservationTransactions".into()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitment_usage_before_after() {
        let raw = RawRow::from_pairs([
            (
                "InstanceId",
                "/subscriptions/ABC/resourceGroups/RG1/providers/Microsoft.Compute/virtualMachines/VM1",
            ),
            ("UsageDate", "2026-03-04"),
            ("ReservationOrderId", "ORDER"),
            ("ReservationId", "RES"),
            ("UsedHours", "20"),
            ("ReservedHours", "24"),
            ("TotalReservedQuantity", "1"),
            ("InstanceFlexibilityRatio", "2"),
            ("InstanceFlexibilityGroup", "NA"),
        ]);
        let out = transform_commitment_usage(&raw);
        assert_eq!(
            out.get("ResourceId"),
            Some(
                "/subscriptions/abc/resourcegroups/rg1/providers/microsoft.compute/virtualmachines/vm1"
            )
        );
        assert_eq!(out.get("SubAccountId"), Some("/subscriptions/abc"));
        assert_eq!(out.get("ResourceType"), Some("Virtual machine"));
        assert_eq!(out.get("ChargePeriodEnd"), Some("2026-03-05T00:00:00Z"));
        assert_eq!(
            out.get("CommitmentDiscountId"),
            Some("/providers/microsoft.capacity/reservationorders/order/reservations/res")
        );
        assert_eq!(out.get("CommitmentDiscountQuantity"), Some("40"));
        assert_eq!(out.get("CommitmentDiscountUnit"), Some("Normalized Hours"));
        assert_eq!(out.get("x_CommitmentDiscountNormalizedGroup"), None);
        assert_eq!(out.get("ServiceName"), Some("Virtual Machines"));
    }

    #[test]
    fn recommendation_before_after() {
        let raw = RawRow::from_pairs([
            ("SubscriptionId", "ABC"),
            ("FirstUsageDate", "2030-01-01"),
            ("x_AnnualSavingsAmount", "120"),
            ("Term", "P1Y"),
        ]);
        let out =
            transform_recommendation(&raw, chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert_eq!(out.get("SubAccountId"), Some("/subscriptions/abc"));
        assert_eq!(
            out.get("x_RecommendationDate"),
            Some("2026-03-10T00:00:00Z")
        );
        assert_eq!(out.get("x_EffectiveCostSavings"), Some("10"));
        assert!(
            out.get("x_RecommendationDetails")
                .unwrap()
                .contains("\"x_Term\":\"P1Y\"")
        );
        // MCA (camelCase) names read the same.
        let mca = RawRow::from_pairs([
            ("subscriptionId", "ABC"),
            ("netSavings", "7.5"),
            ("skuName", "Standard_D2s_v3"),
            ("recommendedQuantity", "3"),
        ]);
        let out =
            transform_recommendation(&mca, chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert_eq!(out.get("SubAccountId"), Some("/subscriptions/abc"));
        assert_eq!(out.get("x_EffectiveCostSavings"), Some("7.5"));
        let details = out.get("x_RecommendationDetails").unwrap();
        assert!(
            details.contains("\"x_SkuName\":\"Standard_D2s_v3\""),
            "{details}"
        );
        assert!(
            details.contains("\"x_RecommendedQuantity\":\"3\""),
            "{details}"
        );
    }

    #[test]
    fn transaction_before_after() {
        let raw = RawRow::from_pairs([
            ("Amount", "-120.50"),
            ("CurrentEnrollmentId", "8611537"),
            ("BillingMonth", "2026-03-15"),
            ("EventType", "Refund"),
            ("BillingFrequency", "OneTime"),
            ("Invoice", "G1"),
        ]);
        let out = transform_transaction(&raw);
        assert_eq!(out.get("BilledCost"), Some("-120.5"));
        assert_eq!(
            out.get("BillingAccountId"),
            Some("/providers/Microsoft.Billing/billingAccounts/8611537")
        );
        assert_eq!(out.get("BillingPeriodStart"), Some("2026-03-01T00:00:00Z"));
        assert_eq!(out.get("BillingPeriodEnd"), Some("2026-04-01T00:00:00Z"));
        assert_eq!(out.get("ChargeCategory"), Some("Purchase"));
        assert_eq!(out.get("ChargeClass"), Some("Correction"));
        assert_eq!(out.get("ChargeFrequency"), Some("One-Time"));
        assert_eq!(out.get("x_InvoiceNumber"), Some("G1"));
        let mca = RawRow::from_pairs([("BillingProfileId", "P1"), ("EventType", "Exchange")]);
        let out = transform_transaction(&mca);
        assert_eq!(
            out.get("BillingAccountId"),
            Some("/providers/Microsoft.Billing/billingProfiles/P1")
        );
        assert_eq!(out.get("ChargeCategory"), Some("Adjustment"));
    }
}
