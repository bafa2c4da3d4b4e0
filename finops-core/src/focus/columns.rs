// Generated once from shared/reference/focus-1.2-columns.tsv (57 columns); keep in sync with the spec by hand.

use super::*;
use crate::money::{Currency, parse_decimal};
use rust_decimal::Decimal;

/// The 57 columns of the FOCUS 1.2 Cost and Usage dataset, in specification (alphabetical) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Column {
    /// A provider-assigned identifier for a physically separated and isolated area within a Region that provides high availability and fault tolerance.
    AvailabilityZone,
    /// A charge serving as the basis for invoicing, inclusive of all reduced rates and discounts while excluding the amortization of upfront charges (one-time or recurring).
    BilledCost,
    /// The identifier assigned to a billing account by the provider.
    BillingAccountId,
    /// The display name assigned to a billing account.
    BillingAccountName,
    /// A provider-assigned name to identify the type of billing account.
    BillingAccountType,
    /// Represents the currency that a charge was billed in.
    BillingCurrency,
    /// The exclusive end bound of a billing period.
    BillingPeriodEnd,
    /// The inclusive start bound of a billing period.
    BillingPeriodStart,
    /// The identifier assigned to a capacity reservation by the provider.
    CapacityReservationId,
    /// Indicates whether the charge represents either the consumption of a capacity reservation or when a capacity reservation is unused.
    CapacityReservationStatus,
    /// Represents the highest-level classification of a charge based on the nature of how it is billed.
    ChargeCategory,
    /// Indicates whether the row represents a correction to a previously invoiced billing period.
    ChargeClass,
    /// Self-contained summary of the charge's purpose and price.
    ChargeDescription,
    /// Indicates how often a charge will occur.
    ChargeFrequency,
    /// The exclusive end bound of a charge period.
    ChargePeriodEnd,
    /// The inclusive start bound of a charge period.
    ChargePeriodStart,
    /// Indicates whether the commitment discount identified in the CommitmentDiscountId column is based on usage quantity or cost (aka "spend").
    CommitmentDiscountCategory,
    /// The identifier assigned to a commitment discount by the provider.
    CommitmentDiscountId,
    /// The display name assigned to a commitment discount.
    CommitmentDiscountName,
    /// The amount of a commitment discount purchased or accounted for in commitment discount related rows that is denominated in Commitment Discount Units.
    CommitmentDiscountQuantity,
    /// Indicates whether the charge corresponds with the consumption of a commitment discount or the unused portion of the committed amount.
    CommitmentDiscountStatus,
    /// A provider-assigned identifier for the type of commitment discount applied to the row.
    CommitmentDiscountType,
    /// The provider-specified measurement unit indicating how a provider measures the Commitment Discount Quantity of a commitment discount.
    CommitmentDiscountUnit,
    /// The volume of a metered SKU associated with a resource or service used, based on the Consumed Unit.
    ConsumedQuantity,
    /// Provider-specified measurement unit indicating how a provider measures usage of a metered SKU associated with a resource or service.
    ConsumedUnit,
    /// Cost calculated by multiplying contracted unit price and the corresponding Pricing Quantity.
    ContractedCost,
    /// The agreed-upon unit price for a single Pricing Unit of the associated SKU, inclusive of negotiated discounts, if present, while excluding negotiated commitment discounts or any other discounts.
    ContractedUnitPrice,
    /// The amortized cost of the charge after applying all reduced rates, discounts, and the applicable portion of relevant, prepaid purchases (one-time or recurring) that covered this charge.
    EffectiveCost,
    /// The provider-assigned identifier for an invoice encapsulating some or all charges in the corresponding billing period for a given billing account.
    InvoiceId,
    /// The name of the entity responsible for invoicing for the resources or services consumed.
    InvoiceIssuerName,
    /// Cost calculated by multiplying List Unit Price and the corresponding Pricing Quantity.
    ListCost,
    /// The suggested provider-published unit price for a single Pricing Unit of the associated SKU, exclusive of any discounts.
    ListUnitPrice,
    /// Describes the pricing model used for a charge at the time of use or purchase.
    PricingCategory,
    /// The national or virtual currency denomination that a resource or service was priced in.
    PricingCurrency,
    /// The agreed-upon unit price for a single Pricing Unit of the associated SKU, inclusive of negotiated discounts, if present, while excluding negotiated commitment discounts or any other discounts, and expressed in Pricing Currency.
    PricingCurrencyContractedUnitPrice,
    /// The cost of the charge after applying all reduced rates, discounts, and the applicable portion of relevant, prepaid purchases (one-time or recurring) that covered this charge, as denominated in Pricing Currency.
    PricingCurrencyEffectiveCost,
    /// The suggested provider-published unit price for a single Pricing Unit of the associated SKU, exclusive of any discounts and expressed in Pricing Currency.
    PricingCurrencyListUnitPrice,
    /// The volume of a given SKU associated with a resource or service used or purchased, based on the Pricing Unit.
    PricingQuantity,
    /// Provider-specified measurement unit for determining unit prices, indicating how the provider rates measured usage and purchase quantities after applying pricing rules like block pricing.
    PricingUnit,
    /// The name of the entity that made the resources or services available for purchase.
    ProviderName,
    /// The name of the entity that produced the resources or services that were purchased.
    PublisherName,
    /// Provider-assigned identifier for an isolated geographic area where a resource is provisioned or a service is provided.
    RegionId,
    /// The name of an isolated geographic area where a resource is provisioned or a service is provided.
    RegionName,
    /// Identifier assigned to a resource by the provider.
    ResourceId,
    /// Display name assigned to a resource.
    ResourceName,
    /// The kind of resource the charge applies to.
    ResourceType,
    /// Highest-level classification of a service based on the core function of the service.
    ServiceCategory,
    /// An offering that can be purchased from a provider (e.g., cloud virtual machine, SaaS database, professional services from a systems integrator).
    ServiceName,
    /// Secondary classification of the Service Category for a service based on its core function.
    ServiceSubcategory,
    /// Provider-specified unique identifier that represents a specific SKU (e.g., a quantifiable good or service offering).
    SkuId,
    /// Describes the functionality being metered or measured by a particular SKU in a charge.
    SkuMeter,
    /// A set of properties of a SKU Price ID which are meaningful and common to all instances of that SKU Price ID.
    SkuPriceDetails,
    /// A provider-specified unique identifier that represents a specific SKU Price associated with a resource or service used or purchased.
    SkuPriceId,
    /// An ID assigned to a grouping of resources or services, often used to manage access and/or cost.
    SubAccountId,
    /// A name assigned to a grouping of resources or services, often used to manage access and/or cost.
    SubAccountName,
    /// A provider-assigned name to identify the type of sub account.
    SubAccountType,
    /// The set of tags assigned to tag sources that account for potential provider-defined or user-defined tag evaluations.
    Tags,
}

