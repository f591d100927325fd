//! Process attributes for procctl(2): prctl, personality, capget and the
//! /proc files procctl reads or writes (oom_score_adj, stat, children).
//!
//! One thin function per Linux call, errno as [`Errno`]; nothing here knows
//! FreeBSD semantics. Note that several of these act on the *calling thread*
//! only (personality, no_new_privs, pdeathsig) — callers must say so.

use crate::error::Errno;

// prctl(2) options (uapi/linux/prctl.h).
/// prctl(2): set the parent-death signal.
pub const PR_SET_PDEATHSIG: i32 = 1;
/// prctl(2): read the parent-death signal.
pub const PR_GET_PDEATHSIG: i32 = 2;
/// prctl(2): read the dumpable flag.
pub const PR_GET_DUMPABLE: i32 = 3;
/// prctl(2): set the dumpable flag.
pub const PR_SET_DUMPABLE: i32 = 4;
/// prctl(2): become (or stop being) a child subreaper.
pub const PR_SET_CHILD_SUBREAPER: i32 = 36;
/// prctl(2): whether the caller is a child subreaper.
pub const PR_GET_CHILD_SUBREAPER: i32 = 37;
/// prctl(2): set no_new_privs (irreversible).
pub const PR_SET_NO_NEW_PRIVS: i32 = 38;
/// prctl(2): read no_new_privs.
pub const PR_GET_NO_NEW_PRIVS: i32 = 39;
/// prctl(2): memory-deny-write-execute.
pub const PR_SET_MDWE: i32 = 65;
/// prctl(2): read the memory-deny-write-execute flags.
pub const PR_GET_MDWE: i32 = 66;
/// PR_SET_MDWE: refuse mappings that become executable after being writable.
pub const PR_MDWE_REFUSE_EXEC_GAIN: u64 = 1;
/// PR_SET_MDWE: do not pass the setting to children.
pub const PR_MDWE_NO_INHERIT: u64 = 2;

/// personality(2) flag that disables address-space randomisation at exec.
pub const ADDR_NO_RANDOMIZE: u32 = 0x0040000;
/// `personality(0xffffffff)` queries without changing.
pub const PER_QUERY: u32 = 0xffff_ffff;

/// Host syscall numbers, for running these calls inside another process
/// (the remote-syscall hook translates them to the target's ABI).
#[allow(clippy::unnecessary_cast)] // c_long: i64 here, i32 on i686
pub const SYS_PRCTL: i64 = libc::SYS_prctl as i64;
/// The personality(2) system call number.
#[allow(clippy::unnecessary_cast)]
pub const SYS_PERSONALITY: i64 = libc::SYS_personality as i64;

/// The CAP_SYS_RAWIO capability number.
pub const CAP_SYS_RAWIO: u32 = 17;
/// The CAP_SYS_RESOURCE capability number.
pub const CAP_SYS_RESOURCE: u32 = 24;

fn check(r: libc::c_int) -> Result<libc::c_int, Errno> {
    if r == -1 {
        Err(Errno::last())
    } else {
        Ok(r)
    }
}

fn prctl(option: i32, a2: u64, a3: u64, a4: u64, a5: u64) -> Result<i32, Errno> {
    // SAFETY: the options used here take integer arguments or, for the GET
    // calls below, a pointer to a local int that outlives the call.
    check(unsafe { libc::prctl(option, a2 as libc::c_ulong, a3 as libc::c_ulong, a4 as libc::c_ulong, a5 as libc::c_ulong) })
}

/// `PR_SET_CHILD_SUBREAPER` (process-wide).
pub fn set_child_subreaper(on: bool) -> Result<(), Errno> {
    prctl(PR_SET_CHILD_SUBREAPER, on as u64, 0, 0, 0).map(drop)
}

/// `PR_GET_CHILD_SUBREAPER` (process-wide).
pub fn child_subreaper() -> Result<bool, Errno> {
    let mut v: libc::c_int = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &mut v as *mut libc::c_int as u64, 0, 0, 0)?;
    Ok(v != 0)
}

/// `PR_SET_DUMPABLE` (per mm, i.e. process-wide; reset by execve).
pub fn set_dumpable(on: bool) -> Result<(), Errno> {
    prctl(PR_SET_DUMPABLE, on as u64, 0, 0, 0).map(drop)
}

