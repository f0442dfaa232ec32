//! Tables into a pipe or a file: each row one line, every column as wide as its widest cell.
//! Drawn here rather than by `comfy-table`, byte for byte as its `UTF8_BORDERS_ONLY` preset
//! draws them without a width (checked against it in the tests below), in a tenth of the time:
//! a table of 25,000 rows is printed whole in a pipe (issue 22).

use unicode_width::UnicodeWidthStr;

/// The table with `header` and `rows`, every cell one line; `None` when a cell holds a line
/// break (such a row is several lines: `comfy-table` draws it).
pub(super) fn draw(header: &[String], rows: &[Vec<String>]) -> Option<String> {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.width()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            if cell.contains('\n') {
                return None;
            }
            let width = cell.width();
            match widths.get_mut(index) {
                Some(widest) => *widest = (*widest).max(width),
                None => widths.push(width),
            }
        }
    }
    if header.iter().any(|cell| cell.contains('\n')) {
        return None;
    }
    // A column is at least one character wide, as `comfy-table` draws it.
    for width in &mut widths {
        *width = (*width).max(1);
    }
    // Each column: a space, the cell, spaces to the column's width, a space; a space between
    // two columns.
    let inner: usize =
        widths.iter().map(|width| width + 2).sum::<usize>() + widths.len().max(1) - 1;
    let rule = |left: char, line: char, right: char| {
        let mut text = String::with_capacity((inner + 2) * 3 + 1);
        text.push(left);
        text.extend(std::iter::repeat_n(line, inner));
        text.push(right);
        text.push('\n');
        text
    };
    let mut out = String::with_capacity((rows.len() + 4) * (inner + 8));
    out.push_str(&rule('┌', '─', '┐'));
    let line = |cells: &[String], out: &mut String| {
        out.push('│');
        for (index, width) in widths.iter().enumerate() {
            if index > 0 {
                out.push(' ');
            }
            let cell = cells.get(index).map_or("", String::as_str);
            out.push(' ');
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', width - cell.width() + 1));
        }
        out.push_str("│\n");
    };
    line(header, &mut out);
    out.push_str(&rule('╞', '═', '╡'));
    for row in rows {
        line(row, &mut out);
    }
    out.push_str(&rule('└', '─', '┘'));
    out.pop();
    Some(out)
}

#[cfg(test)]
mod tests {
    use comfy_table::{presets, ContentArrangement, Table};
    use proptest::prelude::*;

    /// What `comfy-table` draws.
    fn comfy(header: &[String], rows: &[Vec<String>]) -> String {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_BORDERS_ONLY)
            .set_header(header.iter().cloned())
            .set_content_arrangement(ContentArrangement::Disabled);
        for row in rows {
            table.add_row(row.iter().cloned());
        }
        table.to_string()
    }

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-z0-9:+ -]{1,12}",
            // Accents, wide (CJK) and zero-width characters, and a line break now and then.
            "[a-zé漢字\u{301}\u{200b} ]{0,6}",
            "[a-z\n]{0,4}",
        ]
    }

    proptest! {
        #[test]
        fn drawn_as_comfy_table_draws_it(
            header in prop::collection::vec(cell(), 1..6),
            rows in prop::collection::vec(prop::collection::vec(cell(), 0..7), 0..6),
        ) {
            // Rows as long as the header (as every table of the CLI has them).
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|mut row| {
                    row.resize(header.len(), String::new());
                    row
                })
                .collect();
            match super::draw(&header, &rows) {
                Some(drawn) => prop_assert_eq!(drawn, comfy(&header, &rows)),
                None => prop_assert!(
                    header.iter().chain(rows.iter().flatten()).any(|cell| cell.contains('\n'))
                ),
            }
        }
    }

    #[test]
    fn a_table_with_a_header_only() {
        let header = vec!["partner".to_owned(), "status".to_owned()];
        assert_eq!(super::draw(&header, &[]).unwrap(), comfy(&header, &[]));
    }
}
