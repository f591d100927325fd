//! Objects gdb reads with `qXfer` and the memory queries `qCRC` and
//! `qSearch`: the shared-library list (from the dynamic linker's
//! `r_debug` in the program's memory), the thread list with names, and
//! `info os` tables.

use super::target::{Inferiors, Ptid};
use std::fmt::Write;

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {}
            c => o.push(c),
        }
    }
    o
}

/// A thread's name (`/proc/PID/task/TID/comm`).
pub fn thread_name(pid: i32, tid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm")).map(|s| s.trim_end_matches('\n').to_string()).unwrap_or_default()
}

/// Thread names read through descriptors kept open (gdb asks for the list
/// at every stop: one `pread` per thread, not an open and a close too).
#[derive(Default)]
pub struct Names(std::collections::HashMap<(i32, i32), std::fs::File>);

impl Names {
    pub fn get(&mut self, pid: i32, tid: i32) -> String {
        use std::os::unix::fs::FileExt;
        if !self.0.contains_key(&(pid, tid)) {
            if self.0.len() > 4096 {
                self.0.clear();
            }
            match std::fs::File::open(format!("/proc/{pid}/task/{tid}/comm")) {
                Ok(f) => {
                    self.0.insert((pid, tid), f);
                }
                Err(_) => return String::new(),
            }
        }
        let mut buf = [0u8; 64];
        match self.0[&(pid, tid)].read_at(&mut buf, 0) {
            Ok(n) => String::from_utf8_lossy(&buf[..n]).trim_end_matches('\n').to_string(),
            Err(_) => {
                // A thread gone (and maybe its id reused): forget it.
                self.0.remove(&(pid, tid));
                String::new()
            }
        }
    }

    /// Drop the descriptors of threads that no longer exist.
    pub fn retain(&mut self, live: &[Ptid]) {
        if self.0.len() > live.len() {
            self.0.retain(|&(pid, tid), _| live.contains(&Ptid { pid, tid }));
        }
    }
}

/// `qXfer:threads:read`: every thread with its name. gdb reads it at
/// every stop, and over a pipe pays a system call per byte received, so
/// it is as short as XML allows.
pub fn threads(inf: &Inferiors, names: &mut Names, fmt: impl Fn(Ptid) -> String) -> String {
    let all = inf.threads();
    names.retain(&all);
    let mut s = String::from("<threads>");
    for p in all {
        let _ = write!(s, "<thread id=\"{}\" name=\"{}\"/>", fmt(p), xml_escape(&names.get(p.pid, p.tid)));
    }
    s.push_str("</threads>");
    s
}

fn read_u64(inf: &mut Inferiors, pid: i32, addr: u64) -> Option<u64> {
    let mut b = [0u8; 8];
    (inf.read_memory(pid, addr, &mut b) == 8).then(|| u64::from_le_bytes(b))
}

/// A pointer-sized word of the program (`w` 4 for a 32-bit one, else 8).
fn read_word(inf: &mut Inferiors, pid: i32, addr: u64, w: u64) -> Option<u64> {
    if w == 8 {
        return read_u64(inf, pid, addr);
    }
    let mut b = [0u8; 4];
    (inf.read_memory(pid, addr, &mut b) == 4).then(|| u64::from(u32::from_le_bytes(b)))
}

/// The program's word size: 4 for a 32-bit (i386) one.
fn word(inf: &mut Inferiors, pid: i32) -> u64 {
    if inf.is_i386(pid) {
        4
    } else {
        8
    }
}

