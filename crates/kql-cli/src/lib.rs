//! kql-cli library half: the result renderers (`table`, `csv`, `json`, `ndjson`,
//! `parquet`) used by the `kql` binary.

pub mod render;
