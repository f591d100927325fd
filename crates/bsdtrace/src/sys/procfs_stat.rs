//! /proc readers for procstat(1): one function per /proc file, parsed into
//! plain structs, plus the few libc calls procstat needs (affinity, user
//! names, sysconf). Nothing here formats output or knows FreeBSD's columns;
//! nothing here is on a stop/resume path. Every reader may race with an
//! exiting process: a vanished /proc entry is `ESRCH`, a refused one keeps
//! its errno (`EACCES`, `EPERM`) so the caller can say why.

use crate::error::Errno;

mod files;
pub use files::*;

fn os_err(e: std::io::Error) -> Errno {
    match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ESRCH) => Errno::ESRCH,
        Some(n) => Errno(n),
        None => Errno::EIO,
    }
}

fn read_bytes(path: &str) -> Result<Vec<u8>, Errno> {
    std::fs::read(path).map_err(os_err)
}

fn read_text(path: &str) -> Result<String, Errno> {
    Ok(String::from_utf8_lossy(&read_bytes(path)?).into_owned())
}

fn task_dir(pid: i32, tid: Option<i32>) -> String {
    match tid {
        Some(t) => format!("/proc/{pid}/task/{t}"),
        None => format!("/proc/{pid}"),
    }
}

/// Every process id in /proc, ascending (threads are not listed).
pub fn pids() -> Result<Vec<i32>, Errno> {
    let dir = std::fs::read_dir("/proc").map_err(os_err)?;
    let mut v: Vec<i32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    v.sort_unstable();
    Ok(v)
}

/// Does /proc know this process (alive or zombie)?
pub fn exists(pid: i32) -> bool {
    pid > 0 && std::path::Path::new(&format!("/proc/{pid}/stat")).exists()
}

/// /proc/PID/stat or /proc/PID/task/TID/stat (proc(5) field numbers in comments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    /// (1) pid or tid.
    pub id: i32,
    /// (2) comm, without the parentheses.
    pub comm: String,
    /// (3) R S D T t Z X I P W ...
    pub state: char,
    /// Field 4: the parent.
    pub ppid: i32,
    /// Field 5: the process group.
    pub pgrp: i32,
    /// Field 6: the session.
    pub session: i32,
    /// (7) controlling terminal device (0: none).
    pub tty_nr: u32,
    /// Field 8: the foreground process group of the terminal, -1 without one.
    pub tpgid: i32,
    /// (9) PF_* flags.
    pub flags: u64,
    /// Field 10: minor faults (page reclaims).
    pub minflt: u64,
    /// Field 12: major faults.
    pub majflt: u64,
    /// (14, 15) in clock ticks.
    pub utime: u64,
    /// Field 15: system time, in clock ticks.
    pub stime: u64,
    /// (18) kernel priority minus 100 (MAX_RT_PRIO).
    pub priority: i64,
    /// Field 19: the nice value.
    pub nice: i64,
    /// Field 20: the number of threads.
    pub num_threads: i64,
    /// (39) CPU last run on.
    pub processor: i32,
}

impl Stat {
    /// PF_KTHREAD: a kernel thread (no user memory, no exe).
    pub fn is_kernel_thread(&self) -> bool {
        self.flags & 0x0020_0000 != 0
    }
}

/// Parse the text of a stat file (the command name may hold spaces and parentheses).
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let id = text[..open].trim().parse().ok()?;
    let comm = text[open + 1..close].to_string();
    let f: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // f[0] is field 3.
    let n = |i: usize| -> i64 { f.get(i - 3).and_then(|s| s.parse().ok()).unwrap_or(0) };
    let u = |i: usize| -> u64 { f.get(i - 3).and_then(|s| s.parse().ok()).unwrap_or(0) };
    Some(Stat {
        id,
        comm,
        state: f.first().and_then(|s| s.chars().next()).unwrap_or('?'),
        ppid: n(4) as i32,
        pgrp: n(5) as i32,
        session: n(6) as i32,
        tty_nr: n(7) as u32,
        tpgid: n(8) as i32,
        flags: u(9),
        minflt: u(10),
        majflt: u(12),
        utime: u(14),
        stime: u(15),
        priority: n(18),
        nice: n(19),
        num_threads: n(20),
        processor: n(39) as i32,
    })
}

