//! PT_TRACE_ME children: Linux makes the forking thread their tracer with
//! a legacy (non-seized) attach; the engine converts that into a seized
//! trace at the child's first stop. Both an adoption and an attach to a
//! job-stopped process end a Linux group stop with a SIGCONT of ours,
//! which the program never sees.

use super::{Event, LinuxState, LinuxStop, Pid, Tracer};
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
                // (Dead: its parent-death signal record goes too.)
                crate::sys::armed::take(tid);
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

    /// Before a detach: our SIGCONT (an adoption's, or the one that ended a
    /// job stop at the attach) may still be pending, no thread having run
    /// since. Delivered after the detach it would run the program's
    /// handler, which FreeBSD never does (there is no such signal there).
    /// Let one thread take it now, under our eyes: resumed from a trap, a
    /// thread takes its pending signals before it returns to user mode.
    /// Signals of the program taken on the way are delivered as they come.
    pub(crate) fn drain_our_sigcont(&mut self, pid: Pid) {
        let bit = 1u64 << (libc::SIGCONT - 1);
        let Some(p) = self.procs.get_mut(&pid) else { return };
        if p.swallow & bit == 0 {
            return;
        }
        p.swallow &= !bit;
        let pending = |tid| (sys::shared_pending(tid).unwrap_or(0) | sys::thread_pending(tid).unwrap_or(0)) & bit != 0;
        // A thread in a trap (not inside a syscall, which would run first),
        // with no signal of its own to report, that takes SIGCONT.
        let Some(tid) = p
            .lwps
            .iter()
            .find(|l| {
                matches!(l.linux, LinuxState::Stopped(LinuxStop::Event | LinuxStop::Group))
                    && l.resume_sig == 0
                    && !matches!(l.event, Some(Event::Signal { .. }))
                    && sys::sigmask(l.tid).is_ok_and(|m| m & bit == 0)
            })
            .map(|l| l.tid)
        else {
            return;
        };
        if !pending(tid) {
            return;
        }
        // A signal of the program met first (one below SIGCONT, such as
        // the one this detach passes on, queued already) is held back and
        // given to the detach: delivered now, while traced, a fatal one
        // would end the process under us and its exit would be ours.
        let mut keep = 0;
        for _ in 0..8 {
            if sys::resume(sys::PTRACE_CONT, tid, 0).is_err() {
                return;
            }
            let Ok(Some((_, st))) = sys::wait4(tid, sys::WALL) else { return };
            if !libc::WIFSTOPPED(st) {
                // Gone meanwhile (killed, its exit event not traced): the
                // status is the engine's to report, as if its pump had
                // reaped it; the detach then finds the process gone.
                return self.dispatch(tid, st);
            }
            let (s, ev) = (libc::WSTOPSIG(st), st >> 16);
            if ev == sys::PTRACE_EVENT_EXIT {
                // Killed meanwhile (SIGKILL needs no delivery): held at
                // its exit; the detach lets it die.
                if let Some(l) = self.procs.get_mut(&pid).and_then(|p| p.lwp_mut(tid)) {
                    l.linux = LinuxState::Stopped(LinuxStop::Exit);
                    l.regs = None;
                }
                return;
            }
            if ev != 0 {
                continue; // a trap (a notification of ours): on
            }
            if s == libc::SIGCONT {
                break;
            }
            if keep == 0 {
                keep = s;
                continue;
            }
            // A second one: stop here. It goes with the detach; the first
            // is queued again, and our SIGCONT stays pending (delivered
            // after the detach: rare, and visible only to a handler).
            let _ = sys::tgkill(pid.0, tid, keep);
            keep = s;
            break;
        }
        if let Some(l) = self.procs.get_mut(&pid).and_then(|p| p.lwp_mut(tid)) {
            l.linux = LinuxState::Stopped(LinuxStop::Signal);
            l.regs = None;
            l.resume_sig = keep;
        }
    }
}
