//! C2SP `tlog-checkpoint`: the note text `<origin>\n<tree size>\n<base64 root hash>\n`, then
//! optional extension lines, signed as a C2SP `signed-note`.

use crate::{base64_hash, Error, Hash, Note, Result, SignerKey, VerifierKey};

/// A checkpoint: the log's origin, its size and root hash at that size, and any extension
/// lines (kept as read; Amity writes none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Which log: by Amity's convention `amity/<first event id>`.
    pub origin: String,
    /// How many leaves the tree has.
    pub size: u64,
    /// The tree's root hash at that size.
    pub root: Hash,
    /// Lines after the root hash, non-empty, opaque.
    pub extensions: Vec<String>,
}

/// Why a line cannot stand in a checkpoint body, if it cannot.
fn line_problem(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        Some("empty")
    } else if text.contains('\n') {
        Some("it holds a newline")
    } else if text.chars().any(|c| c < ' ') {
        Some("it holds a control character")
    } else {
        None
    }
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: origin, size, base64 root, extension lines, each ending in a newline.
    pub fn body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            base64_hash::encode_hash(&self.root)
        );
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Parse a note text as a checkpoint body: at least three lines (origin, size in decimal
    /// without leading zeros, a base64 SHA-256 root), then non-empty extension lines. Says
    /// which line is wrong.
    pub fn parse_body(body: &str) -> Result<Checkpoint> {
        let Some(lines) = body.strip_suffix('\n') else {
            return Err(Error::parse(
                body.split('\n').count(),
                "a checkpoint's last line ends in a newline",
            ));
        };
        let lines: Vec<&str> = lines.split('\n').collect();
        for (index, text) in lines.iter().enumerate() {
            if let Some(problem) = line_problem(text) {
                return Err(Error::parse(
                    index + 1,
                    format!("a checkpoint line must not be {problem}"),
                ));
            }
        }
        let missing = |what: &str| {
            Error::parse(
                lines.len() + 1,
                format!("missing the {what}: a checkpoint is origin, tree size, root hash"),
            )
        };
        let origin = lines[0];
        let size_text = *lines.get(1).ok_or_else(|| missing("tree size"))?;
        let root_text = *lines.get(2).ok_or_else(|| missing("root hash"))?;
        let size = parse_size(size_text).map_err(|reason| Error::parse(2, reason))?;
        let root = base64_hash::decode_hash(root_text)
            .map_err(|reason| Error::parse(3, format!("the root hash {reason}")))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: lines[3..].iter().map(|line| (*line).to_owned()).collect(),
        })
    }

    /// The checkpoint as a signed note by `key` (C2SP recommends the key's name be the
    /// origin; the caller chooses). Refuses an origin or extension line that would not read
    /// back, naming its line.
    pub fn sign(&self, key: &SignerKey) -> Result<String> {
        let lines = std::iter::once(&self.origin).chain(&self.extensions);
        for (index, text) in lines.enumerate() {
            let line = if index == 0 { 1 } else { index + 3 };
            if let Some(problem) = line_problem(text) {
                return Err(Error::parse(
                    line,
                    format!("a checkpoint line must not be {problem}"),
                ));
            }
        }
        Note::sign(&self.body(), key)
    }

    /// The checkpoint of a note, whose signatures were checked or not (see [`Note::verify`]).
    pub fn from_note(note: &Note) -> Result<Checkpoint> {
        Checkpoint::parse_body(&note.text)
    }

    /// Parse a signed checkpoint, check that `key` signed it, and read its body.
    pub fn open(message: &[u8], key: &VerifierKey) -> Result<Checkpoint> {
        Checkpoint::from_note(&Note::open(message, key)?)
    }
}

/// A tree size: ASCII decimal, no sign, no leading zeros (but `0`), fitting in 64 bits.
fn parse_size(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!("the tree size {text:?} is not a decimal number"));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(format!("the tree size {text:?} has a leading zero"));
    }
    text.parse()
        .map_err(|_| format!("the tree size {text} is too large"))
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
