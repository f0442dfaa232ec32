//! The verifiable log: every stored event, in feed order, is a leaf of an RFC 9162 Merkle
//! tree over its canonical record v1 (`amity_log`, `events-schema/README.md`). Checkpoints
//! (C2SP signed notes) are kept beside the feed by the store; the tree's right edge is cached
//! with the position it reached, so a checkpoint hashes only the events recorded since.
//!
//! Offline, with no store ([`offline`]): an exported archive checked against a signed
//! checkpoint, and a proof checked against one.

use amity_log::{CanonicalRecord, Checkpoint, Hash, SignerKey};
use amity_store::{FeedLane, LaneRead, Position, StoredEvent};

use crate::feed::StoredRecord;
use crate::{DecodeFailure, Error, Ledger, Result};

#[cfg(test)]
#[path = "fuzz_tests.rs"]
mod fuzz_tests;
mod handed;
mod index;
mod leaf;
pub mod offline;
mod pace;
mod verify;

pub use handed::{read_leaves, write_leaves, HandedLeaves, LEAVES_HEADER};
pub use index::LogPlace;
pub use leaf::{log_error, LeafSource, Leaves};
pub use pace::Pace;
pub use verify::{verify, Report, VerifyOptions};

pub use offline::{
    archive_leaves, read_checkpoint, read_proof, read_small_file, read_small_text, verify_archive,
    verify_proof, Proof, ProofVerdict, Published,
};

/// Records read per page while hashing the log.
const PAGE: usize = 10_000;

/// The leaf hash of a stored record: SHA-256 of 0x00 and its canonical record v1. Only the
/// metadata's `recorded_by` is read from the envelope; the payload is hashed as stored.
pub fn leaf_hash(record: &StoredRecord) -> Result<Hash> {
    stored_leaf_hash(&record.as_stored())
}

/// [`leaf_hash`] of a record borrowed where the store reads it.
fn stored_leaf_hash(record: &StoredEvent<'_>) -> Result<Hash> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        recorded_by: std::borrow::Cow<'a, str>,
    }
    let envelope: Envelope<'_> =
        serde_json::from_slice(record.metadata).map_err(|error| Error::Decode {
            event_id: record.event_id,
            stream: record.stream.to_string(),
            stream_version: record.stream_version,
            source: DecodeFailure::Metadata(error),
        })?;
    Ok(CanonicalRecord {
        event_id: *record.event_id.as_bytes(),
        stream: record.stream,
        stream_version: record.stream_version,
        event_type: record.event_type,
        schema_version: record.schema_version,
        recorded_by: &envelope.recorded_by,
        recorded_at_micros: record.recorded_at.as_microsecond(),
        payload: record.payload,
    }
    .leaf_hash())
}

/// A signed checkpoint just made.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The signed note, as stored and published.
    pub note: String,
}

/// The origin of a ledger's checkpoints when none is given: `amity/<first event id>`.
pub async fn default_origin(ledger: &Ledger) -> Result<Option<String>> {
    Ok(ledger.identity().await?.map(|id| format!("amity/{id}")))
}

impl Ledger {
    /// Every leaf of the log as the store holds it now, hashed from the stored records.
    pub async fn log_leaves(&self) -> Result<Leaves> {
        let mut leaves = Leaves::default();
        self.hash_in_lanes(Position::START, true, |chunk| {
            for mut source in chunk.sources {
                source.index = leaves.sources.len() as u64;
                leaves.sources.push(source);
            }
            leaves.hashes.extend(chunk.hashes);
        })
        .await?;
        Ok(leaves)
    }

    /// Sign a checkpoint of the whole log, store it, and cache the tree's right edge: only
    /// the events recorded since the cached edge are read and hashed.
    pub async fn checkpoint(&self, key: &SignerKey) -> Result<Signed> {
        Ok(self
            .checkpoint_when(key, true)
            .await?
            .expect("always signed"))
    }

    /// [`Ledger::checkpoint`], unless the latest stored checkpoint already covers every
    /// event (then `None`): for signing after each write.
    pub async fn checkpoint_if_grown(&self, key: &SignerKey) -> Result<Option<Signed>> {
        self.checkpoint_when(key, false).await
    }

    async fn checkpoint_when(&self, key: &SignerKey, always: bool) -> Result<Option<Signed>> {
        let mut state = self.indexed().await?;
        let size = state.frontier.size();
        // The cached right edge knows the size of the latest checkpoint made with it: when
        // it is the log's size, that checkpoint covers every event (no need to read them).
        if !always && state.signed == Some(size) {
            return Ok(None);
        }
        let checkpoint = Checkpoint::new(key.name(), size, state.frontier.root());
        let note = checkpoint.sign(key).map_err(log_error)?;
        self.add_log_checkpoint(size, note.clone(), state.frontier.to_bytes())
            .await?;
        state.signed = Some(size);
        self.save_log_frontier(size, state.to_bytes()).await?;
        Ok(Some(Signed { checkpoint, note }))
    }
}

