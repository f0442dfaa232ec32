//! Tests of `input`: the rules for new input, given a value, when it is checked, then it is
//! accepted or refused with the field named; and property tests of the parsers of outside
//! input (dates, parties): they never panic, and refuse with the field named.

use super::*;
use crate::event::{EventType, Retraction};
use crate::party::{Partnership, PartnershipKind};
use proptest::prelude::*;

/// 2026-12-04, the day these tests take for today.
fn today() -> Day {
    Day::from_ymd(2026, 12, 4).unwrap()
}

fn partnership(a: &str, b: &str) -> Partnership {
    Partnership::new(
        a.parse().unwrap(),
        b.parse().unwrap(),
        PartnershipKind::sister_city(),
    )
    .unwrap()
}

fn founded(facts: Facts) -> Event {
    Event::lifecycle(
        EventType::PartnershipFounded,
        partnership("Colorado Springs, US-CO", "Smolensk, RU"),
        facts,
    )
}

fn dated(text: &str) -> Facts {
    Facts {
        occurred: Occurred::Date(EdtfDate::parse(text).unwrap()),
        ..Facts::default()
    }
}

fn source_with_url(url: &str) -> Facts {
    Facts {
        sources: vec![Source {
            title: "Council minutes".to_owned(),
            url: Some(url.to_owned()),
            ..Source::default()
        }],
        ..dated("1993")
    }
}

// Dates of the world.

#[test]
fn given_an_empty_occurred_when_read_then_it_is_refused_saying_to_write_unknown() {
    for empty in ["", "  "] {
        let error = occurred("occurred", empty, today()).unwrap_err();
        assert_eq!(error.field, "occurred");
        assert_eq!(error.problem, Problem::EmptyDate);
        let message = error.to_string();
        assert!(message.starts_with("occurred: "), "{message}");
        assert!(message.contains("`unknown`"), "{message}");
    }
    // The same through `FromStr`: an empty text is no longer an unknown date.
    let error = "".parse::<Occurred>().unwrap_err();
    assert!(error.to_string().contains("`unknown`"), "{error}");
}

#[test]
fn given_the_word_unknown_when_read_then_the_date_is_unknown() {
    for word in ["unknown", "Unknown", " UNKNOWN "] {
        assert_eq!(occurred("occurred", word, today()), Ok(Occurred::Unknown));
    }
}

#[test]
fn given_a_date_whose_earliest_day_is_after_today_when_read_then_it_is_refused() {
    for future in [
        "2027",
        "2026-12-05",
        "2030/..",
        "2027?",
        "[2027-01-01,2028-01-01]",
    ] {
        let error = occurred("--occurred", future, today()).unwrap_err();
        assert!(
            matches!(error.problem, Problem::FutureDate { .. }),
            "{future}: {error}"
        );
        let message = error.to_string();
        assert!(message.starts_with("--occurred: "), "{message}");
        assert!(message.contains("2026-12-04"), "{message}");
    }
}

#[test]
fn given_a_date_that_may_be_today_or_earlier_when_read_then_it_is_accepted() {
    // Open and unknown ends, and dates that reach past today, may have happened already.
    for past in [
        "2026-12-04",
        "2026",
        "2026-12",
        "2020/..",
        "2020/",
        "../2030",
        "2026/2030",
        "1993?",
        "20XX",
    ] {
        let read = occurred("occurred", past, today());
        assert!(read.is_ok(), "{past}: {read:?}");
    }
}

#[test]
fn given_a_stored_style_event_with_a_future_date_when_checked_as_new_then_occurred_is_named() {
    let error = founded(dated("2031-05")).check_new(today()).unwrap_err();
    assert_eq!(error.field, "occurred");
    let error = founded(Facts {
        sources: vec![Source {
            title: "Gazette".to_owned(),
            published: Some(EdtfDate::parse("2030").unwrap()),
            ..Source::default()
        }],
        ..dated("1993")
    })
    .check_new(today())
    .unwrap_err();
    assert_eq!(error.field, "source_date");
}

