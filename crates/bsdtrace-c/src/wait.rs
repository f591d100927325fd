//! `waitpid`, `wait`, `wait3`, `wait4` and `waitid` with glibc's signatures
//! and the engine's reports (DESIGN decision 4: the wait belongs to the
//! engine).
//!
//! As on FreeBSD, `wait`/`waitpid`/`wait3`/`wait4` report debugger stops
//! without WUNTRACED; job-control stops only with WUNTRACED; children we do
//! not trace exactly as the kernel reports them, whichever thread forked
//! them. `waitid` reports a debugger stop as `CLD_TRAPPED` with `si_status`
//! the stop signal when the options include WTRAPPED (FreeBSD's flag, 0x20
//! here as there), WEXITED or WSTOPPED; job-control stops need WSTOPPED,
//! exits WEXITED. `wait3` and `wait4` report the resource usage of an exit
//! (the kernel's, kept by the engine when it reaped it) and zeros for stops
//! and continues.
//!
//! Waits never reap anything themselves: the engine thread does (from any
//! other thread `wait4` could swallow a tracee's ptrace stop), and a wait
//! takes what it published ([`bsdtrace::Engine::wait_for`]). The one thing
//! a waiting thread does with its own hands is hand over a PT_TRACE_ME
//! child it traces: Linux made the forking thread its tracer, and only that
//! thread may detach it.

use crate::copy::{copyout, zeroed, Plain};
use crate::executor::{self, Stashed};
use bsdtrace::{Errno, Pid, WaitFor, WaitStatus};

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
}

fn run(w: Want, nohang: bool) -> Result<Option<Stashed>, Errno> {
    let r = run_inner(w, nohang);
    let opts = (nohang as i64) | (w.exited as i64) << 1 | (w.trapped as i64) << 2 | (w.untraced as i64) << 3 | (w.continued as i64) << 4 | (w.nowait as i64) << 5;
    let v = match &r {
        Ok(Some(s)) => s.pid.0 as i64,
        Ok(None) => 0,
        Err(e) => -(e.0 as i64),
    };
    bsdtrace::engine::ring::record(bsdtrace::engine::ring::Kind::Wait, w.sel as i64, opts, v);
    r
}

fn run_inner(w: Want, nohang: bool) -> Result<Option<Stashed>, Errno> {
    // From a signal handler that interrupted libbsdtrace (a SIGCHLD handler
    // calling waitpid): nothing can be reaped now; WNOHANG says so, a
    // blocking wait is interrupted.
    let Some(_inside) = executor::enter() else {
        return if nohang { Ok(None) } else { Err(Errno::EINTR) };
    };
    if executor::started().is_none() {
        if let Some(r) = without_engine(w, nohang) {
            return r;
        }
    }
    let g = executor::global();
    let me = bsdtrace::sys::gettid();
    loop {
        hand_over_traceme(me);
        {
            let mut stash = executor::stash();
            if let Some(i) = stash.iter().position(|s| w.selects(s) && w.reports(s.status)) {
                let s = stash[i];
                if !w.nowait {
                    stash.remove(i);
                }
                return Ok(Some(s));
            }
        }
        let how = WaitFor { nohang, nowait: false, traceme_of: Some(me), continued: w.continued };
        let r = g.engine.wait_for(w.sel, |st| w.reports(*st), how).map_err(|e| e.errno())?;
        let Some(r) = r else {
            if g.engine.has_traceme(me) {
                continue;
            }
            return Ok(None);
        };
        let s = Stashed {
            pid: r.pid,
            pgid: r.pgid.unwrap_or_else(|| bsdtrace::sys::getpgid(r.pid.0).unwrap_or(-1)),
            status: r.status,
            rusage: r.rusage,
        };
        if w.nowait {
            executor::stash().push_front(s);
        }
        return Ok(Some(s));
    }
}

