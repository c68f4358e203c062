//! Text forms of AST pieces: literals (`datetime(2026-06-16T00:00:00Z)`),
//! operators (`!contains_cs`), operator names, and a one-line S-expression
//! of an expression (`(or a (and b c))`) for compact test assertions.

use crate::ast::*;
use crate::parser::{format_datetime, format_timespan};

/// One expression as a one-line S-expression without spans, for compact
/// assertions: `(or a (and b c))`, `(call f 1 (= name x))`, `(. x y)`,
/// `(| T where)` (tabular operators by name only).
pub fn print_sexpr(expr: &Expr) -> String {
    let list = |head: String, items: Vec<String>| {
        if items.is_empty() {
            format!("({head})")
        } else {
            format!("({head} {})", items.join(" "))
        }
    };
    match &expr.kind {
        ExprKind::Literal(l) => literal_text(l),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::JoinSide(JoinSide::Left) => "$left".into(),
        ExprKind::JoinSide(JoinSide::Right) => "$right".into(),
        ExprKind::Member { target, name } => format!("(. {} {})", print_sexpr(target), name.name),
        ExprKind::Index { target, index } => {
            format!("([] {} {})", print_sexpr(target), print_sexpr(index))
        }
        ExprKind::Call(c) => {
            let args = c
                .args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("(= {} {})", n.name, print_sexpr(&a.value)),
                    None => print_sexpr(&a.value),
                })
                .collect();
            list(format!("call {}", c.name.name), args)
        }
        ExprKind::Unary { op, operand } => {
            let t = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Plus => "plus",
                UnaryOp::Not => "not",
            };
            format!("({t} {})", print_sexpr(operand))
        }
        ExprKind::Binary { op, left, right } => {
            format!(
                "({} {} {})",
                binary_text(*op),
                print_sexpr(left),
                print_sexpr(right)
            )
        }
        ExprKind::In {
            expr,
            op,
            list: items,
        } => {
            let t = match op {
                InOp::In => "in",
                InOp::NotIn => "!in",
                InOp::InCi => "in~",
                InOp::NotInCi => "!in~",
            };
            let mut all = vec![print_sexpr(expr)];
            all.extend(items.iter().map(print_sexpr));
            list(t.to_string(), all)
        }
        ExprKind::HasAnyAll {
            expr,
            op,
            list: items,
        } => {
            let t = match op {
                HasListOp::HasAny => "has_any",
                HasListOp::HasAll => "has_all",
                HasListOp::HasAnyCs => "has_any_cs",
                HasListOp::HasAllCs => "has_all_cs",
            };
            let mut all = vec![print_sexpr(expr)];
            all.extend(items.iter().map(print_sexpr));
            list(t.to_string(), all)
        }
        ExprKind::Between {
            expr,
            low,
            high,
            negated,
        } => format!(
            "({} {} {} {})",
            if *negated { "!between" } else { "between" },
            print_sexpr(expr),
            print_sexpr(low),
            print_sexpr(high)
        ),
        ExprKind::Star => "*".into(),
        ExprKind::Pipe { source, op } => {
            format!("(| {} {})", print_sexpr(source), op_name(&op.kind))
        }
        ExprKind::Source(op) => format!("(source {})", op_name(&op.kind)),
        ExprKind::ImplicitInput => "(input)".into(),
    }
}

/// The operator keyword of a tabular operator (`where`, `mv-expand`, ...).
pub fn op_name(kind: &OpKind) -> &str {
    match kind {
        OpKind::Where { .. } => "where",
        OpKind::Project(_) => "project",
        OpKind::ProjectAway(_) => "project-away",
        OpKind::ProjectKeep(_) => "project-keep",
        OpKind::ProjectRename(_) => "project-rename",
        OpKind::ProjectReorder(_) => "project-reorder",
        OpKind::ProjectByNames(_) => "project-by-names",
        OpKind::Extend(_) => "extend",
        OpKind::Summarize { .. } => "summarize",
        OpKind::Count { .. } => "count",
        OpKind::Take(_) => "take",
        OpKind::Top { .. } => "top",
        OpKind::Sort { .. } => "sort",
        OpKind::Distinct(_) => "distinct",
        OpKind::Print(_) => "print",
        OpKind::Datatable { .. } => "datatable",
        OpKind::Range { .. } => "range",
        OpKind::Union { .. } => "union",
        OpKind::As { .. } => "as",
        OpKind::Join { .. } => "join",
        OpKind::Lookup { .. } => "lookup",
        OpKind::MvExpand { .. } => "mv-expand",
        OpKind::MvApply { .. } => "mv-apply",
        OpKind::Parse { .. } => "parse",
        OpKind::ParseWhere { .. } => "parse-where",
        OpKind::ParseKv { .. } => "parse-kv",
        OpKind::MakeSeries { .. } => "make-series",
        OpKind::Evaluate { .. } => "evaluate",
        OpKind::Render { .. } => "render",
        OpKind::Serialize(_) => "serialize",
        OpKind::Invoke(_) => "invoke",
        OpKind::Sample(_) => "sample",
        OpKind::SampleDistinct { .. } => "sample-distinct",
        OpKind::GetSchema => "getschema",
        OpKind::TopNested { .. } => "top-nested",
        OpKind::TopHitters { .. } => "top-hitters",
        OpKind::Search { .. } => "search",
        OpKind::Find { .. } => "find",
        OpKind::Fork { .. } => "fork",
        OpKind::Facet { .. } => "facet",
        OpKind::Partition { .. } => "partition",
        OpKind::Scan { .. } => "scan",
        OpKind::Consume { .. } => "consume",
        OpKind::Reduce { .. } => "reduce",
        OpKind::ExternalData { .. } => "externaldata",
        OpKind::Graph(g) => g.kind.name(),
        OpKind::Other { name, .. } => name,
    }
}

