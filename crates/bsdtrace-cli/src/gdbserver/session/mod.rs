//! One connection to gdb (or lldb): the packet loop and the answer to
//! every packet. Input is untrusted: a packet that does not parse, names a
//! thread or process that does not exist, or asks for too much gets an
//! error (`E01`) or an empty reply (not supported), and the session goes
//! on. Only the connection's end, a kill or a detach ends it.
//!
//! Here: the packet loop, framing and sending, thread ids. The answers are
//! in `dispatch` (the dispatch; registers, memory, breakpoints), `resume`
//! (resuming, stop replies, non-stop notifications), `processes` (run,
//! attach, kill, detach, the `v` packets), `query` (`q` packets, `qXfer`,
//! monitor commands) and `settings` (`Q` packets, lldb's `j` packets).

mod dispatch;
mod processes;
mod query;
mod resume;
mod settings;

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
            let ready = match super::evloop::poll_readable(&fds) {
                Ok(r) => r,
                Err(e) => {
                    note(&format!("poll: {e}"));
                    return End::Disconnected;
                }
            };
            if ready[1] {
                super::evloop::drain(self.term);
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
