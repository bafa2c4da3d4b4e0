//! `finops.toml`: the one configuration of the `finops` job (every provider account, the
//! outputs, the analysis, notification, publication and the schedule).
//!
//! Parsing reports **every** problem at once, each with its line and column: TOML syntax
//! errors (the parser recovers and goes on), unknown sections and keys (with the closest known
//! name), values of the wrong type (serde, on `toml` spans), missing or contradictory keys, bad
//! values (time zone, language, currency, amounts, cron expressions, URLs) and, with
//! [`check_environment`], references that do not resolve (directories, files, environment
//! variables).
//!
//! **Secrets are only ever referenced**, never written in the file: `password_env = "VAR"`
//! (an environment variable) or `password_file = "PATH"` (a file holding only the secret). A
//! key that would hold a secret inline (`password`, `token`, `client_secret`, a webhook
//! `url`, a URL with a password in it, ...) is refused with its line, and the message never
//! repeats the value. Provider credential folders (OVH INI files, OCI `config_*` files and
//! keys) are referenced by their directory.
//!
//! The commented example is `examples/finops.toml`.

use chrono_tz::Tz;
use finops_core::notify::Language;
use finops_core::schedule::{JobKind, Schedule};
use finops_core::{Currency, Decimal, Secret};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem of a config file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// 1-based line (0 when the problem is about the whole file).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

/// Every problem of a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems {
    /// The file.
    pub file: PathBuf,
    /// The problems, in line order.
    pub items: Vec<Problem>,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} problem(s)",
            self.file.display(),
            self.items.len()
        )?;
        for p in &self.items {
            write!(f, "\n  {}:{p}", self.file.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Where a secret comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable.
    Env(String),
    /// A file holding only the secret (a trailing newline is removed).
    File(PathBuf),
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(v) => write!(f, "environment variable {v}"),
            SecretRef::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

impl SecretRef {
    /// Read the secret. The error names the reference, never the value.
    pub fn resolve(&self) -> Result<Secret, String> {
        self.resolve_with(&|k| std::env::var(k).ok())
    }

    /// Read the secret, environment variables through `env`.
    pub fn resolve_with(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Secret, String> {
        match self {
            SecretRef::Env(v) => match env(v) {
                Some(s) if !s.is_empty() => Ok(Secret::new(s)),
                _ => Err(format!("the environment variable {v} is not set or empty")),
            },
            SecretRef::File(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("secret file {}: {}", p.display(), e.kind()))?;
                let t = text.trim_end_matches(['\n', '\r']);
                if t.is_empty() {
                    return Err(format!("secret file {} is empty", p.display()));
                }
                Ok(Secret::new(t))
            }
        }
    }
}

/// `[output]`.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// Everything is written below it.
    pub dir: PathBuf,
    /// Days, months of the charges and the report's times are in this zone.
    pub timezone: Tz,
    /// Language of the report and the messages.
    pub language: Language,
    /// Sources collected at the same time.
    pub concurrency: usize,
    /// Months collected before the as-of month (where a source lets us choose).
    pub history_months: u32,
}

/// The provider of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    /// OVHcloud.
    Ovh,
    /// Oracle Cloud.
    Oci,
    /// Microsoft Azure (FinOps hubs exports).
    Azure,
    /// ArcGIS Online.
    Arcgis,
}

impl Provider {
    /// `ovh`, `oci`, `azure`, `arcgis`: the config section and the folder name.
    pub fn key(self) -> &'static str {
        match self {
            Provider::Ovh => "ovh",
            Provider::Oci => "oci",
            Provider::Azure => "azure",
            Provider::Arcgis => "arcgis",
        }
    }

    /// Every provider, in report order.
    pub const ALL: [Provider; 4] = [
        Provider::Ovh,
        Provider::Oci,
        Provider::Azure,
        Provider::Arcgis,
    ];
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// `[[ovh]]`: one folder of python-ovh INI credential files.
#[derive(Debug, Clone)]
pub struct OvhSource {
    /// One INI file per account.
    pub credentials_dir: PathBuf,
    /// Endpoint name (`ovh-eu`) or API base URL, replacing the files' own.
    pub endpoint: Option<String>,
    /// CMDB workbook or folder of per-sheet CSV files.
    pub cmdb: Option<PathBuf>,
    /// Write the Power BI set in UTF-8 instead of Windows-1252.
    pub utf8: bool,
    /// Calls per second per credential.
    pub rate_limit: Option<f64>,
}

