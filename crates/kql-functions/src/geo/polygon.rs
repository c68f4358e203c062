//! Polygon measures on the sphere: `geo_polygon_area`,
//! `geo_polygon_centroid`. Edges are geodesics; a ring bounds the smaller
//! of the two regions it splits the sphere into; holes are subtracted.
//! A MultiPolygon of several polygons means their union, which needs
//! polygon overlay: that case is an execution error rather than a
//! sum that would be wrong for overlapping polygons.

use super::distance::{EARTH_RADIUS_M, parallel};
use super::{Cols, point_json, valid_point};
use datafusion::arrow::array::{ArrayRef, Float64Builder, StringBuilder};
use datafusion::common::{Result, exec_err};
use std::f64::consts::{PI, TAU};
use std::sync::Arc;

type V3 = [f64; 3];

fn unit(lng: f64, lat: f64) -> V3 {
    let (l, p) = (lng.to_radians(), lat.to_radians());
    [p.cos() * l.cos(), p.cos() * l.sin(), p.sin()]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

/// The signed area of the spherical triangle (positive when a, b, c turn
/// counter-clockwise).
pub(crate) fn triangle_area(a: V3, b: V3, c: V3) -> f64 {
    2.0 * dot(a, cross(b, c)).atan2(1.0 + dot(a, b) + dot(b, c) + dot(c, a))
}

/// The first moment (area-weighted centroid vector) of the spherical
/// triangle, signed like [`triangle_area`].
pub(crate) fn triangle_moment(a: V3, b: V3, c: V3) -> V3 {
    let mut m = [0.0; 3];
    for (x, y) in [(a, b), (b, c), (c, a)] {
        let n = cross(x, y);
        let len = norm(n);
        if len == 0.0 {
            continue;
        }
        let angle = len.atan2(dot(x, y));
        for k in 0..3 {
            m[k] += 0.5 * angle * n[k] / len;
        }
    }
    m
}

/// Area (steradians) and moment of the region a ring bounds.
pub(crate) fn ring_measure(ring: &[V3]) -> (f64, V3) {
    let mut area = 0.0;
    let mut m = [0.0; 3];
    for k in 1..ring.len() - 1 {
        area += triangle_area(ring[0], ring[k], ring[k + 1]);
        let t = triangle_moment(ring[0], ring[k], ring[k + 1]);
        for d in 0..3 {
            m[d] += t[d];
        }
    }
    if area < 0.0 {
        area = -area;
        m = [-m[0], -m[1], -m[2]];
    }
    if area > TAU {
        area = 2.0 * TAU - area;
        m = [-m[0], -m[1], -m[2]];
    }
    (area, m)
}

/// A ring: at least 4 entries, closed, valid coordinates, distinct
/// vertices, no edge of 180 degrees. The closing vertex is dropped.
pub(crate) fn ring(v: &serde_json::Value) -> Option<Vec<V3>> {
    let pts = v
        .as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            let (x, y) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
            valid_point(x, y).then_some((x, y))
        })
        .collect::<Option<Vec<_>>>()?;
    if pts.len() < 4 || pts.first() != pts.last() {
        return None;
    }
    let open = &pts[..pts.len() - 1];
    let vs: Vec<V3> = open.iter().map(|&(x, y)| unit(x, y)).collect();
    for i in 0..vs.len() {
        for j in i + 1..vs.len() {
            if dot(vs[i], vs[j]) > 0.0 && parallel(vs[i], vs[j]) {
                return None;
            }
        }
        let next = vs[(i + 1) % vs.len()];
        if dot(vs[i], next) < 0.0 && parallel(vs[i], next) {
            return None;
        }
    }
    Some(vs)
}

