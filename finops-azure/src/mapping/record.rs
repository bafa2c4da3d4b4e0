//! One joined query row to a FOCUS 1.2 [`CostRecord`]: service category, charge category,
//! sub-account, region, resource, tags and the other group-by columns as `x_` extensions.

use super::*;

/// FOCUS ServiceCategory and ServiceSubcategory of an Azure service name (the common ones;
/// `Other` / `Other (Other)` otherwise).
pub fn service_category(service: &str) -> (ServiceCategory, &'static str) {
    match service.trim().to_ascii_lowercase().as_str() {
        "virtual machines" | "virtual machine scale sets" | "virtual machines licenses" => {
            (ServiceCategory::Compute, "Virtual Machines")
        }
        "azure kubernetes service" | "container instances" | "container apps" => {
            (ServiceCategory::Compute, "Containers")
        }
        "functions" | "azure functions" => (ServiceCategory::Compute, "Serverless Compute"),
        "azure app service" | "app service" => (ServiceCategory::Compute, "Other (Compute)"),
        "storage" | "storage accounts" => (ServiceCategory::Storage, "Storage Platform"),
        "backup" | "azure backup" => (ServiceCategory::Storage, "Backup Storage"),
        "sql database"
        | "azure sql database"
        | "sql managed instance"
        | "azure database for postgresql"
        | "azure database for mysql" => (ServiceCategory::Databases, "Relational Databases"),
        "azure cosmos db" => (ServiceCategory::Databases, "NoSQL Databases"),
        "bandwidth" | "virtual network" | "vpn gateway" | "expressroute" => {
            (ServiceCategory::Networking, "Network Connectivity")
        }
        "load balancer" | "application gateway" => {
            (ServiceCategory::Networking, "Application Networking")
        }
        "azure dns" | "dns" => (ServiceCategory::Networking, "Network Routing"),
        "azure monitor" | "log analytics" | "application insights" => {
            (ServiceCategory::ManagementAndGovernance, "Observability")
        }
        "key vault" | "microsoft defender for cloud" => {
            (ServiceCategory::Security, "Other (Security)")
        }
        "azure synapse analytics" | "azure data factory v2" | "azure databricks" => {
            (ServiceCategory::Analytics, "Other (Analytics)")
        }
        "azure openai" | "cognitive services" | "azure machine learning" => (
            ServiceCategory::AiAndMachineLearning,
            "Other (AI and Machine Learning)",
        ),
        _ => (ServiceCategory::Other, "Other (Other)"),
    }
}

/// What a record needs besides its row.
#[derive(Debug, Clone)]
pub struct MappingContext<'a> {
    /// The queried scope (BillingAccountId, lower-cased as hubs do).
    pub scope: &'a str,
    /// BillingAccountName (default: the scope).
    pub account_name: Option<&'a str>,
    /// Which basis the costs are.
    pub basis: CostBasis,
    /// Currency when the result has no `Currency` column.
    pub fallback_currency: Option<Currency>,
    /// The API call (errors).
    pub call: &'a str,
}

pub(super) fn dim<'r>(row: &'r QueryRow, names: &[&str]) -> Option<&'r str> {
    row.dims
        .iter()
        .find(|(n, _)| names.iter().any(|x| x.eq_ignore_ascii_case(n)))
        .and_then(|(_, v)| v.as_deref())
}

