//! Column names of every FOCUS version, mapped to FOCUS 1.2.
//!
//! Readers key cells by header **name**, never by position. [`HeaderMap::new`] looks at a
//! header row (CSV header or Parquet schema) and says, for each position, what the column is
//! ([`Slot`]): a FOCUS 1.2 column, an extension kept under its original name (`x_…`,
//! `oci_…`, any unknown column), or an alias dropped because the same FOCUS column is already
//! present under its 1.2 name. It also detects the FOCUS version from the columns present
//! ([`FocusVersion`]), lists the required columns that are missing, and the [`Fill`]s that
//! derive 1.2 columns an older file does not have.
//!
//! # Renames handled
//!
//! | file column | FOCUS 1.2 column | versions |
//! |---|---|---|
//! | `ChargeType` | ChargeCategory | 0.5 |
//! | `AmortizedCost` | EffectiveCost | 0.5 |
//! | `Provider` | ProviderName | 0.5, 1.0-preview |
//! | `Publisher` | PublisherName | 0.5, 1.0-preview |
//! | `InvoiceIssuer` | InvoiceIssuerName | 0.5, 1.0-preview |
//! | `Region` | RegionId (and RegionName when the file has none) | 0.5, 1.0-preview |
//! | `UsageQuantity` | ConsumedQuantity | 1.0-preview |
//! | `UsageUnit` | ConsumedUnit | 1.0-preview |
//! | `ServiceProviderName` | ProviderName (same entity, renamed in 1.3) | 1.3, 1.4 |
//! | `HostProviderName` | PublisherName, only when the file has no PublisherName (1.4) | 1.3, 1.4 |
//!
//! Matching is exact first, then ASCII case-insensitive; surrounding spaces and a UTF-8 BOM
//! on the header are ignored.
//!
//! # Documented choices
//!
//! - **Required** in every file: BilledCost, BillingCurrency, ChargePeriodStart,
//!   ChargePeriodEnd, ChargeCategory, BillingAccountId, ProviderName, ServiceName,
//!   ServiceCategory (under any of their names). A file without one of them is refused with
//!   [`Error::MissingColumn`](crate::Error::MissingColumn).
//! - **Derived when the file does not have the column at all** (a column that is present but
//!   empty on a row is an error for a non-null column, never silently filled):
//!   - BillingPeriodStart/End (both absent): the UTC calendar month of ChargePeriodStart;
//!   - EffectiveCost ← BilledCost;
//!   - ContractedCost ← ContractedUnitPrice × PricingQuantity when both are set on the row,
//!     else BilledCost;
//!   - ListCost ← ListUnitPrice × PricingQuantity when both are set, else ContractedCost;
//!   - InvoiceIssuerName and PublisherName ← ProviderName;
//!   - RegionName ← RegionId when the region came from the pre-1.0 `Region` column;
//!   - Azure FocusCost 1.0 extensions: InvoiceId ← `x_InvoiceId`, PricingCurrency ←
//!     `x_PricingCurrency`, SkuMeter ← `x_SkuMeterName` (the extensions are kept as well);
//!   - 1.0-preview `ChargeSubcategory` (kept as an extension too): `Used Commitment` /
//!     `Unused Commitment` set CommitmentDiscountStatus (when the file has no such column),
//!     `Credit` sets ChargeCategory `Credit`, `Refund` sets ChargeClass `Correction` (when the
//!     file has no ChargeClass column).
//! - **Duplicates**: an alias whose 1.2 column is also present under its 1.2 name is dropped
//!   when both mean the same thing (`ServiceProviderName` next to `ProviderName` in 1.3
//!   files, `Provider` next to `ProviderName`); `HostProviderName` next to `PublisherName`
//!   does not mean quite the same and is kept as an extension. The same header name twice
//!   is an error.
//! - Pre-1.0 allowed values (`On-Demand`, `Commitment-Based`) are mapped by the enums
//!   themselves ([`PricingCategory::parse`](super::PricingCategory::parse)).
//! - FOCUS 1.0 and 1.0r2 (Azure) have the same header; they differ only in the date format
//!   (with or without seconds), which the time parser accepts either way, so both are
//!   reported as [`FocusVersion::V1_0`].

