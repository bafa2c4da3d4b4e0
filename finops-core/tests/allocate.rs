//! Allocation: conservation and one-target-per-row properties, rules-file errors, CMDB
//! tables, driver splits, and the Parquet output through the FOCUS validator.

use chrono::NaiveDate;
use finops_core::allocate::{
    Rules, X_ALLOCATED_FROM, X_ALLOCATED_TO, X_ALLOCATION_RULE, allocate_files, allocate_records,
};
use finops_core::focus::{ChargeCategory, CostRecord, Period, ServiceCategory};
use finops_core::{Currency, Decimal, Tags};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

const APPS: [&str; 5] = ["web", "billing", "data", "shared-network", "ops"];
const SUBS: [&str; 4] = ["proj-1", "proj-42", "proj-7", "proj-9"];
const NAMES: [&str; 5] = ["web-1", "web-2", "db-1", "lb-1", "bill-x"];
fn cur(i: usize) -> Currency {
    Currency::new(["EUR", "USD", "JPY"][i]).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn record(
    id: usize,
    cur: Currency,
    month: u32,
    units: i64,
    scale: u32,
    app: Option<&str>,
    app_key: &str,
    sub: &str,
    name: &str,
) -> CostRecord {
    let day = NaiveDate::from_ymd_opt(2026, month, 3).unwrap();
    let cost = Decimal::new(units, scale);
    let mut r = CostRecord::new(
        "Contoso",
        "BA-1",
        cur,
        Period::month_of(day),
        Period::day(day),
        ChargeCategory::Usage,
        "Compute",
        ServiceCategory::Compute,
        cost,
    );
    r.effective_cost = cost / Decimal::TWO;
    r.sub_account_id = Some(sub.to_string());
    r.resource_name = Some(name.to_string());
    if let Some(a) = app {
        let mut t = Tags::new();
        t.insert(app_key, a);
        r.tags = Some(t);
    }
    r.extensions.set("x_RowId", Some(id.to_string()));
    r
}

fn arb_records() -> impl Strategy<Value = Vec<CostRecord>> {
    proptest::collection::vec(
        (
            0usize..3,
            1u32..4,
            -5_000_000i64..50_000_000,
            0u32..8,
            proptest::option::of(0usize..APPS.len()),
            0usize..3,
            0usize..SUBS.len(),
            0usize..NAMES.len(),
        ),
        1..60,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (c, m, u, s, app, k, sub, n))| {
                let scale = if c == 2 { s.min(1) } else { s };
                record(
                    i,
                    cur(c),
                    m,
                    u,
                    scale,
                    app.map(|a| APPS[a]),
                    ["app", "App", "APP"][k],
                    SUBS[sub],
                    NAMES[n],
                )
            })
            .collect()
    })
}

/// Random rule sets: some map rules, and shares of shared-network / ops by each method.
fn arb_rules() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec((0usize..4, 0usize..APPS.len(), 0usize..4), 0..6),
        0usize..5,
        0usize..5,
    )
        .prop_map(|(maps, m1, m2)| {
            let mut s = String::from("unallocated = \"Unallocated\"\n");
            for (kind, app, val) in maps {
                s.push_str("[[map]]\n");
                s.push_str(&format!("to = \"{}\"\n", APPS[app]));
                match kind {
                    0 => s.push_str(&format!(
                        "tag = \"app\"\nequals = \"{}\"\n",
                        APPS[val % APPS.len()]
                    )),
                    1 => s.push_str(&format!("sub_account = \"{}\"\n", SUBS[val])),
                    2 => s.push_str(&format!("resource_name = \"{}*\"\n", &NAMES[val][..3])),
                    _ => s.push_str("tag = \"APP\"\nmatches = \"*a*\"\n"),
                }
            }
            let method = |m: usize| match m {
                0 => "by = \"proportional\"\n".to_string(),
                1 => "by = \"even\"\n".to_string(),
                2 => "by = \"percent\"\npercent = { web = 33.3, billing = 33.3, data = 33.4 }\n"
                    .to_string(),
                3 => "by = \"driver\"\ndrivers = { web = 7, data = 2, billing = 0 }\n".to_string(),
                _ => String::new(),
            };
            for (from, m) in [("shared-network", m1), ("ops", m2)] {
                let body = method(m);
                if !body.is_empty() {
                    s.push_str(&format!("[[share]]\nfrom = \"{from}\"\n{body}"));
                }
            }
            s
        })
}

