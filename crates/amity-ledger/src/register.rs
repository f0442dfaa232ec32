//! The party register in the store: recording registrations, aliases and links, reading them
//! back, and the merged histories that same-as links make.

use std::collections::HashMap;
use std::sync::Arc;

use amity_domain::register::{party_stream, PARTY_STREAM_PREFIX};
use amity_domain::{
    Partnership, PartnershipId, Party, PartyKey, Recorded, Register, RegisterEntry, RegisterEvent,
    Timeline, LINKS_STREAM,
};
use amity_store::{EventStoreExt, ExpectedVersion, NewEvent, RecordedEvent};

use crate::codec::decode_error;
use crate::ledger::{Ledger, Outcome, ToRecord};
use crate::{DecodeFailure, Error, Result};

/// Read a stored register event.
pub fn decode_register(stored: &RecordedEvent) -> Result<RegisterEntry> {
    let event = RegisterEvent::decode(&stored.event_type, stored.schema_version, &stored.payload)
        .map_err(|error| decode_error(stored, DecodeFailure::Payload(error)))?;
    let metadata: crate::Metadata = serde_json::from_slice(&stored.metadata)
        .map_err(|error| decode_error(stored, DecodeFailure::Metadata(error)))?;
    Ok(RegisterEntry {
        id: stored.event_id,
        recorded_by: metadata.recorded_by,
        recorded_at: stored.recorded_at,
        event,
    })
}

/// A register event as the store takes it.
fn encode_register(
    id: amity_domain::EventId,
    event: &RegisterEvent,
    recorded_by: &str,
) -> NewEvent {
    let metadata = crate::Metadata {
        recorded_by: recorded_by.to_owned(),
    };
    NewEvent {
        event_id: id,
        event_type: event.type_name().to_owned(),
        schema_version: amity_domain::event::SCHEMA_VERSION,
        payload: event.encode().into_bytes(),
        metadata: serde_json::to_vec(&metadata).expect("metadata serializes"),
        recorded_at: None,
    }
}

impl Ledger {
    /// The links between parties (same-as, distinct, successor-of) and their retractions, in
    /// recording order.
    pub async fn link_entries(&self) -> Result<Vec<RegisterEntry>> {
        let stored = self.store().read_whole_stream(LINKS_STREAM).await?;
        stored.iter().map(decode_register).collect()
    }

    /// The register of links alone (enough to resolve keys to communities).
    pub async fn links(&self) -> Result<Register> {
        Ok(Register::from_entries(&self.link_entries().await?))
    }

    /// A party's registration and aliases, in recording order.
    pub async fn party_entries(&self, key: &PartyKey) -> Result<Vec<RegisterEntry>> {
        let stored = self.store().read_whole_stream(&party_stream(key)).await?;
        stored.iter().map(decode_register).collect()
    }

    /// Every register entry: every party's, then the links (a whole-register read: for
    /// rebuilding the projections and for ledgers without tables).
    pub async fn register_entries(&self) -> Result<Vec<RegisterEntry>> {
        let summary = self.store().feed_summary().await?;
        let mut entries = Vec::new();
        for (stream, _) in summary
            .streams
            .iter()
            .filter(|(stream, _)| stream.starts_with(PARTY_STREAM_PREFIX))
        {
            for stored in self.store().read_whole_stream(stream).await? {
                entries.push(decode_register(&stored)?);
            }
        }
        entries.sort_by_key(|entry| entry.recorded_at);
        entries.extend(self.link_entries().await?);
        Ok(entries)
    }

