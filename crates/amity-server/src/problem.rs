//! Errors as `application/problem+json` (RFC 9457): a status, a short title, and a detail
//! that says what was wrong with the request (the parameter and its value), never a stack.

use axum::http::header::{HeaderName, HeaderValue, ALLOW, WWW_AUTHENTICATE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of a problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem with a request, as RFC 9457 describes it.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// What kind of problem, the same for every problem of its kind.
    pub title: &'static str,
    /// What was wrong with this request.
    pub detail: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    detail: &'a str,
}

impl Problem {
    /// A problem of `status`.
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            title,
            detail: detail.into(),
            headers: Vec::new(),
        }
    }

    /// 400: a parameter or body that cannot be read.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }

    /// 404: nothing at this address.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    /// 401: no token, or one the server does not know.
    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail).with_header(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"amity\""),
        )
    }

    /// 405: a write to a read-only server (or a method the address does not take).
    pub fn method_not_allowed(detail: impl Into<String>, allow: &'static str) -> Problem {
        Problem::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed", detail)
            .with_header(ALLOW, HeaderValue::from_static(allow))
    }

    /// 500: the store or the tables failed; the request may be fine.
    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The ledger could not answer",
            detail,
        )
    }

    /// The same problem with a header added.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Problem {
        self.headers.push((name, value));
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.title,
            self.detail
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Body {
            kind: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
        })
        .expect("a problem serializes");
        let mut response = (
            self.status,
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static(PROBLEM_JSON),
            )],
            body,
        )
            .into_response();
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}

impl From<amity_projections::Error> for Problem {
    fn from(error: amity_projections::Error) -> Problem {
        use amity_projections::Error as E;
        match &error {
            E::Ledger(inner) => ledger_problem(inner, error.to_string()),
            E::Unfinished { .. } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The check did not finish",
                error.to_string(),
            ),
            E::NotYetRecorded { .. } => Problem::not_found(error.to_string()),
            _ => {
                tracing::error!(%error, "a query failed");
                Problem::internal(error.to_string())
            }
        }
    }
}

impl From<amity_ledger::Error> for Problem {
    fn from(error: amity_ledger::Error) -> Problem {
        let detail = error.to_string();
        ledger_problem(&error, detail)
    }
}

/// The problem of a ledger error: a rule refused the request (422), an id or key recorded
/// already with other content (409), an unknown partnership or party (404), or the store
/// failed (500).
fn ledger_problem(error: &amity_ledger::Error, detail: String) -> Problem {
    use amity_ledger::Error as E;
    match error {
        E::Rule(amity_domain::Violation::Unfinished { .. }) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The check did not finish",
            detail,
        ),
        E::Rule(_) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Refused by the ledger's rules",
            detail,
        ),
        E::UnknownPartnership(_) | E::UnknownEvent(_) => Problem::not_found(detail),
        E::IdReused { .. } | E::IdConflict { .. } | E::MilestoneExists { .. } => {
            Problem::new(StatusCode::CONFLICT, "Conflicts with the ledger", detail)
        }
        E::Store(amity_ledger::StoreError::DuplicateEvent { .. })
        | E::Store(amity_ledger::StoreError::DuplicateInBatch { .. }) => {
            Problem::new(StatusCode::CONFLICT, "Conflicts with the ledger", detail)
        }
        E::Store(_)
        | E::Decode { .. }
        | E::Io { .. }
        | E::Output { .. }
        | E::Unexportable { .. }
        | E::Undercounted { .. }
        | E::StreamName { .. } => {
            tracing::error!(%detail, "the ledger failed");
            Problem::internal(detail)
        }
        _ => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Refused by the ledger",
            detail,
        ),
    }
}
