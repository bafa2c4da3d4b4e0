//! The CMDB workbook (OVH-13, OVH-14, OVH-16): applications, application↔tenant links with
//! the three ratio factors, VM mapping rules and e-mail recipients.
//!
//! Read it from the original `CMDB.xlsx` ([`Cmdb::from_xlsx`]) or from a directory holding
//! one CSV file per sheet, named after the sheet (`3. Appli-Tenant.csv`, ...;
//! [`Cmdb::from_csv_dir`]). [`Cmdb::load`] picks one from the path. Columns are found by
//! their header name (trimmed, case-insensitive), so extra or reordered columns are fine;
//! every error names the file, the sheet, the row and the column.
//!
//! Ratio factors (`TVA`, `Réduction Marché`, `Coût support OVH`) are multipliers (`1.2`,
//! `0.85`, `1.1`). A cell may also be written with a French decimal comma (`1,2`) or as a
//! percentage of the multiplier (`120 %` = `1.2`). `TVA` and `Coût support OVH` are uplifts:
//! a value below 1 is a rate (`20 %`, `0.2` → `1.2`; `0` → `1`, see [`uplift`]). Numbers stored by Excel as binary
//! doubles are read through their shortest round-trip text (`1.2`, never
//! `1.1999999999999999556`), then parsed exactly.

use finops_core::error::Location;
use finops_core::money::parse_decimal_comma;
use finops_core::{Error, Result};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;

mod read;

/// Sheet `1. Liste utilisateurs`.
pub const SHEET_USERS: &str = "1. Liste utilisateurs";
/// Sheet `2. Applications`.
pub const SHEET_APPLICATIONS: &str = "2. Applications";
/// Sheet `3. Appli-Tenant` (the only required sheet).
pub const SHEET_APP_TENANT: &str = "3. Appli-Tenant";
/// Sheet `4. Domaine-Entreprise`.
pub const SHEET_DOMAINS: &str = "4. Domaine-Entreprise";
/// Sheet `5. Localisation`.
pub const SHEET_LOCATIONS: &str = "5. Localisation";
/// Sheet `6. Mapping VM`.
pub const SHEET_MAPPING: &str = "6. Mapping VM";
/// Sheet `7. Emails`.
pub const SHEET_EMAILS: &str = "7. Emails";

/// Every sheet name with its columns, in workbook order.
pub const SHEETS: [(&str, &[&str]); 7] = [
    (SHEET_USERS, &["Nom", "Prénom", "email"]),
    (
        SHEET_APPLICATIONS,
        &["App ID", "Application name", "Infogérant", "Description"],
    ),
    (
        SHEET_APP_TENANT,
        &[
            "App ID",
            "Tenant ID",
            "Environnement",
            "TVA",
            "Réduction Marché",
            "Coût support OVH",
        ],
    ),
    (SHEET_DOMAINS, &["Nom de domaine", "Entreprise"]),
    (SHEET_LOCATIONS, &["Region ID", "Region Name"]),
    (
        SHEET_MAPPING,
        &["Tenant ID", "Instance Name", "Region", "output"],
    ),
    (SHEET_EMAILS, &["email", "description"]),
];

/// A row of `1. Liste utilisateurs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdbUser {
    /// `Nom`.
    pub last_name: String,
    /// `Prénom`.
    pub first_name: String,
    /// `email`.
    pub email: String,
}

/// A row of `2. Applications`: one information system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// `App ID`.
    pub app_id: String,
    /// `Application name` (used in `Calcul_inducteurs_<name>.csv`).
    pub name: String,
    /// `Infogérant` (managed-services provider).
    pub operator: String,
    /// `Description`.
    pub description: String,
}

/// A row of `3. Appli-Tenant`: one tenant of an application with its price factors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppTenant {
    /// `App ID`.
    pub app_id: String,
    /// `Tenant ID` (Public Cloud project id, `pcc-…`, `vps-….vps.ovh.net`, ...).
    pub tenant_id: String,
    /// `Environnement` (free text: Prod, Recette, ...).
    pub environment: String,
    /// `TVA` multiplier (e.g. 1.2).
    pub vat: Decimal,
    /// `Réduction Marché` multiplier (e.g. 0.85).
    pub market_discount: Decimal,
    /// `Coût support OVH` multiplier (e.g. 1.1).
    pub support_uplift: Decimal,
}

