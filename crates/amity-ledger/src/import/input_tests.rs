//! The spreadsheet imports (lifecycle CSV, lists of pairs) facing hostile input, on a ledger in
//! memory: lines named as an editor numbers them whatever their endings (LF, CRLF, CR), texts
//! and lines held to their limits ([`limits`]), and property tests that mutate valid rows
//! (byte flips, truncations, inserted tokens, swapped fields, other line endings) or write
//! random bytes: no panic, every rejection names `FILE:LINE: field:` with the right line and
//! a real field, and nothing is written when the file is refused.
//!
//! Cases: a few hundred per property (about two thousand in all) unless
//! `AMITY_PROPTEST_CASES` says otherwise.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use amity_domain::{Source, SourceRole};
use amity_store::MemoryEventStore;
use proptest::prelude::*;

use super::limits::{MAX_LINE_BYTES, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use super::pairs::PairsOptions;
use super::*;
use crate::{Error, Ledger};

/// The lifecycle CSV's header, in documentation order.
const HEADER: &str = "party_a,country_a,region_a,party_b,country_b,region_b,kind,event,\
                      occurred,term_as_written,certainty,source_title,source_publisher,\
                      source_url,source_date,note";

/// Valid rows of a lifecycle CSV (one partnership's history, then others).
const ROWS: [&str; 5] = [
    "Colorado Springs,US,US-CO,Bishkek,KG,,,founded,1994,,,City minutes,,https://example.org/m,1994-05,",
    "Colorado Springs,US,US-CO,Bishkek,KG,,,attested,2001,twinned,probable,,,,,a note",
    "Colorado Springs,US,US-CO,Smolensk,RU,,,founded,1993,,,,,,,",
    "Kraków,PL,PL-12,Kyiv,UA,,sister-city,founded,1993-XX,,,,,,,",
    "Lyon,FR,,Montréal,CA,CA-QC,,founded,1979,,confirmed,,,,,\"quoted, with a comma\"",
];

/// The header of a list of pairs.
const PAIRS_HEADER: &str = "city1,country1,city2,country2";

/// Valid rows of a list of pairs.
const PAIRS_ROWS: [&str; 4] = [
    "Colorado Springs,United States,Bishkek,Kyrgyzstan",
    "Kraków,Poland,Kyiv,Ukraine",
    "Lyon,France,Montréal,Canada",
    "\"Setagaya (Tokyo)\",Japan,Winnipeg,Canada",
];

fn memory_ledger() -> Ledger {
    Ledger::new(Arc::new(MemoryEventStore::new()))
}

/// A file of these bytes in a folder of its own.
struct File {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl File {
    fn new(name: &str, bytes: &[u8]) -> File {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("the file");
        File { _dir: dir, path }
    }

    /// `FILE:LINE: ` for this file.
    fn at(&self, line: u64) -> String {
        format!("{}:{line}: ", self.path.display())
    }
}

/// Lines joined by `ending`, ended by it.
fn joined(lines: &[&str], ending: &str) -> String {
    lines.iter().map(|line| format!("{line}{ending}")).collect()
}

async fn import_csv(ledger: &Ledger, path: &Path) -> crate::Result<ImportSummary> {
    super::csv::import(
        ledger,
        path,
        ImportOptions::default(),
        "test",
        None,
        &mut |_| {},
    )
    .await
}

async fn import_pairs(ledger: &Ledger, path: &Path) -> crate::Result<ImportSummary> {
    let source = Source {
        title: "A list".to_owned(),
        role: Some(SourceRole::Secondary),
        ..Source::default()
    };
    super::pairs::import(
        ledger,
        path,
        ImportOptions::default(),
        &PairsOptions::default(),
        source,
        "2025".parse().expect("a date"),
        "test",
        &mut |_| {},
    )
    .await
}

async fn stored_events(ledger: &Ledger) -> usize {
    ledger
        .store()
        .read_all(amity_store::Position::START, usize::MAX)
        .await
        .expect("the feed")
        .len()
}

/// A bad row (an unknown event) at line 3, after a good one, with these line endings.
fn bad_third_line(ending: &str) -> String {
    joined(
        &[
            HEADER,
            ROWS[0],
            "Colorado Springs,US,US-CO,Bishkek,KG,,,merged,1995,,,,,,,",
        ],
        ending,
    )
}

#[tokio::test]
async fn with_crlf_endings_a_bad_row_on_line_3_is_named_as_line_3() {
    let file = File::new("events.csv", bad_third_line("\r\n").as_bytes());
    let ledger = memory_ledger();
    let summary = import_csv(&ledger, &file.path).await.expect("read");
    assert_eq!(summary.rejected.len(), 1, "{:?}", summary.rejected);
    assert!(
        summary.rejected[0].starts_with(&format!("{}event: ", file.at(3))),
        "{:?}",
        summary.rejected
    );
    assert_eq!(stored_events(&ledger).await, 0);
}

#[tokio::test]
async fn with_cr_endings_a_bad_row_on_line_3_is_named_as_line_3() {
    let file = File::new("events.csv", bad_third_line("\r").as_bytes());
    let ledger = memory_ledger();
    let summary = import_csv(&ledger, &file.path).await.expect("read");
    assert_eq!(summary.rejected.len(), 1, "{:?}", summary.rejected);
    assert!(
        summary.rejected[0].starts_with(&format!("{}event: ", file.at(3))),
        "{:?}",
        summary.rejected
    );
    assert_eq!(summary.rows_read, 2);
}

#[tokio::test]
async fn a_quoted_cell_over_two_lines_counts_both_whatever_the_endings() {
    for ending in ["\n", "\r\n", "\r"] {
        let text = joined(
            &[
                HEADER,
                &format!(
                    "{},\"a note{ending}over two lines\"",
                    &ROWS[2][..ROWS[2].len() - 1]
                ),
                "Colorado Springs,US,US-CO,Bishkek,KG,,,merged,1995,,,,,,,",
            ],
            ending,
        );
        let file = File::new("events.csv", text.as_bytes());
        let summary = import_csv(&memory_ledger(), &file.path)
            .await
            .expect("read");
        assert_eq!(
            summary.rejected.len(),
            1,
            "{ending:?}: {:?}",
            summary.rejected
        );
        assert!(
            summary.rejected[0].starts_with(&file.at(4)),
            "{ending:?}: {:?}",
            summary.rejected
        );
    }
}

#[tokio::test]
async fn a_file_of_every_ending_imports_whole() {
    for ending in ["\n", "\r\n", "\r"] {
        let mut lines = vec![HEADER];
        lines.extend(ROWS);
        let file = File::new("events.csv", joined(&lines, ending).as_bytes());
        let ledger = memory_ledger();
        let summary = import_csv(&ledger, &file.path).await.expect("read");
        assert!(
            summary.rejected.is_empty(),
            "{ending:?}: {:?}",
            summary.rejected
        );
        assert_eq!(stored_events(&ledger).await, ROWS.len(), "{ending:?}");
    }
}

#[tokio::test]
async fn an_over_long_cell_is_refused_with_its_field_and_limit() {
    let long_note = "n".repeat(MAX_NOTE_CHARS + 1);
    let long_name = "N".repeat(MAX_NAME_CHARS + 1);
    let ten_megabytes = "t".repeat(10 << 20);
    let text = joined(
        &[
            HEADER,
            &format!("{}{long_note}", ROWS[2]),
            &format!("{long_name},US,,Bishkek,KG,,,founded,1994,,,,,,,"),
            &format!(
                "Lyon,FR,,Montréal,CA,,,founded,1979,,,{},,,,",
                &ten_megabytes[..100_000]
            ),
            ROWS[3],
        ],
        "\n",
    );
    let file = File::new("events.csv", text.as_bytes());
    let ledger = memory_ledger();
    let summary = import_csv(&ledger, &file.path).await.expect("read");
    let expected = [
        (2, "note", "a note may have at most 65536"),
        (3, "party_a", "a name may have at most 200"),
        (4, "source_title", "a text may have at most 4096"),
    ];
    assert_eq!(
        summary.rejected.len(),
        expected.len(),
        "{:?}",
        summary.rejected
    );
    for ((line, field, words), got) in expected.iter().zip(&summary.rejected) {
        assert!(
            got.starts_with(&format!("{}{field}: ", file.at(*line))),
            "{got:.200}"
        );
        assert!(got.contains(words), "{got:.200}");
    }
    assert_eq!(stored_events(&ledger).await, 0, "nothing written");

    // A 10 MB cell is longer than a line may be: the file is refused.
    let text = joined(
        &[HEADER, ROWS[0], &format!("{}{ten_megabytes}", ROWS[2])],
        "\n",
    );
    let file = File::new("events.csv", text.as_bytes());
    let error = import_csv(&ledger, &file.path).await.expect_err("refused");
    assert!(
        matches!(&error, Error::Unreadable { line: 3, .. }),
        "{error}"
    );
    assert!(error
        .to_string()
        .starts_with(&format!("{}line: longer than the limit", file.at(3))));
    assert_eq!(stored_events(&ledger).await, 0, "nothing written");
}

#[tokio::test]
async fn a_file_of_megabytes_without_a_line_break_is_refused_at_once() {
    let endless = vec![b'x'; 3 * MAX_LINE_BYTES];
    for (name, header) in [("events.csv", HEADER), ("pairs.csv", PAIRS_HEADER)] {
        let text = [format!("{header}\n").into_bytes(), endless.clone()].concat();
        let file = File::new(name, &text);
        let ledger = memory_ledger();
        let error = match name {
            "events.csv" => import_csv(&ledger, &file.path).await,
            _ => import_pairs(&ledger, &file.path).await,
        }
        .expect_err("refused");
        assert!(
            error
                .to_string()
                .starts_with(&format!("{}line: longer than", file.at(2))),
            "{name}: {error}"
        );
        // The header itself.
        let file = File::new(name, &endless);
        let error = match name {
            "events.csv" => import_csv(&ledger, &file.path).await,
            _ => import_pairs(&ledger, &file.path).await,
        }
        .expect_err("refused");
        assert!(
            error
                .to_string()
                .starts_with(&format!("{}line: longer than", file.at(1))),
            "{name}: {error}"
        );
        assert_eq!(stored_events(&ledger).await, 0, "{name}: nothing written");
    }
}

#[tokio::test]
async fn a_list_names_its_lines_whatever_their_endings_and_holds_names_to_their_limit() {
    let long_name = "N".repeat(MAX_NAME_CHARS + 1);
    for ending in ["\n", "\r\n", "\r"] {
        let text = joined(
            &[
                PAIRS_HEADER,
                PAIRS_ROWS[0],
                "Lyon,Atlantis,Montréal,Canada",
                &format!("{long_name},France,Montréal,Canada"),
            ],
            ending,
        );
        let file = File::new("pairs.csv", text.as_bytes());
        let ledger = memory_ledger();
        let summary = import_pairs(&ledger, &file.path).await.expect("read");
        assert_eq!(
            summary.rejected.len(),
            2,
            "{ending:?}: {:?}",
            summary.rejected
        );
        assert!(
            summary.rejected[0].starts_with(&format!("{}country1: ", file.at(3))),
            "{ending:?}: {:?}",
            summary.rejected
        );
        assert!(
            summary.rejected[1].starts_with(&format!("{}city1: ", file.at(4)))
                && summary.rejected[1].contains("a name may have at most 200"),
            "{ending:?}: {:?}",
            summary.rejected
        );
        assert_eq!(
            stored_events(&ledger).await,
            0,
            "{ending:?}: nothing written"
        );
    }
}

/// A reader that hands on one byte per read, so that a CRLF is split across two reads.
struct ByteByByte<'a>(&'a [u8]);

impl std::io::Read for ByteByByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((&byte, rest)), Some(slot)) => {
                *slot = byte;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn line_breaks_split_across_reads_count_once() {
    use std::io::Read;
    let mut out = String::new();
    limits::Normalised::new(ByteByByte(b"a\r\nb\rc\n\r\nd\r"))
        .read_to_string(&mut out)
        .expect("read");
    assert_eq!(out, "a\nb\nc\n\nd\n");
    // Capped: a record over the limit fails, then the count starts again.
    let long = vec![b'x'; MAX_LINE_BYTES + 10];
    let mut capped = limits::Normalised::capped(long.as_slice(), 4);
    let mut sink = Vec::new();
    let error = capped.read_to_end(&mut sink).expect_err("too long");
    assert!(limits::is_too_long(&error), "{error}");
    assert_eq!(sink.len(), MAX_LINE_BYTES + 4);
}

// ---------------------------------------------------------------------------------------------
// Property tests.

/// Cases per property: 400 unless `AMITY_PROPTEST_CASES` says otherwise.
fn cases() -> u32 {
    std::env::var("AMITY_PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(400)
}

/// Tokens a mutation inserts: separators, quotes, line breaks, odd characters, long texts.
const TOKENS: [&str; 16] = [
    ",",
    "\"",
    "\"\"",
    ";",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\0",
    "é",
    "\u{feff}",
    "=1+1",
    " ",
    "unknown",
    "2026-13-40",
    "US-ZZ",
];

/// A change to one row of a file.
#[derive(Debug, Clone)]
enum Mutation {
    /// One byte replaced by another.
    Flip(usize, u8),
    /// The row cut after so many bytes.
    Truncate(usize),
    /// A token inserted at a byte.
    Insert(usize, usize),
    /// Two cells swapped.
    Swap(usize, usize),
    /// A cell made long (the repeat count).
    Grow(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip(at, byte)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert(at, token)),
        (0..16usize, 0..16usize).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (
            0..16usize,
            prop_oneof![Just(201usize), Just(4_097), Just(70_000)]
        )
            .prop_map(|(cell, count)| Mutation::Grow(cell, count)),
    ]
}

/// `row` changed by `mutation` (as bytes: a flip may break UTF-8).
fn mutate(row: &str, mutation: &Mutation) -> Vec<u8> {
    let mut bytes = row.as_bytes().to_vec();
    match *mutation {
        Mutation::Flip(at, byte) => {
            let at = at % bytes.len().max(1);
            if let Some(old) = bytes.get_mut(at) {
                *old = byte;
            }
        }
        Mutation::Truncate(at) => bytes.truncate(at % (bytes.len() + 1)),
        Mutation::Insert(at, token) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, TOKENS[token].bytes());
        }
        Mutation::Swap(a, b) => {
            let mut cells: Vec<&str> = row.split(',').collect();
            let (a, b) = (a % cells.len(), b % cells.len());
            cells.swap(a, b);
            bytes = cells.join(",").into_bytes();
        }
        Mutation::Grow(cell, count) => {
            let mut cells: Vec<String> = row.split(',').map(str::to_owned).collect();
            let cell = cell % cells.len();
            cells[cell] = "x".repeat(count);
            bytes = cells.join(",").into_bytes();
        }
    }
    bytes
}

