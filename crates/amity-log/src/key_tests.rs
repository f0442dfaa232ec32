//! Tests of the key texts, with the published keys of Go's `golang.org/x/mod/sumdb/note`
//! (`note_test.go`: `TestNewVerifier`, `TestNewSigner`, `TestVerifierList`).

use super::*;

/// `PeterNeumann`'s verifier key in `note_test.go`.
pub const PETER_VERIFIER: &str =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/// `PeterNeumann`'s signer key in `note_test.go`.
pub const PETER_SIGNER: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
/// `EnochRoot`'s verifier key in `note_test.go`.
pub const ENOCH_VERIFIER: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";

#[test]
fn the_published_keys_parse_and_write_back() {
    let verifier = VerifierKey::parse(PETER_VERIFIER).unwrap();
    assert_eq!(verifier.name(), "PeterNeumann");
    assert_eq!(verifier.key_id(), 0xc74f20a3);
    assert_eq!(verifier.to_text(), PETER_VERIFIER);
    assert_eq!(verifier.to_string(), PETER_VERIFIER);
    assert_eq!(verifier.label(), "PeterNeumann+c74f20a3");

    let signer = SignerKey::parse(PETER_SIGNER).unwrap();
    assert_eq!(signer.name(), "PeterNeumann");
    assert_eq!(signer.key_id(), 0xc74f20a3);
    assert_eq!(signer.to_private_text(), PETER_SIGNER);
    assert_eq!(signer.verifier(), verifier);

    let enoch = VerifierKey::parse(ENOCH_VERIFIER).unwrap();
    assert_eq!(enoch.key_id(), 0xaf0cfe78);
}

#[test]
fn a_key_file_may_end_in_a_newline_and_hold_blank_lines() {
    let text = format!("\n  {PETER_VERIFIER}  \n\n");
    assert_eq!(VerifierKey::parse(&text).unwrap().to_text(), PETER_VERIFIER);
    let text = format!("{PETER_SIGNER}\n");
    assert_eq!(
        SignerKey::parse(&text).unwrap().to_private_text(),
        PETER_SIGNER
    );
}

/// As `TestNewVerifier` and `TestNewSigner`: every proper substring of a key, and the key
/// with any one byte incremented, is refused.
#[test]
fn mangled_keys_are_refused() {
    for (key, parses) in [
        (
            PETER_VERIFIER,
            (|text: &str| VerifierKey::parse(text).is_ok()) as fn(&str) -> bool,
        ),
        (PETER_SIGNER, |text: &str| SignerKey::parse(text).is_ok()),
    ] {
        assert!(parses(key));
        let bytes = key.as_bytes();
        for start in 0..=bytes.len() {
            for end in start + 1..=bytes.len() {
                if (start, end) != (0, bytes.len()) {
                    let part = std::str::from_utf8(&bytes[start..end]).unwrap();
                    // Only the surrounding spaces of a key file are ignored, and keys hold none.
                    assert!(!parses(part), "{part:?} parsed");
                }
            }
        }
        for at in 0..bytes.len() {
            let mut mangled = bytes.to_vec();
            mangled[at] += 1;
            let mangled = String::from_utf8(mangled).unwrap();
            assert!(!parses(&mangled), "{mangled:?} parsed");
        }
    }
    // Go's two further cases: a key of the wrong length, and an unknown algorithm, each with
    // a key id that matches.
    for text in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(VerifierKey::parse(text).is_err(), "{text}");
    }
}

#[test]
fn key_errors_name_the_line_and_the_problem() {
    let reason = |result: Result<VerifierKey>| match result {
        Err(Error::Parse { line, reason }) => (line, reason),
        other => panic!("expected a parse error, got {other:?}"),
    };
    let (line, text) = reason(VerifierKey::parse(PETER_SIGNER));
    assert_eq!(line, 1);
    assert!(text.contains("private"), "{text}");
    let (line, text) = reason(VerifierKey::parse(&format!(
        "{PETER_VERIFIER}\n\n{ENOCH_VERIFIER}\n"
    )));
    assert_eq!(line, 3);
    assert!(text.contains("after"), "{text}");
    let (line, text) = reason(VerifierKey::parse(""));
    assert_eq!(line, 1);
    assert!(text.contains("empty"), "{text}");
    let (_, text) = reason(VerifierKey::parse(
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ));
    assert!(text.contains("expected c74f20a3"), "{text}");
    let (_, text) = reason(VerifierKey::parse(
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ));
    assert!(text.contains("spaces"), "{text}");
    let (_, text) = reason(VerifierKey::parse("PeterNeumann+c74f20a3"));
    assert!(text.contains("three parts"), "{text}");
    assert!(matches!(
        SignerKey::parse(PETER_VERIFIER),
        Err(Error::Parse { line: 1, .. })
    ));
}

#[test]
fn generated_keys_sign_what_their_verifier_checks() {
    let signer = SignerKey::generate("amity/0190f2a4-0000-7000-8000-000000000000").unwrap();
    let again = SignerKey::parse(&signer.to_private_text()).unwrap();
    assert_eq!(again.verifier(), signer.verifier());
    let verifier = VerifierKey::parse(&signer.verifier().to_text()).unwrap();
    let signature = signer.sign_bytes(b"hi\n");
    assert!(verifier.verifies(b"hi\n", &signature));
    assert!(!verifier.verifies(b"ho\n", &signature));
    let mut wrong = signature;
    wrong[0] ^= 1;
    assert!(!verifier.verifies(b"hi\n", &wrong));
    assert!(!verifier.verifies(b"hi\n", &signature[..63]));
    // Two new keys differ.
    assert_ne!(
        SignerKey::generate("a").unwrap().verifier(),
        SignerKey::generate("a").unwrap().verifier()
    );
    // The seed never shows in `Debug`.
    let debug = format!("{signer:?}");
    assert!(!debug.contains(&signer.to_private_text()[40..]), "{debug}");
}

#[test]
fn unusable_names_are_refused() {
    for name in ["", "a+b", "a b", "a\u{a0}b", "a\tb", "a\u{7}b"] {
        assert!(
            matches!(
                SignerKey::from_seed(name, [7; 32]),
                Err(Error::KeyName { .. })
            ),
            "{name:?}"
        );
    }
}
