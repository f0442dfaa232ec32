//! Writing the files amity makes (exports, charts, signing keys) without following links:
//! each is written to a new temporary file, created exclusively in the destination's folder,
//! and renamed into place only once it is whole.
//!
//! Why: opening the destination (or a guessable `FILE.partial` beside it) with create and
//! truncate follows a symbolic link planted there, and overwrites whatever it points to. A
//! file created exclusively under a random name cannot be a link, and a rename replaces the
//! name it is given (a link there is replaced, its target left alone). A write that fails
//! removes its temporary file and leaves the destination as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

/// A file being written: a temporary file beside its destination, until [`NewFile::replace`]
/// or [`NewFile::create`] puts it in place (dropped before that, it is removed).
pub struct NewFile {
    temporary: NamedTempFile,
    destination: PathBuf,
}

impl NewFile {
    /// Begin writing `destination`: a new temporary file in its folder (the rename at the end
    /// must not cross file systems), readable by its owner only until it is put in place.
    pub fn begin(destination: &Path) -> Result<NewFile> {
        let folder = match destination.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temporary = tempfile::Builder::new()
            .prefix(".amity-")
            .suffix(".partial")
            .tempfile_in(folder)
            .with_context(|| {
                format!(
                    "{}: cannot create a file in its folder",
                    destination.display()
                )
            })?;
        Ok(NewFile {
            temporary,
            destination: destination.to_path_buf(),
        })
    }

    /// Where it is written to, until it is put in place.
    pub fn writer(&mut self) -> &mut std::fs::File {
        self.temporary.as_file_mut()
    }

    /// Put the file in place, over whatever is at the destination (a link there is replaced
    /// by the file; what it pointed to is not touched). Exports and charts.
    pub fn replace(self) -> Result<()> {
        let destination = self.destination.clone();
        self.synced()?
            .persist(&destination)
            .map_err(|error| error.error)
            .with_context(|| format!("{}", destination.display()))?;
        Ok(())
    }

    /// Put the file in place only when nothing is at the destination, not even a link
    /// (signing keys, which are never written over anything).
    pub fn create(self) -> Result<()> {
        let destination = self.destination.clone();
        self.synced()?
            .persist_noclobber(&destination)
            .map_err(|error| error.error)
            .with_context(|| {
                format!(
                    "{}: refused, a signing key is never written over a file (or a link)",
                    destination.display()
                )
            })?;
        Ok(())
    }

    /// The temporary file, flushed to the disk.
    fn synced(mut self) -> Result<NamedTempFile> {
        self.temporary
            .flush()
            .and_then(|()| self.temporary.as_file().sync_all())
            .with_context(|| format!("{}", self.destination.display()))?;
        Ok(self.temporary)
    }
}

/// Write `bytes` to `destination` as [`NewFile::replace`] does.
pub fn replace_with(destination: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = NewFile::begin(destination)?;
    file.writer()
        .write_all(bytes)
        .with_context(|| format!("{}", destination.display()))?;
    file.replace()
}
