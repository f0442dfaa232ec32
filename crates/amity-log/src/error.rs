//! What can go wrong: malformed input (with the line, for text), a proof or signature that
//! does not check, a request that makes no sense for the tree.

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error of the log's formats and checks. Messages name what is wrong in plain words; a
/// caller that reads a file adds the file's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Text (a key, a signed note, a checkpoint) is malformed.
    #[error("line {line}: {reason}")]
    Parse {
        /// The 1-based line of the text where the problem is.
        line: usize,
        /// What is wrong there.
        reason: String,
    },
    /// Stored frontier bytes are not a frontier this version wrote.
    #[error("corrupt frontier: {reason}")]
    Frontier {
        /// What is wrong with them.
        reason: String,
    },
    /// A proof was asked for that the tree cannot give (a leaf past the tree's end, a tree
    /// larger than the leaves, sizes out of order).
    #[error("no such proof: {reason}")]
    ProofRequest {
        /// Why not.
        reason: String,
    },
    /// A proof does not prove what it claims: the hashes lead to another root, or there are
    /// too many or too few of them for the sizes.
    #[error("proof does not verify: {reason}")]
    ProofMismatch {
        /// How it fails.
        reason: String,
    },
    /// A signed note holds no signature by the key it was checked with (other keys'
    /// signatures are ignored).
    #[error("no signature by key {key} (the note is signed by {})", if signed_by.is_empty() { "no key".to_owned() } else { signed_by.join(", ") })]
    NotSignedBy {
        /// The key asked for, `name+keyid`.
        key: String,
        /// The keys whose signature lines the note holds, `name+keyid`.
        signed_by: Vec<String>,
    },
    /// A signature line names the key checked with, but the signature is not that key's
    /// signature of the note's text: the text or the signature was changed.
    #[error(
        "line {line}: invalid signature by key {key}: the note's text or its signature was changed"
    )]
    BadSignature {
        /// The key, `name+keyid`.
        key: String,
        /// The signature's line in the note.
        line: usize,
    },
    /// A key name is not usable in a signed note.
    #[error("invalid key name {name:?}: {reason}")]
    KeyName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operating system gave no random bytes for a new key.
    #[error("no random bytes for a new key: {reason}")]
    Random {
        /// The operating system's error.
        reason: String,
    },
}

impl Error {
    /// A parse error at a line.
    pub(crate) fn parse(line: usize, reason: impl Into<String>) -> Error {
        Error::Parse {
            line,
            reason: reason.into(),
        }
    }
}
