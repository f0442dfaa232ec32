//! Given/when/then tests of the analyst views' rules (README "Analyst views"): histories built
//! in memory as domain events, turned into projection rows by `rows` (what the tables hold),
//! then asked for cohorts, outcomes in a window, changes and series. No store, no binary.
//!
//! The rules: the window includes FROM's first day and TO's last day; an event whose uncertain
//! date straddles an edge is `possible`; the end status is the status after TO's last day; a
//! decision is a driving suspension, termination, reinstatement or reaffirmation (disputed and
//! retracted ones are no decisions, and `changes` lists them flagged); a series point is the
//! status at the end of its step; a partnership whose set is {A, B} adds one to A's and one to
//! B's possible count. The CLI's end-to-end tests (`crates/amity-cli/tests/cli/analysis.rs`)
//! record the same 2022 scenario through the binary.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use amity_domain::event::Retraction;
use amity_domain::{Certainty, Event, EventId, Facts, Partnership, PartnershipKind, Recorded};
use amity_domain::{Status, Timeline};

use super::*;

use Certainty3::{Definite, Possible};
use Decision as D;
use EventType as T;
use Status as S;

/// When every event of these histories was recorded: an open date's latest day is capped here.
const RECORDED_AT: &str = "2026-12-01T00:00:00Z";

// ---------------------------------------------------------------------------------------------
// Givens: histories in memory.

/// One partnership's history, in recording order.
#[derive(Clone)]
struct Given {
    partnership: Arc<Partnership>,
    entries: Vec<Recorded>,
}

/// A sister-city partnership with no event yet.
fn given(a: &str, b: &str) -> Given {
    given_kind(a, b, "sister-city")
}

/// A partnership of a kind with no event yet.
fn given_kind(a: &str, b: &str, kind: &str) -> Given {
    let partnership = Partnership::new(
        a.parse().expect("a party"),
        b.parse().expect("a party"),
        PartnershipKind::new(kind),
    )
    .expect("two parties");
    Given {
        partnership: Arc::new(partnership),
        entries: Vec::new(),
    }
}

/// The id of the `index`-th entry recorded for a partnership: stable, distinct per stream.
fn event_id(partnership: &Partnership, index: usize) -> EventId {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    partnership.id().as_str().hash(&mut hasher);
    EventId::from_u128((u128::from(hasher.finish()) << 64) | index as u128)
}

impl Given {
    fn push(mut self, event: Event) -> Given {
        let index = self.entries.len();
        self.entries.push(Recorded {
            id: event_id(&self.partnership, index),
            partnership: self.partnership.id(),
            stream_version: index as u64,
            recorded_by: "test".into(),
            recorded_at: RECORDED_AT.parse().expect("a moment"),
            event,
        });
        self
    }

    fn with(self, event_type: EventType, occurred: &str, certainty: Certainty) -> Given {
        let facts = Facts {
            occurred: occurred.parse().expect("an EDTF date"),
            certainty,
            ..Facts::default()
        };
        let event = Event::lifecycle(event_type, self.partnership.clone(), facts);
        self.push(event)
    }

    /// A confirmed lifecycle event.
    fn event(self, event_type: EventType, occurred: &str) -> Given {
        self.with(event_type, occurred, Certainty::Confirmed)
    }

    /// A disputed lifecycle event: kept and shown, no effect.
    fn disputed(self, event_type: EventType, occurred: &str) -> Given {
        self.with(event_type, occurred, Certainty::Disputed)
    }

    /// Another source's version of the `index`-th entry (an alternative claim).
    fn alternative(self, index: usize, occurred: &str) -> Given {
        let target = self.id(index);
        let event_type = self.entries[index].event.event_type();
        let facts = Facts {
            occurred: occurred.parse().expect("an EDTF date"),
            ..Facts::default()
        };
        let event = Event::claim(event_type, self.partnership.clone(), facts, Some(target));
        self.push(event)
    }

    /// The retraction of the `index`-th entry.
    fn retract(self, index: usize) -> Given {
        let target = self.id(index);
        self.push(Event::Retracted(Retraction {
            target,
            reason: "misread".to_owned(),
            facts: Facts::default(),
        }))
    }

    /// The id of the `index`-th entry.
    fn id(&self, index: usize) -> EventId {
        event_id(&self.partnership, index)
    }

    /// The projection rows: status row and history, as the tables hold them.
    fn rows(&self) -> (StatusRow, Vec<TimelineRow>) {
        let timeline = Timeline::from_history(self.partnership.id(), self.entries.clone());
        let rows = rows::rows(&timeline).expect("a lifecycle event");
        (rows.status, rows.timeline)
    }

    /// A cohort member, as `Projections::members` builds it.
    fn member(&self) -> Member {
        let (row, timeline) = self.rows();
        Member::from_rows(&row, &timeline)
    }
}

/// A legal history's member (no conflict).
fn legal(given: &Given) -> Member {
    let member = given.member();
    assert!(!member.conflict, "{} breaks the rules", member.partnership);
    member
}

