//! Cost Management API shapes (api-version 2025-03-01): Query (azure.md §3), Exports (§5) and
//! the hubs `settings.json` (managed scopes, AZ-01). Field names follow the REST API
//! (azure-rest-api-specs `Microsoft.CostManagement/stable/2025-03-01`); money is never read
//! through `f64` (query cells are kept as raw JSON text and parsed exactly by
//! [`crate::mapping`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// The api-version every call uses (FTK PowerShell's default; azure.md §5).
pub const API_VERSION: &str = "2025-03-01";

/// Most group-by clauses a query may have (`QueryDataset.grouping`, `maxItems: 2`).
pub const MAX_GROUPINGS: usize = 2;
/// Most aggregations a query may have.
pub const MAX_AGGREGATIONS: usize = 2;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $variant,)+
        }
        impl $name {
            /// The API's spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
            /// Parse the API's spelling (ASCII case-insensitive).
            pub fn parse(s: &str) -> Option<Self> {
                [$($name::$variant),+].into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

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

/// A custom period. The API's `to` is **inclusive**: the client sends the last second of a
/// half-open period (`[from, end)` → `to = end − 1 s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimePeriod {
    /// First instant.
    #[serde(with = "api_time")]
    pub from: DateTime<Utc>,
    /// Last instant (inclusive).
    #[serde(with = "api_time")]
    pub to: DateTime<Utc>,
}

impl TimePeriod {
    /// The inclusive API period of the half-open `[start, end)`.
    pub fn from_half_open(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        TimePeriod {
            from: start,
            to: (end - chrono::Duration::seconds(1)).max(start),
        }
    }

    /// The days covered, first and last (inclusive).
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        (self.from.date_naive(), self.to.date_naive())
    }
}

/// Times as the API writes them (`2026-08-01T00:00:00Z`); offsets and zone-less forms
/// (`2026-08-01T00:00:00`, read as UTC) are accepted on input.
pub mod api_time {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Parse an API time.
    pub fn parse(s: &str) -> Option<DateTime<Utc>> {
        let s = s.trim();
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|n| n.and_utc())
            })
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|n| n.and_utc())
            })
    }

    /// Serde serializer.
    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    /// Serde deserializer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date-time: {s:?}")))
    }
}

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

// ---------------------------------------------------------------- Exports

string_enum!(
    /// Datasets an export writes.
    ExportType {
        /// Legacy usage.
        Usage = "Usage",
        /// Actual cost.
        ActualCost = "ActualCost",
        /// Amortized cost.
        AmortizedCost = "AmortizedCost",
        /// FOCUS cost and usage (what hubs ingest).
        FocusCost = "FocusCost",
        /// Price sheet.
        PriceSheet = "PriceSheet",
        /// Reservation details.
        ReservationDetails = "ReservationDetails",
        /// Reservation recommendations.
        ReservationRecommendations = "ReservationRecommendations",
        /// Reservation transactions.
        ReservationTransactions = "ReservationTransactions",
    }
);

string_enum!(
    /// Export schedule recurrence.
    Recurrence {
        /// Every day.
        Daily = "Daily",
        /// Every week.
        Weekly = "Weekly",
        /// Every month.
        Monthly = "Monthly",
        /// Every year.
        Annually = "Annually",
    }
);

string_enum!(
    /// File format.
    ExportFormat {
        /// CSV.
        Csv = "Csv",
        /// Parquet.
        Parquet = "Parquet",
    }
);

string_enum!(
    /// Compression.
    CompressionMode {
        /// gzip (CSV).
        Gzip = "gzip",
        /// Snappy (Parquet).
        Snappy = "snappy",
        /// None.
        None = "none",
    }
);

string_enum!(
    /// What a run does with earlier files.
    OverwriteBehavior {
        /// Replace the earlier report.
        OverwritePreviousReport = "OverwritePreviousReport",
        /// A new folder per run.
        CreateNewReport = "CreateNewReport",
    }
);

/// `properties.schedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSchedule {
    /// `Active` or `Inactive`.
    pub status: String,
    /// How often.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
    /// From when to when.
    #[serde(
        rename = "recurrencePeriod",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recurrence_period: Option<RecurrencePeriod>,
}

/// `schedule.recurrencePeriod`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecurrencePeriod {
    /// Start.
    #[serde(with = "api_time")]
    pub from: DateTime<Utc>,
    /// End.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_api_time"
    )]
    pub to: Option<DateTime<Utc>>,
}

