//! Scalar operators with Kusto's typing and null rules.
//!
//! * Equality and string predicates are two-valued: when a side is null,
//!   `==`, `=~`, `in`, `has`, ... are false and their negations true.
//!   Ordering comparisons (`<`, ...) stay three-valued.
//! * `==`/`!=`/`in`/`!in` are case-sensitive; `=~`/`!~`/`in~`/`!in~` are not.
//! * `has` and friends are case-insensitive term matches (`kql_has` UDF);
//!   the `_cs` forms are case-sensitive.
//! * Arithmetic promotes int → long → real → decimal; datetime and timespan
//!   arithmetic is done on nanosecond integers and cast back explicitly.

use super::Binder;
use super::expr::{cast_to, column_expr, to_string_expr};
use super::literal::{bind_literal, dynamic_element_literal};
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, arrow_type, comparison_common, numeric_common};
use datafusion::arrow::datatypes::DataType;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions::string::expr_fn::lower;
use datafusion::logical_expr::expr::{InSubquery, Like};
use datafusion::logical_expr::{Expr, Operator, Subquery, binary_expr, cast, lit};
use kql_syntax::ast::{
    self, BinaryOp, ExprKind, HasListOp, InOp, Literal, StrOp, StrOpKind, UnaryOp,
};
use kql_syntax::{Code, Diagnostic, Span};
use std::sync::Arc;

pub(crate) fn bind_unary(
    b: &mut Binder,
    op: UnaryOp,
    operand: &ast::Expr,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let v = b.bind_scalar(operand, row)?;
    match op {
        UnaryOp::Plus => numeric_or_timespan(v, span, "unary +"),
        UnaryOp::Neg => {
            let v = numeric_or_timespan(v, span, "unary -")?;
            if v.ty == KqlType::TimeSpan {
                // Arrow cannot negate a duration: negate its nanoseconds.
                let ns = Expr::Negative(Box::new(cast(v.expr, DataType::Int64)));
                return Ok(BExpr::new(
                    cast(ns, arrow_type(KqlType::TimeSpan)),
                    KqlType::TimeSpan,
                ));
            }
            Ok(BExpr::new(Expr::Negative(Box::new(v.expr)), v.ty))
        }
        UnaryOp::Not => not_expr(v, span),
    }
}

fn numeric_or_timespan(v: BExpr, span: Span, what: &str) -> Result<BExpr, Diagnostic> {
    if crate::types::is_numeric(v.ty) || v.ty == KqlType::TimeSpan {
        Ok(v)
    } else {
        Err(type_error(
            span,
            &format!("{what} needs a number or a timespan, got {}", v.ty.as_str()),
        ))
    }
}

/// `not(x)`: x must be bool; `not(null)` is null.
pub(crate) fn not_expr(v: BExpr, span: Span) -> Result<BExpr, Diagnostic> {
    let v = expect_bool(v, span, "not()")?;
    Ok(BExpr::new(Expr::Not(Box::new(v.expr)), KqlType::Bool))
}

