//! Cost Management export manifests (`manifest.json`, AZ-03): the current form
//! (`manifestVersion` 2024-04-01, with byte and row counts), the older form of API
//! 2023-07-01-preview (no counts) and the minimal form hubs accept for hand-dropped CSVs.
//!
//! What ingestion takes from it: scope (`exportConfig.resourceId` before
//! `/providers/Microsoft.CostManagement/exports/`), dataset (`exportConfig.type`), version
//! (`exportConfig.dataVersion`, whitespace removed: a real manifest says `1.0-preview (v1)`),
//! month (`runInfo.startDate`, with or without a zone, read as UTC), ingestion id
//! (`runInfo.runId`) and the blobs (`blobs[].blobName`, relative to the container root; the
//! path is never parsed).

use crate::error;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use finops_core::Result;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    manifest_version: Option<String>,
    byte_count: Option<u64>,
    blob_count: Option<u64>,
    data_row_count: Option<u64>,
    export_config: Option<WireExport>,
    delivery_config: Option<WireDelivery>,
    run_info: Option<WireRun>,
    blobs: Option<Vec<WireBlob>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireExport {
    export_name: Option<String>,
    resource_id: Option<String>,
    data_version: Option<String>,
    api_version: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    time_frame: Option<String>,
    granularity: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireDelivery {
    file_format: Option<String>,
    compression_mode: Option<String>,
    root_folder_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRun {
    run_id: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    submitted_time: Option<String>,
    execution_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireBlob {
    blob_name: Option<String>,
    byte_count: Option<u64>,
    data_row_count: Option<u64>,
}

/// One data file listed by a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManifestBlob {
    /// Path relative to the exports container root.
    pub name: String,
    /// Size, when the manifest gives it.
    pub byte_count: Option<u64>,
    /// Data rows (header excluded), when the manifest gives it.
    pub data_row_count: Option<u64>,
}

/// A parsed export manifest.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ExportManifest {
    /// `manifestVersion` (absent in the older and minimal forms).
    pub manifest_version: Option<String>,
    /// `exportConfig.exportName`.
    pub export_name: String,
    /// `exportConfig.resourceId`.
    pub resource_id: String,
    /// `exportConfig.type` as written (`FocusCost`, `PriceSheet`, ...).
    pub kind: String,
    /// `exportConfig.dataVersion`, whitespace removed (`1.0-preview(v1)`).
    pub data_version: String,
    /// `exportConfig.apiVersion`.
    pub api_version: Option<String>,
    /// `exportConfig.timeFrame`.
    pub time_frame: Option<String>,
    /// `exportConfig.granularity` (may be null).
    pub granularity: Option<String>,
    /// `deliveryConfig.fileFormat`.
    pub file_format: Option<String>,
    /// `deliveryConfig.compressionMode`.
    pub compression_mode: Option<String>,
    /// `runInfo.runId`: the ingestion id.
    pub run_id: String,
    /// `runInfo.startDate` (UTC).
    pub start_date: DateTime<Utc>,
    /// `runInfo.endDate` (UTC), when present.
    pub end_date: Option<DateTime<Utc>>,
    /// `runInfo.submittedTime`, as written.
    pub submitted_time: Option<String>,
    /// `runInfo.executionType`.
    pub execution_type: Option<String>,
    /// `blobCount` (absent in the older form).
    pub blob_count: Option<u64>,
    /// `dataRowCount` (absent in the older form).
    pub data_row_count: Option<u64>,
    /// `byteCount`.
    pub byte_count: Option<u64>,
    /// The data files, in manifest order.
    pub blobs: Vec<ManifestBlob>,
}

/// Why an export is skipped rather than ingested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emptiness {
    /// `blobCount` is 0 (or the blob list is empty).
    NoBlobs,
    /// `dataRowCount` is 0.
    NoRows,
}

impl std::fmt::Display for Emptiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Emptiness::NoBlobs => "empty export: blobCount is 0; previous data kept",
            Emptiness::NoRows => "empty export: dataRowCount is 0; previous data kept",
        })
    }
}

