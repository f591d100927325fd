//! `bsdtrace procstat` (and `pargs`, `penv`, `pwdx`): FreeBSD's procstat(1)
//! on Linux, reading /proc through `bsdtrace::sys::procfs_stat`.
//!
//! Interface, column layouts and widths are FreeBSD's (usr.bin/procstat):
//! the legacy flags (`-b -c -e -f -i -j -k -l -r -s -S -t -v -x`), the word
//! commands with FreeBSD's plural/prefix matching, `-h`, `-w`, `-a`, the
//! header printed once, usage exiting 64 (EX_USAGE). Each table's values
//! come from the Linux source named in docs/procstat.md; where Linux has no
//! equivalent the column holds FreeBSD's "no value" (`-` or 0) and the
//! manual says so. This file only formats: parsing /proc lives in the
//! library.

use bsdtrace::sys::procfs;
use bsdtrace::sys::procfs_stat::{self as ps, FileKind, OpenFile, SocketInfo, Stat};
use bsdtrace::Errno;
use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;

const EX_USAGE: i32 = 64;

const MANUAL: &str = include_str!("procstat.1.txt");

/// procstat's commands, in FreeBSD's table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Advlock,
    Arguments,
    Auxv,
    Basic,
    Binary,
    Cpuset,
    Credentials,
    Environment,
    Files,
    Kqueue,
    Kstack,
    Pargs,
    Penv,
    Ptlwpinfo,
    Pwdx,
    Rlimit,
    Rlimitusage,
    Rusage,
    Sigfastblock,
    Signals,
    Threads,
    Tsignals,
    Vm,
}

const PLURAL: u8 = 1;
const SUBSTR: u8 = 2;

/// (word, command, match flags, options the word takes) — usr.bin/procstat's
/// cmd_table, plus the newer kqueue and rlimitusage.
const CMD_TABLE: &[(&str, Cmd, u8, &str)] = &[
    ("advlock", Cmd::Advlock, PLURAL | SUBSTR, ""),
    ("argument", Cmd::Arguments, PLURAL | SUBSTR, ""),
    ("auxv", Cmd::Auxv, 0, ""),
    ("basic", Cmd::Basic, 0, ""),
    ("binary", Cmd::Binary, SUBSTR, ""),
    ("cpuset", Cmd::Cpuset, 0, ""),
    ("cs", Cmd::Cpuset, 0, ""),
    ("credential", Cmd::Credentials, PLURAL | SUBSTR, ""),
    ("environment", Cmd::Environment, SUBSTR, ""),
    ("fd", Cmd::Files, PLURAL, "C"),
    ("file", Cmd::Files, PLURAL, "C"),
    ("kqueue", Cmd::Kqueue, PLURAL, ""),
    ("kstack", Cmd::Kstack, 0, "v"),
    ("pargs", Cmd::Pargs, 0, ""),
    ("penv", Cmd::Penv, 0, ""),
    ("ptlwpinfo", Cmd::Ptlwpinfo, 0, ""),
    ("pwdx", Cmd::Pwdx, 0, ""),
    ("rlimit", Cmd::Rlimit, 0, ""),
    ("rlimitusage", Cmd::Rlimitusage, 0, ""),
    ("rusage", Cmd::Rusage, 0, "Ht"),
    ("sigfastblock", Cmd::Sigfastblock, 0, ""),
    ("signal", Cmd::Signals, PLURAL | SUBSTR, "n"),
    ("thread", Cmd::Threads, PLURAL, ""),
    ("tsignal", Cmd::Tsignals, PLURAL | SUBSTR, "n"),
    ("vm", Cmd::Vm, 0, ""),
];

/// FreeBSD's getcmd(): case-insensitive; a trailing "s" for plural words;
/// a prefix match for SUBSTR words until the first match; later exact
/// matches win ("" is "basic").
fn getcmd(s: &str) -> Option<Cmd> {
    if s.is_empty() {
        return Some(Cmd::Basic);
    }
    let s = s.to_ascii_lowercase();
    let l = s.len();
    let plural_s = l > 1 && s.ends_with('s');
    let mut found = None;
    for &(word, cmd, flags, _) in CMD_TABLE {
        let matched = if found.is_none() && flags & SUBSTR != 0 {
            // strncasecmp(str, word, l - (plural && s)): str's first n bytes
            // against word (word shorter than n compares unequal).
            let n = l - usize::from(flags & PLURAL != 0 && plural_s);
            word.len() >= n && s.as_bytes()[..n] == word.as_bytes()[..n]
        } else if flags & PLURAL != 0 && plural_s && l == word.len() + 1 {
            s[..l - 1] == *word
        } else {
            s == word
        };
        if matched {
            found = Some(cmd);
        }
    }
    found
}

fn cmd_opts(cmd: Cmd) -> &'static str {
    CMD_TABLE.iter().find(|e| e.1 == cmd).map(|e| e.3).unwrap_or("")
}

#[derive(Clone, Copy, Debug, Default)]
struct Opts {
    noheader: bool,
    perthread: bool,
    signum: bool,
    verbose: bool,
    caps: bool,
}

struct Prog<'a> {
    name: &'a str,
    /// Invoked as pargs/penv/pwdx: FreeBSD's "compat" mode.
    compat: bool,
}

impl Prog<'_> {
    fn warnx(&self, msg: &str) {
        eprintln!("{}: {msg}", self.name);
    }

    fn usage(&self) -> i32 {
        if self.compat {
            eprintln!("usage: {} pid ...", self.name);
            return EX_USAGE;
        }
        let n = self.name;
        let pad = " ".repeat(n.len());
        eprintln!("usage: {n} [-h] [-w interval] command [pid ...]");
        eprintln!("       {n} -a [-h] [-w interval] command");
        eprintln!("       {n} [-h] [-w interval]");
        eprintln!("       {pad} [-S | -b | -c | -e | -f | -i [-n] | -j [-n] | -k [-k] |");
        eprintln!("       {pad}  -l | -r [-H] | -s | -t | -v | -x] [-a | pid ...]");
        eprintln!("       {n} --help");
        eprintln!("Available commands:");
        let mut i = 0;
        while i < CMD_TABLE.len() {
            let mut line = String::from("       ");
            let multi = i + 1 < CMD_TABLE.len() && CMD_TABLE[i].1 == CMD_TABLE[i + 1].1;
            let word = |e: &(&str, Cmd, u8, &str)| format!("{}{}", e.0, if e.2 & PLURAL != 0 { "(s)" } else { "" });
            if multi {
                line.push('[');
            }
            line.push_str(&word(&CMD_TABLE[i]));
            while i + 1 < CMD_TABLE.len() && CMD_TABLE[i].1 == CMD_TABLE[i + 1].1 {
                i += 1;
                let _ = write!(line, " | {}", word(&CMD_TABLE[i]));
            }
            if multi {
                line.push(']');
            }
            match CMD_TABLE[i].1 {
                c if not_on_linux(c).is_some() => line.push_str(" (not on Linux)"),
                Cmd::Kstack => line.push_str(" [-v]"),
                Cmd::Rusage => line.push_str(" [-Ht]"),
                Cmd::Signals | Cmd::Tsignals => line.push_str(" [-n]"),
                _ => {}
            }
            eprintln!("{line}");
            i += 1;
        }
        EX_USAGE
    }
}

