//! Literals → typed DataFusion constants, and `dynamic` literals → JSON text.

use crate::bound::BExpr;
use crate::types::{KqlType, arrow_type};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, lit};
use kql_syntax::ast::{DynamicLit, Literal};
use kql_syntax::{Code, Diagnostic, Span};

pub(crate) fn bind_literal(l: &Literal, span: Span) -> Result<BExpr, Diagnostic> {
    let (value, ty) = match l {
        // A string is never null in KQL: `string(null)` is the empty string.
        Literal::Null(KqlType::String) => (ScalarValue::Utf8(Some(String::new())), KqlType::String),
        Literal::Null(ty) => (
            ScalarValue::try_from(&arrow_type(*ty)).map_err(|e| Diagnostic::internal("bind", e))?,
            *ty,
        ),
        Literal::Bool(b) => (ScalarValue::Boolean(Some(*b)), KqlType::Bool),
        Literal::Int(i) => (ScalarValue::Int32(Some(*i)), KqlType::Int),
        Literal::Long(i) => (ScalarValue::Int64(Some(*i)), KqlType::Long),
        Literal::Real(f) => (ScalarValue::Float64(Some(*f)), KqlType::Real),
        Literal::Decimal(text) => (decimal_value(text, span)?, KqlType::Decimal),
        Literal::String(s) => (ScalarValue::Utf8(Some(s.clone())), KqlType::String),
        Literal::DateTime(ticks) => (
            ScalarValue::TimestampNanosecond(Some(ticks_to_nanos(*ticks, span)?), None),
            KqlType::DateTime,
        ),
        Literal::TimeSpan(ticks) => (
            ScalarValue::DurationNanosecond(Some(ticks_to_nanos(*ticks, span)?)),
            KqlType::TimeSpan,
        ),
        Literal::Guid(g) => (ScalarValue::Utf8(Some(g.clone())), KqlType::Guid),
        Literal::Dynamic(DynamicLit::Null) => (ScalarValue::Utf8(None), KqlType::Dynamic),
        Literal::Dynamic(d) => (ScalarValue::Utf8(Some(dynamic_json(d))), KqlType::Dynamic),
    };
    Ok(BExpr {
        expr: lit(value),
        ty,
        literal: Some(l.clone()),
    })
}

/// A constant expression of a KQL type from a DataFusion value.
pub(crate) fn constant(value: ScalarValue, ty: KqlType) -> BExpr {
    BExpr::new(Expr::Literal(value, None), ty)
}

/// Datetime and timespan values are held as nanoseconds in i64; KQL ticks are
/// 100 ns. Values outside 1677-09-21 .. 2262-04-11 do not fit.
pub(crate) fn ticks_to_nanos(ticks: i64, span: Span) -> Result<i64, Diagnostic> {
    ticks.checked_mul(100).ok_or_else(|| {
        Diagnostic::at(
            Code::BadLiteral,
            span,
            "this datetime/timespan is outside the supported range (years 1678 to 2261)",
        )
    })
}

fn decimal_value(text: &str, span: Span) -> Result<ScalarValue, Diagnostic> {
    let bad = || {
        Diagnostic::at(
            Code::BadLiteral,
            span,
            format!("'{text}' is not a valid decimal"),
        )
    };
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int_part, frac_part) = t.split_once('.').unwrap_or((t, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part
        .chars()
        .chain(frac_part.chars())
        .all(|c| c.is_ascii_digit())
        || frac_part.len() > 18
    {
        return Err(bad());
    }
    let mut digits = String::from(if int_part.is_empty() { "0" } else { int_part });
    digits.push_str(frac_part);
    digits.extend(std::iter::repeat_n('0', 18 - frac_part.len()));
    let mut v: i128 = digits.parse().map_err(|_| bad())?;
    if neg {
        v = -v;
    }
    Ok(ScalarValue::Decimal128(Some(v), 38, 18))
}

/// The runtime representation of a dynamic literal: compact JSON text.
/// Datetimes inside become ISO strings and timespans Kusto timespan strings,
/// as Kusto does when it serialises a dynamic value.
pub(crate) fn dynamic_json(d: &DynamicLit) -> String {
    dynamic_to_json_value(d).to_string()
}

pub(crate) fn dynamic_to_json_value(d: &DynamicLit) -> serde_json::Value {
    use serde_json::Value;
    match d {
        DynamicLit::Null => Value::Null,
        DynamicLit::Bool(b) => Value::Bool(*b),
        DynamicLit::Long(i) => Value::from(*i),
        DynamicLit::Real(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(kql_functions::format::format_real(*f))),
        DynamicLit::String(s) => Value::String(s.clone()),
        DynamicLit::DateTime(t) => Value::String(kql_functions::format::format_datetime(
            t.saturating_mul(100),
        )),
        DynamicLit::TimeSpan(t) => Value::String(kql_functions::format::format_timespan(
            t.saturating_mul(100),
        )),
        DynamicLit::Guid(g) => Value::String(g.clone()),
        DynamicLit::Array(items) => Value::Array(items.iter().map(dynamic_to_json_value).collect()),
        DynamicLit::Object(pairs) => {
            let mut m = serde_json::Map::new();
            for (k, v) in pairs {
                m.insert(k.clone(), dynamic_to_json_value(v));
            }
            Value::Object(m)
        }
    }
}

/// A scalar dynamic element as a typed literal, for expanding
/// `x in (dynamic([...]))` into a list of constants.
pub(crate) fn dynamic_element_literal(d: &DynamicLit) -> Option<Literal> {
    Some(match d {
        DynamicLit::Bool(b) => Literal::Bool(*b),
        DynamicLit::Long(i) => Literal::Long(*i),
        DynamicLit::Real(f) => Literal::Real(*f),
        DynamicLit::String(s) => Literal::String(s.clone()),
        DynamicLit::DateTime(t) => Literal::DateTime(*t),
        DynamicLit::TimeSpan(t) => Literal::TimeSpan(*t),
        DynamicLit::Guid(g) => Literal::Guid(g.clone()),
        DynamicLit::Null | DynamicLit::Array(_) | DynamicLit::Object(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_scales_to_18_digits() {
        let v = decimal_value("1.5", Span::default()).unwrap();
        assert_eq!(
            v,
            ScalarValue::Decimal128(Some(1_500_000_000_000_000_000), 38, 18)
        );
        let v = decimal_value("-2", Span::default()).unwrap();
        assert_eq!(
            v,
            ScalarValue::Decimal128(Some(-2_000_000_000_000_000_000), 38, 18)
        );
        assert!(decimal_value("1.2.3", Span::default()).is_err());
    }

    #[test]
    fn string_null_is_empty() {
        let b = bind_literal(&Literal::Null(KqlType::String), Span::default()).unwrap();
        assert_eq!(b.expr, lit(""));
    }

    #[test]
    fn dynamic_literal_is_compact_json() {
        let d = DynamicLit::Object(vec![
            ("a".into(), DynamicLit::Long(1)),
            (
                "b".into(),
                DynamicLit::Array(vec![DynamicLit::String("x".into()), DynamicLit::Null]),
            ),
        ]);
        assert_eq!(dynamic_json(&d), r#"{"a":1,"b":["x",null]}"#);
    }
}
