//! [`ArcGisBuilder`]: configure a portal connection; `build()` is the only fallible call.

use crate::client::{ArcGisClient, parse_error};
use crate::credential::{ArcGisCredential, TokenSigner};
use crate::error::ArcGisError;
use crate::mapping::CreditPrice;
use crate::{ArcGis, PROVIDER};
use finops_core::clock::SharedClock;
use finops_core::http::{ClientOptions, HttpClient, RetryConfig, Url};
use finops_core::{Currency, Result, Secret};
use std::str::FromStr;
use std::sync::Arc;

/// Configuration keys (`ARCGIS_*` environment variables, or [`ArcGisBuilder::with_config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArcGisConfigKey {
    /// `ARCGIS_PORTAL`: `https://www.arcgis.com`, `https://<org>.maps.arcgis.com` or an
    /// Enterprise portal `https://host/portal` (the REST root `/sharing/rest` is added).
    Portal,
    /// `ARCGIS_TOKEN`: a ready token (not renewable).
    Token,
    /// `ARCGIS_USERNAME`: user for `generateToken`.
    Username,
    /// `ARCGIS_PASSWORD`: password for `generateToken`.
    Password,
    /// `ARCGIS_REFERER`: referer bound to a `generateToken` token and sent as the `Referer`
    /// header of every call (default `http`, the Python lib's).
    Referer,
    /// `ARCGIS_CLIENT_ID`: OAuth2 app client id.
    ClientId,
    /// `ARCGIS_CLIENT_SECRET`: OAuth2 app client secret.
    ClientSecret,
    /// `ARCGIS_TOKEN_EXPIRATION`: token lifetime asked for, in minutes (default 60).
    TokenExpiration,
    /// `ARCGIS_PRICE_PER_CREDIT`: price of one credit (with `ARCGIS_CURRENCY`), for the
    /// [`CostSource`](finops_core::CostSource) records.
    PricePerCredit,
    /// `ARCGIS_CURRENCY`: ISO 4217 currency of the price per credit.
    Currency,
}

impl ArcGisConfigKey {
    /// All keys.
    pub const ALL: [ArcGisConfigKey; 10] = [
        ArcGisConfigKey::Portal,
        ArcGisConfigKey::Token,
        ArcGisConfigKey::Username,
        ArcGisConfigKey::Password,
        ArcGisConfigKey::Referer,
        ArcGisConfigKey::ClientId,
        ArcGisConfigKey::ClientSecret,
        ArcGisConfigKey::TokenExpiration,
        ArcGisConfigKey::PricePerCredit,
        ArcGisConfigKey::Currency,
    ];

    /// The environment variable name.
    pub fn env_name(&self) -> &'static str {
        match self {
            ArcGisConfigKey::Portal => "ARCGIS_PORTAL",
            ArcGisConfigKey::Token => "ARCGIS_TOKEN",
            ArcGisConfigKey::Username => "ARCGIS_USERNAME",
            ArcGisConfigKey::Password => "ARCGIS_PASSWORD",
            ArcGisConfigKey::Referer => "ARCGIS_REFERER",
            ArcGisConfigKey::ClientId => "ARCGIS_CLIENT_ID",
            ArcGisConfigKey::ClientSecret => "ARCGIS_CLIENT_SECRET",
            ArcGisConfigKey::TokenExpiration => "ARCGIS_TOKEN_EXPIRATION",
            ArcGisConfigKey::PricePerCredit => "ARCGIS_PRICE_PER_CREDIT",
            ArcGisConfigKey::Currency => "ARCGIS_CURRENCY",
        }
    }
}

impl FromStr for ArcGisConfigKey {
    type Err = finops_core::Error;

    fn from_str(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        let norm = norm.strip_prefix("arcgis_").unwrap_or(&norm);
        Ok(match norm {
            "portal" | "url" => ArcGisConfigKey::Portal,
            "token" => ArcGisConfigKey::Token,
            "username" | "user" => ArcGisConfigKey::Username,
            "password" => ArcGisConfigKey::Password,
            "referer" => ArcGisConfigKey::Referer,
            "client_id" => ArcGisConfigKey::ClientId,
            "client_secret" => ArcGisConfigKey::ClientSecret,
            "token_expiration" => ArcGisConfigKey::TokenExpiration,
            "price_per_credit" => ArcGisConfigKey::PricePerCredit,
            "currency" => ArcGisConfigKey::Currency,
            _ => return Err(ArcGisError::UnknownConfigKey(s.to_string()).into()),
        })
    }
}

