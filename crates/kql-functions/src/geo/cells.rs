//! Cell systems: geohash, S2 and H3 (tokens, central points, polygons,
//! neighbors, hierarchy).

use super::{Cols, point_json, polygon_json, string_array_json, valid_point};
use datafusion::arrow::array::{ArrayRef, Int32Builder, StringBuilder};
use datafusion::common::Result;
use std::sync::Arc;

/// A Utf8 result: `f` writes row `i` into the buffer and says whether the
/// row has a value (`false`: null).
fn map_str(c: &Cols, mut f: impl FnMut(usize, &mut String) -> bool) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 16);
    let mut buf = String::new();
    for i in 0..c.rows {
        buf.clear();
        if f(i, &mut buf) {
            b.append_value(&buf);
        } else {
            b.append_null();
        }
    }
    Ok(Arc::new(b.finish()))
}

/// A string result: an invalid row is "" rather than null.
fn map_string(c: &Cols, mut f: impl FnMut(usize, &mut String)) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        f(i, out);
        true
    })
}

/// (lng, lat, optional integer) of a point-to-cell call; `None` when the
/// point is invalid or null, or the integer is null.
fn point_args(c: &Cols, i: usize, default: i64) -> Option<(f64, f64, i64)> {
    let lng = c.f64(0, i)?;
    let lat = c.f64(1, i)?;
    let n = if c.has(2) { c.i64(2, i)? } else { default };
    valid_point(lng, lat).then_some((lng, lat, n))
}

// ---------------------------------------------------------------- geohash

const BASE32: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// The geohash of (lng, lat) with `len` characters.
pub(crate) fn geohash_encode(out: &mut String, lng: f64, lat: f64, len: usize) {
    let (mut lng_lo, mut lng_hi) = (-180.0f64, 180.0f64);
    let (mut lat_lo, mut lat_hi) = (-90.0f64, 90.0f64);
    let mut even = true;
    for _ in 0..len {
        let mut idx = 0usize;
        for _ in 0..5 {
            idx <<= 1;
            if even {
                let mid = (lng_lo + lng_hi) / 2.0;
                if lng >= mid {
                    idx |= 1;
                    lng_lo = mid;
                } else {
                    lng_hi = mid;
                }
            } else {
                let mid = (lat_lo + lat_hi) / 2.0;
                if lat >= mid {
                    idx |= 1;
                    lat_lo = mid;
                } else {
                    lat_hi = mid;
                }
            }
            even = !even;
        }
        out.push(BASE32[idx] as char);
    }
}

/// The bounds (min lng, min lat, max lng, max lat) of a geohash of 1 to 18
/// characters; `None` when it is not one.
pub(crate) fn geohash_decode(s: &str) -> Option<(f64, f64, f64, f64)> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let (mut lng_lo, mut lng_hi) = (-180.0f64, 180.0f64);
    let (mut lat_lo, mut lat_hi) = (-90.0f64, 90.0f64);
    let mut even = true;
    for ch in s.bytes() {
        let idx = BASE32.iter().position(|&b| b == ch)?;
        for bit in (0..5).rev() {
            let one = idx >> bit & 1 == 1;
            if even {
                let mid = (lng_lo + lng_hi) / 2.0;
                if one {
                    lng_lo = mid;
                } else {
                    lng_hi = mid;
                }
            } else {
                let mid = (lat_lo + lat_hi) / 2.0;
                if one {
                    lat_lo = mid;
                } else {
                    lat_hi = mid;
                }
            }
            even = !even;
        }
    }
    Some((lng_lo, lat_lo, lng_hi, lat_hi))
}

/// geo_point_to_geohash(lng, lat[, accuracy = 5]); accuracy in [1, 18].
pub(crate) fn point_to_geohash(c: &Cols) -> Result<ArrayRef> {
    map_string(c, |i, out| {
        if let Some((lng, lat, n)) = point_args(c, i, 5)
            && (1..=18).contains(&n)
        {
            geohash_encode(out, lng, lat, n as usize);
        }
    })
}

