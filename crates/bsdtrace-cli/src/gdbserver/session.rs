//! One connection to gdb (or lldb): the packet loop and the answer to
//! every packet. Input is untrusted: a packet that does not parse, names a
//! thread or process that does not exist, or asks for too much gets an
//! error (`E01`) or an empty reply (not supported), and the session goes
//! on. Only the connection's end, a kill or a detach ends it.

use super::conn::Conn;
use super::hostio::HostIo;
use super::packet::{self, Frame, Reader, MAX_PACKET};
use super::target::{self, Action, Inferiors, Ptid, Sel, Stop, StopKind, WatchKind};
use super::wire::{addr_len, hex_bytes, hex_id, hex_u64, split_once, thread_id, to_hex, ThreadId};
use super::{arch, lldb, note, xfer, Settings};
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, OwnedFd};

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The connection closed or broke: the processes stay for the next gdb.
    Disconnected,
    /// gdb killed or detached the last process (non-extended mode).
    Done,
    /// `monitor exit`, SIGTERM or SIGHUP: the server ends.
    Exit,
}

/// The features a client announced in `qSupported`.
#[derive(Default, Clone, Copy)]
struct Client {
    multiprocess: bool,
    swbreak: bool,
    hwbreak: bool,
    no_resumed: bool,
    thread_events_ok: bool,
    /// lldb: registers and stop state by thread suffix, thread list in stop replies.
    thread_suffix: bool,
    threads_in_stop: bool,
}

const ERR: &[u8] = b"E01";

pub struct Session<'a> {
    conn: &'a mut Conn,
    pub inf: &'a mut Inferiors,
    settings: &'a mut Settings,
    sigchld: &'a std::fs::File,
    term: &'a OwnedFd,
    reader: Reader,
    /// Frames that arrived while the program ran, handled after its stop.
    pending: VecDeque<Frame>,
    last_sent: Vec<u8>,
    client: Client,
    pub extended: bool,
    hg: Option<Sel>,
    hc: Option<Sel>,
    /// The stop reported last (for `?` and the default thread).
    last: Option<Stop>,
    /// `qsThreadInfo` continues the list here.
    thread_cursor: usize,
    hostio: HostIo,
    /// The object a `qXfer` read is in the middle of: later chunks come
    /// from this copy (a process list changes between requests, and is
    /// costly to build).
    xfer_cache: Option<(Vec<u8>, Vec<u8>)>,
    names: xfer::Names,
    /// Offset of `l_tls_modid` in glibc's link_map, once gdb told us.
    tls_modid_field: Option<u64>,
    end: Option<End>,
}

/// What glibc publishes (in libc.so.6) for debuggers about link_map.
const TLS_MODID_SYM: &str = "_thread_db_link_map_l_tls_modid";

impl<'a> Session<'a> {
    pub fn new(
        conn: &'a mut Conn,
        inf: &'a mut Inferiors,
        settings: &'a mut Settings,
        sigchld: &'a std::fs::File,
        term: &'a OwnedFd,
    ) -> Self {
        let extended = settings.multi;
        let last = inf.first_pid().map(|pid| {
            let tid = inf.reporting_thread(pid).map(|p| p.tid).unwrap_or(pid);
            Stop { ptid: Ptid { pid, tid }, kind: StopKind::Signal(libc::SIGTRAP) }
        });
        Session {
            conn,
            inf,
            settings,
            sigchld,
            term,
            reader: Reader::default(),
            pending: VecDeque::new(),
            last_sent: Vec::new(),
            client: Client::default(),
            extended,
            hg: None,
            hc: None,
            last,
            thread_cursor: 0,
            hostio: HostIo::default(),
            xfer_cache: None,
            names: xfer::Names::default(),
            tls_modid_field: None,
            end: None,
        }
    }

    /// The packet loop; returns how the session ended. Non-stop ends
    /// with the session: every process goes back to all-stop, stopped.
    pub fn run(&mut self) -> End {
        let end = self.run_loop();
        if self.inf.ns.is_some() {
            self.inf.leave_non_stop();
        }
        end
    }

