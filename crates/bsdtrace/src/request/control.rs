//! PT_DETACH, the continue family (PT_CONTINUE, PT_STEP, PT_TO_SCE,
//! PT_TO_SCX, PT_SYSCALL, PT_KILL), PT_SUSPEND/PT_RESUME,
//! PT_SETSTEP/PT_CLEARSTEP and the event mask (PT_ATTACH and PT_TRACE_ME:
//! attach.rs).

use crate::abi;
use crate::engine::{options_for, Event, LinuxState, LinuxStop, Lwp, Pid, ProcState, StopMode, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::{self, Tid};

/// How PT_CONTINUE & co. resume the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// PT_CONTINUE.
    Continue,
    /// PT_STEP: single-step the selected LWP.
    Step,
    /// PT_TO_SCE: also stop at every syscall entry from now on.
    ToSce,
    /// PT_TO_SCX: also stop at every syscall exit from now on.
    ToScx,
    /// PT_SYSCALL: both.
    Syscall,
}

/// SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: default action "stop".
fn is_stop_signal(sig: i32) -> bool {
    matches!(sig, libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU)
}

impl Tracer {
    /// The process died while a request was stopping it (forgotten, or
    /// only its exit left to report).
    fn gone(&self, pid: Pid) -> bool {
        self.procs.get(&pid).is_none_or(|p| matches!(p.state, ProcState::Exited { .. }))
    }

    /// PT_CONTINUE / PT_STEP / PT_TO_SCE / PT_TO_SCX / PT_SYSCALL.
    /// `addr`: `None` resumes where stopped (FreeBSD's `(caddr_t)1`), else the
    /// new PC of the selected LWP (ignored by PT_STEP). `sig`: 0..=128.
    pub fn resume(&mut self, t: Target, how: Resume, addr: Option<u64>, sig: i32) -> Result<()> {
        if !(0..=abi::SIG_MAXSIG).contains(&sig) {
            // FreeBSD validates data before looking at the target's state.
            self.stopped(t)?;
            return Err(Errno::EINVAL.into());
        }
        let lwp_mode = self.mode_of(t) == Some(StopMode::Lwp);
        // A new PC goes to the thread whose stop was reported. If another
        // thread's execve, going on under the reported stop (a thread
        // asleep inside execve is left asleep), has killed it since, the
        // PC is moot, as on FreeBSD, where the exec replaces the image it
        // was set in: set on the thread that exec'd (which takes over the
        // leader's tid), it started the new image there, or answered ESRCH
        // (fault suite long-form R1, C face, worker seed 120000384). The
        // statuses the engine has not met yet are met first (only for a
        // new PC of a process).
        let new_pc = addr.is_some() && how != Resume::Step && matches!(t, Target::Proc(_)) && !lwp_mode;
        if new_pc {
            let _ = self.pump();
        }
        let reporter_gone = new_pc
            && self.resolve(t).is_some_and(|(p, _)| {
                let p = &self.procs[&p];
                p.state == (ProcState::Stopped { waited: true }) && p.xthread.is_none_or(|x| p.lwp(x).is_none_or(|l| !l.is_live()))
            });
        // Per-LWP mode: the named LWP alone, or (Target::Proc) every LWP
        // whose stop was collected; a new PC or a step needs the LWP named.
        let (pid, tid) = if lwp_mode && matches!(t, Target::Proc(_)) {
            if addr.is_some() || how == Resume::Step {
                return Err(Errno::EINVAL.into());
            }
            self.stopped(t)?
        } else {
            self.settled(t)?
        };
        if sig > 64 {
            // No such host signal: the closest answer to FreeBSD's
            // "valid number, no handler" is refusing it.
            return Err(Errno::EINVAL.into());
        }
        let p = self.procs.get_mut(&pid).expect("checked");
        match how {
            Resume::ToSce => p.mask |= abi::PTRACE_SCE,
            Resume::ToScx => p.mask |= abi::PTRACE_SCX,
            Resume::Syscall => p.mask |= abi::PTRACE_SYSCALL,
            Resume::Continue | Resume::Step => {}
        }
        if let (Some(pc), true, false) = (addr, how != Resume::Step, reporter_gone) {
            match self.set_pc(tid, pid, pc) {
                // Woken to die by that exec before the engine met it: moot.
                Err(e) if new_pc && e.errno() == Errno::ESRCH && sys::procfs::exec_in_progress(pid.0) => {}
                r => r?,
            }
        }
        let p = self.procs.get_mut(&pid).expect("checked");
        if how == Resume::Step {
            p.lwp_mut(tid).expect("live").step = true;
        }
        // FreeBSD's issignal(): "Traced or exiting processes should ignore
        // stops": a stop signal passed on with its default action does
        // nothing while traced (Linux would enter a job-control stop).
        let sig = if is_stop_signal(sig) {
            let p = self.procs.get_mut(&pid).expect("checked");
            if sig != libc::SIGSTOP && p.sigs.disposition(pid.0, sig) == Some(crate::engine::Disposition::Caught) {
                sig
            } else {
                0
            }
        } else {
            sig
        };
        if lwp_mode {
            return self.continue_lwps(pid, tid, matches!(t, Target::Proc(_)), sig, how == Resume::Step);
        }
        if sig == libc::SIGKILL {
            // Continued with SIGKILL: the process dies (FreeBSD's P_WEXIT:
            // nothing but its exit is reported), as with PT_KILL. Another
            // LWP's pending event was reported instead, a stop of a
            // process on its way out (fault suite long-form R1, C face,
            // worker seed 34000147).
            return self.kill(Target::Proc(pid));
        }
        self.consume_event(pid, sig)?;
        self.arm_handler_step(pid, tid, how == Resume::Step, sig);
        self.continue_process(pid);
        Ok(())
    }

