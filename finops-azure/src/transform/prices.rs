//! Prices (PriceSheet 2023-05-01, EA and MCA; azure.md §11, AZ-09): the row transform
//! ([`transform_price_row`]) and the month's price sheet the cost transform looks prices up in
//! ([`PriceSheet`]: a keyed map of one month, never a join that fans rows out).

use super::RawRow;
use chrono::{Datelike, Duration};
use finops_core::Decimal;
use std::collections::HashMap;

/// Key of a consumption price: billing profile (EA enrollment or MCA profile, lower-cased),
/// month, meter id and offer id (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PriceKey {
    /// Billing profile.
    pub profile: String,
    /// Year.
    pub year: i32,
    /// Month (1–12).
    pub month: u32,
    /// x_SkuMeterId.
    pub meter: String,
    /// x_SkuOfferId.
    pub offer: String,
}

/// One consumption price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetPrice {
    /// List (market) unit price.
    pub list: Decimal,
    /// Contracted unit price.
    pub contracted: Decimal,
    /// Block size (`100 Hours` → 100).
    pub block: Decimal,
    /// Pricing unit (`Hours`).
    pub unit: Option<String>,
}

/// The consumption prices of the price sheets ingested, keyed by [`PriceKey`]; when several
/// rows share a key (tiers), the lowest list and contracted prices are kept (hubs' `min`).
#[derive(Debug, Clone, Default)]
pub struct PriceSheet {
    prices: HashMap<PriceKey, SheetPrice>,
}

impl PriceSheet {
    /// An empty sheet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.prices.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }

    /// The price of a key.
    pub fn get(&self, k: &PriceKey) -> Option<&SheetPrice> {
        self.prices.get(k)
    }

    /// Add a transformed price row (see [`transform_price_row`]); rows that are not
    /// consumption prices or lack a key are ignored.
    pub fn add(&mut self, row: &RawRow) {
        if row
            .get("x_SkuPriceType")
            .is_some_and(|t| !t.eq_ignore_ascii_case("Consumption"))
        {
            return;
        }
        let (Some(profile), Some(meter), Some(start)) = (
            row.first(&["x_BillingProfileId", "BillingAccountId"]),
            row.get("x_SkuMeterId"),
            row.get("x_EffectivePeriodStart"),
        ) else {
            return;
        };
        let Ok(t) = finops_core::focus::parse_time(start) else {
            return;
        };
        let key = PriceKey {
            profile: profile.to_ascii_lowercase(),
            year: t.year(),
            month: t.month(),
            meter: meter.to_ascii_lowercase(),
            offer: row
                .get("x_SkuOfferId")
                .unwrap_or_default()
                .to_ascii_lowercase(),
        };
        let (Some(list), Some(contracted)) = (
            row.decimal("ListUnitPrice"),
            row.decimal("ContractedUnitPrice"),
        ) else {
            return;
        };
        let p = SheetPrice {
            list,
            contracted,
            block: row.decimal("x_PricingBlockSize").unwrap_or(Decimal::ONE),
            unit: row.get("PricingUnit").map(str::to_string),
        };
        self.prices
            .entry(key)
            .and_modify(|e| {
                e.list = e.list.min(p.list);
                e.contracted = e.contracted.min(p.contracted);
            })
            .or_insert(p);
    }
}

/// `100 Hours` → (100, `Hours`); `1 Hour` → (1, `Hours`); `Unassigned` → none.
pub fn split_unit_description(desc: &str) -> Option<(Decimal, String)> {
    let d = desc.trim();
    let (n, unit) = match d.split_once(' ') {
        Some((n, u)) if n.chars().all(|c| c.is_ascii_digit() || c == '.') => (n, u.trim()),
        _ => ("1", d),
    };
    if unit.is_empty() || unit.eq_ignore_ascii_case("Unassigned") {
        return None;
    }
    let block = finops_core::money::parse_decimal(n).ok()?;
    let unit = match unit {
        "Hour" => "Hours",
        "Day" => "Days",
        "Unit" => "Units",
        u => u,
    };
    Some((block, unit.to_string()))
}

/// ISO 8601 term (`P1Y`, `P3Y`, `P1M`) → months.
pub fn term_months(iso: &str) -> Option<u32> {
    let t = iso.trim().strip_prefix('P')?;
    if let Some(y) = t.strip_suffix('Y') {
        return y.parse::<u32>().ok()?.checked_mul(12);
    }
    t.strip_suffix('M')?.parse().ok()
}