/// Line breaks in `bytes` (CRLF counts once).
fn breaks(bytes: &[u8]) -> u64 {
    let mut count = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == b'\n' && (index == 0 || bytes[index - 1] != b'\r') || *byte == b'\r' {
            count += 1;
        }
    }
    count
}

/// The lines a rejection may name when row `row` (on line `row + 2`) is `mutated` in the
/// file `bytes`: its own lines, or (a quote left open takes in the rows after it) any after.
fn named(row: usize, mutated: &[u8], bytes: &[u8]) -> std::ops::RangeInclusive<u64> {
    let line = row as u64 + 2;
    let quotes = mutated.iter().filter(|&&byte| byte == b'"').count();
    if quotes % 2 == 1 {
        line..=breaks(bytes) + 1
    } else {
        line..=line + breaks(mutated)
    }
}

/// The field of a rejection `FILE:LINE: field: reason`, and its line, for file `file`.
fn split_rejection<'r>(file: &File, rejection: &'r str) -> (u64, &'r str) {
    let prefix = format!("{}:", file.path.display());
    let rest = rejection
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{rejection:.300} does not name the file"));
    let (line, rest) = rest.split_once(": ").expect("FILE:LINE: ");
    let line: u64 = line
        .parse()
        .unwrap_or_else(|_| panic!("{rejection:.300}: no line number"));
    let (field, _) = rest
        .split_once(": ")
        .unwrap_or_else(|| panic!("{rejection:.300}: no field"));
    (line, field)
}

