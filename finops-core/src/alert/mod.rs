//! Alerts: keyed facts worth telling someone, built by the job from every module's output
//! (run failures per account, expiring credentials, unmapped tenants, budget and credit
//! thresholds, anomalies), and the [`AlertPolicy`] (feature `notify`) that de-duplicates them
//! (the same key is not re-sent to the same recipient within a window, 24 h by default),
//! groups them into one message per recipient per run, and keeps them pending when a send
//! fails.
//!
//! An [`Alert`] is plain data: a stable `key` (what makes two alerts "the same"), a
//! [`AlertKind`], a [`Severity`], the source it is about and named `params` the message
//! templates use. Other modules produce alerts without depending on the notifiers:
//!
//! ```
//! use finops_core::alert::{Alert, Severity};
//! let a = Alert::unmapped_tenant("ovh", "pcc-203-0-113-7");
//! assert_eq!(a.key, "unmapped-tenant/ovh/pcc-203-0-113-7");
//! assert_eq!(a.severity, Severity::Warning);
//! ```

#[cfg(feature = "notify")]
mod policy;
#[cfg(feature = "notify")]
pub use policy::{AlertPolicy, Channel, DispatchFailure, DispatchReport};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How serious an alert is. Ordered: `Info < Warning < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information (a run succeeded).
    Info,
    /// Needs attention soon (a credential expires in days, a tenant is unmapped).
    Warning,
    /// Needs attention now (a run failed, a budget is exceeded).
    Critical,
}

impl Severity {
    /// `info`, `warning`, `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an alert is about. The message templates have one wording per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AlertKind {
    /// A source (provider account, publisher) failed in a run. Params: `account`, `error`.
    RunFailure,
    /// A run completed. Params: `run`, `files`, `errors`.
    RunSucceeded,
    /// A credential expires soon or is invalid. Params: `account`, `expires` (RFC 3339 or
    /// empty), `days_left`, `state`.
    CredentialExpiring,
    /// A tenant has no CMDB mapping (priced unadjusted). Params: `tenant`.
    UnmappedTenant,
    /// A budget or credit threshold is crossed. Params: `scope`, `metric`, `value`,
    /// `threshold`, `unit`.
    Threshold,
    /// An unusual cost. Params: `scope`, `date`, `amount`, `expected`, `unit`, `cause`.
    Anomaly,
    /// Anything else. Params: `title`, `detail`.
    Custom,
}

impl AlertKind {
    /// The snake_case name (`run_failure`, ...), as the templates see it.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::RunFailure => "run_failure",
            AlertKind::RunSucceeded => "run_succeeded",
            AlertKind::CredentialExpiring => "credential_expiring",
            AlertKind::UnmappedTenant => "unmapped_tenant",
            AlertKind::Threshold => "threshold",
            AlertKind::Anomaly => "anomaly",
            AlertKind::Custom => "custom",
        }
    }
}

/// One alert (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Identity for de-duplication: the same key is "the same alert".
    pub key: String,
    /// What it is about.
    pub kind: AlertKind,
    /// How serious.
    pub severity: Severity,
    /// The provider or component it concerns (`ovh`, `oci`, `arcgis`, `azure`, `publish`...).
    pub source: String,
    /// Named values for the templates (amounts as decimal strings, times as RFC 3339).
    pub params: BTreeMap<String, String>,
    /// Extra recipients besides each channel's own (e.g. an account's contact); used by
    /// channels that address people (e-mail).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

fn params<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

impl Alert {
    /// An alert of any kind.
    pub fn new(
        key: impl Into<String>,
        kind: AlertKind,
        severity: Severity,
        source: impl Into<String>,
    ) -> Self {
        Alert {
            key: key.into(),
            kind,
            severity,
            source: source.into(),
            params: BTreeMap::new(),
            recipients: Vec::new(),
        }
    }

    /// Add a template parameter.
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// Add a recipient.
    pub fn with_recipient(mut self, to: impl Into<String>) -> Self {
        self.recipients.push(to.into());
        self
    }

