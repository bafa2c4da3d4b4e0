//! The Power BI CSV set (OVH-03..16, OVH-20, OVH-21): the original's file names and header
//! rows, one typed row struct per file, written atomically.
//!
//! Format, shared by every file (chosen to match what the original's pandas `to_csv` gave and
//! what French Windows Power BI reads; written by the shared [`finops_core::table`] writer):
//! - comma separated, fields quoted only when needed (a comma, a quote or a line break);
//! - records end with CRLF;
//! - Windows-1252 by default ([`CsvEncoding::Cp1252`]); a character Windows-1252 cannot hold
//!   is written as `?` and reported in [`ReportWriter::warnings`] (file, row, column), so one
//!   odd VM name never loses the whole report; [`CsvEncoding::Utf8`] writes UTF-8 (no BOM);
//! - decimals exact, with a `.` separator and no exponent or trailing zeros (`12.5`, `720`);
//!   missing numbers are empty cells;
//! - booleans `True` / `False` (as pandas wrote Python booleans);
//! - dates `YYYY-MM-DD`; date-times `YYYY-MM-DD HH:MM:SS` in the report's time zone
//!   (Europe/Paris by default);
//! - rows sorted by their cells (text order), so the output never depends on the order in
//!   which concurrent API calls finished.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use finops_core::Result;
use finops_core::money::format_decimal;
use finops_core::table::{CsvFormat, LineEnd, render_csv};
use rust_decimal::Decimal;
use std::path::PathBuf;

/// `data_PBI_info_billing.csv`.
pub const FILE_BILLING: &str = "data_PBI_info_billing.csv";
/// `data_PBI_info_billing_history.csv`.
pub const FILE_BILLING_HISTORY: &str = "data_PBI_info_billing_history.csv";
/// `data_PBI_info_billing_managed_public_cloud.csv`.
pub const FILE_MANAGED: &str = "data_PBI_info_billing_managed_public_cloud.csv";
/// `data_PBI_info_billing_snapshot.csv`.
pub const FILE_SNAPSHOT: &str = "data_PBI_info_billing_snapshot.csv";
/// `data_PBI_info_billing_storage.csv`.
pub const FILE_STORAGE: &str = "data_PBI_info_billing_storage.csv";
/// `data_PBI_info_instance.csv`.
pub const FILE_INSTANCE: &str = "data_PBI_info_instance.csv";
/// `data_PBI_info_tenant.csv`.
pub const FILE_TENANT: &str = "data_PBI_info_tenant.csv";
/// `data_PBI_info_service.csv`.
pub const FILE_SERVICE: &str = "data_PBI_info_service.csv";
/// `data_PBI_missing_token.csv`.
pub const FILE_MISSING_TOKEN: &str = "data_PBI_missing_token.csv";
/// `data_PBI_info_usage.csv`.
pub const FILE_USAGE: &str = "data_PBI_info_usage.csv";
/// `data_PBI_info_users.csv`.
pub const FILE_USERS: &str = "data_PBI_info_users.csv";
/// `date_time_refresh.csv`.
pub const FILE_REFRESH: &str = "date_time_refresh.csv";
/// The token credentials file (the original's name is not public; this one is documented).
pub const FILE_TOKEN: &str = "data_PBI_info_token.csv";

/// The per-account user history file name: `data_PBI_users_history_<account>.csv`.
pub fn user_history_file(account: &str) -> String {
    format!(
        "data_PBI_users_history_{}.csv",
        crate::drivers::file_safe(account)
    )
}

/// Text encoding of the CSV files (the shared table writer's; the weekly run defaults to
/// [`CsvEncoding::Cp1252`]).
pub use finops_core::table::CsvEncoding;

/// Formatting of cell values.
#[derive(Debug, Clone, Copy)]
pub struct CellFormat {
    /// Time zone of date-times.
    pub tz: Tz,
}

impl Default for CellFormat {
    fn default() -> Self {
        CellFormat {
            tz: chrono_tz::Europe::Paris,
        }
    }
}

impl CellFormat {
    /// `YYYY-MM-DD HH:MM:SS` in the report's time zone.
    pub fn datetime(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// The same for an optional time (empty when `None`).
    pub fn datetime_opt(&self, t: Option<DateTime<Utc>>) -> String {
        t.map(|t| self.datetime(t)).unwrap_or_default()
    }
}

/// An exact decimal, `.` separator.
pub fn dec(d: Decimal) -> String {
    format_decimal(d)
}

/// An optional decimal (empty when `None`).
pub fn dec_opt(d: Option<Decimal>) -> String {
    d.map(dec).unwrap_or_default()
}

/// `True` / `False`.
pub fn boolean(b: bool) -> String {
    if b { "True" } else { "False" }.to_string()
}

/// A row of one of the CSV files.
pub trait CsvRow {
    /// The file name.
    const FILE: &'static str;
    /// The header row, exactly as Power BI expects it.
    const HEADER: &'static [&'static str];
    /// The cells, in header order.
    fn cells(&self, fmt: &CellFormat) -> Vec<String>;
}

