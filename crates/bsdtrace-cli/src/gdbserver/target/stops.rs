//! Classifying a stop for gdb: breakpoint hits (with conditions and
//! commands evaluated here), steps, signals, syscalls, forks and vforks.

use super::*;

impl Inferiors {
    // ---- classifying stops ----

    pub(super) fn classify(&mut self, pid: i32, quiet: bool) -> Result<Outcome, Error> {
        self.gcache.clear();
        self.xcache.clear();
        self.rewind_breakpoint_hits(pid);
        let (l, ev) = self.tracer.stop_event(T::Proc(Pid(pid)))?;
        let ptid = Ptid { pid, tid: l.0 };
        let p = self.procs.get_mut(&pid).expect("checked");
        if let Some(so) = p.step_over.take() {
            // Put the int3 back (unless gdb removed the breakpoint).
            let owner = self.owner(pid);
            if self.procs[&owner].bps.contains_key(&so.addr) && !self.procs[&owner].vfork_hidden {
                let _ = self.tracer.write_memory(T::Proc(Pid(owner)), so.addr, &[0xcc]);
            }
            if so.tid == l.0 && ev == Some(Event::Signal { sig: libc::SIGTRAP }) && !self.procs[&pid].rewound.contains(&l.0) {
                // The step over it is done: on as gdb asked.
                return Ok(self.after_step(ptid, quiet));
            }
        }
        let action = self.procs[&pid].action_for(ptid);
        Ok(match ev {
            Some(Event::Signal { sig: libc::SIGTRAP }) => {
                if self.procs.get_mut(&pid).expect("checked").rewound.remove(&l.0) {
                    return self.breakpoint_hit(ptid, action, quiet);
                }
                if let Some(o) = self.hw_breakpoint_hit(ptid, action, quiet) {
                    return Ok(o);
                }
                if let Some(k) = self.debug_trap(pid, l)? {
                    return Ok(Outcome::Report(Stop { ptid, kind: k }));
                }
                let by_step = self
                    .tracer
                    .stop_siginfo(T::Lwp(l))
                    .ok()
                    .flatten()
                    .is_some_and(|si| bsdtrace::sys::si::code(&si) == 2 /* TRAP_TRACE */);
                if by_step && action.is_some_and(|a| a.steps()) {
                    self.after_step(ptid, quiet)
                } else {
                    self.signal_stop(ptid, libc::SIGTRAP, action)
                }
            }
            Some(Event::Interrupt) => {
                if self.ctrl_c && !quiet {
                    self.ctrl_c = false;
                    Outcome::Report(Stop { ptid, kind: StopKind::Interrupted })
                } else {
                    Outcome::Hold
                }
            }
            Some(Event::Signal { sig }) | Some(Event::TraceMe { sig }) => self.signal_stop(ptid, sig, action),
            Some(Event::Attach) | Some(Event::Child) => Outcome::Report(Stop { ptid, kind: StopKind::Signal(libc::SIGSTOP) }),
            Some(Event::SyscallEntry) | Some(Event::SyscallExit) => {
                let nr = bsdtrace::sys::peekuser(l.0, ORIG_RAX_OFFSET).unwrap_or(u64::MAX);
                let wanted = self.opts.catch_syscalls.as_ref().is_some_and(|set| set.is_empty() || set.contains(&nr));
                if !wanted || quiet {
                    if quiet {
                        Outcome::Hold
                    } else {
                        Outcome::Resume(0)
                    }
                } else if ev == Some(Event::SyscallEntry) {
                    Outcome::Report(Stop { ptid, kind: StopKind::SyscallEntry(nr) })
                } else {
                    Outcome::Report(Stop { ptid, kind: StopKind::SyscallReturn(nr) })
                }
            }
            Some(Event::Exec { .. }) => {
                // The int3s and debug registers went with the old image.
                let (path, parent) = self.new_image(pid).expect("checked");
                if let Some(parent) = parent {
                    self.vfork_released(parent);
                }
                if self.opts.exec_events {
                    Outcome::Report(Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Exec(path.unwrap_or_default()) })
                } else {
                    Outcome::Report(Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Signal(libc::SIGTRAP) })
                }
            }
            Some(Event::Forked { child, vfork }) => self.forked(ptid, child.0, vfork, quiet),
            Some(Event::VforkDone) => {
                self.procs.get_mut(&pid).expect("checked").in_vfork = false;
                if self.procs[&pid].vfork_hidden {
                    self.restore_after_vfork(pid);
                    if quiet {
                        Outcome::Hold
                    } else {
                        Outcome::Resume(0)
                    }
                } else if self.opts.vfork_events {
                    Outcome::Report(Stop { ptid, kind: StopKind::VforkDone })
                } else if quiet {
                    Outcome::Hold
                } else {
                    Outcome::Resume(0)
                }
            }
            Some(Event::Born) => {
                if self.opts.thread_events && !quiet {
                    Outcome::Report(Stop { ptid, kind: StopKind::ThreadCreated })
                } else if quiet {
                    Outcome::Hold
                } else {
                    Outcome::Resume(0)
                }
            }
            Some(Event::Exited) => {
                if self.opts.thread_events && !quiet && l.0 != pid {
                    Outcome::Report(Stop { ptid, kind: StopKind::ThreadExited(0) })
                } else if !quiet && action.is_some() && self.last_resumed_thread(ptid) {
                    // The others are held: nothing gdb resumed is left. It
                    // is gone for gdb (GNU gdbserver lets it finish first).
                    self.procs.get_mut(&pid).expect("checked").gone.insert(l.0);
                    Outcome::Report(Stop { ptid, kind: StopKind::NoResumed })
                } else if quiet {
                    Outcome::Hold
                } else {
                    Outcome::Resume(0)
                }
            }
            None => Outcome::Report(Stop { ptid, kind: StopKind::Signal(libc::SIGTRAP) }),
        })
    }

    /// Is `p`, ending, the last thread gdb resumed (the others held), in
    /// every process?
    fn last_resumed_thread(&mut self, p: Ptid) -> bool {
        if !self.procs[&p.pid].partial || self.procs.iter().any(|(&k, q)| k != p.pid && q.run == Run::Running) {
            return false;
        }
        let lwps = self.tracer.lwp_list(T::Proc(Pid(p.pid))).unwrap_or_default();
        let pr = &self.procs[&p.pid];
        !lwps.iter().any(|l| l.0 != p.tid && pr.action_for(Ptid { pid: p.pid, tid: l.0 }).is_some())
    }

    /// A single step of `p` ended (its own or one over a breakpoint).
    pub(super) fn after_step(&mut self, p: Ptid, quiet: bool) -> Outcome {
        match self.procs[&p.pid].action_for(p) {
            Some(Action::Range(start, end)) => {
                let pc = self.pc(p);
                if (start..end).contains(&pc) && !quiet {
                    Outcome::Resume(0)
                } else {
                    Outcome::Report(Stop { ptid: p, kind: StopKind::Step })
                }
            }
            Some(Action::Step(_)) => Outcome::Report(Stop { ptid: p, kind: StopKind::Step }),
            _ if quiet => Outcome::Hold,
            _ => Outcome::Resume(0),
        }
    }

    pub(super) fn signal_stop(&mut self, p: Ptid, sig: i32, action: Option<Action>) -> Outcome {
        let pass = (1..=64).contains(&sig) && self.opts.pass & (1u64 << (sig - 1)) != 0;
        if pass && !action.is_some_and(|a| a.steps()) {
            Outcome::Resume(sig)
        } else {
            Outcome::Report(Stop { ptid: p, kind: StopKind::Signal(sig) })
        }
    }

    /// `p` stopped at one of our int3s (rip already moved back onto it).
    pub(super) fn breakpoint_hit(&mut self, p: Ptid, action: Option<Action>, quiet: bool) -> Result<Outcome, Error> {
        let pc = self.pc(p);
        let owner = self.owner(p.pid);
        let Some(bp) = self.procs[&owner].bps.get(&pc).cloned() else {
            // gdb removed it while the hit was pending: it never happened.
            return Ok(if quiet { Outcome::Hold } else { Outcome::Resume(0) });
        };
        let stepping = action.is_some_and(|a| matches!(a, Action::Step(_)));
        if stepping || (bp.conds.is_empty() && bp.cmds.is_empty()) {
            return Ok(Outcome::Report(Stop { ptid: p, kind: StopKind::SwBreak }));
        }
        if quiet {
            // No step over now: the thread sits on the int3 and meets it
            // again at the next resume, conditions and all.
            return Ok(Outcome::Hold);
        }
        if self.ctrl_c {
            // Ctrl-C answered here; the hit comes again at the next resume.
            return Ok(Outcome::Report(Stop { ptid: p, kind: StopKind::Interrupted }));
        }
        let true_now = bp.conds.is_empty() || bp.conds.iter().any(|c| self.eval(p, c).is_none_or(|v| v != 0));
        if true_now && !bp.cmds.is_empty() {
            for c in &bp.cmds {
                let _ = self.run_commands(p, c);
            }
        } else if true_now {
            return Ok(Outcome::Report(Stop { ptid: p, kind: StopKind::SwBreak }));
        }
        self.step_over(p, pc)?;
        Ok(Outcome::Resumed)
    }

    /// `p` stopped at one of our conditional breakpoints held in a debug
    /// register (`None` if it did not). The kernel set RF, so resuming
    /// runs the instruction: a false condition costs nothing more.
    pub(super) fn hw_breakpoint_hit(&mut self, p: Ptid, action: Option<Action>, quiet: bool) -> Option<Outcome> {
        if self.procs.get(&p.pid).is_none_or(|pr| pr.hwbps.is_empty()) {
            return None;
        }
        let pc = self.pc(p);
        let bp = self.procs[&p.pid].hwbps.get(&pc)?.0.clone();
        let by_dr = bsdtrace::sys::siginfo(p.tid).is_ok_and(|si| bsdtrace::sys::si::code(&si) == TRAP_HWBKPT);
        if !by_dr {
            return None;
        }
        if action.is_some_and(|a| matches!(a, Action::Step(_))) {
            return Some(Outcome::Report(Stop { ptid: p, kind: StopKind::SwBreak }));
        }
        // Evaluated now whatever else is going on: the hit will not come
        // again (RF).
        let true_now = bp.conds.is_empty() || bp.conds.iter().any(|c| self.eval(p, c).is_none_or(|v| v != 0));
        if true_now && bp.cmds.is_empty() {
            return Some(Outcome::Report(Stop { ptid: p, kind: StopKind::SwBreak }));
        }
        if true_now {
            for c in &bp.cmds {
                let _ = self.run_commands(p, c);
            }
        }
        Some(if quiet {
            Outcome::Hold
        } else if self.ctrl_c {
            Outcome::Report(Stop { ptid: p, kind: StopKind::Interrupted })
        } else {
            Outcome::Resume(0)
        })
    }

    /// Non-stop: `p` stopped at our breakpoint at `pc` (an int3 hit, the pc
    /// moved back onto it, or with `hw` a debug-register hit). Returns
    /// whether gdb hears of it. Conditions are evaluated and commands
    /// (dprintf) run here, as GNU gdbserver does; a false condition goes
    /// on without gdb: through the debug register (the kernel set RF, so
    /// the instruction runs on resume), or, at an int3, by executing the
    /// instruction under it in the server ([`emulate`]): a real step over
    /// the int3 would need every other thread stopped first (GNU
    /// gdbserver stops them all). An instruction we do not emulate is
    /// reported and gdb, which evaluates every condition again at a stop,
    /// resumes it.
    pub(in crate::gdbserver) fn ns_breakpoint_hit(&mut self, p: Ptid, pc: u64, hw: bool, stepping: bool) -> bool {
        let bp = if hw {
            self.procs.get(&p.pid).and_then(|pr| pr.hwbps.get(&pc)).map(|(b, _)| b.clone())
        } else {
            let owner = self.owner(p.pid);
            self.procs.get(&owner).and_then(|pr| pr.bps.get(&pc)).cloned()
        };
        let Some(bp) = bp else { return true };
        if stepping || (bp.conds.is_empty() && bp.cmds.is_empty()) {
            return true;
        }
        let true_now = bp.conds.is_empty() || bp.conds.iter().any(|c| self.eval(p, c).is_none_or(|v| v != 0));
        if true_now && bp.cmds.is_empty() {
            return true;
        }
        if true_now {
            for c in &bp.cmds {
                let _ = self.run_commands(p, c);
            }
        }
        !hw && !self.emulate_instruction(p, true)
    }

    /// Run only `p` one instruction with the original byte at `addr`; the
    /// int3 goes back when the step is done.
    pub(super) fn step_over(&mut self, p: Ptid, addr: u64) -> Result<(), Error> {
        let owner = self.owner(p.pid);
        if let Some(orig) = self.procs[&owner].bps.get(&addr).map(|b| b.orig) {
            self.tracer.write_memory(T::Proc(Pid(owner)), addr, &[orig])?;
        }
        self.sync_dbregs(p.pid);
        self.gcache.clear();
        self.xcache.clear();
        for l in self.lwps(p.pid) {
            let t = T::Lwp(l);
            if l.0 == p.tid {
                self.tracer.unsuspend(t)?;
                self.tracer.set_step(t)?;
            } else {
                self.tracer.suspend(t)?;
                self.tracer.clear_step(t)?;
            }
        }
        let pr = self.procs.get_mut(&p.pid).expect("checked");
        pr.step_over = Some(StepOver { tid: p.tid, addr });
        self.tracer.resume(T::Proc(Pid(p.pid)), Resume::Continue, None, 0)?;
        self.procs.get_mut(&p.pid).expect("checked").run = Run::Running;
        Ok(())
    }

    pub(super) fn eval(&mut self, p: Ptid, code: &[u8]) -> Option<u64> {
        agent::eval(code, &mut AgentCtx { inf: self, ptid: p }).ok()
    }

    pub(super) fn run_commands(&mut self, p: Ptid, code: &[u8]) -> Result<(), agent::AgentError> {
        // Command bytecode ends with an empty stack: only its effects count.
        match agent::eval(code, &mut AgentCtx { inf: self, ptid: p }) {
            Ok(_) | Err(agent::AgentError::Malformed("empty stack at end")) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Move every LWP that sits just past one of our int3s back onto it,
    /// including LWPs whose stop is still pending in the engine: by the
    /// time their stop is reported, gdb may have removed the breakpoint.
    pub(super) fn rewind_breakpoint_hits(&mut self, pid: i32) {
        let owner = self.owner(pid);
        if self.procs.get(&owner).is_none_or(|p| p.bps.is_empty()) {
            return;
        }
        for l in self.lwps(pid) {
            if self.procs[&pid].rewound.contains(&l.0) {
                continue;
            }
            let t = T::Lwp(l);
            let Ok((_, Some(Event::Signal { sig: libc::SIGTRAP }))) = self.tracer.stop_event(t) else { continue };
            let Ok(mut r) = self.tracer.get_regs(t) else { continue };
            let at = (r.r_rip as u64).wrapping_sub(1);
            if !self.procs[&owner].bps.contains_key(&at) {
                continue;
            }
            // Just past one of our int3s: was it the int3 (and not a step
            // or a jump that ended there)?
            let by_int3 =
                self.tracer.stop_siginfo(t).ok().flatten().is_some_and(|si| bsdtrace::sys::si::code(&si) == TRAP_BRKPT);
            if by_int3 {
                r.r_rip = at as i64;
                if self.tracer.set_regs(t, &r).is_ok() {
                    self.procs.get_mut(&pid).expect("checked").rewound.insert(l.0);
                }
            }
        }
    }

    /// A debug-register hit of LWP `l` (DR6 names the slot), cleared.
    pub(in crate::gdbserver) fn debug_trap(&mut self, pid: i32, l: Lwpid) -> Result<Option<StopKind>, Error> {
        let p = &self.procs[&pid];
        let gdbs = |s: &Option<Slot>| s.is_some_and(|s| !s.ours);
        if !p.slots.iter().any(gdbs) {
            return Ok(None);
        }
        let t = T::Lwp(l);
        let mut d = self.tracer.get_dbregs(t)?;
        let hit = (0..4).find(|&i| d.dr[6] & (1 << i) != 0 && gdbs(&p.slots[i])).and_then(|i| p.slots[i]);
        if d.dr[6] & 0xf != 0 {
            // DR6 is sticky: clear it so the next hit is told apart.
            d.dr[6] = 0;
            self.tracer.set_dbregs(t, &d)?;
        }
        Ok(hit.map(|s| match s.watch {
            None => StopKind::HwBreak,
            Some(kind) => StopKind::Watch(kind, s.addr),
        }))
    }

    // ---- forks ----

    /// `ptid` forked `child`. The child's first stop is collected here.
    /// If gdb wants fork events it gets the child as a new process
    /// (stopped, with a copy of our int3s it will take out or keep);
    /// otherwise the child is let go without them.
    pub(super) fn forked(&mut self, ptid: Ptid, child: i32, vfork: bool, quiet: bool) -> Outcome {
        let stopped = self.early_children.remove(&child).is_some()
            || matches!(self.tracer.wait(child, WaitOptions::BLOCK), Ok(Some((_, WaitStatus::Stopped(_)))));
        let tell = if vfork { self.opts.vfork_events } else { self.opts.fork_events };
        if vfork {
            self.procs.get_mut(&ptid.pid).expect("checked").in_vfork = true;
        }
        if tell && stopped {
            self.add_fork_child(ptid.pid, child, vfork);
            return Outcome::Report(Stop { ptid, kind: StopKind::Fork { child, vfork } });
        }
        if stopped {
            if vfork {
                // It shares our memory: our int3s must be out of it until
                // it execs or exits (vfork-done), or it dies of SIGTRAP
                // at the first one it meets.
                self.hide_breakpoints_for_vfork(ptid.pid);
            } else {
                let owner = self.owner(ptid.pid);
                let bps: Vec<(u64, u8)> = if self.procs[&owner].vfork_hidden {
                    Vec::new()
                } else {
                    self.procs[&owner].bps.iter().map(|(&a, b)| (a, b.orig)).collect()
                };
                for (addr, orig) in bps {
                    let _ = self.tracer.write_memory(T::Proc(Pid(child)), addr, &[orig]);
                }
            }
            let _ = self.tracer.detach(T::Proc(Pid(child)), 0);
        }
        if quiet {
            Outcome::Hold
        } else {
            Outcome::Resume(0)
        }
    }

    /// A fork child gdb is told of, its first stop collected: a process
    /// of ours, with a copy of its parent's int3s and debug registers (the
    /// engine gave it both), or after a vfork sharing its parent's memory
    /// and so its parent's breakpoint table.
    pub(in crate::gdbserver) fn add_fork_child(&mut self, parent: i32, child: i32, vfork: bool) {
        let pp = &self.procs[&parent];
        let mut c = Process::new(pp.attached);
        if vfork {
            self.procs.get_mut(&parent).expect("checked").in_vfork = true;
        }
        let pp = &self.procs[&parent];
        c.exe = pp.exe.clone();
        let owner = self.owner(parent);
        if vfork {
            c.shares = Some(owner);
        } else {
            c.hwbps = pp.hwbps.clone();
            c.slots = pp.slots;
            c.slots_gen = pp.slots_gen;
            c.bps = self.procs[&owner].bps.clone();
            if self.procs[&owner].vfork_hidden {
                // The copy has no int3s in memory: put them in.
                for &a in c.bps.keys() {
                    let _ = self.tracer.write_memory(T::Proc(Pid(child)), a, &[0xcc]);
                }
            }
        }
        self.procs.insert(child, c);
        let _ = self.configure(child);
    }

    /// The first stop of `child`, a process we do not debug, came before
    /// its parent's fork event: keep it for [`Inferiors::forked`] if its
    /// parent is ours; anything else is let go at once.
    pub(super) fn early_child(&mut self, child: i32) {
        let parent = bsdtrace::sys::procfs::status(child).map(|s| s.ppid).unwrap_or(0);
        if self.procs.contains_key(&parent) {
            self.early_children.insert(child, parent);
        } else {
            let _ = self.tracer.detach(T::Proc(Pid(child)), 0);
        }
    }

    /// `parent` is gone (or leaves the session) before its fork events of
    /// early children came: they are let go, without our int3s.
    pub(super) fn let_early_children_go(&mut self, parent: i32) {
        let children: Vec<i32> = self.early_children.iter().filter(|&(_, &p)| p == parent).map(|(&c, _)| c).collect();
        if children.is_empty() {
            return;
        }
        let owner = self.owner(parent);
        let bps: Vec<(u64, u8)> = match self.procs.get(&owner) {
            Some(p) if !p.vfork_hidden => p.bps.iter().map(|(&a, b)| (a, b.orig)).collect(),
            _ => Vec::new(),
        };
        for child in children {
            self.early_children.remove(&child);
            for &(addr, orig) in &bps {
                let _ = self.tracer.write_memory(T::Proc(Pid(child)), addr, &[orig]);
            }
            let _ = self.tracer.detach(T::Proc(Pid(child)), 0);
        }
    }

    pub(super) fn hide_breakpoints_for_vfork(&mut self, pid: i32) {
        let owner = self.owner(pid);
        let p = self.procs.get_mut(&owner).expect("checked");
        if p.vfork_hidden {
            return;
        }
        p.vfork_hidden = true;
        let bps: Vec<(u64, u8)> = p.bps.iter().map(|(&a, b)| (a, b.orig)).collect();
        for (addr, orig) in bps {
            let _ = self.tracer.write_memory(T::Proc(Pid(owner)), addr, &[orig]);
        }
    }

    /// Are `pid`'s int3s out of its memory while a vfork child gdb was not
    /// told of shares it?
    pub(in crate::gdbserver) fn breakpoints_hidden_for_vfork(&self, pid: i32) -> bool {
        self.procs.get(&pid).is_some_and(|p| p.vfork_hidden)
    }

    pub(in crate::gdbserver) fn restore_after_vfork(&mut self, pid: i32) {
        let Some(p) = self.procs.get_mut(&pid) else { return };
        if !p.vfork_hidden {
            return;
        }
        p.vfork_hidden = false;
        let addrs: Vec<u64> = p.bps.keys().copied().collect();
        for addr in addrs {
            // (In non-stop, through /proc/PID/mem if every thread runs.)
            let _ = self.mem_write(pid, addr, &[0xcc]);
        }
    }

    /// A vfork child gdb debugs execed or exited: its parent's memory is
    /// its own again.
    pub(in crate::gdbserver) fn vfork_released(&mut self, parent: i32) {
        if let Some(p) = self.procs.get_mut(&parent) {
            p.in_vfork = false;
        }
    }
}
