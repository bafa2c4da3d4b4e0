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

// ---------------------------------------------------------------------------------------------
// auth
// ---------------------------------------------------------------------------------------------

/// `auth.AccessRule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessRule {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// Path with `*` wildcards.
    pub path: String,
}

/// `GET /auth/currentCredential` (`auth.ApiCredential`, OVH-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiCredential {
    /// Credential id.
    pub credential_id: i64,
    /// Application id.
    pub application_id: i64,
    /// When the consumer key was created.
    pub creation: OvhDateTime,
    /// When it expires (`None`: never; a GUESS documented in ovh.md).
    #[serde(default)]
    pub expiration: Option<OvhDateTime>,
    /// Last use.
    #[serde(default)]
    pub last_use: Option<OvhDateTime>,
    /// `expired|pendingValidation|refused|validated`.
    pub status: String,
    /// Whether OVH support created it.
    #[serde(default)]
    pub ovh_support: bool,
    /// IP restrictions.
    #[serde(default, rename = "allowedIPs")]
    pub allowed_ips: Option<Vec<String>>,
    /// Access rules.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub rules: Vec<AccessRule>,
}

/// `POST /auth/credential` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CredentialRequestReply {
    /// The new consumer key (pending validation).
    pub consumer_key: String,
    /// State.
    pub state: String,
    /// URL the user opens to validate.
    pub validation_url: String,
}

/// Lifetime assumed for an OAuth2 token whose reply has no `expires_in` (one hour, the
/// lifetime of OVHcloud service-account tokens).
pub const DEFAULT_TOKEN_LIFETIME_SECS: i64 = 3600;

fn bearer() -> String {
    "Bearer".into()
}

fn default_token_lifetime() -> i64 {
    DEFAULT_TOKEN_LIFETIME_SECS
}

/// Seconds as a JSON integer, a numeric string, or `null` (→ the default lifetime).
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::de::Error as _;
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(DEFAULT_TOKEN_LIFETIME_SECS),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.to_string().parse::<f64>().ok().map(|f| f as i64))
            .ok_or_else(|| D::Error::custom(format!("expires_in {n} is not a number of seconds"))),
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| D::Error::custom(format!("expires_in {s:?} is not a number of seconds"))),
        Some(other) => Err(D::Error::custom(format!(
            "expires_in {other} is not a number of seconds"
        ))),
    }
}

/// OAuth2 token endpoint reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuth2Token {
    /// The bearer token.
    pub access_token: String,
    /// `Bearer` (assumed when absent, like golang.org/x/oauth2).
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Lifetime in seconds. RFC 6749 §5.1 only recommends it: when absent the token is
    /// renewed after [`DEFAULT_TOKEN_LIFETIME_SECS`]; `"3599"` (a string) is read too, like
    /// golang.org/x/oauth2 and oauthlib do.
    #[serde(
        default = "default_token_lifetime",
        deserialize_with = "lenient_seconds"
    )]
    pub expires_in: i64,
    /// Scope (`all`).
    #[serde(default)]
    pub scope: Option<String>,
}

/// OAuth2 token endpoint error (`{"error":"invalid_client","error_description":…}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuth2Error {
    /// Error code.
    pub error: String,
    /// Description.
    #[serde(default)]
    pub error_description: Option<String>,
}

/// Both error body shapes of the API (`fixtures/ovh_errors.json`): `{class, message, details}`
/// and the legacy `{errorCode, httpCode, message}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// `Client::Forbidden`, `Client::BadRequest`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Legacy code: `INVALID_SIGNATURE`, `INVALID_CREDENTIAL`, `NOT_GRANTED_CALL`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Legacy `403 Forbidden`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_code: Option<String>,
    /// Human message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Extra details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

// ---------------------------------------------------------------------------------------------
// me
// ---------------------------------------------------------------------------------------------

/// `nichandle.Currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NicCurrency {
    /// ISO code (`EUR`).
    pub code: String,
    /// Symbol.
    #[serde(default)]
    pub symbol: Option<String>,
}

