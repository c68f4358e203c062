//! Overlay operations on the sphere (geodesic edges): the intersection of
//! two lines (`geo_intersection_2lines`: a Point, a LineString, or an
//! empty GeometryCollection), of a line with a polygon
//! (`geo_intersection_line_with_polygon`), of two polygons
//! (`geo_intersection_2polygons`), the union of lines
//! (`geo_union_lines_array`), and the union measures of a MultiPolygon
//! ([`union_measure`]). Results whose layout S2 decides in ways not
//! reproduced here (several parts, holes, shared boundary stretches) are
//! execution errors ("not supported yet"), never approximations.

use super::distance::lines;
use super::polygon::{triangle_area, triangle_moment};
use super::shapes::{
    Poly, V3, angle, closest_on_arc, in_polygons, lnglat, normalize, polygons, proper_crossing,
    robust_cross, unit,
};
use super::{Cols, push_num};
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::common::{Result, exec_err};
use std::f64::consts::PI;
use std::sync::Arc;

/// A vertex: its unit vector and the coordinates to print.
#[derive(Clone, Copy)]
struct Pt {
    v: V3,
    ll: (f64, f64),
}

/// Two points closer than this (radians) are the same point.
const SAME: f64 = 1e-12;

fn same(a: &Pt, b: &Pt) -> bool {
    angle(a.v, b.v) < SAME
}

fn on(p: V3, a: V3, b: V3) -> bool {
    angle(p, closest_on_arc(p, a, b)) < SAME
}

fn parse(text: &str) -> Option<Vec<Vec<Pt>>> {
    Some(
        lines(text)?
            .into_iter()
            .map(|l| {
                l.into_iter()
                    .map(|(x, y)| Pt {
                        v: unit(x, y),
                        ll: (x, y),
                    })
                    .collect()
            })
            .collect(),
    )
}

enum Meet {
    Point(Pt),
    Stretch(Pt, Pt),
}

/// How edge [a, b] meets edge [c, d].
fn meet(a: Pt, b: Pt, c: Pt, d: Pt) -> Option<Meet> {
    if same(&a, &b) || same(&c, &d) {
        // A zero-length edge: a point on the other edge.
        let (p, (x, y)) = if same(&a, &b) {
            (a, (c, d))
        } else {
            (c, (a, b))
        };
        return on(p.v, x.v, y.v).then_some(Meet::Point(p));
    }
    let n1 = normalize(robust_cross(a.v, b.v));
    let n2 = normalize(robust_cross(c.v, d.v));
    let collinear = angle(n1, n2) < SAME || angle(n1, [-n2[0], -n2[1], -n2[2]]) < SAME;
    if collinear {
        // The shared points among the four ends, ordered from a to b.
        let mut shared: Vec<Pt> = Vec::with_capacity(4);
        for p in [a, b] {
            if on(p.v, c.v, d.v) {
                shared.push(p);
            }
        }
        for p in [c, d] {
            if on(p.v, a.v, b.v) && !shared.iter().any(|q| same(q, &p)) {
                shared.push(p);
            }
        }
        shared.sort_by(|x, y| angle(a.v, x.v).total_cmp(&angle(a.v, y.v)));
        return match shared.as_slice() {
            [] => None,
            [p] => Some(Meet::Point(*p)),
            [p, .., q] => Some(if same(p, q) {
                Meet::Point(*p)
            } else {
                Meet::Stretch(*p, *q)
            }),
        };
    }
    if proper_crossing(a.v, b.v, c.v, d.v) {
        let mut x = normalize(robust_cross(n1, n2));
        let mid = [a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2]];
        if x[0] * mid[0] + x[1] * mid[1] + x[2] * mid[2] < 0.0 {
            x = [-x[0], -x[1], -x[2]];
        }
        return Some(Meet::Point(Pt {
            v: x,
            ll: lnglat(x),
        }));
    }
    for (p, (x, y)) in [(c, (a, b)), (d, (a, b)), (a, (c, d)), (b, (c, d))] {
        if on(p.v, x.v, y.v) {
            return Some(Meet::Point(p));
        }
    }
    None
}

fn push_pt(out: &mut String, p: &Pt) {
    out.push('[');
    push_num(out, p.ll.0);
    out.push(',');
    push_num(out, p.ll.1);
    out.push(']');
}

fn push_chain(out: &mut String, c: &[Pt]) {
    out.push('[');
    for (k, p) in c.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        push_pt(out, p);
    }
    out.push(']');
}

