//! The SQLite state store (OVH-12, OVH-15): idempotent hourly samples, concurrent writers
//! (threads and processes), daily figures per local day, the `UsageSource` conformance suite,
//! and the user-audit history.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use finops_core::source::UsageQuery;
use finops_core::{Period, UsageSource};
use finops_ovh::store::{AccountUser, AuditOptions, LoginEvent, Store, VmReading};
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn vm(id: &str, cpu: &str, mem: &str) -> VmReading {
    VmReading {
        service: "pcc-1".into(),
        datacenter: "12".into(),
        vm_id: id.into(),
        vm_name: format!("vm-{id}"),
        cpu_used: Some(d(cpu)),
        cpu_max: Some(d("4000")),
        memory_used: Some(d(mem)),
        memory_max: Some(d("8192")),
    }
}

#[test]
fn sampling_twice_in_one_hour_stores_one_sample_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    {
        let s = Store::open(&path).unwrap();
        assert_eq!(
            s.record_samples(&[vm("1", "100", "1000")], t("2026-11-22T10:15:00Z"))
                .unwrap(),
            1
        );
        // Same hour, different values: the first sample is kept.
        assert_eq!(
            s.record_samples(&[vm("1", "999", "9999")], t("2026-11-22T10:59:59Z"))
                .unwrap(),
            0
        );
        assert_eq!(
            s.record_samples(&[vm("1", "200", "2000")], t("2026-11-22T11:00:00Z"))
                .unwrap(),
            1
        );
        assert_eq!(s.sample_count().unwrap(), 2);
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.sample_count().unwrap(), 2);
    let samples = s.samples().unwrap();
    assert_eq!(samples[0].0.cpu_used, Some(d("100")));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, finops_ovh::store::SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn two_connections_on_two_threads_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    Store::open(&path).unwrap();
    let hours: Vec<DateTime<Utc>> = (0..24)
        .map(|h| t("2026-11-22T00:00:00Z") + Duration::hours(h))
        .collect();
    let handles: Vec<_> = (0..2)
        .map(|k| {
            let path = path.clone();
            let hours = hours.clone();
            std::thread::spawn(move || {
                let s = Store::open(&path).unwrap();
                let mut stored = 0;
                for h in &hours {
                    // Both threads sample VM "shared" every hour; each also has its own VM.
                    let readings = [vm("shared", "1", "1"), vm(&format!("own-{k}"), "2", "2")];
                    stored += s.record_samples(&readings, *h).unwrap();
                }
                stored
            })
        })
        .collect();
    let stored: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let s = Store::open(&path).unwrap();
    // 24 hours × (1 shared + 2 own VMs): nothing lost, nothing doubled.
    assert_eq!(s.sample_count().unwrap(), 72);
    assert_eq!(stored, 72);
}

const CHILD_ENV: &str = "FINOPS_OVH_STORE_CHILD";

/// Child half of `two_processes_sampling_at_once_lose_nothing` (does nothing when run alone).
#[test]
#[ignore]
fn child_sampler() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (path, k) = spec.split_once('|').unwrap();
    let s = Store::open(path).unwrap();
    for h in 0..48 {
        let at = t("2026-11-20T00:00:00Z") + Duration::hours(h);
        s.record_samples(
            &[vm("shared", "1", "1"), vm(&format!("proc-{k}"), "2", "2")],
            at,
        )
        .unwrap();
    }
}

#[test]
fn two_processes_sampling_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|k| {
            std::process::Command::new(&exe)
                .args(["--exact", "child_sampler", "--ignored", "--test-threads=1"])
                .env(CHILD_ENV, format!("{}|{k}", path.display()))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a sampling process failed");
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.sample_count().unwrap(), 48 * 3);
}

#[test]
fn daily_mean_peak_max_per_paris_day() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("s.sqlite")).unwrap();
    // 2026-11-21T23:30Z is already 2026-11-22 in Paris (UTC+1).
    s.record_samples(&[vm("1", "100", "1000")], t("2026-11-21T22:30:00Z"))
        .unwrap();
    s.record_samples(&[vm("1", "200", "1500")], t("2026-11-21T23:30:00Z"))
        .unwrap();
    s.record_samples(&[vm("1", "400", "1000")], t("2026-11-22T09:00:00Z"))
        .unwrap();
    let mut big = vm("1", "1", "1");
    big.cpu_max = Some(d("6000"));
    big.memory_used = None;
    s.record_samples(&[big], t("2026-11-22T10:00:00Z")).unwrap();
    // After the as-of day: ignored.
    s.record_samples(&[vm("1", "5", "5")], t("2026-11-23T10:00:00Z"))
        .unwrap();

    let days = s.daily_usage(t("2026-11-22T22:00:00Z")).unwrap();
    assert_eq!(days.len(), 2);
    let (d1, d2) = (&days[0], &days[1]);
    assert_eq!(d1.day, NaiveDate::from_ymd_opt(2026, 11, 21).unwrap());
    assert_eq!(d1.samples, 1);
    assert_eq!(d1.cpu_mean, Some(d("100")));
    assert_eq!(d2.day, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
    assert_eq!(d2.samples, 3);
    // CPU: (200 + 400 + 1) / 3 = 200.333… → 200.33; peak 400; max the highest capacity seen.
    assert_eq!(d2.cpu_mean, Some(d("200.33")));
    assert_eq!(d2.cpu_peak, Some(d("400")));
    assert_eq!(d2.cpu_max, Some(d("6000")));
    // RAM: the sample without memoryUsed does not count: (1500 + 1000) / 2.
    assert_eq!(d2.ram_mean, Some(d("1250")));
    assert_eq!(d2.ram_peak, Some(d("1500")));
    assert_eq!(d2.ram_max, Some(d("8192")));
    assert_eq!(d2.vm_name, "vm-1");
}

