//! Workspace functions: ASIM parser YAML (`ParserName` / `ParserQuery`, and
//! the solutions' `FunctionName` / `FunctionQuery` form) and `.kql` files
//! holding `let Name = (params) { body };` statements or Kusto
//! `.create[-or-alter] function` commands, loaded into [`WorkspaceFunction`]s
//! that remember where their body sits in the file
//! ([`WorkspaceFunction::locate`]).

mod kql_file;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use crate::error::SentinelError;
use crate::rule::{parse_mapping, scalar_text};
use crate::source::{SourceOrigin, normalize_newlines, top_key_line, value_origin};
pub use kql_file::parse_kql_functions;

/// A function the workspace provides, callable from queries by its name or
/// any alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceFunction {
    pub name: String,
    /// Other names (e.g. the built-in `_Im_WebSession` of `imWebSession`).
    pub aliases: Vec<String>,
    /// KQL parameter list without the parentheses, e.g.
    /// `starttime:datetime=datetime(null), eventresult:string='*'`; `""` when none.
    pub params: String,
    /// The body statements (LF line ends); the last one is the result.
    pub body: String,
    /// Where `body` starts in its file.
    pub origin: SourceOrigin,
}

impl WorkspaceFunction {
    /// The 1-based (line, column) in the source file of byte `body_offset`
    /// of [`WorkspaceFunction::body`] (e.g. a KQL diagnostic's span start).
    pub fn locate(&self, body_offset: usize) -> (usize, usize) {
        self.origin.locate(&self.body, body_offset)
    }
}

const NAME_KEYS: [&str; 2] = ["ParserName", "FunctionName"];
const ALIAS_KEYS: [&str; 2] = ["EquivalentBuiltInParser", "FunctionAlias"];
const PARAM_KEYS: [&str; 2] = ["ParserParams", "FunctionParams"];
const QUERY_KEYS: [&str; 2] = ["ParserQuery", "FunctionQuery"];

/// The first of `keys` present in `map`, with its value.
fn first_of<'m>(map: &'m Mapping, keys: &[&'static str]) -> Option<(&'static str, &'m Value)> {
    keys.iter().find_map(|k| map.get(*k).map(|v| (*k, v)))
}

/// Decodes an ASIM parser YAML (or a Sentinel function YAML with
/// `FunctionName` / `FunctionAlias` / `FunctionParams` / `FunctionQuery`).
pub fn parse_parser_yaml(text: &str, path: &Path) -> Result<WorkspaceFunction, SentinelError> {
    let map = parse_mapping(text, path, "a parser")?;
    let field_err = |key: &str, msg: String, hint: &str| {
        SentinelError::new(path, msg, hint)
            .field(key)
            .line(top_key_line(text, key))
    };
    let name = match first_of(&map, &NAME_KEYS) {
        Some((key, v)) => scalar_text(v)
            .map(|s| s.trim().to_string())
            .filter(|s| is_identifier(s))
            .ok_or_else(|| {
                field_err(
                    key,
                    format!("`{}` is not a function name", value_text(v)),
                    "use letters, digits and underscores, not starting with a digit",
                )
            })?,
        None => {
            return Err(SentinelError::new(
                path,
                "the file has no `ParserName` (or `FunctionName`), so it is not a parser",
                "put only ASIM parser / Sentinel function YAML files and .kql function files \
                 in the functions folder",
            ));
        }
    };
    let mut aliases = Vec::new();
    if let Some((key, v)) = first_of(&map, &ALIAS_KEYS) {
        let alias = scalar_text(v)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if !is_identifier(&alias) {
            return Err(field_err(
                key,
                format!("`{alias}` is not a function name"),
                "use letters, digits and underscores, not starting with a digit",
            ));
        }
        if alias != name {
            aliases.push(alias);
        }
    }
    let params = match first_of(&map, &PARAM_KEYS) {
        None | Some((_, Value::Null)) => String::new(),
        Some((key, v)) => param_list(v).map_err(|msg| {
            field_err(
                key,
                msg,
                "each parameter is `- Name: x` with `Type: <kql type>` and an optional `Default:`",
            )
        })?,
    };
    let (query_key, body) = match first_of(&map, &QUERY_KEYS) {
        Some((key, Value::String(q))) if !q.trim().is_empty() => (key, q),
        Some((key, _)) => {
            return Err(field_err(
                key,
                "the parser query is empty or not text".into(),
                "write the KQL under `ParserQuery: |`, indented below the key",
            ));
        }
        None => {
            return Err(SentinelError::new(
                path,
                format!("the parser `{name}` has no `ParserQuery` (or `FunctionQuery`)"),
                "add `ParserQuery: |` followed by the KQL text indented below it",
            ));
        }
    };
    let origin = value_origin(text, path, query_key).unwrap_or(SourceOrigin {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        indent: 0,
    });
    Ok(WorkspaceFunction {
        name,
        aliases,
        params,
        body: normalize_newlines(body).trim_end().to_string(),
        origin,
    })
}

