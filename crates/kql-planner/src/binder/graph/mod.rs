//! Graph semantics: `make-graph`, `graph-match`, `graph-shortest-paths`,
//! `graph-to-table`, `graph-mark-components` and the graph functions
//! (`all`, `any`, `map`, `inner_nodes`, `node_degree_in`, `node_degree_out`,
//! `labels`) of their `where` / `project` clauses.
//!
//! A graph is not a table: its edges and nodes tables are computed now
//! (`Catalog::evaluate`) and the graph is held in memory ([`build`]). A
//! pattern is matched in memory ([`matcher`]); each match becomes a row of a
//! memory table whose columns are exactly what the clauses read (`n.name`,
//! `node_degree_in(n)`, `all(e, cond)`, `map(inner_nodes(e), expr)`, ...),
//! and the clauses, rewritten to read those columns, are bound as ordinary
//! `where` / `project` over it. Expressions over single elements (the
//! condition of `all`, a `where` conjunct that reads one node or edge
//! variable, each edge of a variable length edge) are computed over the
//! nodes or edges table. `graph-shortest-paths` keeps, per (source,
//! target), the shortest surviving match (`output=all`: every one of that
//! length); a one-edge pattern whose `where` is only element filters is
//! searched breadth-first instead of by enumerating paths.

mod build;
mod matcher;

use super::Binder;
use super::eager::evaluate_tabular;
use super::expr::cast_to;
use super::naming::derived_name;
use super::ops::{project_node, scan};
use crate::bound::{BExpr, BoundColumn, BoundTabular};
use crate::catalog::MemoryTable;
use crate::types::{KqlType, arrow_type};
use build::{Graph, compute, graph_of};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringArray, UInt32Array,
};
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use kql_syntax::ast::{
    self, BinaryOp, Call, Expr, ExprKind, GraphOpKind, GraphParam, Ident, Literal, NamedExpr,
    OpKind, TabularOp,
};
use kql_syntax::{Code, Diagnostic, Span};
use matcher::{Cycles, Filters, Match, Pattern};
use std::sync::Arc;

/// `source | op` where `op` is a graph operator.
pub(crate) fn bind(
    b: &mut Binder,
    source: &Expr,
    op: &TabularOp,
) -> Result<BoundTabular, Diagnostic> {
    let OpKind::Graph(g) = &op.kind else {
        return Err(Diagnostic::internal("graph", "not a graph operator"));
    };
    match &g.kind {
        GraphOpKind::MakeGraph {
            source: s,
            target,
            node_id,
            node_tables,
            partition: Some((column, body)),
        } => bind_partitioned(
            b,
            source,
            op.span,
            s,
            target,
            node_id.as_ref(),
            node_tables,
            column,
            body,
        ),
        GraphOpKind::MakeGraph { .. } | GraphOpKind::MarkComponents { .. } => Err(Diagnostic::at(
            Code::NotTabular,
            op.span,
            format!("`{}` returns a graph, which is not a table", g.kind.name()),
        )
        .with_hint("follow it with `graph-match`, `graph-shortest-paths` or `graph-to-table`")),
        _ => {
            let graph = graph_of(b, source)?;
            consume(b, graph, op)
        }
    }
}

/// Apply a graph-consuming operator to a graph.
fn consume(b: &mut Binder, graph: Graph, op: &TabularOp) -> Result<BoundTabular, Diagnostic> {
    let OpKind::Graph(g) = &op.kind else {
        return Err(Diagnostic::internal("graph", "not a graph operator"));
    };
    match &g.kind {
        GraphOpKind::ToTable(parts) => to_table(b, &graph, parts, op.span),
        GraphOpKind::Match {
            shortest,
            params,
            pattern,
            predicate,
            project,
        } => {
            let Some(project) = project else {
                return Err(Diagnostic::at(
                    Code::Syntax,
                    op.span,
                    format!("`{}` needs a `project` clause", g.kind.name()),
                ));
            };
            let m = MatchOp {
                shortest: *shortest,
                params,
                pattern,
                predicate: predicate.as_ref(),
                project,
                span: op.span,
            };
            graph_match(b, &graph, &m)
        }
        _ => Err(Diagnostic::at(
            Code::NotTabular,
            op.span,
            format!("`{}` returns a graph, which is not a table", g.kind.name()),
        )),
    }
}

fn param_value<'a>(
    params: &'a [GraphParam],
    allowed: &[&str],
    op: &str,
) -> Result<Vec<(&'a str, &'a Ident)>, Diagnostic> {
    let mut out = Vec::new();
    for p in params {
        if !allowed.contains(&p.name.as_str()) {
            return Err(Diagnostic::at(
                Code::BadArgument,
                p.span,
                format!("`{op}` has no option `{}`", p.name),
            )
            .with_hint(format!("its options are: {}", allowed.join(", "))));
        }
        out.push((p.name.as_str(), &p.value));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// graph-mark-components, graph-to-table
// ---------------------------------------------------------------------------

pub(crate) fn mark_components(mut g: Graph, params: &[GraphParam]) -> Result<Graph, Diagnostic> {
    let mut strong = false;
    let mut name = "ComponentId".to_string();
    for (p, v) in param_value(
        params,
        &["kind", "with_component_id"],
        "graph-mark-components",
    )? {
        match p {
            "kind" => match v.name.as_str() {
                "weak" => strong = false,
                "strong" => strong = true,
                other => {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        v.span,
                        format!("graph-mark-components kind is `weak` or `strong`, not `{other}`"),
                    ));
                }
            },
            _ => name = v.name.clone(),
        }
    }
    let ids = build::components(&g, strong);
    let array: ArrayRef = Arc::new(Int64Array::from(ids));
    match g.node_cols.iter().position(|c| c.name == name) {
        Some(i) => {
            g.node_cols[i].ty = KqlType::Long;
            g.node_arrays[i] = array;
        }
        None => {
            g.node_cols.push(BoundColumn::new(name, KqlType::Long));
            g.node_arrays.push(array);
        }
    }
    Ok(g)
}

