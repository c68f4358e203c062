//! `rand()` and `rand(N)` (rand-function.md): `kql_rand([n])`.
//!
//! `rand()` is a real drawn uniformly from [0.0, 1.0); `rand(N)` a real
//! drawn uniformly from {0.0, 1.0, ..., N - 1} (null when N is null or not
//! positive). A new value for every row: the UDF is volatile, so DataFusion
//! never folds it into one constant or reuses one row's value for another.
//! `sample` orders by it.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use rand::Rng;
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RandUdf {
    signature: Signature,
}

impl Default for RandUdf {
    fn default() -> Self {
        RandUdf {
            signature: Signature::one_of(
                vec![TypeSignature::Nullary, TypeSignature::Any(1)],
                Volatility::Volatile,
            ),
        }
    }
}

/// `kql_rand()` / `kql_rand(n)`.
pub fn rand_expr(n: Option<Expr>) -> Expr {
    Arc::new(ScalarUDF::from(RandUdf::default())).call(n.into_iter().collect())
}

impl ScalarUDFImpl for RandUdf {
    fn name(&self) -> &str {
        "kql_rand"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let mut rng = rand::rng();
        let out: Float64Array = match args.args.as_slice() {
            [] => (0..rows).map(|_| Some(rng.random::<f64>())).collect(),
            [n] => {
                let n = cast(&n.to_array(rows)?, &DataType::Int64)?;
                let n = n.as_primitive::<Int64Type>();
                (0..rows)
                    .map(|i| {
                        (n.is_valid(i) && n.value(i) > 0)
                            .then(|| rng.random_range(0..n.value(i)) as f64)
                    })
                    .collect()
            }
            _ => return exec_err!("kql_rand takes at most one argument"),
        };
        Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::Field;
    use datafusion::common::ScalarValue;

    fn run(args: Vec<ColumnarValue>, rows: usize) -> Float64Array {
        let arg_fields = args
            .iter()
            .map(|a| Arc::new(Field::new("a", a.data_type(), true)))
            .collect();
        let out = RandUdf::default()
            .invoke_with_args(ScalarFunctionArgs {
                args,
                arg_fields,
                number_rows: rows,
                return_field: Arc::new(Field::new("r", DataType::Float64, true)),
                config_options: Default::default(),
            })
            .unwrap();
        out.to_array(rows).unwrap().as_primitive().clone()
    }

    #[test]
    fn values_are_in_range_and_vary() {
        let a = run(vec![], 1000);
        assert!(a.values().iter().all(|v| (0.0..1.0).contains(v)));
        assert!(a.values().iter().any(|v| *v != a.value(0)));
        let b = run(
            vec![ColumnarValue::Scalar(ScalarValue::Int64(Some(3)))],
            1000,
        );
        assert!(b.values().iter().all(|v| [0.0, 1.0, 2.0].contains(v)));
        let c = run(vec![ColumnarValue::Scalar(ScalarValue::Int64(Some(0)))], 2);
        assert_eq!(c.null_count(), 2);
    }
}
