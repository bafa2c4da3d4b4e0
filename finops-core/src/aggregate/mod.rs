#![doc = include_str!("README.md")]

mod csv_scan;
mod engine;
mod fixed;
mod hash;
#[cfg(feature = "parquet")]
mod parquet_scan;
mod records;
mod tags;
mod time;

pub use records::{aggregate_records, aggregate_stream};

/// A fixed-point sum (value × 10^18) as an exact, normalised decimal (`None` past 28
/// significant digits).
pub(crate) use fixed::to_decimal as fixed_to_decimal;

/// The `BuildHasher` of the engine's intern and group tables (exposed for the hasher
/// benchmark in `benches/benches/aggregate.rs`; not a stable API).
#[doc(hidden)]
pub use hash::FastBuild as GroupHasher;
pub use time::{TimeBucket, billing_month};

use crate::focus::{Column, ColumnKind, Period};
use crate::{Error, Result};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// What to group by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// A FOCUS column, by value (text; numbers and dates as written in the input).
    Column(Column),
    /// An extension column (`x_…`), by exact header name.
    Extension(String),
    /// The value of one key of `Tags`.
    Tag {
        /// The tag key.
        key: String,
        /// Match the key ASCII case-insensitively (`Application` = `application`); the
        /// first matching key in the object's key order wins.
        ignore_case: bool,
    },
    /// A time bucket of `ChargePeriodStart` (`BillingPeriodStart` for
    /// [`TimeBucket::BillingPeriod`]).
    Time(TimeBucket),
}

impl Dimension {
    /// Parse a dimension spec: a FOCUS column name (`ServiceName`; the FOCUS 1.0/1.3 aliases
    /// `ServiceProviderName` and `UsageQuantity` are accepted), an `x_` column, `tag:KEY`,
    /// `itag:KEY` (case-insensitive key), or `hour|day|week|month|charge_month|billing_period`.
    pub fn parse(spec: &str) -> Result<Dimension> {
        let s = spec.trim();
        if let Some(k) = s.strip_prefix("tag:") {
            return non_empty_key(k, spec).map(|key| Dimension::Tag {
                key,
                ignore_case: false,
            });
        }
        if let Some(k) = s.strip_prefix("itag:") {
            return non_empty_key(k, spec).map(|key| Dimension::Tag {
                key,
                ignore_case: true,
            });
        }
        if let Some(b) = TimeBucket::parse(s) {
            return Ok(Dimension::Time(b));
        }
        if s.starts_with("x_") && s.len() > 2 {
            return Ok(Dimension::Extension(s.to_string()));
        }
        match column_by_name(s) {
            Some(c) => Ok(Dimension::Column(c)),
            None => Err(Error::InvalidArgument(format!(
                "{spec:?} is not a FOCUS column, an x_ column, tag:KEY, itag:KEY or one of hour|day|week|month|charge_month|billing_period"
            ))),
        }
    }
}

fn non_empty_key(k: &str, spec: &str) -> Result<String> {
    if k.is_empty() {
        Err(Error::InvalidArgument(format!("{spec:?}: empty tag key")))
    } else {
        Ok(k.to_string())
    }
}

/// FOCUS column by name, including the renamed columns of other FOCUS versions.
pub(crate) fn column_by_name(name: &str) -> Option<Column> {
    Column::from_name(name).or_else(|| {
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == name)
            .and_then(|(_, canonical)| Column::from_name(canonical))
    })
}

/// Other FOCUS versions' names of a column: `(alias, FOCUS 1.2 name)`. Input headers are
/// matched against the 1.2 name first, then these.
pub(crate) const ALIASES: &[(&str, &str)] = &[
    ("ServiceProviderName", "ProviderName"),
    ("UsageQuantity", "ConsumedQuantity"),
];

/// Header names that may hold a FOCUS 1.2 column, preferred first.
pub(crate) fn header_names(c: Column) -> Vec<&'static str> {
    let mut v = vec![c.name()];
    v.extend(
        ALIASES
            .iter()
            .filter(|(_, canonical)| *canonical == c.name())
            .map(|(a, _)| *a),
    );
    v
}

/// Columns that can be summed: money in `BillingCurrency` and quantities.
pub const MEASURE_COLUMNS: [Column; 6] = [
    Column::BilledCost,
    Column::EffectiveCost,
    Column::ListCost,
    Column::ContractedCost,
    Column::PricingQuantity,
    Column::ConsumedQuantity,
];

