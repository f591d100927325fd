//! `waitpid`, `wait`, `wait3`, `wait4` and `waitid` with glibc's signatures
//! and the engine's reports (DESIGN decision 4: the wait belongs to the
//! engine).
//!
//! As on FreeBSD, `wait`/`waitpid`/`wait3`/`wait4` report debugger stops
//! without WUNTRACED; job-control stops only with WUNTRACED; children we do
//! not trace exactly as the kernel reports them. `waitid` reports a
//! debugger stop as `CLD_TRAPPED` with `si_status` the stop signal when the
//! options include WTRAPPED (FreeBSD's flag, 0x20 here as there), WEXITED or
//! WSTOPPED; job-control stops need WSTOPPED, exits WEXITED. `wait3` and
//! `wait4` report the resource usage of an exit (the kernel's, kept by the
//! engine when it reaped it) and zeros for stops and continues.
//!
//! It must never block on the executor: every engine call is a WNOHANG
//! attempt, and blocking happens in [`executor::wait_loop`].

use crate::copy::{copyout, zeroed, Plain};
use crate::executor::{self, Ctx, Stashed};
use bsdtrace::{Errno, Pid, WaitOptions, WaitStatus};

/// FreeBSD's `waitid()` option for debugger stops (`<sys/ptrace.h>`).
pub const WTRAPPED: i32 = 0x20;

/// Linux-only options wait4() accepts; they select nothing here (the engine
/// always waits for every child and clone, `__WALL`).
const LINUX_SCOPE: i32 = bsdtrace::sys::WALL | bsdtrace::sys::WNOTHREAD | 0x8000_0000u32 as i32;

/// What one wait call reports.
#[derive(Clone, Copy, Debug)]
struct Want {
    /// wait4-style selector: -1 any, > 0 that pid, 0 our group, < -1 group.
    sel: i32,
    exited: bool,
    /// Debugger stops.
    trapped: bool,
    /// Job-control stops.
    untraced: bool,
    continued: bool,
    /// Leave the status to be reported again (waitid's WNOWAIT).
    nowait: bool,
    /// The caller takes an exit's resource usage (wait3/wait4 with a
    /// buffer): only then is the kernel asked to compute it.
    rusage: bool,
}

impl Want {
    fn reports(&self, st: WaitStatus) -> bool {
        match st {
            WaitStatus::Exited(_) | WaitStatus::Signaled { .. } => self.exited,
            WaitStatus::Stopped(_) => self.trapped,
            WaitStatus::JobStopped(_) => self.untraced,
            WaitStatus::Continued => self.continued,
        }
    }

    fn selects(&self, s: &Stashed) -> bool {
        match self.sel {
            -1 => true,
            p if p > 0 => s.pid.0 == p,
            0 => s.pgid == bsdtrace::sys::getpgid(0).unwrap_or(-2),
            g => s.pgid == -g,
        }
    }

    /// The Linux options under which the kernel has something for us.
    fn linux_flags(&self) -> i32 {
        let mut f = 0;
        if self.untraced {
            f |= libc::WSTOPPED;
        }
        if self.continued {
            f |= libc::WCONTINUED;
        }
        f
    }
}

/// One non-blocking try, on the executor: what an earlier call left, then
/// the engine.
fn attempt(ctx: &mut Ctx, w: Want) -> Result<Option<Stashed>, Errno> {
    if w.untraced {
        reap_job_stops(ctx);
    }
    if let Some(i) = ctx
        .stash
        .iter()
        .position(|s| w.selects(s) && w.reports(s.status))
    {
        let s = ctx.stash[i];
        if !w.nowait {
            ctx.stash.remove(i);
        }
        return Ok(Some(s));
    }
    // The engine takes a stopped child it does not know for a new tracee
    // whose creator's event is late (and keeps it); job-control stops of
    // untraced children are reaped above instead, so never ask it for them.
    let opts = WaitOptions {
        nohang: true,
        untraced: false,
        continued: w.continued,
        ..WaitOptions::NOHANG
    };
    loop {
        let r = if w.rusage {
            ctx.tracer.wait_rusage(w.sel, opts)
        } else {
            ctx.tracer.wait(w.sel, opts).map(|o| o.map(|(p, st)| (p, st, None)))
        };
        match r {
            Ok(None) => return Ok(None),
            Ok(Some((pid, status, rusage))) => {
                if executor::take_doorbell(pid.0) {
                    continue;
                }
                let s = Stashed {
                    pid,
                    pgid: bsdtrace::sys::getpgid(pid.0).unwrap_or(-1),
                    status,
                    rusage,
                };
                if w.reports(status) {
                    if w.nowait {
                        ctx.stash.push_front(s);
                    }
                    return Ok(Some(s));
                }
                // Taken, but not what this call reports (waitid without
                // WEXITED): keep it for a later wait.
                ctx.stash.push_back(s);
            }
            Err(err) => return Err(err.errno()),
        }
    }
}