/// `PR_GET_DUMPABLE`: 0, 1 (SUID_DUMP_USER) or 2 (SUID_DUMP_ROOT).
pub fn dumpable() -> Result<i32, Errno> {
    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
}

/// `PR_SET_PDEATHSIG` (calling thread).
pub fn set_pdeathsig(sig: i32) -> Result<(), Errno> {
    prctl(PR_SET_PDEATHSIG, sig as u64, 0, 0, 0).map(drop)
}

/// `PR_GET_PDEATHSIG` (calling thread).
pub fn pdeathsig() -> Result<i32, Errno> {
    let mut v: libc::c_int = 0;
    prctl(PR_GET_PDEATHSIG, &mut v as *mut libc::c_int as u64, 0, 0, 0)?;
    Ok(v)
}

/// `PR_SET_NO_NEW_PRIVS` (calling thread; irreversible).
pub fn set_no_new_privs() -> Result<(), Errno> {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0).map(drop)
}

/// `PR_GET_NO_NEW_PRIVS` (calling thread).
pub fn no_new_privs() -> Result<bool, Errno> {
    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0).map(|v| v != 0)
}

/// `PR_SET_MDWE` (Linux ≥ 6.3; per mm, irreversible; EINVAL on older kernels).
pub fn set_mdwe(flags: u64) -> Result<(), Errno> {
    prctl(PR_SET_MDWE, flags, 0, 0, 0).map(drop)
}

/// `PR_GET_MDWE`: the MDWE flags of our mm.
pub fn mdwe() -> Result<u64, Errno> {
    prctl(PR_GET_MDWE, 0, 0, 0, 0).map(|v| v as u64)
}

/// `personality(persona)`: returns the previous persona. [`PER_QUERY`] only reads.
/// Acts on the calling thread.
pub fn personality(persona: u32) -> Result<u32, Errno> {
    // SAFETY: integer argument only.
    let r = unsafe { libc::syscall(libc::SYS_personality, persona as libc::c_ulong) };
    if r == -1 {
        Err(Errno::last())
    } else {
        Ok(r as u32)
    }
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Is capability `cap` in the calling thread's effective set? (capget(2)).
pub fn has_cap(cap: u32) -> bool {
    let mut hdr = CapHeader { version: 0x2008_0522, pid: 0 };
    let mut data = [CapData::default(); 2];
    // SAFETY: header and a two-element data array as _LINUX_CAPABILITY_VERSION_3 requires.
    let r = unsafe { libc::syscall(libc::SYS_capget, &mut hdr as *mut CapHeader, data.as_mut_ptr()) };
    if r != 0 {
        return false;
    }
    let (word, bit) = ((cap / 32) as usize, cap % 32);
    word < 2 && data[word].effective & (1 << bit) != 0
}

/// getuid(2).
pub fn getuid() -> u32 {
    unsafe { libc::getuid() }
}
/// getgid(2).
pub fn getgid() -> u32 {
    unsafe { libc::getgid() }
}
/// getegid(2).
pub fn getegid() -> u32 {
    unsafe { libc::getegid() }
}

/// Supplementary groups of the calling thread.
pub fn getgroups() -> Vec<u32> {
    // SAFETY: first call asks for the count, the second fills a buffer of that size.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n <= 0 {
        return Vec::new();
    }
    let mut v = vec![0 as libc::gid_t; n as usize];
    let n = unsafe { libc::getgroups(n, v.as_mut_ptr()) };
    v.truncate(n.max(0) as usize);
    v
}

// ---- /proc files procctl uses (plain file I/O, no unsafe) ----

fn proc_err(e: std::io::Error) -> Errno {
    match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ESRCH) => Errno::ESRCH,
        Some(n) => Errno(n),
        None => Errno::EIO,
    }
}

/// The fields of /proc/PID/stat procctl needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// Field 1: the process id.
    pub pid: i32,
    /// Field 3: the state letter (R, S, D, T, t, Z, X...).
    pub state: char,
    /// Field 4: the parent.
    pub ppid: i32,
    /// Field 5: the process group.
    pub pgrp: i32,
    /// Field 9: the kernel's PF_* flags.
    pub flags: u64,
    /// Clock ticks since boot; with the pid it names one process instance.
    pub starttime: u64,
}

