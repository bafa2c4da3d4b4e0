//! The demo: every provider's loopback emulator with realistic data (OVHcloud: four accounts,
//! one with a revoked token, Public Cloud projects, a Hosted Private Cloud and VPS; OCI: four
//! contract clients in BRL and USD, one of which starts a database on 2026-11-16; ArcGIS
//! Online: an organisation of 260 users with three months of credit usage), and the
//! `finops.toml` + credential files that point at them. `finops demo` runs the job on them;
//! `finops emulators --write-config DIR` keeps them serving for `finops run --config`.
//!
//! Every emulator runs on a clock stopped at the demo's date, so the demo gives the same
//! outputs on any day: [`DEMO_AS_OF`], with the job's clock at [`DEMO_NOW`].

use crate::job::config::Provider;
use chrono::{DateTime, NaiveDate, Utc};
use finops_core::Decimal;
use finops_core::emulator::FaultConfig;
use finops_core::notify::Language;
use std::path::{Path, PathBuf};

/// The demo's as-of day.
pub const DEMO_AS_OF: &str = "2026-11-22";
/// The demo's "now" (the emulators' clocks agree with it).
pub const DEMO_NOW: &str = "2026-11-22T12:00:00Z";

/// The demo's as-of day, parsed.
pub fn demo_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

