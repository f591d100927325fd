//! `bsdtrace procstat` (and `pargs`, `penv`, `pwdx`): FreeBSD's procstat(1)
//! on Linux, reading /proc through `bsdtrace::sys::procfs_stat`.
//!
//! Interface, column layouts and widths are FreeBSD's (usr.bin/procstat):
//! the legacy flags (`-b -c -e -f -i -j -k -l -r -s -S -t -v -x`), the word
//! commands with FreeBSD's plural/prefix matching, `-h`, `-w`, `-a`, the
//! header printed once, usage exiting 64 (EX_USAGE), and `--libxo` JSON and
//! XML with FreeBSD's field names. Each table's values come from the Linux
//! source named in docs/procstat.md; where Linux has no equivalent the
//! column holds FreeBSD's "no value" (`-` or 0) and the manual says so.
//! These files only format: parsing /proc lives in the library.
//!
//! This file parses the command line and dispatches; each view (or group
//! of views) has its own file, as FreeBSD's procstat_*.c do:
//! [`basic`] (basic, binary, credentials), [`args`] (arguments,
//! environment, auxv, pargs, penv, pwdx), [`threads`] (threads, cpuset,
//! kstack), [`signals`] (signals, tsignals), [`resources`] (rlimit,
//! rusage), [`vm`], [`files`], [`advlock`]; [`format`] holds the number
//! formatting they share (humanize_number, times, CPU lists) and [`out`]
//! the text/libxo output.

mod advlock;
mod args;
mod basic;
mod files;
mod format;
mod getopt;
mod out;
mod resources;
mod signals;
mod threads;
mod vm;

use bsdtrace::sys::procfs;
use bsdtrace::sys::procfs_stat::{self as ps, Stat};
use bsdtrace::Errno;
use getopt::{strtol10, Getopt, Opt};
use out::{Format, Out};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;

const EX_USAGE: i32 = 64;

/// The manual `--help` prints (and `bsdtrace manpage` turns into a page).
pub const MANUAL: &str = include_str!("procstat.1.txt");

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

