//! A graph in memory: `make-graph` over the computed edges and nodes tables,
//! and `graph-mark-components`.
//!
//! Each edge row becomes an edge whose properties are the row's columns.
//! Each nodes-table row becomes a node whose properties are the row's
//! columns; a node id present in several rows (or both nodes tables) is one
//! node whose properties merge (the first non-null value wins: Kusto takes
//! "an arbitrary value"). Ids that appear only in the edges become nodes
//! whose id column(s) hold the id and whose other properties are empty
//! (null; `""` for strings, which are never null).

use super::super::Binder;
use super::super::eager::evaluate_tabular;
use crate::bound::{BoundColumn, BoundTabular};
use crate::types::{KqlType, arrow_type};
use datafusion::arrow::array::{Array, ArrayRef, Int64Array, new_empty_array};
use datafusion::arrow::compute::{cast, concat};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use kql_syntax::ast::{Expr, GraphOpKind, Ident, OpKind};
use kql_syntax::{Code, Diagnostic, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// A graph held in memory.
#[derive(Clone)]
pub(crate) struct Graph {
    pub node_cols: Vec<BoundColumn>,
    /// One array per node property, one row per node.
    pub node_arrays: Vec<ArrayRef>,
    /// The node ids, in node order.
    pub node_keys: Vec<ScalarValue>,
    pub edge_cols: Vec<BoundColumn>,
    pub edge_arrays: Vec<ArrayRef>,
    pub src: Vec<usize>,
    pub dst: Vec<usize>,
    /// Edge indices leaving / entering each node, in edge order.
    pub out_adj: Vec<Vec<usize>>,
    pub in_adj: Vec<Vec<usize>>,
}

impl Graph {
    pub(crate) fn node_count(&self) -> usize {
        self.node_keys.len()
    }

    pub(crate) fn edge_count(&self) -> usize {
        self.src.len()
    }

    /// Degree columns, as `long`.
    pub(crate) fn degrees(&self, incoming: bool) -> ArrayRef {
        let adj = if incoming {
            &self.in_adj
        } else {
            &self.out_adj
        };
        Arc::new(Int64Array::from_iter_values(
            adj.iter().map(|a| a.len() as i64),
        ))
    }
}

/// A computed table: its columns, one concatenated array per column.
pub(crate) struct Computed {
    pub columns: Vec<BoundColumn>,
    pub arrays: Vec<ArrayRef>,
    pub rows: usize,
}

/// Run a bound table now and hold its columns (cast to their KQL Arrow types).
/// Without data (binding for `check`) a table computes as empty, so the
/// graph operators still bind and type their results.
pub(crate) fn compute(b: &Binder, t: &BoundTabular, span: Span) -> Result<Computed, Diagnostic> {
    let batches = if b.catalog.can_evaluate() {
        evaluate_tabular(b, t, span)?
    } else {
        Vec::new()
    };
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    let mut arrays = Vec::with_capacity(t.columns.len());
    for (i, c) in t.columns.iter().enumerate() {
        let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(i).as_ref()).collect();
        let a = if parts.is_empty() {
            new_empty_array(&arrow_type(c.ty))
        } else {
            concat(&parts).map_err(|e| Diagnostic::internal("graph", e))?
        };
        arrays.push(cast(&a, &arrow_type(c.ty)).map_err(|e| Diagnostic::internal("graph", e))?);
    }
    Ok(Computed {
        columns: t.columns.clone(),
        arrays,
        rows,
    })
}

fn scalar_at(a: &ArrayRef, i: usize) -> Result<ScalarValue, Diagnostic> {
    ScalarValue::try_from_array(a, i).map_err(|e| Diagnostic::internal("graph", e))
}

fn column_index(cols: &[BoundColumn], id: &Ident, what: &str) -> Result<usize, Diagnostic> {
    cols.iter().position(|c| c.name == id.name).ok_or_else(|| {
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        Diagnostic::at(
            Code::UnknownColumn,
            id.span,
            format!("{what} has no column '{}'", id.name),
        )
        .with_hint(format!("its columns are: {}", names.join(", ")))
    })
}

