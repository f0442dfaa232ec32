//! Tests of signed notes with the published vectors of Go's `golang.org/x/mod/sumdb/note`
//! (`note_test.go`: `TestSign`, `TestOpen`).

use super::*;
use crate::key::tests::{ENOCH_VERIFIER, PETER_SIGNER, PETER_VERIFIER};

const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIGNATURE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIGNATURE: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter() -> VerifierKey {
    VerifierKey::parse(PETER_VERIFIER).unwrap()
}

fn enoch() -> VerifierKey {
    VerifierKey::parse(ENOCH_VERIFIER).unwrap()
}

#[test]
fn signing_writes_the_published_note_byte_for_byte() {
    let signer = SignerKey::parse(PETER_SIGNER).unwrap();
    let signed = Note::sign(TEXT, &signer).unwrap();
    assert_eq!(signed, format!("{TEXT}\n{PETER_SIGNATURE}"));
    assert!(matches!(
        Note::sign("abc", &signer),
        Err(Error::Parse { line: 1, .. })
    ));
}

#[test]
fn the_published_note_verifies_with_either_key_and_ignores_the_other() {
    let message = format!("{TEXT}\n{PETER_SIGNATURE}{ENOCH_SIGNATURE}");
    let note = Note::open(message.as_bytes(), &peter()).unwrap();
    assert_eq!(note.text, TEXT);
    assert_eq!(note.signatures.len(), 2);
    assert_eq!(note.signatures[0].label(), "PeterNeumann+c74f20a3");
    assert_eq!(note.signatures[0].line, 4);
    assert_eq!(note.signatures[1].label(), "EnochRoot+af0cfe78");
    assert_eq!(note.signatures[1].line, 5);
    Note::open(message.as_bytes(), &enoch()).unwrap();
}

#[test]
fn a_note_without_the_keys_signature_is_refused() {
    let message = format!("{TEXT}\n{ENOCH_SIGNATURE}");
    assert_eq!(
        Note::open(message.as_bytes(), &peter()),
        Err(Error::NotSignedBy {
            key: "PeterNeumann+c74f20a3".to_owned(),
            signed_by: vec!["EnochRoot+af0cfe78".to_owned()],
        })
    );
    // Same name, another key: ignored like any other key's line.
    let other = SignerKey::from_seed("PeterNeumann", [1; 32]).unwrap();
    let message = Note::sign(TEXT, &other).unwrap();
    assert!(matches!(
        Note::open(message.as_bytes(), &peter()),
        Err(Error::NotSignedBy { .. })
    ));
}

#[test]
fn a_changed_text_or_signature_is_a_bad_signature() {
    let changed_text = format!("{}\n{PETER_SIGNATURE}", TEXT.replace("answer", "Answer"));
    assert_eq!(
        Note::open(changed_text.as_bytes(), &peter()),
        Err(Error::BadSignature {
            key: "PeterNeumann+c74f20a3".to_owned(),
            line: 4,
        })
    );
    // Go's case: four characters inserted in the base64.
    let changed_signature = format!(
        "{TEXT}\n{}ABCD{}",
        &PETER_SIGNATURE[..60],
        &PETER_SIGNATURE[60..]
    );
    assert!(matches!(
        Note::open(changed_signature.as_bytes(), &peter()),
        Err(Error::BadSignature { line: 4, .. })
    ));
}

#[test]
fn repeated_signature_lines_count_once() {
    let message =
        format!("{TEXT}\n{PETER_SIGNATURE}{PETER_SIGNATURE}{ENOCH_SIGNATURE}{ENOCH_SIGNATURE}");
    Note::open(message.as_bytes(), &peter()).unwrap();
}

#[test]
fn malformed_notes_name_their_line() {
    let line_of = |message: &[u8]| match Note::parse(message) {
        Err(Error::Parse { line, .. }) => line,
        other => panic!(
            "{:?}: expected a parse error, got {other:?}",
            String::from_utf8_lossy(message)
        ),
    };
    // Go's bad messages, in order.
    assert_eq!(line_of(TEXT.as_bytes()), 3);
    assert_eq!(line_of(format!("{TEXT}\n").as_bytes()), 4);
    let cut = &PETER_SIGNATURE[..PETER_SIGNATURE.len() - 1];
    assert_eq!(line_of(format!("{TEXT}\n{cut}").as_bytes()), 4);
    assert_eq!(
        line_of(format!("\x01{TEXT}\n{PETER_SIGNATURE}").as_bytes()),
        1
    );
    let mut not_utf8 = b"\xff".to_vec();
    not_utf8.extend_from_slice(format!("{TEXT}\n{PETER_SIGNATURE}").as_bytes());
    assert_eq!(line_of(&not_utf8), 1);
    let bad_name = "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    assert_eq!(line_of(format!("{TEXT}\n{bad_name}").as_bytes()), 4);
    assert_eq!(
        line_of(format!("{TEXT}\n{PETER_SIGNATURE}Unexpected line.\n").as_bytes()),
        5
    );
    // More than 100 signatures.
    let many = PETER_SIGNATURE.repeat(101);
    assert_eq!(line_of(format!("{TEXT}\n{many}").as_bytes()), 104);
    // Windows line ends.
    let crlf = format!("{TEXT}\n{PETER_SIGNATURE}").replace('\n', "\r\n");
    assert_eq!(line_of(crlf.as_bytes()), 1);
    // A hyphen for the em dash, a short signature.
    assert_eq!(
        line_of(format!("{TEXT}\n- PeterNeumann x08g\n").as_bytes()),
        4
    );
    assert_eq!(
        line_of(format!("{TEXT}\n— PeterNeumann x08g\n").as_bytes()),
        4
    );
}

/// The example of C2SP `signed-note.md`: its key is not published, so only its form.
#[test]
fn the_c2sp_example_parses() {
    let message = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
    let note = Note::parse(message.as_bytes()).unwrap();
    assert_eq!(
        note.text,
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    );
    assert_eq!(note.signatures.len(), 1);
    assert_eq!(note.signatures[0].name, "quasimodo.example/salvatore");
    assert_eq!(note.signatures[0].key_id, 0x367ba04b);
    assert_eq!(note.signatures[0].signature.len(), 64);
    assert_eq!(note.signatures[0].line, 6);
}
