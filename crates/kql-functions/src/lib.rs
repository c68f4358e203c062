//! kql-functions — runtime pieces an executor links: KQL scalar UDFs, aggregates,
//! value formatting, the dynamic representation; no parser, no binder.

mod columnar;
pub mod dynamic;
pub mod format;
pub mod strings;
pub mod timespan;
pub mod tostring;