    /// A step with a caught signal stops at the handler's first
    /// instruction (FreeBSD): arm the walk once the signal is settled.
    pub(crate) fn arm_handler_step(&mut self, pid: Pid, tid: Tid, step: bool, sig: i32) {
        if !step {
            return;
        }
        let p = self.procs.get_mut(&pid).expect("checked");
        if let Some(l) = p.lwp_mut(tid) {
            // The debugger steps on its own from a stop inside a handler
            // being walked: the walk ends.
            l.handler_step = crate::engine::HandlerStep::None;
        }
        if sig == 0 {
            return;
        }
        let caught = p.sigs.disposition(pid.0, sig) == Some(crate::engine::Disposition::Caught);
        let l = p.lwp_mut(tid).expect("live");
        if caught && l.resume_sig == sig {
            l.handler_step = crate::engine::HandlerStep::Armed;
        }
    }

    /// PT_KILL: the process dies with SIGKILL; the next wait reports it.
    pub fn kill(&mut self, t: Target) -> Result<()> {
        let (pid, _) = self.stopped(t)?;
        self.drop_ghosts(pid, None);
        let p = self.procs.get_mut(&pid).expect("checked");
        p.killed = true;
        p.mask = 0;
        p.pending.clear();
        for l in p.lwps.iter_mut() {
            l.event = None;
            l.suspended = false;
            l.resume_sig = 0;
            l.step = false;
        }
        let _ = sys::kill(pid.0, libc::SIGKILL);
        self.resume_all(pid);
        Ok(())
    }

