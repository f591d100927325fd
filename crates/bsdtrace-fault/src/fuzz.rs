//! R1: seeded fuzzing of ptrace()/wait through a face, against a model.
//!
//! The fuzzer keeps a model of every process it knows (traced and running,
//! traced and stopped-and-waited, killed, untraced, traced by someone else,
//! gone) and, for every call it makes, the answers FreeBSD allows: the
//! checks FreeBSD makes before it looks the target up (copyin, sizes), then
//! the target's (ESRCH, EPERM, EBUSY), then the request's own set. A
//! success where FreeBSD refuses, an errno outside the set, a status
//! reported twice or never, is a defect, printed with the seed and the call
//! number that reproduce it (`bsdtrace-fault fuzz --seed S --calls N`).
//! Hangs (a call over 5 s) are the supervisor's to see.

use crate::face::{Face, WaitHow, RUST_REQUESTS};
use crate::progress;
use crate::report::Report;
use crate::util::{self, errno_name};
use bsdtrace::abi::*;
use bsdtrace::WaitStatus;
use std::collections::BTreeMap;

/// FreeBSD's waitid() option for debugger stops.
pub const WTRAPPED: i32 = 0x20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    /// Not traced (ours to attach).
    Untraced,
    /// Traced; running, or stopped and not yet waited for.
    Running,
    /// Traced; a stop is ready and must be the next thing wait reports for
    /// it (after PT_SC_REMOTE).
    Restop,
    /// Traced, stopped, and the stop was waited for: requests work.
    Stopped,
    /// Killed (PT_KILL or SIGKILL): its exit must come, once.
    Dying,
}

#[derive(Clone, Debug)]
struct P {
    st: St,
    /// Our own child (its exit comes to us even untraced).
    child: bool,
    /// Traced by another process.
    other: bool,
    /// LWP ids from the last PT_GETLWPLIST.
    lwps: Vec<i32>,
    /// Waits since it was last resumed that reported nothing for it.
    polls: u32,
    stop_sent: bool,
    /// Some LWP was PT_SUSPENDed (a stop may never come).
    suspended: bool,
    /// Runs the sandboxed fuzz tracee (PT_SC_REMOTE may call kill()).
    sandboxed: bool,
    /// May execve at any moment (the "fuzz" mode does, now and then).
    may_exec: bool,
    /// A PT_TRACE_ME child whose first stop (its exec of the tracee) has
    /// not been reported: it comes by itself; stopped earlier it would
    /// still run our own image, not the tracee's.
    unborn: bool,
    /// SIGKILLed from outside while the engine may still hold it stopped:
    /// requests may still work until the engine sees the death.
    killed_outside: bool,
    /// A request answered ESRCH while we believed it running: right if it
    /// is exiting (its next status must then be its exit), wrong if a stop
    /// comes next. (call, what was asked)
    esrch: Option<String>,
}

/// What FreeBSD allows for one call.
#[derive(Clone, Debug)]
struct Exp {
    ok: bool,
    errs: Vec<i32>,
}

impl Exp {
    fn ok() -> Exp {
        Exp { ok: true, errs: vec![] }
    }
    fn err(e: i32) -> Exp {
        Exp { ok: false, errs: vec![e] }
    }
    fn or(mut self, e: i32) -> Exp {
        if !self.errs.contains(&e) {
            self.errs.push(e);
        }
        self
    }
    fn describe(&self) -> String {
        let mut v: Vec<&str> = self.errs.iter().map(|e| errno_name(*e)).collect();
        if self.ok {
            v.insert(0, "ok");
        }
        v.join("|")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Traced(i32),
    Untraced(i32),
    Other(i32),
    Foreign(i32),
    Myself,
    Dead(i32),
    Nothing,
}

pub struct Config {
    pub seed: u64,
    pub nobody: bool,
    /// Issue 11 defects still open whose trigger the fuzzer leaves out
    /// (each has its own reproducer): 9 = waitid(WCONTINUED) alone.
    pub avoid: Vec<u32>,
}

pub struct Fuzz<'a> {
    face: &'a mut dyn Face,
    rng: fastrand::Rng,
    seed: u64,
    who: &'static str,
    procs: BTreeMap<i32, P>,
    dead: Vec<i32>,
    pub report: Report,
    n: u64,
    me: i32,
    foreign: Vec<i32>,
    pid_max: i32,
    a: util::Addrs,
    buf: Vec<u64>,
    out: Vec<u64>,
    ro_page: usize,
    core_file: std::fs::File,
    core_path: String,
    devnull: std::fs::File,
    other_made: bool,
    /// The last waitid(WCONTINUED) that reported nothing (issue 11 #9).
    narrow_wait: Option<u64>,
    avoid: Vec<u32>,
}

const UNMAPPED: u64 = 0xdead_0000_0000;
const KERNEL: u64 = 0xffff_8000_0000_0000;

impl<'a> Fuzz<'a> {
    pub fn new(face: &'a mut dyn Face, cfg: &Config) -> Fuzz<'a> {
        let ro_page = {
            // SAFETY: an anonymous read-only page, never unmapped.
            let p = unsafe { libc::mmap(std::ptr::null_mut(), 4096, libc::PROT_READ, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0) };
            assert!(p != libc::MAP_FAILED);
            p as usize
        };
        // A name nobody else holds: a file left by another run (another
        // user's, in sticky /tmp) under our pid cannot be opened as nobody.
        let (core_path, core_file) = (0..1000)
            .find_map(|k| {
                let path = format!("/tmp/bsdtrace-fault-core.{}.{k}", std::process::id());
                let f = std::fs::OpenOptions::new().create_new(true).read(true).write(true).open(&path).ok()?;
                Some((path, f))
            })
            .expect("core file");
        let me = std::process::id() as i32;
        // SAFETY: plain call.
        let ppid = unsafe { libc::getppid() };
        let pid_max = std::fs::read_to_string("/proc/sys/kernel/pid_max").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(32768);
        Fuzz {
            face,
            rng: fastrand::Rng::with_seed(cfg.seed),
            seed: cfg.seed,
            who: if cfg.nobody { "nobody" } else { "root" },
            procs: BTreeMap::new(),
            dead: Vec::new(),
            report: Report::default(),
            n: 0,
            me,
            foreign: vec![1, ppid],
            pid_max,
            a: util::addrs(),
            buf: vec![0u64; 16384],
            out: vec![0u64; 16384],
            ro_page,
            core_file,
            core_path,
            devnull: std::fs::File::options().write(true).open("/dev/null").expect("/dev/null"),
            other_made: false,
            narrow_wait: None,
            avoid: cfg.avoid.clone(),
        }
    }

    fn ctx(&self) -> String {
        format!("face={} user={} seed={} call={}", self.face.name(), self.who, self.seed, self.n)
    }

    /// Run `calls` calls, then kill everything and check it all ended.
    pub fn run(&mut self, calls: u64) {
        progress::set_seed(self.seed);
        while self.n < calls {
            self.step();
        }
        self.finish();
        self.report.add(&format!("r1.{}.{}.calls", self.face.name(), self.who), self.n);
        let _ = std::fs::remove_file(&self.core_path);
    }

    fn traced(&self) -> Vec<i32> {
        self.procs.iter().filter(|(_, p)| p.st != St::Untraced && !p.other).map(|(k, _)| *k).collect()
    }

    fn step(&mut self) {
        let traced = self.traced();
        let untraced = self.procs.values().filter(|p| p.st == St::Untraced && !p.other).count();
        if traced.is_empty() || (traced.len() < 3 && self.rng.u32(..200) == 0) {
            return self.spawn_traced();
        }
        if untraced == 0 && self.rng.u32(..50) == 0 {
            return self.spawn_untraced();
        }
        if !self.other_made && self.rng.u32(..500) == 0 {
            return self.spawn_other();
        }
        // Something owed soon: collect it (a blocking wait, watched by the
        // hang detector).
        if let Some(pid) = self.owed() {
            if self.rng.u32(..4) == 0 {
                return self.wait_one(pid, false, WaitHow::Waitpid);
            }
        }
        match self.rng.u32(..100) {
            0..=17 => {
                let how = if self.face.raw_pointers() {
                    match self.rng.u32(..10) {
                        0..=4 => WaitHow::Waitpid,
                        5 | 6 => WaitHow::Wait4Rusage,
                        7 | 8 => WaitHow::Waitid,
                        _ if self.avoid.contains(&9) => WaitHow::Waitid,
                        _ => WaitHow::WaitidContinuedOnly,
                    }
                } else if self.rng.bool() {
                    WaitHow::Waitpid
                } else {
                    WaitHow::Wait4Rusage
                };
                let sel = if self.rng.bool() { -1 } else { traced[self.rng.usize(..traced.len())] };
                self.wait_one(sel, true, how)
            }
            18 => self.escalate(),
            19 | 20 if self.face.raw_pointers() && self.rng.u32(..3) == 0 => self.procctl(),
            19 if self.rng.u32(..4) == 0 => {
                // A tracee killed from outside.
                let pid = traced[self.rng.usize(..traced.len())];
                self.sigkill(pid)
            }
            _ => self.request(),
        }
    }

    /// A process whose status must come soon: a re-stop, a kill, a stop we
    /// asked for.
    fn owed(&self) -> Option<i32> {
        // (A stop asked for with interrupt/SIGSTOP is not waited for
        // blocking: such a wait has been seen to block for a process that
        // sits stopped, not yet diagnosed, see docs/RELIABILITY.md; it is
        // polled and counted instead.)
        self.procs.iter().find(|(_, p)| matches!(p.st, St::Restop | St::Dying)).map(|(k, _)| *k)
    }

    fn escalate(&mut self) {
        let stuck: Vec<i32> = self.procs.iter().filter(|(_, p)| p.st == St::Running && p.polls > 20).map(|(k, _)| *k).collect();
        let Some(&pid) = stuck.first() else { return };
        let p = self.procs.get_mut(&pid).expect("listed");
        if p.unborn {
            // Its first stop, the exec, comes by itself (a blocking wait,
            // watched by the hang detector).
            return self.wait_one(pid, false, WaitHow::Waitpid);
        }
        if p.stop_sent || p.suspended {
            if p.stop_sent && !p.suspended {
                self.report.add("r1.requested-stop-not-reported", 1);
            }
            return self.sigkill(pid);
        }
        p.stop_sent = true;
        self.n += 1;
        let _c = progress::begin(|| format!("stop {pid}"));
        let r = self.face.stop(pid);
        if log() || lazy_log() {
            flog(format!("{} stop({pid}) -> {r:?}", self.n));
        }
        if let Err(e) = r {
            if e != libc::ESRCH {
                let ctx = self.ctx();
                self.report.defect("wrong-errno", format!("{ctx} stop({pid}) -> {}", errno_name(e)));
            }
        }
    }

    fn sigkill(&mut self, pid: i32) {
        // SAFETY: plain call; the pid is ours.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        if log() || lazy_log() {
            flog(format!("{} kill({pid}, SIGKILL)", self.n));
        }
        if let Some(p) = self.procs.get_mut(&pid) {
            p.st = St::Dying;
            p.killed_outside = true;
        }
        self.report.add("r1.sigkills", 1);
    }

