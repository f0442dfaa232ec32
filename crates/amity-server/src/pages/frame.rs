//! What every page shares: the frame around it (skip link, navigation, one `h1`), the
//! question it answers (`as_of` and `known_at`: the `#when` form, the `#asked` line and the
//! `#permalink`), addresses with percent-encoded ids, the `ETag`, and errors as HTML pages.

use amity_domain::EdtfDate;
use amity_projections::AsOf;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;

use crate::app::App;
use crate::etag::Tag;
use crate::params;
use crate::problem::Problem;

/// What a path segment keeps unencoded: letters, digits and `-._~:` (a `+` between the two
/// keys of a partnership id, a `/` or a space is encoded).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':');

/// An id or key as one segment of a path.
pub fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// An address: a path and the pairs of its query string, in order.
#[derive(Debug, Clone)]
pub struct Address {
    path: String,
    pairs: Vec<(&'static str, String)>,
}

impl Address {
    /// The address of a path (already encoded).
    pub fn new(path: impl Into<String>) -> Address {
        Address {
            path: path.into(),
            pairs: Vec::new(),
        }
    }

    /// The same address with `name=value` (replacing `name`), or without `name` when the
    /// value is empty or absent.
    pub fn with(mut self, name: &'static str, value: Option<impl Into<String>>) -> Address {
        self.pairs.retain(|(other, _)| *other != name);
        if let Some(value) = value.map(Into::into).filter(|value| !value.is_empty()) {
            self.pairs.push((name, value));
        }
        self
    }

    /// The pairs of its query string.
    pub fn pairs(&self) -> &[(&'static str, String)] {
        &self.pairs
    }

    /// As an `href`.
    pub fn href(&self) -> String {
        if self.pairs.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> = self
            .pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, SEGMENT)))
            .collect();
        format!("{}?{}", self.path, query.join("&"))
    }
}

/// The question a page answers: the status on which date (valid time), as the ledger knew it
/// at which moment (transaction time). Unasked, the date is today and the moment now; the
/// permalink names both.
#[derive(Debug, Clone)]
pub struct When {
    /// The date asked, or today.
    pub as_of: AsOf,
    /// The date as asked (a milestone's key stays a key), or today's date.
    pub as_of_text: String,
    /// Whether the address asked a date.
    pub as_of_asked: bool,
    /// The moment asked, if any (`None`: the ledger as it is now).
    pub known_at: Option<jiff::Timestamp>,
    /// The moment asked, or the moment the page was made.
    pub moment: jiff::Timestamp,
}

impl When {
    /// Read `as_of` (an EDTF date or a milestone's key) and `known_at` from their texts.
    pub async fn read(
        app: &App,
        as_of: Option<&str>,
        known_at: Option<&str>,
    ) -> Result<When, PageError> {
        let now = now();
        let known_at = params::known_at(known_at)?;
        let asked = params::as_of(app, as_of).await?;
        let today = today(now);
        let (as_of, as_of_text, as_of_asked) = match (asked, as_of) {
            (Some(asked), Some(text)) => (asked, text.trim().to_owned(), true),
            _ => (
                AsOf {
                    date: EdtfDate::parse(&today)
                        .map_err(|error| Problem::internal(error.to_string()))?,
                },
                today,
                false,
            ),
        };
        Ok(When {
            as_of,
            as_of_text,
            as_of_asked,
            known_at,
            moment: known_at.unwrap_or(now),
        })
    }

    /// The moment as text (RFC 3339, UTC).
    pub fn known_at_text(&self) -> String {
        self.moment.to_string()
    }

    /// `address` with `as_of` and `known_at` when the page was asked them: links keep the
    /// question without pinning an unasked one.
    pub fn carried(&self, address: Address) -> Address {
        address
            .with("as_of", self.as_of_asked.then(|| self.as_of_text.clone()))
            .with("known_at", self.known_at.map(|moment| moment.to_string()))
    }

    /// `address` with both named: the same answer later.
    pub fn pinned(&self, address: Address) -> Address {
        address
            .with("as_of", Some(self.as_of_text.clone()))
            .with("known_at", Some(self.known_at_text()))
    }
}

/// Now, to the microsecond (what the stores keep of a recording time): every event stored
/// by now was stored by this moment too, so a permalink naming it loses none of them.
pub fn now() -> jiff::Timestamp {
    let exact = jiff::Timestamp::now();
    exact
        .round(
            jiff::TimestampRound::new()
                .smallest(jiff::Unit::Microsecond)
                .mode(jiff::RoundMode::Trunc),
        )
        .unwrap_or(exact)
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today(now: jiff::Timestamp) -> String {
    now.strftime("%Y-%m-%d").to_string()
}

/// The day number (`amity_domain::Day::On`) of a moment's date (UTC).
pub fn day_of(now: jiff::Timestamp) -> i32 {
    let date = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    match amity_domain::Day::from_ymd(
        i64::from(date.year()),
        date.month().unsigned_abs(),
        date.day().unsigned_abs(),
    ) {
        Some(amity_domain::Day::On(day)) => day,
        _ => 0,
    }
}

/// A page's frame: its title, its address without `as_of` and `known_at` (for the form's
/// hidden fields and the permalink), and its question.
pub struct Frame<'a> {
    /// The `<title>`, before " · Amity".
    pub title: String,
    /// The page's address and its own parameters.
    pub here: Address,
    /// Its question.
    pub when: &'a When,
}

