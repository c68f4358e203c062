//! URL functions: `url_decode`, `url_encode`, `url_encode_component`,
//! `parse_url`, `parse_urlquery`.
//!
//! * `kql_url_decode(s)`: `%xx` escapes decoded (as UTF-8, invalid bytes
//!   replaced), `+` as a space; a malformed escape stays as it is.
//! * `kql_url_encode(s)`: letters, digits and `-_.!*()` stay, a space becomes
//!   `+`, every other byte of the UTF-8 text `%xx` with lower-case hex
//!   (url-encode-function.md: `https://www.bing.com/hello world` →
//!   `https%3a%2f%2fwww.bing.com%2fhello+world`).
//! * `kql_url_encode_component(s)`: the same, but a space is `%20`
//!   (url-encode-component-function.md).
//! * `kql_parse_url(s)`: a dynamic bag with `Scheme`, `Host`, `Port`, `Path`,
//!   `Username`, `Password`, `Query Parameters` (a bag, values decoded) and
//!   `Fragment`, in that order (parse-url-function.md). A part that is
//!   absent is "". Text that is not an absolute URL (`scheme://...`) gives
//!   the bag with every part empty (kql choice; the docs do not say).
//! * `kql_parse_urlquery(s)`: `{"Query Parameters": {...}}` of a query
//!   string `k1=v1&k2=v2` (parse-url-query-function.md, since removed from
//!   the docs; the function and its alias `parseurlquery` remain).

use crate::columnar::{Args, Read, fmt_err};
use crate::dynamic::write_json_string;
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::fmt::Write;
use std::sync::Arc;

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding with `+` as a space.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    if !b.iter().any(|c| *c == b'%' || *c == b'+') {
        return s.to_string();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `application/x-www-form-urlencoded` encoding, lower-case hex.
pub fn url_encode(s: &str, out: &mut String) {
    percent_encode(s, "+", out)
}

/// Percent-encoding of everything but letters, digits and `-_.!*()`, a space
/// written as `space`.
fn percent_encode(s: &str, space: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &c in s.as_bytes() {
        match c {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => out.push(c as char),
            b' ' => out.push_str(space),
            c => {
                out.push('%');
                out.push(HEX[(c >> 4) as usize] as char);
                out.push(HEX[(c & 15) as usize] as char);
            }
        }
    }
}

/// The parts of an absolute URL.
#[derive(Debug, Default, PartialEq)]
pub struct UrlParts<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: &'a str,
    pub path: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub query: &'a str,
    pub fragment: &'a str,
}

/// Split `scheme://user:pass@host:port/path?query#fragment`; `None` when
/// there is no valid scheme followed by `://`.
pub fn split_url(s: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = s.split_once("://")?;
    let mut chars = scheme.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (&authority[..i], &authority[i + 1..]),
        None => ("", authority),
    };
    let (username, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    // a port follows the last ':' outside an IPv6 literal's brackets
    let (host, port) = match hostport.rfind(':') {
        Some(i) if !hostport[i..].contains(']') => (&hostport[..i], &hostport[i + 1..]),
        _ => (hostport, ""),
    };
    if host.is_empty() {
        return None;
    }
    Some(UrlParts {
        scheme,
        host,
        port,
        path,
        username,
        password,
        query,
        fragment,
    })
}

/// Write the `parse_url` bag of `s`.
pub fn write_parse_url(s: &str, out: &mut impl Write) -> std::fmt::Result {
    let p = split_url(s).unwrap_or_default();
    let fields = [
        ("Scheme", p.scheme),
        ("Host", p.host),
        ("Port", p.port),
        ("Path", p.path),
        ("Username", p.username),
        ("Password", p.password),
    ];
    out.write_char('{')?;
    for (name, v) in fields {
        write!(out, "\"{name}\":")?;
        write_json_string(v, out)?;
        out.write_char(',')?;
    }
    out.write_str("\"Query Parameters\":")?;
    write_query_parameters(p.query, out)?;
    out.write_str(",\"Fragment\":")?;
    write_json_string(p.fragment, out)?;
    out.write_char('}')
}

/// The bag of a query string's `key=value` pairs, decoded.
fn write_query_parameters(query: &str, out: &mut impl Write) -> std::fmt::Result {
    out.write_char('{')?;
    for (n, pair) in query.split('&').filter(|x| !x.is_empty()).enumerate() {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if n > 0 {
            out.write_char(',')?;
        }
        write_json_string(&url_decode(k), out)?;
        out.write_char(':')?;
        write_json_string(&url_decode(v), out)?;
    }
    out.write_char('}')
}

/// Write the `parse_urlquery` bag of a query string.
pub fn write_parse_urlquery(query: &str, out: &mut impl Write) -> std::fmt::Result {
    out.write_str("{\"Query Parameters\":")?;
    write_query_parameters(query, out)?;
    out.write_char('}')
}

fn text_kernel(a: &Args, f: impl Fn(&str, &mut String) -> std::fmt::Result) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    let mut buf = String::new();
    for i in 0..a.rows {
        buf.clear();
        f(a.cols[0].str(i).unwrap_or(""), &mut buf).map_err(fmt_err)?;
        out.append_value(&buf);
    }
    Ok(Arc::new(out.finish()))
}

