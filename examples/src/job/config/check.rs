//! References that must resolve where the job runs (directories, files, environment variables).

use super::*;

/// The references of a parsed config that do not resolve here and now (directories, files,
/// environment variables), as problems on the line of their source.
pub fn check_environment(cfg: &JobConfig, env: &dyn Fn(&str) -> Option<String>) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut at = |line: usize, message: String| {
        out.push(Problem {
            line,
            column: 1,
            message,
        })
    };
    let check_secret = |r: &SecretRef| r.resolve_with(env).err();
    for s in &cfg.sources {
        let tag = format!("[{}] {}", s.provider, s.id);
        match &s.kind {
            SourceKind::Ovh(o) => {
                if !o.credentials_dir.is_dir() {
                    at(
                        s.line,
                        format!(
                            "{tag}: credentials_dir {} is not a directory",
                            o.credentials_dir.display()
                        ),
                    );
                }
                if let Some(c) = &o.cmdb
                    && !c.exists()
                {
                    at(
                        s.line,
                        format!("{tag}: cmdb {} does not exist", c.display()),
                    );
                }
            }
            SourceKind::Oci(o) => {
                if !o.config_dir.is_dir() {
                    at(
                        s.line,
                        format!(
                            "{tag}: config_dir {} is not a directory",
                            o.config_dir.display()
                        ),
                    );
                } else if finops_core::fs::list_files(
                    &o.config_dir,
                    &finops_core::fs::DirFilter::with_prefix("config_"),
                )
                .is_err()
                {
                    at(
                        s.line,
                        format!("{tag}: no config_* file in {}", o.config_dir.display()),
                    );
                }
            }
            SourceKind::Azure(a) => {
                for (k, v) in [("exports", &a.exports), ("ingestion", &a.ingestion)] {
                    if !v.contains("://") && k == "exports" && !Path::new(v).is_dir() {
                        at(s.line, format!("{tag}: {k} {v} is not a directory"));
                    }
                }
                for r in [&a.storage_key, &a.connection_string].into_iter().flatten() {
                    if let Some(e) = check_secret(r) {
                        at(s.line, format!("{tag}: {e}"));
                    }
                }
            }
            SourceKind::Arcgis(a) => {
                let r = match &a.login {
                    ArcgisLogin::Token(r)
                    | ArcgisLogin::UserPassword(_, r)
                    | ArcgisLogin::ClientCredentials(_, r) => r,
                };
                if let Some(e) = check_secret(r) {
                    at(s.line, format!("{tag}: {e}"));
                }
            }
        }
    }
    if let Some(r) = &cfg.analysis.rules
        && let Err(e) = finops_core::allocate::Rules::from_file(r)
    {
        at(0, format!("[analysis] rules: {e}"));
    }
    if let Some(e) = &cfg.email {
        for r in [&e.username, &e.password].into_iter().flatten() {
            if let Some(err) = check_secret(r) {
                at(0, format!("[notify.email]: {err}"));
            }
        }
        if let Some(ca) = &e.ca_file
            && !ca.is_file()
        {
            at(
                0,
                format!("[notify.email] ca_file {} is not a file", ca.display()),
            );
        }
    }
    for w in &cfg.webhooks {
        if let Some(err) = check_secret(&w.url) {
            at(0, format!("[notify.webhook] {}: {err}", w.name));
        }
    }
    for (k, r) in &cfg.publish.secret_options {
        if let Some(err) = check_secret(r) {
            at(0, format!("[publish] options_env.{k}: {err}"));
        }
    }
    out
}