/// A polygon's area (steradians) and moment; `Ok(None)` for invalid input.
/// A MultiPolygon of several polygons measures their union; `Err(())` when
/// that union is not supported (polygons sharing boundary stretches).
fn polygon(text: &str) -> std::result::Result<Option<(f64, V3)>, ()> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Ok(None);
    };
    let (Some(kind), Some(coords)) = (v.get("type").and_then(|t| t.as_str()), v.get("coordinates"))
    else {
        return Ok(None);
    };
    let rings = match kind {
        "Polygon" => coords,
        "MultiPolygon" => match coords.as_array().map(Vec::as_slice) {
            Some([one]) => one,
            Some([]) | None => return Ok(None),
            Some(_) => {
                let Some(ps) = super::shapes::polygons(text) else {
                    return Ok(None);
                };
                return super::overlay::union_measure(&ps).map(|u| u.map(|(a, m, _)| (a, m)));
            }
        },
        _ => return Ok(None),
    };
    let Some(rings) = rings.as_array().filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let mut area = 0.0;
    let mut m = [0.0; 3];
    for (k, r) in rings.iter().enumerate() {
        let Some(r) = ring(r) else {
            return Ok(None);
        };
        let (a, rm) = ring_measure(&r);
        let sign = if k == 0 { 1.0 } else { -1.0 };
        area += sign * a;
        for d in 0..3 {
            m[d] += sign * rm[d];
        }
    }
    if area <= 0.0 || area > 2.0 * PI {
        return Ok(None);
    }
    Ok(Some((area, m)))
}

fn union_unsupported<T>(name: &str) -> Result<T> {
    exec_err!(
        "{name}(): a MultiPolygon of polygons sharing boundary stretches (their union) is not supported yet"
    )
}

/// geo_polygon_area(polygon): square meters; null for an invalid polygon.
pub(crate) fn polygon_area(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    for i in 0..c.rows {
        let v = match c.str(0, i).map(polygon) {
            None => None,
            Some(Ok(p)) => p.map(|(a, _)| a * EARTH_RADIUS_M * EARTH_RADIUS_M),
            Some(Err(())) => return union_unsupported("geo_polygon_area"),
        };
        b.append_option(v);
    }
    Ok(Arc::new(b.finish()))
}

/// geo_polygon_centroid(polygon): a GeoJSON point; null for an invalid
/// polygon.
pub(crate) fn polygon_centroid(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    for i in 0..c.rows {
        let m = match c.str(0, i).map(polygon) {
            None => None,
            Some(Ok(p)) => p.map(|(_, m)| m),
            Some(Err(())) => return union_unsupported("geo_polygon_centroid"),
        };
        match m.filter(|m| norm(*m) > 0.0) {
            Some(m) => {
                let n = norm(m);
                let lat = (m[2] / n).clamp(-1.0, 1.0).asin().to_degrees();
                let lng = m[1].atan2(m[0]).to_degrees();
                buf.clear();
                point_json(&mut buf, lng, lat);
                b.append_value(&buf);
            }
            None => b.append_null(),
        }
    }
    Ok(Arc::new(b.finish()))
}

#[cfg(test)]
mod tests {
    use crate::geo::udf;
    use crate::udf::test_util::{invoke, str_lit, strings};
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Float64Type;

    const PARK: &str = r#"{"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]}"#;
    const BAD: &str = r#"{"type": "Polygon","coordinates": [[[0,0],[10,10],[10,10],[0,0]]]}"#;

    #[test]
    fn area_and_centroid() {
        let out = invoke(&udf("geo_polygon_area").unwrap(), vec![str_lit(PARK)]);
        let a = out.as_primitive::<Float64Type>().value(0);
        assert!((a - 3475207.28346606).abs() / a < 1e-9);
        let out = invoke(&udf("geo_polygon_area").unwrap(), vec![str_lit(BAD)]);
        assert!(out.is_null(0));
        let out = invoke(&udf("geo_polygon_centroid").unwrap(), vec![str_lit(PARK)]);
        let s = strings(&out)[0].clone().unwrap();
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        let lng = v["coordinates"][0].as_f64().unwrap();
        let lat = v["coordinates"][1].as_f64().unwrap();
        assert!((lng + 73.965_735_689_907_62).abs() / 73.97 < 1e-9);
        assert!((lat - 40.782_550_538_057_81).abs() / 40.78 < 1e-9);
        let out = invoke(&udf("geo_polygon_centroid").unwrap(), vec![str_lit(BAD)]);
        assert!(out.is_null(0));
    }
}
