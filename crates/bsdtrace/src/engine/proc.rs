//! One traced process: its LWPs in creation order, its whole-process state
//! (running, stopping, stopped, exited), the pending events and per-process
//! settings, and how one LWP is resumed.

use super::{Event, LinuxState, LinuxStop, Lwp, Pid, ScState, SigProbe};
use crate::sys::{self, Tid};
use std::collections::VecDeque;
use std::os::fd::OwnedFd;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProcState {
    /// Running: nothing to report.
    Running,
    /// An event arrived; waiting for the other LWPs to stop.
    Stopping,
    /// Every LWP is stopped; `waited` once the tracer collected it (P_WAITED).
    Stopped { waited: bool },
    /// The process exited; the status waits to be collected.
    Exited { status: i32 },
}

/// A snapshot of the memory map, valid while the process stays stopped.
#[derive(Debug)]
pub(crate) struct MapSnapshot {
    pub timestamp: i32,
    pub entries: Vec<sys::procfs::MapEntry>,
}

#[derive(Debug)]
pub(crate) struct Proc {
    #[allow(dead_code)]
    pub pid: Pid,
    /// LWPs in creation order (FreeBSD's thread list order).
    pub lwps: Vec<Lwp>,
    /// Whole-process stops (FreeBSD's), or each LWP alone.
    pub mode: super::StopMode,
    /// Its process group when traced and after each exec (kept for the
    /// report of its exit, which wait(0) and wait(-pgid) select by).
    pub pgid: i32,
    pub state: ProcState,
    /// The LWP whose event is reported now (`p_xthread`).
    pub xthread: Option<Tid>,
    /// LWPs holding unreported events, oldest first.
    pub pending: VecDeque<Tid>,
    /// PTRACE_* event mask.
    pub mask: i32,
    /// Linux ptrace options currently set on its threads.
    pub options: u32,
    /// PT_KILL was issued: report nothing but the exit.
    pub killed: bool,
    /// An event to give the leader once the first all-stop completes
    /// (PT_ATTACH's SIGSTOP, an auto-attached child's CHILD stop).
    pub initial: Option<Event>,
    /// Signals we queued on the tracee's behalf (PT_CONTINUE with a signal
    /// at a non-signal stop): their delivery must not stop it again.
    pub injected: u64,
    /// Deliveries of an injected signal still to come after the one pending
    /// (index: signal - 1). A standard signal: owed, not sent yet (a second
    /// injection of a signal already pending would merge with it, Linux
    /// queueing one instance), sent when the first one's delivery is seen.
    /// A realtime signal: sent already (each is queued), counted so each
    /// delivery is known for ours. FreeBSD delivers each signal a debugger
    /// gives.
    pub injected_again: [u8; 64],
    /// Replacement signals every thread blocked when they were given (bit
    /// signal - 1). FreeBSD queues two copies: a marked one, delivered
    /// with no stop when a thread unblocks the signal, and an unmarked one
    /// whose delivery, after that (once the handler that blocks it has
    /// returned), is a debugger stop. Linux keeps one copy of a standard
    /// signal, so one is sent (from us, SI_USER): its first delivery is
    /// passed on silently as the marked copy, and the unmarked copy is sent
    /// then (engine/stop.rs).
    pub blocked_replacement: u64,
    /// The replaced signal's siginfo for each of `blocked_replacement`
    /// (FreeBSD's unmarked copy carries it): the unmarked copy's stop
    /// reports it, with the new signal number, and its delivery gives it.
    pub replacement_info: Vec<(i32, sys::siginfo_t)>,
    /// Unmarked copies of those replacements sent (engine/stop.rs).
    pub replacement_stop: u64,
    /// Injected signals whose send lost its siginfo, the process's signal
    /// queue being full (RLIMIT_SIGPENDING): a later one of the same number
    /// merges with it, as FreeBSD's "from ptrace" signals do then (its
    /// depth-1 `sq_ptrace`).
    pub injected_lost: u64,
    /// Standard signals given again while one of ours was pending, at a
    /// moment the queue was full: FreeBSD merges the two if the first had
    /// lost its siginfo too (engine/stop.rs decides at its delivery).
    pub injected_again_full: u64,
    /// Signals we sent for the engine's own purposes (the SIGCONT that ends
    /// an adoption's job-control stop): their delivery is suppressed.
    pub swallow: u64,
    /// `/proc/PID/mem`, opened on first write (reopened after exec).
    pub mem: Option<OwnedFd>,
    /// Where the signal dispositions are read (`/proc` files opened at the
    /// first signal stop, re-read with one pread each; reopened after exec).
    pub sigs: SigProbe,
    pub maps: Option<MapSnapshot>,
    /// The pid of the process that forked it, when we followed the fork.
    pub parent: Option<Pid>,
    /// Resource usage reaped with its exit.
    pub rusage: Option<sys::Rusage>,
    /// Attached after the main thread had exited (a zombie we could not
    /// trace): the process ends with its last traced thread.
    pub leader_gone: bool,
    /// A job-control stop is in effect (SIGSTOP & co. delivered).
    pub job_stopped: Option<i32>,
    /// The job-control stop has not been reported to a WUNTRACED wait yet.
    pub job_report: bool,
    /// A seccomp filter picks the syscalls that stop (spawned with
    /// [`SpawnOptions::trace_only`]): resume with PTRACE_CONT, and with
    /// PTRACE_SYSCALL only from an entry to see its exit.
    pub seccomp: bool,
    /// A remote syscall ran: the next wait reports the stop again (SIGSTOP).
    pub restop: bool,
    /// A remote `exit`/`exit_group` left this LWP at its exit stop:
    /// FreeBSD starts the exit only once the debugger continues, so the
    /// process's stop holds (that LWP stays stopped, the re-stop is still
    /// reported, requests still work) even after the engine met the
    /// group's other deaths ([`Proc::killed`]).
    pub remote_exit: Option<Tid>,
    /// The ABI of the program it runs (FreeBSD's `SV_ILP32`), learnt when
    /// first asked (`request::Tracer::proc_arch`) and forgotten at exec.
    pub arch: Option<crate::sysent::Arch>,
    /// Kill it when the tracer goes (FreeBSD's `kern.kill_on_debugger_exit`
    /// and Linux's PTRACE_O_EXITKILL); when cleared, the tracer's end
    /// detaches it instead and it runs on ([`Tracer::set_kill_on_exit`]).
    pub exit_kill: bool,
    /// Threads an execve in progress took down, with PTRACE_LWP on: their
    /// EXITED stops are reported before the exec's, as FreeBSD reports
    /// them (engine/stop.rs `on_exec`).
    pub exec_ghosts: Vec<Lwp>,
    /// An execve is taking the other threads down (de_thread): found once,
    /// at the first of their exit stops, by a look at /proc; the next ones
    /// need not look again (a look reads every task's syscall file: once
    /// per killed thread, 512 threads made it 512 looks at 512 tasks, and
    /// on a loaded machine the exec took more than 5 s to reach the
    /// tracer, issue 11 #8). Cleared at the exec event.
    pub execing: bool,
    /// tid -> position in `lwps`, checked on every use and rebuilt when
    /// stale, so no mutation of `lwps` can make a lookup wrong; it keeps
    /// each stop O(1) with hundreds of threads instead of a scan.
    index: std::cell::RefCell<sys::TidMap<usize>>,
}

