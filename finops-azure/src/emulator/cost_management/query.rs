//! The Query API of the emulator: the body checked as the service checks it, rows aggregated
//! exactly over the period and grouped, pages bound to their body by the `$skiptoken`.

use super::*;

/// The value of a dimension on a generated row (`Err`: unknown dimension).
pub(super) fn dim_value(
    name: &str,
    r: &SampleRow<'_>,
) -> std::result::Result<Option<String>, String> {
    let v = |c: &str| Some(r.value(c)).filter(|s| !s.is_empty());
    Ok(match name.to_ascii_lowercase().as_str() {
        "subscriptionid" => {
            v("SubAccountId").map(|s| s.trim_start_matches("/subscriptions/").to_string())
        }
        "subscriptionname" => v("SubAccountName"),
        "resourcegroupname" | "resourcegroup" => v("x_ResourceGroupName").map(|s| s.to_lowercase()),
        "servicename" => v("ServiceName"),
        "metercategory" => v("x_SkuMeterCategory"),
        "metersubcategory" => v("x_SkuMeterSubcategory"),
        "meter" => v("x_SkuMeterName"),
        "meterid" => v("x_SkuMeterId"),
        "resourcelocation" => v("RegionId"),
        "resourceid" => v("ResourceId").map(|s| s.to_lowercase()),
        "resourcetype" => v("x_ResourceType"),
        "chargetype" => {
            if r.value("CommitmentDiscountStatus") == "Unused" {
                Some("UnusedReservation".into())
            } else {
                v("ChargeCategory")
            }
        }
        "pricingmodel" => Some(
            if r.value("PricingCategory") == "Committed" && r.value("ChargeCategory") == "Usage" {
                "Reservation"
            } else {
                "OnDemand"
            }
            .into(),
        ),
        "publishertype" => Some("Azure".into()),
        _ => return Err(unknown_dimension(name)),
    })
}

pub(super) fn tag_value(key: &str, r: &SampleRow<'_>) -> Option<String> {
    let tags = r.value("Tags");
    let v: Value = serde_json::from_str(&tags).ok()?;
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str().map(str::to_string))
}