    /// PT_DETACH: stop tracing; `sig` (0..=128) is delivered as with
    /// PT_CONTINUE. Nothing is left stopped; debug registers we set are
    /// cleared.
    pub fn detach(&mut self, t: Target, sig: i32) -> Result<()> {
        let (pid, _) = self.stopped(t)?;
        if !(0..=abi::SIG_MAXSIG).contains(&sig) || sig > 64 {
            return Err(Errno::EINVAL.into());
        }
        // Threads asleep in a syscall (or, per-LWP, running) must be in a
        // ptrace-stop to be let go.
        self.settle_all(pid);
        if self.procs[&pid].mode == StopMode::Lwp {
            self.stop_all_lwps(pid);
            self.lwp_ready.retain(|(q, _)| *q != pid);
            if self.gone(pid) {
                return Err(Errno::ESRCH.into());
            }
        }
        self.consume_event(pid, sig)?;
        self.drop_ghosts(pid, None);
        self.drain_our_sigcont(pid);
        if self.gone(pid) {
            return Err(Errno::ESRCH.into());
        }
        let p = self.procs.get_mut(&pid).expect("checked");
        let tids: Vec<Tid> = p.lwps.iter().map(|l| l.tid).collect();
        let mut missed = Vec::new();
        for &tid in &tids {
            let p = self.procs.get_mut(&pid).expect("checked");
            let l = p.lwp_mut(tid).expect("listed");
            if l.linux == LinuxState::New {
                // Its first stop is on its way: collect it, then detach.
                let _ = sys::wait4(tid, sys::WALL);
                l.linux = LinuxState::Stopped(LinuxStop::Event);
            }
            if l.linux == LinuxState::Exiting && tid != pid.0 {
                // Past its exit stop: it cannot be detached, and as our
                // tracee its zombie waits for us. Reap it now (it is dying,
                // so this is brief), or the process could never be reaped.
                let _ = sys::wait4(tid, sys::WALL);
                continue;
            }
            if l.linux == LinuxState::Exiting {
                // The leader, gone before its threads: its zombie cannot be
                // detached and waits for the group. Unless we are its real
                // parent, the exit is not ours to report when it comes.
                if sys::procfs::status(tid).is_ok_and(|s| s.ppid != self.self_pid) {
                    self.released.insert(tid);
                }
                continue;
            }
            if !l.is_stopped() {
                continue;
            }
            if l.dbregs_dirty {
                let _ = sys::pokeuser(tid, sys::DEBUGREG_OFFSET + 7 * 8, 0);
            }
            // A pending signal event of another thread keeps its signal.
            let s = match l.event {
                Some(Event::Signal { sig }) | Some(Event::TraceMe { sig }) => sig,
                _ => l.resume_sig,
            };
            // A syscall one of our stops broke restarts (its whole timeout:
            // nothing of ours will be there to put a rewritten one back);
            // one about to be entered is entered afresh after the detach.
            l.restart_on_detach();
            l.reenter_on_detach();
            if sys::detach(tid, s) == Err(Errno::ESRCH) {
                missed.push(tid);
            }
        }
        // Threads we trace but never learnt of (cloned just before the
        // stop, their creator's clone event not seen yet) stop soon, at
        // their first stop or their exit: let them go too.
        let me = sys::gettid();
        for t in sys::procfs::tasks(pid.0).unwrap_or_default() {
            if !tids.contains(&t) && sys::procfs::task_status(pid.0, t).is_ok_and(|s| s.tracer_pid == me) {
                missed.push(t);
            }
        }
        self.forget(pid);
        // A fatal signal passed to a thread detached before them (issue 11
        // #2) woke these out of their stop towards their exit, still traced
        // by us: unless let go at their exit stop (or reaped), the process
        // could never be reaped. ESRCH from a thread we had stopped means
        // just that (nothing else ends a ptrace stop), so the waits are brief.
        missed.sort_by_key(|&t| t == pid.0);
        for tid in missed {
            self.let_go_dying(tid, tid == pid.0);
        }
        Ok(())
    }

    /// A thread of a process we no longer trace, on its way out but still
    /// traced by us: wait for its exit stop and detach it, or reap its
    /// zombie (a thread's; a leader's is left for its parent, or swallowed
    /// if we are not its parent).
    fn let_go_dying(&mut self, tid: Tid, leader: bool) {
        loop {
            match sys::waitid_pid_peek(tid, sys::WALL) {
                Ok(Some((code, _))) if code == libc::CLD_TRAPPED || code == libc::CLD_STOPPED => {
                    // Detaching drops the stop's notification too.
                    if sys::detach(tid, 0) != Err(Errno::ESRCH) {
                        return;
                    }
                }
                Ok(Some(_)) if leader => {
                    if sys::procfs::status(tid).is_ok_and(|s| s.ppid != self.self_pid) {
                        self.released.insert(tid);
                    }
                    return;
                }
                Ok(Some(_)) => {
                    let _ = sys::wait4(tid, sys::WALL);
                    return;
                }
                _ => return,
            }
        }
    }

