//! Scalar expressions: the precedence levels of `kql.pest` (or → and →
//! comparisons/`in`/`between` → `+ -` → `* / %` → unary → member/index →
//! primary) folded left into `ast::Expr`, plus names, calls and arguments.

use super::{Builder, Result, Rule, children, literal, shape, span_of};
use crate::ast::{
    Arg, BinaryOp, Call, Expr, ExprKind, HasListOp, Ident, InOp, JoinSide, Literal, NamedExpr,
    StrOp, StrOpKind, UnaryOp,
};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use pest::iterators::Pair;

impl Builder {
    /// Any expression-level pair (`expr`, `and_expr`, ..., `pipe_expr`, a primary).
    pub(super) fn expr(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        match p.as_rule() {
            Rule::pipe_expr => self.pipe_expr(p),
            Rule::expr | Rule::and_expr | Rule::add_expr | Rule::mul_expr => self.binary_chain(p),
            Rule::cmp_expr => self.comparison(p),
            Rule::unary_expr => self.unary(p),
            Rule::postfix_expr => self.postfix(p),
            _ => self.primary(p),
        }
    }

    /// `a op b op c` folded left.
    fn binary_chain(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&p);
        let parts = children(p);
        if parts.len() == 1 {
            return self.expr(parts.into_iter().next().expect("one part"));
        }
        let levels = parts.len() / 2;
        self.descend(levels, span)?;
        let mut it = parts.into_iter();
        let mut left = self.expr(
            it.next()
                .ok_or_else(|| Diagnostic::internal("parser", "chain"))?,
        )?;
        while let (Some(op), Some(rhs)) = (it.next(), it.next()) {
            let op = binary_op(&op)?;
            let right = self.expr(rhs)?;
            left = binary(op, left, right);
        }
        self.ascend(levels);
        Ok(left)
    }

    /// `a`, `a == b`, `a in (...)`, `a between (x .. y)`, `a has_any (...)`.
    fn comparison(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&p);
        let parts = children(p);
        if parts.len() == 1 {
            return self.expr(parts.into_iter().next().expect("one part"));
        }
        let levels = parts.len() - 1;
        self.descend(levels, span)?;
        let mut it = parts.into_iter();
        let mut left = self.expr(
            it.next()
                .ok_or_else(|| Diagnostic::internal("parser", "cmp"))?,
        )?;
        for tail in it {
            let end = span_of(&tail).end;
            let whole = Span::new(left.span.start, end);
            let kind = match tail.as_rule() {
                Rule::binary_tail => {
                    let mut t = children(tail).into_iter();
                    let (Some(op), Some(rhs)) = (t.next(), t.next()) else {
                        return Err(Diagnostic::internal("parser", "binary tail"));
                    };
                    let op = binary_op(&op)?;
                    let right = self.expr(rhs)?;
                    left = binary(op, left, right);
                    continue;
                }
                Rule::in_tail => {
                    let mut t = children(tail).into_iter();
                    let op = in_op(t.next().map(|o| o.as_str()).unwrap_or("in"));
                    let list = t.map(|i| self.expr(i)).collect::<Result<Vec<_>>>()?;
                    ExprKind::In {
                        expr: Box::new(left),
                        op,
                        list,
                    }
                }
                Rule::between_tail => {
                    let mut t = children(tail).into_iter();
                    let (Some(op), Some(lo), Some(hi)) = (t.next(), t.next(), t.next()) else {
                        return Err(Diagnostic::internal("parser", "between"));
                    };
                    ExprKind::Between {
                        expr: Box::new(left),
                        low: Box::new(self.expr(lo)?),
                        high: Box::new(self.expr(hi)?),
                        negated: op.as_str() != "between",
                    }
                }
                Rule::has_list_tail => {
                    let mut t = children(tail).into_iter();
                    let op = has_list_op(t.next().map(|o| o.as_str()).unwrap_or("has_any"));
                    let list = t.map(|i| self.expr(i)).collect::<Result<Vec<_>>>()?;
                    ExprKind::HasAnyAll {
                        expr: Box::new(left),
                        op,
                        list,
                    }
                }
                _ => return Err(shape(&tail)),
            };
            left = Expr { kind, span: whole };
        }
        self.ascend(levels);
        Ok(left)
    }

    /// `-x`, `+x`, `- -x`; a minus directly on a number literal folds into it.
    fn unary(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&p);
        let mut parts = children(p);
        let operand = parts
            .pop()
            .ok_or_else(|| Diagnostic::internal("parser", "unary"))?;
        if parts.is_empty() {
            return self.expr(operand);
        }
        self.descend(parts.len(), span)?;
        let mut e = self.expr(operand)?;
        for op in parts.iter().rev() {
            let start = span_of(op).start;
            let whole = Span::new(start, e.span.end);
            let is_neg = op.as_str() == "-";
            let folded = match &e.kind {
                ExprKind::Literal(lit) if is_neg => literal::negate(lit, whole)?,
                _ => None,
            };
            if let Some(neg) = folded {
                e = Expr {
                    kind: ExprKind::Literal(neg),
                    span: whole,
                };
                continue;
            }
            let op = if is_neg { UnaryOp::Neg } else { UnaryOp::Plus };
            e = Expr {
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(e),
                },
                span: whole,
            };
        }
        self.ascend(parts.len());
        Ok(e)
    }

    /// `x.y`, `x['y']`, `x[0]`, `x.f(args)` chains.
    fn postfix(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&p);
        let parts = children(p);
        let levels = parts.len().saturating_sub(1);
        if levels == 0 {
            return self.expr(parts.into_iter().next().expect("primary"));
        }
        self.descend(levels, span)?;
        let mut it = parts.into_iter();
        let mut e = self.expr(it.next().expect("primary"))?;
        for post in it {
            let whole = Span::new(e.span.start, span_of(&post).end);
            let kind = match post.as_rule() {
                Rule::member => self.member(post, e)?,
                Rule::index | Rule::dot_index => {
                    let inner = children(post).into_iter().next();
                    let index =
                        self.expr(inner.ok_or_else(|| Diagnostic::internal("parser", "index"))?)?;
                    match index.kind {
                        ExprKind::Literal(Literal::String(s)) => ExprKind::Member {
                            target: Box::new(e),
                            name: Ident {
                                name: s,
                                span: index.span,
                            },
                        },
                        _ => ExprKind::Index {
                            target: Box::new(e),
                            index: Box::new(index),
                        },
                    }
                }
                _ => return Err(shape(&post)),
            };
            e = Expr { kind, span: whole };
        }
        self.ascend(levels);
        Ok(e)
    }

    /// `.name`, `.['name']`, or `.name(args)`: a method-style call (`cluster('c').database('d')`)
    /// becomes `name(target, args...)`.
    fn member(&mut self, p: Pair<'_, Rule>, target: Expr) -> Result<ExprKind> {
        let is_call = p.clone().into_inner().any(|c| c.as_rule() == Rule::lparen);
        let mut it = children(p).into_iter();
        let name_pair = it
            .next()
            .ok_or_else(|| Diagnostic::internal("parser", "member"))?;
        let name = match name_pair.as_rule() {
            Rule::bracket_name => self.bracket_name(name_pair)?,
            _ => Ident {
                name: name_pair.as_str().to_string(),
                span: span_of(&name_pair),
            },
        };
        if !is_call {
            return Ok(ExprKind::Member {
                target: Box::new(target),
                name,
            });
        }
        let target_span = target.span;
        let mut args = vec![Arg {
            name: None,
            value: target,
            span: target_span,
        }];
        for a in it {
            args.push(self.arg(a)?);
        }
        Ok(ExprKind::Call(Call { name, args }))
    }

    fn primary(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&p);
        let kind = match p.as_rule() {
            Rule::paren_expr => {
                let inner = children(p).into_iter().next();
                let inner = inner.ok_or_else(|| Diagnostic::internal("parser", "parens"))?;
                let mut e = self.pipe_expr(inner)?;
                e.span = span;
                return Ok(e);
            }
            Rule::name | Rule::any_name => ExprKind::Name(self.any_name(p)?),
            Rule::join_side => ExprKind::JoinSide(if p.as_str() == "$left" {
                JoinSide::Left
            } else {
                JoinSide::Right
            }),
            Rule::call => ExprKind::Call(self.call(p)?),
            Rule::star | Rule::star_arg => ExprKind::Star,
            Rule::wild_table => ExprKind::Name(Ident {
                name: p.as_str().to_string(),
                span,
            }),
            _ => ExprKind::Literal(literal::literal(p)?),
        };
        Ok(Expr { kind, span })
    }

    fn call(&mut self, p: Pair<'_, Rule>) -> Result<Call> {
        let span = span_of(&p);
        let mut it = children(p).into_iter();
        let name = self.any_name(
            it.next()
                .ok_or_else(|| Diagnostic::internal("parser", "call"))?,
        )?;
        self.descend(1, span)?;
        let args = it.map(|a| self.arg(a)).collect::<Result<Vec<_>>>()?;
        self.ascend(1);
        Ok(Call { name, args })
    }

    fn arg(&mut self, p: Pair<'_, Rule>) -> Result<Arg> {
        let span = span_of(&p);
        let mut parts = children(p);
        let value = parts
            .pop()
            .ok_or_else(|| Diagnostic::internal("parser", "argument"))?;
        let name = parts.pop().map(|n| self.any_name(n)).transpose()?;
        Ok(Arg {
            name,
            value: self.expr(value)?,
            span,
        })
    }

    /// `name`, `any_name`, `ident`, `bracket_name` → an identifier.
    pub(super) fn any_name(&mut self, p: Pair<'_, Rule>) -> Result<Ident> {
        match p.as_rule() {
            Rule::name | Rule::any_name => {
                let inner = children(p).into_iter().next();
                self.any_name(inner.ok_or_else(|| Diagnostic::internal("parser", "name"))?)
            }
            Rule::bracket_name => self.bracket_name(p),
            _ => Ok(Ident {
                name: p.as_str().to_string(),
                span: span_of(&p),
            }),
        }
    }

    /// `['name']` / `["name"]`.
    fn bracket_name(&mut self, p: Pair<'_, Rule>) -> Result<Ident> {
        let span = span_of(&p);
        let s = children(p).into_iter().next();
        let s = s.ok_or_else(|| Diagnostic::internal("parser", "bracket name"))?;
        Ok(Ident {
            name: literal::string(s)?,
            span,
        })
    }

    /// `[name =] expr` or `(a, b) = expr`.
    pub(super) fn named_expr(&mut self, p: Pair<'_, Rule>) -> Result<NamedExpr> {
        let span = span_of(&p);
        let mut parts = children(p);
        let expr = parts
            .pop()
            .ok_or_else(|| Diagnostic::internal("parser", "named expr"))?;
        let names = parts
            .into_iter()
            .map(|n| self.any_name(n))
            .collect::<Result<Vec<_>>>()?;
        Ok(NamedExpr {
            names,
            expr: self.expr(expr)?,
            span,
        })
    }

    /// An operator option value: a literal or a bare name.
    pub(super) fn param_value(&mut self, p: Pair<'_, Rule>) -> Result<Expr> {
        match p.as_rule() {
            Rule::any_name | Rule::ident | Rule::bracket_name => {
                let span = span_of(&p);
                Ok(Expr {
                    kind: ExprKind::Name(self.any_name(p)?),
                    span,
                })
            }
            _ => self.primary(p),
        }
    }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr {
        kind: ExprKind::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        },
        span,
    }
}

