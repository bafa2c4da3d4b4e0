//! CMDB reading (OVH-13/14/16): the workbook and the per-sheet CSV directory give the same
//! typed rows; ratios are exact; errors name file, sheet, row and column.

use finops_ovh::cmdb::{Cmdb, SHEETS};
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook;
use std::path::{Path, PathBuf};
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A cell of a test sheet: text, or a number stored as an Excel double.
#[derive(Clone)]
enum Cell {
    T(&'static str),
    N(f64),
}
use Cell::{N, T};

fn sample() -> Vec<(&'static str, Vec<Vec<Cell>>)> {
    vec![
        (
            SHEETS[0].0,
            vec![
                vec![T("Nom"), T("Prénom"), T("email")],
                vec![T("Durand"), T("Zoé"), T("zoe.durand@example.org")],
            ],
        ),
        (
            SHEETS[1].0,
            vec![
                vec![
                    T("App ID"),
                    T("Application name"),
                    T("Infogérant"),
                    T("Description"),
                ],
                vec![
                    T("APP1"),
                    T("SAS Santé"),
                    T("Infogérant A"),
                    T("Service d'accès aux soins"),
                ],
                vec![T("APP2"), T("ProSanteConnect"), T("Infogérant B"), T("")],
            ],
        ),
        (
            SHEETS[2].0,
            vec![
                vec![
                    T("App ID"),
                    T("Tenant ID"),
                    T("Environnement"),
                    T("TVA"),
                    T("Réduction Marché"),
                    T("Coût support OVH"),
                ],
                vec![
                    T("APP1"),
                    T("proj-a"),
                    T("Prod"),
                    N(1.2),
                    T("0,85"),
                    T("110 %"),
                ],
                vec![
                    T("APP1"),
                    T("proj-b"),
                    T("Recette"),
                    T("20 %"),
                    N(1.0),
                    N(0.0),
                ],
                vec![T("APP2"), T("pcc-1"), T("Prod"), N(1.2), N(0.9), N(1.05)],
            ],
        ),
        (
            SHEETS[3].0,
            vec![
                vec![T("Nom de domaine"), T("Entreprise")],
                vec![T("example.org"), T("ANS")],
            ],
        ),
        (
            SHEETS[4].0,
            vec![
                vec![T("Region ID"), T("Region Name")],
                vec![T("GRA11"), T("Gravelines")],
            ],
        ),
        (
            SHEETS[5].0,
            vec![
                vec![T("Tenant ID"), T("Instance Name"), T("Region"), T("output")],
                vec![T("proj-a"), T("*-db-dd"), T("*"), T("Database")],
                vec![T("proj-*"), T("*"), T("GRA*"), T("Prod")],
                vec![T("*"), T("*"), T("*"), T("Other")],
            ],
        ),
        (
            SHEETS[6].0,
            vec![
                vec![T("email"), T("description")],
                vec![T("finops@example.org"), T("FinOps")],
            ],
        ),
    ]
}

fn write_xlsx(path: &Path, sheets: &[(&str, Vec<Vec<Cell>>)]) {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    T(s) => ws.write_string(r as u32, c as u16, *s).unwrap(),
                    N(f) => ws.write_number(r as u32, c as u16, *f).unwrap(),
                };
            }
        }
    }
    wb.save(path).unwrap();
}

fn write_csv_dir(dir: &Path, sheets: &[(&str, Vec<Vec<Cell>>)], sep: &str, cp1252: bool) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, rows) in sheets {
        let mut text = String::new();
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    // French Excel writes decimal commas; quote when the separator is a comma.
                    T(s) if s.contains(sep) => format!("\"{s}\""),
                    T(s) => s.to_string(),
                    N(f) if sep == ";" => format!("{f}").replace('.', ","),
                    N(f) => format!("{f}"),
                })
                .collect();
            text.push_str(&cells.join(sep));
            text.push_str("\r\n");
        }
        let bytes = if cp1252 {
            encoding_rs_bytes(&text)
        } else {
            text.into_bytes()
        };
        std::fs::write(dir.join(format!("{name}.csv")), bytes).unwrap();
    }
}

