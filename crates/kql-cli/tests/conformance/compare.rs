//! Comparing an engine result with a documented output, by the rules of
//! `shared/conformance/README.md` ("What a comparer has to normalise"). The
//! reference implementation is `shared/tools/conformance.py`; this one must
//! reach the same verdict on every case.
//!
//! The engine side is the JSON document `kql run --format json` prints,
//! parsed into [`J`] values, with the KQL type of every column. The
//! documented side is the cell text of the docs.

use std::sync::LazyLock;

use regex::Regex;

use super::json::{J, dumps, parse_relaxed, py_float, py_space, py_strip};

const REL_TOL: f64 = 1e-9;
const ABS_TOL: f64 = 1e-12;

/// One engine result table.
pub struct Table {
    pub columns: Vec<String>,
    /// KQL type names (`long`, `dynamic`, ...); `None` when unknown.
    pub types: Vec<Option<String>>,
    pub rows: Vec<Vec<J>>,
}

impl Table {
    /// A `{"columns":[{"name":..,"type":..}],"rows":[[..]]}` document.
    pub fn from_json(text: &str) -> Result<Table, String> {
        let doc = super::json::parse(text).ok_or("the output is not one JSON document")?;
        let J::Obj(fields) = doc else {
            return Err("the output is not a JSON object".into());
        };
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v);
        let (Some(J::Arr(cols)), Some(J::Arr(rows))) = (get("columns"), get("rows")) else {
            return Err("the output has no columns/rows arrays".into());
        };
        let mut columns = Vec::new();
        let mut types = Vec::new();
        for c in cols {
            match c {
                J::Obj(f) => {
                    let field = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v);
                    columns.push(match field("name") {
                        Some(J::Str(s)) => s.clone(),
                        Some(other) => dumps(other),
                        None => String::new(),
                    });
                    types.push(match field("type") {
                        Some(J::Str(s)) => Some(s.clone()),
                        _ => None,
                    });
                }
                J::Str(s) => {
                    columns.push(s.clone());
                    types.push(None);
                }
                other => {
                    columns.push(dumps(other));
                    types.push(None);
                }
            }
        }
        let rows = rows
            .iter()
            .map(|r| match r {
                J::Arr(cells) => Ok(cells.clone()),
                _ => Err("a row is not an array".to_string()),
            })
            .collect::<Result<_, _>>()?;
        Ok(Table {
            columns,
            types,
            rows,
        })
    }
}

/// The documented answer of one case.
pub struct Expected<'a> {
    pub columns: &'a [String],
    pub rows: &'a [Vec<String>],
    pub ordered: bool,
    pub order_keys: &'a [String],
    pub check_columns: bool,
    pub doc_rounded: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    DateTime,
    TimeSpan,
    Bool,
    Dynamic,
    Guid,
    String,
}

fn type_kind(t: Option<&str>) -> Option<Kind> {
    let t = py_strip(t?).to_lowercase();
    Some(match t.as_str() {
        "int" | "long" | "real" | "double" | "decimal" | "float" | "int32" | "int64"
        | "integer" | "number" | "numeric" | "system.int32" | "system.int64" | "system.double"
        | "system.single" | "system.decimal" | "float64" | "float32" | "uint64" => Kind::Number,
        "datetime"
        | "date"
        | "timestamp"
        | "system.datetime"
        | "timestamp[ns]"
        | "timestamp(nanosecond)" => Kind::DateTime,
        "timespan" | "time" | "interval" | "duration" | "system.timespan" => Kind::TimeSpan,
        "bool" | "boolean" | "system.boolean" | "sbyte" => Kind::Bool,
        "dynamic" | "object" | "array" | "json" | "system.object" => Kind::Dynamic,
        "guid" | "uuid" | "system.guid" => Kind::Guid,
        "string" | "str" | "text" | "utf8" | "largeutf8" | "system.string" => Kind::String,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Scalars

#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::Int(n) => n as f64,
            Num::Float(x) => x,
        }
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("valid pattern")
}

static NUM_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"));
static THOUSANDS_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"));
static INT_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[+-]?\d+$"));
static HEX_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^0[xX][0-9a-fA-F]+$"));
static ROUNDED_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[+-]?\d+(?:\.(\d+))?$"));
static DT_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$",
    )
});
static US_DT_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*([AaPp][Mm])?)?$",
    )
});
static TS_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([+-])?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$"));
static ISO_DUR_RE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([+-])?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"));
static GUID_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9a-fA-F-]{36}$"));