fn binary_op(p: &Pair<'_, Rule>) -> Result<BinaryOp> {
    let t = p.as_str();
    Ok(match t {
        "or" => BinaryOp::Or,
        "and" => BinaryOp::And,
        "==" => BinaryOp::Eq,
        "!=" | "<>" => BinaryOp::NotEq,
        "=~" => BinaryOp::EqTilde,
        "!~" => BinaryOp::NotEqTilde,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::LtEq,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::GtEq,
        "+" => BinaryOp::Add,
        "-" => BinaryOp::Sub,
        "*" => BinaryOp::Mul,
        "/" => BinaryOp::Div,
        "%" => BinaryOp::Mod,
        ":" => BinaryOp::Str(StrOp {
            kind: StrOpKind::Has,
            negated: false,
            case_sensitive: false,
        }),
        _ => BinaryOp::Str(str_op(t).ok_or_else(|| shape(p))?),
    })
}

/// `has`, `!contains_cs`, `notlike`, `matches regex`, ... as a [`StrOp`].
pub(super) fn str_op(text: &str) -> Option<StrOp> {
    if text.starts_with("matches") {
        return Some(StrOp {
            kind: StrOpKind::MatchesRegex,
            negated: false,
            case_sensitive: true,
        });
    }
    let (negated, rest) = if let Some(r) = text.strip_prefix('!') {
        (true, r)
    } else if let Some(r) = text.strip_prefix("not") {
        (true, r)
    } else {
        (false, text)
    };
    let (case_sensitive, base) = if let Some(b) = rest.strip_suffix("_cs") {
        (true, b)
    } else if let Some(b) = rest.strip_suffix("scs") {
        // `containscs`, `notcontainscs`
        (true, &rest[..b.len() + 1])
    } else {
        (false, rest)
    };
    let kind = match base {
        "has" => StrOpKind::Has,
        "contains" => StrOpKind::Contains,
        "startswith" => StrOpKind::StartsWith,
        "endswith" => StrOpKind::EndsWith,
        "hasprefix" => StrOpKind::HasPrefix,
        "hassuffix" => StrOpKind::HasSuffix,
        "like" => StrOpKind::Like,
        _ => return None,
    };
    Some(StrOp {
        kind,
        negated,
        case_sensitive,
    })
}

