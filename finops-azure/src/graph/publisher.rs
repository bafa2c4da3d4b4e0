//! [`SharePointPublisher`]: live + archive folders in a SharePoint / OneDrive library, and the
//! inputs of a run (credential folder, CMDB) fetched from it.

use super::client::{DriveLocation, GraphClient};
use super::error::GraphError;
use super::model::DriveItem;
use async_trait::async_trait;
use finops_core::publish::{Fetcher, PublishReport, PublishRequest, Publisher};
use finops_core::{Error, Result};
use std::path::{Path, PathBuf};
use tokio::sync::OnceCell;

/// Publishes a run's files to `<live>/` and `<archive>/<run time>/` of a drive (OVH-18).
///
/// 1. The archive folder is created and every file uploaded into it (upload sessions above
///    4 MiB). A failure deletes that archive folder: live is untouched.
/// 2. Every file is uploaded next to its live target under a staging name
///    (`.finops-<run time>-<name>.partial`). A failure deletes the staged files: live is
///    untouched.
/// 3. Each staged file is renamed over its target (`PATCH` with
///    `@microsoft.graph.conflictBehavior=replace`), which swaps it at once.
#[derive(Debug)]
pub struct SharePointPublisher {
    client: GraphClient,
    drive: DriveLocation,
    live: String,
    archive: String,
    drive_id: OnceCell<String>,
}

fn join(a: &str, b: &str) -> String {
    match (a.trim_matches('/'), b.trim_matches('/')) {
        ("", b) => b.to_string(),
        (a, "") => a.to_string(),
        (a, b) => format!("{a}/{b}"),
    }
}

fn split_name(name: &str) -> (&str, &str) {
    match name.rsplit_once('/') {
        Some((dir, base)) => (dir, base),
        None => ("", name),
    }
}

impl SharePointPublisher {
    /// Publish into `drive`: live files in the folder `live`, archives under `archive`
    /// (paths from the library root, `/`-separated, e.g. `Power BI/live`).
    pub fn new(client: GraphClient, drive: DriveLocation, live: &str, archive: &str) -> Self {
        SharePointPublisher {
            client,
            drive,
            live: live.trim_matches('/').to_string(),
            archive: archive.trim_matches('/').to_string(),
            drive_id: OnceCell::new(),
        }
    }

    /// The drive id (resolved once).
    pub async fn drive_id(&self) -> Result<String> {
        self.drive_id
            .get_or_try_init(|| self.client.resolve_drive(&self.drive))
            .await
            .cloned()
    }

    /// The client.
    pub fn client(&self) -> &GraphClient {
        &self.client
    }

    fn fail(&self, message: String) -> Error {
        GraphError::Publish {
            target: self.label(),
            message,
        }
        .into()
    }

    async fn upload_archive(&self, drive: &str, dir: &str, req: &PublishRequest) -> Result<u64> {
        let mut bytes = 0u64;
        for f in &req.files {
            let (sub, _) = split_name(&f.name);
            if !sub.is_empty() {
                self.client.ensure_folder(drive, &join(dir, sub)).await?;
            }
            let item = self
                .client
                .upload_file(drive, &join(dir, &f.name), &f.local)
                .await?;
            bytes = bytes.saturating_add(item.size.unwrap_or(0));
        }
        Ok(bytes)
    }

    async fn stage_live(
        &self,
        drive: &str,
        stamp: &str,
        req: &PublishRequest,
        staged: &mut Vec<(DriveItem, String)>,
    ) -> Result<()> {
        for f in &req.files {
            let (sub, base) = split_name(&f.name);
            let folder = join(&self.live, sub);
            self.client.ensure_folder(drive, &folder).await?;
            let tmp = format!(".finops-{stamp}-{base}.partial");
            let item = self
                .client
                .upload_file(drive, &join(&folder, &tmp), &f.local)
                .await?;
            staged.push((item, base.to_string()));
        }
        Ok(())
    }
}

#[async_trait]
impl Publisher for SharePointPublisher {
    fn label(&self) -> String {
        let where_ = match &self.drive {
            DriveLocation::Site {
                hostname,
                path,
                library,
            } => format!(
                "{hostname}{path}:{}",
                library.as_deref().unwrap_or("(default)")
            ),
            DriveLocation::User(u) => format!("onedrive:{u}"),
            DriveLocation::Id(id) => format!("drive:{id}"),
        };
        format!("sharepoint:{where_}/{}", self.live)
    }

    async fn publish(&self, req: &PublishRequest) -> Result<PublishReport> {
        let drive = self.drive_id().await?;
        let stamp = req.archive_name();
        let archive_dir = join(&self.archive, &stamp);
        let folder = self.client.ensure_folder(&drive, &archive_dir).await?;
        let bytes = match self.upload_archive(&drive, &archive_dir, req).await {
            Ok(b) => b,
            Err(e) => {
                let _ = self.client.delete_item(&drive, &folder.id).await;
                return Err(self.fail(format!(
                    "archive upload failed, live folder left as it was: {e}"
                )));
            }
        };
        let mut staged = Vec::with_capacity(req.files.len());
        if let Err(e) = self.stage_live(&drive, &stamp, req, &mut staged).await {
            for (item, _) in &staged {
                let _ = self.client.delete_item(&drive, &item.id).await;
            }
            return Err(self.fail(format!(
                "live upload failed, live folder left as it was (archive {archive_dir} kept): {e}"
            )));
        }
        let n = staged.len();
        for (i, (item, name)) in staged.iter().enumerate() {
            if let Err(e) = self.client.rename(&drive, &item.id, name, true).await {
                for (rest, _) in &staged[i..] {
                    let _ = self.client.delete_item(&drive, &rest.id).await;
                }
                return Err(self.fail(format!(
                    "replacing live file {name} failed after {i} of {n} were replaced: {e}"
                )));
            }
        }
        Ok(PublishReport {
            live: self.live.clone(),
            archive: archive_dir,
            files: req.files.len(),
            bytes,
        })
    }
}

#[async_trait]
impl Fetcher for SharePointPublisher {
    async fn fetch_file(&self, remote: &str, local: &Path) -> Result<u64> {
        let drive = self.drive_id().await?;
        let bytes = self.client.download(&drive, remote).await?;
        let n = bytes.len() as u64;
        let dst = local.to_path_buf();
        tokio::task::spawn_blocking(move || finops_core::fs::write_atomic(&dst, &bytes))
            .await
            .map_err(|e| Error::io(local, std::io::Error::other(e.to_string())))??;
        Ok(n)
    }

    async fn fetch_folder(&self, remote: &str, local_dir: &Path) -> Result<Vec<PathBuf>> {
        let drive = self.drive_id().await?;
        let mut files: Vec<DriveItem> = self
            .client
            .list_children(&drive, remote)
            .await?
            .into_iter()
            .filter(|i| i.file.is_some())
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            finops_core::publish::check_name(&f.name)?;
            let to = local_dir.join(&f.name);
            self.fetch_file(&join(remote, &f.name), &to).await?;
            out.push(to);
        }
        Ok(out)
    }
}