/// The graph a chain `edges | make-graph ... [| graph-mark-components ...]` denotes.
pub(crate) fn graph_of(b: &mut Binder, e: &Expr) -> Result<Graph, Diagnostic> {
    let not_graph = || {
        Diagnostic::at(
            Code::NotTabular,
            e.span,
            "a graph operator needs a graph: build one with `make-graph` first",
        )
        .with_hint("T | make-graph Source --> Target with_node_id=Id | graph-match ...")
    };
    let kql_syntax::ast::ExprKind::Pipe { source, op } = &e.kind else {
        return Err(not_graph());
    };
    let OpKind::Graph(g) = &op.kind else {
        return Err(not_graph());
    };
    match &g.kind {
        GraphOpKind::MakeGraph {
            source: s,
            target,
            node_id,
            node_tables,
            partition: None,
        } => {
            let edges = b.bind_tabular(source)?;
            let edges = compute(b, &edges, op.span)?;
            let mut nodes = Vec::new();
            for (t, id) in node_tables {
                let bound = b.bind_tabular(t)?;
                nodes.push((compute(b, &bound, t.span)?, id.clone()));
            }
            make_graph(edges, s, target, node_id.as_ref(), nodes)
        }
        GraphOpKind::MakeGraph { .. } => Err(Diagnostic::at(
            Code::NotTabular,
            op.span,
            "`make-graph ... partitioned-by` returns a table, not a graph",
        )),
        GraphOpKind::MarkComponents { params } => {
            let g = graph_of(b, source)?;
            super::mark_components(g, params)
        }
        _ => Err(not_graph()),
    }
}

/// Build the graph from computed tables.
pub(crate) fn make_graph(
    edges: Computed,
    source: &Ident,
    target: &Ident,
    node_id: Option<&Ident>,
    node_tables: Vec<(Computed, Ident)>,
) -> Result<Graph, Diagnostic> {
    let si = column_index(&edges.columns, source, "the edges table")?;
    let ti = column_index(&edges.columns, target, "the edges table")?;
    let key_ty = edges.columns[si].ty;
    if edges.columns[ti].ty != key_ty {
        return Err(Diagnostic::at(
            Code::TypeMismatch,
            target.span,
            format!(
                "the source and target node ids must have the same type, got {} and {}",
                key_ty.as_str(),
                edges.columns[ti].ty.as_str()
            ),
        ));
    }
    // node property columns: with_node_id gives one; nodes tables give theirs
    let mut node_cols: Vec<BoundColumn> = Vec::new();
    // for each node table: (its column index → node column index), id column index
    let mut maps = Vec::new();
    let mut key_cols = Vec::new();
    if let Some(id) = node_id {
        node_cols.push(BoundColumn::new(id.name.clone(), key_ty));
        key_cols.push(0);
    }
    for (t, id) in &node_tables {
        let ki = column_index(&t.columns, id, "the nodes table")?;
        if t.columns[ki].ty != key_ty {
            return Err(Diagnostic::at(
                Code::TypeMismatch,
                id.span,
                format!(
                    "the nodes' id column '{}' is {}, the edges' node ids are {}",
                    id.name,
                    t.columns[ki].ty.as_str(),
                    key_ty.as_str()
                ),
            ));
        }
        let mut map = Vec::new();
        for c in &t.columns {
            let at = match node_cols.iter().position(|n| n.name == c.name) {
                Some(p) if node_cols[p].ty == c.ty => p,
                Some(_) => {
                    return Err(Diagnostic::at(
                        Code::TypeMismatch,
                        id.span,
                        format!(
                            "the nodes tables both have a column '{}', with different types",
                            c.name
                        ),
                    ));
                }
                None => {
                    node_cols.push(c.clone());
                    node_cols.len() - 1
                }
            };
            map.push(at);
        }
        if !key_cols.contains(&map[ki]) {
            key_cols.push(map[ki]);
        }
        maps.push((map, ki));
    }
    let width = node_cols.len();
    let mut index: HashMap<ScalarValue, usize> = HashMap::new();
    let mut keys: Vec<ScalarValue> = Vec::new();
    let mut props: Vec<Vec<Option<ScalarValue>>> = Vec::new();
    let mut node_of = |key: ScalarValue,
                       keys: &mut Vec<ScalarValue>,
                       props: &mut Vec<Vec<Option<ScalarValue>>>|
     -> usize {
        *index.entry(key.clone()).or_insert_with(|| {
            keys.push(key);
            props.push(vec![None; width]);
            keys.len() - 1
        })
    };
    for ((t, _), (map, ki)) in node_tables.iter().zip(&maps) {
        for r in 0..t.rows {
            let key = scalar_at(&t.arrays[*ki], r)?;
            let n = node_of(key, &mut keys, &mut props);
            for (ci, &at) in map.iter().enumerate() {
                if props[n][at].as_ref().is_none_or(|v| v.is_null()) {
                    props[n][at] = Some(scalar_at(&t.arrays[ci], r)?);
                }
            }
        }
    }
    let from_tables = keys.len();
    let mut src = Vec::with_capacity(edges.rows);
    let mut dst = Vec::with_capacity(edges.rows);
    for r in 0..edges.rows {
        for (col, out) in [(si, &mut src), (ti, &mut dst)] {
            let key = scalar_at(&edges.arrays[col], r)?;
            let n = node_of(key, &mut keys, &mut props);
            out.push(n);
        }
    }
    // nodes known only from the edges: their id columns hold the id
    for (n, key) in keys.iter().enumerate().skip(from_tables) {
        for &k in &key_cols {
            if props[n][k].is_none() {
                props[n][k] = Some(key.clone());
            }
        }
    }
    let mut node_arrays = Vec::with_capacity(width);
    for (ci, c) in node_cols.iter().enumerate() {
        let dt = arrow_type(c.ty);
        let values = props.iter().map(|p| match &p[ci] {
            Some(v) if !v.is_null() => v.clone(),
            _ if c.ty == KqlType::String => ScalarValue::Utf8(Some(String::new())),
            _ => ScalarValue::try_from(&dt).unwrap_or(ScalarValue::Null),
        });
        let a = if props.is_empty() {
            new_empty_array(&dt)
        } else {
            ScalarValue::iter_to_array(values).map_err(|e| Diagnostic::internal("graph", e))?
        };
        node_arrays.push(cast(&a, &dt).map_err(|e| Diagnostic::internal("graph", e))?);
    }
    let mut out_adj = vec![Vec::new(); keys.len()];
    let mut in_adj = vec![Vec::new(); keys.len()];
    for (e, (&s, &d)) in src.iter().zip(&dst).enumerate() {
        out_adj[s].push(e);
        in_adj[d].push(e);
    }
    Ok(Graph {
        node_cols,
        node_arrays,
        node_keys: keys,
        edge_cols: edges.columns,
        edge_arrays: edges.arrays,
        src,
        dst,
        out_adj,
        in_adj,
    })
}

