//! # kql-planner — stages 3–4: bind (AST → typed bound IR) and lower (bound IR → DataFusion plan)
//!
//! The binder resolves names against a [`Catalog`], gives every expression its
//! KQL type with Kusto's promotion and null rules, and names output columns
//! the Kusto way. Lowering turns the bound IR into a DataFusion `LogicalPlan`
//! with explicit casts. Upstream: kql-syntax (parse). Downstream: kql-engine
//! (runs the plan over the archive).

pub mod binder;
pub mod bound;
pub mod catalog;
pub mod lower;
pub mod types;

pub use binder::{BindOptions, bind};
pub use bound::{BExpr, BoundColumn, BoundScript, BoundTabular};
pub use catalog::{Catalog, ExternalDataRequest, MemoryTable, StaticCatalog, WorkspaceFunction};
pub use lower::lower;
pub use types::KqlType;
