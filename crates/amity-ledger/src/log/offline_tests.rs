//! Offline verification in memory: the leaves of an export are the store's leaves; an archive
//! verifies against its checkpoint, and edits to its lines are found.

use std::sync::Arc;

use amity_log::SignerKey;
use amity_store::{ExpectedVersion, MemoryEventStore, NewEvent};

use super::*;
use crate::Ledger;

/// A ledger of five raw events in two streams, payloads with spaces and unicode kept as stored.
async fn ledger() -> Ledger {
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    for (index, (stream, payload)) in [
        ("a", r#"{"n":0}"#),
        ("b", r#"{"text":"Kraków","list":[1,2]}"#),
        ("a", r#"{"n":1,"nested":{"x":null}}"#),
        ("a", r#"{"n":2}"#),
        ("b", r#"{"n":"\u00e9"}"#),
    ]
    .into_iter()
    .enumerate()
    {
        let event = NewEvent {
            event_id: uuid::Uuid::from_u128(index as u128 + 1),
            event_type: "Raw".to_owned(),
            schema_version: 1,
            payload: payload.as_bytes().to_vec(),
            metadata: br#"{"recorded_by":"tester"}"#.to_vec(),
            recorded_at: Some(jiff::Timestamp::from_microsecond(1_700_000_000_123_456).unwrap()),
        };
        ledger
            .store()
            .append(stream, ExpectedVersion::Any, vec![event])
            .await
            .unwrap();
    }
    ledger
}

/// The ledger exported to `dir/ledger.jsonl` and checkpointed to `dir/cp.txt`.
async fn exported(dir: &Path) -> (Ledger, SignerKey) {
    let ledger = ledger().await;
    let key = SignerKey::generate("amity/test").unwrap();
    let signed = ledger.checkpoint(&key).await.unwrap();
    std::fs::write(dir.join("cp.txt"), signed.note).unwrap();
    let mut out = Vec::new();
    crate::archive::export(&ledger, &mut out, None)
        .await
        .unwrap();
    std::fs::write(dir.join("ledger.jsonl"), out).unwrap();
    (ledger, key)
}

fn verify(dir: &Path, key: &SignerKey) -> Report {
    let published = read_checkpoint(&dir.join("cp.txt")).unwrap();
    verify_archive(&dir.join("ledger.jsonl"), &published, &key.verifier(), None).unwrap()
}

fn edit_lines(dir: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join("ledger.jsonl");
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    edit(&mut lines);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[tokio::test]
async fn the_leaves_of_an_export_are_the_leaves_of_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, key) = exported(dir.path()).await;
    let leaves = ledger.log_leaves().await.unwrap();
    assert_eq!(
        archive_leaves(&dir.path().join("ledger.jsonl")).unwrap(),
        leaves.hashes
    );
    let report = verify(dir.path(), &key);
    assert_eq!(report.problems, Vec::<String>::new());
    assert_eq!((report.tree_size, report.covered), (5, 5));
}

#[tokio::test]
async fn edits_to_an_archive_are_found() {
    type Edit = fn(&mut Vec<String>);
    let cases: [(&str, Edit, &str); 4] = [
        (
            "a payload byte",
            |lines| lines[2] = lines[2].replace("\"n\":1", "\"n\":7"),
            "does not match the archive",
        ),
        (
            "the last line dropped",
            |lines| drop(lines.pop()),
            "truncated",
        ),
        (
            "two lines of one stream swapped",
            |lines| lines.swap(2, 3),
            "where version 1 comes next",
        ),
        (
            "two lines of two streams swapped",
            |lines| lines.swap(0, 1),
            "does not match the archive",
        ),
    ];
    for (what, edit, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (_, key) = exported(dir.path()).await;
        edit_lines(dir.path(), edit);
        let report = verify(dir.path(), &key);
        assert!(
            report.problems.iter().any(|p| p.contains(expected)),
            "{what}: {report:?}"
        );
        assert_eq!(report.covered, 0, "{what}");
    }
}

#[tokio::test]
async fn lines_after_the_checkpoint_are_not_covered_and_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, key) = exported(dir.path()).await;
    // A checkpoint of the first three events of the same log.
    let leaves = ledger.log_leaves().await.unwrap();
    let three = Checkpoint::new("amity/test", 3, amity_log::root(&leaves.hashes[..3]));
    std::fs::write(dir.path().join("cp.txt"), three.sign(&key).unwrap()).unwrap();
    let report = verify(dir.path(), &key);
    assert!(report.is_clean(), "{report:?}");
    assert_eq!((report.tree_size, report.covered), (5, 3));
    assert_eq!(report.uncovered(), 2);
    edit_lines(dir.path(), |lines| lines.truncate(3));
    let report = verify(dir.path(), &key);
    assert!(report.is_clean(), "{report:?}");
    assert_eq!((report.tree_size, report.covered), (3, 3));
    let other = SignerKey::generate("amity/test").unwrap();
    let published = read_checkpoint(&dir.path().join("cp.txt")).unwrap();
    let report = verify_archive(
        &dir.path().join("ledger.jsonl"),
        &published,
        &other.verifier(),
        None,
    )
    .unwrap();
    assert!(
        report.problems[0].contains("no signature by key"),
        "{report:?}"
    );
    assert_eq!(report.covered, 0);
}

#[tokio::test]
async fn a_bad_line_names_the_file_the_line_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = exported(dir.path()).await;
    let published = read_checkpoint(&dir.path().join("cp.txt")).unwrap();
    for (edit, field) in [
        (r#""stream_version":1"#, r#""stream_version":"one""#),
        (r#""recorded_by":"tester""#, r#""recorded_by":5"#),
        ("\"payload\":", "\"extra\":1,\"payload\":"),
    ] {
        let path = dir.path().join("ledger.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let bad = lines[2].replacen(edit, field, 1);
        lines[2] = &bad;
        let bad_path = dir.path().join("bad.jsonl");
        std::fs::write(&bad_path, lines.join("\n")).unwrap();
        let error = verify_archive(&bad_path, &published, &key.verifier(), None).unwrap_err();
        let name = field.split('"').nth(1).unwrap();
        assert!(
            error
                .to_string()
                .starts_with(&format!("{}:3: {name}:", bad_path.display())),
            "{error}"
        );
    }
}

#[test]
fn a_malformed_checkpoint_or_proof_names_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cp.txt");
    std::fs::write(&path, "amity/test\nten\nroot\n\n— amity/test AAAA\n").unwrap();
    let error = read_checkpoint(&path).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!("{}:", path.display())),
        "{error}"
    );
    let path = dir.path().join("proof.json");
    std::fs::write(
        &path,
        "{\n  \"leaf_index\": 1,\n  \"tree_size\": \"x\"\n}\n",
    )
    .unwrap();
    let error = read_proof(&path).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!("{}:3:", path.display())),
        "{error}"
    );
    std::fs::write(&path, "{\"nothing\": 1}").unwrap();
    let error = read_proof(&path).unwrap_err().to_string();
    assert!(error.contains("neither an inclusion proof"), "{error}");
}

