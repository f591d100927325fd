//! The per-LWP stop mode: one thread's stop does not stop the others.
//!
//! FreeBSD stops the whole process at every debugger event; that is this
//! engine's default ([`StopMode::Process`]). A syscall tracer (truss) or a
//! debugger in gdb's non-stop mode wants the other threads to run on:
//! stopping and resuming every thread at every syscall of one of them costs
//! 6x strace's time at 8 threads and 130x at 512, and it is no one's
//! business but the tracer's. In [`StopMode::Lwp`] each LWP's event is
//! reported alone ([`Tracer::wait_lwp`]), requests name LWPs, and resuming
//! an LWP resumes it alone. It is an addition, not FreeBSD's model, and the
//! API keeps them apart: a process in this mode reports nothing to
//! [`Tracer::wait`] (its stops and its exit come from `wait_lwp`), and a
//! request that acts on one thread's state must name it ([`Target::Lwp`]);
//! `Target::Proc` means the whole process (memory, map, LWP list, resume
//! or stop every LWP).
//!
//! It must never: stop an LWP the tracer did not ask to stop, or resume an
//! LWP whose report the tracer has not collected.

use super::{Event, LinuxState, LinuxStop, Lwpid, Pid, ProcState, Target, Tracer, WaitOptions, WaitStatus};
use crate::error::{Errno, Result};
use crate::sys::{self, Tid};

/// How a traced process stops: FreeBSD's whole-process stop, or each LWP
/// alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StopMode {
    /// Every LWP stops before an event of one is reported (FreeBSD; the
    /// default).
    #[default]
    Process,
    /// Each LWP stops and is reported, and resumed, alone.
    Lwp,
}

/// Where an LWP of a per-LWP process stands with the tracer (FreeBSD's
/// `P_WAITED`, per LWP).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum LwpReport {
    /// Running, or stopped with nothing to report.
    #[default]
    None,
    /// Stopped with an event `wait_lwp` has not collected yet.
    Ready,
    /// Stopped, its stop collected: requests may act on it.
    Waited,
}

/// What [`Tracer::wait_lwp`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LwpStatus {
    /// One LWP stopped (`sig`: what `WSTOPSIG` would say); the others run.
    Stopped { pid: Pid, lwp: Lwpid, sig: i32 },
    /// The process exited or was killed.
    Exited { pid: Pid, status: WaitStatus },
}

impl Tracer {
    /// Switch a stopped process between the whole-process stop and the
    /// per-LWP mode. Into [`StopMode::Lwp`]: every LWP stays stopped and
    /// counts as collected (resume them one by one, or all with
    /// `Target::Proc`); events other LWPs had pending are reported by
    /// [`Tracer::wait_lwp`]. Back to [`StopMode::Process`]: every LWP must
    /// be stopped and collected (else EBUSY). Followed fork children take
    /// their parent's mode. Not a FreeBSD request.
    pub fn set_stop_mode(&mut self, t: Target, mode: StopMode) -> Result<()> {
        let (pid, _) = self.stopped(t)?;
        let p = self.procs.get_mut(&pid).expect("checked");
        if p.mode == mode {
            return Ok(());
        }
        match mode {
            StopMode::Lwp => {
                let x = p.xthread.take();
                p.mode = StopMode::Lwp;
                p.state = ProcState::Running;
                let pending: Vec<Tid> = p.pending.drain(..).collect();
                for l in p.lwps.iter_mut().filter(|l| l.is_live()) {
                    l.report = if Some(l.tid) == x || l.event.is_none() { LwpReport::Waited } else { LwpReport::Ready };
                }
                for tid in pending {
                    self.lwp_ready.push_back((pid, tid));
                }
            }
            StopMode::Process => {
                if p.lwps.iter().any(|l| l.is_live() && (l.report != LwpReport::Waited || !l.is_held())) {
                    return Err(Errno::EBUSY.into());
                }
                let x = p.lwps.iter().find(|l| l.event.is_some()).or_else(|| p.live_lwps().next()).map(|l| l.tid);
                for l in p.lwps.iter_mut() {
                    l.report = LwpReport::None;
                }
                p.mode = StopMode::Process;
                p.xthread = x;
                p.state = ProcState::Stopped { waited: true };
                self.lwp_ready.retain(|(q, _)| *q != pid);
            }
        }
        Ok(())
    }

    /// The stop mode of a traced process.
    pub fn stop_mode(&self, pid: Pid) -> Result<StopMode> {
        match self.procs.get(&pid) {
            Some(p) => Ok(p.mode),
            None => Err(self.untraced_error(Target::Proc(pid)).into()),
        }
    }