/// `[[oci]]`: one folder of `config_*` client files.
#[derive(Debug, Clone)]
pub struct OciSource {
    /// The folder.
    pub config_dir: PathBuf,
    /// Usage API endpoint override.
    pub endpoint: Option<String>,
}

/// `[[azure]]`: FinOps hubs exports and ingestion.
#[derive(Debug, Clone)]
pub struct AzureSource {
    /// Root of the `msexports` container (a directory or a blob container URL).
    pub exports: String,
    /// Root of the `ingestion` container.
    pub ingestion: String,
    /// Storage account key, for blob URLs.
    pub storage_key: Option<SecretRef>,
    /// Connection string, for blob URLs.
    pub connection_string: Option<SecretRef>,
    /// Months kept in the ingestion container.
    pub retention_months: Option<u32>,
}

/// How an ArcGIS source logs in.
#[derive(Debug, Clone)]
pub enum ArcgisLogin {
    /// A ready token.
    Token(SecretRef),
    /// generateToken with a user name and password.
    UserPassword(String, SecretRef),
    /// An OAuth2 app.
    ClientCredentials(String, SecretRef),
}

/// `[[arcgis]]`: one ArcGIS Online organisation.
#[derive(Debug, Clone)]
pub struct ArcgisSource {
    /// Portal URL.
    pub portal: String,
    /// Login.
    pub login: ArcgisLogin,
    /// Price of one credit.
    pub price_per_credit: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// Referer bound to generated tokens.
    pub referer: Option<String>,
    /// User thresholds (`10%,50%`).
    pub thresholds: String,
    /// Also notify the organisation's administrator contacts through the portal.
    pub notify_admins: bool,
    /// Allocation rule (`under=10%,add=200`), dry run unless `apply`.
    pub allocate: Option<String>,
    /// Most credits one run may allocate.
    pub max_total: Option<String>,
    /// Really allocate.
    pub apply: bool,
}

/// The provider-specific part of a source.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// OVHcloud.
    Ovh(OvhSource),
    /// OCI.
    Oci(OciSource),
    /// Azure.
    Azure(AzureSource),
    /// ArcGIS.
    Arcgis(ArcgisSource),
}

/// One configured source (one `[[ovh]]`, `[[oci]]`, `[[azure]]` or `[[arcgis]]` table).
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Unique id: the `name` key, else the provider key (`ovh`), `ovh-2` for a second one.
    pub id: String,
    /// The provider.
    pub provider: Provider,
    /// Position among the sources of its provider (0-based).
    pub index: usize,
    /// Line of its table header.
    pub line: usize,
    /// Settings.
    pub kind: SourceKind,
}

impl SourceConfig {
    /// File stem of its part in each `focus/<month>/<provider>/` folder: `part-0` for the
    /// first unnamed source of a provider, `part-<name>` for a named one.
    pub fn part_name(&self, named: bool) -> String {
        if named {
            format!("part-{}", self.id)
        } else {
            format!("part-{}", self.index)
        }
    }
}

/// `[analysis]`.
#[derive(Debug, Clone)]
pub struct AnalysisConfig {
    /// Allocation rules file (the `finops allocate` format); `None`: every record goes to
    /// the target named after its provider and sub-account.
    pub rules: Option<PathBuf>,
    /// Forecast horizon in days.
    pub horizon_days: u32,
    /// Days checked for anomalies before the as-of day.
    pub anomaly_days: u32,
    /// Column explaining anomalies.
    pub explain_by: String,
}

