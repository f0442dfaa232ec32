//! The web pages: server-rendered HTML (`maud`), no JS framework, working without JS. Each
//! page takes `as_of` and `known_at` in its address, shows them, and offers a permalink.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, DOCTYPE};

use crate::app::App;
use crate::problem::Problem;

/// The style sheet, embedded in the binary.
const STYLE: &str = include_str!("../../assets/style.css");

/// The page routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(home))
        .route("/parties/:key", get(party))
        .route("/partnerships/:id", get(partnership))
        .route("/cohorts", get(cohorts))
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

/// A whole page around `body`, as a response.
pub fn layout(title: &str, body: Markup) -> Html<String> {
    Html(whole(title, body).into_string())
}

fn whole(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Amity" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                header { nav aria-label="Site" { a href="/" { "Amity" } } }
                main { (body) }
            }
        }
    }
}

async fn home(State(_app): State<Arc<App>>) -> Html<String> {
    layout("Home", html! { h1 { "Amity" } })
}

async fn party(
    State(_app): State<Arc<App>>,
    Path(key): Path<String>,
) -> Result<Html<String>, Problem> {
    Ok(layout(&key, html! { h1 { (key) } }))
}

async fn partnership(
    State(_app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Html<String>, Problem> {
    Ok(layout(&id, html! { h1 { (id) } }))
}

async fn cohorts(State(_app): State<Arc<App>>) -> Html<String> {
    layout("Cohort", html! { h1 { "Cohort" } })
}
