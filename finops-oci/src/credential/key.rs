//! RSA private keys as the OCI SDK loads them: PEM parsing (PKCS#1, PKCS#8, encrypted PKCS#8
//! with PBES2, legacy OpenSSL-encrypted PKCS#1 with AES-CBC), decryption, and the key's
//! fingerprint (MD5 of the DER SubjectPublicKeyInfo). Signing itself is `ring`'s
//! (constant-time, blinded).

use super::signing::RsaSha256Signer;
use crate::error::OciError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use finops_core::Secret;
use md5::{Digest as _, Md5};
use pkcs8::der::Encode as _;
use std::path::Path;
use std::sync::Arc;

/// An RSA private key loaded from a PEM file, ready to sign.
#[derive(Clone)]
pub struct OciPrivateKey {
    pair: Arc<ring::signature::RsaKeyPair>,
    fingerprint: String,
    spki_der: Arc<Vec<u8>>,
}

impl std::fmt::Debug for OciPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciPrivateKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl OciPrivateKey {
    /// Read and parse `path` (the file is read, never copied). This reads a file and, for an
    /// encrypted key, runs the key derivation: on an async runtime call it through
    /// `spawn_blocking` (as [`crate::OciBuilder::build_async`] does).
    pub fn from_file(path: &Path, pass_phrase: Option<&Secret>) -> finops_core::Result<Self> {
        Ok(Self::read(path, pass_phrase)?)
    }

