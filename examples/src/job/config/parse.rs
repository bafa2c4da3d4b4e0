//! The driver: the file's tables, `[output]`, then the sources and the other sections; every
//! problem at once.

use super::ctx::*;
use super::raw::*;
use super::sections::{RawSections, Sections};
use super::*;
use toml::de::{DeTable, DeValue};

/// Parse a config file's text. `file` names it in messages; relative paths in it are taken
/// from `base` (the file's directory). Returns every problem found.
pub fn parse(text: &str, file: &Path, base: &Path) -> Result<JobConfig, Problems> {
    let mut ctx = Ctx {
        text,
        problems: Vec::new(),
    };
    let (root, errors) = DeTable::parse_recoverable(text);
    for e in errors {
        let span = e.span().unwrap_or(0..0);
        // The message only: the parser's own rendering quotes the source line, which could
        // be a secret someone pasted.
        ctx.at(span, format!("TOML syntax: {}", e.message().trim()));
    }
    let root_span = root.span();
    let mut root = root.into_inner();
    refuse_inline_secrets(&mut ctx, &mut root, "");

    let mut raw_output = RawOutput::default();
    let mut output_span = 0..0;
    let mut ovh = Vec::new();
    let mut oci = Vec::new();
    let mut azure = Vec::new();
    let mut arcgis = Vec::new();
    let mut raw_analysis = RawAnalysis::default();
    let mut budgets_raw = Vec::new();
    let mut email_raw: Option<(RawEmail, std::ops::Range<usize>)> = None;
    let mut hooks_raw = Vec::new();
    let mut raw_publish = RawPublish::default();
    let mut schedule_raw: Option<(RawSchedule, std::ops::Range<usize>)> = None;
    let mut raw_state = RawState::default();

    macro_rules! one {
        ($ty:ty, $name:expr, $known:expr, $v:expr) => {{
            let span = $v.span();
            match $v.into_inner() {
                DeValue::Table(t) => Some((
                    deserialize_collecting::<$ty>(&mut ctx, $name, $known, t, span.clone()),
                    span,
                )),
                _ => {
                    ctx.at(span, format!("`{}` must be a table: [{}]", $name, $name));
                    None
                }
            }
        }};
    }
    macro_rules! many {
        ($ty:ty, $name:expr, $known:expr, $v:expr, $out:expr) => {{
            let span = $v.span();
            match $v.into_inner() {
                DeValue::Array(a) => {
                    for e in a.into_iter() {
                        let es = e.span();
                        match e.into_inner() {
                            DeValue::Table(t) => $out.push((
                                deserialize_collecting::<$ty>(
                                    &mut ctx,
                                    $name,
                                    $known,
                                    t,
                                    es.clone(),
                                ),
                                es,
                            )),
                            _ => ctx.at(
                                es,
                                format!("`{}` entries must be tables: [[{}]]", $name, $name),
                            ),
                        }
                    }
                }
                DeValue::Table(t) => $out.push((
                    deserialize_collecting::<$ty>(&mut ctx, $name, $known, t, span.clone()),
                    span,
                )),
                _ => ctx.at(
                    span,
                    format!("`{}` must be an array of tables: [[{}]]", $name, $name),
                ),
            }
        }};
    }

    for (k, v) in root {
        let key = k.get_ref().to_string();
        match key.as_str() {
            "output" => {
                if let Some((r, s)) = one!(RawOutput, "output", K_OUTPUT, v) {
                    raw_output = r;
                    output_span = s;
                }
            }
            "ovh" => many!(RawOvh, "ovh", K_OVH, v, ovh),
            "oci" => many!(RawOci, "oci", K_OCI, v, oci),
            "azure" => many!(RawAzure, "azure", K_AZURE, v, azure),
            "arcgis" => many!(RawArcgis, "arcgis", K_ARCGIS, v, arcgis),
            "analysis" => {
                if let Some((r, _)) = one!(RawAnalysis, "analysis", K_ANALYSIS, v) {
                    raw_analysis = r;
                }
            }
            "budget" => many!(RawBudget, "budget", K_BUDGET, v, budgets_raw),
            "notify" => {
                let span = v.span();
                match v.into_inner() {
                    DeValue::Table(t) => {
                        for (nk, nv) in t {
                            match nk.get_ref().as_ref() {
                                "email" => email_raw = one!(RawEmail, "notify.email", K_EMAIL, nv),
                                "webhook" => {
                                    many!(RawWebhook, "notify.webhook", K_HOOK, nv, hooks_raw)
                                }
                                other => {
                                    let hint = closest(other, &["email", "webhook"])
                                        .map(|s| format!(" (did you mean [notify.{s}]?)"))
                                        .unwrap_or_else(|| " (known: email, webhook)".into());
                                    ctx.at(
                                        nk.span(),
                                        format!("unknown section [notify.{other}]{hint}"),
                                    );
                                }
                            }
                        }
                    }
                    _ => ctx.at(span, "`notify` must be a table: [notify.email]"),
                }
            }
            "publish" => {
                if let Some((r, _)) = one!(RawPublish, "publish", K_PUBLISH, v) {
                    raw_publish = r;
                }
            }
            "schedule" => schedule_raw = one!(RawSchedule, "schedule", K_SCHEDULE, v),
            "state" => {
                if let Some((r, _)) = one!(RawState, "state", K_STATE, v) {
                    raw_state = r;
                }
            }
            other => {
                let hint = closest(other, SECTIONS)
                    .map(|s| format!(" (did you mean [{s}]?)"))
                    .unwrap_or_else(|| format!(" (known: {})", SECTIONS.join(", ")));
                ctx.at(k.span(), format!("unknown section [{other}]{hint}"));
            }
        }
    }

    // [output]
    let out_dir = match require(&mut ctx, "output", "dir", &raw_output.dir, &output_span) {
        Some(d) => resolve_path(base, d.get_ref()),
        None => PathBuf::from("finops-out"),
    };
    if raw_output.dir.is_none() && output_span == (0..0) {
        // `require` pointed at the start of the file; say where to add it.
        if let Some(p) = ctx.problems.last_mut()
            && p.message == "[output]: missing key `dir`"
        {
            p.message =
                "missing [output] section with dir = \"…\" (where everything is written)".into();
        }
    }
    let timezone = match &raw_output.timezone {
        Some(t) => match t.get_ref().trim().parse::<Tz>() {
            Ok(tz) => tz,
            Err(_) => {
                ctx.at(
                    t.span(),
                    format!(
                        "[output] timezone: {:?} is not an IANA time zone (e.g. Europe/Paris)",
                        t.get_ref()
                    ),
                );
                Tz::UTC
            }
        },
        None => Tz::UTC,
    };
    let language = match &raw_output.language {
        Some(l) => match l.get_ref().parse::<Language>() {
            Ok(x) => x,
            Err(_) => {
                ctx.at(l.span(), "[output] language: expected fr or en");
                Language::En
            }
        },
        None => Language::En,
    };
    let concurrency = int_in(
        &mut ctx,
        "output",
        "concurrency",
        &raw_output.concurrency,
        1,
        64,
        4,
    ) as usize;
    let history_months = int_in(
        &mut ctx,
        "output",
        "history_months",
        &raw_output.history_months,
        1,
        36,
        3,
    ) as u32;

    let (mut sources, named) =
        sources::parse_sources(&mut ctx, base, &root_span, &ovh, &oci, &azure, &arcgis);
    let Sections {
        analysis,
        budgets,
        email,
        webhooks,
        publish,
        schedule,
        state,
    } = sections::parse_sections(
        &mut ctx,
        base,
        &out_dir,
        timezone,
        RawSections {
            analysis: raw_analysis,
            budgets: budgets_raw,
            email: email_raw,
            hooks: hooks_raw,
            publish: raw_publish,
            schedule: schedule_raw,
            state: raw_state,
        },
    );

    if !ctx.problems.is_empty() {
        let mut items = ctx.problems;
        items.sort();
        items.dedup();
        return Err(Problems {
            file: file.to_path_buf(),
            items,
        });
    }
    // Report order: providers in a fixed order, each in file order.
    sources.sort_by_key(|s| (s.provider, s.index));
    let _ = line_of_span::<()>;
    Ok(JobConfig {
        path: file.to_path_buf(),
        output: OutputConfig {
            dir: out_dir,
            timezone,
            language,
            concurrency,
            history_months,
        },
        sources,
        named,
        analysis,
        budgets,
        email,
        webhooks,
        publish,
        schedule,
        state,
    })
}
