//! C2SP `signed-note`: a text ending in a newline, a blank line, and signature lines
//! `— <key name> <base64(keyid || signature)>`, exactly as Go's `golang.org/x/mod/sumdb/note`
//! reads and writes them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::key::name_problem;
use crate::{Error, Result, SignerKey, VerifierKey};

/// What starts a signature line: an em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// At most this many signature lines, as Go's reader (C2SP asks readers to accept 16).
const MAX_SIGNATURES: usize = 100;

/// A signed note, parsed: its text and its signature lines. Parsing checks the form only;
/// [`Note::verify`] checks a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline (without the blank line before the signatures).
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signing key's name.
    pub name: String,
    /// The signing key's id (the first 4 bytes of the line's base64).
    pub key_id: u32,
    /// The signature after the key id (64 bytes for Ed25519).
    pub signature: Vec<u8>,
    /// The line's 1-based number in the note.
    pub line: usize,
}

impl NoteSignature {
    /// `name+keyid`, how messages name the key.
    pub fn label(&self) -> String {
        format!("{}+{:08x}", self.name, self.key_id)
    }
}

/// The 1-based line of `bytes` at which byte `offset` is.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
}

/// The first control character other than a newline, as an error on its line.
fn check_characters(text: &str) -> Result<()> {
    match text.char_indices().find(|&(_, c)| c < ' ' && c != '\n') {
        None => Ok(()),
        Some((offset, c)) => Err(Error::parse(
            line_at(text.as_bytes(), offset),
            if c == '\r' {
                "carriage return (CR): a signed note's lines end in a newline (LF) alone".to_owned()
            } else {
                format!(
                    "control character U+{:04X}: a signed note holds none but newlines",
                    u32::from(c)
                )
            },
        )),
    }
}

impl Note {
    /// Parse a signed note's bytes: UTF-8 without control characters other than newlines,
    /// the text, a blank line, then one or more signature lines. Says which line is wrong.
    pub fn parse(message: &[u8]) -> Result<Note> {
        let message = std::str::from_utf8(message).map_err(|error| {
            Error::parse(
                line_at(message, error.valid_up_to()),
                "not UTF-8 text: a signed note is UTF-8",
            )
        })?;
        check_characters(message)?;
        let Some(split) = message.rfind("\n\n") else {
            return Err(Error::parse(
                line_at(message.as_bytes(), message.len()),
                "no blank line before the signature lines: is this a signed note?",
            ));
        };
        let (text, signature_block) = (&message[..=split], &message[split + 2..]);
        let first_signature_line = line_at(message.as_bytes(), split) + 2;
        if signature_block.is_empty() {
            return Err(Error::parse(
                first_signature_line,
                "no signature lines after the last blank line",
            ));
        }
        let Some(signature_block) = signature_block.strip_suffix('\n') else {
            return Err(Error::parse(
                line_at(message.as_bytes(), message.len()),
                "the last signature line does not end in a newline",
            ));
        };
        let mut signatures = Vec::new();
        for (index, text) in signature_block.split('\n').enumerate() {
            let line = first_signature_line + index;
            if index == MAX_SIGNATURES {
                return Err(Error::parse(
                    line,
                    format!("more than {MAX_SIGNATURES} signature lines"),
                ));
            }
            signatures.push(parse_signature_line(line, text)?);
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// Check that the note is signed by `key`: its first signature line with the key's name
    /// and id must be the key's signature of the text. Lines of other keys are ignored (a
    /// witness may cosign); repeated lines of the key, as in Go, too.
    pub fn verify(&self, key: &VerifierKey) -> Result<()> {
        let Some(signature) = self
            .signatures
            .iter()
            .find(|signature| signature.name == key.name() && signature.key_id == key.key_id())
        else {
            let mut signed_by: Vec<String> =
                self.signatures.iter().map(NoteSignature::label).collect();
            signed_by.dedup();
            return Err(Error::NotSignedBy {
                key: key.label(),
                signed_by,
            });
        };
        if key.verifies(self.text.as_bytes(), &signature.signature) {
            Ok(())
        } else {
            Err(Error::BadSignature {
                key: key.label(),
                line: signature.line,
            })
        }
    }

    /// [`Note::parse`] then [`Note::verify`].
    pub fn open(message: &[u8], key: &VerifierKey) -> Result<Note> {
        let note = Note::parse(message)?;
        note.verify(key)?;
        Ok(note)
    }

    /// Sign `text` (non-empty, ending in a newline, no control characters but newlines):
    /// the signed note, text, blank line, and one signature line by `key`.
    pub fn sign(text: &str, key: &SignerKey) -> Result<String> {
        check_characters(text)?;
        if !text.ends_with('\n') {
            return Err(Error::parse(
                line_at(text.as_bytes(), text.len()),
                "a note's text ends in a newline",
            ));
        }
        let signature = key.sign_bytes(text.as_bytes());
        let mut signed = Vec::with_capacity(4 + signature.len());
        signed.extend_from_slice(&key.key_id().to_be_bytes());
        signed.extend_from_slice(&signature);
        Ok(format!(
            "{text}\n{SIGNATURE_PREFIX}{} {}\n",
            key.name(),
            STANDARD.encode(signed)
        ))
    }
}

/// One line `— <name> <base64(keyid || signature)>`.
fn parse_signature_line(line: usize, text: &str) -> Result<NoteSignature> {
    let parse = |reason: String| Error::parse(line, reason);
    let Some(rest) = text.strip_prefix(SIGNATURE_PREFIX) else {
        return Err(parse(
            "a signature line starts with an em dash (U+2014) and a space".to_owned(),
        ));
    };
    let Some((name, encoded)) = rest.split_once(' ') else {
        return Err(parse(
            "a signature line is '— <key name> <base64 signature>'".to_owned(),
        ));
    };
    if let Some(problem) = name_problem(name) {
        return Err(parse(format!("{problem} (found {name:?})")));
    }
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|error| parse(format!("the signature is not standard base64 ({error})")))?;
    if bytes.len() < 5 {
        return Err(parse(format!(
            "the signature is {} bytes: too short for a key id and a signature",
            bytes.len()
        )));
    }
    let (key_id, signature) = bytes.split_at(4);
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes(key_id.try_into().expect("4 bytes")),
        signature: signature.to_vec(),
        line,
    })
}

#[cfg(test)]
#[path = "note_tests.rs"]
mod tests;
