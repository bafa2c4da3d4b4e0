//! The job under stress and for real: every run here is compared with one baseline demo run.
//!
//! - 30 % of the emulators' answers are 429 or 500: the outputs are identical;
//! - one provider's emulator is down: the run completes for the others, and the report and
//!   summary list the failure;
//! - the secret of every credential (OVH application secrets and consumer keys, OCI private keys
//!   and pass phrase, the ArcGIS password, the SMTP password) appears in no log at trace level,
//!   no output file, no error message;
//! - `finops run --config` against emulators started on their own (`finops emulators
//!   --write-config`) gives the demo's outputs, and the SMTP server on loopback receives the
//!   run's message;
//! - `finops daemon` against those emulators runs the job at start for the slot it missed and
//!   records the run (partial: the demo's failing OVH account).

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

/// One demo run in `base/out`, its credentials in `base/creds`.
struct Run {
    base: tempfile::TempDir,
    out: PathBuf,
    stdout: String,
    stderr: String,
}

fn run_demo(extra: &[&str], env: &[(&str, &str)]) -> Run {
    let base = tempfile::tempdir().unwrap();
    let out = base.path().join("out");
    let creds = base.path().join("creds");
    let mut c = finops();
    c.args(["demo", "--out"])
        .arg(&out)
        .arg("--credentials")
        .arg(&creds)
        .args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(
        o.status.success(),
        "finops demo {extra:?}: {:?}\n{stdout}\n{stderr}",
        o.status
    );
    Run {
        base,
        out,
        stdout,
        stderr,
    }
}

fn baseline() -> &'static Run {
    static B: OnceLock<Run> = OnceLock::new();
    B.get_or_init(|| run_demo(&[], &[]))
}

/// Files of two output folders that differ once each run's own folder name is taken out of
/// them (the provider files name the credential files they read, the hub manifests the files
/// they copied). The state store (run records) is left out.
fn normalized_differences(a: &Path, a_base: &Path, b: &Path, b_base: &Path) -> Vec<String> {
    let skip = |f: &String| f.starts_with("state/") || f.contains(".sqlite");
    let fa: Vec<String> = files(a).into_iter().filter(|f| !skip(f)).collect();
    let fb: Vec<String> = files(b).into_iter().filter(|f| !skip(f)).collect();
    let mut diffs = Vec::new();
    if fa != fb {
        diffs.push(format!("file lists differ:\n{fa:#?}\n{fb:#?}"));
    }
    let norm = |bytes: Vec<u8>, base: &Path| -> Vec<u8> {
        match String::from_utf8(bytes) {
            Ok(s) => s
                .replace(&base.display().to_string(), "<BASE>")
                .into_bytes(),
            Err(e) => e.into_bytes(),
        }
    };
    for f in fa.iter().filter(|f| fb.contains(f)) {
        let x = norm(std::fs::read(a.join(f)).unwrap(), a_base);
        let y = norm(std::fs::read(b.join(f)).unwrap(), b_base);
        if x != y {
            diffs.push(f.clone());
        }
    }
    diffs
}

/// The secret of every credential the demo wrote (and the SMTP password of the environment).
fn canaries(creds: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for f in files(creds) {
        let p = creds.join(&f);
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        if f.starts_with("ovh/tokens/") {
            for l in text.lines() {
                if let Some((k, val)) = l.split_once('=')
                    && ["application_secret", "consumer_key"].contains(&k.trim())
                {
                    v.push(val.trim().to_string());
                }
            }
        } else if f.ends_with(".pem") {
            // Two lines of the key's body.
            v.extend(
                text.lines()
                    .filter(|l| !l.starts_with("-----"))
                    .skip(2)
                    .take(2)
                    .map(str::to_string),
            );
        } else if f.starts_with("oci/config_") {
            for l in text.lines() {
                if let Some(val) = l.strip_prefix("pass_phrase=") {
                    v.push(val.trim().to_string());
                }
            }
        } else if f == "arcgis/password" {
            v.push(text.trim().to_string());
        }
    }
    if let Ok(p) = std::env::var("FINOPS_SMTP_PASSWORD") {
        v.push(p);
    }
    assert!(v.len() >= 12, "too few secrets found in {creds:?}: {v:?}");
    v
}

fn assert_no_canary(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what} contains a secret");
    }
}

fn assert_no_canary_in_files(out: &Path, secrets: &[String]) {
    for f in files(out) {
        let bytes = std::fs::read(out.join(&f)).unwrap();
        for s in secrets {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{f} contains a secret"
            );
        }
    }
}

