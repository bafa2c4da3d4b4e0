//! OVH → FOCUS 1.2: [`to_focus`] maps the collected costs to [`CostRecord`]s.
//!
//! - **Public Cloud**: one record per [`ChargeLine`] of every usage period (history and
//!   current) of every project ([`crate::charges::charge_lines`], the same lines the Power BI
//!   CSV rows are built from).
//! - **Everything else** (Hosted Private Cloud, VPS, other subscriptions): one record per
//!   `/me/bill` detail whose `domain` is not a collected Public Cloud project (those are
//!   covered line by line by the usage records).
//! - **Periods**: BillingPeriod = the whole month in OVH's billing time zone holding the
//!   charge's start, for every service and the running month too; ChargePeriod = the usage
//!   period (ending at as-of while it runs) or the bill line's days
//!   ([`crate::period`]).
//! - **Ratio** (OVH-13): every cost is the OVH price × the tenant ratio by the one rounding
//!   rule [`crate::charges::adjusted`]; `x_TenantRatio` holds the ratio, `x_CostUnadjusted`
//!   the OVH price.

use crate::charges::{BillingMode, ChargeKind, ChargeLine, adjusted, charge_lines, usage_call};
use crate::collect::{AccountData, Collected, ProjectData};
use crate::error::OvhError;
use crate::model::*;
use crate::period::{billing_period, billing_period_of_day, billing_time_zone, charge_period};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use finops_core::focus::{ChargeCategory, ChargeFrequency, ServiceCategory};
use finops_core::{CostRecord, Currency, Period};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// FOCUS ProviderName / InvoiceIssuerName / PublisherName.
pub const FOCUS_PROVIDER: &str = "OVHcloud";

/// The `x_` columns every OVH record carries, in this order.
pub const FOCUS_EXTENSIONS: [&str; 4] = [
    "x_AccountFile",
    "x_BillingMode",
    "x_CostUnadjusted",
    "x_TenantRatio",
];

/// The collected costs as FOCUS 1.2 records (OVH-03..07, X-01; see the module docs).
///
/// `ratio(tenant_id)` gives the OVH-13 tenant ratio (VAT × market discount × support uplift):
/// when `Some`, every cost (Billed/Effective/List/Contracted) is the OVH price × ratio
/// ([`adjusted`]: exact, rounded only beyond 18 decimals) and `x_TenantRatio` holds it;
/// `x_CostUnadjusted` always holds the OVH price. `as_of` ends the running usage period.
///
/// Fails on the first usage body or bill line that cannot be mapped (an amount that does not
/// fit a decimal, a currency that is not ISO 4217), naming the API call and the field;
/// [`crate::Ovh`] streams each such failure as its own error item instead.
pub fn to_focus(
    collected: &Collected,
    ratio: &dyn Fn(&str) -> Option<Decimal>,
    as_of: DateTime<Utc>,
) -> finops_core::Result<Vec<CostRecord>> {
    let mut out = Vec::new();
    for item in focus_items(collected, ratio, as_of) {
        out.extend(item?);
    }
    Ok(out)
}

/// The records of [`to_focus`], one `Result` per usage body and per bill line: a failure
/// stops only the records of that body or line.
pub(crate) fn focus_items(
    collected: &Collected,
    ratio: &dyn Fn(&str) -> Option<Decimal>,
    as_of: DateTime<Utc>,
) -> Vec<finops_core::Result<Vec<CostRecord>>> {
    let invoices = invoice_ids(collected);
    let mut out = Vec::new();
    for a in &collected.accounts {
        let currency = Currency::new(a.currency()).or_else(|_| Currency::new("EUR"));
        let Ok(currency) = currency else { continue };
        let tz = billing_time_zone(&a.endpoint);
        for p in &a.projects {
            let ctx = ProjectCtx {
                account: a,
                project: p,
                currency,
                tz,
                ratio: ratio(&p.project_id),
                names: p
                    .instances
                    .iter()
                    .map(|i| (i.id.as_str(), i.name.as_str()))
                    .collect(),
            };
            for u in p.history.iter().chain(p.current.iter()) {
                out.push(ctx.usage_records(u, as_of, &invoices));
            }
        }
    }
    out.extend(bill_records(collected, ratio));
    out
}

/// (project, period start `YYYY-MM-DD`) → the bill whose detail names that project and month.
fn invoice_ids(collected: &Collected) -> BTreeMap<(&str, &str), &str> {
    let mut invoices = BTreeMap::new();
    for a in &collected.accounts {
        for b in &a.bills {
            for d in &b.details {
                if let Some(ps) = &d.period_start {
                    invoices
                        .entry((d.domain.as_str(), ps.as_str()))
                        .or_insert(b.bill.bill_id.as_str());
                }
            }
        }
    }
    invoices
}