/// A number from documented or engine text (thousands separators, `NaN`,
/// `Infinity`, `0x..`); `None` when it is not one.
fn parse_number_text(s: &str) -> Option<Num> {
    let t = py_strip(s);
    match t.to_lowercase().as_str() {
        "nan" | "-nan" => return Some(Num::Float(f64::NAN)),
        "infinity" | "+infinity" | "inf" | "+inf" | "\u{221e}" => {
            return Some(Num::Float(f64::INFINITY));
        }
        "-infinity" | "-inf" | "-\u{221e}" => return Some(Num::Float(f64::NEG_INFINITY)),
        _ => {}
    }
    let t = if THOUSANDS_RE.is_match(t) {
        t.replace(',', "")
    } else {
        t.to_string()
    };
    if NUM_RE.is_match(&t) {
        if INT_RE.is_match(&t) {
            return Some(match t.parse::<i128>() {
                Ok(n) => Num::Int(n),
                Err(_) => Num::Float(t.parse::<f64>().ok()?),
            });
        }
        return t.parse::<f64>().ok().map(Num::Float);
    }
    if HEX_RE.is_match(&t) {
        return i128::from_str_radix(&t[2..], 16).ok().map(Num::Int);
    }
    None
}

fn parse_number(v: &J) -> Option<Num> {
    match v {
        J::Int(n) => Some(Num::Int(*n)),
        J::Float(x) => Some(Num::Float(*x)),
        J::Str(s) => parse_number_text(s),
        _ => None,
    }
}

/// `a` expected, `b` the engine's. With `doc_precision`, an engine value that
/// rounds to the documented decimals of `doc_text` also matches.
fn num_equal(a: Num, b: Num, doc_text: Option<&str>, doc_precision: bool) -> bool {
    let nan = |n: Num| matches!(n, Num::Float(x) if x.is_nan());
    if nan(a) || nan(b) {
        return nan(a) && nan(b);
    }
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        return x == y;
    }
    let (x, y) = (a.f(), b.f());
    if x.is_infinite() || y.is_infinite() {
        return x == y;
    }
    if (x - y).abs() <= ABS_TOL.max(REL_TOL * x.abs().max(y.abs())) {
        return true;
    }
    if doc_precision && let Some(text) = doc_text {
        let cleaned = py_strip(text).replace(',', "");
        if let Some(m) = ROUNDED_RE.captures(&cleaned) {
            let decimals = m.get(1).map_or(0, |d| d.as_str().len()) as i32;
            return (y - x).abs() <= 0.5 * 10f64.powi(-decimals) * (1.0 + 1e-9);
        }
    }
    false
}

fn digits(s: Option<regex::Match<'_>>) -> i128 {
    s.and_then(|m| m.as_str().parse().ok()).unwrap_or(0)
}

/// Fraction digits as 100 ns ticks (first 7 digits, right-padded).
fn frac_ticks(s: Option<regex::Match<'_>>) -> i128 {
    let f: String = s.map_or("", |m| m.as_str()).chars().take(7).collect();
    format!("{f:0<7}").parse().unwrap_or(0)
}

/// An instant in 100 ns ticks since 1970-01-01 UTC: `2016-02-17 08:40:00.0000000`,
/// `2018-02-23T15:14:00Z`, `+02:00` offsets, `02/17/2016 08:40:00 PM`.
fn parse_datetime(s: &str) -> Option<i128> {
    let t = py_strip(s);
    let (y, mo, d, hh, mi, ss, frac, tz, ampm);
    if let Some(m) = DT_RE.captures(t) {
        (y, mo, d) = (m.get(1), m.get(2), m.get(3));
        (hh, mi, ss, frac, tz) = (m.get(4), m.get(5), m.get(6), m.get(7), m.get(8));
        ampm = None;
    } else {
        let m = US_DT_RE.captures(t)?;
        (mo, d, y) = (m.get(1), m.get(2), m.get(3));
        (hh, mi, ss, frac, ampm) = (m.get(4), m.get(5), m.get(6), m.get(7), m.get(8));
        tz = None;
    }
    let year = digits(y);
    if year < 1 {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, digits(mo) as u32, digits(d) as u32)?;
    let days = date
        .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?)
        .num_days() as i128;
    let mut h = digits(hh);
    if let Some(p) = ampm {
        h = h % 12
            + if p.as_str().eq_ignore_ascii_case("pm") {
                12
            } else {
                0
            };
    }
    let secs = days * 86400 + h * 3600 + digits(mi) * 60 + digits(ss);
    let mut ticks = secs * 10_000_000 + frac_ticks(frac);
    if let Some(z) = tz.map(|m| m.as_str())
        && z != "Z"
    {
        let sign = if z.starts_with('+') { 1 } else { -1 };
        let z = z[1..].replace(':', "");
        let hours: i128 = z[..2].parse().ok()?;
        let minutes: i128 = z[2..].parse().ok()?;
        ticks -= sign * (hours * 3600 + minutes * 60) * 10_000_000;
    }
    Some(ticks)
}

