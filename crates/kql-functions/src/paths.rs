//! `parse_path(path)`: a dynamic bag with `Scheme`, `RootPath`,
//! `DirectoryPath`, `DirectoryName`, `Filename`, `Extension` and
//! `AlternateDataStreamName`, in that order (parse-path-function.md).
//!
//! Rules, from the documented examples:
//! * `scheme://` at the start gives `Scheme` and is dropped from the rest.
//! * A long-path prefix `\\?\` (or `\\.\`) is kept in `DirectoryPath` but
//!   looked through for the root.
//! * `RootPath` is a drive (`C:`), "" otherwise (a share `\\server\...` or a
//!   Unix `/...` path has no root part).
//! * Both `\` and `/` separate. `DirectoryPath` is the text before the last
//!   separator (the path itself when it has none but a drive); a leading
//!   separator alone (`/x`) keeps it (`/`). `DirectoryName` is the last part
//!   of `DirectoryPath` ("" when that is only the root).
//! * `Filename` is the text after the last separator up to a `:` that opens
//!   an alternate data stream (`file.txt:stream` → `AlternateDataStreamName`
//!   `stream`); `Extension` is what follows the last `.` of the file name,
//!   without the dot ("" when there is none).

use crate::columnar::{Args, Read, fmt_err};
use crate::dynamic::write_json_string;
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::fmt::Write;
use std::sync::Arc;

/// The parts of a file path.
#[derive(Debug, Default, PartialEq)]
pub struct PathParts<'a> {
    pub scheme: &'a str,
    pub root: &'a str,
    pub directory_path: &'a str,
    pub directory_name: &'a str,
    pub filename: &'a str,
    pub extension: &'a str,
    pub stream: &'a str,
}

fn is_sep(c: char) -> bool {
    c == '\\' || c == '/'
}

/// `X:` at the start of `s`.
fn drive(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':').then(|| &s[..2])
}

/// Split a path into its parts.
pub fn split_path(path: &str) -> PathParts<'_> {
    let mut p = PathParts::default();
    let mut rest = path;
    if let Some((scheme, after)) = path.split_once("://") {
        let mut chars = scheme.chars();
        if chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            p.scheme = scheme;
            rest = after;
        }
    }
    let long = ["\\\\?\\", "\\\\.\\", "//?/", "//./"]
        .iter()
        .find(|pre| rest.starts_with(**pre))
        .map_or(0, |pre| pre.len());
    let drive_end = drive(&rest[long..]).map(|d| {
        p.root = d;
        long + 2
    });
    let (dir, file) = match rest.rfind(is_sep) {
        Some(0) => (&rest[..1], &rest[1..]),
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => match drive_end {
            // `C:file.txt`: relative to the drive's current folder
            Some(e) => (&rest[..e], &rest[e..]),
            None => ("", rest),
        },
    };
    p.directory_path = dir;
    let dir_body = match drive_end {
        Some(e) if dir.len() >= e => &dir[e..],
        _ => dir,
    };
    p.directory_name = match dir_body.rfind(is_sep) {
        Some(i) => &dir_body[i + 1..],
        None => dir_body,
    };
    let (name, stream) = file.split_once(':').unwrap_or((file, ""));
    p.filename = name;
    p.stream = stream;
    p.extension = name.rfind('.').map_or("", |i| &name[i + 1..]);
    p
}

/// Write the `parse_path` bag of `path`.
pub fn write_parse_path(path: &str, out: &mut impl Write) -> std::fmt::Result {
    let p = split_path(path);
    let fields = [
        ("Scheme", p.scheme),
        ("RootPath", p.root),
        ("DirectoryPath", p.directory_path),
        ("DirectoryName", p.directory_name),
        ("Filename", p.filename),
        ("Extension", p.extension),
        ("AlternateDataStreamName", p.stream),
    ];
    out.write_char('{')?;
    for (n, (name, v)) in fields.into_iter().enumerate() {
        if n > 0 {
            out.write_char(',')?;
        }
        write!(out, "\"{name}\":")?;
        write_json_string(v, out)?;
    }
    out.write_char('}')
}

fn parse_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 160);
    let mut buf = String::new();
    for i in 0..a.rows {
        buf.clear();
        write_parse_path(a.cols[0].str(i).unwrap_or(""), &mut buf).map_err(fmt_err)?;
        out.append_value(&buf);
    }
    Ok(Arc::new(out.finish()))
}

fn udf() -> KernelUdf {
    KernelUdf::new("kql_parse_path", DataType::Utf8, &[Read::Str], parse_kernel)
}

/// `kql_parse_path(path)`: a dynamic bag.
pub fn parse_path_expr(path: Expr) -> Expr {
    udf().call(vec![path])
}

pub(crate) fn all_path_udfs() -> Vec<ScalarUDF> {
    vec![ScalarUDF::from(udf())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;

    fn bag(p: &str) -> String {
        let mut s = String::new();
        write_parse_path(p, &mut s).unwrap();
        s
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            bag(r"C:\temp\file.txt"),
            r#"{"Scheme":"","RootPath":"C:","DirectoryPath":"C:\\temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#
        );
        assert_eq!(
            bag(r"temp\file.txt"),
            r#"{"Scheme":"","RootPath":"","DirectoryPath":"temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#
        );
        assert_eq!(
            bag("file://C:/temp/file.txt:some.exe"),
            r#"{"Scheme":"file","RootPath":"C:","DirectoryPath":"C:/temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":"some.exe"}"#
        );
        assert_eq!(
            bag(r"\\shared\users\temp\file.txt.gz"),
            r#"{"Scheme":"","RootPath":"","DirectoryPath":"\\\\shared\\users\\temp","DirectoryName":"temp","Filename":"file.txt.gz","Extension":"gz","AlternateDataStreamName":""}"#
        );
        assert_eq!(
            bag("/usr/lib/temp/file.txt"),
            r#"{"Scheme":"","RootPath":"","DirectoryPath":"/usr/lib/temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#
        );
    }

    #[test]
    fn edges() {
        let p = split_path("");
        assert_eq!(p, PathParts::default());
        let p = split_path("file");
        assert_eq!(
            (p.filename, p.extension, p.directory_path),
            ("file", "", "")
        );
        let p = split_path(r"C:\file.txt");
        assert_eq!(
            (p.root, p.directory_path, p.directory_name),
            ("C:", "C:", "")
        );
        let p = split_path(r"\\?\C:\dir\a.b.exe");
        assert_eq!(
            (p.root, p.directory_path, p.directory_name, p.extension),
            ("C:", r"\\?\C:\dir", "dir", "exe")
        );
        let p = split_path("/x");
        assert_eq!((p.directory_path, p.filename), ("/", "x"));
        let p = split_path(r"C:\dir\");
        assert_eq!(
            (p.directory_path, p.directory_name, p.filename),
            (r"C:\dir", "dir", "")
        );
    }

    #[test]
    fn kernel_nulls() {
        let out = strings(&invoke(&udf(), vec![str_col(vec![None, Some("a.txt")])]));
        assert!(out[0].as_deref().unwrap().contains(r#""Filename":"""#));
        assert!(out[1].as_deref().unwrap().contains(r#""Extension":"txt""#));
    }
}