/// getopt(3), BSD style: options end at the first operand or "--".
struct Getopt<'a> {
    args: &'a [String],
    optind: usize,
    pos: usize,
}

enum Opt {
    Flag(char),
    Arg(char, String),
    Bad(String),
}

impl<'a> Getopt<'a> {
    fn new(args: &'a [String]) -> Self {
        Getopt { args, optind: 0, pos: 0 }
    }

    fn next(&mut self, spec: &str) -> Option<Opt> {
        if self.pos == 0 {
            let a = self.args.get(self.optind)?;
            if a == "--" {
                self.optind += 1;
                return None;
            }
            if !a.starts_with('-') || a == "-" {
                return None;
            }
            self.pos = 1;
        }
        let a = &self.args[self.optind];
        let c = a[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        let at_end = self.pos >= a.len();
        let idx = spec.find(c).filter(|_| c != ':');
        let takes_arg = idx.is_some_and(|i| spec[i + 1..].starts_with(':'));
        if idx.is_none() {
            if at_end {
                self.optind += 1;
                self.pos = 0;
            }
            return Some(Opt::Bad(format!("illegal option -- {c}")));
        }
        if !takes_arg {
            if at_end {
                self.optind += 1;
                self.pos = 0;
            }
            return Some(Opt::Flag(c));
        }
        let val = if !at_end {
            a[self.pos..].to_string()
        } else if let Some(v) = self.args.get(self.optind + 1) {
            self.optind += 1;
            v.clone()
        } else {
            self.optind += 1;
            self.pos = 0;
            return Some(Opt::Bad(format!("option requires an argument -- {c}")));
        };
        self.optind += 1;
        self.pos = 0;
        Some(Opt::Arg(c, val))
    }
}

/// strtol(s, &end, 10) and whether it consumed all of `s`.
fn strtol10(s: &str) -> (i64, bool) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = d.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return (0, s.is_empty());
    }
    let v = d[..n].bytes().fold(0i64, |v, c| v.saturating_mul(10).saturating_add((c - b'0') as i64));
    (if neg { -v } else { v }, n == d.len())
}

/// Entry point. `invoked` is the name the user typed (procstat, pargs,
/// penv, pwdx); `prog` prefixes messages. Returns the exit status.
pub fn main(prog: &str, invoked: &str, args: Vec<OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let compat_cmd = match invoked {
        "pargs" => Some(Cmd::Pargs),
        "penv" => Some(Cmd::Penv),
        "pwdx" => Some(Cmd::Pwdx),
        _ => None,
    };
    let p = Prog { name: prog, compat: compat_cmd.is_some() };
    if args.first().is_some_and(|a| a == "--help") {
        print!("{MANUAL}");
        return 0;
    }
    let mut cmd = compat_cmd;
    let mut opts = Opts::default();
    let (mut aflag, mut interval) = (false, 0u64);
    let mut unsupported: Option<&str> = None;
    let mut g = Getopt::new(&args);
    let set = |cmd: &mut Option<Cmd>, new: Cmd| -> bool {
        if cmd.is_some() {
            return false;
        }
        *cmd = Some(new);
        true
    };
    while let Some(o) = g.next("abCcefHhijkLlM:N:nrSstvw:x") {
        let ok = match o {
            Opt::Bad(msg) => {
                p.warnx(&msg);
                false
            }
            Opt::Flag('a') => {
                aflag = true;
                true
            }
            Opt::Flag('b') => set(&mut cmd, Cmd::Binary),
            Opt::Flag('C') => {
                opts.caps = true;
                true
            }
            Opt::Flag('c') => set(&mut cmd, Cmd::Arguments),
            Opt::Flag('e') => set(&mut cmd, Cmd::Environment),
            Opt::Flag('f') => set(&mut cmd, Cmd::Files),
            Opt::Flag('H') => {
                opts.perthread = true;
                true
            }
            Opt::Flag('h') => {
                opts.noheader = true;
                true
            }
            Opt::Flag('i') => set(&mut cmd, Cmd::Signals),
            Opt::Flag('j') => set(&mut cmd, Cmd::Tsignals),
            Opt::Flag('k') => {
                if cmd == Some(Cmd::Kstack) {
                    let first = !opts.verbose;
                    opts.verbose = true;
                    first
                } else {
                    set(&mut cmd, Cmd::Kstack)
                }
            }
            Opt::Flag('L') => set(&mut cmd, Cmd::Ptlwpinfo),
            Opt::Flag('l') => set(&mut cmd, Cmd::Rlimit),
            Opt::Arg('M', _) => {
                unsupported = Some("-M core: kernel memory images are not available on Linux");
                true
            }
            Opt::Arg('N', _) => {
                unsupported = Some("-N system: kernel memory images are not available on Linux");
                true
            }
            Opt::Flag('n') => {
                opts.signum = true;
                true
            }
            Opt::Flag('r') => set(&mut cmd, Cmd::Rusage),
            Opt::Flag('S') => set(&mut cmd, Cmd::Cpuset),
            Opt::Flag('s') => set(&mut cmd, Cmd::Credentials),
            Opt::Flag('t') => set(&mut cmd, Cmd::Threads),
            Opt::Flag('v') => set(&mut cmd, Cmd::Vm),
            Opt::Arg('w', v) => {
                let (l, complete) = strtol10(&v);
                if !complete || !(1..=i32::MAX as i64).contains(&l) {
                    false
                } else {
                    interval = l as u64;
                    true
                }
            }
            Opt::Flag('x') => set(&mut cmd, Cmd::Auxv),
            _ => false,
        };
        if !ok {
            return p.usage();
        }
    }
    let mut rest: Vec<String> = args[g.optind..].to_vec();

    // Without a mode flag, a first operand that names a command is one.
    let word = if cmd.is_none() { rest.first().and_then(|w| getcmd(w)) } else { None };
    let cmd = match (cmd, word) {
        (None, Some(c)) => {
            // Subcommand options belong after the word, not before it.
            if opts.caps || opts.signum || opts.perthread || opts.verbose {
                return p.usage();
            }
            let spec = cmd_opts(c);
            let mut g2 = Getopt::new(&rest[1..]);
            while let Some(o) = g2.next(spec) {
                match o {
                    Opt::Flag('C') => opts.caps = true,
                    Opt::Flag('v') => opts.verbose = true,
                    Opt::Flag('n') => opts.signum = true,
                    Opt::Flag('H') | Opt::Flag('t') => opts.perthread = true,
                    Opt::Bad(msg) => {
                        p.warnx(&msg);
                        return p.usage();
                    }
                    _ => return p.usage(),
                }
            }
            if c == Cmd::Cpuset {
                opts.perthread = true;
            }
            rest = rest[1 + g2.optind..].to_vec();
            c
        }
        (None, None) => Cmd::Basic,
        (Some(c), _) => {
            if opts.caps && c != Cmd::Files && !p.compat {
                return p.usage();
            }
            c
        }
    };
    if opts.caps && !p.compat {
        p.warnx("-C: Capsicum capability rights do not exist on Linux");
        return 1;
    }
    // advlock describes the system, not processes: it takes no pids.
    if cmd != Cmd::Advlock && ((aflag && !rest.is_empty()) || (!aflag && rest.is_empty())) {
        return p.usage();
    }
    if let Some(why) = unsupported {
        p.warnx(why);
        return 1;
    }
    if let Some(why) = not_on_linux(cmd) {
        p.warnx(why);
        return 1;
    }
    // Every operand must be a process id: procstat would open anything else
    // as a core file, which Linux's /proc cannot describe.
    let mut pids = Vec::new();
    let mut status = 0;
    if cmd == Cmd::Advlock {
        let mut ctx = Ctx { prog: &p, opts, cmd, out: String::new(), page: 0, hz: 0 };
        loop {
            ctx.advlock();
            ctx.flush();
            if interval == 0 {
                return 0;
            }
            std::thread::sleep(std::time::Duration::from_secs(interval));
        }
    }
    for a in &rest {
        let (l, complete) = strtol10(a);
        if complete {
            if l < 0 {
                return p.usage();
            }
            pids.push(l.min(i32::MAX as i64) as i32);
        } else if p.compat {
            return p.usage();
        } else {
            p.warnx(&format!("{a}: not a process id (core files are not supported on Linux)"));
            status = 1;
        }
    }
    let mut ctx = Ctx { prog: &p, opts, cmd, out: String::new(), page: ps::page_size(), hz: ps::clock_ticks() };
    loop {
        if aflag {
            for pid in ps::pids().unwrap_or_default() {
                // A process that exits while -a walks /proc is not an error.
                if ctx.process(pid).is_ok() && !p.compat {
                    ctx.opts.noheader = true;
                }
            }
        }
        let mut missing = false;
        for &pid in &pids {
            match ctx.process(pid) {
                Ok(()) => {
                    if !p.compat {
                        ctx.opts.noheader = true;
                    }
                }
                Err(_) => {
                    p.warnx(&format!("{pid}: No such process"));
                    missing = true;
                }
            }
        }
        if missing {
            status = 1;
        }
        // Like FreeBSD's errx on a vanished pid, -w stops when a process is gone.
        if interval == 0 || missing {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(interval));
    }
    status
}

