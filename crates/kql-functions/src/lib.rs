//! kql-functions — runtime pieces an executor links: KQL scalar UDFs, aggregates,
//! value formatting, the dynamic representation; no parser, no binder.

pub mod aggregate;
pub mod beta;
mod columnar;
pub mod command_line;
pub mod compress;
pub mod convert;
pub mod datetime;
pub mod dynamic;
pub mod encoding;
pub mod format;
pub mod geo;
pub mod geoip;
pub mod ipv4;
pub mod ipv6;
pub mod math;
pub mod misc;
pub mod paths;
pub mod random;
pub mod re2;
pub mod regex_fns;
pub mod scalars;
pub mod series;
pub mod strings;
pub mod tabular;
pub mod timespan;
pub mod todatetime;
pub mod tostring;
mod typed_udf;
mod udf;
pub mod unixtime;
pub mod url;
pub mod user_agent;
pub mod xml;

use datafusion::logical_expr::ScalarUDF;

/// Every UDF of this crate, for the engine to register in one place. A new
/// UDF module adds its functions here.
pub fn all_udfs() -> Vec<ScalarUDF> {
    let mut udfs = strings::all_string_match_udfs();
    udfs.push(ScalarUDF::from(tostring::ToStringUdf::default()));
    udfs.push(ScalarUDF::from(timespan::ToTimespanUdf::default()));
    udfs.extend(dynamic::all_dynamic_udfs());
    udfs.extend(tabular::all_tabular_udfs());
    udfs.extend(regex_fns::all_regex_udfs());
    udfs.extend(url::all_url_udfs());
    udfs.extend(strings::text::all_text_udfs());
    udfs.extend(encoding::all_encoding_udfs());
    udfs.extend(ipv4::all_ipv4_udfs());
    udfs.extend(ipv6::all_ipv6_udfs());
    udfs.extend(compress::all_compress_udfs());
    udfs.extend(misc::all_misc_udfs());
    udfs.extend(command_line::all_command_line_udfs());
    udfs.extend(paths::all_path_udfs());
    udfs.extend(user_agent::all_user_agent_udfs());
    udfs.extend(xml::all_xml_udfs());
    udfs.extend(convert::all_convert_udfs());
    udfs.extend(scalars::all_scalar_udfs());
    udfs.extend(beta::all_beta_udfs());
    udfs.extend(unixtime::all_unixtime_udfs());
    udfs.extend(datetime::all_datetime_udfs());
    udfs.extend(math::all_math_udfs());
    udfs.extend(todatetime::all_todatetime_udfs());
    udfs.extend(geo::all_geo_udfs());
    udfs.extend(series::all_series_udfs());
    udfs.extend(aggregate::digest::all_digest_udfs());
    udfs.push(ScalarUDF::from(random::RandUdf::default()));
    udfs
}
