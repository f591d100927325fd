//! `bsdtrace gdbserver`: gdb's remote protocol over the bsdtrace engine.
//!
//! The protocol is ours end to end (`packet` frames it, `session` answers
//! every packet); `target` turns requests into engine requests and engine
//! stops into stop replies. This file owns the command line, the
//! connections and their order: a program started or attached here stays
//! for the next gdb when one goes away (closed or reset), as gdbserver's
//! does.
//!
//! The loop sleeps in `poll()` on the connection and on a SIGCHLD
//! self-pipe, and collects stops with the engine's non-blocking wait. It
//! must never sleep-poll, and never reap children itself.

mod agent;
mod arch;
mod conn;
mod emulate;
mod evloop;
mod hostio;
mod lldb;
mod nonstop;
mod packet;
mod session;
mod target;
mod wire;
mod xfer;

use bsdtrace::error::io_message;

use bsdtrace::Tracer;
use conn::{Conn, Listener};
use session::{End, Session};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use target::Inferiors;

/// The manual `--help` prints (and `bsdtrace manpage` turns into a page).
pub const MANUAL: &str = include_str!("gdbserver.1.txt");

const USAGE: &str = "usage: bsdtrace gdbserver [OPTIONS] COMM PROG [ARGS...]
       bsdtrace gdbserver [OPTIONS] --attach COMM PID
       bsdtrace gdbserver [OPTIONS] --multi COMM [PROG [ARGS...]]

