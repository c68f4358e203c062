//! `.kql` function files: `let Name = (params) { body };` statements (found
//! with the KQL parser, brackets matched textually) or Kusto management
//! commands `.create[-or-alter] function [with (...)] Name(params) { body }`
//! (a textual scan whose bracket matching skips strings and comments).

use std::path::Path;

use kql_syntax::ast::{LetValue, Statement};
use kql_syntax::span::line_col;

use super::{WorkspaceFunction, is_identifier};
use crate::error::SentinelError;
use crate::source::{SourceOrigin, normalize_newlines};

/// Decodes a `.kql` functions file: `let Name = (params) { body };`
/// statements, or `.create[-or-alter] function` commands.
pub fn parse_kql_functions(
    text: &str,
    path: &Path,
) -> Result<Vec<WorkspaceFunction>, SentinelError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let scan = Scanner {
        src: text.as_bytes(),
    };
    let start = scan.skip_trivia(0);
    let funcs = if text[start..].starts_with('.') {
        parse_commands(text, path)?
    } else {
        parse_lets(text, path)?
    };
    if funcs.is_empty() {
        return Err(SentinelError::new(
            path,
            "the file defines no functions",
            "write `let Name = (params) { body };` statements or `.create function Name(params) { body }` commands",
        ));
    }
    Ok(funcs)
}

fn pos_err(
    text: &str,
    path: &Path,
    offset: usize,
    msg: impl Into<String>,
    hint: &str,
) -> SentinelError {
    let (line, col) = line_col(text, offset);
    SentinelError::new(path, msg, hint).at(line, col)
}

/// Builds a function from the byte ranges of its parameter list and body
/// (both without their brackets).
fn function_at(
    text: &str,
    path: &Path,
    name: String,
    params: (usize, usize),
    body: (usize, usize),
) -> WorkspaceFunction {
    let raw = &text[body.0..body.1];
    let lead = raw.len() - raw.trim_start().len();
    let start = body.0 + lead;
    let (line, column) = line_col(text, start);
    let params = text[params.0..params.1]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    WorkspaceFunction {
        name,
        aliases: Vec::new(),
        params,
        body: normalize_newlines(text[start..body.1].trim_end()),
        origin: SourceOrigin {
            path: path.to_path_buf(),
            line,
            column,
            indent: 0,
        },
    }
}

fn parse_lets(text: &str, path: &Path) -> Result<Vec<WorkspaceFunction>, SentinelError> {
    let script = kql_syntax::parse(text).map_err(|d| {
        let offset = d.span.map(|s| s.start).unwrap_or(0);
        let hint = d
            .hint
            .clone()
            .unwrap_or_else(|| "fix the KQL syntax".into());
        pos_err(
            text,
            path,
            offset,
            format!("{}: {}", d.code.as_text(), d.message),
            &hint,
        )
    })?;
    let scan = Scanner {
        src: text.as_bytes(),
    };
    let mut out = Vec::new();
    for stmt in &script.statements {
        let (let_stmt, def) = match stmt {
            Statement::Let(l) => match &l.value {
                LetValue::Function(def) | LetValue::View(def) => (l, def),
                _ => {
                    return Err(pos_err(
                        text,
                        path,
                        l.span.start,
                        format!("`let {}` is not a function", l.name.name),
                        "a functions file may hold only `let Name = (params) { body };` \
                         statements; move constants into the function bodies",
                    ));
                }
            },
            other => {
                let span = match other {
                    Statement::Set(s) => s.span,
                    Statement::DeclareQueryParameters(d) => d.span,
                    Statement::Query(e) => e.span,
                    Statement::Let(l) => l.span,
                };
                return Err(pos_err(
                    text,
                    path,
                    span.start,
                    "this statement is not a function definition",
                    "a functions file may hold only `let Name = (params) { body };` statements",
                ));
            }
        };
        let malformed = || {
            pos_err(
                text,
                path,
                let_stmt.span.start,
                format!(
                    "cannot find the parameter list and body of `{}`",
                    let_stmt.name.name
                ),
                "write `let Name = (params) { body };`",
            )
        };
        let open = scan
            .find(let_stmt.name.span.end, b'(')
            .filter(|&i| i < def.span.end.max(let_stmt.span.end))
            .ok_or_else(malformed)?;
        let close = scan.matching(open).ok_or_else(malformed)?;
        let lbrace = scan.find(close + 1, b'{').ok_or_else(malformed)?;
        let rbrace = scan.matching(lbrace).ok_or_else(malformed)?;
        out.push(function_at(
            text,
            path,
            let_stmt.name.name.clone(),
            (open + 1, close),
            (lbrace + 1, rbrace),
        ));
    }
    Ok(out)
}

