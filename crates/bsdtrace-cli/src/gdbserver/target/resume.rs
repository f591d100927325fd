//! Resuming the processes (`vCont`, steps, the step over a breakpoint),
//! Ctrl-C, and collecting the engine's stops into stop replies.

use super::*;

impl Inferiors {
    // ---- resuming ----

    /// `vCont` (and `c`/`s`): resume every process some action names.
    /// Returns false if no thread is resumed (nothing to wait for).
    pub fn resume(&mut self, actions: &[(Action, Sel)]) -> Result<bool, Error> {
        // A process that died while gdb looked at its last stop (killed
        // while gdb handled its fork event): its exit, queued, answers.
        let gone = |s: &Stop| matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_));
        let named = |pid: i32| actions.iter().any(|(_, sel)| sel.may_match_proc(pid));
        if let Some(i) = self.queue.iter().position(|s| gone(s) && !self.procs.contains_key(&s.ptid.pid) && named(s.ptid.pid)) {
            self.waiting = true;
            self.ctrl_c = false;
            self.reporting = self.queue.remove(i);
            return Ok(true);
        }
        let pids: Vec<i32> = self.procs.keys().copied().collect();
        let mut resumed = Vec::new();
        let mut dying = false;
        for &pid in &pids {
            let mine: Vec<(Action, Sel)> = actions.iter().copied().filter(|(_, s)| s.may_match_proc(pid)).collect();
            if mine.is_empty() {
                continue;
            }
            let lwps = self.lwps(pid);
            let any = lwps.iter().any(|l| mine.iter().any(|(_, s)| s.matches(Ptid { pid, tid: l.0 })));
            let p = self.procs.get_mut(&pid).expect("listed");
            if p.run != Run::Stopped {
                continue;
            }
            if lwps.is_empty() {
                // It began to exit since its stop (no thread is left to
                // name): its exit comes next. Waited for as running; left
                // "stopped", the resume was answered "no resumed thread"
                // and gdb waited for ever.
                p.run = Run::Running;
                dying = true;
            } else if any {
                p.actions = mine;
                resumed.push(pid);
            }
        }
        if resumed.is_empty() && !dying {
            return Ok(false);
        }
        self.waiting = true;
        self.ctrl_c = false;
        // A stop kept from before is reported now, without resuming
        // anything; a breakpoint hit whose breakpoint gdb has removed
        // since never happened (the thread sits on the original
        // instruction).
        while let Some(i) = self.queue.iter().position(|s| resumed.contains(&s.ptid.pid)) {
            let s = self.queue.remove(i).expect("found");
            if s.kind == StopKind::SwBreak {
                let pc = self.pc(s.ptid);
                let owner = self.owner(s.ptid.pid);
                if !self.procs[&owner].bps.contains_key(&pc) && !self.procs[&s.ptid.pid].hwbps.contains_key(&pc) {
                    continue;
                }
            }
            self.reporting = Some(s);
            return Ok(true);
        }
        if let [(Action::Step(0), Sel::Thread(t))] = actions {
            if self.emulate_step(*t) {
                self.reporting = Some(Stop { ptid: *t, kind: StopKind::Step });
                return Ok(true);
            }
        }
        for pid in resumed {
            self.resume_process(pid, None)?;
        }
        Ok(true)
    }

    /// gdb steps one thread alone (stepping over a breakpoint, `stepi`
    /// with the others locked): execute its instruction here if it is one
    /// we emulate ([`emulate`]), sparing a trap round trip. Only from a
    /// trap stop (a breakpoint or a step: user mode, between
    /// instructions; never inside an interrupted syscall), with no
    /// watchpoint that an access could fire, no RF pending, and none of
    /// our int3s inside the instruction.
    pub(super) fn emulate_step(&mut self, t: Ptid) -> bool {
        self.emulate_instruction(t, false)
    }

    /// [`Inferiors::emulate_step`]; with `over_int3`, the instruction
    /// under our int3 at the pc (the original one runs, as a step over the
    /// breakpoint would run it).
    pub(in crate::gdbserver) fn emulate_instruction(&mut self, t: Ptid, over_int3: bool) -> bool {
        // The emulator decodes x86-64 instructions only.
        if !self.emulate_steps || !self.is_stopped(t.pid) || self.is_i386(t.pid) {
            return false;
        }
        let lt = T::Lwp(Lwpid(t.tid));
        if !matches!(self.tracer.stop_event(lt), Ok((_, Some(Event::Signal { sig: libc::SIGTRAP })))) {
            return false;
        }
        let p = &self.procs[&t.pid];
        if p.slots.iter().any(|s| s.is_some_and(|s| s.watch.is_some())) || p.step_over.is_some() {
            return false;
        }
        let Ok(r) = self.tracer.get_regs(lt) else { return false };
        if r.r_rflags & (0x10000 | 0x100) != 0 {
            // RF (a debug-register hit to skip) or TF (the program steps
            // itself): the CPU's business.
            return false;
        }
        let rip = r.r_rip as u64;
        let mut code = [0u8; 16];
        let n = self.read_memory(t.pid, rip, &mut code);
        let (fs, gs) = (self.tracer.get_fsbase(lt).unwrap_or(0), self.tracer.get_gsbase(lt).unwrap_or(0));
        let tracer = &mut self.tracer;
        let pid = t.pid;
        let mut read = |a: u64, buf: &mut [u8]| tracer.read_memory(T::Proc(Pid(pid)), a, buf).is_ok();
        let Some(e) = emulate::step(&code[..n], &r, fs, gs, &mut read) else { return false };
        let len = (e.regs.r_rip as u64).wrapping_sub(rip);
        let owner = self.owner(t.pid);
        let from = if over_int3 { rip.saturating_add(1) } else { rip };
        if self.procs[&owner].bps.range(from..rip.saturating_add(16)).next().is_some_and(|(&a, _)| a < rip + len.min(16)) {
            return false;
        }
        if let Some((addr, bytes)) = &e.write {
            // In non-stop the other threads run meanwhile: a store here is
            // not the CPU's one instant but a read-modify-write spread over
            // system calls, which could lose a store of theirs. Only the
            // thread's own stack (its frame and red zone) is written.
            let sp = r.r_rsp as u64;
            if self.ns.is_some() && !(sp.wrapping_sub(4096)..sp.saturating_add(65536)).contains(addr) {
                return false;
            }
            if self.write_memory(t.pid, *addr, bytes).is_err() {
                // Unwritable: let the CPU fault.
                return false;
            }
        }
        self.gcache.clear();
        self.xcache.clear();
        let ok = self.tracer.set_regs(lt, &e.regs).is_ok();
        self.emulated += ok as u64;
        ok
    }

    /// Resume one stopped process with its current actions; `sig`
    /// overrides the signal given to the reporting thread.
    pub(super) fn resume_process(&mut self, pid: i32, sig: Option<i32>) -> Result<(), Error> {
        match self.resume_process_now(pid, sig) {
            Err(e) if e.errno() == Errno::ESRCH && self.procs.contains_key(&pid) => {
                // It began to exit since its stop (killed while gdb looked
                // at it): its exit is on its way. Waited for as running,
                // so the resume is answered with the exit; left "stopped",
                // the resume was answered "no resumed thread" and gdb
                // waited for ever.
                self.procs.get_mut(&pid).expect("checked").run = Run::Running;
                Ok(())
            }
            r => r,
        }
    }

    fn resume_process_now(&mut self, pid: i32, sig: Option<i32>) -> Result<(), Error> {
        self.sync_dbregs(pid);
        self.gcache.clear();
        self.xcache.clear();
        let t = T::Proc(Pid(pid));
        let (xthread, _) = self.tracer.stop_event(t)?;
        // ESRCH for a process that began to exit: see `resume_process`.
        let lwps = if self.ns.is_some() { self.lwps(pid) } else { self.tracer.lwp_list(t)? };
        let mut sig_x = 0;
        let mut any = false;
        let mut held = false;
        let mut continues = false;
        for l in lwps {
            let lt = T::Lwp(l);
            match self.procs[&pid].action_for(Ptid { pid, tid: l.0 }) {
                Some(a) => {
                    any = true;
                    // (A thread gdb was told is gone finishes dying.)
                    self.procs.get_mut(&pid).expect("present").gone.remove(&l.0);
                    self.tracer.unsuspend(lt)?;
                    if a.steps() {
                        self.tracer.set_step(lt)?;
                    } else {
                        continues = true;
                        self.tracer.clear_step(lt)?;
                    }
                    if l == xthread {
                        sig_x = a.signal();
                    }
                }
                None => {
                    held = true;
                    self.tracer.suspend(lt)?;
                    self.tracer.clear_step(lt)?;
                }
            }
        }
        // A signal gdb names is delivered; one the server delivers on its
        // own (passed, or held while stopping for another report) only if
        // `QProgramSignals` allows it.
        let allowed = |s: i32| s > 0 && self.opts.program.is_none_or(|m| m & (1u64 << (s - 1)) != 0);
        let deferred = std::mem::take(&mut self.procs.get_mut(&pid).expect("present").deferred_sig);
        if let Some(s) = sig {
            sig_x = if allowed(s) { s } else { 0 };
        }
        if sig_x == 0 && allowed(deferred) {
            sig_x = deferred;
        }
        if !any {
            // Every thread gdb named is gone: nothing runs, nothing will stop.
            return Ok(());
        }
        // (A step ends with a stop of its own: gdb's step over a
        // breakpoint, others held, changes nothing.)
        let partial = held && continues;
        if self.procs[&pid].partial != partial {
            self.procs.get_mut(&pid).expect("present").partial = partial;
            self.configure(pid)?;
        }
        self.tracer.resume(t, Resume::Continue, None, sig_x)?;
        self.procs.get_mut(&pid).expect("present").run = Run::Running;
        Ok(())
    }

    /// Ctrl-C: stop every running process with the engine's interrupt (no
    /// signal: nothing the program can catch or block, and nothing left
    /// queued when another stop answers first).
    pub fn interrupt(&mut self) {
        if !self.waiting {
            return;
        }
        self.ctrl_c = true;
        let running: Vec<i32> = self.procs.iter().filter(|(_, p)| p.run == Run::Running).map(|(k, _)| *k).collect();
        for pid in running {
            let _ = self.tracer.interrupt(T::Proc(Pid(pid)));
        }
    }

    /// Is any process running (so a stop may come)?
    pub fn any_running(&self) -> bool {
        self.procs.values().any(|p| p.run == Run::Running)
    }

    /// Collect what the engine has (never blocks); a stop to report to gdb
    /// once every process is stopped.
    pub fn poll(&mut self) -> Result<Option<Stop>, Error> {
        loop {
            if self.reporting.is_some() && !self.any_running_blocking() {
                self.waiting = false;
                self.ctrl_c = false;
                return Ok(self.reporting.take());
            }
            if !self.waiting && !self.any_running() {
                return Ok(None);
            }
            if self.waiting && self.reporting.is_none() && !self.any_running() {
                // Nothing runs and nothing is to be reported: every
                // resumed thread is gone (or none was resumed).
                self.waiting = false;
                let ptid = self.threads().first().copied().unwrap_or(Ptid { pid: 0, tid: 0 });
                return Ok(Some(Stop { ptid, kind: StopKind::NoResumed }));
            }
            match self.tracer.wait(-1, WaitOptions::NOHANG)? {
                None => return Ok(None),
                Some((pid, st)) => self.on_status(pid.0, st, false),
            }
        }
    }

    /// Running processes we must wait for before reporting (a vfork
    /// parent cannot stop until its child lets it go: not waited for).
    pub(super) fn any_running_blocking(&self) -> bool {
        self.procs.values().any(|p| p.run == Run::Running && !p.in_vfork)
    }

    /// A status from the engine. `quiet`: we are only stopping it (kill,
    /// detach): keep a real event for later, report nothing.
    pub(super) fn on_status(&mut self, pid: i32, st: WaitStatus, quiet: bool) {
        let outcome = match st {
            WaitStatus::Exited(code) => {
                let known = self.procs.contains_key(&pid);
                self.let_early_children_go(pid);
                self.forget(pid);
                if !known {
                    return;
                }
                Outcome::Report(Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Exited(code) })
            }
            WaitStatus::Signaled { sig, .. } => {
                let known = self.procs.contains_key(&pid);
                self.let_early_children_go(pid);
                self.forget(pid);
                if !known {
                    return;
                }
                Outcome::Report(Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Signaled(sig) })
            }
            WaitStatus::Stopped(_) => {
                if !self.procs.contains_key(&pid) {
                    // A process we do not debug: a fork child whose first
                    // stop came before its parent's fork event (kept for
                    // `forked`; dropped, its wait there blocked for ever).
                    self.early_child(pid);
                    return;
                }
                self.procs.get_mut(&pid).expect("checked").run = Run::Stopped;
                // While stopping everything for a report (or for a kill or
                // detach) nothing may be resumed.
                let hold = quiet || self.reporting.is_some();
                match self.classify(pid, hold) {
                    Ok(o) => o,
                    Err(_) => Outcome::Hold,
                }
            }
            WaitStatus::JobStopped(_) | WaitStatus::Continued => return,
        };
        // A Ctrl-C is owed: a stop we would hide answers it instead (the
        // interrupt itself is lost when another stop was on its way).
        let outcome = match outcome {
            Outcome::Resume(sig) if self.ctrl_c && !quiet && self.reporting.is_none() => {
                let ptid = self.reporting_thread(pid).unwrap_or(Ptid { pid, tid: pid });
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.deferred_sig = sig;
                }
                Outcome::Report(Stop { ptid, kind: StopKind::Interrupted })
            }
            o => o,
        };
        match outcome {
            Outcome::Hold | Outcome::Resumed => {}
            Outcome::Resume(sig) => {
                if quiet || self.reporting.is_some() {
                    // Stopping it: the signal waits for gdb's next resume.
                    if let Some(p) = self.procs.get_mut(&pid) {
                        p.deferred_sig = sig;
                    }
                } else if self.resume_process(pid, Some(sig)).is_err() {
                    // It died meanwhile: its exit comes next.
                }
            }
            Outcome::Report(stop) => self.report(stop),
        }
    }

    /// A stop for gdb: all-stop, so every other running process is
    /// stopped first; stops that race in meanwhile wait their turn.
    pub(super) fn report(&mut self, stop: Stop) {
        if !self.waiting || self.reporting.is_some() {
            self.queue.push_back(stop);
            return;
        }
        self.reporting = Some(stop);
        let running: Vec<i32> = self.procs.iter().filter(|(_, p)| p.run == Run::Running).map(|(k, _)| *k).collect();
        for pid in running {
            let _ = self.tracer.interrupt(T::Proc(Pid(pid)));
        }
    }
}
