//! truss's command line: FreeBSD's `truss [-facedDHS] [-o file] [-s strsize]
//! -p pid | command [args]`, plus the strace options its users type.
//!
//! Parsed getopt-style by hand (clusters like `-fH`, `-s64`, options stop at
//! the first operand) because letters mean different things in the two
//! tools. FreeBSD's meaning wins where they collide:
//!
//! * `-e` is truss's "show the environment"; it takes strace's expression
//!   only when one follows that starts with a known qualifier (`trace=`,
//!   `status=`, `inject=`...), attached (`-etrace=openat`) or as the next
//!   word (`-e trace=openat`). strace's bare `-e open` is `-e trace=open`.
//! * `-d` and `-D` are FreeBSD's timestamps (since the start, time in the
//!   call); strace's `-d` (debug) has no equivalent, `-D` (detach into a
//!   grandchild) neither.
//! * `-S` hides signals; strace's `-S SORTBY` is `--summary-sort-by=SORTBY`.
//! * `-a` shows execve's arguments; strace's `-a COLUMN` has no equivalent
//!   (truss aligns results with FreeBSD's tabs).
//!
//! The text [`HELP`] explains every option; it is the one place they are
//! documented for users, and `bsdtrace-truss(1)` is generated from it.
//!
//! This module only turns words into a [`Config`]; it never touches a process.

use std::ffi::OsString;
use std::path::PathBuf;

use super::decode::filter::{Filter, Status};
use super::decode::{ConstStyle, HexStrings, Options};
use super::output::Target;

/// Everything the command line asks for.
#[derive(Clone, Debug)]
pub struct Config {
    /// `-f`: follow forks, vforks (the pid column).
    pub follow: bool,
    /// `-ff` with `-o FILE`: one `FILE.PID` per process, no pid column.
    pub per_process_files: bool,
    /// `-H`: the thread id column.
    pub show_tid: bool,
    /// `-c`: count calls; print only the summary table.
    pub count: bool,
    /// `-C`: the summary table after the trace.
    pub count_too: bool,
    /// `--summary-sort-by=`.
    pub sort_by: SortBy,
    /// `-d`: time since the trace started.
    pub since_start: bool,
    /// `-D`: time spent in the call (FreeBSD's column).
    pub in_call: bool,
    /// `-T`: strace's trailing ` <secs>` spent in the call.
    pub trailing_time: bool,
    /// `-r`: strace's time since the previous line, first.
    pub relative: bool,
    /// strace `-t` (1: `HH:MM:SS`), `-tt` (2: with microseconds), `-ttt`
    /// (3: seconds since the epoch); local time, as strace.
    pub wall_clock: u8,
    /// `-S`: hide signals.
    pub hide_signals: bool,
    /// `-o`.
    pub output: Target,
    /// `-s`, `-a`, `-e`, `-v`, `-x`, `-X`, `-e raw=`/`verbose=`/`abbrev=`.
    pub decode: Options,
    /// `-e trace=`/`signal=`/`status=`/`quiet=`/`inject=`, `-z`, `-Z`.
    pub filter: Filter,
    /// Whether `-e trace=` narrowed the set (so seccomp can help).
    pub filtered: bool,
    /// strace `-y` (1: paths), `-yy` (2: also socket endpoints, devices).
    pub fd_paths: u8,
    /// `-P PATH`: only calls that touch these paths.
    pub paths: Vec<PathBuf>,
    /// `-q` (1: no attach/detach messages), `-qq` (2: no exit lines either).
    pub quiet: u8,
    /// `-n`: the syscall number before each call.
    pub syscall_numbers: bool,
    /// `-k`: a stack trace after each call.
    pub stack: bool,
    /// `-u USER`: run the command as this user.
    pub user: Option<String>,
    /// `-E VAR=VAL` / `-E VAR`: change the command's environment.
    pub env: Vec<String>,
    /// `--json`: one JSON object per event.
    pub json: bool,
    /// `--no-seccomp`: filter in user space even for a spawned command.
    pub no_seccomp: bool,
    /// `--bpf`: record in the kernel with BPF instead of ptrace stops.
    pub bpf: bool,
    /// `--bpf-ring=BYTES`: the BPF ring buffer's size.
    pub bpf_ring: Option<usize>,
    /// `-p pid` (any number of times, or `-p PID,PID`).
    pub pids: Vec<i32>,
    /// The command to run (when not `-p`).
    pub command: Vec<OsString>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            follow: false,
            per_process_files: false,
            show_tid: false,
            count: false,
            count_too: false,
            sort_by: SortBy::Name,
            since_start: false,
            in_call: false,
            trailing_time: false,
            relative: false,
            wall_clock: 0,
            hide_signals: false,
            output: Target::Stderr,
            decode: Options::default(),
            filter: Filter::default(),
            filtered: false,
            fd_paths: 0,
            paths: Vec::new(),
            quiet: 0,
            syscall_numbers: false,
            stack: false,
            user: None,
            env: Vec::new(),
            json: false,
            no_seccomp: false,
            bpf: false,
            bpf_ring: None,
            pids: Vec::new(),
            command: Vec::new(),
        }
    }
}