    // ---- processes ----------------------------------------------------------

    fn spawn_traced(&mut self) {
        self.n += 1;
        let s = self.rng.u64(..).to_string();
        let pid = {
            let _c = progress::begin(|| "spawn traced".into());
            self.face.spawn_traceme(&["fuzz", &s])
        };
        if log() || lazy_log() {
            flog(format!("{} spawn traced (PT_TRACE_ME) -> {pid}", self.n));
        }
        self.procs.insert(pid, P { st: St::Running, child: true, other: false, lwps: vec![], polls: 0, stop_sent: false, suspended: false, sandboxed: true, may_exec: true, unborn: true, killed_outside: false, esrch: None });
        self.dead.retain(|d| *d != pid);
        self.report.add("r1.spawned", 1);
    }

    fn spawn_untraced(&mut self) {
        let s = self.rng.u64(..).to_string();
        // (Avoid 13: PT_ATTACH racing the target's own execve answers
        // EPERM; "loop" never execs.)
        let mode = if self.avoid.contains(&13) { "loop" } else { "fuzz" };
        let (pid, _) = spawn_ready(&[mode, &s]);
        self.procs.insert(pid, P { st: St::Untraced, child: true, other: false, lwps: vec![], polls: 0, stop_sent: false, suspended: false, sandboxed: true, may_exec: mode == "fuzz", unborn: false, killed_outside: false, esrch: None });
        self.dead.retain(|d| *d != pid);
    }

    fn spawn_other(&mut self) {
        self.other_made = true;
        let (helper, line) = spawn_ready(&["other_tracer"]);
        let Some(grandchild) = line.strip_prefix("ready ").and_then(|s| s.trim().parse::<i32>().ok()) else { return };
        self.procs.insert(helper, P { st: St::Untraced, child: true, other: false, lwps: vec![], polls: 0, stop_sent: false, suspended: false, sandboxed: false, may_exec: false, unborn: false, killed_outside: false, esrch: None });
        self.procs.insert(grandchild, P { st: St::Untraced, child: false, other: true, lwps: vec![], polls: 0, stop_sent: false, suspended: false, sandboxed: false, may_exec: false, unborn: false, killed_outside: false, esrch: None });
    }

    // ---- waits ----------------------------------------------------------------

    fn wait_one(&mut self, sel: i32, nohang: bool, how: WaitHow) {
        self.n += 1;
        let r = {
            let _c = progress::begin(|| format!("wait({sel}, {}, {how:?})", if nohang { "WNOHANG" } else { "block" }));
            self.face.wait(sel, nohang, how)
        };
        self.report.add("r1.waits", 1);
        if log() || lazy_log() {
            flog(format!("{} wait({sel}, {nohang}, {how:?}) -> {r:?}", self.n));
        }
        self.on_wait(sel, nohang, how, r);
    }

    fn on_wait(&mut self, sel: i32, nohang: bool, how: WaitHow, r: crate::face::WaitResult) {
        let ctx = self.ctx();
        match r {
            Ok(None) => {
                if how == WaitHow::WaitidContinuedOnly {
                    self.narrow_wait = Some(self.n);
                }
                if !nohang {
                    self.report.defect("unexpected", format!("{ctx} blocking wait({sel}) returned nothing"));
                }
                for (pid, p) in self.procs.iter_mut() {
                    if sel == -1 || sel == *pid {
                        p.polls += 1;
                        if p.st == St::Restop && how != WaitHow::WaitidContinuedOnly {
                            self.report.defect("lost", format!("{ctx} PT_SC_REMOTE's re-stop of {pid} not reported by wait({sel}, WNOHANG, {how:?})"));
                            p.st = St::Running;
                        }
                    }
                }
            }
            Ok(Some((pid, st))) => {
                if sel > 0 && pid != sel {
                    self.report.defect("unexpected", format!("{ctx} wait({sel}) reported pid {pid}"));
                }
                if how == WaitHow::WaitidContinuedOnly && st != WaitStatus::Continued {
                    self.report.defect("unexpected", format!("{ctx} waitid(WCONTINUED) reported {st:?} for {pid}"));
                }
                self.on_status(pid, st);
            }
            Err(libc::ECHILD) => {
                let owed: Vec<i32> = self
                    .procs
                    .iter()
                    .filter(|(pid, p)| (sel == -1 || sel == **pid) && !p.other && (p.st != St::Untraced || p.child))
                    .map(|(k, _)| *k)
                    .collect();
                if !owed.is_empty() {
                    let states: Vec<String> = owed.iter().map(|p| format!("{p}:{:?}", self.procs[p].st)).collect();
                    self.report.defect("lost", format!("{ctx} wait({sel}) ECHILD while statuses are owed by {}", states.join(",")));
                    for p in owed {
                        self.procs.remove(&p);
                        self.dead.push(p);
                    }
                }
            }
            Err(e) => self.report.defect("wrong-errno", format!("{ctx} wait({sel}, {how:?}) -> {}", errno_name(e))),
        }
    }

