//! Managed exports (AZ-01, AZ-02): what a FinOps hub's `config_ConfigureExports` pipeline does
//! for each scope of `config/settings.json`, as a plan you read before anything changes.
//!
//! For every managed scope, two FocusCost exports into the hub's `msexports` container, under
//! `rootFolderPath` = the scope id without its leading `/` (azure.md §5):
//! `{hub}-daily-costdetails` (MonthToDate, daily) and `{hub}-monthly-costdetails`
//! (TheLastMonth, monthly). [`ManagedExports::plan`] reads the current exports (GET only) and
//! says, per export, `Create`, `Update` (the current `eTag` is sent, as the API requires) or
//! `Unchanged`, with the exact request it would send. [`ManagedExports::apply`] sends those
//! requests: nothing is created or changed without it (callers expose it as an explicit
//! `--apply` flag; a dry run prints each [`PlannedExport`]: its `Display` is the action and
//! the exact request). Running an export
//! ([`ManagedExports::run`], a change too: it writes files) and reading its run history are
//! here as well.
//!
//! Choices where hubs differ or the task was silent: CSV + gzip by default (hubs' managed
//! exports use Parquet + Snappy; both are ingested, [`ManagedExportsOptions::with_format`]);
//! FocusCost `1.2-preview` (hubs' default since v12); `CreateNewReport` (one folder per run,
//! so a manifest never overwrites another); the recurrence starts the first of the current
//! month and is kept as it is on updates.

use crate::Azure;
use crate::model::{
    CompressionMode, Export, ExportDataset, ExportDatasetConfiguration, ExportDefinition,
    ExportDeliveryInfo, ExportDestination, ExportFormat, ExportIdentity, ExportProperties,
    ExportRunHistory, ExportRunRequest, ExportSchedule, ExportType, HubSettings, OverwriteBehavior,
    Recurrence, RecurrencePeriod, TimePeriod, Timeframe,
};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use finops_core::Result;

/// How managed exports are defined.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManagedExportsOptions {
    /// Hub name: export names are `{hub}-daily-costdetails` and `{hub}-monthly-costdetails`.
    pub hub_name: String,
    /// Resource id of the hub's storage account (the export destination).
    pub storage_account_id: String,
    /// Destination container (`msexports`).
    pub container: String,
    /// FocusCost `dataVersion`.
    pub data_version: String,
    /// Csv (default) or Parquet.
    pub format: ExportFormat,
    /// gzip for Csv, snappy for Parquet.
    pub compression: CompressionMode,
}

impl ManagedExportsOptions {
    /// Options for hub `hub_name` writing to the storage account `storage_account_id`.
    pub fn new(hub_name: &str, storage_account_id: &str) -> Self {
        ManagedExportsOptions {
            hub_name: hub_name.to_string(),
            storage_account_id: storage_account_id.to_string(),
            container: "msexports".into(),
            data_version: "1.2-preview".into(),
            format: ExportFormat::Csv,
            compression: CompressionMode::Gzip,
        }
    }

    /// Another FocusCost version (`1.0r2`, `1.2-preview`, `1.2`).
    pub fn with_data_version(mut self, v: &str) -> Self {
        self.data_version = v.to_string();
        self
    }

    /// Parquet + snappy or Csv + gzip.
    pub fn with_format(mut self, format: ExportFormat) -> Self {
        self.format = format;
        self.compression = match format {
            ExportFormat::Parquet => CompressionMode::Snappy,
            ExportFormat::Csv => CompressionMode::Gzip,
        };
        self
    }