pub(crate) fn geohash_to_central_point(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some((x0, y0, x1, y1)) = c.str(0, i).and_then(geohash_decode) else {
            return false;
        };
        point_json(out, (x0 + x1) / 2.0, (y0 + y1) / 2.0);
        true
    })
}

pub(crate) fn geohash_to_polygon(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some((x0, y0, x1, y1)) = c.str(0, i).and_then(geohash_decode) else {
            return false;
        };
        polygon_json(out, &[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]);
        true
    })
}

/// The 8 neighbors, clockwise from north: N, NE, E, SE, S, SW, W, NW (the
/// documentation does not define an order). Longitude wraps around the antimeridian; there is nothing beyond a
/// pole.
pub(crate) fn geohash_neighbors(c: &Cols) -> Result<ArrayRef> {
    const DIRS: [(f64, f64); 8] = [
        (0.0, 1.0),
        (1.0, 1.0),
        (1.0, 0.0),
        (1.0, -1.0),
        (0.0, -1.0),
        (-1.0, -1.0),
        (-1.0, 0.0),
        (-1.0, 1.0),
    ];
    map_str(c, |i, out| {
        let Some(s) = c.str(0, i) else {
            return false;
        };
        let Some((x0, y0, x1, y1)) = geohash_decode(s) else {
            return false;
        };
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let (w, h) = (x1 - x0, y1 - y0);
        let mut cells: Vec<String> = Vec::with_capacity(8);
        for (dx, dy) in DIRS {
            let lat = cy + dy * h;
            if !(-90.0..=90.0).contains(&lat) {
                continue;
            }
            let mut lng = cx + dx * w;
            if lng > 180.0 {
                lng -= 360.0;
            } else if lng < -180.0 {
                lng += 360.0;
            }
            let mut g = String::with_capacity(s.len());
            geohash_encode(&mut g, lng, lat, s.len());
            if g != s && !cells.contains(&g) {
                cells.push(g);
            }
        }
        string_array_json(out, cells.iter());
        true
    })
}

// ---------------------------------------------------------------------- S2

fn s2_parse(s: &str) -> Option<s2::cellid::CellID> {
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = s2::cellid::CellID::from_token(s);
    id.is_valid().then_some(id)
}

fn s2_lng_lat(p: &s2::point::Point) -> (f64, f64) {
    let ll = s2::latlng::LatLng::from(p);
    (ll.lng.deg(), ll.lat.deg())
}

/// geo_point_to_s2cell(lng, lat[, level = 11]); level in [0, 30].
pub(crate) fn point_to_s2cell(c: &Cols) -> Result<ArrayRef> {
    map_string(c, |i, out| {
        if let Some((lng, lat, n)) = point_args(c, i, 11)
            && (0..=30).contains(&n)
        {
            let ll = s2::latlng::LatLng::from_degrees(lat, lng);
            out.push_str(&s2::cellid::CellID::from(ll).parent(n as u64).to_token());
        }
    })
}

pub(crate) fn s2cell_to_central_point(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some(id) = c.str(0, i).and_then(s2_parse) else {
            return false;
        };
        let (lng, lat) = s2_lng_lat(&s2::cell::Cell::from(id).center());
        point_json(out, lng, lat);
        true
    })
}

pub(crate) fn s2cell_to_polygon(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some(id) = c.str(0, i).and_then(s2_parse) else {
            return false;
        };
        let cell = s2::cell::Cell::from(id);
        let ring: Vec<(f64, f64)> = (0..4).map(|k| s2_lng_lat(&cell.vertex(k))).collect();
        polygon_json(out, &ring);
        true
    })
}

/// The cells at the same level that touch the cell (edges or corners).
pub(crate) fn s2cell_neighbors(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some(id) = c.str(0, i).and_then(s2_parse) else {
            return false;
        };
        let mut cells: Vec<String> = Vec::with_capacity(8);
        for n in id.all_neighbors(id.level()) {
            let t = n.to_token();
            if n != id && !cells.contains(&t) {
                cells.push(t);
            }
        }
        string_array_json(out, cells.iter());
        true
    })
}