    fn run_loop(&mut self) -> End {
        loop {
            if let Some(e) = self.end {
                return e;
            }
            // Frames are taken in order: a Ctrl-C right behind a `vCont`
            // interrupts what that `vCont` started.
            if self.pending.front() == Some(&Frame::Interrupt) {
                self.pending.pop_front();
                if self.inf.ns.is_some() {
                    self.inf.ns_ctrl_c();
                } else {
                    self.inf.interrupt();
                }
                continue;
            }
            if self.inf.ns.is_some() {
                // Non-stop: packets are answered while threads run, and
                // stops are collected as they come.
                let _ = std::io::Read::read(&mut &*self.sigchld, &mut [0u8; 256]);
                self.ns_notify();
                if let Some(f) = self.pending.pop_front() {
                    self.frame(f);
                    continue;
                }
            }
            if !self.inf.waiting {
                if let Some(f) = self.pending.pop_front() {
                    self.frame(f);
                    continue;
                }
            } else {
                // One read empties the pipe (a byte per SIGCHLD, and a
                // full pipe is as good as a byte).
                let _ = std::io::Read::read(&mut &*self.sigchld, &mut [0u8; 256]);
                match self.inf.poll() {
                    Ok(Some(stop)) => {
                        self.send_stop(stop);
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        note(&format!("wait: {e}"));
                        self.inf.waiting = false;
                        self.send(ERR);
                        continue;
                    }
                }
            }
            let mut fds = vec![self.conn.fd(), self.term.as_raw_fd()];
            if self.inf.waiting || self.inf.ns.is_some() {
                fds.push(self.sigchld.as_raw_fd());
            }
            let ready = match super::gdbsys::poll_readable(&fds) {
                Ok(r) => r,
                Err(e) => {
                    note(&format!("poll: {e}"));
                    return End::Disconnected;
                }
            };
            if ready[1] {
                super::gdbsys::drain(self.term);
                if bsdtrace::sys::host::terminated() {
                    return End::Exit;
                }
            }
            if !ready[0] {
                continue;
            }
            let bytes = match self.conn.read() {
                Ok(Some(b)) => b,
                Ok(None) => {
                    note("Remote side has terminated connection.");
                    return End::Disconnected;
                }
                Err(e) => {
                    note(&format!("Remote connection lost: {}", bsdtrace::error::io_message(&e)));
                    return End::Disconnected;
                }
            };
            for &b in bytes {
                let Some(f) = self.reader.push(b) else { continue };
                if f != Frame::Ack {
                    self.pending.push_back(f);
                }
            }
        }
    }

    fn frame(&mut self, f: Frame) {
        match f {
            Frame::Packet(body) => {
                if !self.reader.noack {
                    self.raw(b"+");
                }
                self.dispatch(&body);
            }
            Frame::BadChecksum => self.raw(b"-"),
            Frame::TooLong => {
                if !self.reader.noack {
                    self.raw(b"+");
                }
                self.send(ERR);
            }
            Frame::Nak => {
                if !self.reader.noack && !self.last_sent.is_empty() {
                    let p = self.last_sent.clone();
                    self.raw(&p);
                }
            }
            Frame::Ack | Frame::Interrupt => {}
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        if self.conn.write(bytes).is_err() {
            self.end = Some(End::Disconnected);
        }
    }

    /// Send one packet.
    pub fn send(&mut self, body: &[u8]) {
        let mut out = Vec::with_capacity(body.len() + 4);
        packet::frame(body, &mut out);
        self.raw(&out);
        self.last_sent = out;
    }

    fn send_str(&mut self, s: &str) {
        self.send(s.as_bytes());
    }

    fn ok(&mut self) {
        self.send(b"OK");
    }

    fn err(&mut self) {
        self.send(ERR);
    }

    fn empty(&mut self) {
        self.send(b"");
    }

    // ---- thread ids ----

    fn fmt_ptid(&self, p: Ptid) -> String {
        if self.client.multiprocess {
            format!("p{:x}.{:x}", p.pid, p.tid)
        } else {
            format!("{:x}", p.tid)
        }
    }

    fn parse_sel(&self, s: &[u8]) -> Option<Sel> {
        let id: ThreadId = thread_id(s)?;
        let cur = self.current().map(|p| p.pid).or_else(|| self.inf.first_pid());
        id.select(|t| self.inf.pid_of(t), cur)
    }

    /// A thread for requests that need one: what `H` selected if it still
    /// exists, else the thread of the last stop, else the first.
    fn thread_for(&self, sel: Option<Sel>) -> Option<Ptid> {
        let threads = self.inf.threads();
        if let Some(s) = sel {
            if let Sel::Thread(p) = s {
                return threads.contains(&p).then_some(p);
            }
            if let Some(l) = self.last.as_ref().map(|l| l.ptid).filter(|p| s.matches(*p) && threads.contains(p)) {
                return Some(l);
            }
            return threads.iter().copied().find(|p| s.matches(*p));
        }
        self.last.as_ref().map(|l| l.ptid).filter(|p| threads.contains(p)).or_else(|| threads.first().copied())
    }

    fn current(&self) -> Option<Ptid> {
        self.thread_for(self.hg)
    }

    /// lldb's `;thread:TID;` suffix, when it announced one.
    fn strip_suffix<'b>(&self, body: &'b [u8]) -> (&'b [u8], Option<Ptid>) {
        if !self.client.thread_suffix {
            return (body, None);
        }
        let Some(i) = find(body, b";thread:") else { return (body, None) };
        let rest = &body[i + 8..];
        let rest = rest.strip_suffix(b";").unwrap_or(rest);
        let p = match self.parse_sel(rest) {
            Some(Sel::Thread(p)) => Some(p),
            _ => None,
        };
        (&body[..i], p)
    }

