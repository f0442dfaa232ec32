//! A property test of the PROV description of one entry, against a brute-force reading of the
//! event: whatever its texts (quotes, backslashes, line breaks, any script), dates (EDTF of
//! every shape, or unknown) and sources, the Turtle read back by `oxttl` and the PROV-JSON
//! read back by `serde_json` say exactly what the event says.

use std::collections::BTreeSet;
use std::sync::Arc;

use amity_domain::{
    Certainty, Day, EdtfDate, Event, EventType, Facts, Occurred, Partnership, PartnershipKind,
    Recorded, Register, Source, SourceRole,
};
use oxrdf::Term;
use proptest::prelude::*;

use super::describe::{describe, Describer};
use super::document::{Described, Document};
use super::model::Sink;

const AMITY: &str = "urn:uuid:68f03d7f-26b7-4b82-a2b5-6135feb52a90#";
const EDTF: &str = "http://id.loc.gov/datatypes/edtf/EDTF";
const XSD_DATE: &str = "http://www.w3.org/2001/XMLSchema#date";

/// Dates of every shape the ledger keeps, and unknown.
const DATES: [&str; 11] = [
    "unknown",
    "1993",
    "2022-03",
    "2022-03-03~",
    "1993?",
    "[2022-02-28,2022-03-28]",
    "2003/2014",
    "1962/..",
    "../1990",
    "0033-01-09",
    "2024-02-29?",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z ]{1,20}",
        "\\PC{0,30}",
        Just("\"quoted\" \\ back\\slash \t tab\nnew line \r\"\"\" ''' é 市 🙂".to_owned()),
    ]
}

fn date() -> impl Strategy<Value = Occurred> {
    proptest::sample::select(&DATES[..]).prop_map(|text| match text {
        "unknown" => Occurred::Unknown,
        text => Occurred::Date(EdtfDate::parse(text).expect("EDTF")),
    })
}

fn source() -> impl Strategy<Value = Source> {
    (
        text(),
        proptest::option::of(text()),
        proptest::option::of("https://example\\.org/[a-z0-9/]{0,12}"),
        date(),
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![
            Just(SourceRole::Primary),
            Just(SourceRole::Secondary)
        ]),
    )
        .prop_map(|(title, publisher, url, published, locator, role)| Source {
            title,
            publisher,
            url,
            published: published.date().cloned(),
            locator,
            role,
        })
}

fn entry() -> impl Strategy<Value = Recorded> {
    (
        proptest::sample::select(&EventType::ALL[..6]),
        date(),
        proptest::option::of(text()),
        proptest::collection::vec(source(), 0..4),
        proptest::sample::select(
            &[
                Certainty::Confirmed,
                Certainty::Probable,
                Certainty::Possible,
                Certainty::Disputed,
            ][..],
        ),
        any::<bool>(),
        proptest::option::of(text()),
    )
        .prop_map(
            |(event_type, occurred, term, sources, certainty, initiated, note)| {
                let partnership = Arc::new(
                    Partnership::new(
                        "Colorado Springs, US-CO".parse().expect("a party"),
                        "Smolensk, RU".parse().expect("a party"),
                        PartnershipKind::sister_city(),
                    )
                    .expect("a partnership"),
                );
                // (Two citations of one document, in one entry, are one derivation in
                // Turtle: each source here is a document of its own.)
                let sources = sources
                    .into_iter()
                    .enumerate()
                    .map(|(index, source)| Source {
                        title: format!("{} #{index}", source.title),
                        ..source
                    })
                    .collect();
                let facts = Facts {
                    occurred,
                    term_as_written: term,
                    sources,
                    certainty,
                    initiated_by: initiated.then(|| partnership.parties[0].key()),
                    note,
                };
                Recorded {
                    id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
                    partnership: partnership.id(),
                    stream_version: 0,
                    recorded_by: "archivist \"a\"".into(),
                    recorded_at: "2026-01-02T03:04:05.123456Z".parse().expect("a moment"),
                    event: Event::lifecycle(event_type, partnership, facts),
                }
            },
        )
}

/// The document of one entry, in a serialization.
fn document(recorded: &Recorded, turtle: bool) -> String {
    let mut out = Vec::new();
    let mut document = match turtle {
        true => Document::turtle(&mut out),
        false => Document::json(&mut out),
    }
    .expect("written");
    let mut describer = Describer::new(Register::default());
    let prepared = describer.prepare(recorded).expect("prepared");
    let mut chunk = document.chunk();
    describe(recorded, &prepared, &mut chunk).expect("described");
    let described: Described = chunk.described().expect("described");
    document.append(described).expect("appended");
    let mut agents = document.chunk();
    describer
        .finish(&mut agents as &mut dyn Sink)
        .expect("described");
    document
        .append(agents.described().expect("described"))
        .expect("appended");
    document.finish().expect("finished");
    String::from_utf8(out).expect("UTF-8")
}

