//! truss's command line: FreeBSD's `truss [-facedDHS] [-o file] [-s strsize]
//! -p pid | command [args]`, plus the strace options users reach for.
//!
//! Parsed getopt-style by hand (clusters like `-fH`, `-s64`, options stop at
//! the first operand) because two letters mean different things in the two
//! tools: `-e` is truss's "show the environment" and strace's `-e expr`.
//! `-e` takes an expression only when one follows that starts with a known
//! qualifier (`trace=`, `t=`, `signal=`, `signals=`, `s=`), attached
//! (`-etrace=openat`) or as the next word (`-e trace=openat`); otherwise it
//! is truss's flag. strace's `-t`/`-tt` (wall clock) and `-T` (time in the
//! call, truss's `-D`) do not clash with truss and are accepted.
//!
//! This module only turns words into a [`Config`]; it never touches a process.

use std::ffi::OsString;
use std::path::PathBuf;

use super::decode::filter::Filter;
use super::decode::Options;

/// Everything the command line asks for.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// `-f`: follow forks, vforks (the pid column).
    pub follow: bool,
    /// `-H`: the thread id column.
    pub show_tid: bool,
    /// `-c`: count calls; print only the summary table.
    pub count: bool,
    /// `-d`: time since the trace started.
    pub since_start: bool,
    /// `-D` (strace `-T`): time spent in the call.
    pub in_call: bool,
    /// strace `-t` (1: `HH:MM:SS`) and `-tt` (2: with microseconds).
    pub wall_clock: u8,
    /// `-S`: hide signals.
    pub hide_signals: bool,
    /// `-o file` (default: stderr).
    pub output: Option<PathBuf>,
    /// `-s`, `-a`, `-e`.
    pub decode: Options,
    /// `-e trace=` / `-e signal=`.
    pub filter: Filter,
    /// Whether `-e trace=` narrowed the set (so seccomp can help).
    pub filtered: bool,
    /// strace `-y`: paths of file descriptors.
    pub fd_paths: bool,
    /// `--json`: one JSON object per event.
    pub json: bool,
    /// `--no-seccomp`: filter in user space even for a spawned command.
    pub no_seccomp: bool,
    /// `--bpf`: record in the kernel with BPF instead of ptrace stops.
    pub bpf: bool,
    /// `--bpf-ring=BYTES`: the BPF ring buffer's size.
    pub bpf_ring: Option<usize>,
    /// `-p pid`.
    pub pid: Option<i32>,
    /// The command to run (when not `-p`).
    pub command: Vec<OsString>,
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
         {pad} strace-style extras: [-e trace=LIST] [-e signal=LIST] [-y] [-T] [-t|-tt]\n       \
         {pad} [--json] [--no-seccomp] [--bpf] [--bpf-ring=BYTES]\n"
    )
}

fn is_expression(s: &str) -> bool {
    matches!(
        s.split_once('='),
        Some(("trace" | "t" | "signal" | "signals" | "s", _))
    )
}

/// FreeBSD parses `-p` and `-s` with `strtol`/`atoi`; accept plain decimal.
fn number(flag: char, v: &str) -> Result<i64, ArgError> {
    v.parse::<i64>()
        .map_err(|_| ArgError::Usage(Some(format!("invalid argument to -{flag}: {v}"))))
}

