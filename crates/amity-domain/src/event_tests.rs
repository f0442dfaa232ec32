//! Tests of `event`.
use super::*;

#[test]
fn every_type_is_read_back_from_its_stored_name() {
    for event_type in EventType::ALL {
        assert_eq!(EventType::from_name(event_type.name()), Some(event_type));
    }
    assert_eq!(EventType::from_name("PartnershipFounded "), None);
}

/// Decode with `seen`, counting how often the partnership is handed to the caller and
/// which raw text it was given.
fn decode_seen(payload: &str, seen: Option<&str>) -> (Result<Event, DecodeError>, Vec<String>) {
    let mut given = Vec::new();
    let event = Event::decode_with("PartnershipFounded", 1, payload.as_bytes(), seen, |raw| {
        given.push(raw.to_owned());
        Partnership::from_json(raw).map(Arc::new)
    });
    (event, given)
}

#[test]
fn a_payload_opening_with_the_partnership_already_seen_reads_the_same_without_it() {
    let raw = r#"{"parties":[{"name":"A","country":"US"},{"name":"B","country":"RU"}],"kind":"sister-city"}"#;
    let rest = r#""occurred":"2022-03-03~","term_as_written":"suspended \"indefinitely\"","sources":[{"title":"«Смоленск»"}],"certainty":"confirmed"}"#;
    let payload = format!(r#"{{"partnership":{raw},{rest}"#);
    let (full, given) = decode_seen(&payload, None);
    assert_eq!(given, [raw]);
    let (skipped, given) = decode_seen(&payload, Some(raw));
    assert_eq!(given, [raw]);
    assert_eq!(skipped.unwrap(), full.unwrap());

    // Another partnership text (here: other spacing) is read in full, as written.
    let spaced = raw.replace(',', ", ");
    let other = format!(r#"{{"partnership":{spaced},{rest}"#);
    let (event, given) = decode_seen(&other, Some(raw));
    assert_eq!(given, [spaced.as_str()]);
    assert!(event.is_ok());

    // A second partnership after the skipped one is still refused, and a bad payload gets
    // the same error (position included) as when read in full.
    let twice = format!(r#"{{"partnership":{raw},"partnership":{raw},{rest}"#);
    let broken = format!(r#"{{"partnership":{raw},"occurred":"1993","sources":[}}"#);
    let null_again = format!(r#"{{"partnership":{raw},"partnership":null,{rest}"#);
    let escaped = format!(r#"{{"partnership":{raw},"partnershi\u0070":null,{rest}"#);
    for bad in [&twice, &broken, &null_again, &escaped] {
        let (skipped, _) = decode_seen(bad, Some(raw));
        let (full, _) = decode_seen(bad, None);
        assert_eq!(skipped.unwrap_err().reason, full.unwrap_err().reason);
    }
    let (event, _) = decode_seen(&twice, Some(raw));
    let reason = event.unwrap_err().reason;
    assert!(reason.contains("duplicate field `partnership`"), "{reason}");
}

#[test]
fn an_alternative_claim_is_written_only_when_there_is_one_and_only_on_lifecycle_events() {
    let partnership = r#"{"parties":[{"name":"A","country":"US"},{"name":"B","country":"RU"}],"kind":"sister-city"}"#;
    let plain = format!(
        r#"{{"partnership":{partnership},"occurred":"1983","sources":[],"certainty":"confirmed"}}"#
    );
    let event = Event::decode("PartnershipFounded", 1, plain.as_bytes()).unwrap();
    assert_eq!(event.alternative_to(), None);
    // Without the field, the payload is written exactly as before it existed.
    assert_eq!(event.encode(), plain);
    let root = EventId::from_u128(7);
    let body = event.as_lifecycle().unwrap();
    let alternative = Event::claim(
        EventType::PartnershipFounded,
        body.partnership.clone(),
        body.facts.clone(),
        Some(root),
    );
    let written = alternative.encode();
    assert!(
        written.contains(&format!(r#""alternative_to":"{root}""#)),
        "{written}"
    );
    let back = Event::decode("PartnershipFounded", 1, written.as_bytes()).unwrap();
    assert_eq!(back, alternative);
    assert_eq!(back.alternative_to(), Some(root));
    // A retraction or citation is about another entry already; it is no claim.
    for (event_type, extra) in [
        ("EntryRetracted", r#""reason":"wrong","#),
        ("SourceCited", ""),
    ] {
        let payload = format!(
            r#"{{"target":"{root}",{extra}"alternative_to":"{root}","occurred":null,"sources":[],"certainty":"confirmed"}}"#
        );
        let error = Event::decode(event_type, 1, payload.as_bytes()).unwrap_err();
        assert!(
            error.reason.contains("unexpected field `alternative_to`"),
            "{error}"
        );
    }
    // Other unknown fields are still refused.
    let unknown = plain.replace(r#""certainty""#, r#""alternative":"x","certainty""#);
    assert!(Event::decode("PartnershipFounded", 1, unknown.as_bytes()).is_err());
}

#[test]
fn a_partnership_of_one_party_with_itself_is_refused_on_read() {
    let payload = r#"{"partnership":{"parties":[{"name":"A","country":"US"},{"name":"A","country":"US"}]},"occurred":null,"sources":[],"certainty":"confirmed"}"#;
    let error = Event::decode("PartnershipFounded", 1, payload.as_bytes()).unwrap_err();
    assert!(error.reason.contains("two different parties"), "{error}");
}

#[test]
fn the_date_and_sources_fields_are_required_even_when_empty() {
    let payload = |body: &str| {
        format!(
            r#"{{"partnership":{{"parties":[{{"name":"A","country":"US"}},{{"name":"B","country":"RU"}}],"kind":"sister-city"}},{body}"certainty":"confirmed"}}"#
        )
    };
    let ok = payload(r#""occurred":null,"sources":[],"#);
    assert!(Event::decode("PartnershipFounded", 1, ok.as_bytes()).is_ok());
    let no_date = payload(r#""sources":[],"#);
    let error = Event::decode("PartnershipFounded", 1, no_date.as_bytes()).unwrap_err();
    assert!(error.reason.contains("occurred"), "{error}");
    let no_sources = payload(r#""occurred":"1993","#);
    let error = Event::decode("PartnershipFounded", 1, no_sources.as_bytes()).unwrap_err();
    assert!(error.reason.contains("sources"), "{error}");
    let bad_date = payload(r#""occurred":"1985-02-30","sources":[],"#);
    assert!(Event::decode("PartnershipFounded", 1, bad_date.as_bytes()).is_err());
}

/// The values a field of a payload may take in [`payloads`]: valid ones, and ones each reader
/// must refuse (or, for an optional field, `null`).
fn field_values(field: &str) -> Vec<&'static str> {
    match field {
        "partnership" => vec![
            r#"{"parties":[{"name":"A","country":"US"},{"name":"B","country":"RU","subdivision":"RU-SMO"}],"kind":"sister-city"}"#,
            r#"{"parties":[{"name":"A\u0301","country":"US","wikidata":"Q1","qualifier":"q2"},{"name":"B","country":"RU"}]}"#,
            r#"{"parties":[{"name":"A","country":"US"},{"name":"A","country":"US"}],"kind":"sister-city"}"#,
            r#"{"parties":[{"name":"A","country":"US"},{"name":"B"}]}"#,
            r#"{"parties":[{"name":"A","country":"US"},{"name":"B","country":"RU"}],"bogus":1}"#,
            r#"{"parties":[{"name":"A","country":"US"}]}"#,
            r#""A and B""#,
            "null",
        ],
        "alternative_to" | "target" => vec![
            r#""0190f2a4-1b2c-7d3e-8f40-5a6b7c8d9e0f""#,
            r#""not an id""#,
            "null",
        ],
        "reason" | "term_as_written" | "note" => vec![r#""as \"written\"""#, "7", "null"],
        "occurred" => vec![r#""2022-03-03~""#, r#""1993""#, r#""1993-13""#, "null"],
        "sources" => vec![
            "[]",
            r#"[{"title":"«Смоленск»","url":"https://example.org","published":"2022-03"}]"#,
            r#"[{"title":"T","published":"someday"}]"#,
            r#"[{"publisher":"P"}]"#,
            r#"[{"title":"T","bogus":true}]"#,
            "null",
        ],
        "certainty" => vec![r#""confirmed""#, r#""probable""#, r#""sure""#],
        "initiated_by" => vec![
            r#""us-co:colorado-springs""#,
            r#""Colorado Springs""#,
            "null",
        ],
        _ => vec!["1"],
    }
}

const FIELDS: [&str; 11] = [
    "partnership",
    "alternative_to",
    "target",
    "reason",
    "occurred",
    "term_as_written",
    "sources",
    "certainty",
    "initiated_by",
    "note",
    "bogus",
];

/// Every type's name, and one no version knows.
fn event_type_names() -> impl proptest::strategy::Strategy<Value = &'static str> {
    proptest::sample::select(
        EventType::ALL
            .iter()
            .map(|t| t.name())
            .chain(["PartnershipForgotten"])
            .collect::<Vec<_>>(),
    )
}

/// The current schema version, now and then another.
fn schema_versions() -> impl proptest::strategy::Strategy<Value = u32> {
    proptest::prop_oneof![9 => proptest::strategy::Just(SCHEMA_VERSION), 1 => 0..3u32]
}

/// A payload: some of [`FIELDS`] with their first (valid) values, a few of them then given
/// another of their [`field_values`] (perhaps one to refuse) or written twice, in any order; or,
/// now and then, not a JSON object at all.
fn payloads() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let changes = prop::collection::vec((0..FIELDS.len(), 0..8usize, any::<bool>()), 0..3);
    let usual = (prop::collection::vec(any::<bool>(), FIELDS.len()), changes)
        .prop_map(|(present, changes)| {
            let mut cells: Vec<(usize, String)> = FIELDS
                .iter()
                .enumerate()
                .zip(&present)
                // Without unknown fields, and always with the three every event has, at first.
                .filter(|((_, name), present)| {
                    **name != "bogus"
                        && (**present || matches!(**name, "occurred" | "sources" | "certainty"))
                })
                .map(|((field, name), _)| (field, format!(r#""{name}":{}"#, field_values(name)[0])))
                .collect();
            for (field, value, twice) in changes {
                let values = field_values(FIELDS[field]);
                let cell = format!(r#""{}":{}"#, FIELDS[field], values[value % values.len()]);
                match cells.iter_mut().find(|(there, _)| *there == field) {
                    Some(there) if !twice => there.1 = cell,
                    _ => cells.push((field, cell)),
                }
            }
            cells.into_iter().map(|(_, cell)| cell).collect::<Vec<_>>()
        })
        .prop_shuffle()
        .prop_map(|cells| format!("{{{}}}", cells.join(",")).into_bytes());
    prop_oneof![
        12 => usual,
        1 => Just(b"{\"occurred\":\"19\xff3\",\"sources\":[],\"certainty\":\"confirmed\"}".to_vec()),
        1 => Just(b"[]".to_vec()),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        std::env::var("AMITY_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000)
    ))]

    /// Decoding without details (`without_details`, what a rebuild of the SQLite ledger file's
    /// tables reads) gives the event that decoding in full gives, its sources, term as written
    /// and note left empty, by either reader; and a payload refused without details is refused
    /// in full too (only what is skipped may differ: a detail that does not read).
    #[test]
    fn decoding_without_details_is_decoding_in_full_then_leaving_them_out(
        payload in payloads(),
        event_type in event_type_names(),
        schema_version in schema_versions(),
    ) {
        let apart = |payload: &[u8]| {
            Event::decode_with(event_type, schema_version, payload, None, |raw| {
                Partnership::from_json(raw).map(Arc::new)
            })
        };
        let full = Event::decode(event_type, schema_version, &payload);
        let lean = without_details(|| Event::decode(event_type, schema_version, &payload));
        let lean_apart = without_details(|| apart(&payload));
        // The flag is this call's only.
        let after = Event::decode(event_type, schema_version, &payload);
        proptest::prop_assert_eq!(format!("{full:?}"), format!("{after:?}"));
        match full {
            Ok(event) => {
                let expected = leaving_out_details(event);
                proptest::prop_assert_eq!(lean.as_ref().ok(), Some(&expected));
                proptest::prop_assert_eq!(lean_apart.as_ref().ok(), Some(&expected));
            }
            Err(_) => {
                if let Ok(event) = &lean {
                    let facts = event.facts();
                    proptest::prop_assert!(facts.sources.is_empty() && facts.note.is_none());
                }
            }
        }
        proptest::prop_assert_eq!(lean.is_ok(), lean_apart.is_ok());
    }

    /// `decode`'s one pass gives what reading the partnership apart gives (`decode_with`, the
    /// reference): the same event, or the same error, whatever the payload.
    #[test]
    fn decoding_in_one_pass_is_decoding_the_partnership_apart(
        payload in payloads(),
        event_type in event_type_names(),
        schema_version in schema_versions(),
    ) {
        let decoded = Event::decode(event_type, schema_version, &payload);
        let reference = Event::decode_with(event_type, schema_version, &payload, None, |raw| {
            Partnership::from_json(raw).map(Arc::new)
        });
        match (decoded, reference) {
            (Ok(event), Ok(expected)) => proptest::prop_assert_eq!(event, expected),
            (Err(error), Err(expected)) => {
                proptest::prop_assert_eq!(error.to_string(), expected.to_string())
            }
            (decoded, reference) => proptest::prop_assert!(
                false,
                "{:?} against {:?} for {}",
                decoded,
                reference,
                String::from_utf8_lossy(&payload)
            ),
        }
    }
}

/// `event` with its sources, term as written and note left out.
fn leaving_out_details(mut event: Event) -> Event {
    let facts = match &mut event {
        Event::Founded(body)
        | Event::Attested(body)
        | Event::Suspended(body)
        | Event::Reinstated(body)
        | Event::Terminated(body)
        | Event::Reaffirmed(body) => &mut body.facts,
        Event::Retracted(body) => &mut body.facts,
        Event::Cited(body) => &mut body.facts,
    };
    facts.sources.clear();
    facts.term_as_written = None;
    facts.note = None;
    event
}
