//! `buildschema(DynamicExpr)` (buildschema-aggregation-function.md): the
//! minimal schema that admits every value of the group.
//!
//! A scalar's schema is its type name (`long` for an integer, `double` for
//! another number, `string`, `bool`); an object's is an object of its keys'
//! schemas; an array's is `{"`indexer`": <schema of its elements>}`. Where
//! values differ, the schema is the array of the alternatives
//! (`["long","string"]`), objects merging with objects and arrays with
//! arrays; keys and alternatives come in the order first seen. Nulls add
//! nothing: a key whose values are all null, or an array without elements,
//! has the schema `null` (`{"`indexer`":null}`). Over no value the result
//! is null.
//!
//! `dynamic` values are JSON here, so a datetime, timespan or guid inside
//! one is a string and its schema is `string` (Kusto may say `datetime`).
//!
//! Partial states are lists of sample values whose schema is the state's.

use crate::dynamic::arrays::array_elements;
use crate::dynamic::bags::object_members;
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
use std::sync::Arc;

/// One alternative of a schema.
#[derive(Debug, Clone, PartialEq)]
enum Alt {
    Scalar(&'static str),
    /// Keys as JSON string text, in the order first seen.
    Object(Vec<(String, Vec<Alt>)>),
    Array(Vec<Alt>),
}

/// Add the schema of the JSON value `v` to the alternatives `alts`.
fn add_value(alts: &mut Vec<Alt>, v: &str) {
    let v = v.trim();
    let alt = match kind(v) {
        None | Some(Kind::Null) => return,
        Some(Kind::Bool) => Alt::Scalar("bool"),
        Some(Kind::String) => Alt::Scalar("string"),
        Some(Kind::Number) => {
            if v.bytes().any(|c| matches!(c, b'.' | b'e' | b'E')) || v.parse::<i64>().is_err() {
                Alt::Scalar("double")
            } else {
                Alt::Scalar("long")
            }
        }
        Some(Kind::Array) => {
            let mut items = Vec::new();
            for e in array_elements(v).unwrap_or_default() {
                add_value(&mut items, e);
            }
            Alt::Array(items)
        }
        Some(Kind::Object) => {
            let mut keys: Vec<(String, Vec<Alt>)> = Vec::new();
            for (k, val) in object_members(v).unwrap_or_default() {
                let mut a = Vec::new();
                add_value(&mut a, val);
                merge_key(&mut keys, k, a);
            }
            Alt::Object(keys)
        }
    };
    add_alt(alts, alt);
}

fn merge_key(keys: &mut Vec<(String, Vec<Alt>)>, k: &str, alts: Vec<Alt>) {
    match keys.iter_mut().find(|(name, _)| name == k) {
        Some((_, existing)) => {
            for a in alts {
                add_alt(existing, a);
            }
        }
        None => keys.push((k.to_string(), alts)),
    }
}

fn add_alt(alts: &mut Vec<Alt>, alt: Alt) {
    for existing in alts.iter_mut() {
        match (existing, &alt) {
            (Alt::Scalar(a), Alt::Scalar(b)) if a == b => return,
            (Alt::Object(a), Alt::Object(b)) => {
                for (k, v) in b.clone() {
                    merge_key(a, &k, v);
                }
                return;
            }
            (Alt::Array(a), Alt::Array(b)) => {
                for x in b.clone() {
                    add_alt(a, x);
                }
                return;
            }
            _ => {}
        }
    }
    alts.push(alt);
}

fn render(alts: &[Alt], out: &mut String) {
    match alts {
        [] => out.push_str("null"),
        [one] => render_alt(one, out),
        many => {
            out.push('[');
            for (i, a) in many.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render_alt(a, out);
            }
            out.push(']');
        }
    }
}

fn render_alt(a: &Alt, out: &mut String) {
    match a {
        Alt::Scalar(n) => {
            out.push('"');
            out.push_str(n);
            out.push('"');
        }
        Alt::Object(keys) => {
            out.push('{');
            for (i, (k, v)) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(k);
                out.push(':');
                render(v, out);
            }
            out.push('}');
        }
        Alt::Array(items) => {
            out.push_str("{\"`indexer`\":");
            render(items, out);
            out.push('}');
        }
    }
}

