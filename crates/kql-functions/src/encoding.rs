//! Encodings and hashes: `base64_encode_tostring`, `base64_decode_tostring`,
//! `base64_decode_toarray`, `base64_encode_fromarray`,
//! `base64_decode_toguid`, `base64_encode_fromguid`, `hash_md5`, `hash_sha1`, `hash_sha256`, `hash` /
//! `hash_xxhash64`, and the round-trip text of a datetime those hash.
//!
//! * base64 is the standard alphabet with `=` padding required (.NET's
//!   `Convert.FromBase64String`: whitespace is skipped, unpadded text is
//!   invalid). Decoding invalid base64 gives null (`toarray`, `toguid`) or
//!   "" (`tostring`, also when the bytes are not UTF-8; a string is never
//!   null).
//! * `kql_base64_encode_fromarray(json)`: an array of integers 0..=255;
//!   anything else gives "".
//! * `kql_base64_decode_toguid(s)`: 16 bytes as a .NET `Guid(byte[])` (the
//!   first three groups little-endian, as base64_encode_fromguid-function.md
//!   shows); not 16 bytes gives null.
//! * `kql_base64_encode_fromguid(guid)`: the inverse, the GUID's 16 bytes in
//!   .NET's `Guid.ToByteArray()` order (base64_encode_fromguid-function.md:
//!   `ae3133f2-6e22-49ae-b06a-16e6a9b212eb` is `8jMxriJurkmwahbmqbIS6w==`);
//!   a null GUID gives "".
//! * `kql_hash_md5/sha1/sha256(text)`: lower-case hex of the digest of the
//!   UTF-8 text. A datetime is hashed as its round-trip text
//!   `yyyy-MM-ddTHH:mm:ss.fffffffZ` (`kql_datetime_roundtrip_text`; the
//!   documented `hash_md5(datetime(2020-01-01))` is the MD5 of
//!   `2020-01-01T00:00:00.0000000Z`).
//! * `kql_xxhash64(text[, mod])`: XXH64 (seed 0) of the UTF-8 text;
//!   `kql_xxhash64_ticks(ns[, mod])`: of the datetime's 100 ns ticks since
//!   0001-01-01 as 8 little-endian bytes (hash-function.md:
//!   `hash(datetime("2015-01-01"))` is 1380966698541616202). The hash is the
//!   64 bits read as a signed long; with `mod`, the unsigned hash modulo
//!   `mod`, in `0..mod`; a `mod` < 1 gives null.

use crate::columnar::{Args, Col, Read};
use crate::dynamic::arrays::array_elements;
use crate::dynamic::{Kind, kind};
use crate::format::format_datetime;
use crate::udf::KernelUdf;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use datafusion::arrow::array::{ArrayRef, Int64Builder, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::fmt::Write;
use std::sync::Arc;

/// Ticks (100 ns) from 0001-01-01 to the Unix epoch.
const EPOCH_TICKS: i64 = 621_355_968_000_000_000;

const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Decode base64 text (ASCII whitespace skipped); `None` when invalid.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    if s.bytes().any(|b| b.is_ascii_whitespace()) {
        let t: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        return B64.decode(t).ok();
    }
    B64.decode(s).ok()
}

pub fn base64_encode(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// 16 bytes as a .NET guid's text.
pub fn guid_text(b: &[u8; 16], out: &mut String) {
    let _ = write!(
        out,
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-",
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]
    );
    for (i, x) in b[8..].iter().enumerate() {
        if i == 2 {
            out.push('-');
        }
        let _ = write!(out, "{x:02x}");
    }
}

