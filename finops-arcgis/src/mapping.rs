//! Wire → finops-core: usage priced per credit as FOCUS 1.2 [`CostRecord`]s, and the
//! organisation's and users' credits as [`CreditBalance`]s.
//!
//! ## Billing periods
//!
//! ArcGIS reports usage per **UTC day** and credits have no invoice: the billing period of a
//! record is the **UTC calendar month** of its usage day ([`billing_period`]), the whole
//! month even while it is still running (the current month's `BillingPeriodEnd` is the first
//! day of the next month, never the as-of date). The charge period is that UTC day, so it
//! always lies inside its billing period, and InvoiceId names the same month.

use crate::CREDITS;
use crate::error::{ArcGisError, out_of_range};
use crate::model::{Portal, PortalUser};
use crate::usage::{UsagePoint, UsageReport};
use chrono::{DateTime, NaiveDate, Utc};
use finops_core::focus::{ChargeCategory, CostRecord, Period, ServiceCategory};
use finops_core::source::{Allocation, CreditBalance, CreditUnit};
use finops_core::{Currency, Decimal, Result};

/// FOCUS ProviderName, PublisherName and InvoiceIssuerName of every record.
pub const PROVIDER_NAME: &str = "Esri";
/// FOCUS ServiceName of every record.
pub const SERVICE_NAME: &str = "ArcGIS Online";
/// FOCUS ServiceCategory of every record: a ServiceName has exactly one ServiceCategory
/// (FOCUS rule ServiceName-C-005-C), and ArcGIS Online is a geospatial analytics platform.
pub const SERVICE_CATEGORY: ServiceCategory = ServiceCategory::Analytics;
/// FOCUS ServiceSubcategory of every record (one per ServiceName, ServiceName-C-008-C).
pub const SERVICE_SUBCATEGORY: &str = "Analytics Platforms";
/// FOCUS BillingAccountType of every record.
pub const BILLING_ACCOUNT_TYPE: &str = "ArcGIS Organization";

/// Price of one credit in a national currency (FOCUS BillingCurrency must be national).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreditPrice {
    /// Price of one credit.
    pub per_credit: Decimal,
    /// Currency of the price (BillingCurrency of the records).
    pub currency: Currency,
}

impl CreditPrice {
    /// Highest accepted price of one credit (far above any real price, far below where exact
    /// products could overflow).
    pub const MAX_PER_CREDIT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

    /// A price of `per_credit` `currency` per credit: between 0 and
    /// [`CreditPrice::MAX_PER_CREDIT`].
    pub fn new(per_credit: Decimal, currency: Currency) -> Result<Self> {
        if per_credit.is_sign_negative() && !per_credit.is_zero() {
            return Err(ArcGisError::InvalidCreditPrice {
                price: per_credit.to_string(),
                reason: "a price cannot be negative".into(),
            }
            .into());
        }
        if per_credit > Self::MAX_PER_CREDIT {
            return Err(ArcGisError::InvalidCreditPrice {
                price: per_credit.to_string(),
                reason: format!("above the maximum of {}", Self::MAX_PER_CREDIT),
            }
            .into());
        }
        Ok(CreditPrice {
            per_credit,
            currency,
        })
    }

    /// The cost of `credits`, exactly; an error (naming `what`) if the product does not fit
    /// a decimal exactly.
    pub fn cost_of(&self, credits: Decimal, what: &str) -> Result<Decimal> {
        let (c, p) = (credits.normalize(), self.per_credit.normalize());
        // Beyond 28 decimal places rust_decimal rounds the product: refuse rather than
        // round silently.
        if c.scale() + p.scale() > 28 {
            return Err(out_of_range(format!(
                "{what}: {c} credits × {p} has more than 28 decimal places"
            )));
        }
        c.checked_mul(p)
            .ok_or_else(|| out_of_range(format!("{what}: {c} credits × {p}")))
    }
}

/// The billing period of usage on `day` (UTC): the whole UTC calendar month of that day
/// (see the module docs).
pub fn billing_period(day: NaiveDate) -> Period {
    Period::month_of(day)
}

/// The charge period of a daily usage point: the UTC day it falls in.
fn charge_period(at: DateTime<Utc>, what: &str) -> Result<Period> {
    let start = at
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| out_of_range(format!("{what}: day {at}")))?;
    let end = start
        .checked_add_signed(chrono::Duration::days(1))
        .ok_or_else(|| out_of_range(format!("{what}: day {at}")))?;
    Ok(Period { start, end })
}

