//! The debugged process as gdbstub sees it: a multithreaded all-stop target
//! over the bsdtrace engine. Registers, memory, breakpoints and resumes go
//! through the engine's FreeBSD requests; nothing here calls ptrace.
//!
//! It must never resume a thread gdb asked to keep stopped (scheduler
//! locking is PT_SUSPEND) and never report a stop the engine has not
//! collected with its wait.

use super::arch::{Regs, X86_64Linux};
use bsdtrace::abi::{dbreg, fpreg, reg};
use bsdtrace::{Error, Event, Lwpid, Pid, Resume, Target as T, Tracer, WaitOptions, WaitStatus};
use gdbstub::common::{Signal, Tid};
use gdbstub::stub::MultiThreadStopReason;
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps, SwBreakpoint,
    SwBreakpointOps, WatchKind,
};
use gdbstub::target::ext::extended_mode::{
    Args, AttachKind, CurrentActivePid, CurrentActivePidOps, ExtendedMode, ExtendedModeOps, ShouldTerminate,
};
use gdbstub::target::{Target, TargetError, TargetResult};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::num::NonZeroUsize;

pub type StopReason = MultiThreadStopReason<u64>;

/// `orig_rax` in Linux's `struct user` (FreeBSD's `struct reg` has no slot
/// for it, so the engine's PT_GETREGS cannot carry it).
const ORIG_RAX_OFFSET: usize = 15 * 8;
/// FreeBSD's TRAP_BRKPT, which the engine reports for an int3 (SI_KERNEL).
const TRAP_BRKPT: i32 = 1;

/// One x86 debug-register slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    addr: u64,
    len: u64,
    /// `None`: an instruction breakpoint.
    watch: Option<WatchKind>,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Continue(Option<Signal>),
    Step(Option<Signal>),
}

pub struct Inferior {
    pub tracer: Tracer,
    pub pid: Pid,
    /// Software breakpoints: address -> the byte under the int3.
    breakpoints: BTreeMap<u64, u8>,
    /// LWPs stopped at an int3 whose rip we moved back onto the breakpoint.
    rewound: HashSet<i32>,
    slots: [Option<Slot>; 4],
    /// Bumped on each slot change; each LWP records the generation it has.
    slots_gen: u64,
    applied: HashMap<i32, u64>,
    actions: HashMap<i32, Action>,
    locked: bool,
    /// The process runs (a resume was issued, no stop reported yet).
    pub running: bool,
    /// Set when the process is gone.
    pub gone: bool,
    /// Attached to an existing process (gdb detaches from it on quit,
    /// and kills a program we started).
    pub attached: bool,
}

fn lwp(tid: Tid) -> T {
    T::Lwp(Lwpid(tid.get() as i32))
}

fn tid_of(l: Lwpid) -> Tid {
    NonZeroUsize::new(l.0 as usize).expect("tids are positive")
}

/// Host (Linux x86-64) signal number -> GDB's protocol number.
pub fn to_gdb_signal(sig: i32) -> Signal {
    const MAP: [u8; 32] = [
        0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 30, 11, 31, 13, 14, 15, 143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27,
        28, 23, 32, 12,
    ];
    Signal(match sig {
        1..=31 => MAP[sig as usize],
        32 => 77,
        33..=63 => 45 + (sig - 33) as u8,
        64 => 78,
        _ => 143,
    })
}

/// GDB's protocol number -> host signal number (0 if the host has none).
pub fn from_gdb_signal(s: Signal) -> i32 {
    (1..=64).find(|&h| to_gdb_signal(h) == s).unwrap_or(0)
}

impl Inferior {
    pub fn new(tracer: Tracer, pid: Pid, attached: bool) -> Inferior {
        Inferior {
            tracer,
            pid,
            breakpoints: BTreeMap::new(),
            rewound: HashSet::new(),
            slots: [None; 4],
            slots_gen: 0,
            applied: HashMap::new(),
            actions: HashMap::new(),
            locked: false,
            running: false,
            gone: false,
            attached,
        }
    }

    fn proc(&self) -> T {
        T::Proc(self.pid)
    }

