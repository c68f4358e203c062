//! `evaluate bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict]
//! [, ignoredProperties]) [: (schema)]` (bag-unpack-plugin.md).
//!
//! The input's columns, without `Column`, then one column per distinct
//! top-level property of the property bags in `Column` (named
//! `OutputColumnPrefix` + property, in ordinal order of the names). A
//! column's type is the type of the property's values when they all have
//! the same one (JSON integers are long, other numbers real; nulls do not
//! count), dynamic otherwise. Rows whose value is not a bag, or has no such
//! property, get nulls. The properties are found by computing the distinct
//! values of `Column` once, while binding.
//!
//! `columnsConflict` says what happens when a property's column has the name
//! of an input column: `error` (the default) fails, `replace_source` puts
//! the property's values in the input column's place, `keep_source` keeps
//! the input column and drops the property. `ignoredProperties` (a dynamic
//! array of names) drops those properties.
//!
//! With an output schema `: (c:type, ...)` the columns are exactly the
//! listed ones, in order (a listed input column keeps its values unless the
//! conflict mode is `replace_source`; the others are properties converted
//! to the listed type), and `*` stands for the input columns not listed;
//! the data is not read while binding.

use super::super::super::eager;
use super::super::super::expr::{cast_to, column_expr, from_dynamic};
use super::super::project_node;
use super::{Plugin, const_string, first_column_text, plugin_args};
use crate::binder::Binder;
use crate::bound::{BExpr, BoundOp, BoundTabular};
use crate::types::KqlType;
use datafusion::logical_expr::lit;
use kql_syntax::ast::{DynamicLit, ExprKind, Literal};
use kql_syntax::{Code, Diagnostic};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Conflict {
    Error,
    Replace,
    Keep,
}