/// The demo's "now", parsed.
pub fn demo_now() -> DateTime<Utc> {
    demo_as_of()
        .and_hms_opt(12, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

const CMDB_XLSX: &[u8] = include_bytes!("../../data/ovh/CMDB.xlsx");
const OCI_FILES: &[(&str, &str)] = &[
    (
        "config_ClientB",
        include_str!("../../data/oci/config_ClientB"),
    ),
    (
        "config_ClienteA",
        include_str!("../../data/oci/config_ClienteA"),
    ),
    (
        "config_ClienteC",
        include_str!("../../data/oci/config_ClienteC"),
    ),
    ("client_b.pem", include_str!("../../data/oci/client_b.pem")),
    (
        "cliente_a.pem",
        include_str!("../../data/oci/cliente_a.pem"),
    ),
    (
        "cliente_c_encrypted.pem",
        include_str!("../../data/oci/cliente_c_encrypted.pem"),
    ),
    (
        "config_ClienteD",
        "# Demo client D: a new Autonomous Database workload from 2026-11-16 (the report shows\n\
         # the jump as an anomaly and names its cause). Shares client A's throwaway key.\n\
         [DEFAULT]\n\
         user=ocid1.user.oc1..aaaaaaaademouserd\n\
         fingerprint=66:c2:fe:95:39:10:c4:f3:22:c8:0c:84:26:70:dd:c8\n\
         tenancy=ocid1.tenancy.oc1..aaaaaaaademocliented\n\
         region=sa-saopaulo-1\n\
         key_file=cliente_a.pem\n\
         credito=12000\n\
         inicio_contrato=2026-11-01\n\
         fim_contrato=2027-10-31\n\
         cliente=Cliente D\n\
         moeda=BRL\n",
    ),
];
const RULES: &str = include_str!("demo_allocation.toml");

/// What to break in the demo (tests of faults and failures).
#[derive(Debug, Clone, Default)]
pub struct DemoFaults {
    /// Share of requests answered 429 or 500 by every emulator (0.3 = 30 %).
    pub storm: f64,
    /// Providers whose emulator is stopped before the run (connections refused).
    pub down: Vec<Provider>,
}

/// The running emulators (dropping this stops them).
#[derive(Debug)]
pub struct DemoEmulators {
    ovh: Option<finops_ovh::emulator::OvhEmulator>,
    oci: Option<finops_oci::emulator::OciEmulator>,
    arcgis: Option<finops_arcgis::emulator::ArcGisEmulator>,
    urls: Vec<(Provider, String)>,
    /// Where the credentials and the config are.
    pub dir: PathBuf,
}

impl DemoEmulators {
    /// The base URL of each emulator.
    pub fn urls(&self) -> &[(Provider, String)] {
        &self.urls
    }

    /// Set the same fault injection on every emulator.
    pub fn set_faults(&self, cfg: &FaultConfig) {
        if let Some(e) = &self.ovh {
            e.server().faults().set(cfg.clone());
        }
        if let Some(e) = &self.oci {
            e.faults().set(cfg.clone());
        }
        if let Some(e) = &self.arcgis {
            e.faults().set(cfg.clone());
        }
    }

    /// Stop one emulator (its port then refuses connections).
    pub fn stop(&mut self, p: Provider) {
        match p {
            Provider::Ovh => self.ovh = None,
            Provider::Oci => self.oci = None,
            Provider::Arcgis => self.arcgis = None,
            // The exports container goes away (an unreachable storage account).
            Provider::Azure => {
                if let Some((_, dir)) = self.urls.iter().find(|(x, _)| *x == Provider::Azure) {
                    let _ = std::fs::remove_dir_all(dir);
                }
            }
        }
    }
}

fn q(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => o.push_str(&format!("\\u{:04X}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Start every emulator, writing their credential files under `dir` (created).
pub async fn start(dir: &Path, faults: &DemoFaults) -> anyhow::Result<DemoEmulators> {
    std::fs::create_dir_all(dir)?;
    let as_of_ovh = demo_as_of()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default();
    // OVHcloud: token files (the revoked Legacy_Archive included) and the sample CMDB.
    let ovh_dir = dir.join("ovh");
    let (ovh, _tokens) = crate::ovh::start_demo_emulator(&ovh_dir, as_of_ovh).await?;
    finops_core::fs::write_atomic(ovh_dir.join("CMDB.xlsx"), CMDB_XLSX)?;
    // OCI: the bundled clients plus client D, whose database starts on 2026-11-16.
    let oci_dir = dir.join("oci");
    std::fs::create_dir_all(&oci_dir)?;
    for (name, text) in OCI_FILES {
        finops_core::fs::write_atomic(oci_dir.join(name), text.as_bytes())?;
    }
    let oci_clock = crate::oci::demo_clock(demo_as_of())?;
    let oci = crate::oci::start_demo_emulator(&oci_dir, oci_clock).await?;
    let mut d = finops_oci::emulator::TenancySpec::standard(
        "ocid1.tenancy.oc1..aaaaaaaademocliented",
        "Cliente D",
        finops_core::Currency::new("BRL")?,
        NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default(),
        "sa-saopaulo-1",
        Decimal::from(20),
    );
    d.resources.retain(|r| r.service == "DATABASE");
    oci.add_tenancy(d);
    // ArcGIS Online: usage up to the day before the as-of day.
    let mut acfg = finops_arcgis::emulator::EmulatorConfig::default();
    acfg.usage_days = 82;
    let arcgis = finops_arcgis::emulator::ArcGisEmulator::start_with(acfg).await?;
    let adir = dir.join("arcgis");
    std::fs::create_dir_all(&adir)?;
    finops_core::fs::write_atomic(
        adir.join("password"),
        finops_arcgis::emulator::ADMIN_PASSWORD.as_bytes(),
    )?;
    finops_core::fs::write_atomic(dir.join("allocation.toml"), RULES.as_bytes())?;
    // Microsoft Azure: Cost Management FocusCost exports (an EA billing account in FOCUS 1.2 and
    // a pay-as-you-go subscription in 1.0r2), one run per month from September, as they land
    // in a hub's msexports container; the job ingests them into the hubs layout.
    let exports = dir.join("azure").join("msexports");
    write_azure_exports(&exports).await?;
    let urls = vec![
        (Provider::Azure, exports.display().to_string()),
        (Provider::Ovh, ovh.url()),
        (Provider::Oci, oci.url()),
        (Provider::Arcgis, arcgis.url()),
    ];
    let mut emus = DemoEmulators {
        ovh: Some(ovh),
        oci: Some(oci),
        arcgis: Some(arcgis),
        urls,
        dir: dir.to_path_buf(),
    };
    if faults.storm > 0.0 {
        emus.set_faults(&FaultConfig::storm(faults.storm));
    }
    for p in &faults.down {
        emus.stop(*p);
    }
    Ok(emus)
}

/// Three months of FocusCost export runs (September to November 2026) for two scopes.
async fn write_azure_exports(exports: &Path) -> anyhow::Result<()> {
    use finops_azure::emulator::exports::{ExportRun, write_export_run};
    std::fs::create_dir_all(exports)?;
    let store = finops_azure::Store::local(exports)?;
    for (i, month) in [(9u32, 1_200u64), (10, 1_300), (11, 900)]
        .into_iter()
        .enumerate()
    {
        let day = NaiveDate::from_ymd_opt(2026, month.0, 1).unwrap_or_default();
        let next = day
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(day);
        let mut ea =
            ExportRun::focus_cost("1.2", day, month.1, &format!("demo-ea-2026{:02}", month.0));
        ea.seed = 11 + i as u64;
        // Each month's run is submitted the day after it closes (the current month's at the
        // as-of day): the dates stay those of the data set, whatever the machine's clock.
        let submitted = if next <= demo_as_of() {
            next
        } else {
            demo_as_of()
        };
        ea.submitted_time = format!("{}T03:00:00.0000000Z", submitted.format("%Y-%m-%d"));
        write_export_run(&store, &ea).await?;
        let mut sub = ExportRun::focus_cost(
            "1.0r2",
            day,
            month.1 / 2,
            &format!("demo-sub-2026{:02}", month.0),
        );
        sub.scope = "/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61".into();
        sub.export_name = "finops-hub-monthly-subscription".into();
        sub.seed = 23 + i as u64;
        sub.submitted_time = ea.submitted_time.clone();
        write_export_run(&store, &sub).await?;
    }
    Ok(())
}

/// The demo's `finops.toml` (written to `dir/finops.toml`): every emulator, the analysis
/// rules, three budgets and the `ovh-weekly` schedule, outputs under `out`.
pub fn write_config(emus: &DemoEmulators, out: &Path, lang: Language) -> anyhow::Result<PathBuf> {
    let url = |p: Provider| {
        emus.urls
            .iter()
            .find(|(x, _)| *x == p)
            .map(|(_, u)| u.clone())
            .unwrap_or_default()
    };
    let text = format!(
        r#"# finops.toml of the demo: every provider's loopback emulator (see examples/finops.toml
# for a commented configuration of real accounts).
[output]
dir = {out}
timezone = "Europe/Paris"
language = "{lang}"
concurrency = 4
history_months = 3

[[azure]]
exports = {azure}
ingestion = {ingestion}

[[ovh]]
credentials_dir = "ovh/tokens"
endpoint = {ovh}
cmdb = "ovh/CMDB.xlsx"
rate_limit = 1000.0

[[oci]]
config_dir = "oci"
endpoint = {oci}

[[arcgis]]
portal = {arcgis}
username = "{user}"
password_file = "arcgis/password"
price_per_credit = "0.11"
currency = "EUR"
allocate = "under=10%,add=200"
max_total = "6000"

[analysis]
rules = "allocation.toml"
horizon_days = 90
anomaly_days = 14

[[budget]]
name = "ovh-monthly"
provider = "OVHcloud"
currency = "EUR"
amount = "2500"

[[budget]]
name = "oci-brl-monthly"
provider = "Oracle"
currency = "BRL"
amount = "7000"

[[budget]]
name = "arcgis-quarter"
provider = "Esri"
currency = "EUR"
amount = "12000"
period = "quarter"

[schedule]
preset = "ovh-weekly"
"#,
        out = q(&out.display().to_string()),
        azure = q(&url(Provider::Azure)),
        ingestion = q(&out.join("ingestion").display().to_string()),
        lang = lang.as_str(),
        ovh = q(&url(Provider::Ovh)),
        oci = q(&url(Provider::Oci)),
        arcgis = q(&url(Provider::Arcgis)),
        user = finops_arcgis::emulator::ADMIN_USER,
    );
    let path = emus.dir.join("finops.toml");
    finops_core::fs::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// The retry policy of the demo: short waits (the emulators answer at once), enough attempts
/// to ride out a 30 % fault storm.
pub fn demo_retry() -> finops_core::http::RetryConfig {
    let mut r = crate::ovh::fast_retry();
    r.max_retries = 20;
    r
}
