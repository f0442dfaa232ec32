//! Domain events to stored events and back: the one place that knows both.

use std::cell::RefCell;
use std::sync::Arc;

use amity_domain::{Event, EventId, Partnership, PartnershipId, Recorded};
use amity_store::{NewEvent, RecordedEvent, StoredEvent};
use serde::{Deserialize, Serialize};

use crate::{DecodeFailure, Error, Result};

/// The envelope fields stored beside the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Who recorded the event.
    pub recorded_by: String,
}

/// [`Metadata`] read without copying until needed.
#[derive(Deserialize)]
struct MetadataIn<'a> {
    #[serde(borrow)]
    recorded_by: std::borrow::Cow<'a, str>,
}

/// Serialize an event for the store.
pub fn encode(event_id: EventId, event: &Event, recorded_by: &str) -> NewEvent {
    let metadata = Metadata {
        recorded_by: recorded_by.to_owned(),
    };
    NewEvent {
        event_id,
        event_type: event.event_type().name().to_owned(),
        schema_version: amity_domain::event::SCHEMA_VERSION,
        payload: event.encode().into_bytes(),
        metadata: serde_json::to_vec(&metadata).expect("metadata serializes"),
        recorded_at: None,
    }
}

/// What a decoding thread remembers of a stream: its parsed id and the last partnership its
/// events named (raw JSON and parsed). Every lifecycle event of a stream names the same
/// partnership, so reading a whole feed parses each stream's id and partnership once.
struct KnownStream {
    id: PartnershipId,
    partnership: Option<(std::rc::Rc<str>, Arc<Partnership>)>,
}

/// Streams remembered per thread; forgotten all at once past this many.
const KNOWN_STREAMS: usize = 8_192;

thread_local! {
    static STREAMS: RefCell<rustc_hash::FxHashMap<String, KnownStream>> =
        RefCell::new(rustc_hash::FxHashMap::default());
}

/// Why a stored event's body cannot be read, as an archive's line says it (`stream: …`,
/// `payload: …`, the decode error's reason alone); the failure itself is typed.
#[derive(Debug)]
pub(crate) struct BodyError(DecodeFailure);

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            DecodeFailure::Payload(error) => write!(f, "payload: {}", error.reason),
            other => write!(f, "{other}"),
        }
    }
}

/// A stored event that cannot be read back, for `failure`.
pub(crate) fn decode_error(stored: &RecordedEvent, failure: DecodeFailure) -> Error {
    Error::Decode {
        event_id: stored.event_id,
        stream: stored.stream.to_string(),
        stream_version: stored.stream_version,
        source: failure,
    }
}

/// Decode a partnership event's payload stored in `stream`, checking that a lifecycle
/// event's partnership is the stream's. Each thread parses a stream's id and partnership once
/// and shares them among the stream's events (see [`KnownStream`]).
pub(crate) fn decode_body(
    stream: &str,
    event_type: &str,
    schema_version: u32,
    payload: &[u8],
) -> std::result::Result<(PartnershipId, Event), BodyError> {
    STREAMS.with(|streams| {
        let mut streams = streams.borrow_mut();
        if !streams.contains_key(stream) {
            let id: PartnershipId = stream
                .parse()
                .map_err(|error| BodyError(DecodeFailure::Stream(error)))?;
            if streams.len() >= KNOWN_STREAMS {
                streams.clear();
            }
            let known = KnownStream {
                id,
                partnership: None,
            };
            streams.insert(stream.to_owned(), known);
        }
        let known = streams.get_mut(stream).expect("inserted above");
        let mut elsewhere = None;
        let seen = known.partnership.as_ref().map(|(raw, _)| raw.clone());
        let event = Event::decode_with(
            event_type,
            schema_version,
            payload,
            seen.as_deref(),
            |raw| match &known.partnership {
                Some((seen, parsed)) if **seen == *raw => Ok(parsed.clone()),
                _ => {
                    let parsed = Arc::new(Partnership::from_json(raw)?);
                    let id = parsed.id();
                    if id != known.id {
                        elsewhere = Some(id);
                        return Err("about another partnership".to_owned());
                    }
                    known.partnership = Some((raw.into(), parsed.clone()));
                    Ok(parsed)
                }
            },
        );
        match (event, elsewhere) {
            (Ok(event), _) => Ok((known.id.clone(), event)),
            (Err(_), Some(found)) => Err(BodyError(DecodeFailure::OtherPartnership {
                found,
                stream: known.id.clone(),
            })),
            (Err(error), None) => Err(BodyError(DecodeFailure::Payload(error))),
        }
    })
}

