//! [`GraphClient`]: the Microsoft Graph drive calls (sites, drives, items, uploads, downloads).

use super::error::GraphError;
use super::model::{Drive, DriveItem, Page, Site, UploadSession};
use crate::credential::{EntraCredential, GRAPH_SCOPE};
use finops_core::clock::SharedClock;
use finops_core::error::truncate_body;
use finops_core::http::oauth2::{TokenProvider, send_with_renewal};
use finops_core::http::{HttpClient, Method, RequestParts, Response, RetryConfig, Url};
use finops_core::{Error, Result};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Provider label of Graph calls in errors and logs.
pub const GRAPH_PROVIDER: &str = "msgraph";
/// The public cloud's Graph endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://graph.microsoft.com/v1.0";
/// Files up to this size go in one `PUT …:/content`; bigger ones through an upload session.
pub const SIMPLE_UPLOAD_LIMIT: u64 = 4 * 1024 * 1024;
/// Upload-session fragments (except the last) are a multiple of 320 KiB.
pub const FRAGMENT_UNIT: u64 = 320 * 1024;
/// Largest fragment Graph takes in one request (less than 60 MiB).
pub const MAX_FRAGMENT: u64 = 60 * 1024 * 1024 - FRAGMENT_UNIT;

/// Which drive (document library or OneDrive) to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriveLocation {
    /// A SharePoint site's library: `hostname` (`contoso.sharepoint.com`), server-relative
    /// `path` (`/sites/FinOps`), and the library name (`None`: the site's default library).
    Site {
        /// Host name.
        hostname: String,
        /// Server-relative path of the site.
        path: String,
        /// Library display name.
        library: Option<String>,
    },
    /// A user's OneDrive (user id or principal name).
    User(String),
    /// A drive id.
    Id(String),
}

impl DriveLocation {
    /// From a site URL (`https://contoso.sharepoint.com/sites/FinOps`) and a library name.
    pub fn from_site_url(site_url: &str, library: Option<&str>) -> Result<Self> {
        let u = Url::parse(site_url).map_err(|e| GraphError::BadSiteUrl {
            url: site_url.to_string(),
            reason: e.to_string(),
        })?;
        let hostname = u.host_str().unwrap_or("").to_string();
        if hostname.is_empty() {
            return Err(GraphError::BadSiteUrl {
                url: site_url.to_string(),
                reason: "no host".into(),
            }
            .into());
        }
        Ok(DriveLocation::Site {
            hostname,
            path: u.path().trim_end_matches('/').to_string(),
            library: library.map(str::to_string),
        })
    }
}

/// Maps a Graph response to an error: the `{"error":{"code","message"}}` body, the
/// `request-id` header; 401 → `Unauthenticated` (the token is then renewed once), 403 →
/// `PermissionDenied`, 404 → `NotFound`, 429 → `RateLimited` (with `Retry-After`), 5xx →
/// retryable `Status`.
pub fn parse_error(provider: &'static str, resp: &Response) -> Option<Error> {
    if resp.is_success() || (300..400).contains(&resp.status) {
        return None;
    }
    let v: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let detail = v
        .as_ref()
        .and_then(|v| v.get("error"))
        .map(|e| {
            format!(
                "{}: {}",
                e.get("code").and_then(|c| c.as_str()).unwrap_or("error"),
                e.get("message").and_then(|c| c.as_str()).unwrap_or("")
            )
        })
        .unwrap_or_else(|| truncate_body(&resp.text(), 1024));
    let call = resp.call.clone();
    Some(match resp.status {
        401 => Error::Unauthenticated {
            provider,
            call,
            message: detail,
        },
        403 => Error::PermissionDenied {
            provider,
            call,
            message: detail,
        },
        404 => Error::NotFound { provider, call },
        429 => Error::RateLimited {
            provider,
            call,
            retry_after: None,
            body: detail,
        },
        status => Error::Status {
            provider,
            call,
            status,
            body: detail,
            request_id: resp.header("request-id").map(str::to_string),
        },
    })
}