/// Transform one price-sheet row (EA or MCA names) to hubs' Prices columns: FOCUS / `x_` names,
/// ContractedUnitPrice = UnitPrice, ListUnitPrice = MarketPrice, PricingUnit and
/// x_PricingBlockSize from the unit description, ISO term → months, exclusive
/// x_EffectivePeriodEnd, charge category from the price type (Consumption → Usage,
/// ReservedInstance → Purchase, SavingsPlan → Usage), commitment category, SkuPriceIdv2,
/// discount amounts and percents, lower-cased BillingAccountId.
pub fn transform_price_row(raw: &RawRow) -> RawRow {
    let mut out = RawRow::default();
    let g = |names: &[&str]| raw.first(names).map(str::to_string);
    let account = g(&["BillingAccountId", "EnrollmentNumber", "billingAccountId"]);
    out.set(
        "BillingAccountId",
        account.as_ref().map(|a| a.to_ascii_lowercase()),
    );
    out.set(
        "x_BillingProfileId",
        g(&["BillingProfileId", "billingProfileId"]).or(account),
    );
    out.set(
        "BillingCurrency",
        g(&["BillingCurrency", "Currency", "CurrencyCode", "currency"]),
    );
    out.set("x_SkuMeterId", g(&["MeterId", "meterId"]));
    out.set("x_SkuMeterName", g(&["MeterName", "meterName"]));
    out.set("x_SkuMeterCategory", g(&["MeterCategory", "meterCategory"]));
    out.set("x_SkuOfferId", g(&["OfferId", "offerId"]));
    out.set("x_SkuPartNumber", g(&["PartNumber", "partNumber"]));
    out.set("SkuId", g(&["ProductId", "productId", "SkuId"]));
    let price_type = g(&["PriceType", "priceType"]).unwrap_or_else(|| "Consumption".into());
    out.set("x_SkuPriceType", Some(price_type.clone()));
    let (category, commitment, prefix) = match price_type.as_str() {
        "ReservedInstance" => ("Purchase", Some("Usage"), "RI"),
        "SavingsPlan" => ("Usage", Some("Spend"), "SP"),
        _ => ("Usage", None, "OD"),
    };
    out.set("ChargeCategory", Some(category.into()));
    out.set("CommitmentDiscountCategory", commitment.map(str::to_string));
    out.set(
        "PricingCategory",
        Some(
            if prefix == "SP" {
                "Committed"
            } else {
                "Standard"
            }
            .into(),
        ),
    );
    let cup = raw
        .first(&["UnitPrice", "unitPrice"])
        .and_then(|v| finops_core::money::parse_decimal(v).ok());
    let lup = raw
        .first(&["MarketPrice", "marketPrice"])
        .and_then(|v| finops_core::money::parse_decimal(v).ok())
        .or(cup);
    out.set(
        "ContractedUnitPrice",
        cup.map(|d| d.normalize().to_string()),
    );
    out.set("ListUnitPrice", lup.map(|d| d.normalize().to_string()));
    let desc = g(&["UnitOfMeasure", "unitOfMeasure"]);
    out.set("x_PricingUnitDescription", desc.clone());
    if let Some((block, unit)) = desc.as_deref().and_then(split_unit_description) {
        out.set("x_PricingBlockSize", Some(block.normalize().to_string()));
        out.set("PricingUnit", Some(unit));
    }
    let term = g(&["Term", "term"]);
    let months = term.as_deref().and_then(term_months);
    out.set("x_SkuTerm", months.map(|m| m.to_string()));
    out.set(
        "x_EffectivePeriodStart",
        g(&["EffectiveStartDate", "effectiveStartDate"]),
    );
    let end = g(&["EffectiveEndDate", "effectiveEndDate"]).and_then(|e| {
        finops_core::focus::parse_time(&e)
            .ok()
            .map(|t| finops_core::focus::format_time(t + Duration::days(1)))
    });
    out.set("x_EffectivePeriodEnd", end);
    let (product, sku) = (
        g(&["ProductId", "productId"]).unwrap_or_default(),
        g(&["SkuId", "skuId"]).unwrap_or_default(),
    );
    let meter_type = g(&["MeterType", "meterType"]).unwrap_or_default();
    let tier = g(&["TierMinimumUnits", "tierMinimumUnits"]).unwrap_or_default();
    let offer = g(&["OfferId", "offerId"]).unwrap_or_default();
    out.set(
        "SkuPriceIdv2",
        Some(format!(
            "{prefix}{}{}_{product}_{sku}_{meter_type}_{tier}{offer}",
            &category[..1],
            months.map(|m| m.to_string()).unwrap_or_default()
        )),
    );
    if let (Some(l), Some(c)) = (lup, cup) {
        let disc = (l - c).normalize();
        out.set("x_ContractedUnitPriceDiscount", Some(disc.to_string()));
        let pct = if l.is_zero() {
            Decimal::ZERO
        } else {
            (disc / l * Decimal::ONE_HUNDRED).round_dp(6).normalize()
        };
        out.set(
            "x_ContractedUnitPriceDiscountPercent",
            Some(pct.to_string()),
        );
    }
    out.set("x_SourceName", Some("Cost Management".into()));
    out.set("x_SourceType", Some("PriceSheet".into()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ea_row() -> RawRow {
        RawRow::from_pairs([
            ("BillingAccountId", "8611537"),
            ("MeterId", "1B3D5F7A-9C1E-4A3B-8D5F-7A9C1E3B5D7F"),
            ("OfferId", "MS-AZR-0017P"),
            ("UnitOfMeasure", "100 Hours"),
            ("UnitPrice", "8.64"),
            ("MarketPrice", "9.6"),
            ("PriceType", "Consumption"),
            ("Term", ""),
            ("EffectiveStartDate", "2026-03-01T00:00:00Z"),
            ("EffectiveEndDate", "2026-03-31T00:00:00Z"),
            ("ProductId", "DZH318Z0BPS6"),
            ("SkuId", "00F3"),
            ("MeterType", "1 Hour"),
            ("TierMinimumUnits", "0"),
        ])
    }

    #[test]
    fn price_row_before_after() {
        let out = transform_price_row(&ea_row());
        assert_eq!(out.get("ContractedUnitPrice"), Some("8.64"));
        assert_eq!(out.get("ListUnitPrice"), Some("9.6"));
        assert_eq!(out.get("PricingUnit"), Some("Hours"));
        assert_eq!(out.get("x_PricingBlockSize"), Some("100"));
        assert_eq!(
            out.get("x_EffectivePeriodEnd"),
            Some("2026-04-01T00:00:00Z")
        );
        assert_eq!(out.get("ChargeCategory"), Some("Usage"));
        assert_eq!(
            out.get("SkuPriceIdv2"),
            Some("ODU_DZH318Z0BPS6_00F3_1 Hour_0MS-AZR-0017P")
        );
        assert_eq!(out.get("x_ContractedUnitPriceDiscount"), Some("0.96"));
        assert_eq!(out.get("x_ContractedUnitPriceDiscountPercent"), Some("10"));
        let mut ri = ea_row();
        ri.set("PriceType", Some("ReservedInstance".into()));
        ri.set("Term", Some("P3Y".into()));
        let out = transform_price_row(&ri);
        assert_eq!(out.get("ChargeCategory"), Some("Purchase"));
        assert_eq!(out.get("CommitmentDiscountCategory"), Some("Usage"));
        assert_eq!(out.get("x_SkuTerm"), Some("36"));
        assert!(out.get("SkuPriceIdv2").unwrap().starts_with("RIP36_"));
    }

    #[test]
    fn sheet_keys_and_min_price() {
        let mut s = PriceSheet::new();
        s.add(&transform_price_row(&ea_row()));
        let mut tier = ea_row();
        tier.set("UnitPrice", Some("8.00".into()));
        s.add(&transform_price_row(&tier));
        let mut ri = ea_row();
        ri.set("PriceType", Some("ReservedInstance".into()));
        s.add(&transform_price_row(&ri));
        assert_eq!(s.len(), 1);
        let k = PriceKey {
            profile: "8611537".into(),
            year: 2026,
            month: 3,
            meter: "1b3d5f7a-9c1e-4a3b-8d5f-7a9c1e3b5d7f".into(),
            offer: "ms-azr-0017p".into(),
        };
        let p = s.get(&k).unwrap();
        assert_eq!(p.contracted, Decimal::new(8, 0));
        assert_eq!(p.block, Decimal::new(100, 0));
    }

    #[test]
    fn units_and_terms() {
        assert_eq!(
            split_unit_description("1 Hour"),
            Some((Decimal::ONE, "Hours".into()))
        );
        assert_eq!(
            split_unit_description("10 GB/Month"),
            Some((Decimal::TEN, "GB/Month".into()))
        );
        assert_eq!(split_unit_description("Unassigned"), None);
        assert_eq!(term_months("P1Y"), Some(12));
        assert_eq!(term_months("P1M"), Some(1));
        assert_eq!(term_months("1Year"), None);
    }
}