#[test]
fn given_not_edtf_when_read_then_the_field_and_the_edtf_error_are_named() {
    let error = occurred("occurred", "next tuesday", today()).unwrap_err();
    assert!(matches!(error.problem, Problem::Date(_)));
    assert!(
        error
            .to_string()
            .starts_with("occurred: invalid EDTF date \"next tuesday\""),
        "{error}"
    );
}

// Source URLs.

#[test]
fn given_a_url_of_each_allowed_scheme_when_checked_then_it_is_accepted() {
    for url in [
        "http://example.org/minutes",
        "https://www.smolensk-news.ru/2022/03/04/",
        "urn:isbn:9780140449136",
        "doi:10.1000/182",
        "ark:/13030/tf5p30086k",
        "hdl:10013/epic.10033",
        "HTTPS://EXAMPLE.ORG/",
    ] {
        assert_eq!(check_url("source_url", url), Ok(()), "{url}");
        assert_eq!(founded(source_with_url(url)).check_new(today()), Ok(()));
    }
}

#[test]
fn given_a_javascript_url_when_checked_then_its_scheme_is_refused() {
    let error = check_url("--source-url", "javascript:alert(1)").unwrap_err();
    assert_eq!(
        error.problem,
        Problem::UrlScheme {
            text: "javascript:alert(1)".to_owned(),
            scheme: "javascript".to_owned()
        }
    );
    let message = error.to_string();
    assert!(message.starts_with("--source-url: "), "{message}");
    assert!(
        message.contains("http, https, urn, doi, ark, hdl"),
        "{message}"
    );
}

#[test]
fn given_other_schemes_when_checked_then_they_are_refused() {
    for url in [
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/x",
        "mailto:clerk@example.org",
        "vbscript:msgbox",
    ] {
        let error = check_url("source_url", url).unwrap_err();
        assert!(
            matches!(error.problem, Problem::UrlScheme { .. }),
            "{url}: {error}"
        );
    }
}

#[test]
fn given_text_that_is_not_a_url_when_checked_then_it_is_refused() {
    for text in ["not a url", "example.org/minutes", "", "//example.org"] {
        let error = check_url("source_url", text).unwrap_err();
        assert!(
            matches!(error.problem, Problem::NotUrl { .. }),
            "{text}: {error}"
        );
        assert!(error.to_string().starts_with("source_url: "), "{error}");
    }
}

#[test]
fn given_a_url_with_a_control_character_or_a_line_break_when_checked_then_it_is_refused() {
    // The URL parser would drop the tab and the line break silently.
    for text in [
        "https://exam\tple.org/",
        "https://exam\nple.org/",
        "https://example.org/\u{1b}[2J",
    ] {
        let error = check_url("source_url", text).unwrap_err();
        assert!(
            matches!(
                error.problem,
                Problem::Text(TextProblem::ControlCharacter { .. } | TextProblem::LineBreak { .. })
            ),
            "{text:?}: {error}"
        );
    }
    let error = founded(source_with_url("javascript:alert(1)"))
        .check_new(today())
        .unwrap_err();
    assert_eq!(error.field, "source_url");
}

// Control characters and line breaks.

#[test]
fn given_an_escape_sequence_in_a_name_when_a_party_is_read_then_it_is_refused() {
    let error = party("PARTY", "Evil\u{1b}[31m City, US").unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("PARTY: "), "{message}");
    assert!(message.contains("control character \\u{1b}"), "{message}");
    // The refused input is shown escaped, never raw.
    assert!(!message.contains('\u{1b}'), "{message}");
}

#[test]
fn given_a_line_break_in_a_name_when_a_party_is_read_then_it_is_refused() {
    let error = party("party_a", "Colorado\nSprings, US-CO").unwrap_err();
    assert!(error.to_string().contains("line break"), "{error}");
    // A tab is not a control character the rules refuse.
    assert!(party("party_a", "Colorado\tSprings, US-CO").is_ok());
}