/// What to compute per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Exact sum of a column (nulls skipped; a group with only nulls sums to null).
    Sum(Column),
    /// Number of rows.
    Count,
    /// Smallest value.
    Min(Column),
    /// Largest value.
    Max(Column),
}

impl Measure {
    /// Output name: the column name for sums, `count`, `min(Col)`, `max(Col)`.
    pub fn name(&self) -> String {
        match self {
            Measure::Sum(c) => c.name().to_string(),
            Measure::Count => "count".to_string(),
            Measure::Min(c) => format!("min({})", c.name()),
            Measure::Max(c) => format!("max({})", c.name()),
        }
    }

    fn column(&self) -> Option<Column> {
        match self {
            Measure::Sum(c) | Measure::Min(c) | Measure::Max(c) => Some(*c),
            Measure::Count => None,
        }
    }

    /// Whether the measure is an amount of money (so `BillingCurrency` must be in the key).
    pub fn is_money(&self) -> bool {
        matches!(
            self.column(),
            Some(
                Column::BilledCost
                    | Column::EffectiveCost
                    | Column::ListCost
                    | Column::ContractedCost
            )
        )
    }

    /// A measure column by name (see [`MEASURE_COLUMNS`]).
    pub fn column_named(name: &str) -> Result<Column> {
        match column_by_name(name.trim()) {
            Some(c) if MEASURE_COLUMNS.contains(&c) => Ok(c),
            _ => Err(Error::InvalidArgument(format!(
                "{name:?} cannot be summed; use one of {}",
                MEASURE_COLUMNS.map(|c| c.name()).join(", ")
            ))),
        }
    }
}

/// Keep only rows whose dimension value is one of `values` (an empty string matches null).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The dimension tested.
    pub dimension: Dimension,
    /// Accepted values.
    pub values: Vec<String>,
}

/// A group-by query. Build with [`AggregateQuery::new`] and the `group_by` / `sum` / … methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AggregateQuery {
    /// Grouping dimensions with their output names, in output order.
    pub dimensions: Vec<(String, Dimension)>,
    /// Measures, in output order.
    pub measures: Vec<Measure>,
    /// Row filters (all must hold).
    pub filters: Vec<Filter>,
    /// Keep rows whose `ChargePeriodStart` is in this half-open range.
    pub period: Option<Period>,
    /// Time zone of the time buckets.
    pub tz: Tz,
    /// Worker threads for file inputs (at least 1).
    pub threads: usize,
}

impl Default for AggregateQuery {
    fn default() -> Self {
        AggregateQuery {
            dimensions: Vec::new(),
            measures: Vec::new(),
            filters: Vec::new(),
            period: None,
            tz: Tz::UTC,
            threads: std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(8),
        }
    }
}

impl AggregateQuery {
    /// An empty query (UTC, one worker per core).
    pub fn new() -> Self {
        Self::default()
    }

    /// Group by a dimension spec (see [`Dimension::parse`]); the spec is the output name.
    pub fn group_by(mut self, spec: &str) -> Result<Self> {
        let d = Dimension::parse(spec)?;
        self.dimensions.push((spec.trim().to_string(), d));
        Ok(self)
    }

    /// Add a measure.
    pub fn measure(mut self, m: Measure) -> Self {
        self.measures.push(m);
        self
    }

    /// Sum a column.
    pub fn sum(self, c: Column) -> Self {
        self.measure(Measure::Sum(c))
    }

    /// Keep rows whose `dimension` is one of `values`.
    pub fn filter(mut self, dimension: Dimension, values: Vec<String>) -> Self {
        self.filters.push(Filter { dimension, values });
        self
    }

    /// Keep rows with `ChargePeriodStart` in `period`.
    pub fn with_period(mut self, period: Period) -> Self {
        self.period = Some(period);
        self
    }

    /// Time zone of the time buckets.
    pub fn with_tz(mut self, tz: Tz) -> Self {
        self.tz = tz;
        self
    }

