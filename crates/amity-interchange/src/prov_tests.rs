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

/// The Colorado Springs–Smolensk history of the example ledger, as `amity example` records
/// it; then Colorado Springs–Kaohsiung with two claims of its founding (1983, 1984), a
/// reaffirmation retracted, and a citation of a primary source for the 1983 claim.
async fn ledger() -> Ledger {
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
    ledger
        .record_all(vec![retraction, citation])
        .await
        .expect("recorded");
    ledger
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
