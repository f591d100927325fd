//! The stop engine: FreeBSD's whole-process stop on top of Linux's per-thread
//! ptrace.
//!
//! Every traced thread is PTRACE_SEIZEd. When one LWP stops with something
//! FreeBSD would report (a [`Event`]), every other running LWP of that process
//! is PTRACE_INTERRUPTed, and the stop is reported by [`Tracer::wait`] only
//! once all of them are stopped. Events that other LWPs hit meanwhile are kept
//! on the LWP and reported one per wait, without resuming anything in between.
//! Linux stops that FreeBSD would not report (the unwanted half of a syscall,
//! an ignored signal, a clone, a stale interrupt) are resumed at once while the
//! process runs, or left stopped while it is stopping.
//!
//! The engine reaps with `wait4(-1, __WALL)` and nothing else: a per-pid wait
//! hangs on a non-leader exec or a leader that exits first. Statuses of
//! children it does not trace are kept and handed out by its own wait.
//!
//! It must never: sleep and re-poll, touch /proc on the stop/resume path, or
//! resume a thread the caller did not ask to resume.

use crate::error::{Errno, Result};
use crate::sys::{self, Tid};
use std::collections::{BTreeMap, VecDeque};
use std::os::fd::OwnedFd;

mod wait;
pub use wait::{WaitOptions, WaitStatus};

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
    /// [`Tracer::interrupt`] stopped the process: reported as the SIGSTOP
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
    /// The thread is about to exit (`PL_FLAG_EXITED`).
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

#[derive(Debug)]
pub(crate) struct Lwp {
    pub tid: Tid,
    pub linux: LinuxState,
    /// A FreeBSD event this LWP holds (current or pending report).
    pub event: Option<Event>,
    /// siginfo of a signal event (also for TraceMe).
    pub siginfo: Option<sys::siginfo_t>,
    /// The signal event's siginfo was not fetched: ask the kernel when
    /// wanted (valid until the LWP is resumed).
    pub siginfo_lazy: bool,
    /// Signal to hand to Linux when this LWP is resumed.
    pub resume_sig: i32,
    /// PT_SUSPEND: stays stopped across continue.
    pub suspended: bool,
    /// PT_SETSTEP / PT_STEP: resume with PTRACE_SINGLESTEP.
    pub step: bool,
    /// A PTRACE_INTERRUPT was sent and its PTRACE_EVENT_STOP not yet seen.
    pub interrupt_pending: bool,
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
    pub sc_info: crate::request::ScInfo,
    /// PT_STEP with a caught signal: FreeBSD runs the handler unstepped.
    pub handler_step: HandlerStep,
    /// A Linux request that overrides the usual choice at the next resume.
    pub force_req: Option<u32>,
    /// `/proc/PID/task/TID/comm`, opened at the first PT_LWPINFO.
    pub comm: Option<OwnedFd>,
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
            (Some(si), _) => Some(si),
            (None, Some(Event::Signal { .. })) if self.siginfo_lazy => sys::siginfo(self.tid).ok(),
            (None, Some(Event::Attach | Event::Interrupt)) => {
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
            siginfo: None,
            siginfo_lazy: false,
            resume_sig: 0,
            suspended: false,
            step: false,
            interrupt_pending: false,
            sc: ScState::Out,
            skip_scx: false,
            dbregs_dirty: false,
            regs: None,
            sc_info: Default::default(),
            handler_step: HandlerStep::None,
            force_req: None,
            comm: None,
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        matches!(self.linux, LinuxState::Stopped(_))
    }

    /// Counts as an LWP of the process (FreeBSD's thread list).
    pub(crate) fn is_live(&self) -> bool {
        !matches!(self.linux, LinuxState::Exiting)
    }
}

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
    /// Kill it when the tracer goes (FreeBSD's `kern.kill_on_debugger_exit`
    /// and Linux's PTRACE_O_EXITKILL); when cleared, the tracer's end
    /// detaches it instead and it runs on ([`Tracer::set_kill_on_exit`]).
    pub exit_kill: bool,
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
            state: ProcState::Running,
            xthread: None,
            pending: VecDeque::new(),
            mask,
            options: 0,
            killed: false,
            initial: None,
            injected: 0,
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
            exit_kill: true,
            index: Default::default(),
        }
    }

    fn position(&self, tid: Tid) -> Option<usize> {
        if self.lwps.len() <= 16 {
            // A scan of a few entries beats hashing.
            return self.lwps.iter().position(|l| l.tid == tid);
        }
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

    pub(crate) fn lwp(&self, tid: Tid) -> Option<&Lwp> {
        self.position(tid).map(|i| &self.lwps[i])
    }

    pub(crate) fn lwp_mut(&mut self, tid: Tid) -> Option<&mut Lwp> {
        self.position(tid).map(|i| &mut self.lwps[i])
    }

/// Resume the LWP at `i` with the Linux request the process's mask asks
    /// for.
    pub(crate) fn resume_at(&mut self, i: usize) {
        let (mask, seccomp) = (self.mask, self.seccomp);
        let l = &mut self.lwps[i];
        let LinuxState::Stopped(kind) = l.linux else { return };
        let tid = l.tid;
        let sig = std::mem::take(&mut l.resume_sig);
        let syscall = if seccomp {
            // Only the exit of a syscall the filter stopped at.
            l.sc == ScState::In && mask & crate::abi::PTRACE_SCX != 0
        } else {
            mask & crate::abi::PTRACE_SYSCALL != 0
        };
        let req = if let Some(r) = l.force_req.take() {
            r
        } else if l.step {
            sys::PTRACE_SINGLESTEP
        } else if syscall {
            sys::PTRACE_SYSCALL
        } else {
            sys::PTRACE_CONT
        };
        l.regs = None;
        l.siginfo_lazy = false;
        l.sc_info.resumed(req);
        tracing::trace!(tid, req = format_args!("{req:#x}"), sig, ?kind, "resume");
        l.linux = if kind == LinuxStop::Exit { LinuxState::Exiting } else { LinuxState::Running };
        if sys::resume(req, tid, sig).is_err() {
            // Killed meanwhile: its exit is on its way.
            l.linux = LinuxState::Exiting;
        }
    }

        pub(crate) fn live_lwps(&self) -> impl Iterator<Item = &Lwp> {
        self.lwps.iter().filter(|l| l.is_live())
    }
}