    fn on_status(&mut self, pid: i32, st: WaitStatus) {
        let ctx = self.ctx();
        match st {
            WaitStatus::Stopped(sig) => {
                let Some(p) = self.procs.get_mut(&pid) else {
                    if self.dead.contains(&pid) {
                        self.report.defect("unexpected", format!("{ctx} stop {sig} of {pid}, whose exit was reported"));
                        return;
                    }
                    // A followed fork child's first stop.
                    self.procs.insert(pid, P { st: St::Stopped, child: false, other: false, lwps: vec![], polls: 0, stop_sent: false, suspended: false, sandboxed: true, may_exec: true, unborn: false, killed_outside: false, esrch: None });
                    self.report.add("r1.new-children", 1);
                    return;
                };
                if let Some(e) = p.esrch.take() {
                    self.report.defect("wrong-errno", format!("{e}, but it was not exiting: its next status is a stop ({sig}); FreeBSD allows EBUSY"));
                }
                let Some(p) = self.procs.get_mut(&pid) else { return };
                p.unborn = false;
                match p.st {
                    St::Running | St::Restop => {
                        if p.st == St::Restop && sig != libc::SIGSTOP {
                            self.report.defect("unexpected", format!("{ctx} PT_SC_REMOTE's re-stop of {pid} reported as signal {sig}"));
                        }
                        p.st = St::Stopped;
                        p.polls = 0;
                        p.stop_sent = false;
                        p.suspended = false;
                    }
                    St::Dying => self.report.add("r1.stop-while-dying", 1),
                    St::Stopped => self.report.defect("doubled", format!("{ctx} stop {sig} of {pid} reported twice")),
                    St::Untraced => self.report.defect("unexpected", format!("{ctx} debugger stop {sig} of {pid}, which is not traced")),
                }
            }
            WaitStatus::Exited(_) | WaitStatus::Signaled { .. } => {
                if self.procs.remove(&pid).is_some() {
                    self.dead.push(pid);
                    self.report.add("r1.exits", 1);
                } else if self.dead.contains(&pid) {
                    self.report.defect("doubled", format!("{ctx} exit of {pid} reported twice ({st:?})"));
                } else {
                    self.report.defect("unexpected", format!("{ctx} exit of unknown pid {pid} ({st:?})"));
                }
            }
            // A child of ours we attached and detached: FreeBSD's
            // PT_DETACH posts "continued" to the real parent (the fact
            // sheet; here the engine's SIGCONT that ends the attach's
            // group stop does), and a WCONTINUED wait reports it (R1
            // without --avoid 9, C face, nobody, seed 101000306).
            WaitStatus::Continued if self.procs.get(&pid).is_some_and(|p| p.child && p.st == St::Untraced) => {
                self.report.add("r1.continued-after-detach", 1);
            }
            other => self.report.defect("unexpected", format!("{ctx} wait reported {other:?} for {pid}")),
        }
    }

    /// procctl(2)'s status commands (they change nothing) on any target,
    /// with good and bad pointers: never a crash, an answer in FreeBSD's
    /// set, and no success on a process that does not exist.
    fn procctl(&mut self) {
        const CMDS: &[i32] = &[4, 8, 10, 14, 16, 18, 20, 22, 24, 0, 99, -1, 1000];
        let cmd = CMDS[self.rng.usize(..CMDS.len())];
        let (pid, class) = self.pick_target(PT_GETNUMLWPS);
        let (data, _, w) = self.ptr(256);
        let idtype = if self.rng.u32(..10) == 0 { 77 } else { libc::P_PID as i32 };
        self.n += 1;
        let r = {
            let _c = progress::begin(|| format!("procctl(P_PID, {pid}, {cmd}, {data:#x})"));
            self.face.procctl(idtype, pid, cmd, data)
        };
        self.report.add("r1.procctl", 1);
        let allowed = [libc::EINVAL, libc::ESRCH, libc::EPERM, libc::EFAULT, libc::ENOTSUP];
        let bad = match r {
            Ok(()) => (matches!(class, Class::Nothing | Class::Dead(_)) && pid != 0) || !w || idtype == 77 || !(4..=24).contains(&cmd),
            Err(e) => !allowed.contains(&e),
        };
        if bad && !matches!((r, class), (Ok(()), Class::Dead(p)) if util::proc_info(p).is_some()) {
            let ctx = self.ctx();
            let got = match r {
                Ok(()) => "ok".to_string(),
                Err(e) => errno_name(e).to_string(),
            };
            self.report.defect(
                if r.is_ok() { "wrong-success" } else { "wrong-errno" },
                format!("{ctx} procctl({idtype}, {pid}, {cmd}, {data:#x}) on {class:?}: got {got}"),
            );
        }
    }

    // ---- requests -------------------------------------------------------------

    fn pick_target(&mut self, req: i32) -> (i32, Class) {
        let raw = self.face.raw_pointers();
        let traced = self.traced();
        let r = self.rng.u32(..100);
        let pick = |rng: &mut fastrand::Rng, v: &[i32]| v[rng.usize(..v.len())];
        if r < 55 && !traced.is_empty() {
            let pid = pick(&mut self.rng, &traced);
            return (pid, Class::Traced(pid));
        }
        if r < 65 && !traced.is_empty() {
            let pid = pick(&mut self.rng, &traced);
            let lwps = self.procs[&pid].lwps.clone();
            if !lwps.is_empty() {
                let l = pick(&mut self.rng, &lwps);
                if raw && self.rng.u32(..4) == 0 {
                    return (l - LWPID_BASE, Class::Traced(pid));
                }
                return (l, Class::Traced(pid));
            }
            return (pid, Class::Traced(pid));
        }
        // (Avoid 13: PT_ATTACH racing the target's own execve answers
        // EPERM; a tracee we detached runs the fuzz mode, which execs.)
        let no_exec = req == PT_ATTACH && self.avoid.contains(&13);
        let untraced: Vec<i32> = self.procs.iter().filter(|(_, p)| p.st == St::Untraced && !p.other && !(no_exec && p.may_exec)).map(|(k, _)| *k).collect();
        if r < 73 && !untraced.is_empty() {
            let pid = pick(&mut self.rng, &untraced);
            return (pid, Class::Untraced(pid));
        }
        // The other tracer may have gone (we may have attached to it and
        // killed it): its child is then simply untraced.
        for (pid, p) in self.procs.iter_mut() {
            // (Its tracer is its parent, the helper; once the helper is
            // gone it is re-parented, and may be attached by us since.)
            if p.other && util::proc_info(*pid).is_none_or(|i| i.tracer == 0 || i.tracer != i.ppid) {
                p.other = false;
                p.child = false;
                p.sandboxed = false;
            }
        }
        let others: Vec<i32> = self.procs.iter().filter(|(_, p)| p.other).map(|(k, _)| *k).collect();
        if r < 77 && !others.is_empty() {
            let pid = pick(&mut self.rng, &others);
            return (pid, Class::Other(pid));
        }
        if r < 82 && !(req == PT_ATTACH && self.who == "root") {
            let pid = pick(&mut self.rng, &self.foreign.clone());
            return (pid, Class::Foreign(pid));
        }
        if r < 85 {
            return (self.me, Class::Myself);
        }
        if r < 91 && !self.dead.is_empty() && req != PT_ATTACH {
            let pid = pick(&mut self.rng, &self.dead.clone());
            return (pid, Class::Dead(pid));
        }
        let nothing = [0, -1, i32::MIN, self.pid_max + 1 + self.rng.i32(..1000), LWPID_BASE + 4_000_000 + self.rng.i32(..1000)];
        let pid = nothing[self.rng.usize(..if raw { nothing.len() } else { 4 })];
        (if req == PT_ATTACH && pid <= 0 { self.pid_max + 7 } else { pid }, Class::Nothing)
    }

