//! `bsdtrace`: one command, FreeBSD's tools as subcommands. This file only
//! dispatches; each subcommand lives in its own module. Invoked through a
//! link named after a subcommand (`protect`, `truss`), it runs that subcommand.

use std::ffi::OsString;

mod gdbserver;
mod manual;
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
        "completion" => manual::completion_main(rest),
        "manpage" => manual::manpage_main(rest),
        truss::user::HELPER => truss::user::exec_as(rest),
        "-h" | "--help" | "help" => {
            print!("{}", manual::usage());
            0
        }
        "-V" | "--version" | "version" => {
            println!("bsdtrace {}", env!("CARGO_PKG_VERSION"));
            0
        }
        other => {
            eprintln!("bsdtrace: unknown command: {other}");
            usage()
        }
    };
    std::process::exit(code);
}

fn usage() -> ! {
    eprint!("{}", manual::usage());
    std::process::exit(1);
}
