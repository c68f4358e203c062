//! Assorted scalar functions: `toguid`, `new_guid`, `format_bytes`,
//! `jaccard_index`, and the `range()` scalar.
//!
//! * `toguid(s)` (toguid-function.md): the first 32 hexadecimal digits of
//!   the text, with a hyphen allowed (once) after the 8th, 12th, 16th and
//!   20th digit; the rest of the text is ignored. Anything else gives null.
//!   The guid is written lower-case `8-4-4-4-12`.
//! * `new_guid()`: a random version-4 guid, a new one per row.
//! * `format_bytes(size, precision = 0, units = "", base = 2)`
//!   (format-bytes-function.md): `size` in `units` (`Bytes`, `KB`, `MB`,
//!   `GB`, `TB`, `PB`, `EB`, any case), rounded to `precision` decimals,
//!   then a space and the unit. Without units, the largest unit whose size
//!   the value reaches (by its absolute value). Base 2 steps by 1024, base
//!   10 by 1000. A null size gives ""; so do an unknown unit, a base other
//!   than 2 or 10, or a negative precision (Kusto fails these; a string
//!   cannot be null).
//! * `jaccard_index(a, b)` (jaccard-index-function.md): |a ∩ b| / |a ∪ b|
//!   over the distinct elements (equal as JSON values); NaN when both are
//!   empty; null when either is not an array.
//! * `range(start, stop, step)` (range-function.md): the dynamic array
//!   `start, start + step, ...` while the value has not passed `stop` (a
//!   negative step counts down); at most 1,048,576 elements; `[]` when
//!   `start` is already past `stop`; null when an argument is null or the
//!   step is 0. Longs, reals, datetimes and timespans; datetimes and
//!   timespans are written as their Kusto text.
//! * `array_sort_asc(keys, values, ...)[k]` / `array_sort_desc` (the k-th
//!   result of a sort of several arrays, array-sort-asc-function.md):
//!   `kql_array_sort_<dir>_by(keys, values, nulls_last)` orders `values` as
//!   sorting `keys` (stable, the order of `array_sort_*`) orders them; null
//!   when either is not an array or their lengths differ.
//! * `todecimal(x)` of text or a real: decimal text with an optional
//!   exponent (`1.5e-5`), exact, rounded half to even to the 18 decimals of
//!   the decimal type; a real converts from its 15 significant digits (as
//!   .NET's `(decimal)double` does: 0.1 + 0.2 is 0.3). Null when the text
//!   is not a number or the value does not fit.

use crate::dynamic::arrays::array_elements;
use crate::dynamic::{Kind, kind, unquote, write_json_string};
use crate::format::{format_datetime, format_timespan};
use crate::typed_udf::{TypedArgs, TypedUdf};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Builder, Float64Builder, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::collections::HashSet;
use std::fmt::Write;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

/// The guid of `s` as `toguid()` reads it.
pub fn parse_guid(s: &str) -> Option<String> {
    let mut digits = [0u8; 32];
    let mut n = 0;
    let mut hyphen_at = usize::MAX;
    for c in s.bytes() {
        if n == 32 {
            break;
        }
        if c == b'-' && matches!(n, 8 | 12 | 16 | 20) && hyphen_at != n {
            hyphen_at = n;
            continue;
        }
        if !c.is_ascii_hexdigit() {
            return None;
        }
        digits[n] = c.to_ascii_lowercase();
        n += 1;
    }
    if n < 32 {
        return None;
    }
    Some(write_guid(&digits))
}

fn write_guid(d: &[u8; 32]) -> String {
    let mut out = String::with_capacity(36);
    for (i, c) in d.iter().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(*c as char);
    }
    out
}

fn toguid_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    let s = a[0].as_string::<i32>();
    let out: StringArray = (0..rows)
        .map(|i| (!s.is_null(i)).then(|| parse_guid(s.value(i))).flatten())
        .collect();
    Ok(Arc::new(out))
}

