//! Percentiles and t-digests: `percentile()`, `percentiles()`,
//! `percentiles_array()`, their weighted forms `percentilew()`,
//! `percentilesw()`, `percentilesw_array()`, and `tdigest()` /
//! `tdigest_merge()` (percentiles-aggregation-function.md,
//! percentilesw-aggregation-function.md, tdigest-aggregation-function.md,
//! tdigest-merge-aggregation-function.md).
//!
//! Kusto's percentile is the *nearest-rank* percentile: for `0 < P <= 100`
//! the smallest value such that at least `P`% of the (weighted) population
//! is less or equal to it, i.e. the value at rank `ceil(P / 100 * N)` of the
//! sorted values; `P = 0` is the smallest value. A weight repeats a value
//! that many times. Kusto estimates it with a t-digest; here it is computed
//! **exactly** (every distinct value is kept with its total weight). For the
//! sizes where Kusto's t-digest is exact (it keeps every distinct value
//! until a group has many of them) both agree; on large groups Kusto's
//! answer may differ from ours by its documented rank error (at most 1%).
//!
//! ## The digest value
//!
//! `tdigest()` returns a `dynamic` that the `*_tdigest()` functions of
//! [`super::digest`] read back:
//!
//! ```text
//! [["<type>"],[v1,v2,...,vn],[w1,w2,...,wn]]
//! ```
//!
//! `<type>` is `long`, `real`, `datetime` or `timespan`; `v1 < v2 < ... < vn`
//! are the distinct values (datetimes as nanoseconds since 1970-01-01,
//! timespans as nanoseconds; reals as JSON numbers, `Infinity` /
//! `-Infinity` for the infinities) and `wi` the total weight of `vi`. This
//! mirrors the layout Kusto shows for a small digest (`[[7],[values],[counts]]`,
//! tdigest-aggregation-function.md) with a type name in place of Kusto's
//! internal type code; it is not Kusto's bytes, and a digest Kusto stored
//! cannot be read back here.
//!
//! Nulls are skipped, as are NaN reals and rows whose weight is null or not
//! positive. Over no value the result is null.

use crate::format::{format_datetime, format_real, format_timespan};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StructArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Fields, Float64Type, Int64Type, TimeUnit,
};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use std::cmp::Ordering;
use std::fmt::Write;
use std::sync::Arc;

/// The type of the values of a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    Long,
    Real,
    DateTime,
    TimeSpan,
}

impl ValueType {
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Long => "long",
            ValueType::Real => "real",
            ValueType::DateTime => "datetime",
            ValueType::TimeSpan => "timespan",
        }
    }

    pub fn from_name(s: &str) -> Option<ValueType> {
        Some(match s {
            "long" => ValueType::Long,
            "real" => ValueType::Real,
            "datetime" => ValueType::DateTime,
            "timespan" => ValueType::TimeSpan,
            _ => return None,
        })
    }

    /// The Arrow type values of this type have in a plan.
    pub fn arrow_type(self) -> DataType {
        match self {
            ValueType::Long => DataType::Int64,
            ValueType::Real => DataType::Float64,
            ValueType::DateTime => DataType::Timestamp(TimeUnit::Nanosecond, None),
            ValueType::TimeSpan => DataType::Duration(TimeUnit::Nanosecond),
        }
    }

    fn is_real(self) -> bool {
        self == ValueType::Real
    }
}

/// The distinct values of a digest, ascending, each with its total weight.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// long, datetime, timespan (nanoseconds)
    Int(Vec<(i64, u64)>),
    Real(Vec<(f64, u64)>),
}

/// One value of a digest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Int(i64),
    Real(f64),
}

/// Values with weights, exact: what `tdigest()` returns and percentiles are
/// computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub ty: ValueType,
    /// Sorted and merged up to `sorted`; appended after.
    values: Values,
    sorted: usize,
}

fn cmp_real(a: &f64, b: &f64) -> Ordering {
    a.total_cmp(b)
}

