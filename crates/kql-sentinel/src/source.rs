//! Where a piece of text (a rule's query, a function's body) sits in its
//! source file, so a KQL diagnostic's byte offset can be reported at the
//! right line and column of the YAML or `.kql` file; plus the small textual
//! look-ups that find the line of a YAML key (serde_yaml gives no positions
//! for values, only for syntax errors).
//!
//! YAML block scalars (`query: |`) drop the block indentation from every
//! line and turn CRLF into LF, so body line `k` is source line `line + k`
//! and a column in it is shifted by `indent`. Folded (`>`) and multi-line
//! quoted scalars are mapped the same way, which is approximate for them.

use std::path::{Path, PathBuf};

/// The place of a text in its source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceOrigin {
    /// The file.
    pub path: PathBuf,
    /// 1-based line of the text's first line.
    pub line: usize,
    /// 1-based column (characters) of the text's first character.
    pub column: usize,
    /// Characters removed from the start of every following line (the YAML
    /// block indentation; 0 for `.kql` files).
    pub indent: usize,
}

impl SourceOrigin {
    /// The 1-based (line, column) in the source file of byte `offset` of
    /// `text`, the text this origin describes.
    pub fn locate(&self, text: &str, offset: usize) -> (usize, usize) {
        let (line, col) = kql_syntax::span::line_col(text, offset);
        if line == 1 {
            (self.line, self.column + col - 1)
        } else {
            (self.line + line - 1, self.indent + col)
        }
    }
}

/// `text` with CRLF (and lone CR) line ends turned into LF.
pub(crate) fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The lines of `src` without their line ends.
fn lines(src: &str) -> impl Iterator<Item = &str> {
    src.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// If `line` (already stripped of indentation and `- ` list markers) is
/// `key:` or `key: value`, the text after the colon.
fn after_key<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line
        .strip_prefix(key)
        .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
        .or_else(|| line.strip_prefix(&format!("'{key}'")))?;
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    if rest.is_empty() || rest.starts_with([' ', '\t']) {
        Some(rest)
    } else {
        None
    }
}

/// 1-based line of the top-level key `key` (written at column 0).
pub(crate) fn top_key_line(src: &str, key: &str) -> Option<usize> {
    lines(src)
        .position(|l| after_key(l, key).is_some())
        .map(|i| i + 1)
}

/// 1-based line of the `nth` (0-based) occurrence of the key `key` nested
/// anywhere below the top-level key `top` (before the next top-level key);
/// falls back to the line of `top`.
pub(crate) fn nested_key_line(src: &str, top: &str, key: &str, nth: usize) -> Option<usize> {
    let start = top_key_line(src, top)?;
    let mut seen = 0;
    for (i, l) in lines(src).enumerate().skip(start) {
        let is_top_level = !l.is_empty() && !l.starts_with([' ', '\t', '#', '-']);
        if is_top_level {
            break;
        }
        let mut t = l.trim_start();
        while let Some(rest) = t.strip_prefix('-') {
            t = rest.trim_start();
        }
        if after_key(t, key).is_some() {
            if seen == nth {
                return Some(i + 1);
            }
            seen += 1;
        }
    }
    Some(start)
}

/// Where the scalar value of the top-level key `key` starts. `None` when the
/// key is not found.
pub(crate) fn value_origin(src: &str, path: &Path, key: &str) -> Option<SourceOrigin> {
    let all: Vec<&str> = lines(src).collect();
    let idx = all.iter().position(|l| after_key(l, key).is_some())?;
    let key_text = all[idx];
    let rest = after_key(key_text, key)?;
    let value = rest.trim_start_matches([' ', '\t']);
    let value_col = key_text.chars().count() - value.chars().count() + 1;
    if let Some(header) = value.strip_prefix(['|', '>']) {
        // Block scalar: indentation indicator (a digit) or detected from the
        // first non-blank line.
        let explicit = header
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '#')
            .find_map(|c| c.to_digit(10))
            .map(|d| d as usize);
        let indent = explicit.unwrap_or_else(|| {
            all[idx + 1..]
                .iter()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start_matches(' ').len())
                .unwrap_or(0)
        });
        return Some(SourceOrigin {
            path: path.to_path_buf(),
            line: idx + 2,
            column: indent + 1,
            indent,
        });
    }
    let quoted = value.starts_with(['"', '\'']);
    let indent = all
        .get(idx + 1)
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .unwrap_or(0);
    Some(SourceOrigin {
        path: path.to_path_buf(),
        line: idx + 1,
        column: value_col + usize::from(quoted),
        indent,
    })
}

/// serde_yaml's message without its trailing ` at line L column C`.
pub(crate) fn yaml_message(err: &serde_yaml::Error) -> String {
    let text = err.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "id: x\r\nquery: |\r\n  let a = 1;\r\n    T\r\n\r\n  | take 1\r\nentityMappings:\r\n  - entityType: IP\r\n    fieldMappings:\r\n      - identifier: Address\r\n  - entityType: Host\r\n";

    #[test]
    fn block_scalar_origin_and_locate() {
        let o = value_origin(SRC, Path::new("r.yaml"), "query").unwrap();
        assert_eq!((o.line, o.column, o.indent), (3, 3, 2));
        let body: String = serde_yaml::from_str::<serde_yaml::Value>(SRC).unwrap()["query"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(body, "let a = 1;\n  T\n\n| take 1\n");
        assert_eq!(o.locate(&body, 0), (3, 3));
        assert_eq!(o.locate(&body, body.find('T').unwrap()), (4, 5));
        assert_eq!(o.locate(&body, body.find("take").unwrap()), (6, 5));
    }

    #[test]
    fn explicit_indent_and_inline_values() {
        let src = "query: |2-\n     T\nname: 'abc'\n";
        let o = value_origin(src, Path::new("f"), "query").unwrap();
        assert_eq!((o.line, o.column, o.indent), (2, 3, 2));
        let o = value_origin(src, Path::new("f"), "name").unwrap();
        assert_eq!((o.line, o.column), (3, 8));
        assert!(value_origin(src, Path::new("f"), "missing").is_none());
    }

    #[test]
    fn key_lines() {
        assert_eq!(top_key_line(SRC, "entityMappings"), Some(7));
        assert_eq!(
            nested_key_line(SRC, "entityMappings", "entityType", 1),
            Some(11)
        );
        assert_eq!(
            nested_key_line(SRC, "entityMappings", "identifier", 0),
            Some(10)
        );
        // not found below the parent: the parent's line
        assert_eq!(nested_key_line(SRC, "entityMappings", "nope", 0), Some(7));
        assert_eq!(top_key_line(SRC, "entity"), None);
    }
}
