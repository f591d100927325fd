//! Starting, adopting and ending the debugged processes, and their thread
//! list.

use super::*;

impl Inferiors {
    // ---- starting and ending processes ----

    /// Run `argv` under trace; returns its pid once it stopped at its exec
    /// (with `shell`, at the program's exec after the shell's).
    pub fn spawn(&mut self, argv: &[String], env: Option<&[String]>, shell: bool) -> Result<i32, String> {
        let pid = self
            .tracer
            .spawn_env(argv, env)
            .map_err(|e| format!("cannot run {}: {e}", argv.first().map(String::as_str).unwrap_or("")))?;
        let first = self.wait_first(pid.0)?;
        if !matches!(first, Some(Event::Exec { .. })) {
            return Err(format!("{}: no exec stop ({first:?})", argv[0]));
        }
        if shell {
            // The shell's exec came first; run it to the program's.
            loop {
                // Signals the shell gets are its own.
                let sig = match self.tracer.stop_event(T::Proc(pid)) {
                    Ok((_, Some(Event::Signal { sig }))) => sig,
                    _ => 0,
                };
                self.tracer.resume(T::Proc(pid), Resume::Continue, None, sig).map_err(|e| e.to_string())?;
                match self.tracer.wait(pid.0, WaitOptions::BLOCK) {
                    Ok(Some((_, WaitStatus::Stopped(_)))) => {}
                    Ok(Some((_, WaitStatus::Exited(c)))) => {
                        return Err(format!("{}: the shell exited with status {c} before running it", argv[0]))
                    }
                    Ok(Some((_, st))) => return Err(format!("{}: the shell ended ({st:?})", argv[0])),
                    Ok(None) => return Err("no stop".into()),
                    Err(e) => return Err(e.to_string()),
                }
                if let Ok((_, Some(Event::Exec { .. }))) = self.tracer.stop_event(T::Proc(pid)) {
                    break;
                }
            }
        }
        self.adopt(pid.0, false)?;
        Ok(pid.0)
    }

    /// PT_ATTACH; returns once the attach stop is collected.
    pub fn attach(&mut self, pid: i32) -> Result<(), String> {
        // gdb detaches from what it attached to, and a server that dies
        // must not take it along, not even before the attach stop.
        let p = self.tracer.attach_with(T::Proc(Pid(pid)), false).map_err(|e| format!("cannot attach to process {pid}: {e}"))?;
        let _ = self.wait_first(p.0)?;
        self.adopt(pid, true)?;
        Ok(())
    }

