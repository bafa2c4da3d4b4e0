//! Prices (PriceSheet 2023-05-01, EA and MCA; azure.md §11, AZ-09): the row transform
//! ([`transform_price_row`]) and the month's price sheet the cost transform looks prices up in
//! ([`PriceSheet`]: a keyed map of one month, never a join that fans rows out).

use super::RawRow;
use chrono::{Datelike, Duration};
use finops_core::Decimal;
use std::collections::{HashMap, HashSet};

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

/// The unit-price discounts of a transformed price row: contracted (list − contracted),
/// effective (contracted − effective) and total (list − effective), each with its percent of
/// the higher price (6 decimal places; 0 when that price is 0).
fn set_discounts(out: &mut RawRow) {
    let (l, c, e) = (
        out.decimal("ListUnitPrice"),
        out.decimal("ContractedUnitPrice"),
        out.decimal("x_EffectiveUnitPrice"),
    );
    for (name, high, low) in [
        ("x_ContractedUnitPriceDiscount", l, c),
        ("x_EffectiveUnitPriceDiscount", c, e),
        ("x_TotalUnitPriceDiscount", l, e),
    ] {
        let (Some(h), Some(lo)) = (high, low) else {
            continue;
        };
        let Some(disc) = h.checked_sub(lo) else {
            continue;
        };
        let pct = if h.is_zero() {
            Decimal::ZERO
        } else {
            disc.checked_div(h)
                .and_then(|x| x.checked_mul(Decimal::ONE_HUNDRED))
                .unwrap_or_default()
                .round_dp(6)
        };
        out.set(name, Some(disc.normalize().to_string()));
        out.set(&format!("{name}Percent"), Some(pct.normalize().to_string()));
    }
}

/// Key of an on-demand price a savings-plan row is matched with: month, billing profile,
/// currency, region, meter and the rest of `SkuPriceIdv2` (product, SKU, meter type, tier,
/// offer). Hubs leave profile, currency and region out, so a savings-plan row matches the
/// on-demand rows of every profile, currency and region and fans out (#1736); with them, one
/// row in gives one row out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct OnDemandKey {
    year: i32,
    month: u32,
    profile: String,
    currency: String,
    region: String,
    meter: String,
    sku: String,
}

impl OnDemandKey {
    fn of(row: &RawRow) -> Option<OnDemandKey> {
        let t = finops_core::focus::parse_time(row.get("x_EffectivePeriodStart")?).ok()?;
        let lower = |n: &[&str]| row.first(n).unwrap_or_default().to_ascii_lowercase();
        Some(OnDemandKey {
            year: t.year(),
            month: t.month(),
            profile: lower(&["x_BillingProfileId", "BillingAccountId"]),
            currency: lower(&["BillingCurrency"]),
            region: lower(&["x_SkuRegion"]),
            meter: row.get("x_SkuMeterId")?.to_ascii_lowercase(),
            sku: row
                .get("SkuPriceIdv2")?
                .split_once('_')
                .map(|(_, rest)| rest.to_ascii_lowercase())?,
        })
    }
}

/// A meter in one month (commitment-discount eligibility).
type MeterMonth = (i32, u32, String);

fn meter_month(row: &RawRow) -> Option<MeterMonth> {
    let t = finops_core::focus::parse_time(row.get("x_EffectivePeriodStart")?).ok()?;
    Some((
        t.year(),
        t.month(),
        row.get("x_SkuMeterId")?.to_ascii_lowercase(),
    ))
}

/// What the Prices transform needs from the **whole** price sheet of a month (azure.md §11),
/// built in a first pass over the transformed rows ([`PriceIndex::add`]) and applied to each
/// row in a second ([`PriceIndex::apply`]); memory grows with the number of distinct prices
/// and meters, not with rows.
///
/// - Savings-plan rows get the on-demand equivalent as ContractedUnitPrice and ListUnitPrice,
///   their own price staying in `x_EffectiveUnitPrice` (matched on month, billing profile,
///   currency, region, meter and SKU: one price per row, never a fan-out).
/// - Consumption rows get `x_CommitmentDiscountSpendEligibility` (the month's sheet has a
///   savings-plan price for the meter) and `x_CommitmentDiscountUsageEligibility` (a
///   reservation price), `Eligible` or `Not Eligible`. Hubs look in the same file only
///   (#1625) and had spend and usage swapped until PR #2284.
#[derive(Debug, Clone, Default)]
pub struct PriceIndex {
    on_demand: HashMap<OnDemandKey, (Option<Decimal>, Option<Decimal>)>,
    reservation: HashSet<MeterMonth>,
    savings_plan: HashSet<MeterMonth>,
}

