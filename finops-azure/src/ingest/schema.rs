//! What ingestion knows about each export type and version (azure.md §5, §7.3): whether it is
//! supported, the Parquet type of each column (kept under its original name) and the money
//! column whose sum is reconciled.
//!
//! Types: Decimal128(38, 18) for costs, prices, quantities, block sizes and exchange rates;
//! Timestamp(µs, UTC) for the billing, charge and service periods and
//! `x_BillingExchangeRateDate`; Boolean for `x_SkuIsCreditEligible`; UTF-8 text for everything
//! else, JSON columns included. Names are matched case-insensitively (EA and MCA exports spell
//! them differently).

use super::layout::Dataset;

/// The Parquet type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// UTF-8 text.
    Text,
    /// Decimal128(38, 18), exact.
    Decimal,
    /// Timestamp(µs, UTC).
    Timestamp,
    /// Boolean.
    Boolean,
}

const FOCUS_DECIMALS: &[&str] = &[
    "BilledCost",
    "CommitmentDiscountQuantity",
    "ConsumedQuantity",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "ListCost",
    "ListUnitPrice",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "UsageQuantity",
    "x_BilledCostInUsd",
    "x_BilledUnitPrice",
    "x_BillingExchangeRate",
    "x_ContractedCostInUsd",
    "x_EffectiveCostInUsd",
    "x_EffectiveUnitPrice",
    "x_ListCostInUsd",
    "x_PartnerCreditRate",
    "x_PricingBlockSize",
];

const FOCUS_TIMES: &[&str] = &[
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "x_BillingExchangeRateDate",
    "x_ServicePeriodEnd",
    "x_ServicePeriodStart",
];

const PRICE_DECIMALS: &[&str] = &[
    "UnitPrice",
    "MarketPrice",
    "BasePrice",
    "IncludedQuantity",
    "TierMinimumUnits",
    "EffectiveUnitPrice",
];
const PRICE_TIMES: &[&str] = &["EffectiveStartDate", "EffectiveEndDate"];

const RESERVATION_DETAIL_DECIMALS: &[&str] = &[
    "UsedHours",
    "ReservedHours",
    "TotalReservedQuantity",
    "InstanceFlexibilityRatio",
];
const RESERVATION_DETAIL_TIMES: &[&str] = &["UsageDate", "Date"];

const RECOMMENDATION_DECIMALS: &[&str] = &[
    "CostWithNoReservedInstances",
    "RecommendedQuantity",
    "RecommendedQuantityNormalized",
    "TotalCostWithReservedInstances",
    "NetSavings",
];
const RECOMMENDATION_TIMES: &[&str] = &["FirstUsageDate"];

const TRANSACTION_DECIMALS: &[&str] = &["Amount", "Quantity", "AmountInUsd", "ExchangeRate"];
const TRANSACTION_TIMES: &[&str] = &["EventDate", "PurchasingDate"];

const C360_DECIMALS: &[&str] = &[
    "CostInBillingCurrency",
    "CostInPricingCurrency",
    "CostInUsd",
    "PaygCostInBillingCurrency",
    "PaygCostInUsd",
    "ExchangeRatePricingToBilling",
    "EffectivePrice",
    "PayGPrice",
    "UnitPrice",
    "Quantity",
];
const C360_TIMES: &[&str] = &[
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "Date",
    "ServicePeriodStartDate",
    "ServicePeriodEndDate",
];

/// FocusCost versions Cost Management exports (azure.md §5), whitespace removed.
pub const FOCUS_COST_VERSIONS: &[&str] = &["1.0-preview(v1)", "1.0", "1.0r2", "1.2-preview", "1.2"];

/// The schema of one export type and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSchema {
    dataset: Dataset,
    version: String,
}

