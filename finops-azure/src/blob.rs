//! Blob container URLs (`https://ACCOUNT.blob.core.windows.net/CONTAINER`, Azurite's
//! `http://127.0.0.1:10000/devstoreaccount1/CONTAINER`) as [`Store`]s.

use crate::error;
use crate::storage::Store;
use finops_core::Result;

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

/// Open a container URL as a store (key from `AZURE_STORAGE_KEY` or
/// `AZURE_STORAGE_CONNECTION_STRING`).
pub(crate) fn open_container_url(url: &str) -> Result<Store> {
    let c = parse_container_url(url)?;
    Err(error::location(
        url,
        format!(
            "blob container {}/{} : Azure Blob access is not built into this version yet; use a local directory",
            c.account, c.container
        ),
    ))
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
    }
}