impl Config {
    /// `-p`: attached to running processes, not running a command.
    pub fn attach(&self) -> bool {
        !self.pids.is_empty()
    }

    /// Whether each call's time is needed.
    pub fn timed(&self) -> bool {
        self.count || self.count_too || self.in_call || self.trailing_time
    }
}

/// `--summary-sort-by` (strace's `-S`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    Name,
    Time,
    Calls,
    Errors,
    Nothing,
}

/// Why the command line was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ArgError {
    /// Print the usage and exit 1 (with this message first, if any).
    Usage(Option<String>),
    /// `--help`.
    Help,
}

pub fn usage(prog: &str) -> String {
    let pad = " ".repeat(prog.len());
    format!(
        "usage: {prog} [-facedDHS] [-o file] [-s strsize] -p pid\n       \
         {prog} [-facedDHS] [-o file] [-s strsize] command [args]\n       \
         {pad} strace-style: [-CTcffhknqrtvwxyzZ] [-e expr] [-P path] [-u user] [-E var=val] [-X style]\n       \
         {pad} [--long-option...]; `{prog} --help` explains them all\n"
    )
}

/// The whole manual, printed by `--help` and turned into `bsdtrace-truss(1)`.
pub const HELP: &str = "\
NAME
     truss - trace system calls and signals

SYNOPSIS
     truss [-facedDHS] [-o file] [-s strsize] -p pid[,pid...] [-p pid ...]
     truss [-facedDHS] [-o file] [-s strsize] command [args ...]
     truss [strace-style options] (-p pid | command [args ...])

