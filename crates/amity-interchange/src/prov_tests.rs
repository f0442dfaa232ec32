//! The PROV export read back by an RDF parser (`oxttl`) and as JSON: the Colorado Springs–
//! Smolensk history of the example ledger, a retraction, a citation, an alternative claim,
//! unknown and uncertain dates; and a property test of every entry's attributes against a
//! brute-force reading of the event.

use std::collections::BTreeSet;
use std::sync::Arc;

use amity_domain::event::{Citation, Retraction};
use amity_domain::{
    Certainty, Event, EventId, EventType, Facts, Partnership, PartnershipKind, Source, SourceRole,
};
use amity_ledger::{Ledger, ToRecord};
use amity_projections::Projections;
use amity_store::MemoryEventStore;
use oxrdf::{NamedNode, Term, Triple};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::{export, ProvFormat};

const PROV: &str = "http://www.w3.org/ns/prov#";
const AMITY: &str = "urn:uuid:68f03d7f-26b7-4b82-a2b5-6135feb52a90#";
const EDTF: &str = "http://id.loc.gov/datatypes/edtf/EDTF";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const TITLE: &str = "http://purl.org/dc/terms/title";

// The ids of the example ledger (crates/amity-cli/data/example-ledger.json).
const FOUNDED: &str = "19e4f150-617b-5f8e-be90-1e44ccbf6bdc";
const SUSPENDED: &str = "7cbb291b-b6fe-5cb7-875a-66ebcd46a13e";
const TERMINATED: &str = "a64e8a71-c521-5230-860c-1c1ccb5ad735";
// Events of this test only.
const KAOHSIUNG_1983: &str = "0190a4c3-0000-7000-8000-000000000001";
const KAOHSIUNG_1984: &str = "0190a4c3-0000-7000-8000-000000000002";
const REAFFIRMED: &str = "0190a4c3-0000-7000-8000-000000000003";
const RETRACTION: &str = "0190a4c3-0000-7000-8000-000000000004";
const CITATION: &str = "0190a4c3-0000-7000-8000-000000000005";

const FOX21: &str = "FOX21 News report: Sister Cities International urges members not to break \
                     ties with Russian partners; Colorado Springs ends its tie with Smolensk";
const CITY_STATEMENT: &str =
    "City of Colorado Springs statement on Smolensk (quoted in the FOX21 report)";

fn id(text: &str) -> EventId {
    text.parse().expect("a UUID")
}

fn source(title: &str, publisher: &str, role: SourceRole, locator: &str) -> Source {
    Source {
        title: title.to_owned(),
        publisher: Some(publisher.to_owned()),
        url: None,
        published: Some("2022-03".parse().expect("EDTF")),
        locator: Some(locator.to_owned()),
        role: Some(role),
    }
}

fn partnership(partner: &str) -> Partnership {
    let colorado_springs =
        amity_domain::Party::new("Colorado Springs", "US", Some("US-CO"), Some("Q49258"))
            .expect("a party");
    Partnership::new(
        colorado_springs,
        partner.parse().expect("a party"),
        PartnershipKind::sister_city(),
    )
    .expect("a partnership")
}

fn lifecycle(event_id: &str, event_type: EventType, partner: &str, facts: Facts) -> ToRecord {
    let mut item = ToRecord::lifecycle(
        Event::lifecycle(event_type, partnership(partner), facts),
        "archivist",
    );
    item.event_id = id(event_id);
    item
}

/// A fixture ledger and two moments of its recording.
struct Fixture {
    ledger: Ledger,
    /// After the Smolensk history, before anything else.
    after_smolensk: jiff::Timestamp,
    /// Before the retraction and the citation.
    before_retraction: jiff::Timestamp,
}

/// A moment strictly between what was recorded before and what is recorded after.
async fn pause() -> jiff::Timestamp {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let moment = jiff::Timestamp::now();
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    moment
}

async fn ledger() -> Ledger {
    fixture().await.ledger
}

