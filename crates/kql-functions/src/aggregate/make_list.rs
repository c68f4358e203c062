//! `kql_make_list(elem)` / `kql_make_set(elem)`: the values of a group as a
//! dynamic array (JSON text).
//!
//! The argument is each row's value already written as a JSON element (the
//! binder converts it by its KQL type: strings quoted, numbers bare,
//! datetimes as ISO strings, dynamic values as they are); a null is skipped
//! ("Null values are ignored", make-list-aggregation-function.md). At most
//! `max` elements are kept (the `maxSize` argument; 1048576 by default).
//! `make_set` keeps the first occurrence of each distinct element and takes
//! the elements of an array value one by one (make-set-aggregation-function.md,
//! "Set from array column"). The order is the order rows arrive in, which
//! Kusto leaves undefined unless the input is sorted (then lowering uses
//! [`ordered_list`](super::ordered_list)).
//!
//! Partial states are lists of element texts, so DataFusion can aggregate in
//! parallel and merge.

use crate::dynamic::arrays::{array_elements, write_element};
use crate::dynamic::{Kind, kind};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use std::collections::HashSet;
use std::sync::Arc;

/// Kusto's default and largest `maxSize`.
pub const MAX_SIZE: usize = 1_048_576;

/// The default `maxSize` of the deprecated `makelist()` / `makeset()`.
pub const DEPRECATED_MAX_SIZE: usize = 128;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeListUdaf {
    set: bool,
    max: usize,
    signature: Signature,
}

impl MakeListUdaf {
    pub fn new(set: bool, max: usize) -> Self {
        MakeListUdaf {
            set,
            max: max.min(MAX_SIZE),
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }

    /// Whether this is `make_set` (distinct elements).
    pub fn is_set(&self) -> bool {
        self.set
    }

    /// The most elements kept.
    pub fn max(&self) -> usize {
        self.max
    }
}

/// `kql_make_list(elem)` or `kql_make_set(elem)` keeping at most `max`
/// elements; `elem` is the row's value as JSON element text.
pub fn make_list_expr(set: bool, max: usize, elem: Expr) -> Expr {
    Arc::new(AggregateUDF::from(MakeListUdaf::new(set, max))).call(vec![elem])
}

impl AggregateUDFImpl for MakeListUdaf {
    fn name(&self) -> &str {
        if self.set {
            "kql_make_set"
        } else {
            "kql_make_list"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ListAccumulator::new(self.set, self.max)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new_list(
            format_state_name(args.name, "items"),
            Field::new_list_field(DataType::Utf8, true),
            true,
        ))])
    }
}

/// The elements of one group so far.
#[derive(Debug)]
pub struct ListAccumulator {
    set: bool,
    max: usize,
    items: Vec<String>,
    seen: HashSet<String>,
    bytes: usize,
}

impl ListAccumulator {
    pub fn new(set: bool, max: usize) -> Self {
        ListAccumulator {
            set,
            max,
            items: Vec::new(),
            seen: HashSet::new(),
            bytes: 0,
        }
    }

    fn add(&mut self, el: &str) {
        if self.items.len() >= self.max {
            return;
        }
        if self.set {
            if self.seen.contains(el) {
                return;
            }
            self.seen.insert(el.to_string());
            self.bytes += el.len();
        }
        self.bytes += el.len();
        self.items.push(el.to_string());
    }

    /// One row's value: a set takes an array's elements one by one.
    fn add_value(&mut self, v: &str) -> Result<()> {
        if self.set
            && kind(v) == Some(Kind::Array)
            && let Some(els) = array_elements(v)
        {
            let mut buf = String::new();
            for el in els {
                if kind(el) == Some(Kind::Null) {
                    continue;
                }
                buf.clear();
                write_element(el, &mut buf).map_err(crate::columnar::fmt_err)?;
                self.add(&buf);
            }
            return Ok(());
        }
        self.add(v);
        Ok(())
    }

    /// The JSON array text.
    pub fn result(&self) -> String {
        let mut out = String::with_capacity(self.bytes + self.items.len() + 2);
        out.push('[');
        for (i, el) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(el);
        }
        out.push(']');
        out
    }
}

fn as_utf8(a: &ArrayRef) -> Result<ArrayRef> {
    if a.data_type() == &DataType::Utf8 {
        Ok(a.clone())
    } else {
        Ok(cast(a, &DataType::Utf8)?)
    }
}

impl Accumulator for ListAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(v) = values.first() else {
            return Ok(());
        };
        let v = as_utf8(v)?;
        for s in v.as_string::<i32>().iter().flatten() {
            if self.items.len() >= self.max {
                break;
            }
            self.add_value(s)?;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Utf8(Some(self.result())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.bytes + self.items.len() * 48
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: Vec<ScalarValue> = self
            .items
            .iter()
            .map(|s| ScalarValue::Utf8(Some(s.clone())))
            .collect();
        Ok(vec![ScalarValue::List(ScalarValue::new_list_nullable(
            &values,
            &DataType::Utf8,
        ))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(lists) = states.first() else {
            return Ok(());
        };
        let lists: &ListArray = lists.as_list::<i32>();
        for i in 0..lists.len() {
            if lists.is_null(i) {
                continue;
            }
            let part = as_utf8(&lists.value(i))?;
            for s in part.as_string::<i32>().iter().flatten() {
                // already element text (a set's arrays were taken apart)
                self.add(s);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;

    fn batch(v: Vec<Option<&str>>) -> Vec<ArrayRef> {
        vec![Arc::new(StringArray::from(v))]
    }

    #[test]
    fn list_skips_nulls_keeps_empty_strings_and_duplicates() {
        let mut acc = ListAccumulator::new(false, MAX_SIZE);
        acc.update_batch(&batch(vec![
            Some("\"a\""),
            None,
            Some("\"\""),
            Some("\"a\""),
            Some("[1, 2]"),
        ]))
        .unwrap();
        assert_eq!(acc.result(), r#"["a","","a",[1, 2]]"#);
        assert_eq!(ListAccumulator::new(false, 5).result(), "[]");
    }

    #[test]
    fn set_dedupes_and_flattens_arrays() {
        let mut acc = ListAccumulator::new(true, MAX_SIZE);
        acc.update_batch(&batch(vec![
            Some(r#"["A1","A2","A3"]"#),
            Some(r#"["A2","C1"]"#),
            None,
            Some(r#"["C2", null, {"k": 1}]"#),
            Some("\"A1\""),
        ]))
        .unwrap();
        assert_eq!(acc.result(), r#"["A1","A2","A3","C1","C2",{"k":1}]"#);
    }

    #[test]
    fn max_size_and_merge_of_partial_states() {
        let mut a = ListAccumulator::new(false, 3);
        a.update_batch(&batch(vec![Some("1"), Some("2")])).unwrap();
        let mut b = ListAccumulator::new(false, 3);
        b.update_batch(&batch(vec![Some("3"), Some("4")])).unwrap();
        let state = b.state().unwrap().remove(0).to_array().unwrap();
        a.merge_batch(&[state]).unwrap();
        assert_eq!(a.result(), "[1,2,3]");
    }
}
