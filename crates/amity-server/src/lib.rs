//! `amity serve`: the ledger over HTTP. A JSON API under `/api/v1/` that serves the query
//! API's answers (the same documents as `amity … --format json`), and server-rendered pages
//! for archivists and analysts: a party's partners, a partnership's timeline, a cohort's
//! outcomes and series.
//!
//! The server asks the library what the CLI asks: [`amity_projections::Projections`] answers
//! every read, from tables a follower keeps caught up with the ledger (new events are
//! visible within a second, at once after a write through the server); every write goes
//! through [`amity_ledger::Ledger`] with its rules. It is read-only unless given write tokens
//! ([`Tokens`]). It binds to loopback unless told otherwise and speaks plain HTTP: put a
//! reverse proxy in front of it for TLS.
//!
//! ```no_run
//! # async fn run(ledger: amity_ledger::Ledger, open: std::sync::Arc<dyn amity_server::OpenProjections>) -> anyhow::Result<()> {
//! let config = amity_server::Config::default();
//! amity_server::serve(config, ledger, open).await?;
//! # Ok(()) }
//! ```

mod api;
mod app;
mod config;
mod etag;
mod feed;
mod openapi;
mod pages;
mod params;
mod problem;
mod tokens;
mod write;

use std::sync::Arc;

use amity_ledger::Ledger;

pub use app::App;
pub use config::{Config, OpenProjections, ServeError};
pub use problem::Problem;
pub use tokens::{TokenError, Tokens};

/// The application: its state, caught up once, and its follower started.
pub async fn app(
    config: &Config,
    ledger: Ledger,
    open: Arc<dyn OpenProjections>,
) -> Result<Arc<App>, ServeError> {
    App::start(config, ledger, open).await
}

/// Every route of the server, over an application.
pub fn router(app: Arc<App>) -> axum::Router {
    let api = api::routes()
        .merge(write::routes())
        .merge(feed::routes())
        .merge(openapi::routes());
    axum::Router::new()
        .nest("/api/v1", api)
        .merge(pages::routes())
        .fallback(pages::fallback)
        .layer(axum::middleware::from_fn(params::bounded))
        .layer(axum::extract::DefaultBodyLimit::max(write::BODY_LIMIT))
        .with_state(app)
}

/// Serve until interrupted (Ctrl-C or SIGTERM): every request in flight is finished first.
pub async fn serve(
    config: Config,
    ledger: Ledger,
    open: Arc<dyn OpenProjections>,
) -> Result<(), ServeError> {
    let app = app(&config, ledger, open).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            address: config.listen,
            source,
        })?;
    let address = listener.local_addr().unwrap_or(config.listen);
    tracing::info!(%address, writable = !config.tokens.is_empty(), "serving");
    eprintln!(
        "amity serve: listening on http://{address}/ ({})",
        if config.tokens.is_empty() {
            "read-only".to_owned()
        } else {
            format!(
                "writes with a bearer token of {}",
                config.tokens.names().join(", ")
            )
        }
    );
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|source| ServeError::Listen { address, source })
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
