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
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

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
// Raw (serde) shapes. Every field is optional so that serde only reports type errors;
// required keys are checked afterwards, all at once.

type S<T> = Option<Spanned<T>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    dir: S<String>,
    timezone: S<String>,
    language: S<String>,
    concurrency: S<i64>,
    history_months: S<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOvh {
    name: S<String>,
    credentials_dir: S<String>,
    endpoint: S<String>,
    cmdb: S<String>,
    utf8: S<bool>,
    rate_limit: S<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOci {
    name: S<String>,
    config_dir: S<String>,
    endpoint: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAzure {
    name: S<String>,
    exports: S<String>,
    ingestion: S<String>,
    storage_key_env: S<String>,
    storage_key_file: S<String>,
    connection_string_env: S<String>,
    connection_string_file: S<String>,
    retention_months: S<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArcgis {
    name: S<String>,
    portal: S<String>,
    token_env: S<String>,
    token_file: S<String>,
    username: S<String>,
    password_env: S<String>,
    password_file: S<String>,
    client_id: S<String>,
    client_secret_env: S<String>,
    client_secret_file: S<String>,
    referer: S<String>,
    price_per_credit: S<toml::Value>,
    currency: S<String>,
    thresholds: S<String>,
    notify_admins: S<bool>,
    allocate: S<String>,
    max_total: S<toml::Value>,
    apply: S<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnalysis {
    rules: S<String>,
    horizon_days: S<i64>,
    anomaly_days: S<i64>,
    explain_by: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBudget {
    name: S<String>,
    provider: S<String>,
    currency: S<String>,
    amount: S<toml::Value>,
    period: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    smtp: S<String>,
    starttls: S<bool>,
    from: S<String>,
    to: S<Vec<String>>,
    username_env: S<String>,
    username_file: S<String>,
    password_env: S<String>,
    password_file: S<String>,
    ca_file: S<String>,
    min_severity: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    name: S<String>,
    format: S<String>,
    url_env: S<String>,
    url_file: S<String>,
    min_severity: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublish {
    dir: S<String>,
    url: S<String>,
    options: S<BTreeMap<String, String>>,
    options_env: S<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    preset: S<String>,
    cron: S<OneOrMany>,
    sample: S<OneOrMany>,
    timezone: S<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    path: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn items(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

const SECTIONS: &[&str] = &[
    "output", "ovh", "oci", "azure", "arcgis", "analysis", "budget", "notify", "publish",
    "schedule", "state",
];

/// Keys that would hold a secret inline (compared lower-case).
const SECRET_KEYS: &[&str] = &[
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

/// Collects problems with positions.
struct Ctx<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn pos(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
            + 1;
        (line, col)
    }

    fn at(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        let (line, column) = self.pos(span.start);
        self.problems.push(Problem {
            line,
            column,
            message: message.into(),
        });
    }

    fn line_of(&self, span: &std::ops::Range<usize>) -> usize {
        self.pos(span.start).0
    }
}

fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lname = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (strsim(&lname, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance (short key names only).
fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if k.ends_with("_env") || k.ends_with("_file") {
        return false;
    }
    SECRET_KEYS.contains(&k.as_str()) || k.ends_with("password") || k.ends_with("_secret")
}

/// `scheme://user:password@host`: a URL carrying a password.
fn url_with_password(s: &str) -> bool {
    let Some((_, rest)) = s.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

/// Refuse inline secrets anywhere in `table` (recursively); the refused keys are removed.
fn refuse_inline_secrets(ctx: &mut Ctx<'_>, table: &mut DeTable<'_>, path: &str) {
    let mut bad = Vec::new();
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        let here = if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        };
        if is_secret_key(key) {
            ctx.at(
                k.span(),
                format!(
                    "`{here}` would hold a secret inline; finops.toml takes secrets only by reference: \
                     {key}_env = \"VARIABLE\" (an environment variable) or {key}_file = \"PATH\" (a file \
                     holding only the secret)"
                ),
            );
            bad.push(key.to_string());
            continue;
        }
        if let DeValue::String(s) = v.get_ref()
            && url_with_password(s)
        {
            ctx.at(
                v.span(),
                format!(
                    "`{here}` is a URL with a password in it; give the password by reference \
                     (an `_env` or `_file` key) instead"
                ),
            );
            bad.push(key.to_string());
        }
    }
    *table = std::mem::take(table)
        .into_iter()
        .filter(|(k, _)| !bad.iter().any(|b| b == k.get_ref().as_ref()))
        .collect();
    for (k, v) in table.iter_mut() {
        let here = if path.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{path}.{}", k.get_ref())
        };
        match v.get_mut() {
            DeValue::Table(t) => refuse_inline_secrets(ctx, t, &here),
            DeValue::Array(a) => {
                for e in a.iter_mut() {
                    if let DeValue::Table(t) = e.get_mut() {
                        refuse_inline_secrets(ctx, t, &here);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Deserialize a table into `T`, recording every serde error: the key an error points at is
/// removed and the table tried again, so each bad key gives one problem.
fn deserialize_collecting<T: for<'de> Deserialize<'de> + Default>(
    ctx: &mut Ctx<'_>,
    section: &str,
    known: &[&str],
    mut table: DeTable<'_>,
    span: std::ops::Range<usize>,
) -> T {
    for _ in 0..64 {
        let value = Spanned::new(span.clone(), DeValue::Table(table.clone()));
        match T::deserialize(toml::de::ValueDeserializer::from(value)) {
            Ok(v) => return v,
            Err(e) => {
                let espan = e.span().unwrap_or(span.clone());
                // The key whose key or value span holds the error.
                let key = table
                    .iter()
                    .find(|(k, v)| {
                        let (ks, vs) = (k.span(), v.span());
                        (ks.start <= espan.start && espan.start < ks.end.max(ks.start + 1))
                            || (vs.start <= espan.start && espan.start < vs.end.max(vs.start + 1))
                    })
                    .map(|(k, _)| (k.get_ref().to_string(), k.span()));
                let msg = e.message().trim().to_string();
                match key {
                    Some((k, kspan)) => {
                        let text = if msg.starts_with("unknown field") {
                            match closest(&k, known) {
                                Some(s) => {
                                    format!("[{section}]: unknown key `{k}` (did you mean `{s}`?)")
                                }
                                None => format!(
                                    "[{section}]: unknown key `{k}` (known: {})",
                                    known.join(", ")
                                ),
                            }
                        } else {
                            format!("[{section}] {k}: {msg}")
                        };
                        ctx.at(
                            if msg.starts_with("unknown field") {
                                kspan
                            } else {
                                espan
                            },
                            text,
                        );
                        table = table
                            .into_iter()
                            .filter(|(kk, _)| kk.get_ref().as_ref() != k)
                            .collect();
                    }
                    None => {
                        ctx.at(espan, format!("[{section}]: {msg}"));
                        return T::default();
                    }
                }
            }
        }
    }
    T::default()
}

fn str_of(v: &S<String>) -> Option<&str> {
    v.as_ref().map(|s| s.get_ref().as_str())
}

fn line_of_span<T>(ctx: &Ctx<'_>, v: &Spanned<T>) -> usize {
    ctx.line_of(&v.span())
}

/// A path relative to the config file's directory.
fn resolve_path(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// A secret reference from `<key>_env` / `<key>_file`; both or neither (when `required`)
/// is a problem.
fn secret_ref(
    ctx: &mut Ctx<'_>,
    section: &str,
    key: &str,
    env: &S<String>,
    file: &S<String>,
    base: &Path,
    required: Option<std::ops::Range<usize>>,
) -> Option<SecretRef> {
    match (env, file) {
        (Some(e), Some(f)) => {
            ctx.at(
                f.span(),
                format!("[{section}]: give {key}_env or {key}_file, not both"),
            );
            let _ = e;
            None
        }
        (Some(e), None) => {
            let name = e.get_ref().trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                ctx.at(
                    e.span(),
                    format!(
                        "[{section}] {key}_env: {:?} is not an environment variable name (letters, digits, _)",
                        e.get_ref()
                    ),
                );
                return None;
            }
            Some(SecretRef::Env(name.to_string()))
        }
        (None, Some(f)) => {
            if f.get_ref().trim().is_empty() {
                ctx.at(f.span(), format!("[{section}] {key}_file: empty path"));
                return None;
            }
            Some(SecretRef::File(resolve_path(base, f.get_ref())))
        }
        (None, None) => {
            if let Some(span) = required {
                ctx.at(
                    span,
                    format!(
                        "[{section}]: missing {key}_env = \"VARIABLE\" or {key}_file = \"PATH\""
                    ),
                );
            }
            None
        }
    }
}

fn require<'a>(
    ctx: &mut Ctx<'_>,
    section: &str,
    key: &str,
    v: &'a S<String>,
    span: &std::ops::Range<usize>,
) -> Option<&'a Spanned<String>> {
    match v {
        Some(s) if !s.get_ref().trim().is_empty() => Some(s),
        Some(s) => {
            ctx.at(s.span(), format!("[{section}] {key}: empty value"));
            None
        }
        None => {
            ctx.at(span.clone(), format!("[{section}]: missing key `{key}`"));
            None
        }
    }
}

/// A money amount: a string (`"0.10"`) or an integer; a float is refused (binary floats do
/// not hold decimal amounts exactly).
fn amount(
    ctx: &mut Ctx<'_>,
    section: &str,
    key: &str,
    v: &Spanned<toml::Value>,
) -> Option<Decimal> {
    let parsed = match v.get_ref() {
        toml::Value::String(s) => finops_core::money::parse_decimal(s),
        toml::Value::Integer(i) => Ok(Decimal::from(*i)),
        toml::Value::Float(_) => Err(
            "write amounts as strings (\"0.10\"): a TOML float is binary and not exact".to_string(),
        ),
        other => Err(format!("expected an amount, found {}", other.type_str())),
    };
    match parsed {
        Ok(d) if d.is_sign_negative() => {
            ctx.at(v.span(), format!("[{section}] {key}: negative amount"));
            None
        }
        Ok(d) if d > Decimal::from(1_000_000_000_000_000u64) => {
            ctx.at(v.span(), format!("[{section}] {key}: amount too large"));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            ctx.at(v.span(), format!("[{section}] {key}: {e}"));
            None
        }
    }
}

fn int_in(
    ctx: &mut Ctx<'_>,
    section: &str,
    key: &str,
    v: &S<i64>,
    min: i64,
    max: i64,
    default: i64,
) -> i64 {
    match v {
        Some(x) if (min..=max).contains(x.get_ref()) => *x.get_ref(),
        Some(x) => {
            ctx.at(
                x.span(),
                format!(
                    "[{section}] {key}: {} is out of range {min}..={max}",
                    x.get_ref()
                ),
            );
            default
        }
        None => default,
    }
}

fn http_url(ctx: &mut Ctx<'_>, section: &str, key: &str, v: &Spanned<String>) -> bool {
    match url::Url::parse(v.get_ref().trim()) {
        Ok(u) if (u.scheme() == "https" || u.scheme() == "http") && u.host_str().is_some() => true,
        Ok(_) => {
            ctx.at(
                v.span(),
                format!("[{section}] {key}: expected an http(s) URL"),
            );
            false
        }
        Err(e) => {
            ctx.at(v.span(), format!("[{section}] {key}: not a URL: {e}"));
            false
        }
    }
}

fn severity(ctx: &mut Ctx<'_>, section: &str, v: &S<String>) -> finops_core::alert::Severity {
    use finops_core::alert::Severity;
    match v
        .as_ref()
        .map(|s| (s, s.get_ref().trim().to_ascii_lowercase()))
    {
        None => Severity::Info,
        Some((_, s)) if s == "info" => Severity::Info,
        Some((_, s)) if s == "warning" => Severity::Warning,
        Some((_, s)) if s == "critical" => Severity::Critical,
        Some((sp, _)) => {
            ctx.at(
                sp.span(),
                format!("[{section}] min_severity: expected info, warning or critical"),
            );
            Severity::Info
        }
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Parse a config file's text. `file` names it in messages; relative paths in it are taken
/// from `base` (the file's directory). Returns every problem found.
pub fn parse(text: &str, file: &Path, base: &Path) -> Result<JobConfig, Problems> {
    let mut ctx = Ctx {
        text,
        problems: Vec::new(),
    };
    let (root, errors) = DeTable::parse_recoverable(text);
    for e in errors {
        let span = e.span().unwrap_or(0..0);
        // The message only: the parser's own rendering quotes the source line, which could
        // be a secret someone pasted.
        ctx.at(span, format!("TOML syntax: {}", e.message().trim()));
    }
    let root_span = root.span();
    let mut root = root.into_inner();
    refuse_inline_secrets(&mut ctx, &mut root, "");

    let mut raw_output = RawOutput::default();
    let mut output_span = 0..0;
    let mut ovh = Vec::new();
    let mut oci = Vec::new();
    let mut azure = Vec::new();
    let mut arcgis = Vec::new();
    let mut raw_analysis = RawAnalysis::default();
    let mut budgets_raw = Vec::new();
    let mut email_raw: Option<(RawEmail, std::ops::Range<usize>)> = None;
    let mut hooks_raw = Vec::new();
    let mut raw_publish = RawPublish::default();
    let mut schedule_raw: Option<(RawSchedule, std::ops::Range<usize>)> = None;
    let mut raw_state = RawState::default();

    macro_rules! one {
        ($ty:ty, $name:expr, $known:expr, $v:expr) => {{
            let span = $v.span();
            match $v.into_inner() {
                DeValue::Table(t) => Some((
                    deserialize_collecting::<$ty>(&mut ctx, $name, $known, t, span.clone()),
                    span,
                )),
                _ => {
                    ctx.at(span, format!("`{}` must be a table: [{}]", $name, $name));
                    None
                }
            }
        }};
    }
    macro_rules! many {
        ($ty:ty, $name:expr, $known:expr, $v:expr, $out:expr) => {{
            let span = $v.span();
            match $v.into_inner() {
                DeValue::Array(a) => {
                    for e in a.into_iter() {
                        let es = e.span();
                        match e.into_inner() {
                            DeValue::Table(t) => $out.push((
                                deserialize_collecting::<$ty>(
                                    &mut ctx,
                                    $name,
                                    $known,
                                    t,
                                    es.clone(),
                                ),
                                es,
                            )),
                            _ => ctx.at(
                                es,
                                format!("`{}` entries must be tables: [[{}]]", $name, $name),
                            ),
                        }
                    }
                }
                DeValue::Table(t) => $out.push((
                    deserialize_collecting::<$ty>(&mut ctx, $name, $known, t, span.clone()),
                    span,
                )),
                _ => ctx.at(
                    span,
                    format!("`{}` must be an array of tables: [[{}]]", $name, $name),
                ),
            }
        }};
    }

    const K_OUTPUT: &[&str] = &[
        "dir",
        "timezone",
        "language",
        "concurrency",
        "history_months",
    ];
    const K_OVH: &[&str] = &[
        "name",
        "credentials_dir",
        "endpoint",
        "cmdb",
        "utf8",
        "rate_limit",
    ];
    const K_OCI: &[&str] = &["name", "config_dir", "endpoint"];
    const K_AZURE: &[&str] = &[
        "name",
        "exports",
        "ingestion",
        "storage_key_env",
        "storage_key_file",
        "connection_string_env",
        "connection_string_file",
        "retention_months",
    ];
    const K_ARCGIS: &[&str] = &[
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
    const K_ANALYSIS: &[&str] = &["rules", "horizon_days", "anomaly_days", "explain_by"];
    const K_BUDGET: &[&str] = &["name", "provider", "currency", "amount", "period"];
    const K_EMAIL: &[&str] = &[
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
    const K_HOOK: &[&str] = &["name", "format", "url_env", "url_file", "min_severity"];
    const K_PUBLISH: &[&str] = &["dir", "url", "options", "options_env"];
    const K_SCHEDULE: &[&str] = &["preset", "cron", "sample", "timezone"];
    const K_STATE: &[&str] = &["path"];

    for (k, v) in root {
        let key = k.get_ref().to_string();
        match key.as_str() {
            "output" => {
                if let Some((r, s)) = one!(RawOutput, "output", K_OUTPUT, v) {
                    raw_output = r;
                    output_span = s;
                }
            }
            "ovh" => many!(RawOvh, "ovh", K_OVH, v, ovh),
            "oci" => many!(RawOci, "oci", K_OCI, v, oci),
            "azure" => many!(RawAzure, "azure", K_AZURE, v, azure),
            "arcgis" => many!(RawArcgis, "arcgis", K_ARCGIS, v, arcgis),
            "analysis" => {
                if let Some((r, _)) = one!(RawAnalysis, "analysis", K_ANALYSIS, v) {
                    raw_analysis = r;
                }
            }
            "budget" => many!(RawBudget, "budget", K_BUDGET, v, budgets_raw),
            "notify" => {
                let span = v.span();
                match v.into_inner() {
                    DeValue::Table(t) => {
                        for (nk, nv) in t {
                            match nk.get_ref().as_ref() {
                                "email" => email_raw = one!(RawEmail, "notify.email", K_EMAIL, nv),
                                "webhook" => {
                                    many!(RawWebhook, "notify.webhook", K_HOOK, nv, hooks_raw)
                                }
                                other => {
                                    let hint = closest(other, &["email", "webhook"])
                                        .map(|s| format!(" (did you mean [notify.{s}]?)"))
                                        .unwrap_or_else(|| " (known: email, webhook)".into());
                                    ctx.at(
                                        nk.span(),
                                        format!("unknown section [notify.{other}]{hint}"),
                                    );
                                }
                            }
                        }
                    }
                    _ => ctx.at(span, "`notify` must be a table: [notify.email]"),
                }
            }
            "publish" => {
                if let Some((r, _)) = one!(RawPublish, "publish", K_PUBLISH, v) {
                    raw_publish = r;
                }
            }
            "schedule" => schedule_raw = one!(RawSchedule, "schedule", K_SCHEDULE, v),
            "state" => {
                if let Some((r, _)) = one!(RawState, "state", K_STATE, v) {
                    raw_state = r;
                }
            }
            other => {
                let hint = closest(other, SECTIONS)
                    .map(|s| format!(" (did you mean [{s}]?)"))
                    .unwrap_or_else(|| format!(" (known: {})", SECTIONS.join(", ")));
                ctx.at(k.span(), format!("unknown section [{other}]{hint}"));
            }
        }
    }

    // [output]
    let out_dir = match require(&mut ctx, "output", "dir", &raw_output.dir, &output_span) {
        Some(d) => resolve_path(base, d.get_ref()),
        None => PathBuf::from("finops-out"),
    };
    if raw_output.dir.is_none() && output_span == (0..0) {
        // `require` pointed at the start of the file; say where to add it.
        if let Some(p) = ctx.problems.last_mut()
            && p.message == "[output]: missing key `dir`"
        {
            p.message =
                "missing [output] section with dir = \"…\" (where everything is written)".into();
        }
    }
    let timezone = match &raw_output.timezone {
        Some(t) => match t.get_ref().trim().parse::<Tz>() {
            Ok(tz) => tz,
            Err(_) => {
                ctx.at(
                    t.span(),
                    format!(
                        "[output] timezone: {:?} is not an IANA time zone (e.g. Europe/Paris)",
                        t.get_ref()
                    ),
                );
                Tz::UTC
            }
        },
        None => Tz::UTC,
    };
    let language = match &raw_output.language {
        Some(l) => match l.get_ref().parse::<Language>() {
            Ok(x) => x,
            Err(_) => {
                ctx.at(l.span(), "[output] language: expected fr or en");
                Language::En
            }
        },
        None => Language::En,
    };
    let concurrency = int_in(
        &mut ctx,
        "output",
        "concurrency",
        &raw_output.concurrency,
        1,
        64,
        4,
    ) as usize;
    let history_months = int_in(
        &mut ctx,
        "output",
        "history_months",
        &raw_output.history_months,
        1,
        36,
        3,
    ) as u32;

    // Sources.
    let mut sources = Vec::new();
    let mut named = BTreeSet::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut add_source = |ctx: &mut Ctx<'_>,
                          provider: Provider,
                          index: usize,
                          name: &S<String>,
                          span: &std::ops::Range<usize>,
                          kind: Option<SourceKind>,
                          sources: &mut Vec<SourceConfig>,
                          named: &mut BTreeSet<String>| {
        let line = ctx.line_of(span);
        let id = match name {
            Some(n) => {
                let n2 = n.get_ref().trim();
                if !valid_name(n2) {
                    ctx.at(
                        n.span(),
                        format!(
                            "[{provider}] name: {n2:?}: use letters, digits, - and _ (up to 64)"
                        ),
                    );
                }
                n2.to_string()
            }
            None if index == 0 => provider.key().to_string(),
            None => format!("{}-{}", provider.key(), index + 1),
        };
        if let Some(prev) = ids.insert(id.clone(), line) {
            ctx.at(
                span.clone(),
                format!("[{provider}]: the source name {id:?} is already used on line {prev}; give each a different name"),
            );
        }
        if name.is_some() {
            named.insert(id.clone());
        }
        if let Some(kind) = kind {
            sources.push(SourceConfig {
                id,
                provider,
                index,
                line,
                kind,
            });
        }
    };

    for (i, (r, span)) in ovh.iter().enumerate() {
        let dir = require(&mut ctx, "ovh", "credentials_dir", &r.credentials_dir, span)
            .map(|d| resolve_path(base, d.get_ref()));
        if let Some(e) = &r.endpoint {
            let v = e.get_ref().trim();
            let known = [
                "ovh-eu",
                "ovh-ca",
                "ovh-us",
                "kimsufi-eu",
                "kimsufi-ca",
                "soyoustart-eu",
                "soyoustart-ca",
            ];
            if v.contains("://") {
                http_url(&mut ctx, "ovh", "endpoint", e);
            } else if !known.contains(&v) {
                ctx.at(
                    e.span(),
                    format!(
                        "[ovh] endpoint: {v:?} is not an endpoint name ({}) or an API URL",
                        known.join(", ")
                    ),
                );
            }
        }
        if let Some(rl) = &r.rate_limit
            && !(rl.get_ref().is_finite() && *rl.get_ref() > 0.0 && *rl.get_ref() <= 1000.0)
        {
            ctx.at(
                rl.span(),
                "[ovh] rate_limit: calls per second, between 0 and 1000",
            );
        }
        let kind = dir.map(|credentials_dir| {
            SourceKind::Ovh(OvhSource {
                credentials_dir,
                endpoint: str_of(&r.endpoint).map(|s| s.trim().to_string()),
                cmdb: str_of(&r.cmdb).map(|c| resolve_path(base, c)),
                utf8: r.utf8.as_ref().is_some_and(|b| *b.get_ref()),
                rate_limit: r.rate_limit.as_ref().map(|x| *x.get_ref()),
            })
        });
        add_source(
            &mut ctx,
            Provider::Ovh,
            i,
            &r.name,
            span,
            kind,
            &mut sources,
            &mut named,
        );
    }
    for (i, (r, span)) in oci.iter().enumerate() {
        let dir = require(&mut ctx, "oci", "config_dir", &r.config_dir, span)
            .map(|d| resolve_path(base, d.get_ref()));
        if let Some(e) = &r.endpoint {
            http_url(&mut ctx, "oci", "endpoint", e);
        }
        let kind = dir.map(|config_dir| {
            SourceKind::Oci(OciSource {
                config_dir,
                endpoint: str_of(&r.endpoint).map(|s| s.trim().to_string()),
            })
        });
        add_source(
            &mut ctx,
            Provider::Oci,
            i,
            &r.name,
            span,
            kind,
            &mut sources,
            &mut named,
        );
    }
    for (i, (r, span)) in azure.iter().enumerate() {
        let loc = |ctx: &mut Ctx<'_>, key: &str, v: &S<String>| -> Option<String> {
            let s = require(ctx, "azure", key, v, span)?;
            let t = s.get_ref().trim();
            if t.contains("://") {
                match url::Url::parse(t) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => Some(t.to_string()),
                    _ => {
                        ctx.at(s.span(), format!("[azure] {key}: a local directory or a blob container URL (https://ACCOUNT.blob.core.windows.net/CONTAINER)"));
                        None
                    }
                }
            } else {
                Some(resolve_path(base, t).display().to_string())
            }
        };
        let exports = loc(&mut ctx, "exports", &r.exports);
        let ingestion = loc(&mut ctx, "ingestion", &r.ingestion);
        let storage_key = secret_ref(
            &mut ctx,
            "azure",
            "storage_key",
            &r.storage_key_env,
            &r.storage_key_file,
            base,
            None,
        );
        let connection_string = secret_ref(
            &mut ctx,
            "azure",
            "connection_string",
            &r.connection_string_env,
            &r.connection_string_file,
            base,
            None,
        );
        let retention = r.retention_months.as_ref().map(|_| {
            int_in(
                &mut ctx,
                "azure",
                "retention_months",
                &r.retention_months,
                1,
                240,
                13,
            ) as u32
        });
        let kind = match (exports, ingestion) {
            (Some(exports), Some(ingestion)) => Some(SourceKind::Azure(AzureSource {
                exports,
                ingestion,
                storage_key,
                connection_string,
                retention_months: retention,
            })),
            _ => None,
        };
        add_source(
            &mut ctx,
            Provider::Azure,
            i,
            &r.name,
            span,
            kind,
            &mut sources,
            &mut named,
        );
    }
    for (i, (r, span)) in arcgis.iter().enumerate() {
        let portal = require(&mut ctx, "arcgis", "portal", &r.portal, span)
            .filter(|p| http_url(&mut ctx, "arcgis", "portal", p))
            .map(|p| p.get_ref().trim().to_string());
        let token = secret_ref(
            &mut ctx,
            "arcgis",
            "token",
            &r.token_env,
            &r.token_file,
            base,
            None,
        );
        let password = secret_ref(
            &mut ctx,
            "arcgis",
            "password",
            &r.password_env,
            &r.password_file,
            base,
            None,
        );
        let client_secret = secret_ref(
            &mut ctx,
            "arcgis",
            "client_secret",
            &r.client_secret_env,
            &r.client_secret_file,
            base,
            None,
        );
        let login = match (token, &r.username, password, &r.client_id, client_secret) {
            (Some(t), None, None, None, None) => Some(ArcgisLogin::Token(t)),
            (None, Some(u), Some(p), None, None) => {
                Some(ArcgisLogin::UserPassword(u.get_ref().clone(), p))
            }
            (None, None, None, Some(c), Some(s)) => {
                Some(ArcgisLogin::ClientCredentials(c.get_ref().clone(), s))
            }
            (None, Some(u), None, None, None) => {
                ctx.at(
                    u.span(),
                    "[arcgis] username needs password_env or password_file",
                );
                None
            }
            (None, None, None, Some(c), None) => {
                ctx.at(
                    c.span(),
                    "[arcgis] client_id needs client_secret_env or client_secret_file",
                );
                None
            }
            (None, None, None, None, None) => {
                ctx.at(
                    span.clone(),
                    "[arcgis]: no login: give token_env/token_file, or username with password_env/password_file, or client_id with client_secret_env/client_secret_file",
                );
                None
            }
            _ => {
                ctx.at(span.clone(), "[arcgis]: give one login only (a token, a user name and password, or a client id and secret)");
                None
            }
        };
        let price = match &r.price_per_credit {
            Some(v) => amount(&mut ctx, "arcgis", "price_per_credit", v),
            None => {
                ctx.at(span.clone(), "[arcgis]: missing key `price_per_credit` (e.g. \"0.10\": credits are priced to become FOCUS costs)");
                None
            }
        };
        let currency = match &r.currency {
            Some(c) => match Currency::new(c.get_ref().trim()) {
                Ok(x) => Some(x),
                Err(_) => {
                    ctx.at(
                        c.span(),
                        format!(
                            "[arcgis] currency: {:?} is not an ISO 4217 code (EUR, USD, ...)",
                            c.get_ref()
                        ),
                    );
                    None
                }
            },
            None => {
                ctx.at(
                    span.clone(),
                    "[arcgis]: missing key `currency` (the currency of price_per_credit)",
                );
                None
            }
        };
        if let Some(t) = &r.thresholds
            && finops_arcgis::alerts::AlertConfig::default()
                .with_user_thresholds(t.get_ref())
                .is_err()
        {
            ctx.at(
                t.span(),
                "[arcgis] thresholds: expected percentages like \"10%,50%\"",
            );
        }
        if let Some(a) = &r.allocate
            && a.get_ref()
                .parse::<finops_arcgis::allocation::AllocationRule>()
                .is_err()
        {
            ctx.at(a.span(), "[arcgis] allocate: expected 'under=10%,add=200', 'topup=500' or 'under=10%,topup=500'");
        }
        let max_total = match &r.max_total {
            Some(v) => amount(&mut ctx, "arcgis", "max_total", v).map(|d| d.to_string()),
            None => None,
        };
        if r.apply.as_ref().is_some_and(|a| *a.get_ref())
            && r.allocate.is_none()
            && let Some(a) = &r.apply
        {
            ctx.at(a.span(), "[arcgis] apply = true needs an allocate rule");
        }
        let kind = match (portal, login, price, currency) {
            (Some(portal), Some(login), Some(price_per_credit), Some(currency)) => {
                Some(SourceKind::Arcgis(ArcgisSource {
                    portal,
                    login,
                    price_per_credit,
                    currency,
                    referer: str_of(&r.referer).map(str::to_string),
                    thresholds: str_of(&r.thresholds).unwrap_or("10%,50%").to_string(),
                    notify_admins: r.notify_admins.as_ref().is_some_and(|b| *b.get_ref()),
                    allocate: str_of(&r.allocate).map(str::to_string),
                    max_total,
                    apply: r.apply.as_ref().is_some_and(|b| *b.get_ref()),
                }))
            }
            _ => None,
        };
        add_source(
            &mut ctx,
            Provider::Arcgis,
            i,
            &r.name,
            span,
            kind,
            &mut sources,
            &mut named,
        );
    }
    if ovh.is_empty() && oci.is_empty() && azure.is_empty() && arcgis.is_empty() {
        ctx.at(
            root_span.start..root_span.start,
            "no source: add at least one [[ovh]], [[oci]], [[azure]] or [[arcgis]] table",
        );
        if let Some(p) = ctx.problems.last_mut() {
            p.line = 0;
        }
    }

    // [analysis]
    let analysis = AnalysisConfig {
        rules: str_of(&raw_analysis.rules).map(|r| resolve_path(base, r)),
        horizon_days: int_in(
            &mut ctx,
            "analysis",
            "horizon_days",
            &raw_analysis.horizon_days,
            7,
            730,
            90,
        ) as u32,
        anomaly_days: int_in(
            &mut ctx,
            "analysis",
            "anomaly_days",
            &raw_analysis.anomaly_days,
            1,
            90,
            14,
        ) as u32,
        explain_by: str_of(&raw_analysis.explain_by)
            .unwrap_or("ServiceName")
            .to_string(),
    };
    if let Some(e) = &raw_analysis.explain_by
        && finops_core::aggregate::Dimension::parse(e.get_ref()).is_err()
    {
        ctx.at(
            e.span(),
            format!(
                "[analysis] explain_by: {:?} is not a FOCUS column, x_ column or tag:KEY",
                e.get_ref()
            ),
        );
    }

    // [[budget]]
    let mut budgets = Vec::new();
    let mut budget_names = BTreeMap::new();
    for (r, span) in &budgets_raw {
        let name = require(&mut ctx, "budget", "name", &r.name, span)
            .map(|n| n.get_ref().trim().to_string());
        if let Some(n) = &name {
            if !valid_name(n) {
                ctx.at(
                    span.clone(),
                    format!("[budget] name {n:?}: use letters, digits, - and _"),
                );
            }
            let line = ctx.line_of(span);
            if let Some(prev) = budget_names.insert(n.clone(), line) {
                ctx.at(
                    span.clone(),
                    format!("[budget] name {n:?} is already used on line {prev}"),
                );
            }
        }
        let currency = require(&mut ctx, "budget", "currency", &r.currency, span).and_then(|c| {
            match Currency::new(c.get_ref().trim()) {
                Ok(x) => Some(x),
                Err(_) => {
                    ctx.at(
                        c.span(),
                        format!(
                            "[budget] currency: {:?} is not an ISO 4217 code",
                            c.get_ref()
                        ),
                    );
                    None
                }
            }
        });
        let amt = match &r.amount {
            Some(v) => amount(&mut ctx, "budget", "amount", v),
            None => {
                ctx.at(
                    span.clone(),
                    "[budget]: missing key `amount` (e.g. \"2500\")",
                );
                None
            }
        };
        let period = match r
            .period
            .as_ref()
            .map(|p| (p, p.get_ref().trim().to_ascii_lowercase()))
        {
            None => Some(BudgetPeriod::Month),
            Some((_, p)) if p == "month" => Some(BudgetPeriod::Month),
            Some((_, p)) if p == "quarter" => Some(BudgetPeriod::Quarter),
            Some((_, p)) if p == "year" => Some(BudgetPeriod::Year),
            Some((sp, _)) => {
                ctx.at(
                    sp.span(),
                    "[budget] period: expected month, quarter or year",
                );
                None
            }
        };
        if let (Some(name), Some(currency), Some(amount), Some(period)) =
            (name, currency, amt, period)
        {
            budgets.push(BudgetConfig {
                name,
                provider: str_of(&r.provider).map(|s| s.trim().to_string()),
                currency,
                amount,
                period,
            });
        }
    }

    // [notify.email]
    let email = email_raw.and_then(|(r, span)| {
        let smtp = require(&mut ctx, "notify.email", "smtp", &r.smtp, &span).and_then(|s| {
            let t = s.get_ref().trim();
            match t.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>())) {
                Some((h, Ok(p))) if !h.is_empty() && p > 0 => Some((h.trim_matches(['[', ']']).to_string(), p)),
                _ => {
                    ctx.at(s.span(), format!("[notify.email] smtp: expected HOST:PORT (e.g. smtp.example.org:587), found {t:?}"));
                    None
                }
            }
        });
        let from = require(&mut ctx, "notify.email", "from", &r.from, &span).and_then(|f| {
            if f.get_ref().contains('@') {
                Some(f.get_ref().trim().to_string())
            } else {
                ctx.at(f.span(), "[notify.email] from: expected an e-mail address");
                None
            }
        });
        let to = match &r.to {
            Some(t) if t.get_ref().is_empty() => {
                ctx.at(t.span(), "[notify.email] to: at least one recipient");
                None
            }
            Some(t) => {
                let bad: Vec<&String> = t.get_ref().iter().filter(|a| !a.contains('@')).collect();
                if bad.is_empty() {
                    Some(t.get_ref().iter().map(|s| s.trim().to_string()).collect())
                } else {
                    ctx.at(t.span(), format!("[notify.email] to: not e-mail addresses: {bad:?}"));
                    None
                }
            }
            None => {
                ctx.at(span.clone(), "[notify.email]: missing key `to` (a list of addresses)");
                None
            }
        };
        let username = secret_ref(&mut ctx, "notify.email", "username", &r.username_env, &r.username_file, base, None);
        let password = secret_ref(&mut ctx, "notify.email", "password", &r.password_env, &r.password_file, base, None);
        let starttls = r.starttls.as_ref().is_none_or(|b| *b.get_ref());
        if username.is_some() != password.is_some() {
            ctx.at(span.clone(), "[notify.email]: give both username_env/_file and password_env/_file, or neither");
        }
        if !starttls
            && password.is_some()
            && let Some(s) = &r.starttls
        {
            ctx.at(s.span(), "[notify.email] starttls = false with a password: credentials would travel in clear; use STARTTLS");
        }
        let min_severity = severity(&mut ctx, "notify.email", &r.min_severity);
        match (smtp, from, to) {
            (Some((host, port)), Some(from), Some(to)) => Some(EmailConfig {
                host,
                port,
                starttls,
                from,
                to,
                username,
                password,
                ca_file: str_of(&r.ca_file).map(|p| resolve_path(base, p)),
                min_severity,
            }),
            _ => None,
        }
    });

    // [[notify.webhook]]
    let mut webhooks = Vec::new();
    for (i, (r, span)) in hooks_raw.iter().enumerate() {
        let format = match r
            .format
            .as_ref()
            .map(|f| (f, f.get_ref().trim().to_ascii_lowercase()))
        {
            None => Some(HookFormat::Json),
            Some((_, f)) if f == "teams" => Some(HookFormat::Teams),
            Some((_, f)) if f == "slack" => Some(HookFormat::Slack),
            Some((_, f)) if f == "json" => Some(HookFormat::Json),
            Some((sp, _)) => {
                ctx.at(
                    sp.span(),
                    "[notify.webhook] format: expected teams, slack or json",
                );
                None
            }
        };
        let url = secret_ref(
            &mut ctx,
            "notify.webhook",
            "url",
            &r.url_env,
            &r.url_file,
            base,
            Some(span.clone()),
        );
        let min_severity = severity(&mut ctx, "notify.webhook", &r.min_severity);
        let name = str_of(&r.name)
            .map(str::to_string)
            .unwrap_or_else(|| format!("webhook-{}", i + 1));
        if let (Some(format), Some(url)) = (format, url) {
            webhooks.push(WebhookConfig {
                name,
                format,
                url,
                min_severity,
            });
        }
    }

    // [publish]
    let mut publish = PublishConfig {
        dir: str_of(&raw_publish.dir).map(|d| resolve_path(base, d)),
        url: None,
        ..Default::default()
    };
    if let Some(u) = &raw_publish.url {
        match url::Url::parse(u.get_ref().trim()) {
            Ok(_) => publish.url = Some(u.get_ref().trim().to_string()),
            Err(e) => ctx.at(u.span(), format!("[publish] url: not a URL: {e}")),
        }
    }
    if let Some(o) = &raw_publish.options {
        for k in o.get_ref().keys() {
            if is_secret_key(k) || k.contains("secret") || k.contains("key") || k.contains("token")
            {
                ctx.at(
                    o.span(),
                    format!("[publish] options.{k} looks like a secret: give it in options_env = {{ {k} = \"VARIABLE\" }}"),
                );
            }
        }
        publish.options = o.get_ref().clone();
    }
    if let Some(o) = &raw_publish.options_env {
        for (k, v) in o.get_ref() {
            publish
                .secret_options
                .insert(k.clone(), SecretRef::Env(v.clone()));
        }
    }
    if (raw_publish.options.is_some() || raw_publish.options_env.is_some()) && publish.url.is_none()
    {
        ctx.at(
            raw_publish
                .options
                .as_ref()
                .map(|o| o.span())
                .or(raw_publish.options_env.as_ref().map(|o| o.span()))
                .unwrap_or(0..0),
            "[publish] options need url",
        );
    }

    // [schedule]
    let schedule = schedule_raw.and_then(|(r, span)| {
        let tz = match &r.timezone {
            Some(t) => match t.get_ref().trim().parse::<Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    ctx.at(
                        t.span(),
                        format!(
                            "[schedule] timezone: {:?} is not an IANA time zone",
                            t.get_ref()
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        let mut sched: Option<Schedule> = None;
        if let Some(p) = &r.preset {
            match Schedule::preset(p.get_ref()) {
                Ok(s) => sched = Some(s),
                Err(e) => ctx.at(p.span(), format!("[schedule] preset: {e}")),
            }
        }
        let zone = tz
            .or_else(|| sched.as_ref().map(|s| s.timezone()))
            .unwrap_or(timezone);
        let mut s = sched
            .unwrap_or_else(|| Schedule::new(zone))
            .with_timezone(zone);
        for (field, kind) in [(&r.cron, JobKind::Full), (&r.sample, JobKind::Sample)] {
            if let Some(list) = field {
                for expr in list.get_ref().items() {
                    match s.clone().with_cron(&expr, kind) {
                        Ok(next) => s = next,
                        Err(e) => ctx.at(list.span(), format!("[schedule] {e}")),
                    }
                }
            }
        }
        if s.entries().is_empty() {
            ctx.at(
                span,
                "[schedule]: give preset = \"ovh-weekly\" or cron = [\"15 23 * * SUN\"]",
            );
            return None;
        }
        Some(s)
    });

    let state = str_of(&raw_state.path)
        .map(|p| resolve_path(base, p))
        .unwrap_or_else(|| out_dir.join("state").join("finops.sqlite"));

    if !ctx.problems.is_empty() {
        let mut items = ctx.problems;
        items.sort();
        items.dedup();
        return Err(Problems {
            file: file.to_path_buf(),
            items,
        });
    }
    // Report order: providers in a fixed order, each in file order.
    sources.sort_by_key(|s| (s.provider, s.index));
    let _ = line_of_span::<()>;
    Ok(JobConfig {
        path: file.to_path_buf(),
        output: OutputConfig {
            dir: out_dir,
            timezone,
            language,
            concurrency,
            history_months,
        },
        sources,
        named,
        analysis,
        budgets,
        email,
        webhooks,
        publish,
        schedule,
        state,
    })
}

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

/// The references of a parsed config that do not resolve here and now (directories, files,
/// environment variables), as problems on the line of their source.
pub fn check_environment(cfg: &JobConfig, env: &dyn Fn(&str) -> Option<String>) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut at = |line: usize, message: String| {
        out.push(Problem {
            line,
            column: 1,
            message,
        })
    };
    let check_secret = |r: &SecretRef| r.resolve_with(env).err();
    for s in &cfg.sources {
        let tag = format!("[{}] {}", s.provider, s.id);
        match &s.kind {
            SourceKind::Ovh(o) => {
                if !o.credentials_dir.is_dir() {
                    at(
                        s.line,
                        format!(
                            "{tag}: credentials_dir {} is not a directory",
                            o.credentials_dir.display()
                        ),
                    );
                }
                if let Some(c) = &o.cmdb
                    && !c.exists()
                {
                    at(
                        s.line,
                        format!("{tag}: cmdb {} does not exist", c.display()),
                    );
                }
            }
            SourceKind::Oci(o) => {
                if !o.config_dir.is_dir() {
                    at(
                        s.line,
                        format!(
                            "{tag}: config_dir {} is not a directory",
                            o.config_dir.display()
                        ),
                    );
                } else if finops_core::fs::list_files(
                    &o.config_dir,
                    &finops_core::fs::DirFilter::with_prefix("config_"),
                )
                .is_err()
                {
                    at(
                        s.line,
                        format!("{tag}: no config_* file in {}", o.config_dir.display()),
                    );
                }
            }
            SourceKind::Azure(a) => {
                for (k, v) in [("exports", &a.exports), ("ingestion", &a.ingestion)] {
                    if !v.contains("://") && k == "exports" && !Path::new(v).is_dir() {
                        at(s.line, format!("{tag}: {k} {v} is not a directory"));
                    }
                }
                for r in [&a.storage_key, &a.connection_string].into_iter().flatten() {
                    if let Some(e) = check_secret(r) {
                        at(s.line, format!("{tag}: {e}"));
                    }
                }
            }
            SourceKind::Arcgis(a) => {
                let r = match &a.login {
                    ArcgisLogin::Token(r)
                    | ArcgisLogin::UserPassword(_, r)
                    | ArcgisLogin::ClientCredentials(_, r) => r,
                };
                if let Some(e) = check_secret(r) {
                    at(s.line, format!("{tag}: {e}"));
                }
            }
        }
    }
    if let Some(r) = &cfg.analysis.rules
        && let Err(e) = finops_core::allocate::Rules::from_file(r)
    {
        at(0, format!("[analysis] rules: {e}"));
    }
    if let Some(e) = &cfg.email {
        for r in [&e.username, &e.password].into_iter().flatten() {
            if let Some(err) = check_secret(r) {
                at(0, format!("[notify.email]: {err}"));
            }
        }
        if let Some(ca) = &e.ca_file
            && !ca.is_file()
        {
            at(
                0,
                format!("[notify.email] ca_file {} is not a file", ca.display()),
            );
        }
    }
    for w in &cfg.webhooks {
        if let Some(err) = check_secret(&w.url) {
            at(0, format!("[notify.webhook] {}: {err}", w.name));
        }
    }
    for (k, r) in &cfg.publish.secret_options {
        if let Some(err) = check_secret(r) {
            at(0, format!("[publish] options_env.{k}: {err}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<JobConfig, Problems> {
        parse(text, Path::new("finops.toml"), Path::new("/cfg"))
    }

    const GOOD: &str = r#"
[output]
dir = "out"
timezone = "Europe/Paris"
language = "fr"

[[ovh]]
credentials_dir = "conf_token"
endpoint = "ovh-eu"
cmdb = "CMDB.xlsx"

[[ovh]]
name = "hds"
credentials_dir = "/abs/tokens"

[[oci]]
config_dir = "oci"
endpoint = "https://usageapi.example.com"

[[azure]]
exports = "exports"
ingestion = "https://acct.blob.core.windows.net/ingestion"
storage_key_env = "AZURE_STORAGE_KEY"

[[arcgis]]
portal = "https://org.maps.arcgis.com"
token_env = "ARCGIS_TOKEN"
price_per_credit = "0.10"
currency = "EUR"

[[budget]]
name = "ovh-month"
provider = "OVHcloud"
currency = "EUR"
amount = "2500"

[notify.email]
smtp = "smtp.example.org:587"
starttls = true
from = "finops@example.org"
to = ["team@example.org"]
username_env = "SMTP_USER"
password_env = "SMTP_PASSWORD"

[schedule]
preset = "ovh-weekly"
"#;

    #[test]
    fn a_good_file() {
        let c = parse_str(GOOD).unwrap();
        assert_eq!(c.output.dir, PathBuf::from("/cfg/out"));
        assert_eq!(c.output.timezone, chrono_tz::Europe::Paris);
        assert_eq!(c.output.language, Language::Fr);
        let ids: Vec<&str> = c.sources.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["ovh", "hds", "oci", "azure", "arcgis"]);
        assert!(c.is_named("hds"));
        assert_eq!(c.sources[0].part_name(false), "part-0");
        assert_eq!(c.sources[1].part_name(true), "part-hds");
        let SourceKind::Ovh(o) = &c.sources[0].kind else {
            panic!()
        };
        assert_eq!(o.credentials_dir, PathBuf::from("/cfg/conf_token"));
        let e = c.email.unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.starttls),
            ("smtp.example.org", 587, true)
        );
        assert_eq!(e.password, Some(SecretRef::Env("SMTP_PASSWORD".into())));
        assert_eq!(c.budgets[0].amount, Decimal::from(2500));
        assert_eq!(c.schedule.unwrap().name(), Some("ovh-weekly"));
        assert_eq!(c.state, PathBuf::from("/cfg/out/state/finops.sqlite"));
    }

    #[test]
    fn every_problem_at_once_with_its_line() {
        let text = r#"[output]
dir = "out"
timezone = "Mars/Olympus"
langage = "fr"

[[ovh]]
endpoint = "ovh-moon"

[[arcgis]]
portal = "https://org.maps.arcgis.com"
password = "hunter2-very-secret"
price_per_credit = 0.1
currency = "eur"

[[oci]]
config_dir = 42

[notify.email]
smtp = "smtp.example.org"
from = "finops@example.org"
to = []

[schedule]
cron = ["61 * * * *"]

[budgets]
x = 1
"#;
        let p = parse_str(text).unwrap_err();
        let lines: Vec<(usize, &str)> = p
            .items
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        let has = |line: usize, needle: &str| {
            assert!(
                lines.iter().any(|(l, m)| *l == line && m.contains(needle)),
                "no problem with {needle:?} on line {line}: {lines:#?}"
            )
        };
        has(3, "not an IANA time zone");
        has(4, "unknown key `langage` (did you mean `language`?)");
        has(6, "missing key `credentials_dir`");
        has(7, "not an endpoint name");
        has(11, "would hold a secret inline");
        has(9, "no login");
        has(12, "TOML float");
        has(13, "ISO 4217");
        has(16, "config_dir");
        has(19, "HOST:PORT");
        has(21, "at least one recipient");
        has(24, "[schedule]");
        has(26, "unknown section [budgets] (did you mean [budget]?)");
        // The secret itself is never repeated.
        let all = p.to_string();
        assert!(!all.contains("hunter2"), "{all}");
        assert!(p.items.len() >= 13, "{all}");
    }

    #[test]
    fn inline_secrets_are_refused_everywhere() {
        for (snippet, key) in [
            ("[[arcgis]]\ntoken = \"abc123456\"", "token"),
            ("[[arcgis]]\nclient_secret = \"abc123456\"", "client_secret"),
            ("[notify.email]\npassword = \"abc123456\"", "password"),
            (
                "[[notify.webhook]]\nwebhook_url = \"https://x\"",
                "webhook_url",
            ),
            ("[[azure]]\nstorage_key = \"abc123456\"", "storage_key"),
            ("[publish]\nurl = \"https://user:abc123456@host/x\"", "url"),
        ] {
            let text = format!("[output]\ndir = \"o\"\n{snippet}\n");
            let p = parse_str(&text).unwrap_err();
            let m = p
                .items
                .iter()
                .find(|i| {
                    i.message.contains("would hold a secret inline")
                        || i.message.contains("with a password in it")
                })
                .unwrap_or_else(|| panic!("{snippet}: {p}"));
            assert_eq!(m.line, 4, "{snippet}: {p}");
            assert!(m.message.contains(key), "{m}");
            assert!(!p.to_string().contains("abc123456"), "{p}");
        }
    }

    #[test]
    fn syntax_errors_are_reported_with_the_rest() {
        let p = parse_str(
            "[output]\ndir = \"o\"\nconcurrency = 0\n[[oci]]\nconfig_dir = \"x\"\nendpoint = \n",
        )
        .unwrap_err();
        assert!(
            p.items
                .iter()
                .any(|i| i.line == 3 && i.message.contains("out of range")),
            "{p}"
        );
        assert!(
            p.items.iter().any(|i| i.message.starts_with("TOML syntax")),
            "{p}"
        );
    }

    #[test]
    fn secret_references_resolve_without_showing_values() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "s3cr3t-value\n").unwrap();
        assert_eq!(
            SecretRef::File(f).resolve().unwrap().expose(),
            "s3cr3t-value"
        );
        let env = |k: &str| (k == "A").then(|| "x".to_string());
        assert!(SecretRef::Env("A".into()).resolve_with(&env).is_ok());
        let e = SecretRef::Env("B".into()).resolve_with(&env).unwrap_err();
        assert!(e.contains("B is not set"));
        assert_eq!(
            format!("{:?}", SecretRef::Env("B".into())),
            "environment variable B"
        );
    }

    #[test]
    fn urls_with_passwords() {
        assert!(url_with_password("https://u:p@h/x"));
        assert!(!url_with_password("https://u@h/x"));
        assert!(!url_with_password("https://h/x?a=b:c@d"));
        assert!(!url_with_password("plain"));
    }
}
