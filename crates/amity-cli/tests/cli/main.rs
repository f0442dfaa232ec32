//! End-to-end tests of the `amity` binary, run as a user would: each test gets its own
//! temporary folder and ledger, and drives the real executable through `std::process::Command`.

use std::path::PathBuf;

use serde_json::Value;

mod analysis;
mod answers;
mod backends;
#[cfg(unix)]
mod browser;
#[cfg(unix)]
mod concurrency;
mod corrections;
#[cfg(unix)]
mod crash;
mod eac;
mod errors;
mod exit_codes;
mod hardening_csv;
mod hardening_values;
mod hardening_writes;
mod honest;
mod identity;
mod ids;
mod interchange;
mod log;
mod prov;
mod quickstatements;
mod serve;
#[cfg(unix)]
mod served;
mod support;
mod surface;
mod temporal;
mod views;

use support::*;

// ---------------------------------------------------------------------------------------------
// The example ledger.

#[test]
fn example_partners_of_colorado_springs() {
    let sandbox = Sandbox::new();
    let out = sandbox.example();
    assert!(out.contains("25 events recorded"), "{out}");
    assert!(out.contains("23 partnerships"), "{out}");

    let partners = sandbox.json(&["partners", CS]);
    let rows = partners.as_array().expect("partners is an array");
    let names: Vec<&str> = rows
        .iter()
        .map(|row| row["partner"]["name"].as_str().expect("partner name"))
        .collect();
    assert_eq!(
        names,
        [
            "Fujiyoshida",
            "Kaohsiung",
            "Smolensk",
            "Bishkek",
            "Nuevo Casas Grandes",
            "Bankstown",
            "Ancient Olympia"
        ]
    );
    assert_eq!(
        strings(&partners, "founded"),
        ["1962", "1983", "1993", "1994", "1996", "1999", "2014"]
    );
    for row in rows {
        let expected = if row["partner"]["name"] == "Smolensk" {
            "suspended"
        } else {
            "active"
        };
        assert_eq!(row["status"], expected, "{row}");
    }
    let smolensk = &rows[2];
    assert_eq!(smolensk["partner"]["country"], "RU");
    assert_eq!(smolensk["partnership"], CS_SMOLENSK);
    assert_eq!(smolensk["since"], "2022-03-03~");

    let table = sandbox.ok(&["partners", CS]);
    assert!(table.contains("Smolensk, RU"), "{table}");
    assert!(
        table
            .lines()
            .any(|line| line.contains("Smolensk, RU") && line.contains("suspended")),
        "the Smolensk row should say suspended:\n{table}"
    );
    assert_eq!(
        table
            .lines()
            .filter(|line| line.contains("suspended"))
            .count(),
        1,
        "only Smolensk is suspended:\n{table}"
    );
}

#[test]
fn example_is_idempotent() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let first = sandbox.status();
    assert_eq!(first.len(), 23);
    assert_eq!(sandbox.event_count(), 25);

    let again = sandbox.example();
    assert!(
        again.contains(" 0 events recorded"),
        "the second run should record nothing: {again}"
    );
    assert!(again.contains("25 already present"), "{again}");

    let second = sandbox.status();
    assert_eq!(second.len(), 23);
    let counts = |rows: &[Value]| -> Vec<(Value, Value)> {
        rows.iter()
            .map(|row| (row["partnership"].clone(), row["events"].clone()))
            .collect()
    };
    assert_eq!(counts(&second), counts(&first));
    assert_eq!(second, first);
    assert_eq!(sandbox.event_count(), 25);
}