fn focus_unit(unit: &str) -> String {
    match unit {
        "Hour" => "Hours".into(),
        "Minute" => "Minutes".into(),
        "Second" => "Seconds".into(),
        "GiBh" => "GiB-Hours".into(),
        "GiB" => "GiB".into(),
        "Unit" => "Units".into(),
        other => other.to_string(),
    }
}

fn managed_category(kind: &str) -> ServiceCategory {
    use ServiceCategory as C;
    let k = kind.to_ascii_lowercase();
    if k.starts_with("ai") || k.contains("machine-learning") {
        C::AiAndMachineLearning
    } else if k.contains("database") {
        C::Databases
    } else if k.contains("kube") || k.contains("compute") {
        C::Compute
    } else if k.contains("data-processing") || k.contains("analytics") || k.contains("logs") {
        C::Analytics
    } else if k.contains("registry") || k.contains("storage") {
        C::Storage
    } else if k.contains("network") || k.contains("gateway") || k.contains("loadbalancer") {
        C::Networking
    } else {
        C::Other
    }
}

fn managed_subcategory(kind: &str) -> &'static str {
    use ServiceCategory as C;
    match managed_category(kind) {
        C::AiAndMachineLearning => "Other (AI and Machine Learning)",
        C::Databases => "Other (Databases)",
        C::Compute => "Containers",
        C::Analytics => "Data Processing",
        C::Storage => "Other (Storage)",
        C::Networking => "Other (Networking)",
        _ => "Other (Other)",
    }
}

/// The FOCUS names of a charge line: service, category, subcategory, meter, resource type,
/// description.
struct Names {
    service: String,
    category: ServiceCategory,
    subcategory: &'static str,
    meter: String,
    resource_type: &'static str,
    description: String,
}

fn names(l: &ChargeLine<'_>) -> Names {
    use ServiceCategory as C;
    let r = l.reference;
    let monthly = l.mode == Some(BillingMode::Monthly);
    let (service, category, subcategory, meter, resource_type, description) = match l.kind {
        ChargeKind::Instance | ChargeKind::InstanceOption => {
            let (service, rtype) = if l.kind == ChargeKind::Instance {
                ("Public Cloud Instances", "Instance")
            } else {
                ("Public Cloud Instance Options", "Instance Option")
            };
            let (meter, description) = match (monthly, l.kind) {
                (true, _) => (
                    format!("{rtype} monthly"),
                    format!("{r} {}, monthly billing", rtype.to_ascii_lowercase()),
                ),
                (false, ChargeKind::Instance) => (
                    "Instance hours".to_string(),
                    format!("{r} instance, hourly billing"),
                ),
                (false, _) => (
                    "Instance option".to_string(),
                    format!("{r} option, hourly billing"),
                ),
            };
            (
                service.to_string(),
                C::Compute,
                "Virtual Machines",
                meter,
                rtype,
                description,
            )
        }
        ChargeKind::Bandwidth => (
            "Public Cloud Bandwidth".into(),
            C::Networking,
            "Network Connectivity",
            "Instance traffic".into(),
            "Bandwidth",
            "Instance outgoing/incoming traffic".into(),
        ),
        ChargeKind::Snapshot => (
            "Public Cloud Snapshots".into(),
            C::Storage,
            "Backup Storage",
            "Snapshot storage".into(),
            "Snapshot",
            "Instance and volume snapshots".into(),
        ),
        ChargeKind::ObjectStorage => (
            "Public Cloud Object Storage".into(),
            C::Storage,
            "Object Storage",
            format!("{r} storage"),
            "Bucket",
            format!("{r} object storage"),
        ),
        ChargeKind::Volume => (
            "Public Cloud Block Storage".into(),
            C::Storage,
            "Block Storage",
            format!("{r} volume storage"),
            "Volume",
            if l.resource_id.is_some() {
                format!("{r} volume")
            } else {
                format!("{r} volumes")
            },
        ),
        ChargeKind::Certification => (
            "Public Cloud Certification".into(),
            C::Other,
            "Other (Other)",
            "Certification".into(),
            "Certification",
            format!("{r} certification"),
        ),
        ChargeKind::Managed => {
            let kind = l.service.unwrap_or(r);
            (
                format!("Public Cloud {kind}"),
                managed_category(kind),
                managed_subcategory(kind),
                r.to_string(),
                "Managed Service",
                if l.itemised {
                    format!("{kind} {r}")
                } else {
                    kind.to_string()
                },
            )
        }
    };
    let description = match (l.itemised, l.kind) {
        // A volume type without details was always one line ("classic volumes").
        (false, k) if k != ChargeKind::Volume => format!("{description} (not itemised by OVH)"),
        _ => description,
    };
    Names {
        service,
        category,
        subcategory,
        meter,
        resource_type,
        description,
    }
}

