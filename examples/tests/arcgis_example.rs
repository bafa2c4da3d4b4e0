//! `arcgis_credits` end to end against the ArcGIS emulator (in process: secrets are passed
//! through an injected environment, since tests may not set process variables).

use clap::Parser;
use finops_arcgis::emulator::{self, ArcGisEmulator, EmulatorConfig};
use finops_examples::arcgis::{Args, run};
use rust_decimal::Decimal;
use std::collections::HashMap;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + use<> {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| m.get(k).cloned()
}

fn admin_args(emu: &ArcGisEmulator, extra: &[&str]) -> Args {
    let url = emu.url();
    let mut v = vec![
        "arcgis_credits",
        "--portal",
        url.as_str(),
        "--username",
        emulator::ADMIN_USER,
        "--password-env",
        "AGO_PW",
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-15",
    ];
    v.extend_from_slice(extra);
    Args::try_parse_from(v).unwrap()
}

async fn run_ok(
    args: &Args,
    env: &finops_examples::arcgis::Env,
    emu: &ArcGisEmulator,
) -> (String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let o = run(args, env, emu.clock(), &mut out, &mut err)
        .await
        .unwrap();
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert!(o.failures.is_empty(), "{:?}\n{out}\n{err}", o.failures);
    (out, err)
}

#[tokio::test]
async fn notebook_workflow_end_to_end() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let env = env_of(&[("AGO_PW", emulator::ADMIN_PASSWORD)]);
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().display().to_string();
    let args = admin_args(
        &emu,
        &[
            "--user",
            "user0002",
            "--out",
            &out_dir,
            "--price-per-credit",
            "0.11",
            "--currency",
            "EUR",
        ],
    );
    let (out, _) = run_ok(&args, &env, &emu).await;
    assert!(out.contains("available credits: 125000.5"), "{out}");
    assert!(out.contains("credit budgeting: enabled"));
    assert!(out.contains("User [user0002] has 1000 assigned credits and 99.5 available credits."));
    assert!(out.contains("under 10%: 26 user(s)"), "{out}");
    assert!(out.contains("260 users"));
    for f in [
        "arcgis_usage_by_operation.csv",
        "arcgis_usage_by_user.csv",
        "arcgis_users.csv",
        "arcgis_focus.parquet",
        "arcgis_focus.csv",
    ] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
    // The FOCUS file reads back and reconciles to the cent with the emulator's data.
    let recs =
        finops_core::focus::parquet::read_parquet_file(dir.path().join("arcgis_focus.parquet"))
            .unwrap();
    let billed: Decimal = recs.iter().map(|r| r.billed_cost).sum();
    let credits: Decimal = emu.usage_rows().iter().map(|r| r.credits).sum();
    assert_eq!(billed, credits * Decimal::new(11, 2));
    // The users CSV has one row per user, -1 written as "unallocated".
    let users_csv = std::fs::read_to_string(dir.path().join("arcgis_users.csv")).unwrap();
    assert_eq!(users_csv.lines().count(), 261);
    assert!(users_csv.contains("user0010,org_user,false,unallocated,unallocated,,"));
    assert_eq!(
        emu.write_calls(),
        0,
        "a report run writes nothing to the portal"
    );
}

#[tokio::test]
async fn csv_format_prints_exact_usage_totals() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let env = env_of(&[("AGO_PW", emulator::ADMIN_PASSWORD)]);
    let (out, err) = run_ok(&admin_args(&emu, &["--format", "csv"]), &env, &emu).await;
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("stype,etype,credits,count"));
    let mut total = Decimal::ZERO;
    let mut prev: Option<Decimal> = None;
    for l in lines {
        let cols: Vec<&str> = l.split(',').collect();
        let c: Decimal = cols[2].parse().unwrap();
        assert!(prev.is_none_or(|p| p >= c), "sorted descending");
        prev = Some(c);
        total += c;
    }
    let expected: Decimal = emu.usage_rows().iter().map(|r| r.credits).sum();
    assert_eq!(total, expected);
    assert!(
        err.contains("Organization Emulated Org"),
        "the other sections go to stderr"
    );
    // JSON: one document.
    let (out, _) = run_ok(&admin_args(&emu, &["--format", "json"]), &env, &emu).await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["usage_total"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        expected
    );
}

