//! `as Name`: names the tabular result so later statements can refer to it.

use super::super::LetBinding;
use super::Binder;
use crate::bound::BoundTabular;
use kql_syntax::Diagnostic;
use kql_syntax::ast::Ident;

pub(crate) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    name: &Ident,
) -> Result<BoundTabular, Diagnostic> {
    b.define(&name.name, LetBinding::Tabular(input.clone()));
    Ok(input)
}
