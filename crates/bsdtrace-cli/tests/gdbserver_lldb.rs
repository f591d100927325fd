//! lldb (FreeBSD's own debugger) through `bsdtrace gdbserver`, end to
//! end: breakpoints, continue, stepping, threads, a watchpoint, the exit.
//! lldb speaks its dialect of the protocol (old-style `c`/`s`, thread
//! suffixes, `x` reads, `jThreadsInfo`, `qHostInfo`...); its own output
//! is the oracle.

mod gdbcommon;
use gdbcommon::*;
use std::path::Path;
use std::process::{Command, Stdio};

const PROGRAM: &str = r#"
#include <pthread.h>
#include <stdio.h>
int counter;
int add(int a, int b)
{
    int s = a + b;
    counter += s;
    return s;
}
void *worker(void *arg)
{
    add(10, 20);
    return arg;
}
int main(void)
{
    int total = 0;
    total = add(total, 1);
    total = add(total, 2);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    printf("total %d counter %d\n", total, counter);
    return 42;
}
"#;

fn have_lldb() -> bool {
    Command::new("lldb").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// lldb in batch mode against a `--once` TCP server for `prog`.
fn lldb(prog: &Path, cmds: &[&str]) -> String {
    let (mut server, port, _err) = tcp_server(&["--once", ":0", prog.to_str().unwrap()]);
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "60", "lldb", "--no-lldbinit", "--batch", "-o", &format!("gdb-remote {port}")]);
    for cmd in cmds {
        c.args(["-o", cmd]);
    }
    c.arg(prog).stdin(Stdio::null());
    let o = c.output().expect("lldb runs");
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_ne!(o.status.code(), Some(124), "lldb timed out:\n{text}");
    let _ = server.0.kill();
    text
}

#[test]
fn lldb_breaks_continues_and_reads_variables() {
    if !have_lldb() {
        eprintln!("skipped: no lldb");
        return;
    }
    let prog = build("lldb-prog", PROGRAM);
    let out = lldb(&prog, &["b add", "c", "bt", "frame variable a b", "register read rip", "c", "frame variable a b", "breakpoint delete -f", "c"]);
    assert!(out.contains("stop reason = breakpoint 1.1"), "{out}");
    assert!(out.contains("(int) a = 0") && out.contains("(int) b = 1"), "{out}");
    assert!(out.contains("(int) a = 1") && out.contains("(int) b = 2"), "{out}");
    assert!(out.contains("frame #1: ") && out.contains("`main"), "{out}");
    assert!(out.lines().any(|l| l.contains("rip = 0x") && l.contains("`add")), "{out}");
    assert!(out.contains("exited with status = 42"), "{out}");
}

#[test]
fn lldb_steps_over_and_into() {
    if !have_lldb() {
        eprintln!("skipped: no lldb");
        return;
    }
    let prog = build("lldb-prog", PROGRAM);
    let out = lldb(&prog, &["b main", "c", "next", "next", "step", "frame variable a b", "finish", "c"]);
    assert!(out.contains("stop reason = step over"), "{out}");
    assert!(out.contains("stop reason = step in"), "{out}");
    assert!(out.contains("(int) a = 1") && out.contains("(int) b = 2"), "{out}");
    assert!(out.contains("stop reason = step out"), "{out}");
    assert!(out.contains("exited with status = 42"), "{out}");
}

#[test]
fn lldb_lists_threads_and_stops_in_the_worker() {
    if !have_lldb() {
        eprintln!("skipped: no lldb");
        return;
    }
    let prog = build("lldb-prog", PROGRAM);
    let out = lldb(&prog, &["b worker", "c", "thread list", "bt", "c"]);
    assert!(out.contains("stop reason = breakpoint 1.1"), "{out}");
    let list = &out[out.find("thread list").unwrap_or(0)..];
    assert!(list.matches("thread #").count() >= 2, "{out}");
    assert!(out.contains("`worker"), "{out}");
    assert!(out.contains("exited with status = 42"), "{out}");
}

#[test]
fn lldb_watchpoint_reports_old_and_new_values() {
    if !have_lldb() {
        eprintln!("skipped: no lldb");
        return;
    }
    let prog = build("lldb-prog", PROGRAM);
    let out = lldb(&prog, &["b main", "c", "watchpoint set variable counter", "c", "c", "watchpoint delete -f", "c"]);
    assert!(out.contains("Watchpoint created"), "{out}");
    assert!(out.contains("stop reason = watchpoint"), "{out}");
    assert!(out.contains("old value: 0") && out.contains("new value: 1"), "{out}");
    assert!(out.contains("old value: 1") && out.contains("new value: 4"), "{out}");
    assert!(out.contains("exited with status = 42"), "{out}");
}

#[test]
fn lldb_kill_ends_the_program() {
    if !have_lldb() {
        eprintln!("skipped: no lldb");
        return;
    }
    let prog = build("lldb-prog", PROGRAM);
    let out = lldb(&prog, &["b add", "c", "process status", "kill"]);
    assert!(out.contains("stop reason = breakpoint 1.1"), "{out}");
    assert!(out.contains("exited with status = 9") || out.contains("exited with status = -1"), "{out}");
    assert!(!out.contains("failed to send"), "{out}");
}