use super::{ChargeCategory, ChargeClass, Column, CommitmentDiscountStatus, CostRecord, Period};
use rust_decimal::Decimal;
use std::fmt;

/// A FOCUS version, as detected from the columns a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FocusVersion {
    /// 0.5 (`ChargeType`, `AmortizedCost`).
    V0_5,
    /// 1.0-preview (`Provider`, `UsageQuantity`, `ChargeSubcategory`, ...; OCI's FOCUS reports).
    V1_0Preview,
    /// 1.0 and 1.0r2 (same columns; r2 differs in the date format only).
    V1_0,
    /// 1.1 (capacity reservations, `SkuPriceDetails`, `ServiceSubcategory`, ...).
    V1_1,
    /// 1.2 (`InvoiceId`, `PricingCurrency*`).
    V1_2,
    /// 1.3 or later (`ServiceProviderName`, `HostProviderName`, `Allocated*`, `ContractApplied`).
    V1_3,
}

impl FocusVersion {
    /// The version as written in the specification (`1.0-preview`, `1.2`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            FocusVersion::V0_5 => "0.5",
            FocusVersion::V1_0Preview => "1.0-preview",
            FocusVersion::V1_0 => "1.0",
            FocusVersion::V1_1 => "1.1",
            FocusVersion::V1_2 => "1.2",
            FocusVersion::V1_3 => "1.3",
        }
    }
}

impl fmt::Display for FocusVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A renamed column: its older (or newer) name, the 1.2 column and whether both names mean
/// exactly the same thing.
struct Alias {
    name: &'static str,
    column: Column,
    same_meaning: bool,
}

const ALIASES: &[Alias] = &[
    Alias {
        name: "ChargeType",
        column: Column::ChargeCategory,
        same_meaning: true,
    },
    Alias {
        name: "AmortizedCost",
        column: Column::EffectiveCost,
        same_meaning: true,
    },
    Alias {
        name: "Provider",
        column: Column::ProviderName,
        same_meaning: true,
    },
    Alias {
        name: "Publisher",
        column: Column::PublisherName,
        same_meaning: true,
    },
    Alias {
        name: "InvoiceIssuer",
        column: Column::InvoiceIssuerName,
        same_meaning: true,
    },
    Alias {
        name: "Region",
        column: Column::RegionId,
        same_meaning: true,
    },
    Alias {
        name: "UsageQuantity",
        column: Column::ConsumedQuantity,
        same_meaning: true,
    },
    Alias {
        name: "UsageUnit",
        column: Column::ConsumedUnit,
        same_meaning: true,
    },
    Alias {
        name: "ServiceProviderName",
        column: Column::ProviderName,
        same_meaning: true,
    },
    Alias {
        name: "HostProviderName",
        column: Column::PublisherName,
        same_meaning: false,
    },
];

/// Columns a file must have (under some name) for its rows to make useful records.
pub const REQUIRED: &[Column] = &[
    Column::BilledCost,
    Column::BillingCurrency,
    Column::ChargePeriodStart,
    Column::ChargePeriodEnd,
    Column::ChargeCategory,
    Column::BillingAccountId,
    Column::ProviderName,
    Column::ServiceName,
    Column::ServiceCategory,
];

const V1_3_SIGNS: &[&str] = &[
    "ServiceProviderName",
    "HostProviderName",
    "AllocatedMethodId",
    "AllocatedMethodDetails",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
    "ContractApplied",
];
const V1_2_SIGNS: &[&str] = &[
    "InvoiceId",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
];
const V1_1_SIGNS: &[&str] = &[
    "CapacityReservationId",
    "CapacityReservationStatus",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountUnit",
    "ServiceSubcategory",
    "SkuMeter",
    "SkuPriceDetails",
];
const V1_0_PREVIEW_SIGNS: &[&str] = &[
    "UsageQuantity",
    "UsageUnit",
    "ChargeSubcategory",
    "Provider",
    "Publisher",
    "InvoiceIssuer",
    "Region",
];
const V0_5_SIGNS: &[&str] = &["ChargeType", "AmortizedCost"];
const V1_0_SIGNS: &[&str] = &[
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "ChargeClass",
    "CommitmentDiscountStatus",
    "RegionId",
    "RegionName",
];