    /// Stop a running traced process now, as a debugger's `kill(pid,
    /// SIGSTOP)` does on FreeBSD, without sending a signal: every thread is
    /// interrupted (PTRACE_INTERRUPT) and the next wait reports the
    /// whole-process stop as `WSTOPSIG == SIGSTOP`, `PL_EVENT_SIGNAL` with a
    /// SIGSTOP `SI_USER` siginfo from the tracer ([`Event::Interrupt`]).
    /// Continuing with signal 0 leaves nothing behind: no stray SIGSTOP
    /// waits in the kernel for a later stop, and a program cannot catch,
    /// block or notice it. Not a FreeBSD request (no `PT_*` number).
    ///
    /// Returns `Ok(true)` when a stop was requested, `Ok(false)` when the
    /// process is stopped already or a stop of it is on its way (the wait
    /// reports that one). Errors as for any request on an untraced target.
    pub fn interrupt(&mut self, t: Target) -> Result<bool> {
        let Some((pid, tid)) = self.resolve(t) else {
            if let Target::Proc(Pid(p)) = t {
                // A PT_TRACE_ME child of ours before its first stop (Linux
                // traces it the legacy way, from this thread; the engine
                // learns of it at that stop): FreeBSD's kill(SIGSTOP)
                // stops it, and so does ours. Its adoption reports the
                // stop (or, if its own first stop comes first, the SIGSTOP
                // is reported next). It was EBUSY, as for another tracer's
                // process (issue 11's fault suite, R1 Rust face).
                if sys::procfs::status(p).is_ok_and(|s| s.tgid == p && s.tracer_pid == sys::gettid()) {
                    sys::kill(p, libc::SIGSTOP)?;
                    return Ok(true);
                }
            }
            return Err(self.untraced_error(t).into());
        };
        let p = self.procs.get_mut(&pid).expect("resolved");
        if p.mode == StopMode::Lwp {
            if p.killed || matches!(p.state, ProcState::Exited { .. }) {
                return Err(Errno::ESRCH.into());
            }
            return self.interrupt_lwps(pid, matches!(t, Target::Lwp(_)).then_some(tid));
        }
        match p.state {
            ProcState::Running => {}
            ProcState::Exited { .. } => return Err(Errno::ESRCH.into()),
            _ => return Ok(false),
        }
        if p.killed {
            return Err(Errno::ESRCH.into());
        }
        p.initial = Some(Event::Interrupt);
        p.state = ProcState::Stopping;
        self.interrupt_others(pid, 0);
        self.check_all_stopped(pid);
        Ok(true)
    }

    /// PT_SUSPEND: the LWP stays stopped when the process is continued.
    pub fn suspend(&mut self, t: Target) -> Result<()> {
        self.lwp_flag(t, |l| l.suspended = true)
    }

    /// PT_RESUME: undo PT_SUSPEND.
    pub fn unsuspend(&mut self, t: Target) -> Result<()> {
        self.lwp_flag(t, |l| l.suspended = false)
    }

    /// PT_SETSTEP: single-step the LWP when the process is next continued.
    pub fn set_step(&mut self, t: Target) -> Result<()> {
        self.lwp_flag(t, |l| l.step = true)
    }

    /// PT_CLEARSTEP.
    pub fn clear_step(&mut self, t: Target) -> Result<()> {
        self.lwp_flag(t, |l| l.step = false)
    }

    fn lwp_flag(&mut self, t: Target, f: impl FnOnce(&mut Lwp)) -> Result<()> {
        let (pid, tid) = self.stopped(t)?;
        f(self.procs.get_mut(&pid).expect("checked").lwp_mut(tid).expect("live"));
        Ok(())
    }

    /// PT_GET_EVENT_MASK.
    pub fn event_mask(&self, t: Target) -> Result<i32> {
        let (pid, _) = self.stopped(t)?;
        Ok(self.procs[&pid].mask)
    }

    /// PT_SET_EVENT_MASK: EINVAL for bits FreeBSD does not define.
    pub fn set_event_mask(&mut self, t: Target, mask: i32) -> Result<()> {
        let (pid, _) = self.stopped(t)?;
        let all = abi::PTRACE_EXEC | abi::PTRACE_SCE | abi::PTRACE_SCX | abi::PTRACE_FORK | abi::PTRACE_LWP | abi::PTRACE_VFORK;
        if mask & !all != 0 {
            return Err(Errno::EINVAL.into());
        }
        self.procs.get_mut(&pid).expect("checked").mask = mask;
        self.sync_options(pid)
    }

