//! Export runs as Cost Management writes them into `msexports`: partitioned CSV.gz (or CSV,
//! or Parquet) parts and a `manifest.json` of the current form (`manifestVersion` 2024-04-01,
//! byte and row counts), under `{rootFolderPath}/{exportName}/{YYYYMMDD-YYYYMMDD}/{runId}/`,
//! the manifest last.

use super::focuscost::{FocusCostSample, Generated, SampleRow};
use crate::storage::{Store, join};
use chrono::{Datelike, Duration, NaiveDate};
use finops_core::Result;
use std::io::Write;

/// File format of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunFormat {
    /// CSV.
    Csv,
    /// CSV, gzip-compressed.
    CsvGzip,
    /// Parquet (Snappy), with the ingestion types (exact decimals, UTC timestamps).
    Parquet,
}

/// One export run to write.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportRun {
    /// Scope id, e.g. `/providers/Microsoft.Billing/billingAccounts/8611537`.
    pub scope: String,
    /// Export name.
    pub export_name: String,
    /// FocusCost `dataVersion`.
    pub version: String,
    /// Month exported (any day of it).
    pub month: NaiveDate,
    /// Run id (the ingestion id).
    pub run_id: String,
    /// `runInfo.submittedTime`.
    pub submitted_time: String,
    /// Rows per part.
    pub rows_per_part: u64,
    /// Parts.
    pub parts: u32,
    /// gzip the CSV parts.
    pub gzip: bool,
    /// Seed of the data.
    pub seed: u64,
    /// Rows generated for the month before filtering (`None`: `rows_per_part × parts`).
    pub month_rows: Option<u64>,
    /// Only this subscription's rows (`/subscriptions/{id}`); `None`: every row.
    pub sub_account: Option<String>,
    /// Only charges of these days (first, last; inclusive); `None`: the whole month.
    pub days: Option<(NaiveDate, NaiveDate)>,
    /// Parquet instead of CSV.
    pub parquet: bool,
    /// `exportConfig.apiVersion`.
    pub api_version: String,
    /// `exportConfig.timeFrame`.
    pub timeframe: String,
    /// `runInfo.executionType`.
    pub execution_type: String,
    /// `rootFolderPath` (default: the scope without its leading `/`).
    pub root_folder: Option<String>,
}

impl ExportRun {
    /// A FocusCost run of `rows` rows (one part per 500,000 rows) for `month`.
    pub fn focus_cost(version: &str, month: NaiveDate, rows: u64, run_id: &str) -> Self {
        let parts = rows.div_ceil(500_000).max(1);
        ExportRun {
            scope: "/providers/Microsoft.Billing/billingAccounts/8611537".into(),
            export_name: "finops-hub-daily-costdetails".into(),
            version: version.to_string(),
            month,
            run_id: run_id.to_string(),
            submitted_time: format!("{}T03:00:00.0000000Z", month.format("%Y-%m-%d")),
            rows_per_part: rows.div_ceil(parts),
            parts: parts as u32,
            gzip: true,
            seed: 7,
            month_rows: None,
            sub_account: None,
            days: None,
            parquet: false,
            api_version: "2023-07-01-preview".into(),
            timeframe: "MonthToDate".into(),
            execution_type: "Scheduled".into(),
            root_folder: None,
        }
    }

    fn format(&self) -> RunFormat {
        if self.parquet {
            RunFormat::Parquet
        } else if self.gzip {
            RunFormat::CsvGzip
        } else {
            RunFormat::Csv
        }
    }
}

/// What a written run holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRun {
    /// Path of its manifest in the exports container.
    pub manifest: String,
    /// Its blobs.
    pub blobs: Vec<String>,
    /// Rows and exact totals.
    pub totals: Generated,
    /// The run's folder.
    pub folder: String,
}

