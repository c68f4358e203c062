//! kql-cli library half: what the `kql` binary is made of besides argument
//! parsing — the result renderers (`table`, `csv`, `json`, `ndjson`,
//! `parquet`), `kql check`, `kql feeds`, and `kql rule run` / `kql diff`.

pub mod check;
pub mod feeds;
pub mod render;
pub mod rule;
