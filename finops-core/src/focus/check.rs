//! Our own FOCUS 1.2 conformance checks: the rules the official validator (focus-validator
//! 2.2.1) misses or gets wrong (see `shared/reference/focus.md`): period order, `x_` prefix
//! of custom columns, SkuPriceDetails keys, non-empty mandatory strings, commitment and
//! capacity-reservation status pairing, PricingCategory/ChargeFrequency rules, non-negative
//! unit prices. Allowed values, currency codes, flat Tags and non-null BilledCost are
//! enforced by the types themselves ([`CostRecord`] cannot hold them wrong) and by the
//! readers, which refuse such cells with a file/line/column error.

use super::{ChargeCategory, ChargeFrequency, CostRecord};
use rust_decimal::Decimal;

/// The FOCUS-defined SkuPriceDetails keys (1.2).
pub const SKU_PRICE_DETAILS_KEYS: &[&str] = &[
    "CoreCount",
    "DiskMaxIops",
    "DiskSpace",
    "DiskType",
    "GpuCount",
    "InstanceType",
    "InstanceSeries",
    "MemorySize",
    "NetworkMaxIops",
    "NetworkMaxThroughput",
    "OperatingSystem",
    "Redundancy",
    "StorageClass",
];

/// Options of the checker.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CheckOptions {
    /// Extension-column prefixes accepted besides `x_` (e.g. `oci_` when checking a file as
    /// read from a provider before normalisation). Empty: only `x_`.
    pub extra_extension_prefixes: Vec<String>,
}

/// One rule a record breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The column concerned.
    pub column: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.column, self.message)
    }
}

fn issue(out: &mut Vec<Issue>, column: &str, message: impl Into<String>) {
    out.push(Issue {
        column: column.to_string(),
        message: message.into(),
    });
}

/// Whether a custom column name is acceptable: `x_` (or an allowed prefix) followed by
/// letters, digits and underscores, at most 50 characters.
pub fn valid_extension_name(name: &str, opts: &CheckOptions) -> bool {
    let prefixed = name.starts_with("x_")
        || opts
            .extra_extension_prefixes
            .iter()
            .any(|p| name.starts_with(p.as_str()));
    prefixed
        && name.len() <= 50
        && name.len() > 2
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Check one record; an empty vector means it passes.
pub fn check_record(r: &CostRecord, opts: &CheckOptions) -> Vec<Issue> {
    let mut out = Vec::new();
    if r.charge_period.start >= r.charge_period.end {
        issue(
            &mut out,
            "ChargePeriodStart",
            format!("start is not before ChargePeriodEnd ({})", r.charge_period),
        );
    }
    if r.billing_period.start >= r.billing_period.end {
        issue(
            &mut out,
            "BillingPeriodStart",
            format!(
                "start is not before BillingPeriodEnd ({})",
                r.billing_period
            ),
        );
    }
    for (col, v) in [
        ("BillingAccountId", &r.billing_account_id),
        ("InvoiceIssuerName", &r.invoice_issuer_name),
        ("ProviderName", &r.provider_name),
        ("PublisherName", &r.publisher_name),
        ("ServiceName", &r.service_name),
    ] {
        if v.trim().is_empty() {
            issue(&mut out, col, "must not be empty");
        }
    }
    for name in r.extensions.names() {
        if !valid_extension_name(name, opts) {
            issue(
                &mut out,
                name,
                "custom columns must start with x_ and use letters, digits and _ (at most 50 characters)",
            );
        }
    }
    if let Some(d) = &r.sku_price_details {
        for k in d.keys() {
            if !SKU_PRICE_DETAILS_KEYS.contains(&k.as_str()) && !k.starts_with("x_") {
                issue(
                    &mut out,
                    "SkuPriceDetails",
                    format!("key {k:?} is neither FOCUS-defined nor x_-prefixed"),
                );
            }
            if d.get(k).is_some_and(|v| v.is_object() || v.is_array()) {
                issue(
                    &mut out,
                    "SkuPriceDetails",
                    format!("key {k:?} has a nested value"),
                );
            }
        }
    }
    if r.charge_category == ChargeCategory::Purchase
        && r.charge_frequency == Some(ChargeFrequency::UsageBased)
    {
        issue(
            &mut out,
            "ChargeFrequency",
            "a Purchase is never Usage-Based",
        );
    }
    let correction = r.charge_class.is_some();
    match r.charge_category {
        ChargeCategory::Tax if r.pricing_category.is_some() => {
            issue(&mut out, "PricingCategory", "must be null for Tax rows");
        }
        ChargeCategory::Usage | ChargeCategory::Purchase
            if !correction && r.pricing_category.is_none() =>
        {
            issue(
                &mut out,
                "PricingCategory",
                "must not be null for Usage and Purchase rows",
            );
        }
        _ => {}
    }
    if r.commitment_discount_id.is_none() {
        if r.commitment_discount_status.is_some() {
            issue(
                &mut out,
                "CommitmentDiscountStatus",
                "must be null when CommitmentDiscountId is null",
            );
        }
        if r.commitment_discount_category.is_some() {
            issue(
                &mut out,
                "CommitmentDiscountCategory",
                "must be null when CommitmentDiscountId is null",
            );
        }
    } else if r.charge_category == ChargeCategory::Usage && r.commitment_discount_status.is_none() {
        issue(
            &mut out,
            "CommitmentDiscountStatus",
            "required on Usage rows with a CommitmentDiscountId",
        );
    }
    if r.capacity_reservation_id.is_none() && r.capacity_reservation_status.is_some() {
        issue(
            &mut out,
            "CapacityReservationStatus",
            "must be null when CapacityReservationId is null",
        );
    }
    for (col, v) in [
        ("ListUnitPrice", r.list_unit_price),
        ("ContractedUnitPrice", r.contracted_unit_price),
        (
            "PricingCurrencyListUnitPrice",
            r.pricing_currency_list_unit_price,
        ),
        (
            "PricingCurrencyContractedUnitPrice",
            r.pricing_currency_contracted_unit_price,
        ),
    ] {
        if v.is_some_and(|d| d < Decimal::ZERO) {
            issue(&mut out, col, "unit prices must not be negative");
        }
    }
    if r.pricing_currency
        .as_ref()
        .is_some_and(|pc| pc.trim().is_empty())
    {
        issue(
            &mut out,
            "PricingCurrency",
            "must not be an empty string (use null)",
        );
    }
    for (col, v) in [
        ("ChargeDescription", &r.charge_description),
        ("ResourceId", &r.resource_id),
        ("SubAccountId", &r.sub_account_id),
        ("RegionId", &r.region_id),
    ] {
        if v.as_deref().is_some_and(|s| s.is_empty()) {
            issue(&mut out, col, "empty string used for null");
        }
    }
    out
}

/// A problem a record-level rule found on one row of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    /// The row's line (CSV, header = 1) or 1-based row number (Parquet).
    pub line: u64,
    /// The rule broken.
    pub issue: Issue,
}

