//! Idempotency by event id, decided once for every backend (see the crate docs' contract).

use crate::{Error, NewEvent, Result};

/// Where an event id of a batch is already stored: `(stream, version)`.
pub type StoredAt<'a> = Option<(&'a str, u64)>;

/// Decide what an append of `batch` to `stream` must do, given where each of its ids is
/// already stored (`found[i]` for `batch[i]`). Shared by every backend so that idempotency
/// means the same everywhere.
///
/// Returns `Ok(None)` when nothing is stored (write the batch), `Ok(Some(last_version))` when
/// the whole batch is stored already as one run of this stream (write nothing), and
/// [`Error::DuplicateEvent`] or [`Error::DuplicateInBatch`] otherwise.
pub fn idempotency(
    stream: &str,
    batch: &[NewEvent],
    found: &[StoredAt<'_>],
) -> Result<Option<u64>> {
    let mut seen = std::collections::HashSet::with_capacity(batch.len());
    for event in batch {
        if !seen.insert(event.event_id) {
            return Err(Error::DuplicateInBatch {
                event_id: event.event_id,
                stream: stream.to_owned(),
            });
        }
    }
    if found.iter().all(Option::is_none) {
        return Ok(None);
    }
    let first_version = match found.first() {
        Some(Some((stored_stream, version))) if *stored_stream == stream => *version,
        _ => u64::MAX,
    };
    for (offset, (event, stored)) in batch.iter().zip(found).enumerate() {
        let expected_place = first_version.checked_add(offset as u64);
        match stored {
            Some((stored_stream, version))
                if *stored_stream == stream && Some(*version) == expected_place => {}
            Some((stored_stream, version)) => {
                return Err(Error::DuplicateEvent {
                    event_id: event.event_id,
                    stream: stream.to_owned(),
                    stored_in: (*stored_stream).to_owned(),
                    stored_version: *version,
                })
            }
            None => {
                let (event_id, stored_in, stored_version) = batch
                    .iter()
                    .zip(found)
                    .find_map(|(event, stored)| stored.map(|(s, v)| (event.event_id, s, v)))
                    .expect("some id is stored");
                return Err(Error::DuplicateEvent {
                    event_id,
                    stream: stream.to_owned(),
                    stored_in: stored_in.to_owned(),
                    stored_version,
                });
            }
        }
    }
    Ok(Some(first_version + batch.len() as u64 - 1))
}
