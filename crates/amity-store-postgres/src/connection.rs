//! Connecting to the server: a client whose connection runs on a task of its own, and a
//! failed connection told apart as a server that cannot be reached.

use amity_store::{Error, Result};
use tokio_postgres::{Client, NoTls};

use crate::url::address;

/// The backend's name, in errors and spans.
pub(crate) const BACKEND: &str = "postgres";

/// A driver error as a store error of this backend.
pub(crate) fn backend_error(error: impl Into<amity_store::BoxError>) -> Error {
    Error::backend(BACKEND, error)
}

/// A client connected as `config` says (a connection string).
pub(crate) async fn connect(config: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(config, NoTls)
        .await
        .map_err(|error| connect_error(config, error))?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "postgres connection ended");
        }
    });
    Ok(client)
}

/// A failed connection: an IO error while connecting is a server that cannot be reached
/// ([`Error::Unreachable`], the driver's report in the debug log); anything else (a refused
/// login, a missing database) is the driver's error as it is.
fn connect_error(config: &str, error: tokio_postgres::Error) -> Error {
    use std::error::Error as _;
    match error
        .source()
        .and_then(|source| source.downcast_ref::<std::io::Error>())
    {
        Some(reason) => {
            tracing::debug!(%error, "postgres connection failed");
            Error::unreachable(BACKEND, "PostgreSQL", address(config), reason)
        }
        None => backend_error(error),
    }
}