    pub(super) fn wait_first(&mut self, pid: i32) -> Result<Option<Event>, String> {
        match self.tracer.wait(pid, WaitOptions::BLOCK) {
            Ok(Some((_, WaitStatus::Stopped(_)))) => Ok(self.tracer.stop_event(T::Proc(Pid(pid))).ok().and_then(|e| e.1)),
            Ok(Some((_, WaitStatus::Exited(127)))) => Err("not found or not executable".into()),
            Ok(Some((_, WaitStatus::Exited(126)))) => Err("not executable".into()),
            Ok(Some((_, st))) => Err(format!("ended before its first stop ({st:?})")),
            Ok(None) => Err("did not stop".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    pub(super) fn adopt(&mut self, pid: i32, attached: bool) -> Result<(), String> {
        let mut p = Process::new(attached);
        p.exe = exe_path(pid);
        self.procs.insert(pid, p);
        self.configure(pid).map_err(|e| e.to_string())?;
        if self.layout.xcr0 == 0 {
            let xcr0 = self.xcr0(pid);
            self.layout = Layout::new(xcr0);
            self.layout32 = Layout::i386(xcr0);
        }
        Ok(())
    }

    pub(super) fn xcr0(&mut self, pid: i32) -> u64 {
        self.tracer.xstate_info(T::Proc(Pid(pid))).map(|(m, _)| m).unwrap_or(0)
    }

    /// The engine's event mask for a process, from what gdb asked: forks
    /// are always followed (a child must lose our int3s), vfork-done is
    /// always wanted (our int3s come back then), thread and syscall events
    /// only when gdb wants them.
    pub(in crate::gdbserver) fn configure(&mut self, pid: i32) -> Result<(), Error> {
        use bsdtrace::abi::{PTRACE_EXEC, PTRACE_FORK, PTRACE_LWP, PTRACE_SYSCALL, PTRACE_VFORK};
        let mut mask = PTRACE_EXEC | PTRACE_FORK | PTRACE_VFORK;
        if self.opts.thread_events || self.procs.get(&pid).is_some_and(|p| p.partial) {
            mask |= PTRACE_LWP;
        }
        if self.opts.catch_syscalls.is_some() {
            mask |= PTRACE_SYSCALL;
        }
        let t = T::Proc(Pid(pid));
        if self.tracer.event_mask(t)? != mask {
            self.tracer.set_event_mask(t, mask)?;
        }
        Ok(())
    }

    /// Apply changed options (catch syscall, thread events) to every
    /// stopped process.
    pub fn reconfigure(&mut self) {
        let pids: Vec<i32> = self.procs.keys().copied().collect();
        for pid in pids {
            if self.procs[&pid].run == Run::Stopped {
                let _ = self.configure(pid);
            }
        }
    }

    pub fn first_pid(&self) -> Option<i32> {
        self.procs.keys().next().copied()
    }

    /// Kill a process and collect its exit.
    pub fn kill(&mut self, pid: i32) {
        if !self.procs.contains_key(&pid) {
            return;
        }
        if self.procs[&pid].in_vfork && self.tracer.stop_mode(Pid(pid)).ok() == Some(StopMode::Lwp) {
            // Non-stop (or a session that ended in it): its vfork thread
            // cannot stop while gdb holds the child (Linux's vfork wait),
            // so it is not stopped first: SIGKILL ends it all the same.
            return self.ns_kill_now(pid);
        }
        if !self.ns_quiesce(pid) {
            return; // it ended meanwhile
        }
        self.make_stopped(pid);
        if self.tracer.kill(T::Proc(Pid(pid))).is_err() {
            let _ = bsdtrace::sys::kill(pid, libc::SIGKILL);
        }
        while let Ok(Some((_, st))) = self.tracer.wait(pid, WaitOptions::BLOCK) {
            match st {
                WaitStatus::Exited(_) | WaitStatus::Signaled { .. } => break,
                _ => {
                    let _ = self.tracer.kill(T::Proc(Pid(pid)));
                }
            }
        }
        self.forget(pid);
    }

    /// Take our int3s and debug registers out and let the process run on.
    pub fn detach(&mut self, pid: i32) -> Result<(), Error> {
        if !self.procs.contains_key(&pid) {
            return Err(Errno::ESRCH.into());
        }
        if self.ns.is_some() && self.procs[&pid].in_vfork {
            // Its vfork thread cannot stop while gdb holds the child:
            // the detach is finished when it can.
            return self.ns_detach_later(pid);
        }
        self.ns_quiesce(pid);
        self.make_stopped(pid);
        if !self.procs.contains_key(&pid) {
            return Ok(()); // it ended meanwhile
        }
        self.remove_all_breakpoints(pid);
        let r = self.tracer.detach(T::Proc(Pid(pid)), 0);
        self.forget(pid);
        r
    }

    pub(in crate::gdbserver) fn forget(&mut self, pid: i32) {
        let gone = self.procs.remove(&pid);
        self.queue.retain(|s| s.ptid.pid != pid);
        for p in self.procs.values_mut() {
            if p.shares == Some(pid) {
                // A vfork child outliving its parent: the memory (and the
                // int3s in it; a detach took them out first) is its own.
                p.shares = None;
                if let Some(g) = &gone {
                    p.bps = g.bps.clone();
                    p.vfork_hidden = g.vfork_hidden;
                }
            }
        }
    }

    /// A running process stopped now (its stop kept for later if it is
    /// an event of its own).
    pub(super) fn make_stopped(&mut self, pid: i32) {
        if self.procs.get(&pid).is_none_or(|p| p.run == Run::Stopped) {
            return;
        }
        let _ = self.tracer.interrupt(T::Proc(Pid(pid)));
        while self.procs.get(&pid).is_some_and(|p| p.run == Run::Running) {
            match self.tracer.wait(pid, WaitOptions::BLOCK) {
                Ok(Some((_, st))) => self.on_status(pid, st, true),
                _ => {
                    self.forget(pid);
                    break;
                }
            }
        }
    }

    /// gdb went away: every process stopped, without the breakpoints,
    /// watchpoints, resume actions and catchpoints of that gdb.
    pub fn forget_session(&mut self) {
        let pids: Vec<i32> = self.procs.keys().copied().collect();
        for &pid in &pids {
            self.make_stopped(pid);
        }
        self.waiting = false;
        self.reporting = None;
        self.ctrl_c = false;
        self.opts = Options::default();
        let pids: Vec<i32> = self.procs.keys().copied().collect();
        for pid in pids {
            self.let_early_children_go(pid);
            self.remove_all_breakpoints(pid);
            let p = self.procs.get_mut(&pid).expect("listed");
            p.actions.clear();
            p.hwbps.clear();
            if p.slots.iter().any(|s| s.is_some()) {
                p.slots = [None; 4];
                p.slots_gen += 1;
                self.sync_dbregs(pid);
            }
            let _ = self.configure(pid);
            for l in self.lwps(pid) {
                let _ = self.tracer.unsuspend(T::Lwp(l));
                let _ = self.tracer.clear_step(T::Lwp(l));
            }
        }
    }

    /// After an exec (non-stop's): the int3s and debug registers went with
    /// the old image, and a vfork parent it shared them with is its own
    /// again (as the all-stop exec stop does). Returns the new path.
    pub(in crate::gdbserver) fn forget_image(&mut self, pid: i32) -> Option<String> {
        let (path, parent) = self.new_image(pid)?;
        if let Some(parent) = parent {
            self.vfork_released(parent);
        }
        path
    }

    /// After an exec: the int3s and debug registers went with the old
    /// image, and it shares no vfork parent's memory any more. Returns the
    /// new path and the vfork parent it shared with, if any.
    pub(super) fn new_image(&mut self, pid: i32) -> Option<(Option<String>, Option<i32>)> {
        let path = exe_path(pid);
        let p = self.procs.get_mut(&pid)?;
        p.bps.clear();
        p.hwbps.clear();
        p.rewound.clear();
        p.slots = [None; 4];
        p.slots_gen += 1;
        p.applied.clear();
        p.exe = path.clone();
        let parent = p.shares.take();
        let _ = self.configure(pid);
        Some((path, parent))
    }

    /// Changes with every change of the debug registers' contents.
    pub fn dbregs_gen(&self, pid: i32) -> u64 {
        self.procs.get(&pid).map(|p| p.slots_gen).unwrap_or(0)
    }

    /// The original bytes under our int3s, for a fork child's copy.
    pub(in crate::gdbserver) fn breakpoint_bytes(&self, pid: i32) -> Vec<(u64, u8)> {
        let owner = self.owner(pid);
        self.procs.get(&owner).map(|p| p.bps.iter().map(|(&a, b)| (a, b.orig)).collect()).unwrap_or_default()
    }

    pub fn remove_all_breakpoints(&mut self, pid: i32) {
        let Some(p) = self.procs.get_mut(&pid) else { return };
        for (_, (_, i)) in std::mem::take(&mut p.hwbps) {
            p.slots[i] = None;
            p.slots_gen += 1;
        }
        if p.shares.is_some() {
            return;
        }
        let hidden = p.vfork_hidden;
        let bps = std::mem::take(&mut p.bps);
        if !hidden {
            for (addr, bp) in bps {
                let _ = self.tracer.write_memory(T::Proc(Pid(pid)), addr, &[bp.orig]);
            }
        }
    }

    // ---- threads ----

    pub fn lwps(&self, pid: i32) -> Vec<Lwpid> {
        if self.ns.is_some() {
            return self.tracer.live_lwp_list(Pid(pid)).unwrap_or_default();
        }
        let mut l = self.tracer.lwp_list(T::Proc(Pid(pid))).unwrap_or_default();
        if let Some(p) = self.procs.get(&pid).filter(|p| !p.gone.is_empty()) {
            l.retain(|t| !p.gone.contains(&t.0));
        }
        l
    }

    pub fn threads(&self) -> Vec<Ptid> {
        let mut v = Vec::new();
        for (&pid, _) in self.procs.iter().filter(|(_, p)| !p.detaching) {
            for l in self.lwps(pid) {
                v.push(Ptid { pid, tid: l.0 });
            }
        }
        v
    }

    /// The process of a thread id (for clients that name threads by tid only).
    pub fn pid_of(&self, tid: i32) -> Option<i32> {
        self.procs.keys().copied().find(|&pid| self.lwps(pid).contains(&Lwpid(tid)))
    }

    pub fn alive(&self, p: Ptid) -> bool {
        self.procs.contains_key(&p.pid) && self.lwps(p.pid).contains(&Lwpid(p.tid))
    }

    pub fn is_stopped(&self, pid: i32) -> bool {
        self.procs.get(&pid).is_some_and(|p| p.run == Run::Stopped)
    }

    /// The thread whose stop the engine reports for `pid`.
    pub fn reporting_thread(&self, pid: i32) -> Option<Ptid> {
        let (l, _) = self.tracer.stop_event(T::Proc(Pid(pid))).ok()?;
        Some(Ptid { pid, tid: l.0 })
    }
}
