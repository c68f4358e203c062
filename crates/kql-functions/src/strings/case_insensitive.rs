//! Case-insensitive equality: `=~` as `kql_equals_ci(a, b)` and `in~` as
//! `kql_in_ci(x, item, ...)` (or `kql_in_ci_array(x, arr)` for a dynamic
//! array known only at run time), vectorised over whole string arrays.
//!
//! Kusto folds only ASCII letters here ("Case-insensitive operators are
//! currently supported only for ASCII-text. For non-ASCII comparison, use
//! the tolower() function", in-operator.md / equals-operator.md): `"Ä" =~
//! "ä"` is false. Both kernels compare without building a lower-cased copy
//! of the column (what `lower(a) = lower(b)` does): a row of another byte
//! length is rejected from the offsets alone (ASCII folding keeps lengths),
//! the rest compared with `eq_ignore_ascii_case`. `in~` over constant items
//! folds the items once into a hash set and looks each row up through one
//! reused buffer. A null on either side is not equal (two-valued, like
//! Kusto, whose strings are never null); the negations are `NOT` of these.

use crate::columnar::scalar_str;
use datafusion::arrow::array::{Array, AsArray, BooleanArray, BooleanBuilder};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::collections::HashSet;
use std::sync::Arc;

/// Do `a` and `b` differ only in the case of ASCII letters?
pub fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `s` with its ASCII letters lower-cased, into `buf` (cleared first).
fn fold_into(s: &str, buf: &mut String) {
    buf.clear();
    buf.push_str(s);
    buf.make_ascii_lowercase();
}

fn folded(s: &str) -> String {
    let mut b = String::with_capacity(s.len());
    fold_into(s, &mut b);
    b
}

/// The case-insensitive comparisons of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CiKind {
    Equals,
    In,
    /// `x in~ (arr)` over a dynamic array known only at run time.
    InArray,
}

/// `kql_equals_ci` / `kql_in_ci`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CaseInsensitiveUdf {
    kind: CiKind,
    signature: Signature,
}

impl CaseInsensitiveUdf {
    fn new(kind: CiKind) -> CaseInsensitiveUdf {
        CaseInsensitiveUdf {
            kind,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }

    pub fn equals() -> CaseInsensitiveUdf {
        CaseInsensitiveUdf::new(CiKind::Equals)
    }

    pub fn in_list() -> CaseInsensitiveUdf {
        CaseInsensitiveUdf::new(CiKind::In)
    }

    pub fn in_array() -> CaseInsensitiveUdf {
        CaseInsensitiveUdf::new(CiKind::InArray)
    }
}

/// `kql_equals_ci(a, b)`: `a =~ b`.
pub fn equals_ci_expr(a: Expr, b: Expr) -> Expr {
    Arc::new(ScalarUDF::from(CaseInsensitiveUdf::equals())).call(vec![a, b])
}

/// `kql_in_ci(x, items...)`: `x in~ (items)`.
pub fn in_ci_expr(x: Expr, items: Vec<Expr>) -> Expr {
    let mut args = Vec::with_capacity(items.len() + 1);
    args.push(x);
    args.extend(items);
    Arc::new(ScalarUDF::from(CaseInsensitiveUdf::in_list())).call(args)
}

/// `kql_in_ci_array(x, arr)`: `x in~ (arr)` for a dynamic array `arr`
/// (JSON text) known only at run time: its elements, nested arrays
/// flattened, compared as text; objects and nulls match nothing.
pub fn in_ci_array_expr(x: Expr, array: Expr) -> Expr {
    Arc::new(ScalarUDF::from(CaseInsensitiveUdf::in_array())).call(vec![x, array])
}

pub(crate) fn all_case_insensitive_udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(CaseInsensitiveUdf::equals()),
        ScalarUDF::from(CaseInsensitiveUdf::in_list()),
        ScalarUDF::from(CaseInsensitiveUdf::in_array()),
    ]
}

/// The folded text of each scalar element of the JSON array `json` (nested
/// arrays flattened) into `set`; not an array adds nothing.
fn array_items_into(json: &str, set: &mut HashSet<String>) {
    let Some(elements) = crate::dynamic::arrays::array_elements(json) else {
        return;
    };
    for e in elements {
        match e.as_bytes().first() {
            Some(b'"') => {
                if let Ok(s) = serde_json::from_str::<String>(e) {
                    set.insert(folded(&s));
                }
            }
            Some(b'[') => array_items_into(e, set),
            Some(b'{') | Some(b'n') | None => {}
            Some(_) => {
                set.insert(folded(e));
            }
        }
    }
}

