//! FreeBSD's whole-process stop: an event on a running process interrupts
//! every other LWP; the stop is reportable once all are stopped; events
//! that race in meanwhile are kept pending; continue resumes every LWP not
//! PT_SUSPENDed. Job-control stops are held with PTRACE_LISTEN.

use super::{Event, LinuxState, LinuxStop, Pid, ProcState, Tracer};
use crate::sys::{self, Tid};

impl Tracer {
    /// Common tail of every stop: report, queue or resume.
    pub(super) fn after_stop(&mut self, pid: Pid, tid: Tid, kind: LinuxStop, event: Option<Event>) {
        let p = self.procs.get_mut(&pid).expect("live");
        if p.killed {
            // Exiting: nothing more is reported; let every thread die.
            p.pending.clear();
            for l in p.lwps.iter_mut() {
                l.event = None;
                l.suspended = false;
            }
            if p.state == ProcState::Running {
                // Every thread held stopped goes, not only this one: a
                // thread whose own exit (an EXITED stop) raced the SIGKILL
                // stayed at its exit stop while the process counted as
                // running, and Linux held the leader's death behind it:
                // the tracer's wait hung (fault suite long-form R1, C face,
                // root, worker seed 82000267: `Stop 15583 3 11`, then the
                // leader's killed exit stop and a resume of it alone).
                return self.resume_all(pid);
            }
            // A remote exit's stop: on FreeBSD the exit starts when the
            // tracer continues. The threads exit_group took down go (this
            // one), the LWP at the remote exit stays, and so does the stop
            // (its re-stop still to report, or reported and held). Letting
            // it go too made the tracer's PT_CONTINUE after the re-stop
            // fail with ESRCH (fault suite long-form R1, C face, seed
            // 1000015), or the re-stop vanish.
            if let Some(rt) = p.remote_exit_lwp() {
                if tid != rt {
                    self.resume_lwp(pid, tid);
                }
                return;
            }
            // Even a stop the tracer holds: a dying process cannot stay
            // stopped (SIGKILL woke it), and its exit must reach wait.
            self.ready.retain(|x| *x != pid);
            return self.resume_all(pid);
        }
        if p.mode == super::StopMode::Lwp {
            return self.after_lwp_stop(pid, tid, kind, event);
        }
        match event {
            Some(e) => {
                let l = p.lwp_mut(tid).expect("live");
                l.event = Some(e);
                l.step = false;
                p.pending.push_back(tid);
                if p.state == ProcState::Running {
                    p.state = ProcState::Stopping;
                    self.interrupt_others(pid, tid);
                }
                self.check_all_stopped(pid);
            }
            None => {
                if kind == LinuxStop::Group {
                    return self.on_group_stop(pid, tid);
                }
                // A PT_SUSPENDed LWP that was asleep in a syscall returned
                // from it: it stays stopped, as FreeBSD keeps it suspended.
                let suspended = p.lwp(tid).is_some_and(|l| l.suspended);
                if p.state == ProcState::Running && !suspended {
                    self.resume_lwp(pid, tid);
                } else {
                    self.check_all_stopped(pid);
                }
            }
        }
    }

    /// Make sure an LWP is in a ptrace-stop (a request needs its
    /// registers, or a detach): one asleep in a syscall
    /// ([`LinuxState::Blocked`]) is interrupted now and its stop collected
    /// (the syscall it was in restarts unseen when it is resumed,
    /// engine/restart/). Statuses of other threads met on the way are
    /// dispatched as usual.
    /// `true` if it was asleep (its state may have changed: ask again).
    pub(crate) fn settle_lwp(&mut self, pid: Pid, tid: Tid) -> bool {
        let blocked = self.procs.get(&pid).and_then(|p| p.lwp(tid)).is_some_and(|l| l.linux == LinuxState::Blocked);
        if !blocked {
            return false;
        }
        if self.procs[&pid].lwps.iter().any(|l| l.exec_victim) {
            // An execve killed every other thread, held at its exit stop:
            // this one is the exec'ing thread, which stops only once they
            // are gone (waiting for it would wait for ever: issue 11, R2's
            // execer deadlock).
            self.release_exec_victims(pid);
        }
        let r = sys::interrupt(tid);
        super::ring::record(super::ring::Kind::Interrupt, tid as i64, r.err().map_or(0, |e| e.0 as i64), pid.0 as i64);
        if r.is_err() {
            // Gone. If an execve under way took it over (it now goes by
            // the pid), its exec stop is on its way: collect it all the
            // same (a detach would leave it behind, stopped and traced).
            if !self.procs.get(&pid).is_some_and(|p| p.execing) {
                return true;
            }
        } else if let Some(l) = self.procs.get_mut(&pid).and_then(|p| p.lwp_mut(tid)) {
            l.interrupt_pending = true;
        }
        self.collect_lwp_stop(pid, tid);
        true
    }