/// `GET /me` (`nichandle.Nichandle`, the fields used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Me {
    /// NIC handle (`xx11111-ovh`), the account id.
    pub nichandle: String,
    /// Account e-mail.
    pub email: String,
    /// Customer code (`1234-5678-90`), used in `services.expanded` contacts.
    #[serde(default)]
    pub customer_code: Option<String>,
    /// Account currency.
    #[serde(default)]
    pub currency: Option<NicCurrency>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// First name.
    #[serde(default)]
    pub firstname: Option<String>,
    /// Organisation.
    #[serde(default)]
    pub organisation: Option<String>,
}

/// `order.Price` / `order.LongPrice`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Price {
    /// ISO currency (`EUR`).
    pub currency_code: String,
    /// Formatted text (`100.00 €`).
    #[serde(default)]
    pub text: Option<String>,
    /// Exact amount.
    #[serde(with = "num")]
    pub value: Decimal,
}

/// `GET /me/bill/{billId}` (`billing.Bill`, without `password`/`url`/`pdfUrl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Bill {
    /// Bill id (`FR12345678`).
    pub bill_id: String,
    /// Issue date.
    pub date: OvhDateTime,
    /// Category (`autorenew`, `purchase`, …).
    #[serde(default)]
    pub category: Option<String>,
    /// Order id.
    #[serde(default)]
    pub order_id: Option<i64>,
    /// Price before tax.
    pub price_without_tax: Price,
    /// Price with tax.
    pub price_with_tax: Price,
    /// Tax.
    pub tax: Price,
}

/// `GET /me/bill/{billId}/details/{detailId}` (`billing.BillDetail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BillDetail {
    /// Detail id.
    pub bill_detail_id: String,
    /// Description.
    pub description: String,
    /// The service billed (project id, PCC name, …).
    pub domain: String,
    /// Period start (`YYYY-MM-DD`).
    #[serde(default)]
    pub period_start: Option<String>,
    /// Period end (`YYYY-MM-DD`).
    #[serde(default)]
    pub period_end: Option<String>,
    /// Quantity (a string in the schema; parsed exactly).
    #[serde(with = "num")]
    pub quantity: Decimal,
    /// Total.
    pub total_price: Price,
    /// Unit price.
    pub unit_price: Price,
}

/// `GET /me/identity/user/{login}` (`auth.User`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IdentityUser {
    /// Login.
    pub login: String,
    /// E-mail.
    pub email: String,
    /// Group.
    #[serde(default)]
    pub group: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `OK|DISABLED|PASSWORD_CHANGE_REQUIRED`.
    pub status: String,
    /// URN.
    #[serde(default)]
    pub urn: Option<String>,
    /// Creation.
    pub creation: OvhDateTime,
    /// Last update.
    #[serde(default)]
    pub last_update: Option<OvhDateTime>,
    /// Last password change.
    #[serde(default)]
    pub password_last_update: Option<OvhDateTime>,
}

/// `audit.Log.authDetails.userDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditUserDetails {
    /// `ACCOUNT|PROVIDER|USER`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The IAM user login (absent for the root account).
    #[serde(default)]
    pub user: Option<String>,
}

/// `audit.Log.authDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditAuthDetails {
    /// Who logged in.
    pub user_details: AuditUserDetails,
}

/// `audit.Log.loginSuccessDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginSuccessDetails {
    /// `BACKUP_CODE|MAIL|NONE|SMS|TOTP|U2F|UNKNOWN`.
    #[serde(default)]
    pub mfa_type: Option<String>,
    /// User agent.
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// One `GET /me/logs/audit` entry (`audit.Log`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditLog {
    /// When.
    pub created_at: OvhDateTime,
    /// Source IP.
    #[serde(default)]
    pub ip: Option<String>,
    /// `LOGIN_SUCCESS|ACCOUNT_PASSWORD_CHANGED|USER_PASSWORD_CHANGED`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who.
    #[serde(default)]
    pub auth_details: Option<AuditAuthDetails>,
    /// Login details (MFA type).
    #[serde(default)]
    pub login_success_details: Option<LoginSuccessDetails>,
}

// ---------------------------------------------------------------------------------------------
// cloud
// ---------------------------------------------------------------------------------------------

