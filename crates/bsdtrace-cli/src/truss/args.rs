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

mod help;
pub use help::*;

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
mod tests;
