//! The allocation rules file (TOML) and its compiled form.

use crate::aggregate::column_by_name;
use crate::error::Location;
use crate::focus::{Column, CostRecord};
use crate::{Error, Result};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    unallocated: Option<String>,
    #[serde(default)]
    map: Vec<MapSpec>,
    #[serde(default)]
    share: Vec<ShareSpec>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MapSpec {
    name: Option<String>,
    to: Option<String>,
    tag: Option<String>,
    sub_account: Option<String>,
    resource_name: Option<String>,
    column: Option<String>,
    equals: Option<String>,
    matches: Option<String>,
    lookup: Option<LookupSpec>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupSpec {
    file: String,
    on: String,
    key: String,
    target: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareSpec {
    name: Option<String>,
    from: String,
    by: String,
    to: Option<Vec<String>>,
    percent: Option<BTreeMap<String, toml::Value>>,
    drivers: Option<BTreeMap<String, toml::Value>>,
    drivers_file: Option<String>,
}

/// What a map rule looks at.
#[derive(Debug, Clone)]
pub enum Field {
    /// A tag value, the key matched ASCII case-insensitively.
    Tag(String),
    /// A FOCUS column (its FOCUS 1.2 text).
    Column(Column),
    /// An extension column (`x_…`).
    Extension(String),
}

impl Field {
    fn parse(spec: &str) -> Option<Field> {
        if let Some(k) = spec
            .strip_prefix("tag:")
            .or_else(|| spec.strip_prefix("itag:"))
        {
            return (!k.is_empty()).then(|| Field::Tag(k.to_string()));
        }
        if spec.starts_with("x_") && spec.len() > 2 {
            return Some(Field::Extension(spec.to_string()));
        }
        column_by_name(spec).map(Field::Column)
    }

    /// The field's value in a record (`None` = null).
    pub fn value<'r>(&self, r: &'r CostRecord) -> Option<std::borrow::Cow<'r, str>> {
        match self {
            Field::Tag(k) => r.tags.as_ref().and_then(|t| t.get_ignore_case(k)),
            Field::Column(c) => match c {
                Column::SubAccountId => r.sub_account_id.as_deref().map(Into::into),
                Column::ResourceName => r.resource_name.as_deref().map(Into::into),
                Column::ResourceId => r.resource_id.as_deref().map(Into::into),
                Column::ServiceName => Some(r.service_name.as_str().into()),
                c => r.get(*c).to_text().map(Into::into),
            },
            Field::Extension(x) => r.extensions.get(x).map(Into::into),
        }
    }
}

/// How a map rule compares the value.
#[derive(Debug, Clone)]
pub enum Test {
    /// Exact equality.
    Equals(String),
    /// Shell glob (`*`, `?`, `[a-z]`), on the whole value.
    Matches(glob::Pattern),
    /// Look the value up in a CMDB table: the target is the table's.
    Lookup(HashMap<String, String>),
}

/// One compiled `[[map]]` rule.
#[derive(Debug, Clone)]
pub struct MapRule {
    /// Stable id: the rule's `name`, else `map[N]` (1-based position in the file).
    pub id: String,
    /// The target (`None` for a lookup rule, whose target comes from the table).
    pub to: Option<String>,
    /// What is looked at.
    pub field: Field,
    /// How it is compared.
    pub test: Test,
}

impl MapRule {
    /// The target this rule gives `r`, if it matches.
    pub fn apply(&self, r: &CostRecord) -> Option<String> {
        self.test_value(self.field.value(r).as_deref())
    }

    /// The target this rule gives a record whose [`MapRule::field`] has value `v` (`None` =
    /// null), if it matches.
    pub fn test_value(&self, v: Option<&str>) -> Option<String> {
        let v = v?;
        match &self.test {
            Test::Equals(e) => (v == e.as_str()).then(|| self.to.clone()).flatten(),
            Test::Matches(p) => p.matches(v).then(|| self.to.clone()).flatten(),
            Test::Lookup(t) => t.get(v).cloned(),
        }
    }
}

