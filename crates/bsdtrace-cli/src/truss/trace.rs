//! truss's event loop on the engine's public API: start or attach, then one
//! `Tracer::wait` per stop, decode, resume.
//!
//! [`Session::event_loop`] is the one place that waits and resumes: each
//! stop is handled by [`Session::on_stop`], which returns how to resume
//! ([`Next`]); nothing else resumes a tracee while tracing. A per-LWP stop
//! mode of the engine only has to change that loop.
//!
//! The hot path is fixed by design: per syscall stop one wait, at most one
//! ptrace request (`sc_args` at entry, `sc_ret` at exit, each served by one
//! PTRACE_GET_SYSCALL_INFO) and the resume. Nothing here reads /proc per
//! stop unless an option asks for it (`-y`, `-P`, `-k`); decoding reads the
//! tracee's memory only for arguments that point at something. With `-c`
//! the entry costs no request at all: at the exit, `sc_ret` then `sc_args`
//! share one PTRACE_GETREGS (the engine caches it for the stop), which
//! gives both the number and the result.
//!
//! A spawned command traced with `-e trace=` runs under a seccomp filter
//! (`SpawnOptions::trace_only`), so syscalls outside the set (and outside
//! the `-e inject=` sets) never stop. The filter is inherited by children,
//! and an untraced child would get ENOSYS from the traced calls, so forks
//! are then always followed: without `-f` the children are traced silently
//! (their lines are not printed, as FreeBSD truss prints none without
//! `-f`) with a mask that reports only their own forks, so the engine
//! settles their filter stops without a round trip to us. An attached
//! process (`-p`) cannot be given a filter: it is traced with PT_SYSCALL
//! and filtered here.
//!
//! Never hurt the traced program: a process truss attached to is attached
//! with kill-on-exit off (`Tracer::attach_with(.., false)`, the per-process
//! choice of `Tracer::set_kill_on_exit`), so if truss dies, even of
//! SIGKILL, Linux detaches it and it runs on; every catchable signal that
//! would end truss (SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGUSR1,
//! SIGALRM, ...) makes it detach cleanly first. Processes truss started
//! keep FreeBSD's kill-on-exit.
//!
//! It must never: resume a process it has not finished with, read /proc on
//! the syscall path unasked, or leave a process stopped or traced when it
//! detaches.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bsdtrace::sysent::{Arch, Arg, Ret};
use bsdtrace::{abi, sys, Errno, Event, LwpStatus, Lwpid, Pid, Resume, SpawnOptions, StopMode, Target, Tracer, WaitOptions, WaitStatus};

use super::args::{Config, SortBy};
use super::decode::filter::{InjectAction, Quiet, Status};
use super::decode::signal::{format_signal, SigInfo};
use super::decode::summary::Summary;
use super::decode::{self, json, Completed, EntryState, Memory, Outcome, ProcessMemory};
use super::fdinfo;
use super::output::{Output, Target as OutTarget};
use super::stack::Unwinder;

/// The signal that asked an attached truss to detach; 0 while none has.
static DETACH: AtomicI32 = AtomicI32::new(0);
/// The attached processes (0: empty slot), for the handler's SIGSTOP.
static DETACH_TARGETS: [AtomicI32; 16] = [const { AtomicI32::new(0) }; 16];
/// The handler already sent one attached process its SIGSTOP (its pid).
static STOP_SENT: AtomicI32 = AtomicI32::new(0);
/// Attached mode: the handler detaches instead of ignoring.
static ATTACHED: AtomicBool = AtomicBool::new(false);

/// Signals whose default action ends truss and that a handler can catch.
/// (SIGSEGV & co. are truss's own crashes: a handler could not run safely;
/// the attached processes survive those too, as they survive SIGKILL.)
const FATAL_SIGNALS: &[i32] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGPIPE,
    libc::SIGALRM,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGSTKFLT,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGIO,
    libc::SIGPWR,
];

/// Async-signal-safe. In command mode (SIGINT, SIGTERM, SIGQUIT only) it
/// does nothing: truss ignores them, as FreeBSD's does, and the command
/// gets its own copy from the terminal. Attached, it records the signal
/// and sends one attached process the SIGSTOP the detach needs right
/// away: that stop also wakes the engine's wait4 even when the signal came
/// just before truss entered it (an idle process would otherwise never
/// wake it).
extern "C" fn on_fatal_signal(sig: libc::c_int) {
    if !ATTACHED.load(Ordering::SeqCst) {
        return;
    }
    if DETACH.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
        for slot in &DETACH_TARGETS {
            let target = slot.load(Ordering::SeqCst);
            if target > 0 && sys::kill(target, libc::SIGSTOP).is_ok() {
                STOP_SENT.store(target, Ordering::SeqCst);
                break;
            }
        }
    }
}

use bsdtrace::sys::TidMap;

/// A syscall between its entry and its exit.
struct Pending {
    pid: i32,
    /// The decoded in-arguments; `None` with `-c`, which needs no decoding,
    /// and for a call that is not shown (only injected into).
    entry: Option<EntryState>,
    /// When the entry stop was seen (for `-c`, `-D`, `-T`, `-r`).
    start: Option<Instant>,
    /// The wall clock at entry (`-t`).
    wall: Option<SystemTime>,
    /// `-y`: paths of descriptor arguments, read at entry (close would
    /// take them away).
    fds: Vec<(usize, String)>,
    /// What `-e inject=` does to this call.
    inject: Option<InjectAction>,
}

