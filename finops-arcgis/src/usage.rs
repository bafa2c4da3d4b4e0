//! Credit usage by operation type (AGO-03): `GET /portals/self/usage`, summed exactly over
//! users and days, sorted descending; per-user totals; FOCUS 1.2 records priced per credit.

use crate::Portal;
use crate::error::ArcGisError;
use crate::model::raw_decimal;
use chrono::{DateTime, TimeZone, Utc};
use finops_core::focus::{ChargeCategory, CostRecord, Period, ServiceCategory};
use finops_core::{Currency, Decimal, Error, Result};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// Longest window asked for in one usage request. The portal's limit is not documented
/// (`arcgis.md` "Not verified"); 30 days of daily points is what the ArcGIS API for Python
/// asks for in its monthly views, so longer ranges are split into 30-day windows.
pub const MAX_WINDOW_DAYS: i64 = 30;

/// One daily point of one operation type (`etype`/`stype`), summed over users.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UsagePoint {
    /// Start of the day (UTC) the point covers.
    pub day: DateTime<Utc>,
    /// Event type (`svcusg`, `tilegencnt`, ...).
    pub etype: String,
    /// Service / operation type (`features`, `tiles`, `geocode`, ...).
    pub stype: String,
    /// Credits consumed (exact).
    pub credits: Decimal,
    /// Operation count (`num`), when the portal sent it.
    pub count: Option<Decimal>,
}

/// Credits consumed by one operation type over the whole period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OperationUsage {
    /// Operation type (`stype`).
    pub stype: String,
    /// Event type (`etype`).
    pub etype: String,
    /// Credits consumed.
    pub credits: Decimal,
    /// Operations counted.
    pub count: Decimal,
}

/// Credits consumed by one user over the period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserUsage {
    /// User name.
    pub username: String,
    /// Credits consumed.
    pub credits: Decimal,
}

/// Usage of the organisation over a period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct UsageReport {
    /// The period asked for (half-open, UTC).
    pub period: Period,
    /// Daily points (non-zero ones), ordered by day, then stype, then etype.
    pub points: Vec<UsagePoint>,
    /// Totals per operation, sorted by credits descending, ties by stype then etype.
    pub by_operation: Vec<OperationUsage>,
    /// Sum of all credits.
    pub total: Decimal,
}

/// Split `period` into consecutive windows of at most `max_days` days (half-open, no gap,
/// no overlap).
pub fn split_period(period: &Period, max_days: i64) -> Vec<Period> {
    let step = chrono::Duration::days(max_days.max(1));
    let mut out = Vec::new();
    let mut start = period.start;
    while start < period.end {
        let end = (start + step).min(period.end);
        out.push(Period { start, end });
        start = end;
    }
    out
}

/// Whether the portal refused a usage window as too long: a 400 whose message speaks of the
/// time range (the real limit and message are not documented; see `arcgis.md`).
pub(crate) fn is_window_too_long(e: &Error) -> bool {
    match e {
        Error::Status {
            status: 400, body, ..
        } => {
            let b = body.to_ascii_lowercase();
            ["time", "range", "period", "large", "long", "window"]
                .iter()
                .any(|k| b.contains(k))
        }
        _ => false,
    }
}

/// Split a window in two halves on a day boundary (the first half gets the extra day).
pub(crate) fn halve(w: &Period) -> (Period, Period) {
    let days = w.duration().num_days().max(1);
    let mid = (w.start + chrono::Duration::days((days + 1) / 2)).min(w.end);
    (
        Period {
            start: w.start,
            end: mid,
        },
        Period {
            start: mid,
            end: w.end,
        },
    )
}

#[derive(Deserialize)]
struct RawUsage {
    #[serde(default)]
    data: Vec<RawSeries>,
}

type RawPairs = Vec<(Box<RawValue>, Box<RawValue>)>;

#[derive(Deserialize)]
struct RawSeries {
    etype: Option<String>,
    stype: Option<String>,
    username: Option<String>,
    credits: Option<RawPairs>,
    num: Option<RawPairs>,
}

