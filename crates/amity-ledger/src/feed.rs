//! The feed: every event of the ledger in global order, as domain values, and what changed
//! since a position. Readers above the ledger (the projections, later a verifier) read the
//! feed here, never the store: partnership events decoded, the register's and the milestones'
//! streams told apart from partnerships by their names in one place.

use std::collections::{BTreeMap, BTreeSet};

use amity_domain::register::PARTY_STREAM_PREFIX;
use amity_domain::{is_partnership_stream, PartnershipId, PartyKey, Recorded, LINKS_STREAM};
use amity_store::{
    EventId, EventStoreExt, FeedLane, IntegrityProblem, LaneRead, LogCheckpoint, Position,
    StoredEvent,
};

use crate::codec::decode_stored;
use crate::ledger::Ledger;
use crate::{Error, Result};

/// What the feed holds after a position (or in all, for [`Ledger::summary`]), by kind of
/// stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedChanges {
    /// The last event's position (the position asked when nothing follows it).
    pub position: Position,
    /// The feed's first event, which tells one ledger from another (`None` when empty; for
    /// [`Ledger::changes_since`], the first event read, if reading from the start).
    pub first_event: Option<EventId>,
    /// The partnerships whose streams moved, with how many of their events.
    pub partnerships: BTreeMap<PartnershipId, u64>,
    /// The parties whose register streams moved.
    pub parties: BTreeSet<PartyKey>,
    /// Whether a link between parties was recorded or retracted.
    pub links: bool,
    /// How many partnership events (milestones and the register are not counted).
    pub events: u64,
}

impl Default for FeedChanges {
    fn default() -> FeedChanges {
        FeedChanges {
            position: Position::START,
            first_event: None,
            partnerships: BTreeMap::new(),
            parties: BTreeSet::new(),
            links: false,
            events: 0,
        }
    }
}

impl FeedChanges {
    /// Count a stream's events by its kind.
    fn add(&mut self, stream: &str, count: u64) -> Result<()> {
        if let Some(id) = self.add_other(stream, count)? {
            *self.partnerships.entry(id).or_default() += count;
        }
        Ok(())
    }

    /// Count a stream's events by its kind, except a partnership's, whose id is returned for
    /// the caller to count.
    fn add_other(&mut self, stream: &str, count: u64) -> Result<Option<PartnershipId>> {
        if is_partnership_stream(stream) {
            let id: PartnershipId =
                stream
                    .parse()
                    .map_err(|error: amity_domain::PartyError| Error::StreamName {
                        stream: stream.to_owned(),
                        expected: "not a partnership",
                        reason: error.to_string(),
                    })?;
            self.events += count;
            return Ok(Some(id));
        } else if stream == LINKS_STREAM {
            self.links = true;
        } else if let Some(key) = stream.strip_prefix(PARTY_STREAM_PREFIX) {
            let key: PartyKey =
                key.parse()
                    .map_err(|error: amity_domain::PartyError| Error::StreamName {
                        stream: stream.to_owned(),
                        expected: "not a party's",
                        reason: error.to_string(),
                    })?;
            self.parties.insert(key);
        }
        Ok(None)
    }
}

/// A stored event exactly as the store holds it: its place in the feed, stream, version, id,
/// type, schema version, the payload's and the metadata's bytes, and when it was committed.
/// What a verifier hashes: the decoded events of [`Ledger::pages`] are what it means, these
/// are what was written.
pub type StoredRecord = amity_store::RecordedEvent;

impl Ledger {
    /// At most `limit` stored records after `after`, in global order, as stored: every stream
    /// (partnerships, milestones, the register), nothing decoded, the bytes untouched. An
    /// empty list is the end of the feed; a store may return fewer than `limit` before it
    /// (KurrentDB leaves out its system events), so read on from the last record's position.
    pub async fn stored_records(&self, after: Position, limit: usize) -> Result<Vec<StoredRecord>> {
        Ok(self.store().read_all(after, limit).await?)
    }

    /// Every stored record after `after`, as stored ([`Ledger::stored_records`]), handed to
    /// `lanes` where the store reads them, in chunks of at most `chunk` records, read in
    /// parallel (see [`amity_store::EventStore::read_all_in_lanes`]): each chunk to whichever
    /// lane is free first ([`LaneRead::balanced`]; each lane is told the number of its next
    /// chunk, [`FeedLane::begin_chunk`]), or chunk *k* to lane *k* mod `lanes.len()` where the
    /// store keeps to that turn. Returns once every lane is done. A SQLite store's file is read
    /// through a memory map ([`LaneRead::mapped`]): one pass over the whole feed, for an export.
    pub async fn stored_in_lanes(
        &self,
        after: Position,
        chunk: usize,
        lanes: Vec<Box<dyn FeedLane>>,
    ) {
        let read = LaneRead {
            after,
            until: None,
            chunk: chunk.max(1),
            page: chunk.max(1),
            mapped: true,
            balanced: true,
        };
        self.store().clone().read_all_in_lanes(read, lanes).await;
    }

