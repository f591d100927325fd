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
            if target > 0 && stop_leader(target) {
                STOP_SENT.store(target, Ordering::SeqCst);
                break;
            }
        }
    }
}

/// Send `pid`'s leader thread the SIGSTOP that wakes a detach (async-
/// signal-safe). Thread-directed, so that the thread it wakes is the one
/// that takes it: a process-directed signal wakes one thread (its
/// epoll_wait & co. then return EINTR) and may be taken by another, and
/// the woken thread's EINTR, with no signal of its own behind it, reached
/// the program (1 to 5 EINTRs in 12 `truss -p` detaches of `busy
/// sleepers 20`, always in the thread the kernel chose to wake). A zombie
/// leader whose threads live on never takes it: the detach then starts at
/// the wait's EINTR, which only a signal that came just before truss
/// entered its wait misses.
fn stop_leader(pid: i32) -> bool {
    sys::tgkill(pid, pid, libc::SIGSTOP).is_ok() || sys::kill(pid, libc::SIGSTOP).is_ok()
}

use bsdtrace::sys::TidMap;

mod detach;

mod lines;

mod syscalls;

/// A syscall between its entry and its exit.
struct Pending {
    pid: i32,
    /// The decoded in-arguments; `None` with `-c`, which needs no decoding,
    /// and for a call that is not shown (only injected into).
    /// Boxed: the map of pending calls moves a `Pending` at every entry
    /// and exit, and most calls have none ([`Pending::at_exit`]).
    entry: Option<Box<EntryState>>,
    /// Instead of `entry`, a call decoded at its exit alone
    /// ([`decode::decodes_at_exit`]): its number and argument registers.
    at_exit: Option<(u32, [u64; 6])>,
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
        // One ignored when truss started stays ignored, for the command
        // too, as under strace (truss run as a background job of a script,
        // whose SIGINT and SIGQUIT are ignored: the command's shell saw
        // them as default and its trace differed from strace's).
        // SIGPIPE stays ignored (Rust's start-up default): a closed output
        // is a write error, reported, not a silent death.
        let sigs: Vec<i32> = [libc::SIGINT, libc::SIGTERM, libc::SIGQUIT].into_iter().filter(|&s| !sys::is_ignored(s)).collect();
        let _ = sys::catch_signals(&sigs, on_fatal_signal);
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
