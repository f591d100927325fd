//! gdb's non-stop mode (`set non-stop on`, `QNonStop:1`): each thread
//! stops, is reported and resumed alone while the others run.
//!
//! Every process is put in the engine's per-LWP mode ([`StopMode::Lwp`]):
//! an LWP's stop comes from [`Tracer::wait_lwp`] alone, requests name the
//! LWP, and resuming an LWP resumes it alone. This layer keeps what gdb
//! sees: which threads are stopped (and why), the queue of stop replies
//! gdb fetches with `vStopped` after a `%Stop` notification, the threads
//! gdb asked to stop (`vCont;t`), and what each running thread was told to
//! do (a range step goes on here). Memory is read and written through a
//! collected LWP, or through `/proc/PID/mem` when every thread runs.
//!
//! All-stop is untouched: nothing here runs unless gdb asked for non-stop,
//! and leaving it (QNonStop:0, kill, detach, the end of the session)
//! brings every LWP to a stop and the process back to the whole-process
//! mode the all-stop code expects.
//!
//! It must never resume a thread gdb believes stopped, never report a
//! stop twice, and never wait for a stop that cannot come.

mod classify;

use super::target::{Action, Inferiors, Ptid, Sel, Stop, StopKind, ORIG_RAX_OFFSET, TRAP_BRKPT, TRAP_HWBKPT};
use bsdtrace::{Errno, Error, Event, LwpStatus, Lwpid, Pid, Resume, StopMode, Target as T, WaitOptions, WaitStatus};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::os::unix::fs::FileExt;

/// What gdb knows and asked for in non-stop mode.
#[derive(Default)]
pub struct NonStop {
    /// Threads stopped as gdb sees them (their stop reported or queued),
    /// with why they stopped (for `?`).
    pub stopped: BTreeMap<Ptid, StopKind>,
    /// What each thread was last told to do (while it runs).
    actions: HashMap<Ptid, Action>,
    /// Threads gdb asked to stop (`vCont;t`): their stop is signal 0.
    stop_wanted: HashSet<Ptid>,
    /// Threads we stopped to give them new debug registers (resumed at
    /// once, not reported).
    resync: HashSet<Ptid>,
    /// `vCtrlC`: this thread's interrupt is reported as SIGINT.
    ctrl_c: Option<Ptid>,
    /// Stop replies for gdb; the head has been sent (as `%Stop` or as the
    /// reply to `?`/`vStopped`) and leaves at the next `vStopped`.
    pub queue: VecDeque<Stop>,
    /// Breakpoints gdb removed, by process: a hit collected after the
    /// removal still moves the pc back onto the original instruction.
    removed: HashMap<i32, HashSet<u64>>,
    /// `/proc/PID/mem`, for memory while every thread runs.
    mem: HashMap<i32, std::fs::File>,
    /// Fork children (not followed in non-stop: let go) and whether they
    /// share memory with their parent (vfork); children whose first stop
    /// came before their parent's fork event wait here.
    children: HashMap<i32, bool>,
    early_children: HashSet<i32>,
    /// Threads stopped in the engine that gdb believes running: those of
    /// a process attached in non-stop (`vAttach` is answered `OK`, and
    /// gdb then stops the threads it wants with `vCont;t`, as with GNU
    /// gdbserver). A `t` reports such a thread's stop at once, any other
    /// action resumes it.
    held: HashSet<Ptid>,
    /// Stops decided outside the engine's events (a held thread's `t`):
    /// handed out by the next [`Inferiors::ns_poll`].
    reports: Vec<Stop>,
}

impl NonStop {
    pub fn removed(&mut self, pid: i32, addr: u64) {
        let set = self.removed.entry(pid).or_default();
        if set.len() < 4096 {
            set.insert(addr);
        }
    }

    /// Is a stop of `p` waiting for gdb?
    pub fn queued(&self, p: Ptid) -> bool {
        self.queue.iter().any(|s| s.ptid == p)
    }
}

/// What became of an LWP's stop.
enum Out {
    Report(StopKind),
    /// Resume it as it was told, with this signal.
    Resume(i32),
}