    fn pick_request(&mut self) -> i32 {
        const COMMON: &[i32] = &[
            PT_READ_D, PT_READ_I, PT_WRITE_D, PT_CONTINUE, PT_CONTINUE, PT_CONTINUE, PT_SYSCALL, PT_SYSCALL, PT_STEP, PT_TO_SCE,
            PT_TO_SCX, PT_IO, PT_IO, PT_LWPINFO, PT_LWPINFO, PT_GETNUMLWPS, PT_GETLWPLIST, PT_GETLWPLIST, PT_CLEARSTEP,
            PT_SETSTEP, PT_RESUME, PT_FOLLOW_FORK, PT_LWP_EVENTS, PT_GET_EVENT_MASK, PT_SET_EVENT_MASK, PT_GET_SC_ARGS,
            PT_GET_SC_RET, PT_GETREGS, PT_GETREGS, PT_SETREGS, PT_GETFPREGS, PT_SETFPREGS, PT_GETDBREGS, PT_SETDBREGS,
            PT_VM_TIMESTAMP, PT_VM_ENTRY, PT_VM_ENTRY, PT_SC_REMOTE, PT_GETFSBASE, PT_GETGSBASE, PT_GETXSTATE_INFO,
            PT_ATTACH, PT_ATTACH, PT_GETREGSET, PT_GETXSTATE,
        ];
        const UNKNOWN: &[i32] = &[3, 6, 30, 31, 32, 39, 45, 46, 50, 63, 64, 65, 67, 75, 100, 127, 128, 150, 191, 192, 1000, -1, i32::MAX];
        let r = self.rng.u32(..1000);
        let req = match r {
            0..=9 => PT_KILL,
            10..=17 => PT_DETACH,
            18..=20 => PT_SUSPEND,
            21..=24 => PT_COREDUMP,
            25..=34 => UNKNOWN[self.rng.usize(..UNKNOWN.len())],
            35..=39 => PT_SETREGSET,
            40..=42 => PT_SETFSBASE,
            43..=44 => PT_SETXSTATE,
            _ => COMMON[self.rng.usize(..COMMON.len())],
        };
        if std::env::var("BSDTRACE_FAULT_SKIP").is_ok_and(|v| v.split(',').any(|x| x.parse() == Ok(req))) {
            return PT_GETNUMLWPS;
        }
        if !self.face.raw_pointers() && !RUST_REQUESTS.contains(&req) {
            return PT_GETNUMLWPS;
        }
        req
    }

    /// A pointer to `size` bytes for the library to read or write: ours
    /// (good), or NULL / unmapped / kernel / read-only. Returns (addr, good
    /// for reading, good for writing).
    fn ptr(&mut self, size: usize) -> (usize, bool, bool) {
        let good = self.out.as_mut_ptr() as usize;
        assert!(size <= self.out.len() * 8);
        if !self.face.raw_pointers() || self.rng.u32(..100) < 88 {
            return (good, true, true);
        }
        match self.rng.u32(..4) {
            0 => (0, false, false),
            1 => (UNMAPPED as usize, false, false),
            2 => (KERNEL as usize, false, false),
            _ => (self.ro_page, true, false),
        }
    }

    fn struct_in<T: Copy>(&mut self, v: T) -> (usize, bool) {
        let base = self.buf.as_mut_ptr() as usize;
        // SAFETY: buf is large enough for every struct we build.
        unsafe { std::ptr::write_unaligned(base as *mut T, v) };
        if !self.face.raw_pointers() || self.rng.u32(..100) < 92 {
            return (base, true);
        }
        match self.rng.u32(..3) {
            0 => (0, false),
            1 => (UNMAPPED as usize, false),
            _ => (KERNEL as usize, false),
        }
    }

    fn sig(&mut self) -> i32 {
        match self.rng.u32(..100) {
            0..=59 => 0,
            60..=79 => libc::SIGUSR1,
            80..=84 => libc::SIGTRAP,
            85..=89 => self.rng.i32(1..=64),
            90..=94 => self.rng.i32(65..=128),
            95..=97 => self.rng.i32(129..=1000),
            _ => -self.rng.i32(1..=100),
        }
    }

    fn tracee_addr(&mut self, len: u64) -> (u64, bool) {
        match self.rng.u32(..10) {
            0..=6 => (self.a.scratch + self.rng.u64(..self.a.scratch_len - len.max(8)), true),
            7 => (0x1000, false),
            8 => (UNMAPPED, false),
            _ => (KERNEL, false),
        }
    }

