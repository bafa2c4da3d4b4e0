//! Storage through the `object_store` crate: a local directory or an Azure Blob / ADLS container
//! (Azurite included), with the two bridges the streaming conversion needs: a blocking [`Read`]
//! over an object's byte stream and a blocking [`Write`] that uploads parts as they fill
//! ([`SyncUpload`]). Both keep a few MiB in flight, never an object.
//!
//! Writes publish an object only when complete: a local file appears by rename after its
//! parts are written, a blob when its block list is committed. A dropped, unfinished upload is
//! aborted, so a crash never leaves half a Parquet file under its final name.

use crate::error;
use bytes::Bytes;
use finops_core::{Error, Result};
use futures::StreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Bytes per uploaded part (Azure accepts any block size up to 4000 MiB; S3 needs 5 MiB).
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// A storage container: an `object_store` store plus a label for messages.
#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    local_root: Option<PathBuf>,
    label: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("label", &self.label)
            .field("local_root", &self.local_root)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

/// A file on the local disk holding an object: the object itself for a local store, or a
/// temporary copy (removed on drop) for a remote one.
#[derive(Debug)]
pub enum LocalCopy {
    /// The store's own file.
    Direct(PathBuf),
    /// A downloaded copy.
    Temp(tempfile::TempPath),
}

impl LocalCopy {
    /// The path to read.
    pub fn path(&self) -> &std::path::Path {
        match self {
            LocalCopy::Direct(p) => p,
            LocalCopy::Temp(t) => t,
        }
    }
}

impl Store {
    /// A local directory (created if missing).
    pub fn local(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir: PathBuf = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let root = dir.canonicalize().map_err(|e| Error::io(&dir, e))?;
        let fs = LocalFileSystem::new_with_prefix(&root)
            .map_err(|e| error::storage(&dir.display().to_string(), "open", e))?
            .with_automatic_cleanup(true);
        Ok(Store {
            inner: Arc::new(fs),
            local_root: Some(root),
            label: dir.display().to_string(),
        })
    }

    /// Any `object_store` store, labelled `label` in messages.
    pub fn new(inner: Arc<dyn ObjectStore>, label: impl Into<String>) -> Self {
        Store {
            inner,
            local_root: None,
            label: label.into(),
        }
    }