/// `GET /cloud/project/{sn}` (`cloud.ProjectWithIAM`, the fields used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Project {
    /// Project id (snake_case in the API).
    #[serde(rename = "project_id")]
    pub project_id: String,
    /// Name.
    #[serde(default)]
    pub project_name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `creating|deleted|deleting|ok|suspended`.
    pub status: String,
    /// Creation.
    #[serde(default)]
    pub creation_date: Option<OvhDateTime>,
    /// Plan code.
    #[serde(default)]
    pub plan_code: Option<String>,
}

/// `cloud.usage.Period`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsagePeriod {
    /// Start.
    pub from: OvhDateTime,
    /// End (the history uses `…T23:59:59`; treat it as inclusive of that last second).
    pub to: OvhDateTime,
}

/// `GET /cloud/project/{sn}/usage/history` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UsageHistoryEntry {
    /// Usage id.
    pub id: String,
    /// Last update.
    pub last_update: OvhDateTime,
    /// Period.
    pub period: UsagePeriod,
}

/// `cloud.billingView.Quantity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quantity {
    /// `GiB|GiBh|Hour|Minute|Second|Unit`.
    pub unit: String,
    /// Value (exact).
    #[serde(with = "num")]
    pub value: Decimal,
}

/// A quantity with its price (`BandwidthInstance`, `BandwidthStorage`, `StoredStorage`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PricedQuantity {
    /// Quantity.
    pub quantity: Quantity,
    /// Price.
    #[serde(with = "num")]
    pub total_price: Decimal,
}

/// `cloud.billingView.HourlyInstanceDetail` (also `HourlyInstanceOptionDetail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HourlyInstanceDetail {
    /// Instance id.
    pub instance_id: String,
    /// Hours (unit `Hour`).
    pub quantity: Quantity,
    /// Price.
    #[serde(with = "num")]
    pub total_price: Decimal,
}

/// `cloud.billingView.HourlyInstance` (also `HourlyInstanceOption`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HourlyInstance {
    /// Flavor name (`b2-7`).
    pub reference: String,
    /// Region.
    pub region: String,
    /// Total price.
    #[serde(with = "num")]
    pub total_price: Decimal,
    /// Total quantity.
    #[serde(default)]
    pub quantity: Option<Quantity>,
    /// Per instance.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub details: Vec<HourlyInstanceDetail>,
}

/// `cloud.billingView.HourlyInstanceBandwidth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HourlyInstanceBandwidth {
    /// Region.
    pub region: String,
    /// Total price.
    #[serde(with = "num")]
    pub total_price: Decimal,
    /// Incoming.
    #[serde(default)]
    pub incoming_bandwidth: Option<PricedQuantity>,
    /// Outgoing.
    #[serde(default)]
    pub outgoing_bandwidth: Option<PricedQuantity>,
}

/// `cloud.billingView.HourlySnapshot` (OVH-06).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HourlySnapshot {
    /// Region.
    pub region: String,
    /// Total price.
    #[serde(with = "num")]
    pub total_price: Decimal,
    /// Instance snapshots.
    #[serde(default)]
    pub instance: Option<PricedQuantity>,
    /// Volume snapshots.
    #[serde(default)]
    pub volume: Option<PricedQuantity>,
}

/// `cloud.billingView.HourlyStorage` (OVH-07, object storage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HourlyStorage {
    /// Bucket/container.
    #[serde(default)]
    pub bucket_name: Option<String>,
    /// Region.
    pub region: String,
    /// `pca|pcs|storage-standard|storage-high-perf|storage-coldarchive`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Stored volume.
    #[serde(default)]
    pub stored: Option<PricedQuantity>,
    /// Incoming traffic.
    #[serde(default)]
    pub incoming_bandwidth: Option<PricedQuantity>,
    /// Outgoing traffic.
    #[serde(default)]
    pub outgoing_bandwidth: Option<PricedQuantity>,
    /// Total price.
    #[serde(with = "num")]
    pub total_price: Decimal,
}

/// `cloud.billingView.HourlyVolumeDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HourlyVolumeDetail {
    /// Volume id.
    pub volume_id: String,
    /// Quantity (GiBh).
    pub quantity: Quantity,
    /// Price.
    #[serde(with = "num")]
    pub total_price: Decimal,
}

/// `cloud.billingView.HourlyVolume` (OVH-07, block storage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HourlyVolume {
    /// Region.
    pub region: String,
    /// Volume type (`classic`, `high-speed`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Total price.
    #[serde(with = "num")]
    pub total_price: Decimal,
    /// Total quantity.
    #[serde(default)]
    pub quantity: Option<Quantity>,
    /// Per volume.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub details: Vec<HourlyVolumeDetail>,
}