/// What one header position holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Slot {
    /// A FOCUS column (under its 1.2 name or an alias).
    Focus(Column),
    /// An extension column, kept under its original name (`x_…`, `oci_…`, unknown columns).
    Extension(String),
    /// An alias of a column already present under its 1.2 name; its cells are not read.
    Duplicate(Column),
}

/// How a 1.2 column the file lacks is derived on every row (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fill {
    /// `target` takes the value of `source`.
    Copy {
        /// The column filled in.
        target: Column,
        /// Where its value comes from.
        source: Column,
    },
    /// `target` = `unit_price` × PricingQuantity when both are set, else `fallback`.
    Cost {
        /// ContractedCost or ListCost.
        target: Column,
        /// The matching unit price column.
        unit_price: Column,
        /// The column used when the product cannot be formed.
        fallback: Column,
    },
    /// `target` takes the value of an extension column (kept as well).
    FromExtension {
        /// The column filled in.
        target: Column,
        /// The extension's name.
        extension: String,
    },
    /// BillingPeriodStart/End = the UTC calendar month of ChargePeriodStart.
    BillingPeriodFromChargePeriod,
    /// Interpret the 1.0-preview `ChargeSubcategory` extension.
    ChargeSubcategory {
        /// The extension's name as in the file.
        extension: String,
        /// Whether CommitmentDiscountStatus may be set from it (the file has no such column).
        set_status: bool,
        /// Whether ChargeClass may be set from it (the file has no such column).
        set_class: bool,
    },
}

/// One problem with a cell (or with a derived column) of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// The column as named in the file (or the 1.2 name of a derived column); `None` when
    /// the problem concerns the whole row.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The mapping of one header row to FOCUS 1.2.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    names: Vec<String>,
    slots: Vec<Slot>,
    positions: [Option<usize>; 57],
    version: Option<FocusVersion>,
    missing: Vec<Column>,
    fills: Vec<Fill>,
}

fn column_index(c: Column) -> usize {
    Column::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

fn find_alias(name: &str) -> Option<&'static Alias> {
    ALIASES
        .iter()
        .find(|a| a.name == name)
        .or_else(|| ALIASES.iter().find(|a| a.name.eq_ignore_ascii_case(name)))
}

fn find_column(name: &str) -> Option<Column> {
    Column::from_name(name).or_else(|| {
        Column::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    })
}