/// A node's exported id: Kusto's `hash()` of its id (XXH64 of the UTF-8 text
/// for a string id, as graph-to-table-operator.md shows; other ids are
/// hashed as their text).
fn node_hashes(g: &Graph) -> Result<Vec<i64>, Diagnostic> {
    use datafusion::common::ScalarValue;
    Ok(g.node_keys
        .iter()
        .map(|k| {
            let text = match k {
                ScalarValue::Utf8(Some(s)) => s.clone(),
                ScalarValue::Utf8(None) => String::new(),
                other => other.to_string(),
            };
            kql_functions::encoding::xxhash64(text.as_bytes()) as i64
        })
        .collect())
}

fn to_table(
    b: &mut Binder,
    g: &Graph,
    parts: &[ast::GraphTablePart],
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    if let [nodes, edges] = parts {
        // `nodes as N, edges as E`: two named results, for later statements
        if nodes.edges || !edges.edges {
            return Err(Diagnostic::at(
                Code::BadArgument,
                span,
                "graph-to-table exports `nodes as N, edges as E`, in that order",
            ));
        }
        for part in parts {
            if part.name.is_none() {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    part.span,
                    "with both nodes and edges, graph-to-table names each result: `nodes as N, edges as E`",
                ));
            }
        }
        let n = table_part(b, g, nodes, span)?;
        table_part(b, g, edges, span)?;
        return Ok(n);
    }
    let [part] = parts else {
        return Err(Diagnostic::internal("graph", "graph-to-table parts"));
    };
    table_part(b, g, part, span)
}

/// Whether a query statement only names results for later statements
/// (`G | graph-to-table nodes as N, edges as E;`): it shows nothing itself.
pub(crate) fn names_only(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Pipe { op, .. }
        if matches!(&op.kind, OpKind::Graph(g)
            if matches!(&g.kind, GraphOpKind::ToTable(parts) if parts.len() == 2)))
}

fn table_part(
    b: &mut Binder,
    g: &Graph,
    part: &ast::GraphTablePart,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let mut cols = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    let allowed: &[&str] = if part.edges {
        &["with_source_id", "with_target_id"]
    } else {
        &["with_node_id"]
    };
    let ids = node_hashes(g)?;
    for (p, v) in param_value(&part.params, allowed, "graph-to-table")? {
        let values: Vec<i64> = match p {
            "with_node_id" => ids.clone(),
            "with_source_id" => g.src.iter().map(|&n| ids[n]).collect(),
            _ => g.dst.iter().map(|&n| ids[n]).collect(),
        };
        cols.push(BoundColumn::new(v.name.clone(), KqlType::Long));
        arrays.push(Arc::new(Int64Array::from(values)));
    }
    let (pcols, parrays) = if part.edges {
        (&g.edge_cols, &g.edge_arrays)
    } else {
        (&g.node_cols, &g.node_arrays)
    };
    for (c, a) in pcols.iter().zip(parrays) {
        if cols.iter().any(|o: &BoundColumn| o.name == c.name) {
            return Err(super::ops::duplicate_column(&c.name, part.span));
        }
        cols.push(c.clone());
        arrays.push(a.clone());
    }
    if cols.is_empty() {
        return Err(Diagnostic::at(
            Code::BadArgument,
            part.span,
            "the graph's nodes have no properties to export",
        )
        .with_hint("give make-graph `with_node_id=Name` or a nodes table, or graph-to-table `with_node_id=Id`"));
    }
    let rows = if part.edges {
        g.edge_count()
    } else {
        g.node_count()
    };
    let t = memory_table(b, cols, arrays, rows, span)?;
    match &part.name {
        Some(name) => super::ops::bind_operator(
            b,
            t,
            &TabularOp {
                kind: OpKind::As {
                    params: Vec::new(),
                    name: name.clone(),
                },
                span: part.span,
            },
        ),
        None => Ok(t),
    }
}

/// Hold columns in memory and scan them.
fn memory_table(
    b: &mut Binder,
    columns: Vec<BoundColumn>,
    arrays: Vec<ArrayRef>,
    rows: usize,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    if !b.catalog.can_evaluate() {
        // binding without data: an empty table of the same columns
        return Ok(BoundTabular {
            op: crate::bound::BoundOp::Values { rows: Vec::new() },
            columns,
        });
    }
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(&c.name, arrow_type(c.ty), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = if columns.is_empty() {
        RecordBatch::try_new_with_options(
            schema,
            vec![],
            &datafusion::arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(rows)),
        )
    } else {
        RecordBatch::try_new(schema, arrays)
    }
    .map_err(|e| Diagnostic::internal("graph", e))?;
    let name = b.catalog.register_memory(
        MemoryTable {
            columns: columns.clone(),
            batches: vec![batch],
        },
        span,
    )?;
    b.memory_tables.insert(name.clone());
    Ok(scan(&name, columns))
}

