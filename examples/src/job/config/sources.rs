//! The provider sections: `[[ovh]]`, `[[oci]]`, `[[azure]]`, `[[arcgis]]`.

use super::ctx::*;
use super::raw::*;
use super::*;
use std::ops::Range;

/// Every source of the file, and the ids given by a `name` key.
pub(super) fn parse_sources(
    ctx: &mut Ctx<'_>,
    base: &Path,
    root_span: &Range<usize>,
    ovh: &[(RawOvh, Range<usize>)],
    oci: &[(RawOci, Range<usize>)],
    azure: &[(RawAzure, Range<usize>)],
    arcgis: &[(RawArcgis, Range<usize>)],
) -> (Vec<SourceConfig>, BTreeSet<String>) {
    // Sources.
    let mut sources = Vec::new();
    let mut named = BTreeSet::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut add_source = |ctx: &mut Ctx<'_>,
                          provider: Provider,
                          index: usize,
                          name: &S<String>,
                          span: &std::ops::Range<usize>,
                          kind: Option<SourceKind>,
                          sources: &mut Vec<SourceConfig>,
                          named: &mut BTreeSet<String>| {
        let line = ctx.line_of(span);
        let id = match name {
            Some(n) => {
                let n2 = n.get_ref().trim();
                if !valid_name(n2) {
                    ctx.at(
                        n.span(),
                        format!(
                            "[{provider}] name: {n2:?}: use letters, digits, - and _ (up to 64)"
                        ),
                    );
                }
                n2.to_string()
            }
            None if index == 0 => provider.key().to_string(),
            None => format!("{}-{}", provider.key(), index + 1),
        };
        if let Some(prev) = ids.insert(id.clone(), line) {
            ctx.at(
                span.clone(),
                format!("[{provider}]: the source name {id:?} is already used on line {prev}; give each a different name"),
            );
        }
        if name.is_some() {
            named.insert(id.clone());
        }
        if let Some(kind) = kind {
            sources.push(SourceConfig {
                id,
                provider,
                index,
                line,
                kind,
            });
        }
    };

    for (i, (r, span)) in ovh.iter().enumerate() {
        let dir = require(ctx, "ovh", "credentials_dir", &r.credentials_dir, span)
            .map(|d| resolve_path(base, d.get_ref()));
        if let Some(e) = &r.endpoint {
            let v = e.get_ref().trim();
            let known = [
                "ovh-eu",
                "ovh-ca",
                "ovh-us",
                "kimsufi-eu",
                "kimsufi-ca",
                "soyoustart-eu",
                "soyoustart-ca",
            ];
            if v.contains("://") {
                http_url(ctx, "ovh", "endpoint", e);
            } else if !known.contains(&v) {
                ctx.at(
                    e.span(),
                    format!(
                        "[ovh] endpoint: {v:?} is not an endpoint name ({}) or an API URL",
                        known.join(", ")
                    ),
                );
            }
        }
        if let Some(rl) = &r.rate_limit
            && !(rl.get_ref().is_finite() && *rl.get_ref() > 0.0 && *rl.get_ref() <= 1000.0)
        {
            ctx.at(
                rl.span(),
                "[ovh] rate_limit: calls per second, between 0 and 1000",
            );
        }
        let kind = dir.map(|credentials_dir| {
            SourceKind::Ovh(OvhSource {
                credentials_dir,
                endpoint: str_of(&r.endpoint).map(|s| s.trim().to_string()),
                cmdb: str_of(&r.cmdb).map(|c| resolve_path(base, c)),
                utf8: r.utf8.as_ref().is_some_and(|b| *b.get_ref()),
                rate_limit: r.rate_limit.as_ref().map(|x| *x.get_ref()),
            })
        });
        add_source(
            ctx,
            Provider::Ovh,
            i,
            &r.name,
            span,
            kind,
            &mut sources,
            &mut named,
        );
    }
    for (i, (r, span)) in oci.iter().enumerate() {
        let dir = require(ctx, "oci", "config_dir", &r.config_dir, span)
            .map(|d| resolve_path(base, d.get_ref()));
        if let Some(e) = &r.endpoint {
            http_url(ctx, "oci", "endpoint", e);
        }
        let kind = dir.map(|config_dir| {
            SourceKind::Oci(OciSource {
                config_dir,
                endpoint: str_of(&r.endpoint).map(|s| s.trim().to_string()),
            })
        });
        add_source(
            ctx,
            Provider::Oci,
            i,
            &r.name,
            span,
            kind,
            &mut sources,
            &mut named,
        );
    }
    for (i, (r, span)) in azure.iter().enumerate() {
        let loc = |ctx: &mut Ctx<'_>, key: &str, v: &S<String>| -> Option<String> {
            let s = require(ctx, "azure", key, v, span)?;
            let t = s.get_ref().trim();
            if t.contains("://") {
                match url::Url::parse(t) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => Some(t.to_string()),
                    _ => {
                        ctx.at(s.span(), format!("[azure] {key}: a local directory or a blob container URL (https://ACCOUNT.blob.core.windows.net/CONTAINER)"));
                        None
                    }
                }
            } else {
                Some(resolve_path(base, t).display().to_string())
            }
        };
        let exports = loc(ctx, "exports", &r.exports);
        let ingestion = loc(ctx, "ingestion", &r.ingestion);
        let storage_key = secret_ref(
            ctx,
            "azure",
            "storage_key",
            &r.storage_key_env,
            &r.storage_key_file,
            base,
            None,
        );
        let connection_string = secret_ref(
            ctx,
            "azure",
            "connection_string",
            &r.connection_string_env,
            &r.connection_string_file,
            base,
            None,
        );
        let retention = r.retention_months.as_ref().map(|_| {
            int_in(
                ctx,
                "azure",
                "retention_months",
                &r.retention_months,
                1,
                240,
                13,
            ) as u32
        });
        let kind = match (exports, ingestion) {
            (Some(exports), Some(ingestion)) => Some(SourceKind::Azure(AzureSource {
                exports,
                ingestion,
                storage_key,
                connection_string,
                retention_months: retention,
            })),
            _ => None,
        };
        add_source(
            ctx,
            Provider::Azure,
            i,
            &r.name,
            span,
            kind,
            &mut sources,
            &mut named,
        );
    }
    for (i, (r, span)) in arcgis.iter().enumerate() {
        let portal = require(ctx, "arcgis", "portal", &r.portal, span)
            .filter(|p| http_url(ctx, "arcgis", "portal", p))
            .map(|p| p.get_ref().trim().to_string());
        let token = secret_ref(
            ctx,
            "arcgis",
            "token",
            &r.token_env,
            &r.token_file,
            base,
            None,
        );
        let password = secret_ref(
            ctx,
            "arcgis",
            "password",
            &r.password_env,
            &r.password_file,
            base,
            None,
        );
        let client_secret = secret_ref(
            ctx,
            "arcgis",
            "client_secret",
            &r.client_secret_env,
            &r.client_secret_file,
            base,
            None,
        );
        let login = match (token, &r.username, password, &r.client_id, client_secret) {
            (Some(t), None, None, None, None) => Some(ArcgisLogin::Token(t)),
            (None, Some(u), Some(p), None, None) => {
                Some(ArcgisLogin::UserPassword(u.get_ref().clone(), p))
            }
            (None, None, None, Some(c), Some(s)) => {
                Some(ArcgisLogin::ClientCredentials(c.get_ref().clone(), s))
            }
            (None, Some(u), None, None, None) => {
                ctx.at(
                    u.span(),
                    "[arcgis] username needs password_env or password_file",
                );
                None
            }
            (None, None, None, Some(c), None) => {
                ctx.at(
                    c.span(),
                    "[arcgis] client_id needs client_secret_env or client_secret_file",
                );
                None
            }
            (None, None, None, None, None) => {
                ctx.at(
                    span.clone(),
                    "[arcgis]: no login: give token_env/token_file, or username with password_env/password_file, or client_id with client_secret_env/client_secret_file",
                );
                None
            }
            _ => {
                ctx.at(span.clone(), "[arcgis]: give one login only (a token, a user name and password, or a client id and secret)");
                None
            }
        };
        let price = match &r.price_per_credit {
            Some(v) => amount(ctx, "arcgis", "price_per_credit", v),
            None => {
                ctx.at(span.clone(), "[arcgis]: missing key `price_per_credit` (e.g. \"0.10\": credits are priced to become FOCUS costs)");
                None
            }
        };
        let currency = match &r.currency {
            Some(c) => match Currency::new(c.get_ref().trim()) {
                Ok(x) => Some(x),
                Err(_) => {
                    ctx.at(
                        c.span(),
                        format!(
                            "[arcgis] currency: {:?} is not an ISO 4217 code (EUR, USD, ...)",
                            c.get_ref()
                        ),
                    );
                    None
                }
            },
            None => {
                ctx.at(
                    span.clone(),
                    "[arcgis]: missing key `currency` (the currency of price_per_credit)",
                );
                None
            }
        };
        if let Some(t) = &r.thresholds
            && finops_arcgis::alerts::AlertConfig::default()
                .with_user_thresholds(t.get_ref())
                .is_err()
        {
            ctx.at(
                t.span(),
                "[arcgis] thresholds: expected percentages like \"10%,50%\"",
            );
        }
        if let Some(a) = &r.allocate
            && a.get_ref()
                .parse::<finops_arcgis::allocation::AllocationRule>()
                .is_err()
        {
            ctx.at(a.span(), "[arcgis] allocate: expected 'under=10%,add=200', 'topup=500' or 'under=10%,topup=500'");
        }
        let max_total = match &r.max_total {
            Some(v) => amount(ctx, "arcgis", "max_total", v).map(|d| d.to_string()),
            None => None,
        };
        if r.apply.as_ref().is_some_and(|a| *a.get_ref())
            && r.allocate.is_none()
            && let Some(a) = &r.apply
        {
            ctx.at(a.span(), "[arcgis] apply = true needs an allocate rule");
        }
        let kind = match (portal, login, price, currency) {
            (Some(portal), Some(login), Some(price_per_credit), Some(currency)) => {
                Some(SourceKind::Arcgis(ArcgisSource {
                    portal,
                    login,
                    price_per_credit,
                    currency,
                    referer: str_of(&r.referer).map(str::to_string),
                    thresholds: str_of(&r.thresholds).unwrap_or("10%,50%").to_string(),
                    notify_admins: r.notify_admins.as_ref().is_some_and(|b| *b.get_ref()),
                    allocate: str_of(&r.allocate).map(str::to_string),
                    max_total,
                    apply: r.apply.as_ref().is_some_and(|b| *b.get_ref()),
                }))
            }
            _ => None,
        };
        add_source(
            ctx,
            Provider::Arcgis,
            i,
            &r.name,
            span,
            kind,
            &mut sources,
            &mut named,
        );
    }
    if ovh.is_empty() && oci.is_empty() && azure.is_empty() && arcgis.is_empty() {
        ctx.at(
            root_span.start..root_span.start,
            "no source: add at least one [[ovh]], [[oci]], [[azure]] or [[arcgis]] table",
        );
        if let Some(p) = ctx.problems.last_mut() {
            p.line = 0;
        }
    }
    (sources, named)
}