#[test]
fn status_json_shape() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let status = sandbox.json(&["status"]);
    let rows = status.as_array().expect("status --format json is an array");
    assert_eq!(rows.len(), 23);
    for row in rows {
        assert!(row["partnership"].is_string(), "{row}");
        let parties = row["parties"].as_array().expect("parties");
        assert_eq!(parties.len(), 2, "{row}");
        for party in parties {
            assert!(
                party["name"].as_str().is_some_and(|n| !n.is_empty()),
                "{row}"
            );
            let country = party["country"].as_str().expect("country");
            assert_eq!(country.len(), 2, "{row}");
        }
        let status = row["status"].as_str().expect("status");
        assert!(
            ["active", "suspended", "terminated"].contains(&status),
            "{row}"
        );
        // `since` is there: a date, or null when unknown.
        assert!(row.get("since").is_some(), "{row}");
        assert!(row["since"].is_string() || row["since"].is_null(), "{row}");
        assert!(row["events"].as_u64().is_some_and(|n| n >= 1), "{row}");
    }
    let smolensk = rows
        .iter()
        .find(|row| row["partnership"] == CS_SMOLENSK)
        .expect("Smolensk row");
    assert_eq!(smolensk["status"], "suspended");
    assert_eq!(smolensk["events"], 3);

    // One partnership only.
    let one = sandbox.json(&["status", CS, SMOLENSK]);
    assert_eq!(one.as_array().map(Vec::len), Some(1));
    assert_eq!(one[0], *smolensk);
}

#[test]
fn history_of_smolensk_by_parties_and_by_id() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let by_parties = sandbox.history(&[CS, SMOLENSK]);
    let by_id = sandbox.history(&[CS_SMOLENSK]);
    assert_eq!(by_parties, by_id);
    // The parties in either order name the same partnership.
    assert_eq!(sandbox.history(&[SMOLENSK, CS]), by_id);

    let history = by_id;
    assert_eq!(history["partnership"], CS_SMOLENSK);
    assert_eq!(history["status"], "suspended");
    let events = events(&history);
    assert_eq!(events.len(), 3);
    assert_eq!(
        strings(&history["events"], "type"),
        [
            "PartnershipFounded",
            "PartnershipSuspended",
            "PartnershipTerminated"
        ]
    );
    assert_eq!(
        strings(&history["events"], "occurred"),
        ["1993", "2022-03-03~", "2022-03-03~"]
    );
    for event in events {
        assert!(
            event["recorded_by"].as_str().is_some_and(|s| !s.is_empty()),
            "{event}"
        );
        assert!(
            event["recorded_at"].as_str().is_some_and(|s| !s.is_empty()),
            "{event}"
        );
        assert!(event["event_id"].is_string(), "{event}");
    }

    let founded = &events[0];
    assert_eq!(founded["status_after"], "active");
    assert_eq!(founded["disputed"], false);

    let suspended = &events[1];
    assert_eq!(suspended["term_as_written"], "indefinitely suspended");
    assert_eq!(suspended["status_after"], "suspended");
    assert_eq!(suspended["disputed"], false);
    let sources = suspended["sources"].as_array().expect("sources");
    assert!(
        sources.iter().any(|source| source["role"] == "primary"),
        "the suspension cites a primary source: {suspended}"
    );

    let terminated = &events[2];
    assert_eq!(terminated["disputed"], true);
    assert_eq!(terminated["certainty"], "disputed");
    assert_eq!(terminated["status_after"], Value::Null);
    assert_eq!(terminated["retracted_by"], Value::Null);

    let table = sandbox.ok(&["history", CS, SMOLENSK]);
    assert!(table.contains("DISPUTED"), "{table}");
    assert!(table.contains("suspended since 2022-03-03~"), "{table}");
    let table_by_id = sandbox.ok(&["history", CS_SMOLENSK]);
    assert_eq!(table, table_by_id);
}

// ---------------------------------------------------------------------------------------------
// Recording.

