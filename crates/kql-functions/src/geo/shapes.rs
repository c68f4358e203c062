//! Shape functions on the sphere: point containment
//! (`geo_point_in_polygon`), distances and closest points to lines and
//! polygons, positions along a line (`geo_line_interpolate_point`,
//! `geo_line_locate_point`), `geo_line_centroid`, `geo_polygon_perimeter`,
//! densification of planar edges (`geo_line_densify`,
//! `geo_polygon_densify`) and the `geo_intersects_*` predicates.
//!
//! Kusto's model: edges are geodesics (great-circle arcs shorter than 180
//! degrees) on a sphere of radius [`EARTH_RADIUS_M`]; a polygon ring bounds
//! the smaller of the two regions it splits the sphere into; holes are
//! subtracted from the shell. Invalid shapes or coordinates give null.

use super::distance::{EARTH_RADIUS_M, lines};
use super::polygon::{ring, ring_measure, triangle_area};
use super::{Cols, point_json, push_num, valid_point};
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Float64Builder, StringBuilder};
use datafusion::common::{Result, exec_err};
use std::f64::consts::{PI, TAU};
use std::sync::Arc;

pub(crate) type V3 = [f64; 3];

pub(crate) fn unit(lng: f64, lat: f64) -> V3 {
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

/// `a x b` computed as `(b + a) x (b - a) / 2`, accurate even when `a`
/// and `b` are nearly equal (short edges).
pub(crate) fn robust_cross(a: V3, b: V3) -> V3 {
    scale(cross(add(b, a), add(b, scale(a, -1.0))), 0.5)
}

fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn scale(a: V3, k: f64) -> V3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

pub(crate) fn normalize(a: V3) -> V3 {
    let n = norm(a);
    if n == 0.0 { a } else { scale(a, 1.0 / n) }
}

/// The angle (radians) between two unit vectors.
pub(crate) fn angle(a: V3, b: V3) -> f64 {
    norm(cross(a, b)).atan2(dot(a, b))
}

/// (longitude, latitude) in degrees of a (not necessarily unit) vector.
pub(crate) fn lnglat(v: V3) -> (f64, f64) {
    (
        v[1].atan2(v[0]).to_degrees(),
        v[2].atan2(v[0].hypot(v[1])).to_degrees(),
    )
}

/// The point of the geodesic arc [a, b] closest to `p`.
pub(crate) fn closest_on_arc(p: V3, a: V3, b: V3) -> V3 {
    let n = robust_cross(a, b);
    let nn = dot(n, n);
    if nn > 0.0 {
        let q = add(p, scale(n, -dot(p, n) / nn));
        if norm(q) > 0.0 && dot(cross(a, q), n) > 0.0 && dot(cross(q, b), n) > 0.0 {
            return normalize(q);
        }
    }
    if angle(p, a) <= angle(p, b) { a } else { b }
}

/// Whether the arcs [a, b] and [c, d] cross at a point interior to both.
pub(crate) fn proper_crossing(a: V3, b: V3, c: V3, d: V3) -> bool {
    let ab = robust_cross(a, b);
    let acb = -dot(ab, c);
    let bda = dot(ab, d);
    if acb * bda <= 0.0 {
        return false;
    }
    let cd = robust_cross(c, d);
    let cbd = -dot(cd, b);
    let dac = dot(cd, a);
    acb * cbd > 0.0 && acb * dac > 0.0
}

/// Angular tolerance (radians, about 6 micrometers on Earth) under which a
/// point counts as lying on an arc.
const ON_ARC: f64 = 1e-12;

fn on_arc(p: V3, a: V3, b: V3) -> bool {
    angle(p, closest_on_arc(p, a, b)) < ON_ARC
}

/// Whether the closed arcs [a, b] and [c, d] share a point.
fn arcs_intersect(a: V3, b: V3, c: V3, d: V3) -> bool {
    proper_crossing(a, b, c, d)
        || on_arc(c, a, b)
        || on_arc(d, a, b)
        || on_arc(a, c, d)
        || on_arc(b, c, d)
}

/// A polygon ring oriented so that its region (the smaller one) lies to
/// the left of its edges, with a reference point known to be inside.
pub(crate) struct Loop {
    pub v: Vec<V3>,
    inside: V3,
}

impl Loop {
    fn new(mut v: Vec<V3>) -> Loop {
        let mut s = 0.0;
        for k in 1..v.len() - 1 {
            s += triangle_area(v[0], v[k], v[k + 1]);
        }
        // Counter-clockwise around the smaller region: a positive fan area
        // that is at most a hemisphere, or a negative one beyond it.
        let ccw = (s > 0.0) != (s.abs() > TAU);
        if !ccw {
            v.reverse();
        }
        // The reference point: just left of the middle of the longest edge
        // (the most accurate side test).
        let n = v.len();
        let k = (0..n)
            .max_by(|&i, &j| angle(v[i], v[(i + 1) % n]).total_cmp(&angle(v[j], v[(j + 1) % n])))
            .unwrap_or(0);
        let (a, b) = (v[k], v[(k + 1) % n]);
        let left = normalize(robust_cross(a, b));
        let mid = normalize(add(a, b));
        let inside = normalize(add(mid, scale(left, angle(a, b) * 1e-6)));
        Loop { v, inside }
    }

    fn edges(&self) -> impl Iterator<Item = (V3, V3)> + '_ {
        let n = self.v.len();
        (0..n).map(move |k| (self.v[k], self.v[(k + 1) % n]))
    }

    /// Whether `p` lies in the ring's region: the parity of the edge
    /// crossings on the arc from the inside reference point to `p`.
    fn contains(&self, p: V3) -> bool {
        let mut inside = true;
        for (a, b) in self.edges() {
            if proper_crossing(self.inside, p, a, b) {
                inside = !inside;
            }
        }
        inside
    }

    fn length(&self) -> f64 {
        self.edges().map(|(a, b)| angle(a, b)).sum()
    }
}

