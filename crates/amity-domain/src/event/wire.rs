//! The stored JSON form of events (schema v1): encoding, and decoding with the partnership
//! read once per stream (see [`Event::decode_with`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{
    Certainty, Citation, DecodeError, Event, EventId, EventType, Facts, Retraction, Source,
    SCHEMA_VERSION,
};
use crate::date::Occurred;
use crate::party::{Partnership, PartyKey};

impl Event {
    /// The stored JSON payload (schema [`SCHEMA_VERSION`]).
    pub fn encode(&self) -> String {
        let facts = self.facts();
        let (partnership, target, reason) = match self {
            Event::Retracted(body) => (None, Some(body.target), Some(body.reason.as_str())),
            Event::Cited(body) => (None, Some(body.target), None),
            other => (
                Some(&*other.as_lifecycle().expect("lifecycle").partnership),
                None,
                None,
            ),
        };
        let wire = WireOut {
            partnership,
            alternative_to: self.alternative_to(),
            target,
            reason,
            occurred: &facts.occurred,
            term_as_written: facts.term_as_written.as_deref(),
            sources: &facts.sources,
            certainty: facts.certainty,
            initiated_by: facts.initiated_by.as_ref(),
            note: facts.note.as_deref(),
        };
        serde_json::to_string(&wire).expect("events serialize to JSON")
    }

    /// Read a stored payload, upcasting older schema versions.
    ///
    /// The payload is read in one pass, its partnership in place. One that does not read so
    /// is read again as [`Event::decode_with`] reads it, whose error (position included) is
    /// then the answer: the result is that function's either way (see the tests).
    pub fn decode(
        event_type: &str,
        schema_version: u32,
        payload: &[u8],
    ) -> Result<Event, DecodeError> {
        if let Some(event) = Event::decode_in_one_pass(event_type, schema_version, payload) {
            return Ok(event);
        }
        Event::decode_with(event_type, schema_version, payload, None, |raw| {
            Partnership::from_json(raw).map(Arc::new)
        })
    }

    /// [`Event::decode`]'s one pass: `None` for any payload that does not read.
    fn decode_in_one_pass(event_type: &str, schema_version: u32, payload: &[u8]) -> Option<Event> {
        let known = EventType::from_name(event_type)?;
        if schema_version != SCHEMA_VERSION {
            return None;
        }
        let text = std::str::from_utf8(payload).ok()?;
        let mut wire: WireIn<Partnership> = serde_json::from_str(text).ok()?;
        let partnership = wire.partnership.take().flatten();
        let error = |reason: String| DecodeError {
            event_type: event_type.to_owned(),
            schema_version,
            reason,
        };
        finish(known, wire, partnership, error, |partnership| {
            // As `Partnership::from_json` refuses it.
            if partnership.parties[0] == partnership.parties[1] {
                return Err(String::new());
            }
            Ok(Arc::new(partnership))
        })
        .ok()
    }

    /// [`Event::decode`], with the lifecycle events' partnership read by `partnership` from
    /// its raw JSON text: a reader that meets the same partnership in every event of a stream
    /// can parse it once and share it (see `amity_ledger`'s codec).
    ///
    /// `seen` is the raw JSON text of a partnership the caller has met before in this stream:
    /// a text this function gave to `partnership` earlier (so, one whole JSON value).
    /// A payload written by [`Event::encode`] opens with its partnership; when those bytes are
    /// exactly `seen`, the parser skips them and `partnership` is called with `seen` itself,
    /// so a reader of a whole stream scans each distinct partnership text once. Any other
    /// payload is read in full; the result is the same either way.
    pub fn decode_with(
        event_type: &str,
        schema_version: u32,
        payload: &[u8],
        seen: Option<&str>,
        partnership: impl FnOnce(&str) -> Result<Arc<Partnership>, String>,
    ) -> Result<Event, DecodeError> {
        let error = |reason: String| DecodeError {
            event_type: event_type.to_owned(),
            schema_version,
            reason,
        };
        let known = EventType::from_name(event_type)
            .ok_or_else(|| error("unknown event type".to_owned()))?;
        if schema_version != SCHEMA_VERSION {
            return Err(error(format!(
                "unknown schema version (this build reads v{SCHEMA_VERSION})"
            )));
        }
        // One UTF-8 check of the whole payload, rather than one per string inside it.
        let text = std::str::from_utf8(payload).map_err(|e| error(e.to_string()))?;
        // The rest of the object after a partnership already seen, reopened with `{`. Should
        // it not read (or name a partnership again), the whole payload is read instead, so that
        // an error says what and where exactly as for any other payload.
        let skipped = seen.and_then(|raw| {
            let rest = text
                .strip_prefix(OPENING)?
                .strip_prefix(raw)?
                .strip_prefix(',')?;
            let wire = REOPENED.with(|object| {
                let mut object = object.borrow_mut();
                object.clear();
                object.push('{');
                object.push_str(rest);
                let wire = serde_json::from_str::<WireIn<&RawValue>>(&object)
                    .ok()
                    .filter(|wire| wire.partnership.is_none())
                    .map(WireIn::detached::<()>);
                // A rare huge payload does not keep its buffer for the thread's lifetime.
                if object.capacity() > 65_536 {
                    *object = String::new();
                }
                wire
            })?;
            Some((wire, raw))
        });
        let (wire, raw_partnership) = match skipped {
            Some((wire, raw)) => (wire, Some(raw)),
            None => {
                let wire: WireIn<&RawValue> =
                    serde_json::from_str(text).map_err(|e| error(e.to_string()))?;
                let raw = wire.partnership.flatten().map(RawValue::get);
                (wire.detached::<()>(), raw)
            }
        };
        finish(known, wire, raw_partnership, error, partnership)
    }
}

