//! Cost Management API shapes (api-version 2025-03-01): Query (azure.md §3), Exports (§5) and
//! the hubs `settings.json` (managed scopes, AZ-01). Field names follow the REST API
//! (azure-rest-api-specs `Microsoft.CostManagement/stable/2025-03-01`); money is never read
//! through `f64` (query cells are kept as raw JSON text and parsed exactly by
//! [`crate::mapping`]).

//!
//! Split by API: [`query`] (Query API bodies and results), [`export`] (Exports API bodies,
//! runs, history), [`settings`] (hubs `settings.json`); every item is re-exported here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The api-version every call uses (FTK PowerShell's default; azure.md §5).
pub const API_VERSION: &str = "2025-03-01";

/// Most group-by clauses a query may have (`QueryDataset.grouping`, `maxItems: 2`).
pub const MAX_GROUPINGS: usize = 2;
/// Most aggregations a query may have.
pub const MAX_AGGREGATIONS: usize = 2;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $variant,)+
        }
        impl $name {
            /// The API's spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
            /// Parse the API's spelling (ASCII case-insensitive).
            pub fn parse(s: &str) -> Option<Self> {
                [$($name::$variant),+].into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod export;
pub mod query;
pub mod settings;

pub use export::*;
pub use query::*;
pub use settings::*;

/// A custom period. The API's `to` is **inclusive**: the client sends the last second of a
/// half-open period (`[from, end)` → `to = end − 1 s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimePeriod {
    /// First instant.
    #[serde(with = "api_time")]
    pub from: DateTime<Utc>,
    /// Last instant (inclusive).
    #[serde(with = "api_time")]
    pub to: DateTime<Utc>,
}

impl TimePeriod {
    /// The inclusive API period of the half-open `[start, end)`.
    pub fn from_half_open(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        TimePeriod {
            from: start,
            to: (end - chrono::Duration::seconds(1)).max(start),
        }
    }

    /// The days covered, first and last (inclusive).
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        (self.from.date_naive(), self.to.date_naive())
    }
}

/// Times as the API writes them (`2026-08-01T00:00:00Z`); offsets and zone-less forms
/// (`2026-08-01T00:00:00`, read as UTC) are accepted on input.
pub mod api_time {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Parse an API time.
    pub fn parse(s: &str) -> Option<DateTime<Utc>> {
        let s = s.trim();
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|n| n.and_utc())
            })
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|n| n.and_utc())
            })
    }

    /// Serde serializer.
    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    /// Serde deserializer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date-time: {s:?}")))
    }
}

/// Optional [`api_time`].
pub mod opt_api_time {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serde serializer.
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::api_time::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    /// Serde deserializer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => super::api_time::parse(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a date-time: {s:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_body_matches_the_documented_shape() {
        let q = QueryDefinition {
            kind: QueryType::ActualCost,
            timeframe: Timeframe::Custom,
            time_period: Some(TimePeriod::from_half_open(
                "2026-08-01T00:00:00Z".parse().unwrap(),
                "2026-09-01T00:00:00Z".parse().unwrap(),
            )),
            dataset: QueryDataset {
                granularity: Some(Granularity::Daily),
                aggregation: [("totalCost".to_string(), QueryAggregation::sum("Cost"))].into(),
                grouping: vec![
                    QueryGrouping::dimension("SubscriptionId"),
                    QueryGrouping::tag("env"),
                ],
                filter: Some(QueryFilter::and(vec![
                    QueryFilter::dimension_in("ResourceLocation", &["westeurope"]),
                    QueryFilter::tag_in("env", &["prod"]),
                ])),
            },
        };
        q.validate().unwrap();
        let v = serde_json::to_value(&q).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "type": "ActualCost", "timeframe": "Custom",
                "timePeriod": {"from": "2026-08-01T00:00:00Z", "to": "2026-08-31T23:59:59Z"},
                "dataset": {"granularity": "Daily",
                    "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
                    "grouping": [{"type": "Dimension", "name": "SubscriptionId"}, {"type": "TagKey", "name": "env"}],
                    "filter": {"and": [
                        {"dimensions": {"name": "ResourceLocation", "operator": "In", "values": ["westeurope"]}},
                        {"tags": {"name": "env", "operator": "In", "values": ["prod"]}}]}}
            })
        );
        let back: QueryDefinition = serde_json::from_value(v).unwrap();
        assert_eq!(back, q);
        let mut bad = q.clone();
        bad.dataset
            .grouping
            .push(QueryGrouping::dimension("ServiceName"));
        assert!(bad.validate().unwrap_err().contains("up to 2"));
        let mut bad = q.clone();
        bad.time_period = None;
        assert!(bad.validate().is_err());
        let mut bad = q;
        bad.dataset.filter = Some(QueryFilter::and(vec![QueryFilter::tag_in("a", &["b"])]));
        assert!(bad.validate().is_err());
    }

    #[test]
    fn export_body_round_trips_the_reference_fixture() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/data/azure_export_focuscost_put.json"
        ))
        .unwrap();
        let e: Export = serde_json::from_value(fixture["body"].clone()).unwrap();
        assert_eq!(e.properties.definition.kind, ExportType::FocusCost);
        assert_eq!(e.properties.compression_mode, Some(CompressionMode::Gzip));
        assert_eq!(
            e.properties
                .definition
                .data_set
                .as_ref()
                .and_then(|d| d.configuration.as_ref())
                .and_then(|c| c.data_version.as_deref()),
            Some("1.0r2")
        );
        assert_eq!(serde_json::to_value(&e).unwrap(), fixture["body"]);
    }

    #[test]
    fn settings_current_older_and_bad_forms() {
        let s = HubSettings::parse(
            "settings.json",
            br#"{"$schema":"https://aka.ms/finops/hubs/settings-schema","type":"HubInstance","version":"15.0",
                "scopes":[{"scope":"/providers/Microsoft.Billing/billingAccounts/8611537"},
                          {"scope":"/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61","tenant":"t"},
                          {"scope":"/providers/microsoft.billing/billingaccounts/8611537"}],
                "retention":{"msexports":{"days":0},"ingestion":{"months":24},"raw":{"days":0},"final":{"months":13}}}"#,
        )
        .unwrap();
        assert_eq!(s.scopes.len(), 2);
        assert_eq!(s.scopes[1].tenant.as_deref(), Some("t"));
        assert_eq!(s.retention.ingestion_months, 24);
        let old = HubSettings::parse(
            "s",
            br#"{"exportScopes":["/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61"]}"#,
        )
        .unwrap();
        assert_eq!(old.scopes.len(), 1);
        assert_eq!(old.retention, HubRetention::default());
        let one = HubSettings::parse("s", br#"{"scopes":{"scope":"/subscriptions/x"}}"#).unwrap();
        assert_eq!(one.scopes.len(), 1);
        for bad in [
            &br#"{"scopes":[{"scope":"subscriptions/x"}]}"#[..],
            br#"{"scopes":[{"tenant":"x"}]}"#,
            br#"{"scopes":[1]}"#,
            br#"{"retention":{"ingestion":{"months":-1}}}"#,
            br#"[]"#,
            b"{",
        ] {
            let e = HubSettings::parse("settings.json", bad).unwrap_err();
            assert!(e.starts_with("settings.json"), "{e}");
        }
    }
}