    /// Whether `t`'s process dies with this tracer (the default, as with
    /// FreeBSD's `kern.kill_on_debugger_exit` and Linux's
    /// PTRACE_O_EXITKILL) or runs on. With `false`, dropping the `Tracer`
    /// stops and detaches the process instead of killing it, and if the
    /// tracing thread dies unexpectedly (SIGKILL, a crash) Linux detaches it
    /// too. A tool that attaches to a running process (`truss -p`) clears
    /// it so that its target survives it. Followed fork children inherit
    /// the setting. Not a FreeBSD request.
    pub fn set_kill_on_exit(&mut self, t: Target, on: bool) -> Result<()> {
        let (pid, _) = self.stopped(t)?;
        self.procs.get_mut(&pid).expect("checked").exit_kill = on;
        self.sync_options(pid)
    }

    /// PT_FOLLOW_FORK: set or clear PTRACE_FORK.
    pub fn follow_fork(&mut self, t: Target, on: bool) -> Result<()> {
        let m = self.event_mask(t)?;
        self.set_event_mask(t, if on { m | abi::PTRACE_FORK } else { m & !abi::PTRACE_FORK })
    }

    /// PT_LWP_EVENTS: set or clear PTRACE_LWP.
    pub fn lwp_events(&mut self, t: Target, on: bool) -> Result<()> {
        let m = self.event_mask(t)?;
        self.set_event_mask(t, if on { m | abi::PTRACE_LWP } else { m & !abi::PTRACE_LWP })
    }

    /// Apply the Linux options the event mask needs to every stopped thread.
    pub(crate) fn sync_options(&mut self, pid: Pid) -> Result<()> {
        if self.procs[&pid].lwps.iter().any(|l| l.linux == LinuxState::Blocked) && {
            let p = &self.procs[&pid];
            let mut want = options_for(p.mask) | (p.options & sys::PTRACE_O_TRACESECCOMP);
            if !p.exit_kill {
                want &= !sys::PTRACE_O_EXITKILL;
            }
            want != p.options
        } {
            // Linux sets options only on a thread in a ptrace-stop.
            self.settle_all(pid);
        }
        let p = self.procs.get_mut(&pid).expect("checked");
        let mut want = options_for(p.mask) | (p.options & sys::PTRACE_O_TRACESECCOMP);
        if !p.exit_kill {
            want &= !sys::PTRACE_O_EXITKILL;
        }
        if want == p.options {
            return Ok(());
        }
        for l in p.lwps.iter().filter(|l| l.is_stopped()) {
            let _ = sys::set_options(l.tid, want);
        }
        p.options = want;
        Ok(())
    }

    /// Settle the signal of the current stop (FreeBSD's `p_xsig` handling):
    /// the same signal is delivered with its siginfo, 0 discards it, another
    /// one replaces it and goes to a thread that does not block it, without
    /// a second debugger stop. At a non-signal stop a signal is queued to be
    /// delivered after the syscall, also without a further stop.
    fn consume_event(&mut self, pid: Pid, sig: i32) -> Result<()> {
        let Some(x) = self.procs[&pid].xthread else {
            // The reporting thread died after its stop was reported (an
            // execve of another thread killed it and took over its tid):
            // FreeBSD delivers the signal to the process; so do we, as
            // `consume_lwp_event` does for a reporter it still knows.
            // (Dropped, a SIGTERM passed on at such a stop left the
            // process running and its debugger waiting for its death:
            // fault suite R2, C face, an `execer`, clean-clone CI.)
            if sig != 0 {
                let _ = sys::kill(pid.0, sig);
            }
            return Ok(());
        };
        self.consume_lwp_event(pid, x, sig)
    }

