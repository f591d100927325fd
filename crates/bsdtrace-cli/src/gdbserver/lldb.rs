//! The lldb extensions of the remote protocol ("GDB Remote Protocol
//! Extensions" in lldb's documentation) that lldb uses when a server
//! offers them: `qHostInfo`, `qProcessInfo`, `qMemoryRegionInfo`,
//! `jThreadsInfo` (every thread's stop state in one round trip) and the
//! thread list in stop replies (`QListThreadsInStopReply`). Binary memory
//! reads (`x`) and the thread suffix are in the session.

use super::arch;
use super::target::{Inferiors, Ptid, Stop, StopKind};
use super::wire::to_hex;
use std::fmt::Write;

const TRIPLE: &str = "x86_64-pc-linux-gnu";

pub fn host_info() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "triple:{};ptrsize:8;endian:little;ostype:linux;vendor:pc;hostname:{};os_version:{};default_packet_timeout:20;",
        to_hex(TRIPLE.as_bytes()),
        to_hex(host.trim().as_bytes()),
        release.trim().split('-').next().unwrap_or("")
    )
}

pub fn process_info(pid: i32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> Vec<u32> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|r| r.split_whitespace().filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default()
    };
    let ppid = field("PPid:").first().copied().unwrap_or(0);
    let uid = field("Uid:");
    let gid = field("Gid:");
    let name = std::fs::read_link(format!("/proc/{pid}/exe")).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    format!(
        "pid:{pid:x};parent-pid:{ppid:x};real-uid:{:x};real-gid:{:x};effective-uid:{:x};effective-gid:{:x};name:{};triple:{};ostype:linux;endian:little;ptrsize:8;",
        uid.first().unwrap_or(&0),
        gid.first().unwrap_or(&0),
        uid.get(1).unwrap_or(&0),
        gid.get(1).unwrap_or(&0),
        to_hex(name.as_bytes()),
        to_hex(TRIPLE.as_bytes())
    )
}

/// `qMemoryRegionInfo:ADDR`: the mapping holding `addr`, or the gap up to
/// the next one (no permissions).
pub fn memory_region(pid: i32, addr: u64) -> String {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let mut gap_start = 0u64;
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (Some(range), Some(perms)) = (f.next(), f.next()) else { continue };
        let Some((a, b)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else { continue };
        if addr < start {
            return format!("start:{gap_start:x};size:{:x};", start - gap_start);
        }
        if addr < end {
            let p: String = perms.chars().take(3).filter(|c| *c != '-').collect();
            let name: Vec<&str> = f.skip(3).collect();
            let mut r = format!("start:{start:x};size:{:x};permissions:{p};", end - start);
            if !name.is_empty() {
                let _ = write!(r, "name:{};", to_hex(name.join(" ").as_bytes()));
            }
            return r;
        }
        gap_start = end;
    }
    format!("start:{gap_start:x};size:{:x};", u64::MAX - gap_start)
}

/// `threads:...;thread-pcs:...;` for stop replies.
pub fn threads_in_stop(inf: &mut Inferiors, pid: i32) -> String {
    let tids: Vec<i32> = inf.lwps(pid).iter().map(|l| l.0).collect();
    let mut pcs = Vec::new();
    for &tid in &tids {
        let pc = inf.frame_regs(Ptid { pid, tid }).map(|r| r[2]).unwrap_or(0);
        pcs.push(format!("{pc:x}"));
    }
    let list: Vec<String> = tids.iter().map(|t| format!("{t:x}")).collect();
    format!("threads:{};thread-pcs:{};", list.join(","), pcs.join(","))
}

/// `jThreadsInfo`: a JSON array, one object per thread of the current
/// process with its name, stop reason and the registers a stop needs.
pub fn threads_info(inf: &mut Inferiors, last: Option<&Stop>) -> String {
    let mut out = String::from("[");
    let threads = inf.threads();
    for (i, p) in threads.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let name = super::xfer::thread_name(p.pid, p.tid).replace('\\', "\\\\").replace('"', "\\\"");
        let _ = write!(out, "{{\"tid\":{},\"name\":\"{}\"", p.tid, name);
        let (reason, signal) = match last.filter(|l| l.ptid == *p).map(|l| &l.kind) {
            Some(StopKind::SwBreak) | Some(StopKind::HwBreak) => ("breakpoint", 5),
            Some(StopKind::Watch(..)) => ("watchpoint", 5),
            Some(StopKind::Step) => ("trace", 5),
            Some(StopKind::Signal(s)) => ("signal", super::target::to_gdb_signal(*s)),
            Some(StopKind::Interrupted) => ("signal", 2),
            Some(_) => ("signal", 5),
            None => ("none", 0),
        };
        if signal != 0 {
            let _ = write!(out, ",\"reason\":\"{reason}\",\"signal\":{signal}");
        }
        if let Some(regs) = inf.frame_regs(*p) {
            out.push_str(",\"registers\":{");
            for (k, (n, v)) in [arch::RBP, arch::RSP, arch::RIP].into_iter().zip(regs).enumerate() {
                if k > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{n}\":\"{}\"", to_hex(&v.to_le_bytes()));
            }
            out.push('}');
        }
        out.push('}');
    }
    out.push(']');
    out
}