/// The Colorado Springs–Smolensk history of the example ledger, as `amity example` records
/// it; then Colorado Springs–Kaohsiung with two claims of its founding (1983, 1984), a
/// reaffirmation retracted, and a citation of a primary source for the 1983 claim.
async fn fixture() -> Fixture {
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    let colorado_springs = partnership("Smolensk, RU").parties[0].key();
    let smolensk = [
        lifecycle(
            FOUNDED,
            EventType::PartnershipFounded,
            "Smolensk, RU",
            Facts {
                occurred: "1993".parse().expect("EDTF"),
                term_as_written: Some("(1993)".to_owned()),
                sources: vec![source(
                    FOX21,
                    "FOX21 News, Colorado Springs",
                    SourceRole::Secondary,
                    "list \"Colorado Springs' Sister Cities\" (year in parentheses)",
                )],
                ..Facts::default()
            },
        ),
        lifecycle(
            SUSPENDED,
            EventType::PartnershipSuspended,
            "Smolensk, RU",
            Facts {
                occurred: "2022-03-03~".parse().expect("EDTF"),
                term_as_written: Some("indefinitely suspended".to_owned()),
                sources: vec![source(
                    CITY_STATEMENT,
                    "City of Colorado Springs",
                    SourceRole::Primary,
                    "\"In light of the Russian invasion of Ukraine, the City of Colorado Springs \
                     has indefinitely suspended its sister city relationship with Smolensk, Russia\"",
                )],
                initiated_by: Some(colorado_springs.clone()),
                note: Some("approximate date".to_owned()),
                ..Facts::default()
            },
        ),
        lifecycle(
            TERMINATED,
            EventType::PartnershipTerminated,
            "Smolensk, RU",
            Facts {
                occurred: "2022-03-03~".parse().expect("EDTF"),
                term_as_written: Some("terminate".to_owned()),
                sources: vec![source(
                    FOX21,
                    "FOX21 News, Colorado Springs",
                    SourceRole::Secondary,
                    "\"Colorado Springs city leaders chose to terminate the city's relationship \
                     with its Russian sister city Smolensk\"",
                )],
                certainty: Certainty::Disputed,
                initiated_by: Some(colorado_springs),
                note: Some("the news report says terminated".to_owned()),
            },
        ),
    ];
    ledger
        .record_all(smolensk.to_vec())
        .await
        .expect("recorded");
    let after_smolensk = pause().await;
    let founded = |year: &str, title: &str| Facts {
        occurred: year.parse().expect("EDTF"),
        sources: vec![Source {
            title: title.to_owned(),
            ..Source::default()
        }],
        ..Facts::default()
    };
    let kaohsiung = "Kaohsiung, TW";
    ledger
        .record(lifecycle(
            KAOHSIUNG_1983,
            EventType::PartnershipFounded,
            kaohsiung,
            founded("1983", "Colorado Springs sister cities list"),
        ))
        .await
        .expect("recorded");
    let mut claim = ToRecord::lifecycle(
        Event::claim(
            EventType::PartnershipFounded,
            partnership(kaohsiung),
            founded("1984", "Kaohsiung city website"),
            Some(id(KAOHSIUNG_1983)),
        ),
        "archivist",
    );
    claim.event_id = id(KAOHSIUNG_1984);
    ledger.record(claim).await.expect("recorded");
    let reaffirmed = Facts {
        occurred: "[2022-02-28,2022-03-28]".parse().expect("EDTF"),
        ..Facts::default()
    };
    ledger
        .record(lifecycle(
            REAFFIRMED,
            EventType::PartnershipReaffirmed,
            kaohsiung,
            reaffirmed,
        ))
        .await
        .expect("recorded");
    let stream = partnership(kaohsiung).id();
    let mut retraction = ToRecord::about(
        stream.clone(),
        Event::Retracted(Retraction {
            target: id(REAFFIRMED),
            reason: "the roundtable note was about another city".to_owned(),
            facts: Facts::default(),
        }),
        "reviewer",
    );
    retraction.event_id = id(RETRACTION);
    let mut citation = ToRecord::about(
        stream,
        Event::Cited(Citation {
            target: id(KAOHSIUNG_1983),
            facts: Facts {
                sources: vec![Source {
                    title: "Council resolution 83-12".to_owned(),
                    url: Some("https://example.org/council/83-12".to_owned()),
                    role: Some(SourceRole::Primary),
                    ..Source::default()
                }],
                ..Facts::default()
            },
        }),
        "reviewer",
    );
    citation.event_id = id(CITATION);
    let before_retraction = pause().await;
    ledger
        .record_all(vec![retraction, citation])
        .await
        .expect("recorded");
    Fixture {
        ledger,
        after_smolensk,
        before_retraction,
    }
}

/// The export of `ledger` in `format`, as text, and the number of events it says it wrote.
async fn exported(
    ledger: &Ledger,
    format: ProvFormat,
    known_at: Option<jiff::Timestamp>,
) -> (String, u64) {
    let projections = Projections::open(ledger.clone(), None).expect("projections");
    let mut out = Vec::new();
    let count = export(ledger, &projections, known_at, format, &mut out)
        .await
        .expect("exported");
    (String::from_utf8(out).expect("UTF-8"), count)
}

