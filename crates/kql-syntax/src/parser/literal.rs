//! Literal decoding: string forms and escapes, numbers, `1.5h` timespans,
//! typed literals (`datetime(...)`, `long(null)`, `guid(...)`...) and
//! `dynamic(...)` values. Bad values are `Code::BadLiteral` diagnostics with
//! the literal's span.

use super::time::{parse_datetime, parse_timespan, scaled, unit_ticks};
use super::{Result, Rule, children, shape, span_of};
use crate::ast::{DynamicLit, Literal, TypeName};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use pest::iterators::Pair;

fn bad(span: Span, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::at(Code::BadLiteral, span, msg)
}

/// A literal pair (`long_lit`, `string_lit`, `typed_literal`, `dynamic_lit`, ...).
pub(super) fn literal(p: Pair<'_, Rule>) -> Result<Literal> {
    let span = span_of(&p);
    let text = p.as_str();
    Ok(match p.as_rule() {
        Rule::long_lit => Literal::Long(long(text, span)?),
        Rule::hex_lit => Literal::Long(hex(text, span)?),
        Rule::real_lit => Literal::Real(real(text, span)?),
        Rule::timespan_lit => Literal::TimeSpan(timespan_suffix(text, span)?),
        Rule::bool_lit => Literal::Bool(text.eq_ignore_ascii_case("true")),
        Rule::string_lit => Literal::String(string(p)?),
        Rule::typed_literal => typed(p)?,
        Rule::dynamic_lit => {
            let v = children(p).into_iter().next();
            Literal::Dynamic(dynamic(
                v.ok_or_else(|| Diagnostic::internal("parser", "dynamic"))?,
            )?)
        }
        _ => return Err(shape(&p)),
    })
}

/// `-literal` folded into the literal, when it is a number or a timespan.
pub(super) fn negate(lit: &Literal, span: Span) -> Result<Option<Literal>> {
    let overflow = || bad(span, "number is out of range");
    Ok(Some(match lit {
        Literal::Long(v) => Literal::Long(v.checked_neg().ok_or_else(overflow)?),
        Literal::Int(v) => Literal::Int(v.checked_neg().ok_or_else(overflow)?),
        Literal::Real(v) => Literal::Real(-v),
        Literal::TimeSpan(v) => Literal::TimeSpan(v.checked_neg().ok_or_else(overflow)?),
        _ => return Ok(None),
    }))
}

fn long(text: &str, span: Span) -> Result<i64> {
    text.parse::<i64>().map_err(|_| {
        bad(
            span,
            format!("integer literal '{text}' does not fit in a long"),
        )
    })
}

fn hex(text: &str, span: Span) -> Result<i64> {
    let digits = text.trim_start_matches('-').get(2..).unwrap_or("");
    let v = u64::from_str_radix(digits, 16)
        .map_err(|_| bad(span, format!("hex literal '{text}' does not fit in a long")))?;
    // Like .NET: the 64 bits as a signed long (0xFFFFFFFFFFFFFFFF is -1).
    let v = v as i64;
    Ok(if text.starts_with('-') {
        v.wrapping_neg()
    } else {
        v
    })
}

fn real(text: &str, span: Span) -> Result<f64> {
    let v: f64 = text
        .parse()
        .map_err(|_| bad(span, format!("bad real literal '{text}'")))?;
    if v.is_infinite() {
        return Err(bad(span, format!("real literal '{text}' is out of range")));
    }
    Ok(v)
}

/// `1d`, `1.5h`, `100ms`, `10microseconds`, `1tick`, ...
fn timespan_suffix(text: &str, span: Span) -> Result<i64> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text.trim_start_matches('+')),
    };
    let split = body
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(body.len());
    let (num, unit) = body.split_at(split);
    let unit =
        unit_ticks(unit).ok_or_else(|| bad(span, format!("unknown timespan unit in '{text}'")))?;
    let v = scaled(num, unit).map_err(|e| bad(span, format!("bad timespan '{text}': {e}")))?;
    Ok(if neg { -v } else { v })
}