/// Reap job-control stops of children we do not trace (WUNTRACED) and
/// keep them for the wait that asked.
fn reap_job_stops(ctx: &mut Ctx) {
    while let Some((pid, sig)) = executor::peek_job_stop() {
        if ctx.tracer.is_traced(Pid(pid)) {
            return;
        }
        match bsdtrace::sys::wait4(pid, libc::WUNTRACED | libc::WNOHANG | bsdtrace::sys::WALL) {
            Ok(Some((p, st))) if p == pid && libc::WIFSTOPPED(st) => {
                let pgid = bsdtrace::sys::getpgid(pid).unwrap_or(-1);
                ctx.stash.push_back(Stashed {
                    pid: Pid(pid),
                    pgid,
                    status: WaitStatus::JobStopped(sig),
                    rusage: None,
                });
            }
            _ => return,
        }
    }
}

fn run(w: Want, nohang: bool) -> Result<Option<Stashed>, Errno> {
    // From a signal handler that interrupted libbsdtrace (a SIGCHLD handler
    // calling waitpid): nothing can be reaped now; WNOHANG says so, a
    // blocking wait is interrupted.
    let Some(_inside) = executor::enter() else {
        return if nohang { Ok(None) } else { Err(Errno::EINTR) };
    };
    executor::wait_loop(nohang, w.linux_flags(), hand_over_traceme, move |ctx| {
        attempt(ctx, w)
    })
}

/// A PT_TRACE_ME child is traced, in Linux's eyes, by the thread that
/// forked it. When that is not the executor, the engine cannot adopt it at
/// its first stop (only the forking thread may PTRACE_DETACH it), so the
/// forking thread does that half here, when it waits: it reaps the child's
/// first stop, reads its siginfo, detaches it into a job-control stop, and
/// hands it to the engine, which seizes it and reports that first stop.
fn hand_over_traceme() -> bool {
    // Only a thread that forked can be a PT_TRACE_ME child's tracer; once
    // its children are settled it need not look again until it forks again
    // (this keeps /proc off the wait path of a tracer thread).
    if executor::is_executor() || !executor::forked_since_settled() {
        return false;
    }
    use bsdtrace::sys;
    let me = sys::gettid();
    let Ok(children) =
        std::fs::read_to_string(format!("/proc/{}/task/{me}/children", sys::getpid()))
    else {
        return false;
    };
    let mut adopted = false;
    let mut settled = true;
    for child in children
        .split_whitespace()
        .filter_map(|c| c.parse::<i32>().ok())
    {
        let Ok(st) = sys::procfs::status(child) else {
            continue;
        };
        if st.tracer_pid == 0 || (st.tracer_pid == me && st.state != 't') {
            // Not traced yet, or ours but not stopped yet: look again later.
            settled = false;
            continue;
        }
        // Stopped for us, its tracer, and not yet the engine's?
        if st.tracer_pid != me || st.tgid != child {
            continue;
        }
        if executor::call(move |ctx| ctx.tracer.is_traced(Pid(child))) != Some(false) {
            continue;
        }
        // The stop may already have been reaped by the engine (which could
        // not adopt it); then its siginfo still tells the signal.
        let reaped = sys::wait4(child, sys::WALL | libc::WNOHANG)
            .ok()
            .flatten()
            .map(|(_, st)| st);
        let siginfo = sys::siginfo(child).ok();
        let status = match (reaped, siginfo) {
            (Some(st), _) => st,
            (None, Some(si)) => (sys::si::signo(&si) << 8) | 0x7f,
            (None, None) => {
                settled = false;
                continue;
            }
        };
        if sys::detach(child, libc::SIGSTOP).is_err()
            || sys::wait4(child, sys::WALL | libc::WUNTRACED).is_err()
        {
            settled = false;
            continue;
        }
        let siginfo = siginfo.map(PlainSiginfo);
        let ok = executor::call(move |ctx| {
            ctx.tracer
                .adopt_traceme_detached(Pid(child), status, siginfo.map(|s| s.0))
        })
        .is_some_and(|r| r.is_ok());
        adopted |= ok;
        settled &= ok;
    }
    if settled {
        executor::children_settled();
    }
    adopted
}