fn totals(records: &[CostRecord]) -> BTreeMap<String, (Decimal, Decimal, Decimal)> {
    let mut t: BTreeMap<String, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    for r in records {
        let e = t.entry(r.billing_currency.to_string()).or_default();
        e.0 += r.billed_cost;
        e.1 += r.effective_cost;
        e.2 += r.list_cost;
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn allocation_conserves_each_currency_and_places_every_row_once(
        records in arb_records(), rules in arb_rules()
    ) {
        let rules = Rules::from_toml(&rules, "rules.toml", Path::new(".")).unwrap();
        let out = allocate_records(&records, &rules).unwrap();
        // Per currency, to the last decimal.
        prop_assert_eq!(totals(&records), totals(&out.records));
        let sb: BTreeMap<String, Decimal> = out.showback.totals();
        let input: BTreeMap<String, Decimal> =
            totals(&records).into_iter().map(|(k, v)| (k, v.0)).collect();
        prop_assert_eq!(sb, input);
        // Every input row: exactly one output row (same cost), or pieces summing to it.
        let mut by_row: BTreeMap<String, Vec<&CostRecord>> = BTreeMap::new();
        for r in &out.records {
            by_row.entry(r.extensions.get("x_RowId").unwrap().to_string()).or_default().push(r);
        }
        prop_assert_eq!(by_row.len(), records.len());
        for r in &records {
            let pieces = &by_row[r.extensions.get("x_RowId").unwrap()];
            prop_assert!(pieces.iter().all(|p| p.extensions.get(X_ALLOCATED_TO).is_some()));
            prop_assert!(pieces.iter().all(|p| p.extensions.get(X_ALLOCATION_RULE).is_some()));
            if pieces.len() == 1 && pieces[0].extensions.get(X_ALLOCATED_FROM).is_none() {
                prop_assert_eq!(pieces[0].billed_cost, r.billed_cost);
            } else {
                let from = pieces[0].extensions.get(X_ALLOCATED_FROM);
                prop_assert!(from.is_some());
                prop_assert!(pieces.iter().all(|p| p.extensions.get(X_ALLOCATED_FROM) == from));
                let targets: std::collections::BTreeSet<_> =
                    pieces.iter().map(|p| p.extensions.get(X_ALLOCATED_TO)).collect();
                prop_assert_eq!(targets.len(), pieces.len(), "one piece per recipient");
                let s: Decimal = pieces.iter().map(|p| p.billed_cost).sum();
                prop_assert_eq!(s, r.billed_cost);
                let e: Decimal = pieces.iter().map(|p| p.effective_cost).sum();
                prop_assert_eq!(e, r.effective_cost);
                let minor = if r.billing_currency.as_str() == "JPY" { 0 } else { 2 };
                prop_assert!(pieces.iter().all(|p| p.billed_cost.scale() <= r.billed_cost.scale().max(minor)));
            }
        }
        // Deterministic.
        let again = allocate_records(&records, &rules).unwrap();
        prop_assert_eq!(again.records, out.records);
    }
}

#[test]
fn proportional_split_by_hand() {
    let rules = Rules::from_toml(
        r#"
        [[map]]
        to = "web"
        tag = "app"
        equals = "web"
        [[map]]
        to = "billing"
        tag = "app"
        matches = "bill*"
        [[map]]
        to = "shared-network"
        resource_name = "lb-*"
        [[share]]
        from = "shared-network"
        by = "proportional"
        "#,
        "rules.toml",
        Path::new("."),
    )
    .unwrap();
    let eur = Currency::EUR;
    let recs = vec![
        record(0, eur, 3, 300, 0, Some("web"), "App", "p", "web-1"),
        record(1, eur, 3, 100, 0, Some("billing-v2"), "APP", "p", "x"),
        record(2, eur, 3, 1, 0, None, "app", "p", "lb-1"),
        record(3, eur, 3, 5, 0, None, "app", "p", "db-1"),
    ];
    let out = allocate_records(&recs, &rules).unwrap();
    let piece = |to: &str| {
        out.records
            .iter()
            .find(|r| {
                r.extensions.get(X_ALLOCATED_TO) == Some(to)
                    && r.extensions.get(X_ALLOCATED_FROM).is_some()
            })
            .unwrap()
    };
    // 1.00 split 3:1 → 0.75 / 0.25; EffectiveCost 0.5 → 37.5 / 12.5 cents: equal
    // remainders, the leftover cent goes to the first recipient in name order (billing).
    assert_eq!(piece("web").billed_cost, dec("0.75"));
    assert_eq!(piece("billing").billed_cost, dec("0.25"));
    assert_eq!(piece("web").effective_cost, dec("0.37"));
    assert_eq!(piece("billing").effective_cost, dec("0.13"));
    assert_eq!(
        piece("web").extensions.get(X_ALLOCATION_RULE),
        Some("share[1]")
    );
    let un = out
        .records
        .iter()
        .find(|r| r.extensions.get("x_RowId") == Some("3"))
        .unwrap();
    assert_eq!(un.extensions.get(X_ALLOCATED_TO), Some("Unallocated"));
    assert_eq!(un.extensions.get(X_ALLOCATION_RULE), Some("unallocated"));
    let mut csv = Vec::new();
    out.showback.write_csv(&mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "AllocatedTo,month,BillingCurrency,BilledCost,EffectiveCost\n\
         Unallocated,2026-03,EUR,5,2.5\n\
         billing,2026-03,EUR,100.25,50.13\n\
         web,2026-03,EUR,300.75,150.37\n"
    );
}

#[test]
fn cmdb_lookup_and_driver_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cmdb.csv"),
        "Tenant,Application,Owner\nproj-1,web,a\nproj-42,data,b\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("drivers.csv"),
        "target,count\nweb,3\ndata,1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rules.toml"),
        r#"
        [[map]]
        name = "cmdb"
        lookup = { file = "cmdb.csv", on = "SubAccountId", key = "Tenant", target = "Application" }
        [[map]]
        to = "platform"
        column = "ServiceName"
        equals = "Compute"
        [[share]]
        from = "platform"
        by = "driver"
        drivers_file = "drivers.csv"
        "#,
    )
    .unwrap();
    let rules = Rules::from_file(dir.path().join("rules.toml")).unwrap();
    let eur = Currency::EUR;
    let recs = vec![
        record(0, eur, 5, 10, 0, None, "app", "proj-1", "n"),
        record(1, eur, 5, 20, 0, None, "app", "proj-42", "n"),
        record(2, eur, 5, 4, 0, None, "app", "proj-7", "n"),
    ];
    let out = allocate_records(&recs, &rules).unwrap();
    let rows: Vec<(String, String)> = out
        .showback
        .rows
        .iter()
        .map(|r| (r.target.clone(), r.billed_cost.to_string()))
        .collect();
    assert_eq!(
        rows,
        vec![("data".into(), "21".into()), ("web".into(), "13".into())]
    );
    assert_eq!(
        out.records[0].extensions.get(X_ALLOCATION_RULE),
        Some("cmdb")
    );

    // A key listed twice with different targets is refused, naming both lines.
    std::fs::write(
        dir.path().join("cmdb.csv"),
        "Tenant,Application\nproj-1,web\nproj-2,x\nproj-1,data\n",
    )
    .unwrap();
    let e = Rules::from_file(dir.path().join("rules.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cmdb.csv:4") && e.contains("line 2"), "{e}");
}