/// A polygon: its shell, then its holes.
pub(crate) struct Poly {
    pub loops: Vec<Loop>,
}

impl Poly {
    pub(crate) fn contains(&self, p: V3) -> bool {
        self.loops[0].contains(p) && !self.loops[1..].iter().any(|h| h.contains(p))
    }

    pub(crate) fn edges(&self) -> impl Iterator<Item = (V3, V3)> + '_ {
        self.loops.iter().flat_map(Loop::edges)
    }
}

/// One polygon (an array of rings) checked like `geo_polygon_area`: valid
/// rings, a positive area of at most a hemisphere once holes are removed.
fn parse_poly(rings: &serde_json::Value) -> Option<Poly> {
    let rings = rings.as_array().filter(|r| !r.is_empty())?;
    let mut area = 0.0;
    let mut loops = Vec::with_capacity(rings.len());
    for (k, r) in rings.iter().enumerate() {
        let v = ring(r)?;
        let (a, _) = ring_measure(&v);
        area += if k == 0 { a } else { -a };
        loops.push(Loop::new(v));
    }
    (area > 0.0 && area <= 2.0 * PI).then_some(Poly { loops })
}

/// The polygons of a GeoJSON Polygon or MultiPolygon; `None` if invalid.
pub(crate) fn polygons(text: &str) -> Option<Vec<Poly>> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let coords = v.get("coordinates")?;
    match v.get("type")?.as_str()? {
        "Polygon" => Some(vec![parse_poly(coords)?]),
        "MultiPolygon" => {
            let ps = coords.as_array().filter(|p| !p.is_empty())?;
            ps.iter().map(parse_poly).collect()
        }
        _ => None,
    }
}

/// The lines of a GeoJSON LineString / MultiLineString as unit vectors.
fn line_vectors(text: &str) -> Option<Vec<Vec<V3>>> {
    Some(
        lines(text)?
            .into_iter()
            .map(|l| l.into_iter().map(|(x, y)| unit(x, y)).collect())
            .collect(),
    )
}

/// The single line of a LineString (or a MultiLineString of one line).
fn single_line(text: &str) -> Option<Vec<V3>> {
    let mut ls = line_vectors(text)?;
    (ls.len() == 1).then(|| ls.pop()).flatten()
}

fn line_edges(ls: &[Vec<V3>]) -> impl Iterator<Item = (V3, V3)> + '_ {
    ls.iter().flat_map(|l| l.windows(2).map(|w| (w[0], w[1])))
}

/// Parses argument `k` of each row with `parse`, reusing the last result
/// while the text repeats (a literal shape is the same on every row).
struct Cached<T> {
    text: Option<String>,
    value: Option<Arc<T>>,
}

impl<T> Cached<T> {
    fn new() -> Self {
        Cached {
            text: None,
            value: None,
        }
    }