/// The triples of a Turtle document, read by `oxttl`'s parser.
fn parse(turtle: &str) -> Vec<Triple> {
    oxttl::TurtleParser::new()
        .for_slice(turtle)
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|error| panic!("{error}\n{turtle}"))
}

/// A graph to ask: the objects of a subject's predicate.
struct Graph(Vec<Triple>);

impl Graph {
    fn objects(&self, subject: &str, predicate: &str) -> Vec<Term> {
        self.0
            .iter()
            .filter(|t| t.subject.to_string() == format!("<{subject}>"))
            .filter(|t| t.predicate.as_str() == predicate)
            .map(|t| t.object.clone())
            .collect()
    }

    fn iris(&self, subject: &str, predicate: &str) -> BTreeSet<String> {
        self.objects(subject, predicate)
            .into_iter()
            .filter_map(|term| match term {
                Term::NamedNode(node) => Some(node.into_string()),
                _ => None,
            })
            .collect()
    }

    /// The one literal's value and datatype.
    fn literal(&self, subject: &str, predicate: &str) -> Option<(String, String)> {
        let objects = self.objects(subject, predicate);
        assert!(objects.len() <= 1, "{subject} {predicate}: {objects:?}");
        objects.into_iter().next().map(|term| match term {
            Term::Literal(literal) => (
                literal.value().to_owned(),
                literal.datatype().as_str().to_owned(),
            ),
            other => panic!("{subject} {predicate}: not a literal: {other}"),
        })
    }

    /// The subjects with `predicate` `object` (an IRI).
    fn subjects(&self, predicate: &str, object: &str) -> BTreeSet<String> {
        let object = NamedNode::new_unchecked(object);
        self.0
            .iter()
            .filter(|t| t.predicate.as_str() == predicate && t.object == Term::from(object.clone()))
            .map(|t| t.subject.to_string().trim_matches(['<', '>']).to_owned())
            .collect()
    }

    /// The source entity titled `title`.
    fn source(&self, title: &str) -> String {
        let found: Vec<&Triple> = self
            .0
            .iter()
            .filter(|t| t.predicate.as_str() == TITLE)
            .filter(|t| matches!(&t.object, Term::Literal(l) if l.value() == title))
            .collect();
        assert_eq!(found.len(), 1, "one source titled {title}");
        found[0]
            .subject
            .to_string()
            .trim_matches(['<', '>'])
            .to_owned()
    }
}

fn event(id: &str) -> String {
    format!("urn:uuid:{id}")
}

fn prov(local: &str) -> String {
    format!("{PROV}{local}")
}

fn amity(local: &str) -> String {
    format!("{AMITY}{local}")
}

#[tokio::test]
async fn given_the_smolensk_history_when_exported_as_turtle_then_the_suspension_is_derived_from_the_city_statement(
) {
    let ledger = ledger().await;
    let (turtle, count) = exported(&ledger, ProvFormat::Turtle, None).await;
    assert_eq!(count, 8);
    let graph = Graph(parse(&turtle));
    let suspension = event(SUSPENDED);
    let statement = graph.source(CITY_STATEMENT);
    assert!(graph
        .iris(&suspension, RDF_TYPE)
        .is_superset(&BTreeSet::from([
            prov("Entity"),
            amity("PartnershipSuspended")
        ])));
    assert_eq!(
        graph.iris(&suspension, &prov("wasDerivedFrom")),
        BTreeSet::from([statement.clone()])
    );
    // The city's own statement is a primary source.
    assert_eq!(
        graph.iris(&suspension, &prov("hadPrimarySource")),
        BTreeSet::from([statement])
    );
    assert_eq!(
        graph.literal(&suspension, &amity("termAsWritten")),
        Some(("indefinitely suspended".to_owned(), format!("{XSD}string")))
    );
    assert_eq!(
        graph.literal(&suspension, &amity("occurred")),
        Some(("2022-03-03~".to_owned(), EDTF.to_owned()))
    );
    for bound in ["earliest", "latest"] {
        assert_eq!(
            graph.literal(&suspension, &amity(bound)),
            Some(("2022-03-03".to_owned(), format!("{XSD}date")))
        );
    }
}

