//! The `finops` job: one config ([`config`]), every provider collected concurrently
//! ([`sources`]), one FOCUS dataset ([`dataset`]), the analysis ([`analysis`]), the
//! reconciliation ([`reconcile`]), `summary.json` and `report.html` ([`report`]), then
//! publication and notification ([`deliver`]). `finops run`, `finops daemon` and `finops demo`
//! all call [`run_job`].
//!
//! ```text
//! <output.dir>/
//!   report.html                  the page people read (self-contained, fr or en)
//!   summary.json                 totals per provider and currency, and the run's errors
//!   focus/<YYYY-MM>/<provider>/part-*.parquet   the unified FOCUS 1.2 dataset
//!   ingestion/                   the same data in the FinOps hubs layout (with Azure)
//!   providers/<source>/…         each provider's own files (OVH Power BI CSV set, OCI
//!                                contract reports, ArcGIS credit lists, their FOCUS files)
//!   analysis/                    cost_by_provider_month.csv, showback.csv, allocated.parquet,
//!                                forecasts.json, budgets.json, anomalies.json, credits.json,
//!                                reconciliation.csv
//!   state/finops.sqlite          run records and alert deliveries
//! ```

pub mod analysis;
pub mod chart;
pub mod config;
pub mod daemon;
pub mod dataset;
pub mod deliver;
pub mod demo;
pub mod i18n;
pub mod ingestion;
pub mod progress;
pub mod reconcile;
pub mod report;
pub mod sources;

use crate::job::config::{JobConfig, Provider, SourceKind};
use crate::job::dataset::Part;
use crate::job::progress::Progress;
use crate::job::reconcile::ReconRow;
use crate::job::sources::{EnvFn, SourceOutput, StepEnv};
use chrono::NaiveDate;
use finops_core::alert::{Alert, Severity};
use finops_core::clock::SharedClock;
use finops_core::http::RetryConfig;
use finops_core::money::format_decimal;
use finops_core::schedule::JobKind;
use finops_core::state::{AlertStore, SourceError};
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a run is made.
#[derive(Clone)]
pub struct JobOptions {
    /// Data up to the day before this one.
    pub as_of: NaiveDate,
    /// Time (signatures, tokens, archive names, alert windows).
    pub clock: SharedClock,
    /// Retry policy replacing the adapters' defaults.
    pub retry: Option<RetryConfig>,
    /// Environment lookup for secret references.
    pub env: EnvFn,
    /// Full run or hourly sampling.
    pub kind: JobKind,
    /// Display.
    pub progress: Arc<Progress>,
}

impl std::fmt::Debug for JobOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobOptions")
            .field("as_of", &self.as_of)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct JobOutcome {
    /// The output folder.
    pub out_dir: PathBuf,
    /// `report.html`, when written.
    pub report: Option<PathBuf>,
    /// `summary.json`, when written.
    pub summary: Option<PathBuf>,
    /// Sources that gave data / configured.
    pub collected: usize,
    /// Sources configured.
    pub sources: usize,
    /// Every error of the run (accounts, sources, ingestion, publication, notification).
    pub errors: Vec<SourceError>,
    /// Alerts raised.
    pub alerts: Vec<Alert>,
    /// Messages sent.
    pub messages_sent: usize,
    /// FOCUS files of the dataset.
    pub focus_files: Vec<PathBuf>,
    /// Summary lines per source.
    pub lines: Vec<(String, Vec<String>)>,
    /// Publications made.
    pub published: Vec<String>,
}

impl JobOutcome {
    /// Exit non-zero only when nothing could be collected.
    pub fn nothing_collected(&self) -> bool {
        self.sources > 0 && self.collected == 0
    }
}