/// Optional [`api_time`].
pub mod opt_api_time {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serde serializer.
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::api_time::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    /// Serde deserializer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => super::api_time::parse(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a date-time: {s:?}"))),
        }
    }
}

/// `deliveryInfo.destination`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportDestination {
    /// `AzureBlob`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Storage account resource id.
    #[serde(rename = "resourceId")]
    pub resource_id: String,
    /// Container (`msexports`).
    pub container: String,
    /// Folder in the container.
    #[serde(rename = "rootFolderPath", default)]
    pub root_folder_path: String,
}

/// `deliveryInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportDeliveryInfo {
    /// Where files go.
    pub destination: ExportDestination,
}

/// `definition.dataSet.configuration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportDatasetConfiguration {
    /// Dataset version (`1.2-preview`, `1.0r2`, `2023-05-01`, ...).
    #[serde(
        rename = "dataVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub data_version: Option<String>,
}

/// `definition.dataSet`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportDataset {
    /// `Daily` (cost datasets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<String>,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<ExportDatasetConfiguration>,
}

/// `properties.definition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportDefinition {
    /// Dataset.
    #[serde(rename = "type")]
    pub kind: ExportType,
    /// Period of each run.
    pub timeframe: Timeframe,
    /// With `Custom`.
    #[serde(
        rename = "timePeriod",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub time_period: Option<TimePeriod>,
    /// Granularity and version.
    #[serde(rename = "dataSet", default, skip_serializing_if = "Option::is_none")]
    pub data_set: Option<ExportDataset>,
}

/// `properties` of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportProperties {
    /// Schedule (absent: run on demand only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ExportSchedule>,
    /// Csv or Parquet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ExportFormat>,
    /// Split into parts.
    #[serde(
        rename = "partitionData",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub partition_data: Option<bool>,
    /// Earlier reports replaced or kept.
    #[serde(
        rename = "dataOverwriteBehavior",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub data_overwrite_behavior: Option<OverwriteBehavior>,
    /// gzip, snappy or none.
    #[serde(
        rename = "compressionMode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub compression_mode: Option<CompressionMode>,
    /// Destination.
    #[serde(rename = "deliveryInfo")]
    pub delivery_info: ExportDeliveryInfo,
    /// What is exported.
    pub definition: ExportDefinition,
    /// When the next scheduled run is expected (responses only).
    #[serde(
        rename = "nextRunTimeEstimate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_run_time_estimate: Option<String>,
}

/// `identity` of an export (hub exports use the system-assigned identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportIdentity {
    /// `SystemAssigned` or `None`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// An export resource (request body of a PUT, and every reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    /// Resource id (replies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name (replies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Microsoft.CostManagement/exports` (replies).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Version tag: an update must send the current one.
    #[serde(rename = "eTag", default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// Managed identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ExportIdentity>,
    /// `global` with an identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The export.
    pub properties: ExportProperties,
}

/// Body of `POST .../exports/{name}/run` (optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRunRequest {
    /// Period of this run (backfill).
    #[serde(
        rename = "timePeriod",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub time_period: Option<TimePeriod>,
}

/// An error inside a run history entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorDetails {
    /// Code.
    #[serde(default)]
    pub code: String,
    /// Message.
    #[serde(default)]
    pub message: String,
}

/// `properties` of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRunProperties {
    /// `Scheduled` or `OnDemand`.
    #[serde(rename = "executionType", default)]
    pub execution_type: String,
    /// Queued, InProgress, Completed, Failed, Timeout, NewDataNotAvailable, DataNotAvailable.
    #[serde(default)]
    pub status: String,
    /// When it was asked for.
    #[serde(rename = "submittedTime", default)]
    pub submitted_time: Option<String>,
    /// Processing start.
    #[serde(rename = "processingStartTime", default)]
    pub processing_start_time: Option<String>,
    /// Processing end.
    #[serde(rename = "processingEndTime", default)]
    pub processing_end_time: Option<String>,
    /// First day exported.
    #[serde(rename = "startDate", default)]
    pub start_date: Option<String>,
    /// Last day exported.
    #[serde(rename = "endDate", default)]
    pub end_date: Option<String>,
    /// The run's folder.
    #[serde(rename = "fileName", default)]
    pub file_name: Option<String>,
    /// The run's manifest blob.
    #[serde(rename = "manifestFile", default)]
    pub manifest_file: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<ApiErrorDetails>,
}

/// One run of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRun {
    /// Run id (resource id).
    #[serde(default)]
    pub id: Option<String>,
    /// Run name (the run id).
    #[serde(default)]
    pub name: Option<String>,
    /// The run.
    pub properties: ExportRunProperties,
}

