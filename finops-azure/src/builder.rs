//! [`AzureBuilder`]: configure the Cost Management client; `build()` is the only fallible call.

use crate::client::{
    CostManagementClient, DEFAULT_ENDPOINT, RATE_LIMIT_HEADERS, check_scope, parse_error,
};
use crate::credential::{EntraCredential, MANAGEMENT_SCOPE};
use crate::error;
use crate::mapping::QuerySpec;
use crate::{Azure, PROVIDER};
use finops_core::clock::SharedClock;
use finops_core::http::oauth2::TokenProvider;
use finops_core::http::{ClientOptions, HttpClient, RetryConfig, Url};
use finops_core::{Result, Secret};
use std::str::FromStr;
use std::sync::Arc;

/// Configuration keys (`AZURE_*` environment variables, or [`AzureBuilder::with_config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AzureConfigKey {
    /// `AZURE_TENANT_ID`: the Entra tenant (GUID or domain).
    TenantId,
    /// `AZURE_CLIENT_ID`: the app registration's client id.
    ClientId,
    /// `AZURE_CLIENT_SECRET`: its secret.
    ClientSecret,
    /// `AZURE_AUTHORITY_HOST`: Entra's authority (default `https://login.microsoftonline.com`).
    AuthorityHost,
    /// `AZURE_MANAGEMENT_ENDPOINT`: Resource Manager (default `https://management.azure.com`).
    ManagementEndpoint,
    /// `AZURE_COST_SCOPES`: comma-separated scope ids queried by the cost source.
    CostScopes,
}

impl AzureConfigKey {
    /// All keys.
    pub const ALL: [AzureConfigKey; 6] = [
        AzureConfigKey::TenantId,
        AzureConfigKey::ClientId,
        AzureConfigKey::ClientSecret,
        AzureConfigKey::AuthorityHost,
        AzureConfigKey::ManagementEndpoint,
        AzureConfigKey::CostScopes,
    ];

    /// The environment variable name (those of the Azure SDKs' environment credential where
    /// one exists).
    pub fn env_name(&self) -> &'static str {
        match self {
            AzureConfigKey::TenantId => "AZURE_TENANT_ID",
            AzureConfigKey::ClientId => "AZURE_CLIENT_ID",
            AzureConfigKey::ClientSecret => "AZURE_CLIENT_SECRET",
            AzureConfigKey::AuthorityHost => "AZURE_AUTHORITY_HOST",
            AzureConfigKey::ManagementEndpoint => "AZURE_MANAGEMENT_ENDPOINT",
            AzureConfigKey::CostScopes => "AZURE_COST_SCOPES",
        }
    }
}

impl FromStr for AzureConfigKey {
    type Err = finops_core::Error;

    fn from_str(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        let norm = norm.strip_prefix("azure_").unwrap_or(&norm);
        Ok(match norm {
            "tenant_id" | "tenant" => AzureConfigKey::TenantId,
            "client_id" => AzureConfigKey::ClientId,
            "client_secret" => AzureConfigKey::ClientSecret,
            "authority_host" | "authority" => AzureConfigKey::AuthorityHost,
            "management_endpoint" | "endpoint" => AzureConfigKey::ManagementEndpoint,
            "cost_scopes" | "scopes" | "scope" => AzureConfigKey::CostScopes,
            _ => {
                return Err(error::config(
                    "config key",
                    format!("unknown Azure configuration key {s:?}"),
                ));
            }
        })
    }
}

/// Builder of [`Azure`] (the Cost Management client and `CostSource`).
///
/// ```no_run
/// # async fn f() -> finops_core::Result<()> {
/// use finops_azure::AzureBuilder;
/// use finops_core::source::{CostQuery, CostSource};
/// let azure = AzureBuilder::from_env() // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_COST_SCOPES
///     .with_scope("/providers/Microsoft.Billing/billingAccounts/8611537")
///     .build()?;
/// let records = azure.costs(&CostQuery::default()).await?; // month to date, FOCUS 1.2
/// # drop(records); Ok(()) }
/// ```
#[derive(Default)]
pub struct AzureBuilder {
    tenant_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    authority: Option<String>,
    credential: Option<EntraCredential>,
    token: Option<Arc<dyn TokenProvider>>,
    scopes: Vec<String>,
    spec: QuerySpec,
    options: ClientOptions,
}