    // ---- dispatch ----

    fn dispatch(&mut self, body: &[u8]) {
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

    fn question(&mut self) {
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

    fn set_thread(&mut self, body: &[u8]) {
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

    fn thread_alive(&mut self, s: &[u8]) {
        match self.parse_sel(s) {
            Some(Sel::Thread(p)) if self.inf.alive(p) => self.ok(),
            _ => self.err(),
        }
    }

    /// A thread that can be read: it exists and its process is stopped.
    fn stopped_thread(&self, p: Option<Ptid>) -> Option<Ptid> {
        if self.inf.ns.is_some() {
            return p.filter(|p| self.inf.ns_stopped(*p));
        }
        p.filter(|p| self.inf.alive(*p) && self.inf.is_stopped(p.pid))
    }

    fn read_regs(&mut self, body: &[u8]) {
        let (_, t) = self.strip_suffix(body);
        let Some(p) = self.stopped_thread(t.or_else(|| self.current())) else { return self.err() };
        match self.inf.wire_g(p) {
            Ok(g) => self.send(to_hex(&g).as_bytes()),
            Err(_) => self.err(),
        }
    }

    fn write_regs(&mut self, body: &[u8]) {
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

    fn read_reg(&mut self, body: &[u8]) {
        let (body, t) = self.strip_suffix(body);
        let Some(n) = hex_u64(&body[1..]) else { return self.err() };
        let Some(p) = self.stopped_thread(t.or_else(|| self.current())) else { return self.err() };
        match self.inf.read_wire_register(p, n as usize) {
            Ok(Some(v)) => self.send(to_hex(&v).as_bytes()),
            _ => self.err(),
        }
    }

    fn write_reg(&mut self, body: &[u8]) {
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
    fn mem_pid(&self) -> Option<i32> {
        if self.inf.ns.is_some() {
            // Non-stop: memory is the process's, running or not.
            return self.current().map(|p| p.pid).filter(|pid| self.inf.procs.contains_key(pid));
        }
        self.current().map(|p| p.pid).filter(|&pid| self.inf.is_stopped(pid))
    }

    fn read_mem(&mut self, args: &[u8]) {
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
    fn read_mem_bin(&mut self, args: &[u8]) {
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

    fn write_mem_hex(&mut self, args: &[u8]) {
        let Some((al, data)) = split_once(args, b':') else { return self.err() };
        let Some((addr, len)) = addr_len(al) else { return self.err() };
        let Some(data) = hex_bytes(data) else { return self.err() };
        self.write_mem(addr, len, &data)
    }

    fn write_mem_bin(&mut self, args: &[u8]) {
        let Some((al, data)) = split_once(args, b':') else { return self.err() };
        let Some((addr, len)) = addr_len(al) else { return self.err() };
        let Some(data) = packet::unescape(data) else { return self.err() };
        self.write_mem(addr, len, &data)
    }

    fn write_mem(&mut self, addr: u64, len: u64, data: &[u8]) {
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
    fn breakpoint(&mut self, body: &[u8]) {
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

    // ---- resuming ----

    /// `c`, `C`, `s`, `S` (lldb, old clients): the thread `Hc` chose (or
    /// the current one) continues or steps; the others continue unless
    /// `Hc` named one thread (as gdbserver does).
    fn old_resume(&mut self, body: &[u8]) {
        if self.inf.ns.is_some() {
            // Non-stop clients resume with vCont.
            return self.err();
        }
        let c = body[0];
        let rest = &body[1..];
        let (sig, addr) = match c {
            b'C' | b'S' => {
                let (s, a) = match split_once(rest, b';') {
                    Some((s, a)) => (s, Some(a)),
                    None => (rest, None),
                };
                let Some(s) = hex_u64(s).filter(|&s| s < 256) else { return self.err() };
                (target::from_gdb_signal(s as u8), a)
            }
            _ => (0, (!rest.is_empty()).then_some(rest)),
        };
        let specific = matches!(self.hc, Some(Sel::Thread(_)));
        let Some(t) = self.thread_for(self.hc).or_else(|| self.current()) else { return self.err() };
        if !self.inf.is_stopped(t.pid) {
            return self.err();
        }
        if let Some(a) = addr {
            let Some(a) = hex_u64(a) else { return self.err() };
            if self.inf.write_register(t, arch::RIP, &a.to_le_bytes()).is_err() {
                return self.err();
            }
        }
        let action = if c == b's' || c == b'S' { Action::Step(sig) } else { Action::Continue(sig) };
        let mut actions = vec![(action, Sel::Thread(t))];
        if !specific {
            actions.push((Action::Continue(0), Sel::All));
        }
        self.resume(&actions);
    }

    fn resume(&mut self, actions: &[(Action, Sel)]) {
        match self.inf.resume(actions) {
            Ok(true) => {}
            Ok(false) if self.client.no_resumed => self.send(b"N"),
            _ => self.err(),
        }
    }

    fn v_cont(&mut self, args: &[u8]) {
        let mut actions = Vec::new();
        // Non-stop's `t` actions: where they stand among the others.
        let mut stops: Vec<(usize, Sel)> = Vec::new();
        for item in args.split(|&c| c == b';').filter(|s| !s.is_empty()) {
            let (act, sel) = match split_once(item, b':') {
                Some((a, t)) => (a, Some(t)),
                None => (item, None),
            };
            let sel = match sel {
                Some(t) => match self.parse_sel(t) {
                    Some(s) => s,
                    None => continue, // a thread that does not exist: nothing to resume
                },
                None => Sel::All,
            };
            let action = match act.first() {
                Some(b'c') if act.len() == 1 => Action::Continue(0),
                Some(b's') if act.len() == 1 => Action::Step(0),
                Some(b'C') | Some(b'S') => {
                    let Some(s) = hex_u64(&act[1..]).filter(|&s| s < 256) else { return self.err() };
                    let sig = target::from_gdb_signal(s as u8);
                    if act[0] == b'C' {
                        Action::Continue(sig)
                    } else {
                        Action::Step(sig)
                    }
                }
                Some(b'r') => {
                    let Some((a, b)) = addr_len(&act[1..]) else { return self.err() };
                    Action::Range(a, b)
                }
                // `t` (stop) is for non-stop mode.
                Some(b't') if act.len() == 1 && self.inf.ns.is_some() => {
                    stops.push((actions.len(), sel));
                    continue;
                }
                _ => return self.err(),
            };
            actions.push((action, sel));
        }
        if self.inf.ns.is_some() {
            let mut all: Vec<(Option<Action>, Sel)> = actions.into_iter().map(|(a, s)| (Some(a), s)).collect();
            for (i, sel) in stops.into_iter().rev() {
                all.insert(i, (None, sel));
            }
            if all.is_empty() {
                return self.err();
            }
            return match self.inf.ns_resume(&all) {
                Ok(()) => self.ok(),
                Err(_) => self.err(),
            };
        }
        if actions.is_empty() {
            return self.err();
        }
        self.resume(&actions);
    }

    /// The stop reply for `s` (and remember it).
    fn send_stop(&mut self, s: Stop) {
        if !matches!(s.kind, StopKind::NoResumed) {
            self.last = Some(s.clone());
        }
        match &s.kind {
            StopKind::Exited(code) => {
                note(&format!("\nChild exited with status {code}"));
                self.after_exit(s.ptid.pid);
            }
            StopKind::Signaled(sig) => {
                note(&format!("\nChild terminated with signal = {sig}"));
                self.after_exit(s.ptid.pid);
            }
            _ => {}
        }
        let r = self.stop_reply(&s);
        self.send_str(&r);
        if self.inf.procs.is_empty() && !self.extended && matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_)) {
            // gdbserver ends when its program is gone.
            self.end = Some(End::Done);
        }
    }

    fn after_exit(&mut self, pid: i32) {
        self.hostio.forget_pid(pid);
    }

    pub fn stop_reply(&mut self, s: &Stop) -> String {
        let proc_suffix = |me: &Self, pid: i32| if me.client.multiprocess { format!(";process:{pid:x}") } else { String::new() };
        let sig = match &s.kind {
            StopKind::Exited(code) => return format!("W{:02x}{}", *code as u8, proc_suffix(self, s.ptid.pid)),
            StopKind::Signaled(sig) => return format!("X{:02x}{}", target::to_gdb_signal(*sig), proc_suffix(self, s.ptid.pid)),
            StopKind::ThreadExited(code) => return format!("w{:02x};{}", *code as u8, self.fmt_ptid(s.ptid)),
            StopKind::NoResumed => return "N".into(),
            // Stopped by non-stop's `vCont;t`: no signal.
            StopKind::Signal(0) => 0,
            StopKind::Signal(sig) => target::to_gdb_signal(*sig),
            StopKind::Interrupted => target::to_gdb_signal(libc::SIGINT),
            _ => 5,
        };
        let mut r = format!("T{sig:02x}thread:{};", self.fmt_ptid(s.ptid));
        // Registers gdb needs at every stop (frame and pc), so it does not
        // ask with `g`.
        if let Some(regs) = self.inf.frame_regs(s.ptid) {
            if self.inf.is_i386(s.ptid.pid) {
                // i386's ebp (5), esp (4), eip (8), 32 bits each.
                for (n, v) in [5, 4, 8].into_iter().zip(regs) {
                    r.push_str(&format!("{n:02x}:{};", to_hex(&(v as u32).to_le_bytes())));
                }
            } else {
                for (n, v) in [arch::RBP, arch::RSP, arch::RIP].into_iter().zip(regs) {
                    r.push_str(&format!("{n:02x}:{};", to_hex(&v.to_le_bytes())));
                }
            }
        }
        match &s.kind {
            StopKind::SwBreak if self.client.swbreak => r.push_str("swbreak:;"),
            StopKind::HwBreak if self.client.hwbreak => r.push_str("hwbreak:;"),
            StopKind::Watch(kind, addr) => {
                let k = match kind {
                    WatchKind::Write => "watch",
                    WatchKind::Read => "rwatch",
                    WatchKind::Access => "awatch",
                };
                r.push_str(&format!("{k}:{addr:x};"));
            }
            StopKind::Fork { child, vfork } => {
                let c = self.fmt_ptid(Ptid { pid: *child, tid: *child });
                r.push_str(&format!("{}:{c};", if *vfork { "vfork" } else { "fork" }));
            }
            StopKind::VforkDone => r.push_str("vforkdone:;"),
            StopKind::Exec(path) => r.push_str(&format!("exec:{};", to_hex(path.as_bytes()))),
            StopKind::SyscallEntry(nr) => r.push_str(&format!("syscall_entry:{nr:x};")),
            StopKind::SyscallReturn(nr) => r.push_str(&format!("syscall_return:{nr:x};")),
            StopKind::ThreadCreated => r.push_str("create:;"),
            _ => {}
        }
        if self.client.threads_in_stop {
            r.push_str(&lldb::threads_in_stop(self.inf, s.ptid.pid));
        }
        r
    }

    // ---- non-stop ----

    /// New stops for gdb: queued, and a `%Stop` notification when the
    /// queue was empty (gdb fetches the rest with `vStopped`).
    fn ns_notify(&mut self) {
        let stops = self.inf.ns_poll();
        for s in stops {
            if matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_)) {
                let pid = s.ptid.pid;
                match &s.kind {
                    StopKind::Exited(code) => note(&format!("\nChild exited with status {code}")),
                    StopKind::Signaled(sig) => note(&format!("\nChild terminated with signal = {sig}")),
                    _ => {}
                }
                self.after_exit(pid);
            }
            let Some(ns) = self.inf.ns.as_mut() else { return };
            ns.queue.push_back(s.clone());
            if ns.queue.len() == 1 {
                self.last = Some(s.clone());
                let r = self.stop_reply(&s);
                self.notify(&format!("Stop:{r}"));
            }
        }
    }

    /// A notification: `%BODY#xx`, never acknowledged, never resent.
    fn notify(&mut self, body: &str) {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        let out = format!("%{body}#{sum:02x}");
        self.raw(out.as_bytes());
    }

    /// `?` in non-stop: every stopped thread, the first now, the others
    /// through `vStopped`; `OK` if none.
    fn ns_question(&mut self) {
        let Some(ns) = self.inf.ns.as_mut() else { return };
        let mut q: VecDeque<Stop> = ns.stopped.iter().map(|(p, k)| Stop { ptid: *p, kind: k.clone() }).collect();
        // Exits gdb has not seen yet stay queued.
        q.extend(ns.queue.iter().filter(|s| matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_))).cloned());
        ns.queue = q;
        self.ns_send_head();
    }

    /// `vStopped`: the stop sent last is taken; the next one, or `OK`.
    fn ns_stopped_ack(&mut self) {
        if let Some(ns) = self.inf.ns.as_mut() {
            ns.queue.pop_front();
        }
        self.ns_send_head();
    }

    fn ns_send_head(&mut self) {
        let head = self.inf.ns.as_ref().and_then(|ns| ns.queue.front().cloned());
        match head {
            Some(s) => {
                if !matches!(s.kind, StopKind::Exited(_) | StopKind::Signaled(_) | StopKind::ThreadExited(_)) {
                    self.last = Some(s.clone());
                }
                let r = self.stop_reply(&s);
                self.send_str(&r);
            }
            None => self.ok(),
        }
    }

    // ---- ending ----

    fn detach(&mut self, body: &[u8]) {
        let pid = match body.get(1) {
            Some(b';') => match hex_id(&body[2..]) {
                Some(p) if self.inf.procs.contains_key(&p) => Some(p),
                _ => return self.err(),
            },
            None => None,
            Some(_) => return self.err(),
        };
        let pids: Vec<i32> = match pid {
            Some(p) => vec![p],
            None => self.inf.procs.keys().copied().collect(),
        };
        for p in pids {
            note(&format!("Detaching from process {p}"));
            if self.inf.detach(p).is_err() {
                return self.err();
            }
        }
        self.ok();
        if self.inf.procs.is_empty() && !self.extended {
            self.end = Some(End::Done);
        }
    }

    fn kill_all(&mut self) {
        let pids: Vec<i32> = self.inf.procs.keys().copied().collect();
        for p in pids {
            self.inf.kill(p);
        }
        // gdb reads no reply to `k` (it closes the connection, or in
        // extended mode uses vKill); lldb waits for the exit.
        self.send(b"X09");
        if !self.extended {
            self.end = Some(End::Done);
        }
    }

    fn v_kill(&mut self, args: &[u8]) {
        let Some(pid) = hex_id(args).filter(|p| self.inf.procs.contains_key(p)) else { return self.err() };
        self.inf.kill(pid);
        self.hostio.forget_pid(pid);
        self.ok();
        if self.inf.procs.is_empty() && !self.extended {
            self.end = Some(End::Done);
        }
    }

    /// `R`: extended mode's restart: kill everything, run the last
    /// program again. No reply.
    fn restart(&mut self) {
        if !self.extended {
            return self.empty();
        }
        let pids: Vec<i32> = self.inf.procs.keys().copied().collect();
        for p in pids {
            self.inf.kill(p);
        }
        let argv = self.settings.last_run.clone();
        if argv.is_empty() {
            return;
        }
        if let Ok(pid) = self.start(&argv) {
            let tid = pid;
            self.last = Some(Stop { ptid: Ptid { pid, tid }, kind: StopKind::Signal(libc::SIGTRAP) });
        }
    }

    fn start(&mut self, argv: &[String]) -> Result<i32, String> {
        let pid = super::spawn(self.inf, self.settings, argv, true)?;
        self.settings.last_run = argv.to_vec();
        Ok(pid)
    }

    // ---- v packets ----

    fn v_packet(&mut self, body: &[u8]) {
        if let Some(a) = body.strip_prefix(b"vCont;") {
            return self.v_cont(a);
        }
        if body == b"vCont?" {
            return self.send(b"vCont;c;C;s;S;t;r");
        }
        if self.inf.ns.is_some() {
            if body == b"vStopped" {
                return self.ns_stopped_ack();
            }
            if body == b"vCtrlC" {
                self.inf.ns_ctrl_c();
                return self.ok();
            }
        }
        if body == b"vMustReplyEmpty" {
            return self.empty();
        }
        if let Some(a) = body.strip_prefix(b"vKill;") {
            return self.v_kill(a);
        }
        if let Some(a) = body.strip_prefix(b"vFile:") {
            let r = self.hostio.handle(a, self.inf);
            return self.send(&r);
        }
        if let Some(a) = body.strip_prefix(b"vRun;") {
            return self.v_run(a);
        }
        if let Some(a) = body.strip_prefix(b"vAttach;") {
            return self.v_attach(a);
        }
        self.empty()
    }

    fn v_run(&mut self, args: &[u8]) {
        if !self.extended {
            return self.err();
        }
        let mut argv = Vec::new();
        for a in args.split(|&c| c == b';') {
            let Some(b) = hex_bytes(a) else { return self.err() };
            argv.push(String::from_utf8_lossy(&b).into_owned());
        }
        if argv.first().is_none_or(|s| s.is_empty()) {
            let Some(prog) = self.settings.last_run.first().cloned().or_else(|| self.settings.program.first().cloned()) else {
                return self.err();
            };
            if argv.is_empty() {
                argv.push(prog);
            } else {
                argv[0] = prog;
            }
        }
        match self.start(&argv) {
            Ok(pid) => {
                note(&format!("Process {} created; pid = {pid}", argv[0]));
                let s = Stop { ptid: Ptid { pid, tid: pid }, kind: StopKind::Signal(libc::SIGTRAP) };
                self.last = Some(s.clone());
                self.hg = None;
                self.hc = None;
                let r = self.stop_reply(&s);
                self.send_str(&r);
            }
            Err(e) => {
                note(&e);
                self.err()
            }
        }
    }

    fn v_attach(&mut self, args: &[u8]) {
        if !self.extended {
            return self.err();
        }
        let Some(pid) = hex_id(args) else { return self.err() };
        if self.inf.procs.contains_key(&pid) {
            return self.err();
        }
        match self.inf.attach(pid) {
            Ok(()) => {
                note(&format!("Attached; pid = {pid}"));
                let tid = self.inf.reporting_thread(pid).map(|p| p.tid).unwrap_or(pid);
                let s = Stop { ptid: Ptid { pid, tid }, kind: StopKind::Signal(libc::SIGTRAP) };
                self.last = Some(s.clone());
                self.hg = None;
                self.hc = None;
                let r = self.stop_reply(&s);
                self.send_str(&r);
            }
            Err(e) => {
                note(&e);
                self.err()
            }
        }
    }

    // ---- queries ----

    fn query(&mut self, body: &[u8]) {
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
    /// x86-64 glibc: the thread pointer (fs_base) points at the TCB, whose
    /// second word is the DTV; entry MODID (16 bytes each) holds the
    /// block. The main program's module id is 1; another module's comes
    /// from its link_map, at the offset glibc publishes for debuggers
    /// (`_thread_db_link_map_l_tls_modid`, asked of gdb with qSymbol).
    fn tls_addr(&mut self, a: &[u8]) {
        let f: Vec<&[u8]> = a.split(|&c| c == b',').collect();
        let [t, off, lm] = f.as_slice() else { return self.err() };
        let (Some(Sel::Thread(p)), Some(off), Some(lm)) = (self.parse_sel(t), hex_u64(off), hex_u64(lm)) else {
            return self.err();
        };
        // The x86-64 TLS layout (the thread pointer in fs_base) only.
        if self.stopped_thread(Some(p)).is_none() || self.inf.is_i386(p.pid) {
            return self.err();
        }
        let Ok(fs) = self.inf.read_register(p, 58).map(|v| v.map(|b| u64::from_le_bytes(b[..8].try_into().expect("8")))) else {
            return self.err();
        };
        let read = |me: &mut Self, at: u64| -> Option<u64> {
            let mut b = [0u8; 8];
            (me.inf.read_memory(p.pid, at, &mut b) == 8).then(|| u64::from_le_bytes(b))
        };
        let modid = match self.tls_modid_field {
            Some(o) => read(self, lm.wrapping_add(o)),
            None if xfer::main_link_map(self.inf, p.pid) == Some(lm) => Some(1),
            None => None,
        };
        let block = fs.and_then(|tp| read(self, tp + 8)).zip(modid).and_then(|(dtv, m)| read(self, dtv + 16 * m));
        match block {
            // Not allocated yet (dynamic TLS never touched by this thread).
            Some(b) if b != 0 && b != u64::MAX => self.send_str(&format!("{:x}", b.wrapping_add(off))),
            _ => self.err(),
        }
    }

    fn supported(&mut self, features: &[u8]) {
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

    fn thread_info(&mut self) {
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
    fn xfer(&mut self, a: &[u8]) {
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

    fn monitor(&mut self, hex: &[u8]) {
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

    // ---- settings ----

    fn set(&mut self, body: &[u8]) {
        if body == b"QStartNoAckMode" {
            self.ok();
            self.reader.noack = true;
            return;
        }
        if let Some(a) = body.strip_prefix(b"QNonStop:") {
            return match a {
                b"0" if self.inf.ns.is_none() => self.ok(),
                // Back to all-stop only with every thread stopped.
                b"0" if self.inf.all_stopped() => {
                    self.inf.leave_non_stop();
                    self.ok()
                }
                b"1" => match self.inf.enter_non_stop() {
                    Ok(()) => self.ok(),
                    Err(_) => self.err(),
                },
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QPassSignals:") {
            return match signal_set(a) {
                Some(m) => {
                    self.inf.opts.pass = m;
                    self.ok()
                }
                None => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QProgramSignals:") {
            return match signal_set(a) {
                Some(m) => {
                    self.inf.opts.program = Some(m);
                    self.ok()
                }
                None => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QCatchSyscalls:") {
            let mut it = a.split(|&c| c == b';');
            match it.next() {
                Some(b"0") => self.inf.opts.catch_syscalls = None,
                Some(b"1") => {
                    let mut set = std::collections::HashSet::new();
                    for n in it {
                        let Some(v) = hex_u64(n) else { return self.err() };
                        set.insert(v);
                    }
                    self.inf.opts.catch_syscalls = Some(set);
                }
                _ => return self.err(),
            }
            self.inf.reconfigure();
            return self.ok();
        }
        if let Some(a) = body.strip_prefix(b"QThreadEvents:") {
            return match a {
                b"0" | b"1" => {
                    self.inf.opts.thread_events = a == b"1";
                    self.inf.reconfigure();
                    self.ok()
                }
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QDisableRandomization:") {
            return match a {
                b"0" | b"1" => {
                    self.settings.disable_aslr = a == b"1";
                    self.ok()
                }
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QStartupWithShell:") {
            return match a {
                b"0" | b"1" => {
                    self.settings.shell = a == b"1";
                    self.ok()
                }
                _ => self.err(),
            };
        }
        if let Some(a) = body.strip_prefix(b"QSetWorkingDir:") {
            if a.is_empty() {
                self.settings.cwd = None;
                return self.ok();
            }
            return match hex_bytes(a) {
                Some(d) => {
                    self.settings.cwd = Some(String::from_utf8_lossy(&d).into_owned());
                    self.ok()
                }
                None => self.err(),
            };
        }
        if body == b"QEnvironmentReset" {
            self.settings.env_changes.clear();
            return self.ok();
        }
        if let Some(a) = body.strip_prefix(b"QEnvironmentHexEncoded:") {
            let Some(kv) = hex_bytes(a) else { return self.err() };
            let kv = String::from_utf8_lossy(&kv).into_owned();
            let Some((k, v)) = kv.split_once('=') else { return self.err() };
            self.settings.env_changes.push((k.to_string(), Some(v.to_string())));
            return self.ok();
        }
        if let Some(a) = body.strip_prefix(b"QEnvironmentUnset:") {
            let Some(k) = hex_bytes(a) else { return self.err() };
            self.settings.env_changes.push((String::from_utf8_lossy(&k).into_owned(), None));
            return self.ok();
        }
        match body {
            b"QThreadSuffixSupported" => {
                self.client.thread_suffix = true;
                self.ok()
            }
            b"QListThreadsInStopReply" => {
                self.client.threads_in_stop = true;
                self.ok()
            }
            _ => self.empty(),
        }
    }

    fn j_packet(&mut self, body: &[u8]) {
        if body == b"jThreadsInfo" {
            let json = lldb::threads_info(self.inf, self.last.as_ref());
            let mut out = Vec::new();
            packet::escape_into(&mut out, json.as_bytes());
            return self.send(&out);
        }
        self.empty()
    }
}

/// `QPassSignals`/`QProgramSignals`: gdb signal numbers (hex, `;`-separated)
/// -> a host signal mask.
fn signal_set(a: &[u8]) -> Option<u64> {
    let mut m = 0u64;
    for s in a.split(|&c| c == b';').filter(|s| !s.is_empty()) {
        let g = hex_u64(s).filter(|&g| g < 256)? as u8;
        let h = target::from_gdb_signal(g);
        if (1..=64).contains(&h) {
            m |= 1 << (h - 1);
        }
    }
    Some(m)
}

/// Conditions, commands and the commands' persist flag.
type BpExtras = (Vec<Vec<u8>>, Vec<Vec<u8>>, bool);

/// The conditions and commands of a `Z0`: `X len,hex` items, then
/// optionally `cmds:persist,` and more of them.
fn parse_bp_extras(s: &[u8]) -> Option<BpExtras> {
    let mut conds = Vec::new();
    let mut cmds = Vec::new();
    let mut persist = false;
    let mut in_cmds = false;
    for item in s.split(|&c| c == b';').filter(|s| !s.is_empty()) {
        let item = if let Some(r) = item.strip_prefix(b"cmds:") {
            in_cmds = true;
            let (p, r) = split_once(r, b',')?;
            persist = p == b"1";
            r
        } else {
            item
        };
        // One or more `Xlen,bytes` (commands are concatenated).
        let mut rest = item;
        while !rest.is_empty() {
            let r = rest.strip_prefix(b"X")?;
            let (len, r) = split_once(r, b',')?;
            let len = hex_u64(len)? as usize;
            let hex = r.get(..len.checked_mul(2)?)?;
            let code = hex_bytes(hex)?;
            if in_cmds {
                cmds.push(code);
            } else {
                conds.push(code);
            }
            rest = &r[len * 2..];
            rest = rest.strip_prefix(b",").unwrap_or(rest);
        }
    }
    Some((conds, cmds, persist))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakpoint_conditions_and_commands_parse() {
        let (c, m, p) = parse_bp_extras(b"X3,220127;X2,2227").unwrap();
        assert_eq!(c, vec![vec![0x22, 1, 0x27], vec![0x22, 0x27]]);
        assert!(m.is_empty() && !p);
        let (c, m, p) = parse_bp_extras(b"cmds:1,X2,2227").unwrap();
        assert!(c.is_empty());
        assert_eq!(m, vec![vec![0x22, 0x27]]);
        assert!(p);
        assert!(parse_bp_extras(b"X3,22").is_none());
        assert!(parse_bp_extras(b"Y3,220127").is_none());
        assert!(parse_bp_extras(b"Xffffffffffffffff,00").is_none());
        assert_eq!(parse_bp_extras(b"").unwrap().0.len(), 0);
    }

    #[test]
    fn signal_sets_map_gdb_numbers_to_host_ones() {
        // gdb's SIGALRM is 14, SIGUSR1 is 30 (host 10), SIGCHLD 20 (host 17).
        let m = signal_set(b"e;1e;14").unwrap();
        assert_eq!(m, 1 << 13 | 1 << 9 | 1 << 16);
        assert!(signal_set(b"zz").is_none());
        assert_eq!(signal_set(b""), Some(0));
    }

}