fn parse_commands(text: &str, path: &Path) -> Result<Vec<WorkspaceFunction>, SentinelError> {
    const HINT: &str = "write `.create-or-alter function [with (...)] Name(params) { body }`";
    let scan = Scanner {
        src: text.as_bytes(),
    };
    let mut out = Vec::new();
    let mut i = scan.skip_trivia(0);
    while i < text.len() {
        let word_end = |from: usize| {
            from + text[from..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
                .unwrap_or(text.len() - from)
        };
        let end = word_end(i);
        let command = text[i..end].to_ascii_lowercase();
        if !matches!(command.as_str(), ".create" | ".create-or-alter" | ".alter") {
            return Err(pos_err(
                text,
                path,
                i,
                format!("`{}` is not a function command", &text[i..end]),
                HINT,
            ));
        }
        let mut j = scan.skip_trivia(end);
        let kw_end = word_end(j);
        if !text[j..kw_end].eq_ignore_ascii_case("function") {
            return Err(pos_err(
                text,
                path,
                j,
                format!("`{command}` must be followed by `function`"),
                HINT,
            ));
        }
        j = scan.skip_trivia(kw_end);
        let next_end = word_end(j);
        if text[j..next_end].eq_ignore_ascii_case("ifnotexists") {
            j = scan.skip_trivia(next_end);
        }
        let next_end = word_end(j);
        if text[j..next_end].eq_ignore_ascii_case("with") {
            let open = scan.skip_trivia(next_end);
            if text.as_bytes().get(open) != Some(&b'(') {
                return Err(pos_err(text, path, open, "expected `(` after `with`", HINT));
            }
            let close = scan
                .matching(open)
                .ok_or_else(|| pos_err(text, path, open, "this `(` is never closed", HINT))?;
            j = scan.skip_trivia(close + 1);
        }
        let (name, after_name) = read_name(text, j)
            .ok_or_else(|| pos_err(text, path, j, "expected the function name", HINT))?;
        let open = scan.skip_trivia(after_name);
        if text.as_bytes().get(open) != Some(&b'(') {
            return Err(pos_err(
                text,
                path,
                open,
                format!("expected `(` after the name `{name}`"),
                HINT,
            ));
        }
        let close = scan
            .matching(open)
            .ok_or_else(|| pos_err(text, path, open, "this `(` is never closed", HINT))?;
        let lbrace = scan.skip_trivia(close + 1);
        if text.as_bytes().get(lbrace) != Some(&b'{') {
            return Err(pos_err(
                text,
                path,
                lbrace,
                "expected `{` starting the function body",
                HINT,
            ));
        }
        let rbrace = scan
            .matching(lbrace)
            .ok_or_else(|| pos_err(text, path, lbrace, "this `{` is never closed", HINT))?;
        out.push(function_at(
            text,
            path,
            name,
            (open + 1, close),
            (lbrace + 1, rbrace),
        ));
        i = scan.skip_trivia(rbrace + 1);
        if text.as_bytes().get(i) == Some(&b';') {
            i = scan.skip_trivia(i + 1);
        }
    }
    Ok(out)
}

/// A function name: an identifier or `['name']` / `["name"]`.
fn read_name(text: &str, at: usize) -> Option<(String, usize)> {
    let rest = &text[at..];
    if let Some(inner) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\"")) {
        let quote = rest.as_bytes()[1] as char;
        let end = inner.find(quote)?;
        inner[end + 1..]
            .starts_with(']')
            .then(|| (inner[..end].to_string(), at + 2 + end + 2))
    } else {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        is_identifier(&rest[..len]).then(|| (rest[..len].to_string(), at + len))
    }
}

/// Bracket matching over KQL text that skips string literals (`'..'`,
/// `".."` with backslash escapes, verbatim `@'..'`, multi-line
/// ```` ```..``` ````) and `//` comments.
struct Scanner<'a> {
    src: &'a [u8],
}

