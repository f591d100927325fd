//! The debugged processes as the remote protocol sees them: an all-stop
//! target of one or more processes over the bsdtrace engine. Registers,
//! memory, breakpoints and resumes go through the engine's FreeBSD
//! requests; this module never calls ptrace.
//!
//! The engine stops a whole process at each event; this layer extends that
//! to every process gdb debugs (gdb's all-stop: when one stops, all stop),
//! keeps stops of other processes to report later, and absorbs what gdb
//! must not see: breakpoint conditions that are false (evaluated here),
//! steps inside a range (`vCont;r`), signals gdb passes (`QPassSignals`),
//! syscalls it does not catch, forks it was not told about.
//!
//! It must never resume a thread gdb asked to keep stopped (PT_SUSPEND),
//! never report a stop the engine has not collected, and never leave one
//! of our int3s in a process it lets go.
//!
//! Its parts: `processes` (starting, adopting, ending; the thread list),
//! `registers` (and siginfo), `memory` (and breakpoints, watchpoints),
//! `resume` (resuming, Ctrl-C, collecting stops), `stops` (what a stop is
//! for gdb: hits, conditions, steps, signals, forks); non-stop's side is
//! `../nonstop.rs`.

mod memory;
mod processes;
mod registers;
mod resume;
mod stops;

use super::agent;
use super::emulate;
use super::arch::{self, Layout};
use bsdtrace::abi::dbreg;
use bsdtrace::{Error, Errno, Event, Lwpid, Pid, Resume, StopMode, Target as T, Tracer, WaitOptions, WaitStatus};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// gdb's thread id: process and thread (LWP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ptid {
    pub pid: i32,
    pub tid: i32,
}

/// Which threads a resume action or `H` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sel {
    /// `-1`: every thread of every process.
    All,
    /// `pPID.-1`: every thread of one process.
    Proc(i32),
    /// One thread.
    Thread(Ptid),
}

impl Sel {
    pub fn matches(&self, p: Ptid) -> bool {
        match *self {
            Sel::All => true,
            Sel::Proc(pid) => pid == p.pid,
            Sel::Thread(t) => t == p,
        }
    }
    fn may_match_proc(&self, pid: i32) -> bool {
        match *self {
            Sel::All => true,
            Sel::Proc(p) => p == pid,
            Sel::Thread(t) => t.pid == pid,
        }
    }
}

/// A resume action of `vCont` (signals are host numbers, 0 for none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Continue(i32),
    Step(i32),
    /// Step while the pc stays in `[start, end)`.
    Range(u64, u64),
}

impl Action {
    fn steps(&self) -> bool {
        !matches!(self, Action::Continue(_))
    }
    fn signal(&self) -> i32 {
        match *self {
            Action::Continue(s) | Action::Step(s) => s,
            Action::Range(..) => 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchKind {
    Write,
    Read,
    Access,
}

/// Why a thread stopped, as the protocol reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// A signal (host number).
    Signal(i32),
    SwBreak,
    HwBreak,
    Watch(WatchKind, u64),
    /// A single step finished (SIGTRAP).
    Step,
    /// Stopped on request (Ctrl-C): SIGINT.
    Interrupted,
    Fork { child: i32, vfork: bool },
    VforkDone,
    Exec(String),
    SyscallEntry(u64),
    SyscallReturn(u64),
    ThreadCreated,
    ThreadExited(i32),
    Exited(i32),
    Signaled(i32),
    /// Nothing was resumed, or every resumed thread is gone.
    NoResumed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    pub ptid: Ptid,
    pub kind: StopKind,
}

/// What gdb asked for, for every process.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub fork_events: bool,
    pub vfork_events: bool,
    pub exec_events: bool,
    pub thread_events: bool,
    /// `QCatchSyscalls`: `None` off; `Some(set)`, an empty set for all.
    pub catch_syscalls: Option<HashSet<u64>>,
    /// `QPassSignals`: host signals delivered without a stop (bit n-1).
    pub pass: u64,
    /// `QProgramSignals`: host signals the program may be given
    /// (`None`: all).
    pub program: Option<u64>,
}

/// A software breakpoint: the byte under our int3, and what gdb asked to
/// run there.
#[derive(Clone, Debug)]
pub(super) struct Breakpoint {
    pub(super) orig: u8,
    /// Agent expressions; the stop is reported if any is true (none: always).
    conds: Vec<Vec<u8>>,
    /// Agent bytecode to run at each hit (dprintf); a breakpoint with
    /// commands is not reported.
    cmds: Vec<Vec<u8>>,
    persist: bool,
}

/// One x86 debug-register slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    addr: u64,
    len: u64,
    /// `None`: an instruction breakpoint.
    watch: Option<WatchKind>,
    /// Ours: a software breakpoint with conditions held in a debug
    /// register (see [`Process::hwbps`]); gdb gets the slot back on demand.
    ours: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    /// Stopped in the engine (requests allowed).
    Stopped,
    /// Resumed; its next stop is awaited.
    Running,
}

