//! Shared test helpers: a fixed clock, exports/ingestion directories, a fault-injecting store.
#![allow(dead_code, unreachable_pub)]

use async_trait::async_trait;
use chrono::NaiveDate;
use finops_azure::Store;
use finops_azure::ingest::commit;
use finops_core::clock::{FixedClock, SharedClock};
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, UploadPart,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub fn clock() -> SharedClock {
    Arc::new(FixedClock::new("2026-04-02T06:00:00Z".parse().unwrap()))
}

pub fn march() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

/// Every committed file of the Costs dataset and the sum of their BilledCost (exact text).
pub async fn committed_costs(store: &Store) -> (Vec<String>, u64, String) {
    let mut files = Vec::new();
    for folder in commit::marker_folders(store, "Costs").await.unwrap() {
        files.extend(commit::committed_files(store, &folder).await.unwrap());
    }
    let mut rows = 0;
    let mut sum: i128 = 0;
    for f in &files {
        let copy = store.local_copy(f).await.unwrap();
        let (n, t) =
            finops_azure::ingest::convert::reread_totals(copy.path(), f, Some("BilledCost"))
                .unwrap();
        rows += n;
        sum += t.unwrap_or(0);
    }
    (
        files,
        rows,
        finops_azure::ingest::cells::format_decimal18(sum),
    )
}

/// Every object under a prefix, as paths.
pub async fn all_paths(store: &Store, prefix: &str) -> Vec<String> {
    store
        .list(Some(prefix))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.location.to_string())
        .collect()
}

/// A store that fails its `n`-th mutating step (object published, object deleted) and every
/// one after it, as a crash would: nothing after the crash point happens.
#[derive(Debug)]
pub struct CrashingStore {
    pub inner: Arc<dyn ObjectStore>,
    pub left: Arc<AtomicI64>,
}

impl CrashingStore {
    pub fn new(inner: Arc<dyn ObjectStore>, crash_at: i64) -> Self {
        CrashingStore {
            inner,
            left: Arc::new(AtomicI64::new(crash_at)),
        }
    }
}

fn step(left: &AtomicI64) -> object_store::Result<()> {
    if left.fetch_sub(1, Ordering::SeqCst) <= 1 {
        return Err(object_store::Error::Generic {
            store: "crash",
            source: "injected crash".into(),
        });
    }
    Ok(())
}

impl std::fmt::Display for CrashingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Crashing({})", self.inner)
    }
}

#[derive(Debug)]
struct CrashingUpload {
    inner: Box<dyn MultipartUpload>,
    left: Arc<AtomicI64>,
}

#[async_trait]
impl MultipartUpload for CrashingUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        self.inner.put_part(data)
    }
    async fn complete(&mut self) -> object_store::Result<PutResult> {
        step(&self.left)?;
        self.inner.complete().await
    }
    async fn abort(&mut self) -> object_store::Result<()> {
        self.inner.abort().await
    }
}

#[async_trait]
impl ObjectStore for CrashingStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        step(&self.left)?;
        self.inner.put_opts(location, payload, opts).await
    }
    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        let inner = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(CrashingUpload {
            inner,
            left: self.left.clone(),
        }))
    }
    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }
    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let inner = self.inner.clone();
        let left = self.left.clone();
        locations
            .then(move |p| {
                let inner = inner.clone();
                let left = left.clone();
                async move {
                    let p = p?;
                    step(&left)?;
                    let mut s = inner.delete_stream(futures::stream::iter([Ok(p.clone())]).boxed());
                    match s.next().await {
                        Some(r) => r,
                        None => Ok(p),
                    }
                }
            })
            .boxed()
    }
    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }
    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }
    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        step(&self.left)?;
        self.inner.copy_opts(from, to, options).await
    }
}
