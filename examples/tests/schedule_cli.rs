//! `finops schedule` end to end (the built binary): the `ovh-weekly` preset over November
//! 2026 – April 2027, month ends, a leap day, both Europe/Paris DST changes, config files and
//! errors.
//!
//! `tests/data/schedule/ovh-weekly_2026-11_2027-04.txt` is the complete expected output
//! (4,344 lines), produced by an independent implementation: a Python script using only
//! `zoneinfo` (no cron library) that lists, for every local day, the 24 `HH:15` samples and
//! the 23:15 full run on Sundays, the last day and the day before the last day of the month,
//! maps each wall-clock time to an instant (skipped spring hour: the first minute after the
//! jump; repeated autumn hour: the first occurrence), keeps one line per instant (`full` wins)
//! and prints it with `datetime.isoformat()`.

use std::process::Command;

fn finops(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_finops"))
        .arg("schedule")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ok(args: &[&str]) -> Vec<String> {
    let (success, stdout, stderr) = finops(args);
    assert!(success, "finops schedule {args:?} failed: {stderr}");
    stdout.lines().map(str::to_string).collect()
}

/// Every full run of the preset from November 2026 to April 2027: Sundays, the last day and
/// the day before the last day of each month, at 23:15 Paris time (one line when a Sunday is
/// also one of those days: 29 November 2026, 31 January 2027, 28 February 2027).
const FULL_RUNS: [&str; 35] = [
    "2026-11-01T23:15:00+01:00 full",
    "2026-11-08T23:15:00+01:00 full",
    "2026-11-15T23:15:00+01:00 full",
    "2026-11-22T23:15:00+01:00 full",
    "2026-11-29T23:15:00+01:00 full",
    "2026-11-30T23:15:00+01:00 full",
    "2026-12-06T23:15:00+01:00 full",
    "2026-12-13T23:15:00+01:00 full",
    "2026-12-20T23:15:00+01:00 full",
    "2026-12-27T23:15:00+01:00 full",
    "2026-12-30T23:15:00+01:00 full",
    "2026-12-31T23:15:00+01:00 full",
    "2027-01-03T23:15:00+01:00 full",
    "2027-01-10T23:15:00+01:00 full",
    "2027-01-17T23:15:00+01:00 full",
    "2027-01-24T23:15:00+01:00 full",
    "2027-01-30T23:15:00+01:00 full",
    "2027-01-31T23:15:00+01:00 full",
    "2027-02-07T23:15:00+01:00 full",
    "2027-02-14T23:15:00+01:00 full",
    "2027-02-21T23:15:00+01:00 full",
    "2027-02-27T23:15:00+01:00 full",
    "2027-02-28T23:15:00+01:00 full",
    "2027-03-07T23:15:00+01:00 full",
    "2027-03-14T23:15:00+01:00 full",
    "2027-03-21T23:15:00+01:00 full",
    "2027-03-28T23:15:00+02:00 full",
    "2027-03-30T23:15:00+02:00 full",
    "2027-03-31T23:15:00+02:00 full",
    "2027-04-04T23:15:00+02:00 full",
    "2027-04-11T23:15:00+02:00 full",
    "2027-04-18T23:15:00+02:00 full",
    "2027-04-25T23:15:00+02:00 full",
    "2027-04-29T23:15:00+02:00 full",
    "2027-04-30T23:15:00+02:00 full",
];

#[test]
fn ovh_weekly_november_2026_to_april_2027() {
    let expected: Vec<String> = include_str!("data/schedule/ovh-weekly_2026-11_2027-04.txt")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(expected.len(), 4344);
    let n = (expected.len() + 1).to_string();
    let mut got = ok(&[
        "--preset",
        "ovh-weekly",
        "--from",
        "2026-11-01T00:00:00+01:00",
        "--next",
        &n,
    ]);
    // The run after the window is the first sample of May.
    assert_eq!(
        got.pop().as_deref(),
        Some("2027-05-01T00:15:00+02:00 sample")
    );
    assert_eq!(got.len(), expected.len());
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "line {}", i + 1);
    }
    let full: Vec<&str> = got
        .iter()
        .filter(|l| l.ends_with(" full"))
        .map(String::as_str)
        .collect();
    assert_eq!(full, FULL_RUNS);
    // The rest are the hourly samples at :15, one per hour, plus the one right after the
    // spring jump: 181 days x 24 slots.
    assert_eq!(got.len() - full.len(), 181 * 24 - FULL_RUNS.len());
    assert!(
        got.iter()
            .all(|l| l.contains(":15:00+0") || l == "2027-03-28T03:00:00+02:00 sample")
    );
}

#[test]
fn spring_change_no_line_in_the_skipped_hour() {
    assert_eq!(
        ok(&[
            "--preset",
            "ovh-weekly",
            "--from",
            "2027-03-27T23:30:00+01:00",
            "--next",
            "5"
        ]),
        [
            "2027-03-28T00:15:00+01:00 sample",
            "2027-03-28T01:15:00+01:00 sample",
            "2027-03-28T03:00:00+02:00 sample",
            "2027-03-28T03:15:00+02:00 sample",
            "2027-03-28T04:15:00+02:00 sample",
        ]
    );
}

