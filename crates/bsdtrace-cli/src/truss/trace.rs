//! truss's event loop on the engine's public API: start or attach, then one
//! `Tracer::wait` per whole-process stop, decode, resume.
//!
//! The hot path is fixed by design: per syscall stop one wait, at most one
//! ptrace request (`sc_args` at entry, `sc_ret` at exit, each served by one
//! PTRACE_GET_SYSCALL_INFO) and the resume. Nothing here reads /proc per
//! stop; `-y` reads `/proc/PID/fd` links only when asked. With `-c` the
//! entry costs no request at all: at the exit, `sc_ret` then `sc_args`
//! share one PTRACE_GETREGS (the engine caches it for the stop), which
//! gives both the number and the result.
//!
//! A spawned command traced with `-e trace=` runs under a seccomp filter
//! (`SpawnOptions::trace_only`), so syscalls outside the set never stop.
//! The filter is inherited by children, and an untraced child would get
//! ENOSYS from the traced calls, so forks are then always followed: without
//! `-f` the children are traced silently (their lines are not printed, as
//! FreeBSD truss prints none without `-f`) with a mask that reports only
//! their own forks, so the engine settles their filter stops without a
//! round trip to us. An attached process (`-p`) cannot be given a filter:
//! it is traced with PT_SYSCALL and filtered here.
//!
//! It must never: resume a process it has not finished with, read /proc on
//! the syscall path, or leave a process stopped or traced when it detaches.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bsdtrace::sysent::{Arg, Ret};
use bsdtrace::{abi, sys, Errno, Event, Pid, Resume, SpawnOptions, Target, Tracer, WaitOptions, WaitStatus};

use super::args::Config;
use super::decode::signal::{format_signal, SigInfo};
use super::decode::summary::Summary;
use super::decode::{self, json, Completed, EntryState, Outcome, ProcessMemory};
use super::output::Output;

/// The signal (SIGINT, SIGTERM, SIGQUIT) that asked an attached truss to
/// detach; 0 while none has.
static DETACH: AtomicI32 = AtomicI32::new(0);
/// The attached process (0 in command mode, or before the attach).
static DETACH_TARGET: AtomicI32 = AtomicI32::new(0);
/// The handler already sent the attached process its SIGSTOP.
static STOP_SENT: AtomicBool = AtomicBool::new(false);

/// Async-signal-safe: records the signal and, for an attached process,
/// sends the SIGSTOP the detach needs right away. That stop also wakes
/// the engine's wait4 even when the signal came just before truss entered
/// it (an idle process would otherwise never wake it).
extern "C" fn on_detach_signal(sig: libc::c_int) {
    if DETACH.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
        let target = DETACH_TARGET.load(Ordering::SeqCst);
        if target > 0 && sys::kill(target, libc::SIGSTOP).is_ok() {
            STOP_SENT.store(true, Ordering::SeqCst);
        }
    }
}

use bsdtrace::sys::TidMap;

/// A syscall between its entry and its exit.
struct Pending {
    pid: i32,
    /// The decoded in-arguments; `None` with `-c`, which needs no decoding.
    entry: Option<EntryState>,
    /// When the entry stop was seen (for `-c` and `-D`).
    start: Option<Instant>,
    /// `-y`: paths of descriptor arguments, read at entry (close would
    /// take them away).
    fds: Vec<(usize, String)>,
}

/// How the call ended, as truss prints it.
enum End {
    Outcome(Outcome),
    /// Interrupted by a signal, to be restarted (Linux's ERESTART* codes,
    /// FreeBSD's ERESTART).
    Restart,
}

pub struct Session<'a> {
    cfg: &'a Config,
    tracer: Tracer,
    out: Output,
    start: Instant,
    /// Entered syscalls, by thread id.
    pending: TidMap<Pending>,
    summary: Summary,
    /// The process truss started or attached to.
    root: Pid,
    /// Follow forks (`-f`, or forced by the seccomp filter).
    follow: bool,
    /// Whether a syscall's time is needed.
    timed: bool,
    /// The root's end, for truss's exit status.
    root_status: Option<WaitStatus>,
    /// `--json` `new_process` needs the parent: the child's first stop and
    /// the parent's fork report come in either order.
    parent_of: HashMap<i32, i32>,
    unannounced: HashSet<i32>,
    /// The line being built (kept to reuse its allocation).
    line: String,
}

