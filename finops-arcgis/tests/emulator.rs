//! Integration tests of the adapter against its loopback emulator.

use chrono::{NaiveDate, TimeZone, Utc};
use finops_arcgis::alerts::{self, AlertConfig, notify_new_alerts};
use finops_arcgis::allocation::{self, AllocationRule, UserOutcome};
use finops_arcgis::emulator::{self, ArcGisEmulator, EmulatorConfig};
use finops_arcgis::{
    ArcGis, ArcGisBuilder, CreditPrice, NotificationChannel, PortalNotifier, UserCredits,
};
use finops_core::clock::FixedClock;
use finops_core::emulator::FaultConfig;
use finops_core::focus::Period;
use finops_core::http::{BackoffConfig, RetryConfig};
use finops_core::source::{Allocation, CreditQuery, CreditSource, InMemoryCostSource, collect_all};
use finops_core::{CostQuery, Currency, Decimal, Error};
use std::sync::Arc;
use std::time::Duration;

fn fast_retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            base: 2.0,
        },
        max_retries: 15,
        ..Default::default()
    }
}

fn admin(emu: &ArcGisEmulator) -> ArcGis {
    ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
        .with_retry(fast_retry())
        .build()
        .unwrap()
}

/// An OAuth2 app login (client credentials).
fn app(emu: &ArcGisEmulator) -> ArcGis {
    ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_client_credentials(emulator::CLIENT_ID, emulator::CLIENT_SECRET)
        .with_retry(fast_retry())
        .build()
        .unwrap()
}

fn usage_period() -> Period {
    let d = |m, day| {
        Utc.from_utc_datetime(
            &NaiveDate::from_ymd_opt(2026, m, day)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        )
    };
    Period::new(d(9, 1), d(11, 15)).unwrap()
}

#[tokio::test]
async fn all_users_across_pages() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let users = admin(&emu).all_users().await.unwrap();
    assert_eq!(users.len(), 260);
    assert_eq!(emu.user_page_requests(), 3);
    let mut names: Vec<_> = users.iter().map(|u| u.username.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 260, "no user lost or doubled");
}

#[tokio::test]
async fn users_with_minus_one_are_unallocated_and_source_conforms() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let ago = admin(&emu);
    let balances =
        finops_core::testing::credit_source_conformance(&ago, &CreditQuery::default()).await;
    assert_eq!(balances.len(), 261, "org + 260 users");
    assert_eq!(balances[0].holder, emulator::ORG_ID);
    assert_eq!(balances[0].available, Allocation::Amount(emu.org_credits()));
    let u10 = balances.iter().find(|b| b.holder == "user0010").unwrap();
    assert_eq!(u10.assigned, Allocation::Unallocated);
    assert_eq!(u10.available, Allocation::Unallocated);
    assert_eq!(u10.available_ratio(), None);
    // Works behind Arc<dyn CreditSource>.
    let dynsrc: Arc<dyn CreditSource> = Arc::new(ago.clone());
    assert_eq!(dynsrc.to_string(), "ArcGis(127.0.0.1)");
}