    fn get(&mut self, text: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> Option<Arc<T>> {
        let text = text?;
        if self.text.as_deref() != Some(text) {
            self.value = parse(text).map(Arc::new);
            self.text = Some(text.to_string());
        }
        self.value.clone()
    }
}

/// A valid point from arguments `k`, `k + 1`.
fn point_arg(c: &Cols, k: usize, i: usize) -> Option<V3> {
    let (x, y) = (c.f64(k, i)?, c.f64(k + 1, i)?);
    valid_point(x, y).then(|| unit(x, y))
}

fn point_out(b: &mut StringBuilder, buf: &mut String, p: Option<V3>) {
    match p {
        Some(p) => {
            let (lng, lat) = lnglat(p);
            buf.clear();
            point_json(buf, lng, lat);
            b.append_value(&*buf);
        }
        None => b.append_null(),
    }
}

/// The closest point to `p` over `edges` and its angular distance.
fn nearest(p: V3, edges: impl Iterator<Item = (V3, V3)>) -> Option<(V3, f64)> {
    let mut best: Option<(V3, f64)> = None;
    for (a, b) in edges {
        let q = closest_on_arc(p, a, b);
        let d = angle(p, q);
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((q, d));
        }
    }
    best
}

pub(crate) fn in_polygons(ps: &[Poly], p: V3) -> bool {
    ps.iter().any(|poly| poly.contains(p))
}

/// geo_point_in_polygon(lng, lat, polygon).
pub(crate) fn point_in_polygon(c: &Cols) -> Result<ArrayRef> {
    let mut b = BooleanBuilder::with_capacity(c.rows);
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let ps = cache.get(c.str(2, i), polygons);
        b.append_option(
            point_arg(c, 0, i)
                .zip(ps)
                .map(|(p, ps)| in_polygons(&ps, p)),
        );
    }
    Ok(Arc::new(b.finish()))
}

/// The closest point of a polygon (the point itself when inside).
fn polygon_nearest(ps: &[Poly], p: V3) -> Option<(V3, f64)> {
    if in_polygons(ps, p) {
        return Some((p, 0.0));
    }
    nearest(p, ps.iter().flat_map(Poly::edges))
}

/// geo_distance_point_to_polygon(lng, lat, polygon): meters, 0 inside.
pub(crate) fn distance_point_to_polygon(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let ps = cache.get(c.str(2, i), polygons);
        let v = point_arg(c, 0, i)
            .zip(ps)
            .and_then(|(p, ps)| polygon_nearest(&ps, p));
        b.append_option(v.map(|(_, d)| d * EARTH_RADIUS_M));
    }
    Ok(Arc::new(b.finish()))
}

/// geo_closest_point_on_polygon(lng, lat, polygon): a GeoJSON point.
pub(crate) fn closest_point_on_polygon(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let ps = cache.get(c.str(2, i), polygons);
        let v = point_arg(c, 0, i)
            .zip(ps)
            .and_then(|(p, ps)| polygon_nearest(&ps, p));
        match v {
            // Inside: the input point as given.
            Some((_, 0.0)) => {
                buf.clear();
                point_json(
                    &mut buf,
                    c.f64(0, i).unwrap_or(0.0),
                    c.f64(1, i).unwrap_or(0.0),
                );
                b.append_value(&buf);
            }
            v => point_out(&mut b, &mut buf, v.map(|(q, _)| q)),
        }
    }
    Ok(Arc::new(b.finish()))
}

/// geo_distance_point_to_line(lng, lat, line): meters.
pub(crate) fn distance_point_to_line(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let ls = cache.get(c.str(2, i), line_vectors);
        let v = point_arg(c, 0, i)
            .zip(ls)
            .and_then(|(p, ls)| nearest(p, line_edges(&ls)));
        b.append_option(v.map(|(_, d)| d * EARTH_RADIUS_M));
    }
    Ok(Arc::new(b.finish()))
}

/// geo_closest_point_on_line(lng, lat, line): a GeoJSON point.
pub(crate) fn closest_point_on_line(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let ls = cache.get(c.str(2, i), line_vectors);
        let v = point_arg(c, 0, i)
            .zip(ls)
            .and_then(|(p, ls)| nearest(p, line_edges(&ls)));
        point_out(&mut b, &mut buf, v.map(|(q, _)| q));
    }
    Ok(Arc::new(b.finish()))
}

/// The point at angle `t` along the arc from `a` towards `b`.
fn along(a: V3, b: V3, t: f64) -> V3 {
    let dir = normalize(add(b, scale(a, -dot(a, b))));
    normalize(add(scale(a, t.cos()), scale(dir, t.sin())))
}

/// The point at `fraction` of a line's length.
fn interpolate(line: &[V3], fraction: f64) -> V3 {
    let total: f64 = line.windows(2).map(|w| angle(w[0], w[1])).sum();
    let mut target = fraction * total;
    for w in line.windows(2) {
        let len = angle(w[0], w[1]);
        if target <= len && len > 0.0 {
            return along(w[0], w[1], target);
        }
        target -= len;
    }
    line[line.len() - 1]
}