/// One series of a usage reply: its group keys and its `(time, value)` pairs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub(crate) etype: Option<String>,
    pub(crate) stype: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) credits: Vec<(DateTime<Utc>, Decimal)>,
    pub(crate) num: Vec<(DateTime<Utc>, Decimal)>,
}

fn pairs(
    raw: Option<RawPairs>,
    call: &str,
    what: &str,
    i: usize,
) -> Result<Vec<(DateTime<Utc>, Decimal)>> {
    let mut out = Vec::new();
    for (j, (t, v)) in raw.unwrap_or_default().iter().enumerate() {
        let field = format!("data[{i}].{what}[{j}]");
        let ms = raw_decimal(t, call, &field)?;
        let ms = i64::try_from(ms.trunc()).map_err(|e| bad(call, &field, e.to_string()))?;
        let at = Utc
            .timestamp_millis_opt(ms)
            .single()
            .ok_or_else(|| bad(call, &field, format!("{ms} is not a valid time")))?;
        out.push((at, raw_decimal(v, call, &field)?));
    }
    Ok(out)
}

fn bad(call: &str, field: &str, reason: impl Into<String>) -> Error {
    ArcGisError::BadField {
        call: call.to_string(),
        field: field.to_string(),
        reason: reason.into(),
    }
    .into()
}

/// Parse a usage reply; every value (times included) is read exactly from its text.
pub(crate) fn parse_usage(body: &[u8], call: &str) -> Result<Vec<Series>> {
    let r: RawUsage =
        serde_json::from_slice(body).map_err(|e| crate::model::body_error(call, body, &e))?;
    r.data
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(Series {
                credits: pairs(s.credits, call, "credits", i)?,
                num: pairs(s.num, call, "num", i)?,
                etype: s.etype,
                stype: s.stype,
                username: s.username,
            })
        })
        .collect()
}

/// Non-zero credit points that no window asked for (outside the whole period): they are not
/// counted, and a warning says so rather than dropping them silently.
fn warn_outside(windows: &[(Period, Vec<Series>)]) {
    let (mut n, mut credits) = (0usize, Decimal::ZERO);
    for (_, series) in windows {
        for s in series {
            for (t, c) in &s.credits {
                if !c.is_zero() && !windows.iter().any(|(w, _)| w.contains(*t)) {
                    n += 1;
                    credits += *c;
                }
            }
        }
    }
    if n > 0 {
        tracing::warn!(
            provider = crate::PROVIDER,
            points = n,
            credits = %credits,
            "usage points outside the period asked for were not counted"
        );
    }
}

/// Daily points per operation from the series of several windows. A point counts only
/// inside the window that asked for it, so windows never count a day twice; points outside
/// the whole period are reported by a warning.
pub(crate) fn points_from(windows: &[(Period, Vec<Series>)]) -> Vec<UsagePoint> {
    warn_outside(windows);
    type Key = (DateTime<Utc>, String, String);
    let mut acc: BTreeMap<Key, (Decimal, Option<Decimal>)> = BTreeMap::new();
    for (window, series) in windows {
        for s in series {
            let stype = s.stype.clone().unwrap_or_else(|| "unknown".into());
            let etype = s.etype.clone().unwrap_or_else(|| "unknown".into());
            for (t, c) in &s.credits {
                if window.contains(*t) {
                    let e = acc
                        .entry((*t, stype.clone(), etype.clone()))
                        .or_insert((Decimal::ZERO, None));
                    e.0 += *c;
                }
            }
            for (t, n) in &s.num {
                if window.contains(*t) {
                    let e = acc
                        .entry((*t, stype.clone(), etype.clone()))
                        .or_insert((Decimal::ZERO, None));
                    e.1 = Some(e.1.unwrap_or_default() + *n);
                }
            }
        }
    }
    acc.into_iter()
        .filter(|(_, (c, n))| !c.is_zero() || n.is_some_and(|n| !n.is_zero()))
        .map(|((day, stype, etype), (credits, count))| UsagePoint {
            day,
            etype,
            stype,
            credits,
            count,
        })
        .collect()
}