    /// Set the severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// A parameter value (empty when absent).
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }

    /// A source's account failed in a run (critical). Key: `run-failure/<source>/<account>`,
    /// so a failing account is reported once per window, not once per run.
    pub fn run_failure(source: &str, account: &str, error: impl fmt::Display) -> Self {
        Alert {
            params: params([("account", account.into()), ("error", error.to_string())]),
            ..Alert::new(
                format!("run-failure/{source}/{account}"),
                AlertKind::RunFailure,
                Severity::Critical,
                source,
            )
        }
    }

    /// A run completed (info). Key: `run/<run>`: unique per run, never de-duplicated.
    pub fn run_succeeded(run: &str, files: usize, errors: usize) -> Self {
        Alert {
            params: params([
                ("run", run.into()),
                ("files", files.to_string()),
                ("errors", errors.to_string()),
            ]),
            ..Alert::new(
                format!("run/{run}"),
                AlertKind::RunSucceeded,
                Severity::Info,
                "job",
            )
        }
    }

    /// A credential expires at `expires` (`None`: already invalid), seen at `now`. Warning,
    /// critical when invalid or expired. Key: `credential/<source>/<account>`.
    pub fn credential_expiring(
        source: &str,
        account: &str,
        expires: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        let (state, days, severity, exp) = match expires {
            Some(e) if e > now => (
                "expiring",
                (e - now).num_days().to_string(),
                Severity::Warning,
                e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            Some(e) => (
                "expired",
                "0".to_string(),
                Severity::Critical,
                e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            None => ("invalid", String::new(), Severity::Critical, String::new()),
        };
        Alert {
            params: params([
                ("account", account.into()),
                ("expires", exp),
                ("days_left", days),
                ("state", state.into()),
            ]),
            ..Alert::new(
                format!("credential/{source}/{account}"),
                AlertKind::CredentialExpiring,
                severity,
                source,
            )
        }
    }

    /// A tenant missing from the CMDB (warning). Key: `unmapped-tenant/<source>/<tenant>`.
    pub fn unmapped_tenant(source: &str, tenant: &str) -> Self {
        Alert {
            params: params([("tenant", tenant.into())]),
            ..Alert::new(
                format!("unmapped-tenant/{source}/{tenant}"),
                AlertKind::UnmappedTenant,
                Severity::Warning,
                source,
            )
        }
    }

    /// `metric` of `scope` reached `value` against `threshold` (both in `unit`). Key:
    /// `threshold/<source>/<scope>/<metric>/<threshold>`: crossing a higher threshold is a new
    /// alert.
    pub fn threshold(
        source: &str,
        scope: &str,
        metric: &str,
        value: impl fmt::Display,
        threshold: impl fmt::Display,
        unit: &str,
        severity: Severity,
    ) -> Self {
        let threshold = threshold.to_string();
        Alert {
            params: params([
                ("scope", scope.into()),
                ("metric", metric.into()),
                ("value", value.to_string()),
                ("threshold", threshold.clone()),
                ("unit", unit.into()),
            ]),
            ..Alert::new(
                format!("threshold/{source}/{scope}/{metric}/{threshold}"),
                AlertKind::Threshold,
                severity,
                source,
            )
        }
    }

    /// An unusual `amount` for `scope` on `date` (expected about `expected`). Key:
    /// `anomaly/<source>/<scope>/<date>`.
    pub fn anomaly(
        source: &str,
        scope: &str,
        date: &str,
        amount: impl fmt::Display,
        expected: impl fmt::Display,
        unit: &str,
        cause: &str,
    ) -> Self {
        Alert {
            params: params([
                ("scope", scope.into()),
                ("date", date.into()),
                ("amount", amount.to_string()),
                ("expected", expected.to_string()),
                ("unit", unit.into()),
                ("cause", cause.into()),
            ]),
            ..Alert::new(
                format!("anomaly/{source}/{scope}/{date}"),
                AlertKind::Anomaly,
                Severity::Warning,
                source,
            )
        }
    }

    /// A free-form alert.
    pub fn custom(key: &str, source: &str, severity: Severity, title: &str, detail: &str) -> Self {
        Alert {
            params: params([("title", title.into()), ("detail", detail.into())]),
            ..Alert::new(key, AlertKind::Custom, severity, source)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_severities() {
        let now: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let a =
            Alert::credential_expiring("ovh", "SIVIC", Some(now + chrono::Duration::days(3)), now);
        assert_eq!(a.key, "credential/ovh/SIVIC");
        assert_eq!(a.severity, Severity::Warning);
        assert_eq!(a.param("days_left"), "3");
        let a = Alert::credential_expiring("ovh", "SIVIC", None, now);
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.param("state"), "invalid");
        let a = Alert::run_failure("oci", "ClienteA", "HTTP 401");
        assert_eq!(a.key, "run-failure/oci/ClienteA");
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Alert>(&json).unwrap(), a);
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Critical);
    }
}