/// geo_line_interpolate_point(line, fraction): fraction in [0, 1].
pub(crate) fn line_interpolate_point(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let line = cache.get(c.str(0, i), single_line);
        let f = c.f64(1, i).filter(|f| (0.0..=1.0).contains(f));
        let v = line.zip(f).map(|(l, f)| interpolate(&l, f));
        point_out(&mut b, &mut buf, v);
    }
    Ok(Arc::new(b.finish()))
}

/// The fraction of a line's length at which its point closest to `p` lies.
fn locate(line: &[V3], p: V3) -> Option<f64> {
    let total: f64 = line.windows(2).map(|w| angle(w[0], w[1])).sum();
    if total <= 0.0 {
        return None;
    }
    let mut best: Option<(f64, f64)> = None;
    let mut before = 0.0;
    for w in line.windows(2) {
        let q = closest_on_arc(p, w[0], w[1]);
        let d = angle(p, q);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, before + angle(w[0], q)));
        }
        before += angle(w[0], w[1]);
    }
    best.map(|(_, at)| (at / total).clamp(0.0, 1.0))
}

/// geo_line_locate_point(line, lng, lat): a fraction in [0, 1].
pub(crate) fn line_locate_point(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let line = cache.get(c.str(0, i), single_line);
        let v = line
            .zip(point_arg(c, 1, i))
            .and_then(|(l, p)| locate(&l, p));
        b.append_option(v);
    }
    Ok(Arc::new(b.finish()))
}

/// Whether two edges of different lines overlap along a stretch (then the
/// lines' union differs from their sum).
fn lines_overlap(ls: &[Vec<V3>]) -> bool {
    for (k, l1) in ls.iter().enumerate() {
        for l2 in &ls[k + 1..] {
            for w1 in l1.windows(2) {
                for w2 in l2.windows(2) {
                    let (a, b, c, d) = (w1[0], w1[1], w2[0], w2[1]);
                    let shared = [
                        on_arc(c, a, b),
                        on_arc(d, a, b),
                        on_arc(a, c, d),
                        on_arc(b, c, d),
                    ]
                    .iter()
                    .filter(|x| **x)
                    .count();
                    let length = |x: V3, y: V3| angle(x, y) > ON_ARC;
                    if shared >= 2 && length(a, b) && length(c, d) {
                        // Two endpoints on the other arc: a common stretch,
                        // unless they are one shared vertex.
                        let same_vertex = shared == 2
                            && [a, b]
                                .iter()
                                .any(|x| [c, d].iter().any(|y| angle(*x, *y) < ON_ARC));
                        if !same_vertex {
                            return true;
                        }
                    }
                }
            }
        }
    }
    false
}

/// geo_line_centroid(line): the length-weighted centroid of the geodesic
/// edges, a GeoJSON point.
pub(crate) fn line_centroid(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let Some(ls) = cache.get(c.str(0, i), line_vectors) else {
            b.append_null();
            continue;
        };
        if ls.len() > 1 && lines_overlap(&ls) {
            return exec_err!(
                "geo_line_centroid(): a MultiLineString of overlapping lines (their union) is not supported yet"
            );
        }
        let mut m = [0.0; 3];
        for (a, e) in line_edges(&ls) {
            // The integral of the unit vector along the arc: the midpoint
            // direction times the chord length.
            let mid = normalize(add(a, e));
            let chord = norm(add(a, scale(e, -1.0)));
            m = add(m, scale(mid, chord));
        }
        point_out(&mut b, &mut buf, (norm(m) > 0.0).then_some(m));
    }
    Ok(Arc::new(b.finish()))
}

/// Whether polygons share a point (an edge meets an edge, or one holds a
/// vertex of the other).
fn polygons_touch(p: &Poly, q: &Poly) -> bool {
    p.edges()
        .any(|(a, b)| q.edges().any(|(c, d)| arcs_intersect(a, b, c, d)))
        || q.contains(p.loops[0].v[0])
        || p.contains(q.loops[0].v[0])
}

