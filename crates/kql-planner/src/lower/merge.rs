//! Collapsing chains of projections before they reach DataFusion.
//!
//! A saved function is a chain of `extend` / `project-rename` / `project`
//! steps; bound, each is a `Project` over the previous one, so an ASIM
//! parser lowers to a dozen stacked projections. DataFusion's optimiser
//! merges them too, but only after walking every level in each of its
//! passes. Here an outer projection is rewritten over its input's input
//! (each column it reads replaced by the expression that defined it) while
//! that duplicates no work: a definition used more than once is inlined
//! only when it is a column, a literal or a cast of one.

use crate::bound::{BExpr, BoundOp, BoundTabular};
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::Expr;
use std::collections::HashMap;

/// `exprs` (over `input`'s columns) rewritten over the deepest input of the
/// projection chain they can be moved through, and that input.
pub(super) fn through_projections(
    mut input: &BoundTabular,
    mut exprs: Vec<Expr>,
) -> (&BoundTabular, Vec<Expr>) {
    while let BoundOp::Project {
        input: inner,
        exprs: defs,
    } = &input.op
    {
        match inline(&input.columns, defs, &exprs) {
            Some(rewritten) => {
                exprs = rewritten;
                input = inner;
            }
            None => break,
        }
    }
    (input, exprs)
}

/// `exprs` with each column replaced by its definition in `defs` (which
/// produce `columns`), or `None` when that would repeat work or cannot be
/// done safely.
fn inline(
    columns: &[crate::bound::BoundColumn],
    defs: &[BExpr],
    exprs: &[Expr],
) -> Option<Vec<Expr>> {
    let by_name: HashMap<&str, &Expr> = columns
        .iter()
        .zip(defs)
        .map(|(c, d)| (c.name.as_str(), unalias(&d.expr)))
        .collect();
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for e in exprs {
        let mut ok = true;
        let _ = e.apply(|node| {
            match node {
                Expr::Column(c) => match by_name.get_key_value(c.name.as_str()) {
                    Some((name, _)) if c.relation.is_none() => *uses.entry(name).or_default() += 1,
                    _ => ok = false,
                },
                Expr::ScalarSubquery(_) | Expr::InSubquery(_) | Expr::Exists(_) => ok = false,
                _ => {}
            }
            Ok(if ok {
                TreeNodeRecursion::Continue
            } else {
                TreeNodeRecursion::Stop
            })
        });
        if !ok {
            return None;
        }
    }
    let repeats_work = uses
        .iter()
        .any(|(name, n)| *n > 1 && !is_trivial(by_name[name]));
    if repeats_work || by_name.values().any(|d| d.is_volatile()) {
        return None;
    }
    exprs
        .iter()
        .map(|e| {
            e.clone()
                .transform_up(|node| match &node {
                    Expr::Column(c) => match by_name.get(c.name.as_str()) {
                        Some(def) => Ok(Transformed::yes((*def).clone())),
                        None => Ok(Transformed::no(node)),
                    },
                    _ => Ok(Transformed::no(node)),
                })
                .map(|t| keep_name(e, t.data))
                .ok()
        })
        .collect()
}

/// The expression under its alias.
fn unalias(e: &Expr) -> &Expr {
    match e {
        Expr::Alias(a) => unalias(&a.expr),
        other => other,
    }
}

/// Cheap enough to compute twice.
fn is_trivial(e: &Expr) -> bool {
    match e {
        Expr::Column(_) | Expr::Literal(..) => true,
        Expr::Cast(c) => is_trivial(&c.expr),
        _ => false,
    }
}

/// `new` under the output name `old` had.
fn keep_name(old: &Expr, new: Expr) -> Expr {
    if matches!(old, Expr::Alias(_)) {
        return new; // the alias survived the rewrite
    }
    let name = old.schema_name().to_string();
    if new.schema_name().to_string() == name {
        new
    } else {
        unalias(&new).clone().alias(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bound::BoundColumn;
    use crate::types::KqlType;
    use datafusion::logical_expr::{col, lit};

    fn project(input: BoundTabular, items: Vec<(&str, Expr)>) -> BoundTabular {
        BoundTabular {
            columns: items
                .iter()
                .map(|(n, _)| BoundColumn::new(*n, KqlType::Long))
                .collect(),
            op: BoundOp::Project {
                input: Box::new(input),
                exprs: items
                    .into_iter()
                    .map(|(n, e)| BExpr::new(e.alias(n), KqlType::Long))
                    .collect(),
            },
        }
    }

    fn scan() -> BoundTabular {
        BoundTabular {
            op: BoundOp::Scan { table: "t".into() },
            columns: vec![BoundColumn::new("a", KqlType::Long)],
        }
    }

    #[test]
    fn a_chain_collapses_onto_the_scan() {
        // t | extend b = a + 1 | extend c = b * 2  (outputs a, b, c)
        let inner = project(scan(), vec![("a", col("a")), ("b", col("a") + lit(1i64))]);
        let (base, exprs) = through_projections(&inner, vec![(col("b") * lit(2i64)).alias("c")]);
        assert!(matches!(base.op, BoundOp::Scan { .. }));
        assert_eq!(exprs, vec![((col("a") + lit(1i64)) * lit(2i64)).alias("c")]);
        // a bare column keeps its output name
        let (_, exprs) = through_projections(&inner, vec![col("b")]);
        assert_eq!(exprs, vec![(col("a") + lit(1i64)).alias("b")]);
    }

    #[test]
    fn a_computed_column_used_twice_is_not_recomputed() {
        let inner = project(scan(), vec![("b", col("a") + lit(1i64))]);
        let outer = vec![(col("b") * col("b")).alias("c")];
        let (base, exprs) = through_projections(&inner, outer.clone());
        assert!(matches!(base.op, BoundOp::Project { .. }));
        assert_eq!(exprs, outer);
    }
}
