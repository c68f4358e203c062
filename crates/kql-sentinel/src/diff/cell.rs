//! Cell values decoded by KQL type for comparison: datetimes as instants (at
//! the coarser precision of the two sides), numbers numerically (reals with
//! a relative tolerance), dynamic as parsed JSON, bools from
//! `true`/`True`/`1`, guids case-insensitively, strings exactly.

use serde_json::Value;

use crate::alerts::cell_text;
use crate::time::{parse_datetime, parse_timespan};

/// The comparison family of a KQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Number,
    String,
    DateTime,
    TimeSpan,
    Guid,
    Dynamic,
    /// No type known (CSV, NDJSON): inferred from the values.
    Unknown,
}

/// The canonical KQL name of a type name from any export (`Int64`,
/// `System.String`, `SByte`, `Double`, ...); `""` stays `""` (unknown).
pub(crate) fn canonical_type(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    let n = n.strip_prefix("system.").unwrap_or(&n);
    let canon = match n {
        "bool" | "boolean" | "sbyte" => "bool",
        "int" | "int32" => "int",
        "long" | "int64" => "long",
        "real" | "double" | "float" | "single" => "real",
        "decimal" | "sqldecimal" | "data.sqltypes.sqldecimal" => "decimal",
        "string" => "string",
        "datetime" | "date" => "datetime",
        "timespan" | "time" => "timespan",
        "guid" | "uniqueid" => "guid",
        "dynamic" | "object" => "dynamic",
        other => return other.to_string(),
    };
    canon.to_string()
}

pub(crate) fn kind_of(type_name: &str) -> Kind {
    match canonical_type(type_name).as_str() {
        "bool" => Kind::Bool,
        "int" | "long" | "real" | "decimal" => Kind::Number,
        "string" => Kind::String,
        "datetime" => Kind::DateTime,
        "timespan" => Kind::TimeSpan,
        "guid" => Kind::Guid,
        "dynamic" => Kind::Dynamic,
        _ => Kind::Unknown,
    }
}

/// A decoded cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Bool(bool),
    Int(i128),
    Real(f64),
    Str(String),
    /// Nanoseconds since the epoch and the text's fraction digits.
    Time(i64, u8),
    Span(i64),
    Json(Value),
    /// Text that does not parse as the column's type.
    Raw(String),
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "True" | "TRUE" | "1" => Some(true),
        "false" | "False" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

fn parse_number(s: &str) -> Option<Cell> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i128>() {
        return Some(Cell::Int(i));
    }
    match t {
        "NaN" => Some(Cell::Real(f64::NAN)),
        "Infinity" | "+Infinity" => Some(Cell::Real(f64::INFINITY)),
        "-Infinity" => Some(Cell::Real(f64::NEG_INFINITY)),
        _ => t.parse::<f64>().ok().map(Cell::Real),
    }
}

/// Decodes `v` as a value of `kind`.
pub(crate) fn decode(v: &Value, kind: Kind) -> Cell {
    if kind == Kind::String {
        return Cell::Str(cell_text(v));
    }
    let text = match v {
        Value::Null => return Cell::Null,
        Value::String(s) if s.is_empty() => return Cell::Null,
        Value::String(s) => s.as_str(),
        _ => "",
    };
    match (kind, v) {
        (Kind::Bool, Value::Bool(b)) => Cell::Bool(*b),
        (Kind::Bool, Value::Number(n)) => match n.as_i64() {
            Some(0) => Cell::Bool(false),
            Some(1) => Cell::Bool(true),
            _ => Cell::Raw(n.to_string()),
        },
        (Kind::Bool, Value::String(_)) => {
            parse_bool(text).map_or(Cell::Raw(text.into()), Cell::Bool)
        }
        (Kind::Number, Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Cell::Int(i128::from(i)),
            (_, Some(u)) => Cell::Int(i128::from(u)),
            _ => Cell::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        (Kind::Number, Value::String(_)) => parse_number(text).unwrap_or(Cell::Raw(text.into())),
        (Kind::DateTime, Value::String(_)) => {
            parse_datetime(text).map_or(Cell::Raw(text.into()), |t| Cell::Time(t.nanos, t.digits))
        }
        (Kind::TimeSpan, Value::String(_)) => {
            parse_timespan(text).map_or(Cell::Raw(text.into()), Cell::Span)
        }
        (Kind::Guid, Value::String(_)) => Cell::Str(text.trim().to_ascii_lowercase()),
        (Kind::Dynamic, Value::String(_)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Null) => Cell::Null,
            Ok(parsed) => Cell::Json(parsed),
            Err(_) => Cell::Json(v.clone()),
        },
        (Kind::Dynamic, other) => Cell::Json(other.clone()),
        (_, other) => Cell::Raw(cell_text(other)),
    }
}

