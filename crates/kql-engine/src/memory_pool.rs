//! The memory pool of a session with `--memory-limit`.
//!
//! DataFusion's consumers are of three kinds here: those that cannot spill
//! (a hash join's build side, a sort's merge buffers), those that spill
//! their own state when refused (sorts, aggregations), and the queues of a
//! hash split (`RepartitionExec`), which write a batch to disk when refused.
//! DataFusion's fair pool lets the spilling kinds fill the whole pool and
//! divides it by the number of registered spillers; a partition-at-a-time
//! join registers a queue per partition, so a sort beside it got a sliver,
//! and memory held by queued rows comes back only when the rows move on, so
//! a join's build side that starts late found the pool full. Here:
//! - the spilling kinds together hold at most half the pool
//!   ([`SPILLABLE_DIVISOR`]), the rest stays for what cannot spill;
//! - the queues together hold at most an eighth ([`QUEUE_DIVISOR`]) (a refused
//!   queue costs a disk write, not an error);
//! - each other spiller may hold an equal part of what the queues leave of
//!   the spilling share;
//! - a sort's merge holds at most half the pool ([`MERGE_DIVISOR`]): the
//!   merge of its spill files reserves a buffer for as many files as the pool
//!   lets it (and merges fewer, in more passes, when refused), so a sort
//!   merging many small spill files took the whole pool and another sort
//!   merging beside it failed.

use datafusion::common::{Result, resources_datafusion_err};
use datafusion::execution::memory_pool::{
    MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation, human_readable_size,
};
use std::sync::Mutex;

/// The spilling consumers (queues included) hold at most a half of the
/// pool.
const SPILLABLE_DIVISOR: usize = 2;
/// The hash-split queues hold at most an eighth of the pool.
const QUEUE_DIVISOR: usize = 8;
/// One sort's merge holds at most half the pool.
const MERGE_DIVISOR: usize = 2;

#[derive(Debug)]
pub(crate) struct SpillBudgetPool {
    pool_size: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Registered spilling consumers that are not queues.
    spillers: usize,
    /// Bytes held by spilling consumers that are not queues.
    spilling: usize,
    /// Bytes held by queues.
    queued: usize,
    /// Bytes held by consumers that cannot spill.
    unspillable: usize,
}

/// What a consumer does when refused.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Unspillable,
    /// A sort's merge: cannot spill, but merges fewer spill files when refused.
    Merge,
    Spiller,
    Queue,
}

fn kind(consumer: &MemoryConsumer) -> Kind {
    if !consumer.can_spill() {
        if consumer.name().starts_with("ExternalSorterMerge") {
            Kind::Merge
        } else {
            Kind::Unspillable
        }
    } else if consumer.name().starts_with("RepartitionExec") {
        Kind::Queue
    } else {
        Kind::Spiller
    }
}

impl State {
    fn held(&mut self, kind: Kind) -> &mut usize {
        match kind {
            Kind::Unspillable | Kind::Merge => &mut self.unspillable,
            Kind::Spiller => &mut self.spilling,
            Kind::Queue => &mut self.queued,
        }
    }

    fn total(&self) -> usize {
        self.unspillable + self.spilling + self.queued
    }
}

impl SpillBudgetPool {
    pub(crate) fn new(pool_size: usize) -> Self {
        SpillBudgetPool {
            pool_size,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A consumer that panicked while holding the lock left only counts.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The most `reservation` may grow by now.
    fn allowed(&self, state: &State, reservation: &MemoryReservation) -> usize {
        let free = self.pool_size.saturating_sub(state.total());
        let spill_budget = (self.pool_size / SPILLABLE_DIVISOR)
            .min(self.pool_size.saturating_sub(state.unspillable));
        match kind(reservation.consumer()) {
            Kind::Merge => {
                free.min((self.pool_size / MERGE_DIVISOR).saturating_sub(reservation.size()))
            }
            Kind::Unspillable => free,
            Kind::Queue => {
                let queues = (self.pool_size / QUEUE_DIVISOR).saturating_sub(state.queued);
                let spilling = spill_budget.saturating_sub(state.spilling + state.queued);
                free.min(queues).min(spilling)
            }
            Kind::Spiller => {
                let share = spill_budget.saturating_sub(state.queued) / state.spillers.max(1);
                free.min(share.saturating_sub(reservation.size()))
            }
        }
    }
}

impl std::fmt::Display for SpillBudgetPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        write!(
            f,
            "spill-budget pool of {} ({} held by spilling consumers, {} by queues, {} by others)",
            human_readable_size(self.pool_size),
            human_readable_size(state.spilling),
            human_readable_size(state.queued),
            human_readable_size(state.unspillable)
        )
    }
}

