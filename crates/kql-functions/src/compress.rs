//! `gzip_compress_to_base64_string`, `gzip_decompress_from_base64_string`,
//! `zlib_compress_to_base64_string`, `zlib_decompress_from_base64_string`.
//!
//! Compression writes what the documentation shows Kusto writing
//! (gzip-base64-compress.md, zlib-base64-compress-function.md): deflate
//! *stored* blocks (no compression), a gzip header with mtime 0, XFL 0 and
//! OS 255, and a zlib header `78 01`. Decompression accepts any valid
//! stream; input that is not base64 or not a valid stream gives ""
//! (gzip-base64-decompress.md), and bytes that are not UTF-8 are decoded
//! lossily. Null input is the empty string.

use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use flate2::read::{GzDecoder, ZlibDecoder};
use std::io::Read as _;
use std::sync::Arc;

/// Raw deflate of `data` as stored blocks (at most 65535 bytes each).
fn stored_deflate(data: &[u8], out: &mut Vec<u8>) {
    let mut chunks = data.chunks(65535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
        return;
    }
    while let Some(c) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let n = c.len() as u16;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(c);
    }
}

/// A gzip member holding `data`.
pub fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    stored_deflate(data, &mut out);
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// A zlib stream holding `data`.
pub fn zlib_bytes(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    stored_deflate(data, &mut out);
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// The text inside base64 `b64` of a gzip (`gzip`) or zlib stream.
pub fn decompress(b64: &str, gzip: bool) -> Option<String> {
    let bytes = STANDARD.decode(b64.trim()).ok()?;
    let mut out = Vec::new();
    if gzip {
        GzDecoder::new(&bytes[..]).read_to_end(&mut out).ok()?;
    } else {
        ZlibDecoder::new(&bytes[..]).read_to_end(&mut out).ok()?;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn run(a: &Args, f: impl Fn(&str) -> Option<String>) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 32);
    for i in 0..a.rows {
        let v = f(a.cols[0].str(i).unwrap_or(""));
        out.append_value(v.as_deref().unwrap_or(""));
    }
    Ok(Arc::new(out.finish()))
}

fn gzip_compress_kernel(a: &Args) -> Result<ArrayRef> {
    run(a, |s| Some(STANDARD.encode(gzip_bytes(s.as_bytes()))))
}
fn zlib_compress_kernel(a: &Args) -> Result<ArrayRef> {
    run(a, |s| Some(STANDARD.encode(zlib_bytes(s.as_bytes()))))
}
fn gzip_decompress_kernel(a: &Args) -> Result<ArrayRef> {
    run(a, |s| decompress(s, true))
}
fn zlib_decompress_kernel(a: &Args) -> Result<ArrayRef> {
    run(a, |s| decompress(s, false))
}

const ONE: &[Read] = &[Read::Str];

fn udf(name: &str) -> Option<KernelUdf> {
    let (udf_name, kernel): (&'static str, crate::udf::Kernel) = match name {
        "gzip_compress_to_base64_string" => ("kql_gzip_compress", gzip_compress_kernel),
        "gzip_decompress_from_base64_string" => ("kql_gzip_decompress", gzip_decompress_kernel),
        "zlib_compress_to_base64_string" => ("kql_zlib_compress", zlib_compress_kernel),
        "zlib_decompress_from_base64_string" => ("kql_zlib_decompress", zlib_decompress_kernel),
        _ => return None,
    };
    Some(KernelUdf::new(udf_name, DataType::Utf8, ONE, kernel))
}

/// The KQL functions of this module (one string in, one string out).
pub const COMPRESS_FUNCTIONS: &[&str] = &[
    "gzip_compress_to_base64_string",
    "gzip_decompress_from_base64_string",
    "zlib_compress_to_base64_string",
    "zlib_decompress_from_base64_string",
];

/// `kql_<name>(text)`.
pub fn compress_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_compress_udfs() -> Vec<ScalarUDF> {
    COMPRESS_FUNCTIONS
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
    fn compresses_as_documented() {
        assert_eq!(
            STANDARD.encode(gzip_bytes(b"1234567890qwertyuiop")),
            "H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA=="
        );
        assert_eq!(
            STANDARD.encode(zlib_bytes(b"1234567890qwertyuiop")),
            "eAEBFADr/zEyMzQ1Njc4OTBxd2VydHl1aW9wOAkGdw=="
        );
    }

    #[test]
    fn round_trips_and_rejects_garbage() {
        let big = "abc".repeat(40_000);
        for s in ["", "x", big.as_str()] {
            let g = STANDARD.encode(gzip_bytes(s.as_bytes()));
            assert_eq!(decompress(&g, true).as_deref(), Some(s));
            let z = STANDARD.encode(zlib_bytes(s.as_bytes()));
            assert_eq!(decompress(&z, false).as_deref(), Some(s));
        }
        assert_eq!(
            decompress("eJwLSS0uUSguKcrMS1cwNDIGACxqBQ4=", false).as_deref(),
            Some("Test string 123")
        );
        assert_eq!(decompress("x0x0x0", true), None);
        let out = invoke(
            &udf("gzip_decompress_from_base64_string").unwrap(),
            vec![str_col(vec![Some("x0x0x0"), None, Some("")])],
        );
        assert_eq!(
            strings(&out),
            vec![
                Some(String::new()),
                Some(String::new()),
                Some(String::new())
            ]
        );
    }
}
