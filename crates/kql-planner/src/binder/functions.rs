//! The scalar function table: KQL name → signature check + typed lowering.
//!
//! Each entry checks the argument count and types (a binder diagnostic, not
//! a runtime failure) and builds the DataFusion expression with explicit
//! casts. Names not in the table are reported as unknown (with a "did you
//! mean"), or as "not supported yet" when they are real KQL functions.

pub(crate) mod arrays;
pub(crate) mod bags;
mod control;
mod convert;
mod datetime;
mod digests;
mod enrichment;
mod geo;
mod math;
mod misc;
mod net;
mod regex;
mod scalars;
pub(crate) use scalars::{bind_sort_results, bind_sorted_member};
mod schema;
pub(crate) mod series;
mod strings;
pub(crate) mod window;

use super::Binder;
use super::expr::{cast_to, from_dynamic, to_string_expr};
use super::literal::constant;
use super::operators::{arithmetic, expect_bool, not_expr, type_error};
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, arrow_type, is_numeric, numeric_common};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, Operator, binary_expr, cast, lit, try_cast, when};
use kql_syntax::ast::{self, BinaryOp};
use kql_syntax::diagnostic::suggest;
use kql_syntax::{Code, Diagnostic, Span};

/// Scalar functions the binder implements.
const SCALAR_FUNCTIONS: &[&str] = &[
    "now",
    "rand",
    "ago",
    "bin",
    "floor",
    "strcat",
    "tolower",
    "toupper",
    "strlen",
    "isnull",
    "isnotnull",
    "isempty",
    "isnotempty",
    "iff",
    "iif",
    "not",
    "tostring",
    "tolong",
    "toint",
    "todouble",
    "toreal",
    "tobool",
    "toboolean",
    "todatetime",
    "totimespan",
    "coalesce",
    "abs",
    "max_of",
    "min_of",
    "parse_json",
    "todynamic",
    "parsejson",
    "array_length",
];

/// Real KQL functions that are recognised but not implemented yet (the
/// function-library issue brings them).
const KNOWN_UNSUPPORTED: &[&str] = &[
    // Geospatial constructive operations whose output layout (S2's vertex
    // order, snapping and simplification) is not reproduced yet.
    "geo_union_polygons_array",
    "geo_line_simplify",
    "geo_polygon_simplify",
    "geo_simplify_polygons_array",
    "geo_line_buffer",
    "geo_point_buffer",
    "geo_polygon_buffer",
    "geo_polygon_to_h3cells",
    "gzip_compress_to_base64_string",
    "zlib_compress_to_base64_string",
    "toscalar",
    // Combinations of hash() whose combining step Kusto does not document.
    "hash_combine",
    "hash_many",
    // Sizes per type beyond long (8) and string (its length) are not
    // documented, nor that of a dynamic value's "internal representation".
    "estimate_data_size",
    "parse_version",
    "series_periods_detect",
    "series_periods_validate",
    "series_fit_2lines",
    "series_fit_2lines_dynamic",
];

/// Deprecated names Kusto still accepts (Kusto.Language: `.Obsolete(...)`),
/// each bound as the function that replaced it.
const DEPRECATED_ALIASES: &[(&str, &str)] = &[
    ("notempty", "isnotempty"),
    ("notnull", "isnotnull"),
    ("datepart", "datetime_part"),
    ("weekofyear", "week_of_year"),
    ("totime", "totimespan"),
    ("toobject", "todynamic"),
    ("parseurl", "parse_url"),
    ("parseurlquery", "parse_urlquery"),
    ("array_strcat", "strcat_array"),
];

fn replacement_of(name: &str) -> Option<&'static str> {
    DEPRECATED_ALIASES
        .iter()
        .find(|(old, _)| *old == name)
        .map(|(_, new)| *new)
}

/// Functions that read the Kusto service's own state: the caller's
/// identity, the cluster, the database, ingestion cursors, extents.
/// An offline engine has none of it.
const SERVICE_FUNCTIONS: &[&str] = &[
    "current_principal",
    "current_principal_details",
    "current_principal_is_member_of",
    "current_database",
    "current_cluster_endpoint",
    "current_node_id",
    "current_cursor",
    "cursor_after",
    "cursor_before_or_at",
    "cursor_current",
    "extent_id",
    "extentid",
    "extent_tags",
];