/// How a shared target is split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareMethod {
    /// Proportionally to the recipients' direct BilledCost in the same billing month and
    /// currency (negative direct costs count as zero; no direct cost at all: evenly).
    Proportional,
    /// Evenly.
    Even,
    /// Fixed percentages (summing to 100).
    Percent(Vec<(String, Decimal)>),
    /// Proportionally to a driver count per recipient (VMs per application, …).
    Driver(Vec<(String, Decimal)>),
}

impl ShareMethod {
    /// `proportional`, `even`, `percent` or `driver`.
    pub fn name(&self) -> &'static str {
        match self {
            ShareMethod::Proportional => "proportional",
            ShareMethod::Even => "even",
            ShareMethod::Percent(_) => "percent",
            ShareMethod::Driver(_) => "driver",
        }
    }
}

/// One compiled `[[share]]` rule.
#[derive(Debug, Clone)]
pub struct ShareRule {
    /// Stable id: the rule's `name`, else `share[N]`.
    pub id: String,
    /// The shared target.
    pub from: String,
    /// The method.
    pub method: ShareMethod,
    /// Recipients for `proportional` / `even` (`None`: every direct target of the same
    /// billing month and currency, except the unallocated target and shared targets).
    pub to: Option<Vec<String>>,
}

/// A compiled rules file. See the [module docs](super) for the format.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Target of records no map rule matches.
    pub unallocated: String,
    /// Map rules, first match wins.
    pub map: Vec<MapRule>,
    /// Share rules.
    pub share: Vec<ShareRule>,
}

fn cfg(file: &str, at: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Config {
        location: Some(Location {
            file: file.to_string(),
            line: None,
            column: Some(at.into()),
        }),
        message: message.into(),
    }
}

fn number(file: &str, at: &str, v: &toml::Value) -> Result<Decimal> {
    let d = match v {
        toml::Value::Integer(i) => Decimal::from(*i),
        // A TOML float is read through its shortest round-trip text (60.5 → 60.5).
        toml::Value::Float(f) => crate::money::parse_decimal(&f.to_string())
            .map_err(|e| cfg(file, at, format!("{f}: {e}")))?,
        toml::Value::String(s) => {
            crate::money::parse_decimal(s).map_err(|e| cfg(file, at, format!("{s:?}: {e}")))?
        }
        other => {
            return Err(cfg(
                file,
                at,
                format!("expected a number, found a {}", other.type_str()),
            ));
        }
    };
    if d.is_sign_negative() {
        return Err(cfg(file, at, format!("{d} is negative")));
    }
    Ok(d)
}

/// Read a two-column CSV table (`key` → `target` columns by header name).
fn read_table(path: &Path, key: &str, target: &str) -> Result<HashMap<String, String>> {
    let label = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| Error::Io {
            path: label.clone(),
            source: std::io::Error::other(e),
        })?;
    let header = rdr
        .headers()
        .map_err(|e| cfg(&label, "header", e.to_string()))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
            .ok_or_else(|| Error::MissingColumn {
                file: label.clone(),
                column: name.to_string(),
            })
    };
    let (k, t) = (col(key)?, col(target)?);
    let mut out: HashMap<String, String> = HashMap::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    for (i, row) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let row = row.map_err(|e| Error::Parse {
            location: Location {
                file: label.clone(),
                line: Some(line),
                column: None,
            },
            message: e.to_string(),
        })?;
        let kv = row.get(k).unwrap_or("").trim().to_string();
        let tv = row.get(t).unwrap_or("").trim().to_string();
        if kv.is_empty() || tv.is_empty() {
            continue;
        }
        if let Some(prev) = out.get(&kv)
            && *prev != tv
        {
            return Err(Error::Parse {
                location: Location {
                    file: label.clone(),
                    line: Some(line),
                    column: Some(key.to_string()),
                },
                message: format!(
                    "{kv:?} maps to {tv:?} here and to {prev:?} on line {}",
                    lines.get(&kv).copied().unwrap_or(0)
                ),
            });
        }
        lines.entry(kv.clone()).or_insert(line);
        out.insert(kv, tv);
    }
    Ok(out)
}

