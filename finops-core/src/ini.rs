//! A configparser-compatible INI reader: the credential files of python-ovh and the OCI SDK
//! are both read by Python's `configparser` (`RawConfigParser()` / `ConfigParser(interpolation=None)`),
//! so both adapters read them with the same rules:
//!
//! - `[section]` headers (names are case-sensitive and trimmed); values of `[DEFAULT]` are
//!   inherited by every section ([`Ini::section`], [`Ini::get`]);
//! - `key = value` or `key: value`, split at the first `=` or `:`; key and value trimmed;
//!   key names are case-insensitive (stored lower-case, configparser's `optionxform`);
//! - a line indented deeper than its key's line continues the value (joined with `\n`);
//!   blank lines inside a continued value are kept, trailing ones dropped;
//! - lines starting with `#` or `;` (after indentation) are comments, also inside a continued
//!   value; there are no inline comments (`a = b # c` is the value `b # c`);
//! - a UTF-8 byte-order mark at the start is skipped; `\r\n` line ends are fine;
//! - no interpolation (`%` is literal) and no quote stripping (`"x"` is the value `"x"`);
//! - errors name the file and the line: a key before any section header, a line that is
//!   neither a header nor `key=value`, an empty key, a section or key given twice (configparser's
//!   `strict` mode), text that is not UTF-8.

use crate::error::Location;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The section whose values every other section inherits.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// One value and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    /// The value (continuation lines joined with `\n`).
    pub value: String,
    /// 1-based line of its `key=value` line.
    pub line: u64,
}

/// The keys of one section: lower-case key → entry.
pub type IniSection = BTreeMap<String, IniEntry>;

/// A parsed INI file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    file: String,
    defaults: Option<IniSection>,
    /// Sections other than `DEFAULT`, in file order.
    sections: Vec<(String, IniSection)>,
}

impl Ini {
    /// Read and parse `path` (UTF-8; the path names the file in errors).
    pub fn read(path: &Path) -> Result<Ini> {
        let text = crate::fs::read_text(path)?;
        Ini::parse(&text, &path.display().to_string())
    }

