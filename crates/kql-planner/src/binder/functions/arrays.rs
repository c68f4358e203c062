//! Dynamic-array functions: `array_concat`, `set_union`, `array_slice`,
//! `pack_array`, `repeat`, `split`, `strcat_array`. The work is done by the
//! `kql_<name>` UDFs of `kql_functions::dynamic::arrays`; this checks the
//! KQL signatures and converts the arguments.

use super::{arity, expect_dynamic, expect_integer, expect_string};
use crate::binder::Binder;
use crate::binder::expr::cast_to;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::logical_expr::Expr;
use kql_functions::dynamic::arrays::array_function_expr;
use kql_syntax::ast;
use kql_syntax::{Diagnostic, Span};

pub(super) const NAMES: &[&str] = &[
    "array_concat",
    "set_union",
    "array_slice",
    "pack_array",
    "repeat",
    "split",
    "strcat_array",
];

/// A value as the JSON text of one dynamic-array element (a null stays
/// null: `pack_array` writes it as `null`).
pub(crate) fn element_json(v: BExpr) -> Expr {
    cast_to(v, KqlType::Dynamic).expr
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    let bind_all = |b: &mut Binder| -> Result<Vec<(BExpr, Span)>, Diagnostic> {
        args.iter()
            .map(|a| Ok((b.bind_scalar(&a.value, row)?, a.value.span)))
            .collect()
    };
    let (exprs, ty): (Vec<Expr>, KqlType) = match name {
        "array_concat" | "set_union" => {
            arity(
                name,
                args,
                if name == "set_union" { 2 } else { 1 },
                64,
                span,
            )?;
            let a = bind_all(b)?;
            let e = a
                .into_iter()
                .map(|(v, s)| expect_dynamic(name, v, s).map(|v| v.expr))
                .collect::<Result<_, _>>()?;
            (e, KqlType::Dynamic)
        }
        "array_slice" => {
            arity(name, args, 3, 3, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (arr, s0) = a.next().expect("arity");
            let (start, s1) = a.next().expect("arity");
            let (end, s2) = a.next().expect("arity");
            (
                vec![
                    expect_dynamic(name, arr, s0)?.expr,
                    expect_integer(name, start, s1)?,
                    expect_integer(name, end, s2)?,
                ],
                KqlType::Dynamic,
            )
        }
        "pack_array" => {
            // no upper bound (Kusto.Language: up to 32767 values)
            arity(name, args, 1, usize::MAX, span)?;
            let a = bind_all(b)?;
            (
                a.into_iter().map(|(v, _)| element_json(v)).collect(),
                KqlType::Dynamic,
            )
        }
        "repeat" => {
            arity(name, args, 2, 2, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (v, _) = a.next().expect("arity");
            let (n, s1) = a.next().expect("arity");
            (
                vec![element_json(v), expect_integer(name, n, s1)?],
                KqlType::Dynamic,
            )
        }
        "split" => {
            arity(name, args, 2, 3, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (s, s0) = a.next().expect("arity");
            let (d, s1) = a.next().expect("arity");
            let mut e = vec![expect_string(name, s, s0)?, expect_string(name, d, s1)?];
            if let Some((i, s2)) = a.next() {
                e.push(expect_integer(name, i, s2)?);
            }
            (e, KqlType::Dynamic)
        }
        _ => {
            // strcat_array
            arity(name, args, 2, 2, span)?;
            let mut a = bind_all(b)?.into_iter();
            let (arr, s0) = a.next().expect("arity");
            let (d, s1) = a.next().expect("arity");
            (
                vec![
                    expect_dynamic(name, arr, s0)?.expr,
                    expect_string(name, d, s1)?,
                ],
                KqlType::String,
            )
        }
    };
    let e = array_function_expr(name, exprs)
        .ok_or_else(|| Diagnostic::internal("bind", format!("no UDF for {name}")))?;
    Ok(BExpr::new(e, ty))
}