    /// Ctrl-C: stop the running process with the engine's interrupt (no
    /// signal: nothing the program can catch or block, and nothing left
    /// queued when another stop answers first); the stop is reported as
    /// SIGINT, as gdb expects of an interrupt. If a stop is already on its
    /// way, that one answers the Ctrl-C.
    pub fn interrupt(&mut self) {
        if self.running && !self.gone {
            let _ = self.tracer.interrupt(self.proc());
        }
    }

    /// A stop or exit, if the engine has one (never blocks).
    pub fn poll_stop(&mut self) -> Result<Option<StopReason>, Error> {
        if self.gone {
            return Ok(None);
        }
        let st = match self.tracer.wait(self.pid.0, WaitOptions::NOHANG) {
            Ok(Some((_, st))) => st,
            Ok(None) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(match st {
            WaitStatus::Exited(code) => {
                self.gone = true;
                Some(StopReason::Exited(code as u8))
            }
            WaitStatus::Signaled { sig, .. } => {
                self.gone = true;
                Some(StopReason::Terminated(to_gdb_signal(sig)))
            }
            WaitStatus::Stopped(_) => {
                if let (_, Some(Event::Forked { child, vfork })) = self.tracer.stop_event(self.proc())? {
                    // gdb was not told about forks (no fork-events): let the
                    // child go without our int3s, and carry on.
                    self.release_child(child, vfork);
                    self.resume_with(false)?;
                    return Ok(None);
                }
                self.running = false;
                Some(self.classify_stop()?)
            }
            WaitStatus::JobStopped(_) | WaitStatus::Continued => None,
        })
    }

    /// Wait (blocking) for the first stop after spawn or attach, and
    /// follow forks from then on (see [`Inferior::release_child`]).
    pub fn wait_initial(&mut self) -> Result<(), String> {
        match self.tracer.wait(self.pid.0, WaitOptions::BLOCK) {
            Ok(Some((_, WaitStatus::Stopped(_)))) => self.tracer.follow_fork(self.proc(), true).map_err(|e| e.to_string()),
            Ok(Some((_, WaitStatus::Exited(127)))) => Err("not found or not executable".into()),
            Ok(Some((_, st))) => Err(format!("ended before its first stop ({st:?})")),
            Ok(None) => Err("did not stop".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// A forked child starts with a copy of our int3s, which would kill it
    /// with SIGTRAP: take them out of its copy (a vfork child shares the
    /// parent's memory, so it keeps them) and detach from it.
    fn release_child(&mut self, child: Pid, vfork: bool) {
        let stopped = matches!(self.tracer.wait(child.0, WaitOptions::BLOCK), Ok(Some((_, WaitStatus::Stopped(_)))));
        if !stopped {
            return;
        }
        if !vfork {
            for (&addr, &orig) in &self.breakpoints {
                let _ = self.tracer.write_memory(T::Proc(child), addr, &[orig]);
            }
        }
        let _ = self.tracer.detach(T::Proc(child), 0);
    }

    fn lwps(&self) -> Vec<Lwpid> {
        self.tracer.lwp_list(self.proc()).unwrap_or_default()
    }

    /// Move every LWP that sits just past one of our int3s back onto it,
    /// including LWPs whose stop is still pending in the engine: by the
    /// time their stop is reported, gdb may have removed the breakpoint.
    fn rewind_breakpoint_hits(&mut self) {
        for l in self.lwps() {
            if self.rewound.contains(&l.0) {
                continue;
            }
            let t = T::Lwp(l);
            let Ok((_, Some(Event::Signal { sig: libc::SIGTRAP }))) = self.tracer.stop_event(t) else { continue };
            let by_int3 = self
                .tracer
                .stop_siginfo(t)
                .ok()
                .flatten()
                .is_some_and(|si| bsdtrace::sys::si::code(&si) == TRAP_BRKPT);
            if !by_int3 {
                continue;
            }
            let Ok(mut r) = self.tracer.get_regs(t) else { continue };
            let at = (r.r_rip as u64).wrapping_sub(1);
            if self.breakpoints.contains_key(&at) {
                r.r_rip = at as i64;
                if self.tracer.set_regs(t, &r).is_ok() {
                    self.rewound.insert(l.0);
                }
            }
        }
    }

    fn classify_stop(&mut self) -> Result<StopReason, Error> {
        self.rewind_breakpoint_hits();
        let (l, ev) = self.tracer.stop_event(self.proc())?;
        let tid = tid_of(l);
        if let Some(Event::Exec { .. }) = ev {
            // The int3s went with the old image; gdb is not told of execs.
            self.breakpoints.clear();
            self.rewound.clear();
        }
        Ok(match ev {
            Some(Event::Signal { sig: libc::SIGTRAP }) => {
                if self.rewound.remove(&l.0) {
                    StopReason::SwBreak(tid)
                } else if let Some(r) = self.debug_trap(l)? {
                    r
                } else {
                    StopReason::SignalWithThread { tid, signal: Signal::SIGTRAP }
                }
            }
            Some(Event::Interrupt) => StopReason::SignalWithThread { tid, signal: Signal::SIGINT },
            Some(Event::Signal { sig }) | Some(Event::TraceMe { sig }) => {
                StopReason::SignalWithThread { tid, signal: to_gdb_signal(sig) }
            }
            Some(Event::Attach) | Some(Event::Child) => StopReason::SignalWithThread { tid, signal: Signal::SIGSTOP },
            _ => StopReason::SignalWithThread { tid, signal: Signal::SIGTRAP },
        })
    }

    /// A debug-register hit of LWP `l` (DR6 names the slot), cleared.
    fn debug_trap(&mut self, l: Lwpid) -> Result<Option<StopReason>, Error> {
        let t = T::Lwp(l);
        let mut d = self.tracer.get_dbregs(t)?;
        let hit = (0..4).find(|&i| d.dr[6] & (1 << i) != 0 && self.slots[i].is_some());
        if d.dr[6] & 0xf != 0 {
            // DR6 is sticky: clear it so the next hit is told apart.
            d.dr[6] = 0;
            self.tracer.set_dbregs(t, &d)?;
        }
        let tid = tid_of(l);
        Ok(hit.and_then(|i| self.slots[i]).map(|s| match s.watch {
            None => StopReason::HwBreak(tid),
            Some(kind) => StopReason::Watch { tid, kind, addr: s.addr },
        }))
    }

    fn dbreg_image(&self) -> dbreg {
        let mut d = dbreg { dr: [0; 16] };
        for (i, s) in self.slots.iter().enumerate() {
            let Some(s) = s else { continue };
            d.dr[i] = s.addr;
            let rw = match s.watch {
                None => 0,
                Some(WatchKind::Write) => 1,
                Some(WatchKind::Read) | Some(WatchKind::ReadWrite) => 3,
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

    /// Give every LWP the current debug registers (Linux does not copy them
    /// to new threads, so this runs before each resume).
    fn sync_dbregs(&mut self) {
        let img = self.dbreg_image();
        for l in self.lwps() {
            if self.applied.get(&l.0) == Some(&self.slots_gen) {
                continue;
            }
            let t = T::Lwp(l);
            let mut d = img;
            if let Ok(cur) = self.tracer.get_dbregs(t) {
                d.dr[6] = cur.dr[6];
            }
            if self.tracer.set_dbregs(t, &d).is_ok() {
                self.applied.insert(l.0, self.slots_gen);
            }
        }
    }

    /// Resume with the current vCont actions; `signals`: deliver the
    /// signal gdb gave the reporting LWP (false when we resume on our own).
    fn resume_with(&mut self, signals: bool) -> Result<(), Error> {
        self.sync_dbregs();
        let (xthread, _) = self.tracer.stop_event(self.proc())?;
        let mut sig = 0;
        for l in self.lwps() {
            let t = T::Lwp(l);
            let action = self.actions.get(&l.0).copied();
            match action {
                Some(_) => self.tracer.unsuspend(t)?,
                None if self.locked => self.tracer.suspend(t)?,
                None => self.tracer.unsuspend(t)?,
            }
            match action {
                Some(Action::Step(_)) => self.tracer.set_step(t)?,
                _ => self.tracer.clear_step(t)?,
            }
            if l == xthread && signals {
                if let Some(Action::Step(Some(s)) | Action::Continue(Some(s))) = action {
                    sig = from_gdb_signal(s);
                }
            }
        }
        self.tracer.resume(self.proc(), Resume::Continue, None, sig)?;
        self.running = true;
        Ok(())
    }

    fn add_slot(&mut self, s: Slot) -> bool {
        #[allow(clippy::manual_is_multiple_of)] // is_multiple_of needs Rust 1.87; MSRV is 1.85
        let aligned = matches!(s.len, 1 | 2 | 4 | 8) && s.addr % s.len == 0;
        if !aligned || self.slots.contains(&Some(s)) {
            return aligned;
        }
        match self.slots.iter().position(|x| x.is_none()) {
            Some(i) => {
                self.slots[i] = Some(s);
                self.slots_gen += 1;
                true
            }
            None => false,
        }
    }

    fn remove_slot(&mut self, s: Slot) -> bool {
        match self.slots.iter().position(|x| *x == Some(s)) {
            Some(i) => {
                self.slots[i] = None;
                self.slots_gen += 1;
                true
            }
            None => false,
        }
    }

    /// gdb went away: forget what it asked for (breakpoints, watchpoints,
    /// resume actions), so the next gdb starts from a clean program.
    pub fn forget_session(&mut self) {
        self.remove_all_breakpoints();
        self.rewound.clear();
        if self.slots.iter().any(|s| s.is_some()) {
            self.slots = [None; 4];
            self.slots_gen += 1;
            self.sync_dbregs();
        }
        self.actions.clear();
        self.locked = false;
        if let Ok(lwps) = self.tracer.lwp_list(self.proc()) {
            for l in lwps {
                let _ = self.tracer.unsuspend(T::Lwp(l));
                let _ = self.tracer.clear_step(T::Lwp(l));
            }
        }
    }

    /// Before detaching: take our int3s out (gdb normally did already).
    pub fn remove_all_breakpoints(&mut self) {
        let bps = std::mem::take(&mut self.breakpoints);
        for (addr, orig) in bps {
            let _ = self.tracer.write_memory(self.proc(), addr, &[orig]);
        }
    }
}

fn fill_regs(regs: &mut Regs, r: &reg, f: &fpreg) {
    regs.gpr = [
        r.r_rax, r.r_rbx, r.r_rcx, r.r_rdx, r.r_rsi, r.r_rdi, r.r_rbp, r.r_rsp, r.r_r8, r.r_r9, r.r_r10, r.r_r11,
        r.r_r12, r.r_r13, r.r_r14, r.r_r15,
    ]
    .map(|v| v as u64);
    regs.rip = r.r_rip as u64;
    regs.eflags = r.r_rflags as u32;
    regs.seg = [r.r_cs as u32, r.r_ss as u32, r.r_ds as u32, r.r_es as u32, r.r_fs as u32, r.r_gs as u32];
    for (i, st) in regs.st.iter_mut().enumerate() {
        st.copy_from_slice(&f.fpr_acc[i][..10]);
    }
    let env = env_bytes(f);
    let u16_at = |o: usize| u16::from_le_bytes([env[o], env[o + 1]]) as u32;
    let u32_at = |o: usize| u32::from_le_bytes(env[o..o + 4].try_into().expect("4"));
    let fstat = u16_at(2);
    regs.fpu = [u16_at(0), fstat, full_tag(env[4], fstat, &f.fpr_acc), u16_at(12), u32_at(8), u16_at(20), u32_at(16), u16_at(6) & 0x7ff];
    regs.xmm = f.fpr_xacc;
    regs.mxcsr = u32_at(24);
}

fn env_bytes(f: &fpreg) -> [u8; 32] {
    let mut b = [0u8; 32];
    for (i, w) in f.fpr_env.iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    b
}

/// FXSAVE keeps one "not empty" bit per x87 register; gdb shows the full
/// two-bit tag word, derived from each register's contents.
fn full_tag(abridged: u8, fstat: u32, acc: &[[u8; 16]; 8]) -> u32 {
    let top = ((fstat >> 11) & 7) as usize;
    let mut tag = 0u32;
    for phys in 0..8 {
        let t = if abridged & (1 << phys) == 0 {
            3
        } else {
            let st = &acc[(phys + 8 - top) % 8];
            let exp = u16::from_le_bytes([st[8], st[9]]) & 0x7fff;
            let mant = u64::from_le_bytes(st[..8].try_into().expect("8"));
            match exp {
                0x7fff => 2,
                0 if mant == 0 => 1,
                0 => 2,
                _ if mant >> 63 == 0 => 2,
                _ => 0,
            }
        };
        tag |= t << (2 * phys);
    }
    tag
}

fn apply_regs(regs: &Regs, r: &mut reg, f: &mut fpreg) {
    let g = regs.gpr.map(|v| v as i64);
    (r.r_rax, r.r_rbx, r.r_rcx, r.r_rdx, r.r_rsi, r.r_rdi, r.r_rbp, r.r_rsp) = (g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
    (r.r_r8, r.r_r9, r.r_r10, r.r_r11, r.r_r12, r.r_r13, r.r_r14, r.r_r15) = (g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    r.r_rip = regs.rip as i64;
    // PT_SETREGS refuses changes to the bits user code may not change
    // (FreeBSD's PSL_USERCHANGE); gdb writes back whatever it read, which
    // may predate a kernel change of those (RF after an inferior call).
    let user = bsdtrace::abi::PSL_USERCHANGE;
    r.r_rflags = (r.r_rflags & !user) | (regs.eflags as i64 & user);
    for (i, st) in regs.st.iter().enumerate() {
        f.fpr_acc[i][..10].copy_from_slice(st);
    }
    let mut env = env_bytes(f);
    let put16 = |env: &mut [u8; 32], o: usize, v: u32| env[o..o + 2].copy_from_slice(&(v as u16).to_le_bytes());
    let put32 = |env: &mut [u8; 32], o: usize, v: u32| env[o..o + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut env, 0, regs.fpu[0]);
    put16(&mut env, 2, regs.fpu[1]);
    env[4] = (0..8).filter(|i| (regs.fpu[2] >> (2 * i)) & 3 != 3).fold(0u8, |a, i| a | (1 << i));
    put16(&mut env, 12, regs.fpu[3]);
    put32(&mut env, 8, regs.fpu[4]);
    put16(&mut env, 20, regs.fpu[5]);
    put32(&mut env, 16, regs.fpu[6]);
    put16(&mut env, 6, regs.fpu[7] & 0x7ff);
    put32(&mut env, 24, regs.mxcsr);
    for (i, w) in f.fpr_env.iter_mut().enumerate() {
        *w = u64::from_le_bytes(env[i * 8..i * 8 + 8].try_into().expect("8"));
    }
    f.fpr_xacc = regs.xmm;
}

impl Target for Inferior {
    type Arch = X86_64Linux;
    type Error = Error;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_auxv(&mut self) -> Option<gdbstub::target::ext::auxv::AuxvOps<'_, Self>> {
        Some(self)
    }

    fn support_exec_file(&mut self) -> Option<gdbstub::target::ext::exec_file::ExecFileOps<'_, Self>> {
        Some(self)
    }

    /// Only for `qAttached`, `vKill` and the real pid (gdbstub otherwise
    /// names the process 1): `vRun`/`vAttach` are refused.
    fn support_extended_mode(&mut self) -> Option<ExtendedModeOps<'_, Self>> {
        Some(self)
    }

    // Breakpoints are int3s we place; gdb must not plant its own with M packets.
    fn guard_rail_implicit_sw_breakpoints(&self) -> bool {
        true
    }
}

impl MultiThreadBase for Inferior {
    fn read_registers(&mut self, regs: &mut Regs, tid: Tid) -> TargetResult<(), Self> {
        let t = lwp(tid);
        let r = self.tracer.get_regs(t).map_err(TargetError::Fatal)?;
        let f = self.tracer.get_fpregs(t).map_err(TargetError::Fatal)?;
        fill_regs(regs, &r, &f);
        regs.orig_rax = bsdtrace::sys::peekuser(tid.get() as i32, ORIG_RAX_OFFSET).unwrap_or(u64::MAX);
        regs.fs_base = self.tracer.get_fsbase(t).unwrap_or(0);
        regs.gs_base = self.tracer.get_gsbase(t).unwrap_or(0);
        Ok(())
    }

    fn write_registers(&mut self, regs: &Regs, tid: Tid) -> TargetResult<(), Self> {
        let t = lwp(tid);
        let mut r = self.tracer.get_regs(t).map_err(TargetError::Fatal)?;
        let mut f = self.tracer.get_fpregs(t).map_err(TargetError::Fatal)?;
        let mut old = Regs::default();
        fill_regs(&mut old, &r, &f);
        old.orig_rax = bsdtrace::sys::peekuser(tid.get() as i32, ORIG_RAX_OFFSET).unwrap_or(u64::MAX);
        apply_regs(regs, &mut r, &mut f);
        self.tracer.set_regs(t, &r).map_err(|_| TargetError::NonFatal)?;
        if regs.st != old.st || regs.fpu != old.fpu || regs.xmm != old.xmm || regs.mxcsr != old.mxcsr {
            self.tracer.set_fpregs(t, &f).map_err(|_| TargetError::NonFatal)?;
        }
        if regs.fs_base != self.tracer.get_fsbase(t).unwrap_or(0) {
            self.tracer.set_fsbase(t, regs.fs_base).map_err(|_| TargetError::NonFatal)?;
        }
        if regs.gs_base != self.tracer.get_gsbase(t).unwrap_or(0) {
            self.tracer.set_gsbase(t, regs.gs_base).map_err(|_| TargetError::NonFatal)?;
        }
        if regs.orig_rax != old.orig_rax {
            // Last: the engine's register writes would restore its cached copy.
            bsdtrace::sys::pokeuser(tid.get() as i32, ORIG_RAX_OFFSET, regs.orig_rax).map_err(|_| TargetError::NonFatal)?;
        }
        // The thread no longer sits past an int3 of ours if gdb moved it.
        self.rewound.remove(&(tid.get() as i32));
        Ok(())
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], tid: Tid) -> TargetResult<usize, Self> {
        let n = match self.tracer.read_memory(lwp(tid), start, data) {
            Ok(()) => data.len(),
            Err(Error::Fault { done, .. }) if done > 0 => done,
            Err(_) => return Err(TargetError::NonFatal),
        };
        // Show the bytes under our int3s, as gdbserver does.
        let end = start.saturating_add(n as u64);
        for (&a, &orig) in self.breakpoints.range(start..end) {
            data[(a - start) as usize] = orig;
        }
        Ok(n)
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], tid: Tid) -> TargetResult<(), Self> {
        let mut buf = data.to_vec();
        let end = start.saturating_add(data.len() as u64);
        for (&a, orig) in self.breakpoints.range_mut(start..end) {
            let i = (a - start) as usize;
            *orig = buf[i];
            buf[i] = 0xcc;
        }
        self.tracer.write_memory(lwp(tid), start, &buf).map_err(|_| TargetError::NonFatal)
    }

    fn list_active_threads(&mut self, f: &mut dyn FnMut(Tid)) -> Result<(), Self::Error> {
        for l in self.lwps() {
            f(tid_of(l));
        }
        Ok(())
    }

    fn is_thread_alive(&mut self, tid: Tid) -> Result<bool, Self::Error> {
        Ok(self.lwps().contains(&Lwpid(tid.get() as i32)))
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadResume for Inferior {
    /// vCont: all-stop, so the whole process resumes; LWPs without an
    /// action stay PT_SUSPENDed under scheduler locking; a signal is
    /// delivered only to the LWP whose stop is reported (the engine's
    /// PT_CONTINUE semantics).
    fn resume(&mut self) -> Result<(), Self::Error> {
        self.resume_with(true)
    }

    fn clear_resume_actions(&mut self) -> Result<(), Self::Error> {
        self.actions.clear();
        self.locked = false;
        Ok(())
    }

    fn set_resume_action_continue(&mut self, tid: Tid, signal: Option<Signal>) -> Result<(), Self::Error> {
        self.actions.insert(tid.get() as i32, Action::Continue(signal));
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadSingleStep for Inferior {
    fn set_resume_action_step(&mut self, tid: Tid, signal: Option<Signal>) -> Result<(), Self::Error> {
        self.actions.insert(tid.get() as i32, Action::Step(signal));
        Ok(())
    }
}

impl MultiThreadSchedulerLocking for Inferior {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Self::Error> {
        self.locked = true;
        Ok(())
    }
}

impl Breakpoints for Inferior {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }
    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }
    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for Inferior {
    /// Z0: an int3 written through /proc/PID/mem (reaches read-only text).
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        if self.breakpoints.contains_key(&addr) {
            return Ok(true);
        }
        let mut orig = [0u8];
        if self.tracer.read_memory(self.proc(), addr, &mut orig).is_err() {
            return Ok(false);
        }
        if self.tracer.write_memory(self.proc(), addr, &[0xcc]).is_err() {
            return Ok(false);
        }
        self.breakpoints.insert(addr, orig[0]);
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        let Some(orig) = self.breakpoints.remove(&addr) else { return Ok(false) };
        Ok(self.tracer.write_memory(self.proc(), addr, &[orig]).is_ok())
    }
}

impl HwBreakpoint for Inferior {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.add_slot(Slot { addr, len: 1, watch: None }))
    }
    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.remove_slot(Slot { addr, len: 1, watch: None }))
    }
}

impl HwWatchpoint for Inferior {
    fn add_hw_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        Ok(self.add_slot(Slot { addr, len, watch: Some(kind) }))
    }
    fn remove_hw_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        Ok(self.remove_slot(Slot { addr, len, watch: Some(kind) }))
    }
}

