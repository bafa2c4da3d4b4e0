//! The Exports API of the emulator: create/update with eTags, get/list/delete, runs writing
//! FocusCost parts and a manifest into the exports store, and run history.

use super::*;

pub(super) fn check_export(
    cfg: &CostManagementConfig,
    e: &Export,
) -> std::result::Result<(), String> {
    let p = &e.properties;
    if let Some(s) = &p.schedule {
        if !["Active", "Inactive"].contains(&s.status.as_str()) {
            return Err(format!(
                "schedule.status {:?} must be Active or Inactive",
                s.status
            ));
        }
        if s.status == "Active" && s.recurrence.is_none() {
            return Err("schedule.recurrence is required for an active schedule".into());
        }
    }
    match (p.format, p.compression_mode) {
        (Some(ExportFormat::Csv) | None, Some(CompressionMode::Snappy)) => {
            return Err("compressionMode snappy is only valid with format Parquet".into());
        }
        (Some(ExportFormat::Parquet), Some(CompressionMode::Gzip)) => {
            return Err("compressionMode gzip is only valid with format Csv".into());
        }
        _ => {}
    }
    let d = &p.delivery_info.destination;
    if !d.container.eq_ignore_ascii_case(&cfg.container) {
        return Err(format!(
            "The container '{}' does not exist in the destination storage account.",
            d.container
        ));
    }
    if d.resource_id.trim().is_empty() {
        return Err("deliveryInfo.destination.resourceId is required".into());
    }
    let def = &p.definition;
    if def.timeframe == Timeframe::Custom && def.time_period.is_none() {
        return Err("definition.timePeriod is required with timeframe Custom".into());
    }
    if def.kind == ExportType::FocusCost {
        let v = def
            .data_set
            .as_ref()
            .and_then(|d| d.configuration.as_ref())
            .and_then(|c| c.data_version.clone());
        if let Some(v) = v
            && crate::emulator::focuscost::header(&v).is_none()
        {
            return Err(format!(
                "dataVersion '{v}' is not supported for FocusCost (1.0, 1.0r2, 1.2-preview, 1.2)"
            ));
        }
    }
    Ok(())
}

pub(super) fn export_op(
    s: &Shared,
    m: Method,
    scope: &str,
    name: &str,
    api_version: &str,
    body: &Bytes,
) -> Response {
    if crate::client::check_export_name(name).is_err() {
        return arm_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Invalid export name '{name}'."),
        );
    }
    let k = key(scope, name);
    let mut g = lock(s);
    match m {
        Method::GET => match g.exports.get(&k) {
            Some(x) => ok_json(
                StatusCode::OK,
                serde_json::to_string(&x.export).unwrap_or_default(),
            ),
            None => not_found(name),
        },
        Method::DELETE => match g.exports.remove(&k) {
            Some(_) => ok_json(StatusCode::OK, String::new()),
            None => ok_json(StatusCode::NO_CONTENT, String::new()),
        },
        Method::PUT => {
            let mut e: Export = match serde_json::from_slice(body) {
                Ok(e) => e,
                Err(err) => {
                    return arm_error(
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        &format!("Invalid export definition: {err}"),
                    );
                }
            };
            if let Err(msg) = check_export(&g.cfg, &e) {
                return arm_error(StatusCode::BAD_REQUEST, "BadRequest", &msg);
            }
            let existing = g
                .exports
                .get(&k)
                .map(|x| (x.export.e_tag.clone(), x.runs.clone()));
            let (status, runs) = match (&existing, &e.e_tag) {
                (Some(_), None) => {
                    return arm_error(
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        "Update operation requires latest eTag to be set in the request.",
                    );
                }
                (Some((cur, _)), Some(sent)) if cur.as_ref() != Some(sent) => {
                    return arm_error(
                        StatusCode::PRECONDITION_FAILED,
                        "PreconditionFailed",
                        "The eTag in the request does not match the export's current eTag; get the export again.",
                    );
                }
                (Some((_, runs)), Some(_)) => (StatusCode::OK, runs.clone()),
                (None, _) => (StatusCode::CREATED, Vec::new()),
            };
            g.next += 1;
            let now = g.cfg.clock.now();
            e.e_tag = Some(format!("\"{:016x}\"", fnv(&g.next.to_le_bytes())));
            e.id = Some(format!(
                "{scope}/providers/Microsoft.CostManagement/exports/{name}"
            ));
            e.name = Some(name.to_string());
            e.kind = Some("Microsoft.CostManagement/exports".into());
            e.properties.next_run_time_estimate = Some(
                (now.date_naive() + Duration::days(1))
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc()
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string(),
            );
            g.exports.insert(
                k,
                StoredExport {
                    scope: scope.to_string(),
                    name: name.to_string(),
                    export: e.clone(),
                    api_version: api_version.to_string(),
                    runs,
                },
            );
            ok_json(status, serde_json::to_string(&e).unwrap_or_default())
        }
        _ => arm_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The method is not allowed.",
        ),
    }
}

