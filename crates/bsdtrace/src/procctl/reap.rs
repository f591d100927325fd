//! PROC_REAP_*: reapers and their descendants.
//!
//! A FreeBSD reaper owns a "reap list": every process whose `p_reaper` is it.
//! Linux keeps no such list; the reaper role is PR_SET_CHILD_SUBREAPER and
//! the list is rebuilt from parent links (/proc/PID/task/*/children). Linux
//! cannot tell us whether *another* process is a subreaper, so the reaper of
//! a process is the caller when the caller is a subreaper and an ancestor of
//! it, else init (pid 1 of our pid namespace); the walk descends through
//! every process except the caller when the caller is a nested reaper.
//!
//! REAP_KILL reads a process's children, signals it, reads them again, and
//! repeats the whole walk until a pass finds nobody new, so a child forked
//! while the kill runs is signalled too: a fork that completes before our
//! signal lands shows up in the second read (or, if the parent already
//! exited, among the reaper's children in the next pass), and one that would
//! complete after a fatal signal is aborted by the kernel. Subtree membership
//! is remembered across passes, because Linux hands a dead parent's children
//! to the reaper and forgets where they came from.

use super::{Data, Proc};
use crate::abi::procctl::*;
use crate::error::Errno;
use crate::sys;
use crate::sys::proc::Stat;
use std::collections::HashSet;

/// Host signals are 1..=SIGRTMAX (64); FreeBSD's `_SIG_MAXSIG` is 128, but a
/// host-numbered signal above 64 does not exist.
const SIG_MAX: i32 = 64;

/// Upper bound on REAP_KILL passes: only a tree whose members fork anew in
/// response to every signal could need more.
const MAX_PASSES: usize = 10_000;

fn self_is_reaper() -> bool {
    sys::proc::child_subreaper().unwrap_or(false)
}

pub(crate) fn acquire(p: &Proc) -> Result<(), Errno> {
    if !p.is_self {
        return Err(Errno::EPERM);
    }
    if sys::getpid() == 1 || self_is_reaper() {
        return Err(Errno::EBUSY);
    }
    sys::proc::set_child_subreaper(true)
}

pub(crate) fn release(p: &Proc) -> Result<(), Errno> {
    if !p.is_self {
        return Err(Errno::EPERM);
    }
    if p.pid == 1 || !self_is_reaper() {
        return Err(Errno::EINVAL);
    }
    sys::proc::set_child_subreaper(false)
}

/// `p` itself if it is a reaper, else the reaper it belongs to; and whether
/// `p` owns the role.
fn reaper_of(p: &Proc) -> (i32, bool) {
    let me = sys::getpid();
    if p.pid == 1 || (p.is_self && self_is_reaper()) {
        return (p.pid, true);
    }
    let caller_reaper = self_is_reaper();
    let mut cur = p.stat.ppid;
    let mut steps = 0;
    while cur > 1 && steps < 4_194_304 {
        if cur == me && caller_reaper {
            return (me, false);
        }
        match sys::proc::stat(cur) {
            Ok(s) => cur = s.ppid,
            Err(_) => break,
        }
        steps += 1;
    }
    (1, false)
}

/// One member of a reap list.
struct Member {
    stat: Stat,
    /// The reaper's direct child this process descends from (`p_reapsubtree`).
    subtree: i32,
}

/// The reap list of `reap`: its descendants, not descending below the caller
/// when the caller is a nested reaper. Newest first, like FreeBSD's list.
fn reaplist(reap: i32) -> Vec<Member> {
    let me = sys::getpid();
    let stop_at_me = me != reap && self_is_reaper();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<(i32, i32)> = sys::proc::children(reap).unwrap_or_default().into_iter().map(|c| (c, c)).collect();
    while let Some((pid, subtree)) = stack.pop() {
        // (An engine's doorbell child is no process of the program's.)
        if !seen.insert(pid) || sys::wakeup::is_doorbell(pid) {
            continue;
        }
        let Ok(stat) = sys::proc::stat(pid) else { continue };
        out.push(Member { stat, subtree });
        if stop_at_me && pid == me {
            continue;
        }
        stack.extend(sys::proc::children(pid).unwrap_or_default().into_iter().map(|c| (c, subtree)));
    }
    out.sort_by_key(|m| std::cmp::Reverse((m.stat.starttime, m.stat.pid)));
    out
}

fn pidinfo(m: &Member, reap: i32) -> procctl_reaper_pidinfo {
    let me = sys::getpid();
    let mut flags = REAPER_PIDINFO_VALID;
    if m.stat.ppid == reap {
        flags |= REAPER_PIDINFO_CHILD;
    }
    if m.stat.pid == me && self_is_reaper() {
        flags |= REAPER_PIDINFO_REAPER;
    }
    if m.stat.is_stopped() {
        flags |= REAPER_PIDINFO_STOPPED;
    }
    if m.stat.is_zombie() {
        flags |= REAPER_PIDINFO_ZOMBIE;
    } else if m.stat.is_exiting() {
        flags |= REAPER_PIDINFO_EXITING;
    }
    procctl_reaper_pidinfo { pi_pid: m.stat.pid, pi_subtree: m.subtree, pi_flags: flags, ..Default::default() }
}