#[tokio::test]
async fn budgeting_off_gives_the_org_total() {
    let emu = ArcGisEmulator::start_with(EmulatorConfig::default().with_budgeting(false))
        .await
        .unwrap();
    let ago = admin(&emu);
    let s = ago.credits(&CreditQuery::default()).await.unwrap();
    let balances = collect_all(s).await.unwrap();
    assert_eq!(balances.len(), 1);
    assert_eq!(balances[0].available, Allocation::Amount(emu.org_credits()));
    match ago.user_credits("user0001").await.unwrap() {
        UserCredits::BudgetingDisabled { org_available } => {
            assert_eq!(org_available, Some(emu.org_credits()))
        }
        other => panic!("expected the org total, got {other:?}"),
    }
    emu.set_budgeting(true);
    match ago.user_credits("user0001").await.unwrap() {
        UserCredits::Budgeted(u) => {
            assert_eq!(u.assigned, Allocation::Amount(Decimal::new(1000, 0)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ago.available_credits().await.unwrap(), emu.org_credits());
}

#[tokio::test]
async fn thresholds_at_exactly_10_and_50_percent() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let ago = admin(&emu);
    let portal = ago.portal().await.unwrap();
    let users = ago.all_users().await.unwrap();
    let r = alerts::evaluate(&portal, &users, &AlertConfig::default());
    let under10: Vec<_> = r
        .under(Decimal::new(10, 2))
        .iter()
        .map(|u| u.username.clone())
        .collect();
    let under50: Vec<_> = r
        .under(Decimal::new(50, 2))
        .iter()
        .map(|u| u.username.clone())
        .collect();
    // user0001: exactly 10 % -> under 50 % only; user0002: 9.95 % -> under 10 %.
    assert!(!under10.contains(&"user0001".to_string()));
    assert!(under50.contains(&"user0001".to_string()));
    assert!(under10.contains(&"user0002".to_string()));
    // user0003: exactly 50 % -> not under; user0004: 49.999 % -> under 50 %.
    assert!(!under50.contains(&"user0003".to_string()));
    assert!(under50.contains(&"user0004".to_string()));
    // -1 users never alert.
    assert!(!r.users.iter().any(|u| u.username == "user0010"));
    assert_eq!(under10.len(), 26);
}

#[tokio::test]
async fn expired_token_is_renewed_mid_run() {
    let emu = ArcGisEmulator::start().await.unwrap();
    emu.expire_tokens_after_calls(Some(2));
    let ago = admin(&emu);
    let users = ago.all_users().await.unwrap();
    assert_eq!(users.len(), 260);
    assert!(emu.rejected_tokens() >= 1, "a 498 was served");
    assert!(emu.token_requests() >= 2, "a new token was fetched");
}

#[tokio::test]
async fn token_expired_by_the_clock_is_renewed() {
    // The portal's clock runs ahead of ours: our cached token looks valid, the portal
    // answers 498, and the client renews it and retries once.
    let emu_clock = FixedClock::new("2026-11-01T00:00:00Z".parse().unwrap());
    let emu = ArcGisEmulator::start_with(
        EmulatorConfig::default().with_clock(Arc::new(emu_clock.clone())),
    )
    .await
    .unwrap();
    let client_clock = FixedClock::new("2026-11-01T00:00:00Z".parse().unwrap());
    let ago = ArcGisBuilder::new()
        .with_portal(emu.url())
        .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
        .with_clock(Arc::new(client_clock.clone()))
        .with_retry(fast_retry())
        .build()
        .unwrap();
    ago.portal().await.unwrap();
    emu_clock.advance(chrono::Duration::minutes(61));
    ago.portal().await.unwrap();
    assert_eq!(emu.rejected_tokens(), 1);
    assert_eq!(emu.token_requests(), 2);
    // And with the shared clock, the client renews *before* expiry (no 498 at all).
    client_clock.advance(chrono::Duration::minutes(120));
    emu_clock.advance(chrono::Duration::minutes(59));
    ago.portal().await.unwrap();
    assert_eq!(emu.rejected_tokens(), 1);
    assert_eq!(emu.token_requests(), 3);
}

#[tokio::test]
async fn oauth2_app_token_is_renewed_on_498_and_before_expiry() {
    // The app login goes through finops-core's OAuth2 provider (form client authentication,
    // `expiration` and `f=json`); ArcGIS's 498 still drops the token and retries once.
    let clock = FixedClock::new("2026-11-01T00:00:00Z".parse().unwrap());
    let emu =
        ArcGisEmulator::start_with(EmulatorConfig::default().with_clock(Arc::new(clock.clone())))
            .await
            .unwrap();
    let app = app(&emu);
    app.portal().await.unwrap();
    assert_eq!(emu.token_requests(), 1);
    emu.expire_tokens_after_calls(Some(1));
    app.portal().await.unwrap();
    assert_eq!(emu.rejected_tokens(), 1, "a 498 was served");
    assert_eq!(emu.token_requests(), 2, "the app token was renewed once");
    emu.expire_tokens_after_calls(None);
    // The emulator gives app tokens the 60 minutes asked for: 56 minutes later the client
    // renews it before it expires (no 498).
    clock.advance(chrono::Duration::minutes(56));
    app.portal().await.unwrap();
    assert_eq!(emu.rejected_tokens(), 1);
    assert_eq!(emu.token_requests(), 3);
}

#[tokio::test]
async fn non_admin_gets_a_clear_error() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let viewer = ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_user_password(emulator::VIEWER_USER, emulator::VIEWER_PASSWORD)
        .with_retry(fast_retry())
        .build()
        .unwrap();
    let e = viewer.all_users().await.unwrap_err();
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e:?}");
    assert!(
        e.to_string().contains("administrator rights required"),
        "{e}"
    );
    let e = viewer.require_admin().await.unwrap_err();
    assert!(
        e.to_string().contains("administrator rights required"),
        "{e}"
    );
    let rule: AllocationRule = "under=10%,add=200".parse().unwrap();
    let e = allocation::run(&viewer, &rule, None, true)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("administrator rights required"));
    assert_eq!(emu.write_calls(), 0);
    // An OAuth2 app token can read the org but not administer credits.
    let app = app(&emu);
    assert_eq!(app.available_credits().await.unwrap(), emu.org_credits());
    let e = app.usage_by_operation(usage_period()).await.unwrap_err();
    assert!(
        e.to_string().contains("administrator rights required"),
        "{e}"
    );
}