/// /proc/PID/stat, or /proc/PID/task/TID/stat with `tid`.
pub fn stat(pid: i32, tid: Option<i32>) -> Result<Stat, Errno> {
    parse_stat(&read_text(&format!("{}/stat", task_dir(pid, tid)))?).ok_or(Errno::ESRCH)
}

/// The fields of /proc/PID/status procstat uses that `procfs::Status` lacks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusExtra {
    /// `Umask`, absent on kernels before 4.7.
    pub umask: Option<u32>,
    /// `Groups`: the supplementary groups.
    pub groups: Vec<u32>,
    /// `Cpus_allowed_list`, as the kernel prints it (`0-3,6`).
    pub cpus_allowed_list: String,
    /// `Seccomp`: 0 off, 1 strict, 2 filter.
    pub seccomp: u32,
    /// VmHWM in KiB (peak resident set).
    pub vm_hwm_kb: u64,
    /// `voluntary_ctxt_switches`.
    pub voluntary_ctxt_switches: u64,
    /// `nonvoluntary_ctxt_switches`.
    pub nonvoluntary_ctxt_switches: u64,
}

/// Parse the text of a status file for [`StatusExtra`].
pub fn parse_status_extra(text: &str) -> StatusExtra {
    let mut s = StatusExtra::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else { continue };
        let v = v.trim();
        match k {
            "Umask" => s.umask = u32::from_str_radix(v, 8).ok(),
            "Groups" => s.groups = v.split_whitespace().filter_map(|g| g.parse().ok()).collect(),
            "Cpus_allowed_list" => s.cpus_allowed_list = v.to_string(),
            "Seccomp" => s.seccomp = v.parse().unwrap_or(0),
            "VmHWM" => s.vm_hwm_kb = v.trim_end_matches("kB").trim().parse().unwrap_or(0),
            "voluntary_ctxt_switches" => s.voluntary_ctxt_switches = v.parse().unwrap_or(0),
            "nonvoluntary_ctxt_switches" => s.nonvoluntary_ctxt_switches = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    s
}

/// The [`StatusExtra`] of a process, or of a thread with `tid`.
pub fn status_extra(pid: i32, tid: Option<i32>) -> Result<StatusExtra, Errno> {
    Ok(parse_status_extra(&read_text(&format!("{}/status", task_dir(pid, tid)))?))
}

/// A NUL-separated list (cmdline, environ); a trailing NUL ends the last item.
pub fn split_nul(b: &[u8]) -> Vec<String> {
    if b.is_empty() {
        return Vec::new();
    }
    let b = b.strip_suffix(b"\0").unwrap_or(b);
    b.split(|&c| c == 0).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
}

/// /proc/PID/cmdline, split at the NULs.
pub fn cmdline(pid: i32) -> Result<Vec<String>, Errno> {
    Ok(split_nul(&read_bytes(&format!("/proc/{pid}/cmdline"))?))
}

/// /proc/PID/environ, split at the NULs.
pub fn environ(pid: i32) -> Result<Vec<String>, Errno> {
    Ok(split_nul(&read_bytes(&format!("/proc/{pid}/environ"))?))
}

/// The auxiliary vector, up to and including AT_NULL.
pub fn auxv(pid: i32) -> Result<Vec<(u64, u64)>, Errno> {
    let b = read_bytes(&format!("/proc/{pid}/auxv"))?;
    // The kernel keeps the vector in the program's own word size.
    let w = match super::procfs::exe_arch(pid) {
        Some(crate::sysent::Arch::I386) => 4,
        _ => 8,
    };
    let word = |c: &[u8]| {
        let mut x = [0u8; 8];
        x[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(x)
    };
    Ok(b.chunks_exact(2 * w).map(|c| (word(&c[..w]), word(&c[w..]))).collect())
}

/// One line of /proc/PID/limits; `None` is "unlimited".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// "Max open files", ...
    pub name: String,
    /// The soft limit.
    pub soft: Option<u64>,
    /// The hard limit.
    pub hard: Option<u64>,
}

/// Parse the text of a limits file.
pub fn parse_limits(text: &str) -> Vec<Limit> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        // Columns are fixed-width: name 26, soft 21, hard 21, units.
        if line.len() < 26 {
            continue;
        }
        let name = line[..26].trim().to_string();
        let mut rest = line[26..].split_whitespace();
        let val = |s: Option<&str>| s.and_then(|s| if s == "unlimited" { None } else { s.parse().ok() });
        let soft = val(rest.next());
        let hard = val(rest.next());
        out.push(Limit { name, soft, hard });
    }
    out
}