    /// [`Tracer::consume_event`] for LWP `x` (the reporting one, or in the
    /// per-LWP mode the one being resumed).
    pub(crate) fn consume_lwp_event(&mut self, pid: Pid, x: Tid, sig: i32) -> Result<()> {
        let follow = self.follows_restarts();
        let p = self.procs.get_mut(&pid).expect("checked");
        let Some(l) = p.lwp_mut(x).filter(|l| l.linux != LinuxState::Exiting && !l.exec_victim) else {
            // The reporting thread died after its stop was reported, or
            // is held at its exit stop until this continue (an execve of
            // another thread killed it, issue 11 R2): FreeBSD delivers
            // the signal to the process; so do we.
            if sig != 0 {
                let _ = sys::kill(pid.0, sig);
            }
            return Ok(());
        };
        let ev = l.event.take();
        l.siginfo = crate::engine::SigInfo::None;
        let in_signal_stop = l.linux == LinuxState::Stopped(LinuxStop::Signal);
        match ev {
            Some(Event::Signal { sig: orig }) | Some(Event::TraceMe { sig: orig }) if in_signal_stop => {
                if sig == 0 && !l.regs_written {
                    // Discarded: on FreeBSD the signal never reaches the
                    // thread, so a call it woke (epoll_wait's plain EINTR)
                    // sleeps on. Restart it.
                    l.unbreak(follow);
                }
                if sig == orig || sig == 0 {
                    l.resume_sig = sig;
                    return Ok(());
                }
                l.resume_sig = 0;
                let bit = 1u64 << (sig - 1);
                let blocked = sys::sigmask(x).unwrap_or(0) & bit != 0;
                if !blocked {
                    // Linux delivers a replaced signal at once, with SI_USER
                    // siginfo naming the tracer, and no second stop.
                    l.resume_sig = sig;
                    return Ok(());
                }
                let first = p.live_lwps().find(|l| l.ghost.is_none()).map(|l| l.tid);
                let all_block = first.is_some()
                    && p
                        .live_lwps()
                        .filter(|l| l.ghost.is_none())
                        .all(|l| !sys::sigmask(l.tid).is_ok_and(|m| m & bit == 0));
                if all_block && !matches!(sig, libc::SIGKILL | libc::SIGSTOP) {
                    let first = first.expect("checked");
                    if first != x {
                        // FreeBSD's sigtd: no thread takes it, so the marked
                        // copy goes to the first thread, and since that is
                        // not the stopping one there is no second copy: it
                        // is delivered, with no stop, once the first thread
                        // unblocks it.
                        self.inject_to(pid, first, sig, true);
                        return Ok(());
                    }
                    // No thread can take it: FreeBSD queues it twice (fact
                    // sheet 4.3); the thread that unblocks it takes the
                    // marked copy, then stops for the unmarked one. Sent
                    // once, unmarked; its first delivery is the marked
                    // copy's (engine/stop.rs).
                    //
                    // The unmarked copy carries the replaced signal's
                    // siginfo: one from sigqueue(2) (KSI_SIGQ) finds no room
                    // in a full queue, and FreeBSD drops that copy: the
                    // marked one alone, no stop.
                    let orig_info = sys::siginfo(x).ok();
                    if orig_info.is_some_and(|si| sys::si::code(&si) == libc::SI_QUEUE)
                        && p.sigs.queue_full(pid.0) == Some(true)
                    {
                        self.inject_to(pid, x, sig, true);
                        return Ok(());
                    }
                    p.blocked_replacement |= bit;
                    p.replacement_info.retain(|(s, _)| *s != sig);
                    if let Some(mut si) = orig_info {
                        si.si_signo = sig;
                        p.replacement_info.push((sig, si));
                    }
                    let _ = sys::kill(pid.0, sig);
                    return Ok(());
                }
                self.inject(pid, x, sig);
            }
            _ => {
                l.resume_sig = 0;
                if sig != 0 {
                    self.inject(pid, x, sig);
                }
            }
        }
        Ok(())
    }

    /// Queue `sig` to a thread of `pid` that does not block it (else to
    /// `prefer`), marked as ours so its delivery passes without a stop.
    fn inject(&mut self, pid: Pid, prefer: Tid, sig: i32) {
        self.inject_to(pid, prefer, sig, false)
    }