thread_local! {
    /// The last metadata read on this thread, as stored, and who it says recorded the event:
    /// the events of a feed mostly carry the very same metadata, compared here rather than
    /// parsed as JSON again for each.
    static LAST_METADATA: RefCell<Option<(Box<[u8]>, amity_store::SmolStr)>> =
        const { RefCell::new(None) };
}

/// Metadata longer than this is parsed every time rather than remembered.
const REMEMBERED_METADATA: usize = 512;

/// Who recorded an event, from its stored metadata (the same bytes as the last ones read on
/// this thread give the same answer without a parse).
fn recorded_by(metadata: &[u8]) -> std::result::Result<amity_store::SmolStr, serde_json::Error> {
    LAST_METADATA.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((bytes, name)) = last.as_ref() {
            if **bytes == *metadata {
                return Ok(name.clone());
            }
        }
        let parsed: MetadataIn<'_> = serde_json::from_slice(metadata)?;
        let name = amity_store::SmolStr::from(parsed.recorded_by.as_ref());
        if metadata.len() <= REMEMBERED_METADATA {
            *last = Some((metadata.into(), name.clone()));
        }
        Ok(name)
    })
}

/// Read a stored event back as a domain event with its envelope.
pub fn decode(stored: &RecordedEvent) -> Result<Recorded> {
    decode_stored(&stored.as_stored())
}

/// [`decode`] for an event borrowed from the store's buffers.
pub fn decode_stored(stored: &StoredEvent<'_>) -> Result<Recorded> {
    let fail = |failure: DecodeFailure| Error::Decode {
        event_id: stored.event_id,
        stream: stored.stream.to_owned(),
        stream_version: stored.stream_version,
        source: failure,
    };
    let recorded_by =
        recorded_by(stored.metadata).map_err(|error| fail(DecodeFailure::Metadata(error)))?;
    let (partnership, event) = decode_body(
        stored.stream,
        stored.event_type,
        stored.schema_version,
        stored.payload,
    )
    .map_err(|BodyError(failure)| fail(failure))?;
    Ok(Recorded {
        id: stored.event_id,
        partnership,
        stream_version: stored.stream_version,
        recorded_by,
        recorded_at: stored.recorded_at,
        event,
    })
}

/// Read a stored milestone.
pub(crate) fn decode_milestone(stored: &RecordedEvent) -> Result<amity_domain::Milestone> {
    amity_domain::Milestone::decode(&stored.event_type, stored.schema_version, &stored.payload)
        .map_err(|error| decode_error(stored, DecodeFailure::Payload(error)))
}

/// A milestone as the store takes it.
pub(crate) fn encode_milestone(
    event_id: EventId,
    milestone: &amity_domain::Milestone,
    recorded_by: &str,
) -> NewEvent {
    NewEvent {
        event_id,
        event_type: amity_domain::MILESTONE_RECORDED.to_owned(),
        schema_version: amity_domain::event::SCHEMA_VERSION,
        payload: milestone.encode().into_bytes(),
        metadata: serde_json::to_vec(&Metadata {
            recorded_by: recorded_by.to_owned(),
        })
        .expect("metadata serializes"),
        recorded_at: None,
    }
}

#[cfg(test)]
mod tests {
    use amity_domain::{Facts, PartnershipKind, Party};
    use amity_store::Position;

    use super::*;

    /// A sister-city partnership between two parties given as (name, country).
    fn partnership(a: (&str, &str), b: (&str, &str)) -> Partnership {
        let party = |(name, country): (&str, &str)| Party::new(name, country, None, None).unwrap();
        Partnership::new(party(a), party(b), PartnershipKind::sister_city()).unwrap()
    }