impl AppTenant {
    /// `TVA × Réduction Marché × Coût support OVH`, exact; checked: factors whose product a
    /// decimal cannot hold are an error naming the tenant (never a panic).
    pub fn ratio(&self) -> Result<Decimal> {
        self.vat
            .checked_mul(self.market_discount)
            .and_then(|r| r.checked_mul(self.support_uplift))
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "tenant {} of application {}: ratio {} × {} × {} is too large",
                    self.tenant_id,
                    self.app_id,
                    self.vat,
                    self.market_discount,
                    self.support_uplift
                ))
            })
    }
}

/// Largest ratio factor accepted (100, i.e. 10 000 %): real factors are around 1 (`1.2`,
/// `0.85`, `1.1`); anything far above is a typing error, and bounding the factors keeps every
/// price × ratio far from decimal overflow.
pub fn max_factor() -> Decimal {
    Decimal::ONE_HUNDRED
}

/// A row of `4. Domaine-Entreprise`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCompany {
    /// `Nom de domaine`.
    pub domain: String,
    /// `Entreprise`.
    pub company: String,
}

/// A row of `5. Localisation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionName {
    /// `Region ID` (e.g. `GRA11`).
    pub region_id: String,
    /// `Region Name` (e.g. `Gravelines`).
    pub region_name: String,
}

/// A row of `7. Emails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailRecipient {
    /// `email`.
    pub email: String,
    /// `description`.
    pub description: String,
}

/// A pattern of `6. Mapping VM`: `*` is any text (possibly empty), `d` is a digit (it also
/// matches a literal `d`, so words such as `prod` still match themselves); every other
/// character matches itself, ASCII case-insensitively. An empty cell matches everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(String);

impl Pattern {
    /// A pattern from its text.
    pub fn new(text: impl Into<String>) -> Self {
        Pattern(text.into().trim().to_string())
    }

    /// The pattern text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let p: Vec<char> = self.0.chars().collect();
        let t: Vec<char> = text.chars().collect();
        glob(&p, &t)
    }
}

/// Iterative wildcard matching with single-star backtracking (linear memory, no recursion).
fn glob(p: &[char], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    let one = |pc: char, tc: char| -> bool {
        if pc == 'd' || pc == 'D' {
            tc.is_ascii_digit() || tc.eq_ignore_ascii_case(&'d')
        } else {
            pc == tc || pc.to_lowercase().eq(tc.to_lowercase())
        }
    };
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && one(p[pi], t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A row of `6. Mapping VM`: when tenant, instance name and region all match, the instance
/// counts in category `output`. Rules are tried in sheet order; the first match wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmMappingRule {
    /// `Tenant ID` pattern.
    pub tenant: Pattern,
    /// `Instance Name` pattern.
    pub instance_name: Pattern,
    /// `Region` pattern.
    pub region: Pattern,
    /// `output`: the cost-driver category.
    pub output: String,
}

impl VmMappingRule {
    /// Whether the rule applies to this instance.
    pub fn matches(&self, tenant: &str, instance_name: &str, region: &str) -> bool {
        self.tenant.matches(tenant)
            && self.instance_name.matches(instance_name)
            && self.region.matches(region)
    }
}

/// The whole CMDB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cmdb {
    /// `1. Liste utilisateurs`.
    pub users: Vec<CmdbUser>,
    /// `2. Applications`.
    pub applications: Vec<Application>,
    /// `3. Appli-Tenant`.
    pub app_tenants: Vec<AppTenant>,
    /// `4. Domaine-Entreprise`.
    pub domains: Vec<DomainCompany>,
    /// `5. Localisation`.
    pub locations: Vec<RegionName>,
    /// `6. Mapping VM`, in sheet order.
    pub vm_mapping: Vec<VmMappingRule>,
    /// `7. Emails`.
    pub emails: Vec<EmailRecipient>,
}

/// A VAT or support factor is an uplift, never below 1: a value below 1 is read as a rate
/// (`0.2` or `20 %` → `1.2`, `0` → `1`), as when the cell holds the VAT rate itself.
pub fn uplift(factor: Decimal) -> Decimal {
    if factor < Decimal::ONE {
        Decimal::ONE + factor
    } else {
        factor
    }
}