/// One row of usr.bin/procstat's cmd_table: the word, the command, match
/// flags, the options the word takes, and the libxo container its output
/// goes in.
struct CmdEntry(&'static str, Cmd, u8, &'static str, &'static str);

/// usr.bin/procstat's cmd_table, plus the newer kqueue and rlimitusage.
const CMD_TABLE: &[CmdEntry] = &[
    CmdEntry("advlock", Cmd::Advlock, PLURAL | SUBSTR, "", "advisory_locks"),
    CmdEntry("argument", Cmd::Arguments, PLURAL | SUBSTR, "", "arguments"),
    CmdEntry("auxv", Cmd::Auxv, 0, "", "auxv"),
    CmdEntry("basic", Cmd::Basic, 0, "", "basic"),
    CmdEntry("binary", Cmd::Binary, SUBSTR, "", "binary"),
    CmdEntry("cpuset", Cmd::Cpuset, 0, "", "cs"),
    CmdEntry("cs", Cmd::Cpuset, 0, "", "cs"),
    CmdEntry("credential", Cmd::Credentials, PLURAL | SUBSTR, "", "credentials"),
    CmdEntry("environment", Cmd::Environment, SUBSTR, "", "environment"),
    CmdEntry("fd", Cmd::Files, PLURAL, "C", "files"),
    CmdEntry("file", Cmd::Files, PLURAL, "C", "files"),
    CmdEntry("kqueue", Cmd::Kqueue, PLURAL, "", "kqueues"),
    CmdEntry("kstack", Cmd::Kstack, 0, "v", "kstack"),
    CmdEntry("pargs", Cmd::Pargs, 0, "", "args"),
    CmdEntry("penv", Cmd::Penv, 0, "", "env"),
    CmdEntry("ptlwpinfo", Cmd::Ptlwpinfo, 0, "", "ptlwpinfo"),
    CmdEntry("pwdx", Cmd::Pwdx, 0, "", "pwd"),
    CmdEntry("rlimit", Cmd::Rlimit, 0, "", "rlimit"),
    CmdEntry("rlimitusage", Cmd::Rlimitusage, 0, "", "rlimitusage"),
    CmdEntry("rusage", Cmd::Rusage, 0, "Ht", "rusage"),
    CmdEntry("sigfastblock", Cmd::Sigfastblock, 0, "", "sigfastblock"),
    CmdEntry("signal", Cmd::Signals, PLURAL | SUBSTR, "n", "signals"),
    CmdEntry("thread", Cmd::Threads, PLURAL, "", "threads"),
    CmdEntry("tsignal", Cmd::Tsignals, PLURAL | SUBSTR, "n", "thread_signals"),
    CmdEntry("vm", Cmd::Vm, 0, "", "vm"),
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
    for &CmdEntry(word, cmd, flags, _, _) in CMD_TABLE {
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

/// The command words, for completion (those Linux has no data for left out).
pub fn command_words() -> Vec<&'static str> {
    CMD_TABLE.iter().filter(|e| not_on_linux(e.1).is_none()).map(|e| e.0).collect()
}

/// The libxo container a command's output goes in (FreeBSD's xocontainer).
fn xo_container(cmd: Cmd) -> &'static str {
    CMD_TABLE.iter().find(|e| e.1 == cmd).map(|e| e.4).unwrap_or("basic")
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
            eprintln!("usage: {} [--libxo] pid ...", self.name);
            return EX_USAGE;
        }
        let n = self.name;
        let pad = " ".repeat(n.len());
        eprintln!("usage: {n} [--libxo] [-h] [-w interval] command [pid ...]");
        eprintln!("       {n} [--libxo] -a [-h] [-w interval] command");
        eprintln!("       {n} [--libxo] [-h] [-w interval]");
        eprintln!("       {pad} [-S | -b | -c | -e | -f | -i [-n] | -j [-n] | -k [-k] |");
        eprintln!("       {pad}  -l | -r [-H] | -s | -t | -v | -x] [-a | pid ...]");
        eprintln!("       {n} --help");
        eprintln!("Available commands:");
        let mut i = 0;
        while i < CMD_TABLE.len() {
            let mut line = String::from("       ");
            let multi = i + 1 < CMD_TABLE.len() && CMD_TABLE[i].1 == CMD_TABLE[i + 1].1;
            let word = |e: &CmdEntry| format!("{}{}", e.0, if e.2 & PLURAL != 0 { "(s)" } else { "" });
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
    // libxo's options come first (xo_parse_args), in any of its spellings.
    let (format, args) = match libxo_args(args) {
        Ok(x) => x,
        Err(msg) => {
            p.warnx(&msg);
            return p.usage();
        }
    };
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
        (None, None) => {
            // A first word that is neither a pid nor a command: FreeBSD
            // would open it as a core file, which is never what was meant
            // by a word that names no file.
            if let Some(w) = rest.first() {
                if !strtol10(w).1 && !std::path::Path::new(w).exists() {
                    p.warnx(&format!("unknown command: {w}"));
                    return p.usage();
                }
            }
            Cmd::Basic
        }
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
    let top = if p.compat { invoked } else { "procstat" };
    if cmd == Cmd::Advlock {
        let mut ctx = Ctx { prog: &p, opts, cmd, out: Out::new(format), page: 0, hz: 0, status: 0 };
        loop {
            ctx.out.open(top);
            ctx.out.open(xo_container(cmd));
            ctx.advlock();
            ctx.end_round();
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
    let mut ctx = Ctx { prog: &p, opts, cmd, out: Out::new(format), page: ps::page_size(), hz: ps::clock_ticks(), status: 0 };
    loop {
        ctx.out.open(top);
        ctx.out.open(xo_container(cmd));
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
        ctx.end_round();
        if missing {
            status = 1;
        }
        // Like FreeBSD's errx on a vanished pid, -w stops when a process is gone.
        if interval == 0 || missing {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(interval));
    }
    status.max(ctx.status)
}

/// Split off libxo's options (`--libxo FMT`, `--libxo=FMT`, `--libxo:FMT`),
/// which may come anywhere before the first operand, as xo_parse_args()
/// takes them.
fn libxo_args(args: Vec<String>) -> Result<(Format, Vec<String>), String> {
    let mut format = Format::Text;
    let mut rest = Vec::with_capacity(args.len());
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        if a == "--" {
            rest.push(a);
            rest.extend(it.by_ref());
            break;
        }
        let spec = if a == "--libxo" {
            it.next().ok_or("option requires an argument -- libxo")?
        } else if let Some(s) = a.strip_prefix("--libxo=").or_else(|| a.strip_prefix("--libxo:")) {
            s.to_string()
        } else {
            rest.push(a);
            continue;
        };
        format = Format::parse(&spec)?;
    }
    Ok((format, rest))
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
    out: Out,
    page: u64,
    hz: u64,
    /// Exit status a view asks for (pwdx: a directory it could not read).
    status: i32,
}

impl Ctx<'_> {
    /// Whether to print the table's title line.
    fn header(&self) -> bool {
        !self.opts.noheader && self.out.is_text()
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
        // FreeBSD's procstat(): each process in a container named by its pid.
        self.out.open(&pid.to_string());
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
        self.out.close();
        let text = self.out.take_text();
        self.flush(text);
        Ok(())
    }

    /// The end of one round (all processes, or one `-w` interval): the
    /// libxo document, if any, is complete.
    fn end_round(&mut self) {
        let text = self.out.take_text();
        let doc = self.out.finish();
        self.flush(text + &doc);
    }

    fn flush(&self, s: String) {
        if s.is_empty() {
            return;
        }
        let mut so = std::io::stdout().lock();
        if so.write_all(s.as_bytes()).and_then(|_| so.flush()).is_err() {
            // The reader went away (procstat | head): stop quietly.
            std::process::exit(1);
        }
    }

    fn warn_errno(&self, what: &str, e: Errno) {
        self.prog.warnx(&format!("{what}: {}", e.message()));
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
    fn libxo_options_are_taken_out_before_getopt() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (f, rest) = libxo_args(v(&["--libxo", "json", "-v", "1"])).unwrap();
        assert_eq!((f, rest), (Format::Json { pretty: false }, v(&["-v", "1"])));
        let (f, rest) = libxo_args(v(&["-f", "--libxo=xml,pretty", "1"])).unwrap();
        assert_eq!((f, rest), (Format::Xml { pretty: true }, v(&["-f", "1"])));
        assert!(libxo_args(v(&["--libxo"])).is_err());
        assert!(libxo_args(v(&["--libxo", "html", "1"])).is_err());
    }
}