/// `typeword(body)`: `datetime(2026-06-16)`, `long(null)`, `time(1.02:03:04)`, ...
fn typed(p: Pair<'_, Rule>) -> Result<Literal> {
    let span = span_of(&p);
    let mut kw = "";
    let mut body = "";
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::typed_kw => kw = c.as_str(),
            Rule::literal_body => body = c.as_str().trim(),
            _ => {}
        }
    }
    if kw == "string" {
        return Err(bad(
            span,
            format!("'string({body})' is not a literal: strings are never null in KQL"),
        )
        .with_hint("write \"\" for an empty string"));
    }
    let ty = TypeName::from_name(kw).ok_or_else(|| Diagnostic::internal("parser", kw))?;
    if body == "null" {
        return Ok(Literal::Null(ty));
    }
    let fail = |why: String| {
        bad(
            span,
            format!("bad {} literal '{kw}({body})': {why}", ty.as_str()),
        )
    };
    Ok(match ty {
        TypeName::DateTime => Literal::DateTime(parse_datetime(body).map_err(fail)?),
        TypeName::TimeSpan => Literal::TimeSpan(parse_timespan(body).map_err(fail)?),
        TypeName::Long => Literal::Long(signed_integer(body).map_err(fail)?),
        TypeName::Int => {
            let v = signed_integer(body).map_err(fail)?;
            Literal::Int(i32::try_from(v).map_err(|_| fail("does not fit in an int".into()))?)
        }
        TypeName::Real => {
            Literal::Real(real_body(body).ok_or_else(|| fail("not a number".into()))?)
        }
        TypeName::Decimal => {
            if real_body(body).is_none() {
                return Err(fail("not a number".into()));
            }
            Literal::Decimal(body.to_string())
        }
        TypeName::Bool => Literal::Bool(match body.to_ascii_lowercase().as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(fail("expected true, false or null".into())),
        }),
        TypeName::Guid => {
            Literal::Guid(guid(body).ok_or_else(|| fail("expected 8-4-4-4-12 hex digits".into()))?)
        }
        TypeName::String | TypeName::Dynamic => return Err(Diagnostic::internal("parser", kw)),
    })
}

fn signed_integer(body: &str) -> std::result::Result<i64, String> {
    let (neg, digits) = match body.strip_prefix('-') {
        Some(d) => (true, d.trim_start()),
        None => (false, body.strip_prefix('+').unwrap_or(body).trim_start()),
    };
    let v = if digits.len() > 2 && digits[..2].eq_ignore_ascii_case("0x") {
        u64::from_str_radix(&digits[2..], 16)
            .map(|v| v as i64)
            .map_err(|_| "not an integer".to_string())?
    } else if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        digits
            .parse::<i64>()
            .map_err(|_| "out of range".to_string())?
    } else {
        return Err("not an integer".to_string());
    };
    Ok(if neg { v.wrapping_neg() } else { v })
}

fn real_body(body: &str) -> Option<f64> {
    match body.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        b if b.chars().all(|c| c.is_ascii_digit() || "+-.e".contains(c)) => b.parse().ok(),
        _ => None,
    }
}

/// Canonical lower-case `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
fn guid(body: &str) -> Option<String> {
    let lens = [8, 4, 4, 4, 12];
    let parts: Vec<&str> = body.split('-').collect();
    let ok = parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()));
    ok.then(|| body.to_ascii_lowercase())
}

/// A `string_lit` pair (one or more adjacent parts) → its decoded value.
pub(super) fn string(p: Pair<'_, Rule>) -> Result<String> {
    let mut out = String::new();
    for part in p.into_inner() {
        decode_string_part(part.as_rule(), part.as_str(), &mut out);
    }
    Ok(out)
}

fn decode_string_part(rule: Rule, text: &str, out: &mut String) {
    let text = text.strip_prefix(['h', 'H']).unwrap_or(text);
    match rule {
        Rule::str_multiline => out.push_str(&text[3..text.len() - 3]),
        Rule::str_verbatim_dq => out.push_str(&text[2..text.len() - 1].replace("\"\"", "\"")),
        Rule::str_verbatim_sq => out.push_str(&text[2..text.len() - 1].replace("''", "'")),
        _ => unescape(&text[1..text.len() - 1], out),
    }
}

