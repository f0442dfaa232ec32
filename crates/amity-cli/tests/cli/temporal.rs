//! End-to-end tests of the temporal queries: `status` and `partners` as of a date (valid time)
//! and as known at a moment (transaction time), `history --known-at`, and the projections that
//! answer them (catch-up after each recording, `amity rebuild`).

use serde_json::Value;

use super::{absent_or_null, events, strings, Sandbox, CS, CS_SMOLENSK, SMOLENSK};

const KAOHSIUNG: &str = "Kaohsiung, TW";
const CS_KAOHSIUNG: &str = "tw:kaohsiung+us-co:colorado-springs";

/// `status PARTNERSHIP ARGS… --format json`: its one element.
fn status_of(sandbox: &Sandbox, partnership: &str, args: &[&str]) -> Value {
    let mut all = vec!["status", partnership];
    all.extend_from_slice(args);
    let answer = sandbox.json(&all);
    let rows = answer.as_array().expect("status is an array");
    assert_eq!(
        rows.len(),
        1,
        "amity {all:?}: one answer expected: {answer}"
    );
    rows[0].clone()
}

/// The Colorado Springs–Smolensk status as of a date.
fn smolensk_as_of(sandbox: &Sandbox, as_of: &str) -> Value {
    status_of(sandbox, CS_SMOLENSK, &["--as-of", as_of])
}

/// Check a three-valued answer: status, certainty, the competing statuses (none when
/// definite: the field is left out), and `since` (`None`: null).
fn assert_answer(
    view: &Value,
    status: &str,
    certainty: &str,
    competing: &[&str],
    since: Option<&str>,
) {
    assert_eq!(view["status"], status, "{view}");
    assert_eq!(view["certainty"], certainty, "{view}");
    if competing.is_empty() {
        assert!(
            view.get("competing").is_none(),
            "a definite answer has no competing statuses: {view}"
        );
    } else {
        let listed: Vec<&str> = view["competing"]
            .as_array()
            .unwrap_or_else(|| panic!("competing is an array: {view}"))
            .iter()
            .map(|status| status.as_str().expect("a status"))
            .collect();
        assert_eq!(listed, competing, "{view}");
    }
    match since {
        Some(since) => assert_eq!(view["since"], since, "{view}"),
        None => assert_eq!(view["since"], Value::Null, "{view}"),
    }
}

/// The history entry with this id.
fn entry<'a>(history: &'a Value, event_id: &str) -> &'a Value {
    events(history)
        .iter()
        .find(|event| event["event_id"] == event_id)
        .unwrap_or_else(|| panic!("no entry {event_id} in the history: {history}"))
}

/// When the ledger stored an entry (its `recorded_at`, RFC 3339).
fn recorded_at(history: &Value, event_id: &str) -> String {
    entry(history, event_id)["recorded_at"]
        .as_str()
        .expect("recorded_at is a string")
        .to_owned()
}