/// Parse a ratio factor: `1.2`, `1,2`, `120%`, `120 %` (the shared decimal-comma parser
/// [`parse_decimal_comma`]); negative factors and factors above [`max_factor`] are refused.
pub fn parse_factor(text: &str) -> std::result::Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty ratio factor".into());
    }
    let (num, percent) = match t.strip_suffix('%') {
        Some(n) => (n, true),
        None => (t, false),
    };
    let d = parse_decimal_comma(num)?;
    if d < Decimal::ZERO {
        return Err(format!("{text:?}: a ratio factor cannot be negative"));
    }
    let d = if percent {
        d.checked_div(Decimal::ONE_HUNDRED)
            .ok_or_else(|| format!("{text:?}: not a percentage"))?
    } else {
        d
    };
    if d > max_factor() {
        return Err(format!(
            "{text:?}: a ratio factor above {} ({}%) is not plausible",
            max_factor(),
            max_factor() * Decimal::ONE_HUNDRED
        ));
    }
    Ok(d)
}

impl Cmdb {
    /// The price ratio of a tenant, `None` when the CMDB does not list it. (A CMDB read by
    /// [`Cmdb::load`] has bounded factors; a hand-built one whose factors overflow has no ratio
    /// for that tenant, with a warning.)
    pub fn ratio(&self, tenant_id: &str) -> Option<Decimal> {
        self.app_tenants
            .iter()
            .find(|t| t.tenant_id == tenant_id)
            .and_then(checked_ratio)
    }

    /// Every tenant → ratio.
    pub fn ratios(&self) -> BTreeMap<String, Decimal> {
        let mut m = BTreeMap::new();
        for t in &self.app_tenants {
            if !m.contains_key(&t.tenant_id)
                && let Some(r) = checked_ratio(t)
            {
                m.insert(t.tenant_id.clone(), r);
            }
        }
        m
    }

    /// Of `tenants`, those the CMDB has no ratio for (sorted, unique): they are priced
    /// unadjusted and reported.
    pub fn unmapped_tenants<'a>(&self, tenants: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let ratios = self.ratios();
        let mut v: Vec<String> = tenants
            .into_iter()
            .filter(|t| !ratios.contains_key(*t))
            .map(str::to_string)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The application (information system) names and their tenants, in sheet order of
    /// `2. Applications`; applications only named in `3. Appli-Tenant` come after, named by
    /// their id. Applications sharing a name are merged.
    pub fn systems(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, String, Vec<String>)> = self
            .applications
            .iter()
            .map(|a| (a.app_id.clone(), a.name.clone(), vec![]))
            .collect();
        for t in &self.app_tenants {
            match out.iter_mut().find(|(id, _, _)| *id == t.app_id) {
                Some((_, _, v)) => {
                    if !v.contains(&t.tenant_id) {
                        v.push(t.tenant_id.clone())
                    }
                }
                None => out.push((
                    t.app_id.clone(),
                    t.app_id.clone(),
                    vec![t.tenant_id.clone()],
                )),
            }
        }
        // Two application ids with one name are one system (one drivers file).
        let mut merged: Vec<(String, Vec<String>)> = Vec::new();
        for (_, name, tenants) in out {
            match merged.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => {
                    for t in tenants {
                        if !v.contains(&t) {
                            v.push(t);
                        }
                    }
                }
                None => merged.push((name, tenants)),
            }
        }
        merged
    }

    /// The category of the first mapping rule matching the instance.
    pub fn category(&self, tenant: &str, instance_name: &str, region: &str) -> Option<&str> {
        self.vm_mapping
            .iter()
            .find(|r| r.matches(tenant, instance_name, region))
            .map(|r| r.output.as_str())
    }
}