/// 128 random bits from the process's randomly keyed hasher.
fn random_u128(counter: u64) -> u128 {
    let state = std::collections::hash_map::RandomState::new();
    let mut h = state.build_hasher();
    h.write_u64(counter);
    let a = h.finish();
    h.write_u64(a);
    let b = h.finish();
    (u128::from(a) << 64) | u128::from(b)
}

/// A random version-4 guid.
pub fn new_guid(counter: u64) -> String {
    let mut v = random_u128(counter);
    v = (v & !(0xf << 76)) | (0x4 << 76); // version 4
    v = (v & !(0x3 << 62)) | (0x2 << 62); // variant 10
    let hex = format!("{v:032x}");
    let mut d = [0u8; 32];
    d.copy_from_slice(hex.as_bytes());
    write_guid(&d)
}

fn new_guid_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let rows = c.rows;
    let out: StringArray = (0..rows).map(|i| Some(new_guid(i as u64))).collect();
    Ok(Arc::new(out))
}

/// The decimal scale of KQL's decimal type (Decimal128(38, 18)).
const DECIMAL_SCALE: i32 = 18;

/// Decimal text (`-12.5`, `1e19`, `.5`) as the unscaled value of a
/// Decimal128(38, 18); `None` when it is not a number or does not fit.
pub fn parse_decimal(text: &str) -> Option<i128> {
    let t = text.trim();
    let (neg, t) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (whole, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{frac}");
    let digits = digits.trim_start_matches('0');
    // value = digits * 10^shift at the target scale
    let shift = DECIMAL_SCALE + exp - frac.len() as i32;
    let mut v: i128 = 0;
    let keep = if shift >= 0 {
        digits.len()
    } else {
        digits.len().saturating_sub(shift.unsigned_abs() as usize)
    };
    for b in digits[..keep].bytes() {
        v = v.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    if shift > 0 {
        if v != 0 {
            v = v.checked_mul(10i128.checked_pow(shift as u32)?)?;
        }
    } else if keep < digits.len() {
        // round the dropped digits half to even
        let dropped = &digits[keep..];
        let first = dropped.as_bytes()[0];
        let rest_zero = dropped[1..].bytes().all(|b| b == b'0');
        let up = first > b'5' || (first == b'5' && (!rest_zero || v % 2 == 1));
        if up {
            v = v.checked_add(1)?;
        }
    }
    if v >= 10i128.pow(38) {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// A real as a decimal: its 15 significant digits.
pub fn real_to_decimal(v: f64) -> Option<i128> {
    if !v.is_finite() {
        return None;
    }
    parse_decimal(&format!("{v:.14e}"))
}

fn decimal_builder(rows: usize) -> Result<Decimal128Builder> {
    Ok(Decimal128Builder::with_capacity(rows).with_precision_and_scale(38, DECIMAL_SCALE as i8)?)
}

fn todecimal_str_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    let s = a[0].as_string::<i32>();
    let mut out = decimal_builder(rows)?;
    for i in 0..rows {
        out.append_option(s.is_valid(i).then(|| parse_decimal(s.value(i))).flatten());
    }
    Ok(Arc::new(out.finish()))
}

fn todecimal_real_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    let r = a[0].as_primitive::<Float64Type>();
    let mut out = decimal_builder(rows)?;
    for i in 0..rows {
        out.append_option(r.is_valid(i).then(|| real_to_decimal(r.value(i))).flatten());
    }
    Ok(Arc::new(out.finish()))
}

const UNITS: [&str; 7] = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"];

/// .NET `Math.Round(v, digits)`: halves to even.
fn round_even(v: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    let x = v * p;
    let r = x.round();
    let r = if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    };
    r / p
}

/// The `format_bytes` text; `None` for arguments Kusto rejects.
pub fn format_bytes(size: f64, precision: i64, units: &str, base: i64) -> Option<String> {
    let step = match base {
        2 => 1024f64,
        10 => 1000f64,
        _ => return None,
    };
    if !(0..=15).contains(&precision) {
        return None;
    }
    let unit = if units.is_empty() {
        let mut u = 0;
        while u + 1 < UNITS.len() && size.abs() >= step.powi(u as i32 + 1) {
            u += 1;
        }
        u
    } else {
        UNITS.iter().position(|u| u.eq_ignore_ascii_case(units))?
    };
    let v = round_even(size / step.powi(unit as i32), precision as i32);
    let v = if v == 0.0 { 0.0 } else { v };
    Some(format!("{v} {}", UNITS[unit]))
}

fn format_bytes_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    let size = a[0].as_primitive::<Float64Type>();
    let prec = a.get(1).map(|p| p.as_primitive::<Int64Type>());
    let units = a.get(2).map(|u| u.as_string::<i32>());
    let base = a.get(3).map(|b| b.as_primitive::<Int64Type>());
    let mut out = StringBuilder::with_capacity(rows, rows * 8);
    for i in 0..rows {
        let p = match prec {
            Some(p) if p.is_valid(i) => p.value(i),
            _ => 0,
        };
        let u = match units {
            Some(u) if u.is_valid(i) => u.value(i),
            _ => "",
        };
        let b = match base {
            Some(b) if b.is_valid(i) => b.value(i),
            _ => 2,
        };
        let text = size
            .is_valid(i)
            .then(|| format_bytes(size.value(i), p, u, b))
            .flatten();
        out.append_value(text.as_deref().unwrap_or(""));
    }
    Ok(Arc::new(out.finish()))
}

