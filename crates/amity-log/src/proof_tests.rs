//! Tests of the proofs: the published RFC 6962 / RFC 9162 vectors (see `vectors.rs` for their
//! source), their corruptions (as `transparency-dev/merkle`'s `proof/verify_test.go` probes
//! them), and a property test over random trees.

use proptest::prelude::*;

use super::*;
use crate::vectors::{hash, hashes, leaf_hashes, CONSISTENCY_PROOFS, INCLUSION_PROOFS, ROOTS};
use crate::{leaf_hash, Frontier};

/// An arbitrary hash that is no root or leaf of the vectors.
const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

#[test]
fn inclusion_proofs_are_the_published_ones_and_verify() {
    let leaves = leaf_hashes();
    for (index, size, expected) in INCLUSION_PROOFS {
        let proof = inclusion_proof(&leaves, index, size).unwrap();
        assert_eq!(proof, hashes(expected), "leaf {index} in size {size}");
        let root = hash(ROOTS[size as usize]);
        verify_inclusion(&leaves[index as usize], index, size, &proof, &root).unwrap();
    }
}

#[test]
fn corrupted_inclusion_proofs_do_not_verify() {
    let leaves = leaf_hashes();
    let some_hash = hash(SOME_HASH);
    for (index, size, expected) in INCLUSION_PROOFS {
        let proof = hashes(expected);
        let root = hash(ROOTS[size as usize]);
        let leaf = leaves[index as usize];
        let fails = |leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash| {
            let result = verify_inclusion(leaf, index, size, proof, root);
            assert!(
                matches!(result, Err(Error::ProofMismatch { .. })),
                "leaf {index} size {size} proof {proof:?}: {result:?}"
            );
        };
        fails(&leaf, index.wrapping_sub(1), size, &proof, &root);
        fails(&leaf, index + 1, size, &proof, &root);
        fails(&leaf, index ^ 2, size, &proof, &root);
        fails(&leaf, index, size * 2, &proof, &root);
        fails(&leaf, index, size / 2, &proof, &root);
        fails(&some_hash, index, size, &proof, &root);
        fails(&leaf, index, size, &proof, &crate::empty_root());
        fails(&leaf, index, size, &proof, &some_hash);
        fails(
            &leaf,
            index,
            size,
            &[proof.clone(), vec![root]].concat(),
            &root,
        );
        fails(
            &leaf,
            index,
            size,
            &[vec![root], proof.clone()].concat(),
            &root,
        );
        for at in 0..proof.len() {
            let mut wrong = proof.clone();
            wrong[at][0] ^= 8;
            fails(&leaf, index, size, &wrong, &root);
        }
        if !proof.is_empty() {
            fails(&leaf, index, size, &proof[..proof.len() - 1], &root);
        }
        if proof.len() > 1 {
            let inserted = [&[proof[0], some_hash], &proof[1..]].concat();
            fails(&leaf, index, size, &inserted, &root);
        }
    }
}

#[test]
fn consistency_proofs_are_the_published_ones_and_verify() {
    let leaves = leaf_hashes();
    for (from, to, expected) in CONSISTENCY_PROOFS {
        let proof = consistency_proof(&leaves, from, to).unwrap();
        assert_eq!(proof, hashes(expected), "from {from} to {to}");
        let (from_root, to_root) = (hash(ROOTS[from as usize]), hash(ROOTS[to as usize]));
        verify_consistency(from, to, &from_root, &to_root, &proof).unwrap();
    }
}

