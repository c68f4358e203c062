//! DataFusion optimiser rules wrapped so that no query makes them
//! exponential.
//!
//! `EliminateOuterJoin` (DataFusion 55) looks for a join under a `where`
//! by inlining the predicate through every projection between them,
//! whatever their expressions. A hunt that builds a value step by step
//! (`extend arr = iff(..., array_concat(arr, ...), arr)`, twenty times over)
//! doubles the inlined predicate at each step: four seconds at twenty steps,
//! minutes at thirty, before the rule finds there is no join at all.
//! Lowering's fences (`kql_planner`'s `lower/fence.rs`) keep filter
//! push-down in check; this wrapper does the same for this rule: it hands a
//! `Filter` to the rule only when a join is under it and the inlined
//! predicate stays small.

use datafusion::common::Result;
use datafusion::common::tree_node::Transformed;
use datafusion::logical_expr::{Expr, LogicalPlan, Projection};
use datafusion::optimizer::eliminate_outer_join::EliminateOuterJoin;
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};
use std::collections::HashMap;
use std::sync::Arc;

/// Expression nodes the inlined predicate may have.
const MAX_INLINED_SIZE: usize = 4096;

/// The session's optimiser rules with the unbounded ones wrapped.
pub(crate) fn guarded(
    rules: &[Arc<dyn OptimizerRule + Send + Sync>],
) -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    rules
        .iter()
        .map(|rule| {
            if rule.name() == EliminateOuterJoin::new().name() {
                Arc::new(BoundedEliminateOuterJoin::default()) as _
            } else {
                Arc::clone(rule)
            }
        })
        .collect()
}

/// [`EliminateOuterJoin`], run only where its inlining stays small.
#[derive(Debug, Default)]
pub(crate) struct BoundedEliminateOuterJoin {
    inner: EliminateOuterJoin,
}

impl OptimizerRule for BoundedEliminateOuterJoin {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        self.inner.apply_order()
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        if worth_trying(&plan) {
            self.inner.rewrite(plan, config)
        } else {
            Ok(Transformed::no(plan))
        }
    }
}

/// Whether `plan` is a `Filter` over projections over a join, whose
/// predicate inlined through those projections stays under the cap.
fn worth_trying(plan: &LogicalPlan) -> bool {
    let LogicalPlan::Filter(filter) = plan else {
        return false;
    };
    let mut projections = Vec::new();
    let mut cur = filter.input.as_ref();
    loop {
        match cur {
            LogicalPlan::Projection(p) => {
                projections.push(p);
                cur = p.input.as_ref();
            }
            LogicalPlan::Join(_) => break,
            _ => return false,
        }
    }
    let mut sizes = Sizes {
        projections: &projections,
        memo: HashMap::new(),
    };
    sizes.expr_size(&filter.predicate, 0) <= MAX_INLINED_SIZE
}

/// Inlined sizes of the columns of a chain of projections (the first is
/// the outermost).
struct Sizes<'a> {
    projections: &'a [&'a Projection],
    memo: HashMap<(usize, String), usize>,
}

impl Sizes<'_> {
    /// The size of `e`, read over projection `level`, with its columns
    /// inlined; capped just above [`MAX_INLINED_SIZE`].
    fn expr_size(&mut self, e: &Expr, level: usize) -> usize {
        kql_planner::lower::inlined_size(e, MAX_INLINED_SIZE, &mut |name| {
            self.column_size(level, name)
        })
    }

    fn column_size(&mut self, level: usize, name: &str) -> usize {
        let Some(p) = self.projections.get(level) else {
            return 1; // a column of the join
        };
        let key = (level, name.to_string());
        if let Some(size) = self.memo.get(&key) {
            return *size;
        }
        let size = match p.schema.fields().iter().position(|f| f.name() == name) {
            Some(i) => self.expr_size(&p.expr[i], level + 1),
            None => 1,
        };
        self.memo.insert(key, size);
        size
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::logical_expr::{JoinType, LogicalPlanBuilder, col, lit, table_scan};

    fn scan(name: &str) -> LogicalPlanBuilder {
        let schema = Schema::new(vec![Field::new("x", DataType::Int64, true)]);
        table_scan(Some(name), &schema, None).expect("scan")
    }

    /// `steps` projections of `x = x + x` over `input`, then `where x > 0`.
    fn doubling(input: LogicalPlanBuilder, steps: usize) -> LogicalPlan {
        let mut b = input;
        for _ in 0..steps {
            b = b
                .project(vec![(col("x") + col("x")).alias("x")])
                .expect("project");
        }
        b.filter(col("x").gt(lit(0i64)))
            .expect("filter")
            .build()
            .expect("build")
    }

    fn joined() -> LogicalPlanBuilder {
        scan("l")
            .join(
                scan("r").build().expect("r"),
                JoinType::Left,
                (vec!["l.x"], vec!["r.x"]),
                None,
            )
            .expect("join")
            .project(vec![col("l.x").alias("x")])
            .expect("project")
    }

    #[test]
    fn a_filter_without_a_join_below_is_not_inlined() {
        assert!(!worth_trying(&doubling(scan("t"), 3)));
    }

    #[test]
    fn a_short_chain_over_a_join_is_handed_to_the_rule() {
        assert!(worth_trying(&doubling(joined(), 3)));
    }

    #[test]
    fn a_doubling_chain_over_a_join_is_not() {
        // 40 steps inlined would be 2^40 copies of x
        assert!(!worth_trying(&doubling(joined(), 40)));
    }
}
