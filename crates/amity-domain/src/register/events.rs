//! The register's events (schema v1) and their stored JSON form.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::{DecodeError, EventId, Source, SCHEMA_VERSION};
use crate::party::{Party, PartyKey};

/// The stream of every link between parties.
pub const LINKS_STREAM: &str = "party-links";

/// The prefix of a party's own stream (`party/us-co:colorado-springs`).
pub const PARTY_STREAM_PREFIX: &str = "party/";

/// The stored type of a party's registration.
pub const PARTY_REGISTERED: &str = "PartyRegistered";
/// The stored type of more names for a party.
pub const PARTY_ALIASED: &str = "PartyAliased";
/// The stored type of a link between two parties.
pub const PARTIES_LINKED: &str = "PartiesLinked";
/// The stored type of a retraction (shared with partnership streams).
pub(crate) const ENTRY_RETRACTED: &str = "EntryRetracted";

/// The stream of a party's registration and aliases.
pub fn party_stream(key: &PartyKey) -> String {
    format!("{PARTY_STREAM_PREFIX}{key}")
}

/// What kind of community a party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum PartyKind {
    /// A city, town, village or municipality.
    City,
    /// A district or borough of a city.
    District,
    /// A county (US county, UK county, Polish powiat…).
    County,
    /// A region (French région, Italian regione, Russian oblast or krai…).
    Region,
    /// A state or province.
    State,
    /// A country.
    Country,
    /// Anything else.
    Other,
}

impl PartyKind {
    /// Every kind.
    pub const ALL: [PartyKind; 7] = [
        PartyKind::City,
        PartyKind::District,
        PartyKind::County,
        PartyKind::Region,
        PartyKind::State,
        PartyKind::Country,
        PartyKind::Other,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            PartyKind::City => "city",
            PartyKind::District => "district",
            PartyKind::County => "county",
            PartyKind::Region => "region",
            PartyKind::State => "state",
            PartyKind::Country => "country",
            PartyKind::Other => "other",
        }
    }
}

impl fmt::Display for PartyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How two parties are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The two keys are one community.
    SameAs,
    /// Two look-alike parties are different places.
    Distinct,
    /// The first party succeeded the second (renamed, merged, absorbed).
    SuccessorOf,
}

impl Relation {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Relation::SameAs => "same_as",
            Relation::Distinct => "distinct",
            Relation::SuccessorOf => "successor_of",
        }
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A party's registration (`PartyRegistered` v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// The key it is filed under (its own, or one an import disambiguated).
    pub key: PartyKey,
    /// Name, country, subdivision and Wikidata item.
    pub party: Party,
    /// City, county, state…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PartyKind>,
    /// GeoNames id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geonames: Option<u64>,
    /// Latitude and longitude in degrees (WGS 84).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<(f64, f64)>,
    /// Other names it is known by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Where this comes from.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// More names for a party (`PartyAliased` v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aliases {
    /// The party.
    pub key: PartyKey,
    /// The names.
    pub aliases: Vec<String>,
    /// Where they come from.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A link between two parties (`PartiesLinked` v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// How they are linked.
    pub relation: Relation,
    /// The first party (the community's key for `same_as`, the successor for `successor_of`).
    pub a: PartyKey,
    /// The second party.
    pub b: PartyKey,
    /// Where this comes from.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A link's retraction (`EntryRetracted` v1 in [`LINKS_STREAM`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlink {
    /// The link.
    pub target: EventId,
    /// Why it was wrong.
    pub reason: String,
    /// Where this comes from.
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// One event of the register.
#[derive(Debug, Clone, PartialEq)]
pub enum RegisterEvent {
    /// See [`PARTY_REGISTERED`].
    Registered(Box<Registration>),
    /// See [`PARTY_ALIASED`].
    Aliased(Aliases),
    /// See [`PARTIES_LINKED`].
    Linked(Link),
    /// A link was wrong.
    Unlinked(Unlink),
}

/// The retraction payload as partnership streams store it (its optional fields left out).
#[derive(Serialize, Deserialize)]
struct RetractionWire {
    target: EventId,
    reason: String,
    occurred: crate::date::Occurred,
    #[serde(default)]
    sources: Vec<Source>,
    certainty: crate::event::Certainty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    term_as_written: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    initiated_by: Option<PartyKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl RegisterEvent {
    /// The stored type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            RegisterEvent::Registered(_) => PARTY_REGISTERED,
            RegisterEvent::Aliased(_) => PARTY_ALIASED,
            RegisterEvent::Linked(_) => PARTIES_LINKED,
            RegisterEvent::Unlinked(_) => ENTRY_RETRACTED,
        }
    }

    /// The stream it belongs to.
    pub fn stream(&self) -> String {
        match self {
            RegisterEvent::Registered(body) => party_stream(&body.key),
            RegisterEvent::Aliased(body) => party_stream(&body.key),
            RegisterEvent::Linked(_) | RegisterEvent::Unlinked(_) => LINKS_STREAM.to_owned(),
        }
    }

    /// The stored JSON payload (schema v1).
    pub fn encode(&self) -> String {
        let json = match self {
            RegisterEvent::Registered(body) => serde_json::to_string(body),
            RegisterEvent::Aliased(body) => serde_json::to_string(body),
            RegisterEvent::Linked(body) => serde_json::to_string(body),
            RegisterEvent::Unlinked(body) => serde_json::to_string(&RetractionWire {
                target: body.target,
                reason: body.reason.clone(),
                occurred: crate::date::Occurred::Unknown,
                sources: body.sources.clone(),
                certainty: crate::event::Certainty::Confirmed,
                term_as_written: None,
                initiated_by: None,
                note: None,
            }),
        };
        json.expect("register events serialize to JSON")
    }

    /// Read a stored register event.
    pub fn decode(
        event_type: &str,
        schema_version: u32,
        payload: &[u8],
    ) -> Result<RegisterEvent, DecodeError> {
        let error = |reason: String| DecodeError {
            event_type: event_type.to_owned(),
            schema_version,
            reason,
        };
        if schema_version != SCHEMA_VERSION {
            return Err(error(format!(
                "unknown schema version (this build reads v{SCHEMA_VERSION})"
            )));
        }
        let read = |e: serde_json::Error| error(e.to_string());
        Ok(match event_type {
            PARTY_REGISTERED => {
                let body: Registration = serde_json::from_slice(payload).map_err(read)?;
                if body.party.key() != body.key {
                    return Err(error(format!(
                        "key {} does not belong to {}",
                        body.key, body.party
                    )));
                }
                RegisterEvent::Registered(Box::new(body))
            }
            PARTY_ALIASED => RegisterEvent::Aliased(serde_json::from_slice(payload).map_err(read)?),
            PARTIES_LINKED => RegisterEvent::Linked(serde_json::from_slice(payload).map_err(read)?),
            ENTRY_RETRACTED => {
                let wire: RetractionWire = serde_json::from_slice(payload).map_err(read)?;
                RegisterEvent::Unlinked(Unlink {
                    target: wire.target,
                    reason: wire.reason,
                    sources: wire.sources,
                })
            }
            _ => return Err(error("not a register event".to_owned())),
        })
    }
}