fn checked_ratio(t: &AppTenant) -> Option<Decimal> {
    t.ratio()
        .inspect_err(|e| tracing::warn!(error = %e, "CMDB ratio ignored"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = Pattern::new("psc-prod-webdd");
        assert!(p.matches("psc-prod-web01"));
        assert!(p.matches("PSC-PROD-WEB99"));
        assert!(!p.matches("psc-prod-web1"));
        assert!(!p.matches("psc-prod-webx1"));
        assert!(Pattern::new("*").matches(""));
        assert!(Pattern::new("").matches("anything"));
        assert!(Pattern::new("GRA*").matches("GRA11"));
        assert!(Pattern::new("*-db-*").matches("sas-db-01"));
        assert!(!Pattern::new("*-db-*").matches("sas-web-01"));
        assert!(Pattern::new("a*b*c").matches("axxbyyc"));
        assert!(!Pattern::new("a*b*c").matches("axxbyy"));
    }

    #[test]
    fn factors() {
        assert_eq!(parse_factor("1.2").unwrap().to_string(), "1.2");
        assert_eq!(parse_factor("1,2").unwrap().to_string(), "1.2");
        assert_eq!(
            parse_factor("120 %").unwrap().normalize().to_string(),
            "1.2"
        );
        assert_eq!(parse_factor("85%").unwrap().normalize().to_string(), "0.85");
        assert!(parse_factor("").is_err());
        assert!(parse_factor("abc").is_err());
        assert!(parse_factor("-1").is_err());
        assert!(parse_factor("1,000.5").is_err());
        // Huge factors are refused at parse time, naming the limit (1E20 used to panic in
        // `ratio` through rust_decimal's `*`).
        for huge in [
            "1E20",
            "1e20",
            "101",
            "10001 %",
            "79228162514264337593543950335",
        ] {
            assert!(parse_factor(huge).is_err(), "{huge}");
        }
        assert_eq!(parse_factor("10000 %").unwrap(), Decimal::ONE_HUNDRED);
        let big = AppTenant {
            app_id: "A".into(),
            tenant_id: "t".into(),
            environment: String::new(),
            vat: Decimal::MAX,
            market_discount: Decimal::MAX,
            support_uplift: Decimal::ONE,
        };
        let e = big.ratio().unwrap_err().to_string();
        assert!(e.contains("tenant t") && e.contains("too large"), "{e}");
        let c = Cmdb {
            app_tenants: vec![big],
            ..Default::default()
        };
        assert_eq!(c.ratio("t"), None);
        assert!(c.ratios().is_empty());
    }

    #[test]
    fn systems_merge_same_names() {
        let app = |id: &str, name: &str| Application {
            app_id: id.into(),
            name: name.into(),
            operator: String::new(),
            description: String::new(),
        };
        let at = |app: &str, t: &str| AppTenant {
            app_id: app.into(),
            tenant_id: t.into(),
            environment: String::new(),
            vat: Decimal::ONE,
            market_discount: Decimal::ONE,
            support_uplift: Decimal::ONE,
        };
        let c = Cmdb {
            applications: vec![app("A1", "SI"), app("A2", "SI"), app("A3", "Other")],
            app_tenants: vec![
                at("A1", "t1"),
                at("A2", "t2"),
                at("A2", "t1"),
                at("A9", "t9"),
            ],
            ..Default::default()
        };
        let s = c.systems();
        assert_eq!(s.len(), 3);
        assert_eq!(
            s[0],
            ("SI".to_string(), vec!["t1".to_string(), "t2".to_string()])
        );
        assert_eq!(s[1], ("Other".to_string(), vec![]));
        assert_eq!(s[2], ("A9".to_string(), vec!["t9".to_string()]));
    }

    #[test]
    fn uplifts() {
        let f = |s: &str| uplift(parse_factor(s).unwrap()).normalize().to_string();
        assert_eq!(f("20 %"), "1.2");
        assert_eq!(f("0,2"), "1.2");
        assert_eq!(f("0"), "1");
        assert_eq!(f("1.2"), "1.2");
        assert_eq!(f("1"), "1");
    }

    proptest::proptest! {
        #[test]
        fn star_matches_everything(s in "[a-zA-Z0-9_./-]{0,40}") {
            proptest::prop_assert!(Pattern::new("*").matches(&s));
            let plain = s.replace(['d', 'D', '*'], "");
            let p = Pattern::new(format!("*{plain}"));
            proptest::prop_assert!(p.matches(&plain));
        }

        #[test]
        fn factor_never_panics(s in ".{0,20}") {
            let _ = parse_factor(&s);
        }

        /// Random, huge, negative and malformed factors: a bounded value or an error, and the
        /// ratio of any three factors is a value or an error, never a panic.
        #[test]
        fn factors_and_ratios_never_panic(
            a in "-?[0-9]{0,30}([.,][0-9]{0,30})?([eE][-+]?[0-9]{1,4})? ?%?",
            m in proptest::num::i128::ANY, scale in 0u32..=28,
        ) {
            if let Ok(f) = parse_factor(&a) {
                proptest::prop_assert!(f >= Decimal::ZERO && f <= max_factor());
            }
            let huge = Decimal::from_i128_with_scale(m % 79_228_162_514_264_337_593_543_950_335, scale);
            let t = AppTenant {
                app_id: "A".into(),
                tenant_id: "t".into(),
                environment: String::new(),
                vat: huge,
                market_discount: huge,
                support_uplift: huge,
            };
            let _ = t.ratio();
        }
    }
}
