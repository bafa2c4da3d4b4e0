//! The hubs ingestion layout (AZ-06):
//! `{dataset}/{date-folder}/{scope-path}/{ingestion-id}__{original-file-name}.parquet`.
//!
//! - dataset folder from the export type (`FocusCost` → `Costs`, `PriceSheet` → `Prices`, ...);
//! - date folder `all`, `{yyyy}`, `{yyyy}/{mm}` (the usual one), `{yyyy}/{mm}/{dd}`, and for
//!   custom data `{yyyy}/{mm}/{dd}/{hh}` ([`DateFolder`]);
//! - scope path: the lower-cased `resourceId` before
//!   `/providers/microsoft.costmanagement/exports/`, leading `/` dropped, `//` collapsed; for
//!   `Recommendations` the export name is its own last segment (hubs glue it onto the scope
//!   without a `/`: a hubs bug we do not copy);
//! - file name: the blob's last segment with a trailing `.gz` removed and a trailing `.csv`
//!   turned into `.parquet` (hubs replace `.gz`/`.csv` anywhere in the path: not copied);
//! - ingestion id: the text before the first `__`; a name without `__` has no id and is never
//!   replaced by another ingestion (hubs #2180).

use crate::storage::join;
use chrono::{DateTime, Datelike, Timelike, Utc};

/// A dataset folder of the ingestion container.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Dataset {
    /// FocusCost exports (and custom FOCUS data).
    Costs,
    /// PriceSheet exports.
    Prices,
    /// ReservationDetails exports.
    CommitmentDiscountUsage,
    /// ReservationRecommendations exports.
    Recommendations,
    /// ReservationTransactions exports.
    Transactions,
    /// ActualCost exports (Cost Management's own schema).
    ActualCosts,
    /// AmortizedCost exports.
    AmortizedCosts,
    /// Any other export type, under its own name.
    Other(String),
}

impl Dataset {
    /// The dataset of an export type (case-insensitive), hubs' table (azure.md §7.4).
    pub fn from_export_type(kind: &str) -> Dataset {
        match kind.to_ascii_lowercase().as_str() {
            "focuscost" => Dataset::Costs,
            "pricesheet" => Dataset::Prices,
            "reservationdetails" => Dataset::CommitmentDiscountUsage,
            "reservationrecommendations" => Dataset::Recommendations,
            "reservationtransactions" => Dataset::Transactions,
            "actualcost" => Dataset::ActualCosts,
            "amortizedcost" => Dataset::AmortizedCosts,
            _ => Dataset::Other(kind.to_string()),
        }
    }

    /// The folder name.
    pub fn folder(&self) -> &str {
        match self {
            Dataset::Costs => "Costs",
            Dataset::Prices => "Prices",
            Dataset::CommitmentDiscountUsage => "CommitmentDiscountUsage",
            Dataset::Recommendations => "Recommendations",
            Dataset::Transactions => "Transactions",
            Dataset::ActualCosts => "ActualCosts",
            Dataset::AmortizedCosts => "AmortizedCosts",
            Dataset::Other(s) => s,
        }
    }
}

impl std::fmt::Display for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.folder())
    }
}

/// How much history a dataset folder keeps: the date folder between the dataset and the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DateFolder {
    /// `all`: each ingestion replaces the previous one.
    All,
    /// `{yyyy}`: the latest ingestion per year.
    Year,
    /// `{yyyy}/{mm}`: the latest ingestion per month (hubs' default, Power BI's storage reports).
    #[default]
    Month,
    /// `{yyyy}/{mm}/{dd}`.
    Day,
    /// `{yyyy}/{mm}/{dd}/{hh}` (custom data only).
    Hour,
}

impl DateFolder {
    /// The folder for an instant (UTC).
    pub fn path(&self, t: DateTime<Utc>) -> String {
        match self {
            DateFolder::All => "all".into(),
            DateFolder::Year => format!("{:04}", t.year()),
            DateFolder::Month => format!("{:04}/{:02}", t.year(), t.month()),
            DateFolder::Day => format!("{:04}/{:02}/{:02}", t.year(), t.month(), t.day()),
            DateFolder::Hour => format!(
                "{:04}/{:02}/{:02}/{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour()
            ),
        }
    }
}

/// The scope path of an export's `resourceId` (lower-cased, before
/// `/providers/microsoft.costmanagement/exports/`, no leading `/`).
pub fn scope_path(resource_id: &str) -> String {
    let lower = resource_id.to_ascii_lowercase();
    let scope = match lower.find("/providers/microsoft.costmanagement/exports/") {
        Some(i) => &lower[..i],
        None => lower.as_str(),
    };
    join(&[scope])
}

/// The scope id (`/` + scope path) for reports.
pub fn scope_id(resource_id: &str) -> String {
    format!("/{}", scope_path(resource_id))
}

/// The folder of one export run: `{dataset}/{date folder}/{scope path}` (+ `/{exportName}` for
/// Recommendations, as its own segment).
pub fn export_folder(
    dataset: &Dataset,
    date: DateFolder,
    month_start: DateTime<Utc>,
    resource_id: &str,
    export_name: &str,
) -> String {
    let scope = scope_path(resource_id);
    let date = date.path(month_start);
    if *dataset == Dataset::Recommendations && !export_name.is_empty() {
        join(&[
            dataset.folder(),
            &date,
            &scope,
            &export_name.to_ascii_lowercase(),
        ])
    } else {
        join(&[dataset.folder(), &date, &scope])
    }
}

