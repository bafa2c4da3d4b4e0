//! The FOCUS 1.2 records of usage by operation pass the official FinOps Foundation validator
//! (`scripts/focus-validate`, focus-validator 2.2.1; one SKIPPED line without Python >= 3.12).

use chrono::{NaiveDate, TimeZone, Utc};
use finops_arcgis::emulator::{self, ArcGisEmulator};
use finops_arcgis::{ArcGisBuilder, CreditPrice};
use finops_core::focus::Period;
use finops_core::{Currency, Decimal};

#[tokio::test]
async fn usage_records_pass_the_official_validator() {
    let emu = ArcGisEmulator::start().await.unwrap();
    let ago = ArcGisBuilder::new()
        .with_clock(emu.clock())
        .with_portal(emu.url())
        .with_user_password(emulator::ADMIN_USER, emulator::ADMIN_PASSWORD)
        .build()
        .unwrap();
    let d = |m, day| {
        Utc.from_utc_datetime(
            &NaiveDate::from_ymd_opt(2026, m, day)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        )
    };
    let period = Period::new(d(10, 1), d(10, 8)).unwrap();
    let report = ago.usage_by_operation(period).await.unwrap();
    let portal = ago.portal().await.unwrap();
    let price = CreditPrice::new(Decimal::new(11, 2), Currency::new("EUR").unwrap()).unwrap();
    let recs = finops_arcgis::mapping::to_focus_records(&report, &portal, &price).unwrap();
    assert!(!recs.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("arcgis_focus.parquet");
    finops_core::focus::parquet::write_parquet_file(&parquet, &recs).unwrap();
    finops_core::testing::focus_validate(&[&parquet]);
}
