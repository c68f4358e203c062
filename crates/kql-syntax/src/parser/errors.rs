//! pest errors → [`Diagnostic`]s in human words. Every grammar rule maps to a
//! phrase ("an expression", "')'", "a tabular operator"); the rules pest
//! expected at the error position become "expected X, Y or Z, found T".
//! A few situations get their own message: an unknown tabular operator (with
//! "did you mean"), a query fragment starting with `|`, an unterminated string.

use super::Rule;
use crate::diagnostic::{Code, Diagnostic, suggest};
use crate::span::Span;
use pest::error::{Error, ErrorVariant, InputLocation};

/// Every tabular operator keyword, for "did you mean" hints.
pub const OPERATOR_NAMES: &[&str] = &[
    "where",
    "filter",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "extend",
    "summarize",
    "count",
    "take",
    "limit",
    "top",
    "top-nested",
    "top-hitters",
    "sort",
    "order",
    "distinct",
    "as",
    "join",
    "lookup",
    "mv-expand",
    "mv-apply",
    "parse",
    "parse-where",
    "parse-kv",
    "make-series",
    "evaluate",
    "render",
    "serialize",
    "invoke",
    "sample",
    "sample-distinct",
    "getschema",
    "union",
    "search",
    "find",
    "fork",
    "facet",
    "partition",
    "scan",
    "consume",
    "reduce",
    "project-smart",
    "project-by-names",
    "make-graph",
    "graph-match",
    "graph-merge",
    "graph-to-table",
    "graph-shortest-paths",
    "graph-mark-components",
    "assert-schema",
    "macro-expand",
    "execute-show-command",
    "lookup-kv",
];

/// Operators that start a query and cannot follow `|`.
const SOURCE_ONLY: &[&str] = &["print", "datatable", "range", "externaldata"];

pub(super) fn convert(src: &str, e: Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(src.len());
    let positives = match e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { message } => {
            let msg = if message.contains("limit reached") {
                "query is too complex or nested too deeply to parse".to_string()
            } else {
                message
            };
            return Diagnostic::at(Code::Syntax, Span::new(pos, pos), msg);
        }
    };
    let (found_span, found) = token_at(src, pos);
    let word = found_span.slice(src);

    if let Some(d) = unterminated_string(src, pos) {
        return d;
    }
    let wants_operator = positives.iter().any(|r| phrase(*r) == Some(TAB_OP));
    if wants_operator && is_word(word) {
        if SOURCE_ONLY.contains(&word) {
            return Diagnostic::at(
                Code::Syntax,
                found_span,
                format!("'{word}' cannot follow '|': it can only start a query"),
            );
        }
        let mut d = Diagnostic::at(
            Code::Syntax,
            found_span,
            format!("unknown tabular operator '{word}'"),
        );
        let close = suggest(word, OPERATOR_NAMES.iter().copied());
        match close.first() {
            Some(exact) if exact.eq_ignore_ascii_case(word) => {
                d = d.with_hint(format!("operator names are lower-case: write '{exact}'"));
            }
            Some(_) => {
                let list: Vec<String> = close.iter().take(2).map(|c| format!("'{c}'")).collect();
                d = d.with_hint(format!("did you mean {}?", join_or(&list)));
            }
            None => {}
        }
        return d;
    }
    if word == "|" && at_statement_start(&src[..pos]) {
        return Diagnostic::at(Code::Syntax, found_span, "a query cannot start with '|'")
            .with_hint(
                "this looks like a fragment of a query: put a table name before the first '|'",
            );
    }

    let mut phrases: Vec<&'static str> = positives.iter().filter_map(|r| phrase(*r)).collect();
    phrases.sort_by_key(|p| {
        PRIORITY
            .iter()
            .position(|q| q == p)
            .unwrap_or(PRIORITY.len())
    });
    phrases.dedup();
    if phrases.len() > 1 {
        // An operator option is hardly ever what was missing.
        phrases.retain(|p| *p != OPTION && *p != HINT);
    }
    if phrases.len() > 2 {
        // Long lists are mostly "the previous token could continue": keep what ends it.
        let short: Vec<&str> = phrases
            .iter()
            .copied()
            .filter(|p| !CONTINUATIONS.contains(p))
            .collect();
        if !short.is_empty() {
            phrases = short;
        }
    }
    let message = if phrases.is_empty() {
        format!("unexpected {found}")
    } else {
        let list: Vec<String> = phrases.iter().map(|p| p.to_string()).collect();
        format!("expected {}, found {found}", join_or(&list))
    };
    let d = Diagnostic::at(Code::Syntax, found_span, message);
    if word == "=" && phrases.contains(&"'|'") {
        return d.with_hint("'=' names a column; to compare, write '=='");
    }
    let starts_line = src[..pos]
        .trim_end_matches([' ', '\t', '\r'])
        .ends_with('\n');
    if phrases.contains(&"';'") && starts_line && is_word(word) {
        return d.with_hint(
            "statements are separated by ';': is one missing at the end of the previous line?",
        );
    }
    d
}