/// `x in~ (arr)` row by row; the array's items are folded once for a
/// constant array, and again only when a row's array differs from the
/// previous row's.
fn in_arrays(x: &ColumnarValue, arrays: &ColumnarValue, rows: usize) -> Result<BooleanArray> {
    let xs = utf8_rows(x, rows)?;
    let xs = xs.as_string::<i32>();
    if let ColumnarValue::Scalar(a) = arrays {
        let mut set = HashSet::new();
        if let Some(json) = scalar_str(a) {
            array_items_into(json, &mut set);
        }
        return Ok(in_set(xs, &ConstantItems { set }));
    }
    let arrays = utf8_rows(arrays, rows)?;
    let arrays = arrays.as_string::<i32>();
    let mut last: Option<(usize, ConstantItems)> = None;
    let mut buf = String::new();
    let mut out = BooleanBuilder::with_capacity(rows);
    for r in 0..rows {
        if xs.is_null(r) || arrays.is_null(r) {
            out.append_value(false);
            continue;
        }
        let same = last
            .as_ref()
            .is_some_and(|(i, _)| arrays.value(*i) == arrays.value(r));
        if !same {
            let mut set = HashSet::new();
            array_items_into(arrays.value(r), &mut set);
            last = Some((r, ConstantItems { set }));
        }
        let items = &last.as_ref().expect("set above").1;
        out.append_value(items.contains(xs.value(r), &mut buf));
    }
    Ok(out.finish())
}

/// The items of `in~`, when every one is a constant: folded once.
struct ConstantItems {
    /// Folded non-null items.
    set: HashSet<String>,
}

impl ConstantItems {
    fn new(items: &[ColumnarValue]) -> Option<ConstantItems> {
        let mut set = HashSet::with_capacity(items.len());
        for it in items {
            match it {
                ColumnarValue::Scalar(s) => {
                    if let Some(t) = scalar_str(s) {
                        set.insert(folded(t));
                    } else if !s.is_null() {
                        return None; // not a string: compared per row below
                    }
                }
                ColumnarValue::Array(_) => return None,
            }
        }
        Some(ConstantItems { set })
    }

    fn contains(&self, x: &str, buf: &mut String) -> bool {
        fold_into(x, buf);
        self.set.contains(buf.as_str())
    }
}

/// A column or scalar argument as Utf8 rows.
fn utf8_rows(v: &ColumnarValue, rows: usize) -> Result<Arc<dyn Array>> {
    let a = v.to_array(rows)?;
    Ok(if a.data_type() == &DataType::Utf8 {
        a
    } else {
        cast(&a, &DataType::Utf8)?
    })
}

/// `hit(i)` for every row, packed into a bitmap; a null row is false.
fn collect(
    x: &datafusion::arrow::array::StringArray,
    hit: impl FnMut(usize) -> bool,
) -> BooleanArray {
    let values = BooleanBuffer::collect_bool(x.len(), hit);
    let values = match x.nulls() {
        Some(n) => &values & n.inner(),
        None => values,
    };
    BooleanArray::new(values, None)
}

/// `x =~ needle` over a whole array: rows of another byte length are
/// rejected from the offsets alone, the rest compared ignoring ASCII case.
fn equals_one(x: &datafusion::arrow::array::StringArray, needle: &str) -> BooleanArray {
    let offsets = x.value_offsets();
    let data = x.value_data();
    let n = needle.as_bytes();
    let want = n.len() as i32;
    collect(x, |i| {
        let (start, end) = (offsets[i], offsets[i + 1]);
        end - start == want && data[start as usize..end as usize].eq_ignore_ascii_case(n)
    })
}

/// `x in~ (set)` over a whole array: a row whose byte length no item has is
/// rejected from the offsets, the rest folded into one reused buffer and
/// looked up.
fn in_set(x: &datafusion::arrow::array::StringArray, items: &ConstantItems) -> BooleanArray {
    let offsets = x.value_offsets();
    let data = x.value_data();
    let max_len = items.set.iter().map(String::len).max().unwrap_or(0);
    let mut lengths = vec![false; max_len + 1];
    for it in &items.set {
        lengths[it.len()] = true;
    }
    let mut buf = String::new();
    collect(x, |i| {
        let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
        if !lengths.get(end - start).copied().unwrap_or(false) {
            return false;
        }
        std::str::from_utf8(&data[start..end]).is_ok_and(|r| items.contains(r, &mut buf))
    })
}

