//! The engine's wait: FreeBSD's `wait4()` as a tracer sees it.
//!
//! Debugger stops are reported without WUNTRACED, one whole-process stop per
//! call; job-control stops of traced processes only with WUNTRACED; exits of
//! traced processes once. Everything about children we do not trace passes
//! through unchanged (their statuses are kept until asked for).

use super::{Pid, ProcState, Tracer};
use crate::error::{Errno, Result};
use crate::sys;

/// Options of [`Tracer::wait`] (FreeBSD's `wait4` options that matter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitOptions {
    /// WNOHANG: return `None` instead of blocking.
    pub nohang: bool,
    /// WUNTRACED: also report job-control stops.
    pub untraced: bool,
    /// WCONTINUED: also report continued children we do not trace.
    pub continued: bool,
    /// Return `EINTR` when a signal handler ran during the wait, instead of
    /// waiting on (tools that detach on SIGINT need this).
    pub interruptible: bool,
}

impl WaitOptions {
    pub const BLOCK: WaitOptions = WaitOptions { nohang: false, untraced: false, continued: false, interruptible: false };
    pub const NOHANG: WaitOptions = WaitOptions { nohang: true, untraced: false, continued: false, interruptible: false };
}

/// A status the engine thread takes from a driven [`Tracer`] to report.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reported {
    pub pid: Pid,
    pub status: WaitStatus,
    pub rusage: Option<sys::Rusage>,
    /// The process group of an exited traced process, as last known (the
    /// process is gone; wait(0) and wait(-pgid) select by it).
    pub pgid: Option<i32>,
}

/// A status as `wait()` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// Exited with this code.
    Exited(i32),
    /// Killed by a signal.
    Signaled { sig: i32, core: bool },
    /// Stopped for the debugger (`WIFSTOPPED`, `WSTOPSIG == sig`).
    Stopped(i32),
    /// Stopped by job control (reported only with WUNTRACED).
    JobStopped(i32),
    /// Continued (a child we do not trace, with WCONTINUED).
    Continued,
}

impl WaitStatus {
    /// Decode a Linux wait status (stop signals without ptrace-event bits).
    pub fn from_raw(st: i32) -> WaitStatus {
        if libc::WIFEXITED(st) {
            WaitStatus::Exited(libc::WEXITSTATUS(st))
        } else if libc::WIFSIGNALED(st) {
            WaitStatus::Signaled { sig: libc::WTERMSIG(st), core: libc::WCOREDUMP(st) }
        } else if libc::WIFCONTINUED(st) {
            WaitStatus::Continued
        } else {
            WaitStatus::JobStopped(libc::WSTOPSIG(st) & 0x7f)
        }
    }

    /// The status word the host's `W*` macros decode.
    pub fn raw(&self) -> i32 {
        match *self {
            WaitStatus::Exited(c) => (c & 0xff) << 8,
            WaitStatus::Signaled { sig, core } => sig | if core { 0x80 } else { 0 },
            WaitStatus::Stopped(sig) | WaitStatus::JobStopped(sig) => (sig << 8) | 0x7f,
            WaitStatus::Continued => 0xffff,
        }
    }
}

/// Which children a wait is for (FreeBSD/POSIX `pid` argument of wait4).
pub(crate) fn selects(want: i32, pid: i32) -> bool {
    match want {
        -1 => true,
        w if w > 0 => w == pid,
        0 => unsafe_free_getpgid(pid) == unsafe_free_getpgid(0),
        w => unsafe_free_getpgid(pid) == -w,
    }
}

fn unsafe_free_getpgid(pid: i32) -> i32 {
    sys::getpgid(pid).unwrap_or(-1)
}

impl Tracer {
    /// Wait for a child: a traced process's whole-process stop or exit, or
    /// any status of a child we do not trace. `pid` follows wait4: -1 any,
    /// a positive pid that one, 0 our process group, < -1 that process group.
    /// `Ok(None)` only with `nohang`.
    pub fn wait(&mut self, pid: i32, opts: WaitOptions) -> Result<Option<(Pid, WaitStatus)>> {
        if self.driven {
            // The engine thread reaps and reports (Engine::wait).
            return Err(Errno::EDEADLK.into());
        }
        Ok(self.wait_with(pid, opts, false, |t, want| t.take_ready(want, opts))?.map(|(p, st, _)| (p, st)))
    }

    /// [`Tracer::wait`], also returning the resource usage of an exited
    /// child as wait4 reports it (`None` for stops and continues, where
    /// FreeBSD reports none). The kernel computes a usage for every status
    /// it hands out when asked (~0.3 µs, a tenth of a syscall stop), so
    /// only this call asks: an exit the engine reaped during a plain
    /// [`Tracer::wait`] (another process's, kept for later) has `None`.
    pub fn wait_rusage(&mut self, pid: i32, opts: WaitOptions) -> Result<Option<(Pid, WaitStatus, Option<sys::Rusage>)>> {
        if self.driven {
            return Err(Errno::EDEADLK.into());
        }
        self.wait_with(pid, opts, true, |t, want| t.take_ready(want, opts))
    }