fn first_of(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

fn last_of(d: NaiveDate) -> NaiveDate {
    let f = first_of(d);
    let next = if f.month() == 12 {
        NaiveDate::from_ymd_opt(f.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(f.year(), f.month() + 1, 1)
    };
    next.map_or(f, |n| n - Duration::days(1))
}

/// Whether a generated row belongs to the run (subscription, days).
fn keep(run: &ExportRun, r: &SampleRow<'_>) -> bool {
    if let Some(sub) = &run.sub_account
        && !r.value("SubAccountId").eq_ignore_ascii_case(sub)
    {
        return false;
    }
    match run.days {
        Some((a, b)) => (a..=b).contains(&r.day()),
        None => true,
    }
}

/// Write the rows of one part (`skip` rows accepted by the filter skipped first, at most
/// `take` written) as the run's format. Returns the totals and whether rows remain.
fn write_part<W: Write + Send>(
    run: &ExportRun,
    sample: &FocusCostSample,
    out: W,
    skip: u64,
    take: u64,
    label: &str,
) -> Result<(Generated, W)> {
    let io = |e: std::io::Error| finops_core::Error::io(label, e);
    let mut seen = 0u64;
    let mut filter = |r: &SampleRow<'_>| {
        if !keep(run, r) {
            return false;
        }
        seen += 1;
        seen > skip && seen <= skip + take
    };
    match run.format() {
        RunFormat::CsvGzip => {
            let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
            let g = sample
                .write_csv_filtered(&mut gz, &mut filter)
                .map_err(io)?;
            Ok((g, gz.finish().map_err(io)?))
        }
        RunFormat::Csv => {
            let mut w = out;
            let g = sample.write_csv_filtered(&mut w, &mut filter).map_err(io)?;
            w.flush().map_err(io)?;
            Ok((g, w))
        }
        RunFormat::Parquet => {
            // The emulator converts its CSV part in memory (parts are small here).
            let mut csv = Vec::new();
            let g = sample
                .write_csv_filtered(&mut csv, &mut filter)
                .map_err(io)?;
            let schema = crate::ingest::schema::ExportSchema::lookup("FocusCost", &run.version)
                .map_err(finops_core::Error::InvalidArgument)?;
            let (w, _) = crate::ingest::convert::csv_to_parquet(
                Box::new(std::io::Cursor::new(csv)),
                label,
                out,
                &schema,
                &crate::ingest::convert::ConvertOptions::default(),
            )?;
            Ok((g, w))
        }
    }
}

/// Write a run (parts, then the manifest last, as Cost Management does). A filtered run that
/// keeps no row writes no part and a manifest with `blobCount` and `dataRowCount` 0 (what an
/// empty export looks like).
pub async fn write_export_run(store: &Store, run: &ExportRun) -> Result<WrittenRun> {
    let first = first_of(run.month);
    let last = last_of(run.month);
    let (from, to) = run.days.unwrap_or((first, last));
    let root = run
        .root_folder
        .clone()
        .unwrap_or_else(|| run.scope.trim_start_matches('/').to_string());
    let range = format!("{}-{}", from.format("%Y%m%d"), to.format("%Y%m%d"));
    let folder = join(&[&root, &run.export_name, &range, &run.run_id]);
    let mut sample = FocusCostSample::new(
        &run.version,
        first,
        run.month_rows
            .unwrap_or(run.rows_per_part.saturating_mul(u64::from(run.parts))),
    );
    sample.seed = run.seed;
    let ext = match run.format() {
        RunFormat::CsvGzip => ".csv.gz",
        RunFormat::Csv => ".csv",
        RunFormat::Parquet => ".snappy.parquet",
    };
    let mut blobs = Vec::new();
    let mut blob_json = Vec::new();
    let (mut billed, mut effective, mut rows) = (0i128, 0i128, 0u64);
    let per_part = run.rows_per_part.max(1);
    let mut p = 0u32;
    loop {
        let name = join(&[&folder, &format!("part_{p}_0001{ext}")]);
        let rt = tokio::runtime::Handle::current();
        let (st, n, r, s) = (store.clone(), name.clone(), run.clone(), sample.clone());
        let skip = u64::from(p) * per_part;
        let (g, bytes) = tokio::task::spawn_blocking(move || -> Result<(Generated, u64)> {
            let w = st.writer(&n, &rt);
            let (g, w) = write_part(&r, &s, w, skip, per_part, &n)?;
            Ok((g, w.finish()?))
        })
        .await
        .map_err(|e| finops_core::Error::InvalidArgument(e.to_string()))??;
        let part_rows = g.rows;
        if part_rows == 0
            && (p > 0
                || run.month_rows == Some(0)
                || run.sub_account.is_some()
                || run.days.is_some())
        {
            // Nothing (left): an empty trailing part is not part of the run, and a run with
            // no row at all has no blob (`blobCount` 0, as Cost Management writes it).
            store.delete(&name).await?;
            break;
        }
        billed += crate::ingest::cells::parse_decimal18(g.billed_cost.as_bytes()).unwrap_or(0);
        effective +=
            crate::ingest::cells::parse_decimal18(g.effective_cost.as_bytes()).unwrap_or(0);
        rows += part_rows;
        blob_json.push(
            serde_json::json!({"blobName": name, "byteCount": bytes, "dataRowCount": part_rows}),
        );
        blobs.push(name);
        p += 1;
        if part_rows < per_part
            || (run.sub_account.is_none() && run.days.is_none() && p >= run.parts)
        {
            break;
        }
    }
    let byte_count: u64 = blob_json
        .iter()
        .filter_map(|b| b["byteCount"].as_u64())
        .sum();
    let manifest = serde_json::json!({
        "manifestVersion": "2024-04-01",
        "byteCount": byte_count,
        "blobCount": blobs.len(),
        "dataRowCount": rows,
        "exportConfig": {
            "exportName": run.export_name,
            "resourceId": format!("{}/providers/Microsoft.CostManagement/exports/{}", run.scope, run.export_name),
            "dataVersion": run.version,
            "apiVersion": run.api_version,
            "type": "FocusCost",
            "timeFrame": run.timeframe,
            "granularity": null
        },
        "deliveryConfig": {
            "partitionData": true,
            "dataOverwriteBehavior": "CreateNewReport",
            "fileFormat": if run.parquet { "Parquet" } else { "Csv" },
            "compressionMode": match run.format() { RunFormat::CsvGzip => "gzip", RunFormat::Csv => "none", RunFormat::Parquet => "snappy" },
            "containerUri": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/finopshub",
            "rootFolderPath": root
        },
        "runInfo": {
            "executionType": run.execution_type,
            "submittedTime": run.submitted_time,
            "runId": run.run_id,
            "startDate": format!("{}T00:00:00", from.format("%Y-%m-%d")),
            "endDate": format!("{}T00:00:00Z", to.format("%Y-%m-%d"))
        },
        "blobs": blob_json
    });
    let path = join(&[&folder, "manifest.json"]);
    let body = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| finops_core::Error::InvalidArgument(e.to_string()))?;
    store.put_bytes(&path, body).await?;
    Ok(WrittenRun {
        manifest: path,
        blobs,
        totals: Generated {
            rows,
            billed_cost: crate::ingest::cells::format_decimal18(billed),
            effective_cost: crate::ingest::cells::format_decimal18(effective),
        },
        folder,
    })
}
