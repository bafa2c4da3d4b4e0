//! A loopback emulator (feature `emulator`) of the Entra ID token endpoint and of the
//! Microsoft Graph drive API that [`GraphClient`](super::GraphClient) uses, on
//! [`finops_core::emulator::EmulatorServer`] (so its fault injection applies).
//!
//! - `POST /{tenant}/oauth2/v2.0/token`: the shared Entra ID token endpoint
//!   ([`crate::emulator::entra`]) serving the Graph `/.default` scope.
//! - `/v1.0/...`: every call needs `Authorization: Bearer` with a token it issued that has not
//!   expired by the injected clock (401 `InvalidAuthenticationToken` otherwise). One site
//!   (`contoso.sharepoint.com/sites/FinOps`, libraries `Documents` (default) and `Archive`)
//!   and one OneDrive. Items by path (`root:/a/b`) or id; children with `@odata.nextLink`
//!   paging; folder creation (`nameAlreadyExists` 409); simple upload (refused over 4 MiB, so
//!   clients must use sessions); upload sessions whose `uploadUrl` refuses `Authorization`,
//!   checks `Content-Range`, refuses fragments that are not a multiple of 320 KiB (but the
//!   last), answers 416 to a fragment already received and reports `nextExpectedRanges`;
//!   rename with `@microsoft.graph.conflictBehavior`; delete; download through a 302 to a
//!   pre-authenticated URL.
//! - Test controls: seed and read files, fail every upload whose name contains a string,
//!   revoke tokens, count token requests and record fragment sizes.

use super::client::DriveLocation;
use crate::credential::{EntraCredential, GRAPH_SCOPE};
use crate::emulator::entra::{BearerRejection, EntraDirectory};
use finops_core::clock::SharedClock;
use finops_core::emulator::axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path as AxPath, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use finops_core::emulator::{EmulatorServer, Faults};
use finops_core::{Result, Secret};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub use crate::emulator::entra::{CLIENT_ID, CLIENT_SECRET, TENANT_DOMAIN, TENANT_ID};
/// SharePoint host.
pub const HOSTNAME: &str = "contoso.sharepoint.com";
/// Site path.
pub const SITE_PATH: &str = "/sites/FinOps";
/// Site id.
pub const SITE_ID: &str = "contoso.sharepoint.com,2c1b7a8e-0000-4000-8000-000000000001,7d3f5b9c-0000-4000-8000-000000000002";
/// The user whose OneDrive exists.
pub const USER: &str = "finops@contoso.onmicrosoft.com";
/// Fragment unit of upload sessions.
const UNIT: usize = 320 * 1024;

/// Emulator set-up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GraphEmulatorConfig {
    /// Clock deciding token expiry.
    pub clock: SharedClock,
    /// Token lifetime in seconds (Entra: about an hour).
    pub token_lifetime_secs: i64,
    /// Children per page.
    pub page_size: usize,
    /// Largest simple upload (`PUT …:/content`).
    pub simple_upload_limit: usize,
}

impl Default for GraphEmulatorConfig {
    fn default() -> Self {
        GraphEmulatorConfig {
            clock: finops_core::clock::system(),
            token_lifetime_secs: 3599,
            page_size: 5,
            simple_upload_limit: 4 * 1024 * 1024,
        }
    }
}

impl GraphEmulatorConfig {
    /// Token-expiry clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

#[derive(Debug, Clone)]
struct Item {
    id: String,
    name: String,
    parent: Option<String>,
    folder: bool,
    content: Vec<u8>,
    version: u32,
}

#[derive(Debug)]
struct DriveState {
    id: String,
    name: String,
    kind: &'static str,
    root: String,
    items: BTreeMap<String, Item>,
}

#[derive(Debug)]
struct Session {
    drive: String,
    parent: String,
    name: String,
    conflict: String,
    total: Option<u64>,
    data: Vec<u8>,
    tempauth: String,
}

#[derive(Debug)]
struct Emu {
    cfg: GraphEmulatorConfig,
    base: String,
    entra: EntraDirectory,
    drives: Vec<DriveState>,
    sessions: HashMap<String, Session>,
    downloads: HashMap<String, (String, String)>,
    next: u64,
    fail_uploads: Option<String>,
    fragments: Vec<usize>,
}

type Shared = Arc<Mutex<Emu>>;

fn err(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json"), ("request-id", "emu-request-0001")],
        json!({"error": {"code": code, "message": message, "innerError": {"request-id": "emu-request-0001"}}}).to_string(),
    )
        .into_response()
}