// ---------------------------------------------------------------------------
// make-graph ... partitioned-by
// ---------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
fn bind_partitioned(
    b: &mut Binder,
    edges: &Expr,
    span: Span,
    source: &Ident,
    target: &Ident,
    node_id: Option<&Ident>,
    node_tables: &[(Expr, Ident)],
    column: &Ident,
    body: &Expr,
) -> Result<BoundTabular, Diagnostic> {
    // the body: graph operators over the implicit input, ending in a table
    let mut ops = Vec::new();
    let mut e = body;
    while let ExprKind::Pipe { source, op } = &e.kind {
        ops.push(op.as_ref());
        e = source;
    }
    ops.reverse();
    // graph-mark-components ..., one graph consumer, then tabular operators
    let consumer = ops.iter().position(|op| {
        matches!(&op.kind, OpKind::Graph(g)
            if matches!(g.kind, GraphOpKind::Match { .. } | GraphOpKind::ToTable(_)))
    });
    let Some(consumer) = consumer else {
        return Err(Diagnostic::at(
            Code::BadArgument,
            body.span,
            "partitioned-by needs a graph operator that returns a table (graph-match, graph-shortest-paths, graph-to-table)",
        ));
    };
    let (marks, rest) = ops.split_at(consumer);
    let (last, after) = rest.split_first().expect("the consumer is there");
    let finish = |b: &mut Binder, g: Graph| -> Result<BoundTabular, Diagnostic> {
        let mut t = consume(b, g, last)?;
        for op in after {
            t = super::ops::bind_operator(b, t, op)?;
        }
        Ok(t)
    };
    let edges_t = b.bind_tabular(edges)?;
    let edges_c = compute(b, &edges_t, span)?;
    let mut nodes_c = Vec::new();
    for (t, id) in node_tables {
        let bound = b.bind_tabular(t)?;
        nodes_c.push((compute(b, &bound, t.span)?, id.clone()));
    }
    let part_of = |c: &build::Computed, what: &str| -> Result<ArrayRef, Diagnostic> {
        let i = c
            .columns
            .iter()
            .position(|x| x.name == column.name)
            .ok_or_else(|| {
                Diagnostic::at(
                    Code::UnknownColumn,
                    column.span,
                    format!("the {what} table has no partition column '{}'", column.name),
                )
            })?;
        Ok(c.arrays[i].clone())
    };
    let edge_parts = part_of(&edges_c, "edges")?;
    let node_parts = nodes_c
        .iter()
        .map(|(c, _)| part_of(c, "nodes"))
        .collect::<Result<Vec<_>, _>>()?;
    // partition values in order of first appearance in the edges
    let mut values: Vec<datafusion::common::ScalarValue> = Vec::new();
    for i in 0..edges_c.rows {
        let v = datafusion::common::ScalarValue::try_from_array(&edge_parts, i)
            .map_err(|e| Diagnostic::internal("graph", e))?;
        if !values.contains(&v) {
            values.push(v);
        }
    }
    let select = |c: &build::Computed, parts: &ArrayRef, v: &datafusion::common::ScalarValue| {
        let idx: Vec<u32> = (0..c.rows)
            .filter(|&i| {
                datafusion::common::ScalarValue::try_from_array(parts, i).is_ok_and(|x| &x == v)
            })
            .map(|i| i as u32)
            .collect();
        let idx = UInt32Array::from(idx);
        let arrays = c
            .arrays
            .iter()
            .map(|a| take(a.as_ref(), &idx, None))
            .collect::<Result<Vec<_>, _>>();
        arrays.map(|arrays| build::Computed {
            columns: c.columns.clone(),
            arrays,
            rows: idx.len(),
        })
    };
    let mut results: Vec<(Vec<BoundColumn>, Vec<RecordBatch>)> = Vec::new();
    for v in &values {
        let e = select(&edges_c, &edge_parts, v).map_err(|e| Diagnostic::internal("graph", e))?;
        let mut n = Vec::new();
        for ((c, id), parts) in nodes_c.iter().zip(&node_parts) {
            n.push((
                select(c, parts, v).map_err(|e| Diagnostic::internal("graph", e))?,
                id.clone(),
            ));
        }
        let mut g = build::make_graph(e, source, target, node_id, n)?;
        for m in marks {
            match &m.kind {
                OpKind::Graph(gop) => match &gop.kind {
                    GraphOpKind::MarkComponents { params } => g = mark_components(g, params)?,
                    _ => {
                        return Err(Diagnostic::at(
                            Code::NotTabular,
                            m.span,
                            "inside partitioned-by, only graph-mark-components may come before the last graph operator",
                        ));
                    }
                },
                _ => {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        m.span,
                        "partitioned-by takes graph operators",
                    ));
                }
            }
        }
        let t = finish(b, g)?;
        let batches = evaluate_tabular(b, &t, span)?;
        results.push((t.columns, batches));
    }
    let Some((columns, _)) = results.first() else {
        // no edges: no partition; the schema comes from an empty graph
        let e = select(
            &edges_c,
            &edge_parts,
            &datafusion::common::ScalarValue::Null,
        )
        .map_err(|e| Diagnostic::internal("graph", e))?;
        let g = build::make_graph(e, source, target, node_id, Vec::new())?;
        return finish(b, g);
    };
    let columns = columns.clone();
    let mut arrays = Vec::new();
    let mut rows = 0;
    for (i, c) in columns.iter().enumerate() {
        let mut parts: Vec<ArrayRef> = Vec::new();
        for (_, batches) in &results {
            for batch in batches {
                parts.push(
                    cast(batch.column(i), &arrow_type(c.ty))
                        .map_err(|e| Diagnostic::internal("graph", e))?,
                );
            }
        }
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        let a = if refs.is_empty() {
            datafusion::arrow::array::new_empty_array(&arrow_type(c.ty))
        } else {
            datafusion::arrow::compute::concat(&refs)
                .map_err(|e| Diagnostic::internal("graph", e))?
        };
        rows = a.len();
        arrays.push(a);
    }
    memory_table(b, columns, arrays, rows, span)
}

// ---------------------------------------------------------------------------
// graph-match, graph-shortest-paths
// ---------------------------------------------------------------------------

struct MatchOp<'a> {
    shortest: bool,
    params: &'a [GraphParam],
    pattern: &'a [ast::GraphPath],
    predicate: Option<&'a Expr>,
    project: &'a [NamedExpr],
    span: Span,
}

