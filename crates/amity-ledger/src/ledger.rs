//! Recording events (rules checked, optimistic concurrency) and answering queries.

use std::collections::HashMap;
use std::sync::Arc;

use amity_domain::input::check_text;
use amity_domain::{
    Day, Event, EventId, Lines, Milestone, PartnershipId, Recorded, Timeline, MILESTONES_STREAM,
};
use amity_store::{EventStore, EventStoreExt, ExpectedVersion, Position, StreamAppend};

use crate::codec::{decode, decode_milestone, encode, encode_milestone};
use crate::{Error, Result};

/// How many times an append is re-validated after losing a race to another writer.
const MAX_ATTEMPTS: usize = 16;

/// Run `attempt` (read, check, append with the expected version) again while another writer
/// gets in first, up to [`MAX_ATTEMPTS`] times: the one retry-on-conflict of the ledger.
pub(crate) async fn retrying<T, F, Fut>(what: &str, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(Error::Store(amity_store::Error::VersionConflict { stream, .. }))
                if tries < MAX_ATTEMPTS =>
            {
                tracing::debug!(%stream, tries, what, "concurrent write; re-checking");
            }
            other => return other,
        }
    }
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct ToRecord {
    /// The stream: the partnership it is about.
    pub partnership: PartnershipId,
    /// Its id; recording the same id twice records it once.
    pub event_id: EventId,
    /// The event.
    pub event: Event,
    /// Who records it.
    pub recorded_by: String,
}

impl ToRecord {
    /// A lifecycle event, with a fresh time-ordered id; its partnership comes from the event.
    ///
    /// # Panics
    /// If the event is not a lifecycle event (use [`ToRecord::about`]).
    pub fn lifecycle(event: Event, recorded_by: &str) -> ToRecord {
        let partnership = event
            .as_lifecycle()
            .expect("a lifecycle event")
            .partnership
            .id();
        ToRecord::about(partnership, event, recorded_by)
    }

    /// An event about a given partnership, with a fresh time-ordered id.
    pub fn about(partnership: PartnershipId, event: Event, recorded_by: &str) -> ToRecord {
        ToRecord {
            partnership,
            event_id: uuid::Uuid::now_v7(),
            event,
            recorded_by: recorded_by.to_owned(),
        }
    }
}

/// What recording did.
#[derive(Debug, Clone)]
pub enum Outcome<T = Recorded> {
    /// Newly written.
    Recorded(T),
    /// An event with this id was already there; nothing was written.
    AlreadyRecorded(T),
}

impl<T> Outcome<T> {
    /// The event as stored (or as it will read back).
    pub fn recorded(&self) -> &T {
        match self {
            Outcome::Recorded(recorded) | Outcome::AlreadyRecorded(recorded) => recorded,
        }
    }
}

/// A ledger over any store.
#[derive(Debug, Clone)]
pub struct Ledger {
    store: Arc<dyn EventStore>,
}

/// Whether an entry read back from the store and an event to record say the same thing: the
/// same type, schema version and payload once encoded (who records it, and when, do not count).
fn same_content(stored: &Recorded, item: &ToRecord) -> bool {
    let (left, right) = (
        encode(stored.id, &stored.event, ""),
        encode(item.event_id, &item.event, ""),
    );
    left.event_type == right.event_type
        && left.schema_version == right.schema_version
        && left.payload == right.payload
}

