//! Waits, and what the statuses they report do to the model: a status
//! reported twice, never, or for the wrong process is a defect.

use super::{flog, lazy_log, log, Fuzz, St, P};
use crate::face::WaitHow;
use crate::progress;
use crate::util::errno_name;
use bsdtrace::abi::*;
use bsdtrace::WaitStatus;

impl Fuzz<'_> {
    pub(super) fn wait_one(&mut self, sel: i32, nohang: bool, how: WaitHow) {
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

    pub(super) fn on_wait(&mut self, sel: i32, nohang: bool, how: WaitHow, r: crate::face::WaitResult) {
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

    pub(super) fn on_status(&mut self, pid: i32, st: WaitStatus) {
        let ctx = self.ctx();
        match st {
            WaitStatus::Stopped(sig) => {
                let Some(p) = self.procs.get_mut(&pid) else {
                    if self.reused.contains(&pid) {
                        // A newcomer killed at birth: its exit follows.
                        return;
                    }
                    if self.dead.contains(&pid) {
                        self.report.defect("unexpected", format!("{ctx} stop {sig} of {pid}, whose exit was reported"));
                        return;
                    }
                    // A followed fork child's first stop.
                    self.procs.insert(pid, P { sandboxed: true, may_exec: true, ..P::new(St::Stopped) });
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
                } else if let Some(i) = self.reused.iter().position(|&r| r == pid) {
                    // A newcomer killed at birth (procs.rs `pid_reused`).
                    self.reused.remove(i);
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

    /// After a PT_SC_REMOTE of exit_group: take the re-stop and continue
    /// the process, whose exit is then owed. (The model used to take it
    /// for dying at once and wait for an exit that a process held at its
    /// exit stop never gives: the "blocking wait for a stopped
    /// single-threaded process" of docs/RELIABILITY.md.)
    pub(super) fn end_remote_exit(&mut self, pid: i32) {
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

}
