//! The `postgres://` URL: the connection string and the schema it names, and the server's
//! address for messages.

use amity_store::{Error, Result};

/// The connection string and the schema (its `schema` parameter, default `amity`) of a
/// `postgres://` URL; shared with whatever else keeps tables beside a ledger's events.
pub fn parse_url(url: &str) -> Result<(String, String)> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut schema = "amity".to_owned();
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("schema", name)) => schema = name.to_owned(),
            _ => rest.push(pair),
        }
    }
    if schema.is_empty()
        || !schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(Error::InvalidUrl {
            url: url.to_owned(),
            reason: "schema must be lower-case letters, digits and '_'".to_owned(),
        });
    }
    let config = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((config, schema))
}

/// `HOST:PORT` of a connection string, for messages.
pub(crate) fn address(config: &str) -> String {
    let Ok(parsed) = config.parse::<tokio_postgres::Config>() else {
        return "its address".to_owned(); // (the text may hold a password)
    };
    let host = match parsed.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        Some(other) => format!("{other:?}"),
        None => "localhost".to_owned(),
    };
    let port = parsed.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}