/// Whether `before` (the text before a position) ends a statement: nothing
/// but blanks and `//` comments since the start or the last `;`.
fn at_statement_start(before: &str) -> bool {
    for line in before.lines().rev() {
        let code = line.split("//").next().unwrap_or("").trim();
        if !code.is_empty() {
            return code.ends_with(';');
        }
    }
    true
}

fn is_word(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The token at `pos`: its span and a description (`'where'`, `end of input`).
fn token_at(src: &str, pos: usize) -> (Span, String) {
    let rest = &src[pos..];
    let Some(first) = rest.chars().next() else {
        return (Span::new(pos, pos), "end of input".to_string());
    };
    let len = if first.is_alphanumeric() || first == '_' || first == '$' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '$'))
            .unwrap_or(rest.len())
    } else {
        ["==", "!=", "<>", "=~", "!~", "<=", ">=", "..", "!in", "```"]
            .iter()
            .find(|op| rest.starts_with(**op))
            .map_or(first.len_utf8(), |op| op.len())
    };
    let text = &rest[..len];
    let shown: String = text.chars().take(40).collect();
    (Span::new(pos, pos + len), format!("'{shown}'"))
}

/// A quote at `pos` with no closing quote on its line.
fn unterminated_string(src: &str, pos: usize) -> Option<Diagnostic> {
    let rest = &src[pos..];
    let prefix = rest
        .find(['"', '\''])
        .filter(|&i| i <= 2 && rest[..i].chars().all(|c| matches!(c, 'h' | 'H' | '@')))?;
    let quote = rest[prefix..].chars().next()?;
    let verbatim = rest[..prefix].contains('@');
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let body = &rest[prefix + 1..line_end];
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && !verbatim {
            chars.next();
        } else if c == quote {
            return None;
        }
    }
    Some(
        Diagnostic::at(
            Code::Syntax,
            Span::new(pos, pos + line_end),
            "unterminated string literal",
        )
        .with_hint(format!(
            "close the string with {quote} on the same line, or use ``` for a multi-line string"
        )),
    )
}

/// Phrases dropped from long lists: they say the previous token could go on.
const CONTINUATIONS: &[&str] = &[
    OPERATOR,
    "'('",
    "'['",
    "'='",
    "':'",
    "a string",
    "'by'",
    "'asc' or 'desc'",
    "'nulls first' or 'nulls last'",
];

const EXPRESSION: &str = "an expression";
const OPTION: &str = "an option such as kind=inner";
const HINT: &str = "a hint such as hint.strategy=shuffle";
const TAB_OP: &str = "a tabular operator";
const OPERATOR: &str = "an operator";

