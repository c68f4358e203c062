//! Graph operators: `make-graph`, `graph-match`, `graph-shortest-paths`,
//! `graph-to-table`, `graph-mark-components`, and the graph pattern notation
//! `(a)-[e*1..3]->(b)<--(c), (b)--(d)`.

use super::{Builder, Result, Rule, children, span_of};
use crate::ast::{
    EdgeDirection, GraphEdge, GraphNode, GraphOp, GraphOpKind, GraphParam, GraphPath,
    GraphTablePart,
};
use crate::diagnostic::{Code, Diagnostic};
use pest::iterators::Pair;

impl Builder {
    /// The operator `rule` from its meaningful children.
    pub(super) fn graph_op(
        &mut self,
        rule: Rule,
        raw: String,
        parts: Vec<Pair<'_, Rule>>,
    ) -> Result<GraphOp> {
        let kind = match rule {
            Rule::make_graph_op => self.make_graph(parts)?,
            Rule::graph_match_op | Rule::graph_shortest_paths_op => {
                let mut params = Vec::new();
                let mut pattern = Vec::new();
                let mut predicate = None;
                let mut project = None;
                for c in parts {
                    match c.as_rule() {
                        Rule::graph_param => params.push(self.graph_param(c)?),
                        Rule::graph_pattern => {
                            for path in children(c) {
                                pattern.push(self.graph_path(path)?);
                            }
                        }
                        Rule::graph_where => {
                            let e = children(c)
                                .into_iter()
                                .next()
                                .ok_or_else(|| shape("where"))?;
                            predicate = Some(self.expr(e)?);
                        }
                        Rule::graph_project => {
                            project = Some(self.named_exprs(children(c).into_iter())?);
                        }
                        _ => return Err(shape("graph-match")),
                    }
                }
                GraphOpKind::Match {
                    shortest: rule == Rule::graph_shortest_paths_op,
                    params,
                    pattern,
                    predicate,
                    project,
                }
            }
            Rule::graph_to_table_op => {
                let mut out = Vec::new();
                for part in parts {
                    let span = span_of(&part);
                    let mut t = GraphTablePart {
                        edges: false,
                        name: None,
                        params: Vec::new(),
                        span,
                    };
                    for c in children(part) {
                        match c.as_rule() {
                            Rule::gtt_kind => t.edges = c.as_str() == "edges",
                            Rule::gtt_as => {
                                let n =
                                    children(c).into_iter().next().ok_or_else(|| shape("as"))?;
                                t.name = Some(self.any_name(n)?);
                            }
                            Rule::graph_param => t.params.push(self.graph_param(c)?),
                            _ => return Err(shape("graph-to-table")),
                        }
                    }
                    out.push(t);
                }
                GraphOpKind::ToTable(out)
            }
            Rule::graph_mark_components_op => GraphOpKind::MarkComponents {
                params: parts
                    .into_iter()
                    .map(|c| self.graph_param(c))
                    .collect::<Result<_>>()?,
            },
            _ => return Err(shape("graph operator")),
        };
        Ok(GraphOp { kind, raw })
    }

    fn make_graph(&mut self, parts: Vec<Pair<'_, Rule>>) -> Result<GraphOpKind> {
        let mut it = parts.into_iter();
        let source = self.any_name(it.next().ok_or_else(|| shape("make-graph"))?)?;
        let target = self.any_name(it.next().ok_or_else(|| shape("make-graph"))?)?;
        let mut node_id = None;
        let mut node_tables = Vec::new();
        let mut partition = None;
        for c in it {
            match c.as_rule() {
                Rule::mg_node_id => {
                    let n = children(c)
                        .into_iter()
                        .next()
                        .ok_or_else(|| shape("with_node_id"))?;
                    node_id = Some(self.any_name(n)?);
                }
                Rule::mg_node_tables => {
                    for t in children(c) {
                        let mut tp = children(t).into_iter();
                        let table = self.expr(tp.next().ok_or_else(|| shape("nodes"))?)?;
                        let id = self.any_name(tp.next().ok_or_else(|| shape("nodes"))?)?;
                        node_tables.push((table, id));
                    }
                }
                Rule::mg_partition => {
                    let mut tp = children(c).into_iter();
                    let column =
                        self.any_name(tp.next().ok_or_else(|| shape("partitioned-by"))?)?;
                    let body = self.subquery(tp.next().ok_or_else(|| shape("partitioned-by"))?)?;
                    partition = Some((column, body));
                }
                _ => return Err(shape("make-graph")),
            }
        }
        Ok(GraphOpKind::MakeGraph {
            source,
            target,
            node_id,
            node_tables,
            partition,
        })
    }

    fn graph_param(&mut self, p: Pair<'_, Rule>) -> Result<GraphParam> {
        let span = span_of(&p);
        let mut it = children(p).into_iter();
        let name = it
            .next()
            .ok_or_else(|| shape("option"))?
            .as_str()
            .to_string();
        let value = self.any_name(it.next().ok_or_else(|| shape("option"))?)?;
        Ok(GraphParam { name, value, span })
    }

    fn graph_path(&mut self, p: Pair<'_, Rule>) -> Result<GraphPath> {
        let span = span_of(&p);
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        for c in children(p) {
            match c.as_rule() {
                Rule::graph_node => {
                    let span = span_of(&c);
                    let name = match children(c).into_iter().next() {
                        Some(n) => Some(self.any_name(n)?),
                        None => None,
                    };
                    nodes.push(GraphNode { name, span });
                }
                Rule::graph_edge => edges.push(self.graph_edge(c)?),
                _ => return Err(shape("graph pattern")),
            }
        }
        Ok(GraphPath { nodes, edges, span })
    }