#[test]
fn given_a_control_character_in_a_note_when_checked_then_note_is_named() {
    for bad in [
        "frozen\u{1b}]0;owned\u{7}",
        "bell\u{7}",
        "lone\rreturn",
        "c1\u{9b}31m",
    ] {
        let error = founded(Facts {
            note: Some(bad.to_owned()),
            ..dated("1993")
        })
        .check_new(today())
        .unwrap_err();
        assert_eq!(error.field, "note", "{bad:?}");
        assert!(
            matches!(
                error.problem,
                Problem::Text(TextProblem::ControlCharacter { .. })
            ),
            "{bad:?}: {error}"
        );
    }
}

#[test]
fn given_line_breaks_in_a_note_a_term_and_a_locator_when_checked_then_they_are_accepted() {
    let event = founded(Facts {
        note: Some("first line\nsecond line\r\nthird\tcolumn".to_owned()),
        term_as_written: Some("sister\ncities".to_owned()),
        sources: vec![Source {
            title: "Minutes".to_owned(),
            locator: Some("p. 3\n§ 2".to_owned()),
            ..Source::default()
        }],
        ..dated("1993")
    });
    assert_eq!(event.check_new(today()), Ok(()));
}

#[test]
fn given_a_line_break_in_a_one_line_field_when_checked_then_that_field_is_named() {
    let title = founded(Facts {
        sources: vec![Source {
            title: "Council\nminutes".to_owned(),
            ..Source::default()
        }],
        ..dated("1993")
    });
    assert_eq!(title.check_new(today()).unwrap_err().field, "source_title");
    let reason = Event::Retracted(Retraction {
        target: uuid::Uuid::from_u128(1),
        reason: "typo\nin the year".to_owned(),
        facts: Facts::default(),
    });
    let error = reason.check_new(today()).unwrap_err();
    assert_eq!(error.field, "reason");
    assert!(matches!(
        error.problem,
        Problem::Text(TextProblem::LineBreak { position: 5 })
    ));
}

#[test]
fn given_a_register_event_with_an_escape_in_an_alias_when_checked_then_alias_is_named() {
    let event = RegisterEvent::Aliased(crate::register::Aliases {
        key: "ru:smolensk".parse().unwrap(),
        aliases: vec!["Smolensk\u{1b}[8m".to_owned()],
        sources: Vec::new(),
        note: Some("two\nlines".to_owned()),
    });
    assert_eq!(event.check_new(today()).unwrap_err().field, "alias");
}

#[test]
fn given_a_moment_when_its_day_is_taken_then_it_is_the_utc_day() {
    let moment: jiff::Timestamp = "2026-12-04T23:59:59Z".parse().unwrap();
    assert_eq!(Day::of(moment), today());
    let before_1970: jiff::Timestamp = "1969-12-31T12:00:00Z".parse().unwrap();
    assert_eq!(Day::of(before_1970), Day::On(-1));
}

// Property tests of the parsers of outside input: random strings and mutations of valid
// values never panic, and are either read or refused with the field named.

