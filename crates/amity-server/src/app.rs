//! The application's state: the ledger, the readers that answer queries from the projection
//! tables, and the follower that keeps the tables caught up and says how far they are (the
//! `ETag` of every answer), and the links between parties as of then (read once each time the
//! feed moves, not on every request that resolves a key).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use amity_domain::Register;
use amity_ledger::log::Pace;
use amity_ledger::{Ledger, Position};
use amity_log::SignerKey;
use amity_projections::query::{Answer, Query};
use amity_projections::Projections;
use tokio::sync::{Mutex, Notify};

use crate::config::{Config, OpenProjections, ServeError};
use crate::tokens::Tokens;

/// How far the tables are: the last event they cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caught {
    /// The feed's position covered.
    pub position: Position,
}

/// The application shared by every request.
pub struct App {
    ledger: Ledger,
    readers: Vec<Projections>,
    next_reader: AtomicUsize,
    follower: Mutex<Projections>,
    caught: RwLock<Caught>,
    links: RwLock<Arc<Register>>,
    wake: Arc<Notify>,
    tokens: Tokens,
    signing: Option<Arc<Signing>>,
}

/// Checkpoints signed after writes, at most one a second (`amity_ledger::log::Pace`).
pub struct Signing {
    key: SignerKey,
    pace: Pace,
}

impl App {
    /// Sign a checkpoint covering the writes so far, in the background, at the pace's rate;
    /// nothing when the server has no signing key.
    pub fn sign_soon(&self) {
        let Some(signing) = self.signing.clone() else {
            return;
        };
        let ledger = self.ledger.clone();
        tokio::spawn(async move {
            if let Err(error) = signing.pace.after_write(&ledger, &signing.key).await {
                tracing::error!(%error, "the checkpoint after a write could not be signed");
            }
        });
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("readers", &self.readers.len())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Open the projections (the follower's and the readers'), catch them up once, and start
    /// the follower.
    pub(crate) async fn start(
        config: &Config,
        ledger: Ledger,
        open: Arc<dyn OpenProjections>,
    ) -> Result<Arc<App>, ServeError> {
        let mut follower = open.open(ledger.clone()).await?;
        follower.catch_up().await?;
        // The verifiable log brought up to date before the first request: a history places
        // its entries in it, and a thousand requests must not each hash the same new events.
        ledger
            .index_log()
            .await
            .map_err(amity_projections::Error::from)?;
        let position = position_of(&follower).await?;
        let links = Arc::new(
            ledger
                .links()
                .await
                .map_err(amity_projections::Error::from)?,
        );
        let mut readers = Vec::with_capacity(config.readers.max(1));
        for _ in 0..config.readers.max(1) {
            readers.push(open.open(ledger.clone()).await?);
        }
        let app = Arc::new(App {
            ledger,
            readers,
            next_reader: AtomicUsize::new(0),
            follower: Mutex::new(follower),
            caught: RwLock::new(Caught { position }),
            links: RwLock::new(links),
            wake: Arc::new(Notify::new()),
            tokens: config.tokens.clone(),
            signing: config.signing_key.clone().map(|key| {
                Arc::new(Signing {
                    key: (*key).clone(),
                    pace: Pace::new(Duration::from_secs(1)),
                })
            }),
        });
        let (weak, wake) = (Arc::downgrade(&app), app.wake.clone());
        let every = config.follow_every;
        tokio::spawn(async move { follow(weak, wake, every).await });
        Ok(app)
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Who may write.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// How far the tables are caught up.
    pub fn caught(&self) -> Caught {
        *self.caught.read().expect("not poisoned")
    }

    /// The links between parties (same-as, successor-of), as of the tables' position or
    /// later: resolves a key to its community's.
    pub fn links(&self) -> Arc<Register> {
        self.links.read().expect("not poisoned").clone()
    }

    /// A reader: the projections, as the follower keeps them (readers take turns).
    pub fn reader(&self) -> &Projections {
        let turn = self.next_reader.fetch_add(1, Ordering::Relaxed);
        &self.readers[turn % self.readers.len()]
    }

    /// Answer a query from the tables as they are.
    pub async fn answer(&self, query: Query) -> amity_projections::Result<Answer> {
        self.reader().answer_as_is(query).await
    }

    /// Catch the tables up now (after a write, so that the writer reads what it wrote).
    pub async fn catch_up(&self) -> amity_projections::Result<()> {
        let mut follower = self.follower.lock().await;
        let before = self.caught().position;
        follower.catch_up().await?;
        let position = position_of(&follower).await?;
        if position != before {
            // The log's leaves of the new events, hashed once here rather than by the next
            // requests for a history.
            self.ledger.index_log().await?;
            // Read after the tables are caught up, so that they are at least as new.
            let links = Arc::new(self.ledger.links().await?);
            *self.links.write().expect("not poisoned") = links;
        }
        *self.caught.write().expect("not poisoned") = Caught { position };
        Ok(())
    }

    /// Ask the follower to look for new events now.
    pub fn wake_follower(&self) {
        self.wake.notify_one();
    }
}

/// The position the projections cover: the tables' checkpoint, or (computed live) the end
/// of the feed.
async fn position_of(projections: &Projections) -> amity_projections::Result<Position> {
    match projections.tables() {
        Some(tables) => Ok(tables
            .checkpoint()
            .await?
            .map_or(Position::START, |checkpoint| checkpoint.position)),
        None => Ok(projections.ledger().summary().await?.position),
    }
}

/// The follower: catch up every `every`, or at once when woken, until the app is gone. A
/// failure is logged and tried again (a database restarting must not stop the server).
async fn follow(app: std::sync::Weak<App>, wake: Arc<Notify>, every: Duration) {
    loop {
        let Some(strong) = app.upgrade() else { return };
        if let Err(error) = strong.catch_up().await {
            tracing::warn!(%error, "the follower could not catch the projections up");
        }
        drop(strong);
        let _ = tokio::time::timeout(every, wake.notified()).await;
    }
}