#[test]
fn recording_flow_with_sources_and_uncertain_dates() {
    let sandbox = Sandbox::new();
    let pair = ["Tallahassee, US-FL", "Krasnodar, RU"];
    let founded = sandbox.json(&[
        "found",
        pair[0],
        pair[1],
        "--occurred",
        "[1983,1984]",
        "--source-title",
        "A",
        "--source-url",
        "https://example.org/a",
        "--source-date",
        "2019",
        "--source-title",
        "B",
        "--source-role",
        "primary",
    ]);
    assert_eq!(founded["partnership"], "ru:krasnodar+us-fl:tallahassee");
    assert_eq!(founded["type"], "PartnershipFounded");
    assert_eq!(founded["occurred"], "[1983,1984]");
    assert_eq!(founded["recorded"], true);

    let history = sandbox.history(&pair);
    let sources = events(&history)[0]["sources"]
        .as_array()
        .expect("sources")
        .clone();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert_eq!(sources[0]["title"], "A");
    assert_eq!(sources[0]["url"], "https://example.org/a");
    assert_eq!(sources[0]["published"], "2019");
    assert!(absent_or_null(&sources[0], "role"), "{:?}", sources[0]);
    assert_eq!(sources[1]["title"], "B");
    assert_eq!(sources[1]["role"], "primary");
    assert!(absent_or_null(&sources[1], "url"), "{:?}", sources[1]);
    assert!(absent_or_null(&sources[1], "published"), "{:?}", sources[1]);

    for (command, occurred) in [
        ("terminate", "1992/.."),
        ("reinstate", "2003/2014"),
        ("terminate", "2022-03-09"),
    ] {
        let out = sandbox.json(&[command, pair[0], pair[1], "--occurred", occurred]);
        assert_eq!(out["recorded"], true, "{out}");
        assert_eq!(out["occurred"], occurred, "{out}");
    }

    let status = sandbox.json(&["status", pair[0], pair[1]]);
    assert_eq!(status[0]["status"], "terminated", "{status}");
    assert_eq!(status[0]["since"], "2022-03-09", "{status}");
    assert_eq!(status[0]["events"], 4, "{status}");

    let history = sandbox.history(&pair);
    assert_eq!(history["status"], "terminated");
    assert_eq!(
        strings(&history["events"], "occurred"),
        ["[1983,1984]", "1992/..", "2003/2014", "2022-03-09"]
    );
    assert_eq!(
        strings(&history["events"], "status_after"),
        ["active", "terminated", "active", "terminated"]
    );
    assert_eq!(events(&history)[0]["earliest"], "1983-01-01");
    assert_eq!(events(&history)[0]["latest"], "1984-12-31");
    for event in events(&history) {
        assert_eq!(event["recorded_by"], "test", "{event}");
    }
    // The example's sources stay on the founding only.
    for event in &events(&history)[1..] {
        assert_eq!(event["sources"], Value::Array(vec![]), "{event}");
    }
}

#[test]
fn out_of_order_recording_is_accepted_and_shown_by_date() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    sandbox.record("terminate", "2005", &[]);
    sandbox.record("suspend", "1999", &[]);

    let history = sandbox.history(&[CS_SMOLENSK]);
    assert_eq!(
        strings(&history["events"], "occurred"),
        ["1993", "1999", "2005"]
    );
    assert_eq!(
        strings(&history["events"], "type"),
        [
            "PartnershipFounded",
            "PartnershipSuspended",
            "PartnershipTerminated"
        ]
    );
    assert_eq!(
        strings(&history["events"], "status_after"),
        ["active", "suspended", "terminated"]
    );
    assert_eq!(history["status"], "terminated");
    let status = sandbox.status();
    assert_eq!(status[0]["since"], "2005");
}

