//! Message templates (minijinja), one set per language under `templates/<lang>/`:
//! `title.txt` / `detail.txt` (one alert), `subject.txt`, `body.txt`, `body.html` (HTML is
//! auto-escaped, so an error text or a tenant name cannot inject markup).

use super::{Language, Message, MessageItem};
use crate::alert::{Alert, AlertKind, Severity};
use crate::{Error, Result};
use minijinja::value::Serde;
use minijinja::{Environment, context};
use std::sync::OnceLock;

const TEMPLATES: &[(&str, &str)] = &[
    ("fr/title.txt", include_str!("templates/fr/title.txt")),
    ("fr/detail.txt", include_str!("templates/fr/detail.txt")),
    ("fr/subject.txt", include_str!("templates/fr/subject.txt")),
    ("fr/body.txt", include_str!("templates/fr/body.txt")),
    ("fr/body.html", include_str!("templates/fr/body.html")),
    ("en/title.txt", include_str!("templates/en/title.txt")),
    ("en/detail.txt", include_str!("templates/en/detail.txt")),
    ("en/subject.txt", include_str!("templates/en/subject.txt")),
    ("en/body.txt", include_str!("templates/en/body.txt")),
    ("en/body.html", include_str!("templates/en/body.html")),
];

fn env() -> Result<&'static Environment<'static>> {
    static ENV: OnceLock<std::result::Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .map_err(|e| format!("template {name}: {e}"))?;
        }
        Ok(env)
    })
    .as_ref()
    .map_err(|e| Error::InvalidArgument(e.clone()))
}

fn render(name: &str, ctx: minijinja::Value) -> Result<String> {
    env()?
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| Error::InvalidArgument(format!("template {name}: {e}")))
}

/// Render `alerts` as one message in `lang`: a subject, a text body, an HTML body and one
/// item per alert (highest severity first). `job` names the sender (`finops`), `run` the run
/// (e.g. its local start time); `window_hours` is the de-duplication window the footer states.
pub fn render_alerts(
    lang: Language,
    job: &str,
    run: &str,
    window_hours: i64,
    alerts: &[Alert],
) -> Result<Message> {
    let mut sorted: Vec<&Alert> = alerts.iter().collect();
    sorted.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.key.cmp(&b.key))
    });
    let l = lang.as_str();
    let mut items = Vec::with_capacity(sorted.len());
    for a in &sorted {
        let ctx = context! { a => Serde(a) };
        items.push(MessageItem {
            severity: a.severity,
            title: render(&format!("{l}/title.txt"), ctx.clone())?
                .trim()
                .to_string(),
            detail: render(&format!("{l}/detail.txt"), ctx)?.trim().to_string(),
        });
    }
    let n = items.len();
    let critical = sorted
        .iter()
        .filter(|a| a.severity == Severity::Critical)
        .count();
    let succeeded = sorted
        .iter()
        .filter(|a| a.kind == AlertKind::RunSucceeded)
        .count();
    let subject = render(
        &format!("{l}/subject.txt"),
        context! { job, run, n, critical, succeeded },
    )?
    .trim()
    .to_string();
    let ctx = context! { job, run, n, critical, items => Serde(&items), subject => &subject, window_hours };
    let text = render(&format!("{l}/body.txt"), ctx.clone())?;
    let html = render(&format!("{l}/body.html"), ctx)?;
    Ok(Message {
        to: Vec::new(),
        subject,
        text,
        html: Some(html),
        severity: sorted.first().map_or(Severity::Info, |a| a.severity),
        items,
        language: lang,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alerts() -> Vec<Alert> {
        let now = "2026-11-22T10:00:00Z".parse().unwrap();
        vec![
            Alert::unmapped_tenant("ovh", "pcc-<b>-1"),
            Alert::run_failure("oci", "ClienteA", "HTTP 401 <NotAuthenticated>"),
            Alert::credential_expiring(
                "ovh",
                "SIVIC_SICAP",
                Some("2026-11-25T10:00:00Z".parse().unwrap()),
                now,
            ),
        ]
    }

    #[test]
    fn french_message() {
        let m = render_alerts(Language::Fr, "finops", "2026-11-29 23:15", 24, &alerts()).unwrap();
        assert_eq!(
            m.subject,
            "[finops] 3 alertes dont 1 critique – 2026-11-29 23:15"
        );
        assert_eq!(m.severity, Severity::Critical);
        assert_eq!(
            m.items[0].title,
            "Échec de la collecte oci pour le compte « ClienteA »"
        );
        assert_eq!(m.items[0].detail, "Erreur : HTTP 401 <NotAuthenticated>");
        assert!(
            m.text.contains("- [Critique] Échec de la collecte oci"),
            "{}",
            m.text
        );
        assert!(
            m.text
                .contains("expire dans 3 jour(s), le 2026-11-25T10:00:00Z")
        );
        assert!(m.text.contains("avant 24 h"));
        let html = m.html.unwrap();
        assert!(html.contains("HTTP 401 &lt;NotAuthenticated&gt;"), "{html}");
        assert!(html.contains("pcc-&lt;b&gt;-1"));
        assert!(!html.contains("<NotAuthenticated>"));
    }

    #[test]
    fn english_message() {
        let m = render_alerts(Language::En, "finops", "run-7", 24, &alerts()).unwrap();
        assert_eq!(m.subject, "[finops] 3 alerts, 1 critical – run-7");
        assert!(m.text.starts_with("Hello,"));
        assert!(
            m.text
                .contains("- [Warning] The ovh credential \"SIVIC_SICAP\" expires in 3 day(s)")
        );
        assert!(m.text.contains("missing from the CMDB"));
        let ok = render_alerts(
            Language::En,
            "finops",
            "run-7",
            24,
            &[Alert::run_succeeded("run-7", 12, 0)],
        )
        .unwrap();
        assert_eq!(ok.subject, "[finops] Run run-7 completed");
        assert!(ok.text.contains("12 file(s) written, 0 error(s)"));
    }

    #[test]
    fn every_kind_renders_in_both_languages() {
        let all = vec![
            Alert::threshold(
                "oci",
                "ClienteA",
                "credit used",
                "91.5",
                "90",
                "%",
                Severity::Warning,
            ),
            Alert::anomaly(
                "azure",
                "sub-1",
                "2026-11-20",
                "1234.50",
                "300.00",
                "EUR",
                "new VM size",
            ),
            Alert::custom("c/1", "job", Severity::Info, "Hello", "World"),
            Alert::credential_expiring("ovh", "A", None, "2026-11-22T10:00:00Z".parse().unwrap()),
        ];
        for lang in [Language::Fr, Language::En] {
            let m = render_alerts(lang, "finops", "r", 24, &all).unwrap();
            assert_eq!(m.items.len(), 4);
            assert!(
                m.items.iter().all(|i| !i.title.is_empty()),
                "{lang}: {:?}",
                m.items
            );
        }
    }
}