#[test]
fn a_fault_storm_of_30_percent_changes_no_output_and_no_secret_leaks_at_trace_level() {
    if skip_under_faketime("the 30 % fault-storm demo compared with the baseline") {
        return;
    }
    let base = baseline();
    let storm = run_demo(
        &["--log-format", "json", "--faults", "0.3"],
        &[("RUST_LOG", "trace")],
    );
    let diffs = normalized_differences(&base.out, base.base.path(), &storm.out, storm.base.path());
    assert!(diffs.is_empty(), "outputs differ under faults: {diffs:#?}");
    // The storm happened: the log shows answers 429/500 retried.
    assert!(
        storm.stderr.contains("429") || storm.stderr.contains("500"),
        "no fault in the trace log?"
    );
    // Every line of the log is JSON.
    for l in storm.stderr.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            serde_json::from_str::<serde_json::Value>(l).is_ok(),
            "not JSON: {l}"
        );
    }
    let secrets = canaries(&storm.base.path().join("creds"));
    assert_no_canary("the trace log", &storm.stderr, &secrets);
    assert_no_canary("stdout", &storm.stdout, &secrets);
    assert_no_canary_in_files(&storm.out, &secrets);
}

#[test]
fn one_provider_down_the_others_complete_and_the_failure_is_listed() {
    let base = baseline();
    let down = run_demo(&["--down", "oci"], &[("RUST_LOG", "trace")]);
    assert!(
        down.stdout.contains("3 of 4 source(s) collected"),
        "{}",
        down.stdout
    );
    let errors = summary_errors(&down.out);
    assert!(
        errors
            .iter()
            .any(|(s, m)| s.starts_with("oci") && !m.is_empty()),
        "{errors:?}"
    );
    let html = std::fs::read_to_string(down.out.join("report.html")).unwrap();
    let oci_error = &errors.iter().find(|(s, _)| s.starts_with("oci")).unwrap().1;
    let shown = oci_error.split(':').next().unwrap();
    assert!(html.contains(shown), "the report does not show {shown:?}");
    // The other providers' totals are those of the full run.
    let (full, part) = (summary_totals(&base.out), summary_totals(&down.out));
    for (k, v) in &full {
        if k.0 == "Oracle" {
            assert!(!part.contains_key(k), "{k:?}");
        } else {
            assert_eq!(part.get(k), Some(v), "{k:?}");
        }
    }
    let secrets = canaries(&down.base.path().join("creds"));
    assert_no_canary("the trace log", &down.stderr, &secrets);
    assert_no_canary("stdout", &down.stdout, &secrets);
    assert_no_canary_in_files(&down.out, &secrets);
}

/// The stdout and stderr of a command that must have succeeded (else both, stderr's end).
fn succeeded(o: &std::process::Output) -> (String, String) {
    let (so, se) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(
        o.status.success(),
        "{so}\n{}",
        &se[se.len().saturating_sub(4000)..]
    );
    (so, se)
}

/// `finops emulators --write-config CREDS --out OUT` in the background: the emulators (killed
/// on drop) and the config it wrote.
fn start_emulators(creds: &Path, out: &Path) -> (Emulators, PathBuf) {
    let mut child = finops()
        .args(["emulators", "--write-config"])
        .arg(creds)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let emus = Emulators(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut cfg = None;
    let mut printed = String::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        printed.push_str(&l);
        printed.push('\n');
        if let Some(rest) = l.strip_prefix("finops emulators: ready; config ") {
            cfg = Some(PathBuf::from(rest.trim()));
        }
        if l.trim_start().starts_with("run: ") {
            break;
        }
    }
    let cfg = cfg.unwrap_or_else(|| panic!("no config printed:\n{printed}"));
    (emus, cfg)
}