pub fn parse(args: Vec<OsString>) -> Result<Config, ArgError> {
    let mut c = Config::default();
    let mut it = args.into_iter().peekable();
    while let Some(arg) = it.next() {
        let Some(s) = arg.to_str().map(str::to_string) else {
            c.command.push(arg);
            break;
        };
        if s == "--" {
            break;
        }
        if let Some(long) = s.strip_prefix("--") {
            match long {
                "json" => c.json = true,
                "no-seccomp" => c.no_seccomp = true,
                "seccomp-bpf" => {} // on by default
                "bpf" => c.bpf = true,
                _ if long.starts_with("bpf-ring=") => {
                    let v = &long["bpf-ring=".len()..];
                    match v.parse::<usize>() {
                        Ok(n) if (4096..=1 << 30).contains(&n) => {
                            c.bpf = true;
                            c.bpf_ring = Some(n);
                        }
                        _ => return Err(ArgError::Usage(Some(format!("invalid --bpf-ring size: {v} (4096 to 1073741824 bytes)")))),
                    }
                }
                "help" => return Err(ArgError::Help),
                _ => return Err(ArgError::Usage(Some(format!("unknown option --{long}")))),
            }
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
            let value = |it: &mut std::iter::Peekable<std::vec::IntoIter<OsString>>| -> Result<String, ArgError> {
                if !rest.is_empty() {
                    return Ok(rest.clone());
                }
                it.next()
                    .map(|v| v.to_string_lossy().into_owned())
                    .ok_or_else(|| ArgError::Usage(Some(format!("option requires an argument -- {f}"))))
            };
            match f {
                'f' => c.follow = true,
                'a' => c.decode.show_argv = true,
                'c' => c.count = true,
                'd' => c.since_start = true,
                'D' | 'T' => c.in_call = true,
                'H' => c.show_tid = true,
                'S' => c.hide_signals = true,
                'y' => c.fd_paths = true,
                't' => c.wall_clock = (c.wall_clock + 1).min(2),
                'e' => {
                    let expr = if is_expression(&rest) {
                        Some(rest.clone())
                    } else if rest.is_empty()
                        && it.peek().and_then(|n| n.to_str()).is_some_and(is_expression)
                    {
                        it.next().map(|n| n.to_string_lossy().into_owned())
                    } else {
                        None
                    };
                    match expr {
                        Some(e) => {
                            c.filter.apply(&e).map_err(|err| ArgError::Usage(Some(err.to_string())))?;
                            i = chars.len();
                        }
                        None => c.decode.show_env = true,
                    }
                }
                'o' => {
                    c.output = Some(PathBuf::from(value(&mut it)?));
                    i = chars.len();
                }
                's' => {
                    let v = number('s', &value(&mut it)?)?;
                    if v < 0 {
                        return Err(ArgError::Usage(Some(format!("invalid argument to -s: {v}"))));
                    }
                    c.decode.strsize = v as usize;
                    i = chars.len();
                }
                'p' => {
                    let v = number('p', &value(&mut it)?)?;
                    if v <= 0 || v > i32::MAX as i64 {
                        return Err(ArgError::Usage(Some(format!("invalid process id: {v}"))));
                    }
                    c.pid = Some(v as i32);
                    i = chars.len();
                }
                'h' => return Err(ArgError::Help),
                other => return Err(ArgError::Usage(Some(format!("illegal option -- {other}")))),
            }
        }
    }
    c.command.extend(it);
    if c.pid.is_some() != c.command.is_empty() {
        return Err(ArgError::Usage(None));
    }
    c.filtered = c.filter.trace != bsdtrace::sysent::SyscallSet::all();
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
        assert_eq!(c.output, Some(PathBuf::from("out")));
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
    }

    #[test]
    fn strace_timing_aliases() {
        let c = p(&["-T", "-tt", "true"]).unwrap();
        assert!(c.in_call);
        assert_eq!(c.wall_clock, 2);
    }

    #[test]
    fn pid_xor_command() {
        assert_eq!(p(&[]).unwrap_err(), ArgError::Usage(None));
        assert_eq!(p(&["-p", "1", "true"]).unwrap_err(), ArgError::Usage(None));
        assert_eq!(p(&["-p", "12"]).unwrap().pid, Some(12));
        assert!(matches!(p(&["-p", "x"]), Err(ArgError::Usage(Some(_)))));
        assert!(matches!(p(&["-q", "true"]), Err(ArgError::Usage(Some(_)))));
        assert!(matches!(p(&["-e", "trace=nosuch", "true"]), Err(ArgError::Usage(Some(_)))));
    }
}
