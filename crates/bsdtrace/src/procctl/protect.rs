//! PROC_SPROTECT: exempt processes from the out-of-memory killer.
//!
//! FreeBSD marks the process P_PROTECTED; Linux's equivalent is
//! `oom_score_adj = -1000` (OOM_SCORE_ADJ_MIN). Setting that needs
//! CAP_SYS_RESOURCE, which plays FreeBSD's PRIV_VM_MADV_PROTECT: without it
//! both SET and CLEAR fail with EPERM before any process is looked at, as
//! `protect_set()` checks the privilege first. CLEAR puts back the value the
//! process had before we protected it (0 if we do not know it) and touches
//! only processes that are actually at the protected value.
//!
//! Inheritance: Linux copies oom_score_adj to every child at fork, FreeBSD
//! only with PPROT_INHERIT. We record the flag; the ptrace engine calls
//! [`sprotect_child_forked`] at each fork it sees so that the child of a
//! process protected without PPROT_INHERIT gets its old value back. Untraced
//! forks cannot be intercepted (docs/deviations.md).

use super::{state, Proc};
use crate::abi::{pprot_flags, pprot_op, PPROT_CLEAR, PPROT_DESCEND, PPROT_INHERIT, PPROT_SET};
use crate::error::{Errno, Result};
use crate::sys;
use std::cell::Cell;

/// Linux's OOM_SCORE_ADJ_MIN: never OOM-kill this process.
pub const OOM_SCORE_ADJ_MIN: i32 = -1000;

/// How SPROTECT is carried out. [`ProtectPolicy::host`] is the real thing;
/// tests substitute a value that needs no privilege (any process may raise
/// its own oom_score_adj) to exercise the walk on machines without
/// CAP_SYS_RESOURCE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtectPolicy {
    /// The oom_score_adj that means "protected".
    pub value: i32,
    /// Whether the caller holds the privilege (CAP_SYS_RESOURCE).
    pub privileged: bool,
}

impl ProtectPolicy {
    /// -1000, privileged iff CAP_SYS_RESOURCE is in our effective set.
    pub fn host() -> ProtectPolicy {
        ProtectPolicy { value: OOM_SCORE_ADJ_MIN, privileged: has_privilege() }
    }

    /// Run `f` (which calls procctl) with this policy on the current thread.
    pub fn with<R>(self, f: impl FnOnce() -> R) -> R {
        let old = POLICY.with(|p| p.replace(Some(self)));
        let r = f();
        POLICY.with(|p| p.set(old));
        r
    }
}

thread_local! {
    static POLICY: Cell<Option<ProtectPolicy>> = const { Cell::new(None) };
}

fn policy() -> ProtectPolicy {
    POLICY.with(|p| p.get()).unwrap_or_else(ProtectPolicy::host)
}

/// Does the caller hold CAP_SYS_RESOURCE, the privilege SPROTECT needs?
pub fn has_privilege() -> bool {
    sys::proc::has_cap(sys::proc::CAP_SYS_RESOURCE)
}

/// `protect_set()`: validate, check the privilege, mark `p` (and with
/// PPROT_DESCEND its whole current subtree). EPERM if nothing was changed.
pub(crate) fn protect_set(p: &Proc, flags: i32) -> Result<(), Errno> {
    match pprot_op(flags) {
        PPROT_SET | PPROT_CLEAR => {}
        _ => return Err(Errno::EINVAL),
    }
    if pprot_flags(flags) & !(PPROT_DESCEND | PPROT_INHERIT) != 0 {
        return Err(Errno::EINVAL);
    }
    let pol = policy();
    if !pol.privileged {
        return Err(Errno::EPERM);
    }
    let changed = if flags & PPROT_DESCEND != 0 {
        subtree(p.pid).iter().fold(false, |acc, q| setchild(q, flags, &pol) | acc)
    } else {
        setchild(p, flags, &pol)
    };
    if changed {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// `p` and all its current descendants (pre-order), through
/// /proc/PID/task/*/children.
fn subtree(top: i32) -> Vec<Proc> {
    let me = sys::getpid();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![top];
    while let Some(pid) = stack.pop() {
        if !seen.insert(pid) {
            continue;
        }
        let Ok(stat) = sys::proc::stat(pid) else { continue };
        out.push(Proc { pid, is_self: pid == me, stat });
        if let Ok(mut kids) = sys::proc::children(pid) {
            kids.reverse();
            stack.extend(kids);
        }
    }
    out
}

/// `p_cansched`: same real uid as the caller's real or effective uid, or root.
fn cansched(p: &Proc) -> bool {
    if p.is_self || sys::geteuid() == 0 {
        return true;
    }
    match sys::procfs::status(p.pid) {
        Ok(st) => st.uid[0] == sys::proc::getuid() || st.uid[0] == sys::geteuid(),
        Err(_) => false,
    }
}

/// `protect_setchild()`: true if `p` counts as changed. Kernel threads
/// (P_SYSTEM) and processes we may not schedule are skipped.
fn setchild(p: &Proc, flags: i32, pol: &ProtectPolicy) -> bool {
    if p.stat.is_kernel_thread() || !cansched(p) {
        return false;
    }
    let Ok(cur) = sys::proc::oom_score_adj(p.pid) else { return false };
    if pprot_op(flags) == PPROT_SET {
        if cur != pol.value && sys::proc::set_oom_score_adj(p.pid, pol.value).is_err() {
            return false;
        }
        state::update(p.key(), |s| {
            if !s.protected || cur != pol.value {
                s.protect_previous = (cur != pol.value).then_some(cur).or(s.protect_previous);
            }
            s.protected = true;
            s.protect_inherit |= flags & PPROT_INHERIT != 0;
        });
        true
    } else {
        let prev = state::get(p.key()).protect_previous.unwrap_or(0);
        if cur == pol.value && sys::proc::set_oom_score_adj(p.pid, prev).is_err() {
            return false;
        }
        state::update(p.key(), |s| {
            s.protected = false;
            s.protect_inherit = false;
            s.protect_previous = None;
        });
        true
    }
}

/// Engine hook, called when a process we trace forks: gives the child
/// FreeBSD's inheritance. If `parent` was protected by us with PPROT_INHERIT
/// the child is recorded as protected-and-inheriting (Linux already copied
/// the value); without PPROT_INHERIT the value Linux copied is put back to
/// what the parent had before protection.
pub fn sprotect_child_forked(parent: i32, child: i32) -> Result<()> {
    sprotect_child_forked_with(parent, child, &policy())
}

fn sprotect_child_forked_with(parent: i32, child: i32, pol: &ProtectPolicy) -> Result<()> {
    let pp = Proc::find(parent.into())?;
    let cp = Proc::find(child.into())?;
    let ps = state::get(pp.key());
    if !ps.protected {
        return Ok(());
    }
    if ps.protect_inherit {
        state::update(cp.key(), |s| {
            s.protected = true;
            s.protect_inherit = true;
            s.protect_previous = ps.protect_previous;
        });
        return Ok(());
    }
    if sys::proc::oom_score_adj(child)? == pol.value {
        // Raising oom_score_adj needs no privilege.
        sys::proc::set_oom_score_adj(child, ps.protect_previous.unwrap_or(0))?;
    }
    Ok(())
}
