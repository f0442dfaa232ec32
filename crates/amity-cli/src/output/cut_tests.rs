//! Long lines in table cells: cut with `…`, short ones whole, ids never.

use super::*;
use proptest::prelude::*;

#[test]
fn given_a_short_line_when_cut_then_it_is_whole() {
    assert_eq!(
        cut_lines("Gazette Telegraph, 1993", 80),
        "Gazette Telegraph, 1993"
    );
}

#[test]
fn given_a_long_quote_when_cut_then_it_ends_with_an_ellipsis_at_a_word() {
    let quote = "the city council voted to indefinitely suspend the sister city relationship \
                 with Smolensk until further notice";
    let cut = cut_lines(quote, 80);
    assert_eq!(
        cut,
        "the city council voted to indefinitely suspend the sister city relationship…"
    );
    assert!(cut.chars().count() <= 80);
}

#[test]
fn given_a_long_address_without_spaces_when_cut_then_it_is_cut_at_the_limit() {
    let url = format!("<https://example.org/{}>", "a".repeat(100));
    let cut = cut_lines(&url, 40);
    assert_eq!(cut.chars().count(), 40);
    assert!(cut.ends_with('…'));
    assert!(url.starts_with(cut.trim_end_matches('…')));
}

#[test]
fn given_several_lines_when_cut_then_each_line_is_cut_on_its_own() {
    let text = format!("short\n{}\nshort too", "word ".repeat(30));
    let cut = cut_lines(&text, 20);
    let lines: Vec<&str> = cut.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], "short");
    assert_eq!(lines[1], "word word word word…");
    assert_eq!(lines[2], "short too");
}

#[test]
fn given_a_history_table_when_drawn_then_a_long_note_is_cut_and_the_id_is_whole() {
    let id = "0190f3c2-8b4e-7c7f-9a61-2e0b7d33c5a1";
    let mut out = table(&["sources", "recorded"], true);
    out.add_row([format!("note: {}", "x".repeat(200)), id.to_owned()]);
    let drawn = out.to_string();
    assert!(drawn.contains(id), "the id is whole:\n{drawn}");
    assert!(drawn.contains('…'), "the note is cut:\n{drawn}");
    assert!(
        !drawn.contains(&"x".repeat(100)),
        "the note is cut:\n{drawn}"
    );
}

proptest! {
    /// Every line is at most `max` characters; a line that fits is whole; a cut line is the
    /// start of the original one followed by `…`.
    #[test]
    fn cut_lines_keeps_the_start_of_each_line(text in "[a-z é\n]{0,300}", max in 2usize..100) {
        let cut = cut_lines(&text, max);
        let original: Vec<&str> = text.split('\n').collect();
        let shown: Vec<&str> = cut.split('\n').collect();
        prop_assert_eq!(original.len(), shown.len());
        for (line, shown) in original.iter().zip(&shown) {
            prop_assert!(shown.chars().count() <= max);
            if line.chars().count() <= max {
                prop_assert_eq!(line, shown);
            } else {
                let kept = shown.strip_suffix('…').expect("a cut line ends with …");
                prop_assert!(line.starts_with(kept));
            }
        }
    }
}

#[test]
fn given_an_escape_sequence_in_a_cell_when_shown_then_it_is_escaped_and_the_line_break_kept() {
    assert_eq!(
        printable("Evil\u{1b}[31m City\tnote\r\u{7}\nsecond line"),
        "Evil\\u{1b}[31m City\\tnote\\r\\u{7}\nsecond line"
    );
    assert_eq!(printable("abc\u{202e}def\u{9b}"), "abc\\u{202e}def\\u{9b}");
    // Ordinary text, accents and scripts included, is borrowed as it is.
    assert!(matches!(
        printable("Kraków — Смоленск"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn given_an_old_stored_control_character_when_a_table_is_drawn_then_no_raw_escape_is_printed() {
    let mut out = table(&["note", "recorded"], true);
    out.add_row(["frozen\u{1b}]0;pwned\u{7}", "mallory\u{1b}[2J"]);
    let drawn = out.to_string();
    assert!(!drawn.contains('\u{1b}'), "{drawn}");
    assert!(!drawn.contains('\u{7}'), "{drawn}");
    assert!(drawn.contains("frozen\\u{1b}]0;pwned\\u{7}"), "{drawn}");
    assert!(drawn.contains("mallory\\u{1b}[2J"), "{drawn}");
}