/// FOCUS 1.2 records, one per day and operation type with non-zero credits:
/// ChargeCategory `Usage`, ServiceName `ArcGIS Online` (Analytics / Analytics Platforms),
/// ConsumedQuantity = PricingQuantity = credits, ConsumedUnit = PricingUnit = `Credits`,
/// ListUnitPrice = ContractedUnitPrice = the price of a credit, BilledCost = credits × price
/// in the configured national currency. PricingCurrency is that same national currency:
/// focus-validator 2.2.1 accepts only ISO 4217 codes there (rule PricingCurrency-C-003-M), so
/// the virtual currency `Credits` lives in the units instead. SkuId is `etype/stype`, SkuMeter
/// the operation type; ChargePeriod is the UTC day, BillingPeriod its UTC calendar month
/// ([`billing_period`]) and InvoiceId the provisional monthly statement id
/// `<orgId>-credits-<YYYY-MM>` (Esri does not invoice credit consumption itself).
///
/// A product that does not fit a decimal exactly is an error naming the day and operation.
pub fn to_focus_records(
    report: &UsageReport,
    portal: &Portal,
    price: &CreditPrice,
) -> Result<Vec<CostRecord>> {
    report
        .points
        .iter()
        .filter(|p| !p.credits.is_zero())
        .map(|p| to_focus_record(p, portal, price))
        .collect()
}

fn to_focus_record(p: &UsagePoint, portal: &Portal, price: &CreditPrice) -> Result<CostRecord> {
    let what = format!("{} {}/{}", p.day.date_naive(), p.etype, p.stype);
    let charge = charge_period(p.day, &what)?;
    let day = charge.start.date_naive();
    let cost = price.cost_of(p.credits, &what)?;
    let mut r = CostRecord::new(
        PROVIDER_NAME,
        portal.id.clone(),
        price.currency,
        billing_period(day),
        charge,
        ChargeCategory::Usage,
        SERVICE_NAME,
        SERVICE_CATEGORY,
        cost,
    );
    r.service_subcategory = Some(SERVICE_SUBCATEGORY.into());
    r.billing_account_type = Some(BILLING_ACCOUNT_TYPE.into());
    r.invoice_id = Some(format!("{}-credits-{}", portal.id, day.format("%Y-%m")));
    r.billing_account_name = Some(portal.name.clone());
    r.charge_description = Some(format!(
        "ArcGIS Online credits consumed by {} ({})",
        p.stype, p.etype
    ));
    r.consumed_quantity = Some(p.credits);
    r.consumed_unit = Some(CREDITS.into());
    r.pricing_quantity = Some(p.credits);
    r.pricing_unit = Some(CREDITS.into());
    r.list_unit_price = Some(price.per_credit);
    r.contracted_unit_price = Some(price.per_credit);
    r.pricing_currency = Some(price.currency.as_str().to_string());
    r.pricing_currency_effective_cost = Some(cost);
    r.pricing_currency_list_unit_price = Some(price.per_credit);
    r.pricing_currency_contracted_unit_price = Some(price.per_credit);
    r.sku_id = Some(format!("{}/{}", p.etype, p.stype));
    r.sku_meter = Some(p.stype.clone());
    Ok(r)
}

/// One user's balance (holder = user name; `-1` is `Unallocated`).
pub fn user_balance(u: &PortalUser, as_of: DateTime<Utc>) -> CreditBalance {
    CreditBalance::new(
        u.username.clone(),
        CreditUnit::Virtual(CREDITS.into()),
        as_of,
    )
    .with_assigned(u.assigned)
    .with_available(u.available)
    .with_consumed(u.consumed())
}