impl Scanner<'_> {
    /// The first offset at or after `i` that is not blank or in a comment.
    fn skip_trivia(&self, mut i: usize) -> usize {
        loop {
            while i < self.src.len() && self.src[i].is_ascii_whitespace() {
                i += 1;
            }
            if self.src[i..].starts_with(b"//") {
                while i < self.src.len() && self.src[i] != b'\n' {
                    i += 1;
                }
            } else {
                return i;
            }
        }
    }

    /// The end (exclusive) of the string literal starting at `i`, if one does.
    fn string_end(&self, i: usize) -> Option<usize> {
        let s = self.src;
        if s[i..].starts_with(b"```") {
            let close = s[i + 3..].windows(3).position(|w| w == b"```")?;
            return Some(i + 3 + close + 3);
        }
        let (verbatim, q) = match s[i] {
            b'@' if matches!(s.get(i + 1), Some(b'\'' | b'"')) => (true, i + 1),
            b'\'' | b'"' => (false, i),
            _ => return None,
        };
        let quote = s[q];
        let mut k = q + 1;
        while k < s.len() {
            match s[k] {
                b'\\' if !verbatim => k += 2,
                c if c == quote => return Some(k + 1),
                b'\n' => return Some(k), // unterminated: stop at the line end
                _ => k += 1,
            }
        }
        Some(s.len())
    }

    /// The next offset at or after `i` holding `target`, outside strings and comments.
    fn find(&self, mut i: usize, target: u8) -> Option<usize> {
        while i < self.src.len() {
            if self.src[i..].starts_with(b"//") {
                i = self.skip_trivia(i);
            } else if let Some(end) = self.string_end(i) {
                i = end;
            } else if self.src[i] == target {
                return Some(i);
            } else {
                i += 1;
            }
        }
        None
    }

    /// The offset of the bracket closing the one at `open`.
    fn matching(&self, open: usize) -> Option<usize> {
        let mut stack = vec![self.src[open]];
        let mut i = open + 1;
        while i < self.src.len() {
            if self.src[i..].starts_with(b"//") {
                i = self.skip_trivia(i);
                continue;
            }
            if let Some(end) = self.string_end(i) {
                i = end;
                continue;
            }
            match self.src[i] {
                c @ (b'(' | b'[' | b'{') => stack.push(c),
                c @ (b')' | b']' | b'}') => {
                    let want = match stack.pop()? {
                        b'(' => b')',
                        b'[' => b']',
                        _ => b'}',
                    };
                    if c != want {
                        return None;
                    }
                    if stack.is_empty() {
                        return Some(i);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::tests::assert_locate_exact;

    const LETS: &str = "// helpers\r\nlet Add = (a:long, b:long=1) {\r\n    // a comment with } and {\r\n    let s = \"}{\";\r\n    a + b\r\n};\r\nlet Hosts = view () { T | where x == '{' };\r\n";

    #[test]
    fn kql_let_file() {
        let fs = parse_kql_functions(LETS, Path::new("f.kql")).unwrap();
        assert_eq!(fs.len(), 2);
        assert_eq!(fs[0].name, "Add");
        assert_eq!(fs[0].params, "a:long, b:long=1");
        assert!(fs[0].body.starts_with("// a comment"));
        assert!(fs[0].body.ends_with("a + b"));
        assert_eq!(fs[0].locate(0), (3, 5));
        assert_eq!(fs[0].locate(fs[0].body.find("a + b").unwrap()), (5, 5));
        assert_eq!(fs[1].name, "Hosts");
        assert_eq!(fs[1].params, "");
        assert_eq!(fs[1].body, "T | where x == '{'");
        assert_eq!(fs[1].locate(0), (7, 23));
        assert_locate_exact(&fs[0], LETS);
    }

    #[test]
    fn kql_command_file() {
        let src = ".create-or-alter function with (folder = \"ASIM\", docstring = \"a (b\")\n  MyFunc(t:datetime = datetime(null), s:string=\"}\") {\n  T | where a == s // }\n}\n\n.create function ifnotexists ['Other'] () { print 1 }\n";
        let fs = parse_kql_functions(src, Path::new("c.kql")).unwrap();
        assert_eq!(fs.len(), 2);
        assert_eq!(fs[0].name, "MyFunc");
        assert_eq!(fs[0].params, "t:datetime = datetime(null), s:string=\"}\"");
        assert_eq!(fs[0].body, "T | where a == s // }");
        assert_eq!(fs[0].locate(4), (3, 7));
        assert_eq!(fs[1].name, "Other");
        assert_eq!(fs[1].body, "print 1");
        assert_eq!(fs[1].locate(0), (6, 45));
    }

    #[test]
    fn kql_file_errors() {
        let err = |s: &str| {
            parse_kql_functions(s, Path::new("e.kql"))
                .unwrap_err()
                .to_string()
        };
        insta::assert_snapshot!(err("let a = 1;\nlet f = () { print 1 };\n"), @r"
        e.kql:1:1: `let a` is not a function
          = help: a functions file may hold only `let Name = (params) { body };` statements; move constants into the function bodies
        ");
        insta::assert_snapshot!(err(".create function F(a:long) {\n  print a\n"), @r"
        e.kql:1:28: this `{` is never closed
          = help: write `.create-or-alter function [with (...)] Name(params) { body }`
        ");
        insta::assert_snapshot!(err(".drop function F\n"), @r"
        e.kql:1:1: `.drop` is not a function command
          = help: write `.create-or-alter function [with (...)] Name(params) { body }`
        ");
        let e = parse_kql_functions("let f = (a:long) {\n  T | where\n};\n", Path::new("e.kql"))
            .unwrap_err();
        assert!(e.message.starts_with("KQL1001"), "{e}");
        assert_eq!(e.line, Some(3), "{e}");
        insta::assert_snapshot!(err("// nothing here\n"), @r"
        e.kql: the file defines no functions
          = help: write `let Name = (params) { body };` statements or `.create function Name(params) { body }` commands
        ");
    }
}