/// `Err(())` for a result of several parts (points and/or lines).
fn intersection(l1: &[Vec<Pt>], l2: &[Vec<Pt>], out: &mut String) -> std::result::Result<(), ()> {
    let mut chains: Vec<Vec<Pt>> = Vec::new();
    let mut points: Vec<Pt> = Vec::new();
    for line in l1 {
        for w in line.windows(2) {
            // The meetings of this edge, ordered along it.
            let mut here: Vec<Meet> = Vec::new();
            for other in l2 {
                for u in other.windows(2) {
                    if let Some(m) = meet(w[0], w[1], u[0], u[1]) {
                        here.push(m);
                    }
                }
            }
            let key = |m: &Meet| match m {
                Meet::Point(p) | Meet::Stretch(p, _) => angle(w[0].v, p.v),
            };
            here.sort_by(|x, y| key(x).total_cmp(&key(y)));
            for m in here {
                match m {
                    Meet::Point(p) => points.push(p),
                    Meet::Stretch(p, q) => match chains.last_mut() {
                        Some(c) if same(c.last().unwrap_or(&p), &p) => c.push(q),
                        _ => chains.push(vec![p, q]),
                    },
                }
            }
        }
    }
    // Points on a shared stretch, and repeated points, are dropped.
    let mut kept: Vec<Pt> = Vec::new();
    for p in points {
        let on_chain = chains
            .iter()
            .any(|c| c.windows(2).any(|s| on(p.v, s[0].v, s[1].v)));
        if !on_chain && !kept.iter().any(|q| same(q, &p)) {
            kept.push(p);
        }
    }
    // Several parts come out in an order S2 decides: not supported yet.
    match (kept.as_slice(), chains.as_slice()) {
        ([], []) => out.push_str("{\"type\":\"GeometryCollection\",\"geometries\":[]}"),
        ([p], []) => {
            out.push_str("{\"type\":\"Point\",\"coordinates\":");
            push_pt(out, p);
            out.push('}');
        }
        ([], [c]) => {
            out.push_str("{\"type\":\"LineString\",\"coordinates\":");
            push_chain(out, c);
            out.push('}');
        }
        _ => return Err(()),
    }
    Ok(())
}

/// geo_intersection_2lines(line1, line2).
pub(crate) fn intersection_2lines(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    for i in 0..c.rows {
        let l1 = c.str(0, i).and_then(parse);
        let l2 = c.str(1, i).and_then(parse);
        match l1.zip(l2) {
            Some((l1, l2)) => {
                buf.clear();
                if intersection(&l1, &l2, &mut buf).is_err() {
                    return exec_err!(
                        "geo_intersection_2lines(): an intersection of several points or lines is not supported yet"
                    );
                }
                b.append_value(&buf);
            }
            None => b.append_null(),
        }
    }
    Ok(Arc::new(b.finish()))
}

/// The pieces of a line inside a polygon; `Err(())` when the line runs
/// along the polygon's boundary or touches it without entering (where the
/// boundary model decides, not supported yet).
fn clip_line(l: &[Vec<Pt>], ps: &[Poly]) -> std::result::Result<Vec<Vec<Pt>>, ()> {
    let mut chains: Vec<Vec<Pt>> = Vec::new();
    for line in l {
        // (start, end, inside) pieces along the line, and whether each
        // split point lies on the boundary.
        let mut pieces: Vec<(Pt, Pt, bool)> = Vec::new();
        let mut boundary_at: Vec<bool> = Vec::new();
        for w in line.windows(2) {
            let (a, b) = (w[0], w[1]);
            let mut cuts: Vec<Pt> = Vec::new();
            for (c, d) in ps.iter().flat_map(Poly::edges) {
                let (c, d) = (
                    Pt {
                        v: c,
                        ll: lnglat(c),
                    },
                    Pt {
                        v: d,
                        ll: lnglat(d),
                    },
                );
                match meet(a, b, c, d) {
                    Some(Meet::Stretch(..)) => return Err(()),
                    Some(Meet::Point(p)) => {
                        let p = if same(&p, &a) {
                            a
                        } else if same(&p, &b) {
                            b
                        } else {
                            p
                        };
                        cuts.push(p);
                    }
                    None => {}
                }
            }
            cuts.sort_by(|x, y| angle(a.v, x.v).total_cmp(&angle(a.v, y.v)));
            cuts.dedup_by(|x, y| same(x, y));
            let mut at = a;
            let mut at_boundary = cuts.first().is_some_and(|p| same(p, &a));
            for p in cuts.into_iter().chain(std::iter::once(b)) {
                if same(&p, &at) {
                    continue;
                }
                let mid = normalize([at.v[0] + p.v[0], at.v[1] + p.v[1], at.v[2] + p.v[2]]);
                let inside = in_polygons(ps, mid);
                boundary_at.push(at_boundary);
                pieces.push((at, p, inside));
                at_boundary =
                    !same(&p, &b) || ps.iter().flat_map(Poly::edges).any(|(c, d)| on(b.v, c, d));
                at = p;
            }
        }
        // A boundary point with no inside piece on either side is a touch.
        for (k, &(_, _, inside)) in pieces.iter().enumerate() {
            let before = k.checked_sub(1).map(|j| pieces[j].2);
            if boundary_at[k] && !inside && !before.unwrap_or(false) {
                return Err(());
            }
        }
        if let Some(&(_, _, inside)) = pieces.last() {
            let end = line[line.len() - 1];
            let end_on = ps
                .iter()
                .flat_map(Poly::edges)
                .any(|(c, d)| on(end.v, c, d));
            if end_on && !inside {
                return Err(());
            }
        }
        let mut open = false;
        for (p, q, inside) in pieces {
            if !inside {
                open = false;
                continue;
            }
            match chains.last_mut() {
                Some(c) if open => c.push(q),
                _ => chains.push(vec![p, q]),
            }
            open = true;
        }
    }
    Ok(chains)
}