/// How [`Tracer::spawn_with`] starts a program.
#[derive(Clone, Debug, Default)]
pub struct SpawnOptions {
    /// The environment (`None`: ours).
    pub env: Option<Vec<String>>,
    /// Stop only at these syscalls (host numbers): a seccomp filter
    /// (SECCOMP_RET_TRACE) is installed before exec, so every other syscall
    /// runs at full speed. It is inherited by children: untraced children of
    /// a filtered program see ENOSYS from the traced syscalls, so follow
    /// forks (PT_FOLLOW_FORK) when using it.
    pub trace_only: Option<Vec<u32>>,
}

/// How a stop of a child we did not expect should be treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// A followed fork child of this process.
    Child(Pid),
}

/// The tracer: every process it traces, and its wait.
///
/// A `Tracer` belongs to the thread that created it: Linux accepts ptrace
/// requests only from the thread that attached, so the type is not `Send`.
/// A program that issues requests from several threads runs its `Tracer`
/// on one thread and hands it work from the others; the C face's executor
/// (`crates/bsdtrace-c/src/executor.rs`) does exactly that, so FreeBSD C
/// programs may call `ptrace()` and `waitpid()` from any thread.
pub struct Tracer {
    pub(crate) procs: BTreeMap<Pid, Proc>,
    /// tid -> owning process.
    pub(crate) tids: sys::TidMap<Pid>,
    /// Processes with a stop or an exit to report, oldest first.
    pub(crate) ready: VecDeque<Pid>,
    /// Statuses of children we do not trace, kept for [`Tracer::wait`].
    pub(crate) foreign: VecDeque<(i32, i32, Option<sys::Rusage>)>,
    /// The resource usage wait4 returned with the status being dispatched
    /// (kept with exits: FreeBSD's wait4 reports it).
    pub(crate) last_rusage: Option<sys::Rusage>,
    /// Stops of tids we have not been told about yet (a new thread's first
    /// stop can overtake its parent's PTRACE_EVENT_CLONE).
    early: sys::TidMap<i32>,
    /// New tids announced by clone/fork events whose first stop has not come.
    expected: sys::TidMap<Expect>,
    /// PT_TRACE_ME children not yet adopted.
    traceme: Vec<i32>,
    /// Debug registers (DR0-3, DR7) a new thread or followed child takes
    /// from its creator at its first stop: FreeBSD copies the whole pcb
    /// (`copy_thread`), Linux starts every task with none.
    inherit_dbregs: sys::TidMap<[u64; 5]>,
    /// Leaders of processes we detached from while the leader was already
    /// exiting: Linux cannot detach a zombie, so its exit still comes to
    /// us. Reaping it hands it to its real parent (the kernel's
    /// `EXIT_TRACE`); our wait must not report it.
    pub(crate) released: std::collections::HashSet<Tid>,
    /// Some LWP may have a PTRACE_INTERRUPT outstanding: the wait collects
    /// those by tid first (cleared when it finds none, so a tracer of many
    /// processes pays nothing per stop for it otherwise).
    pub(crate) interrupts_out: bool,
    /// Our own process id (to recognise signals we sent).
    pub(crate) self_pid: i32,
    /// Wait only for children and tracees of the creating thread
    /// (`__WNOTHREAD`), so several tracers, or a tracer and
    /// `std::process::Child::wait` in another thread, never steal each
    /// other's statuses. [`Tracer::process_wide`] clears it.
    pub(crate) wait_flags: i32,
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Dropping a `Tracer` ends its tracing as a FreeBSD tracer's exit does
/// (`kern.kill_on_debugger_exit`, and Linux's PTRACE_O_EXITKILL when the
/// tracing thread exits): every process still traced is killed, and reaped,
/// so none stays stopped and its real parent gets its exit. Detach first to
/// leave a process running.
impl Drop for Tracer {
    fn drop(&mut self) {
        self.release_on_exit();
        let live: Vec<Pid> = self
            .procs
            .iter()
            .filter(|(_, p)| !matches!(p.state, ProcState::Exited { .. }))
            .map(|(pid, _)| *pid)
            .collect();
        for pid in &live {
            let _ = sys::kill(pid.0, libc::SIGKILL);
        }
        for pid in live {
            // SIGKILL ends every thread promptly, stopped or not, once we
            // let it past its exit stop; each one's exit comes to us as its
            // tracer. The leader last: its zombie is reapable only once the
            // others are gone.
            let mut tids: Vec<Tid> = self.procs[&pid].lwps.iter().map(|l| l.tid).collect();
            tids.sort_by_key(|t| *t == pid.0);
            for tid in tids {
                // A thread stopped before the kill saw it, or stopping at
                // its PTRACE_EVENT_EXIT on the way out, waits for us.
                while let Ok(Some((_, st))) = sys::wait4(tid, sys::WALL | self.wait_flags) {
                    if !libc::WIFSTOPPED(st) || sys::resume(sys::PTRACE_CONT, tid, 0).is_err() {
                        break;
                    }
                }
            }
        }
    }
}

impl Tracer {
    /// The processes whose kill-on-exit was cleared are detached, not
    /// killed, when the tracer goes: stop each (if running), then detach it.
    fn release_on_exit(&mut self) {
        let keep: Vec<Pid> = self
            .procs
            .iter()
            .filter(|(_, p)| !p.exit_kill && !p.killed && !matches!(p.state, ProcState::Exited { .. }))
            .map(|(pid, _)| *pid)
            .collect();
        for pid in keep {
            if let Some(p) = self.procs.get(&pid) {
                if p.state == ProcState::Running {
                    let _ = self.interrupt(Target::Proc(pid));
                }
            }
            loop {
                match self.procs.get_mut(&pid).map(|p| p.state) {
                    Some(ProcState::Stopped { .. }) => {
                        self.procs.get_mut(&pid).expect("present").state = ProcState::Stopped { waited: true };
                        let _ = self.detach(Target::Proc(pid), 0);
                        break;
                    }
                    Some(ProcState::Running | ProcState::Stopping) => {
                        if self.wait(pid.0, WaitOptions::BLOCK).is_err() {
                            break;
                        }
                    }
                    _ => break,
                }
            }
        }
    }
}

impl Default for Tracer {
    fn default() -> Self {
        Self::new()
    }
}

/// Ptrace options every seized thread gets, before the event mask adds
/// fork/vfork following.
pub(crate) const BASE_OPTIONS: u32 = sys::PTRACE_O_TRACESYSGOOD
    | sys::PTRACE_O_TRACECLONE
    | sys::PTRACE_O_TRACEEXEC
    | sys::PTRACE_O_TRACEEXIT
    | sys::PTRACE_O_EXITKILL;

pub(crate) fn options_for(mask: i32) -> u32 {
    let mut o = BASE_OPTIONS;
    if mask & crate::abi::PTRACE_FORK != 0 {
        o |= sys::PTRACE_O_TRACEFORK | sys::PTRACE_O_TRACEVFORK;
    }
    if mask & crate::abi::PTRACE_VFORK != 0 {
        o |= sys::PTRACE_O_TRACEVFORKDONE;
    }
    o
}

/// Signals whose default action is to be ignored (FreeBSD discards them when
/// sent, so a debugger never sees them while their disposition is SIG_DFL).
const DEFAULT_IGNORED: u64 = (1 << (libc::SIGCHLD - 1)) | (1 << (libc::SIGURG - 1)) | (1 << (libc::SIGWINCH - 1));

impl Tracer {
    pub fn new() -> Tracer {
        Tracer {
            procs: BTreeMap::new(),
            tids: Default::default(),
            ready: VecDeque::new(),
            foreign: VecDeque::new(),
            last_rusage: None,
            early: Default::default(),
            expected: Default::default(),
            traceme: Vec::new(),
            inherit_dbregs: Default::default(),
            released: Default::default(),
            interrupts_out: false,
            self_pid: sys::getpid(),
            wait_flags: sys::WALL | sys::WNOTHREAD,
            _not_send: std::marker::PhantomData,
        }
    }

