//! Hardening (issue 19) of the CSV output: a free-text cell a spreadsheet would run as a
//! formula gets OWASP's leading `'` (ids, dates and numbers never; `--raw` keeps every cell as
//! it is; JSON Lines archives are never changed), `import --format csv` takes that `'` off
//! again, and an unknown date is written `unknown`, never as an empty cell.

use super::support::*;

/// A ledger with one founding whose free text begins with formula signs, dated 500 BCE (a
/// date that begins with `-` and must stay as it is), and one founding of unknown date.
fn formulas_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.record(
        "found",
        "-0500",
        &[
            "--term=+twinned",
            "--note=-1 note",
            "--source-title",
            "@SUM(A1)",
            "--source-title",
            "=second",
        ],
    );
    sandbox.ok(&[
        "found",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "unknown",
        "--note",
        "=HYPERLINK(\"https://example.org\")",
    ]);
    sandbox
}

/// CSV text parsed: its header and rows.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records().map(|record| {
        record
            .expect("a CSV record")
            .iter()
            .map(str::to_owned)
            .collect::<Vec<String>>()
    });
    let header = records.next().expect("a header");
    (header, records.collect())
}

/// The cells of one column.
fn column(text: &str, name: &str) -> Vec<String> {
    let (header, rows) = parse(text);
    let at = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    rows.iter().map(|row| row[at].clone()).collect()
}

/// The timeline as CSV (`export --view timeline` to stdout), with extra arguments.
fn timeline(sandbox: &Sandbox, extra: &[&str]) -> String {
    let mut args = vec!["export", "--format", "csv", "--view", "timeline"];
    args.extend_from_slice(extra);
    sandbox.ok(&args)
}

#[test]
fn formula_cells_of_free_text_get_a_leading_apostrophe_in_every_csv() {
    let sandbox = formulas_sandbox();
    let exported = timeline(&sandbox, &[]);
    let history = sandbox.ok(&["history", CS_SMOLENSK, "--format", "csv"]);
    for text in [&exported, &history] {
        let terms = column(text, "term_as_written");
        assert!(terms.contains(&"'+twinned".to_owned()), "{text}");
        let notes = column(text, "note");
        assert!(notes.contains(&"'-1 note".to_owned()), "{text}");
        // Dates and ids are never changed, even when they begin with `-`.
        assert!(
            column(text, "occurred").contains(&"-0500".to_owned()),
            "{text}"
        );
        assert!(
            column(text, "earliest")
                .iter()
                .any(|day| day.starts_with('-')),
            "{text}"
        );
    }
    let notes = column(&exported, "note");
    assert!(
        notes.contains(&"'=HYPERLINK(\"https://example.org\")".to_owned()),
        "{exported}"
    );
    // The sources view: one title per cell, each guarded.
    let sources = sandbox.ok(&["export", "--format", "csv", "--view", "sources"]);
    assert_eq!(
        column(&sources, "title"),
        ["'@SUM(A1)", "'=second"],
        "{sources}"
    );
    // The analyst view `changes` shows the words as written.
    let changes = sandbox.ok(&[
        "changes", "--from", "-0600", "--to", "2030", "--format", "csv",
    ]);
    assert!(
        column(&changes, "term_as_written").contains(&"'+twinned".to_owned()),
        "{changes}"
    );
    assert!(
        column(&changes, "occurred").contains(&"-0500".to_owned()),
        "{changes}"
    );
}

#[test]
fn raw_keeps_every_csv_cell_as_it_is() {
    let sandbox = formulas_sandbox();
    for extra in [&["--raw"][..], &["--raw", "--format", "csv"]] {
        let text = if extra.len() == 1 {
            timeline(&sandbox, extra)
        } else {
            let mut args = vec!["history", CS_SMOLENSK];
            args.extend_from_slice(extra);
            sandbox.ok(&args)
        };
        assert!(
            column(&text, "term_as_written").contains(&"+twinned".to_owned()),
            "{text}"
        );
        assert!(
            column(&text, "note").contains(&"-1 note".to_owned()),
            "{text}"
        );
    }
    let sources = sandbox.ok(&["export", "--format", "csv", "--view", "sources", "--raw"]);
    assert_eq!(
        column(&sources, "title"),
        ["@SUM(A1)", "=second"],
        "{sources}"
    );
    let help = sandbox.ok(&["export", "--help"]);
    assert!(help.contains("--raw"), "{help}");
    assert!(help.contains("formula"), "{help}");
}