/// `summary.json`: `{"totals":[{"provider","currency","billed_cost","effective_cost"}],
/// "errors":[{"source","message"}]}`, amounts as decimal strings.
pub fn summary_json(totals: &[analysis::Total], errors: &[SourceError]) -> serde_json::Value {
    serde_json::json!({
        "totals": totals.iter().map(|t| serde_json::json!({
            "provider": t.provider,
            "currency": t.currency,
            "billed_cost": format_decimal(t.billed),
            "effective_cost": format_decimal(t.effective),
        })).collect::<Vec<_>>(),
        "errors": errors.iter().map(|e| serde_json::json!({
            "source": e.source,
            "message": e.message,
        })).collect::<Vec<_>>(),
    })
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .map(|r| {
            r.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_else(|_| p.display().to_string())
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let n = e.file_name();
            if n.to_string_lossy().starts_with('.') {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    walk(dir, &mut out);
    out
}

/// Alerts from the analysis: budget thresholds, anomalies, credits running out.
fn analysis_alerts(a: &analysis::Analysis, horizon_days: u32) -> Vec<Alert> {
    let mut out = Vec::new();
    for b in &a.budgets {
        let st = &b.status;
        let cur = st.budget.scope.currency.clone();
        let scope = format!(
            "{} ({})",
            st.budget.name,
            st.budget
                .scope
                .columns
                .first()
                .and_then(|c| c.1.clone())
                .unwrap_or_else(|| "*".into())
        );
        let crossed = st.crossed();
        if let Some(p) = crossed.last() {
            let thr = st
                .thresholds
                .iter()
                .find(|t| t.percent == *p)
                .map(|t| t.amount)
                .unwrap_or_default();
            let mut al = Alert::threshold(
                "budget",
                &scope,
                &format!("spend ≥ {p} %"),
                format_decimal(st.actual.round_dp(2)),
                format_decimal(thr),
                &cur,
                if *p >= 100 {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
            );
            al.key = st.alert_key(*p, true);
            out.push(al);
        }
        if let Some(p) = st
            .projected_crossed()
            .into_iter()
            .filter(|p| !crossed.contains(p))
            .max()
        {
            let thr = st
                .thresholds
                .iter()
                .find(|t| t.percent == p)
                .map(|t| t.amount)
                .unwrap_or_default();
            let mut al = Alert::threshold(
                "budget",
                &scope,
                &format!("forecast ≥ {p} %"),
                format_decimal(st.projected.round_dp(2)),
                format_decimal(thr),
                &cur,
                Severity::Warning,
            );
            al.key = st.alert_key(p, false);
            out.push(al);
        }
    }
    for x in &a.anomalies {
        let scope = x.key.label();
        let cause = x
            .contributors
            .iter()
            .take(2)
            .map(|c| {
                format!(
                    "{} {:+}",
                    c.value.as_deref().unwrap_or("(null)"),
                    c.delta.round_dp(2)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut al = Alert::anomaly(
            "anomaly",
            &scope,
            &x.date.to_string(),
            format_decimal(x.actual.round_dp(2)),
            format_decimal(x.expected.round_dp(2)),
            &x.currency,
            &cause,
        );
        al.key = x.id();
        out.push(al);
    }
    for b in &a.burndowns {
        if let (Some(d), Some(as_of)) = (b.run_out, a.as_of)
            && (d - as_of).num_days() <= i64::from(horizon_days)
        {
            let mut al = Alert::threshold(
                "arcgis",
                &b.scope,
                "credits run out on",
                d,
                as_of + chrono::Duration::days(i64::from(horizon_days)),
                "",
                Severity::Warning,
            );
            al.key = format!("credit-runout/arcgis/{}/{d}", b.source);
            out.push(al);
        }
    }
    out
}

/// Run the job once; see the module docs.
pub async fn run_job(cfg: &JobConfig, opts: &JobOptions) -> anyhow::Result<JobOutcome> {
    let out_dir = cfg.output.dir.clone();
    std::fs::create_dir_all(&out_dir).map_err(|e| {
        anyhow::anyhow!("cannot create the output folder {}: {e}", out_dir.display())
    })?;
    let providers_dir = out_dir.join("providers");
    let step_env = StepEnv {
        as_of: opts.as_of,
        clock: opts.clock.clone(),
        retry: opts.retry.clone(),
        env: opts.env.clone(),
        providers_dir: providers_dir.clone(),
        tz: cfg.output.timezone,
        history_months: cfg.output.history_months,
        kind: opts.kind,
    };
    let progress = opts.progress.clone();
    tracing::info!(as_of = %opts.as_of, kind = %opts.kind, sources = cfg.sources.len(), out = %out_dir.display(), "run starting");

    // 1. Every source, concurrently (bounded); a failing one never stops the others.
    let tasks = cfg.sources.iter().cloned().map(|src| {
        let env = step_env.clone();
        let progress = progress.clone();
        async move {
            progress.source_started(&src.id, sources::provider_label(src.provider));
            let id = src.id.clone();
            let provider = src.provider;
            let dir = env.providers_dir.join(&src.id);
            let handle = tokio::spawn(async move { sources::run_source(&src, &env).await });
            let out = match handle.await {
                Ok(o) => o,
                Err(e) => SourceOutput {
                    id: id.clone(),
                    provider: Some(provider),
                    dir,
                    errors: vec![SourceError::new(
                        id.clone(),
                        format!("the collection task ended abnormally: {e}"),
                    )],
                    ..Default::default()
                },
            };
            let summary = out
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            progress.source_done(&out.id, out.collected, out.errors.len(), &summary);
            out
        }
    });
    let mut outputs: Vec<SourceOutput> = futures::stream::iter(tasks)
        .buffer_unordered(cfg.output.concurrency.max(1))
        .collect()
        .await;
    let order: Vec<String> = cfg.sources.iter().map(|s| s.id.clone()).collect();
    outputs.sort_by_key(|o| order.iter().position(|x| *x == o.id).unwrap_or(usize::MAX));

    let mut outcome = JobOutcome {
        out_dir: out_dir.clone(),
        sources: cfg.sources.len(),
        collected: outputs.iter().filter(|o| o.collected).count(),
        ..Default::default()
    };
    for o in &outputs {
        outcome.errors.extend(o.errors.iter().cloned());
        outcome.alerts.extend(o.alerts.iter().cloned());
        outcome.lines.push((o.id.clone(), o.lines.clone()));
    }
    if opts.kind == JobKind::Sample {
        return Ok(outcome);
    }

    // 2. The unified FOCUS dataset.
    let parts: Vec<Part> = outputs
        .iter()
        .filter(|o| o.collected && !o.focus_files.is_empty())
        .filter_map(|o| {
            let src = cfg.sources.iter().find(|s| s.id == o.id)?;
            Some(Part {
                provider: src.provider,
                source: o.id.clone(),
                stem: src.part_name(cfg.is_named(&o.id)),
                inputs: o.focus_files.clone(),
            })
        })
        .collect();
    let focus_root = out_dir.join("focus");
    progress.step("focus", "writing the FOCUS dataset focus/…");
    let ds = {
        let (root, parts) = (focus_root.clone(), parts.clone());
        tokio::task::spawn_blocking(move || {
            dataset::write_focus(&root, &parts, &reconcile::in_own_scope)
        })
        .await?
    };
    let ds = match ds {
        Ok(d) => {
            progress.step_done(
                "focus",
                &format!(
                    "{} file(s) written, {} in focus/",
                    d.written.len(),
                    d.files.len()
                ),
            );
            d
        }
        Err(e) => {
            let msg = format!("writing focus/: {}", sources::error_text(&e));
            progress.step_failed("focus", &msg);
            outcome.errors.push(SourceError::new("focus", msg));
            dataset::DatasetReport {
                files: dataset::list_parquet(&focus_root).unwrap_or_default(),
                ..Default::default()
            }
        }
    };
    outcome.focus_files = ds.files.clone();

    // 3. ingestion/ for the hubs (custom data of the non-Azure providers).
    let ingestion_root = cfg
        .sources
        .iter()
        .find_map(|s| match &s.kind {
            SourceKind::Azure(a) => Some(a.ingestion.clone()),
            _ => None,
        })
        .unwrap_or_else(|| out_dir.join("ingestion").display().to_string());
    let run_id = opts.clock.now().format("%Y%m%dT%H%M%SZ").to_string();
    let custom: Vec<Part> = parts
        .iter()
        .filter(|p| p.provider != Provider::Azure)
        .cloned()
        .collect();
    let ing =
        ingestion::write_custom(&ingestion_root, &focus_root, &custom, &run_id, &step_env).await;
    if let Some(why) = &ing.skipped {
        tracing::info!(reason = %why, "ingestion/ not written");
    }
    outcome.errors.extend(ing.errors.iter().cloned());

    // 4. Analysis.
    progress.step(
        "analysis",
        "analysing: showback, forecasts, budgets, anomalies…",
    );
    let analysis_dir = out_dir.join("analysis");
    let credits: Vec<sources::Credit> = outputs
        .iter()
        .flat_map(|o| o.credits.iter().cloned())
        .collect();
    let arcgis_files: std::collections::BTreeMap<String, Vec<PathBuf>> = outputs
        .iter()
        .filter(|o| o.provider == Some(Provider::Arcgis))
        .map(|o| (o.id.clone(), o.focus_files.clone()))
        .collect();
    let a = {
        let files = ds.files.clone();
        let acfg = cfg.analysis.clone();
        let budgets = cfg.budgets.clone();
        let dir = analysis_dir.clone();
        let (as_of, tz, window) = (opts.as_of, cfg.output.timezone, cfg.output.history_months);
        tokio::task::spawn_blocking(move || {
            analysis::analyze(
                &files,
                &credits,
                &arcgis_files,
                &analysis::AnalyzeOptions {
                    as_of,
                    tz,
                    window_months: window,
                    cfg: &acfg,
                    budgets: &budgets,
                    out: &dir,
                },
            )
        })
        .await?
    };
    let a = match a {
        Ok(a) => {
            progress.step_done("analysis", "analysis written to analysis/");
            a
        }
        Err(e) => {
            let msg = format!("analysis: {}", sources::error_text(&e));
            progress.step_failed("analysis", &msg);
            outcome.errors.push(SourceError::new("analysis", msg));
            analysis::Analysis {
                as_of: Some(opts.as_of),
                ..Default::default()
            }
        }
    };

    // 5. Reconciliation.
    let mut recon: Vec<ReconRow> = Vec::new();
    for o in outputs.iter().filter(|o| o.collected) {
        if let Some(p) = o.provider {
            recon.extend(reconcile::rows(&o.id, p, &o.own_totals, &ds.totals));
        }
    }
    {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "source",
            "provider",
            "month",
            "currency",
            "focus_billed_cost",
            "provider_total",
            "difference",
            "ok",
            "basis",
        ])?;
        for r in &recon {
            let d = |x: Option<finops_core::Decimal>| x.map(format_decimal).unwrap_or_default();
            w.write_record([
                r.source.as_str(),
                &r.provider,
                &r.month,
                &r.currency,
                &d(r.focus),
                &d(r.provider_total),
                &d(r.difference),
                if r.ok { "true" } else { "false" },
                &r.basis,
            ])?;
        }
        let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        std::fs::create_dir_all(&analysis_dir)?;
        finops_core::fs::write_atomic(analysis_dir.join("reconciliation.csv"), &bytes)?;
    }

    // 6. Alerts of the run.
    outcome
        .alerts
        .extend(analysis_alerts(&a, cfg.analysis.horizon_days));
    let run_label = opts
        .clock
        .now()
        .with_timezone(&cfg.output.timezone)
        .format("%Y-%m-%d %H:%M")
        .to_string();

    // 7. summary.json and report.html (again after delivery if it adds errors).
    let source_lines: Vec<report::SourceLine> = outputs
        .iter()
        .map(|o| report::SourceLine {
            id: o.id.clone(),
            provider: o.provider.map(|p| p.key().to_string()).unwrap_or_default(),
            label: o
                .provider
                .map(sources::provider_label)
                .unwrap_or("")
                .to_string(),
            collected: o.collected,
            errors: o.errors.len(),
            lines: o.lines.clone(),
        })
        .collect();
    let summary_path = out_dir.join("summary.json");
    let report_path = out_dir.join("report.html");
    let write_outputs = |errors: &[SourceError], alerts: &[Alert]| -> anyhow::Result<()> {
        analysis::write_json(&summary_path, &summary_json(&a.totals, errors))?;
        let mut files: Vec<String> = vec!["report.html".into(), "summary.json".into()];
        for f in files_under(&analysis_dir)
            .iter()
            .chain(files_under(&providers_dir).iter())
        {
            files.push(rel(&out_dir, f));
        }
        files.push(format!("focus/ ({} files)", ds.files.len()));
        if ing.skipped.is_none() {
            files.push(format!("ingestion/ ({} files)", ing.written.len()));
        }
        let html = report::render(&report::ReportInput {
            lang: cfg.output.language,
            tz: cfg.output.timezone,
            as_of: opts.as_of,
            generated: opts.clock.now(),
            analysis: &a,
            sources: &source_lines,
            reconciliation: &recon,
            alerts,
            errors,
            files: &files,
            anomaly_days: cfg.analysis.anomaly_days,
        })?;
        finops_core::fs::write_atomic(&report_path, html.as_bytes())?;
        Ok(())
    };
    outcome.alerts.push(Alert::run_succeeded(
        &run_label,
        ds.written.len(),
        outcome.errors.len(),
    ));
    progress.step("report", "writing summary.json and report.html…");
    write_outputs(&outcome.errors, &outcome.alerts)?;
    progress.step_done("report", "summary.json and report.html written");
    outcome.report = Some(report_path.clone());
    outcome.summary = Some(summary_path.clone());

    // 8. Publication and notification.
    let before = outcome.errors.len();
    if cfg.publish.dir.is_some() || cfg.publish.url.is_some() {
        progress.step("publish", "publishing…");
        let mut files = vec![
            (report_path.clone(), "report.html".to_string()),
            (summary_path.clone(), "summary.json".to_string()),
        ];
        for f in files_under(&analysis_dir)
            .into_iter()
            .chain(files_under(&providers_dir))
        {
            if f.extension()
                .is_some_and(|e| e == "sqlite" || e == "sqlite-wal" || e == "sqlite-shm")
            {
                continue;
            }
            let name = rel(&out_dir, &f);
            files.push((f, name));
        }
        let (done, errs) = deliver::publish(cfg, &opts.env, &opts.clock, &files).await;
        outcome.published = done;
        if errs.is_empty() {
            progress.step_done("publish", "published");
        } else {
            progress.step_failed("publish", &errs[0].to_string());
        }
        outcome.errors.extend(errs);
    }
    if cfg.email.is_some() || !cfg.webhooks.is_empty() {
        progress.step("notify", "sending alerts…");
        let store: Arc<dyn AlertStore> = match open_state(&cfg.state) {
            Ok(s) => s,
            Err(e) => {
                outcome.errors.push(SourceError::new(
                    "notify",
                    format!("state store {}: {e}", cfg.state.display()),
                ));
                Arc::new(finops_core::state::MemoryState::new())
            }
        };
        let (sent, errs) = deliver::notify(
            cfg,
            store,
            &opts.env,
            &opts.clock,
            &run_label,
            &outcome.alerts,
        )
        .await;
        outcome.messages_sent = sent;
        if errs.is_empty() {
            progress.step_done("notify", &format!("{sent} message(s) sent"));
        } else {
            progress.step_failed("notify", &errs[0].to_string());
        }
        outcome.errors.extend(errs);
    }
    if outcome.errors.len() > before {
        write_outputs(&outcome.errors, &outcome.alerts)?;
    }
    tracing::info!(
        collected = outcome.collected,
        sources = outcome.sources,
        errors = outcome.errors.len(),
        alerts = outcome.alerts.len(),
        report = %report_path.display(),
        "run finished"
    );
    Ok(outcome)
}

/// The SQLite state of the job (run records, alert deliveries).
pub fn open_state(path: &Path) -> anyhow::Result<Arc<finops_core::state::SqliteState>> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    Ok(Arc::new(finops_core::state::SqliteState::open(path)?))
}