/// Let the clock move on, so that what is recorded next has a later `recorded_at`.
fn let_time_pass() {
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

// ---------------------------------------------------------------------------------------------
// As of a date (valid time).

#[test]
fn as_of_is_three_valued_around_an_approximate_date() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    sandbox.record("suspend", "2022-03-03~", &[]);

    let before = smolensk_as_of(&sandbox, "1980");
    assert_answer(&before, "not_yet", "definite", &[], None);
    assert_eq!(before["as_of"], "1980");
    assert!(
        before.get("known_at").is_none(),
        "known_at only when asked: {before}"
    );
    assert_eq!(before["partnership"], CS_SMOLENSK);
    assert_eq!(before["events"], 2, "{before}");

    // Inside the founding year: it may or may not have been founded yet.
    let founding_year = smolensk_as_of(&sandbox, "1993-06-01");
    assert_answer(
        &founding_year,
        "active",
        "possible",
        &["not_yet", "active"],
        Some("1993"),
    );
    assert_eq!(founding_year["as_of"], "1993-06-01");

    assert_answer(
        &smolensk_as_of(&sandbox, "2021"),
        "active",
        "definite",
        &[],
        Some("1993"),
    );
    assert_answer(
        &smolensk_as_of(&sandbox, "2022-03-02"),
        "active",
        "definite",
        &[],
        Some("1993"),
    );

    // `~` does not widen the bounds: possible on the day itself, definite from the next one.
    assert_answer(
        &smolensk_as_of(&sandbox, "2022-03-03"),
        "suspended",
        "possible",
        &["active", "suspended"],
        Some("2022-03-03~"),
    );
    assert_answer(
        &smolensk_as_of(&sandbox, "2022-03-04"),
        "suspended",
        "definite",
        &[],
        Some("2022-03-03~"),
    );

    // A month asked about is every day of it.
    let march = smolensk_as_of(&sandbox, "2022-03");
    assert_answer(
        &march,
        "suspended",
        "possible",
        &["active", "suspended"],
        Some("2022-03-03~"),
    );
    assert_eq!(march["as_of"], "2022-03");
    assert_answer(
        &smolensk_as_of(&sandbox, "2022-04"),
        "suspended",
        "definite",
        &[],
        Some("2022-03-03~"),
    );

    // Without --as-of: the status now, definite, and no as_of field.
    let now = status_of(&sandbox, CS_SMOLENSK, &[]);
    assert_answer(&now, "suspended", "definite", &[], Some("2022-03-03~"));
    assert!(now.get("as_of").is_none(), "{now}");
    assert!(now.get("known_at").is_none(), "{now}");

    // The two parties name the same partnership as its id.
    let by_parties = sandbox.json(&["status", CS, SMOLENSK, "--as-of", "2022-03"]);
    assert_eq!(by_parties[0], march);

    // The table says what was asked and how sure the answer is.
    let table = sandbox.ok(&["status", CS, SMOLENSK, "--as-of", "2022-03"]);
    assert!(table.contains("status as of 2022-03"), "{table}");
    assert!(table.contains("possible (active or suspended)"), "{table}");

    // `partners` answers alike.
    let partners = sandbox.json(&["partners", CS, "--as-of", "2022-03"]);
    let rows = partners.as_array().expect("partners is an array");
    assert_eq!(rows.len(), 1, "{partners}");
    assert_answer(
        &rows[0],
        "suspended",
        "possible",
        &["active", "suspended"],
        Some("2022-03-03~"),
    );
    assert_eq!(rows[0]["founded"], "1993");
    let partners = sandbox.json(&["partners", SMOLENSK, "--as-of", "1980"]);
    assert_answer(&partners[0], "not_yet", "definite", &[], None);
    assert_eq!(partners[0]["partner"]["name"], "Colorado Springs");
}

#[test]
fn example_ledger_as_of_dates() {
    let sandbox = Sandbox::new();
    sandbox.example();

    assert_answer(
        &smolensk_as_of(&sandbox, "2021"),
        "active",
        "definite",
        &[],
        Some("1993"),
    );
    assert_answer(
        &smolensk_as_of(&sandbox, "2022-04"),
        "suspended",
        "definite",
        &[],
        Some("2022-03-03~"),
    );
    // The disputed termination drives nothing: it is not even a possibility.
    assert_answer(
        &smolensk_as_of(&sandbox, "2022-03-03"),
        "suspended",
        "possible",
        &["active", "suspended"],
        Some("2022-03-03~"),
    );

    // History shows the disputed "terminated" entry, while the status is suspended.
    let history = sandbox.history(&[CS_SMOLENSK]);
    assert_eq!(history["status"], "suspended");
    let terminated: Vec<&Value> = events(&history)
        .iter()
        .filter(|event| event["type"] == "PartnershipTerminated")
        .collect();
    assert_eq!(terminated.len(), 1, "{history}");
    assert_eq!(terminated[0]["disputed"], true);
    assert_eq!(terminated[0]["certainty"], "disputed");
    assert_eq!(terminated[0]["status_after"], Value::Null);
    assert_eq!(status_of(&sandbox, CS_SMOLENSK, &[])["status"], "suspended");

    // The directory of 1990: founded in 1962 and 1983, the others not yet.
    let partners = sandbox.json(&["partners", CS, "--as-of", "1990"]);
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
    assert_eq!(
        strings(&partners, "status"),
        ["active", "active", "not_yet", "not_yet", "not_yet", "not_yet", "not_yet"]
    );
    assert_eq!(
        strings(&partners, "since"),
        ["1962", "1983", "null", "null", "null", "null", "null"]
    );
    for row in rows {
        assert_eq!(row["certainty"], "definite", "{row}");
        assert!(row.get("competing").is_none(), "{row}");
    }
    let table = sandbox.ok(&["partners", CS, "--as-of", "1990"]);
    assert!(
        table
            .lines()
            .any(|line| line.contains("Kaohsiung, TW") && line.contains("active")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|line| line.contains("Smolensk, RU") && line.contains("not yet")),
        "{table}"
    );
}