/// `cloud.billingView.HourlyResources`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HourlyUsage {
    /// Instances billed by the hour.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub instance: Vec<HourlyInstance>,
    /// Instance options (billed by the hour).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub instance_option: Vec<HourlyInstance>,
    /// Instance bandwidth.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub instance_bandwidth: Vec<HourlyInstanceBandwidth>,
    /// Snapshots.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub snapshot: Vec<HourlySnapshot>,
    /// Object storage.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub storage: Vec<HourlyStorage>,
    /// Block volumes.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub volume: Vec<HourlyVolume>,
}

/// `cloud.billingView.MonthlyInstanceDetail` (also `MonthlyInstanceOptionDetail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MonthlyInstanceDetail {
    /// Instance id.
    pub instance_id: String,
    /// When monthly billing started (absent on options).
    #[serde(default)]
    pub activation: Option<OvhDateTime>,
    /// Price.
    #[serde(with = "num")]
    pub total_price: Decimal,
}

/// `cloud.billingView.MonthlyInstance` (also `MonthlyInstanceOption`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MonthlyInstance {
    /// Flavor name.
    pub reference: String,
    /// Region.
    pub region: String,
    /// Total price.
    #[serde(with = "num")]
    pub total_price: Decimal,
    /// Per instance.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub details: Vec<MonthlyInstanceDetail>,
}

/// `cloud.billingView.MonthlyCertificationDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MonthlyCertificationDetail {
    /// Activation.
    pub activation: OvhDateTime,
    /// Price.
    #[serde(with = "num")]
    pub total_price: Decimal,
}

/// `cloud.billingView.MonthlyCertification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MonthlyCertification {
    /// Reference.
    pub reference: String,
    /// Total price.
    #[serde(with = "num")]
    pub total_price: Decimal,
    /// Details.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub details: Vec<MonthlyCertificationDetail>,
}

/// `cloud.billingView.MonthlyResources`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MonthlyUsage {
    /// Instances billed monthly.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub instance: Vec<MonthlyInstance>,
    /// Options billed monthly.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub instance_option: Vec<MonthlyInstance>,
    /// Certifications (HDS, …).
    #[serde(default)]
    pub certification: Option<Vec<MonthlyCertification>>,
}

/// `cloud.billingView.Component`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Component {
    /// Component name (`ai-training-1-gpu`).
    pub name: String,
    /// Quantity.
    #[serde(default)]
    pub quantity: Option<Quantity>,
    /// Price.
    #[serde(with = "num")]
    pub total_price: Decimal,
}

/// `cloud.billingView.RegionalizedResource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegionalizedResource {
    /// Region.
    pub region: String,
    /// Components.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub components: Vec<Component>,
}

/// `cloud.billingView.TypedResources` (OVH-05 managed services).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourcesUsage {
    /// Service type (`ai-training`, `databases`, `kubernetes`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Total price.
    #[serde(with = "num")]
    pub total_price: Decimal,
    /// Per region.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub resources: Vec<RegionalizedResource>,
}

/// `GET /cloud/project/{sn}/usage/current` (`cloud.usage.UsageCurrent`) and
/// `…/usage/history/{id}` (`cloud.usage.UsageHistoryDetail`, with `id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Usage {
    /// History id (absent on `usage/current`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Last update.
    pub last_update: OvhDateTime,
    /// Period.
    pub period: UsagePeriod,
    /// Hourly usage.
    #[serde(default)]
    pub hourly_usage: Option<HourlyUsage>,
    /// Monthly usage.
    #[serde(default)]
    pub monthly_usage: Option<MonthlyUsage>,
    /// Managed services.
    #[serde(default)]
    pub resources_usage: Option<Vec<ResourcesUsage>>,
}

/// `cloud.instance.IpAddress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IpAddress {
    /// Address.
    pub ip: String,
    /// 4 or 6.
    pub version: u8,
    /// `public|private`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Network id.
    #[serde(default)]
    pub network_id: Option<String>,
}