/// Builder of [`ArcGis`].
///
/// ```no_run
/// # async fn f() -> finops_core::Result<()> {
/// use finops_arcgis::ArcGisBuilder;
/// let ago = ArcGisBuilder::new()
///     .with_portal("https://myorg.maps.arcgis.com")
///     .with_user_password("admin", "from-a-vault")
///     .build()?;
/// let portal = ago.portal().await?;
/// println!("{} credits left", portal.available_credits.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct ArcGisBuilder {
    portal: Option<String>,
    token: Option<Secret>,
    username: Option<String>,
    password: Option<Secret>,
    referer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    token_expiration: Option<String>,
    price_per_credit: Option<String>,
    currency: Option<String>,
    price: Option<CreditPrice>,
    options: ClientOptions,
}

impl std::fmt::Debug for ArcGisBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArcGisBuilder")
            .field("portal", &self.portal)
            .field("username", &self.username)
            .field("client_id", &self.client_id)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl ArcGisBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from the `ARCGIS_*` environment variables.
    pub fn from_env() -> Self {
        let mut b = Self::new();
        for key in ArcGisConfigKey::ALL {
            if let Ok(v) = std::env::var(key.env_name())
                && !v.is_empty()
            {
                b = b.with_config(key, v);
            }
        }
        b
    }

    /// Set one configuration value.
    pub fn with_config(mut self, key: ArcGisConfigKey, value: impl Into<String>) -> Self {
        let v = value.into();
        match key {
            ArcGisConfigKey::Portal => self.portal = Some(v),
            ArcGisConfigKey::Token => self.token = Some(Secret::new(v)),
            ArcGisConfigKey::Username => self.username = Some(v),
            ArcGisConfigKey::Password => self.password = Some(Secret::new(v)),
            ArcGisConfigKey::Referer => self.referer = Some(v),
            ArcGisConfigKey::ClientId => self.client_id = Some(v),
            ArcGisConfigKey::ClientSecret => self.client_secret = Some(Secret::new(v)),
            ArcGisConfigKey::TokenExpiration => self.token_expiration = Some(v),
            ArcGisConfigKey::PricePerCredit => self.price_per_credit = Some(v),
            ArcGisConfigKey::Currency => self.currency = Some(v),
        }
        self
    }

    /// Portal URL (ArcGIS Online or Enterprise).
    pub fn with_portal(mut self, url: impl Into<String>) -> Self {
        self.portal = Some(url.into());
        self
    }

    /// Use a ready token.
    pub fn with_token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Log in with `generateToken`.
    pub fn with_user_password(
        mut self,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// Referer sent to `generateToken` and as the `Referer` header of every call (default
    /// `http`). A token made elsewhere for a referer needs that same referer here.
    pub fn with_referer(mut self, referer: impl Into<String>) -> Self {
        self.referer = Some(referer.into());
        self
    }

    /// Log in as an OAuth2 app (client credentials).
    pub fn with_client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret.into());
        self
    }

    /// Token lifetime asked for, in minutes (default 60).
    pub fn with_token_expiration_minutes(mut self, minutes: u32) -> Self {
        self.token_expiration = Some(minutes.to_string());
        self
    }

    /// Price of one credit: the [`CostSource`](finops_core::CostSource) records are the
    /// credits consumed × this price (ArcGIS meters credits, not money). Wins over
    /// `ARCGIS_PRICE_PER_CREDIT` / `ARCGIS_CURRENCY`.
    pub fn with_credit_price(mut self, price: CreditPrice) -> Self {
        self.price = Some(price);
        self
    }

    /// Clock (token expiry, `as_of` of balances). Default: the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.options = self.options.with_clock(clock);
        self
    }

    /// Retry policy of the HTTP layer.
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

    /// Space the calls (none by default; the portal's 429 is honoured by the retry loop).
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.options = self.options.with_rate_limit(per_second, burst);
        self
    }

    /// Every client setting at once (overlaid on those already set: what `options` gives
    /// wins). Its `endpoint`, when set, is the portal URL.
    pub fn with_client_options(mut self, options: &ClientOptions) -> Self {
        self.options = self.options.merged_with(options);
        self
    }

    fn credential(&self) -> Result<ArcGisCredential> {
        if let Some(t) = &self.token {
            return Ok(ArcGisCredential::Token(t.clone()));
        }
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => {
                return Ok(ArcGisCredential::UserPassword {
                    username: u.clone(),
                    password: p.clone(),
                    referer: self.referer.clone().unwrap_or_else(|| "http".into()),
                });
            }
            (Some(_), None) => {
                return Err(ArcGisError::InvalidConfigValue {
                    key: "ARCGIS_PASSWORD",
                    reason: "a username was given without a password".into(),
                }
                .into());
            }
            (None, Some(_)) => {
                return Err(ArcGisError::InvalidConfigValue {
                    key: "ARCGIS_USERNAME",
                    reason: "a password was given without a username".into(),
                }
                .into());
            }
            (None, None) => {}
        }
        match (&self.client_id, &self.client_secret) {
            (Some(id), Some(s)) => Ok(ArcGisCredential::ClientCredentials {
                client_id: id.clone(),
                client_secret: s.clone(),
            }),
            (Some(_), None) | (None, Some(_)) => Err(ArcGisError::InvalidConfigValue {
                key: "ARCGIS_CLIENT_SECRET",
                reason: "OAuth2 needs both a client id and a client secret".into(),
            }
            .into()),
            (None, None) => Err(ArcGisError::MissingCredential.into()),
        }
    }

    /// The price per credit: [`ArcGisBuilder::with_credit_price`], else the two
    /// configuration keys (both or neither).
    fn credit_price(&self) -> Result<Option<CreditPrice>> {
        if let Some(p) = self.price {
            return Ok(Some(p));
        }
        let invalid = |key, reason: String| ArcGisError::InvalidConfigValue { key, reason };
        match (&self.price_per_credit, &self.currency) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(invalid(
                "ARCGIS_CURRENCY",
                "a price per credit was given without its currency".into(),
            )
            .into()),
            (None, Some(_)) => Err(invalid(
                "ARCGIS_PRICE_PER_CREDIT",
                "a currency was given without a price per credit".into(),
            )
            .into()),
            (Some(p), Some(c)) => {
                let per_credit = finops_core::money::parse_decimal_comma(p)
                    .map_err(|e| invalid("ARCGIS_PRICE_PER_CREDIT", format!("{p:?}: {e}")))?;
                let currency = Currency::new(c.trim())
                    .map_err(|e| invalid("ARCGIS_CURRENCY", format!("{c:?}: {e}")))?;
                CreditPrice::new(per_credit, currency)
                    .map(Some)
                    .map_err(|e| invalid("ARCGIS_PRICE_PER_CREDIT", e.to_string()).into())
            }
        }
    }

    /// Validate the configuration and build the adapter (no network call).
    pub fn build(self) -> Result<ArcGis> {
        let portal = self
            .options
            .endpoint
            .clone()
            .or_else(|| self.portal.clone())
            .filter(|p| !p.trim().is_empty())
            .ok_or(ArcGisError::MissingPortal)?;
        let rest = rest_root(&portal)?;
        let credential = self.credential()?;
        let referer = self.referer.clone().unwrap_or_else(|| "http".into());
        if referer.is_empty() || finops_core::http::HeaderValue::from_str(&referer).is_err() {
            return Err(ArcGisError::InvalidConfigValue {
                key: "ARCGIS_REFERER",
                reason: format!(
                    "{referer:?} cannot be sent as a Referer header (empty or not visible ASCII)"
                ),
            }
            .into());
        }
        let expiration_minutes = match &self.token_expiration {
            None => 60,
            Some(v) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|m| *m > 0)
                .ok_or_else(|| ArcGisError::InvalidConfigValue {
                    key: "ARCGIS_TOKEN_EXPIRATION",
                    reason: format!("{v:?} is not a positive number of minutes"),
                })?,
        };
        let price = self.credit_price()?;
        let clock = self.options.clock_or_system();
        let options = self.options.clone().with_clock(clock.clone());
        let http = HttpClient::builder(PROVIDER)
            .with_error_parser(Arc::new(parse_error))
            .with_options(&options)?
            .with_redactions(credential.secrets())
            .build()?;
        tracing::debug!(provider = PROVIDER, portal = %rest, credential = ?credential, "using ArcGIS credential");
        // Renew 5 minutes before expiry (tokens last 60 minutes by default), or a fifth of
        // the lifetime for short-lived tokens, so a token is not refetched every call.
        let min_ttl = chrono::Duration::minutes(5).min(chrono::Duration::seconds(
            i64::from(expiration_minutes) * 12,
        ));
        let oauth2_http = HttpClient::builder(PROVIDER).with_options(&options)?;
        let signer = TokenSigner::new(
            credential,
            &rest,
            referer,
            expiration_minutes,
            min_ttl,
            &http,
            oauth2_http,
        )?;
        let label = rest.host_str().unwrap_or("portal").to_string();
        let client = ArcGisClient {
            http,
            rest,
            signer: Arc::new(signer),
        };
        Ok(ArcGis::from_parts(client, clock, label, price))
    }
}