DESCRIPTION
     truss traces the system calls a process makes and the signals it
     receives, one line per call, in FreeBSD truss(1)'s format:

         openat(AT_FDCWD,\"/etc/passwd\",O_RDONLY|O_CLOEXEC,00) = 3 (0x3)
         read(3,\"root:x:0:0:root:/root:/bin/bash\"...,4096) = 1843 (0x733)
         access(\"/nonexistent\",F_OK)             ERR#2 'No such file or directory'
         SIGNAL 17 (SIGCHLD) code=CLD_EXITED pid=1234 uid=0 status=0

     With a command, truss runs it under trace and exits with its status.
     With -p it attaches to running processes; SIGINT, SIGTERM, SIGQUIT,
     SIGHUP, SIGPIPE, SIGUSR1/2, SIGALRM and every other signal that would
     end truss detach it first, and a process truss attached to is never
     killed by truss's end, even by SIGKILL: it runs on untraced.

FREEBSD OPTIONS
     -a         Show the argument strings of execve.
     -c         Count calls, errors and time per system call; print only
                the table (at the end, or at detach).
     -d         Prefix each line with the time since the trace started.
     -D         Prefix each line with the time spent in the call.
     -e         Show the environment strings of execve (see -e EXPR).
     -f         Follow fork/vfork/clone children; prefix lines with the pid.
     -H         Prefix lines with the thread id.
     -o file    Write the trace to file instead of stderr (see OUTPUT).
     -p pid     Attach to process pid; may be repeated, or a comma list.
     -s strsize Show at most strsize bytes of each string or buffer
                (default 32), then \"...\". Paths are shown whole.
     -S         Do not show signals.

STRACE-STYLE OPTIONS
     -e EXPR    strace's expression when EXPR starts with a qualifier:
                trace=, t=, signal=, signals=, s=, status=, quiet=, q=,
                silent=, silence=, raw=, x=, verbose=, v=, abbrev=, a=,
                inject=, fault= (see EXPRESSIONS). Otherwise -e is FreeBSD's
                flag; write -e trace=NAME for strace's bare -e NAME.
     -C         Print the trace, then the -c table.
     -w         -c and -C times are wall-clock time from entry to exit
                (always so; accepted for strace's users).
     -ff        With -o file: one file.PID per process (implies -f).
     -k         Print a stack trace of the thread after each call, unwound
                with the binaries' DWARF call frame information
                (.eh_frame), symbolized from their symbol tables and debug
                information.
     -n         Prefix each call with its number: \"[ 257] openat(...)\".
     -P path    Show only calls that name path or use a descriptor open on
                it; may be repeated.
     -q         Do not print \"attached\"/\"detached\" messages; -qq also no
                process exit or signal-death lines (as -e quiet=all).
     -r         Prefix each line with the time since the previous line.
     -t         Prefix each line with the local time, HH:MM:SS; -tt adds
                microseconds; -ttt prints seconds since the epoch.
     -T         Append the time spent in the call, \" <0.000012>\".
     -u user    Run the command as user (name or uid), with the user's
                group and supplementary groups (needs root).
     -E var=val Set var in the command's environment; -E var removes it.
                May be repeated.
     -v         Print structures whole (as -e verbose=all).
     -x         Print non-ASCII bytes of strings in hex (\\xNN); -xx every
                byte.
     -X style   Constants: abbrev (names, the default), raw (numbers) or
                verbose (numbers and names: 0x80000 /* O_CLOEXEC */).
     -y         Print the path behind each descriptor: 3</etc/passwd>.
     -yy        Also socket endpoints and device numbers:
                3<TCP:[127.0.0.1:40000->127.0.0.1:80]>, 0</dev/pts/0<char 136:0>>.
     -z         Show only calls that succeeded (-e status=successful).
     -Z         Show only calls that failed (-e status=failed).

LONG OPTIONS
     --trace=SET, --signal=SET, --status=SET, --quiet[=SET], --raw=SET,
     --verbose=SET, --abbrev=SET, --inject=SPEC, --fault=SPEC
                           the -e expressions.
     --output=FILE         -o FILE.
     --output-separately   -ff.
     --attach=PID          -p PID.
     --follow-forks        -f.
     --summary-only        -c.
     --summary             -C.
     --summary-wall-clock  -w.
     --summary-sort-by=KEY sort the table by name (default), time, calls,
                           errors, or nothing (strace's -S, which is
                           FreeBSD's -S here).
     --string-limit=N      -s N.
     --absolute-timestamps[=precision:s|ms|us|ns,format:time|unix]
                           -t, -tt, -ttt.
     --relative-timestamps -r.
     --syscall-times       -T.
     --syscall-number      -n.
     --stack-traces        -k.
     --decode-fds[=path|all]  -y, -yy.
     --trace-path=PATH     -P PATH.
     --successful-only     -z.
     --failed-only         -Z.
     --no-abbrev           -v.
     --strings-in-hex[=non-ascii|all]  -x, -xx.
     --const-print-style=STYLE  -X STYLE.
     --user=USER           -u USER.
     --env=VAR=VAL         -E VAR=VAL.
     --json                one JSON object per line instead of text.
     --no-seccomp          never install a seccomp filter (see FILTERING).
     --seccomp-bpf         accepted and ignored: truss already stops only at
                           the calls -e trace= selects when it runs the
                           command (see FILTERING).
     --bpf                 record in the kernel with BPF programs instead of
                           stopping the traced threads (see BPF).
     --bpf-ring=BYTES      the BPF ring buffer's size, 4096 to 1073741824
                           bytes (default 16 MiB, 2 MiB with -e trace=);
                           implies --bpf.
     --help                this text.

EXPRESSIONS
     trace=SET    Which calls to show. SET is a comma list of names
                  (openat), numbers, classes (%file %desc %network %net
                  %process %signal %memory %ipc %creds %clock %pure %stat
                  %lstat %fstat %%stat %statfs %fstatfs %%statfs), regular
                  expressions (/^open), all, none; ?name ignores an unknown
                  name; a leading ! negates the set.
     signal=SET   Which signals to show: names (SIGUSR1, usr1), numbers,
                  all, none, !.
     status=SET   Show only calls that ended so: successful, failed,
                  unfinished (never returned), unavailable, detached; all,
                  none, !.
     quiet=SET    Silence messages: exit (the process exit and death
                  lines), superseded (a call left unfinished by the next
                  one of its thread); all, none. attach, path-resolution,
                  personality and thread-execve are accepted: truss prints
                  no such notes.
     raw=SET      Print these calls' arguments as raw hex numbers.
     verbose=SET  Print these calls' structures whole (default none: long
                  structures are abbreviated with \"...\").
     abbrev=SET   The opposite of verbose=.
     inject=SET:error=ERRNO[:when=EXPR]
     inject=SET:retval=VALUE[:when=EXPR]
     inject=SET:signal=SIG[:when=EXPR]
     inject=SET:delay_enter=USECS[:delay_exit=USECS][:when=EXPR]
     fault=SET[:error=ERRNO][:when=EXPR]
                  Fault injection, strace's syntax. The call is not run:
                  it fails with ERRNO (fault='s default is ENOSYS) or
                  returns VALUE; or a signal is delivered after it; or the
                  thread is held before or after it. when=N injects only
                  the Nth call of the set (counted per process), N+ from the
                  Nth on, N+S every Sth from the Nth, N..M the Nth to the
                  Mth. An injected line ends in \" (INJECTED)\".

OUTPUT
     -o file writes the trace to file (created, or truncated). A symbolic
     link planted in a sticky world-writable directory (such as /tmp) by
     another user is not followed. -o '|command' or -o '!command' pipes the
     trace into a shell command. With -ff each process writes file.PID.
     A write that fails (a full disk, a closed pipe) is reported once; the
     trace goes on without output (an attached process is detached) and
     truss exits 1.

FILTERING
     When truss runs the command and -e trace= names a subset of the calls,
     a seccomp filter makes every other call run at full speed, as strace's
     --seccomp-bpf does. The filter is inherited by children, so truss then
     follows every child (showing them only with -f). The filter needs
     no_new_privs without CAP_SYS_ADMIN, which disables setuid programs;
     --no-seccomp traces every call and filters in truss instead. With -p
     no filter can be installed.

BPF
     With --bpf, BPF programs record each call's arguments, result and the
     memory its arguments point at while it runs, and the signals, thread
     and process births, execs and exits, into a ring buffer truss reads;
     the traced program is never stopped, so it runs several times faster
     than under ptrace. The lines are the same. It needs root (CAP_BPF and
     CAP_PERFMON) and a kernel with BTF; while a full trace runs, every
     process of the machine takes the kernel's slower syscall path. Memory
     is copied up to 4096 bytes per argument. A full ring loses records:
     each loss is a <N events of thread T lost> line, counted on stderr,
     and truss exits 3; a larger --bpf-ring helps. What needs a stopped
     call runs on ptrace instead, with a message: -e inject= and -e fault=
     (they change the call), -k (it unwinds the stack), -y and -yy and -P
     (they read the descriptors in /proc), -u (its helper's calls are left
     out only there).

EXIT STATUS
     With a command: its exit status (128 + the signal if it was killed);
     126 or 127 if it could not be executed. With -p: 0 after the processes
     ended or truss detached. 1 for usage errors, start-up failures and
     failed writes of the trace; 2 for -p of truss itself; 3 with --bpf
     when records were lost.

DIFFERENCES
     Letters FreeBSD truss and strace both use keep FreeBSD's meaning: -a,
     -d, -D, -e, -S (see above for strace's). Decoding follows strace where
     FreeBSD truss has no format of its own; errors stay FreeBSD's
     ERR#n 'message' with the errno name added where strace users look for
     it. docs/deviations.md lists every difference from FreeBSD truss.

EXAMPLES
     Follow a shell pipeline and its children:
           truss -f sh -c 'ls | wc -l'
     Which files does make open, with a timestamp and the time per call:
           truss -f -tt -T -e trace=%file make
     Watch a running server's network calls and leave it running:
           truss -p 1234 -e trace=%net -o /tmp/server.trace
     Make every third openat fail with EACCES:
           truss -e inject=openat:error=EACCES:when=3+3 ./prog
";

/// `-e` qualifiers; an `-e` followed by one of these is strace's.
const QUALIFIERS: &[&str] = &[
    "trace", "t", "signal", "signals", "s", "status", "quiet", "q", "silent", "silence", "raw", "x", "verbose", "v",
    "abbrev", "a", "inject", "fault", "read", "r", "write", "w",
];

fn is_expression(s: &str) -> bool {
    s.split_once('=').is_some_and(|(q, _)| QUALIFIERS.contains(&q))
}

fn usage_err(msg: impl Into<String>) -> ArgError {
    ArgError::Usage(Some(msg.into()))
}

/// FreeBSD parses `-p` and `-s` with `strtol`/`atoi`; accept plain decimal.
fn number(flag: &str, v: &str) -> Result<i64, ArgError> {
    v.trim().parse::<i64>().map_err(|_| usage_err(format!("invalid argument to {flag}: {v}")))
}

fn add_pids(c: &mut Config, v: &str) -> Result<(), ArgError> {
    for item in v.split([',', ' ', '\t']).filter(|s| !s.is_empty()) {
        let n = number("-p", item)?;
        if n <= 0 || n > i32::MAX as i64 {
            return Err(usage_err(format!("invalid process id: {item}")));
        }
        if !c.pids.contains(&(n as i32)) {
            c.pids.push(n as i32);
        }
    }
    if v.trim().is_empty() {
        return Err(usage_err("invalid process id: ''"));
    }
    Ok(())
}

fn expression(c: &mut Config, e: &str) -> Result<(), ArgError> {
    c.filter.apply(e, &mut c.decode).map_err(|err| usage_err(err.to_string()))
}

fn const_style(v: &str) -> Result<ConstStyle, ArgError> {
    match v {
        "abbrev" => Ok(ConstStyle::Abbrev),
        "raw" => Ok(ConstStyle::Raw),
        "verbose" => Ok(ConstStyle::Verbose),
        _ => Err(usage_err(format!("invalid -X argument: '{v}' (abbrev, raw or verbose)"))),
    }
}

/// `--absolute-timestamps[=format:time|unix,precision:s|ms|us|ns]`.
fn timestamps(c: &mut Config, v: Option<&str>) -> Result<(), ArgError> {
    let mut level = 1;
    let mut unix = false;
    for part in v.unwrap_or("").split(',').filter(|s| !s.is_empty()) {
        match part.split_once(':').unwrap_or(("", part)) {
            ("format" | "", "time") => {}
            ("format" | "", "unix") => unix = true,
            ("precision" | "", "s") => level = 1,
            ("precision" | "", "ms" | "us" | "ns") => level = 2,
            _ => return Err(usage_err(format!("invalid --absolute-timestamps argument: '{part}'"))),
        }
    }
    c.wall_clock = if unix { 3 } else { level };
    Ok(())
}

/// One long option (`--name` or `--name=value`); `next` supplies a value
/// given as the next word.
fn long_option(c: &mut Config, long: &str, next: &mut dyn FnMut() -> Option<String>) -> Result<(), ArgError> {
    let (name, inline) = match long.split_once('=') {
        Some((n, v)) => (n, Some(v.to_string())),
        None => (long, None),
    };
    let mut value = |what: &str| -> Result<String, ArgError> {
        match &inline {
            Some(v) => Ok(v.clone()),
            None => next().ok_or_else(|| usage_err(format!("option '--{what}' requires an argument"))),
        }
    };
    match name {
        "help" => return Err(ArgError::Help),
        "json" => c.json = true,
        "no-seccomp" => c.no_seccomp = true,
        // The filter is on whenever it can help; see HELP's FILTERING.
        "seccomp-bpf" => {}
        "trace" | "signal" | "status" | "raw" | "verbose" | "abbrev" | "inject" | "fault" | "read" | "write" => {
            let v = value(name)?;
            expression(c, &format!("{name}={v}"))?;
        }
        "quiet" | "silent" | "silence" => match &inline {
            Some(v) => expression(c, &format!("quiet={v}"))?,
            None => c.quiet = c.quiet.max(1),
        },
        "output" => c.output = Target::parse(&value(name)?),
        "output-separately" => c.per_process_files = true,
        "attach" => add_pids(c, &value(name)?)?,
        "follow-forks" => c.follow = true,
        "summary-only" => c.count = true,
        "summary" => c.count_too = true,
        "summary-wall-clock" => {}
        "summary-sort-by" => {
            c.sort_by = match value(name)?.as_str() {
                "name" | "syscall" => SortBy::Name,
                "time" | "time-percent" | "time-total" | "total-time" => SortBy::Time,
                "calls" | "count" => SortBy::Calls,
                "errors" | "error" => SortBy::Errors,
                "nothing" | "none" => SortBy::Nothing,
                v => return Err(usage_err(format!("invalid sort key '{v}'"))),
            }
        }
        "string-limit" => c.decode.strsize = strsize(&value(name)?)?,
        "absolute-timestamps" | "timestamps" => timestamps(c, inline.as_deref())?,
        "relative-timestamps" => c.relative = true,
        "syscall-times" => c.trailing_time = true,
        "syscall-number" => c.syscall_numbers = true,
        "stack-traces" => c.stack = true,
        "decode-fds" => {
            c.fd_paths = match inline.as_deref() {
                None | Some("path") => c.fd_paths.max(1),
                Some(_) => 2,
            }
        }
        "trace-path" => c.paths.push(PathBuf::from(value(name)?)),
        "successful-only" => c.filter.status = Status::SUCCESSFUL,
        "failed-only" => c.filter.status = Status::FAILED,
        "no-abbrev" => c.decode.verbose = bsdtrace::sysent::SyscallSet::all(),
        "strings-in-hex" => {
            c.decode.hex = match inline.as_deref() {
                None | Some("all") => HexStrings::All,
                Some("non-ascii") => HexStrings::NonAscii,
                Some("none") => HexStrings::None,
                Some(v) => return Err(usage_err(format!("invalid --strings-in-hex argument '{v}'"))),
            }
        }
        "const-print-style" => c.decode.consts = const_style(&value(name)?)?,
        "user" => c.user = Some(value(name)?),
        "env" => c.env.push(value(name)?),
        "bpf" => c.bpf = true,
        "bpf-ring" => {
            let v = value(name)?;
            match v.parse::<usize>() {
                Ok(n) if (4096..=1 << 30).contains(&n) => {
                    c.bpf = true;
                    c.bpf_ring = Some(n);
                }
                _ => return Err(usage_err(format!("invalid --bpf-ring size: {v} (4096 to 1073741824 bytes)"))),
            }
        }
        _ => return Err(usage_err(format!("unknown option --{name}"))),
    }
    Ok(())
}

fn strsize(v: &str) -> Result<usize, ArgError> {
    let n = number("-s", v)?;
    if n < 0 {
        return Err(usage_err(format!("invalid argument to -s: {n}")));
    }
    Ok(n as usize)
}

pub fn parse(args: Vec<OsString>) -> Result<Config, ArgError> {
    let mut c = Config::default();
    let mut it = args.into_iter().peekable();
    let mut ff = 0;
    let mut q = 0u8;
    let mut x = 0u8;
    let mut y = 0u8;
    while let Some(arg) = it.next() {
        let Some(s) = arg.to_str().map(str::to_string) else {
            c.command.push(arg);
            break;
        };
        if s == "--" {
            break;
        }
        if let Some(long) = s.strip_prefix("--") {
            let mut next = || it.next().map(|v| v.to_string_lossy().into_owned());
            long_option(&mut c, long, &mut next)?;
            continue;
        }
        if !s.starts_with('-') || s == "-" {
            c.command.push(arg);
            break;
        }
        let chars: Vec<char> = s[1..].chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let f = chars[i];
            i += 1;
            let rest: String = chars[i..].iter().collect();
            // Options with an argument take the rest of the cluster or the next word.
            let mut value = |it: &mut std::iter::Peekable<std::vec::IntoIter<OsString>>| -> Result<String, ArgError> {
                let v = if !rest.is_empty() {
                    rest.clone()
                } else {
                    it.next()
                        .map(|v| v.to_string_lossy().into_owned())
                        .ok_or_else(|| usage_err(format!("option requires an argument -- {f}")))?
                };
                i = chars.len();
                Ok(v)
            };
            match f {
                'f' => {
                    c.follow = true;
                    ff += 1;
                }
                'a' => c.decode.show_argv = true,
                'c' => c.count = true,
                'C' => c.count_too = true,
                'w' => {}
                'd' => c.since_start = true,
                'D' => c.in_call = true,
                'T' => c.trailing_time = true,
                'r' => c.relative = true,
                'H' => c.show_tid = true,
                'S' => c.hide_signals = true,
                'y' => y += 1,
                'q' => q += 1,
                'n' => c.syscall_numbers = true,
                'k' => c.stack = true,
                'v' => c.decode.verbose = bsdtrace::sysent::SyscallSet::all(),
                'x' => x += 1,
                'z' => c.filter.status = Status::SUCCESSFUL,
                'Z' => c.filter.status = Status::FAILED,
                't' => c.wall_clock = (c.wall_clock + 1).min(3),
                'e' => {
                    let expr = if is_expression(&rest) {
                        Some(rest.clone())
                    } else if rest.is_empty() && it.peek().and_then(|n| n.to_str()).is_some_and(is_expression) {
                        it.next().map(|n| n.to_string_lossy().into_owned())
                    } else {
                        None
                    };
                    match expr {
                        Some(e) => {
                            expression(&mut c, &e)?;
                            i = chars.len();
                        }
                        None => c.decode.show_env = true,
                    }
                }
                'o' => c.output = Target::parse(&value(&mut it)?),
                's' => c.decode.strsize = strsize(&value(&mut it)?)?,
                'p' => add_pids(&mut c, &value(&mut it)?)?,
                'P' => c.paths.push(PathBuf::from(value(&mut it)?)),
                'u' => c.user = Some(value(&mut it)?),
                'E' => c.env.push(value(&mut it)?),
                'X' => c.decode.consts = const_style(&value(&mut it)?)?,
                'h' => return Err(ArgError::Help),
                other => return Err(usage_err(format!("illegal option -- {other}"))),
            }
        }
    }
    c.command.extend(it);
    if c.pids.is_empty() == c.command.is_empty() {
        return Err(ArgError::Usage(None));
    }
    if ff >= 2 && matches!(c.output, Target::File(_)) {
        c.per_process_files = true;
    }
    if c.per_process_files {
        c.follow = true;
        if !matches!(c.output, Target::File(_)) {
            c.per_process_files = false;
        }
    }
    c.quiet = c.quiet.max(q.min(2));
    if c.quiet >= 2 {
        c.filter.quiet |= super::decode::filter::Quiet::all();
    } else if c.quiet == 1 {
        c.filter.quiet |= super::decode::filter::Quiet::ATTACH;
    }
    match x {
        0 => {}
        1 => c.decode.hex = HexStrings::NonAscii,
        _ => c.decode.hex = HexStrings::All,
    }
    c.fd_paths = c.fd_paths.max(y.min(2));
    if c.user.is_some() && c.attach() {
        return Err(usage_err("-u applies to a command, not to -p"));
    }
    if !c.env.is_empty() && c.attach() {
        return Err(usage_err("-E applies to a command, not to -p"));
    }
    // Injection needs the injected calls to stop even when not shown.
    c.filtered = c.filter.stopping_set() != bsdtrace::sysent::SyscallSet::all();
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(words: &[&str]) -> Result<Config, ArgError> {
        parse(words.iter().map(OsString::from).collect())
    }

    #[test]
    fn clusters_and_operands() {
        let c = p(&["-fHs64", "-o", "out", "ls", "-l"]).unwrap();
        assert!(c.follow && c.show_tid);
        assert_eq!(c.decode.strsize, 64);
        assert_eq!(c.output, Target::File(PathBuf::from("out")));
        assert_eq!(c.command, ["ls", "-l"]);
    }

    #[test]
    fn e_is_truss_env_unless_an_expression_follows() {
        let c = p(&["-e", "env"]).unwrap();
        assert!(c.decode.show_env && !c.filtered);
        let c = p(&["-e", "trace=openat", "true"]).unwrap();
        assert!(!c.decode.show_env && c.filtered && c.filter.trace.contains(257));
        let c = p(&["-etrace=%file", "-e", "signal=!SIGCHLD", "true"]).unwrap();
        assert!(c.filtered && !c.filter.signals.contains(17));
        let c = p(&["-ae", "true"]).unwrap();
        assert!(c.decode.show_argv && c.decode.show_env);
        for q in ["status=failed", "quiet=attach", "raw=read", "verbose=all", "abbrev=none", "inject=openat:error=ENOENT"] {
            let c = p(&["-e", q, "true"]).unwrap();
            assert!(!c.decode.show_env, "{q}");
            assert_eq!(c.command, ["true"], "{q}");
        }
    }

    #[test]
    fn strace_timing_options() {
        let c = p(&["-T", "-tt", "true"]).unwrap();
        assert!(c.trailing_time && !c.in_call);
        assert_eq!(c.wall_clock, 2);
        assert_eq!(p(&["-ttt", "true"]).unwrap().wall_clock, 3);
        assert_eq!(p(&["-t", "-t", "-t", "-t", "true"]).unwrap().wall_clock, 3);
        assert!(p(&["-r", "true"]).unwrap().relative);
        assert!(p(&["-D", "true"]).unwrap().in_call);
        assert_eq!(p(&["--absolute-timestamps=format:unix,precision:us", "true"]).unwrap().wall_clock, 3);
    }

    #[test]
    fn pids_accumulate() {
        let c = p(&["-p", "12", "-p", "13,14", "-p15"]).unwrap();
        assert_eq!(c.pids, [12, 13, 14, 15]);
        assert_eq!(p(&["--attach=7"]).unwrap().pids, [7]);
        assert!(p(&["-p", "1,x"]).is_err());
        assert!(p(&["-p", "0"]).is_err());
    }

    #[test]
    fn pid_xor_command() {
        assert_eq!(p(&[]).unwrap_err(), ArgError::Usage(None));
        assert_eq!(p(&["-p", "1", "true"]).unwrap_err(), ArgError::Usage(None));
        assert!(matches!(p(&["-p", "x"]), Err(ArgError::Usage(Some(_)))));
        assert!(matches!(p(&["-j", "true"]), Err(ArgError::Usage(Some(_)))));
        assert!(matches!(p(&["-e", "trace=nosuch", "true"]), Err(ArgError::Usage(Some(_)))));
        assert!(matches!(p(&["-u", "nobody", "-p", "1"]), Err(ArgError::Usage(Some(_)))));
    }

    #[test]
    fn output_forms() {
        assert_eq!(p(&["-o", "|cat", "true"]).unwrap().output, Target::Pipe("cat".into()));
        assert_eq!(p(&["-o", "!cat", "true"]).unwrap().output, Target::Pipe("cat".into()));
        let c = p(&["-ff", "-o", "f", "true"]).unwrap();
        assert!(c.per_process_files && c.follow);
        let c = p(&["-ff", "true"]).unwrap();
        assert!(!c.per_process_files && c.follow);
        let c = p(&["--output=x", "--output-separately", "true"]).unwrap();
        assert!(c.per_process_files);
    }

    #[test]
    fn short_strace_flags() {
        let c = p(&["-qq", "-xx", "-yy", "-n", "-k", "-v", "-z", "-C", "-w", "true"]).unwrap();
        assert_eq!(c.quiet, 2);
        assert_eq!(c.decode.hex, HexStrings::All);
        assert_eq!(c.fd_paths, 2);
        assert!(c.syscall_numbers && c.stack && c.count_too);
        assert!(c.decode.verbose.contains(0));
        assert_eq!(c.filter.status, Status::SUCCESSFUL);
        assert_eq!(p(&["-Z", "true"]).unwrap().filter.status, Status::FAILED);
        assert_eq!(p(&["-x", "true"]).unwrap().decode.hex, HexStrings::NonAscii);
        assert_eq!(p(&["-X", "raw", "true"]).unwrap().decode.consts, ConstStyle::Raw);
        assert!(p(&["-X", "bogus", "true"]).is_err());
        let c = p(&["-P", "/etc/passwd", "-u", "nobody", "-E", "A=1", "-E", "B", "true"]).unwrap();
        assert_eq!(c.paths, [PathBuf::from("/etc/passwd")]);
        assert_eq!(c.user.as_deref(), Some("nobody"));
        assert_eq!(c.env, ["A=1", "B"]);
    }

    #[test]
    fn long_options() {
        let c = p(&[
            "--trace=openat",
            "--string-limit=80",
            "--syscall-times",
            "--follow-forks",
            "--summary",
            "--decode-fds=all",
            "--strings-in-hex=non-ascii",
            "--const-print-style",
            "verbose",
            "--seccomp-bpf",
            "--",
            "ls",
        ])
        .unwrap();
        assert!(c.filter.trace.contains(257) && !c.filter.trace.contains(0));
        assert_eq!(c.decode.strsize, 80);
        assert!(c.trailing_time && c.follow && c.count_too);
        assert_eq!(c.fd_paths, 2);
        assert_eq!(c.decode.hex, HexStrings::NonAscii);
        assert_eq!(c.decode.consts, ConstStyle::Verbose);
        assert_eq!(c.command, ["ls"]);
        assert_eq!(p(&["--help"]).unwrap_err(), ArgError::Help);
        assert!(p(&["--bogus", "true"]).is_err());
        assert_eq!(p(&["--summary-sort-by=calls", "true"]).unwrap().sort_by, SortBy::Calls);
    }

    #[test]
    fn bpf_and_its_ring() {
        assert!(p(&["--bpf", "true"]).unwrap().bpf);
        let c = p(&["--bpf-ring=65536", "-p", "12"]).unwrap();
        assert!(c.bpf && c.bpf_ring == Some(65536));
        assert_eq!(p(&["--bpf-ring", "8192", "true"]).unwrap().bpf_ring, Some(8192));
        assert!(p(&["--bpf-ring=100", "true"]).is_err());
        assert!(p(&["--bpf-ring=lots", "true"]).is_err());
        assert!(!p(&["true"]).unwrap().bpf);
    }

    #[test]
    fn help_names_every_option() {
        for opt in [
            "-a", "-c", "-d", "-D", "-e", "-f", "-H", "-o", "-p", "-s", "-S", "-C", "-w", "-ff", "-k", "-n", "-P", "-q",
            "-qq", "-r", "-t", "-tt", "-ttt", "-T", "-u", "-E", "-v", "-x", "-xx", "-X", "-y", "-yy", "-z", "-Z",
            "--trace", "--output", "--summary", "--seccomp-bpf", "--json", "--no-seccomp", "status=", "quiet=",
            "raw=", "verbose=", "abbrev=", "inject=", "fault=", "--help", "--bpf", "--bpf-ring",
        ] {
            assert!((opt.ends_with('=') && HELP.contains(opt)) || HELP.contains(&format!("{opt} ")) || HELP.contains(&format!("{opt}=")) || HELP.contains(&format!("{opt}\n")), "{opt}");
        }
    }
}
