//! Upload sessions of the Graph emulator (`createUploadSession`, ranged PUTs in 320 KiB
//! multiples, expiry) and the pre-authenticated download URLs.

use super::*;

pub(super) fn parse_range(v: &str) -> Option<(u64, u64, u64)> {
    let r = v.trim().strip_prefix("bytes ")?;
    let (range, total) = r.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

/// `/upload/{session}`: the pre-authenticated upload URL.
pub(super) async fn upload(
    State(s): State<Shared>,
    AxPath(sid): AxPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut g = s.lock().unwrap_or_else(|e| e.into_inner());
    if headers.contains_key("authorization") {
        return err(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "The uploadUrl is pre-authenticated: do not send an Authorization header.",
        );
    }
    let q = query(&uri);
    let Some(sess) = g.sessions.get(&sid) else {
        return err(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            "The upload session was not found.",
        );
    };
    if q.get("tempauth") != Some(&sess.tempauth) {
        return err(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Invalid tempauth.",
        );
    }
    let exp = (g.cfg.clock.now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let ranges = |s: &Session| match s.total {
        Some(t) => vec![format!("{}-{}", s.data.len(), t.saturating_sub(1))],
        None => vec![format!("{}-", s.data.len())],
    };
    match method {
        Method::GET => ok_json(
            StatusCode::OK,
            json!({"expirationDateTime": exp, "nextExpectedRanges": ranges(sess)}),
        ),
        Method::DELETE => {
            g.sessions.remove(&sid);
            StatusCode::NO_CONTENT.into_response()
        }
        Method::PUT => {
            let Some((a, b, total)) = headers
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_range)
            else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "A valid Content-Range header is required.",
                );
            };
            if g.fail_uploads
                .as_deref()
                .is_some_and(|f| sess.name.contains(f))
            {
                return err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "generalException",
                    "An unspecified error occurred (injected).",
                );
            }
            let have = sess.data.len() as u64;
            if a != have {
                return err(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "invalidRange",
                    &format!("The fragment starts at byte {a}; the server expects byte {have}."),
                );
            }
            if b < a
                || b - a + 1 != body.len() as u64
                || b >= total
                || sess.total.is_some_and(|t| t != total)
            {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "Content-Range does not match the body or the file size.",
                );
            }
            if body.len() > 60 * 1024 * 1024 {
                return err(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "requestTooLarge",
                    "Fragments must be smaller than 60 MiB.",
                );
            }
            let last = b + 1 == total;
            if !last && !body.len().is_multiple_of(UNIT) {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "Fragment size must be a multiple of 320 KiB (327,680 bytes).",
                );
            }
            g.fragments.push(body.len());
            let Some(sess) = g.sessions.get_mut(&sid) else {
                return err(StatusCode::NOT_FOUND, "itemNotFound", "gone");
            };
            sess.total = Some(total);
            sess.data.extend_from_slice(&body);
            if !last {
                let r = ranges(sess);
                return ok_json(
                    StatusCode::ACCEPTED,
                    json!({"expirationDateTime": exp, "nextExpectedRanges": r}),
                );
            }
            let Some(sess) = g.sessions.remove(&sid) else {
                return err(StatusCode::NOT_FOUND, "itemNotFound", "gone");
            };
            store_file(
                &mut g,
                &sess.drive,
                &sess.parent,
                &sess.name,
                &sess.conflict,
                sess.data,
            )
        }
        _ => err(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalidRequest",
            "PUT, GET or DELETE",
        ),
    }
}

/// `/download/{key}`: the pre-authenticated download URL a content request redirects to.
pub(super) async fn download(State(s): State<Shared>, AxPath(key): AxPath<String>) -> Response {
    let g = s.lock().unwrap_or_else(|e| e.into_inner());
    let Some((drive, id)) = g.downloads.get(&key) else {
        return err(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            "download link expired",
        );
    };
    match g.drive(drive).and_then(|d| d.items.get(id)) {
        Some(i) => (
            StatusCode::OK,
            [("content-type", "application/octet-stream")],
            i.content.clone(),
        )
            .into_response(),
        None => err(StatusCode::NOT_FOUND, "itemNotFound", "gone"),
    }
}