/// The function families bound in the `functions/` modules.
const LIBRARY: &[&[&str]] = &[
    arrays::NAMES,
    bags::NAMES,
    control::NAMES,
    convert::NAMES,
    datetime::NAMES,
    digests::NAMES,
    enrichment::NAMES,
    geo::NAMES,
    math::NAMES,
    misc::NAMES,
    net::NAMES,
    regex::NAMES,
    scalars::NAMES,
    series::NAMES,
    strings::NAMES,
    schema::NAMES,
    window::NAMES,
];

fn is_library(name: &str) -> bool {
    LIBRARY.iter().any(|names| names.contains(&name))
}

/// Every implemented scalar function name.
fn implemented() -> impl Iterator<Item = &'static str> {
    SCALAR_FUNCTIONS
        .iter()
        .copied()
        .chain(LIBRARY.iter().flat_map(|n| n.iter().copied()))
}

pub(crate) fn is_known_scalar(name: &str) -> bool {
    SCALAR_FUNCTIONS.contains(&name)
        || is_library(name)
        || KNOWN_UNSUPPORTED.contains(&name)
        || SERVICE_FUNCTIONS.contains(&name)
        || replacement_of(name).is_some()
}

/// Checks a built-in's argument count. A `name = value` argument is seen
/// through: Kusto ignores the names given to a built-in's arguments
/// (`iff(c, x = 1, 2)` is `iff(c, 1, 2)`; Kusto.Language's binder only checks
/// names against user-defined functions' parameters).
pub(crate) fn arity(
    name: &str,
    args: &[ast::Arg],
    min: usize,
    max: usize,
    span: Span,
) -> Result<(), Diagnostic> {
    if args.len() < min || args.len() > max {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            span,
            format!("{name}() takes {expected} argument(s), got {}", args.len()),
        ));
    }
    Ok(())
}