/// Totals per operation, sorted by credits descending, ties by stype then etype.
pub fn by_operation(points: &[UsagePoint]) -> Vec<OperationUsage> {
    let mut acc: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    for p in points {
        let e = acc
            .entry((p.stype.clone(), p.etype.clone()))
            .or_insert((Decimal::ZERO, Decimal::ZERO));
        e.0 += p.credits;
        e.1 += p.count.unwrap_or_default();
    }
    let mut out: Vec<OperationUsage> = acc
        .into_iter()
        .map(|((stype, etype), (credits, count))| OperationUsage {
            stype,
            etype,
            credits,
            count,
        })
        .collect();
    out.sort_by(|a, b| {
        b.credits
            .cmp(&a.credits)
            .then_with(|| a.stype.cmp(&b.stype))
            .then_with(|| a.etype.cmp(&b.etype))
    });
    out
}

/// Per-user totals from `groupby=username,userorgid` windows, sorted by credits
/// descending, ties by user name.
pub(crate) fn users_from(windows: &[(Period, Vec<Series>)]) -> Vec<UserUsage> {
    warn_outside(windows);
    let mut acc: BTreeMap<String, Decimal> = BTreeMap::new();
    for (window, series) in windows {
        for s in series {
            let name = s.username.clone().unwrap_or_else(|| "unknown".into());
            let e = acc.entry(name).or_insert(Decimal::ZERO);
            for (t, c) in &s.credits {
                if window.contains(*t) {
                    *e += *c;
                }
            }
        }
    }
    let mut out: Vec<UserUsage> = acc
        .into_iter()
        .map(|(username, credits)| UserUsage { username, credits })
        .collect();
    out.sort_by(|a, b| {
        b.credits
            .cmp(&a.credits)
            .then_with(|| a.username.cmp(&b.username))
    });
    out
}

/// Build the report from daily points.
pub(crate) fn report(period: Period, points: Vec<UsagePoint>) -> UsageReport {
    let by_operation = by_operation(&points);
    let total = points.iter().map(|p| p.credits).sum();
    UsageReport {
        period,
        points,
        by_operation,
        total,
    }
}

/// Price of one credit in a national currency (FOCUS BillingCurrency must be national).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditPrice {
    /// Price of one credit.
    pub per_credit: Decimal,
    /// Currency of the price (BillingCurrency of the records).
    pub currency: Currency,
}

/// FOCUS ServiceCategory of every record: a ServiceName has exactly one ServiceCategory
/// (FOCUS rule ServiceName-C-005-C), and ArcGIS Online is a geospatial analytics platform.
pub const SERVICE_CATEGORY: ServiceCategory = ServiceCategory::Analytics;
/// FOCUS ServiceSubcategory of every record (one per ServiceName, ServiceName-C-008-C).
pub const SERVICE_SUBCATEGORY: &str = "Analytics Platforms";

