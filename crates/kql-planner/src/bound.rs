//! The bound IR: the output of the binder and the input of lowering.
//!
//! A tree of KQL tabular operators whose every output column has a name and a
//! KQL type, and whose every expression is typed. Scalar expressions are held
//! as DataFusion [`Expr`]s that already carry the explicit casts and the
//! Kusto-specific rewrites (null rules, case folding, `has` as a term match),
//! paired with their KQL type; lowering only assembles the plan.

use crate::types::KqlType;
use datafusion::logical_expr::{Expr, SortExpr};
use kql_functions::tabular::scan::ScanProgram;
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

/// The name of the column that marks an *open* schema: the output of
/// `bag_unpack` / `pivot` bound without data (`kql check`), whose columns
/// depend on the data. A name the row lacks then binds as a dynamic null
/// instead of an unknown column, as Kusto's own language service treats
/// such schemas; a plan holding the marker cannot be lowered (run).
pub const OPEN_SCHEMA_COLUMN: &str = "\u{1}columns known only from the data";

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
    /// `parse` / `parse-where`: `call` (a `kql_parse` call over the input)
    /// yields a struct; each `(column, field)` of `fields` becomes an output
    /// column (replacing an input column of that name, at the end).
    Parse {
        input: Box<BoundTabular>,
        call: Expr,
        fields: Vec<(String, String)>,
        /// `parse-where`: keep only the rows that matched.
        matched_only: bool,
    },
    /// `mv-expand` (and the expansion step of `mv-apply`): each of `lists`
    /// (hidden name, list-valued expression over the input) is computed,
    /// then all are unnested together (zipped, shorter lists padded with
    /// nulls); `index` names a hidden list of item positions unnested with
    /// them. `outputs` compute `columns` over the input columns and the
    /// unnested hidden ones.
    Expand {
        input: Box<BoundTabular>,
        lists: Vec<(String, Expr)>,
        index: Option<String>,
        outputs: Vec<BExpr>,
    },
    /// An equi-join (`join`, `lookup`). `keys` pairs an expression over the
    /// left columns with one over the right columns, of the same type;
    /// nulls match nothing. `outputs` says where each of `columns` comes from.
    Join {
        left: Box<BoundTabular>,
        right: Box<BoundTabular>,
        kind: JoinKind,
        keys: Vec<(Expr, Expr)>,
        outputs: Vec<(JoinSide, String)>,
    },
    /// The first `count` rows of each group of equal `partition` values, in
    /// `order` (any rows when it is empty): `join`'s innerunique left side,
    /// `take` / `top` inside `mv-apply`.
    TopPerGroup {
        input: Box<BoundTabular>,
        partition: Vec<Expr>,
        order: Vec<SortExpr>,
        count: usize,
    },
    /// The input with one more column (the last of `columns`, long): the
    /// row's number, 1, 2, ... (`mv-apply` tells its rows apart with it).
    RowNumber {
        input: Box<BoundTabular>,
    },
    /// A serialized row set (`serialize`, or the input of the row-window
    /// functions `row_number()`, `prev()`, ...): the input in its order, plus
    /// one column per window of `windows` (the last columns of `columns`).
    /// `order` is the sort the input's order comes from when it is still
    /// expressible over the input's columns.
    Window {
        input: Box<BoundTabular>,
        order: Vec<SortExpr>,
        windows: Vec<WindowDef>,
    },
    /// `scan`: `input`'s rows in `order` (its serialized order; empty: as
    /// they come) run through `program`'s steps, separately for each value
    /// of `partition`. `columns` are the input's, the declared ones, then
    /// the match id column when `with_match_id` names one.
    StepScan {
        input: Box<BoundTabular>,
        order: Vec<SortExpr>,
        partition: Vec<Expr>,
        program: std::sync::Arc<ScanProgram>,
        match_id: Option<String>,
    },
}

/// One row-window column of a [`BoundOp::Window`]: `func` computed in the
/// row order; `restart` (a bool expression, null = false) starts a new
/// numbering / sum at the rows where it is true; `partition` (columns)
/// computes it separately for each of their values (mv-apply's input rows).
#[derive(Debug, Clone)]
pub struct WindowDef {
    pub name: String,
    pub func: WindowFunc,
    pub restart: Option<Expr>,
    pub partition: Vec<Expr>,
}

impl fmt::Display for WindowFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowFunc::RowNumber { start } => write!(f, "row_number({start})"),
            WindowFunc::Shift {
                value,
                offset,
                default,
            } => write!(f, "shift({value}, {offset}, {default})"),
            WindowFunc::CumSum { value } => write!(f, "row_cumsum({value})"),
            WindowFunc::RankMin { value } => write!(f, "row_rank_min({value})"),
            WindowFunc::RankDense { value } => write!(f, "row_rank_dense({value})"),
            WindowFunc::Session {
                value,
                max_from_first,
                max_between,
            } => write!(
                f,
                "row_window_session({value}, {max_from_first}, {max_between})"
            ),
        }
    }
}