    /// The wait loop: `take` what is ready for `pid`, else reap statuses
    /// (blocking unless `nohang`) until there is.
    pub(crate) fn wait_with<R>(
        &mut self,
        pid: i32,
        opts: WaitOptions,
        rusage: bool,
        mut take: impl FnMut(&mut Tracer, i32) -> Option<R>,
    ) -> Result<Option<R>> {
        loop {
            if let Some(r) = take(self, pid) {
                return Ok(Some(r));
            }
            if pid > 0 && !self.procs.contains_key(&Pid(pid)) && !self.foreign.iter().any(|f| f.0 == pid) {
                // Not traced by us: it must be our child, or wait has nothing to wait for.
                if !sys::is_child(pid, self.wait_flags) {
                    return Err(Errno::ECHILD.into());
                }
            }
            if self.reap_interrupted() {
                continue;
            }
            let mut flags = self.wait_flags;
            if opts.nohang {
                flags |= sys::WNOHANG;
            }
            if opts.untraced {
                flags |= sys::WUNTRACED;
            }
            if opts.continued {
                flags |= libc::WCONTINUED;
            }
            self.claim_attach_window_death(flags);
            match sys::wait4_rusage(-1, flags, opts.interruptible, rusage) {
                Ok(None) => return Ok(None),
                Ok(Some((tid, st, ru))) => {
                    self.last_rusage = ru;
                    self.dispatch(tid, st);
                    self.last_rusage = None;
                }
                Err(Errno::ECHILD) => {
                    if let Some(r) = take(self, pid) {
                        return Ok(Some(r));
                    }
                    return Err(Errno::ECHILD.into());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// While a process we attached to has not reached its first stop, look
    /// at the status the next `wait4(flags)` will reap before it reaps it:
    /// the death of a thread we do not know may be one of that process's
    /// threads, born of a thread already seized (Linux's auto-attach: it
    /// is ours from birth) after the attach's walk of `/proc`, and killed
    /// before its first stop and before its creator's clone event (a
    /// SIGKILL from outside right after the attach). Until it is reaped
    /// the kernel still shows its thread group, so it is listed as that
    /// process's LWP and its death is taken for what it is. Reaped
    /// blindly, nothing said whose thread it was and it came through as
    /// the exit of an unknown child (fault suite long-form R1, Rust face,
    /// worker seeds 22000089, 22000078). Costs one `waitid(WNOWAIT)` per
    /// reap, only while such a window is open.
    pub(crate) fn claim_attach_window_death(&mut self, flags: i32) {
        if !self.attach_window_open() {
            return;
        }
        if let Ok(Some((tid, code))) = sys::waitid_peek_all(flags | libc::WEXITED) {
            self.claim_death(tid, code);
        }
    }

    /// Has a process we attached to not reached its first stop yet? (The
    /// table is scanned only after an attach, until no window is left.)
    pub(crate) fn attach_window_open(&mut self) -> bool {
        if self.attaching {
            self.attaching = self.procs.values().any(|p| p.initial == Some(super::Event::Attach));
        }
        self.attaching
    }

    /// If the status a look saw (`code`, its si_code) is the death of
    /// `tid`, unknown to us, a thread of a process we trace (its task
    /// still there: a zombie until we reap it), list it as that process's
    /// LWP. Returns whether it did.
    pub(crate) fn claim_death(&mut self, tid: sys::Tid, code: i32) -> bool {
        let death = matches!(code, libc::CLD_EXITED | libc::CLD_KILLED | libc::CLD_DUMPED);
        if !death || self.tids.contains_key(&tid) || self.procs.contains_key(&Pid(tid)) {
            return false;
        }
        let Ok(st) = sys::procfs::status(tid) else { return false };
        if st.tgid == tid || !self.procs.contains_key(&Pid(st.tgid)) {
            return false;
        }
        tracing::debug!(tid, pid = st.tgid, "an unknown thread's death, claimed for its process");
        self.add_new_lwp(Pid(st.tgid), tid);
        if let Some(l) = self.procs.get_mut(&Pid(st.tgid)).and_then(|p| p.lwp_mut(tid)) {
            l.linux = super::LinuxState::Exiting;
        }
        true
    }

    /// While a process is being stopped, collect the stops of the threads we
    /// interrupted by tid, without blocking. `wait4(-1)` walks every traced
    /// thread of ours on each call, so reaping T stops through it costs
    /// O(T²) (2.3x the per-tid method at 512 threads); a `wait4(tid)` looks
    /// at that one thread. Threads report in about the order they were
    /// interrupted, so polling stops at the first one not stopped yet and
    /// the caller blocks in `wait4(-1)` as always: a thread that cannot stop
    /// now (a vfork parent waiting for a child that waits for us) never
    /// blocks the engine, which is why blocking stays with `-1`
    /// (DESIGN decision 4). Returns whether it dispatched anything.
    fn reap_interrupted(&mut self) -> bool {
        if !self.interrupts_out {
            return false;
        }
        // One pass: is any interrupt still out, and which stopping
        // processes to poll (only once one of their threads has stopped:
        // right after the interrupts nothing has, pinned to one CPU none has
        // even run, and a poll would be a wasted syscall per stop).
        let mut pending = false;
        let mut stopping: Vec<Pid> = Vec::new();
        for (pid, p) in &self.procs {
            let (mut interrupted, mut stopped) = (false, false);
            for l in &p.lwps {
                interrupted |= l.interrupt_pending;
                stopped |= matches!(l.linux, super::LinuxState::Stopped(_));
            }
            pending |= interrupted;
            if interrupted && stopped && p.state == ProcState::Stopping {
                stopping.push(*pid);
            }
        }
        if !pending {
            self.interrupts_out = false;
            return false;
        }
        let flags = self.wait_flags | sys::WNOHANG;
        let mut any = false;
        for pid in stopping {
            let mut i: usize = 0;
            // The next interrupted, not yet stopped LWP from position i on.
            let next = |t: &Tracer, i: &mut usize| -> Option<sys::Tid> {
                let p = t.procs.get(&pid).filter(|p| p.state == ProcState::Stopping)?;
                let k = p.lwps[(*i).min(p.lwps.len())..]
                    .iter()
                    .position(|l| l.interrupt_pending && l.linux == super::LinuxState::Running)?;
                *i += k + 1;
                Some(p.lwps[*i - 1].tid)
            };
            while let Some(tid) = next(self, &mut i) {
                match sys::wait4(tid, flags) {
                    Ok(Some((t, st))) => {
                        any = true;
                        self.dispatch(t, st);
                        // A thread may have left the list (a death): step
                        // back one so none is skipped; a missed one would
                        // only come through -1.
                        i = i.saturating_sub(1);
                    }
                    Ok(None) => break,
                    // Gone (an exec took its id): its news come through -1.
                    Err(_) => {}
                }
            }
        }
        any
    }

    /// Reap and dispatch every status the kernel has for us now, without
    /// blocking (the engine thread's half of a wait: [`crate::Engine`]).
    /// Returns whether anything was reaped.
    pub(crate) fn pump(&mut self) -> Result<bool, Errno> {
        let mut any = false;
        loop {
            if self.reap_interrupted() {
                any = true;
                continue;
            }
            // Every kind of status but "continued", so that no status of
            // ours stays for a process-wide peek to see again and again (a
            // job stop of a detached child of ours). Linux keeps one
            // "continued" state per process, also for its real parent
            // elsewhere (a tracer's WCONTINUED takes it from that parent):
            // the peek looks for it only while a waiter asks, and takes it
            // by pid (driver/app.rs).
            let flags = self.wait_flags | sys::WNOHANG | sys::WUNTRACED;
            self.claim_attach_window_death(flags);
            match sys::wait4_rusage(-1, flags, false, true) {
                Ok(None) | Err(Errno::ECHILD) => return Ok(any),
                Ok(Some((tid, st, ru))) => {
                    self.last_rusage = ru;
                    self.dispatch(tid, st);
                    self.last_rusage = None;
                    any = true;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Dispatch one status the engine thread reaped itself.
    pub(crate) fn dispatch_reaped(&mut self, tid: sys::Tid, status: i32, rusage: Option<sys::Rusage>) {
        self.last_rusage = rusage;
        self.dispatch(tid, status);
        self.last_rusage = None;
    }

    /// The next status to report, whatever its pid, for a driven tracer: a
    /// whole-process stop (left *not* waited for: the engine's user marks
    /// it with [`Tracer::mark_waited`] when its wait takes it), an exit, a
    /// job-control stop, a continue, or a status of an untraced child.
    pub(crate) fn take_reported(&mut self) -> Option<Reported> {
        if let Some(a) = self.take_exit_aside(-1, false) {
            return Some(Reported { pid: a.pid, status: WaitStatus::from_raw(a.status), rusage: a.rusage, pgid: Some(a.pgid) });
        }
        let all = WaitOptions { nohang: true, untraced: true, continued: true, interruptible: false };
        let exits: Vec<(Pid, i32)> = self
            .ready
            .iter()
            .filter_map(|p| self.procs.get(p).and_then(|x| matches!(x.state, ProcState::Exited { .. }).then_some((*p, x.pgid))))
            .collect();
        let (pid, status, rusage) = self.take_ready_marking(-1, all, false)?;
        let pgid = exits.iter().find(|(p, _)| *p == pid).map(|(_, g)| *g);
        if matches!(status, WaitStatus::Exited(_) | WaitStatus::Signaled { .. }) {
            self.children.remove(&pid.0);
        }
        Some(Reported { pid, status, rusage, pgid })
    }

    /// The engine's user collected the stop of `pid` (FreeBSD's P_WAITED):
    /// requests on it are allowed from now on.
    pub(crate) fn mark_waited(&mut self, pid: Pid) {
        if let Some(p) = self.procs.get_mut(&pid) {
            let marked = p.state == (ProcState::Stopped { waited: false }) && !self.ready.contains(&pid);
            if marked {
                p.state = ProcState::Stopped { waited: true };
            }
            super::ring::record(super::ring::Kind::Mark, pid.0 as i64, marked as i64, 0);
        }
    }

    /// A reportable status for `pid`, if one is ready.
    fn take_ready(&mut self, want: i32, opts: WaitOptions) -> Option<(Pid, WaitStatus, Option<sys::Rusage>)> {
        let r = self.take_ready_marking(want, opts, true);
        // (An exit set aside leaves the pid's membership to its newcomer.)
        if let Some((pid, WaitStatus::Exited(_) | WaitStatus::Signaled { .. }, _)) = r {
            if !self.procs.contains_key(&pid) {
                self.children.remove(&pid.0);
            }
        }
        r
    }

    fn take_ready_marking(&mut self, want: i32, opts: WaitOptions, mark: bool) -> Option<(Pid, WaitStatus, Option<sys::Rusage>)> {
        let r = self.take_ready_marking_inner(want, opts, mark);
        if let Some((pid, st, _)) = r {
            super::ring::record(super::ring::Kind::Take, pid.0 as i64, st.raw() as i64, mark as i64);
        }
        r
    }

    fn take_ready_marking_inner(&mut self, want: i32, opts: WaitOptions, mark: bool) -> Option<(Pid, WaitStatus, Option<sys::Rusage>)> {
        // Exits set aside first: older than anything their pid has now.
        if let Some(a) = self.take_exit_aside(want, false) {
            return Some((a.pid, WaitStatus::from_raw(a.status), a.rusage));
        }
        let mut i = 0;
        while i < self.ready.len() {
            let pid = self.ready[i];
            if !selects(want, pid.0) || self.procs.get(&pid).is_some_and(|p| p.mode == super::StopMode::Lwp) {
                i += 1;
                continue;
            }
            let Some(p) = self.procs.get_mut(&pid) else {
                self.ready.remove(i);
                continue;
            };
            match p.state {
                ProcState::Stopped { waited: false } => {
                    if mark {
                        p.state = ProcState::Stopped { waited: true };
                    }
                    let x = p.xthread.and_then(|t| p.lwp(t)).and_then(|l| l.event);
                    self.ready.remove(i);
                    let sig = if std::mem::take(&mut p.restop) {
                        libc::SIGSTOP
                    } else {
                        x.map(|e| e.stop_signal()).unwrap_or(libc::SIGSTOP)
                    };
                    return Some((pid, WaitStatus::Stopped(sig), None));
                }
                ProcState::Exited { status } => {
                    let ru = p.rusage;
                    self.ready.remove(i);
                    self.forget(pid);
                    return Some((pid, WaitStatus::from_raw(status), ru));
                }
                _ if p.job_report && opts.untraced => {
                    p.job_report = false;
                    let sig = p.job_stopped.unwrap_or(libc::SIGSTOP);
                    self.ready.remove(i);
                    return Some((pid, WaitStatus::JobStopped(sig), None));
                }
                _ if p.job_report => i += 1,
                _ => {
                    self.ready.remove(i);
                }
            }
        }
        let refused = &self.refused;
        let pos = self.foreign.iter().position(|&(p, st, _)| {
            selects(want, p)
                && (libc::WIFEXITED(st)
                    || libc::WIFSIGNALED(st)
                    || (libc::WIFSTOPPED(st) && (opts.untraced || refused.contains(&p)))
                    || (libc::WIFCONTINUED(st) && opts.continued))
        })?;
        let (p, st, ru) = self.foreign.remove(pos)?;
        if libc::WIFSTOPPED(st) && self.refused.contains(&p) {
            // The debugger stop it is to the debugger (not a job stop).
            return Some((Pid(p), WaitStatus::Stopped(libc::WSTOPSIG(st)), ru));
        }
        if !libc::WIFSTOPPED(st) && !libc::WIFCONTINUED(st) {
            self.refused.retain(|r| *r != p);
        }
        Some((Pid(p), WaitStatus::from_raw(st), ru))
    }
}