fn date(text: &str) -> EdtfDate {
    EdtfDate::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// The window FROM..TO, dates as written.
fn window(from: &str, to: &str) -> Window {
    Window {
        from: (from.to_owned(), date(from)),
        to: (to.to_owned(), date(to)),
    }
}

// The 2022 milestones, as dates.
const INVASION: &str = "2022-02-24";
const ROUNDTABLE: &str = "2022-03-22";

/// The scenario of the CLI's end-to-end tests: five published 2022 decisions about US–Russia
/// partnerships, an illustrative one known only to its month (Anytown–Gorodok), and
/// Chicago–Kyiv outside the US:RU cohort.
fn scenario() -> Vec<Given> {
    vec![
        given("Chicago, US-IL", "Moscow, RU")
            .event(T::PartnershipFounded, "1997")
            .event(T::PartnershipSuspended, "2022-03-01"),
        given("Chicago, US-IL", "Kyiv, UA").event(T::PartnershipFounded, "1991"),
        given("Tallahassee, US-FL", "Krasnodar, RU")
            .event(T::PartnershipFounded, "[1983,1984]")
            .event(T::PartnershipTerminated, "2022-03-09"),
        given("Roanoke, US-VA", "Pskov, RU")
            .event(T::PartnershipFounded, "1998?")
            .event(T::PartnershipReaffirmed, "2022-03-07"),
        given_kind("Santa Clara County, US-CA", "Moscow, RU", "sister-county")
            .event(T::PartnershipFounded, "1994")
            .event(T::PartnershipTerminated, "2022-03-22"),
        given("Durham, US-NC", "Kostroma, RU")
            .event(T::PartnershipFounded, "1991")
            .event(T::PartnershipSuspended, "2022-08-15"),
        given("Anytown, US-OR", "Gorodok, RU")
            .event(T::PartnershipFounded, "1992")
            .event(T::PartnershipSuspended, "2022-03"),
    ]
}

const CHICAGO_MOSCOW: &str = "ru:moscow+us-il:chicago";
const CHICAGO_KYIV: &str = "ua:kyiv+us-il:chicago";
const TALLAHASSEE_KRASNODAR: &str = "ru:krasnodar+us-fl:tallahassee";
const ROANOKE_PSKOV: &str = "ru:pskov+us-va:roanoke";
const SANTA_CLARA_MOSCOW: &str = "ru:moscow+us-ca:santa-clara-county";
const DURHAM_KOSTROMA: &str = "ru:kostroma+us-nc:durham";
const ANYTOWN_GORODOK: &str = "ru:gorodok+us-or:anytown";

fn us_ru() -> Cohort {
    Cohort {
        countries: Some(["US".to_owned(), "RU".to_owned()]),
        ..Cohort::default()
    }
}

/// The members of a cohort, as `Projections::members` selects them.
fn members_of(histories: &[Given], cohort: &Cohort) -> Vec<Member> {
    histories
        .iter()
        .filter(|given| cohort.matches(&given.rows().0))
        .map(legal)
        .collect()
}

/// A partnership's possible decisions, as a set.
fn decision_set(row: &OutcomeRow) -> Vec<Decision> {
    if row.competing_decisions.is_empty() {
        vec![row.decision]
    } else {
        row.competing_decisions.clone()
    }
}

/// A partnership's possible statuses at the end, as a set.
fn status_set(row: &OutcomeRow) -> Vec<Status> {
    if row.competing.is_empty() {
        vec![row.status]
    } else {
        row.competing.clone()
    }
}

/// Counts keyed by name, from (definite, possible) pairs in report order.
fn counts(names: &[&'static str], splits: [(u64, u64); 5]) -> BTreeMap<&'static str, Split> {
    names
        .iter()
        .zip(splits)
        .map(|(name, (definite, possible))| (*name, Split { definite, possible }))
        .collect()
}

/// `counts.decisions`: terminated, suspended, reinstated, reaffirmed, none.
fn decision_counts(splits: [(u64, u64); 5]) -> BTreeMap<&'static str, Split> {
    let names = [
        "terminated",
        "suspended",
        "reinstated",
        "reaffirmed",
        "none",
    ];
    counts(&names, splits)
}

/// `counts.statuses`: not yet, active, suspended, terminated, unknown.
fn status_counts(splits: [(u64, u64); 5]) -> BTreeMap<&'static str, Split> {
    let names = ["not_yet", "active", "suspended", "terminated", "unknown"];
    counts(&names, splits)
}

/// What one partnership adds to a count: nothing when the count's name is not in its set,
/// one definite when its set has one member, one possible when it has several.
fn one_count(in_set: bool, set_size: usize) -> Split {
    match (in_set, set_size) {
        (false, _) => Split::default(),
        (true, 1) => Split {
            definite: 1,
            possible: 0,
        },
        (true, _) => Split {
            definite: 0,
            possible: 1,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Cohorts.

#[test]
fn cohort_countries_are_two_alpha_2_codes_in_either_order_and_any_case() {
    /// The codes read, or fragments of the error.
    type Read = Result<[&'static str; 2], &'static [&'static str]>;
    let cases: [(&str, Read); 8] = [
        ("US:RU", Ok(["US", "RU"])),
        ("ru:us", Ok(["RU", "US"])),
        (" us : ru ", Ok(["US", "RU"])),
        ("USA:RU", Err(&["\"USA\"", "ISO 3166-1 alpha-2"])),
        ("US", Err(&["expected two country codes"])),
        ("US:R1", Err(&["\"R1\""])),
        ("US:RU:UA", Err(&["\"RU:UA\""])),
        ("", Err(&["expected two country codes"])),
    ];
    for (text, expected) in cases {
        match (Cohort::parse_countries(text), expected) {
            (Ok(codes), Ok(expected)) => assert_eq!(codes, expected, "{text:?}"),
            (Err(error), Err(fragments)) => {
                // A library message names no command-line flag (the CLI adds it).
                assert!(!error.contains("--"), "{text:?}: {error}");
                for fragment in fragments {
                    assert!(
                        error.contains(fragment),
                        "{text:?}: {error} lacks {fragment}"
                    );
                }
            }
            (answer, expected) => panic!("{text:?}: {answer:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn cohort_criteria_filter_and_combine() {
    let histories = scenario();
    let party = |text: &str| text.parse::<amity_domain::Party>().expect("a party").key();
    let cohort = |countries: Option<&str>,
                  party_key: Option<&str>,
                  region: Option<&str>,
                  kind: Option<&str>| Cohort {
        countries: countries.map(|text| Cohort::parse_countries(text).expect("codes")),
        party: party_key.map(party),
        region: region.map(str::to_owned),
        kind: kind.map(str::to_owned),
    };
    let us_ru_all = [
        ANYTOWN_GORODOK,
        DURHAM_KOSTROMA,
        TALLAHASSEE_KRASNODAR,
        SANTA_CLARA_MOSCOW,
        CHICAGO_MOSCOW,
        ROANOKE_PSKOV,
    ];
    let mut everything = us_ru_all.to_vec();
    everything.push(CHICAGO_KYIV);
    let chicago = "Chicago, US-IL";
    let moscow = "Moscow, RU";
    // (countries, party, region, kind) → the partnerships, and the cohort in words.
    let cases: Vec<(Cohort, Vec<&str>, &str)> = vec![
        (
            cohort(Some("US:RU"), None, None, None),
            us_ru_all.to_vec(),
            "US:RU",
        ),
        (
            cohort(Some("RU:US"), None, None, None),
            us_ru_all.to_vec(),
            "RU:US",
        ),
        (
            cohort(Some("US:UA"), None, None, None),
            vec![CHICAGO_KYIV],
            "US:UA",
        ),
        (cohort(Some("US:JP"), None, None, None), vec![], "US:JP"),
        (
            cohort(None, None, None, None),
            everything.clone(),
            "all partnerships",
        ),
        (
            cohort(None, None, Some("US-NC"), None),
            vec![DURHAM_KOSTROMA],
            "region US-NC",
        ),
        (
            cohort(None, None, Some("us-nc"), None),
            vec![DURHAM_KOSTROMA],
            "region us-nc",
        ),
        (
            cohort(None, None, Some("RU"), None),
            us_ru_all.to_vec(),
            "region RU",
        ),
        (
            cohort(None, Some(chicago), None, None),
            vec![CHICAGO_MOSCOW, CHICAGO_KYIV],
            "party us-il:chicago",
        ),
        (
            cohort(None, Some(moscow), None, None),
            vec![CHICAGO_MOSCOW, SANTA_CLARA_MOSCOW],
            "party ru:moscow",
        ),
        (
            cohort(None, None, None, Some("sister-county")),
            vec![SANTA_CLARA_MOSCOW],
            "kind sister-county",
        ),
        (
            cohort(Some("US:RU"), Some(chicago), None, None),
            vec![CHICAGO_MOSCOW],
            "US:RU, party us-il:chicago",
        ),
        (
            cohort(Some("RU:US"), None, Some("US-NC"), None),
            vec![DURHAM_KOSTROMA],
            "RU:US, region US-NC",
        ),
        (
            cohort(None, Some(moscow), None, Some("sister-county")),
            vec![SANTA_CLARA_MOSCOW],
            "party ru:moscow, kind sister-county",
        ),
        (
            cohort(None, Some(moscow), None, Some("sister-city")),
            vec![CHICAGO_MOSCOW],
            "party ru:moscow, kind sister-city",
        ),
        (
            cohort(Some("US:RU"), None, Some("US-CA"), Some("sister-county")),
            vec![SANTA_CLARA_MOSCOW],
            "US:RU, region US-CA, kind sister-county",
        ),
        (
            cohort(None, None, Some("US-NC"), Some("sister-county")),
            vec![],
            "region US-NC, kind sister-county",
        ),
        (
            cohort(Some("US:UA"), Some(moscow), None, None),
            vec![],
            "US:UA, party ru:moscow",
        ),
    ];
    for (cohort, mut expected, words) in cases {
        let mut found: Vec<String> = histories
            .iter()
            .map(Given::rows)
            .filter(|(row, _)| cohort.matches(row))
            .map(|(row, _)| row.partnership.to_string())
            .collect();
        found.sort();
        expected.sort();
        assert_eq!(found, expected, "{words}");
        assert_eq!(cohort.describe(), words);
    }
}

// ---------------------------------------------------------------------------------------------
// Outcomes: one partnership, one window.

/// One outcome case: given a history, when asked about a window, then the last decision and
/// the status at the end, as exact sets with their certainties.
struct OutcomeCase {
    name: &'static str,
    given: Given,
    window: (&'static str, &'static str),
    decisions: (&'static [Decision], Certainty3),
    /// The decision's event (the latest-dated of its type in the window): its date as written
    /// and whether it lies wholly or partly in the window.
    decision_event: Option<(&'static str, Certainty3)>,
    /// Every decision in the window, by date as written.
    in_window: &'static [&'static str],
    statuses: (&'static [Status], Certainty3),
}

fn outcome_cases() -> Vec<OutcomeCase> {
    let founded_1994 =
        || given("Santa Clara, US-CA", "Moscow, RU").event(T::PartnershipFounded, "1994");
    let anytown = || {
        given("Anytown, US-OR", "Gorodok, RU")
            .event(T::PartnershipFounded, "1992")
            .event(T::PartnershipSuspended, "2022-03")
    };
    vec![
        OutcomeCase {
            name: "a decision wholly inside the window",
            given: given("Chicago, US-IL", "Moscow, RU")
                .event(T::PartnershipFounded, "1997")
                .event(T::PartnershipSuspended, "2022-03-01"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Suspended], Definite),
            decision_event: Some(("2022-03-01", Definite)),
            in_window: &["2022-03-01"],
            statuses: (&[S::Suspended], Definite),
        },
        OutcomeCase {
            name: "a decision on TO's day is inside, and in effect at the end",
            given: founded_1994().event(T::PartnershipTerminated, "2022-03-22"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Terminated], Definite),
            decision_event: Some(("2022-03-22", Definite)),
            in_window: &["2022-03-22"],
            statuses: (&[S::Terminated], Definite),
        },
        OutcomeCase {
            name: "a decision on FROM's day is inside",
            given: founded_1994().event(T::PartnershipTerminated, "2022-02-24"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Terminated], Definite),
            decision_event: Some(("2022-02-24", Definite)),
            in_window: &["2022-02-24"],
            statuses: (&[S::Terminated], Definite),
        },
        OutcomeCase {
            name: "a decision the day before FROM is outside, its effect holds",
            given: founded_1994().event(T::PartnershipTerminated, "2022-02-23"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::None], Definite),
            decision_event: None,
            in_window: &[],
            statuses: (&[S::Terminated], Definite),
        },
        OutcomeCase {
            name: "a window ending the day before the decision",
            given: founded_1994().event(T::PartnershipTerminated, "2022-03-22"),
            window: (INVASION, "2022-03-21"),
            decisions: (&[D::None], Definite),
            decision_event: None,
            in_window: &[],
            statuses: (&[S::Active], Definite),
        },
        OutcomeCase {
            name: "a window starting the day after the decision",
            given: founded_1994().event(T::PartnershipTerminated, "2022-03-22"),
            window: ("2022-03-23", "2022-12-31"),
            decisions: (&[D::None], Definite),
            decision_event: None,
            in_window: &[],
            statuses: (&[S::Terminated], Definite),
        },
        OutcomeCase {
            name: "a window of the decision's day alone",
            given: founded_1994().event(T::PartnershipTerminated, "2022-03-22"),
            window: (ROUNDTABLE, ROUNDTABLE),
            decisions: (&[D::Terminated], Definite),
            decision_event: Some(("2022-03-22", Definite)),
            in_window: &["2022-03-22"],
            statuses: (&[S::Terminated], Definite),
        },
        OutcomeCase {
            name: "a month straddling TO: possibly the decision, possibly none",
            given: anytown(),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Suspended, D::None], Possible),
            decision_event: Some(("2022-03", Possible)),
            in_window: &["2022-03"],
            statuses: (&[S::Active, S::Suspended], Possible),
        },
        OutcomeCase {
            name: "a month straddling FROM: possibly the decision, definitely in effect at the end",
            given: anytown(),
            window: ("2022-03-23", "2022-12-31"),
            decisions: (&[D::Suspended, D::None], Possible),
            decision_event: Some(("2022-03", Possible)),
            in_window: &["2022-03"],
            statuses: (&[S::Suspended], Definite),
        },
        OutcomeCase {
            name: "a month straddling both edges of a one-day window",
            given: anytown(),
            window: (ROUNDTABLE, ROUNDTABLE),
            decisions: (&[D::Suspended, D::None], Possible),
            decision_event: Some(("2022-03", Possible)),
            in_window: &["2022-03"],
            statuses: (&[S::Active, S::Suspended], Possible),
        },
        OutcomeCase {
            name: "a month wholly inside a year-long window",
            given: anytown(),
            window: ("2022", "2022"),
            decisions: (&[D::Suspended], Definite),
            decision_event: Some(("2022-03", Definite)),
            in_window: &["2022-03"],
            statuses: (&[S::Suspended], Definite),
        },
        OutcomeCase {
            name: "a reaffirmation is a decision that keeps it active",
            given: given("Roanoke, US-VA", "Pskov, RU")
                .event(T::PartnershipFounded, "1998?")
                .event(T::PartnershipReaffirmed, "2022-03-07"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Reaffirmed], Definite),
            decision_event: Some(("2022-03-07", Definite)),
            in_window: &["2022-03-07"],
            statuses: (&[S::Active], Definite),
        },
        OutcomeCase {
            name: "an uncertain founding long before does not make the end uncertain",
            given: given("Tallahassee, US-FL", "Krasnodar, RU")
                .event(T::PartnershipFounded, "[1983,1984]")
                .event(T::PartnershipTerminated, "2022-03-09"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Terminated], Definite),
            decision_event: Some(("2022-03-09", Definite)),
            in_window: &["2022-03-09"],
            statuses: (&[S::Terminated], Definite),
        },
        OutcomeCase {
            name: "a decision after the window is no decision in it",
            given: given("Durham, US-NC", "Kostroma, RU")
                .event(T::PartnershipFounded, "1991")
                .event(T::PartnershipSuspended, "2022-08-15"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::None], Definite),
            decision_event: None,
            in_window: &[],
            statuses: (&[S::Active], Definite),
        },
        OutcomeCase {
            name: "the last of two decisions in the window",
            given: founded_1994()
                .event(T::PartnershipSuspended, "2022-03-01")
                .event(T::PartnershipReinstated, "2022-03-10"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Reinstated], Definite),
            decision_event: Some(("2022-03-10", Definite)),
            in_window: &["2022-03-01", "2022-03-10"],
            statuses: (&[S::Active], Definite),
        },
        OutcomeCase {
            name: "a reinstatement after a suspension before the window",
            given: founded_1994()
                .event(T::PartnershipSuspended, "2014")
                .event(T::PartnershipReinstated, "2022-03-05"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Reinstated], Definite),
            decision_event: Some(("2022-03-05", Definite)),
            in_window: &["2022-03-05"],
            statuses: (&[S::Active], Definite),
        },
        OutcomeCase {
            // The suspension may fall after the termination's day by its dates, but no legal
            // order puts it there: the termination is the last decision in every one.
            name: "only legal orders count: a suspension cannot follow the termination",
            given: founded_1994()
                .event(T::PartnershipSuspended, "2022-03")
                .event(T::PartnershipTerminated, "2022-03-15"),
            window: ("2022-03-10", "2022-03-20"),
            decisions: (&[D::Terminated], Definite),
            decision_event: Some(("2022-03-15", Definite)),
            in_window: &["2022-03", "2022-03-15"],
            statuses: (&[S::Terminated], Definite),
        },
        OutcomeCase {
            name: "a disputed termination is no decision",
            given: given("Colorado Springs, US-CO", "Smolensk, RU")
                .event(T::PartnershipFounded, "1993")
                .event(T::PartnershipSuspended, "2022-03-03~")
                .disputed(T::PartnershipTerminated, "2022-03-03~"),
            window: (INVASION, "2022-12-31"),
            decisions: (&[D::Suspended], Definite),
            decision_event: Some(("2022-03-03~", Definite)),
            in_window: &["2022-03-03~"],
            statuses: (&[S::Suspended], Definite),
        },
        OutcomeCase {
            name: "a retracted termination is no decision",
            given: given("Chicago, US-IL", "Moscow, RU")
                .event(T::PartnershipFounded, "1997")
                .event(T::PartnershipSuspended, "2022-03-01")
                .event(T::PartnershipTerminated, "2022-04-02")
                .retract(2),
            window: (INVASION, "2022-12-31"),
            decisions: (&[D::Suspended], Definite),
            decision_event: Some(("2022-03-01", Definite)),
            in_window: &["2022-03-01"],
            statuses: (&[S::Suspended], Definite),
        },
        OutcomeCase {
            name: "a qualified day is that day: definite from the next",
            given: given("Colorado Springs, US-CO", "Smolensk, RU")
                .event(T::PartnershipFounded, "1993")
                .event(T::PartnershipSuspended, "2022-03-03~"),
            window: ("2022-03-04", "2022-03-04"),
            decisions: (&[D::None], Definite),
            decision_event: None,
            in_window: &[],
            statuses: (&[S::Suspended], Definite),
        },
        OutcomeCase {
            name: "an undated decision recorded later is possibly in any window before",
            given: founded_1994().event(T::PartnershipTerminated, "unknown"),
            window: (INVASION, ROUNDTABLE),
            decisions: (&[D::Terminated, D::None], Possible),
            decision_event: Some(("unknown", Possible)),
            in_window: &["unknown"],
            statuses: (&[S::Active, S::Terminated], Possible),
        },
        OutcomeCase {
            name: "a pair known from a list alone: possibly not yet founded before it",
            given: given("Denver, US-CO", "Brest, FR").event(T::PartnershipAttested, "2022-03"),
            window: ("2021", "2021"),
            decisions: (&[D::None], Definite),
            decision_event: None,
            in_window: &[],
            statuses: (&[S::NotYet, S::Active], Possible),
        },
    ]
}