#[tokio::test]
async fn store_is_a_conformant_usage_source() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("s.sqlite")).unwrap();
    for h in 0..5 {
        s.record_samples(
            &[vm("1", "10", "20"), vm("2", "30", "40")],
            t("2026-11-22T00:00:00Z") + Duration::hours(h),
        )
        .unwrap();
    }
    let all = finops_core::testing::usage_source_conformance(&s, &UsageQuery::default()).await;
    assert_eq!(all.len(), 20);
    assert!(
        all.iter()
            .any(|x| x.resource == "pcc-1/1" && x.metric == "cpu" && x.unit == "MHz")
    );
    assert_eq!(all[0].ratio(), Some(d("10") / d("4000")));
    let q = UsageQuery::for_period(
        Period::new(t("2026-11-22T01:00:00Z"), t("2026-11-22T03:00:00Z")).unwrap(),
    );
    let some = finops_core::testing::usage_source_conformance(&s, &q).await;
    assert_eq!(some.len(), 8);
    let mut stream = s.usage(&q).await.unwrap();
    use futures::StreamExt;
    assert!(stream.next().await.is_some());
}

#[test]
fn user_audit_rules_and_history_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let as_of = t("2026-11-22T12:00:00Z");
    let user = |u: &str, created: Option<&str>| AccountUser {
        account: "ab12345-ovh".into(),
        user: u.into(),
        email: format!("{u}@example.org"),
        created: created.map(t),
    };
    let users = vec![
        user("ab12345-ovh", None),
        user("alice", Some("2025-01-01T00:00:00Z")),
        user("bob", Some("2026-11-10T00:00:00Z")),
        user("carol", Some("2026-11-01T00:00:00Z")),
    ];
    let login = |u: &str, at: &str, mfa: &str| LoginEvent {
        account: "ab12345-ovh".into(),
        user: u.into(),
        at: t(at),
        mfa: mfa.into(),
    };
    {
        // First run, in August: the audit log holds alice's and the root's old logins.
        let s = Store::open(&path).unwrap();
        s.record_users(&users[..2], t("2026-08-01T00:00:00Z"))
            .unwrap();
        assert_eq!(
            s.record_logins(&[
                login("alice", "2026-07-20T08:00:00Z", "TOTP"),
                login("ab12345-ovh", "2026-07-01T08:00:00Z", "U2F")
            ])
            .unwrap(),
            2
        );
    }
    // Second run: the sliding month no longer shows those logins; bob logged in without MFA.
    let s = Store::open(&path).unwrap();
    s.record_users(&users, as_of).unwrap();
    s.record_logins(&[
        login("bob", "2026-10-25T08:00:00Z", "SMS"),
        login("bob", "2026-11-20T08:00:00Z", "NONE"),
        login("bob", "2026-11-20T08:00:00Z", "NONE"),
    ])
    .unwrap();
    let a = s
        .user_audit(&users, as_of, AuditOptions::default())
        .unwrap();
    let by = |u: &str| a.iter().find(|x| x.user == u).unwrap().clone();

    let root = by("ab12345-ovh");
    assert_eq!(root.mfa, "U2F");
    assert!(!root.active && !root.grace);
    assert_eq!(root.last_login, Some(t("2026-07-01T08:00:00Z")));

    let alice = by("alice");
    assert_eq!(
        (alice.mfa.as_str(), alice.active, alice.grace),
        ("TOTP", false, false)
    );

    let bob = by("bob");
    assert_eq!(
        (bob.mfa.as_str(), bob.active, bob.grace),
        ("NONE", true, true)
    );
    assert_eq!(bob.email, "bob@example.org");

    // carol: created 21 days ago, never logged in → no MFA known, in her grace period.
    let carol = by("carol");
    assert_eq!(
        (carol.mfa.as_str(), carol.active, carol.grace),
        ("", false, true)
    );
    // With a 7-day grace period she is out of it.
    let strict = AuditOptions {
        active_days: 30,
        grace_days: 7,
    };
    assert!(!s.user_audit(&users[3..], as_of, strict).unwrap()[0].grace);

    let hist = s
        .account_history("ab12345-ovh", as_of, AuditOptions::default())
        .unwrap();
    assert_eq!(hist.len(), 4);
    assert_eq!(s.accounts().unwrap(), vec!["ab12345-ovh".to_string()]);
    // Reruns at an earlier as-of ignore later logins (reproducible reports).
    let early = s
        .user_audit(
            &users[2..3],
            t("2026-11-01T00:00:00Z"),
            AuditOptions::default(),
        )
        .unwrap();
    assert_eq!(early[0].last_login, Some(t("2026-10-25T08:00:00Z")));
    assert_eq!(early[0].mfa, "SMS");
    let before = s
        .user_audit(
            &users[2..3],
            t("2026-10-01T00:00:00Z"),
            AuditOptions::default(),
        )
        .unwrap();
    assert_eq!(before[0].last_login, None);
}
