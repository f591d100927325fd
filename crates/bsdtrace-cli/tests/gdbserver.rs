//! `bsdtrace gdbserver` end to end: the real gdb drives it in batch mode
//! through `target remote | bsdtrace gdbserver - PROG` on small C programs
//! compiled here; gdb's own output is the oracle. Every gdb runs under
//! `timeout`, so a hang fails the test instead of hanging CI.

mod gdbcommon;
use gdbcommon::*;
use std::path::{Path, PathBuf};

const PROGRAM: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
int counter = 0;
volatile int got_usr1 = 0;
static void on_usr1(int s) { (void)s; got_usr1 = 1; }
int add(int a, int b)
{
    int s = a + b;
    counter += s;
    return s;
}
int main(int argc, char **argv)
{
    int total = 0;
    total = add(total, 1);
    total = add(total, 2);
    if (argc > 1 && strcmp(argv[1], "abort") == 0)
        abort();
    if (argc > 1 && strcmp(argv[1], "fork") == 0) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(add(2, 3));
        int st = 0;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
    }
    if (argc > 1) {
        signal(SIGUSR1, on_usr1);
        raise(SIGUSR1);
        return got_usr1 ? 9 : 8;
    }
    printf("total %d\n", total);
    return 42;
}
"#;

const SLEEPER: &str = r#"
#include <unistd.h>
int ticks;
void tick(void) { ticks++; }
int main(void)
{
    tick();
    write(1, "ready\n", 6);
    for (;;) {
        usleep(1000);
        tick();
    }
}
"#;

const THREADS: &str = r#"
#include <pthread.h>
#include <stdio.h>
int done = 0;
pthread_barrier_t bar;
void worker_done(int id) { __atomic_fetch_add(&done, id, __ATOMIC_SEQ_CST); }
void all_started(void) { __atomic_fetch_add(&done, 100, __ATOMIC_SEQ_CST); }
void *worker(void *arg)
{
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    worker_done((int)(long)arg);
    return NULL;
}
int main(void)
{
    pthread_t th[3];
    pthread_barrier_init(&bar, NULL, 4);
    for (long i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, worker, (void *)(i + 1));
    pthread_barrier_wait(&bar);
    all_started();
    pthread_barrier_wait(&bar);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    printf("done %d\n", done);
    return done == 106 ? 0 : 1;
}
"#;

const SPIN: &str = r#"
#include <pthread.h>
#include <unistd.h>
volatile unsigned long spins;
volatile int started;
void *spinner(void *arg)
{
    started = 1;
    for (;;)
        spins++;
    return arg;
}
int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, spinner, NULL);
    while (!started)
        ;
    write(1, "ready\n", 6);
    for (;;)
        spins++;
}
"#;

fn program() -> PathBuf {
    build("prog", PROGRAM)
}

#[test]
fn breakpoint_stops_at_the_function_with_rip_and_arguments() {
    let out = gdb(&program(), &[], &["break add", "continue", "info registers rip", "print a", "print b"]);
    assert!(out.contains("Breakpoint 1, add (a=0, b=1) at "), "{out}");
    let rip = out.lines().find(|l| l.starts_with("rip ")).unwrap_or_else(|| panic!("no rip line:\n{out}"));
    assert!(rip.contains("<add+"), "{out}");
    assert!(out.contains("$1 = 0\n"), "{out}");
    assert!(out.contains("$2 = 1\n"), "{out}");
}

#[test]
fn breakpoint_hits_again_on_the_next_call() {
    let out = gdb(&program(), &[], &["break add", "continue", "continue", "print a", "print counter"]);
    assert!(out.contains("Breakpoint 1, add (a=1, b=2) at "), "{out}");
    assert!(out.contains("$1 = 1\n"), "{out}");
    assert!(out.contains("$2 = 1\n"), "{out}");
}

#[test]
fn next_and_step_move_by_source_lines() {
    let out = gdb(&program(), &[], &["break main", "continue", "next", "next", "step", "next", "print s", "bt"]);
    // main's first line, then `total = add(total, 1)`; step enters add.
    assert!(out.contains("total = add(total, 1);"), "{out}");
    assert!(out.contains("total = add(total, 2);"), "{out}");
    assert!(out.contains("add (a=1, b=2) at "), "{out}");
    assert!(out.contains("$1 = 3\n"), "{out}");
    assert!(out.contains(" in main (argc=1, argv="), "{out}");
}

