//! IPv6 functions over string columns: `parse_ipv6`, `parse_ipv6_mask`,
//! `ipv6_compare`, `ipv6_is_match`, `ipv6_is_in_range`,
//! `ipv6_is_in_any_range`.
//!
//! An address is IPv6 text (`fe80::85d:e82c:9446:7994`, `::192.168.1.1`)
//! or IPv4 dotted decimal, which is taken as the IPv4-mapped address
//! `::ffff:a.b.c.d` (parse-ipv6-function.md). An optional `/n` prefix masks
//! it: 0..128 after IPv6 text, 0..32 after IPv4 text (then counted from bit
//! 96: `192.168.1.1/24` is `::ffff:c0a8:0100/120`). Comparisons use the
//! shortest of both prefixes and the prefix argument (0..128). Text that
//! does not parse gives null (empty string for `parse_ipv6*`).

use crate::columnar::{Args, Col, Read};
use crate::dynamic::arrays::array_elements;
use crate::dynamic::unquote;
use crate::ipv4::parse_ipv4;
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Int64Builder, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::net::Ipv6Addr;
use std::sync::Arc;

/// An address as 128 bits (masked) with its prefix length.
pub fn parse_ipv6(s: &str) -> Option<(u128, u32)> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some((v4, bits)) = parse_ipv4(s) {
        let v = 0xffff_0000_0000u128 | u128::from(v4);
        let bits = 96 + bits;
        return Some((v & mask(bits), bits));
    }
    let (addr, bits) = match s.split_once('/') {
        Some((a, p)) => {
            if p.is_empty() || p.len() > 3 || !p.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let n: u32 = p.parse().ok()?;
            if n > 128 {
                return None;
            }
            (a, n)
        }
        None => (s, 128),
    };
    let v = u128::from(addr.parse::<Ipv6Addr>().ok()?);
    Some((v & mask(bits), bits))
}

fn mask(bits: u32) -> u128 {
    if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    }
}

/// -1, 0 or 1 as `x` is below, equal to or above `y` under the shortest
/// prefix.
pub fn compare(x: (u128, u32), y: (u128, u32), prefix: u32) -> i64 {
    let m = mask(x.1.min(y.1).min(prefix));
    match (x.0 & m).cmp(&(y.0 & m)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

/// Eight groups of four lowercase hex digits.
pub fn full_text(v: u128) -> String {
    let mut s = String::with_capacity(39);
    for g in 0..8 {
        if g > 0 {
            s.push(':');
        }
        let group = (v >> (112 - 16 * g)) as u16;
        s.push_str(&format!("{group:04x}"));
    }
    s
}

fn ip_at(c: &Col, i: usize) -> Option<(u128, u32)> {
    c.str(i).and_then(parse_ipv6)
}

fn prefix_at(a: &Args, col: usize, i: usize) -> Option<u32> {
    match a.cols.get(col) {
        Some(c) => u32::try_from(c.i64(i)?).ok().filter(|p| *p <= 128),
        None => Some(128),
    }
}

fn bool_kernel(a: &Args, f: impl Fn(usize) -> Option<bool>) -> Result<ArrayRef> {
    let mut out = BooleanBuilder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(f(i));
    }
    Ok(Arc::new(out.finish()))
}

/// `parse_ipv6(ip)` and `parse_ipv6_mask(ip, prefix)`.
fn parse_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 39);
    for i in 0..a.rows {
        let v = ip_at(&a.cols[0], i)
            .zip(prefix_at(a, 1, i))
            .map(|((v, own), p)| full_text(v & mask(own.min(p))));
        out.append_value(v.as_deref().unwrap_or(""));
    }
    Ok(Arc::new(out.finish()))
}

fn compare_at(a: &Args, i: usize) -> Option<i64> {
    let x = ip_at(&a.cols[0], i)?;
    let y = ip_at(&a.cols[1], i)?;
    Some(compare(x, y, prefix_at(a, 2, i)?))
}

fn compare_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(compare_at(a, i));
    }
    Ok(Arc::new(out.finish()))
}

fn match_kernel(a: &Args) -> Result<ArrayRef> {
    bool_kernel(a, |i| compare_at(a, i).map(|c| c == 0))
}

fn in_range_kernel(a: &Args) -> Result<ArrayRef> {
    bool_kernel(a, |i| {
        let ip = ip_at(&a.cols[0], i)?;
        let range = ip_at(&a.cols[1], i)?;
        Some(compare((ip.0, 128), range, 128) == 0)
    })
}

/// The ranges of a JSON array of strings; `None` for one that does not
/// parse.
fn ranges_of(json: &str) -> Vec<Option<(u128, u32)>> {
    array_elements(json)
        .unwrap_or_default()
        .into_iter()
        .map(|el| unquote(el).and_then(|s| parse_ipv6(&s)))
        .collect()
}

