//! What is wrong with an archive line, said as `field: reason`: the envelope's field by name,
//! a place inside the payload as a JSON pointer (`/payload/facts/occurred`), and a line that is
//! not JSON at all as `line:` with the parser's column; and the limits of a payload's texts.
//!
//! serde names the place of an error by its column only (and, for a field's value, often
//! quotes the value itself in backticks, not the field): the field is found by walking the
//! line's JSON up to that column.

use serde_json::Value;

use crate::import::limits::{check_sources, check_text, TextKind, MAX_NAME_CHARS};

/// The fields of an archive line, in the order an export writes them.
pub(super) const FIELDS: [&str; 8] = [
    "event_id",
    "stream",
    "stream_version",
    "type",
    "schema_version",
    "recorded_by",
    "recorded_at",
    "payload",
];

/// Where a parser stopped: the keys and indices of the values it was inside (`path`), and
/// of the object it was reading or had just closed (`object`, for a missing field).
#[derive(Debug, Default, PartialEq, Eq)]
struct At {
    path: Vec<String>,
    object: Vec<String>,
}

/// One open container while walking.
enum Frame {
    /// An object: the key being read or whose value is being read (none after a comma).
    Object(Option<String>),
    /// An array: the index of the element being read.
    Array(usize),
}

/// The path of the open containers (each one's key or index, when it has one).
fn path_of(frames: &[Frame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|frame| match frame {
            Frame::Object(key) => key.clone(),
            Frame::Array(index) => Some(index.to_string()),
        })
        .collect()
}

/// Walk `text` (JSON, valid or not) up to byte `end`, and say where that is.
fn walk_to(text: &str, end: usize) -> At {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut frames: Vec<Frame> = Vec::new();
    let mut closed: Option<Vec<String>> = None;
    let mut index = 0;
    while index < end {
        let byte = bytes[index];
        match byte {
            b'"' => {
                // A string: a key (in an object with no key yet) or a value.
                let start = index + 1;
                let mut stop = start;
                while stop < bytes.len() && bytes[stop] != b'"' {
                    stop += if bytes[stop] == b'\\' { 2 } else { 1 };
                }
                let stop = stop.min(bytes.len());
                if let Some(Frame::Object(key @ None)) = frames.last_mut() {
                    let raw = &text.get(start..stop).unwrap_or("");
                    *key = Some(
                        serde_json::from_str::<String>(&format!("\"{raw}\""))
                            .unwrap_or_else(|_| (*raw).to_owned()),
                    );
                }
                index = stop + 1;
                closed = None;
                continue;
            }
            b'{' => frames.push(Frame::Object(None)),
            b'[' => frames.push(Frame::Array(0)),
            b'}' | b']' => {
                frames.pop();
                closed = Some(path_of(&frames));
            }
            b',' => match frames.last_mut() {
                Some(Frame::Object(key)) => *key = None,
                Some(Frame::Array(at)) => *at += 1,
                None => {}
            },
            _ => {}
        }
        if !matches!(byte, b'}' | b']') && !byte.is_ascii_whitespace() {
            closed = None;
        }
        index += 1;
    }
    let path = path_of(&frames);
    let object = match closed {
        Some(object) => object,
        None => {
            // The innermost object, its key aside.
            let mut object = path.clone();
            if let Some(Frame::Object(Some(_))) = frames.last() {
                object.pop();
            }
            object
        }
    };
    At { path, object }
}

/// A JSON pointer (RFC 6901) of a path.
fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|part| format!("/{}", part.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// A serde message without its position, and the column it names (on line 1).
fn split_position(message: &str) -> (&str, Option<usize>) {
    if let Some((text, at)) = message.rsplit_once(" at line ") {
        if let Some((_, column)) = at.split_once(" column ") {
            if let Ok(column) = column.trim().parse::<usize>() {
                return (text, Some(column));
            }
        }
    }
    (message, None)
}

/// The field a message names as missing, unknown or duplicated (`` missing field `x` ``).
fn named_field(message: &str) -> Option<&str> {
    ["missing field `", "duplicate field `"]
        .iter()
        .find_map(|opening| message.strip_prefix(opening)?.split('`').next())
}

/// `field: reason` for an envelope serde could not read: the field by name, or `line`.
pub(super) fn envelope_error(text: &str, error: &serde_json::Error) -> String {
    // Not JSON at all (or more than one value): the line, with the parser's column.
    if let Err(syntax) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return format!("line: not JSON: {syntax} (expected one JSON object per line)");
    }
    if !text.trim_start().starts_with('{') {
        return format!(
            "line: expected a JSON object with the fields {}",
            FIELDS.join(", ")
        );
    }
    let message = error.to_string();
    let (reason, column) = split_position(&message);
    if let Some(field) = named_field(reason) {
        return format!("{field}: {reason}");
    }
    let at = column
        .map(|column| walk_to(text, column))
        .unwrap_or_default();
    // An unknown field is no field: the line holds it.
    if reason.starts_with("unknown field") {
        return format!("line: {reason}");
    }
    match at.path.first() {
        Some(field) => match expected(field) {
            Some(expected) if !reason.contains("expected") => {
                format!("{field}: {reason} (expected {expected})")
            }
            _ => format!("{field}: {reason}"),
        },
        None => format!("line: {reason}"),
    }
}

