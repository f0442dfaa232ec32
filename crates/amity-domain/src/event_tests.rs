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
