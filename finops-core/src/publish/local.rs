//! [`LocalDirPublisher`]: live + archive folders in a local (or mounted) directory.

use super::{Fetcher, PublishReport, PublishRequest, Publisher};
use crate::fs::AtomicFile;
use crate::{Error, Result};
use async_trait::async_trait;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Publishes into `<live>/` and `<archive>/<run time>/` on the local file system.
///
/// 1. Every file is copied into a hidden staging folder beside the archive, which is renamed
///    to `<archive>/<run time>` once complete (so an archive folder is whole or absent).
/// 2. Every live file is written to a temporary file next to its target (all of them first);
///    3. then each is renamed over its target. A failure in 1 or 2 leaves live untouched.
#[derive(Debug, Clone)]
pub struct LocalDirPublisher {
    live: PathBuf,
    archive: PathBuf,
}

impl LocalDirPublisher {
    /// Live files in `live`, archives under `archive`.
    pub fn new(live: impl Into<PathBuf>, archive: impl Into<PathBuf>) -> Self {
        LocalDirPublisher {
            live: live.into(),
            archive: archive.into(),
        }
    }

    /// `root/live` and `root/archive`.
    pub fn under(root: impl AsRef<Path>) -> Self {
        Self::new(root.as_ref().join("live"), root.as_ref().join("archive"))
    }

    fn publish_blocking(&self, req: &PublishRequest) -> Result<PublishReport> {
        std::fs::create_dir_all(&self.archive).map_err(|e| Error::io(&self.archive, e))?;
        let name = req.archive_name();
        let final_dir = self.archive.join(&name);
        let staging = self
            .archive
            .join(format!(".{name}.{}.partial", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        let result = (|| -> Result<u64> {
            let mut bytes = 0u64;
            for f in &req.files {
                let dst = staging.join(&f.name);
                if let Some(d) = dst.parent() {
                    std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
                }
                bytes = bytes.saturating_add(
                    std::fs::copy(&f.local, &dst).map_err(|e| Error::io(&f.local, e))?,
                );
            }
            Ok(bytes)
        })();
        let bytes = match result {
            Ok(b) => b,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        if final_dir.exists() {
            // The same run time published twice: the new copy wins.
            std::fs::remove_dir_all(&final_dir).map_err(|e| Error::io(&final_dir, e))?;
        }
        std::fs::rename(&staging, &final_dir).map_err(|e| Error::io(&final_dir, e))?;

        // Stage every live file, then rename them all.
        let mut staged = Vec::with_capacity(req.files.len());
        for f in &req.files {
            let mut a = AtomicFile::create(self.live.join(&f.name))?;
            let src = final_dir.join(&f.name);
            let mut r = std::fs::File::open(&src).map_err(|e| Error::io(&src, e))?;
            std::io::copy(&mut r, &mut a).map_err(|e| Error::io(a.target(), e))?;
            a.flush().map_err(|e| Error::io(a.target(), e))?;
            staged.push(a);
        }
        for a in staged {
            a.commit()?;
        }
        Ok(PublishReport {
            live: self.live.display().to_string(),
            archive: final_dir.display().to_string(),
            files: req.files.len(),
            bytes,
        })
    }
}

#[async_trait]
impl Publisher for LocalDirPublisher {
    fn label(&self) -> String {
        format!("local:{}", self.live.display())
    }

    async fn publish(&self, req: &PublishRequest) -> Result<PublishReport> {
        let this = self.clone();
        let req = req.clone();
        tokio::task::spawn_blocking(move || this.publish_blocking(&req))
            .await
            .map_err(|e| Error::Io {
                path: self.live.display().to_string(),
                source: std::io::Error::other(e.to_string()),
            })?
    }
}

/// Fetches from a local (or mounted) directory: `remote` is a path relative to `root`.
#[derive(Debug, Clone)]
pub struct LocalDirFetcher {
    root: PathBuf,
}

impl LocalDirFetcher {
    /// Read below `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalDirFetcher { root: root.into() }
    }
}

fn copy_atomic(src: &Path, dst: &Path) -> Result<u64> {
    let mut r = std::fs::File::open(src).map_err(|e| Error::io(src, e))?;
    let mut a = AtomicFile::create(dst)?;
    let n = std::io::copy(&mut r, &mut a).map_err(|e| Error::io(dst, e))?;
    a.commit()?;
    Ok(n)
}

#[async_trait]
impl Fetcher for LocalDirFetcher {
    async fn fetch_file(&self, remote: &str, local: &Path) -> Result<u64> {
        let src = self.root.join(super::check_name(remote)?);
        let dst = local.to_path_buf();
        tokio::task::spawn_blocking(move || copy_atomic(&src, &dst))
            .await
            .map_err(|e| Error::io(local, std::io::Error::other(e.to_string())))?
    }

    async fn fetch_folder(&self, remote: &str, local_dir: &Path) -> Result<Vec<PathBuf>> {
        let src = if remote.is_empty() {
            self.root.clone()
        } else {
            self.root.join(super::check_name(remote)?)
        };
        let dst = local_dir.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let mut entries: Vec<_> = std::fs::read_dir(&src)
                .map_err(|e| Error::io(&src, e))?
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| Error::io(&src, e))?;
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                if e.file_type().map_err(|x| Error::io(e.path(), x))?.is_file() {
                    let to = dst.join(e.file_name());
                    copy_atomic(&e.path(), &to)?;
                    out.push(to);
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| Error::io(local_dir, std::io::Error::other(e.to_string())))?
    }
}
