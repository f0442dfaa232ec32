//! The archive's lines: what one line holds, how it is checked, and the file read as checked
//! lines, a chunk at a time.

use std::collections::HashMap;
use std::path::Path;

use amity_domain::{EventType, Milestone, MILESTONES_STREAM, MILESTONE_RECORDED};
use amity_store::{ExpectedVersion, NewEvent, StreamAppend};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::diagnose::{check_payload_limits, envelope_error, payload_error};
use crate::import::limits::{check_text, line_buffer, line_too_long, read_line, LineRead};
use crate::import::limits::{clip, Normalised, TextKind};
use crate::{Error, Metadata, Result};

/// Lines per atomic batch.
pub const BATCH_LINES: usize = 2_000;

/// How far in the future an archive line's `recorded_at` may be and still be imported: the
/// clock of the ledger that exported it may run a little ahead of this one's. Anything later
/// was not recorded yet, and is refused.
pub const CLOCK_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(5 * 60);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineIn<'a> {
    event_id: uuid::Uuid,
    #[serde(borrow)]
    stream: std::borrow::Cow<'a, str>,
    stream_version: u64,
    #[serde(rename = "type", borrow)]
    event_type: std::borrow::Cow<'a, str>,
    schema_version: u32,
    #[serde(borrow)]
    recorded_by: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    recorded_at: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    payload: &'a RawValue,
}

/// One valid line, ready to append.
pub(super) struct Valid {
    pub(super) stream: String,
    pub(super) stream_version: u64,
    pub(super) event: NewEvent,
}

/// Check one line; the error is `field: reason`. Without `decode`, the payload is taken as
/// already validated (the second pass of an import).
pub(super) fn check_line(
    text: &str,
    decode: bool,
    keep: bool,
) -> std::result::Result<Valid, String> {
    let line: LineIn<'_> =
        serde_json::from_str(text).map_err(|error| envelope_error(text, &error))?;
    let payload = line.payload.get().as_bytes();
    if decode {
        for (field, text) in [
            ("stream", &line.stream),
            ("type", &line.event_type),
            ("recorded_by", &line.recorded_by),
            ("recorded_at", &line.recorded_at),
        ] {
            check_text(field, text, TextKind::Text)?;
        }
        check_payload(&line, payload).map_err(|reason| match reason.strip_prefix("payload: ") {
            Some(reason) => payload_error(line.payload.get(), reason),
            None => reason,
        })?;
        check_payload_limits(line.payload.get())?;
    }
    let recorded_at: jiff::Timestamp = line
        .recorded_at
        .parse()
        .map_err(|e| format!("recorded_at: {e}"))?;
    // Stored values are kept as they are, but no event was recorded after now.
    let latest = jiff::Timestamp::now() + CLOCK_SKEW;
    if recorded_at > latest {
        return Err(format!(
            "recorded_at: {recorded_at} is in the future (later than now by more than the {} \
             minutes of clock skew allowed); an archive holds events already recorded",
            CLOCK_SKEW.as_secs() / 60
        ));
    }
    // The checking pass needs only the envelope (and, into a ledger that holds events, the
    // payload to compare with a stored event of the same id); the writing pass the payload.
    let (payload, metadata) = if decode {
        (if keep { payload.to_vec() } else { Vec::new() }, Vec::new())
    } else {
        let metadata = Metadata {
            recorded_by: line.recorded_by.into_owned(),
        };
        (
            payload.to_vec(),
            serde_json::to_vec(&metadata).expect("metadata serializes"),
        )
    };
    Ok(Valid {
        stream: line.stream.into_owned(),
        stream_version: line.stream_version,
        event: NewEvent {
            event_id: line.event_id,
            event_type: line.event_type.into_owned(),
            schema_version: line.schema_version,
            payload,
            metadata,
            recorded_at: Some(recorded_at),
        },
    })
}

/// Check that a line's payload decodes and belongs to its stream.
fn check_payload(line: &LineIn<'_>, payload: &[u8]) -> std::result::Result<(), String> {
    if line.event_type == MILESTONE_RECORDED {
        if line.stream != MILESTONES_STREAM {
            return Err(format!(
                "stream: a milestone belongs in stream {MILESTONES_STREAM}"
            ));
        }
        Milestone::decode(&line.event_type, line.schema_version, payload)
            .map_err(|e| format!("payload: {}", e.reason))?;
    } else if amity_domain::is_register_stream(&line.stream) {
        let event =
            amity_domain::RegisterEvent::decode(&line.event_type, line.schema_version, payload)
                .map_err(|e| format!("payload: {}", e.reason))?;
        if event.stream() != line.stream {
            return Err(format!(
                "stream: this event belongs in stream {}",
                event.stream()
            ));
        }
    } else {
        if EventType::from_name(&line.event_type).is_none() {
            return Err(format!("type: unknown event type {:?}", line.event_type));
        }
        let (_, event) =
            crate::codec::decode_body(&line.stream, &line.event_type, line.schema_version, payload)
                .map_err(|error| error.to_string())?;
        if let Some(field) = event.field_with_nul() {
            return Err(format!(
                "payload: {field} holds a NUL character (U+0000); remove it"
            ));
        }
    }
    Ok(())
}

