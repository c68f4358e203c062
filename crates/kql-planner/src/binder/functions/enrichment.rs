//! Enrichment functions that read data the user supplies to the workspace:
//! `geo_info_from_ip_address(ip)` (geo-info-from-ip-address-function.md)
//! looks the address up in the GeoIP database the catalog gives
//! ([`crate::Catalog::geoip`]); without one, binding fails with a message
//! that says what to supply.

use super::{arity, expect_string};
use crate::binder::Binder;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use kql_functions::geoip::geo_info_expr;
use kql_syntax::ast;
use kql_syntax::{Diagnostic, Span};

pub(super) const NAMES: &[&str] = &["geo_info_from_ip_address"];

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    let args = &call.args;
    arity(name, args, 1, 1, span)?;
    let v = b.bind_scalar(&args[0].value, row)?;
    let ip = expect_string(name, v, args[0].value.span)?;
    let db = b.catalog.geoip(span)?;
    Ok(BExpr::new(geo_info_expr(db, ip), KqlType::Dynamic))
}