#[test]
fn outcome_in_a_window_is_the_last_decision_and_the_status_after_its_last_day() {
    for case in outcome_cases() {
        let name = case.name;
        let member = legal(&case.given);
        let answer = outcomes(
            vec![member],
            &Cohort::default(),
            &window(case.window.0, case.window.1),
        )
        .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(answer.cohort_size, 1, "{name}");
        let row = &answer.partnerships[0];
        assert_eq!(
            (decision_set(row), row.decision_certainty),
            (case.decisions.0.to_vec(), case.decisions.1),
            "{name}: decision"
        );
        assert_eq!(
            row.decision, case.decisions.0[0],
            "{name}: the first in report order"
        );
        assert_eq!(
            row.decision_event.as_ref().map(|event| (
                event.occurred.as_deref().unwrap_or("unknown"),
                event.in_window
            )),
            case.decision_event,
            "{name}: decision event"
        );
        if let Some(event) = &row.decision_event {
            let event_type = EventType::from_name(&event.event_type).expect("a type");
            assert_eq!(Decision::of(event_type), Some(row.decision), "{name}");
        }
        let in_window: Vec<&str> = row
            .decisions_in_window
            .iter()
            .map(|event| event.occurred.as_deref().unwrap_or("unknown"))
            .collect();
        assert_eq!(in_window, case.in_window, "{name}: decisions in the window");
        assert_eq!(
            (status_set(row), row.status_certainty),
            (case.statuses.0.to_vec(), case.statuses.1),
            "{name}: status at the end"
        );
        // The status shown is the furthest along; each possible member counts once.
        assert_eq!(
            row.status,
            *case.statuses.0.last().expect("a status"),
            "{name}"
        );
        for (name_of, split) in &answer.counts.decisions {
            let in_set = case.decisions.0.iter().any(|d| d.name() == *name_of);
            let expected = one_count(in_set, case.decisions.0.len());
            assert_eq!(*split, expected, "{name}: decision count {name_of}");
        }
        for (name_of, split) in &answer.counts.statuses {
            let in_set = case.statuses.0.iter().any(|s| s.name() == *name_of);
            let expected = one_count(in_set, case.statuses.0.len());
            assert_eq!(*split, expected, "{name}: status count {name_of}");
        }
    }
}