#[test]
fn out_of_order_recording_answers_by_date() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    sandbox.record("terminate", "2005", &[]);
    // Recorded last, happened in between.
    sandbox.record("suspend", "1999", &[]);
    sandbox.ok(&["found", CS, KAOHSIUNG, "--occurred", "1983"]);

    assert_answer(
        &smolensk_as_of(&sandbox, "1998"),
        "active",
        "definite",
        &[],
        Some("1993"),
    );
    assert_answer(
        &smolensk_as_of(&sandbox, "1999"),
        "suspended",
        "possible",
        &["active", "suspended"],
        Some("1999"),
    );
    let in_2000 = smolensk_as_of(&sandbox, "2000");
    assert_answer(&in_2000, "suspended", "definite", &[], Some("1999"));
    let in_2006 = smolensk_as_of(&sandbox, "2006");
    assert_answer(&in_2006, "terminated", "definite", &[], Some("2005"));

    // The --party form gives the same answer for that partnership, from either side.
    for (party, count) in [(SMOLENSK, 1), (CS, 2)] {
        for (as_of, single) in [("2000", &in_2000), ("2006", &in_2006)] {
            let answer = sandbox.json(&["status", "--party", party, "--as-of", as_of]);
            let rows = answer.as_array().expect("status is an array");
            assert_eq!(rows.len(), count, "--party {party}: {answer}");
            let row = rows
                .iter()
                .find(|row| row["partnership"] == CS_SMOLENSK)
                .unwrap_or_else(|| panic!("--party {party}: no Smolensk row: {answer}"));
            assert_eq!(row, single, "--party {party} --as-of {as_of}");
        }
    }
    let kaohsiung = sandbox.json(&["status", "--party", CS, "--as-of", "2000"]);
    let kaohsiung = kaohsiung
        .as_array()
        .expect("status is an array")
        .iter()
        .find(|row| row["partnership"] == CS_KAOHSIUNG)
        .expect("the Kaohsiung row")
        .clone();
    assert_answer(&kaohsiung, "active", "definite", &[], Some("1983"));
}

/// The resolved order puts the founding before the suspension, so a suspension that
/// definitely happened by the date asked means the founding did too: the asof module says
/// "an event whose latest day is before the date definitely happened by then".
#[test]
fn as_of_after_a_definite_event_is_definite_even_when_an_earlier_one_is_vague() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "[1990,2010]", &[]);
    sandbox.record("suspend", "2000", &[]);
    let history = sandbox.history(&[CS_SMOLENSK]);
    assert_eq!(
        strings(&history["events"], "status_after"),
        ["active", "suspended"]
    );

    assert_answer(
        &smolensk_as_of(&sandbox, "1995"),
        "active",
        "possible",
        &["not_yet", "active"],
        Some("[1990,2010]"),
    );
    // In 2005 the suspension (2000) had definitely happened, and with it the founding.
    assert_answer(
        &smolensk_as_of(&sandbox, "2005"),
        "suspended",
        "definite",
        &[],
        Some("2000"),
    );
}

/// The mirror case: an event that definitely had not happened by the date asked holds back
/// every event resolved after it, however vague their dates.
#[test]
fn as_of_before_a_definite_event_excludes_what_must_follow_it() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    sandbox.record("suspend", "2008", &[]);
    // Only legal after the suspension: resolved after it, though its interval starts earlier.
    sandbox.record("terminate", "[2000,2010]", &[]);
    let history = sandbox.history(&[CS_SMOLENSK]);
    assert_eq!(history["status"], "terminated");

    assert_answer(
        &smolensk_as_of(&sandbox, "2009"),
        "terminated",
        "possible",
        &["suspended", "terminated"],
        Some("[2000,2010]"),
    );
    // In 2003 the suspension (2008) had definitely not happened, so neither had the
    // termination that follows it: active, for sure.
    assert_answer(
        &smolensk_as_of(&sandbox, "2003"),
        "active",
        "definite",
        &[],
        Some("1993"),
    );
}

// ---------------------------------------------------------------------------------------------
// As known at a moment (transaction time).

