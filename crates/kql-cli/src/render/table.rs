//! Table renderer: aligned text for a terminal, no colour.
//!
//! ```text
//! Name:string | Count:long | When:datetime
//! ------------+------------+---------------------
//! alice       |          3 | 2026-11-20T03:04:05Z
//! (1 row)
//! ```
//!
//! Header cells are `name:type`. Columns are separated by ` | ` and padded to
//! their widest cell, counted in chars (not bytes; wide glyphs still count one).
//! `int`, `long`, `real` and `decimal` columns (header included) are
//! right-aligned, the others left-aligned; trailing spaces are trimmed from
//! each line. Cells longer than [`MAX_CELL_WIDTH`] chars are cut and end with
//! `…`. Line breaks inside a cell
//! (`\n`, `\r\n`, `\r`) show as `⏎`, other control characters as their Unicode
//! control pictures (tab is `␉`). Values are the CSV text forms (null is empty).

use std::io::Write;

use arrow::record_batch::RecordBatch;
use kql_syntax::ast::TypeName;

use super::RenderError;
use super::value::for_each_row;

/// Longest cell, in chars, before it is cut with `…`.
pub const MAX_CELL_WIDTH: usize = 60;

/// Makes a cell single-line and at most [`MAX_CELL_WIDTH`] chars; returns the
/// text and its width in chars.
fn cell_text(raw: &str) -> (String, usize) {
    let mut out = String::with_capacity(raw.len().min(MAX_CELL_WIDTH * 4));
    let mut width = 0;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let shown = match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                '⏎'
            }
            '\n' => '⏎',
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '␡',
            c => c,
        };
        if width == MAX_CELL_WIDTH {
            // One char too many: replace the last one with the ellipsis.
            out.pop();
            out.push('…');
            return (out, width);
        }
        out.push(shown);
        width += 1;
    }
    (out, width)
}

fn right_aligned(kql: TypeName) -> bool {
    matches!(
        kql,
        TypeName::Int | TypeName::Long | TypeName::Real | TypeName::Decimal
    )
}

pub(crate) fn render(
    columns: &[(String, TypeName)],
    batches: &[RecordBatch],
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let header: Vec<(String, usize)> = columns
        .iter()
        .map(|(name, kql)| cell_text(&format!("{name}:{}", kql.as_str())))
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|(_, w)| *w).collect();
    let mut rows: Vec<Vec<(String, usize)>> = Vec::new();
    for_each_row(columns, batches, |row| {
        let cells: Vec<(String, usize)> = row.iter().map(|v| cell_text(v.text())).collect();
        for (w, (_, cw)) in widths.iter_mut().zip(&cells) {
            *w = (*w).max(*cw);
        }
        rows.push(cells);
        Ok(())
    })?;

    let align: Vec<bool> = columns.iter().map(|(_, k)| right_aligned(*k)).collect();
    let mut line = String::with_capacity(256);
    write_line(out, &mut line, &header, &widths, &align)?;
    line.clear();
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            line.push_str("-+-");
        }
        line.extend(std::iter::repeat_n('-', *w));
    }
    line.push('\n');
    out.write_all(line.as_bytes())?;
    for row in &rows {
        write_line(out, &mut line, row, &widths, &align)?;
    }
    let n = rows.len();
    writeln!(out, "({n} {})", if n == 1 { "row" } else { "rows" })?;
    Ok(())
}

