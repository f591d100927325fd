//! `bsdtrace protect`: FreeBSD's protect(1) on Linux.
//!
//! Interface, messages and exit statuses are FreeBSD's (usr.bin/protect):
//! `protect [-i] command [args...]` and `protect [-cdi] -g pgrp | -p pid`,
//! getopt(3) option parsing (options end at the first operand), ids parsed
//! like strtol(3) with base 0, `err(1, "procctl")` on failure, 127/126 when
//! the command cannot be executed. All the work is one call to the library's
//! PROC_SPROTECT; this file holds no logic the library could hold.

use bsdtrace::abi::{PPROT_CLEAR, PPROT_DESCEND, PPROT_INHERIT, PPROT_SET};
use bsdtrace::procctl::{self, protect::has_privilege, IdType, Request};
use bsdtrace::Errno;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;

/// The manual `--help` prints (and `bsdtrace manpage` turns into a page).
pub const MANUAL: &str = "\
PROTECT(1)                  General Commands Manual                 PROTECT(1)

NAME
     protect - protect processes from being killed when memory runs out

SYNOPSIS
     protect [-i] command [args ...]
     protect [-cdi] -g pgrp | -p pid

DESCRIPTION
     The protect command marks processes as protected. The kernel does not
     kill protected processes when it runs out of memory (swap on FreeBSD,
     the out-of-memory killer on Linux). Protection may be removed with -c.

     With a command, protect marks itself and then executes the command, so
     the command runs protected. With -g or -p it marks existing processes.

     The options are:

     -c         Remove protection from the specified processes.

     -d         Apply the operation to all current descendants of the
                specified processes as well (only with -g or -p).

     -i         Apply the operation to all future children of the specified
                processes.

     -g pgrp    Apply the operation to all processes in process group pgrp.

     -p pid     Apply the operation to process pid.

     Only one -g or -p may be given. Ids are read as C integers: decimal,
     octal with a leading 0, or hexadecimal with a leading 0x.

LINUX
     Protection is oom_score_adj = -1000 (OOM_SCORE_ADJ_MIN) in
     /proc/PID/oom_score_adj; -c puts back the value the process had before
     this library protected it, or 0. Changing protection needs the
     CAP_SYS_RESOURCE capability (FreeBSD: root). Without it protect fails
     with \"Operation not permitted\" and says so; note that root in a
     container often lacks CAP_SYS_RESOURCE.

     Linux children always inherit oom_score_adj, so on Linux future
     children of a protected process are protected with or without -i,
     unless the process is traced by bsdtrace. Kernel threads are skipped.

ENVIRONMENT
     BSDTRACE_PROTECT_SIMULATE
                Testing aid: when set to N (0 to 1000), \"protected\" means
                oom_score_adj = N, which needs no privilege, and protect does
                not check for CAP_SYS_RESOURCE itself.

EXIT STATUS
     0 on success; 1 if the processes could not be changed or the arguments
     are wrong (usage is printed); 126 if command was found but could not be
     executed; 127 if command was not found.

EXAMPLES
     Protect the X server:
           pgrep Xorg | xargs protect -p

     Protect all ssh sessions and their child processes:
           pgrep sshd | xargs protect -dip

     Remove protection from all current and future processes:
           protect -cdi -p 1

SEE ALSO
     procctl(2), proc(5) (/proc/PID/oom_score_adj), capabilities(7)

FreeBSD protect(1), ported by bsdtrace.
";

struct Prog<'a> {
    name: &'a str,
}

impl Prog<'_> {
    fn warnx(&self, msg: &str) {
        eprintln!("{}: {msg}", self.name);
    }
    fn usage(&self) -> i32 {
        eprintln!("usage: {} [-i] command [args ...]", self.name);
        eprintln!("       {} [-cdi] -g pgrp | -p pid", self.name);
        eprintln!("       {} --help", self.name);
        1
    }
}

/// strtol(s, &end, 0) and whether `*end == '\0'`.
fn strtol0(s: &str) -> (i64, bool) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if (t.starts_with("0x") || t.starts_with("0X"))
        && t[2..].chars().next().is_some_and(|c| c.is_ascii_hexdigit())
    {
        (16, &t[2..])
    } else if t.starts_with('0') {
        (8, t)
    } else {
        (10, t)
    };
    let n = digits.chars().take_while(|c| c.is_digit(radix)).count();
    if n == 0 {
        // No digits: strtol returns 0 and leaves end at the start of s.
        return (0, s.is_empty());
    }
    let mut v: i64 = 0;
    for c in digits[..n].chars() {
        v = v.saturating_mul(radix as i64).saturating_add(c.to_digit(radix).unwrap_or(0) as i64);
    }
    (if neg { v.saturating_neg() } else { v }, n == digits.len())
}

