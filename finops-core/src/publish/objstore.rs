//! [`ObjectStorePublisher`]: live + archive prefixes in any `object_store` store.

use super::{Fetcher, PublishReport, PublishRequest, Publisher};
use crate::http::oauth2::url_label;
use crate::{Error, Result};
use async_trait::async_trait;
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, ObjectStoreScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

const PROVIDER: &str = "object_store";

/// Publishes to `<prefix>/<live>/` and `<prefix>/<archive>/<run time>/` of an object store.
///
/// Files are streamed from disk (multipart uploads above the part size, 8 MiB by default),
/// all into the archive first; a failed upload aborts, deletes what this run put in the
/// archive and leaves live untouched. Live objects are then replaced one by one by a
/// server-side copy from the archive (each copy replaces its object at once).
#[derive(Debug, Clone)]
pub struct ObjectStorePublisher {
    store: Arc<dyn ObjectStore>,
    prefix: ObjPath,
    live: String,
    archive: String,
    label: String,
    part_size: usize,
}

fn store_err(label: &str, what: &str, e: object_store::Error) -> Error {
    let retryable = !matches!(
        e,
        object_store::Error::NotFound { .. }
            | object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }
            | object_store::Error::InvalidPath { .. }
            | object_store::Error::NotSupported { .. }
    );
    Error::Generic {
        provider: PROVIDER,
        message: format!("{label}: {what}: {e}"),
        retryable,
    }
}

fn child(base: &ObjPath, rel: &str) -> ObjPath {
    rel.split('/')
        .filter(|s| !s.is_empty())
        .fold(base.clone(), |p, s| p.join(s))
}

impl ObjectStorePublisher {
    /// A publisher over `store` below `prefix` (live in `live`, archives in `archive`).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: ObjPath, live: &str, archive: &str) -> Self {
        let label = format!("{store}/{prefix}");
        ObjectStorePublisher {
            store,
            prefix,
            live: live.trim_matches('/').to_string(),
            archive: archive.trim_matches('/').to_string(),
            label,
            part_size: 8 * 1024 * 1024,
        }
    }

    /// From a URL (`s3://bucket/prefix`, `az://container/prefix`, `file:///dir`,
    /// `memory:///`) and `object_store` options (`aws_endpoint`, `aws_access_key_id`,
    /// `azure_storage_account_name`, `azure_storage_use_emulator`, ...). The label keeps the
    /// URL without query or user info.
    pub fn from_url<I, K, V>(url: &str, options: I, live: &str, archive: &str) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let u = url::Url::parse(url)
            .map_err(|e| Error::config(format!("object store URL {url:?}: {e}")))?;
        let label = url_label(&u);
        let bad = |e: object_store::Error| Error::config(format!("object store URL {label}: {e}"));
        let (scheme, prefix) = ObjectStoreScheme::parse(&u)
            .map_err(|e| Error::config(format!("object store URL {label}: {e}")))?;
        let opts: Vec<(String, String)> = options
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.into()))
            .collect();
        let store: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::Local | ObjectStoreScheme::Memory => {
                Arc::from(object_store::parse_url_opts(&u, opts).map_err(bad)?.0)
            }
            ObjectStoreScheme::AmazonS3 => {
                let mut b = AmazonS3Builder::new()
                    .with_url(u.as_str())
                    .with_http_connector(connector::ReqwestConnector);
                for (k, v) in opts {
                    b = b.with_config(k.parse().map_err(bad)?, v);
                }
                Arc::new(b.build().map_err(bad)?)
            }
            ObjectStoreScheme::MicrosoftAzure => {
                let mut b = MicrosoftAzureBuilder::new()
                    .with_url(u.as_str())
                    .with_http_connector(connector::ReqwestConnector);
                for (k, v) in opts {
                    b = b.with_config(k.parse().map_err(bad)?, v);
                }
                Arc::new(b.build().map_err(bad)?)
            }
            other => {
                return Err(Error::config(format!(
                    "object store URL {label}: {other:?} stores are not supported (s3://, az://, file://, memory://)"
                )));
            }
        };
        let mut p = Self::new(store, prefix, live, archive);
        p.label = label;
        Ok(p)
    }

    /// Size above which uploads are multipart, and of each part (default 8 MiB; S3 needs at
    /// least 5 MiB).
    pub fn with_part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes.max(1024 * 1024);
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// `<prefix>/<live>`.
    pub fn live_path(&self) -> ObjPath {
        child(&self.prefix, &self.live)
    }

    /// `<prefix>/<archive>/<name>`.
    pub fn archive_path(&self, name: &str) -> ObjPath {
        child(&child(&self.prefix, &self.archive), name)
    }

    async fn upload(&self, local: &Path, to: &ObjPath) -> Result<u64> {
        let mut file = tokio::fs::File::open(local)
            .await
            .map_err(|e| Error::io(local, e))?;
        let mut w = BufWriter::with_capacity(self.store.clone(), to.clone(), self.part_size)
            .with_max_concurrency(4);
        let copied = tokio::io::copy(&mut file, &mut w).await;
        let done = match copied {
            Ok(n) => w.shutdown().await.map(|_| n),
            Err(e) => Err(e),
        };
        match done {
            Ok(n) => Ok(n),
            Err(e) => {
                let _ = w.abort().await;
                Err(Error::Generic {
                    provider: PROVIDER,
                    message: format!("{}: uploading {} to {to}: {e}", self.label, local.display()),
                    retryable: true,
                })
            }
        }
    }
}

#[async_trait]
impl Publisher for ObjectStorePublisher {
    fn label(&self) -> String {
        self.label.clone()
    }