/// The row-window functions.
#[derive(Debug, Clone)]
pub enum WindowFunc {
    /// `row_number(start)`: start, start + 1, ...
    RowNumber { start: i64 },
    /// `prev(value, offset, default)` (offset > 0 looks back) and
    /// `next(...)` (offset < 0 looks forward).
    Shift {
        value: Expr,
        offset: i64,
        default: datafusion::common::ScalarValue,
    },
    /// `row_cumsum(value)`: the running sum.
    CumSum { value: Expr },
    /// `row_rank_min(value)`: the row number of the first row of the run of
    /// equal values the row is in.
    RankMin { value: Expr },
    /// `row_rank_dense(value)`: the number of runs of equal values so far.
    RankDense { value: Expr },
    /// `row_window_session(value, max_from_first, max_between_neighbors)`:
    /// the datetime the row's session started with (all three as Int64 ns).
    Session {
        value: Expr,
        max_from_first: Expr,
        max_between: Expr,
    },
}

/// How a [`BoundOp::Join`] matches rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftSemi,
    LeftAnti,
    RightSemi,
    RightAnti,
}

impl JoinKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKind::Inner => "inner",
            JoinKind::LeftOuter => "leftouter",
            JoinKind::RightOuter => "rightouter",
            JoinKind::FullOuter => "fullouter",
            JoinKind::LeftSemi => "leftsemi",
            JoinKind::LeftAnti => "leftanti",
            JoinKind::RightSemi => "rightsemi",
            JoinKind::RightAnti => "rightanti",
        }
    }
}

/// The side of a join an output column comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinSide {
    Left,
    Right,
}

impl BoundTabular {
    pub fn column(&self, name: &str) -> Option<&BoundColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether this yields no row whatever the data: an empty `datatable`,
    /// a `where` that is never true (see `binder/fold.rs`), and what is
    /// built on them alone.
    pub fn is_statically_empty(&self) -> bool {
        match &self.op {
            BoundOp::Values { rows } => rows.is_empty(),
            BoundOp::Limit { input, count } => *count == 0 || input.is_statically_empty(),
            BoundOp::Filter { input, .. }
            | BoundOp::Project { input, .. }
            | BoundOp::Sort { input, .. }
            | BoundOp::Distinct { input }
            | BoundOp::Parse { input, .. }
            | BoundOp::Expand { input, .. }
            | BoundOp::TopPerGroup { input, .. }
            | BoundOp::RowNumber { input }
            | BoundOp::Window { input, .. }
            | BoundOp::StepScan { input, .. } => input.is_statically_empty(),
            // grouped: no group without rows (`count()` alone still gives one row)
            BoundOp::Aggregate { input, keys, .. } => {
                !keys.is_empty() && input.is_statically_empty()
            }
            BoundOp::Union { inputs } => inputs.iter().all(BoundTabular::is_statically_empty),
            BoundOp::Scan { .. } | BoundOp::Range { .. } | BoundOp::Join { .. } => false,
        }
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
            BoundOp::Parse {
                input,
                call,
                fields,
                matched_only,
            } => {
                let fs = fields
                    .iter()
                    .map(|(c, f)| format!("{c}={f}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let what = if *matched_only { "ParseWhere" } else { "Parse" };
                writeln!(out, "{pad}{what} {call} [{fs}] => [{cols}]")?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Expand {
                input,
                lists,
                index,
                outputs,
            } => {
                let ls = lists
                    .iter()
                    .map(|(n, e)| format!("{n}={e}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let ix = index
                    .as_ref()
                    .map(|i| format!(" index={i}"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{pad}Expand [{ls}]{ix} outputs=[{}] => [{cols}]",
                    list(outputs)
                )?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Join {
                left,
                right,
                kind,
                keys,
                outputs: _,
            } => {
                let ks = keys
                    .iter()
                    .map(|(l, r)| format!("{l} == {r}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                writeln!(
                    out,
                    "{pad}Join kind={} on [{ks}] => [{cols}]",
                    kind.as_str()
                )?;
                left.write_tree(out, depth + 1)?;
                right.write_tree(out, depth + 1)
            }
            BoundOp::TopPerGroup {
                input,
                partition,
                order,
                count,
            } => {
                let ps = partition
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                let os = order
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                writeln!(
                    out,
                    "{pad}TopPerGroup {count} by [{ps}] order [{os}] => [{cols}]"
                )?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::RowNumber { input } => {
                writeln!(out, "{pad}RowNumber => [{cols}]")?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::Window {
                input,
                order,
                windows,
            } => {
                let os = order
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                let ws = windows
                    .iter()
                    .map(|w| {
                        let restart = w
                            .restart
                            .as_ref()
                            .map(|r| format!(" restart {r}"))
                            .unwrap_or_default();
                        format!("{}={}{restart}", w.name, w.func)
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                writeln!(out, "{pad}Window order [{os}] [{ws}] => [{cols}]")?;
                input.write_tree(out, depth + 1)
            }
            BoundOp::StepScan {
                input,
                order,
                partition,
                program,
                ..
            } => {
                let list = |items: Vec<String>| items.join(", ");
                let os = list(order.iter().map(|k| k.to_string()).collect());
                let ps = list(partition.iter().map(|p| p.to_string()).collect());
                writeln!(out, "{pad}StepScan order [{os}] by [{ps}] => [{cols}]")?;
                for (i, step) in program.steps.iter().enumerate() {
                    let assigns = list(
                        step.assignments
                            .iter()
                            .map(|(d, e)| format!("{} = {e}", program.declared[*d].field.name()))
                            .collect(),
                    );
                    writeln!(
                        out,
                        "{pad}  step {i} output={:?}: {} => [{assigns}]",
                        step.output, step.condition
                    )?;
                }
                input.write_tree(out, depth + 1)
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