/// `GET .../exports/{name}/runHistory`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRunHistory {
    /// Runs, newest first.
    #[serde(default)]
    pub value: Vec<ExportRun>,
}

/// `GET .../exports`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportList {
    /// Exports.
    #[serde(default)]
    pub value: Vec<Export>,
}

// ---------------------------------------------------------------- hubs settings.json

/// A managed scope of a hub's `config/settings.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubScope {
    /// Scope id (`/providers/Microsoft.Billing/billingAccounts/123`, `/subscriptions/…`).
    pub scope: String,
    /// Tenant of the scope, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

/// Retention of a hub (`retention.{msexports.days, ingestion.months, raw.days, final.months}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HubRetention {
    /// Days export files are kept in msexports (0: deleted once ingested).
    pub msexports_days: u32,
    /// Months kept in the ingestion container.
    pub ingestion_months: u32,
}

impl Default for HubRetention {
    fn default() -> Self {
        // hubs' defaults (main.bicep l.148–157).
        HubRetention {
            msexports_days: 0,
            ingestion_months: 13,
        }
    }
}

/// A hub's `config/settings.json`: the managed scopes and the retention. The current form
/// (`scopes: [{"scope": …}]`) and the older one (`exportScopes`: strings or objects) are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubSettings {
    /// Toolkit version that wrote it.
    pub version: Option<String>,
    /// Managed scopes, in file order, duplicates removed (case-insensitive).
    pub scopes: Vec<HubScope>,
    /// Retention.
    pub retention: HubRetention,
}

