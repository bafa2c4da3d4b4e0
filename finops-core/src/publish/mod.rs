//! Publishers (feature `publish`): put a run's output files where people read them, twice —
//! in the **live** folder (replaced each run; what Power BI or a share points at) and in an
//! **archive** folder named after the run time (OVH-18).
//!
//! Every publisher follows the same order, so that **a failed upload leaves the live folder as
//! it was**: first every file goes to the new archive folder (the transfer, where failures
//! happen); only when all of them arrived is the live folder updated, by operations that
//! replace each file at once (a rename, a server-side copy). A failure before that point
//! removes the half-made archive folder and leaves live untouched.
//!
//! - [`LocalDirPublisher`]: a local or mounted directory; live files staged next to their
//!   target and renamed over it (`finops_core::fs::AtomicFile`).
//! - [`ObjectStorePublisher`] (feature `object-store`): any `object_store` URL — S3-compatible
//!   stores (OVHcloud Object Storage, MinIO), Azure Blob (Azurite in tests), `file://`,
//!   `memory://`; multipart uploads for big files, server-side copy to live.
//! - `finops_azure::graph::SharePointPublisher`: SharePoint / OneDrive through Microsoft Graph.
//!
//! [`Fetcher`] is the way back: the inputs a run needs (credential folder, CMDB workbook)
//! downloaded before it starts.

mod local;
#[cfg(feature = "object-store")]
mod objstore;

pub use local::{LocalDirFetcher, LocalDirPublisher};
#[cfg(feature = "object-store")]
pub use objstore::ObjectStorePublisher;
#[cfg(feature = "object-store")]
pub use objstore::connector::ReqwestConnector;

use crate::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::path::{Path, PathBuf};

/// One file to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishFile {
    /// Where it is now.
    pub local: PathBuf,
    /// Its name under the live and archive folders (`/`-separated, no `..`).
    pub name: String,
}

/// What a run publishes.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishRequest {
    /// The files, in upload order.
    pub files: Vec<PublishFile>,
    /// The run time the archive folder is named after.
    pub run_time: DateTime<Utc>,
    /// The zone of that name.
    pub tz: Tz,
}

impl PublishRequest {
    /// An empty request for a run at `run_time`, archive named in `tz`.
    pub fn new(run_time: DateTime<Utc>, tz: Tz) -> Self {
        PublishRequest {
            files: Vec::new(),
            run_time,
            tz,
        }
    }

    /// Add a file under `name` (checked: relative, `/`-separated, no `.`/`..` segment).
    pub fn with_file(mut self, local: impl Into<PathBuf>, name: &str) -> Result<Self> {
        self.files.push(PublishFile {
            local: local.into(),
            name: check_name(name)?,
        });
        Ok(self)
    }

    /// Every file under `dir` (recursively, sorted by name; hidden files skipped).
    pub fn from_dir(dir: impl AsRef<Path>, run_time: DateTime<Utc>, tz: Tz) -> Result<Self> {
        let dir = dir.as_ref();
        let mut files = Vec::new();
        walk(dir, dir, &mut files)?;
        files.sort_by(|a: &PublishFile, b| a.name.cmp(&b.name));
        Ok(PublishRequest {
            files,
            run_time,
            tz,
        })
    }

    /// The archive folder name: the run's local time, `2026-11-29_23-15-00` (no `:`, which
    /// SharePoint and Windows refuse).
    pub fn archive_name(&self) -> String {
        archive_name(self.run_time, self.tz)
    }

    /// Total size of the files (bytes).
    pub fn total_bytes(&self) -> Result<u64> {
        let mut n = 0u64;
        for f in &self.files {
            let m = std::fs::metadata(&f.local).map_err(|e| Error::io(&f.local, e))?;
            n = n.saturating_add(m.len());
        }
        Ok(n)
    }
}

/// `2026-11-29_23-15-00`: `run_time` in `tz`.
pub fn archive_name(run_time: DateTime<Utc>, tz: Tz) -> String {
    run_time
        .with_timezone(&tz)
        .format("%Y-%m-%d_%H-%M-%S")
        .to_string()
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PublishFile>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let ft = e.file_type().map_err(|e| Error::io(&path, e))?;
        if ft.is_dir() {
            walk(root, &path, out)?;
        } else if ft.is_file() {
            let rel = path.strip_prefix(root).map_err(|_| {
                Error::InvalidArgument(format!("{} is outside {}", path.display(), root.display()))
            })?;
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(PublishFile {
                local: path.clone(),
                name: check_name(&rel.join("/"))?,
            });
        }
    }
    Ok(())
}

/// Check a relative `/`-separated name.
pub fn check_name(name: &str) -> Result<String> {
    let bad = |why: &str| {
        Err(Error::InvalidArgument(format!(
            "publish name {name:?}: {why}"
        )))
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.starts_with('/') || name.contains('\\') {
        return bad("must be relative and use '/'");
    }
    if name
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return bad("empty, '.' or '..' segment");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("control character");
    }
    Ok(name.to_string())
}

/// What a publication did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Where the live files are (a path or URL, no secret).
    pub live: String,
    /// Where this run's archive is.
    pub archive: String,
    /// Files published.
    pub files: usize,
    /// Bytes uploaded (archive; the live copies are server-side or renames when possible).
    pub bytes: u64,
}

/// Publishes a run's files (see the module docs for the order that keeps live intact).
#[async_trait]
pub trait Publisher: Send + Sync + std::fmt::Debug {
    /// A label for logs and run records (`local:/srv/share`, `azure://publish/finops`).
    fn label(&self) -> String;
    /// Publish every file of `req` to the archive folder, then to live.
    async fn publish(&self, req: &PublishRequest) -> Result<PublishReport>;
}

/// Downloads the inputs of a run (credential folder, CMDB) from where the team keeps them.
#[async_trait]
pub trait Fetcher: Send + Sync + std::fmt::Debug {
    /// Download the file `remote` to `local` (written atomically); returns its size.
    async fn fetch_file(&self, remote: &str, local: &Path) -> Result<u64>;
    /// Download every file directly in the folder `remote` into `local_dir` (written
    /// atomically; other files there are left alone); returns the local paths.
    async fn fetch_folder(&self, remote: &str, local_dir: &Path) -> Result<Vec<PathBuf>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for bad in ["", "/abs", "a/../b", "a//b", "a\\b", "./a", "a\n"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check_name("cost/a.csv").unwrap(), "cost/a.csv");
    }

    #[test]
    fn archive_name_is_local_time() {
        let t: DateTime<Utc> = "2026-11-29T22:15:00Z".parse().unwrap();
        assert_eq!(
            archive_name(t, chrono_tz::Europe::Paris),
            "2026-11-29_23-15-00"
        );
        let t: DateTime<Utc> = "2027-07-31T21:15:00Z".parse().unwrap();
        assert_eq!(
            archive_name(t, chrono_tz::Europe::Paris),
            "2027-07-31_23-15-00"
        );
    }
}