impl Rules {
    /// Read a rules file; CMDB tables and driver files it names are read relative to its
    /// folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Rules> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Rules::from_toml(&text, &path.display().to_string(), &base)
    }

    /// Parse rules from TOML text (`label` names it in errors; files it names are read
    /// relative to `base`).
    pub fn from_toml(text: &str, label: &str, base: &Path) -> Result<Rules> {
        let f: RulesFile = toml::from_str(text).map_err(|e| Error::Config {
            location: Some(Location {
                file: label.to_string(),
                line: None,
                column: None,
            }),
            message: e.to_string().trim().to_string(),
        })?;
        let unallocated = f.unallocated.unwrap_or_else(|| "Unallocated".to_string());
        if unallocated.is_empty() {
            return Err(cfg(label, "unallocated", "must not be empty"));
        }
        let resolve = |p: &str| -> PathBuf {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let mut map = Vec::new();
        for (i, m) in f.map.into_iter().enumerate() {
            let at = format!("map[{}]", i + 1);
            let id = m.name.clone().unwrap_or_else(|| at.clone());
            let mut fields = Vec::new();
            if let Some(t) = &m.tag {
                if t.is_empty() {
                    return Err(cfg(label, &at, "tag: empty key"));
                }
                fields.push(("tag", Field::Tag(t.clone())));
            }
            if m.sub_account.is_some() {
                fields.push(("sub_account", Field::Column(Column::SubAccountId)));
            }
            if m.resource_name.is_some() {
                fields.push(("resource_name", Field::Column(Column::ResourceName)));
            }
            if let Some(c) = &m.column {
                let fl = Field::parse(c).ok_or_else(|| {
                    cfg(
                        label,
                        &at,
                        format!("column {c:?}: not a FOCUS column, x_ column or tag:KEY"),
                    )
                })?;
                fields.push(("column", fl));
            }
            if let Some(l) = &m.lookup {
                let fl = Field::parse(&l.on).ok_or_else(|| {
                    cfg(
                        label,
                        &at,
                        format!(
                            "lookup.on {:?}: not a FOCUS column, x_ column or tag:KEY",
                            l.on
                        ),
                    )
                })?;
                fields.push(("lookup", fl));
            }
            if fields.len() != 1 {
                return Err(cfg(
                    label,
                    &at,
                    "give exactly one of tag, sub_account, resource_name, column, lookup",
                ));
            }
            let (kind, field) = fields.remove(0);
            let test = match kind {
                "sub_account" => {
                    if m.equals.is_some() || m.matches.is_some() {
                        return Err(cfg(label, &at, "sub_account takes its value directly"));
                    }
                    Test::Equals(m.sub_account.clone().unwrap_or_default())
                }
                "resource_name" => {
                    if m.equals.is_some() || m.matches.is_some() {
                        return Err(cfg(label, &at, "resource_name takes its glob directly"));
                    }
                    let g = m.resource_name.clone().unwrap_or_default();
                    Test::Matches(
                        glob::Pattern::new(&g)
                            .map_err(|e| cfg(label, &at, format!("resource_name {g:?}: {e}")))?,
                    )
                }
                "lookup" => {
                    if m.to.is_some() || m.equals.is_some() || m.matches.is_some() {
                        return Err(cfg(
                            label,
                            &at,
                            "a lookup rule takes its targets from the table (no to/equals/matches)",
                        ));
                    }
                    let l = m.lookup.as_ref().ok_or_else(|| cfg(label, &at, "lookup"))?;
                    Test::Lookup(read_table(&resolve(&l.file), &l.key, &l.target)?)
                }
                _ => match (&m.equals, &m.matches) {
                    (Some(e), None) => Test::Equals(e.clone()),
                    (None, Some(g)) => Test::Matches(
                        glob::Pattern::new(g)
                            .map_err(|e| cfg(label, &at, format!("matches {g:?}: {e}")))?,
                    ),
                    _ => return Err(cfg(label, &at, "give exactly one of equals, matches")),
                },
            };
            if kind != "lookup" {
                match &m.to {
                    Some(t) if !t.is_empty() => {}
                    _ => return Err(cfg(label, &at, "to: the target is missing")),
                }
            }
            map.push(MapRule {
                id,
                to: m.to,
                field,
                test,
            });
        }
        let mut share = Vec::new();
        let sources: Vec<String> = f.share.iter().map(|s| s.from.clone()).collect();
        for (i, s) in f.share.into_iter().enumerate() {
            let at = format!("share[{}]", i + 1);
            if sources[..i].contains(&s.from) {
                return Err(cfg(
                    label,
                    &at,
                    format!("{:?} is already shared by another rule", s.from),
                ));
            }
            let check_targets = |names: &mut dyn Iterator<Item = &String>| -> Result<()> {
                for n in names {
                    if sources.contains(n) {
                        return Err(cfg(
                            label,
                            &at,
                            format!("{n:?} is itself shared: it cannot receive a share"),
                        ));
                    }
                    if *n == s.from {
                        return Err(cfg(
                            label,
                            &at,
                            format!("{n:?} cannot receive its own share"),
                        ));
                    }
                }
                Ok(())
            };
            let pairs = |m: &BTreeMap<String, toml::Value>,
                         what: &str|
             -> Result<Vec<(String, Decimal)>> {
                m.iter()
                    .map(|(k, v)| Ok((k.clone(), number(label, &format!("{at}.{what}.{k}"), v)?)))
                    .collect()
            };
            let method = match s.by.as_str() {
                "proportional" => ShareMethod::Proportional,
                "even" => ShareMethod::Even,
                "percent" => {
                    let p = s
                        .percent
                        .as_ref()
                        .ok_or_else(|| cfg(label, &at, "by = \"percent\" needs percent = { … }"))?;
                    let v = pairs(p, "percent")?;
                    let sum: Decimal = v.iter().map(|(_, x)| *x).sum();
                    if sum != Decimal::ONE_HUNDRED {
                        return Err(cfg(
                            label,
                            format!("{at}.percent"),
                            format!("the percentages add up to {sum}, not 100"),
                        ));
                    }
                    ShareMethod::Percent(v)
                }
                "driver" => {
                    let mut v = match &s.drivers {
                        Some(d) => pairs(d, "drivers")?,
                        None => Vec::new(),
                    };
                    if let Some(file) = &s.drivers_file {
                        let t = read_table(&resolve(file), "target", "count")?;
                        let mut keys: Vec<_> = t.into_iter().collect();
                        keys.sort();
                        for (k, c) in keys {
                            let d = crate::money::parse_decimal(&c).map_err(|e| {
                                cfg(file, format!("count of {k}"), format!("{c:?}: {e}"))
                            })?;
                            v.push((k, d));
                        }
                    }
                    if v.is_empty() || v.iter().all(|(_, x)| x.is_zero()) {
                        return Err(cfg(
                            label,
                            &at,
                            "by = \"driver\" needs drivers = { target = count, … } or drivers_file",
                        ));
                    }
                    ShareMethod::Driver(v)
                }
                other => {
                    return Err(cfg(
                        label,
                        format!("{at}.by"),
                        format!("{other:?}: use proportional, even, percent or driver"),
                    ));
                }
            };
            match &method {
                ShareMethod::Percent(v) | ShareMethod::Driver(v) => {
                    check_targets(&mut v.iter().map(|(k, _)| k))?;
                    if s.to.is_some() {
                        return Err(cfg(
                            label,
                            &at,
                            "to is for proportional/even; percent and driver name their targets",
                        ));
                    }
                }
                _ => {
                    if let Some(t) = &s.to {
                        if t.is_empty() {
                            return Err(cfg(label, &at, "to: empty list"));
                        }
                        check_targets(&mut t.iter())?;
                    }
                }
            }
            share.push(ShareRule {
                id: s.name.unwrap_or(at),
                from: s.from,
                method,
                to: s.to,
            });
        }
        Ok(Rules {
            unallocated,
            map,
            share,
        })
    }

    /// The target of a record and the id of the rule that chose it (`unallocated` when no
    /// rule matched).
    pub fn map(&self, r: &CostRecord) -> (String, String) {
        for m in &self.map {
            if let Some(t) = m.apply(r) {
                return (t, m.id.clone());
            }
        }
        (self.unallocated.clone(), "unallocated".to_string())
    }

    /// The share rule of a target, if it is shared.
    pub fn share_of(&self, target: &str) -> Option<&ShareRule> {
        self.share.iter().find(|s| s.from == target)
    }
}
