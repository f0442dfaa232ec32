//! Control characters in a text: which a field may hold (a tab; a line break where several
//! lines make sense) and the first it may not. A leaf module, so that the party's own checks
//! and the rules for new input ([`crate::input`]) share it.

/// Whether a field may hold several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// One line: a name, a title, a reason, a URL.
    One,
    /// Several lines (`\n`, or `\r\n`): a note, a term as written, a source's locator.
    Many,
}

/// A character a text may not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextProblem {
    /// A control character (an escape, a bell, a lone carriage return…), which could drive a
    /// terminal that shows it.
    #[error("holds the control character {} at character {position}; remove it", .character.escape_debug())]
    ControlCharacter {
        /// The character.
        character: char,
        /// Where, counted in characters from 1.
        position: usize,
    },
    /// A line break in a one-line field.
    #[error(
        "holds a line break at character {position}; only a note, a term as written and a \
         source's locator may have several lines"
    )]
    LineBreak {
        /// Where, counted in characters from 1.
        position: usize,
    },
}

/// The first control character of `text` other than a tab (and a line break, `\n` or
/// `\r\n`, when `lines` is [`Lines::Many`]), with its position counted from 1; a line break
/// where one is not allowed is a [`TextProblem::LineBreak`].
pub fn text_problem(text: &str, lines: Lines) -> Option<TextProblem> {
    let mut characters = text.chars().enumerate().peekable();
    while let Some((index, character)) = characters.next() {
        if character == '\t' || !character.is_control() {
            continue;
        }
        let position = index + 1;
        let line_break = match character {
            '\n' => true,
            '\r' => characters.peek().is_some_and(|(_, next)| *next == '\n'),
            _ => false,
        };
        match (line_break, lines) {
            (true, Lines::Many) => {
                if character == '\r' {
                    characters.next();
                }
            }
            (true, Lines::One) => return Some(TextProblem::LineBreak { position }),
            (false, _) => {
                return Some(TextProblem::ControlCharacter {
                    character,
                    position,
                })
            }
        }
    }
    None
}