/// The comparison key of a JSON element: strings unescaped and re-quoted,
/// other values by their compact text.
fn element_key(v: &str) -> String {
    let mut out = String::new();
    match kind(v) {
        Some(Kind::String) => match unquote(v) {
            Some(s) => {
                let _ = write_json_string(&s, &mut out);
            }
            None => out.push_str(v),
        },
        _ => out.extend(v.chars().filter(|c| !c.is_whitespace())),
    }
    out
}

/// The Jaccard index of two JSON arrays.
pub fn jaccard(a: &str, b: &str) -> Option<f64> {
    let a: HashSet<String> = array_elements(a)?.into_iter().map(element_key).collect();
    let b: HashSet<String> = array_elements(b)?.into_iter().map(element_key).collect();
    let inter = a.intersection(&b).count();
    let union = a.len() + b.len() - inter;
    Some(inter as f64 / union as f64)
}

fn jaccard_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    let (x, y) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
    let mut out = Float64Builder::with_capacity(rows);
    for i in 0..rows {
        if x.is_null(i) || y.is_null(i) {
            out.append_null();
        } else {
            out.append_option(jaccard(x.value(i), y.value(i)));
        }
    }
    Ok(Arc::new(out.finish()))
}

/// The order of two elements of an array being sorted (`array_sort_*`).
fn sort_order(x: &str, y: &str, desc: bool, nulls_last: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let is_null = |v: &str| kind(v) == Some(Kind::Null);
    match (is_null(x), is_null(y)) {
        (true, true) => Ordering::Equal,
        (true, false) if nulls_last => Ordering::Greater,
        (true, false) => Ordering::Less,
        (false, true) if nulls_last => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => {
            let o = crate::dynamic::array_ops::sort_cmp(x, y);
            if desc { o.reverse() } else { o }
        }
    }
}

/// `values` ordered as sorting `keys` orders them; `None` when either is
/// not an array or their lengths differ.
pub fn sort_by(keys: &str, values: &str, desc: bool, nulls_last: bool) -> Option<String> {
    let k = array_elements(keys)?;
    let v = array_elements(values)?;
    if k.len() != v.len() {
        return None;
    }
    let mut idx: Vec<usize> = (0..k.len()).collect();
    idx.sort_by(|&x, &y| sort_order(k[x], k[y], desc, nulls_last));
    let mut out = String::with_capacity(values.len());
    out.push('[');
    for (n, i) in idx.into_iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        crate::dynamic::arrays::write_element(v[i], &mut out).ok()?;
    }
    out.push(']');
    Some(out)
}