#[test]
fn the_status_event_is_the_event_that_set_the_status_at_the_end() {
    let santa_clara = given_kind("Santa Clara County, US-CA", "Moscow, RU", "sister-county")
        .event(T::PartnershipFounded, "1994")
        .event(T::PartnershipTerminated, "2022-03-22");
    let cases = [
        ((INVASION, ROUNDTABLE), Some(santa_clara.id(1))),
        ((INVASION, "2022-03-21"), Some(santa_clara.id(0))),
        (("1990", "1993"), None),
    ];
    for ((from, to), expected) in cases {
        let answer = outcomes(vec![legal(&santa_clara)], &us_ru(), &window(from, to)).unwrap();
        let row = &answer.partnerships[0];
        assert_eq!(
            row.status_event,
            expected.map(|id| id.to_string()),
            "{from}..{to}"
        );
        if let Some(event) = &row.decision_event {
            assert_eq!(event.event_id, santa_clara.id(1).to_string());
            assert_eq!(event.event_type, "PartnershipTerminated");
        }
    }
}

#[test]
fn a_history_that_breaks_the_rules_counts_as_possibly_unknown() {
    // Stored before today's rules: a suspension after the termination, both confirmed.
    let broken = given("Paris, FR", "Rome, IT")
        .event(T::PartnershipFounded, "1956")
        .event(T::PartnershipTerminated, "2000")
        .event(T::PartnershipSuspended, "2010");
    let member = broken.member();
    assert!(member.conflict, "the history is impossible");
    let answer = outcomes(
        vec![member.clone()],
        &Cohort::default(),
        &window("2000", "2010"),
    )
    .unwrap();
    let row = &answer.partnerships[0];
    assert_eq!(
        (
            row.decision,
            row.decision_certainty,
            row.status,
            row.status_certainty
        ),
        (D::None, Possible, S::Unknown, Possible)
    );
    assert_eq!(
        answer.counts.decisions,
        decision_counts([(0, 0), (0, 0), (0, 0), (0, 0), (0, 1)])
    );
    assert_eq!(
        answer.counts.statuses,
        status_counts([(0, 0), (0, 0), (0, 0), (0, 0), (0, 1)])
    );
    let points = series(&[member], &[date("2005")]).unwrap();
    assert_eq!(
        points[0].counts,
        status_counts([(0, 0), (0, 0), (0, 0), (0, 0), (0, 1)])
    );
}

