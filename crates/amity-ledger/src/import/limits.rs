//! The limits every import holds its input to, and the readers that hold to them: no file (an
//! endless stream of zeros, a line of hundreds of megabytes, a cell the size of a book) can
//! make an import take more memory than a line's limit and a little, and every line is
//! numbered as an editor numbers it, whatever its ending (LF, CRLF or CR alone).
//!
//! The limits are generous for what a ledger holds (an archivist's long note fits), and far
//! below what would hurt: a refused value is named as `FILE:LINE: field: …` with the limit.

use std::io::{BufRead, Read};

/// The longest line a file may have (a CSV record, with the line breaks of its quoted cells):
/// 1 MiB. Longer, the file is refused as a whole: nothing after such a line can be trusted to
/// start where a line starts.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The longest name of a party or place (a CSV's `party_a`, a list's city, a payload's
/// `name` or alias), in characters: 200.
pub const MAX_NAME_CHARS: usize = 200;

/// The longest note (`note`), in characters: 65,536, about ten thousand words.
pub const MAX_NOTE_CHARS: usize = 65_536;

/// The longest other text (a source's title, publisher or URL, a term as written, a reason,
/// a key), in characters: 4,096.
pub const MAX_TEXT_CHARS: usize = 4_096;

/// The most sources one event may cite: 100.
pub const MAX_SOURCES: usize = 100;

/// The longest reason a rejection gives, in characters: a value it quotes is cut (with `…`)
/// so that a huge bad cell does not make a huge message.
pub(crate) const MAX_REASON_CHARS: usize = 500;

/// `reason`, cut to [`MAX_REASON_CHARS`].
pub(crate) fn clip(reason: String) -> String {
    match reason.char_indices().nth(MAX_REASON_CHARS) {
        Some((end, _)) => format!("{}…", &reason[..end]),
        None => reason,
    }
}

/// What a field's text is, for its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// A party's or place's name ([`MAX_NAME_CHARS`]).
    Name,
    /// A note ([`MAX_NOTE_CHARS`]).
    Note,
    /// Any other text ([`MAX_TEXT_CHARS`]).
    Text,
}

impl TextKind {
    /// The kind of a field named `field` (a CSV column or a JSON key).
    pub(crate) fn of(field: &str) -> TextKind {
        match field {
            "note" => TextKind::Note,
            "name" | "party_a" | "party_b" | "city1" | "city2" | "label" | "aliases" => {
                TextKind::Name
            }
            _ => TextKind::Text,
        }
    }

    /// The most characters a text of this kind may have.
    pub(crate) fn limit(self) -> usize {
        match self {
            TextKind::Name => MAX_NAME_CHARS,
            TextKind::Note => MAX_NOTE_CHARS,
            TextKind::Text => MAX_TEXT_CHARS,
        }
    }
}

/// `Err("FIELD: … the limit is …")` when `text` is longer than its kind allows.
pub(crate) fn check_text(field: &str, text: &str, kind: TextKind) -> Result<(), String> {
    let limit = kind.limit();
    // A text of at most `limit` bytes has at most `limit` characters: most need no counting.
    if text.len() <= limit {
        return Ok(());
    }
    let length = text.chars().count();
    if length <= limit {
        return Ok(());
    }
    let what = match kind {
        TextKind::Name => "a name",
        TextKind::Note => "a note",
        TextKind::Text => "a text",
    };
    Err(format!(
        "{field}: {length} characters long; {what} may have at most {limit}"
    ))
}

/// `Err("FIELD: … the limit is …")` when an event cites more than [`MAX_SOURCES`] sources.
pub(crate) fn check_sources(field: &str, count: usize) -> Result<(), String> {
    if count <= MAX_SOURCES {
        return Ok(());
    }
    Err(format!(
        "{field}: {count} sources; an event may cite at most {MAX_SOURCES}"
    ))
}

/// What a line longer than [`MAX_LINE_BYTES`] is refused with: `line: …`.
pub(crate) fn line_too_long() -> String {
    format!("line: longer than the limit of 1 MiB ({MAX_LINE_BYTES} bytes); the file is refused")
}

/// The CSV reader's buffer: what it may read past a record over the limit.
pub(crate) const READ_BUFFER: usize = 64 * 1024;

/// Whether a CSV error is a record over [`MAX_LINE_BYTES`](crate::import::limits::MAX_LINE_BYTES).
pub(crate) fn csv_too_long(error: &csv::Error) -> bool {
    matches!(error.kind(), csv::ErrorKind::Io(io) if is_too_long(io))
}

/// The file refused at `line`: `field: reason` (a line over the limit says so).
pub(crate) fn unreadable(name: &str, line: u64, field: &str, error: csv::Error) -> crate::Error {
    // A line over the limit says all there is to say: no cause repeats it.
    let (reason, source) = if csv_too_long(&error) {
        (line_too_long(), None)
    } else {
        (
            format!("{field}: {error}"),
            Some(Box::new(error) as Box<dyn std::error::Error + Send + Sync>),
        )
    };
    crate::Error::Unreadable {
        file: name.to_owned(),
        line,
        reason,
        source,
    }
}

