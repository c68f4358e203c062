//! `evaluate geo_polygon_lookup(LookupTable, LookupPolygonKey,
//! SourceLongitude, SourceLatitude [, radius] [, return_unmatched]
//! [, lookup_area_radius] [, return_lookup_key])` and
//! `geo_line_lookup(LookupTable, LookupLineKey, SourceLongitude,
//! SourceLatitude, radius [, ...])` (geo-polygon-lookup-plugin.md,
//! geo-line-lookup-plugin.md): a lookup whose match is geometric. A point
//! matches a polygon it lies in (with `radius`: also one at most `radius`
//! meters away), a line at most `radius` meters away.
//!
//! The output is the source columns, then the lookup columns; the key
//! column (the shapes) only with `return_lookup_key = true`. A point gets
//! one row per matching shape; without one it is dropped unless
//! `return_unmatched`. `lookup_area_radius` is a performance hint and is
//! not used.
//!
//! The lookup table is computed once, while binding; each of its shapes
//! becomes a constant of one predicate per source row
//! (`geo_point_in_polygon`, `geo_distance_point_to_polygon`,
//! `geo_distance_point_to_line`), and `kql_true_positions` lists the shapes
//! that match, joined on their positions (see `ip_lookup`).

use super::super::super::eager;
use super::super::super::expr::cast_to;
use super::ip_lookup::{PositionJoin, join_positions};
use super::{Plugin, const_bool, plugin_args};
use crate::binder::Binder;
use crate::types::{KqlType, is_numeric};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Expr, lit};
use kql_functions::geo::geo_function_expr;
use kql_syntax::ast::ExprKind;
use kql_syntax::{Code, Diagnostic};

/// The most shapes a lookup table may have (each is one predicate per row).
const MAX_SHAPES: usize = 10_000;

pub(super) fn bind(
    b: &mut Binder,
    input: crate::bound::BoundTabular,
    plugin: &Plugin<'_>,
    lines: bool,
) -> Result<crate::bound::BoundTabular, Diagnostic> {
    let pname = plugin.call.name.name.as_str();
    let key_param = if lines {
        "LookupLineKey"
    } else {
        "LookupPolygonKey"
    };
    let args = plugin_args(
        plugin,
        &[
            "LookupTable",
            key_param,
            "SourceLongitude",
            "SourceLatitude",
            "radius",
            "return_unmatched",
            "lookup_area_radius",
            "return_lookup_key",
        ],
    )?;
    let (Some(table_e), Some(key_e), Some(lon_e), Some(lat_e)) =
        (args[0], args[1], args[2], args[3])
    else {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            plugin.span,
            format!(
                "{pname}() needs the lookup table, its {key_param} column, and the source longitude and latitude"
            ),
        ));
    };
    let lookup = b.bind_tabular(table_e)?;
    let key_name = match &key_e.kind {
        ExprKind::Name(id) if lookup.column(&id.name).is_some() => id.name.clone(),
        _ => {
            return Err(Diagnostic::at(
                Code::UnknownColumn,
                key_e.span,
                format!("{pname}()'s {key_param} must be a column of the lookup table"),
            ));
        }
    };
    let mut coord = |e| -> Result<Expr, Diagnostic> {
        let v = b.bind_scalar(e, &input.columns)?;
        if !is_numeric(v.ty) && v.ty != KqlType::Dynamic {
            return Err(super::super::super::operators::type_error(
                e.span,
                &format!(
                    "{pname}()'s coordinates must be numbers, not {}",
                    v.ty.as_str()
                ),
            ));
        }
        Ok(cast_to(v, KqlType::Real).expr)
    };
    let lon = coord(lon_e)?;
    let lat = coord(lat_e)?;
    let radius = match args[4] {
        Some(e) => {
            let v = b.bind_scalar(e, &[])?;
            if !is_numeric(v.ty) {
                return Err(super::super::super::operators::type_error(
                    e.span,
                    &format!("{pname}()'s radius must be a number, not {}", v.ty.as_str()),
                ));
            }
            Some(cast_to(eager::fold_if_constant(b, v, e.span)?, KqlType::Real).expr)
        }
        None if lines => {
            return Err(Diagnostic::at(
                Code::WrongArgCount,
                plugin.span,
                "geo_line_lookup() needs a radius (meters)",
            ));
        }
        None => None,
    };
    let return_unmatched = match args[5] {
        Some(e) => const_bool(b, e, "return_unmatched")?,
        None => false,
    };
    let return_key = match args[7] {
        Some(e) => const_bool(b, e, "return_lookup_key")?,
        None => false,
    };
    let batches = eager::evaluate_tabular_if_data(b, &lookup, plugin.span)?;
    let mut predicates: Vec<Expr> = Vec::new();
    let geo = |name: &str, shape: &str| -> Result<Expr, Diagnostic> {
        geo_function_expr(name, vec![lon.clone(), lat.clone(), lit(shape.to_string())])
            .ok_or_else(|| Diagnostic::internal("bind", format!("no UDF for {name}")))
    };
    for batch in &batches {
        let idx = batch
            .schema()
            .index_of(&key_name)
            .map_err(|e| Diagnostic::internal("bind", e))?;
        let col = datafusion::arrow::compute::cast(batch.column(idx), &DataType::Utf8)
            .map_err(|e| Diagnostic::internal("bind", e))?;
        let s = col.as_string::<i32>();
        for i in 0..s.len() {
            if predicates.len() >= MAX_SHAPES {
                return Err(Diagnostic::at(
                    Code::UnsupportedFeature,
                    plugin.span,
                    format!("{pname}() supports lookup tables of at most {MAX_SHAPES} shapes"),
                ));
            }
            let p = if s.is_null(i) {
                lit(false)
            } else {
                let shape = s.value(i);
                match (lines, &radius) {
                    (false, None) => geo("geo_point_in_polygon", shape)?,
                    (false, Some(r)) => geo("geo_point_in_polygon", shape)?.or(geo(
                        "geo_distance_point_to_polygon",
                        shape,
                    )?
                    .lt_eq(r.clone())),
                    (true, Some(r)) => geo("geo_distance_point_to_line", shape)?.lt_eq(r.clone()),
                    (true, None) => lit(false),
                }
            };
            predicates.push(p);
        }
    }
    if predicates.is_empty() {
        predicates.push(lit(false));
    }
    let positions = kql_functions::tabular::ip_lookup::true_positions_expr(predicates);
    join_positions(
        b,
        PositionJoin {
            input,
            lookup,
            batches,
            positions,
            extra: vec![],
            drop_right: if return_key { vec![] } else { vec![key_name] },
            return_unmatched,
        },
        plugin.span,
    )
}