/// Non-blank lines with their numbers in the file.
type RawLines = Vec<(u64, Vec<u8>)>;

/// The lines of an archive, checked one by one, with the version chain checked per stream
/// (each stream's versions must follow each other).
pub(super) struct Lines {
    /// Chunks of lines, read ahead on their own thread.
    chunks: std::sync::mpsc::Receiver<Result<RawLines>>,
    next_version: HashMap<String, u64>,
    broken: std::collections::HashSet<String>,
    /// Each event id read so far: its line, and a hash of that line's text.
    ids: HashMap<uuid::Uuid, (u64, u64)>,
    /// The lines a checking pass found to repeat an earlier line whole: a writing pass (which
    /// keeps no ids) tells them so by number.
    pub(super) repeats: std::collections::HashSet<u64>,
    /// The random keys of [`text_hash`] for this reading.
    keys: std::hash::RandomState,
    decode: bool,
    /// Keep the payload of a decoded line (to compare it with a stored event of the same id).
    pub(super) keep_payload: bool,
}

impl Lines {
    /// Open an archive, to be read `chunk` lines at a time; the next chunk is read from the
    /// file while the current one is checked.
    pub(super) fn open(path: &Path, decode: bool, chunk: usize) -> Result<Lines> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(Lines::from_reader(file, path, decode, chunk))
    }

    /// [`Lines::open`] of any reader, named `path` in messages (a test reads an endless one).
    /// Lines are read with a bound ([`read_line`]): a line over
    /// [`MAX_LINE_BYTES`](crate::import::limits::MAX_LINE_BYTES) ends the reading with an
    /// error. A byte order mark at the start is skipped.
    pub(super) fn from_reader(
        reader: impl std::io::Read + Send + 'static,
        path: &Path,
        decode: bool,
        chunk: usize,
    ) -> Lines {
        let name = path.to_path_buf();
        let (sender, chunks) = std::sync::mpsc::sync_channel(1);
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::with_capacity(1 << 20, Normalised::new(reader));
            let mut line = line_buffer();
            let mut number = 0u64;
            loop {
                let mut raw: RawLines = Vec::with_capacity(chunk);
                let mut failed = None;
                while raw.len() < chunk {
                    number += 1;
                    match read_line(&mut lines, &mut line) {
                        Ok(LineRead::End) => break,
                        Ok(LineRead::Line) => {
                            let mut bytes = line.as_slice();
                            if number == 1 {
                                bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
                            }
                            if !bytes.iter().all(u8::is_ascii_whitespace) {
                                raw.push((number, bytes.to_vec()));
                            }
                        }
                        Ok(LineRead::TooLong) => {
                            failed = Some(Error::Unreadable {
                                file: name.display().to_string(),
                                line: number,
                                reason: line_too_long(),
                                source: None,
                            });
                            break;
                        }
                        Err(e) => {
                            failed = Some(Error::Io {
                                path: name.clone(),
                                line: Some(number),
                                source: e,
                            });
                            break;
                        }
                    }
                }
                let last = raw.is_empty() || failed.is_some();
                let message = match failed {
                    Some(error) => Err(error),
                    None => Ok(raw),
                };
                // The receiver hung up (the import stopped early): nothing left to do.
                if sender.send(message).is_err() || last {
                    break;
                }
            }
        });
        Lines {
            chunks,
            next_version: HashMap::new(),
            broken: std::collections::HashSet::new(),
            ids: HashMap::new(),
            repeats: std::collections::HashSet::new(),
            keys: std::hash::RandomState::new(),
            decode,
            keep_payload: false,
        }
    }

    /// Reject every later line of this stream.
    pub(super) fn mark_broken(&mut self, stream: &str) {
        self.broken.insert(stream.to_owned());
    }

    /// The next chunk of non-blank lines with their numbers and verdicts (empty at the end).
    /// Lines are decoded on two threads; the version chain is then checked in file order.
    pub(super) fn next_chunk(&mut self) -> Result<Vec<(u64, Verdict)>> {
        let raw = match self.chunks.recv() {
            Ok(chunk) => chunk?,
            // The reader ends after sending the last (empty) chunk.
            Err(_) => Vec::new(),
        };
        let (decode, keep) = (self.decode, self.keep_payload);
        let check = |bytes: &[u8]| match std::str::from_utf8(bytes) {
            Ok(text) => check_line(text, decode, keep).map_err(clip),
            Err(_) => Err("line: invalid UTF-8".to_owned()),
        };
        let (first, second) = raw.split_at(raw.len() / 2);
        let (mut checked, rest) = std::thread::scope(|scope| {
            let other = scope.spawn(|| second.iter().map(|(_, b)| check(b)).collect::<Vec<_>>());
            let mine: Vec<_> = first.iter().map(|(_, b)| check(b)).collect();
            (mine, other.join().expect("decoding thread"))
        });
        checked.extend(rest);
        let mut out = Vec::with_capacity(raw.len());
        for ((number, bytes), verdict) in raw.iter().zip(checked) {
            if !self.repeats.is_empty() && self.repeats.contains(number) {
                out.push((*number, Verdict::Repeat));
                continue;
            }
            // An id read before: the same line again is counted once; another is an error.
            // Only the checking pass tells repeats (the writing pass is told which lines).
            if let (true, Ok(valid)) = (decode, &verdict) {
                let hash = text_hash(&self.keys, bytes);
                match self.ids.get(&valid.event.event_id) {
                    Some(&(_, first_hash)) if first_hash == hash => {
                        out.push((*number, Verdict::Repeat));
                        continue;
                    }
                    Some(&(first, _)) => {
                        let reason = format!(
                            "event_id: {} is also the id of line {first}, with other content; \
                             give one of them a new id",
                            valid.event.event_id
                        );
                        self.broken.insert(valid.stream.clone());
                        out.push((*number, Verdict::Rejected(reason)));
                        continue;
                    }
                    None => {
                        self.ids.insert(valid.event.event_id, (*number, hash));
                    }
                }
            }
            let verdict = verdict.and_then(|valid| {
                if self.broken.contains(&valid.stream) {
                    return Err(
                        "stream_version: follows a rejected line of the same stream".to_owned()
                    );
                }
                match self.next_version.get(&valid.stream) {
                    Some(&expected) if expected != valid.stream_version => Err(format!(
                        "stream_version: expected {expected} after the previous line of {}, found {}",
                        valid.stream, valid.stream_version
                    )),
                    _ => Ok(valid),
                }
            });
            match &verdict {
                Ok(valid) => {
                    self.next_version
                        .insert(valid.stream.clone(), valid.stream_version + 1);
                }
                Err(_) => {
                    let stream = serde_json::from_slice::<serde_json::Value>(bytes)
                        .ok()
                        .and_then(|line| line.get("stream")?.as_str().map(str::to_owned));
                    if let Some(stream) = stream {
                        self.broken.insert(stream);
                    }
                }
            }
            out.push((
                *number,
                match verdict {
                    Ok(valid) => Verdict::Valid(valid),
                    Err(reason) => Verdict::Rejected(reason),
                },
            ));
        }
        Ok(out)
    }
}