/// "an int", "a string", ... for messages.
pub(crate) fn with_article(ty: KqlType) -> String {
    let name = ty.as_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

pub(crate) fn type_error(span: Span, msg: &str) -> Diagnostic {
    Diagnostic::at(Code::TypeMismatch, span, msg.to_string())
}

pub(crate) fn expect_bool(v: BExpr, span: Span, what: &str) -> Result<BExpr, Diagnostic> {
    match v.ty {
        KqlType::Bool => Ok(v),
        KqlType::Dynamic => Ok(super::expr::from_dynamic(v, KqlType::Bool)),
        other => Err(type_error(
            span,
            &format!("{what} needs a bool value, got {}", other.as_str()),
        )),
    }
}

pub(crate) fn bind_binary(
    b: &mut Binder,
    op: BinaryOp,
    left: &ast::Expr,
    right: &ast::Expr,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    if let (BinaryOp::Str(sop), ExprKind::Star) = (op, &left.kind) {
        return any_column(b, sop, right, row, span);
    }
    let l = b.bind_scalar(left, row)?;
    let r = b.bind_scalar(right, row)?;
    match op {
        BinaryOp::And | BinaryOp::Or => {
            let l = expect_bool(
                l,
                left.span,
                if op == BinaryOp::And { "`and`" } else { "`or`" },
            )?;
            let r = expect_bool(
                r,
                right.span,
                if op == BinaryOp::And { "`and`" } else { "`or`" },
            )?;
            let o = if op == BinaryOp::And {
                Operator::And
            } else {
                Operator::Or
            };
            Ok(BExpr::new(binary_expr(l.expr, o, r.expr), KqlType::Bool))
        }
        BinaryOp::Eq
        | BinaryOp::NotEq
        | BinaryOp::Lt
        | BinaryOp::LtEq
        | BinaryOp::Gt
        | BinaryOp::GtEq => compare(op, l, r, span),
        BinaryOp::EqTilde | BinaryOp::NotEqTilde => {
            // One vectorised kernel, no lower-cased copy of the column;
            // false when a side is null, so `!~` is true there.
            let l = to_string_expr(l);
            let r = to_string_expr(r);
            let eq = kql_functions::strings::equals_ci_expr(l.expr, r.expr);
            let e = if op == BinaryOp::EqTilde {
                eq
            } else {
                Expr::Not(Box::new(eq))
            };
            Ok(BExpr::new(e, KqlType::Bool))
        }
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
            arithmetic(op, l, r, span)
        }
        BinaryOp::Str(sop) => string_predicate(sop, l, r, span),
    }
}

/// `==`, `!=`, `<`, ...: operands brought to a common type first.
pub(crate) fn compare(op: BinaryOp, l: BExpr, r: BExpr, span: Span) -> Result<BExpr, Diagnostic> {
    let common = comparison_common(l.ty, r.ty).ok_or_else(|| {
        type_error(
            span,
            &format!(
                "cannot compare {} with {}",
                with_article(l.ty),
                with_article(r.ty)
            ),
        )
        .with_hint(conversion_hint(l.ty, r.ty))
    })?;
    // A side written as a non-null constant can never be null.
    let not_null = |v: &BExpr| matches!(&v.literal, Some(l) if !matches!(l, Literal::Null(_)));
    let both_may_be_null = !not_null(&l) && !not_null(&r);
    let (l, r) = (cast_to(l, common), cast_to(r, common));
    let o = match op {
        BinaryOp::Eq => Operator::Eq,
        BinaryOp::NotEq => Operator::NotEq,
        BinaryOp::Lt => Operator::Lt,
        BinaryOp::LtEq => Operator::LtEq,
        BinaryOp::Gt => Operator::Gt,
        _ => Operator::GtEq,
    };
    let both_null = l.expr.clone().is_null().and(r.expr.clone().is_null());
    let raw = binary_expr(l.expr, o, r.expr);
    let expr = match (o, common) {
        // Strings are never null, so equality is already two-valued.
        (Operator::Eq | Operator::NotEq, KqlType::String) => raw,
        (Operator::Eq | Operator::NotEq, _) => {
            let e = two_valued(raw, o == Operator::NotEq);
            if both_may_be_null {
                null_if_both_null(both_null, e)?
            } else {
                e
            }
        }
        _ => raw,
    };
    Ok(BExpr::new(expr, KqlType::Bool))
}

/// "convert one side first, e.g. with toint() or tostring()".
fn conversion_hint(a: KqlType, b: KqlType) -> String {
    let conv = |t: KqlType| match t {
        KqlType::Int => "toint()",
        KqlType::Long => "tolong()",
        KqlType::Real | KqlType::Decimal => "todouble()",
        KqlType::DateTime => "todatetime()",
        KqlType::TimeSpan => "totimespan()",
        KqlType::Bool => "tobool()",
        _ => "tostring()",
    };
    let (ca, cb) = (conv(a), conv(b));
    if ca == cb {
        format!("convert one side first, e.g. with {ca}")
    } else {
        format!("convert one side first, e.g. with {ca} or {cb}")
    }
}

