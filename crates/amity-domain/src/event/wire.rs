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
    pub fn decode(
        event_type: &str,
        schema_version: u32,
        payload: &[u8],
    ) -> Result<Event, DecodeError> {
        Event::decode_with(event_type, schema_version, payload, None, |raw| {
            Partnership::from_json(raw).map(Arc::new)
        })
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
                let wire = serde_json::from_str::<WireIn<'_>>(&object)
                    .ok()
                    .filter(|wire| wire.partnership.is_none())
                    .map(WireIn::detached);
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
                let wire: WireIn<'_> =
                    serde_json::from_str(text).map_err(|e| error(e.to_string()))?;
                let raw = wire.partnership.flatten().map(RawValue::get);
                (wire.detached(), raw)
            }
        };
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIn<'a> {
    /// Kept raw: the caller decides how to read it (see [`Event::decode_with`]). The outer
    /// `Option` says whether the key is there at all, even with `null`.
    #[serde(default, borrow, deserialize_with = "present")]
    partnership: Option<Option<&'a RawValue>>,
    #[serde(default)]
    alternative_to: Option<EventId>,
    #[serde(default)]
    target: Option<EventId>,
    #[serde(default)]
    reason: Option<String>,
    occurred: Occurred,
    #[serde(default)]
    term_as_written: Option<String>,
    sources: Vec<Source>,
    certainty: Certainty,
    #[serde(default)]
    initiated_by: Option<PartyKey>,
    #[serde(default)]
    note: Option<String>,
}

/// A field that was there, whatever its value (`null` included).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl WireIn<'_> {
    /// The fields, without the raw partnership that borrows from the parsed text.
    fn detached(self) -> WireIn<'static> {
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
