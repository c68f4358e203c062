//! `kql feeds RULE|QUERY`: the `externaldata` URLs a query (and the saved
//! functions it calls) reads, and whether the local mirror has each.

use kql_engine::Workspace;
use std::path::{Path, PathBuf};

/// One URL and the mirror file it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStatus {
    pub url: String,
    pub path: PathBuf,
    pub present: bool,
}

/// The URLs of every `externaldata` in `query` and in the bodies of the
/// workspace functions it names (transitively), in order of appearance.
pub fn feed_urls(query: &str, workspace: &Workspace) -> Vec<String> {
    let mut urls = Vec::new();
    for t in workspace.reachable_texts(query) {
        for u in urls_in(t) {
            if !urls.contains(&u) {
                urls.push(u);
            }
        }
    }
    urls
}

/// Each URL with its mirror path and whether the file exists.
pub fn status(urls: &[String], mirror: &Path) -> Vec<FeedStatus> {
    urls.iter()
        .map(|u| {
            let path = kql_engine::feeds::mirror_path(mirror, u);
            FeedStatus {
                url: u.clone(),
                present: path.is_file(),
                path,
            }
        })
        .collect()
}

/// String literals inside the `[...]` URL list after each `externaldata(...)`.
fn urls_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = find_word(text, "externaldata", from) {
        from = pos + "externaldata".len();
        let Some(open) = text[from..].find('(').map(|p| from + p) else {
            break;
        };
        let Some(close) = matching(bytes, open, b'(', b')') else {
            break;
        };
        let Some(lb) = text[close..].find('[').map(|p| close + p) else {
            break;
        };
        let Some(rb) = matching(bytes, lb, b'[', b']') else {
            break;
        };
        out.extend(string_literals(&text[lb + 1..rb]));
        from = rb;
    }
    out
}

fn find_word(text: &str, word: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(p) = text[at..].find(word) {
        let start = at + p;
        let end = start + word.len();
        let before_ok = start == 0 || !is_ident(text.as_bytes()[start - 1]);
        let after_ok = end >= text.len() || !is_ident(text.as_bytes()[end]);
        if before_ok && after_ok {
            return Some(start);
        }
        at = end;
    }
    None
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The index of the bracket closing the one at `open`, skipping strings.
fn matching(bytes: &[u8], open: usize, o: u8, c: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'"' | b'\'') => {
                let verbatim = i > 0 && bytes[i - 1] == b'@';
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if bytes[i] == b'\\' && !verbatim {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b if b == o => depth += 1,
            b if b == c => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The decoded string literals of a comma-separated list.
fn string_literals(list: &str) -> Vec<String> {
    let bytes = list.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let prefixed = matches!(bytes[i], b'@' | b'h' | b'H')
            && i + 1 < bytes.len()
            && matches!(bytes[i + 1], b'"' | b'\'');
        let q_at = if prefixed { i + 1 } else { i };
        if q_at < bytes.len() && matches!(bytes[q_at], b'"' | b'\'') {
            let q = bytes[q_at];
            let verbatim = bytes[start] == b'@';
            let mut j = q_at + 1;
            while j < bytes.len() && bytes[j] != q {
                if bytes[j] == b'\\' && !verbatim {
                    j += 1;
                }
                j += 1;
            }
            let literal = &list[start..(j + 1).min(list.len())];
            if let Ok(e) = kql_syntax::parse_expr(literal)
                && let kql_syntax::ast::ExprKind::Literal(kql_syntax::ast::Literal::String(s)) =
                    e.kind
            {
                out.push(s);
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_urls_of_each_externaldata() {
        let q = r#"let a = externaldata(x:string, y:string) [ @"https://h/a%20b.csv", 'https://h/c.csv'] with(format="csv");
            let b = externaldata (z:string)["https://h/d.txt"];
            a"#;
        assert_eq!(
            urls_in(q),
            ["https://h/a%20b.csv", "https://h/c.csv", "https://h/d.txt"]
        );
    }
}