/// geo_polygon_perimeter(polygon): meters, all rings; the polygons of a
/// MultiPolygon are measured as their union.
pub(crate) fn polygon_perimeter(c: &Cols) -> Result<ArrayRef> {
    let mut b = Float64Builder::with_capacity(c.rows);
    let mut cache = Cached::new();
    for i in 0..c.rows {
        let Some(ps) = cache.get(c.str(0, i), polygons) else {
            b.append_null();
            continue;
        };
        if ps.len() == 1 {
            let len: f64 = ps[0].loops.iter().map(Loop::length).sum();
            b.append_value(len * EARTH_RADIUS_M);
            continue;
        }
        match super::overlay::union_measure(&ps) {
            Ok(u) => b.append_option(u.map(|(_, _, len)| len * EARTH_RADIUS_M)),
            Err(()) => {
                return exec_err!(
                    "geo_polygon_perimeter(): a MultiPolygon of polygons sharing boundary stretches (their union) is not supported yet"
                );
            }
        }
    }
    Ok(Arc::new(b.finish()))
}

/// geo_intersects_2lines(line1, line2).
pub(crate) fn intersects_2lines(c: &Cols) -> Result<ArrayRef> {
    let mut b = BooleanBuilder::with_capacity(c.rows);
    let (mut c1, mut c2) = (Cached::new(), Cached::new());
    for i in 0..c.rows {
        let l1 = c1.get(c.str(0, i), line_vectors);
        let l2 = c2.get(c.str(1, i), line_vectors);
        b.append_option(l1.zip(l2).map(|(l1, l2)| {
            line_edges(&l1).any(|(a, e)| line_edges(&l2).any(|(x, y)| arcs_intersect(a, e, x, y)))
        }));
    }
    Ok(Arc::new(b.finish()))
}

/// geo_intersects_2polygons(polygon1, polygon2).
pub(crate) fn intersects_2polygons(c: &Cols) -> Result<ArrayRef> {
    let mut b = BooleanBuilder::with_capacity(c.rows);
    let (mut c1, mut c2) = (Cached::new(), Cached::new());
    for i in 0..c.rows {
        let p1 = c1.get(c.str(0, i), polygons);
        let p2 = c2.get(c.str(1, i), polygons);
        b.append_option(
            p1.zip(p2)
                .map(|(p1, p2)| p1.iter().any(|p| p2.iter().any(|q| polygons_touch(p, q)))),
        );
    }
    Ok(Arc::new(b.finish()))
}

/// geo_intersects_line_with_polygon(line, polygon).
pub(crate) fn intersects_line_with_polygon(c: &Cols) -> Result<ArrayRef> {
    let mut b = BooleanBuilder::with_capacity(c.rows);
    let (mut c1, mut c2) = (Cached::new(), Cached::new());
    for i in 0..c.rows {
        let ls = c1.get(c.str(0, i), line_vectors);
        let ps = c2.get(c.str(1, i), polygons);
        b.append_option(ls.zip(ps).map(|(ls, ps)| {
            ls.iter().any(|l| in_polygons(&ps, l[0]))
                || line_edges(&ls).any(|(a, e)| {
                    ps.iter()
                        .flat_map(Poly::edges)
                        .any(|(x, y)| arcs_intersect(a, e, x, y))
                })
        }));
    }
    Ok(Arc::new(b.finish()))
}

/// Densification of one planar edge (lng/lat linear) into a chain whose
/// vertices lie on the planar edge: halves a piece while its planar
/// midpoint is farther than `tol` (radians) from the geodesic between the
/// piece's ends. Pushes the points after `p`.
fn densify_edge(out: &mut Vec<(f64, f64)>, p: (f64, f64), q: (f64, f64), tol: f64, depth: u32) {
    let m = ((p.0 + q.0) / 2.0, (p.1 + q.1) / 2.0);
    let (a, b, mv) = (unit(p.0, p.1), unit(q.0, q.1), unit(m.0, m.1));
    if depth >= 40 || angle(mv, closest_on_arc(mv, a, b)) <= tol {
        out.push(q);
        return;
    }
    densify_edge(out, p, m, tol, depth + 1);
    densify_edge(out, m, q, tol, depth + 1);
}

/// Densifies a chain of points. Longitudes of an edge crossing the
/// antimeridian are taken the short way and wrapped back into
/// [-180, 180]; `None` when `preserve_crossing` would keep such a crossing
/// (not supported).
fn densify_chain(pts: &[(f64, f64)], tol: f64, preserve: bool) -> Option<Vec<(f64, f64)>> {
    let mut out = vec![pts[0]];
    for w in pts.windows(2) {
        let (p, q) = (w[0], w[1]);
        let mut dl = q.0 - p.0;
        if dl > 180.0 {
            dl -= 360.0;
        } else if dl < -180.0 {
            dl += 360.0;
        }
        let start = out.len();
        densify_edge(&mut out, p, (p.0 + dl, q.1), tol, 0);
        if p.0 + dl != q.0 {
            if preserve {
                return None;
            }
            for v in &mut out[start..] {
                if v.0 > 180.0 {
                    v.0 -= 360.0;
                } else if v.0 < -180.0 {
                    v.0 += 360.0;
                }
            }
        }
        // The end vertex exactly as given.
        if let Some(last) = out.last_mut() {
            *last = q;
        }
    }
    Some(out)
}