impl std::fmt::Debug for AzureBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureBuilder")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("credential", &self.credential)
            .field("scopes", &self.scopes)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl AzureBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from the `AZURE_*` environment variables.
    pub fn from_env() -> Self {
        let mut b = Self::new();
        for key in AzureConfigKey::ALL {
            if let Ok(v) = std::env::var(key.env_name())
                && !v.is_empty()
            {
                b = b.with_config(key, v);
            }
        }
        b
    }

    /// Set one configuration value.
    pub fn with_config(mut self, key: AzureConfigKey, value: impl Into<String>) -> Self {
        let v = value.into();
        match key {
            AzureConfigKey::TenantId => self.tenant_id = Some(v),
            AzureConfigKey::ClientId => self.client_id = Some(v),
            AzureConfigKey::ClientSecret => self.client_secret = Some(Secret::new(v)),
            AzureConfigKey::AuthorityHost => self.authority = Some(v),
            AzureConfigKey::ManagementEndpoint => self.options.endpoint = Some(v),
            AzureConfigKey::CostScopes => {
                self.scopes = v
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
            }
        }
        self
    }

    /// An Entra app credential (wins over tenant/client id/secret).
    pub fn with_credential(mut self, credential: EntraCredential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Any bearer-token provider (a token obtained elsewhere, tests).
    pub fn with_token_provider(mut self, token: Arc<dyn TokenProvider>) -> Self {
        self.token = Some(token);
        self
    }

    /// Add a scope the cost source queries (`/subscriptions/ID`,
    /// `/providers/Microsoft.Billing/billingAccounts/ID`, ...).
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        let s = scope.into();
        if !self.scopes.iter().any(|x| x.eq_ignore_ascii_case(&s)) {
            self.scopes.push(s);
        }
        self
    }

    /// What the cost source asks for (basis, granularity, grouping, filter).
    pub fn with_query_spec(mut self, spec: QuerySpec) -> Self {
        self.spec = spec;
        self
    }

    /// Resource Manager endpoint (national clouds, an emulator).
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        self.options.endpoint = Some(url.into());
        self
    }

    /// Clock (token expiry, month to date, `Retry-After` dates). Default: the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.options = self.options.with_clock(clock);
        self
    }

    /// Retry policy (the throttling headers are always added to it).
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.options = self.options.with_retry(retry);
        self
    }

    /// Longest one HTTP attempt may take (default 60 s).
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.options = self.options.with_timeout(timeout);
        self
    }

    /// Connect timeout of one attempt (default 5 s).
    pub fn with_connect_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.options = self.options.with_connect_timeout(timeout);
        self
    }

    /// Space the calls (none by default; 429s are honoured by the retry loop).
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.options = self.options.with_rate_limit(per_second, burst);
        self
    }

    /// Every client setting at once (overlaid: what `options` gives wins). Its `endpoint`,
    /// when set, is the Resource Manager endpoint.
    pub fn with_client_options(mut self, options: &ClientOptions) -> Self {
        self.options = self.options.merged_with(options);
        self
    }

    fn credential(&self) -> Result<Option<EntraCredential>> {
        if let Some(c) = &self.credential {
            return Ok(Some(c.clone()));
        }
        match (&self.tenant_id, &self.client_id, &self.client_secret) {
            (None, None, None) => Ok(None),
            (Some(t), Some(c), Some(s)) => {
                let cred = EntraCredential::new(t.clone(), c.clone(), s.clone())?;
                match &self.authority {
                    Some(a) => cred.with_authority(a).map(Some),
                    None => Ok(Some(cred)),
                }
            }
            _ => Err(error::config(
                "AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET",
                "client credentials need all three of tenant id, client id and client secret",
            )),
        }
    }

    /// Validate the configuration and build the client (no network call).
    pub fn build(self) -> Result<Azure> {
        for s in &self.scopes {
            check_scope(s)?;
        }
        if self.spec.grouping.len() > crate::model::MAX_GROUPINGS {
            return Err(error::config(
                "query spec",
                format!(
                    "{} groupings; the Query API takes at most {}",
                    self.spec.grouping.len(),
                    crate::model::MAX_GROUPINGS
                ),
            ));
        }
        let endpoint_text = self
            .options
            .endpoint
            .clone()
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        let endpoint = Url::parse(endpoint_text.trim_end_matches('/')).map_err(|e| {
            error::config(
                "AZURE_MANAGEMENT_ENDPOINT",
                format!("{endpoint_text:?}: {e}"),
            )
        })?;
        if !matches!(endpoint.scheme(), "https" | "http") || endpoint.cannot_be_a_base() {
            return Err(error::config(
                "AZURE_MANAGEMENT_ENDPOINT",
                format!("{endpoint_text:?} is not an http(s) base URL"),
            ));
        }
        let clock = self.options.clock_or_system();
        let mut retry = self.options.retry.clone().unwrap_or_default();
        for h in RATE_LIMIT_HEADERS {
            if !retry
                .retry_after_headers
                .iter()
                .any(|x| x.eq_ignore_ascii_case(h))
            {
                retry.retry_after_headers.push((*h).to_string());
            }
        }
        let options = self
            .options
            .clone()
            .with_clock(clock.clone())
            .with_retry(retry);
        let credential = self.credential()?;
        let redact = credential.as_ref().map(|c| c.secrets()).unwrap_or_default();
        let token: Arc<dyn TokenProvider> = match (self.token, &credential) {
            (Some(t), _) => t,
            (None, Some(c)) => Arc::new(c.token_provider(
                MANAGEMENT_SCOPE,
                HttpClient::builder(PROVIDER).with_options(&options)?,
            )?),
            (None, None) => {
                return Err(error::config(
                    "AZURE_CLIENT_ID",
                    "no credential: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or with_credential)",
                ));
            }
        };
        let http = HttpClient::builder(PROVIDER)
            .with_error_parser(Arc::new(parse_error))
            .with_options(&options)?
            .with_redactions(redact)
            .build()?;
        tracing::debug!(provider = PROVIDER, endpoint = %endpoint, scopes = ?self.scopes, "Cost Management client");
        Ok(Azure {
            client: CostManagementClient {
                http,
                token,
                endpoint,
            },
            scopes: self.scopes,
            spec: self.spec,
            clock,
            concurrency: options.concurrency_or(2),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_validation() {
        assert_eq!(
            "azure-tenant-id".parse::<AzureConfigKey>().unwrap(),
            AzureConfigKey::TenantId
        );
        assert!("nope".parse::<AzureConfigKey>().is_err());
        let e = AzureBuilder::new().build().unwrap_err();
        assert!(e.to_string().contains("no credential"), "{e}");
        let e = AzureBuilder::new()
            .with_config(AzureConfigKey::TenantId, "t")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("all three"), "{e}");
        let b = AzureBuilder::new()
            .with_config(AzureConfigKey::TenantId, "contoso.onmicrosoft.com")
            .with_config(AzureConfigKey::ClientId, "c")
            .with_config(AzureConfigKey::ClientSecret, "s3cret-value")
            .with_config(
                AzureConfigKey::CostScopes,
                "/subscriptions/a, /subscriptions/b",
            );
        assert!(!format!("{b:?}").contains("s3cret-value"));
        let a = b.build().unwrap();
        assert_eq!(a.scopes(), ["/subscriptions/a", "/subscriptions/b"]);
        assert!(
            AzureBuilder::new()
                .with_token_provider(Arc::new(finops_core::http::oauth2::StaticToken(
                    Secret::new("t")
                )))
                .with_scope("subscriptions/x")
                .build()
                .is_err()
        );
        assert!(
            AzureBuilder::new()
                .with_token_provider(Arc::new(finops_core::http::oauth2::StaticToken(
                    Secret::new("t")
                )))
                .with_endpoint("ftp://x")
                .build()
                .is_err()
        );
    }
}