/// The 16 bytes of GUID text `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in .NET
/// `Guid.ToByteArray()` order (the inverse of [`guid_text`]).
pub fn guid_bytes(text: &str) -> Option<[u8; 16]> {
    let mut display = [0u8; 16];
    let mut n = 0;
    let mut high: Option<u8> = None;
    for c in text.bytes().filter(|c| *c != b'-') {
        let d = (c as char).to_digit(16)? as u8;
        match high.take() {
            None => high = Some(d),
            Some(h) => {
                *display.get_mut(n)? = h << 4 | d;
                n += 1;
            }
        }
    }
    if n != 16 || high.is_some() {
        return None;
    }
    let mut b = display;
    b[..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// The bytes of a JSON array of integers 0..=255.
pub fn bytes_of_array(json: &str) -> Option<Vec<u8>> {
    array_elements(json)?
        .into_iter()
        .map(|e| {
            if kind(e) != Some(Kind::Number) {
                return None;
            }
            u8::try_from(e.parse::<i64>().ok()?).ok()
        })
        .collect()
}

/// A datetime (ns since the Unix epoch) as `yyyy-MM-ddTHH:mm:ss.fffffffZ`.
pub fn roundtrip_text(ns: i64, out: &mut String) {
    let t = format_datetime(ns);
    let body = t.strip_suffix('Z').unwrap_or(&t);
    out.push_str(body);
    let digits = body.split_once('.').map_or(0, |(_, f)| f.len());
    if digits == 0 {
        out.push('.');
    }
    for _ in digits..7 {
        out.push('0');
    }
    out.push('Z');
}

/// XXH64 with seed 0.
pub fn xxhash64(bytes: &[u8]) -> u64 {
    twox_hash::XxHash64::oneshot(0, bytes)
}

/// The 100 ns ticks since 0001-01-01 of a datetime in ns since the epoch.
pub fn ticks(ns: i64) -> i64 {
    ns.div_euclid(100) + EPOCH_TICKS
}

fn hex(bytes: &[u8], out: &mut String) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

// ---- kernels -------------------------------------------------------------

fn str_rows(a: &Args, mut f: impl FnMut(usize, &mut String) -> bool) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    let mut buf = String::new();
    for i in 0..a.rows {
        buf.clear();
        if f(i, &mut buf) {
            out.append_value(&buf);
        } else {
            out.append_null();
        }
    }
    Ok(Arc::new(out.finish()))
}

fn text(c: &Col, i: usize) -> &str {
    c.str(i).unwrap_or("")
}

fn encode_tostring(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        B64.encode_string(text(&a.cols[0], i), buf);
        true
    })
}

fn decode_tostring(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        if let Some(b) = base64_decode(text(&a.cols[0], i))
            && let Ok(s) = std::str::from_utf8(&b)
        {
            buf.push_str(s);
        }
        true
    })
}

fn decode_toarray(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        let Some(b) = base64_decode(text(&a.cols[0], i)) else {
            return false;
        };
        buf.push('[');
        for (k, x) in b.iter().enumerate() {
            if k > 0 {
                buf.push(',');
            }
            let _ = write!(buf, "{x}");
        }
        buf.push(']');
        true
    })
}

fn encode_fromarray(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        if let Some(b) = a.cols[0].str(i).and_then(bytes_of_array) {
            B64.encode_string(b, buf);
        }
        true
    })
}

fn decode_toguid(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        let Some(b) = base64_decode(text(&a.cols[0], i)) else {
            return false;
        };
        let Ok(b) = <[u8; 16]>::try_from(b.as_slice()) else {
            return false;
        };
        guid_text(&b, buf);
        true
    })
}

fn encode_fromguid(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        if let Some(b) = a.cols[0].str(i).and_then(guid_bytes) {
            B64.encode_string(b, buf);
        }
        true
    })
}

fn digest_kernel<D: sha2::Digest>(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| {
        hex(&D::digest(text(&a.cols[0], i).as_bytes()), buf);
        true
    })
}

fn roundtrip_kernel(a: &Args) -> Result<ArrayRef> {
    str_rows(a, |i, buf| match a.cols[0].i64(i) {
        Some(ns) => {
            roundtrip_text(ns, buf);
            true
        }
        None => false,
    })
}

fn hash_rows(a: &Args, h: impl Fn(usize) -> Option<u64>) -> Result<ArrayRef> {
    let mut out = Int64Builder::with_capacity(a.rows);
    for i in 0..a.rows {
        let v = h(i).and_then(|h| match a.cols.get(1) {
            None => Some(h as i64),
            Some(m) => {
                let m = m.i64(i).filter(|m| *m >= 1)?;
                Some((h % m as u64) as i64)
            }
        });
        out.append_option(v);
    }
    Ok(Arc::new(out.finish()))
}