/// A duration in ticks: `[-][d.]hh:mm:ss[.f]`, or ISO 8601 `P1DT2H`.
fn parse_timespan(s: &str) -> Option<i128> {
    let t = py_strip(s);
    if let Some(m) = TS_RE.captures(t) {
        let ticks = ((digits(m.get(2)) * 24 + digits(m.get(3))) * 3600
            + digits(m.get(4)) * 60
            + digits(m.get(5)))
            * 10_000_000
            + frac_ticks(m.get(6));
        return Some(if m.get(1).is_some_and(|s| s.as_str() == "-") {
            -ticks
        } else {
            ticks
        });
    }
    if let Some(m) = ISO_DUR_RE.captures(t)
        && t != "P"
        && t != "PT"
    {
        let secs: f64 = m.get(5).map_or(Some(0.0), |s| s.as_str().parse().ok())?;
        let whole = (digits(m.get(2)) * 24 + digits(m.get(3))) * 3600 + digits(m.get(4)) * 60;
        let ticks = ((whole as f64 + secs) * 1e7).round_ties_even() as i128;
        return Some(if m.get(1).is_some_and(|s| s.as_str() == "-") {
            -ticks
        } else {
            ticks
        });
    }
    None
}

fn bool_of_text(s: &str) -> Option<bool> {
    match py_strip(s).to_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn to_bool(v: &J) -> Option<bool> {
    match v {
        J::Bool(b) => Some(*b),
        J::Int(0) => Some(false),
        J::Int(1) => Some(true),
        J::Float(x) if *x == 0.0 => Some(false),
        J::Float(x) if *x == 1.0 => Some(true),
        J::Str(s) => bool_of_text(s),
        _ => None,
    }
}

/// The engine value as text, for string comparisons.
fn engine_text(v: &J) -> String {
    match v {
        J::Null => String::new(),
        J::Bool(b) => if *b { "true" } else { "false" }.into(),
        J::Int(n) => n.to_string(),
        J::Float(x) => py_float(*x),
        J::Str(s) => s.clone(),
        J::Arr(_) | J::Obj(_) => dumps(v),
    }
}

/// JSON values equal: object key order ignored, numbers numerically, strings
/// that are both datetimes as instants.
fn json_equal(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Bool(x), J::Bool(y)) => x == y,
        (J::Bool(_), _) | (_, J::Bool(_)) => false,
        (J::Int(_) | J::Float(_), J::Int(_) | J::Float(_)) => num_equal(
            parse_number(a).unwrap(),
            parse_number(b).unwrap(),
            None,
            false,
        ),
        (J::Obj(x), J::Obj(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, va)| {
                    y.iter()
                        .find(|(kb, _)| kb == k)
                        .is_some_and(|(_, vb)| json_equal(va, vb))
                })
        }
        (J::Arr(x), J::Arr(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (J::Str(x), J::Str(y)) => {
            x == y || matches!((parse_datetime(x), parse_datetime(y)), (Some(p), Some(q)) if p == q)
        }
        (J::Null, J::Null) => true,
        _ => false,
    }
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !py_space(*c)).collect()
}