/// The REST root of a portal URL: `<portal>/sharing/rest` (kept when already there).
pub fn rest_root(portal: &str) -> Result<Url> {
    let invalid = |reason: String| ArcGisError::InvalidPortal {
        url: portal.to_string(),
        reason,
    };
    let mut url = Url::parse(portal.trim()).map_err(|e| {
        invalid(format!(
            "{e} (expected an address such as https://www.arcgis.com, \
             https://<org>.maps.arcgis.com or https://host/portal)"
        ))
    })?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            if !loopback {
                tracing::warn!(provider = PROVIDER, portal = %url, "plain http portal URL: the token and password travel unencrypted");
            }
        }
        other => return Err(invalid(format!("scheme {other:?} is not http(s)")).into()),
    }
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(invalid("not an absolute URL with a host".into()).into());
    }
    url.set_query(None);
    url.set_fragment(None);
    // Keep the web adaptor (`/portal`) and drop what follows it: a REST path
    // (`/sharing/rest/portals/self`, `/sharing`) or the portal's web pages (`/home/...`,
    // the address a browser shows), like the ArcGIS API for Python's `_parse_arcgis_url`.
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    let base_len = segments
        .iter()
        .position(|s| s.eq_ignore_ascii_case("sharing") || s.eq_ignore_ascii_case("home"))
        .unwrap_or(segments.len());
    let mut path = String::new();
    for s in &segments[..base_len] {
        path.push('/');
        path.push_str(s);
    }
    path.push_str("/sharing/rest");
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use finops_core::Decimal;

    #[test]
    fn rest_root_for_online_and_enterprise() {
        assert_eq!(
            rest_root("https://www.arcgis.com").unwrap().as_str(),
            "https://www.arcgis.com/sharing/rest"
        );
        assert_eq!(
            rest_root("https://myorg.maps.arcgis.com/")
                .unwrap()
                .as_str(),
            "https://myorg.maps.arcgis.com/sharing/rest"
        );
        assert_eq!(
            rest_root("https://gis.example.org/portal")
                .unwrap()
                .as_str(),
            "https://gis.example.org/portal/sharing/rest"
        );
        assert_eq!(
            rest_root("https://gis.example.org/portal/sharing/rest/")
                .unwrap()
                .as_str(),
            "https://gis.example.org/portal/sharing/rest"
        );
        // Addresses copied from a browser or from a REST call.
        for (given, want) in [
            (
                "https://myorg.maps.arcgis.com/home/organization.html?tab=overview",
                "https://myorg.maps.arcgis.com/sharing/rest",
            ),
            (
                "https://gis.example.org/portal/home/",
                "https://gis.example.org/portal/sharing/rest",
            ),
            (
                "https://gis.example.org/portal/sharing/rest/portals/self?f=json",
                "https://gis.example.org/portal/sharing/rest",
            ),
            (
                "https://gis.example.org/portal/sharing",
                "https://gis.example.org/portal/sharing/rest",
            ),
        ] {
            assert_eq!(rest_root(given).unwrap().as_str(), want, "{given}");
        }
        let e = rest_root("www.arcgis.com").unwrap_err();
        assert!(e.to_string().contains("https://"), "{e}");
        assert!(rest_root("ftp://x").is_err());
        assert!(rest_root("not a url").is_err());
    }

    #[test]
    fn credential_choice_and_errors() {
        let b = ArcGisBuilder::new().with_portal("https://www.arcgis.com");
        assert!(b.build().is_err());
        let e = ArcGisBuilder::new()
            .with_portal("https://www.arcgis.com")
            .with_config(ArcGisConfigKey::Username, "u")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("without a password"), "{e}");
        assert!(ArcGisBuilder::new().with_token("t").build().is_err());
        let ok = ArcGisBuilder::new()
            .with_portal("https://www.arcgis.com")
            .with_client_credentials("id", "shh-secret")
            .build()
            .unwrap();
        assert!(!format!("{ok:?}").contains("shh-secret"));
        assert_eq!(ok.to_string(), "ArcGis(www.arcgis.com)");
        let e = ArcGisBuilder::new()
            .with_portal("https://www.arcgis.com")
            .with_token("t")
            .with_config(ArcGisConfigKey::TokenExpiration, "soon")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ARCGIS_TOKEN_EXPIRATION"));
        let e = ArcGisBuilder::new()
            .with_portal("https://www.arcgis.com")
            .with_token("t")
            .with_referer("two\nlines")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ARCGIS_REFERER"), "{e}");
    }

    #[test]
    fn client_options_are_validated_and_applied() {
        let base = || {
            ArcGisBuilder::new()
                .with_portal("https://www.arcgis.com")
                .with_token("tok-123456")
        };
        assert!(
            base()
                .with_timeout(std::time::Duration::from_secs(5))
                .with_connect_timeout(std::time::Duration::from_secs(1))
                .with_rate_limit(2.0, 4)
                .build()
                .is_ok()
        );
        let e = base().with_rate_limit(0.0, 1).build().unwrap_err();
        assert!(e.to_string().contains("rate_limit"), "{e}");
        let e = base()
            .with_timeout(std::time::Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
        // The options' endpoint is the portal.
        let ago = ArcGisBuilder::new()
            .with_token("tok-123456")
            .with_client_options(&ClientOptions::new().with_endpoint("https://org.maps.arcgis.com"))
            .build()
            .unwrap();
        assert_eq!(ago.to_string(), "ArcGis(org.maps.arcgis.com)");
    }

    #[test]
    fn credit_price_from_config_or_setter() {
        let base = || {
            ArcGisBuilder::new()
                .with_portal("https://www.arcgis.com")
                .with_token("tok-123456")
        };
        assert!(base().build().unwrap().credit_price().is_none());
        let ago = base()
            .with_config(ArcGisConfigKey::PricePerCredit, "0,11")
            .with_config(ArcGisConfigKey::Currency, "EUR")
            .build()
            .unwrap();
        let p = ago.credit_price().unwrap();
        assert_eq!(
            (p.per_credit, p.currency),
            (Decimal::new(11, 2), Currency::EUR)
        );
        for (price, cur, key) in [
            (Some("0.1"), None, "ARCGIS_CURRENCY"),
            (None, Some("EUR"), "ARCGIS_PRICE_PER_CREDIT"),
            (Some("lots"), Some("EUR"), "ARCGIS_PRICE_PER_CREDIT"),
            (Some("-1"), Some("EUR"), "ARCGIS_PRICE_PER_CREDIT"),
            (Some("1e30"), Some("EUR"), "ARCGIS_PRICE_PER_CREDIT"),
            (Some("0.1"), Some("euros"), "ARCGIS_CURRENCY"),
        ] {
            let mut b = base();
            if let Some(v) = price {
                b = b.with_config(ArcGisConfigKey::PricePerCredit, v);
            }
            if let Some(v) = cur {
                b = b.with_config(ArcGisConfigKey::Currency, v);
            }
            let e = b.build().unwrap_err();
            assert!(e.to_string().contains(key), "{price:?} {cur:?}: {e}");
        }
        // The setter wins over the keys.
        let ago = base()
            .with_config(ArcGisConfigKey::PricePerCredit, "9")
            .with_config(ArcGisConfigKey::Currency, "USD")
            .with_credit_price(CreditPrice::new(Decimal::ONE, Currency::EUR).unwrap())
            .build()
            .unwrap();
        assert_eq!(ago.credit_price().unwrap().currency, Currency::EUR);
    }

    #[test]
    fn config_keys_parse() {
        assert_eq!(
            "ARCGIS_PORTAL".parse::<ArcGisConfigKey>().unwrap(),
            ArcGisConfigKey::Portal
        );
        assert_eq!(
            "client-id".parse::<ArcGisConfigKey>().unwrap(),
            ArcGisConfigKey::ClientId
        );
        assert!("nope".parse::<ArcGisConfigKey>().is_err());
    }
}