fn ok_json(status: StatusCode, v: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        v.to_string(),
    )
        .into_response()
}

impl Emu {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:08X}", self.next.wrapping_mul(0x9E37_79B9))
    }

    fn drive(&self, id: &str) -> Option<&DriveState> {
        self.drives.iter().find(|d| d.id == id)
    }

    fn drive_mut(&mut self, id: &str) -> Option<&mut DriveState> {
        self.drives.iter_mut().find(|d| d.id == id)
    }

    fn item_json(&self, drive: &str, i: &Item) -> Value {
        let mut v = json!({
            "id": i.id,
            "name": i.name,
            "eTag": format!("\"{{{}}},{}\"", i.id, i.version),
            "size": if i.folder { 0 } else { i.content.len() },
            "parentReference": {"driveId": drive, "id": i.parent},
        });
        if i.folder {
            let n = self
                .drive(drive)
                .map(|d| {
                    d.items
                        .values()
                        .filter(|c| c.parent.as_deref() == Some(i.id.as_str()))
                        .count()
                })
                .unwrap_or(0);
            v["folder"] = json!({"childCount": n});
        } else {
            v["file"] = json!({"mimeType": "application/octet-stream"});
        }
        v
    }
}

impl DriveState {
    fn child(&self, parent: &str, name: &str) -> Option<&Item> {
        self.items
            .values()
            .find(|i| i.parent.as_deref() == Some(parent) && i.name.eq_ignore_ascii_case(name))
    }

    fn by_path(&self, path: &[String]) -> Option<&Item> {
        let mut cur = self.items.get(&self.root)?;
        for s in path {
            cur = self.child(&cur.id.clone(), s)?;
        }
        Some(cur)
    }

    fn remove_tree(&mut self, id: &str) {
        let kids: Vec<String> = self
            .items
            .values()
            .filter(|i| i.parent.as_deref() == Some(id))
            .map(|i| i.id.clone())
            .collect();
        for k in kids {
            self.remove_tree(&k);
        }
        self.items.remove(id);
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn query(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// Check the bearer token; `Err(401 response)` when missing, unknown or expired.
fn check_auth(emu: &Emu, headers: &HeaderMap) -> std::result::Result<(), Box<Response>> {
    let message = match emu.entra.check_bearer(headers, Some(GRAPH_SCOPE)) {
        Ok(()) => return Ok(()),
        Err(BearerRejection::Missing) => "Access token is empty.",
        Err(BearerRejection::Expired) => "Lifetime validation failed, the token is expired.",
        Err(BearerRejection::WrongAudience) => "Invalid audience.",
        Err(BearerRejection::Unknown) => "IDX14100: JWT is not well formed.",
    };
    Err(Box::new(err(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        message,
    )))
}

/// `/v1.0/...`
async fn graph(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut g = s.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(r) = check_auth(&g, &headers) {
        return *r;
    }
    let rest = uri.path().trim_start_matches("/v1.0/");
    let segs: Vec<String> = rest.split('/').map(decode).collect();
    let q = query(&uri);
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["sites", host_colon, path @ ..] if host_colon.ends_with(':') && method == Method::GET => {
            let host = host_colon.trim_end_matches(':');
            let p = format!("/{}", path.join("/"));
            if host.eq_ignore_ascii_case(HOSTNAME) && p.eq_ignore_ascii_case(SITE_PATH) {
                ok_json(
                    StatusCode::OK,
                    json!({"id": SITE_ID, "displayName": "FinOps", "webUrl": format!("https://{HOSTNAME}{SITE_PATH}")}),
                )
            } else {
                err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "Requested site could not be found",
                )
            }
        }
        ["sites", site, "drive"] if *site == SITE_ID => {
            let d = &g.drives[0];
            ok_json(
                StatusCode::OK,
                json!({"id": d.id, "name": d.name, "driveType": d.kind}),
            )
        }
        ["sites", site, "drives"] if *site == SITE_ID => {
            let v: Vec<Value> = g
                .drives
                .iter()
                .filter(|d| d.kind == "documentLibrary")
                .map(|d| json!({"id": d.id, "name": d.name, "driveType": d.kind}))
                .collect();
            ok_json(StatusCode::OK, json!({"value": v}))
        }
        ["users", user, "drive"] if user.eq_ignore_ascii_case(USER) => {
            let d = g.drives.iter().find(|d| d.kind == "business");
            match d {
                Some(d) => ok_json(
                    StatusCode::OK,
                    json!({"id": d.id, "name": d.name, "driveType": d.kind}),
                ),
                None => err(StatusCode::NOT_FOUND, "itemNotFound", "drive not found"),
            }
        }
        ["drives", drive, tail @ ..] => {
            let drive = drive.to_string();
            if g.drive(&drive).is_none() {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The resource could not be found.",
                );
            }
            // Address: root, root:/path[:], or items/{id}; then an optional operation.
            let (target, op): (Target, Vec<String>) = match tail {
                ["root"] => (Target::Path(vec![]), vec![]),
                ["root", op @ ..] => (
                    Target::Path(vec![]),
                    op.iter().map(|x| x.to_string()).collect(),
                ),
                ["root:", after @ ..] => {
                    let end = after.iter().position(|x| x.ends_with(':'));
                    match end {
                        Some(i) => (
                            Target::Path(
                                after[..=i]
                                    .iter()
                                    .map(|x| x.trim_end_matches(':').to_string())
                                    .collect(),
                            ),
                            after[i + 1..].iter().map(|x| x.to_string()).collect(),
                        ),
                        None => (
                            Target::Path(after.iter().map(|x| x.to_string()).collect()),
                            vec![],
                        ),
                    }
                }
                ["items", id, op @ ..] => (
                    Target::Id(id.to_string()),
                    op.iter().map(|x| x.to_string()).collect(),
                ),
                _ => return err(StatusCode::BAD_REQUEST, "invalidRequest", "Invalid request"),
            };
            let op: Vec<&str> = op.iter().map(String::as_str).collect();
            drive_op(&mut g, &drive, target, &op, &method, &uri, &q, &body)
        }
        _ => err(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                s.first().unwrap_or(&"")
            ),
        ),
    }
}

