//! What a request asks, read from its address: the selectors every query takes (`as_of`,
//! `known_at`, a cohort, a page), read as the CLI reads its options
//! (`amity_projections::selectors`), and the bounds on an address's length.

use amity_domain::{EdtfDate, PartnershipId, PartyKey};
use amity_projections::analysis::{Cohort, Step, Window};
use amity_projections::query::Page;
use amity_projections::selectors::{self, DateRefused};
use amity_projections::AsOf;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::app::App;
use crate::problem::Problem;

/// The longest query string taken, in bytes.
pub const MAX_QUERY: usize = 4096;
/// The longest path taken, in bytes.
pub const MAX_PATH: usize = 2048;
/// The most items one page of a list holds.
pub const MAX_LIMIT: usize = 10_000;
/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 100;

/// Refuse an address that is too long (414) before anything reads it.
pub async fn bounded(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if uri.path().len() > MAX_PATH || uri.query().is_some_and(|q| q.len() > MAX_QUERY) {
        return Problem::new(
            axum::http::StatusCode::URI_TOO_LONG,
            "Address too long",
            format!("an address is at most {MAX_PATH} bytes of path and {MAX_QUERY} of query"),
        )
        .into_response();
    }
    next.run(request).await
}

/// A query string read into `T`, or a 400 problem that names the parameter.
pub struct Params<T>(pub T);

#[axum::async_trait]
impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(Problem::bad_request(
                rejection
                    .body_text()
                    .trim_start_matches("Failed to deserialize query string: ")
                    .to_owned(),
            )),
        }
    }
}

/// The selectors of the status of partnerships.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusParams {
    /// On this date (EDTF or a milestone key).
    pub as_of: Option<String>,
    /// As known at this moment.
    pub known_at: Option<String>,
    /// `CC:CC`.
    pub cohort: Option<String>,
    /// A subdivision or country code.
    pub region: Option<String>,
    /// A partnership kind.
    pub kind: Option<String>,
    /// A party key.
    pub party: Option<String>,
    /// At most this many.
    pub limit: Option<String>,
    /// Skip this many.
    pub offset: Option<String>,
}

/// `as_of` and `known_at` alone.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhenParams {
    /// On this date (EDTF or a milestone key).
    pub as_of: Option<String>,
    /// As known at this moment.
    pub known_at: Option<String>,
    /// At most this many.
    pub limit: Option<String>,
    /// Skip this many.
    pub offset: Option<String>,
}

/// A window (or a series' range) and a cohort.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    /// The start: EDTF or a milestone key.
    pub from: Option<String>,
    /// The end: EDTF or a milestone key.
    pub to: Option<String>,
    /// `year` or `month` (series).
    pub step: Option<String>,
    /// As known at this moment.
    pub known_at: Option<String>,
    /// `CC:CC`.
    pub cohort: Option<String>,
    /// A subdivision or country code.
    pub region: Option<String>,
    /// A partnership kind.
    pub kind: Option<String>,
    /// A party key.
    pub party: Option<String>,
    /// At most this many.
    pub limit: Option<String>,
    /// Skip this many.
    pub offset: Option<String>,
}

impl StatusParams {
    /// The cohort these parameters describe.
    pub async fn cohort(&self, app: &App) -> Result<Cohort, Problem> {
        cohort(
            app,
            self.cohort.as_deref(),
            self.region.as_deref(),
            self.kind.as_deref(),
            self.party.as_deref(),
        )
        .await
    }
}

impl WindowParams {
    /// The cohort these parameters describe.
    pub async fn cohort(&self, app: &App) -> Result<Cohort, Problem> {
        cohort(
            app,
            self.cohort.as_deref(),
            self.region.as_deref(),
            self.kind.as_deref(),
            self.party.as_deref(),
        )
        .await
    }
}

/// A date selector: EDTF or a milestone's key.
pub async fn date(app: &App, name: &str, text: &str) -> Result<EdtfDate, Problem> {
    match selectors::date_or_milestone(app.ledger(), text).await {
        Ok(date) => Ok(date),
        Err(DateRefused::Invalid(reason)) => Err(Problem::bad_request(format!("{name}: {reason}"))),
        Err(DateRefused::NotADate(error)) => {
            Err(Problem::bad_request(format!("{name}: {text:?}: {error}")))
        }
        Err(DateRefused::Ledger(error)) => Err(error.into()),
    }
}

