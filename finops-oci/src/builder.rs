//! [`OciBuilder`] and [`OciConfigKey`]: an [`Oci`] source from the standard OCI config file
//! (a profile), a seed-001 `config_*` client file, a loaded [`ClientConfig`], `OCI_*`
//! environment variables or explicit values; the client settings ([`ClientOptions`]) and the
//! Usage API query options. Reading config files is [`crate::config`]'s; loading the key is
//! [`OciCredential::from_profile`].

use crate::Oci;
use crate::client::{OciClient, UsageApiOptions};
use crate::config::{ClientConfig, OciProfile, expand_tilde, load_client_file, read_profile};
use crate::credential::{OciCredential, blocking};
use crate::error::OciError;
use crate::region::usage_api_endpoint;
use finops_core::clock::SharedClock;
use finops_core::http::{ClientOptions, RetryConfig};
use finops_core::ini::{DEFAULT_SECTION, Ini};
use finops_core::{Error, Result, Secret};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Configuration keys of [`OciBuilder::with_config`] and [`OciBuilder::from_env`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OciConfigKey {
    /// `OCI_CONFIG_FILE`: path of the config file.
    ConfigFile,
    /// `OCI_CLI_PROFILE`: profile name.
    Profile,
    /// `OCI_USER`: user OCID.
    User,
    /// `OCI_TENANCY`: tenancy OCID.
    Tenancy,
    /// `OCI_FINGERPRINT`: key fingerprint.
    Fingerprint,
    /// `OCI_KEY_FILE`: PEM private key path.
    KeyFile,
    /// `OCI_PASS_PHRASE`: pass phrase of an encrypted key.
    PassPhrase,
    /// `OCI_REGION`: region.
    Region,
    /// `OCI_USAGE_ENDPOINT`: replaces the Usage API scheme+host(+port).
    Endpoint,
}

impl OciConfigKey {
    /// The environment variable of the key.
    pub fn env_var(&self) -> &'static str {
        match self {
            OciConfigKey::ConfigFile => "OCI_CONFIG_FILE",
            OciConfigKey::Profile => "OCI_CLI_PROFILE",
            OciConfigKey::User => "OCI_USER",
            OciConfigKey::Tenancy => "OCI_TENANCY",
            OciConfigKey::Fingerprint => "OCI_FINGERPRINT",
            OciConfigKey::KeyFile => "OCI_KEY_FILE",
            OciConfigKey::PassPhrase => "OCI_PASS_PHRASE",
            OciConfigKey::Region => "OCI_REGION",
            OciConfigKey::Endpoint => "OCI_USAGE_ENDPOINT",
        }
    }

    const ALL: [OciConfigKey; 9] = [
        OciConfigKey::ConfigFile,
        OciConfigKey::Profile,
        OciConfigKey::User,
        OciConfigKey::Tenancy,
        OciConfigKey::Fingerprint,
        OciConfigKey::KeyFile,
        OciConfigKey::PassPhrase,
        OciConfigKey::Region,
        OciConfigKey::Endpoint,
    ];
}

impl FromStr for OciConfigKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        let lower = lower.strip_prefix("oci_").unwrap_or(&lower);
        Ok(match lower {
            "config_file" => OciConfigKey::ConfigFile,
            "profile" | "cli_profile" => OciConfigKey::Profile,
            "user" => OciConfigKey::User,
            "tenancy" => OciConfigKey::Tenancy,
            "fingerprint" => OciConfigKey::Fingerprint,
            "key_file" => OciConfigKey::KeyFile,
            "pass_phrase" => OciConfigKey::PassPhrase,
            "region" => OciConfigKey::Region,
            "endpoint" | "usage_endpoint" => OciConfigKey::Endpoint,
            _ => {
                return Err(OciError::UnknownConfigKey(s.to_string()).into());
            }
        })
    }
}