#[derive(Debug, Clone)]
enum Target {
    Path(Vec<String>),
    Id(String),
}

#[allow(clippy::too_many_arguments)]
fn drive_op(
    g: &mut Emu,
    drive: &str,
    target: Target,
    op: &[&str],
    method: &Method,
    uri: &Uri,
    q: &HashMap<String, String>,
    body: &Bytes,
) -> Response {
    let Some(d) = g.drive(drive) else {
        return err(StatusCode::NOT_FOUND, "itemNotFound", "drive not found");
    };
    let found = match &target {
        Target::Path(p) => d.by_path(p).cloned(),
        Target::Id(id) => d.items.get(id).cloned(),
    };
    match (method.clone(), op) {
        (Method::GET, []) => match found {
            Some(i) => ok_json(StatusCode::OK, g.item_json(drive, &i)),
            None => err(
                StatusCode::NOT_FOUND,
                "itemNotFound",
                "The resource could not be found.",
            ),
        },
        (Method::GET, ["children"]) => {
            let Some(i) = found.filter(|i| i.folder) else {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The resource could not be found.",
                );
            };
            let mut kids: Vec<Item> = d
                .items
                .values()
                .filter(|c| c.parent.as_deref() == Some(i.id.as_str()))
                .cloned()
                .collect();
            kids.sort_by_key(|a| a.name.to_lowercase());
            let skip: usize = q
                .get("$skiptoken")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let page = g.cfg.page_size.max(1);
            let value: Vec<Value> = kids
                .iter()
                .skip(skip)
                .take(page)
                .map(|k| g.item_json(drive, k))
                .collect();
            let mut v = json!({"value": value});
            if skip + page < kids.len() {
                v["@odata.nextLink"] = json!(format!(
                    "{}{}?$skiptoken={}",
                    g.base,
                    uri.path(),
                    skip + page
                ));
            }
            ok_json(StatusCode::OK, v)
        }
        (Method::POST, ["children"]) => {
            let Some(parent) = found.filter(|i| i.folder) else {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The parent folder could not be found.",
                );
            };
            let Ok(v) = serde_json::from_slice::<Value>(body) else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "Invalid JSON body",
                );
            };
            let Some(name) = v
                .get("name")
                .and_then(|n| n.as_str())
                .filter(|n| valid_name(n))
            else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "A valid name is required",
                );
            };
            if v.get("folder").is_none() {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "Only folders can be created here",
                );
            }
            let behavior = v
                .get("@microsoft.graph.conflictBehavior")
                .and_then(|b| b.as_str())
                .unwrap_or("fail");
            if let Some(existing) = d.child(&parent.id, name).cloned() {
                if behavior == "fail" {
                    return err(
                        StatusCode::CONFLICT,
                        "nameAlreadyExists",
                        "The specified item name already exists.",
                    );
                }
                return ok_json(StatusCode::OK, g.item_json(drive, &existing));
            }
            let id = g.id("FLD");
            let item = Item {
                id: id.clone(),
                name: name.to_string(),
                parent: Some(parent.id.clone()),
                folder: true,
                content: vec![],
                version: 1,
            };
            if let Some(dm) = g.drive_mut(drive) {
                dm.items.insert(id, item.clone());
            }
            ok_json(StatusCode::CREATED, g.item_json(drive, &item))
        }
        (Method::PUT, ["content"]) => {
            let Target::Path(path) = target else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "upload by path only in this emulator",
                );
            };
            if body.len() > g.cfg.simple_upload_limit {
                return err(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "requestTooLarge",
                    "Simple upload is limited to 4 MiB; use an upload session",
                );
            }
            let Some(name) = path.last().cloned() else {
                return err(StatusCode::BAD_REQUEST, "invalidRequest", "no file name");
            };
            if g.fail_uploads.as_deref().is_some_and(|f| name.contains(f)) {
                return err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "generalException",
                    "An unspecified error occurred (injected).",
                );
            }
            let behavior = q
                .get("@microsoft.graph.conflictBehavior")
                .map(String::as_str)
                .unwrap_or("replace")
                .to_string();
            let parent = match ensure_parents(g, drive, &path[..path.len() - 1]) {
                Ok(p) => p,
                Err(r) => return *r,
            };
            store_file(g, drive, &parent, &name, &behavior, body.to_vec())
        }
        (Method::POST, ["createUploadSession"]) => {
            let Target::Path(path) = target else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "upload by path only in this emulator",
                );
            };
            let Some(name) = path.last().cloned().filter(|n| valid_name(n)) else {
                return err(StatusCode::BAD_REQUEST, "invalidRequest", "no file name");
            };
            let v: Value = serde_json::from_slice(body).unwrap_or(json!({}));
            let behavior = v
                .pointer("/item/@microsoft.graph.conflictBehavior")
                .and_then(|b| b.as_str())
                .unwrap_or("fail")
                .to_string();
            let parent = match ensure_parents(g, drive, &path[..path.len() - 1]) {
                Ok(p) => p,
                Err(r) => return *r,
            };
            let sid = g.id("SES");
            let tempauth = g.id("ta");
            g.sessions.insert(
                sid.clone(),
                Session {
                    drive: drive.to_string(),
                    parent,
                    name,
                    conflict: behavior,
                    total: None,
                    data: vec![],
                    tempauth: tempauth.clone(),
                },
            );
            let exp = (g.cfg.clock.now() + chrono::Duration::hours(1))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            ok_json(
                StatusCode::OK,
                json!({
                    "uploadUrl": format!("{}/upload/{sid}?tempauth={tempauth}", g.base),
                    "expirationDateTime": exp,
                    "nextExpectedRanges": ["0-"],
                }),
            )
        }
        (Method::GET, ["content"]) => match found {
            Some(i) if !i.folder => {
                let key = g.id("dl");
                g.downloads
                    .insert(key.clone(), (drive.to_string(), i.id.clone()));
                (
                    StatusCode::FOUND,
                    [("location", format!("{}/download/{key}", g.base))],
                    "",
                )
                    .into_response()
            }
            Some(_) => err(
                StatusCode::BAD_REQUEST,
                "invalidRequest",
                "A folder has no content",
            ),
            None => err(
                StatusCode::NOT_FOUND,
                "itemNotFound",
                "The resource could not be found.",
            ),
        },
        (Method::PATCH, []) => {
            let Some(item) = found else {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The resource could not be found.",
                );
            };
            let Some(name) = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("name")?.as_str().map(str::to_string))
                .filter(|n| valid_name(n))
            else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "A valid name is required",
                );
            };
            let behavior = q
                .get("@microsoft.graph.conflictBehavior")
                .map(String::as_str)
                .unwrap_or("fail");
            let parent = item.parent.clone().unwrap_or_default();
            let clash = d.child(&parent, &name).filter(|c| c.id != item.id).cloned();
            let Some(dm) = g.drive_mut(drive) else {
                return err(StatusCode::NOT_FOUND, "itemNotFound", "drive not found");
            };
            if let Some(c) = clash {
                if behavior != "replace" || c.folder {
                    return err(
                        StatusCode::CONFLICT,
                        "nameAlreadyExists",
                        "The specified item name already exists.",
                    );
                }
                dm.remove_tree(&c.id);
            }
            let updated = match dm.items.get_mut(&item.id) {
                Some(i) => {
                    i.name = name;
                    i.version += 1;
                    i.clone()
                }
                None => return err(StatusCode::NOT_FOUND, "itemNotFound", "gone"),
            };
            ok_json(StatusCode::OK, g.item_json(drive, &updated))
        }
        (Method::DELETE, []) => {
            let Some(item) = found else {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The resource could not be found.",
                );
            };
            if item.parent.is_none() {
                return err(
                    StatusCode::FORBIDDEN,
                    "accessDenied",
                    "The root cannot be deleted.",
                );
            }
            if let Some(dm) = g.drive_mut(drive) {
                dm.remove_tree(&item.id);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        _ => err(
            StatusCode::BAD_REQUEST,
            "invalidRequest",
            "Unsupported operation in the emulator",
        ),
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && !n.starts_with("~$")
        && !n
            .chars()
            .any(|c| matches!(c, '"' | '*' | ':' | '<' | '>' | '?' | '/' | '\\' | '|'))
}