/// Everything [`check_file`] found in one file.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct FileReport {
    /// The file checked.
    pub file: String,
    /// The FOCUS version detected from its columns.
    pub version: Option<super::versions::FocusVersion>,
    /// Data rows read (good and bad).
    pub rows: u64,
    /// Rows that made valid records.
    pub good_rows: u64,
    /// Missing required columns ([`Error::MissingColumn`](crate::Error::MissingColumn)),
    /// then every bad cell of every row ([`Error::Parse`](crate::Error::Parse) with file,
    /// line and column), then a fatal read error if one stopped the check.
    pub errors: Vec<crate::Error>,
    /// Record-level rule violations ([`check_record`]) on the rows that parsed. Not run
    /// when required columns are missing (the records would hold placeholders).
    pub issues: Vec<RowIssue>,
}

impl FileReport {
    /// Whether the file has no error and no issue.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && self.issues.is_empty()
    }
}

/// Check a whole FOCUS file (CSV, CSV.gz or Parquet, any version): report **every** missing
/// required column, every bad cell of every row (not only the first of a row) and every
/// [`check_record`] issue, instead of stopping at the first problem as the readers do.
///
/// The `Err` case is kept for files that cannot be opened at all (no such file, not CSV or
/// Parquet, a duplicated header name).
pub fn check_file(
    path: impl AsRef<std::path::Path>,
    opts: &CheckOptions,
) -> crate::Result<FileReport> {
    use super::csv::{FocusCsvReader, ReadOptions, RowOutcome};
    let path = path.as_ref();
    let read_opts = ReadOptions {
        require_columns: false,
        ..ReadOptions::default()
    };
    let is_parquet = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"));
    let mut next: Box<dyn FnMut() -> Option<RowOutcome>>;
    let (map, file) = if is_parquet {
        #[cfg(feature = "parquet")]
        {
            let mut r = super::parquet::FocusParquetReader::open_with(path, read_opts)?;
            let map = r.header().clone();
            next = Box::new(move || r.next_outcome());
            (map, path.display().to_string())
        }
        #[cfg(not(feature = "parquet"))]
        {
            return Err(crate::Error::InvalidArgument(format!(
                "{}: finops-core was built without the `parquet` feature",
                path.display()
            )));
        }
    } else {
        let mut r = FocusCsvReader::open_with(path, read_opts)?;
        let map = r.header().clone();
        let file = r.file().to_string();
        next = Box::new(move || r.next_outcome());
        (map, file)
    };
    let mut report = FileReport {
        file: file.clone(),
        version: map.version(),
        ..FileReport::default()
    };
    for c in map.missing_required() {
        report.errors.push(crate::Error::MissingColumn {
            file: file.clone(),
            column: c.name().to_string(),
        });
    }
    let complete = map.missing_required().is_empty();
    while let Some(outcome) = next() {
        match outcome {
            RowOutcome::Good(line, rec) => {
                report.rows += 1;
                report.good_rows += 1;
                if complete {
                    report.issues.extend(
                        check_record(&rec, opts)
                            .into_iter()
                            .map(|issue| RowIssue { line, issue }),
                    );
                }
            }
            RowOutcome::Bad(_, errs) => {
                report.rows += 1;
                report.errors.extend(errs);
            }
            RowOutcome::Fatal(e) => {
                report.errors.push(e);
                break;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use crate::focus::{Period, ServiceCategory};
    use chrono::NaiveDate;

    fn rec() -> CostRecord {
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        CostRecord::new(
            "P",
            "a",
            Currency::EUR,
            Period::month_of(d),
            Period::day(d),
            ChargeCategory::Usage,
            "S",
            ServiceCategory::Compute,
            Decimal::ONE,
        )
    }

    #[test]
    fn good_record_passes() {
        assert!(check_record(&rec(), &CheckOptions::default()).is_empty());
    }

    #[test]
    fn catches_what_the_validator_misses() {
        let mut r = rec();
        r.charge_period = Period {
            start: r.charge_period.end,
            end: r.charge_period.start,
        };
        r.extensions.set("CustomThing", Some("1".into()));
        r.pricing_category = None;
        let issues = check_record(&r, &CheckOptions::default());
        let cols: Vec<_> = issues.iter().map(|i| i.column.as_str()).collect();
        assert!(cols.contains(&"ChargePeriodStart"));
        assert!(cols.contains(&"CustomThing"));
        assert!(cols.contains(&"PricingCategory"));
    }
}
