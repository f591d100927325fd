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
        if sys::detach(tid, libc::SIGSTOP).is_err() {
            return;
        }
        // Its job-control stop, or its exit if it was killed at its first
        // stop: that is then reported as any untraced child's (issue 11 #5).
        // Never a blocking wait: a SIGCONT that cancelled the SIGSTOP would
        // leave it running and the wait blocked (#4).
        // (It comes at once but for that race: a few short looks, then the
        // seize goes on without it and interrupts what runs.)
        let mut w = Ok(None);
        for _ in 0..200 {
            w = sys::wait4(tid, sys::WUNTRACED | sys::WALL | libc::WNOHANG);
            if !matches!(w, Ok(None)) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
        match w {
            Ok(Some((_, st))) if !libc::WIFSTOPPED(st) => {
                let ru = self.last_rusage.take();
                self.foreign.push_back((tid, st, ru));
            }
            Ok(_) => {
                let _ = self.adopt_traceme_detached(Pid(tid), status, si);
            }
            Err(_) => {}
        }
    }

    /// Note a child that called PT_TRACE_ME (optional: unknown stopped
    /// children traced by us are recognised anyway).
    pub fn expect_traceme(&mut self, pid: Pid) {
        self.traceme.push(pid.0);
    }
}
