//! Miscellaneous scalar functions: the gzip / zlib base64 functions,
//! punycode, and `datetime_local_to_utc` / `datetime_utc_to_local`. The
//! UDFs of `kql_functions::compress` and `kql_functions::misc` do the work.

use super::{arity, expect_string};
use crate::binder::Binder;
use crate::binder::operators::type_error;
use crate::bound::{BExpr, BoundColumn};
use crate::types::KqlType;
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::cast;
use kql_functions::compress::compress_function_expr;
use kql_functions::misc::misc_function_expr;
use kql_syntax::ast;
use kql_syntax::{Diagnostic, Span};

// gzip_/zlib_compress_to_base64_string are refused (KNOWN_UNSUPPORTED):
// the kernel writes stored deflate blocks, which match the documented
// examples but not the bytes Kusto's compressor gives for larger inputs.
pub(super) const NAMES: &[&str] = &[
    "gzip_decompress_from_base64_string",
    "zlib_decompress_from_base64_string",
    "punycode_from_string",
    "punycode_to_string",
    "punycode_domain_from_string",
    "punycode_domain_to_string",
    "datetime_local_to_utc",
    "datetime_utc_to_local",
];

fn internal(name: &str) -> Diagnostic {
    Diagnostic::internal("bind", format!("no UDF for {name}"))
}

pub(super) fn bind(
    b: &mut Binder,
    name: &str,
    call: &ast::Call,
    row: &[BoundColumn],
    span: Span,
) -> Result<BExpr, Diagnostic> {
    if name == "punycode_domain_to_string" {
        // Its documented example encodes (Unicode in, `xn--` out), which
        // contradicts its name and description: refused until settled.
        return Err(Diagnostic::at(
            kql_syntax::Code::UnsupportedFunction,
            call.name.span,
            "function 'punycode_domain_to_string()' is not supported yet",
        )
        .with_hint("punycode_domain_from_string() and punycode_to_string() are supported"));
    }
    let args = &call.args;
    if name.starts_with("datetime_") {
        // (datetime, timezone)
        arity(name, args, 2, 2, span)?;
        let t = b.bind_scalar(&args[0].value, row)?;
        if t.ty != KqlType::DateTime {
            return Err(type_error(
                args[0].value.span,
                &format!("{name}() needs a datetime, got {}", t.ty.as_str()),
            ));
        }
        let tz = b.bind_scalar(&args[1].value, row)?;
        let tz = expect_string(name, tz, args[1].value.span)?;
        let e = misc_function_expr(name, vec![cast(t.expr, DataType::Int64), tz])
            .ok_or_else(|| internal(name))?;
        return Ok(BExpr::new(e, KqlType::DateTime));
    }
    arity(name, args, 1, 1, span)?;
    let s = b.bind_scalar(&args[0].value, row)?;
    let s = expect_string(name, s, args[0].value.span)?;
    let e = if name.starts_with("punycode") {
        misc_function_expr(name, vec![s])
    } else {
        compress_function_expr(name, vec![s])
    };
    Ok(BExpr::new(
        e.ok_or_else(|| internal(name))?,
        KqlType::String,
    ))
}