/// `cloud.instance.MonthlyBilling` (non-null: the instance is billed monthly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MonthlyBilling {
    /// Since.
    pub since: OvhDateTime,
    /// `activationPending|ok`.
    pub status: String,
}

/// `GET /cloud/project/{sn}/instance` item (`cloud.instance.Instance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Instance {
    /// Instance id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Flavor id.
    pub flavor_id: String,
    /// Image id.
    #[serde(default)]
    pub image_id: Option<String>,
    /// Plan code (`b2-7.consumption` hourly, `b2-7.monthly` monthly).
    #[serde(default)]
    pub plan_code: Option<String>,
    /// Region.
    pub region: String,
    /// `ACTIVE`, `SHUTOFF`, ….
    pub status: String,
    /// Creation.
    pub created: OvhDateTime,
    /// Addresses.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ip_addresses: Vec<IpAddress>,
    /// Monthly billing (non-null: monthly).
    #[serde(default)]
    pub monthly_billing: Option<MonthlyBilling>,
}

/// `cloud.flavor.FlavorPlanCodes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlavorPlanCodes {
    /// Hourly plan.
    #[serde(default)]
    pub hourly: Option<String>,
    /// Monthly plan.
    #[serde(default)]
    pub monthly: Option<String>,
}

/// `cloud.flavor.Flavor` (sizes: RAM MB, disk GB, bandwidth Mbit/s — units GUESS, ovh.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Flavor {
    /// Flavor id.
    pub id: String,
    /// Name (`b2-7`).
    pub name: String,
    /// RAM.
    pub ram: i64,
    /// Disk.
    pub disk: i64,
    /// vCPUs.
    pub vcpus: i64,
    /// Inbound bandwidth.
    #[serde(default)]
    pub inbound_bandwidth: Option<i64>,
    /// Outbound bandwidth.
    #[serde(default)]
    pub outbound_bandwidth: Option<i64>,
    /// `linux|windows`.
    #[serde(default)]
    pub os_type: Option<String>,
    /// Type (`ovh.ssd.eg`, …).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Region.
    pub region: String,
    /// Plan codes.
    #[serde(default)]
    pub plan_codes: Option<FlavorPlanCodes>,
}

/// `cloud.image.Image` (the fields used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Image {
    /// Image id.
    pub id: String,
    /// Name (`Debian 12`).
    pub name: String,
    /// `linux|windows`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
}

/// `GET /cloud/project/{sn}/instance/{id}` (`cloud.instance.InstanceDetail`, without
/// `rescuePassword`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InstanceDetail {
    /// Instance id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Status.
    pub status: String,
    /// Creation.
    pub created: OvhDateTime,
    /// Plan code.
    #[serde(default)]
    pub plan_code: Option<String>,
    /// Addresses.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ip_addresses: Vec<IpAddress>,
    /// Monthly billing.
    #[serde(default)]
    pub monthly_billing: Option<MonthlyBilling>,
    /// Flavor.
    pub flavor: Flavor,
    /// Image (nullable in practice for deleted images).
    #[serde(default)]
    pub image: Option<Image>,
}

/// `GET /cloud/project/{sn}/region/{r}/gateway` item (`cloud.network.Gateway`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Gateway {
    /// Id.
    pub id: String,
    /// Name (`GW-01-55-…`).
    pub name: String,
    /// Region.
    pub region: String,
    /// `active|building|down|error`.
    pub status: String,
    /// Size `s..3xl`.
    #[serde(default)]
    pub model: Option<String>,
}

/// `GET /cloud/project/{sn}/region/{r}/loadbalancing/loadbalancer` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoadBalancer {
    /// Id.
    pub id: String,
    /// Name (`LB-01-55-…`).
    pub name: String,
    /// Region.
    pub region: String,
    /// `online|offline|degraded|draining|error|noMonitor`.
    pub operating_status: String,
    /// `active|creating|deleted|deleting|error|updating`.
    pub provisioning_status: String,
    /// Flavor.
    #[serde(default)]
    pub flavor_id: Option<String>,
    /// VIP.
    #[serde(default)]
    pub vip_address: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// dedicatedCloud (Hosted Private Cloud)
// ---------------------------------------------------------------------------------------------