#[test]
fn disputed_certainty_keeps_an_impossible_event_without_effect() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    sandbox.record("terminate", "2005", &[]);
    let before = sandbox.event_count();

    let run = sandbox.run(&[
        "suspend",
        CS,
        SMOLENSK,
        "--occurred",
        "2010",
        "--certainty",
        "disputed",
    ]);
    assert!(run.success, "{run:?}");
    assert_eq!(run.code, Some(0));
    assert_eq!(sandbox.event_count(), before + 1);

    let history = sandbox.history(&[CS_SMOLENSK]);
    assert_eq!(history["status"], "terminated");
    let suspension = events(&history)
        .iter()
        .find(|event| event["type"] == "PartnershipSuspended")
        .expect("the disputed suspension is kept");
    assert_eq!(suspension["disputed"], true);
    assert_eq!(suspension["certainty"], "disputed");
    assert_eq!(suspension["status_after"], Value::Null);
    let status = sandbox.status();
    assert_eq!(status[0]["status"], "terminated");
    assert_eq!(status[0]["since"], "2005");
    let table = sandbox.ok(&["history", CS_SMOLENSK]);
    assert!(table.contains("DISPUTED"), "{table}");
}

#[test]
fn retraction_lifts_a_wrong_termination() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    let terminate = sandbox.json(&["terminate", CS, SMOLENSK, "--occurred", "2022-03-09"]);
    assert_eq!(terminate["partnership"], CS_SMOLENSK);
    assert_eq!(terminate["type"], "PartnershipTerminated");
    assert_eq!(terminate["occurred"], "2022-03-09");
    assert_eq!(terminate["recorded"], true);
    let terminated_id = terminate["event_id"].as_str().expect("event_id").to_owned();

    let error = sandbox.fails(&["suspend", CS, SMOLENSK, "--occurred", "2022-03-15"]);
    assert!(error.contains("terminated"), "{error}");
    assert!(error.contains(&terminated_id), "{error}");

    let retract = sandbox.json(&["retract", &terminated_id, "--reason", "misread"]);
    assert_eq!(retract["recorded"], true);
    assert_eq!(retract["type"], "EntryRetracted");
    assert_eq!(retract["partnership"], CS_SMOLENSK);
    let retraction_id = retract["event_id"].as_str().expect("event_id").to_owned();

    sandbox.record("suspend", "2022-03-15", &[]);

    let history = sandbox.history(&[CS_SMOLENSK]);
    assert_eq!(history["status"], "suspended");
    let rows = events(&history);
    assert_eq!(
        strings(&history["events"], "type"),
        [
            "PartnershipFounded",
            "PartnershipTerminated",
            "EntryRetracted",
            "PartnershipSuspended"
        ]
    );
    let termination = &rows[1];
    assert_eq!(termination["event_id"], terminated_id.as_str());
    assert_eq!(termination["retracted_by"], retraction_id.as_str());
    assert_eq!(termination["status_after"], Value::Null);
    let retraction = &rows[2];
    assert_eq!(retraction["event_id"], retraction_id.as_str());
    assert_eq!(retraction["target"], terminated_id.as_str());
    assert_eq!(retraction["reason"], "misread");
    assert_eq!(rows[3]["status_after"], "suspended");
    assert_eq!(sandbox.status()[0]["since"], "2022-03-15");

    // Retracting it again is refused.
    let again = sandbox.fails(&["retract", &terminated_id, "--reason", "misread"]);
    assert!(again.contains("already retracted"), "{again}");
}

#[test]
fn retraction_that_breaks_the_timeline_is_refused() {
    let sandbox = Sandbox::new();
    let founded = sandbox.record("found", "1993", &[]);
    sandbox.record("suspend", "2000", &[]);
    let error = sandbox.fails(&["retract", &founded, "--reason", "wrong"]);
    assert!(error.contains("cannot retract"), "{error}");
}

#[test]
fn recording_the_same_id_twice_records_once() {
    let sandbox = Sandbox::new();
    let id = "0190a5d2-1111-7000-8000-000000000001";
    let args = [
        "found",
        CS,
        SMOLENSK,
        "--occurred",
        "1993",
        "--id",
        id,
        "--format",
        "json",
    ];
    let first: Value = serde_json::from_str(&sandbox.ok(&args)).expect("JSON");
    assert_eq!(first["recorded"], true);
    assert_eq!(first["event_id"], id);
    let count = sandbox.event_count();
    assert_eq!(count, 1);

    let run = sandbox.run(&args);
    assert!(run.success, "{run:?}");
    assert_eq!(run.code, Some(0));
    let second: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(second["recorded"], false);
    assert_eq!(second["event_id"], id);
    assert_eq!(second["type"], "PartnershipFounded");
    assert_eq!(sandbox.event_count(), count);

    // The table form says so too.
    let table = sandbox.ok(&args[..args.len() - 2]);
    assert!(table.contains("already recorded"), "{table}");
    assert_eq!(sandbox.event_count(), count);
}

