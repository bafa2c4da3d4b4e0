//! Configuration (parity OCI-01, OCI-02): the standard OCI config file, the contract fields of
//! the original script, the `config_*` directory loader, and [`OciBuilder`].
//!
//! The config file is INI without interpolation, read by the shared configparser-compatible
//! reader ([`finops_core::ini`]) as the SDK's `configparser` reads it: `[DEFAULT]` values are
//! inherited by every profile, key names are case-insensitive, `#` and `;` start comment lines,
//! `key=value` and `key: value` both work, indented lines continue a value. `key_file` is
//! resolved relative to the config file's directory after `~` expansion.

use crate::PROVIDER;
use crate::client::{OciClient, UsageApiOptions};
use crate::credential::{OciCredential, OciPrivateKey, is_valid_fingerprint};
use chrono::NaiveDate;
use finops_core::clock::SharedClock;
use finops_core::fs::DirFilter;
use finops_core::http::{ClientOptions, RetryConfig};
use finops_core::ini::{DEFAULT_SECTION, Ini};
use finops_core::{Currency, Error, Result, Secret};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The parsed config file: the shared configparser-compatible reader
/// ([`finops_core::ini::Ini`]).
pub type IniFile = Ini;

/// The contract fields of a client file (seed 001), Portuguese keys or English aliases.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Contract {
    /// Display name of the client (`cliente` / `client`).
    pub client: String,
    /// Total credit of the current contract (`credito` / `credit`).
    pub credit: Decimal,
    /// First day of the contract (`inicio_contrato` / `contract_start`).
    pub start: NaiveDate,
    /// Last day of the contract, inclusive (`fim_contrato` / `contract_end`).
    pub end: NaiveDate,
    /// Currency of the credit (`moeda` / `currency`); `None`: the currency the Usage API
    /// reports.
    pub currency: Option<Currency>,
}

/// Accepted key names of each contract field (first = the seed's Portuguese name).
pub const CONTRACT_KEYS: [(&str, &[&str]); 5] = [
    ("credit", &["credito", "credit", "credit_amount"]),
    (
        "start",
        &["inicio_contrato", "contract_start", "start_date"],
    ),
    ("end", &["fim_contrato", "contract_end", "end_date"]),
    (
        "client",
        &["cliente", "client", "client_name", "display_name"],
    ),
    ("currency", &["moeda", "currency"]),
];

/// The settings of one OCI profile (standard keys).
#[derive(Clone)]
pub struct OciProfile {
    /// Config file the profile came from (errors name it).
    pub file: String,
    /// User OCID.
    pub user: String,
    /// Tenancy OCID.
    pub tenancy: String,
    /// Key fingerprint as configured.
    pub fingerprint: String,
    /// Resolved path of the PEM private key.
    pub key_file: PathBuf,
    /// Pass phrase of an encrypted key.
    pub pass_phrase: Option<Secret>,
    /// Region identifier (`us-ashburn-1`; short codes such as `iad` are expanded).
    pub region: String,
    /// Session token file (keyId becomes `ST$<token>`).
    pub security_token_file: Option<PathBuf>,
}

impl std::fmt::Debug for OciProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciProfile")
            .field("file", &self.file)
            .field("user", &self.user)
            .field("tenancy", &self.tenancy)
            .field("fingerprint", &self.fingerprint)
            .field("key_file", &self.key_file)
            .field("pass_phrase", &self.pass_phrase)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// One client of a `config_*` directory: its profile and contract.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Display name (`cliente`, else the file name after `config_`).
    pub name: String,
    /// The config file.
    pub file: PathBuf,
    /// OCI settings.
    pub profile: OciProfile,
    /// Contract fields (required for the contract report).
    pub contract: Contract,
}

/// The OCID shape the SDK checks (`^([0-9a-zA-Z-_]+[.:])([0-9a-zA-Z-_]*[.:]){3,}([0-9a-zA-Z-_]+)$`).
pub fn is_valid_ocid(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let parts: Vec<&str> = s.split(['.', ':']).collect();
    parts.len() >= 5
        && parts.iter().all(|p| p.chars().all(ok))
        && !parts[0].is_empty()
        && !parts[parts.len() - 1].is_empty()
}

/// Expand a leading `~` to `$HOME`.
fn expand_tilde(p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/").or_else(|| (p == "~").then_some(""))
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(p)
}

/// Resolve a path from a config file: `~` expanded, relative paths from the file's directory.
pub fn resolve_path(value: &str, config_file: &Path) -> PathBuf {
    let p = expand_tilde(value.trim());
    if p.is_absolute() {
        p
    } else {
        config_file.parent().map(|d| d.join(&p)).unwrap_or(p)
    }
}

