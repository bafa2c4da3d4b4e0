//! Exports API shapes (azure.md §5): the export (schedule, format, destination, definition),
//! a run request, run history and lists.

use super::*;

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