/// Period of a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetPeriod {
    /// The calendar month of the as-of day.
    Month,
    /// Its quarter.
    Quarter,
    /// Its year.
    Year,
}

/// `[[budget]]`.
#[derive(Debug, Clone)]
pub struct BudgetConfig {
    /// Name (unique; part of alert keys).
    pub name: String,
    /// `ProviderName` it covers (`None`: every provider in the currency).
    pub provider: Option<String>,
    /// Currency.
    pub currency: Currency,
    /// Amount per period.
    pub amount: Decimal,
    /// Period.
    pub period: BudgetPeriod,
}

/// `[notify.email]`.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// SMTP host.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// STARTTLS (true) or plain SMTP (false, loopback relays only).
    pub starttls: bool,
    /// Sender.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Login (with `password`).
    pub username: Option<SecretRef>,
    /// Password.
    pub password: Option<SecretRef>,
    /// Extra root certificate (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// Lowest severity sent.
    pub min_severity: finops_core::alert::Severity,
}

/// Webhook payload format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookFormat {
    /// Microsoft Teams workflow card.
    Teams,
    /// Slack incoming webhook.
    Slack,
    /// Plain JSON.
    Json,
}

/// `[[notify.webhook]]`.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Name (part of the de-duplication key).
    pub name: String,
    /// Format.
    pub format: HookFormat,
    /// The URL (a secret: Slack and Teams put their credential in it).
    pub url: SecretRef,
    /// Lowest severity sent.
    pub min_severity: finops_core::alert::Severity,
}

/// `[publish]`.
#[derive(Debug, Clone, Default)]
pub struct PublishConfig {
    /// A local or mounted directory (`live/` + `archive/<run time>/`).
    pub dir: Option<PathBuf>,
    /// An `object_store` URL (`s3://bucket/prefix`, `az://container/prefix`, `file:///…`).
    pub url: Option<String>,
    /// Its options (non-secret values).
    pub options: BTreeMap<String, String>,
    /// Its secret options, by reference.
    pub secret_options: BTreeMap<String, SecretRef>,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// The file it was read from.
    pub path: PathBuf,
    /// `[output]`.
    pub output: OutputConfig,
    /// Every source, in file order per provider (OVH, OCI, Azure, ArcGIS).
    pub sources: Vec<SourceConfig>,
    /// Whether each source has a `name` (by id).
    pub named: BTreeSet<String>,
    /// `[analysis]`.
    pub analysis: AnalysisConfig,
    /// `[[budget]]`.
    pub budgets: Vec<BudgetConfig>,
    /// `[notify.email]`.
    pub email: Option<EmailConfig>,
    /// `[[notify.webhook]]`.
    pub webhooks: Vec<WebhookConfig>,
    /// `[publish]`.
    pub publish: PublishConfig,
    /// `[schedule]` (`None`: none configured).
    pub schedule: Option<Schedule>,
    /// SQLite state (run records, alert deliveries, OVH samples live beside the OVH files).
    pub state: PathBuf,
}

impl JobConfig {
    /// Whether a source was given a `name`.
    pub fn is_named(&self, id: &str) -> bool {
        self.named.contains(id)
    }
}

// ---------------------------------------------------------------------------------------

mod check;
mod ctx;
mod parse;
mod raw;
mod sections;
mod sources;
#[cfg(test)]
mod tests;

pub use check::check_environment;
pub use parse::parse;

/// Read and parse a config file.
pub fn load(path: &Path) -> Result<JobConfig, Problems> {
    let text = std::fs::read_to_string(path).map_err(|e| Problems {
        file: path.to_path_buf(),
        items: vec![Problem {
            line: 0,
            column: 0,
            message: format!("cannot read the file: {e}"),
        }],
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parse(&text, path, base)
}
