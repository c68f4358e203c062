//! The workspace options shared by `run`, `explain`, `rule run` and `feeds`
//! (`--feeds`, `--watchlists`, `--functions`): see [`Workspace::load`].

pub use kql_engine::workspace::sentinel_diagnostic;