/// A whole page: the frame, the `h1`, the question (form, line, permalink), and `body`.
pub fn page(frame: &Frame<'_>, heading: Markup, body: Markup) -> Markup {
    let when = frame.when;
    let permalink = when.pinned(frame.here.clone()).href();
    let content = html! {
        h1 { (heading) }
        form id="when" method="get" class="when" {
            @for (name, value) in frame.here.pairs() {
                @if *name != "offset" {
                    input type="hidden" name=(name) value=(value);
                }
            }
            div class="field" {
                label for="as_of" { "Status on (EDTF date or milestone)" }
                input id="as_of" name="as_of" type="text" inputmode="text"
                    value=[when.as_of_asked.then_some(when.as_of_text.as_str())]
                    placeholder=(when.as_of_text)
                    aria-describedby="as_of_help";
                small id="as_of_help" { "e.g. 2022-04-01, 2022-03, 1993, invasion-2022-02-24; empty: today" }
            }
            div class="field" {
                label for="known_at" { "As known at (moment)" }
                input id="known_at" name="known_at" type="text"
                    value=[when.known_at.map(|moment| moment.to_string())]
                    placeholder="now"
                    aria-describedby="known_at_help";
                small id="known_at_help" { "e.g. 2022-04-01 (end of that day, UTC) or 2022-04-01T12:00:00Z; empty: now" }
            }
            button type="submit" { "Show" }
        }
        p id="asked" {
            "On " strong { time datetime=[date_attribute(&when.as_of)] { (when.as_of_text) } }
            @if !when.as_of_asked { " (today)" }
            ", as the ledger knew it at "
            strong { time datetime=(when.known_at_text()) { (when.known_at_text()) } }
            @if when.known_at.is_none() { " (now)" }
            ". "
            a id="permalink" href=(permalink) { "Permalink" }
            " (this question, pinned: the same answer later)"
        }
        (body)
    };
    whole(&frame.title, content)
}

/// The `datetime` of a date: its day when it is one day.
fn date_attribute(as_of: &AsOf) -> Option<String> {
    let (earliest, latest) = (as_of.date.earliest(), as_of.date.latest());
    (earliest == latest && earliest.ymd().is_some()).then(|| earliest.to_string())
}

/// The document around a page's content.
pub fn whole(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Amity" }
                link rel="stylesheet" href="/assets/style.css";
                // No favicon request (a 404 in every browser console).
                link rel="icon" href="data:,";
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header {
                    nav aria-label="Site" {
                        a href="/" { "Amity" }
                        " · "
                        a href="/cohorts" { "Cohorts" }
                    }
                }
                main id="main" { (content) }
                footer {
                    p { "Amity: a ledger of sister-city partnerships. Dates are EDTF as the sources write them." }
                }
            }
        }
    }
}

/// The query string of `uri` read into `T`, or a 400 page naming what is wrong.
pub fn query<T: DeserializeOwned>(uri: &Uri) -> Result<T, PageError> {
    axum::extract::Query::<T>::try_from_uri(uri)
        .map(|axum::extract::Query(value)| value)
        .map_err(|rejection| {
            PageError(Problem::bad_request(
                rejection
                    .body_text()
                    .trim_start_matches("Failed to deserialize query string: ")
                    .to_owned(),
            ))
        })
}

/// 304 when the request holds the current tag.
pub fn unchanged(tag: &Tag, headers: &HeaderMap) -> Option<Response> {
    tag.not_modified(headers)
}

/// A page as a response: `text/html; charset=utf-8`, with its tag.
pub fn respond(tag: &Tag, markup: Markup) -> Response {
    tag.stamp(Html(markup.into_string()).into_response())
}

/// A problem with a page's request, answered as an HTML page with the problem's status.
#[derive(Debug)]
pub struct PageError(pub Problem);

impl From<Problem> for PageError {
    fn from(problem: Problem) -> PageError {
        PageError(problem)
    }
}

impl From<amity_projections::Error> for PageError {
    fn from(error: amity_projections::Error) -> PageError {
        PageError(error.into())
    }
}

impl From<amity_ledger::Error> for PageError {
    fn from(error: amity_ledger::Error) -> PageError {
        PageError(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let Problem {
            status,
            title,
            detail,
            ..
        } = self.0;
        let markup = whole(
            title,
            html! {
                h1 { (title) }
                p id="problem" data-status=(status.as_u16()) { (detail) }
                p { "Status " (status.as_u16()) ". " a href="/" { "Search the ledger" } }
            },
        );
        let status = if status.is_client_error() || status.is_server_error() {
            status
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        (status, Html(markup.into_string())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_encoded_segment_and_query_values_are_encoded() {
        assert_eq!(
            segment("ru:smolensk+us-co:colorado-springs"),
            "ru:smolensk%2Bus-co:colorado-springs"
        );
        assert_eq!(segment("pl:kraków"), "pl:krak%C3%B3w");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        let address = Address::new("/cohorts")
            .with("from", Some("2022-02-24"))
            .with("cohort", Some("US:RU"))
            .with("kind", None::<String>)
            .with("to", Some("[2022-02-28,2022-03-28]"));
        assert_eq!(
            address.href(),
            "/cohorts?from=2022-02-24&cohort=US:RU&to=%5B2022-02-28%2C2022-03-28%5D"
        );
        let replaced = address.with("from", Some("1993")).with("cohort", Some(""));
        assert_eq!(
            replaced.href(),
            "/cohorts?to=%5B2022-02-28%2C2022-03-28%5D&from=1993"
        );
    }
}
