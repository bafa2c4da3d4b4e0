//! Tests of the config parser and checker.

use super::ctx::url_with_password;
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

#[test]
fn the_commented_example_parses() {
    let text = include_str!("../../../finops.toml");
    let cfg = parse_str(text).unwrap_or_else(|p| panic!("{p}"));
    let ids: Vec<&str> = cfg.sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["ovh", "oci", "azure", "arcgis"]);
    assert!(cfg.email.is_some() && cfg.schedule.is_some());
    assert_eq!(cfg.budgets.len(), 1);
}
