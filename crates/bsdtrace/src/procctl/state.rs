//! Per-process state procctl keeps where Linux has no kernel field: FreeBSD
//! flags whose effect is empty or approximated on Linux, and the values
//! SPROTECT must restore. Keyed by (pid, start time) so a reused pid never
//! inherits another process's entry. The table lives in the calling process:
//! another process using bsdtrace does not see it (docs/deviations.md).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// What we remember about one process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProcState {
    /// SPROTECT: oom_score_adj before we protected it (None: unknown, restore 0).
    pub protect_previous: Option<i32>,
    /// SPROTECT: the process is protected by us.
    pub protected: bool,
    /// PPROT_INHERIT (P2_INHERIT_PROTECTED).
    pub protect_inherit: bool,
    /// PROC_TRAPCAP_CTL_ENABLE (P2_TRAPCAP).
    pub trapcap: bool,
    /// Tracing was disabled through procctl (P2_NOTRACE), as opposed to the
    /// kernel making us non-dumpable after a credential change (P_SUGID).
    pub notrace: bool,
    /// PROC_TRACE_CTL_DISABLE_EXEC was asked (P2_NOTRACE_EXEC).
    pub notrace_exec: bool,
    /// PROC_ASLR_FORCE_ENABLE was asked (P2_ASLR_ENABLE); the disable side is
    /// the personality bit itself.
    pub aslr_force_enable: bool,
    /// PROC_PROTMAX_CTL value (0 = never set = NOFORCE).
    pub protmax: i32,
    /// PROC_WX_MAPPINGS_PERMIT (P2_WXORX_DISABLE).
    pub wx_permit: bool,
    /// PROC_WX_MAPPINGS_DISALLOW_EXEC (P2_WXORX_ENABLE_EXEC).
    pub wx_disallow_exec: bool,
    /// PROC_LA_CTL value (0 = never set = DEFAULT).
    pub la: i32,
}

pub(crate) type Key = (i32, u64);

static TABLE: Mutex<Option<HashMap<Key, ProcState>>> = Mutex::new(None);

fn table() -> MutexGuard<'static, Option<HashMap<Key, ProcState>>> {
    TABLE.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn get(key: Key) -> ProcState {
    table().as_ref().and_then(|t| t.get(&key).copied()).unwrap_or_default()
}

/// Entries beyond which dead processes are swept out.
const SWEEP_AT: usize = 256;

pub(crate) fn update<R>(key: Key, f: impl FnOnce(&mut ProcState) -> R) -> R {
    let mut g = table();
    let t = g.get_or_insert_with(HashMap::new);
    if t.len() >= SWEEP_AT && !t.contains_key(&key) {
        // Drop processes that no longer exist (or whose pid was reused).
        t.retain(|&(pid, start), _| crate::sys::proc::stat(pid).is_ok_and(|s| s.starttime == start));
    }
    let e = t.entry(key).or_default();
    let r = f(e);
    if *e == ProcState::default() {
        t.remove(&key);
    }
    r
}

/// Nothing recorded at all (the engine's per-fork hook then costs nothing).
pub(crate) fn is_empty() -> bool {
    table().as_ref().is_none_or(|t| t.is_empty())
}
