//! Run a plan's partitions a few at a time: output partition `j` of
//! `streams` runs the input's partitions `j`, `j + streams`, `j + 2·streams`,
//! … one after the other, starting each only when the one before has ended.
//!
//! Above a partitioned hash join this bounds the build sides held at once to
//! `streams`; its consumers (a `CoalescePartitionsExec`, an aggregate) see an
//! ordinary plan of `streams` partitions.

use datafusion::common::Result;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::execution::TaskContext;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::execution_plan::{ChildrenPropertiesMode, ReplaceChildrenOptions};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties, SendableRecordBatchStream,
};
use futures::{StreamExt, TryStreamExt};
use std::fmt;
use std::sync::Arc;

#[derive(Debug)]
pub(crate) struct StridedPartitionsExec {
    input: Arc<dyn ExecutionPlan>,
    streams: usize,
    properties: Arc<PlanProperties>,
}

impl StridedPartitionsExec {
    /// `streams` partitions over `input` (at least one).
    pub(crate) fn new(input: Arc<dyn ExecutionPlan>, streams: usize) -> Self {
        let streams = streams.max(1);
        let mut eq_properties = input.equivalence_properties().clone();
        // Several input partitions follow each other in one stream: no
        // order or per-partition constant survives.
        eq_properties.clear_orderings();
        eq_properties.clear_per_partition_constants();
        let properties = PlanProperties::new(
            eq_properties,
            Partitioning::UnknownPartitioning(streams),
            input.pipeline_behavior(),
            input.boundedness(),
        );
        StridedPartitionsExec {
            input,
            streams,
            properties: Arc::new(properties),
        }
    }

    /// The input partitions output partition `stream` runs, in order.
    fn input_partitions(&self, stream: usize) -> Vec<usize> {
        let total = self.input.output_partitioning().partition_count();
        (stream..total).step_by(self.streams).collect()
    }
}

impl DisplayAs for StridedPartitionsExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "StridedPartitionsExec: streams={}, input_partitions={}",
            self.streams,
            self.input.output_partitioning().partition_count()
        )
    }
}

impl ExecutionPlan for StridedPartitionsExec {
    fn name(&self) -> &str {
        "StridedPartitionsExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(StridedPartitionsExec::new(
            children.swap_remove(0),
            self.streams,
        )))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = Arc::clone(&self.input);
        let schema = input.schema();
        // `map` is lazy: `try_flatten` asks for (and so executes) the next
        // partition only when it has drained the one before.
        let batches = futures::stream::iter(self.input_partitions(partition))
            .map(move |p| input.execute(p, Arc::clone(&context)))
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            schema,
            batches.boxed(),
        )))
    }
}
