//! The dispatch over packet prefixes, and the packets that read and write
//! a stopped program: `?`, thread selection and liveness, registers,
//! memory, breakpoints and watchpoints.

use super::*;

impl Session<'_> {
    // ---- dispatch ----

    pub(super) fn dispatch(&mut self, body: &[u8]) {
        let Some(&c) = body.first() else {
            return self.empty();
        };
        match c {
            b'?' => self.question(),
            b'!' => {
                self.extended = true;
                self.ok()
            }
            b'H' => self.set_thread(body),
            b'T' => self.thread_alive(&body[1..]),
            b'g' => self.read_regs(body),
            b'G' => self.write_regs(body),
            b'p' => self.read_reg(body),
            b'P' => self.write_reg(body),
            b'm' => self.read_mem(&body[1..]),
            b'M' => self.write_mem_hex(&body[1..]),
            b'X' => self.write_mem_bin(&body[1..]),
            b'x' => self.read_mem_bin(&body[1..]),
            b'Z' | b'z' => self.breakpoint(body),
            b'c' | b's' | b'C' | b'S' => self.old_resume(body),
            b'D' => self.detach(body),
            b'k' => self.kill_all(),
            b'R' => self.restart(),
            b'v' => self.v_packet(body),
            b'q' => self.query(body),
            b'Q' => self.set(body),
            b'j' => self.j_packet(body),
            _ => self.empty(),
        }
    }

    pub(super) fn question(&mut self) {
        if self.inf.ns.is_some() {
            return self.ns_question();
        }
        match self.last.clone() {
            Some(s) if self.inf.procs.contains_key(&s.ptid.pid) => {
                let r = self.stop_reply(&s);
                self.send_str(&r);
            }
            _ => match self.inf.first_pid() {
                Some(pid) => {
                    let tid = self.inf.reporting_thread(pid).map(|p| p.tid).unwrap_or(pid);
                    let s = Stop { ptid: Ptid { pid, tid }, kind: StopKind::Signal(libc::SIGTRAP) };
                    self.last = Some(s.clone());
                    let r = self.stop_reply(&s);
                    self.send_str(&r);
                }
                // No process (extended mode before `run`).
                None => self.send(b"W00"),
            },
        }
    }

    pub(super) fn set_thread(&mut self, body: &[u8]) {
        let (Some(&which), Some(rest)) = (body.get(1), body.get(2..)) else {
            return self.err();
        };
        let Some(sel) = self.parse_sel(rest) else { return self.err() };
        if let Sel::Thread(p) = sel {
            if !self.inf.alive(p) {
                return self.err();
            }
        }
        if let Sel::Proc(pid) = sel {
            if !self.inf.procs.contains_key(&pid) {
                return self.err();
            }
        }
        match which {
            b'g' => self.hg = Some(sel),
            b'c' => self.hc = Some(sel),
            _ => return self.err(),
        }
        self.ok()
    }

    pub(super) fn thread_alive(&mut self, s: &[u8]) {
        match self.parse_sel(s) {
            Some(Sel::Thread(p)) if self.inf.alive(p) => self.ok(),
            _ => self.err(),
        }
    }

    /// A thread that can be read: it exists and its process is stopped.
    pub(super) fn stopped_thread(&self, p: Option<Ptid>) -> Option<Ptid> {
        if self.inf.ns.is_some() {
            return p.filter(|p| self.inf.ns_stopped(*p));
        }
        p.filter(|p| self.inf.alive(*p) && self.inf.is_stopped(p.pid))
    }

    pub(super) fn read_regs(&mut self, body: &[u8]) {
        let (_, t) = self.strip_suffix(body);
        let Some(p) = self.stopped_thread(t.or_else(|| self.current())) else { return self.err() };
        match self.inf.wire_g(p) {
            Ok(g) => self.send(to_hex(&g).as_bytes()),
            Err(_) => self.err(),
        }
    }

    pub(super) fn write_regs(&mut self, body: &[u8]) {
        let (body, t) = self.strip_suffix(body);
        let Some(p) = self.stopped_thread(t.or_else(|| self.current())) else { return self.err() };
        match hex_bytes(&body[1..]) {
            Some(g) => match self.inf.set_wire_g(p, &g) {
                Ok(true) => self.ok(),
                _ => self.err(),
            },
            _ => self.err(),
        }
    }

    pub(super) fn read_reg(&mut self, body: &[u8]) {
        let (body, t) = self.strip_suffix(body);
        let Some(n) = hex_u64(&body[1..]) else { return self.err() };
        let Some(p) = self.stopped_thread(t.or_else(|| self.current())) else { return self.err() };
        match self.inf.read_wire_register(p, n as usize) {
            Ok(Some(v)) => self.send(to_hex(&v).as_bytes()),
            _ => self.err(),
        }
    }

    pub(super) fn write_reg(&mut self, body: &[u8]) {
        let (body, t) = self.strip_suffix(body);
        let Some((n, v)) = split_once(&body[1..], b'=') else { return self.err() };
        let (Some(n), Some(v)) = (hex_u64(n), hex_bytes(v)) else { return self.err() };
        let Some(p) = self.stopped_thread(t.or_else(|| self.current())) else { return self.err() };
        match self.inf.write_wire_register(p, n as usize, &v) {
            Ok(true) => self.ok(),
            _ => self.err(),
        }
    }

    /// The process memory requests go to (`Hg`'s).
    pub(super) fn mem_pid(&self) -> Option<i32> {
        if self.inf.ns.is_some() {
            // Non-stop: memory is the process's, running or not.
            return self.current().map(|p| p.pid).filter(|pid| self.inf.procs.contains_key(pid));
        }
        self.current().map(|p| p.pid).filter(|&pid| self.inf.is_stopped(pid))
    }

    pub(super) fn read_mem(&mut self, args: &[u8]) {
        let Some((addr, len)) = addr_len(args) else { return self.err() };
        let Some(pid) = self.mem_pid() else { return self.err() };
        let len = (len as usize).min((MAX_PACKET - 16) / 2);
        let mut buf = vec![0u8; len];
        let n = self.inf.read_memory(pid, addr, &mut buf);
        if n == 0 && len > 0 {
            return self.err();
        }
        self.send(to_hex(&buf[..n]).as_bytes());
    }

    /// lldb's `x`: binary read (`x0,0` asks whether we have it).
    pub(super) fn read_mem_bin(&mut self, args: &[u8]) {
        let Some((addr, len)) = addr_len(args) else { return self.err() };
        if len == 0 {
            return self.ok();
        }
        let Some(pid) = self.mem_pid() else { return self.err() };
        let len = (len as usize).min(MAX_PACKET / 2);
        let mut buf = vec![0u8; len];
        let n = self.inf.read_memory(pid, addr, &mut buf);
        if n == 0 {
            return self.err();
        }
        let mut out = Vec::with_capacity(n + 16);
        packet::escape_into(&mut out, &buf[..n]);
        self.send(&out);
    }

    pub(super) fn write_mem_hex(&mut self, args: &[u8]) {
        let Some((al, data)) = split_once(args, b':') else { return self.err() };
        let Some((addr, len)) = addr_len(al) else { return self.err() };
        let Some(data) = hex_bytes(data) else { return self.err() };
        self.write_mem(addr, len, &data)
    }

    pub(super) fn write_mem_bin(&mut self, args: &[u8]) {
        let Some((al, data)) = split_once(args, b':') else { return self.err() };
        let Some((addr, len)) = addr_len(al) else { return self.err() };
        let Some(data) = packet::unescape(data) else { return self.err() };
        self.write_mem(addr, len, &data)
    }

    pub(super) fn write_mem(&mut self, addr: u64, len: u64, data: &[u8]) {
        if data.len() as u64 != len {
            return self.err();
        }
        let Some(pid) = self.mem_pid() else { return self.err() };
        if data.is_empty() {
            return self.ok();
        }
        match self.inf.write_memory(pid, addr, data) {
            Ok(()) => self.ok(),
            Err(_) => self.err(),
        }
    }

    /// `Z`/`z` TYPE,ADDR,KIND[;X len,expr...][;cmds:persist,X len,expr...]
    pub(super) fn breakpoint(&mut self, body: &[u8]) {
        let insert = body[0] == b'Z';
        let mut parts = body[1..].splitn(2, |&c| c == b';');
        let head = parts.next().unwrap_or_default();
        let tail = parts.next().unwrap_or_default();
        let f: Vec<&[u8]> = head.split(|&c| c == b',').collect();
        let [ty, addr, kind] = f.as_slice() else { return self.err() };
        let (Some(ty), Some(addr), Some(kind)) = (hex_u64(ty), hex_u64(addr), hex_u64(kind)) else {
            return self.err();
        };
        let Some(pid) = self.mem_pid() else { return self.err() };
        let gen = self.inf.dbregs_gen(pid);
        let ok = match (ty, insert) {
            (0, true) => {
                let Some((conds, cmds, persist)) = parse_bp_extras(tail) else { return self.err() };
                self.inf.insert_breakpoint(pid, addr, conds, cmds, persist)
            }
            (0, false) => self.inf.remove_breakpoint(pid, addr),
            (1..=4, _) => {
                let (len, watch) = match ty {
                    1 => (1, None),
                    2 => (kind, Some(WatchKind::Write)),
                    3 => (kind, Some(WatchKind::Read)),
                    _ => (kind, Some(WatchKind::Access)),
                };
                if insert {
                    self.inf.insert_slot(pid, addr, len, watch)
                } else {
                    self.inf.remove_slot(pid, addr, len, watch)
                }
            }
            _ => return self.empty(),
        };
        if ok && self.inf.ns.is_some() && self.inf.dbregs_gen(pid) != gen {
            // Debug registers (gdb's, or ours for a conditional
            // breakpoint) reach running threads too.
            self.inf.ns_resync(pid);
        }
        if ok {
            self.ok()
        } else {
            self.err()
        }
    }
}
