//! `bsdtrace manpage` and `bsdtrace completion`: manual pages and shell
//! completions made from the commands' own help, at run time, so they
//! always describe the binary that prints them.
//!
//! Each page's source is what its command prints for `--help`: the text
//! manuals of procstat, protect and gdbserver, truss's help (its usage
//! today; the page grows with it), and the command list of `bsdtrace`
//! itself. [`roff`] lays a text manual out as a man page; [`options`]
//! reads the documented options back out of it for [`complete`].

mod complete;
pub mod options;
mod roff;

use std::path::Path;

/// What a command's operands are, for completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operands {
    /// A command line to run (truss, protect), or with `-p` a pid.
    Command,
    /// Process ids (procstat and its aliases).
    Pids,
    /// gdbserver: where to listen, then a program (or a pid with --attach).
    Gdb,
}

/// One subcommand: its page, the names it answers to, its help text.
pub struct Command {
    /// The subcommand (`procstat`).
    pub name: &'static str,
    /// Link names that run it (`procstat`, `pargs`, ...).
    pub links: &'static [&'static str],
    /// One line for `bsdtrace --help` and the page's NAME.
    pub summary: &'static str,
    /// What `--help` prints.
    pub help: fn() -> String,
    pub operands: Operands,
    /// Words that select a view (procstat's commands).
    pub words: fn() -> Vec<&'static str>,
}

fn no_words() -> Vec<&'static str> {
    Vec::new()
}

/// Every subcommand, in `bsdtrace --help` order.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "truss",
        links: &["truss"],
        summary: "trace system calls and signals (FreeBSD truss(1), strace's filters)",
        help: || crate::truss::help("truss"),
        operands: Operands::Command,
        words: no_words,
    },
    Command {
        name: "procstat",
        links: &["procstat", "pargs", "penv", "pwdx"],
        summary: "show process information (FreeBSD procstat(1); also pargs, penv, pwdx)",
        help: || crate::procstat::MANUAL.to_string(),
        operands: Operands::Pids,
        words: crate::procstat::command_words,
    },
    Command {
        name: "protect",
        links: &["protect"],
        summary: "protect processes from the out-of-memory killer (FreeBSD protect(1))",
        help: || crate::protect::MANUAL.to_string(),
        operands: Operands::Command,
        words: no_words,
    },
    Command {
        name: "gdbserver",
        links: &[],
        summary: "serve a process to gdb over the remote protocol (gdbserver(1))",
        help: || crate::gdbserver::MANUAL.to_string(),
        operands: Operands::Gdb,
        words: no_words,
    },
];

/// The commands that are not subcommands of a tool but of bsdtrace.
pub const MANPAGE_USAGE: &str = "bsdtrace manpage [-d dir] [page]";
pub const COMPLETION_USAGE: &str = "bsdtrace completion bash|zsh|fish";

/// `bsdtrace --help`, which is also the text of bsdtrace(1).
pub fn usage() -> String {
    let mut s = String::from("usage: bsdtrace command [args ...]\n       bsdtrace --version\n");
    s.push_str(&format!("       {COMPLETION_USAGE}\n       {MANPAGE_USAGE}\n\ncommands:\n"));
    for c in COMMANDS {
        s.push_str(&format!("  {:<10} {}\n", c.name, c.summary));
    }
    s.push_str("  completion print a completion script for bash, zsh or fish\n");
    s.push_str("  manpage    print a manual page, or write them all to a directory\n");
    s
}

/// The text manual of bsdtrace(1).
fn bsdtrace_manual() -> String {
    let mut s = String::from("NAME\n     bsdtrace - FreeBSD's process-debugging tools on Linux\n\nSYNOPSIS\n");
    s.push_str("     bsdtrace command [args ...]\n     bsdtrace --version\n");
    s.push_str(&format!("     {COMPLETION_USAGE}\n     {MANPAGE_USAGE}\n"));
    // The link names (installed beside the binary) run their command.
    for l in COMMANDS.iter().flat_map(|c| c.links.iter()) {
        s.push_str(&format!("     {:<24}(as bsdtrace {l} args ...)\n", format!("{l} args ...")));
    }
    s.push_str(
        "\nDESCRIPTION\n     bsdtrace is FreeBSD's ptrace(2) and procctl(2) rebuilt on Linux; this\n     \
         command runs FreeBSD's tools over it. The commands are:\n\n",
    );
    for c in COMMANDS {
        s.push_str(&format!("     {:<11}{}\n", c.name, c.summary));
    }
    s.push_str(
        "     completion Print the completion script for bash, zsh or fish.\n     \
         manpage    Print the manual page named (bsdtrace, truss, procstat,\n                \
         protect, gdbserver, or a link name), or with -d write every page\n                \
         and its link names into dir.\n\n     \
         A link to the bsdtrace binary named truss, procstat, pargs, penv,\n     \
         pwdx or protect runs that command, with messages in that name, as\n     \
         scripts/install.sh installs them.\n\n     \
         Every command prints its manual with --help.\n\n\
         EXIT STATUS\n     The command's; 1 for an unknown command.\n\n\
         SEE ALSO\n     bsdtrace-truss(1), bsdtrace-procstat(1), bsdtrace-protect(1),\n     \
         bsdtrace-gdbserver(1), and docs/ in the bsdtrace sources.\n",
    );
    s
}

