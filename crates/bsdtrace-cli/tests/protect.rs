//! `bsdtrace protect` end to end: FreeBSD protect(1)'s interface, messages
//! and exit statuses, on real processes. Without CAP_SYS_RESOURCE the real
//! path can only fail (checked); BSDTRACE_PROTECT_SIMULATE=500 runs the rest
//! with a value that needs no privilege.

#[path = "../../bsdtrace/tests/pcommon/mod.rs"]
mod common;
use common::*;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bsdtrace");

fn protect(args: &[&str]) -> Output {
    Command::new(BIN).arg("protect").args(args).env_remove("BSDTRACE_PROTECT_SIMULATE").output().unwrap()
}

fn protect_sim(args: &[&str]) -> Output {
    Command::new(BIN).arg("protect").args(args).env("BSDTRACE_PROTECT_SIMULATE", "500").output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_usage(o: &Output) {
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let e = stderr(o);
    assert!(e.contains("usage: bsdtrace protect [-i] command [args ...]\n"), "{e}");
    assert!(e.contains("       bsdtrace protect [-cdi] -g pgrp | -p pid\n"), "{e}");
}

#[test]
fn no_arguments_prints_usage_to_stderr_and_exits_1() {
    assert_usage(&protect(&[]));
}

#[test]
fn a_command_and_an_id_together_is_usage() {
    assert_usage(&protect(&["-p", "1", "true"]));
}

#[test]
fn descend_without_an_id_is_usage() {
    assert_usage(&protect(&["-d", "true"]));
}

#[test]
fn only_one_g_or_p_is_permitted() {
    for args in [["-p", "1", "-g", "2"], ["-g", "1", "-g", "2"], ["-p", "1", "-p", "1"]] {
        let o = protect(&args);
        assert_usage(&o);
        assert!(stderr(&o).starts_with("bsdtrace protect: only one -g or -p flag is permitted\n"), "{}", stderr(&o));
    }
}

#[test]
fn ids_that_strtol_does_not_fully_accept_are_invalid() {
    for id in ["abc", "-5", "12x", "08", "0x"] {
        let o = protect(&["-p", id]);
        assert_usage(&o);
        assert!(stderr(&o).starts_with("bsdtrace protect: invalid process id\n"), "{id}: {}", stderr(&o));
    }
}

#[test]
fn unknown_options_and_missing_arguments_are_reported_like_getopt() {
    let o = protect(&["-x", "true"]);
    assert_usage(&o);
    assert!(stderr(&o).starts_with("bsdtrace protect: illegal option -- x\n"));
    let o = protect(&["-p"]);
    assert_usage(&o);
    assert!(stderr(&o).starts_with("bsdtrace protect: option requires an argument -- p\n"));
}

#[test]
fn help_prints_the_manual_to_stdout() {
    let o = protect(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let s = String::from_utf8_lossy(&o.stdout);
    for want in ["SYNOPSIS", "protect [-cdi] -g pgrp | -p pid", "CAP_SYS_RESOURCE", "EXIT STATUS", "pgrep sshd | xargs protect -dip"] {
        assert!(s.contains(want), "missing {want}");
    }
}

#[test]
fn dash_h_prints_the_manual_too() {
    for args in [&["-h"][..], &["-ch", "-p", "1"]] {
        let o = protect(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains("SYNOPSIS"));
        assert!(o.stderr.is_empty(), "{}", stderr(&o));
    }
}

#[test]
fn clearing_without_the_privilege_says_clearing_needs_it_too() {
    if bsdtrace::procctl::protect::has_privilege() {
        return;
    }
    let t = Tree::spawn(&[], 1);
    let o = protect(&["-c", "-p", &t.root().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("removing OOM-killer protection needs the CAP_SYS_RESOURCE capability too"), "{e}");
    assert!(!e.contains("-1000"), "{e}");
}

#[test]
fn without_cap_sys_resource_protect_fails_and_says_why() {
    let t = Tree::spawn(&[], 1);
    let before = oom(t.root());
    let o = protect(&["-p", &t.root().to_string()]);
    if bsdtrace::procctl::protect::has_privilege() {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(oom(t.root()), -1000);
        assert_eq!(protect(&["-c", "-p", &t.root().to_string()]).status.code(), Some(0));
        assert_eq!(oom(t.root()), 0);
        return;
    }
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.starts_with("bsdtrace protect: procctl: Operation not permitted\n"), "{e}");
    assert!(e.contains("CAP_SYS_RESOURCE"), "{e}");
    assert_eq!(oom(t.root()), before);
    // With a command: the command is not run.
    let o = protect(&["sh", "-c", "echo ran"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
}

#[test]
fn invoked_as_protect_it_is_protect() {
    let link = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("protect-{}", std::process::id()));
    let dir = link.with_extension("d");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("protect");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    let o = Command::new(&link).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("usage: protect [-i] command [args ...]\n"), "{}", stderr(&o));
    let o = Command::new(&link).args(["-p", "zz"]).output().unwrap();
    assert!(stderr(&o).starts_with("protect: invalid process id\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_subcommand_says_so() {
    let o = Command::new(BIN).arg("nosuch").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.starts_with("bsdtrace: unknown command: nosuch\n"), "{e}");
    assert!(e.contains("usage: bsdtrace command [args ...]"), "{e}");
}

#[test]
fn version_prints_the_version() {
    for arg in ["--version", "-V"] {
        let o = Command::new(BIN).arg(arg).output().unwrap();
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&o.stdout), format!("bsdtrace {}\n", env!("CARGO_PKG_VERSION")));
    }
}

// ---- the rest with BSDTRACE_PROTECT_SIMULATE=500 ----

#[test]
fn protect_command_runs_it_protected_silently() {
    let o = protect_sim(&["sh", "-c", "cat /proc/self/oom_score_adj; exit 3"]);
    assert_eq!(o.status.code(), Some(3), "the command's own status");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "500\n");
    assert!(o.stderr.is_empty());
    // Options end at the first operand, as with BSD getopt.
    let o = protect_sim(&["-i", "echo", "-p", "1"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "-p 1\n");
}

#[test]
fn a_command_that_is_not_found_exits_127() {
    let o = protect_sim(&["/nonexistent/cmd"]);
    assert_eq!(o.status.code(), Some(127));
    assert_eq!(stderr(&o), "bsdtrace protect: /nonexistent/cmd: No such file or directory\n");
    let o = protect_sim(&["no-such-command-anywhere"]);
    assert_eq!(o.status.code(), Some(127));
}

#[test]
fn a_command_that_cannot_be_executed_exits_126() {
    let o = protect_sim(&["/etc/passwd"]);
    assert_eq!(o.status.code(), Some(126));
    assert_eq!(stderr(&o), "bsdtrace protect: /etc/passwd: Permission denied\n");
}

#[test]
fn p_sets_and_c_clears_one_process() {
    let t = Tree::spawn(&["-d", "1", "-w", "1"], 2);
    let root = t.root().to_string();
    let o = protect_sim(&["-p", &root]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    assert_eq!(oom(t.root()), 500);
    let child = t.nodes.iter().find(|n| n.0 != t.root()).unwrap().0;
    assert_eq!(oom(child), 0, "no -d: descendants untouched");
    assert_eq!(protect_sim(&["-c", "-p", &root]).status.code(), Some(0));
    assert_eq!(oom(t.root()), 0);
}

#[test]
fn d_covers_descendants_and_ids_take_strtol_bases() {
    let t = Tree::spawn(&["-d", "2", "-w", "2"], 7);
    let hex = format!("{:#x}", t.root());
    assert_eq!(protect_sim(&["-dip", &hex]).status.code(), Some(0));
    for p in t.pids() {
        assert_eq!(oom(p), 500, "pid {p}");
    }
    let oct = format!("0{:o}", t.root());
    assert_eq!(protect_sim(&["-cdi", "-p", &oct]).status.code(), Some(0));
    for p in t.pids() {
        assert_eq!(oom(p), 0, "pid {p}");
    }
}

#[test]
fn g_covers_the_process_group() {
    let t = Tree::spawn(&["-d", "1", "-w", "3"], 4);
    let other = Tree::spawn(&[], 1);
    assert_eq!(protect_sim(&["-g", &t.root().to_string()]).status.code(), Some(0));
    for p in t.pids() {
        assert_eq!(oom(p), 500);
    }
    assert_eq!(oom(other.root()), 0);
}

#[test]
fn procctl_failures_exit_1_with_err_style_messages() {
    let o = protect_sim(&["-p", "2"]); // kthreadd: skipped, nothing changed
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.starts_with("bsdtrace protect: procctl: Operation not permitted\n"), "{e}");
    assert!(e.contains("kernel threads are skipped"), "{e}");
    let o = protect_sim(&["-p", "2147483000"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("bsdtrace protect: procctl: No such process\n"));
    let o = protect_sim(&["-g", "2147483000"]);
    assert_eq!(o.status.code(), Some(1));
}
