//! `geo_from_wkt(wkt)`: Well-known text to a GeoJSON dynamic value.
//! Supported: POINT, LINESTRING, POLYGON, MULTIPOINT (with or without
//! parenthesised points), MULTILINESTRING, MULTIPOLYGON and
//! GEOMETRYCOLLECTION of those, 2-D coordinates, keywords in any case.
//! Anything else (EMPTY shapes, Z/M coordinates, bad syntax, trailing text)
//! gives null. Coordinates are copied as written (no range check).

use super::{Cols, push_num};
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::common::Result;
use std::sync::Arc;

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn word(&mut self) -> String {
        self.ws();
        let st = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_alphabetic() {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[st..self.i]).to_ascii_uppercase()
    }

    fn num(&mut self) -> Option<f64> {
        self.ws();
        let st = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_digit() || b"+-.eE".contains(&self.s[self.i]))
        {
            self.i += 1;
        }
        let t = std::str::from_utf8(&self.s[st..self.i]).ok()?;
        t.parse::<f64>().ok().filter(|v| v.is_finite())
    }

    /// `x y`
    fn coord(&mut self, out: &mut String) -> Option<()> {
        let x = self.num()?;
        let y = self.num()?;
        out.push('[');
        push_num(out, x);
        out.push(',');
        push_num(out, y);
        out.push(']');
        Some(())
    }

    /// `(x y, x y, ...)` as `[[x,y],...]`; `paren_points` also accepts
    /// `((x y), (x y))` (MULTIPOINT).
    fn coords(&mut self, out: &mut String, paren_points: bool) -> Option<()> {
        if !self.eat(b'(') {
            return None;
        }
        out.push('[');
        loop {
            if paren_points && self.eat(b'(') {
                self.coord(out)?;
                if !self.eat(b')') {
                    return None;
                }
            } else {
                self.coord(out)?;
            }
            if self.eat(b',') {
                out.push(',');
                continue;
            }
            break;
        }
        if !self.eat(b')') {
            return None;
        }
        out.push(']');
        Some(())
    }

    /// `(item, item, ...)` of nested lists.
    fn list(
        &mut self,
        out: &mut String,
        item: impl Fn(&mut Self, &mut String) -> Option<()>,
    ) -> Option<()> {
        if !self.eat(b'(') {
            return None;
        }
        out.push('[');
        loop {
            item(self, out)?;
            if self.eat(b',') {
                out.push(',');
                continue;
            }
            break;
        }
        if !self.eat(b')') {
            return None;
        }
        out.push(']');
        Some(())
    }

    fn geometry(&mut self, out: &mut String) -> Option<()> {
        let kind = self.word();
        let name = match kind.as_str() {
            "POINT" => "Point",
            "LINESTRING" => "LineString",
            "POLYGON" => "Polygon",
            "MULTIPOINT" => "MultiPoint",
            "MULTILINESTRING" => "MultiLineString",
            "MULTIPOLYGON" => "MultiPolygon",
            "GEOMETRYCOLLECTION" => {
                out.push_str("{\"type\":\"GeometryCollection\",\"geometries\":");
                self.list(out, |p, o| p.geometry(o))?;
                out.push('}');
                return Some(());
            }
            _ => return None,
        };
        if self.peek() != Some(b'(') {
            return None;
        }
        out.push_str("{\"type\":\"");
        out.push_str(name);
        out.push_str("\",\"coordinates\":");
        match kind.as_str() {
            "POINT" => {
                self.eat(b'(');
                self.coord(out)?;
                if !self.eat(b')') {
                    return None;
                }
            }
            "LINESTRING" => self.coords(out, false)?,
            "MULTIPOINT" => self.coords(out, true)?,
            "POLYGON" | "MULTILINESTRING" => self.list(out, |p, o| p.coords(o, false))?,
            _ => self.list(out, |p, o| p.list(o, |p, o| p.coords(o, false)))?,
        }
        out.push('}');
        Some(())
    }
}

/// The GeoJSON text of a WKT string; `None` if invalid or unsupported.
pub(crate) fn wkt_to_geojson(text: &str, out: &mut String) -> Option<()> {
    let mut p = P {
        s: text.as_bytes(),
        i: 0,
    };
    p.geometry(out)?;
    p.ws();
    (p.i == p.s.len()).then_some(())
}

/// geo_from_wkt(wkt).
pub(crate) fn from_wkt(c: &Cols) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(c.rows, c.rows * 64);
    let mut buf = String::new();
    for i in 0..c.rows {
        buf.clear();
        match c.str(0, i).and_then(|t| wkt_to_geojson(t, &mut buf)) {
            Some(()) => b.append_value(&buf),
            None => b.append_null(),
        }
    }
    Ok(Arc::new(b.finish()))
}

#[cfg(test)]
mod tests {
    use super::wkt_to_geojson;

    fn conv(s: &str) -> Option<String> {
        let mut out = String::new();
        wkt_to_geojson(s, &mut out).map(|_| out)
    }

    #[test]
    fn shapes() {
        assert_eq!(
            conv("POINT (1 2)").as_deref(),
            Some(r#"{"type":"Point","coordinates":[1,2]}"#)
        );
        assert_eq!(
            conv("linestring(1 2, 3.5 -4)").as_deref(),
            Some(r#"{"type":"LineString","coordinates":[[1,2],[3.5,-4]]}"#)
        );
        assert_eq!(
            conv("MULTIPOINT ((1 1), (2 2))").as_deref(),
            Some(r#"{"type":"MultiPoint","coordinates":[[1,1],[2,2]]}"#)
        );
        assert_eq!(
            conv("MULTIPOLYGON (((0 0, 2 0, 2 2, 0 0)),((10 10, 12 10, 12 12, 10 10)))").as_deref(),
            Some(
                r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[2,0],[2,2],[0,0]]],[[[10,10],[12,10],[12,12],[10,10]]]]}"#
            )
        );
        assert_eq!(
            conv("GEOMETRYCOLLECTION (POINT (1 1),LINESTRING (2 2, 3 3))").as_deref(),
            Some(
                r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,1]},{"type":"LineString","coordinates":[[2,2],[3,3]]}]}"#
            )
        );
        for bad in [
            "LINESTRING",
            "",
            "POINT EMPTY",
            "POINT (1)",
            "POINT (1 2 3)",
            "POINT (1 2) x",
            "CIRCLE (1 2)",
        ] {
            assert_eq!(conv(bad), None, "{bad}");
        }
    }
}
