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

use crate::sys::{self, Tid};
use std::collections::{BTreeMap, VecDeque};

mod adopt;
mod allstop;
mod dbregs;
mod exec;
mod ids;
mod lwp;
pub(crate) mod lwpmode;
mod proc;
pub(crate) mod scinfo;
pub(crate) mod restart;
pub mod ring;
mod signals;
mod spawn;
mod stop;
mod wait;

pub use ids::{Event, Lwpid, Pid, Target};
pub use lwpmode::{LwpStatus, StopMode};
pub(crate) use lwp::{Ghost, HandlerStep, LinuxState, LinuxStop, Lwp, ScState, SigInfo};
pub(crate) use proc::{MapSnapshot, Proc, ProcState};
pub(crate) use signals::{Disposition, SigProbe};
pub use spawn::SpawnOptions;
pub use wait::{WaitOptions, WaitStatus};

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
/// The exit of a traced process whose pid was given to a new process
/// before the debugger collected it ([`Tracer::set_aside_exit`]).
pub(crate) struct ExitAside {
    pub pid: Pid,
    pub status: i32,
    pub rusage: Option<sys::Rusage>,
    pub pgid: i32,
    pub lwp_mode: bool,
}

pub struct Tracer {
    pub(crate) procs: BTreeMap<Pid, Proc>,
    /// tid -> owning process.
    pub(crate) tids: sys::TidMap<Pid>,
    /// Processes with a stop or an exit to report, oldest first.
    pub(crate) ready: VecDeque<Pid>,
    /// LWP stops of per-LWP processes to report, oldest first.
    pub(crate) lwp_ready: VecDeque<(Pid, Tid)>,
    /// Statuses of children we do not trace, kept for [`Tracer::wait`].
    pub(crate) foreign: VecDeque<(i32, i32, Option<sys::Rusage>)>,
    /// Exits of traced processes whose pid Linux gave to a new process
    /// before the debugger collected them ([`Tracer::set_aside_exit`]):
    /// Reported before anything else.
    pub(crate) exits_aside: VecDeque<ExitAside>,
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
    /// PT_TRACE_ME children Linux let trace us but whose adoption it then
    /// refused (request/attach.rs `adopt_traceme_detached`: a tracer that
    /// changed its uid leaves its children non-dumpable, and only
    /// PTRACE_TRACEME skips that check): left job-stopped, untraced. Their
    /// stop is reported as a debugger stop, every request answers EPERM,
    /// as FreeBSD answers a P_SUGID child's debugger, and the tracer's
    /// exit kills them, as FreeBSD's kills its tracees.
    pub(crate) refused: Vec<i32>,
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
    /// A PT_ATTACH happened since the last look found no process in its
    /// attach window (wait.rs `attach_window_open`): only then is the
    /// process table scanned, so reaps cost nothing extra otherwise.
    pub(crate) attaching: bool,
    /// Run by an [`crate::Engine`] thread, which does all the waiting:
    /// [`Tracer::wait`] would steal its statuses and is refused.
    pub(crate) driven: bool,
    /// Its user reaps at once whatever happens ([`Tracer::set_reaps_promptly`]):
    /// the engine may take stops nobody is told about, as under an Engine.
    pub(crate) reaps_promptly: bool,
    /// The signal mask the programs it spawns start with, where the
    /// spawning thread's own is not the program's (an engine thread blocks
    /// every signal); `None`: inherited from the spawning thread.
    pub(crate) spawn_sigmask: Option<u64>,
    /// The engine thread's doorbell child ([`crate::sys::wakeup`]): its
    /// statuses are kept apart for the engine, never dispatched.
    pub(crate) doorbell: Option<Tid>,
    pub(crate) doorbell_statuses: Vec<i32>,
    /// Processes this tracer forked ([`Tracer::spawn`]) whose exit has not
    /// been reported: they stay our children after a detach.
    pub(crate) children: std::collections::BTreeSet<i32>,
    /// FreeBSD LWP ids that are not their LWP's tid ([`Lwp::vid`]) ->
    /// (process, tid key). Checked against the LWP on every use, so a
    /// stale entry is never believed.
    pub(crate) vids: sys::TidMap<(Pid, Tid)>,
    /// The next FreeBSD id handed to an LWP whose tid is another's id.
    pub(crate) next_vid: Tid,
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
        for pid in std::mem::take(&mut self.refused) {
            // Our child still (its exit is ours to reap: gone then).
            if sys::kill(pid, libc::SIGKILL).is_ok() {
                let _ = sys::wait4(pid, sys::WALL);
            }
        }
        for pid in live {
            // SIGKILL ends every thread promptly, stopped or not, once we
            // let it past its exit stop; each one's exit comes to us as its
            // tracer. The leader last: its zombie is reapable only once the
            // others are gone.
            let mut tids: Vec<Tid> = self.procs[&pid].lwps.iter().map(|l| l.tid).collect();
            tids.sort_by_key(|t| *t == pid.0);
            for tid in tids {
                // A stop the engine collected and holds (an LWP
                // PT_SUSPENDed at its exit stop, say) sends no new status:
                // let it go first. In a process already exiting (a remote
                // exit_group) the SIGKILL above wakes nothing: Linux
                // queues it only (the group exit is under way), and the
                // wait below slept for ever.
                let _ = sys::resume(sys::PTRACE_CONT, tid, 0);
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

impl Tracer {
    pub fn new() -> Tracer {
        // Before any PT_TRACE_ME child is forked (request/attach.rs).
        crate::sys::armed::prepare();
        Tracer {
            procs: BTreeMap::new(),
            tids: Default::default(),
            ready: VecDeque::new(),
            lwp_ready: VecDeque::new(),
            foreign: VecDeque::new(),
            exits_aside: VecDeque::new(),
            last_rusage: None,
            early: Default::default(),
            expected: Default::default(),
            traceme: Vec::new(),
            refused: Vec::new(),
            inherit_dbregs: Default::default(),
            released: Default::default(),
            interrupts_out: false,
            self_pid: sys::getpid(),
            wait_flags: sys::WALL | sys::WNOTHREAD,
            attaching: false,
            driven: false,
            reaps_promptly: false,
            spawn_sigmask: None,
            doorbell: None,
            doorbell_statuses: Vec::new(),
            children: Default::default(),
            vids: Default::default(),
            next_vid: crate::abi::LWPID_BASE,
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

    /// Promise that this tracer's user calls [`Tracer::wait`] (or
    /// [`Tracer::wait_lwp`]) as soon as a tracee changes state (it watches
    /// SIGCHLD, as gdbserver's loop does), never leaving a tracee stopped
    /// for long with nothing reported. The engine may then take stops of
    /// its own that are never reported, as it does under an
    /// [`crate::Engine`]: a call that a whole-process stop broke is
    /// restarted with the time it has left, and threads that sleep in such
    /// calls are followed so that the next stop leaves them asleep
    /// (engine/restart/). Without it a plain tracer restarts such calls
    /// with their whole timeout, since a tracee would wait at any such
    /// stop until its user's next wait.
    pub fn set_reaps_promptly(&mut self, on: bool) {
        self.reaps_promptly = on;
    }

    /// Processes currently traced.
    pub fn traced(&self) -> Vec<Pid> {
        self.procs.keys().copied().collect()
    }

    /// Is `pid` traced by this tracer?
    pub fn is_traced(&self, pid: Pid) -> bool {
        self.procs.contains_key(&pid)
    }

    /// The stop mode of the process `t` names (no LWP lookup: cheaper
    /// than [`Tracer::resolve`], for the hot paths).
    pub(crate) fn mode_of(&self, t: Target) -> Option<StopMode> {
        let pid = match t {
            Target::Proc(pid) => pid,
            Target::Lwp(Lwpid(tid)) => *self.tids.get(&tid)?,
        };
        self.procs.get(&pid).map(|p| p.mode)
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

    /// Give LWP `tid` of `pid` FreeBSD id `vid` (its own tid: none of its
    /// own), keeping [`Tracer::vids`] in step and dropping its stale
    /// entries (ids whose LWP is gone or goes by another id now).
    pub(crate) fn set_vid(&mut self, pid: Pid, tid: Tid, vid: Tid) {
        let Some(l) = self.procs.get_mut(&pid).and_then(|p| p.lwp_mut(tid)) else { return };
        l.vid = (vid != tid).then_some(vid);
        if vid != tid {
            self.vids.insert(vid, (pid, tid));
        }
        let procs = &self.procs;
        self.vids.retain(|v, (p, t)| procs.get(p).and_then(|p| p.lwp(*t)).is_some_and(|l| l.vid == Some(*v)));
    }

    /// Forget a process (after detach or once its exit was collected).
    /// Make room for a new process with `pid`. FreeBSD's zombie holds its
    /// pid until the debugger's wait; the engine reaps a dead tracee as soon
    /// as it meets the death, so Linux may give the pid to a new process
    /// (traced by spawn, attach, PT_TRACE_ME or a followed fork) while the
    /// old exit waits in the queue. That exit is set aside, still reported
    /// (first: a wait for the pid sees it before the newcomer's stops), and
    /// the record of the pid becomes the newcomer's. Overwriting it lost
    /// the exit (and an attach or adoption answered EBUSY).
    pub(crate) fn set_aside_exit(&mut self, pid: Pid) {
        let Some(p) = self.procs.get(&pid) else { return };
        let ProcState::Exited { status } = p.state else { return };
        let aside = ExitAside { pid, status, rusage: p.rusage, pgid: p.pgid, lwp_mode: p.mode == StopMode::Lwp };
        self.forget(pid);
        self.children.remove(&pid.0);
        self.exits_aside.push_back(aside);
    }

    /// The first exit set aside that a wait for `want` (wait4's pid
    /// argument) takes, in the process or the per-LWP stop mode.
    pub(crate) fn take_exit_aside(&mut self, want: i32, lwp_mode: bool) -> Option<ExitAside> {
        if self.exits_aside.is_empty() {
            // (Every wait asks: keep it cheap.)
            return None;
        }
        let own = || sys::getpgid(0).unwrap_or(-1);
        let i = self.exits_aside.iter().position(|a| {
            a.lwp_mode == lwp_mode
                && match want {
                    -1 => true,
                    w if w > 0 => w == a.pid.0,
                    0 => a.pgid == own(),
                    w => a.pgid == -w,
                }
        })?;
        let a = self.exits_aside.remove(i)?;
        ring::record(ring::Kind::Take, a.pid.0 as i64, a.status as i64, 0);
        Some(a)
    }

    /// A record of `pid` that is more than an exit waiting to be collected.
    pub(crate) fn knows_live(&self, pid: Pid) -> bool {
        self.procs.get(&pid).is_some_and(|p| !matches!(p.state, ProcState::Exited { .. }))
    }

    pub(crate) fn forget(&mut self, pid: Pid) {
        if let Some(p) = self.procs.remove(&pid) {
            for l in p.lwps {
                self.tids.remove(&l.tid);
            }
        }
        self.ready.retain(|x| *x != pid);
    }
}