/// FOCUS 1.2 records, one per day and operation type with non-zero credits:
/// ChargeCategory `Usage`, ServiceName `ArcGIS Online` (Analytics / Analytics Platforms),
/// ConsumedQuantity = PricingQuantity = credits, ConsumedUnit = PricingUnit = `Credits`,
/// ListUnitPrice = ContractedUnitPrice = the price of a credit, BilledCost = credits × price
/// in the configured national currency. PricingCurrency is that same national currency:
/// focus-validator 2.2.1 accepts only ISO 4217 codes there (rule PricingCurrency-C-003-M), so
/// the virtual currency `Credits` lives in the units instead. SkuId is `etype/stype`, SkuMeter
/// the operation type; InvoiceId is the provisional monthly statement id
/// `<orgId>-credits-<YYYY-MM>` (Esri does not invoice credit consumption itself).
pub fn to_focus_records(
    report: &UsageReport,
    portal: &Portal,
    price: &CreditPrice,
) -> Vec<CostRecord> {
    report
        .points
        .iter()
        .filter(|p| !p.credits.is_zero())
        .map(|p| {
            let day = p.day.date_naive();
            let cost = p.credits * price.per_credit;
            let mut r = CostRecord::new(
                "Esri",
                portal.id.clone(),
                price.currency,
                Period::month_of(day),
                Period {
                    start: p.day,
                    end: p.day + chrono::Duration::days(1),
                },
                ChargeCategory::Usage,
                "ArcGIS Online",
                SERVICE_CATEGORY,
                cost,
            );
            r.service_subcategory = Some(SERVICE_SUBCATEGORY.into());
            r.billing_account_type = Some("ArcGIS Organization".into());
            r.invoice_id = Some(format!("{}-credits-{}", portal.id, day.format("%Y-%m")));
            r.billing_account_name = Some(portal.name.clone());
            r.charge_description = Some(format!(
                "ArcGIS Online credits consumed by {} ({})",
                p.stype, p.etype
            ));
            r.consumed_quantity = Some(p.credits);
            r.consumed_unit = Some("Credits".into());
            r.pricing_quantity = Some(p.credits);
            r.pricing_unit = Some("Credits".into());
            r.list_unit_price = Some(price.per_credit);
            r.contracted_unit_price = Some(price.per_credit);
            r.pricing_currency = Some(price.currency.as_str().to_string());
            r.pricing_currency_effective_cost = Some(cost);
            r.pricing_currency_list_unit_price = Some(price.per_credit);
            r.pricing_currency_contracted_unit_price = Some(price.per_credit);
            r.sku_id = Some(format!("{}/{}", p.etype, p.stype));
            r.sku_meter = Some(p.stype.clone());
            r
        })
        .collect()
}