pub(crate) fn bind_function(
    b: &mut Binder,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let name = call.name.name.as_str();
    if let Some(new) = replacement_of(name) {
        let mut renamed = call.clone();
        renamed.name.name = new.to_string();
        return bind_function(b, &renamed, row, span);
    }
    let args = &call.args;
    let bind_args = |b: &mut Binder| -> Result<Vec<BExpr>, Diagnostic> {
        args.iter().map(|a| b.bind_scalar(&a.value, row)).collect()
    };
    match name {
        "rand" => {
            arity(name, args, 0, 1, span)?;
            let n = match args.first() {
                Some(a) => {
                    let v = b.bind_scalar(&a.value, row)?;
                    if !matches!(v.ty, KqlType::Int | KqlType::Long) {
                        return Err(super::operators::type_error(
                            a.value.span,
                            &format!("rand() takes an integer N, got {}", v.ty.as_str()),
                        ));
                    }
                    Some(super::expr::cast_to(v, KqlType::Long).expr)
                }
                None => None,
            };
            Ok(BExpr::new(
                kql_functions::random::rand_expr(n),
                KqlType::Real,
            ))
        }
        "now" | "ago" => {
            if name == "now" {
                arity(name, args, 0, 1, span)?;
            } else {
                arity(name, args, 1, 1, span)?;
            }
            let n = now_value(b);
            let Some(arg) = args.first() else {
                return Ok(n);
            };
            let d = b.bind_scalar(&arg.value, row)?;
            if d.ty != KqlType::TimeSpan {
                return Err(type_error(
                    arg.value.span,
                    &format!("{name}() needs a timespan, got {}", d.ty.as_str()),
                )
                .with_hint("write a timespan such as `1d`, `24h` or `30m`"));
            }
            // now(offset) is now() + offset; ago(d) is now() - d
            let op = if name == "now" {
                BinaryOp::Add
            } else {
                BinaryOp::Sub
            };
            arithmetic(op, n, d, span)
        }
        "bin" | "floor" => {
            arity(name, args, 2, 2, span)?;
            let a = bind_args(b)?;
            bin(a[0].clone(), a[1].clone(), span)
        }
        "strcat" => {
            // A name on an argument (`strcat(a, ";", PeerStatus = b)`, as the
            // Squid ASIM parser writes) labels nothing: only the values count.
            let unnamed: Vec<ast::Arg> = args
                .iter()
                .map(|a| ast::Arg {
                    name: None,
                    ..a.clone()
                })
                .collect();
            arity(name, &unnamed, 1, 64, span)?;
            let a = bind_args(b)?;
            let parts: Vec<Expr> = a.into_iter().map(|v| to_string_expr(v).expr).collect();
            Ok(BExpr::new(
                datafusion::functions::string::expr_fn::concat(parts),
                KqlType::String,
            ))
        }
        "tolower" | "toupper" => {
            arity(name, args, 1, 1, span)?;
            let v = to_string_expr(bind_args(b)?.remove(0));
            let e = if name == "tolower" {
                datafusion::functions::string::expr_fn::lower(v.expr)
            } else {
                datafusion::functions::string::expr_fn::upper(v.expr)
            };
            Ok(BExpr::new(e, KqlType::String))
        }
        "strlen" => {
            arity(name, args, 1, 1, span)?;
            let v = to_string_expr(bind_args(b)?.remove(0));
            Ok(BExpr::new(
                cast(
                    datafusion::functions::unicode::expr_fn::character_length(v.expr),
                    DataType::Int64,
                ),
                KqlType::Long,
            ))
        }
        "isnull" | "isnotnull" => {
            arity(name, args, 1, 1, span)?;
            let v = bind_args(b)?.remove(0);
            // A string is never null.
            let e = if v.ty == KqlType::String {
                lit(name == "isnotnull")
            } else if name == "isnull" {
                v.expr.is_null()
            } else {
                v.expr.is_not_null()
            };
            Ok(BExpr::new(e, KqlType::Bool))
        }
        "isempty" | "isnotempty" => {
            arity(name, args, 1, 1, span)?;
            let v = bind_args(b)?.remove(0);
            let empty = match v.ty {
                KqlType::String => binary_expr(v.expr, Operator::Eq, lit("")),
                _ => {
                    let s = to_string_expr(v).expr;
                    binary_expr(s, Operator::Eq, lit(""))
                }
            };
            let e = if name == "isempty" {
                empty
            } else {
                Expr::Not(Box::new(empty))
            };
            Ok(BExpr::new(e, KqlType::Bool))
        }
        "iff" | "iif" => {
            arity(name, args, 3, 3, span)?;
            let mut a = bind_args(b)?;
            let c = expect_bool(a.remove(0), args[0].value.span, "iff() condition")?;
            let (t, f) = (a.remove(0), a.remove(0));
            let ty = branch_type(t.ty, f.ty).ok_or_else(|| {
                type_error(
                    span,
                    &format!(
                        "iff() branches have different types: {} and {}",
                        t.ty.as_str(),
                        f.ty.as_str()
                    ),
                )
            })?;
            let (t, f) = (cast_to(t, ty), cast_to(f, ty));
            // A null condition takes the else branch, as in Kusto: that is
            // what CASE WHEN does with null, so no coalesce() wrapper (which
            // DataFusion's optimiser rewrites and re-extracts at every level
            // of a chain of `extend x = iff(..., f(x), x)`, exponentially).
            let e = when(c.expr, t.expr)
                .otherwise(f.expr)
                .map_err(|e| Diagnostic::internal("bind", e))?;
            Ok(BExpr::new(e, ty))
        }
        "not" => {
            arity(name, args, 1, 1, span)?;
            not_expr(bind_args(b)?.remove(0), span)
        }
        "tostring" => {
            arity(name, args, 1, 1, span)?;
            Ok(to_string_expr(bind_args(b)?.remove(0)))
        }
        "tolong" | "toint" | "todouble" | "toreal" | "tobool" | "toboolean" | "todatetime"
        | "totimespan" => {
            arity(name, args, 1, 1, span)?;
            let v = bind_args(b)?.remove(0);
            let to = match name {
                "tolong" => KqlType::Long,
                "toint" => KqlType::Int,
                "todouble" | "toreal" => KqlType::Real,
                "tobool" | "toboolean" => KqlType::Bool,
                "todatetime" => KqlType::DateTime,
                _ => KqlType::TimeSpan,
            };
            if v.ty == to {
                return Ok(v);
            }
            if v.ty == KqlType::Dynamic {
                return Ok(from_dynamic(v, to));
            }
            if to == KqlType::TimeSpan && v.ty == KqlType::String {
                // Arrow cannot cast text to a duration: Kusto's parser.
                return Ok(BExpr::new(
                    kql_functions::timespan::totimespan_expr(v.expr),
                    to,
                ));
            }
            if to == KqlType::DateTime && v.ty == KqlType::String {
                // The forms a `datetime(...)` literal accepts: Kusto's parser.
                return Ok(BExpr::new(
                    kql_functions::todatetime::todatetime_expr(v.expr),
                    to,
                ));
            }
            // Conversions give null on bad input, never an error.
            let src = if v.ty == KqlType::String {
                // "" converts to null
                datafusion::functions::core::expr_fn::nullif(v.expr, lit(""))
            } else {
                v.expr
            };
            Ok(BExpr::new(try_cast(src, arrow_type(to)), to))
        }
        "parse_json" | "todynamic" | "parsejson" => {
            arity(name, args, 1, 1, span)?;
            let v = bind_args(b)?.remove(0);
            if v.ty == KqlType::Dynamic {
                return Ok(v);
            }
            // Any other scalar parses from its text (`parse_json(12)` is 12).
            let text = to_string_expr(v);
            Ok(BExpr::new(
                kql_functions::dynamic::parse_json_expr(text.expr),
                KqlType::Dynamic,
            ))
        }
        "array_length" => {
            arity(name, args, 1, 1, span)?;
            let v = bind_args(b)?.remove(0);
            if v.ty != KqlType::Dynamic {
                return Err(type_error(
                    args[0].value.span,
                    &format!(
                        "array_length() needs a dynamic array, got {}",
                        v.ty.as_str()
                    ),
                )
                .with_hint("parse JSON text first: array_length(parse_json(x))"));
            }
            Ok(BExpr::new(
                kql_functions::dynamic::array_length_expr(v.expr),
                KqlType::Long,
            ))
        }
        "coalesce" => {
            arity(name, args, 2, 64, span)?;
            let a = bind_args(b)?;
            let mut ty = a[0].ty;
            for v in &a[1..] {
                ty = result_type(ty, v.ty).ok_or_else(|| {
                    type_error(span, "coalesce() arguments must have the same type")
                })?;
            }
            let parts: Vec<Expr> = if ty == KqlType::String {
                // the first non-empty string
                a.into_iter()
                    .map(|v| {
                        datafusion::functions::core::expr_fn::nullif(cast_to(v, ty).expr, lit(""))
                    })
                    .chain(std::iter::once(lit("")))
                    .collect()
            } else {
                a.into_iter().map(|v| cast_to(v, ty).expr).collect()
            };
            Ok(BExpr::new(coalesce(parts), ty))
        }
        "abs" => {
            arity(name, args, 1, 1, span)?;
            let v = bind_args(b)?.remove(0);
            if v.ty == KqlType::TimeSpan {
                // abs(timespan) is a timespan (Kusto.Language's signature),
                // on the nanosecond count.
                let ns = cast(v.expr, DataType::Int64);
                let e = cast(
                    datafusion::functions::math::expr_fn::abs(ns),
                    crate::types::arrow_type(KqlType::TimeSpan),
                );
                return Ok(BExpr::new(e, KqlType::TimeSpan));
            }
            if !is_numeric(v.ty) {
                return Err(type_error(
                    span,
                    &format!("abs() needs a number or a timespan, got {}", v.ty.as_str()),
                ));
            }
            let ty = v.ty;
            Ok(BExpr::new(
                datafusion::functions::math::expr_fn::abs(v.expr),
                ty,
            ))
        }
        "max_of" | "min_of" => {
            arity(name, args, 2, 64, span)?;
            let a = bind_args(b)?;
            let mut ty = a[0].ty;
            for v in &a[1..] {
                ty = result_type(ty, v.ty).ok_or_else(|| {
                    type_error(span, &format!("{name}() arguments must have the same type"))
                })?;
            }
            let parts: Vec<Expr> = a.into_iter().map(|v| cast_to(v, ty).expr).collect();
            let e = if name == "max_of" {
                datafusion::functions::core::expr_fn::greatest(parts)
            } else {
                datafusion::functions::core::expr_fn::least(parts)
            };
            Ok(BExpr::new(e, ty))
        }
        _ if arrays::NAMES.contains(&name) => arrays::bind(b, name, call, row, span),
        _ if bags::NAMES.contains(&name) => bags::bind(b, name, call, row, span),
        _ if control::NAMES.contains(&name) => control::bind(b, name, call, row, span),
        _ if datetime::NAMES.contains(&name) => datetime::bind(b, name, call, row, span),
        _ if digests::NAMES.contains(&name) => digests::bind(b, name, call, row, span),
        _ if enrichment::NAMES.contains(&name) => enrichment::bind(b, name, call, row, span),
        _ if math::NAMES.contains(&name) => math::bind(b, name, call, row, span),
        _ if net::NAMES.contains(&name) => net::bind(b, name, call, row, span),
        _ if misc::NAMES.contains(&name) => misc::bind(b, name, call, row, span),
        _ if regex::NAMES.contains(&name) => regex::bind(b, name, call, row, span),
        _ if convert::NAMES.contains(&name) => convert::bind(b, name, call, row, span),
        _ if scalars::NAMES.contains(&name) => scalars::bind(b, name, call, row, span),
        _ if strings::NAMES.contains(&name) => strings::bind(b, name, call, row, span),
        _ if geo::NAMES.contains(&name) => geo::bind(b, name, call, row, span),
        _ if series::NAMES.contains(&name) => series::bind(b, name, call, row, span),
        _ if window::NAMES.contains(&name) => window::bind(b, name, call, row, span),
        _ if schema::NAMES.contains(&name) => schema::bind(b, name, call, row, span),
        _ => Err(unknown_function(name, call.name.span)),
    }
}

