//! # kql-engine — stage 5: run bound KQL over a Parquet archive with DataFusion
//!
//! [`KqlSession`] owns the archive catalog and a DataFusion session configured
//! for KQL (Parquet filter pushdown on, our UDFs registered). `run` goes all
//! the way: parse (kql-syntax) → collect the tables the text names → load
//! their footers (the only step that reads disk) → bind and lower
//! (kql-planner) → optimise and execute (DataFusion). `explain` stops at any
//! stage. Shared by the CLI, tests and benches.

pub mod archive;
mod catalog;
pub mod check;
mod errors;
pub mod feeds;
pub mod geoip;
mod join_spill;
mod memory_pool;
mod optimizer_guards;
mod provider;
pub mod schemas;
mod timings;
mod typed;
pub mod watchlists;
pub mod workspace;

pub use archive::{Archive, ArchiveTable};
pub use catalog::{Evaluator, SessionCatalog};
pub use timings::Timings;
pub use workspace::{FunctionSource, Workspace};

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::context::{SessionConfig, SessionContext};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::TrackConsumersPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::{ExecutionPlan, collect, displayable};
use kql_planner::{BindOptions, BoundScript, KqlType};
use kql_syntax::{Code, Diagnostic};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use timings::timed;

/// How a session is set up.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub archive: PathBuf,
    /// `now()` in nanoseconds since the epoch; `None` = the wall clock at the
    /// start of each query.
    pub now_ns: Option<i64>,
    /// DataFusion partitions (threads); `None` = the number of cores.
    pub target_partitions: Option<usize>,
    /// Saved functions, feed mirror and watchlists.
    pub workspace: Arc<Workspace>,
    /// A scheduled rule's `queryPeriod` in nanoseconds: every archive table
    /// is limited to `TimeGenerated` in `[now - lookback, now]`.
    pub lookback_ns: Option<i64>,
    /// The memory queries may use, in bytes; `None` = no limit. With a
    /// limit, sorts, aggregations and joins spill to temporary files instead
    /// of failing (joins run a hash partition at a time, `join_spill`).
    pub memory_limit: Option<usize>,
    /// Read a known Sentinel / Defender table that the archive lacks as an
    /// empty table with its documented schema, instead of an unknown-table
    /// error (`kql check --run`: does the query run, whatever data there is).
    pub absent_known_tables_empty: bool,
}

impl SessionOptions {
    pub fn new(archive: impl Into<PathBuf>) -> Self {
        SessionOptions {
            archive: archive.into(),
            now_ns: None,
            target_partitions: None,
            workspace: Arc::new(Workspace::default()),
            lookback_ns: None,
            memory_limit: None,
            absent_known_tables_empty: false,
        }
    }
}

/// One result table: typed columns and Arrow batches.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub columns: Vec<(String, KqlType)>,
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// A lowered query and its typed result columns.
pub type PlannedQuery = (LogicalPlan, Vec<(String, KqlType)>);

/// The stages `explain` can stop at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Ast,
    Bound,
    Logical,
    Optimized,
    Physical,
}

/// A KQL session over one archive.
pub struct KqlSession {
    archive: Archive,
    options: SessionOptions,
    ctx: SessionContext,
    /// Where the sub-plans computed while binding run.
    evaluator: Arc<Evaluator>,
}

impl KqlSession {
    /// Open the archive folder (lists its tables; reads no file yet).
    pub fn open(options: SessionOptions) -> Result<KqlSession, Diagnostic> {
        let archive = Archive::open(&options.archive)?;
        let mut config = SessionConfig::new().with_information_schema(false);
        if let Some(n) = options.target_partitions {
            config = config.with_target_partitions(n.max(1));
        }
        {
            let parquet = &mut config.options_mut().execution.parquet;
            // Evaluate `where` predicates while decoding, and prune row groups
            // and pages with statistics.
            parquet.pushdown_filters = true;
            parquet.reorder_filters = true;
            // Our plans use Utf8 strings; do not switch file strings to views.
            parquet.schema_force_view_types = false;
        }
        // DataFusion's common-subexpression rewrite keeps a projection's
        // logical schema (`coalesce(a, b)` over a string `a` proven
        // non-null) while its physical form reads the shared part from a
        // column and cannot prove it again, so an aggregate over a union of
        // such legs failed its input-schema check on nullability alone
        // (ASIM `_Im_WebSession` | summarize arg_max(t, *)). The logical
        // claim holds: the physical schema is only more cautious.
        config
            .options_mut()
            .execution
            .skip_physical_aggregate_schema_check = true;
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(limit) = options.memory_limit {
            runtime = runtime
                .with_memory_pool(Arc::new(TrackConsumersPool::new(
                    memory_pool::SpillBudgetPool::new(limit),
                    std::num::NonZeroUsize::new(3).expect("3 is not zero"),
                )))
                .with_disk_manager_builder(
                    DiskManagerBuilder::default().with_mode(DiskManagerMode::OsTmpDirectory),
                );
            // Each sort sets memory aside for merging its spill files (10 MB
            // by default); a plan has several sorts, so keep that a small
            // share of the limit.
            config.options_mut().execution.sort_spill_reservation_bytes =
                (limit / 16).clamp(1 << 20, 10 << 20);
        }
        let runtime = runtime
            .build_arc()
            .map_err(|e| Diagnostic::internal("open the session", e))?;
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .build();
        let rules = optimizer_guards::guarded(state.optimizers());
        let mut builder = SessionStateBuilder::new_from_existing(state).with_optimizer_rules(rules);
        if let Some(limit) = options.memory_limit {
            builder = builder
                .with_physical_optimizer_rule(Arc::new(join_spill::PartitionedJoins::new(limit)));
        }
        let state = builder.build();
        let ctx = SessionContext::new_with_state(state);
        for udf in kql_functions::all_udfs() {
            ctx.register_udf(udf);
        }
        let evaluator = Arc::new(Evaluator::new(&ctx));
        Ok(KqlSession {
            archive,
            options,
            ctx,
            evaluator,
        })
    }

    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    fn now_ns(&self) -> i64 {
        self.options
            .now_ns
            .unwrap_or_else(|| chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default())
    }