#[test]
fn finish_returns_a_value_and_gdb_can_call_functions() {
    let out = gdb(
        &program(),
        &[],
        &["break add", "continue", "finish", "delete", "call add(20, 22)", "print counter", "continue"],
    );
    assert!(out.contains("Value returned is $1 = 1\n"), "{out}");
    assert!(out.contains("$2 = 42\n"), "{out}");
    assert!(out.contains("$3 = 43\n"), "{out}");
    // The call left the program intact: it still exits 42.
    assert!(out.contains("exited with code 052]"), "{out}");
}

#[test]
fn hardware_watchpoint_reports_old_and_new_value() {
    let out = gdb(&program(), &[], &["break main", "continue", "watch counter", "continue", "continue"]);
    assert!(out.contains("Hardware watchpoint 2: counter"), "{out}");
    assert!(out.contains("Old value = 0\nNew value = 1\n"), "{out}");
    assert!(out.contains("Old value = 1\nNew value = 4\n"), "{out}");
}

#[test]
fn hardware_breakpoint_stops_at_the_function() {
    let out = gdb(&program(), &[], &["hbreak add", "continue", "print a"]);
    assert!(out.contains("Hardware assisted breakpoint 1 at "), "{out}");
    assert!(out.contains("Breakpoint 1, add (a=0, b=1) at "), "{out}");
}

#[test]
fn exit_code_is_reported() {
    let out = gdb(&program(), &[], &["continue"]);
    // gdb prints the code in octal: 42 is 052.
    assert!(out.contains("exited with code 052]"), "{out}");
}

#[test]
fn death_by_a_signal_is_reported() {
    let out = gdb(&program(), &["abort"], &["continue", "continue"]);
    assert!(out.contains("Program received signal SIGABRT"), "{out}");
    assert!(out.contains("Program terminated with signal SIGABRT"), "{out}");
}

#[test]
fn sse_segment_base_and_linux_registers_are_described() {
    let out = gdb(
        &program(),
        &[],
        &["break add", "continue", "p sizeof($xmm0)", "p $fs_base != 0", "p $orig_rax", "p $mxcsr", "info registers eflags", "set var $rbx = 1234", "p $rbx"],
    );
    assert!(out.contains("$1 = 16\n"), "{out}");
    assert!(out.contains("$2 = 1\n"), "{out}");
    assert!(out.contains("$3 = -1\n"), "{out}");
    assert!(out.contains("$4 = [ IM DM ZM OM UM PM ]\n"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("eflags") && l.contains("IF")), "{out}");
    assert!(out.contains("$5 = 1234\n"), "{out}");
}

#[test]
fn signal_is_reported_and_passed_on_continue() {
    let out = gdb(&program(), &["sig"], &["continue", "continue"]);
    assert!(out.contains("Program received signal SIGUSR1"), "{out}");
    // The handler ran: main returns 9.
    assert!(out.contains("exited with code 011]"), "{out}");
}

#[test]
fn kill_ends_the_program() {
    let out = gdb(&program(), &[], &["break add", "continue", "info inferiors", "kill", "info inferiors"]);
    let pid: i32 = out
        .lines()
        .find_map(|l| l.split("process ").nth(1))
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no pid:\n{out}"));
    assert!(out.contains("killed]"), "{out}");
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "process {pid} still there:\n{out}");
}

#[test]
fn threads_are_listed_and_each_has_its_own_stack() {
    let prog = build("threads", THREADS);
    let out = gdb(&prog, &[], &["break all_started", "continue", "info threads", "thread 2", "bt", "thread 1", "bt 1"]);
    assert!(out.contains("hit Breakpoint 1, all_started () at "), "{out}");
    for n in 1..=4 {
        assert!(out.lines().any(|l| l.trim_start().trim_start_matches('*').trim_start().starts_with(&format!("{n} "))
            && l.contains("Thread ")), "thread {n} missing:\n{out}");
    }
    assert!(out.contains("[Switching to thread 2 "), "{out}");
    assert!(out.contains(" in worker (arg=0x"), "{out}");
    assert!(out.contains("#0  all_started () at "), "{out}");
}

