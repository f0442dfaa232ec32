//! Ed25519 keys in the text forms of Go's `golang.org/x/mod/sumdb/note` (C2SP `signed-note`):
//! a verifier key `<name>+<keyid>+<base64(0x01 || public key)>` to hand out, and a signer key
//! `PRIVATE+KEY+<name>+<keyid>+<base64(0x01 || seed)>` to keep.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// The signature type byte of Ed25519 in C2SP `signed-note`.
const ED25519: u8 = 0x01;

/// What a private key's text starts with.
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// A public key that checks signatures: a name (by convention the log's origin) and an
/// Ed25519 public key. Its text, [`VerifierKey::to_text`], is what another archive is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    public: VerifyingKey,
}

/// A private key that signs checkpoints. Its text holds the secret seed: write it to a file
/// only its owner reads. `Debug` shows the name and key id, never the seed.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key_id: u32,
    signing: SigningKey,
}

impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// The key id: the first 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key).
fn key_id(name: &str, public: &VerifyingKey) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([ED25519]);
    hasher.update(public.as_bytes());
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Why a key name cannot be used, if it cannot: C2SP `signed-note` names are non-empty and
/// hold no Unicode spaces and no `+` (control characters would make the note malformed).
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("a key name must not be empty")
    } else if name.contains('+') {
        Some("a key name must not contain '+'")
    } else if name.chars().any(char::is_whitespace) {
        Some("a key name must not contain spaces")
    } else if name.chars().any(char::is_control) {
        Some("a key name must not contain control characters")
    } else {
        None
    }
}

/// The one key line of a key file's text and its line number: surrounding blank lines and
/// spaces are ignored, anything else is an error.
fn single_line(text: &str, what: &str) -> Result<(usize, String)> {
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty());
    let Some((line, key)) = lines.next() else {
        return Err(Error::parse(1, format!("no {what} (the text is empty)")));
    };
    if let Some((extra, _)) = lines.next() {
        return Err(Error::parse(
            extra,
            format!("unexpected text after the {what} on line {line}"),
        ));
    }
    Ok((line, key.to_owned()))
}

/// Split `name+keyid+base64` and check what the parts can be checked for alone.
fn split_key(line: usize, text: &str, what: &str) -> Result<(String, u32, Vec<u8>)> {
    let parse = |reason: String| Error::parse(line, reason);
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(key_id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(parse(format!(
            "a {what} is name+keyid+key (three parts joined by '+'), found {text:?}"
        )));
    };
    if let Some(problem) = name_problem(name) {
        return Err(parse(format!("{problem} (found {name:?})")));
    }
    if key_id.len() != 8 || !key_id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(parse(format!(
            "the key id {key_id:?} is not 8 hexadecimal digits"
        )));
    }
    let key_id = u32::from_str_radix(key_id, 16).expect("8 hexadecimal digits");
    let key = STANDARD
        .decode(key)
        .map_err(|error| parse(format!("the key {key:?} is not standard base64 ({error})")))?;
    let Some((&key_type, key_bytes)) = key.split_first() else {
        return Err(parse("the key is empty".to_owned()));
    };
    if key_type != ED25519 {
        return Err(parse(format!(
            "key type {key_type}: only Ed25519 keys (type {ED25519}) are supported"
        )));
    }
    if key_bytes.len() != 32 {
        return Err(parse(format!(
            "an Ed25519 key is 32 bytes, this one is {}",
            key_bytes.len()
        )));
    }
    Ok((name.to_owned(), key_id, key_bytes.to_vec()))
}

impl VerifierKey {
    /// A verifier key from its text (a key file's: blank lines and surrounding spaces are
    /// ignored). A private key, a wrong key id, a key that is not Ed25519 are errors naming
    /// the line.
    pub fn parse(text: &str) -> Result<VerifierKey> {
        let (line, text) = single_line(text, "verifier key")?;
        if text.starts_with(PRIVATE_PREFIX) {
            return Err(Error::parse(
                line,
                "this is a private signer key; give the public verifier key (name+keyid+key)",
            ));
        }
        let (name, given_id, bytes) = split_key(line, &text, "verifier key")?;
        let bytes: [u8; 32] = bytes.try_into().expect("checked: 32 bytes");
        let public = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| Error::parse(line, "the key is not a valid Ed25519 public key"))?;
        let key_id = key_id(&name, &public);
        if key_id != given_id {
            return Err(Error::parse(
                line,
                format!("the key id {given_id:08x} does not match the name and key (expected {key_id:08x})"),
            ));
        }
        Ok(VerifierKey {
            name,
            key_id,
            public,
        })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id that signature lines carry.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// `name+keyid`, how messages name the key.
    pub fn label(&self) -> String {
        format!("{}+{:08x}", self.name, self.key_id)
    }

    /// The key's text, `name+keyid+base64(0x01 || public key)`.
    pub fn to_text(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(ED25519);
        key.extend_from_slice(self.public.as_bytes());
        format!("{}+{}", self.label(), STANDARD.encode(key))
    }

    /// Whether `signature` is this key's Ed25519 signature of `message` (strict RFC 8032
    /// checks: no malleable signatures, no weak keys).
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature)
            .is_ok_and(|signature| self.public.verify_strict(message, &signature).is_ok())
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl SignerKey {
    /// A new key named `name` (by convention the log's origin), from the operating system's
    /// random source.
    pub fn generate(name: &str) -> Result<SignerKey> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|error| Error::Random {
            reason: error.to_string(),
        })?;
        SignerKey::from_seed(name, seed)
    }

    /// The key named `name` with this Ed25519 seed (RFC 8032's 32-byte private key).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<SignerKey> {
        if let Some(reason) = name_problem(name) {
            return Err(Error::KeyName {
                name: name.to_owned(),
                reason,
            });
        }
        let signing = SigningKey::from_bytes(&seed);
        Ok(SignerKey {
            name: name.to_owned(),
            key_id: key_id(name, &signing.verifying_key()),
            signing,
        })
    }

    /// A signer key from its text, `PRIVATE+KEY+name+keyid+base64(0x01 || seed)` (a key
    /// file's: blank lines and surrounding spaces are ignored).
    pub fn parse(text: &str) -> Result<SignerKey> {
        let (line, text) = single_line(text, "signer key")?;
        let Some(rest) = text.strip_prefix(PRIVATE_PREFIX) else {
            return Err(Error::parse(
                line,
                "a signer key starts with PRIVATE+KEY+ (is this a public verifier key?)",
            ));
        };
        let (name, given_id, seed) = split_key(line, rest, "signer key")?;
        let key = SignerKey::from_seed(&name, seed.try_into().expect("checked: 32 bytes"))
            .map_err(|error| match error {
                Error::KeyName { .. } => Error::parse(line, error.to_string()),
                other => other,
            })?;
        if key.key_id != given_id {
            return Err(Error::parse(
                line,
                format!(
                    "the key id {given_id:08x} does not match the name and key (expected {:08x})",
                    key.key_id
                ),
            ));
        }
        Ok(key)
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id that its signature lines carry.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key that checks this key's signatures.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            public: self.signing.verifying_key(),
        }
    }

    /// The private key's text, `PRIVATE+KEY+name+keyid+base64(0x01 || seed)`: a secret.
    pub fn to_private_text(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(ED25519);
        key.extend_from_slice(self.signing.as_bytes());
        format!(
            "{PRIVATE_PREFIX}{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(key)
        )
    }

    /// The Ed25519 signature of `message` (deterministic, RFC 8032).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

#[cfg(test)]
#[path = "key_tests.rs"]
pub(crate) mod tests;