fn xxhash_text(a: &Args) -> Result<ArrayRef> {
    hash_rows(a, |i| Some(xxhash64(text(&a.cols[0], i).as_bytes())))
}

fn xxhash_ticks(a: &Args) -> Result<ArrayRef> {
    hash_rows(a, |i| {
        a.cols[0]
            .i64(i)
            .map(|ns| xxhash64(&ticks(ns).to_le_bytes()))
    })
}

const S: &[Read] = &[Read::Str];
const S_I: &[Read] = &[Read::Str, Read::I64];
const I: &[Read] = &[Read::I64];

/// The KQL-facing names with a UDF here (`datetime_roundtrip_text` and
/// `xxhash64_ticks` are helpers the binder picks by argument type).
pub const NAMES: &[&str] = &[
    "base64_encode_tostring",
    "base64_decode_tostring",
    "base64_decode_toarray",
    "base64_encode_fromarray",
    "base64_decode_toguid",
    "base64_encode_fromguid",
    "hash_md5",
    "hash_sha1",
    "hash_sha256",
    "xxhash64",
    "xxhash64_ticks",
    "datetime_roundtrip_text",
];

fn udf(name: &str) -> Option<KernelUdf> {
    use DataType::{Int64, Utf8};
    let (n, ret, reads, k): (&'static str, DataType, &'static [Read], crate::udf::Kernel) =
        match name {
            "base64_encode_tostring" => ("kql_base64_encode_tostring", Utf8, S, encode_tostring),
            "base64_decode_tostring" => ("kql_base64_decode_tostring", Utf8, S, decode_tostring),
            "base64_decode_toarray" => ("kql_base64_decode_toarray", Utf8, S, decode_toarray),
            "base64_encode_fromarray" => ("kql_base64_encode_fromarray", Utf8, S, encode_fromarray),
            "base64_decode_toguid" => ("kql_base64_decode_toguid", Utf8, S, decode_toguid),
            "base64_encode_fromguid" => ("kql_base64_encode_fromguid", Utf8, S, encode_fromguid),
            "hash_md5" => ("kql_hash_md5", Utf8, S, digest_kernel::<md5::Md5>),
            "hash_sha1" => ("kql_hash_sha1", Utf8, S, digest_kernel::<sha1::Sha1>),
            "hash_sha256" => ("kql_hash_sha256", Utf8, S, digest_kernel::<sha2::Sha256>),
            "xxhash64" => ("kql_xxhash64", Int64, S_I, xxhash_text),
            "xxhash64_ticks" => ("kql_xxhash64_ticks", Int64, I, xxhash_ticks),
            "datetime_roundtrip_text" => ("kql_datetime_roundtrip_text", Utf8, I, roundtrip_kernel),
            _ => return None,
        };
    Some(KernelUdf::new(n, ret, reads, k))
}