    /// The two exports of one scope: `(name, export)`; `now` sets the recurrence start.
    pub fn exports_for(&self, scope: &str, now: DateTime<Utc>) -> Vec<(String, Export)> {
        let from = Utc
            .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
            .single()
            .unwrap_or(now);
        [
            ("daily", Timeframe::MonthToDate, Recurrence::Daily),
            ("monthly", Timeframe::TheLastMonth, Recurrence::Monthly),
        ]
        .into_iter()
        .map(|(which, timeframe, recurrence)| {
            (
                format!("{}-{which}-costdetails", self.hub_name),
                Export {
                    id: None,
                    name: None,
                    kind: None,
                    e_tag: None,
                    identity: Some(ExportIdentity {
                        kind: "SystemAssigned".into(),
                    }),
                    location: Some("global".into()),
                    properties: ExportProperties {
                        schedule: Some(ExportSchedule {
                            status: "Active".into(),
                            recurrence: Some(recurrence),
                            recurrence_period: Some(RecurrencePeriod { from, to: None }),
                        }),
                        format: Some(self.format),
                        partition_data: Some(true),
                        data_overwrite_behavior: Some(OverwriteBehavior::CreateNewReport),
                        compression_mode: Some(self.compression),
                        delivery_info: ExportDeliveryInfo {
                            destination: ExportDestination {
                                kind: Some("AzureBlob".into()),
                                resource_id: self.storage_account_id.clone(),
                                container: self.container.clone(),
                                root_folder_path: scope.trim_start_matches('/').to_string(),
                            },
                        },
                        definition: ExportDefinition {
                            kind: ExportType::FocusCost,
                            timeframe,
                            time_period: None,
                            data_set: Some(ExportDataset {
                                granularity: Some("Daily".into()),
                                configuration: Some(ExportDatasetConfiguration {
                                    data_version: Some(self.data_version.clone()),
                                }),
                            }),
                        },
                        next_run_time_estimate: None,
                    },
                },
            )
        })
        .collect()
    }
}

/// What [`ManagedExports::apply`] would do to one export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ExportAction {
    /// The export does not exist: PUT without an eTag (201).
    Create,
    /// It exists and differs: PUT with its current eTag (200).
    Update,
    /// It exists as wanted: nothing sent.
    Unchanged,
}

/// A request as it would be sent (the dry run prints it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlannedRequest {
    /// `PUT`.
    pub method: String,
    /// Full URL with api-version.
    pub url: String,
    /// JSON body.
    pub body: serde_json::Value,
}

/// One export of the plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlannedExport {
    /// Scope.
    pub scope: String,
    /// Export name.
    pub name: String,
    /// What applying does.
    pub action: ExportAction,
    /// The request applying sends (`None` when unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<PlannedRequest>,
    /// What differs from the current export (updates).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<String>,
    #[serde(skip)]
    body: Option<Export>,
}

/// The dry-run text: what applying does, then the exact request (method, URL, pretty JSON
/// body); `unchanged` exports print one line.
impl std::fmt::Display for PlannedExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let action = match self.action {
            ExportAction::Create => "create",
            ExportAction::Update => "update",
            ExportAction::Unchanged => "unchanged",
        };
        write!(f, "{action} export {} at {}", self.name, self.scope)?;
        for d in &self.differences {
            write!(f, "\n  {d}")?;
        }
        if let Some(r) = &self.request {
            let body = serde_json::to_string_pretty(&r.body).map_err(|_| std::fmt::Error)?;
            write!(f, "\n{} {}\n{body}", r.method, r.url)?;
        }
        Ok(())
    }
}

/// One export after [`ManagedExports::apply`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AppliedExport {
    /// Scope.
    pub scope: String,
    /// Export name.
    pub name: String,
    /// What was done.
    pub action: ExportAction,
    /// The stored export's eTag.
    pub e_tag: Option<String>,
}