/// One documented cell `exp` against the engine's `val` in a column of
/// engine type `etype`.
pub fn cell_equal(exp: &str, val: &J, etype: Option<&str>, doc_precision: bool) -> bool {
    let mut kind = type_kind(etype);
    let e = py_strip(exp);
    // The docs show null as an empty cell (sometimes `null` or `(null)`).
    if *val == J::Null {
        return matches!(e, "" | "null" | "(null)");
    }
    if e.is_empty() {
        if let J::Str(s) = val {
            if py_strip(s).is_empty() {
                return true;
            }
            if kind == Some(Kind::Dynamic) {
                let v = parse_relaxed(s);
                return v == Some(J::Null) || v == Some(J::Str(String::new()));
            }
        }
        return false;
    }
    if matches!(e, "null" | "(null)")
        && let J::Str(s) = val
        && matches!(py_strip(s), "" | "null")
    {
        return matches!(kind, None | Some(Kind::Dynamic) | Some(Kind::String))
            || py_strip(s).is_empty();
    }
    if kind.is_none() {
        kind = match val {
            J::Bool(_) => Some(Kind::Bool),
            J::Int(_) | J::Float(_) => Some(Kind::Number),
            J::Arr(_) | J::Obj(_) => Some(Kind::Dynamic),
            _ => None,
        };
    }
    match kind {
        Some(Kind::Number) => {
            if let (Some(a), Some(b)) = (parse_number_text(e), parse_number(val)) {
                return num_equal(a, b, Some(e), doc_precision);
            }
            if let (Some(a), J::Bool(b)) = (bool_of_text(e), val) {
                return a == *b;
            }
            py_strip(&engine_text(val)) == e
        }
        Some(Kind::Bool) => bool_of_text(e).is_some_and(|a| Some(a) == to_bool(val)),
        Some(Kind::DateTime) => {
            let text = engine_text(val);
            match (parse_datetime(e), parse_datetime(&text)) {
                (Some(a), Some(b)) => a == b,
                _ => py_strip(&text) == e,
            }
        }
        Some(Kind::TimeSpan) => {
            let text = engine_text(val);
            match (parse_timespan(e), parse_timespan(&text)) {
                (Some(a), Some(b)) => a == b,
                _ => py_strip(&text) == e,
            }
        }
        Some(Kind::Guid) => {
            let text = engine_text(val);
            let norm = |s: &str| s.trim_matches(['{', '}']).to_lowercase();
            norm(py_strip(&text)) == norm(e)
        }
        Some(Kind::Dynamic) => {
            let a = parse_relaxed(e);
            let b = match val {
                J::Str(s) => parse_relaxed(s).unwrap_or_else(|| val.clone()),
                other => other.clone(),
            };
            if let Some(a) = &a
                && json_equal(a, &b)
            {
                return true;
            }
            // A dynamic holding a plain string is documented without quotes.
            if let J::Str(s) = &b {
                return py_strip(s) == e;
            }
            if a.is_none() {
                return no_space(e) == no_space(&engine_text(val));
            }
            false
        }
        Some(Kind::String) | None => {
            let text = engine_text(val);
            let t = py_strip(&text);
            if t == e {
                return true;
            }
            if kind == Some(Kind::String) {
                return false;
            }
            untyped_equal(e, t, doc_precision)
        }
    }
}

/// An untyped engine value (text): try the typed comparisons in turn.
fn untyped_equal(e: &str, t: &str, doc_precision: bool) -> bool {
    let (na, nb) = (parse_number_text(e), parse_number_text(t));
    if let (Some(a), Some(b)) = (na, nb) {
        return num_equal(a, b, Some(e), doc_precision);
    }
    if let (Some(a), Some(b)) = (bool_of_text(e), bool_of_text(t)) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (parse_datetime(e), parse_datetime(t)) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (parse_timespan(e), parse_timespan(t)) {
        return a == b;
    }
    if (e.starts_with(['[', '{']) || t.starts_with(['[', '{']))
        && let (Some(a), Some(b)) = (parse_relaxed(e), parse_relaxed(t))
    {
        return json_equal(&a, &b);
    }
    if GUID_RE.is_match(e) {
        return e.to_lowercase() == t.to_lowercase();
    }
    false
}

// ---------------------------------------------------------------------------
// Tables

fn rows_equal(erow: &[String], arow: &[J], types: &[Option<String>], dp: bool) -> bool {
    erow.iter()
        .zip(arow)
        .zip(types)
        .all(|((e, a), t)| cell_equal(e, a, t.as_deref(), dp))
}

