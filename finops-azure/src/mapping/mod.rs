//! Query API results → FOCUS 1.2 records (AZ-01, X-01).
//!
//! A query result is a table (`columns`, `rows`): the aggregated cost columns (`Cost`,
//! `PreTaxCost`, their `…USD` forms, `UsageQuantity`), a date column (`UsageDate` =
//! `yyyyMMdd` number for Daily, `BillingMonth` for Monthly, none for None), the group-by
//! columns (dimensions; `TagKey`/`TagValue` for a tag) and `Currency`. Cells are read from
//! their JSON text: money is exact to the digits the API sent (it sends doubles, already
//! rounded by the service; nothing is rounded again here).
//!
//! [`QuerySpec`] says what the [`Azure`](crate::Azure) cost source asks for. By default
//! ([`CostBasis::ActualAndAmortized`]) it runs an `ActualCost` and an `AmortizedCost` query
//! with the same grouping and joins their rows on (period, groups, currency): BilledCost is
//! the actual cost, EffectiveCost the amortized cost, as FOCUS defines them (a reservation
//! purchase keeps its BilledCost and gets EffectiveCost 0; the usage it covers gets BilledCost
//! 0 and its amortized EffectiveCost). With one basis only, both columns carry that basis
//! (`x_CostBasis` says which).
//!
//! The Query API carries no list or contracted prices: ListCost and ContractedCost are set to
//! EffectiveCost (BilledCost on purchase rows), and `x_SourceChanges` records
//! `ListAndContractedCostFromCost`. Group-by columns map to FOCUS where one exists
//! (`SubscriptionId` → SubAccountId `/subscriptions/{id}`, `ServiceName`, `ResourceLocation`
//! → RegionId/RegionName, `ResourceId`, `ChargeType` → ChargeCategory, `PricingModel` →
//! PricingCategory, a tag → Tags) and to `x_{Name}` otherwise.

use crate::error;
use crate::model::{
    Granularity, QueryAggregation, QueryDataset, QueryDefinition, QueryFilter, QueryGrouping,
    QueryResult, QueryType, TimePeriod, Timeframe,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use finops_core::focus::{ChargeCategory, PricingCategory, ServiceCategory};
use finops_core::{CostRecord, Currency, Decimal, Period, Result, Tags};
use std::collections::BTreeMap;

mod record;

pub use record::*;

/// ProviderName, PublisherName and InvoiceIssuerName of Query API records.
pub const PROVIDER_NAME: &str = "Microsoft";

/// Which cost the records carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CostBasis {
    /// `ActualCost` only: BilledCost = EffectiveCost = actual cost.
    Actual,
    /// `AmortizedCost` only: BilledCost = EffectiveCost = amortized cost.
    Amortized,
    /// Both, joined: BilledCost = actual, EffectiveCost = amortized (two queries).
    #[default]
    ActualAndAmortized,
}

impl CostBasis {
    /// The query types to run.
    pub fn query_types(self) -> &'static [QueryType] {
        match self {
            CostBasis::Actual => &[QueryType::ActualCost],
            CostBasis::Amortized => &[QueryType::AmortizedCost],
            CostBasis::ActualAndAmortized => &[QueryType::ActualCost, QueryType::AmortizedCost],
        }
    }
}

/// What the [`Azure`](crate::Azure) cost source asks the Query API for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct QuerySpec {
    /// Actual, amortized or both.
    pub basis: CostBasis,
    /// Daily (default), Monthly or None.
    pub granularity: Granularity,
    /// Group-by clauses (at most two; default `SubscriptionId`, `ServiceName`).
    pub grouping: Vec<QueryGrouping>,
    /// Extra filter (ANDed with the sub-account filter of a [`CostQuery`](finops_core::source::CostQuery)).
    pub filter: Option<QueryFilter>,
    /// Aggregated cost column (default `Cost`; `PreTaxCost` also works).
    pub cost_column: String,
    /// Also aggregate the cost in USD (`{cost_column}USD`, the second aggregation).
    pub usd: bool,
}

impl Default for QuerySpec {
    fn default() -> Self {
        QuerySpec {
            basis: CostBasis::default(),
            granularity: Granularity::Daily,
            grouping: vec![
                QueryGrouping::dimension("SubscriptionId"),
                QueryGrouping::dimension("ServiceName"),
            ],
            filter: None,
            cost_column: "Cost".into(),
            usd: false,
        }
    }
}

impl QuerySpec {
    /// Another basis.
    pub fn with_basis(mut self, b: CostBasis) -> Self {
        self.basis = b;
        self
    }

