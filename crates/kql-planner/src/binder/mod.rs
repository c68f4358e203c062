//! The binder: AST + catalog → bound IR.
//!
//! Resolves every name (columns, `let`s, tables, functions), gives every
//! expression its KQL type, applies Kusto's promotion and null rules, and
//! names every output column the way Kusto does. Binding is synchronous and
//! pure: everything it needs from the outside world comes through
//! [`Catalog`], so its output can be snapshot-tested.
//!
//! This module holds the scopes and the statement / tabular-expression
//! dispatch; each KQL operator has its own file under `ops/`, and scalar
//! expressions live in `expr.rs`, `operators.rs`, `literal.rs`,
//! `functions.rs` and `aggregates.rs`.

mod aggregates;
mod eager;
mod expr;
pub(crate) mod fold;
mod functions;
mod graph;
mod literal;
mod naming;
mod operators;
mod ops;
mod workspace;

use crate::bound::{BExpr, BoundColumn, BoundScript, BoundTabular};
use crate::catalog::Catalog;
use kql_syntax::ast::{self, ExprKind, FunctionDef, LetValue, Statement};
use kql_syntax::diagnostic::suggest;
use kql_syntax::{Code, Diagnostic, Span};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Explicit cast to a KQL type (lowering's subqueries use it too).
pub(crate) use expr::cast_to;

/// Settings that change what a query means.
#[derive(Debug, Clone)]
pub struct BindOptions {
    /// The value of `now()` for the whole query, in nanoseconds since the Unix
    /// epoch (Kusto: one value per query).
    pub now_ns: i64,
    /// A scheduled rule's look-back: every archive table the query reads is
    /// limited to `TimeGenerated` in `[from, to]` (nanoseconds, inclusive),
    /// as Sentinel limits a rule's query to its `queryPeriod`.
    pub time_window: Option<(i64, i64)>,
}

impl BindOptions {
    pub fn at(now_ns: i64) -> Self {
        BindOptions {
            now_ns,
            time_window: None,
        }
    }
}

/// Does a table or column name match a pattern with `*` wildcards?
pub fn matches_wildcard(pattern: &str, name: &str) -> bool {
    ops::matches_pattern(pattern, name)
}

/// Bind a parsed script against a catalog.
pub fn bind(
    script: &ast::Script,
    catalog: &dyn Catalog,
    options: &BindOptions,
) -> Result<BoundScript, Diagnostic> {
    let mut binder = Binder::new(catalog, options);
    let mut queries = Vec::new();
    for stmt in &script.statements {
        if let Some(q) = binder.bind_statement(stmt)? {
            queries.push(q);
        }
    }
    if queries.is_empty() {
        return Err(Diagnostic::at(
            Code::Syntax,
            Span::new(script.span.end, script.span.end),
            "the query has no tabular expression to run",
        )
        .with_hint(
            "after the `let` statements, write the query itself, e.g. `MyTable | take 10`",
        ));
    }
    Ok(BoundScript { queries })
}

/// What a `let` name stands for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(crate) enum LetBinding {
    Scalar(BExpr),
    Tabular(BoundTabular),
    Function(Rc<FunctionDef>),
}

/// A bound expression of either kind.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Bound {
    Scalar(BExpr),
    Tabular(BoundTabular),
}

/// One level of `let` names. A barrier scope (a workspace function's body)
/// hides every scope below it: saved functions see only their parameters
/// and their own `let`s, never the caller's.
#[derive(Default)]
struct Scope {
    names: HashMap<String, LetBinding>,
    barrier: bool,
}

pub(crate) struct Binder<'a> {
    pub catalog: &'a dyn Catalog,
    pub options: &'a BindOptions,
    scopes: Vec<Scope>,
    /// Nesting depth of user-function calls, to stop runaway recursion.
    call_depth: usize,
    /// The catalog's in-memory tables this query made (materialized
    /// results, feeds, watchlists): materializing a scan of one is a no-op.
    pub memory_tables: HashSet<String>,
    /// While binding a `summarize` result that wraps aggregates
    /// (`round(avg(x), 2)`): the input row the aggregate calls inside read.
    pub(crate) aggregate_row: Option<Vec<BoundColumn>>,
    /// While binding an operator that may call row-window functions
    /// (`row_number()`, `prev()`, ...): whether its input is serialized and
    /// the window columns the calls asked for (`ops/serialize.rs`).
    pub(crate) window: Option<functions::window::WindowScope>,
    /// While binding an operator of an mv-apply subquery: the order of each
    /// input row's rows there (empty when none is known), for the
    /// row-window functions it may call.
    pub(crate) mv_apply_order: Option<Vec<datafusion::logical_expr::SortExpr>>,
}