impl MemoryPool for SpillBudgetPool {
    fn name(&self) -> &str {
        "kql_spill_budget"
    }

    fn register(&self, consumer: &MemoryConsumer) {
        if kind(consumer) == Kind::Spiller {
            self.state().spillers += 1;
        }
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        if kind(consumer) == Kind::Spiller {
            let mut state = self.state();
            state.spillers = state.spillers.saturating_sub(1);
        }
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        *self.state().held(kind(reservation.consumer())) += additional;
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        let mut state = self.state();
        let held = state.held(kind(reservation.consumer()));
        *held = held.saturating_sub(shrink);
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        let mut state = self.state();
        let allowed = self.allowed(&state, reservation);
        if additional > allowed {
            return Err(resources_datafusion_err!(
                "Failed to allocate additional {} for {} with {} already allocated for this \
                 reservation - {} remain available for the total memory pool of {}",
                human_readable_size(additional),
                reservation.consumer().name(),
                human_readable_size(reservation.size()),
                human_readable_size(allowed),
                human_readable_size(self.pool_size)
            ));
        }
        *state.held(kind(reservation.consumer())) += additional;
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.state().total()
    }

    fn memory_limit(&self) -> MemoryLimit {
        MemoryLimit::Finite(self.pool_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn spillers_leave_room_for_the_unspillable() {
        let pool: Arc<dyn MemoryPool> = Arc::new(SpillBudgetPool::new(1000));
        let queue = MemoryConsumer::new("queue")
            .with_can_spill(true)
            .register(&pool);
        assert!(queue.try_grow(500).is_ok());
        assert!(queue.try_grow(1).is_err(), "spillers hold at most half");
        let build = MemoryConsumer::new("build").register(&pool);
        assert!(build.try_grow(500).is_ok());
        assert!(build.try_grow(1).is_err(), "the pool is full");
    }

    #[test]
    fn a_sorts_merge_holds_half_and_leaves_room_for_another() {
        let pool: Arc<dyn MemoryPool> = Arc::new(SpillBudgetPool::new(1000));
        let first = MemoryConsumer::new("ExternalSorterMerge[0]").register(&pool);
        assert!(first.try_grow(500).is_ok());
        assert!(first.try_grow(1).is_err(), "a merge holds at most half");
        let second = MemoryConsumer::new("ExternalSorterMerge[1]").register(&pool);
        assert!(
            second.try_grow(400).is_ok(),
            "the other merge still gets room"
        );
        drop(second);
        let build = MemoryConsumer::new("HashJoinInput").register(&pool);
        assert!(
            build.try_grow(500).is_ok(),
            "other unspillable consumers are not capped"
        );
    }

    #[test]
    fn spillers_share_their_half() {
        let pool: Arc<dyn MemoryPool> = Arc::new(SpillBudgetPool::new(1000));
        let a = MemoryConsumer::new("a")
            .with_can_spill(true)
            .register(&pool);
        let b = MemoryConsumer::new("b")
            .with_can_spill(true)
            .register(&pool);
        assert!(a.try_grow(250).is_ok());
        assert!(a.try_grow(1).is_err());
        assert!(b.try_grow(250).is_ok());
        drop(a);
        assert!(b.try_grow(250).is_ok(), "a's part is free once a is gone");
    }

    #[test]
    fn queues_hold_an_eighth_and_do_not_divide_the_spillers_share() {
        let pool: Arc<dyn MemoryPool> = Arc::new(SpillBudgetPool::new(1000));
        let queues: Vec<_> = (0..64)
            .map(|i| {
                MemoryConsumer::new(format!("RepartitionExec[{i}]"))
                    .with_can_spill(true)
                    .register(&pool)
            })
            .collect();
        assert!(queues[0].try_grow(100).is_ok());
        assert!(queues[1].try_grow(25).is_ok());
        assert!(queues[2].try_grow(1).is_err(), "queues hold at most 125");
        let sort = MemoryConsumer::new("ExternalSorter[0]")
            .with_can_spill(true)
            .register(&pool);
        assert!(sort.try_grow(375).is_ok(), "the half less the queues");
        assert!(sort.try_grow(1).is_err());
    }

    #[test]
    fn unspillable_use_shrinks_the_spillers_part() {
        let pool: Arc<dyn MemoryPool> = Arc::new(SpillBudgetPool::new(1000));
        let build = MemoryConsumer::new("build").register(&pool);
        assert!(build.try_grow(800).is_ok());
        let sort = MemoryConsumer::new("sort")
            .with_can_spill(true)
            .register(&pool);
        assert!(sort.try_grow(200).is_ok());
        assert!(sort.try_grow(1).is_err());
    }
}