/// `as_of`, when given.
pub async fn as_of(app: &App, text: Option<&str>) -> Result<Option<AsOf>, Problem> {
    match text.filter(|text| !text.is_empty()) {
        None => Ok(None),
        Some(text) => Ok(Some(AsOf {
            date: date(app, "as_of", text).await?,
        })),
    }
}

/// `known_at`, when given.
pub fn known_at(text: Option<&str>) -> Result<Option<jiff::Timestamp>, Problem> {
    text.filter(|text| !text.is_empty())
        .map(|text| {
            selectors::known_at(text)
                .map_err(|reason| Problem::bad_request(format!("known_at: {reason}")))
        })
        .transpose()
}

/// A count parameter (`limit`, `offset`): a whole number, when given.
pub fn count(name: &str, text: Option<&str>) -> Result<Option<usize>, Problem> {
    text.filter(|text| !text.is_empty())
        .map(|text| {
            text.parse::<usize>().map_err(|_| {
                Problem::bad_request(format!("{name}: {text:?} is not a whole number"))
            })
        })
        .transpose()
}

/// A page: `limit` (default `default`, at most [`MAX_LIMIT`]) after `offset`.
pub fn page(limit: Option<&str>, offset: Option<&str>, default: usize) -> Result<Page, Problem> {
    let offset = count("offset", offset)?;
    let limit = count("limit", limit)?.unwrap_or(default);
    if limit > MAX_LIMIT {
        return Err(Problem::bad_request(format!(
            "limit: {limit} is over the most a page holds, {MAX_LIMIT}"
        )));
    }
    Ok(Page {
        limit: Some(limit),
        offset: offset.unwrap_or(0),
    })
}

/// A party key from the address, as its community's (links followed).
pub async fn party(app: &App, text: &str) -> Result<PartyKey, Problem> {
    let key: PartyKey = text
        .parse()
        .map_err(|error| Problem::bad_request(format!("party: {text:?}: {error}")))?;
    let links = app.links();
    Ok(links.canonical_key(&key))
}

/// A partnership id from the address, as its community's partnership (links followed).
pub async fn partnership(app: &App, text: &str) -> Result<PartnershipId, Problem> {
    let id: PartnershipId = text
        .parse()
        .map_err(|error| Problem::bad_request(format!("partnership: {text:?}: {error}")))?;
    let links = app.links();
    Ok(links.canonical_partnership(&id))
}

/// The cohort these parameters describe.
pub async fn cohort(
    app: &App,
    countries: Option<&str>,
    region: Option<&str>,
    kind: Option<&str>,
    party_key: Option<&str>,
) -> Result<Cohort, Problem> {
    let nonempty = |text: Option<&str>| text.filter(|text| !text.is_empty()).map(str::to_owned);
    Ok(Cohort {
        countries: nonempty(countries)
            .map(|text| Cohort::parse_countries(&text))
            .transpose()
            .map_err(|reason| Problem::bad_request(format!("cohort: {reason}")))?,
        party: match nonempty(party_key) {
            Some(key) => Some(party(app, &key).await?),
            None => None,
        },
        region: nonempty(region),
        kind: nonempty(kind),
    })
}

/// The window `from`–`to` (both required), checked in order.
pub async fn window(app: &App, from: Option<&str>, to: Option<&str>) -> Result<Window, Problem> {
    let (Some(from), Some(to)) = (from.filter(|t| !t.is_empty()), to.filter(|t| !t.is_empty()))
    else {
        return Err(Problem::bad_request(
            "from and to are required: an EDTF date or a milestone key each",
        ));
    };
    let window = Window {
        from: (from.to_owned(), date(app, "from", from).await?),
        to: (to.to_owned(), date(app, "to", to).await?),
    };
    if window.from.1.earliest() > window.to.1.latest() {
        return Err(Problem::bad_request(format!(
            "from {from} is after to {to}"
        )));
    }
    Ok(window)
}

/// `year` (the default) or `month`.
pub fn step(text: Option<&str>) -> Result<Step, Problem> {
    match text.unwrap_or("year") {
        "year" | "" => Ok(Step::Year),
        "month" => Ok(Step::Month),
        other => Err(Problem::bad_request(format!(
            "step: {other:?}: give year or month"
        ))),
    }
}