    /// Record a register event (idempotent by id: the same id with the same content is
    /// already recorded; with other content, an error), its texts and sources checked against
    /// the rules for new input (`amity_domain::input`). A link is checked against the links
    /// standing: a same-as between places recorded distinct, a link recorded already, a
    /// retraction of no link or of one retracted are refused.
    pub async fn record_register(
        &self,
        id: amity_domain::EventId,
        event: RegisterEvent,
        recorded_by: &str,
    ) -> Result<Outcome<RegisterEntry>> {
        event.check_new(amity_domain::Day::of(jiff::Timestamp::now()))?;
        amity_domain::input::check_text("recorded_by", recorded_by, amity_domain::Lines::One)?;
        let stream = event.stream();
        crate::ledger::retrying(&stream, || async {
            let stored = self.store().read_whole_stream(&stream).await?;
            let entries = stored
                .iter()
                .map(decode_register)
                .collect::<Result<Vec<_>>>()?;
            if let Some(existing) = entries.iter().find(|entry| entry.id == id) {
                if existing.event != event {
                    return Err(Error::IdConflict {
                        event_id: id,
                        stored: format!("a {} in {stream}", existing.event.type_name()),
                    });
                }
                return Ok(Outcome::AlreadyRecorded(existing.clone()));
            }
            if stream == LINKS_STREAM {
                let register = Register::from_entries(&entries);
                match &event {
                    RegisterEvent::Linked(link) => register.check_link(link)?,
                    RegisterEvent::Unlinked(unlink) => {
                        register.check_unlink(unlink.target)?;
                    }
                    _ => {}
                }
            }
            let expected = match stored.len() {
                0 => ExpectedVersion::NoStream,
                n => ExpectedVersion::Exact(n as u64 - 1),
            };
            self.store()
                .append(
                    &stream,
                    expected,
                    vec![encode_register(id, &event, recorded_by)],
                )
                .await?;
            Ok(Outcome::Recorded(RegisterEntry {
                id,
                recorded_by: recorded_by.to_owned(),
                recorded_at: jiff::Timestamp::now(),
                event: event.clone(),
            }))
        })
        .await
    }

    /// Register several parties at once (an import's new parties), each in its own stream,
    /// in one atomic append; parties registered already are left as they are.
    pub async fn register_parties(
        &self,
        registrations: Vec<(amity_domain::EventId, amity_domain::Registration)>,
        recorded_by: &str,
    ) -> Result<u64> {
        let mut appends = Vec::new();
        for (id, registration) in registrations {
            let stream = party_stream(&registration.key);
            let stored = self.store().read_stream(&stream, 0, 1).await?;
            if !stored.is_empty() {
                continue;
            }
            let event = RegisterEvent::Registered(Box::new(registration));
            appends.push(amity_store::StreamAppend {
                stream,
                expected: ExpectedVersion::NoStream,
                events: vec![encode_register(id, &event, recorded_by)],
            });
        }
        let written = appends.len() as u64;
        if !appends.is_empty() {
            self.store().append_many(appends).await?;
        }
        Ok(written)
    }

    /// An event to record as its community's: in the community's stream, its parties named
    /// by their community keys (from their registrations).
    pub async fn to_community(&self, item: &ToRecord, links: &Register) -> Result<ToRecord> {
        let canonical = links.canonical_partnership(&item.partnership);
        if canonical == item.partnership {
            return Ok(item.clone());
        }
        let mut item = item.clone();
        item.partnership = canonical;
        let Some(body) = item.event.as_lifecycle() else {
            return Ok(item);
        };
        let mut parties = body.partnership.parties.clone();
        for party in &mut parties {
            let key = party.key();
            let community = links.canonical_key(&key);
            if community != key {
                let register = Register::from_entries(&self.party_entries(&community).await?);
                *party = register
                    .party(&community)
                    .map(|record| record.party.clone())
                    .ok_or_else(|| Error::Unregistered {
                        key: key.clone(),
                        community: community.clone(),
                    })?;
            }
        }
        let mut facts = body.facts.clone();
        facts.initiated_by = facts.initiated_by.map(|key| links.canonical_key(&key));
        let partnership = Partnership {
            parties,
            kind: body.partnership.kind.clone(),
        };
        item.event = amity_domain::Event::lifecycle(item.event.event_type(), partnership, facts);
        Ok(item)
    }

