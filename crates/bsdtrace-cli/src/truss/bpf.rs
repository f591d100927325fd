//! `truss --bpf`: the same trace, recorded in the kernel by BPF programs
//! ([`bsdtrace_bpf`]) instead of ptrace stops; the program never stops.
//!
//! The records carry what a stopped process would have shown: argument
//! registers, results, and the memory the arguments point at, copied by
//! the kernel at entry (in-arguments) and exit (out-arguments). They are
//! decoded by the same decoder as the ptrace driver ([`super::decode`]),
//! through a [`Memory`] that reads those copies, and printed in the same
//! format, so the two drivers' lines differ only where the trace itself
//! does (a ptrace stop interrupts sleeping threads: ERESTART lines that
//! BPF never sees).
//!
//! What BPF cannot do (stop the program, change a call, read /proc or the
//! stack while a call is stopped: `-e inject=`, `-k`, `-y`, `-P`, `-u`) is
//! refused up front and the trace runs on ptrace instead, with a message
//! ([`ptrace_only`]). Every other option is honoured here, from the
//! records' own timestamps (`-d`, `-D`, `-r`, `-t`, `-T`, `-c`, `-C`).
//!
//! A full ring buffer loses records; every loss is reported: a
//! `<N events lost>` line in the thread's place in the trace (or at the
//! end), a count on stderr, and exit status [`LOST_STATUS`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, SystemTime};

use bsdtrace::sys::{self, TidMap};
use bsdtrace::Errno;
use bsdtrace_bpf::{Capture, Hooks, Kind, Options, Record, Session, Target};

use super::args::Config;
use super::decode::filter::{Quiet, Status};
use super::decode::signal::{format_signal, SigInfo};
use super::decode::summary::Summary;
use super::decode::{self, json, Completed, EntryState, Outcome};
use super::output::{Output, Target as OutTarget};

mod mem;
use mem::{InBlobs, Pending};

/// truss's exit status when records were lost (the trace is incomplete);
/// the command's own end is in its `process exit` line.
pub const LOST_STATUS: i32 = 3;

/// The signal (SIGINT, SIGTERM, SIGQUIT) that ended an attached trace.
static STOP: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_stop_signal(sig: libc::c_int) {
    STOP.store(sig, Ordering::SeqCst);
}

/// Why this command line needs ptrace, if it does: each of these options
/// stops the call to change it, or reads what only a stopped thread shows.
pub fn ptrace_only(cfg: &Config) -> Option<&'static str> {
    if !cfg.filter.inject.is_empty() {
        return Some("-e inject= and -e fault= change calls, which only a stopped thread allows");
    }
    if cfg.stack {
        return Some("-k unwinds each thread's stack while its call is stopped");
    }
    if cfg.fd_paths > 0 {
        return Some("-y reads each descriptor's path while the call is stopped");
    }
    if !cfg.paths.is_empty() {
        return Some("-P reads the paths behind descriptors while the call is stopped");
    }
    if cfg.user.is_some() {
        return Some("-u starts the command through a helper that only the ptrace driver leaves out of the trace");
    }
    None
}

/// When a line's event happened: `start` (a call's entry, for `-r` and
/// `-t`) and `now` (the record printed, for `-d`), CLOCK_MONOTONIC ns.
#[derive(Clone, Copy)]
struct LineTime {
    start: u64,
    now: u64,
}

impl LineTime {
    fn at(ts: u64) -> LineTime {
        LineTime { start: ts, now: ts }
    }
}

struct Driver<'a> {
    cfg: &'a Config,
    out: Output,
    /// Each thread's slot: its call in progress, if `busy`.
    pending: TidMap<Pending>,
    /// Threads whose last call was an i386 one (for `<runs in 32 bit mode>`).
    thirty_two: TidMap<()>,
    summary: Summary,
    /// CLOCK_MONOTONIC at the start (`-d`), and CLOCK_REALTIME minus
    /// CLOCK_MONOTONIC (`-t`), in ns: records carry monotonic times.
    t0: u64,
    real_offset: i128,
    /// `-r`: when the previous line's call started.
    last_line: Option<u64>,
    root: i32,
    /// The root never reached its exec: (wait status).
    exec_failed: Option<i32>,
    lost: u64,
    lost_by_tid: HashMap<i32, u64>,
    /// Reused buffers: the line being printed, and a call's text.
    line: String,
    call: String,
}

