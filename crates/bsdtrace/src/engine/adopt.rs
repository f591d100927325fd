//! PT_TRACE_ME children: Linux makes the forking thread their tracer with
//! a legacy (non-seized) attach; the engine converts that into a seized
//! trace at the child's first stop.

use super::{Pid, Tracer};
use crate::sys::{self, Tid};

impl Tracer {
    /// A stopped child we never seized: a PT_TRACE_ME child (ptrace-stopped
    /// with us as tracer).
    pub(super) fn adoptable(&self, tid: Tid) -> bool {
        // TracerPid names the tracing *thread*: the one that forked the child.
        sys::procfs::status(tid).is_ok_and(|s| s.tracer_pid == sys::gettid() && s.tgid == tid)
    }

    /// PT_TRACE_ME child: convert the legacy attach into a seized one so it
    /// gets the same engine as everything else, keeping its first stop.
    pub(super) fn adopt_traceme(&mut self, tid: Tid, status: i32) {
        self.traceme.retain(|t| *t != tid);
        let si = sys::siginfo(tid).ok();
        // Detach into a job-control stop and reap that notification; the
        // rest is the same as for a child another thread forked.
        let detached = sys::detach(tid, libc::SIGSTOP).and_then(|_| sys::wait4(tid, sys::WUNTRACED | sys::WALL));
        if detached.is_ok() {
            let _ = self.adopt_traceme_detached(Pid(tid), status, si);
        }
    }

    /// Note a child that called PT_TRACE_ME (optional: unknown stopped
    /// children traced by us are recognised anyway).
    pub fn expect_traceme(&mut self, pid: Pid) {
        self.traceme.push(pid.0);
    }
}
