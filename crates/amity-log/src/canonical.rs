//! "Canonical record v1": the frozen bytes of one stored event, what a leaf of the log hashes.
//! Built from the store's raw columns, the payload's bytes as stored: nothing is decoded, so
//! a record that no longer decodes still hashes, and the bytes do not depend on the exporter.
//! The specification, with a worked example, is in `events-schema/README.md`.

use sha2::{Digest, Sha256};

use crate::Hash;

/// The first bytes of every canonical record v1: its name and version, so that a later
/// version can never hash like this one.
pub const CANONICAL_RECORD_TAG: &[u8] = b"amity.record.v1\n";

/// One stored event, as the store holds it, borrowed. Its [`CanonicalRecord::to_bytes`] is
/// [`CANONICAL_RECORD_TAG`] followed by each field in this order, each as its length (8 bytes,
/// big-endian) and its bytes:
///
/// | field | bytes |
/// | --- | --- |
/// | `event_id` | the UUID's 16 bytes |
/// | `stream` | UTF-8 |
/// | `stream_version` | decimal ASCII |
/// | `event_type` | UTF-8 |
/// | `schema_version` | decimal ASCII |
/// | `recorded_by` | UTF-8 |
/// | `recorded_at_micros` | decimal ASCII, microseconds since 1970-01-01T00:00:00Z (`-` before a negative number) |
/// | `payload` | the stored bytes |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalRecord<'a> {
    /// The event id, its 16 bytes (`Uuid::as_bytes`).
    pub event_id: [u8; 16],
    /// The stream's name.
    pub stream: &'a str,
    /// The event's 0-based version in its stream.
    pub stream_version: u64,
    /// The stored type name.
    pub event_type: &'a str,
    /// The stored schema version.
    pub schema_version: u32,
    /// Who recorded it (the metadata's `recorded_by`).
    pub recorded_by: &'a str,
    /// When the store committed it, in microseconds since the Unix epoch (what every store
    /// keeps; the archive's `recorded_at` text parses to the same number).
    pub recorded_at_micros: i64,
    /// The payload's bytes exactly as stored.
    pub payload: &'a [u8],
}

impl CanonicalRecord<'_> {
    /// The record's canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(
            CANONICAL_RECORD_TAG.len()
                + 8 * 8
                + 16
                + self.stream.len()
                + self.event_type.len()
                + self.recorded_by.len()
                + self.payload.len()
                + 60,
        );
        self.write(|part| bytes.extend_from_slice(part));
        bytes
    }

    /// The record's leaf hash, `SHA-256(0x00 || canonical bytes)`: the same as
    /// [`crate::leaf_hash`] of [`CanonicalRecord::to_bytes`], without building the bytes.
    pub fn leaf_hash(&self) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update([0x00]);
        self.write(|part| hasher.update(part));
        hasher.finalize().into()
    }

    /// Hand the canonical bytes to `out`, part by part.
    fn write(&self, mut out: impl FnMut(&[u8])) {
        out(CANONICAL_RECORD_TAG);
        let mut field = |bytes: &[u8]| {
            out(&(bytes.len() as u64).to_be_bytes());
            out(bytes);
        };
        let mut number = Decimal::default();
        field(&self.event_id);
        field(self.stream.as_bytes());
        field(number.unsigned(self.stream_version));
        field(self.event_type.as_bytes());
        field(number.unsigned(u64::from(self.schema_version)));
        field(self.recorded_by.as_bytes());
        field(number.signed(self.recorded_at_micros));
        field(self.payload);
    }
}

/// A number's decimal ASCII text, built on the stack.
#[derive(Default)]
struct Decimal {
    buffer: [u8; 20],
}

impl Decimal {
    fn unsigned(&mut self, mut value: u64) -> &[u8] {
        let mut start = self.buffer.len();
        loop {
            start -= 1;
            self.buffer[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        &self.buffer[start..]
    }

    fn signed(&mut self, value: i64) -> &[u8] {
        // `i64::MIN` has 19 digits and a sign: 20 bytes, the buffer's size.
        let digits = self.unsigned(value.unsigned_abs()).len();
        let mut start = self.buffer.len() - digits;
        if value < 0 {
            start -= 1;
            self.buffer[start] = b'-';
        }
        &self.buffer[start..]
    }
}

#[cfg(test)]
#[path = "canonical_tests.rs"]
mod tests;