// ---------------------------------------------------------------------- H3

fn h3_parse(s: &str) -> Option<h3o::CellIndex> {
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    s.parse().ok()
}

fn h3_res(n: i64) -> Option<h3o::Resolution> {
    u8::try_from(n)
        .ok()
        .and_then(|n| h3o::Resolution::try_from(n).ok())
}

/// geo_point_to_h3cell(lng, lat[, resolution = 6]); resolution in [0, 15].
pub(crate) fn point_to_h3cell(c: &Cols) -> Result<ArrayRef> {
    use std::fmt::Write;
    map_string(c, |i, out| {
        if let Some((lng, lat, n)) = point_args(c, i, 6)
            && let Some(res) = h3_res(n)
            && let Ok(ll) = h3o::LatLng::new(lat, lng)
        {
            let _ = write!(out, "{}", ll.to_cell(res));
        }
    })
}

pub(crate) fn h3cell_to_central_point(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some(cell) = c.str(0, i).and_then(h3_parse) else {
            return false;
        };
        let ll = h3o::LatLng::from(cell);
        point_json(out, ll.lng(), ll.lat());
        true
    })
}

pub(crate) fn h3cell_to_polygon(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some(cell) = c.str(0, i).and_then(h3_parse) else {
            return false;
        };
        let ring: Vec<(f64, f64)> = cell.boundary().iter().map(|v| (v.lng(), v.lat())).collect();
        polygon_json(out, &ring);
        true
    })
}

/// geo_h3cell_parent(cell[, resolution = level - 1]): "" when the cell is
/// invalid or the resolution is not in [0, level].
pub(crate) fn h3cell_parent(c: &Cols) -> Result<ArrayRef> {
    use std::fmt::Write;
    map_string(c, |i, out| {
        let Some(cell) = c.str(0, i).and_then(h3_parse) else {
            return;
        };
        let level = i64::from(u8::from(cell.resolution()));
        let n = if c.has(1) {
            c.i64(1, i)
        } else {
            Some(level - 1)
        };
        if let Some(p) = n.and_then(h3_res).and_then(|r| cell.parent(r)) {
            let _ = write!(out, "{p}");
        }
    })
}

/// geo_h3cell_children(cell[, resolution = level + 1]): null when the cell
/// is invalid, the resolution is outside [level, 15] or more than 5 levels
/// below the cell.
pub(crate) fn h3cell_children(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some(cell) = c.str(0, i).and_then(h3_parse) else {
            return false;
        };
        let level = i64::from(u8::from(cell.resolution()));
        let n = if c.has(1) {
            c.i64(1, i)
        } else {
            Some(level + 1)
        };
        let Some(n) = n.filter(|&n| n >= level && n - level <= 5) else {
            return false;
        };
        let Some(res) = h3_res(n) else {
            return false;
        };
        string_array_json(out, cell.children(res).map(|ch| ch.to_string()));
        true
    })
}

pub(crate) fn h3cell_level(c: &Cols) -> Result<ArrayRef> {
    let mut b = Int32Builder::with_capacity(c.rows);
    for i in 0..c.rows {
        b.append_option(
            c.str(0, i)
                .and_then(h3_parse)
                .map(|cell| i32::from(u8::from(cell.resolution()))),
        );
    }
    Ok(Arc::new(b.finish()))
}

pub(crate) fn h3cell_neighbors(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some(cell) = c.str(0, i).and_then(h3_parse) else {
            return false;
        };
        let disk: Vec<h3o::CellIndex> = cell.grid_disk(1);
        string_array_json(
            out,
            disk.into_iter()
                .filter(|&n| n != cell)
                .map(|n| n.to_string()),
        );
        true
    })
}

