//! One traced thread: its Linux-level state (how to resume it) and what it
//! holds for FreeBSD (its event, the signal to deliver, PT_SUSPEND and
//! PT_SETSTEP, per-stop caches).

use super::Event;
use crate::sys::{self, Tid};
use std::os::fd::OwnedFd;

/// Syscall state tracked from the PTRACE_SYSCALL stops, so telling entry
/// from exit costs no system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScState {
    /// In user mode: the next syscall stop is an entry.
    Out,
    /// Inside a syscall: the next syscall stop is its exit.
    In,
    /// Not known (just attached): ask PTRACE_GET_SYSCALL_INFO once.
    Unknown,
}

/// The Linux-level state of one traced thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinuxState {
    /// Running (or about to report a stop we have not reaped yet).
    Running,
    /// In a ptrace-stop of the given kind.
    Stopped(LinuxStop),
    /// Created by clone/fork; its first (PTRACE_EVENT_STOP) stop is on its way.
    New,
    /// Running inside a syscall whose return will stop it (resumed with
    /// PTRACE_SYSCALL past the syscall's entry): FreeBSD's thread asleep in
    /// the kernel. A whole-process stop counts it as stopped and leaves it
    /// asleep (no interrupt, so no EINTR and no stretched timeout); a
    /// request that needs its registers stops it then
    /// ([`crate::Tracer::settle`]).
    Blocked,
    /// Past PTRACE_EVENT_EXIT: it will never stop again, only be reaped.
    Exiting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinuxStop {
    /// Signal-delivery-stop: resuming with the signal delivers it.
    Signal,
    /// Syscall-entry or -exit stop.
    Syscall,
    /// Any PTRACE_EVENT_* stop other than the ones below.
    Event,
    /// PTRACE_EVENT_EXIT: resuming lets the thread die.
    Exit,
    /// Group-stop (job control) seen through PTRACE_EVENT_STOP.
    Group,
}

/// The siginfo an LWP's signal event carries.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SigInfo {
    /// None (no signal event, or it was consumed).
    None,
    /// A signal stop whose siginfo was not fetched: the kernel keeps it
    /// while the LWP sits in this stop (asked when wanted; forgotten when
    /// the LWP is resumed).
    Lazy,
    /// Fetched, or made (a PT_TRACE_ME child's first stop).
    Known(sys::siginfo_t),
}

impl SigInfo {
    /// The siginfo, if it was fetched or made.
    pub(crate) fn known(&self) -> Option<sys::siginfo_t> {
        match self {
            SigInfo::Known(si) => Some(*si),
            _ => None,
        }
    }
}

impl From<Option<sys::siginfo_t>> for SigInfo {
    fn from(si: Option<sys::siginfo_t>) -> SigInfo {
        si.map_or(SigInfo::None, SigInfo::Known)
    }
}

