//! `cloud`: Public Cloud projects, usage (current and history), instances, gateways and
//! load balancers.

use super::*;

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