/// `==` / `!=` of two nulls is null, of one null false / true
/// (scalar-data-types/null-values.md, "Equality and inequality of null
/// values"): `CASE WHEN l IS NULL AND r IS NULL THEN NULL ELSE e END`.
/// Lowering strips this wrapper too inside `where`.
fn null_if_both_null(both_null: Expr, e: Expr) -> Result<Expr, Diagnostic> {
    datafusion::logical_expr::when(
        both_null,
        Expr::Literal(datafusion::common::ScalarValue::Boolean(None), None),
    )
    .otherwise(e)
    .map_err(|e| Diagnostic::internal("bind", e))
}

/// A predicate that is `when_null` instead of null when an operand is null.
/// Lowering strips the wrapper again where null and false mean the same (a
/// `where` predicate, outside `not`), so Parquet pruning still sees the bare
/// comparison.
pub(crate) fn two_valued(pred: Expr, when_null: bool) -> Expr {
    coalesce(vec![pred, lit(when_null)])
}

/// Kusto's modulo is "a small non-negative number": `0 <= n % d < abs(d)`,
/// so `-14 % 12` is 10 (numerical-operators.md). DataFusion's `%` takes the
/// sign of the dividend, so fold it into range.
fn kusto_modulo(n: Expr, d: Expr) -> Expr {
    let abs_d = datafusion::functions::math::expr_fn::abs(d.clone());
    binary_expr(
        binary_expr(
            binary_expr(n, Operator::Modulo, d),
            Operator::Plus,
            abs_d.clone(),
        ),
        Operator::Modulo,
        abs_d,
    )
}

pub(crate) fn arithmetic(
    op: BinaryOp,
    l: BExpr,
    r: BExpr,
    span: Span,
) -> Result<BExpr, Diagnostic> {
    use KqlType::*;
    let o = match op {
        BinaryOp::Add => Operator::Plus,
        BinaryOp::Sub => Operator::Minus,
        BinaryOp::Mul => Operator::Multiply,
        BinaryOp::Div => Operator::Divide,
        _ => Operator::Modulo,
    };
    // A dynamic operand takes the other operand's type (an int makes both
    // long), as Kusto.Language's `dynamic - long` → long signatures say; two
    // dynamics stay an error here.
    match (l.ty, r.ty) {
        (Dynamic, Int) | (Int, Dynamic) => {
            return arithmetic(op, cast_to(l, Long), cast_to(r, Long), span);
        }
        (Dynamic, other @ (Long | Real | DateTime | TimeSpan)) => {
            return arithmetic(op, cast_to(l, other), r, span);
        }
        (other @ (Long | Real | DateTime | TimeSpan), Dynamic) => {
            let r = cast_to(r, other);
            return arithmetic(op, l, r, span);
        }
        _ => {}
    }
    if let Some(t) = numeric_common(l.ty, r.ty) {
        let (l, r) = (cast_to(l, t), cast_to(r, t));
        if o == Operator::Modulo {
            return Ok(BExpr::new(kusto_modulo(l.expr, r.expr), t));
        }
        return Ok(BExpr::new(binary_expr(l.expr, o, r.expr), t));
    }
    let ns = |v: BExpr| cast(v.expr, DataType::Int64);
    let as_long = |v: BExpr| cast(v.expr, DataType::Int64);
    let result = |e: Expr, ty: KqlType| BExpr::new(cast(e, arrow_type(ty)), ty);
    match (o, l.ty, r.ty) {
        (Operator::Plus, DateTime, TimeSpan) | (Operator::Minus, DateTime, TimeSpan) => {
            Ok(result(binary_expr(ns(l), o, ns(r)), DateTime))
        }
        (Operator::Plus, TimeSpan, DateTime) => Ok(result(binary_expr(ns(l), o, ns(r)), DateTime)),
        (Operator::Minus, DateTime, DateTime) => Ok(result(binary_expr(ns(l), o, ns(r)), TimeSpan)),
        (Operator::Modulo, TimeSpan, TimeSpan) => Ok(result(kusto_modulo(ns(l), ns(r)), TimeSpan)),
        (Operator::Plus | Operator::Minus, TimeSpan, TimeSpan) => {
            Ok(result(binary_expr(ns(l), o, ns(r)), TimeSpan))
        }
        (Operator::Divide, TimeSpan, TimeSpan) => Ok(BExpr::new(
            binary_expr(
                cast(ns(l), DataType::Float64),
                o,
                cast(ns(r), DataType::Float64),
            ),
            Real,
        )),
        (Operator::Multiply | Operator::Divide, TimeSpan, Int | Long) => {
            Ok(result(binary_expr(ns(l), o, as_long(r)), TimeSpan))
        }
        (Operator::Multiply, Int | Long, TimeSpan) => {
            Ok(result(binary_expr(as_long(l), o, ns(r)), TimeSpan))
        }
        (Operator::Multiply | Operator::Divide, TimeSpan, Real) => Ok(result(
            cast(
                binary_expr(cast(ns(l), DataType::Float64), o, r.expr),
                DataType::Int64,
            ),
            TimeSpan,
        )),
        (Operator::Multiply, Real, TimeSpan) => Ok(result(
            cast(
                binary_expr(l.expr, o, cast(ns(r), DataType::Float64)),
                DataType::Int64,
            ),
            TimeSpan,
        )),
        _ => Err(type_error(
            span,
            &format!(
                "operator {} cannot be applied to {} and {}",
                o,
                l.ty.as_str(),
                r.ty.as_str()
            ),
        )),
    }
}

