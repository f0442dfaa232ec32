//! Tests of checkpoints: the C2SP `tlog-checkpoint.md` example, signing and opening, and
//! malformed bodies.

use super::*;
use crate::vectors::{hash, ROOTS};

/// The example of C2SP `tlog-checkpoint.md` (its key is not published).
const C2SP_EXAMPLE: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

#[test]
fn the_c2sp_example_reads() {
    let note = Note::parse(C2SP_EXAMPLE.as_bytes()).unwrap();
    let checkpoint = Checkpoint::from_note(&note).unwrap();
    assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
    assert_eq!(checkpoint.size, 20852163);
    assert_eq!(
        base64_hash::encode_hash(&checkpoint.root),
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    );
    assert!(checkpoint.extensions.is_empty());
    assert_eq!(checkpoint.body(), note.text);
    assert_eq!(note.signatures[0].name, "example.com/behind-the-sofa");
}

#[test]
fn a_signed_checkpoint_opens_with_its_key_only() {
    let origin = "amity/0190f2a4-0000-7000-8000-000000000000";
    let key = SignerKey::from_seed(origin, [42; 32]).unwrap();
    let checkpoint = Checkpoint::new(origin, 8, hash(ROOTS[8]));
    let signed = checkpoint.sign(&key).unwrap();
    assert!(signed.starts_with(&format!(
        "{origin}\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n— {origin} "
    )));
    assert_eq!(
        Checkpoint::open(signed.as_bytes(), &key.verifier()),
        Ok(checkpoint.clone())
    );

    let other = SignerKey::from_seed(origin, [43; 32]).unwrap();
    assert!(matches!(
        Checkpoint::open(signed.as_bytes(), &other.verifier()),
        Err(Error::NotSignedBy { .. })
    ));
    let forged = signed.replacen("\n8\n", "\n9\n", 1);
    assert!(matches!(
        Checkpoint::open(forged.as_bytes(), &key.verifier()),
        Err(Error::BadSignature { line: 5, .. })
    ));

    let with_extension = Checkpoint {
        extensions: vec!["an extension".to_owned()],
        ..checkpoint
    };
    let signed = with_extension.sign(&key).unwrap();
    assert_eq!(
        Checkpoint::open(signed.as_bytes(), &key.verifier()),
        Ok(with_extension)
    );
}

#[test]
fn malformed_bodies_name_their_line() {
    let root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
    for (body, expected_line) in [
        (String::new(), 1),
        ("\n".to_owned(), 1),
        ("origin".to_owned(), 1),
        ("origin\n".to_owned(), 2),
        ("origin\n8\n".to_owned(), 3),
        (format!("origin\n08\n{root}\n"), 2),
        (format!("origin\n-8\n{root}\n"), 2),
        (format!("origin\n+8\n{root}\n"), 2),
        (format!("origin\n 8\n{root}\n"), 2),
        (format!("origin\n18446744073709551616\n{root}\n"), 2),
        ("origin\n8\nAAAA\n".to_owned(), 3),
        ("origin\n8\nnot base64\n".to_owned(), 3),
        (format!("origin\n8\n{root}\n\nextension\n"), 4),
        (format!("origin\n8\n{root}\nextension\r\n"), 4),
        (format!("origin\n8\n{root}"), 3),
    ] {
        match Checkpoint::parse_body(&body) {
            Err(Error::Parse { line, .. }) => assert_eq!(line, expected_line, "{body:?}"),
            other => panic!("{body:?}: expected a parse error, got {other:?}"),
        }
    }
    assert_eq!(
        Checkpoint::parse_body(&format!("origin\n0\n{root}\n"))
            .unwrap()
            .size,
        0
    );
    assert_eq!(
        Checkpoint::parse_body(&format!("origin\n18446744073709551615\n{root}\n"))
            .unwrap()
            .size,
        u64::MAX
    );
}

#[test]
fn a_checkpoint_that_would_not_read_back_is_not_signed() {
    let key = SignerKey::from_seed("amity/x", [1; 32]).unwrap();
    for (checkpoint, expected_line) in [
        (Checkpoint::new("", 1, [0; 32]), 1),
        (Checkpoint::new("two\nlines", 1, [0; 32]), 1),
        (
            Checkpoint {
                extensions: vec!["fine".to_owned(), String::new()],
                ..Checkpoint::new("amity/x", 1, [0; 32])
            },
            5,
        ),
    ] {
        match checkpoint.sign(&key) {
            Err(Error::Parse { line, .. }) => assert_eq!(line, expected_line, "{checkpoint:?}"),
            other => panic!("{checkpoint:?}: expected a parse error, got {other:?}"),
        }
    }
}