#[tokio::test]
async fn dry_run_then_apply_then_nothing() {
    let emu = ArcGisEmulator::start_with(EmulatorConfig::default().with_budgeting(false))
        .await
        .unwrap();
    let env = env_of(&[("AGO_PW", emulator::ADMIN_PASSWORD)]);
    let alloc = ["--allocate", "under=10%,add=200", "--max-total", "5000"];
    // Budgeting off: users are not budgeted; the dry run says budgeting would be enabled.
    let (out, _) = run_ok(&admin_args(&emu, &alloc), &env, &emu).await;
    assert!(out.contains("DRY RUN"), "{out}");
    assert!(
        out.contains("credit budgeting is OFF: it would be enabled first"),
        "{out}"
    );
    assert_eq!(emu.write_calls(), 0);
    // --apply: enable budgeting, then one batch of 25 users (26 under 10 %, cap 5000 = 25 x 200).
    let mut a = alloc.to_vec();
    a.push("--apply");
    let (out, _) = run_ok(&admin_args(&emu, &a), &env, &emu).await;
    assert!(
        out.contains("1 assignUserCredits call(s); 5000 credits assigned"),
        "{out}"
    );
    assert!(out.contains("skipped user0252"), "{out}");
    assert_eq!(emu.update_calls().len(), 1);
    assert_eq!(emu.assign_calls().len(), 1);
    assert_eq!(emu.assign_calls()[0].len(), 25);
    // Re-run: only the user left out by the cap remains, then nothing at all.
    let (out, _) = run_ok(&admin_args(&emu, &a), &env, &emu).await;
    assert!(
        out.contains("1 assignUserCredits call(s); 200 credits assigned"),
        "{out}"
    );
    let writes = emu.write_calls();
    let (out, _) = run_ok(&admin_args(&emu, &a), &env, &emu).await;
    assert!(out.contains("0 user(s), 0 credits in total"), "{out}");
    assert_eq!(
        emu.write_calls(),
        writes,
        "a second run after success sends nothing"
    );
}

#[tokio::test]
async fn notify_sends_once_per_state() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let env = env_of(&[("AGO_PW", emulator::ADMIN_PASSWORD)]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json").display().to_string();
    let file = dir.path().join("alerts.txt").display().to_string();
    let a = [
        "--notify",
        "--channel",
        "builtin",
        "--state",
        &state,
        "--notify-file",
        &file,
    ];
    let (out, _) = run_ok(&admin_args(&emu, &a), &env, &emu).await;
    assert!(out.contains("78 new alert(s)"), "{out}");
    let n = emu.notifications();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].channel, "builtin");
    assert_eq!(
        n[0].users,
        vec![emulator::ADMIN_USER.to_string(), "second_admin".to_string()]
    );
    assert!(std::fs::read_to_string(&file).unwrap().contains("user0002"));
    let (out, _) = run_ok(&admin_args(&emu, &a), &env, &emu).await;
    assert!(out.contains("no new alert"), "{out}");
    assert_eq!(emu.notifications().len(), 1);
}

#[tokio::test]
async fn non_admin_and_missing_secret_are_clear_errors() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let url = emu.url();
    let args = Args::try_parse_from([
        "arcgis_credits",
        "--portal",
        &url,
        "--username",
        emulator::VIEWER_USER,
        "--password-env",
        "AGO_PW",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-08",
    ])
    .unwrap();
    let env = env_of(&[("AGO_PW", emulator::VIEWER_PASSWORD)]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let e = run(&args, &env, emu.clock(), &mut out, &mut err)
        .await
        .unwrap_err();
    assert!(
        format!("{e:#}").contains("administrator rights required"),
        "{e:#}"
    );
    let none = env_of(&[]);
    let e = run(&args, &none, emu.clock(), &mut out, &mut err)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("AGO_PW"), "{e}");
    assert!(!format!("{e:#}").contains(emulator::VIEWER_PASSWORD));
    // Bad rules and dates are refused before any call.
    let mut bad = admin_args(&emu, &[]);
    bad.allocate = Some("under=10".into());
    let e = run(&bad, &env, emu.clock(), &mut out, &mut err)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--allocate"), "{e}");
    assert!(
        Args::try_parse_from(["arcgis_credits", "--portal", "x", "--from", "2026-01-01"]).is_err()
    );
    // An --out that cannot be a directory is refused before any call (nothing half-done).
    let file = tempfile::NamedTempFile::new().unwrap();
    let out_arg = file.path().join("sub").display().to_string();
    let bad = admin_args(&emu, &["--out", &out_arg]);
    let before = emu.token_requests();
    let e = run(&bad, &env, emu.clock(), &mut out, &mut err)
        .await
        .unwrap_err();
    assert!(format!("{e:#}").contains("--out"), "{e:#}");
    assert_eq!(emu.token_requests(), before);
    // A portal address without a scheme says what is expected.
    let mut bad = admin_args(&emu, &[]);
    bad.portal = Some("myorg.maps.arcgis.com".into());
    let e = run(&bad, &env, emu.clock(), &mut out, &mut err)
        .await
        .unwrap_err();
    assert!(
        format!("{e:#}").contains("https://<org>.maps.arcgis.com"),
        "{e:#}"
    );
}