/// Sort by value and add up the weights of equal values.
fn compact<T: Copy>(v: &mut Vec<(T, u64)>, cmp: impl Fn(&T, &T) -> Ordering) {
    v.sort_by(|a, b| cmp(&a.0, &b.0));
    let mut out: Vec<(T, u64)> = Vec::with_capacity(v.len());
    for &(x, w) in v.iter() {
        match out.last_mut() {
            Some(last) if cmp(&last.0, &x) == Ordering::Equal => last.1 = last.1.saturating_add(w),
            _ => out.push((x, w)),
        }
    }
    *v = out;
}

impl Digest {
    pub fn new(ty: ValueType) -> Digest {
        Digest {
            ty,
            values: if ty.is_real() {
                Values::Real(Vec::new())
            } else {
                Values::Int(Vec::new())
            },
            sorted: 0,
        }
    }

    pub fn len(&self) -> usize {
        match &self.values {
            Values::Int(v) => v.len(),
            Values::Real(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push_int(&mut self, x: i64, w: u64) {
        if let Values::Int(v) = &mut self.values {
            v.push((x, w));
            self.maybe_compact();
        }
    }

    pub fn push_real(&mut self, x: f64, w: u64) {
        if x.is_nan() {
            return;
        }
        if let Values::Real(v) = &mut self.values {
            v.push((x, w));
            self.maybe_compact();
        }
    }

    /// Keep memory in the number of distinct values: merge once the
    /// unsorted tail is as long as the merged part (amortised `n log n`).
    fn maybe_compact(&mut self) {
        let len = self.len();
        if len >= 4096 && len >= 2 * self.sorted {
            self.compact();
        }
    }

    /// Sort and merge equal values.
    pub fn compact(&mut self) {
        if self.sorted == self.len() {
            return;
        }
        match &mut self.values {
            Values::Int(v) => compact(v, i64::cmp),
            Values::Real(v) => compact(v, cmp_real),
        }
        self.sorted = self.len();
    }

    /// Add another digest's values (of the same type).
    pub fn merge(&mut self, other: &Digest) -> Result<()> {
        match (&mut self.values, &other.values) {
            (Values::Int(a), Values::Int(b)) if self.ty == other.ty => a.extend_from_slice(b),
            (Values::Real(a), Values::Real(b)) => a.extend_from_slice(b),
            _ => {
                return exec_err!(
                    "cannot merge a tdigest of {} values with one of {} values",
                    self.ty.name(),
                    other.ty.name()
                );
            }
        }
        self.maybe_compact();
        Ok(())
    }

    pub fn values(&mut self) -> &Values {
        self.compact();
        &self.values
    }

    /// The sum of the weights.
    pub fn total_weight(&self) -> u64 {
        match &self.values {
            Values::Int(v) => v.iter().fold(0u64, |s, x| s.saturating_add(x.1)),
            Values::Real(v) => v.iter().fold(0u64, |s, x| s.saturating_add(x.1)),
        }
    }

    /// The nearest-rank `p`-th percentile (`p` in [0, 100]); `None` when
    /// empty. Kusto clamps nothing: `p` outside [0, 100] is rejected before.
    pub fn percentile(&mut self, p: f64) -> Option<Value> {
        self.compact();
        let rank = nearest_rank(p, self.total_weight())?;
        fn at<T: Copy>(v: &[(T, u64)], rank: u64) -> Option<T> {
            let mut cum = 0u64;
            for &(x, w) in v {
                cum = cum.saturating_add(w);
                if cum >= rank {
                    return Some(x);
                }
            }
            v.last().map(|l| l.0)
        }
        match &self.values {
            Values::Int(v) => at(v, rank).map(Value::Int),
            Values::Real(v) => at(v, rank).map(Value::Real),
        }
    }

    /// The total weight of the values `<= x` (rank_tdigest()).
    pub fn rank(&mut self, x: Value) -> u64 {
        self.compact();
        let le = |c: Ordering| c != Ordering::Greater;
        match (&self.values, x) {
            (Values::Int(v), Value::Int(x)) => {
                v.iter().filter(|e| le(e.0.cmp(&x))).map(|e| e.1).sum()
            }
            (Values::Int(v), Value::Real(x)) => {
                v.iter().filter(|e| (e.0 as f64) <= x).map(|e| e.1).sum()
            }
            (Values::Real(v), Value::Int(x)) => {
                v.iter().filter(|e| e.0 <= x as f64).map(|e| e.1).sum()
            }
            (Values::Real(v), Value::Real(x)) => v.iter().filter(|e| e.0 <= x).map(|e| e.1).sum(),
        }
    }

    /// The digest text (see the module header).
    pub fn to_text(&mut self) -> String {
        self.compact();
        let mut out = String::with_capacity(16 + self.len() * 12);
        out.push_str("[[\"");
        out.push_str(self.ty.name());
        out.push_str("\"],[");
        match &self.values {
            Values::Int(v) => {
                for (i, (x, _)) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{x}");
                }
            }
            Values::Real(v) => {
                for (i, (x, _)) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&real_json(*x));
                }
            }
        }
        out.push_str("],[");
        let weights: Box<dyn Iterator<Item = u64>> = match &self.values {
            Values::Int(v) => Box::new(v.iter().map(|e| e.1)),
            Values::Real(v) => Box::new(v.iter().map(|e| e.1)),
        };
        for (i, w) in weights.enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{w}");
        }
        out.push_str("]]");
        out
    }

    /// Read a digest text back; `None` when `text` is not one.
    pub fn parse(text: &str) -> Option<Digest> {
        let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let rest = s.strip_prefix("[[\"")?;
        let (ty, rest) = rest.split_once("\"],[")?;
        let ty = ValueType::from_name(ty)?;
        let rest = rest.strip_suffix("]]")?;
        let (vals, weights) = rest.split_once("],[")?;
        let split = |t: &str| -> Vec<String> {
            if t.is_empty() {
                Vec::new()
            } else {
                t.split(',').map(str::to_string).collect()
            }
        };
        let vals = split(vals);
        let weights = split(weights)
            .iter()
            .map(|w| w.parse::<u64>().ok())
            .collect::<Option<Vec<u64>>>()?;
        if vals.len() != weights.len() {
            return None;
        }
        let mut d = Digest::new(ty);
        match &mut d.values {
            Values::Int(v) => {
                for (x, w) in vals.iter().zip(weights) {
                    v.push((x.parse::<i64>().ok()?, w));
                }
            }
            Values::Real(v) => {
                for (x, w) in vals.iter().zip(weights) {
                    let x = match x.as_str() {
                        "Infinity" => f64::INFINITY,
                        "-Infinity" => f64::NEG_INFINITY,
                        t => t.parse::<f64>().ok()?,
                    };
                    if x.is_nan() {
                        return None;
                    }
                    v.push((x, w));
                }
            }
        }
        // written sorted and merged, but a hand-made digest may not be
        d.sorted = 0;
        d.compact();
        Some(d)
    }

    /// A value of this digest as a dynamic element: numbers bare, datetimes
    /// and timespans as their Kusto text in quotes (as `dynamic` holds them).
    pub fn element(&self, v: Value) -> String {
        match (self.ty, v) {
            (ValueType::DateTime, Value::Int(ns)) => format!("\"{}\"", format_datetime(ns)),
            (ValueType::TimeSpan, Value::Int(ns)) => format!("\"{}\"", format_timespan(ns)),
            (_, Value::Int(x)) => x.to_string(),
            (_, Value::Real(x)) => real_json(x),
        }
    }
}