impl HeaderMap {
    /// Map a header row. The error names the offending column (a header name that appears
    /// twice) and says what is wrong.
    pub fn new<I, S>(header: I) -> Result<Self, CellError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<String> = header
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let s = s.as_ref();
                let s = if i == 0 {
                    s.trim_start_matches('\u{feff}')
                } else {
                    s
                };
                s.trim().to_string()
            })
            .collect();
        for (i, n) in names.iter().enumerate() {
            if let Some(j) = names[..i].iter().position(|m| m == n) {
                return Err(CellError {
                    column: Some(n.clone()),
                    message: format!(
                        "the header names column {n:?} twice (positions {} and {})",
                        j + 1,
                        i + 1
                    ),
                });
            }
        }
        let mut positions = [None; 57];
        // Pass 1: exact (or case-insensitive) 1.2 names win.
        let mut slots: Vec<Option<Slot>> = vec![None; names.len()];
        for (i, n) in names.iter().enumerate() {
            if let Some(c) = find_column(n) {
                let k = column_index(c);
                if positions[k].is_none() {
                    positions[k] = Some(i);
                    slots[i] = Some(Slot::Focus(c));
                }
            }
        }
        // Pass 2: aliases, extensions, and case-variant duplicates.
        for (i, n) in names.iter().enumerate() {
            if slots[i].is_some() {
                continue;
            }
            let slot = if find_column(n).is_some() {
                // The same 1.2 column twice under case variants: keep the extra one as is.
                Slot::Extension(n.clone())
            } else if let Some(a) = find_alias(n) {
                let k = column_index(a.column);
                if positions[k].is_none() {
                    positions[k] = Some(i);
                    Slot::Focus(a.column)
                } else if a.same_meaning {
                    Slot::Duplicate(a.column)
                } else {
                    Slot::Extension(n.clone())
                }
            } else {
                Slot::Extension(n.clone())
            };
            slots[i] = Some(slot);
        }
        let slots: Vec<Slot> = slots
            .into_iter()
            .zip(&names)
            .map(|(s, n)| s.unwrap_or_else(|| Slot::Extension(n.clone())))
            .collect();

        let has = |set: &[&str]| {
            names
                .iter()
                .any(|n| set.iter().any(|s| s.eq_ignore_ascii_case(n)))
        };
        let version = if has(V1_3_SIGNS) {
            Some(FocusVersion::V1_3)
        } else if has(V1_2_SIGNS) {
            Some(FocusVersion::V1_2)
        } else if has(V1_1_SIGNS) {
            Some(FocusVersion::V1_1)
        } else if has(V0_5_SIGNS) {
            Some(FocusVersion::V0_5)
        } else if has(V1_0_PREVIEW_SIGNS) {
            Some(FocusVersion::V1_0Preview)
        } else if has(V1_0_SIGNS) {
            Some(FocusVersion::V1_0)
        } else {
            None
        };

        let present = |c: Column| positions[column_index(c)].is_some();
        let mut missing: Vec<Column> = REQUIRED.iter().copied().filter(|c| !present(*c)).collect();
        let mut fills = Vec::new();
        match (
            present(Column::BillingPeriodStart),
            present(Column::BillingPeriodEnd),
        ) {
            (false, false) => fills.push(Fill::BillingPeriodFromChargePeriod),
            (true, false) => missing.push(Column::BillingPeriodEnd),
            (false, true) => missing.push(Column::BillingPeriodStart),
            (true, true) => {}
        }
        if !present(Column::EffectiveCost) {
            fills.push(Fill::Copy {
                target: Column::EffectiveCost,
                source: Column::BilledCost,
            });
        }
        if !present(Column::ContractedCost) {
            fills.push(Fill::Cost {
                target: Column::ContractedCost,
                unit_price: Column::ContractedUnitPrice,
                fallback: Column::BilledCost,
            });
        }
        if !present(Column::ListCost) {
            fills.push(Fill::Cost {
                target: Column::ListCost,
                unit_price: Column::ListUnitPrice,
                fallback: Column::ContractedCost,
            });
        }
        for target in [Column::InvoiceIssuerName, Column::PublisherName] {
            if !present(target) {
                fills.push(Fill::Copy {
                    target,
                    source: Column::ProviderName,
                });
            }
        }
        let region_from_alias = positions[column_index(Column::RegionId)]
            .is_some_and(|i| names[i].eq_ignore_ascii_case("Region"));
        if region_from_alias && !present(Column::RegionName) {
            fills.push(Fill::Copy {
                target: Column::RegionName,
                source: Column::RegionId,
            });
        }
        for (target, ext) in [
            (Column::InvoiceId, "x_InvoiceId"),
            (Column::PricingCurrency, "x_PricingCurrency"),
            (Column::SkuMeter, "x_SkuMeterName"),
        ] {
            if !present(target) && names.iter().any(|n| n == ext) {
                fills.push(Fill::FromExtension {
                    target,
                    extension: ext.to_string(),
                });
            }
        }
        if let Some(n) = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case("ChargeSubcategory"))
        {
            fills.push(Fill::ChargeSubcategory {
                extension: n.clone(),
                set_status: !present(Column::CommitmentDiscountStatus),
                set_class: !present(Column::ChargeClass),
            });
        }
        Ok(HeaderMap {
            names,
            slots,
            positions,
            version,
            missing,
            fills,
        })
    }

    /// The header names, as in the file (trimmed, BOM removed).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// What each position holds.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The detected FOCUS version (`None` when no column tells).
    pub fn version(&self) -> Option<FocusVersion> {
        self.version
    }

    /// The position of a FOCUS column in the file, if present (under any name).
    pub fn position(&self, column: Column) -> Option<usize> {
        self.positions[column_index(column)]
    }

    /// Required columns the file lacks (see [`REQUIRED`]; a lone BillingPeriodStart or
    /// BillingPeriodEnd counts as missing its partner).
    pub fn missing_required(&self) -> &[Column] {
        &self.missing
    }

    /// How the 1.2 columns the file lacks are derived.
    pub fn fills(&self) -> &[Fill] {
        &self.fills
    }

    /// Extension column names, in file order.
    pub fn extension_names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().filter_map(|s| match s {
            Slot::Extension(n) => Some(n.as_str()),
            _ => None,
        })
    }

    /// Build a record from one row's cells (`None` or empty text is null), collecting every
    /// problem of the row rather than stopping at the first.
    pub fn build_record<'a, I>(&self, cells: I) -> Result<CostRecord, Vec<CellError>>
    where
        I: IntoIterator<Item = Option<&'a str>>,
    {
        let mut rec = template();
        let mut errors = Vec::new();
        let mut n = 0usize;
        for (i, cell) in cells.into_iter().enumerate() {
            n += 1;
            let Some(slot) = self.slots.get(i) else {
                errors.push(CellError {
                    column: None,
                    message: format!(
                        "the row has more cells than the header's {} columns",
                        self.slots.len()
                    ),
                });
                break;
            };
            let text = cell.unwrap_or("");
            match slot {
                Slot::Focus(c) => {
                    if let Err(message) = rec.set_text(*c, text) {
                        errors.push(CellError {
                            column: Some(self.names[i].clone()),
                            message: if self.names[i] == c.name() {
                                message
                            } else {
                                format!("{message} (read as FOCUS 1.2 {})", c.name())
                            },
                        });
                    }
                }
                // Header names are unique, so no scan for an existing column is needed.
                Slot::Extension(name) => rec.extensions.push(
                    name.clone(),
                    if text.is_empty() {
                        None
                    } else {
                        Some(text.to_string())
                    },
                ),
                Slot::Duplicate(_) => {}
            }
        }
        if n < self.slots.len() && errors.is_empty() {
            errors.push(CellError {
                column: None,
                message: format!(
                    "the row has {n} cells but the header has {} columns",
                    self.slots.len()
                ),
            });
        }
        if errors.is_empty() {
            self.complete(&mut rec, &mut errors);
        }
        if errors.is_empty() {
            Ok(rec)
        } else {
            Err(errors)
        }
    }

    /// Apply the [`Fill`]s to a record read from this header.
    fn complete(&self, rec: &mut CostRecord, errors: &mut Vec<CellError>) {
        let mut fail = |column: Column, message: String| {
            errors.push(CellError {
                column: Some(column.name().to_string()),
                message,
            })
        };
        for fill in &self.fills {
            match fill {
                Fill::Copy { target, source } => {
                    let text = rec.get(*source).to_text().unwrap_or_default();
                    if let Err(e) = rec.set_text(*target, &text) {
                        fail(*target, format!("derived from {}: {e}", source.name()));
                    }
                }
                Fill::Cost {
                    target,
                    unit_price,
                    fallback,
                } => {
                    let price = decimal_of(rec, *unit_price);
                    let qty = rec.pricing_quantity;
                    let value = match (price, qty) {
                        (Some(p), Some(q)) => p.checked_mul(q),
                        _ => decimal_of(rec, *fallback),
                    };
                    match value {
                        Some(v) => match target {
                            Column::ContractedCost => rec.contracted_cost = v,
                            Column::ListCost => rec.list_cost = v,
                            _ => {}
                        },
                        None => fail(
                            *target,
                            format!(
                                "cannot be derived from {} × PricingQuantity (overflow)",
                                unit_price.name()
                            ),
                        ),
                    }
                }
                Fill::FromExtension { target, extension } => {
                    let text = rec.extensions.get(extension).unwrap_or("").to_string();
                    if let Err(e) = rec.set_text(*target, &text) {
                        fail(*target, format!("derived from {extension}: {e}"));
                    }
                }
                Fill::BillingPeriodFromChargePeriod => {
                    let start = rec.charge_period.start.date_naive();
                    rec.billing_period = Period::month_of(start);
                }
                Fill::ChargeSubcategory {
                    extension,
                    set_status,
                    set_class,
                } => match rec.extensions.get(extension) {
                    Some("Used Commitment") if *set_status => {
                        rec.commitment_discount_status = Some(CommitmentDiscountStatus::Used)
                    }
                    Some("Unused Commitment") if *set_status => {
                        rec.commitment_discount_status = Some(CommitmentDiscountStatus::Unused)
                    }
                    Some("Credit") => rec.charge_category = ChargeCategory::Credit,
                    Some("Refund") if *set_class => {
                        rec.charge_class = Some(ChargeClass::Correction)
                    }
                    _ => {}
                },
            }
        }
    }
}

