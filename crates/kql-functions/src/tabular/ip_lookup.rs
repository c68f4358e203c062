//! The runtime of the `ipv4_lookup` / `ipv6_lookup` plugins
//! (ipv4-lookup-plugin.md, ipv6-lookup-plugin.md):
//! `kql_ip_lookup_rows(ip, ranges, v6)` lists the positions of the ranges
//! that hold each row's address.
//!
//! * `ip`: the address text (a `/prefix` on it is ignored);
//! * `ranges`: a constant JSON array of the lookup table's range texts
//!   (`"10.0.0.0/8"`, a single address, `"2001:db8::/32"`; `null` or text
//!   that is not a range matches nothing), position `i` is lookup row `i`;
//! * `v6`: IPv6 ranges and addresses (IPv4 text is then read as its
//!   IPv4-mapped IPv6 address); otherwise only IPv4 text counts.
//!
//! The result is the list of every matching position, or `[null]` when
//! there is none (or the address is not valid), so that unnesting keeps the
//! row and a join on the position matches nothing. The ranges are indexed
//! once per call by prefix length (a hash map per length), so a row costs
//! one lookup per distinct prefix length.
//!
//! `kql_true_positions(p0, p1, ...)` is the same list for lookups whose match
//! is a predicate per lookup row (`geo_polygon_lookup`, `geo_line_lookup`):
//! the positions `i` where `pi` is true, or `[null]`.

use crate::ipv6::parse_ipv6;
use datafusion::arrow::array::{Array, ArrayRef, Int64Builder, ListBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility, lit,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IpLookupRowsUdf {
    signature: Signature,
}

impl Default for IpLookupRowsUdf {
    fn default() -> Self {
        IpLookupRowsUdf {
            signature: Signature::one_of(
                vec![TypeSignature::Exact(vec![
                    DataType::Utf8,
                    DataType::Utf8,
                    DataType::Boolean,
                ])],
                Volatility::Immutable,
            ),
        }
    }
}

/// `kql_ip_lookup_rows(ip, ranges_json, v6)`.
pub fn ip_lookup_rows_expr(ip: Expr, ranges_json: String, v6: bool) -> Expr {
    Arc::new(ScalarUDF::from(IpLookupRowsUdf::default())).call(vec![ip, lit(ranges_json), lit(v6)])
}

fn mask(bits: u32) -> u128 {
    if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    }
}

/// An address or range as 128 bits and prefix length; IPv4 text as its
/// IPv4-mapped form. `None` for text that is not one (or IPv6 text when
/// only IPv4 counts).
fn parse(text: &str, v6: bool) -> Option<(u128, u32)> {
    if !v6 && crate::ipv4::parse_ipv4(text).is_none() {
        return None;
    }
    parse_ipv6(text)
}

/// Ranges by prefix length, longest first: masked address → positions.
pub struct RangeIndex {
    by_len: BTreeMap<std::cmp::Reverse<u32>, HashMap<u128, Vec<i64>>>,
}

impl RangeIndex {
    pub fn new<'a>(ranges: impl Iterator<Item = Option<&'a str>>, v6: bool) -> Self {
        let mut by_len: BTreeMap<std::cmp::Reverse<u32>, HashMap<u128, Vec<i64>>> = BTreeMap::new();
        for (i, r) in ranges.enumerate() {
            if let Some((addr, bits)) = r.and_then(|r| parse(r, v6)) {
                by_len
                    .entry(std::cmp::Reverse(bits))
                    .or_default()
                    .entry(addr & mask(bits))
                    .or_default()
                    .push(i as i64);
            }
        }
        RangeIndex { by_len }
    }

    /// The positions of the ranges holding `ip`, most specific first.
    pub fn matches(&self, ip: &str, v6: bool, out: &mut Vec<i64>) {
        out.clear();
        let Some((addr, _)) = parse(ip, v6) else {
            return;
        };
        for (std::cmp::Reverse(bits), map) in &self.by_len {
            if let Some(rows) = map.get(&(addr & mask(*bits))) {
                out.extend_from_slice(rows);
            }
        }
    }
}

