//! Aggregate UDFs (UDAFs) for `summarize`.
//!
//! * [`make_list`]: `make_list` / `make_set` (and their `_if` forms, which
//!   the binder builds by nulling the rows that fail the predicate).
//! * [`ordered_list`]: `make_list` over a sorted input, in row order.
//! * [`make_bag`]: `make_bag` / `make_bag_if` (the binder nulls the rows
//!   that fail the predicate).
//! * [`percentiles`]: `percentile(s)`, `percentiles_array`, their weighted
//!   forms, `tdigest` and `tdigest_merge` (exact nearest-rank percentiles).
//! * [`buildschema`]: `buildschema` (the schema of dynamic values).
//! * [`hll`]: `hll`, `hll_if`, `hll_merge` (an exact distinct set).
//! * [`digest`]: the scalar functions over digests and hlls
//!   (`percentile_tdigest`, `rank_tdigest`, `merge_tdigest`, `hll_merge`,
//!   `dcount_hll`, ...).

pub mod buildschema;
pub mod digest;
pub mod hll;
pub mod make_bag;
pub mod make_list;
pub mod ordered_list;
pub mod percentiles;

pub use buildschema::{BuildSchemaUdaf, buildschema_expr};
pub use hll::{HllUdaf, hll_expr};
pub use make_bag::{MakeBagUdaf, make_bag_expr};
pub use make_list::{MakeListUdaf, make_list_expr};
pub use ordered_list::{OrderedListUdaf, ordered_list_expr};
pub use percentiles::{PercentilesUdaf, percentiles_expr};

use datafusion::logical_expr::{AggregateUDF, Expr};

/// The form of an order-sensitive aggregate call that keeps the order
/// `ord` numbers the rows in (`kql_make_list(elem)` →
/// `kql_make_list_ordered(elem, ord)`); `None` for an aggregate whose
/// result does not depend on the order rows arrive in.
pub fn in_row_order(func: &AggregateUDF, args: &[Expr], ord: Expr) -> Option<Expr> {
    let list = func.inner().downcast_ref::<MakeListUdaf>()?;
    let [elem] = args else {
        return None;
    };
    (!list.is_set()).then(|| ordered_list_expr(list.max(), elem.clone(), ord))
}

/// Every UDAF of this crate, for an engine that registers them by name
/// (plans carry the UDAF itself, so running a plan does not need this).
pub fn all_udafs() -> Vec<AggregateUDF> {
    vec![
        AggregateUDF::from(MakeListUdaf::new(false, make_list::MAX_SIZE)),
        AggregateUDF::from(MakeListUdaf::new(true, make_list::MAX_SIZE)),
        AggregateUDF::from(OrderedListUdaf::new(make_list::MAX_SIZE)),
        AggregateUDF::from(MakeBagUdaf::new(make_bag::MAX_SIZE)),
        AggregateUDF::from(BuildSchemaUdaf::default()),
        AggregateUDF::from(HllUdaf::new(false, hll::DEFAULT_ACCURACY)),
        AggregateUDF::from(HllUdaf::new(true, hll::DEFAULT_ACCURACY)),
        AggregateUDF::from(PercentilesUdaf::new(
            percentiles::Input::Digests,
            percentiles::Output::Digest,
        )),
    ]
}