/// A string argument: strings as they are, guids and dynamic values as
/// their text (`tostring()`); other types are a type error.
pub(crate) fn expect_string(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    match v.ty {
        KqlType::String | KqlType::Guid | KqlType::Dynamic => Ok(to_string_expr(v).expr),
        other => Err(type_error(
            span,
            &format!("{name}() needs a string here, got {}", other.as_str()),
        )
        .with_hint("convert it first with tostring()")),
    }
}

/// An integer argument (int, long, or a dynamic number) as Int64.
pub(crate) fn expect_integer(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    match v.ty {
        KqlType::Int | KqlType::Long | KqlType::Dynamic => Ok(cast_to(v, KqlType::Long).expr),
        other => Err(type_error(
            span,
            &format!("{name}() needs an integer here, got {}", other.as_str()),
        )),
    }
}

/// A dynamic argument.
pub(crate) fn expect_dynamic(name: &str, v: BExpr, span: Span) -> Result<BExpr, Diagnostic> {
    if v.ty == KqlType::Dynamic {
        return Ok(v);
    }
    let d = type_error(
        span,
        &format!("{name}() needs a dynamic array here, got {}", v.ty.as_str()),
    );
    Err(if v.ty == KqlType::String {
        d.with_hint("parse JSON text first with parse_json(), or build an array with pack_array()")
    } else {
        d.with_hint("build an array with pack_array() or dynamic([...])")
    })
}

