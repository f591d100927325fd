//! PT_ATTACH and PT_TRACE_ME: how a process becomes traced. An attach
//! seizes every thread and interrupts it (ending a job stop with a SIGCONT
//! the program never sees); a PT_TRACE_ME child, traced by Linux with a
//! legacy attach, is adopted: detached into a job-control stop and seized.

use super::candebug;
use crate::abi;
use crate::engine::{options_for, Event, LinuxState, LinuxStop, Lwp, Lwpid, Pid, Proc, ProcState, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::{self, procfs, Tid};

/// PT_TRACE_ME, for a child about to be traced by its parent: declare the
/// parent the tracer. Like FreeBSD's it does not stop; the child usually
/// raises SIGSTOP or execs next. The parent's [`Tracer::wait`] adopts the
/// child at its first stop.
pub fn trace_me() -> Result<()> {
    if procfs::status(sys::getpid()).is_ok_and(|s| s.tracer_pid != 0) {
        return Err(Errno::EBUSY.into());
    }
    if sys::getppid() == 1 {
        return Err(Errno::EPERM.into());
    }
    sys::traceme().map_err(Into::into)
}

impl Tracer {
    /// PT_ATTACH: stop tracing nothing, start tracing `pid`, all its threads.
    /// The first stop reported is SIGSTOP (with `PL_FLAG_SI`).
    pub fn attach(&mut self, t: Target) -> Result<Pid> {
        self.attach_with(t, true)
    }

    /// [`Tracer::attach`] choosing kill-on-exit from the first instant
    /// (see [`Tracer::set_kill_on_exit`]): with `false` the process is
    /// never armed to die with the tracer, not even between the seize and
    /// its first stop, where `set_kill_on_exit` cannot reach it yet.
    pub fn attach_with(&mut self, t: Target, kill_on_exit: bool) -> Result<Pid> {
        let (pid, st) = self.lookup(t)?;
        // Ourselves: FreeBSD's p_candebug() lets a process debug itself,
        // then PT_ATTACH says EINVAL. By the pid we have now: a Tracer
        // carried into a forked child keeps its parent's `self_pid` (it
        // answered EPERM there, from Linux's seize of its own group, and
        // as `nobody` from the credential check: issue 11's fault suite).
        let me = sys::getpid();
        if pid.0 == me {
            return Err(Errno::EINVAL.into());
        }
        candebug(&st)?;
        if procfs::is_kernel_thread(pid.0).unwrap_or(false) {
            return Err(Errno::EINVAL.into());
        }
        if st.tracer_pid != 0 || self.procs.contains_key(&pid) {
            return Err(Errno::EBUSY.into());
        }
        // A traced tracer may not attach to its own ancestors.
        if procfs::status(me).is_ok_and(|s| s.tracer_pid != 0) && is_ancestor(pid.0, me) {
            return Err(Errno::EINVAL.into());
        }
        let mask = abi::PTRACE_DEFAULT;
        let mut opts = options_for(mask);
        if !kill_on_exit {
            opts &= !sys::PTRACE_O_EXITKILL;
        }
        let mut p = Proc::new(pid, mask);
        p.options = opts;
        p.exit_kill = kill_on_exit;
        // Seize every thread; threads created meanwhile are caught by
        // TRACECLONE from seized ones, so loop until /proc shows no new tid.
        let mut first = true;
        loop {
            let tasks = procfs::tasks(pid.0).unwrap_or_default();
            let mut added = false;
            for tid in tasks {
                if p.lwp(tid).is_some() || self.tids.contains_key(&tid) {
                    continue;
                }
                match sys::seize(tid, opts) {
                    Ok(()) => {
                        p.lwps.push(Lwp::new(tid, LinuxState::Running));
                        self.tids.insert(tid, pid);
                        added = true;
                    }
                    Err(_) if tid == pid.0 && procfs::task_status(pid.0, tid).is_ok_and(|s| s.state == 'Z') => {
                        // The main thread exited before the others: a zombie
                        // cannot be traced, its threads can (and are the
                        // process). Its exit goes to its real parent; ours
                        // is the last thread's (see on_lwp_gone).
                        p.leader_gone = true;
                    }
                    Err(e) if first && tid == pid.0 => {
                        return Err(match e {
                            Errno::EPERM | Errno::EACCES => Errno::EPERM,
                            other => other,
                        }
                        .into())
                    }
                    Err(_) => {} // a thread that just exited
                }
            }
            first = false;
            if !added {
                break;
            }
        }
        if p.lwps.is_empty() {
            return Err(Errno::ESRCH.into());
        }
        if p.leader_gone && st.ppid == me {
            // We report the process's exit at its last thread's; the
            // leader's zombie, ours as its parent, then comes as an
            // untraced child's: not a second exit (issue 11 #6).
            self.released.insert(pid.0);
        }
        p.initial = Some(Event::Attach);
        p.state = ProcState::Stopping;
        for l in p.lwps.iter_mut() {
            // The attach stop is ours: interrupt everything.
            if sys::interrupt(l.tid).is_ok() {
                l.interrupt_pending = true;
                self.interrupts_out = true;
            } else {
                l.linux = LinuxState::Exiting;
            }
            l.sc = crate::engine::ScState::Unknown;
        }
        if st.state == 'T' && sys::kill(pid.0, libc::SIGCONT).is_ok() {
            // Job-stopped (by its shell's SIGSTOP): FreeBSD's PT_CONTINUE
            // and PT_DETACH clear P_STOPPED_SIG and it runs. Linux keeps
            // the group stop until a SIGCONT, trapping the threads again
            // at each resume and stopping them again at the detach. End it
            // now with a SIGCONT of ours that is never delivered (as for
            // an adoption); its real parent sees it continued.
            p.swallow |= 1 << (libc::SIGCONT - 1);
        }
        self.procs.insert(pid, p);
        Ok(pid)
    }
}

impl Tracer {
    /// Adopt a PT_TRACE_ME child whose Linux tracer is another thread of
    /// this process. Linux makes the thread that forked the child its
    /// tracer, and only that thread may PTRACE_DETACH it, so when the
    /// forking thread is not the one that owns this `Tracer` (the engine's
    /// own adoption at the first stop fails) the forking thread does the
    /// first half: it reaps the child's first stop (`status`, with its
    /// `siginfo`) and detaches it into a job-control stop with SIGSTOP,
    /// reaping that too. This is the second half of the engine's adoption:
    /// seize, end the job-control stop unseen, and report the first stop as
    /// the engine would have.
    pub fn adopt_traceme_detached(&mut self, pid: Pid, status: i32, siginfo: Option<sys::siginfo_t>) -> Result<()> {
        let tid: Tid = pid.0;
        if self.procs.contains_key(&pid) {
            return Err(Errno::EBUSY.into());
        }
        let sig = libc::WSTOPSIG(status);
        // A legacy exec stop is a plain SIGTRAP the kernel sends "from" the
        // tracee itself with SEND_SIG_NOINFO (SI_USER, si_pid = its pid).
        let is_exec = (status >> 16) == sys::PTRACE_EVENT_EXEC
            || (sig == libc::SIGTRAP
                && (status >> 16) == 0
                && siginfo.is_some_and(|s| {
                    sys::si::code(&s) == libc::SI_USER && (sys::si::pid(&s) == 0 || sys::si::pid(&s) == tid)
                }));
        // The detach left a job-control stop whose notification waits for
        // the real parent (a thread of ours): take it, nobody is to see it.
        // Killed since (issue 11 #5): that wait reaps its exit, which is
        // then reported as any untraced child's.
        if let Ok(Some((_, st))) = sys::wait4(tid, sys::WALL | libc::WUNTRACED | libc::WNOHANG) {
            if !libc::WIFSTOPPED(st) {
                let ru = self.last_rusage.take();
                self.foreign.push_back((tid, st, ru));
                return Err(Errno::ESRCH.into());
            }
        }
        let mask = abi::PTRACE_DEFAULT;
        let opts = options_for(mask);
        sys::seize(tid, opts)?;
        let mut p = Proc::new(pid, mask);
        p.options = opts;
        let mut l = Lwp::new(tid, LinuxState::Stopped(LinuxStop::Event));
        if is_exec {
            l.event = Some(Event::Exec { old_tid: Lwpid(tid) });
        } else {
            l.event = Some(Event::TraceMe { sig });
            l.siginfo = siginfo.into();
        }
        p.lwps.push(l);
        // Threads it made before (or after) PT_TRACE_ME were never traced
        // (Linux traced only the calling thread); the job-control stop holds
        // them all, so seize them too: FreeBSD traces the process.
        loop {
            let mut added = false;
            for t in procfs::tasks(tid).unwrap_or_default() {
                if p.lwp(t).is_some() || sys::seize(t, opts).is_err() {
                    continue;
                }
                p.lwps.push(Lwp::new(t, LinuxState::Stopped(LinuxStop::Event)));
                added = true;
            }
            if !added {
                break;
            }
        }
        // Seizing a job-stopped task makes it trap (PTRACE_EVENT_STOP):
        // collect those traps, then end the job-control stop. The SIGCONT
        // that does it is ours, and is never delivered.
        // A SIGCONT from a thread of its own (or anyone) between the
        // detach and the seize ended the job-control stop: such a thread
        // never traps by itself, and a blocking wait for it would hang the
        // tracer (issue 11 #4), so it is interrupted.
        let mut gone = None;
        for l in p.lwps.iter_mut() {
            let mut w = sys::wait4(l.tid, sys::WALL | libc::WNOHANG);
            if matches!(w, Ok(None)) {
                let _ = sys::interrupt(l.tid);
                w = sys::wait4(l.tid, sys::WALL);
            }
            match w {
                Ok(Some((_, st))) if libc::WIFSTOPPED(st) => {}
                Ok(Some((_, st))) if l.tid == tid => gone = Some(st),
                _ => l.linux = LinuxState::Exiting,
            }
        }
        if let Some(st) = gone {
            // The leader's exit (killed meanwhile, the group empty): the
            // process is gone; report it as the child it is.
            self.foreign.push_back((tid, st, None));
            return Err(Errno::ESRCH.into());
        }
        let _ = sys::kill(tid, libc::SIGCONT);
        // Its continue notification for the real parent, likewise (or its
        // exit, if it was killed just now: then the process is gone).
        if let Ok(Some((_, st))) = sys::wait4(tid, sys::WALL | libc::WCONTINUED | libc::WNOHANG) {
            if libc::WIFEXITED(st) || libc::WIFSIGNALED(st) {
                for l in &p.lwps {
                    if l.tid != tid {
                        let _ = sys::wait4(l.tid, sys::WALL | libc::WNOHANG);
                    }
                }
                self.foreign.push_back((tid, st, None));
                return Err(Errno::ESRCH.into());
            }
        }
        p.swallow |= 1 << (libc::SIGCONT - 1);
        p.pending.push_back(tid);
        p.state = ProcState::Stopping;
        for l in &p.lwps {
            self.tids.insert(l.tid, pid);
        }
        self.procs.insert(pid, p);
        self.check_all_stopped(pid);
        Ok(())
    }
}

fn is_ancestor(candidate: i32, mut pid: i32) -> bool {
    for _ in 0..4096 {
        let Ok(st) = procfs::status(pid) else { return false };
        if st.ppid == candidate {
            return true;
        }
        if st.ppid <= 1 {
            return false;
        }
        pid = st.ppid;
    }
    false
}
