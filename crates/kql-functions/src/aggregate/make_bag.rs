//! `kql_make_bag(bag)`: the property bags of a group merged into one
//! (make-bag-aggregation-function.md, make-bag-if-aggregation-function.md).
//!
//! The argument is each row's dynamic value (JSON text). Values that are not
//! property bags (nulls, arrays, scalars) are skipped. "If a key appears in
//! more than one row, an arbitrary value, out of the possible values for this
//! key, is selected": here the first one seen. At most `max` keys are kept
//! (the `maxSize` argument, 1048576 by default). A group with no bag gives
//! `{}`.
//!
//! The partial state is the bag so far as JSON text, so DataFusion can
//! aggregate in parallel and merge.

use crate::dynamic::bags::object_members;
use crate::dynamic::write_compact;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
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

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeBagUdaf {
    max: usize,
    signature: Signature,
}

impl MakeBagUdaf {
    pub fn new(max: usize) -> Self {
        MakeBagUdaf {
            max: max.clamp(1, MAX_SIZE),
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

/// `kql_make_bag(bag)` keeping at most `max` keys.
pub fn make_bag_expr(max: usize, bag: Expr) -> Expr {
    Arc::new(AggregateUDF::from(MakeBagUdaf::new(max))).call(vec![bag])
}

impl AggregateUDFImpl for MakeBagUdaf {
    fn name(&self) -> &str {
        "kql_make_bag"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(BagAccumulator::new(self.max)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "bag"),
            DataType::Utf8,
            true,
        ))])
    }
}

/// The bag of one group so far: its members in the order first seen.
#[derive(Debug)]
pub struct BagAccumulator {
    max: usize,
    keys: HashSet<String>,
    /// `"key":value` texts, compact.
    members: Vec<String>,
    bytes: usize,
}

impl BagAccumulator {
    pub fn new(max: usize) -> Self {
        BagAccumulator {
            max,
            keys: HashSet::new(),
            members: Vec::new(),
            bytes: 0,
        }
    }

    /// Merge one value; anything but a property bag is skipped.
    fn add(&mut self, v: &str) -> Result<()> {
        let Some(members) = object_members(v) else {
            return Ok(());
        };
        for (key, value) in members {
            if self.members.len() >= self.max {
                break;
            }
            if self.keys.contains(key) {
                continue;
            }
            let mut m = String::with_capacity(key.len() + value.len() + 1);
            m.push_str(key);
            m.push(':');
            write_compact(value.trim(), &mut m).map_err(crate::columnar::fmt_err)?;
            self.keys.insert(key.to_string());
            self.bytes += m.len() + key.len();
            self.members.push(m);
        }
        Ok(())
    }

    /// The JSON object text.
    pub fn result(&self) -> String {
        let mut out = String::with_capacity(self.bytes + self.members.len() + 2);
        out.push('{');
        for (i, m) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(m);
        }
        out.push('}');
        out
    }

    fn add_all(&mut self, a: &ArrayRef) -> Result<()> {
        let a = if a.data_type() == &DataType::Utf8 {
            a.clone()
        } else {
            cast(a, &DataType::Utf8)?
        };
        for s in a.as_string::<i32>().iter().flatten() {
            self.add(s)?;
        }
        Ok(())
    }
}

impl Accumulator for BagAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        match values.first() {
            Some(v) => self.add_all(v),
            None => Ok(()),
        }
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Utf8(Some(self.result())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.bytes + self.members.len() * 96
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Utf8(Some(self.result()))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        match states.first() {
            Some(s) => self.add_all(s),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;

    fn batch(v: Vec<Option<&str>>) -> Vec<ArrayRef> {
        vec![Arc::new(StringArray::from(v)) as ArrayRef]
    }

    #[test]
    fn merges_bags_skips_nulls_and_non_bags_first_key_wins() {
        let mut acc = BagAccumulator::new(MAX_SIZE);
        acc.update_batch(&batch(vec![
            Some(r#"{"a": 1}"#),
            None,
            Some("[1,2]"),
            Some("5"),
            Some(r#""s""#),
            Some(r#"{"b":{"c": [1, 2]},"a":2}"#),
            Some("{}"),
        ]))
        .unwrap();
        assert_eq!(acc.result(), r#"{"a":1,"b":{"c":[1,2]}}"#);
    }

    #[test]
    fn empty_group_is_an_empty_bag() {
        let mut acc = BagAccumulator::new(MAX_SIZE);
        acc.update_batch(&batch(vec![None, Some("null")])).unwrap();
        assert_eq!(acc.result(), "{}");
    }

    #[test]
    fn max_size_and_merge_of_partial_states() {
        let mut a = BagAccumulator::new(2);
        a.update_batch(&batch(vec![Some(r#"{"x":1,"y":2,"z":3}"#)]))
            .unwrap();
        assert_eq!(a.result(), r#"{"x":1,"y":2}"#);

        let mut p1 = BagAccumulator::new(MAX_SIZE);
        p1.update_batch(&batch(vec![Some(r#"{"k1":"v1"}"#)]))
            .unwrap();
        let mut p2 = BagAccumulator::new(MAX_SIZE);
        p2.update_batch(&batch(vec![Some(r#"{"k2":"v2","k1":"other"}"#)]))
            .unwrap();
        let mut total = BagAccumulator::new(MAX_SIZE);
        for p in [&mut p1, &mut p2] {
            let s = p.state().unwrap();
            let arr = ScalarValue::iter_to_array(s).unwrap();
            total.merge_batch(&[arr]).unwrap();
        }
        assert_eq!(total.result(), r#"{"k1":"v1","k2":"v2"}"#);
    }
}
