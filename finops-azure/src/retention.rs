//! Retention (AZ-11): remove the month folders older than the configured number of months per
//! dataset. As in hubs, purging happens only as part of a successful ingestion: nothing is
//! deleted when the latest ingestion failed, or when the newest data is itself older than the
//! window (ingestion stopped: history is kept, not silently dropped, hubs #1372). Folders
//! without `{yyyy}/{mm}` (`all`, `{yyyy}` alone) never age out.

use crate::ingest::commit;
use crate::ingest::layout::month_of_path;
use crate::storage::Store;
use chrono::{DateTime, Datelike, Utc};
use finops_core::Result;

/// What retention did (or why it did nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetentionReport {
    /// Folders removed (`Costs/2024/01/...`).
    pub removed: Vec<String>,
    /// Objects deleted.
    pub objects: usize,
    /// Why nothing was removed, when so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

fn month_index(y: i32, m: u32) -> i64 {
    i64::from(y) * 12 + i64::from(m) - 1
}

/// The hubs datasets retention applies to (each with its own month folders).
pub const RETAINED_DATASETS: [&str; 5] = [
    "Costs",
    "Prices",
    "CommitmentDiscountUsage",
    "Recommendations",
    "Transactions",
];

/// [`apply_retention`] on every dataset of [`RETAINED_DATASETS`], in that order: one report
/// per dataset.
pub async fn apply_retention_all(
    store: &Store,
    months: u32,
    now: DateTime<Utc>,
    last_ingestion_ok: bool,
) -> Result<Vec<(&'static str, RetentionReport)>> {
    let mut out = Vec::with_capacity(RETAINED_DATASETS.len());
    for ds in RETAINED_DATASETS {
        out.push((
            ds,
            apply_retention(store, ds, months, now, last_ingestion_ok).await?,
        ));
    }
    Ok(out)
}

/// Remove the folders of `dataset` whose month is `months` or more before the month of
/// `now` (the current month and the `months - 1` before it are kept). `last_ingestion_ok`
/// is false when the latest ingestion failed: then nothing is deleted.
pub async fn apply_retention(
    store: &Store,
    dataset: &str,
    months: u32,
    now: DateTime<Utc>,
    last_ingestion_ok: bool,
) -> Result<RetentionReport> {
    let mut rep = RetentionReport::default();
    if !last_ingestion_ok {
        rep.skipped = Some("the latest ingestion failed; nothing deleted".into());
        return Ok(rep);
    }
    let cutoff = month_index(now.year(), now.month()) - i64::from(months) + 1;
    let folders = commit::marker_folders(store, dataset).await?;
    let newest = folders
        .iter()
        .filter_map(|f| {
            f.strip_prefix(dataset)
                .and_then(|r| month_of_path(r.trim_start_matches('/')))
        })
        .map(|(y, m)| month_index(y, m))
        .max();
    match newest {
        None => return Ok(rep),
        Some(n) if n < cutoff => {
            rep.skipped = Some(format!(
                "the newest {dataset} data is older than the {months}-month window (ingestion stopped?); nothing deleted"
            ));
            return Ok(rep);
        }
        _ => {}
    }
    let all = store.list(Some(dataset)).await?;
    for folder in folders {
        let Some((y, m)) = folder
            .strip_prefix(dataset)
            .and_then(|r| month_of_path(r.trim_start_matches('/')))
        else {
            continue;
        };
        if month_index(y, m) >= cutoff {
            continue;
        }
        let prefix = format!("{folder}/");
        // Data first, marker last: an interrupted purge leaves a marker the next run finds.
        let mut objs: Vec<String> = all
            .iter()
            .map(|o| o.location.to_string())
            .filter(|p| p.starts_with(&prefix) && !p[prefix.len()..].contains('/'))
            .collect();
        objs.sort_by_key(|p| p.ends_with(commit::MARKER));
        for p in &objs {
            store.delete(p).await?;
        }
        rep.objects += objs.len();
        rep.removed.push(folder);
    }
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn put_month(store: &Store, month: &str) {
        let f = format!("Costs/{month}/subscriptions/s1");
        store
            .put_bytes(&format!("{f}/r__a.parquet"), b"x".to_vec())
            .await
            .unwrap();
        store
            .put_bytes(&format!("{f}/manifest.json"), b"{}".to_vec())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn removes_exactly_the_expired_months() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::local(dir.path()).unwrap();
        for m in [
            "2025/01", "2025/02", "2025/03", "2026/01", "2026/02", "2026/03",
        ] {
            put_month(&s, m).await;
        }
        s.put_bytes("Costs/all/aws/1/manifest.json", b"{}".to_vec())
            .await
            .unwrap();
        let now: DateTime<Utc> = "2026-03-15T00:00:00Z".parse().unwrap();
        // Failed ingestion: nothing.
        let r = apply_retention(&s, "Costs", 13, now, false).await.unwrap();
        assert!(r.removed.is_empty() && r.skipped.is_some());
        // 13 months kept: 2025-03 .. 2026-03.
        let r = apply_retention(&s, "Costs", 13, now, true).await.unwrap();
        assert_eq!(
            r.removed,
            [
                "Costs/2025/01/subscriptions/s1",
                "Costs/2025/02/subscriptions/s1"
            ]
        );
        assert_eq!(r.objects, 4);
        let left: Vec<String> = s
            .list(Some("Costs"))
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.location.to_string())
            .collect();
        assert!(left.iter().any(|p| p.starts_with("Costs/2025/03/")));
        assert!(left.iter().any(|p| p.starts_with("Costs/all/")));
        assert!(
            !left
                .iter()
                .any(|p| p.starts_with("Costs/2025/01/") || p.starts_with("Costs/2025/02/"))
        );
        // Ingestion stopped long ago: nothing deleted.
        let later: DateTime<Utc> = "2028-01-01T00:00:00Z".parse().unwrap();
        let r = apply_retention(&s, "Costs", 13, later, true).await.unwrap();
        assert!(r.removed.is_empty());
        assert!(r.skipped.unwrap().contains("older than"));
    }
}