// ---------------------------------------------------------------------------------------------
// Outcomes of a cohort: the counts.

#[test]
fn cohort_counts_add_each_possible_member_to_every_count_it_may_be_in() {
    let histories = scenario();
    // (window, decision counts, status counts), each (definite, possible) in report order.
    type Splits = [(u64, u64); 5];
    let cases: [((&str, &str), Splits, Splits); 3] = [
        (
            // Anytown's March suspension straddles the end: possibly suspended, possibly none
            // (a decision); possibly active, possibly suspended (at the end).
            (INVASION, ROUNDTABLE),
            [(2, 0), (1, 1), (0, 0), (1, 0), (1, 1)],
            [(0, 0), (2, 1), (1, 1), (2, 0), (0, 0)],
        ),
        (
            ("2022-03-23", "2022-12-31"),
            [(0, 0), (1, 1), (0, 0), (0, 0), (4, 1)],
            [(0, 0), (1, 0), (3, 0), (2, 0), (0, 0)],
        ),
        (
            ("2022", "2022"),
            [(2, 0), (3, 0), (0, 0), (1, 0), (0, 0)],
            [(0, 0), (1, 0), (3, 0), (2, 0), (0, 0)],
        ),
    ];
    for ((from, to), decisions, statuses) in cases {
        let answer = outcomes(
            members_of(&histories, &us_ru()),
            &us_ru(),
            &window(from, to),
        )
        .unwrap();
        assert_eq!(answer.cohort, "US:RU");
        assert_eq!(answer.cohort_size, 6, "Chicago–Kyiv is not US:RU");
        assert_eq!((answer.from.as_str(), answer.to.as_str()), (from, to));
        assert_eq!(
            answer.counts.decisions,
            decision_counts(decisions),
            "{from}..{to}"
        );
        assert_eq!(
            answer.counts.statuses,
            status_counts(statuses),
            "{from}..{to}"
        );
    }
    // The window's days: FROM's first, TO's last.
    let answer = outcomes(Vec::new(), &us_ru(), &window("2022-03", "2022")).unwrap();
    assert_eq!(
        (answer.first_day.as_str(), answer.last_day.as_str()),
        ("2022-03-01", "2022-12-31")
    );
    assert_eq!(answer.cohort_size, 0);
}

// ---------------------------------------------------------------------------------------------
// Changes.