    /// Parse INI text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Ini> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut ini = Ini {
            file: file.to_string(),
            ..Ini::default()
        };
        // Where key/value lines go: None before the first header; Some(None) = DEFAULT.
        let mut current: Option<Option<usize>> = None;
        // The key being continued and the indentation of its line.
        let mut open: Option<(String, usize)> = None;
        let mut blank_run = 0usize;
        let mut seen_sections: Vec<&str> = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line_no = i as u64 + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let trimmed = line.trim();
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if trimmed.is_empty() {
                if open.is_some() {
                    blank_run += 1;
                }
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if let (Some((key, key_indent)), Some(sec)) = (&open, current)
                && indent > *key_indent
            {
                let entry = ini.section_mut(sec).get_mut(key);
                if let Some(e) = entry {
                    for _ in 0..blank_run {
                        e.value.push('\n');
                    }
                    e.value.push('\n');
                    e.value.push_str(trimmed);
                }
                blank_run = 0;
                continue;
            }
            blank_run = 0;
            open = None;
            let bad = |message: String| Error::Parse {
                location: Location {
                    file: file.to_string(),
                    line: Some(line_no),
                    column: None,
                },
                message,
            };
            if let Some(rest) = trimmed.strip_prefix('[') {
                let name = rest
                    .strip_suffix(']')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| bad(format!("bad section header {trimmed:?}")))?;
                // configparser (strict) refuses a repeated section, except DEFAULT.
                if name != DEFAULT_SECTION {
                    if seen_sections.contains(&name) {
                        return Err(bad(format!("section [{name}] appears twice")));
                    }
                    seen_sections.push(name);
                }
                current = Some(if name == DEFAULT_SECTION {
                    ini.defaults.get_or_insert_with(IniSection::new);
                    None
                } else {
                    ini.sections.push((name.to_string(), IniSection::new()));
                    Some(ini.sections.len() - 1)
                });
                continue;
            }
            let Some(sec) = current else {
                return Err(bad(format!(
                    "{trimmed:?} comes before any [section] header"
                )));
            };
            let sep = trimmed
                .find(['=', ':'])
                .ok_or_else(|| bad(format!("expected `key = value`, found {trimmed:?}")))?;
            let key = trimmed[..sep].trim().to_lowercase();
            if key.is_empty() {
                return Err(bad(format!("empty key name in {trimmed:?}")));
            }
            let value = trimmed[sep + 1..].trim().to_string();
            let section = ini.section_mut(sec);
            if let Some(first) = section.get(&key) {
                return Err(bad(format!(
                    "key {key:?} is given twice in this section (first on line {})",
                    first.line
                )));
            }
            section.insert(
                key.clone(),
                IniEntry {
                    value,
                    line: line_no,
                },
            );
            open = Some((key, indent));
        }
        Ok(ini)
    }

    fn section_mut(&mut self, sec: Option<usize>) -> &mut IniSection {
        match sec {
            None => self.defaults.get_or_insert_with(IniSection::new),
            Some(i) => &mut self.sections[i].1,
        }
    }

    /// The file label given to [`Ini::parse`].
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Names of the sections other than `DEFAULT`, in file order.
    pub fn sections(&self) -> Vec<&str> {
        self.sections.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Whether the file has a `[DEFAULT]` section.
    pub fn has_defaults(&self) -> bool {
        self.defaults.is_some()
    }

    /// The name of the section equal to `name` ignoring ASCII case (`DEFAULT` included).
    pub fn find_section(&self, name: &str) -> Option<&str> {
        if self.defaults.is_some() && name.eq_ignore_ascii_case(DEFAULT_SECTION) {
            return Some(DEFAULT_SECTION);
        }
        self.sections
            .iter()
            .map(|(n, _)| n.as_str())
            .find(|n| n.eq_ignore_ascii_case(name))
    }

    /// The keys of `name` with the `DEFAULT` values it inherits (`None` when there is no
    /// such section; `DEFAULT` itself gives the defaults when the file has them).
    pub fn section(&self, name: &str) -> Option<IniSection> {
        if name == DEFAULT_SECTION {
            return self.defaults.clone();
        }
        let own = &self.sections.iter().find(|(n, _)| n == name)?.1;
        let mut out = self.defaults.clone().unwrap_or_default();
        out.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        Some(out)
    }

    /// The entry of `key` (any case) in `section`, or inherited from `DEFAULT`.
    pub fn entry(&self, section: &str, key: &str) -> Option<&IniEntry> {
        let key = key.to_lowercase();
        let own = if section == DEFAULT_SECTION {
            None
        } else {
            self.sections
                .iter()
                .find(|(n, _)| n == section)
                .and_then(|(_, s)| s.get(&key))
        };
        own.or_else(|| self.defaults.as_ref().and_then(|d| d.get(&key)))
    }

    /// The value of `key` (any case) in `section`, or inherited from `DEFAULT`.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.entry(section, key).map(|e| e.value.as_str())
    }

    /// A configuration error at `section`/`key` of this file, on the key's line when known.
    pub fn error_at(&self, section: &str, key: &str, message: impl Into<String>) -> Error {
        Error::Config {
            location: Some(Location {
                file: self.file.clone(),
                line: self.entry(section, key).map(|e| e.line),
                column: Some(key.to_string()),
            }),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDK_EXAMPLE: &str = "\
[DEFAULT]
user=ocid1.user.oc1..aaaa
fingerprint=20:3b:97:13
key_file=~/.oci/oci_api_key.pem
tenancy=ocid1.tenancy.oc1..bbbb
region=us-ashburn-1

[ADMIN_USER]
user=ocid1.user.oc1..cccc
Region: eu-frankfurt-1
pass_phrase = a=b:c
";

    #[test]
    fn default_inheritance_and_case_insensitive_keys() {
        let ini = Ini::parse(SDK_EXAMPLE, "config").unwrap();
        assert_eq!(ini.sections(), vec!["ADMIN_USER"]);
        assert!(ini.has_defaults());
        let a = ini.section("ADMIN_USER").unwrap();
        assert_eq!(a["user"].value, "ocid1.user.oc1..cccc");
        assert_eq!(a["region"].value, "eu-frankfurt-1");
        assert_eq!(a["tenancy"].value, "ocid1.tenancy.oc1..bbbb");
        // Split at the first `=` or `:`.
        assert_eq!(a["pass_phrase"].value, "a=b:c");
        assert_eq!(ini.get("ADMIN_USER", "REGION"), Some("eu-frankfurt-1"));
        assert_eq!(ini.get("DEFAULT", "region"), Some("us-ashburn-1"));
        assert_eq!(ini.entry("ADMIN_USER", "region").unwrap().line, 10);
        assert!(
            ini.section("admin_user").is_none(),
            "section names keep their case"
        );
        assert_eq!(ini.find_section("admin_user"), Some("ADMIN_USER"));
        assert_eq!(ini.find_section("default"), Some("DEFAULT"));
        assert!(ini.section("NOPE").is_none());
        assert!(
            Ini::parse("[A]\nx=1\n", "f")
                .unwrap()
                .section("DEFAULT")
                .is_none()
        );
    }

    #[test]
    fn continuation_comments_bom_and_crlf() {
        let ini = Ini::parse(
            "\u{feff}[s]\r\nkey = first\r\n  second\r\n\r\n  # a comment\r\n  third\r\n\r\nother=x # not a comment\r\n; comment\r\nempty=\r\n",
            "f",
        )
        .unwrap();
        assert_eq!(ini.get("s", "key"), Some("first\nsecond\n\nthird"));
        assert_eq!(ini.get("s", "other"), Some("x # not a comment"));
        assert_eq!(ini.get("s", "empty"), Some(""));
        // Quotes and percent signs are kept as written.
        let ini = Ini::parse("[s]\na=\"q\"\nb=100%\n", "f").unwrap();
        assert_eq!(ini.get("s", "a"), Some("\"q\""));
        assert_eq!(ini.get("s", "b"), Some("100%"));
        // An indented key line after a header is an ordinary key.
        let ini = Ini::parse("[s]\n  a=1\n  b=2\n", "f").unwrap();
        assert_eq!(
            (ini.get("s", "a"), ini.get("s", "b")),
            (Some("1"), Some("2"))
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        for (text, line, what) in [
            ("key=before\n[s]\n", 1, "before any [section]"),
            ("[s]\nnonsense\n", 2, "expected `key = value`"),
            ("[s]\n=x\n", 2, "empty key"),
            ("[s\n", 1, "bad section header"),
            ("[s]\na=1\n[s]\n", 3, "twice"),
            ("[s]\na=1\nA=2\n", 3, "twice"),
        ] {
            let e = Ini::parse(text, "creds.ini").unwrap_err().to_string();
            assert!(
                e.contains(&format!("creds.ini:{line}")) && e.contains(what),
                "{text:?}: {e}"
            );
        }
        let ini = Ini::parse("[s]\nregion=x\n", "c").unwrap();
        let e = ini.error_at("s", "region", "bad").to_string();
        assert!(e.contains("c:2") && e.contains("region"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "[ -~\n\t\r\u{feff}é]{0,300}") {
            let _ = Ini::parse(&text, "fuzz");
        }
    }
}
