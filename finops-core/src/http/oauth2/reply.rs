//! Token-endpoint replies: the access token and its lifetime parsed from a success body
//! (`expires_in` as a number or a string, `refresh_in`), the OAuth2 error of a failure body
//! (RFC 6749 §5.2 and ArcGIS's nested form), and the relabelling of errors so that they name
//! the token URL without quoting a secret.

use crate::error::truncate_body;
use crate::http::client::{ErrorParser, Response};
use crate::http::token::TemporaryToken;
use crate::money::parse_decimal;
use crate::{Error, Result, Secret};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;

#[derive(Deserialize)]
struct TokenReply {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<Box<RawValue>>,
    refresh_in: Option<Box<RawValue>>,
}

fn bad_reply(provider: &'static str, token_url: &str, message: String) -> Error {
    Error::InvalidResponse {
        provider,
        call: format!("POST {token_url}"),
        message,
    }
}

/// Seconds from a JSON number or a string holding one (never through `f64`; the fraction is
/// dropped). `None` for JSON `null`.
fn seconds(raw: &RawValue) -> std::result::Result<Option<i64>, String> {
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    let inner = match serde_json::from_str::<String>(text) {
        Ok(s) => s,
        Err(_) => text.to_string(),
    };
    let d = parse_decimal(&inner)?;
    let secs = i64::try_from(d.trunc()).map_err(|_| format!("{inner} is out of range"))?;
    Ok(Some(secs))
}

fn lifetime(secs: i64) -> Option<chrono::Duration> {
    // Ten years is far beyond any real token; larger values are a broken reply.
    if secs <= 0 || secs > 10 * 366 * 86_400 {
        return None;
    }
    chrono::Duration::try_seconds(secs)
}

/// Parse a token reply `{"access_token","token_type"?,"expires_in"?,"refresh_in"?}` received
/// at `now`. `expires_in` may be a number or a string; missing, `default_lifetime` applies.
/// `refresh_in` (Entra ID) makes the token due for refresh earlier. A reply without
/// `access_token` or with a non-bearer `token_type` is an error naming the token URL.
pub fn parse_token_response(
    provider: &'static str,
    token_url: &str,
    body: &[u8],
    now: DateTime<Utc>,
    default_lifetime: chrono::Duration,
) -> Result<TemporaryToken<Secret>> {
    let r: TokenReply = serde_json::from_slice(body).map_err(|e| {
        bad_reply(
            provider,
            token_url,
            format!("token reply is not the expected JSON: {e}"),
        )
    })?;
    let token = r.access_token.filter(|t| !t.is_empty()).ok_or_else(|| {
        bad_reply(
            provider,
            token_url,
            "token reply has no access_token".into(),
        )
    })?;
    if let Some(tt) = &r.token_type
        && !tt.eq_ignore_ascii_case("bearer")
    {
        return Err(bad_reply(
            provider,
            token_url,
            format!("token_type {tt:?} is not supported (expected Bearer)"),
        ));
    }
    let field = |name: &str, raw: &Option<Box<RawValue>>| -> Result<Option<chrono::Duration>> {
        let Some(raw) = raw else { return Ok(None) };
        match seconds(raw).map_err(|m| bad_reply(provider, token_url, format!("{name}: {m}")))? {
            None => Ok(None),
            Some(s) => lifetime(s).map(Some).ok_or_else(|| {
                bad_reply(
                    provider,
                    token_url,
                    format!("{name}: {s} seconds is not a usable lifetime"),
                )
            }),
        }
    };
    let life = field("expires_in", &r.expires_in)?.unwrap_or(default_lifetime);
    let expiry = now
        .checked_add_signed(life)
        .ok_or_else(|| bad_reply(provider, token_url, "expires_in out of range".into()))?;
    // `refresh_in` asks for a refresh before expiry; keep the real expiry otherwise. The cache
    // refreshes `min_ttl` before `expiry`, so expressing refresh_in as an earlier expiry is
    // conservative.
    let expiry = match field("refresh_in", &r.refresh_in)? {
        Some(ri) if ri < life => now.checked_add_signed(ri).unwrap_or(expiry),
        _ => expiry,
    };
    Ok(TemporaryToken {
        token: Secret::new(token),
        expiry: Some(expiry),
    })
}

