//! The JSON Lines archive facing hostile input (a child of the archive's tests, whose sample
//! ledger and files it uses): every rejection names `FILE:LINE:`, the real field (by name in
//! the envelope, a JSON pointer in the payload, `line` with the column when the line is not
//! JSON) and what was expected; a repeated line counts once and a reused id names both lines;
//! a byte order mark is accepted; lines and texts are held to their limits, an endless input
//! included; and property tests that mutate valid lines (byte flips, truncations, inserted
//! tokens, swapped fields, other line endings) or write random bytes.
//!
//! Cases: 600 per property unless `AMITY_PROPTEST_CASES` says otherwise.

use std::path::Path;

use proptest::prelude::*;

use super::super::diagnose::FIELDS;
use super::super::format::Lines;
use super::*;
use crate::import::limits::{MAX_LINE_BYTES, MAX_NOTE_CHARS, MAX_SOURCES};
use crate::Error;

/// A line of the sample archive (a founding of Colorado Springs and Smolensk).
async fn founding() -> (Vec<String>, String) {
    let lines = sample_lines().await;
    let line = line_of(&lines, CS_SMOLENSK, 0).to_owned();
    (lines, line)
}

/// Import `file` into an empty ledger: its one rejection (which must be there), and nothing
/// written.
async fn only_rejection(file: &File) -> String {
    let ledger = memory_ledger();
    let summary = import_file(&ledger, file, ImportOptions::default()).await;
    assert_eq!(summary.rejected.len(), 1, "{:#?}", summary.rejected);
    assert_eq!(content(&ledger).await, "", "nothing written");
    summary.rejected[0].clone()
}

#[tokio::test]
async fn a_line_that_is_not_json_says_line_and_the_column() {
    let (_, line) = founding().await;
    let file = File::lines(&[&format!("{{,{}", &line[1..])]);
    let rejection = only_rejection(&file).await;
    assert!(
        rejection.starts_with(&format!("{}line: not JSON: ", file.at(1)))
            && rejection.contains("column 2")
            && rejection.contains("expected one JSON object per line"),
        "{rejection}"
    );
}

#[tokio::test]
async fn a_negative_schema_version_names_schema_version() {
    let (_, line) = founding().await;
    let file = File::lines(&[&changed(&line, |v| v["schema_version"] = (-1).into())]);
    let rejection = only_rejection(&file).await;
    assert!(
        rejection.starts_with(&format!("{}schema_version: invalid value", file.at(1)))
            && rejection.contains("expected u32"),
        "{rejection}"
    );
}

#[tokio::test]
async fn a_bad_event_id_names_event_id() {
    let (_, line) = founding().await;
    let file = File::lines(&[&changed(&line, |v| v["event_id"] = "n".into())]);
    let rejection = only_rejection(&file).await;
    assert!(
        rejection.starts_with(&format!("{}event_id: UUID parsing failed", file.at(1)))
            && rejection.contains("expected a UUID"),
        "{rejection}"
    );
}

/// A change to a line, the pointer its rejection names, and words of the reason.
type Case = (fn(&mut Value), &'static str, &'static str);

#[tokio::test]
async fn a_bad_value_inside_the_payload_is_named_by_its_pointer() {
    let (_, line) = founding().await;
    let cases: [Case; 3] = [
        (
            |v| v["payload"]["occurred"] = 1994.into(),
            "/payload/occurred",
            "expected",
        ),
        (
            |v| v["payload"]["certainty"] = "sure".into(),
            "/payload/certainty",
            "expected",
        ),
        (
            |v| v["payload"]["partnership"]["parties"][1]["name"] = Value::Null,
            "/payload/partnership",
            "",
        ),
    ];
    for (change, pointer, words) in cases {
        let file = File::lines(&[&changed(&line, change)]);
        let rejection = only_rejection(&file).await;
        assert!(
            rejection.starts_with(&format!("{}{pointer}", file.at(1))) && rejection.contains(words),
            "{pointer}: {rejection}"
        );
    }
}

#[tokio::test]
async fn the_same_line_twice_is_counted_once() {
    let lines = sample_lines().await;
    let mut twice: Vec<&str> = lines.iter().map(String::as_str).collect();
    twice.insert(2, lines[1].as_str());
    let file = File::lines(&twice);
    let ledger = memory_ledger();
    let summary = import_file(&ledger, &file, ImportOptions::default()).await;
    assert!(summary.rejected.is_empty(), "{:#?}", summary.rejected);
    assert_eq!(summary.rows_read, lines.len() as u64 + 1);
    assert_eq!(summary.events_written, lines.len() as u64);
    assert_eq!(summary.duplicates_skipped, 1);
    assert_eq!(export_text(&ledger).await, lines.join("\n") + "\n");
}

#[tokio::test]
async fn one_id_on_two_lines_with_other_content_names_both_lines() {
    let lines = sample_lines().await;
    let other = changed(&lines[1], |v| v["payload"]["note"] = "another note".into());
    let mut file_lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    file_lines.push(&other);
    let file = File::lines(&file_lines);
    let rejection = only_rejection(&file).await;
    assert!(
        rejection.starts_with(&format!("{}event_id: ", file.at(lines.len() as u64 + 1)))
            && rejection.contains("is also the id of line 2, with other content"),
        "{rejection}"
    );
}

