//! Functions over a table's schema: `column_names_of(T)`
//! (column-names-of-function.md): the names of T's columns, in order, as a
//! dynamic array. T is only bound, never run.

use super::super::eager::to_constant;
use super::{Binder, arity};
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::common::ScalarValue;
use kql_syntax::ast;
use kql_syntax::{Code, Diagnostic, Span};

pub(crate) const NAMES: &[&str] = &["column_names_of"];

pub(crate) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    _row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    arity(name, &call.args, 1, 1, span)?;
    let arg = &call.args[0].value;
    if !b.is_tabular(arg) {
        return Err(Diagnostic::at(
            Code::NotTabular,
            arg.span,
            format!(
                "{name}() needs a tabular expression (a table, a tabular let or a function call)"
            ),
        ));
    }
    let t = b.bind_tabular(arg)?;
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    let json = serde_json::to_string(&names).map_err(|e| Diagnostic::internal("bind", e))?;
    to_constant(ScalarValue::Utf8(Some(json)), KqlType::Dynamic, span)
}