fn in_op(text: &str) -> InOp {
    match text {
        "!in" => InOp::NotIn,
        "in~" => InOp::InCi,
        "!in~" => InOp::NotInCi,
        _ => InOp::In,
    }
}

fn has_list_op(text: &str) -> HasListOp {
    match text {
        "has_all" => HasListOp::HasAll,
        "has_any_cs" => HasListOp::HasAnyCs,
        "has_all_cs" => HasListOp::HasAllCs,
        _ => HasListOp::HasAny,
    }
}

#[cfg(test)]
mod tests {
    use crate::printer::print_sexpr;
    use crate::{Span, parse_expr};

    fn sx(src: &str) -> String {
        print_sexpr(&parse_expr(src).unwrap_or_else(|d| panic!("{src}: {}", d.render(src, "test"))))
    }

    #[test]
    fn precedence_levels() {
        assert_eq!(sx("a or b and c"), "(or a (and b c))");
        assert_eq!(sx("a and b or c"), "(or (and a b) c)");
        assert_eq!(sx("not(a) and b"), "(and (call not a) b)");
        assert_eq!(sx("-x.y"), "(neg (. x y))");
        assert_eq!(sx("a + b * c"), "(+ a (* b c))");
        assert_eq!(sx("(a + b) * c"), "(* (+ a b) c)");
        assert_eq!(sx("a - b - c"), "(- (- a b) c)");
        assert_eq!(sx("a / b % c * d"), "(* (% (/ a b) c) d)");
        assert_eq!(sx("a + 1 == b * 2 and c"), "(and (== (+ a 1) (* b 2)) c)");
        assert_eq!(
            sx("x > 1 or y < 2 and z == 3"),
            "(or (> x 1) (and (< y 2) (== z 3)))"
        );
        assert_eq!(
            sx("a in (1) and b between (1 .. 2)"),
            "(and (in a 1) (between b 1 2))"
        );
        assert_eq!(sx("a + b in (c)"), "(in (+ a b) c)");
        assert_eq!(sx("- - x"), "(neg (neg x))");
        assert_eq!(sx("+x"), "(plus x)");
        assert_eq!(sx("-5"), "-5");
        assert_eq!(sx("-1.5"), "real(-1.5)");
        assert_eq!(sx("-1d"), "timespan(-1.00:00:00)");
        assert_eq!(sx("a - -1"), "(- a -1)");
        assert_eq!(sx("1 == 1 == true"), "(== (== 1 1) true)");
    }