/// Backslash escapes of `"..."` / `'...'` strings. An unknown escape keeps its
/// backslash (`"\d"` stays `\d`), as regexes in real queries rely on it.
fn unescape(s: &str, out: &mut String) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '"' | '\'' => out.push(e),
            'u' | 'x' | 'U' => {
                let n = match e {
                    'u' => 4,
                    'x' => 2,
                    _ => 8,
                };
                let hex: String = chars.clone().take(n).collect();
                let code = (hex.len() == n)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .and_then(char::from_u32);
                match code {
                    Some(ch) => {
                        out.push(ch);
                        for _ in 0..n {
                            chars.next();
                        }
                    }
                    None => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
}

/// A `dyn_value` alternative → its [`DynamicLit`].
fn dynamic(p: Pair<'_, Rule>) -> Result<DynamicLit> {
    let span = span_of(&p);
    Ok(match p.as_rule() {
        Rule::dyn_null => DynamicLit::Null,
        Rule::dyn_bool => DynamicLit::Bool(p.as_str().eq_ignore_ascii_case("true")),
        Rule::dyn_number => {
            let t = p.as_str();
            let body = t.trim_start_matches(['-', '+']);
            if body.len() > 2 && body[..2].eq_ignore_ascii_case("0x") {
                DynamicLit::Long(hex(t, span)?)
            } else if body.contains(['.', 'e', 'E']) {
                DynamicLit::Real(real(t, span)?)
            } else {
                DynamicLit::Long(long(t, span)?)
            }
        }
        Rule::dyn_timespan => DynamicLit::TimeSpan(timespan_suffix(p.as_str(), span)?),
        Rule::string_lit => DynamicLit::String(string(p)?),
        Rule::dyn_array => DynamicLit::Array(
            children(p)
                .into_iter()
                .map(dynamic)
                .collect::<Result<_>>()?,
        ),
        Rule::dyn_object => {
            let mut pairs = Vec::new();
            for kv in children(p) {
                let mut it = children(kv).into_iter();
                let (Some(k), Some(v)) = (it.next(), it.next()) else {
                    return Err(Diagnostic::internal("parser", "dynamic object"));
                };
                let key = match k.as_rule() {
                    Rule::string_lit => string(k)?,
                    _ => k.as_str().to_string(),
                };
                pairs.push((key, dynamic(v)?));
            }
            DynamicLit::Object(pairs)
        }
        Rule::dynamic_lit => match literal(p)? {
            Literal::Dynamic(d) => d,
            _ => return Err(Diagnostic::internal("parser", "nested dynamic")),
        },
        Rule::typed_literal => match typed(p)? {
            Literal::Null(_) => DynamicLit::Null,
            Literal::Bool(b) => DynamicLit::Bool(b),
            Literal::Int(i) => DynamicLit::Long(i.into()),
            Literal::Long(l) => DynamicLit::Long(l),
            Literal::Real(r) => DynamicLit::Real(r),
            Literal::Decimal(d) => DynamicLit::Real(d.parse().unwrap_or(f64::NAN)),
            Literal::String(s) => DynamicLit::String(s),
            Literal::DateTime(t) => DynamicLit::DateTime(t),
            Literal::TimeSpan(t) => DynamicLit::TimeSpan(t),
            Literal::Guid(g) => DynamicLit::Guid(g),
            Literal::Dynamic(d) => d,
        },
        _ => return Err(shape(&p)),
    })
}

#[cfg(test)]
mod tests {
    use crate::ast::{DynamicLit, ExprKind, Literal, TypeName};
    use crate::parser::time::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND};
    use crate::{Code, Span, parse_expr};

    fn lit(src: &str) -> Literal {
        match parse_expr(src)
            .unwrap_or_else(|d| panic!("{src}: {d}"))
            .kind
        {
            ExprKind::Literal(l) => l,
            other => panic!("{src}: not a literal: {other:?}"),
        }
    }

    fn s(src: &str) -> String {
        match lit(src) {
            Literal::String(s) => s,
            other => panic!("{src}: {other:?}"),
        }
    }

    fn ts(src: &str) -> i64 {
        match lit(src) {
            Literal::TimeSpan(t) => t,
            other => panic!("{src}: {other:?}"),
        }
    }

    fn bad(src: &str) -> (Code, Option<Span>) {
        let d = parse_expr(src).expect_err(src);
        (d.code, d.span)
    }

    #[test]
    fn string_escapes() {
        assert_eq!(s(r#""a\"b\\c\td\ne\rf""#), "a\"b\\c\td\ne\rf");
        assert_eq!(s(r#"'it\'s "fine"'"#), "it's \"fine\"");
        assert_eq!(s(r#""\u00e9\x41""#), "éA");
        assert_eq!(s(r#""\d+\.\w""#), r"\d+\.\w");
        assert_eq!(s(r#""""#), "");
    }

    #[test]
    fn verbatim_obfuscated_multiline_and_concatenated() {
        assert_eq!(s(r#"@"C:\dir\""quoted""""#), r#"C:\dir\"quoted""#);
        assert_eq!(s(r#"@'it''s'"#), "it's");
        assert_eq!(s(r#"h"hidden""#), "hidden");
        assert_eq!(s(r#"H'hidden'"#), "hidden");
        assert_eq!(s(r#"h@"C:\x""#), r"C:\x");
        assert_eq!(s("```a\n\"b\"\\n```"), "a\n\"b\"\\n");
        assert_eq!(s("\"a\" 'b'\n // c\n @\"c\""), "abc");
    }

    #[test]
    fn numbers() {
        assert_eq!(lit("42"), Literal::Long(42));
        assert_eq!(lit("-42"), Literal::Long(-42));
        assert_eq!(lit("0x1F"), Literal::Long(31));
        assert_eq!(lit("0xFFFFFFFFFFFFFFFF"), Literal::Long(-1));
        assert_eq!(lit("1.5"), Literal::Real(1.5));
        assert_eq!(lit("1e3"), Literal::Real(1000.0));
        assert_eq!(lit("2.5E-3"), Literal::Real(0.0025));
        assert_eq!(lit(".5"), Literal::Real(0.5));
        assert_eq!(lit("1000."), Literal::Real(1000.0));
        assert_eq!(lit("9223372036854775807"), Literal::Long(i64::MAX));
        assert_eq!(
            bad("9223372036854775808"),
            (Code::BadLiteral, Some(Span::new(0, 19)))
        );
    }

    #[test]
    fn typed_literals_and_nulls() {
        assert_eq!(lit("int(5)"), Literal::Int(5));
        assert_eq!(lit("int(-5)"), Literal::Int(-5));
        assert_eq!(lit("int(0xFF)"), Literal::Int(255));
        assert_eq!(lit("long(5)"), Literal::Long(5));
        assert_eq!(lit("real(1.5)"), Literal::Real(1.5));
        assert_eq!(lit("double(2)"), Literal::Real(2.0));
        assert!(matches!(lit("real(nan)"), Literal::Real(r) if r.is_nan()));
        assert_eq!(lit("real(-inf)"), Literal::Real(f64::NEG_INFINITY));
        assert_eq!(lit("decimal(1.10)"), Literal::Decimal("1.10".into()));
        assert_eq!(lit("bool(true)"), Literal::Bool(true));
        assert_eq!(lit("true"), Literal::Bool(true));
        assert_eq!(lit("FALSE"), Literal::Bool(false));
        assert_eq!(
            lit("guid(74BE27DE-1E4E-49D9-B579-FE0B331D3642)"),
            Literal::Guid("74be27de-1e4e-49d9-b579-fe0b331d3642".into())
        );
        for (src, ty) in [
            ("long(null)", TypeName::Long),
            ("int(null)", TypeName::Int),
            ("real(null)", TypeName::Real),
            ("bool(null)", TypeName::Bool),
            ("guid(null)", TypeName::Guid),
            ("decimal(null)", TypeName::Decimal),
            ("datetime(null)", TypeName::DateTime),
            ("time(null)", TypeName::TimeSpan),
            ("timespan( null )", TypeName::TimeSpan),
        ] {
            assert_eq!(lit(src), Literal::Null(ty), "{src}");
        }
        assert_eq!(lit("dynamic(null)"), Literal::Dynamic(DynamicLit::Null));
    }

    #[test]
    fn bad_typed_literals() {
        assert_eq!(
            bad("int(3000000000)"),
            (Code::BadLiteral, Some(Span::new(0, 15)))
        );
        assert_eq!(bad("guid(xyz)").0, Code::BadLiteral);
        assert_eq!(bad("bool(maybe)").0, Code::BadLiteral);
        assert_eq!(bad("real(abc)").0, Code::BadLiteral);
        let d = parse_expr("string(null)").unwrap_err();
        assert_eq!(d.code, Code::BadLiteral);
        assert!(d.message.contains("never null"), "{}", d.message);
        let d = parse_expr("f(datetime(2026-13-45))").unwrap_err();
        assert_eq!(d.code, Code::BadLiteral);
        assert_eq!(d.span, Some(Span::new(2, 22)));
        assert!(d.message.contains("month 13"), "{}", d.message);
        assert_eq!(bad("time(1:99)").0, Code::BadLiteral);
    }

    #[test]
    fn every_timespan_unit() {
        let cases = [
            ("2d", 2 * TICKS_PER_DAY),
            ("1day", TICKS_PER_DAY),
            ("3days", 3 * TICKS_PER_DAY),
            ("2h", 2 * TICKS_PER_HOUR),
            ("1hr", TICKS_PER_HOUR),
            ("2hrs", 2 * TICKS_PER_HOUR),
            ("1hour", TICKS_PER_HOUR),
            ("5hours", 5 * TICKS_PER_HOUR),
            ("30m", 30 * TICKS_PER_MINUTE),
            ("1min", TICKS_PER_MINUTE),
            ("2mins", 2 * TICKS_PER_MINUTE),
            ("1minute", TICKS_PER_MINUTE),
            ("3minutes", 3 * TICKS_PER_MINUTE),
            ("10s", 10 * TICKS_PER_SECOND),
            ("1sec", TICKS_PER_SECOND),
            ("2secs", 2 * TICKS_PER_SECOND),
            ("1second", TICKS_PER_SECOND),
            ("4seconds", 4 * TICKS_PER_SECOND),
            ("100ms", 1_000_000),
            ("1milli", 10_000),
            ("2millis", 20_000),
            ("3millisec", 30_000),
            ("1millisecond", 10_000),
            ("5milliseconds", 50_000),
            ("10microsecond", 100),
            ("2microseconds", 20),
            ("3microsec", 30),
            ("4micros", 40),
            ("1tick", 1),
            ("7ticks", 7),
            ("1.5h", 54_000_000_000),
            ("0.1234567s", 1_234_567),
            ("-1d", -TICKS_PER_DAY),
        ];
        for (src, ticks) in cases {
            assert_eq!(ts(src), ticks, "{src}");
        }
    }

    #[test]
    fn time_function_forms() {
        assert_eq!(
            ts("time(1.02:03:04.5)"),
            TICKS_PER_DAY
                + 2 * TICKS_PER_HOUR
                + 3 * TICKS_PER_MINUTE
                + 4 * TICKS_PER_SECOND
                + 5_000_000
        );
        assert_eq!(ts("time(2d)"), 2 * TICKS_PER_DAY);
        assert_eq!(ts("timespan(15 seconds)"), 15 * TICKS_PER_SECOND);
        assert_eq!(ts("time(2)"), 2 * TICKS_PER_DAY);
    }

    #[test]
    fn datetime_forms() {
        let dt = |src: &str| match lit(src) {
            Literal::DateTime(t) => crate::format_datetime(t),
            other => panic!("{src}: {other:?}"),
        };
        assert_eq!(lit("datetime(1970-01-01)"), Literal::DateTime(0));
        assert_eq!(dt("datetime(2026-06-16)"), "2026-06-16T00:00:00Z");
        assert_eq!(
            dt("datetime(2026-06-16 10:00:00.1234567)"),
            "2026-06-16T10:00:00.1234567Z"
        );
        assert_eq!(dt("datetime(2026-06-16T10:00:00Z)"), "2026-06-16T10:00:00Z");
        assert_eq!(
            dt("datetime(Sat, 8 Nov 2014 15:05:02 GMT)"),
            "2014-11-08T15:05:02Z"
        );
        assert_eq!(
            dt("datetime(Saturday, 08-Nov-14 15:05:02 GMT)"),
            "2014-11-08T15:05:02Z"
        );
        assert_eq!(
            dt("datetime('2018-08-01T10:02:51.000')"),
            "2018-08-01T10:02:51Z"
        );
    }

    #[test]
    fn dynamic_values() {
        let d = |src: &str| match lit(src) {
            Literal::Dynamic(d) => d,
            other => panic!("{src}: {other:?}"),
        };
        assert_eq!(
            d(r#"dynamic(["a", 1, -2.5, true, null, 0x10])"#),
            DynamicLit::Array(vec![
                DynamicLit::String("a".into()),
                DynamicLit::Long(1),
                DynamicLit::Real(-2.5),
                DynamicLit::Bool(true),
                DynamicLit::Null,
                DynamicLit::Long(16),
            ])
        );
        assert_eq!(
            d(
                r#"dynamic({"t": datetime(1970-01-02), 's': 1h, k: [long(null)], "n": dynamic({})})"#
            ),
            DynamicLit::Object(vec![
                ("t".into(), DynamicLit::DateTime(TICKS_PER_DAY)),
                ("s".into(), DynamicLit::TimeSpan(TICKS_PER_HOUR)),
                ("k".into(), DynamicLit::Array(vec![DynamicLit::Null])),
                ("n".into(), DynamicLit::Object(vec![])),
            ])
        );
        assert_eq!(d("dynamic(1)"), DynamicLit::Long(1));
        assert_eq!(d("dynamic('x')"), DynamicLit::String("x".into()));
        assert_eq!(
            d("dynamic([1,])"),
            DynamicLit::Array(vec![DynamicLit::Long(1)])
        );
    }
}