/// Folders on the way to a path (created when missing, as uploads by path do); the parent id.
fn ensure_parents(
    g: &mut Emu,
    drive: &str,
    path: &[String],
) -> std::result::Result<String, Box<Response>> {
    let mut cur = g.drive(drive).map(|d| d.root.clone()).unwrap_or_default();
    for s in path {
        let existing = g.drive(drive).and_then(|d| d.child(&cur, s).cloned());
        cur = match existing {
            Some(i) if i.folder => i.id,
            Some(_) => {
                return Err(Box::new(err(
                    StatusCode::CONFLICT,
                    "nameAlreadyExists",
                    "A file is in the way of the folder path",
                )));
            }
            None => {
                let id = g.id("FLD");
                if let Some(dm) = g.drive_mut(drive) {
                    dm.items.insert(
                        id.clone(),
                        Item {
                            id: id.clone(),
                            name: s.clone(),
                            parent: Some(cur.clone()),
                            folder: true,
                            content: vec![],
                            version: 1,
                        },
                    );
                }
                id
            }
        };
    }
    Ok(cur)
}

fn store_file(
    g: &mut Emu,
    drive: &str,
    parent: &str,
    name: &str,
    behavior: &str,
    content: Vec<u8>,
) -> Response {
    let existing = g.drive(drive).and_then(|d| d.child(parent, name).cloned());
    let (status, item) = match existing {
        Some(e) if e.folder => {
            return err(
                StatusCode::CONFLICT,
                "nameAlreadyExists",
                "A folder has that name",
            );
        }
        Some(_) if behavior == "fail" => {
            return err(
                StatusCode::CONFLICT,
                "nameAlreadyExists",
                "The specified item name already exists.",
            );
        }
        Some(mut e) => {
            e.content = content;
            e.version += 1;
            (StatusCode::OK, e)
        }
        None => {
            let id = g.id("FIL");
            (
                StatusCode::CREATED,
                Item {
                    id,
                    name: name.to_string(),
                    parent: Some(parent.to_string()),
                    folder: false,
                    content,
                    version: 1,
                },
            )
        }
    };
    if let Some(dm) = g.drive_mut(drive) {
        dm.items.insert(item.id.clone(), item.clone());
    }
    ok_json(status, g.item_json(drive, &item))
}

