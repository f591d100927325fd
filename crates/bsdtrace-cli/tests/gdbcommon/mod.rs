//! What the gdbserver tests share: C programs compiled once, gdb and lldb
//! in batch mode with a timeout, a raw remote-protocol client for what
//! the debuggers cannot be made to do, and servers that are always
//! killed and reaped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_bsdtrace");

/// Compile `src` with `cc -g -O0` into cargo's test scratch directory,
/// once: the name carries a hash of the source, and a build lands under
/// its final name by rename, so parallel test processes never see half a
/// binary.
pub fn build(name: &str, src: &str) -> PathBuf {
    build_with(name, src, &[])
}

pub fn build_with(name: &str, src: &str, flags: &[&str]) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    src.hash(&mut h);
    flags.hash(&mut h);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gdbserver-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let base = format!("{name}-{:016x}", h.finish());
    let exe = dir.join(&base);
    if !exe.exists() {
        // gdb lists the source from the path in the debug info: keep it.
        let me = format!("{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], "");
        let c = dir.join(format!("{base}.c"));
        let c_tmp = dir.join(format!("{base}.c.{me}"));
        std::fs::write(&c_tmp, src).unwrap();
        std::fs::rename(&c_tmp, &c).unwrap();
        let tmp = dir.join(format!("{base}.{me}"));
        let st = Command::new("cc").args(["-g", "-O0", "-pthread"]).args(flags).arg("-o").arg(&tmp).arg(&c).status().unwrap();
        assert!(st.success(), "cc failed for {name}");
        std::fs::rename(&tmp, &exe).unwrap();
    }
    exe
}

/// Run gdb in batch mode against `bsdtrace gdbserver - PROG ARGS`, with
/// `cmds` as its -ex commands; returns stdout and stderr together.
pub fn gdb(prog: &Path, args: &[&str], cmds: &[&str]) -> String {
    let mut remote = format!("target remote | {BIN} gdbserver - {}", prog.display());
    for a in args {
        remote.push(' ');
        remote.push_str(a);
    }
    gdb_remote(prog, &remote, cmds)
}

pub fn gdb_remote(prog: &Path, remote: &str, cmds: &[&str]) -> String {
    let mut all = vec!["set pagination off", "set confirm off", remote];
    all.extend_from_slice(cmds);
    gdb_cmds(Some(prog), &all)
}

/// gdb with exactly these -ex commands (under `timeout`, so a hang fails
/// the test instead of hanging CI).
pub fn gdb_cmds(prog: Option<&Path>, cmds: &[&str]) -> String {
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "60", "gdb", "-nx", "-batch"]);
    for cmd in cmds {
        c.args(["-ex", cmd]);
    }
    if let Some(p) = prog {
        c.arg(p);
    }
    c.stdin(Stdio::null());
    let o = c.output().expect("gdb runs");
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_ne!(o.status.code(), Some(124), "gdb timed out:\n{text}");
    text
}

/// gdb reading its commands from a script (for `commands ... end`).
pub fn gdb_script(prog: &Path, remote: &str, script: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gdbserver-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join(format!("script-{}-{:?}.gdb", std::process::id(), std::thread::current().id()).replace(['(', ')'], ""));
    std::fs::write(&f, script).unwrap();
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "60", "gdb", "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off", "-ex", remote, "-x"]);
    c.arg(&f).arg(prog).stdin(Stdio::null());
    let o = c.output().expect("gdb runs");
    let _ = std::fs::remove_file(&f);
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_ne!(o.status.code(), Some(124), "gdb timed out:\n{text}");
    text
}