    #[test]
    fn comparison_and_string_operators() {
        for (op, printed) in [
            ("==", "=="),
            ("!=", "!="),
            ("<>", "!="),
            ("=~", "=~"),
            ("!~", "!~"),
            ("<", "<"),
            ("<=", "<="),
            (">", ">"),
            (">=", ">="),
            ("has", "has"),
            ("!has", "!has"),
            ("has_cs", "has_cs"),
            ("!has_cs", "!has_cs"),
            ("contains", "contains"),
            ("!contains", "!contains"),
            ("contains_cs", "contains_cs"),
            ("!contains_cs", "!contains_cs"),
            ("containscs", "contains_cs"),
            ("notcontains", "!contains"),
            ("notcontainscs", "!contains_cs"),
            ("startswith", "startswith"),
            ("!startswith", "!startswith"),
            ("startswith_cs", "startswith_cs"),
            ("!startswith_cs", "!startswith_cs"),
            ("endswith", "endswith"),
            ("!endswith", "!endswith"),
            ("endswith_cs", "endswith_cs"),
            ("!endswith_cs", "!endswith_cs"),
            ("hasprefix", "hasprefix"),
            ("!hasprefix", "!hasprefix"),
            ("hasprefix_cs", "hasprefix_cs"),
            ("!hasprefix_cs", "!hasprefix_cs"),
            ("hassuffix", "hassuffix"),
            ("!hassuffix", "!hassuffix"),
            ("hassuffix_cs", "hassuffix_cs"),
            ("!hassuffix_cs", "!hassuffix_cs"),
            ("like", "like"),
            ("notlike", "notlike"),
            ("like_cs", "like_cs"),
            ("notlike_cs", "notlike_cs"),
            ("matches regex", "matches regex"),
            ("matches\n  regex", "matches regex"),
        ] {
            assert_eq!(
                sx(&format!("a {op} 'x'")),
                format!("({printed} a \"x\")"),
                "{op}"
            );
        }
        assert_eq!(sx("Col:\"x\""), "(has Col \"x\")");
    }