#[tokio::test]
async fn bad_logins_are_clear_and_leak_nothing() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let bad = ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_user_password(emulator::ADMIN_USER, "wrong-password-xyz")
        .with_retry(fast_retry())
        .build()
        .unwrap();
    let e = bad.portal().await.unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    let text = format!("{e} {e:?}");
    assert!(text.contains("Invalid username or password"), "{text}");
    assert!(!text.contains("wrong-password-xyz"));
    let bad = ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_client_credentials(emulator::CLIENT_ID, "nope-secret-123")
        .build()
        .unwrap();
    let e = bad.portal().await.unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    assert!(!format!("{e:?}").contains("nope-secret-123"));
    // A fixed token that is unknown: 498, not renewable, reported.
    let fixed = ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_token("not-a-real-token-000")
        .build()
        .unwrap();
    let e = fixed.portal().await.unwrap_err();
    assert!(e.to_string().contains("498"), "{e}");
    assert!(e.to_string().contains("cannot be renewed"), "{e}");
    assert!(!e.to_string().contains("not-a-real-token-000"));
}

#[tokio::test]
async fn generate_token_tokens_are_bound_to_their_referer() {
    let emu = ArcGisEmulator::start().await.unwrap();
    // A login with a custom referer works: the client sends it on every call.
    let ago = ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
        .with_referer("https://finops.example.org")
        .with_retry(fast_retry())
        .build()
        .unwrap();
    assert_eq!(ago.all_users().await.unwrap().len(), 260);
    assert_eq!(emu.rejected_tokens(), 0);
    // A token generated for referer A is refused (498) from referer B, accepted from A.
    let rest = finops_arcgis::builder::rest_root(&emu.url()).unwrap();
    let http = finops_core::http::HttpClient::builder("test")
        .build()
        .unwrap();
    let req = finops_arcgis::credential::generate_token_request(
        &rest,
        emulator::ADMIN_USER,
        &finops_core::Secret::new(emulator::ADMIN_PASSWORD),
        "https://a.example.org",
        60,
    )
    .unwrap();
    let resp = http.send(req, None).await.unwrap();
    let tok = finops_arcgis::credential::parse_generate_token(&resp.body, emu.clock().now(), 60)
        .unwrap()
        .token;
    let with_referer = |r: &str| {
        ArcGisBuilder::new()
            .with_clock(emu.clock())
            .with_portal(emu.url())
            .with_token(tok.clone())
            .with_referer(r)
            .with_retry(fast_retry())
            .build()
            .unwrap()
    };
    let e = with_referer("https://b.example.org")
        .portal()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    assert!(e.to_string().contains("498"), "{e}");
    with_referer("https://a.example.org")
        .portal()
        .await
        .unwrap();
}