pub use crate::charges::BillingMode;

/// OVH-04 verdict ([`crate::charges::is_mode_pertinent`]); `None` when the period length is
/// not positive.
pub fn mode_relevant(mode: BillingMode, hours_up: Decimal, period_hours: Decimal) -> Option<bool> {
    (period_hours > Decimal::ZERO)
        .then(|| crate::charges::is_mode_pertinent(mode, hours_up, period_hours))
}

/// `data_PBI_info_billing.csv` (OVH-03): current usage per instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingRow {
    /// `ID tenant`.
    pub tenant: String,
    /// `Instance ID`.
    pub instance_id: String,
    /// `Type d'instance` (flavor).
    pub flavor: String,
    /// `Temps d'activité (heures)`.
    pub hours: Option<Decimal>,
    /// `Prix actuel` (ratio applied).
    pub price: Decimal,
    /// `Mode de facturation`.
    pub mode: BillingMode,
}

impl CsvRow for BillingRow {
    const FILE: &'static str = FILE_BILLING;
    const HEADER: &'static [&'static str] = &[
        "ID tenant",
        "Instance ID",
        "Type d'instance",
        "Temps d'activité (heures)",
        "Prix actuel",
        "Mode de facturation",
    ];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        vec![
            self.tenant.clone(),
            self.instance_id.clone(),
            self.flavor.clone(),
            dec_opt(self.hours),
            dec(self.price),
            self.mode.as_str().into(),
        ]
    }
}

/// `data_PBI_info_billing_history.csv` (OVH-04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingHistoryRow {
    /// `Periode` (the `to` date of the period).
    pub period: NaiveDate,
    /// `Tenant ID`.
    pub tenant: String,
    /// `Instance ID`.
    pub instance_id: String,
    /// `Temps d'utilisation (heure)`.
    pub hours: Option<Decimal>,
    /// `Coût` (ratio applied).
    pub cost: Decimal,
    /// `Mode de facturation`.
    pub mode: BillingMode,
    /// `Mode de facturation pertinent` (`None`: unknown, empty cell).
    pub relevant: Option<bool>,
}

impl CsvRow for BillingHistoryRow {
    const FILE: &'static str = FILE_BILLING_HISTORY;
    const HEADER: &'static [&'static str] = &[
        "Periode",
        "Tenant ID",
        "Instance ID",
        "Temps d'utilisation (heure)",
        "Coût",
        "Mode de facturation",
        "Mode de facturation pertinent",
    ];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        vec![
            self.period.to_string(),
            self.tenant.clone(),
            self.instance_id.clone(),
            dec_opt(self.hours),
            dec(self.cost),
            self.mode.as_str().into(),
            self.relevant.map(boolean).unwrap_or_default(),
        ]
    }
}

/// `data_PBI_info_billing_managed_public_cloud.csv` (OVH-05).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedRow {
    /// `Periode`.
    pub period: NaiveDate,
    /// `Tenant`.
    pub tenant: String,
    /// `service` (resourcesUsage type).
    pub service: String,
    /// `Région`.
    pub region: String,
    /// `Prix` (sum of the components, ratio applied).
    pub price: Decimal,
}

impl CsvRow for ManagedRow {
    const FILE: &'static str = FILE_MANAGED;
    const HEADER: &'static [&'static str] = &["Periode", "Tenant", "service", "Région", "Prix"];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        vec![
            self.period.to_string(),
            self.tenant.clone(),
            self.service.clone(),
            self.region.clone(),
            dec(self.price),
        ]
    }
}

/// A row of `data_PBI_info_billing_snapshot.csv` (OVH-06) or
/// `data_PBI_info_billing_storage.csv` (OVH-07).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionPriceRow {
    /// `Periode`.
    pub period: NaiveDate,
    /// `Tenant`.
    pub tenant: String,
    /// `Région`.
    pub region: String,
    /// `Prix` (ratio applied).
    pub price: Decimal,
}

impl RegionPriceRow {
    fn cells(&self) -> Vec<String> {
        vec![
            self.period.to_string(),
            self.tenant.clone(),
            self.region.clone(),
            dec(self.price),
        ]
    }
}

