//! Geospatial functions: the geohash, S2 and H3 cell families
//! ([`cells`]), the spherical metric functions ([`distance`]), polygon
//! measures ([`polygon`]), the shape functions on lines and polygons
//! ([`shapes`]), line intersections and unions ([`overlay`]), S2 polygon
//! coverings ([`covering`]) and WKT input ([`wkt`]).
//!
//! Conventions (Kusto): longitude first, then latitude, in degrees;
//! longitude valid in [-180, 180], latitude in [-90, 90]. Invalid input gives
//! null (an empty string for string results). GeoJSON results are dynamic
//! values (JSON text), `{"type":"Point","coordinates":[lng,lat]}` /
//! `{"type":"Polygon","coordinates":[[[lng,lat],...]]}`.

pub mod cells;
pub mod covering;
pub mod distance;
pub mod overlay;
pub mod polygon;
pub mod shapes;
pub mod wkt;

use crate::typed_udf::TypedUdf;
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::fmt::Write;
use std::sync::Arc;

/// How a geo UDF reads one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum In {
    F64,
    I64,
    Str,
    Bool,
}

/// The arguments of one call: the shared typed-argument reader.
pub(crate) type Cols = crate::typed_udf::TypedArgs;

pub(crate) type GeoKernel = crate::typed_udf::TypedKernel;

impl In {
    fn data_type(self) -> DataType {
        match self {
            In::F64 => DataType::Float64,
            In::I64 => DataType::Int64,
            In::Str => DataType::Utf8,
            In::Bool => DataType::Boolean,
        }
    }
}

const DYN: DataType = DataType::Utf8;

fn udf(name: &str) -> Option<TypedUdf> {
    use In::*;
    const PT: &[In] = &[F64, F64, I64];
    const S: &[In] = &[Str, I64];
    let (ret, reads, kernel): (DataType, &'static [In], GeoKernel) = match name {
        "geo_point_to_geohash" => (DataType::Utf8, PT, cells::point_to_geohash),
        "geo_geohash_to_central_point" => (DYN, S, cells::geohash_to_central_point),
        "geo_geohash_to_polygon" => (DYN, S, cells::geohash_to_polygon),
        "geo_geohash_neighbors" => (DYN, S, cells::geohash_neighbors),
        "geo_point_to_s2cell" => (DataType::Utf8, PT, cells::point_to_s2cell),
        "geo_s2cell_to_central_point" => (DYN, S, cells::s2cell_to_central_point),
        "geo_s2cell_to_polygon" => (DYN, S, cells::s2cell_to_polygon),
        "geo_s2cell_neighbors" => (DYN, S, cells::s2cell_neighbors),
        "geo_point_to_h3cell" => (DataType::Utf8, PT, cells::point_to_h3cell),
        "geo_h3cell_to_central_point" => (DYN, S, cells::h3cell_to_central_point),
        "geo_h3cell_to_polygon" => (DYN, S, cells::h3cell_to_polygon),
        "geo_h3cell_parent" => (DataType::Utf8, S, cells::h3cell_parent),
        "geo_h3cell_children" => (DYN, S, cells::h3cell_children),
        "geo_h3cell_level" => (DataType::Int32, S, cells::h3cell_level),
        "geo_h3cell_neighbors" => (DYN, S, cells::h3cell_neighbors),
        "geo_h3cell_rings" => (DYN, S, cells::h3cell_rings),
        "geo_distance_2points" => (DataType::Float64, &[F64], distance::distance_2points),
        "geo_point_in_circle" => (DataType::Boolean, &[F64], distance::point_in_circle),
        "geo_azimuth" => (DataType::Float64, &[F64], distance::azimuth),
        "geo_angle" => (DataType::Float64, &[F64], distance::angle),
        "geo_line_length" => (DataType::Float64, &[Str], distance::line_length),
        "geo_polygon_area" => (DataType::Float64, &[Str], polygon::polygon_area),
        "geo_polygon_centroid" => (DYN, &[Str], polygon::polygon_centroid),
        "geo_point_in_polygon" => (
            DataType::Boolean,
            &[F64, F64, Str],
            shapes::point_in_polygon,
        ),
        "geo_polygon_perimeter" => (DataType::Float64, &[Str], shapes::polygon_perimeter),
        "geo_line_centroid" => (DYN, &[Str], shapes::line_centroid),
        "geo_distance_point_to_line" => (
            DataType::Float64,
            &[F64, F64, Str],
            shapes::distance_point_to_line,
        ),
        "geo_distance_point_to_polygon" => (
            DataType::Float64,
            &[F64, F64, Str],
            shapes::distance_point_to_polygon,
        ),
        "geo_closest_point_on_line" => (DYN, &[F64, F64, Str], shapes::closest_point_on_line),
        "geo_closest_point_on_polygon" => (DYN, &[F64, F64, Str], shapes::closest_point_on_polygon),
        "geo_line_interpolate_point" => (DYN, &[Str, F64], shapes::line_interpolate_point),
        "geo_line_locate_point" => (
            DataType::Float64,
            &[Str, F64, F64],
            shapes::line_locate_point,
        ),
        "geo_line_densify" => (DYN, &[Str, F64, Bool], shapes::line_densify),
        "geo_polygon_densify" => (DYN, &[Str, F64, Bool], shapes::polygon_densify),
        "geo_intersects_2lines" => (DataType::Boolean, &[Str], shapes::intersects_2lines),
        "geo_intersects_2polygons" => (DataType::Boolean, &[Str], shapes::intersects_2polygons),
        "geo_intersects_line_with_polygon" => (
            DataType::Boolean,
            &[Str],
            shapes::intersects_line_with_polygon,
        ),
        "geo_from_wkt" => (DYN, &[Str], wkt::from_wkt),
        "geo_intersection_2lines" => (DYN, &[Str], overlay::intersection_2lines),
        "geo_intersection_2polygons" => (DYN, &[Str], overlay::intersection_2polygons),
        "geo_union_lines_array" => (DYN, &[Str], overlay::union_lines_array),
        "geo_polygon_to_s2cells" => (DYN, S, covering::polygon_to_s2cells),
        "geo_intersection_line_with_polygon" => {
            (DYN, &[Str], overlay::intersection_line_with_polygon)
        }
        _ => return None,
    };
    let args: Vec<DataType> = reads.iter().map(|r| r.data_type()).collect();
    Some(TypedUdf::new(kql_name(name)?, ret, &args, kernel))
}