#[tokio::test]
async fn given_the_disputed_termination_when_exported_then_it_is_derived_from_the_news_report_and_attributed(
) {
    let ledger = ledger().await;
    let (turtle, _) = exported(&ledger, ProvFormat::Turtle, None).await;
    let graph = Graph(parse(&turtle));
    let termination = event(TERMINATED);
    let report = graph.source(FOX21);
    assert_eq!(
        graph.iris(&termination, &prov("wasDerivedFrom")),
        BTreeSet::from([report.clone()])
    );
    // A secondary source: no primary-source statement, its role and locator on the
    // qualified derivation.
    assert!(graph
        .iris(&termination, &prov("hadPrimarySource"))
        .is_empty());
    let qualified = graph.objects(&termination, &prov("qualifiedDerivation"));
    assert_eq!(qualified.len(), 1);
    let node = qualified[0].to_string();
    let about_node = |predicate: &str| -> Vec<String> {
        graph
            .0
            .iter()
            .filter(|t| t.subject.to_string() == node && t.predicate.as_str() == predicate)
            .map(|t| t.object.to_string())
            .collect()
    };
    assert_eq!(about_node(&prov("entity")), [format!("<{report}>")]);
    assert_eq!(about_node(&amity("sourceRole")), ["\"secondary\""]);
    assert!(about_node(&amity("locator"))[0].contains("chose to terminate"));
    assert_eq!(
        graph
            .literal(&termination, &amity("certainty"))
            .map(|(value, _)| value),
        Some("disputed".to_owned())
    );
    let recorder = graph.iris(&termination, &prov("wasAttributedTo"));
    assert_eq!(recorder.len(), 1);
    let recorder = recorder.into_iter().next().expect("one");
    assert!(graph.iris(&recorder, RDF_TYPE).contains(&prov("Agent")));
    assert_eq!(
        graph
            .literal(&recorder, "http://www.w3.org/2000/01/rdf-schema#label")
            .map(|(v, _)| v),
        Some("archivist".to_owned())
    );
    // The news report is one document, cited at two places (the founding's list too).
    assert!(graph
        .iris(&event(FOUNDED), &prov("wasDerivedFrom"))
        .contains(&report));
    assert_eq!(
        graph.literal(&report, &format!("{}issued", "http://purl.org/dc/terms/")),
        Some(("2022-03".to_owned(), EDTF.to_owned()))
    );
}

#[tokio::test]
async fn given_every_entry_when_exported_then_each_has_its_recording_time_its_recorder_and_edtf_dates(
) {
    let ledger = ledger().await;
    let (turtle, count) = exported(&ledger, ProvFormat::Turtle, None).await;
    let graph = Graph(parse(&turtle));
    let entries: BTreeSet<String> = graph
        .0
        .iter()
        .filter(|t| t.predicate.as_str() == "http://purl.org/dc/terms/subject")
        .map(|t| t.subject.to_string().trim_matches(['<', '>']).to_owned())
        .collect();
    assert_eq!(entries.len() as u64, count);
    let history = ledger.timelines().await.expect("timelines");
    for timeline in &history {
        for recorded in timeline.recorded() {
            let iri = event(&recorded.id.to_string());
            assert!(entries.contains(&iri), "{iri} is exported");
            let (time, datatype) = graph
                .literal(&iri, &prov("generatedAtTime"))
                .unwrap_or_else(|| panic!("{iri} has prov:generatedAtTime"));
            assert_eq!(datatype, format!("{XSD}dateTime"));
            assert_eq!(
                time.parse::<jiff::Timestamp>().ok(),
                Some(recorded.recorded_at)
            );
            assert_eq!(graph.iris(&iri, &prov("wasAttributedTo")).len(), 1, "{iri}");
        }
    }
    // Every date as written is an EDTF literal, and every EDTF literal is a date as written.
    for triple in &graph.0 {
        if let Term::Literal(literal) = &triple.object {
            let edtf = literal.datatype().as_str() == EDTF;
            let predicate = triple.predicate.as_str();
            let written = predicate == amity("occurred") || predicate.ends_with("/issued");
            assert_eq!(edtf, written, "{triple}");
            if edtf {
                assert!(
                    literal.value().parse::<amity_domain::EdtfDate>().is_ok(),
                    "{triple}"
                );
            }
        }
    }
}

