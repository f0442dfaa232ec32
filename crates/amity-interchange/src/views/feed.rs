//! The stored events a view shows: in global order, each with its leaf index in the log.

use std::collections::HashMap;

use amity_ledger::log::LogPlace;
use amity_ledger::{EventId, Ledger, Metadata, Position, StoredEvent, StoredRecord};
use amity_projections::TimelineRow;

use crate::Result;

/// Records read from the store at a time.
const PAGE: usize = 8_192;

/// One stored event: its leaf index in the log (its 0-based place in the global order), the
/// record as stored, and who recorded it.
pub(super) struct Stored {
    pub(super) log_index: u64,
    pub(super) record: StoredRecord,
    pub(super) recorded_by: String,
}

/// The stored events a view shows, findable by id.
pub struct Feed {
    pub(super) events: Vec<Stored>,
    by_id: HashMap<EventId, usize>,
    /// Where a reading of the whole feed stopped, and the log index after it: where
    /// [`Feed::read_on`] goes on.
    end: Option<(Position, u64)>,
}

impl Feed {
    /// Every stored event of the ledger, in global order; as the ledger held them at
    /// `known_at`, if given.
    pub async fn read(ledger: &Ledger, known_at: Option<jiff::Timestamp>) -> Result<Feed> {
        Feed::read_after(ledger, known_at, (Position::START, 0)).await
    }

    /// The stored events after `(position, log index)`, read as [`Feed::read`] reads them.
    pub(super) async fn read_after(
        ledger: &Ledger,
        known_at: Option<jiff::Timestamp>,
        end: (Position, u64),
    ) -> Result<Feed> {
        let mut feed = Feed::of(Vec::new());
        feed.end = Some(end);
        feed.read_on(ledger, known_at).await?;
        Ok(feed)
    }

    /// Add the events appended since this feed was read whole ([`Feed::read`]; nothing for a
    /// feed of one history).
    pub async fn read_on(
        &mut self,
        ledger: &Ledger,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<()> {
        let Some((mut after, mut index)) = self.end else {
            return Ok(());
        };
        loop {
            let page = ledger.stored_records(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.position;
            for record in page {
                let log_index = index;
                index += 1;
                if known_at.is_some_and(|moment| record.recorded_at > moment) {
                    continue;
                }
                let event = stored(log_index, record)?;
                self.by_id.insert(event.record.event_id, self.events.len());
                self.events.push(event);
            }
        }
        self.end = Some((after, index));
        Ok(())
    }

    /// Whether it holds the event with this id.
    pub fn holds(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// The stored events of one history (read from the streams its rows are in), placed in
    /// the log by `places` (`Projections::log_places`).
    pub async fn of_history(
        ledger: &Ledger,
        rows: &[TimelineRow],
        places: &HashMap<EventId, LogPlace>,
    ) -> Result<Feed> {
        let mut streams: Vec<&str> = rows
            .iter()
            .map(|row| row.stream.as_deref().unwrap_or(row.partnership.as_str()))
            .collect();
        streams.sort_unstable();
        streams.dedup();
        let mut events = Vec::new();
        for stream in streams {
            let records = ledger.store().read_stream(stream, 0, usize::MAX).await;
            for record in records.map_err(amity_ledger::Error::from)? {
                let Some(place) = places.get(&record.event_id) else {
                    continue;
                };
                events.push(stored(place.index, record)?);
            }
        }
        events.sort_by_key(|event| event.log_index);
        Ok(Feed::of(events))
    }

    fn of(events: Vec<Stored>) -> Feed {
        let by_id = events
            .iter()
            .enumerate()
            .map(|(i, event)| (event.record.event_id, i))
            .collect();
        Feed {
            events,
            by_id,
            end: None,
        }
    }

    /// The stored event with this id.
    pub(super) fn get(&self, id: &str) -> Option<&Stored> {
        let id: EventId = id.parse().ok()?;
        self.by_id.get(&id).map(|&i| &self.events[i])
    }

    /// How many events it holds.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// A record with its index and who recorded it (from its metadata).
pub(super) fn stored(log_index: u64, record: StoredRecord) -> Result<Stored> {
    Ok(Stored {
        log_index,
        recorded_by: recorded_by(&record.as_stored())?,
        record,
    })
}

/// Who recorded a stored event, from its metadata.
pub(super) fn recorded_by(event: &StoredEvent<'_>) -> Result<String> {
    let metadata: Metadata =
        serde_json::from_slice(event.metadata).map_err(|error| amity_ledger::Error::Decode {
            event_id: event.event_id,
            stream: event.stream.to_owned(),
            stream_version: event.stream_version,
            source: amity_ledger::DecodeFailure::Metadata(error),
        })?;
    Ok(metadata.recorded_by)
}