/// A process killed and reaped when the test ends, even by a panic.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        // SIGTERM first: a `timeout` wrapper passes it on to the server
        // (SIGKILLed, it left the server listening for ever, orphaned),
        // and SIGKILLs it 5 s later (`-k 5`) if it lingers: wait longer.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        for _ in 0..500 {
            if !matches!(self.0.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `prog`, wait until it printed "ready", and return it.
pub fn start_ready(prog: &Path) -> Killed {
    let mut child = Command::new(prog).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    Killed(child)
}

/// `bsdtrace gdbserver ARGS` on TCP; returns it, the port it announced
/// and its stderr (kept open: the server goes on writing there).
pub fn tcp_server(args: &[&str]) -> (Killed, String, BufReader<std::process::ChildStderr>) {
    let mut server = Killed(
        Command::new("timeout")
            .args(["-k", "5", "60", BIN, "gdbserver"])
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut err = BufReader::new(server.0.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "no port announced");
        if let Some(p) = line.strip_prefix("Listening on port ") {
            let port = p.trim().to_string();
            return (server, port, err);
        }
    }
}

/// Read lines of `err` until one contains `what` (or the stream ends).
pub fn wait_line(err: &mut impl BufRead, what: &str) -> String {
    let mut all = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if err.read_line(&mut line).unwrap_or(0) == 0 {
            return all;
        }
        all.push_str(&line);
        if line.contains(what) {
            return all;
        }
    }
}

/// The pid in gdb's "process N" or "Process ... pid = N" output.
pub fn pid_in(out: &str) -> i32 {
    out.lines()
        .find_map(|l| l.split("process ").nth(1).or_else(|| l.split("pid = ").nth(1)))
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no pid:\n{out}"))
}

/// A minimal remote-protocol client over any byte stream (a server's
/// stdio, or a socket). Every receive has a deadline, so a server that
/// hangs fails the test.
pub struct Rsp {
    pub child: Option<Killed>,
    wr: Box<dyn Write + Send>,
    rx: mpsc::Receiver<Vec<u8>>,
    buf: Vec<u8>,
    pub noack: bool,
    /// Non-stop notifications received, oldest first.
    pub notes: std::collections::VecDeque<String>,
}

impl Rsp {
    /// `bsdtrace gdbserver [opts] - PROG ARGS...` over its stdio; the
    /// program's output goes to the returned stderr reader.
    pub fn stdio(opts: &[&str], prog_and_args: &[&str]) -> (Rsp, BufReader<std::process::ChildStderr>) {
        let mut child = Command::new("timeout")
            .args(["-k", "5", "120", BIN, "gdbserver"])
            .args(opts)
            .arg("-")
            .args(prog_and_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let rd = child.stdout.take().unwrap();
        let wr = child.stdin.take().unwrap();
        let err = BufReader::new(child.stderr.take().unwrap());
        let mut r = Rsp::over(Box::new(rd), Box::new(wr));
        r.child = Some(Killed(child));
        (r, err)
    }

    pub fn over(mut rd: Box<dyn Read + Send>, wr: Box<dyn Write + Send>) -> Rsp {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut b = [0u8; 65536];
            loop {
                match rd.read(&mut b) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if tx.send(b[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Rsp { child: None, wr, rx, buf: Vec::new(), noack: false, notes: Default::default() }
    }

    pub fn raw(&mut self, b: &[u8]) {
        let _ = self.wr.write_all(b);
        let _ = self.wr.flush();
    }

    pub fn send(&mut self, body: &str) {
        self.send_bytes(body.as_bytes());
    }

    pub fn send_bytes(&mut self, body: &[u8]) {
        let sum = body.iter().fold(0u8, |a, b| a.wrapping_add(*b));
        let mut pkt = vec![b'$'];
        pkt.extend_from_slice(body);
        pkt.extend_from_slice(format!("#{sum:02x}").as_bytes());
        self.raw(&pkt);
    }

    /// More bytes from the server, or `None` if none came before the deadline.
    fn more(&mut self, deadline: std::time::Instant) -> bool {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match self.rx.recv_timeout(left) {
            Ok(b) => {
                self.buf.extend(b);
                true
            }
            Err(_) => false,
        }
    }

    /// The next packet's body (run-length encoding expanded, acks skipped,
    /// the packet acked), or `None` if none came within `secs`.
    pub fn recv_within(&mut self, secs: u64) -> Option<Vec<u8>> {
        self.recv_for(Duration::from_secs(secs))
    }

    pub fn recv_for(&mut self, wait: Duration) -> Option<Vec<u8>> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            self.take_notifications();
            if let Some(start) = self.buf.iter().position(|&b| b == b'$') {
                if let Some(hash) = self.buf[start..].iter().position(|&b| b == b'#').map(|i| i + start) {
                    if self.buf.len() >= hash + 3 {
                        let body = self.buf[start + 1..hash].to_vec();
                        self.buf.drain(..hash + 3);
                        if !self.noack {
                            self.raw(b"+");
                        }
                        return Some(expand_rle(&body));
                    }
                }
            }
            if !self.more(deadline) {
                return None;
            }
        }
    }

    /// Complete non-stop notifications (`%BODY#xx`) ahead of any packet
    /// move to `notes`.
    fn take_notifications(&mut self) {
        while let Some(start) = self.buf.iter().position(|&b| b == b'%') {
            if self.buf[..start].contains(&b'$') {
                return;
            }
            let Some(hash) = self.buf[start..].iter().position(|&b| b == b'#').map(|i| i + start) else { return };
            if self.buf.len() < hash + 3 {
                return;
            }
            let body = self.buf[start + 1..hash].to_vec();
            self.buf.drain(start..hash + 3);
            self.notes.push_back(String::from_utf8_lossy(&body).into_owned());
        }
    }

    /// The next non-stop notification's body (`Stop:...`), or `None` if
    /// none came within `secs`.
    pub fn notification_within(&mut self, secs: u64) -> Option<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            self.take_notifications();
            if let Some(n) = self.notes.pop_front() {
                return Some(n);
            }
            if !self.more(deadline) {
                return None;
            }
        }
    }

