//! The party register: who the parties are, under which names, and which keys stand for the
//! same community.
//!
//! A party's key (`us-co:colorado-springs`) is where its partnerships are filed, and it never
//! changes. The register adds what a key alone cannot say, as events with their sources:
//!
//! - `PartyRegistered` (stream `party/KEY`): the party's name, country, subdivision, kind,
//!   Wikidata item, GeoNames id, coordinates and aliases;
//! - `PartyAliased` (stream `party/KEY`): more names it is known by ("Krakow", "Cracow");
//! - `PartiesLinked` (stream [`LINKS_STREAM`]): two keys are the same community (`same_as`),
//!   two look-alikes are different places (`distinct`), or one community succeeded another
//!   (`successor_of`: Leningrad → Saint Petersburg, Bankstown → Canterbury-Bankstown);
//! - `EntryRetracted` in [`LINKS_STREAM`]: a link was wrong; it stays in the history and
//!   loses its effect.
//!
//! Same-as links make classes of keys. Each class has one canonical key, and every query
//! counts the class once: the partnerships of its keys with one partner are one history
//! ([`Register::canonical_partnership`]). Links are applied in the order they were recorded;
//! the first key named by a link is the community's key, unless the second already belongs
//! to a linked class, whose canonical key then stays. A successor is not the same community:
//! its predecessor's partnerships stay apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::event::{EventId, Source};
use crate::party::{PartnershipId, Party, PartyKey};

mod events;
pub use events::{
    party_stream, Aliases, Link, PartyKind, RegisterEvent, Registration, Relation, Unlink,
    LINKS_STREAM, PARTIES_LINKED, PARTY_ALIASED, PARTY_REGISTERED, PARTY_STREAM_PREFIX,
};

/// Whether a stream is one of the register's (a party's, or the links').
pub fn is_register_stream(stream: &str) -> bool {
    stream == LINKS_STREAM || stream.starts_with(PARTY_STREAM_PREFIX)
}

/// Whether a stream holds a partnership's events (not milestones, not the register).
pub fn is_partnership_stream(stream: &str) -> bool {
    stream != crate::milestone::MILESTONES_STREAM && !is_register_stream(stream)
}

/// A register event with its envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterEntry {
    /// Its id.
    pub id: EventId,
    /// Who recorded it.
    pub recorded_by: String,
    /// When (transaction time).
    pub recorded_at: jiff::Timestamp,
    /// What it says.
    pub event: RegisterEvent,
}

/// What the register knows of one party.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyRecord {
    /// Its key.
    pub key: PartyKey,
    /// Name, country, subdivision, Wikidata item.
    pub party: Party,
    /// City, county…
    pub kind: Option<PartyKind>,
    /// GeoNames id.
    pub geonames: Option<u64>,
    /// Latitude, longitude.
    pub coordinates: Option<(f64, f64)>,
    /// Other names, in the order recorded, without repeats.
    pub aliases: Vec<String>,
    /// Sources of its registration and aliases.
    pub sources: Vec<Source>,
    /// When it was registered.
    pub recorded_at: jiff::Timestamp,
}

/// A link as the register holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRecord {
    /// The link event's id.
    pub id: EventId,
    /// What it says.
    pub link: Link,
    /// Who recorded it, and when.
    pub recorded_by: String,
    /// When.
    pub recorded_at: jiff::Timestamp,
    /// Its retraction (id and reason), if any.
    pub retracted: Option<(EventId, String)>,
}

/// Why a register event cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// A link needs two different keys.
    #[error("a link needs two different parties, got {0} twice")]
    SelfLink(PartyKey),
    /// The two parties were recorded as distinct places.
    #[error(
        "{a} and {b} were recorded as different places (link {link}); retract that link first"
    )]
    RecordedDistinct {
        /// One party.
        a: PartyKey,
        /// The other.
        b: PartyKey,
        /// The `distinct` link.
        link: EventId,
    },
    /// The two parties are already linked so.
    #[error("{a} and {b} are already linked as {relation} (link {link})")]
    AlreadyLinked {
        /// One party.
        a: PartyKey,
        /// The other.
        b: PartyKey,
        /// How.
        relation: Relation,
        /// The link.
        link: EventId,
    },
    /// Same-as and distinct contradict each other.
    #[error("{a} and {b} are the same community (by same-as links); retract a link before recording them as distinct")]
    AlreadySame {
        /// One party.
        a: PartyKey,
        /// The other.
        b: PartyKey,
    },
    /// The retraction names no link.
    #[error("event {0} is not a link between parties")]
    NotALink(EventId),
    /// The link was retracted already.
    #[error("link {target} was already retracted by {by}")]
    AlreadyRetracted {
        /// The link.
        target: EventId,
        /// The retraction.
        by: EventId,
    },
}

/// The register as the events recorded so far make it.
#[derive(Debug, Clone, Default)]
pub struct Register {
    parties: BTreeMap<PartyKey, PartyRecord>,
    links: Vec<LinkRecord>,
    /// Non-canonical key → canonical key, for keys in a same-as class.
    canonical: HashMap<PartyKey, PartyKey>,
    /// Canonical key → every key of its class (itself included), for linked classes.
    classes: BTreeMap<PartyKey, BTreeSet<PartyKey>>,
}

