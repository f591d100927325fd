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
//!
//! Its parts: [`model`] (what the fuzzer believes of each process and
//! what FreeBSD allows), [`generate`] (the targets, requests and
//! arguments it draws from the seed), [`request`] (making a request and
//! judging the answer), [`waits`] (waits and the statuses they report),
//! [`procs`] (the processes it starts, and the end of a run) and [`calllog`]
//! (the call log). This file holds the state and the loop that draws
//! what to do next.

mod calllog;
mod generate;
mod model;
mod procs;
mod request;
mod waits;

use crate::face::{Face, WaitHow};
use crate::progress;
use crate::report::Report;
use crate::util::{self, errno_name};
use calllog::{flog, lazy_log, log};
use model::{Class, Exp, St, P};
use std::collections::BTreeMap;

pub use calllog::{lazy_lines, req_name, with_lazy_lines};
pub use procs::spawn_ready;

/// FreeBSD's waitid() option for debugger stops.
pub const WTRAPPED: i32 = 0x20;

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
    /// Children of ours killed at birth because Linux gave them the pid
    /// of a process whose exit we have not collected (FreeBSD keeps that
    /// pid until then): each owes one exit, after the old one's.
    reused: Vec<i32>,
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
            reused: Vec::new(),
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

}