fn encoding_rs_bytes(text: &str) -> Vec<u8> {
    // Latin-1 subset: every test character maps to the same code point in cp1252.
    text.chars().map(|c| u32::from(c) as u8).collect()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn xlsx_and_csv_give_the_same_cmdb() {
    let dir = tmp();
    let xlsx = dir.path().join("CMDB.xlsx");
    write_xlsx(&xlsx, &sample());
    let from_xlsx = Cmdb::load(&xlsx).unwrap();

    let csv_comma = dir.path().join("csv-comma");
    write_csv_dir(&csv_comma, &sample(), ",", false);
    let csv_semi = dir.path().join("csv-semicolon-cp1252");
    write_csv_dir(&csv_semi, &sample(), ";", true);
    assert_eq!(Cmdb::load(&csv_comma).unwrap(), from_xlsx);
    assert_eq!(Cmdb::load(&csv_semi).unwrap(), from_xlsx);

    assert_eq!(from_xlsx.users[0].first_name, "Zoé");
    assert_eq!(from_xlsx.applications.len(), 2);
    assert_eq!(from_xlsx.applications[0].name, "SAS Santé");
    assert_eq!(from_xlsx.domains[0].company, "ANS");
    assert_eq!(from_xlsx.locations[0].region_name, "Gravelines");
    assert_eq!(from_xlsx.emails[0].email, "finops@example.org");
    assert_eq!(from_xlsx.vm_mapping.len(), 3);
}

#[test]
fn ratio_is_vat_times_discount_times_support_exactly() {
    let dir = tmp();
    let xlsx = dir.path().join("CMDB.xlsx");
    write_xlsx(&xlsx, &sample());
    let c = Cmdb::load(&xlsx).unwrap();
    // 1.2 × 0,85 × 110 % = 1.122, exactly (no binary floating point on the way).
    assert_eq!(c.ratio("proj-a"), Some(d("1.122")));
    // A VAT rate (`20 %`) and a zero support uplift are read as 1.2 and 1.
    assert_eq!(c.ratio("proj-b"), Some(d("1.2")));
    assert_eq!(c.ratio("pcc-1"), Some(d("1.134")));
    assert_eq!(c.ratio("unknown"), None);
    assert_eq!(
        c.unmapped_tenants(["proj-a", "zz", "unknown", "zz"]),
        vec!["unknown".to_string(), "zz".to_string()]
    );
    assert_eq!(
        c.systems(),
        vec![
            (
                "SAS Santé".to_string(),
                vec!["proj-a".to_string(), "proj-b".to_string()]
            ),
            ("ProSanteConnect".to_string(), vec!["pcc-1".to_string()]),
        ]
    );
}

#[test]
fn mapping_rules_first_match_wins() {
    let dir = tmp();
    let xlsx = dir.path().join("CMDB.xlsx");
    write_xlsx(&xlsx, &sample());
    let c = Cmdb::load(&xlsx).unwrap();
    assert_eq!(c.category("proj-a", "sas-db-01", "GRA11"), Some("Database"));
    // `d` is a digit: `sas-db-x1` is not a database by the first rule.
    assert_eq!(c.category("proj-a", "sas-db-x1", "GRA11"), Some("Prod"));
    assert_eq!(c.category("proj-b", "web", "GRA7"), Some("Prod"));
    assert_eq!(c.category("proj-b", "web", "SBG5"), Some("Other"));
}

#[test]
fn bad_factor_names_file_sheet_row_and_column() {
    let dir = tmp();
    let mut s = sample();
    s[2].1[2][4] = T("beaucoup");
    let xlsx = dir.path().join("CMDB.xlsx");
    write_xlsx(&xlsx, &s);
    let e = Cmdb::load(&xlsx).unwrap_err().to_string();
    assert!(e.contains("CMDB.xlsx#3. Appli-Tenant"), "{e}");
    assert!(e.contains(":3"), "row 3 expected: {e}");
    assert!(e.contains("Réduction Marché"), "{e}");

    let csv = dir.path().join("csv");
    write_csv_dir(&csv, &s, ",", false);
    let e = Cmdb::load(&csv).unwrap_err().to_string();
    assert!(e.contains("3. Appli-Tenant.csv:3"), "{e}");
    assert!(e.contains("Réduction Marché"), "{e}");
}

#[test]
fn conflicting_ratios_for_one_tenant_are_refused() {
    let dir = tmp();
    let mut s = sample();
    s[2].1.push(vec![
        T("APP2"),
        T("proj-a"),
        T("Prod"),
        N(1.0),
        N(1.0),
        N(1.0),
    ]);
    let xlsx = dir.path().join("CMDB.xlsx");
    write_xlsx(&xlsx, &s);
    let e = Cmdb::load(&xlsx).unwrap_err().to_string();
    assert!(e.contains("proj-a") && e.contains("row 2"), "{e}");
}

#[test]
fn missing_column_and_missing_sheet() {
    let dir = tmp();
    let mut s = sample();
    s[5].1[0][3] = T("categorie");
    let xlsx = dir.path().join("CMDB.xlsx");
    write_xlsx(&xlsx, &s);
    let e = Cmdb::load(&xlsx).unwrap_err().to_string();
    assert!(e.contains("6. Mapping VM") && e.contains("output"), "{e}");

    let s: Vec<_> = sample()
        .into_iter()
        .filter(|(n, _)| *n != SHEETS[2].0)
        .collect();
    let xlsx = dir.path().join("CMDB2.xlsx");
    write_xlsx(&xlsx, &s);
    let e = Cmdb::load(&xlsx).unwrap_err().to_string();
    assert!(e.contains("3. Appli-Tenant"), "{e}");

    let e = Cmdb::load(&dir.path().join("nope.xlsx"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.xlsx"), "{e}");
}

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/ovh")
}

/// The committed sample workbook matches the committed per-sheet CSV files.
#[test]
fn example_workbook_matches_example_csv_sheets() {
    let dir = example_dir();
    let (xlsx, csv) = (dir.join("CMDB.xlsx"), dir.join("cmdb"));
    if !xlsx.exists() || !csv.exists() {
        eprintln!("skipping: no example CMDB yet");
        return;
    }
    assert_eq!(Cmdb::load(&xlsx).unwrap(), Cmdb::load(&csv).unwrap());
}

/// Regenerate `examples/data/ovh/CMDB.xlsx` from `examples/data/ovh/cmdb/*.csv`:
/// `cargo test -p finops-ovh --test cmdb -- --ignored regenerate_example_workbook`.
#[test]
#[ignore]
fn regenerate_example_workbook() {
    let dir = example_dir();
    let mut wb = Workbook::new();
    for (name, _) in SHEETS {
        let path = dir.join("cmdb").join(format!("{name}.csv"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for (r, rec) in rdr.records().enumerate() {
            for (c, cell) in rec.unwrap().iter().enumerate() {
                // Numbers as Excel numbers, like a hand-made workbook.
                match cell.parse::<f64>() {
                    Ok(f) if r > 0 && !cell.is_empty() => ws.write_number(r as u32, c as u16, f),
                    _ => ws.write_string(r as u32, c as u16, cell),
                }
                .unwrap();
            }
        }
    }
    wb.save(dir.join("CMDB.xlsx")).unwrap();
}