/// Builder of [`GraphClient`].
pub struct GraphBuilder {
    endpoint: String,
    token: Option<Arc<dyn TokenProvider>>,
    credential: Option<EntraCredential>,
    clock: SharedClock,
    retry: RetryConfig,
    fragment: u64,
}

impl std::fmt::Debug for GraphBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphBuilder")
            .field("endpoint", &self.endpoint)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl GraphBuilder {
    /// Authenticate with an Entra app credential (scope `https://graph.microsoft.com/.default`).
    pub fn with_credential(mut self, credential: EntraCredential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Authenticate with any token provider (a token obtained elsewhere, tests).
    pub fn with_token_provider(mut self, token: Arc<dyn TokenProvider>) -> Self {
        self.token = Some(token);
        self
    }

    /// Another Graph endpoint (national clouds, the emulator).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }

    /// The clock (token expiry, `Retry-After` dates).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The retry policy of every call (the token calls included).
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Upload-session fragment size: rounded down to a multiple of 320 KiB, between 320 KiB
    /// and just under 60 MiB (default 10 MiB, as the Graph SDKs' large-file task uses).
    pub fn with_fragment_size(mut self, bytes: u64) -> Self {
        self.fragment = (bytes / FRAGMENT_UNIT * FRAGMENT_UNIT).clamp(FRAGMENT_UNIT, MAX_FRAGMENT);
        self
    }

    /// Build the client.
    pub fn build(self) -> Result<GraphClient> {
        let base = Url::parse(self.endpoint.trim_end_matches('/'))
            .map_err(|e| Error::config(format!("Graph endpoint {:?}: {e}", self.endpoint)))?;
        let redact = self
            .credential
            .as_ref()
            .map(|c| c.secrets())
            .unwrap_or_default();
        let token: Arc<dyn TokenProvider> = match (self.token, &self.credential) {
            (Some(t), _) => t,
            (None, Some(c)) => Arc::new(
                c.token_provider(
                    GRAPH_SCOPE,
                    HttpClient::builder(crate::PROVIDER)
                        .with_clock(self.clock.clone())
                        .with_retry(self.retry.clone()),
                )?,
            ),
            (None, None) => {
                return Err(Error::config(
                    "Graph client: no credential (with_credential or with_token_provider)",
                ));
            }
        };
        let http = HttpClient::builder(GRAPH_PROVIDER)
            .with_clock(self.clock)
            .with_retry(self.retry)
            .with_error_parser(Arc::new(parse_error))
            .with_redactions(redact)
            .build()?;
        Ok(GraphClient {
            http,
            token,
            base,
            fragment: self.fragment,
        })
    }
}

/// A Microsoft Graph client for drives (SharePoint document libraries and OneDrive).
///
/// Every call carries a bearer token (renewed once on 401) except the upload-session
/// fragment `PUT`s, which go to the pre-authenticated `uploadUrl` without `Authorization`
/// (Graph answers 401 when it is sent).
#[derive(Clone)]
pub struct GraphClient {
    http: HttpClient,
    token: Arc<dyn TokenProvider>,
    base: Url,
    fragment: u64,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("base", &self.base.as_str())
            .field("fragment", &self.fragment)
            .finish_non_exhaustive()
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

impl GraphClient {
    /// A builder (public cloud endpoint, system clock, default retry policy).
    pub fn builder() -> GraphBuilder {
        GraphBuilder {
            endpoint: DEFAULT_ENDPOINT.into(),
            token: None,
            credential: None,
            clock: finops_core::clock::system(),
            retry: RetryConfig::default(),
            fragment: 32 * FRAGMENT_UNIT,
        }
    }

    /// The upload-session fragment size.
    pub fn fragment_size(&self) -> u64 {
        self.fragment
    }

    fn url(&self, segs: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let mut u = self.base.clone();
        u.path_segments_mut()
            .map_err(|_| Error::config(format!("Graph endpoint {} cannot be a base", self.base)))?
            .pop_if_empty()
            .extend(segs);
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        Ok(u)
    }

    /// `/drives/{drive}/root` or `/drives/{drive}/root:/a/b[:/op]`.
    fn path_url(
        &self,
        drive: &str,
        path: &str,
        op: Option<&str>,
        query: &[(&str, &str)],
    ) -> Result<Url> {
        let parts: Vec<&str> = segments(path).collect();
        let mut segs: Vec<String> = vec!["drives".into(), drive.into()];
        if parts.is_empty() {
            segs.push("root".into());
        } else {
            segs.push("root:".into());
            let n = parts.len();
            for (i, p) in parts.iter().enumerate() {
                if i + 1 == n && op.is_some() {
                    segs.push(format!("{p}:"));
                } else {
                    segs.push((*p).to_string());
                }
            }
        }
        if let Some(op) = op {
            segs.push(op.into());
        }
        let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
        self.url(&refs, query)
    }

    async fn call(&self, req: RequestParts) -> Result<Response> {
        send_with_renewal(&self.http, self.token.as_ref(), req).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T> {
        let r = self.call(RequestParts::new(Method::GET, url)).await?;
        r.json(GRAPH_PROVIDER)
    }

    /// `GET /sites/{hostname}:/{path}`.
    pub async fn site_by_path(&self, hostname: &str, path: &str) -> Result<Site> {
        let parts: Vec<&str> = segments(path).collect();
        let mut segs = vec!["sites".to_string()];
        if parts.is_empty() {
            segs.push(hostname.to_string());
        } else {
            segs.push(format!("{hostname}:"));
            segs.extend(parts.iter().map(|s| s.to_string()));
        }
        let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
        self.get_json(self.url(&refs, &[])?).await
    }

    /// `GET /sites/{site}/drive` (the default document library).
    pub async fn site_default_drive(&self, site_id: &str) -> Result<Drive> {
        self.get_json(self.url(&["sites", site_id, "drive"], &[])?)
            .await
    }

    /// `GET /sites/{site}/drives`.
    pub async fn site_drives(&self, site_id: &str) -> Result<Vec<Drive>> {
        let page: Page<Drive> = self
            .get_json(self.url(&["sites", site_id, "drives"], &[])?)
            .await?;
        Ok(page.value)
    }

    /// `GET /users/{user}/drive`.
    pub async fn user_drive(&self, user: &str) -> Result<Drive> {
        self.get_json(self.url(&["users", user, "drive"], &[])?)
            .await
    }

    /// The drive id of `loc`.
    pub async fn resolve_drive(&self, loc: &DriveLocation) -> Result<String> {
        match loc {
            DriveLocation::Id(id) => Ok(id.clone()),
            DriveLocation::User(u) => Ok(self.user_drive(u).await?.id),
            DriveLocation::Site {
                hostname,
                path,
                library,
            } => {
                let site = self.site_by_path(hostname, path).await?;
                match library {
                    None => Ok(self.site_default_drive(&site.id).await?.id),
                    Some(lib) => self
                        .site_drives(&site.id)
                        .await?
                        .into_iter()
                        .find(|d| {
                            d.name
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(lib))
                        })
                        .map(|d| d.id)
                        .ok_or_else(|| {
                            GraphError::DriveNotFound {
                                site: format!("{hostname}{path}"),
                                library: lib.clone(),
                            }
                            .into()
                        }),
                }
            }
        }
    }

    /// `GET /drives/{drive}/root:/{path}`; `None` when it does not exist.
    pub async fn item_by_path(&self, drive: &str, path: &str) -> Result<Option<DriveItem>> {
        match self.get_json(self.path_url(drive, path, None, &[])?).await {
            Ok(i) => Ok(Some(i)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /drives/{drive}/root:/{path}:/children`, every page (`@odata.nextLink`).
    pub async fn list_children(&self, drive: &str, path: &str) -> Result<Vec<DriveItem>> {
        let mut url = self.path_url(drive, path, Some("children"), &[])?;
        let mut out = Vec::new();
        for _ in 0..10_000 {
            let page: Page<DriveItem> = self.get_json(url).await?;
            out.extend(page.value);
            match page.next_link {
                Some(next) => {
                    url = Url::parse(&next).map_err(|e| Error::InvalidResponse {
                        provider: GRAPH_PROVIDER,
                        call: format!("GET /drives/{drive}/root:/{path}:/children"),
                        message: format!("@odata.nextLink {next:?}: {e}"),
                    })?
                }
                None => return Ok(out),
            }
        }
        Err(Error::InvalidResponse {
            provider: GRAPH_PROVIDER,
            call: format!("GET /drives/{drive}/root:/{path}:/children"),
            message: "more than 10000 pages".into(),
        })
    }

    /// `POST /drives/{drive}/root:/{parent}:/children` with `{"name","folder":{}}` (conflict:
    /// fail); an existing folder of that name is returned as is.
    pub async fn create_folder(&self, drive: &str, parent: &str, name: &str) -> Result<DriveItem> {
        let req = RequestParts::new(
            Method::POST,
            self.path_url(drive, parent, Some("children"), &[])?,
        )
        .with_json(&json!({
            "name": name,
            "folder": {},
            "@microsoft.graph.conflictBehavior": "fail",
        }))?
        // Repeating it is safe: a second attempt gets 409, handled below.
        .idempotent(true);
        let full = if parent.trim_matches('/').is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", parent.trim_matches('/'))
        };
        match self.call(req).await {
            Ok(r) => r.json(GRAPH_PROVIDER),
            Err(e) if e.status() == Some(409) => match self.item_by_path(drive, &full).await? {
                Some(i) if i.is_folder() => Ok(i),
                _ => Err(GraphError::NotAFolder { path: full }.into()),
            },
            Err(e) => Err(e),
        }
    }

    /// Create every missing folder of `path`; returns the last one.
    pub async fn ensure_folder(&self, drive: &str, path: &str) -> Result<DriveItem> {
        if let Some(i) = self.item_by_path(drive, path).await? {
            return if i.is_folder() {
                Ok(i)
            } else {
                Err(GraphError::NotAFolder { path: path.into() }.into())
            };
        }
        let mut parent = String::new();
        let mut last = None;
        for s in segments(path) {
            last = Some(self.create_folder(drive, &parent, s).await?);
            parent = if parent.is_empty() {
                s.to_string()
            } else {
                format!("{parent}/{s}")
            };
        }
        match last {
            Some(i) => Ok(i),
            None => self.get_json(self.path_url(drive, "", None, &[])?).await,
        }
    }

    /// `PUT /drives/{drive}/root:/{path}:/content` (replacing), for files up to 4 MiB.
    pub async fn upload_small(&self, drive: &str, path: &str, bytes: Vec<u8>) -> Result<DriveItem> {
        let url = self.path_url(
            drive,
            path,
            Some("content"),
            &[("@microsoft.graph.conflictBehavior", "replace")],
        )?;
        let req = RequestParts::new(Method::PUT, url)
            .with_body(bytes)
            .with_header("content-type", "application/octet-stream")?;
        self.call(req).await?.json(GRAPH_PROVIDER)
    }

    /// `POST /drives/{drive}/root:/{path}:/createUploadSession` (replacing).
    pub async fn create_upload_session(&self, drive: &str, path: &str) -> Result<UploadSession> {
        let req = RequestParts::new(
            Method::POST,
            self.path_url(drive, path, Some("createUploadSession"), &[])?,
        )
        .with_json(&json!({"item": {"@microsoft.graph.conflictBehavior": "replace"}}))?
        .idempotent(true);
        self.call(req).await?.json(GRAPH_PROVIDER)
    }

    /// Upload `local` to `path` through an upload session: fragments of
    /// [`GraphClient::fragment_size`] bytes (a multiple of 320 KiB) read from disk one at a
    /// time, `PUT` to the `uploadUrl` with `Content-Range`. A fragment that fails after the
    /// retries is resumed from the session's `nextExpectedRanges` (up to 5 times); a session
    /// that cannot finish is cancelled (`DELETE uploadUrl`).
    pub async fn upload_large(&self, drive: &str, path: &str, local: &Path) -> Result<DriveItem> {
        let mut file = tokio::fs::File::open(local)
            .await
            .map_err(|e| Error::io(local, e))?;
        let size = file
            .metadata()
            .await
            .map_err(|e| Error::io(local, e))?
            .len();
        // The version before the upload: if the last fragment's answer is lost, the session is
        // gone and only a new version of the item tells that the upload completed.
        let before = self.item_by_path(drive, path).await?.and_then(|i| i.e_tag);
        let session = self.create_upload_session(drive, path).await?;
        let upload_url = session
            .upload_url
            .as_deref()
            .ok_or_else(|| GraphError::NoUploadUrl { path: path.into() })?;
        let upload = Url::parse(upload_url).map_err(|e| Error::InvalidResponse {
            provider: GRAPH_PROVIDER,
            call: format!("POST {path}:/createUploadSession"),
            message: format!("uploadUrl: {e}"),
        })?;
        let result = self
            .send_fragments(
                &upload,
                &mut file,
                local,
                size,
                drive,
                path,
                before.as_deref(),
            )
            .await;
        if result.is_err() {
            let _ = self
                .http
                .send(RequestParts::new(Method::DELETE, upload.clone()), None)
                .await;
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_fragments(
        &self,
        upload: &Url,
        file: &mut tokio::fs::File,
        local: &Path,
        size: u64,
        drive: &str,
        path: &str,
        before: Option<&str>,
    ) -> Result<DriveItem> {
        let mut offset = 0u64;
        let mut resumes = 0u32;
        loop {
            if offset >= size {
                return Err(GraphError::UploadStalled {
                    path: path.into(),
                    offset,
                }
                .into());
            }
            let len = self.fragment.min(size - offset);
            let mut buf = vec![0u8; usize::try_from(len).unwrap_or(usize::MAX)];
            file.seek(std::io::SeekFrom::Start(offset))
                .await
                .map_err(|e| Error::io(local, e))?;
            file.read_exact(&mut buf)
                .await
                .map_err(|e| Error::io(local, e))?;
            let range = format!("bytes {}-{}/{}", offset, offset + len - 1, size);
            let req = RequestParts::new(Method::PUT, upload.clone())
                .with_body(buf)
                .with_header("content-range", &range)?;
            match self.http.send(req, None).await {
                Ok(r) if r.status == 202 => {
                    let s: UploadSession = r.json(GRAPH_PROVIDER).unwrap_or(UploadSession {
                        upload_url: None,
                        expiration_date_time: None,
                        next_expected_ranges: Vec::new(),
                    });
                    offset = s.next_offset().unwrap_or(offset + len);
                }
                Ok(r) => return r.json(GRAPH_PROVIDER),
                Err(e) => {
                    resumes += 1;
                    if resumes > 5 {
                        return Err(e);
                    }
                    tracing::debug!(provider = GRAPH_PROVIDER, error = %e, offset, "fragment failed; asking the session where to resume");
                    let status = match self
                        .http
                        .send(RequestParts::new(Method::GET, upload.clone()), None)
                        .await
                    {
                        Ok(s) => s,
                        // The session is gone: it completed if this was the last fragment and
                        // the item has a new version of the right size.
                        Err(Error::NotFound { .. }) if offset + len == size => {
                            return match self.item_by_path(drive, path).await? {
                                Some(i)
                                    if i.size == Some(size)
                                        && i.e_tag.is_some()
                                        && i.e_tag.as_deref() != before =>
                                {
                                    Ok(i)
                                }
                                _ => Err(e),
                            };
                        }
                        Err(other) => return Err(other),
                    };
                    let s: UploadSession = status.json(GRAPH_PROVIDER)?;
                    offset = s.next_offset().ok_or(e)?;
                }
            }
        }
    }

    /// Upload `local` to `path` (replacing): one `PUT` up to 4 MiB, an upload session above.
    pub async fn upload_file(&self, drive: &str, path: &str, local: &Path) -> Result<DriveItem> {
        let size = tokio::fs::metadata(local)
            .await
            .map_err(|e| Error::io(local, e))?
            .len();
        if size <= SIMPLE_UPLOAD_LIMIT {
            let bytes = tokio::fs::read(local)
                .await
                .map_err(|e| Error::io(local, e))?;
            self.upload_small(drive, path, bytes).await
        } else {
            self.upload_large(drive, path, local).await
        }
    }

    /// `PATCH /drives/{drive}/items/{id}` `{"name"}`; `replace`: an item of that name in the
    /// same folder is replaced (`@microsoft.graph.conflictBehavior=replace` in the URL).
    pub async fn rename(
        &self,
        drive: &str,
        item_id: &str,
        name: &str,
        replace: bool,
    ) -> Result<DriveItem> {
        let q: &[(&str, &str)] = if replace {
            &[("@microsoft.graph.conflictBehavior", "replace")]
        } else {
            &[]
        };
        let req = RequestParts::new(
            Method::PATCH,
            self.url(&["drives", drive, "items", item_id], q)?,
        )
        .with_json(&json!({"name": name}))?
        .idempotent(true);
        self.call(req).await?.json(GRAPH_PROVIDER)
    }

    /// `DELETE /drives/{drive}/items/{id}` (a missing item is not an error).
    pub async fn delete_item(&self, drive: &str, item_id: &str) -> Result<()> {
        let req = RequestParts::new(
            Method::DELETE,
            self.url(&["drives", drive, "items", item_id], &[])?,
        );
        match self.call(req).await {
            Ok(_) | Err(Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `GET /drives/{drive}/root:/{path}:/content` (Graph redirects to a pre-authenticated
    /// download URL, which is followed).
    pub async fn download(&self, drive: &str, path: &str) -> Result<Vec<u8>> {
        let r = self
            .call(RequestParts::new(
                Method::GET,
                self.path_url(drive, path, Some("content"), &[])?,
            ))
            .await?;
        Ok(r.body.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::Secret;
    use finops_core::http::StaticToken;

    fn client() -> GraphClient {
        GraphClient::builder()
            .with_token_provider(Arc::new(StaticToken(Secret::new("t"))))
            .build()
            .unwrap()
    }

    #[test]
    fn path_urls() {
        let c = client();
        assert_eq!(
            c.path_url(
                "b!x",
                "Power BI/archive/2026-11-29_23-15-00/a b.csv",
                Some("content"),
                &[("@microsoft.graph.conflictBehavior", "replace")]
            )
            .unwrap()
            .as_str(),
            "https://graph.microsoft.com/v1.0/drives/b!x/root:/Power%20BI/archive/2026-11-29_23-15-00/a%20b.csv:/content?%40microsoft.graph.conflictBehavior=replace"
        );
        assert_eq!(
            c.path_url("d", "", Some("children"), &[]).unwrap().as_str(),
            "https://graph.microsoft.com/v1.0/drives/d/root/children"
        );
        assert_eq!(
            c.path_url("d", "/conf_token/", None, &[]).unwrap().as_str(),
            "https://graph.microsoft.com/v1.0/drives/d/root:/conf_token"
        );
    }

    #[test]
    fn fragment_size_is_a_multiple_of_320_kib() {
        let b = GraphClient::builder().with_fragment_size(5 * 1024 * 1024 + 7);
        assert_eq!(b.fragment % FRAGMENT_UNIT, 0);
        assert_eq!(b.fragment, 16 * FRAGMENT_UNIT);
        assert_eq!(
            GraphClient::builder().with_fragment_size(1).fragment,
            FRAGMENT_UNIT
        );
        assert!(GraphClient::builder().with_fragment_size(u64::MAX).fragment < 60 * 1024 * 1024);
        assert_eq!(client().fragment_size(), 10 * 1024 * 1024);
    }

    #[test]
    fn site_urls() {
        let l = DriveLocation::from_site_url(
            "https://contoso.sharepoint.com/sites/FinOps/",
            Some("Documents"),
        )
        .unwrap();
        assert_eq!(
            l,
            DriveLocation::Site {
                hostname: "contoso.sharepoint.com".into(),
                path: "/sites/FinOps".into(),
                library: Some("Documents".into())
            }
        );
        assert!(DriveLocation::from_site_url("not a url", None).is_err());
    }
}