    /// Another granularity.
    pub fn with_granularity(mut self, g: Granularity) -> Self {
        self.granularity = g;
        self
    }

    /// Other group-by clauses.
    pub fn with_grouping(mut self, g: Vec<QueryGrouping>) -> Self {
        self.grouping = g;
        self
    }

    /// A filter.
    pub fn with_filter(mut self, f: QueryFilter) -> Self {
        self.filter = Some(f);
        self
    }

    /// Aggregate the USD cost too.
    pub fn with_usd(mut self, yes: bool) -> Self {
        self.usd = yes;
        self
    }

    /// The query of `kind` for `period` (`None`: month to date), restricted to
    /// `subscriptions` (GUIDs; empty: all).
    pub fn definition(
        &self,
        kind: QueryType,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
        subscriptions: &[String],
    ) -> QueryDefinition {
        let mut aggregation = BTreeMap::new();
        aggregation.insert(
            "totalCost".to_string(),
            QueryAggregation::sum(&self.cost_column),
        );
        if self.usd {
            aggregation.insert(
                "totalCostUSD".to_string(),
                QueryAggregation::sum(&format!("{}USD", self.cost_column)),
            );
        }
        let sub_filter = (!subscriptions.is_empty()).then(|| {
            let v: Vec<&str> = subscriptions.iter().map(String::as_str).collect();
            QueryFilter::dimension_in("SubscriptionId", &v)
        });
        let filter = match (self.filter.clone(), sub_filter) {
            (Some(a), Some(b)) => Some(QueryFilter::and(vec![a, b])),
            (a, b) => a.or(b),
        };
        let (timeframe, time_period) = match period {
            Some((s, e)) => (Timeframe::Custom, Some(TimePeriod::from_half_open(s, e))),
            None => (Timeframe::MonthToDate, None),
        };
        QueryDefinition {
            kind,
            timeframe,
            time_period,
            dataset: QueryDataset {
                granularity: Some(self.granularity),
                aggregation,
                grouping: self.grouping.clone(),
                filter,
            },
        }
    }
}

/// Split `[start, end)` at calendar-month boundaries (UTC): one query per month of data
/// (a query costs one QPU per month it reads, azure.md §3).
pub fn month_chunks(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut s = start;
    while s < end {
        let next = next_month(s.date_naive())
            .and_then(|d| Utc.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single())
            .unwrap_or(end);
        let e = next.min(end);
        out.push((s, e));
        s = e;
    }
    out
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

fn next_month(d: NaiveDate) -> Option<NaiveDate> {
    let f = first_of_month(d);
    if f.month() == 12 {
        NaiveDate::from_ymd_opt(f.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(f.year(), f.month() + 1, 1)
    }
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// One result row, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryRow {
    /// Charge period (from the date column, else the query's period).
    pub period: Period,
    /// Group-by values in column order (`None` for an empty/null cell).
    pub dims: Vec<(String, Option<String>)>,
    /// Aggregated values (column name → exact value).
    pub values: Vec<(String, Decimal)>,
    /// `Currency`.
    pub currency: Option<String>,
}

const DATE_COLUMNS: &[&str] = &["UsageDate", "BillingMonth", "Date"];

fn cell_text(raw: &serde_json::value::RawValue) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(raw.get()).ok()? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s).filter(|s| !s.is_empty()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        // Numbers keep their text (a GUID-like dimension is never a number).
        serde_json::Value::Number(_) => Some(raw.get().trim().to_string()),
        other => Some(other.to_string()),
    }
}