/// The OAuth2 error of a token-endpoint reply: RFC 6749 §5.2 `{"error","error_description"}`
/// or ArcGIS's `{"error":{"code","error","error_description","message"}}`. `None` when the
/// body holds no error.
pub fn oauth2_error(body: &[u8]) -> Option<(String, Option<String>)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    let text = |x: Option<&serde_json::Value>| -> Option<String> {
        x.and_then(|v| match v {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    match e {
        serde_json::Value::String(code) => Some((code.clone(), text(v.get("error_description")))),
        serde_json::Value::Object(o) => {
            let code = text(o.get("error"))
                .or_else(|| text(o.get("code")))
                .unwrap_or_else(|| "error".into());
            let desc = text(o.get("error_description")).or_else(|| text(o.get("message")));
            Some((code, desc))
        }
        _ => None,
    }
}

pub(super) fn token_error_parser(token_url: String) -> ErrorParser {
    Arc::new(move |provider, resp: &Response| {
        let call = format!("POST {token_url}");
        let oauth = oauth2_error(&resp.body);
        if resp.is_success() {
            // ArcGIS answers refusals with HTTP 200 and an error object.
            let (code, desc) = oauth?;
            return Some(Error::Unauthenticated {
                provider,
                call,
                message: describe(resp.status, &code, desc.as_deref()),
            });
        }
        Some(match resp.status {
            429 => Error::RateLimited {
                provider,
                call,
                retry_after: None,
                body: truncate_body(&resp.text(), 1024),
            },
            s if s >= 500 || s == 408 => Error::Status {
                provider,
                call,
                status: s,
                body: truncate_body(&resp.text(), 1024),
                request_id: None,
            },
            s => match oauth {
                Some((code, desc)) => Error::Unauthenticated {
                    provider,
                    call,
                    message: describe(s, &code, desc.as_deref()),
                },
                None if s == 401 || s == 403 => Error::Unauthenticated {
                    provider,
                    call,
                    message: format!(
                        "token request refused (HTTP {s}): {}",
                        truncate_body(&resp.text(), 512)
                    ),
                },
                None => Error::Status {
                    provider,
                    call,
                    status: s,
                    body: truncate_body(&resp.text(), 1024),
                    request_id: None,
                },
            },
        })
    })
}

fn describe(status: u16, code: &str, desc: Option<&str>) -> String {
    match desc {
        Some(d) => format!("OAuth2 error {code} (HTTP {status}): {d}"),
        None => format!("OAuth2 error {code} (HTTP {status})"),
    }
}

/// Replace the `call` of an error with `call` (token errors name the whole token URL; a
/// webhook error must not quote its secret path).
pub(crate) fn relabel_call(e: Error, call: &str) -> Error {
    let call = call.to_string();
    match e {
        Error::Transport {
            provider,
            message,
            timeout,
            connect,
            ..
        } => Error::Transport {
            provider,
            call,
            message,
            timeout,
            connect,
        },
        Error::RetriesExhausted {
            provider,
            attempts,
            last,
            ..
        } => Error::RetriesExhausted {
            provider,
            last: Box::new(relabel_call(*last, &call)),
            call,
            attempts,
        },
        Error::Status {
            provider,
            status,
            body,
            request_id,
            ..
        } => Error::Status {
            provider,
            call,
            status,
            body,
            request_id,
        },
        Error::RateLimited {
            provider,
            retry_after,
            body,
            ..
        } => Error::RateLimited {
            provider,
            call,
            retry_after,
            body,
        },
        Error::Unauthenticated {
            provider, message, ..
        } => Error::Unauthenticated {
            provider,
            call,
            message,
        },
        Error::PermissionDenied {
            provider, message, ..
        } => Error::PermissionDenied {
            provider,
            call,
            message,
        },
        Error::NotFound { provider, .. } => Error::NotFound { provider, call },
        Error::InvalidResponse {
            provider, message, ..
        } => Error::InvalidResponse {
            provider,
            call,
            message,
        },
        other => other,
    }
}
