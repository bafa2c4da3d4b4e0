//! OCI API-key request signing (parity OCI-03).
//!
//! OCI signs requests with an HTTP signature (draft-cavage-http-signatures-08): RSA PKCS#1 v1.5
//! with SHA-256 over a signing string of `name: value` lines, sent as
//! `authorization: Signature algorithm="rsa-sha256",headers="…",keyId="…",signature="…",version="1"`.
//!
//! - [`signing`]: [`signing_string`] and [`sign_request`] are pure functions with the time
//!   passed in; they are pinned by Oracle's published test vectors.
//! - [`key`]: [`OciPrivateKey`] loads the four PEM forms the SDK loads (PKCS#1, PKCS#8,
//!   encrypted PKCS#8, legacy OpenSSL-encrypted PKCS#1 with AES-CBC), signs with `ring`
//!   (constant-time, blinded), and computes the key's fingerprint (MD5 of the DER
//!   SubjectPublicKeyInfo).
//! - [`OciCredential`]: a key and its `keyId`, loaded from a config profile (off the async
//!   runtime with [`OciCredential::load`]); [`OciSigner`] plugs it into the shared HTTP
//!   layer and re-signs every retry attempt.

pub mod key;
pub mod signing;

pub use crate::config::is_valid_fingerprint;
pub use key::{OciPrivateKey, fingerprint_of_spki, rsa_public_key_from_spki};
pub use signing::{
    EMPTY_BODY_SHA256, RsaSha256Signer, SignatureParams, host_header, http_date,
    parse_authorization, request_target, sign_request, sign_request_with_date, signed_headers,
    signing_string,
};

use crate::config::OciProfile;
use crate::error::OciError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use finops_core::http::{RequestParts, Signer};
use finops_core::{Result, Secret};

/// Run blocking work (file reads, key derivation) on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| OciError::Blocking(e.to_string()))?
}

/// The credential of one OCI user: key, `keyId` = `<tenancy>/<user>/<fingerprint>`.
#[derive(Clone)]
pub struct OciCredential {
    key: OciPrivateKey,
    key_id: String,
}

impl std::fmt::Debug for OciCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A session-token keyId (`ST$<token>`) is a bearer secret: never printed.
        let key_id = if self.key_id.starts_with("ST$") {
            "ST$***"
        } else {
            self.key_id.as_str()
        };
        f.debug_struct("OciCredential")
            .field("key_id", &key_id)
            .finish_non_exhaustive()
    }
}

impl OciCredential {
    /// A credential for `tenancy`/`user` with `key` (its fingerprint goes into the keyId).
    pub fn new(tenancy: &str, user: &str, key: OciPrivateKey) -> Self {
        let key_id = format!("{tenancy}/{user}/{}", key.fingerprint());
        OciCredential { key, key_id }
    }

    /// A credential with an explicit keyId (session tokens: `ST$<token>`).
    pub fn with_key_id(key_id: String, key: OciPrivateKey) -> Self {
        OciCredential { key, key_id }
    }

    /// The credential of a config profile: its key loaded (decrypted with `pass_phrase`) and
    /// checked against the configured `fingerprint`; a `security_token_file` makes the keyId
    /// `ST$<token>`. Errors name the config file and key (`key_file`, `fingerprint`,
    /// `security_token_file`).
    ///
    /// This reads files and may run a key derivation (PBKDF2 for an encrypted PKCS#8 key):
    /// on an async runtime use [`load`](Self::load), which runs it on the blocking pool.
    pub fn from_profile(profile: &OciProfile) -> Result<Self> {
        let key = OciPrivateKey::read(&profile.key_file, profile.pass_phrase.as_ref())
            .map_err(|e| OciError::config(&profile.file, "key_file", e.to_string()))?;
        key.matches_fingerprint(
            &profile.fingerprint,
            &profile.key_file.display().to_string(),
        )
        .map_err(|e| OciError::config(&profile.file, "fingerprint", e.to_string()))?;
        match &profile.security_token_file {
            Some(f) => {
                let token = std::fs::read_to_string(f).map_err(|e| {
                    OciError::config(
                        &profile.file,
                        "security_token_file",
                        format!("cannot read {}: {e}", f.display()),
                    )
                })?;
                Ok(OciCredential::with_key_id(
                    format!("ST${}", token.trim()),
                    key,
                ))
            }
            None => Ok(OciCredential::new(&profile.tenancy, &profile.user, key)),
        }
    }

    /// [`from_profile`](Self::from_profile) on the blocking thread pool (`spawn_blocking`):
    /// the key file is read and decrypted off the async runtime's worker threads.
    pub async fn load(profile: &OciProfile) -> Result<Self> {
        let profile = profile.clone();
        blocking(move || Self::from_profile(&profile)).await
    }

    /// The `keyId` sent in the signature.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The private key.
    pub fn key(&self) -> &OciPrivateKey {
        &self.key
    }

    /// The secrets this credential sends, to redact from error bodies: the session token of
    /// an `ST$<token>` keyId (a `tenancy/user/fingerprint` keyId is not secret).
    pub fn secrets(&self) -> Vec<Secret> {
        match self.key_id.strip_prefix("ST$") {
            Some(token) if !token.is_empty() => vec![Secret::new(token)],
            _ => Vec::new(),
        }
    }
}

/// [`Signer`] for the shared HTTP client: signs each attempt with the client's clock.
#[derive(Debug, Clone)]
pub struct OciSigner {
    credential: OciCredential,
}

impl OciSigner {
    /// A signer for `credential`.
    pub fn new(credential: OciCredential) -> Self {
        OciSigner { credential }
    }

    /// A copy of the credential.
    pub fn credential_clone(&self) -> OciCredential {
        self.credential.clone()
    }
}

#[async_trait]
impl Signer for OciSigner {
    async fn sign(&self, req: &mut RequestParts, now: DateTime<Utc>) -> finops_core::Result<()> {
        sign_request(req, &self.credential.key, &self.credential.key_id, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_client_file;
    use std::path::Path;

    #[tokio::test]
    async fn a_profile_loads_on_the_blocking_pool_with_the_same_errors() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/clients/config_ClienteC");
        let cfg = load_client_file(&file, None).unwrap();
        let sync = OciCredential::from_profile(&cfg.profile).unwrap();
        let pooled = OciCredential::load(&cfg.profile).await.unwrap();
        assert_eq!(sync.key_id(), pooled.key_id());
        let mut wrong = cfg.profile.clone();
        wrong.pass_phrase = Some(Secret::new("not-it"));
        let e = OciCredential::load(&wrong).await.unwrap_err().to_string();
        assert!(
            e.contains("config_ClienteC") && e.contains("key_file"),
            "{e}"
        );
        assert!(!e.contains("not-it"), "{e}");
    }
}
