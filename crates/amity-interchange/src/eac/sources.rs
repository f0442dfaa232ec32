//! The record's sources: every citation of the histories written, once each (the same title
//! with another locator is another source), as `control/sources/source` elements with ids that
//! the notes point to (`sourceReference`), and as a line of text in the notes.

use amity_domain::{Source, SourceRole};
use rustc_hash::FxHashMap;

use super::xml::Xml;

/// The sources of a record, in the order first cited.
#[derive(Debug, Default)]
pub(crate) struct Sources<'a> {
    ids: FxHashMap<&'a Source, usize>,
    listed: Vec<&'a Source>,
}

impl<'a> Sources<'a> {
    /// Add a source (once); its id.
    pub fn add(&mut self, source: &'a Source) -> String {
        let next = self.listed.len();
        let index = *self.ids.entry(source).or_insert(next);
        if index == next {
            self.listed.push(source);
        }
        id(index)
    }

    /// The id of a source added before.
    pub fn id_of(&self, source: &Source) -> Option<String> {
        self.ids.get(source).map(|&index| id(index))
    }

    /// Write `<sources>` (nothing when there are none).
    pub fn write(&self, xml: &mut Xml<'_>) -> std::io::Result<()> {
        if self.listed.is_empty() {
            return Ok(());
        }
        xml.start("sources", &[])?;
        for (index, source) in self.listed.iter().enumerate() {
            xml.start("source", &[("id", &id(index))])?;
            match source.url.as_deref().filter(|url| is_clean_uri(url)) {
                Some(url) => xml.leaf("reference", &[("href", url)], &source.title)?,
                None => xml.leaf("reference", &[], &source.title)?,
            }
            if let Some(locator) = &source.locator {
                xml.leaf("citedRange", &[], locator)?;
            }
            let details = details(source);
            if !details.is_empty() {
                xml.start("descriptiveNote", &[])?;
                xml.leaf("p", &[], &details)?;
                xml.end("descriptiveNote")?;
            }
            xml.end("source")?;
        }
        xml.end("sources")
    }
}

/// The id of the source at `index`.
fn id(index: usize) -> String {
    format!("source-{}", index + 1)
}

/// What a source says besides its title and locator: publisher, date, URL (when it cannot be
/// an `href`), role.
fn details(source: &Source) -> String {
    let mut parts = Vec::new();
    if let Some(publisher) = &source.publisher {
        parts.push(format!("Publisher: {publisher}."));
    }
    if let Some(published) = &source.published {
        parts.push(format!("Published: {published}."));
    }
    if let Some(url) = source.url.as_deref().filter(|url| !is_clean_uri(url)) {
        parts.push(format!("URL: {url}."));
    }
    match source.role {
        Some(SourceRole::Primary) => parts.push("Primary source.".to_owned()),
        Some(SourceRole::Secondary) => parts.push("Secondary source.".to_owned()),
        None => {}
    }
    parts.join(" ")
}

/// A source as text, appended to `text`: `“Title” (Publisher, 2022-03-04), locator, primary,
/// <URL>`.
pub(crate) fn cited(text: &mut String, source: &Source) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(text, "“{}”", source.title);
    match (&source.publisher, &source.published) {
        (Some(publisher), Some(published)) => {
            let _ = write!(text, " ({publisher}, {published})");
        }
        (Some(publisher), None) => {
            let _ = write!(text, " ({publisher})");
        }
        (None, Some(published)) => {
            let _ = write!(text, " ({published})");
        }
        (None, None) => {}
    }
    if let Some(locator) = &source.locator {
        let _ = write!(text, ", {locator}");
    }
    match source.role {
        Some(SourceRole::Primary) => text.push_str(", primary"),
        Some(SourceRole::Secondary) => text.push_str(", secondary"),
        None => {}
    }
    if let Some(url) = &source.url {
        let _ = write!(text, ", <{url}>");
    }
}

/// Whether a URL can stand as an `xs:anyURI` attribute as written: no white space, control
/// characters, quotes or angle brackets (a stored URL is not checked again).
pub(crate) fn is_clean_uri(url: &str) -> bool {
    !url.is_empty()
        && url
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '"' | '<' | '>'))
}
