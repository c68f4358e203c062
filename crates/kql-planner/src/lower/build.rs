//! Plan-node constructors that resolve column names once per expression.
//!
//! DataFusion's `LogicalPlanBuilder::project` / `filter` / `aggregate` resolve
//! every column reference through `LogicalPlan::using_columns`, a walk of the
//! whole input plan, once per reference. An ASIM parser union projects a
//! hundred or more columns over a deep plan, so that walk made lowering
//! quadratic (most of a rule's planning time). Our plans never hold a
//! `JOIN ... USING` (joins are lowered with explicit key pairs), so there are
//! no using-columns to consult: these helpers resolve names against the input
//! schema alone and build the nodes directly, with the same checks.

use super::df_err;
use datafusion::common::DFSchema;
use datafusion::logical_expr::builder::validate_unique_names;
use datafusion::logical_expr::expr_rewriter::normalize_col_with_schemas_and_ambiguity_check;
use datafusion::logical_expr::utils::columnize_expr;
use datafusion::logical_expr::{
    Aggregate, Expr, Filter, LogicalPlan, LogicalPlanBuilder, Projection,
};
use kql_syntax::Diagnostic;
use std::sync::Arc;

/// Qualify the column references of `e` against `schema`.
fn resolve(e: Expr, schema: &DFSchema) -> Result<Expr, Diagnostic> {
    normalize_col_with_schemas_and_ambiguity_check(e, &[&[schema]], &[]).map_err(df_err)
}

/// The builder methods lowering uses, without the per-reference plan walk.
pub(crate) trait BuildExt: Sized {
    /// Project exactly `exprs` (names must be unique).
    fn select_exprs(self, exprs: impl IntoIterator<Item = Expr>) -> Result<Self, Diagnostic>;
    /// Keep the rows where `predicate` is true.
    fn keep(self, predicate: Expr) -> Result<Self, Diagnostic>;
    /// Group by `keys`, computing `aggregates`.
    fn group(
        self,
        keys: impl IntoIterator<Item = Expr>,
        aggregates: impl IntoIterator<Item = Expr>,
    ) -> Result<Self, Diagnostic>;
}

impl BuildExt for LogicalPlanBuilder {
    fn select_exprs(self, exprs: impl IntoIterator<Item = Expr>) -> Result<Self, Diagnostic> {
        let plan = self.build().map_err(df_err)?;
        let exprs = exprs
            .into_iter()
            .map(|e| columnize_expr(resolve(e, plan.schema())?, &plan).map_err(df_err))
            .collect::<Result<Vec<_>, _>>()?;
        validate_unique_names("Projections", exprs.iter()).map_err(df_err)?;
        let node = Projection::try_new(exprs, Arc::new(plan)).map_err(df_err)?;
        Ok(LogicalPlanBuilder::from(LogicalPlan::Projection(node)))
    }

    fn keep(self, predicate: Expr) -> Result<Self, Diagnostic> {
        let plan = self.build().map_err(df_err)?;
        let predicate = resolve(predicate, plan.schema())?;
        let node = Filter::try_new(predicate, Arc::new(plan)).map_err(df_err)?;
        Ok(LogicalPlanBuilder::from(LogicalPlan::Filter(node)))
    }

    fn group(
        self,
        keys: impl IntoIterator<Item = Expr>,
        aggregates: impl IntoIterator<Item = Expr>,
    ) -> Result<Self, Diagnostic> {
        let plan = self.build().map_err(df_err)?;
        let schema = plan.schema();
        let keys = keys
            .into_iter()
            .map(|e| resolve(e, schema))
            .collect::<Result<Vec<_>, _>>()?;
        let aggregates = aggregates
            .into_iter()
            .map(|e| resolve(e, schema))
            .collect::<Result<Vec<_>, _>>()?;
        let node = Aggregate::try_new(Arc::new(plan), keys, aggregates).map_err(df_err)?;
        Ok(LogicalPlanBuilder::from(LogicalPlan::Aggregate(node)))
    }
}
