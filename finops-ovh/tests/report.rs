//! The Power BI CSV set, byte for byte on small inputs: file names, header rows (accents in
//! cp1252), row format, sorting, encodings, atomic writes.

use chrono::{DateTime, NaiveDate, Utc};
use finops_ovh::report::*;
use finops_ovh::store::{DailyUsage, UserAudit};
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

/// Read a written file back as text, decoding cp1252.
fn read_cp1252(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(!bad);
    text.into_owned()
}

/// Every header row of parity.md's appendix, exactly.
#[test]
fn headers_match_the_original_files() {
    let cases: Vec<(&str, &[&str], &str)> = vec![
        (
            BillingRow::FILE,
            BillingRow::HEADER,
            "ID tenant,Instance ID,Type d'instance,Temps d'activité (heures),Prix actuel,Mode de facturation",
        ),
        (
            BillingHistoryRow::FILE,
            BillingHistoryRow::HEADER,
            "Periode,Tenant ID,Instance ID,Temps d'utilisation (heure),Coût,Mode de facturation,Mode de facturation pertinent",
        ),
        (
            ManagedRow::FILE,
            ManagedRow::HEADER,
            "Periode,Tenant,service,Région,Prix",
        ),
        (
            SnapshotRow::FILE,
            SnapshotRow::HEADER,
            "Periode,Tenant,Région,Prix",
        ),
        (
            StorageRow::FILE,
            StorageRow::HEADER,
            "Periode,Tenant,Région,Prix",
        ),
        (
            InstanceRow::FILE,
            InstanceRow::HEADER,
            "Tenant ID,Instance ID,Instance Name,Image OS,Type,IPV4,IPV6,RAM,Disque (Go),CPU,Bande passante,Region,Status",
        ),
        (
            TenantRow::FILE,
            TenantRow::HEADER,
            "Nom du service,ID du service,Type de service,HDS,SNC,Contact administratif,Contact technique,Contact facturation",
        ),
        (
            ServiceRow::FILE,
            ServiceRow::HEADER,
            "Tenant ID,Service ID,Service name,Status,Region",
        ),
        (
            MissingTokenRow::FILE,
            MissingTokenRow::HEADER,
            "Missing tokens",
        ),
        (
            UsageRow::FILE,
            UsageRow::HEADER,
            "Nom du service,Datacenter Id,Nom de la VM,Consommation moyenne de RAM,Pic de consommation de RAM,Max de consommation de RAM,Consommation moyenne de CPU,Pic de consommation de CPU,Max de consommation de CPU,jour",
        ),
        (RefreshRow::FILE, RefreshRow::HEADER, "Date Time"),
        (TokenRow::FILE, TokenRow::HEADER, "File,date_debut,date_fin"),
        (
            UserRow::FILE,
            UserRow::HEADER,
            "Compte OVH,Utilisateur,Type MFA,Sursis MFA,Actif,Last log,Email",
        ),
        (
            "data_PBI_users_history_x.csv",
            USER_HISTORY_HEADER,
            "name,mfa,sursis,actif,last_log,mail",
        ),
    ];
    let names = [
        "data_PBI_info_billing.csv",
        "data_PBI_info_billing_history.csv",
        "data_PBI_info_billing_managed_public_cloud.csv",
        "data_PBI_info_billing_snapshot.csv",
        "data_PBI_info_billing_storage.csv",
        "data_PBI_info_instance.csv",
        "data_PBI_info_tenant.csv",
        "data_PBI_info_service.csv",
        "data_PBI_missing_token.csv",
        "data_PBI_info_usage.csv",
        "date_time_refresh.csv",
        "data_PBI_info_token.csv",
        "data_PBI_info_users.csv",
        "data_PBI_users_history_x.csv",
    ];
    for ((file, header, want), name) in cases.iter().zip(names) {
        assert_eq!(*file, name);
        assert_eq!(header.join(","), *want, "{file}");
    }
    assert_eq!(
        user_history_file("ab12345-ovh"),
        "data_PBI_users_history_ab12345-ovh.csv"
    );
}