/// A reader whose line breaks are all `\n`: a CR alone and a CRLF each become one LF, so that
/// a CSV reader (which counts lines by LF) and a line reader number lines as an editor does.
/// A CR inside a quoted cell becomes an LF too (a cell's line breaks are kept as LF).
///
/// [`Normalised::capped`], at most [`MAX_LINE_BYTES`] and `slack` bytes are handed on since
/// its [`counter`](Normalised::counter) was last set to 0; then a read fails with
/// [`LineTooLong`], so that a reader that buffers a whole record (the `csv` crate does) never
/// holds more.
pub(crate) struct Normalised<R> {
    inner: R,
    /// The last byte handed on was a CR turned into LF: an LF right after it is dropped.
    after_cr: bool,
    /// Bytes handed on since the last reset, shared with whoever resets.
    since_reset: std::rc::Rc<std::cell::Cell<usize>>,
    /// How many bytes past [`MAX_LINE_BYTES`] may be read ahead (the reader's buffer); `None`:
    /// no cap (a reader that bounds its lines itself, [`read_line`]).
    slack: Option<usize>,
    /// Hand CRs on as they are (a lossless CSV view, whose cells may hold CR LF line breaks;
    /// its records end with LF or CR LF, which the `csv` crate reads either way).
    keep_cr: bool,
}

/// A line (or CSV record) over [`MAX_LINE_BYTES`], as the reader's error.
#[derive(Debug, thiserror::Error)]
#[error("a line is longer than the limit of {MAX_LINE_BYTES} bytes")]
pub(crate) struct LineTooLong;

impl<R: Read> Normalised<R> {
    /// Read `inner` with normalised line breaks.
    pub(crate) fn new(inner: R) -> Normalised<R> {
        Normalised {
            inner,
            after_cr: false,
            since_reset: std::rc::Rc::default(),
            slack: None,
            keep_cr: false,
        }
    }

    /// [`Normalised::capped`], with CRs handed on as they are: only the cap applies.
    pub(crate) fn capped_keeping_cr(inner: R, slack: usize) -> Normalised<R> {
        Normalised {
            keep_cr: true,
            ..Normalised::capped(inner, slack)
        }
    }

    /// Read `inner` with normalised line breaks, at most `slack` bytes past a record's limit
    /// between two resets of the [`counter`](Normalised::counter).
    pub(crate) fn capped(inner: R, slack: usize) -> Normalised<R> {
        Normalised {
            slack: Some(slack),
            ..Normalised::new(inner)
        }
    }

    /// A handle to restart the count of bytes (at the start of each record).
    pub(crate) fn counter(&self) -> std::rc::Rc<std::cell::Cell<usize>> {
        self.since_reset.clone()
    }
}

/// Whether an error is the one [`Normalised`] fails with on an over-long record.
pub(crate) fn is_too_long(error: &std::io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<LineTooLong>().is_some())
}

impl<R: Read> Read for Normalised<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let allowed = match self.slack {
            Some(slack) => (MAX_LINE_BYTES + slack).saturating_sub(self.since_reset.get()),
            None => usize::MAX,
        };
        if allowed == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                LineTooLong,
            ));
        }
        let wanted = buf.len().min(allowed);
        loop {
            let read = self.inner.read(&mut buf[..wanted])?;
            if read == 0 {
                return Ok(0);
            }
            // Most files have no CR at all: handed on as read.
            if self.keep_cr || (!self.after_cr && !buf[..read].contains(&b'\r')) {
                self.since_reset.set(self.since_reset.get() + read);
                return Ok(read);
            }
            let mut kept = 0;
            for index in 0..read {
                let byte = buf[index];
                match byte {
                    b'\n' if self.after_cr => self.after_cr = false,
                    b'\r' => {
                        buf[kept] = b'\n';
                        kept += 1;
                        self.after_cr = true;
                    }
                    _ => {
                        buf[kept] = byte;
                        kept += 1;
                        self.after_cr = false;
                    }
                }
            }
            // A read of a lone LF after a CR hands on nothing: read again rather than end.
            if kept > 0 {
                self.since_reset.set(self.since_reset.get() + kept);
                return Ok(kept);
            }
        }
    }
}

/// One line read by [`read_line`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LineRead {
    /// The end of the file: nothing was read.
    End,
    /// A line, in the buffer (its `\n`, if any, removed).
    Line,
    /// A line over [`MAX_LINE_BYTES`]: the buffer holds its first bytes only.
    TooLong,
}

/// Read the next line of `reader` into `line` (cleared first), reading at most
/// [`MAX_LINE_BYTES`] and one more byte, whatever the file holds. Lines end at `\n` (a reader
/// of [`Normalised`] line breaks ends them at a CR or CRLF too).
pub(crate) fn read_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
) -> std::io::Result<LineRead> {
    line.clear();
    let read = reader
        .by_ref()
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', line)?;
    if read == 0 {
        return Ok(LineRead::End);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(LineRead::Line);
    }
    if line.len() > MAX_LINE_BYTES {
        return Ok(LineRead::TooLong);
    }
    Ok(LineRead::Line)
}

/// A buffer for [`read_line`] that never grows: room for the longest line and its `\n`.
pub(crate) fn line_buffer() -> Vec<u8> {
    Vec::with_capacity(MAX_LINE_BYTES + 2)
}
