//! Reading the CMDB: a workbook (`.xlsx`, via calamine) or a directory of per-sheet CSV
//! files, as text tables whose errors name the file, the sheet, the row and the column.

use super::*;

/// One sheet as text cells, whatever the source format.
#[derive(Debug, Clone)]
struct Table {
    /// `file` or `file#sheet`, for error messages.
    source: String,
    header: Vec<String>,
    /// (1-based row number in the source, cells).
    rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    fn column(&self, name: &str) -> Result<usize> {
        let want = name.trim().to_lowercase();
        self.header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase() == want)
            .ok_or_else(|| Error::MissingColumn {
                file: self.source.clone(),
                column: name.to_string(),
            })
    }

    fn columns(&self, names: &[&str]) -> Result<Vec<usize>> {
        names.iter().map(|n| self.column(n)).collect()
    }

    fn parse_error(&self, line: u64, column: &str, message: impl Into<String>) -> Error {
        Error::Parse {
            location: Location {
                file: self.source.clone(),
                line: Some(line),
                column: Some(column.to_string()),
            },
            message: message.into(),
        }
    }
}

fn cell(row: &[String], i: usize) -> String {
    row.get(i).map(|s| s.trim().to_string()).unwrap_or_default()
}

impl Cmdb {
    /// Read a `.xlsx`/`.xls`/`.ods` workbook, or a directory of per-sheet CSV files.
    pub fn load(path: &Path) -> Result<Cmdb> {
        if path.is_dir() {
            Cmdb::from_csv_dir(path)
        } else {
            Cmdb::from_xlsx(path)
        }
    }

    /// Read the workbook. `3. Appli-Tenant` is required; the other sheets may be absent.
    pub fn from_xlsx(path: &Path) -> Result<Cmdb> {
        use calamine::Reader;
        let file = path.display().to_string();
        let mut wb = calamine::open_workbook_auto(path).map_err(|e| Error::Parse {
            location: Location {
                file: file.clone(),
                ..Default::default()
            },
            message: format!("cannot open the CMDB workbook: {e}"),
        })?;
        let names = wb.sheet_names();
        let mut tables = BTreeMap::new();
        for (sheet, _) in SHEETS {
            let Some(actual) = names.iter().find(|n| n.trim() == sheet) else {
                continue;
            };
            let source = format!("{file}#{sheet}");
            let range = wb.worksheet_range(actual).map_err(|e| Error::Parse {
                location: Location {
                    file: source.clone(),
                    ..Default::default()
                },
                message: format!("cannot read the sheet: {e}"),
            })?;
            let first_row = range.start().map(|(r, _)| u64::from(r)).unwrap_or(0);
            let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
            let mut rows = Vec::new();
            for (i, r) in range.rows().enumerate() {
                let line = first_row + i as u64 + 1;
                let mut cells = vec![String::new(); first_col];
                for (j, c) in r.iter().enumerate() {
                    cells.push(xlsx_cell_text(c).map_err(|m| Error::Parse {
                        location: Location {
                            file: source.clone(),
                            line: Some(line),
                            column: Some(column_letter(first_col + j)),
                        },
                        message: m,
                    })?);
                }
                rows.push((line, cells));
            }
            tables.insert(sheet, table_from_rows(source, rows));
        }
        Cmdb::from_tables(&file, tables)
    }

    /// Read one CSV file per sheet from `dir`, named `<sheet name>.csv`
    /// (`3. Appli-Tenant.csv`, ...). Files are UTF-8 (a BOM is skipped) or, when they are not
    /// valid UTF-8, Windows-1252 (what Excel writes on French Windows); the delimiter is `;`
    /// when the header line holds more `;` than `,`, else `,`.
    pub fn from_csv_dir(dir: &Path) -> Result<Cmdb> {
        let mut tables = BTreeMap::new();
        for (sheet, _) in SHEETS {
            let path = dir.join(format!("{sheet}.csv"));
            if !path.exists() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let text = decode_text(&bytes);
            let source = path.display().to_string();
            let first_line = text.lines().next().unwrap_or("");
            let delim = if first_line.matches(';').count() > first_line.matches(',').count() {
                b';'
            } else {
                b','
            };
            let mut rdr = csv::ReaderBuilder::new()
                .delimiter(delim)
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut rows = Vec::new();
            for (i, rec) in rdr.records().enumerate() {
                let rec = rec.map_err(|e| Error::Parse {
                    location: Location {
                        file: source.clone(),
                        line: e.position().map(|p| p.line()),
                        column: None,
                    },
                    message: e.to_string(),
                })?;
                // The row number (the line number unless a quoted field spans lines).
                rows.push((i as u64 + 1, rec.iter().map(str::to_string).collect()));
            }
            tables.insert(sheet, table_from_rows(source, rows));
        }
        Cmdb::from_tables(&dir.display().to_string(), tables)
    }

