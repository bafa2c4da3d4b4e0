//! Blob container URLs (`https://ACCOUNT.blob.core.windows.net/CONTAINER`, Azurite's
//! `http://127.0.0.1:10000/devstoreaccount1/CONTAINER`) as [`Store`]s.

use crate::error;
use crate::storage::Store;
use finops_core::publish::ReqwestConnector;
use finops_core::{Result, Secret};
use object_store::ObjectStore;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::prefix::PrefixStore;
use std::sync::Arc;

/// A parsed container URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerUrl {
    /// Storage account name.
    pub account: String,
    /// Container name.
    pub container: String,
    /// Blob endpoint without the container (`https://ACCOUNT.blob.core.windows.net` or
    /// `http://127.0.0.1:10000/devstoreaccount1`).
    pub endpoint: String,
    /// A folder inside the container (may be empty).
    pub prefix: String,
}

/// Parse a container URL: the Azure form (account in the host name) or the emulator form
/// (account as the first path segment, on an IP address or `localhost`).
pub fn parse_container_url(url: &str) -> Result<ContainerUrl> {
    let u = url::Url::parse(url).map_err(|e| error::location(url, e.to_string()))?;
    let host = u
        .host_str()
        .ok_or_else(|| error::location(url, "no host"))?
        .to_string();
    let mut segs: Vec<String> = u
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    let emulator = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok();
    let origin = u.origin().ascii_serialization();
    let (account, endpoint) = if emulator {
        if segs.is_empty() {
            return Err(error::location(
                url,
                "expected /ACCOUNT/CONTAINER after the host",
            ));
        }
        let a = segs.remove(0);
        (a.clone(), format!("{origin}/{a}"))
    } else {
        let a = host
            .split('.')
            .next()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| error::location(url, "no account in the host name"))?
            .to_string();
        (a, origin)
    };
    if segs.is_empty() {
        return Err(error::location(url, "no container in the URL"));
    }
    let container = segs.remove(0);
    Ok(ContainerUrl {
        account,
        container,
        endpoint,
        prefix: segs.join("/"),
    })
}

/// The account key of `account`: `AZURE_STORAGE_KEY`, else the `AccountKey` of
/// `AZURE_STORAGE_CONNECTION_STRING` when its `AccountName` is `account`.
fn account_key(account: &str) -> Option<Secret> {
    if let Ok(k) = std::env::var("AZURE_STORAGE_KEY")
        && !k.is_empty()
    {
        return Some(Secret::new(k));
    }
    let cs = std::env::var("AZURE_STORAGE_CONNECTION_STRING").ok()?;
    let fields = parse_connection_string(&cs);
    let name = fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("AccountName"))?;
    if name.1 != account {
        return None;
    }
    fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("AccountKey"))
        .map(|(_, v)| Secret::new(v.clone()))
}

/// The `key=value` pairs of a storage connection string (values may contain `=`).
pub fn parse_connection_string(cs: &str) -> Vec<(String, String)> {
    cs.split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Open a container URL as a store (key from `AZURE_STORAGE_KEY` or
/// `AZURE_STORAGE_CONNECTION_STRING`), through the workspace's HTTP transport.
pub(crate) fn open_container_url(url: &str) -> Result<Store> {
    let c = parse_container_url(url)?;
    let key = account_key(&c.account).ok_or_else(|| {
        error::location(
            url,
            format!(
                "no key for storage account {}: set AZURE_STORAGE_KEY or AZURE_STORAGE_CONNECTION_STRING",
                c.account
            ),
        )
    })?;
    let b = MicrosoftAzureBuilder::new()
        .with_account(&c.account)
        .with_container_name(&c.container)
        .with_access_key(key.expose())
        .with_endpoint(c.endpoint.clone())
        .with_allow_http(c.endpoint.starts_with("http://"))
        .with_http_connector(ReqwestConnector);
    let store = b.build().map_err(|e| error::location(url, e.to_string()))?;
    let inner: Arc<dyn ObjectStore> = if c.prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, c.prefix.as_str()))
    };
    let label = url
        .split('?')
        .next()
        .unwrap_or(url)
        .trim_end_matches('/')
        .to_string();
    Ok(Store::new(inner, label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_url_forms() {
        let a = parse_container_url("https://acme.blob.core.windows.net/msexports").unwrap();
        assert_eq!(a.account, "acme");
        assert_eq!(a.container, "msexports");
        assert_eq!(a.endpoint, "https://acme.blob.core.windows.net");
        let e =
            parse_container_url("http://127.0.0.1:10000/devstoreaccount1/ingestion/sub").unwrap();
        assert_eq!(e.account, "devstoreaccount1");
        assert_eq!(e.container, "ingestion");
        assert_eq!(e.endpoint, "http://127.0.0.1:10000/devstoreaccount1");
        assert_eq!(e.prefix, "sub");
        assert!(parse_container_url("https://acme.blob.core.windows.net/").is_err());
        let cs = parse_connection_string(
            "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k==;BlobEndpoint=http://x/a;",
        );
        assert_eq!(cs[2], ("AccountKey".to_string(), "k==".to_string()));
    }
}