    pub fn recv(&mut self) -> String {
        let b = self.recv_within(30).expect("the server answers within 30 s");
        String::from_utf8_lossy(&b).into_owned()
    }

    /// Send and receive the answer.
    pub fn ask(&mut self, body: &str) -> String {
        self.send(body);
        self.recv()
    }

    /// Bytes that are not packets (acks, NAKs) received so far, after
    /// waiting up to `ms` for some.
    pub fn take_acks(&mut self, ms: u64) -> Vec<u8> {
        let deadline = std::time::Instant::now() + Duration::from_millis(ms);
        while !self.buf.iter().any(|&b| b == b'+' || b == b'-') {
            if !self.more(deadline) {
                break;
            }
        }
        let end = self.buf.iter().position(|&b| b == b'$').unwrap_or(self.buf.len());
        self.buf.drain(..end).collect()
    }

    /// The usual start: features, no-ack mode.
    pub fn handshake(&mut self, features: &str) -> String {
        let r = self.ask(&format!("qSupported:{features}"));
        assert_eq!(self.ask("QStartNoAckMode"), "OK");
        self.noack = true;
        r
    }

    /// Did the server (when it is our child) exit, and how?
    pub fn exit_status(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        let c = self.child.as_mut()?;
        for _ in 0..secs * 10 {
            if let Ok(Some(st)) = c.0.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

pub fn expand_rle(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'*' && i + 1 < body.len() && !out.is_empty() {
            let n = body[i + 1].saturating_sub(29) as usize;
            let last = *out.last().unwrap();
            out.extend(std::iter::repeat_n(last, n));
            i += 2;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// The `thread:` field of a stop reply.
pub fn stop_thread(stop: &str) -> String {
    stop.split(';').find_map(|f| f.strip_prefix("thread:").or_else(|| f.find("thread:").map(|i| &f[i + 7..]))).unwrap_or("").to_string()
}

/// pid of a `pPID.TID` thread id.
pub fn ptid_pid(ptid: &str) -> i32 {
    let p = ptid.trim_start_matches('p').split('.').next().unwrap_or("");
    i32::from_str_radix(p, 16).unwrap_or(0)
}

pub fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}