#[tokio::test]
async fn out_of_range_numbers_are_refused_before_any_call() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let env = env_of(&[("AGO_PW", emulator::ADMIN_PASSWORD)]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    for (flag, v) in [
        ("--price-per-credit", "79228162514264337593543950335"),
        ("--price-per-credit", "-0.1"),
        ("--max-total", "1e30"),
        ("--org-min-credits", "-5"),
    ] {
        let arg = format!("{flag}={v}");
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().display().to_string();
        let mut extra = vec![arg.as_str(), "--out", out_dir.as_str()];
        if flag == "--max-total" {
            extra.extend(["--allocate", "under=10%,add=200"]);
        }
        let args = admin_args(&emu, &extra);
        let e = run(&args, &env, emu.clock(), &mut out, &mut err)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(flag), "{flag} {v}: {e}");
    }
    assert_eq!(emu.token_requests(), 0);
}

#[test]
fn a_price_without_an_output_directory_is_a_usage_error() {
    let e = Args::try_parse_from(["arcgis_credits", "--demo", "--price-per-credit", "0.1"])
        .unwrap_err();
    assert!(e.to_string().contains("--out"), "{e}");
    // --demo never silently ignores a real portal.
    assert!(
        Args::try_parse_from([
            "arcgis_credits",
            "--demo",
            "--portal",
            "https://www.arcgis.com"
        ])
        .is_err()
    );
}

#[test]
fn help_documents_the_exit_status() {
    use clap::CommandFactory;
    let help = Args::command().render_long_help().to_string();
    assert!(help.contains("Exit status: 0"), "{help}");
    assert!(
        help.contains("2 when the command line cannot be parsed"),
        "{help}"
    );
}

#[tokio::test]
async fn demo_writes_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let s = finops_examples::arcgis::demo(dir.path()).await.unwrap();
    assert_eq!(s.provider, "arcgis");
    assert!(s.files.iter().all(|f| f.exists()), "{:?}", s.files);
    assert!(dir.path().join("arcgis_focus.parquet").exists());
    let text = s.lines.join("\n");
    assert!(text.contains("allocation applied"), "{text}");
    assert!(
        text.contains("re-run: allocation applied: 0 credits"),
        "{text}"
    );
}

#[tokio::test]
async fn token_env_and_oauth2_app_logins() {
    use finops_arcgis::credential::{generate_token_request, parse_generate_token};
    use finops_core::Secret;
    use finops_core::http::{HttpClient, Url};
    let emu = ArcGisEmulator::start().await.unwrap();
    let http = HttpClient::builder("arcgis")
        .with_error_parser(std::sync::Arc::new(finops_arcgis::client::parse_error))
        .build()
        .unwrap();
    let rest = Url::parse(&format!("{}/sharing/rest", emu.url())).unwrap();
    let req = generate_token_request(
        &rest,
        emulator::ADMIN_USER,
        &Secret::new(emulator::ADMIN_PASSWORD),
        "http",
        60,
    )
    .unwrap();
    let resp = http.send(req, None).await.unwrap();
    let tok = parse_generate_token(&resp.body, emu.clock().now(), 60).unwrap();
    let url = emu.url();
    let args = Args::try_parse_from([
        "arcgis_credits",
        "--portal",
        &url,
        "--token-env",
        "AGO_TOKEN",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-08",
    ])
    .unwrap();
    let env = env_of(&[("AGO_TOKEN", tok.token.expose())]);
    let (out, _) = run_ok(&args, &env, &emu).await;
    assert!(out.contains("under 10%: 26 user(s)"), "{out}");
    assert!(!out.contains(tok.token.expose()));

    // An OAuth2 app token reads the org, but every credit-administration step fails with a
    // clear message; the failures are reported and the other steps still run.
    let args = Args::try_parse_from([
        "arcgis_credits",
        "--portal",
        &url,
        "--client-id",
        emulator::CLIENT_ID,
        "--client-secret-env",
        "AGO_SECRET",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-08",
    ])
    .unwrap();
    let env = env_of(&[("AGO_SECRET", emulator::CLIENT_SECRET)]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let o = run(&args, &env, emu.clock(), &mut out, &mut err)
        .await
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("available credits: 125000.5"), "{out}");
    assert_eq!(o.failures.len(), 3, "{:?}", o.failures);
    assert!(
        o.failures
            .iter()
            .all(|f| f.contains("administrator rights required"))
    );
}
