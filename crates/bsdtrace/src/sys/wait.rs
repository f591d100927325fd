//! The wait family (wait4, waitid), through `syscall(2)`: the C face
//! exports FreeBSD's `wait4()`/`waitpid()`, which a call from here must
//! never land in.

#![allow(clippy::missing_safety_doc)]

use super::*;

/// wait4(2): `__WALL`, threads and processes alike.
pub const WALL: i32 = 0x4000_0000;
/// wait4(2): `__WNOTHREAD`, only the calling thread's children.
pub const WNOTHREAD: i32 = 0x2000_0000;
/// wait4(2): do not block.
pub const WNOHANG: i32 = libc::WNOHANG;
/// wait4(2): report stopped children.
pub const WUNTRACED: i32 = libc::WUNTRACED;
/// `wait4(pid, options | __WALL)`; `Ok(None)` when WNOHANG found nothing.
pub fn wait4(pid: i32, options: i32) -> Result<Option<(Tid, i32)>, Errno> {
    loop {
        match wait4_once(pid, options) {
            Err(Errno::EINTR) => continue,
            r => return r,
        }
    }
}

/// `wait4` that reports `EINTR` instead of retrying.
pub fn wait4_once(pid: i32, options: i32) -> Result<Option<(Tid, i32)>, Errno> {
    wait4_raw(pid, options, std::ptr::null_mut())
}

/// `wait4` that also returns the reaped child's resource usage when `want`
/// (what the kernel fills in: the whole process's for an exit, its current
/// usage for a stop; computing it costs the kernel ~0.3 µs per status).
/// Retries on EINTR unless `once`.
pub fn wait4_rusage(pid: i32, options: i32, once: bool, want: bool) -> Result<Option<(Tid, i32, Option<Rusage>)>, Errno> {
    let mut ru = Rusage::default();
    let p: *mut libc::rusage = if want { &mut ru.0 } else { std::ptr::null_mut() };
    loop {
        match wait4_raw(pid, options, p) {
            Err(Errno::EINTR) if !once => continue,
            r => return r.map(|o| o.map(|(t, st)| (t, st, want.then_some(ru)))),
        }
    }
}

fn wait4_raw(pid: i32, options: i32, ru: *mut libc::rusage) -> Result<Option<(Tid, i32)>, Errno> {
    let mut status: libc::c_int = 0;
    let r = unsafe { libc::syscall(libc::SYS_wait4, pid, &mut status as *mut libc::c_int, options, ru) };
    match check(r) {
        Ok(0) => Ok(None),
        Ok(tid) => Ok(Some((tid as Tid, status))),
        Err(e) => Err(e),
    }
}

/// `struct rusage` as wait4 fills it.
#[derive(Clone, Copy)]
pub struct Rusage(pub libc::rusage);

impl Default for Rusage {
    fn default() -> Self {
        // SAFETY: all-zero is a valid rusage.
        Rusage(unsafe { std::mem::zeroed() })
    }
}

impl std::fmt::Debug for Rusage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = |tv: libc::timeval| format!("{}.{:06}", tv.tv_sec, tv.tv_usec);
        f.debug_struct("Rusage")
            .field("utime", &t(self.0.ru_utime))
            .field("stime", &t(self.0.ru_stime))
            .field("maxrss_kb", &self.0.ru_maxrss)
            .finish_non_exhaustive()
    }
}

/// `waitid(P_ALL, 0, WNOWAIT|...)`: peek at the next status without reaping it.
pub fn waitid_peek(options: i32) -> Result<Option<Tid>, Errno> {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe {
            libc::syscall(
                libc::SYS_waitid,
                libc::P_ALL,
                0,
                &mut si as *mut siginfo_t,
                options | libc::WNOWAIT,
                0usize,
            )
        };
        match check(r) {
            Ok(_) => {
                let pid = unsafe { si.si_pid() };
                return Ok(if pid == 0 { None } else { Some(pid) });
            }
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}
/// `waitid(P_PID, tid, WEXITED|WSTOPPED|WNOWAIT|options)`, blocking unless
/// `options` has WNOHANG: the `si_code` (CLD_*) and `si_status` of its
/// next status, left in place.
pub fn waitid_pid_peek(tid: Tid, options: i32) -> Result<Option<(i32, i32)>, Errno> {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe {
            libc::syscall(
                libc::SYS_waitid,
                libc::P_PID,
                tid,
                &mut si as *mut siginfo_t,
                libc::WEXITED | libc::WSTOPPED | libc::WNOWAIT | options,
                0usize,
            )
        };
        match check(r) {
            Ok(_) if unsafe { si.si_pid() } == 0 => return Ok(None),
            Ok(_) => return Ok(Some((si.si_code, unsafe { si.si_status() }))),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Is `pid` a child (or tracee) this process may wait for?
pub fn is_child(pid: i32, scope: i32) -> bool {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::syscall(
            libc::SYS_waitid,
            libc::P_PID,
            pid,
            &mut si as *mut siginfo_t,
            libc::WEXITED | libc::WSTOPPED | libc::WCONTINUED | libc::WNOHANG | libc::WNOWAIT | scope,
            0usize,
        )
    };
    !(r == -1 && Errno::last() == Errno::ECHILD)
}
/// Does the calling process have a child that `sel` selects (wait4's pid
/// argument: -1 any, > 0 that one, 0 our group, < -1 that group), whatever
/// its state, other than `except` (the engine's doorbell)? Read from
/// /proc: `waitid` cannot answer, since it counts every tracee of every
/// thread (the engine's doorbell among them) as a child. Only asked when
/// the engine traces nothing the wait could name.
pub fn has_child(sel: i32, except: Option<Tid>) -> bool {
    let me = getpid();
    if sel > 0 {
        return Some(sel) != except && procfs::status(sel).is_ok_and(|s| s.ppid == me && s.tgid == sel);
    }
    let mine = getpgid(0).unwrap_or(-1);
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{me}/task")) else { return true };
    for t in tasks.flatten() {
        let Ok(list) = std::fs::read_to_string(t.path().join("children")) else { continue };
        for c in list.split_whitespace().filter_map(|c| c.parse::<i32>().ok()) {
            let selected = match sel {
                -1 => true,
                0 => getpgid(c).ok() == Some(mine),
                g => getpgid(c).ok() == Some(-g),
            };
            if Some(c) != except && selected {
                return true;
            }
        }
    }
    false
}

/// `waitid(P_ALL, WNOWAIT | options)` over every child and tracee of the
/// process: the next one with a status, as (pid or tid, si_code), without
/// reaping it; `None` when WNOHANG found nothing or there is no child.
pub fn waitid_peek_all(options: i32) -> Result<Option<(Tid, i32)>, Errno> {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: plain syscall with a valid out-pointer.
        let r = unsafe {
            libc::syscall(libc::SYS_waitid, libc::P_ALL, 0, &mut si as *mut siginfo_t, options | libc::WNOWAIT, 0usize)
        };
        match check(r) {
            Ok(_) => {
                // SAFETY: waitid filled the SIGCHLD member (or left it zero).
                let pid = unsafe { si.si_pid() };
                return Ok((pid != 0).then_some((pid, si.si_code)));
            }
            Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}