impl ScalarUDFImpl for CaseInsensitiveUdf {
    fn name(&self) -> &str {
        match self.kind {
            CiKind::Equals => "kql_equals_ci",
            CiKind::In => "kql_in_ci",
            CiKind::InArray => "kql_in_ci_array",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let Some((x, items)) = args.args.split_first() else {
            return exec_err!("{} takes at least one argument", self.name());
        };
        if self.kind != CiKind::In && items.len() != 1 {
            return exec_err!("{} takes two arguments", self.name());
        }
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let constants = match self.kind {
            CiKind::InArray => None,
            _ => ConstantItems::new(items),
        };
        let out: BooleanArray = match constants {
            None if self.kind == CiKind::InArray => in_arrays(x, &items[0], rows)?,
            Some(constants) => {
                let x = utf8_rows(x, rows)?;
                let x = x.as_string::<i32>();
                if self.kind == CiKind::Equals && constants.set.len() == 1 {
                    let needle = constants.set.iter().next().map(String::as_str);
                    equals_one(x, needle.unwrap_or_default())
                } else {
                    in_set(x, &constants)
                }
            }
            None => {
                // Items that vary by row: each row compared with each item.
                let x = utf8_rows(x, rows)?;
                let items = items
                    .iter()
                    .map(|i| utf8_rows(i, rows))
                    .collect::<Result<Vec<_>>>()?;
                let x = x.as_string::<i32>();
                let mut out = BooleanBuilder::with_capacity(rows);
                for r in 0..rows {
                    let hit = x.is_valid(r)
                        && items.iter().any(|it| {
                            let it = it.as_string::<i32>();
                            it.is_valid(r) && eq_ci(x.value(r), it.value(r))
                        });
                    out.append_value(hit);
                }
                out.finish()
            }
        };
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(
                out.value(0),
            ))))
        } else {
            Ok(ColumnarValue::Array(Arc::new(out)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::{invoke, str_col, str_lit};

    fn bools(a: &datafusion::arrow::array::ArrayRef) -> Vec<bool> {
        let b = a.as_boolean();
        (0..b.len()).map(|i| b.is_valid(i) && b.value(i)).collect()
    }

    #[test]
    fn equality_ignores_the_case_of_ascii_letters_only() {
        assert!(eq_ci("ABC", "abc"));
        assert!(eq_ci("Straße", "STRAßE"));
        // Kusto: case-insensitive operators fold ASCII only
        assert!(!eq_ci("ÅNGSTRÖM", "ångström"));
        assert!(!eq_ci("abc", "abcd"));
        assert!(eq_ci("", ""));
    }

    #[test]
    fn equals_ci_over_a_column_with_nulls_and_empties() {
        let udf = CaseInsensitiveUdf::equals();
        let col = str_col(vec![
            Some("Admin"),
            None,
            Some(""),
            Some("ADMIN"),
            Some("Ädmin"),
        ]);
        let r = invoke(&udf, vec![col.clone(), str_lit("admin")]);
        assert_eq!(bools(&r), vec![true, false, false, true, false]);
        let r = invoke(&udf, vec![col, str_lit("")]);
        assert_eq!(bools(&r), vec![false, false, true, false, false]);
    }

    #[test]
    fn equals_ci_of_two_columns() {
        let udf = CaseInsensitiveUdf::equals();
        let a = str_col(vec![Some("x"), Some("Ö"), None, Some("ö")]);
        let b = str_col(vec![Some("X"), Some("ö"), Some(""), Some("ö")]);
        assert_eq!(
            bools(&invoke(&udf, vec![a, b])),
            vec![true, false, false, true]
        );
    }

    #[test]
    fn in_ci_with_constant_items_and_a_null_item() {
        let udf = CaseInsensitiveUdf::in_list();
        let col = str_col(vec![
            Some("CMD.exe"),
            Some("powershell.EXE"),
            None,
            Some(""),
        ]);
        let r = invoke(
            &udf,
            vec![
                col,
                str_lit("cmd.exe"),
                ColumnarValue::Scalar(ScalarValue::Utf8(None)),
                str_lit("PowerShell.exe"),
            ],
        );
        assert_eq!(bools(&r), vec![true, true, false, false]);
    }

    #[test]
    fn in_ci_with_a_column_item() {
        let udf = CaseInsensitiveUdf::in_list();
        let x = str_col(vec![Some("a"), Some("B"), Some("c")]);
        let other = str_col(vec![Some("A"), Some("x"), None]);
        let r = invoke(&udf, vec![x, other, str_lit("b")]);
        assert_eq!(bools(&r), vec![true, true, false]);
    }
}
