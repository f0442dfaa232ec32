//! The web pages: server-rendered HTML (`maud`), no JS framework, working without JS. Each
//! page takes `as_of` and `known_at` in its address, shows them, and offers a permalink
//! (`frame`); the home page searches parties, a party's page lists its partners, a
//! partnership's page draws its timeline (`timeline`) above its entries, and the cohort page
//! gives outcomes in a window with the series chart (`series_chart`). The style sheet is
//! embedded in the binary: nothing is loaded from elsewhere.

use std::sync::Arc;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::App;

mod cohort;
mod frame;
mod home;
mod partnership;
mod party;
mod series_chart;
mod timeline;

/// The style sheet, embedded in the binary.
const STYLE: &str = include_str!("../../assets/style.css");

/// The page routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(home::home))
        .route("/parties/:key", get(party::party))
        .route("/partnerships/:id", get(partnership::partnership))
        .route("/cohorts", get(cohort::cohorts))
        .route("/assets/style.css", get(style))
}

async fn style() -> Response {
    let mut response = STYLE.into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    response
}

/// Any address the server does not have: a problem+json under `/api/`, else an HTML page.
pub async fn fallback(uri: axum::http::Uri) -> Response {
    let problem = crate::problem::Problem::not_found(format!("no such address: {}", uri.path()));
    if uri.path().starts_with("/api/") {
        problem.into_response()
    } else {
        frame::PageError(problem).into_response()
    }
}