/// The order phrases are listed in.
const PRIORITY: &[&str] = &[
    "a statement",
    EXPRESSION,
    TAB_OP,
    "a name",
    "a column name",
    "a type name",
    "a string",
    "a dynamic value",
    "a parameter (name:type)",
    "a column declaration (name:type)",
    "a parse pattern ('*', a string or Name:type)",
    OPTION,
    HINT,
    "a property (name=value)",
    "'asc' or 'desc'",
    "'nulls first' or 'nulls last'",
    "'by'",
    "'on'",
    "'with'",
    "'('",
    "')'",
    "'['",
    "']'",
    "'{'",
    "'}'",
    "','",
    "':'",
    "'='",
    "'..'",
    OPERATOR,
    "'|'",
    "';'",
    "end of input",
];

/// What a rule means to a user; `None` for rules that never help.
fn phrase(r: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match r {
        let_stmt | set_stmt | declare_stmt | kw_let | kw_set | kw_declare | body => "a statement",
        expr | and_expr | cmp_expr | add_expr | mul_expr | unary_expr | postfix_expr
        | paren_expr | call | name | plain_name | typed_literal | dynamic_lit | timespan_lit
        | real_lit | hex_lit | long_lit | bool_lit | join_side | pipe_expr | query_stmt | arg
        | star_arg | named_expr | sort_key | mv_item | ms_agg | unary_op | expr_only | star => {
            EXPRESSION
        }
        string_lit | str_multiline | str_verbatim_dq | str_verbatim_sq | str_dq | str_sq => {
            "a string"
        }
        tab_op | subquery | where_op | project_op | project_away_op | project_keep_op
        | project_rename_op | project_reorder_op | project_by_names_op | extend_op
        | summarize_op | count_op | take_op | top_op | sort_op | distinct_op | as_op | join_op
        | lookup_op | mv_expand_op | mv_apply_op | parse_op | parse_where_op | parse_kv_op
        | make_series_op | evaluate_op | render_op | serialize_op | invoke_op | sample_op
        | sample_distinct_op | getschema_op | consume_op | search_op | top_nested_op
        | top_hitters_op | find_op | fork_op | facet_op | partition_op | scan_op | reduce_op
        | other_op | print_op | range_op | union_op | datatable_op | externaldata_op => TAB_OP,
        op_or | op_and | cmp_op | str_op | in_op | between_op | has_list_op | add_op | mul_op
        | binary_tail | in_tail | between_tail | has_list_tail | member | index | dot_index
        | dot | search_has => OPERATOR,
        lparen => "'('",
        rparen => "')'",
        lbracket => "'['",
        rbracket => "']'",
        lbrace => "'{'",
        rbrace => "'}'",
        comma => "','",
        semi => "';'",
        colon => "':'",
        dotdot => "'..'",
        pipe => "'|'",
        assign => "'='",
        kw_by | by_clause => "'by'",
        kw_on | join_on => "'on'",
        kw_with => "'with'",
        kw_as => "'as'",
        kw_of => "'of'",
        kw_in => "'in'",
        kw_to | ms_to => "'to'",
        kw_from | ms_from => "'from'",
        kw_step | ms_step => "'step'",
        kw_limit | mv_limit => "'limit'",
        kw_typeof => "'typeof'",
        mv_to_type => "'to typeof(...)'",
        kw_default | ms_default => "'default'",
        kw_range | ms_in_range => "'in range(...)'",
        kw_nulls | kw_first | kw_last | nulls_order => "'nulls first' or 'nulls last'",
        sort_order | reorder_order => "'asc' or 'desc'",
        kw_view => "'view'",
        kw_query_parameters => "'query_parameters'",
        kw_dynamic => "'dynamic'",
        op_param | param_name => OPTION,
        hint_param | hint_name => HINT,
        with_param => "a property (name=value)",
        type_name => "a type name",
        any_name | ident | bracket_name | option_name | member_ident => "a name",
        col_pattern | wild_name | wild_table | rename_pair | reorder_key => "a column name",
        params | param | func_def | view_def => "a parameter (name:type)",
        tabular_type | col_decl => "a column declaration (name:type)",
        parse_pattern | parse_column => "a parse pattern ('*', a string or Name:type)",
        dyn_array | dyn_object | dyn_pair | dyn_number | dyn_timespan | dyn_bool | dyn_null => {
            "a dynamic value"
        }
        make_graph_op
        | graph_match_op
        | graph_shortest_paths_op
        | graph_to_table_op
        | graph_mark_components_op => TAB_OP,
        graph_arrow => "'-->'",
        graph_pattern | graph_path | graph_node => "a graph pattern node ('(n)' or '()')",
        graph_edge | edge_right | edge_left | edge_any => {
            "a graph edge ('-->', '<--', '--', '-[e]->', '-[e*1..3]->', ...)"
        }
        edge_body | edge_range | edge_bound => "an edge name or length ('e', '*min..max')",
        graph_param | graph_param_name => "a graph operator option (name=value)",
        gtt_part | gtt_kind => "'nodes' or 'edges'",
        gtt_as => "'as'",
        graph_where => "'where'",
        graph_project => "'project'",
        mg_node_id => "'with_node_id='",
        mg_node_tables | mg_node_table => "'with' Nodes 'on' Id",
        mg_partition | kw_partitioned_by => "'partitioned-by'",
        EOI => "end of input",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::{Code, Diagnostic, Span, parse};

    fn err(src: &str) -> Diagnostic {
        match parse(src) {
            Ok(s) => panic!("{src:?} parsed: {s:?}"),
            Err(d) => d,
        }
    }

    fn msg(src: &str) -> String {
        err(src).message
    }

    #[test]
    fn unknown_operator_suggests_the_right_one() {
        let d = err("T | wher x > 1");
        assert_eq!(d.message, "unknown tabular operator 'wher'");
        assert_eq!(d.span, Some(Span::new(4, 8)));
        assert_eq!(
            d.hint.as_deref(),
            Some("did you mean 'where' or 'parse-where'?")
        );
        let d = err("T | Project a");
        assert_eq!(
            d.hint.as_deref(),
            Some("operator names are lower-case: write 'project'")
        );
        let d = err("T\n| summarise count()");
        assert!(d.hint.unwrap().contains("'summarize'"));
        assert_eq!(
            msg("T | print x"),
            "'print' cannot follow '|': it can only start a query"
        );
        assert_eq!(
            msg("T | where x == 1 |"),
            "expected a tabular operator, found end of input"
        );
    }

    #[test]
    fn expected_lists_in_words() {
        assert_eq!(
            msg("T | where x >"),
            "expected an expression, found end of input"
        );
        assert_eq!(
            msg("f(a, b"),
            "expected ')', ',' or '|', found end of input"
        );
        assert_eq!(
            msg("T | project a b"),
            "expected ',', '|', ';' or end of input, found 'b'"
        );
        assert_eq!(msg("T | where x between (1 2)"), "expected '..', found '2'");
        assert_eq!(msg("T | sort x"), "expected 'by', found 'x'");
        assert_eq!(
            msg("T | summarize"),
            "expected an expression or 'by', found end of input"
        );
        assert_eq!(msg("T | top by x"), "expected an expression, found 'by'");
        assert_eq!(
            msg("datatable(a:string)[\"x\""),
            "expected ']' or ',', found end of input"
        );
        assert_eq!(msg("let = 5;"), "expected a name, found '='");
        assert_eq!(
            msg("T | project-away"),
            "expected a column name, found end of input"
        );
    }

    #[test]
    fn messages_never_name_grammar_rules() {
        for src in [
            "T | where",
            "T | join kind=",
            "T | mv-expand x to typeof(",
            "let f = (a:",
            "T | parse x with",
            "T | make-series count() on",
            "print dynamic({",
            "T | extend x = y.",
            "T | where x in (",
            "T | render",
            "datatable(",
            "externaldata(a:string)[",
            "union (",
            "T | sort by x nulls",
            "range x from 1 to",
            "T | summarize (a, b",
            "declare query_parameters(",
            "set x =",
            "T | project-rename a",
        ] {
            let d = err(src);
            assert_eq!(d.code, Code::Syntax, "{src}");
            let m = &d.message;
            assert!(
                !m.contains('_') || m.contains("query_parameters"),
                "{src}: {m}"
            );
            assert!(!m.contains("Rule") && !m.contains("pest"), "{src}: {m}");
            assert!(
                m.starts_with("expected ") || m.starts_with("unexpected "),
                "{src}: {m}"
            );
        }
    }

    #[test]
    fn fragments_strings_and_missing_semicolons() {
        let d = err("// note\n| where x");
        assert_eq!(d.message, "a query cannot start with '|'");
        assert!(d.hint.unwrap().contains("fragment"));
        let d = err("T | where s == \"abc");
        assert_eq!(d.message, "unterminated string literal");
        assert_eq!(d.span, Some(Span::new(15, 19)));
        let d = err("T | where s == @'C:\\");
        assert_eq!(d.message, "unterminated string literal");
        let d = err("T | where x = 1");
        assert_eq!(
            d.hint.as_deref(),
            Some("'=' names a column; to compare, write '=='")
        );
        let d = err("let x = 5\nT | take 1");
        assert_eq!(d.message, "expected '|', ';' or end of input, found 'T'");
        assert!(d.hint.unwrap().contains("';'"));
    }

    #[test]
    fn rendered_with_caret() {
        let src = "SecurityEvent\n| wher EventID == 4625";
        let d = err(src);
        assert_eq!(
            d.render(src, "q.kql"),
            "error[KQL1001]: unknown tabular operator 'wher'\n  --> q.kql:2:3\n  |\n2 | | wher EventID == 4625\n  |   ^^^^\n  = help: did you mean 'where' or 'parse-where'?\n"
        );
    }
}

/// An error at the end of the input: point just after the last non-blank
/// character (so the caret sits under a visible line), and when a bracket
/// was left open, say where it was opened.
pub(super) fn refine_end_of_input(src: &str, mut d: Diagnostic) -> Diagnostic {
    let Some(span) = d.span else { return d };
    if !src[span.start.min(src.len())..].trim().is_empty() {
        return d;
    }
    let end = src.trim_end().len();
    d.span = Some(Span::new(end, end));
    if d.hint.is_none()
        && let Some(open) = unclosed_bracket(src)
    {
        let (line, col) = crate::span::line_col(src, open);
        let c = &src[open..open + 1];
        d.hint = Some(format!(
            "the '{c}' at line {line}, column {col} is never closed"
        ));
    }
    d
}

/// The byte offset of the innermost bracket still open at the end of `src`,
/// skipping string literals and `//` comments.
fn unclosed_bracket(src: &str) -> Option<usize> {
    let mut stack: Vec<usize> = Vec::new();
    super::nesting::for_each_bracket(src, |i, c| {
        if matches!(c, b'(' | b'[' | b'{') {
            stack.push(i);
        } else {
            stack.pop();
        }
        true
    });
    stack.pop()
}

#[cfg(test)]
mod end_of_input_tests {
    use super::*;

    #[test]
    fn points_after_the_last_visible_character_and_names_the_open_bracket() {
        let src = "T\n| where (a > 1\n\n";
        let d = Diagnostic::at(
            Code::Syntax,
            Span::new(src.len(), src.len()),
            "expected ')'",
        );
        let d = refine_end_of_input(src, d);
        assert_eq!(d.span, Some(Span::new(16, 16)));
        assert_eq!(
            d.hint.as_deref(),
            Some("the '(' at line 2, column 9 is never closed")
        );
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        assert_eq!(unclosed_bracket("print \"(\" // (\n"), None);
        assert_eq!(unclosed_bracket("f(x, '[')"), None);
    }
}