    /// The log's checkpoints, in the order they were added (store data beside the feed: see
    /// `EventStore::log_checkpoints`).
    pub async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>> {
        Ok(self.store().log_checkpoints().await?)
    }

    /// Store a checkpoint of the first `tree_size` records after the last one; refused (a
    /// store error) if it would shrink the log or cover more than the feed holds.
    pub async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint> {
        Ok(self
            .store()
            .add_log_checkpoint(tree_size, note, frontier)
            .await?)
    }

    /// The cached frontier of the log and its tree size, if one is saved (a cache: never
    /// trusted by a verifier).
    pub async fn log_frontier(&self) -> Result<Option<(u64, Vec<u8>)>> {
        Ok(self.store().log_frontier().await?)
    }

    /// Save the log's frontier at `tree_size`, replacing the one saved before.
    pub async fn save_log_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()> {
        Ok(self.store().save_log_frontier(tree_size, frontier).await?)
    }

    /// The store's own check of what it holds (versions, feed order, its record of streams),
    /// problems in feed order; none for an untouched store.
    pub async fn check_integrity(&self) -> Result<Vec<IntegrityProblem>> {
        Ok(self.store().check_integrity().await?)
    }

    /// The feed's first event: a ledger's identity (`None` while it is empty).
    pub async fn identity(&self) -> Result<Option<EventId>> {
        Ok(self
            .store()
            .read_all(Position::START, 1)
            .await?
            .first()
            .map(|event| event.event_id))
    }

    /// Whether any event follows `after`.
    pub async fn moved_since(&self, after: Position) -> Result<bool> {
        Ok(!self.store().read_all(after, 1).await?.is_empty())
    }

    /// Whether a link between parties was recorded or retracted after `after`.
    pub async fn links_moved_since(&self, after: Position) -> Result<bool> {
        Ok(self
            .store()
            .read_whole_stream(LINKS_STREAM)
            .await?
            .iter()
            .any(|event| event.position > after))
    }

    /// The whole feed by stream, up to where it ends now (the store may know without reading
    /// every payload: see `EventStore::feed_summary`).
    pub async fn summary(&self) -> Result<FeedChanges> {
        let summary = self.store().feed_summary().await?;
        let mut changes = FeedChanges {
            position: summary.last.unwrap_or(Position::START),
            first_event: summary.first_event,
            ..FeedChanges::default()
        };
        // The partnerships gathered, then made one map at once: the store gives the streams in
        // name order, which is the ids' order (the sort finds them sorted; two streams of one id
        // are summed), and a map built from sorted pairs is built in one pass rather than
        // searched once per stream.
        let mut partnerships: Vec<(PartnershipId, u64)> = Vec::new();
        for (stream, count) in &summary.streams {
            if let Some(id) = changes.add_other(stream, *count)? {
                partnerships.push((id, *count));
            }
        }
        partnerships.sort_by(|(a, _), (b, _)| a.cmp(b));
        partnerships.dedup_by(|(later, counted), (first, total)| {
            let same = later == first;
            if same {
                *total += *counted;
            }
            same
        });
        changes.partnerships = partnerships.into_iter().collect();
        Ok(changes)
    }

    /// What follows `after`, by stream, up to where the feed ends now.
    pub async fn changes_since(&self, after: Position) -> Result<FeedChanges> {
        let mut changes = FeedChanges {
            position: after,
            ..FeedChanges::default()
        };
        loop {
            let page = self.store().read_all(changes.position, 20_000).await?;
            let Some(last) = page.last() else { break };
            changes.position = last.position;
            if after == Position::START {
                changes.first_event = changes.first_event.or(page.first().map(|e| e.event_id));
            }
            for event in &page {
                changes.add(&event.stream, 1)?;
            }
        }
        Ok(changes)
    }

    /// Visit every event after `after` in global order, decoded (milestones left out);
    /// returns the last position and the number of events read, milestones included. The
    /// pages come from [`Ledger::pages`], so reading and decoding run ahead of `visit`.
    pub async fn scan(
        &self,
        after: Position,
        page_size: usize,
        mut visit: impl FnMut(Recorded),
    ) -> Result<(Position, u64)> {
        let mut pages = self.pages(after, None, page_size);
        while let Some(page) = pages.next().await? {
            page.into_iter().for_each(&mut visit);
        }
        Ok((pages.position(), pages.events()))
    }

