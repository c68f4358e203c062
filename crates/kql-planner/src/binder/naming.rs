//! Kusto's names for output columns nobody named.
//!
//! `project a.b` → `a_b`, `summarize count()` → `count_`, `sum(x)` → `sum_x`,
//! `by bin(TimeGenerated, 1h)` → `TimeGenerated`, anything else → `Column1`,
//! `Column2`, ...; `print` → `print_0`, `print_1`, ...

use kql_syntax::ast::{Expr, ExprKind, Literal};

/// Names derived from the expression's shape, when Kusto derives one.
pub(crate) fn derived_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Member { target, name } => {
            Some(format!("{}_{}", derived_name(target)?, name.name))
        }
        ExprKind::Index { target, index } => match &index.kind {
            ExprKind::Literal(Literal::String(s)) => {
                Some(format!("{}_{}", derived_name(target)?, s))
            }
            ExprKind::Literal(Literal::Long(i)) if *i >= 0 => {
                Some(format!("{}_{}", derived_name(target)?, i))
            }
            _ => None,
        },
        ExprKind::Call(c) => {
            // Conversions and binning keep the name of what they convert.
            const KEEPS_NAME: &[&str] = &[
                "bin",
                "floor",
                "tostring",
                "toint",
                "tolong",
                "todouble",
                "toreal",
                "todatetime",
                "totimespan",
                "tobool",
                "toboolean",
                "todynamic",
                "toguid",
                "todecimal",
                "parse_json",
                "todynamic",
                "bin_at",
            ];
            // The functions over digests prefix their argument's name
            // (dcount-hll-function.md: `dcount_hll(hllMerged)` →
            // `dcount_hll_hllMerged`; percentile-tdigest-function.md and
            // percentile-array-tdigest-function.md: `percentile_tdigest_<d>`).
            const PREFIXES_NAME: &[(&str, &str)] = &[
                ("dcount_hll", "dcount_hll"),
                ("percentile_tdigest", "percentile_tdigest"),
                ("percentiles_array_tdigest", "percentile_tdigest"),
            ];
            if KEEPS_NAME.contains(&c.name.name.as_str()) {
                // `toint(Compliant = dcountif(...))` is named `Compliant`.
                let first = c.args.first()?;
                match &first.name {
                    Some(n) => Some(n.name.clone()),
                    None => derived_name(&first.value),
                }
            } else if let Some((_, prefix)) = PREFIXES_NAME.iter().find(|(f, _)| *f == c.name.name)
            {
                let arg = c.args.first().and_then(|a| derived_name(&a.value))?;
                Some(format!("{prefix}_{arg}"))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `base`, or `base1`, `base2`, ... : the first that is not `taken`.
pub(crate) fn unique_name(base: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&base) {
        return base;
    }
    (1..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !taken(n))
        .expect("an unused name exists")
}

/// Hands out `Column1`, `Column2`, ... avoiding names already taken.
#[derive(Default)]
pub(crate) struct NameGen {
    next: usize,
}

impl NameGen {
    pub(crate) fn column(&mut self, taken: &dyn Fn(&str) -> bool) -> String {
        loop {
            self.next += 1;
            let n = format!("Column{}", self.next);
            if !taken(&n) {
                return n;
            }
        }
    }
}