/// A wait in a process that has not started its engine: such a process
/// traces nothing but, perhaps, PT_TRACE_ME children (PT_TRACE_ME starts
/// no engine), so the kernel's wait is FreeBSD's, as glibc's would be.
/// Starting the engine here would add a thread FreeBSD does not have: a
/// traced program that waits for a child of its own would show its
/// debugger one more LWP (a BORN stop, PT_GETNUMLWPS one higher). A look
/// with WNOWAIT first: a debugger stop (CLD_TRAPPED) can only be a
/// PT_TRACE_ME child's, which the engine must adopt (None: go on with
/// the engine); anything else is taken as the caller asked.
fn without_engine(w: Want, nohang: bool) -> Option<Result<Option<Stashed>, Errno>> {
    if !(w.exited || w.untraced || w.continued) {
        // Only FreeBSD's WTRAPPED: the kernel's waitid has no such set.
        return None;
    }
    let (idtype, id) = match w.sel {
        -1 => (libc::P_ALL, 0),
        p if p > 0 => (libc::P_PID, p as libc::id_t),
        0 => (libc::P_PGID, 0),
        g => (libc::P_PGID, g.unsigned_abs() as libc::id_t),
    };
    let mut flags = libc::WNOWAIT | bsdtrace::sys::WALL;
    for (on, f) in [(w.exited, libc::WEXITED), (w.untraced, libc::WSTOPPED), (w.continued, libc::WCONTINUED), (nohang, libc::WNOHANG)] {
        if on {
            flags |= f;
        }
    }
    loop {
        let mut si: libc::siginfo_t = zeroed();
        // The system call itself: `libc::waitid` is this library's own.
        // SAFETY: `si` is a valid out-parameter; no rusage.
        if unsafe { libc::syscall(libc::SYS_waitid, idtype, id, &mut si as *mut libc::siginfo_t, flags, 0usize) } != 0 {
            return Some(Err(Errno::last()));
        }
        // SAFETY: waitid filled a SIGCHLD siginfo (or left it zeroed).
        let pid = unsafe { si.si_pid() };
        if pid == 0 {
            return Some(Ok(None)); // WNOHANG, nothing yet
        }
        if si.si_code == libc::CLD_TRAPPED {
            return None;
        }
        let pgid = bsdtrace::sys::getpgid(pid).unwrap_or(-1);
        if w.nowait {
            // SAFETY: as above.
            let (code, st) = (si.si_code, unsafe { si.si_status() });
            let status = match code {
                libc::CLD_EXITED => WaitStatus::Exited(st),
                libc::CLD_KILLED => WaitStatus::Signaled { sig: st, core: false },
                libc::CLD_DUMPED => WaitStatus::Signaled { sig: st, core: true },
                libc::CLD_STOPPED => WaitStatus::JobStopped(st),
                _ => WaitStatus::Continued,
            };
            return Some(Ok(Some(Stashed { pid: Pid(pid), pgid, status, rusage: None })));
        }
        // Take what was seen (the child's state may have moved on since:
        // a stop continued; then look again).
        let opts = bsdtrace::sys::WALL | libc::WNOHANG | if si.si_code == libc::CLD_STOPPED { libc::WUNTRACED } else { 0 } | if si.si_code == libc::CLD_CONTINUED { libc::WCONTINUED } else { 0 };
        let mut st = 0;
        let mut ru: libc::rusage = zeroed();
        // SAFETY: valid out-parameters (the system call: `libc::wait4` is ours).
        match unsafe { libc::syscall(libc::SYS_wait4, pid, &mut st as *mut i32, opts, &mut ru as *mut libc::rusage) } as i32 {
            r if r == pid => {
                let status = WaitStatus::from_raw(st);
                let rusage = matches!(status, WaitStatus::Exited(_) | WaitStatus::Signaled { .. }).then_some(bsdtrace::sys::Rusage(ru));
                return Some(Ok(Some(Stashed { pid: Pid(pid), pgid, status, rusage })));
            }
            -1 if Errno::last() != Errno::EINTR => return Some(Err(Errno::last())),
            _ => continue,
        }
    }
}

/// A PT_TRACE_ME child is traced, in Linux's eyes, by the thread that
/// forked it (Linux's PTRACE_TRACEME attaches it to its real parent
/// thread). Only that thread may detach it, so when the engine sees such a
/// child stopped (its stop notification reaped and listed), the forking
/// thread does this half in its next wait: read the stop's siginfo, detach
/// it into a job-control stop, and hand it to the engine, which seizes it
/// and reports that first stop as FreeBSD would.
fn hand_over_traceme(me: i32) {
    use bsdtrace::sys;
    let engine = &executor::global().engine;
    while let Some(t) = engine.take_traceme(me) {
        let child = t.child.0;
        let siginfo = sys::siginfo(child).ok().map(PlainSiginfo);
        engine.handing_over(child, true);
        if sys::detach(child, libc::SIGSTOP).is_err() {
            // It died meanwhile: its exit comes to the engine's watch.
            engine.handing_over(child, false);
            continue;
        }
        let status = t.status;
        let _ = executor::call(move |tr| {
            tr.adopt_traceme_detached(Pid(child), status, siginfo.map(|s| s.0))
        });
        engine.handing_over(child, false);
    }
}

/// A `siginfo_t` to hand to the engine thread.
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
#[cfg(target_pointer_width = "64")]
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

/// ... in i386's layout (the union right after si_code; 32-bit clock_t).
#[cfg(target_pointer_width = "32")]
#[repr(C)]
#[derive(Clone, Copy)]
struct ChildInfo {
    si_signo: i32,
    si_errno: i32,
    si_code: i32,
    si_pid: i32,
    si_uid: u32,
    si_status: i32,
    si_utime: i32,
    si_stime: i32,
    _rest: [u32; 24],
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