/// `* has "x"` (and the other string operators): true when any column of
/// the row, read as a string, matches (search-operator.md: `search "err"`
/// is `where * has "err"`). A negated operator over `*` is refused: whether
/// it means "no column" or "some column" is not documented.
fn any_column(
    b: &mut Binder,
    op: StrOp,
    right: &ast::Expr,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    if op.negated {
        return Err(Diagnostic::at(
            Code::UnsupportedFeature,
            span,
            "a negated string operator over `*` (every column) is not supported",
        )
        .with_hint("write not(* has \"x\") for rows where no column has the term"));
    }
    let r = b.bind_scalar(right, row)?;
    let each = row
        .iter()
        .map(|c| {
            string_predicate(op, BExpr::new(column_expr(&c.name), c.ty), r.clone(), span)
                .map(|p| p.expr)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BExpr::new(balanced_or(each), KqlType::Bool))
}

/// `a or b or ...` as a balanced tree: a search over a thousand columns
/// would otherwise nest a thousand deep, deeper than recursive plan walks'
/// stacks allow.
fn balanced_or(mut terms: Vec<Expr>) -> Expr {
    match terms.len() {
        0 => lit(false),
        1 => terms.pop().expect("one term"),
        n => {
            let right = terms.split_off(n / 2);
            binary_expr(balanced_or(terms), Operator::Or, balanced_or(right))
        }
    }
}

/// `has`, `contains`, `startswith`, ... and their negations.
pub(crate) fn string_predicate(
    op: StrOp,
    l: BExpr,
    r: BExpr,
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let hay = to_string_expr(l);
    let needle = to_string_expr(r);
    let positive = match op.kind {
        StrOpKind::MatchesRegex => {
            if op.negated {
                return Err(Diagnostic::at(
                    Code::Syntax,
                    span,
                    "there is no negated `matches regex`; use not(x matches regex y)",
                ));
            }
            // A constant pattern is checked and compiled now, once.
            let preset = match &needle.literal {
                Some(Literal::String(p)) => {
                    kql_functions::regex_fns::compile(p).map_err(|e| {
                        Diagnostic::at(
                            Code::BadArgument,
                            span,
                            format!(
                                "invalid regular expression: {}",
                                e.lines().last().unwrap_or("")
                            ),
                        )
                        .with_hint("Kusto regexes use RE2 syntax")
                    })?;
                    Some(p.clone())
                }
                _ => None,
            };
            kql_functions::strings::matches_regex_expr(hay.expr, needle.expr, preset.as_deref())
        }
        StrOpKind::Like => Expr::Like(Like::new(
            false,
            Box::new(hay.expr),
            Box::new(needle.expr),
            None,
            !op.case_sensitive,
        )),
        kind => kql_functions::strings::string_match_expr(
            match kind {
                StrOpKind::Has => kql_functions::strings::MatchKind::Has,
                StrOpKind::Contains => kql_functions::strings::MatchKind::Contains,
                StrOpKind::StartsWith => kql_functions::strings::MatchKind::StartsWith,
                StrOpKind::EndsWith => kql_functions::strings::MatchKind::EndsWith,
                StrOpKind::HasPrefix => kql_functions::strings::MatchKind::HasPrefix,
                _ => kql_functions::strings::MatchKind::HasSuffix,
            },
            op.case_sensitive,
            hay.expr,
            needle.expr,
        ),
    };
    let expr = if op.negated {
        Expr::Not(Box::new(positive))
    } else {
        positive
    };
    Ok(BExpr::new(expr, KqlType::Bool))
}

/// `x in (...)`, `!in`, `in~`, `!in~`.
pub(crate) fn bind_in(
    b: &mut Binder,
    lhs: &ast::Expr,
    op: InOp,
    list: &[ast::Expr],
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let negated = matches!(op, InOp::NotIn | InOp::NotInCi);
    let ci = matches!(op, InOp::InCi | InOp::NotInCi);
    let l = b.bind_scalar(lhs, row)?;

    // `x in (T)` / `x in (T | project c)`: a semi-join on T's single column.
    if let [single] = list
        && b.is_tabular(single)
    {
        let t = b.bind_tabular(single)?;
        // A table of several columns is searched by its first column
        // (in-operator.md: "If a tabular expression has multiple columns,
        // the first column is used").
        let Some(first) = t.columns.first().cloned() else {
            return Err(Diagnostic::at(
                Code::BadArgument,
                single.span,
                "the table on the right of `in` has no column",
            ));
        };
        let t = if t.columns.len() > 1 {
            let e = BExpr::new(super::expr::column_expr(&first.name), first.ty);
            super::ops::project_node(t, vec![(first.name.clone(), e)])
        } else {
            t
        };
        let col = &first;
        let common = comparison_common(l.ty, col.ty).ok_or_else(|| {
            type_error(
                span,
                &format!(
                    "cannot compare {} with a column of {}",
                    l.ty.as_str(),
                    col.ty.as_str()
                ),
            )
        })?;
        // Computed now when the catalog can: a constant list the scan can
        // prune with (and no join).
        if let Some(values) = super::eager::first_column_values(b, &t, IN_LIST_LIMIT, single.span)?
        {
            let mut items = Vec::with_capacity(values.len());
            for v in values {
                if v.is_null() {
                    continue; // null never equals anything
                }
                items.push(super::eager::to_constant(v, col.ty, single.span)?);
            }
            return in_items(l, items, negated, ci, span);
        }
        let plan = crate::lower::lower_subquery(&t, b.catalog, common, ci)?;
        let mut lhs_expr = cast_to(l, common).expr;
        if ci {
            lhs_expr = lower(lhs_expr);
        }
        let sub = Expr::InSubquery(InSubquery::new(
            Box::new(lhs_expr),
            Subquery {
                subquery: Arc::new(plan),
                outer_ref_columns: vec![],
                spans: Default::default(),
            },
            negated,
        ));
        return Ok(BExpr::new(two_valued(sub, negated), KqlType::Bool));
    }

    // Flatten constant dynamic arrays into their elements; a dynamic array
    // known only at run time (a parameter, a column) is searched per row.
    let mut items: Vec<BExpr> = Vec::new();
    let mut arrays: Vec<Expr> = Vec::new();
    for item in list {
        let v = b.bind_scalar(item, row)?;
        let v = super::eager::fold_if_constant(b, v, item.span)?;
        match &v.literal {
            Some(Literal::Dynamic(ast::DynamicLit::Array(elems))) => {
                // Nested arrays are flattened: `x in (dynamic([1,[2,3]]))`
                // is `x in (1,2,3)` (in-operator.md).
                let mut scalars = Vec::new();
                flatten_elements(elems, &mut scalars);
                for lit_ in scalars {
                    // An element of another kind (a number in a list of
                    // strings) never equals x: skipped, as a dynamic
                    // comparison would not match it.
                    let el = bind_literal(&lit_, item.span)?;
                    if ci {
                        // in~ compares the elements as text
                        items.push(cast_to(el, KqlType::String));
                    } else if comparison_common(l.ty, el.ty).is_some() {
                        items.push(el);
                    }
                }
            }
            _ if v.ty == KqlType::Dynamic => arrays.push(v.expr),
            _ => items.push(v),
        }
    }
    if arrays.is_empty() {
        return in_items(l, items, negated, ci, span);
    }
    // x in (a, [runtime array], ...): any listed item equals x, or any
    // element of an array does. `in` compares an element as set_has_element
    // compares (same JSON value); `in~` as text, ASCII case folded, like the
    // listed items.
    let element = if ci {
        cast_to(l.clone(), KqlType::String).expr
    } else {
        super::functions::arrays::element_json(l.clone())
    };
    let mut any = arrays
        .into_iter()
        .map(|a| {
            if ci {
                return Ok(kql_functions::strings::in_ci_array_expr(element.clone(), a));
            }
            let has = kql_functions::dynamic::array_ops::array_op_expr(
                "set_has_element",
                vec![a, element.clone()],
            )
            .ok_or_else(|| Diagnostic::internal("bind", "set_has_element is not registered"))?;
            Ok(coalesce(vec![has, lit(false)]))
        })
        .collect::<Result<Vec<Expr>, Diagnostic>>()?;
    if !items.is_empty() {
        let listed = in_items(l, items, false, ci, span)?;
        any.push(listed.expr);
    }
    let e = any
        .into_iter()
        .reduce(|a, b| binary_expr(a, Operator::Or, b))
        .unwrap_or_else(|| lit(false));
    let e = if negated { Expr::Not(Box::new(e)) } else { e };
    Ok(BExpr::new(e, KqlType::Bool))
}

/// The scalar elements of a dynamic array, nested arrays flattened in
/// order; objects and nulls never equal a scalar and are left out.
fn flatten_elements(elems: &[ast::DynamicLit], out: &mut Vec<Literal>) {
    for el in elems {
        match el {
            ast::DynamicLit::Array(inner) => flatten_elements(inner, out),
            other => out.extend(dynamic_element_literal(other)),
        }
    }
}

/// Tables with at most this many rows on the right of `in` become an
/// `IN (...)` list; bigger ones a semi-join.
const IN_LIST_LIMIT: usize = 100_000;

/// `l in (items)` over bound constant or row items.
fn in_items(
    l: BExpr,
    items: Vec<BExpr>,
    negated: bool,
    ci: bool,
    span: Span,
) -> Result<BExpr, Diagnostic> {
    if items.is_empty() {
        // `x in ()` is false; `x !in ()` is true.
        return Ok(BExpr::new(lit(negated), KqlType::Bool));
    }
    let mut common = l.ty;
    for it in &items {
        common = comparison_common(common, it.ty).ok_or_else(|| {
            type_error(
                span,
                &format!(
                    "cannot compare {} with {} in the `in` list",
                    l.ty.as_str(),
                    it.ty.as_str()
                ),
            )
        })?;
    }
    if ci {
        common = KqlType::String;
    }
    let lhs_expr = cast_to(l, common).expr;
    let exprs: Vec<Expr> = items.into_iter().map(|i| cast_to(i, common).expr).collect();
    if ci {
        // One kernel: the constant items folded once, no lower-cased copy
        // of the column; false for a null, so `!in~` is true there.
        let e = kql_functions::strings::in_ci_expr(lhs_expr, exprs);
        let e = if negated { Expr::Not(Box::new(e)) } else { e };
        return Ok(BExpr::new(e, KqlType::Bool));
    }
    let e = lhs_expr.in_list(exprs, negated);
    let e = if common == KqlType::String {
        e
    } else {
        two_valued(e, negated)
    };
    Ok(BExpr::new(e, KqlType::Bool))
}

/// `x between (a .. b)`: inclusive on both ends. For datetimes the upper bound
/// may be a timespan, meaning `a + b`.
pub(crate) fn bind_between(
    b: &mut Binder,
    x: &ast::Expr,
    low: &ast::Expr,
    high: &ast::Expr,
    negated: bool,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let v = b.bind_scalar(x, row)?;
    let lo = b.bind_scalar(low, row)?;
    let mut hi = b.bind_scalar(high, row)?;
    if v.ty == KqlType::DateTime && hi.ty == KqlType::TimeSpan {
        hi = arithmetic(BinaryOp::Add, lo.clone(), hi, span)?;
    }
    let ge = compare(BinaryOp::GtEq, v.clone(), lo, span)?;
    let le = compare(BinaryOp::LtEq, v, hi, span)?;
    let inside = binary_expr(ge.expr, Operator::And, le.expr);
    let e = if negated {
        two_valued(Expr::Not(Box::new(inside)), true)
    } else {
        two_valued(inside, false)
    };
    Ok(BExpr::new(e, KqlType::Bool))
}

/// `x has_any (a, b, ...)` / `has_all`: term matches against each item (a
/// dynamic array counts as its elements).
///
/// `has_any` is one `kql_has_any[_cs]` call over the whole needle list (an
/// Aho-Corasick pass per string): a list of constants becomes one JSON
/// constant and its automaton is built now; other items (columns, dynamic
/// arrays from parameters or `toscalar()`) are packed into a dynamic array
/// at run time. `has_all` of constants stays an AND of `kql_has`.
pub(crate) fn bind_has_list(
    b: &mut Binder,
    x: &ast::Expr,
    op: HasListOp,
    list: &[ast::Expr],
    row: &[BoundColumn],
) -> Result<BExpr, Diagnostic> {
    let hay = to_string_expr(b.bind_scalar(x, row)?);
    let cs = matches!(op, HasListOp::HasAnyCs | HasListOp::HasAllCs);
    let all = matches!(op, HasListOp::HasAll | HasListOp::HasAllCs);
    // Constant terms, and the other items: scalar needles and dynamic arrays.
    let mut terms: Vec<String> = Vec::new();
    let mut needles: Vec<BExpr> = Vec::new();
    let mut arrays: Vec<Expr> = Vec::new();
    // Binding without data (`kql check`, explain over schemas): a table's
    // values cannot be computed; the predicate is type-checked and stands
    // as a typed placeholder, as `toscalar()` does there.
    let mut needs_data = false;
    for item in list {
        let v = if b.is_tabular(item) {
            // The table's first column, computed now.
            match super::eager::tabular_as_list(b, item)? {
                Some(v) => v,
                None if !b.catalog.can_evaluate() => {
                    needs_data = true;
                    continue;
                }
                None => {
                    return Err(Diagnostic::at(
                        Code::UnsupportedFeature,
                        item.span,
                        "has_any/has_all over this table is not supported: it has no column or more than 1,000,000 rows",
                    ));
                }
            }
        } else {
            let v = b.bind_scalar(item, row)?;
            super::eager::fold_if_constant(b, v, item.span)?
        };
        match &v.literal {
            Some(Literal::Dynamic(ast::DynamicLit::Array(elems))) => {
                for el in elems {
                    if let Some(t) = dynamic_element_literal(el).and_then(|l| literal_text(&l)) {
                        terms.push(t);
                    }
                }
            }
            Some(Literal::Dynamic(ast::DynamicLit::Null) | Literal::Null(_)) => {}
            Some(l) if v.ty != KqlType::Dynamic => terms.extend(literal_text(l)),
            _ if v.ty == KqlType::Dynamic => {
                if all {
                    return Err(Diagnostic::at(
                        Code::UnsupportedFeature,
                        item.span,
                        "has_all over a non-constant dynamic array is not supported yet",
                    ));
                }
                arrays.push(v.expr);
            }
            _ => needles.push(to_string_expr(v)),
        }
    }
    if needs_data {
        return Ok(BExpr::new(
            super::expr::null_of(KqlType::Bool).expr,
            KqlType::Bool,
        ));
    }
    if all {
        let exprs: Vec<Expr> = terms
            .into_iter()
            .map(lit)
            .chain(needles.into_iter().map(|n| n.expr))
            .collect();
        if exprs.is_empty() {
            // Kusto: has_all of an empty set is true.
            return Ok(BExpr::new(lit(true), KqlType::Bool));
        }
        let e = exprs
            .into_iter()
            .map(|n| {
                kql_functions::strings::string_match_expr(
                    kql_functions::strings::MatchKind::Has,
                    cs,
                    hay.expr.clone(),
                    n,
                )
            })
            .reduce(|a, b| binary_expr(a, Operator::And, b))
            .expect("non-empty");
        return Ok(BExpr::new(e, KqlType::Bool));
    }
    if needles.is_empty() && arrays.is_empty() {
        if terms.is_empty() {
            // Kusto: has_any of an empty set is false.
            return Ok(BExpr::new(lit(false), KqlType::Bool));
        }
        let json = kql_functions::strings::terms_json(terms.iter().map(String::as_str));
        let e = kql_functions::strings::has_any_expr(cs, hay.expr, lit(json.clone()), Some(&json));
        return Ok(BExpr::new(e, KqlType::Bool));
    }
    // Run-time list: the constants and scalar needles as one array, then
    // every dynamic array item.
    let mut parts = Vec::new();
    if !terms.is_empty() || !needles.is_empty() {
        let elems: Vec<Expr> = terms
            .into_iter()
            .map(|t| cast_to(BExpr::new(lit(t), KqlType::String), KqlType::Dynamic).expr)
            .chain(
                needles
                    .into_iter()
                    .map(|n| cast_to(n, KqlType::Dynamic).expr),
            )
            .collect();
        parts.push(array_fn("pack_array", elems)?);
    }
    parts.extend(arrays);
    let list = if parts.len() == 1 {
        parts.remove(0)
    } else {
        array_fn("array_concat", parts)?
    };
    Ok(BExpr::new(
        kql_functions::strings::has_any_expr(cs, hay.expr, list, None),
        KqlType::Bool,
    ))
}

fn array_fn(name: &str, args: Vec<Expr>) -> Result<Expr, Diagnostic> {
    kql_functions::dynamic::arrays::array_function_expr(name, args)
        .ok_or_else(|| Diagnostic::internal("bind", format!("no UDF for {name}")))
}

/// The text a constant needle matches as (`tostring()` of the literal);
/// `None` for a null, which matches nothing.
fn literal_text(l: &Literal) -> Option<String> {
    use kql_functions::format::{format_datetime, format_timespan};
    Some(match l {
        Literal::Null(_) | Literal::Dynamic(_) => return None,
        Literal::Bool(b) => b.to_string(),
        Literal::Int(i) => i.to_string(),
        Literal::Long(i) => i.to_string(),
        Literal::Real(f) => kql_functions::tostring::real_text(*f),
        Literal::Decimal(d) => d.clone(),
        Literal::String(s) | Literal::Guid(s) => s.clone(),
        Literal::DateTime(t) => format_datetime(t.saturating_mul(100)),
        Literal::TimeSpan(t) => format_timespan(t.saturating_mul(100)),
    })
}