    /// A tracer whose wait also reports children forked by other threads of
    /// this process (FreeBSD's process-wide `wait()`); the C face uses it.
    pub fn process_wide() -> Tracer {
        let mut t = Tracer::new();
        t.wait_flags = sys::WALL;
        t
    }

    /// Processes currently traced.
    pub fn traced(&self) -> Vec<Pid> {
        self.procs.keys().copied().collect()
    }

    /// Is `pid` traced by this tracer?
    pub fn is_traced(&self, pid: Pid) -> bool {
        self.procs.contains_key(&pid)
    }

    /// Run `argv` under trace with [`SpawnOptions`].
    pub fn spawn_with<S: AsRef<str>>(&mut self, argv: &[S], opts: &SpawnOptions) -> Result<Pid> {
        self.spawn_inner(argv, opts.env.as_deref(), opts.trace_only.as_deref())
    }

    /// Run `argv` under trace (fork, seize, exec). The first stop is the
    /// exec: SIGTRAP with `PL_FLAG_EXEC | PL_FLAG_SCX`, as after FreeBSD's
    /// PT_TRACE_ME + execve. A program that cannot be executed exits 127
    /// (not found) or 126.
    pub fn spawn<S: AsRef<str>>(&mut self, argv: &[S]) -> Result<Pid> {
        self.spawn_env(argv, None::<&[&str]>)
    }

    /// [`Tracer::spawn`] with an explicit environment.
    pub fn spawn_env<S: AsRef<str>, E: AsRef<str>>(&mut self, argv: &[S], env: Option<&[E]>) -> Result<Pid> {
        let env: Option<Vec<String>> = env.map(|e| e.iter().map(|s| s.as_ref().to_string()).collect());
        self.spawn_inner(argv, env.as_deref(), None)
    }

    fn spawn_inner<S: AsRef<str>>(&mut self, argv: &[S], env: Option<&[String]>, trace_only: Option<&[u32]>) -> Result<Pid> {
        let cargv: Vec<std::ffi::CString> = argv
            .iter()
            .map(|a| std::ffi::CString::new(a.as_ref()).map_err(|_| Errno::EINVAL))
            .collect::<std::result::Result<_, _>>()?;
        if cargv.is_empty() {
            return Err(Errno::EINVAL.into());
        }
        let cenv: Option<Vec<std::ffi::CString>> = match env {
            Some(e) => Some(
                e.iter()
                    .map(|a| std::ffi::CString::new(a.as_str()).map_err(|_| Errno::EINVAL))
                    .collect::<std::result::Result<_, _>>()?,
            ),
            None => None,
        };
        let filter = trace_only.map(sys::seccomp_trace_filter);
        let (pid, gate) = sys::fork_exec_gated(&cargv, cenv.as_deref(), filter.as_deref())?;
        let mask = crate::abi::PTRACE_DEFAULT;
        let opts = options_for(mask) | if filter.is_some() { sys::PTRACE_O_TRACESECCOMP } else { 0 };
        if let Err(e) = sys::seize(pid, opts) {
            let _ = sys::kill(pid, libc::SIGKILL);
            let _ = sys::wait4(pid, 0);
            return Err(e.into());
        }
        let mut p = Proc::new(Pid(pid), mask);
        p.options = opts;
        p.seccomp = filter.is_some();
        p.lwps.push(Lwp::new(pid, LinuxState::Running));
        self.procs.insert(Pid(pid), p);
        self.tids.insert(pid, Pid(pid));
        sys::release_gate(gate);
        Ok(Pid(pid))
    }

    /// Find the process and LWP a target names. Only traced ones.
    pub(crate) fn resolve(&self, t: Target) -> Option<(Pid, Tid)> {
        match t {
            Target::Proc(pid) => {
                let p = self.procs.get(&pid)?;
                let tid = p
                    .xthread
                    .filter(|x| p.lwp(*x).is_some_and(|l| l.is_live()))
                    .or_else(|| p.live_lwps().next().map(|l| l.tid))?;
                Some((pid, tid))
            }
            Target::Lwp(Lwpid(tid)) => {
                let pid = *self.tids.get(&tid)?;
                let p = self.procs.get(&pid)?;
                if !p.lwp(tid)?.is_live() {
                    return None;
                }
                Some((pid, tid))
            }
        }
    }

