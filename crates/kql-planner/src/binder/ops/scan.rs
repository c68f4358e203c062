//! `scan [with_match_id = Name] [declare (Col: type [= Default], ...)]
//! with (step Name [output = all|last|none]: Condition [=> Col = Expr, ...]; ...)`
//! (scan-operator.md).
//!
//! Rules (the matching itself is `kql_functions::tabular::scan`):
//! - The rows are scanned in their serialized order: the sort they come
//!   from, else the order they arrive in.
//! - The output has the input's columns, then the declared ones, then the
//!   match id column (long) when `with_match_id` names it.
//! - In conditions and assignments a bare column is the current record's;
//!   `Step.Col` is the value in the state (an input column or a declared
//!   one), null — or the declared default — when the state has none. A
//!   declared column is read only through a step (its bare name is
//!   refused: the record's own value is what the step assigns).
//! - A declared column without a default is null (a string: empty); a
//!   declared name that the input already has is an error, as are
//!   assignments to undeclared columns and repeated step names.
//! - Not supported yet (refused with KQL4003): the `order by` and
//!   `partition by` clauses and `optional` steps, which the documentation
//!   does not describe. Inside `partition by Col (...)` the scan runs per
//!   value of the column, inside `mv-apply` per input row over its items
//!   (see `mv_apply.rs`).

use super::serialize::in_serial_order;
use super::{Binder, param_text};
use crate::binder::expr::{coerce_to, null_of};
use crate::binder::operators::expect_bool;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular};
use crate::types::{KqlType, arrow_type};
use datafusion::arrow::datatypes::{Field, FieldRef};
use kql_functions::tabular::scan::{
    Declared, ScanProgram, StateColumn, StateValue, Step, StepOutput,
};
use kql_syntax::ast::{Expr, ExprKind, Ident, ParamType, ScanOp, ScanOutput};
use kql_syntax::{Code, Diagnostic, Span};
use std::collections::HashSet;
use std::sync::Arc;

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    scan: &ScanOp,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let match_id = match_id_column(scan)?;
    refuse_undocumented(scan)?;
    let declared = declarations(b, &input, scan)?;
    let mut scope = Scope {
        steps: step_names(scan)?,
        input: &input.columns,
        declared: &declared,
        state: Vec::new(),
    };
    // every state reference first, so the expressions bind over one row type
    let mut rewritten = Vec::new();
    for s in &scan.steps {
        let condition = scope.rewrite(&s.condition)?;
        let assignments = s
            .assignments
            .iter()
            .map(|(col, e)| Ok((col, scope.rewrite(e)?, e.span)))
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        rewritten.push((s, condition, assignments));
    }
    let mut row = input.columns.clone();
    row.extend(
        scope
            .state
            .iter()
            .map(|r| BoundColumn::new(r.name.clone(), r.ty)),
    );
    let mut steps = Vec::new();
    for (s, condition, assignments) in rewritten {
        let condition = b.bind_scalar(&condition, &row)?;
        let condition = expect_bool(condition, s.condition.span, "a scan step's condition")?;
        let mut assigned: Vec<(usize, BExpr)> = Vec::new();
        for (col, e, at) in assignments {
            let Some(d) = declared.iter().position(|d| d.name == col.name) else {
                return Err(Diagnostic::at(
                    Code::UnknownColumn,
                    col.span,
                    format!("'{}' is not a declared column of this scan", col.name),
                )
                .with_hint("steps assign only the columns of `declare (Name: type, ...)`"));
            };
            if assigned.iter().any(|(x, _)| *x == d) {
                return Err(Diagnostic::at(
                    Code::DuplicateName,
                    col.span,
                    format!("'{}' is assigned twice in one step", col.name),
                ));
            }
            let v = b.bind_scalar(&e, &row)?;
            assigned.push((d, coerce_to(v, declared[d].ty, at)?));
        }
        steps.push(Step {
            output: match s.output {
                ScanOutput::All => StepOutput::All,
                ScanOutput::Last => StepOutput::Last,
                ScanOutput::None => StepOutput::None,
            },
            condition: condition.expr,
            assignments: assigned.into_iter().map(|(d, v)| (d, v.expr)).collect(),
        });
    }
    let program = program(&input.columns, &declared, steps, &scope.state);
    let mut columns = input.columns.clone();
    columns.extend(
        declared
            .iter()
            .map(|d| BoundColumn::new(d.name.clone(), d.ty)),
    );
    if let Some((name, at)) = &match_id {
        if columns.iter().any(|c| &c.name == name) {
            return Err(Diagnostic::at(
                Code::DuplicateName,
                *at,
                format!("the match id column '{name}' is already a column"),
            ));
        }
        columns.push(BoundColumn::new(name.clone(), KqlType::Long));
    }
    let (input, order) = in_serial_order(input, span)?;
    Ok(BoundTabular {
        op: BoundOp::StepScan {
            input: Box::new(input),
            order,
            partition: Vec::new(),
            program: Arc::new(program),
            match_id: match_id.map(|(n, _)| n),
        },
        columns,
    })
}