impl<'a> Binder<'a> {
    fn new(catalog: &'a dyn Catalog, options: &'a BindOptions) -> Self {
        Binder {
            catalog,
            options,
            scopes: vec![Scope::default()],
            call_depth: 0,
            memory_tables: HashSet::new(),
            aggregate_row: None,
            mv_apply_order: None,
            window: None,
        }
    }

    /// The scopes a name can be found in, innermost first (up to and
    /// including the innermost barrier).
    fn visible_scopes(&self) -> impl Iterator<Item = &Scope> {
        let start = self.scopes.iter().rposition(|s| s.barrier).unwrap_or(0);
        self.scopes[start..].iter().rev()
    }

    pub(crate) fn lookup_let(&self, name: &str) -> Option<&LetBinding> {
        self.visible_scopes().find_map(|s| s.names.get(name))
    }

    /// Names of the `let`s in scope that stand for tables: tabular values
    /// and views / functions without parameters.
    pub(crate) fn tabular_let_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for scope in self.visible_scopes() {
            for name in scope.names.keys() {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names.retain(|n| match self.lookup_let(n) {
            Some(LetBinding::Tabular(_)) => true,
            Some(LetBinding::Function(f)) => f.params.is_empty() && self.body_is_tabular(f),
            _ => false,
        });
        names
    }

    pub(crate) fn define(&mut self, name: &str, binding: LetBinding) {
        self.scopes
            .last_mut()
            .expect("the binder always has a scope")
            .names
            .insert(name.to_string(), binding);
    }

    fn bind_statement(&mut self, stmt: &Statement) -> Result<Option<BoundTabular>, Diagnostic> {
        match stmt {
            Statement::Let(l) => {
                let binding = match &l.value {
                    LetValue::Expr(e) => match self.bind_any(e)? {
                        // A scalar `let` is one value for the whole query:
                        // computed once now, so it can feed `has_any`, `in`
                        // and parameters as a constant.
                        Bound::Scalar(s) => {
                            LetBinding::Scalar(eager::fold_if_constant(self, s, e.span)?)
                        }
                        Bound::Tabular(t) => LetBinding::Tabular(t),
                    },
                    LetValue::Function(f) | LetValue::View(f) => {
                        LetBinding::Function(Rc::new(f.clone()))
                    }
                    LetValue::Other(text) => {
                        return Err(Diagnostic::at(
                            Code::UnsupportedFeature,
                            l.span,
                            format!("this kind of `let` is not supported yet: {text}"),
                        ));
                    }
                };
                self.define(&l.name.name, binding);
                Ok(None)
            }
            // Query options (`set notruncation;`) do not change results here.
            Statement::Set(_) => Ok(None),
            Statement::DeclareQueryParameters(d) => Err(Diagnostic::at(
                Code::UnsupportedFeature,
                d.span,
                "`declare query_parameters` is not supported yet",
            )
            .with_hint("replace the parameters with `let` statements")),
            Statement::Query(e) if graph::names_only(e) => {
                self.bind_tabular(e)?;
                Ok(None)
            }
            Statement::Query(e) => match self.bind_any(e)? {
                Bound::Tabular(t) => Ok(Some(t)),
                Bound::Scalar(_) => Err(Diagnostic::at(
                    Code::NotTabular,
                    e.span,
                    "a query must be a tabular expression, but this is a scalar expression",
                )
                .with_hint("to show a scalar value, use `print <expression>`")),
            },
        }
    }

    /// Bind an expression that may be scalar or tabular (a `let` value, a
    /// query statement, a function body's result).
    pub(crate) fn bind_any(&mut self, e: &ast::Expr) -> Result<Bound, Diagnostic> {
        if self.is_tabular(e) {
            Ok(Bound::Tabular(self.bind_tabular(e)?))
        } else {
            Ok(Bound::Scalar(self.bind_scalar(e, &[])?))
        }
    }

    /// Whether an expression denotes a table (decided syntactically plus by
    /// name resolution; never binds).
    pub(crate) fn is_tabular(&self, e: &ast::Expr) -> bool {
        match &e.kind {
            ExprKind::Pipe { .. } | ExprKind::Source(_) => true,
            ExprKind::Name(id) => match self.lookup_let(&id.name) {
                Some(LetBinding::Tabular(_)) => true,
                Some(LetBinding::Function(f)) => f.params.is_empty() && self.body_is_tabular(f),
                Some(LetBinding::Scalar(_)) => false,
                None => {
                    self.catalog.table(&id.name).is_some()
                        || self.broken_workspace_function(&id.name)
                        || self.workspace_function(&id.name).is_some_and(|f| {
                            f.def.params.is_empty() && self.body_is_tabular(&f.def)
                        })
                }
            },
            ExprKind::Call(c) => match c.name.name.as_str() {
                "materialize" | "table" | "view" | "_GetWatchlist" => true,
                name => match self.lookup_let(name) {
                    Some(LetBinding::Function(f)) => self.body_is_tabular(f),
                    Some(_) => false,
                    None => {
                        self.broken_workspace_function(name)
                            || self
                                .workspace_function(name)
                                .is_some_and(|f| self.body_is_tabular(&f.def))
                    }
                },
            },
            _ => false,
        }
    }

    fn body_is_tabular(&self, f: &FunctionDef) -> bool {
        match f.body.last() {
            Some(Statement::Query(q)) => match &q.kind {
                ExprKind::Pipe { .. } | ExprKind::Source(_) => true,
                ExprKind::Name(id) => {
                    // a parameter of tabular type, a table, or a tabular let
                    f.params.iter().any(|p| {
                        p.name.name == id.name && matches!(p.ty, ast::ParamType::Tabular { .. })
                    }) || self.is_tabular(q)
                }
                _ => self.is_tabular(q),
            },
            _ => false,
        }
    }

    /// Bind a tabular expression.
    pub(crate) fn bind_tabular(&mut self, e: &ast::Expr) -> Result<BoundTabular, Diagnostic> {
        match &e.kind {
            ExprKind::Pipe { source, op } if matches!(op.kind, ast::OpKind::Graph(_)) => {
                graph::bind(self, source, op)
            }
            ExprKind::Pipe { source, op } => {
                let input = self.bind_tabular(source)?;
                ops::bind_operator(self, input, op)
            }
            ExprKind::Source(op) => ops::bind_source(self, op),
            ExprKind::Name(id) => self.bind_table_name(id),
            ExprKind::Call(call) => self.bind_tabular_call(call, e.span),
            _ if is_cross_resource(e) => Err(Diagnostic::at(
                Code::UnsupportedFeature,
                e.span,
                "cross-resource queries (`workspace()`, `app()`, `cluster()`, `database()`, `adx()`) are not supported",
            )
            .with_hint("the archive holds one workspace's tables: name the table alone")),
            _ => Err(Diagnostic::at(
                Code::NotTabular,
                e.span,
                "expected a tabular expression (a table, a `let` table or a pipeline) here",
            )),
        }
    }

    fn bind_table_name(&mut self, id: &ast::Ident) -> Result<BoundTabular, Diagnostic> {
        match self.lookup_let(&id.name).cloned() {
            Some(LetBinding::Tabular(t)) => return Ok(t),
            Some(LetBinding::Function(f)) => {
                return self
                    .call_user_function(&id.name, &f, &[], &[], id.span)?
                    .into_tabular(id.span);
            }
            Some(LetBinding::Scalar(_)) => {
                return Err(Diagnostic::at(
                    Code::NotTabular,
                    id.span,
                    format!("'{}' is a scalar `let` value, not a table", id.name),
                )
                .with_hint(format!("to show its value, use `print {}`", id.name)));
            }
            None => {}
        }
        if let Some(columns) = self.catalog.table(&id.name) {
            return Ok(self.scan_table(&id.name, columns));
        }
        if let Some(f) = self.catalog.function(&id.name)? {
            return self
                .call_workspace_function(&f, &[], &[], id.span)?
                .into_tabular(id.span);
        }
        Err(self.unknown_table(id))
    }

    pub(crate) fn unknown_table(&self, id: &ast::Ident) -> Diagnostic {
        let mut names = self.catalog.table_names();
        names.sort();
        let mut d = Diagnostic::at(
            Code::UnknownTable,
            id.span,
            format!("unknown table or tabular `let` '{}'", id.name),
        );
        let close = suggest(&id.name, names.iter().map(String::as_str));
        let hint = if !close.is_empty() {
            format!("did you mean '{}'?", close.join("', '"))
        } else if names.is_empty() {
            "the archive has no tables: check --archive points at a folder with one sub-folder of Parquet files per table".to_string()
        } else {
            format!("the archive's tables are: {}", names.join(", "))
        };
        d = d.with_hint(hint);
        d
    }

    fn bind_tabular_call(
        &mut self,
        call: &ast::Call,
        span: Span,
    ) -> Result<BoundTabular, Diagnostic> {
        let name = call.name.name.as_str();
        match name {
            "materialize" => {
                let [arg] = call.args.as_slice() else {
                    return Err(Diagnostic::at(
                        Code::WrongArgCount,
                        span,
                        "materialize() takes exactly one tabular argument",
                    ));
                };
                let t = self.bind_tabular(&arg.value)?;
                eager::materialize(self, t, span)
            }
            "_GetWatchlist" => workspace::bind_watchlist(self, call, span),
            "table" => {
                let [arg] = call.args.as_slice() else {
                    return Err(Diagnostic::at(
                        Code::WrongArgCount,
                        span,
                        "table() takes one argument: the table name as a string",
                    ));
                };
                // a literal, or a constant: a function's parameter given a
                // literal (`let f = (t:string) { table(t) }; f("SigninLogs")`)
                let v = self.bind_scalar(&arg.value, &[])?;
                let constant = match &v.literal {
                    Some(ast::Literal::String(s)) => Some(s.clone()),
                    _ if v.ty == crate::types::KqlType::String => {
                        match eager::constant_in_place(&v) {
                            Some(datafusion::common::ScalarValue::Utf8(Some(s))) => Some(s),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                match constant {
                    Some(name) => self.bind_table_name(&ast::Ident {
                        name,
                        span: arg.value.span,
                    }),
                    None => Err(Diagnostic::at(
                        Code::NotConstant,
                        arg.value.span,
                        "table() needs a constant string table name",
                    )),
                }
            }
            _ => match self.lookup_let(name).cloned() {
                Some(LetBinding::Function(f)) => self
                    .call_user_function(name, &f, &call.args, &[], span)?
                    .into_tabular(span),
                None if self.workspace_function(name).is_some()
                    || self.broken_workspace_function(name) =>
                {
                    let Some(f) = self.catalog.function(name)? else {
                        return Err(Diagnostic::internal(
                            "bind",
                            "a workspace function vanished",
                        ));
                    };
                    self.call_workspace_function(&f, &call.args, &[], span)?
                        .into_tabular(span)
                }
                _ => {
                    if functions::is_known_scalar(name) || aggregates::is_aggregate(name) {
                        Err(Diagnostic::at(
                            Code::NotTabular,
                            span,
                            format!("'{name}()' is a scalar function; a table is expected here"),
                        ))
                    } else {
                        Err(Diagnostic::at(
                            Code::UnknownFunction,
                            call.name.span,
                            format!("unknown function '{name}'"),
                        )
                        .with_hint(
                            "define it with `let name = (params) { ... };` before the query",
                        ))
                    }
                }
            },
        }
    }

    /// Call a user function defined with `let f = (params) { body }`:
    /// arguments are bound in the caller's scope, then the body is bound in a
    /// new scope holding the parameters.
    /// `row` is the caller's row: scalar arguments may read its columns
    /// (`extend r = MultiplyByN(x, 5)`); the body itself sees only the
    /// parameters and the `let`s in scope.
    pub(crate) fn call_user_function(
        &mut self,
        name: &str,
        f: &FunctionDef,
        args: &[ast::Arg],
        row: &[BoundColumn],
        span: Span,
    ) -> Result<Bound, Diagnostic> {
        self.call_function(name, f, args, row, span, false)
    }

    /// Bind a call: the arguments in the caller's scope, then the body in a
    /// new scope holding the parameters (a barrier scope for saved functions).
    pub(crate) fn call_function(
        &mut self,
        name: &str,
        f: &FunctionDef,
        args: &[ast::Arg],
        row: &[BoundColumn],
        span: Span,
        barrier: bool,
    ) -> Result<Bound, Diagnostic> {
        if self.call_depth > 64 {
            return Err(Diagnostic::at(
                Code::UnsupportedFeature,
                span,
                format!("function '{name}' calls itself too deeply (recursion is not supported)"),
            ));
        }
        let mut values: Vec<Option<LetBinding>> = vec![None; f.params.len()];
        for arg in args {
            let idx = match &arg.name {
                Some(n) => f
                    .params
                    .iter()
                    .position(|p| p.name.name == n.name)
                    .ok_or_else(|| {
                        Diagnostic::at(
                            Code::BadArgument,
                            n.span,
                            format!("function '{name}' has no parameter named '{}'", n.name),
                        )
                        .with_hint(format!(
                            "its parameters are: {}",
                            f.params
                                .iter()
                                .map(|p| p.name.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?,
                // A positional argument takes the first parameter that has
                // no value yet, so one after a named argument skips it
                // (`checkLength(len=3, input)`, user-defined-functions.md).
                None => values
                    .iter()
                    .position(Option::is_none)
                    .unwrap_or(f.params.len()),
            };
            if idx < f.params.len() && values[idx].is_some() {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    arg.span,
                    format!(
                        "function '{name}' is given parameter '{}' twice",
                        f.params[idx].name.name
                    ),
                ));
            }
            if idx >= f.params.len() {
                return Err(Diagnostic::at(
                    Code::WrongArgCount,
                    arg.span,
                    format!(
                        "function '{name}' takes {} argument(s), got more",
                        f.params.len()
                    ),
                ));
            }
            let param = &f.params[idx];
            let value = match &param.ty {
                ast::ParamType::Tabular { .. } => {
                    LetBinding::Tabular(self.bind_tabular(&arg.value)?)
                }
                ast::ParamType::Scalar(ty) => {
                    let v = self.bind_scalar(&arg.value, row)?;
                    let v = expr::coerce_to(v, *ty, arg.value.span)?;
                    LetBinding::Scalar(eager::fold_if_constant(self, v, arg.value.span)?)
                }
            };
            values[idx] = Some(value);
        }
        let mut scope = Scope {
            names: HashMap::new(),
            barrier,
        };
        for (param, value) in f.params.iter().zip(values) {
            let value = match value {
                Some(v) => v,
                None => match (&param.default, &param.ty) {
                    (Some(d), ast::ParamType::Scalar(ty)) => {
                        let v = self.bind_scalar(d, &[])?;
                        LetBinding::Scalar(expr::coerce_to(v, *ty, d.span)?)
                    }
                    _ => {
                        return Err(Diagnostic::at(
                            Code::WrongArgCount,
                            span,
                            format!(
                                "function '{name}' needs a value for parameter '{}'",
                                param.name.name
                            ),
                        ));
                    }
                },
            };
            scope.names.insert(param.name.name.clone(), value);
        }
        self.scopes.push(scope);
        self.call_depth += 1;
        let result = self.bind_body(&f.body, span);
        self.call_depth -= 1;
        self.scopes.pop();
        result
    }

    fn bind_body(&mut self, body: &[Statement], span: Span) -> Result<Bound, Diagnostic> {
        let mut last = None;
        for stmt in body {
            match stmt {
                Statement::Query(e) => last = Some(self.bind_any(e)?),
                other => {
                    self.bind_statement(other)?;
                }
            }
        }
        last.ok_or_else(|| {
            Diagnostic::at(
                Code::Syntax,
                span,
                "the function body has no result expression",
            )
        })
    }

    /// Bind a scalar expression over a row with `row` columns.
    pub(crate) fn bind_scalar(
        &mut self,
        e: &ast::Expr,
        row: &[BoundColumn],
    ) -> Result<BExpr, Diagnostic> {
        expr::bind_scalar(self, e, row)
    }
}

/// `workspace("ws").Table`, `cluster("c").database("d").Table`, ...
fn is_cross_resource(e: &ast::Expr) -> bool {
    match &e.kind {
        ExprKind::Member { target, .. } => is_cross_resource(target),
        ExprKind::Call(c) => matches!(
            c.name.name.as_str(),
            "workspace" | "app" | "cluster" | "database" | "adx" | "arg"
        ),
        _ => false,
    }
}

impl Bound {
    pub(crate) fn into_tabular(self, span: Span) -> Result<BoundTabular, Diagnostic> {
        match self {
            Bound::Tabular(t) => Ok(t),
            Bound::Scalar(_) => Err(Diagnostic::at(
                Code::NotTabular,
                span,
                "this function returns a scalar, but a table is expected here",
            )),
        }
    }
}