impl HubSettings {
    /// Parse `settings.json`; errors name `label` and the field.
    pub fn parse(label: &str, bytes: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| format!("{label}: not UTF-8: {e}"))?
            .trim_start_matches('\u{feff}');
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{label}: not JSON: {e}"))?;
        let obj = v
            .as_object()
            .ok_or_else(|| format!("{label}: expected a JSON object"))?;
        let list = match (obj.get("scopes"), obj.get("exportScopes")) {
            (Some(s), _) => ("scopes", s),
            (None, Some(s)) => ("exportScopes", s),
            (None, None) => ("scopes", &serde_json::Value::Null),
        };
        let items: Vec<serde_json::Value> = match list.1 {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::Array(a) => a.clone(),
            // PowerShell's ConvertTo-Json writes a one-element array as the element itself.
            other @ (serde_json::Value::Object(_) | serde_json::Value::String(_)) => {
                vec![other.clone()]
            }
            _ => return Err(format!("{label}: {}: expected an array", list.0)),
        };
        let mut scopes: Vec<HubScope> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (scope, tenant) = match item {
                serde_json::Value::String(s) => (s.clone(), None),
                serde_json::Value::Object(o) => (
                    o.get("scope")
                        .and_then(|s| s.as_str())
                        .ok_or_else(|| format!("{label}: {}[{i}].scope: missing", list.0))?
                        .to_string(),
                    o.get("tenant")
                        .or_else(|| o.get("tenantId"))
                        .and_then(|s| s.as_str())
                        .map(str::to_string),
                ),
                _ => return Err(format!("{label}: {}[{i}]: expected a scope", list.0)),
            };
            let scope = scope.trim().to_string();
            if !scope.starts_with('/') || scope.len() < 2 || scope.contains("//") {
                return Err(format!(
                    "{label}: {}[{i}].scope: {scope:?} is not a scope id (/subscriptions/…, /providers/Microsoft.Billing/…)",
                    list.0
                ));
            }
            if !scopes.iter().any(|s| s.scope.eq_ignore_ascii_case(&scope)) {
                scopes.push(HubScope { scope, tenant });
            }
        }
        let num = |path: [&str; 2]| -> Result<Option<u32>, String> {
            match obj
                .get("retention")
                .and_then(|r| r.get(path[0]))
                .and_then(|r| r.get(path[1]))
            {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(n) => n
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        format!(
                            "{label}: retention.{}.{}: {n} is not a whole number",
                            path[0], path[1]
                        )
                    }),
            }
        };
        let d = HubRetention::default();
        Ok(HubSettings {
            version: obj
                .get("version")
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            scopes,
            retention: HubRetention {
                msexports_days: num(["msexports", "days"])?.unwrap_or(d.msexports_days),
                ingestion_months: num(["ingestion", "months"])?.unwrap_or(d.ingestion_months),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_body_matches_the_documented_shape() {
        let q = QueryDefinition {
            kind: QueryType::ActualCost,
            timeframe: Timeframe::Custom,
            time_period: Some(TimePeriod::from_half_open(
                "2026-08-01T00:00:00Z".parse().unwrap(),
                "2026-09-01T00:00:00Z".parse().unwrap(),
            )),
            dataset: QueryDataset {
                granularity: Some(Granularity::Daily),
                aggregation: [("totalCost".to_string(), QueryAggregation::sum("Cost"))].into(),
                grouping: vec![
                    QueryGrouping::dimension("SubscriptionId"),
                    QueryGrouping::tag("env"),
                ],
                filter: Some(QueryFilter::and(vec![
                    QueryFilter::dimension_in("ResourceLocation", &["westeurope"]),
                    QueryFilter::tag_in("env", &["prod"]),
                ])),
            },
        };
        q.validate().unwrap();
        let v = serde_json::to_value(&q).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "type": "ActualCost", "timeframe": "Custom",
                "timePeriod": {"from": "2026-08-01T00:00:00Z", "to": "2026-08-31T23:59:59Z"},
                "dataset": {"granularity": "Daily",
                    "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
                    "grouping": [{"type": "Dimension", "name": "SubscriptionId"}, {"type": "TagKey", "name": "env"}],
                    "filter": {"and": [
                        {"dimensions": {"name": "ResourceLocation", "operator": "In", "values": ["westeurope"]}},
                        {"tags": {"name": "env", "operator": "In", "values": ["prod"]}}]}}
            })
        );
        let back: QueryDefinition = serde_json::from_value(v).unwrap();
        assert_eq!(back, q);
        let mut bad = q.clone();
        bad.dataset
            .grouping
            .push(QueryGrouping::dimension("ServiceName"));
        assert!(bad.validate().unwrap_err().contains("up to 2"));
        let mut bad = q.clone();
        bad.time_period = None;
        assert!(bad.validate().is_err());
        let mut bad = q;
        bad.dataset.filter = Some(QueryFilter::and(vec![QueryFilter::tag_in("a", &["b"])]));
        assert!(bad.validate().is_err());
    }

    #[test]
    fn export_body_round_trips_the_reference_fixture() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../tests/data/azure_export_focuscost_put.json"
        ))
        .unwrap();
        let e: Export = serde_json::from_value(fixture["body"].clone()).unwrap();
        assert_eq!(e.properties.definition.kind, ExportType::FocusCost);
        assert_eq!(e.properties.compression_mode, Some(CompressionMode::Gzip));
        assert_eq!(
            e.properties
                .definition
                .data_set
                .as_ref()
                .and_then(|d| d.configuration.as_ref())
                .and_then(|c| c.data_version.as_deref()),
            Some("1.0r2")
        );
        assert_eq!(serde_json::to_value(&e).unwrap(), fixture["body"]);
    }

    #[test]
    fn settings_current_older_and_bad_forms() {
        let s = HubSettings::parse(
            "settings.json",
            br#"{"$schema":"https://aka.ms/finops/hubs/settings-schema","type":"HubInstance","version":"15.0",
                "scopes":[{"scope":"/providers/Microsoft.Billing/billingAccounts/8611537"},
                          {"scope":"/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61","tenant":"t"},
                          {"scope":"/providers/microsoft.billing/billingaccounts/8611537"}],
                "retention":{"msexports":{"days":0},"ingestion":{"months":24},"raw":{"days":0},"final":{"months":13}}}"#,
        )
        .unwrap();
        assert_eq!(s.scopes.len(), 2);
        assert_eq!(s.scopes[1].tenant.as_deref(), Some("t"));
        assert_eq!(s.retention.ingestion_months, 24);
        let old = HubSettings::parse(
            "s",
            br#"{"exportScopes":["/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61"]}"#,
        )
        .unwrap();
        assert_eq!(old.scopes.len(), 1);
        assert_eq!(old.retention, HubRetention::default());
        let one = HubSettings::parse("s", br#"{"scopes":{"scope":"/subscriptions/x"}}"#).unwrap();
        assert_eq!(one.scopes.len(), 1);
        for bad in [
            &br#"{"scopes":[{"scope":"subscriptions/x"}]}"#[..],
            br#"{"scopes":[{"tenant":"x"}]}"#,
            br#"{"scopes":[1]}"#,
            br#"{"retention":{"ingestion":{"months":-1}}}"#,
            br#"[]"#,
            b"{",
        ] {
            let e = HubSettings::parse("settings.json", bad).unwrap_err();
            assert!(e.starts_with("settings.json"), "{e}");
        }
    }
}
