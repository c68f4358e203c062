//! kql-functions — runtime pieces an executor links: KQL scalar UDFs, aggregates,
//! value formatting, the dynamic representation; no parser, no binder.

mod columnar;
pub mod dynamic;
pub mod format;
pub mod strings;
pub mod timespan;
pub mod tostring;

use datafusion::logical_expr::ScalarUDF;

/// Every UDF of this crate, for the engine to register in one place. A new
/// UDF module adds its functions here.
pub fn all_udfs() -> Vec<ScalarUDF> {
    let mut udfs = strings::all_string_match_udfs();
    udfs.push(ScalarUDF::from(tostring::ToStringUdf::default()));
    udfs.push(ScalarUDF::from(timespan::ToTimespanUdf::default()));
    udfs.extend(dynamic::all_dynamic_udfs());
    udfs
}