/// A `siginfo_t` to hand to the executor thread.
struct PlainSiginfo(libc::siginfo_t);
// SAFETY: siginfo_t is plain data; its pointer fields (si_addr, sigval) are
// numbers copied out of the kernel, never dereferenced by us.
unsafe impl Send for PlainSiginfo {}

fn fail<T: From<i8>>(err: Errno) -> T {
    crate::copy::set_errno(err);
    T::from(-1)
}

/// `wait4(2)`: FreeBSD's view of the tracer's children. `rusage`, if not
/// NULL, gets an exit's resource usage (zeros for a stop).
#[no_mangle]
pub extern "C" fn wait4(
    pid: libc::pid_t,
    status: *mut libc::c_int,
    options: libc::c_int,
    rusage: *mut libc::rusage,
) -> libc::pid_t {
    if options & !(libc::WNOHANG | libc::WUNTRACED | libc::WCONTINUED | LINUX_SCOPE) != 0 {
        return fail(Errno::EINVAL);
    }
    let w = Want {
        sel: pid,
        exited: true,
        trapped: true,
        untraced: options & libc::WUNTRACED != 0,
        continued: options & libc::WCONTINUED != 0,
        nowait: false,
        rusage: !rusage.is_null(),
    };
    match run(w, options & libc::WNOHANG != 0) {
        Ok(None) => 0,
        Ok(Some(s)) => {
            if !status.is_null() {
                if let Err(err) = copyout(status as usize, &s.status.raw()) {
                    return fail(err);
                }
            }
            if !rusage.is_null() {
                // An exit's usage; zero for stops and continues (FreeBSD
                // fills it only when reaping).
                let ru = s.rusage.map(|r| r.0).unwrap_or_else(zeroed::<libc::rusage>);
                if let Err(err) = copyout(rusage as usize, &ru) {
                    return fail(err);
                }
            }
            s.pid.0
        }
        Err(err) => fail(err),
    }
}

/// `waitpid(2)`.
#[no_mangle]
pub extern "C" fn waitpid(
    pid: libc::pid_t,
    status: *mut libc::c_int,
    options: libc::c_int,
) -> libc::pid_t {
    wait4(pid, status, options, std::ptr::null_mut())
}

/// `wait(2)`.
#[no_mangle]
pub extern "C" fn wait(status: *mut libc::c_int) -> libc::pid_t {
    wait4(-1, status, 0, std::ptr::null_mut())
}

/// `wait3(2)`.
#[no_mangle]
pub extern "C" fn wait3(
    status: *mut libc::c_int,
    options: libc::c_int,
    rusage: *mut libc::rusage,
) -> libc::pid_t {
    wait4(-1, status, options, rusage)
}

/// glibc's `siginfo_t` as `waitid()` fills it for SIGCHLD.
#[repr(C)]
#[derive(Clone, Copy)]
struct ChildInfo {
    si_signo: i32,
    si_errno: i32,
    si_code: i32,
    _pad: i32,
    si_pid: i32,
    si_uid: u32,
    si_status: i32,
    _pad2: i32,
    si_utime: i64,
    si_stime: i64,
    _rest: [u64; 10],
}
// SAFETY: integers only; every byte pattern is valid.
unsafe impl Plain for ChildInfo {}
const _: () = assert!(std::mem::size_of::<ChildInfo>() == std::mem::size_of::<libc::siginfo_t>());

