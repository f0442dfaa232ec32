//! The QuickStatements export: a named case for each rule, over ledgers built in memory.

use std::sync::Arc;

use amity_domain::{
    Certainty, EdtfDate, Event, EventType, Facts, Occurred, Partnership, PartnershipKind, Party,
    Source,
};
use amity_ledger::{Ledger, ToRecord};
use amity_projections::Projections;
use amity_store::MemoryEventStore;

use super::{reference_url, When};
use crate::history::Dating;

fn party(name: &str, country: &str, qid: Option<&str>) -> Party {
    Party::new(name, country, None, qid).unwrap()
}

fn pair(a: Option<&str>, b: Option<&str>) -> Partnership {
    Partnership::new(
        party("Colorado Springs", "US", a),
        party("Smolensk", "RU", b),
        PartnershipKind::sister_city(),
    )
    .unwrap()
}

fn event(partnership: &Partnership, event_type: EventType, occurred: &str, url: &str) -> Event {
    let facts = Facts {
        occurred: Occurred::Date(EdtfDate::parse(occurred).unwrap()),
        sources: vec![Source {
            title: "A source".to_owned(),
            url: (!url.is_empty()).then(|| url.to_owned()),
            ..Source::default()
        }],
        certainty: Certainty::Confirmed,
        ..Facts::default()
    };
    Event::lifecycle(event_type, partnership.clone(), facts)
}

/// The export of a ledger holding `events`, with the number of partnerships written, and the
/// day (as S813 writes it) they were recorded.
async fn export(events: Vec<Event>) -> (String, u64, String) {
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    for event in events {
        ledger
            .record(ToRecord::lifecycle(event, "test"))
            .await
            .unwrap();
    }
    let projections = Projections::open(ledger, None).unwrap();
    let mut out = Vec::new();
    let written = super::export(&projections, None, &mut out).await.unwrap();
    let today = jiff::Timestamp::now()
        .strftime("+%Y-%m-%dT00:00:00Z/11")
        .to_string();
    (String::from_utf8(out).unwrap(), written, today)
}

/// The export of a founding dated `occurred` (with one source URL), both parties with items.
async fn founded(occurred: &str) -> String {
    let partnership = pair(Some("Q49258"), Some("Q1898"));
    let (out, written, _) = export(vec![event(
        &partnership,
        EventType::PartnershipFounded,
        occurred,
        "",
    )])
    .await;
    assert_eq!(written, 1);
    out
}

#[tokio::test]
async fn given_a_founding_year_when_exported_then_p580_has_year_precision_both_ways() {
    assert_eq!(
        founded("1993").await,
        "Q49258\tP190\tQ1898\tP580\t+1993-00-00T00:00:00Z/9\n\
         Q1898\tP190\tQ49258\tP580\t+1993-00-00T00:00:00Z/9\n"
    );
}

#[tokio::test]
async fn given_a_founding_month_or_day_when_exported_then_p580_has_month_or_day_precision() {
    assert!(founded("2022-03")
        .await
        .starts_with("Q49258\tP190\tQ1898\tP580\t+2022-03-00T00:00:00Z/10\n"));
    assert!(founded("2022-03-03")
        .await
        .starts_with("Q49258\tP190\tQ1898\tP580\t+2022-03-03T00:00:00Z/11\n"));
}

#[tokio::test]
async fn given_an_uncertain_or_approximate_founding_when_exported_then_p580_is_somevalue_between_its_bounds(
) {
    assert!(founded("1993?").await.starts_with(
        "Q49258\tP190\tQ1898\tP580\tsomevalue\tP1319\t+1993-00-00T00:00:00Z/9\
         \tP1326\t+1993-00-00T00:00:00Z/9\n"
    ));
    assert!(founded("2022-03-03~").await.starts_with(
        "Q49258\tP190\tQ1898\tP580\tsomevalue\tP1319\t+2022-03-03T00:00:00Z/11\
         \tP1326\t+2022-03-03T00:00:00Z/11\n"
    ));
}

#[tokio::test]
async fn given_a_founding_range_or_set_when_exported_then_p580_is_somevalue_between_its_bounds() {
    assert!(founded("2003/2014").await.starts_with(
        "Q49258\tP190\tQ1898\tP580\tsomevalue\tP1319\t+2003-00-00T00:00:00Z/9\
         \tP1326\t+2014-00-00T00:00:00Z/9\n"
    ));
    assert!(founded("[2022-02-28,2022-03-28]").await.starts_with(
        "Q49258\tP190\tQ1898\tP580\tsomevalue\tP1319\t+2022-02-28T00:00:00Z/11\
         \tP1326\t+2022-03-28T00:00:00Z/11\n"
    ));
    assert!(founded("199X").await.starts_with(
        "Q49258\tP190\tQ1898\tP580\tsomevalue\tP1319\t+1990-00-00T00:00:00Z/9\
         \tP1326\t+1999-00-00T00:00:00Z/9\n"
    ));
}