fn decimal_of(rec: &CostRecord, c: Column) -> Option<Decimal> {
    match rec.get(c) {
        super::Value::Decimal(d) => Some(d),
        _ => None,
    }
}

/// The record readers start every row from: mandatory columns hold placeholders (every one
/// of them is required or derived), optional columns are null.
fn template() -> CostRecord {
    let mut r = CostRecord::blank();
    r.charge_frequency = None;
    r.pricing_category = None;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_preview_names_and_detects_version() {
        let h = HeaderMap::new([
            "\u{feff}Provider",
            "Publisher",
            "InvoiceIssuer",
            "Region",
            "UsageQuantity",
            "UsageUnit",
            "BilledCost",
            "oci_CompartmentId",
        ])
        .unwrap();
        assert_eq!(h.version(), Some(FocusVersion::V1_0Preview));
        assert_eq!(h.slots()[0], Slot::Focus(Column::ProviderName));
        assert_eq!(h.slots()[3], Slot::Focus(Column::RegionId));
        assert_eq!(h.slots()[4], Slot::Focus(Column::ConsumedQuantity));
        assert_eq!(h.slots()[7], Slot::Extension("oci_CompartmentId".into()));
        assert!(h.missing_required().contains(&Column::ChargePeriodStart));
        assert!(!h.missing_required().contains(&Column::ProviderName));
        assert!(h.fills().contains(&Fill::Copy {
            target: Column::RegionName,
            source: Column::RegionId
        }));
    }

    #[test]
    fn v13_provider_names() {
        let h = HeaderMap::new([
            "ProviderName",
            "ServiceProviderName",
            "PublisherName",
            "HostProviderName",
        ])
        .unwrap();
        assert_eq!(h.version(), Some(FocusVersion::V1_3));
        assert_eq!(h.slots()[1], Slot::Duplicate(Column::ProviderName));
        assert_eq!(h.slots()[3], Slot::Extension("HostProviderName".into()));
        // 1.4 style: no ProviderName / PublisherName at all.
        let h = HeaderMap::new(["ServiceProviderName", "HostProviderName"]).unwrap();
        assert_eq!(h.slots()[0], Slot::Focus(Column::ProviderName));
        assert_eq!(h.slots()[1], Slot::Focus(Column::PublisherName));
    }

    #[test]
    fn duplicate_header_is_an_error() {
        let e = HeaderMap::new(["BilledCost", "x_A", "x_A"]).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("x_A"));
    }

    #[test]
    fn azure_headers_detect_versions() {
        let v10 = "BilledCost,BillingAccountId,BillingAccountType,ChargeClass,ConsumedQuantity,RegionId,SubAccountType,x_InvoiceId";
        let h = HeaderMap::new(v10.split(',')).unwrap();
        assert_eq!(h.version(), Some(FocusVersion::V1_0));
        assert!(h.fills().iter().any(|f| matches!(
            f,
            Fill::FromExtension {
                target: Column::InvoiceId,
                ..
            }
        )));
        let v12 = "BilledCost,CapacityReservationId,InvoiceId,PricingCurrency";
        let h = HeaderMap::new(v12.split(',')).unwrap();
        assert_eq!(h.version(), Some(FocusVersion::V1_2));
    }
}