/// What a pattern variable is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Var {
    Node(usize),
    Edge(usize),
    /// A variable length edge.
    Path(usize),
}

/// The elements an `all` / `any` / `map` runs over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Elems {
    Edges,
    InnerNodes,
}

/// A column of the match table.
enum Request {
    /// A property (or computed value) of a node slot / fixed edge: the
    /// element array taken at the bound element.
    NodeValue(usize, ArrayRef),
    EdgeValue(usize, ArrayRef),
    /// `all` (true) / `any` (false) of a per-element bool.
    Fold(usize, Elems, bool, ArrayRef),
    /// `map`: a dynamic array of per-element JSON texts.
    Map(usize, Elems, ArrayRef),
}

struct Ctx<'a> {
    g: &'a Graph,
    p: &'a Pattern,
    nodes_t: Option<(BoundTabular, Vec<BoundColumn>)>,
    edges_t: Option<(BoundTabular, Vec<BoundColumn>)>,
    requests: Vec<(String, KqlType, Request)>,
}

const DEG_IN: &str = "__kql_graph_degree_in";
const DEG_OUT: &str = "__kql_graph_degree_out";

impl Ctx<'_> {
    fn var(&self, name: &str) -> Option<Var> {
        if let Some(i) = self.p.slots.iter().position(|s| s.as_deref() == Some(name)) {
            return Some(Var::Node(i));
        }
        let i = self
            .p
            .edges
            .iter()
            .position(|e| e.name.as_deref() == Some(name))?;
        Some(if self.p.edges[i].variable {
            Var::Path(i)
        } else {
            Var::Edge(i)
        })
    }

    /// The nodes (with degree columns) or edges table, held in memory.
    fn table(
        &mut self,
        b: &mut Binder,
        nodes: bool,
        span: Span,
    ) -> Result<(BoundTabular, Vec<BoundColumn>), Diagnostic> {
        let slot = if nodes { &self.nodes_t } else { &self.edges_t };
        if let Some(t) = slot {
            return Ok(t.clone());
        }
        let (mut cols, mut arrays) = if nodes {
            (self.g.node_cols.clone(), self.g.node_arrays.clone())
        } else {
            (self.g.edge_cols.clone(), self.g.edge_arrays.clone())
        };
        let rows = if nodes {
            self.g.node_count()
        } else {
            self.g.edge_count()
        };
        if nodes {
            cols.push(BoundColumn::new(DEG_IN, KqlType::Long));
            arrays.push(self.g.degrees(true));
            cols.push(BoundColumn::new(DEG_OUT, KqlType::Long));
            arrays.push(self.g.degrees(false));
        }
        let t = memory_table(b, cols.clone(), arrays, rows, span)?;
        let out = (t, cols);
        if nodes {
            self.nodes_t = Some(out.clone());
        } else {
            self.edges_t = Some(out.clone());
        }
        Ok(out)
    }

    /// The value of `e` (over one element's properties) for every node or edge.
    fn per_element(
        &mut self,
        b: &mut Binder,
        nodes: bool,
        e: &Expr,
        want: Option<KqlType>,
    ) -> Result<(ArrayRef, KqlType), Diagnostic> {
        let (t, cols) = self.table(b, nodes, e.span)?;
        let v = b.bind_scalar(e, &cols)?;
        let v = match want {
            Some(KqlType::Bool) => super::operators::expect_bool(v, e.span, "the condition")?,
            Some(ty) => cast_to(v, ty),
            None => v,
        };
        let ty = v.ty;
        let t = project_node(t, vec![("v".to_string(), v)]);
        let c = compute(b, &t, e.span)?;
        Ok((c.arrays[0].clone(), ty))
    }

    fn add(&mut self, ty: KqlType, r: Request) -> String {
        let name = format!("__kql_graph_{}", self.requests.len());
        self.requests.push((name.clone(), ty, r));
        name
    }

    /// `e` with every graph reference replaced by a match-table column.
    fn rewrite(&mut self, b: &mut Binder, e: &Expr) -> Result<Expr, Diagnostic> {
        let span = e.span;
        let col = |name: String| Expr {
            kind: ExprKind::Name(Ident { name, span }),
            span,
        };
        match &e.kind {
            ExprKind::Member { target, name } => {
                if let ExprKind::Name(v) = &target.kind
                    && let Some(var) = self.var(&v.name)
                {
                    let prop = Expr {
                        kind: ExprKind::Name(name.clone()),
                        span: name.span,
                    };
                    self.check_property(var, name)?;
                    return Ok(col(match var {
                        Var::Node(s) => {
                            let (a, ty) = self.per_element(b, true, &prop, None)?;
                            self.add(ty, Request::NodeValue(s, a))
                        }
                        Var::Edge(c) => {
                            let (a, ty) = self.per_element(b, false, &prop, None)?;
                            self.add(ty, Request::EdgeValue(c, a))
                        }
                        Var::Path(c) => {
                            let (a, _) =
                                self.per_element(b, false, &prop, Some(KqlType::Dynamic))?;
                            self.add(KqlType::Dynamic, Request::Map(c, Elems::Edges, a))
                        }
                    }));
                }
                Ok(Expr {
                    kind: ExprKind::Member {
                        target: Box::new(self.rewrite(b, target)?),
                        name: name.clone(),
                    },
                    span,
                })
            }
            ExprKind::Name(v) if self.var(&v.name).is_some() => Err(Diagnostic::at(
                Code::BadArgument,
                span,
                format!(
                    "'{}' is a graph pattern variable: use its properties ({}.Property)",
                    v.name, v.name
                ),
            )),
            ExprKind::Name(v) if b.lookup_let(&v.name).is_none() => {
                let vars: Vec<&str> = self
                    .p
                    .slots
                    .iter()
                    .flatten()
                    .chain(self.p.edges.iter().filter_map(|e| e.name.as_ref()))
                    .map(String::as_str)
                    .collect();
                Err(Diagnostic::at(
                    Code::UnknownName,
                    span,
                    format!("unknown name '{}': graph clauses read the pattern's variables (var.property) and `let` values", v.name),
                )
                .with_hint(if vars.is_empty() {
                    "the pattern names no variables".to_string()
                } else {
                    format!("the pattern's variables are: {}", vars.join(", "))
                }))
            }
            ExprKind::Call(c) => self.rewrite_call(b, c, e),
            _ => e.try_map_children(&mut |c| self.rewrite(b, c)),
        }
    }

    fn check_property(&self, var: Var, name: &Ident) -> Result<(), Diagnostic> {
        let cols = match var {
            Var::Node(_) => &self.g.node_cols,
            _ => &self.g.edge_cols,
        };
        if cols.iter().any(|c| c.name == name.name) {
            return Ok(());
        }
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        Err(Diagnostic::at(
            Code::UnknownColumn,
            name.span,
            format!(
                "the graph's {} have no property '{}'",
                if matches!(var, Var::Node(_)) {
                    "nodes"
                } else {
                    "edges"
                },
                name.name
            ),
        )
        .with_hint(if names.is_empty() {
            "they have no properties".to_string()
        } else {
            format!("their properties are: {}", names.join(", "))
        }))
    }

    fn rewrite_call(&mut self, b: &mut Binder, c: &Call, e: &Expr) -> Result<Expr, Diagnostic> {
        let span = e.span;
        let col = |name: String| Expr {
            kind: ExprKind::Name(Ident { name, span }),
            span,
        };
        let fname = c.name.name.as_str();
        match fname {
            "node_degree_in" | "node_degree_out" => {
                let [arg] = c.args.as_slice() else {
                    return Err(Diagnostic::at(
                        Code::WrongArgCount,
                        span,
                        format!(
                            "{fname}() takes a node variable (no argument only inside all(), any() or map() over inner_nodes())"
                        ),
                    ));
                };
                let slot = match &arg.value.kind {
                    ExprKind::Name(v) => match self.var(&v.name) {
                        Some(Var::Node(s)) => Some(s),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(slot) = slot else {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        arg.value.span,
                        format!("{fname}() takes a node variable of the pattern"),
                    ));
                };
                let a = self.g.degrees(fname == "node_degree_in");
                Ok(col(self.add(KqlType::Long, Request::NodeValue(slot, a))))
            }
            "labels" => {
                if c.args.len() > 1 {
                    return Err(Diagnostic::at(
                        Code::WrongArgCount,
                        span,
                        "labels() takes a node or edge variable",
                    ));
                }
                if let Some(arg) = c.args.first() {
                    let ok =
                        matches!(&arg.value.kind, ExprKind::Name(v) if self.var(&v.name).is_some());
                    if !ok {
                        return Err(Diagnostic::at(
                            Code::BadArgument,
                            arg.value.span,
                            "labels() takes a node or edge variable of the pattern",
                        ));
                    }
                }
                // graphs made by make-graph have no labels
                Ok(empty_array(span))
            }
            "inner_nodes" => Err(Diagnostic::at(
                Code::BadArgument,
                span,
                "inner_nodes() is only valid as the first argument of all(), any() or map()",
            )),
            "all" | "any" | "map" if self.is_graph_target(c) => {
                let [target, body] = c.args.as_slice() else {
                    return Err(Diagnostic::at(
                        Code::WrongArgCount,
                        span,
                        format!(
                            "{fname}() takes a variable length edge (or inner_nodes(edge)) and an expression"
                        ),
                    ));
                };
                let (edge, elems) = self.graph_target(&target.value)?;
                let nodes = elems == Elems::InnerNodes;
                let body = element_expr(&body.value, nodes)?;
                if fname == "map" {
                    let (a, _) = self.per_element(b, nodes, &body, Some(KqlType::Dynamic))?;
                    Ok(col(self.add(KqlType::Dynamic, Request::Map(edge, elems, a))))
                } else {
                    let (a, _) = self.per_element(b, nodes, &body, Some(KqlType::Bool))?;
                    Ok(col(self.add(
                        KqlType::Bool,
                        Request::Fold(edge, elems, fname == "all", a),
                    )))
                }
            }
            _ => {
                let mut args = Vec::with_capacity(c.args.len());
                for a in &c.args {
                    args.push(ast::Arg {
                        name: a.name.clone(),
                        value: self.rewrite(b, &a.value)?,
                        span: a.span,
                    });
                }
                Ok(Expr {
                    kind: ExprKind::Call(Call {
                        name: c.name.clone(),
                        args,
                    }),
                    span,
                })
            }
        }
    }

    fn is_graph_target(&self, c: &Call) -> bool {
        match c.args.first().map(|a| &a.value.kind) {
            Some(ExprKind::Name(v)) => self.var(&v.name).is_some(),
            Some(ExprKind::Call(inner)) => inner.name.name == "inner_nodes",
            _ => false,
        }
    }

    fn graph_target(&self, e: &Expr) -> Result<(usize, Elems), Diagnostic> {
        let (name, elems) = match &e.kind {
            ExprKind::Name(v) => (v, Elems::Edges),
            ExprKind::Call(c) if c.name.name == "inner_nodes" => match c.args.as_slice() {
                [a] => match &a.value.kind {
                    ExprKind::Name(v) => (v, Elems::InnerNodes),
                    _ => return Err(not_path(a.value.span)),
                },
                _ => return Err(not_path(e.span)),
            },
            _ => return Err(not_path(e.span)),
        };
        match self.var(&name.name) {
            Some(Var::Path(i)) => Ok((i, elems)),
            _ => Err(not_path(name.span)),
        }
    }
}

