//! The tables the generator writes and how their rows are shaped.
//!
//! A [`TableDef`] names the table, its event-time column, the columns its oldest file lacks
//! (schema drift), the catalog columns it never has, the row-profile and outcome weights, and a function giving each column's
//! [`ColSpec`]. Columns the spec function does not name get sparse filler values.

mod asim;
mod csl;
mod dne;
mod squid;

use rand::Rng;
use rand::rngs::StdRng;

use super::columns::{ColSpec, RowCtx, weighted_index};
use super::plant::PlantKind;
use super::values::{Pools, fnv};

pub use csl::{
    ZSCALER, activity as csl_activity, device_action as csl_device_action,
    vendor_product as csl_vendor_product,
};
pub use dne::action_index as dne_action_index;

/// One generated table.
pub struct TableDef {
    pub name: &'static str,
    /// The column the hunts order by and the files are partitioned on.
    pub time_column: &'static str,
    /// Columns missing from the oldest file.
    pub drift: &'static [&'static str],
    /// Catalog columns the table's files never have.
    pub absent: &'static [&'static str],
    pub profile_weights: &'static [u32],
    pub action_weights: &'static [u32],
    pub spec: fn(&str) -> ColSpec,
    /// What is planted in this table.
    pub plants: &'static [PlantKind],
}

/// All tables, in generation order.
pub fn all() -> [&'static TableDef; 4] {
    [&csl::DEF, &dne::DEF, &asim::DEF, &squid::DEF]
}

pub fn by_name(name: &str) -> Option<&'static TableDef> {
    all().into_iter().find(|d| d.name == name)
}

/// The GUID-shaped prefix of a table's `_ItemId`s (the last group is the row number).
pub fn id_prefix(table: &str) -> String {
    let h = fnv(table);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-",
        h >> 32,
        (h >> 16) & 0xffff,
        (h >> 4) & 0xfff,
        h & 0xfff
    )
}

/// Draws the per-row state of a chunk whose first row is row `row0` of the table and
/// whose event times are `time`.
pub fn make_ctx<'a>(
    def: &TableDef,
    pools: &'a Pools,
    id_prefix: &'a str,
    row0: u64,
    rng: &mut StdRng,
    time: Vec<i64>,
) -> RowCtx<'a> {
    let n = time.len();
    let mut ctx = RowCtx {
        pools,
        row0,
        id_prefix,
        time,
        profile: Vec::with_capacity(n),
        action: Vec::with_capacity(n),
        device: Vec::with_capacity(n),
        user: Vec::with_capacity(n),
        site: Vec::with_capacity(n),
        dice: Vec::with_capacity(n),
    };
    let n_sites = pools.sites.len() as f64;
    for _ in 0..n {
        ctx.profile
            .push(weighted_index(def.profile_weights, rng) as u8);
        ctx.action
            .push(weighted_index(def.action_weights, rng) as u8);
        let device = rng.random_range(0..pools.devices.len());
        ctx.device.push(device as u32);
        let user = if rng.random_ratio(85, 100) {
            pools.devices[device].user
        } else {
            rng.random_range(0..pools.users.len())
        };
        ctx.user.push(user as u32);
        // A few popular sites get most of the traffic.
        let r: f64 = rng.random();
        ctx.site.push(((r * r * r) * n_sites) as u32);
        ctx.dice.push(rng.random_range(0..100u8));
    }
    ctx
}