impl Ledger {
    /// A ledger over `store`.
    pub fn new(store: Arc<dyn EventStore>) -> Ledger {
        Ledger { store }
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// Record one event: check the rules against the stored history, then append.
    pub async fn record(&self, item: ToRecord) -> Result<Outcome> {
        let mut outcomes = self.record_all(vec![item]).await?;
        Ok(outcomes.remove(0))
    }

    /// Record several events, possibly about several partnerships, all or nothing: each is
    /// checked against the rules for new input (`amity_domain::input`: no date after today,
    /// source URLs, no control characters, also in `recorded_by`), then against its
    /// partnership's history and the ones before it, then everything is appended in one store
    /// call (atomic where the store supports it). Ids already stored are skipped, so repeating
    /// a batch records nothing new.
    #[tracing::instrument(name = "ledger.record_all", level = "debug", skip_all, fields(n_items = items.len()))]
    pub async fn record_all(&self, items: Vec<ToRecord>) -> Result<Vec<Outcome>> {
        let today = Day::of(jiff::Timestamp::now());
        for item in &items {
            item.event.check_new(today)?;
            check_text("recorded_by", &item.recorded_by, Lines::One)?;
        }
        retrying("the batch's streams", || self.try_record_all(&items)).await
    }

    async fn try_record_all(&self, items: &[ToRecord]) -> Result<Vec<Outcome>> {
        struct Pending {
            timeline: Timeline,
            stored: usize,
            candidates: Vec<Recorded>,
            events: Vec<amity_store::NewEvent>,
        }
        let mut order: Vec<PartnershipId> = Vec::new();
        let mut pending: HashMap<PartnershipId, Pending> = HashMap::new();
        let mut outcomes = Vec::with_capacity(items.len());
        let now = jiff::Timestamp::now();
        // Keys that same-as links make one community: new events go to the community's
        // stream, and are checked against its merged history.
        let links = self.links().await?;
        let resolved: Vec<ToRecord>;
        let items = if links.has_merges() {
            let mut community = Vec::with_capacity(items.len());
            for item in items {
                community.push(self.to_community(item, &links).await?);
            }
            resolved = community;
            &resolved[..]
        } else {
            items
        };
        for item in items {
            if !pending.contains_key(&item.partnership) {
                let (timeline, stored) = self.community_timeline(&item.partnership, &links).await?;
                let stored = stored as usize;
                order.push(item.partnership.clone());
                pending.insert(
                    item.partnership.clone(),
                    Pending {
                        timeline,
                        stored,
                        candidates: Vec::new(),
                        events: Vec::new(),
                    },
                );
            }
            let entry = pending.get_mut(&item.partnership).expect("inserted above");
            if let Some(existing) = entry
                .timeline
                .recorded()
                .iter()
                .chain(&entry.candidates)
                .find(|r| r.id == item.event_id)
            {
                // A re-sent event is already recorded only if it says the same thing.
                if !same_content(existing, item) {
                    return Err(Error::IdConflict {
                        event_id: item.event_id,
                        stored: format!(
                            "a {} ({}) in {}",
                            existing.event.event_type(),
                            existing.event.facts().occurred,
                            existing.partnership
                        ),
                    });
                }
                outcomes.push(Outcome::AlreadyRecorded(existing.clone()));
                continue;
            }
            let candidate = Recorded {
                id: item.event_id,
                partnership: item.partnership.clone(),
                stream_version: (entry.stored + entry.candidates.len()) as u64,
                recorded_by: item.recorded_by.as_str().into(),
                recorded_at: now,
                event: item.event.clone(),
            };
            entry.candidates.push(candidate.clone());
            entry
                .events
                .push(encode(item.event_id, &item.event, &item.recorded_by));
            outcomes.push(Outcome::Recorded(candidate));
        }
        // Each partnership's new entries are checked together: legal as a whole, in any order.
        for entry in pending.values_mut() {
            let candidates = std::mem::take(&mut entry.candidates);
            entry.timeline.record_all(candidates)?;
        }
        let appends: Vec<StreamAppend> = order
            .into_iter()
            .filter_map(|id| {
                let entry = pending.remove(&id)?;
                (!entry.events.is_empty()).then(|| StreamAppend {
                    stream: id.as_str().to_owned(),
                    expected: match entry.stored {
                        0 => ExpectedVersion::NoStream,
                        n => ExpectedVersion::Exact(n as u64 - 1),
                    },
                    events: entry.events,
                })
            })
            .collect();
        if !appends.is_empty() {
            self.store.append_many(appends).await?;
        }
        Ok(outcomes)
    }

    /// Append entries already checked against their partnerships' stored histories (an
    /// import checks each partnership's rows together first): each partnership's entries
    /// expect its stream to hold exactly the number of events it held when checked, so a
    /// stream that changed meanwhile fails the whole batch with a version conflict and nothing
    /// is written. One atomic batch; returns how many events were written.
    pub async fn append_checked(
        &self,
        batch: Vec<(PartnershipId, u64, Vec<ToRecord>)>,
    ) -> Result<u64> {
        let mut written = 0u64;
        let appends: Vec<StreamAppend> = batch
            .into_iter()
            .filter(|(_, _, items)| !items.is_empty())
            .map(|(id, stored, items)| {
                written += items.len() as u64;
                StreamAppend {
                    stream: id.as_str().to_owned(),
                    expected: match stored {
                        0 => ExpectedVersion::NoStream,
                        n => ExpectedVersion::Exact(n - 1),
                    },
                    events: items
                        .iter()
                        .map(|item| encode(item.event_id, &item.event, &item.recorded_by))
                        .collect(),
                }
            })
            .collect();
        if !appends.is_empty() {
            self.store.append_many(appends).await?;
        }
        Ok(written)
    }

    /// A partnership's stored history (empty if none).
    pub async fn load(&self, id: &PartnershipId) -> Result<Timeline> {
        let stored = self.store.read_whole_stream(id.as_str()).await?;
        let recorded = stored.iter().map(decode).collect::<Result<Vec<_>>>()?;
        Ok(Timeline::from_history(id.clone(), recorded))
    }

    /// Record a milestone (idempotent by event id). A key is recorded once; recording another
    /// milestone under a key in use is refused; its texts and sources follow the rules for new
    /// input (its date may be in the future).
    pub async fn record_milestone(
        &self,
        milestone: Milestone,
        event_id: EventId,
        recorded_by: &str,
    ) -> Result<Outcome<Milestone>> {
        milestone.check_new(Day::of(jiff::Timestamp::now()))?;
        check_text("recorded_by", recorded_by, Lines::One)?;
        retrying(MILESTONES_STREAM, || async {
            let stored = self.store.read_whole_stream(MILESTONES_STREAM).await?;
            if let Some(event) = stored.iter().find(|event| event.event_id == event_id) {
                let existing = decode_milestone(event)?;
                if existing.key != milestone.key {
                    return Err(Error::IdReused {
                        event_id,
                        holder: format!("milestone {}", existing.key),
                    });
                }
                return Ok(Outcome::AlreadyRecorded(existing));
            }
            for event in &stored {
                let existing = decode_milestone(event)?;
                if existing.key == milestone.key {
                    return Err(Error::MilestoneExists {
                        key: milestone.key.to_string(),
                        occurred: existing.occurred.to_string(),
                    });
                }
            }
            let expected = match stored.last() {
                None => ExpectedVersion::NoStream,
                Some(last) => ExpectedVersion::Exact(last.stream_version),
            };
            let new_event = encode_milestone(event_id, &milestone, recorded_by);
            self.store
                .append(MILESTONES_STREAM, expected, vec![new_event])
                .await?;
            Ok(Outcome::Recorded(milestone.clone()))
        })
        .await
    }

    /// Every milestone, in date order.
    pub async fn milestones(&self) -> Result<Vec<Milestone>> {
        let stored = self.store.read_whole_stream(MILESTONES_STREAM).await?;
        let mut milestones = stored
            .iter()
            .map(decode_milestone)
            .collect::<Result<Vec<_>>>()?;
        milestones.sort_by_key(|m| (m.occurred.earliest(), m.occurred.latest(), m.key.clone()));
        Ok(milestones)
    }

    /// A partnership's history up to a position of the global feed (later events are left
    /// out), and the stream version and position of each event it holds, in stream order.
    pub async fn timeline_until(
        &self,
        id: &PartnershipId,
        until: Position,
    ) -> Result<(Timeline, Vec<(u64, Position)>)> {
        let stored = self.store.read_whole_stream(id.as_str()).await?;
        let kept: Vec<_> = stored
            .iter()
            .filter(|event| event.position <= until)
            .collect();
        let placed = kept
            .iter()
            .map(|event| (event.stream_version, event.position))
            .collect();
        let recorded = kept.into_iter().map(decode).collect::<Result<Vec<_>>>()?;
        Ok((Timeline::from_history(id.clone(), recorded), placed))
    }

    /// A partnership's history; an error if the ledger knows nothing of it.
    pub async fn timeline(&self, id: &PartnershipId) -> Result<Timeline> {
        let timeline = self.load(id).await?;
        if timeline.recorded().is_empty() {
            return Err(Error::UnknownPartnership(id.clone()));
        }
        Ok(timeline)
    }

    /// The partnership an event belongs to.
    pub async fn locate(&self, event_id: EventId) -> Result<PartnershipId> {
        let stored = self
            .store
            .find_event(event_id)
            .await?
            .ok_or(Error::UnknownEvent(event_id))?;
        Ok(decode(&stored)?.partnership)
    }

    /// Every partnership's timeline, rebuilt from all events.
    pub async fn timelines(&self) -> Result<Vec<Timeline>> {
        let mut streams: HashMap<PartnershipId, Vec<Recorded>> = HashMap::new();
        self.scan(Position::START, 10_000, |recorded| {
            streams
                .entry(recorded.partnership.clone())
                .or_default()
                .push(recorded);
        })
        .await?;
        let mut timelines: Vec<Timeline> = streams
            .into_iter()
            .map(|(id, recorded)| Timeline::from_history(id, recorded))
            .collect();
        timelines.sort_by(|a, b| a.id().cmp(b.id()));
        Ok(timelines)
    }
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
