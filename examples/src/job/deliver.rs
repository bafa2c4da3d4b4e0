//! After the outputs are written: publication (`[publish]`: a directory and/or an
//! `object_store` URL, live + archive folders, through `finops_core::publish`) and
//! notification (`[notify.email]`, `[[notify.webhook]]`, through `finops_core::alert::AlertPolicy`,
//! which de-duplicates alerts within 24 h, groups them per recipient and keeps unsent ones
//! pending across runs). A failure is an error of the run, never a crash.

use crate::job::config::{HookFormat, JobConfig};
use crate::job::sources::EnvFn;
use finops_core::alert::{Alert, AlertPolicy, Channel};
use finops_core::clock::SharedClock;
use finops_core::notify::{EmailNotifier, Notifier, SmtpSecurity, WebhookFormat, WebhookNotifier};
use finops_core::publish::{LocalDirPublisher, ObjectStorePublisher, PublishRequest, Publisher};
use finops_core::state::{AlertStore, SourceError};
use std::path::PathBuf;
use std::sync::Arc;

/// Build the notification channels of the config (a channel that cannot be built is an
/// error of the run; the others still work).
pub fn channels(
    cfg: &JobConfig,
    env: &EnvFn,
    clock: &SharedClock,
) -> (Vec<Channel>, Vec<SourceError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let lang = cfg.output.language;
    if let Some(e) = &cfg.email {
        let built = (|| -> Result<EmailNotifier, String> {
            let mut b = EmailNotifier::builder(&e.host, e.port, &e.from)
                .with_security(if e.starttls {
                    SmtpSecurity::StartTls
                } else {
                    SmtpSecurity::None
                })
                .with_clock(clock.clone())
                .with_timeout(std::time::Duration::from_secs(30));
            if let (Some(u), Some(p)) = (&e.username, &e.password) {
                let user = u.resolve_with(&**env)?;
                let pass = p.resolve_with(&**env)?;
                b = b.with_credentials(user.expose(), pass);
            }
            if let Some(ca) = &e.ca_file {
                let pem =
                    std::fs::read(ca).map_err(|err| format!("ca_file {}: {err}", ca.display()))?;
                b = b.with_root_certificate_pem(pem);
            }
            b.build().map_err(|err| err.to_string())
        })();
        match built {
            Ok(n) => out.push(
                Channel::email(
                    "email",
                    Arc::new(n) as Arc<dyn Notifier>,
                    e.to.clone(),
                    lang,
                )
                .with_min_severity(e.min_severity),
            ),
            Err(msg) => errors.push(SourceError::new("notify:email", msg)),
        }
    }
    for w in &cfg.webhooks {
        let built = (|| -> Result<WebhookNotifier, String> {
            let url = w.url.resolve_with(&**env)?;
            let http = finops_core::http::HttpClient::builder("webhook")
                .with_clock(clock.clone())
                .with_timeout(std::time::Duration::from_secs(30))
                .build()
                .map_err(|e| e.to_string())?;
            let format = match w.format {
                HookFormat::Teams => WebhookFormat::Teams,
                HookFormat::Slack => WebhookFormat::Slack,
                HookFormat::Json => WebhookFormat::Json,
            };
            WebhookNotifier::new(&w.name, url, format, http).map_err(|e| e.to_string())
        })();
        match built {
            Ok(n) => out.push(
                Channel::webhook(&w.name, Arc::new(n), lang).with_min_severity(w.min_severity),
            ),
            Err(msg) => errors.push(SourceError::new(format!("notify:{}", w.name), msg)),
        }
    }
    (out, errors)
}

/// Submit and send the run's alerts.
pub async fn notify(
    cfg: &JobConfig,
    store: Arc<dyn AlertStore>,
    env: &EnvFn,
    clock: &SharedClock,
    run: &str,
    alerts: &[Alert],
) -> (usize, Vec<SourceError>) {
    let (chs, mut errors) = channels(cfg, env, clock);
    if chs.is_empty() {
        return (0, errors);
    }
    let mut policy = AlertPolicy::new(store, clock.clone());
    for c in chs {
        policy = policy.with_channel(c);
    }
    match policy.process(run, alerts).await {
        Ok(r) => {
            errors.extend(r.errors());
            (r.messages_sent, errors)
        }
        Err(e) => {
            errors.push(SourceError::new("notify", e.to_string()));
            (0, errors)
        }
    }
}

/// Publish `files` (local path, name) per `[publish]`.
pub async fn publish(
    cfg: &JobConfig,
    env: &EnvFn,
    clock: &SharedClock,
    files: &[(PathBuf, String)],
) -> (Vec<String>, Vec<SourceError>) {
    let mut done = Vec::new();
    let mut errors = Vec::new();
    let mut req = PublishRequest::new(clock.now(), cfg.output.timezone);
    for (p, n) in files {
        match req.clone().with_file(p, n) {
            Ok(r) => req = r,
            Err(e) => errors.push(SourceError::new("publish", e.to_string())),
        }
    }
    let mut pubs: Vec<(String, Box<dyn Publisher>)> = Vec::new();
    if let Some(d) = &cfg.publish.dir {
        pubs.push(("publish:dir".into(), Box::new(LocalDirPublisher::under(d))));
    }
    if let Some(u) = &cfg.publish.url {
        let mut opts: Vec<(String, String)> = cfg.publish.options.clone().into_iter().collect();
        let mut bad = None;
        for (k, r) in &cfg.publish.secret_options {
            match r.resolve_with(&**env) {
                Ok(s) => opts.push((k.clone(), s.expose().to_string())),
                Err(e) => bad = Some(format!("options_env.{k}: {e}")),
            }
        }
        match bad {
            Some(e) => errors.push(SourceError::new("publish:url", e)),
            None => match ObjectStorePublisher::from_url(u, opts, "live", "archive") {
                Ok(p) => pubs.push(("publish:url".into(), Box::new(p))),
                Err(e) => errors.push(SourceError::new("publish:url", e.to_string())),
            },
        }
    }
    for (name, p) in pubs {
        match p.publish(&req).await {
            Ok(r) => done.push(format!(
                "{} file(s) to {} (archive {})",
                r.files, r.live, r.archive
            )),
            Err(e) => errors.push(SourceError::new(name, e.to_string())),
        }
    }
    (done, errors)
}
