//! The timeline's scale, spans and marks.

use amity_domain::{Certainty, PartnershipKind};
use amity_projections::query::HistoryEntry;

use super::*;

fn day(text: &str) -> i32 {
    match parse_day(Some(text), Day::Past) {
        Day::On(day) => day,
        other => panic!("{text}: {other:?}"),
    }
}

/// A history row; `step` marks a driving entry (neither disputed nor retracted).
fn row(
    version: u64,
    event_type: &str,
    occurred: &str,
    bounds: (&str, &str),
    certainty: Certainty,
    driving: bool,
) -> TimelineRow {
    TimelineRow {
        partnership: "ru:smolensk+us-co:colorado-springs".parse().unwrap(),
        seq: version,
        step: driving.then_some(version),
        event_id: format!("event-{version}"),
        stream_version: version,
        event_type: event_type.into(),
        occurred: Some(occurred.into()),
        earliest: Some(bounds.0.into()),
        latest: Some(bounds.1.into()),
        term_as_written: None,
        certainty,
        sources: Vec::new(),
        initiated_by: None,
        note: None,
        target: None,
        reason: None,
        retracted_by: None,
        disputed: certainty == Certainty::Disputed,
        status_after: None,
        recorded_by: "test".to_owned(),
        recorded_at: "2026-01-01T00:00:00Z".to_owned(),
        stream: None,
    }
}

fn smolensk() -> Vec<TimelineRow> {
    vec![
        row(
            0,
            "PartnershipFounded",
            "1993",
            ("1993-01-01", "1993-12-31"),
            Certainty::Confirmed,
            true,
        ),
        row(
            1,
            "PartnershipSuspended",
            "2022-03-03~",
            ("2022-03-03", "2022-03-03"),
            Certainty::Confirmed,
            true,
        ),
        row(
            2,
            "PartnershipTerminated",
            "2022-03-03~",
            ("2022-03-03", "2022-03-03"),
            Certainty::Disputed,
            false,
        ),
    ]
}

fn history(rows: Vec<TimelineRow>) -> HistoryAnswer {
    HistoryAnswer {
        partnership: "ru:smolensk+us-co:colorado-springs".parse().unwrap(),
        parties: Vec::new(),
        kind: PartnershipKind::sister_city(),
        status: Status::Suspended,
        since: None,
        first_attested: None,
        conflict: None,
        events: rows
            .into_iter()
            .map(|row| HistoryEntry {
                row,
                alternative_to: None,
                alternatives: Vec::new(),
                citations: Vec::new(),
                log_index: None,
                checkpointed: false,
            })
            .collect(),
    }
}

#[test]
fn the_scale_covers_whole_years_and_maps_them_onto_the_width_in_order() {
    let scale = Scale::around([day("1993-06-01"), day("2022-03-03")]);
    assert_eq!(day_text(scale.first), "1993-01-01");
    assert_eq!(day_text(scale.end), "2023-01-01");
    assert_eq!(scale.x(scale.first), MARGIN);
    assert_eq!(scale.x(scale.end), WIDTH - MARGIN);
    // Clamped outside, increasing inside, and days in proportion.
    assert_eq!(scale.x(day("1900-01-01")), MARGIN);
    assert_eq!(scale.x(day("2100-01-01")), WIDTH - MARGIN);
    let (a, b, c) = (
        scale.x(day("1993-01-02")),
        scale.x(day("2008-01-01")),
        scale.x(day("2022-12-31")),
    );
    assert!(MARGIN < a && a < b && b < c && c < WIDTH - MARGIN);
    let middle = scale.x((scale.first + scale.end) / 2);
    let one_day = scale.x(scale.first + 1) - scale.x(scale.first);
    assert!((middle - WIDTH / 2.0).abs() <= one_day, "{middle}");
    let ticks = scale.ticks();
    assert!(!ticks.is_empty() && ticks.len() <= 12, "{ticks:?}");
    assert!(ticks.iter().all(|(year, _)| year % 5 == 0), "{ticks:?}");
    assert!(ticks.windows(2).all(|pair| pair[0].1 < pair[1].1));
    // One day alone still makes a year's axis.
    let one = Scale::around([day("2022-03-03")]);
    assert_eq!(
        (day_text(one.first), day_text(one.end)),
        ("2022-01-01".to_owned(), "2023-01-01".to_owned())
    );
    assert_eq!(one.ticks(), vec![(2022, MARGIN)]);
}

#[test]
fn spans_follow_the_driving_entries_possible_where_a_date_straddles() {
    let rows = smolensk();
    let spans = spans(&rows, false, day("1990-01-01"), day("2024-01-01")).unwrap();
    let found: Vec<(String, String, &str, Certainty3)> = spans
        .iter()
        .map(|span| {
            (
                day_text(span.from),
                day_text(span.to - 1),
                span.status.name(),
                span.certainty,
            )
        })
        .collect();
    let expected = [
        ("1990-01-01", "1992-12-31", "not_yet", Certainty3::Definite),
        ("1993-01-01", "1993-12-31", "active", Certainty3::Possible),
        ("1994-01-01", "2022-03-02", "active", Certainty3::Definite),
        (
            "2022-03-03",
            "2022-03-03",
            "suspended",
            Certainty3::Possible,
        ),
        (
            "2022-03-04",
            "2023-12-31",
            "suspended",
            Certainty3::Definite,
        ),
    ];
    let expected: Vec<(String, String, &str, Certainty3)> = expected
        .iter()
        .map(|(a, b, s, c)| ((*a).to_owned(), (*b).to_owned(), *s, *c))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(spans[1].competing, [Status::NotYet, Status::Active]);
    assert_eq!(spans[3].competing, [Status::Active, Status::Suspended]);
    // The disputed termination drives nothing: no span is terminated.
    assert!(spans.iter().all(|span| span.status != Status::Terminated));
}