/// Run `name` of `scope` (`execution` = `OnDemand` or `Scheduled`).
pub(super) async fn run_export(
    s: &Shared,
    scope: &str,
    name: &str,
    body: &Bytes,
    execution: &str,
) -> Response {
    let req: ExportRunRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ExportRunRequest::default()
    } else {
        match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => {
                return arm_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("Invalid run parameters: {e}"),
                );
            }
        }
    };
    let k = key(scope, name);
    let (stored, cfg, run_id) = {
        let mut g = lock(s);
        let Some(x) = g.exports.get(&k).cloned() else {
            return not_found(name);
        };
        let id = g.id();
        (x, g.cfg.clone(), id)
    };
    {
        let run = execute(&cfg, &stored, &req, &run_id, execution).await;
        {
            let failed = run.properties.status == "Failed";
            let mut g = lock(s);
            if let Some(x) = g.exports.get_mut(&k) {
                x.runs.insert(0, run.clone());
            }
            if failed {
                let msg = run.properties.error.map(|e| e.message).unwrap_or_default();
                return arm_error(StatusCode::BAD_REQUEST, "BadRequest", &msg);
            }
            ok_json(StatusCode::OK, String::new())
        }
    }
}

/// Run an export: the run record, `Completed` or `Failed` with its error.
pub(super) async fn execute(
    cfg: &CostManagementConfig,
    x: &StoredExport,
    req: &ExportRunRequest,
    run_id: &str,
    execution: &str,
) -> ExportRun {
    let now = cfg.clock.now();
    let today = now.date_naive();
    // Seven fractional digits as the service writes them (chrono has no `%.7f`).
    let stamp = format!(
        "{}.{:07}Z",
        now.format("%Y-%m-%dT%H:%M:%S"),
        now.timestamp_subsec_nanos() / 100
    );
    let p = &x.export.properties;
    let def = &p.definition;
    let mut run = ExportRun {
        id: Some(format!(
            "{}/providers/Microsoft.CostManagement/exports/{}/Run/{run_id}",
            x.scope, x.name
        )),
        name: Some(run_id.to_string()),
        properties: ExportRunProperties {
            execution_type: execution.to_string(),
            status: "Completed".into(),
            submitted_time: Some(stamp.clone()),
            processing_start_time: Some(stamp.clone()),
            processing_end_time: Some(stamp.clone()),
            start_date: None,
            end_date: None,
            file_name: None,
            manifest_file: None,
            error: None,
        },
    };
    let fail = |mut run: ExportRun, code: &str, m: String| {
        run.properties.status = "Failed".into();
        run.properties.error = Some(crate::model::ApiErrorDetails {
            code: code.into(),
            message: m,
        });
        run
    };
    let (from, to) = match (
        req.time_period.as_ref().or(def.time_period.as_ref()),
        def.timeframe,
    ) {
        (Some(tp), _) => (tp.from.date_naive(), tp.to.date_naive()),
        (None, Timeframe::MonthToDate | Timeframe::BillingMonthToDate) => (first_of(today), today),
        (None, Timeframe::TheCurrentMonth) => {
            (first_of(today), next_month(today) - Duration::days(1))
        }
        (None, Timeframe::TheLastMonth | Timeframe::TheLastBillingMonth) => {
            let f = first_of(first_of(today) - Duration::days(1));
            (f, next_month(f) - Duration::days(1))
        }
        (None, t) => {
            return fail(
                run,
                "BadRequest",
                format!("timeframe {t} needs a timePeriod"),
            );
        }
    };
    if first_of(from) != first_of(to) || to < from {
        return fail(
            run,
            "BadRequest",
            format!("The run period {from}..{to} must lie within one calendar month."),
        );
    }
    if def.kind != ExportType::FocusCost {
        return fail(
            run,
            "DataNotAvailable",
            format!("the emulator exports FocusCost only, not {}", def.kind),
        );
    }
    let Some(store) = &cfg.exports else {
        return fail(
            run,
            "StorageNotConfigured",
            "no exports container is configured for the emulator".into(),
        );
    };
    let version = def
        .data_set
        .as_ref()
        .and_then(|d| d.configuration.as_ref())
        .and_then(|c| c.data_version.clone())
        .unwrap_or_else(|| "1.2-preview".into());
    let last_data_day = today - Duration::days(1);
    let mut spec = RunSpec::focus_cost(&version, from, cfg.rows_per_part, run_id);
    spec.scope = x.scope.clone();
    spec.export_name = x.name.clone();
    spec.submitted_time = stamp;
    spec.rows_per_part = cfg.rows_per_part;
    spec.parts = 1;
    spec.seed = month_seed(from);
    spec.gzip = p.compression_mode == Some(CompressionMode::Gzip);
    spec.parquet = p.format == Some(ExportFormat::Parquet);
    spec.month_rows = Some(if first_of(from) < first_of(cfg.first_month) {
        0
    } else {
        cfg.rows_per_month
    });
    spec.sub_account = scope_subscription(&x.scope).ok().flatten();
    // Data exists up to yesterday: a period ending later is cut there (an empty run when
    // nothing is left).
    let cut = to.min(last_data_day);
    if cut < from {
        spec.month_rows = Some(0);
        spec.days = Some((from, to));
    } else {
        spec.days = Some((from, cut));
    }
    spec.api_version = x.api_version.clone();
    spec.timeframe = def.timeframe.to_string();
    spec.execution_type = execution.to_string();
    spec.root_folder = Some(
        p.delivery_info
            .destination
            .root_folder_path
            .trim_matches('/')
            .to_string(),
    );
    match write_export_run(store, &spec).await {
        Ok(w) => {
            run.properties.start_date = Some(format!("{from}T00:00:00"));
            run.properties.end_date = Some(format!("{to}T00:00:00"));
            run.properties.file_name = Some(w.folder.clone());
            run.properties.manifest_file = Some(w.manifest.clone());
            run
        }
        Err(e) => fail(run, "StorageError", e.to_string()),
    }
}
