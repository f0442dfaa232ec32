//! Write tokens: who may write, by name. Given in a file (`NAME TOKEN` per line, `#`
//! comments) or as `AMITY_WRITE_TOKEN=NAME:TOKEN`; a token is at least 32 random bytes,
//! written as at least 43 characters (base64url of 32 bytes; hex is 64). A request is
//! compared with every token in constant time, so a token's prefix leaks nothing.

use std::path::Path;

use subtle::ConstantTimeEq;

/// The least length of a token, in characters: 32 random bytes in base64url.
pub const MIN_TOKEN_CHARS: usize = 43;

/// The named write tokens of a server (none: read-only).
#[derive(Clone, Default)]
pub struct Tokens {
    tokens: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens themselves.
        f.debug_struct("Tokens")
            .field("names", &self.names())
            .finish()
    }
}

/// Why tokens were refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line (or the variable) is not `NAME TOKEN`, or its token is too short.
    #[error("{place}: {reason}")]
    Invalid {
        /// `FILE, line N` or `AMITY_WRITE_TOKEN`.
        place: String,
        /// What is wrong (never the token).
        reason: String,
    },
}

impl Tokens {
    /// No tokens: a read-only server.
    pub fn none() -> Tokens {
        Tokens::default()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The writers' names.
    pub fn names(&self) -> Vec<String> {
        self.tokens.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Tokens from a file: one `NAME TOKEN` per line; blank lines and `#` comments skipped.
    pub fn from_file(path: &Path) -> Result<Tokens, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut tokens = Tokens::none();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let place = || format!("{}, line {}", path.display(), number + 1);
            let mut words = line.split_whitespace();
            let (Some(name), Some(token), None) = (words.next(), words.next(), words.next()) else {
                return Err(TokenError::Invalid {
                    place: place(),
                    reason: "expected `NAME TOKEN`".to_owned(),
                });
            };
            tokens
                .add(name, token)
                .map_err(|reason| TokenError::Invalid {
                    place: place(),
                    reason,
                })?;
        }
        if tokens.is_empty() {
            return Err(TokenError::Invalid {
                place: path.display().to_string(),
                reason: "no token in the file".to_owned(),
            });
        }
        Ok(tokens)
    }

    /// One token from `NAME:TOKEN` (the `AMITY_WRITE_TOKEN` variable).
    pub fn from_variable(value: &str) -> Result<Tokens, TokenError> {
        let invalid = |reason: String| TokenError::Invalid {
            place: "AMITY_WRITE_TOKEN".to_owned(),
            reason,
        };
        let (name, token) = value
            .trim()
            .split_once(':')
            .ok_or_else(|| invalid("expected NAME:TOKEN".to_owned()))?;
        let mut tokens = Tokens::none();
        tokens.add(name, token).map_err(invalid)?;
        Ok(tokens)
    }

    /// Both: the file's tokens and the variable's.
    pub fn merge(mut self, other: Tokens) -> Tokens {
        self.tokens.extend(other.tokens);
        self
    }

    fn add(&mut self, name: &str, token: &str) -> Result<(), String> {
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
        {
            return Err(format!(
                "the name {name:?} is not 1 to 64 letters, digits, '-', '_', '.' or '@'"
            ));
        }
        if token.chars().count() < MIN_TOKEN_CHARS {
            return Err(format!(
                "the token of {name} is too short: a token is at least 32 random bytes \
                 ({MIN_TOKEN_CHARS} characters of base64url, e.g. from `openssl rand -base64 32`)"
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "the token of {name} holds characters a bearer token cannot"
            ));
        }
        if self.tokens.iter().any(|(known, _)| known == name) {
            return Err(format!("the name {name} is given twice"));
        }
        self.tokens
            .push((name.to_owned(), token.as_bytes().to_vec()));
        Ok(())
    }

    /// The name of the writer whose token this is: every token is compared, each in constant
    /// time, whichever matches.
    pub fn writer(&self, given: &str) -> Option<&str> {
        let mut found = None;
        for (name, token) in &self.tokens {
            if bool::from(token.as_slice().ct_eq(given.as_bytes())) {
                found = Some(name.as_str());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn a_token_names_its_writer_and_no_other_token_does() {
        let tokens = Tokens::from_variable(&format!("alice:{A}"))
            .unwrap()
            .merge(Tokens::from_variable(&format!("bob:{B}")).unwrap());
        assert_eq!(tokens.writer(A), Some("alice"));
        assert_eq!(tokens.writer(B), Some("bob"));
        assert_eq!(tokens.writer(&A[1..]), None);
        assert_eq!(tokens.writer(""), None);
        assert_eq!(tokens.writer(&format!("{A}a")), None);
    }

    #[test]
    fn a_file_gives_names_and_tokens_and_says_which_line_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, format!("# writers\nalice {A}\n\nbob {B}\n")).unwrap();
        let tokens = Tokens::from_file(&path).unwrap();
        assert_eq!(tokens.names(), ["alice", "bob"]);
        std::fs::write(&path, format!("alice {A}\nbob short\n")).unwrap();
        let error = Tokens::from_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("too short"),
            "{error}"
        );
        assert!(!error.contains(A), "a token is never said: {error}");
        std::fs::write(&path, format!("alice {A} extra\n")).unwrap();
        let error = Tokens::from_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 1") && error.contains("NAME TOKEN"),
            "{error}"
        );
        std::fs::write(&path, "# nothing\n").unwrap();
        assert!(Tokens::from_file(&path).is_err());
    }

    #[test]
    fn the_variable_is_name_colon_token() {
        assert!(Tokens::from_variable(A).is_err());
        assert!(Tokens::from_variable(&format!("al ice:{A}")).is_err());
        assert_eq!(
            Tokens::from_variable(&format!("alice:{A}"))
                .unwrap()
                .names(),
            ["alice"]
        );
        assert!(!format!(
            "{:?}",
            Tokens::from_variable(&format!("alice:{A}")).unwrap()
        )
        .contains(A));
    }
}
