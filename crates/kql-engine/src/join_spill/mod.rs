//! Joins that outgrow memory: a physical-plan rule, used only when a
//! session has a memory limit, that turns each hash join into a
//! partition-at-a-time (grace) hash join.
//!
//! DataFusion 55's hash join keeps its whole build side in memory and its
//! sort-merge join cannot finish under a tight pool, so a join whose smaller
//! side outgrows the limit failed. The rule splits both inputs of a hash
//! join by a hash of the join keys into many partitions
//! ([`fan_out`]; a `RepartitionExec`, which writes the rows of the
//! partitions nobody reads yet to disk when the memory pool is short) and
//! joins them a few at a time ([`strided::StridedPartitionsExec`]): only the
//! build side of the partitions being joined is in memory. Rows with equal
//! keys hash alike, so each partition joins on its own, for every join kind
//! (an unmatched row of an outer or anti join is unmatched in its partition
//! too, and null keys, which match nothing, stay unmatched wherever they go).
//!
//! A join is left as it is when its build side is known to be small (the
//! planner's size estimate under a sixteenth of the limit,
//! [`SMALL_BUILD_DIVISOR`]), when it
//! is null-aware (`not in` semantics need the whole build side at once),
//! when it has no equality keys, or when a parent relies on its output
//! order; a plan with a node that cannot take the new shape (an
//! interleaving union over joins) keeps all its joins as they were.

mod strided;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::execution_plan::{ChildrenPropertiesMode, ReplaceChildrenOptions};
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::{
    Distribution, ExecutionPlan, ExecutionPlanProperties, Partitioning, StatisticsArgs,
    StatisticsContext,
};
use std::sync::Arc;
pub(crate) use strided::StridedPartitionsExec;

/// A build side estimated under the memory limit divided by this stays an
/// ordinary in-memory hash join.
const SMALL_BUILD_DIVISOR: usize = 16;

/// The rule; `memory_limit` is the session pool's size in bytes.
#[derive(Debug)]
pub(crate) struct PartitionedJoins {
    memory_limit: usize,
}

impl PartitionedJoins {
    pub(crate) fn new(memory_limit: usize) -> Self {
        PartitionedJoins { memory_limit }
    }

    /// `node` with each child that is a hash join replaced by its
    /// partition-at-a-time form, made to meet what `node` requires of it.
    fn rewrite_children(
        &self,
        node: Arc<dyn ExecutionPlan>,
        concurrency: usize,
    ) -> Result<Transformed<Arc<dyn ExecutionPlan>>> {
        let requirements = node.input_distribution_requirements().into_per_child();
        let mut changed = false;
        let mut children = Vec::with_capacity(requirements.len());
        for (child, required) in node.children().into_iter().zip(requirements) {
            match self.partition_at_a_time(child, concurrency)? {
                Some(rewritten) => {
                    changed = true;
                    let partitions = child.output_partitioning().partition_count();
                    children.push(meet(rewritten, required, partitions)?);
                }
                None => children.push(Arc::clone(child)),
            }
        }
        if !changed {
            return Ok(Transformed::no(node));
        }
        let options = ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute);
        Ok(Transformed::yes(node.replace_children(children, options)?))
    }

    /// The join split into hash partitions run `concurrency` at a time, or
    /// `None` when `plan` is no hash join this rule should touch.
    fn partition_at_a_time(
        &self,
        plan: &Arc<dyn ExecutionPlan>,
        concurrency: usize,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(join) = plan.downcast_ref::<HashJoinExec>() else {
            return Ok(None);
        };
        if join.on().is_empty()
            || join.null_aware
            || join.properties().output_ordering().is_some()
            || self.build_side_is_small(join)?
        {
            return Ok(None);
        }
        let partitions = fan_out(concurrency);
        let left_keys = join.on().iter().map(|(l, _)| Arc::clone(l)).collect();
        let right_keys = join.on().iter().map(|(_, r)| Arc::clone(r)).collect();
        let left = hash_split(join.left(), left_keys, partitions)?;
        let right = hash_split(join.right(), right_keys, partitions)?;
        let partitioned = join
            .builder()
            .with_new_children(vec![left, right])?
            .with_partition_mode(PartitionMode::Partitioned)
            .reset_state()
            .build_exec()?;
        Ok(Some(Arc::new(StridedPartitionsExec::new(
            partitioned,
            concurrency.min(partitions),
        ))))
    }

    /// The planner's estimate of the build side's bytes says it fits
    /// easily; no estimate means it may not.
    fn build_side_is_small(&self, join: &HashJoinExec) -> Result<bool> {
        let stats =
            StatisticsContext::new().compute(join.left().as_ref(), &StatisticsArgs::new())?;
        Ok(match stats.total_byte_size {
            Precision::Exact(bytes) | Precision::Inexact(bytes) => {
                bytes < self.memory_limit / SMALL_BUILD_DIVISOR
            }
            Precision::Absent => false,
        })
    }
}