fn read_cstr(inf: &mut Inferiors, pid: i32, addr: u64) -> String {
    let mut out = Vec::new();
    let mut chunk = [0u8; 64];
    while out.len() < 4096 {
        let n = inf.read_memory(pid, addr + out.len() as u64, &mut chunk);
        if n == 0 {
            break;
        }
        match chunk[..n].iter().position(|&b| b == 0) {
            Some(i) => {
                out.extend_from_slice(&chunk[..i]);
                return String::from_utf8_lossy(&out).into_owned();
            }
            None => out.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The dynamic linker's `r_debug`, from the program's `DT_DEBUG` (found
/// through the auxiliary vector's program headers).
fn r_debug(inf: &mut Inferiors, pid: i32) -> Option<u64> {
    let w = word(inf, pid);
    let auxv = std::fs::read(format!("/proc/{pid}/auxv")).ok()?;
    let (mut phdr, mut phnum) = (0u64, 0u64);
    let num = |b: &[u8]| -> u64 {
        match b.len() {
            4 => u64::from(u32::from_le_bytes(b.try_into().expect("4"))),
            _ => u64::from_le_bytes(b.try_into().expect("8")),
        }
    };
    for e in auxv.chunks_exact(2 * w as usize) {
        let (k, v) = (num(&e[..w as usize]), num(&e[w as usize..]));
        match k {
            3 => phdr = v,  // AT_PHDR
            5 => phnum = v, // AT_PHNUM
            _ => {}
        }
    }
    if phdr == 0 || phnum == 0 || phnum > 256 {
        return None;
    }
    // Elf64_Phdr (56 bytes, p_vaddr at 16) or Elf32_Phdr (32, at 8).
    let (size, vo) = if w == 8 { (56, 16) } else { (32, 8) };
    let mut ph = vec![0u8; size * phnum as usize];
    if inf.read_memory(pid, phdr, &mut ph) != ph.len() {
        return None;
    }
    let (mut bias, mut dynamic) = (None, None);
    for h in ph.chunks_exact(size) {
        let ty = u32::from_le_bytes(h[..4].try_into().ok()?);
        let vaddr = num(&h[vo..vo + w as usize]);
        match ty {
            6 => bias = Some(phdr.wrapping_sub(vaddr)), // PT_PHDR
            2 => dynamic = Some(vaddr),                // PT_DYNAMIC
            _ => {}
        }
    }
    let mut at = bias?.wrapping_add(dynamic?);
    for _ in 0..512 {
        let tag = read_word(inf, pid, at, w)?;
        let val = read_word(inf, pid, at + w, w)?;
        match tag {
            0 => return None,
            21 => return (val != 0).then_some(val), // DT_DEBUG
            _ => at += 2 * w,
        }
    }
    None
}

/// The program's own link_map (the first of the dynamic linker's list).
pub fn main_link_map(inf: &mut Inferiors, pid: i32) -> Option<u64> {
    let r = r_debug(inf, pid)?;
    let w = word(inf, pid);
    read_word(inf, pid, r + w, w).filter(|&m| m != 0)
}

/// `qXfer:libraries-svr4:read`: the link map gdb would walk itself.
pub fn libraries_svr4(inf: &mut Inferiors, pid: i32) -> String {
    let mut s = String::from("<library-list-svr4 version=\"1.0\"");
    let w = word(inf, pid);
    // r_debug: int r_version, then (aligned) r_map.
    let map = r_debug(inf, pid).and_then(|r| read_word(inf, pid, r + w, w)).unwrap_or(0);
    if map == 0 {
        s.push_str("/>");
        return s;
    }
    let _ = write!(s, " main-lm=\"0x{map:x}\">");
    // link_map: l_addr, l_name, l_ld, l_next, l_prev.
    let mut lm = read_word(inf, pid, map + 3 * w, w).unwrap_or(0);
    let mut seen = 0;
    while lm != 0 && seen < 4096 {
        seen += 1;
        let (Some(l_addr), Some(l_name), Some(l_ld), Some(next)) = (
            read_word(inf, pid, lm, w),
            read_word(inf, pid, lm + w, w),
            read_word(inf, pid, lm + 2 * w, w),
            read_word(inf, pid, lm + 3 * w, w),
        ) else {
            break;
        };
        let name = if l_name != 0 { read_cstr(inf, pid, l_name) } else { String::new() };
        let _ = write!(
            s,
            "<library name=\"{}\" lm=\"0x{lm:x}\" l_addr=\"0x{l_addr:x}\" l_ld=\"0x{l_ld:x}\" lmid=\"0x0\"/>",
            xml_escape(&name)
        );
        lm = next;
    }
    s.push_str("</library-list-svr4>");
    s
}

/// `qXfer:osdata:read` (gdb's `info os`).
pub fn osdata(annex: &[u8]) -> Option<String> {
    let head = |ty: &str| format!("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"osdata.dtd\">\n<osdata type=\"{ty}\">\n");
    let item = |cols: &[(&str, String)]| {
        let mut s = String::from("<item>\n");
        for (k, v) in cols {
            let _ = writeln!(s, "<column name=\"{k}\">{}</column>", xml_escape(v));
        }
        s.push_str("</item>\n");
        s
    };
    let pids = || -> Vec<i32> {
        let mut v: Vec<i32> = std::fs::read_dir("/proc")
            .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
            .unwrap_or_default();
        v.sort_unstable();
        v
    };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let user = |pid: i32| -> String {
        let uid = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:").map(|r| r.split_whitespace().next().unwrap_or("").to_string())))
            .unwrap_or_default();
        user_name(&passwd, &uid)
    };
    let cmdline = |pid: i32| -> String {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| String::from_utf8_lossy(&b).trim_end_matches('\0').replace('\0', " "))
            .unwrap_or_default()
    };
    let mut s;
    match annex {
        b"" | b"types" => {
            s = head("types");
            for (t, d, title) in [
                ("processes", "Listing of all processes", "Processes"),
                ("threads", "Listing of all threads", "Threads"),
                ("files", "Listing of all file descriptors", "File descriptors"),
            ] {
                s.push_str(&item(&[("Type", t.into()), ("Description", d.into()), ("Title", title.into())]));
            }
        }
        b"processes" => {
            s = head("processes");
            for pid in pids() {
                s.push_str(&item(&[("pid", pid.to_string()), ("user", user(pid)), ("command", cmdline(pid))]));
            }
        }
        b"threads" => {
            s = head("threads");
            for pid in pids() {
                let cmd = cmdline(pid);
                let mut tids: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/task"))
                    .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
                    .unwrap_or_default();
                tids.sort_unstable();
                for tid in tids {
                    s.push_str(&item(&[("pid", pid.to_string()), ("command", cmd.clone()), ("tid", tid.to_string())]));
                }
            }
        }
        b"files" => {
            s = head("files");
            for pid in pids() {
                let cmd = cmdline(pid);
                let Ok(d) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { continue };
                let mut fds: Vec<i32> = d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
                fds.sort_unstable();
                for fd in fds {
                    let target = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
                    s.push_str(&item(&[("pid", pid.to_string()), ("command", cmd.clone()), ("file descriptor", fd.to_string()), ("name", target)]));
                }
            }
        }
        _ => return None,
    }
    s.push_str("</osdata>\n");
    Some(s)
}

fn user_name(passwd: &str, uid: &str) -> String {
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
        })
        .unwrap_or_else(|| uid.to_string())
}

/// gdb's CRC-32 (`qCRC`, used by `compare-sections`): polynomial
/// 0x04c11db7, most significant bit first, initial value all ones.
pub fn crc(inf: &mut Inferiors, pid: i32, addr: u64, len: u64) -> Option<u32> {
    let mut crc = 0xffff_ffffu32;
    let mut buf = vec![0u8; 65536];
    let mut done = 0u64;
    while done < len {
        let n = ((len - done) as usize).min(buf.len());
        if inf.read_memory(pid, addr + done, &mut buf[..n]) != n {
            return None;
        }
        for &b in &buf[..n] {
            crc ^= (b as u32) << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04c1_1db7 } else { crc << 1 };
            }
        }
        done += n as u64;
    }
    Some(crc)
}

/// `qSearch:memory`: the first address of `pat` in `[addr, addr+len)`;
/// `None` if memory could not be read.
pub fn search(inf: &mut Inferiors, pid: i32, addr: u64, len: u64, pat: &[u8]) -> Option<Option<u64>> {
    if pat.is_empty() || pat.len() as u64 > len {
        return Some(None);
    }
    let chunk = 65536usize.max(pat.len() * 2);
    let mut start = 0u64;
    while start + pat.len() as u64 <= len {
        let n = ((len - start) as usize).min(chunk);
        let mut buf = vec![0u8; n];
        let got = inf.read_memory(pid, addr + start, &mut buf);
        if got < pat.len() {
            return if got == 0 && start == 0 { None } else { Some(None) };
        }
        if let Some(i) = buf[..got].windows(pat.len()).position(|w| w == pat) {
            return Some(Some(addr + start + i as u64));
        }
        if got < n {
            return Some(None);
        }
        start += (got - pat.len() + 1) as u64;
    }
    Some(None)
}