/// Region short codes (as in the SDK's `REGIONS_SHORT_NAMES`) → region identifiers.
const SHORT_REGIONS: &[(&str, &str)] = &[
    ("iad", "us-ashburn-1"),
    ("phx", "us-phoenix-1"),
    ("sjc", "us-sanjose-1"),
    ("ord", "us-chicago-1"),
    ("yyz", "ca-toronto-1"),
    ("yul", "ca-montreal-1"),
    ("gru", "sa-saopaulo-1"),
    ("vcp", "sa-vinhedo-1"),
    ("scl", "sa-santiago-1"),
    ("bog", "sa-bogota-1"),
    ("qro", "mx-queretaro-1"),
    ("fra", "eu-frankfurt-1"),
    ("ams", "eu-amsterdam-1"),
    ("zrh", "eu-zurich-1"),
    ("mad", "eu-madrid-1"),
    ("cdg", "eu-paris-1"),
    ("mrs", "eu-marseille-1"),
    ("lin", "eu-milan-1"),
    ("arn", "eu-stockholm-1"),
    ("lhr", "uk-london-1"),
    ("cwl", "uk-cardiff-1"),
    ("nrt", "ap-tokyo-1"),
    ("kix", "ap-osaka-1"),
    ("icn", "ap-seoul-1"),
    ("yny", "ap-chuncheon-1"),
    ("bom", "ap-mumbai-1"),
    ("hyd", "ap-hyderabad-1"),
    ("syd", "ap-sydney-1"),
    ("mel", "ap-melbourne-1"),
    ("sin", "ap-singapore-1"),
    ("jed", "me-jeddah-1"),
    ("dxb", "me-dubai-1"),
    ("auh", "me-abudhabi-1"),
    ("jnb", "af-johannesburg-1"),
    ("mtz", "il-jerusalem-1"),
];

/// Regions outside realm `oc1` (from the SDK's `REGION_REALMS`); any other region is `oc1`.
const REGION_REALMS: &[(&str, &str)] = &[
    ("us-langley-1", "oc2"),
    ("us-luke-1", "oc2"),
    ("us-gov-ashburn-1", "oc3"),
    ("us-gov-chicago-1", "oc3"),
    ("us-gov-phoenix-1", "oc3"),
    ("uk-gov-london-1", "oc4"),
    ("uk-gov-cardiff-1", "oc4"),
    ("ap-chiyoda-1", "oc8"),
    ("ap-ibaraki-1", "oc8"),
    ("me-dcc-muscat-1", "oc9"),
    ("eu-frankfurt-2", "oc19"),
    ("eu-madrid-2", "oc19"),
];

/// Second-level domain of a realm (the SDK's `REALMS`; unknown realms fall back to oc1).
pub fn realm_domain(realm: &str) -> String {
    match realm {
        "oc1" => "oraclecloud.com".into(),
        "oc2" | "oc3" => "oraclegovcloud.com".into(),
        "oc4" => "oraclegovcloud.uk".into(),
        "oc19" => "oraclecloud.eu".into(),
        r => match r.strip_prefix("oc").and_then(|n| n.parse::<u32>().ok()) {
            Some(n) if n >= 8 => format!("oraclecloud{n}.com"),
            _ => "oraclecloud.com".into(),
        },
    }
}

/// Expand a region short code (`iad` → `us-ashburn-1`); other values are returned lower-cased.
pub fn canonical_region(region: &str) -> String {
    let r = region.trim().to_ascii_lowercase();
    SHORT_REGIONS
        .iter()
        .find(|(s, _)| *s == r)
        .map(|(_, full)| (*full).to_string())
        .unwrap_or(r)
}

/// The Usage API base URL of a region: `https://usageapi.{region}.oci.{realm domain}`.
pub fn usage_api_endpoint(region: &str) -> String {
    let region = canonical_region(region);
    let realm = REGION_REALMS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, realm)| *realm)
        .unwrap_or("oc1");
    format!("https://usageapi.{region}.oci.{}", realm_domain(realm))
}

fn parse_contract_date(v: &str) -> std::result::Result<NaiveDate, String> {
    let v = v.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
        .map_err(|_| format!("{v:?} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)"))
}

fn parse_credit(v: &str) -> std::result::Result<Decimal, String> {
    // "1500,50": a decimal comma (the seed's users write Brazilian numbers); spaces and `_`
    // as thousands separators. The shared decimal-comma parser refuses "1.500,00".
    let d = finops_core::money::parse_decimal_comma(v).map_err(|_| {
        format!("{v:?} is not an amount (write it as 150000.00, no thousands separators)")
    })?;
    if d < Decimal::ZERO {
        return Err(format!("{v:?} is negative"));
    }
    if d >= Decimal::from(1_000_000_000_000_000_i64) {
        return Err(format!(
            "{v:?} is not a plausible credit (at most 999999999999999.99)"
        ));
    }
    Ok(d)
}