#[cfg(test)]
const USAGE_CALL: &str = "GET /sharing/rest/portals/self/usage";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn fixture(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fixtures")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn whole(period: Period, s: Vec<Series>) -> Vec<(Period, Vec<Series>)> {
        vec![(period, s)]
    }

    #[test]
    fn fixture_sums_exactly_and_sorts_descending() {
        let s = parse_usage(
            &fixture("arcgis_usage_credits_by_stype_etype.json"),
            USAGE_CALL,
        )
        .unwrap();
        let p = Period {
            start: Utc.timestamp_millis_opt(1672099200000).unwrap(),
            end: Utc.timestamp_millis_opt(1672704000000).unwrap(),
        };
        let pts = points_from(&whole(p, s));
        let ops = by_operation(&pts);
        assert_eq!(ops[0].stype, "geocode");
        assert_eq!(ops[0].credits, "4.04".parse::<Decimal>().unwrap());
        assert_eq!(ops[1].stype, "features");
        assert_eq!(ops[1].credits, "1.75".parse::<Decimal>().unwrap());
        assert_eq!(ops[1].count, Decimal::new(2100, 0));
        assert!(ops.windows(2).all(|w| w[0].credits >= w[1].credits));
        let u = parse_usage(&fixture("arcgis_usage_credits_by_user.json"), USAGE_CALL).unwrap();
        let users = users_from(&whole(p, u));
        assert_eq!(users[0].username, "user_name1");
        assert_eq!(users[0].credits, "0.0002".parse::<Decimal>().unwrap());
    }

    #[test]
    fn points_outside_the_window_are_not_counted() {
        let day = |d| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
        let s = Series {
            etype: Some("svcusg".into()),
            stype: Some("geocode".into()),
            username: None,
            credits: vec![(day(1), Decimal::ONE), (day(2), Decimal::TWO)],
            num: vec![],
        };
        let w1 = Period {
            start: day(1),
            end: day(2),
        };
        let w2 = Period {
            start: day(2),
            end: day(3),
        };
        // Both windows return both days (an inclusive server): each day still counts once.
        let pts = points_from(&[(w1, vec![s.clone()]), (w2, vec![s])]);
        let total: Decimal = pts.iter().map(|p| p.credits).sum();
        assert_eq!(total, Decimal::new(3, 0));
    }

    #[test]
    fn focus_records_price_credits() {
        let portal =
            crate::model::parse_portal(&fixture("arcgis_portals_self.json"), "GET /p").unwrap();
        let day = Utc.with_ymd_and_hms(2026, 3, 31, 0, 0, 0).unwrap();
        let rep = report(
            Period::month_of(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
            vec![UsagePoint {
                day,
                etype: "svcusg".into(),
                stype: "geocode".into(),
                credits: "12.5".parse().unwrap(),
                count: Some(Decimal::new(312, 0)),
            }],
        );
        let price = CreditPrice {
            per_credit: "0.12".parse().unwrap(),
            currency: Currency::new("EUR").unwrap(),
        };
        let recs = to_focus_records(&rep, &portal, &price);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].billed_cost, "1.500".parse::<Decimal>().unwrap());
        assert_eq!(recs[0].service_category, ServiceCategory::Analytics);
        assert_eq!(
            recs[0].invoice_id.as_deref(),
            Some("LjjARY1mkhxulWPq-credits-2026-03")
        );
        assert!(finops_core::focus::check::check_record(&recs[0], &Default::default()).is_empty());
    }

    proptest! {
        #[test]
        fn split_covers_the_period_without_gaps(start in 0i64..2_000_000_000, len_days in 0i64..400, max in 1i64..60) {
            let s = Utc.timestamp_opt(start, 0).unwrap();
            let p = Period { start: s, end: s + chrono::Duration::days(len_days) + chrono::Duration::hours(5) };
            let w = split_period(&p, max);
            prop_assert_eq!(w.first().map(|x| x.start), Some(p.start));
            prop_assert_eq!(w.last().map(|x| x.end), Some(p.end));
            for pair in w.windows(2) {
                prop_assert_eq!(pair[0].end, pair[1].start);
            }
            for x in &w {
                prop_assert!(x.end - x.start <= chrono::Duration::days(max));
            }
        }

        #[test]
        fn halves_cover_the_window(start in 0i64..2_000_000_000, days in 2i64..400) {
            let s = Utc.timestamp_opt(start, 0).unwrap();
            let w = Period { start: s, end: s + chrono::Duration::days(days) };
            let (a, b) = halve(&w);
            prop_assert_eq!(a.start, w.start);
            prop_assert_eq!(a.end, b.start);
            prop_assert_eq!(b.end, w.end);
            prop_assert!(a.start < a.end && b.start < b.end);
        }

        #[test]
        fn usage_parsing_never_panics(body in ".{0,300}", t in "[0-9]{0,15}", v in "[-+0-9.eE]{0,12}") {
            let _ = parse_usage(body.as_bytes(), USAGE_CALL);
            let doc = format!(r#"{{"data":[{{"stype":"x","credits":[["{t}","{v}"]],"num":[[{t},"{v}"]]}}]}}"#);
            let _ = parse_usage(doc.as_bytes(), USAGE_CALL);
        }

        #[test]
        fn operation_totals_equal_the_sum_of_points(vals in proptest::collection::vec((0u8..4, 0i64..1_000_000), 0..50)) {
            let names = ["features", "tiles", "geocode", "stg"];
            let pts: Vec<UsagePoint> = vals.iter().enumerate().map(|(i, (k, v))| UsagePoint {
                day: Utc.timestamp_opt(i as i64 * 86400, 0).unwrap(),
                etype: "svcusg".into(),
                stype: names[*k as usize].into(),
                credits: Decimal::new(*v, 4),
                count: None,
            }).collect();
            let ops = by_operation(&pts);
            let a: Decimal = ops.iter().map(|o| o.credits).sum();
            let b: Decimal = pts.iter().map(|p| p.credits).sum();
            prop_assert_eq!(a, b);
            prop_assert!(ops.windows(2).all(|w| w[0].credits >= w[1].credits));
        }
    }
}