pub(super) fn eval(f: &QueryFilter, r: &SampleRow<'_>) -> std::result::Result<bool, String> {
    if let Some(all) = &f.and {
        for x in all {
            if !eval(x, r)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(any) = &f.or {
        for x in any {
            if eval(x, r)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let in_set = |v: Option<String>, values: &[String]| {
        v.is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(&v)))
    };
    if let Some(c) = &f.dimensions {
        return Ok(in_set(dim_value(&c.name, r)?, &c.values));
    }
    if let Some(c) = &f.tags {
        return Ok(in_set(tag_value(&c.name, r), &c.values));
    }
    Ok(true)
}

/// Value × 10^18 of an aggregated column on a row for a query type.
pub(super) fn measure(
    column: &str,
    kind: QueryType,
    r: &SampleRow<'_>,
) -> std::result::Result<i128, String> {
    let amortized = kind == QueryType::AmortizedCost;
    let cost = if amortized {
        if r.is_commitment_purchase() {
            0
        } else {
            r.effective_cost()
        }
    } else {
        r.billed_cost()
    };
    let text = |c: &str| parse_decimal18(r.value(c).as_bytes()).unwrap_or(0);
    Ok(match column.to_ascii_lowercase().as_str() {
        "cost" | "pretaxcost" => cost,
        "costusd" | "pretaxcostusd" => {
            if amortized {
                if r.is_commitment_purchase() {
                    0
                } else {
                    text("x_EffectiveCostInUsd")
                }
            } else {
                text("x_BilledCostInUsd")
            }
        }
        "usagequantity" => text("ConsumedQuantity"),
        other => {
            return Err(format!(
                "Invalid aggregation column '{other}'; supported: Cost, PreTaxCost, CostUSD, PreTaxCostUSD, UsageQuantity"
            ));
        }
    })
}

pub(super) type Table = (Vec<QueryColumn>, Vec<Vec<String>>);

/// Run a query over the data set (every page's rows, in order).
pub(super) fn compute(
    cfg: &CostManagementConfig,
    scope_sub: Option<&str>,
    def: &QueryDefinition,
) -> std::result::Result<(Table, u32), String> {
    let today = cfg.clock.now().date_naive();
    let (from, to) = match (def.timeframe, &def.time_period) {
        (_, Some(p)) => (p.from.date_naive(), p.to.date_naive()),
        (
            Timeframe::MonthToDate | Timeframe::BillingMonthToDate | Timeframe::TheCurrentMonth,
            None,
        ) => (first_of(today), today),
        (Timeframe::TheLastMonth | Timeframe::TheLastBillingMonth, None) => {
            let f = first_of(first_of(today) - Duration::days(1));
            (f, next_month(f) - Duration::days(1))
        }
        (Timeframe::WeekToDate, None) => (
            today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
            today,
        ),
        (t, None) => return Err(format!("timeframe {t} needs a timePeriod")),
    };
    let gran = def.dataset.granularity.unwrap_or(Granularity::None);
    for g in &def.dataset.grouping {
        if g.kind == GroupingType::Dimension && !known(&g.name) {
            return Err(unknown_dimension(&g.name));
        }
    }
    if let Some(f) = &def.dataset.filter {
        check_filter(f)?;
    }
    let aggs: Vec<(String, String)> = def
        .dataset
        .aggregation
        .iter()
        .map(|(alias, a)| (alias.clone(), a.name.clone()))
        .collect();
    for (_, name) in &aggs {
        if ![
            "cost",
            "pretaxcost",
            "costusd",
            "pretaxcostusd",
            "usagequantity",
        ]
        .contains(&name.to_ascii_lowercase().as_str())
        {
            return Err(format!("Invalid aggregation column '{name}'"));
        }
    }
    let mut groups: BTreeMap<Vec<String>, Vec<i128>> = BTreeMap::new();
    let mut months = 0u32;
    let mut m = first_of(from.max(cfg.first_month));
    let last_data_day = today - Duration::days(1);
    let mut err: Option<String> = None;
    while m <= to && m <= last_data_day {
        months += 1;
        let sample = month_sample(m, cfg.rows_per_month, "1.2");
        sample.for_each_row(|r| {
            if err.is_some() {
                return;
            }
            let day = r.day();
            if day < from || day > to || day > last_data_day || day < cfg.first_month {
                return;
            }
            if let Some(sub) = scope_sub
                && !r.value("SubAccountId").eq_ignore_ascii_case(sub)
            {
                return;
            }
            let res = (|| -> std::result::Result<(), String> {
                if let Some(f) = &def.dataset.filter
                    && !eval(f, r)?
                {
                    return Ok(());
                }
                let mut key = Vec::new();
                key.push(match gran {
                    Granularity::Daily => day.format("%Y%m%d").to_string(),
                    Granularity::Monthly => first_of(day).format("%Y-%m-%dT00:00:00").to_string(),
                    Granularity::None => String::new(),
                });
                for g in &def.dataset.grouping {
                    match g.kind {
                        GroupingType::Dimension => {
                            key.push(dim_value(&g.name, r)?.unwrap_or_default())
                        }
                        GroupingType::TagKey => {
                            let v = tag_value(&g.name, r);
                            key.push(if v.is_some() {
                                g.name.to_lowercase()
                            } else {
                                String::new()
                            });
                            key.push(v.unwrap_or_default());
                        }
                    }
                }
                key.push(r.value("BillingCurrency"));
                let sums = groups.entry(key).or_insert_with(|| vec![0; aggs.len()]);
                for (i, (_, name)) in aggs.iter().enumerate() {
                    sums[i] = sums[i].saturating_add(measure(name, def.kind, r)?);
                }
                Ok(())
            })();
            if let Err(e) = res {
                err = Some(e);
            }
        });
        m = next_month(m);
    }
    if let Some(e) = err {
        return Err(e);
    }
    let mut cols: Vec<QueryColumn> = aggs
        .iter()
        .map(|(_, n)| QueryColumn {
            name: n.clone(),
            kind: "Number".into(),
        })
        .collect();
    match gran {
        Granularity::Daily => cols.push(QueryColumn {
            name: "UsageDate".into(),
            kind: "Number".into(),
        }),
        Granularity::Monthly => cols.push(QueryColumn {
            name: "BillingMonth".into(),
            kind: "Datetime".into(),
        }),
        Granularity::None => {}
    }
    for g in &def.dataset.grouping {
        match g.kind {
            GroupingType::Dimension => cols.push(QueryColumn {
                name: g.name.clone(),
                kind: "String".into(),
            }),
            GroupingType::TagKey => {
                cols.push(QueryColumn {
                    name: "TagKey".into(),
                    kind: "String".into(),
                });
                cols.push(QueryColumn {
                    name: "TagValue".into(),
                    kind: "String".into(),
                });
            }
        }
    }
    cols.push(QueryColumn {
        name: "Currency".into(),
        kind: "String".into(),
    });
    let js = |s: &str| Value::String(s.to_string()).to_string();
    let rows = groups
        .into_iter()
        .map(|(key, sums)| {
            let mut row: Vec<String> = sums.iter().map(|v| format_decimal18(*v)).collect();
            let mut k = key.into_iter();
            let date = k.next().unwrap_or_default();
            match gran {
                Granularity::Daily => row.push(date),
                Granularity::Monthly => row.push(js(&date)),
                Granularity::None => {}
            }
            for v in k {
                row.push(js(&v));
            }
            row
        })
        .collect();
    Ok(((cols, rows), months.max(1)))
}

pub(super) fn unknown_dimension(name: &str) -> String {
    format!(
        "Invalid dataset grouping or filter: dimension '{name}' is not supported; supported dimensions: {}",
        DIMENSIONS.join(", ")
    )
}

pub(super) fn known(name: &str) -> bool {
    DIMENSIONS.iter().any(|d| d.eq_ignore_ascii_case(name))
}

pub(super) fn check_filter(f: &QueryFilter) -> std::result::Result<(), String> {
    for x in f.and.iter().chain(f.or.iter()).flatten() {
        check_filter(x)?;
    }
    match &f.dimensions {
        Some(c) if !known(&c.name) => Err(unknown_dimension(&c.name)),
        _ => Ok(()),
    }
}

pub(super) fn query(
    s: &Shared,
    scope: &str,
    sub: Option<&str>,
    uri: &Uri,
    q: &HashMap<String, String>,
    body: &Bytes,
) -> Response {
    let def: QueryDefinition = match serde_json::from_slice(body) {
        Ok(d) => d,
        Err(e) => {
            return arm_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Invalid query definition: {e}"),
            );
        }
    };
    if let Err(m) = def.validate() {
        return arm_error(StatusCode::BAD_REQUEST, "BadRequest", &m);
    }
    let binding = fnv(format!(
        "{}|{}",
        scope.to_ascii_lowercase(),
        serde_json::to_string(&def).unwrap_or_default()
    )
    .as_bytes());
    let offset = match q.get("$skiptoken") {
        None => 0usize,
        Some(t) => {
            let parsed = t.split_once('x').and_then(|(o, h)| {
                Some((o.parse::<usize>().ok()?, u64::from_str_radix(h, 16).ok()?))
            });
            match parsed {
                Some((o, h)) if h == binding => o,
                _ => {
                    return arm_error(
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        "Invalid $skiptoken: it does not belong to this query (the same body must be sent with the nextLink).",
                    );
                }
            }
        }
    };
    let cfg = lock(s).cfg.clone();
    let ((cols, rows), months) = match compute(&cfg, sub, &def) {
        Ok(x) => x,
        Err(m) => return arm_error(StatusCode::BAD_REQUEST, "BadRequest", &m),
    };
    let (consumed, remaining) = if offset == 0 {
        let mut g = lock(s);
        match g.charge_qpu(months) {
            Ok(x) => {
                g.stats.queries += 1;
                x
            }
            Err(r) => return *r,
        }
    } else {
        (0, cfg.qpu_per_window)
    };
    let mut g = lock(s);
    g.stats.pages += 1;
    let end = (offset + cfg.page_size).min(rows.len());
    let page = rows.get(offset..end).unwrap_or_default();
    let next = (end < rows.len()).then(|| {
        format!(
            "{}{}?api-version={}&$skiptoken={end}x{binding:x}",
            g.base,
            uri.path(),
            q.get("api-version").map_or("", String::as_str)
        )
    });
    let raw: Vec<Vec<Box<RawValue>>> = page
        .iter()
        .map(|row| {
            row.iter()
                .filter_map(|c| RawValue::from_string(c.clone()).ok())
                .collect()
        })
        .collect();
    let id = g.id();
    drop(g);
    // Serialized from the typed result, not through `json!`: a `serde_json::Value` would turn
    // the raw number cells into f64 and lose digits the client must see.
    let result = QueryResult {
        id: Some(format!(
            "{scope}/providers/Microsoft.CostManagement/query/{id}"
        )),
        name: Some(id),
        kind: Some("Microsoft.CostManagement/query".into()),
        properties: QueryProperties {
            next_link: next,
            columns: cols,
            rows: raw,
        },
    };
    let body = match serde_json::to_string(&result) {
        Ok(b) => b,
        Err(e) => {
            return arm_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                &e.to_string(),
            );
        }
    };
    let mut r = ok_json(StatusCode::OK, body);
    let h = r.headers_mut();
    if let Ok(v) = consumed.to_string().parse() {
        h.insert("x-ms-ratelimit-microsoft.costmanagement-qpu-consumed", v);
    }
    if let Ok(v) = format!("QueryResource={remaining}").parse() {
        h.insert("x-ms-ratelimit-microsoft.costmanagement-qpu-remaining", v);
    }
    r
}