#[tokio::test]
async fn given_a_retraction_when_exported_then_the_entry_is_invalidated_by_the_retraction_activity_and_stays(
) {
    let fixture = fixture().await;
    let (turtle, _) = exported(&fixture.ledger, ProvFormat::Turtle, None).await;
    let graph = Graph(parse(&turtle));
    let retracted = event(REAFFIRMED);
    let retraction = event(RETRACTION);
    let activities = graph.iris(&retracted, &prov("wasInvalidatedBy"));
    assert_eq!(activities.len(), 1);
    let activity = activities.into_iter().next().expect("one");
    assert!(graph.iris(&activity, RDF_TYPE).contains(&prov("Activity")));
    assert!(graph
        .iris(&activity, RDF_TYPE)
        .contains(&amity("Retraction")));
    assert_eq!(
        graph.iris(&retraction, &prov("wasGeneratedBy")),
        BTreeSet::from([activity.clone()])
    );
    assert_eq!(
        graph.iris(&activity, &prov("used")),
        BTreeSet::from([retracted.clone()])
    );
    let reviewer = graph.iris(&retraction, &prov("wasAttributedTo"));
    assert_eq!(graph.iris(&activity, &prov("wasAssociatedWith")), reviewer);
    let recorded = graph
        .literal(&retraction, &prov("generatedAtTime"))
        .expect("a time");
    assert_eq!(
        graph.literal(&retracted, &prov("invalidatedAtTime")),
        Some(recorded)
    );
    assert_eq!(
        graph.iris(&retraction, &amity("target")),
        BTreeSet::from([retracted.clone()])
    );
    assert_eq!(
        graph
            .literal(&retraction, &amity("reason"))
            .map(|(reason, _)| reason)
            .as_deref(),
        Some("the roundtable note was about another city")
    );
    // The retracted entry is kept, with everything it said.
    assert_eq!(
        graph.literal(&retracted, &amity("occurred")),
        Some(("[2022-02-28,2022-03-28]".to_owned(), EDTF.to_owned()))
    );
    // As known before the retraction, nothing invalidates it.
    let before = Some(fixture.before_retraction);
    let (turtle, count) = exported(&fixture.ledger, ProvFormat::Turtle, before).await;
    let graph = Graph(parse(&turtle));
    assert_eq!(count, 6);
    assert!(graph.iris(&retracted, &prov("wasInvalidatedBy")).is_empty());
    assert!(graph.iris(&retraction, RDF_TYPE).is_empty());
}

#[tokio::test]
async fn given_a_citation_when_exported_then_the_cited_entry_is_derived_from_its_new_source_too() {
    let ledger = ledger().await;
    let (turtle, _) = exported(&ledger, ProvFormat::Turtle, None).await;
    let graph = Graph(parse(&turtle));
    let cited = event(KAOHSIUNG_1983);
    let resolution = graph.source("Council resolution 83-12");
    let list = graph.source("Colorado Springs sister cities list");
    assert_eq!(
        graph.iris(&cited, &prov("wasDerivedFrom")),
        BTreeSet::from([list, resolution.clone()])
    );
    assert_eq!(
        graph.iris(&cited, &prov("hadPrimarySource")),
        BTreeSet::from([resolution.clone()])
    );
    let citation = event(CITATION);
    assert_eq!(
        graph.iris(&citation, &prov("hadPrimarySource")),
        BTreeSet::from([resolution.clone()])
    );
    assert_eq!(
        graph.iris(&citation, &amity("target")),
        BTreeSet::from([cited])
    );
    assert_eq!(
        graph.literal(&resolution, "http://schema.org/url"),
        Some((
            "https://example.org/council/83-12".to_owned(),
            format!("{XSD}anyURI")
        ))
    );
    // The other claim of the founding is its alternate.
    assert_eq!(
        graph.iris(&event(KAOHSIUNG_1984), &prov("alternateOf")),
        BTreeSet::from([event(KAOHSIUNG_1983)])
    );
}

#[tokio::test]
async fn given_an_unknown_date_when_exported_then_it_stays_unknown_and_an_open_bound_stays_open() {
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    let founded = Facts {
        occurred: "1962/..".parse().expect("EDTF"),
        ..Facts::default()
    };
    let attested = Facts::default();
    ledger
        .record_all(vec![
            lifecycle(
                KAOHSIUNG_1983,
                EventType::PartnershipFounded,
                "Fujiyoshida, JP",
                founded,
            ),
            lifecycle(
                KAOHSIUNG_1984,
                EventType::PartnershipAttested,
                "Fujiyoshida, JP",
                attested,
            ),
        ])
        .await
        .expect("recorded");
    let (turtle, _) = exported(&ledger, ProvFormat::Turtle, None).await;
    let graph = Graph(parse(&turtle));
    let open = event(KAOHSIUNG_1983);
    assert_eq!(
        graph.literal(&open, &amity("occurred")),
        Some(("1962/..".to_owned(), EDTF.to_owned()))
    );
    assert_eq!(
        graph.literal(&open, &amity("earliest")),
        Some(("1962-01-01".to_owned(), format!("{XSD}date")))
    );
    assert_eq!(graph.literal(&open, &amity("latest")), None);
    let unknown = event(KAOHSIUNG_1984);
    for bound in ["occurred", "earliest", "latest"] {
        assert_eq!(graph.literal(&unknown, &amity(bound)), None, "{bound}");
    }
    assert!(!turtle.contains("0001-01-01") && !turtle.contains("9999-12-31"));
}