/// Read the standard keys of `profile` in `ini` (the file is `path`).
pub fn read_profile(ini: &Ini, profile: &str, path: &Path) -> Result<OciProfile> {
    let file = ini.file().to_string();
    let keys = ini.section(profile).ok_or_else(|| {
        Error::config_at(
            &file,
            format!("[{profile}]"),
            format!(
                "profile {profile:?} not found (ProfileNotFound); profiles in the file: {:?}",
                ini.sections()
            ),
        )
    })?;
    let get = |k: &str| {
        keys.get(k)
            .map(|e| e.value.clone())
            .filter(|v| !v.is_empty())
    };
    let need = |k: &str| {
        get(k).ok_or_else(|| Error::config_at(&file, k, "required key is missing or empty"))
    };
    let user = need("user")?;
    if !is_valid_ocid(&user) {
        return Err(Error::config_at(
            &file,
            "user",
            format!("{user:?} is not an OCID"),
        ));
    }
    let tenancy = need("tenancy")?;
    if !is_valid_ocid(&tenancy) {
        return Err(Error::config_at(
            &file,
            "tenancy",
            format!("{tenancy:?} is not an OCID"),
        ));
    }
    let fingerprint = need("fingerprint")?;
    if !is_valid_fingerprint(&fingerprint) {
        return Err(Error::config_at(
            &file,
            "fingerprint",
            format!("{fingerprint:?} is not 16 lower-case hex pairs separated by ':'"),
        ));
    }
    let key_file = resolve_path(&need("key_file")?, path);
    if !key_file.is_file() {
        return Err(Error::config_at(
            &file,
            "key_file",
            format!("{} does not exist (InvalidKeyFilePath)", key_file.display()),
        ));
    }
    let region = get("region")
        .or_else(|| std::env::var("OCI_REGION").ok())
        .ok_or_else(|| Error::config_at(&file, "region", "required key is missing or empty"))?;
    // A region names a host: `sa-saopaulo-1` or a short code (`gru`). Anything else (an
    // inline comment, a display name) would only fail later as a malformed URL.
    if region.trim().is_empty()
        || !region
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Error::config_at(
            &file,
            "region",
            format!(
                "{region:?} is not a region identifier (e.g. sa-saopaulo-1 or gru); \
                 inline comments are not allowed in OCI config files"
            ),
        ));
    }
    Ok(OciProfile {
        file: file.clone(),
        user,
        tenancy,
        fingerprint,
        key_file,
        pass_phrase: get("pass_phrase").map(Secret::new),
        region: canonical_region(&region),
        security_token_file: get("security_token_file").map(|v| resolve_path(&v, path)),
    })
}

/// Read the contract fields of `profile` in `ini`.
pub fn read_contract(ini: &Ini, profile: &str, default_name: &str) -> Result<Contract> {
    let file = ini.file().to_string();
    let keys = ini.section(profile).unwrap_or_default();
    let find = |field: &str| -> Option<(String, String)> {
        let names = CONTRACT_KEYS.iter().find(|(f, _)| *f == field)?.1;
        names.iter().find_map(|n| {
            keys.get(*n)
                .filter(|e| !e.value.is_empty())
                .map(|e| ((*n).to_string(), e.value.clone()))
        })
    };
    let need = |field: &str, names: &str| {
        find(field).ok_or_else(|| {
            Error::config_at(&file, names, "required contract key is missing or empty")
        })
    };
    let (k, v) = need("credit", "credito (or credit)")?;
    let credit = parse_credit(&v).map_err(|m| Error::config_at(&file, &k, m))?;
    let (k, v) = need("start", "inicio_contrato (or contract_start)")?;
    let start = parse_contract_date(&v).map_err(|m| Error::config_at(&file, &k, m))?;
    let (k, v) = need("end", "fim_contrato (or contract_end)")?;
    let end = parse_contract_date(&v).map_err(|m| Error::config_at(&file, &k, m))?;
    if end < start {
        return Err(Error::config_at(
            &file,
            &k,
            format!("contract end {end} is before its start {start}"),
        ));
    }
    let client = find("client")
        .map(|(_, v)| v)
        .unwrap_or_else(|| default_name.to_string());
    let currency = match find("currency") {
        Some((k, v)) => {
            Some(Currency::new(v.trim()).map_err(|e| Error::config_at(&file, &k, e.to_string()))?)
        }
        None => None,
    };
    Ok(Contract {
        client,
        credit,
        start,
        end,
        currency,
    })
}

/// Load one client file (`profile` defaults to `DEFAULT`).
pub fn load_client_file(path: &Path, profile: Option<&str>) -> Result<ClientConfig> {
    let text = finops_core::fs::read_text(path)?;
    load_client_text(path, &text, profile)
}

