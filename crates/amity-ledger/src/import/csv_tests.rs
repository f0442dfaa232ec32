//! Tests of the lifecycle CSV import on a ledger in memory: bad rows named by line and field,
//! a file refused as a whole, the progress a surface hears, and names found through a
//! [`Names`] as recording finds them.

use std::sync::Arc;

use amity_domain::Party;
use amity_store::MemoryEventStore;

use super::*;
use crate::import::Ambiguous;

/// The header, in documentation order.
const HEADER: &str = "party_a,country_a,region_a,party_b,country_b,region_b,kind,event,\
                      occurred,term_as_written,certainty,source_title,source_publisher,\
                      source_url,source_date,note";

fn memory_ledger() -> Ledger {
    Ledger::new(Arc::new(MemoryEventStore::new()))
}

/// A CSV file with the header and these rows, in a folder of its own.
struct File {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl File {
    fn with_rows(rows: &[&str]) -> File {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("events.csv");
        let mut text = HEADER.to_owned();
        for row in rows {
            text.push('\n');
            text.push_str(row);
        }
        text.push('\n');
        std::fs::write(&path, text).expect("the file");
        File { _dir: dir, path }
    }

    /// The file's name as messages give it.
    fn name(&self) -> String {
        self.path.display().to_string()
    }
}

/// Import `file` into `ledger`, keeping every progress step.
async fn import_file(
    ledger: &Ledger,
    file: &File,
    options: ImportOptions,
    names: Option<&dyn Names>,
) -> (Result<ImportSummary>, Vec<Progress>) {
    let mut steps = Vec::new();
    let summary = import(ledger, &file.path, options, "test", names, &mut |step| {
        steps.push(step)
    })
    .await;
    (summary, steps)
}

async fn stored_events(ledger: &Ledger) -> usize {
    ledger
        .store()
        .read_all(amity_store::Position::START, usize::MAX)
        .await
        .expect("the feed")
        .len()
}

const FOUNDED: &str = "Colorado Springs,US,US-CO,Bishkek,KG,,,founded,1994,,,,,,,";

#[tokio::test]
async fn a_bad_field_is_named_with_its_line_and_nothing_is_written() {
    let ledger = memory_ledger();
    let file = File::with_rows(&[
        FOUNDED,
        "Colorado Springs,US,US-CO,Smolensk,RU,,,merged,1995,,,,,,,",
        "Colorado Springs,US,US-CO,Smolensk,RUS,,,attested,2001,,,,,,,",
        "Colorado Springs,US,US-CO,Kaohsiung,TW,,,attested,2001,,maybe,,,,,",
    ]);
    let (summary, steps) = import_file(&ledger, &file, ImportOptions::default(), None).await;
    let summary = summary.expect("a summary");
    let name = file.name();
    assert_eq!(summary.rows_read, 4);
    assert_eq!(summary.rejected.len(), 3, "{:?}", summary.rejected);
    assert!(
        summary.rejected[0].starts_with(&format!(
            "{name}:3: event: \"merged\" is not one of founded, attested"
        )),
        "{:?}",
        summary.rejected
    );
    assert!(
        summary.rejected[1].starts_with(&format!("{name}:4: country_b: ")),
        "{:?}",
        summary.rejected
    );
    assert_eq!(
        summary.rejected[2],
        format!(
            "{name}:5: certainty: \"maybe\" is not one of confirmed, probable, possible, disputed"
        )
    );
    assert_eq!((summary.events_written, summary.wrote), (0, false));
    assert_eq!(stored_events(&ledger).await, 0);
    // Nothing was written, so writing never began.
    assert!(
        !steps
            .iter()
            .any(|step| matches!(step, Progress::Writing { .. })),
        "{steps:?}"
    );

    // With skip_invalid, the good row is written.
    let skip = ImportOptions {
        skip_invalid: true,
        ..ImportOptions::default()
    };
    let (summary, _) = import_file(&ledger, &file, skip, None).await;
    assert_eq!(summary.expect("a summary").events_written, 1);
    assert_eq!(stored_events(&ledger).await, 1);
}

#[tokio::test]
async fn given_values_new_input_refuses_when_imported_then_each_row_names_its_line_and_field() {
    let ledger = memory_ledger();
    let file = File::with_rows(&[
        "Colorado Springs,US,US-CO,Smolensk,RU,,,founded,,,,,,,,",
        "Colorado Springs,US,US-CO,Kaohsiung,TW,,,founded,2999-01,,,,,,,",
        "Colorado Springs,US,US-CO,Fujiyoshida,JP,,,founded,1962,,,Minutes,,javascript:alert(1),,",
        "Colorado Springs,US,US-CO,Bishkek,KG,,,founded,1994,,,Minutes,,not a url,,",
        "Evil\u{1b}[31m,US,US-CO,Bishkek,KG,,,founded,1994,,,,,,,",
        "Colorado Springs,US,US-CO,Nuevo Casas Grandes,MX,,,founded,1996,,,,,,,\"bell\u{7}\"",
        "Colorado Springs,US,US-CO,Bishkek,KG,,,founded,1994,,,,,,,\"two\nlines\"",
        "Colorado Springs,US,US-CO,Kaohsiung,TW,,,founded,2020/..,,,Minutes,,doi:10.1000/182,,",
    ]);
    let (summary, _) = import_file(&ledger, &file, ImportOptions::default(), None).await;
    let summary = summary.expect("a summary");
    let name = file.name();
    let expected = [
        (2, "occurred: empty: write `unknown`"),
        (3, "occurred: 2999-01 is in the future"),
        (
            4,
            "source_url: \"javascript:alert(1)\" is a javascript: URL",
        ),
        (5, "source_url: \"not a url\" is not a URL"),
        (6, "party_a: invalid party"),
        (7, "note: holds the control character \\u{7}"),
    ];
    assert_eq!(
        summary.rejected.len(),
        expected.len(),
        "{:?}",
        summary.rejected
    );
    for ((line, start), got) in expected.iter().zip(&summary.rejected) {
        let prefix = format!("{name}:{line}: {start}");
        assert!(
            got.starts_with(&prefix),
            "{got} does not start with {prefix}"
        );
        assert!(!got.contains('\u{1b}'), "{got}");
    }
    assert_eq!(stored_events(&ledger).await, 0);
    // The rows that follow the rules (a note of two lines, an open end, a DOI) are written.
    let skip = ImportOptions {
        skip_invalid: true,
        ..ImportOptions::default()
    };
    let (summary, _) = import_file(&ledger, &file, skip, None).await;
    assert_eq!(summary.expect("a summary").events_written, 2);
}

#[tokio::test]
async fn a_file_without_a_column_or_without_a_file_is_an_error_naming_it() {
    let ledger = memory_ledger();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let short = dir.path().join("short.csv");
    std::fs::write(
        &short,
        format!("{}\n{FOUNDED}\n", HEADER.replace(",certainty,", ",")),
    )
    .expect("the file");
    let error = import(
        &ledger,
        &short,
        ImportOptions::default(),
        "test",
        None,
        &mut |_| {},
    )
    .await
    .expect_err("a header without certainty");
    assert!(
        matches!(&error, crate::Error::Unreadable { line: 1, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("{}:1: header: missing columns certainty", short.display())
    );

    let missing = dir.path().join("missing.csv");
    let error = import(
        &ledger,
        &missing,
        ImportOptions::default(),
        "test",
        None,
        &mut |_| {},
    )
    .await
    .expect_err("no file");
    match &error {
        crate::Error::Io { path, line, source } => {
            assert_eq!((path, line), (&missing, &None));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected an Io error, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: ", missing.display())),
        "{error}"
    );
}

#[tokio::test]
async fn progress_counts_the_rows_read_then_the_events_written() {
    let ledger = memory_ledger();
    let file = File::with_rows(&[
        FOUNDED,
        "Colorado Springs,US,US-CO,Smolensk,RU,,,founded,1993,,,,,,,",
        "Colorado Springs,US,US-CO,Smolensk,RU,,,attested,2001,,,,,,,",
    ]);
    let (summary, steps) = import_file(&ledger, &file, ImportOptions::default(), None).await;
    assert_eq!(summary.expect("a summary").events_written, 3);
    assert_eq!(
        steps.first(),
        Some(&Progress::Read { rows: 3 }),
        "{steps:?}"
    );
    let writing = steps
        .iter()
        .position(|step| *step == Progress::Writing { events: 3 })
        .expect("writing announced");
    let written: Vec<u64> = steps[writing..]
        .iter()
        .filter_map(|step| match step {
            Progress::Written { done } => Some(*done),
            _ => None,
        })
        .collect();
    assert!(
        written.windows(2).all(|pair| pair[0] < pair[1]),
        "{steps:?}"
    );
    assert_eq!(written.last(), Some(&3), "{steps:?}");
    assert_eq!(steps.last(), Some(&Progress::Finished), "{steps:?}");

    // A dry run reads and checks, and announces no writing.
    let (_, steps) = import_file(
        &memory_ledger(),
        &file,
        ImportOptions {
            dry_run: true,
            ..ImportOptions::default()
        },
        None,
    )
    .await;
    assert_eq!(steps, [Progress::Read { rows: 3 }]);
}

/// Names as a ledger might know them: `Krakow, PL` is Kraków; `Columbia, US` is two parties.
struct Known;

impl Names for Known {
    fn resolve(&self, party: &Party) -> std::result::Result<Party, Ambiguous> {
        match party.label().as_str() {
            "Krakow, PL" => Ok("Kraków, PL".parse().expect("a party")),
            "Columbia, US" => Err(Ambiguous {
                written: party.label(),
                candidates: vec![
                    ("us-md:columbia".to_owned(), "Columbia, US-MD".to_owned()),
                    ("us-sc:columbia".to_owned(), "Columbia, US-SC".to_owned()),
                ],
            }),
            _ => Ok(party.clone()),
        }
    }
}

#[tokio::test]
async fn names_are_found_as_the_ledger_knows_them_and_an_ambiguous_one_is_a_rejected_row() {
    let ledger = memory_ledger();
    let file = File::with_rows(&[
        "Columbia,US,,Kaiserslautern,DE,,,founded,1990,,,,,,,",
        "Krakow,PL,,Leuven,BE,,,founded,1991,,,,,,,",
    ]);
    let skip = ImportOptions {
        skip_invalid: true,
        ..ImportOptions::default()
    };
    let (summary, _) = import_file(&ledger, &file, skip, Some(&Known)).await;
    let summary = summary.expect("a summary");
    assert_eq!(
        summary.rejected,
        [format!(
            "{}:2: party_a: \"Columbia, US\" is ambiguous: did you mean us-md:columbia \
             (Columbia, US-MD) or us-sc:columbia (Columbia, US-SC)? Give the key's name and \
             region exactly",
            file.name()
        )]
    );
    assert_eq!(summary.events_written, 1);
    // Krakow's row went to Kraków's partnership.
    let leuven: amity_domain::PartnershipId = "be:leuven+pl:kraków".parse().expect("an id");
    let stored = ledger
        .store()
        .read_stream(leuven.as_str(), 0, usize::MAX)
        .await
        .expect("the stream");
    assert_eq!(stored.len(), 1);
}

/// A surface may run an import on a task of its own (a server's handler): its future is
/// `Send`.
#[test]
fn an_import_can_run_on_any_thread() {
    fn is_send<T: Send>(_: &T) {}
    let ledger = memory_ledger();
    let mut progress = |_: Progress| {};
    let names: Option<&dyn Names> = Some(&Known);
    let future = import(
        &ledger,
        Path::new("events.csv"),
        ImportOptions::default(),
        "test",
        names,
        &mut progress,
    );
    is_send(&future);
}

#[test]
fn exactly_one_apostrophe_before_a_formula_sign_is_taken_off() {
    use crate::import::formula::unquote_formula;
    for (cell, read) in [
        ("'=SUM(A1:A9)", "=SUM(A1:A9)"),
        ("'+1", "+1"),
        ("'-1", "-1"),
        ("'@cmd", "@cmd"),
        // A text that began `'=` was written with one `'` more.
        ("''=x", "'=x"),
        ("'''+x", "''+x"),
        ("'quoted'", "'quoted'"),
        ("=raw", "=raw"),
        ("'", "'"),
        ("", ""),
    ] {
        assert_eq!(unquote_formula(cell), read, "{cell:?}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4_096))]

    /// Any text, guarded and read back, is the text again; guarded, it never begins with a
    /// formula sign. Texts are drawn mostly from the characters that matter.
    #[test]
    fn a_guarded_text_reads_back_as_it_was(text in "['=+\\-@a ]{0,6}|\\PC{0,12}") {
        use crate::import::formula::{neutralise_formula, unquote_formula};
        let guarded = neutralise_formula(&text);
        proptest::prop_assert_eq!(unquote_formula(&guarded), text.as_str());
        proptest::prop_assert!(!guarded.starts_with(['=', '+', '-', '@']));
    }
}

#[tokio::test]
async fn free_text_cells_lose_the_apostrophe_a_csv_writer_put_before_a_formula() {
    let ledger = memory_ledger();
    let file = File::with_rows(&[
        "Colorado Springs,US,US-CO,Bishkek,KG,,,founded,-0500,'=twinned,,'@title,,,,'+1 note",
    ]);
    let (summary, _) = import_file(&ledger, &file, ImportOptions::default(), None).await;
    let summary = summary.expect("a summary");
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    let stored = ledger
        .store()
        .read_all(amity_store::Position::START, usize::MAX)
        .await
        .expect("the feed");
    let payload: serde_json::Value =
        serde_json::from_slice(&stored[0].payload).expect("a JSON payload");
    let text = payload.to_string();
    assert!(text.contains("\"=twinned\""), "{text}");
    assert!(text.contains("\"@title\""), "{text}");
    assert!(text.contains("\"+1 note\""), "{text}");
    assert!(text.contains("\"-0500\""), "{text}");
}
