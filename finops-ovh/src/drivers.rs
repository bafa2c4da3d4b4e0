//! Cost drivers ("inducteurs", OVH-14): per information system, how many instances fall in
//! each category of the CMDB's `6. Mapping VM` rules, plus gateways, load balancers and VPS.
//!
//! One [`DriverCounts`] per system (the applications of the CMDB), written as
//! `Calcul_inducteurs_<system>.csv` (one header row, one row of counts). Column order:
//! 1. the `output` categories of the rules whose `Tenant ID` pattern matches at least one
//!    tenant of the system, in rule order (first appearance);
//! 2. `Gateway` and `Loadbalancer` (Public Cloud gateways / load balancers of the system's
//!    projects, counted by kind: the original matched `GW-…`/`LB-…` names, which these lists
//!    are by construction);
//! 3. `VPS`, only for systems that have VPS tenants (ids like `vps-….vps.ovh.net`);
//! 4. `Other`: instances no rule matched (always present, possibly 0).
//!
//! A category that appears twice (a rule named `Other` or `Gateway`) is one column.

use crate::cmdb::{Cmdb, Pattern};
use std::collections::BTreeSet;

/// Column for gateways.
pub const GATEWAY: &str = "Gateway";
/// Column for load balancers.
pub const LOADBALANCER: &str = "Loadbalancer";
/// Column for VPS.
pub const VPS: &str = "VPS";
/// Column for instances no rule matched.
pub const OTHER: &str = "Other";

/// A Public Cloud instance, as the driver rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRef {
    /// Tenant (project id).
    pub tenant: String,
    /// Instance name.
    pub name: String,
    /// Region (`GRA11`, ...).
    pub region: String,
}

/// A gateway or load balancer of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRef {
    /// Tenant (project id).
    pub tenant: String,
    /// Service name.
    pub name: String,
}

/// Everything the counts are made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriverInputs {
    /// Public Cloud instances.
    pub instances: Vec<InstanceRef>,
    /// Gateways.
    pub gateways: Vec<NetworkRef>,
    /// Load balancers.
    pub load_balancers: Vec<NetworkRef>,
    /// VPS service names (`vps-….vps.ovh.net`).
    pub vps: Vec<String>,
}

/// The counts of one information system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverCounts {
    /// System (application) name, as in the CMDB.
    pub system: String,
    /// `(column, count)` in column order.
    pub columns: Vec<(String, u64)>,
}

impl DriverCounts {
    /// The count of one column (0 when absent).
    pub fn get(&self, column: &str) -> u64 {
        self.columns
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    /// The file name `Calcul_inducteurs_<system>.csv`, the system name made file-safe
    /// (French accents folded, anything but letters, digits, `-` and `_` becomes `_`).
    pub fn file_name(&self) -> String {
        format!("Calcul_inducteurs_{}.csv", file_safe(&self.system))
    }
}

/// Fold accents and replace characters unsafe in a file name.
pub fn file_safe(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'à' | 'â' | 'ä' => 'a',
            'À' | 'Â' | 'Ä' => 'A',
            'î' | 'ï' => 'i',
            'Î' | 'Ï' => 'I',
            'ô' | 'ö' => 'o',
            'Ô' | 'Ö' => 'O',
            'ù' | 'û' | 'ü' => 'u',
            'Ù' | 'Û' | 'Ü' => 'U',
            'ç' => 'c',
            'Ç' => 'C',
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => c,
            _ => '_',
        })
        .collect()
}

/// Options of [`count_drivers`].
#[derive(Debug, Clone)]
pub struct DriverOptions {
    /// Which tenant ids are VPS (default `vps-*.vps.ovh.net`).
    pub vps_pattern: Pattern,
}

impl Default for DriverOptions {
    fn default() -> Self {
        DriverOptions {
            vps_pattern: Pattern::new("vps-*.vps.ovh.net"),
        }
    }
}