/// What an envelope field holds, for a message whose reason does not say.
fn expected(field: &str) -> Option<&'static str> {
    Some(match field {
        "event_id" => "a UUID, such as 0195f0c4-6b9e-7c3d-9a51-2f1e8d7c6b5a",
        "stream" | "type" | "recorded_by" => "a string",
        "stream_version" => "a whole number from 0",
        "schema_version" => "a whole number from 1",
        "recorded_at" => "an RFC 3339 timestamp, such as 2026-11-23T19:26:35Z",
        "payload" => "the event's JSON object",
        _ => return None,
    })
}

/// `field: reason` for a payload the domain could not read (its `reason`, maybe with the
/// payload's column): the place as a JSON pointer under `/payload`.
pub(super) fn payload_error(payload: &str, reason: &str) -> String {
    let (text, column) = split_position(reason);
    // What the envelope names: the domain reads the payload by its type and schema version.
    for (opening, field) in [
        ("unknown schema version", "schema_version"),
        ("unknown event type", "type"),
    ] {
        if text.starts_with(opening) {
            return format!("{field}: {text}");
        }
    }
    let Some(column) = column else {
        return format!("payload: {reason}");
    };
    // The partnership is read on its own: its column counts from its own start.
    let (within, prefix, text) = match text.strip_prefix("partnership: ") {
        Some(rest) => match member(payload, "partnership") {
            Some(partnership) => (partnership, "/payload/partnership", rest),
            None => (payload, "/payload", text),
        },
        None => (payload, "/payload", text),
    };
    let at = walk_to(within, column);
    let path = match named_field(text) {
        Some(field) => {
            let mut path = at.object;
            path.push(field.to_owned());
            path
        }
        // An unknown field is no field: the object that holds it is named.
        None if text.starts_with("unknown field") => at.object,
        None => at.path,
    };
    let text = text.replace("expected struct WireIn", "expected the event's JSON object");
    format!("{prefix}{}: {text}", pointer(&path))
}

/// The text of the member `name` of the JSON object `object`, if it has one.
fn member<'a>(object: &'a str, name: &str) -> Option<&'a str> {
    let members: std::collections::HashMap<&str, &serde_json::value::RawValue> =
        serde_json::from_str(object).ok()?;
    members.get(name).map(|value| value.get())
}

/// The longest payload a quick scan can clear of every limit: too short to cite more than
/// [`crate::import::limits::MAX_SOURCES`] sources (13 bytes each at least).
const QUICK_PAYLOAD: usize = 1_300;

/// Check a payload's texts and source lists against the limits
/// ([`crate::import::limits`]); the error names the place as a JSON pointer.
pub(super) fn check_payload_limits(payload: &str) -> Result<(), String> {
    // Most payloads are short with short strings: no text in them can be over a limit.
    if payload.len() <= QUICK_PAYLOAD && !payload.contains("\\\"") {
        let longest = payload.split('"').map(str::len).max().unwrap_or(0);
        if longest <= MAX_NAME_CHARS {
            return Ok(());
        }
    }
    let Ok(value) = serde_json::from_str::<Value>(payload) else {
        return Ok(());
    };
    let mut path = vec!["payload".to_owned()];
    check_value(&value, &mut path, TextKind::Text)
}

/// [`check_payload_limits`] of one value at `path`, a string of it being of `kind`.
fn check_value(value: &Value, path: &mut Vec<String>, kind: TextKind) -> Result<(), String> {
    match value {
        Value::String(text) => check_text(&pointer(path), text, kind),
        Value::Array(items) => {
            if path.last().is_some_and(|key| key == "sources") {
                check_sources(&pointer(path), items.len())?;
            }
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                check_value(item, path, kind)?;
                path.pop();
            }
            Ok(())
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                path.push(key.clone());
                check_value(item, path, TextKind::of(key))?;
                path.pop();
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_names_the_key_of_the_value_it_stops_after() {
        let text = r#"{"a":1,"b":{"c":[1,{"d":"x"}]}}"#;
        let at = walk_to(text, text.find("\"x\"").expect("x") + 3);
        assert_eq!(pointer(&at.path), "/b/c/1/d");
        let at = walk_to(text, text.find(",").expect("a comma"));
        assert_eq!(pointer(&at.path), "/a");
    }

    #[test]
    fn a_pointer_escapes_slashes_and_tildes() {
        assert_eq!(pointer(&["a/b".to_owned(), "~".to_owned()]), "/a~1b/~0");
    }
}
