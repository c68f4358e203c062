//! Runtime pieces of tabular operators that DataFusion has no builtin for.
//!
//! * [`parse`]: `kql_parse(text, regex, spec)`, one regex match per row for
//!   the `parse` / `parse-where` operators, returning every parsed column at
//!   once as a struct;
//! * [`expand`]: `kql_mv_expand(json, array_bags, limit)` turns a dynamic
//!   value into the Arrow list of its top-level items (what `mv-expand` and
//!   `mv-apply` unnest), and `kql_mv_expand_index(lists...)` the list of
//!   item positions (`with_itemindex`).

pub mod expand;
pub mod parse;

pub use expand::{MvExpandIndexUdf, MvExpandUdf, mv_expand_expr, mv_expand_index_expr};
pub use parse::{
    ParseFieldUdf, ParseKind, ParseSpec, ParseType, ParseUdf, PatternPart, build_regex, parse_expr,
    parse_field_expr,
};

use datafusion::logical_expr::ScalarUDF;

/// The UDFs of this module, for registration in a session.
pub fn all_tabular_udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(ParseUdf::default()),
        ScalarUDF::from(ParseFieldUdf::default()),
        ScalarUDF::from(MvExpandUdf::default()),
        ScalarUDF::from(MvExpandIndexUdf::default()),
    ]
}