fn not_path(span: Span) -> Diagnostic {
    Diagnostic::at(
        Code::BadArgument,
        span,
        "expected a variable length edge of the pattern (`-[e*1..3]->`) or inner_nodes(e)",
    )
}

fn empty_array(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Literal(Literal::Dynamic(ast::DynamicLit::Array(Vec::new()))),
        span,
    }
}

/// The body of `all` / `any` / `map`: properties by bare name;
/// `node_degree_in()` / `node_degree_out()` / `labels()` of the element.
fn element_expr(e: &Expr, nodes: bool) -> Result<Expr, Diagnostic> {
    let span = e.span;
    let rebuild = |kind| Ok(Expr { kind, span });
    match &e.kind {
        ExprKind::Call(c) => {
            let name = c.name.name.as_str();
            if matches!(name, "node_degree_in" | "node_degree_out" | "labels") {
                if !c.args.is_empty() {
                    return Err(Diagnostic::at(
                        Code::WrongArgCount,
                        span,
                        format!("inside all(), any() and map(), {name}() takes no argument"),
                    ));
                }
                if name == "labels" {
                    return Ok(empty_array(span));
                }
                if !nodes {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        span,
                        format!("{name}() applies to nodes: use inner_nodes(edge)"),
                    ));
                }
                let col = if name == "node_degree_in" {
                    DEG_IN
                } else {
                    DEG_OUT
                };
                return rebuild(ExprKind::Name(Ident {
                    name: col.to_string(),
                    span,
                }));
            }
            e.try_map_children(&mut |c| element_expr(c, nodes))
        }
        _ => e.try_map_children(&mut |c| element_expr(c, nodes)),
    }
}

