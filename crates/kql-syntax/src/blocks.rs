//! Query files that hold several queries.
//!
//! Files saved from Kusto's editors (Log Analytics, Data Explorer) often hold
//! several queries one after another, separated by blank lines; the editor
//! runs the block under the cursor. [`split_queries`] reads such a text: when
//! it parses as one script it is one query; when it does not, it is cut at
//! blank lines into the fewest consecutive blocks that each parse and hold a
//! query (a `let` block followed by a blank line stays with the query that
//! uses it, and a block that starts with `|` continues the one before).

use crate::ast::{Script, Statement};
use crate::{Diagnostic, parse};

/// One query of a text: where it starts (byte offset) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryBlock<'a> {
    pub offset: usize,
    pub text: &'a str,
}

/// How a text reads as queries.
#[derive(Debug)]
pub enum Blocks<'a> {
    /// The whole text is one script (it parses, or it cannot be cut into
    /// blocks that do: the error is the whole text's).
    One(Result<Script, Diagnostic>),
    /// Several queries separated by blank lines, each parsed.
    Several(Vec<(QueryBlock<'a>, Script)>),
}

/// Read `text` as one query or as several blank-line-separated ones.
pub fn split_queries(text: &str) -> Blocks<'_> {
    let whole = parse(text);
    if whole.is_ok() {
        return Blocks::One(whole);
    }
    let chunks = chunks(text);
    if chunks.len() < 2 {
        return Blocks::One(whole);
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < chunks.len() {
        let mut found = None;
        for end in start..chunks.len() {
            // A following block that starts with `|` continues this one.
            if chunks
                .get(end + 1)
                .is_some_and(|(_, t)| t.trim_start().starts_with('|'))
            {
                continue;
            }
            let from = chunks[start].0;
            let to = chunks[end].0 + chunks[end].1.len();
            let piece = &text[from..to];
            if let Ok(script) = parse(piece)
                && has_query(&script)
            {
                found = Some((
                    end,
                    QueryBlock {
                        offset: from,
                        text: piece,
                    },
                    script,
                ));
                break;
            }
        }
        match found {
            Some((end, block, script)) => {
                out.push((block, script));
                start = end + 1;
            }
            None => return Blocks::One(whole),
        }
    }
    if out.len() < 2 {
        return Blocks::One(whole);
    }
    Blocks::Several(out)
}

fn has_query(s: &Script) -> bool {
    s.statements
        .iter()
        .any(|st| matches!(st, Statement::Query(_)))
}

/// The non-blank runs of lines of `text`, as (byte offset, text).
fn chunks(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank {
            if let Some(s) = start.take() {
                out.push((s, &text[s..end]));
            }
        } else {
            if start.is_none() {
                start = Some(pos);
            }
            end = pos + line.trim_end().len();
        }
        pos += line.len();
    }
    if let Some(s) = start {
        out.push((s, &text[s..end]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(b: &Blocks<'a>) -> Vec<&'a str> {
        match b {
            Blocks::One(_) => vec![],
            Blocks::Several(v) => v.iter().map(|(q, _)| q.text).collect(),
        }
    }

    #[test]
    fn one_query_with_blank_lines_stays_one() {
        let t = "let x = 1;\n\nprint x\n";
        assert!(matches!(split_queries(t), Blocks::One(Ok(_))));
    }

    #[test]
    fn two_queries_separated_by_a_blank_line() {
        let t = "T\n| where a == 1\n\nU\n| take 5\n";
        let b = split_queries(t);
        assert_eq!(texts(&b), vec!["T\n| where a == 1", "U\n| take 5"]);
        if let Blocks::Several(v) = &b {
            assert_eq!(v[1].0.offset, t.find("U").expect("U"));
        }
    }

    #[test]
    fn a_let_block_stays_with_its_query_and_pipes_continue() {
        let t = "let a = 1;\n\nT | where x == a\n\n| take 1\n\nprint 1\n\nprint 2";
        let b = split_queries(t);
        assert_eq!(
            texts(&b),
            vec![
                "let a = 1;\n\nT | where x == a\n\n| take 1",
                "print 1",
                "print 2"
            ]
        );
    }

    #[test]
    fn a_real_syntax_error_is_reported_for_the_whole_text() {
        let t = "T | where (\n\nprint 1";
        match split_queries(t) {
            Blocks::One(Err(_)) => {}
            other => panic!("expected the whole text's error, got {other:?}"),
        }
    }

    #[test]
    fn crlf_blank_lines_split_too() {
        let t = "print 1\r\n\r\nprint 2\r\n";
        // "print 1 print 2" does not parse as one script
        assert_eq!(texts(&split_queries(t)), vec!["print 1", "print 2"]);
    }
}
