//! The guard a CSV writer puts on free text that a spreadsheet would run as a formula, and
//! its reader's taking it off again: together they give every text back as it was.

use std::borrow::Cow;

/// A cell a spreadsheet would run as a formula (it begins with `=`, `+`, `-` or `@`, after any
/// `'`s) with one `'` before it, OWASP's advice against CSV injection: the spreadsheet shows
/// the text. [`unquote_formula`] takes exactly that `'` off again, so that every text comes
/// back as it was (a text that begins with `'=` included).
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    if cell
        .trim_start_matches('\'')
        .starts_with(['=', '+', '-', '@'])
    {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A free-text cell as it was before [`neutralise_formula`]: one leading `'` taken off when
/// a formula sign follows it (after any further `'`s); any other cell is left as it is.
pub fn unquote_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest)
            if rest
                .trim_start_matches('\'')
                .starts_with(['=', '+', '-', '@']) =>
        {
            rest
        }
        _ => cell,
    }
}