/// /proc/PID/limits.
pub fn limits(pid: i32) -> Result<Vec<Limit>, Errno> {
    Ok(parse_limits(&read_text(&format!("/proc/{pid}/limits"))?))
}

/// readlink of a /proc magic link (exe, cwd, root, fd/N).
pub fn link(path: &str) -> Result<String, Errno> {
    std::fs::read_link(path).map(|p| p.to_string_lossy().into_owned()).map_err(os_err)
}

/// One mapping of /proc/PID/smaps: the maps line plus the counters procstat uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmapsEntry {
    /// The maps line.
    pub map: super::procfs::MapEntry,
    /// `Rss`, in kB.
    pub rss_kb: u64,
    /// `Private_Clean` + `Private_Dirty`, in kB.
    pub private_kb: u64,
    /// `Anonymous`, in kB.
    pub anonymous_kb: u64,
    /// AnonHugePages + ShmemPmdMapped + FilePmdMapped.
    pub huge_kb: u64,
    /// VmFlags mnemonics ("rd", "gd", "lo", ...).
    pub vm_flags: Vec<String>,
}

/// Parse the text of a smaps file.
pub fn parse_smaps(text: &str) -> Vec<SmapsEntry> {
    let mut out: Vec<SmapsEntry> = Vec::new();
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        let is_header = first.contains('-') && !first.ends_with(':');
        if is_header {
            let Some(map) = super::procfs::parse_maps(line.as_bytes()).pop() else { continue };
            out.push(SmapsEntry { map, rss_kb: 0, private_kb: 0, anonymous_kb: 0, huge_kb: 0, vm_flags: Vec::new() });
            continue;
        }
        let Some(cur) = out.last_mut() else { continue };
        let Some((k, v)) = line.split_once(':') else { continue };
        let kb = || v.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        match k {
            "Rss" => cur.rss_kb = kb(),
            "Private_Clean" | "Private_Dirty" => cur.private_kb += kb(),
            "Anonymous" => cur.anonymous_kb = kb(),
            "AnonHugePages" | "ShmemPmdMapped" | "FilePmdMapped" => cur.huge_kb += kb(),
            "VmFlags" => cur.vm_flags = v.split_whitespace().map(str::to_string).collect(),
            _ => {}
        }
    }
    out
}

/// /proc/PID/smaps.
pub fn smaps(pid: i32) -> Result<Vec<SmapsEntry>, Errno> {
    Ok(parse_smaps(&read_text(&format!("/proc/{pid}/smaps"))?))
}

/// [`smaps`] read through thread `tid` (a live one: an exited main thread
/// has no address space).
pub fn task_smaps(pid: i32, tid: i32) -> Result<Vec<SmapsEntry>, Errno> {
    Ok(parse_smaps(&read_text(&format!("{}/smaps", task_dir(pid, Some(tid))))?))
}

/// The kernel function a thread sleeps in ("" when running or unknown).
pub fn wchan(pid: i32, tid: Option<i32>) -> String {
    let w = read_text(&format!("{}/wchan", task_dir(pid, tid))).unwrap_or_default();
    if w == "0" {
        String::new()
    } else {
        w
    }
}

/// A thread's kernel stack, innermost frame first, each "func+0xoff/0xlen"
/// (the `[<addr>]` prefix removed). Needs CAP_SYS_ADMIN.
pub fn kstack(pid: i32, tid: i32) -> Result<Vec<String>, Errno> {
    let t = read_text(&format!("/proc/{pid}/task/{tid}/stack"))?;
    Ok(t.lines()
        .filter_map(|l| {
            let l = l.trim();
            let f = l.split_once("] ").map(|(_, f)| f).unwrap_or(l);
            (!f.is_empty()).then(|| f.to_string())
        })
        .collect())
}