/// An event from its fields read (`wire`, its partnership left out) and its partnership, in
/// whatever form `partnership` reads (raw JSON text, or read already), if the payload has one
/// (not `null`): the checks of the fields each type has, in [`Event::decode_with`]'s order.
fn finish<P, Q>(
    known: EventType,
    wire: WireIn<Q>,
    raw_partnership: Option<P>,
    error: impl Fn(String) -> DecodeError,
    partnership: impl FnOnce(P) -> Result<Arc<Partnership>, String>,
) -> Result<Event, DecodeError> {
    let facts = Facts {
        occurred: wire.occurred,
        term_as_written: wire.term_as_written,
        sources: wire.sources,
        certainty: wire.certainty,
        initiated_by: wire.initiated_by,
        note: wire.note,
    };
    let missing = |field: &str| error(format!("missing field `{field}`"));
    let unexpected = |field: &str| error(format!("unexpected field `{field}`"));
    if known.is_lifecycle() {
        if wire.target.is_some() {
            return Err(unexpected("target"));
        }
        if wire.reason.is_some() {
            return Err(unexpected("reason"));
        }
        let raw = raw_partnership.ok_or_else(|| missing("partnership"))?;
        let partnership =
            partnership(raw).map_err(|reason| error(format!("partnership: {reason}")))?;
        return Ok(Event::claim(known, partnership, facts, wire.alternative_to));
    }
    if raw_partnership.is_some() {
        return Err(unexpected("partnership"));
    }
    if wire.alternative_to.is_some() {
        return Err(unexpected("alternative_to"));
    }
    let target = wire.target.ok_or_else(|| missing("target"))?;
    Ok(match known {
        EventType::EntryRetracted => Event::Retracted(Retraction {
            target,
            reason: wire.reason.ok_or_else(|| missing("reason"))?,
            facts,
        }),
        _ => {
            if wire.reason.is_some() {
                return Err(unexpected("reason"));
            }
            Event::Cited(Citation { target, facts })
        }
    })
}

#[derive(Serialize)]
struct WireOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    partnership: Option<&'a Partnership>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alternative_to: Option<EventId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<EventId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    occurred: &'a Occurred,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_as_written: Option<&'a str>,
    sources: &'a [Source],
    certainty: Certainty,
    #[serde(skip_serializing_if = "Option::is_none")]
    initiated_by: Option<&'a PartyKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

/// How a payload written by [`Event::encode`] opens: with its partnership.
const OPENING: &str = "{\"partnership\":";

thread_local! {
    /// The rest of a payload after a partnership already seen, reopened (reused per thread).
    static REOPENED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// A payload's fields, its partnership as `P`: raw JSON text (`&RawValue`) that the caller
/// reads as it will (see [`Event::decode_with`]), or read in place (`Partnership`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "P: Deserialize<'de>"))]
struct WireIn<P> {
    /// The outer `Option` says whether the key is there at all, even with `null`.
    #[serde(default, deserialize_with = "present")]
    partnership: Option<Option<P>>,
    #[serde(default)]
    alternative_to: Option<EventId>,
    #[serde(default)]
    target: Option<EventId>,
    #[serde(default)]
    reason: Option<String>,
    occurred: Occurred,
    #[serde(default, deserialize_with = "detail")]
    term_as_written: Option<String>,
    #[serde(deserialize_with = "detail")]
    sources: Vec<Source>,
    certainty: Certainty,
    #[serde(default)]
    initiated_by: Option<PartyKey>,
    #[serde(default, deserialize_with = "detail")]
    note: Option<String>,
}

thread_local! {
    /// Whether this thread's decoding skips the payloads' details (see [`without_details`]).
    static WITHOUT_DETAILS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `decode` with the payloads it decodes read without their details: their sources, term
/// as written and note are left empty (and not checked), the rest read as always. For a reader
/// that needs only what decides a partnership's history (its dates, types, certainty,
/// corrections, initiating party), and reads the rest from the stored events when it is asked
/// for: a rebuild of the SQLite ledger file's tables. On the 1M-event benchmark ledger (each
/// payload with a source of six fields, a term and often a note) the decoding threads of a
/// rebuild took about 30 % less time.
pub fn without_details<R>(decode: impl FnOnce() -> R) -> R {
    /// Sets the flag back as it was, also when `decode` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            WITHOUT_DETAILS.with(|flag| flag.set(self.0));
        }
    }
    let _restore = Restore(WITHOUT_DETAILS.with(|flag| flag.replace(true)));
    decode()
}

/// A detail field (see [`without_details`]): read, or skipped and left empty.
fn detail<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    if WITHOUT_DETAILS.with(std::cell::Cell::get) {
        serde::de::IgnoredAny::deserialize(deserializer)?;
        return Ok(T::default());
    }
    T::deserialize(deserializer)
}

/// A field that was there, whatever its value (`null` included).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl<P> WireIn<P> {
    /// The fields, without the partnership (raw text that borrows from the parsed text).
    fn detached<Q>(self) -> WireIn<Q> {
        WireIn {
            partnership: None,
            alternative_to: self.alternative_to,
            target: self.target,
            reason: self.reason,
            occurred: self.occurred,
            term_as_written: self.term_as_written,
            sources: self.sources,
            certainty: self.certainty,
            initiated_by: self.initiated_by,
            note: self.note,
        }
    }
}
