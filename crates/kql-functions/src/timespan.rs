//! `totimespan(string)`: Kusto's timespan text to a Duration(ns), null when
//! the text is not a timespan. Accepted: `[-][d.]hh:mm[:ss[.fffffff]]` and a
//! number with a unit (`1.5h`, `30m`, `2d`, `100ms`, `10microseconds`,
//! `5ticks`, `1 day`).

use datafusion::arrow::array::{Array, AsArray, DurationNanosecondBuilder};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

const NS_PER_SEC: i128 = 1_000_000_000;

/// Parse a timespan text to nanoseconds.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t),
    };
    let ns = if body.contains(':') {
        parse_clock(body)?
    } else {
        parse_with_unit(body)?
    };
    let ns = if neg { -ns } else { ns };
    i64::try_from(ns).ok()
}

fn digits(s: &str) -> Option<i128> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 18 {
        return None;
    }
    s.parse().ok()
}

/// `[d.]hh:mm[:ss[.fffffff]]`
fn parse_clock(s: &str) -> Option<i128> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let (days, hours) = match parts[0].split_once('.') {
        Some((d, h)) => (digits(d)?, digits(h)?),
        None => (0, digits(parts[0])?),
    };
    let minutes = digits(parts[1])?;
    let (secs, frac_ns) = match parts.get(2) {
        None => (0, 0),
        Some(sec) => match sec.split_once('.') {
            Some((s, f)) => {
                if f.is_empty() || f.len() > 7 || !f.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let scaled: i128 = format!("{f:0<9}").parse().ok()?;
                (digits(s)?, scaled)
            }
            None => (digits(sec)?, 0),
        },
    };
    if hours > 23 || minutes > 59 || secs > 59 {
        return None;
    }
    Some((((days * 24 + hours) * 60 + minutes) * 60 + secs) * NS_PER_SEC + frac_ns)
}

/// `1.5h`, `2 days`, `100ms`, ...
fn parse_with_unit(s: &str) -> Option<i128> {
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = s.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let per: f64 = match unit.as_str() {
        "d" | "day" | "days" => 86_400e9,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600e9,
        "m" | "min" | "minute" | "minutes" => 60e9,
        "s" | "sec" | "second" | "seconds" => 1e9,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1e6,
        "microsecond" | "microseconds" => 1e3,
        "tick" | "ticks" => 100.0,
        _ => return None,
    };
    let n: f64 = num.parse().ok()?;
    let ns = (n * per).round();
    if !ns.is_finite() || ns.abs() > i64::MAX as f64 {
        return None;
    }
    Some(ns as i128)
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ToTimespanUdf {
    signature: Signature,
}

impl Default for ToTimespanUdf {
    fn default() -> Self {
        ToTimespanUdf {
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

/// `kql_totimespan(s)` for a string `s`.
pub fn totimespan_expr(s: Expr) -> Expr {
    Arc::new(ScalarUDF::from(ToTimespanUdf::default())).call(vec![s])
}

impl ScalarUDFImpl for ToTimespanUdf {
    fn name(&self) -> &str {
        "kql_totimespan"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Duration(TimeUnit::Nanosecond))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return exec_err!("kql_totimespan takes one argument");
        };
        if let ColumnarValue::Scalar(v) = arg {
            let s = match v {
                ScalarValue::Utf8(s) => s.as_deref(),
                _ => None,
            };
            return Ok(ColumnarValue::Scalar(ScalarValue::DurationNanosecond(
                s.and_then(parse_timespan),
            )));
        }
        let array = arg.to_array(args.number_rows)?;
        let mut out = DurationNanosecondBuilder::with_capacity(array.len());
        for v in array.as_string::<i32>().iter() {
            out.append_option(v.and_then(parse_timespan));
        }
        Ok(ColumnarValue::Array(
            Arc::new(out.finish()) as Arc<dyn Array>
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_timespan;

    const S: i64 = 1_000_000_000;

    #[test]
    fn clock_forms() {
        assert_eq!(parse_timespan("1.02:00:00"), Some((26 * 3600) * S));
        assert_eq!(parse_timespan("00:30:00"), Some(1800 * S));
        assert_eq!(parse_timespan("00:00:01.5"), Some(S + S / 2));
        assert_eq!(parse_timespan("-00:00:01"), Some(-S));
        assert_eq!(parse_timespan("10:30"), Some((10 * 3600 + 30 * 60) * S));
        assert_eq!(parse_timespan("00:00:00.0000001"), Some(100));
        assert_eq!(parse_timespan("25:00:00"), None);
        assert_eq!(parse_timespan("x"), None);
        assert_eq!(parse_timespan(""), None);
    }

    #[test]
    fn unit_forms() {
        assert_eq!(parse_timespan("2d"), Some(2 * 86_400 * S));
        assert_eq!(parse_timespan("1.5h"), Some(5400 * S));
        assert_eq!(parse_timespan("100ms"), Some(100_000_000));
        assert_eq!(parse_timespan("3 minutes"), Some(180 * S));
        assert_eq!(parse_timespan("1tick"), Some(100));
        assert_eq!(parse_timespan("5parsecs"), None);
    }
}
