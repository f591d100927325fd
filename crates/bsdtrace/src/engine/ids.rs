//! The names the engine's users see: process and LWP ids, the target of a
//! request, and the FreeBSD events a stop reports.

/// A process id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid(pub i32);

/// A thread (LWP) id: the Linux tid. The C face adds
/// [`crate::abi::LWPID_BASE`] to keep it apart from pids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lwpid(pub i32);

/// What a request names: a whole process (its reporting thread is selected,
/// as FreeBSD selects `p_xthread`) or one LWP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Proc(Pid),
    Lwp(Lwpid),
}

impl From<Pid> for Target {
    fn from(p: Pid) -> Target {
        Target::Proc(p)
    }
}

impl From<Lwpid> for Target {
    fn from(l: Lwpid) -> Target {
        Target::Lwp(l)
    }
}

/// Why an LWP stopped, in FreeBSD's terms. Each maps to one `pl_flags` set
/// and one `WSTOPSIG`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A signal is being delivered (`PL_FLAG_SI`); `WSTOPSIG` is the signal.
    Signal { sig: i32 },
    /// The SIGSTOP FreeBSD reports first after PT_ATTACH.
    Attach,
    /// [`Tracer::interrupt`](super::Tracer::interrupt) stopped the process: reported as the SIGSTOP
    /// a FreeBSD debugger sends to stop a running process (`PL_FLAG_SI`).
    Interrupt,
    /// Syscall entry (`PL_FLAG_SCE`).
    SyscallEntry,
    /// Syscall exit (`PL_FLAG_SCX`).
    SyscallExit,
    /// execve succeeded (`PL_FLAG_EXEC | PL_FLAG_SCX`). `old_tid` is the id
    /// the execing thread had before it took over the process id.
    Exec { old_tid: Lwpid },
    /// This LWP created a traced child (`PL_FLAG_FORKED | PL_FLAG_SCX`,
    /// plus `PL_FLAG_VFORKED` for vfork).
    Forked { child: Pid, vfork: bool },
    /// First stop of an auto-attached child (`PL_FLAG_CHILD | PL_FLAG_SCX`), SIGSTOP.
    Child,
    /// The vfork child released its parent (`PL_FLAG_VFORK_DONE`).
    VforkDone,
    /// First stop of a new thread (`PL_FLAG_BORN | PL_FLAG_SCX`).
    Born,
    /// The thread is about to exit (`PL_FLAG_EXITED`, with `PL_FLAG_SCE`
    /// when it left through exit(2), FreeBSD's thr_exit: the stop is inside
    /// that syscall's entry).
    Exited,
    /// A PT_TRACE_ME child's first stop came from `raise(SIGSTOP)` & co: a
    /// signal stop like any other, kept apart only for the adoption path.
    TraceMe { sig: i32 },
}

impl Event {
    /// The signal `wait()` reports for this stop (`WSTOPSIG`).
    pub fn stop_signal(&self) -> i32 {
        match *self {
            Event::Signal { sig } | Event::TraceMe { sig } => sig,
            Event::Attach | Event::Interrupt | Event::Child => libc::SIGSTOP,
            _ => libc::SIGTRAP,
        }
    }
}