#[tokio::test]
async fn a_byte_order_mark_is_accepted() {
    let lines = sample_lines().await;
    let file = File::new(format!("\u{feff}{}\n", lines.join("\n")).as_bytes());
    let ledger = memory_ledger();
    let summary = import_file(&ledger, &file, ImportOptions::default()).await;
    assert!(summary.rejected.is_empty(), "{:#?}", summary.rejected);
    assert_eq!(export_text(&ledger).await, lines.join("\n") + "\n");
}

#[tokio::test]
async fn crlf_and_cr_endings_import_whole_and_name_their_lines() {
    let lines = sample_lines().await;
    for ending in ["\r\n", "\r"] {
        let file = File::new(format!("{}{ending}", lines.join(ending)).as_bytes());
        let ledger = memory_ledger();
        let summary = import_file(&ledger, &file, ImportOptions::default()).await;
        assert!(
            summary.rejected.is_empty(),
            "{ending:?}: {:#?}",
            summary.rejected
        );
        assert_eq!(
            export_text(&ledger).await,
            lines.join("\n") + "\n",
            "{ending:?}"
        );

        let mut bad: Vec<String> = lines.clone();
        bad[2] = changed(&bad[2], |v| v["schema_version"] = (-1).into());
        let file = File::new(format!("{}{ending}", bad.join(ending)).as_bytes());
        let rejection = &import_file(&memory_ledger(), &file, ImportOptions::default())
            .await
            .rejected[0];
        assert!(
            rejection.starts_with(&format!("{}schema_version: ", file.at(3))),
            "{ending:?}: {rejection}"
        );
    }
}

#[tokio::test]
async fn an_endless_input_is_refused_without_reading_it_all() {
    let mut lines = Lines::from_reader(std::io::repeat(0), Path::new("zeros"), true, 8_192);
    match lines.next_chunk() {
        Err(Error::Unreadable {
            line: 1, reason, ..
        }) => {
            assert!(
                reason.starts_with("line: longer than the limit"),
                "{reason}"
            );
        }
        Err(error) => panic!("{error}"),
        Ok(chunk) => panic!("{} lines of zeros", chunk.len()),
    }
    // A file of a few megabytes without a line break, after a good line.
    let (_, line) = founding().await;
    let file = File::new(
        &[
            format!("{line}\n").into_bytes(),
            vec![b' '; 3 * MAX_LINE_BYTES],
        ]
        .concat(),
    );
    let ledger = memory_ledger();
    let error = import(&ledger, &file.path, ImportOptions::default(), &mut |_| {})
        .await
        .expect_err("refused");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}line: longer than", file.at(2))),
        "{error}"
    );
    assert_eq!(content(&ledger).await, "", "nothing written");
}

#[tokio::test]
async fn over_long_texts_in_a_payload_are_named_by_their_pointer_and_limit() {
    let (_, line) = founding().await;
    let long_note = changed(&line, |v| {
        v["payload"]["note"] = "n".repeat(MAX_NOTE_CHARS + 1).into()
    });
    let rejection = only_rejection(&File::lines(&[&long_note])).await;
    assert!(
        rejection.contains(": /payload/note: 65537 characters long; a note may have at most 65536"),
        "{rejection:.300}"
    );
    let many_sources = changed(&line, |v| {
        v["payload"]["sources"] =
            vec![serde_json::json!({"title": "minutes"}); MAX_SOURCES + 1].into();
    });
    let rejection = only_rejection(&File::lines(&[&many_sources])).await;
    assert!(
        rejection.contains(": /payload/sources: 101 sources; an event may cite at most 100"),
        "{rejection:.300}"
    );
    let lines = sample_lines().await;
    let long_alias = changed(line_of(&lines, PARTY_KRAKOW, 0), |v| {
        v["payload"]["aliases"][1] = "N".repeat(201).into();
    });
    let rejection = only_rejection(&File::lines(&[&long_alias])).await;
    assert!(
        rejection
            .contains(": /payload/aliases/1: 201 characters long; a name may have at most 200"),
        "{rejection:.300}"
    );
}

// ---------------------------------------------------------------------------------------------
// Property tests.

/// Cases per property: 600 unless `AMITY_PROPTEST_CASES` says otherwise.
fn cases() -> u32 {
    std::env::var("AMITY_PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(600)
}

/// The sample archive's lines, made once.
fn sample() -> &'static [String] {
    static LINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LINES.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(sample_lines())
    })
}

/// Tokens a mutation inserts: JSON's punctuation, values of the wrong kind, line breaks.
const TOKENS: [&str; 17] = [
    ",", "}", "{", "\"", "[", "]", ":", "-1", "null", "n", "1e999", "\"x\":1,", "\n", "\r", "\r\n",
    "\u{feff}", "\\u0000",
];