fn decode_kernel(a: &Args) -> Result<ArrayRef> {
    text_kernel(a, |s, out| out.write_str(&url_decode(s)))
}

fn encode_kernel(a: &Args) -> Result<ArrayRef> {
    text_kernel(a, |s, out| {
        url_encode(s, out);
        Ok(())
    })
}

fn encode_component_kernel(a: &Args) -> Result<ArrayRef> {
    text_kernel(a, |s, out| {
        percent_encode(s, "%20", out);
        Ok(())
    })
}

fn parse_kernel(a: &Args) -> Result<ArrayRef> {
    text_kernel(a, write_parse_url)
}

fn parse_query_kernel(a: &Args) -> Result<ArrayRef> {
    text_kernel(a, write_parse_urlquery)
}

const ONE_STR: &[Read] = &[Read::Str];

fn udf(name: &str) -> Option<KernelUdf> {
    Some(match name {
        "url_decode" => KernelUdf::new("kql_url_decode", DataType::Utf8, ONE_STR, decode_kernel),
        "url_encode" => KernelUdf::new("kql_url_encode", DataType::Utf8, ONE_STR, encode_kernel),
        "url_encode_component" => KernelUdf::new(
            "kql_url_encode_component",
            DataType::Utf8,
            ONE_STR,
            encode_component_kernel,
        ),
        "parse_url" => KernelUdf::new("kql_parse_url", DataType::Utf8, ONE_STR, parse_kernel),
        "parse_urlquery" => KernelUdf::new(
            "kql_parse_urlquery",
            DataType::Utf8,
            ONE_STR,
            parse_query_kernel,
        ),
        _ => return None,
    })
}

/// The URL functions by KQL name.
pub const URL_FUNCTIONS: &[&str] = &[
    "url_decode",
    "url_encode",
    "url_encode_component",
    "parse_url",
    "parse_urlquery",
];

/// `kql_<name>(s)` for a KQL name of [`URL_FUNCTIONS`].
pub fn url_function_expr(name: &str, s: Expr) -> Option<Expr> {
    udf(name).map(|u| u.call(vec![s]))
}

pub(crate) fn all_url_udfs() -> Vec<ScalarUDF> {
    URL_FUNCTIONS
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;

    #[test]
    fn decode_and_encode() {
        assert_eq!(
            url_decode("https%3a%2f%2fwww.bing.com%2f"),
            "https://www.bing.com/"
        );
        assert_eq!(url_decode("a+b%20c%zz%4"), "a b c%zz%4");
        assert_eq!(url_decode("%C3%A9"), "é");
        let mut s = String::new();
        url_encode("https://www.bing.com/hello world", &mut s);
        assert_eq!(s, "https%3a%2f%2fwww.bing.com%2fhello+world");
        let u = udf("url_decode").unwrap();
        let out = strings(&invoke(
            &u,
            vec![str_col(vec![Some("a%2Fb"), None, Some("")])],
        ));
        assert_eq!(
            out,
            vec![Some("a/b".into()), Some("".into()), Some("".into())]
        );
        // url-encode-component-function.md: a space is %20
        let u = udf("url_encode_component").unwrap();
        let out = strings(&invoke(
            &u,
            vec![str_col(vec![
                Some("https://www.bing.com/hello world/"),
                None,
            ])],
        ));
        assert_eq!(
            out,
            vec![
                Some("https%3a%2f%2fwww.bing.com%2fhello%20world%2f".into()),
                Some("".into())
            ]
        );
    }

    #[test]
    fn parse_urlquery_bag() {
        let mut s = String::new();
        write_parse_urlquery("k1=v1&k2=v2&k3=v3", &mut s).unwrap();
        assert_eq!(s, r#"{"Query Parameters":{"k1":"v1","k2":"v2","k3":"v3"}}"#);
        s.clear();
        write_parse_urlquery("view=vs-2019&preserve-view=true&flag&a=b%20c", &mut s).unwrap();
        assert_eq!(
            s,
            r#"{"Query Parameters":{"view":"vs-2019","preserve-view":"true","flag":"","a":"b c"}}"#
        );
        s.clear();
        write_parse_urlquery("", &mut s).unwrap();
        assert_eq!(s, r#"{"Query Parameters":{}}"#);
    }

    #[test]
    fn parse_url_parts() {
        let mut s = String::new();
        write_parse_url(
            "scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment",
            &mut s,
        )
        .unwrap();
        assert_eq!(
            s,
            r#"{"Scheme":"scheme","Host":"host","Port":"1234","Path":"/this/is/a/path","Username":"username","Password":"password","Query Parameters":{"k1":"v1","k2":"v2"},"Fragment":"fragment"}"#
        );
        let p = split_url("http://[::1]:8080").unwrap();
        assert_eq!((p.host, p.port, p.path), ("[::1]", "8080", ""));
        assert_eq!(split_url("bing.com"), None);
        assert_eq!(split_url("http://"), None);
        s.clear();
        write_parse_url("", &mut s).unwrap();
        assert_eq!(
            s,
            r#"{"Scheme":"","Host":"","Port":"","Path":"","Username":"","Password":"","Query Parameters":{},"Fragment":""}"#
        );
    }
}