#[tokio::test]
async fn proofs_verify_against_signed_checkpoints() {
    let ledger = ledger().await;
    let key = SignerKey::generate("amity/test").unwrap();
    let leaves = ledger.log_leaves().await.unwrap().hashes;
    let published = |size: usize| {
        let note = Checkpoint::new("amity/test", size as u64, amity_log::root(&leaves[..size]))
            .sign(&key)
            .unwrap();
        let note = Note::parse(note.as_bytes()).unwrap();
        let checkpoint = Checkpoint::from_note(&note).unwrap();
        Published { note, checkpoint }
    };
    let (three, five) = (published(3), published(5));
    let inclusion = InclusionProof {
        leaf_index: 1,
        tree_size: 5,
        leaf_hash: leaves[1],
        hashes: amity_log::inclusion_proof(&leaves, 1, 5).unwrap(),
        root: None,
    };
    let verifier = key.verifier();
    let check = |proof: &Proof, old: Option<&Published>, leaf: Option<&Hash>| {
        verify_proof(proof, &five, old, &verifier, leaf)
    };
    let proof = Proof::Inclusion(inclusion.clone());
    assert!(check(&proof, None, None).valid);
    assert!(check(&proof, None, Some(&leaves[1])).valid);
    assert!(!check(&proof, None, Some(&leaves[2])).valid);
    let mut flipped = inclusion;
    flipped.hashes[0][0] ^= 1;
    let verdict = check(&Proof::Inclusion(flipped), None, None);
    assert!(!verdict.valid, "{verdict:?}");
    let consistency = Proof::Consistency(ConsistencyProof {
        from: 3,
        to: 5,
        hashes: amity_log::consistency_proof(&leaves, 3, 5).unwrap(),
    });
    assert!(check(&consistency, Some(&three), None).valid);
    assert!(!check(&consistency, None, None).valid);
    let other = SignerKey::generate("amity/test").unwrap();
    let verdict = verify_proof(&consistency, &five, Some(&three), &other.verifier(), None);
    assert!(verdict.says.contains("no signature by key"), "{verdict:?}");
}

/// Files from outside are read within bounds: an archive or leaves line over the import's
/// limit, or a checkpoint, proof or key file over 64 KiB, is refused naming the file and the
/// line, without reading it all.
#[test]
fn over_long_files_and_lines_are_refused_naming_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    let long_line = format!("{{\"event_id\":\"{}\"}}", "x".repeat(2 << 20));
    let refused = |error: Error, want_line: u64| match error {
        Error::Unreadable {
            file, line, reason, ..
        } => {
            assert_eq!(file, path.display().to_string());
            assert_eq!(line, want_line, "{reason}");
            assert!(reason.contains("limit"), "{reason}");
        }
        other => panic!("{other:?}"),
    };
    // An archive: its second line is over the limit.
    std::fs::write(&path, format!("\n{long_line}\n")).unwrap();
    refused(archive_leaves(&path).unwrap_err(), 2);
    // A leaves file.
    std::fs::write(&path, format!("amity log leaves v1\n{long_line}\n")).unwrap();
    refused(crate::log::read_leaves(&path).unwrap_err(), 2);
    // A checkpoint or a proof of 100 KiB over three lines: the limit falls on the third.
    let big = format!("a\nb\n{}", "c".repeat(100 * 1024));
    std::fs::write(&path, &big).unwrap();
    refused(read_checkpoint(&path).unwrap_err(), 3);
    refused(read_proof(&path).unwrap_err(), 3);
    refused(read_small_text(&path).unwrap_err(), 3);
}
