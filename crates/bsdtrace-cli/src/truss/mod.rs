//! `bsdtrace truss`: FreeBSD's truss(1) on Linux.
//!
//! ```text
//! truss [-facedDHS] [-o file] [-s strsize] -p pid
//! truss [-facedDHS] [-o file] [-s strsize] command [args]
//! ```
//!
//! plus the strace options its users type; [`args::HELP`] documents them
//! all (it is `truss --help` and the source of `bsdtrace-truss(1)`), and
//! `--bpf` (see `bpf`).
//!
//! * [`args`] turns the command line into a [`args::Config`];
//! * [`trace`] is the event loop on the engine's public API (spawn or
//!   attach, wait, `sc_args`/`sc_ret`, resume, detach);
//! * [`decode`] turns raw syscall numbers, arguments, return values and
//!   siginfo into truss's text (and JSON); it knows nothing of how the
//!   tracee is stopped;
//! * [`output`] buffers the lines (stderr, `-o file`, `-o '|cmd'`, `-ff`);
//! * [`fdinfo`] (`-y`/`-yy`), [`stack`] (`-k`), [`clock`] (`-t`) and
//!   [`user`] (`-u`) serve single options and cost nothing without them;
//! * `bpf` (cargo feature `bpf`) is the driver for `--bpf`: the same trace
//!   recorded in the kernel, decoded by [`decode`], never stopping anything.
//!
//! Exit status: without `-p`, the command's (128 + the signal if it was
//! killed, as shells report it; FreeBSD truss exits with the raw status);
//! 126/127 if it could not be executed; with `-p`, 0 after a detach or the
//! process's end; 1 for usage and start-up errors and for a trace that
//! could not be written; 2 for `-p` of truss itself ("attempt to grab
//! self."); 3 with `--bpf` when records were lost.

pub mod args;
#[cfg(feature = "bpf")]
pub mod bpf;
pub mod clock;
pub mod decode;
pub mod fdinfo;
pub mod output;
pub mod stack;
pub mod trace;
pub mod user;

use std::ffi::OsString;

/// What `truss --help` prints; `bsdtrace manpage` makes truss's manual
/// page and the shell completions from it, so options documented here
/// appear there.
pub fn help(prog: &str) -> String {
    format!("{}\n{}", args::usage(prog), args::HELP)
}

/// `bsdtrace truss ARGS`: returns the exit status.
pub fn main(prog: &str, args: Vec<OsString>) -> i32 {
    match args::parse(args) {
        Ok(cfg) if cfg.bpf => run_bpf(&cfg, prog),
        Ok(cfg) => trace::run(&cfg, prog),
        Err(args::ArgError::Help) => {
            print!("{}", help(prog));
            0
        }
        Err(args::ArgError::Usage(msg)) => {
            if let Some(m) = msg {
                eprintln!("{prog}: {m}");
            }
            eprint!("{}", args::usage(prog));
            1
        }
    }
}

/// `--bpf`: the BPF driver, or ptrace (with a message) for what BPF cannot do.
#[cfg(feature = "bpf")]
fn run_bpf(cfg: &args::Config, prog: &str) -> i32 {
    if let Some(why) = bpf::ptrace_only(cfg) {
        eprintln!("{prog}: --bpf: {why}; tracing with ptrace");
        return trace::run(cfg, prog);
    }
    bpf::run(cfg, prog)
}

#[cfg(not(feature = "bpf"))]
fn run_bpf(_: &args::Config, prog: &str) -> i32 {
    eprintln!("{prog}: --bpf: this bsdtrace was built without BPF support (cargo feature `bpf` of bsdtrace-cli)");
    1
}