/// A real as a JSON number, as `dynamic` holds it (`1.0`, `0.5`,
/// `Infinity`).
fn real_json(x: f64) -> String {
    format_real(x)
}

/// The 1-based rank of the nearest-rank `p`-th percentile of `n` values
/// (`p = 0`: the smallest); `None` when there is no value.
pub fn nearest_rank(p: f64, n: u64) -> Option<u64> {
    if n == 0 {
        return None;
    }
    if p <= 0.0 {
        return Some(1);
    }
    // p * n / 100 with the product first, so that 55% of 20 is 11, not
    // 11.000000000000002; a relative slack absorbs the remaining rounding
    let exact = p * n as f64 / 100.0;
    let rank = (exact - exact * 1e-12).ceil();
    Some((rank.max(1.0) as u64).min(n))
}

/// What the aggregate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// Values of this type, with a weight column when `weighted`.
    Values { ty: ValueType, weighted: bool },
    /// Digest texts to merge (`tdigest_merge()`).
    Digests,
}

/// What the aggregate returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A struct with one field `p0`, `p1`, ... per percentile, of the input
    /// type (`percentile()`, `percentiles()`: one column each).
    Columns(Vec<f64>),
    /// A dynamic array of the percentiles (`percentiles_array()`).
    Array(Vec<f64>),
    /// The digest text (`tdigest()`, `tdigest_merge()`).
    Digest,
}

