//! Helpers shared by the UDFs: turning a computed array back into the
//! `ColumnarValue` shape DataFusion expects.

use datafusion::arrow::array::ArrayRef;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::ColumnarValue;

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
