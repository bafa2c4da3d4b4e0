//! OCI config files (parity OCI-01, OCI-02): the standard OCI config file, the contract fields
//! of the original script (seed 001), and the `config_*` directory loader.
//!
//! The config file is INI without interpolation, read by the shared configparser-compatible
//! reader ([`finops_core::ini`]) as the SDK's `configparser` reads it: `[DEFAULT]` values are
//! inherited by every profile, key names are case-insensitive, `#` and `;` start comment lines,
//! `key=value` and `key: value` both work, indented lines continue a value. `key_file` is
//! resolved relative to the config file's directory after `~` expansion.
//!
//! Loading a config reads small text files and checks that `key_file` exists; the key itself
//! is read and decrypted by [`crate::OciCredential::from_profile`].

use crate::error::OciError;
use crate::region::canonical_region;
use chrono::NaiveDate;
use finops_core::fs::DirFilter;
use finops_core::ini::{DEFAULT_SECTION, Ini};
use finops_core::{Currency, Result, Secret};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// The parsed config file: the shared configparser-compatible reader
/// ([`finops_core::ini::Ini`]).
pub type IniFile = Ini;

/// The contract fields of a client file (seed 001), Portuguese keys or English aliases.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
pub(crate) fn expand_tilde(p: &str) -> PathBuf {
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

/// Whether a configured fingerprint has the SDK's shape (`^([0-9a-f]{2}:){15}[0-9a-f]{2}$`).
pub fn is_valid_fingerprint(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 16
        && parts.iter().all(|p| {
            p.len() == 2
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
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
    Ok(profile_of(ini, profile, path)?)
}

fn profile_of(ini: &Ini, profile: &str, path: &Path) -> std::result::Result<OciProfile, OciError> {
    let file = ini.file().to_string();
    let keys = ini.section(profile).ok_or_else(|| {
        OciError::config(
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
        get(k).ok_or_else(|| OciError::config(&file, k, "required key is missing or empty"))
    };
    // A required key whose value must pass `valid` (`what` says what it is not).
    let checked = |k: &str, valid: fn(&str) -> bool, what: &str| {
        let v = need(k)?;
        if valid(&v) {
            Ok(v)
        } else {
            Err(OciError::config(&file, k, format!("{v:?} {what}")))
        }
    };
    let user = checked("user", is_valid_ocid, "is not an OCID")?;
    let tenancy = checked("tenancy", is_valid_ocid, "is not an OCID")?;
    let fingerprint = checked(
        "fingerprint",
        is_valid_fingerprint,
        "is not 16 lower-case hex pairs separated by ':'",
    )?;
    let key_file = resolve_path(&need("key_file")?, path);
    if !key_file.is_file() {
        return Err(OciError::config(
            &file,
            "key_file",
            format!("{} does not exist (InvalidKeyFilePath)", key_file.display()),
        ));
    }
    let region = get("region")
        .or_else(|| std::env::var("OCI_REGION").ok())
        .ok_or_else(|| OciError::config(&file, "region", "required key is missing or empty"))?;
    // A region names a host: `sa-saopaulo-1` or a short code (`gru`). Anything else (an
    // inline comment, a display name) would only fail later as a malformed URL.
    if !is_region_identifier(&region) {
        return Err(OciError::config(
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

/// Whether `region` can name a host: letters, digits and `-` (`sa-saopaulo-1`, `gru`).
fn is_region_identifier(region: &str) -> bool {
    let r = region.trim();
    !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Read the contract fields of `profile` in `ini`.
pub fn read_contract(ini: &Ini, profile: &str, default_name: &str) -> Result<Contract> {
    Ok(contract_of(ini, profile, default_name)?)
}

fn contract_of(
    ini: &Ini,
    profile: &str,
    default_name: &str,
) -> std::result::Result<Contract, OciError> {
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
            OciError::config(&file, names, "required contract key is missing or empty")
        })
    };
    let (k, v) = need("credit", "credito (or credit)")?;
    let credit = parse_credit(&v).map_err(|m| OciError::config(&file, &k, m))?;
    let (k, v) = need("start", "inicio_contrato (or contract_start)")?;
    let start = parse_contract_date(&v).map_err(|m| OciError::config(&file, &k, m))?;
    let (k, v) = need("end", "fim_contrato (or contract_end)")?;
    let end = parse_contract_date(&v).map_err(|m| OciError::config(&file, &k, m))?;
    if end < start {
        return Err(OciError::config(
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
            Some(Currency::new(v.trim()).map_err(|e| OciError::config(&file, &k, e.to_string()))?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OciCredential;

    const EXAMPLE: &str = include_str!("../tests/data/oci_config_example.ini");

    #[test]
    fn parses_the_sdk_example_with_default_inheritance() {
        let ini = Ini::parse(EXAMPLE, "example").unwrap();
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
        let ini = Ini::parse("\u{feff}[DEFAULT]\r\nuser=u\r\n", "bom").unwrap();
        assert_eq!(ini.section("DEFAULT").unwrap()["user"].value, "u");
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
        OciCredential::from_profile(&c.profile).unwrap();

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
        let e = OciCredential::from_profile(&c.profile)
            .unwrap_err()
            .to_string();
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

    proptest::proptest! {
        #[test]
        fn ini_parser_never_panics(text in "[ -~\n\t\r]{0,300}") {
            let _ = Ini::parse(&text, "fuzz");
        }

        /// Random, huge, negative and malformed credits in a client file: a bounded credit
        /// or an error naming the file and key, never a panic.
        #[test]
        fn contract_numbers_never_panic(v in "-?[0-9]{0,40}([.,][0-9]{0,40})?([eE][-+]?[0-9]{1,6})?|[-+ ,._0-9eE%a-z]{0,24}") {
            let text = format!("[DEFAULT]\ncredito={v}\ninicio_contrato=2026-01-01\nfim_contrato=2026-12-31\n");
            if let Ok(ini) = Ini::parse(&text, "config_fuzz") {
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
}