/// The organisation's balance: assigned is unknown (`Unallocated`), available is the
/// org's remaining credits.
pub fn org_balance(p: &Portal, as_of: DateTime<Utc>) -> CreditBalance {
    CreditBalance::new(p.id.clone(), CreditUnit::Virtual(CREDITS.into()), as_of).with_available(
        p.available_credits
            .map_or(Allocation::Unallocated, Allocation::Amount),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn portal() -> Portal {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fixtures/arcgis_portals_self.json");
        let body = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        crate::model::parse_portal(&body, "GET /p").unwrap()
    }

    fn eur(p: &str) -> CreditPrice {
        CreditPrice::new(p.parse().unwrap(), Currency::EUR).unwrap()
    }

    fn report_of(points: Vec<UsagePoint>) -> UsageReport {
        let p = Period::month_of(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        UsageReport::new(p, points).unwrap()
    }

    #[test]
    fn focus_records_price_credits() {
        let day = Utc.with_ymd_and_hms(2026, 3, 31, 0, 0, 0).unwrap();
        let rep = report_of(vec![UsagePoint::new(
            day,
            "svcusg",
            "geocode",
            "12.5".parse().unwrap(),
            Some(Decimal::new(312, 0)),
        )]);
        let recs = to_focus_records(&rep, &portal(), &eur("0.12")).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].billed_cost, "1.500".parse::<Decimal>().unwrap());
        assert_eq!(recs[0].service_category, ServiceCategory::Analytics);
        assert_eq!(
            recs[0].invoice_id.as_deref(),
            Some("LjjARY1mkhxulWPq-credits-2026-03")
        );
        assert!(finops_core::focus::check::check_record(&recs[0], &Default::default()).is_empty());
    }

    #[test]
    fn billing_period_is_the_utc_month_of_the_usage_day() {
        // The last day of a month, a leap day and the last day of a year.
        for (y, m, d, start, end) in [
            (2026, 3, 31, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
            (2028, 2, 29, "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"),
            (2026, 12, 31, "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ] {
            let at = Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
            let rep = report_of(vec![UsagePoint::new(
                at,
                "svcusg",
                "tiles",
                Decimal::ONE,
                None,
            )]);
            let r = &to_focus_records(&rep, &portal(), &eur("0.1")).unwrap()[0];
            assert_eq!(
                r.billing_period.start,
                start.parse::<DateTime<Utc>>().unwrap()
            );
            assert_eq!(r.billing_period.end, end.parse::<DateTime<Utc>>().unwrap());
            assert_eq!(r.charge_period, Period::day(at.date_naive()));
            assert!(r.invoice_id.as_deref().unwrap().ends_with(&start[..7]));
        }
        // A point stamped inside its day still charges that UTC day, inside its month.
        let late = Utc.with_ymd_and_hms(2026, 10, 31, 23, 0, 0).unwrap();
        let rep = report_of(vec![UsagePoint::new(
            late,
            "svcusg",
            "tiles",
            Decimal::ONE,
            None,
        )]);
        let r = &to_focus_records(&rep, &portal(), &eur("0.1")).unwrap()[0];
        assert_eq!(r.charge_period, Period::day(late.date_naive()));
        assert!(r.charge_period.end <= r.billing_period.end);
    }

    #[test]
    fn prices_are_bounded_and_products_exact() {
        assert!(CreditPrice::new(Decimal::NEGATIVE_ONE, Currency::EUR).is_err());
        assert!(CreditPrice::new(Decimal::new(1_000_001, 0), Currency::EUR).is_err());
        assert!(CreditPrice::new(Decimal::ZERO, Currency::EUR).is_ok());
        let p = eur("0.11");
        assert_eq!(
            p.cost_of(Decimal::new(125, 4), "x").unwrap(),
            Decimal::new(1375, 6)
        );
        // A product that would be rounded is refused, naming the operation.
        let e = p
            .cost_of(Decimal::new(1, 28), "2026-01-01 svcusg/tiles")
            .unwrap_err();
        assert!(e.to_string().contains("svcusg/tiles"), "{e}");
    }

    #[test]
    fn balances_of_the_org_and_of_users() {
        let p = portal();
        let at = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let b = org_balance(&p, at);
        assert_eq!(b.holder, p.id);
        assert_eq!(b.assigned, Allocation::Unallocated);
        assert_eq!(b.available, Allocation::Amount(Decimal::new(9584193, 3)));
    }

    proptest! {
        /// Huge, tiny and odd credits and prices: records or an error, never a panic; a
        /// record's BilledCost is exactly credits × price.
        #[test]
        fn mapping_never_panics(mant in any::<i64>(), scale in 0u32..=28, price_m in 0i64..=1_000_000_000, price_s in 0u32..=28, day in 0i64..200_000) {
            let credits = Decimal::new(mant, scale);
            let Ok(price) = CreditPrice::new(Decimal::new(price_m, price_s), Currency::USD) else {
                return Ok(());
            };
            let at = Utc.timestamp_opt(day * 86_400, 0).unwrap();
            let rep = report_of(vec![UsagePoint::new(at, "svcusg", "tiles", credits, None)]);
            if let Ok(recs) = to_focus_records(&rep, &portal(), &price) {
                for r in recs {
                    prop_assert_eq!(r.billed_cost, credits * price.per_credit);
                }
            }
        }
    }
}