#[tokio::test]
async fn dry_run_sends_no_write_request() {
    let emu = ArcGisEmulator::start_with(EmulatorConfig::default().with_budgeting(false))
        .await
        .unwrap();
    let ago = admin(&emu);
    let rule: AllocationRule = "under=10%,add=200".parse().unwrap();
    let (plan, report) = allocation::run(&ago, &rule, Some(Decimal::new(5000, 0)), false)
        .await
        .unwrap();
    assert!(report.is_none());
    assert!(plan.enable_budgeting);
    assert_eq!(emu.write_calls(), 0);
    assert!(!emu.budgeting());
    emu.set_budgeting(true);
    let (plan, _) = allocation::run(&ago, &rule, None, false).await.unwrap();
    assert_eq!(plan.changes.len(), 26);
    let lines = plan.describe(&rule).join("\n");
    assert!(
        lines.contains("user0002: assigned 1000 -> 1200 (+200), available 99.5 -> 299.5"),
        "{lines}"
    );
    assert_eq!(emu.write_calls(), 0);
}

#[tokio::test]
async fn apply_enables_budgeting_sends_batches_and_a_second_run_sends_none() {
    let emu = ArcGisEmulator::start_with(EmulatorConfig::default().with_budgeting(false))
        .await
        .unwrap();
    let ago = admin(&emu);
    let rule: AllocationRule = "under=10%,add=200".parse().unwrap();
    let (plan, report) = allocation::run(&ago, &rule, None, true).await.unwrap();
    let report = report.unwrap();
    assert!(report.enabled_budgeting);
    assert_eq!(emu.update_calls().len(), 1);
    assert!(emu.budgeting());
    assert_eq!(emu.assign_calls().len(), 1);
    let sent = &emu.assign_calls()[0];
    assert_eq!(sent.len(), 26);
    assert!(sent.contains(&("user0002".to_string(), Decimal::new(1200, 0))));
    assert_eq!(report.assigned_total(), Decimal::new(26 * 200, 0));
    assert_eq!(plan.total, Decimal::new(26 * 200, 0));
    let u2 = emu
        .users()
        .into_iter()
        .find(|u| u.username == "user0002")
        .unwrap();
    assert_eq!(u2.available, Some("299.5".parse().unwrap()));
    // Second run: nothing to do, no write request at all.
    let writes = emu.write_calls();
    let (plan2, report2) = allocation::run(&ago, &rule, None, true).await.unwrap();
    assert!(plan2.changes.is_empty());
    assert_eq!(report2.unwrap().batches, 0);
    assert_eq!(emu.write_calls(), writes);
}

