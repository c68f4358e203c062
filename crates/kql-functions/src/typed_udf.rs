//! [`TypedUdf`]: a row-function shell whose arguments are cast to the Arrow
//! types it names (Float64, Utf8, Int64, Boolean, ...) and handed to the
//! kernel as [`TypedArgs`], arrays of one length. Constant arguments are read
//! once as one-row arrays when every argument is constant (the result is then
//! a scalar); otherwise they are expanded to the batch length. The geo
//! functions, `convert_*`, `beta_*` and the scalars of `scalars.rs` use it;
//! [`crate::udf::KernelUdf`] is the shell for kernels that read strings and
//! integers through [`crate::columnar::Args`] without expanding constants.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::datatypes::{Float64Type, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The arguments of one call, cast and expanded to `rows`.
pub(crate) struct TypedArgs {
    arrays: Vec<ArrayRef>,
    pub rows: usize,
}

impl TypedArgs {
    /// Every argument as an array of `rows` values.
    pub(crate) fn arrays(&self) -> &[ArrayRef] {
        &self.arrays
    }
    pub(crate) fn f64(&self, k: usize, i: usize) -> Option<f64> {
        let a = self.arrays.get(k)?.as_primitive::<Float64Type>();
        (!a.is_null(i)).then(|| a.value(i))
    }
    pub(crate) fn i64(&self, k: usize, i: usize) -> Option<i64> {
        let a = self.arrays.get(k)?.as_primitive::<Int64Type>();
        (!a.is_null(i)).then(|| a.value(i))
    }
    pub(crate) fn bool(&self, k: usize, i: usize) -> Option<bool> {
        let a = self.arrays.get(k)?.as_boolean();
        (!a.is_null(i)).then(|| a.value(i))
    }
    pub(crate) fn str(&self, k: usize, i: usize) -> Option<&str> {
        let a = self.arrays.get(k)?.as_string::<i32>();
        (!a.is_null(i)).then(|| a.value(i))
    }
    /// Whether argument `k` was given at all.
    pub(crate) fn has(&self, k: usize) -> bool {
        k < self.arrays.len()
    }
}

/// The kernel: the cast arguments.
pub(crate) type TypedKernel = fn(&TypedArgs) -> Result<ArrayRef>;

pub struct TypedUdf {
    name: &'static str,
    signature: Signature,
    ret: DataType,
    /// The type each argument is cast to (the last repeats).
    args: Vec<DataType>,
    kernel: TypedKernel,
}

impl TypedUdf {
    pub(crate) fn new(
        name: &'static str,
        ret: DataType,
        args: &[DataType],
        kernel: TypedKernel,
    ) -> TypedUdf {
        TypedUdf {
            name,
            signature: Signature::variadic_any(Volatility::Immutable),
            ret,
            args: args.to_vec(),
            kernel,
        }
    }

    /// A function whose value changes from row to row without arguments.
    pub(crate) fn volatile(mut self) -> TypedUdf {
        self.signature = Signature::nullary(Volatility::Volatile);
        self
    }

    pub(crate) fn call(self, args: Vec<Expr>) -> Expr {
        Arc::new(ScalarUDF::from(self)).call(args)
    }
}

impl std::fmt::Debug for TypedUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedUdf")
            .field("name", &self.name)
            .finish()
    }
}

impl PartialEq for TypedUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TypedUdf {}

impl Hash for TypedUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for TypedUdf {
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
        let all_scalar = !args.args.is_empty()
            && args
                .args
                .iter()
                .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let arrays = args
            .args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let a = a.to_array(rows)?;
                let to = &self.args[i.min(self.args.len().saturating_sub(1))];
                if a.data_type() == to {
                    Ok(a)
                } else {
                    Ok(cast(&a, to)?)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let out = (self.kernel)(&TypedArgs { arrays, rows })?;
        crate::columnar::finish(out, all_scalar)
    }
}
