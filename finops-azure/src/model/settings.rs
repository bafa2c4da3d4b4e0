//! A FinOps hub's `config/settings.json` (managed scopes, retention; AZ-01).

use super::*;

/// A managed scope of a hub's `config/settings.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubScope {
    /// Scope id (`/providers/Microsoft.Billing/billingAccounts/123`, `/subscriptions/…`).
    pub scope: String,
    /// Tenant of the scope, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

/// Retention of a hub (`retention.{msexports.days, ingestion.months, raw.days, final.months}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HubRetention {
    /// Days export files are kept in msexports (0: deleted once ingested).
    pub msexports_days: u32,
    /// Months kept in the ingestion container.
    pub ingestion_months: u32,
}

impl Default for HubRetention {
    fn default() -> Self {
        // hubs' defaults (main.bicep l.148–157).
        HubRetention {
            msexports_days: 0,
            ingestion_months: 13,
        }
    }
}

/// A hub's `config/settings.json`: the managed scopes and the retention. The current form
/// (`scopes: [{"scope": …}]`) and the older one (`exportScopes`: strings or objects) are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubSettings {
    /// Toolkit version that wrote it.
    pub version: Option<String>,
    /// Managed scopes, in file order, duplicates removed (case-insensitive).
    pub scopes: Vec<HubScope>,
    /// Retention.
    pub retention: HubRetention,
}

impl HubSettings {
    /// Parse `settings.json`; errors name `label` and the field.
    pub fn parse(label: &str, bytes: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| format!("{label}: not UTF-8: {e}"))?
            .trim_start_matches('\u{feff}');
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{label}: not JSON: {e}"))?;
        let obj = v
            .as_object()
            .ok_or_else(|| format!("{label}: expected a JSON object"))?;
        let list = match (obj.get("scopes"), obj.get("exportScopes")) {
            (Some(s), _) => ("scopes", s),
            (None, Some(s)) => ("exportScopes", s),
            (None, None) => ("scopes", &serde_json::Value::Null),
        };
        let items: Vec<serde_json::Value> = match list.1 {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::Array(a) => a.clone(),
            // PowerShell's ConvertTo-Json writes a one-element array as the element itself.
            other @ (serde_json::Value::Object(_) | serde_json::Value::String(_)) => {
                vec![other.clone()]
            }
            _ => return Err(format!("{label}: {}: expected an array", list.0)),
        };
        let mut scopes: Vec<HubScope> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (scope, tenant) = match item {
                serde_json::Value::String(s) => (s.clone(), None),
                serde_json::Value::Object(o) => (
                    o.get("scope")
                        .and_then(|s| s.as_str())
                        .ok_or_else(|| format!("{label}: {}[{i}].scope: missing", list.0))?
                        .to_string(),
                    o.get("tenant")
                        .or_else(|| o.get("tenantId"))
                        .and_then(|s| s.as_str())
                        .map(str::to_string),
                ),
                _ => return Err(format!("{label}: {}[{i}]: expected a scope", list.0)),
            };
            let scope = scope.trim().to_string();
            if !scope.starts_with('/') || scope.len() < 2 || scope.contains("//") {
                return Err(format!(
                    "{label}: {}[{i}].scope: {scope:?} is not a scope id (/subscriptions/…, /providers/Microsoft.Billing/…)",
                    list.0
                ));
            }
            if !scopes.iter().any(|s| s.scope.eq_ignore_ascii_case(&scope)) {
                scopes.push(HubScope { scope, tenant });
            }
        }
        let num = |path: [&str; 2]| -> Result<Option<u32>, String> {
            match obj
                .get("retention")
                .and_then(|r| r.get(path[0]))
                .and_then(|r| r.get(path[1]))
            {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(n) => n
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        format!(
                            "{label}: retention.{}.{}: {n} is not a whole number",
                            path[0], path[1]
                        )
                    }),
            }
        };
        let d = HubRetention::default();
        Ok(HubSettings {
            version: obj
                .get("version")
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            scopes,
            retention: HubRetention {
                msexports_days: num(["msexports", "days"])?.unwrap_or(d.msexports_days),
                ingestion_months: num(["ingestion", "months"])?.unwrap_or(d.ingestion_months),
            },
        })
    }
}