/// Read a manifest date: `2025-03-01T00:00:00` (no zone), `2025-03-31T00:00:00Z`, with
/// fractional seconds, or a bare date; all UTC.
pub fn parse_manifest_date(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    let naive = t.trim_end_matches('Z');
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(naive, f) {
            return Ok(n.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(naive, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(format!(
        "{t:?} is not a date (expected YYYY-MM-DDTHH:MM:SS)"
    ))
}

impl ExportManifest {
    /// Parse `bytes` (the manifest at `label`). Every problem names the manifest and field.
    pub fn parse(label: &str, bytes: &[u8]) -> Result<Self> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(error::manifest(label, "manifest is empty"));
        }
        let w: Wire = finops_core::json::from_slice(bytes)
            .map_err(|e| error::manifest(label, format!("not a manifest: {e}")))?;
        let need = |v: Option<String>, field: &str| {
            v.filter(|s| !s.trim().is_empty())
                .ok_or_else(|| error::manifest(label, format!("{field} is missing")))
        };
        let ec = w
            .export_config
            .ok_or_else(|| error::manifest(label, "exportConfig is missing"))?;
        let run = w
            .run_info
            .ok_or_else(|| error::manifest(label, "runInfo is missing"))?;
        let kind = need(ec.kind, "exportConfig.type")?;
        let resource_id = need(ec.resource_id, "exportConfig.resourceId")?;
        let data_version: String = need(ec.data_version, "exportConfig.dataVersion")?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let run_id = need(run.run_id, "runInfo.runId")?;
        if run_id.contains("__") || run_id.contains('/') {
            return Err(error::manifest(
                label,
                format!("runInfo.runId {run_id:?} may not contain \"__\" or \"/\""),
            ));
        }
        let start_text = need(run.start_date, "runInfo.startDate")?;
        let start_date = parse_manifest_date(&start_text)
            .map_err(|e| error::manifest(label, format!("runInfo.startDate: {e}")))?;
        let end_date = match run.end_date {
            Some(t) if !t.trim().is_empty() => Some(
                parse_manifest_date(&t)
                    .map_err(|e| error::manifest(label, format!("runInfo.endDate: {e}")))?,
            ),
            _ => None,
        };
        let mut blobs = Vec::new();
        for (i, b) in w.blobs.unwrap_or_default().into_iter().enumerate() {
            let name = b
                .blob_name
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| error::manifest(label, format!("blobs[{i}].blobName is missing")))?;
            if name.split('/').any(|s| s == "..") {
                return Err(error::manifest(
                    label,
                    format!("blobs[{i}].blobName {name:?} leaves the container"),
                ));
            }
            blobs.push(ManifestBlob {
                name: name.trim_start_matches('/').to_string(),
                byte_count: b.byte_count,
                data_row_count: b.data_row_count,
            });
        }
        let (file_format, compression_mode) = w
            .delivery_config
            .map(|d| {
                let _ = d.root_folder_path;
                (d.file_format, d.compression_mode)
            })
            .unwrap_or((None, None));
        Ok(ExportManifest {
            manifest_version: w.manifest_version,
            export_name: ec.export_name.unwrap_or_default(),
            resource_id,
            kind,
            data_version,
            api_version: ec.api_version,
            time_frame: ec.time_frame,
            granularity: ec.granularity,
            file_format,
            compression_mode,
            run_id,
            start_date,
            end_date,
            submitted_time: run.submitted_time,
            execution_type: run.execution_type,
            blob_count: w.blob_count,
            data_row_count: w.data_row_count,
            byte_count: w.byte_count,
            blobs,
        })
    }

    /// Whether hubs would skip this export (v14, #1535): `blobCount` 0, or `dataRowCount`
    /// present and 0, or no blob listed.
    pub fn emptiness(&self) -> Option<Emptiness> {
        if self.blob_count == Some(0) || self.blobs.is_empty() {
            Some(Emptiness::NoBlobs)
        } else if self.data_row_count == Some(0) {
            Some(Emptiness::NoRows)
        } else {
            None
        }
    }

    /// The counts must agree with each other: `blobCount` = blobs listed, and `dataRowCount`
    /// = the sum of the blobs' counts when all of them give one.
    pub fn check_counts(&self, label: &str) -> Result<()> {
        if let Some(n) = self.blob_count
            && n != self.blobs.len() as u64
        {
            return Err(error::manifest(
                label,
                format!("blobCount is {n} but {} blobs are listed", self.blobs.len()),
            ));
        }
        if let Some(total) = self.data_row_count {
            let per: Option<u64> = self
                .blobs
                .iter()
                .map(|b| b.data_row_count)
                .try_fold(0u64, |a, b| b.and_then(|b| a.checked_add(b)));
            if let Some(sum) = per
                && sum != total
            {
                return Err(error::manifest(
                    label,
                    format!("dataRowCount is {total} but the blobs' dataRowCount add up to {sum}"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: &str = r#"{
      "manifestVersion": "2024-04-01", "byteCount": 160, "blobCount": 2, "dataRowCount": 5,
      "exportConfig": {"exportName": "hub-daily-costdetails",
        "resourceId": "/providers/Microsoft.Billing/billingAccounts/123/providers/Microsoft.CostManagement/exports/hub-daily-costdetails",
        "dataVersion": "1.0r2", "apiVersion": "2023-07-01-preview", "type": "FocusCost",
        "timeFrame": "MonthToDate", "granularity": null},
      "deliveryConfig": {"partitionData": true, "dataOverwriteBehavior": "CreateNewReport",
        "fileFormat": "Csv", "compressionMode": "gzip", "containerUri": "/subscriptions/x", "rootFolderPath": "r"},
      "runInfo": {"executionType": "Scheduled", "submittedTime": "2025-03-02T03:00:00.1Z",
        "runId": "af754a8e-30fc-4ef3-bfc6-71bd1efb8598", "startDate": "2025-03-01T00:00:00", "endDate": "2025-03-31T00:00:00Z"},
      "blobs": [{"blobName": "r/x/part_0_0001.csv.gz", "byteCount": 80, "dataRowCount": 3},
                {"blobName": "r/x/part_1_0001.csv.gz", "byteCount": 80, "dataRowCount": 2}]
    }"#;

    #[test]
    fn current_form() {
        let m = ExportManifest::parse("m", CURRENT.as_bytes()).unwrap();
        assert_eq!(m.kind, "FocusCost");
        assert_eq!(m.data_version, "1.0r2");
        assert_eq!(m.start_date.to_rfc3339(), "2025-03-01T00:00:00+00:00");
        assert_eq!(
            m.end_date.unwrap().to_rfc3339(),
            "2025-03-31T00:00:00+00:00"
        );
        assert_eq!(m.blobs.len(), 2);
        assert_eq!(m.blobs[1].data_row_count, Some(2));
        assert_eq!(m.emptiness(), None);
        m.check_counts("m").unwrap();
    }

    #[test]
    fn older_and_minimal_forms() {
        let older = include_str!("../../tests/data/azure_export_manifest_example.json");
        let m = ExportManifest::parse("old", older.as_bytes()).unwrap();
        assert_eq!(m.manifest_version, None);
        assert_eq!(m.data_row_count, None);
        assert_eq!(m.run_id, "af754a8e-30fc-4ef3-bfc6-71bd1efb8598");
        let minimal = include_str!("../../tests/data/azure_export_manifest_minimal_hubs.json")
            .replace("<yyyy-MM>", "2026-03");
        let m = ExportManifest::parse("min", minimal.as_bytes()).unwrap();
        assert_eq!(m.blob_count, Some(1));
        assert_eq!(m.blobs[0].name, "<path-to-file>/<file-name>.csv");
        assert_eq!(m.start_date.format("%Y-%m").to_string(), "2026-03");
    }

    #[test]
    fn preview_version_whitespace_is_removed() {
        let t = CURRENT.replace("\"1.0r2\"", "\"1.0-preview (v1)\"");
        let m = ExportManifest::parse("m", t.as_bytes()).unwrap();
        assert_eq!(m.data_version, "1.0-preview(v1)");
    }

    #[test]
    fn errors_name_the_field() {
        let e = ExportManifest::parse("x/manifest.json", b"{}")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x/manifest.json") && e.contains("exportConfig"),
            "{e}"
        );
        let e = ExportManifest::parse("m", b"").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let t = CURRENT.replace(
            "\"startDate\": \"2025-03-01T00:00:00\"",
            "\"startDate\": \"March\"",
        );
        let e = ExportManifest::parse("m", t.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("runInfo.startDate"), "{e}");
        let t = CURRENT.replace("\"dataRowCount\": 5", "\"dataRowCount\": 6");
        let m = ExportManifest::parse("m", t.as_bytes()).unwrap();
        assert!(
            m.check_counts("m")
                .unwrap_err()
                .to_string()
                .contains("add up to 5")
        );
        let t = CURRENT.replace("r/x/part_0_0001.csv.gz", "../etc/passwd");
        assert!(ExportManifest::parse("m", t.as_bytes()).is_err());
    }

    #[test]
    fn empty_exports_are_recognised() {
        let t = CURRENT
            .replace("\"blobCount\": 2", "\"blobCount\": 0")
            .replace("\"dataRowCount\": 5", "\"dataRowCount\": 0");
        let m = ExportManifest::parse("m", t.as_bytes()).unwrap();
        assert_eq!(m.emptiness(), Some(Emptiness::NoBlobs));
        let t = CURRENT.replace("\"dataRowCount\": 5", "\"dataRowCount\": 0");
        assert_eq!(
            ExportManifest::parse("m", t.as_bytes())
                .unwrap()
                .emptiness(),
            Some(Emptiness::NoRows)
        );
    }
}