#[tokio::test]
async fn large_plans_go_in_batches_of_100_with_a_cap_and_refusals() {
    let emu = ArcGisEmulator::start().await.unwrap();
    emu.refuse_assignments_for(&["user0005"]);
    let ago = admin(&emu);
    let rule: AllocationRule = "topup=2500".parse().unwrap();
    let (plan, report) = allocation::run(&ago, &rule, None, true).await.unwrap();
    let report = report.unwrap();
    let calls = emu.assign_calls();
    assert!(plan.changes.len() > 200, "{}", plan.changes.len());
    assert_eq!(calls.len(), plan.changes.len().div_ceil(100));
    assert!(calls.iter().all(|c| c.len() <= 100));
    assert_eq!(
        calls.iter().map(Vec::len).sum::<usize>(),
        plan.changes.len()
    );
    let refused: Vec<_> = report
        .users
        .iter()
        .filter_map(|u| match u {
            UserOutcome::NotAssigned { change } => Some(change.username.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(refused, vec!["user0005".to_string()]);
    // Cap: a fresh org, at most 1000 credits for +200 each -> 5 users, the rest skipped.
    let emu = ArcGisEmulator::start().await.unwrap();
    let ago = admin(&emu);
    let rule: AllocationRule = "under=10%,add=200".parse().unwrap();
    let (plan, report) = allocation::run(&ago, &rule, Some(Decimal::new(1000, 0)), true)
        .await
        .unwrap();
    assert_eq!(plan.changes.len(), 5);
    assert_eq!(plan.skipped.len(), 21);
    assert_eq!(emu.assign_calls()[0].len(), 5);
    assert_eq!(report.unwrap().assigned_total(), Decimal::new(1000, 0));
}

#[tokio::test]
async fn notifications_are_batched_and_never_repeated() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let ago = admin(&emu);
    let many: Vec<String> = (0..60).map(|i| format!("user{i:04}")).collect();
    let calls = ago
        .create_notification(NotificationChannel::Builtin, "s", "m", &many)
        .await
        .unwrap();
    assert_eq!(calls, 3);
    let n = emu.notifications();
    assert_eq!(
        n.iter().map(|c| c.users.len()).collect::<Vec<_>>(),
        vec![25, 25, 10]
    );
    assert!(n.iter().all(|c| c.channel == "builtin"));

    let portal = ago.portal().await.unwrap();
    let users = ago.all_users().await.unwrap();
    let cfg = AlertConfig::default().with_org_min_credits(Decimal::new(200_000, 0));
    let report = alerts::evaluate(&portal, &users, &cfg);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let notifier = PortalNotifier::new(
        ago.clone(),
        NotificationChannel::Email,
        portal.contacts.clone(),
    );
    let out = notify_new_alerts(&report, &portal.name, &state, &[&notifier])
        .await
        .unwrap();
    assert!(out.new_alerts > 50);
    let n = emu.notifications();
    assert_eq!(n.len(), 4);
    let last = &n[3];
    assert_eq!(last.channel, "email");
    assert_eq!(
        last.users,
        vec![emulator::ADMIN_USER.to_string(), "second_admin".to_string()]
    );
    assert!(last.message.contains("user0002"), "{}", last.message);
    assert!(
        last.message.contains("under the minimum"),
        "{}",
        last.message
    );
    // Same state again: nothing sent.
    let out = notify_new_alerts(&report, &portal.name, &state, &[&notifier])
        .await
        .unwrap();
    assert_eq!(out.new_alerts, 0);
    assert_eq!(emu.notifications().len(), 4);
    // One user drops from "under 50%" to "under 10%": exactly one new alert.
    emu.set_user_credits(
        "user0004",
        Some(Decimal::new(1000, 0)),
        Some(Decimal::new(5, 0)),
    );
    let users = ago.all_users().await.unwrap();
    let report = alerts::evaluate(&portal, &users, &cfg);
    let out = notify_new_alerts(&report, &portal.name, &state, &[&notifier])
        .await
        .unwrap();
    assert_eq!(out.new_alerts, 1);
    assert!(emu.notifications()[4].message.contains("user0004"));
    // A refused batch does not stop the later ones (arcgis-rest-js sends every batch); the
    // error names the failed batch.
    emu.refuse_notifications_for(&["user0030"]);
    let e = ago
        .create_notification(NotificationChannel::Builtin, "s", "m", &many)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("2 batch(es) sent, 1 failed"), "{text}");
    assert!(
        text.contains("batch starting at user0025") && text.contains("User not found"),
        "{text}"
    );
    assert_eq!(emu.notifications().len(), 7);
}

#[tokio::test]
async fn usage_by_operation_equals_the_emulator_data_exactly() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let ago = admin(&emu);
    let period = usage_period();
    let report = ago.usage_by_operation(period).await.unwrap();
    // 75 days in 30-day windows (the emulator refuses more than 31).
    assert_eq!(emu.usage_requests(), 3);
    let expected = emu.expected_usage_by_operation(
        period.start.timestamp_millis(),
        period.end.timestamp_millis(),
    );
    assert_eq!(report.by_operation.len(), expected.len());
    for op in &report.by_operation {
        assert_eq!(
            Some(&op.credits),
            expected.get(&(op.stype.clone(), op.etype.clone())),
            "{}",
            op.stype
        );
    }
    let expected_total: Decimal = expected.values().copied().sum();
    assert_eq!(report.total, expected_total);
    let all_rows: Decimal = emu.usage_rows().iter().map(|r| r.credits).sum();
    assert_eq!(report.total, all_rows, "the period covers all the data");
    assert!(
        report
            .by_operation
            .windows(2)
            .all(|w| w[0].credits >= w[1].credits)
    );
    // Per user, the same total.
    let by_user = ago.usage_by_user(period).await.unwrap();
    assert_eq!(
        by_user.iter().map(|u| u.credits).sum::<Decimal>(),
        expected_total
    );
    assert!(by_user.windows(2).all(|w| w[0].credits >= w[1].credits));

    // FOCUS records: priced exactly, conformant.
    let price = CreditPrice::new("0.11".parse().unwrap(), Currency::new("EUR").unwrap()).unwrap();
    let portal = ago.portal().await.unwrap();
    let recs = finops_arcgis::mapping::to_focus_records(&report, &portal, &price).unwrap();
    let billed: Decimal = recs.iter().map(|r| r.billed_cost).sum();
    assert_eq!(billed, expected_total * price.per_credit);
    let consumed: Decimal = recs.iter().filter_map(|r| r.consumed_quantity).sum();
    assert_eq!(consumed, expected_total);
    let src = InMemoryCostSource::new("arcgis", recs);
    finops_core::testing::cost_source_conformance(&src, &CostQuery::for_period(period)).await;
}

