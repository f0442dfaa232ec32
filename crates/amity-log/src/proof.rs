//! RFC 9162 proofs: inclusion (§2.1.3) and consistency (§2.1.4), computed from the leaf
//! hashes in memory and verified from nothing but the proof, the sizes and the roots; and
//! their JSON form, which any RFC 9162 verifier can read.

use serde::{Deserialize, Serialize};

use crate::base64_hash;
use crate::tree::{largest_power_of_two_below, node_hash, root};
use crate::{empty_root, Error, Hash, Result};

/// The inclusion proof (RFC 9162 §2.1.3.1, `PATH(m, D[n])`) of the leaf at `index` in the
/// tree of the first `size` of these leaf hashes: the sibling hashes from the leaf up.
/// Hashes the tree once, O(size).
pub fn inclusion_proof(leaf_hashes: &[Hash], index: u64, size: u64) -> Result<Vec<Hash>> {
    let leaves = prefix(leaf_hashes, size)?;
    if index >= size {
        return Err(Error::ProofRequest {
            reason: format!("leaf {index} is not in a tree of size {size}"),
        });
    }
    let mut proof = Vec::new();
    path(index as usize, leaves, &mut proof);
    Ok(proof)
}

/// `PATH(m, D[n])`, pushing the hashes in the order the RFC lists them (leaf end first).
fn path(index: usize, leaves: &[Hash], proof: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let split = largest_power_of_two_below(leaves.len() as u64) as usize;
    if index < split {
        path(index, &leaves[..split], proof);
        proof.push(root(&leaves[split..]));
    } else {
        path(index - split, &leaves[split..], proof);
        proof.push(root(&leaves[..split]));
    }
}

/// The consistency proof (RFC 9162 §2.1.4.1, `PROOF(m, D[n])`) that the tree of the first
/// `from` leaf hashes is a prefix of the tree of the first `to`. Empty when `from` is 0 or
/// equals `to` (nothing to prove). Hashes the tree once, O(to).
pub fn consistency_proof(leaf_hashes: &[Hash], from: u64, to: u64) -> Result<Vec<Hash>> {
    let leaves = prefix(leaf_hashes, to)?;
    if from > to {
        return Err(Error::ProofRequest {
            reason: format!("tree size {from} is larger than {to}: a log only grows"),
        });
    }
    let mut proof = Vec::new();
    if from > 0 && from < to {
        subproof(from as usize, leaves, true, &mut proof);
    }
    Ok(proof)
}

/// `SUBPROOF(m, D[n], b)`.
fn subproof(from: usize, leaves: &[Hash], whole_old_tree: bool, proof: &mut Vec<Hash>) {
    if from == leaves.len() {
        if !whole_old_tree {
            proof.push(root(leaves));
        }
        return;
    }
    let split = largest_power_of_two_below(leaves.len() as u64) as usize;
    if from <= split {
        subproof(from, &leaves[..split], whole_old_tree, proof);
        proof.push(root(&leaves[split..]));
    } else {
        subproof(from - split, &leaves[split..], false, proof);
        proof.push(root(&leaves[..split]));
    }
}

/// The first `size` leaf hashes, or why there are not that many.
fn prefix(leaf_hashes: &[Hash], size: u64) -> Result<&[Hash]> {
    usize::try_from(size)
        .ok()
        .and_then(|size| leaf_hashes.get(..size))
        .ok_or_else(|| Error::ProofRequest {
            reason: format!(
                "tree size {size} is larger than the log's {} leaves",
                leaf_hashes.len()
            ),
        })
}

/// Check an inclusion proof (RFC 9162 §2.1.3.2): that the leaf with this hash is at `index`
/// in the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<()> {
    let mismatch = |reason: String| Err(Error::ProofMismatch { reason });
    if index >= size {
        return mismatch(format!("leaf {index} is not in a tree of size {size}"));
    }
    let mut node_index = index;
    let mut last_index = size - 1;
    let mut computed = *leaf_hash;
    for sibling in proof {
        if last_index == 0 {
            return mismatch(format!(
                "{} hashes, more than a proof of leaf {index} in a tree of size {size} has",
                proof.len()
            ));
        }
        if node_index & 1 == 1 || node_index == last_index {
            computed = node_hash(sibling, &computed);
            if node_index & 1 == 0 {
                while node_index & 1 == 0 && node_index != 0 {
                    node_index >>= 1;
                    last_index >>= 1;
                }
            }
        } else {
            computed = node_hash(&computed, sibling);
        }
        node_index >>= 1;
        last_index >>= 1;
    }
    if last_index != 0 {
        return mismatch(format!(
            "{} hashes, fewer than a proof of leaf {index} in a tree of size {size} has",
            proof.len()
        ));
    }
    if computed != *root {
        return mismatch(format!(
            "the proof of leaf {index} leads to root {}, not {}",
            base64_hash::encode_hash(&computed),
            base64_hash::encode_hash(root)
        ));
    }
    Ok(())
}

