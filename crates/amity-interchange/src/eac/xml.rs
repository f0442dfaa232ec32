//! The XML writer the record is written with: `quick-xml` lays out the elements (nesting,
//! indentation), and every value is escaped here, attributes and text alike, so that whatever a
//! stored entry holds reads back as it was written.
//!
//! XML 1.0 cannot carry some characters at all, not even as references (C0 controls other
//! than tab, line feed and carriage return; U+FFFE, U+FFFF). Stored events are never checked
//! again, so such a character may be in one: it is written as the visible escape `\u{1B}`,
//! never dropped. In attributes, tab, line feed and carriage return are written as character
//! references, so that attribute-value normalization does not turn them into spaces.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;

/// An XML document being written, indented by two spaces.
pub(crate) struct Xml<'w> {
    writer: quick_xml::Writer<&'w mut dyn Write>,
}

impl<'w> Xml<'w> {
    /// A document written to `out`, starting with the XML declaration.
    pub fn begin(out: &'w mut dyn Write) -> io::Result<Xml<'w>> {
        let mut writer = quick_xml::Writer::new_with_indent(out, b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Xml { writer })
    }

    /// Open an element.
    pub fn start(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.writer
            .write_event(Event::Start(element(name, attributes)))
    }

    /// Close an element.
    pub fn end(&mut self, name: &str) -> io::Result<()> {
        self.writer.write_event(Event::End(BytesEnd::new(name)))
    }

    /// An element holding only `text` (an empty element when `text` is empty).
    pub fn leaf(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) -> io::Result<()> {
        if text.is_empty() {
            return self
                .writer
                .write_event(Event::Empty(element(name, attributes)));
        }
        self.start(name, attributes)?;
        self.writer
            .write_event(Event::Text(BytesText::from_escaped(escape(text, false))))?;
        self.end(name)
    }

    /// End the document with a line break.
    pub fn finish(self) -> io::Result<()> {
        self.writer.into_inner().write_all(b"\n")
    }
}

/// A start tag with its attributes, each value escaped.
fn element<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
    let mut start = BytesStart::new(name);
    for (key, value) in attributes {
        start.push_attribute(Attribute {
            key: QName(key.as_bytes()),
            value: Cow::Owned(escape(value, true).into_owned().into_bytes()),
        });
    }
    start
}

/// `text` escaped for XML 1.0 content, or for an attribute value (double-quoted).
pub(crate) fn escape(text: &str, attribute: bool) -> Cow<'_, str> {
    // Most text needs nothing: find out byte by byte, through a table.
    let plain = if attribute {
        &PLAIN_IN_ATTRIBUTE
    } else {
        &PLAIN_IN_TEXT
    };
    if text.bytes().all(|byte| plain[usize::from(byte)]) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' | '\n' | '\r' if attribute => out.push_str(&format!("&#{};", u32::from(c))),
            '\r' => out.push_str("&#13;"),
            c if !allowed(c) => out.push_str(&format!("\\u{{{:X}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The bytes written as they are in text: not markup, not a control character other than tab
/// and line feed, not 0xEF (which leads U+FFFE and U+FFFF).
static PLAIN_IN_TEXT: [bool; 256] = plain_bytes(false);
/// In an attribute value: neither quote, nor tab or line feed either.
static PLAIN_IN_ATTRIBUTE: [bool; 256] = plain_bytes(true);

const fn plain_bytes(attribute: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b'&' | b'<' | b'>' | b'\r' | 0xEF => false,
            b'"' | b'\'' | b'\t' | b'\n' => !attribute,
            other => other >= b' ',
        };
        byte += 1;
    }
    table
}

/// Whether XML 1.0 can carry `c` (its `Char` production).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(build: impl FnOnce(&mut Xml<'_>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        let mut xml = Xml::begin(&mut out).unwrap();
        build(&mut xml).unwrap();
        xml.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn given_markup_and_quotes_when_written_then_they_are_escaped_in_text_and_attributes() {
        let out = written(|xml| {
            xml.leaf(
                "p",
                &[("href", "https://x.org/?a=1&b=\"2\"")],
                "Tom & Jerry <said> \"hi\"",
            )
        });
        assert!(
            out.contains(r#"<p href="https://x.org/?a=1&amp;b=&quot;2&quot;">Tom &amp; Jerry &lt;said&gt; "hi"</p>"#),
            "{out}"
        );
    }

    #[test]
    fn given_characters_xml_cannot_carry_when_written_then_they_are_visible_escapes() {
        let out = written(|xml| xml.leaf("p", &[("title", "a\u{1}b\nc")], "x\u{1B}y\u{FFFE}"));
        assert!(out.contains(r#"title="a\u{1}b&#10;c""#), "{out}");
        assert!(out.contains(r"x\u{1B}y\u{FFFE}</p>"), "{out}");
    }

    #[test]
    fn given_empty_text_when_written_then_the_element_is_empty() {
        let out = written(|xml| xml.leaf("toDate", &[("status", "unknown")], ""));
        assert!(out.contains(r#"<toDate status="unknown"/>"#), "{out}");
    }
}