/// Text (a nullable Utf8 expression) converted to a KQL type as `to<type>()`
/// does: null when it does not convert.
pub(crate) fn convert_string(text: Expr, to: KqlType) -> BExpr {
    let nonempty = || datafusion::functions::core::expr_fn::nullif(text.clone(), lit(""));
    let e = match to {
        KqlType::String => coalesce(vec![text, lit("")]),
        KqlType::Guid => nonempty(),
        KqlType::Dynamic => kql_functions::dynamic::parse_json_expr(text),
        KqlType::TimeSpan => kql_functions::timespan::totimespan_expr(text),
        _ => try_cast(nonempty(), arrow_type(to)),
    };
    BExpr::new(e, to)
}

fn unknown_function(name: &str, span: Span) -> Diagnostic {
    if matches!(
        name,
        "inner_nodes" | "node_degree_in" | "node_degree_out" | "labels" | "all" | "map"
    ) {
        return Diagnostic::at(
            Code::BadArgument,
            span,
            format!(
                "'{name}()' is a graph function: it is valid only in the `where` / `project` of graph-match or graph-shortest-paths"
            ),
        );
    }
    if SERVICE_FUNCTIONS.contains(&name) {
        return Diagnostic::at(
            Code::UnsupportedFunction,
            span,
            format!(
                "function '{name}()' reads the state of a Kusto service (its caller, cluster, database, cursors or extents); kql runs offline over an archive, which has none"
            ),
        )
        .with_hint("replace it with the value it would give, as a literal or a `let`");
    }
    if KNOWN_UNSUPPORTED.contains(&name) {
        return Diagnostic::at(
            Code::UnsupportedFunction,
            span,
            format!("function '{name}()' is not supported yet"),
        )
        .with_hint("see the function support table in the README");
    }
    let close = suggest(
        name,
        implemented().chain(super::aggregates::AGGREGATES.iter().copied()),
    );
    let d = Diagnostic::at(
        Code::UnknownFunction,
        span,
        format!("unknown function '{name}'"),
    );
    if close.is_empty() {
        d
    } else {
        d.with_hint(format!("did you mean '{}'?", close.join("', '")))
    }
}