/// Read part of a /proc file of the inferior, for qXfer.
fn proc_file_part(path: &str, offset: u64, length: usize, buf: &mut [u8]) -> usize {
    let Ok(data) = std::fs::read(path) else { return 0 };
    let start = (offset as usize).min(data.len());
    let n = (data.len() - start).min(length).min(buf.len());
    buf[..n].copy_from_slice(&data[start..start + n]);
    n
}

impl gdbstub::target::ext::auxv::Auxv for Inferior {
    /// qXfer:auxv:read (gdb needs AT_ENTRY to relocate a PIE).
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        Ok(proc_file_part(&format!("/proc/{}/auxv", self.pid.0), offset, length, buf))
    }
}

impl gdbstub::target::ext::exec_file::ExecFile for Inferior {
    /// qXfer:exec-file:read, so `gdb` with no file argument finds the program.
    fn get_exec_file(&self, _pid: Option<gdbstub::common::Pid>, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let path = std::fs::read_link(format!("/proc/{}/exe", self.pid.0)).map_err(|_| TargetError::NonFatal)?;
        let bytes = path.as_os_str().as_encoded_bytes();
        let start = (offset as usize).min(bytes.len());
        let n = (bytes.len() - start).min(length).min(buf.len());
        buf[..n].copy_from_slice(&bytes[start..start + n]);
        Ok(n)
    }
}

