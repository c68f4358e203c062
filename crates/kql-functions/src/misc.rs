//! `punycode_from_string`, `punycode_to_string`,
//! `punycode_domain_from_string`, `punycode_domain_to_string`,
//! `datetime_local_to_utc`, `datetime_utc_to_local`.
//!
//! Punycode is RFC 3492 without IDNA mapping (case and spaces are kept;
//! punycode-from-string-function.md). A domain is split into labels on `.`
//! (and the ideographic full stops `。` `｡` `．`); a label with non-ASCII
//! characters is written `xn--<punycode>`, and `xn--` labels are decoded
//! back. Text that does not encode or decode gives "".
//!
//! The time zone functions take IANA zone names (timezones.md); an unknown
//! zone gives null, as does a local time that a daylight-saving gap skips.
//! A local time that occurs twice (the autumn overlap) is the earlier one.
//! `datetime_list_timezones()` lists the zone names kql knows (the IANA
//! database compiled into chrono-tz), sorted.

use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use chrono::{DateTime, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use datafusion::arrow::array::{ArrayRef, StringBuilder, TimestampNanosecondBuilder};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use idna::punycode;
use std::sync::Arc;

/// `datetime_list_timezones()`: the IANA zone names, sorted, as a JSON array.
pub fn timezone_names_json() -> String {
    let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    names.sort_unstable();
    let mut out = String::from("[");
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // zone names are ASCII letters, digits, '/', '_', '-' and '+'
        out.push('"');
        out.push_str(n);
        out.push('"');
    }
    out.push(']');
    out
}

/// Punycode of `s` ("" when it cannot be encoded).
pub fn punycode_encode(s: &str) -> Option<String> {
    punycode::encode_str(s)
}

/// The text of punycode `s`.
pub fn punycode_decode(s: &str) -> Option<String> {
    punycode::decode_to_string(s)
}

fn labels(domain: &str) -> impl Iterator<Item = &str> {
    domain.split(['.', '\u{3002}', '\u{ff61}', '\u{ff0e}'])
}

/// A domain with its non-ASCII labels as `xn--` punycode.
pub fn domain_encode(domain: &str) -> Option<String> {
    let mut out = Vec::new();
    for l in labels(domain) {
        if l.is_ascii() {
            out.push(l.to_string());
        } else {
            out.push(format!("xn--{}", punycode_encode(l)?));
        }
    }
    Some(out.join("."))
}

/// A domain with its `xn--` labels decoded.
pub fn domain_decode(domain: &str) -> Option<String> {
    let mut out = Vec::new();
    for l in labels(domain) {
        match l.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("xn--") => out.push(punycode_decode(&l[4..])?),
            _ => out.push(l.to_string()),
        }
    }
    Some(out.join("."))
}

fn string_kernel(a: &Args, f: fn(&str) -> Option<String>) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    for i in 0..a.rows {
        let v = f(a.cols[0].str(i).unwrap_or(""));
        out.append_value(v.as_deref().unwrap_or(""));
    }
    Ok(Arc::new(out.finish()))
}

fn from_string_kernel(a: &Args) -> Result<ArrayRef> {
    string_kernel(a, punycode_encode)
}
fn to_string_kernel(a: &Args) -> Result<ArrayRef> {
    string_kernel(a, punycode_decode)
}
fn domain_from_kernel(a: &Args) -> Result<ArrayRef> {
    string_kernel(a, domain_encode)
}
fn domain_to_kernel(a: &Args) -> Result<ArrayRef> {
    string_kernel(a, domain_decode)
}

fn naive(ns: i64) -> NaiveDateTime {
    DateTime::from_timestamp_nanos(ns).naive_utc()
}

fn to_ns(t: NaiveDateTime) -> Option<i64> {
    t.and_utc().timestamp_nanos_opt()
}

/// The UTC instant of local time `ns` (as nanoseconds) in `tz`.
pub fn local_to_utc(ns: i64, tz: Tz) -> Option<i64> {
    let local = tz.from_local_datetime(&naive(ns)).earliest()?;
    to_ns(local.naive_utc())
}

/// The local time in `tz` of the UTC instant `ns`.
pub fn utc_to_local(ns: i64, tz: Tz) -> Option<i64> {
    to_ns(tz.from_utc_datetime(&naive(ns)).naive_local())
}

fn tz_kernel(a: &Args, f: fn(i64, Tz) -> Option<i64>) -> Result<ArrayRef> {
    let constant: Option<Option<Tz>> = a.cols[1]
        .is_scalar()
        .then(|| a.cols[1].str(0).and_then(|s| s.parse().ok()));
    let mut out = TimestampNanosecondBuilder::with_capacity(a.rows);
    for i in 0..a.rows {
        let tz = match constant {
            Some(tz) => tz,
            None => a.cols[1].str(i).and_then(|s| s.parse().ok()),
        };
        out.append_option(a.cols[0].i64(i).zip(tz).and_then(|(t, tz)| f(t, tz)));
    }
    Ok(Arc::new(out.finish()))
}

