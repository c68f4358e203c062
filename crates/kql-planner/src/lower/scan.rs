//! Scans, and the `where` predicates that sit directly on them.
//!
//! A scan reads the table's files and normalises them in a projection: a null
//! string becomes "" (KQL strings are never null) and other columns are cast
//! to their canonical Arrow type. Predicates directly above the scan are
//! placed *below* that projection, on the raw columns, with the "" default
//! written into them; and where the default cannot change the outcome (a
//! comparison with a non-empty constant: "" never equals it, contains it or
//! starts with it) it is dropped again, so DataFusion sees `DestinationIP IN
//! (...)` on the file column and can prune row groups and pages with the
//! Parquet statistics.

use super::build::BuildExt;
use super::{column, df_err, strip_two_valued};
use crate::bound::{BExpr, BoundOp, BoundTabular};
use crate::catalog::Catalog;
use crate::types::{KqlType, arrow_type};
use datafusion::common::ScalarValue;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::{BinaryExpr, Expr, LogicalPlanBuilder, Operator, cast, lit};
use kql_syntax::{Code, Diagnostic};
use std::collections::HashSet;

/// If `t` is a chain of filters ending at a scan, the scan and the
/// predicates (innermost first).
pub(super) fn filters_over_scan(t: &BoundTabular) -> Option<(&BoundTabular, Vec<&BExpr>)> {
    let mut preds = Vec::new();
    let mut node = t;
    loop {
        match &node.op {
            BoundOp::Filter { input, predicate } => {
                preds.push(predicate);
                node = input;
            }
            BoundOp::Scan { .. } => {
                preds.reverse();
                return Some((node, preds));
            }
            _ => return None,
        }
    }
}

pub(super) fn lower_scan(
    table: &str,
    t: &BoundTabular,
    predicates: &[&BExpr],
    catalog: &dyn Catalog,
    required: Option<&HashSet<String>>,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let source = catalog.table_source(table).ok_or_else(|| {
        Diagnostic::new(
            Code::UnknownTable,
            format!("table '{table}' disappeared from the catalog"),
        )
    })?;
    let schema = source.schema();
    // What each KQL column is, in terms of the raw file columns.
    let mut normalised: Vec<(String, Expr)> = Vec::with_capacity(t.columns.len());
    // Only the columns the plan uses (all when the caller needs every one).
    let used = t
        .columns
        .iter()
        .filter(|c| required.is_none_or(|r| r.contains(&c.name)));
    for c in used {
        let want = arrow_type(c.ty);
        let e = match schema.field_with_name(&c.name) {
            Ok(f) => {
                let mut e = column(&c.name);
                if f.data_type() != &want {
                    e = cast(e, want.clone());
                }
                if c.ty == KqlType::String {
                    e = coalesce(vec![e, lit("")]);
                }
                e
            }
            // A column of the table's known schema that no file holds.
            Err(_) => match c.ty {
                KqlType::String => lit(""),
                _ => Expr::Literal(ScalarValue::try_from(&want).map_err(df_err)?, None),
            },
        };
        normalised.push((c.name.clone(), e));
    }
    let mut b = LogicalPlanBuilder::scan(table, source, None).map_err(df_err)?;
    let string_cols: HashSet<&str> = t
        .columns
        .iter()
        .filter(|c| c.ty == KqlType::String && schema.field_with_name(&c.name).is_ok())
        .map(|c| c.name.as_str())
        .collect();
    for p in predicates {
        let raw = substitute(p.expr.clone(), &normalised)?;
        let raw = bare_positive(strip_two_valued(raw), &string_cols);
        b = b.keep(raw)?;
    }
    b.select_exprs(normalised.into_iter().map(|(n, e)| e.alias(n)))
}

/// Replace each column reference by its normalised form over the file column.
fn substitute(e: Expr, normalised: &[(String, Expr)]) -> Result<Expr, Diagnostic> {
    e.transform_up(|e| match &e {
        Expr::Column(c) if c.relation.is_none() => {
            match normalised.iter().find(|(n, _)| *n == c.name) {
                Some((_, ne)) if *ne != column(&c.name) => Ok(Transformed::yes(ne.clone())),
                _ => Ok(Transformed::no(e)),
            }
        }
        _ => Ok(Transformed::no(e)),
    })
    .map(|t| t.data)
    .map_err(df_err)
}

/// `coalesce(c, '')` → `c` for a raw string column c.
fn raw_string_column<'a>(e: &'a Expr, cols: &HashSet<&str>) -> Option<&'a Expr> {
    let Expr::ScalarFunction(f) = e else {
        return None;
    };
    if f.func.name() != "coalesce" || f.args.len() != 2 {
        return None;
    }
    match (&f.args[0], &f.args[1]) {
        (c @ Expr::Column(col), Expr::Literal(ScalarValue::Utf8(Some(empty)), _))
            if empty.is_empty() && cols.contains(col.name.as_str()) =>
        {
            Some(c)
        }
        _ => None,
    }
}

fn non_empty_string_literal(e: &Expr) -> bool {
    matches!(e, Expr::Literal(ScalarValue::Utf8(Some(s)), _) if !s.is_empty())
}

/// At positive positions of a filter (under and/or only), comparisons of a
/// defaulted string column with non-empty constants are false for "" and
/// null alike, so the default can go.
fn bare_positive(e: Expr, cols: &HashSet<&str>) -> Expr {
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(op, Operator::And | Operator::Or) =>
        {
            Expr::BinaryExpr(BinaryExpr {
                left: Box::new(bare_positive(*left, cols)),
                op,
                right: Box::new(bare_positive(*right, cols)),
            })
        }
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Eq,
            right,
        }) => {
            if non_empty_string_literal(&right)
                && let Some(c) = raw_string_column(&left, cols)
            {
                return Expr::BinaryExpr(BinaryExpr::new(Box::new(c.clone()), Operator::Eq, right));
            }
            if non_empty_string_literal(&left)
                && let Some(c) = raw_string_column(&right, cols)
            {
                return Expr::BinaryExpr(BinaryExpr::new(left, Operator::Eq, Box::new(c.clone())));
            }
            Expr::BinaryExpr(BinaryExpr::new(left, Operator::Eq, right))
        }
        Expr::InList(InList {
            expr,
            list,
            negated: false,
        }) if !list.is_empty() && list.iter().all(non_empty_string_literal) => {
            match raw_string_column(&expr, cols) {
                Some(c) => Expr::InList(InList::new(Box::new(c.clone()), list, false)),
                None => Expr::InList(InList::new(expr, list, false)),
            }
        }
        Expr::ScalarFunction(mut f)
            if f.func.name().starts_with("kql_")
                && f.args.len() == 2
                && non_empty_string_literal(&f.args[1]) =>
        {
            // the string-match UDFs are false for a null haystack
            if let Some(c) = raw_string_column(&f.args[0], cols) {
                f.args[0] = c.clone();
            }
            Expr::ScalarFunction(f)
        }
        other => other,
    }
}