/// [`load_client_file`] on text already read from `path`.
fn load_client_text(path: &Path, text: &str, profile: Option<&str>) -> Result<ClientConfig> {
    let label = path.display().to_string();
    let ini = Ini::parse(text, &label)?;
    // A client file holds one client: with no `[DEFAULT]` section and a single profile
    // (`[CLIENTE_A]` copied from a multi-profile ~/.oci/config), that profile is the client.
    let single = match ini.sections().as_slice() {
        [only] if !ini.has_defaults() => Some((*only).to_string()),
        _ => None,
    };
    let profile = profile.or(single.as_deref()).unwrap_or(DEFAULT_SECTION);
    let default_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.strip_prefix("config_").unwrap_or(n).to_string())
        .unwrap_or_else(|| label.clone());
    let p = read_profile(&ini, profile, path)?;
    let contract = read_contract(&ini, profile, &default_name)?;
    Ok(ClientConfig {
        name: contract.client.clone(),
        file: path.to_path_buf(),
        profile: p,
        contract,
    })
}

/// One entry of a `config_*` directory: the file and its loaded config or the error.
#[derive(Debug)]
pub struct DirEntry {
    /// The file.
    pub file: PathBuf,
    /// Its client, or why it could not be loaded (other files are unaffected).
    pub client: Result<ClientConfig>,
}

/// Every file of `dir` whose name starts with `config_` is one client (OCI-01), in name
/// order (the shared directory loader [`finops_core::fs::load_dir`]). An unreadable
/// directory, or one without `config_*` files, is an error; a bad file is reported in its
/// entry.
pub fn load_config_dir(dir: &Path) -> Result<Vec<DirEntry>> {
    let files =
        finops_core::fs::load_dir(dir, &DirFilter::with_prefix("config_"), |path, text| {
            load_client_text(path, text, None)
        })?;
    Ok(files
        .into_iter()
        .map(|f| DirEntry {
            file: f.path,
            client: f.result,
        })
        .collect())
}

/// Configuration keys of [`OciBuilder::with_config`] and [`OciBuilder::from_env`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OciConfigKey {
    /// `OCI_CONFIG_FILE`: path of the config file.
    ConfigFile,
    /// `OCI_CLI_PROFILE`: profile name.
    Profile,
    /// `OCI_USER`: user OCID.
    User,
    /// `OCI_TENANCY`: tenancy OCID.
    Tenancy,
    /// `OCI_FINGERPRINT`: key fingerprint.
    Fingerprint,
    /// `OCI_KEY_FILE`: PEM private key path.
    KeyFile,
    /// `OCI_PASS_PHRASE`: pass phrase of an encrypted key.
    PassPhrase,
    /// `OCI_REGION`: region.
    Region,
    /// `OCI_USAGE_ENDPOINT`: replaces the Usage API scheme+host(+port).
    Endpoint,
}

impl OciConfigKey {
    /// The environment variable of the key.
    pub fn env_var(&self) -> &'static str {
        match self {
            OciConfigKey::ConfigFile => "OCI_CONFIG_FILE",
            OciConfigKey::Profile => "OCI_CLI_PROFILE",
            OciConfigKey::User => "OCI_USER",
            OciConfigKey::Tenancy => "OCI_TENANCY",
            OciConfigKey::Fingerprint => "OCI_FINGERPRINT",
            OciConfigKey::KeyFile => "OCI_KEY_FILE",
            OciConfigKey::PassPhrase => "OCI_PASS_PHRASE",
            OciConfigKey::Region => "OCI_REGION",
            OciConfigKey::Endpoint => "OCI_USAGE_ENDPOINT",
        }
    }

    const ALL: [OciConfigKey; 9] = [
        OciConfigKey::ConfigFile,
        OciConfigKey::Profile,
        OciConfigKey::User,
        OciConfigKey::Tenancy,
        OciConfigKey::Fingerprint,
        OciConfigKey::KeyFile,
        OciConfigKey::PassPhrase,
        OciConfigKey::Region,
        OciConfigKey::Endpoint,
    ];
}

impl FromStr for OciConfigKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        let lower = lower.strip_prefix("oci_").unwrap_or(&lower);
        Ok(match lower {
            "config_file" => OciConfigKey::ConfigFile,
            "profile" | "cli_profile" => OciConfigKey::Profile,
            "user" => OciConfigKey::User,
            "tenancy" => OciConfigKey::Tenancy,
            "fingerprint" => OciConfigKey::Fingerprint,
            "key_file" => OciConfigKey::KeyFile,
            "pass_phrase" => OciConfigKey::PassPhrase,
            "region" => OciConfigKey::Region,
            "endpoint" | "usage_endpoint" => OciConfigKey::Endpoint,
            _ => {
                return Err(Error::config(format!(
                    "{PROVIDER}: unknown configuration key {s:?}"
                )));
            }
        })
    }
}