/// One joined row → a FOCUS 1.2 record.
pub fn to_cost_record(j: &JoinedRow, ctx: &MappingContext<'_>) -> Result<CostRecord> {
    let row = &j.row;
    let currency = match row.currency.as_deref() {
        Some(c) => Currency::new(c.trim())
            .map_err(|e| error::invalid_response(ctx.call, format!("Currency {c:?}: {e}")))?,
        None => ctx.fallback_currency.ok_or_else(|| {
            error::invalid_response(ctx.call, "a row has no Currency column value")
        })?,
    };
    let service = dim(row, &["ServiceName"])
        .or_else(|| dim(row, &["MeterCategory"]))
        .unwrap_or("Microsoft Azure")
        .to_string();
    let (category, subcategory) = service_category(&service);
    let charge_type = dim(row, &["ChargeType"]);
    let charge_category = match charge_type.map(str::to_ascii_lowercase).as_deref() {
        Some("purchase") | Some("refund") => ChargeCategory::Purchase,
        Some("tax") => ChargeCategory::Tax,
        Some("adjustment") | Some("roundingadjustment") => ChargeCategory::Adjustment,
        Some("credit") => ChargeCategory::Credit,
        _ => ChargeCategory::Usage,
    };
    let billing_period = Period::month_of(row.period.start.date_naive());
    let scope = ctx.scope.to_ascii_lowercase();
    let mut r = CostRecord::new(
        PROVIDER_NAME,
        scope.clone(),
        currency,
        billing_period,
        row.period,
        charge_category,
        service,
        category,
        j.actual,
    );
    r.effective_cost = j.amortized;
    // The query prices and bills in one currency (its `Currency` column).
    r.pricing_currency = Some(r.billing_currency.to_string());
    r.pricing_currency_effective_cost = Some(j.amortized);
    let purchase = charge_category == ChargeCategory::Purchase;
    let contracted = if purchase { j.actual } else { j.amortized };
    r.contracted_cost = contracted;
    r.list_cost = contracted;
    r.service_subcategory = Some(subcategory.to_string());
    r.charge_description = Some(match charge_type {
        Some(c) => format!(
            "{} {c} ({})",
            r.service_name,
            r.billing_period.start.format("%Y-%m")
        ),
        None => format!(
            "{} ({})",
            r.service_name,
            r.billing_period.start.format("%Y-%m")
        ),
    });
    r.billing_account_name = Some(ctx.account_name.unwrap_or(ctx.scope).to_string());
    r.billing_account_type = Some(
        if scope.starts_with("/subscriptions/") {
            "Subscription"
        } else if scope.contains("/billingprofiles/") {
            "Billing Profile"
        } else {
            "Billing Account"
        }
        .into(),
    );
    if charge_type.is_some_and(|c| c.eq_ignore_ascii_case("refund")) {
        r.charge_class = Some(finops_core::focus::ChargeClass::Correction);
    }
    if charge_category == ChargeCategory::Tax {
        r.pricing_category = None;
    } else if let Some(pm) = dim(row, &["PricingModel"]) {
        r.pricing_category = match pm.to_ascii_lowercase().as_str() {
            "reservation" | "savingsplan" if !purchase => Some(PricingCategory::Committed),
            "spot" => Some(PricingCategory::Dynamic),
            _ => r.pricing_category,
        };
        r.extensions.set("x_PricingModel", Some(pm.to_string()));
    }
    if let Some(s) = dim(row, &["SubscriptionId"]) {
        let id = if s.starts_with('/') {
            s.to_string()
        } else {
            format!("/subscriptions/{s}")
        };
        r.sub_account_id = Some(id);
        r.sub_account_type = Some("Subscription".into());
        // FOCUS wants a name beside every id: the id stands in without a SubscriptionName group.
        r.sub_account_name = Some(
            dim(row, &["SubscriptionName"])
                .unwrap_or_else(|| s.trim_start_matches("/subscriptions/"))
                .to_string(),
        );
    }
    if let Some(loc) = dim(row, &["ResourceLocation"]) {
        r.region_id = Some(loc.to_lowercase().replace(' ', ""));
        r.region_name = Some(loc.to_string());
    }
    if let Some(id) = dim(row, &["ResourceId"]) {
        r.resource_id = Some(id.to_string());
        r.resource_name = id
            .rsplit('/')
            .find(|s| !s.is_empty())
            .map(str::to_lowercase);
    }
    if let Some(t) = dim(row, &["ResourceType"]) {
        r.resource_type = Some(crate::transform::other::resource_type_name(t));
        r.extensions
            .set("x_ResourceType", Some(t.to_ascii_lowercase()));
    }
    if let (Some(k), v) = (dim(row, &["TagKey"]), dim(row, &["TagValue"])) {
        let mut tags = Tags::new();
        match v {
            Some(v) => tags.insert(k, v),
            None => tags.insert_flag(k),
        }
        r.tags = Some(tags);
    }
    for (name, value) in &row.dims {
        let mapped = [
            "ServiceName",
            "ChargeType",
            "PricingModel",
            "SubscriptionId",
            "SubscriptionName",
            "ResourceLocation",
            "ResourceId",
            "ResourceType",
            "TagKey",
            "TagValue",
        ];
        if mapped.iter().any(|m| m.eq_ignore_ascii_case(name)) {
            continue;
        }
        let x = match name.to_ascii_lowercase().as_str() {
            "resourcegroupname" | "resourcegroup" => "x_ResourceGroupName".to_string(),
            "metercategory" => "x_SkuMeterCategory".to_string(),
            "metersubcategory" => "x_SkuMeterSubcategory".to_string(),
            "meter" => "x_SkuMeterName".to_string(),
            "meterid" => "x_SkuMeterId".to_string(),
            "publishertype" => "x_PublisherCategory".to_string(),
            _ => format!("x_{name}"),
        };
        let v = if x == "x_ResourceGroupName" {
            value.as_deref().map(str::to_lowercase)
        } else {
            value.clone()
        };
        r.extensions.set(x, v);
    }
    if let Some(u) = j.actual_usd {
        r.extensions
            .set("x_BilledCostInUsd", Some(u.normalize().to_string()));
    }
    if let Some(u) = j.amortized_usd {
        r.extensions
            .set("x_EffectiveCostInUsd", Some(u.normalize().to_string()));
    }
    r.extensions.set(
        "x_CostBasis",
        Some(
            match ctx.basis {
                CostBasis::Actual => "ActualCost",
                CostBasis::Amortized => "AmortizedCost",
                CostBasis::ActualAndAmortized => "ActualCost+AmortizedCost",
            }
            .into(),
        ),
    );
    r.extensions
        .set("x_SourceName", Some("Cost Management".into()));
    r.extensions.set("x_SourceType", Some("Query".into()));
    crate::transform::add_change(&mut r, "ListAndContractedCostFromCost");
    Ok(r)
}