#[test]
fn reusing_an_id_for_another_partnership_is_refused() {
    let sandbox = Sandbox::new();
    let id = "0190a5d2-2222-7000-8000-000000000002";
    sandbox.record("found", "1993", &["--id", id]);
    let error = sandbox.fails(&[
        "found",
        CS,
        "Kaohsiung, TW",
        "--occurred",
        "1983",
        "--id",
        id,
    ]);
    assert!(error.contains(id), "{error}");
}

#[test]
fn cite_adds_sources_right_after_its_target() {
    let sandbox = Sandbox::new();
    let founded = sandbox.record("found", "1993", &[]);
    let suspended = sandbox.record("suspend", "2000", &[]);
    let cite = sandbox.json(&[
        "cite",
        &founded,
        "--source-title",
        "X",
        "--source-url",
        "https://example.org/x",
    ]);
    assert_eq!(cite["type"], "SourceCited");
    assert_eq!(cite["recorded"], true);
    assert_eq!(cite["partnership"], CS_SMOLENSK);
    let cite_id = cite["event_id"].as_str().expect("event_id").to_owned();

    let history = sandbox.history(&[CS_SMOLENSK]);
    let rows = events(&history);
    assert_eq!(
        strings(&history["events"], "event_id"),
        [founded.as_str(), cite_id.as_str(), suspended.as_str()]
    );
    let citation = &rows[1];
    assert_eq!(citation["type"], "SourceCited");
    assert_eq!(citation["target"], founded.as_str());
    assert_eq!(citation["sources"][0]["title"], "X");
    assert_eq!(citation["sources"][0]["url"], "https://example.org/x");
    // A citation changes no status.
    assert_eq!(citation["status_after"], Value::Null);
    assert_eq!(history["status"], "suspended");

    // A citation without a source is refused.
    let error = sandbox.fails(&["cite", &founded]);
    assert!(error.contains("--source-title"), "{error}");
}

#[test]
fn concurrent_writers_neither_lose_events_nor_found_twice() {
    let sandbox = founded_sandbox();
    let spawn = |args: &[&str]| {
        amity_in(sandbox.path())
            .arg("--store")
            .arg(&sandbox.store)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("amity starts")
    };

    // Attestations are always legal: every one of them must land.
    let years: Vec<String> = (2001..=2008).map(|year| year.to_string()).collect();
    let children: Vec<_> = years
        .iter()
        .map(|year| spawn(&["attest", CS, SMOLENSK, "--occurred", year]))
        .collect();
    for child in children {
        let run = Run::from(child.wait_with_output().expect("amity ends"));
        assert!(run.success, "{run:?}");
    }
    assert_eq!(sandbox.event_count(), 1 + years.len() as u64);

    // Only one of several simultaneous foundings of a new partnership may win.
    let children: Vec<_> = (0..6)
        .map(|_| spawn(&["found", "Paris, FR", "Rome, IT", "--occurred", "1956"]))
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|child| Run::from(child.wait_with_output().expect("amity ends")))
        .collect();
    assert_eq!(
        runs.iter().filter(|run| run.success).count(),
        1,
        "exactly one founding wins: {runs:?}"
    );
    for run in runs.iter().filter(|run| !run.success) {
        assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
        assert!(
            run.stderr.starts_with("error: impossible timeline"),
            "{run:?}"
        );
    }
    let paris = sandbox.json(&["status", "Paris, FR", "Rome, IT"]);
    assert_eq!(paris[0]["events"], 1, "{paris}");
}