/// Entry point: `args` are the arguments after the command name. Returns
/// the exit status (it does not return when the command is executed).
pub fn main(name: &str, args: Vec<OsString>) -> i32 {
    let prog = Prog { name };
    if args.first().is_some_and(|a| a == "--help") {
        print!("{MANUAL}");
        return 0;
    }
    let print_help = || {
        print!("{MANUAL}");
        0
    };
    let mut flags = PPROT_SET;
    let (mut descend, mut inherit, mut idset) = (false, false, false);
    let mut idtype = IdType::Pid;
    let mut id: i64 = 0; // 0 = ourselves, which is what getpid() names here
    let mut optind = 0;
    // getopt(argc, argv, "cdig:p:"), BSD style: stop at the first operand.
    'args: while optind < args.len() {
        let a = args[optind].to_string_lossy().into_owned();
        if a == "--" {
            optind += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        optind += 1;
        let opts: Vec<char> = a[1..].chars().collect();
        let mut i = 0;
        while i < opts.len() {
            let c = opts[i];
            i += 1;
            match c {
                'c' => flags = PPROT_CLEAR,
                'd' => descend = true,
                'i' => inherit = true,
                // FreeBSD's protect has no -h; here it asks for the manual,
                // as it does of every bsdtrace command.
                'h' => return print_help(),
                'g' | 'p' => {
                    let optarg: String = if i < opts.len() {
                        opts[i..].iter().collect()
                    } else if optind < args.len() {
                        optind += 1;
                        args[optind - 1].to_string_lossy().into_owned()
                    } else {
                        prog.warnx(&format!("option requires an argument -- {c}"));
                        return prog.usage();
                    };
                    if idset {
                        prog.warnx("only one -g or -p flag is permitted");
                        return prog.usage();
                    }
                    let (v, complete) = strtol0(&optarg);
                    if !complete || v < 0 {
                        prog.warnx("invalid process id");
                        return prog.usage();
                    }
                    idtype = if c == 'g' { IdType::Pgid } else { IdType::Pid };
                    id = v;
                    idset = true;
                    continue 'args;
                }
                _ => {
                    prog.warnx(&format!("illegal option -- {c}"));
                    return prog.usage();
                }
            }
        }
    }
    let command = &args[optind..];
    if (idset && !command.is_empty()) || (!idset && (command.is_empty() || descend)) {
        return prog.usage();
    }
    if descend {
        flags |= PPROT_DESCEND;
    }
    if inherit {
        flags |= PPROT_INHERIT;
    }
    let call = || procctl::procctl(idtype, id, Request::Sprotect(flags));
    let simulated = simulated_policy();
    let privileged = simulated.is_some() || has_privilege();
    let result = match simulated {
        Some(policy) => policy.with(call),
        None => call(),
    };
    if let Err(e) = result {
        let errno = e.errno();
        prog.warnx(&format!("procctl: {}", strerror(errno.0)));
        if let Some(why) = explain(errno, privileged, flags & PPROT_CLEAR != 0) {
            prog.warnx(&why);
        }
        return 1;
    }
    if let Some((cmd, cmd_args)) = command.split_first() {
        let e = std::process::Command::new(cmd).args(cmd_args).exec();
        let code = if e.raw_os_error() == Some(Errno::ENOENT.0) { 127 } else { 126 };
        let msg = e.raw_os_error().map(strerror).unwrap_or_else(|| e.to_string());
        prog.warnx(&format!("{}: {msg}", cmd.to_string_lossy()));
        return code;
    }
    0
}

/// Testing aid for machines without CAP_SYS_RESOURCE (CI runs as root
/// without it): `BSDTRACE_PROTECT_SIMULATE=N` makes "protected" mean
/// oom_score_adj = N (N >= 0, which any process may set on itself and root
/// on anyone), so the whole command, -d/-g/-i and the exec paths can be
/// tested end to end. The kernel still enforces its own permissions.
fn simulated_policy() -> Option<procctl::ProtectPolicy> {
    let v: i32 = std::env::var("BSDTRACE_PROTECT_SIMULATE").ok()?.parse().ok()?;
    (0..=1000).contains(&v).then_some(procctl::ProtectPolicy { value: v, privileged: true })
}

use bsdtrace::error::strerror;

/// Say plainly why SPROTECT failed, where the errno alone does not.
fn explain(e: Errno, privileged: bool, clearing: bool) -> Option<String> {
    match e {
        // FreeBSD asks for root (PRIV_VM_MADV_PROTECT) to clear protection
        // as well as to set it; Linux's counterpart is CAP_SYS_RESOURCE.
        Errno::EPERM if !privileged && clearing => Some(
            "removing OOM-killer protection needs the CAP_SYS_RESOURCE capability too, as it needs root \
             on FreeBSD, and this process does not have it"
                .into(),
        ),
        Errno::EPERM if !privileged => Some(
            "protecting processes from the OOM killer needs the CAP_SYS_RESOURCE capability, \
             which this process does not have"
                .into(),
        ),
        Errno::EPERM => Some(
            "no process could be changed: kernel threads are skipped, and other users' processes need \
             root"
                .into(),
        ),
        Errno::ESRCH => Some("no such process or process group".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::strtol0;
    #[test]
    fn strtol_base_0() {
        assert_eq!(strtol0("123"), (123, true));
        assert_eq!(strtol0("0x1f"), (31, true));
        assert_eq!(strtol0("010"), (8, true));
        assert_eq!(strtol0("08"), (0, false));
        assert_eq!(strtol0(" 7"), (7, true));
        assert_eq!(strtol0("-5"), (-5, true));
        assert_eq!(strtol0("12abc"), (12, false));
        assert_eq!(strtol0("abc"), (0, false));
        assert_eq!(strtol0(""), (0, true));
        assert_eq!(strtol0("0x"), (0, false));
        assert_eq!(strtol0("0"), (0, true));
    }
}