/// `data_PBI_info_billing_snapshot.csv` (OVH-06).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow(pub RegionPriceRow);

impl CsvRow for SnapshotRow {
    const FILE: &'static str = FILE_SNAPSHOT;
    const HEADER: &'static [&'static str] = &["Periode", "Tenant", "Région", "Prix"];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        self.0.cells()
    }
}

/// `data_PBI_info_billing_storage.csv` (OVH-07).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageRow(pub RegionPriceRow);

impl CsvRow for StorageRow {
    const FILE: &'static str = FILE_STORAGE;
    const HEADER: &'static [&'static str] = &["Periode", "Tenant", "Région", "Prix"];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        self.0.cells()
    }
}

/// `data_PBI_info_instance.csv` (OVH-08). Values are text because Hosted Private Cloud VMs
/// carry `NA` / `unknown` placeholders in some columns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceRow {
    /// `Tenant ID`.
    pub tenant: String,
    /// `Instance ID`.
    pub instance_id: String,
    /// `Instance Name`.
    pub name: String,
    /// `Image OS` (the mounted ISO for a Hosted Private Cloud VM).
    pub image: String,
    /// `Type` (flavor; `NA` for Hosted Private Cloud).
    pub kind: String,
    /// `IPV4` (the host name for Hosted Private Cloud).
    pub ipv4: String,
    /// `IPV6`.
    pub ipv6: String,
    /// `RAM`.
    pub ram: String,
    /// `Disque (Go)`.
    pub disk: String,
    /// `CPU`.
    pub cpu: String,
    /// `Bande passante`.
    pub bandwidth: String,
    /// `Region`.
    pub region: String,
    /// `Status`.
    pub status: String,
}

impl CsvRow for InstanceRow {
    const FILE: &'static str = FILE_INSTANCE;
    const HEADER: &'static [&'static str] = &[
        "Tenant ID",
        "Instance ID",
        "Instance Name",
        "Image OS",
        "Type",
        "IPV4",
        "IPV6",
        "RAM",
        "Disque (Go)",
        "CPU",
        "Bande passante",
        "Region",
        "Status",
    ];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        vec![
            self.tenant.clone(),
            self.instance_id.clone(),
            self.name.clone(),
            self.image.clone(),
            self.kind.clone(),
            self.ipv4.clone(),
            self.ipv6.clone(),
            self.ram.clone(),
            self.disk.clone(),
            self.cpu.clone(),
            self.bandwidth.clone(),
            self.region.clone(),
            self.status.clone(),
        ]
    }
}

/// `data_PBI_info_tenant.csv` (OVH-09).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRow {
    /// `Nom du service` (display name).
    pub name: String,
    /// `ID du service`.
    pub id: String,
    /// `Type de service` (product types, `;`-joined when one id has several).
    pub kind: String,
    /// `HDS`.
    pub hds: bool,
    /// `SNC`.
    pub snc: bool,
    /// `Contact administratif`.
    pub admin: String,
    /// `Contact technique`.
    pub tech: String,
    /// `Contact facturation`.
    pub billing: String,
}

impl CsvRow for TenantRow {
    const FILE: &'static str = FILE_TENANT;
    const HEADER: &'static [&'static str] = &[
        "Nom du service",
        "ID du service",
        "Type de service",
        "HDS",
        "SNC",
        "Contact administratif",
        "Contact technique",
        "Contact facturation",
    ];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        vec![
            self.name.clone(),
            self.id.clone(),
            self.kind.clone(),
            boolean(self.hds),
            boolean(self.snc),
            self.admin.clone(),
            self.tech.clone(),
            self.billing.clone(),
        ]
    }
}

/// `data_PBI_info_service.csv` (OVH-10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    /// `Tenant ID`.
    pub tenant: String,
    /// `Service ID`.
    pub service_id: String,
    /// `Service name`.
    pub name: String,
    /// `Status`.
    pub status: String,
    /// `Region`.
    pub region: String,
}

impl CsvRow for ServiceRow {
    const FILE: &'static str = FILE_SERVICE;
    const HEADER: &'static [&'static str] = &[
        "Tenant ID",
        "Service ID",
        "Service name",
        "Status",
        "Region",
    ];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        vec![
            self.tenant.clone(),
            self.service_id.clone(),
            self.name.clone(),
            self.status.clone(),
            self.region.clone(),
        ]
    }
}

/// `data_PBI_missing_token.csv` (OVH-11): a contact with no credential held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTokenRow {
    /// `Missing tokens` (NIC handle).
    pub contact: String,
}

