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

mod drive;
mod upload;

use drive::*;
use upload::*;

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