/// What a line is, once checked.
pub(super) enum Verdict {
    /// A valid line, to write.
    Valid(Valid),
    /// The same line again (the same event id and text as an earlier line): counted once.
    Repeat,
    /// A rejected line: `field: reason`.
    Rejected(String),
}

/// A hash of a line's text, its surrounding blanks aside, to tell a repeated line from
/// another line with the same event id: keyed at random for each reading (SipHash), so that
/// no archive can be made with another line that passes for a repeat.
fn text_hash(keys: &std::hash::RandomState, bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    keys.hash_one(bytes.trim_ascii())
}

/// The byte order mark a file may start with (UTF-8).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One batch as per-stream parts, and how many events each part has.
pub(super) fn parts_of(lines: Vec<Valid>) -> Vec<StreamAppend> {
    // Consecutive lines of one stream make one part; parts keep the file's order, so the
    // global order of the archive is the global order of the import.
    let mut parts: Vec<StreamAppend> = Vec::new();
    for valid in lines {
        match parts.last_mut() {
            Some(part) if part.stream == valid.stream => part.events.push(valid.event),
            _ => parts.push(StreamAppend {
                expected: match valid.stream_version {
                    0 => ExpectedVersion::NoStream,
                    n => ExpectedVersion::Exact(n - 1),
                },
                stream: valid.stream,
                events: vec![valid.event],
            }),
        }
    }
    parts
}
