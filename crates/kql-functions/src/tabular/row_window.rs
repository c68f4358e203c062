//! `kql_row_window_session(value, max_from_first, max_between_neighbors)`:
//! the window function behind `row_window_session()`
//! (row-window-session-function.md). Over the rows of a partition in order,
//! each row gets the value its session started with. A value starts a new
//! session when there is no session value (the first row, or the session
//! value is null), when it is at or past the session's first value plus
//! `max_from_first`, or at or past the previous value plus
//! `max_between_neighbors`. A null value gives null and makes the next value
//! start a session. All three arguments are Int64 (nanoseconds); Kusto's
//! `restart` becomes a partition (a new partition starts a new session).

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    PartitionEvaluator, Signature, TypeSignature, Volatility, WindowUDF, WindowUDFImpl,
};
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RowWindowSessionUdwf {
    signature: Signature,
}

impl Default for RowWindowSessionUdwf {
    fn default() -> Self {
        RowWindowSessionUdwf {
            signature: Signature::new(
                TypeSignature::Exact(vec![DataType::Int64; 3]),
                Volatility::Immutable,
            ),
        }
    }
}

/// The window function, for a window expression.
pub fn row_window_session_udwf() -> Arc<WindowUDF> {
    Arc::new(WindowUDF::from(RowWindowSessionUdwf::default()))
}

impl WindowUDFImpl for RowWindowSessionUdwf {
    fn name(&self) -> &str {
        "kql_row_window_session"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(
        &self,
        _: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(SessionEvaluator))
    }

    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(args.name(), DataType::Int64, true)))
    }
}

#[derive(Debug)]
struct SessionEvaluator;

impl PartitionEvaluator for SessionEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let [value, first, neighbours] = values else {
            return exec_err!("kql_row_window_session takes three arguments");
        };
        let (value, first, neighbours) = (
            value.as_primitive::<Int64Type>(),
            first.as_primitive::<Int64Type>(),
            neighbours.as_primitive::<Int64Type>(),
        );
        Ok(Arc::new(sessions(value, first, neighbours, num_rows)))
    }
}

fn get(a: &Int64Array, i: usize) -> Option<i64> {
    a.is_valid(i).then(|| a.value(i))
}

/// `v` is at or past `base + d` (false when any is null).
fn reaches(v: i64, base: Option<i64>, d: Option<i64>) -> bool {
    match (base, d) {
        (Some(b), Some(d)) => i128::from(v) >= i128::from(b) + i128::from(d),
        _ => false,
    }
}

fn sessions(
    value: &Int64Array,
    first: &Int64Array,
    neighbours: &Int64Array,
    rows: usize,
) -> Int64Array {
    let mut out = Vec::with_capacity(rows);
    let mut start: Option<i64> = None;
    let mut prev: Option<i64> = None;
    for i in 0..rows {
        let v = get(value, i);
        match v {
            None => start = None,
            Some(v) => {
                let new = start.is_none()
                    || reaches(v, start, get(first, i))
                    || reaches(v, prev, get(neighbours, i));
                if new {
                    start = Some(v);
                }
            }
        }
        out.push(start);
        prev = v;
    }
    Int64Array::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: &[Option<i64>], first: i64, nb: i64) -> Vec<Option<i64>> {
        let n = v.len();
        let value = Int64Array::from(v.to_vec());
        let first = Int64Array::from(vec![first; n]);
        let nb = Int64Array::from(vec![nb; n]);
        sessions(&value, &first, &nb, n).iter().collect()
    }

    #[test]
    fn sessions_start_on_either_distance() {
        // max 60 from the first value, 5 between neighbours
        let v = [
            Some(0),
            Some(4),
            Some(8),
            Some(20),
            Some(24),
            Some(28),
            Some(60),
            Some(64),
        ];
        let got = run(&v, 60, 5);
        let want = [0, 0, 0, 20, 20, 20, 60, 60].map(Some);
        assert_eq!(got, want);
        // the bounds are inclusive: exactly 5 apart is a new session
        assert_eq!(run(&[Some(0), Some(5)], 60, 5), vec![Some(0), Some(5)]);
        // from the first value: 0, 4, 8, 12 with max 10 from first
        assert_eq!(
            run(&[Some(0), Some(4), Some(8), Some(12)], 10, 5),
            vec![Some(0), Some(0), Some(0), Some(12)]
        );
    }

    #[test]
    fn null_values_end_the_session() {
        let v = [Some(0), None, Some(1), Some(2)];
        assert_eq!(run(&v, 60, 5), vec![Some(0), None, Some(1), Some(1)]);
        assert_eq!(run(&[], 60, 5), Vec::<Option<i64>>::new());
    }
}