    /// Worker threads for file inputs.
    pub fn with_threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }

    /// The effective key: the requested dimensions, plus `BillingCurrency` last when a money
    /// measure is asked for and the key does not already hold it.
    pub fn key_dimensions(&self) -> Vec<(String, Dimension)> {
        let mut dims = self.dimensions.clone();
        let has_currency = dims
            .iter()
            .any(|(_, d)| *d == Dimension::Column(Column::BillingCurrency));
        if !has_currency && self.measures.iter().any(Measure::is_money) {
            dims.push((
                Column::BillingCurrency.name().to_string(),
                Dimension::Column(Column::BillingCurrency),
            ));
        }
        dims
    }

    fn validate(&self) -> Result<()> {
        if self.measures.is_empty() {
            return Err(Error::InvalidArgument("no measure asked for".into()));
        }
        for m in &self.measures {
            if let Some(c) = m.column()
                && (c.kind() != ColumnKind::Decimal || !MEASURE_COLUMNS.contains(&c))
            {
                return Err(Error::InvalidArgument(format!(
                    "{} cannot be aggregated; use one of {}",
                    c.name(),
                    MEASURE_COLUMNS.map(|c| c.name()).join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// One output row: the key values (null as `None`) then the measure values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRow {
    /// Key values, one per [`AggregateTable::dimensions`].
    pub key: Vec<Option<String>>,
    /// Measure values, one per [`AggregateTable::measures`] (`None`: no non-null input).
    pub values: Vec<Option<Decimal>>,
}

/// The result of a query, sorted by key (byte order of each key value, nulls last).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AggregateTable {
    /// Key column names (as given, plus `BillingCurrency` when added).
    pub dimensions: Vec<String>,
    /// Measure column names.
    pub measures: Vec<String>,
    /// Rows, sorted.
    pub rows: Vec<AggregateRow>,
}

impl AggregateTable {
    /// Write as CSV: one column per dimension, then one per measure; decimals in full
    /// (exact value, trailing fractional zeros removed: `12.5`, `-3`, `0.0000000001`); null
    /// as an empty field.
    pub fn write_csv<W: std::io::Write>(&self, out: W) -> Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let io = |e: csv::Error| Error::Io {
            path: "<output>".into(),
            source: std::io::Error::other(e),
        };
        w.write_record(self.dimensions.iter().chain(self.measures.iter()))
            .map_err(io)?;
        let mut rec: Vec<String> = Vec::new();
        for r in &self.rows {
            rec.clear();
            rec.extend(r.key.iter().map(|k| k.clone().unwrap_or_default()));
            rec.extend(
                r.values
                    .iter()
                    .map(|v| v.map(crate::money::format_decimal).unwrap_or_default()),
            );
            w.write_record(&rec).map_err(io)?;
        }
        w.flush().map_err(|e| Error::Io {
            path: "<output>".into(),
            source: e,
        })?;
        Ok(())
    }
}

/// Input file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// CSV (RFC 4180, header row, UTF-8).
    Csv,
    /// Gzip-compressed CSV.
    CsvGz,
    /// Apache Parquet.
    Parquet,
}

impl InputFormat {
    /// Guess from the file name: `.parquet`/`.pq`, `.gz`, else CSV.
    pub fn from_path(p: &Path) -> InputFormat {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".parquet") || name.ends_with(".pq") {
            InputFormat::Parquet
        } else if name.ends_with(".gz") {
            InputFormat::CsvGz
        } else {
            InputFormat::Csv
        }
    }
}

/// Aggregate FOCUS files (CSV, CSV.gz, Parquet; format from the file name), streaming each
/// file once with [`AggregateQuery::threads`] workers. Errors name the file, line and column.
pub fn aggregate_files<P: AsRef<Path>>(
    paths: &[P],
    query: &AggregateQuery,
) -> Result<AggregateTable> {
    query.validate()?;
    let plan = engine::Plan::new(query);
    let mut total = engine::Merged::new(&plan);
    for p in paths {
        let p: PathBuf = p.as_ref().to_path_buf();
        let parts = match InputFormat::from_path(&p) {
            InputFormat::Csv | InputFormat::CsvGz => csv_scan::scan_file(&p, &plan, query.threads)?,
            InputFormat::Parquet => {
                #[cfg(feature = "parquet")]
                {
                    parquet_scan::scan_file(&p, &plan, query.threads)?
                }
                #[cfg(not(feature = "parquet"))]
                {
                    return Err(Error::InvalidArgument(format!(
                        "{}: Parquet support needs the `parquet` feature of finops-core",
                        p.display()
                    )));
                }
            }
        };
        for part in parts {
            total
                .absorb(part)
                .map_err(|m| Error::InvalidArgument(format!("{}: {m}", p.display())))?;
        }
    }
    total.finish(&plan)
}
