//! The catalog a query is bound against: the archive tables its text names,
//! loaded (footers read) before binding; the workspace's saved functions;
//! and the tables held in memory while binding (materialized results,
//! `externaldata` feeds, watchlists).
//!
//! Table collection is lexical: every identifier-like word of the query text
//! — and of the saved functions it names, transitively — that names a table
//! folder (or matches it, for a `Device*` wildcard) is loaded. That
//! over-approximates (a column that shares a table's name loads the table
//! too) but never misses a table, and a corrupt file only fails the queries
//! that name its table.

use crate::archive::{Archive, ArchiveTable};
use crate::typed::{TypedColumns, schema_of};
use crate::workspace::{Workspace, identifier_words};
use crate::{errors, feeds, watchlists};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::logical_expr::{LogicalPlan, TableSource};
use datafusion::optimizer::decorrelate_lateral_join::DecorrelateLateralJoin;
use datafusion::optimizer::decorrelate_predicate_subquery::DecorrelatePredicateSubquery;
use datafusion::optimizer::extract_equijoin_predicate::ExtractEquijoinPredicate;
use datafusion::optimizer::replace_distinct_aggregate::ReplaceDistinctWithAggregate;
use datafusion::optimizer::scalar_subquery_to_join::ScalarSubqueryToJoin;
use datafusion::optimizer::simplify_expressions::SimplifyExpressions;
use kql_planner::{BoundColumn, Catalog, ExternalDataRequest, MemoryTable, WorkspaceFunction};
use kql_syntax::{Code, Diagnostic, Span};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

pub struct SessionCatalog {
    all_names: Vec<String>,
    loaded: BTreeMap<String, ArchiveTable>,
    workspace: Arc<Workspace>,
    memory: RefCell<BTreeMap<String, (MemoryTable, Arc<MemTable>)>>,
    functions: RefCell<HashMap<String, WorkspaceFunction>>,
    /// The results of the sub-plans computed while binding, by plan: an
    /// ASIM parser asks the same `in (DisabledParsers)` once per source.
    evaluated: RefCell<HashMap<String, Vec<RecordBatch>>>,
    /// Where they run.
    evaluator: Arc<Evaluator>,
}

/// Runs the sub-plans of binding, once per query each: a light session
/// (see [`Evaluator::new`]) and the runtime they run on, both built once
/// per [`KqlSession`](crate::KqlSession).
pub struct Evaluator {
    ctx: SessionContext,
    runtime: OnceLock<tokio::runtime::Runtime>,
}

impl Evaluator {
    /// The query session's configuration and runtime environment, on one
    /// partition, with only the logical rewrites execution needs
    /// (`coalesce` and `distinct` have no kernel of their own, subqueries
    /// become joins). The sub-plans read small in-memory tables (a feed, a
    /// watchlist, a parameter list), where repartitioning and optimising
    /// cost more than they save; the analyzer (type coercion) and the
    /// physical optimiser, which correctness needs, still run.
    pub fn new(query_ctx: &SessionContext) -> Evaluator {
        let config = query_ctx.copied_config().with_target_partitions(1);
        let state = SessionStateBuilder::new_from_existing(query_ctx.state())
            .with_config(config)
            .with_optimizer_rules(vec![
                Arc::new(SimplifyExpressions::new()),
                Arc::new(ReplaceDistinctWithAggregate::new()),
                Arc::new(DecorrelatePredicateSubquery::new()),
                Arc::new(ScalarSubqueryToJoin::new()),
                Arc::new(DecorrelateLateralJoin::new()),
                Arc::new(ExtractEquijoinPredicate::new()),
            ])
            .build();
        Evaluator {
            ctx: SessionContext::new_with_state(state),
            runtime: OnceLock::new(),
        }
    }

    /// Run `plan` to its batches. Binding is synchronous and may itself run
    /// inside the caller's async runtime, which cannot block: the plan runs
    /// on a thread of its own.
    fn run(&self, plan: &LogicalPlan, span: Span) -> Result<Vec<RecordBatch>, Diagnostic> {
        let rt = match self.runtime.get() {
            Some(rt) => rt,
            None => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Diagnostic::internal("evaluate", e))?;
                self.runtime.get_or_init(|| rt)
            }
        };
        let ctx = self.ctx.clone();
        let plan = plan.clone();
        let result = std::thread::scope(|s| {
            s.spawn(move || {
                rt.block_on(async {
                    let df = ctx
                        .execute_logical_plan(plan)
                        .await
                        .map_err(errors::from_datafusion)?;
                    df.collect().await.map_err(errors::from_datafusion)
                })
            })
            .join()
        });
        match result {
            Ok(r) => r.map_err(|d| {
                if d.span.is_none() {
                    d.with_span(span)
                } else {
                    d
                }
            }),
            Err(_) => Err(Diagnostic::at(
                Code::Internal,
                span,
                "evaluating this expression failed unexpectedly",
            )),
        }
    }
}

