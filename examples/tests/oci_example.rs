//! The `oci_contract_report` command, run in-process against the emulator.

use finops_core::clock::SharedClock;
use finops_examples::oci::{demo_clock, demo_config_dir, run_cli, start_demo_emulator};
use std::path::Path;

/// One stopped clock for the emulator and the command under test (never the machine's).
fn clock() -> SharedClock {
    demo_clock("2026-11-22".parse().unwrap()).unwrap()
}

async fn cli(args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv: Vec<std::ffi::OsString> = vec!["oci_contract_report".into()];
    argv.extend(args.iter().map(|a| a.into()));
    let code = run_cli(argv, clock(), &mut out, &mut err).await;
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn dec(v: &serde_json::Value) -> rust_decimal::Decimal {
    v.as_str().expect("money is a string").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_report_against_the_emulator() {
    let emu = start_demo_emulator(&demo_config_dir(), clock())
        .await
        .unwrap();
    let dir = demo_config_dir();
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = cli(&[
        "--config-dir",
        dir.to_str().unwrap(),
        "--as-of",
        "2026-11-22",
        "--endpoint",
        &emu.url(),
        "--format",
        "json",
        "--page-limit",
        "50",
        "--out",
        out.path().to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["as_of"], "2026-11-22");
    let clients = v["clients"].as_array().unwrap();
    let names: Vec<&str> = clients
        .iter()
        .map(|c| c["client"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Client B", "Cliente A", "Cliente C"]);
    assert!(v["failures"].as_array().unwrap().is_empty());
    for c in clients {
        let credit = dec(&c["credit"]);
        let consumed = dec(&c["consumed"]);
        let forecast = dec(&c["forecast"]);
        assert_eq!(dec(&c["balance_at_end"]), credit - consumed - forecast);
        let months: rust_decimal::Decimal = c["monthly"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| dec(&m["cost"]))
            .sum();
        assert_eq!(months, consumed);
        assert_eq!(c["weekdays"].as_array().unwrap().len(), 7);
        assert!(c["run_out"]["kind"].is_string());
    }
    // Cliente C's contract (15/06 – 15/12/2026) has 24 days left from 22 Nov inclusive.
    let c = clients.iter().find(|c| c["client"] == "Cliente C").unwrap();
    assert_eq!(c["remaining_days"], 24);
    assert_eq!(c["contract_end"], "2026-12-15");
    let cons = v["consolidated"].as_array().unwrap();
    let brl = cons.iter().find(|c| c["currency"] == "BRL").unwrap();
    assert_eq!(brl["clients"], 2);
    let brl_consumed: rust_decimal::Decimal = clients
        .iter()
        .filter(|c| c["currency"] == "BRL")
        .map(|c| dec(&c["consumed"]))
        .sum();
    assert_eq!(dec(&brl["consumed"]), brl_consumed);
    for f in [
        "oci_report_clients.csv",
        "oci_report_consolidated.csv",
        "oci_report_monthly.csv",
        "oci_report.json",
        "focus_Cliente_A.parquet",
        "focus_Client_B.parquet",
        "focus_Cliente_C.parquet",
    ] {
        assert!(
            out.path().join(f).is_file(),
            "{f} missing; stderr: {stderr}"
        );
    }
    let recs =
        finops_core::focus::parquet::read_parquet_file(out.path().join("focus_Cliente_A.parquet"))
            .unwrap();
    let billed: rust_decimal::Decimal = recs.iter().map(|r| r.billed_cost).sum();
    let a = clients.iter().find(|c| c["client"] == "Cliente A").unwrap();
    assert_eq!(billed, dec(&a["consumed"]));
    // The written JSON is the printed one.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("oci_report.json")).unwrap())
            .unwrap();
    assert_eq!(written, v);
}

/// Billing months that match the invoice (issue 12 §5), on the files the command writes: per
/// billing period (the month of BillingPeriodStart, a whole UTC month, the current one
/// included) and currency, the BilledCost of `focus_<client>.parquet` sums to the cost of
/// `oci_report_monthly.csv` exactly, per client and over all clients (`*`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn written_focus_files_reconcile_with_the_monthly_csv() {
    use rust_decimal::Decimal;
    use std::collections::BTreeMap;
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = cli(&["--demo", "--out", out.path().to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stderr}");
    let monthly = std::fs::read_to_string(out.path().join("oci_report_monthly.csv")).unwrap();
    let mut report: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for line in monthly.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 4, "{line}");
        report.insert(
            (f[0].to_string(), f[2].to_string(), f[1].to_string()),
            f[3].parse().unwrap(),
        );
    }
    let clients: std::collections::BTreeSet<&str> = report
        .keys()
        .map(|(c, _, _)| c.as_str())
        .filter(|c| *c != "*")
        .collect();
    assert_eq!(clients.len(), 3);
    let mut focus: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for client in clients {
        let file = out.path().join(format!(
            "focus_{}.parquet",
            finops_oci::report::slug(client)
        ));
        for r in finops_core::focus::parquet::read_parquet_file(&file).unwrap() {
            let bp = r.billing_period;
            assert_eq!(bp, finops_core::Period::month_of(bp.start.date_naive()));
            assert!(bp.start <= r.charge_period.start && r.charge_period.end <= bp.end);
            let month = bp.start.format("%Y-%m").to_string();
            for who in [client, "*"] {
                let key = (
                    who.to_string(),
                    month.clone(),
                    r.billing_currency.to_string(),
                );
                *focus.entry(key).or_default() += r.billed_cost;
            }
        }
    }
    assert_eq!(focus, report);
    // November 2026, the demo's current month, is billed up to 1 December, not to as-of.
    assert!(report.keys().any(|(c, m, _)| c == "*" && m == "2026-11"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_client_is_listed_and_exit_code_is_2() {
    // The demo clients plus one whose key file does not exist.
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(demo_config_dir()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, tmp.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        tmp.path().join("config_Broken"),
        "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\ntenancy=ocid1.tenancy.oc1..bbbb\nfingerprint=00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\nkey_file=missing.pem\nregion=gru\ncredito=10\ninicio_contrato=2026-01-01\nfim_contrato=2026-12-31\ncliente=Broken\n",
    )
    .unwrap();
    let (code, stdout, stderr) = cli(&[
        "--demo",
        "--config-dir",
        tmp.path().to_str().unwrap(),
        "--format",
        "json",
    ])
    .await;
    assert_eq!(code, 2, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["clients"].as_array().unwrap().len(), 3);
    let f = &v["failures"][0];
    assert_eq!(f["client"], "Broken");
    assert!(f["error"].as_str().unwrap().contains("key_file"), "{f}");
    assert!(stderr.contains("Broken"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_and_csv_formats_and_usage_errors() {
    let (code, stdout, _) = cli(&["--demo"]).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("OCI contract report as of 2026-11-22"));
    assert!(stdout.contains("=== Cliente A"));
    assert!(stdout.contains("Weekday forecast"));
    assert!(stdout.contains("=== Consolidated ==="));
    let (code, stdout, _) = cli(&["--demo", "--format", "csv"]).await;
    assert_eq!(code, 0);
    assert!(stdout.starts_with("client,file,status,error,tenancy,currency"));
    assert!(stdout.contains("\n\ncurrency,clients,credit"));
    let (code, _, stderr) = cli(&["--format", "xml"]).await;
    assert_eq!(code, 1, "{stderr}");
    let (code, _, stderr) =
        cli(&["--config-dir", "/nonexistent/dir", "--as-of", "2026-11-22"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent/dir"), "{stderr}");
    // The OS error is said once, not twice.
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
    // `limit` must be at least 1: refused before anything is sent.
    let (code, _, stderr) = cli(&["--demo", "--page-limit", "0"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--page-limit"), "{stderr}");
    let (code, _, _) = cli(&["--help"]).await;
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finops_demo_writes_the_oci_outputs() {
    let out = tempfile::tempdir().unwrap();
    let s = finops_examples::oci::demo(&out.path().join("oci"))
        .await
        .unwrap();
    assert_eq!(s.provider, "oci");
    assert!(
        s.files
            .iter()
            .any(|f| f.ends_with("oci_report_clients.csv"))
    );
    assert!(s.lines.iter().any(|l| l.starts_with("Cliente A:")));
    assert!(Path::new(&out.path().join("oci/focus_Cliente_C.parquet")).is_file());
}

/// A server that accepts connections and never answers: with `--timeout 1` every client fails
/// within about a second, naming the call, instead of the run hanging for minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_fails_within_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let endpoint = format!("http://{addr}");
    let dir = demo_config_dir();
    let (code, stdout, stderr) = cli(&[
        "--config-dir",
        dir.to_str().unwrap(),
        "--as-of",
        "2026-11-22",
        "--endpoint",
        &endpoint,
        "--format",
        "json",
        "--timeout",
        "1",
    ])
    .await;
    holder.abort();
    assert_eq!(code, 2, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let failures = v["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 3);
    for f in failures {
        let e = f["error"].as_str().unwrap();
        assert!(
            e.contains("POST /20200107/usage") && e.contains("timed out"),
            "{e}"
        );
    }
    let (code, _, stderr) = cli(&["--demo", "--timeout", "0"]).await;
    assert_eq!(code, 1, "{stderr}");
}