/// A literal as text: `5`, `"a\"b"`, `datetime(2026-06-16T00:00:00Z)`, `long(null)`, ...
pub fn literal_text(lit: &Literal) -> String {
    match lit {
        Literal::Null(t) => format!("{}(null)", t.as_str()),
        Literal::Bool(b) => b.to_string(),
        Literal::Int(i) => format!("int({i})"),
        Literal::Long(l) => l.to_string(),
        Literal::Real(r) => format!("real({r:?})"),
        Literal::Decimal(d) => format!("decimal({d})"),
        Literal::String(s) => format!("{s:?}"),
        Literal::DateTime(t) => format!("datetime({})", format_datetime(*t)),
        Literal::TimeSpan(t) => format!("timespan({})", format_timespan(*t)),
        Literal::Guid(g) => format!("guid({g})"),
        Literal::Dynamic(d) => format!("dynamic({})", dynamic_text(d)),
    }
}

pub(super) fn dynamic_text(d: &DynamicLit) -> String {
    match d {
        DynamicLit::Null => "null".to_string(),
        DynamicLit::Bool(b) => b.to_string(),
        DynamicLit::Long(l) => l.to_string(),
        DynamicLit::Real(r) => format!("{r:?}"),
        DynamicLit::String(s) => format!("{s:?}"),
        DynamicLit::DateTime(t) => format!("datetime({})", format_datetime(*t)),
        DynamicLit::TimeSpan(t) => format!("timespan({})", format_timespan(*t)),
        DynamicLit::Guid(g) => format!("guid({g})"),
        DynamicLit::Array(items) => {
            let parts: Vec<String> = items.iter().map(dynamic_text).collect();
            format!("[{}]", parts.join(", "))
        }
        DynamicLit::Object(pairs) => {
            let parts: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{k:?}: {}", dynamic_text(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

pub(super) fn binary_text(op: BinaryOp) -> String {
    match op {
        BinaryOp::Or => "or".into(),
        BinaryOp::And => "and".into(),
        BinaryOp::Eq => "==".into(),
        BinaryOp::NotEq => "!=".into(),
        BinaryOp::EqTilde => "=~".into(),
        BinaryOp::NotEqTilde => "!~".into(),
        BinaryOp::Lt => "<".into(),
        BinaryOp::LtEq => "<=".into(),
        BinaryOp::Gt => ">".into(),
        BinaryOp::GtEq => ">=".into(),
        BinaryOp::Add => "+".into(),
        BinaryOp::Sub => "-".into(),
        BinaryOp::Mul => "*".into(),
        BinaryOp::Div => "/".into(),
        BinaryOp::Mod => "%".into(),
        BinaryOp::Str(s) => str_op_text(s),
    }
}

/// `has`, `!contains_cs`, `matches regex`, `notlike`...
pub fn str_op_text(s: StrOp) -> String {
    let base = match s.kind {
        StrOpKind::Has => "has",
        StrOpKind::Contains => "contains",
        StrOpKind::StartsWith => "startswith",
        StrOpKind::EndsWith => "endswith",
        StrOpKind::HasPrefix => "hasprefix",
        StrOpKind::HasSuffix => "hassuffix",
        StrOpKind::Like => "like",
        StrOpKind::MatchesRegex => return "matches regex".into(),
    };
    let neg = match (s.negated, s.kind) {
        (false, _) => "",
        (true, StrOpKind::Like) => "not",
        (true, _) => "!",
    };
    let cs = if s.case_sensitive { "_cs" } else { "" };
    format!("{neg}{base}{cs}")
}

pub(super) fn sort_text(order: Option<SortOrder>, nulls: Option<NullsOrder>) -> String {
    let mut t = String::new();
    match order {
        Some(SortOrder::Asc) => t.push_str(" asc"),
        Some(SortOrder::Desc) => t.push_str(" desc"),
        None => {}
    }
    match nulls {
        Some(NullsOrder::First) => t.push_str(" nulls first"),
        Some(NullsOrder::Last) => t.push_str(" nulls last"),
        None => {}
    }
    t
}