impl Drop for Evaluator {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which an async caller must not do.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl SessionCatalog {
    /// Load the tables `query` (and the saved functions it names) may refer to.
    pub fn resolve(
        archive: &Archive,
        query: &str,
        workspace: Arc<Workspace>,
        evaluator: Arc<Evaluator>,
    ) -> Result<SessionCatalog, Diagnostic> {
        let mut loaded = BTreeMap::new();
        let words: BTreeSet<&str> = workspace
            .reachable_texts(query)
            .into_iter()
            .flat_map(identifier_words)
            .collect();
        for word in words {
            let names: Vec<&String> = if word.contains('*') {
                // a wildcard union source (`Device*`, `*Logs`, `*`)
                archive
                    .tables
                    .keys()
                    .filter(|n| kql_planner::binder::matches_wildcard(word, n))
                    .collect()
            } else {
                archive
                    .tables
                    .get_key_value(word)
                    .map(|(k, _)| k)
                    .into_iter()
                    .collect()
            };
            for name in names {
                if !loaded.contains_key(name) {
                    loaded.insert(name.clone(), archive.load_table(name)?);
                }
            }
        }
        Ok(SessionCatalog {
            all_names: archive.tables.keys().cloned().collect(),
            loaded,
            workspace,
            memory: RefCell::new(BTreeMap::new()),
            functions: RefCell::new(HashMap::new()),
            evaluated: RefCell::new(HashMap::new()),
            evaluator,
        })
    }

    fn add_memory(
        &self,
        prefix: &str,
        table: MemoryTable,
        span: Span,
    ) -> Result<String, Diagnostic> {
        let schema = match table.batches.first() {
            Some(b) => b.schema(),
            None => schema_of(&table.columns),
        };
        let provider = MemTable::try_new(schema, vec![table.batches.clone()]).map_err(|e| {
            Diagnostic::at(
                Code::Internal,
                span,
                format!("cannot hold rows in memory: {e}"),
            )
        })?;
        let mut memory = self.memory.borrow_mut();
        let name = format!("{prefix}#{}", memory.len() + 1);
        memory.insert(name.clone(), (table, Arc::new(provider)));
        Ok(name)
    }

    fn typed_to_memory(
        &self,
        prefix: &str,
        typed: TypedColumns,
        span: Span,
        what: &str,
    ) -> Result<(String, Vec<BoundColumn>), Diagnostic> {
        let columns = typed.columns().to_vec();
        let batches = typed
            .finish()
            .map_err(|e| Diagnostic::at(Code::FeedUnreadable, span, format!("{what}: {e}")))?;
        let name = self.add_memory(
            prefix,
            MemoryTable {
                columns: columns.clone(),
                batches,
            },
            span,
        )?;
        Ok((name, columns))
    }
}

impl Catalog for SessionCatalog {
    fn table(&self, name: &str) -> Option<Vec<BoundColumn>> {
        if let Some(t) = self.loaded.get(name) {
            return Some(t.columns.clone());
        }
        self.memory
            .borrow()
            .get(name)
            .map(|(t, _)| t.columns.clone())
    }

    fn table_names(&self) -> Vec<String> {
        self.all_names.clone()
    }

    fn table_source(&self, name: &str) -> Option<Arc<dyn TableSource>> {
        if let Some(t) = self.loaded.get(name) {
            return Some(provider_as_source(t.provider.clone()));
        }
        self.memory
            .borrow()
            .get(name)
            .map(|(_, p)| provider_as_source(p.clone()))
    }

    fn function(&self, name: &str) -> Result<Option<WorkspaceFunction>, Diagnostic> {
        if let Some(f) = self.functions.borrow().get(name) {
            return Ok(Some(f.clone()));
        }
        let Some(src) = self.workspace.find(name) else {
            return Ok(None);
        };
        let f = self.workspace.function(src, name)?;
        self.functions
            .borrow_mut()
            .insert(name.to_string(), f.clone());
        Ok(Some(f))
    }

    fn can_evaluate(&self) -> bool {
        true
    }

    fn evaluate(&self, plan: &LogicalPlan, span: Span) -> Result<Vec<RecordBatch>, Diagnostic> {
        // A plan without volatile functions gives the same rows each time.
        let key = (!is_volatile(plan)).then(|| format!("{plan:?}"));
        if let Some(hit) = key
            .as_ref()
            .and_then(|k| self.evaluated.borrow().get(k).cloned())
        {
            return Ok(hit);
        }
        let batches = self.evaluator.run(plan, span)?;
        if let Some(k) = key {
            self.evaluated.borrow_mut().insert(k, batches.clone());
        }
        Ok(batches)
    }

    fn register_memory(&self, table: MemoryTable, span: Span) -> Result<String, Diagnostic> {
        self.add_memory("materialize", table, span)
    }

    fn external_data(&self, request: &ExternalDataRequest) -> Result<String, Diagnostic> {
        let typed = feeds::read(&self.workspace.feeds_dir(), request).map_err(|d| {
            if d.span.is_none() {
                d.with_span(request.span)
            } else {
                d
            }
        })?;
        Ok(self
            .typed_to_memory("externaldata", typed, request.span, "externaldata")?
            .0)
    }

    fn watchlist(&self, alias: &str, span: Span) -> Result<(String, Vec<BoundColumn>), Diagnostic> {
        let typed = watchlists::read(&self.workspace.watchlists_dir(), alias)
            .map_err(|d| d.with_span(span))?;
        self.typed_to_memory(&format!("watchlist:{alias}"), typed, span, "watchlist")
    }
}

/// Whether any expression of `plan` is volatile (`rand()`, …).
fn is_volatile(plan: &LogicalPlan) -> bool {
    let mut volatile = false;
    let _ = plan.apply_with_subqueries(|node| {
        volatile = node.expressions().iter().any(|e| e.is_volatile());
        Ok(if volatile {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    volatile
}
