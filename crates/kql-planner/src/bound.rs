//! The bound IR: the output of the binder and the input of lowering.
//!
//! A tree of KQL tabular operators whose every output column has a name and a
//! KQL type, and whose every expression is typed. Scalar expressions are held
//! as DataFusion [`Expr`]s that already carry the explicit casts and the
//! Kusto-specific rewrites (null rules, case folding, `has` as a term match),
//! paired with their KQL type; lowering only assembles the plan.

use crate::types::KqlType;
use datafusion::logical_expr::{Expr, SortExpr};
use kql_syntax::ast::Literal;
use std::fmt::{self, Write};

/// A typed output column.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundColumn {
    pub name: String,
    pub ty: KqlType,
}

impl BoundColumn {
    pub fn new(name: impl Into<String>, ty: KqlType) -> Self {
        BoundColumn {
            name: name.into(),
            ty,
        }
    }
}

/// A typed scalar expression.
#[derive(Debug, Clone)]
pub struct BExpr {
    pub expr: Expr,
    pub ty: KqlType,
    /// The literal value when the expression is a constant written in the
    /// query (directly or through a `let`): `in (dyn_array)` expands it.
    pub literal: Option<Literal>,
}

impl BExpr {
    pub fn new(expr: Expr, ty: KqlType) -> Self {
        BExpr {
            expr,
            ty,
            literal: None,
        }
    }
}

/// A bound tabular expression: an operator with typed output columns.
#[derive(Debug, Clone)]
pub struct BoundTabular {
    pub op: BoundOp,
    pub columns: Vec<BoundColumn>,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum BoundOp {
    /// Read a table of the archive. `columns` lists its columns with KQL types.
    Scan {
        table: String,
    },
    /// Rows of constants (`datatable`, `print` without input).
    Values {
        rows: Vec<Vec<BExpr>>,
    },
    /// `range`: one column of values from..=to by step.
    Range {
        from: BExpr,
        to: BExpr,
        step: BExpr,
    },
    Filter {
        input: Box<BoundTabular>,
        predicate: BExpr,
    },
    /// Project exactly these expressions, in order, named as `columns`.
    Project {
        input: Box<BoundTabular>,
        exprs: Vec<BExpr>,
    },
    Aggregate {
        input: Box<BoundTabular>,
        keys: Vec<BExpr>,
        aggregates: Vec<BExpr>,
    },
    Sort {
        input: Box<BoundTabular>,
        keys: Vec<SortExpr>,
    },
    Limit {
        input: Box<BoundTabular>,
        count: usize,
    },
    Distinct {
        input: Box<BoundTabular>,
    },
    /// Outer union by name: each input is already projected to `columns`.
    Union {
        inputs: Vec<BoundTabular>,
    },
}

impl BoundTabular {
    pub fn column(&self, name: &str) -> Option<&BoundColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// An indented, deterministic text form for `explain --stage bound` and
    /// snapshot tests.
    pub fn display_tree(&self) -> String {
        let mut out = String::new();
        self.write_tree(&mut out, 0).expect("writing to a String");
        out
    }

    fn write_tree(&self, out: &mut String, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        let cols = self
            .columns
            .iter()
            .map(|c| format!("{}:{}", c.name, c.ty.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let list = |es: &[BExpr]| {
            es.iter()
                .map(|e| e.expr.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.op {
            BoundOp::Scan { table } => writeln!(out, "{pad}Scan {table} => [{cols}]"),
            BoundOp::Values { rows } => {
                writeln!(out, "{pad}Values rows={} => [{cols}]", rows.len())
            }
            BoundOp::Range { from, to, step } => writeln!(
                out,
                "{pad}Range from={} to={} step={} => [{cols}]",
                from.expr, to.expr, step.expr
            ),
            BoundOp::Filter { input, predicate } => {
                writeln!(out, "{pad}Filter {} => [{cols}]", predicate.expr)?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Project { input, exprs } => {
                writeln!(out, "{pad}Project {} => [{cols}]", list(exprs))?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Aggregate {
                input,
                keys,
                aggregates,
            } => {
                writeln!(
                    out,
                    "{pad}Aggregate keys=[{}] aggs=[{}] => [{cols}]",
                    list(keys),
                    list(aggregates)
                )?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Sort { input, keys } => {
                let ks = keys
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                writeln!(out, "{pad}Sort {ks} => [{cols}]")?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Limit { input, count } => {
                writeln!(out, "{pad}Limit {count} => [{cols}]")?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Distinct { input } => {
                writeln!(out, "{pad}Distinct => [{cols}]")?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Union { inputs } => {
                writeln!(out, "{pad}Union => [{cols}]")?;
                for i in inputs {
                    i.write_tree(out, depth + 1)?;
                }
                Ok(())
            }
        }
    }
}

/// The result of binding a script: the tabular queries it runs, in order.
#[derive(Debug, Clone)]
pub struct BoundScript {
    pub queries: Vec<BoundTabular>,
}

impl BoundScript {
    pub fn display_tree(&self) -> String {
        self.queries
            .iter()
            .map(|q| q.display_tree())
            .collect::<Vec<_>>()
            .join("\n")
    }
}