/// The top-level `and` operands of a predicate.
fn conjuncts(e: &Expr, out: &mut Vec<Expr>) {
    match &e.kind {
        ExprKind::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        _ => out.push(e.clone()),
    }
}

/// The pattern variables an expression reads, and whether it reads one
/// through `all` / `any` / `map` / `inner_nodes` / a degree / `labels`.
fn references(ctx: &Ctx, e: &Expr, vars: &mut Vec<String>, special: &mut bool) {
    match &e.kind {
        ExprKind::Name(v) if ctx.var(&v.name).is_some() && !vars.contains(&v.name) => {
            vars.push(v.name.clone());
        }
        ExprKind::Call(c) => {
            if matches!(
                c.name.name.as_str(),
                "all"
                    | "any"
                    | "map"
                    | "inner_nodes"
                    | "node_degree_in"
                    | "node_degree_out"
                    | "labels"
            ) {
                *special = true;
            }
            for a in &c.args {
                references(ctx, &a.value, vars, special);
            }
        }
        ExprKind::Member { target, .. } => references(ctx, target, vars, special),
        ExprKind::Index { target, index } => {
            references(ctx, target, vars, special);
            references(ctx, index, vars, special);
        }
        ExprKind::Unary { operand, .. } => references(ctx, operand, vars, special),
        ExprKind::Binary { left, right, .. } => {
            references(ctx, left, vars, special);
            references(ctx, right, vars, special);
        }
        ExprKind::In { expr, list, .. } | ExprKind::HasAnyAll { expr, list, .. } => {
            references(ctx, expr, vars, special);
            list.iter().for_each(|x| references(ctx, x, vars, special));
        }
        ExprKind::Between {
            expr, low, high, ..
        } => {
            references(ctx, expr, vars, special);
            references(ctx, low, vars, special);
            references(ctx, high, vars, special);
        }
        _ => {}
    }
}

/// Every `v.p` of `e` names a property the graph's nodes / edges have.
fn check_properties(ctx: &Ctx, e: &Expr) -> Result<(), Diagnostic> {
    let mut err = None;
    visit(e, &mut |x| {
        if let ExprKind::Member { target, name } = &x.kind
            && let ExprKind::Name(v) = &target.kind
            && let Some(var) = ctx.var(&v.name)
            && err.is_none()
            && let Err(d) = ctx.check_property(var, name)
        {
            err = Some(d);
        }
    });
    err.map_or(Ok(()), Err)
}

/// Call `f` on `e` and every expression below it.
fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Call(c) => c.args.iter().for_each(|a| visit(&a.value, f)),
        ExprKind::Member { target, .. } => visit(target, f),
        ExprKind::Unary { operand, .. } => visit(operand, f),
        ExprKind::Index { target, index } => {
            visit(target, f);
            visit(index, f);
        }
        ExprKind::Binary { left, right, .. } => {
            visit(left, f);
            visit(right, f);
        }
        ExprKind::In { expr, list, .. } | ExprKind::HasAnyAll { expr, list, .. } => {
            visit(expr, f);
            list.iter().for_each(|x| visit(x, f));
        }
        ExprKind::Between {
            expr, low, high, ..
        } => {
            visit(expr, f);
            visit(low, f);
            visit(high, f);
        }
        _ => {}
    }
}

