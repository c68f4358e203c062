//! `render chart [with (...)]`: how a client draws the result. The rows are
//! the input's, unchanged (Kusto returns the same table, with the chart
//! kind as result metadata); an unknown chart kind is an error, as in Kusto.

use crate::bound::BoundTabular;
use kql_syntax::ast::Ident;
use kql_syntax::{Code, Diagnostic};

/// The visualizations of render-operator.md.
const CHARTS: &[&str] = &[
    "anomalychart",
    "areachart",
    "barchart",
    "card",
    "columnchart",
    "ladderchart",
    "linechart",
    "piechart",
    "pivotchart",
    "scatterchart",
    "stackedareachart",
    "table",
    "timechart",
    "timepivot",
    "treemap",
    "3Dchart",
    "list",
];

pub(crate) fn bind(input: BoundTabular, chart: &Ident) -> Result<BoundTabular, Diagnostic> {
    if !CHARTS.iter().any(|c| c.eq_ignore_ascii_case(&chart.name)) {
        return Err(Diagnostic::at(
            Code::BadArgument,
            chart.span,
            format!("'{}' is not a visualization `render` knows", chart.name),
        )
        .with_hint(format!("use one of: {}", CHARTS.join(", "))));
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bound::{BoundColumn, BoundOp};
    use crate::types::KqlType;
    use kql_syntax::Span;

    fn input() -> BoundTabular {
        BoundTabular {
            op: BoundOp::Scan {
                table: "T".to_string(),
            },
            columns: vec![BoundColumn::new("a", KqlType::Long)],
        }
    }

    fn ident(name: &str) -> Ident {
        Ident {
            name: name.to_string(),
            span: Span::new(0, name.len()),
        }
    }

    #[test]
    fn known_charts_pass_rows_through() {
        let out = bind(input(), &ident("timechart")).expect("timechart is known");
        assert_eq!(out.columns.len(), 1);
        assert!(bind(input(), &ident("PieChart")).is_ok());
    }

    #[test]
    fn an_unknown_chart_is_an_error() {
        let e = bind(input(), &ident("sparkles")).expect_err("unknown chart");
        assert_eq!(e.code, Code::BadArgument);
    }
}
