//! `finops allocate`, `finops forecast` and `finops anomalies` end to end: the built binary
//! on a generated FOCUS file, checking the CLI contract (files, headers, JSON keys, exit
//! codes).

use chrono::NaiveDate;
use finops_core::focus::{ChargeCategory, CostRecord, Period, ServiceCategory};
use finops_core::{Currency, Decimal, Tags};
use std::path::{Path, PathBuf};
use std::process::Command;

fn day(i: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 7).unwrap() + chrono::Days::new(i)
}

/// ResourceName, tag, ServiceName, SubAccountId, whole cost, currency.
type Row = (
    &'static str,
    Option<(&'static str, &'static str)>,
    &'static str,
    &'static str,
    i64,
    Currency,
);

/// 56 days from Monday 7 September 2026: web (tag app), billing (tag App), a network
/// resource (shared), a data project; EUR, plus one USD series. A spike on day 53.
fn write_input(dir: &Path) -> PathBuf {
    let mut recs = Vec::new();
    for i in 0..56u64 {
        let d = day(i);
        let weekend = i % 7 >= 5;
        let rows: [Row; 5] = [
            (
                "web-1",
                Some(("app", "web")),
                "Compute",
                "proj-1",
                if weekend { 40 } else { 100 },
                Currency::EUR,
            ),
            (
                "bill-1",
                Some(("App", "billing")),
                "Compute",
                "proj-1",
                50,
                Currency::EUR,
            ),
            ("lb-1", None, "Network", "proj-1", 10, Currency::EUR),
            ("db-1", None, "Database", "proj-42", 30, Currency::EUR),
            ("vm-us", None, "Compute", "proj-us", 20, Currency::USD),
        ];
        for (name, tag, svc, sub, mut cost, cur) in rows {
            if i == 53 && name == "db-1" {
                cost += 500;
            }
            let mut r = CostRecord::new(
                "Contoso",
                "BA-1",
                cur,
                Period::month_of(d),
                Period::day(d),
                ChargeCategory::Usage,
                svc,
                ServiceCategory::Compute,
                Decimal::new(cost * 100 + 1, 2),
            );
            r.resource_name = Some(name.into());
            r.sub_account_id = Some(sub.into());
            if let Some((k, v)) = tag {
                let mut t = Tags::new();
                t.insert(k, v);
                r.tags = Some(t);
            }
            recs.push(r);
        }
    }
    let p = dir.join("costs.csv");
    finops_core::focus::write_file(&p, &recs).unwrap();
    p
}

