//! PT_VM_TIMESTAMP and PT_VM_ENTRY.
//!
//! The map is read once per stop (one pass over /proc/PID/maps) and served
//! by index from that snapshot: enumerating N entries costs O(N), not the
//! seed's O(N²). A stopped process's map cannot change, so the snapshot is
//! valid until it is resumed. The timestamp is a hash of the map's text:
//! Linux keeps no generation counter, and the text changes exactly when the
//! map does.

use crate::abi;
use crate::engine::{MapSnapshot, Pid, Target, Tracer};
use crate::error::{Errno, Result};
use crate::sys::procfs;

/// One entry of the map (`struct ptrace_vm_entry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmEntry {
    /// Index of this entry + 1: pass it back to get the next one.
    pub entry: i32,
    /// The map generation the entry belongs to (PT_VM_TIMESTAMP).
    pub timestamp: i32,
    /// First address of the mapping.
    pub start: u64,
    /// Last address (inclusive), as FreeBSD reports it.
    pub end: u64,
    /// Offset of the mapping in its object.
    pub offset: u64,
    /// VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE.
    pub prot: u32,
    /// The backing file, for file mappings whose file still exists.
    pub path: Option<String>,
    /// Inode, or VNOVAL.
    pub fileid: i64,
    /// Device, or VNOVAL.
    pub fsid: u32,
}

fn fnv1a(text: &[u8]) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in text {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h as i32
}

impl Tracer {
    fn snapshot(&mut self, pid: Pid, fresh: bool) -> Result<&MapSnapshot> {
        let p = self.procs.get_mut(&pid).expect("checked");
        if fresh || p.maps.is_none() {
            // Through a live thread: an exited main thread has no map.
            let tid = p.live_lwps().next().map_or(pid.0, |l| l.tid);
            let text = procfs::maps_text(pid.0, tid)?;
            p.maps = Some(MapSnapshot { timestamp: fnv1a(&text), entries: procfs::parse_maps(&text) });
        }
        Ok(p.maps.as_ref().expect("just filled"))
    }

    /// PT_VM_TIMESTAMP.
    pub fn vm_timestamp(&mut self, t: Target) -> Result<i32> {
        let (pid, _) = self.stopped(t)?;
        Ok(self.snapshot(pid, false)?.timestamp)
    }

    /// PT_VM_ENTRY: the entry after the first `entry` ones (0 = the first).
    /// EINVAL if fewer than `entry` exist, ENOENT just past the last.
    pub fn vm_entry(&mut self, t: Target, entry: i32) -> Result<VmEntry> {
        let (pid, _) = self.stopped(t)?;
        if entry < 0 {
            return Err(Errno::EINVAL.into());
        }
        let snap = self.snapshot(pid, false)?;
        let i = entry as usize;
        if i > snap.entries.len() {
            return Err(Errno::EINVAL.into());
        }
        let Some(m) = snap.entries.get(i) else { return Err(Errno::ENOENT.into()) };
        let mut prot = 0;
        if m.read {
            prot |= abi::VM_PROT_READ;
        }
        if m.write {
            prot |= abi::VM_PROT_WRITE;
        }
        if m.exec {
            prot |= abi::VM_PROT_EXECUTE;
        }
        let file = m.inode != 0 && m.path.starts_with('/') && !m.path.ends_with(" (deleted)");
        Ok(VmEntry {
            entry: entry + 1,
            timestamp: snap.timestamp,
            start: m.start,
            end: m.end - 1,
            offset: if m.inode != 0 { m.offset } else { 0 },
            prot,
            path: file.then(|| m.path.clone()),
            fileid: if file { m.inode as i64 } else { abi::VNOVAL },
            fsid: if file { (m.dev_major & 0xfff) << 8 | (m.dev_minor & 0xff) | ((m.dev_minor & !0xff) << 12) } else { abi::VNOVAL as u32 },
        })
    }
}