fn parse_range(v: &str) -> Option<(u64, u64, u64)> {
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
async fn upload(
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
async fn download(State(s): State<Shared>, AxPath(key): AxPath<String>) -> Response {
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

/// A running Graph + Entra emulator.
#[derive(Debug)]
pub struct GraphEmulator {
    server: EmulatorServer,
    state: Shared,
}

fn new_drive(id: &str, name: &str, kind: &'static str) -> DriveState {
    let root = format!("{id}-root");
    let mut items = BTreeMap::new();
    items.insert(
        root.clone(),
        Item {
            id: root.clone(),
            name: "root".into(),
            parent: None,
            folder: true,
            content: vec![],
            version: 1,
        },
    );
    DriveState {
        id: id.into(),
        name: name.into(),
        kind,
        root,
        items,
    }
}

impl GraphEmulator {
    /// Start on `127.0.0.1:0`.
    pub async fn start(cfg: GraphEmulatorConfig) -> Result<Self> {
        let entra = EntraDirectory::new(cfg.clock.clone(), cfg.token_lifetime_secs, &[GRAPH_SCOPE]);
        let state: Shared = Arc::new(Mutex::new(Emu {
            cfg,
            base: String::new(),
            entra: entra.clone(),
            drives: vec![
                new_drive("b!docs-0001", "Documents", "documentLibrary"),
                new_drive("b!arch-0002", "Archive", "documentLibrary"),
                new_drive("b!onedrive-0003", "OneDrive", "business"),
            ],
            sessions: HashMap::new(),
            downloads: HashMap::new(),
            next: 0,
            fail_uploads: None,
            fragments: Vec::new(),
        }));
        let router = Router::new()
            .route("/v1.0/{*rest}", any(graph))
            .route("/upload/{sid}", any(upload))
            .route("/download/{key}", get(download))
            // Graph takes fragments up to 60 MiB; the emulator answers 413 itself above that.
            .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(state.clone())
            .merge(entra.router());
        let server = EmulatorServer::start(router).await?;
        state.lock().unwrap_or_else(|e| e.into_inner()).base = server.url();
        Ok(GraphEmulator { server, state })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Emu> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The Graph endpoint (`…/v1.0`).
    pub fn graph_endpoint(&self) -> String {
        format!("{}/v1.0", self.server.url())
    }

    /// The app credential the emulator accepts, pointed at its token endpoint.
    pub fn credential(&self) -> Result<EntraCredential> {
        EntraCredential::new(TENANT_ID, CLIENT_ID, Secret::new(CLIENT_SECRET))?
            .with_authority(&self.url())
    }

    /// The site's default library.
    pub fn site_drive() -> DriveLocation {
        DriveLocation::Site {
            hostname: HOSTNAME.into(),
            path: SITE_PATH.into(),
            library: None,
        }
    }

    /// The fault injector of the server.
    pub fn faults(&self) -> &Faults {
        self.server.faults()
    }

    fn drive_index(&self, library: &str) -> usize {
        self.lock()
            .drives
            .iter()
            .position(|d| d.name.eq_ignore_ascii_case(library))
            .unwrap_or(0)
    }

    /// Put a file at `path` of `library` (folders created).
    pub fn put_file(&self, library: &str, path: &str, content: &[u8]) {
        let i = self.drive_index(library);
        let mut g = self.lock();
        let drive = g.drives[i].id.clone();
        let parts: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if let Some((name, dirs)) = parts.split_last()
            && let Ok(parent) = ensure_parents(&mut g, &drive, dirs)
        {
            let _ = store_file(&mut g, &drive, &parent, name, "replace", content.to_vec());
        }
    }

    /// The content of the file at `path` of `library`.
    pub fn file(&self, library: &str, path: &str) -> Option<Vec<u8>> {
        let i = self.drive_index(library);
        let g = self.lock();
        let parts: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        g.drives[i]
            .by_path(&parts)
            .filter(|i| !i.folder)
            .map(|i| i.content.clone())
    }

    /// Names in the folder `path` of `library` (`None`: no such folder).
    pub fn list(&self, library: &str, path: &str) -> Option<Vec<String>> {
        let i = self.drive_index(library);
        let g = self.lock();
        let d = &g.drives[i];
        let parts: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let f = d.by_path(&parts).filter(|i| i.folder)?;
        let mut names: Vec<String> = d
            .items
            .values()
            .filter(|c| c.parent.as_deref() == Some(f.id.as_str()))
            .map(|c| c.name.clone())
            .collect();
        names.sort();
        Some(names)
    }

    /// Fail every upload (simple or session fragment) whose file name contains `pattern`.
    pub fn fail_uploads_matching(&self, pattern: Option<&str>) {
        self.lock().fail_uploads = pattern.map(str::to_string);
    }

    /// Sizes of the upload-session fragments received, in order.
    pub fn fragments(&self) -> Vec<usize> {
        self.lock().fragments.clone()
    }

    /// Token requests received.
    pub fn token_requests(&self) -> u32 {
        self.lock().entra.token_requests()
    }

    /// Forget every issued token (the next Graph call gets 401).
    pub fn revoke_tokens(&self) {
        self.lock().entra.revoke_tokens();
    }

    /// Upload sessions still open.
    pub fn open_sessions(&self) -> usize {
        self.lock().sessions.len()
    }
}
