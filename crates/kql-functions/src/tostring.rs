//! `tostring()` of datetime, timespan and real values with Kusto's text:
//! `2026-06-16T10:00:00Z`, `1.02:00:00`, `1` for a whole real (not `1.0`).
//! A null becomes "" (a KQL string is never null). Other types convert with
//! an ordinary cast in the binder.

use crate::format::{format_datetime, format_timespan};
use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{
    DataType, DurationNanosecondType, Float64Type, TimeUnit, TimestampNanosecondType,
};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ToStringUdf {
    signature: Signature,
}

impl Default for ToStringUdf {
    fn default() -> Self {
        ToStringUdf {
            signature: Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![DataType::Timestamp(TimeUnit::Nanosecond, None)]),
                    TypeSignature::Exact(vec![DataType::Duration(TimeUnit::Nanosecond)]),
                    TypeSignature::Exact(vec![DataType::Float64]),
                ],
                Volatility::Immutable,
            ),
        }
    }
}

/// Kusto's text of a real, as .NET writes a double: the shortest digits that
/// round-trip, in plain notation for magnitudes in [1e-4, 1e15) (whole values
/// without a fraction: `1`, `0.5`, `123456789012345`), else scientific with a
/// capital `E`, a signed exponent of at least two digits (`1E+15`,
/// `1.5E-07`, `2.20904969985854E-05` as erfc-function.md shows); `NaN`,
/// `Infinity`, `-Infinity`.
pub fn real_text(v: f64) -> String {
    let mut out = String::new();
    write_real_text(v, &mut out);
    out
}

/// [`real_text`] appended to `out`, without another allocation.
pub fn write_real_text(v: f64, out: &mut String) {
    use std::fmt::Write;
    if v.is_nan() {
        return out.push_str("NaN");
    }
    if v.is_infinite() {
        return out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    }
    if v == 0.0 {
        return out.push('0');
    }
    // The shortest round-trip digits (at most 17) and the decimal exponent
    // of the first one, from Rust's `{:e}` written at the end of `out`.
    let start = out.len();
    let _ = write!(out, "{:e}", v.abs());
    let (mut digits, mut n) = ([0u8; 17], 0);
    let mut exp = 0i32;
    if let Some((mantissa, e)) = out[start..].split_once('e') {
        for d in mantissa.bytes().filter(|d| *d != b'.').take(17) {
            digits[n] = d;
            n += 1;
        }
        exp = e.parse().unwrap_or(0);
    }
    out.truncate(start);
    let digits = std::str::from_utf8(&digits[..n]).unwrap_or("0");
    if v < 0.0 {
        out.push('-');
    }
    if !(-4..15).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "E{sign}{:02}", exp.abs());
    } else if exp < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

/// `kql_tostring(x)` for a datetime, timespan or real `x`.
pub fn tostring_expr(x: Expr) -> Expr {
    Arc::new(ScalarUDF::from(ToStringUdf::default())).call(vec![x])
}

impl ScalarUDFImpl for ToStringUdf {
    fn name(&self) -> &str {
        "kql_tostring"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return exec_err!("kql_tostring takes one argument");
        };
        let is_scalar = matches!(arg, ColumnarValue::Scalar(_));
        let array = arg.to_array(args.number_rows.max(1))?;
        let mut out = StringBuilder::with_capacity(array.len(), array.len() * 20);
        match array.data_type() {
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                for v in array.as_primitive::<TimestampNanosecondType>().iter() {
                    out.append_value(v.map(format_datetime).unwrap_or_default());
                }
            }
            DataType::Duration(TimeUnit::Nanosecond) => {
                for v in array.as_primitive::<DurationNanosecondType>().iter() {
                    out.append_value(v.map(format_timespan).unwrap_or_default());
                }
            }
            DataType::Float64 => {
                let mut buf = String::new();
                for v in array.as_primitive::<Float64Type>().iter() {
                    buf.clear();
                    if let Some(v) = v {
                        write_real_text(v, &mut buf);
                    }
                    out.append_value(&buf);
                }
            }
            other => return exec_err!("kql_tostring of {other}"),
        }
        let result: Arc<dyn Array> = Arc::new(out.finish());
        crate::columnar::finish(result, is_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::real_text;

    #[test]
    fn reals_print_like_kusto() {
        assert_eq!(real_text(1.0), "1");
        assert_eq!(real_text(-3.0), "-3");
        assert_eq!(real_text(0.5), "0.5");
        assert_eq!(real_text(f64::NAN), "NaN");
        assert_eq!(real_text(f64::INFINITY), "Infinity");
        assert_eq!(real_text(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(real_text(0.0), "0");
        assert_eq!(real_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(real_text(123456789012345.0), "123456789012345");
        assert_eq!(real_text(1234.5678), "1234.5678");
        assert_eq!(real_text(-0.0001), "-0.0001");
        // .NET's scientific notation outside [1e-4, 1e15)
        assert_eq!(real_text(1e15), "1E+15");
        assert_eq!(real_text(1.2345678901234567e19), "1.2345678901234567E+19");
        assert_eq!(real_text(1e-5), "1E-05");
        assert_eq!(real_text(-1.5e-7), "-1.5E-07");
        assert_eq!(real_text(1.7976931348623157e308), "1.7976931348623157E+308");
        // erfc-function.md: erfc(3) shown as 2.20904969985854E-05
        assert_eq!(real_text(2.20904969985854e-5), "2.20904969985854E-05");
    }
}