/// Component index of every node: `weak` ignores edge direction, `strong`
/// follows it. Components are numbered from 0 in the order of their first node.
pub(crate) fn components(g: &Graph, strong: bool) -> Vec<i64> {
    let n = g.node_count();
    let raw = if strong {
        tarjan(g)
    } else {
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for (&s, &d) in g.src.iter().zip(&g.dst) {
            let (a, b) = (find(&mut parent, s), find(&mut parent, d));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
        (0..n).map(|x| find(&mut parent, x)).collect()
    };
    let mut ids: HashMap<usize, i64> = HashMap::new();
    raw.iter()
        .map(|r| {
            let next = ids.len() as i64;
            *ids.entry(*r).or_insert(next)
        })
        .collect()
}

/// Strongly connected components (iterative Tarjan): a label per node.
fn tarjan(g: &Graph) -> Vec<usize> {
    let n = g.node_count();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![usize::MAX; n];
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if *i == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&e) = g.out_adj[v].get(*i) {
                *i += 1;
                let w = g.dst[e];
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = v;
                    if w == v {
                        break;
                    }
                }
            }
        }
    }
    // label each component by its smallest node index
    let mut first: HashMap<usize, usize> = HashMap::new();
    for (x, c) in comp.iter().enumerate() {
        first.entry(*c).or_insert(x);
    }
    comp.iter().map(|c| first[c]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;

    fn edges(pairs: &[(&str, &str)]) -> Computed {
        let s: ArrayRef = Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.0)));
        let t: ArrayRef = Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.1)));
        Computed {
            columns: vec![
                BoundColumn::new("s", KqlType::String),
                BoundColumn::new("t", KqlType::String),
            ],
            arrays: vec![s, t],
            rows: pairs.len(),
        }
    }

    fn id(n: &str) -> Ident {
        Ident {
            name: n.into(),
            span: Span::new(0, 0),
        }
    }

    fn graph(pairs: &[(&str, &str)]) -> Graph {
        make_graph(
            edges(pairs),
            &id("s"),
            &id("t"),
            Some(&id("name")),
            Vec::new(),
        )
        .unwrap()
    }

    #[test]
    fn nodes_in_order_of_appearance_with_degrees() {
        let g = graph(&[("a", "b"), ("c", "b"), ("b", "b")]);
        let names: Vec<String> = g.node_keys.iter().map(|k| k.to_string()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(g.in_adj.iter().map(Vec::len).collect::<Vec<_>>(), [0, 3, 0]);
        assert_eq!(
            g.out_adj.iter().map(Vec::len).collect::<Vec<_>>(),
            [1, 1, 1]
        );
        let empty = graph(&[]);
        assert_eq!((empty.node_count(), empty.edge_count()), (0, 0));
    }

    #[test]
    fn weak_and_strong_components() {
        let g = graph(&[("a", "b"), ("b", "a"), ("b", "c"), ("d", "e")]);
        assert_eq!(components(&g, false), [0, 0, 0, 1, 1]);
        assert_eq!(components(&g, true), [0, 0, 1, 2, 3]);
        // a cycle of three is one strong component
        let g = graph(&[("x", "y"), ("y", "z"), ("z", "x")]);
        assert_eq!(components(&g, true), [0, 0, 0]);
    }
}