#[test]
fn every_thread_hitting_one_breakpoint_is_reported_once() {
    let prog = build("threads", THREADS);
    let out = gdb(&prog, &[], &["break worker_done", "continue", "continue", "continue", "continue"]);
    for id in 1..=3 {
        assert_eq!(out.matches(&format!("worker_done (id={id}) at ")).count(), 1, "{out}");
    }
    // Nothing was skipped or run twice: the program checks its sum.
    assert!(out.contains("exited normally]"), "{out}");
}

#[test]
fn ctrl_c_stops_a_running_multithreaded_program_with_sigint() {
    let prog = build("spin", SPIN);
    let (mut rsp, mut err) = Rsp::stdio(&[], &[prog.to_str().unwrap()]);
    let pid = pid_in(&wait_line(&mut err, "created"));
    assert!(rsp.ask("qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+").contains("PacketSize="));
    assert!(rsp.ask("?").starts_with("T05"));
    rsp.send("vCont;c");
    // The program's stdout is our stderr pipe (gdbserver's stdio rule):
    // once it said "ready" it is spinning in user code.
    wait_line(&mut err, "ready");
    rsp.raw(&[0x03]);
    let stop = rsp.recv();
    assert!(stop.starts_with("T02thread:"), "{stop}");
    // Both threads are stopped and listed; the process can go on and be
    // interrupted again, even by a Ctrl-C right behind the vCont.
    let list = rsp.ask("qfThreadInfo");
    assert_eq!(list.matches(',').count(), 1, "{list}");
    rsp.send("vCont;c");
    rsp.raw(&[0x03]);
    let stop = rsp.recv();
    assert!(stop.starts_with("T02thread:"), "{stop}");
    assert_eq!(rsp.ask(&format!("vKill;{pid:x}")), "OK");
    assert_eq!(rsp.exit_status(10).and_then(|s| s.code()), Some(0));
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn a_forked_child_runs_without_our_breakpoints() {
    let out = gdb(&program(), &["fork"], &["break add", "continue", "continue", "continue"]);
    assert_eq!(out.matches("Breakpoint 1, add (").count(), 2, "{out}");
    // The child ran add(2, 3) past the int3 and exited 5, not of SIGTRAP.
    assert!(out.contains("exited with code 05]"), "{out}");
}

#[test]
fn attach_stops_a_running_process_and_detach_lets_it_go_on() {
    let prog = build("sleeper", SLEEPER);
    let child = start_ready(&prog);
    let pid = child.0.id();
    // Over TCP the server is our child, so we can wait for it to finish
    // its detach (gdb does not wait for a `target remote |` server).
    let (mut server, port, _err) = tcp_server(&["--attach", ":0", &pid.to_string()]);
    let remote = format!("target remote 127.0.0.1:{port}");
    let out = gdb_remote(&prog, &remote, &["break tick", "continue", "bt 1", "print ticks > 0", "delete", "detach"]);
    assert!(out.contains("Breakpoint 1, tick () at "), "{out}");
    assert!(out.contains("#0  tick () at "), "{out}");
    assert!(out.contains("$1 = 1\n"), "{out}");
    assert!(out.contains(&format!("(process {pid}) detached]")), "{out}");
    assert!(server.0.wait().unwrap().success());
    // Still alive and no longer traced.
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("TracerPid:\t0\n"), "{status}");
    assert!(!status.contains("State:\tZ"), "{status}");
}

#[test]
fn detach_over_a_pipe_leaves_the_attached_process_alive() {
    // gdb SIGTERMs the pipe's server on disconnect; the server must still
    // detach cleanly rather than die and take the process with it.
    let prog = build("sleeper", SLEEPER);
    let mut child = start_ready(&prog);
    let pid = child.0.id();
    let remote = format!("target remote | {BIN} gdbserver --attach - {pid}");
    let out = gdb_remote(&prog, &remote, &["print ticks > 0", "detach"]);
    assert!(out.contains("$1 = 1\n"), "{out}");
    assert!(out.contains(&format!("(process {pid}) detached]")), "{out}");
    // It is ours to reap: had the server died traced, PTRACE_O_EXITKILL
    // would have killed it. Killing it now must report our SIGKILL.
    child.0.kill().unwrap();
    let st = child.0.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(st.signal(), Some(9), "{out}");
}