fn value_text(v: &Value) -> String {
    scalar_text(v).unwrap_or_else(|| "a structured value".to_string())
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `ParserParams` (a list of Name/Type/Default) → KQL parameter list text.
fn param_list(v: &Value) -> Result<String, String> {
    let Value::Sequence(items) = v else {
        return Err("expected a list of parameters".into());
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let get = |k: &str| {
            item.get(k)
                .and_then(scalar_text)
                .map(|s| s.trim().to_string())
        };
        let name = get("Name")
            .filter(|n| is_identifier(n))
            .ok_or_else(|| format!("parameter {} has no valid `Name`", i + 1))?;
        let ty = get("Type")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("parameter `{name}` has no `Type`"))?;
        let mut text = format!("{name}:{ty}");
        match item.get("Default") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                text.push('=');
                text.push_str(&default_literal(s.trim(), &ty));
            }
            Some(d) => {
                let d = scalar_text(d)
                    .ok_or_else(|| format!("the `Default` of `{name}` must be a single value"))?;
                text.push('=');
                text.push_str(&d);
            }
        }
        out.push(text);
    }
    Ok(out.join(", "))
}

/// A YAML default as KQL literal text: a `string` default that YAML has
/// already unquoted (`Default: '*'` is the text `*`) is quoted again.
fn default_literal(s: &str, ty: &str) -> String {
    let quoted = s.starts_with(['\'', '"'])
        || ((s.starts_with(['@', 'h', 'H'])) && s[1..].starts_with(['\'', '"']));
    if ty.eq_ignore_ascii_case("string") && !quoted {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    } else {
        s.to_string()
    }
}