/// Indexes of expected rows left without a partner in a maximum one-to-one
/// matching of expected to engine rows (Kuhn's algorithm).
fn unmatched_rows(
    exp: &[Vec<String>],
    act: &[Vec<J>],
    types: &[Option<String>],
    dp: bool,
) -> Vec<usize> {
    let adj: Vec<Vec<usize>> = exp
        .iter()
        .map(|e| {
            (0..act.len())
                .filter(|&j| rows_equal(e, &act[j], types, dp))
                .collect()
        })
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; act.len()];
    fn assign(
        i: usize,
        adj: &[Vec<usize>],
        owner: &mut [Option<usize>],
        seen: &mut [bool],
    ) -> bool {
        for &j in &adj[i] {
            if seen[j] {
                continue;
            }
            seen[j] = true;
            if owner[j].is_none_or(|k| assign(k, adj, owner, seen)) {
                owner[j] = Some(i);
                return true;
            }
        }
        false
    }
    let mut order: Vec<usize> = (0..exp.len()).collect();
    order.sort_by_key(|&i| adj[i].len());
    let mut unmatched = Vec::new();
    for i in order {
        let mut seen = vec![false; act.len()];
        if !assign(i, &adj, &mut owner, &mut seen) {
            unmatched.push(i);
        }
    }
    unmatched
}

fn show(v: &J) -> String {
    match v {
        J::Str(s) => format!("{s:?}"),
        other => dumps(other),
    }
}

