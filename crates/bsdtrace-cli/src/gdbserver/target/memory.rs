//! Memory of the debugged processes, and the breakpoints and watchpoints
//! set in it (int3s and debug-register slots).

use super::*;

impl Inferiors {
    // ---- memory ----

    /// The process whose breakpoint table covers `pid`'s memory.
    pub(in crate::gdbserver) fn owner(&self, pid: i32) -> i32 {
        self.procs.get(&pid).and_then(|p| p.shares).filter(|o| self.procs.contains_key(o)).unwrap_or(pid)
    }

    /// Read memory; returns how many bytes were readable (0: none). Our
    /// int3s read as the bytes they replace, as gdbserver shows them.
    pub fn read_memory(&mut self, pid: i32, addr: u64, data: &mut [u8]) -> usize {
        let n = match self.mem_read(pid, addr, data) {
            Ok(()) => data.len(),
            Err(Error::Fault { done, .. }) => done,
            Err(_) => 0,
        };
        let end = addr.saturating_add(n as u64);
        let owner = self.owner(pid);
        if let Some(p) = self.procs.get(&owner) {
            if !p.vfork_hidden {
                for (&a, bp) in p.bps.range(addr..end) {
                    data[(a - addr) as usize] = bp.orig;
                }
            }
        }
        n
    }

    /// Write memory; our int3s stay in place (gdb's bytes go under them).
    pub fn write_memory(&mut self, pid: i32, addr: u64, data: &[u8]) -> Result<(), Error> {
        let mut buf = data.to_vec();
        let end = addr.saturating_add(data.len() as u64);
        let owner = self.owner(pid);
        if let Some(p) = self.procs.get_mut(&owner) {
            let hidden = p.vfork_hidden;
            for (&a, bp) in p.bps.range_mut(addr..end) {
                let i = (a - addr) as usize;
                bp.orig = buf[i];
                if !hidden {
                    buf[i] = 0xcc;
                }
            }
        }
        self.mem_write(pid, addr, &buf)
    }

    // ---- breakpoints and watchpoints ----

    /// Z0: an int3 written through /proc/PID/mem (reaches read-only text);
    /// inserting it again replaces its conditions and commands.
    pub fn insert_breakpoint(&mut self, pid: i32, addr: u64, conds: Vec<Vec<u8>>, cmds: Vec<Vec<u8>>, persist: bool) -> bool {
        let owner = self.owner(pid);
        let Some(p) = self.procs.get_mut(&owner) else { return false };
        if let Some(bp) = p.bps.get_mut(&addr).or_else(|| p.hwbps.get_mut(&addr).map(|(b, _)| b)) {
            bp.conds = conds;
            bp.cmds = cmds;
            bp.persist = persist;
            return true;
        }
        if (!conds.is_empty() || !cmds.is_empty()) && owner == pid && addr < USER_END {
            if let Some(i) = p.slots.iter().position(|x| x.is_none()) {
                p.slots[i] = Some(Slot { addr, len: 1, watch: None, ours: true });
                p.slots_gen += 1;
                p.hwbps.insert(addr, (Breakpoint { orig: 0, conds, cmds, persist }, i));
                return true;
            }
        }
        let hidden = p.vfork_hidden;
        let mut orig = [0u8];
        if self.mem_read(owner, addr, &mut orig).is_err() {
            return false;
        }
        if !hidden && self.mem_write(owner, addr, &[0xcc]).is_err() {
            return false;
        }
        let p = self.procs.get_mut(&owner).expect("checked");
        p.bps.insert(addr, Breakpoint { orig: orig[0], conds, cmds, persist });
        true
    }

    pub fn remove_breakpoint(&mut self, pid: i32, addr: u64) -> bool {
        let owner = self.owner(pid);
        let Some(p) = self.procs.get_mut(&owner) else { return false };
        let hidden = p.vfork_hidden;
        if let Some((_, i)) = p.hwbps.remove(&addr) {
            p.slots[i] = None;
            p.slots_gen += 1;
            return true;
        }
        let Some(bp) = p.bps.remove(&addr) else { return false };
        if let Some(ns) = self.ns.as_mut() {
            ns.removed(owner, addr);
        }
        hidden || self.mem_write(owner, addr, &[bp.orig]).is_ok()
    }