    /// The events after `after` in global order, up to and including `until` if given, as
    /// decoded pages (milestones left out, so a page can be empty). The store reads and
    /// decodes ahead of the caller in parallel lanes, one per core (up to [`MAX_LANES`]), each
    /// event decoded where it is read (see [`amity_store::EventStore::read_all_in_lanes`]); a page is one
    /// lane's chunk of at most 256 events, and each lane keeps up to [`PAGES_AHEAD`] of them
    /// ready, so the caller's own work (writing projections, say) overlaps the reading.
    /// `page_size` is the size of the store's own pages, for stores that read in pages.
    ///
    /// `until` is for a reader whose first pass found where the feed ended: whatever was
    /// appended since belongs to its next pass, not to this one.
    pub fn pages(&self, after: Position, until: Option<Position>, page_size: usize) -> Pages {
        self.pages_in_chunks(after, until, page_size, (default_lanes(), DECODE_CHUNK))
    }

    /// [`Ledger::pages`], each event decoded without its details: its sources, term as
    /// written and note are left empty (see [`amity_domain::event::without_details`]). For a
    /// reader that needs only what decides each history, such as a rebuild of tables that read
    /// the details from the stored events.
    pub fn pages_without_details(
        &self,
        after: Position,
        until: Option<Position>,
        page_size: usize,
    ) -> Pages {
        self.pages_decoded(
            after,
            until,
            page_size,
            (default_lanes(), DECODE_CHUNK),
            false,
        )
    }

    /// [`Ledger::pages`] in `lanes` lanes, decoded in chunks of `chunk` events.
    pub(crate) fn pages_in_chunks(
        &self,
        after: Position,
        until: Option<Position>,
        page_size: usize,
        lanes: (usize, usize),
    ) -> Pages {
        self.pages_decoded(after, until, page_size, lanes, true)
    }

    /// [`Ledger::pages_in_chunks`], the events decoded with their details or without.
    fn pages_decoded(
        &self,
        after: Position,
        until: Option<Position>,
        page_size: usize,
        (lanes, chunk): (usize, usize),
        details: bool,
    ) -> Pages {
        let chunk = chunk.max(1);
        let (lanes, receivers): (Vec<Box<dyn FeedLane>>, Vec<_>) = (0..lanes.max(1))
            .map(|_| {
                let (sender, receiver) = tokio::sync::mpsc::channel(PAGES_AHEAD);
                let lane: Box<dyn FeedLane> = Box::new(DecodingLane {
                    sender,
                    details,
                    chunk,
                    page: Vec::new(),
                    positions: Vec::new(),
                    last: None,
                    count: 0,
                });
                (lane, receiver)
            })
            .unzip();
        let read = LaneRead {
            after,
            until,
            chunk,
            page: page_size.max(1),
            mapped: false,
            balanced: false,
        };
        // (In the caller's span: the reading is part of its command.)
        let producer = tokio::spawn(tracing::Instrument::in_current_span(
            self.store().clone().read_all_in_lanes(read, lanes),
        ));
        Pages {
            lanes: receivers,
            turn: 0,
            producer: Some(producer),
            failed: None,
            position: after,
            events: 0,
        }
    }
}

/// The lanes [`Ledger::pages`] reads in: one per core, up to [`MAX_LANES`].
fn default_lanes() -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(1, MAX_LANES)
}

/// How many decoded chunks (pages handed over) each lane of [`Ledger::pages`] keeps ready
/// ahead of its caller.
pub const PAGES_AHEAD: usize = 3;

/// The most lanes [`Ledger::pages`] reads in, whatever the number of cores.
pub const MAX_LANES: usize = 4;

/// Events decoded per chunk: small enough that a chunk's events are still in the cache when
/// the caller takes them (measured: 256 took about 5 % less CPU per event than 1,024 on the
/// ledger benchmark), large enough that a chunk's hand-off costs little.
const DECODE_CHUNK: usize = 256;

/// A lane's decoded chunk: its events, the position of the last one (`None`: none was read)
/// and how many were read, milestones included; then the error that ended the reading there,
/// if one did (the events before it come first).
struct DecodedChunk {
    page: Vec<Recorded>,
    /// Where each of them is stored, in the same order.
    positions: Vec<Position>,
    last: Option<Position>,
    count: u64,
    error: Option<Error>,
}

