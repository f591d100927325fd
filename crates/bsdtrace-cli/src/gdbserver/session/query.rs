//! `q` packets: `qSupported`, the thread list, TLS addresses, `qXfer`
//! objects, `qRcmd` (monitor commands) and the rest.

use super::*;

impl Session<'_> {
    // ---- queries ----

    pub(super) fn query(&mut self, body: &[u8]) {
        if let Some(a) = body.strip_prefix(b"qSupported") {
            return self.supported(a.strip_prefix(b":").unwrap_or(a));
        }
        if let Some(a) = body.strip_prefix(b"qXfer:") {
            return self.xfer(a);
        }
        match body {
            b"qC" => {
                return match self.current() {
                    Some(p) => {
                        let s = format!("QC{}", self.fmt_ptid(p));
                        self.send_str(&s)
                    }
                    None => self.err(),
                }
            }
            b"qfThreadInfo" => {
                self.thread_cursor = 0;
                return self.thread_info();
            }
            b"qsThreadInfo" => return self.thread_info(),
            b"qSymbol::" => {
                // gdb offers to look symbols up (after loading some): the
                // one TLS addresses need, if we do not have it.
                if self.tls_modid_field.is_none() {
                    let s = format!("qSymbol:{}", to_hex(TLS_MODID_SYM.as_bytes()));
                    return self.send_str(&s);
                }
                return self.ok();
            }
            b"qOffsets" | b"qTStatus" => return self.empty(),
            b"qHostInfo" => {
                let s = lldb::host_info();
                return self.send_str(&s);
            }
            b"qGDBServerVersion" => return self.send(b"name:bsdtrace;version:0.1;"),
            b"qProcessInfo" => {
                return match self.current() {
                    Some(p) => {
                        let s = lldb::process_info(p.pid);
                        self.send_str(&s)
                    }
                    None => self.err(),
                }
            }
            b"qWatchpointSupportInfo" | b"qWatchpointSupportInfo:" => return self.send(b"num:4;"),
            _ => {}
        }
        if let Some(a) = body.strip_prefix(b"qSymbol:") {
            // `ADDR:NAME` (or `:NAME` when gdb does not know it).
            if let Some((addr, name)) = split_once(a, b':') {
                if hex_bytes(name).is_some_and(|n| n == TLS_MODID_SYM.as_bytes()) {
                    self.tls_modid_field = hex_u64(addr).and_then(|at| {
                        let pid = self.mem_pid()?;
                        // glibc's descriptor: bits, count, offset (u32 each).
                        let mut d = [0u8; 12];
                        (self.inf.read_memory(pid, at, &mut d) == 12)
                            .then(|| u32::from_le_bytes(d[8..12].try_into().expect("4")) as u64)
                    });
                }
            }
            return self.ok();
        }
        if let Some(a) = body.strip_prefix(b"qGetTLSAddr:") {
            return self.tls_addr(a);
        }
        if let Some(a) = body.strip_prefix(b"qAttached") {
            let pid = match a.strip_prefix(b":") {
                Some(p) => hex_id(p),
                None => self.current().map(|p| p.pid),
            };
            return match pid.and_then(|p| self.inf.procs.get(&p)) {
                Some(p) => {
                    let a = if p.attached { "1" } else { "0" };
                    self.send_str(a)
                }
                None => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"qThreadExtraInfo,") {
            return match self.parse_sel(a) {
                Some(Sel::Thread(p)) if self.inf.alive(p) => {
                    let name = xfer::thread_name(p.pid, p.tid);
                    self.send(to_hex(name.as_bytes()).as_bytes())
                }
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"qProcessInfoPID:") {
            return match hex_u64(a).or_else(|| std::str::from_utf8(a).ok().and_then(|s| s.parse().ok())) {
                Some(pid) if std::path::Path::new(&format!("/proc/{pid}")).exists() => {
                    let s = lldb::process_info(pid as i32);
                    self.send_str(&s)
                }
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"qMemoryRegionInfo:") {
            let Some(addr) = hex_u64(a) else { return self.err() };
            let Some(pid) = self.current().map(|p| p.pid) else { return self.err() };
            let s = lldb::memory_region(pid, addr);
            return self.send_str(&s);
        }
        if let Some(a) = body.strip_prefix(b"qCRC:") {
            let Some((addr, len)) = addr_len(a) else { return self.err() };
            let Some(pid) = self.mem_pid() else { return self.err() };
            return match xfer::crc(self.inf, pid, addr, len) {
                Some(c) => self.send_str(&format!("C{c:x}")),
                None => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"qSearch:memory:") {
            let f: Vec<&[u8]> = a.splitn(3, |&c| c == b';').collect();
            let [addr, len, pat] = f.as_slice() else { return self.err() };
            let (Some(addr), Some(len)) = (hex_u64(addr), hex_u64(len)) else { return self.err() };
            let Some(pat) = packet::unescape(pat) else { return self.err() };
            let Some(pid) = self.mem_pid() else { return self.err() };
            return match xfer::search(self.inf, pid, addr, len, &pat) {
                Some(Some(at)) => self.send_str(&format!("1,{at:x}")),
                Some(None) => self.send(b"0"),
                None => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"qRcmd,") {
            return self.monitor(a);
        }
        self.empty()
    }

    /// `qGetTLSAddr:THREAD,OFFSET,LM`: where a thread-local variable at
    /// OFFSET in the TLS block of module LM (a link_map) lives in THREAD.
    /// glibc on x86: the thread pointer (x86-64: fs_base; i386: the base
    /// of %gs) points at the TCB, whose second word is the DTV; entry
    /// MODID (two words each) holds the block. The main program's module
    /// id is 1; another module's comes from its link_map, at the offset
    /// glibc publishes for debuggers (`_thread_db_link_map_l_tls_modid`,
    /// asked of gdb with qSymbol).
    pub(super) fn tls_addr(&mut self, a: &[u8]) {
        let f: Vec<&[u8]> = a.split(|&c| c == b',').collect();
        let [t, off, lm] = f.as_slice() else { return self.err() };
        let (Some(Sel::Thread(p)), Some(off), Some(lm)) = (self.parse_sel(t), hex_u64(off), hex_u64(lm)) else {
            return self.err();
        };
        if self.stopped_thread(Some(p)).is_none() {
            return self.err();
        }
        // fs_base and gs_base in the engine's (amd64) register view.
        let (w, tp_reg) = if self.inf.is_i386(p.pid) { (4usize, 59) } else { (8, 58) };
        let Ok(tp) = self.inf.read_register(p, tp_reg).map(|v| v.map(|b| u64::from_le_bytes(b[..8].try_into().expect("8")))) else {
            return self.err();
        };
        let read = |me: &mut Self, at: u64| -> Option<u64> {
            let mut b = [0u8; 8];
            (me.inf.read_memory(p.pid, at, &mut b[..w]) == w).then(|| u64::from_le_bytes(b))
        };
        let modid = match self.tls_modid_field {
            Some(o) => read(self, lm.wrapping_add(o)),
            None if xfer::main_link_map(self.inf, p.pid) == Some(lm) => Some(1),
            None => None,
        };
        let w = w as u64;
        let block = tp.and_then(|tp| read(self, tp + w)).zip(modid).and_then(|(dtv, m)| read(self, dtv + 2 * w * m));
        let unallocated = u64::MAX >> (64 - 8 * w);
        match block {
            // Not allocated yet (dynamic TLS never touched by this thread).
            Some(b) if b != 0 && b != unallocated => self.send_str(&format!("{:x}", b.wrapping_add(off) & unallocated)),
            _ => self.err(),
        }
    }

    pub(super) fn supported(&mut self, features: &[u8]) {
        let mut c = Client::default();
        for f in features.split(|&b| b == b';') {
            match f {
                b"multiprocess+" => c.multiprocess = true,
                b"swbreak+" => c.swbreak = true,
                b"hwbreak+" => c.hwbreak = true,
                b"fork-events+" => self.inf.opts.fork_events = true,
                b"vfork-events+" => self.inf.opts.vfork_events = true,
                b"exec-events+" => self.inf.opts.exec_events = true,
                b"no-resumed+" => c.no_resumed = true,
                b"QThreadEvents+" => c.thread_events_ok = true,
                _ => {}
            }
        }
        self.client = c;
        let mut r = format!(
            "PacketSize={MAX_PACKET:x};QStartNoAckMode+;{}QCatchSyscalls+;\
             QStartupWithShell+;QEnvironmentHexEncoded+;QEnvironmentReset+;QEnvironmentUnset+;QSetWorkingDir+;\
             QDisableRandomization+;ConditionalBreakpoints+;BreakpointCommands+;\
             qXfer:features:read+;qXfer:auxv:read+;qXfer:exec-file:read+;qXfer:libraries-svr4:read+;\
             qXfer:threads:read+;qXfer:siginfo:read+;qXfer:siginfo:write+;qXfer:osdata:read+;\
             vContSupported+;QThreadEvents+;QNonStop+",
            if self.settings.pass_signals { "QPassSignals+;QProgramSignals+;" } else { "" }
        );
        for (on, name) in [
            (c.multiprocess, "multiprocess+"),
            (c.swbreak, "swbreak+"),
            (c.hwbreak, "hwbreak+"),
            (self.inf.opts.fork_events, "fork-events+"),
            (self.inf.opts.vfork_events, "vfork-events+"),
            (self.inf.opts.exec_events, "exec-events+"),
            (c.no_resumed, "no-resumed+"),
        ] {
            if on {
                r.push(';');
                r.push_str(name);
            }
        }
        self.send_str(&r);
    }

    pub(super) fn thread_info(&mut self) {
        let all = self.inf.threads();
        if self.thread_cursor >= all.len() {
            return self.send(b"l");
        }
        let mut r = String::from("m");
        let mut first = true;
        while self.thread_cursor < all.len() && r.len() < MAX_PACKET - 64 {
            if !first {
                r.push(',');
            }
            first = false;
            let p = self.fmt_ptid(all[self.thread_cursor]);
            r.push_str(&p);
            self.thread_cursor += 1;
        }
        self.send_str(&r)
    }

    /// `qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH` (and `siginfo:write`).
    pub(super) fn xfer(&mut self, a: &[u8]) {
        let f: Vec<&[u8]> = a.splitn(4, |&c| c == b':').collect();
        let [object, op, annex, rest] = f.as_slice() else { return self.err() };
        if *op == b"write" {
            if *object != b"siginfo" {
                return self.empty();
            }
            let Some((off, data)) = split_once(rest, b':') else { return self.err() };
            let (Some(off), Some(data)) = (hex_u64(off), packet::unescape(data)) else { return self.err() };
            let Some(p) = self.stopped_thread(self.current()) else { return self.err() };
            let Some(mut si) = self.inf.siginfo(p) else { return self.err() };
            let off = off as usize;
            if off >= si.len() {
                return self.err();
            }
            let n = data.len().min(si.len() - off);
            si[off..off + n].copy_from_slice(&data[..n]);
            return if self.inf.set_siginfo(p, &si) { self.send_str(&format!("{n:x}")) } else { self.err() };
        }
        if *op != b"read" {
            return self.empty();
        }
        let Some((off, len)) = addr_len(rest) else { return self.err() };
        let cur = self.current();
        let key = [*object, b":", annex, b":", format!("{cur:?}").as_bytes()].concat();
        let cached = match &self.xfer_cache {
            Some((k, d)) if off > 0 && *k == key => Some(d.clone()),
            _ => None,
        };
        let data: Option<Vec<u8>> = if cached.is_some() { cached } else { match *object {
            b"features" => match *annex {
                b"target.xml" => Some(match cur {
                    Some(p) => self.inf.layout_of(p.pid).target_xml(),
                    None => self.inf.layout.target_xml(),
                }.into_bytes()),
                _ => None,
            },
            b"auxv" => {
                let Some(pid) = cur.map(|p| p.pid) else { return self.err() };
                std::fs::read(format!("/proc/{pid}/auxv")).ok()
            }
            b"exec-file" => {
                let pid = if annex.is_empty() { cur.map(|p| p.pid) } else { hex_id(annex) };
                pid.and_then(|pid| self.inf.procs.get(&pid).and_then(|p| p.exe.clone()).or_else(|| target::exe_path(pid)))
                    .map(String::into_bytes)
            }
            b"libraries-svr4" => {
                let Some(pid) = self.mem_pid() else { return self.err() };
                Some(xfer::libraries_svr4(self.inf, pid).into_bytes())
            }
            b"threads" => {
                let mp = self.client.multiprocess;
                let fmt = |p: Ptid| if mp { format!("p{:x}.{:x}", p.pid, p.tid) } else { format!("{:x}", p.tid) };
                Some(xfer::threads(self.inf, &mut self.names, fmt).into_bytes())
            }
            b"siginfo" => self.stopped_thread(cur).and_then(|p| self.inf.siginfo(p)).map(|s| s.to_vec()),
            b"osdata" => xfer::osdata(annex).map(String::into_bytes),
            _ => return self.empty(),
        } };
        let Some(data) = data else { return self.err() };
        self.xfer_cache = Some((key, data.clone()));
        let off = off as usize;
        if off > data.len() {
            return self.err();
        }
        let want = (len as usize).min(MAX_PACKET - 16);
        let avail = &data[off..];
        let room = packet::escaped_prefix(&avail[..avail.len().min(want)], MAX_PACKET - 16);
        let more = room < avail.len();
        let mut out = Vec::with_capacity(room + 8);
        out.push(if more { b'm' } else { b'l' });
        packet::escape_into(&mut out, &avail[..room]);
        self.send(&out)
    }

    pub(super) fn monitor(&mut self, hex: &[u8]) {
        let Some(cmd) = hex_bytes(hex) else { return self.err() };
        let cmd = String::from_utf8_lossy(&cmd).trim().to_string();
        let out = |me: &mut Self, text: &str| {
            let p = format!("O{}", to_hex(text.as_bytes()));
            me.send_str(&p);
        };
        match cmd.as_str() {
            "help" => {
                out(self, "The following monitor commands are supported:\n  help -- this list\n  exit -- end the server (programs it started are killed, attached ones detached)\n  set step-emulation on|off -- execute simple instructions of a one-thread step in the server (on)\n  show step-emulation -- and how many steps were\n");
                self.ok()
            }
            "exit" => {
                self.ok();
                self.end = Some(End::Exit);
            }
            "show step-emulation" => {
                let state = if self.inf.emulate_steps { "on" } else { "off" };
                let text = format!("step emulation is {state}; {} steps emulated\n", self.inf.emulated);
                out(self, &text);
                self.ok()
            }
            "set step-emulation on" | "set step-emulation off" => {
                self.inf.emulate_steps = cmd.ends_with("on");
                self.ok()
            }
            _ => self.empty(),
        }
    }
}
