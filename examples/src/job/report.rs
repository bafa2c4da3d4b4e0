//! `report.html`: one self-contained page (inline CSS and SVG, no script, no network) with the
//! job's results, in French or English, rendered by minijinja with HTML escaping on (every
//! name, error text or tenant coming from a provider is escaped; only the SVG the
//! [`chart`] module builds, itself escaped, is inserted as is).

use crate::job::analysis::Analysis;
use crate::job::chart::{self, Band, BarSeries, HBar, Line, Mark, TimeChart};
use crate::job::i18n::{self, words};
use crate::job::reconcile::ReconRow;
use crate::job::sources::Credit;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use finops_core::Decimal;
use finops_core::alert::{Alert, Severity};
use finops_core::notify::Language;
use finops_core::state::SourceError;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const TEMPLATE: &str = include_str!("report.html");

/// The colour of a provider, the same in every chart and table.
pub fn provider_color(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    if n.contains("ovh") {
        "#2563eb"
    } else if n.contains("oracle") || n == "oci" {
        "#dc2626"
    } else if n.contains("microsoft") || n.contains("azure") {
        "#0891b2"
    } else if n.contains("esri") || n.contains("arcgis") {
        "#16a34a"
    } else {
        const OTHER: [&str; 4] = ["#7c3aed", "#d97706", "#db2777", "#4b5563"];
        OTHER[n.bytes().map(usize::from).sum::<usize>() % OTHER.len()]
    }
}

/// One source as the report shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceLine {
    /// Source id.
    pub id: String,
    /// Provider key.
    pub provider: String,
    /// Provider label.
    pub label: String,
    /// Collected at all.
    pub collected: bool,
    /// Failed accounts.
    pub errors: usize,
    /// Summary lines.
    pub lines: Vec<String>,
}

/// Everything the page shows.
#[derive(Debug)]
pub struct ReportInput<'a> {
    /// Language.
    pub lang: Language,
    /// Zone of the times shown.
    pub tz: Tz,
    /// As-of day.
    pub as_of: NaiveDate,
    /// When the run happened.
    pub generated: DateTime<Utc>,
    /// The analysis.
    pub analysis: &'a Analysis,
    /// The sources.
    pub sources: &'a [SourceLine],
    /// Reconciliation rows.
    pub reconciliation: &'a [ReconRow],
    /// Alerts of the run.
    pub alerts: &'a [Alert],
    /// Errors of the run.
    pub errors: &'a [SourceError],
    /// Files written (relative to the output folder).
    pub files: &'a [String],
    /// Anomaly window.
    pub anomaly_days: u32,
}

