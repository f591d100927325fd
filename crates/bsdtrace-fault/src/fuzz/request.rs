//! One request through the face, judged against what FreeBSD allows for
//! its target and arguments, and the model moved by its success.

use super::{flog, lazy_log, log, req_name, Class, Exp, Fuzz, St};
use super::model::listed_lwps;
use crate::progress;
use crate::util::{self, errno_name};
use bsdtrace::abi::*;

impl Fuzz<'_> {
    /// procctl(2)'s status commands (they change nothing) on any target,
    /// with good and bad pointers: never a crash, an answer in FreeBSD's
    /// set, and no success on a process that does not exist.
    pub(super) fn procctl(&mut self) {
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
        // In the call log too: a ring that put a lost death between two
        // logged calls had this call there, unnamed (issue 11, seed 24).
        if log() || lazy_log() {
            flog(format!("{} procctl({idtype}, {pid}, {cmd}, {data:#x}) {class:?} -> {r:?}", self.n));
        }
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

    pub(super) fn request(&mut self) {
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
    pub(super) fn check(&mut self, req: i32, pid: i32, addr: usize, data: i32, class: Class, state: Option<St>, exp: &Exp, r: Result<i32, i32>) {
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
    pub(super) fn after_ok(&mut self, req: i32, pid: i32, tpid: i32, class: Class, data: i32, addr: usize, ret: i32) {
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

}