    // ---- the stop machinery -------------------------------------------------

    /// Handle one status from `wait4(-1, __WALL)`.
    pub(crate) fn dispatch(&mut self, tid: Tid, status: i32) {
        tracing::trace!(tid, status = format_args!("{status:#x}"), known = ?self.tids.get(&tid), "wait4");
        let Some(&pid) = self.tids.get(&tid) else {
            return self.dispatch_unknown(tid, status);
        };
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return self.on_lwp_gone(pid, tid, status);
        }
        if !libc::WIFSTOPPED(status) {
            return; // WCONTINUED of a tracee: nothing FreeBSD reports.
        }
        self.on_stop(pid, tid, status);
    }

    fn dispatch_unknown(&mut self, tid: Tid, status: i32) {
        if let Some(exp) = self.expected.remove(&tid) {
            let Expect::Child(parent) = exp;
            self.add_child_proc(parent, tid);
            return self.dispatch(tid, status);
        }
        if libc::WIFSTOPPED(status) {
            if (status >> 16) == sys::PTRACE_EVENT_STOP {
                // The first stop of an auto-attached thread or child whose
                // creator's event has not arrived (a PT_TRACE_ME child's
                // first stop is never a PTRACE_EVENT_STOP).
                self.early.insert(tid, status);
                return;
            }
            if self.traceme.contains(&tid) || self.adoptable(tid) {
                return self.adopt_traceme(tid, status);
            }
            // A job-control stop of a child we do not trace (WUNTRACED).
            self.foreign.push_back((tid, status, None));
            return;
        }
        // The exit of a child we do not trace (or of an early tid, or of a
        // leader we released).
        if self.early.remove(&tid).is_some() || self.released.remove(&tid) {
            return;
        }
        let ru = self.last_rusage.take();
        self.foreign.push_back((tid, status, ru));
    }

    /// A stopped child we never seized: a PT_TRACE_ME child (ptrace-stopped
    /// with us as tracer).
    fn adoptable(&self, tid: Tid) -> bool {
        // TracerPid names the tracing *thread*: the one that forked the child.
        sys::procfs::status(tid).is_ok_and(|s| s.tracer_pid == sys::gettid() && s.tgid == tid)
    }

    pub(crate) fn add_new_lwp(&mut self, pid: Pid, tid: Tid) {
        let p = self.procs.get_mut(&pid).expect("live proc");
        if p.lwp(tid).is_none() {
            p.lwps.push(Lwp::new(tid, LinuxState::New));
        }
        self.tids.insert(tid, pid);
    }

    fn add_child_proc(&mut self, parent: Pid, child: Tid) {
        let mask = crate::abi::PTRACE_DEFAULT;
        let mut p = Proc::new(Pid(child), mask);
        // Linux copies the parent's options; they are fixed at the first stop.
        p.options = self.procs.get(&parent).map(|pp| pp.options).unwrap_or(BASE_OPTIONS);
        p.lwps.push(Lwp::new(child, LinuxState::New));
        p.initial = Some(Event::Child);
        p.parent = Some(parent);
        p.seccomp = self.procs.get(&parent).is_some_and(|pp| pp.seccomp);
        p.exit_kill = self.procs.get(&parent).is_none_or(|pp| pp.exit_kill);
        p.state = ProcState::Stopping;
        self.procs.insert(Pid(child), p);
        self.tids.insert(child, Pid(child));
    }

    fn on_lwp_gone(&mut self, pid: Pid, tid: Tid, status: i32) {
        self.inherit_dbregs.remove(&tid);
        let rusage = self.last_rusage.take();
        let Some(p) = self.procs.get_mut(&pid) else { return };
        // The leader is reported last (Linux delays it until the group is
        // empty); without it (exited before we attached), the last thread.
        let is_leader = tid == pid.0 || (p.leader_gone && p.lwps.iter().all(|l| l.tid == tid));
        if is_leader {
            // The leader is reported last (Linux delays it until the group is
            // empty): the process is gone.
            for l in &p.lwps {
                self.tids.remove(&l.tid);
            }
            p.lwps.clear();
            p.pending.clear();
            p.xthread = None;
            p.state = ProcState::Exited { status };
            p.rusage = rusage;
            p.mem = None;
            p.sigs = SigProbe::default();
            p.maps = None;
            self.ready.retain(|x| *x != pid);
            self.ready.push_back(pid);
            return;
        }
        p.lwps.retain(|l| l.tid != tid);
        p.pending.retain(|t| *t != tid);
        if p.xthread == Some(tid) {
            p.xthread = None;
        }
        self.tids.remove(&tid);
        self.check_all_stopped(pid);
    }