/// geo_intersection_line_with_polygon(line, polygon).
pub(crate) fn intersection_line_with_polygon(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    for i in 0..c.rows {
        let l = c.str(0, i).and_then(parse);
        let ps = c.str(1, i).and_then(polygons);
        let Some((l, ps)) = l.zip(ps) else {
            b.append_null();
            continue;
        };
        let Ok(chains) = clip_line(&l, &ps) else {
            return exec_err!(
                "geo_intersection_line_with_polygon(): a line along or touching the polygon's boundary is not supported yet"
            );
        };
        buf.clear();
        match chains.as_slice() {
            [] => buf.push_str("{\"type\":\"GeometryCollection\",\"geometries\":[]}"),
            [c] => {
                buf.push_str("{\"type\":\"LineString\",\"coordinates\":");
                push_chain(&mut buf, c);
                buf.push('}');
            }
            cs => {
                buf.push_str("{\"type\":\"MultiLineString\",\"coordinates\":[");
                for (k, c) in cs.iter().enumerate() {
                    if k > 0 {
                        buf.push(',');
                    }
                    push_chain(&mut buf, c);
                }
                buf.push_str("]}");
            }
        }
        b.append_value(&buf);
    }
    Ok(Arc::new(b.finish()))
}

/// The measures of the union of polygons: (area in steradians, first
/// moment, boundary length in radians). The union's boundary is made of the
/// pieces of every ring (split where other polygons' edges cross it) that
/// lie outside all other polygons, oriented with the interior on the left;
/// area and moment are then sums over that boundary of triangles with a
/// common apex near the shapes. `Err(())` when polygons share boundary
/// stretches (where the boundary model decides, not supported yet);
/// `Ok(None)` for a degenerate result.
pub(crate) fn union_measure(ps: &[Poly]) -> std::result::Result<Option<(f64, V3, f64)>, ()> {
    let mut apex = [0.0; 3];
    for p in ps {
        for l in &p.loops {
            for v in &l.v {
                apex = [apex[0] + v[0], apex[1] + v[1], apex[2] + v[2]];
            }
        }
    }
    let apex = normalize(apex);
    let (mut area, mut moment, mut length) = (0.0, [0.0; 3], 0.0);
    for (i, p) in ps.iter().enumerate() {
        let others: Vec<&Poly> = ps
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, q)| q)
            .collect();
        for (k, l) in p.loops.iter().enumerate() {
            let n = l.v.len();
            for e in 0..n {
                // Shells keep their orientation, holes turn around so the
                // polygon's interior is on the left.
                let (a, b) = if k == 0 {
                    (l.v[e], l.v[(e + 1) % n])
                } else {
                    (l.v[(e + 1) % n], l.v[e])
                };
                let mut cuts: Vec<V3> = vec![a, b];
                for q in &others {
                    for (c, d) in q.edges() {
                        let pa = Pt {
                            v: a,
                            ll: (0.0, 0.0),
                        };
                        let pb = Pt {
                            v: b,
                            ll: (0.0, 0.0),
                        };
                        let pc = Pt {
                            v: c,
                            ll: (0.0, 0.0),
                        };
                        let pd = Pt {
                            v: d,
                            ll: (0.0, 0.0),
                        };
                        match meet(pa, pb, pc, pd) {
                            Some(Meet::Stretch(..)) => return Err(()),
                            Some(Meet::Point(x)) => cuts.push(x.v),
                            None => {}
                        }
                    }
                }
                cuts.sort_by(|x, y| angle(a, *x).total_cmp(&angle(a, *y)));
                cuts.dedup_by(|x, y| angle(*x, *y) < SAME);
                for w in cuts.windows(2) {
                    let mid = normalize([w[0][0] + w[1][0], w[0][1] + w[1][1], w[0][2] + w[1][2]]);
                    if others.iter().any(|q| q.contains(mid)) {
                        continue;
                    }
                    area += triangle_area(apex, w[0], w[1]);
                    let m = triangle_moment(apex, w[0], w[1]);
                    moment = [moment[0] + m[0], moment[1] + m[1], moment[2] + m[2]];
                    length += angle(w[0], w[1]);
                }
            }
        }
    }
    Ok((area > 0.0 && area <= 2.0 * PI).then_some((area, moment, length)))
}

