//! The runtime of `make-series`: `kql_make_series_fill(entries, n, default)`
//! turns the (bin index, value) pairs of one series into its dense dynamic
//! array (make-series-operator.md: "If there's no row with specific values
//! of AxisColumn and GroupExpression, then the corresponding element of the
//! array will be assigned a DefaultValue").
//!
//! * `entries`: a list of structs `{i: Int64, v: Utf8}` (the bin index and
//!   the bin's aggregate as JSON element text), as `array_agg` collects them;
//!   a null list is a series without rows (all defaults);
//! * `n`: the number of bins (an `Int64`, the same for every row);
//! * `default`: the JSON element text of the default value (null: `null`).
//!
//! The result is a JSON array of `n` elements; an index outside `0..n` is
//! ignored, a null value is a JSON `null`.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::fmt::Write;
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SeriesFillUdf {
    signature: Signature,
}

impl Default for SeriesFillUdf {
    fn default() -> Self {
        SeriesFillUdf {
            signature: Signature::any(3, Volatility::Immutable),
        }
    }
}

/// `kql_make_series_fill(entries, n, default)`.
pub fn series_fill_expr(entries: Expr, n: Expr, default: Expr) -> Expr {
    Arc::new(ScalarUDF::from(SeriesFillUdf::default())).call(vec![entries, n, default])
}

/// Most bins a series may have (Kusto: 2^20).
pub const MAX_BINS: usize = 1 << 20;

impl ScalarUDFImpl for SeriesFillUdf {
    fn name(&self) -> &str {
        "kql_make_series_fill"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [entries, n, default] = args.args.as_slice() else {
            return exec_err!("kql_make_series_fill takes three arguments");
        };
        let ColumnarValue::Scalar(ScalarValue::Int64(Some(n))) = n else {
            return exec_err!("kql_make_series_fill needs a constant bin count");
        };
        let n = usize::try_from(*n).unwrap_or(0).min(MAX_BINS);
        let is_scalar = matches!(entries, ColumnarValue::Scalar(_));
        let rows = args.number_rows.max(1);
        let entries = entries.to_array(rows)?;
        let default = default.to_array(rows)?;
        let default = datafusion::arrow::compute::cast(&default, &DataType::Utf8)?;
        let default = default.as_string::<i32>();
        let mut out = StringBuilder::with_capacity(entries.len(), entries.len() * (n * 2 + 2));
        let mut slots: Vec<Option<usize>> = vec![None; n];
        let list = match entries.data_type() {
            DataType::List(_) => Some(entries.as_list::<i32>()),
            DataType::Null => None,
            other => return exec_err!("kql_make_series_fill: unexpected entries type {other}"),
        };
        let mut line = String::new();
        for row in 0..entries.len() {
            slots.iter_mut().for_each(|s| *s = None);
            // the values of this row's list: (index, position in `values`)
            let mut values: Option<ArrayRef> = None;
            if let Some(list) = list
                && list.is_valid(row)
            {
                let items = list.value(row);
                let st = items.as_struct();
                let idx = st.column(0).as_primitive::<Int64Type>();
                for k in 0..st.len() {
                    if st.is_null(k) || idx.is_null(k) {
                        continue;
                    }
                    if let Ok(i) = usize::try_from(idx.value(k))
                        && i < n
                    {
                        slots[i] = Some(k);
                    }
                }
                values = Some(st.column(1).clone());
            }
            let values = values
                .as_ref()
                .map(|v| datafusion::arrow::compute::cast(v, &DataType::Utf8))
                .transpose()?;
            let values = values.as_ref().map(|v| v.as_string::<i32>());
            let dflt = default.is_valid(row).then(|| default.value(row));
            line.clear();
            line.push('[');
            for (i, slot) in slots.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                let text = match (slot, values) {
                    (Some(k), Some(v)) => v.is_valid(*k).then(|| v.value(*k)),
                    _ => dflt,
                };
                let _ = write!(line, "{}", text.unwrap_or("null"));
            }
            line.push(']');
            out.append_value(&line);
        }
        let result: ArrayRef = Arc::new(out.finish());
        crate::columnar::finish(result, is_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, ListArray, StringArray, StructArray};
    use datafusion::arrow::buffer::OffsetBuffer;
    use datafusion::arrow::datatypes::{Field, Fields};
    use datafusion::config::ConfigOptions;

    /// One row's (bin index, value) pairs; `None` is a null list.
    type Row<'a> = Option<Vec<(i64, Option<&'a str>)>>;

    fn entries(rows: Vec<Row<'_>>) -> ArrayRef {
        let fields = Fields::from(vec![
            Field::new("i", DataType::Int64, true),
            Field::new("v", DataType::Utf8, true),
        ]);
        let mut idx = Vec::new();
        let mut vals = Vec::new();
        let mut lens = Vec::new();
        let mut valid = Vec::new();
        for r in &rows {
            valid.push(r.is_some());
            let r = r.clone().unwrap_or_default();
            lens.push(r.len());
            for (i, v) in r {
                idx.push(i);
                vals.push(v);
            }
        }
        let st = StructArray::new(
            fields.clone(),
            vec![
                Arc::new(Int64Array::from(idx)),
                Arc::new(StringArray::from(vals)),
            ],
            None,
        );
        Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(DataType::Struct(fields), true)),
            OffsetBuffer::from_lengths(lens),
            Arc::new(st),
            Some(valid.into()),
        ))
    }

    fn run(e: ArrayRef, n: i64, default: Option<&str>) -> Vec<String> {
        let rows = e.len();
        let args = ScalarFunctionArgs {
            args: vec![
                ColumnarValue::Array(e.clone()),
                ColumnarValue::Scalar(ScalarValue::Int64(Some(n))),
                ColumnarValue::Scalar(ScalarValue::Utf8(default.map(str::to_string))),
            ],
            arg_fields: vec![
                Arc::new(Field::new("e", e.data_type().clone(), true)),
                Arc::new(Field::new("n", DataType::Int64, true)),
                Arc::new(Field::new("d", DataType::Utf8, true)),
            ],
            number_rows: rows,
            return_field: Arc::new(Field::new("r", DataType::Utf8, true)),
            config_options: Arc::new(ConfigOptions::default()),
        };
        let out = SeriesFillUdf::default()
            .invoke_with_args(args)
            .unwrap()
            .to_array(rows)
            .unwrap();
        let s = out.as_string::<i32>();
        (0..s.len()).map(|i| s.value(i).to_string()).collect()
    }

    #[test]
    fn fills_missing_bins_with_the_default() {
        let e = entries(vec![
            Some(vec![(2, Some("5")), (0, Some("1"))]),
            Some(vec![]),
            None,
            Some(vec![(1, None), (7, Some("9")), (-1, Some("9"))]),
        ]);
        assert_eq!(
            run(e, 3, Some("0")),
            vec!["[1,0,5]", "[0,0,0]", "[0,0,0]", "[0,null,0]"]
        );
    }

    #[test]
    fn null_default_and_no_bins() {
        let e = entries(vec![Some(vec![(0, Some("\"a\""))])]);
        assert_eq!(run(e.clone(), 2, None), vec!["[\"a\",null]"]);
        assert_eq!(run(e, 0, Some("0")), vec!["[]"]);
    }
}
