//! The rules for new input: what a person, a spreadsheet or a list may hand the ledger, checked
//! where values come in (the recording commands, the lifecycle CSV and list imports, the
//! party register), never on stored events, which are kept as they were written (an archive
//! import copies them as they are).
//!
//! - A date of the world (`occurred`, a source's publication date) is EDTF or the word
//!   `unknown`, never an empty text silently read as unknown, and its earliest possible day is
//!   not after today (UTC): `2030` is refused, `2020/..` (an open end) is not. Today is given
//!   by the caller; the domain reads no clock.
//! - A source's URL is a URL ([`url::Url`]) of one of the schemes [`URL_SCHEMES`]: `not a url`
//!   and `javascript:alert(1)` are refused, `doi:10.1000/182` and `urn:isbn:…` are not.
//! - Texts hold no control characters (which could drive a terminal that shows them) other
//!   than a tab, and a line break only where one makes sense ([`Lines::Many`]: a note, a term
//!   as written, a source's locator).
//!
//! Every refusal is an [`InputError`] that names the field (`occurred`, `--source-url`, …)
//! as the caller calls it, then says what is wrong.

use std::borrow::Cow;

use crate::date::{DateError, Day, EdtfDate, Occurred};
use crate::event::{Event, Facts, Source};
use crate::milestone::Milestone;
use crate::party::{Party, PartyError};
use crate::register::RegisterEvent;
pub use crate::text::{text_problem, Lines, TextProblem};

/// The schemes a source's URL may have: the web (`http`, `https`) and the persistent
/// identifiers archives cite (`urn`, `doi`, `ark`, `hdl`).
pub const URL_SCHEMES: [&str; 6] = ["http", "https", "urn", "doi", "ark", "hdl"];

/// A value refused by the rules for new input: the field as the caller names it, and what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InputError {
    /// The field (`occurred`, `source_url`, `--occurred`, …).
    pub field: Cow<'static, str>,
    /// What is wrong with its value.
    pub problem: Problem,
}

impl InputError {
    /// A refusal of `field`'s value.
    pub fn new(field: impl Into<Cow<'static, str>>, problem: Problem) -> InputError {
        InputError {
            field: field.into(),
            problem,
        }
    }
}

/// What is wrong with a value (see [`InputError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// An empty date: an unknown date is written `unknown`, so that a forgotten value is
    /// never read as one.
    #[error("empty: write `unknown` when no source dates it")]
    EmptyDate,
    /// Not EDTF.
    #[error("{0}")]
    Date(DateError),
    /// A date whose earliest possible day is after today: nothing recorded has happened yet.
    #[error(
        "{date} is in the future: its earliest possible day, {earliest}, is after today \
         ({today}, UTC); an open or unknown end (2020/.., 2020/) is fine"
    )]
    FutureDate {
        /// The date as written.
        date: String,
        /// Its earliest possible day.
        earliest: Day,
        /// Today, UTC.
        today: Day,
    },
    /// Not a URL at all.
    #[error(
        "{text:?} is not a URL ({reason}); write it whole, with its scheme: \
         https://example.org/page, doi:10.1000/182, urn:isbn:9780000000000"
    )]
    NotUrl {
        /// What was given.
        text: String,
        /// What the URL parser found wrong.
        reason: String,
    },
    /// A URL of a scheme a source may not have (`javascript:`, `file:`, `data:`…).
    #[error("{text:?} is a {scheme}: URL; a source's URL must be one of http, https, urn, doi, ark, hdl")]
    UrlScheme {
        /// What was given.
        text: String,
        /// Its scheme.
        scheme: String,
    },
    /// A control character, or a line break in a one-line field.
    #[error("{0}")]
    Text(TextProblem),
    /// Not a party (`Name, CC` or `Name, CC-SUB`).
    #[error("{0}")]
    Party(PartyError),
}

/// Check a text: no control character but a tab, and line breaks only in [`Lines::Many`].
pub fn check_text(
    field: impl Into<Cow<'static, str>>,
    text: &str,
    lines: Lines,
) -> Result<(), InputError> {
    match text_problem(text, lines) {
        None => Ok(()),
        Some(problem) => Err(InputError::new(field, Problem::Text(problem))),
    }
}

/// Check a source's URL: one line without control characters, a URL (WHATWG, as the `url`
/// crate reads it), of a scheme in [`URL_SCHEMES`].
pub fn check_url(field: impl Into<Cow<'static, str>>, text: &str) -> Result<(), InputError> {
    let field = field.into();
    // The parser drops tabs and line breaks silently: checked first.
    check_text(field.clone(), text, Lines::One)?;
    if text.contains('\t') {
        let position = text.chars().position(|c| c == '\t').unwrap_or(0) + 1;
        return Err(InputError::new(
            field,
            Problem::Text(TextProblem::ControlCharacter {
                character: '\t',
                position,
            }),
        ));
    }
    let parsed = url::Url::parse(text).map_err(|error| {
        InputError::new(
            field.clone(),
            Problem::NotUrl {
                text: text.to_owned(),
                reason: error.to_string(),
            },
        )
    })?;
    if !URL_SCHEMES.contains(&parsed.scheme()) {
        return Err(InputError::new(
            field,
            Problem::UrlScheme {
                text: text.to_owned(),
                scheme: parsed.scheme().to_owned(),
            },
        ));
    }
    Ok(())
}