/// The fields that matter, as comparable text (response-only fields ignored).
fn differences(want: &ExportProperties, have: &ExportProperties) -> Vec<String> {
    let mut d = Vec::new();
    let mut cmp = |what: &str, a: String, b: String| {
        if a != b {
            d.push(format!("{what}: {b} -> {a}"));
        }
    };
    let sched = |p: &ExportProperties| {
        p.schedule
            .as_ref()
            .map(|s| {
                format!(
                    "{} {}",
                    s.status,
                    s.recurrence.map(|r| r.as_str()).unwrap_or("-")
                )
            })
            .unwrap_or_default()
    };
    cmp("schedule", sched(want), sched(have));
    cmp(
        "format",
        format!("{:?}", want.format),
        format!("{:?}", have.format),
    );
    cmp(
        "compressionMode",
        format!("{:?}", want.compression_mode),
        format!("{:?}", have.compression_mode),
    );
    cmp(
        "partitionData",
        format!("{:?}", want.partition_data),
        format!("{:?}", have.partition_data),
    );
    cmp(
        "dataOverwriteBehavior",
        format!("{:?}", want.data_overwrite_behavior),
        format!("{:?}", have.data_overwrite_behavior),
    );
    let dest = |p: &ExportProperties| {
        let x = &p.delivery_info.destination;
        format!(
            "{}/{}/{}",
            x.resource_id.to_ascii_lowercase(),
            x.container,
            x.root_folder_path.to_ascii_lowercase()
        )
    };
    cmp("destination", dest(want), dest(have));
    let def = |p: &ExportProperties| {
        let x = &p.definition;
        format!(
            "{} {} {}",
            x.kind,
            x.timeframe,
            x.data_set
                .as_ref()
                .and_then(|s| s.configuration.as_ref())
                .and_then(|c| c.data_version.clone())
                .unwrap_or_default()
        )
    };
    cmp("definition", def(want), def(have));
    d
}

/// The managed exports of a hub's settings, over an [`Azure`] client.
#[derive(Debug, Clone)]
pub struct ManagedExports {
    azure: Azure,
    options: ManagedExportsOptions,
}

impl ManagedExports {
    /// Managed exports through `azure` with `options`.
    pub fn new(azure: Azure, options: ManagedExportsOptions) -> Self {
        ManagedExports { azure, options }
    }

    /// The options.
    pub fn options(&self) -> &ManagedExportsOptions {
        &self.options
    }

    /// Read the current exports (GET only) and plan, per scope of `settings`, what applying
    /// changes.
    pub async fn plan(&self, settings: &HubSettings) -> Result<Vec<PlannedExport>> {
        let c = self.azure.client();
        let now = self.azure.clock().now();
        let mut out = Vec::new();
        for s in &settings.scopes {
            for (name, mut want) in self.options.exports_for(&s.scope, now) {
                let current = c.get_export(&s.scope, &name).await?;
                let (action, diffs) = match &current {
                    None => (ExportAction::Create, Vec::new()),
                    Some(have) => {
                        let d = differences(&want.properties, &have.properties);
                        if d.is_empty() {
                            (ExportAction::Unchanged, d)
                        } else {
                            want.e_tag = have.e_tag.clone();
                            // Keep the recurrence period the export already has.
                            if let (Some(w), Some(h)) =
                                (&mut want.properties.schedule, &have.properties.schedule)
                            {
                                w.recurrence_period = h.recurrence_period.clone();
                            }
                            (ExportAction::Update, d)
                        }
                    }
                };
                let request = if action == ExportAction::Unchanged {
                    None
                } else {
                    let r = c.put_export_request(&s.scope, &name, &want)?;
                    Some(PlannedRequest {
                        method: r.method.to_string(),
                        url: r.url.to_string(),
                        body: serde_json::from_slice(&r.body).unwrap_or_default(),
                    })
                };
                out.push(PlannedExport {
                    scope: s.scope.clone(),
                    name,
                    action,
                    request,
                    differences: diffs,
                    body: (action != ExportAction::Unchanged).then_some(want),
                });
            }
        }
        Ok(out)
    }