    /// The live LWPs of a process, running or not. [`Tracer::lwp_list`]
    /// needs a stopped process (FreeBSD's PT_GETLWPLIST), which a per-LWP
    /// process whose LWPs all run is not; a debugger in non-stop mode lists
    /// its threads then too. Not a FreeBSD request.
    pub fn live_lwp_list(&self, pid: Pid) -> Result<Vec<super::Lwpid>> {
        match self.procs.get(&pid) {
            Some(p) if p.mode == StopMode::Lwp && !matches!(p.state, ProcState::Exited { .. }) => {
                Ok(p.live_lwps().map(|l| super::Lwpid(l.tid)).collect())
            }
            Some(_) => self.lwp_list(Target::Proc(pid)),
            None => Err(self.untraced_error(Target::Proc(pid)).into()),
        }
    }

    /// Drop the event of a collected LWP of a per-LWP process, as a
    /// resume with signal 0 would, but leave it stopped: a trap the tracer
    /// handled itself (its breakpoint, its single step) is then delivered
    /// by nothing later, not by a detach (which gives every other thread's
    /// signal event back to it) nor after a switch back to
    /// [`StopMode::Process`]. Not a FreeBSD request.
    pub fn discard_lwp_event(&mut self, t: Target) -> Result<()> {
        if !matches!(t, Target::Lwp(_)) {
            return Err(Errno::EINVAL.into());
        }
        let (pid, tid) = self.stopped(t)?;
        if self.procs[&pid].mode != StopMode::Lwp {
            return Err(Errno::EINVAL.into());
        }
        self.consume_lwp_event(pid, tid, 0)
    }

    /// The tail of a stop of an LWP of a per-LWP process: report it alone,
    /// or resume it.
    pub(super) fn after_lwp_stop(&mut self, pid: Pid, tid: Tid, kind: LinuxStop, mut event: Option<Event>) {
        let p = self.procs.get_mut(&pid).expect("live");
        if event.is_none() && tid == pid.0 {
            // A followed child's first stop (FreeBSD's CHILD stop).
            if let Some(init) = p.initial.take() {
                event = Some(init);
            }
        }
        let l = p.lwp_mut(tid).expect("live");
        if event.is_none() && !matches!(kind, LinuxStop::Exit | LinuxStop::Group) && std::mem::take(&mut l.want_stop) {
            // Our interrupt of this LWP alone (Tracer::interrupt), answered
            // by whatever stop comes first: PTRACE_INTERRUPT sets only the
            // kernel's JOBCTL_TRAP_STOP, which any trap clears (a hidden
            // syscall or signal stop too), and no PTRACE_EVENT_STOP follows
            // then. Resumed from such a stop, the LWP was never reported
            // and the tracer's wait_lwp waited for ever (1 run in 8-12 of
            // tests/lwpmode.rs under load).
            event = Some(Event::Interrupt);
        } else if event.is_some() {
            // Stopped with an event of its own: the interrupt is answered
            // (its trap, still pending, is hidden after the next resume).
            l.want_stop = false;
        }
        match event {
            Some(e) => {
                l.event = Some(e);
                l.step = false;
                l.report = LwpReport::Ready;
                self.lwp_ready.push_back((pid, tid));
            }
            None if kind == LinuxStop::Group => self.on_group_stop(pid, tid),
            // Held: suspended, being stopped for a detach, or collected
            // (a collected LWP asleep in a syscall came back from it: it
            // stays stopped until the tracer resumes it).
            None if l.suspended || l.hold || l.report == LwpReport::Waited => {}
            None => self.resume_lwp(pid, tid),
        }
    }

    /// FreeBSD's wait for a per-LWP process: the next LWP stop, or the
    /// process's exit. `pid` as for [`Tracer::wait`]. Processes in the
    /// whole-process mode are never reported here.
    pub fn wait_lwp(&mut self, pid: i32, opts: WaitOptions) -> Result<Option<LwpStatus>> {
        if self.driven {
            return Err(Errno::EDEADLK.into());
        }
        self.wait_with(pid, opts, false, |t, want| t.take_lwp_ready(want).map(|(r, _)| r))
    }

    /// The next per-LWP report `want` selects: an LWP stop (marked
    /// collected) or an exit (the process is forgotten), with the exit's
    /// resource usage.
    pub(crate) fn take_lwp_ready(&mut self, want: i32) -> Option<(LwpStatus, Option<sys::Rusage>)> {
        if let Some(a) = self.take_exit_aside(want, true) {
            return Some((LwpStatus::Exited { pid: a.pid, status: WaitStatus::from_raw(a.status) }, a.rusage));
        }
        let sel = |p: Pid| super::wait::selects(want, p.0);
        if let Some(i) = self.lwp_ready.iter().position(|(p, _)| sel(*p)) {
            let (pid, tid) = self.lwp_ready.remove(i).expect("index valid");
            let sig = self
                .procs
                .get_mut(&pid)
                .and_then(|p| p.lwp_mut(tid))
                .filter(|l| l.report == LwpReport::Ready && l.is_live())
                .map(|l| {
                    l.report = LwpReport::Waited;
                    l.event.map(|e| e.stop_signal()).unwrap_or(libc::SIGSTOP)
                });
            return match sig {
                Some(sig) => Some((LwpStatus::Stopped { pid, lwp: Lwpid(tid), sig }, None)),
                // Gone since (its exit comes as the process's).
                None => self.take_lwp_ready(want),
            };
        }
        let i = self.ready.iter().position(|p| {
            sel(*p) && self.procs.get(p).is_some_and(|x| x.mode == StopMode::Lwp && matches!(x.state, ProcState::Exited { .. }))
        })?;
        let pid = self.ready.remove(i).expect("index valid");
        let p = self.procs.get(&pid).expect("checked");
        let ProcState::Exited { status } = p.state else { unreachable!("checked") };
        let ru = p.rusage;
        self.forget(pid);
        self.children.remove(&pid.0);
        Some((LwpStatus::Exited { pid, status: WaitStatus::from_raw(status) }, ru))
    }

