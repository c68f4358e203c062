//! `parse_command_line(command_line, "windows")`: the arguments of a
//! command line as a dynamic array of strings, split the way
//! `CommandLineToArgvW` splits them (parse-command-line-function.md):
//!
//! * The first argument (the program) ends at the next space or tab; when it
//!   starts with `"` it runs to the next `"` whatever comes between, and
//!   backslashes are plain characters in it. A line that starts with a space
//!   therefore has "" as its first argument.
//! * The other arguments are separated by runs of spaces and tabs outside
//!   quotes. `2n` backslashes followed by `"` give `n` backslashes and the
//!   quote opens or closes a quoted part; `2n + 1` backslashes followed by
//!   `"` give `n` backslashes and a literal `"`; backslashes not followed by
//!   `"` are literal. Inside a quoted part, `""` gives a literal `"`, and a
//!   third `"` in a row gives another (the shell32 counting of consecutive
//!   quotes).
//! * An empty command line gives `[]` (shell32 would return the path of the
//!   calling program, which has no meaning here).
//!
//! Any parser type other than `"windows"` (case-insensitive) gives null.

use crate::columnar::{Args, Read, fmt_err};
use crate::dynamic::write_json_string;
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::fmt::Write;
use std::sync::Arc;

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Call `emit` with each argument of a Windows command line, in order;
/// `cur` is scratch space. The special characters are all ASCII, so the
/// bytes of other characters are copied through unchanged.
pub fn each_windows_arg(line: &str, cur: &mut Vec<u8>, mut emit: impl FnMut(&str)) {
    let b = line.as_bytes();
    if b.is_empty() {
        return;
    }
    // the program name: to the next quote, or to the next blank
    let mut i = if b[0] == b'"' {
        let end = b[1..]
            .iter()
            .position(|&c| c == b'"')
            .map_or(b.len(), |p| p + 1);
        emit(&line[1..end]);
        (end + 1).min(b.len())
    } else {
        let end = b.iter().position(|&c| is_blank(c)).unwrap_or(b.len());
        emit(&line[..end]);
        end
    };
    while i < b.len() && is_blank(b[i]) {
        i += 1;
    }
    if i >= b.len() {
        return;
    }
    // the arguments: qcount is 1 inside quotes, 0 outside
    cur.clear();
    let mut bcount = 0usize;
    let mut qcount = 0usize;
    let flush = |cur: &mut Vec<u8>, emit: &mut dyn FnMut(&str)| {
        emit(std::str::from_utf8(cur).unwrap_or_default());
        cur.clear();
    };
    while i < b.len() {
        let c = b[i];
        if is_blank(c) && qcount == 0 {
            flush(cur, &mut emit);
            bcount = 0;
            while i < b.len() && is_blank(b[i]) {
                i += 1;
            }
            if i >= b.len() {
                return;
            }
            continue;
        }
        if c == b'\\' {
            cur.push(c);
            bcount += 1;
            i += 1;
            continue;
        }
        if c == b'"' {
            // drop half of the backslashes before it
            cur.truncate(cur.len() - bcount.div_ceil(2));
            if bcount.is_multiple_of(2) {
                qcount += 1;
            } else {
                cur.push(b'"');
            }
            i += 1;
            bcount = 0;
            while i < b.len() && b[i] == b'"' {
                qcount += 1;
                if qcount == 3 {
                    cur.push(b'"');
                    qcount = 0;
                }
                i += 1;
            }
            if qcount == 2 {
                qcount = 0;
            }
            continue;
        }
        cur.push(c);
        bcount = 0;
        i += 1;
    }
    flush(cur, &mut emit);
}

/// The arguments of a Windows command line.
pub fn split_windows(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_windows_arg(line, &mut Vec::new(), |a| out.push(a.to_string()));
    out
}

fn parse_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 32);
    let mut buf = String::new();
    let mut scratch = Vec::new();
    for i in 0..a.rows {
        let windows = a.cols[1]
            .str(i)
            .is_some_and(|t| t.eq_ignore_ascii_case("windows"));
        if !windows {
            out.append_null();
            continue;
        }
        buf.clear();
        buf.push('[');
        let mut n = 0;
        let mut failed = Ok(());
        each_windows_arg(a.cols[0].str(i).unwrap_or(""), &mut scratch, |arg| {
            if n > 0 {
                buf.push(',');
            }
            n += 1;
            if failed.is_ok() {
                failed = write_json_string(arg, &mut buf);
            }
        });
        failed.map_err(fmt_err)?;
        buf.write_char(']').map_err(fmt_err)?;
        out.append_value(&buf);
    }
    Ok(Arc::new(out.finish()))
}

const TWO_STR: &[Read] = &[Read::Str, Read::Str];

fn udf() -> KernelUdf {
    KernelUdf::new(
        "kql_parse_command_line",
        DataType::Utf8,
        TWO_STR,
        parse_kernel,
    )
}

/// `kql_parse_command_line(line, parser_type)`: a dynamic array.
pub fn parse_command_line_expr(line: Expr, parser: Expr) -> Expr {
    udf().call(vec![line, parser])
}

pub(crate) fn all_command_line_udfs() -> Vec<ScalarUDF> {
    vec![ScalarUDF::from(udf())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;

    fn split(s: &str) -> Vec<String> {
        split_windows(s)
    }

    #[test]
    fn windows_rules() {
        assert_eq!(split(r#"echo "hello world!""#), ["echo", "hello world!"]);
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split(" a"), ["", "a"]);
        assert_eq!(
            split(r#""C:\Program Files\x.exe" -a  b"#),
            [r"C:\Program Files\x.exe", "-a", "b"]
        );
        // backslashes in the program name are literal
        assert_eq!(split(r#"C:\a\"b c"#), [r#"C:\a\"b"#, "c"]);
        assert_eq!(split(r#"x a\\\"b"#), ["x", r#"a\"b"#]);
        assert_eq!(split(r#"x a\\"b c" d"#), ["x", r"a\b c", "d"]);
        assert_eq!(split(r"x a\\b"), ["x", r"a\\b"]);
        assert_eq!(split(r#"x "a""b""#), ["x", r#"a"b"#]);
        assert_eq!(split(r#"x """"#), ["x", "\""]);
        assert_eq!(split("x \"\""), ["x", ""]);
        assert_eq!(split("x a\t b  "), ["x", "a", "b"]);
        assert_eq!(split("x \"a b"), ["x", "a b"]);
        assert_eq!(split("é \"ü a\" \\ß"), ["é", "ü a", "\\ß"]);
    }

    #[test]
    fn kernel_nulls_and_parser_type() {
        let u = udf();
        let out = strings(&invoke(
            &u,
            vec![
                str_col(vec![Some("a b"), None, Some("")]),
                str_lit("Windows"),
            ],
        ));
        assert_eq!(
            out,
            vec![
                Some(r#"["a","b"]"#.into()),
                Some("[]".into()),
                Some("[]".into())
            ]
        );
        let out = strings(&invoke(
            &u,
            vec![str_col(vec![Some("a b")]), str_lit("linux")],
        ));
        assert_eq!(out, vec![None]);
    }
}