/// `with_match_id = Name`, the only parameter (hints aside).
fn match_id_column(scan: &ScanOp) -> Result<Option<(String, Span)>, Diagnostic> {
    let mut out = None;
    for p in &scan.params {
        match (p.name.name.as_str(), param_text(p)) {
            ("with_match_id", Some(n)) => out = Some((n, p.span)),
            (n, _) if n.starts_with("hint.") => {}
            (n, _) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    p.span,
                    format!("unknown or invalid scan parameter '{n}'"),
                )
                .with_hint("scan takes with_match_id=Name"));
            }
        }
    }
    Ok(out)
}

fn refuse_undocumented(scan: &ScanOp) -> Result<(), Diagnostic> {
    let refuse = |at: Span, what: &str, hint: &str| {
        Err(Diagnostic::at(
            Code::UnsupportedFeature,
            at,
            format!("{what} is not supported yet: the documentation does not describe it"),
        )
        .with_hint(hint.to_string()))
    };
    if let Some(k) = scan.order.first() {
        return refuse(
            k.span,
            "scan's `order by` clause",
            "sort the rows before the scan: `| sort by Col asc | scan ...`",
        );
    }
    if let Some(e) = scan.partition.first() {
        return refuse(
            e.span,
            "scan's `partition by` clause",
            "use `| partition by Col (sort by ... asc | scan ...)`",
        );
    }
    if let Some(s) = scan.steps.iter().find(|s| s.optional) {
        return refuse(s.span, "an `optional` scan step", "remove `optional`");
    }
    Ok(())
}

fn step_names(scan: &ScanOp) -> Result<Vec<String>, Diagnostic> {
    let mut names: Vec<String> = Vec::new();
    for s in &scan.steps {
        if names.contains(&s.name.name) {
            return Err(Diagnostic::at(
                Code::DuplicateName,
                s.name.span,
                format!("the step name '{}' is used twice", s.name.name),
            ));
        }
        names.push(s.name.name.clone());
    }
    Ok(names)
}

/// A declared column: name, type and default.
struct DeclaredColumn {
    name: String,
    ty: KqlType,
    default: BExpr,
}

fn declarations(
    b: &mut Binder,
    input: &BoundTabular,
    scan: &ScanOp,
) -> Result<Vec<DeclaredColumn>, Diagnostic> {
    let mut out: Vec<DeclaredColumn> = Vec::new();
    for p in &scan.declare {
        let ParamType::Scalar(ty) = &p.ty else {
            return Err(Diagnostic::at(
                Code::TypeMismatch,
                p.span,
                format!("the scan column '{}' needs a scalar type", p.name.name),
            ));
        };
        let name = &p.name.name;
        if input.column(name).is_some() || out.iter().any(|d| &d.name == name) {
            return Err(Diagnostic::at(
                Code::DuplicateName,
                p.name.span,
                format!("the declared column '{name}' is already a column"),
            )
            .with_hint("declare a new name"));
        }
        let default = match &p.default {
            None => null_of(*ty),
            Some(d) => {
                let v = coerce_to(b.bind_scalar(d, &[])?, *ty, d.span)?;
                if !v.expr.column_refs().is_empty() {
                    return Err(Diagnostic::at(
                        Code::BadArgument,
                        d.span,
                        "a declared column's default must be a constant",
                    ));
                }
                v
            }
        };
        out.push(DeclaredColumn {
            name: name.clone(),
            ty: *ty,
            default,
        });
    }
    Ok(out)
}

/// A state column the expressions read: `Step.Col` under a hidden name.
struct StateRef {
    name: String,
    ty: KqlType,
    step: usize,
    column: String,
    declared: bool,
}

