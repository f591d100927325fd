//! `bsdtrace`: one command, FreeBSD's tools as subcommands. This file only
//! dispatches; each subcommand lives in its own module. Invoked through a
//! link named after a subcommand (`protect`, `truss`), it runs that subcommand.

use std::ffi::OsString;

mod gdbserver;
mod procstat;
mod protect;
#[allow(dead_code)] // the decoder offers more than the driver uses
mod truss;

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = args.first().map(std::path::Path::new).and_then(|p| p.file_name()).map(|s| s.to_os_string());
    let (sub, prog) = match argv0.as_ref().and_then(|s| s.to_str()) {
        Some(name @ ("protect" | "truss" | "procstat" | "pargs" | "penv" | "pwdx")) => (name.to_string(), name.to_string()),
        _ => {
            if args.len() < 2 {
                usage();
            }
            let sub = args.remove(1).to_string_lossy().into_owned();
            (sub.clone(), format!("bsdtrace {sub}"))
        }
    };
    let rest = args.split_off(1);
    let code = match sub.as_str() {
        "protect" => protect::main(&prog, rest),
        "gdbserver" => gdbserver::main(&prog, rest),
        "procstat" | "pargs" | "penv" | "pwdx" => procstat::main(&prog, &sub, rest),
        "truss" => truss::main(&prog, rest),
        truss::user::HELPER => truss::user::exec_as(rest),
        "-h" | "--help" | "help" => {
            println!("{}", USAGE);
            0
        }
        _ => usage(),
    };
    std::process::exit(code);
}

const USAGE: &str = "usage: bsdtrace <command> [args...]\n\ncommands:\n  protect    protect processes from the out-of-memory killer (protect(1))\n  truss      trace system calls and signals (truss(1))\n  procstat   show process information (procstat(1); also pargs, penv, pwdx)\n  gdbserver  serve a process to gdb over the remote protocol (gdbserver(1))";

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(1);
}