/// Builds an [`Oci`] source from a config file, a `config_*` client file, a loaded
/// [`ClientConfig`], the environment or explicit values. [`build`](OciBuilder::build) (or
/// [`build_async`](OciBuilder::build_async) on an async runtime) is the only fallible call.
#[derive(Default)]
pub struct OciBuilder {
    values: BTreeMap<OciConfigKey, String>,
    pass_phrase: Option<Secret>,
    client_file: Option<PathBuf>,
    profile: Option<OciProfile>,
    client: ClientOptions,
    options: UsageApiOptions,
    name: Option<String>,
}

impl std::fmt::Debug for OciBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciBuilder")
            .field("values", &self.values)
            .field("pass_phrase", &self.pass_phrase)
            .field("client_file", &self.client_file)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl OciBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder seeded from `OCI_*` environment variables (see [`OciConfigKey::env_var`]).
    pub fn from_env() -> Self {
        let mut b = Self::new();
        for k in OciConfigKey::ALL {
            if let Ok(v) = std::env::var(k.env_var()) {
                b = b.with_config(k, v);
            }
        }
        b
    }

    /// Set any key.
    pub fn with_config(mut self, key: OciConfigKey, value: impl Into<String>) -> Self {
        let value = value.into();
        match key {
            OciConfigKey::PassPhrase => self.pass_phrase = Some(Secret::new(value)),
            OciConfigKey::Endpoint => self.client = self.client.with_endpoint(value),
            _ => {
                self.values.insert(key, value);
            }
        }
        self
    }

    /// Standard OCI config file (default `~/.oci/config`).
    pub fn with_config_file(self, path: impl AsRef<Path>) -> Self {
        let p = path.as_ref().display().to_string();
        self.with_config(OciConfigKey::ConfigFile, p)
    }

    /// Profile of the config file (default `DEFAULT`).
    pub fn with_profile(self, profile: impl Into<String>) -> Self {
        self.with_config(OciConfigKey::Profile, profile)
    }

    /// A `config_*` client file (standard keys + contract fields).
    pub fn with_client_file(mut self, path: impl AsRef<Path>) -> Self {
        self.client_file = Some(path.as_ref().to_path_buf());
        self
    }

    /// A client already loaded from a `config_*` file ([`crate::load_config_dir`]): its
    /// profile, and its display name as the source's label.
    pub fn with_client_config(mut self, config: &ClientConfig) -> Self {
        self.profile = Some(config.profile.clone());
        self.name = Some(config.name.clone());
        self
    }

    /// Replace the Usage API scheme+host(+port); the `/20200107` prefix is kept.
    pub fn with_endpoint(self, url: impl Into<String>) -> Self {
        self.with_config(OciConfigKey::Endpoint, url)
    }

    /// Clock used to sign requests (default: the system clock).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.client = self.client.with_clock(clock);
        self
    }

    /// Retry policy of the shared HTTP layer.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.client = self.client.with_retry(retry);
        self
    }

    /// Longest one HTTP attempt may take (default 60 s, the SDK's read timeout).
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.client = self.client.with_timeout(timeout);
        self
    }

    /// Connect timeout of one attempt (default 5 s).
    pub fn with_connect_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.client = self.client.with_connect_timeout(timeout);
        self
    }

    /// Space the calls of this credential (none by default: the Usage API answers 429 when
    /// it wants a slower pace, and the shared loop honours it).
    pub fn with_rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.client = self.client.with_rate_limit(per_second, burst);
        self
    }

    /// Every client setting at once (overlaid on those already set: what `options` gives
    /// wins). Its `endpoint` replaces the Usage API scheme+host(+port).
    pub fn with_client_options(mut self, options: &ClientOptions) -> Self {
        self.client = self.client.merged_with(options);
        self
    }

    /// Usage API query options (page size, chunking, groupBy).
    pub fn with_usage_options(mut self, options: UsageApiOptions) -> Self {
        self.options = options;
        self
    }

    /// Display label of the client.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    fn resolve_profile(&self) -> Result<OciProfile> {
        if let Some(p) = &self.profile {
            return Ok(p.clone());
        }
        if let Some(f) = &self.client_file {
            return Ok(load_client_file(
                f,
                self.values.get(&OciConfigKey::Profile).map(String::as_str),
            )?
            .profile);
        }
        let explicit = [
            OciConfigKey::User,
            OciConfigKey::Tenancy,
            OciConfigKey::Fingerprint,
            OciConfigKey::KeyFile,
        ]
        .iter()
        .all(|k| self.values.contains_key(k));
        if explicit {
            let v = |k| self.values.get(&k).cloned().unwrap_or_default();
            let mut text = String::from("[DEFAULT]\n");
            for (k, name) in [
                (OciConfigKey::User, "user"),
                (OciConfigKey::Tenancy, "tenancy"),
                (OciConfigKey::Fingerprint, "fingerprint"),
                (OciConfigKey::KeyFile, "key_file"),
                (OciConfigKey::Region, "region"),
            ] {
                text.push_str(&format!("{name}={}\n", v(k)));
            }
            let ini = Ini::parse(&text, "<builder>")?;
            let mut p = read_profile(&ini, DEFAULT_SECTION, Path::new("."))?;
            p.pass_phrase = self.pass_phrase.clone();
            return Ok(p);
        }
        let path = match self.values.get(&OciConfigKey::ConfigFile) {
            Some(p) => expand_tilde(p),
            None => {
                let default = expand_tilde("~/.oci/config");
                if default.is_file() {
                    default
                } else {
                    expand_tilde("~/.oraclebmc/config")
                }
            }
        };
        let ini = Ini::read(&path)?;
        let profile = self
            .values
            .get(&OciConfigKey::Profile)
            .map(String::as_str)
            .unwrap_or(DEFAULT_SECTION);
        let mut p = read_profile(&ini, profile, &path)?;
        if self.pass_phrase.is_some() {
            p.pass_phrase = self.pass_phrase.clone();
        }
        Ok(p)
    }

    /// Read the config, load the key (decrypting it with the pass phrase), check its
    /// fingerprint, and build the source.
    ///
    /// This reads files and may run a key derivation (PBKDF2 for an encrypted PKCS#8 key): on
    /// an async runtime use [`build_async`](Self::build_async).
    pub fn build(self) -> Result<Oci> {
        let profile = self.resolve_profile()?;
        let credential = OciCredential::from_profile(&profile)?;
        self.client_for(&profile, credential).map(Oci::from_client)
    }

    /// [`build`](Self::build) with the config and key files read, and the key decrypted, on
    /// the blocking thread pool (`spawn_blocking`), off the async runtime's worker threads.
    pub async fn build_async(self) -> Result<Oci> {
        blocking(move || self.build()).await
    }

    /// The Usage API client of `profile` signing with `credential`.
    fn client_for(&self, profile: &OciProfile, credential: OciCredential) -> Result<OciClient> {
        let endpoint = self
            .client
            .endpoint
            .clone()
            .unwrap_or_else(|| usage_api_endpoint(&profile.region));
        let name = self.name.clone().unwrap_or_else(|| profile.tenancy.clone());
        let mut client = self.client.clone();
        client.redactions.extend(profile.pass_phrase.clone());
        OciClient::new(
            name,
            profile.tenancy.clone(),
            credential,
            &endpoint,
            &client,
            self.options.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn standard_config_file_profile_and_session_token() {
        let dir = tempfile::tempdir().unwrap();
        let key =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/client_c_encrypted_pkcs8.pem");
        std::fs::copy(&key, dir.path().join("k.pem")).unwrap();
        std::fs::write(dir.path().join("token"), "TOKEN123\n").unwrap();
        let cfg = write(
            dir.path(),
            "config",
            "[DEFAULT]\nuser=ocid1.user.oc1..u\ntenancy=ocid1.tenancy.oc1..t\nfingerprint=8a:d6:fa:b2:8f:a7:42:31:42:01:2f:d4:23:e9:41:0a\nkey_file=k.pem\npass_phrase=test-pass-phrase\nregion=us-ashburn-1\n\n[FRA]\nregion=fra\n\n[SESSION]\nsecurity_token_file=token\n",
        );
        let c = OciBuilder::new()
            .with_config_file(&cfg)
            .with_profile("FRA")
            .build()
            .unwrap();
        assert_eq!(
            c.client().usage_url().as_str(),
            "https://usageapi.eu-frankfurt-1.oci.oraclecloud.com/20200107/usage"
        );
        let ini = Ini::parse(&std::fs::read_to_string(&cfg).unwrap(), "config").unwrap();
        let p = read_profile(&ini, "SESSION", &cfg).unwrap();
        assert_eq!(
            OciCredential::from_profile(&p).unwrap().key_id(),
            "ST$TOKEN123"
        );
        let e = OciBuilder::new()
            .with_config_file(&cfg)
            .with_profile("NOPE")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ProfileNotFound"), "{e}");
        // Explicit values; the pass phrase is required for this key.
        let e = OciBuilder::new()
            .with_config(OciConfigKey::User, "ocid1.user.oc1..u")
            .with_config(OciConfigKey::Tenancy, "ocid1.tenancy.oc1..t")
            .with_config(
                OciConfigKey::Fingerprint,
                "8a:d6:fa:b2:8f:a7:42:31:42:01:2f:d4:23:e9:41:0a",
            )
            .with_config(OciConfigKey::KeyFile, key.display().to_string())
            .with_config(OciConfigKey::Region, "iad")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("pass_phrase"), "{e}");
        let ok = OciBuilder::new()
            .with_config(OciConfigKey::User, "ocid1.user.oc1..u")
            .with_config(OciConfigKey::Tenancy, "ocid1.tenancy.oc1..t")
            .with_config(
                OciConfigKey::Fingerprint,
                "8a:d6:fa:b2:8f:a7:42:31:42:01:2f:d4:23:e9:41:0a",
            )
            .with_config(OciConfigKey::KeyFile, key.display().to_string())
            .with_config(OciConfigKey::PassPhrase, "test-pass-phrase")
            .with_config(OciConfigKey::Region, "iad")
            .with_endpoint("http://127.0.0.1:9")
            .build()
            .unwrap();
        assert_eq!(
            ok.client().usage_url().as_str(),
            "http://127.0.0.1:9/20200107/usage"
        );
    }

    #[tokio::test]
    async fn a_loaded_client_config_builds_off_the_runtime() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/clients/config_ClienteC");
        let cfg = load_client_file(&file, None).unwrap();
        let oci = OciBuilder::new()
            .with_client_config(&cfg)
            .with_endpoint("http://127.0.0.1:9/proxy")
            .build_async()
            .await
            .unwrap();
        assert_eq!(oci.to_string(), "Oci(Cliente C)");
        assert_eq!(oci.tenancy(), "ocid1.tenancy.oc1..aaaaaaaaclientc");
        assert_eq!(
            oci.client().usage_url().as_str(),
            "http://127.0.0.1:9/proxy/20200107/usage"
        );
        // A key error comes back from the blocking pool naming the file and key.
        let mut broken = cfg.clone();
        broken.profile.fingerprint = "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff".into();
        let e = OciBuilder::new()
            .with_client_config(&broken)
            .build_async()
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("config_ClienteC") && e.contains("fingerprint"),
            "{e}"
        );
    }

    #[test]
    fn config_keys_parse() {
        assert_eq!(
            "OCI_REGION".parse::<OciConfigKey>().unwrap(),
            OciConfigKey::Region
        );
        assert!("bogus".parse::<OciConfigKey>().is_err());
        let b = OciBuilder::new().with_config(OciConfigKey::PassPhrase, "hunter2");
        assert!(!format!("{b:?}").contains("hunter2"));
    }
}
