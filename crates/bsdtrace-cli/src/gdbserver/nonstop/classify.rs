//! Why a thread stopped, in gdb's terms: each LWP stop the engine
//! reports becomes a stop reply to queue, or the thread is resumed
//! (an event gdb did not ask for, a range step going on).

use super::*;

impl Inferiors {
    /// Why `p` stopped, for gdb; or resume it.
    pub(super) fn classify_lwp(&mut self, p: Ptid) -> Out {
        let ev = self.tracer.stop_event(T::Lwp(Lwpid(p.tid))).ok().and_then(|e| e.1);
        let ns = self.ns.as_mut().expect("non-stop");
        let wanted = ns.stop_wanted.remove(&p);
        let ctrl_c = ns.ctrl_c == Some(p);
        if ctrl_c {
            ns.ctrl_c = None;
        }
        match self.classify_event(p, ev, wanted, ctrl_c) {
            // gdb asked this thread to stop (`vCont;t`, `vCtrlC`) and the
            // engine reported a stop of another kind first: that stop
            // answered the interrupt (the engine sends no other), so it is
            // the stop gdb waits for. Resumed, the thread ran on and gdb
            // waited for ever. (A thread exiting is let go: gdb learns of
            // its end.)
            Out::Resume(sig) if (wanted || ctrl_c) && ev != Some(Event::Exited) => {
                Out::Report(if sig == 0 && ctrl_c { StopKind::Interrupted } else { StopKind::Signal(sig) })
            }
            out => out,
        }
    }

    /// Why `p` stopped with `ev`, for gdb; or resume it.
    pub(super) fn classify_event(&mut self, p: Ptid, ev: Option<Event>, wanted: bool, ctrl_c: bool) -> Out {
        self.gcache.remove(&p.tid);
        self.xcache.remove(&p.tid);
        let l = Lwpid(p.tid);
        let t = T::Lwp(l);
        let ns = self.ns.as_mut().expect("non-stop");
        let action = ns.actions.get(&p).copied();
        let resync = ns.resync.remove(&p);
        let stepping = action.is_some_and(|a| !matches!(a, Action::Continue(_)));
        match ev {
            Some(Event::Signal { sig: libc::SIGTRAP }) => {
                // Target-side conditions and commands: evaluated here; a
                // false one never reaches gdb.
                let step = matches!(action, Some(Action::Step(_)));
                match self.rewind(p) {
                    Some(true) => {
                        let pc = self.tracer.get_regs(t).map(|r| r.r_rip as u64).unwrap_or(0);
                        return if self.ns_breakpoint_hit(p, pc, false, step) { Out::Report(StopKind::SwBreak) } else { Out::Resume(0) };
                    }
                    Some(false) => return Out::Resume(0), // gdb removed it meanwhile
                    None => {}
                }
                let si = bsdtrace::sys::siginfo(p.tid).ok().map(|si| bsdtrace::sys::si::code(&si));
                let pc = self.tracer.get_regs(t).map(|r| r.r_rip as u64).unwrap_or(0);
                if si == Some(TRAP_HWBKPT) && self.procs.get(&p.pid).is_some_and(|pr| pr.hwbps.contains_key(&pc)) {
                    return if self.ns_breakpoint_hit(p, pc, true, step) { Out::Report(StopKind::SwBreak) } else { Out::Resume(0) };
                }
                if let Ok(Some(k)) = self.debug_trap(p.pid, l) {
                    return Out::Report(k);
                }
                let by_step =
                    self.tracer.stop_siginfo(t).ok().flatten().is_some_and(|si| bsdtrace::sys::si::code(&si) == 2 /* TRAP_TRACE */);
                match action {
                    Some(Action::Range(start, end)) if by_step => {
                        // Inside the range, the instructions the server
                        // emulates are executed here, sparing a trap each;
                        // the first one it does not takes a real step.
                        let mut pc = pc;
                        let mut n = 0;
                        while (start..end).contains(&pc) && n < 256 && self.emulate_instruction(p, false) {
                            pc = self.tracer.get_regs(t).map(|r| r.r_rip as u64).unwrap_or(0);
                            n += 1;
                        }
                        if (start..end).contains(&pc) {
                            Out::Resume(0)
                        } else {
                            Out::Report(StopKind::Step)
                        }
                    }
                    Some(Action::Step(_)) if by_step => Out::Report(StopKind::Step),
                    _ => self.signal_out(libc::SIGTRAP, stepping),
                }
            }
            Some(Event::Interrupt) => {
                if ctrl_c {
                    Out::Report(StopKind::Interrupted)
                } else if resync && !wanted {
                    Out::Resume(0)
                } else {
                    Out::Report(StopKind::Signal(0))
                }
            }
            Some(Event::Signal { sig }) | Some(Event::TraceMe { sig }) => self.signal_out(sig, stepping),
            Some(Event::Attach) | Some(Event::Child) => Out::Report(StopKind::Signal(libc::SIGSTOP)),
            Some(Event::SyscallEntry) | Some(Event::SyscallExit) => {
                let nr = bsdtrace::sys::peekuser(p.tid, ORIG_RAX_OFFSET).unwrap_or(u64::MAX);
                let wanted = self.opts.catch_syscalls.as_ref().is_some_and(|set| set.is_empty() || set.contains(&nr));
                if !wanted {
                    Out::Resume(0)
                } else if ev == Some(Event::SyscallEntry) {
                    Out::Report(StopKind::SyscallEntry(nr))
                } else {
                    Out::Report(StopKind::SyscallReturn(nr))
                }
            }
            Some(Event::Exec { .. }) => {
                let path = self.forget_image(p.pid);
                // The other threads went with the old image.
                let alive: HashSet<Ptid> = self.threads().into_iter().collect();
                let ns = self.ns.as_mut().expect("non-stop");
                ns.stopped.retain(|q, _| q.pid != p.pid || alive.contains(q));
                ns.actions.retain(|q, _| q.pid != p.pid || alive.contains(q));
                if self.opts.exec_events {
                    Out::Report(StopKind::Exec(path.unwrap_or_default()))
                } else {
                    Out::Report(StopKind::Signal(libc::SIGTRAP))
                }
            }
            Some(Event::Forked { child, vfork }) => self.ns_forked(p, child.0, vfork),
            Some(Event::Exited) if self.opts.thread_events && p.tid != p.pid => Out::Report(StopKind::ThreadExited(0)),
            Some(Event::VforkDone) => {
                // Its child execed or exited: its memory is its own again.
                // gdb hears of it if it was told of the vfork (it took its
                // breakpoints out of the child, and puts them back now).
                self.vfork_released(p.pid);
                let hidden = self.breakpoints_hidden_for_vfork(p.pid);
                self.restore_after_vfork(p.pid);
                if self.opts.vfork_events && !hidden {
                    Out::Report(StopKind::VforkDone)
                } else {
                    Out::Resume(0)
                }
            }
            Some(Event::Born) | Some(Event::Exited) => Out::Resume(0),
            None => Out::Report(StopKind::Signal(libc::SIGTRAP)),
        }
    }