/// The union of an array of (multi)lines: the distinct directed edges
/// joined into one path. `Ok(None)` for invalid input; `Err(())` for the
/// unions whose layout is not supported yet (edges overlapping partially
/// or in opposite directions, a vertex inside another edge, branching, or
/// a result of several lines or a closed loop).
fn union_lines(text: &str) -> std::result::Result<Option<Vec<Pt>>, ()> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(text)
    else {
        return Ok(None);
    };
    if items.is_empty() {
        return Ok(None);
    }
    let mut edges: Vec<(Pt, Pt)> = Vec::new();
    for item in &items {
        let Some(ls) = parse(&item.to_string()) else {
            return Ok(None);
        };
        for l in ls {
            for w in l.windows(2) {
                let (a, b) = (w[0], w[1]);
                if same(&a, &b) || edges.iter().any(|(x, y)| same(x, &a) && same(y, &b)) {
                    continue;
                }
                edges.push((a, b));
            }
        }
    }
    for (k, &(a, b)) in edges.iter().enumerate() {
        for &(c, d) in &edges[k + 1..] {
            match meet(a, b, c, d) {
                Some(Meet::Stretch(..)) => return Err(()),
                Some(Meet::Point(p)) => {
                    let at_ends = |p: &Pt| {
                        [a, b].iter().any(|q| same(q, p)) && [c, d].iter().any(|q| same(q, p))
                    };
                    if !at_ends(&p) {
                        return Err(());
                    }
                }
                None => {}
            }
        }
    }
    // One path: every vertex has at most one edge in and one out, exactly
    // one vertex has none in.
    let starts: Vec<usize> = (0..edges.len())
        .filter(|&k| !edges.iter().any(|(_, y)| same(y, &edges[k].0)))
        .collect();
    for (a, b) in &edges {
        let outs = edges.iter().filter(|(x, _)| same(x, a)).count();
        let ins = edges.iter().filter(|(_, y)| same(y, b)).count();
        if outs > 1 || ins > 1 {
            return Err(());
        }
    }
    let [start] = starts.as_slice() else {
        return Err(());
    };
    let mut path = vec![edges[*start].0, edges[*start].1];
    let mut used = 1;
    loop {
        let last = path[path.len() - 1];
        let Some(&(_, b)) = edges.iter().find(|(x, _)| same(x, &last)) else {
            break;
        };
        path.push(b);
        used += 1;
        if used > edges.len() {
            return Err(());
        }
    }
    if used != edges.len() {
        return Err(());
    }
    Ok(Some(path))
}

/// geo_union_lines_array(lines).
pub(crate) fn union_lines_array(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    for i in 0..c.rows {
        match c.str(0, i).map(union_lines) {
            None | Some(Ok(None)) => b.append_null(),
            Some(Ok(Some(path))) => {
                buf.clear();
                buf.push_str("{\"type\":\"LineString\",\"coordinates\":");
                push_chain(&mut buf, &path);
                buf.push('}');
                b.append_value(&buf);
            }
            Some(Err(())) => {
                return exec_err!(
                    "geo_union_lines_array(): lines that overlap partially, branch, meet inside an edge or do not join into one line are not supported yet"
                );
            }
        }
    }
    Ok(Arc::new(b.finish()))
}

