//! Lazy /proc readers. Nothing on a stop/resume hot path calls these; every
//! read may race with an exiting thread and then yields `ESRCH`.

use crate::error::Errno;

fn read(path: &str) -> Result<String, Errno> {
    std::fs::read_to_string(path).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ESRCH) => Errno::ESRCH,
        Some(n) => Errno(n),
        None => Errno::EIO,
    })
}

/// Selected fields of /proc/PID/status.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// `Name`: the command name.
    pub name: String,
    /// `State`: the state letter.
    pub state: char,
    /// `Tgid`: the process (thread group) id.
    pub tgid: i32,
    /// `PPid`: the parent.
    pub ppid: i32,
    /// `TracerPid`: the tracer, 0 if none.
    pub tracer_pid: i32,
    /// `Uid`: real, effective, saved, file-system.
    pub uid: [u32; 4],
    /// `Gid`: real, effective, saved, file-system.
    pub gid: [u32; 4],
    /// `Threads`: the number of threads.
    pub threads: u32,
    /// `SigPnd`: signals pending for the thread.
    pub sig_pnd: u64,
    /// `ShdPnd`: signals pending for the process.
    pub shd_pnd: u64,
    /// `SigBlk`: blocked signals.
    pub sig_blk: u64,
    /// `SigIgn`: ignored signals.
    pub sig_ign: u64,
    /// `SigCgt`: caught signals.
    pub sig_cgt: u64,
    /// `NoNewPrivs`.
    pub no_new_privs: bool,
}

fn ids(v: &str) -> [u32; 4] {
    let mut out = [0u32; 4];
    for (i, f) in v.split_whitespace().take(4).enumerate() {
        out[i] = f.parse().unwrap_or(0);
    }
    out
}

fn hex(v: &str) -> u64 {
    u64::from_str_radix(v.trim(), 16).unwrap_or(0)
}

/// Parse a status file at `path` (/proc/PID/status or a task's).
pub fn status_path(path: &str) -> Result<Status, Errno> {
    let text = read(path)?;
    let mut s = Status::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else { continue };
        let v = v.trim();
        match k {
            "Name" => s.name = v.to_string(),
            "State" => s.state = v.chars().next().unwrap_or('?'),
            "Tgid" => s.tgid = v.parse().unwrap_or(0),
            "PPid" => s.ppid = v.parse().unwrap_or(0),
            "TracerPid" => s.tracer_pid = v.parse().unwrap_or(0),
            "Uid" => s.uid = ids(v),
            "Gid" => s.gid = ids(v),
            "Threads" => s.threads = v.parse().unwrap_or(0),
            "SigPnd" => s.sig_pnd = hex(v),
            "ShdPnd" => s.shd_pnd = hex(v),
            "SigBlk" => s.sig_blk = hex(v),
            "SigIgn" => s.sig_ign = hex(v),
            "SigCgt" => s.sig_cgt = hex(v),
            "NoNewPrivs" => s.no_new_privs = v == "1",
            _ => {}
        }
    }
    Ok(s)
}

/// /proc/PID/status.
pub fn status(pid: i32) -> Result<Status, Errno> {
    status_path(&format!("/proc/{pid}/status"))
}

/// /proc/PID/task/TID/status.
pub fn task_status(pid: i32, tid: i32) -> Result<Status, Errno> {
    status_path(&format!("/proc/{pid}/task/{tid}/status"))
}

/// Thread ids of a process, in /proc order (ascending).
pub fn tasks(pid: i32) -> Result<Vec<i32>, Errno> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/task")).map_err(|_| Errno::ESRCH)?;
    let mut v: Vec<i32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    v.sort_unstable();
    Ok(v)
}

/// /proc/PID/task/TID/comm: the thread's name, without the newline.
pub fn comm(pid: i32, tid: i32) -> Result<String, Errno> {
    Ok(read(&format!("/proc/{pid}/task/{tid}/comm"))?.trim_end_matches('\n').to_string())
}