/// Decoded pages of the global feed (see [`Ledger::pages`]). Dropping it stops the reading.
#[derive(Debug)]
pub struct Pages {
    /// One receiver per lane; the feed's chunks come from the lanes in turn.
    lanes: Vec<tokio::sync::mpsc::Receiver<DecodedChunk>>,
    /// The lane of the next chunk.
    turn: usize,
    /// The reading, until it has been awaited.
    producer: Option<tokio::task::JoinHandle<()>>,
    /// The error that ended the reading, once the page before it has been handed over.
    failed: Option<Error>,
    position: Position,
    events: u64,
}

/// A lane of [`Ledger::pages`]: decodes each event where the store reads it and sends each
/// chunk decoded to the lane's receiver in [`Pages`].
struct DecodingLane {
    sender: tokio::sync::mpsc::Sender<DecodedChunk>,
    /// Whether events are decoded with their details (see [`Ledger::pages_without_details`]).
    details: bool,
    /// Events per chunk, at most: a page's capacity from its first event (no copies as it
    /// grows).
    chunk: usize,
    page: Vec<Recorded>,
    positions: Vec<Position>,
    last: Option<Position>,
    count: u64,
}

impl DecodingLane {
    /// Send the chunk so far, ended by `error` if given.
    fn send(&mut self, error: Option<Error>) -> bool {
        let chunk = DecodedChunk {
            page: std::mem::take(&mut self.page),
            positions: std::mem::take(&mut self.positions),
            last: self.last.take(),
            count: std::mem::take(&mut self.count),
            error,
        };
        self.sender.blocking_send(chunk).is_ok()
    }
}

impl FeedLane for DecodingLane {
    fn event(&mut self, event: StoredEvent<'_>) -> bool {
        if amity_domain::is_partnership_stream(event.stream) {
            let decoded = if self.details {
                decode_stored(&event)
            } else {
                amity_domain::event::without_details(|| decode_stored(&event))
            };
            match decoded {
                Ok(recorded) => {
                    if self.page.capacity() == 0 {
                        self.page.reserve_exact(self.chunk);
                        self.positions.reserve_exact(self.chunk);
                    }
                    self.page.push(recorded);
                    self.positions.push(event.position);
                }
                Err(error) => {
                    // The events before it are handed over, then the error: the reading ends.
                    self.send(Some(error));
                    return false;
                }
            }
        }
        self.last = Some(event.position);
        self.count += 1;
        true
    }

    fn end_chunk(&mut self) -> bool {
        self.send(None)
    }

    fn fail(&mut self, error: amity_store::Error) {
        self.send(Some(error.into()));
    }
}

/// A reading task that panicked or was cancelled.
fn join_error(error: tokio::task::JoinError) -> Error {
    Error::Store(amity_store::Error::backend("ledger", error))
}

impl Pages {
    /// The next page, or `None` after the last one (and after an error: nothing is read
    /// past it).
    pub async fn next(&mut self) -> Result<Option<Vec<Recorded>>> {
        Ok(self.next_positioned().await?.map(|(page, _)| page))
    }

    /// [`Pages::next`], with where each event of the page is stored, in the same order.
    pub async fn next_positioned(&mut self) -> Result<Option<(Vec<Recorded>, Vec<Position>)>> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        let Some(lane) = self.lanes.get_mut(self.turn) else {
            return Ok(None);
        };
        match lane.recv().await {
            Some(chunk) => {
                self.turn = (self.turn + 1) % self.lanes.len().max(1);
                if let Some(position) = chunk.last {
                    self.position = position;
                }
                self.events += chunk.count;
                if chunk.error.is_some() {
                    // Nothing is read after an error: the lanes stop as their receivers go.
                    self.lanes.clear();
                }
                match chunk.error {
                    Some(error) if chunk.page.is_empty() => Err(error),
                    error => {
                        self.failed = error;
                        Ok(Some((chunk.page, chunk.positions)))
                    }
                }
            }
            // The lane whose turn it is has ended: the feed has, unless the reading failed
            // (a lane that panicked). The other lanes are let go first, so that none is left
            // waiting to hand over a chunk while the reading is awaited.
            None => {
                self.lanes.clear();
                let Some(producer) = self.producer.as_mut() else {
                    return Ok(None);
                };
                let outcome = producer.await;
                self.producer = None;
                outcome.map(|()| None).map_err(join_error)
            }
        }
    }

    /// The position of the last event read (where it started, before the first); once
    /// [`Pages::next`] has returned `None`, the end of what was read.
    pub fn position(&self) -> Position {
        self.position
    }

    /// How many events were read, milestones included (once [`Pages::next`] has returned
    /// `None`, all of them).
    pub fn events(&self) -> u64 {
        self.events
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        if let Some(producer) = &self.producer {
            producer.abort();
        }
    }
}