#[derive(Debug)]
pub(crate) struct Lwp {
    pub tid: Tid,
    pub linux: LinuxState,
    /// A FreeBSD event this LWP holds (current or pending report).
    pub event: Option<Event>,
    /// siginfo of a signal event (also for TraceMe).
    pub siginfo: SigInfo,
    /// Signal to hand to Linux when this LWP is resumed.
    pub resume_sig: i32,
    /// PT_SUSPEND: stays stopped across continue.
    pub suspended: bool,
    /// PT_SETSTEP / PT_STEP: resume with PTRACE_SINGLESTEP.
    pub step: bool,
    /// A PTRACE_INTERRUPT was sent and its PTRACE_EVENT_STOP not yet seen.
    pub interrupt_pending: bool,
    /// An interrupt was taken by another trap (a syscall or signal stop
    /// clears the kernel's JOBCTL_TRAP_STOP): the wake-up it sent
    /// (TIF_SIGPENDING, which a trap does not clear) may still turn the
    /// LWP's next sleeping call into EINTR or a restart. No
    /// PTRACE_EVENT_STOP follows such a trap (PTRACE_INTERRUPT sets no
    /// JOBCTL_TRAP_NOTIFY); this flag only says "maybe woken" until one.
    pub notify_pending: bool,
    pub sc: ScState,
    /// The next syscall-exit stop belongs to an event already reported with
    /// SCX (exec, fork): swallow it, as FreeBSD reports them as one stop.
    pub skip_scx: bool,
    /// Set while stopped if the debug registers were written (cleared on detach).
    pub dbregs_dirty: bool,
    /// Cached Linux registers for this stop (cleared on resume).
    pub regs: Option<sys::user_regs_struct>,
    /// PTRACE_GET_SYSCALL_INFO answers serving PT_GET_SC_ARGS/PT_GET_SC_RET
    /// without PTRACE_GETREGS (request/lwp.rs; aged on resume).
    pub sc_info: super::scinfo::ScInfo,
    /// PT_STEP with a caught signal: FreeBSD runs the handler unstepped.
    pub handler_step: HandlerStep,
    /// A Linux request that overrides the usual choice at the next resume.
    pub force_req: Option<u32>,
    /// `/proc/PID/task/TID/comm`, opened at the first PT_LWPINFO.
    pub comm: Option<OwnedFd>,
    /// A syscall one of our stops interrupted, to restart when the LWP is
    /// resumed (engine/restart/).
    pub fix: Option<super::restart::Fix>,
    /// A restarted syscall being followed: its restart's entry is hidden
    /// and an argument we rewrote is put back at its exit.
    pub watch: Option<super::restart::Watch>,
    /// The last call a stop of ours saw return ERESTART_RESTARTBLOCK (Linux
    /// re-enters it as restart_syscall): what PT_LWPINFO names while the
    /// LWP sleeps in that restart ([`Lwp::restarted_call`]).
    pub restart_block: Option<super::restart::Fix>,
    /// Syscalls still to follow (PTRACE_SYSCALL although nobody asked)
    /// so that a blocking call is entered under our eyes and never needs
    /// an interrupt; refilled by every call that a stop would turn into
    /// EINTR (engine/restart/).
    pub sticky: u8,
    /// The syscall the LWP is in, entered under our eyes, is one a stop
    /// breaks (engine/restart/): an EINTR it returns with no signal
    /// coming for this thread (a process-directed signal that woke it and
    /// that another thread took) is restarted, as FreeBSD, which wakes
    /// only the thread that takes a signal, never shows it.
    pub in_breaking_call: bool,
    /// When the syscall the LWP is in was entered under our eyes.
    pub entered: Option<std::time::Instant>,
    /// When the LWP was last resumed (the earliest its current syscall can
    /// have begun, when it was not entered under our eyes).
    pub resumed: Option<std::time::Instant>,
    /// Registers were written at this stop (a restart must not undo that).
    pub regs_written: bool,
    /// Per-LWP mode: where its stop stands with the tracer.
    pub report: super::lwpmode::LwpReport,
    /// Per-LWP mode: the tracer asked to stop it (Tracer::interrupt).
    pub want_stop: bool,
    /// Keep it stopped at a stop with nothing to report (a detach is
    /// gathering every LWP).
    pub hold: bool,
    /// Seized by PT_ATTACH without PTRACE_O_TRACEEXIT: its process's
    /// options are set at its first stop (request/attach.rs).
    pub options_late: bool,
    /// FreeBSD's id for this LWP where it is not `tid`: the thread that
    /// called execve from a non-leader thread keeps its id although Linux
    /// moved it to the leader's tid; a thread whose tid Linux reused while
    /// another LWP goes by that number gets one of its own. `None`: `tid`.
    /// (See [`crate::Tracer::freebsd_lwpid`].)
    pub vid: Option<Tid>,
    /// A thread an execve took down before the exec's event, kept only to
    /// report its EXITED stop first, as FreeBSD does (engine/stop.rs
    /// `on_exec`). Linux has removed it: `tid` is a key that names no
    /// task (the negated tid it had), its registers are those of its last
    /// stop, and it is never resumed.
    pub ghost: Option<Box<Ghost>>,
    /// Another thread's execve killed it (de_thread) while its process
    /// was stopped for the debugger: held at its exit stop until the
    /// process is continued, so that the exec waits for it, as FreeBSD's
    /// exec waits, suspended with the process (engine/stop.rs).
    pub exec_victim: bool,
}

