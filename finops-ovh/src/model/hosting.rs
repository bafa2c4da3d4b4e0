//! `dedicatedCloud` (Hosted Private Cloud), `vps` and `services`.

use super::*;

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
