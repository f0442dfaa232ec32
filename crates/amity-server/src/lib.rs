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
mod etag;
mod feed;
mod openapi;
mod pages;
mod params;
mod problem;
mod tokens;
mod write;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use amity_ledger::Ledger;
use amity_projections::Projections;

pub use app::App;
pub use problem::Problem;
pub use tokens::{TokenError, Tokens};

/// How a server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it listens (loopback unless told otherwise).
    pub listen: SocketAddr,
    /// Who may write; none: the server is read-only.
    pub tokens: Tokens,
    /// How many readers answer at once, each with its own connection to the tables.
    pub readers: usize,
    /// How often the follower looks for new events (it also looks at once after a write).
    pub follow_every: Duration,
    /// With a key, a checkpoint is signed after writes, at most one a second.
    pub signing_key: Option<Arc<amity_log::SignerKey>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tokens: Tokens::none(),
            readers: 4,
            follow_every: Duration::from_millis(250),
            signing_key: None,
        }
    }
}

/// Opens the ledger's projections where its store keeps them: the server opens one for the
/// follower and one per reader (the CLI's store module knows where they are; this crate
/// names no store).
#[async_trait::async_trait]
pub trait OpenProjections: Send + Sync {
    /// A new handle on the projections of `ledger`.
    async fn open(&self, ledger: Ledger) -> amity_projections::Result<Projections>;
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The projections could not be opened or caught up.
    #[error(transparent)]
    Projections(#[from] amity_projections::Error),
    /// The address could not be bound, or the connection loop failed.
    #[error("{address}: {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

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
        .fallback(problem::not_found)
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