COMM is HOST:PORT or :PORT (TCP; :PORT listens on 127.0.0.1), a path (a
Unix-domain socket), or - / stdio.

  --once                   serve one gdb only (otherwise a program that is
                           still there waits for the next one)
  --multi                  extended mode from the start; keep serving with
                           no program (gdb's `run` and `attach` start one)
  --attach                 debug the running process PID
  --allow-other-users      accept clients running as another user (by
                           default only our own user and root may connect)
  --no-disable-randomization
                           start programs with address-space randomization
                           (gdb's `set disable-randomization off`)
  --startup-with-shell     start PROG through $SHELL -c (gdb's default for `run`)
  --no-pass-signals        do not offer QPassSignals/QProgramSignals: a signal
                           gdb passes costs a round trip, but gdb 13 no longer
                           sends two of them per step over a breakpoint
  --no-spin                always sleep at once between packets (by default,
                           on more than one CPU, the server looks again for
                           up to 100 us before it sleeps)";

/// What the command line and gdb's `Q` packets set for the whole server.
#[derive(Debug, Default)]
pub struct Settings {
    pub once: bool,
    pub multi: bool,
    pub allow_others: bool,
    /// The program of the command line.
    pub program: Vec<String>,
    /// The program `vRun` or `R` started last.
    pub last_run: Vec<String>,
    /// `QEnvironmentHexEncoded` / `QEnvironmentUnset`, in order, over ours.
    pub env_changes: Vec<(String, Option<String>)>,
    pub cwd: Option<String>,
    pub shell: bool,
    pub disable_aslr: bool,
    /// Offer QPassSignals/QProgramSignals (see `--no-pass-signals`).
    pub pass_signals: bool,
}

enum Comm {
    Stdio,
    Listen(String),
}

struct Args {
    comm: Comm,
    attach: Option<i32>,
    settings: Settings,
}

fn parse(prog: &str, args: Vec<std::ffi::OsString>) -> Result<Args, String> {
    let mut it = args.into_iter().map(|a| a.to_string_lossy().into_owned()).peekable();
    let mut attach = false;
    let mut s = Settings { disable_aslr: true, pass_signals: true, ..Default::default() };
    let mut shell = false;
    while let Some(a) = it.peek() {
        match a.as_str() {
            "--once" => s.once = true,
            "--multi" => s.multi = true,
            "--attach" => attach = true,
            "--allow-other-users" => s.allow_others = true,
            "--no-disable-randomization" => s.disable_aslr = false,
            "--disable-randomization" => s.disable_aslr = true,
            "--startup-with-shell" => shell = true,
            "--no-startup-with-shell" => shell = false,
            "--no-pass-signals" => s.pass_signals = false,
            "--no-spin" => evloop::no_spin(),
            "-h" | "--help" => return Err(String::new()),
            x if x.starts_with("--") => return Err(format!("{prog}: unknown option {x}")),
            _ => break,
        }
        it.next();
    }
    let comm = match it.next().as_deref() {
        Some("-") | Some("stdio") => Comm::Stdio,
        Some(c) if c.contains(':') || c.contains('/') => Comm::Listen(c.to_string()),
        Some(c) => return Err(format!("{prog}: bad COMM {c}: want HOST:PORT, :PORT, a socket path, - or stdio")),
        None => return Err(String::new()),
    };
    let rest: Vec<String> = it.collect();
    s.shell = shell;
    if attach {
        let [pid] = rest.as_slice() else { return Err(String::new()) };
        let pid = pid.parse().map_err(|_| format!("{prog}: bad pid {pid}"))?;
        return Ok(Args { comm, attach: Some(pid), settings: s });
    }
    if rest.is_empty() && !s.multi {
        return Err(String::new());
    }
    if s.multi && matches!(comm, Comm::Stdio) && rest.is_empty() {
        // Over stdio there is nobody to serve after this gdb: fine.
    }
    s.program = rest;
    Ok(Args { comm, attach: None, settings: s })
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
    evloop::dup2(null.as_raw_fd(), 0).map_err(|e| format!("dup2: {e}"))?;
    evloop::dup2(2, 1).map_err(|e| format!("dup2: {e}"))?;
    Ok(Conn::new(rd, wr))
}

/// A progress line on stderr, as gdbserver prints them; a closed stderr
/// must not end the session.
pub fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// Start `argv` as gdb asked: environment, working directory, address
/// randomization, shell. The personality and the directory are the
/// server's own for the moment of the fork (the child inherits them and
/// the server never execs), then restored.
pub fn spawn(inf: &mut Inferiors, s: &Settings, argv: &[String], from_gdb: bool) -> Result<i32, String> {
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    for (k, v) in &s.env_changes {
        env.retain(|(ek, _)| ek != k);
        if let Some(v) = v {
            env.push((k.clone(), v.clone()));
        }
    }
    let env: Vec<String> = env.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let shell = s.shell && (from_gdb || argv == s.program.as_slice());
    let argv: Vec<String> = if shell {
        let sh = std::env::var("SHELL").ok().filter(|x| !x.is_empty()).unwrap_or_else(|| "/bin/sh".into());
        // gdb has split the arguments already; gdbserver quotes each one
        // for the shell (gdb 13's construct_inferior_arguments), and so
        // do we: the shell finds the program and runs it, expanding nothing.
        let mut cmd = String::from("exec ");
        cmd.push_str(&shell_quote(&argv[0]));
        for a in &argv[1..] {
            cmd.push(' ');
            cmd.push_str(&shell_quote(a));
        }
        vec![sh, "-c".into(), cmd]
    } else {
        argv.to_vec()
    };
    let saved_dir = std::env::current_dir().ok();
    if let Some(d) = &s.cwd {
        std::env::set_current_dir(d).map_err(|e| format!("cannot use {d} as working directory: {}", io_message(&e)))?;
    }
    let saved = bsdtrace::sys::host::personality(0xffff_ffff).ok();
    if let Some(p) = saved {
        let want = if s.disable_aslr { p | bsdtrace::sys::host::ADDR_NO_RANDOMIZE } else { p & !bsdtrace::sys::host::ADDR_NO_RANDOMIZE };
        let _ = bsdtrace::sys::host::personality(want);
    }
    let r = inf.spawn(&argv, Some(&env), shell);
    if let Some(p) = saved {
        let _ = bsdtrace::sys::host::personality(p);
    }
    if s.cwd.is_some() {
        if let Some(d) = saved_dir {
            let _ = std::env::set_current_dir(d);
        }
    }
    r
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn run(a: Args) -> Result<i32, String> {
    // Before any child exists, so no SIGCHLD is missed.
    let sigchld = File::from(evloop::sigchld_pipe().map_err(|e| format!("SIGCHLD handler: {e}"))?);
    // SIGTERM and SIGHUP end the server as the end of the last session
    // would (started programs killed, attached ones detached); SIGINT (a
    // terminal's Ctrl-C, which the program gets too) only wakes it. gdb
    // SIGTERMs a `target remote |` server right after it disconnects:
    // whatever it asked for is done by then.
    let term = bsdtrace::sys::host::termination_pipe(&[libc::SIGTERM, libc::SIGHUP], &[libc::SIGINT])
        .map_err(|e| format!("signal handlers: {e}"))?;
    let mut settings = a.settings;
    let mut stdio = match a.comm {
        Comm::Stdio => Some(take_stdio()?),
        Comm::Listen(_) => None,
    };
    // The server's loop waits as soon as SIGCHLD says something happened:
    // the engine may restart the calls its stops break with the time they
    // have left (not their whole timeout) and keep sleepers asleep.
    let mut tracer = Tracer::new();
    tracer.set_reaps_promptly(true);
    let mut inf = Inferiors::new(tracer);
    if let Some(pid) = a.attach {
        inf.attach(pid)?;
        note(&format!("Attached; pid = {pid}"));
    } else if !settings.program.is_empty() {
        let argv = settings.program.clone();
        let pid = spawn(&mut inf, &settings, &argv, false)?;
        settings.last_run = argv.clone();
        note(&format!("Process {} created; pid = {pid}", argv[0]));
    }
    let listener = match &a.comm {
        Comm::Listen(addr) => Some(Listener::bind(addr)?),
        Comm::Stdio => None,
    };
    loop {
        let mut conn = match (&listener, stdio.take()) {
            (_, Some(c)) => c,
            (Some(l), None) => match l.accept(settings.allow_others, &term)? {
                Some(c) => c,
                None => break,
            },
            (None, None) => break,
        };
        let end = Session::new(&mut conn, &mut inf, &mut settings, &sigchld, &term).run();
        drop(conn);
        match end {
            End::Done if inf.procs.is_empty() => return Ok(0),
            End::Exit => break,
            // gdb went away without a kill or detach (`disconnect`, a
            // crash, a reset): keep the programs, stopped and without its
            // breakpoints, for the next gdb, as gdbserver does.
            End::Disconnected | End::Done if listener.is_some() && !settings.once => {
                inf.forget_session();
                if inf.procs.is_empty() && !settings.multi {
                    return Ok(0);
                }
            }
            _ => break,
        }
    }
    // The last session is over: like gdbserver, kill what we started and
    // let what we attached to go on.
    // Vfork children first: their end lets a vfork parent stop.
    let mut pids: Vec<i32> = inf.procs.keys().copied().collect();
    pids.sort_by_key(|p| inf.procs[p].shares.is_none());
    for pid in pids {
        let Some(p) = inf.procs.get(&pid) else { continue };
        if p.attached || p.detaching {
            let _ = inf.detach(pid);
        } else {
            inf.kill(pid);
        }
    }
    Ok(0)
}