fn sort_by_kernel(a: &[ArrayRef], rows: usize, desc: bool) -> Result<ArrayRef> {
    let (k, v) = (a[0].as_string::<i32>(), a[1].as_string::<i32>());
    let nl = a[2].as_primitive::<Int64Type>();
    let out: StringArray = (0..rows)
        .map(|i| {
            if k.is_null(i) || v.is_null(i) {
                return None;
            }
            let nulls_last = nl.is_null(i) || nl.value(i) != 0;
            sort_by(k.value(i), v.value(i), desc, nulls_last)
        })
        .collect();
    Ok(Arc::new(out))
}

fn sort_asc_by_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    sort_by_kernel(a, rows, false)
}

fn sort_desc_by_kernel(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    sort_by_kernel(a, rows, true)
}

/// At most this many elements.
pub const RANGE_MAX: usize = 1 << 20;

/// The elements of `range(start, stop, step)` over i64 (longs, or datetime
/// / timespan nanoseconds), `None` for a zero step.
pub fn range_i64(start: i64, stop: i64, step: i64) -> Option<Vec<i64>> {
    if step == 0 {
        return None;
    }
    let mut out = Vec::new();
    let mut v = start;
    while out.len() < RANGE_MAX && (if step > 0 { v <= stop } else { v >= stop }) {
        out.push(v);
        match v.checked_add(step) {
            Some(n) => v = n,
            None => break,
        }
    }
    Some(out)
}

/// `range` over reals: `start + k * step`.
pub fn range_f64(start: f64, stop: f64, step: f64) -> Option<Vec<f64>> {
    if step == 0.0 || !(start.is_finite() && stop.is_finite() && step.is_finite()) {
        return None;
    }
    let mut out = Vec::new();
    let mut k = 0f64;
    loop {
        let v = start + k * step;
        if out.len() >= RANGE_MAX || (if step > 0.0 { v > stop } else { v < stop }) {
            break;
        }
        out.push(v);
        k += 1.0;
    }
    Some(out)
}

fn write_real(v: f64, out: &mut String) {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let _ = write!(out, "{}.0", v as i64);
    } else {
        let _ = write!(out, "{v:?}");
    }
}

fn range_kernel(a: &[ArrayRef], rows: usize, kind: RangeKind) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(rows, rows * 16);
    let mut buf = String::new();
    let valid = |i: usize| a.iter().all(|c| c.is_valid(i));
    for i in 0..rows {
        if !valid(i) {
            out.append_null();
            continue;
        }
        buf.clear();
        buf.push('[');
        if kind == RangeKind::Real {
            let f = |k: usize| a[k].as_primitive::<Float64Type>().value(i);
            let Some(vals) = range_f64(f(0), f(1), f(2)) else {
                out.append_null();
                continue;
            };
            for (n, v) in vals.into_iter().enumerate() {
                if n > 0 {
                    buf.push(',');
                }
                write_real(v, &mut buf);
            }
        } else {
            let f = |k: usize| a[k].as_primitive::<Int64Type>().value(i);
            let Some(vals) = range_i64(f(0), f(1), f(2)) else {
                out.append_null();
                continue;
            };
            for (n, v) in vals.into_iter().enumerate() {
                if n > 0 {
                    buf.push(',');
                }
                match kind {
                    RangeKind::Long => {
                        let _ = write!(buf, "{v}");
                    }
                    RangeKind::DateTime => {
                        let _ = write_json_string(&format_datetime(v), &mut buf);
                    }
                    _ => {
                        let _ = write_json_string(&format_timespan(v), &mut buf);
                    }
                }
            }
        }
        buf.push(']');
        out.append_value(&buf);
    }
    Ok(Arc::new(out.finish()))
}