/// 2,000 cases unless `AMITY_PROPTEST_CASES` says more, for a longer run by hand.
fn cases() -> u32 {
    std::env::var("AMITY_PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2_000)
}

/// Dates as sources write them, to mutate.
const VALID_DATES: &[&str] = &[
    "1993",
    "2022-03",
    "2022-03-03~",
    "1993?",
    "[2022-02-28,2022-03-28]",
    "2003/2014",
    "2020/..",
    "../1990",
    "1983%",
    "{1983,1984}",
    "19XX",
    "2022-03-03T10:00:00Z",
    "-0044-03-15",
    "Y170000002",
    "2001-21",
    "unknown",
];

/// Parties as people write them, to mutate.
const VALID_PARTIES: &[&str] = &[
    "Colorado Springs, US-CO",
    "Smolensk, RU",
    "Washington, D.C., US",
    "County Durham, GB",
    "Setagaya (Tokyo), JP",
    "Kraków, PL",
    "Pristina, XK",
    "Unknown place, ZZ",
];

/// A mutation of `text`: a character inserted, deleted or replaced at `at`.
fn mutated(text: &str, kind: u8, at: usize, with: char) -> String {
    let mut characters: Vec<char> = text.chars().collect();
    let at = if characters.is_empty() {
        0
    } else {
        at % (characters.len() + 1)
    };
    match kind % 3 {
        0 => characters.insert(at, with),
        1 if at < characters.len() => {
            characters.remove(at);
        }
        _ if at < characters.len() => characters[at] = with,
        _ => characters.push(with),
    }
    characters.into_iter().collect()
}

/// Characters mutations use: EDTF's and names' own signs, digits, controls, anything.
fn mutation_character() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            '-', '/', '.', '~', '?', '%', '[', ']', '{', '}', ',', 'X', 'Y', 'E', 'S', 'T', ':',
            'Z', '+', '0', '9', ' ', '\u{1b}', '\n', '\t', '\0', 'é', '\u{202e}',
        ]),
        any::<char>(),
    ]
}

fn check_date_reading(text: &str) -> Result<(), TestCaseError> {
    match occurred("occurred", text, today()) {
        Ok(Occurred::Unknown) => prop_assert!(text.trim().eq_ignore_ascii_case("unknown")),
        Ok(Occurred::Date(date)) => {
            prop_assert!(date.earliest() <= today(), "{text:?} read as {date}");
            prop_assert!(date.earliest() <= date.latest(), "{text:?}: bounds");
        }
        Err(error) => {
            prop_assert_eq!(&error.field, "occurred");
            let message = error.to_string();
            prop_assert!(message.starts_with("occurred: "), "{}", message);
        }
    }
    Ok(())
}

fn check_party_reading(text: &str) -> Result<(), TestCaseError> {
    match party("party_a", text) {
        Ok(read) => {
            prop_assert!(text_problem(&read.name, Lines::One).is_none(), "{:?}", read);
            prop_assert!(!read.key().as_str().is_empty());
        }
        Err(error) => {
            let message = error.to_string();
            prop_assert!(message.starts_with("party_a: "), "{}", message);
            // A refusal shows what was given escaped: it cannot drive a terminal either.
            prop_assert!(!message.contains('\u{1b}'), "{}", message);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_text_read_as_a_date_is_read_or_refused_naming_the_field(text in any::<String>()) {
        check_date_reading(&text)?;
    }

    #[test]
    fn date_like_text_read_as_a_date_is_read_or_refused_naming_the_field(
        text in "[-0-9X/.~?%\\[\\],{}YESTZ:+ ]{0,24}",
    ) {
        check_date_reading(&text)?;
    }

    #[test]
    fn mutated_dates_are_read_or_refused_naming_the_field(
        index in 0..VALID_DATES.len(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), mutation_character()), 1..4),
    ) {
        let mut text = VALID_DATES[index].to_owned();
        for (kind, at, with) in edits {
            text = mutated(&text, kind, at, with);
        }
        check_date_reading(&text)?;
    }

    #[test]
    fn any_text_read_as_a_party_is_read_or_refused_naming_the_field(text in any::<String>()) {
        check_party_reading(&text)?;
    }

    #[test]
    fn party_like_text_read_as_a_party_is_read_or_refused_naming_the_field(
        name in "[A-Za-zé .()'\u{1b}\n\t-]{0,16}",
        code in "[A-Za-z0-9 -]{0,8}",
    ) {
        check_party_reading(&format!("{name}, {code}"))?;
    }

    #[test]
    fn mutated_parties_are_read_or_refused_naming_the_field(
        index in 0..VALID_PARTIES.len(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), mutation_character()), 1..4),
    ) {
        let mut text = VALID_PARTIES[index].to_owned();
        for (kind, at, with) in edits {
            text = mutated(&text, kind, at, with);
        }
        check_party_reading(&text)?;
    }
}