    /// A ptrace-stop of a known LWP.
    fn on_stop(&mut self, pid: Pid, tid: Tid, status: i32) {
        let sig = libc::WSTOPSIG(status);
        let ev = (status >> 16) & 0xff;
        let self_pid = self.self_pid;
        let p = self.procs.get_mut(&pid).expect("tid index is consistent");
        let mask = p.mask;
        let killed = p.killed;
        let lwp = p.lwp_mut(tid).expect("tid index is consistent");
        let was_new = lwp.linux == LinuxState::New;
        lwp.regs = None;
        // Any ptrace-stop consumes a pending PTRACE_INTERRUPT (the kernel
        // clears JOBCTL_TRAP_STOP on every trap).
        let interrupted = std::mem::take(&mut lwp.interrupt_pending);

        // Classify the Linux stop into (how to resume, FreeBSD event if any).
        if lwp.handler_step != HandlerStep::None && !killed {
            if let Some(kind) = Self::handler_step_stop(lwp, sig, ev) {
                lwp.linux = LinuxState::Stopped(kind);
                return self.after_stop(pid, tid, kind, None);
            }
        }
        let (kind, event): (LinuxStop, Option<Event>) = if sig == (libc::SIGTRAP | 0x80) {
            let entry = match lwp.sc {
                ScState::Out => true,
                ScState::In => false,
                ScState::Unknown => sys::syscall_info(tid)
                    .map(|i| i.op == sys::PTRACE_SYSCALL_INFO_ENTRY)
                    .unwrap_or(true),
            };
            lwp.sc = if entry { ScState::In } else { ScState::Out };
            let e = if entry {
                lwp.skip_scx = false;
                (mask & crate::abi::PTRACE_SCE != 0).then_some(Event::SyscallEntry)
            } else if std::mem::take(&mut lwp.skip_scx) {
                None
            } else {
                (mask & crate::abi::PTRACE_SCX != 0).then_some(Event::SyscallExit)
            };
            (LinuxStop::Syscall, e)
        } else if ev == 0 {
            // Signal-delivery-stop. The siginfo is fetched now only when
            // the decision needs it (a fault the kernel may have forced, a
            // signal we may have sent); otherwise PT_LWPINFO fetches it
            // while the LWP still sits in this stop (one request saved per
            // SIGSTOP or SIGUSR1 stop).
            lwp.sc = ScState::Out;
            let bit = 1u64 << ((sig - 1) & 63);
            let si = (p.injected & bit != 0 || fault_signal(sig))
                .then(|| sys::siginfo(tid).unwrap_or_else(|_| sys::zeroed_siginfo()));
            let code = si.as_ref().map_or(0, sys::si::code);
            let ours = si.as_ref().is_some_and(|si| sys::si::pid(si) == self_pid)
                && p.injected & bit != 0
                && matches!(code, libc::SI_TKILL | libc::SI_USER);
            let i = p.position(tid).expect("tid index is consistent");
            let p_injected = &mut p.injected;
            let p_sigs = &mut p.sigs;
            let lwp = &mut p.lwps[i];
            lwp.resume_sig = sig;
            if ours {
                *p_injected &= !(1u64 << ((sig - 1) & 63));
                (LinuxStop::Signal, None)
            } else if killed || (!forced_fault(sig, code) && signal_ignored(p_sigs, pid.0, sig)) {
                (LinuxStop::Signal, None)
            } else {
                lwp.siginfo_lazy = si.is_none();
                lwp.siginfo = si;
                (LinuxStop::Signal, Some(Event::Signal { sig }))
            }
        } else {
            match ev {
                sys::PTRACE_EVENT_STOP => {
                    lwp.sc = ScState::Out;
                    let group = matches!(sig, libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU);
                    if was_new {
                        if let Some(dr) = self.inherit_dbregs.remove(&tid) {
                            lwp.dbregs_dirty = copy_dbregs(tid, &dr);
                        }
                        let initial = p.initial.is_some() && tid == pid.0;
                        let e = if initial {
                            None // handed out by check_all_stopped
                        } else if mask & crate::abi::PTRACE_LWP != 0 {
                            Some(Event::Born)
                        } else {
                            None
                        };
                        (LinuxStop::Event, e)
                    } else if group && !interrupted {
                        (LinuxStop::Group, None)
                    } else {
                        (LinuxStop::Event, None)
                    }
                }
                sys::PTRACE_EVENT_CLONE => {
                    lwp.sc = ScState::In;
                    if let Ok(new) = sys::event_msg(tid) {
                        // The new thread is ours from now on (stopped at its
                        // first trap): list it at once so an all-stop waits
                        // for it and a detach releases it.
                        let new = new as Tid;
                        if lwp.dbregs_dirty {
                            if let Some(dr) = read_dbregs(tid) {
                                self.inherit_dbregs.insert(new, dr);
                            }
                        }
                        self.add_new_lwp(pid, new);
                        if let Some(st) = self.early.remove(&new) {
                            self.dispatch(new, st);
                        }
                    }
                    // Re-borrow after the nested dispatch.
                    let p = self.procs.get_mut(&pid).expect("live");
                    let l = p.lwp_mut(tid).expect("live");
                    l.linux = LinuxState::Stopped(LinuxStop::Event);
                    return self.after_stop(pid, tid, LinuxStop::Event, None);
                }
                sys::PTRACE_EVENT_FORK | sys::PTRACE_EVENT_VFORK => {
                    lwp.sc = ScState::In;
                    let vfork = ev == sys::PTRACE_EVENT_VFORK;
                    let child = sys::event_msg(tid).map(|c| c as Tid).unwrap_or(0);
                    let follow = mask & crate::abi::PTRACE_FORK != 0 && child > 0;
                    if follow {
                        lwp.skip_scx = true;
                    }
                    if follow && crate::procctl::has_state() {
                        // FreeBSD children inherit protection only with PPROT_INHERIT.
                        let _ = crate::procctl::sprotect_child_forked(pid.0, child);
                    }
                    if follow && lwp.dbregs_dirty {
                        if let Some(dr) = read_dbregs(tid) {
                            self.inherit_dbregs.insert(child, dr);
                        }
                    }
                    if child > 0 {
                        self.expected.insert(child, Expect::Child(pid));
                        if let Some(st) = self.early.remove(&child) {
                            self.expected.remove(&child);
                            self.add_child_proc(pid, child);
                            self.dispatch(child, st);
                        }
                    }
                    let e = follow.then_some(Event::Forked { child: Pid(child), vfork });
                    let p = self.procs.get_mut(&pid).expect("live");
                    p.lwp_mut(tid).expect("live").linux = LinuxState::Stopped(LinuxStop::Event);
                    return self.after_stop(pid, tid, LinuxStop::Event, e);
                }
                sys::PTRACE_EVENT_EXEC => {
                    let old = sys::event_msg(tid).map(|c| c as Tid).unwrap_or(tid);
                    return self.on_exec(pid, tid, old);
                }
                sys::PTRACE_EVENT_SECCOMP => {
                    // The filter chose this syscall: its entry stop.
                    lwp.sc = ScState::In;
                    lwp.skip_scx = false;
                    (LinuxStop::Syscall, (mask & crate::abi::PTRACE_SCE != 0).then_some(Event::SyscallEntry))
                }
                sys::PTRACE_EVENT_VFORK_DONE => {
                    lwp.sc = ScState::In;
                    let e = (mask & crate::abi::PTRACE_VFORK != 0).then_some(Event::VforkDone);
                    (LinuxStop::Event, e)
                }
                sys::PTRACE_EVENT_EXIT => {
                    // FreeBSD reports EXITED only for a thread leaving on its
                    // own (thr_exit), never for the last one or for threads
                    // taken down by exit_group or a fatal signal. Those mean
                    // the whole process is exiting: from now on it reports
                    // nothing but its exit (FreeBSD's P_WEXIT).
                    let r = sys::getregs(tid).ok();
                    lwp.regs = r;
                    let own_exit = r.is_some_and(|r| r.orig_rax == libc::SYS_exit as u64);
                    let e = (own_exit && mask & crate::abi::PTRACE_LWP != 0 && !killed && p.live_lwps().nth(1).is_some())
                        .then_some(Event::Exited);
                    // A thread killed by another thread's execve (de_thread)
                    // also dies of SIGKILL, but the process lives on.
                    // (Linux gives those exit code 0, as exit_group(0) does.)
                    let code = sys::event_msg(tid).unwrap_or(0) as i32;
                    if !own_exit && (code != 0 || !sys::procfs::exec_in_progress(pid.0)) {
                        p.killed = true;
                    }
                    (LinuxStop::Exit, e)
                }
                _ => (LinuxStop::Event, None),
            }
        };
        let p = self.procs.get_mut(&pid).expect("live");
        p.lwp_mut(tid).expect("live").linux = LinuxState::Stopped(kind);
        self.after_stop(pid, tid, kind, event);
    }