#[test]
fn rules_errors_name_the_rule() {
    let bad = |text: &str, want: &str| {
        let e = Rules::from_toml(text, "r.toml", Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e} does not contain {want}");
        assert!(e.contains("r.toml"), "{e}");
    };
    bad("[[map]]\nto = \"a\"\n", "map[1]");
    bad(
        "[[map]]\nto = \"a\"\ntag = \"x\"\nsub_account = \"y\"\nequals = \"z\"\n",
        "exactly one",
    );
    bad("[[map]]\nto = \"a\"\ntag = \"x\"\n", "equals, matches");
    bad(
        "[[map]]\ntag = \"x\"\nequals = \"y\"\n",
        "target is missing",
    );
    bad(
        "[[share]]\nfrom = \"s\"\nby = \"percent\"\npercent = { a = 50, b = 49 }\n",
        "add up to 99",
    );
    bad("[[share]]\nfrom = \"s\"\nby = \"magic\"\n", "share[1].by");
    bad(
        "[[share]]\nfrom = \"s\"\nby = \"even\"\nto = [\"t\"]\n[[share]]\nfrom = \"t\"\nby = \"even\"\n",
        "itself shared",
    );
    bad("[[mapp]]\nto = \"a\"\n", "unknown field");
    bad(
        "[[map]]\nto = \"a\"\nresource_name = \"[\"\n",
        "resource_name",
    );
}

