//! Helpers shared by the parser's unit tests.

use crate::ast::*;
use crate::parse;
use crate::printer::print_sexpr;

/// The last operator of the (only) query statement.
pub(crate) fn last_op(src: &str) -> OpKind {
    let script = parse(src).unwrap_or_else(|d| panic!("{}", d.render(src, "test")));
    let Some(Statement::Query(e)) = script.statements.last() else {
        panic!("no query in {src}")
    };
    match &e.kind {
        ExprKind::Pipe { op, .. } => op.kind.clone(),
        ExprKind::Source(op) => op.kind.clone(),
        other => panic!("not a pipeline: {other:?}"),
    }
}

pub(crate) fn names(items: &[NamedExpr]) -> Vec<String> {
    items
        .iter()
        .map(|n| {
            let lhs: Vec<&str> = n.names.iter().map(|i| i.name.as_str()).collect();
            format!("{}={}", lhs.join(","), print_sexpr(&n.expr))
        })
        .collect()
}

pub(crate) fn params(p: &[OpParam]) -> Vec<String> {
    p.iter()
        .map(|p| format!("{}={}", p.name.name, print_sexpr(&p.value)))
        .collect()
}