/// The element type of a `range()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeKind {
    /// Int64 arguments.
    Long,
    /// Float64 arguments.
    Real,
    /// Int64 nanoseconds: start and stop datetimes, the step a timespan.
    DateTime,
    /// Int64 nanoseconds.
    TimeSpan,
}

fn range_long(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    range_kernel(a, rows, RangeKind::Long)
}
fn range_real(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    range_kernel(a, rows, RangeKind::Real)
}
fn range_datetime(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    range_kernel(a, rows, RangeKind::DateTime)
}
fn range_timespan(c: &TypedArgs) -> Result<ArrayRef> {
    let (a, rows) = (c.arrays(), c.rows);
    range_kernel(a, rows, RangeKind::TimeSpan)
}

const STR: &[DataType] = &[DataType::Utf8];
const I64: &[DataType] = &[DataType::Int64];
const F64: &[DataType] = &[DataType::Float64];
const SORT_BY: &[DataType] = &[DataType::Utf8, DataType::Utf8, DataType::Int64];
const BYTES: &[DataType] = &[
    DataType::Float64,
    DataType::Int64,
    DataType::Utf8,
    DataType::Int64,
];

fn dec() -> DataType {
    DataType::Decimal128(38, DECIMAL_SCALE as i8)
}

fn udf(name: &str) -> Option<TypedUdf> {
    let s = DataType::Utf8;
    Some(match name {
        "toguid" => TypedUdf::new("kql_toguid", s, STR, toguid_kernel),
        "new_guid" => TypedUdf::new("kql_new_guid", s, STR, new_guid_kernel).volatile(),
        "format_bytes" => TypedUdf::new("kql_format_bytes", s, BYTES, format_bytes_kernel),
        "jaccard_index" => {
            TypedUdf::new("kql_jaccard_index", DataType::Float64, STR, jaccard_kernel)
        }
        "todecimal_text" => TypedUdf::new("kql_todecimal_text", dec(), STR, todecimal_str_kernel),
        "todecimal_real" => TypedUdf::new("kql_todecimal_real", dec(), F64, todecimal_real_kernel),
        "array_sort_asc_by" => {
            TypedUdf::new("kql_array_sort_asc_by", s, SORT_BY, sort_asc_by_kernel)
        }
        "array_sort_desc_by" => {
            TypedUdf::new("kql_array_sort_desc_by", s, SORT_BY, sort_desc_by_kernel)
        }
        "range_long" => TypedUdf::new("kql_range_long", s, I64, range_long),
        "range_real" => TypedUdf::new("kql_range_real", s, F64, range_real),
        "range_datetime" => TypedUdf::new("kql_range_datetime", s, I64, range_datetime),
        "range_timespan" => TypedUdf::new("kql_range_timespan", s, I64, range_timespan),
        _ => return None,
    })
}

const UDFS: &[&str] = &[
    "toguid",
    "new_guid",
    "format_bytes",
    "jaccard_index",
    "todecimal_text",
    "todecimal_real",
    "array_sort_asc_by",
    "array_sort_desc_by",
    "range_long",
    "range_real",
    "range_datetime",
    "range_timespan",
];

/// `kql_<name>(args)` for `toguid` (text), `todecimal_text` (text),
/// `todecimal_real` (Float64), `new_guid` (none),
/// `format_bytes` (Float64, Int64, Utf8, Int64; the optional ones may be
/// left out), `jaccard_index` (two dynamic arrays).
pub fn scalar_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

/// `kql_range_<kind>(start, stop, step)`.
pub fn range_expr(kind: RangeKind, args: Vec<Expr>) -> Expr {
    let name = match kind {
        RangeKind::Long => "range_long",
        RangeKind::Real => "range_real",
        RangeKind::DateTime => "range_datetime",
        RangeKind::TimeSpan => "range_timespan",
    };
    udf(name).expect("range UDF").call(args)
}

