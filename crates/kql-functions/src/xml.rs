//! `parse_xml(xml)`: XML text as a dynamic value, converted as
//! parse-xml-function.md's table says:
//!
//! | XML | JSON |
//! |---|---|
//! | `<e/>` | `{"e": null}` |
//! | `<e>text</e>` | `{"e": "text"}` |
//! | `<e name="value" />` | `{"e": {"@name": "value"}}` |
//! | `<e name="value">text</e>` | `{"e": {"@name": "value", "#text": "text"}}` |
//! | `<e> <a>text</a> <b>text</b> </e>` | `{"e": {"a": "text", "b": "text"}}` |
//! | `<e> <a>text</a> <a>text</a> </e>` | `{"e": {"a": ["text", "text"]}}` |
//! | `<e> text <a>text</a> </e>` | `{"e": {"#text": "text", "a": "text"}}` |
//!
//! Only elements, attributes and text become JSON: the XML declaration,
//! processing instructions, comments and the doctype are skipped. Text
//! values stay strings (the page's `118.0` example prints them bare, its
//! rule table as strings; strings keep the value exact). A text node that
//! is only whitespace is dropped; other text keeps its spaces, and CDATA
//! sections count as text. `<e></e>` is `""`. Repeated child names become
//! one array at the place of the first. Invalid XML (and input over 1 MB)
//! gives null.

use crate::columnar::{Args, Read};
use crate::dynamic::write_json_string;
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::fmt::Write;
use std::sync::Arc;

/// Longer input gives null.
const MAX_LEN: usize = 1 << 20;

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    /// Written `<e/>`.
    self_closed: bool,
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }

    fn skip_ws(&mut self) {
        let r = self.rest();
        self.i += r.len() - r.trim_start_matches([' ', '\t', '\r', '\n']).len();
    }

    /// Skip a comment, processing instruction or doctype at the cursor;
    /// `Some(false)` when there is none, `None` when it is unterminated.
    fn skip_misc(&mut self) -> Option<bool> {
        let r = self.rest();
        let end = if let Some(body) = r.strip_prefix("<!--") {
            body.find("-->")? + 7
        } else if r.starts_with("<?") {
            r.find("?>")? + 2
        } else if r.starts_with("<!DOCTYPE") {
            // an internal subset in brackets may hold '>'
            let mut depth = 0i32;
            let mut end = None;
            for (k, c) in r.char_indices() {
                match c {
                    '[' => depth += 1,
                    ']' => depth -= 1,
                    '>' if depth == 0 => {
                        end = Some(k + 1);
                        break;
                    }
                    _ => {}
                }
            }
            end?
        } else {
            return Some(false);
        };
        self.i += end;
        Some(true)
    }

    fn name(&mut self) -> Option<String> {
        let r = self.rest();
        let len = r
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '=' | '<'))
            .unwrap_or(r.len());
        let n = &r[..len];
        let first = n.chars().next()?;
        if !(first.is_alphabetic() || first == '_' || first == ':') {
            return None;
        }
        self.i += len;
        Some(n.to_string())
    }

    fn element(&mut self) -> Option<Element> {
        self.depth += 1;
        if self.depth > 512 {
            return None;
        }
        // at '<'
        self.i += 1;
        let name = self.name()?;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            self.skip_ws();
            let r = self.rest();
            if r.starts_with("/>") {
                self.i += 2;
                self.depth -= 1;
                return Some(Element {
                    name,
                    attrs,
                    children: Vec::new(),
                    self_closed: true,
                });
            }
            if r.starts_with('>') {
                self.i += 1;
                break;
            }
            let an = self.name()?;
            self.skip_ws();
            if !self.rest().starts_with('=') {
                return None;
            }
            self.i += 1;
            self.skip_ws();
            let q = self.rest().chars().next()?;
            if q != '"' && q != '\'' {
                return None;
            }
            self.i += 1;
            let len = self.rest().find(q)?;
            let raw = &self.rest()[..len];
            if raw.contains('<') {
                return None;
            }
            let v = decode(raw)?;
            self.i += len + 1;
            if attrs.iter().any(|(n, _)| *n == an) {
                return None;
            }
            attrs.push((an, v));
        }
        let mut children = Vec::new();
        let mut text = String::new();
        loop {
            let r = self.rest();
            if r.is_empty() {
                return None;
            }
            if r.starts_with("</") {
                flush_text(&mut text, &mut children);
                self.i += 2;
                let end = self.name()?;
                if end != name {
                    return None;
                }
                self.skip_ws();
                if !self.rest().starts_with('>') {
                    return None;
                }
                self.i += 1;
                self.depth -= 1;
                return Some(Element {
                    name,
                    attrs,
                    children,
                    self_closed: false,
                });
            }
            if let Some(c) = r.strip_prefix("<![CDATA[") {
                let len = c.find("]]>")?;
                text.push_str(&c[..len]);
                self.i += 9 + len + 3;
                continue;
            }
            if r.starts_with("<!--") || r.starts_with("<?") {
                self.skip_misc()?;
                continue;
            }
            if r.starts_with('<') {
                flush_text(&mut text, &mut children);
                let e = self.element()?;
                children.push(Node::Element(e));
                continue;
            }
            let len = r.find('<').unwrap_or(r.len());
            text.push_str(&decode(&r[..len])?);
            self.i += len;
        }
    }
}