/// Values whose schema is `alts`, in order.
fn samples(alts: &[Alt], out: &mut Vec<String>) {
    for a in alts {
        match a {
            Alt::Scalar("long") => out.push("0".into()),
            Alt::Scalar("double") => out.push("0.5".into()),
            Alt::Scalar("bool") => out.push("false".into()),
            Alt::Scalar(_) => out.push("\"\"".into()),
            Alt::Object(keys) if keys.is_empty() => out.push("{}".into()),
            Alt::Object(keys) => {
                for (k, v) in keys {
                    let mut vs = Vec::new();
                    samples(v, &mut vs);
                    if vs.is_empty() {
                        vs.push("null".into());
                    }
                    for s in vs {
                        out.push(format!("{{{k}:{s}}}"));
                    }
                }
            }
            Alt::Array(items) => {
                let mut vs = Vec::new();
                samples(items, &mut vs);
                out.push(format!("[{}]", vs.join(",")));
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BuildSchemaUdaf {
    signature: Signature,
}

impl Default for BuildSchemaUdaf {
    fn default() -> Self {
        BuildSchemaUdaf {
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

/// `kql_buildschema(dynamic)`.
pub fn buildschema_expr(v: Expr) -> Expr {
    Arc::new(AggregateUDF::from(BuildSchemaUdaf::default())).call(vec![v])
}

impl AggregateUDFImpl for BuildSchemaUdaf {
    fn name(&self) -> &str {
        "kql_buildschema"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SchemaAccumulator::default()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new_list(
            format_state_name(args.name, "samples"),
            Field::new_list_field(DataType::Utf8, true),
            true,
        ))])
    }
}

#[derive(Debug, Default)]
struct SchemaAccumulator {
    alts: Vec<Alt>,
}

impl Accumulator for SchemaAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(v) = values.first() else {
            return Ok(());
        };
        let v = cast(v, &DataType::Utf8)?;
        for s in v.as_string::<i32>().iter().flatten() {
            add_value(&mut self.alts, s);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.alts.is_empty() {
            return Ok(ScalarValue::Utf8(None));
        }
        let mut out = String::new();
        render(&self.alts, &mut out);
        Ok(ScalarValue::Utf8(Some(out)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + std::mem::size_of_val(self.alts.as_slice()) * 4
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut s = Vec::new();
        samples(&self.alts, &mut s);
        let values: Vec<ScalarValue> = s.into_iter().map(|x| ScalarValue::Utf8(Some(x))).collect();
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
            let part = cast(&lists.value(i), &DataType::Utf8)?;
            for s in part.as_string::<i32>().iter().flatten() {
                add_value(&mut self.alts, s);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;

    fn schema_of(values: Vec<Option<&str>>) -> Option<String> {
        let mut a = SchemaAccumulator::default();
        a.update_batch(&[Arc::new(StringArray::from(values))])
            .unwrap();
        match a.evaluate().unwrap() {
            ScalarValue::Utf8(s) => s,
            _ => None,
        }
    }

    #[test]
    fn documented_example() {
        let s = schema_of(vec![
            Some(r#"{"x":1, "y":3.5}"#),
            Some(r#"{"x":"somevalue", "z":[1, 2, 3]}"#),
            None,
            Some(r#"{"y":{"w":"zzz"}, "t":["aa", "bb"], "z":["foo"]}"#),
        ]);
        assert_eq!(
            s.unwrap(),
            r#"{"x":["long","string"],"y":["double",{"w":"string"}],"z":{"`indexer`":["long","string"]},"t":{"`indexer`":"string"}}"#
        );
    }

    #[test]
    fn scalars_nulls_and_empty() {
        assert_eq!(schema_of(vec![]), None);
        assert_eq!(schema_of(vec![None, Some("null")]), None);
        assert_eq!(schema_of(vec![Some("1"), Some("2")]).unwrap(), r#""long""#);
        assert_eq!(
            schema_of(vec![Some("true"), Some("[]"), Some("\"a\"")]).unwrap(),
            r#"["bool",{"`indexer`":null},"string"]"#
        );
    }

    #[test]
    fn partial_states_rebuild_the_schema() {
        let mut a = SchemaAccumulator::default();
        a.update_batch(&[Arc::new(StringArray::from(vec![
            r#"{"x":1, "y":3.5, "e":{}}"#,
            r#"{"x":"s", "z":[1, "a", {"q":true}], "n":null}"#,
        ]))])
        .unwrap();
        let expected = match a.evaluate().unwrap() {
            ScalarValue::Utf8(s) => s,
            _ => None,
        };
        let state = a.state().unwrap().remove(0).to_array().unwrap();
        let mut b = SchemaAccumulator::default();
        b.merge_batch(&[state]).unwrap();
        let got = match b.evaluate().unwrap() {
            ScalarValue::Utf8(s) => s,
            _ => None,
        };
        assert_eq!(got, expected);
    }
}