/// The KQL functions of this module.
pub const GEO_FUNCTIONS: &[&str] = &[
    "geo_point_to_geohash",
    "geo_geohash_to_central_point",
    "geo_geohash_to_polygon",
    "geo_geohash_neighbors",
    "geo_point_to_s2cell",
    "geo_s2cell_to_central_point",
    "geo_s2cell_to_polygon",
    "geo_s2cell_neighbors",
    "geo_point_to_h3cell",
    "geo_h3cell_to_central_point",
    "geo_h3cell_to_polygon",
    "geo_h3cell_parent",
    "geo_h3cell_children",
    "geo_h3cell_level",
    "geo_h3cell_neighbors",
    "geo_h3cell_rings",
    "geo_distance_2points",
    "geo_point_in_circle",
    "geo_azimuth",
    "geo_angle",
    "geo_line_length",
    "geo_polygon_area",
    "geo_polygon_centroid",
    "geo_point_in_polygon",
    "geo_polygon_perimeter",
    "geo_line_centroid",
    "geo_distance_point_to_line",
    "geo_distance_point_to_polygon",
    "geo_closest_point_on_line",
    "geo_closest_point_on_polygon",
    "geo_line_interpolate_point",
    "geo_line_locate_point",
    "geo_line_densify",
    "geo_polygon_densify",
    "geo_intersects_2lines",
    "geo_intersects_2polygons",
    "geo_intersects_line_with_polygon",
    "geo_from_wkt",
    "geo_intersection_2lines",
    "geo_intersection_2polygons",
    "geo_union_lines_array",
    "geo_polygon_to_s2cells",
    "geo_intersection_line_with_polygon",
];

