//! `amity serve`: the ledger over HTTP (`amity_server`), over the store named by `--store`,
//! with its projections where the store keeps them.

use std::sync::Arc;

use amity_ledger::Ledger;
use amity_projections::Projections;
use amity_server::{Config, OpenProjections, Tokens};
use anyhow::{Context as _, Result};

use crate::args::ServeArgs;
use crate::store::Opened;

/// Opens the projections where the store keeps them, for each of the server's readers.
struct Where(Opened);

#[async_trait::async_trait]
impl OpenProjections for Where {
    async fn open(&self, ledger: Ledger) -> amity_projections::Result<Projections> {
        self.0.projections(ledger).await
    }
}

/// The write tokens: the file's and `AMITY_WRITE_TOKEN`'s (none: read-only).
fn tokens(args: &ServeArgs) -> Result<Tokens> {
    let mut tokens = Tokens::none();
    if let Some(path) = &args.write_token_file {
        tokens = tokens.merge(Tokens::from_file(path).context("--write-token-file")?);
    }
    if let Some(value) = std::env::var_os("AMITY_WRITE_TOKEN") {
        let value = value
            .into_string()
            .map_err(|_| anyhow::anyhow!("AMITY_WRITE_TOKEN is not UTF-8"))?;
        if !value.trim().is_empty() {
            tokens = tokens.merge(Tokens::from_variable(&value)?);
        }
    }
    let names = tokens.names();
    if let Some(name) = names
        .iter()
        .enumerate()
        .find_map(|(i, name)| names[..i].contains(name).then_some(name))
    {
        anyhow::bail!("the writer {name} is given twice (in the file and AMITY_WRITE_TOKEN)");
    }
    Ok(tokens)
}

/// `amity serve [--listen ADDRESS:PORT] [--write-token-file FILE] [--readers N]`.
pub async fn serve(
    ledger: &Ledger,
    opened: Opened,
    args: ServeArgs,
    signing_key: Option<amity_log::SignerKey>,
) -> Result<()> {
    let config = Config {
        listen: args.listen,
        tokens: tokens(&args)?,
        readers: usize::from(args.readers),
        signing_key: signing_key.map(Arc::new),
        ..Config::default()
    };
    amity_server::serve(config, ledger.clone(), Arc::new(Where(opened))).await?;
    Ok(())
}
