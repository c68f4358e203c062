//! Constant `where` predicates, decided while binding.
//!
//! Saved functions are written for every caller: an ASIM parser filters on
//! its parameters (`where array_length(url_has_any) == 0 or ...`,
//! `where not(disabled)`, `where eventresult == "*" or ...`), which are
//! constants once the call is bound. Folding the parts of a predicate that
//! read no column, then the boolean connectives around them, removes those
//! filters — and a filter that is never true turns its whole source into an
//! empty table, which lowering leaves out of a union
//! ([`BoundTabular::is_statically_empty`](crate::bound::BoundTabular::is_statically_empty)). The plan DataFusion
//! optimises is smaller, and the optimiser no longer re-evaluates the same
//! constant UDF calls at each pass.

use super::eager::evaluate_in_place;
use crate::bound::BExpr;
use crate::types::KqlType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, lit};

/// What a folded predicate is known to be.
pub(crate) enum Decided {
    /// True for every row: the filter can go.
    Always,
    /// Never true (false or null for every row): nothing passes.
    Never,
    /// Depends on the row: the folded predicate.
    Depends(BExpr),
}

/// Fold `predicate` (a `where` condition, where null counts as false).
pub(crate) fn decide(predicate: BExpr) -> Decided {
    let folded = fold(predicate.expr);
    match &folded {
        Expr::Literal(ScalarValue::Boolean(Some(true)), _) => Decided::Always,
        Expr::Literal(ScalarValue::Boolean(_) | ScalarValue::Null, _) => Decided::Never,
        _ => Decided::Depends(BExpr {
            expr: folded,
            ty: predicate.ty,
            literal: predicate.literal,
        }),
    }
}

fn as_bool(e: &Expr) -> Option<bool> {
    match e {
        Expr::Literal(ScalarValue::Boolean(Some(b)), _) => Some(*b),
        _ => None,
    }
}

/// Replace each subexpression that reads no column by its value, then
/// simplify `and` / `or` / `not` around true and false (never null: `null
/// or x` is not `x` under a `not`).
fn fold(e: Expr) -> Expr {
    if !matches!(e, Expr::Literal(..)) && e.column_refs().is_empty() && !e.is_volatile() {
        let ty = KqlType::Bool;
        if let Some(v) = evaluate_in_place(&BExpr::new(e.clone(), ty)) {
            return lit(v);
        }
    }
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(op, Operator::And | Operator::Or) =>
        {
            let (l, r) = (fold(*left), fold(*right));
            match (op, as_bool(&l), as_bool(&r)) {
                (Operator::And, Some(false), _) | (Operator::And, _, Some(false)) => lit(false),
                (Operator::And, Some(true), _) => r,
                (Operator::And, _, Some(true)) => l,
                (Operator::Or, Some(true), _) | (Operator::Or, _, Some(true)) => lit(true),
                (Operator::Or, Some(false), _) => r,
                (Operator::Or, _, Some(false)) => l,
                _ => Expr::BinaryExpr(BinaryExpr::new(Box::new(l), op, Box::new(r))),
            }
        }
        Expr::Not(inner) => {
            let inner = fold(*inner);
            match as_bool(&inner) {
                Some(b) => lit(!b),
                None => Expr::Not(Box::new(inner)),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::col;
    use std::ops::Not;

    fn decide_expr(e: Expr) -> Decided {
        decide(BExpr::new(e, KqlType::Bool))
    }

    #[test]
    fn constant_parts_fold_away() {
        assert!(matches!(
            decide_expr(lit(1i64).eq(lit(1i64)).or(col("x"))),
            Decided::Always
        ));
        assert!(matches!(decide_expr(lit(false).not()), Decided::Always));
        assert!(matches!(
            decide_expr(lit(2i64).lt(lit(1i64)).and(col("x"))),
            Decided::Never
        ));
        assert!(matches!(
            decide_expr(lit(ScalarValue::Boolean(None))),
            Decided::Never
        ));
        let Decided::Depends(e) = decide_expr(lit(true).and(col("x").gt(lit(1i64)))) else {
            panic!("depends on x");
        };
        assert_eq!(e.expr, col("x").gt(lit(1i64)));
    }

    #[test]
    fn null_is_not_treated_as_false_inside_not() {
        // not(null or x) is null when x is false, not true
        let null = lit(ScalarValue::Boolean(None));
        let Decided::Depends(e) = decide_expr(null.clone().or(col("x")).not()) else {
            panic!("depends on x");
        };
        assert_eq!(e.expr, null.or(col("x")).not());
    }
}