/// True when `ip` is in one of the ranges; otherwise null when a range
/// does not parse, else false.
pub fn in_any_range(ip: (u128, u32), ranges: &[Option<(u128, u32)>]) -> Option<bool> {
    let mut bad = false;
    for r in ranges {
        match r {
            Some(r) if compare((ip.0, 128), *r, 128) == 0 => return Some(true),
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

const ONE: &[Read] = &[Read::Str];
const WITH_PREFIX: &[Read] = &[Read::Str, Read::Str, Read::I64];
const MASK: &[Read] = &[Read::Str, Read::I64];

fn udf(name: &str) -> Option<KernelUdf> {
    Some(match name {
        "parse_ipv6" => KernelUdf::new("kql_parse_ipv6", DataType::Utf8, ONE, parse_kernel),
        "parse_ipv6_mask" => {
            KernelUdf::new("kql_parse_ipv6_mask", DataType::Utf8, MASK, parse_kernel)
        }
        "ipv6_compare" => KernelUdf::new(
            "kql_ipv6_compare",
            DataType::Int64,
            WITH_PREFIX,
            compare_kernel,
        ),
        "ipv6_is_match" => KernelUdf::new(
            "kql_ipv6_is_match",
            DataType::Boolean,
            WITH_PREFIX,
            match_kernel,
        ),
        "ipv6_is_in_range" => KernelUdf::new(
            "kql_ipv6_is_in_range",
            DataType::Boolean,
            ONE,
            in_range_kernel,
        ),
        "ipv6_is_in_any_range" => KernelUdf::new(
            "kql_ipv6_is_in_any_range",
            DataType::Boolean,
            ONE,
            in_any_range_kernel,
        ),
        _ => return None,
    })
}

/// The KQL functions of this module.
pub const IPV6_FUNCTIONS: &[&str] = &[
    "parse_ipv6",
    "parse_ipv6_mask",
    "ipv6_compare",
    "ipv6_is_match",
    "ipv6_is_in_range",
    "ipv6_is_in_any_range",
];

/// `kql_<name>(args)`: string addresses, prefixes as Int64,
/// `ipv6_is_in_any_range`'s ranges as a JSON array.
pub fn ipv6_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_ipv6_udfs() -> Vec<ScalarUDF> {
    IPV6_FUNCTIONS
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

    #[test]
    fn parses_v6_and_mapped_v4() {
        let p = |s: &str| parse_ipv6(s).map(|(v, _)| full_text(v));
        assert_eq!(
            p("192.168.255.255/24").as_deref(),
            Some("0000:0000:0000:0000:0000:ffff:c0a8:ff00")
        );
        assert_eq!(
            p("fe80::85d:e82c:9446:7994/120").as_deref(),
            Some("fe80:0000:0000:0000:085d:e82c:9446:7900")
        );
        assert_eq!(parse_ipv6("::192.168.1.1/30").map(|x| x.1), Some(30));
        for bad in ["", "x", "1::2::3", "::1/129", "::1/", "1.2.3.4/33"] {
            assert_eq!(parse_ipv6(bad), None, "{bad}");
        }
    }

    #[test]
    fn compares_under_prefixes() {
        let ip = |s| parse_ipv6(s).unwrap();
        assert_eq!(
            compare(ip("192.168.1.1/24"), ip("::ffff:c0a8:01ff"), 127),
            0
        );
        assert_eq!(
            compare(ip("::192.168.1.1/30"), ip("192.168.1.255/24"), 127),
            0
        );
        assert_eq!(compare(ip("fe80::1"), ip("fe80::2"), 128), -1);
        assert_eq!(compare(ip("fe80::2"), ip("fe80::1"), 128), 1);
        let r = [parse_ipv6("::ffff:c0a8:ac/60"), None];
        assert_eq!(in_any_range(ip("a5e::1"), &r), None);
        assert_eq!(in_any_range(ip("a5e::1"), &r[..1]), Some(false));
        assert_eq!(in_any_range(ip("::1"), &r), Some(true));
    }

    #[test]
    fn kernels_with_nulls_and_empty() {
        let out = invoke(
            &udf("parse_ipv6").unwrap(),
            vec![str_col(vec![Some("::1"), None, Some("")])],
        );
        assert_eq!(
            strings(&out),
            vec![
                Some("0000:0000:0000:0000:0000:0000:0000:0001".to_string()),
                Some(String::new()),
                Some(String::new())
            ]
        );
        let out = invoke(
            &udf("ipv6_is_in_range").unwrap(),
            vec![
                str_col(vec![Some("fe80::1"), None, Some("")]),
                str_lit("fe80::/64"),
            ],
        );
        let out: Vec<_> = out.as_boolean().iter().collect();
        assert_eq!(out, vec![Some(true), None, None]);
    }
}