/// A step over one of our breakpoints whose condition was false: only
/// `tid` runs, one instruction, with the original byte in place.
#[derive(Clone, Copy, Debug)]
struct StepOver {
    tid: i32,
    addr: u64,
}

pub struct Process {
    /// Attached to (gdb detaches it on quit; one we started is killed).
    pub attached: bool,
    run: Run,
    /// Software breakpoints by address. A vfork child shares its parent's
    /// memory and so its parent's table (`shares`).
    pub(super) bps: BTreeMap<u64, Breakpoint>,
    /// Software breakpoints with conditions or commands (hit often,
    /// reported rarely) held in a free debug register instead of an int3:
    /// a hit whose condition is false costs one stop and no step over it
    /// (the kernel sets RF, so the instruction runs on resume). By
    /// address, with their slot.
    pub(super) hwbps: BTreeMap<u64, (Breakpoint, usize)>,
    pub(super) shares: Option<i32>,
    slots: [Option<Slot>; 4],
    slots_gen: u64,
    applied: HashMap<i32, u64>,
    /// LWPs stopped at an int3 whose rip we moved back onto it.
    rewound: HashSet<i32>,
    /// The resume actions gdb gave this process last.
    actions: Vec<(Action, Sel)>,
    step_over: Option<StepOver>,
    /// The vfork child whose exec or exit will give this parent its
    /// memory back, when gdb was not told of the vfork: our int3s are out
    /// of the shared memory meanwhile.
    vfork_hidden: bool,
    /// A vfork is in progress (the parent thread cannot stop until the
    /// child execs or exits).
    pub(super) in_vfork: bool,
    /// Non-stop: gdb detached it while its vfork thread waited for a
    /// child gdb holds (no stop can come until the child execs or exits):
    /// hidden from gdb, its other threads stopped, the detach finished
    /// when the vfork thread stops.
    pub(super) detaching: bool,
    /// The program's path after an exec, for `qXfer:exec-file`.
    pub exe: Option<String>,
    /// A signal we would have passed on (QPassSignals) while stopping for
    /// another process's report: given at the next resume.
    deferred_sig: i32,
    /// gdb resumed only some of the threads (`scheduler-locking`, `thread
    /// N` + `continue` with the others held): thread exits are traced, so
    /// that the end of the last resumed one is seen (`no-resumed`) instead
    /// of waited for forever.
    partial: bool,
    /// Threads at their exit that gdb was told are gone (the last resumed
    /// one, reported as `no-resumed`): hidden from gdb, they finish dying
    /// when resumed.
    gone: HashSet<i32>,
}

impl Process {
    fn new(attached: bool) -> Process {
        Process {
            attached,
            run: Run::Stopped,
            bps: BTreeMap::new(),
            hwbps: BTreeMap::new(),
            shares: None,
            slots: [None; 4],
            slots_gen: 0,
            applied: HashMap::new(),
            rewound: HashSet::new(),
            actions: Vec::new(),
            step_over: None,
            vfork_hidden: false,
            in_vfork: false,
            detaching: false,
            exe: None,
            deferred_sig: 0,
            partial: false,
            gone: HashSet::new(),
        }
    }

    fn action_for(&self, p: Ptid) -> Option<Action> {
        self.actions.iter().find(|(_, s)| s.matches(p)).map(|(a, _)| *a)
    }
}

/// What became of an engine stop.
enum Outcome {
    Report(Stop),
    /// Resume the process as gdb last asked, delivering this signal to
    /// the reporting thread.
    Resume(i32),
    /// Already resumed (a step over a breakpoint).
    Resumed,
    /// Stay stopped with nothing to tell (our own interrupt).
    Hold,
}

/// Host (Linux x86-64) signal number -> GDB's protocol number.
pub fn to_gdb_signal(sig: i32) -> u8 {
    const MAP: [u8; 32] = [
        0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 30, 11, 31, 13, 14, 15, 143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27,
        28, 23, 32, 12,
    ];
    match sig {
        1..=31 => MAP[sig as usize],
        32 => 77,
        33..=63 => 45 + (sig - 33) as u8,
        64 => 78,
        _ => 143,
    }
}

