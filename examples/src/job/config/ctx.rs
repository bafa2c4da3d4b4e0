//! Problem collection with positions, and the value checks shared by every section.

use super::raw::*;
use super::*;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Collects problems with positions.
pub(super) struct Ctx<'a> {
    pub(super) text: &'a str,
    pub(super) problems: Vec<Problem>,
}

impl Ctx<'_> {
    pub(super) fn pos(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
            + 1;
        (line, col)
    }

    pub(super) fn at(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        let (line, column) = self.pos(span.start);
        self.problems.push(Problem {
            line,
            column,
            message: message.into(),
        });
    }

    pub(super) fn line_of(&self, span: &std::ops::Range<usize>) -> usize {
        self.pos(span.start).0
    }
}

pub(super) fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lname = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (strsim(&lname, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance (short key names only).
pub(super) fn strsim(a: &str, b: &str) -> usize {
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

pub(super) fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if k.ends_with("_env") || k.ends_with("_file") {
        return false;
    }
    SECRET_KEYS.contains(&k.as_str()) || k.ends_with("password") || k.ends_with("_secret")
}

/// `scheme://user:password@host`: a URL carrying a password.
pub(super) fn url_with_password(s: &str) -> bool {
    let Some((_, rest)) = s.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

/// Refuse inline secrets anywhere in `table` (recursively); the refused keys are removed.
pub(super) fn refuse_inline_secrets(ctx: &mut Ctx<'_>, table: &mut DeTable<'_>, path: &str) {
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
pub(super) fn deserialize_collecting<T: for<'de> Deserialize<'de> + Default>(
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

pub(super) fn str_of(v: &S<String>) -> Option<&str> {
    v.as_ref().map(|s| s.get_ref().as_str())
}

pub(super) fn line_of_span<T>(ctx: &Ctx<'_>, v: &Spanned<T>) -> usize {
    ctx.line_of(&v.span())
}

/// A path relative to the config file's directory.
pub(super) fn resolve_path(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// A secret reference from `<key>_env` / `<key>_file`; both or neither (when `required`)
/// is a problem.
pub(super) fn secret_ref(
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

pub(super) fn require<'a>(
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
pub(super) fn amount(
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

pub(super) fn int_in(
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

pub(super) fn http_url(ctx: &mut Ctx<'_>, section: &str, key: &str, v: &Spanned<String>) -> bool {
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

pub(super) fn severity(
    ctx: &mut Ctx<'_>,
    section: &str,
    v: &S<String>,
) -> finops_core::alert::Severity {
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

pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
