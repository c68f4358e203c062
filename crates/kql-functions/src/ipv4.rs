//! IPv4 functions over string columns: `parse_ipv4`, `ipv4_is_private`,
//! `ipv4_is_in_range`, `ipv4_is_in_any_range`, `ipv4_is_match`,
//! `ipv4_compare`, `ipv4_netmask_suffix`, `format_ipv4`, `format_ipv4_mask`,
//! `ipv4_range_to_cidr_list`, `has_ipv4`, `has_any_ipv4`,
//! `has_any_ipv4_prefix`, `parse_ipv4_mask`.
//!
//! `parse_ipv4_mask(ip, prefix)` (parse-ipv4-mask-function.md: `("127.0.0.1",
//! 24)` is 2130706432) masks the address to `prefix` bits, 0..32, or to the
//! address's own `/n` when that is shorter; another prefix gives null.
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
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Int64Builder, StringBuilder};
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

fn parse_mask_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        let v = ip_at(&a.cols[0], i).and_then(|(v, bits)| {
            let p = u32::try_from(a.cols[1].i64(i)?).ok().filter(|p| *p <= 32)?;
            Some(i64::from(v & mask(p.min(bits))))
        });
        out.append_option(v);
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

/// `ipv4_compare`: the order of the two addresses under the shorter of
/// their prefixes and the optional prefix argument (0..32).
fn compare_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(compare_at(a, i));
    }
    Ok(Arc::new(out.finish()))
}

/// -1, 0 or 1 as `x` is below, equal to or above `y` under the mask.
pub fn compare(x: (u32, u32), y: (u32, u32), prefix: u32) -> i64 {
    let m = mask(x.1.min(y.1).min(prefix));
    match (x.0 & m).cmp(&(y.0 & m)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

fn compare_at(a: &Args, i: usize) -> Option<i64> {
    let x = ip_at(&a.cols[0], i)?;
    let y = ip_at(&a.cols[1], i)?;
    Some(compare(x, y, prefix_arg_at(a, 2, i)?))
}

/// The ranges of a JSON array of strings; `None` for an element that is
/// not a valid address (or not a string).
fn ranges_of(json: &str) -> Vec<Option<(u32, u32)>> {
    array_elements(json)
        .unwrap_or_default()
        .into_iter()
        .map(|el| unquote(el).and_then(|s| parse_ipv4(&s)))
        .collect()
}

/// True when `ip` is in one of the ranges; otherwise null when a range
/// does not parse, else false.
pub fn in_any_range(ip: (u32, u32), ranges: &[Option<(u32, u32)>]) -> Option<bool> {
    let mut bad = false;
    for r in ranges {
        match r {
            Some(r) if is_match((ip.0, 32), *r, 32) => return Some(true),
            Some(_) => {}
            None => bad = true,
        }
    }
    (!bad).then_some(false)
}

fn in_any_range_kernel(a: &Args) -> Result<ArrayRef> {
    let constant = match &a.cols[1] {
        Col::Scalar(_) => Some(ranges_of(a.cols[1].str(0).unwrap_or("[]"))),
        _ => None,
    };
    bool_kernel(a, |i| {
        let ip = ip_at(&a.cols[0], i)?;
        match &constant {
            Some(r) => in_any_range(ip, r),
            None => in_any_range(ip, &ranges_of(a.cols[1].str(i)?)),
        }
    })
}

fn netmask_suffix_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(ip_at(&a.cols[0], i).map(|(_, bits)| i64::from(bits)));
    }
    Ok(Arc::new(out.finish()))
}

/// Dotted-decimal text of an address.
pub fn dotted(v: u32) -> String {
    let [a, b, c, d] = v.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

/// `format_ipv4(ip, prefix)` / `format_ipv4_mask(ip, prefix)`: the address
/// masked by the shorter prefix, with `/n` for the mask form; "" when the
/// address or the prefix (0..32) is invalid.
fn format_kernel(a: &Args, numeric: bool, with_mask: bool) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 18);
    for i in 0..a.rows {
        let ip = if numeric {
            a.cols[0]
                .i64(i)
                .and_then(|v| u32::try_from(v).ok())
                .map(|v| (v, 32))
        } else {
            ip_at(&a.cols[0], i)
        };
        let text = ip.zip(prefix_arg_at(a, 1, i)).map(|((v, own), p)| {
            let bits = own.min(p);
            let s = dotted(v & mask(bits));
            if with_mask { format!("{s}/{bits}") } else { s }
        });
        out.append_value(text.as_deref().unwrap_or(""));
    }
    Ok(Arc::new(out.finish()))
}