/// Is a thread of `pid` inside execve/execveat right now? (Read only when a
/// thread dies of SIGKILL, to tell exec's de_thread from a kill.) The
/// numbers in `/proc/PID/task/TID/syscall` are those of the image that
/// makes the call, which `/proc/PID/exe` still names during the exec.
///
/// A task that is running shows no syscall ("running") in its `syscall`
/// file, and the exec'ing thread runs for a moment after it has sent the
/// others SIGKILL, before it sleeps in de_thread waiting for them: ask
/// again while some task is running (briefly: a killed process's running
/// threads soon stop at their own exit), so a loaded machine does not turn
/// an exec into a kill.
pub fn exec_in_progress(pid: i32) -> bool {
    let arch = exe_arch(pid).unwrap_or_default();
    for _ in 0..2000 {
        let Ok(tasks) = tasks(pid) else { return false };
        let mut running = false;
        for t in tasks {
            let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/task/{t}/syscall")) else { continue };
            let first = s.split_whitespace().next().unwrap_or("");
            if first == "running" {
                running = true;
            } else if first.parse::<u64>().is_ok_and(|n| arch.is_exec(n)) {
                return true;
            }
        }
        if !running {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
    false
}

/// The ABI of the program `pid` runs, from its executable's ELF header
/// (`e_machine`: EM_386 is i386, EM_X86_64 x86-64, x32 included): what
/// FreeBSD's `sv_flags & SV_ILP32` says of a process. `None` if the file
/// cannot be read (an exiting process) or is no x86 ELF.
pub fn exe_arch(pid: i32) -> Option<crate::sysent::Arch> {
    use std::io::Read;
    let mut h = [0u8; 20];
    std::fs::File::open(format!("/proc/{pid}/exe")).ok()?.read_exact(&mut h).ok()?;
    if &h[..4] != b"\x7fELF" {
        return None;
    }
    match u16::from_le_bytes([h[18], h[19]]) {
        3 => Some(crate::sysent::Arch::I386),
        62 => Some(crate::sysent::Arch::X86_64),
        _ => None,
    }
}

/// Does any thread of `pid` live (state not Z/X)? A process whose main
/// thread exited first shows the leader's Z in /proc/PID/status while its
/// other threads run.
pub fn any_live_task(pid: i32) -> bool {
    tasks(pid).unwrap_or_default().iter().any(|t| {
        task_status(pid, *t).is_ok_and(|s| !matches!(s.state, 'Z' | 'X'))
    })
}

/// Is the process still alive (not gone, not a zombie)? For error paths.
pub fn alive(pid: i32) -> bool {
    status(pid).is_ok_and(|s| !matches!(s.state, 'Z' | 'X'))
}

/// Kernel thread? (PF_KTHREAD in /proc/PID/stat's flags field.)
pub fn is_kernel_thread(pid: i32) -> Result<bool, Errno> {
    let text = read(&format!("/proc/{pid}/stat"))?;
    let rest = text.rsplit_once(')').map(|(_, r)| r).ok_or(Errno::ESRCH)?;
    // fields after comm: state(3) ppid(4) pgrp sess tty tpgid flags(9)
    let flags: u64 = rest.split_whitespace().nth(6).and_then(|f| f.parse().ok()).unwrap_or(0);
    Ok(flags & 0x0020_0000 != 0)
}

/// One line of /proc/PID/maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    /// First address.
    pub start: u64,
    /// End address (exclusive, as /proc prints it).
    pub end: u64,
    /// `r`: readable.
    pub read: bool,
    /// `w`: writable.
    pub write: bool,
    /// `x`: executable.
    pub exec: bool,
    /// `s` (shared) rather than `p` (private).
    pub shared: bool,
    /// Offset in the file.
    pub offset: u64,
    /// The file's device, major number.
    pub dev_major: u32,
    /// The file's device, minor number.
    pub dev_minor: u32,
    /// The file's inode; 0 for anonymous memory.
    pub inode: u64,
    /// The path column: a file path, `[heap]`-style pseudo name, or empty.
    pub path: String,
}

/// The raw text of /proc/PID/maps.
pub fn maps_text(pid: i32, tid: i32) -> Result<Vec<u8>, Errno> {
    std::fs::read(format!("/proc/{pid}/task/{tid}/maps")).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ESRCH) => Errno::ESRCH,
        Some(n) => Errno(n),
        None => Errno::EIO,
    })
}

fn hexu(s: &[u8]) -> u64 {
    let mut v = 0u64;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => break,
        };
        v = v << 4 | d as u64;
    }
    v
}

/// Parse maps text in one linear pass.
pub fn parse_maps(text: &[u8]) -> Vec<MapEntry> {
    let mut out = Vec::with_capacity(text.len() / 80);
    for line in text.split(|&c| c == b'\n') {
        if line.is_empty() {
            continue;
        }
        let mut it = line.splitn(6, |&c| c == b' ');
        let (Some(range), Some(perms), Some(off), Some(dev), Some(inode)) =
            (it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            continue;
        };
        let path = it.next().map(|p| {
            let p = p.iter().position(|&c| c != b' ').map(|i| &p[i..]).unwrap_or(&[]);
            String::from_utf8_lossy(p).into_owned()
        });
        let dash = range.iter().position(|&c| c == b'-').unwrap_or(range.len());
        let colon = dev.iter().position(|&c| c == b':').unwrap_or(dev.len());
        out.push(MapEntry {
            start: hexu(&range[..dash]),
            end: hexu(&range[(dash + 1).min(range.len())..]),
            read: perms.first() == Some(&b'r'),
            write: perms.get(1) == Some(&b'w'),
            exec: perms.get(2) == Some(&b'x'),
            shared: perms.get(3) == Some(&b's'),
            offset: hexu(off),
            dev_major: hexu(&dev[..colon]) as u32,
            dev_minor: hexu(&dev[(colon + 1).min(dev.len())..]) as u32,
            inode: std::str::from_utf8(inode).ok().and_then(|s| s.parse().ok()).unwrap_or(0),
            path: path.unwrap_or_default(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_maps_lines() {
        let t = b"55d0c0a00000-55d0c0a02000 r-xp 00001000 fd:01 1234   /usr/bin/cat\n\
7ffd1000-7ffd2000 rw-p 00000000 00:00 0                          [stack]\n\
7f00-8f00 rw-s 00000010 00:05 99 /dev/zero (deleted)\n";
        let m = parse_maps(t);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].start, 0x55d0c0a00000);
        assert_eq!(m[0].end, 0x55d0c0a02000);
        assert!(m[0].read && !m[0].write && m[0].exec && !m[0].shared);
        assert_eq!(m[0].offset, 0x1000);
        assert_eq!((m[0].dev_major, m[0].dev_minor, m[0].inode), (0xfd, 1, 1234));
        assert_eq!(m[0].path, "/usr/bin/cat");
        assert_eq!(m[1].path, "[stack]");
        assert!(m[2].shared);
        assert_eq!(m[2].path, "/dev/zero (deleted)");
    }
}