fn not_on_linux(cmd: Cmd) -> Option<&'static str> {
    match cmd {
        Cmd::Kqueue => Some("kqueue: Linux has no kqueues (epoll descriptors are listed by files as type k)"),
        Cmd::Ptlwpinfo => Some("ptlwpinfo (-L): core files are not supported on Linux"),
        Cmd::Rlimitusage => Some("rlimitusage: Linux does not account usage against resource limits"),
        Cmd::Sigfastblock => Some("sigfastblock: Linux has no sigfastblock(2)"),
        _ => None,
    }
}

/// What one table row needs to know about a process.
struct Proc {
    pid: i32,
    stat: Stat,
    /// /proc/PID/comm: FreeBSD's ki_comm.
    comm: String,
    status: procfs::Status,
}

struct Ctx<'a> {
    prog: &'a Prog<'a>,
    opts: Opts,
    cmd: Cmd,
    out: String,
    page: u64,
    hz: u64,
}

impl Ctx<'_> {
    fn header(&self) -> bool {
        !self.opts.noheader
    }

    /// Print one process; `Err(ESRCH)` if it does not exist.
    fn process(&mut self, pid: i32) -> Result<(), Errno> {
        if pid <= 0 || !ps::exists(pid) {
            return Err(Errno::ESRCH);
        }
        let stat = ps::stat(pid, None)?;
        let status = procfs::status(pid)?;
        let comm = stat.comm.clone();
        let p = Proc { pid, stat, comm, status };
        match self.cmd {
            Cmd::Basic => self.basic(&p),
            Cmd::Arguments => self.arguments(&p, false),
            Cmd::Environment => self.arguments(&p, true),
            Cmd::Auxv => self.auxv(&p),
            Cmd::Binary => self.binary(&p),
            Cmd::Cpuset => self.cpuset(&p),
            Cmd::Credentials => self.credentials(&p),
            Cmd::Files => self.files(&p),
            Cmd::Kstack => self.kstack(&p),
            Cmd::Pargs => self.pargs(&p, false),
            Cmd::Penv => self.pargs(&p, true),
            Cmd::Pwdx => self.pwdx(&p),
            Cmd::Rlimit => self.rlimit(&p),
            Cmd::Rusage => self.rusage(&p),
            Cmd::Signals => self.signals(&p),
            Cmd::Threads => self.threads(&p),
            Cmd::Tsignals => self.tsignals(&p),
            Cmd::Vm => self.vm(&p),
            Cmd::Advlock => self.advlock(),
            Cmd::Kqueue | Cmd::Ptlwpinfo | Cmd::Rlimitusage | Cmd::Sigfastblock => {}
        }
        self.flush();
        Ok(())
    }

    fn flush(&mut self) {
        let mut so = std::io::stdout().lock();
        if so.write_all(self.out.as_bytes()).and_then(|_| so.flush()).is_err() {
            // The reader went away (procstat | head): stop quietly.
            std::process::exit(1);
        }
        self.out.clear();
    }

    fn warn_errno(&self, what: &str, e: Errno) {
        self.prog.warnx(&format!("{what}: {}", strerror(e.0)));
    }

    /// Thread ids, or an empty list if the process vanished.
    fn tasks(&self, p: &Proc) -> Vec<i32> {
        procfs::tasks(p.pid).unwrap_or_default()
    }

    /// FreeBSD's kinfo_proc_thread_name(): "-" when the thread's name is the
    /// process's.
    fn thread_name(&self, p: &Proc, tid: i32) -> String {
        match procfs::comm(p.pid, tid) {
            Ok(n) if !n.is_empty() && n != p.comm => n,
            _ => "-".into(),
        }
    }

    /// Every advisory lock on the system (/proc/locks). FreeBSD prints the
    /// header on every -w round here, as this table is not per process.
    fn advlock(&mut self) {
        if self.header() {
            let _ = writeln!(
                self.out,
                "{:>2} {:>5} {:>5} {:>5} {:>18} {:>18} {:>8} {:>9} {:>9} PATH",
                "RW", "TYPE", "PID", "SYSID", "FSID", "RDEV", "INO", "START", "LEN"
            );
        }
        let locks = match ps::locks() {
            Ok(l) => l,
            Err(e) => return self.warn_errno("/proc/locks", e),
        };
        for l in locks {
            let dev = ps::makedev(l.dev_major, l.dev_minor);
            // Open-file-description locks are fcntl(2) record locks owned
            // by no process (pid -1); leases have no FreeBSD name.
            let kind = match l.kind.as_str() {
                "FLOCK" => "FLOCK",
                "POSIX" | "OFDLCK" => "FCNTL",
                _ => "?????",
            };
            let len = l.end.map(|e| e.saturating_sub(l.start) + 1).unwrap_or(0);
            let path = if l.pid > 0 { ps::open_path(l.pid, dev, l.inode).unwrap_or_default() } else { String::new() };
            let _ = writeln!(
                self.out,
                "{} {} {:>5} {:>5} {:>18} {:>18} {:>8} {:>9} {:>9} {}",
                if l.write { "RW" } else { "RO" },
                kind,
                l.pid,
                0,
                c_hash_hex(dev),
                c_hash_hex(0),
                l.inode,
                l.start,
                len,
                path
            );
        }
    }

    fn basic(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(
                self.out,
                "{:>5} {:>5} {:>5} {:>5} {:>5} {:>3} {:<8} {:<9} {:<13} {:<12}",
                "PID", "PPID", "PGID", "SID", "TSID", "THR", "LOGIN", "WCHAN", "EMUL", "COMM"
            );
        }
        let s = &p.stat;
        let tsid = if s.tty_nr != 0 { s.session } else { 0 };
        let login = ps::loginuid(p.pid).and_then(ps::user_name).unwrap_or_else(|| "-".into());
        let wchan = dash(ps::wchan(p.pid, None));
        let _ = writeln!(
            self.out,
            "{:>5} {:>5} {:>5} {:>5} {:>5} {:>3} {:<8} {:<9} {:<13} {:<12}",
            p.pid,
            s.ppid,
            s.pgrp,
            s.session,
            tsid,
            s.num_threads,
            login,
            wchan,
            emulation(p),
            p.comm
        );
    }

    fn arguments(&mut self, p: &Proc, env: bool) {
        if self.header() {
            let _ = writeln!(self.out, "{:>5} {:<16} {:<53}", "PID", "COMM", if env { "ENVIRONMENT" } else { "ARGS" });
        }
        let list = if env { ps::environ(p.pid) } else { ps::cmdline(p.pid) };
        let _ = write!(self.out, "{:>5} {:<16}", p.pid, p.comm);
        match list {
            Ok(v) if !v.is_empty() => {
                for a in v {
                    let _ = write!(self.out, " {a}");
                }
                self.out.push('\n');
            }
            _ => self.out.push_str(" -\n"),
        }
    }

    fn pargs(&mut self, p: &Proc, env: bool) {
        let list = if env { ps::environ(p.pid) } else { ps::cmdline(p.pid) };
        let _ = writeln!(self.out, "{}:  {}", p.pid, p.comm);
        match list {
            Ok(v) if !v.is_empty() => {
                for (i, a) in v.iter().enumerate() {
                    let _ = writeln!(self.out, "{}[{i}]: {a}", if env { "envp" } else { "argv" });
                }
            }
            _ => self.out.push_str("-\n"),
        }
    }

    fn pwdx(&mut self, p: &Proc) {
        match ps::link(&format!("/proc/{}/cwd", p.pid)) {
            Ok(cwd) => {
                let _ = writeln!(self.out, "{}:  {cwd}", p.pid);
            }
            Err(Errno::ESRCH) => {}
            Err(e) => self.warn_errno(&format!("/proc/{}/cwd", p.pid), e),
        }
    }

    fn binary(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(self.out, "{:>5} {:<16} {:>8} PATH", "PID", "COMM", "OSREL");
        }
        let path = match ps::link(&format!("/proc/{}/exe", p.pid)) {
            Ok(path) => path,
            // Kernel threads and zombies have no executable.
            Err(Errno::ESRCH) => "-".into(),
            Err(e) => return self.warn_errno(&format!("/proc/{}/exe", p.pid), e),
        };
        // OSREL is FreeBSD's ELF osreldate note; Linux binaries carry none.
        let _ = writeln!(self.out, "{:>5} {:<16} {:>8} {}", p.pid, p.comm, 0, path);
    }

    fn credentials(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(
                self.out,
                "{:>5} {:<16} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:<15}",
                "PID", "COMM", "EUID", "RUID", "SVUID", "EGID", "RGID", "SVGID", "UMASK", "FLAGS", "GROUPS"
            );
        }
        let x = ps::status_extra(p.pid, None).unwrap_or_default();
        let (u, g) = (p.status.uid, p.status.gid);
        let umask = x.umask.map(|m| format!("{m:03o}")).unwrap_or_else(|| "-".into());
        // FreeBSD's first group is the effective gid; the rest are supplementary.
        let groups: Vec<String> =
            std::iter::once(g[1]).chain(x.groups.iter().copied()).map(|g| g.to_string()).collect();
        let _ = writeln!(
            self.out,
            "{:>5} {:<16} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {}     {}",
            p.pid,
            p.comm,
            u[1],
            u[0],
            u[2],
            g[1],
            g[0],
            g[2],
            umask,
            if x.seccomp != 0 { "C" } else { "-" },
            groups.join(",")
        );
    }

    fn signals(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(self.out, "{:>5} {:<16} {:<7} {:>4}", "PID", "COMM", "SIG", "FLAGS");
        }
        let s = &p.status;
        let pending = s.sig_pnd | s.shd_pnd;
        for sig in 1..=NSIG {
            let bit = 1u64 << (sig - 1);
            let _ = writeln!(
                self.out,
                "{:>5} {:<16} {}  {}{}{}",
                p.pid,
                p.comm,
                self.signame(sig),
                flag(pending & bit != 0, 'P'),
                flag(s.sig_ign & bit != 0, 'I'),
                flag(s.sig_cgt & bit != 0, 'C')
            );
        }
    }

    fn tsignals(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(self.out, "{:>5} {:>6} {:<16} {:<7} {:>4}", "PID", "TID", "COMM", "SIG", "FLAGS");
        }
        for tid in self.tasks(p) {
            let Ok(t) = procfs::task_status(p.pid, tid) else { continue };
            let pending = t.sig_pnd | t.shd_pnd;
            for sig in 1..=NSIG {
                let bit = 1u64 << (sig - 1);
                let _ = writeln!(
                    self.out,
                    "{:>5} {:>6} {:<16} {}  {}{}",
                    p.pid,
                    tid,
                    p.comm,
                    self.signame(sig),
                    flag(pending & bit != 0, 'P'),
                    flag(t.sig_blk & bit != 0, 'B')
                );
            }
        }
    }

    /// `%-7s` name (upper case, no SIG) or `%-7d` with -n or without a name.
    fn signame(&self, sig: u32) -> String {
        match SIGNAMES.get(sig as usize).filter(|n| !self.opts.signum && !n.is_empty()) {
            Some(n) => format!("{n:<7}"),
            None => format!("{sig:<7}"),
        }
    }

    fn threads(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(
                self.out,
                "{:>5} {:>6} {:<19} {:<19} {:>2} {:>4} {:<7} {:<9}",
                "PID", "TID", "COMM", "TDNAME", "CPU", "PRI", "STATE", "WCHAN"
            );
        }
        for tid in self.tasks(p) {
            let Ok(t) = ps::stat(p.pid, Some(tid)) else { continue };
            let _ = writeln!(
                self.out,
                "{:>5} {:>6} {:<19} {:<19} {:>3} {:>4} {:<7} {:<9} ",
                p.pid,
                tid,
                dash(p.comm.clone()),
                self.thread_name(p, tid),
                t.processor,
                // Linux's kernel priority (0-139, lower runs first), like pri_level.
                t.priority + 100,
                thread_state(t.state),
                dash(ps::wchan(p.pid, Some(tid)))
            );
        }
    }

    fn cpuset(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(
                self.out,
                "{:>5} {:>6} {:<19} {:<19} {:>2} {:>4} {:<7}",
                "PID", "TID", "COMM", "TDNAME", "CPU", "CSID", "CPU MASK"
            );
        }
        for tid in self.tasks(p) {
            let Ok(t) = ps::stat(p.pid, Some(tid)) else { continue };
            // Linux cpusets are cgroups without a numeric id: CSID is "-".
            let _ = write!(
                self.out,
                "{:>5} {:>6} {:<19} {:<19} {:>3} {:>4} ",
                p.pid,
                tid,
                dash(p.comm.clone()),
                self.thread_name(p, tid),
                t.processor,
                "-"
            );
            if let Ok(cpus) = ps::affinity(tid) {
                self.out.push_str(&cpu_list(&cpus));
            }
            self.out.push('\n');
        }
    }

    fn rlimit(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(
                self.out,
                "{:>5} {:<16} {:<16} {:>16} {:>16}",
                "PID", "COMM", "RLIMIT", "SOFT     ", "HARD     "
            );
        }
        let limits = match ps::limits(p.pid) {
            Ok(l) => l,
            Err(Errno::ESRCH) => return,
            Err(e) => return self.warn_errno(&format!("/proc/{}/limits", p.pid), e),
        };
        for &(linux, name, suffix) in RLIMITS {
            let Some(l) = limits.iter().find(|l| l.name == linux) else { continue };
            let _ = writeln!(
                self.out,
                "{:>5} {:<16} {:<16} {:>16} {:>16}",
                p.pid,
                p.comm,
                name,
                humanize_rlimit(l.soft, suffix),
                humanize_rlimit(l.hard, suffix)
            );
        }
    }

    fn rusage(&mut self, p: &Proc) {
        if self.header() {
            let _ = write!(self.out, "{:>5} ", "PID");
            if self.opts.perthread {
                let _ = write!(self.out, "{:>6} ", "TID");
            }
            let _ = writeln!(self.out, "{:<16} {:<32} {:>14}", "COMM", "RESOURCE", "VALUE        ");
        }
        if !self.opts.perthread {
            self.rusage_rows(p, None);
            return;
        }
        for tid in self.tasks(p) {
            self.rusage_rows(p, Some(tid));
        }
    }

    fn rusage_rows(&mut self, p: &Proc, tid: Option<i32>) {
        let Ok(st) = ps::stat(p.pid, tid) else { return };
        let x = ps::status_extra(p.pid, tid).unwrap_or_default();
        // getrusage(2) counts 512-byte blocks from the same I/O accounting.
        let (rd, wr) = ps::io(p.pid, tid).unwrap_or((0, 0));
        let prefix = match tid {
            Some(t) => format!("{:>5} {:>6} {:<16} ", p.pid, t, p.comm),
            None => format!("{:>5} {:<16} ", p.pid, p.comm),
        };
        for (name, ticks) in [("user time", st.utime), ("system time", st.stime)] {
            let _ = writeln!(self.out, "{prefix}{name:<14} {:>29}   ", format_time(ticks, self.hz));
        }
        // Linux keeps no integral memory sizes, swaps, message or signal
        // counts (its getrusage reports 0 for them too).
        let rows: [(&str, i64, bool); 14] = [
            ("maximum RSS", x.vm_hwm_kb as i64, true),
            ("integral shared memory", 0, true),
            ("integral unshared data", 0, true),
            ("integral unshared stack", 0, true),
            ("page reclaims", st.minflt as i64, false),
            ("page faults", st.majflt as i64, false),
            ("swaps", 0, false),
            ("block reads", (rd / 512) as i64, false),
            ("block writes", (wr / 512) as i64, false),
            ("messages sent", 0, false),
            ("messages received", 0, false),
            ("signals received", 0, false),
            ("voluntary context switches", x.voluntary_ctxt_switches as i64, false),
            ("involuntary context switches", x.nonvoluntary_ctxt_switches as i64, false),
        ];
        for (name, v, human) in rows {
            let value = if human { humanize_number(v << 10, "B", Scale::Fixed(1), 14) } else { format!("{v}   ") };
            let _ = writeln!(self.out, "{prefix}{name:<32} {value:>14}");
        }
    }

    fn auxv(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(self.out, "{:>5} {:<19} {:<16} {:<16}", "PID", "COMM", "AUXV", "VALUE");
        }
        let auxv = match ps::auxv(p.pid) {
            Ok(a) => a,
            Err(Errno::ESRCH) => return,
            Err(e) => return self.warn_errno(&format!("/proc/{}/auxv", p.pid), e),
        };
        let prefix = format!("{:>5} {:<19}", p.pid, p.comm);
        for (ty, val) in auxv {
            if ty == AT_NULL {
                return;
            }
            if ty == AT_IGNORE {
                continue;
            }
            match auxv_name(ty) {
                Some((name, kind)) => {
                    let v = match kind {
                        AuxKind::Dec => (val as i64).to_string(),
                        AuxKind::Ptr => format!("{val:#x}"),
                        AuxKind::Hex => c_hash_hex(val),
                    };
                    // Linux's longest names (AT_RSEQ_FEATURE_SIZE) overflow
                    // FreeBSD's %-16s; keep one space before the value.
                    let sep = if name.len() >= 16 { " " } else { "" };
                    let _ = writeln!(self.out, "{prefix}{name:<16}{sep}{v}");
                }
                None => {
                    let _ = writeln!(self.out, "{prefix}{:>16}{}", ty as i64, c_hash_hex(val));
                }
            }
        }
        self.out.push('\n');
    }

    fn kstack(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(self.out, "{:>5} {:>6} {:<19} {:<19} {:<29}", "PID", "TID", "COMM", "TDNAME", "KSTACK");
        }
        for tid in self.tasks(p) {
            let frames = match ps::kstack(p.pid, tid) {
                Ok(f) => f,
                Err(Errno::ESRCH) => continue,
                Err(e) => {
                    self.warn_errno(&format!("kstack: /proc/{}/task/{tid}/stack", p.pid), e);
                    if matches!(e, Errno::EACCES | Errno::EPERM) {
                        self.prog.warnx("reading kernel stacks needs CAP_SYS_ADMIN and ptrace access to the process");
                    } else if e == Errno::ENOENT {
                        self.prog.warnx("this kernel was built without CONFIG_STACKTRACE");
                    }
                    return;
                }
            };
            let trace = if frames.is_empty() {
                // Linux does not unwind a thread that is on a CPU; a zombie
                // has no stack left (FreeBSD's "<unknown>" state).
                match ps::stat(p.pid, Some(tid)).map(|t| t.state) {
                    Ok('R') => "<running>".to_string(),
                    _ => "<unknown>".to_string(),
                }
            } else {
                let mut t = String::new();
                for f in frames {
                    // "func+0x6a/0x140": -kk keeps "func+0x6a", -k just "func".
                    let f = f.split('/').next().unwrap_or(&f);
                    let f = if self.opts.verbose { f } else { f.split('+').next().unwrap_or(f) };
                    t.push_str(f);
                    t.push(' ');
                }
                t
            };
            let _ = writeln!(
                self.out,
                "{:>5} {:>6} {:<19} {:<19} {:<29}",
                p.pid,
                tid,
                p.comm,
                self.thread_name(p, tid),
                trace
            );
        }
    }

    fn vm(&mut self, p: &Proc) {
        const W: usize = 18; // 2 * sizeof(void *) + 2
        if self.header() {
            let _ = writeln!(
                self.out,
                "{:>5} {:>W$} {:>W$} {:>3} {:>4} {:>4} {:>3} {:>3} {:<5} {:<2} PATH",
                "PID", "START", "END", "PRT", "RES", "PRES", "REF", "SHD", "FLAG", "TP"
            );
        }
        let maps = match ps::smaps(p.pid) {
            Ok(m) => m,
            Err(Errno::ESRCH) => return,
            Err(e) => return self.warn_errno(&format!("/proc/{}/smaps", p.pid), e),
        };
        // REF: how many of this process's mappings share the object.
        let mut refs: HashMap<(u32, u32, u64), i32> = HashMap::new();
        for e in &maps {
            if e.map.inode != 0 {
                *refs.entry((e.map.dev_major, e.map.dev_minor, e.map.inode)).or_default() += 1;
            }
        }
        let kb_pages = |kb: u64| kb * 1024 / self.page;
        for e in &maps {
            let m = &e.map;
            let has = |f: &str| e.vm_flags.iter().any(|v| v == f);
            let file = m.inode != 0;
            let refc = if file { refs[&(m.dev_major, m.dev_minor, m.inode)] } else { 1 };
            // A private file mapping with copied pages is FreeBSD's shadowed object.
            let shadow = i32::from(file && !m.shared && e.anonymous_kb > 0);
            let flags = format!(
                "{}{}{}{}{}",
                if m.shared { '-' } else { 'C' },
                if !m.shared && m.write && e.anonymous_kb == 0 { 'N' } else { '-' },
                if e.huge_kb > 0 { 'S' } else { '-' },
                if has("gu") {
                    'U'
                } else if has("gd") {
                    'D'
                } else {
                    '-'
                },
                if has("lo") { 'W' } else { '-' }
            );
            let tp = vm_type(e, has("io") || has("pf"));
            let _ = writeln!(
                self.out,
                "{:>5} {:>W$} {:>W$} {}{}{} {:>4} {:>4} {:>3} {:>3} {} {:<2} {}",
                p.pid,
                c_hash_hex(m.start),
                c_hash_hex(m.end),
                if m.read { 'r' } else { '-' },
                if m.write { 'w' } else { '-' },
                if m.exec { 'x' } else { '-' },
                kb_pages(e.rss_kb),
                kb_pages(e.private_kb),
                refc,
                shadow,
                flags,
                tp,
                m.path
            );
        }
    }

    fn files(&mut self, p: &Proc) {
        if self.header() {
            let _ = writeln!(
                self.out,
                "{:>5} {:<16} {:>5} {:>1} {:>1} {:<8} {:>3} {:>7} {:<3} {:<12}",
                "PID", "COMM", "FD", "T", "V", "FLAGS", "REF", "OFFSET", "PRO", "NAME"
            );
        }
        let fds = match ps::files(p.pid) {
            Ok(f) => f,
            Err(Errno::ESRCH) => return,
            Err(e) => return self.warn_errno(&format!("/proc/{}/fd", p.pid), e),
        };
        let pid = p.pid;
        // The process's own vnodes first, as FreeBSD lists them.
        let mut special: Vec<(&str, String, u32)> = Vec::new();
        if let Ok(exe) = ps::link(&format!("/proc/{pid}/exe")) {
            special.push((" text", exe, O_RDONLY));
        }
        if let Some(tty) = tty_path(p.stat.tty_nr) {
            special.push((" ctty", tty, O_RDWR));
        }
        if let Ok(cwd) = ps::link(&format!("/proc/{pid}/cwd")) {
            special.push(("  cwd", cwd, O_RDONLY));
        }
        if let Ok(root) = ps::link(&format!("/proc/{pid}/root")) {
            special.push((" root", root, O_RDONLY));
        }
        for (label, path, fl) in special {
            let kind = vtype(ps::path_kind(&path));
            let _ = writeln!(
                self.out,
                "{:>5} {:<16} {label} v {kind} {} {:>3} {:>7} {:<3} {:<18}",
                pid,
                p.comm,
                fflags(fl, false),
                "-",
                "-",
                "-",
                path
            );
        }
        let sockets =
            if fds.iter().any(|f| f.target.starts_with("socket:")) { ps::sockets(pid) } else { HashMap::new() };
        for f in &fds {
            let (t, v) = file_type(f);
            let offset = f.pos.map(|o| o.to_string()).unwrap_or_else(|| "-".into());
            let _ = write!(
                self.out,
                "{:>5} {:<16} {:>5} {t} {v} {} {:>3} {:>7} ",
                pid,
                p.comm,
                f.fd,
                fflags(f.flags, f.locked),
                "-",
                offset
            );
            if t == 's' {
                match f.inode.and_then(|i| sockets.get(&i)) {
                    Some(s) => self.socket(s),
                    None => self.out.push_str("?   "),
                }
            } else {
                let name = if t == 'p' { "-" } else { f.target.as_str() };
                let _ = write!(self.out, "{:<3} {name:<18}", "-");
            }
            self.out.push('\n');
        }
    }

    fn socket(&mut self, s: &SocketInfo) {
        let _ = write!(self.out, "{:<3} ", protocol(s));
        if s.proto == libc::IPPROTO_TCP || s.sock_type == libc::SOCK_STREAM {
            let _ = write!(self.out, "{} {} ", s.sendq, s.recvq);
        }
        if s.family == libc::AF_UNIX {
            // FreeBSD prints the first non-empty of local and peer path.
            let path = if !s.local.is_empty() {
                s.local.as_str()
            } else if !s.peer.is_empty() {
                s.peer.as_str()
            } else {
                "-"
            };
            self.out.push_str(path);
        } else {
            let _ = write!(self.out, "{} {}", s.local, s.peer);
        }
    }
}