pub(crate) fn all_scalar_udfs() -> Vec<ScalarUDF> {
    UDFS.iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::arrow::array::{Float64Array, Int64Array};
    use datafusion::logical_expr::ColumnarValue;

    #[test]
    fn guids() {
        let want = Some("01234567-89ab-cdef-0123-456789abcdef".to_string());
        assert_eq!(parse_guid("0123456789abcdef0123456789abcdef"), want);
        assert_eq!(parse_guid("0123456789ab-cdef-0123-456789abcdef"), want);
        assert_eq!(parse_guid("01234567-89AB-CDEF-0123-456789ABCDEF"), want);
        assert_eq!(parse_guid("0123456789abcdef0123456789abcdefXYZ"), want);
        assert_eq!(parse_guid("a string that is not a guid"), None);
        assert_eq!(parse_guid(""), None);
        assert_eq!(parse_guid("0123456789abcdef0123456789abcde"), None);
        assert_eq!(parse_guid("0123-4567-89ab-cdef-0123-456789abcdef"), None);
        assert_eq!(parse_guid("01234567--89abcdef0123456789abcdef"), None);
        let out = strings(&invoke(
            &udf("toguid").unwrap(),
            vec![str_col(vec![
                None,
                Some("x"),
                Some("0123456789abcdef0123456789abcdef"),
            ])],
        ));
        assert_eq!(out, vec![None, None, want]);
        let (a, b) = (new_guid(0), new_guid(1));
        assert_ne!(a, b);
        assert_eq!(parse_guid(&a).as_deref(), Some(a.as_str()));
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn decimals() {
        let e18 = 1_000_000_000_000_000_000i128;
        assert_eq!(
            parse_decimal("123.45678"),
            Some(123_456_780_000_000_000_000)
        );
        assert_eq!(parse_decimal("-2"), Some(-2 * e18));
        assert_eq!(parse_decimal("1e19"), Some(10 * e18 * e18));
        assert_eq!(parse_decimal(" 1.5E-05 "), Some(15_000_000_000_000));
        assert_eq!(parse_decimal(".5"), Some(e18 / 2));
        assert_eq!(parse_decimal("0.0000000000000000005"), Some(0));
        assert_eq!(parse_decimal("0.0000000000000000015"), Some(2));
        assert_eq!(parse_decimal("0.00000000000000000151"), Some(2));
        assert_eq!(parse_decimal("1e20"), None);
        assert_eq!(parse_decimal("1e21"), None);
        assert_eq!(parse_decimal("1e400"), None);
        assert_eq!(parse_decimal("0e400"), Some(0));
        for bad in ["", "-", ".", "abc", "1.2.3", "1e", "--1", "1 2"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        assert_eq!(real_to_decimal(1.1), Some(11 * e18 / 10));
        assert_eq!(real_to_decimal(0.1 + 0.2), Some(3 * e18 / 10));
        assert_eq!(real_to_decimal(f64::NAN), None);
        let out = invoke(
            &udf("todecimal_text").unwrap(),
            vec![str_col(vec![Some("1"), None, Some("x")])],
        );
        let out = out.as_primitive::<datafusion::arrow::datatypes::Decimal128Type>();
        assert_eq!(out.value(0), e18);
        assert!(out.is_null(1) && out.is_null(2));
    }

    #[test]
    fn sorted_by_keys() {
        let s = |k: &str, v: &str, desc: bool| sort_by(k, v, desc, true);
        assert_eq!(
            s("[1,3,4,5,2]", r#"["a","b","c","d","e"]"#, false).as_deref(),
            Some(r#"["a","e","b","c","d"]"#)
        );
        assert_eq!(
            s("[1,3,4,5,2]", r#"["a","b","c","d","e"]"#, true).as_deref(),
            Some(r#"["d","c","b","e","a"]"#)
        );
        assert_eq!(
            sort_by("[null,2,1]", "[7,8,9]", false, false).as_deref(),
            Some("[7,9,8]")
        );
        assert_eq!(s("[2,1]", "[1]", false), None);
        assert_eq!(s("[2,1]", "3", false), None);
        assert_eq!(s("[]", "[]", false).as_deref(), Some("[]"));
    }

    #[test]
    fn bytes() {
        let f = |s: f64, p: i64, u: &str| format_bytes(s, p, u, 2).unwrap();
        assert_eq!(f(564.0, 0, ""), "564 Bytes");
        assert_eq!(f(10332.0, 1, ""), "10.1 KB");
        assert_eq!(f(20010332.0, 0, ""), "19 MB");
        assert_eq!(f(20010332.0, 2, ""), "19.08 MB");
        assert_eq!(f(20010332.0, 0, "KB"), "19541 KB");
        assert_eq!(f(0.0, 0, ""), "0 Bytes");
        assert_eq!(f(-2048.0, 0, ""), "-2 KB");
        assert_eq!(f(1024.0, 0, "mb"), "0 MB");
        assert_eq!(format_bytes(1000.0, 0, "", 10).unwrap(), "1 KB");
        assert_eq!(format_bytes(1.0, 0, "XB", 2), None);
        assert_eq!(format_bytes(1.0, 0, "", 3), None);
        let out = strings(&invoke(
            &udf("format_bytes").unwrap(),
            vec![ColumnarValue::Array(Arc::new(Float64Array::from(vec![
                Some(2048.0),
                None,
            ])))],
        ));
        assert_eq!(out, vec![Some("2 KB".into()), Some("".into())]);
    }

    #[test]
    fn jaccard_values() {
        assert_eq!(jaccard("[1,2,3]", "[1,2,3,4]"), Some(0.75));
        assert_eq!(jaccard("[1,1,2]", "[2, 2]"), Some(0.5));
        assert_eq!(jaccard(r#"["a","\u0061"]"#, r#"["a"]"#), Some(1.0));
        assert!(jaccard("[]", "[]").unwrap().is_nan());
        assert_eq!(jaccard("1", "[]"), None);
    }

    #[test]
    fn ranges() {
        assert_eq!(range_i64(1, 8, 3), Some(vec![1, 4, 7]));
        assert_eq!(range_i64(1, 3, 1), Some(vec![1, 2, 3]));
        assert_eq!(range_i64(5, 1, -2), Some(vec![5, 3, 1]));
        assert_eq!(range_i64(5, 1, 1), Some(vec![]));
        assert_eq!(range_i64(1, 2, 0), None);
        assert_eq!(range_i64(1, 1_000_000_000, 1).unwrap().len(), RANGE_MAX);
        assert_eq!(range_f64(0.0, 1.0, 0.25).unwrap().len(), 5);
        let out = strings(&invoke(
            &udf("range_long").unwrap(),
            vec![
                ColumnarValue::Array(Arc::new(Int64Array::from(vec![Some(1), None]))),
                i64_lit(3),
                i64_lit(1),
            ],
        ));
        assert_eq!(out, vec![Some("[1,2,3]".into()), None]);
        let h = 3_600_000_000_000i64;
        let out = strings(&invoke(
            &udf("range_timespan").unwrap(),
            vec![i64_lit(h), i64_lit(2 * h), i64_lit(h)],
        ));
        assert_eq!(out, vec![Some(r#"["01:00:00","02:00:00"]"#.into())]);
        let out = strings(&invoke(
            &udf("range_real").unwrap(),
            vec![
                ColumnarValue::Scalar(datafusion::common::ScalarValue::Float64(Some(1.0))),
                ColumnarValue::Scalar(datafusion::common::ScalarValue::Float64(Some(2.0))),
                ColumnarValue::Scalar(datafusion::common::ScalarValue::Float64(Some(0.5))),
            ],
        ));
        assert_eq!(out, vec![Some("[1.0,1.5,2.0]".into())]);
    }
}
