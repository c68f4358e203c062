//! Metric functions on Kusto's Earth model: a sphere of radius 6,371,010 m
//! (the documented `geo_distance_2points` example, Seattle to Los Angeles
//! = 1546754.35197381 m, is the haversine distance on that sphere).

use super::{Cols, valid_point};
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Float64Builder};
use datafusion::common::Result;
use std::sync::Arc;

/// The Earth radius in meters.
pub const EARTH_RADIUS_M: f64 = 6_371_010.0;

/// The great-circle (haversine) distance in meters.
pub fn sphere_distance(lng1: f64, lat1: f64, lng2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Two valid points from arguments `k..k+4`.
fn two_points(c: &Cols, i: usize, k: usize) -> Option<(f64, f64, f64, f64)> {
    let (x1, y1) = (c.f64(k, i)?, c.f64(k + 1, i)?);
    let (x2, y2) = (c.f64(k + 2, i)?, c.f64(k + 3, i)?);
    (valid_point(x1, y1) && valid_point(x2, y2)).then_some((x1, y1, x2, y2))
}

/// geo_distance_2points(lng1, lat1, lng2, lat2): null for invalid points.
pub(crate) fn distance_2points(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    for i in 0..c.rows {
        b.append_option(two_points(c, i, 0).map(|(a, b, x, y)| sphere_distance(a, b, x, y)));
    }
    Ok(Arc::new(b.finish()))
}

/// geo_point_in_circle(lng, lat, center_lng, center_lat, radius): null for
/// invalid points or a radius that is not positive.
pub(crate) fn point_in_circle(c: &Cols) -> Result<ArrayRef> {
    let mut b = BooleanBuilder::with_capacity(c.rows);
    for i in 0..c.rows {
        let r = c.f64(4, i).filter(|r| *r > 0.0);
        b.append_option(
            two_points(c, i, 0)
                .zip(r)
                .map(|((a, b, x, y), r)| sphere_distance(a, b, x, y) <= r),
        );
    }
    Ok(Arc::new(b.finish()))
}

/// The unit vector of (lng, lat).
fn unit(lng: f64, lat: f64) -> [f64; 3] {
    let (l, p) = (lng.to_radians(), lat.to_radians());
    [p.cos() * l.cos(), p.cos() * l.sin(), p.sin()]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Whether two points are the same place or antipodal (no defined
/// direction between them).
fn degenerate(lng1: f64, lat1: f64, lng2: f64, lat2: f64) -> bool {
    parallel(unit(lng1, lat1), unit(lng2, lat2))
}

/// Whether two unit vectors are equal or opposite (their cross product
/// vanishes).
pub(crate) fn parallel(a: [f64; 3], b: [f64; 3]) -> bool {
    let c = [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ];
    dot(c, c) < 1e-30
}

/// The initial bearing of the great circle from point 1 to point 2, in
/// radians clockwise from true north, in [0, 2pi).
fn bearing(lng1: f64, lat1: f64, lng2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dl = (lng2 - lng1).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x).rem_euclid(std::f64::consts::TAU)
}

/// geo_azimuth(lng1, lat1, lng2, lat2): the clockwise angle from true
/// north to the line point1 -> point2, radians in [0, 2pi); null for
/// invalid, equal or antipodal points.
pub(crate) fn azimuth(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    for i in 0..c.rows {
        b.append_option(
            two_points(c, i, 0)
                .filter(|&(a, b, x, y)| !degenerate(a, b, x, y))
                .map(|(a, b, x, y)| bearing(a, b, x, y)),
        );
    }
    Ok(Arc::new(b.finish()))
}

/// geo_angle(p1, p2, p3): the clockwise angle at p2 from line [p1, p2] to
/// line [p2, p3], radians in [0, 2pi); null for invalid points, p1 = p2,
/// p2 = p3 or antipodal pairs.
pub(crate) fn angle(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    for i in 0..c.rows {
        let v = two_points(c, i, 0).zip(two_points(c, i, 2)).and_then(
            |((x1, y1, x2, y2), (_, _, x3, y3))| {
                if degenerate(x1, y1, x2, y2) || degenerate(x2, y2, x3, y3) {
                    return None;
                }
                let to1 = bearing(x2, y2, x1, y1);
                let to3 = bearing(x2, y2, x3, y3);
                Some((to3 - to1).rem_euclid(std::f64::consts::TAU))
            },
        );
        b.append_option(v);
    }
    Ok(Arc::new(b.finish()))
}

/// The lines of a GeoJSON LineString / MultiLineString (each at least two
/// valid points, no edge between antipodal points); `None` otherwise.
pub(crate) fn lines(text: &str) -> Option<Vec<Vec<(f64, f64)>>> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let coords = v.get("coordinates")?;
    let raw: Vec<&serde_json::Value> = match v.get("type")?.as_str()? {
        "LineString" => vec![coords],
        "MultiLineString" => coords.as_array()?.iter().collect(),
        _ => return None,
    };
    let mut out = Vec::with_capacity(raw.len());
    for line in raw {
        let pts = line
            .as_array()?
            .iter()
            .map(|p| {
                let p = p.as_array()?;
                let (x, y) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
                valid_point(x, y).then_some((x, y))
            })
            .collect::<Option<Vec<_>>>()?;
        if pts.len() < 2 {
            return None;
        }
        if pts.windows(2).any(|w| {
            let (a, b) = (unit(w[0].0, w[0].1), unit(w[1].0, w[1].1));
            dot(a, b) < 0.0 && parallel(a, b)
        }) {
            return None;
        }
        out.push(pts);
    }
    (!out.is_empty()).then_some(out)
}

/// geo_line_length(lineString): the total length in meters of the
/// geodesic edges; null for an invalid line.
pub(crate) fn line_length(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    for i in 0..c.rows {
        b.append_option(c.str(0, i).and_then(lines).map(|ls| {
            ls.iter()
                .flat_map(|l| l.windows(2))
                .map(|w| sphere_distance(w[0].0, w[0].1, w[1].0, w[1].1))
                .sum()
        }));
    }
    Ok(Arc::new(b.finish()))
}

#[cfg(test)]
mod tests {
    use crate::geo::udf;
    use crate::udf::test_util::invoke;
    use datafusion::arrow::array::{Array, AsArray, Float64Array};
    use datafusion::arrow::datatypes::Float64Type;
    use datafusion::common::ScalarValue;
    use datafusion::logical_expr::ColumnarValue;
    use std::sync::Arc;

    fn lit(v: f64) -> ColumnarValue {
        ColumnarValue::Scalar(ScalarValue::Float64(Some(v)))
    }

    #[test]
    fn distance_matches_documented_example() {
        let lng = ColumnarValue::Array(Arc::new(Float64Array::from(vec![
            Some(-122.407628),
            None,
            Some(181.0),
        ])));
        let out = invoke(
            &udf("geo_distance_2points").unwrap(),
            vec![lng, lit(47.578557), lit(-118.275287), lit(34.019056)],
        );
        let out = out.as_primitive::<Float64Type>();
        assert!((out.value(0) - 1546754.35197381).abs() < 1e-6);
        assert!(out.is_null(1) && out.is_null(2));
    }

    #[test]
    fn circle_needs_positive_radius() {
        let run = |r: f64| {
            let out = invoke(
                &udf("geo_point_in_circle").unwrap(),
                vec![
                    lit(-122.143564),
                    lit(47.535677),
                    lit(-122.100896),
                    lit(47.527351),
                    lit(r),
                ],
            );
            let out = out.as_boolean();
            (!out.is_null(0)).then(|| out.value(0))
        };
        assert_eq!(run(3500.0), Some(true));
        assert_eq!(run(100.0), Some(false));
        assert_eq!(run(-1.0), None);
    }

    #[test]
    fn azimuth_angle_and_length() {
        let one = |name: &str, args: Vec<ColumnarValue>| {
            let out = invoke(&udf(name).unwrap(), args);
            let out = out.as_primitive::<Float64Type>();
            (!out.is_null(0)).then(|| out.value(0))
        };
        let az = one(
            "geo_azimuth",
            vec![lit(5.0), lit(10.0), lit(10.0), lit(-40.0)],
        )
        .unwrap();
        assert!((az.to_degrees() - 175.015653606568).abs() < 1e-9);
        let ang = one(
            "geo_angle",
            vec![
                lit(0.0),
                lit(10.0),
                lit(0.0),
                lit(5.0),
                lit(3.0),
                lit(-10.0),
            ],
        )
        .unwrap();
        assert!((ang - 2.94493843406882).abs() < 1e-12);
        let same = one(
            "geo_angle",
            vec![
                lit(0.0),
                lit(10.0),
                lit(0.0),
                lit(10.0),
                lit(3.0),
                lit(-10.0),
            ],
        );
        assert_eq!(same, None);
        let len = |t: &str| one("geo_line_length", vec![crate::udf::test_util::str_lit(t)]);
        assert_eq!(len(r#"{"type":"LineString","coordinates":[[1,1]]}"#), None);
        assert_eq!(len(""), None);
        let l = len(r#"{"type":"MultiLineString","coordinates":[[[-73.95798683166502,40.800556090021466],[-73.98193359375,40.76819171855746]],[[-73.94940376281738,40.79691751000055],[-73.97317886352539,40.76435634049001]]]}"#).unwrap();
        assert!((l - 8262.24339753741).abs() < 1e-6);
    }
}