/// The kind that fits every non-empty value of a column without types.
pub(crate) fn infer<'a>(values: impl Iterator<Item = &'a Value>) -> Kind {
    let mut candidates = [Kind::Bool, Kind::Number, Kind::DateTime, Kind::Dynamic];
    let mut alive = [true; 4];
    let mut any = false;
    for v in values {
        if matches!(v, Value::Null) || v.as_str() == Some("") {
            continue;
        }
        any = true;
        for (k, ok) in candidates.iter_mut().zip(alive.iter_mut()) {
            if *ok {
                *ok = match (*k, v) {
                    (Kind::Bool, Value::String(s)) => {
                        matches!(s.as_str(), "true" | "false" | "True" | "False")
                    }
                    (Kind::Dynamic, Value::String(s)) => {
                        let t = s.trim_start();
                        (t.starts_with('{') || t.starts_with('['))
                            && serde_json::from_str::<Value>(s).is_ok()
                    }
                    (Kind::Dynamic, Value::Array(_) | Value::Object(_)) => true,
                    (Kind::Dynamic, _) => false,
                    (kind, v) => !matches!(decode(v, kind), Cell::Raw(_)),
                };
            }
        }
    }
    if !any {
        return Kind::String;
    }
    candidates
        .iter()
        .zip(alive)
        .find(|(_, ok)| *ok)
        .map_or(Kind::String, |(k, _)| *k)
}

fn reals_equal(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    let diff = (a - b).abs();
    diff <= 1e-9 * a.abs().max(b.abs()) || diff <= 1e-12
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => reals_equal(
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            ),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| json_equal(p, q)))
        }
        _ => a == b,
    }
}

/// Are two decoded cells the same value?
pub(crate) fn equal(a: &Cell, b: &Cell) -> bool {
    match (a, b) {
        (Cell::Int(x), Cell::Int(y)) => x == y,
        (Cell::Int(x), Cell::Real(y)) | (Cell::Real(y), Cell::Int(x)) => reals_equal(*x as f64, *y),
        (Cell::Real(x), Cell::Real(y)) => reals_equal(*x, *y),
        (Cell::Time(x, dx), Cell::Time(y, dy)) => {
            // Equal within one unit of the coarser precision (a portal CSV
            // shows milliseconds, Kusto JSON 100 ns ticks).
            let digits = (*dx).min(*dy).min(9);
            let unit = 10i64.pow(9 - u32::from(digits));
            (i128::from(*x) - i128::from(*y)).abs() < i128::from(unit)
        }
        (Cell::Json(x), Cell::Json(y)) => json_equal(x, y),
        _ => a == b,
    }
}

/// A coarse key: equal cells always get the same key (used to bucket rows
/// before the exact comparison), except across rare rounding boundaries.
pub(crate) fn bucket_key(c: &Cell, out: &mut String) {
    use std::fmt::Write as _;
    let _ = match c {
        Cell::Null => write!(out, "n"),
        Cell::Bool(b) => write!(out, "b{b}"),
        Cell::Int(i) => write!(out, "f{:.6e}", *i as f64),
        Cell::Real(r) if r.is_nan() => write!(out, "fNaN"),
        Cell::Real(r) => write!(out, "f{r:.6e}"),
        Cell::Str(s) | Cell::Raw(s) => write!(out, "s{}:{s}", s.len()),
        Cell::Time(ns, _) => write!(out, "t{}", ns.div_euclid(1_000_000_000)),
        Cell::Span(ns) => write!(out, "d{ns}"),
        Cell::Json(v) => write!(out, "j{}", v.to_string().len()),
    };
    out.push('\u{1}');
}

