//! Query API shapes (azure.md §3): the request body (type, timeframe, dataset with
//! aggregation, grouping and filter), its checks, and the result page (raw cells, `nextLink`).

use super::*;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

string_enum!(
    /// The cost dataset a query reads.
    QueryType {
        /// Usage (legacy: actual cost).
        Usage = "Usage",
        /// Actual (billed) cost: purchases when bought.
        ActualCost = "ActualCost",
        /// Amortized cost: commitment purchases spread over the usage they cover.
        AmortizedCost = "AmortizedCost",
    }
);

string_enum!(
    /// The period a query or export covers.
    Timeframe {
        /// From the first of the month to today.
        MonthToDate = "MonthToDate",
        /// The billing month so far.
        BillingMonthToDate = "BillingMonthToDate",
        /// The previous calendar month.
        TheLastMonth = "TheLastMonth",
        /// The previous billing month.
        TheLastBillingMonth = "TheLastBillingMonth",
        /// From Monday to today.
        WeekToDate = "WeekToDate",
        /// The whole current month.
        TheCurrentMonth = "TheCurrentMonth",
        /// `timePeriod` gives it.
        Custom = "Custom",
        /// Exports only: one run of a custom period.
        OneTime = "OneTime",
    }
);

string_enum!(
    /// Rows per day, per month, or one row per group over the whole period.
    Granularity {
        /// One row per day (`UsageDate` = `yyyyMMdd` number).
        Daily = "Daily",
        /// One row per billing month (`BillingMonth`).
        Monthly = "Monthly",
        /// No date column.
        None = "None",
    }
);

string_enum!(
    /// What a group-by names.
    GroupingType {
        /// A dimension (`SubscriptionId`, `ServiceName`, ...).
        Dimension = "Dimension",
        /// A tag key.
        TagKey = "TagKey",
    }
);

/// An aggregated column: `{"name":"Cost","function":"Sum"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryAggregation {
    /// Column (`Cost`, `PreTaxCost`, `CostUSD`, `PreTaxCostUSD`, `UsageQuantity`).
    pub name: String,
    /// Always `Sum`.
    pub function: String,
}

impl QueryAggregation {
    /// `Sum` of `name`.
    pub fn sum(name: &str) -> Self {
        QueryAggregation {
            name: name.to_string(),
            function: "Sum".into(),
        }
    }
}

/// A group-by clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryGrouping {
    /// Dimension or tag key.
    #[serde(rename = "type")]
    pub kind: GroupingType,
    /// Its name.
    pub name: String,
}

impl QueryGrouping {
    /// Group by a dimension.
    pub fn dimension(name: &str) -> Self {
        QueryGrouping {
            kind: GroupingType::Dimension,
            name: name.to_string(),
        }
    }

    /// Group by a tag key.
    pub fn tag(key: &str) -> Self {
        QueryGrouping {
            kind: GroupingType::TagKey,
            name: key.to_string(),
        }
    }
}

/// `{"name","operator":"In","values":[..]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryComparison {
    /// Dimension or tag key.
    pub name: String,
    /// `In` (the only operator of the Query API).
    pub operator: String,
    /// Accepted values.
    pub values: Vec<String>,
}

/// A filter: exactly one of `and`, `or`, `dimensions`, `tags`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryFilter {
    /// Every sub-filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub and: Option<Vec<QueryFilter>>,
    /// Any sub-filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub or: Option<Vec<QueryFilter>>,
    /// A dimension in a set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<QueryComparison>,
    /// A tag in a set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<QueryComparison>,
}

impl QueryFilter {
    /// `dimension In values`.
    pub fn dimension_in(name: &str, values: &[&str]) -> Self {
        QueryFilter {
            dimensions: Some(QueryComparison {
                name: name.to_string(),
                operator: "In".into(),
                values: values.iter().map(|v| v.to_string()).collect(),
            }),
            ..Default::default()
        }
    }

    /// `tag In values`.
    pub fn tag_in(key: &str, values: &[&str]) -> Self {
        QueryFilter {
            tags: Some(QueryComparison {
                name: key.to_string(),
                operator: "In".into(),
                values: values.iter().map(|v| v.to_string()).collect(),
            }),
            ..Default::default()
        }
    }

    /// All of `filters`.
    pub fn and(filters: Vec<QueryFilter>) -> Self {
        QueryFilter {
            and: Some(filters),
            ..Default::default()
        }
    }