    fn stored(stream: &str, version: u64, partnership: &Partnership) -> RecordedEvent {
        let event = Event::lifecycle(
            amity_domain::EventType::PartnershipAttested,
            partnership.clone(),
            Facts::default(),
        );
        let new = encode(uuid::Uuid::now_v7(), &event, "test");
        RecordedEvent {
            position: Position::new(version + 1, version + 1),
            stream: stream.into(),
            stream_version: version,
            event_id: new.event_id,
            event_type: new.event_type.into(),
            schema_version: new.schema_version,
            payload: new.payload,
            metadata: new.metadata,
            recorded_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_stream_whose_events_name_the_partnership_differently_reads_each_as_written() {
        let first = partnership(("Smolensk", "RU"), ("Colorado Springs", "US"));
        let mut second = first.clone();
        second.parties[0].wikidata = Some("Q2098".to_owned());
        let stream = first.id().to_string();
        let read: Vec<Recorded> = [&first, &first, &second, &first]
            .iter()
            .enumerate()
            .map(|(version, partnership)| decode(&stored(&stream, version as u64, partnership)))
            .collect::<Result<_>>()
            .unwrap();
        let named: Vec<&Partnership> = read
            .iter()
            .map(|recorded| &*recorded.event.as_lifecycle().unwrap().partnership)
            .collect();
        assert_eq!(named, [&first, &first, &second, &first]);
        assert!(read
            .iter()
            .all(|recorded| recorded.partnership.as_str() == stream));
        // Events of one stream share one decoded partnership while it does not change.
        let shared = |i: usize| read[i].event.as_lifecycle().unwrap().partnership.clone();
        assert!(Arc::ptr_eq(&shared(0), &shared(1)));
    }

    #[test]
    fn an_event_filed_under_another_partnership_is_refused_on_read() {
        let smolensk = partnership(("Smolensk", "RU"), ("Colorado Springs", "US"));
        let kostroma = partnership(("Kostroma", "RU"), ("Durham", "US"));
        let stream = smolensk.id().to_string();
        assert!(decode(&stored(&stream, 0, &smolensk)).is_ok());
        let error = decode(&stored(&stream, 1, &kostroma)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("the payload is about ru:kostroma+us:durham"),
            "{error}"
        );
    }

    #[test]
    fn a_decode_error_keeps_what_is_wrong_as_its_source() {
        let smolensk = partnership(("Smolensk", "RU"), ("Colorado Springs", "US"));
        let stream = smolensk.id().to_string();
        let mut event = stored(&stream, 0, &smolensk);
        event.metadata = b"not json".to_vec();
        let error = decode(&event).unwrap_err();
        assert!(
            matches!(
                &error,
                Error::Decode {
                    source: DecodeFailure::Metadata(_),
                    ..
                }
            ),
            "{error:?}"
        );
        let failure = std::error::Error::source(&error).expect("the failure");
        assert!(failure
            .source()
            .expect("the cause")
            .is::<serde_json::Error>());
        assert!(error.to_string().ends_with(&failure.to_string()), "{error}");
        let mut event = stored(&stream, 1, &smolensk);
        event.payload = b"{}".to_vec();
        let error = decode(&event).unwrap_err();
        let failure = std::error::Error::source(&error).expect("the failure");
        let cause = failure.source().expect("the cause");
        assert!(cause.is::<amity_domain::DecodeError>(), "{error}");
        assert!(error.to_string().ends_with(&cause.to_string()), "{error}");
    }

    #[test]
    fn each_event_is_recorded_by_whom_its_own_metadata_names() {
        let smolensk = partnership(("Smolensk", "RU"), ("Colorado Springs", "US"));
        let stream = smolensk.id().to_string();
        let mut names = Vec::new();
        for (version, who) in ["ann", "ann", "bob", "ann", r"\u0063arl"]
            .iter()
            .enumerate()
        {
            let mut event = stored(&stream, version as u64, &smolensk);
            event.metadata = format!("{{\"recorded_by\":\"{who}\"}}").into_bytes();
            names.push(decode(&event).unwrap().recorded_by.to_string());
        }
        assert_eq!(names, ["ann", "ann", "bob", "ann", "carl"]);
    }

    #[test]
    fn a_bad_stream_name_is_a_decode_error_naming_the_event() {
        let smolensk = partnership(("Smolensk", "RU"), ("Colorado Springs", "US"));
        let error = decode(&stored("not a partnership", 0, &smolensk)).unwrap_err();
        assert!(error.to_string().contains("not a partnership"), "{error}");
    }
}