    /// The history of a community's partnership: the canonical partnership `id`'s own
    /// stream and those of the other keys same-as links make one with it, merged (see
    /// [`Timeline::merged`]); how many events the canonical stream itself holds.
    pub async fn community_timeline(
        &self,
        id: &PartnershipId,
        links: &Register,
    ) -> Result<(Timeline, u64)> {
        let streams = links.member_streams(id);
        if streams.len() <= 1 && streams.first().is_none_or(|s| s == id) {
            let timeline = self.load(id).await?;
            let stored = timeline.recorded().len() as u64;
            return Ok((timeline, stored));
        }
        let mut entries: Vec<Recorded> = Vec::new();
        let mut own = 0;
        for stream in &streams {
            let timeline = self.load(stream).await?;
            if stream == id {
                own = timeline.recorded().len() as u64;
            }
            entries.extend(timeline.recorded().iter().cloned());
        }
        let partnership = community_partnership(id, &entries, None);
        Ok((Timeline::merged(id.clone(), partnership, entries), own))
    }
}

/// The parties of a community's partnership under their community keys: each from an event
/// that names it under that key, else from the register's record, else as a member stream
/// names it.
pub fn community_partnership(
    id: &PartnershipId,
    entries: &[Recorded],
    register: Option<&Register>,
) -> Arc<Partnership> {
    let (a, b) = id.keys();
    let lifecycles: Vec<&Arc<Partnership>> = entries
        .iter()
        .filter_map(|entry| entry.event.as_lifecycle())
        .map(|body| &body.partnership)
        .collect();
    if let Some(own) = lifecycles.iter().find(|p| p.id() == *id) {
        return (*own).clone();
    }
    let find = |key: &PartyKey| -> Option<Party> {
        lifecycles
            .iter()
            .flat_map(|p| p.parties.iter())
            .find(|party| party.key() == *key)
            .cloned()
            .or_else(|| register?.party(key).map(|record| record.party.clone()))
    };
    let first = lifecycles.first();
    let fallback = |index: usize| -> Party {
        first
            .map(|p| p.parties[index].clone())
            .expect("a merged history holds a lifecycle event")
    };
    let kind = first.map(|p| p.kind.clone()).unwrap_or_default();
    let (pa, pb) = match (find(&a), find(&b)) {
        (Some(pa), Some(pb)) => (pa, pb),
        (pa, pb) => (
            pa.unwrap_or_else(|| fallback(0)),
            pb.unwrap_or_else(|| fallback(1)),
        ),
    };
    Arc::new(Partnership {
        parties: [pa, pb],
        kind,
    })
}

/// Group per-stream timelines into communities' partnerships: streams that same-as links
/// make one are merged (see [`Timeline::merged`]); the rest are returned as they are.
pub fn merge_timelines(timelines: Vec<Timeline>, register: &Register) -> Vec<Timeline> {
    if !register.has_merges() {
        return timelines;
    }
    let mut groups: HashMap<PartnershipId, Vec<Timeline>> = HashMap::new();
    let mut order: Vec<PartnershipId> = Vec::new();
    for timeline in timelines {
        let canonical = register.canonical_partnership(timeline.id());
        let group = groups.entry(canonical.clone()).or_default();
        if group.is_empty() {
            order.push(canonical);
        }
        group.push(timeline);
    }
    order.sort();
    order
        .into_iter()
        .filter_map(|canonical| {
            let mut group = groups.remove(&canonical)?;
            if group.len() == 1 && *group[0].id() == canonical {
                return group.pop();
            }
            let entries: Vec<Recorded> = group
                .iter()
                .flat_map(|timeline| timeline.recorded().iter().cloned())
                .collect();
            if entries.is_empty() {
                return None;
            }
            let partnership = community_partnership(&canonical, &entries, Some(register));
            Some(Timeline::merged(canonical, partnership, entries))
        })
        .collect()
}