fn push_chain(out: &mut String, pts: &[(f64, f64)]) {
    out.push('[');
    for (k, &(x, y)) in pts.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('[');
        push_num(out, x);
        out.push(',');
        push_num(out, y);
        out.push(']');
    }
    out.push(']');
}

/// The densify tolerance (meters, default 10, supported [0.1, 10000]) in
/// radians, and preserve_crossing (default false).
fn densify_args(c: &Cols, i: usize) -> Option<(f64, bool)> {
    let tol = if c.has(1) { c.f64(1, i)? } else { 10.0 };
    if !(0.1..=10000.0).contains(&tol) {
        return None;
    }
    let preserve = if c.has(2) { c.bool(2, i)? } else { false };
    Some((tol / EARTH_RADIUS_M, preserve))
}

/// Raw GeoJSON coordinates as (lng, lat) pairs.
fn raw_points(v: &serde_json::Value) -> Option<Vec<(f64, f64)>> {
    v.as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?))
        })
        .collect()
}

fn densify_preserve_unsupported<T>(name: &str) -> Result<T> {
    exec_err!("{name}(): preserve_crossing = true over the antimeridian is not supported yet")
}

/// geo_line_densify(line, [tolerance], [preserve_crossing]).
pub(crate) fn line_densify(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 128);
    let mut buf = String::new();
    for i in 0..c.rows {
        let (Some(text), Some((tol, preserve))) = (c.str(0, i), densify_args(c, i)) else {
            b.append_null();
            continue;
        };
        let Some(ls) = lines(text) else {
            b.append_null();
            continue;
        };
        let multi = text.contains("MultiLineString") && {
            let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
            v.get("type").and_then(|t| t.as_str()) == Some("MultiLineString")
        };
        buf.clear();
        buf.push_str(if multi {
            "{\"type\":\"MultiLineString\",\"coordinates\":["
        } else {
            "{\"type\":\"LineString\",\"coordinates\":"
        });
        for (k, l) in ls.iter().enumerate() {
            let Some(d) = densify_chain(l, tol, preserve) else {
                return densify_preserve_unsupported("geo_line_densify");
            };
            if k > 0 {
                buf.push(',');
            }
            push_chain(&mut buf, &d);
        }
        buf.push_str(if multi { "]}" } else { "}" });
        b.append_value(&buf);
    }
    Ok(Arc::new(b.finish()))
}

/// geo_polygon_densify(polygon, [tolerance], [preserve_crossing]).
pub(crate) fn polygon_densify(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 128);
    let mut buf = String::new();
    for i in 0..c.rows {
        let (Some(text), Some((tol, preserve))) = (c.str(0, i), densify_args(c, i)) else {
            b.append_null();
            continue;
        };
        if polygons(text).is_none() {
            b.append_null();
            continue;
        }
        let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
            b.append_null();
            continue;
        };
        let multi = v.get("type").and_then(|t| t.as_str()) == Some("MultiPolygon");
        let polys: Vec<&serde_json::Value> = match (multi, v.get("coordinates")) {
            (true, Some(cs)) => cs
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            (false, Some(cs)) => vec![cs],
            _ => vec![],
        };
        buf.clear();
        buf.push_str(if multi {
            "{\"type\":\"MultiPolygon\",\"coordinates\":["
        } else {
            "{\"type\":\"Polygon\",\"coordinates\":"
        });
        for (k, poly) in polys.iter().enumerate() {
            if k > 0 {
                buf.push(',');
            }
            buf.push('[');
            let rings = poly.as_array().map(Vec::as_slice).unwrap_or_default();
            for (r, ring) in rings.iter().enumerate() {
                let pts = raw_points(ring).unwrap_or_default();
                let Some(d) = densify_chain(&pts, tol, preserve) else {
                    return densify_preserve_unsupported("geo_polygon_densify");
                };
                if r > 0 {
                    buf.push(',');
                }
                push_chain(&mut buf, &d);
            }
            buf.push(']');
        }
        buf.push_str(if multi { "]}" } else { "}" });
        b.append_value(&buf);
    }
    Ok(Arc::new(b.finish()))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // documented values, as printed
mod tests {
    use crate::geo::udf;
    use crate::udf::test_util::{invoke, str_col, str_lit, strings};
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Float64Type;
    use datafusion::common::ScalarValue;
    use datafusion::logical_expr::ColumnarValue;