impl Column {
    /// All columns, in the order the writers emit them.
    pub const ALL: [Column; 57] = [
        Column::AvailabilityZone,
        Column::BilledCost,
        Column::BillingAccountId,
        Column::BillingAccountName,
        Column::BillingAccountType,
        Column::BillingCurrency,
        Column::BillingPeriodEnd,
        Column::BillingPeriodStart,
        Column::CapacityReservationId,
        Column::CapacityReservationStatus,
        Column::ChargeCategory,
        Column::ChargeClass,
        Column::ChargeDescription,
        Column::ChargeFrequency,
        Column::ChargePeriodEnd,
        Column::ChargePeriodStart,
        Column::CommitmentDiscountCategory,
        Column::CommitmentDiscountId,
        Column::CommitmentDiscountName,
        Column::CommitmentDiscountQuantity,
        Column::CommitmentDiscountStatus,
        Column::CommitmentDiscountType,
        Column::CommitmentDiscountUnit,
        Column::ConsumedQuantity,
        Column::ConsumedUnit,
        Column::ContractedCost,
        Column::ContractedUnitPrice,
        Column::EffectiveCost,
        Column::InvoiceId,
        Column::InvoiceIssuerName,
        Column::ListCost,
        Column::ListUnitPrice,
        Column::PricingCategory,
        Column::PricingCurrency,
        Column::PricingCurrencyContractedUnitPrice,
        Column::PricingCurrencyEffectiveCost,
        Column::PricingCurrencyListUnitPrice,
        Column::PricingQuantity,
        Column::PricingUnit,
        Column::ProviderName,
        Column::PublisherName,
        Column::RegionId,
        Column::RegionName,
        Column::ResourceId,
        Column::ResourceName,
        Column::ResourceType,
        Column::ServiceCategory,
        Column::ServiceName,
        Column::ServiceSubcategory,
        Column::SkuId,
        Column::SkuMeter,
        Column::SkuPriceDetails,
        Column::SkuPriceId,
        Column::SubAccountId,
        Column::SubAccountName,
        Column::SubAccountType,
        Column::Tags,
    ];

