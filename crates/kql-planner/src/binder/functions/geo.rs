//! Geospatial functions: geohash, S2 and H3 cells (`geo_point_to_*`,
//! `geo_*_to_central_point`, `geo_*_to_polygon`, `geo_*_neighbors`, the H3
//! hierarchy) and the spherical metrics `geo_distance_2points`,
//! `geo_point_in_circle`, and the shape functions (containment, distances
//! and closest points to lines and polygons, densify, intersects,
//! intersections, S2 coverings, WKT). Coordinates are reals (longitude
//! first); GeoJSON shapes are dynamic; the UDFs of `kql_functions::geo` do
//! the work.

use super::{arity, expect_dynamic, expect_integer, expect_string};
use crate::binder::Binder;
use crate::binder::expr::cast_to;
use crate::binder::operators::type_error;
use crate::bound::{BExpr, BoundColumn};
use crate::types::{KqlType, is_numeric};
use datafusion::logical_expr::Expr;
use kql_functions::geo::geo_function_expr;
use kql_syntax::ast;
use kql_syntax::{Diagnostic, Span};

pub(super) const NAMES: &[&str] = kql_functions::geo::GEO_FUNCTIONS;

/// How each argument is read.
#[derive(Clone, Copy)]
enum A {
    Real,
    Int,
    Str,
    /// A GeoJSON dynamic value (its JSON text).
    Dyn,
    Bool,
}

/// (argument kinds, required count, result type)
fn signature(name: &str) -> Option<(&'static [A], usize, KqlType)> {
    use A::*;
    Some(match name {
        "geo_point_to_geohash" | "geo_point_to_s2cell" | "geo_point_to_h3cell" => {
            (&[Real, Real, Int], 2, KqlType::String)
        }
        "geo_geohash_to_central_point"
        | "geo_geohash_to_polygon"
        | "geo_geohash_neighbors"
        | "geo_s2cell_to_central_point"
        | "geo_s2cell_to_polygon"
        | "geo_s2cell_neighbors"
        | "geo_h3cell_to_central_point"
        | "geo_h3cell_to_polygon"
        | "geo_h3cell_neighbors" => (&[Str], 1, KqlType::Dynamic),
        "geo_h3cell_level" => (&[Str], 1, KqlType::Int),
        "geo_h3cell_parent" => (&[Str, Int], 1, KqlType::String),
        "geo_h3cell_children" => (&[Str, Int], 1, KqlType::Dynamic),
        "geo_h3cell_rings" => (&[Str, Int], 2, KqlType::Dynamic),
        "geo_distance_2points" => (&[Real, Real, Real, Real], 4, KqlType::Real),
        "geo_point_in_circle" => (&[Real, Real, Real, Real, Real], 5, KqlType::Bool),
        "geo_azimuth" => (&[Real, Real, Real, Real], 4, KqlType::Real),
        "geo_angle" => (&[Real, Real, Real, Real, Real, Real], 6, KqlType::Real),
        "geo_line_length" => (&[Dyn], 1, KqlType::Real),
        "geo_polygon_area" => (&[Dyn], 1, KqlType::Real),
        "geo_polygon_centroid" => (&[Dyn], 1, KqlType::Dynamic),
        "geo_point_in_polygon" => (&[Real, Real, Dyn], 3, KqlType::Bool),
        "geo_polygon_perimeter" => (&[Dyn], 1, KqlType::Real),
        "geo_line_centroid" => (&[Dyn], 1, KqlType::Dynamic),
        "geo_distance_point_to_line" | "geo_distance_point_to_polygon" => {
            (&[Real, Real, Dyn], 3, KqlType::Real)
        }
        "geo_closest_point_on_line" | "geo_closest_point_on_polygon" => {
            (&[Real, Real, Dyn], 3, KqlType::Dynamic)
        }
        "geo_line_interpolate_point" => (&[Dyn, Real], 2, KqlType::Dynamic),
        "geo_line_locate_point" => (&[Dyn, Real, Real], 3, KqlType::Real),
        "geo_line_densify" | "geo_polygon_densify" => (&[Dyn, Real, Bool], 1, KqlType::Dynamic),
        "geo_intersects_2lines"
        | "geo_intersects_2polygons"
        | "geo_intersects_line_with_polygon" => (&[Dyn, Dyn], 2, KqlType::Bool),
        "geo_from_wkt" => (&[Str], 1, KqlType::Dynamic),
        "geo_union_lines_array" => (&[Dyn], 1, KqlType::Dynamic),
        "geo_polygon_to_s2cells" => (&[Dyn, Int], 1, KqlType::Dynamic),
        "geo_intersection_2lines"
        | "geo_intersection_line_with_polygon"
        | "geo_intersection_2polygons" => (&[Dyn, Dyn], 2, KqlType::Dynamic),
        _ => return None,
    })
}

fn real(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    if is_numeric(v.ty) || v.ty == KqlType::Dynamic {
        return Ok(cast_to(v, KqlType::Real).expr);
    }
    Err(type_error(
        span,
        &format!(
            "{name}() needs a real coordinate here, got {}",
            v.ty.as_str()
        ),
    ))
}

fn boolean(name: &str, v: BExpr, span: Span) -> Result<Expr, Diagnostic> {
    if matches!(v.ty, KqlType::Bool | KqlType::Dynamic) {
        return Ok(cast_to(v, KqlType::Bool).expr);
    }
    Err(type_error(
        span,
        &format!("{name}() needs a bool here, got {}", v.ty.as_str()),
    ))
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    if matches!(name, "geo_geohash_neighbors" | "geo_s2cell_neighbors") {
        // The right cells, but not yet in Kusto's (undocumented) order.
        return Err(Diagnostic::at(
            kql_syntax::Code::UnsupportedFunction,
            call.name.span,
            format!("function '{name}()' is not supported yet"),
        )
        .with_hint("geo_h3cell_neighbors() is supported"));
    }
    let args = &call.args;
    let (kinds, required, ty) = signature(name)
        .ok_or_else(|| Diagnostic::internal("bind", format!("no signature for {name}")))?;
    arity(name, args, required, kinds.len(), span)?;
    let mut exprs = Vec::with_capacity(args.len());
    for (a, kind) in args.iter().zip(kinds) {
        let v = b.bind_scalar(&a.value, row)?;
        let sp = a.value.span;
        exprs.push(match kind {
            A::Real => real(name, v, sp)?,
            A::Int => expect_integer(name, v, sp)?,
            A::Str => expect_string(name, v, sp)?,
            A::Dyn => expect_dynamic(name, v, sp)?.expr,
            A::Bool => boolean(name, v, sp)?,
        });
    }
    let e = geo_function_expr(name, exprs)
        .ok_or_else(|| Diagnostic::internal("bind", format!("no UDF for {name}")))?;
    Ok(BExpr::new(e, ty))
}