/// `v.p` → `p` (an expression over one element of variable `v`).
fn strip_var(e: &Expr, var: &str) -> Expr {
    let span = e.span;
    let kind = match &e.kind {
        ExprKind::Member { target, name } => match &target.kind {
            ExprKind::Name(v) if v.name == var => ExprKind::Name(name.clone()),
            _ => ExprKind::Member {
                target: Box::new(strip_var(target, var)),
                name: name.clone(),
            },
        },
        ExprKind::Call(c)
            if matches!(
                c.name.name.as_str(),
                "node_degree_in" | "node_degree_out" | "labels"
            ) && matches!(c.args.as_slice(), [a] if matches!(&a.value.kind, ExprKind::Name(v) if v.name == var)) =>
        {
            match c.name.name.as_str() {
                "labels" => return empty_array(span),
                "node_degree_in" => ExprKind::Name(Ident {
                    name: DEG_IN.to_string(),
                    span,
                }),
                _ => ExprKind::Name(Ident {
                    name: DEG_OUT.to_string(),
                    span,
                }),
            }
        }
        _ => {
            let mapped =
                e.try_map_children(&mut |c| Ok::<_, std::convert::Infallible>(strip_var(c, var)));
            return match mapped {
                Ok(x) => x,
                Err(never) => match never {},
            };
        }
    };
    Expr { kind, span }
}

/// A bool array as a mask (null → false).
fn mask(a: &ArrayRef) -> Vec<bool> {
    let a = a.as_boolean();
    (0..a.len()).map(|i| a.is_valid(i) && a.value(i)).collect()
}

fn graph_match(b: &mut Binder, g: &Graph, m: &MatchOp) -> Result<BoundTabular, Diagnostic> {
    let op_name = if m.shortest {
        "graph-shortest-paths"
    } else {
        "graph-match"
    };
    let mut cycles = if m.shortest {
        Cycles::None
    } else {
        Cycles::UniqueEdges
    };
    let mut output_all = false;
    let allowed: &[&str] = if m.shortest { &["output"] } else { &["cycles"] };
    for (p, v) in param_value(m.params, allowed, op_name)? {
        match (p, v.name.as_str()) {
            ("cycles", "all") => cycles = Cycles::All,
            ("cycles", "none") => cycles = Cycles::None,
            ("cycles", "unique_edges") => cycles = Cycles::UniqueEdges,
            ("output", "any") => output_all = false,
            ("output", "all") => output_all = true,
            (p, other) => {
                let values = if p == "cycles" {
                    "all, none, unique_edges"
                } else {
                    "any, all"
                };
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    v.span,
                    format!("`{p}` is one of {values}, not `{other}`"),
                ));
            }
        }
    }
    let pattern = matcher::compile(m.pattern, m.span)?;
    if m.shortest && (m.pattern.len() != 1 || !pattern.edges.iter().any(|e| e.variable)) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            m.span,
            "graph-shortest-paths takes one sequence with at least one variable length edge",
        ));
    }
    let mut ctx = Ctx {
        g,
        p: &pattern,
        nodes_t: None,
        edges_t: None,
        requests: Vec::new(),
    };
    // where: conjuncts over one node / edge are element filters
    let mut filters = Filters {
        slots: vec![None; pattern.slots.len()],
        edges: vec![None; pattern.edges.len()],
    };
    let mut rest = Vec::new();
    if let Some(pred) = m.predicate {
        let mut parts = Vec::new();
        conjuncts(pred, &mut parts);
        for part in parts {
            let mut vars = Vec::new();
            let mut special = false;
            references(&ctx, &part, &mut vars, &mut special);
            let single = match vars.as_slice() {
                [v] => ctx.var(v),
                _ => None,
            };
            match single {
                Some(var) if !special || matches!(var, Var::Node(_)) => {
                    if special && has_graph_fn(&part) {
                        rest.push(part);
                        continue;
                    }
                    check_properties(&ctx, &part)?;
                    let body = strip_var(&part, &vars[0]);
                    let (nodes, slot) = match var {
                        Var::Node(s) => (true, s),
                        Var::Edge(c) | Var::Path(c) => (false, c),
                    };
                    let (a, _) = ctx.per_element(b, nodes, &body, Some(KqlType::Bool))?;
                    let ok = mask(&a);
                    let f = if nodes {
                        &mut filters.slots[slot]
                    } else {
                        &mut filters.edges[slot]
                    };
                    *f = Some(match f.take() {
                        Some(prev) => prev.iter().zip(&ok).map(|(x, y)| *x && *y).collect(),
                        None => ok,
                    });
                }
                _ => rest.push(part),
            }
        }
    }
    let one_hop_shortest = m.shortest
        && rest.is_empty()
        && pattern.edges.len() == 1
        && pattern.slots.len() == 2
        && pattern.edges[0].min <= 1;
    let matches = if one_hop_shortest {
        matcher::shortest_bfs(g, &pattern, &filters, output_all, m.span)?
    } else {
        matcher::find(g, &pattern, &filters, cycles, m.span)?
    };
    // the rest of `where`, and `project`, over the match table
    let rest_pred = rest
        .into_iter()
        .map(|p| ctx.rewrite(b, &p))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .reduce(|l, r| {
            let span = Span::new(l.span.start, r.span.end.max(l.span.start));
            Expr {
                kind: ExprKind::Binary {
                    op: BinaryOp::And,
                    left: Box::new(l),
                    right: Box::new(r),
                },
                span,
            }
        });
    let mut items = Vec::new();
    let mut unnamed = 0;
    for item in m.project {
        let name = match item.names.as_slice() {
            [] => match graph_name(&item.expr) {
                Some(n) => n,
                None => {
                    unnamed += 1;
                    format!("Column{unnamed}")
                }
            },
            [n] => n.name.clone(),
            _ => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    item.span,
                    "a graph `project` item has one name",
                ));
            }
        };
        if items.iter().any(|(n, _): &(String, Expr)| *n == name) {
            return Err(super::ops::duplicate_column(&name, item.span));
        }
        items.push((name, ctx.rewrite(b, &item.expr)?));
    }
    let (cols, arrays) = match_columns(&ctx, &matches)?;
    let rows = matches.len();
    let mut cols = cols;
    let mut arrays = arrays;
    const ROW: &str = "__kql_graph_row";
    if m.shortest {
        cols.push(BoundColumn::new(ROW, KqlType::Long));
        arrays.push(Arc::new(Int64Array::from_iter_values(0..rows as i64)));
    }
    let mut t = memory_table(b, cols.clone(), arrays.clone(), rows, m.span)?;
    if let Some(p) = &rest_pred {
        t = super::ops::bind_operator(
            b,
            t,
            &TabularOp {
                kind: OpKind::Where {
                    params: Vec::new(),
                    predicate: p.clone(),
                },
                span: p.span,
            },
        )?;
    }
    if m.shortest {
        // the surviving matches, then the shortest per (start, end)
        let rows_t = project_node(
            t,
            vec![(
                ROW.to_string(),
                BExpr::new(super::expr::column_expr(ROW), KqlType::Long),
            )],
        );
        let kept = compute(b, &rows_t, m.span)?;
        let kept = kept.arrays[0].as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let first = 0;
        let last = pattern.slots.len().saturating_sub(1);
        let end_slot = {
            let path = &m.pattern[0];
            let name = path.nodes.last().and_then(|n| n.name.as_ref());
            match name {
                Some(n) => pattern
                    .slots
                    .iter()
                    .position(|s| s.as_deref() == Some(&n.name))
                    .unwrap_or(last),
                None => last,
            }
        };
        let mut best: std::collections::HashMap<(usize, usize), (usize, Vec<usize>)> =
            std::collections::HashMap::new();
        let mut pairs = Vec::new();
        for i in 0..kept.len() {
            let r = kept.value(i) as usize;
            let mt = &matches[r];
            let len: usize = mt.edges.iter().map(Vec::len).sum();
            let key = (mt.nodes[first], mt.nodes[end_slot]);
            match best.get_mut(&key) {
                None => {
                    pairs.push(key);
                    best.insert(key, (len, vec![r]));
                }
                Some((l, rs)) if len < *l => {
                    *l = len;
                    *rs = vec![r];
                }
                Some((l, rs)) if len == *l && output_all => rs.push(r),
                _ => {}
            }
        }
        let chosen: Vec<u32> = pairs
            .iter()
            .flat_map(|k| best[k].1.iter().map(|&r| r as u32))
            .collect();
        let idx = UInt32Array::from(chosen);
        let arrays = arrays
            .iter()
            .map(|a| take(a.as_ref(), &idx, None))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Diagnostic::internal("graph", e))?;
        t = memory_table(b, cols, arrays, idx.len(), m.span)?;
    }
    let mut out = Vec::new();
    for (name, e) in items {
        let v = b.bind_scalar(&e, &t.columns)?;
        out.push((name, v));
    }
    Ok(project_node(t, out))
}