const NSIG: u32 = 64;
const AT_NULL: u64 = 0;
const AT_IGNORE: u64 = 1;
const O_RDONLY: u32 = 0;
const O_RDWR: u32 = 2;

/// Linux signal names as FreeBSD's sys_signame prints them (upper case, no
/// SIG); 32 and up (glibc-internal and real-time) print as numbers.
const SIGNAMES: [&str; 32] = [
    "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
    "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH",
    "IO", "PWR", "SYS",
];

fn flag(on: bool, c: char) -> char {
    if on {
        c
    } else {
        '-'
    }
}

fn dash(s: String) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

/// strerror(3) without Rust's " (os error N)".
fn strerror(n: i32) -> String {
    let s = std::io::Error::from_raw_os_error(n).to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// C's `%#lx`: "0" for zero, "0x..." otherwise.
fn c_hash_hex(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// EMUL: the ABI, FreeBSD's sv_name ("FreeBSD ELF64") in Linux words.
fn emulation(p: &Proc) -> &'static str {
    if p.stat.is_kernel_thread() {
        return "-";
    }
    match ps::exe_elf_class(p.pid) {
        Ok(1) => "Linux ELF32",
        Ok(_) => "Linux ELF64",
        // Zombies have no executable left.
        Err(Errno::ESRCH) if matches!(p.stat.state, 'Z' | 'X') => "-",
        // Another user's executable cannot be opened: this build's own ABI.
        Err(_) => "Linux ELF64",
    }
}

fn thread_state(c: char) -> &'static str {
    match c {
        'R' | 'W' => "run",
        'S' | 'D' => "sleep",
        'T' | 't' => "stop",
        'Z' | 'X' | 'x' => "zomb",
        'I' => "idle",
        'P' => "wait",
        _ => "??",
    }
}