/// `GET /dedicatedCloud/{sn}` (the fields used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DedicatedCloud {
    /// Service name (`pcc-192-0-2-10`).
    pub service_name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Location (`rbx2`).
    #[serde(default)]
    pub location: Option<String>,
    /// State.
    #[serde(default)]
    pub state: Option<String>,
    /// Product reference (`EPCC`, …).
    #[serde(default)]
    pub product_reference: Option<String>,
}

/// `dedicatedCloud.virtualMachineCdrom`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cdrom {
    /// Connected.
    #[serde(default)]
    pub connected: Option<bool>,
    /// Mounted ISO.
    #[serde(default)]
    pub iso: Option<String>,
}

/// `GET /dedicatedCloud/{sn}/datacenter/{dc}/vm/{vmId}` (`dedicatedCloud.Vm`, the fields used).
/// Metrics are nullable; they are exact decimals (cpuMax is a double in MHz).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DedicatedCloudVm {
    /// VM id.
    pub vm_id: i64,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Host.
    #[serde(default)]
    pub host_name: Option<String>,
    /// `poweredOn|poweredOff|suspended|deleted`.
    pub power_state: String,
    /// vCPU count.
    #[serde(default)]
    pub cpu_num: Option<i64>,
    /// CPU used (MHz).
    #[serde(default, with = "num::opt")]
    pub cpu_used: Option<Decimal>,
    /// CPU max (MHz).
    #[serde(default, with = "num::opt")]
    pub cpu_max: Option<Decimal>,
    /// Memory used (MB).
    #[serde(default, with = "num::opt")]
    pub memory_used: Option<Decimal>,
    /// Memory max (MB).
    #[serde(default, with = "num::opt")]
    pub memory_max: Option<Decimal>,
    /// CD-ROMs (mounted ISO).
    #[serde(default)]
    pub cdroms: Option<Vec<Cdrom>>,
}

impl DedicatedCloudVm {
    /// The first mounted ISO, if any.
    pub fn mounted_iso(&self) -> Option<&str> {
        self.cdroms
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|c| c.connected.unwrap_or(true))
            .find_map(|c| c.iso.as_deref().filter(|s| !s.is_empty()))
    }
}

// ---------------------------------------------------------------------------------------------
// vps
// ---------------------------------------------------------------------------------------------

/// `vps.Model`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VpsModel {
    /// Model name.
    pub name: String,
    /// Offer.
    #[serde(default)]
    pub offer: Option<String>,
    /// Version.
    #[serde(default)]
    pub version: Option<String>,
    /// Memory.
    #[serde(default)]
    pub memory: Option<i64>,
    /// Disk.
    #[serde(default)]
    pub disk: Option<i64>,
    /// vCores.
    #[serde(default)]
    pub vcore: Option<i64>,
}

/// `GET /vps/{sn}` (`vps.VPS`, the fields used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Vps {
    /// Name (`vps-xxxx.vps.ovh.net`).
    pub name: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Zone.
    #[serde(default)]
    pub zone: Option<String>,
    /// `running|stopped|…`.
    pub state: String,
    /// vCores.
    #[serde(default)]
    pub vcore: Option<i64>,
    /// Memory.
    #[serde(default)]
    pub memory_limit: Option<i64>,
    /// Offer type.
    #[serde(default)]
    pub offer_type: Option<String>,
    /// Model.
    #[serde(default)]
    pub model: Option<VpsModel>,
}

// ---------------------------------------------------------------------------------------------
// services
// ---------------------------------------------------------------------------------------------

/// `services.expanded.Product`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServiceProduct {
    /// Product name (`publiccloud-project`).
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// `services.expanded.Resource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceResource {
    /// Resource name (the tenant id: project id, `pcc-…`, `…-certification-hds`, `…/option/snc`).
    pub name: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `active|deleted|suspended|toActivate|toDelete|toSuspend`.
    pub state: String,
    /// Product.
    #[serde(default)]
    pub product: Option<ServiceProduct>,
}

/// `{key, value}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeyValue {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// `services.expanded.Route`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServiceRoute {
    /// Path template (`/cloud/project/{serviceName}`).
    #[serde(default)]
    pub path: Option<String>,
    /// Concrete URL (`/cloud/project/0123…`).
    #[serde(default)]
    pub url: Option<String>,
    /// Variables.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub vars: Vec<KeyValue>,
}