/// S2Builder's loop canonicalisation: rotate the loop so that it starts
/// right after the last piece (in cyclic order) of the highest input edge
/// id, which keeps the original vertex order when edges were split.
fn canonical_start(ids: &[usize]) -> usize {
    let mut pos = 0;
    let mut saw_gap = false;
    for i in 1..ids.len() {
        if ids[i] < ids[pos] {
            saw_gap = true;
        } else if ids[i] > ids[pos] || !saw_gap {
            pos = i;
            saw_gap = false;
        }
    }
    (pos + 1) % ids.len().max(1)
}

/// The intersection of two polygon sets as GeoJSON: its boundary is made
/// of the pieces of each side's edges inside the other side (input edge
/// ids: the first argument's edges, then the second's), joined into
/// loops; boundaries that only touch give points. `Err(())` for what is
/// not supported yet: holes, shared boundary stretches, ambiguous
/// junctions, or a result of several loops or several points (whose order
/// S2 decides).
fn intersect_polygons(pa: &[Poly], pb: &[Poly], out: &mut String) -> std::result::Result<(), ()> {
    if pa.iter().chain(pb).any(|p| p.loops.len() > 1) {
        return Err(());
    }
    let edges = |ps: &[Poly]| -> Vec<(Pt, Pt)> {
        ps.iter()
            .flat_map(|p| p.edges())
            .map(|(a, b)| {
                (
                    Pt {
                        v: a,
                        ll: lnglat(a),
                    },
                    Pt {
                        v: b,
                        ll: lnglat(b),
                    },
                )
            })
            .collect()
    };
    let (ea, eb) = (edges(pa), edges(pb));
    // (start, end, input edge id)
    let mut pieces: Vec<(Pt, Pt, usize)> = Vec::new();
    let mut touches: Vec<Pt> = Vec::new();
    for (side, (mine, theirs, other)) in [(&ea, &eb, pb), (&eb, &ea, pa)].into_iter().enumerate() {
        let base = if side == 0 { 0 } else { ea.len() };
        for (k, &(a, b)) in mine.iter().enumerate() {
            let mut cuts: Vec<Pt> = vec![a, b];
            for &(c, d) in theirs.iter() {
                match meet(a, b, c, d) {
                    Some(Meet::Stretch(..)) => return Err(()),
                    Some(Meet::Point(p)) => {
                        cuts.push(p);
                        touches.push(p);
                    }
                    None => {}
                }
            }
            cuts.sort_by(|x, y| angle(a.v, x.v).total_cmp(&angle(a.v, y.v)));
            cuts.dedup_by(|x, y| same(x, y));
            for w in cuts.windows(2) {
                let mid = normalize([
                    w[0].v[0] + w[1].v[0],
                    w[0].v[1] + w[1].v[1],
                    w[0].v[2] + w[1].v[2],
                ]);
                if in_polygons(other, mid) {
                    pieces.push((w[0], w[1], base + k));
                }
            }
        }
    }
    // Join the pieces into loops.
    let mut used = vec![false; pieces.len()];
    let mut loops: Vec<Vec<(Pt, usize)>> = Vec::new();
    for s in 0..pieces.len() {
        if used[s] {
            continue;
        }
        used[s] = true;
        let mut lp = vec![(pieces[s].0, pieces[s].2)];
        let mut end = pieces[s].1;
        while !same(&end, &pieces[s].0) {
            let next: Vec<usize> = (0..pieces.len())
                .filter(|&j| !used[j] && same(&pieces[j].0, &end))
                .collect();
            let [j] = next.as_slice() else {
                return Err(());
            };
            used[*j] = true;
            lp.push((pieces[*j].0, pieces[*j].2));
            end = pieces[*j].1;
        }
        loops.push(lp);
    }
    // Touching points that no loop passes through.
    let mut points: Vec<Pt> = Vec::new();
    for p in touches {
        let on_loop = loops.iter().flatten().any(|(q, _)| same(q, &p));
        if !on_loop && !points.iter().any(|q| same(q, &p)) {
            points.push(p);
        }
    }
    if loops.len() > 1 || points.len() > 1 {
        return Err(());
    }
    let push_point = |out: &mut String, p: &Pt| {
        out.push_str("{\"type\":\"Point\",\"coordinates\":");
        push_pt(out, p);
        out.push('}');
    };
    let push_polygon = |out: &mut String, lp: &[(Pt, usize)]| {
        let ids: Vec<usize> = lp.iter().map(|(_, id)| *id).collect();
        let start = canonical_start(&ids);
        let mut ring: Vec<Pt> = lp[start..]
            .iter()
            .chain(&lp[..start])
            .map(|(p, _)| *p)
            .collect();
        ring.push(ring[0]);
        out.push_str("{\"type\":\"Polygon\",\"coordinates\":[");
        push_chain(out, &ring);
        out.push_str("]}");
    };
    match (points.first(), loops.first()) {
        (None, None) => out.push_str("{\"type\":\"GeometryCollection\",\"geometries\":[]}"),
        (Some(p), None) => push_point(out, p),
        (None, Some(lp)) => push_polygon(out, lp),
        (Some(p), Some(lp)) => {
            out.push_str("{\"type\":\"GeometryCollection\",\"geometries\":[");
            push_point(out, p);
            out.push(',');
            push_polygon(out, lp);
            out.push_str("]}");
        }
    }
    Ok(())
}

