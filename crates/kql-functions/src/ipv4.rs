//! IPv4 functions over string columns: `parse_ipv4`, `ipv4_is_private`,
//! `ipv4_is_in_range`, `ipv4_is_match`, `has_any_ipv4_prefix`.
//!
//! An address is dotted decimal (`a.b.c.d`, each part 0..255) with an
//! optional IP-prefix (`/n`, 0..32) that masks it (parse-ipv4-function.md:
//! `192.168.1.1/24` → 3232235776). Text that does not parse gives null for
//! the functions that return a value (`parse_ipv4`, `ipv4_is_private`,
//! `ipv4_is_in_range`, `ipv4_is_match`).
//!
//! `has_any_ipv4_prefix(text, prefixes)` (has-any-ipv4-prefix-function.md):
//! a prefix is a whole address (`192.168.1.11`) or its leading parts ending
//! with a dot (`192.`, `192.168.`, `192.168.1.`); other prefixes never
//! match. It is true when `text` holds a valid address, delimited by
//! non-alphanumeric characters, that starts with (or, for a whole address,
//! equals) one of the prefixes.

use crate::columnar::{Args, Col, Read};
use crate::dynamic::arrays::array_elements;
use crate::dynamic::unquote;
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Int64Builder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use memchr::memmem;
use std::sync::Arc;

/// Parse `digits(.digits){3}` at the start of `b`: the address and the
/// bytes it used.
fn parse_dotted(b: &[u8]) -> Option<(u32, usize)> {
    let mut addr = 0u32;
    let mut i = 0;
    for part in 0..4 {
        if part > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v = 0u32;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 3 {
            v = v * 10 + u32::from(b[i] - b'0');
            i += 1;
        }
        if i == start || v > 255 {
            return None;
        }
        addr = (addr << 8) | v;
    }
    Some((addr, i))
}

/// An address with its prefix length (32 when none is written).
pub fn parse_ipv4(s: &str) -> Option<(u32, u32)> {
    let b = s.trim().as_bytes();
    let (addr, used) = parse_dotted(b)?;
    let bits = match &b[used..] {
        [] => 32,
        [b'/', rest @ ..] if !rest.is_empty() && rest.len() <= 2 => {
            let n: u32 = std::str::from_utf8(rest).ok()?.parse().ok()?;
            if n > 32 {
                return None;
            }
            n
        }
        _ => return None,
    };
    Some((addr & mask(bits), bits))
}

fn mask(bits: u32) -> u32 {
    if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    }
}

/// 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (ipv4-is-private-function.md).
pub fn is_private(addr: u32) -> bool {
    (addr & mask(8)) == 0x0A00_0000
        || (addr & mask(12)) == 0xAC10_0000
        || (addr & mask(16)) == 0xC0A8_0000
}

/// Compare two addresses under the shorter of their prefixes and `prefix`.
pub fn is_match(a: (u32, u32), b: (u32, u32), prefix: u32) -> bool {
    let m = mask(a.1.min(b.1).min(prefix));
    (a.0 & m) == (b.0 & m)
}

/// A `has_any_ipv4_prefix` needle: its text, and whether it is a whole
/// address (else it ends with a dot).
#[derive(Debug, Clone)]
pub struct Ipv4Prefix {
    text: String,
    whole: bool,
}

impl Ipv4Prefix {
    /// `None` for text that is not a valid address or address prefix.
    pub fn new(text: &str) -> Option<Ipv4Prefix> {
        let b = text.as_bytes();
        if let Some((_, used)) = parse_dotted(b)
            && used == b.len()
        {
            return Some(Ipv4Prefix {
                text: text.to_string(),
                whole: true,
            });
        }
        // 1 to 3 parts, each followed by a dot
        let parts: Vec<&str> = text.strip_suffix('.')?.split('.').collect();
        let ok = (1..=3).contains(&parts.len())
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.len() <= 3
                    && p.bytes().all(|c| c.is_ascii_digit())
                    && p.parse::<u32>().is_ok_and(|v| v <= 255)
            });
        ok.then(|| Ipv4Prefix {
            text: text.to_string(),
            whole: false,
        })
    }
}

