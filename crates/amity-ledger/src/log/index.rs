//! The log's kept leaves: the events recorded since the cached right edge of the tree are
//! hashed and their leaves kept by the store, as evidence of what each event was when it was
//! hashed (a verifier compares the feed with them) and as each event's place in the log (its
//! leaf index, which `history` shows). Appends never hash: a checkpoint, a proof or a history
//! brings the leaves up to date.

use std::collections::HashMap;

use amity_log::Frontier;
use amity_store::{EventId, LogLeaf, Position};

use crate::{Ledger, Result};

/// Leaves handed to the store per call.
const KEEP_BATCH: usize = 65_536;

/// The cached right edge of the tree, with the position of its last leaf and the size of the
/// latest checkpoint signed from it (opaque bytes in the store: version 2, the signed size
/// plus one or 0 for none as 8 bytes, the position's text length (2 bytes) and text, the
/// frontier's bytes).
pub(super) struct State {
    pub(super) position: Position,
    pub(super) frontier: Frontier,
    pub(super) signed: Option<u64>,
}

impl Default for State {
    fn default() -> State {
        State {
            position: Position::START,
            frontier: Frontier::new(),
            signed: None,
        }
    }
}

impl State {
    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let position = self.position.to_string();
        let mut bytes = vec![2u8];
        bytes.extend_from_slice(&self.signed.map_or(0, |size| size + 1).to_be_bytes());
        bytes.extend_from_slice(&(position.len() as u16).to_be_bytes());
        bytes.extend_from_slice(position.as_bytes());
        bytes.extend_from_slice(&self.frontier.to_bytes());
        bytes
    }

    /// `None` for bytes this code does not read: the cache is then rebuilt, never trusted.
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<State> {
        let (&version, rest) = bytes.split_first()?;
        if version != 2 || rest.len() < 10 {
            return None;
        }
        let signed = u64::from_be_bytes(rest[..8].try_into().ok()?);
        let length = u16::from_be_bytes([rest[8], rest[9]]) as usize;
        let text = std::str::from_utf8(rest.get(10..10 + length)?).ok()?;
        Some(State {
            position: text.parse().ok()?,
            frontier: Frontier::from_bytes(rest.get(10 + length..)?).ok()?,
            signed: signed.checked_sub(1),
        })
    }
}

/// Where an event is in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LogPlace {
    /// Its leaf index (0-based, in feed order).
    pub index: u64,
    /// Whether the latest stored checkpoint covers it.
    pub checkpointed: bool,
}

impl Ledger {
    /// Bring the kept leaves up to date: hash the events recorded since the cached right
    /// edge (all of them without one), keep their leaves, and save the edge.
    pub(super) async fn indexed(&self) -> Result<State> {
        let mut state = self
            .log_frontier()
            .await?
            .and_then(|(_, bytes)| State::from_bytes(&bytes))
            .unwrap_or_default();
        let mut new: Vec<LogLeaf> = Vec::new();
        self.hash_in_lanes(state.position, false, |chunk| {
            if let Some(last) = chunk.last {
                state.position = last;
            }
            for (hash, event_id) in chunk.hashes.into_iter().zip(chunk.ids) {
                new.push(LogLeaf {
                    index: state.frontier.size(),
                    event_id,
                    hash,
                });
                state.frontier.push(hash);
            }
        })
        .await?;
        if new.is_empty() {
            return Ok(state);
        }
        for batch in new.chunks(KEEP_BATCH) {
            self.store().keep_log_leaves(batch.to_vec()).await?;
        }
        self.save_log_frontier(state.frontier.size(), state.to_bytes())
            .await?;
        Ok(state)
    }

    /// Hash the events recorded since the log was last brought up to date and keep their
    /// leaves; the log's size.
    pub async fn index_log(&self) -> Result<u64> {
        Ok(self.indexed().await?.frontier.size())
    }

    /// Where these events are in the log (brought up to date first), and whether the latest
    /// checkpoint covers them. An event not in the feed is left out.
    pub async fn log_places(&self, events: &[EventId]) -> Result<HashMap<EventId, LogPlace>> {
        self.indexed().await?;
        self.log_places_as_kept(events).await
    }

    /// [`Ledger::log_places`] from the leaves as kept, without bringing the log up to date
    /// first: for a long-running reader whose log a follower keeps up to date (the server);
    /// an event recorded since is left out.
    pub async fn log_places_as_kept(
        &self,
        events: &[EventId],
    ) -> Result<HashMap<EventId, LogPlace>> {
        let covered = self
            .log_checkpoints()
            .await?
            .last()
            .map_or(0, |latest| latest.tree_size);
        Ok(self
            .store()
            .kept_log_leaves_of(events)
            .await?
            .into_iter()
            .map(|leaf| {
                let place = LogPlace {
                    index: leaf.index,
                    checkpointed: leaf.index < covered,
                };
                (leaf.event_id, place)
            })
            .collect())
    }

    /// The log's leaf hashes, in order, as kept (the log brought up to date first): what
    /// proofs are made from, with no event read again.
    pub async fn log_hashes(&self) -> Result<Vec<amity_log::Hash>> {
        self.indexed().await?;
        Ok(self
            .kept_leaves()
            .await?
            .iter()
            .map(|leaf| leaf.hash)
            .collect())
    }

    /// Every kept leaf from index 0, as far as they run on without a gap.
    pub(super) async fn kept_leaves(&self) -> Result<Vec<LogLeaf>> {
        const PAGE: usize = 100_000;
        let mut kept: Vec<LogLeaf> = Vec::new();
        loop {
            let page = self
                .store()
                .kept_log_leaves(kept.len() as u64, PAGE)
                .await?;
            let full = page.len() == PAGE;
            for leaf in page {
                if leaf.index != kept.len() as u64 {
                    return Ok(kept);
                }
                kept.push(leaf);
            }
            if !full {
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_edge_reads_back_and_unknown_bytes_are_not_trusted() {
        let mut frontier = Frontier::new();
        for leaf in 0..5u8 {
            frontier.push([leaf; 32]);
        }
        for signed in [None, Some(0), Some(5)] {
            let state = State {
                position: Position::new(17, 17),
                frontier: frontier.clone(),
                signed,
            };
            let back = State::from_bytes(&state.to_bytes()).unwrap();
            assert_eq!(back.position, state.position);
            assert_eq!(back.frontier.root(), frontier.root());
            assert_eq!(back.signed, signed);
        }
        let bytes = State::default().to_bytes();
        assert!(State::from_bytes(&bytes[..5]).is_none());
        let mut version_1 = bytes.clone();
        version_1[0] = 1;
        assert!(State::from_bytes(&version_1).is_none());
        assert!(State::from_bytes(&[]).is_none());
    }
}