    /// Send the plan's requests (creations and updates); unchanged exports are left alone.
    /// One failing export stops nothing: its error is returned with the others' results.
    pub async fn apply(&self, plan: &[PlannedExport]) -> Vec<Result<AppliedExport>> {
        let c = self.azure.client();
        let mut out = Vec::new();
        for p in plan {
            let r = match &p.body {
                None => Ok(AppliedExport {
                    scope: p.scope.clone(),
                    name: p.name.clone(),
                    action: p.action,
                    e_tag: None,
                }),
                Some(body) => {
                    c.put_export(&p.scope, &p.name, body)
                        .await
                        .map(|(e, _)| AppliedExport {
                            scope: p.scope.clone(),
                            name: p.name.clone(),
                            action: p.action,
                            e_tag: e.e_tag,
                        })
                }
            };
            out.push(r);
        }
        out
    }

    /// Run export `name` of `scope` now, optionally for one period (a backfill of one month,
    /// `[start, end)`).
    pub async fn run(
        &self,
        scope: &str,
        name: &str,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<()> {
        let run = ExportRunRequest {
            time_period: period.map(|(s, e)| TimePeriod::from_half_open(s, e)),
        };
        self.azure.client().run_export(scope, name, &run).await
    }

    /// The runs of export `name` of `scope`, newest first.
    pub async fn run_history(&self, scope: &str, name: &str) -> Result<ExportRunHistory> {
        self.azure.client().run_history(scope, name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_follow_the_hubs_naming_and_destination() {
        let o = ManagedExportsOptions::new(
            "finops-hub",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/finopshub",
        );
        let e = o.exports_for(
            "/providers/Microsoft.Billing/billingAccounts/8611537",
            "2026-11-22T06:00:00Z".parse().unwrap(),
        );
        assert_eq!(e[0].0, "finops-hub-daily-costdetails");
        assert_eq!(e[1].0, "finops-hub-monthly-costdetails");
        let p = &e[1].1.properties;
        assert_eq!(p.definition.timeframe, Timeframe::TheLastMonth);
        assert_eq!(
            p.delivery_info.destination.root_folder_path,
            "providers/Microsoft.Billing/billingAccounts/8611537"
        );
        let v = serde_json::to_value(&e[0].1).unwrap();
        assert_eq!(
            v["properties"]["schedule"]["recurrencePeriod"]["from"],
            "2026-11-01T00:00:00Z"
        );
        assert_eq!(
            v["properties"]["definition"]["dataSet"]["configuration"]["dataVersion"],
            "1.2-preview"
        );
        assert_eq!(v["properties"]["compressionMode"], "gzip");
        let mut other = e[0].1.properties.clone();
        assert!(differences(&e[0].1.properties, &other).is_empty());
        other.format = Some(ExportFormat::Parquet);
        other.schedule.as_mut().unwrap().recurrence_period = None;
        assert_eq!(
            differences(&e[0].1.properties, &other),
            ["format: Some(Parquet) -> Some(Csv)"]
        );
        // The dry run prints the request it would send.
        let planned = PlannedExport {
            scope: "/subscriptions/s".into(),
            name: e[0].0.clone(),
            action: ExportAction::Update,
            request: Some(PlannedRequest {
                method: "PUT".into(),
                url: "https://management.azure.com/subscriptions/s/providers/Microsoft.CostManagement/exports/finops-hub-daily-costdetails?api-version=2025-03-01".into(),
                body: v.clone(),
            }),
            differences: vec!["format: Some(Parquet) -> Some(Csv)".into()],
            body: Some(e[0].1.clone()),
        };
        let text = planned.to_string();
        assert!(
            text.starts_with(
                "update export finops-hub-daily-costdetails at /subscriptions/s\n  format:"
            ),
            "{text}"
        );
        assert!(text.contains("\nPUT https://management.azure.com/subscriptions/s/providers/Microsoft.CostManagement/exports/finops-hub-daily-costdetails?api-version=2025-03-01\n{"), "{text}");
        assert!(text.contains("\"dataVersion\": \"1.2-preview\""), "{text}");
        let same = PlannedExport {
            action: ExportAction::Unchanged,
            request: None,
            differences: vec![],
            ..planned
        };
        assert_eq!(
            same.to_string(),
            "unchanged export finops-hub-daily-costdetails at /subscriptions/s"
        );
    }
}
