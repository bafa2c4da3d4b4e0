//! Transforms of the ingested datasets (AZ-08..10), after hubs' `*_transform_v1_2()` functions
//! (azure.md §10, §11), applied when data is **read** from the ingestion container: raw export
//! rows stay as Cost Management wrote them, so a price sheet that lands after the costs is
//! applied to that month's costs on the next read (hubs #1326/#1734), and no step changes the
//! number of rows.
//!
//! Every rule is a function; a rule that changes or flags a row appends its code to
//! `x_SourceChanges` (comma separated, in rule order). Where azure.md marks hubs behaviour as a
//! bug, the function does the intended thing and its doc says so.

pub mod costs;
pub mod other;
pub mod prices;

use finops_core::CostRecord;

/// Append a code to a record's `x_SourceChanges`.
pub fn add_change(r: &mut CostRecord, code: &str) {
    let now = match r.extensions.get("x_SourceChanges") {
        Some(s) if !s.is_empty() => {
            if s.split(',').any(|c| c == code) {
                return;
            }
            format!("{s},{code}")
        }
        _ => code.to_string(),
    };
    r.extensions.set("x_SourceChanges", Some(now));
}

/// A raw dataset row: column names (as written) and text values, case-insensitive lookup.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRow(pub Vec<(String, Option<String>)>);

impl RawRow {
    /// From `(name, value)` pairs.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        RawRow(
            pairs
                .into_iter()
                .map(|(k, v)| {
                    let v: String = v.into();
                    (k.into(), (!v.is_empty()).then_some(v))
                })
                .collect(),
        )
    }

    /// A value (first column whose name matches case-insensitively; empty = `None`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_deref())
            .filter(|v| !v.is_empty())
    }

    /// The first of several names that has a value.
    pub fn first(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| self.get(n))
    }

    /// Set a column (replaces the same name, case-insensitively, else appends).
    pub fn set(&mut self, name: &str, value: Option<String>) {
        if let Some(slot) = self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            slot.0 = name.to_string();
            slot.1 = value;
        } else {
            self.0.push((name.to_string(), value));
        }
    }

    /// A decimal value.
    pub fn decimal(&self, name: &str) -> Option<finops_core::Decimal> {
        self.get(name)
            .and_then(|v| finops_core::money::parse_decimal(v.trim()).ok())
    }
}