/// The UDF name (`kql_` + the KQL name).
fn kql_name(name: &str) -> Option<&'static str> {
    const UDF_NAMES: &[&str] = &[
        "kql_geo_point_to_geohash",
        "kql_geo_geohash_to_central_point",
        "kql_geo_geohash_to_polygon",
        "kql_geo_geohash_neighbors",
        "kql_geo_point_to_s2cell",
        "kql_geo_s2cell_to_central_point",
        "kql_geo_s2cell_to_polygon",
        "kql_geo_s2cell_neighbors",
        "kql_geo_point_to_h3cell",
        "kql_geo_h3cell_to_central_point",
        "kql_geo_h3cell_to_polygon",
        "kql_geo_h3cell_parent",
        "kql_geo_h3cell_children",
        "kql_geo_h3cell_level",
        "kql_geo_h3cell_neighbors",
        "kql_geo_h3cell_rings",
        "kql_geo_distance_2points",
        "kql_geo_point_in_circle",
        "kql_geo_azimuth",
        "kql_geo_angle",
        "kql_geo_line_length",
        "kql_geo_polygon_area",
        "kql_geo_polygon_centroid",
        "kql_geo_point_in_polygon",
        "kql_geo_polygon_perimeter",
        "kql_geo_line_centroid",
        "kql_geo_distance_point_to_line",
        "kql_geo_distance_point_to_polygon",
        "kql_geo_closest_point_on_line",
        "kql_geo_closest_point_on_polygon",
        "kql_geo_line_interpolate_point",
        "kql_geo_line_locate_point",
        "kql_geo_line_densify",
        "kql_geo_polygon_densify",
        "kql_geo_intersects_2lines",
        "kql_geo_intersects_2polygons",
        "kql_geo_intersects_line_with_polygon",
        "kql_geo_from_wkt",
        "kql_geo_intersection_2lines",
        "kql_geo_intersection_2polygons",
        "kql_geo_union_lines_array",
        "kql_geo_polygon_to_s2cells",
        "kql_geo_intersection_line_with_polygon",
    ];
    UDF_NAMES.iter().copied().find(|u| &u[4..] == name)
}

/// The call of the UDF behind KQL function `name`, over arguments the
/// binder has already checked (reals, integers, strings as the function
/// reads them); `None` for a name this module does not implement.
pub fn geo_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| Arc::new(ScalarUDF::from(u)).call(args))
}

pub(crate) fn all_geo_udfs() -> Vec<ScalarUDF> {
    GEO_FUNCTIONS
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

/// Whether (lng, lat) is a valid coordinate.
pub(crate) fn valid_point(lng: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lng) && (-90.0..=90.0).contains(&lat)
}

/// A number as JSON (shortest text that reads back the same value).
pub(crate) fn push_num(out: &mut String, v: f64) {
    let _ = write!(out, "{v}");
}

/// `{"type":"Point","coordinates":[lng,lat]}`.
pub(crate) fn point_json(out: &mut String, lng: f64, lat: f64) {
    out.push_str("{\"type\":\"Point\",\"coordinates\":[");
    push_num(out, lng);
    out.push(',');
    push_num(out, lat);
    out.push_str("]}");
}

/// `{"type":"Polygon","coordinates":[[[lng,lat],...]]}`, closing the ring
/// (the first vertex repeated at the end).
pub(crate) fn polygon_json(out: &mut String, ring: &[(f64, f64)]) {
    out.push_str("{\"type\":\"Polygon\",\"coordinates\":[[");
    for (k, &(lng, lat)) in ring.iter().chain(ring.first()).enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('[');
        push_num(out, lng);
        out.push(',');
        push_num(out, lat);
        out.push(']');
    }
    out.push_str("]]}");
}

/// A JSON array of strings (tokens need no escaping).
pub(crate) fn string_array_json<S: AsRef<str>>(out: &mut String, items: impl Iterator<Item = S>) {
    out.push('[');
    for (k, s) in items.enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(s.as_ref());
        out.push('"');
    }
    out.push(']');
}