fn local_to_utc_kernel(a: &Args) -> Result<ArrayRef> {
    tz_kernel(a, local_to_utc)
}
fn utc_to_local_kernel(a: &Args) -> Result<ArrayRef> {
    tz_kernel(a, utc_to_local)
}

const ONE: &[Read] = &[Read::Str];
const TIME_ZONE: &[Read] = &[Read::I64, Read::Str];

fn udf(name: &str) -> Option<KernelUdf> {
    let ts = DataType::Timestamp(TimeUnit::Nanosecond, None);
    Some(match name {
        "punycode_from_string" => KernelUdf::new(
            "kql_punycode_from_string",
            DataType::Utf8,
            ONE,
            from_string_kernel,
        ),
        "punycode_to_string" => KernelUdf::new(
            "kql_punycode_to_string",
            DataType::Utf8,
            ONE,
            to_string_kernel,
        ),
        "punycode_domain_from_string" => KernelUdf::new(
            "kql_punycode_domain_from_string",
            DataType::Utf8,
            ONE,
            domain_from_kernel,
        ),
        "punycode_domain_to_string" => KernelUdf::new(
            "kql_punycode_domain_to_string",
            DataType::Utf8,
            ONE,
            domain_to_kernel,
        ),
        "datetime_local_to_utc" => KernelUdf::new(
            "kql_datetime_local_to_utc",
            ts,
            TIME_ZONE,
            local_to_utc_kernel,
        ),
        "datetime_utc_to_local" => KernelUdf::new(
            "kql_datetime_utc_to_local",
            ts,
            TIME_ZONE,
            utc_to_local_kernel,
        ),
        _ => return None,
    })
}

/// The KQL functions of this module.
pub const MISC_FUNCTIONS: &[&str] = &[
    "punycode_from_string",
    "punycode_to_string",
    "punycode_domain_from_string",
    "punycode_domain_to_string",
    "datetime_local_to_utc",
    "datetime_utc_to_local",
];

/// `kql_<name>(args)`: strings; the time zone functions take the datetime
/// as Int64 nanoseconds and the zone name.
pub fn misc_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_misc_udfs() -> Vec<ScalarUDF> {
    MISC_FUNCTIONS
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::TimestampNanosecondType;

    #[test]
    fn timezone_list() {
        let json = timezone_names_json();
        let names: Vec<String> = serde_json::from_str(&json).unwrap();
        assert!(names.len() > 400);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        for tz in ["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata"] {
            assert!(names.iter().any(|n| n == tz), "{tz}");
        }
    }

    #[test]
    fn punycode_round_trip() {
        assert_eq!(
            punycode_encode("académie-française").as_deref(),
            Some("acadmie-franaise-npb1a")
        );
        assert_eq!(
            punycode_decode("acadmie-franaise-npb1a").as_deref(),
            Some("académie-française")
        );
        assert_eq!(
            domain_encode("Riðill｡Skáldskaparmál｡org").as_deref(),
            Some("xn--Riill-jta.xn--Skldskaparml-dbbj.org")
        );
        assert_eq!(
            domain_decode("xn--Riill-jta.xn--Skldskaparml-dbbj.org").as_deref(),
            Some("Riðill.Skáldskaparmál.org")
        );
        assert_eq!(domain_decode("xn--\u{1}").as_deref(), None);
        let out = invoke(
            &udf("punycode_to_string").unwrap(),
            vec![str_col(vec![
                Some("acadmie-franaise-npb1a"),
                None,
                Some(""),
            ])],
        );
        assert_eq!(
            strings(&out),
            vec![
                Some("académie-française".to_string()),
                Some(String::new()),
                Some(String::new())
            ]
        );
    }

    #[test]
    fn time_zones() {
        let t = |s: &str| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                .unwrap()
                .and_utc()
                .timestamp_nanos_opt()
                .unwrap()
        };
        let paris: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(
            local_to_utc(t("2020-02-02 20:02:20"), paris),
            Some(t("2020-02-02 19:02:20"))
        );
        assert_eq!(
            utc_to_local(t("2020-07-01 00:00:00"), paris),
            Some(t("2020-07-01 02:00:00"))
        );
        // skipped by the spring change
        assert_eq!(local_to_utc(t("2020-03-29 02:30:00"), paris), None);
        let out = invoke(
            &udf("datetime_local_to_utc").unwrap(),
            vec![
                datafusion::logical_expr::ColumnarValue::Array(Arc::new(
                    datafusion::arrow::array::Int64Array::from(vec![
                        Some(t("2020-02-02 20:02:20")),
                        None,
                    ]),
                )),
                str_lit("Nowhere/Special"),
            ],
        );
        let out = out.as_primitive::<TimestampNanosecondType>();
        assert!(out.is_null(0) && out.is_null(1));
    }
}