/// geo_h3cell_rings(cell, distance): the rings 0..=distance (distance in
/// [0, 142]) as an array of arrays.
pub(crate) fn h3cell_rings(c: &Cols) -> Result<ArrayRef> {
    map_str(c, |i, out| {
        let Some(cell) = c.str(0, i).and_then(h3_parse) else {
            return false;
        };
        let Some(k) = c.i64(1, i).filter(|k| (0..=142).contains(k)) else {
            return false;
        };
        let k = k as u32;
        let disk: Vec<(h3o::CellIndex, u32)> = cell.grid_disk_distances(k);
        let mut rings: Vec<Vec<String>> = vec![Vec::new(); k as usize + 1];
        for (n, d) in disk {
            if let Some(r) = rings.get_mut(d as usize) {
                r.push(n.to_string());
            }
        }
        out.push('[');
        for (r, ring) in rings.iter().enumerate() {
            if r > 0 {
                out.push(',');
            }
            string_array_json(out, ring.iter());
        }
        out.push(']');
        true
    })
}

#[cfg(test)]
mod tests {
    use crate::geo::udf;
    use crate::udf::test_util::{i64_lit, invoke, str_col, strings};
    use datafusion::arrow::array::Float64Array;
    use datafusion::logical_expr::ColumnarValue;
    use std::sync::Arc;

    fn f64_col(v: Vec<Option<f64>>) -> ColumnarValue {
        ColumnarValue::Array(Arc::new(Float64Array::from(v)))
    }

    fn run(name: &str, args: Vec<ColumnarValue>) -> Vec<Option<String>> {
        strings(&invoke(&udf(name).unwrap(), args))
    }

    #[test]
    fn geohash_encode_and_invalid() {
        let out = run(
            "geo_point_to_geohash",
            vec![
                f64_col(vec![Some(-80.195829), Some(200.0), None]),
                f64_col(vec![Some(25.802215), Some(1.0), Some(1.0)]),
                i64_lit(8),
            ],
        );
        assert_eq!(
            out,
            vec![
                Some("dhwfz15h".into()),
                Some(String::new()),
                Some(String::new())
            ]
        );
    }

    #[test]
    fn geohash_polygon_and_neighbors() {
        let out = run(
            "geo_geohash_to_polygon",
            vec![str_col(vec![Some("dr5ru"), Some("a"), None, Some("")])],
        );
        assert_eq!(
            out[0].as_deref(),
            Some(
                "{\"type\":\"Polygon\",\"coordinates\":[[[-74.00390625,40.7373046875],[-73.9599609375,40.7373046875],[-73.9599609375,40.78125],[-74.00390625,40.78125],[-74.00390625,40.7373046875]]]}"
            )
        );
        assert_eq!(&out[1..], &[None, None, None]);
        let out = run("geo_geohash_neighbors", vec![str_col(vec![Some("sunny")])]);
        assert_eq!(
            out[0].as_deref(),
            Some(
                "[\"sunpn\",\"sunpp\",\"sunnz\",\"sunnx\",\"sunnw\",\"sunnt\",\"sunnv\",\"sunpj\"]"
            )
        );
    }

    #[test]
    fn s2_and_h3_tokens() {
        let out = run(
            "geo_point_to_s2cell",
            vec![
                f64_col(vec![Some(-80.195829)]),
                f64_col(vec![Some(25.802215)]),
                i64_lit(8),
            ],
        );
        assert_eq!(out, vec![Some("88d9b".into())]);
        let out = run(
            "geo_point_to_h3cell",
            vec![
                f64_col(vec![Some(-74.04450446039874), Some(1.0)]),
                f64_col(vec![Some(40.689250859314974), Some(1.0)]),
                i64_lit(16),
            ],
        );
        assert_eq!(out, vec![Some(String::new()), Some(String::new())]);
        let out = run(
            "geo_h3cell_neighbors",
            vec![str_col(vec![Some("862a1072fffffff"), Some("abc"), None])],
        );
        assert_eq!(
            out,
            vec![
                Some("[\"862a10727ffffff\",\"862a10707ffffff\",\"862a1070fffffff\",\"862a10777ffffff\",\"862a100dfffffff\",\"862a100d7ffffff\"]".into()),
                None,
                None
            ]
        );
        let out = run(
            "geo_s2cell_to_central_point",
            vec![str_col(vec![Some("a"), Some("zz"), None])],
        );
        assert_eq!(out, vec![None, None, None]);
    }
}