/// Runs the trace `cfg` asks for with BPF; returns truss's exit status.
pub fn run(cfg: &Config, prog: &str) -> i32 {
    let attach = cfg.attach();
    if cfg.pids.contains(&sys::getpid()) {
        eprintln!("{prog}: attempt to grab self.");
        return 2;
    }
    decode::print::set_styles(&cfg.decode);
    // As the ptrace driver: an attached trace ends at these; a spawned
    // command gets them from the terminal and truss waits for its end (one
    // ignored when truss started stays ignored, for the command too).
    let sigs: Vec<i32> =
        [libc::SIGINT, libc::SIGTERM, libc::SIGQUIT].into_iter().filter(|&s| attach || !sys::is_ignored(s)).collect();
    let _ = sys::catch_signals(&sigs, on_stop_signal);
    let out = match Output::open(&cfg.output, attach, cfg.per_process_files, prog) {
        Ok(o) => o,
        Err(e) => {
            let what = match &cfg.output {
                OutTarget::Stderr => "stderr".to_string(),
                OutTarget::File(p) => p.display().to_string(),
                OutTarget::Pipe(c) => format!("|{c}"),
            };
            eprintln!("{prog}: cannot open {what}: {}", bsdtrace::error::io_message(&e));
            return 1;
        }
    };
    // As the ptrace driver: a process that cannot be traced is reported
    // and the others are traced.
    let mut pids = Vec::with_capacity(cfg.pids.len());
    for &pid in &cfg.pids {
        match sys::kill(pid, 0) {
            Err(e) if e == Errno::ESRCH => eprintln!("{prog}: can not attach to target process {pid}: {e}"),
            _ => pids.push(pid),
        }
    }
    if attach && pids.is_empty() {
        return 1;
    }
    let tracepoints = std::env::var_os("BSDTRACE_BPF_TRACEPOINTS");
    let opts = Options {
        follow: cfg.follow,
        syscalls: cfg.filtered.then(|| cfg.filter.trace.iter().collect()),
        // The i386 calls whose x86-64 twin is in the set; socketcall and
        // ipc always (their sub-call is told apart here).
        syscalls_i386: cfg.filtered.then(|| {
            bsdtrace::sysent::TABLE_I386
                .iter()
                .filter(|s| matches!(s.number, 102 | 117) || decode::x86_64_key(s.number).is_some_and(|k| cfg.filter.trace.contains(k)))
                .map(|s| s.number)
                .collect()
        }),
        capture: Capture {
            strsize: cfg.decode.strsize,
            argv: cfg.decode.show_argv,
            env: cfg.decode.show_env,
            nothing: cfg.count,
        },
        // A filtered trace records little: a small ring is quicker to set up.
        ring_bytes: cfg.bpf_ring.unwrap_or(if cfg.filtered { 2 << 20 } else { 16 << 20 }),
        // (bench/bpf-filtered.sh compares the hooks: this forces the
        // raw_syscalls tracepoints for a filtered trace, or with the value
        // `syscalls` the chosen syscalls' own tracepoints, as where the
        // kernel refuses fentry; the tests of a filtered trace's end use it.)
        tracepoints_only: tracepoints.as_ref().is_some_and(|v| v != "syscalls"),
        no_fentry: tracepoints.as_ref().is_some_and(|v| v == "syscalls"),
        keep_up: true,
        env: (!cfg.env.is_empty()).then(|| super::trace::command_env(&cfg.env)),
        // truss's end (and its exit status) need not wait for the kernel
        // to unregister the per-syscall tracepoints.
        detach_in_background: true,
        // The decoder reads a call's own arguments (its row's kinds) but
        // for the calls it decodes specially, and rt_sigreturn's signal
        // frame at the stack pointer (argument 0).
        all_args: |nr| nr == 15 || decode::special::is_special(nr),
    };
    let argv: Vec<String> = cfg.command.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let target = if attach { Target::Attach(&pids) } else { Target::Spawn(&argv) };
    let t0 = bsdtrace_bpf::sys::monotonic_ns();
    let real_offset = i128::from(bsdtrace_bpf::sys::realtime_ns()) - i128::from(t0);
    let mut session = match Session::start(&opts, target) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{prog}: --bpf: {e}");
            return 1;
        }
    };
    // Without a note, fentry was not tried: too many syscalls for its
    // slots, or one has no kernel function to hook (or it was asked for).
    let many = opts.syscalls.as_ref().is_some_and(|s| s.len() > bsdtrace_bpf::SLOTS);
    if let Hooks::SyscallEvents(_) = session.hooks() {
        let why = if session.note().is_some() {
            "the kernel refuses fentry"
        } else if opts.no_fentry {
            "BSDTRACE_BPF_TRACEPOINTS=syscalls"
        } else if many {
            "more syscalls than fentry slots"
        } else {
            "a chosen syscall has no kernel function to hook"
        };
        eprintln!(
            "{prog}: --bpf: filtering on the chosen syscalls' own tracepoints ({why}): every syscall of every \
             process takes the slow path meanwhile (the others only test a bitmap there)"
        );
    }
    if cfg.filtered && session.hooks() == Hooks::Tracepoints {
        let why = match session.note() {
            Some(n) => n.to_string(),
            None if opts.tracepoints_only => "BSDTRACE_BPF_TRACEPOINTS".to_string(),
            None if opts.no_fentry => "BSDTRACE_BPF_TRACEPOINTS=syscalls, and a chosen syscall has no tracepoint of its own".to_string(),
            None if many => "more syscalls than fentry slots, and a chosen syscall has no tracepoint of its own".to_string(),
            None => "a chosen syscall has no kernel function or tracepoint of its own".to_string(),
        };
        eprintln!(
            "{prog}: --bpf: filtering on the raw_syscalls tracepoints ({why}): every syscall of every process \
             takes the slow path meanwhile; without --bpf, a seccomp filter keeps the other syscalls free"
        );
    }
    let mut d = Driver {
        cfg,
        out,
        pending: TidMap::default(),
        thirty_two: TidMap::default(),
        summary: Summary::new(),
        t0,
        real_offset,
        last_line: None,
        root: session.root(),
        exec_failed: None,
        lost: 0,
        lost_by_tid: HashMap::new(),
        line: String::new(),
        call: String::new(),
    };
    let mut root_status = None;
    let mut idle = 0u32;
    let mut detached = false;
    loop {
        // Attached, a signal or an output nobody reads ends the trace; a
        // command runs on to its end (its lines are dropped).
        if attach && (STOP.load(Ordering::SeqCst) != 0 || d.out.failed()) {
            detached = true;
            break;
        }
        if let Err(e) = session.poll(Duration::from_millis(1)) {
            eprintln!("{prog}: --bpf: {e}");
            break;
        }
        // Each record is decoded as it leaves the reordering window.
        let n = session.drain(false, |r| d.on_event(r));
        idle = if n == 0 { idle + 1 } else { 0 };
        if session.live().is_empty() {
            break;
        }
        // A process whose exit record was lost must not keep truss
        // waiting: every 100 idle polls, look for the processes it follows.
        if idle % 100 == 99 {
            for pid in session.live().clone() {
                let gone = if pid == d.root && session.spawned() {
                    match sys::wait4(pid, libc::WNOHANG) {
                        Ok(Some((_, st))) => {
                            root_status = Some(st);
                            true
                        }
                        _ => false,
                    }
                } else {
                    sys::kill(pid, 0).is_err()
                };
                if gone {
                    session.forget(pid);
                }
            }
            if session.live().is_empty() {
                break;
            }
        }
    }
    // Whatever is still in the ring, in order.
    let _ = session.poll(Duration::ZERO);
    session.drain(true, |r| d.on_event(r));
    d.lost = session.lost_total();
    for (tid, n) in session.lost_unreported() {
        d.lost_line(tid, tid, n);
    }
    // Calls still in progress: unfinished (the process ended in them, or
    // the trace stopped while they ran: strace's "detached").
    let mut tids: Vec<i32> = d.pending.iter().filter(|(_, p)| p.busy).map(|(t, _)| *t).collect();
    tids.sort_unstable();
    for t in tids {
        d.end_pending(t, !detached || cfg.filter.status.contains(Status::DETACHED));
    }
    if cfg.count || cfg.count_too {
        let table = d.summary.render_sorted(super::trace::summary_sort(cfg.sort_by));
        d.out.raw(&table);
    }
    let written = d.out.finish();
    if session.malformed() > 0 {
        eprintln!("{prog}: --bpf: {} records could not be read", session.malformed());
    }
    let spawned = session.spawned();
    drop(session);
    if spawned && root_status.is_none() {
        root_status = match sys::wait4(d.root, 0) {
            Ok(Some((_, st))) => Some(st),
            _ => None,
        };
    }
    if let Some(st) = d.exec_failed {
        let code = (st >> 8) & 0xff;
        let why = if code == 127 { "No such file or directory" } else { "cannot execute" };
        eprintln!("{prog}: execvp {}: {why}", cfg.command[0].to_string_lossy());
        return code;
    }
    if d.lost > 0 {
        let mut by: Vec<(i32, u64)> = d.lost_by_tid.iter().map(|(t, n)| (*t, *n)).collect();
        by.sort_unstable();
        let list: Vec<String> = by.iter().map(|(t, n)| format!("{n} of thread {t}")).collect();
        eprintln!(
            "{prog}: --bpf: {} events lost (the ring buffer was full): {}; try a larger --bpf-ring",
            d.lost,
            list.join(", ")
        );
        return LOST_STATUS;
    }
    if !written {
        return 1;
    }
    if attach {
        return 0;
    }
    match root_status {
        Some(st) if st & 0x7f == 0 => (st >> 8) & 0xff,
        Some(st) => 128 + (st & 0x7f),
        None => 1,
    }
}

