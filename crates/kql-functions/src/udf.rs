//! [`KernelUdf`]: the DataFusion UDF shell shared by the stateless row
//! functions (split, array_slice, parse_url, ipv4_*, ...). Each is a name, a
//! return type, how it reads its arguments and a kernel over [`Args`]; the
//! binder has already checked and cast the argument types.

use crate::columnar::{Args, Read};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

pub(crate) type Kernel = fn(&Args) -> Result<ArrayRef>;

/// A row function: `kernel` maps the arguments to the result array.
pub struct KernelUdf {
    name: &'static str,
    signature: Signature,
    ret: DataType,
    reads: &'static [Read],
    kernel: Kernel,
}

impl KernelUdf {
    pub(crate) fn new(
        name: &'static str,
        ret: DataType,
        reads: &'static [Read],
        kernel: Kernel,
    ) -> KernelUdf {
        KernelUdf {
            name,
            signature: Signature::variadic_any(Volatility::Immutable),
            ret,
            reads,
            kernel,
        }
    }

    /// The call expression of this UDF.
    pub(crate) fn call(self, args: Vec<Expr>) -> Expr {
        Arc::new(ScalarUDF::from(self)).call(args)
    }
}

impl std::fmt::Debug for KernelUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelUdf")
            .field("name", &self.name)
            .finish()
    }
}

impl PartialEq for KernelUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for KernelUdf {}

impl Hash for KernelUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for KernelUdf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.ret.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let a = Args::new(self.name, &args, self.reads)?;
        let out = (self.kernel)(&a)?;
        a.finish(out)
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Calling a UDF in unit tests.
    use datafusion::arrow::array::{Array, ArrayRef, AsArray};
    use datafusion::arrow::datatypes::{DataType, Field};
    use datafusion::config::ConfigOptions;
    use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl};
    use std::sync::Arc;

    /// Run `udf` over arguments; the result as an array (scalars expanded).
    pub fn invoke(udf: &dyn ScalarUDFImpl, args: Vec<ColumnarValue>) -> ArrayRef {
        try_invoke(udf, args).unwrap()
    }

    /// [`invoke`], with the UDF's error.
    pub fn try_invoke(
        udf: &dyn ScalarUDFImpl,
        args: Vec<ColumnarValue>,
    ) -> datafusion::common::Result<ArrayRef> {
        let rows = args
            .iter()
            .find_map(|a| match a {
                ColumnarValue::Array(a) => Some(a.len()),
                _ => None,
            })
            .unwrap_or(1);
        let arg_fields = args
            .iter()
            .map(|a| Arc::new(Field::new("a", a.data_type(), true)))
            .collect();
        let ret = udf.return_type(&[]).unwrap_or(DataType::Utf8);
        let out = udf.invoke_with_args(ScalarFunctionArgs {
            args,
            arg_fields,
            number_rows: rows,
            return_field: Arc::new(Field::new("r", ret, true)),
            config_options: Arc::new(ConfigOptions::default()),
        })?;
        out.to_array(rows)
    }

    /// A Utf8 result as strings.
    pub fn strings(a: &ArrayRef) -> Vec<Option<String>> {
        a.as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect()
    }

    pub fn str_col(v: Vec<Option<&str>>) -> ColumnarValue {
        ColumnarValue::Array(Arc::new(datafusion::arrow::array::StringArray::from(v)))
    }

    pub fn str_lit(v: &str) -> ColumnarValue {
        ColumnarValue::Scalar(datafusion::common::ScalarValue::Utf8(Some(v.to_string())))
    }

    pub fn i64_col(v: Vec<Option<i64>>) -> ColumnarValue {
        ColumnarValue::Array(Arc::new(datafusion::arrow::array::Int64Array::from(v)))
    }

    pub fn i64_lit(v: i64) -> ColumnarValue {
        ColumnarValue::Scalar(datafusion::common::ScalarValue::Int64(Some(v)))
    }

    #[allow(dead_code)]
    pub fn is_null(a: &ArrayRef, i: usize) -> bool {
        a.is_null(i)
    }
}