/// The call of the UDF for `name` (one of [`NAMES`]) over `args`.
pub fn encoding_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_encoding_udfs() -> Vec<ScalarUDF> {
    NAMES
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
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::common::ScalarValue;
    use datafusion::logical_expr::ColumnarValue;

    #[test]
    fn base64_round_trips() {
        let u = udf("base64_encode_tostring").unwrap();
        assert_eq!(
            strings(&invoke(
                &u,
                vec![str_col(vec![Some("Kusto"), None, Some("")])]
            )),
            vec![Some("S3VzdG8=".into()), Some("".into()), Some("".into())]
        );
        let u = udf("base64_decode_tostring").unwrap();
        assert_eq!(
            strings(&invoke(
                &u,
                vec![str_col(vec![
                    Some("S3VzdG8="),
                    Some("U3RyaW5n0KHR0tGA0L7Rh9C60LA="),
                    Some("!!"),
                    None
                ])]
            )),
            vec![
                Some("Kusto".into()),
                Some("".into()),
                Some("".into()),
                Some("".into())
            ]
        );
        let u = udf("base64_decode_toarray").unwrap();
        let out = invoke(
            &u,
            vec![str_col(vec![Some("S3VzdG8="), Some("S3VzdG8"), Some("")])],
        );
        assert_eq!(
            strings(&out),
            vec![Some("[75,117,115,116,111]".into()), None, Some("[]".into())]
        );
        let u = udf("base64_encode_fromarray").unwrap();
        assert_eq!(
            strings(&invoke(
                &u,
                vec![str_col(vec![
                    Some("[75,117,115,116,111]"),
                    Some("[256]"),
                    None
                ])]
            )),
            vec![Some("S3VzdG8=".into()), Some("".into()), Some("".into())]
        );
    }

    #[test]
    fn guid_is_dotnet_byte_order() {
        let u = udf("base64_decode_toguid").unwrap();
        let out = invoke(
            &u,
            vec![str_col(vec![
                Some("8jMxriJurkmwahbmqbIS6w=="),
                Some("abcd1231"),
            ])],
        );
        assert_eq!(
            strings(&out),
            vec![Some("ae3133f2-6e22-49ae-b06a-16e6a9b212eb".into()), None]
        );
        // base64_encode_fromguid-function.md; the inverse
        let u = udf("base64_encode_fromguid").unwrap();
        let out = invoke(
            &u,
            vec![str_col(vec![
                Some("ae3133f2-6e22-49ae-b06a-16e6a9b212eb"),
                Some("AE3133F2-6E22-49AE-B06A-16E6A9B212EB"),
                None,
            ])],
        );
        assert_eq!(
            strings(&out),
            vec![
                Some("8jMxriJurkmwahbmqbIS6w==".into()),
                Some("8jMxriJurkmwahbmqbIS6w==".into()),
                Some("".into())
            ]
        );
        assert_eq!(guid_bytes("ae3133f2-6e22-49ae-b06a-16e6a9b212e"), None);
        assert_eq!(guid_bytes("ae3133f2-6e22-49ae-b06a-16e6a9b212ebff"), None);
    }

    #[test]
    fn documented_hashes() {
        let u = udf("hash_md5").unwrap();
        assert_eq!(
            strings(&invoke(
                &u,
                vec![str_col(vec![
                    Some("World"),
                    Some("2020-01-01T00:00:00.0000000Z")
                ])]
            )),
            vec![
                Some("f5a7924e621e84c9280a9a27e1bcb7f6".into()),
                Some("786c530672d1f8db31fee25ea8a9390b".into())
            ]
        );
        let u = udf("hash_sha1").unwrap();
        assert_eq!(
            strings(&invoke(&u, vec![str_lit("World")])),
            vec![Some("70c07ec18ef89c5309bbb0937f3a6342411e1fdd".into())]
        );
        let u = udf("hash_sha256").unwrap();
        assert_eq!(
            strings(&invoke(&u, vec![str_lit("World")])),
            vec![Some(
                "78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524".into()
            )]
        );
        let mut s = String::new();
        roundtrip_text(1_577_836_800_000_000_000, &mut s);
        assert_eq!(s, "2020-01-01T00:00:00.0000000Z");
        s.clear();
        roundtrip_text(1_577_836_800_123_400_000, &mut s);
        assert_eq!(s, "2020-01-01T00:00:00.1234000Z");
        let u = udf("xxhash64").unwrap();
        let out = invoke(&u, vec![str_col(vec![Some("World"), None])]);
        let v: Vec<_> = out.as_primitive::<Int64Type>().iter().collect();
        assert_eq!(
            v,
            vec![Some(1846988464401551951), Some(xxhash64(b"") as i64)]
        );
        let out = invoke(&u, vec![str_lit("World"), i64_lit(100)]);
        assert_eq!(out.as_primitive::<Int64Type>().value(0), 51);
        let out = invoke(&u, vec![str_lit("World"), i64_lit(0)]);
        assert!(out.is_null(0));
        let u = udf("xxhash64_ticks").unwrap();
        let out = invoke(
            &u,
            vec![ColumnarValue::Scalar(ScalarValue::Int64(Some(
                1_420_070_400_000_000_000,
            )))],
        );
        assert_eq!(
            out.as_primitive::<Int64Type>().value(0),
            1380966698541616202
        );
    }
}