impl ExportSchema {
    /// The schema of `kind`/`version`, or why it is not supported. FocusCost of an unknown
    /// version is accepted (loaded and flagged `UnknownFocusVersion` by the transform,
    /// azure.md §12.9); other datasets must be a version hubs support.
    pub fn lookup(kind: &str, version: &str) -> Result<Self, String> {
        let dataset = Dataset::from_export_type(kind);
        let v = version.to_ascii_lowercase();
        let ok = match &dataset {
            Dataset::Costs => true,
            Dataset::Prices => v == "2023-05-01",
            Dataset::CommitmentDiscountUsage => v == "2023-03-01",
            Dataset::Recommendations | Dataset::Transactions => v == "2023-05-01",
            // GUESS: the C360 schema versions Cost Management exports.
            Dataset::ActualCosts | Dataset::AmortizedCosts => {
                matches!(
                    v.as_str(),
                    "2021-10-01" | "2023-12-01-preview" | "2024-08-01"
                )
            }
            Dataset::Other(_) => false,
        };
        if !ok {
            return Err(format!(
                "unsupported export: type {kind:?} version {version:?} (supported: FocusCost {}; PriceSheet 2023-05-01; ReservationDetails 2023-03-01; ReservationRecommendations 2023-05-01; ReservationTransactions 2023-05-01; ActualCost/AmortizedCost 2021-10-01, 2023-12-01-preview, 2024-08-01)",
                FOCUS_COST_VERSIONS.join(", ")
            ));
        }
        Ok(ExportSchema {
            dataset,
            version: version.to_string(),
        })
    }

    /// Custom FOCUS data (any FOCUS version, our own output included).
    pub fn custom_focus() -> Self {
        ExportSchema {
            dataset: Dataset::Costs,
            version: "custom".into(),
        }
    }

    /// The dataset.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The version as the manifest gave it.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The Parquet type of a column.
    pub fn column_type(&self, name: &str) -> ColType {
        let (decs, times): (&[&str], &[&str]) = match self.dataset {
            Dataset::Costs => (FOCUS_DECIMALS, FOCUS_TIMES),
            Dataset::Prices => (PRICE_DECIMALS, PRICE_TIMES),
            Dataset::CommitmentDiscountUsage => {
                (RESERVATION_DETAIL_DECIMALS, RESERVATION_DETAIL_TIMES)
            }
            Dataset::Recommendations => (RECOMMENDATION_DECIMALS, RECOMMENDATION_TIMES),
            Dataset::Transactions => (TRANSACTION_DECIMALS, TRANSACTION_TIMES),
            Dataset::ActualCosts | Dataset::AmortizedCosts => (C360_DECIMALS, C360_TIMES),
            Dataset::Other(_) => (&[], &[]),
        };
        if decs.iter().any(|d| d.eq_ignore_ascii_case(name)) {
            ColType::Decimal
        } else if times.iter().any(|d| d.eq_ignore_ascii_case(name)) {
            ColType::Timestamp
        } else if self.dataset == Dataset::Costs
            && name.eq_ignore_ascii_case("x_SkuIsCreditEligible")
        {
            ColType::Boolean
        } else {
            ColType::Text
        }
    }

    /// The money column whose sum is reconciled (BilledCost for costs).
    pub fn total_column(&self) -> Option<&'static str> {
        match self.dataset {
            Dataset::Costs => Some("BilledCost"),
            Dataset::ActualCosts | Dataset::AmortizedCosts => Some("CostInBillingCurrency"),
            Dataset::Transactions => Some("Amount"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_versions() {
        for v in FOCUS_COST_VERSIONS {
            assert!(ExportSchema::lookup("FocusCost", v).is_ok());
        }
        assert!(ExportSchema::lookup("focuscost", "1.3").is_ok());
        assert!(ExportSchema::lookup("PriceSheet", "2023-05-01").is_ok());
        assert!(ExportSchema::lookup("ReservationDetails", "2023-03-01").is_ok());
        let e = ExportSchema::lookup("PriceSheet", "2021-01-01").unwrap_err();
        assert!(e.contains("unsupported"));
        assert!(ExportSchema::lookup("Carbon", "1").is_err());
    }

    #[test]
    fn column_types() {
        let s = ExportSchema::lookup("FocusCost", "1.0r2").unwrap();
        assert_eq!(s.column_type("BilledCost"), ColType::Decimal);
        assert_eq!(s.column_type("x_PricingBlockSize"), ColType::Decimal);
        assert_eq!(s.column_type("ChargePeriodStart"), ColType::Timestamp);
        assert_eq!(s.column_type("x_SkuIsCreditEligible"), ColType::Boolean);
        assert_eq!(s.column_type("Tags"), ColType::Text);
        assert_eq!(s.total_column(), Some("BilledCost"));
        let p = ExportSchema::lookup("PriceSheet", "2023-05-01").unwrap();
        assert_eq!(p.column_type("unitPrice"), ColType::Decimal);
        assert_eq!(p.total_column(), None);
    }
}