    /// Build the arguments of `req`; returns (addr, data, FreeBSD's
    /// pre-lookup error if any, the body's allowed answers).
    fn args(&mut self, req: i32, tpid: i32) -> (usize, i32, Option<i32>, Exp) {
        match req {
            PT_READ_I | PT_READ_D => {
                let (at, good) = self.tracee_addr(4);
                (at as usize, 0, None, if good { Exp::ok() } else { Exp::err(libc::ENOMEM) })
            }
            PT_WRITE_I | PT_WRITE_D => {
                let (at, good) = self.tracee_addr(4);
                (at as usize, self.rng.i32(..), None, if good { Exp::ok() } else { Exp::err(libc::ENOMEM) })
            }
            PT_CONTINUE | PT_STEP | PT_TO_SCE | PT_TO_SCX | PT_SYSCALL | PT_DETACH => {
                let addr = match self.rng.u32(..20) {
                    0 => self.a.scratch as usize,
                    1 => self.rng.u64(..) as usize,
                    _ => 1,
                };
                let sig = self.sig();
                let mut e = if (0..=64).contains(&sig) { Exp::ok() } else { Exp::err(libc::EINVAL) };
                if addr != 1 && req != PT_STEP && req != PT_DETACH && e.ok {
                    e = e.or(libc::EINVAL);
                }
                (if req == PT_DETACH { 1 } else { addr }, sig, None, e)
            }
            PT_KILL => (0, 0, None, Exp::ok()),
            PT_ATTACH => (0, 0, None, Exp::ok()),
            PT_IO => {
                let op = if self.rng.u32(..10) == 0 { self.rng.i32(-2..10) } else { self.rng.i32(1..=4) };
                let len = match self.rng.u32(..20) {
                    0 => 0,
                    1 => usize::MAX - self.rng.usize(..3),
                    _ => self.rng.usize(1..=4096),
                };
                let (offs, good_remote) = match self.rng.u32(..10) {
                    0 => (UNMAPPED, false),
                    _ => (self.a.scratch + self.rng.u64(..self.a.scratch_len - 4096), true),
                };
                let (local, lr, lw) = self.ptr(4096);
                let write = op == PIOD_WRITE_D || op == PIOD_WRITE_I;
                let io = ptrace_io_desc { piod_op: op, piod_offs: offs as *mut _, piod_addr: local as *mut _, piod_len: len };
                let (addr, sgood) = self.struct_in(io);
                let pre = (!sgood).then_some(libc::EFAULT);
                let e = if !(1..=4).contains(&op) || len > isize::MAX as usize {
                    Exp::err(libc::EINVAL)
                } else if len == 0 {
                    Exp::ok()
                } else if (write && !lr) || (!write && !lw) {
                    let e = Exp::err(libc::EFAULT);
                    if good_remote { e } else { e.or(libc::ENOMEM) }
                } else if !good_remote {
                    Exp::err(libc::EFAULT).or(libc::ENOMEM)
                } else {
                    Exp::ok()
                };
                (addr, 0, pre, e)
            }
            PT_LWPINFO => {
                let size = std::mem::size_of::<ptrace_lwpinfo>() as i32;
                let data = match self.rng.u32(..20) {
                    0 => 0,
                    1 => -self.rng.i32(1..100),
                    2 => size + self.rng.i32(1..100),
                    3 => self.rng.i32(1..size),
                    _ => size,
                };
                let (addr, _, w) = self.ptr(size as usize);
                let e = if data <= 0 || data > size { Exp::err(libc::EINVAL) } else if !w { Exp::err(libc::EFAULT) } else { Exp::ok() };
                (addr, data, None, e)
            }
            PT_GETNUMLWPS | PT_CLEARSTEP | PT_SETSTEP | PT_SUSPEND | PT_RESUME | PT_VM_TIMESTAMP => (0, 0, None, Exp::ok()),
            PT_FOLLOW_FORK | PT_LWP_EVENTS => (0, self.rng.i32(-1..=2), None, Exp::ok()),
            PT_GETLWPLIST => {
                let data = if self.rng.u32(..15) == 0 { -self.rng.i32(0..5) } else { self.rng.i32(1..=64) };
                let (addr, _, w) = self.ptr(256);
                let e = if data <= 0 { Exp::err(libc::EINVAL) } else if !w { Exp::err(libc::EFAULT) } else { Exp::ok() };
                (addr, data, None, e)
            }
            PT_GET_EVENT_MASK => {
                let data = if self.rng.u32(..10) == 0 { self.rng.i32(-4..16) } else { 4 };
                let (addr, _, w) = self.ptr(4);
                let pre = (data != 4).then_some(libc::EINVAL);
                (addr, data, pre, if w { Exp::ok() } else { Exp::err(libc::EFAULT) })
            }
            PT_SET_EVENT_MASK => {
                let data = if self.rng.u32(..10) == 0 { self.rng.i32(-4..16) } else { 4 };
                let all = PTRACE_EXEC | PTRACE_SCE | PTRACE_SCX | PTRACE_FORK | PTRACE_LWP | PTRACE_VFORK;
                let mask = if self.rng.u32(..8) == 0 { self.rng.i32(..) | 0x40 } else { self.rng.i32(..) & all };
                let (addr, good) = self.struct_in(mask);
                let pre = if data != 4 {
                    Some(libc::EINVAL)
                } else if !good {
                    Some(libc::EFAULT)
                } else {
                    None
                };
                (addr, data, pre, if mask & !all != 0 { Exp::err(libc::EINVAL) } else { Exp::ok() })
            }
            PT_GET_SC_ARGS | PT_GET_SC_RET => {
                let data = match self.rng.u32(..10) {
                    0 => 0,
                    1 => 8,
                    _ => 64,
                };
                let (addr, _, w) = self.ptr(64);
                let mut e = Exp::ok().or(libc::EINVAL);
                if !w && data != 0 {
                    e = Exp::err(libc::EINVAL).or(libc::EFAULT);
                }
                (addr, data, None, e)
            }
            PT_COREDUMP => {
                let size = std::mem::size_of::<ptrace_coredump>() as i32;
                let data = if self.rng.u32(..10) == 0 { self.rng.i32(0..64) } else { size };
                use std::os::fd::AsRawFd;
                let (fd, fe) = match self.rng.u32(..10) {
                    0 => (-1, Some(libc::EBADF)),
                    1 => (9999, Some(libc::EBADF)),
                    2 | 3 => (self.devnull.as_raw_fd(), Some(libc::EPIPE)),
                    _ => (self.core_file.as_raw_fd(), None),
                };
                let flags = if self.rng.u32(..10) == 0 { 0x100 } else { self.rng.u32(..4) };
                let limit = if self.rng.u32(..8) == 0 { 0 } else { 4096 };
                let pc = ptrace_coredump { pc_fd: fd, pc_flags: flags, pc_limit: limit };
                let (addr, good) = self.struct_in(pc);
                let pre = if data != size {
                    Some(libc::EINVAL)
                } else if !good {
                    Some(libc::EFAULT)
                } else {
                    None
                };
                let e = if flags & !3 != 0 {
                    Exp::err(libc::EINVAL)
                } else if let Some(e) = fe {
                    Exp::err(e)
                } else if limit != 0 {
                    Exp::err(libc::EFAULT)
                } else {
                    let _ = self.core_file.set_len(0);
                    Exp::ok()
                };
                (addr, data, pre, e)
            }
            PT_GETREGS | PT_GETFPREGS | PT_GETDBREGS | PT_GETFSBASE | PT_GETGSBASE => {
                let (addr, _, w) = self.ptr(512);
                (addr, 0, None, if w { Exp::ok() } else { Exp::err(libc::EFAULT) })
            }
            PT_SETREGS => {
                let mut r = reg::default();
                let _ = self.face.ptrace(PT_GETREGS, tpid, &mut r as *mut reg as usize, 0);
                match self.rng.u32(..10) {
                    0 => r.r_rip = self.rng.i64(..),
                    1 => r.r_rflags = self.rng.i64(..),
                    2 => r.r_cs = self.rng.i64(..),
                    3 => r.r_ss = self.rng.i64(0..64),
                    4 => r.r_rsp = self.rng.i64(..),
                    5 => r.r_rbx ^= 1 << self.rng.u32(..64),
                    _ => {}
                }
                let (addr, good) = self.struct_in(r);
                (addr, 0, (!good).then_some(libc::EFAULT), Exp::ok().or(libc::EINVAL))
            }
            PT_SETFPREGS => {
                let mut f = fpreg::default();
                let _ = self.face.ptrace(PT_GETFPREGS, tpid, &mut f as *mut fpreg as usize, 0);
                if self.rng.u32(..4) == 0 {
                    f.fpr_env[3] = self.rng.u64(..);
                }
                let (addr, good) = self.struct_in(f);
                (addr, 0, (!good).then_some(libc::EFAULT), Exp::ok().or(libc::EINVAL))
            }
            PT_SETDBREGS => {
                let mut d = dbreg::default();
                match self.rng.u32(..4) {
                    0 | 1 => {}
                    2 => {
                        d.dr[0] = self.a.scratch;
                        d.dr[7] = dbreg_dr7_set(0, DBREG_DR7_LEN_4, DBREG_DR7_WRONLY, DBREG_DR7_LOCAL_ENABLE);
                    }
                    _ => {
                        for x in d.dr.iter_mut() {
                            *x = self.rng.u64(..);
                        }
                    }
                }
                let (addr, good) = self.struct_in(d);
                (addr, 0, (!good).then_some(libc::EFAULT), Exp::ok().or(libc::EINVAL))
            }
            PT_VM_ENTRY => {
                let (path, _, pw) = self.ptr(256);
                let pve = ptrace_vm_entry {
                    pve_entry: if self.rng.u32(..8) == 0 { self.rng.i32(..) } else { self.rng.i32(0..40) },
                    pve_timestamp: 0,
                    pve_start: 0,
                    pve_end: 0,
                    pve_offset: 0,
                    pve_prot: 0,
                    pve_pathlen: [0, 0, 4, 256][self.rng.usize(..4)],
                    pve_fileid: 0,
                    pve_fsid: 0,
                    pve_path: path as *mut _,
                };
                let want_path = pve.pve_pathlen > 0;
                let (addr, good) = self.struct_in(pve);
                let mut e = Exp::ok().or(libc::EINVAL).or(libc::ENOENT).or(libc::ENAMETOOLONG);
                if want_path && !pw {
                    e = e.or(libc::EFAULT);
                }
                (addr, 0, (!good).then_some(libc::EFAULT), e)
            }
            PT_GETREGSET | PT_SETREGSET => {
                let nt = [1, 2, 7, 0x202, 0x200, 17, 0, -1][self.rng.usize(..8)];
                let (base, r, w) = self.ptr(4096);
                let base = if self.rng.u32(..8) == 0 { 0 } else { base };
                let len = if self.rng.u32(..4) == 0 { self.rng.u64(..5000) } else { 216 };
                let (addr, good) = self.struct_in([base as u64, len]);
                let mut e = Exp::ok().or(libc::EINVAL);
                if (req == PT_GETREGSET && !w) || (req == PT_SETREGSET && !r) || base == 0 {
                    e = e.or(libc::EFAULT);
                }
                (addr, nt, (!good).then_some(libc::EFAULT), e)
            }
            PT_SC_REMOTE => {
                let sandboxed = self.procs.values().all(|p| p.sandboxed);
                let mut calls = vec![39u32, 110, 186, 24, 102, 1000, 35];
                if sandboxed {
                    calls.push(62);
                }
                let nr = if self.rng.u32(..200) == 0 { 231 } else { calls[self.rng.usize(..calls.len())] };
                let nargs: u32 = if self.rng.u32(..20) == 0 { self.rng.u32(7..12) } else { self.rng.u32(0..=6) };
                let args = [0u64; 12];
                let (argp, ar, _) = self.ptr(96);
                // SAFETY: out is larger than 96 bytes.
                if argp == self.out.as_ptr() as usize {
                    self.out[..12].copy_from_slice(&args);
                }
                let raw: [u64; 5] = [0, 0, 0, (nr as u64) | ((nargs as u64) << 32), argp as u64];
                let data = if self.rng.u32(..15) == 0 { self.rng.i32(0..64) } else { 40 };
                let (addr, good) = self.struct_in(raw);
                let pre = if data != 40 {
                    Some(libc::EINVAL)
                } else if !good {
                    Some(libc::EFAULT)
                } else if nargs > 8 {
                    Some(libc::EINVAL)
                } else if nargs > 0 && !ar {
                    Some(libc::EFAULT)
                } else {
                    None
                };
                (addr, data, pre, Exp::ok().or(libc::EBUSY).or(libc::EFAULT))
            }
            PT_GETXSTATE_INFO => {
                let data = if self.rng.u32(..8) == 0 { self.rng.i32(0..32) } else { 16 };
                let (addr, _, w) = self.ptr(16);
                let e = if data != 16 { Exp::err(libc::EINVAL) } else if !w { Exp::err(libc::EFAULT) } else { Exp::ok() };
                (addr, data, None, e)
            }
            PT_GETXSTATE => {
                let data = if self.rng.u32(..8) == 0 { -1 } else { self.rng.i32(0..4096) };
                let (addr, _, w) = self.ptr(4096);
                let e = if data < 0 { Exp::err(libc::EINVAL) } else if !w && data > 0 { Exp::err(libc::EFAULT) } else { Exp::ok() };
                (addr, data, None, e)
            }
            PT_SETXSTATE => {
                let (addr, r, _) = self.ptr(4096);
                let data = self.rng.i32(-1..4096);
                let mut e = Exp::ok().or(libc::EINVAL);
                if !r {
                    e = e.or(libc::EFAULT);
                }
                (addr, data, None, e)
            }
            PT_SETFSBASE | PT_SETGSBASE => {
                let mut v = 0u64;
                let _ = self.face.ptrace(if req == PT_SETFSBASE { PT_GETFSBASE } else { PT_GETGSBASE }, tpid, &mut v as *mut u64 as usize, 0);
                if self.rng.u32(..4) == 0 {
                    v = self.rng.u64(..);
                }
                let (addr, r, _) = self.ptr(8);
                // SAFETY: addr is ours when readable and not the ro page.
                if addr == self.out.as_ptr() as usize {
                    self.out[0] = v;
                }
                let e = if r { Exp::ok().or(libc::EINVAL) } else { Exp::err(libc::EFAULT) };
                (addr, 0, None, e)
            }
            128..=191 => (0, 0, Some(libc::EINVAL), Exp::err(libc::EINVAL)),
            _ => (0, self.rng.i32(..), None, Exp::err(libc::EINVAL)),
        }
    }