impl ExtendedMode for Inferior {
    fn run(&mut self, _filename: Option<&[u8]>, _args: Args<'_, '_>) -> TargetResult<gdbstub::common::Pid, Self> {
        Err(TargetError::NonFatal)
    }
    fn attach(&mut self, _pid: gdbstub::common::Pid) -> TargetResult<(), Self> {
        Err(TargetError::NonFatal)
    }
    fn query_if_attached(&mut self, _pid: gdbstub::common::Pid) -> TargetResult<AttachKind, Self> {
        Ok(if self.attached { AttachKind::Attach } else { AttachKind::Run })
    }
    /// vKill / k: the session ends and the caller kills the process.
    fn kill(&mut self, _pid: Option<gdbstub::common::Pid>) -> TargetResult<ShouldTerminate, Self> {
        Ok(ShouldTerminate::Yes)
    }
    fn restart(&mut self) -> Result<(), Self::Error> {
        Err(bsdtrace::Errno::ENOTSUP.into())
    }
    fn support_current_active_pid(&mut self) -> Option<CurrentActivePidOps<'_, Self>> {
        Some(self)
    }
}

impl CurrentActivePid for Inferior {
    fn current_active_pid(&mut self) -> Result<gdbstub::common::Pid, Self::Error> {
        Ok(NonZeroUsize::new(self.pid.0 as usize).expect("pids are positive"))
    }
}