#[derive(Debug)]
pub struct PercentilesUdaf {
    input: Input,
    output: Output,
    /// Says the configuration too: plans name expressions by their text, so
    /// two calls over the same column that differ only in configuration
    /// (`percentile(d, 50)`, `percentiles_array(d, 50)`) must read apart.
    name: String,
    signature: Signature,
}

impl PartialEq for PercentilesUdaf {
    fn eq(&self, o: &Self) -> bool {
        self.input == o.input && self.output == o.output
    }
}

impl Eq for PercentilesUdaf {}

impl std::hash::Hash for PercentilesUdaf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.input.hash(state);
        match &self.output {
            Output::Columns(p) | Output::Array(p) => {
                for x in p {
                    x.to_bits().hash(state);
                }
            }
            Output::Digest => 0u8.hash(state),
        }
    }
}

impl PercentilesUdaf {
    pub fn new(input: Input, output: Output) -> Self {
        let base = match (&input, &output) {
            (Input::Digests, _) => "kql_tdigest_merge",
            (_, Output::Digest) => "kql_tdigest",
            (Input::Values { weighted: true, .. }, Output::Array(_)) => "kql_percentilesw_array",
            (Input::Values { weighted: true, .. }, _) => "kql_percentilesw",
            (_, Output::Array(_)) => "kql_percentiles_array",
            _ => "kql_percentiles",
        };
        let name = match &output {
            Output::Columns(ps) | Output::Array(ps) => format!(
                "{base}[{}]",
                ps.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Output::Digest => base.to_string(),
        };
        PercentilesUdaf {
            input,
            output,
            name,
            signature: Signature::any(
                match input {
                    Input::Values { weighted: true, .. } => 2,
                    _ => 1,
                },
                Volatility::Immutable,
            ),
        }
    }
}

/// The aggregate call: `args` are the value (an Int64, Float64, Timestamp
/// or Duration column as `ty` says) and, when weighted, an Int64 weight; or
/// one Utf8 column of digests.
pub fn percentiles_expr(input: Input, output: Output, args: Vec<Expr>) -> Expr {
    Arc::new(AggregateUDF::from(PercentilesUdaf::new(input, output))).call(args)
}

/// The names of the fields of [`Output::Columns`].
pub fn column_field(i: usize) -> String {
    format!("p{i}")
}

impl AggregateUDFImpl for PercentilesUdaf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match (&self.output, &self.input) {
            (Output::Columns(ps), Input::Values { ty, .. }) => DataType::Struct(Fields::from(
                (0..ps.len())
                    .map(|i| Field::new(column_field(i), ty.arrow_type(), true))
                    .collect::<Vec<_>>(),
            )),
            _ => DataType::Utf8,
        })
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(DigestAccumulator {
            input: self.input,
            output: self.output.clone(),
            digest: match self.input {
                Input::Values { ty, .. } => Some(Digest::new(ty)),
                Input::Digests => None,
            },
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "digest"),
            DataType::Utf8,
            true,
        ))])
    }
}