#[test]
fn a_milestone_title_and_a_party_list_are_neutralised_too() {
    let sandbox = formulas_sandbox();
    sandbox.ok(&[
        "milestone",
        "add",
        "summit",
        "--occurred",
        "2022-03",
        "--title",
        "=cmd|' /C calc'!A0",
    ]);
    let milestones = sandbox.ok(&["milestone", "list", "--format", "csv"]);
    assert_eq!(
        column(&milestones, "title"),
        ["'=cmd|' /C calc'!A0"],
        "{milestones}"
    );
    assert_eq!(column(&milestones, "occurred"), ["2022-03"], "{milestones}");
    sandbox.ok(&["party", "alias", CS, "+Springs"]);
    let parties = sandbox.ok(&["parties", "--format", "csv"]);
    assert!(
        column(&parties, "aliases").contains(&"'+Springs".to_owned()),
        "{parties}"
    );
}

#[test]
fn json_lines_archives_are_never_changed() {
    let sandbox = formulas_sandbox();
    let archive = sandbox.ok(&["export", "--format", "jsonl", "--raw"]);
    let plain = sandbox.ok(&["export", "--format", "jsonl"]);
    assert_eq!(archive, plain);
    assert!(plain.contains("\"+twinned\""), "{plain}");
    assert!(plain.contains("\"@SUM(A1)\""), "{plain}");
    assert!(!plain.contains("'+twinned"), "{plain}");
}

#[test]
fn the_csv_import_takes_off_the_apostrophe_the_export_put_on() {
    let sandbox = formulas_sandbox();
    // The timeline's cells as exported, put in a lifecycle CSV file for another ledger.
    let exported = timeline(&sandbox, &[]);
    let (header, rows) = parse(&exported);
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let row = rows
        .iter()
        .find(|row| row[at("occurred")] == "-0500")
        .expect("the founding of 500 BCE");
    let sources = sandbox.ok(&["export", "--format", "csv", "--view", "sources"]);
    let first_title = column(&sources, "title")[0].clone();
    assert_eq!(first_title, "'@SUM(A1)");
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "party_a",
            "country_a",
            "region_a",
            "party_b",
            "country_b",
            "region_b",
            "kind",
            "event",
            "occurred",
            "term_as_written",
            "certainty",
            "source_title",
            "source_publisher",
            "source_url",
            "source_date",
            "note",
        ])
        .unwrap();
    writer
        .write_record([
            "Colorado Springs",
            "US",
            "US-CO",
            "Smolensk",
            "RU",
            "",
            "",
            "founded",
            &row[at("occurred")],
            &row[at("term_as_written")],
            "",
            &first_title,
            "",
            "",
            "",
            &row[at("note")],
        ])
        .unwrap();
    let other = Sandbox::new();
    std::fs::write(other.path().join("rows.csv"), writer.into_inner().unwrap()).unwrap();
    other.ok(&["import", "--format", "csv", "rows.csv"]);
    let history = other.history(&[CS_SMOLENSK]);
    let founded = &events(&history)[0];
    assert_eq!(founded["term_as_written"], "+twinned", "{history}");
    assert_eq!(founded["note"], "-1 note", "{history}");
    assert_eq!(founded["sources"][0]["title"], "@SUM(A1)", "{history}");
    assert_eq!(founded["occurred"], "-0500", "{history}");
}

#[test]
fn an_unknown_date_is_written_unknown_never_as_an_empty_cell() {
    let sandbox = formulas_sandbox();
    let exported = timeline(&sandbox, &[]);
    let (header, rows) = parse(&exported);
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let undated = rows
        .iter()
        .find(|row| row[at("note")].contains("HYPERLINK"))
        .expect("the undated founding");
    assert_eq!(undated[at("occurred")], "unknown", "{exported}");
    assert_eq!(undated[at("earliest")], "unknown", "{exported}");
    let kaohsiung = "tw:kaohsiung+us-co:colorado-springs";
    let status = sandbox.ok(&["export", "--format", "csv", "--view", "status"]);
    let (header, rows) = parse(&status);
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let row = rows
        .iter()
        .find(|row| row[at("partnership")] == kaohsiung)
        .expect("the undated partnership");
    assert_eq!(row[at("since")], "unknown", "{status}");
    let listed = sandbox.ok(&["status", "--format", "csv"]);
    let (header, rows) = parse(&listed);
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let row = rows
        .iter()
        .find(|row| row[at("partnership")] == kaohsiung)
        .expect("the undated partnership");
    assert_eq!(row[at("since")], "unknown", "{listed}");
    let partners = sandbox.ok(&["partners", "Kaohsiung, TW", "--format", "csv"]);
    assert_eq!(column(&partners, "founded"), ["unknown"], "{partners}");
    assert_eq!(column(&partners, "since"), ["unknown"], "{partners}");
}