#[test]
fn known_at_before_and_after_a_retraction() {
    let sandbox = Sandbox::new();
    let founded = sandbox.record("found", "1993", &[]);
    let terminated = sandbox.record("terminate", "2022-03-09", &[]);
    let history = sandbox.history(&[CS_SMOLENSK]);
    let t0 = recorded_at(&history, &founded);
    let t1 = recorded_at(&history, &terminated);
    assert_ne!(t0, t1);

    let_time_pass();
    let retract = sandbox.json(&["retract", &terminated, "--reason", "misread"]);
    assert_eq!(retract["recorded"], true, "{retract}");
    let retraction = retract["event_id"].as_str().expect("event_id").to_owned();
    let current = sandbox.history(&[CS_SMOLENSK]);
    let t2 = recorded_at(&current, &retraction);
    assert_ne!(t1, t2);
    // Recording more does not change when the earlier entries were recorded.
    assert_eq!(recorded_at(&current, &terminated), t1);

    // What the ledger said right after the (wrong) termination.
    let then = status_of(&sandbox, CS_SMOLENSK, &["--known-at", &t1]);
    assert_answer(&then, "terminated", "definite", &[], Some("2022-03-09"));
    assert_eq!(then["known_at"], t1.as_str());
    assert_eq!(then["events"], 2, "{then}");
    assert!(then.get("as_of").is_none(), "{then}");

    // The moment is inclusive, to the microsecond: at the founding's own recording, only it.
    let first = status_of(&sandbox, CS_SMOLENSK, &["--known-at", &t0]);
    assert_answer(&first, "active", "definite", &[], Some("1993"));
    assert_eq!(first["events"], 1, "{first}");

    // After the retraction, and now.
    let after = status_of(&sandbox, CS_SMOLENSK, &["--known-at", &t2]);
    assert_answer(&after, "active", "definite", &[], Some("1993"));
    assert_eq!(after["known_at"], t2.as_str());
    assert_eq!(after["events"], 3, "{after}");
    let now = status_of(&sandbox, CS_SMOLENSK, &[]);
    assert_answer(&now, "active", "definite", &[], Some("1993"));
    assert_eq!(now["events"], 3, "{now}");
    assert!(now.get("known_at").is_none(), "{now}");

    // The same moment with an explicit offset.
    let with_offset = format!("{}+00:00", t1.trim_end_matches('Z'));
    assert_eq!(
        status_of(&sandbox, CS_SMOLENSK, &["--known-at", &with_offset]),
        then
    );

    // History as known then: the termination, not yet retracted.
    let history_then = sandbox.history(&[CS_SMOLENSK, "--known-at", &t1]);
    assert_eq!(history_then["status"], "terminated");
    assert_eq!(
        strings(&history_then["events"], "event_id"),
        [founded.as_str(), terminated.as_str()]
    );
    let termination_then = entry(&history_then, &terminated);
    assert_eq!(termination_then["retracted_by"], Value::Null);
    assert_eq!(termination_then["status_after"], "terminated");
    // History now: the termination is still there, retracted.
    assert_eq!(current["status"], "active");
    assert_eq!(
        strings(&current["events"], "event_id"),
        [founded.as_str(), terminated.as_str(), retraction.as_str()]
    );
    let termination_now = entry(&current, &terminated);
    assert_eq!(termination_now["retracted_by"], retraction.as_str());
    assert!(absent_or_null(termination_now, "status_after"));
    assert_eq!(
        sandbox.history(&[CS_SMOLENSK, "--known-at", &t2]),
        current,
        "known at the last recording is the history now"
    );

    // Both axes: the day after the termination, as known before and after the retraction.
    let both = status_of(
        &sandbox,
        CS_SMOLENSK,
        &["--as-of", "2022-03-10", "--known-at", &t1],
    );
    assert_answer(&both, "terminated", "definite", &[], Some("2022-03-09"));
    assert_eq!(both["as_of"], "2022-03-10");
    assert_eq!(both["known_at"], t1.as_str());
    assert_answer(
        &status_of(
            &sandbox,
            CS_SMOLENSK,
            &["--as-of", "2022-03-10", "--known-at", &t2],
        ),
        "active",
        "definite",
        &[],
        Some("1993"),
    );
    // Before the termination's date it was active, whatever was known.
    assert_answer(
        &status_of(
            &sandbox,
            CS_SMOLENSK,
            &["--as-of", "2022-03-08", "--known-at", &t1],
        ),
        "active",
        "definite",
        &[],
        Some("1993"),
    );
    assert_answer(
        &status_of(&sandbox, CS_SMOLENSK, &["--as-of", "2022-03-10"]),
        "active",
        "definite",
        &[],
        Some("1993"),
    );

    // `partners` and the table form take --known-at too.
    let partners = sandbox.json(&["partners", CS, "--known-at", &t1]);
    assert_answer(
        &partners[0],
        "terminated",
        "definite",
        &[],
        Some("2022-03-09"),
    );
    let partners = sandbox.json(&["partners", CS, "--known-at", &t2]);
    assert_answer(&partners[0], "active", "definite", &[], Some("1993"));
    let table = sandbox.ok(&[
        "status",
        CS_SMOLENSK,
        "--as-of",
        "2022-03-10",
        "--known-at",
        &t1,
    ]);
    assert!(
        table.contains(&format!("status as of 2022-03-10, as known at {t1}")),
        "{table}"
    );
    assert!(table.contains("terminated"), "{table}");

    // A date means the end of that day (UTC): today's date knows everything recorded today.
    let today = &t2[..10];
    let end_of_today = status_of(&sandbox, CS_SMOLENSK, &["--known-at", today]);
    assert_eq!(
        end_of_today["known_at"],
        format!("{today}T23:59:59.999999999Z")
    );
    assert_eq!(end_of_today["status"], "active", "{end_of_today}");
    assert_eq!(end_of_today["events"], 3, "{end_of_today}");

    // Before anything was recorded.
    let early = "2000-01-01";
    assert_eq!(
        sandbox.json(&["status", "--known-at", early]),
        Value::Array(vec![])
    );
    assert_eq!(
        sandbox.json(&["status", "--party", CS, "--known-at", early]),
        Value::Array(vec![])
    );
    let table = sandbox.ok(&["status", "--known-at", early]);
    assert!(table.contains("no partnership is recorded"), "{table}");
    let error = sandbox.fails(&["history", CS_SMOLENSK, "--known-at", early]);
    assert!(error.contains(CS_SMOLENSK), "{error}");
    let error = sandbox.fails(&["status", CS_SMOLENSK, "--known-at", early]);
    assert!(error.contains(CS_SMOLENSK), "{error}");
    let error = sandbox.fails(&["partners", CS, "--known-at", early]);
    assert!(error.contains("us-co:colorado-springs"), "{error}");
}