impl PriceIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one row transformed by [`transform_price_row`].
    pub fn add(&mut self, row: &RawRow) {
        match row.get("x_SkuPriceType").unwrap_or("Consumption") {
            "ReservedInstance" => {
                if let Some(m) = meter_month(row) {
                    self.reservation.insert(m);
                }
            }
            "SavingsPlan" => {
                if let Some(m) = meter_month(row) {
                    self.savings_plan.insert(m);
                }
            }
            _ => {
                if let Some(k) = OnDemandKey::of(row) {
                    let (l, c) = (
                        row.decimal("ListUnitPrice"),
                        row.decimal("ContractedUnitPrice"),
                    );
                    self.on_demand
                        .entry(k)
                        .and_modify(|e| {
                            e.0 = min_opt(e.0, l);
                            e.1 = min_opt(e.1, c);
                        })
                        .or_insert((l, c));
                }
            }
        }
    }

    /// Complete one transformed row with what the rest of its month's sheet says; returns
    /// whether it changed.
    pub fn apply(&self, row: &mut RawRow) -> bool {
        match row.get("x_SkuPriceType").unwrap_or("Consumption") {
            "ReservedInstance" => false,
            "SavingsPlan" => {
                let Some((list, contracted)) =
                    OnDemandKey::of(row).and_then(|k| self.on_demand.get(&k))
                else {
                    return false;
                };
                let text = |d: &Option<Decimal>| d.map(|d| d.normalize().to_string());
                if contracted.is_some() {
                    row.set("ContractedUnitPrice", text(contracted));
                }
                if list.is_some() {
                    row.set("ListUnitPrice", text(list));
                }
                set_discounts(row);
                true
            }
            _ => {
                let Some(m) = meter_month(row) else {
                    return false;
                };
                let flag = |yes: bool| Some(if yes { "Eligible" } else { "Not Eligible" }.into());
                row.set(
                    "x_CommitmentDiscountSpendEligibility",
                    flag(self.savings_plan.contains(&m)),
                );
                row.set(
                    "x_CommitmentDiscountUsageEligibility",
                    flag(self.reservation.contains(&m)),
                );
                true
            }
        }
    }
}

fn min_opt(a: Option<Decimal>, b: Option<Decimal>) -> Option<Decimal> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
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
    out.set("x_SkuRegion", g(&["MeterRegion", "meterRegion"]));
    out.set("x_SkuTier", (!tier.is_empty()).then(|| tier.clone()));
    out.set(
        "x_EffectiveUnitPrice",
        cup.map(|d| d.normalize().to_string()),
    );
    set_discounts(&mut out);
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
    fn savings_plan_rows_get_the_on_demand_price_of_their_own_profile_currency_and_region() {
        let mut od = ea_row();
        od.set("MeterRegion", Some("West Europe".into()));
        od.set("Currency", Some("EUR".into()));
        // The same meter priced for another region: must not be matched.
        let mut other = od.clone();
        other.set("MeterRegion", Some("East US".into()));
        other.set("UnitPrice", Some("1".into()));
        other.set("MarketPrice", Some("2".into()));
        let mut sp = od.clone();
        sp.set("PriceType", Some("SavingsPlan".into()));
        sp.set("Term", Some("P1Y".into()));
        sp.set("UnitPrice", Some("6".into()));
        sp.set("MarketPrice", Some("6".into()));
        let mut ri = od.clone();
        ri.set("PriceType", Some("ReservedInstance".into()));
        let rows: Vec<RawRow> = [&od, &other, &sp, &ri]
            .iter()
            .map(|r| transform_price_row(r))
            .collect();
        let mut idx = PriceIndex::new();
        for r in &rows {
            idx.add(r);
        }
        let mut out: Vec<RawRow> = rows.clone();
        for r in &mut out {
            idx.apply(r);
        }
        // Rows out = rows in.
        assert_eq!(out.len(), 4);
        // Before: the savings-plan price everywhere; after: on-demand contracted and list,
        // the plan's own price as the effective price, discounts from them.
        assert_eq!(rows[2].get("ContractedUnitPrice"), Some("6"));
        let sp = &out[2];
        assert_eq!(sp.get("x_EffectiveUnitPrice"), Some("6"));
        assert_eq!(sp.get("ContractedUnitPrice"), Some("8.64"));
        assert_eq!(sp.get("ListUnitPrice"), Some("9.6"));
        assert_eq!(sp.get("x_EffectiveUnitPriceDiscount"), Some("2.64"));
        assert_eq!(sp.get("x_TotalUnitPriceDiscount"), Some("3.6"));
        assert_eq!(sp.get("x_TotalUnitPriceDiscountPercent"), Some("37.5"));
        // Consumption rows: eligibility from the whole month (both kinds here).
        assert_eq!(
            out[0].get("x_CommitmentDiscountSpendEligibility"),
            Some("Eligible")
        );
        assert_eq!(
            out[0].get("x_CommitmentDiscountUsageEligibility"),
            Some("Eligible")
        );
        // A meter with no plan and no reservation that month.
        let mut lone = ea_row();
        lone.set("MeterId", Some("other-meter".into()));
        let mut lone = transform_price_row(&lone);
        assert!(idx.apply(&mut lone));
        assert_eq!(
            lone.get("x_CommitmentDiscountSpendEligibility"),
            Some("Not Eligible")
        );
        assert_eq!(
            lone.get("x_CommitmentDiscountUsageEligibility"),
            Some("Not Eligible")
        );
        // A reservation row is left as it was.
        let mut r = rows[3].clone();
        assert!(!idx.apply(&mut r));
        // A savings plan without an on-demand price keeps its own.
        let mut fresh = transform_price_row(&{
            let mut x = ea_row();
            x.set("PriceType", Some("SavingsPlan".into()));
            x.set("MeterRegion", Some("North Europe".into()));
            x.set("UnitPrice", Some("6".into()));
            x
        });
        assert!(!idx.apply(&mut fresh));
        assert_eq!(fresh.get("ContractedUnitPrice"), Some("6"));
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