/// The prefixes of a JSON array of strings (invalid ones left out).
pub fn prefixes_of(json: &str) -> Vec<Ipv4Prefix> {
    array_elements(json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|el| unquote(el).and_then(|s| Ipv4Prefix::new(&s)))
        .collect()
}

/// Does `text` hold a delimited address that the prefix matches?
pub fn has_ipv4_prefix(text: &str, p: &Ipv4Prefix) -> bool {
    let b = text.as_bytes();
    let alnum = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_alphanumeric());
    for pos in memmem::find_iter(b, p.text.as_bytes()) {
        if pos > 0 && alnum(pos - 1) {
            continue;
        }
        let Some((_, used)) = parse_dotted(&b[pos..]) else {
            continue;
        };
        let end = pos + used;
        // not followed by more of an address or a term
        let more = b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit);
        if alnum(end) || more {
            continue;
        }
        if !p.whole || used == p.text.len() {
            return true;
        }
    }
    false
}

fn bool_kernel(a: &Args, f: impl Fn(usize) -> Option<bool>) -> Result<ArrayRef> {
    let mut out = BooleanBuilder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(f(i));
    }
    Ok(Arc::new(out.finish()))
}

fn ip_at(c: &Col, i: usize) -> Option<(u32, u32)> {
    c.str(i).and_then(parse_ipv4)
}

fn parse_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(ip_at(&a.cols[0], i).map(|(v, _)| i64::from(v)));
    }
    Ok(Arc::new(out.finish()))
}

fn private_kernel(a: &Args) -> Result<ArrayRef> {
    bool_kernel(a, |i| ip_at(&a.cols[0], i).map(|(v, _)| is_private(v)))
}

fn in_range_kernel(a: &Args) -> Result<ArrayRef> {
    bool_kernel(a, |i| {
        let ip = ip_at(&a.cols[0], i)?;
        let range = ip_at(&a.cols[1], i)?;
        Some(is_match((ip.0, 32), range, 32))
    })
}

fn match_kernel(a: &Args) -> Result<ArrayRef> {
    bool_kernel(a, |i| {
        let x = ip_at(&a.cols[0], i)?;
        let y = ip_at(&a.cols[1], i)?;
        let prefix = match a.cols.get(2) {
            Some(c) => u32::try_from(c.i64(i)?).ok().filter(|p| *p <= 32)?,
            None => 32,
        };
        Some(is_match(x, y, prefix))
    })
}

fn has_any_prefix_kernel(a: &Args) -> Result<ArrayRef> {
    // The prefixes are usually one constant list: parse them once.
    let constant = match &a.cols[1] {
        Col::Scalar(_) => Some(prefixes_of(a.cols[1].str(0).unwrap_or("[]"))),
        _ => None,
    };
    bool_kernel(a, |i| {
        let text = a.cols[0].str(i).unwrap_or("");
        let row_prefixes;
        let ps = match &constant {
            Some(p) => p,
            None => {
                row_prefixes = prefixes_of(a.cols[1].str(i).unwrap_or("[]"));
                &row_prefixes
            }
        };
        Some(ps.iter().any(|p| has_ipv4_prefix(text, p)))
    })
}

const ONE: &[Read] = &[Read::Str];
const MATCH: &[Read] = &[Read::Str, Read::Str, Read::I64];

fn udf(name: &str) -> Option<KernelUdf> {
    Some(match name {
        "parse_ipv4" => KernelUdf::new("kql_parse_ipv4", DataType::Int64, ONE, parse_kernel),
        "ipv4_is_private" => KernelUdf::new(
            "kql_ipv4_is_private",
            DataType::Boolean,
            ONE,
            private_kernel,
        ),
        "ipv4_is_in_range" => KernelUdf::new(
            "kql_ipv4_is_in_range",
            DataType::Boolean,
            ONE,
            in_range_kernel,
        ),
        "ipv4_is_match" => {
            KernelUdf::new("kql_ipv4_is_match", DataType::Boolean, MATCH, match_kernel)
        }
        "has_any_ipv4_prefix" => KernelUdf::new(
            "kql_has_any_ipv4_prefix",
            DataType::Boolean,
            ONE,
            has_any_prefix_kernel,
        ),
        _ => return None,
    })
}