    /// Read objects straight from this directory instead of through the store (the store
    /// must be a view of that directory, e.g. a wrapper around a [`LocalFileSystem`]).
    pub fn with_local_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.local_root = Some(root.into());
        self
    }

    /// Open a location: a local directory, or a blob container URL
    /// (`https://ACCOUNT.blob.core.windows.net/CONTAINER`,
    /// `http://127.0.0.1:10000/devstoreaccount1/CONTAINER`).
    pub fn open(location: &str) -> Result<Self> {
        if location.starts_with("http://") || location.starts_with("https://") {
            return crate::blob::open_container_url(location);
        }
        Store::local(location)
    }

    /// The underlying store.
    pub fn inner(&self) -> &Arc<dyn ObjectStore> {
        &self.inner
    }

    /// The label (directory or URL).
    pub fn label(&self) -> &str {
        &self.label
    }

    fn at(&self, path: &str) -> String {
        format!("{}/{}", self.label.trim_end_matches('/'), path)
    }

    /// Every object under `prefix` (recursive), sorted by path.
    pub async fn list(&self, prefix: Option<&str>) -> Result<Vec<ObjectMeta>> {
        let p = prefix.map(ObjPath::from);
        let mut s = self.inner.list(p.as_ref());
        let mut out = Vec::new();
        while let Some(m) = s.next().await {
            out.push(m.map_err(|e| error::storage(&self.label, "list", e))?);
        }
        out.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(out)
    }

    /// The direct children of `prefix`: object names and sub-folder names, sorted.
    pub async fn list_dir(&self, prefix: &str) -> Result<(Vec<ObjectMeta>, Vec<String>)> {
        let p = ObjPath::from(prefix);
        let r = self
            .inner
            .list_with_delimiter(Some(&p))
            .await
            .map_err(|e| error::storage(&self.at(prefix), "list", e))?;
        let mut files = r.objects;
        files.sort_by(|a, b| a.location.cmp(&b.location));
        let mut dirs: Vec<String> = r
            .common_prefixes
            .iter()
            .filter_map(|d| d.filename().map(str::to_string))
            .collect();
        dirs.sort();
        Ok((files, dirs))
    }

    /// The metadata of an object, `None` when it does not exist.
    pub async fn head(&self, path: &str) -> Result<Option<ObjectMeta>> {
        match self.inner.head(&ObjPath::from(path)).await {
            Ok(m) => Ok(Some(m)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(error::storage(&self.at(path), "head", e)),
        }
    }

    /// A whole (small) object.
    pub async fn get_bytes(&self, path: &str) -> Result<Bytes> {
        let r = self
            .inner
            .get(&ObjPath::from(path))
            .await
            .map_err(|e| error::storage(&self.at(path), "get", e))?;
        r.bytes()
            .await
            .map_err(|e| error::storage(&self.at(path), "read", e))
    }

    /// Write a whole (small) object atomically.
    pub async fn put_bytes(&self, path: &str, bytes: impl Into<Bytes>) -> Result<()> {
        self.inner
            .put(&ObjPath::from(path), PutPayload::from(bytes.into()))
            .await
            .map(|_| ())
            .map_err(|e| error::storage(&self.at(path), "put", e))
    }

    /// Delete an object (a missing one is not an error).
    pub async fn delete(&self, path: &str) -> Result<()> {
        match self.inner.delete(&ObjPath::from(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(error::storage(&self.at(path), "delete", e)),
        }
    }

    /// A local file with the object's bytes (the store's own file when local).
    pub async fn local_copy(&self, path: &str) -> Result<LocalCopy> {
        if let Some(root) = &self.local_root {
            return Ok(LocalCopy::Direct(root.join(path)));
        }
        let r = self
            .inner
            .get(&ObjPath::from(path))
            .await
            .map_err(|e| error::storage(&self.at(path), "get", e))?;
        let tmp = tempfile::NamedTempFile::new().map_err(|e| Error::io("temporary file", e))?;
        let (file, tmp_path) = tmp.into_parts();
        let mut file = std::io::BufWriter::new(file);
        let mut s = r.into_stream();
        while let Some(chunk) = s.next().await {
            let chunk = chunk.map_err(|e| error::storage(&self.at(path), "read", e))?;
            file.write_all(&chunk)
                .map_err(|e| Error::io(&tmp_path, e))?;
        }
        file.flush().map_err(|e| Error::io(&tmp_path, e))?;
        Ok(LocalCopy::Temp(tmp_path))
    }

    /// A blocking reader of an object (call from a blocking thread: it waits on the runtime
    /// `rt`). A local store is read from its file directly.
    pub fn reader(&self, path: &str, rt: &tokio::runtime::Handle) -> Result<Box<dyn Read + Send>> {
        if let Some(root) = &self.local_root {
            let p = root.join(path);
            let f = std::fs::File::open(&p).map_err(|e| Error::io(&p, e))?;
            return Ok(Box::new(f));
        }
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
        let store = self.inner.clone();
        let loc = ObjPath::from(path);
        rt.spawn(async move {
            let r = match store.get(&loc).await {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let mut s = r.into_stream();
            while let Some(c) = s.next().await {
                let item = c.map_err(|e| std::io::Error::other(e.to_string()));
                let stop = item.is_err();
                if tx.send(item).await.is_err() || stop {
                    return;
                }
            }
        });
        Ok(Box::new(ChannelReader {
            rx,
            cur: Bytes::new(),
        }))
    }

    /// A blocking writer of a new object (call from a blocking thread); the object appears
    /// only when [`SyncUpload::finish`] succeeds.
    pub fn writer(&self, path: &str, rt: &tokio::runtime::Handle) -> SyncUpload {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(2);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<std::result::Result<(), String>>();
        let store = self.inner.clone();
        let loc = ObjPath::from(path);
        rt.spawn(async move {
            let mut up = match store.put_multipart(&loc).await {
                Ok(u) => u,
                Err(e) => {
                    let _ = done_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let mut parts = Vec::new();
            loop {
                match rx.recv().await {
                    Some(Msg::Part(b)) => parts.push(up.put_part(PutPayload::from(b))),
                    Some(Msg::Finish) => {
                        let mut result = Ok(());
                        for p in parts.drain(..) {
                            if let Err(e) = p.await {
                                result = Err(e.to_string());
                                break;
                            }
                        }
                        let result = match result {
                            Ok(()) => up.complete().await.map(|_| ()).map_err(|e| e.to_string()),
                            Err(e) => {
                                let _ = up.abort().await;
                                Err(e)
                            }
                        };
                        let _ = done_tx.send(result);
                        return;
                    }
                    None => {
                        for p in parts.drain(..) {
                            let _ = p.await;
                        }
                        let _ = up.abort().await;
                        return;
                    }
                }
                // Keep at most two parts in flight: bounded memory whatever the object size.
                while parts.len() >= 2 {
                    let p = parts.remove(0);
                    if let Err(e) = p.await {
                        let _ = up.abort().await;
                        let _ = done_tx.send(Err(e.to_string()));
                        return;
                    }
                }
            }
        });
        SyncUpload {
            label: self.at(path),
            buf: Vec::with_capacity(64 * 1024),
            tx: Some(tx),
            done: Some(done_rx),
            bytes: 0,
        }
    }
}

struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    cur: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur[..n]);
        self.cur = self.cur.slice(n..);
        Ok(n)
    }
}

enum Msg {
    Part(Bytes),
    Finish,
}

/// A blocking, streaming upload of one object (see [`Store::writer`]). Dropping it without
/// [`SyncUpload::finish`] aborts the upload: nothing appears.
pub struct SyncUpload {
    label: String,
    buf: Vec<u8>,
    tx: Option<tokio::sync::mpsc::Sender<Msg>>,
    done: Option<tokio::sync::oneshot::Receiver<std::result::Result<(), String>>>,
    bytes: u64,
}

impl std::fmt::Debug for SyncUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncUpload")
            .field("label", &self.label)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl SyncUpload {
    fn send(&mut self, msg: Msg) -> std::io::Result<()> {
        let tx = self
            .tx
            .as_ref()
            .ok_or_else(|| std::io::Error::other("upload already finished"))?;
        tx.blocking_send(msg)
            .map_err(|_| std::io::Error::other(format!("{}: upload failed", self.label)))
    }

    fn fail_reason(&mut self) -> Option<String> {
        self.done
            .as_mut()
            .and_then(|d| d.try_recv().ok())
            .and_then(|r| r.err())
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Upload what is left and publish the object.
    pub fn finish(mut self) -> Result<u64> {
        let label = self.label.clone();
        let io = |e: std::io::Error| Error::io(&label, e);
        if !self.buf.is_empty() {
            let b = Bytes::from(std::mem::take(&mut self.buf));
            if let Err(e) = self.send(Msg::Part(b)) {
                let why = self.fail_reason().unwrap_or_else(|| e.to_string());
                return Err(io(std::io::Error::other(why)));
            }
        }
        if let Err(e) = self.send(Msg::Finish) {
            let why = self.fail_reason().unwrap_or_else(|| e.to_string());
            return Err(io(std::io::Error::other(why)));
        }
        self.tx = None;
        let done = self
            .done
            .take()
            .ok_or_else(|| io(std::io::Error::other("upload already finished")))?;
        match done.blocking_recv() {
            Ok(Ok(())) => Ok(self.bytes),
            Ok(Err(e)) => Err(io(std::io::Error::other(e))),
            Err(_) => Err(io(std::io::Error::other("upload task stopped"))),
        }
    }
}

impl Write for SyncUpload {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        self.bytes += data.len() as u64;
        if self.buf.len() >= PART_SIZE {
            let b = Bytes::from(std::mem::replace(
                &mut self.buf,
                Vec::with_capacity(64 * 1024),
            ));
            if let Err(e) = self.send(Msg::Part(b)) {
                let why = self.fail_reason().unwrap_or_else(|| e.to_string());
                return Err(std::io::Error::other(why));
            }
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Join path segments with `/`, dropping empty ones (hubs collapse `//`).
pub fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .flat_map(|p| p.split('/'))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_collapses_slashes() {
        assert_eq!(
            join(&["Costs", "2026/03", "/providers//x/"]),
            "Costs/2026/03/providers/x"
        );
        assert_eq!(join(&["", "a"]), "a");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bridges_round_trip_through_a_memory_store() {
        let store = Store::new(Arc::new(object_store::memory::InMemory::new()), "mem");
        let rt = tokio::runtime::Handle::current();
        let s2 = store.clone();
        let data: Vec<u8> = (0..(PART_SIZE * 2 + 17)).map(|i| (i % 251) as u8).collect();
        let d2 = data.clone();
        tokio::task::spawn_blocking(move || {
            let mut w = s2.writer("a/b.bin", &rt);
            w.write_all(&d2).unwrap();
            assert_eq!(w.finish().unwrap(), d2.len() as u64);
            let mut r = s2.reader("a/b.bin", &rt).unwrap();
            let mut back = Vec::new();
            r.read_to_end(&mut back).unwrap();
            assert_eq!(back, d2);
            // Dropped without finish: nothing appears.
            let mut w = s2.writer("a/c.bin", &rt);
            w.write_all(b"half").unwrap();
        })
        .await
        .unwrap();
        assert_eq!(store.get_bytes("a/b.bin").await.unwrap().len(), data.len());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(store.head("a/c.bin").await.unwrap().is_none());
        let copy = store.local_copy("a/b.bin").await.unwrap();
        assert_eq!(std::fs::read(copy.path()).unwrap(), data);
    }
}