    /// The FOCUS 1.2 column id.
    pub const fn name(self) -> &'static str {
        match self {
            Column::AvailabilityZone => "AvailabilityZone",
            Column::BilledCost => "BilledCost",
            Column::BillingAccountId => "BillingAccountId",
            Column::BillingAccountName => "BillingAccountName",
            Column::BillingAccountType => "BillingAccountType",
            Column::BillingCurrency => "BillingCurrency",
            Column::BillingPeriodEnd => "BillingPeriodEnd",
            Column::BillingPeriodStart => "BillingPeriodStart",
            Column::CapacityReservationId => "CapacityReservationId",
            Column::CapacityReservationStatus => "CapacityReservationStatus",
            Column::ChargeCategory => "ChargeCategory",
            Column::ChargeClass => "ChargeClass",
            Column::ChargeDescription => "ChargeDescription",
            Column::ChargeFrequency => "ChargeFrequency",
            Column::ChargePeriodEnd => "ChargePeriodEnd",
            Column::ChargePeriodStart => "ChargePeriodStart",
            Column::CommitmentDiscountCategory => "CommitmentDiscountCategory",
            Column::CommitmentDiscountId => "CommitmentDiscountId",
            Column::CommitmentDiscountName => "CommitmentDiscountName",
            Column::CommitmentDiscountQuantity => "CommitmentDiscountQuantity",
            Column::CommitmentDiscountStatus => "CommitmentDiscountStatus",
            Column::CommitmentDiscountType => "CommitmentDiscountType",
            Column::CommitmentDiscountUnit => "CommitmentDiscountUnit",
            Column::ConsumedQuantity => "ConsumedQuantity",
            Column::ConsumedUnit => "ConsumedUnit",
            Column::ContractedCost => "ContractedCost",
            Column::ContractedUnitPrice => "ContractedUnitPrice",
            Column::EffectiveCost => "EffectiveCost",
            Column::InvoiceId => "InvoiceId",
            Column::InvoiceIssuerName => "InvoiceIssuerName",
            Column::ListCost => "ListCost",
            Column::ListUnitPrice => "ListUnitPrice",
            Column::PricingCategory => "PricingCategory",
            Column::PricingCurrency => "PricingCurrency",
            Column::PricingCurrencyContractedUnitPrice => "PricingCurrencyContractedUnitPrice",
            Column::PricingCurrencyEffectiveCost => "PricingCurrencyEffectiveCost",
            Column::PricingCurrencyListUnitPrice => "PricingCurrencyListUnitPrice",
            Column::PricingQuantity => "PricingQuantity",
            Column::PricingUnit => "PricingUnit",
            Column::ProviderName => "ProviderName",
            Column::PublisherName => "PublisherName",
            Column::RegionId => "RegionId",
            Column::RegionName => "RegionName",
            Column::ResourceId => "ResourceId",
            Column::ResourceName => "ResourceName",
            Column::ResourceType => "ResourceType",
            Column::ServiceCategory => "ServiceCategory",
            Column::ServiceName => "ServiceName",
            Column::ServiceSubcategory => "ServiceSubcategory",
            Column::SkuId => "SkuId",
            Column::SkuMeter => "SkuMeter",
            Column::SkuPriceDetails => "SkuPriceDetails",
            Column::SkuPriceId => "SkuPriceId",
            Column::SubAccountId => "SubAccountId",
            Column::SubAccountName => "SubAccountName",
            Column::SubAccountType => "SubAccountType",
            Column::Tags => "Tags",
        }
    }

    /// Look a column up by its exact FOCUS 1.2 id.
    pub fn from_name(name: &str) -> Option<Column> {
        match name {
            "AvailabilityZone" => Some(Column::AvailabilityZone),
            "BilledCost" => Some(Column::BilledCost),
            "BillingAccountId" => Some(Column::BillingAccountId),
            "BillingAccountName" => Some(Column::BillingAccountName),
            "BillingAccountType" => Some(Column::BillingAccountType),
            "BillingCurrency" => Some(Column::BillingCurrency),
            "BillingPeriodEnd" => Some(Column::BillingPeriodEnd),
            "BillingPeriodStart" => Some(Column::BillingPeriodStart),
            "CapacityReservationId" => Some(Column::CapacityReservationId),
            "CapacityReservationStatus" => Some(Column::CapacityReservationStatus),
            "ChargeCategory" => Some(Column::ChargeCategory),
            "ChargeClass" => Some(Column::ChargeClass),
            "ChargeDescription" => Some(Column::ChargeDescription),
            "ChargeFrequency" => Some(Column::ChargeFrequency),
            "ChargePeriodEnd" => Some(Column::ChargePeriodEnd),
            "ChargePeriodStart" => Some(Column::ChargePeriodStart),
            "CommitmentDiscountCategory" => Some(Column::CommitmentDiscountCategory),
            "CommitmentDiscountId" => Some(Column::CommitmentDiscountId),
            "CommitmentDiscountName" => Some(Column::CommitmentDiscountName),
            "CommitmentDiscountQuantity" => Some(Column::CommitmentDiscountQuantity),
            "CommitmentDiscountStatus" => Some(Column::CommitmentDiscountStatus),
            "CommitmentDiscountType" => Some(Column::CommitmentDiscountType),
            "CommitmentDiscountUnit" => Some(Column::CommitmentDiscountUnit),
            "ConsumedQuantity" => Some(Column::ConsumedQuantity),
            "ConsumedUnit" => Some(Column::ConsumedUnit),
            "ContractedCost" => Some(Column::ContractedCost),
            "ContractedUnitPrice" => Some(Column::ContractedUnitPrice),
            "EffectiveCost" => Some(Column::EffectiveCost),
            "InvoiceId" => Some(Column::InvoiceId),
            "InvoiceIssuerName" => Some(Column::InvoiceIssuerName),
            "ListCost" => Some(Column::ListCost),
            "ListUnitPrice" => Some(Column::ListUnitPrice),
            "PricingCategory" => Some(Column::PricingCategory),
            "PricingCurrency" => Some(Column::PricingCurrency),
            "PricingCurrencyContractedUnitPrice" => {
                Some(Column::PricingCurrencyContractedUnitPrice)
            }
            "PricingCurrencyEffectiveCost" => Some(Column::PricingCurrencyEffectiveCost),
            "PricingCurrencyListUnitPrice" => Some(Column::PricingCurrencyListUnitPrice),
            "PricingQuantity" => Some(Column::PricingQuantity),
            "PricingUnit" => Some(Column::PricingUnit),
            "ProviderName" => Some(Column::ProviderName),
            "PublisherName" => Some(Column::PublisherName),
            "RegionId" => Some(Column::RegionId),
            "RegionName" => Some(Column::RegionName),
            "ResourceId" => Some(Column::ResourceId),
            "ResourceName" => Some(Column::ResourceName),
            "ResourceType" => Some(Column::ResourceType),
            "ServiceCategory" => Some(Column::ServiceCategory),
            "ServiceName" => Some(Column::ServiceName),
            "ServiceSubcategory" => Some(Column::ServiceSubcategory),
            "SkuId" => Some(Column::SkuId),
            "SkuMeter" => Some(Column::SkuMeter),
            "SkuPriceDetails" => Some(Column::SkuPriceDetails),
            "SkuPriceId" => Some(Column::SkuPriceId),
            "SubAccountId" => Some(Column::SubAccountId),
            "SubAccountName" => Some(Column::SubAccountName),
            "SubAccountType" => Some(Column::SubAccountType),
            "Tags" => Some(Column::Tags),
            _ => None,
        }
    }

    /// The value kind of the column.
    pub const fn kind(self) -> ColumnKind {
        match self {
            Column::BilledCost
            | Column::CommitmentDiscountQuantity
            | Column::ConsumedQuantity
            | Column::ContractedCost
            | Column::ContractedUnitPrice
            | Column::EffectiveCost
            | Column::ListCost
            | Column::ListUnitPrice
            | Column::PricingCurrencyContractedUnitPrice
            | Column::PricingCurrencyEffectiveCost
            | Column::PricingCurrencyListUnitPrice
            | Column::PricingQuantity => ColumnKind::Decimal,
            Column::BillingPeriodEnd
            | Column::BillingPeriodStart
            | Column::ChargePeriodEnd
            | Column::ChargePeriodStart => ColumnKind::DateTime,
            Column::SkuPriceDetails | Column::Tags => ColumnKind::Json,
            Column::AvailabilityZone
            | Column::BillingAccountId
            | Column::BillingAccountName
            | Column::BillingAccountType
            | Column::BillingCurrency
            | Column::CapacityReservationId
            | Column::CapacityReservationStatus
            | Column::ChargeCategory
            | Column::ChargeClass
            | Column::ChargeDescription
            | Column::ChargeFrequency
            | Column::CommitmentDiscountCategory
            | Column::CommitmentDiscountId
            | Column::CommitmentDiscountName
            | Column::CommitmentDiscountStatus
            | Column::CommitmentDiscountType
            | Column::CommitmentDiscountUnit
            | Column::ConsumedUnit
            | Column::InvoiceId
            | Column::InvoiceIssuerName
            | Column::PricingCategory
            | Column::PricingCurrency
            | Column::PricingUnit
            | Column::ProviderName
            | Column::PublisherName
            | Column::RegionId
            | Column::RegionName
            | Column::ResourceId
            | Column::ResourceName
            | Column::ResourceType
            | Column::ServiceCategory
            | Column::ServiceName
            | Column::ServiceSubcategory
            | Column::SkuId
            | Column::SkuMeter
            | Column::SkuPriceId
            | Column::SubAccountId
            | Column::SubAccountName
            | Column::SubAccountType => ColumnKind::String,
        }
    }

    /// Whether FOCUS 1.2 allows nulls in the column.
    pub const fn allows_nulls(self) -> bool {
        !matches!(
            self,
            Column::BilledCost
                | Column::BillingAccountId
                | Column::BillingCurrency
                | Column::BillingPeriodEnd
                | Column::BillingPeriodStart
                | Column::ChargeCategory
                | Column::ChargePeriodEnd
                | Column::ChargePeriodStart
                | Column::ContractedCost
                | Column::EffectiveCost
                | Column::InvoiceIssuerName
                | Column::ListCost
                | Column::ProviderName
                | Column::PublisherName
                | Column::ServiceCategory
                | Column::ServiceName
        )
    }

    /// The FOCUS version that introduced the column.
    pub const fn introduced(self) -> &'static str {
        match self {
            Column::AvailabilityZone => "0.5",
            Column::BilledCost => "0.5",
            Column::BillingAccountId => "0.5",
            Column::BillingAccountName => "0.5",
            Column::BillingAccountType => "1.2",
            Column::BillingCurrency => "0.5",
            Column::BillingPeriodEnd => "0.5",
            Column::BillingPeriodStart => "0.5",
            Column::CapacityReservationId => "1.1",
            Column::CapacityReservationStatus => "1.1",
            Column::ChargeCategory => "0.5",
            Column::ChargeClass => "1.0",
            Column::ChargeDescription => "1.0-preview",
            Column::ChargeFrequency => "1.0-preview",
            Column::ChargePeriodEnd => "0.5",
            Column::ChargePeriodStart => "0.5",
            Column::CommitmentDiscountCategory => "1.0-preview",
            Column::CommitmentDiscountId => "1.0-preview",
            Column::CommitmentDiscountName => "1.0-preview",
            Column::CommitmentDiscountQuantity => "1.1",
            Column::CommitmentDiscountStatus => "1.0",
            Column::CommitmentDiscountType => "1.0-preview",
            Column::CommitmentDiscountUnit => "1.1",
            Column::ConsumedQuantity => "1.0",
            Column::ConsumedUnit => "1.0",
            Column::ContractedCost => "1.0",
            Column::ContractedUnitPrice => "1.0",
            Column::EffectiveCost => "0.5",
            Column::InvoiceId => "1.2",
            Column::InvoiceIssuerName => "0.5",
            Column::ListCost => "1.0-preview",
            Column::ListUnitPrice => "1.0-preview",
            Column::PricingCategory => "1.0-preview",
            Column::PricingCurrency => "1.2",
            Column::PricingCurrencyContractedUnitPrice => "1.2",
            Column::PricingCurrencyEffectiveCost => "1.2",
            Column::PricingCurrencyListUnitPrice => "1.2",
            Column::PricingQuantity => "1.0-preview",
            Column::PricingUnit => "1.0-preview",
            Column::ProviderName => "0.5",
            Column::PublisherName => "0.5",
            Column::RegionId => "1.0",
            Column::RegionName => "1.0",
            Column::ResourceId => "0.5",
            Column::ResourceName => "0.5",
            Column::ResourceType => "1.0-preview",
            Column::ServiceCategory => "0.5",
            Column::ServiceName => "0.5",
            Column::ServiceSubcategory => "1.1",
            Column::SkuId => "1.0-preview",
            Column::SkuMeter => "1.1",
            Column::SkuPriceDetails => "1.1",
            Column::SkuPriceId => "1.0-preview",
            Column::SubAccountId => "0.5",
            Column::SubAccountName => "0.5",
            Column::SubAccountType => "1.2",
            Column::Tags => "1.0-preview",
        }
    }
}

