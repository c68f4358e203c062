//! The catalog a query is bound against: the archive tables its text names,
//! loaded (footers read) before binding; the workspace's saved functions;
//! and the tables held in memory while binding (materialized results,
//! `externaldata` feeds, watchlists).
//!
//! Table collection is lexical: every identifier-like word of the query text
//! — and of the saved functions it names, transitively — that names a table
//! folder (or matches it, for a `Device*` wildcard) is loaded. That
//! over-approximates (a column that shares a table's name loads the table
//! too, and the words `search` and `find` load them all, for a `search` or
//! `find` without `in (...)`) but never misses a table, and a corrupt file only fails the queries
//! that name its table.

use crate::archive::{Archive, ArchiveTable};
use crate::typed::{TypedColumns, schema_of};
use crate::workspace::{Workspace, identifier_words};
use crate::{errors, feeds, watchlists};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::default_table_source::{provider_as_source, source_as_provider};
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
use datafusion::physical_optimizer::ensure_requirements::EnsureRequirements;
use datafusion::physical_optimizer::output_requirements::OutputRequirements;
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

/// Runs the sub-plans of binding, once per query each, on a runtime of its
/// own; built once per [`KqlSession`](crate::KqlSession).
///
/// A sub-plan that reads only in-memory tables (a feed, a watchlist, a
/// materialized result, a parameter list) runs in a light session (see
/// [`Evaluator::new`]): for a few hundred rows, planning is the cost. One
/// that reads the archive (`toscalar(T | summarize ...)`) runs in the
/// query's own session, with every partition and pushdown a scan needs.
pub struct Evaluator {
    light: SessionContext,
    full: SessionContext,
    runtime: OnceLock<tokio::runtime::Runtime>,
}

impl Evaluator {
    /// The light session: the query session's configuration and runtime
    /// environment on one partition, with only the logical rewrites
    /// execution needs (`coalesce` and `distinct` have no kernel of their
    /// own, subqueries become joins). The analyzer (type coercion) and the
    /// physical optimiser's requirement enforcement (the sorts, merges and
    /// coalesces that operators rely on), which correctness needs, still
    /// run; the rewrites for speed (pushdowns, statistics, cooperative
    /// yielding) cost more than they save on small tables.
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
            .with_physical_optimizer_rules(vec![
                Arc::new(OutputRequirements::new_add_mode()),
                Arc::new(EnsureRequirements::new()),
                Arc::new(OutputRequirements::new_remove_mode()),
            ])
            .build();
        Evaluator {
            light: SessionContext::new_with_state(state),
            full: query_ctx.clone(),
            runtime: OnceLock::new(),
        }
    }

    /// Run `plan` to its batches. Binding is synchronous and may itself run
    /// inside the caller's async runtime, which cannot block on another:
    /// the plan runs as a task of the evaluator's runtime and this thread
    /// waits for its result.
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
        let ctx = if reads_only_memory(plan) {
            self.light.clone()
        } else {
            self.full.clone()
        };
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
            // the task panicked and dropped its sender
            Err(_) => Err(Diagnostic::at(
                Code::Internal,
                span,
                "evaluating this expression failed unexpectedly",
            )),
        }
    }
}

/// Whether every table `plan` reads is held in memory.
fn reads_only_memory(plan: &LogicalPlan) -> bool {
    let mut memory = true;
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            memory = source_as_provider(&scan.source)
                .is_ok_and(|p| p.downcast_ref::<MemTable>().is_some());
        }
        Ok(if memory {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    });
    memory
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
        absent_known_tables_empty: bool,
    ) -> Result<SessionCatalog, Diagnostic> {
        let mut loaded = BTreeMap::new();
        let mut empty = BTreeMap::new();
        let words: BTreeSet<&str> = workspace
            .reachable_texts(query)
            .into_iter()
            .flat_map(identifier_words)
            .collect();
        for word in words {
            let names: Vec<&String> = if word == "search" || word == "find" {
                // `search "x"` / `find ...` without `in (...)` read every table
                archive.tables.keys().collect()
            } else if word.contains('*') {
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
            if names.is_empty()
                && absent_known_tables_empty
                && let Some(t) = empty_known_table(word)?
            {
                empty.insert(word.to_string(), t);
            }
            for name in names {
                if !loaded.contains_key(name) {
                    loaded.insert(name.clone(), archive.load_table(name)?);
                }
            }
        }
        let mut all_names: Vec<String> = archive.tables.keys().cloned().collect();
        all_names.extend(empty.keys().cloned());
        Ok(SessionCatalog {
            all_names,
            loaded,
            workspace,
            memory: RefCell::new(empty),
            functions: RefCell::new(HashMap::new()),
            evaluated: RefCell::new(HashMap::new()),
            evaluator,
        })
    }
}

/// A known Sentinel / Defender table the archive does not hold, as an empty
/// table with its documented schema (`SessionOptions::absent_known_tables_empty`).
fn empty_known_table(name: &str) -> Result<Option<(MemoryTable, Arc<MemTable>)>, Diagnostic> {
    let Some(known) = crate::schemas::known_table(name) else {
        return Ok(None);
    };
    let mut columns: Vec<BoundColumn> = known
        .iter()
        .map(|(n, t)| BoundColumn::new(n.clone(), *t))
        .collect();
    for (n, t) in crate::schemas::standard_columns() {
        if !columns.iter().any(|c| c.name == n) {
            columns.push(BoundColumn::new(n, t));
        }
    }
    let provider = MemTable::try_new(schema_of(&columns), vec![vec![]])
        .map_err(|e| Diagnostic::internal("an empty known table", e))?;
    Ok(Some((
        MemoryTable {
            columns,
            batches: vec![],
        },
        Arc::new(provider),
    )))
}

impl SessionCatalog {
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

    fn geoip(&self, span: Span) -> Result<Option<Arc<kql_functions::geoip::GeoIpDb>>, Diagnostic> {
        self.workspace
            .geoip_db()
            .map(Some)
            .map_err(|d| d.with_span(span))
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