#[test]
fn allocated_parquet_passes_the_validator_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.parquet");
    let eur = Currency::EUR;
    let mut recs = vec![
        record(0, eur, 3, 216, 2, Some("web"), "app", "p", "web-1"),
        record(1, eur, 3, 240, 2, Some("billing"), "app", "p", "bill-1"),
        record(2, eur, 3, 99, 2, None, "app", "p", "lb-1"),
    ];
    for (i, r) in recs.iter_mut().enumerate() {
        // A complete, consistent usage row (24 hours at a unit price), as an adapter writes.
        let price = r.billed_cost / Decimal::from(24);
        r.effective_cost = r.billed_cost;
        r.list_cost = r.billed_cost;
        r.contracted_cost = r.billed_cost;
        r.billing_account_name = Some("Acme Billing".into());
        r.billing_account_type = Some("Billing Profile".into());
        r.sub_account_name = Some("Project".into());
        r.sub_account_type = Some("Project".into());
        r.service_name = "Virtual Machines".into();
        r.service_subcategory = Some("Virtual Machines".into());
        r.charge_description = Some("VM, 24 hours".into());
        r.pricing_currency = Some("EUR".into());
        r.pricing_currency_effective_cost = Some(r.billed_cost);
        r.pricing_currency_list_unit_price = Some(price);
        r.pricing_currency_contracted_unit_price = Some(price);
        r.pricing_quantity = Some(Decimal::from(24));
        r.pricing_unit = Some("Hours".into());
        r.consumed_quantity = Some(Decimal::from(24));
        r.consumed_unit = Some("Hours".into());
        r.list_unit_price = Some(price);
        r.contracted_unit_price = Some(price);
        r.resource_id = Some(format!("vm-{i}"));
        r.resource_type = Some("Virtual Machine".into());
        r.sku_id = Some("SKU-1".into());
        r.sku_price_id = Some("SKU-1-EU".into());
        r.sku_meter = Some("Compute Hours".into());
    }
    finops_core::focus::write_file(&input, &recs).unwrap();
    let rules = Rules::from_toml(
        "[[map]]\nto = \"web\"\ntag = \"app\"\nequals = \"web\"\n\
         [[map]]\nto = \"billing\"\ntag = \"app\"\nequals = \"billing\"\n\
         [[map]]\nto = \"net\"\nresource_name = \"lb-*\"\n\
         [[share]]\nfrom = \"net\"\nby = \"percent\"\npercent = { web = 60, billing = 40 }\n",
        "r.toml",
        Path::new("."),
    )
    .unwrap();
    let out = dir.path().join("allocated.parquet");
    let s = allocate_files(&[&input], &rules, &out).unwrap();
    assert_eq!((s.rows_in, s.rows_out, s.rows_split), (3, 4, 1));
    assert_eq!(s.totals["EUR"], dec("5.55"));
    let back: Vec<CostRecord> = finops_core::focus::read_file(&out)
        .unwrap()
        .collect::<finops_core::Result<_>>()
        .unwrap();
    let pieces: Vec<String> = back
        .iter()
        .filter(|r| r.extensions.get(X_ALLOCATED_FROM) == Some("net"))
        .map(|r| r.billed_cost.to_string())
        .collect();
    assert_eq!(pieces, ["0.4", "0.59"]);
    #[cfg(feature = "testing")]
    finops_core::testing::focus_validate(&[&out]);
}

/// Every batch of a Parquet file, concatenated, with the file's Arrow schema.
#[cfg(feature = "parquet")]
fn parquet_content(path: &Path) -> arrow_array::RecordBatch {
    let f = std::fs::File::open(path).unwrap();
    let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let schema = arrow_array::RecordBatchReader::schema(&r);
    let batches: Vec<_> = r.collect::<Result<_, _>>().unwrap();
    arrow_select::concat::concat_batches(&schema, &batches).unwrap()
}

#[cfg(feature = "parquet")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// The columnar path (FOCUS 1.2 Parquet in) writes the same file, cell for cell and type
    /// for type, and the same summary as the record path.
    #[test]
    fn columnar_and_record_paths_write_the_same_file(
        records in arb_records(), rules in arb_rules()
    ) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.parquet");
        finops_core::focus::write_file(&input, &records).unwrap();
        let rules = Rules::from_toml(&rules, "rules.toml", Path::new(".")).unwrap();
        let a = dir.path().join("columnar.parquet");
        let b = dir.path().join("record.parquet");
        let sa = allocate_files(&[&input], &rules, &a).unwrap();
        let sb = finops_core::allocate::allocate_files_by_record(&[&input], &rules, &b).unwrap();
        prop_assert_eq!(&sa, &sb);
        let (ca, cb) = (parquet_content(&a), parquet_content(&b));
        prop_assert_eq!(ca.schema(), cb.schema());
        prop_assert_eq!(ca.num_rows(), cb.num_rows());
        for (i, f) in ca.schema().fields().iter().enumerate() {
            prop_assert_eq!(ca.column(i).as_ref(), cb.column(i).as_ref(), "column {}", f.name());
        }
    }
}