#[tokio::test]
async fn fault_storm_loses_and_doubles_nothing() {
    let emu = ArcGisEmulator::start().await.unwrap();
    emu.faults().set(FaultConfig {
        truncate_rate: 0.05,
        drop_rate: 0.05,
        ..FaultConfig::storm(0.3)
    });
    let ago = admin(&emu);
    let users = ago.all_users().await.unwrap();
    assert_eq!(users.len(), 260);
    let period = usage_period();
    let report = ago.usage_by_operation(period).await.unwrap();
    let all_rows: Decimal = emu.usage_rows().iter().map(|r| r.credits).sum();
    assert_eq!(report.total, all_rows);
    assert!(
        emu.faults()
            .stats()
            .injected_429
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    );
}

#[tokio::test]
async fn enterprise_portal_url_and_double_slash_paths() {
    use finops_arcgis::credential::{generate_token_request, parse_generate_token};
    use finops_core::Secret;
    use finops_core::http::{HttpClient, Method, RequestParts, Url};
    let emu = ArcGisEmulator::start().await.unwrap();
    // An Enterprise-style portal URL: <host>/portal -> <host>/portal/sharing/rest.
    let ago = ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(format!("{}/portal", emu.url()))
        .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
        .build()
        .unwrap();
    assert!(ago.rest_url().ends_with("/portal/sharing/rest"));
    assert_eq!(ago.all_users().await.unwrap().len(), 260);
    // The ArcGIS API for Python asks for `sharing/rest//portals/self`: the emulator collapses it.
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
    let url = Url::parse(&format!("{}/sharing/rest//portals/self?f=json", emu.url())).unwrap();
    let req = RequestParts::new(Method::GET, url)
        .with_header(
            "X-Esri-Authorization",
            &format!("Bearer {}", tok.token.expose()),
        )
        .unwrap()
        // The Python lib's session header: the token is bound to referer "http".
        .with_header("referer", "http")
        .unwrap();
    let resp = http.send(req, None).await.unwrap();
    assert!(resp.text().contains(emulator::ORG_ID));
    // No token at all: 499 "Token Required" in a 200 body, mapped to Unauthenticated.
    let url = Url::parse(&format!("{}/sharing/rest/portals/self?f=json", emu.url())).unwrap();
    let e = http
        .send(RequestParts::new(Method::GET, url), None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    assert!(e.to_string().contains("499"), "{e}");
}

#[tokio::test]
async fn allocation_under_a_fault_storm_never_adds_twice() {
    let emu = ArcGisEmulator::start().await.unwrap();
    // Truncated answers make the client resend assignUserCredits after the portal applied
    // it: the absolute totals make the repeat harmless.
    emu.faults().set(FaultConfig {
        truncate_rate: 0.3,
        ..FaultConfig::storm(0.2)
    });
    let ago = admin(&emu);
    let rule: AllocationRule = "under=10%,add=200".parse().unwrap();
    let (_, report) = allocation::run(&ago, &rule, None, true).await.unwrap();
    let report = report.unwrap();
    assert!(report.failures().is_empty(), "{:?}", report.failures());
    emu.faults().clear();
    // Users userNNN2 had 99.5 of 1000 left: exactly +200 each, never +400.
    let topped: Vec<_> = emu
        .users()
        .into_iter()
        .filter(|u| u.username.starts_with("user") && u.username.ends_with('2'))
        .collect();
    assert_eq!(topped.len(), 26);
    for u in topped {
        assert_eq!(u.assigned, Some(Decimal::new(1200, 0)), "{}", u.username);
        assert_eq!(
            u.available,
            Some("299.5".parse().unwrap()),
            "{}",
            u.username
        );
    }
    let (plan, _) = allocation::run(&ago, &rule, None, false).await.unwrap();
    assert!(plan.changes.is_empty());
}

#[tokio::test]
async fn usage_windows_refused_as_too_long_are_split() {
    let mut cfg = EmulatorConfig::default();
    cfg.max_window_days = 7;
    let emu = ArcGisEmulator::start_with(cfg).await.unwrap();
    let ago = admin(&emu);
    let report = ago.usage_by_operation(usage_period()).await.unwrap();
    let all_rows: Decimal = emu.usage_rows().iter().map(|r| r.credits).sum();
    assert_eq!(report.total, all_rows, "every day counted once");
    assert!(emu.usage_requests() > 11, "{}", emu.usage_requests());
}

#[tokio::test]
async fn cost_source_conforms_and_needs_a_period_and_a_price() {
    use finops_core::CostSource;
    let emu = ArcGisEmulator::start().await.unwrap();
    let price = CreditPrice::new("0.1".parse().unwrap(), Currency::new("USD").unwrap()).unwrap();
    let unpriced = admin(&emu);
    let d = |m, day| Utc.with_ymd_and_hms(2026, m, day, 0, 0, 0).unwrap();
    let q = CostQuery::for_period(Period::new(d(10, 1), d(10, 15)).unwrap());
    let e = unpriced.costs(&q).await.err().unwrap();
    assert!(
        matches!(e, Error::Config { .. }) && e.to_string().contains("price per credit"),
        "{e}"
    );
    let src = unpriced.with_credit_price(price);
    // Works behind Arc<dyn CostSource>, labelled like the credit source.
    let dynsrc: Arc<dyn CostSource> = Arc::new(src.clone());
    assert_eq!(dynsrc.to_string(), "ArcGis(127.0.0.1)");
    let recs = finops_core::testing::cost_source_conformance(&src, &q).await;
    let expected: Decimal = emu
        .expected_usage_by_operation(d(10, 1).timestamp_millis(), d(10, 15).timestamp_millis())
        .values()
        .copied()
        .sum();
    let billed: Decimal = recs.iter().map(|r| r.billed_cost).sum();
    assert_eq!(billed, expected * Decimal::new(1, 1));
    assert!(src.costs(&CostQuery::default()).await.is_err());
}

#[tokio::test]
async fn unreachable_portal_fails_with_the_call_named() {
    // A loopback port nobody listens on: connections are refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ago = ArcGisBuilder::new()
        .with_clock(Arc::new(FixedClock::new(
            emulator::DEFAULT_NOW.parse().unwrap(),
        )))
        .with_portal(format!("http://127.0.0.1:{port}"))
        .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
        .with_retry(fast_retry())
        .build()
        .unwrap();
    let e = ago.require_admin().await.unwrap_err();
    let text = e.to_string();
    assert!(text.contains("POST /sharing/rest/generateToken"), "{text}");
    assert!(text.contains("gave up after"), "{text}");
    assert!(!text.contains(emulator::ADMIN_PASSWORD));
}
