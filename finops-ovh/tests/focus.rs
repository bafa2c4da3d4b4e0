//! FOCUS 1.2 output of the OVH adapter: conformance, exact reconciliation, tenant ratios and
//! the FinOps Foundation validator (run when a Python >= 3.12 exists).

use finops_core::http::{BackoffConfig, RetryConfig};
use finops_core::{CostQuery, CostSource, Decimal, Period};
use finops_ovh::accounts::{AccountOptions, load_dir};
use finops_ovh::collect::{CollectOptions, Collected, collect_all};
use finops_ovh::emulator::{OvhEmulator, OvhEmulatorConfig};
use finops_ovh::{Ovh, OvhAccount, to_focus};
use std::collections::BTreeMap;
use std::time::Duration;

fn as_of() -> chrono::DateTime<chrono::Utc> {
    "2026-11-22T00:00:00Z".parse().unwrap()
}

async fn collected(emu: &OvhEmulator) -> (Collected, Vec<OvhAccount>) {
    let dir = tempfile::tempdir().unwrap();
    emu.write_token_files(dir.path(), false).unwrap();
    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            base: 2.0,
        },
        ..RetryConfig::default()
    };
    let loaded = load_dir(
        dir.path(),
        &AccountOptions::new()
            .with_clock(emu.clock())
            .with_rate_limit(1000.0, 100)
            .with_retry(retry),
    )
    .unwrap();
    let c = collect_all(&loaded.accounts, &CollectOptions::new(as_of())).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    (c, loaded.accounts)
}

/// Sum of every priced line of every usage period, straight from the API models.
fn api_total(c: &Collected) -> Decimal {
    let mut t = Decimal::ZERO;
    for a in &c.accounts {
        for p in &a.projects {
            for u in p.history.iter().chain(p.current.iter()) {
                if let Some(h) = &u.hourly_usage {
                    t += h.instance.iter().map(|x| x.total_price).sum::<Decimal>();
                    t += h
                        .instance_option
                        .iter()
                        .map(|x| x.total_price)
                        .sum::<Decimal>();
                    t += h
                        .instance_bandwidth
                        .iter()
                        .map(|x| x.total_price)
                        .sum::<Decimal>();
                    t += h.snapshot.iter().map(|x| x.total_price).sum::<Decimal>();
                    t += h.storage.iter().map(|x| x.total_price).sum::<Decimal>();
                    t += h.volume.iter().map(|x| x.total_price).sum::<Decimal>();
                }
                if let Some(m) = &u.monthly_usage {
                    t += m.instance.iter().map(|x| x.total_price).sum::<Decimal>();
                    t += m
                        .instance_option
                        .iter()
                        .map(|x| x.total_price)
                        .sum::<Decimal>();
                }
                for r in u.resources_usage.iter().flatten() {
                    t += r.total_price;
                }
            }
        }
    }
    // Bill lines of services with no usage API (Hosted Private Cloud, VPS).
    let projects: Vec<&str> = c
        .accounts
        .iter()
        .flat_map(|a| a.projects.iter().map(|p| p.project_id.as_str()))
        .collect();
    for a in &c.accounts {
        for b in &a.bills {
            for d in &b.details {
                if !projects.contains(&d.domain.as_str()) {
                    t += d.total_price.value;
                }
            }
        }
    }
    t
}

#[tokio::test]
async fn focus_records_reconcile_and_carry_the_ratio() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let (c, _) = collected(&emu).await;
    let psc_prod = "a1000000000000000000000000000001";
    let ratio = Decimal::new(1134, 3); // 1.2 VAT x 0.9 discount x 1.05 support
    let records = to_focus(&c, &|t| (t == psc_prod).then_some(ratio), as_of()).unwrap();
    assert!(!records.is_empty());
    // Nothing lost, nothing doubled: the unadjusted costs add up to the API's totals exactly.
    let unadjusted: Decimal = records
        .iter()
        .map(|r| {
            r.extensions
                .get("x_CostUnadjusted")
                .unwrap()
                .parse::<Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(unadjusted, api_total(&c));
    for r in &records {
        assert_eq!(r.provider_name, "OVHcloud");
        let u: Decimal = r
            .extensions
            .get("x_CostUnadjusted")
            .unwrap()
            .parse()
            .unwrap();
        if r.sub_account_id.as_deref() == Some(psc_prod) {
            assert_eq!(r.extensions.get("x_TenantRatio"), Some("1.134"));
            assert_eq!(r.billed_cost, u * ratio);
            assert_eq!(r.effective_cost, u * ratio);
        } else {
            assert_eq!(r.extensions.get("x_TenantRatio"), None);
            assert_eq!(r.billed_cost, u);
        }
    }
    // An hourly instance row: ResourceId = instance, SKU = flavor, region, quantity in hours.
    let web = records
        .iter()
        .find(|r| r.resource_name.as_deref() == Some("psc-prod-web-01"))
        .unwrap();
    assert_eq!(web.sku_id.as_deref(), Some("b2-7"));
    assert_eq!(web.region_id.as_deref(), Some("GRA11"));
    assert_eq!(web.consumed_unit.as_deref(), Some("Hours"));
    assert_eq!(web.sub_account_name.as_deref(), Some("psc-prod"));
    assert_eq!(web.extensions.get("x_BillingMode"), Some("hourly"));
    assert_eq!(web.billing_account_id, "ps11111-ovh");
    // The Hosted Private Cloud comes from the bills, once per bill.
    let pcc: Vec<_> = records
        .iter()
        .filter(|r| r.sub_account_id.as_deref() == Some("pcc-192-0-2-10"))
        .collect();
    assert_eq!(pcc.len(), 2);
    assert!(pcc.iter().all(|r| {
        r.billed_cost == Decimal::new(125040, 2)
            && r.service_name == "OVHcloud pcc"
            && r.invoice_id
                .as_deref()
                .is_some_and(|i| i.starts_with("FR1"))
    }));
}

#[tokio::test]
async fn cost_source_conformance_and_validator() {
    let emu = OvhEmulator::start(OvhEmulatorConfig::default())
        .await
        .unwrap();
    let (c, accounts) = collected(&emu).await;
    let mut ratios = BTreeMap::new();
    ratios.insert(
        "b2000000000000000000000000000003".to_string(),
        Decimal::new(12, 1),
    );
    // Over collected data, for a period query.
    let source = Ovh::from_collected(c.clone()).with_ratios(ratios.clone());
    let oct = Period::new(
        "2026-10-01T00:00:00Z".parse().unwrap(),
        "2026-11-01T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let recs =
        finops_core::testing::cost_source_conformance(&source, &CostQuery::for_period(oct)).await;
    assert!(!recs.is_empty());
    // Live, over the accounts.
    let live = Ovh::new(accounts).with_ratios(ratios);
    let all = finops_core::testing::cost_source_conformance(&live, &CostQuery::default()).await;
    assert_eq!(all.len(), to_focus(&c, &|_| None, as_of()).unwrap().len());
    let dyn_source: std::sync::Arc<dyn CostSource> = std::sync::Arc::new(live);
    assert!(dyn_source.to_string().starts_with("Ovh("));

    // Parquet + the official validator.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("focus.parquet");
    finops_core::focus::parquet::write_parquet_file(&file, &all).unwrap();
    if let Some(keep) = std::env::var_os("OVH_FOCUS_KEEP") {
        std::fs::copy(&file, keep).unwrap();
    }
    let back = finops_core::focus::parquet::read_parquet_file(&file).unwrap();
    assert_eq!(back.len(), all.len());
    finops_core::testing::focus_validate(&[&file]);
}
