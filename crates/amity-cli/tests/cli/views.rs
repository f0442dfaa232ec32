//! End-to-end tests of the lossless CSV views (issue 21; docs/csv-views.md): `export --format
//! csv --view timeline|sources|registrations|party-links|milestones` imported into an empty
//! ledger with `import --format timeline-csv` gives the same events (ids, order, who recorded
//! them and when, payloads byte for byte) and so the same history of every partnership; a
//! second import adds nothing; a bad cell is named by file, line and column and nothing is
//! written. Also: `status --format csv` is the status view, and the SQLite file's
//! `ledger_events` shows ids and times as the views do.

use std::collections::BTreeMap;

use serde_json::Value;

use super::support::*;

/// The views that import back, with the option that names each beside the timeline.
const LOSSLESS: [(&str, &str); 5] = [
    ("timeline", ""),
    ("sources", "--sources"),
    ("registrations", "--registrations"),
    ("party-links", "--party-links"),
    ("milestones", "--milestones"),
];

/// The example ledger, with every kind of entry and awkward text added: a retraction, a
/// citation, an alternative claim, a disputed entry, a link between parties with its
/// registrations, aliases with the list separator in them, and free text with formula signs,
/// quotes, commas, line breaks and non-Latin letters.
fn rich_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.example();
    let history = sandbox.history(&[CS_SMOLENSK]);
    let founded = events(&history)[0]["event_id"]
        .as_str()
        .expect("the founding's id")
        .to_owned();
    sandbox.record(
        "found",
        "1992~",
        &[
            "--alternative-to",
            &founded,
            "--term",
            "=twinned \"officially\", 1992",
            "--source-title",
            "'=quoted title",
            "--source-url",
            "https://example.org/a?b=1,2",
            "--source-locator",
            "p. 3\nline two",
            "--source-role",
            "primary",
            "--source-date",
            "1992-05",
        ],
    );
    let reaffirmed = sandbox.record(
        "reaffirm",
        "[2021-02-28,2021-03-28]",
        &["--note=-1 Смоленск; «kept»", "--recorded-by", "@archivist"],
    );
    sandbox.ok(&[
        "cite",
        &reaffirmed,
        "--source-title",
        "Council minutes",
        "--source-publisher",
        "City of Colorado Springs",
    ]);
    sandbox.ok(&["retract", &reaffirmed, "--reason", "+misread the minutes"]);
    sandbox.ok(&[
        "party",
        "alias",
        SMOLENSK,
        "Smolensk; Смоленск",
        "Smalensk\\x",
    ]);
    sandbox.ok(&["party", "distinct", "Denver, US-CO", SMOLENSK]);
    sandbox
}

/// Export the lossless views of `sandbox` into its folder; the import command line for them.
fn export_views(sandbox: &Sandbox, extra: &[&str]) -> Vec<String> {
    let mut import = vec![
        "import".to_owned(),
        "--format".to_owned(),
        "timeline-csv".to_owned(),
    ];
    for (view, option) in LOSSLESS {
        let file = sandbox.path().join(format!("{view}.csv"));
        let file = file.to_str().expect("a UTF-8 path").to_owned();
        let mut args = vec!["export", "--format", "csv", "--view", view, &file];
        args.extend_from_slice(extra);
        sandbox.ok(&args);
        if !option.is_empty() {
            import.push(option.to_owned());
        }
        import.push(file);
    }
    import
}

/// Every partnership's history as JSON, by id.
fn histories(sandbox: &Sandbox) -> BTreeMap<String, Value> {
    sandbox
        .status()
        .iter()
        .map(|row| {
            let id = row["partnership"].as_str().expect("an id").to_owned();
            let history = sandbox.history(&[&id]);
            (id, history)
        })
        .collect()
}

#[test]
fn given_a_ledger_with_corrections_links_and_awkward_text_when_its_views_are_imported_into_an_empty_ledger_then_every_event_and_history_is_the_same(
) {
    let a = rich_sandbox();
    let import = export_views(&a, &[]);
    let b = Sandbox::new();
    let args: Vec<&str> = import.iter().map(String::as_str).collect();
    let summary = b.ok(&args);
    assert!(summary.contains("0 rows rejected"), "{summary}");
    // The archive (every stored event with its envelope, in global order) byte for byte.
    let archive = a.ok(&["export", "--format", "jsonl"]);
    assert_eq!(b.ok(&["export", "--format", "jsonl"]), archive);
    for kind in [
        "EntryRetracted",
        "SourceCited",
        "PartiesLinked",
        "PartyAliased",
        "PartyRegistered",
        "alternative_to",
    ] {
        assert!(archive.contains(kind), "the ledger under test lacks {kind}");
    }
    // Every history, as the query API answers it.
    let before = histories(&a);
    assert_eq!(before.len(), 23);
    assert_eq!(histories(&b), before);
    // Importing again adds nothing.
    let again = b.ok(&args);
    assert!(again.contains(" 0 events written"), "{again}");
    assert_eq!(b.ok(&["export", "--format", "jsonl"]), archive);
}

#[test]
fn given_views_written_raw_when_imported_then_the_ledger_is_the_same_too() {
    let a = rich_sandbox();
    let import = export_views(&a, &["--raw"]);
    let timeline = std::fs::read_to_string(a.path().join("timeline.csv")).unwrap();
    assert!(timeline.contains(",\"=twinned"), "{timeline}");
    // Read back raw too (a free text beginning `'=` stays as it is).
    let b = Sandbox::new();
    let mut args: Vec<&str> = import.iter().map(String::as_str).collect();
    args.push("--raw");
    b.ok(&args);
    assert_eq!(
        b.ok(&["export", "--format", "jsonl"]),
        a.ok(&["export", "--format", "jsonl"])
    );
}