    /// Parse, resolve and bind a query text.
    pub fn bind(&self, query: &str) -> Result<(BoundScript, SessionCatalog), Diagnostic> {
        self.bind_timed(query, &mut Timings::default())
    }

    fn bind_timed(
        &self,
        query: &str,
        t: &mut Timings,
    ) -> Result<(BoundScript, SessionCatalog), Diagnostic> {
        let script = timed(&mut t.parse, || kql_syntax::parse(query))?;
        let catalog = timed(&mut t.tables, || {
            SessionCatalog::resolve(
                &self.archive,
                query,
                self.options.workspace.clone(),
                self.evaluator.clone(),
                self.options.absent_known_tables_empty,
            )
        })?;
        let now_ns = self.now_ns();
        let options = BindOptions {
            now_ns,
            time_window: self
                .options
                .lookback_ns
                .map(|l| (now_ns.saturating_sub(l), now_ns)),
        };
        let bound = timed(&mut t.bind, || {
            kql_planner::bind(&script, &catalog, &options)
        })?;
        Ok((bound, catalog))
    }

    /// Parse, bind and lower: one logical plan per tabular statement.
    pub fn plan(&self, query: &str) -> Result<Vec<PlannedQuery>, Diagnostic> {
        self.plan_timed(query, &mut Timings::default())
    }

    fn plan_timed(&self, query: &str, t: &mut Timings) -> Result<Vec<PlannedQuery>, Diagnostic> {
        let (bound, catalog) = self.bind_timed(query, t)?;
        timed(&mut t.lower, || {
            bound
                .queries
                .iter()
                .map(|q| {
                    let plan = kql_planner::lower(q, &catalog)?;
                    let cols = q.columns.iter().map(|c| (c.name.clone(), c.ty)).collect();
                    Ok((plan, cols))
                })
                .collect()
        })
    }

    /// Run every tabular statement of the query text; one result each.
    pub async fn run(&self, query: &str) -> Result<Vec<QueryResult>, Diagnostic> {
        Ok(self.run_timed(query).await?.0)
    }

    /// [`run`](Self::run), with the wall time of each stage.
    pub async fn run_timed(&self, query: &str) -> Result<(Vec<QueryResult>, Timings), Diagnostic> {
        let mut t = Timings::default();
        let mut results = Vec::new();
        for (plan, columns) in self.plan_timed(query, &mut t)? {
            let state = self.ctx.state();
            let optimized = timed(&mut t.optimize, || optimize(&state, &plan))?;
            let start = Instant::now();
            let physical = physical_plan(&state, &optimized).await?;
            t.physical += start.elapsed();
            let start = Instant::now();
            let batches = collect(physical, state.task_ctx())
                .await
                .map_err(errors::from_datafusion)?;
            t.execute += start.elapsed();
            results.push(QueryResult { columns, batches });
        }
        Ok((results, t))
    }

    /// The text of one stage of the pipeline for the query.
    pub async fn explain(&self, query: &str, stage: Stage) -> Result<String, Diagnostic> {
        match stage {
            Stage::Ast => {
                let script = kql_syntax::parse(query)?;
                Ok(kql_syntax::printer::print_script(&script))
            }
            Stage::Bound => Ok(self.bind(query)?.0.display_tree()),
            Stage::Logical | Stage::Optimized | Stage::Physical => {
                let mut out = Vec::new();
                for (plan, _) in self.plan(query)? {
                    let text = match stage {
                        Stage::Logical => plan.display_indent_schema().to_string(),
                        _ => {
                            let state = self.ctx.state();
                            let optimized = optimize(&state, &plan)?;
                            if stage == Stage::Optimized {
                                optimized.display_indent().to_string()
                            } else {
                                let physical = physical_plan(&state, &optimized).await?;
                                displayable(physical.as_ref()).indent(true).to_string()
                            }
                        }
                    };
                    out.push(text);
                }
                Ok(out.join("\n"))
            }
        }
    }

    /// Every table of the archive, loaded (footers read).
    pub fn tables(&self) -> Vec<Result<ArchiveTable, Diagnostic>> {
        self.archive
            .tables
            .keys()
            .map(|name| self.archive.load_table(name))
            .collect()
    }
}

/// DataFusion's logical optimiser over a lowered plan.
fn optimize(state: &SessionState, plan: &LogicalPlan) -> Result<LogicalPlan, Diagnostic> {
    state.optimize(plan).map_err(errors::from_datafusion)
}

/// The physical plan of an optimised plan (without optimising it again, as
/// `SessionState::create_physical_plan` would).
async fn physical_plan(
    state: &SessionState,
    optimized: &LogicalPlan,
) -> Result<Arc<dyn ExecutionPlan>, Diagnostic> {
    state
        .query_planner()
        .create_physical_plan(optimized, state)
        .await
        .map_err(errors::from_datafusion)
}

/// The sample archive shipped in the repository (testdata/archive), for a
/// newcomer's first command and for tests.
pub fn sample_archive() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/archive")
}

/// A convenience for tests and tools: diagnostic for a missing query file.
pub fn read_query_file(path: &Path) -> Result<String, Diagnostic> {
    std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::new(
            Code::Io,
            format!("cannot read query file '{}': {e}", path.display()),
        )
    })
}