impl CsvRow for MissingTokenRow {
    const FILE: &'static str = FILE_MISSING_TOKEN;
    const HEADER: &'static [&'static str] = &["Missing tokens"];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        vec![self.contact.clone()]
    }
}

/// `data_PBI_info_usage.csv` (OVH-12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow(pub crate::store::DailyUsage);

impl CsvRow for UsageRow {
    const FILE: &'static str = FILE_USAGE;
    const HEADER: &'static [&'static str] = &[
        "Nom du service",
        "Datacenter Id",
        "Nom de la VM",
        "Consommation moyenne de RAM",
        "Pic de consommation de RAM",
        "Max de consommation de RAM",
        "Consommation moyenne de CPU",
        "Pic de consommation de CPU",
        "Max de consommation de CPU",
        "jour",
    ];
    fn cells(&self, _: &CellFormat) -> Vec<String> {
        let u = &self.0;
        vec![
            u.service.clone(),
            u.datacenter.clone(),
            u.vm_name.clone(),
            dec_opt(u.ram_mean),
            dec_opt(u.ram_peak),
            dec_opt(u.ram_max),
            dec_opt(u.cpu_mean),
            dec_opt(u.cpu_peak),
            dec_opt(u.cpu_max),
            u.day.to_string(),
        ]
    }
}

/// `data_PBI_info_users.csv` (OVH-15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow(pub crate::store::UserAudit);

impl CsvRow for UserRow {
    const FILE: &'static str = FILE_USERS;
    const HEADER: &'static [&'static str] = &[
        "Compte OVH",
        "Utilisateur",
        "Type MFA",
        "Sursis MFA",
        "Actif",
        "Last log",
        "Email",
    ];
    fn cells(&self, fmt: &CellFormat) -> Vec<String> {
        let u = &self.0;
        vec![
            u.account.clone(),
            u.user.clone(),
            u.mfa.clone(),
            boolean(u.grace),
            boolean(u.active),
            fmt.datetime_opt(u.last_login),
            u.email.clone(),
        ]
    }
}

/// The per-account user history (OVH-15), file [`user_history_file`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserHistoryRow(pub crate::store::UserAudit);

/// Header of the per-account user history.
pub const USER_HISTORY_HEADER: &[&str] = &["name", "mfa", "sursis", "actif", "last_log", "mail"];

impl UserHistoryRow {
    /// The cells, in [`USER_HISTORY_HEADER`] order.
    pub fn cells(&self, fmt: &CellFormat) -> Vec<String> {
        let u = &self.0;
        vec![
            u.user.clone(),
            u.mfa.clone(),
            boolean(u.grace),
            boolean(u.active),
            fmt.datetime_opt(u.last_login),
            u.email.clone(),
        ]
    }
}

/// The token credentials file (OVH-02): one row per credential file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// `File` (credential file name).
    pub file: String,
    /// `date_debut` (creation).
    pub start: Option<DateTime<Utc>>,
    /// `date_fin` (expiration; empty when the token never expires or is invalid).
    pub end: Option<DateTime<Utc>>,
}

impl CsvRow for TokenRow {
    const FILE: &'static str = FILE_TOKEN;
    const HEADER: &'static [&'static str] = &["File", "date_debut", "date_fin"];
    fn cells(&self, fmt: &CellFormat) -> Vec<String> {
        vec![
            self.file.clone(),
            fmt.datetime_opt(self.start),
            fmt.datetime_opt(self.end),
        ]
    }
}

/// `date_time_refresh.csv` (OVH-20): the run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRow {
    /// `Date Time`.
    pub at: DateTime<Utc>,
}

impl CsvRow for RefreshRow {
    const FILE: &'static str = FILE_REFRESH;
    const HEADER: &'static [&'static str] = &["Date Time"];
    fn cells(&self, fmt: &CellFormat) -> Vec<String> {
        vec![fmt.datetime(self.at)]
    }
}

/// Writes the CSV files of one run into a directory.
#[derive(Debug)]
pub struct ReportWriter {
    dir: PathBuf,
    encoding: CsvEncoding,
    format: CellFormat,
    warnings: Vec<String>,
    files: Vec<PathBuf>,
}

