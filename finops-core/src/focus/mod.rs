//! The FOCUS cost model: [`CostRecord`] (FOCUS 1.2 Cost and Usage), its column table
//! ([`Column`]), value types and allowed-value enums.
//!
//! Readers and writers live in [`csv`] and `parquet`; the conformance
//! checker that covers what the official validator misses is [`check`].

use crate::money::Currency;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use std::fmt;

pub mod check;
mod columns;
pub mod csv;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod versions;
pub use columns::{Column, CostRecord};

/// Read a FOCUS file of any version, dispatching on the name: `.parquet` (feature
/// `parquet`) → [`parquet::FocusParquetReader`], anything else (`.csv`, `.csv.gz`; gzip is
/// recognised by its magic bytes) → [`csv::FocusCsvReader`]. The iterator is streaming and
/// stops being useful at the first `Err` unless the caller skips it; a missing required
/// column is reported here, when the file is opened.
pub fn read_file(
    path: impl AsRef<std::path::Path>,
) -> crate::Result<Box<dyn Iterator<Item = crate::Result<CostRecord>> + Send>> {
    read_file_with(path, csv::ReadOptions::default())
}

/// [`read_file`] with options (e.g. [`csv::ReadOptions::collecting`]; the bad rows are then
/// only reachable through the concrete readers' `bad_rows()` handle, so use those readers
/// directly when you need the log).
pub fn read_file_with(
    path: impl AsRef<std::path::Path>,
    opts: csv::ReadOptions,
) -> crate::Result<Box<dyn Iterator<Item = crate::Result<CostRecord>> + Send>> {
    let path = path.as_ref();
    if is_parquet_path(path) {
        #[cfg(feature = "parquet")]
        {
            return Ok(Box::new(parquet::FocusParquetReader::open_with(
                path, opts,
            )?));
        }
        #[cfg(not(feature = "parquet"))]
        {
            return Err(crate::Error::InvalidArgument(format!(
                "{}: finops-core was built without the `parquet` feature",
                path.display()
            )));
        }
    }
    Ok(Box::new(csv::FocusCsvReader::open_with(path, opts)?))
}

/// Write FOCUS 1.2 records to `path`, atomically, dispatching on the name: `.parquet` →
/// [`parquet::write_parquet_file`], `.csv.gz`/`.gz` → gzip CSV, anything else → CSV. The
/// extension columns are the union over the records, in first-seen order.
pub fn write_file(path: impl AsRef<std::path::Path>, records: &[CostRecord]) -> crate::Result<()> {
    let path = path.as_ref();
    if is_parquet_path(path) {
        #[cfg(feature = "parquet")]
        {
            return parquet::write_parquet_file(path, records);
        }
        #[cfg(not(feature = "parquet"))]
        {
            return Err(crate::Error::InvalidArgument(format!(
                "{}: finops-core was built without the `parquet` feature",
                path.display()
            )));
        }
    }
    csv::write_csv_file(path, records)
}

fn is_parquet_path(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

/// A JSON object with its key order kept (`serde_json` with `preserve_order`).
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// How a column's values are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// Exact decimal.
    Decimal,
    /// UTC instant.
    DateTime,
    /// JSON object (Tags, SkuPriceDetails).
    Json,
    /// Text (including allowed-value columns).
    String,
}

/// A borrowed column value, as returned by [`CostRecord::get`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Null.
    Null,
    /// Text.
    Str(&'a str),
    /// Exact decimal.
    Decimal(Decimal),
    /// UTC instant.
    Time(DateTime<Utc>),
    /// JSON object.
    Json(&'a JsonObject),
}

impl Value<'_> {
    /// The FOCUS 1.2 text encoding of the value (`None` for null).
    pub fn to_text(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Str(s) => Some((*s).to_string()),
            Value::Decimal(d) => Some(format_focus_decimal(*d)),
            Value::Time(t) => Some(format_time(*t)),
            Value::Json(m) => Some(serde_json::to_string(m).unwrap_or_default()),
        }
    }
}

/// A half-open time interval `[start, end)` in UTC.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Period {
    /// Inclusive start.
    pub start: DateTime<Utc>,
    /// Exclusive end.
    pub end: DateTime<Utc>,
}