/// Fold a name for search: Latin letters without accents, lower case, words separated by one
/// space (`Kraków` → `krakow`, `Ch’ŏngjin` → `ch'ongjin`).
pub fn fold(name: &str) -> String {
    let ascii = deunicode::deunicode(name);
    let mut out = String::with_capacity(ascii.len());
    for ch in ascii.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

impl Register {
    /// The register made by `entries` (in recording order).
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a RegisterEntry>) -> Register {
        let mut register = Register::default();
        for entry in entries {
            register.apply(entry);
        }
        register.relink();
        register
    }

    /// The register as known at `moment`: only the entries recorded by then.
    pub fn known_at<'a>(
        entries: impl IntoIterator<Item = &'a RegisterEntry>,
        moment: jiff::Timestamp,
    ) -> Register {
        Register::from_entries(entries.into_iter().filter(|e| e.recorded_at <= moment))
    }

    fn apply(&mut self, entry: &RegisterEntry) {
        match &entry.event {
            RegisterEvent::Registered(body) => {
                let record = self
                    .parties
                    .entry(body.key.clone())
                    .or_insert_with(|| PartyRecord {
                        key: body.key.clone(),
                        party: body.party.clone(),
                        kind: None,
                        geonames: None,
                        coordinates: None,
                        aliases: Vec::new(),
                        sources: Vec::new(),
                        recorded_at: entry.recorded_at,
                    });
                // A later registration completes the record; it never erases what was known.
                record.party.subdivision = body
                    .party
                    .subdivision
                    .clone()
                    .or(record.party.subdivision.take());
                record.party.wikidata =
                    body.party.wikidata.clone().or(record.party.wikidata.take());
                record.kind = body.kind.or(record.kind);
                record.geonames = body.geonames.or(record.geonames);
                record.coordinates = body.coordinates.or(record.coordinates);
                add_aliases(record, &body.aliases);
                record.sources.extend(body.sources.iter().cloned());
            }
            RegisterEvent::Aliased(body) => {
                if let Some(record) = self.parties.get_mut(&body.key) {
                    add_aliases(record, &body.aliases);
                    record.sources.extend(body.sources.iter().cloned());
                }
            }
            RegisterEvent::Linked(link) => self.links.push(LinkRecord {
                id: entry.id,
                link: link.clone(),
                recorded_by: entry.recorded_by.clone(),
                recorded_at: entry.recorded_at,
                retracted: None,
            }),
            RegisterEvent::Unlinked(unlink) => {
                if let Some(link) = self.links.iter_mut().find(|l| l.id == unlink.target) {
                    link.retracted
                        .get_or_insert((entry.id, unlink.reason.clone()));
                }
            }
        }
    }

    /// Recompute the same-as classes from the standing links, in recording order.
    fn relink(&mut self) {
        self.canonical.clear();
        self.classes.clear();
        let links: Vec<(PartyKey, PartyKey)> = self
            .standing(Relation::SameAs)
            .map(|l| (l.link.a.clone(), l.link.b.clone()))
            .collect();
        for (a, b) in links {
            let (ca, cb) = (self.canonical_key(&a), self.canonical_key(&b));
            if ca == cb {
                continue;
            }
            // The first key's class keeps its key, unless only the second's is a class.
            let (keep, fold_in) =
                if !self.classes.contains_key(&ca) && self.classes.contains_key(&cb) {
                    (cb, ca)
                } else {
                    (ca, cb)
                };
            let moved = self
                .classes
                .remove(&fold_in)
                .unwrap_or_else(|| BTreeSet::from([fold_in.clone()]));
            let class = self
                .classes
                .entry(keep.clone())
                .or_insert_with(|| BTreeSet::from([keep.clone()]));
            for key in moved {
                self.canonical.insert(key.clone(), keep.clone());
                class.insert(key);
            }
            for key in class.iter() {
                self.canonical.insert(key.clone(), keep.clone());
            }
        }
        self.canonical.retain(|key, canonical| key != canonical);
    }

    /// The standing (not retracted) links of one relation, in recording order.
    pub fn standing(&self, relation: Relation) -> impl Iterator<Item = &LinkRecord> {
        self.links
            .iter()
            .filter(move |l| l.retracted.is_none() && l.link.relation == relation)
    }

    /// Every link, retracted ones included, in recording order.
    pub fn links(&self) -> &[LinkRecord] {
        &self.links
    }

    /// A link by its event id.
    pub fn link(&self, id: EventId) -> Option<&LinkRecord> {
        self.links.iter().find(|l| l.id == id)
    }

    /// Whether any same-as link stands (else every key is its own community).
    pub fn has_merges(&self) -> bool {
        !self.canonical.is_empty()
    }

    /// The community's key for `key`.
    pub fn canonical_key(&self, key: &PartyKey) -> PartyKey {
        self.canonical.get(key).unwrap_or(key).clone()
    }

    /// Every key of `key`'s community (itself alone when unlinked), canonical first.
    pub fn class_of(&self, key: &PartyKey) -> Vec<PartyKey> {
        let canonical = self.canonical_key(key);
        let mut keys = vec![canonical.clone()];
        if let Some(class) = self.classes.get(&canonical) {
            keys.extend(class.iter().filter(|k| **k != canonical).cloned());
        }
        keys
    }

    /// The same-as classes of more than one key: canonical key → its keys.
    pub fn classes(&self) -> &BTreeMap<PartyKey, BTreeSet<PartyKey>> {
        &self.classes
    }

    /// The canonical partnership of a stream: its two parties' community keys.
    pub fn canonical_partnership(&self, id: &PartnershipId) -> PartnershipId {
        if self.canonical.is_empty() {
            return id.clone();
        }
        let (a, b) = id.keys();
        let (ca, cb) = (self.canonical_key(&a), self.canonical_key(&b));
        if ca == a && cb == b {
            return id.clone();
        }
        // Two keys of one community partnered: keep the stream as it is (the conflict is the
        // link's, and the history must not vanish).
        PartnershipId::of(&ca, &cb).unwrap_or_else(|_| id.clone())
    }

    /// Whether the stream `id` is part of a merged history: its partnership is another's, or
    /// other streams are part of its own (cheap when no same-as link stands).
    pub fn is_merged(&self, id: &PartnershipId) -> bool {
        if self.canonical.is_empty() {
            return false;
        }
        let (a, b) = id.keys();
        self.classes.contains_key(&self.canonical_key(&a))
            || self.classes.contains_key(&self.canonical_key(&b))
    }

    /// Every stream that may hold a part of the canonical partnership `id`.
    pub fn member_streams(&self, id: &PartnershipId) -> Vec<PartnershipId> {
        let (a, b) = id.keys();
        let mut streams = Vec::new();
        for x in self.class_of(&a) {
            for y in self.class_of(&b) {
                if let Ok(stream) = PartnershipId::of(&x, &y) {
                    if self.canonical_partnership(&stream) == *id {
                        streams.push(stream);
                    }
                }
            }
        }
        streams.sort();
        streams.dedup();
        streams
    }

    /// The standing `distinct` link between two keys, if any.
    pub fn distinct_link(&self, a: &PartyKey, b: &PartyKey) -> Option<&LinkRecord> {
        self.standing(Relation::Distinct)
            .find(|l| (l.link.a == *a && l.link.b == *b) || (l.link.a == *b && l.link.b == *a))
    }

    /// Check a new link against the register.
    pub fn check_link(&self, link: &Link) -> Result<(), RegisterError> {
        let (a, b) = (&link.a, &link.b);
        if a == b {
            return Err(RegisterError::SelfLink(a.clone()));
        }
        if let Some(existing) = self.links.iter().find(|l| {
            l.retracted.is_none()
                && l.link.relation == link.relation
                && ((l.link.a == *a && l.link.b == *b)
                    || (link.relation != Relation::SuccessorOf && l.link.a == *b && l.link.b == *a))
        }) {
            return Err(RegisterError::AlreadyLinked {
                a: a.clone(),
                b: b.clone(),
                relation: link.relation,
                link: existing.id,
            });
        }
        match link.relation {
            Relation::SameAs => {
                for x in self.class_of(a) {
                    for y in self.class_of(b) {
                        if let Some(distinct) = self.distinct_link(&x, &y) {
                            return Err(RegisterError::RecordedDistinct {
                                a: x,
                                b: y,
                                link: distinct.id,
                            });
                        }
                    }
                }
            }
            Relation::Distinct if self.canonical_key(a) == self.canonical_key(b) => {
                return Err(RegisterError::AlreadySame {
                    a: a.clone(),
                    b: b.clone(),
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Check a retraction of a link.
    pub fn check_unlink(&self, target: EventId) -> Result<&LinkRecord, RegisterError> {
        let link = self.link(target).ok_or(RegisterError::NotALink(target))?;
        if let Some((by, _)) = &link.retracted {
            return Err(RegisterError::AlreadyRetracted { target, by: *by });
        }
        Ok(link)
    }

    /// Apply an entry just recorded (keeps the classes up to date).
    pub fn push(&mut self, entry: &RegisterEntry) {
        self.apply(entry);
        self.relink();
    }

    /// A registered party.
    pub fn party(&self, key: &PartyKey) -> Option<&PartyRecord> {
        self.parties.get(key)
    }

    /// Every registered party, by key.
    pub fn parties(&self) -> impl Iterator<Item = &PartyRecord> {
        self.parties.values()
    }

    /// How many parties are registered.
    pub fn len(&self) -> usize {
        self.parties.len()
    }

    /// Whether no party is registered.
    pub fn is_empty(&self) -> bool {
        self.parties.is_empty()
    }
}

fn add_aliases(record: &mut PartyRecord, aliases: &[String]) {
    for alias in aliases {
        let alias = alias.trim();
        if !alias.is_empty()
            && alias != record.party.name
            && !record.aliases.iter().any(|a| a == alias)
        {
            record.aliases.push(alias.to_owned());
        }
    }
}

#[cfg(test)]
#[path = "register_tests.rs"]
mod tests;