/// The dashed "today" line of the time charts: the run's as-of date, labelled in `lang`.
fn as_of_line(as_of: NaiveDate, lang: Language) -> (NaiveDate, Mark) {
    (
        as_of,
        Mark {
            label: i18n::date(as_of, lang),
            color: "#6b7280".into(),
        },
    )
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Render the page.
pub fn render(r: &ReportInput<'_>) -> anyhow::Result<String> {
    let lang = r.lang;
    let fr = lang == Language::Fr;
    let t = words(lang);
    let a = r.analysis;
    let money = |d: Decimal, c: &str| i18n::money(d, c, lang);

    // Key figures.
    let as_of_month = i18n::month_key(r.as_of);
    let last_month = i18n::month_key(
        r.as_of
            .checked_sub_months(chrono::Months::new(1))
            .unwrap_or(r.as_of),
    );
    let currencies: BTreeSet<String> = a
        .by_provider_month
        .iter()
        .map(|x| x.currency.clone())
        .collect();
    let sum_month = |m: &str, c: &str| -> Decimal {
        a.by_provider_month
            .iter()
            .filter(|x| x.month == m && x.currency == c)
            .map(|x| x.billed)
            .sum()
    };
    let next30 = |c: &str| -> Decimal {
        a.forecasts
            .iter()
            .filter(|s| s.currency == c)
            .flat_map(|s| s.forecast.daily.iter().take(30))
            .map(|d| d.value)
            .sum()
    };
    let mut band = Vec::new();
    band.push(json!({
        "label": format!("{} ({})", t["month_to_date"], i18n::month(&as_of_month, lang)),
        "values": currencies.iter().map(|c| money(sum_month(&as_of_month, c), c)).collect::<Vec<_>>(),
    }));
    band.push(json!({
        "label": format!("{} ({})", t["last_month"], i18n::month(&last_month, lang)),
        "values": currencies.iter().map(|c| money(sum_month(&last_month, c), c)).collect::<Vec<_>>(),
    }));
    band.push(json!({
        "label": t["next_30"],
        "values": currencies.iter().map(|c| money(next30(c), c)).collect::<Vec<_>>(),
    }));
    let ok = r.sources.iter().filter(|s| s.collected).count();
    let failed_accounts: usize = r.sources.iter().map(|s| s.errors).sum();
    band.push(json!({
        "label": t["sources"],
        "values": [format!("{ok}/{} {}", r.sources.len(), t["sources_ok"])],
        "sub": if failed_accounts > 0 { format!("{failed_accounts} {}", t["accounts_failed"]) } else { String::new() },
        "warn": failed_accounts > 0 || ok < r.sources.len(),
    }));
    let crit = r
        .alerts
        .iter()
        .filter(|x| x.severity == Severity::Critical)
        .count();
    band.push(json!({
        "label": t["alerts"],
        "values": [r.alerts.len().to_string()],
        "sub": if crit > 0 { format!("{crit} {}", t["critical"]) } else { String::new() },
        "warn": crit > 0,
    }));
    band.push(json!({
        "label": t["anomalies"],
        "values": [a.anomalies.len().to_string()],
        "sub": i18n::fill(t["in_last_days"], r.anomaly_days),
        "warn": !a.anomalies.is_empty(),
    }));
    let rec_ok = r.reconciliation.iter().filter(|x| x.ok).count();
    band.push(json!({
        "label": t["reconciled"],
        "values": [format!("{rec_ok}/{}", r.reconciliation.len())],
        "sub": t["exactly"],
        "warn": rec_ok < r.reconciliation.len(),
    }));

    // Cost per provider and billing month, one chart per currency.
    let mut costs = Vec::new();
    for c in &currencies {
        let rows: Vec<_> = a
            .by_provider_month
            .iter()
            .filter(|x| &x.currency == c)
            .collect();
        let months: Vec<String> = rows
            .iter()
            .map(|x| x.month.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let providers: Vec<String> = rows
            .iter()
            .map(|x| x.provider.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let get = |p: &str, m: &str| {
            rows.iter()
                .find(|x| x.provider == p && x.month == m)
                .map(|x| x.billed)
        };
        let series: Vec<BarSeries> = providers
            .iter()
            .map(|p| BarSeries {
                name: p.clone(),
                color: provider_color(p).into(),
                values: months
                    .iter()
                    .map(|m| get(p, m).map(f).unwrap_or(0.0))
                    .collect(),
                labels: months
                    .iter()
                    .map(|m| get(p, m).map(|v| money(v, c)).unwrap_or_default())
                    .collect(),
            })
            .collect();
        let labels: Vec<String> = months.iter().map(|m| i18n::month(m, lang)).collect();
        let axis: Vec<String> = if months.len() > 6 {
            months.iter().map(|m| i18n::short_month(m, lang)).collect()
        } else {
            labels.clone()
        };
        let svg = chart::stacked_bars(&format!("{} — {c}", t["costs_title"]), &axis, &series, fr);
        let table_rows: Vec<Value> = providers
            .iter()
            .map(|p| {
                let total: Decimal = months.iter().filter_map(|m| get(p, m)).sum();
                json!({
                    "provider": p, "color": provider_color(p),
                    "cells": months.iter().map(|m| get(p, m).map(|v| i18n::number(v, 2, lang)).unwrap_or_default()).collect::<Vec<_>>(),
                    "total": i18n::number(total, 2, lang),
                })
            })
            .collect();
        let col_totals: Vec<String> = months
            .iter()
            .map(|m| {
                i18n::number(
                    rows.iter()
                        .filter(|x| &x.month == m)
                        .map(|x| x.billed)
                        .sum(),
                    2,
                    lang,
                )
            })
            .collect();
        let grand: Decimal = rows.iter().map(|x| x.billed).sum();
        costs.push(json!({
            "currency": c, "svg": svg, "months": labels, "rows": table_rows,
            "col_totals": col_totals, "grand": i18n::number(grand, 2, lang),
        }));
    }

    // Top services and applications.
    let mut tops = Vec::new();
    for c in &currencies {
        let services: Vec<HBar> = a
            .top_services
            .iter()
            .filter(|x| &x.currency == c)
            .map(|x| HBar {
                label: format!("{} · {}", x.label, x.provider),
                value: f(x.amount),
                display: money(x.amount, c),
                color: provider_color(&x.provider).into(),
            })
            .collect();
        let apps: Vec<HBar> = a
            .top_apps
            .iter()
            .filter(|x| &x.currency == c)
            .map(|x| HBar {
                label: x.label.clone(),
                value: f(x.amount),
                display: money(x.amount, c),
                color: "#6366f1".into(),
            })
            .collect();
        if services.is_empty() && apps.is_empty() {
            continue;
        }
        tops.push(json!({
            "currency": c,
            "services": if services.is_empty() { String::new() } else { chart::hbars(&format!("{} — {c}", t["top_services"]), &services, 480.0) },
            "apps": if apps.is_empty() { String::new() } else { chart::hbars(&format!("{} — {c}", t["top_apps"]), &apps, 480.0) },
        }));
    }
    let window: Vec<String> = a.window.iter().map(|m| i18n::month(m, lang)).collect();

    // Forecasts per provider: the last 90 days and the horizon.
    let mut forecasts = Vec::new();
    for s in &a.forecasts {
        let color = provider_color(&s.provider);
        let from = r.as_of - Duration::days(90);
        let hist: Vec<(NaiveDate, f64)> = s
            .history
            .iter()
            .filter(|(d, _)| *d >= from)
            .map(|(d, v)| (*d, f(*v)))
            .collect();
        let mut fc: Vec<(NaiveDate, f64)> = hist.last().cloned().into_iter().collect();
        fc.extend(s.forecast.daily.iter().map(|x| (x.date, f(x.value))));
        let chart = TimeChart {
            title: format!("{} — {} {}", t["forecast_title"], s.provider, s.currency),
            lines: vec![
                Line {
                    name: t["actual"].into(),
                    color: color.into(),
                    points: hist,
                    dashed: false,
                },
                Line {
                    name: t["forecast"].into(),
                    color: color.into(),
                    points: fc,
                    dashed: true,
                },
            ],
            bands: vec![Band {
                color: color.into(),
                points: s
                    .forecast
                    .daily
                    .iter()
                    .map(|x| (x.date, f(x.lower), f(x.upper)))
                    .collect(),
            }],
            vlines: vec![as_of_line(r.as_of, lang)],
            french: fr,
            ..Default::default()
        };
        let bt = s.forecast.backtest.as_ref();
        let horizon = s.forecast.daily.len();
        forecasts.push(json!({
            "provider": s.provider, "currency": s.currency, "color": color,
            "svg": chart::time_chart(&chart),
            "model": s.forecast.model.name(),
            "mape": bt.and_then(|b| b.mape).map(|m| i18n::percent(m, lang)).unwrap_or_else(|| "—".into()),
            "bias": bt.and_then(|b| b.bias).map(|m| i18n::percent(m, lang)).unwrap_or_else(|| "—".into()),
            "total": money(s.forecast.total, &s.currency),
            "range": format!("{} – {}", money(s.forecast.lower, &s.currency), money(s.forecast.upper, &s.currency)),
            "horizon": i18n::fill(t["next_days"], horizon),
        }));
    }

    // Budgets.
    let mut budgets = Vec::new();
    for b in &a.budgets {
        let st = &b.status;
        let cur = st.budget.scope.currency.clone();
        let scope = st
            .budget
            .scope
            .columns
            .first()
            .and_then(|c| c.1.clone())
            .unwrap_or_else(|| "*".into());
        let color = provider_color(&scope);
        let mut chart = TimeChart {
            title: format!("{} {}", t["budget"], st.budget.name),
            lines: vec![Line {
                name: t["actual"].into(),
                color: color.into(),
                points: b.actual.iter().map(|(d, v)| (*d, f(*v))).collect(),
                dashed: false,
            }],
            hlines: vec![(
                f(st.budget.amount),
                Mark {
                    label: format!("{} {}", t["budget"], money(st.budget.amount, &cur)),
                    color: "#b91c1c".into(),
                },
            )],
            vlines: vec![as_of_line(r.as_of, lang)],
            width: Some(480.0),
            height: Some(230.0),
            french: fr,
            ..Default::default()
        };
        if !b.projected.is_empty() {
            let mut pts: Vec<(NaiveDate, f64)> = b
                .actual
                .last()
                .map(|(d, v)| (*d, f(*v)))
                .into_iter()
                .collect();
            pts.extend(b.projected.iter().map(|(d, v, _, _)| (*d, f(*v))));
            chart.lines.push(Line {
                name: t["forecast"].into(),
                color: color.into(),
                points: pts,
                dashed: true,
            });
            chart.bands.push(Band {
                color: color.into(),
                points: b
                    .projected
                    .iter()
                    .map(|(d, _, lo, hi)| (*d, f(*lo), f(*hi)))
                    .collect(),
            });
        }
        if let Some(d) = st.runout_date {
            chart.vlines.push((
                d,
                Mark {
                    label: format!("{} {}", t["runout"], i18n::date(d, lang)),
                    color: "#b91c1c".into(),
                },
            ));
        }
        let thresholds: Vec<Value> = st
            .thresholds
            .iter()
            .map(|x| {
                json!({
                    "percent": x.percent,
                    "reached": x.reached_on.map(|d| i18n::date(d, lang)),
                    "expected": x.expected_on.map(|d| i18n::date(d, lang)),
                })
            })
            .collect();
        let over = st.projected > st.budget.amount;
        budgets.push(json!({
            "name": st.budget.name, "scope": scope, "currency": cur,
            "period": format!("{} – {}", i18n::date(st.budget.period.start, lang), i18n::date(st.budget.period.end.pred_opt().unwrap_or(st.budget.period.end), lang)),
            "amount": money(st.budget.amount, &cur),
            "actual": money(st.actual, &cur),
            "actual_pct": st.actual_percent.map(|p| i18n::percent(p, lang)).unwrap_or_default(),
            "projected": money(st.projected, &cur),
            "projected_pct": st.projected_percent.map(|p| i18n::percent(p, lang)).unwrap_or_default(),
            "runout": st.runout_date.map(|d| i18n::date(d, lang)).unwrap_or_else(|| t["never"].to_string()),
            "over": over,
            "thresholds": thresholds,
            "svg": chart::time_chart(&chart),
        }));
    }

    // Contracts (OCI) and credits.
    let mut contracts = Vec::new();
    for c in &a.credits {
        if let Credit::Contract {
            scope,
            currency,
            credit,
            consumed,
            forecast,
            balance_at_end,
            start,
            end,
            run_out,
            exhausted,
            monthly,
            mape,
            ..
        } = c
        {
            // Cumulative consumption by month against the credit.
            let mut cum = Decimal::ZERO;
            let mut pts = Vec::new();
            for (m, v) in monthly {
                cum += *v;
                if let Ok(d) = NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d") {
                    let end_of_month = d
                        .checked_add_months(chrono::Months::new(1))
                        .and_then(|x| x.pred_opt())
                        .unwrap_or(d);
                    pts.push((end_of_month.min(r.as_of), f(cum)));
                }
            }
            let mut chart = TimeChart {
                title: format!("{} {scope}", t["credit"]),
                lines: vec![
                    Line {
                        name: t["consumed"].into(),
                        color: provider_color("oracle").into(),
                        points: std::iter::once((*start, 0.0))
                            .chain(pts.iter().cloned())
                            .collect(),
                        dashed: false,
                    },
                    Line {
                        name: t["forecast"].into(),
                        color: provider_color("oracle").into(),
                        points: vec![(r.as_of, f(*consumed)), (*end, f(*consumed + *forecast))],
                        dashed: true,
                    },
                ],
                hlines: vec![(
                    f(*credit),
                    Mark {
                        label: format!("{} {}", t["credit"], money(*credit, currency)),
                        color: "#b91c1c".into(),
                    },
                )],
                vlines: vec![as_of_line(r.as_of, lang)],
                height: Some(230.0),
                width: Some(480.0),
                french: fr,
                ..Default::default()
            };
            if let Some(d) = run_out {
                chart.vlines.push((
                    *d,
                    Mark {
                        label: format!("{} {}", t["runout"], i18n::date(*d, lang)),
                        color: "#b91c1c".into(),
                    },
                ));
            }
            contracts.push(json!({
                "scope": scope, "currency": currency,
                "credit": money(*credit, currency), "consumed": money(*consumed, currency),
                "forecast": money(*forecast, currency), "balance": money(*balance_at_end, currency),
                "deficit": balance_at_end.is_sign_negative(),
                "end": i18n::date(*end, lang),
                "runout": match (run_out, exhausted) {
                    (Some(d), true) => format!("{} {}", t["exhausted"], i18n::date(*d, lang)),
                    (Some(d), false) => i18n::date(*d, lang),
                    (None, _) => t["lasts"].to_string(),
                },
                "mape": mape.map(|m| i18n::percent(m, lang)).unwrap_or_else(|| "—".into()),
                "svg": chart::time_chart(&chart),
            }));
        }
    }
    let mut burndowns = Vec::new();
    for b in &a.burndowns {
        let color = provider_color("esri");
        let from = r.as_of - Duration::days(120);
        let hist: Vec<(NaiveDate, f64)> = b
            .history
            .iter()
            .filter(|(d, _)| *d >= from)
            .map(|(d, v)| (*d, f(*v)))
            .collect();
        let mut fut: Vec<(NaiveDate, f64)> = vec![(r.as_of, f(b.available))];
        fut.extend(
            b.forecast
                .iter()
                .map(|(d, v, _, _)| (*d, f((*v).max(Decimal::ZERO)))),
        );
        let mut chart = TimeChart {
            title: format!("{} — {}", t["burndown_title"], b.scope),
            lines: vec![
                Line {
                    name: t["credits_left"].into(),
                    color: color.into(),
                    points: hist,
                    dashed: false,
                },
                Line {
                    name: t["forecast"].into(),
                    color: color.into(),
                    points: fut,
                    dashed: true,
                },
            ],
            bands: vec![Band {
                color: color.into(),
                points: b
                    .forecast
                    .iter()
                    .map(|(d, _, lo, hi)| {
                        (*d, f((*lo).max(Decimal::ZERO)), f((*hi).max(Decimal::ZERO)))
                    })
                    .collect(),
            }],
            hlines: vec![(
                0.0,
                Mark {
                    label: String::new(),
                    color: "#9ca3af".into(),
                },
            )],
            vlines: vec![as_of_line(r.as_of, lang)],
            french: fr,
            ..Default::default()
        };
        if let Some(d) = b.run_out {
            chart.vlines.push((
                d,
                Mark {
                    label: format!("{} {}", t["runout"], i18n::date(d, lang)),
                    color: "#b91c1c".into(),
                },
            ));
        }
        let users = a.credits.iter().find_map(|c| match c {
            Credit::ArcgisOrg {
                source,
                users_under,
                ..
            } if *source == b.source => Some(users_under.clone()),
            _ => None,
        });
        burndowns.push(json!({
            "scope": b.scope,
            "available": i18n::number(b.available, 2, lang),
            "daily": i18n::number(b.daily_mean, 2, lang),
            "runout": b.run_out.map(|d| i18n::date(d, lang)).unwrap_or_else(|| t["lasts"].to_string()),
            "model": b.model,
            "users_under": users.unwrap_or_default().into_iter().map(|(p, n)| format!("{n} {} {p}", t["users_under"])).collect::<Vec<_>>(),
            "svg": chart::time_chart(&chart),
        }));
    }

    // Anomalies, each with a sparkline of its series.
    let mut anomalies = Vec::new();
    for x in &a.anomalies {
        let provider = x
            .key
            .columns
            .first()
            .and_then(|c| c.1.clone())
            .unwrap_or_default();
        let series = a
            .forecasts
            .iter()
            .find(|s| s.provider == provider && s.currency == x.currency);
        let svg = series.map(|s| {
            let from = x.date - Duration::days(45);
            let pts: Vec<(NaiveDate, f64)> = s
                .history
                .iter()
                .filter(|(d, _)| *d >= from)
                .map(|(d, v)| (*d, f(*v)))
                .collect();
            chart::time_chart(&TimeChart {
                title: format!("{provider} {}", x.date),
                lines: vec![Line {
                    name: provider.clone(),
                    color: provider_color(&provider).into(),
                    points: pts,
                    dashed: false,
                }],
                bands: vec![Band {
                    color: "#6b7280".into(),
                    points: vec![(x.date, f(x.lower), f(x.upper))],
                }],
                points: vec![(
                    x.date,
                    f(x.actual),
                    Mark {
                        label: format!("{}: {}", x.date, money(x.actual, &x.currency)),
                        color: "#b91c1c".into(),
                    },
                )],
                height: Some(64.0),
                width: Some(300.0),
                french: fr,
                ..Default::default()
            })
        });
        let causes: Vec<Value> = x
            .contributors
            .iter()
            .take(3)
            .map(|c| json!({ "value": c.value.clone().unwrap_or_else(|| "(null)".into()), "delta": format!("{}{}", if c.delta.is_sign_positive() { "+" } else { "" }, money(c.delta, &x.currency)) }))
            .collect();
        anomalies.push(json!({
            "date": i18n::date(x.date, lang), "scope": provider, "color": provider_color(&provider),
            "actual": money(x.actual, &x.currency),
            "expected": format!("{} ({} – {})", money(x.expected, &x.currency), money(x.lower, &x.currency), money(x.upper, &x.currency)),
            "causes": causes, "svg": svg.unwrap_or_default(),
        }));
    }

    let recon: Vec<Value> = r
        .reconciliation
        .iter()
        .map(|x| {
            json!({
                "source": x.source, "provider": x.provider, "color": provider_color(&x.provider),
                "month": i18n::month(&x.month, lang), "currency": x.currency,
                "focus": x.focus.map(|d| i18n::exact(d, lang)).unwrap_or_else(|| "—".into()),
                "provider_total": x.provider_total.map(|d| i18n::exact(d, lang)).unwrap_or_else(|| "—".into()),
                "difference": x.difference.map(|d| i18n::exact(d, lang)).unwrap_or_else(|| "—".into()),
                "ok": x.ok, "basis": x.basis,
            })
        })
        .collect();

    let rendered =
        finops_core::notify::render_alerts(lang, "finops", &r.as_of.to_string(), 24, r.alerts)?;
    let alerts: Vec<Value> = rendered
        .items
        .iter()
        .map(|i| json!({ "severity": i.severity.as_str(), "severity_label": t.get(i.severity.as_str()).copied().unwrap_or(i.severity.as_str()), "title": i.title, "detail": i.detail }))
        .collect();
    let errors: Vec<Value> = r
        .errors
        .iter()
        .map(|e| json!({ "source": e.source, "message": e.message }))
        .collect();
    let sources: Vec<Value> = r
        .sources
        .iter()
        .map(|s| json!({ "id": s.id, "label": s.label, "color": provider_color(&s.provider), "collected": s.collected, "errors": s.errors, "lines": s.lines }))
        .collect();
    let generated = r.generated.with_timezone(&r.tz);

    let ctx = json!({
        "lang": lang.as_str(), "t": t,
        "as_of": i18n::date(r.as_of, lang),
        "generated": generated.format("%Y-%m-%d %H:%M %Z").to_string(),
        "tz": r.tz.name(),
        "band": band, "sources": sources, "costs": costs, "tops": tops, "window": window,
        "forecasts": forecasts, "budgets": budgets, "contracts": contracts, "burndowns": burndowns,
        "anomalies": anomalies, "anomalies_none": i18n::fill(t["anomalies_none"], r.anomaly_days),
        "recon": recon, "alerts": alerts, "errors": errors, "files": r.files,
        "analysis_errors": a.errors,
    });
    let mut env = minijinja::Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    let html = env
        .get_template("report.html")?
        .render(minijinja::Value::from(minijinja::value::Serde(ctx)))?;
    Ok(html)
}

/// Group alert counts by severity (for logs).
pub fn severity_counts(alerts: &[Alert]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for a in alerts {
        *m.entry(a.severity.as_str()).or_default() += 1;
    }
    m
}