    #[test]
    fn in_between_and_has_lists() {
        assert_eq!(sx("a in ('x', 'y')"), "(in a \"x\" \"y\")");
        assert_eq!(sx("a !in (1)"), "(!in a 1)");
        assert_eq!(sx("a in~ ('x')"), "(in~ a \"x\")");
        assert_eq!(sx("a !in~('x')"), "(!in~ a \"x\")");
        assert_eq!(sx("a in (T | project b)"), "(in a (| T project))");
        assert_eq!(sx("a in (dynamic([1]))"), "(in a dynamic([1]))");
        assert_eq!(sx("a in ()"), "(in a)");
        assert_eq!(sx("t !between (1 .. 2)"), "(!between t 1 2)");
        assert_eq!(
            sx("t between(ago(1d)..now())"),
            "(between t (call ago timespan(1.00:00:00)) (call now))"
        );
        assert_eq!(sx("s has_any ('a', 'b')"), "(has_any s \"a\" \"b\")");
        assert_eq!(sx("s has_all (list)"), "(has_all s list)");
        assert_eq!(sx("s has_any_cs ('a')"), "(has_any_cs s \"a\")");
        assert_eq!(sx("s has_all_cs ('a')"), "(has_all_cs s \"a\")");
    }

    #[test]
    fn members_indexes_and_chains() {
        assert_eq!(sx("x.y"), "(. x y)");
        assert_eq!(sx("x['y']"), "(. x y)");
        assert_eq!(sx("x[\"a b\"]"), "(. x a b)");
        assert_eq!(sx("x[0]"), "([] x 0)");
        assert_eq!(sx("x[-1]"), "([] x -1)");
        assert_eq!(sx("x[i]"), "([] x i)");
        assert_eq!(sx("x.a[0].b"), "(. ([] (. x a) 0) b)");
        assert_eq!(sx("x.[0].['b']"), "(. ([] x 0) b)");
        assert_eq!(sx("$left.Id"), "(. $left Id)");
        assert_eq!(sx("$right['Id']"), "(. $right Id)");
        assert_eq!(sx("x.type.count"), "(. (. x type) count)");
        assert_eq!(sx("f(x).y[1]"), "([] (. (call f x) y) 1)");
        assert_eq!(
            sx("cluster('c').database('d').T"),
            "(. (call database (call cluster \"c\") \"d\") T)"
        );
    }

    #[test]
    fn calls_and_arguments() {
        assert_eq!(sx("f()"), "(call f)");
        assert_eq!(
            sx("f(a, name=b, other = 2)"),
            "(call f a (= name b) (= other 2))"
        );
        assert_eq!(sx("count(*)"), "(call count *)");
        assert_eq!(sx("arg_max(t, *)"), "(call arg_max t *)");
        assert_eq!(sx("not(x)"), "(call not x)");
        assert_eq!(
            sx("materialize(T | where x > 1)"),
            "(call materialize (| T where))"
        );
        assert_eq!(
            sx("toscalar(T | summarize count())"),
            "(call toscalar (| T summarize))"
        );
        assert_eq!(sx("table('T')"), "(call table \"T\")");
        assert_eq!(sx("f (x)"), "(call f x)");
        assert_eq!(sx("['weird name'](1)"), "(call weird name 1)");
    }

    #[test]
    fn names() {
        assert_eq!(sx("['Column With Space']"), "Column With Space");
        assert_eq!(sx("[\"x\"]"), "x");
        assert_eq!(sx("type == kind"), "(== type kind)");
        assert_eq!(sx("$table"), "$table");
        assert_eq!(sx("_Underscore1"), "_Underscore1");
        assert_eq!(sx("élan"), "élan");
    }

    #[test]
    fn spans_cover_the_source() {
        let e = parse_expr("(a + b) * c").unwrap();
        assert_eq!(e.span, Span::new(0, 11));
        let crate::ast::ExprKind::Binary { left, .. } = e.kind else {
            panic!()
        };
        assert_eq!(
            left.span,
            Span::new(0, 7),
            "parentheses are part of the span"
        );
        let e = parse_expr("f(x) // trailing comment\n").unwrap();
        assert_eq!(e.span, Span::new(0, 4));
    }
}