/// Parse a result page into rows. `query_period` is the half-open period the query covered
/// (charge period of `None` granularity; the clip of Monthly rows); `aggregated` names the
/// aggregated columns; `call` names the API call in errors.
pub fn parse_rows(
    result: &QueryResult,
    query_period: Period,
    aggregated: &[String],
    call: &str,
) -> Result<Vec<QueryRow>> {
    let cols = &result.properties.columns;
    let bad = |row: usize, col: &str, m: String| {
        error::invalid_response(call, format!("row {} column {col}: {m}", row + 1))
    };
    let mut out = Vec::with_capacity(result.properties.rows.len());
    for (i, row) in result.properties.rows.iter().enumerate() {
        if row.len() != cols.len() {
            return Err(error::invalid_response(
                call,
                format!(
                    "row {} has {} cells, the result has {} columns",
                    i + 1,
                    row.len(),
                    cols.len()
                ),
            ));
        }
        let mut period = query_period;
        let mut dims = Vec::new();
        let mut values = Vec::new();
        let mut currency = None;
        for (c, raw) in cols.iter().zip(row) {
            let name = c.name.as_str();
            if aggregated.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                let v = finops_core::json::raw_number(raw.get())
                    .map_err(|e| bad(i, name, format!("{}: {e}", raw.get())))?
                    .unwrap_or(Decimal::ZERO);
                values.push((name.to_string(), v));
            } else if name.eq_ignore_ascii_case("Currency") {
                currency = cell_text(raw);
            } else if DATE_COLUMNS.iter().any(|d| d.eq_ignore_ascii_case(name)) {
                let text = cell_text(raw).ok_or_else(|| bad(i, name, "empty date".into()))?;
                period = row_period(&text, name, query_period)
                    .ok_or_else(|| bad(i, name, format!("{text:?} is not a date")))?;
            } else {
                dims.push((name.to_string(), cell_text(raw)));
            }
        }
        out.push(QueryRow {
            period,
            dims,
            values,
            currency,
        });
    }
    Ok(out)
}

/// The charge period of a date cell: `UsageDate` `20260801` → that day; `BillingMonth`
/// `2026-08-01T00:00:00` → that month clipped to the query's period.
fn row_period(text: &str, column: &str, query: Period) -> Option<Period> {
    let day = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        NaiveDate::parse_from_str(text, "%Y%m%d").ok()?
    } else {
        crate::model::api_time::parse(text)?.date_naive()
    };
    if column.eq_ignore_ascii_case("BillingMonth") {
        let s = midnight(first_of_month(day)).max(query.start);
        let e = midnight(next_month(day)?).min(query.end);
        return Period::new(s, e.max(s + Duration::seconds(1))).ok();
    }
    Some(Period::day(day))
}

/// A key joining the actual and amortized rows.
type JoinKey = (
    DateTime<Utc>,
    DateTime<Utc>,
    Vec<(String, Option<String>)>,
    Option<String>,
);

/// The cost of a row (first aggregated column that is not USD or a quantity).
fn cost_of(row: &QueryRow) -> Decimal {
    row.values
        .iter()
        .find(|(n, _)| {
            !n.to_ascii_uppercase().ends_with("USD") && !n.eq_ignore_ascii_case("UsageQuantity")
        })
        .map(|(_, v)| *v)
        .unwrap_or(Decimal::ZERO)
}

fn usd_of(row: &QueryRow) -> Option<Decimal> {
    row.values
        .iter()
        .find(|(n, _)| n.to_ascii_uppercase().ends_with("USD"))
        .map(|(_, v)| *v)
}

/// A row of both bases: actual and amortized costs (0 where a basis has no such row).
#[derive(Debug, Clone, PartialEq)]
pub struct JoinedRow {
    /// The row (period, groups, currency).
    pub row: QueryRow,
    /// Actual cost (BilledCost).
    pub actual: Decimal,
    /// Amortized cost (EffectiveCost).
    pub amortized: Decimal,
    /// USD forms, when asked for.
    pub actual_usd: Option<Decimal>,
    /// USD forms, when asked for.
    pub amortized_usd: Option<Decimal>,
}

/// Join actual and amortized rows (one side may be empty: a single basis). Rows are summed
/// per key, so a group split over two pages stays one record. Order: by period, then groups.
pub fn join(
    actual: Vec<QueryRow>,
    amortized: Vec<QueryRow>,
    basis: CostBasis,
) -> Result<Vec<JoinedRow>> {
    let mut map: BTreeMap<JoinKey, JoinedRow> = BTreeMap::new();
    let add = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
        (Some(a), Some(b)) => a.checked_add(b),
        (a, b) => a.or(b),
    };
    let overflow = || finops_core::Error::InvalidArgument("a cost sum overflows".into());
    for (side, rows) in [(0, actual), (1, amortized)] {
        for r in rows {
            let key = (
                r.period.start,
                r.period.end,
                r.dims.clone(),
                r.currency.clone(),
            );
            let (c, u) = (cost_of(&r), usd_of(&r));
            let e = map.entry(key).or_insert_with(|| JoinedRow {
                row: r.clone(),
                actual: Decimal::ZERO,
                amortized: Decimal::ZERO,
                actual_usd: None,
                amortized_usd: None,
            });
            if side == 0 {
                e.actual = e.actual.checked_add(c).ok_or_else(overflow)?;
                e.actual_usd = add(e.actual_usd, u);
            } else {
                e.amortized = e.amortized.checked_add(c).ok_or_else(overflow)?;
                e.amortized_usd = add(e.amortized_usd, u);
            }
        }
    }
    let mut out: Vec<JoinedRow> = map.into_values().collect();
    match basis {
        CostBasis::Actual => {
            for r in &mut out {
                r.amortized = r.actual;
                r.amortized_usd = r.actual_usd;
            }
        }
        CostBasis::Amortized => {
            for r in &mut out {
                r.actual = r.amortized;
                r.actual_usd = r.amortized_usd;
            }
        }
        CostBasis::ActualAndAmortized => {}
    }
    Ok(out)
}