#[tokio::test]
async fn given_a_suspension_when_exported_then_there_is_no_end_time() {
    let partnership = pair(Some("Q49258"), Some("Q1898"));
    let (out, _, _) = export(vec![
        event(&partnership, EventType::PartnershipFounded, "1993", ""),
        event(&partnership, EventType::PartnershipSuspended, "2022-03", ""),
    ])
    .await;
    assert!(!out.contains("P582"), "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[tokio::test]
async fn given_a_termination_when_exported_then_p582_is_its_date_and_a_reinstated_one_ends_nothing()
{
    let partnership = pair(Some("Q49258"), Some("Q1898"));
    let terminated = vec![
        event(&partnership, EventType::PartnershipFounded, "1993", ""),
        event(
            &partnership,
            EventType::PartnershipTerminated,
            "2022-03",
            "",
        ),
    ];
    let (out, _, _) = export(terminated.clone()).await;
    assert!(out.starts_with(
        "Q49258\tP190\tQ1898\tP580\t+1993-00-00T00:00:00Z/9\tP582\t+2022-03-00T00:00:00Z/10\n"
    ));
    let mut reinstated = terminated;
    reinstated.push(event(
        &partnership,
        EventType::PartnershipReinstated,
        "2023",
        "",
    ));
    let (out, _, _) = export(reinstated).await;
    assert!(!out.contains("P582"), "{out}");
}

#[tokio::test]
async fn given_an_uncertain_founding_and_termination_when_exported_then_the_bounds_are_the_starts_earliest_and_the_ends_latest(
) {
    let partnership = pair(Some("Q49258"), Some("Q1898"));
    let (out, _, _) = export(vec![
        event(&partnership, EventType::PartnershipFounded, "1993?", ""),
        event(
            &partnership,
            EventType::PartnershipTerminated,
            "2022-03-03~",
            "",
        ),
    ])
    .await;
    assert!(out.starts_with(
        "Q49258\tP190\tQ1898\tP580\tsomevalue\tP582\tsomevalue\
         \tP1319\t+1993-00-00T00:00:00Z/9\tP1326\t+2022-03-03T00:00:00Z/11\n"
    ));
}

#[tokio::test]
async fn given_parties_without_items_when_exported_then_their_partnerships_are_skipped() {
    let one_without = pair(Some("Q49258"), None);
    let (out, written, _) = export(vec![event(
        &one_without,
        EventType::PartnershipFounded,
        "1993",
        "",
    )])
    .await;
    assert_eq!((out.as_str(), written), ("", 0));
    let malformed = pair(Some("Q49258"), Some("Q0"));
    let (out, written, _) = export(vec![event(
        &malformed,
        EventType::PartnershipFounded,
        "1993",
        "",
    )])
    .await;
    assert_eq!((out.as_str(), written), ("", 0));
}

#[tokio::test]
async fn given_sources_with_urls_when_exported_then_each_is_a_reference_retrieved_the_day_it_was_recorded(
) {
    let partnership = pair(Some("Q49258"), Some("Q1898"));
    let (out, written, today) = export(vec![
        event(
            &partnership,
            EventType::PartnershipFounded,
            "1993",
            "https://example.org/minutes",
        ),
        event(
            &partnership,
            EventType::PartnershipAttested,
            "2022-03",
            "doi:10.1000/182",
        ),
    ])
    .await;
    assert_eq!(written, 1);
    let claim = "P190\tQ1898\tP580\t+1993-00-00T00:00:00Z/9";
    assert_eq!(
        out,
        format!(
            "Q49258\t{claim}\tS854\t\"https://example.org/minutes\"\tS813\t{today}\n\
             Q49258\t{claim}\tS854\t\"https://doi.org/10.1000/182\"\tS813\t{today}\n\
             Q1898\tP190\tQ49258\tP580\t+1993-00-00T00:00:00Z/9\tS854\t\"https://example.org/minutes\"\tS813\t{today}\n\
             Q1898\tP190\tQ49258\tP580\t+1993-00-00T00:00:00Z/9\tS854\t\"https://doi.org/10.1000/182\"\tS813\t{today}\n"
        )
    );
}

#[tokio::test]
async fn given_a_disputed_founding_only_when_exported_then_nothing_is_claimed() {
    let partnership = pair(Some("Q49258"), Some("Q1898"));
    let facts = Facts {
        occurred: Occurred::Date(EdtfDate::parse("1993").unwrap()),
        certainty: Certainty::Disputed,
        ..Facts::default()
    };
    let disputed = Event::lifecycle(EventType::PartnershipFounded, partnership, facts);
    let (out, written, _) = export(vec![disputed]).await;
    assert_eq!((out.as_str(), written), ("", 0));
}

#[test]
fn given_unknown_or_exact_datings_when_read_as_times_then_unknown_writes_nothing() {
    assert_eq!(
        Dating::from_text("unknown").and_then(|d| When::of(&d)),
        None
    );
    assert_eq!(
        When::of(&Dating::from_text("1983 or 1984").unwrap()),
        Some(When::Between(
            Some("+1983-00-00T00:00:00Z/9".to_owned()),
            Some("+1984-00-00T00:00:00Z/9".to_owned())
        ))
    );
    // An open interval has one bound.
    assert_eq!(
        When::of(&Dating::from_text("2003/..").unwrap()),
        Some(When::Between(
            Some("+2003-00-00T00:00:00Z/9".to_owned()),
            None
        ))
    );
}

#[test]
fn given_urls_of_each_scheme_when_referenced_then_they_are_web_urls_with_syntax_characters_encoded()
{
    assert_eq!(
        reference_url("https://x.org/a b|c\"d").as_deref(),
        Some("https://x.org/a%20b%7Cc%22d")
    );
    assert_eq!(
        reference_url("hdl:20.500.12345/1").as_deref(),
        Some("https://hdl.handle.net/20.500.12345/1")
    );
    assert_eq!(
        reference_url("ark:/13030/tf5p30086k").as_deref(),
        Some("https://n2t.net/ark:/13030/tf5p30086k")
    );
    assert_eq!(
        reference_url("urn:isbn:0451450523").as_deref(),
        Some("urn:isbn:0451450523")
    );
    assert_eq!(reference_url("javascript:alert(1)"), None);
}
