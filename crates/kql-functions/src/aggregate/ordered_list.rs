//! `kql_make_list_ordered(elem, ord)`: `make_list` over a sorted input.
//!
//! "If the input to the summarize operator is sorted, the order of elements
//! in the resulting array tracks that of the input"
//! (make-list-aggregation-function.md). DataFusion aggregates partitions in
//! any order and drops a sort nothing above requires, so lowering numbers
//! the rows in sort order and passes the number as `ord`: each element
//! keeps its row's number through partial states and merges, and the list
//! is put in that order at the end. `max` (the `maxSize` argument) keeps
//! the first elements in that order. Nulls are skipped as in
//! [`make_list`](super::make_list).

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct OrderedListUdaf {
    max: usize,
    signature: Signature,
}

impl OrderedListUdaf {
    pub fn new(max: usize) -> Self {
        OrderedListUdaf {
            max: max.min(super::make_list::MAX_SIZE),
            signature: Signature::exact(
                // `ord` is what `row_number()` gives
                vec![DataType::Utf8, DataType::UInt64],
                Volatility::Immutable,
            ),
        }
    }
}

/// `kql_make_list_ordered(elem, ord)` keeping the first `max` elements by
/// `ord`; `elem` is the row's value as JSON element text.
pub fn ordered_list_expr(max: usize, elem: Expr, ord: Expr) -> Expr {
    Arc::new(AggregateUDF::from(OrderedListUdaf::new(max))).call(vec![elem, ord])
}

impl AggregateUDFImpl for OrderedListUdaf {
    fn name(&self) -> &str {
        "kql_make_list_ordered"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(OrderedListAccumulator::new(self.max)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new_list(
                format_state_name(args.name, "items"),
                Field::new_list_field(DataType::Utf8, true),
                true,
            )),
            Arc::new(Field::new_list(
                format_state_name(args.name, "ords"),
                Field::new_list_field(DataType::Int64, true),
                true,
            )),
        ])
    }
}

/// The (row number, element) pairs of one group so far.
#[derive(Debug)]
pub struct OrderedListAccumulator {
    max: usize,
    items: Vec<(i64, String)>,
    bytes: usize,
}

impl OrderedListAccumulator {
    pub fn new(max: usize) -> Self {
        OrderedListAccumulator {
            max,
            items: Vec::new(),
            bytes: 0,
        }
    }

    fn add(&mut self, ord: i64, el: &str) {
        self.bytes += el.len();
        self.items.push((ord, el.to_string()));
        // Only the first `max` by order can be in the result: trim now and
        // then so a long group holds at most twice that.
        if self.items.len() >= self.max.saturating_mul(2).max(1024) {
            self.settle();
        }
    }

    /// Sort by row number (stable: equal numbers keep arrival order) and
    /// keep the first `max`.
    fn settle(&mut self) {
        self.items.sort_by_key(|(ord, _)| *ord);
        if self.items.len() > self.max {
            for (_, s) in self.items.drain(self.max..) {
                self.bytes -= s.len();
            }
        }
    }

    /// The JSON array text.
    pub fn result(&mut self) -> String {
        self.settle();
        let mut out = String::with_capacity(self.bytes + self.items.len() + 2);
        out.push('[');
        for (i, (_, el)) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(el);
        }
        out.push(']');
        out
    }

    /// Add the non-null elements of `values` with their numbers from `ords`.
    fn add_arrays(&mut self, values: &ArrayRef, ords: &ArrayRef) -> Result<()> {
        let values = as_type(values, &DataType::Utf8)?;
        let ords = as_type(ords, &DataType::Int64)?;
        let ords = ords.as_primitive::<Int64Type>();
        for (i, v) in values.as_string::<i32>().iter().enumerate() {
            if let Some(v) = v {
                let ord = if ords.is_null(i) {
                    i64::MAX
                } else {
                    ords.value(i)
                };
                self.add(ord, v);
            }
        }
        Ok(())
    }
}

fn as_type(a: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    if a.data_type() == ty {
        Ok(a.clone())
    } else {
        Ok(cast(a, ty)?)
    }
}

impl Accumulator for OrderedListAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [v, ord] = values else {
            return Ok(());
        };
        self.add_arrays(v, ord)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Utf8(Some(self.result())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.bytes + self.items.len() * 56
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.settle();
        let items: Vec<ScalarValue> = self
            .items
            .iter()
            .map(|(_, s)| ScalarValue::Utf8(Some(s.clone())))
            .collect();
        let ords: Vec<ScalarValue> = self
            .items
            .iter()
            .map(|(o, _)| ScalarValue::Int64(Some(*o)))
            .collect();
        Ok(vec![
            ScalarValue::List(ScalarValue::new_list_nullable(&items, &DataType::Utf8)),
            ScalarValue::List(ScalarValue::new_list_nullable(&ords, &DataType::Int64)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [items, ords] = states else {
            return Ok(());
        };
        let items: &ListArray = items.as_list::<i32>();
        let ords: &ListArray = ords.as_list::<i32>();
        for i in 0..items.len() {
            if items.is_null(i) || ords.is_null(i) {
                continue;
            }
            self.add_arrays(&items.value(i), &ords.value(i))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};

    fn batch(v: Vec<Option<&str>>, o: Vec<Option<i64>>) -> Vec<ArrayRef> {
        vec![
            Arc::new(StringArray::from(v)),
            Arc::new(Int64Array::from(o)),
        ]
    }

    #[test]
    fn elements_come_out_in_row_order_without_nulls() {
        let mut acc = OrderedListAccumulator::new(super::super::make_list::MAX_SIZE);
        acc.update_batch(&batch(
            vec![Some("\"c\""), None, Some("\"\""), Some("\"a\"")],
            vec![Some(3), Some(1), Some(2), Some(0)],
        ))
        .unwrap();
        assert_eq!(acc.result(), r#"["a","","c"]"#);
        assert_eq!(OrderedListAccumulator::new(5).result(), "[]");
    }

    #[test]
    fn partial_states_merge_in_row_order_and_max_keeps_the_first() {
        let mut a = OrderedListAccumulator::new(3);
        a.update_batch(&batch(vec![Some("2"), Some("4")], vec![Some(2), Some(4)]))
            .unwrap();
        let mut b = OrderedListAccumulator::new(3);
        b.update_batch(&batch(vec![Some("1"), Some("3")], vec![Some(1), Some(3)]))
            .unwrap();
        let state: Vec<ArrayRef> = b
            .state()
            .unwrap()
            .into_iter()
            .map(|s| s.to_array().unwrap())
            .collect();
        a.merge_batch(&state).unwrap();
        assert_eq!(a.result(), "[1,2,3]");
    }
}