    /// A stop of an LWP stepping over a signal handler: `Some(kind)` if it
    /// is part of that walk and must not be reported.
    fn handler_step_stop(l: &mut Lwp, sig: i32, ev: i32) -> Option<LinuxStop> {
        match l.handler_step {
            HandlerStep::Armed if sig == libc::SIGTRAP && ev == 0 => {
                // At the handler's entry: run it, watching for rt_sigreturn.
                l.handler_step = HandlerStep::AwaitSigreturn;
                l.resume_sig = 0;
                l.step = false;
                l.force_req = Some(sys::PTRACE_SYSCALL);
                Some(LinuxStop::Signal)
            }
            HandlerStep::AwaitSigreturn if sig == (libc::SIGTRAP | 0x80) => {
                let entry = l.sc != ScState::In;
                l.sc = if entry { ScState::In } else { ScState::Out };
                if entry && sys::getregs(l.tid).is_ok_and(|r| r.orig_rax == libc::SYS_rt_sigreturn as u64) {
                    l.handler_step = HandlerStep::InSigreturn;
                }
                l.force_req = Some(sys::PTRACE_SYSCALL);
                Some(LinuxStop::Syscall)
            }
            HandlerStep::InSigreturn if sig == (libc::SIGTRAP | 0x80) => {
                // Back in the interrupted code: now take the step.
                l.sc = ScState::Out;
                l.handler_step = HandlerStep::None;
                l.step = true;
                Some(LinuxStop::Syscall)
            }
            _ => {
                l.handler_step = HandlerStep::None;
                None
            }
        }
    }

    fn on_exec(&mut self, pid: Pid, tid: Tid, old: Tid) {
        let p = self.procs.get_mut(&pid).expect("live");
        // Every other thread is gone; a non-leader exec took over the pid.
        if old != tid {
            let mut moved = p.lwps.iter().position(|l| l.tid == old).map(|i| p.lwps.remove(i));
            p.lwps.retain(|l| l.tid != tid);
            if let Some(l) = moved.as_mut() {
                l.tid = tid;
            }
            let l = moved.unwrap_or_else(|| Lwp::new(tid, LinuxState::Running));
            p.lwps.insert(0, l);
        }
        let gone: Vec<Tid> = p.lwps.iter().filter(|l| l.tid != tid).map(|l| l.tid).collect();
        p.lwps.retain(|l| l.tid == tid);
        p.pending.clear();
        p.mem = None;
        p.sigs = SigProbe::default();
        p.maps = None;
        for g in gone {
            if g != tid {
                self.tids.remove(&g);
            }
        }
        self.tids.remove(&old);
        self.tids.insert(tid, pid);
        let p = self.procs.get_mut(&pid).expect("live");
        let mask = p.mask;
        let l = p.lwp_mut(tid).expect("just inserted");
        l.comm = None; // the exec'ing thread's id may have changed
        l.sc = ScState::In;
        l.skip_scx = true;
        l.interrupt_pending = false;
        l.linux = LinuxState::Stopped(LinuxStop::Event);
        let e = (mask & crate::abi::PTRACE_EXEC != 0).then_some(Event::Exec { old_tid: Lwpid(old) });
        self.after_stop(pid, tid, LinuxStop::Event, e);
    }

    /// Common tail of every stop: report, queue or resume.
    fn after_stop(&mut self, pid: Pid, tid: Tid, kind: LinuxStop, event: Option<Event>) {
        let p = self.procs.get_mut(&pid).expect("live");
        if p.killed {
            // Exiting: nothing more is reported; let every thread die.
            p.pending.clear();
            for l in p.lwps.iter_mut() {
                l.event = None;
                l.suspended = false;
            }
            if p.state == ProcState::Running {
                return self.resume_lwp(pid, tid);
            }
            // Even a stop the tracer holds: a dying process cannot stay
            // stopped (SIGKILL woke it), and its exit must reach wait.
            self.ready.retain(|x| *x != pid);
            return self.resume_all(pid);
        }
        match event {
            Some(e) => {
                let l = p.lwp_mut(tid).expect("live");
                l.event = Some(e);
                l.step = false;
                p.pending.push_back(tid);
                if p.state == ProcState::Running {
                    p.state = ProcState::Stopping;
                    self.interrupt_others(pid, tid);
                }
                self.check_all_stopped(pid);
            }
            None => {
                if kind == LinuxStop::Group {
                    return self.on_group_stop(pid, tid);
                }
                if p.state == ProcState::Running {
                    self.resume_lwp(pid, tid);
                } else {
                    self.check_all_stopped(pid);
                }
            }
        }
    }

