//! kql-sentinel — Sentinel content around the engine: reads scheduled
//! analytic-rule YAML and ASIM parser YAML (as workspace functions), turns a
//! rule's result rows into alerts, and compares results with exports from
//! Sentinel / Log Analytics. Pure: no data access; the CLI runs the queries
//! through kql-engine and hands the rows here.
//!
//! - [`rule`]: rule YAML → [`Rule`] (query, schedule, trigger, entity
//!   mappings, custom details, alert details override, grouping).
//! - [`functions`]: parser YAML and `.kql` files → [`WorkspaceFunction`]s.
//! - [`alerts`]: a rule + its result rows → [`RuleOutcome`] with
//!   SecurityAlert-shaped [`Alert`]s.
//! - [`diff`]: result exports (CSV, Log Analytics / Kusto JSON, `kql run`
//!   JSON) → [`ResultTable`], and a typed comparison → [`Diff`].
//!
//! Every error is a [`SentinelError`] naming the file, field and line.

pub mod alerts;
pub mod diff;
mod error;
pub mod functions;
pub mod rule;
mod source;
mod time;

pub use alerts::{Alert, Entity, ResultTable, RuleOutcome, evaluate, render_text};
pub use diff::{Diff, compare, load_result};
pub use error::SentinelError;
pub use functions::{
    WorkspaceFunction, load_functions_dir, parse_kql_functions, parse_parser_yaml,
};
pub use rule::Rule;
pub use source::SourceOrigin;