/// How the call ended, as truss prints it.
enum End {
    Outcome(Outcome),
    /// Interrupted by a signal, to be restarted (Linux's ERESTART* codes,
    /// FreeBSD's ERESTART).
    Restart,
}

/// How the event loop resumes a stopped process.
struct Next {
    how: Resume,
    sig: i32,
}

pub struct Session<'a> {
    cfg: &'a Config,
    prog: &'a str,
    tracer: Tracer,
    out: Output,
    start: Instant,
    /// Entered syscalls, by thread id.
    pending: TidMap<Pending>,
    summary: Summary,
    /// The processes truss started or attached to.
    roots: Vec<Pid>,
    /// Follow forks (`-f`, or forced by the seccomp filter).
    follow: bool,
    /// Whether a syscall's time is needed.
    timed: bool,
    /// The command's end, for truss's exit status.
    root_status: Option<WaitStatus>,
    /// `--json` `new_process` needs the parent: the child's first stop and
    /// the parent's fork report come in either order.
    parent_of: HashMap<i32, i32>,
    unannounced: HashSet<i32>,
    /// The line being built (kept to reuse its allocation).
    line: String,
    /// `-r`: when the previous line's call started.
    last_line: Option<Instant>,
    /// `-e inject=`: calls seen per (thread, rule).
    inject_counts: HashMap<(i32, usize), u64>,
    /// Threads whose last call was an i386 one (a 32-bit program, or
    /// `int $0x80`): a change is announced, as strace does.
    thirty_two: HashSet<i32>,
    /// `-P`: the paths, as given and resolved.
    paths: Vec<PathBuf>,
    /// `-u`: the root still runs truss's setuid helper, until its exec.
    prelude: bool,
    /// The `-o '|cmd'` reader: its exit is not a tracee's.
    reader: Option<i32>,
    /// `-k`.
    unwinder: Option<Unwinder>,
    /// Trace each thread alone ([`StopMode::Lwp`]) rather than stopping
    /// the process at every syscall of one of them.
    per_lwp: bool,
    /// Lines were lost (`-o` failed): exit non-zero.
    write_failed: bool,
}

/// Runs the trace `cfg` asks for; returns truss's exit status.
pub fn run(cfg: &Config, prog: &str) -> i32 {
    let attach = cfg.attach();
    ATTACHED.store(attach, Ordering::SeqCst);
    decode::print::set_styles(&cfg.decode);
    if attach {
        let _ = sys::catch_signals(FATAL_SIGNALS, on_fatal_signal);
    } else {
        // FreeBSD truss ignores these while it runs a command (a handler,
        // not SIG_IGN, so the command does not inherit an ignored signal).
        // SIGPIPE stays ignored (Rust's start-up default): a closed output
        // is a write error, reported, not a silent death.
        let _ = sys::catch_signals(&[libc::SIGINT, libc::SIGTERM, libc::SIGQUIT], on_fatal_signal);
    }
    let me = sys::getpid();
    if cfg.pids.contains(&me) {
        eprintln!("{prog}: attempt to grab self.");
        return 2;
    }
    let out = match Output::open(&cfg.output, attach, cfg.per_process_files, prog) {
        Ok(o) => o,
        Err(e) => {
            let what = match &cfg.output {
                OutTarget::Stderr => "stderr".to_string(),
                OutTarget::File(p) => p.display().to_string(),
                OutTarget::Pipe(c) => format!("|{c}"),
            };
            let msg = bsdtrace::error::io_message(&e);
            eprintln!("{prog}: cannot open {what}: {msg}");
            return 1;
        }
    };
    let reader = out.reader_pid();
    let mut tracer = Tracer::new();
    let stopping = cfg.filter.stopping_set();
    let seccomp = !attach && cfg.filtered && !cfg.no_seccomp;
    let mut roots = Vec::new();
    if attach {
        for &pid in &cfg.pids {
            // Never armed to die with truss, not even before its first stop.
            match tracer.attach_with(Target::Proc(Pid(pid)), false) {
                Ok(p) => roots.push(p),
                Err(e) => {
                    eprintln!("{prog}: can not attach to target process {pid}: {e}");
                    if roots.is_empty() && cfg.pids.len() == 1 {
                        return 1;
                    }
                }
            }
        }
        if roots.is_empty() {
            return 1;
        }
    } else {
        let mut argv: Vec<String> = cfg.command.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        if let Some(user) = &cfg.user {
            match super::user::helper_argv(user, &argv) {
                Ok(a) => argv = a,
                Err(e) => {
                    eprintln!("{prog}: {e}");
                    return 1;
                }
            }
        }
        let opts = SpawnOptions {
            env: (!cfg.env.is_empty()).then(|| command_env(&cfg.env)),
            trace_only: seccomp.then(|| stopping.iter().collect()),
        };
        match tracer.spawn_with(&argv, &opts) {
            Ok(p) => roots.push(p),
            Err(e) => {
                eprintln!("{prog}: cannot run {}: {e}", argv[0]);
                return 1;
            }
        }
    }
    let paths = cfg
        .paths
        .iter()
        .flat_map(|p| {
            let mut v = vec![p.clone()];
            if let Ok(c) = std::fs::canonicalize(p) {
                if &c != p {
                    v.push(c);
                }
            }
            v
        })
        .collect();
    let mut s = Session {
        cfg,
        prog,
        tracer,
        out,
        start: Instant::now(),
        pending: TidMap::default(),
        summary: Summary::new(),
        roots: roots.clone(),
        follow: cfg.follow || seccomp,
        timed: cfg.timed() || cfg.relative,
        root_status: None,
        parent_of: HashMap::new(),
        unannounced: HashSet::new(),
        line: String::new(),
        last_line: None,
        inject_counts: HashMap::new(),
        thirty_two: HashSet::new(),
        paths,
        prelude: cfg.user.is_some(),
        reader,
        unwinder: cfg.stack.then(Unwinder::new),
        write_failed: false,
        // BSDTRACE_TRUSS_STOP=process: FreeBSD's whole-process stop at
        // every event (for comparisons; the output is the same).
        per_lwp: std::env::var("BSDTRACE_TRUSS_STOP").map_or(true, |v| v != "process"),
    };
    let mut live = 0;
    for (i, &root) in roots.iter().enumerate() {
        match s.first_stop(root) {
            Ok(()) => {
                live += 1;
                if attach && i < DETACH_TARGETS.len() {
                    DETACH_TARGETS[i].store(root.0, Ordering::SeqCst);
                }
            }
            Err(code) if !attach => return code,
            Err(_) => {}
        }
    }
    if live > 0 {
        s.event_loop(attach);
    }
    if s.cfg.count || s.cfg.count_too {
        let table = s.summary_table();
        s.out.raw(&table);
    }
    let ok = s.out.finish() && !s.write_failed;
    if !ok {
        return 1;
    }
    match s.root_status {
        _ if attach => 0,
        Some(WaitStatus::Exited(c)) => c,
        Some(WaitStatus::Signaled { sig, .. }) => 128 + sig,
        _ => 1,
    }
}

