//! `ETag`s from how far the tables are: an answer changes only when the feed moves (or the
//! day changes, for answers "as of today"), so the tag is the feed position covered and the
//! day. A request whose `If-None-Match` holds the current tag is answered 304, with no body.

use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::App;

/// The current tag: taken before answering, so the answer is at least as new as its tag.
#[derive(Debug, Clone)]
pub struct Tag(String);

impl Tag {
    /// The tag of what the app serves now.
    pub fn now(app: &App) -> Tag {
        let day = jiff::Timestamp::now().strftime("%Y%m%d");
        Tag(format!("\"{}.{day}\"", app.caught().position))
    }

    /// Whether the request already holds this tag (`If-None-Match`, a list or `*`).
    pub fn matches(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == "*" || tag == self.0)
    }

    /// 304 when the request holds the tag, else `None`.
    pub fn not_modified(&self, headers: &HeaderMap) -> Option<Response> {
        self.matches(headers)
            .then(|| self.stamp((StatusCode::NOT_MODIFIED, ()).into_response()))
    }

    /// The response with this tag (and "revalidate before reuse").
    pub fn stamp(&self, mut response: Response) -> Response {
        if let Ok(value) = HeaderValue::from_str(&self.0) {
            response.headers_mut().insert(ETAG, value);
        }
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }

    /// A JSON answer with this tag.
    pub fn json<T: Serialize>(&self, value: &T) -> Response {
        self.stamp(axum::Json(value).into_response())
    }
}