/// Records hashed per chunk by each lane of [`Ledger::hash_in_lanes`].
const HASH_CHUNK: usize = 1_024;

/// A lane's hashed chunk: the leaf hashes, where they come from (when asked for; their
/// indexes are set by the reader), the last record's position, and the error that ended the
/// reading there, if one did (the hashes before it come first).
struct HashedChunk {
    hashes: Vec<Hash>,
    ids: Vec<amity_store::EventId>,
    sources: Vec<LeafSource>,
    last: Option<Position>,
    error: Option<Error>,
}

/// A lane of [`Ledger::hash_in_lanes`]: hashes each record where the store reads it, with no
/// copy, and sends each chunk to the reader.
struct HashingLane {
    sender: tokio::sync::mpsc::Sender<HashedChunk>,
    sources: bool,
    chunk: HashedChunk,
}

impl HashingLane {
    /// Send the chunk so far, ended by `error` if given.
    fn send(&mut self, error: Option<Error>) -> bool {
        let chunk = HashedChunk {
            hashes: std::mem::take(&mut self.chunk.hashes),
            ids: std::mem::take(&mut self.chunk.ids),
            sources: std::mem::take(&mut self.chunk.sources),
            last: self.chunk.last.take(),
            error,
        };
        self.sender.blocking_send(chunk).is_ok()
    }
}

impl FeedLane for HashingLane {
    fn event(&mut self, event: StoredEvent<'_>) -> bool {
        match stored_leaf_hash(&event) {
            Ok(hash) => {
                self.chunk.hashes.push(hash);
                self.chunk.ids.push(event.event_id);
            }
            Err(error) => {
                self.send(Some(error));
                return false;
            }
        }
        if self.sources {
            self.chunk.sources.push(LeafSource {
                index: 0,
                event_id: event.event_id,
                stream: event.stream.to_owned(),
                stream_version: event.stream_version,
                position: Some(event.position.to_string()),
                line: None,
            });
        }
        self.chunk.last = Some(event.position);
        true
    }

    fn end_chunk(&mut self) -> bool {
        self.send(None)
    }

    fn fail(&mut self, error: amity_store::Error) {
        self.send(Some(error.into()));
    }
}

impl Ledger {
    /// Hash every record after `after`, in parallel lanes (one per core, as
    /// [`Ledger::pages`] reads), each record where the store reads it; `visit` gets the
    /// chunks in feed order. The first error in feed order ends it.
    async fn hash_in_lanes(
        &self,
        after: Position,
        sources: bool,
        mut visit: impl FnMut(HashedChunk),
    ) -> Result<()> {
        let lanes = std::thread::available_parallelism()
            .map_or(2, usize::from)
            .clamp(1, crate::feed::MAX_LANES);
        let (lanes, mut receivers): (Vec<Box<dyn FeedLane>>, Vec<_>) = (0..lanes)
            .map(|_| {
                let (sender, receiver) = tokio::sync::mpsc::channel(crate::feed::PAGES_AHEAD);
                let lane: Box<dyn FeedLane> = Box::new(HashingLane {
                    sender,
                    sources,
                    chunk: HashedChunk {
                        hashes: Vec::new(),
                        ids: Vec::new(),
                        sources: Vec::new(),
                        last: None,
                        error: None,
                    },
                });
                (lane, receiver)
            })
            .unzip();
        let read = LaneRead {
            after,
            until: None,
            chunk: HASH_CHUNK,
            page: PAGE,
            mapped: false,
            balanced: false,
        };
        let producer = tokio::spawn(self.store().clone().read_all_in_lanes(read, lanes));
        // Chunk k comes from lane k mod lanes: the first lane with no chunk left is the end.
        for turn in (0..receivers.len()).cycle() {
            let Some(mut chunk) = receivers[turn].recv().await else {
                break;
            };
            if let Some(error) = chunk.error.take() {
                // Nothing more is read: the lanes stop as their receivers go.
                producer.abort();
                return Err(error);
            }
            visit(chunk);
        }
        // The other lanes are let go first, so that none waits to hand over a chunk.
        drop(receivers);
        producer
            .await
            .map_err(|error| Error::Store(amity_store::Error::backend("ledger", error)))
    }
}