/// The keys of a JSON object, repeats kept.
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Keys, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}

/// The records of a PROV-JSON map whose `field` names `id`.
fn records<'a>(document: &'a Value, map: &str, field: &str, id: &str) -> Vec<&'a Value> {
    document[map]
        .as_object()
        .map(|records| records.values().filter(|r| r[field] == id).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn given_the_smolensk_history_when_exported_as_prov_json_then_the_same_structure_reads_back()
{
    let ledger = ledger().await;
    let (json, count) = exported(&ledger, ProvFormat::Json, None).await;
    assert_eq!(count, 8);
    // No map repeats a key (a reader would keep only the last).
    let maps: std::collections::BTreeMap<String, Keys> =
        serde_json::from_str(&json).expect("PROV-JSON is JSON");
    for (name, Keys(keys)) in &maps {
        let distinct: BTreeSet<&String> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len(), "{name} repeats a key");
    }
    let document: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        document["prefix"]["edtf"],
        "http://id.loc.gov/datatypes/edtf/"
    );
    assert_eq!(document["prefix"]["uuid"], "urn:uuid:");
    let suspension = format!("uuid:{SUSPENDED}");
    let entity = &document["entity"][&suspension];
    assert_eq!(entity["prov:type"]["$"], "amity:PartnershipSuspended");
    assert_eq!(
        entity["amity:occurred"],
        serde_json::json!({"$": "2022-03-03~", "type": "edtf:EDTF"})
    );
    assert_eq!(
        entity["amity:earliest"],
        serde_json::json!({"$": "2022-03-03", "type": "xsd:date"})
    );
    assert_eq!(entity["amity:termAsWritten"], "indefinitely suspended");
    let derived = records(
        &document,
        "wasDerivedFrom",
        "prov:generatedEntity",
        &suspension,
    );
    assert_eq!(derived.len(), 1);
    assert_eq!(derived[0]["prov:type"]["$"], "prov:PrimarySource");
    assert!(derived[0]["amity:locator"]
        .as_str()
        .expect("a locator")
        .contains("indefinitely suspended"));
    let statement = derived[0]["prov:usedEntity"].as_str().expect("a source");
    assert_eq!(
        document["entity"][statement]["dcterms:title"],
        CITY_STATEMENT
    );

    let termination = format!("uuid:{TERMINATED}");
    assert_eq!(
        document["entity"][&termination]["amity:certainty"],
        "disputed"
    );
    let derived = records(
        &document,
        "wasDerivedFrom",
        "prov:generatedEntity",
        &termination,
    );
    assert_eq!(derived.len(), 1);
    assert_eq!(derived[0]["amity:sourceRole"], "secondary");
    let report = derived[0]["prov:usedEntity"].as_str().expect("a source");
    assert_eq!(document["entity"][report]["dcterms:title"], FOX21);
    let attributed = records(&document, "wasAttributedTo", "prov:entity", &termination);
    assert_eq!(attributed.len(), 1);
    let recorder = attributed[0]["prov:agent"].as_str().expect("an agent");
    assert_eq!(document["agent"][recorder]["rdfs:label"], "archivist");
    let generated = records(&document, "wasGeneratedBy", "prov:entity", &termination);
    assert_eq!(generated.len(), 1);
    assert!(generated[0]["prov:time"]
        .as_str()
        .expect("a time")
        .parse::<jiff::Timestamp>()
        .is_ok());

    // The partnership, attributed to its parties; Colorado Springs is its Wikidata item.
    let partnership = entity["dcterms:subject"]["$"]
        .as_str()
        .expect("a partnership");
    assert_eq!(
        document["entity"][partnership]["dcterms:identifier"],
        "ru:smolensk+us-co:colorado-springs"
    );
    let parties: BTreeSet<&str> = records(&document, "wasAttributedTo", "prov:entity", partnership)
        .iter()
        .map(|r| r["prov:agent"].as_str().expect("an agent"))
        .collect();
    assert_eq!(parties.len(), 2);
    let colorado_springs = entity["amity:initiatedBy"]["$"].as_str().expect("a party");
    assert!(parties.contains(colorado_springs));
    let agent = &document["agent"][colorado_springs];
    assert_eq!(agent["prov:type"]["$"], "prov:Organization");
    assert_eq!(
        agent["owl:sameAs"],
        serde_json::json!({"$": "wd:Q49258", "type": "prov:QUALIFIED_NAME"})
    );

    // The retraction invalidates the reaffirmation.
    let invalidated = records(
        &document,
        "wasInvalidatedBy",
        "prov:entity",
        &format!("uuid:{REAFFIRMED}"),
    );
    assert_eq!(invalidated.len(), 1);
    let activity = invalidated[0]["prov:activity"]
        .as_str()
        .expect("an activity");
    assert_eq!(
        document["activity"][activity]["prov:type"]["$"],
        "amity:Retraction"
    );
    // Every relation names declared nodes.
    let declared = |id: &str| {
        ["entity", "agent", "activity"]
            .iter()
            .any(|map| document[map].get(id).is_some())
    };
    for (map, records) in document.as_object().expect("an object") {
        if ["prefix", "entity", "agent", "activity"].contains(&map.as_str()) {
            continue;
        }
        for record in records.as_object().expect("a map").values() {
            for (field, value) in record.as_object().expect("a record") {
                if [
                    "prov:entity",
                    "prov:agent",
                    "prov:activity",
                    "prov:generatedEntity",
                    "prov:usedEntity",
                    "prov:alternate1",
                    "prov:alternate2",
                ]
                .contains(&field.as_str())
                {
                    let id = value.as_str().expect("an id");
                    assert!(declared(id), "{map}: {field} {id} is not declared");
                }
            }
        }
    }
}