impl Proc {
    pub(crate) fn new(pid: Pid, mask: i32) -> Proc {
        Proc {
            pid,
            lwps: Vec::new(),
            mode: super::StopMode::Process,
            pgid: sys::getpgid(pid.0).unwrap_or(-1),
            state: ProcState::Running,
            xthread: None,
            pending: VecDeque::new(),
            mask,
            options: 0,
            killed: false,
            initial: None,
            injected: 0,
            injected_again: [0; 64],
            blocked_replacement: 0,
            replacement_info: Vec::new(),
            replacement_stop: 0,
            injected_lost: 0,
            injected_again_full: 0,
            swallow: 0,
            mem: None,
            sigs: SigProbe::default(),
            maps: None,
            parent: None,
            rusage: None,
            leader_gone: false,
            job_stopped: None,
            job_report: false,
            seccomp: false,
            restop: false,
            remote_exit: None,
            arch: None,
            exit_kill: true,
            exec_ghosts: Vec::new(),
            execing: false,
            index: Default::default(),
        }
    }

    #[inline]
    pub(super) fn position(&self, tid: Tid) -> Option<usize> {
        if self.lwps.len() <= 16 {
            // A scan of a few entries beats hashing (and, inlined, a
            // call: every request and stop looks LWPs up several times).
            return self.lwps.iter().position(|l| l.tid == tid);
        }
        self.position_indexed(tid)
    }