#[test]
fn the_daemon_runs_the_job_on_its_schedule_and_records_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (creds, out) = (dir.path().join("creds"), dir.path().join("out"));
    let (emus, cfg) = start_emulators(&creds, &out);
    // The config has a [schedule] (the OVH weekly preset); at start the daemon catches up
    // the slot it missed, runs the whole job and records the run in its state.
    let o = finops()
        .args(["daemon", "--config"])
        .arg(&cfg)
        .args(["--now", "2026-11-22T12:00:00Z", "--max-runs", "1"])
        .output()
        .unwrap();
    drop(emus);
    let (so, se) = succeeded(&o);
    assert!(so.contains("finops daemon: 1 run(s) made"), "{so}");
    assert!(se.contains("daemon starting"), "{se}");
    // The demo's failing OVH account makes the run partial, and it is recorded as such.
    assert!(se.contains("run recorded"), "{se}");
    assert!(se.contains("partial"), "{se}");
    for f in ["summary.json", "report.html", "analysis/showback.csv"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(summary.to_string().contains("Legacy_Archive"), "{summary}");
    // Without a [schedule] the daemon says so and exits 1.
    let plain = dir.path().join("plain.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let cut = text.find("[schedule]").unwrap();
    std::fs::write(&plain, &text[..cut]).unwrap();
    let o = finops()
        .args(["daemon", "--config"])
        .arg(&plain)
        .args(["--max-runs", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let se = String::from_utf8_lossy(&o.stderr);
    assert!(se.contains("no [schedule]"), "{se}");
}

/// `finops emulators` in the background (killed on drop).
struct Emulators(std::process::Child);

impl Drop for Emulators {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn run_with_a_config_against_separate_emulators_gives_the_demo_outputs_and_mails_the_team() {
    if skip_under_faketime(
        "finops run --config against finops emulators compared with the baseline",
    ) {
        return;
    }
    let base = baseline();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds");
    let out = dir.path().join("out");
    let (emus, cfg) = start_emulators(&creds, &out);

    // The team's mailbox: the loopback SMTP server of scripts/setup.d/40-smtp.sh (STARTTLS,
    // AUTH, its own CA).
    let smtp = std::env::var("FINOPS_SMTP_PORT")
        .ok()
        .filter(|p| !p.is_empty());
    if let Some(port) = &smtp {
        let mut text = std::fs::read_to_string(&cfg).unwrap();
        text.push_str(&format!(
            "\n[notify.email]\nsmtp = \"127.0.0.1:{port}\"\nstarttls = true\n\
             from = \"finops@example.org\"\nto = [\"team-{tag}@example.org\"]\n\
             username_env = \"FINOPS_SMTP_USER\"\npassword_env = \"FINOPS_SMTP_PASSWORD\"\n\
             ca_file = {ca:?}\n",
            tag = std::process::id(),
            ca = std::env::var("FINOPS_SMTP_CA_CERT").unwrap(),
        ));
        std::fs::write(&cfg, text).unwrap();
    } else {
        tool(
            "FINOPS_SMTP_PORT",
            "the run's e-mail to a loopback SMTP server",
            "scripts/setup.d/40-smtp.sh starts aiosmtpd",
        );
    }
    // Publication to a folder (live + archive).
    let published = dir.path().join("published");
    std::fs::create_dir_all(&published).unwrap();
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(&format!(
        "\n[publish]\ndir = {:?}\n",
        published.display().to_string()
    ));
    std::fs::write(&cfg, text).unwrap();
    let check = finops()
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let o = finops()
        .args(["run", "--config"])
        .arg(&cfg)
        .args(["--as-of", "2026-11-22", "--now", "2026-11-22T12:00:00Z"])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let (so, se) = succeeded(&o);
    drop(emus);
    assert!(so.contains("4 of 4 source(s) collected"), "{so}");
    let diffs = normalized_differences(&base.out, base.base.path(), &out, dir.path());
    assert!(
        diffs.is_empty(),
        "finops run --config differs from the demo: {diffs:#?}"
    );
    let pubs = files(&published);
    for f in ["report.html", "summary.json", "analysis/showback.csv"] {
        assert!(
            pubs.iter().any(|p| p.ends_with(f)),
            "{f} not published: {pubs:#?}"
        );
    }
    assert!(so.contains("published"), "{so}");
    let secrets = canaries(&creds);
    assert_no_canary_in_files(&published, &secrets);
    assert_no_canary("the trace log", &se, &secrets);
    assert_no_canary("stdout", &so, &secrets);
    assert_no_canary_in_files(&out, &secrets);
    if smtp.is_some() {
        assert!(so.contains("message(s) sent"), "{so}");
        let mailbox = std::env::var("FINOPS_SMTP_MAILBOX").unwrap();
        let tag = format!("team-{}@example.org", std::process::id());
        let text = std::fs::read_to_string(&mailbox).unwrap();
        let mine: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["rcpt_tos"].to_string().contains(&tag))
            .collect();
        assert!(!mine.is_empty(), "no message for {tag} in {mailbox}");
        let m = &mine[0];
        assert_eq!(m["tls"], true, "{m}");
        assert_eq!(m["login"], "finops", "{m}");
        assert!(!m["subject"].as_str().unwrap_or("").is_empty(), "{m}");
        for x in &mine {
            assert_no_canary("the e-mail", &x.to_string(), &secrets);
        }
    }
}
