//! Daily cost series of any group (provider, sub-account, application, contract), built on
//! the aggregation engine: one exact group-by `(COL…, day, BillingCurrency)`.

use super::DailySeries;
use crate::aggregate::{
    AggregateQuery, AggregateTable, Measure, aggregate_files, aggregate_records,
};
use crate::focus::{Column, CostRecord};
use crate::{Error, Result};
use chrono::NaiveDate;
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::path::Path;

/// The identity of a series: the group-by columns with their values (null as `None`) and
/// the billing currency. Serialises as `{"COL": VALUE, …}` (the `key` of the CLI's JSON).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// `(column spec, value)` in `--by` order.
    pub columns: Vec<(String, Option<String>)>,
    /// ISO 4217 code of the amounts.
    pub currency: String,
}

impl SeriesKey {
    /// The values joined with `|` (null as an empty string): `OVHcloud|proj-42`. This is the
    /// `KEY` of `finops forecast --budget KEY=AMOUNT`.
    pub fn label(&self) -> String {
        self.columns
            .iter()
            .map(|(_, v)| v.as_deref().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("|")
    }

    /// A stable identifier: `COL=VALUE;…;currency=CUR` (for alert de-duplication).
    pub fn id(&self) -> String {
        let mut s = String::new();
        for (c, v) in &self.columns {
            s.push_str(c);
            s.push('=');
            s.push_str(v.as_deref().unwrap_or(""));
            s.push(';');
        }
        s.push_str("currency=");
        s.push_str(&self.currency);
        s
    }
}

impl serde::Serialize for SeriesKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.columns.len()))?;
        for (c, v) in &self.columns {
            m.serialize_entry(c, v)?;
        }
        m.end()
    }
}

/// One series with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedSeries {
    /// Its key.
    pub key: SeriesKey,
    /// Cost per day.
    pub series: DailySeries,
}

/// What series to build.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SeriesQuery {
    /// Group-by specs (see [`crate::aggregate::Dimension::parse`]; `day` is the series axis
    /// and cannot be one of them).
    pub by: Vec<String>,
    /// The money column summed (default `BilledCost`).
    pub measure: Column,
    /// Time zone of the days (default UTC).
    pub tz: Tz,
    /// Keep only days before this one (the history before an as-of day).
    pub before: Option<NaiveDate>,
    /// Worker threads for file inputs.
    pub threads: Option<usize>,
}

impl SeriesQuery {
    /// Series per `by` group, BilledCost, UTC days.
    pub fn new<S: AsRef<str>>(by: &[S]) -> Self {
        SeriesQuery {
            by: by.iter().map(|s| s.as_ref().trim().to_string()).collect(),
            measure: Column::BilledCost,
            tz: Tz::UTC,
            before: None,
            threads: None,
        }
    }

    /// Days in `tz`.
    pub fn with_tz(mut self, tz: Tz) -> Self {
        self.tz = tz;
        self
    }

    /// Sum `measure` (a money column).
    pub fn with_measure(mut self, measure: Column) -> Self {
        self.measure = measure;
        self
    }

    /// Keep only days before `day`.
    pub fn before(mut self, day: NaiveDate) -> Self {
        self.before = Some(day);
        self
    }

    fn aggregate_query(&self) -> Result<AggregateQuery> {
        let m = Measure::Sum(self.measure);
        if !m.is_money() {
            return Err(Error::InvalidArgument(format!(
                "{} is not a cost column",
                self.measure.name()
            )));
        }
        let mut q = AggregateQuery::new();
        for b in &self.by {
            if b == "day" {
                return Err(Error::InvalidArgument(
                    "`day` is the axis of every series; group by other columns".into(),
                ));
            }
            if b == "BillingCurrency" {
                continue;
            }
            q = q.group_by(b)?;
        }
        q = q.group_by("day")?.measure(m).with_tz(self.tz);
        if let Some(t) = self.threads {
            q = q.with_threads(t);
        }
        Ok(q)
    }

    fn split(&self, table: AggregateTable) -> Result<Vec<KeyedSeries>> {
        let nby = self.by.iter().filter(|b| *b != "BillingCurrency").count();
        let names: Vec<String> = table.dimensions[..nby].to_vec();
        let mut out: BTreeMap<SeriesKey, DailySeries> = BTreeMap::new();
        for row in table.rows {
            let Some(value) = row.values.first().copied().flatten() else {
                continue;
            };
            let day_text = row.key[nby].as_deref().unwrap_or("");
            let day = NaiveDate::parse_from_str(day_text, "%Y-%m-%d")
                .map_err(|e| Error::InvalidArgument(format!("day {day_text:?}: {e}")))?;
            if self.before.is_some_and(|b| day >= b) {
                continue;
            }
            let currency = row.key[nby + 1].clone().unwrap_or_default();
            let key = SeriesKey {
                columns: names.iter().cloned().zip(row.key[..nby].to_vec()).collect(),
                currency,
            };
            *out.entry(key).or_default().entry(day).or_default() += value;
        }
        Ok(out
            .into_iter()
            .map(|(key, series)| KeyedSeries { key, series })
            .collect())
    }
}

/// Daily series of FOCUS files (CSV, CSV.gz, Parquet), one per group and currency, sorted
/// by key.
pub fn daily_series_from_files<P: AsRef<Path>>(
    paths: &[P],
    query: &SeriesQuery,
) -> Result<Vec<KeyedSeries>> {
    let table = aggregate_files(paths, &query.aggregate_query()?)?;
    query.split(table)
}

/// Daily series of in-memory records.
pub fn daily_series_from_records<'a, I>(records: I, query: &SeriesQuery) -> Result<Vec<KeyedSeries>>
where
    I: IntoIterator<Item = &'a CostRecord>,
{
    let table = aggregate_records(records, &query.aggregate_query()?)?;
    query.split(table)
}