/// `-E`: our environment with VAR=VAL set and bare VAR removed.
pub(super) fn command_env(changes: &[String]) -> Vec<String> {
    let mut env: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
        .collect();
    for c in changes {
        match c.split_once('=') {
            Some((k, v)) => {
                env.retain(|(n, _)| n != k);
                env.push((k.to_string(), v.to_string()));
            }
            None => env.retain(|(n, _)| n != c),
        }
    }
    env.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
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
        self.roots.contains(&pid) || self.cfg.follow
    }

    fn is_root(&self, pid: Pid) -> bool {
        self.roots.contains(&pid)
    }

    /// The spawned command's exec stop, or an attach stop: set the mask
    /// and let it run.
    fn first_stop(&mut self, root: Pid) -> Result<(), i32> {
        match self.tracer.wait(root.0, WaitOptions::BLOCK) {
            Ok(Some((_, WaitStatus::Stopped(_)))) => {
                let t = Target::Proc(root);
                if self.per_lwp {
                    // Each thread stops alone at its syscalls, as under
                    // strace: the others never wait for our decoding.
                    let _ = self.tracer.set_stop_mode(t, StopMode::Lwp);
                }
                let _ = self.tracer.set_event_mask(t, self.mask(true));
                let _ = self.tracer.resume(t, Resume::Syscall, None, 0);
                Ok(())
            }
            Ok(Some((_, WaitStatus::Exited(c)))) if !self.cfg.attach() && (c == 126 || c == 127) => {
                let why = if c == 127 { "No such file or directory" } else { "cannot execute" };
                eprintln!("{}: execvp {}: {why}", self.prog, self.cfg.command[0].to_string_lossy());
                Err(c)
            }
            Ok(Some((pid, st))) => {
                // Ended before its first stop (an attached process exiting).
                self.on_gone(pid, st);
                self.out.flush();
                Err(if self.cfg.attach() { 0 } else { exit_code(st) })
            }
            Ok(None) | Err(_) => Err(1),
        }
    }

    /// The one place that waits and resumes.
    fn event_loop(&mut self, attach: bool) {
        if self.per_lwp {
            return self.lwp_event_loop(attach);
        }
        let opts = WaitOptions { interruptible: attach, ..WaitOptions::BLOCK };
        loop {
            if attach && (DETACH.load(Ordering::SeqCst) != 0 || self.out.failed()) {
                self.detach_all(None);
                return;
            }
            match self.tracer.wait(-1, opts) {
                // The stop may be the handler's SIGSTOP: never deliver it.
                Ok(Some((pid, WaitStatus::Stopped(_)))) if attach && DETACH.load(Ordering::SeqCst) != 0 => {
                    self.detach_all(Some(pid));
                    return;
                }
                Ok(Some((pid, WaitStatus::Stopped(_)))) => {
                    let next = self.on_stop(pid, None);
                    let _ = self.tracer.resume(Target::Proc(pid), next.how, None, next.sig);
                }
                Ok(Some((pid, _))) if Some(pid.0) == self.reader => self.reader = None,
                Ok(Some((pid, st @ (WaitStatus::Exited(_) | WaitStatus::Signaled { .. })))) => {
                    self.on_gone(pid, st);
                    // Done when nothing is traced any more, even if an
                    // untraced child (the `-o '|cmd'` reader) lives on.
                    if self.tracer.traced().is_empty() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => return, // ECHILD: nothing left to trace
            }
        }
    }

    /// One stop: of the process (whole-process mode), or of `lwp` alone.
    /// [`Session::event_loop`] in the per-LWP mode: each thread's stop is
    /// decoded and resumed alone while the others run.
    fn lwp_event_loop(&mut self, attach: bool) {
        let opts = WaitOptions { interruptible: attach, ..WaitOptions::BLOCK };
        loop {
            if attach && (DETACH.load(Ordering::SeqCst) != 0 || self.out.failed()) {
                self.detach_all_lwp();
                return;
            }
            match self.tracer.wait_lwp(-1, opts) {
                Ok(Some(LwpStatus::Stopped { .. })) if attach && DETACH.load(Ordering::SeqCst) != 0 => {
                    // Stays collected: the detach gathers it with the rest.
                    self.detach_all_lwp();
                    return;
                }
                Ok(Some(LwpStatus::Stopped { pid, lwp, .. })) => {
                    let next = self.on_stop(pid, Some(lwp));
                    let _ = self.tracer.resume(Target::Lwp(lwp), next.how, None, next.sig);
                }
                Ok(Some(LwpStatus::Exited { pid, status })) => {
                    self.on_gone(pid, status);
                    if self.tracer.traced().is_empty() {
                        return;
                    }
                }
                Ok(None) => {}
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => return,
            }
        }
    }

    /// Before a detach: calls in progress are printed without their return
    /// part (if `-e status=` shows detached calls).
    fn flush_unfinished(&mut self) {
        let pending: Vec<i32> = self.pending.keys().copied().collect();
        for t in pending {
            let p = self.pending.remove(&t).expect("listed");
            if self.cfg.filter.status.contains(Status::DETACHED) {
                self.print_unfinished(t, p);
            }
        }
        self.out.flush();
    }

    /// Detach from every per-LWP process: stop and collect every LWP (the
    /// SIGSTOP the signal handler sent is discarded on the way), go back to
    /// the whole-process stop, and detach as FreeBSD does, the reporting
    /// thread's own signal passed on.
    fn detach_all_lwp(&mut self) {
        self.flush_unfinished();
        let stop_sent = Pid(STOP_SENT.load(Ordering::SeqCst));
        if stop_sent.0 > 0 && self.tracer.is_traced(stop_sent) {
            self.discard_our_sigstop(stop_sent);
        }
        for pid in self.tracer.traced() {
            let _ = self.tracer.interrupt(Target::Proc(pid));
        }
        while let Some(&pid) = self.tracer.traced().first() {
            if self.tracer.set_stop_mode(Target::Proc(pid), StopMode::Process).is_ok() {
                let sig = match self.tracer.stop_event(Target::Proc(pid)) {
                    Ok((_, Some(Event::Signal { sig }))) => sig,
                    _ => 0,
                };
                if self.tracer.detach(Target::Proc(pid), sig).is_err() {
                    // Dying under us: its exit is the last thing to see.
                    match self.tracer.wait(pid.0, WaitOptions::BLOCK) {
                        Ok(Some((pid, st @ (WaitStatus::Exited(_) | WaitStatus::Signaled { .. })))) => self.on_gone(pid, st),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                continue;
            }
            match self.tracer.wait_lwp(pid.0, WaitOptions::BLOCK) {
                Ok(Some(LwpStatus::Stopped { .. })) | Ok(None) => {}
                Ok(Some(LwpStatus::Exited { pid, status })) => self.on_gone(pid, status),
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => break,
            }
            // New LWPs (born since) are stopped too.
            let _ = self.tracer.interrupt(Target::Proc(pid));
        }
        self.pending.clear();
        if self.out.failed() {
            self.write_failed = true;
        }
    }

    /// The SIGSTOP the signal handler sent `pid` to wake us must never
    /// reach it: let its threads run until one takes it, and drop it
    /// (what the whole-process detach does at its SIGSTOP stop). Other
    /// signals met on the way are delivered.
    fn discard_our_sigstop(&mut self, pid: Pid) {
        let lwps = self.tracer.lwp_list(Target::Proc(pid)).unwrap_or_default();
        for l in lwps {
            if self.resume_dropping_sigstop(l) == Some(true) {
                return;
            }
        }
        loop {
            match self.tracer.wait_lwp(pid.0, WaitOptions::BLOCK) {
                Ok(Some(LwpStatus::Stopped { lwp, .. })) => {
                    if self.resume_dropping_sigstop(lwp) == Some(true) {
                        return;
                    }
                }
                Ok(Some(LwpStatus::Exited { pid, status })) => return self.on_gone(pid, status),
                Ok(None) => {}
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => return,
            }
        }
    }

    /// Resume a collected LWP with the signal of its stop, except a
    /// SIGSTOP, which is dropped. `Some(true)` if it was one, `None` if the
    /// LWP has no collected stop.
    fn resume_dropping_sigstop(&mut self, l: Lwpid) -> Option<bool> {
        let (_, ev) = self.tracer.stop_event(Target::Lwp(l)).ok()?;
        let (ours, sig) = match ev {
            Some(Event::Signal { sig: libc::SIGSTOP }) => (true, 0),
            Some(Event::Signal { sig }) => (false, sig),
            _ => (false, 0),
        };
        let _ = self.tracer.resume(Target::Lwp(l), Resume::Continue, None, sig);
        Some(ours)
    }

    fn on_stop(&mut self, pid: Pid, lwp: Option<Lwpid>) -> Next {
        let t = lwp.map_or(Target::Proc(pid), Target::Lwp);
        let shown = self.shown(pid);
        let resume = if shown { Resume::Syscall } else { Resume::Continue };
        let mut next = Next { how: resume, sig: 0 };
        let Ok((lwp, ev)) = self.tracer.stop_event(t) else { return next };
        let tid = lwp.0;
        match ev {
            Some(Event::SyscallEntry) => self.on_entry(pid, tid),
            Some(Event::SyscallExit) => self.on_exit(pid, tid),
            Some(Event::Forked { child, .. }) => {
                self.on_exit(pid, tid);
                if self.cfg.json && self.cfg.follow {
                    if self.unannounced.remove(&child.0) {
                        self.json_line(pid.0, json::new_process(child.0, pid.0));
                    } else {
                        self.parent_of.insert(child.0, pid.0);
                    }
                }
            }
            Some(Event::Exec { old_tid }) => {
                self.on_exec(pid, tid, old_tid.0);
                if self.prelude && self.is_root(pid) {
                    // `-u`: the helper became the command; its execve, as
                    // the command's own, gets no line.
                    self.prelude = false;
                    self.pending.remove(&tid);
                } else {
                    self.on_exit(pid, tid);
                }
            }
            // A followed child's first stop. (Should the engine report it as
            // TraceMe, as its PT_TRACE_ME adoption path can when the child's
            // stop overtakes the parent's fork report, its SIGSTOP is the
            // auto-attach stop, not a signal to deliver.)
            Some(Event::Child) | Some(Event::TraceMe { .. }) if !self.is_root(pid) => {
                let _ = self.tracer.set_event_mask(t, self.mask(shown));
                if shown && self.lines() {
                    if self.cfg.json {
                        match self.parent_of.remove(&pid.0) {
                            Some(parent) => self.json_line(pid.0, json::new_process(pid.0, parent)),
                            None => {
                                self.unannounced.insert(pid.0);
                            }
                        }
                    } else if !self.cfg.per_process_files {
                        self.text_line(pid.0, tid, None, decode::new_process_line());
                    }
                }
            }
            Some(Event::Born) => {
                if shown && self.lines() {
                    if self.cfg.json {
                        self.json_line(pid.0, json::new_thread(pid.0, tid));
                    } else {
                        self.text_line(pid.0, tid, None, &decode::new_thread_line(tid));
                    }
                }
            }
            Some(Event::Exited) => {
                if let Some(p) = self.pending.remove(&tid) {
                    self.print_unfinished(tid, p);
                }
                self.thirty_two.remove(&tid);
                if shown && self.lines() {
                    if self.cfg.json {
                        self.json_line(pid.0, json::thread_exited(pid.0, tid));
                    } else {
                        self.text_line(pid.0, tid, None, &decode::thread_exited_line(tid));
                    }
                }
            }
            Some(Event::Signal { sig: s }) | Some(Event::TraceMe { sig: s }) => {
                next.sig = s;
                if shown {
                    self.on_signal(pid, tid, s);
                }
            }
            Some(Event::Attach) | Some(Event::Interrupt) | Some(Event::VforkDone) | Some(Event::Child) | None => {}
        }
        next
    }

    /// Whether event lines (new process, thread, signal) are printed.
    fn lines(&self) -> bool {
        !self.cfg.count && !self.prelude
    }

    /// The injection for this call of `code` by `tid`, if a rule's `when=`
    /// selects it (each rule counts the calls of its set per thread).
    fn injection(&mut self, tid: i32, code: u32) -> Option<InjectAction> {
        let mut hit = None;
        for (i, rule) in self.cfg.filter.inject.iter().enumerate() {
            if !rule.set.contains(code) {
                continue;
            }
            let n = self.inject_counts.entry((tid, i)).or_insert(0);
            *n += 1;
            if hit.is_none() && rule.when.matches(*n) {
                hit = Some(rule.action);
            }
        }
        hit
    }

    fn on_entry(&mut self, pid: Pid, tid: i32) {
        if self.prelude {
            return;
        }
        let start = self.timed.then(Instant::now);
        let wall = (self.cfg.wall_clock > 0).then(SystemTime::now);
        let t = Target::Lwp(Lwpid(tid));
        if self.cfg.count && self.cfg.filter.inject.is_empty() && self.paths.is_empty() {
            // The exit's registers tell the number too: no request now.
            self.pending.insert(tid, Pending { pid: pid.0, entry: None, start, wall, fds: Vec::new(), inject: None });
            return;
        }
        let Ok(sc) = self.tracer.sc_args(t) else { return };
        let mut args = [0u64; 6];
        args.copy_from_slice(&sc.args[..6]);
        let i386 = sc.arch == Arch::I386;
        if i386 != self.thirty_two.contains(&tid) {
            if i386 {
                self.thirty_two.insert(tid);
            } else {
                self.thirty_two.remove(&tid);
            }
            if !self.cfg.count && !self.cfg.json && self.lines() {
                self.text_line(pid.0, tid, None, decode::mode_line(sc.arch));
            }
        }
        // The sets of -e are of x86-64 numbers: an i386 call is looked up
        // by its x86-64 twin; one x86-64 lacks is traced unless -e trace=
        // (or -P) chose calls.
        let key = if i386 { decode::x86_64_key(sc.code) } else { Some(sc.code) };
        let inject = match key {
            Some(k) if !self.cfg.filter.inject.is_empty() => self.injection(tid, k),
            _ => None,
        };
        let traced = match key {
            Some(k) => self.cfg.filter.trace.contains(k) && (self.paths.is_empty() || self.touches_paths(pid, tid, k, &args)),
            None => !self.cfg.filtered && self.paths.is_empty(),
        };
        if !traced && inject.is_none() {
            return;
        }
        if let Some(a) = inject {
            if let Some(us) = a.delay_enter {
                std::thread::sleep(Duration::from_micros(us));
            }
            if a.error.is_some() || a.retval.is_some() {
                // Syscall number -1: Linux skips the call (it would return
                // ENOSYS); the exit stop then gets the injected result.
                if let Ok(mut r) = self.tracer.get_regs(t) {
                    r.r_rax = -1;
                    let _ = self.tracer.set_regs(t, &r);
                }
            }
        }
        // i386's sigreturn (119) and rt_sigreturn (173).
        let sigreturn = if i386 { matches!(sc.code, 119 | 173) } else { sc.code == libc::SYS_rt_sigreturn as u32 };
        if sigreturn && traced && !self.cfg.count {
            // Its restored mask is in the signal frame at the stack pointer.
            if let Ok(r) = self.tracer.get_regs(t) {
                args[0] = r.r_rsp as u64;
            }
        }
        let entry = if traced && !self.cfg.count {
            let mem = ProcessMemory { pid: pid.0 };
            Some(if i386 {
                decode::decode_entry_i386(&self.cfg.decode, sc.code, args, &mem)
            } else {
                decode::decode_entry(&self.cfg.decode, sc.code, args, &mem)
            })
        } else {
            None
        };
        let mut fds = Vec::new();
        if self.cfg.fd_paths > 0 {
            if let Some(row) = entry.as_ref().and_then(|e| e.syscall()) {
                for (i, kind) in row.args.iter().enumerate() {
                    if matches!(kind, Arg::Fd | Arg::Dirfd) && (args[i] as i32) >= 0 {
                        if let Some(p) = fdinfo::describe(pid.0, tid, args[i] as i32, self.cfg.fd_paths) {
                            fds.push((i, p));
                        }
                    }
                }
            }
        }
        let p = Pending { pid: pid.0, entry, start, wall, fds, inject };
        if let Some(old) = self.pending.insert(tid, p) {
            if !self.cfg.filter.quiet.contains(Quiet::SUPERSEDED) {
                self.print_unfinished(tid, old);
            }
        }
    }

    /// `-P`: whether the call names one of the paths, or uses a descriptor
    /// open on one. Reads the tracee's memory and /proc: only with -P.
    fn touches_paths(&self, pid: Pid, tid: i32, code: u32, args: &[u64; 6]) -> bool {
        let Some(row) = bsdtrace::sysent::by_number(code) else { return false };
        let mem = ProcessMemory { pid: pid.0 };
        for (i, kind) in row.args.iter().enumerate() {
            match kind {
                Arg::Path => {
                    let Ok(s) = mem.read_cstr(args[i], decode::print::PATH_MAX) else { continue };
                    let p = PathBuf::from(String::from_utf8_lossy(&s.bytes).into_owned());
                    if self.paths.contains(&p) {
                        return true;
                    }
                    let abs = if p.is_absolute() {
                        p
                    } else {
                        match std::fs::read_link(format!("/proc/{tid}/cwd")) {
                            Ok(cwd) => cwd.join(p),
                            Err(_) => continue,
                        }
                    };
                    if self.paths.contains(&abs) || std::fs::canonicalize(&abs).is_ok_and(|c| self.paths.contains(&c)) {
                        return true;
                    }
                }
                Arg::Fd | Arg::Dirfd if (args[i] as i32) >= 0 => {
                    if let Ok(l) = std::fs::read_link(format!("/proc/{tid}/fd/{}", args[i] as i32)) {
                        if self.paths.contains(&l) {
                            return true;
                        }
                    }
                }
                _ => {}
            }
        }
        false
    }

    fn on_exit(&mut self, pid: Pid, tid: i32) {
        let Some(p) = self.pending.remove(&tid) else { return };
        let in_call = p.start.map(|s| s.elapsed());
        let t = Target::Lwp(Lwpid(tid));
        if let Some(a) = p.inject {
            if a.error.is_some() || a.retval.is_some() {
                if let Ok(mut r) = self.tracer.get_regs(t) {
                    match (a.error, a.retval) {
                        (Some(e), _) => {
                            r.r_rax = i64::from(e);
                            r.r_rflags |= abi::PSL_C;
                        }
                        (None, Some(v)) => {
                            r.r_rax = v;
                            r.r_rflags &= !abi::PSL_C;
                        }
                        _ => {}
                    }
                    let _ = self.tracer.set_regs(t, &r);
                }
            }
        }
        let ret = self.tracer.sc_ret(t);
        if let Some(a) = p.inject {
            if let Some(sig) = a.signal {
                let _ = sys::tgkill(pid.0, tid, sig as i32);
            }
            if let Some(us) = a.delay_exit {
                std::thread::sleep(Duration::from_micros(us));
            }
        }
        let Ok(ret) = ret else { return };
        let end = match ret.sr_error {
            0 => End::Outcome(Outcome::Value(ret.sr_retval[0])),
            -1 => End::Restart,
            e => End::Outcome(Outcome::Error(e)),
        };
        let wanted = match end {
            End::Outcome(Outcome::Value(_)) => Status::SUCCESSFUL,
            _ => Status::FAILED,
        };
        let Some(entry) = p.entry else {
            if !self.cfg.count {
                return; // only injected into, not shown
            }
            // -c: count it (the registers are cached: no second request).
            let Ok(sc) = self.tracer.sc_args(t) else { return };
            let traced = match sc.arch {
                Arch::X86_64 => self.cfg.filter.trace.contains(sc.code),
                Arch::I386 => decode::x86_64_key(sc.code).map_or(!self.cfg.filtered, |k| self.cfg.filter.trace.contains(k)),
            };
            if traced && self.cfg.filter.status.contains(wanted) {
                let name = sc.arch.name(sc.code).map_or_else(|| format!("syscall_{}", sc.code), str::to_string);
                let failed = !matches!(end, End::Outcome(Outcome::Value(_)));
                self.summary.record(&name, in_call.unwrap_or_default(), failed);
            }
            return;
        };
        if self.cfg.count_too {
            let failed = !matches!(end, End::Outcome(Outcome::Value(_)));
            let name = entry.name();
            if self.cfg.filter.status.contains(wanted) {
                self.summary.record(&name, in_call.unwrap_or_default(), failed);
            }
        }
        if !self.cfg.filter.status.contains(wanted) {
            return;
        }
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
            (1.., Some(Ret::Fd), Outcome::Value(fd)) if fd >= 0 => fdinfo::describe(pid.0, tid, fd as i32, self.cfg.fd_paths),
            _ => None,
        };
        if let Some(b) = banner {
            self.text_line(pid.0, tid, None, &b);
        }
        let injected = p.inject.is_some();
        let when = LineTime { start: p.start, wall: p.wall };
        self.print_call(pid.0, tid, c, &end, in_call, ret_path, injected, when);
        if self.unwinder.is_some() {
            self.print_stack(pid.0, tid);
        }
    }

    /// `-k`: the thread's stack, one ` > ` line per frame.
    fn print_stack(&mut self, pid: i32, tid: i32) {
        let Some(mut u) = self.unwinder.take() else { return };
        let frames = u.backtrace(&mut self.tracer, Pid(pid), tid);
        self.unwinder = Some(u);
        for f in frames {
            self.out.line_for(pid, &format!(" > {f}"));
        }
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
        if let Some(u) = self.unwinder.as_mut() {
            u.forget(pid.0);
        }
    }

    fn on_signal(&mut self, pid: Pid, tid: i32, sig: i32) {
        if !self.lines() || self.cfg.hide_signals || !self.cfg.filter.signals.contains(sig as u32) {
            return;
        }
        let si = match self.tracer.stop_siginfo(Target::Lwp(Lwpid(tid))) {
            Ok(Some(raw)) => SigInfo::from_bytes(&sys::siginfo_bytes(&raw)),
            _ => None,
        }
        .unwrap_or(SigInfo { signo: sig as u32, ..SigInfo::default() });
        if self.cfg.json {
            let o = json::signal(pid.0, tid, &si);
            self.json_line(pid.0, o);
        } else {
            let when = LineTime { start: Some(Instant::now()), wall: Some(SystemTime::now()) };
            let mut line = self.take_line();
            self.prefix_into(&mut line, pid.0, tid, Some(Duration::ZERO), when);
            line.push_str(&format_signal(&si));
            self.put_line(pid.0, line);
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
        self.thirty_two.remove(&pid.0);
        if self.is_root(pid) && !self.cfg.attach() {
            self.root_status = Some(st);
        }
        if let Some(u) = self.unwinder.as_mut() {
            u.forget(pid.0);
        }
        if self.shown(pid) && self.lines() && !self.cfg.filter.quiet.contains(Quiet::EXIT) {
            match st {
                WaitStatus::Exited(c) => {
                    if self.cfg.json {
                        self.json_line(pid.0, json::exit(pid.0, c));
                    } else {
                        self.text_line(pid.0, pid.0, Some(Duration::ZERO), &decode::exit_line(c));
                    }
                }
                WaitStatus::Signaled { sig, core } => {
                    if self.cfg.json {
                        self.json_line(pid.0, json::killed(pid.0, sig as u32, core));
                    } else {
                        self.text_line(pid.0, pid.0, Some(Duration::ZERO), &decode::killed_line(sig as u32, core));
                    }
                }
                _ => {}
            }
        }
        self.out.flush();
        self.out.close_process(pid.0);
    }

    /// A call that will never return (exit, exit_group, a thread that died
    /// in it): the call without a return part.
    fn print_unfinished(&mut self, tid: i32, p: Pending) {
        let Some(entry) = p.entry else { return };
        if !self.cfg.filter.status.contains(Status::UNFINISHED) {
            return;
        }
        let mut c = entry.unfinished();
        for (i, path) in &p.fds {
            c.args_text[*i] = format!("{}<{path}>", c.args_text[*i]);
        }
        if self.cfg.json {
            let o = json::syscall(p.pid, tid, &c, None);
            self.json_line(p.pid, o);
        } else {
            let mut line = self.take_line();
            self.prefix_into(&mut line, p.pid, tid, p.start.map(|s| s.elapsed()), LineTime { start: p.start, wall: p.wall });
            self.number_into(&mut line, c.number);
            c.line_into(&mut line);
            self.put_line(p.pid, line);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn print_call(
        &mut self,
        pid: i32,
        tid: i32,
        c: Completed,
        end: &End,
        in_call: Option<Duration>,
        ret_path: Option<String>,
        injected: bool,
        when: LineTime,
    ) {
        if self.cfg.json {
            let mut o = json::syscall(pid, tid, &c, in_call.filter(|_| self.cfg.in_call || self.cfg.trailing_time));
            if matches!(end, End::Restart) {
                o = o.bool("restart", true);
            }
            if let Some(p) = &ret_path {
                o = o.str("return_path", p);
            }
            if injected {
                o = o.bool("injected", true);
            }
            self.json_line(pid, o);
            return;
        }
        let mut line = self.take_line();
        self.prefix_into(&mut line, pid, tid, in_call, when);
        self.number_into(&mut line, c.number);
        c.call_into(&mut line);
        line.push_str(decode::padding(line.len()));
        match (end, c.outcome) {
            (End::Restart, _) => line.push_str(" ERESTART"),
            (_, Some(Outcome::Value(v))) => match ret_path {
                Some(p) => {
                    let _ = write!(line, " = {v}<{p}> ({:#x})", v as u64);
                }
                None => decode::render_value(&mut line, &c, v, &self.cfg.decode),
            },
            (_, Some(o @ Outcome::Error(_))) => decode::render_error(&mut line, o, &self.cfg.decode),
            (_, None) => {}
        }
        if injected {
            line.push_str(" (INJECTED)");
        }
        if self.cfg.trailing_time {
            let d = in_call.unwrap_or_default();
            let _ = write!(line, " <{}.{:06}>", d.as_secs(), d.subsec_micros());
        }
        self.put_line(pid, line);
    }

    /// `-n`: `[ 257] `.
    fn number_into(&self, s: &mut String, number: u32) {
        if self.cfg.syscall_numbers {
            let _ = write!(s, "[{number:>4}] ");
        }
    }

    /// strace's `-r` and wall clock (`-t`, `-tt`, `-ttt`) first, then
    /// FreeBSD's prefix (pid, tid, `-d`, `-D`), appended to `s`.
    fn prefix_into(&mut self, s: &mut String, pid: i32, tid: i32, in_call: Option<Duration>, when: LineTime) {
        let cfg = self.cfg;
        if cfg.relative {
            let now = when.start.unwrap_or_else(Instant::now);
            let d = match self.last_line {
                Some(prev) => now.saturating_duration_since(prev),
                None => Duration::ZERO,
            };
            self.last_line = Some(now);
            let _ = write!(s, "{:>6}.{:06} ", d.as_secs(), d.subsec_micros());
        }
        if cfg.wall_clock > 0 {
            super::clock::wall_clock_into(s, cfg.wall_clock, when.wall.unwrap_or_else(SystemTime::now));
        }
        decode::line_prefix_into(
            s,
            ((cfg.follow || cfg.pids.len() > 1) && !cfg.per_process_files).then_some(pid),
            cfg.show_tid.then_some(tid),
            cfg.since_start.then(|| self.start.elapsed()),
            if cfg.in_call { Some(in_call.unwrap_or_default()) } else { None },
        );
    }

    /// The line buffer, empty: lines are built in one reused String.
    fn take_line(&mut self) -> String {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        line
    }

    fn put_line(&mut self, pid: i32, line: String) {
        self.out.line_for(pid, &line);
        self.line = line;
    }

    fn text_line(&mut self, pid: i32, tid: i32, in_call: Option<Duration>, text: &str) {
        let mut line = self.take_line();
        let when = LineTime { start: Some(Instant::now()), wall: Some(SystemTime::now()) };
        self.prefix_into(&mut line, pid, tid, in_call, when);
        line.push_str(text);
        self.put_line(pid, line);
    }

    fn json_line(&mut self, pid: i32, o: json::Object) {
        let o = if self.cfg.since_start || self.cfg.wall_clock > 0 { o.seconds("time", self.start.elapsed()) } else { o };
        self.out.line_for(pid, &o.finish());
    }

    fn summary_table(&self) -> String {
        self.summary.render_sorted(summary_sort(self.cfg.sort_by))
    }

    /// `-p` and a fatal signal (or an output nobody reads any more): stop
    /// every traced process with SIGSTOP (the handler already sent one
    /// attached process its own), take that stop (forwarding any other
    /// signal met on the way) and detach with no signal, so the SIGSTOP is
    /// discarded and the process runs on as before. Children met meanwhile
    /// (their first stop is already a stop) are detached at once. Calls in
    /// progress are printed without their return part. `first` is a stop
    /// already collected.
    fn detach_all(&mut self, first: Option<Pid>) {
        self.flush_unfinished();
        let stopped = STOP_SENT.load(Ordering::SeqCst);
        for pid in self.tracer.traced() {
            if pid.0 != stopped {
                let _ = sys::kill(pid.0, libc::SIGSTOP);
            }
        }
        if let Some(pid) = first {
            self.detach_step(pid);
        }
        while !self.tracer.traced().is_empty() {
            match self.tracer.wait(-1, WaitOptions::BLOCK) {
                Ok(Some((pid, WaitStatus::Stopped(_)))) => self.detach_step(pid),
                Ok(Some((pid, _))) if Some(pid.0) == self.reader => self.reader = None,
                Ok(Some((pid, st @ (WaitStatus::Exited(_) | WaitStatus::Signaled { .. })))) => self.on_gone(pid, st),
                Ok(_) => {}
                Err(e) if e.errno() == Errno::EINTR => {}
                Err(_) => break,
            }
        }
        self.pending.clear();
        if self.out.failed() {
            self.write_failed = true;
        }
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

/// `--summary-sort-by`'s order for the `-c`/`-C` table.
pub(super) fn summary_sort(by: SortBy) -> decode::summary::Sort {
    match by {
        SortBy::Name => decode::summary::Sort::Name,
        SortBy::Time => decode::summary::Sort::Time,
        SortBy::Calls => decode::summary::Sort::Calls,
        SortBy::Errors => decode::summary::Sort::Errors,
        SortBy::Nothing => decode::summary::Sort::Nothing,
    }
}

/// When a line's call began, for `-r` and `-t`.
#[derive(Clone, Copy)]
struct LineTime {
    start: Option<Instant>,
    wall: Option<SystemTime>,
}

fn exit_code(st: WaitStatus) -> i32 {
    match st {
        WaitStatus::Exited(c) => c,
        WaitStatus::Signaled { sig, .. } => 128 + sig,
        _ => 1,
    }
}