#[tokio::test]
async fn given_a_moment_when_exported_as_known_then_later_events_are_left_out() {
    let fixture = fixture().await;
    let moment = Some(fixture.after_smolensk);
    let (turtle, count) = exported(&fixture.ledger, ProvFormat::Turtle, moment).await;
    assert_eq!(count, 3);
    let graph = Graph(parse(&turtle));
    let entries = graph.subjects(RDF_TYPE, &prov("Entity"));
    for later in [
        KAOHSIUNG_1983,
        KAOHSIUNG_1984,
        REAFFIRMED,
        RETRACTION,
        CITATION,
    ] {
        assert!(
            !entries.contains(&event(later)),
            "{later} was recorded later"
        );
    }
    assert!(!turtle.contains("Kaohsiung"));
    let (json, count) = exported(&fixture.ledger, ProvFormat::Json, moment).await;
    assert_eq!(count, 3);
    assert!(!json.contains("Kaohsiung"));
}

#[tokio::test]
async fn given_the_register_when_exported_then_a_party_has_its_item_aliases_and_community_as_known()
{
    use amity_domain::register::{Link, PartyKind, Registration, Relation as LinkRelation};
    use amity_domain::RegisterEvent;
    let fixture = fixture().await;
    let ledger = &fixture.ledger;
    let before = pause().await;
    let smolensk: amity_domain::PartyKey = "ru:smolensk".parse().expect("a key");
    let registration = Registration {
        key: smolensk.clone(),
        party: amity_domain::Party::new("Smolensk", "RU", None, Some("Q16360")).expect("a party"),
        kind: Some(PartyKind::City),
        geonames: Some(491_687),
        coordinates: None,
        aliases: vec!["Smolenskas".to_owned()],
        sources: Vec::new(),
        note: None,
    };
    ledger
        .record_register(
            uuid::Uuid::from_u128(70),
            RegisterEvent::Registered(Box::new(registration)),
            "archivist",
        )
        .await
        .expect("registered");
    let link = Link {
        relation: LinkRelation::SameAs,
        a: "ru:smolensk-city".parse().expect("a key"),
        b: smolensk.clone(),
        sources: Vec::new(),
        note: None,
    };
    ledger
        .record_register(
            uuid::Uuid::from_u128(71),
            RegisterEvent::Linked(link),
            "archivist",
        )
        .await
        .expect("linked");
    let (turtle, _) = exported(ledger, ProvFormat::Turtle, None).await;
    let graph = Graph(parse(&turtle));
    let agent = |key: &str| {
        graph
            .0
            .iter()
            .find(|t| {
                t.predicate.as_str() == "http://purl.org/dc/terms/identifier"
                    && matches!(&t.object, Term::Literal(l) if l.value() == key)
            })
            .map(|t| t.subject.to_string().trim_matches(['<', '>']).to_owned())
            .unwrap_or_else(|| panic!("an agent {key}"))
    };
    let party = agent("ru:smolensk");
    let community = agent("ru:smolensk-city");
    assert_eq!(
        graph.iris(&party, "http://www.w3.org/2002/07/owl#sameAs"),
        BTreeSet::from([
            "http://www.wikidata.org/entity/Q16360".to_owned(),
            "https://sws.geonames.org/491687/".to_owned(),
            community,
        ])
    );
    assert_eq!(
        graph
            .literal(&party, &amity("alias"))
            .map(|(alias, _)| alias)
            .as_deref(),
        Some("Smolenskas")
    );
    assert_eq!(
        graph
            .literal(&party, &amity("partyKind"))
            .map(|(kind, _)| kind)
            .as_deref(),
        Some("city")
    );
    // As known before the registration, the party is as the events name it.
    let (turtle, _) = exported(ledger, ProvFormat::Turtle, Some(before)).await;
    let graph = Graph(parse(&turtle));
    let party = graph
        .0
        .iter()
        .find(|t| matches!(&t.object, Term::Literal(l) if l.value() == "ru:smolensk"))
        .map(|t| t.subject.to_string().trim_matches(['<', '>']).to_owned())
        .expect("the party");
    assert!(graph
        .iris(&party, "http://www.w3.org/2002/07/owl#sameAs")
        .is_empty());
    assert_eq!(graph.literal(&party, &amity("alias")), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_more_events_than_a_chunk_when_exported_then_every_one_is_written_once_in_feed_order()
{
    // 500 partnerships of 6 events, appended as the benchmarks do (each a source with a
    // locator, so each a blank node of its own): several chunks described in parallel.
    let store: Arc<dyn amity_store::EventStore> = Arc::new(MemoryEventStore::new());
    let mut appends = Vec::new();
    let mut order = Vec::new();
    for n in 0..500 {
        let partner = format!("Partnerstadt {n}, DE");
        let mut events = Vec::new();
        for (i, event_type) in [
            EventType::PartnershipFounded,
            EventType::PartnershipSuspended,
            EventType::PartnershipReinstated,
            EventType::PartnershipSuspended,
            EventType::PartnershipReinstated,
            EventType::PartnershipTerminated,
        ]
        .into_iter()
        .enumerate()
        {
            let facts = Facts {
                occurred: format!("{}", 1960 + i * 5).parse().expect("EDTF"),
                sources: vec![source(
                    &format!("Minutes {n}-{i}"),
                    "Archive",
                    SourceRole::Primary,
                    "item 7",
                )],
                ..Facts::default()
            };
            let id = uuid::Uuid::now_v7();
            order.push(id);
            events.push(amity_ledger::encode(
                id,
                &Event::lifecycle(event_type, partnership(&partner), facts),
                "bench",
            ));
        }
        appends.push(amity_store::StreamAppend {
            stream: partnership(&partner).id().as_str().to_owned(),
            expected: amity_store::ExpectedVersion::NoStream,
            events,
        });
    }
    store.append_many(appends).await.expect("appended");
    let ledger = Ledger::new(store);
    let (turtle, count) = exported(&ledger, ProvFormat::Turtle, None).await;
    assert_eq!(count, 3_000);
    let graph = Graph(parse(&turtle));
    let qualified: Vec<String> = graph
        .0
        .iter()
        .filter(|t| t.predicate.as_str() == prov("qualifiedPrimarySource"))
        .map(|t| t.object.to_string())
        .collect();
    assert_eq!(qualified.len(), 3_000);
    assert_eq!(
        qualified.iter().collect::<BTreeSet<_>>().len(),
        3_000,
        "blank nodes are distinct"
    );
    let positions: Vec<usize> = order
        .iter()
        .map(|id| {
            turtle
                .find(&format!("<urn:uuid:{id}> a prov:Entity"))
                .expect("described")
        })
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "in feed order"
    );
    assert_eq!(graph.subjects(RDF_TYPE, &amity("Partnership")).len(), 500);

    let (json, count) = exported(&ledger, ProvFormat::Json, None).await;
    assert_eq!(count, 3_000);
    let maps: std::collections::BTreeMap<String, Keys> = serde_json::from_str(&json).expect("JSON");
    for (name, Keys(keys)) in &maps {
        assert_eq!(
            keys.iter().collect::<BTreeSet<_>>().len(),
            keys.len(),
            "{name} repeats a key"
        );
    }
    assert_eq!(maps["wasDerivedFrom"].0.len(), 3_000);
    assert_eq!(maps["entity"].0.len(), 3_000 * 2 + 500);
}