/// The KQL functions of this module.
pub const IPV4_FUNCTIONS: &[&str] = &[
    "parse_ipv4",
    "ipv4_is_private",
    "ipv4_is_in_range",
    "ipv4_is_match",
    "has_any_ipv4_prefix",
];

/// `kql_<name>(args)`: string arguments, `ipv4_is_match`'s prefix as
/// Int64, `has_any_ipv4_prefix`'s prefixes as a JSON array.
pub fn ipv4_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_ipv4_udfs() -> Vec<ScalarUDF> {
    IPV4_FUNCTIONS
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int64Type;

    #[test]
    fn parses_with_prefix_masks() {
        assert_eq!(parse_ipv4("192.168.1.1"), Some((3232235777, 32)));
        assert_eq!(parse_ipv4("192.168.1.1/24"), Some((3232235776, 24)));
        assert_eq!(parse_ipv4("255.255.255.255/31"), Some((4294967294, 31)));
        for bad in [
            "",
            "1.2.3",
            "1.2.3.256",
            "1.2.3.4/33",
            "1.2.3.4x",
            "1.2.3.4/",
            "a",
        ] {
            assert_eq!(parse_ipv4(bad), None, "{bad}");
        }
        let out = invoke(
            &udf("parse_ipv4").unwrap(),
            vec![str_col(vec![Some("10.0.0.1"), None, Some("")])],
        );
        let out = out.as_primitive::<Int64Type>();
        assert_eq!(out.value(0), 167772161);
        assert!(is_null(&(Arc::new(out.clone()) as ArrayRef), 1));
    }

    #[test]
    fn private_range_and_match() {
        let p = |s| parse_ipv4(s).map(|(v, _)| is_private(v));
        assert_eq!(p("10.1.2.3"), Some(true));
        assert_eq!(p("192.168.1.1/24"), Some(true));
        assert_eq!(p("172.31.0.1"), Some(true));
        assert_eq!(p("172.32.0.1"), Some(false));
        assert_eq!(p("127.0.0.1"), Some(false));
        assert_eq!(p("x"), None);
        let ip = |s| parse_ipv4(s).unwrap();
        assert!(is_match(ip("192.168.1.1/24"), ip("192.168.1.255"), 32));
        assert!(is_match(ip("192.168.1.1"), ip("192.168.1.0"), 31));
        assert!(!is_match(ip("192.168.1.1"), ip("192.168.2.1"), 24));
    }

    #[test]
    fn ipv4_prefixes_in_text() {
        let t = "05:04:54 127.0.0.1 GET /favicon.ico 404";
        let has =
            |text: &str, p: &str| Ipv4Prefix::new(p).is_some_and(|p| has_ipv4_prefix(text, &p));
        assert!(has(t, "127.0."));
        assert!(!has(t, "127.0"));
        assert!(has(t, "127.0.0.1"));
        assert!(!has(t, "127.0.0.12"));
        assert!(!has("05:04:54 127.0.0.256 GET", "127.0."));
        assert!(!has("05:04:54127.0.0.1 GET", "127.0."));
        assert!(!has("x127.0.0.1", "127."));
        assert!(has("a 10.1.1.115, 192.168.1.1", "192.168.1."));
        let u = udf("has_any_ipv4_prefix").unwrap();
        let out = invoke(
            &u,
            vec![
                str_col(vec![Some(t), None, Some("10.0.0.1")]),
                str_lit(r#"["127.0","192.168.","10."]"#),
            ],
        );
        let out: Vec<_> = out.as_boolean().iter().collect();
        assert_eq!(out, vec![Some(false), Some(false), Some(true)]);
    }
}