/// FreeBSD procstat_cs's CPU list: "0-3,5".
fn cpu_list(cpus: &[usize]) -> String {
    let mut s = String::new();
    let (mut once, mut twice, mut last) = (false, false, usize::MAX);
    for &cpu in cpus {
        if !once {
            let _ = write!(s, "{cpu}");
            once = true;
        } else if cpu == last.wrapping_add(1) {
            twice = true;
        } else if twice {
            let _ = write!(s, "-{last},{cpu}");
            twice = false;
        } else {
            let _ = write!(s, ",{cpu}");
        }
        last = cpu;
    }
    if once && twice {
        let _ = write!(s, "-{last}");
    }
    s
}

/// `[N day(s) ]hh:mm:ss.uuuuuu` from clock ticks.
fn format_time(ticks: u64, hz: u64) -> String {
    let secs = ticks / hz;
    let usec = (ticks % hz) * 1_000_000 / hz;
    let (days, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let d = match days {
        0 => String::new(),
        1 => "1 day ".into(),
        n => format!("{n} days "),
    };
    format!("{d}{h:02}:{m:02}:{s:02}.{usec:06}")
}

#[derive(Clone, Copy)]
enum Scale {
    Auto,
    Fixed(usize),
}

/// libutil's humanize_number(3) with HN_DECIMAL, 1024 divisor, space
/// separator; `len` is the buffer size including the NUL.
fn humanize_number(quotient: i64, suffix: &str, scale: Scale, len: usize) -> String {
    humanize_scaled(quotient, suffix, scale, len).0
}

/// humanize_number and the scale it chose (HN_GETSCALE).
fn humanize_scaled(mut quotient: i64, suffix: &str, scale: Scale, len: usize) -> (String, usize) {
    const PREFIXES: [&str; 7] = ["", "K", "M", "G", "T", "P", "E"];
    let (divisor, deccut) = (1024i64, 973i64);
    let neg = quotient < 0;
    if neg {
        quotient = -quotient;
    }
    let baselen = 1 + if neg { 2 } else { 1 } + 1 + suffix.len();
    let mut remainder = 0i64;
    let mut i = 0usize;
    match scale {
        Scale::Auto => {
            let mut max: i64 = 1;
            for _ in 0..len.saturating_sub(baselen) {
                max = max.saturating_mul(10);
            }
            while (quotient >= max || (quotient == max - 1 && (remainder >= deccut || remainder >= divisor / 2)))
                && i < PREFIXES.len() - 1
            {
                remainder = quotient % divisor;
                quotient /= divisor;
                i += 1;
            }
        }
        Scale::Fixed(n) => {
            while i < n && i < PREFIXES.len() - 1 {
                remainder = quotient % divisor;
                quotient /= divisor;
                i += 1;
            }
        }
    }
    let sign = if neg { -1 } else { 1 };
    if ((quotient == 9 && remainder < deccut) || quotient < 9) && i > 0 {
        let s1 = quotient + ((remainder * 10 + divisor / 2) / divisor / 10);
        let s2 = ((remainder * 10 + divisor / 2) / divisor) % 10;
        (format!("{}.{} {}{}", sign * s1, s2, PREFIXES[i], suffix), i)
    } else {
        (format!("{} {}{}", sign * (quotient + (remainder + divisor / 2) / divisor), PREFIXES[i], suffix), i)
    }
}

/// procstat_rlimit's humanize_rlimit: "infinity     " or the humanized
/// value, one more space when it has no scale prefix.
fn humanize_rlimit(v: Option<u64>, suffix: &str) -> String {
    let Some(v) = v else { return "infinity     ".into() };
    let v = v.min(i64::MAX as u64) as i64;
    match humanize_scaled(v, suffix, Scale::Auto, 13) {
        (s, 0) => s + " ",
        (s, _) => s,
    }
}

/// (/proc/PID/limits name, procstat's name, humanize suffix): FreeBSD's
/// resources in FreeBSD's order, then Linux's own.
const RLIMITS: &[(&str, &str, &str)] = &[
    ("Max cpu time", "cputime", "sec"),
    ("Max file size", "filesize", "B  "),
    ("Max data size", "datasize", "B  "),
    ("Max stack size", "stacksize", "B  "),
    ("Max core file size", "coredumpsize", "B  "),
    ("Max resident set", "memoryuse", "B  "),
    ("Max locked memory", "memorylocked", "B  "),
    ("Max processes", "maxprocesses", "   "),
    ("Max open files", "openfiles", "   "),
    ("Max address space", "vmemoryuse", "B  "),
    ("Max file locks", "filelocks", "   "),
    ("Max pending signals", "sigpending", "   "),
    ("Max msgqueue size", "msgqueue", "B  "),
    ("Max nice priority", "nice", "   "),
    ("Max realtime priority", "rtprio", "   "),
    ("Max realtime timeout", "rttime", "us "),
];

#[derive(Clone, Copy)]
enum AuxKind {
    Dec,
    Ptr,
    Hex,
}

/// Linux's AT_* names and how procstat prints each (pointers `%p`, flags
/// `%#lx`, counts `%ld`).
fn auxv_name(ty: u64) -> Option<(&'static str, AuxKind)> {
    use AuxKind::*;
    Some(match ty {
        2 => ("AT_EXECFD", Dec),
        3 => ("AT_PHDR", Ptr),
        4 => ("AT_PHENT", Dec),
        5 => ("AT_PHNUM", Dec),
        6 => ("AT_PAGESZ", Dec),
        7 => ("AT_BASE", Ptr),
        8 => ("AT_FLAGS", Hex),
        9 => ("AT_ENTRY", Ptr),
        10 => ("AT_NOTELF", Dec),
        11 => ("AT_UID", Dec),
        12 => ("AT_EUID", Dec),
        13 => ("AT_GID", Dec),
        14 => ("AT_EGID", Dec),
        15 => ("AT_PLATFORM", Ptr),
        16 => ("AT_HWCAP", Hex),
        17 => ("AT_CLKTCK", Dec),
        18 => ("AT_FPUCW", Hex),
        19 => ("AT_DCACHEBSIZE", Dec),
        20 => ("AT_ICACHEBSIZE", Dec),
        21 => ("AT_UCACHEBSIZE", Dec),
        23 => ("AT_SECURE", Dec),
        24 => ("AT_BASE_PLATFORM", Ptr),
        25 => ("AT_RANDOM", Ptr),
        26 => ("AT_HWCAP2", Hex),
        27 => ("AT_RSEQ_FEATURE_SIZE", Dec),
        28 => ("AT_RSEQ_ALIGN", Dec),
        29 => ("AT_HWCAP3", Hex),
        30 => ("AT_HWCAP4", Hex),
        31 => ("AT_EXECFN", Ptr),
        32 => ("AT_SYSINFO", Ptr),
        33 => ("AT_SYSINFO_EHDR", Ptr),
        51 => ("AT_MINSIGSTKSZ", Dec),
        _ => return None,
    })
}

fn vtype(k: FileKind) -> char {
    match k {
        FileKind::Regular => 'r',
        FileKind::Dir => 'd',
        FileKind::Block => 'b',
        FileKind::Char => 'c',
        FileKind::Link => 'l',
        FileKind::Socket => 's',
        FileKind::Fifo => 'f',
        FileKind::Unknown => '?',
    }
}

/// (T, V) for one descriptor: FreeBSD's file types for Linux's fd targets.
fn file_type(f: &OpenFile) -> (char, char) {
    let t = f.target.as_str();
    if t.starts_with("socket:") {
        return ('s', '-');
    }
    if t.starts_with("pipe:") {
        return ('p', '-');
    }
    if let Some(anon) = t.strip_prefix("anon_inode:") {
        let ty = match anon.trim_matches(['[', ']']) {
            "eventfd" => 'E',
            "eventpoll" => 'k',
            "pidfd" => 'P',
            _ => '?',
        };
        return (ty, '-');
    }
    if t.starts_with("/memfd:") || t.starts_with("/dev/shm/") {
        return ('h', '-');
    }
    if t.starts_with("/dev/mqueue/") {
        return ('m', '-');
    }
    if t == "/dev/ptmx" || t == "/dev/pts/ptmx" {
        return ('t', '-');
    }
    if f.kind == FileKind::Fifo {
        return ('f', '-');
    }
    ('v', vtype(f.kind))
}

/// FLAGS: r w a(ppend) s(async) f(sync) n(onblock) d(irect) l(ock held).
fn fflags(fl: u32, locked: bool) -> String {
    let acc = fl & 3;
    [
        flag(acc == 0 || acc == 2, 'r'),
        flag(acc == 1 || acc == 2, 'w'),
        flag(fl & 0o2000 != 0, 'a'),
        flag(fl & 0o20000 != 0, 's'),
        flag(fl & 0o10000 != 0, 'f'),
        flag(fl & 0o4000 != 0, 'n'),
        flag(fl & 0o40000 != 0, 'd'),
        flag(locked, 'l'),
    ]
    .iter()
    .collect()
}

fn protocol(s: &SocketInfo) -> &'static str {
    match s.family {
        libc::AF_INET | libc::AF_INET6 => match s.proto {
            libc::IPPROTO_TCP => "TCP",
            libc::IPPROTO_UDP => "UDP",
            libc::IPPROTO_ICMP => "ICM",
            libc::IPPROTO_RAW => "RAW",
            libc::IPPROTO_SCTP => "SCT",
            _ => "IP?",
        },
        libc::AF_UNIX => match s.sock_type {
            libc::SOCK_STREAM => "UDS",
            libc::SOCK_DGRAM => "UDD",
            _ => "UD?",
        },
        _ => "?",
    }
}