    fn from_tables(origin: &str, mut tables: BTreeMap<&'static str, Table>) -> Result<Cmdb> {
        let mut cmdb = Cmdb::default();
        let at = tables.remove(SHEET_APP_TENANT).ok_or_else(|| {
            Error::config_at(
                origin,
                SHEET_APP_TENANT,
                "the CMDB has no application-tenant sheet",
            )
        })?;
        let cols = at.columns(SHEETS[2].1)?;
        let mut seen: BTreeMap<String, (Decimal, u64)> = BTreeMap::new();
        for (line, row) in &at.rows {
            let tenant_id = cell(row, cols[1]);
            if tenant_id.is_empty() {
                continue;
            }
            let factor = |k: usize| -> Result<Decimal> {
                parse_factor(&cell(row, cols[k])).map_err(|m| {
                    at.parse_error(
                        *line,
                        SHEETS[2].1[k],
                        format!("cell {}{line}: {m}", column_letter(cols[k])),
                    )
                })
            };
            let t = AppTenant {
                app_id: cell(row, cols[0]),
                tenant_id: tenant_id.clone(),
                environment: cell(row, cols[2]),
                vat: uplift(factor(3)?),
                market_discount: factor(4)?,
                support_uplift: uplift(factor(5)?),
            };
            let ratio = t.ratio().map_err(|e| {
                at.parse_error(
                    *line,
                    "Tenant ID",
                    format!(
                        "cells {}{line}..{}{line}: {e}",
                        column_letter(cols[3]),
                        column_letter(cols[5])
                    ),
                )
            })?;
            if let Some((r, first)) = seen.get(&tenant_id) {
                if *r != ratio {
                    return Err(at.parse_error(
                        *line,
                        "Tenant ID",
                        format!(
                            "tenant {tenant_id} already has ratio {r} on row {first}, this row gives {ratio}"
                        ),
                    ));
                }
            } else {
                seen.insert(tenant_id, (ratio, *line));
            }
            cmdb.app_tenants.push(t);
        }
        if let Some(t) = tables.remove(SHEET_USERS) {
            let c = t.columns(SHEETS[0].1)?;
            cmdb.users = t
                .rows
                .iter()
                .map(|(_, r)| CmdbUser {
                    last_name: cell(r, c[0]),
                    first_name: cell(r, c[1]),
                    email: cell(r, c[2]),
                })
                .filter(|u| {
                    !(u.last_name.is_empty() && u.first_name.is_empty() && u.email.is_empty())
                })
                .collect();
        }
        if let Some(t) = tables.remove(SHEET_APPLICATIONS) {
            let c = t.columns(SHEETS[1].1)?;
            for (line, r) in &t.rows {
                let a = Application {
                    app_id: cell(r, c[0]),
                    name: cell(r, c[1]),
                    operator: cell(r, c[2]),
                    description: cell(r, c[3]),
                };
                if a.app_id.is_empty() && a.name.is_empty() {
                    continue;
                }
                if a.app_id.is_empty() {
                    return Err(t.parse_error(*line, "App ID", "empty application id"));
                }
                if a.name.is_empty() {
                    return Err(t.parse_error(*line, "Application name", "empty application name"));
                }
                cmdb.applications.push(a);
            }
        }
        if let Some(t) = tables.remove(SHEET_DOMAINS) {
            let c = t.columns(SHEETS[3].1)?;
            cmdb.domains = t
                .rows
                .iter()
                .map(|(_, r)| DomainCompany {
                    domain: cell(r, c[0]),
                    company: cell(r, c[1]),
                })
                .filter(|d| !d.domain.is_empty())
                .collect();
        }
        if let Some(t) = tables.remove(SHEET_LOCATIONS) {
            let c = t.columns(SHEETS[4].1)?;
            cmdb.locations = t
                .rows
                .iter()
                .map(|(_, r)| RegionName {
                    region_id: cell(r, c[0]),
                    region_name: cell(r, c[1]),
                })
                .filter(|d| !d.region_id.is_empty())
                .collect();
        }
        if let Some(t) = tables.remove(SHEET_MAPPING) {
            let c = t.columns(SHEETS[5].1)?;
            for (line, r) in &t.rows {
                let rule = VmMappingRule {
                    tenant: Pattern::new(cell(r, c[0])),
                    instance_name: Pattern::new(cell(r, c[1])),
                    region: Pattern::new(cell(r, c[2])),
                    output: cell(r, c[3]),
                };
                if rule.tenant.as_str().is_empty()
                    && rule.instance_name.as_str().is_empty()
                    && rule.region.as_str().is_empty()
                    && rule.output.is_empty()
                {
                    continue;
                }
                if rule.output.is_empty() {
                    return Err(t.parse_error(
                        *line,
                        "output",
                        "a mapping rule needs an output category",
                    ));
                }
                cmdb.vm_mapping.push(rule);
            }
        }
        if let Some(t) = tables.remove(SHEET_EMAILS) {
            let c = t.columns(SHEETS[6].1)?;
            cmdb.emails = t
                .rows
                .iter()
                .map(|(_, r)| EmailRecipient {
                    email: cell(r, c[0]),
                    description: cell(r, c[1]),
                })
                .filter(|e| !e.email.is_empty())
                .collect();
        }
        Ok(cmdb)
    }
}

fn table_from_rows(source: String, mut rows: Vec<(u64, Vec<String>)>) -> Table {
    // The header is the first non-empty row.
    while rows
        .first()
        .is_some_and(|(_, r)| r.iter().all(|c| c.trim().is_empty()))
    {
        rows.remove(0);
    }
    let header = if rows.is_empty() {
        vec![]
    } else {
        rows.remove(0).1
    };
    rows.retain(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    Table {
        source,
        header,
        rows,
    }
}

fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

fn xlsx_cell_text(c: &calamine::Data) -> std::result::Result<String, String> {
    use calamine::Data;
    Ok(match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Shortest round-trip text of the double (`1.2`, not its binary expansion).
        Data::Float(f) => {
            if !f.is_finite() {
                return Err(format!("not a finite number: {f}"));
            }
            format!("{f}")
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, mo, da, h, mi, se, _) = d.to_ymd_hms_milli();
            format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{se:02}")
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("cell holds the error {e}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_factor_in_a_sheet_names_file_sheet_and_cell() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("3. Appli-Tenant.csv"),
            "App ID,Tenant ID,Environnement,TVA,Réduction Marché,Coût support OVH\nA1,t1,Prod,1E20,1,1\n",
        )
        .unwrap();
        let e = Cmdb::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("3. Appli-Tenant.csv:2") && e.contains("TVA") && e.contains("cell D2"),
            "{e}"
        );
    }

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