/// What every record of one Public Cloud project shares.
struct ProjectCtx<'a> {
    account: &'a AccountData,
    project: &'a ProjectData,
    currency: Currency,
    tz: Tz,
    ratio: Option<Decimal>,
    names: HashMap<&'a str, &'a str>,
}

fn billing_account(a: &AccountData) -> String {
    a.me.as_ref()
        .map(|m| m.nichandle.clone())
        .unwrap_or_else(|| a.file.clone())
}

/// The OVH-specific columns of every record.
fn set_extensions(
    r: &mut CostRecord,
    file: &str,
    mode: Option<BillingMode>,
    unadjusted: Decimal,
    ratio: Option<Decimal>,
) {
    r.extensions.set("x_AccountFile", Some(file.to_string()));
    r.extensions
        .set("x_BillingMode", mode.map(|m| m.as_str().to_string()));
    r.extensions.set(
        "x_CostUnadjusted",
        Some(finops_core::money::format_decimal(unadjusted)),
    );
    r.extensions.set(
        "x_TenantRatio",
        ratio.map(finops_core::money::format_decimal),
    );
}

impl ProjectCtx<'_> {
    /// The records of one usage body.
    fn usage_records(
        &self,
        u: &Usage,
        as_of: DateTime<Utc>,
        invoices: &BTreeMap<(&str, &str), &str>,
    ) -> finops_core::Result<Vec<CostRecord>> {
        let p = &self.project.project_id;
        let lines = charge_lines(p, u, self.ratio)?;
        if lines.is_empty() {
            return Ok(Vec::new());
        }
        let call = || usage_call(p, u);
        let charge = charge_period(&u.period, as_of).ok_or_else(|| OvhError::Arithmetic {
            call: call(),
            field: "period".into(),
            message: format!("the period {} .. {} is empty", u.period.from, u.period.to),
        })?;
        let billing =
            billing_period(charge.start, self.tz).ok_or_else(|| OvhError::Arithmetic {
                call: call(),
                field: "period.from".into(),
                message: format!("no billing month holds {}", u.period.from),
            })?;
        let start = u.period.from.date_naive().format("%Y-%m-%d").to_string();
        let invoice = invoices
            .get(&(p.as_str(), start.as_str()))
            .map(|b| b.to_string())
            .unwrap_or_else(|| format!("OVH-USAGE-{}-{p}", &start[..7]));
        Ok(lines
            .iter()
            .map(|l| self.record(l, billing, charge, &invoice))
            .collect())
    }

    fn record(
        &self,
        l: &ChargeLine<'_>,
        billing: Period,
        charge: Period,
        invoice: &str,
    ) -> CostRecord {
        let n = names(l);
        let mut r = CostRecord::new(
            FOCUS_PROVIDER,
            billing_account(self.account),
            self.currency,
            billing,
            charge,
            ChargeCategory::Usage,
            n.service,
            n.category,
            l.cost,
        );
        r.billing_account_name = Some(self.account.file.clone());
        r.billing_account_type = Some("Billing Account".into());
        r.sub_account_id = Some(self.project.project_id.clone());
        r.sub_account_name = self
            .project
            .project
            .as_ref()
            .and_then(|p| p.project_name.clone().or_else(|| p.description.clone()));
        r.sub_account_type = Some("Public Cloud Project".into());
        r.resource_id = l.resource_id.filter(|s| !s.is_empty()).map(str::to_string);
        r.resource_name = l
            .resource_id
            .and_then(|id| self.names.get(id))
            .map(|s| s.to_string());
        r.resource_type = r.resource_id.as_ref().map(|_| n.resource_type.to_string());
        r.service_subcategory = Some(n.subcategory.to_string());
        r.sku_meter = Some(n.meter).filter(|m| !m.is_empty());
        r.pricing_currency = Some(self.currency.as_str().to_string());
        r.pricing_currency_effective_cost = Some(l.cost);
        r.invoice_id = Some(invoice.to_string());
        r.sku_id = Some(l.reference)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        r.region_id = l.region.filter(|s| !s.is_empty()).map(str::to_string);
        r.region_name = r.region_id.clone();
        if let Some(q) = l.quantity {
            r.consumed_quantity = Some(q.value);
            r.consumed_unit = Some(focus_unit(&q.unit));
            r.pricing_quantity = Some(q.value);
            r.pricing_unit = Some(focus_unit(&q.unit));
        }
        if l.mode == Some(BillingMode::Monthly) {
            r.charge_frequency = Some(ChargeFrequency::Recurring);
        }
        r.charge_description = Some(n.description).filter(|s| !s.is_empty());
        set_extensions(&mut r, &self.account.file, l.mode, l.unadjusted, self.ratio);
        r
    }
}

