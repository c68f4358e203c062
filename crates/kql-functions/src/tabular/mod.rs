//! Runtime pieces of tabular operators that DataFusion has no builtin for.
//!
//! * [`parse`]: `kql_parse(text, regex, spec)`, one regex match per row for
//!   the `parse` / `parse-where` operators, returning every parsed column at
//!   once as a struct;
//! * [`parse_kv`]: `kql_parse_kv(text, spec)`, the listed keys of a
//!   key/value text (`parse-kv`), as a struct of texts;
//! * [`row_window`]: the window function `kql_row_window_session` of
//!   `row_window_session()`;
//! * [`scan`]: the window function `kql_scan` that runs the steps of the
//!   `scan` operator over a partition's rows in order;
//! * [`expand`]: `kql_mv_expand(json, array_bags, limit)` turns a dynamic
//!   value into the Arrow list of its top-level items (what `mv-expand` and
//!   `mv-apply` unnest), and `kql_mv_expand_index(lists...)` the list of
//!   item positions (`with_itemindex`);
//! * [`series_fill`]: `kql_make_series_fill(entries, n, default)`, the dense
//!   array of one `make-series` series;
//! * [`ip_lookup`]: `kql_ip_lookup_rows(ip, ranges, v6)`, the lookup rows
//!   whose range holds an address (`ipv4_lookup` / `ipv6_lookup`).

pub mod expand;
pub mod ip_lookup;
pub mod parse;
pub mod parse_kv;
pub mod row_window;
pub mod scan;
pub mod series_fill;

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
        ScalarUDF::from(parse_kv::ParseKvUdf::default()),
        ScalarUDF::from(MvExpandUdf::default()),
        ScalarUDF::from(MvExpandIndexUdf::default()),
        ScalarUDF::from(series_fill::SeriesFillUdf::default()),
        ScalarUDF::from(ip_lookup::IpLookupRowsUdf::default()),
        ScalarUDF::from(ip_lookup::TruePositionsUdf::default()),
    ]
}
