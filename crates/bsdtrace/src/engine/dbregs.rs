//! Debug-register inheritance: FreeBSD copies the whole pcb to new threads
//! and forked children (`copy_thread`); Linux starts every task with none.

use crate::sys::{self, Tid};

/// DR0-3 and DR7 of a stopped thread.
pub(super) fn read_dbregs(tid: Tid) -> Option<[u64; 5]> {
    let mut dr = [0u64; 5];
    for (i, slot) in [0usize, 1, 2, 3, 7].into_iter().enumerate() {
        dr[i] = sys::peekuser(tid, sys::DEBUGREG_OFFSET + slot * 8).ok()?;
    }
    Some(dr)
}

/// Give a stopped new thread its creator's debug registers; returns whether
/// any is enabled now.
pub(super) fn copy_dbregs(tid: Tid, dr: &[u64; 5]) -> bool {
    let poke = |slot: usize, v: u64| sys::pokeuser(tid, sys::DEBUGREG_OFFSET + slot * 8, v).is_ok();
    let ok = (0..4).all(|i| poke(i, dr[i])) && poke(7, dr[4]);
    ok && dr[4] != 0
}
