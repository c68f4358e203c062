//! Helpers shared by the UDFs: reading string arguments of any Arrow string
//! type, and turning a computed array back into the `ColumnarValue` shape
//! DataFusion expects.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::ColumnarValue;

/// Visit each value of a string array of any of the three Arrow string types
/// (a `Null` array is all nulls).
pub(crate) fn for_each_str(array: &ArrayRef, mut f: impl FnMut(Option<&str>)) -> Result<()> {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().for_each(&mut f),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().for_each(&mut f),
        DataType::Utf8View => array.as_string_view().iter().for_each(&mut f),
        DataType::Null => (0..array.len()).for_each(|_| f(None)),
        other => return exec_err!("a string function got a {other} argument"),
    }
    Ok(())
}

/// The text of a string scalar of any string type (`None` for null or a
/// non-string).
pub(crate) fn scalar_str(v: &ScalarValue) -> Option<&str> {
    match v {
        ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => s.as_deref(),
        _ => None,
    }
}

/// `result` as a scalar when every input was a scalar (a one-row array),
/// else as the array.
pub(crate) fn finish(result: ArrayRef, all_scalar: bool) -> Result<ColumnarValue> {
    if all_scalar {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &result, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(result))
    }
}

/// One argument of a UDF call, read row by row without expanding scalars:
/// a constant, or an array already cast to the type the UDF reads.
pub(crate) enum Col {
    Scalar(ScalarValue),
    Str(datafusion::arrow::array::StringArray),
    I64(datafusion::arrow::array::Int64Array),
}

/// How a UDF reads one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    Str,
    I64,
}

impl Col {
    fn new(v: &ColumnarValue, read: Read) -> Result<Col> {
        use datafusion::arrow::compute::cast;
        let target = match read {
            Read::Str => DataType::Utf8,
            Read::I64 => DataType::Int64,
        };
        Ok(match v {
            ColumnarValue::Scalar(s) => {
                let s = if s.data_type() == target || scalar_str(s).is_some() {
                    s.clone()
                } else {
                    s.cast_to(&target)?
                };
                Col::Scalar(s)
            }
            ColumnarValue::Array(a) => {
                let a = if a.data_type() == &target {
                    a.clone()
                } else {
                    cast(a, &target)?
                };
                match read {
                    Read::Str => Col::Str(a.as_string::<i32>().clone()),
                    Read::I64 => Col::I64(
                        a.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                            .clone(),
                    ),
                }
            }
        })
    }

    pub(crate) fn is_scalar(&self) -> bool {
        matches!(self, Col::Scalar(_))
    }

    /// The string at row `i` (`None` for null).
    pub(crate) fn str(&self, i: usize) -> Option<&str> {
        match self {
            Col::Scalar(s) => scalar_str(s),
            Col::Str(a) => (!a.is_null(i)).then(|| a.value(i)),
            _ => None,
        }
    }

    pub(crate) fn i64(&self, i: usize) -> Option<i64> {
        match self {
            Col::Scalar(ScalarValue::Int64(v)) => *v,
            Col::Scalar(ScalarValue::Int32(v)) => v.map(i64::from),
            Col::I64(a) => (!a.is_null(i)).then(|| a.value(i)),
            _ => None,
        }
    }
}

/// The arguments of one UDF call: `rows` is 1 when every argument is a
/// constant (the result is then a scalar too).
pub(crate) struct Args {
    pub cols: Vec<Col>,
    pub rows: usize,
    pub all_scalar: bool,
}

impl Args {
    /// Read `args` as `reads` says (the last entry repeats for variadic calls).
    pub(crate) fn new(
        name: &str,
        args: &datafusion::logical_expr::ScalarFunctionArgs,
        reads: &[Read],
    ) -> Result<Args> {
        if reads.is_empty() {
            return exec_err!("{name}: no argument kinds");
        }
        let cols = args
            .args
            .iter()
            .enumerate()
            .map(|(i, a)| Col::new(a, reads[i.min(reads.len() - 1)]))
            .collect::<Result<Vec<_>>>()?;
        let all_scalar = cols.iter().all(Col::is_scalar);
        let rows = if all_scalar { 1 } else { args.number_rows };
        Ok(Args {
            cols,
            rows,
            all_scalar,
        })
    }

    pub(crate) fn finish(&self, result: ArrayRef) -> Result<ColumnarValue> {
        finish(result, self.all_scalar)
    }
}

/// A `fmt::Error` as a DataFusion error (writing into a builder never fails
/// in practice).
pub(crate) fn fmt_err(e: std::fmt::Error) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::External(Box::new(e))
}