impl Stat {
    /// PF_KTHREAD: a kernel thread, FreeBSD's P_SYSTEM.
    pub fn is_kernel_thread(&self) -> bool {
        self.flags & 0x0020_0000 != 0
    }
    /// Zombie or dead: FreeBSD's PRS_ZOMBIE.
    pub fn is_zombie(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
    /// PF_EXITING: FreeBSD's P_WEXIT.
    pub fn is_exiting(&self) -> bool {
        self.flags & 0x0000_0004 != 0
    }
    /// Job-control or ptrace stop: FreeBSD's P_STOPPED.
    pub fn is_stopped(&self) -> bool {
        matches!(self.state, 'T' | 't')
    }
}

/// /proc/PID/stat, parsed.
pub fn stat(pid: i32) -> Result<Stat, Errno> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(proc_err)?;
    parse_stat(&text).ok_or(Errno::ESRCH)
}

/// Parse the text of a /proc/PID/stat file (the command name may hold spaces and parentheses).
pub fn parse_stat(text: &str) -> Option<Stat> {
    let (head, rest) = text.rsplit_once(')')?;
    let pid = head.split_whitespace().next()?.parse().ok()?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] = state (field 3); field n is f[n - 3].
    Some(Stat {
        pid,
        state: f.first()?.chars().next()?,
        ppid: f.get(1)?.parse().ok()?,
        pgrp: f.get(2)?.parse().ok()?,
        flags: f.get(6)?.parse().ok()?,
        starttime: f.get(19)?.parse().ok()?,
    })
}

/// Every pid in /proc (thread-group leaders only), unsorted.
pub fn all_pids() -> Result<Vec<i32>, Errno> {
    let dir = std::fs::read_dir("/proc").map_err(proc_err)?;
    Ok(dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
}

/// Children of every thread of `pid` (/proc/PID/task/*/children), in
/// the kernel's order. A child forked by a thread is listed under that thread.
pub fn children(pid: i32) -> Result<Vec<i32>, Errno> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/task")).map_err(proc_err)?;
    let mut out = Vec::new();
    for e in dir.flatten() {
        let mut p = e.path();
        p.push("children");
        if let Ok(s) = std::fs::read_to_string(&p) {
            out.extend(s.split_whitespace().filter_map(|c| c.parse::<i32>().ok()));
        }
    }
    Ok(out)
}

/// /proc/PID/oom_score_adj.
pub fn oom_score_adj(pid: i32) -> Result<i32, Errno> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj")).map_err(proc_err)?;
    s.trim().parse().map_err(|_| Errno::EIO)
}

/// Write /proc/PID/oom_score_adj. Lowering below the process's
/// `oom_score_adj_min` needs CAP_SYS_RESOURCE (EACCES otherwise).
pub fn set_oom_score_adj(pid: i32, v: i32) -> Result<(), Errno> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(format!("/proc/{pid}/oom_score_adj"))
        .map_err(proc_err)?;
    f.write_all(format!("{v}\n").as_bytes()).map_err(proc_err)
}

/// /proc/PID/personality (needs ptrace-attach access to PID).
pub fn personality_of(pid: i32) -> Result<u32, Errno> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/personality")).map_err(proc_err)?;
    u32::from_str_radix(s.trim(), 16).map_err(|_| Errno::EIO)
}

/// Owner uid of the files in /proc/PID: root when the process is not
/// dumpable. (The /proc/PID directory itself may keep a stale owner.)
pub fn proc_owner(pid: i32) -> Result<u32, Errno> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/status")).map(|m| m.uid()).map_err(proc_err)
}

/// A small sysctl-style file read as an integer (`/proc/sys/...`).
pub fn read_int(path: &str) -> Option<i64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_stat_with_spaces_and_parens_in_comm() {
        let t = "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0";
        let s = parse_stat(t).unwrap();
        assert_eq!((s.pid, s.state, s.ppid, s.pgrp, s.flags, s.starttime), (1234, 'S', 1, 1234, 4194560, 98765));
        assert!(!s.is_kernel_thread());
    }
    #[test]
    fn reads_own_stat() {
        let s = stat(crate::sys::getpid()).unwrap();
        assert_eq!(s.pid, crate::sys::getpid());
        assert!(s.starttime > 0);
    }
}
