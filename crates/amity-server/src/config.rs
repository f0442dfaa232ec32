//! How a server runs ([`Config`]), how it opens the projections ([`OpenProjections`]), and
//! why it could not ([`ServeError`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use amity_ledger::Ledger;
use amity_projections::Projections;

use crate::tokens::Tokens;

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