/// `services.expanded.Plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServicePlan {
    /// Plan code.
    pub code: String,
    /// Invoice name.
    #[serde(default)]
    pub invoice_name: Option<String>,
}

/// `services.expanded.Lifecycle.Current`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LifecycleCurrent {
    /// `active|toRenew|terminated|unpaid|…`.
    pub state: String,
    /// Creation.
    #[serde(default)]
    pub creation_date: Option<OvhDateTime>,
    /// Termination.
    #[serde(default)]
    pub termination_date: Option<OvhDateTime>,
}

/// `services.expanded.Lifecycle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Lifecycle {
    /// Current state.
    pub current: LifecycleCurrent,
}

/// `services.expanded.Billing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceBilling {
    /// Plan.
    #[serde(default)]
    pub plan: Option<ServicePlan>,
    /// Lifecycle.
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    /// Next billing date.
    #[serde(default)]
    pub next_billing_date: Option<OvhDateTime>,
    /// Expiration date.
    #[serde(default)]
    pub expiration_date: Option<OvhDateTime>,
}

/// `services.expanded.Customer.Contact`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceContact {
    /// Customer code.
    pub customer_code: String,
    /// `administrator|billing|technical`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// `services.expanded.Customer`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServiceCustomer {
    /// Contacts.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub contacts: Vec<ServiceContact>,
}

/// `GET /services/{id}` (`services.expanded.Service`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExpandedService {
    /// Service id.
    pub service_id: i64,
    /// Parent service.
    #[serde(default)]
    pub parent_service_id: Option<i64>,
    /// Resource.
    pub resource: ServiceResource,
    /// Route.
    #[serde(default)]
    pub route: Option<ServiceRoute>,
    /// Billing.
    pub billing: ServiceBilling,
    /// Customer contacts.
    #[serde(default)]
    pub customer: ServiceCustomer,
}

impl ExpandedService {
    /// The billing lifecycle state (`active`, `toRenew`, …), if given.
    pub fn billing_state(&self) -> Option<&str> {
        self.billing
            .lifecycle
            .as_ref()
            .map(|l| l.current.state.as_str())
    }

    /// Whether OVH-09 keeps it (billing state `active` or `toRenew`).
    pub fn is_active_or_to_renew(&self) -> bool {
        matches!(self.billing_state(), Some("active") | Some("toRenew"))
    }

    /// Product type name (`publiccloud-project`, …).
    pub fn product_name(&self) -> Option<&str> {
        self.resource.product.as_ref().map(|p| p.name.as_str())
    }
}

/// `GET /{product}/{sn}/serviceInfos` (`services.Service`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceInfos {
    /// Service id.
    pub service_id: i64,
    /// The service name.
    pub domain: String,
    /// `ok|expired|inCreation|pendingDebt|unPaid`.
    pub status: String,
    /// Admin NIC handle.
    pub contact_admin: String,
    /// Tech NIC handle.
    pub contact_tech: String,
    /// Billing NIC handle.
    pub contact_billing: String,
    /// Creation date (`YYYY-MM-DD`).
    #[serde(default)]
    pub creation: Option<String>,
    /// Expiration date (`YYYY-MM-DD`).
    #[serde(default)]
    pub expiration: Option<String>,
    /// Renewal type.
    #[serde(default)]
    pub renewal_type: Option<String>,
}

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
        check!(OAuth2Token, "ovh_oauth2_token_response.json");
        check!(OAuth2Error, "ovh_oauth2_token_error.json");
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

    #[test]
    fn oauth2_token_reply_variants() {
        let t: OAuth2Token = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert_eq!((t.token_type.as_str(), t.expires_in), ("Bearer", 3600));
        let t: OAuth2Token = serde_json::from_str(
            r#"{"access_token":"a","token_type":"bearer","expires_in":"3599"}"#,
        )
        .unwrap();
        assert_eq!(t.expires_in, 3599);
        let t: OAuth2Token =
            serde_json::from_str(r#"{"access_token":"a","expires_in":null}"#).unwrap();
        assert_eq!(t.expires_in, 3600);
        assert!(
            serde_json::from_str::<OAuth2Token>(r#"{"access_token":"a","expires_in":"soon"}"#)
                .is_err()
        );
    }
}