// ---------------------------------------------------------------------------------------------
// Errors: one line, non-zero exit, nothing written (the table of cases is in `errors`).

#[test]
fn partners_by_name_in_its_country_finds_the_party_in_its_subdivision() {
    let sandbox = Sandbox::new();
    sandbox.example();
    // The name in its country is the one party of that name there.
    assert_eq!(
        sandbox.json(&["partners", "Colorado Springs, US"]),
        sandbox.json(&["partners", CS])
    );
    let error = sandbox.fails(&["partners", "Colorado Springs, RU"]);
    assert!(error.contains("ru:colorado-springs"), "{error}");
    assert!(
        error.contains("did you mean us-co:colorado-springs"),
        "{error}"
    );
    // The party key works as well as "Name, CC-SUB".
    assert_eq!(
        sandbox.json(&["partners", "us-co:colorado-springs"]),
        sandbox.json(&["partners", CS])
    );
}

#[test]
fn closed_stdout_ends_output_quietly() {
    let sandbox = Sandbox::new();
    sandbox.example();
    // Like `amity history … | head -0`: the reader goes away before amity writes.
    let mut child = amity_in(sandbox.path())
        .args(["--store", &sandbox.store, "history", CS, SMOLENSK])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("amity starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("amity ends");
    let run = Run::from(output);
    assert!(run.success, "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// Choosing the store.

#[test]
fn amity_store_environment_variable_names_the_ledger() {
    let sandbox = Sandbox::new();
    let path: PathBuf = sandbox.path().join("from-env.db");
    let url = format!("sqlite://{}", path.display());
    let run = Run::from(
        amity_in(sandbox.path())
            .env("AMITY_STORE", &url)
            .args(["found", CS, SMOLENSK, "--occurred", "1993"])
            .output()
            .expect("amity runs"),
    );
    assert!(run.success, "{run:?}");
    assert!(
        path.exists(),
        "AMITY_STORE should create {}",
        path.display()
    );
    assert!(
        !sandbox.path().join("amity.db").exists(),
        "the default store must not be used when AMITY_STORE is set"
    );
    assert!(!sandbox.path().join("ledger.db").exists());

    // The same ledger, read back through --store.
    let via_flag = Run::from(
        amity_in(sandbox.path())
            .args(["--store", &url, "status", "--format", "json"])
            .output()
            .expect("amity runs"),
    );
    assert!(via_flag.success, "{via_flag:?}");
    let rows: Value = serde_json::from_str(&via_flag.stdout).expect("JSON");
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["partnership"], CS_SMOLENSK);

    // --store wins over AMITY_STORE: it names a ledger that does not exist, and a reading
    // command says so instead of creating an empty one.
    let other = Run::from(
        amity_in(sandbox.path())
            .env("AMITY_STORE", &url)
            .args(["--store", &sandbox.store, "status", "--format", "json"])
            .output()
            .expect("amity runs"),
    );
    assert!(!other.success, "{other:?}");
    assert!(other.stderr.contains("no ledger at"), "{other:?}");
    assert!(other.stderr.contains("ledger.db"), "{other:?}");
    assert!(!sandbox.path().join("ledger.db").exists());
}

#[test]
fn default_store_is_amity_db_in_the_current_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = Run::from(
        amity_in(dir.path())
            .arg("example")
            .output()
            .expect("amity runs"),
    );
    assert!(run.success, "{run:?}");
    assert!(
        dir.path().join("amity.db").exists(),
        "amity.db should be created in the current folder"
    );
    let partners = Run::from(
        amity_in(dir.path())
            .args(["partners", CS])
            .output()
            .expect("amity runs"),
    );
    assert!(partners.success, "{partners:?}");
    assert!(
        partners.stdout.contains("Smolensk, RU"),
        "{}",
        partners.stdout
    );
}
