//! Fences that stop DataFusion's optimiser from inlining a column whose
//! definition, fully expanded, would be exponentially large.
//!
//! Published hunts build a value step by step:
//!
//! ```text
//! | extend arr = iff(s contains "a", array_concat(arr, pack_array("a")), arr)
//! | extend arr = iff(s contains "b", array_concat(arr, pack_array("b")), arr)
//! ...
//! | where array_length(arr) > 0
//! ```
//!
//! Each step names the previous `arr` twice. DataFusion's filter push-down
//! moves the `where` below every projection by substituting the column's
//! definition, so after `n` steps the predicate holds `2^n` copies of the
//! first one: a 30-step chain never leaves the optimiser.
//!
//! Lowering therefore estimates, for every projected expression, the size it
//! would have with every column replaced by its definition (capped at
//! [`MAX_INLINED_SIZE`]); an expression over the cap is wrapped in
//! `kql_fence(expr)`, an identity function declared volatile. DataFusion
//! never duplicates or moves a volatile expression, so predicates on that
//! column stay above its projection (predicates on other columns still reach
//! the scan), and the estimate of anything built on it restarts at one.

use crate::bound::{BoundOp, BoundTabular};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result as DfResult;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Expression nodes an inlined definition may grow to before it is fenced.
/// Ordinary extends stay far below it (an ASIM parser's largest `case` is a
/// few hundred nodes); a doubling chain passes it within ten steps.
pub(super) const MAX_INLINED_SIZE: usize = 2048;

/// `exprs` (over `input`'s columns), each wrapped in a fence when its
/// expanded size is over the cap.
pub(super) fn fence_large(input: &BoundTabular, exprs: Vec<Expr>) -> Vec<Expr> {
    let mut sizes = Sizes::default();
    exprs
        .into_iter()
        .map(|e| {
            if sizes.expr_size(&e, input) > MAX_INLINED_SIZE {
                fenced(e)
            } else {
                e
            }
        })
        .collect()
}

/// The node count of `e` with each column counted as `column_size` says
/// (the size of its definition, inlined), stopping once past `cap`: the
/// result is at most `cap + 1`, and the walk never visits much more than
/// `cap` nodes however large the inlined tree would be.
pub fn inlined_size(e: &Expr, cap: usize, column_size: &mut dyn FnMut(&str) -> usize) -> usize {
    let mut size = 0usize;
    let _ = e.apply(|node| {
        size += match node {
            Expr::Column(c) => column_size(&c.name),
            _ => 1,
        };
        Ok(if size > cap {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    size.min(cap + 1)
}

/// Expanded sizes of the columns of bound nodes, so a chain is walked once.
#[derive(Default)]
struct Sizes {
    memo: HashMap<(*const BoundTabular, String), usize>,
}

impl Sizes {
    /// The size of `e` with its columns (read from `input`) expanded,
    /// capped just above [`MAX_INLINED_SIZE`].
    fn expr_size(&mut self, e: &Expr, input: &BoundTabular) -> usize {
        inlined_size(e, MAX_INLINED_SIZE, &mut |name| {
            self.column_size(input, name)
        })
    }

    /// The expanded size of column `name` of `t`: its definition's size
    /// through projections and the operators that pass columns through
    /// unchanged; one at a scan, an aggregate, a join and the like (filter
    /// push-down does not substitute through those), or at a fence.
    fn column_size(&mut self, t: &BoundTabular, name: &str) -> usize {
        let key = (t as *const BoundTabular, name.to_string());
        if let Some(size) = self.memo.get(&key) {
            return *size;
        }
        let size = match &t.op {
            BoundOp::Project { input, exprs } => {
                match t.columns.iter().position(|c| c.name == name) {
                    Some(i) => {
                        let size = self.expr_size(&exprs[i].expr, input);
                        if size > MAX_INLINED_SIZE { 1 } else { size }
                    }
                    None => 1,
                }
            }
            BoundOp::Filter { input, .. }
            | BoundOp::Sort { input, .. }
            | BoundOp::Limit { input, .. }
            | BoundOp::Distinct { input } => self.column_size(input, name),
            _ => 1,
        };
        self.memo.insert(key, size);
        size
    }
}

/// `e` behind a fence, under the name it had.
fn fenced(e: Expr) -> Expr {
    let name = e.schema_name().to_string();
    let inner = match e {
        Expr::Alias(a) => *a.expr,
        other => other,
    };
    FENCE.call(vec![inner]).alias(name)
}

static FENCE: LazyLock<ScalarUDF> = LazyLock::new(|| ScalarUDF::new_from_impl(Fence::new()));

/// `kql_fence(x)`: returns `x`; volatile so the optimiser leaves it in place.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Fence {
    signature: Signature,
}

impl Fence {
    fn new() -> Self {
        Fence {
            signature: Signature::any(1, Volatility::Volatile),
        }
    }
}

impl ScalarUDFImpl for Fence {
    fn name(&self) -> &str {
        "kql_fence"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> DfResult<DataType> {
        Ok(args[0].clone())
    }
    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        Ok(args.args.swap_remove(0))
    }
}

/// For tests: whether `e` holds a fence.
#[cfg(test)]
pub(super) fn has_fence(e: &Expr) -> bool {
    let mut found = false;
    let _ = e.apply(|node| {
        if let Expr::ScalarFunction(f) = node {
            found |= f.func.name() == FENCE.name();
        }
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bound::{BExpr, BoundColumn};
    use crate::types::KqlType;
    use datafusion::logical_expr::{col, lit};

    /// `input | extend x = <def>` (output: x only).
    fn extend_x(input: BoundTabular, def: Expr) -> BoundTabular {
        BoundTabular {
            columns: vec![BoundColumn::new("x", KqlType::Long)],
            op: BoundOp::Project {
                input: Box::new(input),
                exprs: vec![BExpr::new(def.alias("x"), KqlType::Long)],
            },
        }
    }

    fn scan() -> BoundTabular {
        BoundTabular {
            op: BoundOp::Scan { table: "t".into() },
            columns: vec![BoundColumn::new("x", KqlType::Long)],
        }
    }

    #[test]
    fn a_doubling_chain_is_fenced_once_it_would_outgrow_the_cap() {
        // x = x + x, again and again: the expanded size doubles each step
        let mut t = scan();
        let mut fenced_at = None;
        for step in 0..40 {
            let exprs = fence_large(&t, vec![(col("x") + col("x")).alias("x")]);
            if fenced_at.is_none() && has_fence(&exprs[0]) {
                fenced_at = Some(step);
            }
            let def = exprs[0].clone();
            t = extend_x(
                t,
                match def {
                    Expr::Alias(a) => *a.expr,
                    other => other,
                },
            );
        }
        // each step's definition (alias, plus, two copies of the last) is
        // 3 * 2^(k+1) - 2 nodes: over 2048 at the tenth step (k = 9)
        assert_eq!(fenced_at, Some(9));
        let exprs = fence_large(&t, vec![col("x").gt(lit(0i64))]);
        assert!(
            !has_fence(&exprs[0]),
            "a small predicate over a fenced column is not fenced"
        );
    }

    #[test]
    fn ordinary_extends_are_left_alone() {
        let mut t = scan();
        for _ in 0..200 {
            let exprs = fence_large(&t, vec![(col("x") + lit(1i64)).alias("x")]);
            assert!(!has_fence(&exprs[0]));
            t = extend_x(t, col("x") + lit(1i64));
        }
    }
}
