//! `tostring()` of datetime, timespan and real values with Kusto's text:
//! `2026-06-16T10:00:00Z`, `1.02:00:00`, `1` for a whole real (not `1.0`).
//! A null becomes "" (a KQL string is never null). Other types convert with
//! an ordinary cast in the binder.

use crate::format::{format_datetime, format_real, format_timespan};
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

/// Kusto's text of a real: whole values without a fraction.
pub fn real_text(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format_real(v)
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
                for v in array.as_primitive::<Float64Type>().iter() {
                    out.append_value(v.map(real_text).unwrap_or_default());
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
    }
}