/// A cell for messages: text as is, `""` for the empty string, `null`, JSON
/// for structured values; long values cut at 120 characters.
pub(crate) fn show(v: &Value) -> String {
    let text = match v {
        Value::Null => "null".to_string(),
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eq(a: Value, ka: &str, b: Value, kb: &str) -> bool {
        equal(&decode(&a, kind_of(ka)), &decode(&b, kind_of(kb)))
    }

    #[test]
    fn typed_equality() {
        let dt = "datetime";
        assert!(eq(
            json!("2026-06-19T12:37:52.521Z"),
            dt,
            json!("6/19/2026, 12:37:52.521 PM"),
            dt
        ));
        assert!(eq(
            json!("2026-06-19T12:37:52.5210000Z"),
            dt,
            json!("2026-06-19T12:37:52.521Z"),
            dt
        ));
        assert!(eq(
            json!("2026-06-19T12:37:52.5214567Z"),
            dt,
            json!("6/19/2026, 12:37:52.521 PM"),
            dt
        ));
        assert!(!eq(
            json!("2026-06-19T12:37:52.5214567Z"),
            dt,
            json!("2026-06-19T12:37:52.5214568Z"),
            dt
        ));
        assert!(eq(
            json!("2026-06-19 12:37:52"),
            dt,
            json!("2026-06-19T12:37:52Z"),
            dt
        ));
        assert!(eq(json!(5), "long", json!("5"), "long"));
        assert!(eq(json!(5), "long", json!(5.0), "real"));
        assert!(eq(json!(0.1 + 0.2), "real", json!("0.3"), "real"));
        assert!(!eq(json!(0.3001), "real", json!(0.3), "real"));
        assert!(eq(json!("NaN"), "real", json!("NaN"), "real"));
        assert!(eq(
            json!({"a": [1, 2.0]}),
            "dynamic",
            json!("{\"a\":[1,2]}"),
            "dynamic"
        ));
        assert!(!eq(
            json!({"a": 1}),
            "dynamic",
            json!("{\"a\":\"1\"}"),
            "dynamic"
        ));
        assert!(eq(json!(true), "bool", json!("True"), "bool"));
        assert!(eq(json!("1"), "bool", json!(true), "bool"));
        assert!(eq(json!(null), "string", json!(""), "string"));
        assert!(!eq(json!("a"), "string", json!("A"), "string"));
        assert!(eq(
            json!("7F1D2A3B-0000-4C5D-8E9F-0123456789AB"),
            "guid",
            json!("7f1d2a3b-0000-4c5d-8e9f-0123456789ab"),
            "guid"
        ));
        assert!(eq(
            json!("00:03:00"),
            "timespan",
            json!("00:03:00.0000000"),
            "timespan"
        ));
        assert!(eq(json!(null), "long", json!(""), "long"));
        assert!(!eq(json!("abc"), "long", json!("abd"), "long"));
    }

    #[test]
    fn type_names_and_inference() {
        assert_eq!(canonical_type("Int64"), "long");
        assert_eq!(canonical_type("System.String"), "string");
        assert_eq!(canonical_type("SByte"), "bool");
        assert_eq!(canonical_type(""), "");
        let vals = [json!("1"), json!(""), json!("20")];
        assert_eq!(infer(vals.iter()), Kind::Number);
        let vals = [json!("6/19/2026, 12:37:52.521 PM"), json!("2026-06-19")];
        assert_eq!(infer(vals.iter()), Kind::DateTime);
        let vals = [json!("true"), json!("False")];
        assert_eq!(infer(vals.iter()), Kind::Bool);
        let vals = [json!("{\"a\":1}"), json!("[]")];
        assert_eq!(infer(vals.iter()), Kind::Dynamic);
        let vals = [json!("1"), json!("x")];
        assert_eq!(infer(vals.iter()), Kind::String);
        assert_eq!(infer([json!("")].iter()), Kind::String);
    }
}