impl ScalarUDFImpl for IpLookupRowsUdf {
    fn name(&self) -> &str {
        "kql_ip_lookup_rows"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::Int64,
            true,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [ip, ranges, v6] = args.args.as_slice() else {
            return exec_err!("kql_ip_lookup_rows takes three arguments");
        };
        let (
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(ranges))),
            ColumnarValue::Scalar(ScalarValue::Boolean(Some(v6))),
        ) = (ranges, v6)
        else {
            return exec_err!("kql_ip_lookup_rows needs constant ranges and mode");
        };
        let ranges: Vec<Option<String>> = match serde_json::from_str::<serde_json::Value>(ranges) {
            Ok(serde_json::Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => return exec_err!("kql_ip_lookup_rows: the ranges are not a JSON array"),
        };
        let index = RangeIndex::new(ranges.iter().map(Option::as_deref), *v6);
        let is_scalar = matches!(ip, ColumnarValue::Scalar(_));
        let ip = ip.to_array(args.number_rows.max(1))?;
        let mut out = ListBuilder::with_capacity(Int64Builder::new(), ip.len());
        let mut found = Vec::new();
        crate::columnar::for_each_str(&ip, |v| {
            match v {
                Some(v) => index.matches(v, *v6, &mut found),
                None => found.clear(),
            }
            if found.is_empty() {
                out.values().append_null();
            } else {
                out.values().append_slice(&found);
            }
            out.append(true);
        })?;
        let result: ArrayRef = Arc::new(out.finish());
        crate::columnar::finish(result, is_scalar)
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TruePositionsUdf {
    signature: Signature,
}

impl Default for TruePositionsUdf {
    fn default() -> Self {
        TruePositionsUdf {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

/// `kql_true_positions(predicates...)` (at least one predicate).
pub fn true_positions_expr(predicates: Vec<Expr>) -> Expr {
    Arc::new(ScalarUDF::from(TruePositionsUdf::default())).call(predicates)
}

impl ScalarUDFImpl for TruePositionsUdf {
    fn name(&self) -> &str {
        "kql_true_positions"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::Int64,
            true,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows.max(1);
        let is_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let mut preds = Vec::with_capacity(args.args.len());
        for a in &args.args {
            let a = a.to_array(rows)?;
            let a = datafusion::arrow::compute::cast(&a, &DataType::Boolean)?;
            preds.push(a);
        }
        let preds: Vec<&datafusion::arrow::array::BooleanArray> = preds
            .iter()
            .map(|a| datafusion::arrow::array::AsArray::as_boolean(a.as_ref()))
            .collect();
        let mut out = ListBuilder::with_capacity(Int64Builder::new(), rows);
        for r in 0..rows {
            let mut any = false;
            for (i, p) in preds.iter().enumerate() {
                if p.is_valid(r) && p.value(r) {
                    out.values().append_value(i as i64);
                    any = true;
                }
            }
            if !any {
                out.values().append_null();
            }
            out.append(true);
        }
        let result: ArrayRef = Arc::new(out.finish());
        crate::columnar::finish(result, is_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(index: &RangeIndex, ip: &str, v6: bool) -> Vec<i64> {
        let mut out = Vec::new();
        index.matches(ip, v6, &mut out);
        out
    }

    #[test]
    fn ipv4_ranges_most_specific_first() {
        let ranges = [
            Some("10.0.0.0/8"),
            Some("10.1.0.0/16"),
            None,
            Some("not an ip"),
            Some("192.168.1.7"),
            Some("2001:db8::/32"),
        ];
        let index = RangeIndex::new(ranges.iter().copied(), false);
        assert_eq!(m(&index, "10.1.2.3", false), vec![1, 0]);
        assert_eq!(m(&index, "10.2.2.3", false), vec![0]);
        assert_eq!(m(&index, "192.168.1.7", false), vec![4]);
        assert_eq!(m(&index, "192.168.1.8", false), Vec::<i64>::new());
        assert_eq!(m(&index, "", false), Vec::<i64>::new());
        assert_eq!(m(&index, "2001:db8::1", false), Vec::<i64>::new());
    }

    #[test]
    fn true_positions_or_a_null() {
        use datafusion::arrow::array::BooleanArray;
        use datafusion::config::ConfigOptions;
        let a: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), Some(false), None]));
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)]));
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(a), ColumnarValue::Array(b)],
            arg_fields: vec![
                Arc::new(Field::new("a", DataType::Boolean, true)),
                Arc::new(Field::new("b", DataType::Boolean, true)),
            ],
            number_rows: 3,
            return_field: Arc::new(Field::new("r", DataType::Utf8, true)),
            config_options: Arc::new(ConfigOptions::default()),
        };
        let out = TruePositionsUdf::default()
            .invoke_with_args(args)
            .unwrap()
            .to_array(3)
            .unwrap();
        let list = datafusion::arrow::array::AsArray::as_list::<i32>(out.as_ref());
        let row = |i: usize| -> Vec<Option<i64>> {
            let v = list.value(i);
            v.as_any()
                .downcast_ref::<datafusion::arrow::array::Int64Array>()
                .unwrap()
                .iter()
                .collect()
        };
        assert_eq!(row(0), vec![Some(0), Some(1)]);
        assert_eq!(row(1), vec![None]);
        assert_eq!(row(2), vec![None]);
    }

    #[test]
    fn ipv6_ranges() {
        let ranges = [Some("2001:0db8:85a3::/48"), Some("10.0.0.0/8")];
        let index = RangeIndex::new(ranges.iter().copied(), true);
        assert_eq!(
            m(&index, "2001:0db8:85a3:0000:0000:8a2e:0370:7334", true),
            vec![0]
        );
        assert_eq!(m(&index, "10.3.0.1", true), vec![1]);
        assert_eq!(m(&index, "a5e:f127::1", true), Vec::<i64>::new());
    }
}