struct Scope<'a> {
    steps: Vec<String>,
    input: &'a [BoundColumn],
    declared: &'a [DeclaredColumn],
    state: Vec<StateRef>,
}

impl Scope<'_> {
    /// `e` with every `Step.Col` replaced by the name of its state column.
    fn rewrite(&mut self, e: &Expr) -> Result<Expr, Diagnostic> {
        match &e.kind {
            ExprKind::Member { target, name } => {
                if let ExprKind::Name(step) = &target.kind
                    && let Some(k) = self.steps.iter().position(|s| *s == step.name)
                {
                    return Ok(Expr {
                        kind: ExprKind::Name(self.state_ref(k, name)?),
                        span: e.span,
                    });
                }
                e.try_map_children(&mut |c| self.rewrite(c))
            }
            ExprKind::Name(n) if self.steps.contains(&n.name) => Err(Diagnostic::at(
                Code::BadArgument,
                e.span,
                format!(
                    "'{}' is a scan step: read its columns ({}.Column)",
                    n.name, n.name
                ),
            )),
            // (a declared name is never an input column: `declarations` refuses it)
            ExprKind::Name(n) if self.declared.iter().any(|d| d.name == n.name) => {
                Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    e.span,
                    format!(
                        "the declared column '{}' is read through a step here ({}.{})",
                        n.name,
                        self.steps.first().map_or("Step", String::as_str),
                        n.name
                    ),
                )
                .with_hint("Step.Column is the value in that step's state"))
            }
            _ => e.try_map_children(&mut |c| self.rewrite(c)),
        }
    }

    fn state_ref(&mut self, step: usize, col: &Ident) -> Result<Ident, Diagnostic> {
        let name = format!("__kql_scan_{step}_{}", col.name);
        if !self.state.iter().any(|r| r.name == name) {
            let (ty, declared) = if let Some(c) = self.input.iter().find(|c| c.name == col.name) {
                (c.ty, false)
            } else if let Some(d) = self.declared.iter().find(|d| d.name == col.name) {
                (d.ty, true)
            } else {
                return Err(Diagnostic::at(
                    Code::UnknownColumn,
                    col.span,
                    format!(
                        "the scan step '{}' has no column '{}'",
                        self.steps[step], col.name
                    ),
                )
                .with_hint("a step's state has the input's columns and the declared ones"));
            };
            self.state.push(StateRef {
                name: name.clone(),
                ty,
                step,
                column: col.name.clone(),
                declared,
            });
        }
        Ok(Ident {
            name,
            span: col.span,
        })
    }
}

fn field(name: &str, ty: KqlType) -> FieldRef {
    Arc::new(Field::new(name, arrow_type(ty), true))
}

/// The program of the window function: the input columns it reads (the
/// current row's and the state's), the declared columns, the steps.
fn program(
    input: &[BoundColumn],
    declared: &[DeclaredColumn],
    steps: Vec<Step>,
    state: &[StateRef],
) -> ScanProgram {
    let state_names: HashSet<&str> = state.iter().map(|r| r.name.as_str()).collect();
    let mut read: HashSet<String> = HashSet::new();
    for s in &steps {
        for e in std::iter::once(&s.condition).chain(s.assignments.iter().map(|(_, e)| e)) {
            read.extend(
                e.column_refs()
                    .into_iter()
                    .filter(|c| !state_names.contains(c.name.as_str()))
                    .map(|c| c.name.clone()),
            );
        }
    }
    read.extend(
        state
            .iter()
            .filter(|r| !r.declared)
            .map(|r| r.column.clone()),
    );
    let inputs: Vec<&BoundColumn> = input.iter().filter(|c| read.contains(&c.name)).collect();
    let position = |name: &str| inputs.iter().position(|c| c.name == name).unwrap_or(0);
    ScanProgram {
        inputs: inputs.iter().map(|c| field(&c.name, c.ty)).collect(),
        declared: declared
            .iter()
            .map(|d| Declared {
                field: field(&d.name, d.ty),
                default: d.default.expr.clone(),
            })
            .collect(),
        steps,
        state: state
            .iter()
            .map(|r| StateColumn {
                field: field(&r.name, r.ty),
                step: r.step,
                value: if r.declared {
                    StateValue::Declared(
                        declared
                            .iter()
                            .position(|d| d.name == r.column)
                            .unwrap_or(0),
                    )
                } else {
                    StateValue::Input(position(&r.column))
                },
            })
            .collect(),
    }
}