#[test]
fn corrupted_consistency_proofs_do_not_verify() {
    for (from, to, expected) in CONSISTENCY_PROOFS {
        let proof = hashes(expected);
        if proof.is_empty() {
            continue;
        }
        let (from_root, to_root) = (hash(ROOTS[from as usize]), hash(ROOTS[to as usize]));
        let wrong_root = hash(SOME_HASH);
        let fails = |from: u64, to: u64, from_root: &Hash, to_root: &Hash, proof: &[Hash]| {
            let result = verify_consistency(from, to, from_root, to_root, proof);
            assert!(
                matches!(result, Err(Error::ProofMismatch { .. })),
                "from {from} to {to} proof {proof:?}: {result:?}"
            );
        };
        fails(from - 1, to, &from_root, &to_root, &proof);
        fails(from + 1, to, &from_root, &to_root, &proof);
        fails(from ^ 2, to, &from_root, &to_root, &proof);
        fails(from, to * 2, &from_root, &to_root, &proof);
        fails(from, to / 2, &from_root, &to_root, &proof);
        fails(from, to, &wrong_root, &to_root, &proof);
        fails(from, to, &from_root, &wrong_root, &proof);
        fails(from, to, &to_root, &from_root, &proof);
        fails(from, to, &from_root, &to_root, &[]);
        for extra in [from_root, to_root] {
            fails(
                from,
                to,
                &from_root,
                &to_root,
                &[proof.clone(), vec![extra]].concat(),
            );
            fails(
                from,
                to,
                &from_root,
                &to_root,
                &[vec![extra], proof.clone()].concat(),
            );
        }
        fails(
            from,
            to,
            &from_root,
            &to_root,
            &[vec![proof[0]], proof.clone()].concat(),
        );
        fails(from, to, &from_root, &to_root, &proof[..proof.len() - 1]);
        for at in 0..proof.len() {
            let mut wrong = proof.clone();
            wrong[at][0] ^= 16;
            fails(from, to, &from_root, &to_root, &wrong);
        }
    }
}

#[test]
fn trivial_consistency_needs_an_empty_proof_and_the_right_roots() {
    let (empty, one, two) = (hash(ROOTS[0]), hash(ROOTS[1]), hash(ROOTS[2]));
    verify_consistency(0, 0, &empty, &empty, &[]).unwrap();
    verify_consistency(0, 2, &empty, &two, &[]).unwrap();
    verify_consistency(1, 1, &one, &one, &[]).unwrap();
    for (from, to, from_root, to_root, proof) in [
        (1, 1, one, two, vec![]),
        (0, 0, empty, empty, vec![empty]),
        (0, 1, empty, one, vec![empty]),
        (1, 1, one, one, vec![empty]),
        (0, 1, one, one, vec![]),
        (1, 0, one, empty, vec![]),
        (2, 1, two, one, vec![]),
        (1, 2, one, two, vec![]),
    ] {
        let result = verify_consistency(from, to, &from_root, &to_root, &proof);
        assert!(
            matches!(result, Err(Error::ProofMismatch { .. })),
            "{from} to {to}: {result:?}"
        );
    }
}

