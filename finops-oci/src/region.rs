//! OCI regions and realms → the Usage API host (the SDK's `REGIONS_SHORT_NAMES`,
//! `REGION_REALMS` and `REALMS` tables).

/// Region short codes (as in the SDK's `REGIONS_SHORT_NAMES`) → region identifiers.
const SHORT_REGIONS: &[(&str, &str)] = &[
    ("iad", "us-ashburn-1"),
    ("phx", "us-phoenix-1"),
    ("sjc", "us-sanjose-1"),
    ("ord", "us-chicago-1"),
    ("yyz", "ca-toronto-1"),
    ("yul", "ca-montreal-1"),
    ("gru", "sa-saopaulo-1"),
    ("vcp", "sa-vinhedo-1"),
    ("scl", "sa-santiago-1"),
    ("bog", "sa-bogota-1"),
    ("qro", "mx-queretaro-1"),
    ("fra", "eu-frankfurt-1"),
    ("ams", "eu-amsterdam-1"),
    ("zrh", "eu-zurich-1"),
    ("mad", "eu-madrid-1"),
    ("cdg", "eu-paris-1"),
    ("mrs", "eu-marseille-1"),
    ("lin", "eu-milan-1"),
    ("arn", "eu-stockholm-1"),
    ("lhr", "uk-london-1"),
    ("cwl", "uk-cardiff-1"),
    ("nrt", "ap-tokyo-1"),
    ("kix", "ap-osaka-1"),
    ("icn", "ap-seoul-1"),
    ("yny", "ap-chuncheon-1"),
    ("bom", "ap-mumbai-1"),
    ("hyd", "ap-hyderabad-1"),
    ("syd", "ap-sydney-1"),
    ("mel", "ap-melbourne-1"),
    ("sin", "ap-singapore-1"),
    ("jed", "me-jeddah-1"),
    ("dxb", "me-dubai-1"),
    ("auh", "me-abudhabi-1"),
    ("jnb", "af-johannesburg-1"),
    ("mtz", "il-jerusalem-1"),
];

/// Regions outside realm `oc1` (from the SDK's `REGION_REALMS`); any other region is `oc1`.
const REGION_REALMS: &[(&str, &str)] = &[
    ("us-langley-1", "oc2"),
    ("us-luke-1", "oc2"),
    ("us-gov-ashburn-1", "oc3"),
    ("us-gov-chicago-1", "oc3"),
    ("us-gov-phoenix-1", "oc3"),
    ("uk-gov-london-1", "oc4"),
    ("uk-gov-cardiff-1", "oc4"),
    ("ap-chiyoda-1", "oc8"),
    ("ap-ibaraki-1", "oc8"),
    ("me-dcc-muscat-1", "oc9"),
    ("eu-frankfurt-2", "oc19"),
    ("eu-madrid-2", "oc19"),
];

/// Second-level domain of a realm (the SDK's `REALMS`; unknown realms fall back to oc1).
pub fn realm_domain(realm: &str) -> String {
    match realm {
        "oc1" => "oraclecloud.com".into(),
        "oc2" | "oc3" => "oraclegovcloud.com".into(),
        "oc4" => "oraclegovcloud.uk".into(),
        "oc19" => "oraclecloud.eu".into(),
        r => match r.strip_prefix("oc").and_then(|n| n.parse::<u32>().ok()) {
            Some(n) if n >= 8 => format!("oraclecloud{n}.com"),
            _ => "oraclecloud.com".into(),
        },
    }
}

/// Expand a region short code (`iad` → `us-ashburn-1`); other values are returned lower-cased.
pub fn canonical_region(region: &str) -> String {
    let r = region.trim().to_ascii_lowercase();
    SHORT_REGIONS
        .iter()
        .find(|(s, _)| *s == r)
        .map(|(_, full)| (*full).to_string())
        .unwrap_or(r)
}

/// The Usage API base URL of a region: `https://usageapi.{region}.oci.{realm domain}`.
pub fn usage_api_endpoint(region: &str) -> String {
    let region = canonical_region(region);
    let realm = REGION_REALMS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, realm)| *realm)
        .unwrap_or("oc1");
    format!("https://usageapi.{region}.oci.{}", realm_domain(realm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_endpoints() {
        assert_eq!(
            usage_api_endpoint("us-ashburn-1"),
            "https://usageapi.us-ashburn-1.oci.oraclecloud.com"
        );
        assert_eq!(
            usage_api_endpoint("gru"),
            "https://usageapi.sa-saopaulo-1.oci.oraclecloud.com"
        );
        assert_eq!(
            usage_api_endpoint("us-gov-ashburn-1"),
            "https://usageapi.us-gov-ashburn-1.oci.oraclegovcloud.com"
        );
        assert_eq!(
            usage_api_endpoint("uk-gov-london-1"),
            "https://usageapi.uk-gov-london-1.oci.oraclegovcloud.uk"
        );
        assert_eq!(
            usage_api_endpoint("eu-frankfurt-2"),
            "https://usageapi.eu-frankfurt-2.oci.oraclecloud.eu"
        );
        assert_eq!(
            usage_api_endpoint("me-dcc-muscat-1"),
            "https://usageapi.me-dcc-muscat-1.oci.oraclecloud9.com"
        );
        assert_eq!(realm_domain("oc20"), "oraclecloud20.com");
        assert_eq!(
            usage_api_endpoint("xx-unknown-1"),
            "https://usageapi.xx-unknown-1.oci.oraclecloud.com"
        );
    }
}