fn flush_text(text: &mut String, children: &mut Vec<Node>) {
    if !text.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
        children.push(Node::Text(std::mem::take(text)));
    } else {
        text.clear();
    }
}

/// Replace the entity and character references of `s`.
fn decode(s: &str) -> Option<String> {
    if !s.contains('&') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find('&') {
        out.push_str(&rest[..k]);
        let after = &rest[k + 1..];
        let end = after.find(';')?;
        let ent = &after[..end];
        let c = match ent {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(h) = ent.strip_prefix("#x") {
                    u32::from_str_radix(h, 16).ok()?
                } else if let Some(d) = ent.strip_prefix('#') {
                    d.parse().ok()?
                } else {
                    return None;
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The root element of a document, `None` when the text is not well-formed.
fn parse_document(s: &str) -> Option<Element> {
    let mut p = Parser {
        s: s.strip_prefix('\u{feff}').unwrap_or(s),
        i: 0,
        depth: 0,
    };
    loop {
        p.skip_ws();
        if !p.skip_misc()? {
            break;
        }
    }
    if !p.rest().starts_with('<') {
        return None;
    }
    let root = p.element()?;
    loop {
        p.skip_ws();
        if !p.skip_misc()? {
            break;
        }
    }
    p.rest().is_empty().then_some(root)
}

/// Write the JSON value of one element (what its name maps to).
fn write_value(e: &Element, out: &mut String) -> std::fmt::Result {
    let has_elements = e.children.iter().any(|c| matches!(c, Node::Element(_)));
    if e.attrs.is_empty() && !has_elements {
        let texts: Vec<&str> = e
            .children
            .iter()
            .filter_map(|c| match c {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect();
        return match texts.as_slice() {
            [] if e.self_closed => out.write_str("null"),
            [] => out.write_str("\"\""),
            [t] => write_json_string(t, out),
            many => {
                out.write_char('[')?;
                for (n, t) in many.iter().enumerate() {
                    if n > 0 {
                        out.write_char(',')?;
                    }
                    write_json_string(t, out)?;
                }
                out.write_char(']')
            }
        };
    }
    out.write_char('{')?;
    let mut first = true;
    let mut sep = |out: &mut String| -> std::fmt::Result {
        if !std::mem::take(&mut first) {
            out.write_char(',')?;
        }
        Ok(())
    };
    for (n, v) in &e.attrs {
        sep(out)?;
        write_json_string(&format!("@{n}"), out)?;
        out.write_char(':')?;
        write_json_string(v, out)?;
    }
    // children grouped by name, each group at the place of its first member
    let key = |c: &Node| -> String {
        match c {
            Node::Element(e) => e.name.clone(),
            Node::Text(_) => "#text".to_string(),
        }
    };
    let mut done: Vec<String> = Vec::new();
    for (k, c) in e.children.iter().enumerate() {
        let name = key(c);
        if done.contains(&name) {
            continue;
        }
        let group: Vec<&Node> = e.children[k..].iter().filter(|d| key(d) == name).collect();
        sep(out)?;
        write_json_string(&name, out)?;
        out.write_char(':')?;
        if group.len() > 1 {
            out.write_char('[')?;
            for (n, g) in group.iter().enumerate() {
                if n > 0 {
                    out.write_char(',')?;
                }
                write_node(g, out)?;
            }
            out.write_char(']')?;
        } else {
            write_node(c, out)?;
        }
        done.push(name);
    }
    out.write_char('}')
}

fn write_node(n: &Node, out: &mut String) -> std::fmt::Result {
    match n {
        Node::Element(e) => write_value(e, out),
        Node::Text(t) => write_json_string(t, out),
    }
}

/// The JSON text of XML `s`, `None` when it is not well-formed.
pub fn xml_to_json(s: &str) -> Option<String> {
    if s.len() > MAX_LEN {
        return None;
    }
    let root = parse_document(s)?;
    let mut out = String::with_capacity(s.len());
    out.push('{');
    write_json_string(&root.name, &mut out).ok()?;
    out.push(':');
    write_value(&root, &mut out).ok()?;
    out.push('}');
    Some(out)
}

fn parse_kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 64);
    for i in 0..a.rows {
        out.append_option(xml_to_json(a.cols[0].str(i).unwrap_or("")));
    }
    Ok(Arc::new(out.finish()))
}

fn udf() -> KernelUdf {
    KernelUdf::new("kql_parse_xml", DataType::Utf8, &[Read::Str], parse_kernel)
}

/// `kql_parse_xml(text)`: a dynamic value, null for invalid XML.
pub fn parse_xml_expr(text: Expr) -> Expr {
    udf().call(vec![text])
}

pub(crate) fn all_xml_udfs() -> Vec<ScalarUDF> {
    vec![ScalarUDF::from(udf())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;

    fn j(s: &str) -> Option<String> {
        xml_to_json(s)
    }

    #[test]
    fn documented_rules() {
        assert_eq!(j("<e/>").unwrap(), r#"{"e":null}"#);
        assert_eq!(j("<e>text</e>").unwrap(), r#"{"e":"text"}"#);
        assert_eq!(
            j(r#"<e name="value" />"#).unwrap(),
            r#"{"e":{"@name":"value"}}"#
        );
        assert_eq!(
            j(r#"<e name="value">text</e>"#).unwrap(),
            r##"{"e":{"@name":"value","#text":"text"}}"##
        );
        assert_eq!(
            j("<e> <a>text</a> <b>text</b> </e>").unwrap(),
            r#"{"e":{"a":"text","b":"text"}}"#
        );
        assert_eq!(
            j("<e> <a>text</a> <a>text</a> </e>").unwrap(),
            r#"{"e":{"a":["text","text"]}}"#
        );
        assert_eq!(
            j("<e>text<a>text</a></e>").unwrap(),
            r##"{"e":{"#text":"text","a":"text"}}"##
        );
    }

    #[test]
    fn documents() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<duration>\n    <value>118.0</value>\n    <count>5.0</count>\n</duration>";
        assert_eq!(
            j(doc).unwrap(),
            r#"{"duration":{"value":"118.0","count":"5.0"}}"#
        );
        assert_eq!(
            j("<!-- c --><a x='1 &amp; 2'><b/><![CDATA[<raw>]]><c>&#x41;&lt;</c><b>z</b></a>")
                .unwrap(),
            r##"{"a":{"@x":"1 & 2","b":[null,"z"],"#text":"<raw>","c":"A<"}}"##
        );
        assert_eq!(j("<e></e>").unwrap(), r#"{"e":""}"#);
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            "text",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "<a x=1/>",
            "<a>&nope;</a>",
            "<a",
            "<1/>",
        ] {
            assert_eq!(j(bad), None, "{bad}");
        }
        let out = strings(&invoke(
            &udf(),
            vec![str_col(vec![None, Some("<a/>"), Some("x")])],
        ));
        assert_eq!(out, vec![None, Some(r#"{"a":null}"#.into()), None]);
    }
}