/// Refuse a date whose earliest possible day is after `today`.
pub fn check_not_future(
    field: impl Into<Cow<'static, str>>,
    date: &EdtfDate,
    today: Day,
) -> Result<(), InputError> {
    if date.earliest() > today {
        return Err(InputError::new(
            field,
            Problem::FutureDate {
                date: date.as_str().to_owned(),
                earliest: date.earliest(),
                today,
            },
        ));
    }
    Ok(())
}

/// Read a date of the world as a person or a file writes it: `unknown` (any case), or EDTF
/// whose earliest possible day is not after `today`. An empty value is refused
/// ([`Problem::EmptyDate`]).
pub fn occurred(
    field: impl Into<Cow<'static, str>>,
    text: &str,
    today: Day,
) -> Result<Occurred, InputError> {
    let field = field.into();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(InputError::new(field, Problem::EmptyDate));
    }
    if trimmed.eq_ignore_ascii_case("unknown") {
        return Ok(Occurred::Unknown);
    }
    let date = EdtfDate::parse(trimmed)
        .map_err(|error| InputError::new(field.clone(), Problem::Date(error)))?;
    check_not_future(field, &date, today)?;
    Ok(Occurred::Date(date))
}

/// Read a party as a person writes it, `Name, CC` or `Name, CC-SUB` (see [`Party`]'s
/// `FromStr`; its name holds no control character).
pub fn party(field: impl Into<Cow<'static, str>>, text: &str) -> Result<Party, InputError> {
    text.parse::<Party>()
        .map_err(|error| InputError::new(field, Problem::Party(error)))
}

/// The checks of one source, its fields named `source_title`, `source_url`, ….
fn check_source(source: &Source, today: Day) -> Result<(), InputError> {
    check_text("source_title", &source.title, Lines::One)?;
    if let Some(publisher) = &source.publisher {
        check_text("source_publisher", publisher, Lines::One)?;
    }
    if let Some(url) = &source.url {
        check_url("source_url", url)?;
    }
    if let Some(published) = &source.published {
        check_not_future("source_date", published, today)?;
    }
    if let Some(locator) = &source.locator {
        check_text("source_locator", locator, Lines::Many)?;
    }
    Ok(())
}

/// Check sources (see [`check_source`]).
pub fn check_sources(sources: &[Source], today: Day) -> Result<(), InputError> {
    sources
        .iter()
        .try_for_each(|source| check_source(source, today))
}

/// The checks of a party's texts (its codes are checked when it is built).
fn check_party(field: &'static str, party: &Party) -> Result<(), InputError> {
    check_text(field, &party.name, Lines::One)?;
    for code in [&party.subdivision, &party.wikidata, &party.qualifier]
        .into_iter()
        .flatten()
    {
        check_text(field, code, Lines::One)?;
    }
    check_text(field, &party.country, Lines::One)
}

fn check_facts(facts: &Facts, today: Day) -> Result<(), InputError> {
    if let Some(date) = facts.occurred.date() {
        check_not_future("occurred", date, today)?;
    }
    if let Some(term) = &facts.term_as_written {
        check_text("term_as_written", term, Lines::Many)?;
    }
    if let Some(note) = &facts.note {
        check_text("note", note, Lines::Many)?;
    }
    check_sources(&facts.sources, today)
}

impl Event {
    /// Check a new event against the rules for new input (see the module docs), its fields
    /// named as stored: `party_a`, `party_b`, `reason`, `occurred`, `term_as_written`,
    /// `note`, `source_title`, `source_publisher`, `source_url`, `source_date`,
    /// `source_locator`. Stored events are never checked so.
    pub fn check_new(&self, today: Day) -> Result<(), InputError> {
        if let Some(body) = self.as_lifecycle() {
            let [a, b] = &body.partnership.parties;
            check_party("party_a", a)?;
            check_party("party_b", b)?;
        }
        if let Event::Retracted(retraction) = self {
            check_text("reason", &retraction.reason, Lines::One)?;
        }
        check_facts(self.facts(), today)
    }
}

impl RegisterEvent {
    /// Check a new register event against the rules for new input: its party's name and
    /// codes, aliases, note, reason and sources.
    pub fn check_new(&self, today: Day) -> Result<(), InputError> {
        let (sources, note) = match self {
            RegisterEvent::Registered(registration) => {
                check_party("party", &registration.party)?;
                for alias in &registration.aliases {
                    check_text("alias", alias, Lines::One)?;
                }
                (&registration.sources, registration.note.as_ref())
            }
            RegisterEvent::Aliased(aliases) => {
                for alias in &aliases.aliases {
                    check_text("alias", alias, Lines::One)?;
                }
                (&aliases.sources, aliases.note.as_ref())
            }
            RegisterEvent::Linked(link) => (&link.sources, link.note.as_ref()),
            RegisterEvent::Unlinked(unlink) => {
                check_text("reason", &unlink.reason, Lines::One)?;
                (&unlink.sources, None)
            }
        };
        if let Some(note) = note {
            check_text("note", note, Lines::Many)?;
        }
        check_sources(sources, today)
    }
}

impl Milestone {
    /// Check a new milestone against the rules for new input: its title, note and sources.
    /// Its date may be in the future (a deadline a query names).
    pub fn check_new(&self, today: Day) -> Result<(), InputError> {
        check_text("title", &self.title, Lines::One)?;
        if let Some(note) = &self.note {
            check_text("note", note, Lines::Many)?;
        }
        check_sources(&self.sources, today)
    }
}

impl Day {
    /// The day (UTC) of a moment: today is `Day::of(jiff::Timestamp::now())`.
    pub fn of(moment: jiff::Timestamp) -> Day {
        Day::On(moment.as_second().div_euclid(86_400) as i32)
    }
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