fn finops(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_finops"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn allocate_writes_parquet_and_showback() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path());
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        r#"
unallocated = "Unallocated"
[[map]]                       # first match wins
to = "billing"
tag = "app"                   # tag key, case-insensitive
equals = "billing"            # or: matches = "bill*"
[[map]]
to = "data"
sub_account = "proj-42"       # SubAccountId, exact
[[map]]
to = "web"
resource_name = "web-*"       # glob on ResourceName
[[map]]
to = "shared-network"
resource_name = "lb-*"
[[share]]
from = "shared-network"       # a target whose cost is split over the others
by = "percent"                # proportional | even | percent
percent = { web = 60, billing = 40 }
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let (code, stdout, err) = finops(&[
        "allocate",
        "--input",
        s(&input),
        "--rules",
        s(&rules),
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("280 records in"), "{stdout}");
    let showback = std::fs::read_to_string(out.join("showback.csv")).unwrap();
    let mut lines = showback.lines();
    assert_eq!(
        lines.next(),
        Some("AllocatedTo,month,BillingCurrency,BilledCost,EffectiveCost")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Per currency, the showback adds up to the input to the cent.
    let total = |cur: &str| -> Decimal {
        rows.iter()
            .filter(|r| r[2] == cur)
            .map(|r| r[3].parse::<Decimal>().unwrap())
            .sum()
    };
    // EUR: 56 days × (web 40×16+100×40 …) computed from the input itself.
    let input_total = |cur: &str| -> Decimal {
        finops_core::focus::read_file(&input)
            .unwrap()
            .map(|r| r.unwrap())
            .filter(|r| r.billing_currency.as_str() == cur)
            .map(|r| r.billed_cost)
            .sum()
    };
    assert_eq!(total("EUR"), input_total("EUR"));
    assert_eq!(total("USD"), input_total("USD"));
    assert!(rows.iter().any(|r| r[0] == "Unallocated" && r[2] == "USD"));
    assert!(!rows.iter().any(|r| r[0] == "shared-network"));
    // September and October billing months.
    assert!(rows.iter().any(|r| r[0] == "web" && r[1] == "2026-09"));
    assert!(rows.iter().any(|r| r[0] == "web" && r[1] == "2026-10"));
    let back: Vec<CostRecord> = finops_core::focus::read_file(out.join("allocated.parquet"))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(back.len(), 280 + 56);
    assert!(
        back.iter()
            .all(|r| r.extensions.get("x_AllocatedTo").is_some())
    );

    // Several files after one `--input` (the documented `--input FILE...` form) are all read.
    let out2 = dir.path().join("out2");
    let (code, stdout, err) = finops(&[
        "allocate",
        "--input",
        s(&input),
        s(&input),
        "--rules",
        s(&rules),
        "--out",
        s(&out2),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("560 records in"), "{stdout}");

    // A bad rules file is a runtime failure (1) naming the rule; a missing argument a usage
    // error (2).
    std::fs::write(&rules, "[[map]]\nto = \"x\"\n").unwrap();
    let (code, _, err) = finops(&[
        "allocate",
        "--input",
        s(&input),
        "--rules",
        s(&rules),
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("map[1]"), "{err}");
    let (code, _, _) = finops(&["allocate", "--input", s(&input)]);
    assert_eq!(code, 2);
}

#[test]
fn forecast_json_contract_and_budget_runout() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path());
    let (code, stdout, err) = finops(&[
        "forecast",
        "--input",
        s(&input),
        "--by",
        "SubAccountId",
        "--as-of",
        "2026-10-26",
        "--horizon",
        "14",
        "--model",
        "weekday",
        "--format",
        "json",
        "--budget",
        "proj-us=1200",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let series = v["series"].as_array().unwrap();
    assert_eq!(series.len(), 3);
    let us = series
        .iter()
        .find(|x| x["key"]["SubAccountId"] == "proj-us")
        .unwrap();
    let keys: Vec<&str> = us.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "key",
            "currency",
            "model",
            "backtest",
            "forecast",
            "budget",
            "runout_date"
        ]
    );
    assert_eq!(us["currency"], "USD");
    assert_eq!(us["model"], "weekday");
    assert_eq!(us["backtest"]["mape"], "0");
    assert_eq!(us["backtest"]["bias"], "0");
    assert_eq!(us["forecast"]["total"], "280.14");
    assert_eq!(us["forecast"]["daily"].as_array().unwrap().len(), 14);
    let d0 = &us["forecast"]["daily"][0];
    assert_eq!(d0["date"], "2026-10-26");
    assert_eq!(d0["value"], "20.01");
    assert!(d0["lower"].is_string() && d0["upper"].is_string());
    assert_eq!(us["budget"], "1200");
    // 49 days of history × 20.01 = 980.49 spent; 11 more days reach 1200.6 on 5 November.
    assert_eq!(us["runout_date"], "2026-11-05");
    let web = series
        .iter()
        .find(|x| x["key"]["SubAccountId"] == "proj-1")
        .unwrap();
    assert!(web["budget"].is_null() && web["runout_date"].is_null());

    // A budget that lasts past the horizon: null run-out.
    let (code, stdout, _) = finops(&[
        "forecast",
        "--input",
        s(&input),
        "--by",
        "SubAccountId,BillingCurrency",
        "--as-of",
        "2026-10-26",
        "--horizon",
        "7",
        "--format",
        "csv",
        "--budget",
        "proj-us=100000",
    ]);
    assert_eq!(code, 0);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("SubAccountId,BillingCurrency,model,mape,bias,total,lower,upper,budget,runout_date")
    );
    assert!(stdout.contains("proj-us,USD,"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("proj-us,USD,") && l.ends_with(",100000,"))
    );

    // Usage errors exit 2; runtime failures 1.
    for bad in [
        vec!["--as-of", "2026-13-01", "--horizon", "7"],
        vec![
            "--as-of",
            "2026-10-26",
            "--horizon",
            "7",
            "--model",
            "magic",
        ],
        vec![
            "--as-of",
            "2026-10-26",
            "--horizon",
            "7",
            "--budget",
            "nokey",
        ],
        vec!["--as-of", "2026-10-26"],
    ] {
        let mut args = vec!["forecast", "--input", s(&input), "--by", "SubAccountId"];
        args.extend(bad.iter().copied());
        assert_eq!(finops(&args).0, 2, "{bad:?}");
    }
    let (code, _, err) = finops(&[
        "forecast",
        "--input",
        "/nonexistent.csv",
        "--by",
        "SubAccountId",
        "--as-of",
        "2026-10-26",
        "--horizon",
        "7",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent.csv"), "{err}");
}

#[test]
fn anomalies_json_names_the_spike() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path());
    let (code, stdout, err) = finops(&[
        "anomalies",
        "--input",
        s(&input),
        "--by",
        "ProviderName",
        "--as-of",
        "2026-11-02",
        "--days",
        "7",
        "--explain-by",
        "ResourceName",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let a = v["anomalies"].as_array().unwrap();
    assert_eq!(a.len(), 1, "{stdout}");
    let a = &a[0];
    let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "date",
            "key",
            "currency",
            "actual",
            "expected",
            "lower",
            "upper",
            "contributors"
        ]
    );
    assert_eq!(a["date"], "2026-10-30");
    assert_eq!(a["key"], serde_json::json!({"ProviderName": "Contoso"}));
    assert_eq!(a["currency"], "EUR");
    assert_eq!(a["contributors"][0]["value"], "db-1");
    assert_eq!(a["contributors"][0]["delta"], "500");
    // Before the spike: nothing.
    let (code, stdout, _) = finops(&[
        "anomalies",
        "--input",
        s(&input),
        "--by",
        "ProviderName",
        "--as-of",
        "2026-10-30",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), r#"{"anomalies":[]}"#);
    assert_eq!(
        finops(&["anomalies", "--input", s(&input), "--by", "ProviderName"]).0,
        2
    );
}