fn prefix_arg_at(a: &Args, col: usize, i: usize) -> Option<u32> {
    match a.cols.get(col) {
        Some(c) => u32::try_from(c.i64(i)?).ok().filter(|p| *p <= 32),
        None => Some(32),
    }
}

fn format_kernel_s(a: &Args) -> Result<ArrayRef> {
    format_kernel(a, false, false)
}
fn format_kernel_n(a: &Args) -> Result<ArrayRef> {
    format_kernel(a, true, false)
}
fn format_mask_kernel_s(a: &Args) -> Result<ArrayRef> {
    format_kernel(a, false, true)
}
fn format_mask_kernel_n(a: &Args) -> Result<ArrayRef> {
    format_kernel(a, true, true)
}

/// The fewest CIDR blocks covering `start..=end`, in address order.
pub fn range_to_cidrs(start: u32, end: u32) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, end) = (u64::from(start), u64::from(end));
    while cur <= end {
        // the largest aligned block at `cur` that fits before `end`
        let mut size = if cur == 0 {
            1u64 << 32
        } else {
            1u64 << cur.trailing_zeros().min(32)
        };
        while cur + size - 1 > end {
            size >>= 1;
        }
        let bits = 32 - size.trailing_zeros();
        out.push(format!("{}/{bits}", dotted(cur as u32)));
        cur += size;
    }
    out
}