fn has_graph_fn(e: &Expr) -> bool {
    let mut found = false;
    visit(e, &mut |x| {
        if let ExprKind::Call(c) = &x.kind
            && matches!(c.name.name.as_str(), "all" | "any" | "map" | "inner_nodes")
        {
            found = true;
        }
    });
    found
}

/// Kusto's name for an unnamed graph `project` item: `n.name` → `n_name`,
/// `node_degree_in(n)` → `node_degree_in`.
fn graph_name(e: &Expr) -> Option<String> {
    if let ExprKind::Call(c) = &e.kind
        && matches!(c.name.name.as_str(), "node_degree_in" | "node_degree_out")
    {
        return Some(c.name.name.clone());
    }
    derived_name(e)
}

/// The match table's columns, one row per match.
fn match_columns(
    ctx: &Ctx,
    matches: &[Match],
) -> Result<(Vec<BoundColumn>, Vec<ArrayRef>), Diagnostic> {
    let mut cols = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, ty, r) in &ctx.requests {
        let a: ArrayRef = match r {
            Request::NodeValue(slot, a) => {
                let idx =
                    UInt32Array::from_iter_values(matches.iter().map(|m| m.nodes[*slot] as u32));
                take(a.as_ref(), &idx, None).map_err(|e| Diagnostic::internal("graph", e))?
            }
            Request::EdgeValue(c, a) => {
                let idx = UInt32Array::from_iter_values(
                    matches
                        .iter()
                        .map(|m| m.edges[*c].first().copied().unwrap_or(0) as u32),
                );
                take(a.as_ref(), &idx, None).map_err(|e| Diagnostic::internal("graph", e))?
            }
            Request::Fold(c, elems, all, a) => {
                let ok = mask(a);
                Arc::new(BooleanArray::from_iter(matches.iter().map(|m| {
                    let mut it = elements(m, *c, *elems).iter();
                    Some(if *all {
                        it.all(|&i| ok[i])
                    } else {
                        it.any(|&i| ok[i])
                    })
                })))
            }
            Request::Map(c, elems, a) => {
                let a = a.as_string::<i32>();
                let texts = matches.iter().map(|m| {
                    let mut s = String::from("[");
                    for (k, &i) in elements(m, *c, *elems).iter().enumerate() {
                        if k > 0 {
                            s.push(',');
                        }
                        s.push_str(if a.is_valid(i) { a.value(i) } else { "null" });
                    }
                    s.push(']');
                    Some(s)
                });
                Arc::new(StringArray::from_iter(texts))
            }
        };
        cols.push(BoundColumn::new(name.clone(), *ty));
        arrays.push(cast(&a, &arrow_type(*ty)).map_err(|e| Diagnostic::internal("graph", e))?);
    }
    Ok((cols, arrays))
}

/// The edges, or the inner nodes, of constraint `c` in a match.
fn elements(m: &Match, c: usize, elems: Elems) -> &[usize] {
    match elems {
        Elems::Edges => &m.edges[c],
        Elems::InnerNodes => {
            let n = &m.path_nodes[c];
            if n.len() <= 2 {
                &[]
            } else {
                &n[1..n.len() - 1]
            }
        }
    }
}
