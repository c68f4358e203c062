//! Aggregate UDFs (UDAFs) for `summarize`.
//!
//! * [`make_list`]: `make_list` / `make_set` (and their `_if` forms, which
//!   the binder builds by nulling the rows that fail the predicate).

pub mod make_list;

pub use make_list::{MakeListUdaf, make_list_expr};

use datafusion::logical_expr::AggregateUDF;

/// Every UDAF of this crate, for an engine that registers them by name
/// (plans carry the UDAF itself, so running a plan does not need this).
pub fn all_udafs() -> Vec<AggregateUDF> {
    vec![
        AggregateUDF::from(MakeListUdaf::new(false, make_list::MAX_SIZE)),
        AggregateUDF::from(MakeListUdaf::new(true, make_list::MAX_SIZE)),
    ]
}