#[test]
fn billing_files_byte_for_byte_in_cp1252() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ReportWriter::new(dir.path(), CsvEncoding::Cp1252);
    // Given out of order: written sorted.
    let rows = vec![
        BillingRow {
            tenant: "p2".into(),
            instance_id: "i-2".into(),
            flavor: "b2-7".into(),
            hours: Some(d("720")),
            price: d("49.032") * d("1.122"),
            mode: BillingMode::Hourly,
        },
        BillingRow {
            tenant: "p1".into(),
            instance_id: "i-1".into(),
            flavor: "b2-15".into(),
            hours: Some(d("72.50")),
            price: d("48.40"),
            mode: BillingMode::Monthly,
        },
    ];
    let path = w.write(&rows).unwrap();
    assert_eq!(path, dir.path().join("data_PBI_info_billing.csv"));
    let bytes = std::fs::read(&path).unwrap();
    let mut want = b"ID tenant,Instance ID,Type d'instance,Temps d'activit\xe9 (heures),Prix actuel,Mode de facturation\r\n".to_vec();
    want.extend_from_slice(
        b"p1,i-1,b2-15,72.5,48.4,monthly\r\np2,i-2,b2-7,720,55.013904,hourly\r\n",
    );
    assert_eq!(bytes, want);

    let hist = vec![BillingHistoryRow {
        period: day("2026-10-31"),
        tenant: "p1".into(),
        instance_id: "i-1".into(),
        hours: Some(d("100")),
        cost: d("1.99"),
        mode: BillingMode::Hourly,
        relevant: mode_relevant(BillingMode::Hourly, d("100"), d("744")),
    }];
    let path = w.write(&hist).unwrap();
    assert_eq!(
        read_cp1252(&path),
        "Periode,Tenant ID,Instance ID,Temps d'utilisation (heure),Coût,Mode de facturation,Mode de facturation pertinent\r\n\
         2026-10-31,p1,i-1,100,1.99,hourly,True\r\n"
    );

    let managed = vec![ManagedRow {
        period: day("2026-10-31"),
        tenant: "p1".into(),
        service: "databases".into(),
        region: "GRA".into(),
        price: d("12.30"),
    }];
    let snap = vec![SnapshotRow(RegionPriceRow {
        period: day("2026-10-31"),
        tenant: "p1".into(),
        region: "GRA11".into(),
        price: d("0.10"),
    })];
    let storage = vec![StorageRow(RegionPriceRow {
        period: day("2026-09-30"),
        tenant: "p1".into(),
        region: "GRA".into(),
        price: d("0"),
    })];
    let p = w.write(&managed).unwrap();
    assert_eq!(
        read_cp1252(&p),
        "Periode,Tenant,service,Région,Prix\r\n2026-10-31,p1,databases,GRA,12.3\r\n"
    );
    let p = w.write(&snap).unwrap();
    assert_eq!(
        read_cp1252(&p),
        "Periode,Tenant,Région,Prix\r\n2026-10-31,p1,GRA11,0.1\r\n"
    );
    let p = w.write(&storage).unwrap();
    assert_eq!(
        read_cp1252(&p),
        "Periode,Tenant,Région,Prix\r\n2026-09-30,p1,GRA,0\r\n"
    );
    assert!(w.warnings().is_empty());
    assert_eq!(w.files().len(), 5);
}