#[test]
fn given_a_bad_cell_when_the_views_are_imported_then_its_file_line_and_column_are_named_and_nothing_is_written(
) {
    let a = rich_sandbox();
    let import = export_views(&a, &[]);
    let path = a.path().join("timeline.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    // The founding of Colorado Springs–Smolensk, dated 1993 in the example: a date that is not
    // EDTF on line 1 + its row.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = lines
        .iter()
        .position(|line| line.contains(",PartnershipFounded,1,1993,"))
        .expect("the founding of 1993");
    lines[at] = lines[at].replace(
        ",PartnershipFounded,1,1993,",
        ",PartnershipFounded,1,1993-13,",
    );
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let b = Sandbox::new();
    let args: Vec<&str> = import.iter().map(String::as_str).collect();
    let run = b.run(&args);
    assert!(!run.success, "{run:?}");
    let expected = format!("{}:{}: occurred: ", path.display(), at + 1);
    assert!(run.stderr.contains(&expected), "{expected}\n{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert!(b.status().is_empty(), "the refused import wrote events");

    // A source row left out: the event's source_count tells.
    let sources = a.path().join("sources.csv");
    let kept: Vec<String> = std::fs::read_to_string(&sources)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    std::fs::write(&path, text).unwrap();
    std::fs::write(&sources, kept[..kept.len() - 1].join("\n") + "\n").unwrap();
    let run = b.run(&args);
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains(": source_count: "), "{}", run.stderr);
}

#[test]
fn status_as_csv_is_the_status_view_and_names_a_status_only_when_it_is_definite() {
    let sandbox = Sandbox::new();
    sandbox.example();
    for as_of in [None, Some("2022-03")] {
        let mut status = vec!["status", "--format", "csv"];
        let mut export = vec!["export", "--format", "csv", "--view", "status"];
        if let Some(date) = as_of {
            status.extend(["--as-of", date]);
            export.extend(["--as-of", date]);
        }
        assert_eq!(
            sandbox.ok(&status).trim_end(),
            sandbox.ok(&export).trim_end()
        );
    }
    // In March 2022 the Colorado Springs–Smolensk suspension (around 2022-03-03) may or may
    // not have happened yet: no status stands alone, both are listed.
    let text = sandbox.ok(&["status", "--format", "csv", "--as-of", "2022-03"]);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let field = |record: &csv::StringRecord, name: &str| {
        record[header.iter().position(|h| h == name).expect(name)].to_owned()
    };
    let smolensk = reader
        .records()
        .map(Result::unwrap)
        .find(|record| field(record, "partnership") == CS_SMOLENSK)
        .expect("the Smolensk row");
    assert_eq!(field(&smolensk, "status"), "");
    assert_eq!(field(&smolensk, "possible_statuses"), "active;suspended");
    assert_eq!(field(&smolensk, "certainty"), "possible");
}

#[test]
fn the_ledger_file_shows_ids_and_times_as_the_views_do() {
    let sandbox = rich_sandbox();
    let timeline = sandbox.ok(&["export", "--format", "csv", "--view", "timeline", "--raw"]);
    let mut reader = csv::Reader::from_reader(timeline.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let mut from_view: Vec<(String, String, String)> = reader
        .records()
        .map(Result::unwrap)
        .map(|r| {
            (
                r[at("event_id")].to_owned(),
                r[at("recorded_at")].to_owned(),
                r[at("recorded_by")].to_owned(),
            )
        })
        .collect();
    from_view.sort();
    let file = rusqlite::Connection::open(sandbox.path().join("ledger.db")).unwrap();
    let mut statement = file
        .prepare(
            "SELECT event_id, recorded_at, recorded_by FROM ledger_events
             WHERE stream NOT LIKE 'party%' AND stream != 'milestones' ORDER BY event_id",
        )
        .unwrap();
    let from_file: Vec<(String, String, String)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(from_file, from_view);
    // RFC 3339 in UTC, written as the archive writes it.
    let archive = sandbox.ok(&["export", "--format", "jsonl"]);
    for (_, at, _) in &from_view {
        assert!(at.ends_with('Z'), "{at}");
        assert!(
            archive.contains(&format!("\"recorded_at\":\"{at}\"")),
            "{at}"
        );
    }
}

#[test]
fn every_column_of_every_view_is_documented() {
    let sandbox = rich_sandbox();
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/csv-views.md"
    ))
    .unwrap();
    let views = [
        "timeline",
        "sources",
        "registrations",
        "party-links",
        "milestones",
        "status",
        "parties",
    ];
    for view in views {
        let text = sandbox.ok(&["export", "--format", "csv", "--view", view]);
        let header = text.lines().next().expect("a header");
        let section = docs
            .split(&format!("\n## {view}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("docs/csv-views.md has no section {view}"));
        let section = section.split("\n## ").next().unwrap_or_default();
        for column in header.split(',') {
            assert!(
                column
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{view}: {column} is not snake_case"
            );
            let documented = section.contains(&format!("`{column}`"))
                || column
                    .strip_prefix("party_b_")
                    .is_some_and(|_| section.contains("`party_b_…`"));
            assert!(documented, "{view}: column {column} is not documented");
        }
    }
}
