//! `bsdtrace gdbserver`: gdb's remote protocol over the bsdtrace engine.
//!
//! gdbstub parses and answers packets; [`target::Inferior`] turns them
//! into engine requests; this file owns the connection and the event loop.
//! The loop sleeps in `poll()` on the connection and on a SIGCHLD
//! self-pipe, so a Ctrl-C from gdb is seen while the program runs, and
//! collects stops with the engine's non-blocking wait. It must never
//! sleep-poll, and never reap children itself.

mod arch;
mod target;

use bsdtrace::error::io_message;
use bsdtrace::sys::gdbsys;
use bsdtrace::{Pid, Target as T, Tracer, WaitOptions, WaitStatus};
use gdbstub::conn::Connection;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use target::{Inferior, StopReason};

/// The manual `--help` prints (and `bsdtrace manpage` turns into a page).
pub const MANUAL: &str = include_str!("gdbserver.1.txt");

const USAGE: &str = "usage: bsdtrace gdbserver [--once] COMM PROG [ARGS...]\n       bsdtrace gdbserver [--once] --attach COMM PID\n\nCOMM is HOST:PORT or :PORT (TCP; :PORT listens on 127.0.0.1), or - / stdio";

/// The byte stream to gdb: reads are raw (no userspace buffer hides bytes
/// from poll), writes are collected and sent on flush.
struct Conn {
    rd: File,
    wr: File,
    out: Vec<u8>,
    inbuf: VecDeque<u8>,
}

impl Connection for Conn {
    type Error = std::io::Error;
    fn write(&mut self, byte: u8) -> Result<(), Self::Error> {
        self.out.push(byte);
        Ok(())
    }
    fn write_all(&mut self, buf: &[u8]) -> Result<(), Self::Error> {
        self.out.extend_from_slice(buf);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let r = self.wr.write_all(&self.out);
        self.out.clear();
        r?;
        self.wr.flush()
    }
}

