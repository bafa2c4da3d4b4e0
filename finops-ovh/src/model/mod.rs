//! Serde models of every OVHcloud API v1 response used by the adapter.
//!
//! Shapes follow the api.ovh.com schema (`auth`, `me`, `cloud`, `dedicatedCloud`, `services`,
//! `vps`) and the fixtures in `shared/reference/fixtures/ovh_*`. Unknown fields are ignored;
//! nullable fields are `Option`; lists missing from a reply default to empty.
//!
//! Money: every price (`totalPrice`, `value` of a price, …) is a [`Decimal`] parsed from the
//! JSON number's own text by [`finops_core::json::decimal`], never through `f64`. Serializing writes the decimal
//! back as a JSON number with the same digits (the emulator relies on it).
//!
//! Secrets the API may return (a bill's `password`/`url`, an instance's `rescuePassword`) are
//! deliberately not modelled, so they can never end up in a written file.

use chrono::{DateTime, FixedOffset};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Exact JSON-number ↔ [`Decimal`] (de)serialization (`#[serde(with = "num")]`): the shared
/// [`finops_core::json::decimal`] helpers (bounded to 10^18, never rounded silently).
pub use finops_core::json::decimal as num;

/// A list that may be absent or `null` (empty either way): python-ovh and go-ovh decode a
/// `null` array without complaint, so an odd-but-valid `"details": null` is no error here.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An OVH datetime (`2024-03-01T00:00:00+01:00`).
pub type OvhDateTime = DateTime<FixedOffset>;

mod auth;
mod cloud;
mod hosting;
mod me;

pub use auth::*;
pub use cloud::*;
pub use hosting::*;
pub use me::*;

#[cfg(test)]
mod tests {
    use super::*;

    /// Response-shape fixtures (copies of the documented API examples) in `tests/data/fixtures`.
    fn fixture(name: &str) -> Option<String> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fixtures")
            .join(name);
        Some(std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
    }

    #[test]
    fn usage_fixtures_parse_exactly() {
        for f in [
            "ovh_cloud_usage_current.json",
            "ovh_cloud_usage_history_item.json",
            "ovh_cloud_usage_forecast.json",
        ] {
            let Some(text) = fixture(f) else { continue };
            let u: Usage = serde_json::from_str(&text).unwrap();
            let h = u.hourly_usage.as_ref().unwrap();
            assert_eq!(h.instance[0].total_price, Decimal::new(1584, 2));
            assert_eq!(h.storage[0].total_price, Decimal::new(76, 2));
            assert_eq!(
                u.monthly_usage.as_ref().unwrap().instance[0].total_price,
                Decimal::new(264, 1)
            );
            // Round trip keeps the digits.
            let back = serde_json::to_string(&u).unwrap();
            let u2: Usage = serde_json::from_str(&back).unwrap();
            assert_eq!(u, u2);
        }
    }

    #[test]
    fn other_fixtures_parse() {
        macro_rules! check {
            ($t:ty, $f:expr) => {
                if let Some(text) = fixture($f) {
                    let _: $t =
                        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", $f));
                }
            };
        }
        check!(ApiCredential, "ovh_auth_currentCredential.json");
        check!(Project, "ovh_cloud_project_item.json");
        check!(Vec<Instance>, "ovh_cloud_instance_list.json");
        check!(Vec<UsageHistoryEntry>, "ovh_cloud_usage_history_list.json");
        check!(DedicatedCloud, "ovh_dedicatedcloud_item.json");
        check!(DedicatedCloudVm, "ovh_dedicatedcloud_vm_item.json");
        check!(ExpandedService, "ovh_services_item.json");
        check!(ServiceInfos, "ovh_cloud_project_serviceInfos.json");
        check!(Bill, "ovh_me_bill_item.json");
        check!(BillDetail, "ovh_me_bill_detail_item.json");
        check!(IdentityUser, "ovh_me_identity_user_item.json");
        check!(CredentialRequestReply, "ovh_auth_credential_response.json");
    }

    #[test]
    fn decimal_never_goes_through_f64() {
        let q: Quantity =
            serde_json::from_str(r#"{"unit":"Hour","value":0.1000000000000000055}"#).unwrap();
        assert_eq!(q.value.to_string(), "0.1000000000000000055");
        let p: Price =
            serde_json::from_str(r#"{"currencyCode":"EUR","value":1e-2,"text":"x"}"#).unwrap();
        assert_eq!(p.value, Decimal::new(1, 2));
        assert!(serde_json::from_str::<Price>(r#"{"currencyCode":"EUR","value":"abc"}"#).is_err());
    }

    proptest::proptest! {
        #[test]
        fn decimals_round_trip_exactly(m in proptest::prelude::any::<i64>(), scale in 0u32..12) {
            let d = Decimal::new(m, scale);
            let p = Price { currency_code: "EUR".into(), text: None, value: d };
            let text = serde_json::to_string(&p).unwrap();
            let back = serde_json::from_str::<Price>(&text);
            // Amounts above 10^18 are refused (finops_core::json bounds every number).
            if d.abs() <= finops_core::json::max_magnitude() {
                proptest::prop_assert_eq!(back.unwrap().value, d);
            } else {
                proptest::prop_assert!(back.is_err());
            }
        }

        #[test]
        fn number_parsing_never_panics(s in ".{0,40}") {
            let _ = num::parse_raw(&s);
            let _ = serde_json::from_str::<Quantity>(&format!("{{\"unit\":\"Hour\",\"value\":{s}}}"));
        }
    }

    #[test]
    fn vm_iso_and_nullable_metrics() {
        let vm: DedicatedCloudVm = serde_json::from_str(
            r#"{"vmId":1,"powerState":"poweredOn","cpuMax":null,"cdroms":[{"connected":true,"iso":"[ds] debian.iso"}]}"#,
        )
        .unwrap();
        assert_eq!(vm.cpu_max, None);
        assert_eq!(vm.mounted_iso(), Some("[ds] debian.iso"));
    }

    #[test]
    fn null_lists_are_empty() {
        let u: Usage = serde_json::from_str(
            r#"{"lastUpdate":"2026-11-21T10:00:00+01:00","period":{"from":"2026-11-01T00:00:00+01:00","to":"2026-11-21T10:00:00+01:00"},
                "hourlyUsage":{"instance":[{"reference":"b2-7","region":"GRA11","totalPrice":1.5,"details":null}],"snapshot":null,"storage":null,"volume":null},
                "monthlyUsage":{"instance":null,"instanceOption":null,"certification":null},"resourcesUsage":null}"#,
        )
        .unwrap();
        let h = u.hourly_usage.unwrap();
        assert!(h.instance[0].details.is_empty() && h.snapshot.is_empty());
        assert!(u.monthly_usage.unwrap().instance.is_empty());
        let i: Instance = serde_json::from_str(
            r#"{"id":"i","name":"n","flavorId":"f","region":"GRA11","status":"ACTIVE","created":"2026-01-01T00:00:00Z","ipAddresses":null,"monthlyBilling":null}"#,
        )
        .unwrap();
        assert!(i.ip_addresses.is_empty());
    }
}