/// FreeBSD's `CLD_TRAPPED` (the same value on Linux).
const CLD_TRAPPED: i32 = 4;

fn child_info(s: &Stashed) -> ChildInfo {
    let (code, status) = match s.status {
        WaitStatus::Exited(c) => (libc::CLD_EXITED, c),
        WaitStatus::Signaled { sig, core: true } => (libc::CLD_DUMPED, sig),
        WaitStatus::Signaled { sig, core: false } => (libc::CLD_KILLED, sig),
        WaitStatus::Stopped(sig) => (CLD_TRAPPED, sig),
        WaitStatus::JobStopped(sig) => (libc::CLD_STOPPED, sig),
        WaitStatus::Continued => (libc::CLD_CONTINUED, libc::SIGCONT),
    };
    // The child's real uid while it still exists; ours otherwise (the
    // engine reaped it and did not keep it).
    let uid = bsdtrace::sys::procfs::status(s.pid.0)
        .map(|st| st.uid[0])
        .unwrap_or_else(|_| bsdtrace::sys::geteuid());
    let mut ci: ChildInfo = zeroed();
    ci.si_signo = libc::SIGCHLD;
    ci.si_code = code;
    ci.si_pid = s.pid.0;
    ci.si_uid = uid;
    ci.si_status = status;
    ci
}

/// `waitid(2)` with glibc's idtype_t (P_ALL, P_PID, P_PGID) and options
/// (WEXITED, WSTOPPED, WCONTINUED, WNOHANG, WNOWAIT) plus FreeBSD's WTRAPPED.
#[no_mangle]
pub extern "C" fn waitid(
    idtype: libc::idtype_t,
    id: libc::id_t,
    infop: *mut libc::siginfo_t,
    options: libc::c_int,
) -> libc::c_int {
    let known = libc::WNOHANG
        | libc::WNOWAIT
        | libc::WEXITED
        | libc::WSTOPPED
        | libc::WCONTINUED
        | WTRAPPED
        | LINUX_SCOPE;
    let what = libc::WEXITED | libc::WSTOPPED | libc::WCONTINUED | WTRAPPED;
    if options & !known != 0 || options & what == 0 {
        return fail(Errno::EINVAL);
    }
    let sel = match idtype {
        libc::P_ALL => -1,
        libc::P_PID if id > 0 && id <= i32::MAX as libc::id_t => id as i32,
        libc::P_PGID if id == 0 => 0,
        libc::P_PGID if id > 1 && id <= i32::MAX as libc::id_t => -(id as i32),
        _ => return fail(Errno::EINVAL),
    };
    let w = Want {
        sel,
        exited: options & libc::WEXITED != 0,
        trapped: options & (WTRAPPED | libc::WEXITED | libc::WSTOPPED) != 0,
        untraced: options & libc::WSTOPPED != 0,
        continued: options & libc::WCONTINUED != 0,
        nowait: options & libc::WNOWAIT != 0,
        rusage: false,
    };
    let ci = match run(w, options & libc::WNOHANG != 0) {
        Ok(Some(s)) => child_info(&s),
        // WNOHANG and nothing to report: si_pid 0, as Linux and POSIX say.
        Ok(None) => zeroed(),
        Err(err) => return fail(err),
    };
    if !infop.is_null() {
        if let Err(err) = copyout(infop as usize, &ci) {
            return fail(err);
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_info_is_glibcs_sigchld_layout() {
        let s = Stashed {
            pid: Pid(1234),
            pgid: 1,
            status: WaitStatus::Stopped(libc::SIGTRAP),
            rusage: None,
        };
        let ci = child_info(&s);
        // SAFETY: ChildInfo and siginfo_t have the same size; reading the
        // bytes back through glibc's accessors checks the offsets.
        let si: libc::siginfo_t = unsafe { std::mem::transmute(ci) };
        assert_eq!(si.si_signo, libc::SIGCHLD);
        assert_eq!(si.si_code, CLD_TRAPPED);
        // SAFETY: the SIGCHLD member is the one filled in.
        unsafe {
            assert_eq!(si.si_pid(), 1234);
            assert_eq!(si.si_status(), libc::SIGTRAP);
        }
    }
}