/// Check a consistency proof (RFC 9162 §2.1.4.2): that the tree of `from` leaves with root
/// `from_root` is a prefix of the tree of `to` leaves with root `to_root`. The trivial cases
/// take an empty proof: equal sizes need equal roots, and size 0 the empty tree's root.
pub fn verify_consistency(
    from: u64,
    to: u64,
    from_root: &Hash,
    to_root: &Hash,
    proof: &[Hash],
) -> Result<()> {
    let mismatch = |reason: String| Err(Error::ProofMismatch { reason });
    if from > to {
        return mismatch(format!(
            "tree size {from} is larger than {to}: a log only grows"
        ));
    }
    if from == 0 || from == to {
        if !proof.is_empty() {
            return mismatch(format!(
                "{} hashes, but from size {from} to {to} the proof is empty",
                proof.len()
            ));
        }
        let (expected, what) = if from == 0 {
            (empty_root(), "the empty tree's")
        } else {
            (*to_root, "the later tree's")
        };
        if *from_root != expected {
            return mismatch(format!(
                "the root of size {from} is {}, not {what} root {}",
                base64_hash::encode_hash(from_root),
                base64_hash::encode_hash(&expected)
            ));
        }
        return Ok(());
    }
    // From here 0 < from < to.
    let Some((first, rest)) = proof.split_first() else {
        return mismatch(format!(
            "no hashes, but from size {from} to {to} there must be some"
        ));
    };
    // When `from` is a power of two the old root is a node of the new tree: the RFC puts it
    // in front of the path.
    let (first, rest) = if from.is_power_of_two() {
        (from_root, proof)
    } else {
        (first, rest)
    };
    let mut node_index = from - 1;
    let mut last_index = to - 1;
    while node_index & 1 == 1 {
        node_index >>= 1;
        last_index >>= 1;
    }
    let mut computed_from = *first;
    let mut computed_to = *first;
    for hash in rest {
        if last_index == 0 {
            return mismatch(format!(
                "{} hashes, more than a proof from size {from} to {to} has",
                proof.len()
            ));
        }
        if node_index & 1 == 1 || node_index == last_index {
            computed_from = node_hash(hash, &computed_from);
            computed_to = node_hash(hash, &computed_to);
            while node_index & 1 == 0 && node_index != 0 {
                node_index >>= 1;
                last_index >>= 1;
            }
        } else {
            computed_to = node_hash(&computed_to, hash);
        }
        node_index >>= 1;
        last_index >>= 1;
    }
    if last_index != 0 {
        return mismatch(format!(
            "{} hashes, fewer than a proof from size {from} to {to} has",
            proof.len()
        ));
    }
    if computed_from != *from_root {
        return mismatch(format!(
            "the proof leads to root {} for size {from}, not {}",
            base64_hash::encode_hash(&computed_from),
            base64_hash::encode_hash(from_root)
        ));
    }
    if computed_to != *to_root {
        return mismatch(format!(
            "the proof leads to root {} for size {to}, not {}",
            base64_hash::encode_hash(&computed_to),
            base64_hash::encode_hash(to_root)
        ));
    }
    Ok(())
}

/// An inclusion proof as JSON: hashes in standard base64, the RFC 9162 `PATH` in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The leaf's 0-based index: its place in the feed.
    pub leaf_index: u64,
    /// The size of the tree the proof is for.
    pub tree_size: u64,
    /// The leaf's hash.
    #[serde(with = "base64_hash::one")]
    pub leaf_hash: Hash,
    /// The sibling hashes from the leaf up.
    #[serde(with = "base64_hash::many")]
    pub hashes: Vec<Hash>,
    /// The root of the tree of `tree_size` leaves, when the proof carries it (a verifier
    /// takes the root from a checkpoint it trusts, not from the proof).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "base64_hash::optional"
    )]
    pub root: Option<Hash>,
}

impl InclusionProof {
    /// Check the proof against a root the caller trusts.
    pub fn verify(&self, root: &Hash) -> Result<()> {
        verify_inclusion(
            &self.leaf_hash,
            self.leaf_index,
            self.tree_size,
            &self.hashes,
            root,
        )
    }
}

/// A consistency proof as JSON: hashes in standard base64, the RFC 9162 `PROOF` in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The earlier tree's size.
    pub from: u64,
    /// The later tree's size.
    pub to: u64,
    /// The proof's hashes.
    #[serde(with = "base64_hash::many")]
    pub hashes: Vec<Hash>,
}

impl ConsistencyProof {
    /// Check the proof against the two roots the caller trusts (from two checkpoints).
    pub fn verify(&self, from_root: &Hash, to_root: &Hash) -> Result<()> {
        verify_consistency(self.from, self.to, from_root, to_root, &self.hashes)
    }
}

#[cfg(test)]
#[path = "proof_tests.rs"]
mod tests;