impl Conn {
    fn fd(&self) -> RawFd {
        self.rd.as_raw_fd()
    }
    /// Read what is available (blocks until something is); false at EOF.
    fn fill(&mut self) -> std::io::Result<bool> {
        let mut buf = [0u8; 4096];
        loop {
            match self.rd.read(&mut buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.inbuf.extend(&buf[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

enum Comm {
    Stdio,
    Tcp(String),
}

struct Args {
    comm: Comm,
    /// One gdb only: without it a TCP server keeps the program for the
    /// next gdb when the connection drops without a kill or detach.
    once: bool,
    attach: Option<i32>,
    prog: Vec<String>,
}

fn parse(prog: &str, args: Vec<std::ffi::OsString>) -> Result<Args, String> {
    let mut it = args.into_iter().map(|a| a.to_string_lossy().into_owned()).peekable();
    let mut attach = false;
    let mut once = false;
    while let Some(a) = it.peek() {
        match a.as_str() {
            "--once" => once = true,
            "--attach" => attach = true,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--") => return Err(format!("{prog}: unknown option {s}")),
            _ => break,
        }
        it.next();
    }
    let comm = match it.next().as_deref() {
        Some("-") | Some("stdio") => Comm::Stdio,
        Some(c) if c.contains(':') => Comm::Tcp(c.to_string()),
        Some(c) => return Err(format!("{prog}: bad COMM {c}: want HOST:PORT, :PORT, - or stdio")),
        None => return Err(String::new()),
    };
    let rest: Vec<String> = it.collect();
    if attach {
        let [pid] = rest.as_slice() else { return Err(String::new()) };
        let pid = pid.parse().map_err(|_| format!("{prog}: bad pid {pid}"))?;
        Ok(Args { comm, once, attach: Some(pid), prog: Vec::new() })
    } else if rest.is_empty() {
        Err(String::new())
    } else {
        Ok(Args { comm, once, attach: None, prog: rest })
    }
}

pub fn main(prog: &str, args: Vec<std::ffi::OsString>) -> i32 {
    if args.first().is_some_and(|a| a == "-h" || a == "--help") {
        print!("{MANUAL}");
        return 0;
    }
    let a = match parse(prog, args) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
            eprintln!("{USAGE}");
            return 2;
        }
    };
    match run(a) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{prog}: {msg}");
            1
        }
    }
}

/// For stdio: keep our own copies of stdin/stdout for gdb, and give the
/// program /dev/null as stdin and our stderr as stdout, as gdbserver does,
/// so it cannot write into the protocol stream.
fn take_stdio() -> Result<Conn, String> {
    let rd: OwnedFd = std::io::stdin().as_fd().try_clone_to_owned().map_err(|e| io_message(&e))?;
    let wr: OwnedFd = std::io::stdout().as_fd().try_clone_to_owned().map_err(|e| io_message(&e))?;
    let null = File::open("/dev/null").map_err(|e| format!("/dev/null: {}", io_message(&e)))?;
    gdbsys::dup2(null.as_raw_fd(), 0).map_err(|e| format!("dup2: {e}"))?;
    gdbsys::dup2(2, 1).map_err(|e| format!("dup2: {e}"))?;
    Ok(Conn { rd: File::from(rd), wr: File::from(wr), out: Vec::new(), inbuf: VecDeque::new() })
}

/// A progress line on stderr, as gdbserver prints them; a closed stderr
/// must not end the session.
fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn listen_tcp(addr: &str) -> Result<TcpListener, String> {
    let addr = if addr.starts_with(':') { format!("127.0.0.1{addr}") } else { addr.to_string() };
    TcpListener::bind(&addr).map_err(|e| format!("cannot listen on {addr}: {}", io_message(&e)))
}

fn accept_tcp(l: &TcpListener) -> Result<Conn, String> {
    let port = l.local_addr().map(|a| a.port()).unwrap_or(0);
    note(&format!("Listening on port {port}"));
    let (s, peer) = l.accept().map_err(|e| format!("accept: {}", io_message(&e)))?;
    note(&format!("Remote debugging from host {}, port {}", peer.ip(), peer.port()));
    let _ = s.set_nodelay(true);
    let rd = s.try_clone().map_err(|e| io_message(&e))?;
    Ok(Conn { rd: File::from(OwnedFd::from(rd)), wr: File::from(OwnedFd::from(s)), out: Vec::new(), inbuf: VecDeque::new() })
}

fn run(a: Args) -> Result<i32, String> {
    // Before any child exists, so no SIGCHLD is missed.
    let sigchld = gdbsys::sigchld_pipe().map_err(|e| format!("SIGCHLD handler: {e}"))?;
    gdbsys::catch_termination().map_err(|e| format!("signal handlers: {e}"))?;
    let mut conn = match a.comm {
        Comm::Stdio => Some(take_stdio()?),
        Comm::Tcp(_) => None,
    };
    let mut tracer = Tracer::new();
    let pid = match a.attach {
        Some(p) => {
            let pid = tracer.attach(T::Proc(Pid(p))).map_err(|e| format!("cannot attach to process {p}: {e}"))?;
            note(&format!("Attached; pid = {}", pid.0));
            pid
        }
        None => {
            let pid = tracer.spawn(&a.prog).map_err(|e| format!("cannot run {}: {e}", a.prog[0]))?;
            note(&format!("Process {} created; pid = {}", a.prog[0], pid.0));
            pid
        }
    };
    let mut inf = Inferior::new(tracer, pid, a.attach.is_some());
    let what = a.prog.first().cloned().unwrap_or_else(|| format!("process {}", pid.0));
    inf.wait_initial().map_err(|e| format!("{what}: {e}"))?;
    let listener = match &a.comm {
        Comm::Tcp(addr) => Some(listen_tcp(addr)?),
        Comm::Stdio => None,
    };
    loop {
        let c = match (&listener, conn.take()) {
            (_, Some(c)) => c,
            (Some(l), None) => accept_tcp(l)?,
            (None, None) => unreachable!("stdio serves once"),
        };
        match serve(c, &mut inf, &sigchld) {
            Ok(Some(code)) => return Ok(code),
            // gdb went away without a kill or detach (`disconnect`): keep
            // the program, stopped and without our breakpoints, for the
            // next gdb, as gdbserver does.
            Ok(None) if listener.is_some() && !a.once && !inf.gone => {
                if inf.running {
                    stop_now(&mut inf);
                }
                inf.forget_session();
                if inf.gone {
                    return Ok(0);
                }
            }
            Ok(None) => return Ok(finish(&mut inf, None)),
            Err(e) => {
                // A broken connection or protocol error: end as if gdb went away.
                finish(&mut inf, None);
                return Err(e);
            }
        }
    }
}

/// The session: feed gdb's bytes to gdbstub, and stops to gdb.
/// `Ok(None)`: the connection closed with the program still ours.
fn serve(conn: Conn, inf: &mut Inferior, sigchld: &OwnedFd) -> Result<Option<i32>, String> {
    let stub = GdbStub::new(conn);
    let mut gdb = stub.run_state_machine(inf).map_err(|e| format!("gdbstub: {e}"))?;
    loop {
        gdb = match gdb {
            GdbStubStateMachine::Idle(mut g) => {
                let conn = g.borrow_conn();
                if conn.inbuf.is_empty() && !conn.fill().map_err(|e| io_message(&e))? {
                    return Ok(None);
                }
                let b = g.borrow_conn().inbuf.pop_front().expect("filled");
                g.incoming_data(inf, b).map_err(|e| format!("gdbstub: {e}"))?
            }
            GdbStubStateMachine::Running(mut g) => {
                if let Some(b) = g.borrow_conn().inbuf.pop_front() {
                    g.incoming_data(inf, b).map_err(|e| format!("gdbstub: {e}"))?
                } else {
                    gdbsys::drain(sigchld);
                    match inf.poll_stop().map_err(|e| format!("wait: {e}"))? {
                        Some(reason) => g.report_stop(inf, reason).map_err(|e| format!("gdbstub: {e}"))?,
                        None => {
                            let cfd = g.borrow_conn().fd();
                            let ready = gdbsys::poll_readable(&[cfd, sigchld.as_raw_fd()]).map_err(|e| format!("poll: {e}"))?;
                            if ready[0] && !g.borrow_conn().fill().map_err(|e| io_message(&e))? {
                                return Ok(None);
                            }
                            g.into()
                        }
                    }
                }
            }
            GdbStubStateMachine::CtrlCInterrupt(g) => {
                inf.interrupt();
                g.interrupt_handled(inf, None::<StopReason>).map_err(|e| format!("gdbstub: {e}"))?
            }
            GdbStubStateMachine::Disconnected(g) => {
                return Ok(Some(finish(inf, Some(g.get_reason()))));
            }
        }
    }
}

/// End of the session: gdb killed, detached, or went away; or the program
/// ended (told on stderr, as gdbserver does).
fn finish(inf: &mut Inferior, reason: Option<DisconnectReason>) -> i32 {
    match reason {
        Some(DisconnectReason::TargetExited(code)) => {
            note(&format!("\nChild exited with status {code}"));
            0
        }
        Some(DisconnectReason::TargetTerminated(sig)) => {
            note(&format!("\nChild terminated with signal = {}", target::from_gdb_signal(sig)));
            0
        }
        Some(DisconnectReason::Disconnect) => {
            detach(inf);
            0
        }
        Some(DisconnectReason::Kill) => {
            kill(inf);
            0
        }
        // The connection dropped: like gdbserver, kill a program we started
        // and let an attached one go on.
        None if inf.attached => {
            detach(inf);
            0
        }
        None => {
            kill(inf);
            0
        }
    }
}

fn detach(inf: &mut Inferior) {
    if inf.gone {
        return;
    }
    if inf.running {
        stop_now(inf);
    }
    inf.remove_all_breakpoints();
    let _ = inf.tracer.detach(T::Proc(inf.pid), 0);
}

fn kill(inf: &mut Inferior) {
    if inf.gone {
        return;
    }
    if inf.tracer.kill(T::Proc(inf.pid)).is_err() {
        let _ = bsdtrace::sys::kill(inf.pid.0, libc::SIGKILL);
    }
    // Collect the exit so no zombie or half-traced process is left behind.
    while let Ok(Some((_, st))) = inf.tracer.wait(inf.pid.0, WaitOptions::BLOCK) {
        match st {
            WaitStatus::Exited(_) | WaitStatus::Signaled { .. } => break,
            _ => {
                let _ = inf.tracer.kill(T::Proc(inf.pid));
            }
        }
    }
    inf.gone = true;
}

/// Stop a running process and collect the stop (before a detach).
fn stop_now(inf: &mut Inferior) {
    let _ = inf.tracer.interrupt(bsdtrace::Target::Proc(inf.pid));
    if let Ok(Some((_, WaitStatus::Stopped(_)))) = inf.tracer.wait(inf.pid.0, WaitOptions::BLOCK) {
        inf.running = false;
    } else {
        inf.gone = true;
    }
}