/// A change to one line.
#[derive(Debug, Clone)]
enum Mutation {
    /// One byte replaced by another.
    Flip(usize, u8),
    /// The line cut after so many bytes.
    Truncate(usize),
    /// A token inserted at a byte.
    Insert(usize, usize),
    /// The values of two top-level fields swapped.
    Swap(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip(at, byte)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert(at, token)),
        (0..FIELDS.len(), 0..FIELDS.len()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn mutate(line: &str, mutation: &Mutation) -> Vec<u8> {
    let mut bytes = line.as_bytes().to_vec();
    match *mutation {
        Mutation::Flip(at, byte) => {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        Mutation::Truncate(at) => bytes.truncate(at % (bytes.len() + 1)),
        Mutation::Insert(at, token) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, TOKENS[token].bytes());
        }
        Mutation::Swap(a, b) => {
            let (a, b) = (FIELDS[a], FIELDS[b]);
            let mut value: Value = serde_json::from_str(line).expect("JSON");
            let first = value[a].take();
            let second = std::mem::replace(&mut value[b], first);
            value[a] = second;
            bytes = serde_json::to_vec(&value).expect("serializes");
        }
    }
    bytes
}

/// Line breaks in `bytes` (CRLF counts once).
fn breaks(bytes: &[u8]) -> u64 {
    let mut count = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == b'\r' || *byte == b'\n' && (index == 0 || bytes[index - 1] != b'\r') {
            count += 1;
        }
    }
    count
}

/// Import `bytes` into an empty ledger and check what an import promises: no panic; each
/// rejection `FILE:LINE: field: reason` with a line in `lines` and a real field (an envelope
/// field or `line`, or a pointer into the payload); nothing
/// written when one is rejected. The rejections' lines.
fn check_import(
    bytes: &[u8],
    lines: std::ops::RangeInclusive<u64>,
) -> Result<Vec<u64>, TestCaseError> {
    let file = File::new(bytes);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let ledger = memory_ledger();
    let outcome = runtime.block_on(import(
        &ledger,
        &file.path,
        ImportOptions::default(),
        &mut |_| {},
    ));
    let written = runtime.block_on(content(&ledger));
    let summary = match outcome {
        Ok(summary) => summary,
        Err(error) => {
            prop_assert!(false, "{error}");
            unreachable!()
        }
    };
    let prefix = format!("{}:", file.path.display());
    let mut named = Vec::new();
    for rejection in &summary.rejected {
        let rest = rejection.strip_prefix(&prefix);
        prop_assert!(rest.is_some(), "{rejection}: no file");
        let (line, rest) = rest
            .and_then(|rest| rest.split_once(": "))
            .unwrap_or(("", ""));
        let line: u64 = line.parse().unwrap_or(0);
        prop_assert!(lines.contains(&line), "{rejection}: not in {lines:?}");
        let (field, reason) = rest.split_once(": ").unwrap_or(("", ""));
        prop_assert!(
            FIELDS.contains(&field) || field == "line" || field.starts_with("/payload"),
            "{rejection}: not a field"
        );
        prop_assert!(!reason.is_empty(), "{rejection}: no reason");
        named.push(line);
    }
    if !summary.rejected.is_empty() {
        prop_assert_eq!(written, "", "written although rejected");
    }
    Ok(named)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn a_mutated_archive_line_is_named_by_its_line_and_field(
        at in any::<usize>(),
        change in mutation(),
        ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    ) {
        let lines = sample();
        let at = at % lines.len();
        let mutated = mutate(&lines[at], &change);
        let mut bytes = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            if index == at {
                bytes.extend(&mutated);
            } else {
                bytes.extend(line.as_bytes());
            }
            bytes.extend(ending.as_bytes());
        }
        let line = at as u64 + 1;
        let named = check_import(&bytes, line..=breaks(&bytes) + 1)?;
        // A line bad on its own is named itself.
        let alone = std::str::from_utf8(&mutated)
            .map_err(|_| ())
            .and_then(|text| check_line(text.trim_start_matches('\u{feff}'), true, false).map(|_| ()).map_err(|_| ()));
        if alone.is_err() && breaks(&mutated) == 0 && !mutated.iter().all(u8::is_ascii_whitespace) {
            prop_assert!(named.contains(&line), "line {line} not named: {named:?}");
        }
    }

    #[test]
    fn random_bytes_are_rejected_by_line_and_field(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        check_import(&bytes, 1..=breaks(&bytes) + 1)?;
    }

    #[test]
    fn random_json_lines_are_rejected_by_line_and_field(
        values in prop::collection::vec(
            prop_oneof![
                Just(Value::Null),
                any::<i64>().prop_map(Value::from),
                "[a-z0-9 -]{0,12}".prop_map(Value::from),
            ],
            0..8,
        ),
        keys in prop::collection::vec(0..FIELDS.len() + 1, 0..8),
    ) {
        let object: serde_json::Map<String, Value> = keys
            .iter()
            .zip(values)
            .map(|(&key, value)| (FIELDS.get(key).copied().unwrap_or("extra").to_owned(), value))
            .collect();
        let bytes = serde_json::to_vec(&Value::Object(object)).expect("serializes");
        check_import(&bytes, 1..=1)?;
    }
}