/// Builds an [`OciClient`] from a config file, a `config_*` client file, the environment or
/// explicit values. [`OciBuilder::build`] is the only fallible call.
#[derive(Default)]
pub struct OciBuilder {
    values: BTreeMap<OciConfigKey, String>,
    pass_phrase: Option<Secret>,
    client_file: Option<PathBuf>,
    client: ClientOptions,
    options: UsageApiOptions,
    name: Option<String>,
}

impl std::fmt::Debug for OciBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciBuilder")
            .field("values", &self.values)
            .field("pass_phrase", &self.pass_phrase)
            .field("client_file", &self.client_file)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl OciBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder seeded from `OCI_*` environment variables (see [`OciConfigKey::env_var`]).
    pub fn from_env() -> Self {
        let mut b = Self::new();
        for k in OciConfigKey::ALL {
            if let Ok(v) = std::env::var(k.env_var()) {
                b = b.with_config(k, v);
            }
        }
        b
    }

    /// Set any key.
    pub fn with_config(mut self, key: OciConfigKey, value: impl Into<String>) -> Self {
        let value = value.into();
        match key {
            OciConfigKey::PassPhrase => self.pass_phrase = Some(Secret::new(value)),
            OciConfigKey::Endpoint => self.client = self.client.with_endpoint(value),
            _ => {
                self.values.insert(key, value);
            }
        }
        self
    }

    /// Standard OCI config file (default `~/.oci/config`).
    pub fn with_config_file(self, path: impl AsRef<Path>) -> Self {
        let p = path.as_ref().display().to_string();
        self.with_config(OciConfigKey::ConfigFile, p)
    }

    /// Profile of the config file (default `DEFAULT`).
    pub fn with_profile(self, profile: impl Into<String>) -> Self {
        self.with_config(OciConfigKey::Profile, profile)
    }

    /// A `config_*` client file (standard keys + contract fields).
    pub fn with_client_file(mut self, path: impl AsRef<Path>) -> Self {
        self.client_file = Some(path.as_ref().to_path_buf());
        self
    }

    /// Replace the Usage API scheme+host(+port); the `/20200107` prefix is kept.
    pub fn with_endpoint(self, url: impl Into<String>) -> Self {
        self.with_config(OciConfigKey::Endpoint, url)
    }

    /// Clock used to sign requests (default: the system clock).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.client = self.client.with_clock(clock);
        self
    }

    /// Retry policy of the shared HTTP layer.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.client = self.client.with_retry(retry);
        self
    }

    /// Longest one HTTP attempt may take (default 60 s, the SDK's read timeout).
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.client = self.client.with_timeout(timeout);
        self
    }

    /// Connect timeout of one attempt (default 5 s).
    pub fn with_connect_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.client = self.client.with_connect_timeout(timeout);
        self
    }

    /// Space the calls of this credential (none by default: the Usage API answers 429 when
    /// it wants a slower pace, and the shared loop honours it).
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.client = self.client.with_rate_limit(per_second, burst);
        self
    }

    /// Every client setting at once (overlaid on those already set: what `options` gives
    /// wins). Its `endpoint` replaces the Usage API scheme+host(+port).
    pub fn with_client_options(mut self, options: &ClientOptions) -> Self {
        self.client = self.client.merged_with(options);
        self
    }

    /// Usage API query options (page size, chunking, groupBy).
    pub fn with_usage_options(mut self, options: UsageApiOptions) -> Self {
        self.options = options;
        self
    }

    /// Display label of the client.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    fn resolve_profile(&self) -> Result<OciProfile> {
        if let Some(f) = &self.client_file {
            return Ok(load_client_file(
                f,
                self.values.get(&OciConfigKey::Profile).map(String::as_str),
            )?
            .profile);
        }
        let explicit = [
            OciConfigKey::User,
            OciConfigKey::Tenancy,
            OciConfigKey::Fingerprint,
            OciConfigKey::KeyFile,
        ]
        .iter()
        .all(|k| self.values.contains_key(k));
        if explicit {
            let v = |k| self.values.get(&k).cloned().unwrap_or_default();
            let mut text = String::from("[DEFAULT]\n");
            for (k, name) in [
                (OciConfigKey::User, "user"),
                (OciConfigKey::Tenancy, "tenancy"),
                (OciConfigKey::Fingerprint, "fingerprint"),
                (OciConfigKey::KeyFile, "key_file"),
                (OciConfigKey::Region, "region"),
            ] {
                text.push_str(&format!("{name}={}\n", v(k)));
            }
            let ini = Ini::parse(&text, "<builder>")?;
            let mut p = read_profile(&ini, DEFAULT_SECTION, Path::new("."))?;
            p.pass_phrase = self.pass_phrase.clone();
            return Ok(p);
        }
        let path = match self.values.get(&OciConfigKey::ConfigFile) {
            Some(p) => expand_tilde(p),
            None => {
                let default = expand_tilde("~/.oci/config");
                if default.is_file() {
                    default
                } else {
                    expand_tilde("~/.oraclebmc/config")
                }
            }
        };
        let ini = Ini::read(&path)?;
        let profile = self
            .values
            .get(&OciConfigKey::Profile)
            .map(String::as_str)
            .unwrap_or(DEFAULT_SECTION);
        let mut p = read_profile(&ini, profile, &path)?;
        if self.pass_phrase.is_some() {
            p.pass_phrase = self.pass_phrase.clone();
        }
        Ok(p)
    }

    /// Load the key, check its fingerprint, and build the client.
    pub fn build(self) -> Result<OciClient> {
        let profile = self.resolve_profile()?;
        let credential = credential_for(&profile)?;
        let endpoint = self
            .client
            .endpoint
            .clone()
            .unwrap_or_else(|| usage_api_endpoint(&profile.region));
        let name = self.name.clone().unwrap_or_else(|| profile.tenancy.clone());
        let mut client = self.client.clone();
        client.redactions.extend(profile.pass_phrase.clone());
        OciClient::new(
            name,
            profile.tenancy.clone(),
            credential,
            &endpoint,
            &client,
            self.options.clone(),
        )
    }
}