/// Runs the trace `cfg` asks for; returns truss's exit status.
pub fn run(cfg: &Config, prog: &str) -> i32 {
    let _ = sys::catch_signals(&[libc::SIGINT, libc::SIGTERM, libc::SIGQUIT], on_detach_signal);
    let _ = sys::default_signal(libc::SIGPIPE);
    let attach = cfg.pid.is_some();
    if let Some(pid) = cfg.pid {
        if pid == sys::getpid() {
            eprintln!("{prog}: attempt to grab self.");
            return 2;
        }
    }
    let out = match Output::open(cfg.output.as_deref(), attach) {
        Ok(o) => o,
        Err(e) => {
            let msg = bsdtrace::error::io_message(&e);
            eprintln!("{prog}: cannot open {}: {msg}", cfg.output.as_ref().map_or("stderr".into(), |p| p.display().to_string()));
            return 1;
        }
    };
    let mut tracer = Tracer::new();
    let seccomp = !attach && cfg.filtered && !cfg.no_seccomp;
    let root = match cfg.pid {
        Some(pid) => match tracer.attach(Target::Proc(Pid(pid))) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{prog}: can not attach to target process: {e}");
                return 1;
            }
        },
        None => {
            let argv: Vec<String> = cfg.command.iter().map(|a| a.to_string_lossy().into_owned()).collect();
            let opts = SpawnOptions {
                env: None,
                trace_only: seccomp.then(|| cfg.filter.trace.iter().collect()),
            };
            match tracer.spawn_with(&argv, &opts) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{prog}: cannot run {}: {e}", argv[0]);
                    return 1;
                }
            }
        }
    };
    let mut s = Session {
        cfg,
        tracer,
        out,
        start: Instant::now(),
        pending: TidMap::default(),
        summary: Summary::new(),
        root,
        follow: cfg.follow || seccomp,
        timed: cfg.count || cfg.in_call,
        root_status: None,
        parent_of: HashMap::new(),
        unannounced: HashSet::new(),
        line: String::new(),
    };
    if let Err(code) = s.first_stop(prog) {
        return code;
    }
    if attach {
        DETACH_TARGET.store(root.0, Ordering::SeqCst);
    }
    s.event_loop(attach);
    if cfg.count {
        let table = s.summary.render();
        s.out.raw(&table);
    }
    s.out.flush();
    match s.root_status {
        _ if attach => 0,
        Some(WaitStatus::Exited(c)) => c,
        Some(WaitStatus::Signaled { sig, .. }) => 128 + sig,
        _ => 1,
    }
}

