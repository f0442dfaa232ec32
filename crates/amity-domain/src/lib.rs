//! Amity's domain model: who the parties are, what happened to their partnership and when,
//! and which timelines are possible. Pure: no IO, no async, no store types.
//!
//! - [`party`]: parties, their stable keys, and partnership ids derived from two keys.
//! - [`date`]: EDTF dates as sources write them, with derived bounds.
//! - [`event`]: the event types (v1), their envelope, and the codec to stored JSON.
//! - [`input`]: the rules for new input (dates not in the future, URLs, no control
//!   characters), checked where values come in, never on stored events.
//! - [`register`]: the party register: names, aliases, authority ids, same-as links.
//! - [`timeline`]: the lifecycle rules applied in valid-time order.

pub mod asof;
pub mod date;
pub mod event;
pub mod input;
pub mod milestone;
pub mod party;
pub mod register;
pub mod temporal;
mod text;
pub mod timeline;

pub use asof::{status_at, Certainty3, StatusAt};
pub use date::{DateError, Day, EdtfDate, Occurred};
pub use event::{
    Certainty, DecodeError, Event, EventId, EventType, Facts, Recorded, Source, SourceRole,
};
pub use input::{InputError, Lines, Problem, TextProblem, URL_SCHEMES};
pub use milestone::{Milestone, MilestoneKey, MILESTONES_STREAM, MILESTONE_RECORDED};
pub use party::{
    Partnership, PartnershipId, PartnershipKind, Party, PartyError, PartyKey, UNKNOWN_COUNTRY,
};
pub use register::{
    fold, is_partnership_stream, is_register_stream, Link, PartyKind, PartyRecord, Register,
    RegisterEntry, RegisterError, RegisterEvent, Registration, Relation, LINKS_STREAM,
};
pub use temporal::{Dated, Engine, Profile, StatusSet, Unfinished};
pub use timeline::{Status, Timeline, TimelineEntry, Violation};

/// JSON Schemas of the string-like types (feature `schema`): each is written as a string.
#[cfg(feature = "schema")]
mod schema {
    use std::borrow::Cow;

    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

    macro_rules! string_schema {
        ($type:ty, $name:literal, $description:literal) => {
            impl JsonSchema for $type {
                fn schema_name() -> Cow<'static, str> {
                    $name.into()
                }
                fn json_schema(_: &mut SchemaGenerator) -> Schema {
                    json_schema!({ "type": "string", "description": $description })
                }
            }
        };
    }

    string_schema!(
        crate::EdtfDate,
        "EdtfDate",
        "A date as the source wrote it, in EDTF (ISO 8601-2): 1993, 2022-03, 2022-03-03~, [2022-02-28,2022-03-28], 2003/2014."
    );
    string_schema!(
        crate::PartyKey,
        "PartyKey",
        "A party's key, region:slug (us-co:colorado-springs)."
    );
    string_schema!(
        crate::PartnershipId,
        "PartnershipId",
        "A partnership's id: its two party keys in sorted order joined by '+'."
    );
    string_schema!(
        crate::PartnershipKind,
        "PartnershipKind",
        "The kind of partnership: sister-city, friendship-city, sister-state, …"
    );
    string_schema!(
        crate::MilestoneKey,
        "MilestoneKey",
        "A milestone's key: lower-case letters, digits and '-', not a date."
    );
}
