//! Helpers shared by the `job_*` tests: running the `finops` binary, external tools
//! (skipped loudly when absent), comparing output folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `finops` binary under test.
pub(crate) fn finops() -> Command {
    Command::new(env!("CARGO_BIN_EXE_finops"))
}

/// Run `finops demo --out OUT EXTRA...`, asserting it succeeded; returns stdout + stderr.
pub(crate) fn demo(out: &Path, extra: &[&str]) -> Output {
    let o = finops()
        .args(["demo", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("run finops demo");
    assert!(
        o.status.success(),
        "finops demo {extra:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The value of an environment variable naming a tool, or `None` after one `SKIPPED:` line
/// (a failure under `FINOPS_REQUIRE_ALL=1`).
pub(crate) fn tool(var: &str, what: &str, how: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var("FINOPS_REQUIRE_ALL").as_deref() != Ok("1"),
                "FINOPS_REQUIRE_ALL=1 but {var} is not set ({what})"
            );
            println!("SKIPPED: {what}: {var} is not set ({how})");
            None
        }
    }
}

/// Every file under `dir`, relative, sorted.
pub(crate) fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

/// Files that differ between two output folders (`skip`: files to leave out, by suffix).
pub(crate) fn differences(a: &Path, b: &Path, skip: &[&str]) -> Vec<String> {
    let keep = |f: &String| !skip.iter().any(|s| f.ends_with(s));
    let fa: Vec<String> = files(a).into_iter().filter(keep).collect();
    let fb: Vec<String> = files(b).into_iter().filter(keep).collect();
    let mut diffs = Vec::new();
    if fa != fb {
        diffs.push(format!("file lists differ:\n{fa:#?}\n{fb:#?}"));
    }
    for f in fa.iter().filter(|f| fb.contains(f)) {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        if x != y {
            diffs.push(f.clone());
        }
    }
    diffs
}

/// The FOCUS Parquet files of the unified dataset.
pub(crate) fn focus_files(out: &Path) -> Vec<PathBuf> {
    files(&out.join("focus"))
        .into_iter()
        .filter(|f| f.ends_with(".parquet"))
        .map(|f| out.join("focus").join(f))
        .collect()
}

/// `summary.json`'s totals as (provider, currency) → (billed, effective).
pub(crate) fn summary_totals(
    out: &Path,
) -> std::collections::BTreeMap<(String, String), (rust_decimal::Decimal, rust_decimal::Decimal)> {
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    s["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                (
                    t["provider"].as_str().unwrap().to_string(),
                    t["currency"].as_str().unwrap().to_string(),
                ),
                (
                    t["billed_cost"].as_str().unwrap().parse().unwrap(),
                    t["effective_cost"].as_str().unwrap().parse().unwrap(),
                ),
            )
        })
        .collect()
}

/// `summary.json`'s errors as (source, message).
pub(crate) fn summary_errors(out: &Path) -> Vec<(String, String)> {
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    s["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Under `faketime` (the CI passes at other dates), a test that only drives an external tool
/// over the demo's outputs (Chromium, Spark, the FOCUS validator) or repeats whole demo runs for
/// comparison prints one `NOT RUN under faketime:` line and returns: those tools add no date
/// coverage, the outputs they check are those of the same fixed-clock demo, and the suite's time
/// budget is kept. They run in the pass at today's date.
pub(crate) fn skip_under_faketime(what: &str) -> bool {
    if std::env::var_os("FAKETIME").is_some() {
        println!("NOT RUN under faketime: {what} (runs in the pass at today's date)");
        true
    } else {
        false
    }
}
