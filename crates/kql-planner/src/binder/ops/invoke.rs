//! `T | invoke f(a, b)` (invoke-operator.md): call the function `f` with `T`
//! as its first, tabular, argument, followed by `a, b`. `f` is a `let`
//! function or a workspace function.

use super::super::LetBinding;
use super::Binder;
use crate::bound::BoundTabular;
use kql_syntax::ast::{self, Arg, ExprKind, FunctionDef, Ident, ParamType};
use kql_syntax::{Code, Diagnostic, Span};

/// The `let` name the piped-in table is bound to while the call is bound.
const INPUT: &str = "__kql_invoke_input";

fn first_param_is_tabular(f: &FunctionDef) -> bool {
    matches!(
        f.params.first().map(|p| &p.ty),
        Some(ParamType::Tabular { .. })
    )
}

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    call: &ast::Expr,
    span: Span,
) -> Result<BoundTabular, Diagnostic> {
    let (name, args): (&Ident, &[Arg]) = match &call.kind {
        ExprKind::Call(c) => (&c.name, &c.args),
        ExprKind::Name(id) => (id, &[]),
        _ => {
            return Err(Diagnostic::at(
                Code::Syntax,
                call.span,
                "`invoke` needs a function call, e.g. `| invoke f(1)`",
            ));
        }
    };
    let local = match b.lookup_let(&name.name) {
        Some(LetBinding::Function(f)) => Some(f.clone()),
        _ => None,
    };
    let workspace = match local {
        Some(_) => None,
        None => b.workspace_function(&name.name),
    };
    let def: &FunctionDef = match (&local, &workspace) {
        (Some(f), _) => f,
        (None, Some(w)) => &w.def,
        // Defender's built-in `FileProfile()`
        (None, None) if name.name == super::file_profile::NAME => {
            return super::file_profile::bind(b, input, name.span, args, span);
        }
        (None, None) => {
            return Err(Diagnostic::at(
                Code::UnknownFunction,
                name.span,
                format!("unknown function '{}'", name.name),
            )
            .with_hint("`invoke` calls a function defined with `let f = (T:(*), ...) { ... };`"));
        }
    };
    if !first_param_is_tabular(def) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            name.span,
            format!(
                "function '{}' cannot be invoked: its first parameter is not a table",
                name.name
            ),
        )
        .with_hint("declare the first parameter as a table, e.g. `let f = (T:(*)) { T | ... };`"));
    }
    // The piped table becomes the first (positional) argument.
    b.define(INPUT, LetBinding::Tabular(input));
    let mut all_args = vec![Arg {
        name: None,
        value: ast::Expr {
            kind: ExprKind::Name(Ident {
                name: INPUT.to_string(),
                span,
            }),
            span,
        },
        span,
    }];
    all_args.extend(args.iter().cloned());
    let result = match (&local, &workspace) {
        (Some(f), _) => b.call_user_function(&name.name, f, &all_args, &[], span),
        (None, Some(w)) => b.call_workspace_function(w, &all_args, &[], span),
        (None, None) => unreachable!("checked above"),
    };
    result?.into_tabular(span)
}