/// What is left of a thread an execve took down (see [`Lwp::ghost`]).
#[derive(Debug)]
pub(crate) struct Ghost {
    /// Its Linux tid when it died.
    pub tid: Tid,
    /// Its signal mask and name then (PT_LWPINFO).
    pub sigmask: u64,
    pub name: [u8; crate::abi::TDNAMLEN],
    /// Its XSAVE area then (PT_GETXSTATE, PT_GETFPREGS), if it could be
    /// read.
    pub xsave: Option<Vec<u8>>,
    /// Its debug registers then (dr0-dr3, dr6, dr7; PT_GETDBREGS).
    pub dbregs: [u64; 8],
}

/// Stepping over a signal handler (fact sheet 4.8): Linux traps at the
/// handler's first instruction; FreeBSD reports the step only after the
/// next instruction of the interrupted code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HandlerStep {
    None,
    /// Resumed with PTRACE_SINGLESTEP and a signal that has a handler.
    Armed,
    /// In the handler: run to the exit of its rt_sigreturn, then step.
    AwaitSigreturn,
    /// Inside rt_sigreturn (whose exit shows orig_rax = -1, so the entry
    /// is where it is recognised).
    InSigreturn,
}

impl Lwp {
    /// The siginfo of this LWP's stop: the kernel's for a signal, or for the
    /// SIGSTOP of an attach or interrupt the one FreeBSD's kill() by the
    /// tracer would carry (SI_USER, our pid and real uid). Built when asked,
    /// not at every stop (two syscalls).
    pub(crate) fn stop_siginfo(&self) -> Option<sys::siginfo_t> {
        match (self.siginfo, self.event) {
            (SigInfo::Known(si), _) => Some(si),
            (SigInfo::Lazy, Some(Event::Signal { .. })) => sys::siginfo(self.tid).ok(),
            (_, Some(Event::Attach | Event::Interrupt)) => {
                let mut si = sys::zeroed_siginfo();
                sys::si::set(&mut si, libc::SIGSTOP, libc::SI_USER, sys::getpid(), sys::getuid());
                Some(si)
            }
            _ => None,
        }
    }

    pub(crate) fn new(tid: Tid, linux: LinuxState) -> Lwp {
        Lwp {
            tid,
            linux,
            event: None,
            siginfo: SigInfo::None,
            resume_sig: 0,
            suspended: false,
            step: false,
            interrupt_pending: false,
            notify_pending: false,
            sc: ScState::Out,
            skip_scx: false,
            dbregs_dirty: false,
            regs: None,
            sc_info: Default::default(),
            handler_step: HandlerStep::None,
            force_req: None,
            comm: None,
            fix: None,
            watch: None,
            restart_block: None,
            sticky: super::restart::STICKY,
            in_breaking_call: false,
            entered: None,
            resumed: None,
            regs_written: false,
            report: Default::default(),
            want_stop: false,
            hold: false,
            options_late: false,
            vid: None,
            ghost: None,
            exec_victim: false,
        }
    }

    /// The id the Rust API names this LWP by: its Linux tid (or, for a
    /// ghost, the tid it had).
    pub(crate) fn lwpid(&self) -> Tid {
        self.ghost.as_ref().map_or(self.tid, |g| g.tid)
    }

    /// FreeBSD's id of this LWP (the C face's, less its base).
    pub(crate) fn freebsd_id(&self) -> Tid {
        self.vid.unwrap_or(self.tid)
    }

    pub(crate) fn is_stopped(&self) -> bool {
        matches!(self.linux, LinuxState::Stopped(_))
    }

    /// Stopped as FreeBSD sees it: in a ptrace-stop, or asleep in a
    /// syscall whose return will stop it.
    pub(crate) fn is_held(&self) -> bool {
        matches!(self.linux, LinuxState::Stopped(_) | LinuxState::Blocked)
    }

    /// Counts as an LWP of the process (FreeBSD's thread list).
    pub(crate) fn is_live(&self) -> bool {
        !matches!(self.linux, LinuxState::Exiting)
    }
}
