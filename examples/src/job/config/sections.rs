//! The other sections: `[analysis]`, `[[budget]]`, `[notify.email]`, `[[notify.webhook]]`,
//! `[publish]`, `[schedule]`, `[state]`.

use super::ctx::*;
use super::raw::*;
use super::*;
use std::ops::Range;

/// What the sections after the sources give.
pub(super) struct Sections {
    pub(super) analysis: AnalysisConfig,
    pub(super) budgets: Vec<BudgetConfig>,
    pub(super) email: Option<EmailConfig>,
    pub(super) webhooks: Vec<WebhookConfig>,
    pub(super) publish: PublishConfig,
    pub(super) schedule: Option<Schedule>,
    pub(super) state: PathBuf,
}

/// The raw sections, as read from the file.
pub(super) struct RawSections {
    pub(super) analysis: RawAnalysis,
    pub(super) budgets: Vec<(RawBudget, Range<usize>)>,
    pub(super) email: Option<(RawEmail, Range<usize>)>,
    pub(super) hooks: Vec<(RawWebhook, Range<usize>)>,
    pub(super) publish: RawPublish,
    pub(super) schedule: Option<(RawSchedule, Range<usize>)>,
    pub(super) state: RawState,
}

/// Check the sections after the sources (`timezone`: the `[output]` zone, the schedule's
/// default; `out_dir`: where the state goes by default).
pub(super) fn parse_sections(
    ctx: &mut Ctx<'_>,
    base: &Path,
    out_dir: &Path,
    timezone: Tz,
    raw: RawSections,
) -> Sections {
    let RawSections {
        analysis: raw_analysis,
        budgets: budgets_raw,
        email: email_raw,
        hooks: hooks_raw,
        publish: raw_publish,
        schedule: schedule_raw,
        state: raw_state,
    } = raw;
    // [analysis]
    let analysis = AnalysisConfig {
        rules: str_of(&raw_analysis.rules).map(|r| resolve_path(base, r)),
        horizon_days: int_in(
            ctx,
            "analysis",
            "horizon_days",
            &raw_analysis.horizon_days,
            7,
            730,
            90,
        ) as u32,
        anomaly_days: int_in(
            ctx,
            "analysis",
            "anomaly_days",
            &raw_analysis.anomaly_days,
            1,
            90,
            14,
        ) as u32,
        explain_by: str_of(&raw_analysis.explain_by)
            .unwrap_or("ServiceName")
            .to_string(),
    };
    if let Some(e) = &raw_analysis.explain_by
        && finops_core::aggregate::Dimension::parse(e.get_ref()).is_err()
    {
        ctx.at(
            e.span(),
            format!(
                "[analysis] explain_by: {:?} is not a FOCUS column, x_ column or tag:KEY",
                e.get_ref()
            ),
        );
    }

    // [[budget]]
    let mut budgets = Vec::new();
    let mut budget_names = BTreeMap::new();
    for (r, span) in &budgets_raw {
        let name =
            require(ctx, "budget", "name", &r.name, span).map(|n| n.get_ref().trim().to_string());
        if let Some(n) = &name {
            if !valid_name(n) {
                ctx.at(
                    span.clone(),
                    format!("[budget] name {n:?}: use letters, digits, - and _"),
                );
            }
            let line = ctx.line_of(span);
            if let Some(prev) = budget_names.insert(n.clone(), line) {
                ctx.at(
                    span.clone(),
                    format!("[budget] name {n:?} is already used on line {prev}"),
                );
            }
        }
        let currency =
            require(ctx, "budget", "currency", &r.currency, span).and_then(
                |c| match Currency::new(c.get_ref().trim()) {
                    Ok(x) => Some(x),
                    Err(_) => {
                        ctx.at(
                            c.span(),
                            format!(
                                "[budget] currency: {:?} is not an ISO 4217 code",
                                c.get_ref()
                            ),
                        );
                        None
                    }
                },
            );
        let amt = match &r.amount {
            Some(v) => amount(ctx, "budget", "amount", v),
            None => {
                ctx.at(
                    span.clone(),
                    "[budget]: missing key `amount` (e.g. \"2500\")",
                );
                None
            }
        };
        let period = match r
            .period
            .as_ref()
            .map(|p| (p, p.get_ref().trim().to_ascii_lowercase()))
        {
            None => Some(BudgetPeriod::Month),
            Some((_, p)) if p == "month" => Some(BudgetPeriod::Month),
            Some((_, p)) if p == "quarter" => Some(BudgetPeriod::Quarter),
            Some((_, p)) if p == "year" => Some(BudgetPeriod::Year),
            Some((sp, _)) => {
                ctx.at(
                    sp.span(),
                    "[budget] period: expected month, quarter or year",
                );
                None
            }
        };
        if let (Some(name), Some(currency), Some(amount), Some(period)) =
            (name, currency, amt, period)
        {
            budgets.push(BudgetConfig {
                name,
                provider: str_of(&r.provider).map(|s| s.trim().to_string()),
                currency,
                amount,
                period,
            });
        }
    }

    // [notify.email]
    let email = email_raw.and_then(|(r, span)| {
        let smtp = require(ctx, "notify.email", "smtp", &r.smtp, &span).and_then(|s| {
            let t = s.get_ref().trim();
            match t.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>())) {
                Some((h, Ok(p))) if !h.is_empty() && p > 0 => Some((h.trim_matches(['[', ']']).to_string(), p)),
                _ => {
                    ctx.at(s.span(), format!("[notify.email] smtp: expected HOST:PORT (e.g. smtp.example.org:587), found {t:?}"));
                    None
                }
            }
        });
        let from = require(ctx, "notify.email", "from", &r.from, &span).and_then(|f| {
            if f.get_ref().contains('@') {
                Some(f.get_ref().trim().to_string())
            } else {
                ctx.at(f.span(), "[notify.email] from: expected an e-mail address");
                None
            }
        });
        let to = match &r.to {
            Some(t) if t.get_ref().is_empty() => {
                ctx.at(t.span(), "[notify.email] to: at least one recipient");
                None
            }
            Some(t) => {
                let bad: Vec<&String> = t.get_ref().iter().filter(|a| !a.contains('@')).collect();
                if bad.is_empty() {
                    Some(t.get_ref().iter().map(|s| s.trim().to_string()).collect())
                } else {
                    ctx.at(t.span(), format!("[notify.email] to: not e-mail addresses: {bad:?}"));
                    None
                }
            }
            None => {
                ctx.at(span.clone(), "[notify.email]: missing key `to` (a list of addresses)");
                None
            }
        };
        let username = secret_ref(ctx, "notify.email", "username", &r.username_env, &r.username_file, base, None);
        let password = secret_ref(ctx, "notify.email", "password", &r.password_env, &r.password_file, base, None);
        let starttls = r.starttls.as_ref().is_none_or(|b| *b.get_ref());
        if username.is_some() != password.is_some() {
            ctx.at(span.clone(), "[notify.email]: give both username_env/_file and password_env/_file, or neither");
        }
        if !starttls
            && password.is_some()
            && let Some(s) = &r.starttls
        {
            ctx.at(s.span(), "[notify.email] starttls = false with a password: credentials would travel in clear; use STARTTLS");
        }
        let min_severity = severity(ctx, "notify.email", &r.min_severity);
        match (smtp, from, to) {
            (Some((host, port)), Some(from), Some(to)) => Some(EmailConfig {
                host,
                port,
                starttls,
                from,
                to,
                username,
                password,
                ca_file: str_of(&r.ca_file).map(|p| resolve_path(base, p)),
                min_severity,
            }),
            _ => None,
        }
    });

    // [[notify.webhook]]
    let mut webhooks = Vec::new();
    for (i, (r, span)) in hooks_raw.iter().enumerate() {
        let format = match r
            .format
            .as_ref()
            .map(|f| (f, f.get_ref().trim().to_ascii_lowercase()))
        {
            None => Some(HookFormat::Json),
            Some((_, f)) if f == "teams" => Some(HookFormat::Teams),
            Some((_, f)) if f == "slack" => Some(HookFormat::Slack),
            Some((_, f)) if f == "json" => Some(HookFormat::Json),
            Some((sp, _)) => {
                ctx.at(
                    sp.span(),
                    "[notify.webhook] format: expected teams, slack or json",
                );
                None
            }
        };
        let url = secret_ref(
            ctx,
            "notify.webhook",
            "url",
            &r.url_env,
            &r.url_file,
            base,
            Some(span.clone()),
        );
        let min_severity = severity(ctx, "notify.webhook", &r.min_severity);
        let name = str_of(&r.name)
            .map(str::to_string)
            .unwrap_or_else(|| format!("webhook-{}", i + 1));
        if let (Some(format), Some(url)) = (format, url) {
            webhooks.push(WebhookConfig {
                name,
                format,
                url,
                min_severity,
            });
        }
    }

    // [publish]
    let mut publish = PublishConfig {
        dir: str_of(&raw_publish.dir).map(|d| resolve_path(base, d)),
        url: None,
        ..Default::default()
    };
    if let Some(u) = &raw_publish.url {
        match url::Url::parse(u.get_ref().trim()) {
            Ok(_) => publish.url = Some(u.get_ref().trim().to_string()),
            Err(e) => ctx.at(u.span(), format!("[publish] url: not a URL: {e}")),
        }
    }
    if let Some(o) = &raw_publish.options {
        for k in o.get_ref().keys() {
            if is_secret_key(k) || k.contains("secret") || k.contains("key") || k.contains("token")
            {
                ctx.at(
                    o.span(),
                    format!("[publish] options.{k} looks like a secret: give it in options_env = {{ {k} = \"VARIABLE\" }}"),
                );
            }
        }
        publish.options = o.get_ref().clone();
    }
    if let Some(o) = &raw_publish.options_env {
        for (k, v) in o.get_ref() {
            publish
                .secret_options
                .insert(k.clone(), SecretRef::Env(v.clone()));
        }
    }
    if (raw_publish.options.is_some() || raw_publish.options_env.is_some()) && publish.url.is_none()
    {
        ctx.at(
            raw_publish
                .options
                .as_ref()
                .map(|o| o.span())
                .or(raw_publish.options_env.as_ref().map(|o| o.span()))
                .unwrap_or(0..0),
            "[publish] options need url",
        );
    }

    // [schedule]
    let schedule = schedule_raw.and_then(|(r, span)| {
        let tz = match &r.timezone {
            Some(t) => match t.get_ref().trim().parse::<Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    ctx.at(
                        t.span(),
                        format!(
                            "[schedule] timezone: {:?} is not an IANA time zone",
                            t.get_ref()
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        let mut sched: Option<Schedule> = None;
        if let Some(p) = &r.preset {
            match Schedule::preset(p.get_ref()) {
                Ok(s) => sched = Some(s),
                Err(e) => ctx.at(p.span(), format!("[schedule] preset: {e}")),
            }
        }
        let zone = tz
            .or_else(|| sched.as_ref().map(|s| s.timezone()))
            .unwrap_or(timezone);
        let mut s = sched
            .unwrap_or_else(|| Schedule::new(zone))
            .with_timezone(zone);
        for (field, kind) in [(&r.cron, JobKind::Full), (&r.sample, JobKind::Sample)] {
            if let Some(list) = field {
                for expr in list.get_ref().items() {
                    match s.clone().with_cron(&expr, kind) {
                        Ok(next) => s = next,
                        Err(e) => ctx.at(list.span(), format!("[schedule] {e}")),
                    }
                }
            }
        }
        if s.entries().is_empty() {
            ctx.at(
                span,
                "[schedule]: give preset = \"ovh-weekly\" or cron = [\"15 23 * * SUN\"]",
            );
            return None;
        }
        Some(s)
    });

    let state = str_of(&raw_state.path)
        .map(|p| resolve_path(base, p))
        .unwrap_or_else(|| out_dir.join("state").join("finops.sqlite"));
    Sections {
        analysis,
        budgets,
        email,
        webhooks,
        publish,
        schedule,
        state,
    }
}
