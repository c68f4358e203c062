//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! Every user-facing error of every stage is a [`Diagnostic`] with a stable
//! code (`KQL1xxx` syntax, `2xxx` names, `3xxx` types, `4xxx` unsupported,
//! `5xxx` data/archive, `9xxx` internal), a span into the query text, a
//! message and an optional hint. Rendering to text with a caret under the
//! source lives here so every front end prints the same thing; colour is the
//! CLI's business.

use crate::span::{Span, line_col};
use std::fmt;

/// Stable diagnostic codes. The number is part of the public contract (tests
/// and tools match on it); the name is for humans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    // 1xxx syntax
    Syntax = 1001,
    BadLiteral = 1002,
    // 2xxx names
    UnknownTable = 2001,
    UnknownColumn = 2002,
    UnknownFunction = 2003,
    UnknownName = 2004,
    DuplicateName = 2005,
    AmbiguousName = 2006,
    // 3xxx types
    TypeMismatch = 3001,
    WrongArgCount = 3002,
    NotConstant = 3003,
    NotTabular = 3004,
    NotScalar = 3005,
    BadArgument = 3006,
    // 4xxx unsupported
    UnsupportedOperator = 4001,
    UnsupportedFunction = 4002,
    UnsupportedFeature = 4003,
    // 5xxx data and environment
    ArchiveMissing = 5001,
    ArchiveUnreadable = 5002,
    CorruptParquet = 5003,
    ExecutionFailed = 5004,
    Io = 5005,
    /// An `externaldata` URL with no file in the local feed mirror.
    FeedMissing = 5006,
    /// A feed file that cannot be read as its declared format.
    FeedUnreadable = 5007,
    /// A watchlist file that cannot be read.
    WatchlistUnreadable = 5008,
    /// A workspace function (parser YAML, `.kql` file) that does not parse.
    FunctionInvalid = 5009,
    /// A rule file (YAML) that cannot be read as a Sentinel analytic rule.
    RuleInvalid = 5010,
    /// A result file for `diff` that cannot be read.
    ResultUnreadable = 5011,
    /// Data an enrichment function needs (a GeoIP database for
    /// `geo_info_from_ip_address`, a `FileProfile` table) that the workspace
    /// does not have.
    EnrichmentMissing = 5012,
    /// Enrichment data (a GeoIP CSV) that cannot be read.
    EnrichmentUnreadable = 5013,
    /// A plan whose columns depend on data that was not read (`bag_unpack`
    /// or `pivot` bound by `kql check`): it binds, but cannot run.
    NeedsData = 5014,
    // 9xxx internal
    Internal = 9001,
}

impl Code {
    pub fn number(self) -> u32 {
        self as u32
    }

    /// `KQL2001`-style text.
    pub fn as_text(self) -> String {
        format!("KQL{}", self.number())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    /// Where in the query text; `None` for errors with no place in the query
    /// (a missing archive folder, a corrupt file).
    pub span: Option<Span>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span: None,
            hint: None,
        }
    }

    pub fn at(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(code, message).with_span(span)
    }

    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An internal error (a bug in kql, not the user's fault), naming the stage.
    pub fn internal(stage: &str, message: impl fmt::Display) -> Self {
        Diagnostic::new(
            Code::Internal,
            format!("internal error in {stage}: {message}"),
        )
        .with_hint("this is a bug in kql; please report it with the query")
    }

    /// 1-based (line, column) of the start of the span, if any.
    pub fn line_col(&self, src: &str) -> Option<(usize, usize)> {
        self.span.map(|s| line_col(src, s.start))
    }

    /// Render as plain text: `error[KQL2001]: message`, then `--> line:col`,
    /// the source line with a caret run under the span, and the hint.
    pub fn render(&self, src: &str, origin: &str) -> String {
        let mut out = format!("error[{}]: {}\n", self.code.as_text(), self.message);
        if let Some(mut span) = self.span {
            // A point at the very end (after trailing blank lines) is shown
            // just after the last visible character.
            if span.is_empty() && src.get(span.start..).is_some_and(|r| r.trim().is_empty()) {
                let end = src.trim_end().len();
                span = Span::new(end, end);
            }
            let (line, col) = line_col(src, span.start);
            out.push_str(&format!("  --> {origin}:{line}:{col}\n"));
            if let Some(text) = src.lines().nth(line - 1) {
                let gutter = line.to_string();
                let pad = " ".repeat(gutter.len());
                // caret width: the span's chars on this line (at least 1)
                let line_start = src
                    .lines()
                    .take(line - 1)
                    .map(|l| l.len() + 1)
                    .sum::<usize>();
                let line_end = line_start + text.len();
                let end = span.end.clamp(span.start, line_end.max(span.start));
                let width = src
                    .get(span.start..end)
                    .map(|s| s.chars().count())
                    .unwrap_or(1)
                    .max(1);
                let shown = text.trim_end_matches('\r');
                out.push_str(&format!("{pad} |\n{gutter} | {shown}\n"));
                out.push_str(&format!(
                    "{pad} | {}{}\n",
                    " ".repeat(col - 1),
                    "^".repeat(width)
                ));
            }
        } else {
            out.push_str(&format!("  --> {origin}\n"));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  = help: {hint}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_text(), self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Closest candidates to `name` among `candidates` by edit distance
/// (case-insensitive), best first: for "did you mean" hints.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let lname = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let lc = c.to_lowercase();
            let d = edit_distance(&lname, &lc);
            let limit = (name.chars().count() / 3).max(2);
            if d <= limit || (lname.len() >= 3 && (lc.contains(&lname) || lname.contains(&lc))) {
                Some((d, c))
            } else {
                None
            }
        })
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, c)| c).take(3).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_puts_caret_under_span() {
        let src = "T\n| where Foo == 1";
        let d = Diagnostic::at(
            Code::UnknownColumn,
            Span::new(10, 13),
            "unknown column 'Foo'",
        )
        .with_hint("did you mean 'Foe'?");
        let text = d.render(src, "query");
        assert_eq!(
            text,
            "error[KQL2002]: unknown column 'Foo'\n  --> query:2:9\n  |\n2 | | where Foo == 1\n  |         ^^^\n  = help: did you mean 'Foe'?\n"
        );
    }

    #[test]
    fn suggest_finds_close_names() {
        let c = ["DestinationIP", "SourceIP", "DeviceAction"];
        assert_eq!(suggest("DestinationIp", c), vec!["DestinationIP"]);
        assert!(suggest("Zzzzzz", c).is_empty());
    }
}