#[test]
fn tcp_listens_on_loopback_and_serves_one_gdb() {
    let prog = program();
    let (mut server, port, _err) = tcp_server(&["--once", ":0", prog.to_str().unwrap()]);
    let remote = format!("target remote 127.0.0.1:{port}");
    let out = gdb_remote(&prog, &remote, &["break add", "continue", "print a + b", "continue"]);
    assert!(out.contains("Breakpoint 1, add (a=0, b=1) at "), "{out}");
    assert!(out.contains("$1 = 1\n"), "{out}");
    assert!(server.0.wait().unwrap().success());
}

#[test]
fn without_once_a_tcp_server_keeps_the_program_for_the_next_gdb() {
    let prog = program();
    let (mut server, port, _err) = tcp_server(&[":0", prog.to_str().unwrap()]);
    let remote = format!("target remote 127.0.0.1:{port}");
    let first = gdb_remote(&prog, &remote, &["break add", "continue", "disconnect"]);
    assert!(first.contains("Breakpoint 1, add (a=0, b=1) at "), "{first}");
    // The second gdb finds it where the first left it, without the first
    // one's breakpoints.
    let second = gdb_remote(&prog, &remote, &["bt 1", "print b", "continue"]);
    assert!(second.contains("#0  add (a=0, b=1) at "), "{second}");
    assert!(second.contains("$1 = 1\n"), "{second}");
    assert!(second.contains("exited with code 052]"), "{second}");
    assert!(server.0.wait().unwrap().success());
}

/// gdb debugs a 32-bit (i386) program through the server: the i386
/// target description, registers in gdb's i386 numbering, breakpoints,
/// finish and next, its libraries (the link map read with 32-bit
/// pointers), a thread, its exit; and an attached 32-bit process is
/// detached running.
#[test]
fn gdb_debugs_a_32_bit_program() {
    const SRC: &str = r#"
#include <pthread.h>
#include <stdio.h>
volatile int counter = 5;
static int add(int a, int b) { return a + b; }
static void *worker(void *p) { counter += 1; return p; }
int main(void)
{
    int local = 37;
    pthread_t t;
    counter = add(local, counter);
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    printf("counter=%d\n", counter);
    return 0;
}
"#;
    let prog = build_with("prog32", SRC, &["-m32"]);
    let out = gdb(
        &prog,
        &[],
        &[
            "break add",
            "continue",
            "bt",
            "info registers eip",
            "print a",
            "print b",
            "print sizeof(long)",
            "print $orig_eax",
            "finish",
            "next",
            "print counter",
            "print local",
            "info sharedlibrary",
            "set var counter = 100",
            "continue",
        ],
    );
    for want in [
        "Breakpoint 1, add (a=37, b=5)",
        "in main () at ",
        "$1 = 37",
        "$2 = 5",
        "$3 = 4",
        "Value returned is $5 = 42",
        "$6 = 42",
        "$7 = 37",
        "/libc.so.6",
        "counter=101",
        "exited normally",
    ] {
        assert!(out.contains(want), "{want}:\n{out}");
    }
    assert!(out.lines().any(|l| l.starts_with("eip ") && l.contains("<add+")), "{out}");
    assert!(!out.contains("not compatible"), "{out}");

    // Attached and detached: the process runs on, untraced.
    let sleeper = build_with("sleeper32", SLEEPER, &["-m32"]);
    let k = start_ready(&sleeper);
    let pid = k.0.id();
    let out = gdb_cmds(
        Some(&sleeper),
        &["set pagination off", &format!("target remote | {BIN} gdbserver --attach - {pid}"), "break tick", "continue", "print ticks > 0", "detach"],
    );
    assert!(out.contains("Breakpoint 1, ") && out.contains("$1 = 1"), "{out}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("TracerPid:\t0\n"), "{status}");
}
