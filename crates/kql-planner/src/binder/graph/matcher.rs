//! Pattern matching over an in-memory [`Graph`]: every assignment of the
//! pattern's nodes and edges that the graph holds.
//!
//! A pattern is a set of node slots (a named node used twice is one slot)
//! joined by edge constraints (direction, `*min..max`). Matching walks the
//! constraints in an order where each starts at an already bound slot.
//! Cycles: `unique_edges` (default) never uses an edge twice in one match,
//! `none` never visits a node twice (apart from a slot the pattern itself
//! names twice), `all` has no restriction.

use super::build::Graph;
use kql_syntax::ast::{EdgeDirection, GraphPath};
use kql_syntax::{Code, Diagnostic, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cycles {
    All,
    None,
    UniqueEdges,
}

pub(crate) struct EdgeConstraint {
    pub a: usize,
    pub b: usize,
    pub dir: EdgeDirection,
    pub min: usize,
    pub max: usize,
    pub variable: bool,
    pub name: Option<String>,
}

pub(crate) struct Pattern {
    /// Slot names (`None`: an anonymous node).
    pub slots: Vec<Option<String>>,
    pub edges: Vec<EdgeConstraint>,
}

/// One match: the node of each slot, and per edge constraint the edges and
/// the nodes along it, in pattern order (left to right).
pub(crate) struct Match {
    pub nodes: Vec<usize>,
    pub edges: Vec<Vec<usize>>,
    pub path_nodes: Vec<Vec<usize>>,
}

/// Matches past this many stop the query (a pattern over a big graph).
pub(crate) const MAX_MATCHES: usize = 2_000_000;

pub(crate) fn compile(paths: &[GraphPath], span: Span) -> Result<Pattern, Diagnostic> {
    let mut slots: Vec<Option<String>> = Vec::new();
    let mut edges = Vec::new();
    let mut slot_of = |name: &Option<kql_syntax::ast::Ident>| -> usize {
        if let Some(n) = name
            && let Some(i) = slots.iter().position(|s| s.as_deref() == Some(&n.name))
        {
            return i;
        }
        slots.push(name.as_ref().map(|n| n.name.clone()));
        slots.len() - 1
    };
    for p in paths {
        let ids: Vec<usize> = p.nodes.iter().map(|n| slot_of(&n.name)).collect();
        for (i, e) in p.edges.iter().enumerate() {
            let (min, max) = e.range.unwrap_or((1, 1));
            edges.push(EdgeConstraint {
                a: ids[i],
                b: ids[i + 1],
                dir: e.direction,
                min: min as usize,
                max: max as usize,
                variable: e.range.is_some(),
                name: e.name.as_ref().map(|n| n.name.clone()),
            });
        }
    }
    // names: an edge name used once, never also a node name
    for (i, e) in edges.iter().enumerate() {
        if let Some(n) = &e.name
            && (slots.iter().any(|s| s.as_deref() == Some(n))
                || edges[..i].iter().any(|o| o.name.as_deref() == Some(n)))
        {
            return Err(Diagnostic::at(
                Code::DuplicateName,
                span,
                format!("the pattern names '{n}' more than once (an edge variable must be unique)"),
            ));
        }
    }
    // one connected component
    let mut reached = vec![false; slots.len()];
    if !reached.is_empty() {
        reached[0] = true;
    }
    loop {
        let mut grew = false;
        for e in &edges {
            if reached[e.a] != reached[e.b] {
                reached[e.a] = true;
                reached[e.b] = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    if reached.iter().any(|r| !r) {
        return Err(Diagnostic::at(
            Code::UnsupportedFeature,
            span,
            "the pattern's sequences must share node variables: only single connected component patterns are supported",
        ));
    }
    Ok(Pattern { slots, edges })
}

/// Per-element filters: `None` lets every element through.
pub(crate) struct Filters {
    pub slots: Vec<Option<Vec<bool>>>,
    pub edges: Vec<Option<Vec<bool>>>,
}

struct State<'a> {
    g: &'a Graph,
    p: &'a Pattern,
    f: &'a Filters,
    cycles: Cycles,
    order: Vec<usize>,
    bound: Vec<Option<usize>>,
    edges: Vec<Vec<usize>>,
    path_nodes: Vec<Vec<usize>>,
    edge_used: Vec<u32>,
    node_used: Vec<u32>,
    out: Vec<Match>,
    span: Span,
}

pub(crate) fn find(
    g: &Graph,
    p: &Pattern,
    f: &Filters,
    cycles: Cycles,
    span: Span,
) -> Result<Vec<Match>, Diagnostic> {
    // constraint order: each next one touches a bound slot
    let mut order = Vec::new();
    let mut seen = vec![false; p.slots.len()];
    let mut done = vec![false; p.edges.len()];
    if !seen.is_empty() {
        seen[0] = true;
    }
    while order.len() < p.edges.len() {
        let i = (0..p.edges.len())
            .find(|&i| !done[i] && (seen[p.edges[i].a] || seen[p.edges[i].b]))
            .ok_or_else(|| Diagnostic::internal("graph", "disconnected pattern"))?;
        done[i] = true;
        seen[p.edges[i].a] = true;
        seen[p.edges[i].b] = true;
        order.push(i);
    }
    let mut s = State {
        g,
        p,
        f,
        cycles,
        order,
        bound: vec![None; p.slots.len()],
        edges: vec![Vec::new(); p.edges.len()],
        path_nodes: vec![Vec::new(); p.edges.len()],
        edge_used: vec![0; g.edge_count()],
        node_used: vec![0; g.node_count()],
        out: Vec::new(),
        span,
    };
    if p.slots.is_empty() {
        return Ok(Vec::new());
    }
    for n in 0..g.node_count() {
        if s.node_ok(0, n) {
            s.bind(0, n);
            s.step(0)?;
            s.unbind(0, n);
        }
    }
    Ok(s.out)
}

impl State<'_> {
    fn node_ok(&self, slot: usize, n: usize) -> bool {
        self.f.slots[slot].as_ref().is_none_or(|ok| ok[n])
    }

    fn bind(&mut self, slot: usize, n: usize) {
        self.bound[slot] = Some(n);
        self.node_used[n] += 1;
    }

    fn unbind(&mut self, slot: usize, n: usize) {
        self.bound[slot] = None;
        self.node_used[n] -= 1;
    }

    fn step(&mut self, k: usize) -> Result<(), Diagnostic> {
        if k == self.order.len() {
            if self.out.len() >= MAX_MATCHES {
                return Err(Diagnostic::at(
                    Code::ExecutionFailed,
                    self.span,
                    format!("the graph pattern has more than {MAX_MATCHES} matches"),
                )
                .with_hint("narrow the pattern: shorter variable length edges, or cycles=none"));
            }
            self.out.push(Match {
                nodes: self.bound.iter().map(|b| b.unwrap_or(0)).collect(),
                edges: self.edges.clone(),
                path_nodes: self.path_nodes.clone(),
            });
            return Ok(());
        }
        let c = self.order[k];
        let e = &self.p.edges[c];
        let (from, to, forward) = match self.bound[e.a] {
            Some(_) => (e.a, e.b, true),
            None => (e.b, e.a, false),
        };
        let start = self.bound[from].unwrap_or(0);
        let mut nodes = vec![start];
        let mut edges = Vec::new();
        self.walk(k, c, to, forward, &mut nodes, &mut edges)
    }

    /// Extend the path of constraint `c` from its last node.
    fn walk(
        &mut self,
        k: usize,
        c: usize,
        to: usize,
        forward: bool,
        nodes: &mut Vec<usize>,
        edges: &mut Vec<usize>,
    ) -> Result<(), Diagnostic> {
        let (min, max, dir) = {
            let e = &self.p.edges[c];
            (e.min, e.max, e.dir)
        };
        let here = *nodes.last().expect("a path has a start");
        let len = edges.len();
        if len >= min {
            self.try_end(k, c, to, forward, nodes, edges)?;
        }
        if len == max {
            return Ok(());
        }
        // follow the pattern's arrow (reversed when walking right to left)
        let (outgoing, incoming) = match (dir, forward) {
            (EdgeDirection::Any, _) => (true, true),
            (EdgeDirection::Right, true) | (EdgeDirection::Left, false) => (true, false),
            _ => (false, true),
        };
        let g = self.g;
        let mut steps: Vec<(usize, usize)> = Vec::new();
        if outgoing {
            steps.extend(g.out_adj[here].iter().map(|&e| (e, g.dst[e])));
        }
        if incoming {
            steps.extend(
                g.in_adj[here]
                    .iter()
                    .filter(|&&e| !(outgoing && g.src[e] == g.dst[e]))
                    .map(|&e| (e, g.src[e])),
            );
        }
        for (e, next) in steps {
            if self.f.edges[c].as_ref().is_some_and(|ok| !ok[e]) {
                continue;
            }
            if self.cycles == Cycles::UniqueEdges && self.edge_used[e] > 0 {
                continue;
            }
            // under `none`, an inner node is never a node already used
            let last = len + 1 == max;
            if self.cycles == Cycles::None && self.node_used[next] > 0 {
                // the path may still end on its bound target slot
                let ends_on_target = self.bound[to] == Some(next) && len + 1 >= min;
                if !ends_on_target {
                    continue;
                }
            }
            self.edge_used[e] += 1;
            edges.push(e);
            nodes.push(next);
            self.node_used[next] += 1;
            let r = if self.cycles == Cycles::None
                && self.node_used[next] > 1
                && !last
                && self.bound[to] == Some(next)
            {
                // only ending here is allowed: do not walk on
                self.try_end(k, c, to, forward, nodes, edges)
            } else {
                self.walk(k, c, to, forward, nodes, edges)
            };
            self.node_used[next] -= 1;
            nodes.pop();
            edges.pop();
            self.edge_used[e] -= 1;
            r?;
        }
        Ok(())
    }

    /// The path so far ends at the constraint's other slot.
    fn try_end(
        &mut self,
        k: usize,
        c: usize,
        to: usize,
        forward: bool,
        nodes: &[usize],
        edges: &[usize],
    ) -> Result<(), Diagnostic> {
        let end = *nodes.last().expect("a path has a start");
        if edges.len() < self.p.edges[c].min {
            return Ok(());
        }
        let store = |s: &mut Self| {
            let (mut ns, mut es) = (nodes.to_vec(), edges.to_vec());
            if !forward {
                ns.reverse();
                es.reverse();
            }
            s.path_nodes[c] = ns;
            s.edges[c] = es;
        };
        match self.bound[to] {
            Some(n) if n == end => {
                store(self);
                self.step(k + 1)
            }
            Some(_) => Ok(()),
            None => {
                if !self.node_ok(to, end) {
                    return Ok(());
                }
                // under `none` a new slot takes an unused node (a zero-length
                // path ends where it starts)
                if self.cycles == Cycles::None && !edges.is_empty() && self.node_used[end] > 1 {
                    return Ok(());
                }
                store(self);
                self.bind(to, end);
                let r = self.step(k + 1);
                self.unbind(to, end);
                r
            }
        }
    }
}

/// Shortest paths of a one-edge pattern `(a)-[e*min..max]-(b)` (`min` at
/// most 1, `a` and `b` distinct names) by breadth-first search from each
/// start node: per reachable target, one shortest path (`all`: every one).
/// Inner nodes are unconstrained; the slot filters apply to the two ends.
pub(crate) fn shortest_bfs(
    g: &Graph,
    p: &Pattern,
    f: &Filters,
    all: bool,
    span: Span,
) -> Result<Vec<Match>, Diagnostic> {
    let e = &p.edges[0];
    let (start_slot, end_slot) = (e.a, e.b);
    let mut out: Vec<Match> = Vec::new();
    let n = g.node_count();
    let mut dist = vec![usize::MAX; n];
    let mut preds: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for s in 0..n {
        if f.slots[start_slot].as_ref().is_some_and(|ok| !ok[s]) {
            continue;
        }
        dist.iter_mut().for_each(|d| *d = usize::MAX);
        preds.iter_mut().for_each(Vec::clear);
        dist[s] = 0;
        let mut order = vec![s];
        let mut frontier = vec![s];
        let mut depth = 0;
        while !frontier.is_empty() && depth < e.max {
            depth += 1;
            let mut next = Vec::new();
            for &u in &frontier {
                let steps = neighbours(g, u, e.dir);
                for (edge, v) in steps {
                    if f.edges[0].as_ref().is_some_and(|ok| !ok[edge]) {
                        continue;
                    }
                    if dist[v] == usize::MAX {
                        dist[v] = depth;
                        next.push(v);
                        order.push(v);
                    }
                    if dist[v] == depth && (all || preds[v].is_empty()) {
                        preds[v].push((edge, u));
                    }
                }
            }
            frontier = next;
        }
        for &v in &order {
            let d = dist[v];
            if d < e.min || f.slots[end_slot].as_ref().is_some_and(|ok| !ok[v]) {
                continue;
            }
            let mut edges = Vec::new();
            let mut nodes = vec![v];
            chains(&preds, s, v, &mut edges, &mut nodes, &mut |edges, nodes| {
                let mut es = edges.to_vec();
                let mut ns = nodes.to_vec();
                es.reverse();
                ns.reverse();
                let mut slots = vec![0; p.slots.len()];
                slots[start_slot] = s;
                slots[end_slot] = v;
                out.push(Match {
                    nodes: slots,
                    edges: vec![es],
                    path_nodes: vec![ns],
                });
            });
            if out.len() > MAX_MATCHES {
                return Err(Diagnostic::at(
                    Code::ExecutionFailed,
                    span,
                    format!("the graph pattern has more than {MAX_MATCHES} matches"),
                ));
            }
        }
    }
    Ok(out)
}

/// The edges a pattern edge of direction `dir` follows from `u` (left to
/// right), with the node each leads to; a self loop counts once.
fn neighbours(g: &Graph, u: usize, dir: EdgeDirection) -> Vec<(usize, usize)> {
    let mut steps = Vec::new();
    let outgoing = matches!(dir, EdgeDirection::Right | EdgeDirection::Any);
    if outgoing {
        steps.extend(g.out_adj[u].iter().map(|&e| (e, g.dst[e])));
    }
    if matches!(dir, EdgeDirection::Left | EdgeDirection::Any) {
        steps.extend(
            g.in_adj[u]
                .iter()
                .filter(|&&e| !(outgoing && g.src[e] == g.dst[e]))
                .map(|&e| (e, g.src[e])),
        );
    }
    steps
}

/// Every predecessor chain from `v` back to `s` (edges and nodes collected
/// from the end).
fn chains(
    preds: &[Vec<(usize, usize)>],
    s: usize,
    v: usize,
    edges: &mut Vec<usize>,
    nodes: &mut Vec<usize>,
    emit: &mut dyn FnMut(&[usize], &[usize]),
) {
    if v == s {
        emit(edges, nodes);
        return;
    }
    for &(e, u) in &preds[v] {
        edges.push(e);
        nodes.push(u);
        chains(preds, s, u, edges, nodes, emit);
        nodes.pop();
        edges.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binder::graph::build::{Computed, make_graph};
    use crate::bound::BoundColumn;
    use crate::types::KqlType;
    use datafusion::arrow::array::{ArrayRef, StringArray};
    use kql_syntax::ast::{GraphOpKind, Ident, OpKind};
    use std::sync::Arc;

    fn graph(pairs: &[(&str, &str)]) -> Graph {
        let s: ArrayRef = Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.0)));
        let t: ArrayRef = Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| p.1)));
        let e = Computed {
            columns: vec![
                BoundColumn::new("s", KqlType::String),
                BoundColumn::new("t", KqlType::String),
            ],
            arrays: vec![s, t],
            rows: pairs.len(),
        };
        let id = |n: &str| Ident {
            name: n.into(),
            span: Span::new(0, 0),
        };
        make_graph(e, &id("s"), &id("t"), Some(&id("name")), Vec::new()).unwrap()
    }

    fn count(pairs: &[(&str, &str)], pattern: &str, cycles: Cycles) -> usize {
        let q = format!("G | graph-match {pattern} project x");
        let script = kql_syntax::parse(&q).unwrap();
        let kql_syntax::ast::Statement::Query(e) = &script.statements[0] else {
            panic!()
        };
        let kql_syntax::ast::ExprKind::Pipe { op, .. } = &e.kind else {
            panic!()
        };
        let OpKind::Graph(g) = &op.kind else { panic!() };
        let GraphOpKind::Match { pattern, .. } = &g.kind else {
            panic!()
        };
        let p = compile(pattern, Span::new(0, 0)).unwrap();
        let g = graph(pairs);
        let f = Filters {
            slots: vec![None; p.slots.len()],
            edges: vec![None; p.edges.len()],
        };
        find(&g, &p, &f, cycles, Span::new(0, 0)).unwrap().len()
    }

    #[test]
    fn directions() {
        let e = [("a", "b"), ("b", "c")];
        assert_eq!(count(&e, "(x)-->(y)", Cycles::UniqueEdges), 2);
        assert_eq!(count(&e, "(x)<--(y)", Cycles::UniqueEdges), 2);
        assert_eq!(count(&e, "(x)--(y)", Cycles::UniqueEdges), 4);
        assert_eq!(count(&e, "(x)-->()-->(y)", Cycles::UniqueEdges), 1);
        assert_eq!(count(&e, "(x)-->(y)<--(z)", Cycles::UniqueEdges), 0);
        assert_eq!(count(&e, "(x)", Cycles::UniqueEdges), 3);
    }

    #[test]
    fn variable_length_and_cycles() {
        let e = [("a", "b"), ("b", "a")];
        assert_eq!(count(&e, "(x)-[e*1..4]->(y)", Cycles::UniqueEdges), 4);
        assert_eq!(count(&e, "(x)-[e*1..4]->(y)", Cycles::All), 8);
        assert_eq!(count(&e, "(x)-[e*1..4]->(y)", Cycles::None), 2);
        assert_eq!(count(&e, "(x)-[e*0..1]->(y)", Cycles::UniqueEdges), 4);
        // a cycle through the pattern's own repeated node
        assert_eq!(count(&e, "(x)-[e*1..3]->(x)", Cycles::None), 2);
        // a self loop is one edge, also undirected
        assert_eq!(count(&[("a", "a")], "(x)--(y)", Cycles::UniqueEdges), 1);
    }

    #[test]
    fn shortest_by_breadth_first_search() {
        let g = graph(&[("a", "b"), ("b", "d"), ("a", "c"), ("c", "d"), ("d", "e")]);
        let p = Pattern {
            slots: vec![Some("x".into()), Some("y".into())],
            edges: vec![EdgeConstraint {
                a: 0,
                b: 1,
                dir: EdgeDirection::Right,
                min: 1,
                max: 3,
                variable: true,
                name: Some("e".into()),
            }],
        };
        let f = Filters {
            slots: vec![None, None],
            edges: vec![None],
        };
        let any = shortest_bfs(&g, &p, &f, false, Span::new(0, 0)).unwrap();
        // a: b, c, d, e; b: d, e; c: d, e; d: e
        assert_eq!(any.len(), 9);
        let a_to_e: Vec<&Match> = any.iter().filter(|m| m.nodes == [0, 4]).collect();
        assert_eq!(a_to_e.len(), 1);
        assert_eq!(a_to_e[0].path_nodes[0], [0, 1, 2, 4]);
        let all = shortest_bfs(&g, &p, &f, true, Span::new(0, 0)).unwrap();
        assert_eq!(all.iter().filter(|m| m.nodes == [0, 4]).count(), 2);
    }

    #[test]
    fn patterns_must_be_connected() {
        let q = "G | graph-match (x)-->(y), (z) project x";
        let script = kql_syntax::parse(q).unwrap();
        let kql_syntax::ast::Statement::Query(e) = &script.statements[0] else {
            panic!()
        };
        let kql_syntax::ast::ExprKind::Pipe { op, .. } = &e.kind else {
            panic!()
        };
        let OpKind::Graph(g) = &op.kind else { panic!() };
        let GraphOpKind::Match { pattern, .. } = &g.kind else {
            panic!()
        };
        assert!(compile(pattern, Span::new(0, 0)).is_err());
    }
}