#[test]
fn every_day_of_a_span_has_the_status_the_query_gives_that_day() {
    let mut rows = smolensk();
    rows.push(row(
        3,
        "PartnershipReinstated",
        "[2022-06-10,2022-07-20]",
        ("2022-06-10", "2022-07-20"),
        Certainty::Probable,
        true,
    ));
    rows.push(row(
        4,
        "PartnershipTerminated",
        "2022-07",
        ("2022-07-01", "2022-07-31"),
        Certainty::Possible,
        true,
    ));
    let (first, end) = (day("2021-11-01"), day("2022-10-01"));
    let spans = spans(&rows, false, first, end).unwrap();
    assert!(spans.len() <= 2 * 4 + 1, "{spans:?}");
    assert_eq!((spans[0].from, spans.last().unwrap().to), (first, end));
    let dated: Vec<_> = rows::driving(&rows).into_iter().map(|(d, _)| d).collect();
    let profile = Engine::new(&dated).profile().unwrap();
    for span in &spans {
        for each in span.from..span.to {
            let point = day_point(Day::On(each));
            let answer = status_at(&dated, &profile, point, point).unwrap();
            assert_eq!(
                (answer.status, answer.certainty, &answer.competing),
                (span.status, span.certainty, &span.competing),
                "{}",
                day_text(each)
            );
        }
    }
    // Neighbouring spans differ (they are merged otherwise).
    assert!(spans.windows(2).all(|pair| pair[0].to == pair[1].from
        && (pair[0].status, pair[0].certainty) != (pair[1].status, pair[1].certainty)
        || pair[0].competing != pair[1].competing));
}

#[test]
fn a_history_that_breaks_the_rules_is_unknown_throughout() {
    let spans = spans(&smolensk(), true, 10, 20).unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!((spans[0].from, spans[0].to), (10, 20));
    assert_eq!(spans[0].status, Status::Unknown);
    assert_eq!(spans[0].certainty, Certainty3::Possible);
}

#[test]
fn the_drawing_marks_entries_bands_disputes_retractions_and_the_date_asked() {
    let mut rows = smolensk();
    let mut retracted = row(
        3,
        "PartnershipReaffirmed",
        "2021",
        ("2021-01-01", "2021-12-31"),
        Certainty::Confirmed,
        false,
    );
    retracted.retracted_by = Some("event-9".to_owned());
    rows.push(retracted);
    let as_of = AsOf {
        date: "2022-04-01".parse().unwrap(),
    };
    let drawing = draw(&history(rows), &as_of, day("2026-12-04"));
    let svg = drawing.svg.into_string();
    assert!(
        svg.starts_with("<svg id=\"timeline\" role=\"img\""),
        "{svg}"
    );
    assert!(svg.contains("aria-labelledby=\"timeline-title timeline-desc\""));
    assert_eq!(svg.matches("class=\"entry").count(), 4, "{svg}");
    // The approximate suspension: a band though its bounds are one day.
    let suspension = svg
        .split("<g class=\"entry")
        .find(|part| part.contains("data-event-id=\"event-1\""))
        .unwrap();
    assert!(
        suspension.contains("data-earliest=\"2022-03-03\""),
        "{suspension}"
    );
    assert!(suspension.contains("data-latest=\"2022-03-03\""));
    assert!(suspension.contains("class=\"band\""));
    assert!(suspension.contains("data-type=\"PartnershipSuspended\""));
    let founding = svg
        .split("<g class=\"entry")
        .find(|part| part.contains("data-event-id=\"event-0\""))
        .unwrap();
    assert!(founding.contains("class=\"band\""), "a year is a band");
    assert!(svg.contains(
        "<g class=\"entry disputed uncertain\" data-event-id=\"event-2\" \
         data-type=\"PartnershipTerminated\" data-certainty=\"disputed\""
    ));
    assert!(svg.contains("<g class=\"entry retracted uncertain\" data-event-id=\"event-3\""));
    assert!(svg.contains("class=\"strike\""));
    assert!(svg.contains("class=\"span possible\" data-status=\"suspended\""));
    assert!(svg.contains("fill=\"url(#hatch-suspended)\""));
    assert!(svg.contains("<g class=\"as-of\" data-earliest=\"2022-04-01\""));
    // The axis reaches today.
    assert_eq!(day_text(drawing.scale.end), "2027-01-01");
    assert_eq!(drawing.spans.last().unwrap().status, Status::Suspended);
    assert!(drawing.unfinished.is_none());
}