fn cidr_list_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 24);
    for i in 0..a.rows {
        let s = ip_at(&a.cols[0], i);
        let e = ip_at(&a.cols[1], i);
        match s.zip(e) {
            Some(((s, _), (e, _))) => {
                let items: Vec<String> = if s <= e {
                    range_to_cidrs(s, e)
                        .into_iter()
                        .map(|c| format!("\"{c}\""))
                        .collect()
                } else {
                    Vec::new()
                };
                out.append_value(format!("[{}]", items.join(",")));
            }
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// `has_any_ipv4(text, ips)`: like `has_any_ipv4_prefix` with whole
/// addresses only (a needle that is not a whole address never matches).
fn has_any_kernel(a: &Args) -> Result<ArrayRef> {
    let whole = |json: &str| -> Vec<Ipv4Prefix> {
        prefixes_of(json).into_iter().filter(|p| p.whole).collect()
    };
    let constant = match &a.cols[1] {
        Col::Scalar(_) => Some(whole(a.cols[1].str(0).unwrap_or("[]"))),
        _ => None,
    };
    bool_kernel(a, |i| {
        let text = a.cols[0].str(i).unwrap_or("");
        let row_ips;
        let ps = match &constant {
            Some(p) => p,
            None => {
                row_ips = whole(a.cols[1].str(i).unwrap_or("[]"));
                &row_ips
            }
        };
        Some(ps.iter().any(|p| has_ipv4_prefix(text, p)))
    })
}

const ONE: &[Read] = &[Read::Str];
const NUM: &[Read] = &[Read::I64];
const STR_NUM: &[Read] = &[Read::Str, Read::I64];
const MATCH: &[Read] = &[Read::Str, Read::Str, Read::I64];

fn udf(name: &str) -> Option<KernelUdf> {
    Some(match name {
        "parse_ipv4" => KernelUdf::new("kql_parse_ipv4", DataType::Int64, ONE, parse_kernel),
        "parse_ipv4_mask" => KernelUdf::new(
            "kql_parse_ipv4_mask",
            DataType::Int64,
            STR_NUM,
            parse_mask_kernel,
        ),
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
        "has_any_ipv4" => {
            KernelUdf::new("kql_has_any_ipv4", DataType::Boolean, ONE, has_any_kernel)
        }
        "ipv4_compare" => {
            KernelUdf::new("kql_ipv4_compare", DataType::Int64, MATCH, compare_kernel)
        }
        "ipv4_is_in_any_range" => KernelUdf::new(
            "kql_ipv4_is_in_any_range",
            DataType::Boolean,
            ONE,
            in_any_range_kernel,
        ),
        "ipv4_netmask_suffix" => KernelUdf::new(
            "kql_ipv4_netmask_suffix",
            DataType::Int64,
            ONE,
            netmask_suffix_kernel,
        ),
        "format_ipv4" => {
            KernelUdf::new("kql_format_ipv4", DataType::Utf8, STR_NUM, format_kernel_s)
        }
        "format_ipv4_long" => {
            KernelUdf::new("kql_format_ipv4_long", DataType::Utf8, NUM, format_kernel_n)
        }
        "format_ipv4_mask" => KernelUdf::new(
            "kql_format_ipv4_mask",
            DataType::Utf8,
            STR_NUM,
            format_mask_kernel_s,
        ),
        "format_ipv4_mask_long" => KernelUdf::new(
            "kql_format_ipv4_mask_long",
            DataType::Utf8,
            NUM,
            format_mask_kernel_n,
        ),
        "ipv4_range_to_cidr_list" => KernelUdf::new(
            "kql_ipv4_range_to_cidr_list",
            DataType::Utf8,
            ONE,
            cidr_list_kernel,
        ),
        _ => return None,
    })
}

/// The KQL functions of this module.
pub const IPV4_FUNCTIONS: &[&str] = &[
    "parse_ipv4",
    "parse_ipv4_mask",
    "ipv4_is_private",
    "ipv4_is_in_range",
    "ipv4_is_match",
    "has_any_ipv4_prefix",
    "has_any_ipv4",
    "ipv4_compare",
    "ipv4_is_in_any_range",
    "ipv4_netmask_suffix",
    "format_ipv4",
    "format_ipv4_long",
    "format_ipv4_mask",
    "format_ipv4_mask_long",
    "ipv4_range_to_cidr_list",
];

/// `kql_<name>(args)`: string arguments, prefixes as Int64,
/// `has_any_ipv4[_prefix]`'s needles and `ipv4_is_in_any_range`'s ranges
/// as a JSON array; `format_ipv4[_mask]_long` take the address as a long.
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
    fn parse_ipv4_mask_masks() {
        let out = invoke(
            &udf("parse_ipv4_mask").unwrap(),
            vec![
                str_col(vec![
                    Some("127.0.0.1"),
                    Some("192.168.255.255"),
                    Some("192.168.255.255/16"),
                    Some("10.0.0.1"),
                    Some("10.0.0.1"),
                    Some("x"),
                    None,
                ]),
                i64_col(vec![
                    Some(24),
                    Some(24),
                    Some(24),
                    Some(33),
                    Some(-1),
                    Some(8),
                    Some(8),
                ]),
            ],
        );
        let v: Vec<Option<i64>> = out.as_primitive::<Int64Type>().iter().collect();
        // parse-ipv4-mask-function.md: ("127.0.0.1", 24) is 2130706432
        assert_eq!(
            v,
            vec![
                Some(2130706432),
                Some(3232300800),
                Some(3232235520),
                None,
                None,
                None,
                None
            ]
        );
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

    #[test]
    fn compare_ranges_cidrs_and_format() {
        let ip = |s| parse_ipv4(s).unwrap();
        assert_eq!(compare(ip("192.168.1.1"), ip("192.168.1.0"), 31), 0);
        assert_eq!(compare(ip("10.0.0.1"), ip("10.0.0.2"), 32), -1);
        let r = [parse_ipv4("10.0.0.0/8"), None];
        assert_eq!(in_any_range(ip("10.1.1.1"), &r), Some(true));
        assert_eq!(in_any_range(ip("11.1.1.1"), &r), None);
        assert_eq!(in_any_range(ip("11.1.1.1"), &r[..1]), Some(false));
        assert_eq!(
            range_to_cidrs(ip("1.1.128.0").0, ip("1.1.140.255").0),
            vec!["1.1.128.0/21", "1.1.136.0/22", "1.1.140.0/24"]
        );
        assert_eq!(range_to_cidrs(0, u32::MAX), vec!["0.0.0.0/0"]);
        let out = invoke(
            &udf("format_ipv4_mask").unwrap(),
            vec![
                str_col(vec![Some("192.168.1.1"), None, Some("")]),
                i64_lit(24),
            ],
        );
        assert_eq!(
            strings(&out),
            vec![
                Some("192.168.1.0/24".to_string()),
                Some(String::new()),
                Some(String::new())
            ]
        );
        let out = invoke(
            &udf("ipv4_compare").unwrap(),
            vec![
                str_col(vec![Some("1.2.3.4"), None, Some("")]),
                str_lit("1.2.3.4"),
            ],
        );
        let out: Vec<_> = out.as_primitive::<Int64Type>().iter().collect();
        assert_eq!(out, vec![Some(0), None, None]);
    }
}
