//! The RFC 9162 §2.1 Merkle tree hash over SHA-256, and its frontier: the right edge of the
//! tree, all a log must keep to extend its root by new leaves.

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// A SHA-256 hash: a leaf, a node or a tree's root.
pub type Hash = [u8; 32];

/// The hash of a leaf: `SHA-256(0x00 || bytes)` (RFC 9162 §2.1.1). The prefix keeps a leaf
/// from ever hashing like an inner node.
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(bytes);
    hasher.finalize().into()
}

/// The hash of an inner node: `SHA-256(0x01 || left || right)` (RFC 9162 §2.1.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: SHA-256 of no bytes.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The Merkle tree hash (MTH, RFC 9162 §2.1.1) of these leaf hashes, in order: the tree's
/// root. Every call hashes every inner node, O(n); keep a [`Frontier`] to extend a root.
pub fn root(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes {
        [] => empty_root(),
        [leaf] => *leaf,
        _ => {
            let split = largest_power_of_two_below(leaf_hashes.len() as u64) as usize;
            node_hash(&root(&leaf_hashes[..split]), &root(&leaf_hashes[split..]))
        }
    }
}

/// The largest power of two strictly below `n` (`n` ≥ 2): where RFC 9162 splits a tree.
pub(crate) fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The right edge of a tree: the roots of its perfect subtrees, largest (leftmost) first, one
/// for each bit set in its size (a compact range from 0 to the size). Enough to compute the
/// root and to go on appending, so a log keeps this between checkpoints and a checkpoint after
/// N new leaves costs N pushes and one root, O(N + log n).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    /// One hash per set bit of `size`, from the highest bit down.
    subtree_roots: Vec<Hash>,
}

/// The first byte of [`Frontier::to_bytes`]: the layout's version.
const FRONTIER_FORMAT: u8 = 1;

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The frontier of a tree of these leaf hashes.
    pub fn from_leaf_hashes(leaf_hashes: &[Hash]) -> Frontier {
        let mut frontier = Frontier::new();
        for leaf in leaf_hashes {
            frontier.push(*leaf);
        }
        frontier
    }

    /// Append a leaf (its [`leaf_hash`]): merges the perfect subtrees it completes, at most
    /// log n node hashes, one on average.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self
                .subtree_roots
                .pop()
                .expect("a frontier holds one hash per set bit of its size");
            node = node_hash(&left, &node);
            size >>= 1;
        }
        self.subtree_roots.push(node);
        self.size += 1;
    }

    /// How many leaves the tree has.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of the tree's perfect subtrees, largest (leftmost) first.
    pub fn subtree_roots(&self) -> &[Hash] {
        &self.subtree_roots
    }

    /// The tree's root, equal to [`root`] of all its leaves: the subtree roots folded from
    /// the right.
    pub fn root(&self) -> Hash {
        let mut roots = self.subtree_roots.iter().rev();
        let Some(last) = roots.next() else {
            return empty_root();
        };
        roots.fold(*last, |right, left| node_hash(left, &right))
    }

    /// The frontier as bytes to store: a format byte (1), the size as 8 bytes big-endian,
    /// then the subtree roots, 32 bytes each, largest first.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(9 + 32 * self.subtree_roots.len());
        bytes.push(FRONTIER_FORMAT);
        bytes.extend_from_slice(&self.size.to_be_bytes());
        for hash in &self.subtree_roots {
            bytes.extend_from_slice(hash);
        }
        bytes
    }

    /// A frontier from [`Frontier::to_bytes`]; bytes of another format, or of a length that
    /// does not match their size, are an [`Error::Frontier`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Frontier> {
        let corrupt = |reason: String| Error::Frontier { reason };
        let Some((&format, rest)) = bytes.split_first() else {
            return Err(corrupt("no bytes".to_owned()));
        };
        if format != FRONTIER_FORMAT {
            return Err(corrupt(format!(
                "format {format}, this version reads format {FRONTIER_FORMAT}"
            )));
        }
        let Some((size, hashes)) = rest.split_first_chunk::<8>() else {
            return Err(corrupt(format!(
                "{} bytes, too short for the tree size",
                bytes.len()
            )));
        };
        let size = u64::from_be_bytes(*size);
        let expected = size.count_ones() as usize;
        if hashes.len() != 32 * expected {
            return Err(corrupt(format!(
                "a tree of size {size} has {expected} subtree roots ({} bytes), found {} bytes",
                32 * expected,
                hashes.len()
            )));
        }
        let subtree_roots = hashes
            .chunks_exact(32)
            .map(|chunk| <Hash>::try_from(chunk).expect("chunks of 32 bytes"))
            .collect();
        Ok(Frontier {
            size,
            subtree_roots,
        })
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