#[test]
fn impossible_proofs_are_refused() {
    let leaves = leaf_hashes();
    for (index, size) in [(0, 0), (8, 8), (3, 9), (0, u64::MAX)] {
        let result = inclusion_proof(&leaves, index, size);
        assert!(
            matches!(result, Err(Error::ProofRequest { .. })),
            "{result:?}"
        );
    }
    for (from, to) in [(3, 2), (0, 9), (9, 9)] {
        let result = consistency_proof(&leaves, from, to);
        assert!(
            matches!(result, Err(Error::ProofRequest { .. })),
            "{result:?}"
        );
    }
    for (index, size) in [(0, 0), (1, 1), (2, 1)] {
        let result = verify_inclusion(&leaves[0], index, size, &[], &leaves[0]);
        assert!(
            matches!(result, Err(Error::ProofMismatch { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn proofs_read_and_write_as_json_with_base64_hashes() {
    let leaves = leaf_hashes();
    let proof = InclusionProof {
        leaf_index: 5,
        tree_size: 8,
        leaf_hash: leaves[5],
        hashes: inclusion_proof(&leaves, 5, 8).unwrap(),
        root: None,
    };
    let json = serde_json::to_string(&proof).unwrap();
    assert_eq!(
        json,
        "{\"leaf_index\":5,\"tree_size\":8,\"leaf_hash\":\"QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=\",\
         \"hashes\":[\"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=\",\
         \"yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=\",\
         \"037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=\"]}"
    );
    assert_eq!(
        serde_json::from_str::<InclusionProof>(&json).unwrap(),
        proof
    );
    proof.verify(&hash(ROOTS[8])).unwrap();

    let with_root = InclusionProof {
        root: Some(hash(ROOTS[8])),
        ..proof
    };
    let json = serde_json::to_string(&with_root).unwrap();
    assert!(json.ends_with(",\"root\":\"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\"}"));
    assert_eq!(
        serde_json::from_str::<InclusionProof>(&json).unwrap(),
        with_root
    );

    let consistency = ConsistencyProof {
        from: 2,
        to: 5,
        hashes: consistency_proof(&leaves, 2, 5).unwrap(),
    };
    let json = serde_json::to_string(&consistency).unwrap();
    assert_eq!(
        serde_json::from_str::<ConsistencyProof>(&json).unwrap(),
        consistency
    );
    consistency
        .verify(&hash(ROOTS[2]), &hash(ROOTS[5]))
        .unwrap();

    for bad in [
        r#"{"from":1,"to":2,"hashes":["not base64!"]}"#,
        r#"{"from":1,"to":2,"hashes":["AAAA"]}"#,
        r#"{"from":1,"to":2}"#,
    ] {
        assert!(
            serde_json::from_str::<ConsistencyProof>(bad).is_err(),
            "{bad}"
        );
    }
}

/// Cases per property: 256 unless `AMITY_PROPTEST_CASES` says otherwise.
fn cases() -> u32 {
    std::env::var("AMITY_PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(256)
}

/// Flip one bit of a hash.
fn flipped(hash: &Hash, bit: usize) -> Hash {
    let mut hash = *hash;
    hash[bit / 8 % 32] ^= 1 << (bit % 8);
    hash
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// For a random tree, the frontier's root equals `root()` at every size; every inclusion
    /// proof and every consistency proof into the whole tree, and into one earlier size,
    /// verifies against those roots; and flipping any one bit of a proof hash, a root or the
    /// leaf makes it fail.
    #[test]
    fn every_proof_verifies_and_every_flipped_bit_fails(
        leaf_count in 1usize..200,
        seed in any::<u64>(),
        earlier in any::<prop::sample::Index>(),
        bit in 0usize..256,
    ) {
        let leaves: Vec<Hash> = (0..leaf_count as u64)
            .map(|index| leaf_hash(&(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_be_bytes()))
            .collect();
        let mut frontier = Frontier::new();
        let mut roots = vec![root(&[])];
        prop_assert_eq!(frontier.root(), roots[0]);
        for (index, leaf) in leaves.iter().enumerate() {
            frontier.push(*leaf);
            let size = index + 1;
            roots.push(root(&leaves[..size]));
            prop_assert_eq!(frontier.root(), roots[size]);
            prop_assert_eq!(Frontier::from_bytes(&frontier.to_bytes()).unwrap(), frontier.clone());
        }
        let whole = leaf_count as u64;
        let earlier = earlier.index(leaf_count) as u64 + 1;
        for size in [whole, earlier] {
            let root = roots[size as usize];
            for index in 0..size {
                let leaf = leaves[index as usize];
                let proof = inclusion_proof(&leaves, index, size).unwrap();
                prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_ok());
                prop_assert!(verify_inclusion(&flipped(&leaf, bit), index, size, &proof, &root).is_err());
                prop_assert!(verify_inclusion(&leaf, index, size, &proof, &flipped(&root, bit)).is_err());
                for at in 0..proof.len() {
                    let mut wrong = proof.clone();
                    wrong[at] = flipped(&wrong[at], bit);
                    prop_assert!(verify_inclusion(&leaf, index, size, &wrong, &root).is_err());
                }
            }
        }
        for to in [whole, earlier] {
            for from in 0..=to {
                let (from_root, to_root) = (roots[from as usize], roots[to as usize]);
                let proof = consistency_proof(&leaves, from, to).unwrap();
                prop_assert!(verify_consistency(from, to, &from_root, &to_root, &proof).is_ok(), "{} to {}", from, to);
                prop_assert!(verify_consistency(from, to, &flipped(&from_root, bit), &to_root, &proof).is_err());
                // From the empty tree nothing is proven about the later root: any root is a
                // root some tree extending the empty one has.
                if from > 0 {
                    prop_assert!(verify_consistency(from, to, &from_root, &flipped(&to_root, bit), &proof).is_err());
                }
                for at in 0..proof.len() {
                    let mut wrong = proof.clone();
                    wrong[at] = flipped(&wrong[at], bit);
                    prop_assert!(verify_consistency(from, to, &from_root, &to_root, &wrong).is_err());
                }
            }
        }
    }
}