/// One row of the FOCUS 1.2 Cost and Usage dataset.
///
/// Money is exact ([`Decimal`]), times are UTC instants, periods are half-open
/// ([`Period`]), `Tags` keeps its key order, and every extension (`x_`/provider) column is
/// kept in [`CostRecord::extensions`], in order. Build one with [`CostRecord::new`] and set
/// the other public fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CostRecord {
    /// `AvailabilityZone`.
    pub availability_zone: Option<String>,
    /// `BilledCost`.
    pub billed_cost: Decimal,
    /// `BillingAccountId`.
    pub billing_account_id: String,
    /// `BillingAccountName`.
    pub billing_account_name: Option<String>,
    /// `BillingAccountType`.
    pub billing_account_type: Option<String>,
    /// `BillingCurrency`.
    pub billing_currency: Currency,
    /// BillingPeriodStart (inclusive) .. BillingPeriodEnd (exclusive).
    pub billing_period: Period,
    /// `CapacityReservationId`.
    pub capacity_reservation_id: Option<String>,
    /// `CapacityReservationStatus`.
    pub capacity_reservation_status: Option<CapacityReservationStatus>,
    /// `ChargeCategory`.
    pub charge_category: ChargeCategory,
    /// `ChargeClass`.
    pub charge_class: Option<ChargeClass>,
    /// `ChargeDescription`.
    pub charge_description: Option<String>,
    /// `ChargeFrequency`.
    pub charge_frequency: Option<ChargeFrequency>,
    /// ChargePeriodStart (inclusive) .. ChargePeriodEnd (exclusive).
    pub charge_period: Period,
    /// `CommitmentDiscountCategory`.
    pub commitment_discount_category: Option<CommitmentDiscountCategory>,
    /// `CommitmentDiscountId`.
    pub commitment_discount_id: Option<String>,
    /// `CommitmentDiscountName`.
    pub commitment_discount_name: Option<String>,
    /// `CommitmentDiscountQuantity`.
    pub commitment_discount_quantity: Option<Decimal>,
    /// `CommitmentDiscountStatus`.
    pub commitment_discount_status: Option<CommitmentDiscountStatus>,
    /// `CommitmentDiscountType`.
    pub commitment_discount_type: Option<String>,
    /// `CommitmentDiscountUnit`.
    pub commitment_discount_unit: Option<String>,
    /// `ConsumedQuantity`.
    pub consumed_quantity: Option<Decimal>,
    /// `ConsumedUnit`.
    pub consumed_unit: Option<String>,
    /// `ContractedCost`.
    pub contracted_cost: Decimal,
    /// `ContractedUnitPrice`.
    pub contracted_unit_price: Option<Decimal>,
    /// `EffectiveCost`.
    pub effective_cost: Decimal,
    /// `InvoiceId`.
    pub invoice_id: Option<String>,
    /// `InvoiceIssuerName`.
    pub invoice_issuer_name: String,
    /// `ListCost`.
    pub list_cost: Decimal,
    /// `ListUnitPrice`.
    pub list_unit_price: Option<Decimal>,
    /// `PricingCategory`.
    pub pricing_category: Option<PricingCategory>,
    /// `PricingCurrency`.
    pub pricing_currency: Option<String>,
    /// `PricingCurrencyContractedUnitPrice`.
    pub pricing_currency_contracted_unit_price: Option<Decimal>,
    /// `PricingCurrencyEffectiveCost`.
    pub pricing_currency_effective_cost: Option<Decimal>,
    /// `PricingCurrencyListUnitPrice`.
    pub pricing_currency_list_unit_price: Option<Decimal>,
    /// `PricingQuantity`.
    pub pricing_quantity: Option<Decimal>,
    /// `PricingUnit`.
    pub pricing_unit: Option<String>,
    /// `ProviderName`.
    pub provider_name: String,
    /// `PublisherName`.
    pub publisher_name: String,
    /// `RegionId`.
    pub region_id: Option<String>,
    /// `RegionName`.
    pub region_name: Option<String>,
    /// `ResourceId`.
    pub resource_id: Option<String>,
    /// `ResourceName`.
    pub resource_name: Option<String>,
    /// `ResourceType`.
    pub resource_type: Option<String>,
    /// `ServiceCategory`.
    pub service_category: ServiceCategory,
    /// `ServiceName`.
    pub service_name: String,
    /// `ServiceSubcategory`.
    pub service_subcategory: Option<String>,
    /// `SkuId`.
    pub sku_id: Option<String>,
    /// `SkuMeter`.
    pub sku_meter: Option<String>,
    /// `SkuPriceDetails`.
    pub sku_price_details: Option<JsonObject>,
    /// `SkuPriceId`.
    pub sku_price_id: Option<String>,
    /// `SubAccountId`.
    pub sub_account_id: Option<String>,
    /// `SubAccountName`.
    pub sub_account_name: Option<String>,
    /// `SubAccountType`.
    pub sub_account_type: Option<String>,
    /// `Tags`.
    pub tags: Option<Tags>,
    /// Extension columns (`x_…` and provider-prefixed), in file order, never dropped.
    pub extensions: Extensions,
}