#[derive(Debug)]
struct DigestAccumulator {
    input: Input,
    output: Output,
    /// `None` until the first digest of `tdigest_merge()` gives the type.
    digest: Option<Digest>,
}

impl DigestAccumulator {
    fn add_digest_text(&mut self, text: &str) -> Result<()> {
        let Some(d) = Digest::parse(text) else {
            return exec_err!("tdigest_merge(): the value is not a tdigest: {text}");
        };
        match &mut self.digest {
            Some(acc) => acc.merge(&d)?,
            None => self.digest = Some(d),
        }
        Ok(())
    }

    fn nonempty(&mut self) -> Option<&mut Digest> {
        self.digest.as_mut().filter(|d| !d.is_empty())
    }
}

fn scalar_of(ty: ValueType, v: Option<Value>) -> ScalarValue {
    let int = |v: Option<Value>| match v {
        Some(Value::Int(x)) => Some(x),
        Some(Value::Real(x)) => Some(x as i64),
        None => None,
    };
    match ty {
        ValueType::Long => ScalarValue::Int64(int(v)),
        ValueType::DateTime => ScalarValue::TimestampNanosecond(int(v), None),
        ValueType::TimeSpan => ScalarValue::DurationNanosecond(int(v)),
        ValueType::Real => ScalarValue::Float64(match v {
            Some(Value::Real(x)) => Some(x),
            Some(Value::Int(x)) => Some(x as f64),
            None => None,
        }),
    }
}