impl Inferiors {
    /// Memory through the engine (a collected LWP), or through
    /// `/proc/PID/mem` while every thread runs (we are its tracer, so the
    /// kernel lets us, text included).
    pub(super) fn mem_read(&mut self, pid: i32, addr: u64, data: &mut [u8]) -> Result<(), Error> {
        match self.tracer.read_memory(T::Proc(Pid(pid)), addr, data) {
            Err(Error::Errno(Errno::EBUSY)) if self.ns.is_some() => self.mem_direct(pid, addr, data, None),
            r => r,
        }
    }

    pub(super) fn mem_write(&mut self, pid: i32, addr: u64, data: &[u8]) -> Result<(), Error> {
        match self.tracer.write_memory(T::Proc(Pid(pid)), addr, data) {
            Err(Error::Errno(Errno::EBUSY)) if self.ns.is_some() => self.mem_direct(pid, addr, &mut [], Some(data)),
            r => r,
        }
    }

    fn mem_direct(&mut self, pid: i32, addr: u64, rd: &mut [u8], wr: Option<&[u8]>) -> Result<(), Error> {
        let ns = self.ns.as_mut().expect("non-stop");
        let f = match ns.mem.entry(pid) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(format!("/proc/{pid}/mem"))
                    .map_err(|e| Error::Errno(Errno(e.raw_os_error().unwrap_or(libc::EIO))))?,
            ),
        };
        let len = wr.map(|w| w.len()).unwrap_or(rd.len());
        let mut done = 0;
        while done < len {
            let at = addr.wrapping_add(done as u64);
            let r = match wr {
                Some(w) => f.write_at(&w[done..], at),
                None => f.read_at(&mut rd[done..], at),
            };
            match r {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        if done == len {
            Ok(())
        } else {
            Err(Error::Fault { errno: Errno::EFAULT, done })
        }
    }

    /// `QNonStop:1`: every process (stopped, as all-stop leaves them) to
    /// the per-LWP mode, every thread stopped as far as gdb knows.
    pub fn enter_non_stop(&mut self) -> Result<(), Error> {
        if self.ns.is_some() {
            return Ok(());
        }
        if self.any_running() {
            return Err(Errno::EBUSY.into());
        }
        let pids: Vec<i32> = self.procs.keys().copied().collect();
        self.ns = Some(NonStop::default());
        for &pid in &pids {
            if let Err(e) = self.ns_adopt(pid) {
                self.ns = None;
                return Err(e);
            }
        }
        // Events other LWPs had pending: they are those threads' stops.
        for s in self.ns_poll() {
            if let Some(ns) = self.ns.as_mut() {
                if let Some(k) = ns.stopped.get_mut(&s.ptid) {
                    *k = s.kind;
                }
            }
        }
        Ok(())
    }

    /// A stopped process into non-stop's bookkeeping (at `QNonStop:1`, or
    /// started or attached meanwhile: `vRun`, `vAttach`): the per-LWP mode,
    /// every thread stopped as far as gdb knows, the reporting one with
    /// SIGTRAP. (Without it a process `run` in non-stop answered `g` with
    /// E01: gdb's `run` failed with "Could not read registers".)
    pub fn ns_adopt(&mut self, pid: i32) -> Result<(), Error> {
        let rep = self.reporting_thread(pid);
        self.tracer.set_stop_mode(T::Proc(Pid(pid)), StopMode::Lwp)?;
        let lwps = self.tracer.live_lwp_list(Pid(pid))?;
        if let Some(ns) = self.ns.as_mut() {
            for l in lwps {
                let p = Ptid { pid, tid: l.0 };
                let kind = if Some(p) == rep { StopKind::Signal(libc::SIGTRAP) } else { StopKind::Signal(0) };
                ns.stopped.insert(p, kind);
            }
        }
        Ok(())
    }

    /// A process attached while gdb is in non-stop (`vAttach`): the
    /// per-LWP mode, every thread held (stopped here, running as gdb
    /// sees it) until gdb's `vCont` says what each one does.
    pub fn ns_adopt_held(&mut self, pid: i32) -> Result<(), Error> {
        self.tracer.set_stop_mode(T::Proc(Pid(pid)), StopMode::Lwp)?;
        let lwps = self.tracer.live_lwp_list(Pid(pid))?;
        if let Some(ns) = self.ns.as_mut() {
            ns.held.extend(lwps.into_iter().map(|l| Ptid { pid, tid: l.0 }));
        }
        Ok(())
    }

    /// `QNonStop:0`, a kill, a detach, the end of a session: every
    /// process back to the whole-process mode.
    pub fn leave_non_stop(&mut self) {
        // Vfork children first: one gdb held may be what keeps its
        // parent's vfork thread from stopping.
        let mut pids: Vec<i32> = self.procs.keys().copied().collect();
        pids.sort_by_key(|p| self.procs[p].shares.is_none());
        for pid in pids {
            let held_child = self.procs.values().any(|c| c.shares == Some(pid));
            if self.procs.get(&pid).is_some_and(|p| p.in_vfork) && held_child {
                // Its vfork thread cannot stop while its child is held:
                // waiting here would hang. It stays in the per-LWP mode;
                // the end of the session kills it without a stop, or
                // detaches it once the child (ended first) let it go.
                continue;
            }
            self.ns_quiesce(pid);
            if self.procs.get(&pid).is_some_and(|p| p.detaching) {
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.detaching = false;
                }
                let _ = self.detach(pid);
            }
        }
        self.ns = None;
    }

    /// Does gdb see every thread stopped?
    pub fn all_stopped(&self) -> bool {
        let Some(ns) = &self.ns else { return true };
        self.threads().iter().all(|p| ns.stopped.contains_key(p))
    }

    /// Bring every LWP of `pid` to a stop and the process back to the
    /// whole-process mode (a no-op for a process in that mode). False if
    /// it ended.
    pub(super) fn ns_quiesce(&mut self, pid: i32) -> bool {
        let t = T::Proc(Pid(pid));
        loop {
            if !self.procs.contains_key(&pid) {
                return false;
            }
            if self.tracer.stop_mode(Pid(pid)).ok() != Some(StopMode::Lwp) {
                return true;
            }
            if self.tracer.set_stop_mode(t, StopMode::Process).is_ok() {
                if let Some(ns) = self.ns.as_mut() {
                    ns.stopped.retain(|p, _| p.pid != pid);
                    ns.actions.retain(|p, _| p.pid != pid);
                    ns.queue.retain(|s| s.ptid.pid != pid);
                    ns.held.retain(|p| p.pid != pid);
                    ns.reports.retain(|s| s.ptid.pid != pid);
                    ns.mem.remove(&pid);
                }
                return true;
            }
            let _ = self.tracer.interrupt(t);
            match self.tracer.wait_lwp(pid, WaitOptions::BLOCK) {
                Ok(Some(LwpStatus::Stopped { lwp, .. })) => {
                    // A breakpoint hit must not leave the pc past our int3
                    // (gone after a detach), nor its SIGTRAP to be delivered.
                    if self.rewind(Ptid { pid, tid: lwp.0 }).is_some() {
                        let _ = self.tracer.discard_lwp_event(T::Lwp(lwp));
                    }
                }
                _ => {
                    self.ns_forget(pid);
                    return false;
                }
            }
        }
    }

    /// Kill a process without stopping it first (its vfork thread cannot
    /// stop) and collect its end.
    pub(super) fn ns_kill_now(&mut self, pid: i32) {
        let _ = bsdtrace::sys::kill(pid, libc::SIGKILL);
        while let Ok(Some(LwpStatus::Stopped { lwp, .. })) = self.tracer.wait_lwp(pid, WaitOptions::BLOCK) {
            // A stop that raced the SIGKILL: let it die.
            let _ = self.tracer.resume(T::Lwp(lwp), Resume::Continue, None, 0);
        }
        self.ns_forget(pid);
    }

    /// `D` of a process whose vfork thread waits for a child gdb holds:
    /// gdb forgets it now (hidden from the thread list, no more stops
    /// reported), its other threads are stopped, and the detach is done
    /// when the vfork thread stops (its child execed or exited: the
    /// memory, and so our int3s, are its own again).
    pub(super) fn ns_detach_later(&mut self, pid: i32) -> Result<(), Error> {
        let lwps = self.tracer.live_lwp_list(Pid(pid)).unwrap_or_default();
        let ns = self.ns.as_ref().expect("non-stop");
        let running: Vec<Lwpid> =
            lwps.into_iter().filter(|l| !ns.stopped.contains_key(&Ptid { pid, tid: l.0 }) && !ns.held.contains(&Ptid { pid, tid: l.0 })).collect();
        for l in running {
            let _ = self.tracer.interrupt(T::Lwp(l));
        }
        // A vfork thread still at its fork event (`catch vfork`) goes on
        // into the vfork wait, whose end is the stop the detach waits for.
        let at_vfork: Vec<Ptid> =
            ns.stopped.iter().filter(|(p, k)| p.pid == pid && matches!(k, StopKind::Fork { vfork: true, .. })).map(|(p, _)| *p).collect();
        for p in at_vfork {
            self.gcache.remove(&p.tid);
            let _ = self.tracer.resume(T::Lwp(Lwpid(p.tid)), Resume::Continue, None, 0);
        }
        if let Some(p) = self.procs.get_mut(&pid) {
            p.detaching = true;
        }
        let ns = self.ns.as_mut().expect("non-stop");
        ns.stopped.retain(|p, _| p.pid != pid);
        ns.actions.retain(|p, _| p.pid != pid);
        ns.stop_wanted.retain(|p| p.pid != pid);
        ns.held.retain(|p| p.pid != pid);
        ns.queue.retain(|s| s.ptid.pid != pid);
        ns.reports.retain(|s| s.ptid.pid != pid);
        Ok(())
    }

    /// A stop of a process whose detach waits for its vfork thread.
    fn ns_detaching_stopped(&mut self, p: Ptid) {
        let l = T::Lwp(Lwpid(p.tid));
        if let Ok((_, Some(Event::VforkDone))) = self.tracer.stop_event(l) {
            self.vfork_released(p.pid);
            self.restore_after_vfork(p.pid);
        }
        if self.rewind(p).is_some() {
            let _ = self.tracer.discard_lwp_event(l);
        }
        if self.procs.get(&p.pid).is_some_and(|pr| pr.in_vfork) {
            return; // the stop of another thread: it waits with the rest
        }
        if let Some(pr) = self.procs.get_mut(&p.pid) {
            pr.detaching = false;
        }
        super::note(&format!("Process {} detached (its vfork child let it go)", p.pid));
        let _ = self.detach(p.pid);
    }

    fn ns_forget(&mut self, pid: i32) {
        self.forget(pid);
        if let Some(ns) = self.ns.as_mut() {
            ns.stopped.retain(|p, _| p.pid != pid);
            ns.actions.retain(|p, _| p.pid != pid);
            ns.stop_wanted.retain(|p| p.pid != pid);
            ns.resync.retain(|p| p.pid != pid);
            ns.held.retain(|p| p.pid != pid);
            ns.reports.retain(|s| s.ptid.pid != pid);
            ns.mem.remove(&pid);
            ns.removed.remove(&pid);
        }
    }

    /// An int3 hit of `p`: the pc moved back onto the breakpoint. Returns
    /// whether the breakpoint is (still) ours, or `None` if it was no hit.
    fn rewind(&mut self, p: Ptid) -> Option<bool> {
        let t = T::Lwp(Lwpid(p.tid));
        let Ok((_, Some(Event::Signal { sig: libc::SIGTRAP }))) = self.tracer.stop_event(t) else { return None };
        let code = self.tracer.stop_siginfo(t).ok().flatten().map(|si| bsdtrace::sys::si::code(&si));
        if code != Some(TRAP_BRKPT) {
            return None;
        }
        let mut r = self.tracer.get_regs(t).ok()?;
        let at = (r.r_rip as u64).wrapping_sub(1);
        let owner = self.owner(p.pid);
        let ours = self.procs.get(&owner).is_some_and(|pr| pr.bps.contains_key(&at));
        let was = self.ns.as_ref().is_some_and(|ns| ns.removed.get(&owner).is_some_and(|s| s.contains(&at)));
        if !ours && !was {
            return None;
        }
        r.r_rip = at as i64;
        self.tracer.set_regs(t, &r).ok()?;
        self.gcache.remove(&p.tid);
        Some(ours)
    }

    /// Collect every LWP stop and exit the engine has (never blocks);
    /// returns the stops to tell gdb, in order.
    pub fn ns_poll(&mut self) -> Vec<Stop> {
        let Some(ns) = self.ns.as_mut() else { return Vec::new() };
        let mut out = std::mem::take(&mut ns.reports);
        loop {
            match self.tracer.wait_lwp(-1, WaitOptions::NOHANG) {
                Ok(Some(LwpStatus::Exited { pid, status })) => {
                    if !self.procs.contains_key(&pid.0) {
                        continue;
                    }
                    if self.procs[&pid.0].detaching {
                        // gdb forgot it already.
                        self.ns_forget(pid.0);
                        continue;
                    }
                    self.ns_forget(pid.0);
                    let kind = match status {
                        WaitStatus::Signaled { sig, .. } => StopKind::Signaled(sig),
                        WaitStatus::Exited(c) => StopKind::Exited(c),
                        _ => StopKind::Exited(0),
                    };
                    out.push(Stop { ptid: Ptid { pid: pid.0, tid: pid.0 }, kind });
                }
                Ok(Some(LwpStatus::Stopped { pid, lwp, .. })) => {
                    if !self.procs.contains_key(&pid.0) {
                        self.fork_child_stopped(pid.0);
                        continue;
                    }
                    let p = Ptid { pid: pid.0, tid: lwp.0 };
                    if self.procs[&pid.0].detaching {
                        self.ns_detaching_stopped(p);
                        continue;
                    }
                    let out_now = self.classify_lwp(p);
                    if let Out::Report(StopKind::SwBreak | StopKind::HwBreak | StopKind::Watch(..) | StopKind::Step) = out_now {
                        // Our trap, told to gdb: nothing to deliver later
                        // (a detach would give the SIGTRAP back).
                        let _ = self.tracer.discard_lwp_event(T::Lwp(lwp));
                    }
                    match out_now {
                        Out::Report(StopKind::ThreadExited(c)) => {
                            // Told, and let it finish exiting.
                            out.push(Stop { ptid: p, kind: StopKind::ThreadExited(c) });
                            let _ = self.tracer.resume(T::Lwp(lwp), Resume::Continue, None, 0);
                        }
                        Out::Report(kind) => {
                            let ns = self.ns.as_mut().expect("non-stop");
                            ns.actions.remove(&p);
                            ns.stopped.insert(p, kind.clone());
                            out.push(Stop { ptid: p, kind });
                        }
                        Out::Resume(sig) => {
                            let a = self.ns.as_ref().and_then(|ns| ns.actions.get(&p).copied()).unwrap_or(Action::Continue(0));
                            if self.resume_lwp(p, a, sig).is_err() {
                                // It is going away: its exit comes next.
                            }
                        }
                    }
                }
                Ok(None) | Err(_) => break,
            }
        }
        out
    }

    /// Resume one thread gdb sees stopped.
    fn resume_lwp(&mut self, p: Ptid, a: Action, sig: i32) -> Result<(), Error> {
        self.sync_dbregs(p.pid);
        self.gcache.remove(&p.tid);
        self.xcache.remove(&p.tid);
        let how = if matches!(a, Action::Continue(_)) { Resume::Continue } else { Resume::Step };
        let allowed = sig > 0 && self.opts.program.is_none_or(|m| m & (1u64 << (sig - 1)) != 0);
        self.tracer.resume(T::Lwp(Lwpid(p.tid)), how, None, if allowed { sig } else { 0 })?;
        let ns = self.ns.as_mut().expect("non-stop");
        ns.stopped.remove(&p);
        ns.actions.insert(p, a);
        Ok(())
    }

    /// `vCont` in non-stop: each thread takes the first action naming it
    /// (`None`: stop it). Threads whose stop gdb has not fetched yet stay
    /// stopped (it comes with `vStopped`).
    pub fn ns_resume(&mut self, actions: &[(Option<Action>, Sel)]) -> Result<(), Error> {
        let mut err = None;
        let mut named: HashSet<i32> = HashSet::new();
        for p in self.threads() {
            let Some((a, _)) = actions.iter().find(|(_, s)| s.matches(p)) else { continue };
            named.insert(p.pid);
            let ns = self.ns.as_ref().expect("non-stop");
            if ns.held.contains(&p) {
                // Already stopped: a `t` is answered by its stop now.
                let r = match a {
                    None => {
                        self.ns_report_held(p, StopKind::Signal(0));
                        Ok(())
                    }
                    Some(a) => self.ns_release(p, *a),
                };
                if let Err(e) = r {
                    err = Some(e);
                }
                continue;
            }
            let stopped = ns.stopped.contains_key(&p);
            match a {
                None => {
                    if !stopped && !ns.stop_wanted.contains(&p) && self.tracer.interrupt(T::Lwp(Lwpid(p.tid))).is_ok() {
                        self.ns.as_mut().expect("non-stop").stop_wanted.insert(p);
                    }
                }
                Some(a) if stopped && !ns.queued(p) => {
                    if let Err(e) = self.resume_lwp(p, *a, action_signal(a)) {
                        err = Some(e);
                    }
                }
                Some(_) => {}
            }
        }
        // Held threads this `vCont` did not name, of a process it spoke
        // of: gdb believes them running (`attach&` stops one thread
        // only), so they run.
        let rest: Vec<Ptid> = self.ns.as_ref().expect("non-stop").held.iter().filter(|p| named.contains(&p.pid)).copied().collect();
        for p in rest {
            if let Err(e) = self.ns_release(p, Action::Continue(0)) {
                err = Some(e);
            }
        }
        err.map_or(Ok(()), Err)
    }

    /// A held thread's stop, reported now (it is stopped already).
    fn ns_report_held(&mut self, p: Ptid, kind: StopKind) {
        let ns = self.ns.as_mut().expect("non-stop");
        ns.held.remove(&p);
        ns.stopped.insert(p, kind.clone());
        ns.reports.push(Stop { ptid: p, kind });
    }

    /// A held thread resumed as gdb asks.
    fn ns_release(&mut self, p: Ptid, a: Action) -> Result<(), Error> {
        self.ns.as_mut().expect("non-stop").held.remove(&p);
        self.resume_lwp(p, a, action_signal(&a))
    }

    /// `vCtrlC`: stop one running thread of the first process, reported
    /// as SIGINT.
    pub fn ns_ctrl_c(&mut self) {
        let Some(ns) = &self.ns else { return };
        let running = self.threads().into_iter().find(|p| !ns.stopped.contains_key(p));
        if let Some(p) = running {
            if ns.held.contains(&p) {
                return self.ns_report_held(p, StopKind::Interrupted);
            }
            if self.tracer.interrupt(T::Lwp(Lwpid(p.tid))).is_ok() {
                self.ns.as_mut().expect("non-stop").ctrl_c = Some(p);
            }
        }
    }

    /// Debug registers changed: running threads are stopped to take them,
    /// and resumed unseen.
    pub fn ns_resync(&mut self, pid: i32) {
        self.sync_dbregs(pid);
        let Some(ns) = &self.ns else { return };
        let running: Vec<Ptid> =
            self.threads().into_iter().filter(|p| p.pid == pid && !ns.stopped.contains_key(p) && !ns.held.contains(p)).collect();
        for p in running {
            if self.tracer.interrupt(T::Lwp(Lwpid(p.tid))).is_ok() {
                self.ns.as_mut().expect("non-stop").resync.insert(p);
            }
        }
    }

    /// Is `p` stopped as gdb sees it (its registers readable)?
    pub fn ns_stopped(&self, p: Ptid) -> bool {
        self.ns.as_ref().is_some_and(|ns| ns.stopped.contains_key(&p))
    }
}

/// The signal an action delivers.
fn action_signal(a: &Action) -> i32 {
    match a {
        Action::Continue(s) | Action::Step(s) => *s,
        Action::Range(..) => 0,
    }
}