    const PARK: &str = r#"{"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]}"#;
    const BAD_POLY: &str = r#"{"type": "Polygon","coordinates": [[[0,0],[10,10],[10,10],[0,0]]]}"#;
    const LINE5: &str = r#"{"type":"LineString","coordinates":[[-73.95807266235352,40.800426144169315],[-73.94966125488281,40.79691751000055],[-73.97317886352539,40.764486356930334],[-73.98210525512695,40.76786669510221],[-73.96004676818848,40.7980870753293]]}"#;

    fn f(v: f64) -> ColumnarValue {
        ColumnarValue::Scalar(ScalarValue::Float64(Some(v)))
    }

    fn real(name: &str, args: Vec<ColumnarValue>) -> Option<f64> {
        let out = invoke(&udf(name).unwrap(), args);
        let out = out.as_primitive::<Float64Type>();
        (!out.is_null(0)).then(|| out.value(0))
    }

    fn text(name: &str, args: Vec<ColumnarValue>) -> Option<String> {
        strings(&invoke(&udf(name).unwrap(), args))[0].clone()
    }

    fn boolean(name: &str, args: Vec<ColumnarValue>) -> Option<bool> {
        let out = invoke(&udf(name).unwrap(), args);
        let out = out.as_boolean();
        (!out.is_null(0)).then(|| out.value(0))
    }