    /// [`from_file`](Self::from_file) with the adapter's own error.
    pub(crate) fn read(path: &Path, pass_phrase: Option<&Secret>) -> Result<Self, OciError> {
        let pem = std::fs::read(path).map_err(|source| OciError::ReadKey {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&pem, pass_phrase, &path.display().to_string())
    }

    /// Parse a PEM private key. `label` names the key in errors (a path).
    ///
    /// Accepted: `BEGIN RSA PRIVATE KEY` (PKCS#1, also legacy-encrypted with `Proc-Type` /
    /// `DEK-Info` AES-CBC headers), `BEGIN PRIVATE KEY` (PKCS#8), `BEGIN ENCRYPTED PRIVATE KEY`
    /// (PKCS#8 with PBES2); encrypted forms need the pass phrase. A pass phrase
    /// given for an unencrypted key is ignored, as the SDK does.
    pub fn from_pem(
        pem: &[u8],
        pass_phrase: Option<&Secret>,
        label: &str,
    ) -> finops_core::Result<Self> {
        Ok(Self::parse(pem, pass_phrase, label)?)
    }

    /// [`from_pem`](Self::from_pem) with the adapter's own error.
    pub(crate) fn parse(
        pem: &[u8],
        pass_phrase: Option<&Secret>,
        label: &str,
    ) -> Result<Self, OciError> {
        let invalid = |message: String| OciError::InvalidKey {
            path: label.to_string(),
            message,
        };
        let text = String::from_utf8_lossy(pem);
        if text.contains("Proc-Type: 4,ENCRYPTED") {
            let pass = pass_phrase.filter(|p| !p.is_empty()).ok_or_else(|| {
                OciError::MissingPassPhrase {
                    path: label.to_string(),
                }
            })?;
            let der = decrypt_legacy_pem(&text, pass.expose().as_bytes(), label)?;
            let pair = ring::signature::RsaKeyPair::from_der(&der).map_err(|_| {
                OciError::WrongPassPhrase {
                    path: label.to_string(),
                }
            })?;
            return Self::from_pair(pair, label);
        }
        // Tolerate text before the PEM block (some downloads carry a comment line).
        let start = text
            .find("-----BEGIN")
            .ok_or_else(|| invalid("no PEM block (-----BEGIN ...) found".into()))?;
        let (pem_label, der) = pkcs8::der::pem::decode_vec(text[start..].trim_end().as_bytes())
            .map_err(|e| invalid(format!("not a valid PEM file: {e}")))?;
        let pair = match pem_label {
            "RSA PRIVATE KEY" => ring::signature::RsaKeyPair::from_der(&der)
                .map_err(|e| invalid(format!("not a usable PKCS#1 RSA key: {e}")))?,
            "PRIVATE KEY" => ring::signature::RsaKeyPair::from_pkcs8(&der)
                .map_err(|e| invalid(format!("not a usable PKCS#8 RSA key: {e}")))?,
            "ENCRYPTED PRIVATE KEY" => {
                let pass = pass_phrase.filter(|p| !p.is_empty()).ok_or_else(|| {
                    OciError::MissingPassPhrase {
                        path: label.to_string(),
                    }
                })?;
                let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
                    .map_err(|e| invalid(format!("not an encrypted PKCS#8 key: {e}")))?;
                let plain = info.decrypt(pass.expose().as_bytes()).map_err(|_| {
                    OciError::WrongPassPhrase {
                        path: label.to_string(),
                    }
                })?;
                // A wrong pass phrase usually fails the padding check above; when it does
                // not, the decrypted bytes are not a key.
                ring::signature::RsaKeyPair::from_pkcs8(plain.as_bytes()).map_err(|_| {
                    OciError::WrongPassPhrase {
                        path: label.to_string(),
                    }
                })?
            }
            other => {
                return Err(invalid(format!(
                    "PEM label {other:?} is not a private key (expected RSA PRIVATE KEY, PRIVATE KEY or ENCRYPTED PRIVATE KEY)"
                )));
            }
        };
        Self::from_pair(pair, label)
    }

    fn from_pair(pair: ring::signature::RsaKeyPair, label: &str) -> Result<Self, OciError> {
        let spki_der = spki_der_of(pair.public().as_ref()).map_err(|e| OciError::InvalidKey {
            path: label.to_string(),
            message: format!("cannot encode the public key: {e}"),
        })?;
        Ok(OciPrivateKey {
            fingerprint: fingerprint_of_spki(&spki_der),
            pair: Arc::new(pair),
            spki_der: Arc::new(spki_der),
        })
    }

    /// The key's fingerprint: MD5 of the DER SubjectPublicKeyInfo, lower-case hex pairs
    /// separated by `:` (what the OCI console shows).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The public key as DER SubjectPublicKeyInfo (what the emulator registers).
    pub fn public_key_spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// Check the key against a configured fingerprint (case-insensitive).
    pub fn check_fingerprint(&self, configured: &str, label: &str) -> finops_core::Result<()> {
        Ok(self.matches_fingerprint(configured, label)?)
    }

    /// [`check_fingerprint`](Self::check_fingerprint) with the adapter's own error.
    pub(crate) fn matches_fingerprint(
        &self,
        configured: &str,
        label: &str,
    ) -> Result<(), OciError> {
        if self.fingerprint.eq_ignore_ascii_case(configured.trim()) {
            Ok(())
        } else {
            Err(OciError::FingerprintMismatch {
                path: label.to_string(),
                actual: self.fingerprint.clone(),
                configured: configured.trim().to_string(),
            })
        }
    }
}

impl RsaSha256Signer for OciPrivateKey {
    fn sign_rsa_sha256(&self, message: &[u8]) -> finops_core::Result<Vec<u8>> {
        let rng = ring::rand::SystemRandom::new();
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(&ring::signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .map_err(|e| OciError::Sign(e.to_string()))?;
        Ok(sig)
    }
}

/// Decrypt a legacy OpenSSL-encrypted PEM (`Proc-Type: 4,ENCRYPTED` + `DEK-Info:
/// AES-{128,192,256}-CBC,<iv hex>`): key = OpenSSL `EVP_BytesToKey` (MD5, one round, salt =
/// first 8 bytes of the IV), AES-CBC with PKCS#7 padding. Returns the PKCS#1 DER.
fn decrypt_legacy_pem(text: &str, pass: &[u8], label: &str) -> Result<Vec<u8>, OciError> {
    use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
    let invalid = |message: String| OciError::InvalidKey {
        path: label.to_string(),
        message,
    };
    let dek = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("DEK-Info:"))
        .ok_or_else(|| invalid("encrypted PEM without a DEK-Info header".into()))?;
    let (cipher, iv_hex) = dek
        .trim()
        .split_once(',')
        .ok_or_else(|| invalid(format!("bad DEK-Info {dek:?}")))?;
    let key_len = match cipher.trim() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        other => {
            return Err(invalid(format!(
                "legacy encrypted key with cipher {other} is not supported (AES-CBC only); \
                 convert it once with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD.pem -out NEW.pem`"
            )));
        }
    };
    let iv_hex = iv_hex.trim();
    let iv: Vec<u8> = (0..iv_hex.len())
        .step_by(2)
        .map(|i| {
            iv_hex
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<_>>()
        .filter(|v: &Vec<u8>| v.len() == 16)
        .ok_or_else(|| invalid(format!("bad DEK-Info IV {iv_hex:?}")))?;
    let body: String = text
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .filter(|l| !l.contains(':') && !l.is_empty())
        .collect();
    let data = B64
        .decode(body.as_bytes())
        .map_err(|e| invalid(format!("bad base64 in the encrypted key: {e}")))?;
    // EVP_BytesToKey(MD5, salt = iv[..8], count = 1).
    let mut key = Vec::with_capacity(48);
    let mut prev: Vec<u8> = Vec::new();
    while key.len() < key_len {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(pass);
        h.update(&iv[..8]);
        prev = h.finalize().to_vec();
        key.extend_from_slice(&prev);
    }
    key.truncate(key_len);
    let wrong = || OciError::WrongPassPhrase {
        path: label.to_string(),
    };
    let out = match key_len {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(&data),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(&data),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(&data),
    };
    out.map_err(|_| wrong())
}

/// Wrap a PKCS#1 `RSAPublicKey` DER into a SubjectPublicKeyInfo DER.
fn spki_der_of(rsa_public_key_der: &[u8]) -> Result<Vec<u8>, pkcs8::der::Error> {
    let spki = pkcs8::SubjectPublicKeyInfoRef {
        algorithm: pkcs8::AlgorithmIdentifierRef {
            oid: pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1"),
            parameters: Some(pkcs8::der::asn1::AnyRef::NULL),
        },
        subject_public_key: pkcs8::der::asn1::BitStringRef::from_bytes(rsa_public_key_der)?,
    };
    spki.to_der()
}

/// Extract the PKCS#1 `RSAPublicKey` DER from a SubjectPublicKeyInfo DER (what `ring`
/// verifies with).
pub fn rsa_public_key_from_spki(spki_der: &[u8]) -> Option<Vec<u8>> {
    let spki = pkcs8::SubjectPublicKeyInfoRef::try_from(spki_der).ok()?;
    spki.subject_public_key.as_bytes().map(<[u8]>::to_vec)
}

/// Fingerprint of a DER SubjectPublicKeyInfo: MD5, lower-case hex, `:`-separated.
pub fn fingerprint_of_spki(spki_der: &[u8]) -> String {
    let digest = Md5::digest(spki_der);
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::is_valid_fingerprint;
    use std::path::PathBuf;

    fn data(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name)
    }

    #[test]
    fn loads_the_three_pem_forms_and_computes_fingerprints() {
        // Fingerprints computed with `openssl rsa -pubout -outform DER | openssl md5 -c`.
        let a = OciPrivateKey::from_file(&data("client_a_pkcs1.pem"), None).unwrap();
        assert_eq!(
            a.fingerprint(),
            "a5:bd:fd:be:f6:bf:c3:06:09:21:98:02:0c:a3:87:f2"
        );
        let b = OciPrivateKey::from_file(&data("client_b_pkcs8.pem"), None).unwrap();
        assert_eq!(
            b.fingerprint(),
            "36:03:5a:53:5b:92:4d:79:80:2b:91:7e:fc:ec:06:d4"
        );
        let pass = Secret::new("test-pass-phrase");
        let c =
            OciPrivateKey::from_file(&data("client_c_encrypted_pkcs8.pem"), Some(&pass)).unwrap();
        assert_eq!(
            c.fingerprint(),
            "8a:d6:fa:b2:8f:a7:42:31:42:01:2f:d4:23:e9:41:0a"
        );
        // Legacy encrypted PKCS#1 (OpenSSL Proc-Type/DEK-Info, AES-256-CBC): client A's key.
        let legacy =
            OciPrivateKey::from_file(&data("legacy_encrypted_pkcs1.pem"), Some(&pass)).unwrap();
        assert_eq!(legacy.fingerprint(), a.fingerprint());
        // A pass phrase for an unencrypted key is ignored.
        assert!(OciPrivateKey::from_file(&data("client_a_pkcs1.pem"), Some(&pass)).is_ok());
        assert!(is_valid_fingerprint(a.fingerprint()));
        assert!(!is_valid_fingerprint("A5:bd"));
        assert_eq!(
            rsa_public_key_from_spki(a.public_key_spki_der()).unwrap(),
            a.pair.public().as_ref()
        );
    }

    #[test]
    fn windows_line_endings_and_a_trailing_blank_line_load() {
        for name in ["client_a_pkcs1.pem", "client_b_pkcs8.pem"] {
            let text = std::fs::read_to_string(data(name)).unwrap();
            let crlf = format!("{}\r\n", text.replace('\n', "\r\n"));
            let k = OciPrivateKey::from_pem(crlf.as_bytes(), None, name).unwrap();
            let lf = OciPrivateKey::from_file(&data(name), None).unwrap();
            assert_eq!(k.fingerprint(), lf.fingerprint());
        }
        let pass = Secret::new("test-pass-phrase");
        let text = std::fs::read_to_string(data("client_c_encrypted_pkcs8.pem")).unwrap();
        let crlf = text.replace('\n', "\r\n");
        assert!(OciPrivateKey::from_pem(crlf.as_bytes(), Some(&pass), "c").is_ok());
        let text = std::fs::read_to_string(data("legacy_encrypted_pkcs1.pem")).unwrap();
        let crlf = text.replace('\n', "\r\n");
        assert!(OciPrivateKey::from_pem(crlf.as_bytes(), Some(&pass), "l").is_ok());
    }

    #[test]
    fn key_errors_are_clear() {
        let e = OciPrivateKey::read(&data("client_c_encrypted_pkcs8.pem"), None).unwrap_err();
        assert!(matches!(e, OciError::MissingPassPhrase { .. }), "{e}");
        let e = OciPrivateKey::read(
            &data("client_c_encrypted_pkcs8.pem"),
            Some(&Secret::new("wrong")),
        )
        .unwrap_err();
        assert!(matches!(e, OciError::WrongPassPhrase { .. }), "{e}");
        assert!(!e.to_string().contains("wrong\""));
        let e = OciPrivateKey::from_file(&data("does_not_exist.pem"), None).unwrap_err();
        assert!(e.to_string().contains("does_not_exist.pem"), "{e}");
        let e = OciPrivateKey::read(&data("legacy_encrypted_pkcs1.pem"), None).unwrap_err();
        assert!(matches!(e, OciError::MissingPassPhrase { .. }), "{e}");
        let e = OciPrivateKey::read(
            &data("legacy_encrypted_pkcs1.pem"),
            Some(&Secret::new("nope")),
        )
        .unwrap_err();
        assert!(matches!(e, OciError::WrongPassPhrase { .. }), "{e}");
        let des = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,0011223344556677\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let e = OciPrivateKey::from_pem(des.as_bytes(), Some(&Secret::new("x")), "des.pem")
            .unwrap_err();
        assert!(e.to_string().contains("openssl pkcs8 -topk8"), "{e}");
        let e = OciPrivateKey::from_pem(b"hello", None, "x.pem").unwrap_err();
        assert!(e.to_string().contains("x.pem"), "{e}");
        // ring refuses keys under 2048 bits (Oracle's 1024-bit documentation key).
        let e = OciPrivateKey::read(&data("oracle_doc_test_key.pem"), None).unwrap_err();
        assert!(matches!(e, OciError::InvalidKey { .. }), "{e}");
        let a = OciPrivateKey::from_file(&data("client_a_pkcs1.pem"), None).unwrap();
        let e = a
            .check_fingerprint("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", "a.pem")
            .unwrap_err();
        assert!(e.to_string().contains("a5:bd:fd:be"), "{e}");
        a.check_fingerprint("A5:BD:FD:BE:F6:BF:C3:06:09:21:98:02:0C:A3:87:F2", "a.pem")
            .unwrap();
    }

    #[test]
    fn ring_signature_verifies_with_the_public_key() {
        let a = OciPrivateKey::from_file(&data("client_a_pkcs1.pem"), None).unwrap();
        let sig = a.sign_rsa_sha256(b"hello").unwrap();
        let pk = rsa_public_key_from_spki(a.public_key_spki_der()).unwrap();
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, pk)
            .verify(b"hello", &sig)
            .unwrap();
        // The debug output never shows key material.
        assert!(!format!("{a:?}").contains("BEGIN"));
    }
}