/// The controlling terminal's path from stat's tty_nr.
fn tty_path(tty_nr: u32) -> Option<String> {
    if tty_nr == 0 {
        return None;
    }
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    Some(match major {
        136..=143 => format!("/dev/pts/{}", minor + (major - 136) * 256),
        4 if minor < 64 => format!("/dev/tty{minor}"),
        4 => format!("/dev/ttyS{}", minor - 64),
        5 if minor == 1 => "/dev/console".into(),
        _ => return None,
    })
}

/// TP for one mapping (see docs/procstat.md for the mapping).
fn vm_type(e: &ps::SmapsEntry, device: bool) -> &'static str {
    let m = &e.map;
    // The vDSO and its data pages are FreeBSD's shared page: physical memory.
    match m.path.as_str() {
        "[vdso]" | "[vvar]" | "[vvar_vclock]" | "[vsyscall]" | "[uprobes]" => return "ph",
        _ => {}
    }
    if device {
        return "dv";
    }
    if m.inode != 0
        && !m.path.starts_with("/memfd:")
        && !m.path.starts_with("/SYSV")
        && !m.path.starts_with("/dev/zero")
    {
        return "vn";
    }
    if !m.read && !m.write && !m.exec {
        return "gd";
    }
    if m.inode == 0 && e.rss_kb == 0 && !m.shared {
        return "df";
    }
    "sw"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_words_match_like_freebsd() {
        assert_eq!(getcmd("basic"), Some(Cmd::Basic));
        assert_eq!(getcmd(""), Some(Cmd::Basic));
        assert_eq!(getcmd("args"), Some(Cmd::Arguments));
        assert_eq!(getcmd("arguments"), Some(Cmd::Arguments));
        assert_eq!(getcmd("arg"), Some(Cmd::Arguments));
        assert_eq!(getcmd("bin"), Some(Cmd::Binary));
        assert_eq!(getcmd("binary"), Some(Cmd::Binary));
        assert_eq!(getcmd("cred"), Some(Cmd::Credentials));
        assert_eq!(getcmd("credentials"), Some(Cmd::Credentials));
        assert_eq!(getcmd("env"), Some(Cmd::Environment));
        assert_eq!(getcmd("fds"), Some(Cmd::Files));
        assert_eq!(getcmd("files"), Some(Cmd::Files));
        assert_eq!(getcmd("file"), Some(Cmd::Files));
        assert_eq!(getcmd("fil"), None);
        assert_eq!(getcmd("signals"), Some(Cmd::Signals));
        assert_eq!(getcmd("sig"), Some(Cmd::Signals));
        assert_eq!(getcmd("tsignals"), Some(Cmd::Tsignals));
        assert_eq!(getcmd("threads"), Some(Cmd::Threads));
        assert_eq!(getcmd("cs"), Some(Cmd::Cpuset));
        assert_eq!(getcmd("cpuset"), Some(Cmd::Cpuset));
        assert_eq!(getcmd("vm"), Some(Cmd::Vm));
        assert_eq!(getcmd("VM"), Some(Cmd::Vm));
        assert_eq!(getcmd("pwdx"), Some(Cmd::Pwdx));
        assert_eq!(getcmd("rlimit"), Some(Cmd::Rlimit));
        assert_eq!(getcmd("rlimitusage"), Some(Cmd::Rlimitusage));
        assert_eq!(getcmd("123"), None);
        assert_eq!(getcmd("nonsense"), None);
    }

    #[test]
    fn humanize_like_libutil() {
        assert_eq!(humanize_number(5000 << 10, "B", Scale::Fixed(1), 14), "5000 KB");
        assert_eq!(humanize_number(0, "B", Scale::Fixed(1), 14), "0.0 KB");
        assert_eq!(humanize_number(1536, "B", Scale::Fixed(1), 14), "1.5 KB");
        assert_eq!(humanize_rlimit(Some(1024), "   "), "1024     ");
        assert_eq!(humanize_rlimit(Some(8388608), "B  "), "8388608 B   ");
        assert_eq!(humanize_rlimit(Some(1 << 40), "B  "), "1048576 MB  ");
        assert_eq!(humanize_rlimit(Some(1 << 50), "B  "), "1048576 GB  ");
        assert_eq!(humanize_rlimit(Some(10_000_000), "   "), "9766 K   ");
        assert_eq!(humanize_rlimit(None, "B  "), "infinity     ");
    }

    #[test]
    fn cpu_lists_like_procstat_cs() {
        assert_eq!(cpu_list(&[0, 1, 2, 3]), "0-3");
        assert_eq!(cpu_list(&[0, 1, 2, 5]), "0-2,5");
        assert_eq!(cpu_list(&[0, 2]), "0,2");
        assert_eq!(cpu_list(&[1]), "1");
    }

    #[test]
    fn times_and_flags() {
        assert_eq!(format_time(12345, 100), "00:02:03.450000");
        assert_eq!(format_time(100 * 86400 * 2 + 1, 100), "2 days 00:00:00.010000");
        assert_eq!(fflags(0, false), "r-------");
        assert_eq!(fflags(0o2 | 0o4000 | 0o2000, true), "rwa--n-l");
        assert_eq!(tty_path(34816).as_deref(), Some("/dev/pts/0"));
    }
}