impl Driver<'_> {
    /// Whether event lines (new process, thread, signal) are printed.
    fn lines(&self) -> bool {
        !self.cfg.count
    }

    /// One record, in its place in the trace. It is read in place (the
    /// session keeps it until the next drain): what is kept past this call
    /// is copied out of it.
    fn on_event(&mut self, r: Record<'_>) {
        let lost_before = r.lost_before();
        let (pid, tid, ts) = (r.pid(), r.tid(), r.ts());
        if lost_before > 0 {
            self.lost_line(pid, tid, u64::from(lost_before));
        }
        let cfg = self.cfg;
        match r.kind() {
            Kind::Enter { nr, i386, args, mem } => {
                // (Most traces have no i386 call: no lookup then.)
                if i386 != (!self.thirty_two.is_empty() && self.thirty_two.contains_key(&tid)) {
                    if i386 {
                        self.thirty_two.insert(tid, ());
                    } else {
                        self.thirty_two.remove(&tid);
                    }
                    if !cfg.json && self.lines() {
                        let arch = if i386 { bsdtrace::sysent::Arch::I386 } else { bsdtrace::sysent::Arch::X86_64 };
                        self.text_line(pid, tid, LineTime::at(ts), None, decode::mode_line(arch));
                    }
                }
                // The sets of -e are of x86-64 numbers: an i386 call by its
                // x86-64 twin; one x86-64 lacks unless -e trace= chose calls.
                let traced = if i386 {
                    decode::x86_64_key_of_call(nr, &args).map_or(!cfg.filtered, |k| cfg.filter.trace.contains(k))
                } else {
                    cfg.filter.trace.contains(nr)
                };
                if !traced {
                    return;
                }
                // The thread's slot is rewritten in place: a call still in
                // it lost its exit record (or never returned).
                if self.pending.get(&tid).is_some_and(|p| p.busy) {
                    self.end_pending(tid, !cfg.filter.quiet.contains(Quiet::SUPERSEDED));
                }
                let p = self.pending.entry(tid).or_default();
                *p = Pending { busy: true, pid, nr, i386, args, decode: !cfg.count, mem: std::mem::take(&mut p.mem), ts };
                if p.decode {
                    p.mem.keep(&mem);
                }
            }
            Kind::Exit { nr, i386, ret, mem, late } => {
                let Some(p) = self.pending.get_mut(&tid).filter(|p| p.busy) else { return };
                // An i386 sigreturn's exit says rt_sigreturn (173); an
                // execve that changed the program's ABI returns in the new
                // one's (the call's number in the new table).
                let arch = |x| if x { bsdtrace::sysent::Arch::I386 } else { bsdtrace::sysent::Arch::X86_64 };
                let exec = p.i386 != i386 && arch(p.i386).is_exec(u64::from(p.nr)) && arch(i386).is_exec(u64::from(nr));
                let same = (p.nr == nr && p.i386 == i386) || (i386 && p.i386 && nr == 173 && p.nr == 119) || exec;
                if !same {
                    // Its exit record was lost: the call is shown unfinished.
                    self.end_pending(tid, true);
                    return;
                }
                p.busy = false;
                let p_ts = p.ts;
                let in_call = Duration::from_nanos(ts.saturating_sub(p_ts));
                // -ERESTARTSYS .. -ERESTART_RESTARTBLOCK: interrupted, to be restarted.
                let restart = (-516..=-512).contains(&ret);
                let outcome = if restart { Outcome::Error(libc::EINTR) } else { Outcome::from_raw(ret as u64) };
                let failed = restart || outcome.is_error();
                let wanted = if failed { Status::FAILED } else { Status::SUCCESSFUL };
                if !cfg.filter.status.contains(wanted) {
                    return;
                }
                let when = LineTime { start: p_ts, now: ts };
                // Most calls: decoded straight into the line, both halves'
                // memory at hand (no argument kept as a String).
                if p.decode && !p.i386 && !cfg.json {
                    let parts = [p.mem.blobs(), late];
                    let (number, mut call) = (p.nr, std::mem::take(&mut self.call));
                    call.clear();
                    let row = decode::call_into(&mut call, &cfg.decode, p.nr, p.args, &InBlobs(&parts), outcome, &InBlobs(&[mem]));
                    if let Some(sc) = row {
                        if cfg.count_too {
                            self.summary.record(sc.name, in_call, failed);
                        }
                        self.print_text_call(pid, tid, when, number, &call, Some(outcome), None, restart, in_call);
                    }
                    self.call = call;
                    if row.is_some() {
                        return;
                    }
                }
                let p = &self.pending[&tid];
                let Some(entry) = p.entry(&cfg.decode, Some(late)) else {
                    let name = if i386 { decode::call_name(nr, &p.args) } else { bsdtrace::sysent::Arch::X86_64.name(nr) };
                    let name = name.map_or_else(|| format!("syscall_{nr}"), str::to_string);
                    self.summary.record(&name, in_call, failed);
                    return;
                };
                if cfg.count_too {
                    self.summary.record(&entry.name(), in_call, failed);
                }
                let banner = entry.unknown_banner();
                let c = entry.finish(&cfg.decode, outcome, &InBlobs(&[mem]));
                if let Some(b) = banner {
                    self.text_line(pid, tid, LineTime::at(ts), None, &b);
                }
                self.print_call(pid, tid, when, c, restart, in_call);
            }
            Kind::Start => {}
            Kind::NewProcess { parent } => {
                if !self.lines() {
                    return;
                }
                if cfg.json {
                    self.json_line(pid, ts, json::new_process(pid, parent));
                } else if !cfg.per_process_files {
                    self.text_line(pid, tid, LineTime::at(ts), None, decode::new_process_line());
                }
            }
            Kind::NewThread => {
                if !self.lines() {
                    return;
                }
                if cfg.json {
                    self.json_line(pid, ts, json::new_thread(pid, tid));
                } else {
                    self.text_line(pid, tid, LineTime::at(ts), None, &decode::new_thread_line(tid));
                }
            }
            Kind::Exec { old_tid } => self.on_exec(pid, tid, old_tid),
            Kind::ThreadExit => {
                self.thirty_two.remove(&tid);
                self.end_pending(tid, true);
                self.pending.remove(&tid);
                if !self.lines() {
                    return;
                }
                if cfg.json {
                    self.json_line(pid, ts, json::thread_exited(pid, tid));
                } else {
                    self.text_line(pid, tid, LineTime::at(ts), None, &decode::thread_exited_line(tid));
                }
            }
            Kind::ProcessExit { status, before_exec } => {
                if before_exec && pid == self.root {
                    self.exec_failed = Some(status);
                    return;
                }
                let mut tids: Vec<i32> = self.pending.iter().filter(|(_, p)| p.busy && p.pid == pid).map(|(t, _)| *t).collect();
                tids.sort_unstable();
                for t in tids {
                    self.end_pending(t, true);
                }
                // The process's threads are gone: their slots too.
                self.pending.retain(|_, p| p.busy || p.pid != pid);
                if self.lines() && !cfg.filter.quiet.contains(Quiet::EXIT) {
                    let (sig, core) = (status & 0x7f, status & 0x80 != 0);
                    if cfg.json {
                        let o =
                            if sig == 0 { json::exit(pid, (status >> 8) & 0xff) } else { json::killed(pid, sig as u32, core) };
                        self.json_line(pid, ts, o);
                    } else {
                        let text = if sig == 0 {
                            decode::exit_line((status >> 8) & 0xff)
                        } else {
                            decode::killed_line(sig as u32, core)
                        };
                        self.text_line(pid, pid, LineTime::at(ts), Some(Duration::ZERO), &text);
                    }
                }
                self.out.flush();
                self.out.close_process(pid);
            }
            Kind::Signal { sig, siginfo } => {
                if !self.lines() || cfg.hide_signals || !cfg.filter.signals.contains(sig as u32) {
                    return;
                }
                let mut raw = [0u8; 128];
                raw[..48].copy_from_slice(&siginfo[..]);
                let mut si = SigInfo::from_bytes(&raw).unwrap_or_default();
                if si.signo == 0 {
                    si = SigInfo { signo: sig as u32, ..SigInfo::default() };
                }
                if cfg.json {
                    self.json_line(pid, ts, json::signal(pid, tid, &si));
                } else {
                    self.text_line(pid, tid, LineTime::at(ts), Some(Duration::ZERO), &format_signal(&si));
                }
                self.out.flush();
            }
        }
    }

    /// As the ptrace driver: an exec by a non-leader thread takes the
    /// process id over, with its pending execve; every other thread of the
    /// process is gone, mid-call.
    fn on_exec(&mut self, pid: i32, tid: i32, old_tid: i32) {
        if old_tid != tid {
            if let Some(p) = self.pending.remove(&old_tid).filter(|p| p.busy) {
                self.end_pending(tid, true);
                self.pending.insert(tid, p);
            }
        }
        let mut gone: Vec<i32> =
            self.pending.iter().filter(|(t, p)| p.busy && p.pid == pid && **t != tid).map(|(t, _)| *t).collect();
        gone.sort_unstable();
        for t in gone {
            self.end_pending(t, true);
        }
        self.pending.retain(|t, p| p.pid != pid || *t == tid);
    }

    /// Ends thread `tid`'s call in progress, if it has one, printed
    /// unfinished when `print`.
    fn end_pending(&mut self, tid: i32, print: bool) {
        let cfg = self.cfg;
        let Some(p) = self.pending.get_mut(&tid).filter(|p| p.busy) else { return };
        p.busy = false;
        if !print || !cfg.filter.status.contains(Status::UNFINISHED) {
            return;
        }
        let (pid, ts) = (p.pid, p.ts);
        if let Some(entry) = p.entry(&cfg.decode, None) {
            self.print_unfinished(pid, tid, ts, entry);
        }
    }

    /// `pid` is the thread's process when the record said, else `tid`.
    fn lost_line(&mut self, pid: i32, tid: i32, n: u64) {
        *self.lost_by_tid.entry(tid).or_default() += n;
        if self.cfg.json {
            let o = json::Object::new().str("type", "lost").int("pid", i64::from(pid)).int("tid", i64::from(tid)).uint("count", n);
            self.out.line_for(pid, &o.finish());
        } else {
            let line = format!("<{n} events of thread {tid} lost>");
            self.text_line(pid, tid, LineTime::at(0), None, &line);
        }
    }

    /// A call that never returned (exit, exit_group, a thread that died
    /// in it, a lost exit record): the call without a return part.
    fn print_unfinished(&mut self, pid: i32, tid: i32, ts: u64, entry: EntryState) {
        let c = entry.unfinished();
        if self.cfg.json {
            let o = json::syscall(pid, tid, &c, None);
            self.json_line(pid, ts, o);
        } else {
            let mut line = self.take_line();
            self.prefix_into(&mut line, pid, tid, LineTime::at(ts), None);
            self.number_into(&mut line, c.number);
            c.line_into(&mut line);
            self.put_line(pid, line);
        }
    }

    fn print_call(&mut self, pid: i32, tid: i32, when: LineTime, c: Completed, restart: bool, in_call: Duration) {
        let cfg = self.cfg;
        if cfg.json {
            let mut o = json::syscall(pid, tid, &c, (cfg.in_call || cfg.trailing_time).then_some(in_call));
            if restart {
                o = o.bool("restart", true);
            }
            self.json_line(pid, when.now, o);
            return;
        }
        let mut call = std::mem::take(&mut self.call);
        call.clear();
        c.call_into(&mut call);
        self.print_text_call(pid, tid, when, c.number, &call, c.outcome, c.note.as_deref(), restart, in_call);
        self.call = call;
    }

    /// A call's line: `call` (`name(args)`), then its return part.
    #[allow(clippy::too_many_arguments)]
    fn print_text_call(
        &mut self,
        pid: i32,
        tid: i32,
        when: LineTime,
        number: u32,
        call: &str,
        outcome: Option<Outcome>,
        note: Option<&str>,
        restart: bool,
        in_call: Duration,
    ) {
        let cfg = self.cfg;
        let mut line = self.take_line();
        self.prefix_into(&mut line, pid, tid, when, Some(in_call));
        self.number_into(&mut line, number);
        line.push_str(call);
        line.push_str(decode::padding(line.len()));
        match outcome {
            _ if restart => line.push_str(" ERESTART"),
            Some(Outcome::Value(v)) => decode::render_value_note(&mut line, v, note, &cfg.decode),
            Some(o @ Outcome::Error(_)) => decode::render_error(&mut line, o, &cfg.decode),
            None => {}
        }
        if cfg.trailing_time {
            let _ = write!(line, " <{}.{:06}>", in_call.as_secs(), in_call.subsec_micros());
        }
        self.put_line(pid, line);
    }

    /// `-n`: `[ 257] `.
    fn number_into(&self, s: &mut String, number: u32) {
        if self.cfg.syscall_numbers {
            let _ = write!(s, "[{number:>4}] ");
        }
    }

    /// The ptrace driver's prefix (`-r`, `-t`, then pid, tid, `-d`, `-D`),
    /// with the records' times.
    fn prefix_into(&mut self, s: &mut String, pid: i32, tid: i32, when: LineTime, in_call: Option<Duration>) {
        let cfg = self.cfg;
        if cfg.relative {
            let d = self.last_line.map_or(0, |prev| when.start.saturating_sub(prev));
            self.last_line = Some(when.start);
            let d = Duration::from_nanos(d);
            let _ = write!(s, "{:>6}.{:06} ", d.as_secs(), d.subsec_micros());
        }
        if cfg.wall_clock > 0 {
            super::clock::wall_clock_into(s, cfg.wall_clock, self.wall(when.start));
        }
        decode::line_prefix_into(
            s,
            ((cfg.follow || cfg.pids.len() > 1) && !cfg.per_process_files).then_some(pid),
            cfg.show_tid.then_some(tid),
            cfg.since_start.then(|| Duration::from_nanos(when.now.saturating_sub(self.t0))),
            if cfg.in_call { Some(in_call.unwrap_or_default()) } else { None },
        );
    }

    /// A record's CLOCK_MONOTONIC time on the wall clock.
    fn wall(&self, ts: u64) -> SystemTime {
        let real = (i128::from(ts) + self.real_offset).max(0) as u64;
        SystemTime::UNIX_EPOCH + Duration::from_nanos(real)
    }

    fn take_line(&mut self) -> String {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        line
    }

    fn put_line(&mut self, pid: i32, line: String) {
        self.out.line_for(pid, &line);
        self.line = line;
    }

    fn text_line(&mut self, pid: i32, tid: i32, when: LineTime, in_call: Option<Duration>, text: &str) {
        let mut line = self.take_line();
        self.prefix_into(&mut line, pid, tid, when, in_call);
        line.push_str(text);
        self.put_line(pid, line);
    }

    fn json_line(&mut self, pid: i32, ts: u64, o: json::Object) {
        let o = if self.cfg.since_start || self.cfg.wall_clock > 0 {
            o.seconds("time", Duration::from_nanos(ts.saturating_sub(self.t0)))
        } else {
            o
        };
        self.out.line_for(pid, &o.finish());
    }
}

#[cfg(test)]
mod tests {
    use bsdtrace::sysent::TABLE;

    /// The kernel copies out-arguments at exit exactly when the decoder
    /// prints them at exit.
    #[test]
    fn the_capture_plan_and_the_decoder_agree_on_out_arguments() {
        for sc in TABLE {
            for &a in sc.args {
                assert_eq!(bsdtrace_bpf::plan::is_out(a), super::super::decode::print::is_out(a), "{} {a:?}", sc.name);
            }
        }
    }
}