/// Loads every `*.yaml`, `*.yml` and `*.kql` file below `dir` (recursively,
/// in path order) as workspace functions. A name or alias defined twice is
/// an error naming both files.
pub fn load_functions_dir(dir: &Path) -> Result<Vec<WorkspaceFunction>, SentinelError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut out: Vec<WorkspaceFunction> = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).map_err(|e| SentinelError::io(path, &e))?;
        let is_kql = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("kql"));
        if is_kql {
            out.extend(parse_kql_functions(&text, path)?);
        } else {
            out.push(parse_parser_yaml(&text, path)?);
        }
    }
    let mut seen: HashMap<&str, &WorkspaceFunction> = HashMap::new();
    for f in &out {
        for n in std::iter::once(&f.name).chain(&f.aliases) {
            if let Some(prev) = seen.insert(n, f) {
                let what = |g: &WorkspaceFunction| {
                    if g.name == *n {
                        format!("{} (line {})", g.origin.path.display(), g.origin.line)
                    } else {
                        format!("{} (alias of `{}`)", g.origin.path.display(), g.name)
                    }
                };
                return Err(SentinelError::new(
                    &f.origin.path,
                    format!(
                        "the function name `{n}` is defined twice: in {} and in {}",
                        what(prev),
                        what(f)
                    ),
                    "keep one of the two definitions: every function name and alias must be unique in the functions folder",
                ));
            }
        }
    }
    Ok(out)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), SentinelError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        SentinelError::new(
            dir,
            format!("cannot read the functions folder: {e}"),
            "pass a folder holding parser YAML or .kql function files",
        )
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| SentinelError::io(dir, &e))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if path.is_dir() {
            if !hidden {
                collect_files(&path, out)?;
            }
        } else if !hidden
            && path.extension().is_some_and(|e| {
                ["yaml", "yml", "kql"]
                    .iter()
                    .any(|x| e.eq_ignore_ascii_case(x))
            })
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn shared_parsers() -> Option<PathBuf> {
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sentinel/parsers");
        if dir.is_dir() {
            Some(dir)
        } else {
            eprintln!("skipped: {} is absent", dir.display());
            None
        }
    }

    /// The character at 1-based (line, col) of `src` (CRLF-aware).
    fn char_at(src: &str, line: usize, col: usize) -> Option<char> {
        let l = src.split('\n').nth(line - 1)?;
        l.chars().nth(col - 1)
    }

    /// Every character of `f.body` maps to the same character in `src`.
    pub(crate) fn assert_locate_exact(f: &WorkspaceFunction, src: &str) {
        for (offset, ch) in f.body.char_indices() {
            if ch == '\n' {
                continue;
            }
            let (line, col) = f.locate(offset);
            assert_eq!(
                char_at(src, line, col),
                Some(ch),
                "{}: body offset {offset} mapped to {line}:{col}",
                f.origin.path.display()
            );
        }
    }

    #[test]
    fn real_parser_files_map_every_character() {
        let Some(dir) = shared_parsers() else { return };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            let f = parse_parser_yaml(&src, &path).unwrap_or_else(|e| panic!("{e}"));
            assert_locate_exact(&f, &src);
            names.push((f.name.clone(), f.aliases.clone(), f.params.is_empty()));
        }
        names.sort();
        assert_eq!(names.len(), 6);
        assert!(names.contains(&(
            "vimWebSessionEmpty".into(),
            vec!["_Im_WebSession_Empty".into()],
            true
        )));
    }

    #[test]
    fn im_websession_params_and_origin() {
        let Some(dir) = shared_parsers() else { return };
        let path = dir.join("imWebSession.yaml");
        let src = std::fs::read_to_string(&path).unwrap();
        assert!(src.contains("\r\n"), "the test wants the CRLF copy");
        let f = parse_parser_yaml(&src, &path).unwrap();
        assert_eq!(f.name, "imWebSession");
        assert_eq!(f.aliases, ["_Im_WebSession"]);
        insta::assert_snapshot!(f.params, @"starttime:datetime=datetime(null), endtime:datetime=datetime(null), srcipaddr_has_any_prefix:dynamic=dynamic([]), ipaddr_has_any_prefix:dynamic=dynamic([]), url_has_any:dynamic=dynamic([]), httpuseragent_has_any:dynamic=dynamic([]), eventresultdetails_in:dynamic=dynamic([]), eventresult:string='*', eventresultdetails_has_any:dynamic=dynamic([]), disabled:bool=false, pack:bool=false");
        assert!(f.body.starts_with("let DisabledParsers=materialize("));
        assert!(!f.body.contains('\r'));
        assert_eq!(
            (f.origin.line, f.origin.column, f.origin.indent),
            (55, 3, 2)
        );
        // the body parses, and the params make a valid function header
        kql_syntax::parse(&f.body).unwrap();
        kql_syntax::parse(&format!("let f = ({}) {{ {} }};\nf()", f.params, f.body)).unwrap();
    }

    #[test]
    fn syntax_error_in_crlf_parser_maps_to_yaml_line_and_column() {
        let Some(dir) = shared_parsers() else { return };
        let path = dir.join("ASimWebSession.yaml");
        let good = std::fs::read_to_string(&path).unwrap();
        assert!(good.contains("\r\n"));
        // Break the query: an unbalanced `)` after `union isfuzzy=true`.
        let needle = "union isfuzzy=true\r\n";
        let at = good.find(needle).unwrap() + "union isfuzzy=true".len();
        let bad = format!("{} )|{}", &good[..at], &good[at..]);
        let f = parse_parser_yaml(&bad, &path).unwrap();
        let diag = kql_syntax::parse(&f.body).unwrap_err();
        let offset = diag.span.unwrap().start;
        let (line, col) = f.locate(offset);
        // The inserted `)` is on line 24 of the file, after two blanks of indentation.
        let expected_line = bad[..at].matches('\n').count() + 1;
        assert_eq!(expected_line, 24);
        let text_line = bad.split('\n').nth(line - 1).unwrap();
        assert_eq!(line, expected_line, "{}", diag.render(&f.body, "body"));
        assert_eq!(
            col,
            "  union isfuzzy=true ".chars().count() + 1,
            "{text_line}"
        );
        assert_eq!(char_at(&bad, line, col), Some(')'));
        assert_eq!(f.body[offset..].chars().next(), Some(')'));
    }

    #[test]
    fn inline_crlf_yaml_with_params_and_defaults() {
        let src = "ParserName: p\r\nEquivalentBuiltInParser: _Im_P\r\nParserParams:\r\n  - Name: s\r\n    Type: string\r\n    Default: ''\r\n  - Name: n\r\n    Type: int\r\n    Default: 5\r\n  - Name: q\r\n    Type: string\r\n    Default: \"'x'\"\r\n  - Name: r\r\n    Type: string\r\nParserQuery: |\r\n   T\r\n   | where x == s\r\n";
        let f = parse_parser_yaml(src, Path::new("p.yaml")).unwrap();
        assert_eq!(f.params, "s:string='', n:int=5, q:string='x', r:string");
        assert_eq!(f.body, "T\n| where x == s");
        assert_eq!(f.locate(f.body.find("where").unwrap()), (17, 6));
    }

    #[test]
    fn parser_yaml_errors() {
        let e = parse_parser_yaml("Title: x\n", Path::new("p.yaml")).unwrap_err();
        insta::assert_snapshot!(e.to_string(), @r"
        p.yaml: the file has no `ParserName` (or `FunctionName`), so it is not a parser
          = help: put only ASIM parser / Sentinel function YAML files and .kql function files in the functions folder
        ");
        let e = parse_parser_yaml(
            "ParserName: p\nParserParams:\n  - Name: a\nParserQuery: T\n",
            Path::new("p.yaml"),
        )
        .unwrap_err();
        insta::assert_snapshot!(e.to_string(), @r"
        p.yaml:2: `ParserParams`: parameter `a` has no `Type`
          = help: each parameter is `- Name: x` with `Type: <kql type>` and an optional `Default:`
        ");
        let e = parse_parser_yaml(
            "ParserName: p\nParserQuery: |\n  T\n x: [\n",
            Path::new("p.yaml"),
        )
        .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = parse_parser_yaml(
            "FunctionName: 1abc\nFunctionQuery: T\n",
            Path::new("f.yaml"),
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.line),
            (Some("FunctionName"), Some(1))
        );
    }

    #[test]
    fn load_dir_sorted_recursive_and_duplicates() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("b.kql"), "let B = () { print 1 };").unwrap();
        std::fs::write(
            root.join("sub/a.yaml"),
            "ParserName: A\nEquivalentBuiltInParser: _A\nParserQuery: |\n  print 2\n",
        )
        .unwrap();
        std::fs::write(root.join("notes.txt"), "ignored").unwrap();
        let fs = load_functions_dir(root).unwrap();
        let names: Vec<&str> = fs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["B", "A"]);
        std::fs::write(root.join("c.kql"), "let _A = () { print 3 };").unwrap();
        let e = load_functions_dir(root).unwrap_err();
        assert!(
            e.message.contains("`_A` is defined twice")
                && e.message.contains("sub/a.yaml (alias of `A`)")
                && e.message.contains("c.kql (line 1)"),
            "{e}"
        );
        let e = load_functions_dir(&root.join("missing")).unwrap_err();
        assert!(
            e.message.starts_with("cannot read the functions folder"),
            "{e}"
        );
    }

    #[test]
    fn load_shared_parsers_dir() {
        let Some(dir) = shared_parsers() else { return };
        let fs = load_functions_dir(&dir).unwrap();
        assert_eq!(fs.len(), 6);
        assert_eq!(fs[0].name, "ASimWebSession");
    }
}