/// The Parquet name of a blob: its last segment, a trailing `.gz` removed, then a trailing
/// `.csv` turned into `.parquet` (any other name keeps its extension, `.snappy.parquet`
/// included; a name that is neither gets `.parquet` appended).
pub fn parquet_file_name(blob_name: &str) -> String {
    let last = blob_name.rsplit('/').next().unwrap_or(blob_name);
    let last = strip_suffix_ci(last, ".gz").unwrap_or(last);
    if let Some(stem) = strip_suffix_ci(last, ".csv") {
        format!("{stem}.parquet")
    } else if strip_suffix_ci(last, ".parquet").is_some() {
        last.to_string()
    } else {
        format!("{last}.parquet")
    }
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let n = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(n) && s[n..].eq_ignore_ascii_case(suffix)).then(|| &s[..n])
}

/// `{id}__{file}`.
pub fn ingested_name(ingestion_id: &str, file: &str) -> String {
    format!("{ingestion_id}{SEPARATOR}{file}")
}

/// hubs' `INGESTION_ID_SEPARATOR`.
pub const SEPARATOR: &str = "__";

/// The ingestion id of a file name (text before the first `__`), `None` without `__`.
pub fn ingestion_id_of(file_name: &str) -> Option<&str> {
    file_name.split_once(SEPARATOR).map(|(id, _)| id)
}

/// The original name (text after the last `__`; the whole name without `__`).
pub fn original_name_of(file_name: &str) -> &str {
    file_name
        .rsplit_once(SEPARATOR)
        .map_or(file_name, |(_, n)| n)
}

/// A date folder found in a path after the dataset: the year and month it stands for, or
/// `None` for `all` and other folders that never age out.
pub fn month_of_path(path_after_dataset: &str) -> Option<(i32, u32)> {
    let mut it = path_after_dataset.split('/');
    let y = it.next()?;
    if y.len() != 4 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let m = it.next()?;
    if m.len() != 2 {
        return None;
    }
    let month: u32 = m.parse().ok()?;
    (1..=12).contains(&month).then_some((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn datasets_from_export_types() {
        assert_eq!(Dataset::from_export_type("FocusCost"), Dataset::Costs);
        assert_eq!(Dataset::from_export_type("pricesheet").folder(), "Prices");
        assert_eq!(
            Dataset::from_export_type("ReservationDetails").folder(),
            "CommitmentDiscountUsage"
        );
        assert_eq!(
            Dataset::from_export_type("ReservationRecommendations").folder(),
            "Recommendations"
        );
        assert_eq!(
            Dataset::from_export_type("ReservationTransactions").folder(),
            "Transactions"
        );
        assert_eq!(
            Dataset::from_export_type("ActualCost").folder(),
            "ActualCosts"
        );
        assert_eq!(
            Dataset::from_export_type("AmortizedCost").folder(),
            "AmortizedCosts"
        );
        assert_eq!(Dataset::from_export_type("Carbon").folder(), "Carbon");
    }

    #[test]
    fn folders_as_hubs_write_them() {
        let rid = "/providers/Microsoft.Billing/billingAccounts/123/providers/Microsoft.CostManagement/exports/x";
        assert_eq!(
            scope_path(rid),
            "providers/microsoft.billing/billingaccounts/123"
        );
        let m = t("2026-03-01T00:00:00Z");
        assert_eq!(
            export_folder(&Dataset::Costs, DateFolder::Month, m, rid, "x"),
            "Costs/2026/03/providers/microsoft.billing/billingaccounts/123"
        );
        // Recommendations: the export name is its own segment (hubs glue it on; not copied).
        assert_eq!(
            export_folder(
                &Dataset::Recommendations,
                DateFolder::Month,
                m,
                "/subscriptions/S/providers/Microsoft.CostManagement/exports/Hub-Recs",
                "Hub-Recs"
            ),
            "Recommendations/2026/03/subscriptions/s/hub-recs"
        );
        assert_eq!(DateFolder::All.path(m), "all");
        assert_eq!(DateFolder::Year.path(m), "2026");
        assert_eq!(DateFolder::Day.path(m), "2026/03/01");
        assert_eq!(
            DateFolder::Hour.path(t("2026-03-01T07:00:00Z")),
            "2026/03/01/07"
        );
        assert_eq!(
            scope_path("/subscriptions/A//resourceGroups/B"),
            "subscriptions/a/resourcegroups/b"
        );
    }

    #[test]
    fn file_names_change_only_the_last_segment() {
        assert_eq!(
            parquet_file_name("r/x.csv.gz/part_0_0001.csv.gz"),
            "part_0_0001.parquet"
        );
        assert_eq!(parquet_file_name("a.gzip/b.csv"), "b.parquet");
        assert_eq!(
            parquet_file_name("p/part_0_0001.snappy.parquet"),
            "part_0_0001.snappy.parquet"
        );
        assert_eq!(parquet_file_name("p/data.CSV"), "data.parquet");
        assert_eq!(
            parquet_file_name("p/my.csv.files.csv"),
            "my.csv.files.parquet"
        );
        assert_eq!(parquet_file_name("p/raw"), "raw.parquet");
    }

    #[test]
    fn ids_and_names() {
        assert_eq!(ingestion_id_of("run1__part_0.parquet"), Some("run1"));
        assert_eq!(ingestion_id_of("a__b__c.parquet"), Some("a"));
        assert_eq!(original_name_of("a__b__c.parquet"), "c.parquet");
        assert_eq!(ingestion_id_of("custom.parquet"), None);
        assert_eq!(original_name_of("custom.parquet"), "custom.parquet");
        assert_eq!(ingested_name("r", "f.parquet"), "r__f.parquet");
        assert_eq!(month_of_path("2026/03/subscriptions/x"), Some((2026, 3)));
        assert_eq!(month_of_path("all/x"), None);
        assert_eq!(month_of_path("2026/x"), None);
        assert_eq!(month_of_path("2026/13/x"), None);
    }
}