/// The brute-force reading: every literal attribute of the entry, as (local name, value,
/// datatype).
fn expected(recorded: &Recorded) -> BTreeSet<(String, String, String)> {
    let facts = recorded.event.facts();
    let string = "http://www.w3.org/2001/XMLSchema#string".to_owned();
    let mut literals = BTreeSet::new();
    if let Occurred::Date(date) = &facts.occurred {
        literals.insert((
            "occurred".to_owned(),
            date.as_str().to_owned(),
            EDTF.to_owned(),
        ));
        for (name, day) in [("earliest", date.earliest()), ("latest", date.latest())] {
            if let Day::On(_) = day {
                let (year, month, day) = day.ymd().expect("a day");
                let text = format!("{year:04}-{month:02}-{day:02}");
                literals.insert((name.to_owned(), text, XSD_DATE.to_owned()));
            }
        }
    }
    if let Some(term) = &facts.term_as_written {
        literals.insert(("termAsWritten".to_owned(), term.clone(), string.clone()));
    }
    literals.insert((
        "certainty".to_owned(),
        facts.certainty.name().to_owned(),
        string.clone(),
    ));
    if let Some(note) = &facts.note {
        literals.insert(("comment".to_owned(), note.clone(), string));
    }
    literals
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn an_entry_read_back_says_what_the_event_says(recorded in entry()) {
        let literals = expected(&recorded);
        let entry = format!("urn:uuid:{}", recorded.id);

        let turtle = document(&recorded, true);
        let triples: Vec<oxrdf::Triple> = oxttl::TurtleParser::new()
            .for_slice(&turtle)
            .collect::<Result<_, _>>()
            .map_err(|error| TestCaseError::fail(format!("{error}\n{turtle}")))?;
        let about = |subject: &str| -> Vec<&oxrdf::Triple> {
            triples.iter().filter(|t| t.subject.to_string() == subject).collect()
        };
        let mut read = BTreeSet::new();
        for triple in about(&format!("<{entry}>")) {
            if let Term::Literal(literal) = &triple.object {
                let name = triple.predicate.as_str().rsplit(['#', '/']).next().expect("a name");
                if name != "generatedAtTime" {
                    read.insert((name.to_owned(), literal.value().to_owned(), literal.datatype().as_str().to_owned()));
                }
            }
        }
        prop_assert_eq!(&read, &literals);
        // Each source: derived from it (a primary one, its primary source), at its locator.
        let title_of = |node: &Term| -> String {
            about(&node.to_string()).iter().find_map(|t| match &t.object {
                Term::Literal(l) if t.predicate.as_str().ends_with("/title") => Some(l.value().to_owned()),
                _ => None,
            }).expect("a title")
        };
        let mut read_sources = BTreeSet::new();
        for triple in about(&format!("<{entry}>")) {
            let predicate = triple.predicate.as_str();
            if predicate.ends_with("#wasDerivedFrom") {
                let primary = about(&format!("<{entry}>")).iter().any(|t| {
                    t.predicate.as_str().ends_with("#hadPrimarySource") && t.object == triple.object
                });
                read_sources.insert((title_of(&triple.object), primary, None));
            }
        }
        for triple in about(&format!("<{entry}>")) {
            if triple.predicate.as_str().contains("#qualified") && !triple.predicate.as_str().ends_with("Generation") {
                let node = about(&triple.object.to_string());
                let used = node.iter().find(|t| t.predicate.as_str().ends_with("#entity")).expect("an entity");
                let locator = node.iter().find_map(|t| match &t.object {
                    Term::Literal(l) if t.predicate.as_str() == format!("{AMITY}locator") => Some(l.value().to_owned()),
                    _ => None,
                });
                let title = title_of(&used.object);
                let primary = triple.predicate.as_str().ends_with("PrimarySource");
                read_sources.insert((title, primary, locator));
            }
        }
        // (A locator, or a secondary role, is on a qualified derivation.)
        let qualified = recorded.event.facts().sources.iter().filter(|source| {
            source.locator.is_some() || source.role == Some(SourceRole::Secondary)
        });
        let expected_sources: BTreeSet<_> = recorded
            .event
            .facts()
            .sources
            .iter()
            .map(|s| (s.title.clone(), s.role == Some(SourceRole::Primary), None))
            .chain(qualified.map(|s| {
                (s.title.clone(), s.role == Some(SourceRole::Primary), s.locator.clone())
            }))
            .collect();
        prop_assert_eq!(read_sources, expected_sources);

        let json: serde_json::Value = serde_json::from_str(&document(&recorded, false))
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        let record = &json["entity"][format!("uuid:{}", recorded.id)];
        let mut read = BTreeSet::new();
        for (key, value) in record.as_object().expect("an entity") {
            let name = key.rsplit(':').next().expect("a name").to_owned();
            match value {
                serde_json::Value::String(text) => {
                    read.insert((name, text.clone(), "http://www.w3.org/2001/XMLSchema#string".to_owned()));
                }
                serde_json::Value::Object(typed) if typed["type"] != "prov:QUALIFIED_NAME" => {
                    let datatype = match typed["type"].as_str() {
                        Some("edtf:EDTF") => EDTF,
                        Some("xsd:date") => XSD_DATE,
                        other => panic!("{other:?}"),
                    };
                    read.insert((name, typed["$"].as_str().expect("a value").to_owned(), datatype.to_owned()));
                }
                _ => {}
            }
        }
        prop_assert_eq!(read, literals);
        let derived = json["wasDerivedFrom"].as_object().map_or(0, |map| map.len());
        prop_assert_eq!(derived, recorded.event.facts().sources.len());
    }
}
