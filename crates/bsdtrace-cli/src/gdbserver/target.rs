//! The debugged processes as the remote protocol sees them: an all-stop
//! target of one or more processes over the bsdtrace engine. Registers,
//! memory, breakpoints and resumes go through the engine's FreeBSD
//! requests; this file never calls ptrace.
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

use super::agent;
use super::emulate;
use super::arch::{self, Layout};
use bsdtrace::abi::dbreg;
use bsdtrace::{Error, Errno, Event, Lwpid, Pid, Resume, Target as T, Tracer, WaitOptions, WaitStatus};
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
    shares: Option<i32>,
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
    in_vfork: bool,
    /// The program's path after an exec, for `qXfer:exec-file`.
    pub exe: Option<String>,
    /// A signal we would have passed on (QPassSignals) while stopping for
    /// another process's report: given at the next resume.
    deferred_sig: i32,
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
            exe: None,
            deferred_sig: 0,
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
}

impl Inferiors {
    pub fn new(tracer: Tracer) -> Inferiors {
        Inferiors {
            tracer,
            procs: BTreeMap::new(),
            opts: Options::default(),
            layout: Layout::new(0),
            layout32: Layout::i386(),
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
        }
    }

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

    fn wait_first(&mut self, pid: i32) -> Result<Option<Event>, String> {
        match self.tracer.wait(pid, WaitOptions::BLOCK) {
            Ok(Some((_, WaitStatus::Stopped(_)))) => Ok(self.tracer.stop_event(T::Proc(Pid(pid))).ok().and_then(|e| e.1)),
            Ok(Some((_, WaitStatus::Exited(127)))) => Err("not found or not executable".into()),
            Ok(Some((_, WaitStatus::Exited(126)))) => Err("not executable".into()),
            Ok(Some((_, st))) => Err(format!("ended before its first stop ({st:?})")),
            Ok(None) => Err("did not stop".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn adopt(&mut self, pid: i32, attached: bool) -> Result<(), String> {
        let mut p = Process::new(attached);
        p.exe = exe_path(pid);
        self.procs.insert(pid, p);
        self.configure(pid).map_err(|e| e.to_string())?;
        if self.layout.xcr0 == 0 {
            self.layout = Layout::new(self.xcr0(pid));
        }
        Ok(())
    }

    fn xcr0(&mut self, pid: i32) -> u64 {
        self.tracer.xstate_info(T::Proc(Pid(pid))).map(|(m, _)| m).unwrap_or(0)
    }

    /// The engine's event mask for a process, from what gdb asked: forks
    /// are always followed (a child must lose our int3s), vfork-done is
    /// always wanted (our int3s come back then), thread and syscall events
    /// only when gdb wants them.
    pub(super) fn configure(&mut self, pid: i32) -> Result<(), Error> {
        use bsdtrace::abi::{PTRACE_EXEC, PTRACE_FORK, PTRACE_LWP, PTRACE_SYSCALL, PTRACE_VFORK};
        let mut mask = PTRACE_EXEC | PTRACE_FORK | PTRACE_VFORK;
        if self.opts.thread_events {
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

    pub(super) fn forget(&mut self, pid: i32) {
        self.procs.remove(&pid);
        self.queue.retain(|s| s.ptid.pid != pid);
        for p in self.procs.values_mut() {
            if p.shares == Some(pid) {
                p.shares = None;
            }
        }
    }

    /// A running process stopped now (its stop kept for later if it is
    /// an event of its own).
    fn make_stopped(&mut self, pid: i32) {
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

    /// After an exec: the int3s and debug registers went with the old
    /// image (non-stop's copy of what `classify` does). Returns the new path.
    pub(super) fn forget_image(&mut self, pid: i32) -> Option<String> {
        let path = exe_path(pid);
        let p = self.procs.get_mut(&pid)?;
        p.bps.clear();
        p.hwbps.clear();
        p.rewound.clear();
        p.slots = [None; 4];
        p.slots_gen += 1;
        p.applied.clear();
        p.exe = path.clone();
        p.shares = None;
        let _ = self.configure(pid);
        path
    }

    /// Changes with every change of the debug registers' contents.
    pub fn dbregs_gen(&self, pid: i32) -> u64 {
        self.procs.get(&pid).map(|p| p.slots_gen).unwrap_or(0)
    }

    /// The original bytes under our int3s, for a fork child's copy.
    pub(super) fn breakpoint_bytes(&self, pid: i32) -> Vec<(u64, u8)> {
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
        self.tracer.lwp_list(T::Proc(Pid(pid))).unwrap_or_default()
    }

    pub fn threads(&self) -> Vec<Ptid> {
        let mut v = Vec::new();
        for &pid in self.procs.keys() {
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

    // ---- registers ----

    /// The `g` image of a stopped thread (cached for the stop), in Linux's
    /// raw view: at syscall stops the engine gives FreeBSD's convention
    /// (syscall number in rax at entry, errno and carry at exit), which
    /// this undoes.
    pub fn g_image(&mut self, p: Ptid) -> Result<Vec<u8>, Error> {
        if let Some(g) = self.gcache.get(&p.tid) {
            return Ok(g.clone());
        }
        let t = T::Lwp(Lwpid(p.tid));
        let mut r = self.tracer.get_regs(t)?;
        let f = self.tracer.get_fpregs(t)?;
        let orig = bsdtrace::sys::peekuser(p.tid, ORIG_RAX_OFFSET).unwrap_or(u64::MAX);
        match self.tracer.stop_event(t).map(|e| e.1) {
            Ok(Some(Event::SyscallEntry)) => r.r_rax = -ENOSYS,
            Ok(Some(Event::SyscallExit)) => {
                if r.r_rflags & bsdtrace::abi::PSL_C != 0 {
                    r.r_rax = -r.r_rax;
                }
                // The user's carry flag, as `syscall` saved it in r11.
                r.r_rflags = (r.r_rflags & !bsdtrace::abi::PSL_C) | (r.r_r11 & bsdtrace::abi::PSL_C);
            }
            _ => {}
        }
        let fs = self.tracer.get_fsbase(t).unwrap_or(0);
        let gs = self.tracer.get_gsbase(t).unwrap_or(0);
        let g = arch::g_image(&r, &f, orig, fs, gs);
        self.gcache.insert(p.tid, g.clone());
        Ok(g)
    }

    pub fn set_g_image(&mut self, p: Ptid, g: &[u8]) -> Result<(), Error> {
        let old = self.g_image(p)?;
        if old.as_slice() == g {
            return Ok(());
        }
        self.gcache.remove(&p.tid);
        let t = T::Lwp(Lwpid(p.tid));
        let mut r = self.tracer.get_regs(t)?;
        let mut f = self.tracer.get_fpregs(t)?;
        let (orig, fs, gs) = arch::apply_g(g, &mut r, &mut f);
        match self.tracer.stop_event(t).map(|e| e.1) {
            // The engine's convention in reverse: r_rax is the syscall
            // number at entry, and at exit a value with the carry clear.
            Ok(Some(Event::SyscallEntry)) => r.r_rax = orig as i64,
            Ok(Some(Event::SyscallExit)) => r.r_rflags &= !bsdtrace::abi::PSL_C,
            _ => {}
        }
        self.tracer.set_regs(t, &r)?;
        if arch::fp_differs(&old, g) {
            self.tracer.set_fpregs(t, &f)?;
        }
        if fs != u64::from_le_bytes(old[arch::O_FS_BASE..arch::O_FS_BASE + 8].try_into().expect("8")) {
            self.tracer.set_fsbase(t, fs)?;
        }
        if gs != u64::from_le_bytes(old[arch::O_GS_BASE..arch::O_GS_BASE + 8].try_into().expect("8")) {
            self.tracer.set_gsbase(t, gs)?;
        }
        if orig != u64::from_le_bytes(old[arch::O_ORIG_RAX..arch::O_ORIG_RAX + 8].try_into().expect("8")) {
            // Last: the engine's register writes restore its cached copy.
            bsdtrace::sys::pokeuser(p.tid, ORIG_RAX_OFFSET, orig)?;
        }
        // The thread no longer sits past an int3 of ours if gdb moved it.
        if let Some(pr) = self.procs.get_mut(&p.pid) {
            pr.rewound.remove(&p.tid);
        }
        Ok(())
    }

    fn xstate(&mut self, p: Ptid) -> Result<Vec<u8>, Error> {
        if let Some(x) = self.xcache.get(&p.tid) {
            return Ok(x.clone());
        }
        let x = self.tracer.get_regset(T::Lwp(Lwpid(p.tid)), bsdtrace::request::regset::NT_X86_XSTATE)?;
        self.xcache.insert(p.tid, x.clone());
        Ok(x)
    }

    /// Whether the process runs a 32-bit (i386) program (the engine keeps
    /// the answer until an exec).
    pub fn is_i386(&mut self, pid: i32) -> bool {
        self.tracer.arch(T::Proc(Pid(pid))) == Ok(bsdtrace::sysent::Arch::I386)
    }

    /// The register file gdb sees for the process.
    pub fn layout_of(&mut self, pid: i32) -> &Layout {
        if self.is_i386(pid) {
            &self.layout32
        } else {
            &self.layout
        }
    }

    /// The `g` packet of a thread, in its program's register file.
    pub fn wire_g(&mut self, p: Ptid) -> Result<Vec<u8>, Error> {
        let g = self.g_image(p)?;
        Ok(self.layout_of(p.pid).wire_g(&g))
    }

    /// The `G` packet; false if it has the wrong length.
    pub fn set_wire_g(&mut self, p: Ptid, wire: &[u8]) -> Result<bool, Error> {
        let mut g = self.g_image(p)?;
        if !self.layout_of(p.pid).apply_wire(wire, &mut g) {
            return Ok(false);
        }
        self.set_g_image(p, &g)?;
        Ok(true)
    }

    /// Register `n` as gdb numbers it for the program (`p` packet).
    pub fn read_wire_register(&mut self, p: Ptid, n: usize) -> Result<Option<Vec<u8>>, Error> {
        if !self.is_i386(p.pid) {
            return self.read_register(p, n);
        }
        let g = self.g_image(p)?;
        Ok(self.layout32.read(n, &g, None))
    }

    /// Register `n` as gdb numbers it for the program (`P` packet).
    pub fn write_wire_register(&mut self, p: Ptid, n: usize, bytes: &[u8]) -> Result<bool, Error> {
        if !self.is_i386(p.pid) {
            return self.write_register(p, n, bytes);
        }
        let mut g = self.g_image(p)?;
        if !self.layout32.write(n, bytes, &mut g, None) {
            return Ok(false);
        }
        self.set_g_image(p, &g)?;
        Ok(true)
    }

    /// Register `n` (amd64 numbering, the engine's view).
    pub fn read_register(&mut self, p: Ptid, n: usize) -> Result<Option<Vec<u8>>, Error> {
        if n >= self.layout.regs.len() {
            return Ok(None);
        }
        let g = self.g_image(p)?;
        let x = if self.layout.needs_xstate(n) { Some(self.xstate(p)?) } else { None };
        Ok(self.layout.read(n, &g, x.as_deref()))
    }

    /// Register `n` (`P` packet); false: no such register or wrong size.
    pub fn write_register(&mut self, p: Ptid, n: usize, bytes: &[u8]) -> Result<bool, Error> {
        if self.layout.needs_xstate(n) {
            let mut g = Vec::new();
            let mut x = self.xstate(p)?;
            if !self.layout.write(n, bytes, &mut g, Some(&mut x)) {
                return Ok(false);
            }
            self.xcache.remove(&p.tid);
            self.tracer.set_regset(T::Lwp(Lwpid(p.tid)), bsdtrace::request::regset::NT_X86_XSTATE, &x)?;
            return Ok(true);
        }
        let mut g = self.g_image(p)?;
        if !self.layout.write(n, bytes, &mut g, None) {
            return Ok(false);
        }
        self.set_g_image(p, &g)?;
        Ok(true)
    }

    /// rbp, rsp and rip: what a stop reply carries (one PT_GETREGS, shared
    /// with the rest of the stop).
    pub fn frame_regs(&mut self, p: Ptid) -> Option<[u64; 3]> {
        let r = self.tracer.get_regs(T::Lwp(Lwpid(p.tid))).ok()?;
        Some([r.r_rbp as u64, r.r_rsp as u64, r.r_rip as u64])
    }

    /// The pc (one PT_GETREGS per stop, shared; not the whole `g` image).
    fn pc(&mut self, p: Ptid) -> u64 {
        self.frame_regs(p).map(|r| r[2]).unwrap_or(0)
    }

    // ---- memory ----

    /// The process whose breakpoint table covers `pid`'s memory.
    pub(super) fn owner(&self, pid: i32) -> i32 {
        self.procs.get(&pid).and_then(|p| p.shares).filter(|o| self.procs.contains_key(o)).unwrap_or(pid)
    }

    /// Read memory; returns how many bytes were readable (0: none). Our
    /// int3s read as the bytes they replace, as gdbserver shows them.
    pub fn read_memory(&mut self, pid: i32, addr: u64, data: &mut [u8]) -> usize {
        let n = match self.mem_read(pid, addr, data) {
            Ok(()) => data.len(),
            Err(Error::Fault { done, .. }) => done,
            Err(_) => 0,
        };
        let end = addr.saturating_add(n as u64);
        let owner = self.owner(pid);
        if let Some(p) = self.procs.get(&owner) {
            if !p.vfork_hidden {
                for (&a, bp) in p.bps.range(addr..end) {
                    data[(a - addr) as usize] = bp.orig;
                }
            }
        }
        n
    }

    /// Write memory; our int3s stay in place (gdb's bytes go under them).
    pub fn write_memory(&mut self, pid: i32, addr: u64, data: &[u8]) -> Result<(), Error> {
        let mut buf = data.to_vec();
        let end = addr.saturating_add(data.len() as u64);
        let owner = self.owner(pid);
        if let Some(p) = self.procs.get_mut(&owner) {
            let hidden = p.vfork_hidden;
            for (&a, bp) in p.bps.range_mut(addr..end) {
                let i = (a - addr) as usize;
                bp.orig = buf[i];
                if !hidden {
                    buf[i] = 0xcc;
                }
            }
        }
        self.mem_write(pid, addr, &buf)
    }

    // ---- breakpoints and watchpoints ----

    /// Z0: an int3 written through /proc/PID/mem (reaches read-only text);
    /// inserting it again replaces its conditions and commands.
    pub fn insert_breakpoint(&mut self, pid: i32, addr: u64, conds: Vec<Vec<u8>>, cmds: Vec<Vec<u8>>, persist: bool) -> bool {
        let owner = self.owner(pid);
        let Some(p) = self.procs.get_mut(&owner) else { return false };
        if let Some(bp) = p.bps.get_mut(&addr).or_else(|| p.hwbps.get_mut(&addr).map(|(b, _)| b)) {
            bp.conds = conds;
            bp.cmds = cmds;
            bp.persist = persist;
            return true;
        }
        if (!conds.is_empty() || !cmds.is_empty()) && owner == pid && addr < USER_END {
            if let Some(i) = p.slots.iter().position(|x| x.is_none()) {
                p.slots[i] = Some(Slot { addr, len: 1, watch: None, ours: true });
                p.slots_gen += 1;
                p.hwbps.insert(addr, (Breakpoint { orig: 0, conds, cmds, persist }, i));
                return true;
            }
        }
        let hidden = p.vfork_hidden;
        let mut orig = [0u8];
        if self.mem_read(owner, addr, &mut orig).is_err() {
            return false;
        }
        if !hidden && self.mem_write(owner, addr, &[0xcc]).is_err() {
            return false;
        }
        let p = self.procs.get_mut(&owner).expect("checked");
        p.bps.insert(addr, Breakpoint { orig: orig[0], conds, cmds, persist });
        true
    }

    pub fn remove_breakpoint(&mut self, pid: i32, addr: u64) -> bool {
        let owner = self.owner(pid);
        let Some(p) = self.procs.get_mut(&owner) else { return false };
        let hidden = p.vfork_hidden;
        if let Some((_, i)) = p.hwbps.remove(&addr) {
            p.slots[i] = None;
            p.slots_gen += 1;
            return true;
        }
        let Some(bp) = p.bps.remove(&addr) else { return false };
        if let Some(ns) = self.ns.as_mut() {
            ns.removed(owner, addr);
        }
        hidden || self.mem_write(owner, addr, &[bp.orig]).is_ok()
    }

    /// Z1-Z4 through the debug registers of every LWP (4 slots, lengths
    /// 1/2/4/8, aligned).
    pub fn insert_slot(&mut self, pid: i32, addr: u64, len: u64, watch: Option<WatchKind>) -> bool {
        let s = Slot { addr, len, watch, ours: false };
        #[allow(clippy::manual_is_multiple_of)] // is_multiple_of needs Rust 1.87; MSRV is 1.85
        let aligned = matches!(len, 1 | 2 | 4 | 8) && addr % len == 0;
        if !aligned || addr >= USER_END {
            return false;
        }
        let Some(p) = self.procs.get_mut(&pid) else { return false };
        if p.slots.contains(&Some(s)) {
            return true;
        }
        if p.slots.iter().all(|x| x.is_some()) {
            // gdb's own hardware breakpoints and watchpoints come first: a
            // slot holding one of our conditional breakpoints goes back to
            // an int3.
            if let Some((&a, _)) = p.hwbps.iter().next() {
                let (bp, i) = p.hwbps.remove(&a).expect("present");
                p.slots[i] = None;
                p.slots_gen += 1;
                let mut orig = [0u8];
                if self.mem_read(pid, a, &mut orig).is_ok() && self.mem_write(pid, a, &[0xcc]).is_ok()
                {
                    let p = self.procs.get_mut(&pid).expect("present");
                    p.bps.insert(a, Breakpoint { orig: orig[0], ..bp });
                }
            }
        }
        let p = self.procs.get_mut(&pid).expect("present");
        match p.slots.iter().position(|x| x.is_none()) {
            Some(i) => {
                p.slots[i] = Some(s);
                p.slots_gen += 1;
                true
            }
            None => false,
        }
    }

    pub fn remove_slot(&mut self, pid: i32, addr: u64, len: u64, watch: Option<WatchKind>) -> bool {
        let Some(p) = self.procs.get_mut(&pid) else { return false };
        match p.slots.iter().position(|x| *x == Some(Slot { addr, len, watch, ours: false })) {
            Some(i) => {
                p.slots[i] = None;
                p.slots_gen += 1;
                true
            }
            None => false,
        }
    }

    fn dbreg_image(p: &Process) -> dbreg {
        let mut d = dbreg { dr: [0; 16] };
        for (i, s) in p.slots.iter().enumerate() {
            let Some(s) = s else { continue };
            d.dr[i] = s.addr;
            let rw = match s.watch {
                None => 0,
                Some(WatchKind::Write) => 1,
                Some(WatchKind::Read) | Some(WatchKind::Access) => 3,
            };
            let len = match s.len {
                2 => 1,
                4 => 3,
                8 => 2,
                _ => 0,
            };
            d.dr[7] |= (1 << (i * 2)) | (rw << (16 + i * 4)) | (len << (18 + i * 4));
        }
        d
    }

    /// Give every LWP the current debug registers (before each resume;
    /// each LWP records the generation it has).
    pub(super) fn sync_dbregs(&mut self, pid: i32) {
        if self.procs.get(&pid).is_none_or(|p| p.slots_gen == 0) {
            // No debug register was ever asked for: nothing to clear.
            return;
        }
        let lwps = self.lwps(pid);
        let Some(p) = self.procs.get(&pid) else { return };
        let img = Self::dbreg_image(p);
        let gen = p.slots_gen;
        let todo: Vec<Lwpid> = lwps.into_iter().filter(|l| p.applied.get(&l.0) != Some(&gen)).collect();
        for l in todo {
            let t = T::Lwp(l);
            let mut d = img;
            if let Ok(cur) = self.tracer.get_dbregs(t) {
                d.dr[6] = cur.dr[6];
            }
            if self.tracer.set_dbregs(t, &d).is_ok() {
                self.procs.get_mut(&pid).expect("present").applied.insert(l.0, gen);
            }
        }
    }

    // ---- resuming ----

    /// `vCont` (and `c`/`s`): resume every process some action names.
    /// Returns false if no thread is resumed (nothing to wait for).
    pub fn resume(&mut self, actions: &[(Action, Sel)]) -> Result<bool, Error> {
        let pids: Vec<i32> = self.procs.keys().copied().collect();
        let mut resumed = Vec::new();
        for &pid in &pids {
            let mine: Vec<(Action, Sel)> = actions.iter().copied().filter(|(_, s)| s.may_match_proc(pid)).collect();
            let any = self.lwps(pid).iter().any(|l| mine.iter().any(|(_, s)| s.matches(Ptid { pid, tid: l.0 })));
            let p = self.procs.get_mut(&pid).expect("listed");
            if any && p.run == Run::Stopped {
                p.actions = mine;
                resumed.push(pid);
            }
        }
        if resumed.is_empty() {
            return Ok(false);
        }
        self.waiting = true;
        self.ctrl_c = false;
        // A stop kept from before is reported now, without resuming
        // anything; a breakpoint hit whose breakpoint gdb has removed
        // since never happened (the thread sits on the original
        // instruction).
        while let Some(i) = self.queue.iter().position(|s| resumed.contains(&s.ptid.pid)) {
            let s = self.queue.remove(i).expect("found");
            if s.kind == StopKind::SwBreak {
                let pc = self.pc(s.ptid);
                let owner = self.owner(s.ptid.pid);
                if !self.procs[&owner].bps.contains_key(&pc) && !self.procs[&s.ptid.pid].hwbps.contains_key(&pc) {
                    continue;
                }
            }
            self.reporting = Some(s);
            return Ok(true);
        }
        if let [(Action::Step(0), Sel::Thread(t))] = actions {
            if self.emulate_step(*t) {
                self.reporting = Some(Stop { ptid: *t, kind: StopKind::Step });
                return Ok(true);
            }
        }
        for pid in resumed {
            self.resume_process(pid, None)?;
        }
        Ok(true)
    }

    /// gdb steps one thread alone (stepping over a breakpoint, `stepi`
    /// with the others locked): execute its instruction here if it is one
    /// we emulate ([`emulate`]), sparing a trap round trip. Only from a
    /// trap stop (a breakpoint or a step: user mode, between
    /// instructions; never inside an interrupted syscall), with no
    /// watchpoint that an access could fire, no RF pending, and none of
    /// our int3s inside the instruction.
    fn emulate_step(&mut self, t: Ptid) -> bool {
        // The emulator decodes x86-64 instructions only.
        if !self.emulate_steps || !self.is_stopped(t.pid) || self.is_i386(t.pid) {
            return false;
        }
        let lt = T::Lwp(Lwpid(t.tid));
        if !matches!(self.tracer.stop_event(lt), Ok((_, Some(Event::Signal { sig: libc::SIGTRAP })))) {
            return false;
        }
        let p = &self.procs[&t.pid];
        if p.slots.iter().any(|s| s.is_some_and(|s| s.watch.is_some())) || p.step_over.is_some() {
            return false;
        }
        let Ok(r) = self.tracer.get_regs(lt) else { return false };
        if r.r_rflags & (0x10000 | 0x100) != 0 {
            // RF (a debug-register hit to skip) or TF (the program steps
            // itself): the CPU's business.
            return false;
        }
        let rip = r.r_rip as u64;
        let mut code = [0u8; 16];
        let n = self.read_memory(t.pid, rip, &mut code);
        let (fs, gs) = (self.tracer.get_fsbase(lt).unwrap_or(0), self.tracer.get_gsbase(lt).unwrap_or(0));
        let tracer = &mut self.tracer;
        let pid = t.pid;
        let mut read = |a: u64, buf: &mut [u8]| tracer.read_memory(T::Proc(Pid(pid)), a, buf).is_ok();
        let Some(e) = emulate::step(&code[..n], &r, fs, gs, &mut read) else { return false };
        let len = (e.regs.r_rip as u64).wrapping_sub(rip);
        let owner = self.owner(t.pid);
        if self.procs[&owner].bps.range(rip..rip.saturating_add(16)).next().is_some_and(|(&a, _)| a < rip + len.min(16)) {
            return false;
        }
        if let Some((addr, bytes)) = &e.write {
            if self.write_memory(t.pid, *addr, bytes).is_err() {
                // Unwritable: let the CPU fault.
                return false;
            }
        }
        self.gcache.clear();
        self.xcache.clear();
        let ok = self.tracer.set_regs(lt, &e.regs).is_ok();
        self.emulated += ok as u64;
        ok
    }

    /// Resume one stopped process with its current actions; `sig`
    /// overrides the signal given to the reporting thread.
    fn resume_process(&mut self, pid: i32, sig: Option<i32>) -> Result<(), Error> {
        self.sync_dbregs(pid);
        self.gcache.clear();
        self.xcache.clear();
        let t = T::Proc(Pid(pid));
        let (xthread, _) = self.tracer.stop_event(t)?;
        let p = &self.procs[&pid];
        let mut sig_x = 0;
        let mut any = false;
        for l in self.lwps(pid) {
            let lt = T::Lwp(l);
            match p.action_for(Ptid { pid, tid: l.0 }) {
                Some(a) => {
                    any = true;
                    self.tracer.unsuspend(lt)?;
                    if a.steps() {
                        self.tracer.set_step(lt)?;
                    } else {
                        self.tracer.clear_step(lt)?;
                    }
                    if l == xthread {
                        sig_x = a.signal();
                    }
                }
                None => {
                    self.tracer.suspend(lt)?;
                    self.tracer.clear_step(lt)?;
                }
            }
        }
        // A signal gdb names is delivered; one the server delivers on its
        // own (passed, or held while stopping for another report) only if
        // `QProgramSignals` allows it.
        let allowed = |s: i32| s > 0 && self.opts.program.is_none_or(|m| m & (1u64 << (s - 1)) != 0);
        let deferred = std::mem::take(&mut self.procs.get_mut(&pid).expect("present").deferred_sig);
        if let Some(s) = sig {
            sig_x = if allowed(s) { s } else { 0 };
        }
        if sig_x == 0 && allowed(deferred) {
            sig_x = deferred;
        }
        if !any {
            // Every thread gdb named is gone: nothing runs, nothing will stop.
            return Ok(());
        }
        self.tracer.resume(t, Resume::Continue, None, sig_x)?;
        self.procs.get_mut(&pid).expect("present").run = Run::Running;
        Ok(())
    }

    /// Ctrl-C: stop every running process with the engine's interrupt (no
    /// signal: nothing the program can catch or block, and nothing left
    /// queued when another stop answers first).
    pub fn interrupt(&mut self) {
        if !self.waiting {
            return;
        }
        self.ctrl_c = true;
        let running: Vec<i32> = self.procs.iter().filter(|(_, p)| p.run == Run::Running).map(|(k, _)| *k).collect();
        for pid in running {
            let _ = self.tracer.interrupt(T::Proc(Pid(pid)));
        }
    }

    /// Is any process running (so a stop may come)?
    pub fn any_running(&self) -> bool {
        self.procs.values().any(|p| p.run == Run::Running)
    }

    /// Collect what the engine has (never blocks); a stop to report to gdb
    /// once every process is stopped.
    pub fn poll(&mut self) -> Result<Option<Stop>, Error> {
        loop {
            if self.reporting.is_some() && !self.any_running_blocking() {
                self.waiting = false;
                self.ctrl_c = false;
                return Ok(self.reporting.take());
            }
            if !self.waiting && !self.any_running() {
                return Ok(None);
            }
            if self.waiting && self.reporting.is_none() && !self.any_running() {
                // Nothing runs and nothing is to be reported: every
                // resumed thread is gone (or none was resumed).
                self.waiting = false;
                let ptid = self.threads().first().copied().unwrap_or(Ptid { pid: 0, tid: 0 });
                return Ok(Some(Stop { ptid, kind: StopKind::NoResumed }));
            }
            match self.tracer.wait(-1, WaitOptions::NOHANG)? {
                None => return Ok(None),
                Some((pid, st)) => self.on_status(pid.0, st, false),
            }
        }
    }

    /// Running processes we must wait for before reporting (a vfork
    /// parent cannot stop until its child lets it go: not waited for).
    fn any_running_blocking(&self) -> bool {
        self.procs.values().any(|p| p.run == Run::Running && !p.in_vfork)
    }

    /// A status from the engine. `quiet`: we are only stopping it (kill,
    /// detach): keep a real event for later, report nothing.
    fn on_status(&mut self, pid: i32, st: WaitStatus, quiet: bool) {
        let outcome = match st {
            WaitStatus::Exited(code) => {
                let known = self.procs.contains_key(&pid);
                self.forget(pid);
                if !known {
                    return;
                }
                Outcome::Report(Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Exited(code) })
            }
            WaitStatus::Signaled { sig, .. } => {
                let known = self.procs.contains_key(&pid);
                self.forget(pid);
                if !known {
                    return;
                }
                Outcome::Report(Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Signaled(sig) })
            }
            WaitStatus::Stopped(_) => {
                if !self.procs.contains_key(&pid) {
                    // A process we do not debug (a fork child being let go
                    // is collected where it is handled).
                    return;
                }
                self.procs.get_mut(&pid).expect("checked").run = Run::Stopped;
                // While stopping everything for a report (or for a kill or
                // detach) nothing may be resumed.
                let hold = quiet || self.reporting.is_some();
                match self.classify(pid, hold) {
                    Ok(o) => o,
                    Err(_) => Outcome::Hold,
                }
            }
            WaitStatus::JobStopped(_) | WaitStatus::Continued => return,
        };
        // A Ctrl-C is owed: a stop we would hide answers it instead (the
        // interrupt itself is lost when another stop was on its way).
        let outcome = match outcome {
            Outcome::Resume(sig) if self.ctrl_c && !quiet && self.reporting.is_none() => {
                let ptid = self.reporting_thread(pid).unwrap_or(Ptid { pid, tid: pid });
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.deferred_sig = sig;
                }
                Outcome::Report(Stop { ptid, kind: StopKind::Interrupted })
            }
            o => o,
        };
        match outcome {
            Outcome::Hold | Outcome::Resumed => {}
            Outcome::Resume(sig) => {
                if quiet || self.reporting.is_some() {
                    // Stopping it: the signal waits for gdb's next resume.
                    if let Some(p) = self.procs.get_mut(&pid) {
                        p.deferred_sig = sig;
                    }
                } else if self.resume_process(pid, Some(sig)).is_err() {
                    // It died meanwhile: its exit comes next.
                }
            }
            Outcome::Report(stop) => self.report(stop),
        }
    }

    /// A stop for gdb: all-stop, so every other running process is
    /// stopped first; stops that race in meanwhile wait their turn.
    fn report(&mut self, stop: Stop) {
        if !self.waiting || self.reporting.is_some() {
            self.queue.push_back(stop);
            return;
        }
        self.reporting = Some(stop);
        let running: Vec<i32> = self.procs.iter().filter(|(_, p)| p.run == Run::Running).map(|(k, _)| *k).collect();
        for pid in running {
            let _ = self.tracer.interrupt(T::Proc(Pid(pid)));
        }
    }

    // ---- classifying stops ----

    fn classify(&mut self, pid: i32, quiet: bool) -> Result<Outcome, Error> {
        self.gcache.clear();
        self.xcache.clear();
        self.rewind_breakpoint_hits(pid);
        let (l, ev) = self.tracer.stop_event(T::Proc(Pid(pid)))?;
        let ptid = Ptid { pid, tid: l.0 };
        let p = self.procs.get_mut(&pid).expect("checked");
        if let Some(so) = p.step_over.take() {
            // Put the int3 back (unless gdb removed the breakpoint).
            let owner = self.owner(pid);
            if self.procs[&owner].bps.contains_key(&so.addr) && !self.procs[&owner].vfork_hidden {
                let _ = self.tracer.write_memory(T::Proc(Pid(owner)), so.addr, &[0xcc]);
            }
            if so.tid == l.0 && ev == Some(Event::Signal { sig: libc::SIGTRAP }) && !self.procs[&pid].rewound.contains(&l.0) {
                // The step over it is done: on as gdb asked.
                return Ok(self.after_step(ptid, quiet));
            }
        }
        let action = self.procs[&pid].action_for(ptid);
        Ok(match ev {
            Some(Event::Signal { sig: libc::SIGTRAP }) => {
                if self.procs.get_mut(&pid).expect("checked").rewound.remove(&l.0) {
                    return self.breakpoint_hit(ptid, action, quiet);
                }
                if let Some(o) = self.hw_breakpoint_hit(ptid, action, quiet) {
                    return Ok(o);
                }
                if let Some(k) = self.debug_trap(pid, l)? {
                    return Ok(Outcome::Report(Stop { ptid, kind: k }));
                }
                let by_step = self
                    .tracer
                    .stop_siginfo(T::Lwp(l))
                    .ok()
                    .flatten()
                    .is_some_and(|si| bsdtrace::sys::si::code(&si) == 2 /* TRAP_TRACE */);
                if by_step && action.is_some_and(|a| a.steps()) {
                    self.after_step(ptid, quiet)
                } else {
                    self.signal_stop(ptid, libc::SIGTRAP, action)
                }
            }
            Some(Event::Interrupt) => {
                if self.ctrl_c && !quiet {
                    self.ctrl_c = false;
                    Outcome::Report(Stop { ptid, kind: StopKind::Interrupted })
                } else {
                    Outcome::Hold
                }
            }
            Some(Event::Signal { sig }) | Some(Event::TraceMe { sig }) => self.signal_stop(ptid, sig, action),
            Some(Event::Attach) | Some(Event::Child) => Outcome::Report(Stop { ptid, kind: StopKind::Signal(libc::SIGSTOP) }),
            Some(Event::SyscallEntry) | Some(Event::SyscallExit) => {
                let nr = bsdtrace::sys::peekuser(l.0, ORIG_RAX_OFFSET).unwrap_or(u64::MAX);
                let wanted = self.opts.catch_syscalls.as_ref().is_some_and(|set| set.is_empty() || set.contains(&nr));
                if !wanted || quiet {
                    if quiet {
                        Outcome::Hold
                    } else {
                        Outcome::Resume(0)
                    }
                } else if ev == Some(Event::SyscallEntry) {
                    Outcome::Report(Stop { ptid, kind: StopKind::SyscallEntry(nr) })
                } else {
                    Outcome::Report(Stop { ptid, kind: StopKind::SyscallReturn(nr) })
                }
            }
            Some(Event::Exec { .. }) => {
                // The int3s and debug registers went with the old image.
                let path = exe_path(pid);
                let p = self.procs.get_mut(&pid).expect("checked");
                p.bps.clear();
                p.hwbps.clear();
                p.rewound.clear();
                p.slots = [None; 4];
                p.slots_gen += 1;
                p.applied.clear();
                p.exe = path.clone();
                if let Some(parent) = p.shares.take() {
                    self.vfork_released(parent);
                }
                let _ = self.configure(pid);
                if self.opts.exec_events {
                    Outcome::Report(Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Exec(path.unwrap_or_default()) })
                } else {
                    Outcome::Report(Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Signal(libc::SIGTRAP) })
                }
            }
            Some(Event::Forked { child, vfork }) => self.forked(ptid, child.0, vfork, quiet),
            Some(Event::VforkDone) => {
                self.procs.get_mut(&pid).expect("checked").in_vfork = false;
                if self.procs[&pid].vfork_hidden {
                    self.restore_after_vfork(pid);
                    if quiet {
                        Outcome::Hold
                    } else {
                        Outcome::Resume(0)
                    }
                } else if self.opts.vfork_events {
                    Outcome::Report(Stop { ptid, kind: StopKind::VforkDone })
                } else if quiet {
                    Outcome::Hold
                } else {
                    Outcome::Resume(0)
                }
            }
            Some(Event::Born) => {
                if self.opts.thread_events && !quiet {
                    Outcome::Report(Stop { ptid, kind: StopKind::ThreadCreated })
                } else if quiet {
                    Outcome::Hold
                } else {
                    Outcome::Resume(0)
                }
            }
            Some(Event::Exited) => {
                if self.opts.thread_events && !quiet && l.0 != pid {
                    Outcome::Report(Stop { ptid, kind: StopKind::ThreadExited(0) })
                } else if quiet {
                    Outcome::Hold
                } else {
                    Outcome::Resume(0)
                }
            }
            None => Outcome::Report(Stop { ptid, kind: StopKind::Signal(libc::SIGTRAP) }),
        })
    }

    /// A single step of `p` ended (its own or one over a breakpoint).
    fn after_step(&mut self, p: Ptid, quiet: bool) -> Outcome {
        match self.procs[&p.pid].action_for(p) {
            Some(Action::Range(start, end)) => {
                let pc = self.pc(p);
                if (start..end).contains(&pc) && !quiet {
                    Outcome::Resume(0)
                } else {
                    Outcome::Report(Stop { ptid: p, kind: StopKind::Step })
                }
            }
            Some(Action::Step(_)) => Outcome::Report(Stop { ptid: p, kind: StopKind::Step }),
            _ if quiet => Outcome::Hold,
            _ => Outcome::Resume(0),
        }
    }

    fn signal_stop(&mut self, p: Ptid, sig: i32, action: Option<Action>) -> Outcome {
        let pass = (1..=64).contains(&sig) && self.opts.pass & (1u64 << (sig - 1)) != 0;
        if pass && !action.is_some_and(|a| a.steps()) {
            Outcome::Resume(sig)
        } else {
            Outcome::Report(Stop { ptid: p, kind: StopKind::Signal(sig) })
        }
    }

    /// `p` stopped at one of our int3s (rip already moved back onto it).
    fn breakpoint_hit(&mut self, p: Ptid, action: Option<Action>, quiet: bool) -> Result<Outcome, Error> {
        let pc = self.pc(p);
        let owner = self.owner(p.pid);
        let Some(bp) = self.procs[&owner].bps.get(&pc).cloned() else {
            // gdb removed it while the hit was pending: it never happened.
            return Ok(if quiet { Outcome::Hold } else { Outcome::Resume(0) });
        };
        let stepping = action.is_some_and(|a| matches!(a, Action::Step(_)));
        if stepping || (bp.conds.is_empty() && bp.cmds.is_empty()) {
            return Ok(Outcome::Report(Stop { ptid: p, kind: StopKind::SwBreak }));
        }
        if quiet {
            // No step over now: the thread sits on the int3 and meets it
            // again at the next resume, conditions and all.
            return Ok(Outcome::Hold);
        }
        if self.ctrl_c {
            // Ctrl-C answered here; the hit comes again at the next resume.
            return Ok(Outcome::Report(Stop { ptid: p, kind: StopKind::Interrupted }));
        }
        let true_now = bp.conds.is_empty() || bp.conds.iter().any(|c| self.eval(p, c).is_none_or(|v| v != 0));
        if true_now && !bp.cmds.is_empty() {
            for c in &bp.cmds {
                let _ = self.run_commands(p, c);
            }
        } else if true_now {
            return Ok(Outcome::Report(Stop { ptid: p, kind: StopKind::SwBreak }));
        }
        self.step_over(p, pc)?;
        Ok(Outcome::Resumed)
    }

    /// `p` stopped at one of our conditional breakpoints held in a debug
    /// register (`None` if it did not). The kernel set RF, so resuming
    /// runs the instruction: a false condition costs nothing more.
    fn hw_breakpoint_hit(&mut self, p: Ptid, action: Option<Action>, quiet: bool) -> Option<Outcome> {
        if self.procs.get(&p.pid).is_none_or(|pr| pr.hwbps.is_empty()) {
            return None;
        }
        let pc = self.pc(p);
        let bp = self.procs[&p.pid].hwbps.get(&pc)?.0.clone();
        let by_dr = bsdtrace::sys::siginfo(p.tid).is_ok_and(|si| bsdtrace::sys::si::code(&si) == TRAP_HWBKPT);
        if !by_dr {
            return None;
        }
        if action.is_some_and(|a| matches!(a, Action::Step(_))) {
            return Some(Outcome::Report(Stop { ptid: p, kind: StopKind::SwBreak }));
        }
        // Evaluated now whatever else is going on: the hit will not come
        // again (RF).
        let true_now = bp.conds.is_empty() || bp.conds.iter().any(|c| self.eval(p, c).is_none_or(|v| v != 0));
        if true_now && bp.cmds.is_empty() {
            return Some(Outcome::Report(Stop { ptid: p, kind: StopKind::SwBreak }));
        }
        if true_now {
            for c in &bp.cmds {
                let _ = self.run_commands(p, c);
            }
        }
        Some(if quiet {
            Outcome::Hold
        } else if self.ctrl_c {
            Outcome::Report(Stop { ptid: p, kind: StopKind::Interrupted })
        } else {
            Outcome::Resume(0)
        })
    }

    /// Run only `p` one instruction with the original byte at `addr`; the
    /// int3 goes back when the step is done.
    fn step_over(&mut self, p: Ptid, addr: u64) -> Result<(), Error> {
        let owner = self.owner(p.pid);
        if let Some(orig) = self.procs[&owner].bps.get(&addr).map(|b| b.orig) {
            self.tracer.write_memory(T::Proc(Pid(owner)), addr, &[orig])?;
        }
        self.sync_dbregs(p.pid);
        self.gcache.clear();
        self.xcache.clear();
        for l in self.lwps(p.pid) {
            let t = T::Lwp(l);
            if l.0 == p.tid {
                self.tracer.unsuspend(t)?;
                self.tracer.set_step(t)?;
            } else {
                self.tracer.suspend(t)?;
                self.tracer.clear_step(t)?;
            }
        }
        let pr = self.procs.get_mut(&p.pid).expect("checked");
        pr.step_over = Some(StepOver { tid: p.tid, addr });
        self.tracer.resume(T::Proc(Pid(p.pid)), Resume::Continue, None, 0)?;
        self.procs.get_mut(&p.pid).expect("checked").run = Run::Running;
        Ok(())
    }

    fn eval(&mut self, p: Ptid, code: &[u8]) -> Option<u64> {
        agent::eval(code, &mut AgentCtx { inf: self, ptid: p }).ok()
    }

    fn run_commands(&mut self, p: Ptid, code: &[u8]) -> Result<(), agent::AgentError> {
        // Command bytecode ends with an empty stack: only its effects count.
        match agent::eval(code, &mut AgentCtx { inf: self, ptid: p }) {
            Ok(_) | Err(agent::AgentError::Malformed("empty stack at end")) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Move every LWP that sits just past one of our int3s back onto it,
    /// including LWPs whose stop is still pending in the engine: by the
    /// time their stop is reported, gdb may have removed the breakpoint.
    fn rewind_breakpoint_hits(&mut self, pid: i32) {
        let owner = self.owner(pid);
        if self.procs.get(&owner).is_none_or(|p| p.bps.is_empty()) {
            return;
        }
        for l in self.lwps(pid) {
            if self.procs[&pid].rewound.contains(&l.0) {
                continue;
            }
            let t = T::Lwp(l);
            let Ok((_, Some(Event::Signal { sig: libc::SIGTRAP }))) = self.tracer.stop_event(t) else { continue };
            let Ok(mut r) = self.tracer.get_regs(t) else { continue };
            let at = (r.r_rip as u64).wrapping_sub(1);
            if !self.procs[&owner].bps.contains_key(&at) {
                continue;
            }
            // Just past one of our int3s: was it the int3 (and not a step
            // or a jump that ended there)?
            let by_int3 =
                self.tracer.stop_siginfo(t).ok().flatten().is_some_and(|si| bsdtrace::sys::si::code(&si) == TRAP_BRKPT);
            if by_int3 {
                r.r_rip = at as i64;
                if self.tracer.set_regs(t, &r).is_ok() {
                    self.procs.get_mut(&pid).expect("checked").rewound.insert(l.0);
                }
            }
        }
    }

    /// A debug-register hit of LWP `l` (DR6 names the slot), cleared.
    pub(super) fn debug_trap(&mut self, pid: i32, l: Lwpid) -> Result<Option<StopKind>, Error> {
        let p = &self.procs[&pid];
        let gdbs = |s: &Option<Slot>| s.is_some_and(|s| !s.ours);
        if !p.slots.iter().any(gdbs) {
            return Ok(None);
        }
        let t = T::Lwp(l);
        let mut d = self.tracer.get_dbregs(t)?;
        let hit = (0..4).find(|&i| d.dr[6] & (1 << i) != 0 && gdbs(&p.slots[i])).and_then(|i| p.slots[i]);
        if d.dr[6] & 0xf != 0 {
            // DR6 is sticky: clear it so the next hit is told apart.
            d.dr[6] = 0;
            self.tracer.set_dbregs(t, &d)?;
        }
        Ok(hit.map(|s| match s.watch {
            None => StopKind::HwBreak,
            Some(kind) => StopKind::Watch(kind, s.addr),
        }))
    }

    // ---- forks ----

    /// `ptid` forked `child`. The child's first stop is collected here.
    /// If gdb wants fork events it gets the child as a new process
    /// (stopped, with a copy of our int3s it will take out or keep);
    /// otherwise the child is let go without them.
    fn forked(&mut self, ptid: Ptid, child: i32, vfork: bool, quiet: bool) -> Outcome {
        let stopped = matches!(self.tracer.wait(child, WaitOptions::BLOCK), Ok(Some((_, WaitStatus::Stopped(_)))));
        let tell = if vfork { self.opts.vfork_events } else { self.opts.fork_events };
        if vfork {
            self.procs.get_mut(&ptid.pid).expect("checked").in_vfork = true;
        }
        if tell && stopped {
            let parent = &self.procs[&ptid.pid];
            let mut c = Process::new(parent.attached);
            c.exe = parent.exe.clone();
            if vfork {
                c.shares = Some(self.owner(ptid.pid));
            } else {
                // The engine gave the child its parent's debug registers.
                c.hwbps = self.procs[&ptid.pid].hwbps.clone();
                c.slots = self.procs[&ptid.pid].slots;
                c.slots_gen = self.procs[&ptid.pid].slots_gen;
                c.bps = self.procs[&self.owner(ptid.pid)].bps.clone();
                if self.procs[&self.owner(ptid.pid)].vfork_hidden {
                    // The copy has no int3s in memory: put them in.
                    for &a in c.bps.keys() {
                        let _ = self.tracer.write_memory(T::Proc(Pid(child)), a, &[0xcc]);
                    }
                }
            }
            self.procs.insert(child, c);
            let _ = self.configure(child);
            return Outcome::Report(Stop { ptid, kind: StopKind::Fork { child, vfork } });
        }
        if stopped {
            if vfork {
                // It shares our memory: our int3s must be out of it until
                // it execs or exits (vfork-done), or it dies of SIGTRAP
                // at the first one it meets.
                self.hide_breakpoints_for_vfork(ptid.pid);
            } else {
                let owner = self.owner(ptid.pid);
                let bps: Vec<(u64, u8)> = if self.procs[&owner].vfork_hidden {
                    Vec::new()
                } else {
                    self.procs[&owner].bps.iter().map(|(&a, b)| (a, b.orig)).collect()
                };
                for (addr, orig) in bps {
                    let _ = self.tracer.write_memory(T::Proc(Pid(child)), addr, &[orig]);
                }
            }
            let _ = self.tracer.detach(T::Proc(Pid(child)), 0);
        }
        if quiet {
            Outcome::Hold
        } else {
            Outcome::Resume(0)
        }
    }

    fn hide_breakpoints_for_vfork(&mut self, pid: i32) {
        let owner = self.owner(pid);
        let p = self.procs.get_mut(&owner).expect("checked");
        if p.vfork_hidden {
            return;
        }
        p.vfork_hidden = true;
        let bps: Vec<(u64, u8)> = p.bps.iter().map(|(&a, b)| (a, b.orig)).collect();
        for (addr, orig) in bps {
            let _ = self.tracer.write_memory(T::Proc(Pid(owner)), addr, &[orig]);
        }
    }

    fn restore_after_vfork(&mut self, pid: i32) {
        let p = self.procs.get_mut(&pid).expect("checked");
        if !p.vfork_hidden {
            return;
        }
        p.vfork_hidden = false;
        let addrs: Vec<u64> = p.bps.keys().copied().collect();
        for addr in addrs {
            let _ = self.tracer.write_memory(T::Proc(Pid(pid)), addr, &[0xcc]);
        }
    }

    /// A vfork child gdb debugs execed or exited: its parent's memory is
    /// its own again.
    fn vfork_released(&mut self, parent: i32) {
        if let Some(p) = self.procs.get_mut(&parent) {
            p.in_vfork = false;
        }
    }

    // ---- what gdb reads about processes ----

    /// The siginfo of a thread's stop, as Linux gives it (`$_siginfo`).
    pub fn siginfo(&mut self, p: Ptid) -> Option<[u8; 128]> {
        let t = T::Lwp(Lwpid(p.tid));
        let ev = self.tracer.stop_event(t).ok()?.1;
        match ev {
            Some(Event::Interrupt) | Some(Event::Attach) => {
                let mut si = bsdtrace::sys::zeroed_siginfo();
                let sig = if ev == Some(Event::Interrupt) { libc::SIGINT } else { libc::SIGSTOP };
                bsdtrace::sys::si::set(&mut si, sig, libc::SI_USER, bsdtrace::sys::getpid(), bsdtrace::sys::getuid());
                Some(bsdtrace::sys::siginfo_bytes(&si))
            }
            Some(_) => bsdtrace::sys::siginfo(p.tid).ok().map(|si| bsdtrace::sys::siginfo_bytes(&si)),
            None => None,
        }
    }

    pub fn set_siginfo(&mut self, p: Ptid, bytes: &[u8]) -> bool {
        if bytes.len() != 128 {
            return false;
        }
        let mut si = bsdtrace::sys::zeroed_siginfo();
        bsdtrace::sys::copy_from_bytes(bytes, &mut si);
        bsdtrace::sys::set_siginfo(p.tid, &si).is_ok()
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
