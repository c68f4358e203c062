//! `geo_polygon_to_s2cells(polygon[, level = 11])`: the S2 cells of one
//! level that cover a polygon or multipolygon, as S2's region coverer gives
//! them with min level = max level: every cell of that level that
//! intersects the polygon (closed cells, geodesic edges), tokens in cell-id
//! order. More than 65,536 cells, an invalid polygon or a level outside
//! [0, 30] gives null.

use super::shapes::{Poly, V3, angle, closest_on_arc, in_polygons, polygons, proper_crossing};
use super::{Cols, string_array_json};
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::common::Result;
use s2::cell::Cell;
use s2::cellid::CellID;
use std::sync::Arc;

/// The documented maximum count of covering tokens.
const MAX_CELLS: usize = 65_536;

fn v3(p: &s2::point::Point) -> V3 {
    let n = (p.0.x * p.0.x + p.0.y * p.0.y + p.0.z * p.0.z).sqrt();
    [p.0.x / n, p.0.y / n, p.0.z / n]
}

fn arcs_meet(a: V3, b: V3, c: V3, d: V3) -> bool {
    const ON: f64 = 1e-15;
    proper_crossing(a, b, c, d)
        || angle(c, closest_on_arc(c, a, b)) < ON
        || angle(d, closest_on_arc(d, a, b)) < ON
        || angle(a, closest_on_arc(a, c, d)) < ON
        || angle(b, closest_on_arc(b, c, d)) < ON
}

/// Whether a (closed) cell and the polygons share a point.
fn intersects(cell: &Cell, ps: &[Poly]) -> bool {
    let corners: Vec<V3> = cell.vertices().iter().map(v3).collect();
    if in_polygons(ps, v3(&cell.center())) || corners.iter().any(|c| in_polygons(ps, *c)) {
        return true;
    }
    for p in ps {
        for (a, b) in p.edges() {
            let pa = s2::point::Point(s2::r3::vector::Vector {
                x: a[0],
                y: a[1],
                z: a[2],
            });
            if cell.contains_point(&pa) {
                return true;
            }
            for k in 0..4 {
                if arcs_meet(a, b, corners[k], corners[(k + 1) % 4]) {
                    return true;
                }
            }
        }
    }
    false
}

/// The covering tokens, `None` beyond [`MAX_CELLS`].
fn cover(ps: &[Poly], level: u64) -> Option<Vec<String>> {
    let mut cells: Vec<Cell> = (0..6)
        .map(|f| Cell::from(CellID::from_face(f)))
        .filter(|c| intersects(c, ps))
        .collect();
    for _ in 0..level {
        let mut next = Vec::with_capacity(cells.len() * 4);
        for c in &cells {
            for ch in c.children()? {
                if intersects(&ch, ps) {
                    next.push(ch);
                }
            }
        }
        if next.len() > MAX_CELLS {
            return None;
        }
        cells = next;
    }
    let mut ids: Vec<CellID> = cells.iter().map(|c| c.id).collect();
    ids.sort_by_key(|c| c.0);
    Some(ids.iter().map(CellID::to_token).collect())
}

/// geo_polygon_to_s2cells(polygon[, level]).
pub(crate) fn polygon_to_s2cells(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    for i in 0..c.rows {
        let level = if c.has(1) { c.i64(1, i) } else { Some(11) };
        let tokens = level
            .filter(|l| (0..=30).contains(l))
            .zip(c.str(0, i).and_then(polygons))
            .and_then(|(l, ps)| cover(&ps, l as u64));
        match tokens {
            Some(t) => {
                buf.clear();
                string_array_json(&mut buf, t.iter());
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
    use crate::udf::test_util::{i64_lit, invoke, str_lit, strings};

    fn run(p: &str, level: i64) -> Option<Vec<String>> {
        strings(&invoke(
            &udf("geo_polygon_to_s2cells").unwrap(),
            vec![str_lit(p), i64_lit(level)],
        ))[0]
            .as_ref()
            .map(|s| serde_json::from_str(s).unwrap())
    }

    #[test]
    fn documented_counts() {
        let big = r#"{"type":"Polygon","coordinates":[[[0,0],[0,50],[100,50],[0,0]]]}"#;
        assert_eq!(run(big, 5).map(|t| t.len()), Some(286));
        assert_eq!(run(big, 30), None);
        assert_eq!(run(big, 31), None);
        assert_eq!(
            run(r#"{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}"#, 5),
            None
        );
    }
}