    /// PT_CONTINUE & co. on a per-LWP process: `tid` alone, or (with
    /// `all`) every LWP whose stop was collected. The event of each is
    /// settled first, as FreeBSD settles the reporting thread's.
    pub(crate) fn continue_lwps(&mut self, pid: Pid, tid: Tid, all: bool, sig: i32, step: bool) -> Result<()> {
        if !all {
            // (One LWP, a syscall tracer's every stop: no list to build.)
            return self.continue_one_lwp(pid, tid, sig, step);
        }
        let tids: Vec<Tid> =
            self.procs[&pid].lwps.iter().filter(|l| l.report == LwpReport::Waited && l.is_held()).map(|l| l.tid).collect();
        for (n, t) in tids.into_iter().enumerate() {
            // A signal goes with the named LWP (or the first one).
            self.continue_one_lwp(pid, t, if n == 0 { sig } else { 0 }, step)?;
        }
        Ok(())
    }

    fn continue_one_lwp(&mut self, pid: Pid, t: Tid, sig: i32, step: bool) -> Result<()> {
        self.consume_lwp_event(pid, t, sig)?;
        self.arm_handler_step(pid, t, step, sig);
        let p = self.procs.get_mut(&pid).expect("checked");
        p.maps = None;
        let Some(l) = p.lwp_mut(t) else { return Ok(()) };
        if l.suspended {
            // PT_SUSPEND holds it (FreeBSD): stopped, still collected.
            return Ok(());
        }
        l.report = LwpReport::None;
        l.regs = None;
        self.resume_lwp(pid, t);
        Ok(())
    }

    /// Stop one LWP, or every LWP (`Target::Proc`), of a per-LWP process
    /// without a signal: each is reported alone as the SIGSTOP of a
    /// debugger's `kill()` ([`Event::Interrupt`]). Returns whether any stop
    /// was asked for.
    pub(crate) fn interrupt_lwps(&mut self, pid: Pid, only: Option<Tid>) -> Result<bool> {
        let p = self.procs.get_mut(&pid).expect("resolved");
        let mut asked = false;
        for l in p.lwps.iter_mut() {
            if only.is_some_and(|t| t != l.tid) || l.report != LwpReport::None || l.want_stop {
                continue;
            }
            if l.linux == LinuxState::New {
                // Born, its first stop (a PTRACE_EVENT_STOP) not collected
                // yet: that stop answers the interrupt (after_lwp_stop), no
                // PTRACE_INTERRUPT needed. Skipped, it was resumed from that
                // stop and the interrupt was lost.
                l.want_stop = true;
                asked = true;
                continue;
            }
            if !matches!(l.linux, LinuxState::Running | LinuxState::Blocked) {
                continue;
            }
            if sys::interrupt(l.tid).is_ok() {
                l.interrupt_pending = true;
                l.want_stop = true;
                self.interrupts_out = true;
                asked = true;
            }
        }
        Ok(asked)
    }

    /// Bring every LWP of a per-LWP process to a ptrace-stop (before a
    /// detach): interrupt those that run and collect their stops here;
    /// their events are reported as usual.
    pub(crate) fn stop_all_lwps(&mut self, pid: Pid) {
        // Just born, first stop not collected yet: held at that stop (the
        // detach collects it), never resumed from it.
        if let Some(p) = self.procs.get_mut(&pid) {
            for l in p.lwps.iter_mut().filter(|l| l.linux == LinuxState::New) {
                l.hold = true;
            }
        }
        let running: Vec<Tid> = match self.procs.get(&pid) {
            Some(p) => p.lwps.iter().filter(|l| matches!(l.linux, LinuxState::Running | LinuxState::Blocked)).map(|l| l.tid).collect(),
            None => return,
        };
        for tid in running {
            if sys::interrupt(tid).is_err() {
                continue;
            }
            if let Some(l) = self.procs.get_mut(&pid).and_then(|p| p.lwp_mut(tid)) {
                l.interrupt_pending = true;
                // Held, not resumed, when it stops with nothing to report.
                l.hold = true;
            }
            // Other threads' exits too: an LWP inside execve stops only
            // once they are collected.
            self.collect_lwp_stop(pid, tid);
        }
    }
}