    fn graph_edge(&mut self, p: Pair<'_, Rule>) -> Result<GraphEdge> {
        let span = span_of(&p);
        let inner = children(p)
            .into_iter()
            .next()
            .ok_or_else(|| shape("edge"))?;
        let direction = match inner.as_rule() {
            Rule::edge_right => EdgeDirection::Right,
            Rule::edge_left => EdgeDirection::Left,
            _ => EdgeDirection::Any,
        };
        let mut name = None;
        let mut range = None;
        if let Some(body) = children(inner).into_iter().next() {
            for c in children(body) {
                match c.as_rule() {
                    Rule::edge_range => {
                        let rspan = span_of(&c);
                        let bounds: Vec<u32> = children(c)
                            .into_iter()
                            .map(|b| {
                                b.as_str().parse::<u32>().map_err(|_| {
                                    Diagnostic::at(
                                        Code::BadLiteral,
                                        span_of(&b),
                                        "the bound of a variable length edge is too large",
                                    )
                                })
                            })
                            .collect::<Result<_>>()?;
                        let [min, max] = bounds[..] else {
                            return Err(shape("edge range"));
                        };
                        if min > max {
                            return Err(Diagnostic::at(
                                Code::Syntax,
                                rspan,
                                format!(
                                    "a variable length edge needs min <= max, got *{min}..{max}"
                                ),
                            ));
                        }
                        range = Some((min, max));
                    }
                    _ => name = Some(self.any_name(c)?),
                }
            }
        }
        Ok(GraphEdge {
            name,
            direction,
            range,
            span,
        })
    }
}

fn shape(what: &str) -> Diagnostic {
    Diagnostic::internal("parser", format!("graph operator: {what}"))
}

#[cfg(test)]
mod tests {
    use crate::ast::*;
    use crate::parser::test_util::last_op;

    fn graph(src: &str) -> GraphOpKind {
        match last_op(src) {
            OpKind::Graph(g) => g.kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn make_graph_forms() {
        let GraphOpKind::MakeGraph {
            source,
            target,
            node_id,
            node_tables,
            partition,
        } = graph("E | make-graph a --> b with N on id, (M | take 1) on k")
        else {
            panic!()
        };
        assert_eq!((source.name.as_str(), target.name.as_str()), ("a", "b"));
        assert!(node_id.is_none() && partition.is_none());
        assert_eq!(node_tables.len(), 2);
        assert_eq!(node_tables[1].1.name, "k");
        let GraphOpKind::MakeGraph { node_id, .. } =
            graph("E | make-graph a-->b with_node_id=name")
        else {
            panic!()
        };
        assert_eq!(node_id.map(|i| i.name), Some("name".into()));
        let GraphOpKind::MakeGraph { partition, .. } = graph(
            "E | make-graph a --> b with N on id partitioned-by t (graph-match (x)-->(y) project x.id)",
        ) else {
            panic!()
        };
        assert_eq!(partition.map(|p| p.0.name), Some("t".into()));
    }

    #[test]
    fn patterns() {
        let GraphOpKind::Match {
            shortest,
            params,
            pattern,
            predicate,
            project,
        } = graph(
            "G | graph-match cycles=none (a)-[e*1..3]->(b)<-[f]-()--(c)-->(d)<--(a), (b)-[*0..2]-(x) where a.k == 1 project a.k, n = map(e, p)",
        )
        else {
            panic!()
        };
        assert!(!shortest);
        assert_eq!(params[0].name, "cycles");
        assert_eq!(params[0].value.name, "none");
        assert_eq!(pattern.len(), 2);
        let dirs: Vec<_> = pattern[0]
            .edges
            .iter()
            .map(|e| {
                (
                    e.name.as_ref().map(|n| n.name.clone()),
                    e.direction,
                    e.range,
                )
            })
            .collect();
        assert_eq!(
            dirs,
            [
                (Some("e".into()), EdgeDirection::Right, Some((1, 3))),
                (Some("f".into()), EdgeDirection::Left, None),
                (None, EdgeDirection::Any, None),
                (None, EdgeDirection::Right, None),
                (None, EdgeDirection::Left, None),
            ]
        );
        assert_eq!(pattern[0].nodes.len(), 6);
        assert!(pattern[0].nodes[2].name.is_none());
        assert_eq!(pattern[1].edges[0].range, Some((0, 2)));
        assert_eq!(pattern[1].edges[0].direction, EdgeDirection::Any);
        assert!(predicate.is_some());
        assert_eq!(project.map(|p| p.len()), Some(2));
        assert!(matches!(
            graph(
                "G | graph-shortest-paths output=all (a)-[e*1..5]->(b) where a.x == 1 project a.x"
            ),
            GraphOpKind::Match { shortest: true, .. }
        ));
        assert!(crate::parse("G | graph-match (a)-[e*3..1]->(b) project a.x").is_err());
    }

    #[test]
    fn to_table_and_components() {
        let GraphOpKind::ToTable(parts) = graph(
            "G | graph-to-table nodes as N with_node_id=id, edges as E with_source_id=s with_target_id=t",
        ) else {
            panic!()
        };
        assert_eq!(parts.len(), 2);
        assert!(!parts[0].edges && parts[1].edges);
        assert_eq!(parts[1].params.len(), 2);
        assert_eq!(parts[0].name.as_ref().map(|n| n.name.as_str()), Some("N"));
        let GraphOpKind::MarkComponents { params } =
            graph("G | graph-mark-components kind=strong with_component_id=c")
        else {
            panic!()
        };
        assert_eq!(params.len(), 2);
    }
}
