//! `hll()`, `hll_if()` and `hll_merge()` (hll-aggregation-function.md,
//! hll-if-aggregation-function.md, hll-merge-aggregation-function.md): the
//! intermediate result of a distinct count, which `dcount_hll()` counts and
//! `hll_merge()` unites.
//!
//! Kusto keeps a HyperLogLog sketch and estimates; here the sketch is the
//! **exact** set of distinct values, so `dcount_hll()` is exact (as `dcount`
//! is in this engine). On small sets Kusto's sketch is exact too (it keeps
//! the value hashes until the set grows); on large ones its estimate may
//! differ from ours by its documented error (0.2%–1.6% by accuracy).
//!
//! ## The hll value
//!
//! ```text
//! [[<accuracy>],[e1,e2,...,en]]
//! ```
//!
//! `<accuracy>` is the `accuracy` argument (0–4, default 1) and `e1 ... en`
//! the distinct values as dynamic elements (strings quoted, numbers bare,
//! datetimes as ISO strings, dynamic values as they are), sorted by their
//! text. Kusto shows `[[1024,14],[hashes],[]]` for a small sketch
//! (hll-aggregation-function.md); this layout is ours, not Kusto's bytes.
//! `hll_merge()` of values with different accuracies keeps the largest
//! (Kusto rejects the merge; the exact set is the same either way).
//!
//! The argument is each row's value already written as a dynamic element
//! (the binder converts it, as for `make_set`); nulls are skipped; over no
//! value the result is null.

use crate::dynamic::arrays::array_elements;
use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The default accuracy of `hll()`.
pub const DEFAULT_ACCURACY: i64 = 1;

/// An exact "sketch": the accuracy asked for and the distinct elements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hll {
    pub accuracy: i64,
    pub items: BTreeSet<String>,
}

impl Hll {
    pub fn new(accuracy: i64) -> Hll {
        Hll {
            accuracy,
            items: BTreeSet::new(),
        }
    }

    /// The hll text (see the module header).
    pub fn to_text(&self) -> String {
        let bytes: usize = self.items.iter().map(|s| s.len() + 1).sum();
        let mut out = String::with_capacity(bytes + 16);
        out.push_str("[[");
        out.push_str(&self.accuracy.to_string());
        out.push_str("],[");
        for (i, e) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(e);
        }
        out.push_str("]]");
        out
    }

    /// Read an hll text back; `None` when `text` is not one.
    pub fn parse(text: &str) -> Option<Hll> {
        let parts = array_elements(text)?;
        let [head, items] = parts.as_slice() else {
            return None;
        };
        let head = array_elements(head)?;
        let [acc] = head.as_slice() else {
            return None;
        };
        let accuracy = acc.trim().parse::<i64>().ok()?;
        let mut h = Hll::new(accuracy);
        let mut buf = String::new();
        for e in array_elements(items)? {
            buf.clear();
            crate::dynamic::arrays::write_element(e, &mut buf).ok()?;
            h.items.insert(buf.clone());
        }
        Some(h)
    }

    /// Add another hll's values.
    pub fn merge(&mut self, other: Hll) {
        self.accuracy = self.accuracy.max(other.accuracy);
        if self.items.is_empty() {
            self.items = other.items;
        } else {
            self.items.extend(other.items);
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct HllUdaf {
    /// `hll_merge()`: the inputs are hll values.
    merge: bool,
    accuracy: i64,
    /// `kql_hll_<accuracy>` or `kql_hll_merge`: plans name expressions by
    /// their text, so `hll(x)` and `hll(x, 2)` must read apart.
    name: String,
    signature: Signature,
}

impl HllUdaf {
    pub fn new(merge: bool, accuracy: i64) -> Self {
        HllUdaf {
            merge,
            accuracy,
            name: if merge {
                "kql_hll_merge".to_string()
            } else {
                format!("kql_hll_{accuracy}")
            },
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

/// `kql_hll(elem)` (values as dynamic element text, `accuracy` 0–4) or
/// `kql_hll_merge(hll)`.
pub fn hll_expr(merge: bool, accuracy: i64, arg: Expr) -> Expr {
    Arc::new(AggregateUDF::from(HllUdaf::new(merge, accuracy))).call(vec![arg])
}

impl AggregateUDFImpl for HllUdaf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(HllAccumulator {
            merge: self.merge,
            hll: Hll::new(if self.merge { 0 } else { self.accuracy }),
            seen: false,
            bytes: 0,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "hll"),
            DataType::Utf8,
            true,
        ))])
    }
}

#[derive(Debug)]
struct HllAccumulator {
    merge: bool,
    hll: Hll,
    /// Whether any hll value was merged (an empty hll still counts).
    seen: bool,
    bytes: usize,
}

impl HllAccumulator {
    fn merge_text(&mut self, text: &str) -> Result<()> {
        let Some(h) = Hll::parse(text) else {
            return exec_err!("hll_merge(): the value is not an hll: {text}");
        };
        self.bytes += h.items.iter().map(|s| s.len() + 48).sum::<usize>();
        self.hll.merge(h);
        self.seen = true;
        Ok(())
    }
}

impl Accumulator for HllAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(v) = values.first() else {
            return Ok(());
        };
        let v = cast(v, &DataType::Utf8)?;
        for s in v.as_string::<i32>().iter().flatten() {
            if self.merge {
                self.merge_text(s)?;
            } else if !self.hll.items.contains(s) {
                self.bytes += s.len() + 48;
                self.hll.items.insert(s.to_string());
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let any = self.seen || !self.hll.items.is_empty();
        Ok(ScalarValue::Utf8(any.then(|| self.hll.to_text())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.bytes
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.evaluate().map(|v| vec![v])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(s) = states.first() else {
            return Ok(());
        };
        let s = cast(s, &DataType::Utf8)?;
        for text in s.as_string::<i32>().iter().flatten() {
            self.merge_text(text)?;
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

    fn text(s: ScalarValue) -> Option<String> {
        match s {
            ScalarValue::Utf8(s) => s,
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn hll_keeps_distinct_values_and_skips_nulls() {
        let mut a = acc(false, 2);
        a.update_batch(&batch(vec![
            Some("\"b\""),
            None,
            Some("\"\""),
            Some("\"b\""),
            Some("\"a,b\""),
        ]))
        .unwrap();
        let t = text(a.evaluate().unwrap()).unwrap();
        assert_eq!(t, r#"[[2],["","a,b","b"]]"#);
        assert_eq!(Hll::parse(&t).unwrap().items.len(), 3);
        let mut empty = acc(false, 1);
        empty.update_batch(&batch(vec![None])).unwrap();
        assert_eq!(text(empty.evaluate().unwrap()), None);
    }

    #[test]
    fn merge_unites_sets_and_partial_states() {
        let mut m = acc(true, 0);
        m.update_batch(&batch(vec![
            Some("[[1],[1,2,3]]"),
            None,
            Some("[[1], [3, 4]]"),
            Some("[[1],[]]"),
        ]))
        .unwrap();
        let state = m.state().unwrap().remove(0).to_array().unwrap();
        let mut m2 = acc(true, 0);
        m2.merge_batch(&[state]).unwrap();
        assert_eq!(text(m2.evaluate().unwrap()).unwrap(), "[[1],[1,2,3,4]]");
        let mut bad = acc(true, 0);
        assert!(bad.update_batch(&batch(vec![Some("[1,2]")])).is_err());
    }

    fn acc(merge: bool, accuracy: i64) -> HllAccumulator {
        HllAccumulator {
            merge,
            hll: Hll::new(if merge { 0 } else { accuracy }),
            seen: false,
            bytes: 0,
        }
    }
}