/// The common type of two branch values (`iff`, `coalesce`, `max_of`).
pub(crate) fn result_type(a: KqlType, b: KqlType) -> Option<KqlType> {
    if a == b {
        return Some(a);
    }
    numeric_common(a, b)
}

/// The result type of `iff` / `case` branches: their common type, where a
/// dynamic branch takes the other branch's type (Kusto.Language's
/// `CommonNonDynamic`: `iff(c, d.Value, "")` is a string, the dynamic
/// value converted as `tostring()` would).
pub(crate) fn branch_type(a: KqlType, b: KqlType) -> Option<KqlType> {
    match (a, b) {
        (KqlType::Dynamic, other) | (other, KqlType::Dynamic) => Some(other),
        _ => result_type(a, b),
    }
}

/// `now()`: one value for the whole query (the binder's option).
fn now_value(b: &Binder) -> BExpr {
    constant(
        ScalarValue::TimestampNanosecond(Some(b.options.now_ns), None),
        KqlType::DateTime,
    )
}

/// `bin(value, size)`: floor to a multiple of `size`. Datetimes are binned
/// from the Unix epoch, on nanosecond integers.
pub(crate) fn bin(v: BExpr, size: BExpr, span: Span) -> Result<BExpr, Diagnostic> {
    let floor_int = |x: Expr, s: Expr| {
        // x - ((x % s) + s) % s : floor for negative x too
        binary_expr(
            x.clone(),
            Operator::Minus,
            binary_expr(
                binary_expr(
                    binary_expr(x, Operator::Modulo, s.clone()),
                    Operator::Plus,
                    s.clone(),
                ),
                Operator::Modulo,
                s,
            ),
        )
    };
    // "Null values, a null bin size, or a negative bin size will result in
    // null" (bin-function.md); a zero size too (instead of a division error).
    let positive = |s: Expr, zero: Expr| -> Result<Expr, Diagnostic> {
        when(s.clone().gt(zero), s)
            .end()
            .map_err(|e| Diagnostic::internal("bind", e))
    };
    match (v.ty, size.ty) {
        (KqlType::DateTime | KqlType::TimeSpan, KqlType::TimeSpan) => {
            let ty = v.ty;
            let e = floor_int(
                cast(v.expr, DataType::Int64),
                positive(cast(size.expr, DataType::Int64), lit(0i64))?,
            );
            Ok(BExpr::new(cast(e, arrow_type(ty)), ty))
        }
        (KqlType::Int | KqlType::Long, KqlType::Int | KqlType::Long) => {
            let e = floor_int(
                cast(v.expr, DataType::Int64),
                positive(cast(size.expr, DataType::Int64), lit(0i64))?,
            );
            Ok(BExpr::new(e, KqlType::Long))
        }
        (a, b) if is_numeric(a) && is_numeric(b) => {
            let x = cast(v.expr, DataType::Float64);
            let s = positive(cast(size.expr, DataType::Float64), lit(0.0f64))?;
            let e = binary_expr(
                datafusion::functions::math::expr_fn::floor(binary_expr(
                    x,
                    Operator::Divide,
                    s.clone(),
                )),
                Operator::Multiply,
                s,
            );
            Ok(BExpr::new(e, KqlType::Real))
        }
        (a, b) => Err(type_error(
            span,
            &format!("bin() cannot bin a {} by a {}", a.as_str(), b.as_str()),
        )),
    }
}