/// One change as the test sees it: partnership, type, date as written, in the window, flag.
type Seen = (String, String, String, Certainty3, &'static str);

fn seen(changes: &[Change]) -> Vec<Seen> {
    changes
        .iter()
        .map(|change| {
            let flag = match (change.event.disputed, &change.event.retracted_by) {
                (true, None) => "disputed",
                (false, Some(_)) => "retracted",
                (false, None) => "",
                (true, Some(_)) => "disputed and retracted",
            };
            (
                change.partnership.to_string(),
                change.event.event_type.to_string(),
                change
                    .event
                    .occurred
                    .as_deref()
                    .unwrap_or("unknown")
                    .to_owned(),
                change.in_window,
                flag,
            )
        })
        .collect()
}

#[test]
fn changes_list_each_event_dated_in_the_window_definite_or_possible() {
    let chicago = || given("Chicago, US-IL", "Moscow, RU").event(T::PartnershipFounded, "1997");
    // Given one history, when asked about a window: the changes (type, date, in window, flag).
    type Case = (
        &'static str,
        Given,
        (&'static str, &'static str),
        Vec<(&'static str, &'static str, Certainty3, &'static str)>,
    );
    let cases: Vec<Case> = vec![
        (
            "wholly inside, on FROM's and TO's days",
            chicago()
                .event(T::PartnershipSuspended, INVASION)
                .event(T::PartnershipReinstated, "2022-03-10")
                .event(T::PartnershipTerminated, ROUNDTABLE),
            (INVASION, ROUNDTABLE),
            vec![
                ("PartnershipSuspended", INVASION, Definite, ""),
                ("PartnershipReinstated", "2022-03-10", Definite, ""),
                ("PartnershipTerminated", ROUNDTABLE, Definite, ""),
            ],
        ),
        (
            "the day before FROM and the day after TO are outside",
            chicago()
                .event(T::PartnershipSuspended, "2022-02-23")
                .event(T::PartnershipTerminated, "2022-03-23"),
            (INVASION, ROUNDTABLE),
            vec![],
        ),
        (
            "a month straddling TO is possible",
            chicago().event(T::PartnershipSuspended, "2022-03"),
            (INVASION, ROUNDTABLE),
            vec![("PartnershipSuspended", "2022-03", Possible, "")],
        ),
        (
            "a month straddling FROM is possible",
            chicago().event(T::PartnershipSuspended, "2022-03"),
            ("2022-03-23", "2022-12"),
            vec![("PartnershipSuspended", "2022-03", Possible, "")],
        ),
        (
            "a month inside a year is definite",
            chicago().event(T::PartnershipSuspended, "2022-03"),
            ("2022", "2022"),
            vec![("PartnershipSuspended", "2022-03", Definite, "")],
        ),
        (
            "a founding is a change too",
            chicago(),
            ("1997", "1997"),
            vec![("PartnershipFounded", "1997", Definite, "")],
        ),
        (
            "an undated event is possible before its recording",
            chicago().event(T::PartnershipSuspended, "unknown"),
            ("2022", "2022"),
            vec![("PartnershipSuspended", "unknown", Possible, "")],
        ),
        (
            "a disputed event is listed, flagged",
            chicago()
                .event(T::PartnershipSuspended, "2022-03-03~")
                .disputed(T::PartnershipTerminated, "2022-03-03~"),
            (INVASION, "2022-12"),
            vec![
                ("PartnershipSuspended", "2022-03-03~", Definite, ""),
                ("PartnershipTerminated", "2022-03-03~", Definite, "disputed"),
            ],
        ),
        (
            "an alternative claim dated in the window is a change too",
            chicago()
                .event(T::PartnershipSuspended, "2022-01")
                .alternative(1, "2022-03-05"),
            (INVASION, ROUNDTABLE),
            vec![("PartnershipSuspended", "2022-03-05", Definite, "")],
        ),
        (
            "a retracted claim is listed, flagged, beside the alternative that stands",
            chicago()
                .event(T::PartnershipSuspended, "2022-03-01")
                .alternative(1, "2022-03-05")
                .retract(1),
            (INVASION, ROUNDTABLE),
            vec![
                ("PartnershipSuspended", "2022-03-01", Definite, "retracted"),
                ("PartnershipSuspended", "2022-03-05", Definite, ""),
            ],
        ),
        (
            "a retracted event is listed, flagged; the retraction is not a change",
            chicago()
                .event(T::PartnershipSuspended, "2022-03-01")
                .event(T::PartnershipTerminated, "2022-04-02")
                .retract(2),
            (INVASION, "2022-12"),
            vec![
                ("PartnershipSuspended", "2022-03-01", Definite, ""),
                ("PartnershipTerminated", "2022-04-02", Definite, "retracted"),
            ],
        ),
    ];
    for (name, history, (from, to), expected) in cases {
        let pairs = vec![history.rows()];
        let found = changes(pairs.clone(), &Cohort::default(), &window(from, to));
        let partnership = history.partnership.id().to_string();
        let expected: Vec<Seen> = expected
            .into_iter()
            .map(|(event_type, occurred, in_window, flag)| {
                (
                    partnership.clone(),
                    event_type.to_owned(),
                    occurred.to_owned(),
                    in_window,
                    flag,
                )
            })
            .collect();
        assert_eq!(seen(&found), expected, "{name}");
    }
}

#[test]
fn changes_of_a_cohort_come_in_valid_time_order() {
    let mut histories = scenario();
    // A wrong report that Chicago ended the relationship, recorded and then retracted, and the
    // disputed termination of Colorado Springs–Smolensk.
    histories[0] = histories[0]
        .clone()
        .event(T::PartnershipTerminated, "2022-04-02")
        .retract(2);
    histories.push(
        given("Colorado Springs, US-CO", "Smolensk, RU")
            .event(T::PartnershipFounded, "1993")
            .event(T::PartnershipSuspended, "2022-03-03~")
            .disputed(T::PartnershipTerminated, "2022-03-03~"),
    );
    let pairs: Vec<_> = histories.iter().map(Given::rows).collect();
    let cs_smolensk = "ru:smolensk+us-co:colorado-springs";
    let listed = seen(&changes(
        pairs.clone(),
        &us_ru(),
        &window("2022-02-24", "2022-12"),
    ));
    let expected = [
        (CHICAGO_MOSCOW, "PartnershipSuspended", "2022-03-01", ""),
        (ANYTOWN_GORODOK, "PartnershipSuspended", "2022-03", ""),
        (cs_smolensk, "PartnershipSuspended", "2022-03-03~", ""),
        (
            cs_smolensk,
            "PartnershipTerminated",
            "2022-03-03~",
            "disputed",
        ),
        (ROANOKE_PSKOV, "PartnershipReaffirmed", "2022-03-07", ""),
        (
            TALLAHASSEE_KRASNODAR,
            "PartnershipTerminated",
            "2022-03-09",
            "",
        ),
        (
            SANTA_CLARA_MOSCOW,
            "PartnershipTerminated",
            "2022-03-22",
            "",
        ),
        (
            CHICAGO_MOSCOW,
            "PartnershipTerminated",
            "2022-04-02",
            "retracted",
        ),
        (DURHAM_KOSTROMA, "PartnershipSuspended", "2022-08-15", ""),
    ]
    .map(|(partnership, event_type, occurred, flag)| {
        (
            partnership.to_owned(),
            event_type.to_owned(),
            occurred.to_owned(),
            Definite,
            flag,
        )
    });
    assert_eq!(listed, expected);

    // Up to the roundtable: Anytown's March straddles the end, Durham's August is outside.
    let up_to = seen(&changes(
        pairs.clone(),
        &us_ru(),
        &window(INVASION, ROUNDTABLE),
    ));
    let anytown: Vec<_> = up_to
        .iter()
        .filter(|change| change.0 == ANYTOWN_GORODOK)
        .collect();
    assert_eq!(anytown.len(), 1);
    assert_eq!(anytown[0].3, Possible);
    assert!(!up_to.iter().any(|change| change.0 == DURHAM_KOSTROMA));

    // Without a cohort: every partnership's events in the window.
    let founded_1991 = seen(&changes(
        pairs.clone(),
        &Cohort::default(),
        &window("1991", "1991"),
    ));
    let partnerships: Vec<&str> = founded_1991
        .iter()
        .map(|change| change.0.as_str())
        .collect();
    assert_eq!(partnerships, [DURHAM_KOSTROMA, CHICAGO_KYIV]);
}

// ---------------------------------------------------------------------------------------------
// Series.

#[test]
fn steps_run_from_the_first_to_the_last_inclusive() {
    let cases: [(&str, &str, Step, &[&str]); 7] = [
        ("1990", "1992", Step::Year, &["1990", "1991", "1992"]),
        ("2022", "2022", Step::Year, &["2022"]),
        ("2022-03", "2022-03", Step::Year, &["2022"]),
        (
            "2021-11",
            "2022-02",
            Step::Month,
            &["2021-11", "2021-12", "2022-01", "2022-02"],
        ),
        // Milestones are days: the months that hold them.
        (INVASION, ROUNDTABLE, Step::Month, &["2022-02", "2022-03"]),
        (
            "2022",
            "2022",
            Step::Month,
            &[
                "2022-01", "2022-02", "2022-03", "2022-04", "2022-05", "2022-06", "2022-07",
                "2022-08", "2022-09", "2022-10", "2022-11", "2022-12",
            ],
        ),
        ("2024", "1990", Step::Year, &[]),
    ];
    for (from, to, step, expected) in cases {
        let found: Vec<String> = steps(&date(from), &date(to), step)
            .iter()
            .map(|date| date.as_str().to_owned())
            .collect();
        assert_eq!(found, expected, "{from}..{to} {step:?}");
    }
}

#[test]
fn a_series_point_is_the_status_at_the_end_of_its_step() {
    // Given one history, the point of each step: (step, as of, statuses, certainty).
    type Case = (
        &'static str,
        Given,
        Vec<(&'static str, &'static str, &'static [Status], Certainty3)>,
    );
    let cases: Vec<Case> = vec![
        (
            "a suspension on the first day of the next step is not in this one",
            given("Chicago, US-IL", "Moscow, RU")
                .event(T::PartnershipFounded, "1997")
                .event(T::PartnershipSuspended, "2022-03-01"),
            vec![
                ("1996", "1997-01-01", &[S::NotYet], Definite),
                ("1997", "1998-01-01", &[S::Active], Definite),
                ("2021", "2022-01-01", &[S::Active], Definite),
                ("2022-02", "2022-03-01", &[S::Active], Definite),
                ("2022-03", "2022-04-01", &[S::Suspended], Definite),
                ("2022", "2023-01-01", &[S::Suspended], Definite),
            ],
        ),
        (
            "a founding in 1983 or 1984: possibly at the end of 1983",
            given("Tallahassee, US-FL", "Krasnodar, RU")
                .event(T::PartnershipFounded, "[1983,1984]"),
            vec![
                ("1982", "1983-01-01", &[S::NotYet], Definite),
                ("1983", "1984-01-01", &[S::NotYet, S::Active], Possible),
                ("1984", "1985-01-01", &[S::Active], Definite),
            ],
        ),
        (
            "a month-dated suspension: decided at the end of its month",
            given("Anytown, US-OR", "Gorodok, RU")
                .event(T::PartnershipFounded, "1992")
                .event(T::PartnershipSuspended, "2022-03"),
            vec![
                ("2022-02", "2022-03-01", &[S::Active], Definite),
                ("2022-03", "2022-04-01", &[S::Suspended], Definite),
            ],
        ),
        (
            "a pair known from a list alone: possibly not yet before the list",
            given("Denver, US-CO", "Brest, FR").event(T::PartnershipAttested, "2022-03"),
            vec![
                ("2021", "2022-01-01", &[S::NotYet, S::Active], Possible),
                ("2022", "2023-01-01", &[S::Active], Definite),
            ],
        ),
    ];
    for (name, history, points) in cases {
        let member = legal(&history);
        for (step, as_of, statuses, certainty) in points {
            let found = series(std::slice::from_ref(&member), &[date(step)]).unwrap();
            assert_eq!(found.len(), 1);
            let several = if statuses.len() == 1 {
                Definite
            } else {
                Possible
            };
            assert_eq!(certainty, several, "{name}: {step}: the table itself");
            assert_eq!(
                (found[0].step.as_str(), found[0].as_of.as_str()),
                (step, as_of),
                "{name}"
            );
            let expected: BTreeMap<&str, Split> = STATUSES
                .iter()
                .map(|status| {
                    let split = one_count(statuses.contains(status), statuses.len());
                    (status.name(), split)
                })
                .collect();
            assert_eq!(found[0].counts, expected, "{name}: {step}");
        }
    }
}

#[test]
fn a_yearly_series_of_the_scenario_counts_every_partnership_once() {
    let members = members_of(&scenario(), &us_ru());
    let years = steps(&date("1990"), &date("2024"), Step::Year);
    let points = series(&members, &years).unwrap();
    assert_eq!(points.len(), 35);
    for point in &points {
        let total: u64 = point.counts.values().map(|s| s.definite + s.possible).sum();
        assert_eq!(total, 6, "{}", point.step);
    }
    let at = |step: &str| points.iter().find(|p| p.step == step).expect("a step");
    assert_eq!(at("1990").as_of, "1991-01-01");
    assert_eq!(
        at("1990").counts,
        status_counts([(5, 0), (1, 0), (0, 0), (0, 0), (0, 0)])
    );
    assert_eq!(
        at("2021").counts,
        status_counts([(0, 0), (6, 0), (0, 0), (0, 0), (0, 0)])
    );
    assert_eq!(at("2022").as_of, "2023-01-01");
    assert_eq!(
        at("2022").counts,
        status_counts([(0, 0), (1, 0), (3, 0), (2, 0), (0, 0)])
    );
    assert_eq!(at("2024").counts, at("2022").counts);

    let months = steps(&date("2022-01"), &date("2022-12"), Step::Month);
    let points = series(&members, &months).unwrap();
    let at = |step: &str| points.iter().find(|p| p.step == step).expect("a step");
    assert_eq!(
        at("2022-02").counts,
        status_counts([(0, 0), (6, 0), (0, 0), (0, 0), (0, 0)])
    );
    assert_eq!(at("2022-03").as_of, "2022-04-01");
    assert_eq!(
        at("2022-03").counts,
        status_counts([(0, 0), (2, 0), (2, 0), (2, 0), (0, 0)])
    );
    assert_eq!(at("2022-07").counts, at("2022-03").counts);
    assert_eq!(
        at("2022-08").counts,
        status_counts([(0, 0), (1, 0), (3, 0), (2, 0), (0, 0)])
    );

    // Tallahassee–Krasnodar, founded 1983 or 1984: one possible active count at the end of 1983.
    let early = series(&members, &[date("1983"), date("1984")]).unwrap();
    assert_eq!(
        early[0].counts["active"],
        Split {
            definite: 0,
            possible: 1
        }
    );
    assert_eq!(
        early[0].counts["not_yet"],
        Split {
            definite: 5,
            possible: 1
        }
    );
    assert_eq!(
        early[1].counts["active"],
        Split {
            definite: 1,
            possible: 0
        }
    );
}

// ---------------------------------------------------------------------------------------------
// `changes_of` against a plain reference, on random histories.

/// The reference for [`changes_of`]: every lifecycle entry whose span meets the window (an
/// entry other claims are alternatives to is dated by its own claim), each made whole, then
/// sorted by span, partnership and place in the history.
fn reference_changes(lifecycles: Vec<Lifecycle>, window: &Window) -> Vec<Change> {
    let mut found: Vec<((Day, Day), Change)> = Vec::new();
    for lifecycle in lifecycles {
        let claimed: Vec<&str> = lifecycle
            .entries
            .iter()
            .filter_map(TimelineRow::alternative_to)
            .collect();
        for event in &lifecycle.entries {
            let span = if claimed.contains(&event.event_id.as_str()) {
                match event.occurred.as_deref().map(EdtfDate::parse) {
                    Some(Ok(own)) => (own.earliest(), own.latest()),
                    _ => (Day::Past, Day::Future),
                }
            } else {
                (
                    crate::rows::parse_day(event.earliest.as_deref(), Day::Past),
                    crate::rows::parse_day(event.latest.as_deref(), Day::Future),
                )
            };
            if let Some(in_window) = window.contains(span.0, span.1) {
                let change = Change {
                    partnership: lifecycle.partnership.clone(),
                    parties: lifecycle.parties.clone(),
                    in_window,
                    event: event.clone(),
                };
                found.push((span, change));
            }
        }
    }
    found.sort_by(|(a_span, a), (b_span, b)| {
        (a_span, &a.partnership, a.event.seq).cmp(&(b_span, &b.partnership, b.event.seq))
    });
    found.into_iter().map(|(_, change)| change).collect()
}

/// One step of a random history: a lifecycle event (disputed or not), an alternative claim to
/// an earlier entry, or the retraction of one.
fn history_step() -> impl proptest::strategy::Strategy<Value = (u8, usize, usize, usize)> {
    (0..4u8, 0..6usize, 0..8usize, 0..8usize)
}

/// Random histories (see [`history_step`]), one for each pair of parties of a small US–RU
/// cohort, each founded in 1990.
fn givens_of(histories: &[Vec<(u8, usize, usize, usize)>]) -> Vec<Given> {
    let pairs = [
        ("Chicago, US-IL", "Moscow, RU"),
        ("Colorado Springs, US-CO", "Smolensk, RU"),
        ("Roanoke, US-VA", "Pskov, RU"),
        ("Anytown, US", "Gorodok, RU"),
        ("Tallahassee, US-FL", "Krasnodar, RU"),
    ];
    let lifecycle_types: Vec<EventType> = EventType::ALL
        .into_iter()
        .filter(|t| t.is_lifecycle())
        .collect();
    histories
        .iter()
        .zip(pairs)
        .map(|(steps, (a, b))| {
            let mut history = given(a, b).event(T::PartnershipFounded, "1990");
            for &(kind, which, day, target) in steps {
                let event_type = lifecycle_types[which % lifecycle_types.len()];
                let target = target % history.entries.len();
                history = match kind {
                    0 => history.event(event_type, DATES[day]),
                    1 => history.disputed(event_type, DATES[day]),
                    2 if history.entries[target].event.as_lifecycle().is_some() => {
                        history.alternative(target, DATES[day])
                    }
                    _ => history.retract(target),
                };
            }
            history
        })
        .collect()
}

/// A window between two of four bounds (in either order), for the random histories.
fn window_between(from: usize, to: usize) -> Window {
    let bounds = ["2022-02-24", "2022", "2022-03-03", "2023-06"];
    let (from, to) = if bounds[from] <= bounds[to] {
        (from, to)
    } else {
        (to, from)
    };
    window(bounds[from], bounds[to])
}

const DATES: [&str; 8] = [
    "1993",
    "2022",
    "2022-03",
    "2022-03-03~",
    "2022-03-22",
    "2022-02-24",
    "2023",
    "2022-12-31",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        crate::proptest_cases(1_000)
    ))]

    /// `changes_of` gives the reference's changes, in its order, whatever the histories.
    #[test]
    fn changes_of_random_histories_are_the_reference_changes(
        histories in proptest::collection::vec(proptest::collection::vec(history_step(), 1..8), 1..5),
        from in 0..4usize,
        to in 0..4usize,
    ) {
        let givens = givens_of(&histories);
        let window = window_between(from, to);
        let lifecycles = lifecycles(givens.iter().map(Given::rows).collect());
        let changes = changes_of(lifecycles.clone(), &window);
        let expected = reference_changes(lifecycles, &window);
        proptest::prop_assert_eq!(format!("{changes:#?}"), format!("{expected:#?}"));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        crate::proptest_cases(500)
    ))]

    /// A cohort's outcomes computed on several threads (its members in runs, counted in their
    /// order) are the outcomes computed on one, whatever the histories and the window.
    #[test]
    fn outcomes_on_several_threads_are_the_outcomes_on_one(
        histories in proptest::collection::vec(proptest::collection::vec(history_step(), 1..8), 1..5),
        from in 0..4usize,
        to in 0..4usize,
        threads in 2..5usize,
    ) {
        let givens = givens_of(&histories);
        let window = window_between(from, to);
        let cohort = us_ru();
        // Every member, histories that break the rules too (`unknown`, possibly).
        let members = || givens.iter().map(Given::member).collect::<Vec<_>>();
        let one = outcomes_on(members(), &cohort, &window, 1);
        let several = outcomes_on(members(), &cohort, &window, threads);
        proptest::prop_assert_eq!(format!("{several:#?}"), format!("{one:#?}"));
    }
}