    /// Job control: a SIGSTOP-class signal was delivered and the thread
    /// entered group-stop. The process stays stopped (PTRACE_LISTEN) until
    /// SIGCONT, as on FreeBSD; a WUNTRACED wait reports it once.
    fn on_group_stop(&mut self, pid: Pid, tid: Tid) {
        let p = self.procs.get_mut(&pid).expect("live");
        if p.state != ProcState::Running {
            // We are stopping it anyway; resuming will restart the group stop.
            return self.check_all_stopped(pid);
        }
        let sig = sys::siginfo(tid).map(|s| sys::si::signo(&s)).unwrap_or(libc::SIGSTOP);
        if p.job_stopped.is_none() {
            p.job_stopped = Some(if sig > 0 { sig } else { libc::SIGSTOP });
            p.job_report = true;
            self.ready.push_back(pid);
        }
        let _ = sys::resume(sys::PTRACE_LISTEN, tid, 0);
        let p = self.procs.get_mut(&pid).expect("live");
        if let Some(l) = p.lwp_mut(tid) {
            l.linux = LinuxState::Running;
        }
    }

    pub(crate) fn interrupt_others(&mut self, pid: Pid, except: Tid) {
        let p = self.procs.get_mut(&pid).expect("live");
        for l in p.lwps.iter_mut() {
            if l.tid != except && l.linux == LinuxState::Running && !l.interrupt_pending {
                tracing::trace!(tid = l.tid, "interrupt");
                match sys::interrupt(l.tid) {
                    Ok(()) => {
                        l.interrupt_pending = true;
                        self.interrupts_out = true;
                    }
                    // Gone already: its exit status is on its way.
                    Err(_) => l.linux = LinuxState::Exiting,
                }
            }
        }
    }

    /// If the process is stopping and every LWP has stopped, make the stop
    /// reportable.
    pub(crate) fn check_all_stopped(&mut self, pid: Pid) {
        let Some(p) = self.procs.get_mut(&pid) else { return };
        if p.state != ProcState::Stopping {
            return;
        }
        if p.lwps.iter().any(|l| matches!(l.linux, LinuxState::Running | LinuxState::New)) {
            return;
        }
        if let Some(init) = p.initial.take() {
            let leader = p.lwps.iter().find(|l| l.is_live()).map(|l| l.tid);
            if let Some(t) = leader {
                let l = p.lwp_mut(t).expect("live");
                l.event = Some(init);
                p.pending.retain(|x| *x != t);
                p.pending.push_front(t);
            }
        }
        // The first pending event of a thread that may run gets reported.
        let next = p
            .pending
            .iter()
            .position(|t| p.lwp(*t).is_some_and(|l| !l.suspended && l.event.is_some()));
        match next {
            Some(i) => {
                let t = p.pending.remove(i).expect("index valid");
                p.xthread = Some(t);
                p.state = ProcState::Stopped { waited: false };
                self.ready.push_back(pid);
            }
            None => {
                // Nothing to report after all (the event's thread died).
                self.resume_all(pid);
            }
        }
    }

    /// Resume one LWP with the Linux request its process's mask asks for.
    pub(crate) fn resume_lwp(&mut self, pid: Pid, tid: Tid) {
        let p = self.procs.get_mut(&pid).expect("live");
        if let Some(i) = p.position(tid) {
            p.resume_at(i);
        }
    }

    /// Resume every stopped, not suspended LWP (the continue of FreeBSD).
    pub(crate) fn resume_all(&mut self, pid: Pid) {
        let p = self.procs.get_mut(&pid).expect("live");
        p.state = ProcState::Running;
        p.xthread = None;
        p.maps = None;
        for i in 0..p.lwps.len() {
            if p.lwps[i].is_stopped() && !p.lwps[i].suspended {
                p.resume_at(i);
            }
        }
    }

    /// PT_TRACE_ME child: convert the legacy attach into a seized one so it
    /// gets the same engine as everything else, keeping its first stop.
    fn adopt_traceme(&mut self, tid: Tid, status: i32) {
        self.traceme.retain(|t| *t != tid);
        let si = sys::siginfo(tid).ok();
        // Detach into a job-control stop and reap that notification; the
        // rest is the same as for a child another thread forked.
        let detached = sys::detach(tid, libc::SIGSTOP).and_then(|_| sys::wait4(tid, sys::WUNTRACED | sys::WALL));
        if detached.is_ok() {
            let _ = self.adopt_traceme_detached(Pid(tid), status, si);
        }
    }

    /// Forget a process (after detach or once its exit was collected).
    pub(crate) fn forget(&mut self, pid: Pid) {
        if let Some(p) = self.procs.remove(&pid) {
            for l in p.lwps {
                self.tids.remove(&l.tid);
            }
        }
        self.ready.retain(|x| *x != pid);
    }

    /// Note a child that called PT_TRACE_ME (optional: unknown stopped
    /// children traced by us are recognised anyway).
    pub fn expect_traceme(&mut self, pid: Pid) {
        self.traceme.push(pid.0);
    }
}

/// DR0-3 and DR7 of a stopped thread.
fn read_dbregs(tid: Tid) -> Option<[u64; 5]> {
    let mut dr = [0u64; 5];
    for (i, slot) in [0usize, 1, 2, 3, 7].into_iter().enumerate() {
        dr[i] = sys::peekuser(tid, sys::DEBUGREG_OFFSET + slot * 8).ok()?;
    }
    Some(dr)
}

/// Give a stopped new thread its creator's debug registers; returns whether
/// any is enabled now.
fn copy_dbregs(tid: Tid, dr: &[u64; 5]) -> bool {
    let poke = |slot: usize, v: u64| sys::pokeuser(tid, sys::DEBUGREG_OFFSET + slot * 8, v).is_ok();
    let ok = (0..4).all(|i| poke(i, dr[i])) && poke(7, dr[4]);
    ok && dr[4] != 0
}

/// Signals the kernel raises for faults (whose siginfo tells a forced fault
/// from a sent signal).
fn fault_signal(sig: i32) -> bool {
    matches!(sig, libc::SIGTRAP | libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL)
}

/// A fault the kernel raised itself (int3, a single step, a debug-register
/// hit, SIGSEGV & co. with a positive si_code): Linux forces those, resetting
/// an ignored disposition to the default first, so they are never ignored
/// and the /proc read can be skipped. (A process that queues itself such a
/// signal with a positive code while ignoring it is reported, not
/// discarded: docs/deviations.md.)
fn forced_fault(sig: i32, code: i32) -> bool {
    code > 0 && matches!(sig, libc::SIGTRAP | libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL)
        || (sig == libc::SIGTRAP && code == libc::SI_KERNEL)
}