    fn request(&mut self) {
        let req = self.pick_request();
        let (pid, class) = self.pick_target(req);
        let tpid = match class {
            Class::Traced(p) => p,
            _ => pid,
        };
        let (addr, data, pre, body) = self.args(req, pid);
        if pre.is_some() && !self.face.raw_pointers() {
            // The typed API has no sizes or pointers to get wrong.
            return;
        }
        let state = match class {
            Class::Traced(p) => self.procs.get(&p).map(|p| p.st),
            _ => None,
        };
        let exp = if let Some(e) = pre {
            Exp::err(e)
        } else {
            match class {
                Class::Nothing | Class::Dead(_) => Exp::err(libc::ESRCH),
                Class::Myself => Exp::err(if req == PT_ATTACH { libc::EINVAL } else { libc::EPERM }),
                Class::Foreign(_) => Exp::err(libc::EPERM),
                Class::Other(_) => Exp::err(libc::EBUSY),
                Class::Untraced(_) => {
                    if req == PT_ATTACH {
                        Exp::ok()
                    } else {
                        Exp::err(libc::EPERM)
                    }
                }
                Class::Traced(_) => match state {
                    _ if req == PT_ATTACH => Exp::err(libc::EBUSY),
                    Some(St::Stopped) => body.clone(),
                    Some(St::Dying) if self.procs[&tpid].killed_outside => {
                        // (A request racing the death may see the thread
                        // vanish under it: EINVAL from register sets.)
                        let mut e = body.clone().or(libc::ESRCH).or(libc::EBUSY).or(libc::EINVAL);
                        e.ok = true;
                        e
                    }
                    Some(St::Dying) => Exp::err(libc::ESRCH).or(libc::EBUSY),
                    _ => Exp::err(libc::EBUSY),
                },
            }
        };
        self.n += 1;
        let r = {
            let _c = progress::begin(|| format!("ptrace({}, {pid}, {addr:#x}, {data}) on {class:?} {state:?}", req_name(req)));
            self.face.ptrace(req, pid, addr, data)
        };
        self.report.add("r1.requests", 1);
        if log() || lazy_log() {
            flog(format!("{} ptrace({}, {pid}, {addr:#x}, {data}) {class:?} {state:?} -> {r:?}", self.n, req_name(req), ));
        }
        self.check(req, pid, addr, data, class, state, &exp, r);
        // Follow the model.
        if let Ok(v) = r {
            self.after_ok(req, pid, tpid, class, data, addr, v);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check(&mut self, req: i32, pid: i32, addr: usize, data: i32, class: Class, state: Option<St>, exp: &Exp, r: Result<i32, i32>) {
        let good = match r {
            Ok(_) => exp.ok,
            Err(e) => exp.errs.contains(&e),
        };
        if good {
            return;
        }
        // A target that is gone or going may answer ESRCH (and a dead pid
        // reused by another process EPERM) wherever FreeBSD's P_WEXIT would.
        let gone = |p: i32| util::proc_info(p).is_none_or(|i| matches!(i.state, 'Z' | 'X'));
        let tid = if pid > LWPID_BASE { pid - LWPID_BASE } else { pid };
        // An LWP is gone once its task is, or is a zombie (a traced thread's
        // stays until its tracer reaps it), or soon will be: one the engine
        // let go to its death (an execve's single-threading) runs to it.
        let lwp_gone = match class {
            Class::Traced(p) if tid != p => (0..50).any(|i| {
                if i > 0 {
                    util::sleep_us(2000);
                }
                std::fs::read_to_string(format!("/proc/{p}/task/{tid}/stat"))
                    .map_or(true, |s| s.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with(['Z', 'X'])))
            }),
            _ => false,
        };
        // The leader's LWP id of a process that may exec: an execve from
        // another thread ends the leader (FreeBSD's execve keeps the
        // calling thread, and its id), so it names nothing any more. The
        // list tells when the process is stopped; when it runs nothing
        // tells (taken as gone: the process's next status is no proof).
        let leader_execed = match (r, class) {
            (Err(libc::ESRCH), Class::Traced(p)) if pid > LWPID_BASE && tid == p && self.procs.get(&p).is_some_and(|m| m.may_exec) => {
                let listed = if state == Some(St::Stopped) {
                    let addr = self.out.as_ptr() as usize;
                    let cap = (self.out.len() * 2).min(1024) as i32;
                    self.face.ptrace(PT_GETLWPLIST, p, addr, cap).ok().map(|n| listed_lwps(&self.out, n, cap))
                } else {
                    None
                };
                let gone = listed.as_ref().is_none_or(|l| !l.contains(&pid));
                if let (Some(m), true) = (self.procs.get_mut(&p), gone) {
                    m.lwps.retain(|l| *l != pid);
                    if let Some(l) = listed.filter(|l| !l.is_empty()) {
                        m.lwps = l;
                    }
                }
                gone
            }
            _ => false,
        };
        if leader_execed {
            self.report.add("r1.leader-lwp-gone-after-exec", 1);
            return;
        }
        match (r, class) {
            (Err(libc::ESRCH), Class::Traced(p) | Class::Untraced(p) | Class::Other(p)) if gone(p) || lwp_gone => return,
            (Err(libc::ESRCH), Class::Traced(p)) if matches!(state, Some(St::Running | St::Restop)) => {
                // Exiting, perhaps (a signal passed on can end it): judged
                // by what wait reports next for it.
                let ctx = self.ctx();
                if let Some(m) = self.procs.get_mut(&p) {
                    m.esrch.get_or_insert(format!("{ctx} ptrace({}, {pid}, {addr:#x}, {data}) on running {p}: ESRCH", req_name(req)));
                }
                return;
            }
            (Err(libc::ESRCH), Class::Traced(p)) if lwp_gone || (tid != p && state != Some(St::Stopped)) => return,
            // The LWP is gone and its id may name another process now
            // (one we may not debug: EPERM).
            (Err(libc::EPERM | libc::EBUSY), Class::Traced(_)) if lwp_gone => return,
            // ... or another process of ours, even (a raw id of the C face
            // is a pid too): whatever that one answers.
            (_, Class::Traced(_)) if lwp_gone && util::proc_info(tid).is_some() => return,
            (Err(libc::EPERM | libc::EBUSY), Class::Dead(p)) if !gone(p) => return,
            // The other tracer (its parent) died since the target was
            // picked: the target is untraced, or ours if this attached it.
            (_, Class::Other(p)) if util::proc_info(p).is_none_or(|i| i.tracer != i.ppid) => return,
            (Err(libc::EBUSY), Class::Untraced(p)) if req == PT_ATTACH && util::proc_info(p).is_some_and(|i| i.tracer != 0) => return,
            _ => {}
        }
        let ctx = self.ctx();
        let kind = if r.is_ok() { "wrong-success" } else { "wrong-errno" };
        let got = match r {
            Ok(v) => format!("ok ({v})"),
            Err(e) => errno_name(e).to_string(),
        };
        let tp = match class {
            Class::Traced(p) | Class::Untraced(p) | Class::Other(p) | Class::Dead(p) => p,
            _ => pid,
        };
        let since = self.narrow_wait.map(|n| format!("; a waitid(WCONTINUED|WNOHANG) that reported nothing was call {n}")).unwrap_or_default();
        self.report.defect(
            kind,
            format!(
                "{ctx} ptrace({}, {pid}, {addr:#x}, {data}) on {class:?} state {state:?}: got {got}, FreeBSD allows {} ({}{since})",
                req_name(req),
                exp.describe(),
                util::describe(tp)
            ),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn after_ok(&mut self, req: i32, pid: i32, tpid: i32, class: Class, data: i32, addr: usize, ret: i32) {
        let mut remote_exit = false;
        let Some(p) = self.procs.get_mut(&tpid) else { return };
        match req {
            // (A continue does not undo a SIGKILL: still dying. Taken for
            // running, the stop the engine held from before the kill was
            // "waited" and the requests after it expected to work, while
            // the process was on its way out: ESRCH, R1 seed 17000053.)
            PT_CONTINUE | PT_STEP | PT_TO_SCE | PT_TO_SCX | PT_SYSCALL if p.st == St::Dying => {}
            // Continued with SIGKILL: dying, as after PT_KILL.
            PT_CONTINUE | PT_STEP | PT_TO_SCE | PT_TO_SCX | PT_SYSCALL if data == libc::SIGKILL => p.st = St::Dying,
            PT_CONTINUE | PT_STEP | PT_TO_SCE | PT_TO_SCX | PT_SYSCALL => {
                p.st = St::Running;
                p.polls = 0;
                p.stop_sent = false;
            }
            PT_KILL => p.st = St::Dying,
            PT_ATTACH => {
                p.st = St::Running;
                p.polls = 0;
                // Ours now, whoever traced it before.
                p.other = false;
            }
            PT_DETACH => {
                p.st = St::Untraced;
                p.lwps.clear();
                if !p.child {
                    // Not ours to wait for: leave it to the census, after
                    // killing it at the end.
                }
            }
            PT_SUSPEND => p.suspended = true,
            PT_SC_REMOTE => {
                // SAFETY: addr is our buffer (the call succeeded).
                let nr = unsafe { std::ptr::read_unaligned((addr + 24) as *const u32) };
                let ret: ptrace_sc_ret = unsafe { std::ptr::read_unaligned(addr as *const ptrace_sc_ret) };
                // Every call re-stops the process (SIGSTOP, reported next);
                // exit_group too: its LWP then sits at its exit, and the exit
                // comes once it is continued (request/remote.rs, as FreeBSD).
                p.st = St::Restop;
                remote_exit = nr == 231;
                if nr == 39 && (ret.sr_error != 0 || ret.sr_retval[0] != tpid as i64) {
                    let ctx = self.ctx();
                    self.report.defect("unexpected", format!("{ctx} PT_SC_REMOTE getpid() in {tpid} returned {ret:?}"));
                }
                // (The sandbox answers EPERM for what it does not list.)
                if nr == 1000 && ret.sr_error != libc::ENOSYS && ret.sr_error != libc::EPERM {
                    let ctx = self.ctx();
                    self.report.defect("unexpected", format!("{ctx} PT_SC_REMOTE of syscall 1000 in {tpid} returned {ret:?}"));
                }
            }
            PT_GETLWPLIST if self.out.as_ptr() as usize == addr => {
                let got = listed_lwps(&self.out, ret, data);
                if !got.is_empty() {
                    p.lwps = got;
                }
            }
            _ => {}
        }
        let _ = (pid, class);
        if remote_exit {
            self.end_remote_exit(tpid);
        }
    }

    /// After a PT_SC_REMOTE of exit_group: take the re-stop and continue
    /// the process, whose exit is then owed. (The model used to take it
    /// for dying at once and wait for an exit that a process held at its
    /// exit stop never gives: the "blocking wait for a stopped
    /// single-threaded process" of docs/RELIABILITY.md.)
    fn end_remote_exit(&mut self, pid: i32) {
        self.wait_one(pid, false, WaitHow::Waitpid);
        if self.procs.get(&pid).is_none_or(|p| p.st != St::Stopped) {
            // Reported something else (its exit, a defect already filed).
            return;
        }
        self.n += 1;
        let r = {
            let _c = progress::begin(|| format!("PT_CONTINUE {pid} after a remote exit_group"));
            self.face.ptrace(PT_CONTINUE, pid, 1, 0)
        };
        if log() || lazy_log() {
            flog(format!("{} PT_CONTINUE {pid} after a remote exit_group -> {r:?}", self.n));
        }
        if let Err(e) = r {
            let ctx = self.ctx();
            self.report.defect("wrong-errno", format!("{ctx} PT_CONTINUE of {pid} at its exit after a remote exit_group: {}", errno_name(e)));
        }
        if let Some(p) = self.procs.get_mut(&pid) {
            p.st = St::Dying;
        }
    }

    /// Kill everything, collect every exit, and leave nothing behind.
    fn finish(&mut self) {
        // Processes that are neither traced nor our children (followed
        // children we detached): kill them, the census checks they went.
        let strangers: Vec<i32> = self.procs.iter().filter(|(_, p)| p.st == St::Untraced && !p.child && !p.other).map(|(k, _)| *k).collect();
        for pid in strangers {
            // SAFETY: plain call.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            self.procs.remove(&pid);
        }
        let pids: Vec<i32> = self.procs.keys().copied().collect();
        for pid in pids {
            let p = self.procs[&pid].clone();
            if p.other {
                continue;
            }
            match p.st {
                St::Stopped => {
                    self.n += 1;
                    let r = {
                        let _c = progress::begin(|| format!("final PT_KILL {pid}"));
                        self.face.ptrace(PT_KILL, pid, 0, 0)
                    };
                    if let Err(e) = r {
                        let ctx = self.ctx();
                        self.report.defect("wrong-errno", format!("{ctx} final PT_KILL of stopped {pid}: {}", errno_name(e)));
                        self.sigkill(pid);
                    }
                }
                _ => self.sigkill(pid),
            }
            if let Some(p) = self.procs.get_mut(&pid) {
                p.st = St::Dying;
            }
        }
        // Collect: every traced process and every child of ours owes an exit.
        for _ in 0..10_000 {
            let owed: Vec<i32> = self.procs.iter().filter(|(_, p)| !p.other && (p.child || p.st != St::Untraced)).map(|(k, _)| *k).collect();
            let Some(&pid) = owed.first() else { break };
            let before = self.procs.len();
            self.wait_one(pid, false, WaitHow::Waitpid);
            if self.procs.len() == before && self.procs.contains_key(&pid) {
                // A stop raced the kill; the exit still comes.
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.st = St::Dying;
                }
            }
        }
        // Followed children we detached and the other tracer's child are
        // not ours to reap: kill them, the census checks they went.
        for (pid, p) in &self.procs {
            if p.other || (!p.child && p.st == St::Untraced) {
                // SAFETY: plain call.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
        }
    }
}

/// The LWP ids a PT_GETLWPLIST that returned `ret` wrote into `out`
/// (`data` slots). Only those: what lies beyond is an earlier call's, ids
/// of another process. Taking them for this one's (the model read `data`
/// slots) made the fuzzer aim its LWP requests at the wrong process and
/// then blame the engine: PT_STEP of another process's LWP "resumed" this
/// one, whose stop then came "twice" while the other's requests answered
/// EBUSY (issue 11's "stop reported twice, two processes' stops swapped",
/// `fuzz --face c --seed 15000046 --calls 1420`, about 1 run in 8).
fn listed_lwps(out: &[u64], ret: i32, data: i32) -> Vec<i32> {
    let cnt = (ret.clamp(0, data.max(0)) as usize).min(out.len() * 2);
    (0..cnt)
        .map(|i| {
            let w = out[i / 2];
            (if i % 2 == 0 { w as u32 } else { (w >> 32) as u32 }) as i32
        })
        .take_while(|&i| i > LWPID_BASE)
        .collect()
}

/// `BSDTRACE_FAULT_LOG=1`: every call and its answer on stderr.
fn log() -> bool {
    static L: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *L.get_or_init(|| std::env::var_os("BSDTRACE_FAULT_LOG").is_some_and(|v| v != "ring"))
}

/// `BSDTRACE_FAULT_LOG=ring`: the same lines kept in memory (the last
/// [`LAZY_LINES`]) and written with the engines' flight recorders at a
/// defect (`BSDTRACE_FAULT_RING`): no system call per call, so the timing
/// that printing hides defects with stays nearly as it was.
fn lazy_log() -> bool {
    static L: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *L.get_or_init(|| std::env::var_os("BSDTRACE_FAULT_LOG").is_some_and(|v| v == "ring"))
}

const LAZY_LINES: usize = 512;
static LAZY: std::sync::Mutex<std::collections::VecDeque<String>> = std::sync::Mutex::new(std::collections::VecDeque::new());

fn flog(line: String) {
    if log() {
        eprintln!("{line}");
        return;
    }
    let mut q = LAZY.lock().unwrap_or_else(|e| e.into_inner());
    if q.len() == LAZY_LINES {
        q.pop_front();
    }
    q.push_back(line);
}

/// `f` over the in-memory call log, oldest first, if its lock is free
/// (from a signal handler: no allocation, no blocking).
pub fn with_lazy_lines(f: impl FnOnce(&mut dyn Iterator<Item = &String>)) {
    if let Ok(q) = LAZY.try_lock() {
        f(&mut q.iter());
    }
}

/// The in-memory call log, oldest first (`BSDTRACE_FAULT_LOG=ring`).
pub fn lazy_lines() -> Vec<String> {
    LAZY.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
}

/// Start the tracee with `$READY_FD` and return (pid, first line).
pub fn spawn_ready(args: &[&str]) -> (i32, String) {
    let mut fds = [0; 2];
    // SAFETY: valid array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    let mut v = vec![util::tracee().to_string()];
    v.extend(args.iter().map(|s| s.to_string()));
    let argv = util::Argv::new(&v);
    let w = fds[1];
    let pid = util::fork_with(|| {
        // SAFETY: async-signal-safe calls in the child.
        unsafe {
            libc::dup2(w, 3);
            libc::setenv(c"READY_FD".as_ptr(), c"3".as_ptr(), 1);
        }
        argv.exec()
    });
    // SAFETY: our fds.
    unsafe { libc::close(w) };
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    // SAFETY: reading into a valid byte.
    while unsafe { libc::read(fds[0], b.as_mut_ptr() as *mut _, 1) } == 1 && b[0] != b'\n' {
        line.push(b[0]);
    }
    // SAFETY: our fd.
    unsafe { libc::close(fds[0]) };
    (pid, String::from_utf8_lossy(&line).into_owned())
}

pub fn req_name(req: i32) -> String {
    let n = match req {
        PT_TRACE_ME => "PT_TRACE_ME",
        PT_READ_I => "PT_READ_I",
        PT_READ_D => "PT_READ_D",
        PT_WRITE_I => "PT_WRITE_I",
        PT_WRITE_D => "PT_WRITE_D",
        PT_CONTINUE => "PT_CONTINUE",
        PT_KILL => "PT_KILL",
        PT_STEP => "PT_STEP",
        PT_ATTACH => "PT_ATTACH",
        PT_DETACH => "PT_DETACH",
        PT_IO => "PT_IO",
        PT_LWPINFO => "PT_LWPINFO",
        PT_GETNUMLWPS => "PT_GETNUMLWPS",
        PT_GETLWPLIST => "PT_GETLWPLIST",
        PT_CLEARSTEP => "PT_CLEARSTEP",
        PT_SETSTEP => "PT_SETSTEP",
        PT_SUSPEND => "PT_SUSPEND",
        PT_RESUME => "PT_RESUME",
        PT_TO_SCE => "PT_TO_SCE",
        PT_TO_SCX => "PT_TO_SCX",
        PT_SYSCALL => "PT_SYSCALL",
        PT_FOLLOW_FORK => "PT_FOLLOW_FORK",
        PT_LWP_EVENTS => "PT_LWP_EVENTS",
        PT_GET_EVENT_MASK => "PT_GET_EVENT_MASK",
        PT_SET_EVENT_MASK => "PT_SET_EVENT_MASK",
        PT_GET_SC_ARGS => "PT_GET_SC_ARGS",
        PT_GET_SC_RET => "PT_GET_SC_RET",
        PT_COREDUMP => "PT_COREDUMP",
        PT_GETREGS => "PT_GETREGS",
        PT_SETREGS => "PT_SETREGS",
        PT_GETFPREGS => "PT_GETFPREGS",
        PT_SETFPREGS => "PT_SETFPREGS",
        PT_GETDBREGS => "PT_GETDBREGS",
        PT_SETDBREGS => "PT_SETDBREGS",
        PT_VM_TIMESTAMP => "PT_VM_TIMESTAMP",
        PT_VM_ENTRY => "PT_VM_ENTRY",
        PT_GETREGSET => "PT_GETREGSET",
        PT_SETREGSET => "PT_SETREGSET",
        PT_SC_REMOTE => "PT_SC_REMOTE",
        PT_GETXSTATE_INFO => "PT_GETXSTATE_INFO",
        PT_GETXSTATE => "PT_GETXSTATE",
        PT_SETXSTATE => "PT_SETXSTATE",
        PT_GETFSBASE => "PT_GETFSBASE",
        PT_SETFSBASE => "PT_SETFSBASE",
        PT_GETGSBASE => "PT_GETGSBASE",
        PT_SETGSBASE => "PT_SETGSBASE",
        _ => return format!("request {req}"),
    };
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_lwp_list_is_only_what_the_call_returned() {
        // Little-endian i32 slots, as the library writes them.
        let pack = |a: i32, b: i32| (a as u32 as u64) | ((b as u32 as u64) << 32);
        let (x, y, z) = (LWPID_BASE + 100, LWPID_BASE + 101, LWPID_BASE + 200);
        // A two-thread process listed first, then a one-thread one.
        let mut out = vec![pack(x, y), 0];
        assert_eq!(listed_lwps(&out, 2, 8), vec![x, y]);
        out[0] = pack(z, y);
        assert_eq!(listed_lwps(&out, 1, 8), vec![z]);
        assert_eq!(listed_lwps(&out, 0, 8), Vec::<i32>::new());
        assert_eq!(listed_lwps(&out, 2, 1), vec![z]);
    }
}