/// One [`DriverCounts`] per system of the CMDB, in [`Cmdb::systems`] order.
pub fn count_drivers(
    cmdb: &Cmdb,
    inputs: &DriverInputs,
    opts: &DriverOptions,
) -> Vec<DriverCounts> {
    cmdb.systems()
        .into_iter()
        .map(|(system, tenants)| {
            let tenants: BTreeSet<&str> = tenants.iter().map(String::as_str).collect();
            let mut columns: Vec<(String, u64)> = Vec::new();
            let push = |columns: &mut Vec<(String, u64)>, name: &str| {
                if !columns.iter().any(|(c, _)| c == name) {
                    columns.push((name.to_string(), 0));
                }
            };
            for rule in &cmdb.vm_mapping {
                if tenants.iter().any(|t| rule.tenant.matches(t)) {
                    push(&mut columns, &rule.output);
                }
            }
            push(&mut columns, GATEWAY);
            push(&mut columns, LOADBALANCER);
            let vps: Vec<&String> = inputs
                .vps
                .iter()
                .filter(|v| tenants.contains(v.as_str()) && opts.vps_pattern.matches(v))
                .collect();
            let has_vps_tenant = tenants.iter().any(|t| opts.vps_pattern.matches(t));
            if has_vps_tenant {
                push(&mut columns, VPS);
            }
            push(&mut columns, OTHER);
            let add = |columns: &mut Vec<(String, u64)>, name: &str, n: u64| {
                if let Some((_, c)) = columns.iter_mut().find(|(c, _)| c == name) {
                    *c += n;
                }
            };
            for i in inputs
                .instances
                .iter()
                .filter(|i| tenants.contains(i.tenant.as_str()))
            {
                let cat = cmdb
                    .category(&i.tenant, &i.name, &i.region)
                    .unwrap_or(OTHER);
                // A matching rule's category is always a column (its tenant pattern matched).
                add(&mut columns, cat, 1);
            }
            let gw = inputs
                .gateways
                .iter()
                .filter(|g| tenants.contains(g.tenant.as_str()))
                .count();
            add(&mut columns, GATEWAY, gw as u64);
            let lb = inputs
                .load_balancers
                .iter()
                .filter(|g| tenants.contains(g.tenant.as_str()))
                .count();
            add(&mut columns, LOADBALANCER, lb as u64);
            add(&mut columns, VPS, vps.len() as u64);
            DriverCounts { system, columns }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdb::{AppTenant, Application, VmMappingRule};
    use rust_decimal::Decimal;

    fn cmdb() -> Cmdb {
        let at = |app: &str, t: &str| AppTenant {
            app_id: app.into(),
            tenant_id: t.into(),
            environment: "Prod".into(),
            vat: Decimal::ONE,
            market_discount: Decimal::ONE,
            support_uplift: Decimal::ONE,
        };
        let rule = |t: &str, n: &str, r: &str, o: &str| VmMappingRule {
            tenant: Pattern::new(t),
            instance_name: Pattern::new(n),
            region: Pattern::new(r),
            output: o.into(),
        };
        Cmdb {
            applications: vec![
                Application {
                    app_id: "A1".into(),
                    name: "SAS Santé".into(),
                    operator: String::new(),
                    description: String::new(),
                },
                Application {
                    app_id: "A2".into(),
                    name: "PSC".into(),
                    operator: String::new(),
                    description: String::new(),
                },
            ],
            app_tenants: vec![
                at("A1", "p1"),
                at("A2", "p2"),
                at("A2", "vps-1.vps.ovh.net"),
            ],
            vm_mapping: vec![
                rule("p1", "*-db-*", "*", "Database"),
                rule("p1", "*", "GRA*", "Prod"),
                rule("p2", "*", "*", "Prod"),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn counts_first_match_wins() {
        let i = |t: &str, n: &str, r: &str| InstanceRef {
            tenant: t.into(),
            name: n.into(),
            region: r.into(),
        };
        let inputs = DriverInputs {
            instances: vec![
                i("p1", "sas-db-01", "GRA11"),
                i("p1", "sas-web-01", "GRA11"),
                i("p1", "sas-web-02", "SBG5"),
                i("p2", "x", "SBG5"),
                i("p3", "ignored", "GRA11"),
            ],
            gateways: vec![NetworkRef {
                tenant: "p1".into(),
                name: "GW-01-55-a".into(),
            }],
            load_balancers: vec![],
            vps: vec!["vps-1.vps.ovh.net".into(), "vps-2.vps.ovh.net".into()],
        };
        let c = count_drivers(&cmdb(), &inputs, &DriverOptions::default());
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].file_name(), "Calcul_inducteurs_SAS_Sante.csv");
        let cols: Vec<_> = c[0]
            .columns
            .iter()
            .map(|(c, n)| format!("{c}={n}"))
            .collect();
        assert_eq!(
            cols,
            [
                "Database=1",
                "Prod=1",
                "Gateway=1",
                "Loadbalancer=0",
                "Other=1"
            ]
        );
        let cols: Vec<_> = c[1]
            .columns
            .iter()
            .map(|(c, n)| format!("{c}={n}"))
            .collect();
        assert_eq!(
            cols,
            ["Prod=1", "Gateway=0", "Loadbalancer=0", "VPS=1", "Other=0"]
        );
    }

    proptest::proptest! {
        /// Every instance of a system's tenants is counted exactly once (in a rule category
        /// or `Other`).
        #[test]
        fn instances_are_counted_once(names in proptest::collection::vec("(sas|x)-(db|web)-[0-9]{2}", 0..30),
                                      regions in proptest::collection::vec("(GRA|SBG)[0-9]", 30)) {
            let inputs = DriverInputs {
                instances: names
                    .iter()
                    .zip(&regions)
                    .map(|(n, r)| InstanceRef { tenant: "p1".into(), name: n.clone(), region: r.clone() })
                    .collect(),
                ..Default::default()
            };
            let c = count_drivers(&cmdb(), &inputs, &DriverOptions::default());
            let total: u64 = c[0]
                .columns
                .iter()
                .filter(|(k, _)| k != GATEWAY && k != LOADBALANCER && k != VPS)
                .map(|(_, n)| *n)
                .sum();
            proptest::prop_assert_eq!(total, names.len() as u64);
        }
    }
}