/// Would FreeBSD discard `sig` for this process (SIG_IGN, or SIG_DFL with an
/// ignore default)? Reads /proc only for signal stops, never on the syscall
/// path, and never for SIGKILL/SIGSTOP (their disposition cannot change).
fn signal_ignored(probe: &mut SigProbe, pid: i32, sig: i32) -> bool {
    if sig == libc::SIGKILL || sig == libc::SIGSTOP || !(1..=64).contains(&sig) {
        return false;
    }
    match probe.disposition(pid, sig) {
        Some(Disposition::Ignored) => true,
        Some(Disposition::Default) => DEFAULT_IGNORED & (1u64 << (sig - 1)) != 0,
        Some(Disposition::Caught) | None => false,
    }
}

/// A signal's disposition in a traced process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Disposition {
    Default,
    Ignored,
    Caught,
}

/// Reads another process's signal dispositions. Linux has no syscall for
/// that: /proc is the only source, and generating the text is the cost
/// (pinned, this machine: `/proc/PID/status` 6.4 µs, the leader's
/// `/proc/PID/task/PID/stat` 2.6 µs — the whole-process `/proc/PID/stat`
/// sums every thread's times, 8 µs at 512 threads). The per-thread stat
/// carries SigIgn/SigCgt for signals 1–31 only (the sighand is shared by
/// every thread, so the leader's answers for all); real-time signals read
/// the status. Dispositions are never cached across stops: any thread may
/// call sigaction while the process runs, unseen by the tracer.
#[derive(Debug, Default)]
pub(crate) struct SigProbe {
    stat: Option<OwnedFd>,
    status: Option<OwnedFd>,
}

impl SigProbe {
    pub(crate) fn disposition(&mut self, pid: i32, sig: i32) -> Option<Disposition> {
        let (ign, cgt) = if sig < 32 { self.stat_bits(pid)? } else { self.status_bits(pid)? };
        let bit = 1u64 << (sig - 1);
        Some(if ign & bit != 0 {
            Disposition::Ignored
        } else if cgt & bit != 0 {
            Disposition::Caught
        } else {
            Disposition::Default
        })
    }

    /// sigignore and sigcatch (fields 33 and 34) of the leader's task stat.
    fn stat_bits(&mut self, pid: i32) -> Option<(u64, u64)> {
        let text = read_cached(&mut self.stat, || format!("/proc/{pid}/task/{pid}/stat"), |_| false)?;
        parse_stat_sig_bits(&text)
    }

    /// SigIgn and SigCgt of `/proc/PID/status` (all 64 signals).
    fn status_bits(&mut self, pid: i32) -> Option<(u64, u64)> {
        let text = read_cached(&mut self.status, || format!("/proc/{pid}/status"), |t| parse_sig_bits(t).is_some())?;
        parse_sig_bits(&text)
    }
}

/// Regenerate and read a /proc file through a kept fd (one pread from
/// offset 0, more only if the text outgrows the buffer or `enough` says
/// the part read so far lacks what is needed). A failed read drops the fd.
fn read_cached(fd: &mut Option<OwnedFd>, path: impl FnOnce() -> String, enough: impl Fn(&[u8]) -> bool) -> Option<Vec<u8>> {
    if fd.is_none() {
        *fd = Some(sys::open(&path(), libc::O_RDONLY).ok()?);
    }
    let f = fd.as_ref()?;
    let mut text = vec![0u8; 2048];
    let mut len = 0;
    loop {
        if len == text.len() {
            text.resize(len * 2, 0);
        }
        match sys::pread(f, &mut text[len..], len as u64) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(_) => {
                *fd = None;
                return None;
            }
        }
        if len < text.len() || enough(&text[..len]) {
            break;
        }
    }
    text.truncate(len);
    Some(text)
}

/// sigignore and sigcatch from a `/proc/*/stat` line: the fields after the
/// last ')' (the command name may contain anything) start at field 3.
fn parse_stat_sig_bits(text: &[u8]) -> Option<(u64, u64)> {
    let close = text.iter().rposition(|&c| c == b')')?;
    let rest = std::str::from_utf8(&text[close + 1..]).ok()?;
    let mut f = rest.split_ascii_whitespace().skip(30);
    let ign = f.next()?.parse().ok()?;
    let cgt = f.next()?.parse().ok()?;
    Some((ign, cgt))
}

/// Both values once the SigIgn and SigCgt lines are complete in `text`.
fn parse_sig_bits(text: &[u8]) -> Option<(u64, u64)> {
    let field = |key: &[u8]| -> Option<u64> {
        let at = text.windows(key.len()).position(|w| w == key)? + key.len();
        let rest = &text[at..];
        let end = rest.iter().position(|&c| c == b'\n')?;
        let v = std::str::from_utf8(&rest[..end]).ok()?;
        u64::from_str_radix(v.trim(), 16).ok()
    };
    Some((field(b"\nSigIgn:")?, field(b"\nSigCgt:")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_signal_fields_survive_any_command_name() {
        // Fields 33/34 (sigignore, sigcatch) after a name holding ") " and digits.
        let mut line = String::from("4242 (a) 1 2 (b) S");
        for f in 4..=32 {
            line.push_str(&format!(" {f}"));
        }
        line.push_str(" 4096 16386 35 36\n");
        assert_eq!(parse_stat_sig_bits(line.as_bytes()), Some((4096, 16386)));
        assert_eq!(parse_stat_sig_bits(b"4242 (x) S 1 2"), None);
    }

    #[test]
    fn status_signal_lines() {
        let t = b"Name:\tx\nSigQ:\t0/1\nSigPnd:\t0\nSigIgn:\t0000000000001000\nSigCgt:\t0000000180000002\nCapInh:\t0\n";
        assert_eq!(parse_sig_bits(t), Some((0x1000, 0x1_8000_0002)));
        assert_eq!(parse_sig_bits(b"SigIgn:\t0\n"), None);
    }
}