    /// Collect statuses until the interrupted LWP `tid` has stopped (or
    /// died): what `wait4(tid)` would do, but also reaping the statuses of
    /// the process's other threads meanwhile and dispatching them as
    /// usual. An LWP interrupted inside execve stops only once the exec
    /// has killed every other thread (de_thread) and those threads' exit
    /// stops and zombies were collected, by us alone: a wait for `tid`
    /// alone would wait for ever (issue 11, R2's execer deadlock). Other
    /// processes' statuses are left to the usual wait (collecting those
    /// here, `wait4(-1)`, made R2 livelock). It sleeps in a
    /// `waitid(P_ALL, WNOWAIT)` look, which takes nothing and names the
    /// next status pending: `tid`'s (the usual case: two system calls in
    /// all, the look and the `wait4` that reaps) or another thread's of
    /// the process, reaped then. When the look names someone else's, ours
    /// may be behind it: every thread of the process is asked (WNOHANG),
    /// then it polls, backing off to 1 ms.
    pub(crate) fn collect_lwp_stop(&mut self, pid: Pid, tid: Tid) {
        let busy = |t: &Tracer| {
            t.procs.get(&pid).and_then(|p| p.lwp(tid)).is_some_and(|l| matches!(l.linux, LinuxState::Blocked | LinuxState::Running))
        };
        let flags = sys::WALL | self.wait_flags | sys::WNOHANG;
        let mut idle = 0u32;
        loop {
            let next = match sys::waitid_peek_all(self.wait_flags | sys::WALL | libc::WEXITED | libc::WSTOPPED) {
                Ok(Some((t, _))) => t,
                // No child at all: `tid` is gone too.
                Ok(None) | Err(_) => return,
            };
            let mine = next == tid || self.tids.get(&next) == Some(&pid);
            let look: Vec<Tid> = if mine {
                vec![next]
            } else {
                // Someone else's first: ours may be behind it.
                match self.procs.get(&pid) {
                    Some(p) => std::iter::once(tid).chain(p.lwps.iter().map(|l| l.tid).filter(|t| *t != tid)).collect(),
                    None => return,
                }
            };
            let mut got = false;
            for o in look {
                loop {
                    match sys::wait4(o, flags) {
                        Ok(Some((t, st))) => {
                            self.dispatch(t, st);
                            got = true;
                        }
                        Ok(None) => break,
                        // Gone: its execve gave it the leader's id (while
                        // the exec is under way, its stop comes under the
                        // pid: collected here too, or a detach that
                        // settled it would leave the process traced and
                        // stopped at that exec stop), or reaped.
                        Err(_) if o == tid => {
                            if self.procs.get(&pid).is_some_and(|p| p.execing) {
                                break;
                            }
                            return;
                        }
                        Err(_) => break,
                    }
                }
            }
            if !busy(self) {
                return;
            }
            if got {
                if self.procs.get(&pid).is_some_and(|p| p.lwps.iter().any(|l| l.exec_victim)) {
                    // An execve killed the others meanwhile, held at their
                    // exit stops: `tid` is the exec'ing thread (or one on
                    // its way to its own), and the exec waits for them.
                    self.release_exec_victims(pid);
                }
                idle = 0;
                continue;
            }
            idle += 1;
            if idle < 8 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(std::time::Duration::from_micros(1 << (idle - 8).min(10)));
            }
        }
    }

    /// [`Tracer::settle_lwp`] for every LWP of the process.
    pub(crate) fn settle_all(&mut self, pid: Pid) {
        let blocked: Vec<Tid> = match self.procs.get(&pid) {
            Some(p) => p.lwps.iter().filter(|l| l.linux == LinuxState::Blocked).map(|l| l.tid).collect(),
            None => return,
        };
        for tid in blocked {
            let _ = self.settle_lwp(pid, tid);
        }
    }

    /// Job control: a SIGSTOP-class signal was delivered and the thread
    /// entered group-stop. The process stays stopped (PTRACE_LISTEN) until
    /// SIGCONT, as on FreeBSD; a WUNTRACED wait reports it once.
    pub(super) fn on_group_stop(&mut self, pid: Pid, tid: Tid) {
        let p = self.procs.get_mut(&pid).expect("live");
        if p.state != ProcState::Running {
            // We are stopping it anyway; resuming will restart the group stop.
            return self.check_all_stopped(pid);
        }
        let sig = sys::siginfo(tid).map(|s| sys::si::signo(&s)).unwrap_or(libc::SIGSTOP);
        if p.job_stopped.is_none() {
            p.job_stopped = Some(if sig > 0 { sig } else { libc::SIGSTOP });
            p.job_report = true;
            self.ready.push_back(pid);
        }
        let _ = sys::resume(sys::PTRACE_LISTEN, tid, 0);
        let p = self.procs.get_mut(&pid).expect("live");
        if let Some(l) = p.lwp_mut(tid) {
            l.linux = LinuxState::Running;
        }
    }

    pub(crate) fn interrupt_others(&mut self, pid: Pid, except: Tid) {
        let p = self.procs.get_mut(&pid).expect("live");
        let execing = p.execing;
        for l in p.lwps.iter_mut() {
            if l.tid != except && l.linux == LinuxState::Running && !l.interrupt_pending {
                tracing::trace!(tid = l.tid, "interrupt");
                let r = sys::interrupt(l.tid);
                super::ring::record(super::ring::Kind::Interrupt, l.tid as i64, r.err().map_or(0, |e| e.0 as i64), pid.0 as i64);
                match r {
                    Ok(()) => {
                        l.interrupt_pending = true;
                        self.interrupts_out = true;
                    }
                    // An execve under way (the leader's exit stop came):
                    // the exec'ing thread's tid may have just become the
                    // pid (de_thread), so the interrupt missed it; its
                    // exec stop comes under the pid, or its death. Taken
                    // for gone, the process had no live LWP until then
                    // and requests on it answered ESRCH where FreeBSD
                    // says EBUSY (fault suite R1, Rust face, seed
                    // 47000142: `Interrupt 13481 3` between the leader's
                    // PTRACE_EVENT_EXIT and the exec event).
                    Err(_) if execing => {}
                    // Gone already: its exit status is on its way.
                    Err(_) => l.linux = LinuxState::Exiting,
                }
            }
        }
    }

    /// If the process is stopping and every LWP has stopped, make the stop
    /// reportable.
    pub(crate) fn check_all_stopped(&mut self, pid: Pid) {
        let Some(p) = self.procs.get_mut(&pid) else { return };
        if p.state != ProcState::Stopping {
            return;
        }
        if p.lwps.iter().any(|l| matches!(l.linux, LinuxState::Running | LinuxState::New)) {
            return;
        }
        if let Some(init) = p.initial.take() {
            let leader = p.lwps.iter().find(|l| l.is_live()).map(|l| l.tid);
            if let Some(t) = leader {
                let l = p.lwp_mut(t).expect("live");
                l.event = Some(init);
                p.pending.retain(|x| *x != t);
                p.pending.push_front(t);
            }
        }
        // The first pending event of a thread that may run gets reported.
        let next = p
            .pending
            .iter()
            .position(|t| p.lwp(*t).is_some_and(|l| !l.suspended && l.event.is_some()));
        match next {
            Some(i) => {
                let t = p.pending.remove(i).expect("index valid");
                let sig = p.lwp(t).and_then(|l| l.event).map_or(0, |e| e.stop_signal());
                super::ring::record(super::ring::Kind::Ready, pid.0 as i64, t as i64, sig as i64);
                p.xthread = Some(t);
                p.state = ProcState::Stopped { waited: false };
                self.ready.push_back(pid);
            }
            None => {
                // Nothing to report after all (the event's thread died).
                self.resume_all(pid);
            }
        }
    }

    /// May the engine follow syscalls itself and see its restarts through
    /// (engine/restart/)? An [`crate::Engine`]'s tracer, which handles
    /// the extra stops at once, or a tracer whose user promised to reap
    /// at once; a direct tracer's caller would have to be inside `wait()`.
    pub(crate) fn follows_restarts(&self) -> bool {
        self.driven || self.reaps_promptly
    }

    /// Resume one LWP with the Linux request its process's mask asks for.
    pub(crate) fn resume_lwp(&mut self, pid: Pid, tid: Tid) {
        let follow = self.follows_restarts();
        let p = self.procs.get_mut(&pid).expect("live");
        if let Some(i) = p.position(tid) {
            p.resume_at(i, follow);
        }
    }

    /// Resume every stopped, not suspended LWP (the continue of FreeBSD).
    pub(crate) fn resume_all(&mut self, pid: Pid) {
        let follow = self.follows_restarts();
        let p = self.procs.get_mut(&pid).expect("live");
        p.state = ProcState::Running;
        p.xthread = None;
        p.maps = None;
        // A remote exit's stop ends here: the exit is under way. Its LWP
        // goes even if PT_SUSPENDed: held at its exit stop, it kept the
        // process from ever exiting, and a wait for it hung (fault suite
        // R1, Rust face, nobody, seed 207000623: PT_SUSPEND, PT_SC_REMOTE
        // exit_group, PT_CONTINUE).
        let exiting = p.remote_exit_lwp();
        p.remote_exit = None;
        for i in 0..p.lwps.len() {
            // An exec's victim goes to its death even if PT_SUSPENDed: the
            // exec waits for it.
            let victim = std::mem::take(&mut p.lwps[i].exec_victim);
            if victim {
                p.lwps[i].event = None;
                p.lwps[i].resume_sig = 0;
            }
            if p.lwps[i].is_stopped() && (!p.lwps[i].suspended || exiting == Some(p.lwps[i].tid) || victim) {
                p.resume_at(i, follow);
            }
        }
    }

    /// Let the threads an execve killed under a stop go to their death
    /// (see [`Lwp::exec_victim`](super::Lwp)): the exec then completes
    /// while the process stays stopped. For a request that needs the
    /// exec'ing thread itself stopped, which it cannot be before then.
    pub(crate) fn release_exec_victims(&mut self, pid: Pid) {
        let follow = self.follows_restarts();
        let Some(p) = self.procs.get_mut(&pid) else { return };
        for i in 0..p.lwps.len() {
            if std::mem::take(&mut p.lwps[i].exec_victim) {
                if p.xthread == Some(p.lwps[i].tid) {
                    // Its report is moot now; the exec's event comes.
                    p.xthread = None;
                }
                p.lwps[i].event = None;
                p.lwps[i].resume_sig = 0;
                p.resume_at(i, follow);
            }
        }
    }

    /// A ptrace request on LWP `tid`, which the engine holds in a
    /// ptrace-stop, answered ESRCH: something woke it to die since (an
    /// execve of another thread, a SIGKILL) and its exit stop has not been
    /// met. Meet it (or its death) now. `true` if the LWP is held again,
    /// at its exit stop (an exec's victim under a stop the debugger was
    /// told of), so the request can be made again; `false` leaves the
    /// ESRCH standing (the process is exiting, or the engine was wrong).
    /// A woken thread reaches its exit stop at once; the look is bounded
    /// all the same (about 2 s), off every hot path.
    pub(crate) fn meet_exit_stop(&mut self, pid: Pid, tid: Tid) -> bool {
        let held = |t: &Tracer| t.procs.get(&pid).and_then(|p| p.lwp(tid)).map(|l| (l.is_stopped(), l.exec_victim, l.ghost.is_some()));
        match held(self) {
            Some((true, false, false)) => {}
            _ => return false,
        }
        let flags = sys::WALL | self.wait_flags | sys::WNOHANG;
        for idle in 0..40u32 {
            match sys::wait4(tid, flags) {
                Ok(Some((t, st))) => {
                    self.dispatch(t, st);
                    break;
                }
                Ok(None) if idle < 8 => std::thread::yield_now(),
                Ok(None) => std::thread::sleep(std::time::Duration::from_micros(1 << (idle - 8).min(16))),
                Err(_) => break,
            }
        }
        held(self) == Some((true, true, false))
    }
}
