//! Fuzzing the readers of the log's files from outside (issue 19's suite): signed checkpoints,
//! leaves files and proof files, and the keys and notes under them. Valid texts are mutated
//! (bytes flipped, cut, inserted or repeated, lines swapped or dropped) and random bytes are
//! tried: never a panic, and every refusal names the file and a line of it (from 1 to one past
//! the last line). `AMITY_PROPTEST_CASES` sets the cases per property (default 1,000).

use std::path::Path;

use amity_log::{encode_hash, Checkpoint, SignerKey, VerifierKey};
use amity_store::LogLeaf;
use proptest::prelude::*;

use super::{read_checkpoint, read_leaves, read_proof, write_leaves};
use crate::Error;

/// Cases per property.
fn cases() -> u32 {
    std::env::var("AMITY_PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000)
}

/// Valid files of each kind: a signed checkpoint, a leaves file, an inclusion and a
/// consistency proof, a verifier key and a private key.
fn valid_texts() -> Vec<Vec<u8>> {
    let key = SignerKey::from_seed("amity/fuzz", [7; 32]).unwrap();
    let note = Checkpoint::new("amity/fuzz", 3, [9; 32])
        .sign(&key)
        .unwrap();
    let leaves: Vec<LogLeaf> = (0..3)
        .map(|index| LogLeaf {
            index,
            event_id: uuid::Uuid::from_u128(index as u128 + 1),
            hash: [index as u8; 32],
        })
        .collect();
    let mut leaves_file = Vec::new();
    write_leaves(&mut leaves_file, &leaves).unwrap();
    let hash = encode_hash(&[3; 32]);
    let inclusion = format!(
        "{{\n  \"leaf_index\": 1,\n  \"tree_size\": 3,\n  \"leaf_hash\": \"{hash}\",\n  \
         \"hashes\": [\n    \"{hash}\",\n    \"{hash}\"\n  ]\n}}\n"
    );
    let consistency =
        format!("{{\n  \"from\": 2,\n  \"to\": 3,\n  \"hashes\": [\n    \"{hash}\"\n  ]\n}}\n");
    vec![
        note.into_bytes(),
        leaves_file,
        inclusion.into_bytes(),
        consistency.into_bytes(),
        key.verifier().to_text().into_bytes(),
        key.to_private_text().into_bytes(),
    ]
}

/// One change to a text.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize, usize),
    Insert(usize, Vec<u8>),
    Repeat(usize, usize),
    SwapLines(usize, usize),
    DropLine(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        (any::<usize>(), 0..40usize).prop_map(|(at, length)| Mutation::Cut(at, length)),
        (
            any::<usize>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 1..8),
                Just(b"\n".to_vec()),
                Just(b"\r\n".to_vec()),
                Just(b" ".to_vec()),
                Just("—".as_bytes().to_vec()),
                Just(b"\0".to_vec()),
                Just(b"-1".to_vec()),
                Just(b"18446744073709551616".to_vec()),
            ]
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1..60usize).prop_map(|(at, length)| Mutation::Repeat(at, length)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<usize>().prop_map(Mutation::DropLine),
    ]
}

/// The text with the change made (positions taken modulo its length).
fn mutate(text: &mut Vec<u8>, mutation: &Mutation) {
    let at = |n: usize, length: usize| if length == 0 { 0 } else { n % length };
    match mutation {
        Mutation::Flip(n, bits) if !text.is_empty() => {
            let i = at(*n, text.len());
            text[i] ^= bits.max(&1);
        }
        Mutation::Flip(..) => {}
        Mutation::Cut(n, length) => {
            let start = at(*n, text.len());
            let end = (start + length).min(text.len());
            text.drain(start..end);
        }
        Mutation::Insert(n, bytes) => {
            let i = at(*n, text.len() + 1);
            text.splice(i..i, bytes.iter().copied());
        }
        Mutation::Repeat(n, length) => {
            let start = at(*n, text.len());
            let end = (start + length).min(text.len());
            let copy = text[start..end].to_vec();
            text.splice(end..end, copy);
        }
        Mutation::SwapLines(a, b) | Mutation::DropLine(a @ b) if text.is_empty() => {
            let _ = (a, b);
        }
        Mutation::SwapLines(a, b) => {
            let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let (i, j) = (at(*a, lines.len()), at(*b, lines.len()));
            lines.swap(i, j);
            *text = lines.join(&b'\n');
        }
        Mutation::DropLine(a) => {
            let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let i = at(*a, lines.len());
            lines.remove(i);
            *text = lines.join(&b'\n');
        }
    }
}

/// Every reader of the log's files on `bytes` written to `path`: none panics, and each
/// refusal names the file and a line of it.
fn check_readers(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    let last_line = bytes.split(|&b| b == b'\n').count() as u64 + 1;
    let named = |result: Result<(), Error>, reader: &str| {
        if let Err(error) = result {
            match &error {
                Error::Unreadable {
                    file, line, reason, ..
                } => {
                    assert_eq!(file, &path.display().to_string(), "{reader}: {error}");
                    assert!(
                        (1..=last_line).contains(line),
                        "{reader}: line {line}: {error}"
                    );
                    assert!(!reason.is_empty(), "{reader}: {error}");
                }
                Error::Io { .. } => {}
                other => panic!("{reader}: not an error naming the file and line: {other:?}"),
            }
        }
    };
    named(read_checkpoint(path).map(drop), "checkpoint");
    named(read_leaves(path).map(drop), "leaves");
    named(read_proof(path).map(drop), "proof");
    // Keys are read by the CLI, which names the file around these errors: the line must be
    // one of the text's.
    let text = String::from_utf8_lossy(bytes);
    for (reader, result) in [
        ("verifier key", VerifierKey::parse(&text).map(drop)),
        ("private key", SignerKey::parse(&text).map(drop)),
    ] {
        match result {
            Ok(()) => {}
            Err(amity_log::Error::Parse { line, .. }) => {
                assert!(
                    (1..=last_line as usize).contains(&line),
                    "{reader}: line {line}"
                );
            }
            Err(other) => panic!("{reader}: not a parse error with a line: {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn mutated_log_files_are_refused_naming_the_file_and_a_line(
        kind in 0..6usize,
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut text = valid_texts()[kind].clone();
        for mutation in &mutations {
            mutate(&mut text, mutation);
        }
        check_readers(&dir.path().join("file.txt"), &text);
    }

    #[test]
    fn random_bytes_as_log_files_are_refused_naming_the_file_and_a_line(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let dir = tempfile::tempdir().unwrap();
        check_readers(&dir.path().join("file.txt"), &bytes);
    }
}

#[test]
fn the_valid_texts_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.txt");
    let texts = valid_texts();
    std::fs::write(&path, &texts[0]).unwrap();
    assert!(read_checkpoint(&path).is_ok());
    std::fs::write(&path, &texts[1]).unwrap();
    assert_eq!(read_leaves(&path).unwrap().ids.len(), 3);
    for proof in &texts[2..4] {
        std::fs::write(&path, proof).unwrap();
        assert!(read_proof(&path).is_ok());
    }
    assert!(VerifierKey::parse(std::str::from_utf8(&texts[4]).unwrap()).is_ok());
    assert!(SignerKey::parse(std::str::from_utf8(&texts[5]).unwrap()).is_ok());
}