impl Period {
    /// A period; `start` must be before `end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> crate::Result<Self> {
        if start >= end {
            return Err(crate::Error::InvalidArgument(format!(
                "period start {start} is not before its end {end}"
            )));
        }
        Ok(Period { start, end })
    }

    /// The whole UTC day `date`.
    pub fn day(date: NaiveDate) -> Self {
        let start = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
        Period {
            start,
            end: start + chrono::Duration::days(1),
        }
    }

    /// The calendar month (UTC) containing `date`.
    pub fn month_of(date: NaiveDate) -> Self {
        use chrono::Datelike;
        let first = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date);
        let next = if date.month() == 12 {
            NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
        }
        .unwrap_or(first);
        Period {
            start: Utc.from_utc_datetime(&first.and_hms_opt(0, 0, 0).unwrap_or_default()),
            end: Utc.from_utc_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default()),
        }
    }

    /// Whether `t` is inside `[start, end)`.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    /// Whether two half-open periods overlap.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Length of the period.
    pub fn duration(&self) -> chrono::Duration {
        self.end - self.start
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}, {})",
            format_time(self.start),
            format_time(self.end)
        )
    }
}

macro_rules! focus_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $variant),+
        }

        impl $name {
            /// All allowed values.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The FOCUS text of the value.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parse the exact FOCUS text (older-version aliases accepted); anything else is an
            /// error listing the allowed values.
            pub fn parse(s: &str) -> Result<Self, String> {
                match s {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(format!(
                        "{:?} is not an allowed {} value (allowed: {})",
                        s,
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

focus_enum!(
    /// `ChargeCategory`: the highest-level classification of a charge.
    ChargeCategory {
        /// Usage.
        Usage => "Usage",
        /// Purchase.
        Purchase => "Purchase",
        /// Tax.
        Tax => "Tax",
        /// Credit.
        Credit => "Credit",
        /// Adjustment.
        Adjustment => "Adjustment",
    }
);

focus_enum!(
    /// `ChargeClass`: `Correction` or null.
    ChargeClass {
        /// A correction to an already invoiced billing period.
        Correction => "Correction",
    }
);

focus_enum!(
    /// `ChargeFrequency`.
    ChargeFrequency {
        /// One-time.
        OneTime => "One-Time",
        /// Recurring.
        Recurring => "Recurring",
        /// Usage-based.
        UsageBased => "Usage-Based",
    }
);

focus_enum!(
    /// `PricingCategory` (pre-1.0 `On-Demand` / `Commitment-Based` are read as Standard / Committed).
    PricingCategory {
        /// Standard (on-demand) pricing.
        Standard => "Standard" | "On-Demand",
        /// Dynamic pricing (spot).
        Dynamic => "Dynamic",
        /// Committed pricing.
        Committed => "Committed" | "Commitment-Based" | "Commitment Discount",
        /// Other.
        Other => "Other",
    }
);

focus_enum!(
    /// `CommitmentDiscountCategory`.
    CommitmentDiscountCategory {
        /// Spend-based.
        Spend => "Spend",
        /// Usage-based.
        Usage => "Usage",
    }
);

focus_enum!(
    /// `CommitmentDiscountStatus`.
    CommitmentDiscountStatus {
        /// Used.
        Used => "Used",
        /// Unused.
        Unused => "Unused",
    }
);

focus_enum!(
    /// `CapacityReservationStatus`.
    CapacityReservationStatus {
        /// Used.
        Used => "Used",
        /// Unused.
        Unused => "Unused",
    }
);

focus_enum!(
    /// `ServiceCategory`: the 19 values of FOCUS 1.2.
    ServiceCategory {
        /// AI and Machine Learning.
        AiAndMachineLearning => "AI and Machine Learning",
        /// Analytics.
        Analytics => "Analytics",
        /// Business Applications.
        BusinessApplications => "Business Applications",
        /// Compute.
        Compute => "Compute",
        /// Databases.
        Databases => "Databases",
        /// Developer Tools.
        DeveloperTools => "Developer Tools",
        /// Multicloud.
        Multicloud => "Multicloud",
        /// Identity.
        Identity => "Identity",
        /// Integration.
        Integration => "Integration",
        /// Internet of Things.
        InternetOfThings => "Internet of Things",
        /// Management and Governance.
        ManagementAndGovernance => "Management and Governance",
        /// Media.
        Media => "Media",
        /// Migration.
        Migration => "Migration",
        /// Mobile.
        Mobile => "Mobile",
        /// Networking.
        Networking => "Networking",
        /// Security.
        Security => "Security",
        /// Storage.
        Storage => "Storage",
        /// Web.
        Web => "Web",
        /// Other.
        Other => "Other",
    }
);

/// FOCUS `Tags`: a flat JSON object whose values are strings, numbers, booleans or null,
/// with its key order kept.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tags(JsonObject);

impl Tags {
    /// An empty tag set.
    pub fn new() -> Self {
        Tags(JsonObject::new())
    }

    /// Parse a FOCUS Tags cell: a JSON object with scalar values (nested values are refused).
    pub fn parse(text: &str) -> Result<Self, String> {
        let map = parse_json_object(text)?;
        Tags::from_map(map)
    }

    /// Wrap a map, refusing nested values.
    pub fn from_map(map: JsonObject) -> Result<Self, String> {
        for (k, v) in &map {
            if v.is_object() || v.is_array() {
                return Err(format!("tag {k:?} has a nested value; FOCUS tags are flat"));
            }
        }
        Ok(Tags(map))
    }

    /// Insert a string tag (keeps insertion order).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0
            .insert(key.into(), serde_json::Value::String(value.into()));
    }

    /// Insert a tag with no value (FOCUS encodes it as `true`).
    pub fn insert_flag(&mut self, key: impl Into<String>) {
        self.0.insert(key.into(), serde_json::Value::Bool(true));
    }

    /// A tag's value as text (strings as-is, numbers/booleans in JSON form, null as `None`).
    pub fn get(&self, key: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.0.get(key).and_then(json_scalar_text)
    }

    /// A tag's value, matching the key case-insensitively (first match in key order).
    pub fn get_ignore_case(&self, key: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| json_scalar_text(v))
    }

    /// The underlying map.
    pub fn as_map(&self) -> &JsonObject {
        &self.0
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterate over `(key, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &serde_json::Value)> {
        self.0.iter()
    }
}

impl fmt::Display for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(&self.0).map_err(|_| fmt::Error)?)
    }
}

fn json_scalar_text(v: &serde_json::Value) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        other => Some(std::borrow::Cow::Owned(other.to_string())),
    }
}

/// Extension columns (`x_…`, `oci_…`, any non-FOCUS column), in order, values as text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extensions(Vec<(String, Option<String>)>);

impl Extensions {
    /// No extensions.
    pub fn new() -> Self {
        Extensions(Vec::new())
    }

    /// Set a column (replaces an existing one in place, else appends).
    pub fn set(&mut self, name: impl Into<String>, value: Option<String>) {
        let name = name.into();
        if let Some(slot) = self.0.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value;
        } else {
            self.0.push((name, value));
        }
    }

    /// Append a column without looking for an existing one of the same name: for readers
    /// whose header already guarantees unique names (O(1) instead of [`Extensions::set`]'s
    /// scan). A duplicate name pushed here would shadow nothing: [`Extensions::get`] finds the
    /// first.
    pub fn push(&mut self, name: impl Into<String>, value: Option<String>) {
        self.0.push((name.into(), value));
    }

    /// A column's value (`None` when absent or null).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether the column exists (even with a null value).
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// Iterate in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_deref()))
    }

    /// Column names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    /// Number of extension columns.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl CostRecord {
    /// A Usage-style record with the mandatory columns set.
    ///
    /// EffectiveCost, ListCost and ContractedCost start equal to `billed_cost`;
    /// InvoiceIssuerName and PublisherName start equal to `provider`; ChargeFrequency is
    /// `Usage-Based` and PricingCategory `Standard` for `Usage` rows. Change any public field after.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        provider: impl Into<String>,
        billing_account_id: impl Into<String>,
        billing_currency: Currency,
        billing_period: Period,
        charge_period: Period,
        charge_category: ChargeCategory,
        service_name: impl Into<String>,
        service_category: ServiceCategory,
        billed_cost: Decimal,
    ) -> Self {
        let provider = provider.into();
        let usage = charge_category == ChargeCategory::Usage;
        CostRecord {
            availability_zone: None,
            billed_cost,
            billing_account_id: billing_account_id.into(),
            billing_account_name: None,
            billing_account_type: None,
            billing_currency,
            billing_period,
            capacity_reservation_id: None,
            capacity_reservation_status: None,
            charge_category,
            charge_class: None,
            charge_description: None,
            charge_frequency: Some(match charge_category {
                ChargeCategory::Usage => ChargeFrequency::UsageBased,
                ChargeCategory::Purchase => ChargeFrequency::OneTime,
                _ => ChargeFrequency::OneTime,
            }),
            charge_period,
            commitment_discount_category: None,
            commitment_discount_id: None,
            commitment_discount_name: None,
            commitment_discount_quantity: None,
            commitment_discount_status: None,
            commitment_discount_type: None,
            commitment_discount_unit: None,
            consumed_quantity: None,
            consumed_unit: None,
            contracted_cost: billed_cost,
            contracted_unit_price: None,
            effective_cost: billed_cost,
            invoice_id: None,
            invoice_issuer_name: provider.clone(),
            list_cost: billed_cost,
            list_unit_price: None,
            pricing_category: if usage || charge_category == ChargeCategory::Purchase {
                Some(PricingCategory::Standard)
            } else {
                None
            },
            pricing_currency: None,
            pricing_currency_contracted_unit_price: None,
            pricing_currency_effective_cost: None,
            pricing_currency_list_unit_price: None,
            pricing_quantity: None,
            pricing_unit: None,
            provider_name: provider.clone(),
            publisher_name: provider,
            region_id: None,
            region_name: None,
            resource_id: None,
            resource_name: None,
            resource_type: None,
            service_category,
            service_name: service_name.into(),
            service_subcategory: None,
            sku_id: None,
            sku_meter: None,
            sku_price_details: None,
            sku_price_id: None,
            sub_account_id: None,
            sub_account_name: None,
            sub_account_type: None,
            tags: None,
            extensions: Extensions::new(),
        }
    }

    /// A placeholder record (epoch periods, empty strings, zero cost) that readers fill in
    /// column by column with [`CostRecord::set_text`].
    pub fn blank() -> Self {
        let epoch = Utc.timestamp_opt(0, 0).single().unwrap_or_default();
        let p = Period {
            start: epoch,
            end: epoch,
        };
        CostRecord::new(
            "",
            "",
            Currency::USD,
            p,
            p,
            ChargeCategory::Usage,
            "",
            ServiceCategory::Other,
            Decimal::ZERO,
        )
    }
}

/// Format a UTC instant the FOCUS way: `YYYY-MM-DDTHH:mm:ssZ`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Format a decimal for FOCUS files: plain notation, trailing zeros removed, and always with a
/// fractional part (`1.0`, not `1`) so type inference reads the column as decimal.
pub fn format_focus_decimal(d: Decimal) -> String {
    let s = d.normalize().to_string();
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// Parse a FOCUS date/time leniently: `YYYY-MM-DDTHH:mm:ssZ`, fractional seconds, an
/// explicit offset, no seconds (FOCUS 1.0r2 exports: `2024-01-01T00:00Z`), a space instead of
/// `T`, or a bare date (midnight UTC). The result is always UTC.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("a date/time is required".into());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    let naive = t.trim_end_matches('Z').trim_end_matches("+00:00");
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Ok(Utc.from_utc_datetime(&n));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
            return Ok(dt.with_timezone(&Utc));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(naive, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()));
    }
    Err(format!(
        "{t:?} is not a date/time (expected YYYY-MM-DDTHH:mm:ssZ)"
    ))
}

/// Parse a JSON object cell.
pub fn parse_json_object(text: &str) -> Result<JsonObject, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("{text:?} is JSON but not an object")),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip_names() {
        assert_eq!(Column::ALL.len(), 57);
        for c in Column::ALL {
            assert_eq!(Column::from_name(c.name()), Some(c));
        }
    }

    #[test]
    fn times() {
        let a = parse_time("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(parse_time("2024-01-01T00:00Z").unwrap(), a);
        assert_eq!(parse_time("2024-01-01 00:00:00").unwrap(), a);
        assert_eq!(parse_time("2024-01-01T01:00:00+01:00").unwrap(), a);
        assert_eq!(parse_time("2024-01-01").unwrap(), a);
        assert_eq!(format_time(a), "2024-01-01T00:00:00Z");
        assert!(parse_time("01/01/2024").is_err());
    }

    #[test]
    fn enums_parse_exactly() {
        assert_eq!(
            ChargeCategory::parse("Usage").unwrap(),
            ChargeCategory::Usage
        );
        assert!(ChargeCategory::parse("usage").is_err());
        assert_eq!(
            PricingCategory::parse("On-Demand").unwrap(),
            PricingCategory::Standard
        );
        assert_eq!(ServiceCategory::ALL.len(), 19);
    }

    #[test]
    fn tags_keep_order_and_refuse_nesting() {
        let t = Tags::parse(r#"{"b":"1","a":2,"Application":"x"}"#).unwrap();
        let keys: Vec<_> = t.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys, ["b", "a", "Application"]);
        assert_eq!(t.get("a").unwrap(), "2");
        assert_eq!(t.get_ignore_case("APPLICATION").unwrap(), "x");
        assert!(Tags::parse(r#"{"a":{"b":1}}"#).is_err());
        assert!(Tags::parse(r#"[1]"#).is_err());
    }

    #[test]
    fn record_get_and_set() {
        let mut r = CostRecord::blank();
        r.set_text(Column::BilledCost, "1.25").unwrap();
        r.set_text(Column::BillingCurrency, "EUR").unwrap();
        assert!(r.set_text(Column::BillingCurrency, "eur").is_err());
        assert_eq!(r.get(Column::BilledCost).to_text().unwrap(), "1.25");
        r.set_text(Column::Tags, r#"{"app":"a"}"#).unwrap();
        assert_eq!(r.get(Column::Tags).to_text().unwrap(), r#"{"app":"a"}"#);
        assert!(r.set_text(Column::BilledCost, "").is_err());
        assert_eq!(format_focus_decimal(Decimal::from(2)), "2.0");
    }
}