/// Load the key of `profile`, check it against the configured fingerprint, and build the
/// credential (a session token, when configured, replaces the keyId with `ST$<token>`).
pub fn credential_for(profile: &OciProfile) -> Result<OciCredential> {
    let key = OciPrivateKey::from_file(&profile.key_file, profile.pass_phrase.as_ref())
        .map_err(|e| Error::config_at(&profile.file, "key_file", e.to_string()))?;
    key.check_fingerprint(
        &profile.fingerprint,
        &profile.key_file.display().to_string(),
    )
    .map_err(|e| Error::config_at(&profile.file, "fingerprint", e.to_string()))?;
    match &profile.security_token_file {
        Some(f) => {
            let token = std::fs::read_to_string(f).map_err(|e| {
                Error::config_at(
                    &profile.file,
                    "security_token_file",
                    format!("cannot read {}: {e}", f.display()),
                )
            })?;
            Ok(OciCredential::with_key_id(
                format!("ST${}", token.trim()),
                key,
            ))
        }
        None => Ok(OciCredential::new(&profile.tenancy, &profile.user, key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../tests/data/oci_config_example.ini");

    #[test]
    fn parses_the_sdk_example_with_default_inheritance() {
        let ini = IniFile::parse(EXAMPLE, "example").unwrap();
        // File order, as configparser's `sections()`.
        assert_eq!(ini.sections(), vec!["FRANKFURT", "ENCRYPTED", "SESSION"]);
        let f = ini.section("FRANKFURT").unwrap();
        assert_eq!(f["region"].value, "eu-frankfurt-1");
        assert!(f["user"].value.starts_with("ocid1.user"));
        // Key names are case-insensitive (`Region = ap-tokyo-1`).
        assert_eq!(
            ini.section("SESSION").unwrap()["region"].value,
            "ap-tokyo-1"
        );
        assert_eq!(
            ini.section("ENCRYPTED").unwrap()["pass_phrase"].value,
            "example-pass-phrase"
        );
        assert!(ini.section("NOPE").is_none());
    }

    #[test]
    fn a_byte_order_mark_does_not_break_the_first_section() {
        let ini = IniFile::parse("\u{feff}[DEFAULT]\r\nuser=u\r\n", "bom").unwrap();
        assert_eq!(ini.section("DEFAULT").unwrap()["user"].value, "u");
    }

    #[test]
    fn region_endpoints() {
        assert_eq!(
            usage_api_endpoint("us-ashburn-1"),
            "https://usageapi.us-ashburn-1.oci.oraclecloud.com"
        );
        assert_eq!(
            usage_api_endpoint("gru"),
            "https://usageapi.sa-saopaulo-1.oci.oraclecloud.com"
        );
        assert_eq!(
            usage_api_endpoint("us-gov-ashburn-1"),
            "https://usageapi.us-gov-ashburn-1.oci.oraclegovcloud.com"
        );
        assert_eq!(
            usage_api_endpoint("uk-gov-london-1"),
            "https://usageapi.uk-gov-london-1.oci.oraclegovcloud.uk"
        );
        assert_eq!(
            usage_api_endpoint("eu-frankfurt-2"),
            "https://usageapi.eu-frankfurt-2.oci.oraclecloud.eu"
        );
        assert_eq!(
            usage_api_endpoint("me-dcc-muscat-1"),
            "https://usageapi.me-dcc-muscat-1.oci.oraclecloud9.com"
        );
        assert_eq!(realm_domain("oc20"), "oraclecloud20.com");
        assert_eq!(
            usage_api_endpoint("xx-unknown-1"),
            "https://usageapi.xx-unknown-1.oci.oraclecloud.com"
        );
    }

    #[test]
    fn ocid_and_values() {
        assert!(is_valid_ocid(
            "ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq"
        ));
        assert!(!is_valid_ocid("tenancy"));
        assert!(!is_valid_ocid("ocid1.tenancy.oc1..a b"));
        assert_eq!(
            parse_credit("150000.00").unwrap(),
            Decimal::new(15000000, 2)
        );
        assert_eq!(parse_credit("1500,50").unwrap(), Decimal::new(150050, 2));
        assert!(parse_credit("1.500,00").is_err());
        assert!(parse_credit("-1").is_err());
        assert!(parse_credit("99999999999999999999999999").is_err());
        assert_eq!(
            parse_contract_date("15/06/2026").unwrap(),
            NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
        );
        assert!(parse_contract_date("2026-13-01").is_err());
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn client_file_errors_name_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/client_a_pkcs1.pem");
        let base = format!(
            "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\ntenancy=ocid1.tenancy.oc1..aaaa\nfingerprint=a5:bd:fd:be:f6:bf:c3:06:09:21:98:02:0c:a3:87:f2\nkey_file={}\nregion=gru\n",
            key.display()
        );
        let ok = write(
            dir.path(),
            "config_ok",
            &format!(
                "{base}credito=1000\ninicio_contrato=2026-01-01\nfim_contrato=2026-12-31\ncliente=Cliente OK\n"
            ),
        );
        let c = load_client_file(&ok, None).unwrap();
        assert_eq!(c.name, "Cliente OK");
        assert_eq!(c.profile.region, "sa-saopaulo-1");
        assert_eq!(c.contract.credit, Decimal::from(1000));
        credential_for(&c.profile).unwrap();

        let english = write(
            dir.path(),
            "config_en",
            &format!(
                "{base}Credit=2000.5\ncontract_start=2026-01-01\ncontract_end=2026-12-31\ncurrency=EUR\n"
            ),
        );
        let c = load_client_file(&english, None).unwrap();
        assert_eq!(c.name, "en");
        assert_eq!(c.contract.currency, Some(Currency::new("EUR").unwrap()));

        // One named profile and no [DEFAULT]: that profile is the client.
        let named = write(
            dir.path(),
            "config_named",
            &format!(
                "{}credito=10\ninicio_contrato=2026-01-01\nfim_contrato=2026-12-31\n",
                base.replace("[DEFAULT]", "[CLIENTE_X]")
            ),
        );
        let c = load_client_file(&named, None).unwrap();
        assert_eq!(c.contract.credit, Decimal::from(10));

        // A region with an inline comment is refused naming the key, not as a bad URL later.
        let commented = write(
            dir.path(),
            "config_region",
            &format!(
                "{}credito=10\ninicio_contrato=2026-01-01\nfim_contrato=2026-12-31\n",
                base.replace("region=gru", "region=gru # Sao Paulo")
            ),
        );
        let e = load_client_file(&commented, None).unwrap_err().to_string();
        assert!(e.contains("config_region") && e.contains("region"), "{e}");

        let bad_date = write(
            dir.path(),
            "config_bad",
            &format!("{base}credito=1000\ninicio_contrato=2026-01-01\nfim_contrato=31-12-2026\n"),
        );
        let e = load_client_file(&bad_date, None).unwrap_err().to_string();
        assert!(
            e.contains("config_bad") && e.contains("fim_contrato"),
            "{e}"
        );

        let missing = write(
            dir.path(),
            "config_missing",
            &format!("{base}credito=1000\n"),
        );
        let e = load_client_file(&missing, None).unwrap_err().to_string();
        assert!(
            e.contains("config_missing") && e.contains("inicio_contrato"),
            "{e}"
        );

        let no_key = write(
            dir.path(),
            "config_nokey",
            &base.replace(&key.display().to_string(), "nothere.pem"),
        );
        let e = load_client_file(&no_key, None).unwrap_err().to_string();
        assert!(e.contains("key_file") && e.contains("nothere.pem"), "{e}");

        let wrong_fp = write(
            dir.path(),
            "config_fp",
            &format!(
                "{}credito=1\ninicio_contrato=2026-01-01\nfim_contrato=2026-01-02\n",
                base.replace("a5:bd", "00:bd")
            ),
        );
        let c = load_client_file(&wrong_fp, None).unwrap();
        let e = credential_for(&c.profile).unwrap_err().to_string();
        assert!(
            e.contains("config_fp") && e.contains("fingerprint") && e.contains("a5:bd"),
            "{e}"
        );

        let entries = load_config_dir(dir.path()).unwrap();
        assert_eq!(entries.len(), 8);
        assert!(entries.iter().filter(|e| e.client.is_ok()).count() == 4);
        let empty = tempfile::tempdir().unwrap();
        assert!(load_config_dir(empty.path()).is_err());
    }

    #[test]
    fn standard_config_file_profile_and_session_token() {
        let dir = tempfile::tempdir().unwrap();
        let key =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/client_c_encrypted_pkcs8.pem");
        std::fs::copy(&key, dir.path().join("k.pem")).unwrap();
        std::fs::write(dir.path().join("token"), "TOKEN123\n").unwrap();
        let cfg = write(
            dir.path(),
            "config",
            "[DEFAULT]\nuser=ocid1.user.oc1..u\ntenancy=ocid1.tenancy.oc1..t\nfingerprint=8a:d6:fa:b2:8f:a7:42:31:42:01:2f:d4:23:e9:41:0a\nkey_file=k.pem\npass_phrase=test-pass-phrase\nregion=us-ashburn-1\n\n[FRA]\nregion=fra\n\n[SESSION]\nsecurity_token_file=token\n",
        );
        let c = OciBuilder::new()
            .with_config_file(&cfg)
            .with_profile("FRA")
            .build()
            .unwrap();
        assert_eq!(
            c.usage_url().as_str(),
            "https://usageapi.eu-frankfurt-1.oci.oraclecloud.com/20200107/usage"
        );
        let ini = IniFile::parse(&std::fs::read_to_string(&cfg).unwrap(), "config").unwrap();
        let p = read_profile(&ini, "SESSION", &cfg).unwrap();
        assert_eq!(credential_for(&p).unwrap().key_id(), "ST$TOKEN123");
        let e = OciBuilder::new()
            .with_config_file(&cfg)
            .with_profile("NOPE")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ProfileNotFound"), "{e}");
        // Explicit values; the pass phrase is required for this key.
        let e = OciBuilder::new()
            .with_config(OciConfigKey::User, "ocid1.user.oc1..u")
            .with_config(OciConfigKey::Tenancy, "ocid1.tenancy.oc1..t")
            .with_config(
                OciConfigKey::Fingerprint,
                "8a:d6:fa:b2:8f:a7:42:31:42:01:2f:d4:23:e9:41:0a",
            )
            .with_config(OciConfigKey::KeyFile, key.display().to_string())
            .with_config(OciConfigKey::Region, "iad")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("pass_phrase"), "{e}");
        let ok = OciBuilder::new()
            .with_config(OciConfigKey::User, "ocid1.user.oc1..u")
            .with_config(OciConfigKey::Tenancy, "ocid1.tenancy.oc1..t")
            .with_config(
                OciConfigKey::Fingerprint,
                "8a:d6:fa:b2:8f:a7:42:31:42:01:2f:d4:23:e9:41:0a",
            )
            .with_config(OciConfigKey::KeyFile, key.display().to_string())
            .with_config(OciConfigKey::PassPhrase, "test-pass-phrase")
            .with_config(OciConfigKey::Region, "iad")
            .with_endpoint("http://127.0.0.1:9")
            .build()
            .unwrap();
        assert_eq!(ok.usage_url().as_str(), "http://127.0.0.1:9/20200107/usage");
    }

    proptest::proptest! {
        #[test]
        fn ini_parser_never_panics(text in "[ -~\n\t\r]{0,300}") {
            let _ = IniFile::parse(&text, "fuzz");
        }

        /// Random, huge, negative and malformed credits in a client file: a bounded credit
        /// or an error naming the file and key, never a panic.
        #[test]
        fn contract_numbers_never_panic(v in "-?[0-9]{0,40}([.,][0-9]{0,40})?([eE][-+]?[0-9]{1,6})?|[-+ ,._0-9eE%a-z]{0,24}") {
            let text = format!("[DEFAULT]\ncredito={v}\ninicio_contrato=2026-01-01\nfim_contrato=2026-12-31\n");
            if let Ok(ini) = IniFile::parse(&text, "config_fuzz") {
                match read_contract(&ini, "DEFAULT", "fuzz") {
                    Ok(c) => proptest::prop_assert!(
                        c.credit >= Decimal::ZERO && c.credit < Decimal::from(1_000_000_000_000_000_i64)
                    ),
                    Err(e) => proptest::prop_assert!(e.to_string().contains("config_fuzz"), "{}", e),
                }
            }
            let _ = parse_credit(&v);
        }
    }

    #[test]
    fn config_keys_parse() {
        assert_eq!(
            "OCI_REGION".parse::<OciConfigKey>().unwrap(),
            OciConfigKey::Region
        );
        assert!("bogus".parse::<OciConfigKey>().is_err());
        let b = OciBuilder::new().with_config(OciConfigKey::PassPhrase, "hunter2");
        assert!(!format!("{b:?}").contains("hunter2"));
    }
}