    /// [`Tracer::inject`]; `directed`: to `prefer` even if it blocks `sig`.
    fn inject_to(&mut self, pid: Pid, prefer: Tid, sig: i32, directed: bool) {
        let p = self.procs.get_mut(&pid).expect("checked");
        let bit = 1u64 << (sig - 1);
        let i = (sig - 1) as usize;
        let rt = sig >= libc::SIGRTMIN();
        if p.injected & bit != 0 && !rt {
            // One of ours is still pending: sending it again would merge
            // the two into one delivery. Send it once that one is seen
            // (engine/stop.rs), so the program gets both, as on FreeBSD;
            // unless the queue is full and that one lost its siginfo
            // (decided at its delivery).
            if p.sigs.queue_full(pid.0) == Some(true) {
                p.injected_again_full |= bit;
            }
            p.injected_again[i] = p.injected_again[i].saturating_add(1);
            return;
        }
        let again = p.injected & bit != 0;
        p.injected |= bit;
        // Whether the send lost its siginfo to a full queue (then, as
        // FreeBSD's "from ptrace" signals, it merges with a later one).
        let lost = if !directed && sys::sigmask(prefer).unwrap_or(0) & bit != 0 {
            // The stopping thread blocks it: send it to the process, and
            // the kernel picks a thread that does not (one asleep in a
            // syscall included, whose mask we could not read without
            // stopping it). If every thread blocks it, it waits. (kill()
            // of a standard signal always gets its siginfo.)
            let _ = sys::kill(pid.0, sig);
            rt && p.sigs.queue_full(pid.0) == Some(true)
        } else {
            // A realtime tgkill a full queue refuses (EAGAIN): kill() still
            // delivers it, without its siginfo, as FreeBSD does a signal
            // from ptrace when its queue is full.
            sys::tgkill(pid.0, prefer, sig) == Err(Errno::EAGAIN) && sys::kill(pid.0, sig).is_ok()
        };
        if rt && again && !(lost && p.injected_lost & bit != 0) {
            // Each realtime send is queued: count it, so that each delivery
            // is known for ours.
            p.injected_again[i] = p.injected_again[i].saturating_add(1);
        }
        if lost {
            p.injected_lost |= bit;
        }
    }

    /// After the current event is settled: report the next pending event
    /// (without resuming anything), or resume every LWP not suspended.
    pub(crate) fn continue_process(&mut self, pid: Pid) {
        let p = self.procs.get_mut(&pid).expect("checked");
        // A thread an execve took down is gone once its EXITED stop is.
        if let Some(x) = p.xthread.filter(|x| p.lwp(*x).is_some_and(|l| l.ghost.is_some())) {
            self.drop_ghosts(pid, Some(x));
        }
        let p = self.procs.get_mut(&pid).expect("checked");
        p.xthread = None;
        p.maps = None;
        for l in p.lwps.iter_mut().filter(|l| l.ghost.is_none()) {
            l.regs = None;
        }
        if p.job_stopped.take().is_some() {
            p.job_report = false;
        }
        if p.remote_exit_lwp().is_some() {
            // The continue that ends a remote exit's stop starts the exit
            // (FreeBSD's P_WEXIT: nothing but the exit is reported). An
            // EXITED stop another LWP had pending was reported instead,
            // and the process held stopped for a tracer that waited for
            // its exit: a hang (fault suite R1, Rust face, seed 47000142,
            // about 1 replay in 80; the flight recorder showed the stop).
            p.pending.clear();
        }
        let next = p
            .pending
            .iter()
            .position(|t| p.lwps.iter().any(|l| l.tid == *t && !l.suspended && l.event.is_some()));
        if let Some(i) = next {
            let t = p.pending.remove(i).expect("valid");
            p.xthread = Some(t);
            p.state = ProcState::Stopped { waited: false };
            self.ready.push_back(pid);
            return;
        }
        // (A PT_SUSPENDed one is not kept: the exec'ing thread it held
        // back runs on.)
        self.drop_ghosts(pid, None);
        self.resume_all(pid);
    }

    /// Forget the threads an execve took down (engine/lwp.rs `Ghost`):
    /// `one` of them, or all.
    fn drop_ghosts(&mut self, pid: Pid, one: Option<Tid>) {
        let Some(p) = self.procs.get_mut(&pid) else { return };
        if !p.lwps.iter().any(|l| l.ghost.is_some()) {
            // (At every continue: keep it cheap.)
            return;
        }
        let gone: Vec<Tid> = p.lwps.iter().filter(|l| l.ghost.is_some() && one.is_none_or(|t| t == l.tid)).map(|l| l.tid).collect();
        if gone.is_empty() {
            return;
        }
        p.lwps.retain(|l| !gone.contains(&l.tid));
        p.pending.retain(|t| !gone.contains(t));
        if p.xthread.is_some_and(|x| gone.contains(&x)) {
            p.xthread = None;
        }
        for t in gone {
            self.tids.remove(&t);
        }
    }
}
