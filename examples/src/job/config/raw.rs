//! The raw (serde) shapes of `finops.toml` and the known sections and keys.

use super::*;
use toml::Spanned;

use serde::Deserialize;

// Raw (serde) shapes. Every field is optional so that serde only reports type errors;
// required keys are checked afterwards, all at once.

pub(super) type S<T> = Option<Spanned<T>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutput {
    pub(super) dir: S<String>,
    pub(super) timezone: S<String>,
    pub(super) language: S<String>,
    pub(super) concurrency: S<i64>,
    pub(super) history_months: S<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOvh {
    pub(super) name: S<String>,
    pub(super) credentials_dir: S<String>,
    pub(super) endpoint: S<String>,
    pub(super) cmdb: S<String>,
    pub(super) utf8: S<bool>,
    pub(super) rate_limit: S<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOci {
    pub(super) name: S<String>,
    pub(super) config_dir: S<String>,
    pub(super) endpoint: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAzure {
    pub(super) name: S<String>,
    pub(super) exports: S<String>,
    pub(super) ingestion: S<String>,
    pub(super) storage_key_env: S<String>,
    pub(super) storage_key_file: S<String>,
    pub(super) connection_string_env: S<String>,
    pub(super) connection_string_file: S<String>,
    pub(super) retention_months: S<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArcgis {
    pub(super) name: S<String>,
    pub(super) portal: S<String>,
    pub(super) token_env: S<String>,
    pub(super) token_file: S<String>,
    pub(super) username: S<String>,
    pub(super) password_env: S<String>,
    pub(super) password_file: S<String>,
    pub(super) client_id: S<String>,
    pub(super) client_secret_env: S<String>,
    pub(super) client_secret_file: S<String>,
    pub(super) referer: S<String>,
    pub(super) price_per_credit: S<toml::Value>,
    pub(super) currency: S<String>,
    pub(super) thresholds: S<String>,
    pub(super) notify_admins: S<bool>,
    pub(super) allocate: S<String>,
    pub(super) max_total: S<toml::Value>,
    pub(super) apply: S<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAnalysis {
    pub(super) rules: S<String>,
    pub(super) horizon_days: S<i64>,
    pub(super) anomaly_days: S<i64>,
    pub(super) explain_by: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBudget {
    pub(super) name: S<String>,
    pub(super) provider: S<String>,
    pub(super) currency: S<String>,
    pub(super) amount: S<toml::Value>,
    pub(super) period: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub(super) smtp: S<String>,
    pub(super) starttls: S<bool>,
    pub(super) from: S<String>,
    pub(super) to: S<Vec<String>>,
    pub(super) username_env: S<String>,
    pub(super) username_file: S<String>,
    pub(super) password_env: S<String>,
    pub(super) password_file: S<String>,
    pub(super) ca_file: S<String>,
    pub(super) min_severity: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    pub(super) name: S<String>,
    pub(super) format: S<String>,
    pub(super) url_env: S<String>,
    pub(super) url_file: S<String>,
    pub(super) min_severity: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublish {
    pub(super) dir: S<String>,
    pub(super) url: S<String>,
    pub(super) options: S<BTreeMap<String, String>>,
    pub(super) options_env: S<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSchedule {
    pub(super) preset: S<String>,
    pub(super) cron: S<OneOrMany>,
    pub(super) sample: S<OneOrMany>,
    pub(super) timezone: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    pub(super) path: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub(super) fn items(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

pub(super) const SECTIONS: &[&str] = &[
    "output", "ovh", "oci", "azure", "arcgis", "analysis", "budget", "notify", "publish",
    "schedule", "state",
];

/// Keys that would hold a secret inline (compared lower-case).
pub(super) const SECRET_KEYS: &[&str] = &[
    "password",
    "pass",
    "passwd",
    "pass_phrase",
    "passphrase",
    "secret",
    "client_secret",
    "application_secret",
    "consumer_key",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "secret_access_key",
    "aws_secret_access_key",
    "account_key",
    "storage_key",
    "azure_storage_account_key",
    "connection_string",
    "sas",
    "sas_token",
    "private_key",
    "webhook_url",
];

// Known keys of each section.
pub(super) const K_OUTPUT: &[&str] = &[
    "dir",
    "timezone",
    "language",
    "concurrency",
    "history_months",
];
pub(super) const K_OVH: &[&str] = &[
    "name",
    "credentials_dir",
    "endpoint",
    "cmdb",
    "utf8",
    "rate_limit",
];
pub(super) const K_OCI: &[&str] = &["name", "config_dir", "endpoint"];
pub(super) const K_AZURE: &[&str] = &[
    "name",
    "exports",
    "ingestion",
    "storage_key_env",
    "storage_key_file",
    "connection_string_env",
    "connection_string_file",
    "retention_months",
];
pub(super) const K_ARCGIS: &[&str] = &[
    "name",
    "portal",
    "token_env",
    "token_file",
    "username",
    "password_env",
    "password_file",
    "client_id",
    "client_secret_env",
    "client_secret_file",
    "referer",
    "price_per_credit",
    "currency",
    "thresholds",
    "notify_admins",
    "allocate",
    "max_total",
    "apply",
];
pub(super) const K_ANALYSIS: &[&str] = &["rules", "horizon_days", "anomaly_days", "explain_by"];
pub(super) const K_BUDGET: &[&str] = &["name", "provider", "currency", "amount", "period"];
pub(super) const K_EMAIL: &[&str] = &[
    "smtp",
    "starttls",
    "from",
    "to",
    "username_env",
    "username_file",
    "password_env",
    "password_file",
    "ca_file",
    "min_severity",
];
pub(super) const K_HOOK: &[&str] = &["name", "format", "url_env", "url_file", "min_severity"];
pub(super) const K_PUBLISH: &[&str] = &["dir", "url", "options", "options_env"];
pub(super) const K_SCHEDULE: &[&str] = &["preset", "cron", "sample", "timezone"];
pub(super) const K_STATE: &[&str] = &["path"];