/// The text manual of a page name (`bsdtrace`, `bsdtrace-truss`, `truss`,
/// `pargs`...).
fn page_text(name: &str) -> Option<(String, String)> {
    let name = name.strip_suffix(".1").unwrap_or(name);
    if name == "bsdtrace" {
        return Some(("bsdtrace".into(), bsdtrace_manual()));
    }
    let sub = name.strip_prefix("bsdtrace-").unwrap_or(name);
    let c = COMMANDS.iter().find(|c| c.name == sub || c.links.contains(&sub))?;
    let help = (c.help)();
    // A help text that is only a usage message gets NAME and SYNOPSIS.
    let text = if help.trim_start().starts_with("usage:") {
        let mut s = format!("NAME\n     {} - {}\n\nSYNOPSIS\n", c.name, c.summary);
        let (synopsis, rest) = help.split_once("\n\n").unwrap_or((&help, ""));
        for l in synopsis.lines() {
            let l = l.trim_start().trim_start_matches("usage:").trim_start();
            s.push_str(&format!("     {l}\n"));
        }
        if !rest.trim().is_empty() {
            s.push_str("\nDESCRIPTION\n");
            for l in rest.lines() {
                s.push_str(&format!("     {l}\n"));
            }
        }
        s.push_str("\nSEE ALSO\n     bsdtrace(1), and docs/ in the bsdtrace sources.\n");
        s
    } else {
        help
    };
    Some((format!("bsdtrace-{}", c.name), text))
}

fn manpage(args: &[String]) -> Result<(), String> {
    let version = env!("CARGO_PKG_VERSION");
    match args {
        [flag, dir] if flag == "-d" || flag == "--dir" => {
            let dir = Path::new(dir);
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {}", dir.display(), bsdtrace::error::io_message(&e)))?;
            let write = |file: String, body: String| {
                let path = dir.join(file);
                std::fs::write(&path, body).map_err(|e| format!("{}: {}", path.display(), bsdtrace::error::io_message(&e)))
            };
            let (name, text) = page_text("bsdtrace").expect("bsdtrace(1)");
            write(format!("{name}.1"), roff::page(&name, version, &text))?;
            for c in COMMANDS {
                let (name, text) = page_text(c.name).expect("a subcommand's page");
                write(format!("{name}.1"), roff::page(&name, version, &text))?;
                // The link names' pages point at the subcommand's.
                for l in c.links {
                    write(format!("{l}.1"), format!(".so man1/{name}.1\n"))?;
                }
            }
            Ok(())
        }
        [] => {
            print!("{}", roff::page("bsdtrace", version, &bsdtrace_manual()));
            Ok(())
        }
        [name] => {
            let (name, text) = page_text(name).ok_or_else(|| format!("no manual page for {name}"))?;
            print!("{}", roff::page(&name, version, &text));
            Ok(())
        }
        _ => Err(format!("usage: {MANPAGE_USAGE}")),
    }
}

/// `bsdtrace manpage ARGS`.
pub fn manpage_main(args: Vec<std::ffi::OsString>) -> i32 {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    match manpage(&args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("bsdtrace manpage: {e}");
            1
        }
    }
}

/// `bsdtrace completion SHELL`.
pub fn completion_main(args: Vec<std::ffi::OsString>) -> i32 {
    let shell = args.first().map(|a| a.to_string_lossy().into_owned());
    match shell.as_deref().and_then(complete::script) {
        Some(s) if args.len() == 1 => {
            print!("{s}");
            0
        }
        _ => {
            eprintln!("usage: {COMPLETION_USAGE}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_and_link_has_a_page_with_its_options() {
        for c in COMMANDS {
            for name in std::iter::once(&c.name).chain(c.links) {
                let (page, text) = page_text(name).unwrap_or_else(|| panic!("{name}"));
                assert_eq!(page, format!("bsdtrace-{}", c.name));
                let roff = roff::page(&page, "0", &text);
                assert!(roff.contains(".SH NAME\n") && roff.contains(".SH SYNOPSIS\n"), "{name}: {roff}");
            }
            assert!(!options::parse(&(c.help)()).is_empty(), "{}: no options found", c.name);
        }
        assert!(page_text("nosuch").is_none());
        assert!(roff::page("bsdtrace", "0", &bsdtrace_manual()).contains("bsdtrace\\-procstat(1)"));
    }
}
