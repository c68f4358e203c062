//! Kusto's names for output columns nobody named.
//!
//! `project a.b` → `a_b`, `summarize count()` → `count_`, `sum(x)` → `sum_x`,
//! `by bin(TimeGenerated, 1h)` → `TimeGenerated`, `extend strlen(Name)` →
//! `strlen_Name`, anything else → `Column1`, `Column2`, ...; `print` →
//! `print_0`, `print_1`, ...
//!
//! The function rules are Kusto.Language's result-name kinds (Functions.cs
//! `WithResultNameKind`, applied in Binder_Projection.cs
//! `GetFunctionResultName`), which that library syncs from the service.

use kql_syntax::ast::{Call, Expr, ExprKind, Literal};

/// How a function call names its unnamed result column.
enum ResultName {
    /// The name of the first argument: `tostring(x)` → `x`.
    FirstArgument,
    /// The name of the argument when there is exactly one.
    OnlyArgument,
    /// `prefix_` + the name of the first argument: `strlen(s)` → `strlen_s`.
    PrefixAndFirstArgument(&'static str),
    /// A fixed name.
    Fixed(&'static str),
    /// `column_ifexists("c", d)` is `c` when the column exists.
    FirstArgumentValueIfColumn,
}

fn result_name(function: &str) -> Option<ResultName> {
    use ResultName::*;
    Some(match function {
        "tostring"
        | "tohex"
        | "todynamic"
        | "toobject"
        | "tolong"
        | "toint"
        | "toreal"
        | "todouble"
        | "todatetime"
        | "totimespan"
        | "totime"
        | "tobool"
        | "toboolean"
        | "todecimal"
        | "toguid"
        | "split"
        | "parse_csv"
        | "parsejson"
        | "parse_json"
        | "parse_xml"
        | "format_datetime"
        | "format_timespan"
        | "startofday"
        | "bin"
        | "floor"
        | "bin_at"
        | "bin_auto"
        | "binary_and"
        | "binary_or"
        | "binary_xor"
        | "binary_not"
        | "binary_shift_right"
        | "binary_shift_left"
        | "bitset_count_ones"
        | "series_fir"
        | "series_iir"
        | "series_outliers"
        | "series_fill_backward"
        | "series_fill_forward"
        | "series_fill_const"
        | "series_fill_linear"
        | "round"
        | "ceiling"
        | "pow"
        | "sqrt"
        | "log"
        | "log2"
        | "log10"
        | "exp"
        | "exp2"
        | "exp10"
        | "cos"
        | "sin"
        | "tan"
        | "acos"
        | "asin"
        | "atan"
        | "atan2"
        | "abs"
        | "rand"
        | "gamma"
        | "loggamma"
        | "erf"
        | "erfc"
        | "format_bytes" => FirstArgument,
        "make_datetime" | "make_timespan" => OnlyArgument,
        "strlen" => PrefixAndFirstArgument("strlen"),
        "string_size" => PrefixAndFirstArgument("string_size"),
        "dcount_hll" => PrefixAndFirstArgument("dcount_hll"),
        "percentile_tdigest" | "percentiles_array_tdigest" => {
            PrefixAndFirstArgument("percentile_tdigest")
        }
        "gettype" => PrefixAndFirstArgument("type"),
        "treepath" => PrefixAndFirstArgument("tree"),
        "repeat" => PrefixAndFirstArgument("repeat"),
        "tdigest_merge" | "merge_tdigest" => Fixed("tdigests_merge_result"),
        "hll_merge" => Fixed("hll_merged_result"),
        "ingestion_time" => Fixed("$IngestionTime"),
        "column_ifexists" | "columnifexists" => FirstArgumentValueIfColumn,
        _ => return None,
    })
}

/// Names derived from the expression's shape, when Kusto derives one.
pub(crate) fn derived_name(e: &Expr) -> Option<String> {
    derived_name_in(e, &|_| false)
}

/// [`derived_name`] over a row: `has_column` says which columns exist (for
/// `column_ifexists`).
pub(crate) fn derived_name_in(e: &Expr, has_column: &dyn Fn(&str) -> bool) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Member { target, name } => Some(format!(
            "{}_{}",
            derived_name_in(target, has_column)?,
            name.name
        )),
        ExprKind::Index { target, index } => match &index.kind {
            ExprKind::Literal(Literal::String(s)) => {
                Some(format!("{}_{}", derived_name_in(target, has_column)?, s))
            }
            ExprKind::Literal(Literal::Long(i)) if *i >= 0 => {
                Some(format!("{}_{}", derived_name_in(target, has_column)?, i))
            }
            _ => None,
        },
        ExprKind::Call(c) => call_name(c, has_column),
        _ => None,
    }
}

/// The name of an unnamed projected expression when other columns of the
/// projection hold `taken` names: the derived name, with a numeric suffix
/// when it is already taken and was derived from a computed value
/// (`project round(x), sqrt(x)` → `x`, `x1`: Kusto's ProjectionBuilder adds
/// such a column under a unique name); a column reference keeps its name.
pub(crate) fn derived_unique_name(
    e: &Expr,
    has_column: &dyn Fn(&str) -> bool,
    taken: impl Fn(&str) -> bool,
) -> Option<String> {
    let n = derived_name_in(e, has_column)?;
    Some(if matches!(e.kind, ExprKind::Name(_)) {
        n
    } else {
        unique_name(n, taken)
    })
}

fn call_name(c: &Call, has_column: &dyn Fn(&str) -> bool) -> Option<String> {
    // `toint(Compliant = dcountif(...))` is named `Compliant`.
    let arg_name = |i: usize| {
        let a = c.args.get(i)?;
        match &a.name {
            Some(n) => Some(n.name.clone()),
            None => derived_name_in(&a.value, has_column),
        }
    };
    match result_name(&c.name.name)? {
        ResultName::FirstArgument => arg_name(0),
        ResultName::OnlyArgument if c.args.len() == 1 => arg_name(0),
        ResultName::OnlyArgument => None,
        // Kusto.Language joins the prefix to a missing name too: `strlen("a")`
        // is `strlen_`.
        ResultName::PrefixAndFirstArgument(prefix) => {
            Some(format!("{prefix}_{}", arg_name(0).unwrap_or_default()))
        }
        ResultName::Fixed(name) => Some(name.to_string()),
        ResultName::FirstArgumentValueIfColumn => match &c.args.first()?.value.kind {
            ExprKind::Literal(Literal::String(col)) if has_column(col) => Some(col.clone()),
            _ => None,
        },
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
