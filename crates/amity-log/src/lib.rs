//! Amity's verifiable log: pure functions and values, no IO, no store, no domain.
//!
//! Every stored event, in global feed order, is a leaf of an RFC 9162 (Certificate
//! Transparency v2) Merkle tree. This crate holds the parts that need no store:
//!
//! - [`CanonicalRecord`]: "canonical record v1", the frozen bytes of one stored event that a
//!   leaf hashes, built from the raw columns without decoding the payload (the specification
//!   is in `events-schema/README.md`);
//! - [`leaf_hash`], [`node_hash`], [`root`] and [`Frontier`] (RFC 9162 §2.1): the tree hash,
//!   and the tree's right edge kept between checkpoints, so a checkpoint after N new leaves
//!   hashes O(N + log n), never the whole log again;
//! - [`inclusion_proof`], [`consistency_proof`], [`verify_inclusion`], [`verify_consistency`]
//!   (RFC 9162 §2.1.3, §2.1.4) and their JSON form ([`InclusionProof`], [`ConsistencyProof`]);
//! - [`Checkpoint`], [`SignerKey`], [`VerifierKey`] and [`Note`]: C2SP `tlog-checkpoint`
//!   bodies in C2SP `signed-note`s with Ed25519, byte for byte as Go's
//!   `golang.org/x/mod/sumdb/note` writes them, so other tools can check Amity's checkpoints.
//!
//! Nothing here panics on bad input: a malformed key, note, checkpoint, proof or frontier is
//! an [`Error`] saying what is wrong (and, for text, on which line).

mod base64_hash;
mod canonical;
mod checkpoint;
mod error;
mod key;
mod note;
mod proof;
mod tree;
#[cfg(test)]
mod vectors;

pub use base64_hash::{decode_hash, encode_hash};
pub use canonical::{CanonicalRecord, CANONICAL_RECORD_TAG};
pub use checkpoint::Checkpoint;
pub use error::{Error, Result};
pub use key::{SignerKey, VerifierKey};
pub use note::{Note, NoteSignature};
pub use proof::{
    consistency_proof, inclusion_proof, verify_consistency, verify_inclusion, ConsistencyProof,
    InclusionProof,
};
pub use tree::{empty_root, leaf_hash, node_hash, root, Frontier, Hash};