#[test]
fn autumn_change_the_repeated_hour_runs_once() {
    assert_eq!(
        ok(&[
            "--preset",
            "ovh-weekly",
            "--from",
            "2026-10-25T00:00:00+02:00",
            "--next",
            "5"
        ]),
        [
            "2026-10-25T00:15:00+02:00 sample",
            "2026-10-25T01:15:00+02:00 sample",
            "2026-10-25T02:15:00+02:00 sample",
            "2026-10-25T03:15:00+01:00 sample",
            "2026-10-25T04:15:00+01:00 sample",
        ]
    );
    // Sunday 25 October 2026 is also the day of the change: the full run at 23:15 (+01:00).
    let l = ok(&[
        "--preset",
        "ovh-weekly",
        "--from",
        "2026-10-25T22:30:00+01:00",
        "--next",
        "3",
    ]);
    assert_eq!(
        l,
        [
            "2026-10-25T23:15:00+01:00 full",
            "2026-10-26T00:15:00+01:00 sample",
            "2026-10-26T01:15:00+01:00 sample",
        ]
    );
}

#[test]
fn month_ends_and_a_leap_day() {
    assert_eq!(
        ok(&[
            "--cron",
            "15 23 L * *",
            "--cron",
            "15 23 L-1 * *",
            "--tz",
            "Europe/Paris",
            "--from",
            "2028-02-01T00:00:00+01:00",
            "--next",
            "4",
        ]),
        [
            "2028-02-28T23:15:00+01:00 full",
            "2028-02-29T23:15:00+01:00 full",
            "2028-03-30T23:15:00+02:00 full",
            "2028-03-31T23:15:00+02:00 full",
        ]
    );
    // A cron schedule without --tz is in UTC.
    assert_eq!(
        ok(&[
            "--cron",
            "0 0 29 2 *",
            "--from",
            "2026-01-01T00:00:00Z",
            "--next",
            "2"
        ]),
        [
            "2028-02-29T00:00:00+00:00 full",
            "2032-02-29T00:00:00+00:00 full"
        ]
    );
}

#[test]
fn config_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("finops.toml");
    std::fs::write(
        &cfg,
        "[output]\ndir = \"out\"\ntimezone = \"Europe/Paris\"\nlanguage = \"fr\"\n\n\
         [notify.email]\nsmtp = \"smtp.example.org:587\"\n\n\
         [schedule]\ncron = [\"15 23 * * SUN\"]\nsample = \"15 */6 * * *\"\n",
    )
    .unwrap();
    assert_eq!(
        ok(&[
            "--config",
            cfg.to_str().unwrap(),
            "--from",
            "2026-11-29T12:00:00+01:00",
            "--next",
            "4"
        ]),
        [
            "2026-11-29T12:15:00+01:00 sample",
            "2026-11-29T18:15:00+01:00 sample",
            "2026-11-29T23:15:00+01:00 full",
            "2026-11-30T00:15:00+01:00 sample",
        ]
    );
    let preset = dir.path().join("preset.toml");
    std::fs::write(&preset, "[schedule]\npreset = \"ovh-weekly\"\n").unwrap();
    assert_eq!(
        ok(&[
            "--config",
            preset.to_str().unwrap(),
            "--tz",
            "UTC",
            "--from",
            "2026-11-29T23:00:00Z",
            "--next",
            "1"
        ]),
        ["2026-11-29T23:15:00+00:00 full"]
    );
}

#[test]
fn errors_are_clear() {
    let (success, _, err) = finops(&["--cron", "61 * * * *", "--next", "1"]);
    assert!(!success);
    assert!(err.contains("\"61 * * * *\""), "{err}");
    let (success, _, err) = finops(&["--preset", "weekly", "--next", "1"]);
    assert!(
        !success && err.contains("unknown schedule preset \"weekly\""),
        "{err}"
    );
    let (success, _, err) = finops(&["--next", "1"]);
    assert!(!success && err.contains("nothing to schedule"), "{err}");
    let (success, _, err) = finops(&[
        "--preset",
        "ovh-weekly",
        "--tz",
        "Europe/Lutece",
        "--next",
        "1",
    ]);
    assert!(!success && err.contains("Europe/Lutece"), "{err}");
    let (success, _, err) = finops(&[
        "--preset",
        "ovh-weekly",
        "--from",
        "tomorrow",
        "--next",
        "1",
    ]);
    assert!(!success && err.contains("--from"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[schedule\npreset = 1\n").unwrap();
    let (success, _, err) = finops(&["--config", cfg.to_str().unwrap(), "--next", "1"]);
    assert!(!success && err.contains("bad.toml"), "{err}");
}

#[test]
fn without_from_it_starts_now() {
    let l = ok(&["--preset", "ovh-weekly", "--next", "2"]);
    assert_eq!(l.len(), 2);
    assert!(
        l.iter()
            .all(|x| x.ends_with(" full") || x.ends_with(" sample"))
    );
}