/// /proc/PID/io: (read_bytes, write_bytes) that reached storage.
pub fn io(pid: i32, tid: Option<i32>) -> Result<(u64, u64), Errno> {
    let t = read_text(&format!("{}/io", task_dir(pid, tid)))?;
    let (mut r, mut w) = (0, 0);
    for line in t.lines() {
        match line.split_once(':') {
            Some(("read_bytes", v)) => r = v.trim().parse().unwrap_or(0),
            Some(("write_bytes", v)) => w = v.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
    Ok((r, w))
}

/// /proc/PID/loginuid (`None`: unset, 4294967295).
pub fn loginuid(pid: i32) -> Option<u32> {
    let v: u32 = read_text(&format!("/proc/{pid}/loginuid")).ok()?.trim().parse().ok()?;
    (v != u32::MAX).then_some(v)
}

/// The ELF class byte of the process's executable (1: 32-bit, 2: 64-bit).
pub fn exe_elf_class(pid: i32) -> Result<u8, Errno> {
    use std::io::Read;
    let mut f = std::fs::File::open(format!("/proc/{pid}/exe")).map_err(os_err)?;
    let mut h = [0u8; 5];
    f.read_exact(&mut h).map_err(os_err)?;
    if &h[..4] != b"\x7fELF" {
        return Err(Errno::ENOENT);
    }
    Ok(h[4])
}

/// sched_getaffinity(2) of one thread: the CPUs it may run on, ascending.
pub fn affinity(tid: i32) -> Result<Vec<usize>, Errno> {
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::sched_getaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if r != 0 {
        return Err(Errno::last());
    }
    Ok((0..libc::CPU_SETSIZE as usize).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) }).collect())
}

/// The user name of a uid (getpwuid_r: files, NSS), if it has one.
pub fn user_name(uid: u32) -> Option<String> {
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut res: *mut libc::passwd = std::ptr::null_mut();
    let r = unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut res) };
    if r != 0 || res.is_null() || pw.pw_name.is_null() {
        return None;
    }
    let name = unsafe { std::ffi::CStr::from_ptr(pw.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

/// sysconf(_SC_PAGESIZE).
pub fn page_size() -> u64 {
    let r = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if r > 0 {
        r as u64
    } else {
        4096
    }
}

/// USER_HZ: the unit of /proc/PID/stat's times.
pub fn clock_ticks() -> u64 {
    let r = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if r > 0 {
        r as u64
    } else {
        100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parens_in_comm() {
        let s = parse_stat("42 (a b) c) S 1 42 42 34816 42 4194560 10 0 2 0 7 3 0 0 20 0 3 0 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0").unwrap();
        assert_eq!(s.id, 42);
        assert_eq!(s.comm, "a b) c");
        assert_eq!((s.state, s.ppid, s.pgrp, s.session, s.tty_nr), ('S', 1, 42, 42, 34816));
        assert_eq!((s.minflt, s.majflt, s.utime, s.stime), (10, 2, 7, 3));
        assert_eq!((s.priority, s.nice, s.num_threads, s.processor), (20, 0, 3, 1));
    }

    #[test]
    fn limits_table() {
        let t = "Limit                     Soft Limit           Hard Limit           Units     \n\
Max cpu time              unlimited            unlimited            seconds   \n\
Max open files            1024                 524288               files     \n";
        let l = parse_limits(t);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0], Limit { name: "Max cpu time".into(), soft: None, hard: None });
        assert_eq!(l[1], Limit { name: "Max open files".into(), soft: Some(1024), hard: Some(524288) });
    }

    #[test]
    fn nul_lists() {
        assert_eq!(split_nul(b"a\0b c\0"), vec!["a", "b c"]);
        assert_eq!(split_nul(b"a\0\0"), vec!["a", ""]);
        assert!(split_nul(b"").is_empty());
    }

    #[test]
    fn smaps_entries() {
        let t = "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\nRss:                   4 kB\nPrivate_Clean:         4 kB\nPrivate_Dirty:         0 kB\nAnonymous:             0 kB\nVmFlags: rd ex mr mw me\n7ffc0000-7ffc2000 rw-p 00000000 00:00 0 [stack]\nRss: 8 kB\nAnonymous: 8 kB\nPrivate_Dirty: 8 kB\nVmFlags: rd wr mr mw me gd ac\n";
        let s = parse_smaps(t);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].rss_kb, s[0].private_kb, s[0].map.path.as_str()), (4, 4, "/bin/x"));
        assert_eq!((s[1].anonymous_kb, s[1].private_kb), (8, 8));
        assert!(s[1].vm_flags.iter().any(|f| f == "gd"));
    }
}
