//! Tests of the tree hash and the frontier, against the published RFC 6962 / RFC 9162 vectors
//! (see `vectors.rs` for their source).

use super::*;
use crate::vectors::{self, hash, hex, leaf_hashes, COMPACT_TREES, NODE_HASHES, ROOTS};

#[test]
fn leaf_hashes_are_the_published_level_zero_nodes() {
    for (leaf, expected) in leaf_hashes().iter().zip(NODE_HASHES[0]) {
        assert_eq!(*leaf, hash(expected));
    }
}

#[test]
fn roots_of_zero_to_eight_leaves_are_the_published_roots() {
    let leaves = leaf_hashes();
    for (size, expected) in ROOTS.iter().enumerate() {
        assert_eq!(
            root(&leaves[..size]),
            hash(expected),
            "root of {size} leaves"
        );
    }
    assert_eq!(empty_root(), hash(ROOTS[0]));
}

#[test]
fn inner_nodes_are_the_published_node_hashes() {
    for level in 1..NODE_HASHES.len() {
        for (index, expected) in NODE_HASHES[level].iter().enumerate() {
            let left = hash(NODE_HASHES[level - 1][2 * index]);
            let right = hash(NODE_HASHES[level - 1][2 * index + 1]);
            assert_eq!(
                node_hash(&left, &right),
                hash(expected),
                "level {level} node {index}"
            );
        }
    }
}

#[test]
fn the_frontier_is_the_published_compact_tree_at_every_size() {
    let mut frontier = Frontier::new();
    for (size, expected) in COMPACT_TREES.iter().enumerate() {
        if size > 0 {
            frontier.push(leaf_hashes()[size - 1]);
        }
        let expected: Vec<Hash> = expected
            .iter()
            .map(|&(level, index)| hash(NODE_HASHES[level][index]))
            .collect();
        assert_eq!(frontier.size(), size as u64);
        assert_eq!(frontier.subtree_roots(), expected.as_slice(), "size {size}");
        assert_eq!(frontier.root(), hash(ROOTS[size]), "root at size {size}");
    }
}

#[test]
fn a_frontier_round_trips_through_its_bytes() {
    let mut frontier = Frontier::new();
    for size in 0..20u8 {
        let bytes = frontier.to_bytes();
        assert_eq!(bytes.len(), 9 + 32 * frontier.size().count_ones() as usize);
        assert_eq!(Frontier::from_bytes(&bytes), Ok(frontier.clone()));
        frontier.push(leaf_hash(&[size]));
    }
    assert_eq!(
        Frontier::from_leaf_hashes(&leaf_hashes()).root(),
        hash(ROOTS[8])
    );
}

#[test]
fn corrupt_frontier_bytes_are_errors_not_panics() {
    let mut frontier = Frontier::new();
    for leaf in leaf_hashes().iter().take(7) {
        frontier.push(*leaf);
    }
    let bytes = frontier.to_bytes();
    let mut wrong_format = bytes.clone();
    wrong_format[0] = 2;
    let mut wrong_size = bytes.clone();
    wrong_size[8] = 8; // size 8 has one subtree root, the bytes hold three
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("format", wrong_format),
        ("short size", bytes[..5].to_vec()),
        ("missing hash", bytes[..bytes.len() - 32].to_vec()),
        ("cut hash", bytes[..bytes.len() - 1].to_vec()),
        ("extra byte", [bytes.as_slice(), &[0]].concat()),
        ("size", wrong_size),
        ("huge size", hex("01ffffffffffffffff")),
    ];
    for (name, bytes) in cases {
        let result = Frontier::from_bytes(&bytes);
        assert!(
            matches!(result, Err(Error::Frontier { .. })),
            "{name}: {result:?}"
        );
    }
    // Every prefix, too.
    for length in 0..bytes.len() {
        assert!(Frontier::from_bytes(&bytes[..length]).is_err());
    }
    let _ = vectors::to_hex(&bytes);
}