/// Bill lines of services that have no usage API here (Hosted Private Cloud, VPS, other
/// subscriptions): one record per `/me/bill` detail whose `domain` is not a collected Public
/// Cloud project (those are covered, line by line, by the usage records).
fn bill_records(
    collected: &Collected,
    ratio: &dyn Fn(&str) -> Option<Decimal>,
) -> Vec<finops_core::Result<Vec<CostRecord>>> {
    let projects: BTreeSet<&str> = collected
        .accounts
        .iter()
        .flat_map(|a| a.projects.iter().map(|p| p.project_id.as_str()))
        .collect();
    let products: BTreeMap<&str, &ExpandedService> = collected
        .accounts
        .iter()
        .flat_map(|a| a.services.iter())
        .filter(|s| s.service.route.is_some())
        .map(|s| (s.service.resource.name.as_str(), &s.service))
        .collect();
    let mut out = Vec::new();
    for a in &collected.accounts {
        let tz = billing_time_zone(&a.endpoint);
        for b in &a.bills {
            for d in &b.details {
                if projects.contains(d.domain.as_str()) {
                    continue;
                }
                let svc = products.get(d.domain.as_str()).copied();
                out.push(bill_record(a, &b.bill, d, svc, ratio(&d.domain), tz).map(|r| vec![r]));
            }
        }
    }
    out
}

fn bill_record(
    a: &AccountData,
    bill: &Bill,
    d: &BillDetail,
    svc: Option<&ExpandedService>,
    ratio: Option<Decimal>,
    tz: Tz,
) -> finops_core::Result<CostRecord> {
    let call = format!("GET /me/bill/{}/details/{}", bill.bill_id, d.bill_detail_id);
    let err = |field: &str, message: String| OvhError::Arithmetic {
        call: call.clone(),
        field: field.into(),
        message,
    };
    let currency = Currency::new(&d.total_price.currency_code).map_err(|e| {
        err(
            "totalPrice.currencyCode",
            format!("{:?}: {e}", d.total_price.currency_code),
        )
    })?;
    let date = |s: &Option<String>| {
        s.as_deref()
            .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
    };
    let start = date(&d.period_start).unwrap_or_else(|| bill.date.with_timezone(&tz).date_naive());
    let charge = crate::period::day_period(start, date(&d.period_end), tz)
        .ok_or_else(|| err("periodStart", format!("no period starts on {start}")))?;
    let billing = billing_period_of_day(start, tz)
        .ok_or_else(|| err("periodStart", format!("no billing month holds {start}")))?;
    let product = svc
        .and_then(|s| s.product_name())
        .unwrap_or("service")
        .to_string();
    let lower = product.to_ascii_lowercase();
    let (category, sub) =
        if lower.contains("vps") || lower.contains("pcc") || lower.contains("dedicated") {
            (ServiceCategory::Compute, "Virtual Machines")
        } else {
            (ServiceCategory::Other, "Other (Other)")
        };
    let unadjusted = d.total_price.value;
    let cost = adjusted(unadjusted, ratio).ok_or_else(|| {
        err(
            "totalPrice.value",
            format!(
                "{unadjusted} × tenant ratio {} does not fit a decimal",
                ratio.unwrap_or(Decimal::ONE)
            ),
        )
    })?;
    let mut r = CostRecord::new(
        FOCUS_PROVIDER,
        billing_account(a),
        currency,
        billing,
        charge,
        ChargeCategory::Usage,
        format!("OVHcloud {product}"),
        category,
        cost,
    );
    r.charge_frequency = Some(ChargeFrequency::Recurring);
    r.billing_account_name = Some(a.file.clone());
    r.billing_account_type = Some("Billing Account".into());
    r.sub_account_id = Some(d.domain.clone()).filter(|x| !x.is_empty());
    r.sub_account_name = svc
        .and_then(|s| s.resource.display_name.clone())
        .or_else(|| r.sub_account_id.clone());
    r.sub_account_type = Some("Service".into());
    r.resource_id = r.sub_account_id.clone();
    r.resource_name = r.sub_account_name.clone();
    r.resource_type = r.resource_id.as_ref().map(|_| "Service".to_string());
    r.service_subcategory = Some(sub.to_string());
    r.sku_id = svc
        .and_then(|s| s.billing.plan.as_ref())
        .map(|p| p.code.clone())
        .or_else(|| Some(product.clone()));
    r.sku_meter = Some("Subscription".into());
    r.consumed_quantity = Some(d.quantity);
    r.consumed_unit = Some("Units".into());
    r.pricing_quantity = Some(d.quantity);
    r.pricing_unit = Some("Units".into());
    r.pricing_currency = Some(d.total_price.currency_code.clone());
    r.pricing_currency_effective_cost = Some(cost);
    r.invoice_id = Some(bill.bill_id.clone());
    r.charge_description = Some(d.description.clone()).filter(|x| !x.is_empty());
    set_extensions(&mut r, &a.file, None, unadjusted, ratio);
    Ok(r)
}