    fn coords(s: &str) -> (f64, f64) {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        (
            v["coordinates"][0].as_f64().unwrap(),
            v["coordinates"][1].as_f64().unwrap(),
        )
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * a.abs().max(b.abs()), "{a} vs {b}");
    }

    #[test]
    fn documented_values() {
        let d = real(
            "geo_distance_point_to_polygon",
            vec![f(-73.9839), f(40.7705), str_lit(PARK)],
        );
        close(d.unwrap(), 259.940756070596);
        let p = text(
            "geo_closest_point_on_polygon",
            vec![f(-73.9839), f(40.7705), str_lit(PARK)],
        );
        let (x, y) = coords(&p.unwrap());
        close(x, -73.981205580153926);
        close(y, 40.769359452843211);
        let p = text("geo_line_interpolate_point", vec![str_lit(LINE5), f(0.9)]);
        close(coords(&p.unwrap()).0, -73.96556545832799);
        let l2 = r#"{"type":"LineString","coordinates":[[-73.95796, 40.80042], [-73.97317, 40.764486]]}"#;
        let p = text("geo_line_interpolate_point", vec![str_lit(l2), f(0.25)]);
        let (x, y) = coords(&p.unwrap());
        close(x, -73.961764043218281);
        close(y, 40.791436687257232);
        let p = text("geo_line_centroid", vec![str_lit(l2)]);
        let (x, y) = coords(&p.unwrap());
        close(x, -73.965567057230942);
        close(y, 40.782453249627416);
        let p = text("geo_line_centroid", vec![str_lit(LINE5)]);
        close(coords(&p.unwrap()).0, -73.9660675626837);
        let d = text(
            "geo_line_densify",
            vec![str_lit(
                r#"{"type":"LineString","coordinates":[[50, 50], [51, 51]]}"#,
            )],
        );
        assert_eq!(
            d.as_deref(),
            Some(
                r#"{"type":"LineString","coordinates":[[50,50],[50.125,50.125],[50.25,50.25],[50.375,50.375],[50.5,50.5],[50.625,50.625],[50.75,50.75],[50.875,50.875],[51,51]]}"#
            )
        );
    }

    #[test]
    fn documented_line_values() {
        let road = r#"{ "type":"LineString","coordinates":[[-115.115385,36.229195],[-115.136995,36.200366],[-115.140252,36.192470],[-115.143558,36.188523],[-115.144076,36.181954],[-115.154662,36.174483],[-115.166431,36.176388],[-115.183289,36.175007],[-115.192612,36.176736],[-115.202485,36.173439],[-115.225355,36.174365]]}"#;
        let d = real(
            "geo_distance_point_to_line",
            vec![f(-115.199625), f(36.210419), str_lit(road)],
        );
        close(d.unwrap(), 3797.88887253334);
        let p = text(
            "geo_closest_point_on_line",
            vec![f(-115.199625), f(36.210419), str_lit(road)],
        );
        let (x, y) = coords(&p.unwrap());
        close(x, -115.192612);
        close(y, 36.176736);
        let l2 = r#"{"type":"LineString","coordinates":[[-73.95796, 40.80042], [-73.97317, 40.764486]]}"#;
        let fr = real(
            "geo_line_locate_point",
            vec![str_lit(l2), f(-73.965), f(40.792)],
        );
        close(fr.unwrap(), 0.25560135100307552);
    }

    #[test]
    fn invalid_inputs_are_null() {
        assert_eq!(
            boolean(
                "geo_point_in_polygon",
                vec![f(1.0), f(1.0), str_lit(BAD_POLY)]
            ),
            None
        );
        assert_eq!(
            real(
                "geo_distance_point_to_polygon",
                vec![f(500.0), f(1.0), str_lit(PARK)]
            ),
            None
        );
        let one = r#"{"type":"LineString","coordinates":[[1, 1]]}"#;
        assert_eq!(text("geo_line_centroid", vec![str_lit(one)]), None);
        assert_eq!(
            text("geo_line_interpolate_point", vec![str_lit(LINE5), f(1.5)]),
            None
        );
        assert_eq!(
            real("geo_line_locate_point", vec![str_lit(one), f(1.0), f(1.0)]),
            None
        );
        assert_eq!(real("geo_polygon_perimeter", vec![str_lit(BAD_POLY)]), None);
        assert_eq!(
            real(
                "geo_distance_point_to_line",
                vec![f(1.0), f(1.0), str_col(vec![None])]
            ),
            None
        );
        let l = r#"{"type":"LineString","coordinates":[[1,1],[2,2]]}"#;
        assert_eq!(text("geo_line_densify", vec![str_lit(l), f(0.0)]), None);
        assert_eq!(text("geo_line_densify", vec![str_lit(""), f(10.0)]), None);
    }

    #[test]
    fn containment_and_intersections() {
        let inp = |x: f64, y: f64| boolean("geo_point_in_polygon", vec![f(x), f(y), str_lit(PARK)]);
        assert_eq!(inp(-73.965, 40.782), Some(true));
        assert_eq!(inp(-73.9839, 40.7705), Some(false));
        // A clockwise ring means the same (smaller) region.
        let cw = r#"{"type":"Polygon","coordinates":[[[0,0],[0,10],[10,10],[10,0],[0,0]]]}"#;
        assert_eq!(
            boolean("geo_point_in_polygon", vec![f(5.0), f(5.0), str_lit(cw)]),
            Some(true)
        );
        assert_eq!(
            boolean("geo_point_in_polygon", vec![f(15.0), f(5.0), str_lit(cw)]),
            Some(false)
        );
        let holed = r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[4,6],[6,6],[6,4],[4,4]]]}"#;
        assert_eq!(
            boolean("geo_point_in_polygon", vec![f(5.0), f(5.0), str_lit(holed)]),
            Some(false)
        );
        assert_eq!(
            boolean("geo_point_in_polygon", vec![f(2.0), f(5.0), str_lit(holed)]),
            Some(true)
        );
        let a = r#"{"type":"LineString","coordinates":[[0,0],[2,2]]}"#;
        let b = r#"{"type":"LineString","coordinates":[[0,2],[2,0]]}"#;
        let c = r#"{"type":"LineString","coordinates":[[3,3],[4,4]]}"#;
        assert_eq!(
            boolean("geo_intersects_2lines", vec![str_lit(a), str_lit(b)]),
            Some(true)
        );
        assert_eq!(
            boolean("geo_intersects_2lines", vec![str_lit(a), str_lit(c)]),
            Some(false)
        );
        let inner = r#"{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2],[1,1]]]}"#;
        assert_eq!(
            boolean(
                "geo_intersects_2polygons",
                vec![str_lit(cw), str_lit(inner)]
            ),
            Some(true)
        );
        assert_eq!(
            boolean(
                "geo_intersects_2polygons",
                vec![
                    str_lit(holed),
                    str_lit(
                        r#"{"type":"Polygon","coordinates":[[[4.5,4.5],[5.5,4.5],[5.5,5.5],[4.5,4.5]]]}"#
                    )
                ]
            ),
            Some(false)
        );
        assert_eq!(
            boolean(
                "geo_intersects_line_with_polygon",
                vec![str_lit(c), str_lit(cw)]
            ),
            Some(true)
        );
        let ms = r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#;
        let per = real("geo_polygon_perimeter", vec![str_lit(ms)]).unwrap();
        let t1 = real(
            "geo_polygon_perimeter",
            vec![str_lit(
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
            )],
        )
        .unwrap();
        let t2 = real(
            "geo_polygon_perimeter",
            vec![str_lit(
                r#"{"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,5]]]}"#,
            )],
        )
        .unwrap();
        close(per, t1 + t2);
    }
}