impl PhysicalOptimizerRule for PartitionedJoins {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let concurrency = config.execution.target_partitions.max(1);
        let rewritten = Arc::clone(&plan)
            .transform_up(|node| self.rewrite_children(node, concurrency))
            .and_then(|t| {
                // The root has no parent to require anything of it.
                Ok(self
                    .partition_at_a_time(&t.data, concurrency)?
                    .unwrap_or(t.data))
            });
        // A node above a join that needs its children's partitionings to
        // agree (an interleaving union) refuses the new shape: then the
        // plan's joins stay as they were, in memory.
        Ok(rewritten.unwrap_or(plan))
    }

    fn name(&self) -> &str {
        "kql_partitioned_joins"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// How many hash partitions a join is split into when `concurrency` of them
/// run at once: at least 64 in all and 8 per running stream, a multiple of
/// `concurrency` so every stream gets as many.
fn fan_out(concurrency: usize) -> usize {
    let per_stream = (64usize.div_ceil(concurrency)).max(8);
    per_stream * concurrency
}

/// `plan` made to meet its parent's requirement `required`: hash
/// partitioned again into the `partitions` the parent planned for (a final
/// aggregate grouped by the join key), or gathered into one.
fn meet(
    plan: Arc<dyn ExecutionPlan>,
    required: Distribution,
    partitions: usize,
) -> Result<Arc<dyn ExecutionPlan>> {
    Ok(match required {
        Distribution::KeyPartitioned(exprs) => Arc::new(RepartitionExec::try_new(
            plan,
            Partitioning::Hash(exprs, partitions.max(1)),
        )?),
        Distribution::SinglePartition if plan.output_partitioning().partition_count() > 1 => {
            Arc::new(CoalescePartitionsExec::new(plan))
        }
        _ => plan,
    })
}

/// `input` split by a hash of `keys` into `partitions`. When the planner
/// already split it by these keys further down (under a `summarize` or an
/// `innerunique` de-duplication by the key), that split is made finer
/// instead, so everything between it and the join also runs a partition at
/// a time; otherwise a new split goes on top.
fn hash_split(
    input: &Arc<dyn ExecutionPlan>,
    keys: Vec<Arc<dyn PhysicalExpr>>,
    partitions: usize,
) -> Result<Arc<dyn ExecutionPlan>> {
    if let Some(finer) = finer_split(input, partitions)?
        && let Partitioning::Hash(exprs, n) = finer.output_partitioning()
        && *n == partitions
        && *exprs == keys
    {
        return Ok(finer);
    }
    Ok(Arc::new(RepartitionExec::try_new(
        below_distribution(input),
        Partitioning::Hash(keys, partitions),
    )?))
}

/// `plan` rebuilt with the hash split at the bottom of its chain of
/// hash-partitioned single-input nodes making `partitions`, or `None` when
/// `plan` is not such a chain.
fn finer_split(
    plan: &Arc<dyn ExecutionPlan>,
    partitions: usize,
) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let Partitioning::Hash(_, count) = plan.output_partitioning() else {
        return Ok(None);
    };
    if let Some(split) = plan.downcast_ref::<RepartitionExec>() {
        let Partitioning::Hash(exprs, _) = split.partitioning() else {
            return Ok(None);
        };
        if split.preserve_order() {
            return Ok(None);
        }
        return Ok(Some(Arc::new(RepartitionExec::try_new(
            Arc::clone(split.input()),
            Partitioning::Hash(exprs.clone(), partitions),
        )?)));
    }
    let [child] = plan.children()[..] else {
        return Ok(None);
    };
    if child.output_partitioning().partition_count() != *count {
        return Ok(None);
    }
    let Some(child) = finer_split(child, partitions)? else {
        return Ok(None);
    };
    let options = ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute);
    Ok(Some(
        Arc::clone(plan).replace_children(vec![child], options)?,
    ))
}

/// A join input without the repartitioning or coalescing the planner put
/// above it for the in-memory join: the new hash split replaces it.
fn below_distribution(input: &Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
    if let Some(repartition) = input.downcast_ref::<RepartitionExec>() {
        return Arc::clone(repartition.input());
    }
    if let Some(coalesce) = input.downcast_ref::<CoalescePartitionsExec>()
        && coalesce.fetch().is_none()
    {
        return Arc::clone(coalesce.input());
    }
    Arc::clone(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fan_out_is_a_multiple_of_the_streams() {
        assert_eq!(fan_out(1), 64);
        assert_eq!(fan_out(2), 64);
        assert_eq!(fan_out(16), 128);
        assert_eq!(fan_out(3) % 3, 0);
        assert!(fan_out(3) >= 64);
    }
}
