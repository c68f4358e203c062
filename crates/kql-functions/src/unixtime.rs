//! `unixtime_seconds_todatetime`, `..._milliseconds_...`,
//! `..._microseconds_...`, `..._nanoseconds_...`: a count of units since
//! 1970-01-01 (long or real) as a datetime; null on null or out of range.
//! Datetimes have 100 ns ticks, so the result is rounded (real input) or
//! floored (long input) to a tick.

use datafusion::arrow::array::{Array, AsArray, TimestampNanosecondBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

/// The unit of the input count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EpochUnit {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

impl EpochUnit {
    pub const ALL: [EpochUnit; 4] = [
        EpochUnit::Seconds,
        EpochUnit::Milliseconds,
        EpochUnit::Microseconds,
        EpochUnit::Nanoseconds,
    ];

    /// The unit of `unixtime_<unit>_todatetime`.
    pub fn from_function(name: &str) -> Option<EpochUnit> {
        Some(match name {
            "unixtime_seconds_todatetime" => EpochUnit::Seconds,
            "unixtime_milliseconds_todatetime" => EpochUnit::Milliseconds,
            "unixtime_microseconds_todatetime" => EpochUnit::Microseconds,
            "unixtime_nanoseconds_todatetime" => EpochUnit::Nanoseconds,
            _ => return None,
        })
    }

    fn nanos(self) -> i64 {
        match self {
            EpochUnit::Seconds => 1_000_000_000,
            EpochUnit::Milliseconds => 1_000_000,
            EpochUnit::Microseconds => 1_000,
            EpochUnit::Nanoseconds => 1,
        }
    }

    fn udf_name(self) -> &'static str {
        match self {
            EpochUnit::Seconds => "kql_unixtime_seconds_todatetime",
            EpochUnit::Milliseconds => "kql_unixtime_milliseconds_todatetime",
            EpochUnit::Microseconds => "kql_unixtime_microseconds_todatetime",
            EpochUnit::Nanoseconds => "kql_unixtime_nanoseconds_todatetime",
        }
    }
}

const TICK: i64 = 100;

/// A whole count of units as nanoseconds, floored to a tick.
pub fn from_long(v: i64, unit: EpochUnit) -> Option<i64> {
    let ns = v.checked_mul(unit.nanos())?;
    Some(ns.div_euclid(TICK) * TICK)
}

/// A real count of units as nanoseconds, rounded to a tick. The whole and
/// fractional parts are scaled apart so large values keep their precision.
pub fn from_real(v: f64, unit: EpochUnit) -> Option<i64> {
    if !v.is_finite() {
        return None;
    }
    let whole = v.trunc();
    if whole.abs() > 9.3e18 / unit.nanos() as f64 {
        return None;
    }
    let whole_ns = (whole as i64).checked_mul(unit.nanos())?;
    let frac_ticks = ((v - whole) * (unit.nanos() as f64) / TICK as f64).round() as i64;
    let ns = whole_ns.checked_add(frac_ticks.checked_mul(TICK)?)?;
    Some(ns.div_euclid(TICK) * TICK)
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct UnixTimeUdf {
    unit: EpochUnit,
    signature: Signature,
}

impl UnixTimeUdf {
    pub fn new(unit: EpochUnit) -> Self {
        UnixTimeUdf {
            unit,
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

/// `kql_unixtime_<unit>_todatetime(x)` for an Int64 or Float64 `x`.
pub fn unixtime_expr(unit: EpochUnit, x: Expr) -> Expr {
    Arc::new(ScalarUDF::from(UnixTimeUdf::new(unit))).call(vec![x])
}

impl ScalarUDFImpl for UnixTimeUdf {
    fn name(&self) -> &str {
        self.unit.udf_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Timestamp(TimeUnit::Nanosecond, None))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [x] = args.args.as_slice() else {
            return exec_err!("{} takes one argument", self.name());
        };
        let scalar = matches!(x, ColumnarValue::Scalar(_));
        let a = x.to_array(if scalar { 1 } else { args.number_rows })?;
        let mut out = TimestampNanosecondBuilder::with_capacity(a.len());
        match a.data_type() {
            DataType::Float64 | DataType::Float32 => {
                let a = cast(&a, &DataType::Float64)?;
                for v in a.as_primitive::<Float64Type>().iter() {
                    out.append_option(v.and_then(|v| from_real(v, self.unit)));
                }
            }
            _ => {
                let a = cast(&a, &DataType::Int64)?;
                for v in a.as_primitive::<Int64Type>().iter() {
                    out.append_option(v.and_then(|v| from_long(v, self.unit)));
                }
            }
        }
        crate::columnar::finish(Arc::new(out.finish()) as Arc<dyn Array>, scalar)
    }
}

pub(crate) fn all_unixtime_udfs() -> Vec<ScalarUDF> {
    EpochUnit::ALL
        .into_iter()
        .map(|u| ScalarUDF::from(UnixTimeUdf::new(u)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::invoke;
    use datafusion::arrow::array::{Float64Array, Int64Array};
    use datafusion::arrow::datatypes::TimestampNanosecondType;

    const JAN_2019: i64 = 1_546_300_800;

    #[test]
    fn whole_units() {
        let s = 1_000_000_000;
        assert_eq!(from_long(JAN_2019, EpochUnit::Seconds), Some(JAN_2019 * s));
        assert_eq!(
            from_long(JAN_2019 * 1_000_000, EpochUnit::Microseconds),
            Some(JAN_2019 * s)
        );
        assert_eq!(
            from_long(JAN_2019 * s + 150, EpochUnit::Nanoseconds),
            Some(JAN_2019 * s + 100)
        );
        assert_eq!(from_long(i64::MAX, EpochUnit::Seconds), None);
    }

    #[test]
    fn real_units_keep_precision() {
        assert_eq!(
            from_real(1_286_536_309_586.0, EpochUnit::Milliseconds),
            Some(1_286_536_309_586_000_000)
        );
        assert_eq!(
            from_real(JAN_2019 as f64 + 0.5, EpochUnit::Seconds),
            Some(JAN_2019 * 1_000_000_000 + 500_000_000)
        );
        assert_eq!(from_real(f64::NAN, EpochUnit::Seconds), None);
        assert_eq!(from_real(1e30, EpochUnit::Seconds), None);
    }

    #[test]
    fn arrays_with_nulls() {
        let u = UnixTimeUdf::new(EpochUnit::Seconds);
        let a = invoke(
            &u,
            vec![ColumnarValue::Array(Arc::new(Int64Array::from(vec![
                Some(0),
                None,
            ])))],
        );
        let a = a.as_primitive::<TimestampNanosecondType>();
        assert_eq!(a.value(0), 0);
        assert!(a.is_null(1));
        let f = invoke(
            &u,
            vec![ColumnarValue::Array(Arc::new(Float64Array::from(vec![
                None,
                Some(1.5),
            ])))],
        );
        let f = f.as_primitive::<TimestampNanosecondType>();
        assert!(f.is_null(0));
        assert_eq!(f.value(1), 1_500_000_000);
    }
}