/// GDB's protocol number -> host signal number (0 if the host has none).
pub fn from_gdb_signal(s: u8) -> i32 {
    static TABLE: std::sync::OnceLock<[u8; 256]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [0u8; 256];
        for h in (1..=64).rev() {
            t[to_gdb_signal(h) as usize] = h as u8;
        }
        t[143] = 0;
        t
    });
    t[s as usize] as i32
}

/// FreeBSD's TRAP_BRKPT, which the engine reports for an int3 (SI_KERNEL).
pub(super) const TRAP_BRKPT: i32 = 1;
/// Linux's si_code of a debug-register trap.
pub(super) const TRAP_HWBKPT: i32 = 4;
/// The end of user addresses (amd64, 4-level paging).
const USER_END: u64 = 0x0000_7fff_ffff_f000;
/// `orig_rax` in Linux's `struct user` (FreeBSD's `struct reg` has no slot
/// for it, so the engine's PT_GETREGS cannot carry it).
pub(super) const ORIG_RAX_OFFSET: usize = 15 * 8;
const ENOSYS: i64 = 38;

pub struct Inferiors {
    pub tracer: Tracer,
    pub procs: BTreeMap<i32, Process>,
    pub opts: Options,
    pub layout: Layout,
    /// gdb's i386 register file, for 32-bit programs.
    pub layout32: Layout,
    /// gdb is waiting for a stop reply.
    pub waiting: bool,
    /// Ctrl-C asked for: the first interrupt stop is reported as SIGINT.
    ctrl_c: bool,
    /// A stop chosen to report once every other process has stopped.
    reporting: Option<Stop>,
    /// Stops collected while stopping for another one, reported next.
    queue: VecDeque<Stop>,
    /// Per-stop caches: `g` images and XSAVE areas by tid.
    pub(super) gcache: HashMap<i32, Vec<u8>>,
    pub(super) xcache: HashMap<i32, Vec<u8>>,
    /// Where agent `printf` output goes: the program's stdout.
    dprintf_out: Option<(i32, std::fs::File)>,
    /// Single steps of one thread may be emulated (`monitor set
    /// step-emulation`); how many were.
    pub emulate_steps: bool,
    pub emulated: u64,
    /// gdb's non-stop mode (`QNonStop:1`): every process in the engine's
    /// per-LWP mode; see `nonstop.rs`.
    pub ns: Option<super::nonstop::NonStop>,
    /// Fork children whose first stop came before their parent's fork
    /// event (the engine may report either first, as FreeBSD may), by
    /// child: the parent. [`Inferiors::forked`] takes them; a parent that
    /// dies first has them let go.
    pub(super) early_children: HashMap<i32, i32>,
}

impl Inferiors {
    pub fn new(tracer: Tracer) -> Inferiors {
        Inferiors {
            tracer,
            procs: BTreeMap::new(),
            opts: Options::default(),
            layout: Layout::new(0),
            layout32: Layout::i386(0),
            waiting: false,
            ctrl_c: false,
            reporting: None,
            queue: VecDeque::new(),
            gcache: HashMap::new(),
            xcache: HashMap::new(),
            dprintf_out: None,
            emulate_steps: true,
            emulated: 0,
            ns: None,
            early_children: HashMap::new(),
        }
    }
}


/// The program a process runs.
pub fn exe_path(pid: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok().map(|p| p.to_string_lossy().into_owned())
}

/// What agent expressions read: registers and memory of a stopped thread.
struct AgentCtx<'a> {
    inf: &'a mut Inferiors,
    ptid: Ptid,
}

impl agent::Machine for AgentCtx<'_> {
    fn reg(&mut self, n: u16) -> Option<u64> {
        let n = n as usize;
        // gdb numbers registers in the program's target description.
        let bytes = self.inf.read_wire_register(self.ptid, n).ok()??;
        let mut b = [0u8; 8];
        let k = bytes.len().min(8);
        b[..k].copy_from_slice(&bytes[..k]);
        Some(u64::from_le_bytes(b))
    }
    fn mem(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        self.inf.read_memory(self.ptid.pid, addr, buf) == buf.len()
    }
    fn print(&mut self, text: &[u8]) {
        use std::io::Write;
        // The agent's printf prints where the program's own printf would.
        let pid = self.ptid.pid;
        if self.inf.dprintf_out.as_ref().is_none_or(|(p, _)| *p != pid) {
            self.inf.dprintf_out =
                std::fs::OpenOptions::new().append(true).open(format!("/proc/{pid}/fd/1")).ok().map(|f| (pid, f));
        }
        match self.inf.dprintf_out.as_mut() {
            Some((_, f)) => {
                let _ = f.write_all(text);
            }
            None => {
                let _ = std::io::stderr().write_all(text);
            }
        }
    }
}