/// `None` when the table matches the documented answer, else why not.
pub fn compare(exp: &Expected<'_>, table: &Table) -> Option<String> {
    let ncols = exp.columns.len();
    if table.columns.len() != ncols {
        return Some(format!(
            "column count {}, expected {ncols} (got {:?}, expected {:?})",
            table.columns.len(),
            table.columns,
            exp.columns
        ));
    }
    if exp.check_columns {
        let got: Vec<&str> = table.columns.iter().map(|c| py_strip(c)).collect();
        let want: Vec<&str> = exp.columns.iter().map(|c| py_strip(c)).collect();
        if got != want {
            let (mut g, mut w) = (got.clone(), want.clone());
            g.sort_unstable();
            w.sort_unstable();
            let what = if g == w {
                "column order differs"
            } else {
                "column names differ"
            };
            return Some(format!("{what}: got {got:?}, expected {want:?}"));
        }
    }
    let act: Vec<Vec<J>> = table
        .rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.resize(ncols, J::Null);
            r
        })
        .collect();
    let mut types = table.types.clone();
    types.resize(ncols, None);
    let dp = exp.doc_rounded;
    let rows = exp.rows;
    if act.len() != rows.len() {
        return Some(format!("row count {}, expected {}", act.len(), rows.len()));
    }
    if exp.ordered && !exp.order_keys.is_empty() {
        // Sort keys in the documented order; rows with tied keys in any order.
        let kidx: Vec<usize> = exp
            .order_keys
            .iter()
            .filter_map(|k| exp.columns.iter().position(|c| c == k))
            .collect();
        let mut i = 0;
        while i < rows.len() {
            let mut j = i + 1;
            while j < rows.len() && kidx.iter().all(|&k| rows[j].get(k) == rows[i].get(k)) {
                j += 1;
            }
            for r in i..j {
                for &k in &kidx {
                    let cell = rows[r].get(k).map_or("", String::as_str);
                    if !cell_equal(cell, &act[r][k], types[k].as_deref(), dp) {
                        return Some(format!(
                            "row {r} sort key '{}': got {}, expected {cell:?}",
                            exp.columns[k],
                            show(&act[r][k])
                        ));
                    }
                }
            }
            let un = unmatched_rows(&rows[i..j], &act[i..j], &types, dp);
            if let Some(&first) = un.first() {
                return Some(format!(
                    "rows {i}-{} (tied sort keys) differ, e.g. expected row {}: {:?}",
                    j - 1,
                    i + first,
                    rows[i + first]
                ));
            }
            i = j;
        }
        return None;
    }
    if exp.ordered {
        for (i, (er, ar)) in rows.iter().zip(&act).enumerate() {
            if let Some(k) = (0..er.len().min(ncols))
                .find(|&k| !cell_equal(&er[k], &ar[k], types[k].as_deref(), dp))
            {
                return Some(format!(
                    "row {i} col '{}': got {}, expected {:?}",
                    exp.columns[k],
                    show(&ar[k]),
                    er[k]
                ));
            }
        }
        return None;
    }
    let un = unmatched_rows(rows, &act, &types, dp);
    un.first().map(|&i| {
        format!(
            "{} expected row(s) not found, e.g. row {i}: {:?}",
            un.len(),
            rows[i]
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(exp: &str, val: &str, ty: &str) -> bool {
        cell_equal(
            exp,
            &super::super::json::parse(val).unwrap(),
            Some(ty),
            false,
        )
    }

    #[test]
    fn cells() {
        assert!(eq("", "null", "long"));
        assert!(eq("(null)", "null", "string"));
        assert!(eq("", "\"\"", "string"));
        assert!(eq("1,048,576", "1048576", "long"));
        assert!(eq("0.54030230586813977", "0.5403023058681398", "real"));
        assert!(eq("2.20904969985854E-05", "2.20904969985854e-5", "real"));
        assert!(eq("NaN", "\"NaN\"", "real"));
        assert!(eq("-Infinity", "\"-Infinity\"", "real"));
        assert!(!eq("1", "2", "long"));
        assert!(eq("True", "true", "bool"));
        assert!(eq("0", "false", "bool"));
        assert!(eq(
            "2016-02-17 08:40:00.0000000",
            "\"2016-02-17T08:40:00Z\"",
            "datetime"
        ));
        assert!(eq(
            "2024-12-15 07:15:24",
            "\"2024-12-15T07:15:24.000Z\"",
            "datetime"
        ));
        assert!(!eq(
            "2024-12-15 07:15:24",
            "\"2024-12-15T07:15:25Z\"",
            "datetime"
        ));
        assert!(eq("1.12:30:55.1230000", "\"1.12:30:55.123\"", "timespan"));
        assert!(eq("00:03:00", "\"00:03:00\"", "timespan"));
        assert!(eq("{'a': 1,'b': '2'}", r#"{"b":"2","a":1.0}"#, "dynamic"));
        assert!(eq("[yes, no]", r#"["yes","no"]"#, "dynamic"));
        assert!(!eq("[1, 2]", "[2,1]", "dynamic"));
        assert!(eq("a", "\"a\"", "dynamic"));
        assert!(eq("", "\"\"", "dynamic"));
        assert!(eq(
            "[\"2017-01-01T00:00:00.0000000Z\"]",
            r#"["2017-01-01T00:00:00Z"]"#,
            "dynamic"
        ));
        assert!(eq(
            "7F1D2A3B-0000-4C5D-8E9F-0123456789AB",
            "\"7f1d2a3b-0000-4c5d-8e9f-0123456789ab\"",
            "guid"
        ));
        assert!(eq("Hello, world!", "\"    Hello, world!    \"", "string"));
        assert!(!eq("a", "\"b\"", "string"));
    }

    #[test]
    fn rounded_numbers() {
        let v = J::Float(1.2345678);
        assert!(!cell_equal("1.23", &v, Some("real"), false));
        assert!(cell_equal("1.23", &v, Some("real"), true));
        assert!(!cell_equal("1.24", &v, Some("real"), true));
    }

    #[test]
    fn tables() {
        let cols = vec!["k".to_string(), "v".to_string()];
        let rows = vec![
            vec!["1".to_string(), "a".to_string()],
            vec!["1".to_string(), "b".to_string()],
            vec!["2".to_string(), "c".to_string()],
        ];
        let table = |r: &[(i128, &str)]| Table {
            columns: cols.clone(),
            types: vec![Some("long".into()), Some("string".into())],
            rows: r
                .iter()
                .map(|(k, v)| vec![J::Int(*k), J::Str(v.to_string())])
                .collect(),
        };
        let keys = vec!["k".to_string()];
        let exp = |ordered, order_keys: &'static [String]| Expected {
            columns: &cols,
            rows: &rows,
            ordered,
            order_keys,
            check_columns: true,
            doc_rounded: false,
        };
        let swapped = table(&[(1, "b"), (1, "a"), (2, "c")]);
        let shuffled = table(&[(2, "c"), (1, "b"), (1, "a")]);
        assert!(compare(&exp(false, &[]), &shuffled).is_none());
        assert!(compare(&exp(true, &[]), &swapped).is_some());
        let keyed = Expected {
            order_keys: &keys,
            ..exp(true, &[])
        };
        assert!(compare(&keyed, &swapped).is_none());
        assert!(compare(&keyed, &shuffled).is_some());
        assert!(compare(&exp(false, &[]), &table(&[(1, "a"), (1, "a"), (2, "c")])).is_some());
    }
}