fn write_line(
    out: &mut dyn Write,
    line: &mut String,
    cells: &[(String, usize)],
    widths: &[usize],
    right: &[bool],
) -> Result<(), RenderError> {
    line.clear();
    for (i, ((text, w), (width, right))) in cells.iter().zip(widths.iter().zip(right)).enumerate() {
        if i > 0 {
            line.push_str(" | ");
        }
        let pad = width - w;
        if *right {
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(text);
        } else {
            line.push_str(text);
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    line.truncate(line.trim_end_matches(' ').len());
    line.push('\n');
    out.write_all(line.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use kql_syntax::ast::TypeName;

    use super::super::Format;
    use super::super::testutil::{all_types, batch, cols, render_text};
    use super::{MAX_CELL_WIDTH, cell_text};

    #[test]
    fn cell_sanitising_and_truncation() {
        assert_eq!(cell_text(""), (String::new(), 0));
        assert_eq!(cell_text("a\nb\r\nc\rd"), ("a⏎b⏎c⏎d".to_owned(), 7));
        assert_eq!(
            cell_text("tab\there\u{0}\u{7f}"),
            ("tab␉here␀␡".to_owned(), 10)
        );
        assert_eq!(cell_text("héllo ✓"), ("héllo ✓".to_owned(), 7));
        let exact = "x".repeat(MAX_CELL_WIDTH);
        assert_eq!(cell_text(&exact), (exact.clone(), MAX_CELL_WIDTH));
        let long = "é".repeat(MAX_CELL_WIDTH + 1);
        let (text, width) = cell_text(&long);
        assert_eq!(width, MAX_CELL_WIDTH);
        assert_eq!(text.chars().count(), MAX_CELL_WIDTH);
        assert_eq!(text, format!("{}…", "é".repeat(MAX_CELL_WIDTH - 1)));
    }

    #[test]
    fn all_types_table() {
        let (columns, batches) = all_types();
        let text = render_text(Format::Table, &columns, &batches);
        insta::assert_snapshot!(text, @r#"
        b:bool |       i:int |              l:long | r:real | d:decimal | s:string       | t:datetime             | ts:timespan         | g:guid                               | dyn:dynamic
        -------+-------------+---------------------+--------+-----------+----------------+------------------------+---------------------+--------------------------------------+--------------------------------
        true   |           1 |                  42 |    1.5 |    123.45 | héllo, "wörld" | 2026-11-20T03:04:05.1Z | 00:03:00            | 7f1d2a3b-0000-4c5d-8e9f-0123456789ab | {"b":[1,{"c":null}],"a":"x\ny"}
        false  | -2147483648 | 9223372036854775807 |    NaN |     -0.05 |                | 1960-01-02T00:00:00Z   | -1.02:03:04.5000000 |                                      | not json
               |             |                     |        |           |                |                        |                     |                                      |
        (3 rows)
        "#);
    }

    #[test]
    fn newlines_unicode_and_long_cells() {
        let columns = cols(&[
            ("name", TypeName::String),
            ("n", TypeName::Long),
            ("x", TypeName::Real),
        ]);
        let long = format!("{}END", "abcdefghij".repeat(7));
        let b = batch(vec![
            Arc::new(StringArray::from(vec![
                "multi\nline\r\ntext",
                "日本語",
                long.as_str(),
            ])) as ArrayRef,
            Arc::new(Int64Array::from(vec![Some(-1), None, Some(1234567)])),
            Arc::new(Float64Array::from(vec![0.1, f64::NEG_INFINITY, 1e-7])),
        ]);
        let text = render_text(Format::Table, &columns, &[b]);
        insta::assert_snapshot!(text, @"
        name:string                                                  |  n:long |    x:real
        -------------------------------------------------------------+---------+----------
        multi⏎line⏎text                                              |      -1 |       0.1
        日本語                                                          |         | -Infinity
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghi… | 1234567 |      1e-7
        (3 rows)
        ");
    }

    #[test]
    fn one_row_and_no_rows() {
        let columns = cols(&[("Count", TypeName::Long)]);
        let b = batch(vec![Arc::new(Int64Array::from(vec![5])) as ArrayRef]);
        insta::assert_snapshot!(render_text(Format::Table, &columns, &[b]), @"
        Count:long
        ----------
                 5
        (1 row)
        ");
        let columns = cols(&[("a", TypeName::String), ("b", TypeName::DateTime)]);
        insta::assert_snapshot!(render_text(Format::Table, &columns, &[]), @"
        a:string | b:datetime
        ---------+-----------
        (0 rows)
        ");
    }
}
