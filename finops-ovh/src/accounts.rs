//! The token directory: one credential file per application / information system (OVH-01).
//!
//! Every regular, non-hidden file of the directory is one python-ovh INI credential file; its
//! name without extension (`ProSanteConnect.txt` → `ProSanteConnect`) is the account and
//! information-system name. Files are taken in file-name order (the tenant dedup order). A
//! bad file gives an [`AccountError`] naming it and the others are loaded.

use crate::account::{AccountError, OvhAccount};
use crate::builder::OvhBuilder;
use finops_core::clock::SharedClock;
use finops_core::fs::DirFilter;
use finops_core::http::{ClientOptions, RateLimiter, RetryConfig};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How to load a token directory: the [`ClientOptions`] applied to every credential file
/// (`--endpoint` is its [`ClientOptions::endpoint`]).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AccountOptions {
    /// Client settings of every account (endpoint override, rate limit per credential, clock,
    /// retry policy, timeouts).
    pub client: ClientOptions,
}

impl AccountOptions {
    /// Defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Options from client settings.
    pub fn with_client_options(mut self, client: ClientOptions) -> Self {
        self.client = client;
        self
    }

    /// Override every endpoint (`--endpoint URL`).
    pub fn with_endpoint_override(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.with_endpoint(url);
        self
    }

    /// Rate limit per credential (default [`crate::builder::DEFAULT_RATE_PER_SEC`]).
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.client = self.client.with_rate_limit(per_second, burst);
        self
    }

    /// Clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.client = self.client.with_clock(clock);
        self
    }

    /// Retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.client = self.client.with_retry(retry);
        self
    }

    /// Per-attempt timeout.
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.client = self.client.with_timeout(d);
        self
    }
}

/// The accounts loaded from a directory, and the files that could not be used.
#[derive(Debug, Default)]
pub struct LoadedAccounts {
    /// Usable accounts in file-name order.
    pub accounts: Vec<OvhAccount>,
    /// One entry per bad file (`call` = `read credential file`).
    pub errors: Vec<AccountError>,
}

/// The account name of a credential file: its name without extension.
pub fn account_name(path: &Path) -> String {
    path.file_stem()
        .or_else(|| path.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The credential files of `dir`, sorted by file name (hidden files and folders skipped;
/// [`finops_core::fs::list_files`]).
pub fn credential_files(dir: &Path) -> finops_core::Result<Vec<PathBuf>> {
    match finops_core::fs::list_files(dir, &DirFilter::visible_files()) {
        // An empty folder is no error for a listing.
        Err(finops_core::Error::Config { .. }) if dir.is_dir() => Ok(Vec::new()),
        other => other,
    }
}

/// Load every credential file of `dir` (the shared directory loader
/// [`finops_core::fs::load_dir`]). Fails only when the directory cannot be read (or holds
/// no file); a bad file is reported in [`LoadedAccounts::errors`]. Files holding the same
/// credential share one rate limiter.
pub fn load_dir(dir: &Path, opts: &AccountOptions) -> finops_core::Result<LoadedAccounts> {
    let mut limiters: HashMap<String, Arc<RateLimiter>> = HashMap::new();
    let files = finops_core::fs::load_dir(dir, &DirFilter::visible_files(), |path, text| {
        let name = account_name(path);
        let mut b = OvhBuilder::from_ini_path_and_text(path, text)?
            .with_name(name)
            .with_client_options(&opts.client);
        if let Some(id) = b.credential_identity() {
            if let Some(l) = limiters.get(&id) {
                b = b.with_rate_limiter(l.clone());
            } else if !b.has_rate_limit() || opts.client.rate_limit.is_some() {
                let (r, burst) = opts.client.rate_limit.unwrap_or((
                    crate::builder::DEFAULT_RATE_PER_SEC,
                    crate::builder::DEFAULT_BURST,
                ));
                let l = Arc::new(RateLimiter::new(r, burst));
                limiters.insert(id, l.clone());
                b = b.with_rate_limiter(l);
            }
        }
        b.build()
    })
    .map_err(|e| match e {
        finops_core::Error::Config { .. } => finops_core::Error::config_at(
            dir.display().to_string(),
            "token directory",
            "no credential file found",
        ),
        other => other,
    })?;
    let mut out = LoadedAccounts::default();
    for f in files {
        let name = account_name(&f.path);
        match f.result {
            Ok(client) => out.accounts.push(OvhAccount { name, client }),
            Err(e) => out.errors.push(AccountError::new(
                name,
                format!("read credential file {}", f.path.display()),
                e,
            )),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_sorted_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let ok = "[default]\nendpoint=ovh-eu\n[ovh-eu]\napplication_key=a\napplication_secret=b\nconsumer_key=c\n";
        std::fs::write(dir.path().join("Zeta.txt"), ok).unwrap();
        std::fs::write(dir.path().join("Alpha"), ok).unwrap();
        std::fs::write(dir.path().join("Broken"), "[default]\nendpoint=ovh-eu\n").unwrap();
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        let l = load_dir(
            dir.path(),
            &AccountOptions::new().with_endpoint_override("http://127.0.0.1:1/1.0"),
        )
        .unwrap();
        let names: Vec<_> = l.accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Alpha", "Zeta"]);
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].file, "Broken");
        assert!(
            l.errors[0].message().contains("application_key"),
            "{}",
            l.errors[0].message()
        );
        assert_eq!(
            l.accounts[0].client.base_url().as_str(),
            "http://127.0.0.1:1/1.0"
        );
    }

    #[test]
    fn empty_dir_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_dir(dir.path(), &AccountOptions::new()).is_err());
    }
}