/// Import `bytes` (a file named `name`) and check what every import promises: no panic,
/// rejections as `FILE:LINE: field: reason` with a field of `fields` (or `line`, `row`) on
/// a line of `lines` (`event`, a rule, on any line of the file), nothing written when one is
/// rejected. Returns the rejections' lines.
fn check_import(
    name: &str,
    bytes: &[u8],
    fields: &[&str],
    lines: std::ops::RangeInclusive<u64>,
) -> Result<(), TestCaseError> {
    let file = File::new(name, bytes);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let ledger = memory_ledger();
    let outcome = runtime.block_on(async {
        match name {
            "events.csv" => import_csv(&ledger, &file.path).await,
            _ => import_pairs(&ledger, &file.path).await,
        }
    });
    let last_line = breaks(bytes) + 1;
    let stored = runtime.block_on(stored_events(&ledger));
    match outcome {
        Ok(summary) => {
            for rejection in &summary.rejected {
                let (line, field) = split_rejection(&file, rejection);
                prop_assert!(
                    fields.contains(&field) || ["line", "row"].contains(&field),
                    "{rejection:.300}: not a field"
                );
                if field == "event" {
                    prop_assert!((2..=last_line).contains(&line), "{rejection:.300}");
                } else {
                    prop_assert!(lines.contains(&line), "{rejection:.300}: not in {lines:?}");
                }
            }
            if !summary.rejected.is_empty() {
                prop_assert_eq!(stored, 0, "written although rejected");
            }
        }
        Err(error @ Error::Unreadable { .. }) => {
            let message = error.to_string();
            let (line, field) = split_rejection(&file, &message);
            prop_assert!(
                ["line", "header"].contains(&field) && (1..=last_line).contains(&line),
                "{message:.300}"
            );
            prop_assert_eq!(stored, 0, "written although refused");
        }
        Err(error) => prop_assert!(false, "{error}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn a_mutated_csv_row_is_named_by_its_line_and_field(
        row in 0..ROWS.len(),
        change in mutation(),
        ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    ) {
        let mutated = mutate(ROWS[row], &change);
        let mut bytes = format!("{HEADER}{ending}").into_bytes();
        for (index, other) in ROWS.iter().enumerate() {
            if index == row {
                bytes.extend(&mutated);
            } else {
                bytes.extend(other.as_bytes());
            }
            bytes.extend(ending.as_bytes());
        }
        check_import("events.csv", &bytes, &super::csv::COLUMNS, named(row, &mutated, &bytes))?;
    }

    #[test]
    fn a_mutated_pairs_row_is_named_by_its_line_and_field(
        row in 0..PAIRS_ROWS.len(),
        change in mutation(),
        ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    ) {
        let mutated = mutate(PAIRS_ROWS[row], &change);
        let mut bytes = format!("{PAIRS_HEADER}{ending}").into_bytes();
        for (index, other) in PAIRS_ROWS.iter().enumerate() {
            if index == row {
                bytes.extend(&mutated);
            } else {
                bytes.extend(other.as_bytes());
            }
            bytes.extend(ending.as_bytes());
        }
        let fields = ["city1", "country1", "city2", "country2"];
        check_import("pairs.csv", &bytes, &fields, named(row, &mutated, &bytes))?;
    }

    #[test]
    fn random_bytes_after_a_header_are_rejected_by_line_and_field(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        pairs in any::<bool>(),
    ) {
        let (name, header, fields): (&str, &str, &[&str]) = if pairs {
            ("pairs.csv", PAIRS_HEADER, &["city1", "country1", "city2", "country2"])
        } else {
            ("events.csv", HEADER, &super::csv::COLUMNS)
        };
        let file = [format!("{header}\n").into_bytes(), bytes.clone()].concat();
        check_import(name, &file, fields, 2..=breaks(&file) + 1)?;
    }
}