#[test]
fn known_at_in_the_future_answers_like_the_tables() {
    let sandbox = Sandbox::new();
    sandbox.example();
    // Without --known-at the answers come from the projection tables; with it, from the
    // events: the same, but for the moment echoed back.
    for as_of in [
        None,
        Some("1990"),
        Some("2022-03"),
        Some("2022-04"),
        Some("1993?"),
    ] {
        let mut args = vec!["status"];
        if let Some(as_of) = as_of {
            args.extend(["--as-of", as_of]);
        }
        let from_tables = sandbox.json(&args);
        args.extend(["--known-at", "2999-12-31T00:00:00Z"]);
        let mut from_events = sandbox.json(&args);
        for row in from_events.as_array_mut().expect("status is an array") {
            let known_at = row
                .as_object_mut()
                .expect("an object")
                .remove("known_at")
                .expect("known_at is echoed");
            assert_eq!(known_at, "2999-12-31T00:00:00Z");
        }
        assert_eq!(from_events, from_tables, "--as-of {as_of:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Projections: caught up on every read, rebuilt on demand.

/// The counts of `amity rebuild`'s one line:
/// `rebuilt projections: N events, M partnerships in S s (X events/s)`.
fn rebuild(sandbox: &Sandbox) -> (u64, u64) {
    let run = sandbox.run(&["rebuild"]);
    assert!(run.success, "rebuild failed: {run:?}");
    assert_eq!(
        run.stderr, "",
        "no progress bar when stderr is not a terminal"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {:?}", run.stdout);
    let line = lines[0];
    let parse = || -> Option<(u64, u64, f64, f64)> {
        let rest = line.strip_prefix("rebuilt projections: ")?;
        let (events, rest) = rest.split_once(" events, ")?;
        let (partnerships, rest) = rest.split_once(" partnerships in ")?;
        let (seconds, rest) = rest.split_once(" s (")?;
        let rate = rest.strip_suffix(" events/s)")?;
        let seconds_decimals = seconds.split_once('.')?.1;
        if seconds_decimals.len() != 2 || rate.contains('.') {
            return None;
        }
        Some((
            events.parse().ok()?,
            partnerships.parse().ok()?,
            seconds.parse().ok()?,
            rate.parse().ok()?,
        ))
    };
    let (events, partnerships, seconds, rate) =
        parse().unwrap_or_else(|| panic!("not the rebuild line: {line:?}"));
    assert!(seconds >= 0.0 && rate >= 0.0, "{line}");
    (events, partnerships)
}

#[test]
fn projections_catch_up_and_rebuild_to_the_same_answers() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    let first = status_of(&sandbox, CS_SMOLENSK, &[]);
    assert_eq!(first["status"], "active");
    assert_eq!(first["events"], 1);

    // Each read catches up with what was recorded since the previous one.
    sandbox.record("suspend", "2022-03-03~", &[]);
    let second = status_of(&sandbox, CS_SMOLENSK, &[]);
    assert_answer(&second, "suspended", "definite", &[], Some("2022-03-03~"));
    assert_eq!(second["events"], 2);
    assert_eq!(sandbox.json(&["partners", CS])[0]["status"], "suspended");
    assert_eq!(events(&sandbox.history(&[CS_SMOLENSK])).len(), 2);

    sandbox.ok(&["found", CS, KAOHSIUNG, "--occurred", "1983"]);
    let wrong = sandbox.json(&["terminate", CS, KAOHSIUNG, "--occurred", "2020"]);
    let wrong = wrong["event_id"].as_str().expect("event_id").to_owned();
    assert_eq!(
        status_of(&sandbox, CS_KAOHSIUNG, &[])["status"],
        "terminated"
    );
    sandbox.ok(&["retract", &wrong, "--reason", "misread"]);
    let kaohsiung = status_of(&sandbox, CS_KAOHSIUNG, &[]);
    assert_answer(&kaohsiung, "active", "definite", &[], Some("1983"));
    assert_eq!(kaohsiung["events"], 3);
    assert_eq!(sandbox.status().len(), 2);
    assert_eq!(sandbox.event_count(), 5);

    let reads: [&[&str]; 7] = [
        &["status", "--format", "json"],
        &["status"],
        &["status", "--as-of", "2022-03", "--format", "json"],
        &["status", "--party", CS, "--format", "json"],
        &["partners", CS, "--format", "json"],
        &["history", CS_KAOHSIUNG, "--format", "json"],
        &["history", CS_SMOLENSK],
    ];
    let before: Vec<String> = reads.iter().map(|args| sandbox.ok(args)).collect();

    assert_eq!(rebuild(&sandbox), (5, 2));
    let after: Vec<String> = reads.iter().map(|args| sandbox.ok(args)).collect();
    for ((args, before), after) in reads.iter().zip(&before).zip(&after) {
        assert_eq!(before, after, "amity {args:?} changed with the rebuild");
    }
    // Rebuilding again rebuilds the same.
    assert_eq!(rebuild(&sandbox), (5, 2));
    assert_eq!(sandbox.ok(reads[0]), before[0]);

    // After a rebuild, reads catch up again.
    sandbox.record("reinstate", "2024", &[]);
    let reinstated = status_of(&sandbox, CS_SMOLENSK, &[]);
    assert_answer(&reinstated, "active", "definite", &[], Some("2024"));
    assert_eq!(reinstated["events"], 3);
    assert_eq!(rebuild(&sandbox), (6, 2));
    assert_eq!(status_of(&sandbox, CS_SMOLENSK, &[]), reinstated);
}

#[test]
fn rebuild_of_the_example_ledger() {
    let sandbox = Sandbox::new();
    sandbox.example();
    // Rebuilding before any read built the projections.
    assert_eq!(rebuild(&sandbox), (25, 23));
    let status = sandbox.ok(&["status", "--format", "json"]);
    assert_eq!(rebuild(&sandbox), (25, 23));
    assert_eq!(sandbox.ok(&["status", "--format", "json"]), status);
    // Running the example again records nothing, and the rebuild counts the same.
    sandbox.example();
    assert_eq!(rebuild(&sandbox), (25, 23));
    assert_eq!(sandbox.ok(&["status", "--format", "json"]), status);
}