impl Session<'_> {
    /// The event mask of a process whose lines are printed, and of one
    /// traced only to keep its inherited seccomp filter served.
    fn mask(&self, shown: bool) -> i32 {
        let fork = if self.follow { abi::PTRACE_FORK } else { 0 };
        if shown {
            abi::PTRACE_EXEC | abi::PTRACE_SYSCALL | abi::PTRACE_LWP | fork
        } else {
            fork
        }
    }

    fn shown(&self, pid: Pid) -> bool {
        pid == self.root || self.cfg.follow
    }

    /// The spawned command's exec stop, or the attach stop: set the mask
    /// and let it run.
    fn first_stop(&mut self, prog: &str) -> Result<(), i32> {
        let root = self.root;
        match self.tracer.wait(root.0, WaitOptions::BLOCK) {
            Ok(Some((_, WaitStatus::Stopped(_)))) => {
                let t = Target::Proc(root);
                let _ = self.tracer.set_event_mask(t, self.mask(true));
                let _ = self.tracer.resume(t, Resume::Syscall, None, 0);
                Ok(())
            }
            Ok(Some((_, WaitStatus::Exited(c)))) if self.cfg.pid.is_none() && (c == 126 || c == 127) => {
                let why = if c == 127 { "No such file or directory" } else { "cannot execute" };
                eprintln!("{prog}: execvp {}: {why}", self.cfg.command[0].to_string_lossy());
                Err(c)
            }
            Ok(Some((pid, st))) => {
                // Ended before its first stop (an attached process exiting).
                self.on_gone(pid, st);
                self.out.flush();
                Err(if self.cfg.pid.is_some() { 0 } else { exit_code(st) })
            }
            Ok(None) | Err(_) => Err(1),
        }
    }

    fn event_loop(&mut self, attach: bool) {
        let opts = WaitOptions { interruptible: attach, ..WaitOptions::BLOCK };
        loop {
            if attach && DETACH.load(Ordering::SeqCst) != 0 {
                self.detach_all(None);
                return;
            }
            match self.tracer.wait(-1, opts) {
                // The stop may be the handler's SIGSTOP: never deliver it.
                Ok(Some((pid, WaitStatus::Stopped(_)))) if attach && DETACH.load(Ordering::SeqCst) != 0 => {
                    self.detach_all(Some(pid));
                    return;
                }
                Ok(Some((pid, WaitStatus::Stopped(_)))) => self.on_stop(pid),
                Ok(Some((pid, st @ (WaitStatus::Exited(_) | WaitStatus::Signaled { .. })))) => self.on_gone(pid, st),
                Ok(_) => {}
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => return, // ECHILD: nothing left to trace
            }
        }
    }

    fn on_stop(&mut self, pid: Pid) {
        let t = Target::Proc(pid);
        let Ok((lwp, ev)) = self.tracer.stop_event(t) else { return };
        let tid = lwp.0;
        let shown = self.shown(pid);
        let mut sig = 0;
        match ev {
            Some(Event::SyscallEntry) => self.on_entry(pid, tid),
            Some(Event::SyscallExit) => self.on_exit(pid, tid),
            Some(Event::Forked { child, .. }) => {
                self.on_exit(pid, tid);
                if self.cfg.json && self.cfg.follow {
                    if self.unannounced.remove(&child.0) {
                        self.json_line(json::new_process(child.0, pid.0));
                    } else {
                        self.parent_of.insert(child.0, pid.0);
                    }
                }
            }
            Some(Event::Exec { old_tid }) => {
                self.on_exec(pid, tid, old_tid.0);
                self.on_exit(pid, tid);
            }
            // A followed child's first stop. (Should the engine report it as
            // TraceMe, as its PT_TRACE_ME adoption path can when the child's
            // stop overtakes the parent's fork report, its SIGSTOP is the
            // auto-attach stop, not a signal to deliver.)
            Some(Event::Child) | Some(Event::TraceMe { .. }) if pid != self.root => {
                let _ = self.tracer.set_event_mask(t, self.mask(shown));
                if shown && !self.cfg.count {
                    if self.cfg.json {
                        match self.parent_of.remove(&pid.0) {
                            Some(parent) => self.json_line(json::new_process(pid.0, parent)),
                            None => {
                                self.unannounced.insert(pid.0);
                            }
                        }
                    } else {
                        self.text_line(pid.0, tid, None, decode::new_process_line());
                    }
                }
            }
            Some(Event::Born) => {
                if shown && !self.cfg.count {
                    if self.cfg.json {
                        self.json_line(json::new_thread(pid.0, tid));
                    } else {
                        self.text_line(pid.0, tid, None, &decode::new_thread_line(tid));
                    }
                }
            }
            Some(Event::Exited) => {
                if let Some(p) = self.pending.remove(&tid) {
                    self.print_unfinished(tid, p);
                }
                if shown && !self.cfg.count {
                    if self.cfg.json {
                        self.json_line(json::thread_exited(pid.0, tid));
                    } else {
                        self.text_line(pid.0, tid, None, &decode::thread_exited_line(tid));
                    }
                }
            }
            Some(Event::Signal { sig: s }) | Some(Event::TraceMe { sig: s }) => {
                sig = s;
                if shown {
                    self.on_signal(pid, tid, s);
                }
            }
            Some(Event::Attach) | Some(Event::Interrupt) | Some(Event::VforkDone) | Some(Event::Child) | None => {}
        }
        let how = if shown { Resume::Syscall } else { Resume::Continue };
        let _ = self.tracer.resume(t, how, None, sig);
    }

    fn on_entry(&mut self, pid: Pid, tid: i32) {
        let start = self.timed.then(Instant::now);
        if self.cfg.count {
            // The exit's registers tell the number too: no request now.
            self.pending.insert(tid, Pending { pid: pid.0, entry: None, start, fds: Vec::new() });
            return;
        }
        let Ok(sc) = self.tracer.sc_args(Target::Proc(pid)) else { return };
        if !self.cfg.filter.trace.contains(sc.code) {
            return;
        }
        let mut args = [0u64; 6];
        args.copy_from_slice(&sc.args[..6]);
        let mem = ProcessMemory { pid: pid.0 };
        let entry = decode::decode_entry(&self.cfg.decode, sc.code, args, &mem);
        let mut fds = Vec::new();
        if self.cfg.fd_paths {
            if let Some(row) = entry.syscall() {
                for (i, kind) in row.args.iter().enumerate() {
                    if matches!(kind, Arg::Fd | Arg::Dirfd) && (args[i] as i32) >= 0 {
                        if let Some(p) = fd_path(tid, args[i] as i32) {
                            fds.push((i, p));
                        }
                    }
                }
            }
        }
        if let Some(old) = self.pending.insert(tid, Pending { pid: pid.0, entry: Some(entry), start, fds }) {
            self.print_unfinished(tid, old);
        }
    }

    fn on_exit(&mut self, pid: Pid, tid: i32) {
        let Some(p) = self.pending.remove(&tid) else { return };
        let in_call = p.start.map(|s| s.elapsed());
        let t = Target::Proc(pid);
        let Ok(ret) = self.tracer.sc_ret(t) else { return };
        let end = match ret.sr_error {
            0 => End::Outcome(Outcome::Value(ret.sr_retval[0])),
            -1 => End::Restart,
            e => End::Outcome(Outcome::Error(e)),
        };
        let Some(entry) = p.entry else {
            // -c: count it (the registers are cached: no second request).
            let Ok(sc) = self.tracer.sc_args(t) else { return };
            if self.cfg.filter.trace.contains(sc.code) {
                let name = bsdtrace::sysent::name(sc.code).map_or_else(|| format!("syscall_{}", sc.code), str::to_string);
                let failed = !matches!(end, End::Outcome(Outcome::Value(_)));
                self.summary.record(&name, in_call.unwrap_or_default(), failed);
            }
            return;
        };
        let banner = entry.unknown_banner();
        let ret_kind = entry.syscall().map(|s| s.ret);
        let mem = ProcessMemory { pid: pid.0 };
        let outcome = match end {
            End::Outcome(o) => o,
            End::Restart => Outcome::Error(libc::EINTR),
        };
        let mut c = entry.finish(&self.cfg.decode, outcome, &mem);
        for (i, path) in &p.fds {
            c.args_text[*i] = format!("{}<{path}>", c.args_text[*i]);
        }
        let ret_path = match (self.cfg.fd_paths, ret_kind, outcome) {
            (true, Some(Ret::Fd), Outcome::Value(fd)) if fd >= 0 => fd_path(tid, fd as i32),
            _ => None,
        };
        if let Some(b) = banner {
            self.text_line(pid.0, tid, None, &b);
        }
        self.print_call(pid.0, tid, c, &end, in_call, ret_path);
    }

    /// An exec by a thread other than the leader took over the pid: its
    /// pending execve moves to the new id; every other thread of the
    /// process is gone, mid-call.
    fn on_exec(&mut self, pid: Pid, tid: i32, old_tid: i32) {
        if old_tid != tid {
            if let Some(p) = self.pending.remove(&old_tid) {
                if let Some(stale) = self.pending.insert(tid, p) {
                    self.print_unfinished(tid, stale);
                }
            }
        }
        let gone: Vec<i32> = self.pending.iter().filter(|(t, p)| p.pid == pid.0 && **t != tid).map(|(t, _)| *t).collect();
        for t in gone {
            let p = self.pending.remove(&t).expect("listed");
            self.print_unfinished(t, p);
        }
    }

    fn on_signal(&mut self, pid: Pid, tid: i32, sig: i32) {
        if self.cfg.count || self.cfg.hide_signals || !self.cfg.filter.signals.contains(sig as u32) {
            return;
        }
        let si = match self.tracer.stop_siginfo(Target::Proc(pid)) {
            Ok(Some(raw)) => SigInfo::from_bytes(&sys::siginfo_bytes(&raw)),
            _ => None,
        }
        .unwrap_or(SigInfo { signo: sig as u32, ..SigInfo::default() });
        if self.cfg.json {
            let o = json::signal(pid.0, tid, &si);
            self.json_line(o);
        } else {
            self.text_line(pid.0, tid, Some(Duration::ZERO), &format_signal(&si));
        }
        self.out.flush();
    }

    fn on_gone(&mut self, pid: Pid, st: WaitStatus) {
        let mut tids: Vec<i32> = self.pending.iter().filter(|(_, p)| p.pid == pid.0).map(|(t, _)| *t).collect();
        tids.sort_unstable();
        for t in tids {
            let p = self.pending.remove(&t).expect("listed");
            self.print_unfinished(t, p);
        }
        if pid == self.root {
            self.root_status = Some(st);
        }
        if !self.shown(pid) || self.cfg.count {
            return;
        }
        match st {
            WaitStatus::Exited(c) => {
                if self.cfg.json {
                    self.json_line(json::exit(pid.0, c));
                } else {
                    self.text_line(pid.0, pid.0, Some(Duration::ZERO), &decode::exit_line(c));
                }
            }
            WaitStatus::Signaled { sig, core } => {
                if self.cfg.json {
                    self.json_line(json::killed(pid.0, sig as u32, core));
                } else {
                    self.text_line(pid.0, pid.0, Some(Duration::ZERO), &decode::killed_line(sig as u32, core));
                }
            }
            _ => {}
        }
        self.out.flush();
    }

    /// A call that will never return (exit, exit_group, a thread that died
    /// in it): the call without a return part.
    fn print_unfinished(&mut self, tid: i32, p: Pending) {
        let Some(entry) = p.entry else { return };
        let mut c = entry.unfinished();
        for (i, path) in &p.fds {
            c.args_text[*i] = format!("{}<{path}>", c.args_text[*i]);
        }
        if self.cfg.json {
            let o = json::syscall(p.pid, tid, &c, None);
            self.json_line(o);
        } else {
            let mut line = self.take_line();
            self.prefix_into(&mut line, p.pid, tid, p.start.map(|s| s.elapsed()));
            c.line_into(&mut line);
            self.put_line(line);
        }
    }

    fn print_call(&mut self, pid: i32, tid: i32, c: Completed, end: &End, in_call: Option<Duration>, ret_path: Option<String>) {
        if self.cfg.json {
            let mut o = json::syscall(pid, tid, &c, in_call.filter(|_| self.cfg.in_call));
            if matches!(end, End::Restart) {
                o = o.bool("restart", true);
            }
            if let Some(p) = &ret_path {
                o = o.str("return_path", p);
            }
            self.json_line(o);
            return;
        }
        let mut line = self.take_line();
        self.prefix_into(&mut line, pid, tid, in_call);
        c.call_into(&mut line);
        line.push_str(decode::padding(line.len()));
        match (end, c.outcome) {
            (End::Restart, _) => line.push_str(" ERESTART"),
            (_, Some(Outcome::Value(v))) => match ret_path {
                Some(p) => {
                    let _ = write!(line, " = {v}<{p}> ({:#x})", v as u64);
                }
                None => Outcome::Value(v).render_into(&mut line),
            },
            (_, Some(o)) => o.render_into(&mut line),
            (_, None) => {}
        }
        self.put_line(line);
    }

    /// FreeBSD's line prefix, then strace's wall clock (`-t`, `-tt`),
    /// appended to `s`.
    fn prefix_into(&self, s: &mut String, pid: i32, tid: i32, in_call: Option<Duration>) {
        let cfg = self.cfg;
        decode::line_prefix_into(
            s,
            cfg.follow.then_some(pid),
            cfg.show_tid.then_some(tid),
            cfg.since_start.then(|| self.start.elapsed()),
            if cfg.in_call { Some(in_call.unwrap_or_default()) } else { None },
        );
        if cfg.wall_clock > 0 {
            s.push_str(&wall_clock(cfg.wall_clock));
        }
    }

    /// The line buffer, empty: lines are built in one reused String.
    fn take_line(&mut self) -> String {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        line
    }

    fn put_line(&mut self, line: String) {
        self.out.whole_line(&line);
        self.line = line;
    }

    fn text_line(&mut self, pid: i32, tid: i32, in_call: Option<Duration>, text: &str) {
        let mut line = self.take_line();
        self.prefix_into(&mut line, pid, tid, in_call);
        line.push_str(text);
        self.put_line(line);
    }

    fn json_line(&mut self, o: json::Object) {
        let o = if self.cfg.since_start || self.cfg.wall_clock > 0 { o.seconds("time", self.start.elapsed()) } else { o };
        self.out.line("", &o.finish());
    }

    /// `-p` and SIGINT/SIGTERM/SIGQUIT: stop every traced process with
    /// SIGSTOP (the handler already sent the attached one its own), take
    /// that stop (forwarding any other signal met on the way) and detach
    /// with no signal, so the SIGSTOP is discarded and the process runs on
    /// as before. Children met meanwhile (their first stop is already a
    /// stop) are detached at once. Nothing stays traced: the engine's
    /// tracees die with their tracer (PTRACE_O_EXITKILL). `first` is a
    /// stop already collected.
    fn detach_all(&mut self, first: Option<Pid>) {
        self.out.flush();
        let root_stopped = STOP_SENT.load(Ordering::SeqCst);
        for pid in self.tracer.traced() {
            if pid != self.root || !root_stopped {
                let _ = sys::kill(pid.0, libc::SIGSTOP);
            }
        }
        if let Some(pid) = first {
            self.detach_step(pid);
        }
        while !self.tracer.traced().is_empty() {
            match self.tracer.wait(-1, WaitOptions::BLOCK) {
                Ok(Some((pid, WaitStatus::Stopped(_)))) => self.detach_step(pid),
                Ok(Some((pid, st @ (WaitStatus::Exited(_) | WaitStatus::Signaled { .. })))) => self.on_gone(pid, st),
                Ok(_) => {}
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => break,
            }
        }
        self.pending.clear();
    }

    /// One stop while detaching: detach at our SIGSTOP (or a new child's
    /// first stop), else let it run on to it.
    fn detach_step(&mut self, pid: Pid) {
        let t = Target::Proc(pid);
        match self.tracer.stop_event(t) {
            Ok((_, Some(Event::Signal { sig: libc::SIGSTOP }))) | Ok((_, Some(Event::Child))) => {
                let _ = self.tracer.detach(t, 0);
            }
            Ok((_, Some(Event::Signal { sig }))) => {
                let _ = self.tracer.resume(t, Resume::Continue, None, sig);
            }
            _ => {
                let _ = self.tracer.resume(t, Resume::Continue, None, 0);
            }
        }
    }
}

fn exit_code(st: WaitStatus) -> i32 {
    match st {
        WaitStatus::Exited(c) => c,
        WaitStatus::Signaled { sig, .. } => 128 + sig,
        _ => 1,
    }
}

/// `-y`: what descriptor `fd` of thread `tid` refers to.
fn fd_path(tid: i32, fd: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/{tid}/fd/{fd}")).ok().map(|p| p.to_string_lossy().into_owned())
}

/// strace's `-t` (`HH:MM:SS `) and `-tt` (`HH:MM:SS.uuuuuu `), in UTC.
fn wall_clock(level: u8) -> String {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() % 86_400;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if level >= 2 {
        format!("{h:02}:{m:02}:{s:02}.{:06} ", now.subsec_micros())
    } else {
        format!("{h:02}:{m:02}:{s:02} ")
    }
}
