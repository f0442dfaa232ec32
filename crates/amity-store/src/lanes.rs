//! Reading the global feed in parallel lanes, each event handed over where it is read
//! (see [`crate::EventStore::read_all_in_lanes`]).

use std::sync::Arc;

use crate::{Error, EventId, EventStore, Position, RecordedEvent};

/// A stored event borrowed from a backend's buffers while it reads: a reader decodes it in
/// place, with no copy of its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEvent<'a> {
    /// Its place in the global order.
    pub position: Position,
    /// The stream it belongs to.
    pub stream: &'a str,
    /// Its 0-based version in the stream.
    pub stream_version: u64,
    /// Its id.
    pub event_id: EventId,
    /// The stored type name.
    pub event_type: &'a str,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The payload, JSON.
    pub payload: &'a [u8],
    /// Envelope data, JSON.
    pub metadata: &'a [u8],
    /// When the store committed it (transaction time).
    pub recorded_at: jiff::Timestamp,
}

impl StoredEvent<'_> {
    /// An owned copy, in `stream` (the same name as [`StoredEvent::stream`], shared).
    pub fn to_recorded(&self, stream: crate::SmolStr) -> RecordedEvent {
        debug_assert_eq!(stream, self.stream);
        RecordedEvent {
            position: self.position,
            stream,
            stream_version: self.stream_version,
            event_id: self.event_id,
            event_type: self.event_type.into(),
            schema_version: self.schema_version,
            payload: self.payload.to_vec(),
            metadata: self.metadata.to_vec(),
            recorded_at: self.recorded_at,
        }
    }
}

impl RecordedEvent {
    /// The event as a borrowed [`StoredEvent`].
    pub fn as_stored(&self) -> StoredEvent<'_> {
        StoredEvent {
            position: self.position,
            stream: &self.stream,
            stream_version: self.stream_version,
            event_id: self.event_id,
            event_type: &self.event_type,
            schema_version: self.schema_version,
            payload: &self.payload,
            metadata: &self.metadata,
            recorded_at: self.recorded_at,
        }
    }
}

/// One lane of a reading in lanes: what the reader does with its share of the feed. A backend
/// calls these methods on a thread where blocking is allowed (never on an async worker), one
/// call at a time per lane.
pub trait FeedLane: Send + 'static {
    /// The next event of the lane's current chunk; `false` stops this lane.
    fn event(&mut self, event: StoredEvent<'_>) -> bool;

    /// The current chunk is complete (it may be empty); `false` stops this lane.
    fn end_chunk(&mut self) -> bool;

    /// The reading failed here: after the events of the current chunk handed over so far
    /// (possibly none); nothing more comes to this lane.
    fn fail(&mut self, error: Error);
}

/// What to read in lanes (see [`crate::EventStore::read_all_in_lanes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneRead {
    /// Read the events strictly after this position…
    pub after: Position,
    /// …up to and including this one, if given (else up to the end of the feed: where it ended
    /// as the reading started, or later for a backend that reads in pages).
    pub until: Option<Position>,
    /// Events per chunk, at most (at least 1).
    pub chunk: usize,
    /// Events per [`crate::EventStore::read_all`] page, for backends that read in pages.
    pub page: usize,
}

/// A lane that is not busy, or the job that has it.
enum Lane {
    Idle(Box<dyn FeedLane>),
    Busy(tokio::task::JoinHandle<Option<Box<dyn FeedLane>>>),
    Stopped,
}

impl Lane {
    /// The lane once its job is done (`None` once it has stopped).
    async fn take(&mut self) -> Option<Box<dyn FeedLane>> {
        match std::mem::replace(self, Lane::Stopped) {
            Lane::Idle(lane) => Some(lane),
            Lane::Busy(job) => match job.await {
                Ok(lane) => lane,
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(_) => None,
            },
            Lane::Stopped => None,
        }
    }
}

/// [`crate::EventStore::read_all_in_lanes`] for a backend that reads the feed in pages: a task
/// reads the next page while the last one is handed to the lanes, each chunk a job on the
/// blocking pool, so the lanes work in parallel with each other and with the reading.
pub async fn read_in_lanes_by_pages<S: EventStore + ?Sized + 'static>(
    store: Arc<S>,
    read: LaneRead,
    lanes: Vec<Box<dyn FeedLane>>,
) {
    let count = lanes.len();
    if count == 0 {
        return;
    }
    let chunk = read.chunk.max(1);
    let page_size = read.page.max(1);
    let mut lanes: Vec<Lane> = lanes.into_iter().map(Lane::Idle).collect();
    // Pages are read one ahead, on their own task. Only an empty page ends the feed: a
    // backend may return fewer events than asked before the end (KurrentDB leaves out its
    // system events).
    let (pages, mut receiver) = tokio::sync::mpsc::channel(1);
    let reader = tokio::spawn(async move {
        let mut after = read.after;
        loop {
            let page = store.read_all(after, page_size).await;
            let (page, done) = match page {
                Ok(mut page) => {
                    if let Some(until) = read.until {
                        page.truncate(page.partition_point(|event| event.position <= until));
                    }
                    let Some(last) = page.last() else { return };
                    after = last.position;
                    (Ok(page), read.until.is_some_and(|until| after >= until))
                }
                Err(error) => (Err(error), true),
            };
            if pages.send(page).await.is_err() || done {
                return;
            }
        }
    });
    let mut next = 0;
    'pages: while let Some(page) = receiver.recv().await {
        let page = match page {
            Ok(page) => Arc::new(page),
            Err(error) => {
                if let Some(mut lane) = lanes[next % count].take().await {
                    let failing = tokio::task::spawn_blocking(move || lane.fail(error));
                    if let Err(error) = failing.await {
                        if error.is_panic() {
                            std::panic::resume_unwind(error.into_panic());
                        }
                    }
                }
                break;
            }
        };
        for start in (0..page.len()).step_by(chunk) {
            let slot = &mut lanes[next % count];
            next += 1;
            // A lane that stopped ends the reading (after the other lanes' chunks, below).
            let Some(mut lane) = slot.take().await else {
                break 'pages;
            };
            let page = page.clone();
            let end = (start + chunk).min(page.len());
            *slot = Lane::Busy(tokio::task::spawn_blocking(move || {
                for event in &page[start..end] {
                    if !lane.event(event.as_stored()) {
                        return None;
                    }
                }
                lane.end_chunk().then_some(lane)
            }));
        }
    }
    reader.abort();
    // Each lane's last chunk is handed over before the lanes are dropped (their end).
    for lane in &mut lanes {
        lane.take().await;
    }
}