    #[inline(never)]
    fn position_indexed(&self, tid: Tid) -> Option<usize> {
        if let Some(&i) = self.index.borrow().get(&tid) {
            if self.lwps.get(i).is_some_and(|l| l.tid == tid) {
                return Some(i);
            }
        }
        // The list changed since the index was built (or `tid` is not in
        // it): rebuild, which also drops the dead.
        let mut idx = self.index.borrow_mut();
        idx.clear();
        idx.extend(self.lwps.iter().enumerate().map(|(i, l)| (l.tid, i)));
        idx.get(&tid).copied()
    }

    #[inline]
    pub(crate) fn lwp(&self, tid: Tid) -> Option<&Lwp> {
        self.position(tid).map(|i| &self.lwps[i])
    }

    #[inline]
    pub(crate) fn lwp_mut(&mut self, tid: Tid) -> Option<&mut Lwp> {
        self.position(tid).map(|i| &mut self.lwps[i])
    }

    /// Resume the LWP at `i` with the Linux request the process's mask asks
    /// for. `follow`: the engine may follow syscalls itself (an
    /// [`crate::Engine`]'s tracer, which handles the extra stops at once;
    /// a direct tracer's caller would have to be inside `wait()` for them,
    /// so it gets none: engine/restart/).
    pub(crate) fn resume_at(&mut self, i: usize, follow: bool) {
        let (mask, seccomp) = (self.mask, self.seccomp);
        // Nothing to keep asleep without whole-process stops; but a call
        // an interrupt of one LWP broke is still restarted with its time
        // left (and followed to its return, to put its timeout back).
        let restart = follow;
        let follow = follow && self.mode == super::StopMode::Process;
        let l = &mut self.lwps[i];
        let LinuxState::Stopped(kind) = l.linux else { return };
        let tid = l.tid;
        let sig = std::mem::take(&mut l.resume_sig);
        let syscall = if seccomp {
            // Only the exit of a syscall the filter stopped at.
            l.sc == ScState::In && mask & crate::abi::PTRACE_SCX != 0
        } else {
            // Also while the engine follows the LWP's syscalls itself, so
            // that a call a stop would break is entered under its eyes
            // (engine/restart/).
            mask & crate::abi::PTRACE_SYSCALL != 0 || follow && l.sticky > 0 || restart && l.watch.is_some()
        };
        // Walking a signal handler to its rt_sigreturn (a step with a
        // caught signal whose handler stopped meanwhile).
        let syscall = syscall || matches!(l.handler_step, super::HandlerStep::AwaitSigreturn | super::HandlerStep::InSigreturn);
        let fixed = if kind == LinuxStop::Exit {
            None
        } else if restart {
            l.apply_fix()
        } else {
            // Restart a broken call, without following it.
            l.restart_on_detach();
            None
        };
        let req = if let Some(r) = l.force_req.take() {
            r
        } else if l.step {
            sys::PTRACE_SINGLESTEP
        } else if let Some(r) = fixed {
            r
        } else if syscall {
            sys::PTRACE_SYSCALL
        } else {
            sys::PTRACE_CONT
        };
        l.regs = None;
        l.regs_written = false;
        if matches!(l.siginfo, super::SigInfo::Lazy) {
            l.siginfo = super::SigInfo::None;
        }
        l.sc_info.resumed(req);
        tracing::trace!(tid, req = format_args!("{req:#x}"), sig, ?kind, "resume");
        super::ring::record(super::ring::Kind::Resume, tid as i64, req as i64, sig as i64);
        l.linux = if kind == LinuxStop::Exit {
            LinuxState::Exiting
        } else if req == sys::PTRACE_SYSCALL && l.sc == ScState::In && sig == 0 {
            // Inside a syscall whose return will stop it: asleep for
            // FreeBSD, never interrupted by a whole-process stop.
            LinuxState::Blocked
        } else {
            LinuxState::Running
        };
        if l.sc != ScState::In {
            l.entered = None;
        }
        // (Only a restart of ours shortens a timeout by the time slept.)
        l.resumed = restart.then(std::time::Instant::now);
        if sys::resume(req, tid, sig).is_err() {
            // Killed meanwhile: its exit is on its way.
            l.linux = LinuxState::Exiting;
        }
    }

    /// The LWP a remote exit holds at its exit stop, while it lives.
    pub(crate) fn remote_exit_lwp(&self) -> Option<Tid> {
        self.remote_exit.filter(|rt| self.lwp(*rt).is_some_and(|l| l.is_live()))
    }

    pub(crate) fn live_lwps(&self) -> impl Iterator<Item = &Lwp> {
        self.lwps.iter().filter(|l| l.is_live())
    }
}
