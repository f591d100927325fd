//! The processes the fuzzer starts (traced, untraced, traced by another
//! process), and the end of a run: kill everything and collect every exit.

use super::{flog, lazy_log, log, Fuzz, St, P};
use crate::face::WaitHow;
use crate::util::{self, errno_name};
use crate::progress;
use bsdtrace::abi::*;

impl Fuzz<'_> {
    pub(super) fn spawn_traced(&mut self) {
        self.n += 1;
        let s = self.rng.u64(..).to_string();
        let pid = {
            let _c = progress::begin(|| "spawn traced".into());
            self.face.spawn_traceme(&["fuzz", &s])
        };
        if log() || lazy_log() {
            flog(format!("{} spawn traced (PT_TRACE_ME) -> {pid}", self.n));
        }
        if self.pid_reused(pid) {
            return;
        }
        self.procs.insert(pid, P { child: true, sandboxed: true, may_exec: true, unborn: true, ..P::new(St::Running) });
        self.dead.retain(|d| *d != pid);
        self.report.add("r1.spawned", 1);
    }

    pub(super) fn spawn_untraced(&mut self) {
        let s = self.rng.u64(..).to_string();
        // (Avoid 13: PT_ATTACH racing the target's own execve answers
        // EPERM; "loop" never execs.)
        let mode = if self.avoid.contains(&13) { "loop" } else { "fuzz" };
        let (pid, _) = spawn_ready(&[mode, &s]);
        if log() || lazy_log() {
            flog(format!("{} spawn untraced ({mode}) -> {pid}", self.n));
        }
        if self.pid_reused(pid) {
            return;
        }
        self.procs.insert(pid, P { child: true, sandboxed: true, may_exec: mode == "fuzz", ..P::new(St::Untraced) });
        self.dead.retain(|d| *d != pid);
    }

    pub(super) fn spawn_other(&mut self) {
        self.other_made = true;
        let (helper, line) = spawn_ready(&["other_tracer"]);
        let Some(grandchild) = line.strip_prefix("ready ").and_then(|s| s.trim().parse::<i32>().ok()) else { return };
        if log() || lazy_log() {
            flog(format!("{} spawn another tracer {helper} of {grandchild}", self.n));
        }
        if self.procs.contains_key(&grandchild) {
            // (The grandchild is not ours to reap: its parent, killed,
            // takes it down with it; it is gone before its pid is seen.)
            let _ = self.pid_reused(helper);
            // SAFETY: plain call.
            unsafe { libc::kill(grandchild, libc::SIGKILL) };
            self.report.add("r1.pid-reused", 1);
            return;
        }
        if self.pid_reused(helper) {
            // SAFETY: plain call.
            unsafe { libc::kill(grandchild, libc::SIGKILL) };
            return;
        }
        self.procs.insert(helper, P { child: true, ..P::new(St::Untraced) });
        self.procs.insert(grandchild, P { other: true, ..P::new(St::Untraced) });
    }

    /// Whether Linux gave our new child `pid` the pid of a process whose
    /// exit we have not collected yet. On FreeBSD the zombie keeps its pid
    /// until the debugger's wait; on Linux the engine reaps the dead
    /// tracee at once and the pid is free (docs/deviations.md): requests
    /// naming it answer for the dead process (ESRCH) until its exit is
    /// collected, and the two exits come under one pid. A FreeBSD model
    /// cannot say which process a call means then, so the newcomer is
    /// killed at birth, and its exit (after the old one's) is expected.
    /// (Long-form R1, Rust face, seed 116: PT_VM_TIMESTAMP of the "new
    /// untraced child" answered ESRCH.)
    fn pid_reused(&mut self, pid: i32) -> bool {
        if !self.procs.contains_key(&pid) {
            return false;
        }
        if log() || lazy_log() {
            flog(format!("{} pid {pid} reused before its exit was collected: the newcomer is killed", self.n));
        }
        // SAFETY: plain call.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        self.reused.push(pid);
        self.report.add("r1.pid-reused", 1);
        true
    }

    /// Kill everything, collect every exit, and leave nothing behind.
    pub(super) fn finish(&mut self) {
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
        // The newcomers killed at birth (their pids were reused).
        for _ in 0..1_000 {
            let Some(&pid) = self.reused.first() else { break };
            self.wait_one(pid, false, WaitHow::Waitpid);
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