    /// Z1-Z4 through the debug registers of every LWP (4 slots, lengths
    /// 1/2/4/8, aligned).
    pub fn insert_slot(&mut self, pid: i32, addr: u64, len: u64, watch: Option<WatchKind>) -> bool {
        let s = Slot { addr, len, watch, ours: false };
        #[allow(clippy::manual_is_multiple_of)] // is_multiple_of needs Rust 1.87; MSRV is 1.85
        let aligned = matches!(len, 1 | 2 | 4 | 8) && addr % len == 0;
        if !aligned || addr >= USER_END {
            return false;
        }
        let Some(p) = self.procs.get_mut(&pid) else { return false };
        if p.slots.contains(&Some(s)) {
            return true;
        }
        if p.slots.iter().all(|x| x.is_some()) {
            // gdb's own hardware breakpoints and watchpoints come first: a
            // slot holding one of our conditional breakpoints goes back to
            // an int3.
            if let Some((&a, _)) = p.hwbps.iter().next() {
                let (bp, i) = p.hwbps.remove(&a).expect("present");
                p.slots[i] = None;
                p.slots_gen += 1;
                let mut orig = [0u8];
                if self.mem_read(pid, a, &mut orig).is_ok() && self.mem_write(pid, a, &[0xcc]).is_ok()
                {
                    let p = self.procs.get_mut(&pid).expect("present");
                    p.bps.insert(a, Breakpoint { orig: orig[0], ..bp });
                }
            }
        }
        let p = self.procs.get_mut(&pid).expect("present");
        match p.slots.iter().position(|x| x.is_none()) {
            Some(i) => {
                p.slots[i] = Some(s);
                p.slots_gen += 1;
                true
            }
            None => false,
        }
    }

    pub fn remove_slot(&mut self, pid: i32, addr: u64, len: u64, watch: Option<WatchKind>) -> bool {
        let Some(p) = self.procs.get_mut(&pid) else { return false };
        match p.slots.iter().position(|x| *x == Some(Slot { addr, len, watch, ours: false })) {
            Some(i) => {
                p.slots[i] = None;
                p.slots_gen += 1;
                true
            }
            None => false,
        }
    }

    pub(super) fn dbreg_image(p: &Process) -> dbreg {
        let mut d = dbreg { dr: [0; 16] };
        for (i, s) in p.slots.iter().enumerate() {
            let Some(s) = s else { continue };
            d.dr[i] = s.addr;
            let rw = match s.watch {
                None => 0,
                Some(WatchKind::Write) => 1,
                Some(WatchKind::Read) | Some(WatchKind::Access) => 3,
            };
            let len = match s.len {
                2 => 1,
                4 => 3,
                8 => 2,
                _ => 0,
            };
            d.dr[7] |= (1 << (i * 2)) | (rw << (16 + i * 4)) | (len << (18 + i * 4));
        }
        d
    }

    /// Give every LWP the current debug registers (before each resume;
    /// each LWP records the generation it has).
    pub(in crate::gdbserver) fn sync_dbregs(&mut self, pid: i32) {
        if self.procs.get(&pid).is_none_or(|p| p.slots_gen == 0) {
            // No debug register was ever asked for: nothing to clear.
            return;
        }
        let lwps = self.lwps(pid);
        let Some(p) = self.procs.get(&pid) else { return };
        let img = Self::dbreg_image(p);
        let gen = p.slots_gen;
        let todo: Vec<Lwpid> = lwps.into_iter().filter(|l| p.applied.get(&l.0) != Some(&gen)).collect();
        for l in todo {
            let t = T::Lwp(l);
            let mut d = img;
            if let Ok(cur) = self.tracer.get_dbregs(t) {
                d.dr[6] = cur.dr[6];
            }
            if self.tracer.set_dbregs(t, &d).is_ok() {
                self.procs.get_mut(&pid).expect("present").applied.insert(l.0, gen);
            }
        }
    }
}