/// The query's half-open period: the custom one, else month to date by `today` (the current
/// day is included).
pub fn definition_period(def: &QueryDefinition, today: NaiveDate) -> Period {
    match &def.time_period {
        Some(p) => Period {
            start: p.from,
            end: (p.to + Duration::seconds(1)).max(p.from + Duration::seconds(1)),
        },
        None => Period {
            start: midnight(first_of_month(today)),
            end: midnight(today) + Duration::days(1),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QueryResult;

    fn result(json: &str) -> QueryResult {
        serde_json::from_str(json).unwrap()
    }

    fn aug() -> Period {
        Period::new(
            "2026-08-01T00:00:00Z".parse().unwrap(),
            "2026-09-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn rows_parse_exactly_by_column_name() {
        let r = result(
            r#"{"properties":{"nextLink":null,"columns":[
              {"name":"Cost","type":"Number"},{"name":"UsageDate","type":"Number"},
              {"name":"SubscriptionId","type":"String"},{"name":"ServiceName","type":"String"},{"name":"Currency","type":"String"}],
              "rows":[[12.345678901234567,20260803,"3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61","Virtual Machines","EUR"],
                      [0,20260804,"3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61","Storage","EUR"]]}}"#,
        );
        let rows = parse_rows(&r, aug(), &["Cost".into()], "POST q").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].values,
            [("Cost".to_string(), "12.345678901234567".parse().unwrap())]
        );
        assert_eq!(
            rows[0].period,
            Period::day(NaiveDate::from_ymd_opt(2026, 8, 3).unwrap())
        );
        let j = join(rows, vec![], CostBasis::Actual).unwrap();
        let ctx = MappingContext {
            scope: "/providers/Microsoft.Billing/billingAccounts/8611537",
            account_name: Some("Contoso EA"),
            basis: CostBasis::Actual,
            fallback_currency: None,
            call: "POST q",
        };
        let rec = to_cost_record(&j[0], &ctx).unwrap();
        assert_eq!(rec.billed_cost, "12.345678901234567".parse().unwrap());
        assert_eq!(rec.effective_cost, rec.billed_cost);
        assert_eq!(
            rec.sub_account_id.as_deref(),
            Some("/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61")
        );
        assert_eq!(
            rec.billing_account_id,
            "/providers/microsoft.billing/billingaccounts/8611537"
        );
        assert_eq!(rec.service_category, ServiceCategory::Compute);
        assert_eq!(rec.billing_currency.as_str(), "EUR");
        assert_eq!(
            rec.billing_period,
            Period::month_of(NaiveDate::from_ymd_opt(2026, 8, 3).unwrap())
        );
        // Bad cells name the row and column.
        let bad = result(
            r#"{"properties":{"columns":[{"name":"Cost","type":"Number"},{"name":"UsageDate","type":"Number"}],
              "rows":[[1,20260803],["x",20260803]]}}"#,
        );
        let e = parse_rows(&bad, aug(), &["Cost".into()], "POST q").unwrap_err();
        assert!(e.to_string().contains("row 2 column Cost"), "{e}");
        let short =
            result(r#"{"properties":{"columns":[{"name":"Cost","type":"Number"}],"rows":[[]]}}"#);
        assert!(parse_rows(&short, aug(), &["Cost".into()], "q").is_err());
    }

    #[test]
    fn actual_and_amortized_join_into_billed_and_effective() {
        let page = |rows: &str| {
            result(&format!(
                r#"{{"properties":{{"columns":[{{"name":"Cost","type":"Number"}},{{"name":"BillingMonth","type":"Datetime"}},
                {{"name":"ChargeType","type":"String"}},{{"name":"PricingModel","type":"String"}},{{"name":"Currency","type":"String"}}],"rows":[{rows}]}}}}"#
            ))
        };
        let half = Period::new(
            "2026-08-01T00:00:00Z".parse().unwrap(),
            "2026-08-16T00:00:00Z".parse().unwrap(),
        )
        .unwrap();
        let actual = parse_rows(
            &page(r#"[743.16,"2026-08-01T00:00:00","Purchase","Reservation","EUR"],[10.5,"2026-08-01T00:00:00","Usage","OnDemand","EUR"]"#),
            half,
            &["Cost".into()],
            "q",
        )
        .unwrap();
        let amortized = parse_rows(
            &page(r#"[61.93,"2026-08-01T00:00:00","Usage","Reservation","EUR"],[10.5,"2026-08-01T00:00:00","Usage","OnDemand","EUR"]"#),
            half,
            &["Cost".into()],
            "q",
        )
        .unwrap();
        assert_eq!(
            actual[0].period, half,
            "Monthly rows are clipped to the query's period"
        );
        let joined = join(actual, amortized, CostBasis::ActualAndAmortized).unwrap();
        assert_eq!(joined.len(), 3);
        let ctx = MappingContext {
            scope: "/subscriptions/x",
            account_name: None,
            basis: CostBasis::ActualAndAmortized,
            fallback_currency: None,
            call: "q",
        };
        let recs: Vec<CostRecord> = joined
            .iter()
            .map(|j| to_cost_record(j, &ctx).unwrap())
            .collect();
        let purchase = recs
            .iter()
            .find(|r| r.charge_category == ChargeCategory::Purchase)
            .unwrap();
        assert_eq!(purchase.billed_cost, "743.16".parse().unwrap());
        assert_eq!(purchase.effective_cost, Decimal::ZERO);
        assert_eq!(purchase.pricing_category, Some(PricingCategory::Standard));
        let covered = recs
            .iter()
            .find(|r| {
                r.extensions.get("x_PricingModel") == Some("Reservation")
                    && r.charge_category == ChargeCategory::Usage
            })
            .unwrap();
        assert_eq!(
            (covered.billed_cost, covered.effective_cost),
            (Decimal::ZERO, "61.93".parse().unwrap())
        );
        assert_eq!(covered.pricing_category, Some(PricingCategory::Committed));
        let od = recs
            .iter()
            .find(|r| r.extensions.get("x_PricingModel") == Some("OnDemand"))
            .unwrap();
        assert_eq!(
            (od.billed_cost, od.effective_cost),
            ("10.5".parse().unwrap(), "10.5".parse().unwrap())
        );
        assert_eq!(od.billing_account_type.as_deref(), Some("Subscription"));
    }

    #[test]
    fn month_chunks_split_at_month_starts() {
        let c = month_chunks(
            "2026-08-15T00:00:00Z".parse().unwrap(),
            "2026-10-02T00:00:00Z".parse().unwrap(),
        );
        let s: Vec<String> = c.iter().map(|(a, b)| format!("{a}..{b}")).collect();
        assert_eq!(
            s,
            [
                "2026-08-15 00:00:00 UTC..2026-09-01 00:00:00 UTC",
                "2026-09-01 00:00:00 UTC..2026-10-01 00:00:00 UTC",
                "2026-10-01 00:00:00 UTC..2026-10-02 00:00:00 UTC"
            ]
        );
        assert!(month_chunks(c[0].1, c[0].1).is_empty());
    }

    #[test]
    fn spec_builds_one_filtered_definition_per_type() {
        let spec = QuerySpec::default().with_filter(QueryFilter::dimension_in(
            "ResourceLocation",
            &["westeurope"],
        ));
        let d = spec.definition(
            QueryType::AmortizedCost,
            Some((
                "2026-08-01T00:00:00Z".parse().unwrap(),
                "2026-09-01T00:00:00Z".parse().unwrap(),
            )),
            &["abc".into()],
        );
        d.validate().unwrap();
        assert_eq!(d.timeframe, Timeframe::Custom);
        assert!(
            d.dataset
                .filter
                .as_ref()
                .unwrap()
                .and
                .as_ref()
                .unwrap()
                .len()
                == 2
        );
        assert_eq!(
            definition_period(&d, NaiveDate::from_ymd_opt(2026, 8, 9).unwrap()),
            aug()
        );
        let mtd = QuerySpec::default().definition(QueryType::ActualCost, None, &[]);
        assert_eq!(mtd.timeframe, Timeframe::MonthToDate);
        assert!(mtd.dataset.filter.is_none());
        assert_eq!(
            definition_period(&mtd, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()).end,
            "2026-11-23T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
