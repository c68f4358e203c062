//! A small JSON value model for the conformance comparer.
//!
//! Own parser rather than `serde_json::Value` because the comparison needs
//! what Python's `json` module (the reference checker,
//! `shared/tools/conformance.py`) gives: integers kept apart from reals
//! (`1` vs `1.0`), object keys in document order (for the compact text of a
//! value), and the `NaN` / `Infinity` / `-Infinity` literals. It also parses
//! the documented dynamic cells in KQL literal style (single quotes, bare
//! words): [`parse_relaxed`].

use std::fmt::Write as _;

/// A JSON value. Objects keep their keys in document order (a repeated key
/// keeps its first position and its last value).
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    /// An integer literal (no fraction, no exponent).
    Int(i128),
    /// A literal with a fraction or an exponent, or an integer too large for `i128`.
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// Whitespace as Python's `str.isspace` sees it.
pub fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// Strict JSON, as Python's `json.loads`: one value, surrounded by optional
/// whitespace, `NaN` / `Infinity` / `-Infinity` accepted.
pub fn parse(text: &str) -> Option<J> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<J> {
        if depth > 500 {
            return None;
        }
        match *self.s.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut fields: Vec<(String, J)> = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Some(J::Obj(fields));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return None;
                    }
                    let key = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return None;
                    }
                    self.ws();
                    let v = self.value(depth + 1)?;
                    match fields.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = v,
                        None => fields.push((key, v)),
                    }
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("}") {
                        return Some(J::Obj(fields));
                    }
                    return None;
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Some(J::Arr(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("]") {
                        return Some(J::Arr(items));
                    }
                    return None;
                }
            }
            b'"' => self.string().map(J::Str),
            b'n' if self.eat("null") => Some(J::Null),
            b't' if self.eat("true") => Some(J::Bool(true)),
            b'f' if self.eat("false") => Some(J::Bool(false)),
            b'N' if self.eat("NaN") => Some(J::Float(f64::NAN)),
            b'I' if self.eat("Infinity") => Some(J::Float(f64::INFINITY)),
            b'-' if self.eat("-Infinity") => Some(J::Float(f64::NEG_INFINITY)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`
    fn number(&mut self) -> Option<J> {
        let start = self.i;
        let digit = |p: &Self| p.s.get(p.i).is_some_and(u8::is_ascii_digit);
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while digit(self) {
                    self.i += 1;
                }
            }
            _ => return None,
        }
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.')
            && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit)
        {
            float = true;
            self.i += 1;
            while digit(self) {
                self.i += 1;
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            let save = self.i;
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digit(self) {
                float = true;
                while digit(self) {
                    self.i += 1;
                }
            } else {
                self.i = save;
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        if !float && let Ok(n) = text.parse::<i128>() {
            return Some(J::Int(n));
        }
        text.parse::<f64>().ok().map(J::Float)
    }

    /// A string literal; raw control characters are refused (Python's strict mode).
    fn string(&mut self) -> Option<String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let c = *self.s.get(self.i)?;
            match c {
                b'"' => {
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    let e = *self.s.get(self.i + 1)?;
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    hi
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => {
                    // Copy one UTF-8 character.
                    let len = match c {
                        0x00..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    let bytes = self.s.get(self.i..self.i + len)?;
                    out.push_str(std::str::from_utf8(bytes).ok()?);
                    self.i += len;
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        let v = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
        if !h.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        self.i += 4;
        Some(v)
    }
}

/// A documented dynamic cell: strict JSON, else (when it starts with `[` or
/// `{`) the KQL literal style: `'single quoted'` strings and bare words
/// (`[yes, no]`) become JSON strings (`true`/`false`/`null` stay literals).
pub fn parse_relaxed(s: &str) -> Option<J> {
    let t = py_strip(s);
    if let Some(v) = parse(t) {
        return Some(v);
    }
    if !(t.starts_with('[') || t.starts_with('{')) {
        return None;
    }
    let chars: Vec<char> = t.chars().collect();
    let n = chars.len();
    let mut out = String::with_capacity(t.len() + 16);
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if c == '"' {
            let mut j = i + 1;
            while j < n && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            out.extend(&chars[i..(j + 1).min(n)]);
            i = j + 1;
        } else if c == '\'' {
            let mut j = i + 1;
            let mut buf = String::new();
            while j < n && chars[j] != '\'' {
                if chars[j] == '\\' && j + 1 < n {
                    buf.push(chars[j + 1]);
                    j += 2;
                    continue;
                }
                buf.push(chars[j]);
                j += 1;
            }
            push_json_string(&mut out, &buf);
            i = j + 1;
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while j < n && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '-' | '.')) {
                j += 1;
            }
            let w: String = chars[i..j].iter().collect();
            if matches!(w.as_str(), "true" | "false" | "null") {
                out.push_str(&w);
            } else {
                push_json_string(&mut out, &w);
            }
            i = j;
        } else {
            out.push(c);
            i += 1;
        }
    }
    parse(&out)
}

/// Appends `s` as a JSON string literal (as Python's `json.dumps(..., ensure_ascii=False)`).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python's `repr(float)` (also its `str`): shortest round-trip digits,
/// positional for exponents -4..16 (with at least one decimal), else
/// `1e-05` / `1.5e+16`.
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{x:e}"); // e.g. "-1.2345e-5", shortest round-trip digits
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let s = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{s}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{esign}{:02}", exp.abs())
    }
}

/// Compact JSON text of a value, as Python's
/// `json.dumps(v, separators=(",", ":"), ensure_ascii=False)`.
pub fn dumps(v: &J) -> String {
    let mut out = String::new();
    dump_into(&mut out, v);
    out
}

fn dump_into(out: &mut String, v: &J) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(n) => {
            let _ = write!(out, "{n}");
        }
        J::Float(x) if x.is_nan() => out.push_str("NaN"),
        J::Float(x) if x.is_infinite() => {
            out.push_str(if *x > 0.0 { "Infinity" } else { "-Infinity" })
        }
        J::Float(x) => out.push_str(&py_float(*x)),
        J::Str(s) => push_json_string(out, s),
        J::Arr(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                dump_into(out, x);
            }
            out.push(']');
        }
        J::Obj(fields) => {
            out.push('{');
            for (i, (k, x)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, k);
                out.push(':');
                dump_into(out, x);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parse() {
        assert_eq!(parse(" 1 "), Some(J::Int(1)));
        assert_eq!(parse("1.0"), Some(J::Float(1.0)));
        assert_eq!(parse("-0"), Some(J::Int(0)));
        assert_eq!(parse("01"), None);
        assert_eq!(parse("+1"), None);
        assert_eq!(parse("1."), None);
        assert!(matches!(parse("NaN"), Some(J::Float(x)) if x.is_nan()));
        assert_eq!(parse("-Infinity"), Some(J::Float(f64::NEG_INFINITY)));
        assert_eq!(parse("\"a\nb\""), None);
        assert_eq!(parse(r#""\u00e9\ud83d\ude00""#), Some(J::Str("é😀".into())));
        assert_eq!(
            parse(r#"{"b":1,"a":[true,null],"b":2}"#),
            Some(J::Obj(vec![
                ("b".into(), J::Int(2)),
                ("a".into(), J::Arr(vec![J::Bool(true), J::Null]))
            ]))
        );
        assert_eq!(parse("[1,]"), None);
        assert_eq!(parse("abc"), None);
    }

    #[test]
    fn relaxed_parse() {
        assert_eq!(
            parse_relaxed("[yes, no, true]"),
            Some(J::Arr(vec![
                J::Str("yes".into()),
                J::Str("no".into()),
                J::Bool(true)
            ]))
        );
        assert_eq!(
            parse_relaxed("{'a': 1,'b': 'x\\'y'}"),
            Some(J::Obj(vec![
                ("a".into(), J::Int(1)),
                ("b".into(), J::Str("x'y".into()))
            ]))
        );
        assert_eq!(parse_relaxed("a"), None);
    }

    #[test]
    fn python_float_text() {
        for (x, s) in [
            (2.0, "2.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (-1.5, "-1.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.2345e-7, "1.2345e-07"),
            (123.456, "123.456"),
        ] {
            assert_eq!(py_float(x), s);
        }
        assert_eq!(
            dumps(&parse(r#"{"a": [1, 2.5, "é\n"]}"#).unwrap()),
            r#"{"a":[1,2.5,"é\n"]}"#
        );
    }
}