impl ReportWriter {
    /// A writer into `dir` (created when missing).
    pub fn new(dir: impl Into<PathBuf>, encoding: CsvEncoding) -> Self {
        ReportWriter {
            dir: dir.into(),
            encoding,
            format: CellFormat::default(),
            warnings: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Use another cell format (time zone).
    pub fn with_format(mut self, format: CellFormat) -> Self {
        self.format = format;
        self
    }

    /// The cell format.
    pub fn format(&self) -> &CellFormat {
        &self.format
    }

    /// Characters replaced by `?` so far (file, row, column).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Files written so far, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Write one typed file (rows sorted).
    pub fn write<R: CsvRow>(&mut self, rows: &[R]) -> Result<PathBuf> {
        let header: Vec<String> = R::HEADER.iter().map(|s| s.to_string()).collect();
        let rows: Vec<Vec<String>> = rows.iter().map(|r| r.cells(&self.format)).collect();
        self.write_table(R::FILE, &header, rows, true)
    }

    /// Write any table; `sort` sorts the rows by their cells.
    pub fn write_table(
        &mut self,
        file: &str,
        header: &[String],
        mut rows: Vec<Vec<String>>,
        sort: bool,
    ) -> Result<PathBuf> {
        if sort {
            rows.sort();
        }
        let bytes = self.render(file, header, &rows)?;
        let path = self.dir.join(file);
        finops_core::fs::write_atomic(&path, &bytes)?;
        self.files.push(path.clone());
        Ok(path)
    }

    /// The bytes of a table, as [`ReportWriter::write_table`] would write them (the shared
    /// [`finops_core::table`] writer, CRLF line ends).
    pub fn render(
        &mut self,
        file: &str,
        header: &[String],
        rows: &[Vec<String>],
    ) -> Result<Vec<u8>> {
        let out = render_csv(
            file,
            header,
            rows,
            CsvFormat::new(self.encoding, LineEnd::CrLf),
        )?;
        self.warnings.extend(out.warnings);
        Ok(out.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict() {
        let h = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            mode_relevant(BillingMode::Monthly, h("360"), h("720")),
            Some(true)
        );
        assert_eq!(
            mode_relevant(BillingMode::Monthly, h("359"), h("720")),
            Some(false)
        );
        assert_eq!(
            mode_relevant(BillingMode::Hourly, h("359"), h("720")),
            Some(true)
        );
        assert_eq!(
            mode_relevant(BillingMode::Hourly, h("360"), h("720")),
            Some(false)
        );
        assert_eq!(mode_relevant(BillingMode::Hourly, h("1"), h("0")), None);
    }

    #[test]
    fn cp1252_header_and_replacement() {
        let mut w = ReportWriter::new("/nonexistent", CsvEncoding::Cp1252);
        let bytes = w
            .render(
                "x.csv",
                &["Région".to_string(), "Prix".to_string()],
                &[vec!["a,b".into(), "日".into()]],
            )
            .unwrap();
        assert_eq!(bytes, b"R\xe9gion,Prix\r\n\"a,b\",?\r\n");
        assert_eq!(w.warnings().len(), 1);
        assert!(w.warnings()[0].contains("line 2"), "{:?}", w.warnings());
        let mut w = ReportWriter::new("/nonexistent", CsvEncoding::Utf8);
        let bytes = w.render("x.csv", &["Région".to_string()], &[]).unwrap();
        assert_eq!(bytes, "Région\r\n".as_bytes());
    }

    proptest::proptest! {
        /// Any cells survive the CSV round trip (UTF-8), and cp1252 never panics: what it
        /// cannot hold becomes `?`, everything else is kept.
        #[test]
        fn csv_round_trip(cells in proptest::collection::vec(".{0,12}", 1..6)) {
            let header: Vec<String> = (0..cells.len()).map(|i| format!("c{i}")).collect();
            let mut w = ReportWriter::new("/nonexistent", CsvEncoding::Utf8);
            let bytes = w.render("p.csv", &header, std::slice::from_ref(&cells)).unwrap();
            let mut r = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
            let back: Vec<String> = r.records().next().unwrap().unwrap().iter().map(str::to_string).collect();
            proptest::prop_assert_eq!(&back, &cells);

            let mut w = ReportWriter::new("/nonexistent", CsvEncoding::Cp1252);
            let bytes = w.render("p.csv", &header, std::slice::from_ref(&cells)).unwrap();
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
            let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let back: Vec<String> = r.records().next().unwrap().unwrap().iter().map(str::to_string).collect();
            for (b, c) in back.iter().zip(&cells) {
                proptest::prop_assert_eq!(b.chars().count(), c.chars().count());
            }
        }

        /// Decimals are printed exactly: the text parses back to the same value.
        #[test]
        fn decimals_exact(m in proptest::num::i64::ANY, scale in 0u32..18) {
            let x = Decimal::new(m, scale);
            proptest::prop_assert_eq!(dec(x).parse::<Decimal>().unwrap(), x);
            proptest::prop_assert!(!dec(x).contains('e') && !dec(x).contains('E'));
        }
    }
}
