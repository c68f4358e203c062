//! # kql-syntax — stage 1 of the pipeline: KQL text → typed AST
//!
//! `parse` turns a query text into a [`ast::Script`]; every node carries a
//! [`Span`]. Syntax errors are [`Diagnostic`]s that say in words what was
//! expected, with line, column and a caret under the source. The pest grammar
//! and its types are private to this crate: nothing downstream sees a pest
//! `Rule` or `Pair`, so the parser can be replaced without touching the binder.
//! [`printer`] renders the AST as an indented tree for snapshots and `explain`.
//!
//! Limits: brackets may nest [`MAX_NESTING`] deep and the built tree is at
//! most [`MAX_AST_DEPTH`] deep (counted conservatively), so later stages may
//! recurse over the AST without their own guard; deeper input is a
//! `KQL1001` diagnostic, never a stack overflow. Bad literal values
//! (`datetime(2026-13-45)`) are `KQL1002`.
//!
//! Downstream stages: kql-planner (bind, lower) → DataFusion → kql-cli (render).

pub mod ast;
pub mod blocks;
pub mod diagnostic;
mod parser;
pub mod printer;
pub mod span;

pub use diagnostic::{Code, Diagnostic};
pub use parser::{
    MAX_AST_DEPTH, MAX_NESTING, format_datetime, format_timespan, parse, parse_datetime, parse_expr,
};
pub use span::Span;