/// geo_intersection_2polygons(polygon1, polygon2).
pub(crate) fn intersection_2polygons(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    for i in 0..c.rows {
        let pa = c.str(0, i).and_then(polygons);
        let pb = c.str(1, i).and_then(polygons);
        let Some((pa, pb)) = pa.zip(pb) else {
            b.append_null();
            continue;
        };
        buf.clear();
        if intersect_polygons(&pa, &pb, &mut buf).is_err() {
            return exec_err!(
                "geo_intersection_2polygons(): polygons with holes, shared boundary stretches, or an intersection of several parts are not supported yet"
            );
        }
        b.append_value(&buf);
    }
    Ok(Arc::new(b.finish()))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // documented values, as printed
mod tests {
    use crate::geo::udf;
    use crate::udf::test_util::{invoke, str_lit, strings};

    fn run(a: &str, b: &str) -> Option<String> {
        strings(&invoke(
            &udf("geo_intersection_2lines").unwrap(),
            vec![str_lit(a), str_lit(b)],
        ))[0]
            .clone()
    }

    #[test]
    fn documented_examples() {
        let l1 = r#"{"type":"LineString","coordinates":[[-73.978929,40.785155],[-73.980903,40.782621]]}"#;
        let l2 = r#"{"type":"LineString","coordinates":[[-73.985195,40.788275],[-73.974552,40.779761]]}"#;
        let p: serde_json::Value = serde_json::from_str(&run(l1, l2).unwrap()).unwrap();
        assert_eq!(p["type"], "Point");
        let x = p["coordinates"][0].as_f64().unwrap();
        let y = p["coordinates"][1].as_f64().unwrap();
        assert!((x + 73.979837116670978).abs() < 1e-9 * 73.98, "{x}");
        assert!((y - 40.783989289772165).abs() < 1e-9 * 40.78, "{y}");
        assert_eq!(
            run(l1, l1).as_deref(),
            Some(
                r#"{"type":"LineString","coordinates":[[-73.978929,40.785155],[-73.980903,40.782621]]}"#
            )
        );
        let a = r#"{"type":"LineString","coordinates":[[1, 1],[2, 2]]}"#;
        let b = r#"{"type":"LineString","coordinates":[[3, 3],[4, 4]]}"#;
        assert_eq!(
            run(a, b).as_deref(),
            Some(r#"{"type":"GeometryCollection","geometries":[]}"#)
        );
        assert_eq!(
            run(a, r#"{"type":"LineString","coordinates":[[3, 3]]}"#),
            None
        );
        assert_eq!(run(a, r#"{"type":"Polygon","coordinates":[]}"#), None);
    }

    fn clip(l: &str, p: &str) -> Option<String> {
        strings(&invoke(
            &udf("geo_intersection_line_with_polygon").unwrap(),
            vec![str_lit(l), str_lit(p)],
        ))[0]
            .clone()
    }

    #[test]
    fn line_with_polygon() {
        let l = r#"{"type":"LineString","coordinates":[[-110.522, 39.198],[-91.428, 40.880]]}"#;
        let p = r#"{"type":"Polygon","coordinates":[[[-90.263,36.738],[-102.041,45.274],[-109.335,36.527],[-90.263,36.738]],[[-100.393,41.705],[-103.139,38.925],[-97.558,39.113],[-100.393,41.705]]]}"#;
        let v: serde_json::Value = serde_json::from_str(&clip(l, p).unwrap()).unwrap();
        assert_eq!(v["type"], "MultiLineString");
        let want = [
            [
                [-106.89353655881905, 39.769226209776306],
                [-101.74448553679453, 40.373506008712525],
            ],
            [
                [-99.136499431328858, 40.589336512699994],
                [-95.284527737311791, 40.799060242246348],
            ],
        ];
        for (k, line) in want.iter().enumerate() {
            for (j, pt) in line.iter().enumerate() {
                for d in 0..2 {
                    let got = v["coordinates"][k][j][d].as_f64().unwrap();
                    assert!(
                        (got - pt[d]).abs() <= 1e-9 * pt[d].abs(),
                        "{got} vs {}",
                        pt[d]
                    );
                }
            }
        }
        let far = r#"{"type":"LineString","coordinates":[[1, 1],[2, 2]]}"#;
        assert_eq!(
            clip(far, p).as_deref(),
            Some(r#"{"type":"GeometryCollection","geometries":[]}"#)
        );
        let inside = r#"{"type":"LineString","coordinates":[[-100, 38],[-99, 38]]}"#;
        assert_eq!(
            clip(inside, p).as_deref(),
            Some(r#"{"type":"LineString","coordinates":[[-100,38],[-99,38]]}"#)
        );
        assert_eq!(clip(far, r#"{"type":"Polygon"}"#), None);
    }

    #[test]
    fn multipolygon_measures_are_the_union() {
        let one = |name: &str, t: &str| {
            strings(&invoke(&udf(name).unwrap(), vec![str_lit(t)]))[0].clone()
        };
        let area = |t: &str| {
            let out = invoke(&udf("geo_polygon_area").unwrap(), vec![str_lit(t)]);
            datafusion::arrow::array::AsArray::as_primitive::<
                datafusion::arrow::datatypes::Float64Type,
            >(&out)
            .value(0)
        };
        let a = r#"{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}"#;
        let b = r#"{"type":"Polygon","coordinates":[[[1,1],[3,1],[3,3],[1,3],[1,1]]]}"#;
        let far = r#"{"type":"Polygon","coordinates":[[[10,10],[12,10],[12,12],[10,12],[10,10]]]}"#;
        let multi = |x: &str, y: &str| {
            let x: serde_json::Value = serde_json::from_str(x).unwrap();
            let y: serde_json::Value = serde_json::from_str(y).unwrap();
            serde_json::json!({"type":"MultiPolygon","coordinates":[x["coordinates"], y["coordinates"]]}).to_string()
        };
        let disjoint = area(&multi(a, far));
        assert!((disjoint - area(a) - area(far)).abs() < 1e-6 * disjoint);
        let overlap = area(&multi(a, b));
        let lens = r#"{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2],[1,1]]]}"#;
        // Geodesic edges bulge, so the overlap is close to (not exactly) the
        // 1x1 degree square.
        let expect = area(a) + area(b) - area(lens);
        assert!(
            (overlap - expect).abs() < 1e-3 * overlap,
            "{overlap} vs {expect}"
        );
        assert!(overlap < area(a) + area(b) - 0.9 * area(lens));
        // The documented union centroid (geo-polygon-centroid-function.md).
        let park = r#"{"type":"MultiPolygon","coordinates":[[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]],[[[-73.94262313842773,40.775991804565585],[-73.98107528686523,40.791849155467695],[-73.99600982666016,40.77092185281977],[-73.96150588989258,40.75609977566361],[-73.94262313842773,40.775991804565585]]]]}"#;
        let c: serde_json::Value =
            serde_json::from_str(&one("geo_polygon_centroid", park).unwrap()).unwrap();
        let x = c["coordinates"][0].as_f64().unwrap();
        let y = c["coordinates"][1].as_f64().unwrap();
        assert!((x + 73.968569587829577).abs() < 1e-9 * 73.97, "{x}");
        assert!((y - 40.776310752555119).abs() < 1e-9 * 40.78, "{y}");
    }

    #[test]
    fn polygon_intersections() {
        let run = |a: &str, b: &str| {
            strings(&invoke(
                &udf("geo_intersection_2polygons").unwrap(),
                vec![str_lit(a), str_lit(b)],
            ))[0]
                .clone()
        };
        let coords = |s: &str| -> Vec<[f64; 2]> {
            let v: serde_json::Value = serde_json::from_str(s).unwrap();
            let ring = if v["type"] == "GeometryCollection" {
                v["geometries"][1]["coordinates"][0].clone()
            } else {
                v["coordinates"][0].clone()
            };
            serde_json::from_value(ring).unwrap()
        };
        let check = |got: Vec<[f64; 2]>, want: &[[f64; 2]]| {
            assert_eq!(got.len(), want.len(), "{got:?}");
            for (g, w) in got.iter().zip(want) {
                for d in 0..2 {
                    assert!((g[d] - w[d]).abs() <= 1e-9 * w[d].abs(), "{got:?}");
                }
            }
        };
        let p1 = r#"{"type":"Polygon","coordinates":[[[-73.9630937576294,40.77498840732385],[-73.963565826416,40.774383111780914],[-73.96205306053162,40.773745311181585],[-73.96160781383514,40.7743912365898],[-73.9630937576294,40.77498840732385]]]}"#;
        let p2 = r#"{"type":"Polygon","coordinates":[[[-73.96213352680206,40.775045280447145],[-73.9631313085556,40.774578106920345],[-73.96207988262177,40.77416780398293],[-73.96213352680206,40.775045280447145]]]}"#;
        check(
            coords(&run(p1, p2).unwrap()),
            &[
                [-73.962105776437156, 40.774591360999679],
                [-73.962642403166868, 40.774807020251778],
                [-73.9631313085556, 40.774578106920352],
                [-73.962079882621765, 40.774167803982927],
                [-73.962105776437156, 40.774591360999679],
            ],
        );
        let t = r#"{"type":"Polygon","coordinates":[[[2,45],[0,45],[1,44],[2,45]]]}"#;
        let q = r#"{"type":"Polygon","coordinates":[[[3,44],[2,45],[2,43],[3,44]]]}"#;
        assert_eq!(
            run(t, q).as_deref(),
            Some(r#"{"type":"Point","coordinates":[2,45]}"#)
        );
        let qr = r#"{"type":"MultiPolygon","coordinates":[[[[3,44],[2,45],[2,43],[3,44]]],[[[1.192,45.265],[1.005,44.943],[1.356,44.937],[1.192,45.265]]]]}"#;
        let gc = run(t, qr).unwrap();
        assert!(gc.starts_with(r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[2,45]},{"type":"Polygon""#), "{gc}");
        check(
            coords(&gc),
            &[
                [1.3227075526410679, 45.003909145068739],
                [1.0404565374899824, 45.004356403066552],
                [1.005, 44.943],
                [1.356, 44.937],
                [1.3227075526410679, 45.003909145068739],
            ],
        );
        let apart = r#"{"type":"Polygon","coordinates":[[[3,44],[3,45],[2,43],[3,44]]]}"#;
        assert_eq!(
            run(t, apart).as_deref(),
            Some(r#"{"type":"GeometryCollection","geometries":[]}"#)
        );
        assert_eq!(run(t, r#"{"type":"Polygon"}"#), None);
    }

    #[test]
    fn union_of_lines() {
        let run = |t: &str| {
            strings(&invoke(
                &udf("geo_union_lines_array").unwrap(),
                vec![str_lit(t)],
            ))[0]
                .clone()
        };
        let arr = r#"[{"type":"LineString","coordinates":[[-73.95683884620665,40.80502891480884],[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311]]},{"type":"LineString","coordinates":[[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311],[-73.95537436008453,40.804413741624515]]},{"type":"LineString","coordinates":[[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311]]}]"#;
        assert_eq!(
            run(arr).as_deref(),
            Some(
                r#"{"type":"LineString","coordinates":[[-73.95683884620665,40.80502891480884],[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311],[-73.95537436008453,40.804413741624515]]}"#
            )
        );
        let bad = r#"[{"type":"LineString","coordinates":[[1,1],[2,2]]},{"type":"LineString","coordinates":[[1, 1]]}]"#;
        assert_eq!(run(bad), None);
        assert_eq!(run("[]"), None);
        assert_eq!(run(""), None);
    }

    #[test]
    fn touching_and_sharing() {
        let a = r#"{"type":"LineString","coordinates":[[0,0],[1,0],[2,0]]}"#;
        let b = r#"{"type":"LineString","coordinates":[[1,0],[1,1]]}"#;
        assert_eq!(
            run(a, b).as_deref(),
            Some(r#"{"type":"Point","coordinates":[1,0]}"#)
        );
        assert_eq!(
            run(a, a).as_deref(),
            Some(r#"{"type":"LineString","coordinates":[[0,0],[1,0],[2,0]]}"#)
        );
    }
}