    async fn publish(&self, req: &PublishRequest) -> Result<PublishReport> {
        let archive = self.archive_path(&req.archive_name());
        let live = self.live_path();
        let mut bytes = 0u64;
        let mut uploaded: Vec<ObjPath> = Vec::new();
        for f in &req.files {
            let to = child(&archive, &f.name);
            match self.upload(&f.local, &to).await {
                Ok(n) => {
                    bytes = bytes.saturating_add(n);
                    uploaded.push(to);
                }
                Err(e) => {
                    for p in &uploaded {
                        let _ = self.store.delete(p).await;
                    }
                    return Err(e);
                }
            }
        }
        for (i, f) in req.files.iter().enumerate() {
            let to = child(&live, &f.name);
            self.store.copy(&uploaded[i], &to).await.map_err(|e| {
                store_err(
                    &self.label,
                    &format!(
                        "updating live file {} ({} of {} updated before this failure)",
                        f.name,
                        i,
                        req.files.len()
                    ),
                    e,
                )
            })?;
        }
        Ok(PublishReport {
            live: format!("{}/{live}", self.label),
            archive: format!("{}/{archive}", self.label),
            files: req.files.len(),
            bytes,
        })
    }
}

#[async_trait]
impl Fetcher for ObjectStorePublisher {
    async fn fetch_file(&self, remote: &str, local: &Path) -> Result<u64> {
        let p = child(&self.prefix, &super::check_name(remote)?);
        let r = self
            .store
            .get(&p)
            .await
            .map_err(|e| store_err(&self.label, &format!("reading {p}"), e))?;
        // Inputs (credential files, a CMDB workbook) are small: read whole, then written
        // atomically off the async runtime.
        let bytes = r
            .bytes()
            .await
            .map_err(|e| store_err(&self.label, &format!("reading {p}"), e))?;
        let n = bytes.len() as u64;
        let dst = local.to_path_buf();
        tokio::task::spawn_blocking(move || crate::fs::write_atomic(&dst, &bytes))
            .await
            .map_err(|e| Error::io(local, std::io::Error::other(e.to_string())))??;
        Ok(n)
    }

    async fn fetch_folder(&self, remote: &str, local_dir: &Path) -> Result<Vec<PathBuf>> {
        let base = if remote.is_empty() {
            self.prefix.clone()
        } else {
            child(&self.prefix, &super::check_name(remote)?)
        };
        let listing = self
            .store
            .list_with_delimiter(Some(&base))
            .await
            .map_err(|e| store_err(&self.label, &format!("listing {base}"), e))?;
        let mut names: Vec<String> = listing
            .objects
            .iter()
            .filter_map(|o| o.location.filename().map(str::to_string))
            .collect();
        names.sort();
        let mut out = Vec::new();
        for n in names {
            let rel = if remote.is_empty() {
                n.clone()
            } else {
                format!("{}/{n}", remote.trim_matches('/'))
            };
            let to = local_dir.join(&n);
            self.fetch_file(&rel, &to).await?;
            out.push(to);
        }
        Ok(out)
    }
}

/// The HTTP transport of the cloud stores: the workspace's reqwest 0.12 client (rustls with
/// ring), instead of object_store's own reqwest 0.13 client which brings aws-lc-rs. Request
/// bodies are at most one part (the publisher's part size) and are buffered. Public so other
/// crates' stores (finops-azure's blob containers) use the same transport.
pub(super) mod connector {
    use bytes::Bytes;
    use http_body_util::BodyExt;
    use object_store::ClientConfigKey;
    use object_store::client::{
        ClientOptions, HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest,
        HttpResponse, HttpResponseBody, HttpService,
    };
    use std::time::Duration;

    /// `object_store`'s [`HttpConnector`] on the workspace's reqwest client.
    #[derive(Debug, Clone, Copy)]
    pub struct ReqwestConnector;

    #[derive(Debug)]
    struct Service(reqwest::Client);

    fn kind(e: &reqwest::Error) -> HttpErrorKind {
        if e.is_connect() {
            HttpErrorKind::Connect
        } else if e.is_timeout() {
            HttpErrorKind::Timeout
        } else if e.is_body() {
            HttpErrorKind::Interrupted
        } else if e.is_decode() {
            HttpErrorKind::Decode
        } else {
            HttpErrorKind::Request
        }
    }

    fn err(e: reqwest::Error) -> HttpError {
        HttpError::new(kind(&e), e)
    }

    impl HttpConnector for ReqwestConnector {
        fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
            let allow_http = options
                .get_config_value(&ClientConfigKey::AllowHttp)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            // Connect 5 s as everywhere else; 5 minutes per request, one part of up to a few
            // tens of MiB on a slow link.
            let client = reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(300))
                .https_only(!allow_http)
                .user_agent(format!("finops-rs/{}", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| object_store::Error::Generic {
                    store: "HTTP",
                    source: Box::new(e),
                })?;
            Ok(HttpClient::new(Service(client)))
        }
    }

    #[async_trait::async_trait]
    impl HttpService for Service {
        async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
            let (parts, body) = req.into_parts();
            let body: Bytes = body.collect().await?.to_bytes();
            let url = reqwest::Url::parse(&parts.uri.to_string())
                .map_err(|e| HttpError::new(HttpErrorKind::Request, e))?;
            let mut r = reqwest::Request::new(parts.method, url);
            *r.headers_mut() = parts.headers;
            *r.body_mut() = Some(body.into());
            let resp: http::Response<reqwest::Body> = self.0.execute(r).await.map_err(err)?.into();
            let (parts, body) = resp.into_parts();
            Ok(HttpResponse::from_parts(
                parts,
                HttpResponseBody::new(body.map_err(err)),
            ))
        }
    }
}