#[test]
fn inventory_tokens_users_usage_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ReportWriter::new(dir.path(), CsvEncoding::Cp1252);
    let inst = vec![InstanceRow {
        tenant: "pcc-1".into(),
        instance_id: "101".into(),
        name: "vm, \"quoted\"".into(),
        image: "[datastore1] iso/debian-12.iso".into(),
        kind: "NA".into(),
        ipv4: "172.16.0.11".into(),
        ipv6: String::new(),
        ram: "16384".into(),
        disk: "NA".into(),
        cpu: "4".into(),
        bandwidth: "NA".into(),
        region: "unknown".into(),
        status: "poweredOn".into(),
    }];
    let p = w.write(&inst).unwrap();
    assert_eq!(
        read_cp1252(&p).lines().nth(1).unwrap(),
        "pcc-1,101,\"vm, \"\"quoted\"\"\",[datastore1] iso/debian-12.iso,NA,172.16.0.11,,16384,NA,4,NA,unknown,poweredOn"
    );
    let tenants = vec![TenantRow {
        name: "pcc prod".into(),
        id: "pcc-1".into(),
        kind: "pcc / veeam-backup".into(),
        hds: true,
        snc: true,
        admin: "ps11111-ovh".into(),
        tech: "ps11111-ovh".into(),
        billing: "ps11111-ovh".into(),
    }];
    let p = w.write(&tenants).unwrap();
    assert_eq!(
        read_cp1252(&p).lines().nth(1).unwrap(),
        "pcc prod,pcc-1,pcc / veeam-backup,True,True,ps11111-ovh,ps11111-ovh,ps11111-ovh"
    );
    let p = w
        .write(&[ServiceRow {
            tenant: "p1".into(),
            service_id: "gw-1".into(),
            name: "GW-01-55-a".into(),
            status: "active".into(),
            region: "GRA11".into(),
        }])
        .unwrap();
    assert_eq!(
        read_cp1252(&p),
        "Tenant ID,Service ID,Service name,Status,Region\r\np1,gw-1,GW-01-55-a,active,GRA11\r\n"
    );
    let p = w
        .write(&[MissingTokenRow {
            contact: "ext99999-ovh".into(),
        }])
        .unwrap();
    assert_eq!(read_cp1252(&p), "Missing tokens\r\next99999-ovh\r\n");
    // Date-times in Europe/Paris.
    let p = w
        .write(&[TokenRow {
            file: "SAS_Sante".into(),
            start: Some(t("2026-01-01T10:00:00Z")),
            end: Some(t("2026-11-24T00:00:00Z")),
        }])
        .unwrap();
    assert_eq!(
        read_cp1252(&p),
        "File,date_debut,date_fin\r\nSAS_Sante,2026-01-01 11:00:00,2026-11-24 01:00:00\r\n"
    );
    let p = w
        .write(&[RefreshRow {
            at: t("2026-11-22T00:00:00Z"),
        }])
        .unwrap();
    assert_eq!(read_cp1252(&p), "Date Time\r\n2026-11-22 01:00:00\r\n");
    let p = w
        .write(&[UserRow(UserAudit {
            account: "ps11111-ovh".into(),
            user: "psc-admin".into(),
            mfa: "U2F".into(),
            grace: false,
            active: true,
            last_login: Some(t("2026-11-17T08:00:00Z")),
            email: "admin@example.org".into(),
        })])
        .unwrap();
    assert_eq!(
        read_cp1252(&p),
        "Compte OVH,Utilisateur,Type MFA,Sursis MFA,Actif,Last log,Email\r\nps11111-ovh,psc-admin,U2F,False,True,2026-11-17 09:00:00,admin@example.org\r\n"
    );
    let p = w
        .write(&[UsageRow(DailyUsage {
            service: "pcc-1".into(),
            datacenter: "1".into(),
            vm_name: "psc-app-db-01".into(),
            day: day("2026-11-22"),
            ram_mean: Some(d("1250.5")),
            ram_peak: Some(d("1500")),
            ram_max: Some(d("16384")),
            cpu_mean: None,
            cpu_peak: None,
            cpu_max: Some(d("9200")),
            samples: 2,
        })])
        .unwrap();
    assert_eq!(
        read_cp1252(&p).lines().nth(1).unwrap(),
        "pcc-1,1,psc-app-db-01,1250.5,1500,16384,,,9200,2026-11-22"
    );
}

#[test]
fn unrepresentable_characters_become_question_marks_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ReportWriter::new(dir.path(), CsvEncoding::Cp1252);
    let p = w
        .write(&[MissingTokenRow {
            contact: "Zoë € ✓".into(),
        }])
        .unwrap();
    assert_eq!(
        std::fs::read(&p).unwrap(),
        b"Missing tokens\r\nZo\xeb \x80 ?\r\n"
    );
    assert_eq!(w.warnings().len(), 1);
    assert!(
        w.warnings()[0].contains("data_PBI_missing_token.csv")
            && w.warnings()[0].contains("line 2")
    );

    let mut w = ReportWriter::new(dir.path().join("utf8"), CsvEncoding::Utf8);
    let p = w
        .write(&[MissingTokenRow {
            contact: "Zoë € ✓".into(),
        }])
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "Missing tokens\r\nZoë € ✓\r\n"
    );
    assert!(w.warnings().is_empty());
}

#[test]
fn writes_are_atomic_and_leave_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = ReportWriter::new(dir.path(), CsvEncoding::Cp1252);
    w.write(&[MissingTokenRow {
        contact: "a".into(),
    }])
    .unwrap();
    w.write(&[MissingTokenRow {
        contact: "b".into(),
    }])
    .unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["data_PBI_missing_token.csv".to_string()]);
    assert_eq!(
        read_cp1252(&dir.path().join(MissingTokenRow::FILE)),
        "Missing tokens\r\nb\r\n"
    );
}