    /// `p` forked `child`. As GNU gdbserver does in non-stop, a fork gdb
    /// wants to hear of is reported as the forking thread's stop, the
    /// child a new process of ours, stopped (its first stop collected
    /// here), with a copy of our int3s (after vfork, sharing its parent's
    /// memory and table), until gdb detaches or resumes it; the parent's
    /// other threads run on. Any other child is let go without our int3s.
    pub(super) fn ns_forked(&mut self, p: Ptid, child: i32, vfork: bool) -> Out {
        let tell = if vfork { self.opts.vfork_events } else { self.opts.fork_events };
        let ns = self.ns.as_mut().expect("non-stop");
        if !tell {
            ns.children.insert(child, vfork);
            if ns.early_children.remove(&child) {
                self.fork_child_stopped(child);
            }
            return Out::Resume(0);
        }
        let stopped = ns.early_children.remove(&child)
            || matches!(self.tracer.wait_lwp(child, WaitOptions::BLOCK), Ok(Some(LwpStatus::Stopped { .. })));
        if !stopped {
            // Killed before its first stop: nothing to tell.
            return Out::Resume(0);
        }
        self.add_fork_child(p.pid, child, vfork);
        let ns = self.ns.as_mut().expect("non-stop");
        ns.stopped.insert(Ptid { pid: child, tid: child }, StopKind::Signal(0));
        Out::Report(StopKind::Fork { child, vfork })
    }

    pub(super) fn signal_out(&self, sig: i32, stepping: bool) -> Out {
        let pass = (1..=64).contains(&sig) && self.opts.pass & (1u64 << (sig - 1)) != 0;
        if pass && !stepping {
            Out::Resume(sig)
        } else {
            Out::Report(StopKind::Signal(sig))
        }
    }

    /// The first stop of a fork child: without our int3s (unless it shares
    /// its parent's memory), let go.
    pub(super) fn fork_child_stopped(&mut self, child: i32) {
        let Some(ns) = self.ns.as_mut() else { return };
        let Some(&vfork) = ns.children.get(&child) else {
            // Its parent's fork event comes next.
            ns.early_children.insert(child);
            return;
        };
        ns.children.remove(&child);
        let parent = std::fs::read_to_string(format!("/proc/{child}/stat"))
            .ok()
            .and_then(|s| s.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)).and_then(|x| x.parse::<i32>().ok()));
        if !vfork {
            if let Some(parent) = parent {
                for (addr, orig) in self.breakpoint_bytes(parent) {
                    let _ = self.tracer.write_memory(T::Lwp(Lwpid(child)), addr, &[orig]);
                }
            }
        }
        let _ = self.tracer.detach(T::Proc(Pid(child)), 0);
    }
}
