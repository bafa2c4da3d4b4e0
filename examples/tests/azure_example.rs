//! `azure_hub_ingest`: the CLI contract (JSON keys, exit codes, re-run safety, FOCUS output).

use clap::Parser;
use finops_core::clock::{FixedClock, SharedClock};
use finops_examples::azure::{Args, main_with_args, run};
use std::sync::Arc;

fn clock() -> SharedClock {
    Arc::new(FixedClock::new("2026-11-22T12:00:00Z".parse().unwrap()))
}

#[test]
fn usage_errors_exit_2() {
    let code = main_with_args(["azure_hub_ingest", "--bogus"], clock());
    assert_eq!(
        format!("{code:?}"),
        format!("{:?}", std::process::ExitCode::from(2))
    );
}

#[test]
fn demo_run_json_contract_rerun_and_focus_out() {
    let dir = tempfile::tempdir().unwrap();
    let ex = dir.path().join("msexports");
    let ing = dir.path().join("ingestion");
    let focus = dir.path().join("focus.parquet");
    let argv = |demo: bool| {
        let mut v = vec![
            "azure_hub_ingest".to_string(),
            "--exports".into(),
            ex.display().to_string(),
            "--ingestion".into(),
            ing.display().to_string(),
            "--focus-out".into(),
            focus.display().to_string(),
            "--retention-months".into(),
            "13".into(),
            "--format".into(),
            "json".into(),
        ];
        if demo {
            v.push("--demo".into());
        }
        v
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = rt
        .block_on(run(&Args::parse_from(argv(true)), clock()))
        .unwrap();
    let json = serde_json::to_value(&out).unwrap();
    let ingested = json["ingested"].as_array().unwrap();
    assert_eq!(ingested.len(), 2);
    for k in [
        "manifest", "dataset", "version", "month", "scope", "rows", "files", "replaced",
    ] {
        assert!(ingested[0].get(k).is_some(), "{k} missing: {json}");
    }
    assert_eq!(ingested[0]["month"], "2026-11");
    assert!(json["skipped"].as_array().unwrap().is_empty());
    assert!(json["errors"].as_array().unwrap().is_empty());
    assert_eq!(out.focus_rows, Some(5000));
    assert!(focus.is_file());
    let layout = ing.join("Costs/2026/11/subscriptions/3f2a8c1e-5b7d-4e9f-a1c3-6d8e0f2b4a61/demo-1-0r2__part_0_0001.parquet");
    assert!(layout.is_file(), "{}", layout.display());
    // Safe to re-run: nothing new, nothing changed.
    let again = rt
        .block_on(run(&Args::parse_from(argv(false)), clock()))
        .unwrap();
    assert!(again.report.ingested.is_empty());
    assert_eq!(again.report.skipped.len(), 2);
    assert_eq!(again.focus_rows, Some(5000));
    // --focus-version 1.0: the same rows as FOCUS 1.0 (no column added by 1.1/1.2).
    let csv10 = dir.path().join("focus10.csv");
    let mut v = argv(false);
    let at = v.iter().position(|a| a == "--focus-out").unwrap();
    v[at + 1] = csv10.display().to_string();
    v.extend(["--focus-version".to_string(), "1.0".into()]);
    let v10 = rt.block_on(run(&Args::parse_from(v), clock())).unwrap();
    assert_eq!(v10.focus_rows, Some(5000));
    let header = std::fs::read_to_string(&csv10).unwrap();
    let header = header.lines().next().unwrap();
    assert!(header.contains("x_InvoiceId"), "{header}");
    assert!(
        !header
            .split(',')
            .any(|c| c.trim_matches('"') == "InvoiceId"),
        "{header}"
    );
}