pub(crate) fn status(p: &Proc, data: &mut Data) -> Result<(), Errno> {
    let (reap, owned) = reaper_of(p);
    let mut rs = procctl_reaper_status::default();
    if owned {
        rs.rs_flags |= REAPER_STATUS_OWNED;
    }
    if reap == 1 {
        rs.rs_flags |= REAPER_STATUS_REALINIT;
    }
    rs.rs_reaper = reap;
    let list = reaplist(reap);
    rs.rs_descendants = list.len() as u32;
    rs.rs_children = list.iter().filter(|m| m.stat.ppid == reap).count() as u32;
    rs.rs_pid = list
        .iter()
        .find(|m| m.stat.ppid == reap)
        .or(list.first())
        .map(|m| m.stat.pid)
        .unwrap_or(-1);
    *data = Data::Status(rs);
    Ok(())
}

pub(crate) fn getpids(p: &Proc, data: &mut Data) -> Result<(), Errno> {
    let Data::Pids { count, out } = data else { return Err(Errno::EINVAL) };
    let (reap, _) = reaper_of(p);
    *out = reaplist(reap).iter().take(*count as usize).map(|m| pidinfo(m, reap)).collect();
    Ok(())
}

/// The running tally of one REAP_KILL, FreeBSD's `reap_kill_proc_locked()`:
/// the call succeeds if any signal was sent; otherwise it fails with the first
/// error, whose pid is `rk_fpid`; with nothing to signal, ESRCH.
struct Tally<'a> {
    rk: &'a mut procctl_reaper_kill,
    error: Errno,
    ok: bool,
    done: HashSet<(i32, u64)>,
}

impl Tally<'_> {
    /// Signal `s` unless already handled; true if it was new.
    fn signal(&mut self, s: &Stat, defer_self: &mut bool) -> bool {
        if s.is_zombie() || s.is_exiting() || !self.done.insert((s.pid, s.starttime)) {
            return false;
        }
        if s.pid == sys::getpid() {
            *defer_self = true;
            return true;
        }
        self.send(s.pid);
        true
    }
    fn send(&mut self, pid: i32) {
        match sys::kill(pid, self.rk.rk_sig) {
            Ok(()) => {
                self.rk.rk_killed += 1;
                self.ok = true;
            }
            // Gone between the walk and the signal: never was there.
            Err(Errno::ESRCH) => {}
            Err(e) => {
                if !self.ok && self.error == Errno::ESRCH {
                    self.rk.rk_fpid = pid;
                    self.error = e;
                }
            }
        }
    }
}

pub(crate) fn kill(p: &Proc, data: &mut Data) -> Result<(), Errno> {
    let Data::Kill(rk) = data else { return Err(Errno::EINVAL) };
    let both = REAPER_KILL_CHILDREN | REAPER_KILL_SUBTREE;
    if rk.rk_sig <= 0 || rk.rk_sig > SIG_MAX || rk.rk_flags & !both != 0 || rk.rk_flags & both == both {
        return Err(Errno::EINVAL);
    }
    let (reap, _) = reaper_of(p);
    rk.rk_killed = 0;
    rk.rk_fpid = -1;
    let children_only = rk.rk_flags & REAPER_KILL_CHILDREN != 0;
    let subtree = (rk.rk_flags & REAPER_KILL_SUBTREE != 0).then_some(rk.rk_subtree);
    let mut t = Tally { rk, error: Errno::ESRCH, ok: false, done: HashSet::new() };
    let mut signal_self = false;
    // p_reapsubtree is sticky on FreeBSD; on Linux a killed parent's children
    // move up to the reaper and look like subtrees of their own, so remember
    // which subtree every process we have seen belongs to.
    let mut subtree_of: std::collections::HashMap<i32, i32> = std::collections::HashMap::new();
    for _ in 0..MAX_PASSES {
        let mut progressed = false;
        let mut stack: Vec<(i32, i32)> = sys::proc::children(reap)
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c, *subtree_of.get(&c).unwrap_or(&c)))
            .collect();
        stack.reverse();
        while let Some((pid, top)) = stack.pop() {
            if subtree.is_some_and(|s| s != top) || sys::wakeup::is_doorbell(pid) {
                continue;
            }
            let Ok(s) = sys::proc::stat(pid) else { continue };
            if children_only {
                progressed |= t.signal(&s, &mut signal_self);
                continue;
            }
            // Children read before the signal are recorded even if the
            // parent dies and hands them to the reaper; children read after
            // it cover a fork that completed in between (a later fork is
            // aborted by a fatal signal, or found by the next pass).
            let mut kids = sys::proc::children(pid).unwrap_or_default();
            for &k in &kids {
                subtree_of.insert(k, top);
            }
            progressed |= t.signal(&s, &mut signal_self);
            for k in sys::proc::children(pid).unwrap_or_default() {
                if !kids.contains(&k) {
                    subtree_of.insert(k, top);
                    kids.push(k);
                }
            }
            kids.reverse();
            stack.extend(kids.into_iter().map(|c| (c, top)));
        }
        // Only descendants can be forked behind our back; the reaper's own
        // children list is final after one pass (FreeBSD's
        // reap_kill_children() is one pass too), and a second one would
        // catch the orphans of the children we just killed.
        if !progressed || children_only {
            break;
        }
    }
    if signal_self {
        t.send(sys::getpid());
    }
    if t.ok {
        Ok(())
    } else {
        Err(t.error)
    }
}
