//! Entra ID (Azure AD) application credentials: client credentials against
//! `POST {authority}/{tenant}/oauth2/v2.0/token`, form-encoded `client_id`, `client_secret`,
//! `grant_type=client_credentials` and a `scope` ending in `/.default`
//! (`https://graph.microsoft.com/.default` for Microsoft Graph,
//! `https://management.azure.com/.default` for Cost Management).
//!
//! The token itself is fetched, cached, refreshed before expiry and renewed on 401 by
//! finops-core's [`OAuth2ClientCredentials`]; this module only knows Entra's URLs and
//! parameters.

use finops_core::http::{ClientAuth, HttpClientBuilder, OAuth2ClientCredentials, Url};
use finops_core::{Error, Result, Secret};

/// The public cloud's authority host.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// Scope of Microsoft Graph (SharePoint, OneDrive).
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// Scope of Azure Resource Manager (Cost Management).
pub const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";

/// An app registration's client-secret credential in one tenant.
#[derive(Clone)]
pub struct EntraCredential {
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    authority: Url,
}

impl std::fmt::Debug for EntraCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntraCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("authority", &self.authority.as_str())
            .finish()
    }
}

fn check_tenant(tenant: &str) -> Result<()> {
    // A GUID, a domain (contoso.onmicrosoft.com) or `organizations`: it becomes a path segment.
    if tenant.is_empty()
        || !tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(Error::config(format!(
            "Entra tenant {tenant:?}: expected a tenant id (GUID) or a domain name"
        )));
    }
    Ok(())
}

impl EntraCredential {
    /// A credential for `client_id` in `tenant_id` (GUID or domain), public cloud authority.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Result<Self> {
        let tenant_id = tenant_id.into();
        check_tenant(&tenant_id)?;
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(Error::config("Entra client id is empty"));
        }
        Ok(EntraCredential {
            tenant_id,
            client_id,
            client_secret,
            authority: Url::parse(DEFAULT_AUTHORITY)
                .map_err(|e| Error::config(format!("authority: {e}")))?,
        })
    }

    /// From `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and optionally
    /// `AZURE_AUTHORITY_HOST` (the variable names of the Azure SDKs' environment credential).
    pub fn from_env() -> Result<Self> {
        let var = |k: &str| {
            std::env::var(k)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::config(format!("{k} is not set")))
        };
        let c = Self::new(
            var("AZURE_TENANT_ID")?,
            var("AZURE_CLIENT_ID")?,
            Secret::new(var("AZURE_CLIENT_SECRET")?),
        )?;
        match std::env::var("AZURE_AUTHORITY_HOST") {
            Ok(h) if !h.is_empty() => c.with_authority(&h),
            _ => Ok(c),
        }
    }

    /// Another authority host (national clouds, or an emulator's URL).
    pub fn with_authority(mut self, authority: &str) -> Result<Self> {
        self.authority = Url::parse(authority)
            .map_err(|e| Error::config(format!("Entra authority {authority:?}: {e}")))?;
        Ok(self)
    }

    /// The tenant.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The secrets to redact from other clients' error bodies.
    pub fn secrets(&self) -> Vec<Secret> {
        vec![self.client_secret.clone()]
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self) -> Result<Url> {
        let mut u = self.authority.clone();
        {
            let mut p = u.path_segments_mut().map_err(|_| {
                Error::config(format!(
                    "Entra authority {} cannot be a base",
                    self.authority
                ))
            })?;
            p.pop_if_empty()
                .extend([self.tenant_id.as_str(), "oauth2", "v2.0", "token"]);
        }
        Ok(u)
    }

    /// A token provider for `scope` (e.g. [`GRAPH_SCOPE`]): form client authentication, the
    /// token refreshed 5 minutes before it expires. `http` sets the clock, retry policy and
    /// timeouts of the token calls.
    pub fn token_provider(
        &self,
        scope: &str,
        http: HttpClientBuilder,
    ) -> Result<OAuth2ClientCredentials> {
        OAuth2ClientCredentials::builder(
            crate::PROVIDER,
            self.token_url()?,
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .with_client_auth(ClientAuth::Form)
        .with_scope(scope)
        .with_http(http)
        .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_url_and_request_match_the_documented_form() {
        let c = EntraCredential::new(
            "00000000-0000-0000-0000-0000000000aa",
            "00000000-0000-0000-0000-000000000000",
            Secret::new("FAKE-SECRET"),
        )
        .unwrap();
        assert_eq!(
            c.token_url().unwrap().as_str(),
            "https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000aa/oauth2/v2.0/token"
        );
        let p = c
            .token_provider(
                MANAGEMENT_SCOPE,
                finops_core::http::HttpClient::builder("azure"),
            )
            .unwrap();
        let r = p.token_request(false).unwrap();
        // The fields of shared/reference fixtures/azure_token_examples.json.
        let form: std::collections::BTreeMap<String, String> =
            url::form_urlencoded::parse(&r.body).into_owned().collect();
        assert_eq!(form["grant_type"], "client_credentials");
        assert_eq!(form["client_id"], "00000000-0000-0000-0000-000000000000");
        assert_eq!(form["client_secret"], "FAKE-SECRET");
        assert_eq!(form["scope"], "https://management.azure.com/.default");
        assert!(!format!("{c:?}").contains("FAKE-SECRET"));
    }

    #[test]
    fn tenant_is_checked() {
        for bad in ["", "a/b", "../x", "t?x=1"] {
            assert!(
                EntraCredential::new(bad, "c", Secret::new("s")).is_err(),
                "{bad}"
            );
        }
        let c = EntraCredential::new("contoso.onmicrosoft.com", "c", Secret::new("s"))
            .unwrap()
            .with_authority("http://127.0.0.1:8080/")
            .unwrap();
        assert_eq!(
            c.token_url().unwrap().as_str(),
            "http://127.0.0.1:8080/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }
}