pub(super) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    plugin: &Plugin<'_>,
) -> Result<BoundTabular, Diagnostic> {
    let args = plugin_args(
        plugin,
        &[
            "Column",
            "OutputColumnPrefix",
            "columnsConflict",
            "ignoredProperties",
        ],
    )?;
    let Some(col_e) = args[0] else {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            plugin.span,
            "bag_unpack() needs the column to unpack",
        ));
    };
    let bag = b.bind_scalar(col_e, &input.columns)?;
    if bag.ty != KqlType::Dynamic {
        return Err(Diagnostic::at(
            Code::TypeMismatch,
            col_e.span,
            format!(
                "bag_unpack() unpacks a dynamic column, not a {}",
                bag.ty.as_str()
            ),
        )
        .with_hint("convert it first: `extend d = parse_json(Column)`"));
    }
    let source = match &col_e.kind {
        ExprKind::Name(id) if input.column(&id.name).is_some() => Some(id.name.clone()),
        _ => None,
    };
    let prefix = match args[1] {
        Some(e) => const_string(b, e, "bag_unpack()'s OutputColumnPrefix")?,
        None => String::new(),
    };
    let conflict = match args[2] {
        None => Conflict::Error,
        Some(e) => match const_string(b, e, "bag_unpack()'s columnsConflict")?.as_str() {
            "error" => Conflict::Error,
            "replace_source" => Conflict::Replace,
            "keep_source" => Conflict::Keep,
            other => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    e.span,
                    format!(
                        "bag_unpack()'s columnsConflict is 'error', 'replace_source' or 'keep_source', not '{other}'"
                    ),
                ));
            }
        },
    };
    let ignored: Vec<String> = match args[3] {
        None => vec![],
        Some(e) => {
            let v = b.bind_scalar(e, &[])?;
            let v = eager::fold_if_constant(b, v, e.span)?;
            match v.literal {
                Some(Literal::Dynamic(DynamicLit::Array(items))) => items
                    .iter()
                    .filter_map(|i| match i {
                        DynamicLit::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
                Some(Literal::Dynamic(DynamicLit::Null)) => vec![],
                _ => {
                    return Err(Diagnostic::at(
                        Code::NotConstant,
                        e.span,
                        "bag_unpack()'s ignoredProperties must be a constant dynamic array of names",
                    ));
                }
            }
        }
    };
    let base: Vec<_> = input
        .columns
        .iter()
        .filter(|c| Some(&c.name) != source.as_ref())
        .cloned()
        .collect();
    let slot = |key: &str, ty: KqlType| {
        let v = BExpr::new(
            kql_functions::dynamic::dynamic_get_expr(bag.expr.clone(), lit(key.to_string())),
            KqlType::Dynamic,
        );
        from_dynamic(v, ty)
    };
    let pass = |name: &str, ty: KqlType| BExpr::new(column_expr(name), ty);

    let mut items: Vec<(String, BExpr)> = Vec::new();
    if let Some((cols, open)) = plugin.schema {
        let listed = |n: &str| cols.iter().any(|c| c.name.name == n);
        if *open {
            for c in &base {
                if !listed(&c.name) {
                    items.push((c.name.clone(), pass(&c.name, c.ty)));
                }
            }
        }
        for c in cols {
            let name = &c.name.name;
            if items.iter().any(|(n, _)| n == name) {
                return Err(super::super::duplicate_column(name, c.span));
            }
            let from_input = base.iter().find(|x| &x.name == name);
            let v = match (from_input, conflict) {
                (Some(x), Conflict::Error | Conflict::Keep) => cast_to(pass(&x.name, x.ty), c.ty),
                _ => {
                    let key = name.strip_prefix(prefix.as_str()).unwrap_or(name);
                    slot(key, c.ty)
                }
            };
            items.push((name.clone(), v));
        }
        return Ok(project_node(input, items));
    }

    if !b.catalog.can_evaluate() {
        return Ok(super::open_output(input, &base));
    }
    let values = BoundTabular {
        columns: vec![crate::bound::BoundColumn::new(
            "__kql_bag",
            KqlType::Dynamic,
        )],
        op: BoundOp::Distinct {
            input: Box::new(project_node(
                input.clone(),
                vec![("__kql_bag".to_string(), bag.clone())],
            )),
        },
    };
    let batches = eager::evaluate_tabular(b, &values, plugin.span)?;
    let slots = slot_types(first_column_text(&batches)?.iter().flatten());

    let mut appended: Vec<(String, BExpr)> = Vec::new();
    items = base
        .iter()
        .map(|c| (c.name.clone(), pass(&c.name, c.ty)))
        .collect();
    for (key, ty) in slots {
        if ignored.contains(&key) {
            continue;
        }
        let name = format!("{prefix}{key}");
        match items.iter().position(|(n, _)| *n == name) {
            Some(i) => match conflict {
                Conflict::Error => {
                    return Err(Diagnostic::at(
                        Code::DuplicateName,
                        col_e.span,
                        format!(
                            "bag_unpack(): the property '{key}' would make a second column '{name}'"
                        ),
                    )
                    .with_hint(
                        "give an OutputColumnPrefix, or columnsConflict='replace_source' / 'keep_source'",
                    ));
                }
                Conflict::Replace => items[i].1 = slot(&key, ty),
                Conflict::Keep => {}
            },
            None => appended.push((name, slot(&key, ty))),
        }
    }
    items.extend(appended);
    Ok(project_node(input, items))
}

/// The top-level properties of the bags among `values` (JSON texts) with
/// their column types, in ordinal order of the names.
fn slot_types<'a>(values: impl Iterator<Item = &'a String>) -> Vec<(String, KqlType)> {
    // None: only nulls seen so far
    let mut slots: BTreeMap<String, Option<KqlType>> = BTreeMap::new();
    for v in values {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(v)
        else {
            continue;
        };
        for (k, v) in map {
            let t = json_type(&v);
            let entry = slots.entry(k).or_insert(None);
            match (t, *entry) {
                (None, _) => {}
                (Some(t), None) => *entry = Some(t),
                (Some(t), Some(old)) if old != t => *entry = Some(KqlType::Dynamic),
                _ => {}
            }
        }
    }
    slots
        .into_iter()
        .map(|(k, t)| (k, t.unwrap_or(KqlType::Dynamic)))
        .collect()
}

fn json_type(v: &serde_json::Value) -> Option<KqlType> {
    use serde_json::Value;
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => KqlType::Bool,
        Value::Number(n) if n.is_i64() || n.is_u64() => KqlType::Long,
        Value::Number(_) => KqlType::Real,
        Value::String(_) => KqlType::String,
        Value::Array(_) | Value::Object(_) => KqlType::Dynamic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_types_merge_and_sort() {
        let vals = [
            r#"{"b": 1, "a": "x", "n": null}"#.to_string(),
            r#"{"b": 2.5, "c": [1], "n": true}"#.to_string(),
            r#"[1, 2]"#.to_string(),
            "null".to_string(),
            r#"{"z": null}"#.to_string(),
        ];
        assert_eq!(
            slot_types(vals.iter()),
            vec![
                ("a".to_string(), KqlType::String),
                ("b".to_string(), KqlType::Dynamic),
                ("c".to_string(), KqlType::Dynamic),
                ("n".to_string(), KqlType::Bool),
                ("z".to_string(), KqlType::Dynamic),
            ]
        );
    }
}