impl Accumulator for DigestAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(v) = values.first() else {
            return Ok(());
        };
        match self.input {
            Input::Digests => {
                let v = cast(v, &DataType::Utf8)?;
                for s in v.as_string::<i32>().iter().flatten() {
                    self.add_digest_text(s)?;
                }
            }
            Input::Values { ty, weighted } => {
                let weights = if weighted {
                    let Some(w) = values.get(1) else {
                        return exec_err!("weighted percentiles need a weight column");
                    };
                    Some(cast(w, &DataType::Int64)?)
                } else {
                    None
                };
                let weights = weights.as_ref().map(|w| w.as_primitive::<Int64Type>());
                let weight = |i: usize| -> Option<u64> {
                    match weights {
                        None => Some(1),
                        Some(w) if w.is_null(i) => None,
                        Some(w) => u64::try_from(w.value(i)).ok().filter(|w| *w > 0),
                    }
                };
                let Some(d) = self.digest.as_mut() else {
                    return Ok(());
                };
                if ty.is_real() {
                    let a = cast(v, &DataType::Float64)?;
                    let a = a.as_primitive::<Float64Type>();
                    for i in 0..a.len() {
                        if a.is_null(i) {
                            continue;
                        }
                        if let Some(w) = weight(i) {
                            d.push_real(a.value(i), w);
                        }
                    }
                } else {
                    let a = cast(v, &DataType::Int64)?;
                    let a = a.as_primitive::<Int64Type>();
                    for i in 0..a.len() {
                        if a.is_null(i) {
                            continue;
                        }
                        if let Some(w) = weight(i) {
                            d.push_int(a.value(i), w);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        match self.output.clone() {
            Output::Digest => Ok(ScalarValue::Utf8(self.nonempty().map(|d| d.to_text()))),
            Output::Array(ps) => Ok(ScalarValue::Utf8(self.nonempty().map(|d| {
                let mut out = String::from("[");
                for (i, p) in ps.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    match d.percentile(*p) {
                        Some(v) => out.push_str(&d.element(v)),
                        None => out.push_str("null"),
                    }
                }
                out.push(']');
                out
            }))),
            Output::Columns(ps) => {
                let Input::Values { ty, .. } = self.input else {
                    return exec_err!("percentile columns over digests");
                };
                let mut d = self.nonempty();
                let mut fields = Vec::with_capacity(ps.len());
                let mut arrays = Vec::with_capacity(ps.len());
                for (i, p) in ps.iter().enumerate() {
                    let v = d.as_mut().and_then(|d| d.percentile(*p));
                    fields.push(Field::new(column_field(i), ty.arrow_type(), true));
                    arrays.push(scalar_of(ty, v).to_array()?);
                }
                let s = StructArray::try_new(Fields::from(fields), arrays, None)?;
                Ok(ScalarValue::Struct(Arc::new(s)))
            }
        }
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.digest.as_ref().map_or(0, |d| d.len() * 16)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Utf8(
            self.digest
                .as_mut()
                .filter(|d| !d.is_empty())
                .map(|d| d.to_text()),
        )])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(s) = states.first() else {
            return Ok(());
        };
        let s = cast(s, &DataType::Utf8)?;
        for text in s.as_string::<i32>().iter().flatten() {
            self.add_digest_text(text)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Float64Array, Int64Array, StringArray};

    fn acc(input: Input, output: Output) -> Box<dyn Accumulator> {
        Box::new(DigestAccumulator {
            input,
            output,
            digest: match input {
                Input::Values { ty, .. } => Some(Digest::new(ty)),
                Input::Digests => None,
            },
        })
    }

    fn longs(v: Vec<Option<i64>>) -> ArrayRef {
        Arc::new(Int64Array::from(v))
    }

    fn text(s: ScalarValue) -> Option<String> {
        match s {
            ScalarValue::Utf8(s) => s,
            other => panic!("not text: {other:?}"),
        }
    }

    const LONG: Input = Input::Values {
        ty: ValueType::Long,
        weighted: false,
    };

    #[test]
    fn nearest_rank_rule() {
        assert_eq!(nearest_rank(50.0, 0), None);
        assert_eq!(nearest_rank(0.0, 10), Some(1));
        assert_eq!(nearest_rank(50.0, 10), Some(5));
        assert_eq!(nearest_rank(55.0, 20), Some(11));
        assert_eq!(nearest_rank(50.0, 3), Some(2));
        assert_eq!(nearest_rank(99.9, 18), Some(18));
        assert_eq!(nearest_rank(100.0, 7), Some(7));
        assert_eq!(nearest_rank(1.0, 7), Some(1));
    }

    #[test]
    fn percentiles_skip_nulls_and_keep_ties() {
        let mut a = acc(LONG, Output::Array(vec![0.0, 50.0, 75.0, 100.0]));
        a.update_batch(&[longs(vec![Some(3), None, Some(1), Some(3), Some(2)])])
            .unwrap();
        // sorted 1 2 3 3: p50 → rank 2, p75 → rank 3
        assert_eq!(text(a.evaluate().unwrap()).unwrap(), "[1,2,3,3]");
    }

    #[test]
    fn empty_group_is_null_and_one_value_is_every_percentile() {
        let mut a = acc(LONG, Output::Array(vec![50.0]));
        a.update_batch(&[longs(vec![None])]).unwrap();
        assert_eq!(text(a.evaluate().unwrap()), None);
        let mut d = acc(LONG, Output::Digest);
        assert_eq!(text(d.evaluate().unwrap()), None);
        let mut one = acc(LONG, Output::Array(vec![0.0, 1.0, 100.0]));
        one.update_batch(&[longs(vec![Some(7)])]).unwrap();
        assert_eq!(text(one.evaluate().unwrap()).unwrap(), "[7,7,7]");
    }

    #[test]
    fn weighted_percentiles_documented_example() {
        // percentilesw-aggregation-function.md: buckets 10×8, 20×6, 30×3, 40×1
        let input = Input::Values {
            ty: ValueType::Long,
            weighted: true,
        };
        let mut a = acc(input, Output::Array(vec![50.0, 75.0, 99.9]));
        a.update_batch(&[
            longs(vec![
                Some(10),
                Some(20),
                Some(30),
                Some(40),
                Some(50),
                Some(60),
            ]),
            longs(vec![Some(8), Some(6), Some(3), Some(1), None, Some(0)]),
        ])
        .unwrap();
        assert_eq!(text(a.evaluate().unwrap()).unwrap(), "[20,20,40]");
    }

    #[test]
    fn columns_keep_the_input_type() {
        let input = Input::Values {
            ty: ValueType::DateTime,
            weighted: false,
        };
        let mut a = acc(input, Output::Columns(vec![50.0, 100.0]));
        let ts: ArrayRef = Arc::new(datafusion::arrow::array::TimestampNanosecondArray::from(
            vec![Some(3_000_000_000), Some(1_000_000_000)],
        ));
        a.update_batch(&[ts]).unwrap();
        let ScalarValue::Struct(s) = a.evaluate().unwrap() else {
            panic!("struct expected");
        };
        let p0 = ScalarValue::try_from_array(s.column(0), 0).unwrap();
        let p1 = ScalarValue::try_from_array(s.column(1), 0).unwrap();
        assert_eq!(
            p0,
            ScalarValue::TimestampNanosecond(Some(1_000_000_000), None)
        );
        assert_eq!(
            p1,
            ScalarValue::TimestampNanosecond(Some(3_000_000_000), None)
        );
        let mut e = acc(input, Output::Columns(vec![50.0]));
        let ScalarValue::Struct(s) = e.evaluate().unwrap() else {
            panic!("struct expected");
        };
        assert!(s.column(0).is_null(0));
    }

    #[test]
    fn digest_text_round_trip_and_merge() {
        let input = Input::Values {
            ty: ValueType::Real,
            weighted: true,
        };
        let mut a = acc(input, Output::Digest);
        let vals: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(2.0),
            Some(1.0),
            Some(f64::NAN),
            Some(0.5),
            Some(2.0),
        ]));
        a.update_batch(&[
            vals,
            longs(vec![Some(2), Some(1), Some(1), Some(3), Some(1)]),
        ])
        .unwrap();
        let t = text(a.evaluate().unwrap()).unwrap();
        assert_eq!(t, r#"[["real"],[0.5,1.0,2.0],[3,1,3]]"#);
        let mut back = Digest::parse(&t).unwrap();
        assert_eq!(back.percentile(50.0), Some(Value::Real(1.0)));
        assert_eq!(back.rank(Value::Real(1.5)), 4);
        // tdigest_merge over digests and over partial states
        let mut m = acc(Input::Digests, Output::Digest);
        let ds: ArrayRef = Arc::new(StringArray::from(vec![
            Some(t.as_str()),
            None,
            Some(r#"[["real"], [2, 7], [1, 1]]"#),
        ]));
        m.update_batch(&[ds]).unwrap();
        let state = m.state().unwrap().remove(0).to_array().unwrap();
        let mut m2 = acc(Input::Digests, Output::Digest);
        m2.merge_batch(&[state]).unwrap();
        assert_eq!(
            text(m2.evaluate().unwrap()).unwrap(),
            r#"[["real"],[0.5,1.0,2.0,7.0],[3,1,4,1]]"#
        );
        // digests of different types do not merge
        let mut bad = acc(Input::Digests, Output::Digest);
        let ds: ArrayRef = Arc::new(StringArray::from(vec![
            r#"[["long"],[1],[1]]"#,
            r#"[["datetime"],[1],[1]]"#,
        ]));
        assert!(bad.update_batch(&[ds]).is_err());
        assert!(Digest::parse("[1,2]").is_none());
        assert!(Digest::parse(r#"[["long"],[1,2],[1]]"#).is_none());
    }

    #[test]
    fn large_inputs_stay_compact() {
        let mut d = Digest::new(ValueType::Long);
        for i in 0..100_000i64 {
            d.push_int(i % 10, 1);
        }
        assert!(d.len() < 20_000);
        assert_eq!(d.percentile(50.0), Some(Value::Int(4)));
        assert_eq!(d.rank(Value::Int(4)), 50_000);
    }
}