    /// Any of `filters`.
    pub fn or(filters: Vec<QueryFilter>) -> Self {
        QueryFilter {
            or: Some(filters),
            ..Default::default()
        }
    }

    /// Check the shape (what the API answers 400 to): exactly one member, `and`/`or` with at
    /// least two sub-filters, operator `In`, at least one value.
    pub fn validate(&self) -> Result<(), String> {
        let set = [
            self.and.is_some(),
            self.or.is_some(),
            self.dimensions.is_some(),
            self.tags.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if set != 1 {
            return Err(format!(
                "a filter needs exactly one of and, or, dimensions, tags ({set} given)"
            ));
        }
        for list in [&self.and, &self.or].into_iter().flatten() {
            if list.len() < 2 {
                return Err("'and'/'or' need at least two expressions".into());
            }
            for f in list {
                f.validate()?;
            }
        }
        for c in [&self.dimensions, &self.tags].into_iter().flatten() {
            if c.operator != "In" {
                return Err(format!(
                    "operator {:?} is not supported (only In)",
                    c.operator
                ));
            }
            if c.values.is_empty() || c.name.trim().is_empty() {
                return Err(format!("filter on {:?} has no name or no values", c.name));
            }
        }
        Ok(())
    }
}

/// `dataset` of a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryDataset {
    /// Rows per day / month / none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<Granularity>,
    /// Alias → aggregated column.
    #[serde(default)]
    pub aggregation: BTreeMap<String, QueryAggregation>,
    /// Group-by clauses (at most two).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grouping: Vec<QueryGrouping>,
    /// Filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<QueryFilter>,
}

/// The body of `POST {scope}/providers/Microsoft.CostManagement/query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryDefinition {
    /// Dataset.
    #[serde(rename = "type")]
    pub kind: QueryType,
    /// Period.
    pub timeframe: Timeframe,
    /// With `Custom`.
    #[serde(
        rename = "timePeriod",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub time_period: Option<TimePeriod>,
    /// What to aggregate, by what.
    pub dataset: QueryDataset,
}

impl QueryDefinition {
    /// Check what the API refuses with 400: a custom timeframe without a period (or a period
    /// ending before it starts), no aggregation, more than two groupings or aggregations,
    /// a function other than `Sum`, a malformed filter.
    pub fn validate(&self) -> Result<(), String> {
        match (self.timeframe, &self.time_period) {
            (Timeframe::Custom, None) => {
                return Err("timeframe Custom needs a timePeriod".into());
            }
            (_, Some(p)) if p.to < p.from => {
                return Err(format!(
                    "timePeriod.to ({}) is before timePeriod.from ({})",
                    p.to, p.from
                ));
            }
            (Timeframe::OneTime, _) => {
                return Err("timeframe OneTime is for exports only".into());
            }
            _ => {}
        }
        let d = &self.dataset;
        if d.aggregation.is_empty() {
            return Err("dataset.aggregation is empty".into());
        }
        if d.aggregation.len() > MAX_AGGREGATIONS {
            return Err(format!(
                "dataset.aggregation has {} clauses; a query can have up to {MAX_AGGREGATIONS}",
                d.aggregation.len()
            ));
        }
        if let Some(a) = d.aggregation.values().find(|a| a.function != "Sum") {
            return Err(format!(
                "aggregation function {:?} is not supported (only Sum)",
                a.function
            ));
        }
        if d.grouping.len() > MAX_GROUPINGS {
            return Err(format!(
                "dataset.grouping has {} clauses; a query can have up to {MAX_GROUPINGS}",
                d.grouping.len()
            ));
        }
        if let Some(f) = &d.filter {
            f.validate()?;
        }
        Ok(())
    }
}

/// A column of a query result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryColumn {
    /// Name (`Cost`, `UsageDate`, `BillingMonth`, a dimension, a tag key, `Currency`).
    pub name: String,
    /// `Number`, `String`, `Datetime`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// `properties` of a query result. Cells stay raw JSON so money is parsed from its text.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct QueryProperties {
    /// The next page (POST the same body to it), or null/absent on the last page.
    #[serde(rename = "nextLink", default)]
    pub next_link: Option<String>,
    /// Columns.
    #[serde(default)]
    pub columns: Vec<QueryColumn>,
    /// Rows (one cell per column).
    #[serde(default)]
    pub rows: Vec<Vec<Box<RawValue>>>,
}

/// A query result (one page).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct QueryResult {
    /// Result id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Result name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Microsoft.CostManagement/query`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Columns, rows, next link.
    pub properties: QueryProperties,
}
