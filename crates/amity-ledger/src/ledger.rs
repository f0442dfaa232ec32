//! Recording events (rules checked, optimistic concurrency) and answering queries.

use std::collections::HashMap;
use std::sync::Arc;

use amity_domain::{
    Event, EventId, Milestone, PartnershipId, Recorded, Timeline, MILESTONES_STREAM,
    MILESTONE_RECORDED,
};
use amity_store::{EventStore, EventStoreExt, ExpectedVersion, Position, StreamAppend};

use crate::codec::{decode, encode};
use crate::{Error, Result};

/// How many times an append is re-validated after losing a race to another writer.
const MAX_ATTEMPTS: usize = 16;

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
    /// checked against its partnership's history and the ones before it, then everything is
    /// appended in one store call (atomic where the store supports it). Ids already stored are
    /// skipped, so repeating a batch records nothing new.
    #[tracing::instrument(name = "ledger.record_all", level = "debug", skip_all, fields(n_items = items.len()))]
    pub async fn record_all(&self, items: Vec<ToRecord>) -> Result<Vec<Outcome>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_record_all(&items).await {
                Err(Error::Store(amity_store::Error::VersionConflict { stream, .. }))
                    if attempt < MAX_ATTEMPTS =>
                {
                    tracing::debug!(%stream, attempt, "concurrent write; re-checking");
                }
                other => return other,
            }
        }
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
    /// milestone under a key in use is refused.
    pub async fn record_milestone(
        &self,
        milestone: Milestone,
        event_id: EventId,
        recorded_by: &str,
    ) -> Result<Outcome<Milestone>> {
        for _ in 0..MAX_ATTEMPTS {
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
            let new_event = amity_store::NewEvent {
                event_id,
                event_type: MILESTONE_RECORDED.to_owned(),
                schema_version: amity_domain::event::SCHEMA_VERSION,
                payload: milestone.encode().into_bytes(),
                metadata: serde_json::to_vec(&crate::Metadata {
                    recorded_by: recorded_by.to_owned(),
                })
                .expect("metadata serializes"),
                recorded_at: None,
            };
            match self
                .store
                .append(MILESTONES_STREAM, expected, vec![new_event])
                .await
            {
                Ok(_) => return Ok(Outcome::Recorded(milestone)),
                Err(amity_store::Error::VersionConflict { .. }) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(amity_store::Error::VersionConflict {
            stream: MILESTONES_STREAM.to_owned(),
            expected: ExpectedVersion::Any,
            actual: None,
        }
        .into())
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
    /// out), and how many events it holds.
    pub async fn timeline_until(
        &self,
        id: &PartnershipId,
        until: Position,
    ) -> Result<(Timeline, u64)> {
        let stored = self.store.read_whole_stream(id.as_str()).await?;
        let recorded = stored
            .iter()
            .filter(|event| event.position <= until)
            .map(decode)
            .collect::<Result<Vec<_>>>()?;
        let n_events = recorded.len() as u64;
        Ok((Timeline::from_history(id.clone(), recorded), n_events))
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

fn decode_milestone(stored: &amity_store::RecordedEvent) -> Result<Milestone> {
    Milestone::decode(&stored.event_type, stored.schema_version, &stored.payload).map_err(|error| {
        Error::Decode {
            event_id: stored.event_id,
            stream: stored.stream.to_string(),
            stream_version: stored.stream_version,
            reason: error.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use amity_domain::{EventType, Facts, Partnership, PartnershipKind};
    use amity_store::{Appended, MemoryEventStore, NewEvent, RecordedEvent};
    use async_trait::async_trait;

    use super::*;

    /// A store with faults: another writer always gets in first (`raced`), or its feed
    /// cannot be read past `broken` (and its pages are short: never more than 9 events, long
    /// before the end, as a store may return).
    #[derive(Debug)]
    struct Faulty {
        inner: Arc<dyn EventStore>,
        raced: bool,
        attempts: AtomicUsize,
        broken: Option<Position>,
    }

    impl Faulty {
        fn new(inner: Arc<dyn EventStore>, raced: bool, broken: Option<Position>) -> Faulty {
            Faulty {
                inner,
                raced,
                attempts: AtomicUsize::new(0),
                broken,
            }
        }
    }

    #[async_trait]
    impl EventStore for Faulty {
        fn backend(&self) -> &'static str {
            "faulty"
        }
        async fn append(
            &self,
            stream: &str,
            expected: ExpectedVersion,
            events: Vec<NewEvent>,
        ) -> amity_store::Result<Appended> {
            self.attempts.fetch_add(1, Ordering::SeqCst);
            if self.raced {
                return Err(amity_store::Error::VersionConflict {
                    stream: stream.to_owned(),
                    expected,
                    actual: Some(41),
                });
            }
            self.inner.append(stream, expected, events).await
        }
        async fn read_stream(
            &self,
            stream: &str,
            from: u64,
            max: usize,
        ) -> amity_store::Result<Vec<RecordedEvent>> {
            self.inner.read_stream(stream, from, max).await
        }
        async fn read_all(
            &self,
            after: Position,
            max: usize,
        ) -> amity_store::Result<Vec<RecordedEvent>> {
            let Some(broken) = self.broken else {
                return self.inner.read_all(after, max).await;
            };
            if after >= broken {
                return Err(amity_store::Error::backend("broken", "the disk is gone"));
            }
            let mut page = self.inner.read_all(after, max.min(9)).await?;
            page.truncate(page.partition_point(|event| event.position <= broken));
            Ok(page)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_store_error_comes_after_every_event_before_it_and_short_pages_do_not_end_the_feed() {
        let (ledger, feed) = interleaved(Arc::new(MemoryEventStore::new()), 7, 20).await;
        let broken = feed[99].position;
        let ledger = Ledger::new(Arc::new(Faulty::new(
            ledger.store().clone(),
            false,
            Some(broken),
        )));
        let mut pages = ledger.pages_in_chunks(Position::START, None, 50, (3, 4));
        let mut seen = Vec::new();
        let error = loop {
            match pages.next().await {
                Ok(Some(page)) => seen.extend(page.iter().map(|recorded| recorded.id)),
                Ok(None) => panic!("the store error was not reported"),
                Err(error) => break error,
            }
        };
        let expected: Vec<EventId> = feed[..100].iter().map(|event| event.event_id).collect();
        assert_eq!(seen, expected);
        assert!(error.to_string().contains("the disk is gone"), "{error}");
        assert!(pages.next().await.unwrap().is_none(), "read past the error");
    }

    fn founding() -> ToRecord {
        let partnership = Partnership::new(
            "Colorado Springs, US-CO".parse().unwrap(),
            "Smolensk, RU".parse().unwrap(),
            PartnershipKind::sister_city(),
        )
        .unwrap();
        let facts = Facts {
            occurred: "1993".parse().unwrap(),
            ..Facts::default()
        };
        ToRecord::lifecycle(
            Event::lifecycle(EventType::PartnershipFounded, partnership, facts),
            "test",
        )
    }

    #[tokio::test]
    async fn a_version_conflict_that_retries_cannot_resolve_is_reported() {
        let store = Arc::new(Faulty::new(Arc::new(MemoryEventStore::new()), true, None));
        let ledger = Ledger::new(store.clone());
        let error = ledger.record(founding()).await.unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("version conflict on stream ru:smolensk+us-co:colorado-springs"),
            "{message}"
        );
        assert!(!message.contains('\n'));
        assert_eq!(store.attempts.load(Ordering::SeqCst), MAX_ATTEMPTS);
        assert!(store
            .read_all(Position::START, 10)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn recording_the_same_event_twice_writes_it_once() {
        let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
        let item = founding();
        assert!(matches!(
            ledger.record(item.clone()).await.unwrap(),
            Outcome::Recorded(_)
        ));
        assert!(matches!(
            ledger.record(item).await.unwrap(),
            Outcome::AlreadyRecorded(_)
        ));
        assert_eq!(
            ledger
                .store()
                .read_all(Position::START, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    }

    /// An attestation of synthetic partnership `n`, encoded, with its stream.
    fn attestation(n: usize) -> (String, NewEvent) {
        let partnership = Partnership::new(
            format!("Springfield {n}, US").parse().unwrap(),
            format!("Partnerstadt {n}, DE").parse().unwrap(),
            PartnershipKind::sister_city(),
        )
        .unwrap();
        let stream = partnership.id().to_string();
        let event = Event::lifecycle(
            EventType::PartnershipAttested,
            partnership,
            Facts::default(),
        );
        (stream, encode(uuid::Uuid::now_v7(), &event, "test"))
    }

    /// The stores the reading pipeline is checked on: memory (read in pages) and a SQLite
    /// file (read in lanes of its own), with the folder that holds the file.
    fn pipeline_stores() -> Vec<(Arc<dyn EventStore>, Option<tempfile::TempDir>)> {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = amity_store_sqlite::SqliteEventStore::open(dir.path().join("l.db")).unwrap();
        vec![
            (Arc::new(MemoryEventStore::new()), None),
            (Arc::new(sqlite), Some(dir)),
        ]
    }

    /// A ledger on `store` of `streams` partnerships with `per_stream` attestations each,
    /// appended round-robin so that streams interleave in the feed; the feed is returned.
    async fn interleaved(
        store: Arc<dyn EventStore>,
        streams: usize,
        per_stream: usize,
    ) -> (Ledger, Vec<RecordedEvent>) {
        for _ in 0..per_stream {
            for n in 0..streams {
                let (stream, new) = attestation(n);
                store
                    .append(&stream, ExpectedVersion::Any, vec![new])
                    .await
                    .unwrap();
            }
        }
        let feed = store.read_all(Position::START, usize::MAX).await.unwrap();
        (Ledger::new(store), feed)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pages_of_many_chunks_come_in_feed_order_up_to_until() {
        for (store, _dir) in pipeline_stores() {
            let (ledger, feed) = interleaved(store, 37, 9).await;
            // Chunks of 7 (pages of 100 read from memory); `until` falls inside a chunk.
            for until in [None, Some(feed[250].position)] {
                let mut pages = ledger.pages_in_chunks(Position::START, until, 100, (3, 7));
                let mut seen = Vec::new();
                while let Some(page) = pages.next().await.unwrap() {
                    assert!(!page.is_empty() && page.len() <= 7);
                    seen.extend(page.iter().map(|recorded| recorded.id));
                }
                let expected: Vec<EventId> = match until {
                    None => feed.iter().map(|event| event.event_id).collect(),
                    Some(_) => feed[..=250].iter().map(|event| event.event_id).collect(),
                };
                assert_eq!(seen, expected);
                let last = until.unwrap_or(feed.last().unwrap().position);
                assert_eq!(
                    (pages.position(), pages.events()),
                    (last, expected.len() as u64)
                );
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_event_that_does_not_decode_stops_the_pages_after_those_before_it() {
        for (store, _dir) in pipeline_stores() {
            let (ledger, _) = interleaved(store, 5, 40).await;
            let bad = NewEvent {
                event_id: uuid::Uuid::now_v7(),
                event_type: "PartnershipAttested".to_owned(),
                schema_version: 1,
                payload: b"{\"occurred\":".to_vec(),
                metadata: b"{\"recorded_by\":\"test\"}".to_vec(),
                recorded_at: None,
            };
            let (stream, _) = attestation(0);
            let store = ledger.store().clone();
            store
                .append(&stream, ExpectedVersion::Any, vec![bad.clone()])
                .await
                .unwrap();
            for _ in 0..30 {
                let (stream, new) = attestation(1);
                store
                    .append(&stream, ExpectedVersion::Any, vec![new])
                    .await
                    .unwrap();
            }
            let mut pages = ledger.pages_in_chunks(Position::START, None, 50, (3, 6));
            let mut good = 0;
            let error = loop {
                match pages.next().await {
                    Ok(Some(page)) => good += page.len(),
                    Ok(None) => panic!("the bad event was not reported"),
                    Err(error) => break error,
                }
            };
            assert_eq!(good, 200, "{}", ledger.store().backend());
            assert!(pages.next().await.unwrap().is_none(), "read past the error");
            assert!(
                error.to_string().contains(&bad.event_id.to_string()),
                "{error}"
            );
        }
    }

    #[tokio::test]
    async fn pages_stop_at_until_and_leave_milestones_out() {
        let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
        let partnership = founding().partnership;
        let mut recorded = Vec::new();
        for year in ["1993", "1994", "1995", "1996", "1997"] {
            let facts = Facts {
                occurred: year.parse().unwrap(),
                ..Facts::default()
            };
            let event = match year {
                "1993" => founding().event,
                _ => Event::lifecycle(
                    EventType::PartnershipAttested,
                    founding().event.as_lifecycle().unwrap().partnership.clone(),
                    facts,
                ),
            };
            let item = ToRecord::about(partnership.clone(), event, "test");
            recorded.push(ledger.record(item).await.unwrap().recorded().id);
        }
        let milestone = Milestone {
            key: "invasion".parse().unwrap(),
            title: "Invasion".to_owned(),
            occurred: "2022-02-24".parse().unwrap(),
            sources: Vec::new(),
            note: None,
        };
        ledger
            .record_milestone(milestone, uuid::Uuid::now_v7(), "test")
            .await
            .unwrap();
        let feed = ledger.store().read_all(Position::START, 10).await.unwrap();
        assert_eq!(feed.len(), 6);

        // Up to the third event, in pages of two: the rest is left for later.
        let mut pages = ledger.pages(Position::START, Some(feed[2].position), 2);
        let mut seen = Vec::new();
        while let Some(page) = pages.next().await.unwrap() {
            assert!(page.len() <= 2);
            seen.extend(page.iter().map(|r| r.id));
        }
        assert_eq!(seen, recorded[..3]);
        assert_eq!((pages.position(), pages.events()), (feed[2].position, 3));

        // Everything: the milestone is counted and passed, not returned.
        let mut pages = ledger.pages(feed[1].position, None, 4);
        let mut seen = Vec::new();
        while let Some(page) = pages.next().await.unwrap() {
            seen.extend(page.iter().map(|r| r.id));
        }
        assert_eq!(seen, recorded[2..]);
        assert_eq!((pages.position(), pages.events()), (feed[5].position, 4));
    }
}