impl CostRecord {
    /// The value of a FOCUS column.
    pub fn get(&self, column: Column) -> Value<'_> {
        match column {
            Column::AvailabilityZone => self
                .availability_zone
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::BilledCost => Value::Decimal(self.billed_cost),
            Column::BillingAccountId => Value::Str(&self.billing_account_id),
            Column::BillingAccountName => self
                .billing_account_name
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::BillingAccountType => self
                .billing_account_type
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::BillingCurrency => Value::Str(self.billing_currency.as_str()),
            Column::BillingPeriodEnd => Value::Time(self.billing_period.end),
            Column::BillingPeriodStart => Value::Time(self.billing_period.start),
            Column::CapacityReservationId => self
                .capacity_reservation_id
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::CapacityReservationStatus => self
                .capacity_reservation_status
                .map_or(Value::Null, |v| Value::Str(v.as_str())),
            Column::ChargeCategory => Value::Str(self.charge_category.as_str()),
            Column::ChargeClass => self
                .charge_class
                .map_or(Value::Null, |v| Value::Str(v.as_str())),
            Column::ChargeDescription => self
                .charge_description
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::ChargeFrequency => self
                .charge_frequency
                .map_or(Value::Null, |v| Value::Str(v.as_str())),
            Column::ChargePeriodEnd => Value::Time(self.charge_period.end),
            Column::ChargePeriodStart => Value::Time(self.charge_period.start),
            Column::CommitmentDiscountCategory => self
                .commitment_discount_category
                .map_or(Value::Null, |v| Value::Str(v.as_str())),
            Column::CommitmentDiscountId => self
                .commitment_discount_id
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::CommitmentDiscountName => self
                .commitment_discount_name
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::CommitmentDiscountQuantity => self
                .commitment_discount_quantity
                .map_or(Value::Null, Value::Decimal),
            Column::CommitmentDiscountStatus => self
                .commitment_discount_status
                .map_or(Value::Null, |v| Value::Str(v.as_str())),
            Column::CommitmentDiscountType => self
                .commitment_discount_type
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::CommitmentDiscountUnit => self
                .commitment_discount_unit
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::ConsumedQuantity => self.consumed_quantity.map_or(Value::Null, Value::Decimal),
            Column::ConsumedUnit => self
                .consumed_unit
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::ContractedCost => Value::Decimal(self.contracted_cost),
            Column::ContractedUnitPrice => self
                .contracted_unit_price
                .map_or(Value::Null, Value::Decimal),
            Column::EffectiveCost => Value::Decimal(self.effective_cost),
            Column::InvoiceId => self.invoice_id.as_deref().map_or(Value::Null, Value::Str),
            Column::InvoiceIssuerName => Value::Str(&self.invoice_issuer_name),
            Column::ListCost => Value::Decimal(self.list_cost),
            Column::ListUnitPrice => self.list_unit_price.map_or(Value::Null, Value::Decimal),
            Column::PricingCategory => self
                .pricing_category
                .map_or(Value::Null, |v| Value::Str(v.as_str())),
            Column::PricingCurrency => self
                .pricing_currency
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::PricingCurrencyContractedUnitPrice => self
                .pricing_currency_contracted_unit_price
                .map_or(Value::Null, Value::Decimal),
            Column::PricingCurrencyEffectiveCost => self
                .pricing_currency_effective_cost
                .map_or(Value::Null, Value::Decimal),
            Column::PricingCurrencyListUnitPrice => self
                .pricing_currency_list_unit_price
                .map_or(Value::Null, Value::Decimal),
            Column::PricingQuantity => self.pricing_quantity.map_or(Value::Null, Value::Decimal),
            Column::PricingUnit => self.pricing_unit.as_deref().map_or(Value::Null, Value::Str),
            Column::ProviderName => Value::Str(&self.provider_name),
            Column::PublisherName => Value::Str(&self.publisher_name),
            Column::RegionId => self.region_id.as_deref().map_or(Value::Null, Value::Str),
            Column::RegionName => self.region_name.as_deref().map_or(Value::Null, Value::Str),
            Column::ResourceId => self.resource_id.as_deref().map_or(Value::Null, Value::Str),
            Column::ResourceName => self
                .resource_name
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::ResourceType => self
                .resource_type
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::ServiceCategory => Value::Str(self.service_category.as_str()),
            Column::ServiceName => Value::Str(&self.service_name),
            Column::ServiceSubcategory => self
                .service_subcategory
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::SkuId => self.sku_id.as_deref().map_or(Value::Null, Value::Str),
            Column::SkuMeter => self.sku_meter.as_deref().map_or(Value::Null, Value::Str),
            Column::SkuPriceDetails => self
                .sku_price_details
                .as_ref()
                .map_or(Value::Null, Value::Json),
            Column::SkuPriceId => self.sku_price_id.as_deref().map_or(Value::Null, Value::Str),
            Column::SubAccountId => self
                .sub_account_id
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::SubAccountName => self
                .sub_account_name
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::SubAccountType => self
                .sub_account_type
                .as_deref()
                .map_or(Value::Null, Value::Str),
            Column::Tags => self
                .tags
                .as_ref()
                .map_or(Value::Null, |t| Value::Json(t.as_map())),
        }
    }

    /// Set a FOCUS column from its text form (FOCUS 1.2 encoding; empty text is null).
    ///
    /// The error says what is wrong with the value; callers add the file, line and column.
    pub fn set_text(&mut self, column: Column, text: &str) -> Result<(), String> {
        let null = text.is_empty();
        match column {
            Column::AvailabilityZone => {
                self.availability_zone = if null { None } else { Some(text.to_string()) }
            }
            Column::BilledCost => {
                self.billed_cost = if null {
                    return Err("a value is required".into());
                } else {
                    parse_decimal(text)?
                }
            }
            Column::BillingAccountId => {
                self.billing_account_id = if null {
                    return Err("a value is required".into());
                } else {
                    text.to_string()
                }
            }
            Column::BillingAccountName => {
                self.billing_account_name = if null { None } else { Some(text.to_string()) }
            }
            Column::BillingAccountType => {
                self.billing_account_type = if null { None } else { Some(text.to_string()) }
            }
            Column::BillingCurrency => {
                self.billing_currency = Currency::new(text).map_err(|e| e.to_string())?
            }
            Column::BillingPeriodEnd => self.billing_period.end = parse_time(text)?,
            Column::BillingPeriodStart => self.billing_period.start = parse_time(text)?,
            Column::CapacityReservationId => {
                self.capacity_reservation_id = if null { None } else { Some(text.to_string()) }
            }
            Column::CapacityReservationStatus => {
                self.capacity_reservation_status = if null {
                    None
                } else {
                    Some(CapacityReservationStatus::parse(text)?)
                }
            }
            Column::ChargeCategory => self.charge_category = ChargeCategory::parse(text)?,
            Column::ChargeClass => {
                self.charge_class = if null {
                    None
                } else {
                    Some(ChargeClass::parse(text)?)
                }
            }
            Column::ChargeDescription => {
                self.charge_description = if null { None } else { Some(text.to_string()) }
            }
            Column::ChargeFrequency => {
                self.charge_frequency = if null {
                    None
                } else {
                    Some(ChargeFrequency::parse(text)?)
                }
            }
            Column::ChargePeriodEnd => self.charge_period.end = parse_time(text)?,
            Column::ChargePeriodStart => self.charge_period.start = parse_time(text)?,
            Column::CommitmentDiscountCategory => {
                self.commitment_discount_category = if null {
                    None
                } else {
                    Some(CommitmentDiscountCategory::parse(text)?)
                }
            }
            Column::CommitmentDiscountId => {
                self.commitment_discount_id = if null { None } else { Some(text.to_string()) }
            }
            Column::CommitmentDiscountName => {
                self.commitment_discount_name = if null { None } else { Some(text.to_string()) }
            }
            Column::CommitmentDiscountQuantity => {
                self.commitment_discount_quantity = if null {
                    None
                } else {
                    Some(parse_decimal(text)?)
                }
            }
            Column::CommitmentDiscountStatus => {
                self.commitment_discount_status = if null {
                    None
                } else {
                    Some(CommitmentDiscountStatus::parse(text)?)
                }
            }
            Column::CommitmentDiscountType => {
                self.commitment_discount_type = if null { None } else { Some(text.to_string()) }
            }
            Column::CommitmentDiscountUnit => {
                self.commitment_discount_unit = if null { None } else { Some(text.to_string()) }
            }
            Column::ConsumedQuantity => {
                self.consumed_quantity = if null {
                    None
                } else {
                    Some(parse_decimal(text)?)
                }
            }
            Column::ConsumedUnit => {
                self.consumed_unit = if null { None } else { Some(text.to_string()) }
            }
            Column::ContractedCost => {
                self.contracted_cost = if null {
                    return Err("a value is required".into());
                } else {
                    parse_decimal(text)?
                }
            }
            Column::ContractedUnitPrice => {
                self.contracted_unit_price = if null {
                    None
                } else {
                    Some(parse_decimal(text)?)
                }
            }
            Column::EffectiveCost => {
                self.effective_cost = if null {
                    return Err("a value is required".into());
                } else {
                    parse_decimal(text)?
                }
            }
            Column::InvoiceId => self.invoice_id = if null { None } else { Some(text.to_string()) },
            Column::InvoiceIssuerName => {
                self.invoice_issuer_name = if null {
                    return Err("a value is required".into());
                } else {
                    text.to_string()
                }
            }
            Column::ListCost => {
                self.list_cost = if null {
                    return Err("a value is required".into());
                } else {
                    parse_decimal(text)?
                }
            }
            Column::ListUnitPrice => {
                self.list_unit_price = if null {
                    None
                } else {
                    Some(parse_decimal(text)?)
                }
            }
            Column::PricingCategory => {
                self.pricing_category = if null {
                    None
                } else {
                    Some(PricingCategory::parse(text)?)
                }
            }
            Column::PricingCurrency => {
                self.pricing_currency = if null { None } else { Some(text.to_string()) }
            }
            Column::PricingCurrencyContractedUnitPrice => {
                self.pricing_currency_contracted_unit_price = if null {
                    None
                } else {
                    Some(parse_decimal(text)?)
                }
            }
            Column::PricingCurrencyEffectiveCost => {
                self.pricing_currency_effective_cost = if null {
                    None
                } else {
                    Some(parse_decimal(text)?)
                }
            }
            Column::PricingCurrencyListUnitPrice => {
                self.pricing_currency_list_unit_price = if null {
                    None
                } else {
                    Some(parse_decimal(text)?)
                }
            }
            Column::PricingQuantity => {
                self.pricing_quantity = if null {
                    None
                } else {
                    Some(parse_decimal(text)?)
                }
            }
            Column::PricingUnit => {
                self.pricing_unit = if null { None } else { Some(text.to_string()) }
            }
            Column::ProviderName => {
                self.provider_name = if null {
                    return Err("a value is required".into());
                } else {
                    text.to_string()
                }
            }
            Column::PublisherName => {
                self.publisher_name = if null {
                    return Err("a value is required".into());
                } else {
                    text.to_string()
                }
            }
            Column::RegionId => self.region_id = if null { None } else { Some(text.to_string()) },
            Column::RegionName => {
                self.region_name = if null { None } else { Some(text.to_string()) }
            }
            Column::ResourceId => {
                self.resource_id = if null { None } else { Some(text.to_string()) }
            }
            Column::ResourceName => {
                self.resource_name = if null { None } else { Some(text.to_string()) }
            }
            Column::ResourceType => {
                self.resource_type = if null { None } else { Some(text.to_string()) }
            }
            Column::ServiceCategory => self.service_category = ServiceCategory::parse(text)?,
            Column::ServiceName => {
                self.service_name = if null {
                    return Err("a value is required".into());
                } else {
                    text.to_string()
                }
            }
            Column::ServiceSubcategory => {
                self.service_subcategory = if null { None } else { Some(text.to_string()) }
            }
            Column::SkuId => self.sku_id = if null { None } else { Some(text.to_string()) },
            Column::SkuMeter => self.sku_meter = if null { None } else { Some(text.to_string()) },
            Column::SkuPriceDetails => {
                self.sku_price_details = if null {
                    None
                } else {
                    Some(parse_json_object(text)?)
                }
            }
            Column::SkuPriceId => {
                self.sku_price_id = if null { None } else { Some(text.to_string()) }
            }
            Column::SubAccountId => {
                self.sub_account_id = if null { None } else { Some(text.to_string()) }
            }
            Column::SubAccountName => {
                self.sub_account_name = if null { None } else { Some(text.to_string()) }
            }
            Column::SubAccountType => {
                self.sub_account_type = if null { None } else { Some(text.to_string()) }
            }
            Column::Tags => self.tags = if null { None } else { Some(Tags::parse(text)?) },
        }
        Ok(())
    }
}
