//! `bsdtrace gdbserver` end to end: the real gdb drives it in batch mode
//! through `target remote | bsdtrace gdbserver - PROG` on small C programs
//! compiled here; gdb's own output is the oracle. Every gdb runs under
//! `timeout`, so a hang fails the test instead of hanging CI.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_bsdtrace");

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

/// Compile `src` with `cc -g -O0` into cargo's test scratch directory,
/// once: the name carries a hash of the source, and a build lands under
/// its final name by rename, so parallel test processes never see half a
/// binary.
fn build(name: &str, src: &str) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    src.hash(&mut h);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gdbserver-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let base = format!("{name}-{:016x}", h.finish());
    let exe = dir.join(&base);
    if !exe.exists() {
        // gdb lists the source from the path in the debug info: keep it.
        let me = format!("{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], "");
        let c = dir.join(format!("{base}.c"));
        let c_tmp = dir.join(format!("{base}.c.{me}"));
        std::fs::write(&c_tmp, src).unwrap();
        std::fs::rename(&c_tmp, &c).unwrap();
        let tmp = dir.join(format!("{base}.{me}"));
        let st = Command::new("cc").args(["-g", "-O0", "-pthread", "-o"]).arg(&tmp).arg(&c).status().unwrap();
        assert!(st.success(), "cc failed for {name}");
        std::fs::rename(&tmp, &exe).unwrap();
    }
    exe
}

/// Run gdb in batch mode against `bsdtrace gdbserver - PROG ARGS`, with
/// `cmds` as its -ex commands; returns stdout and stderr together.
fn gdb(prog: &Path, args: &[&str], cmds: &[&str]) -> String {
    let mut remote = format!("target remote | {BIN} gdbserver - {}", prog.display());
    for a in args {
        remote.push(' ');
        remote.push_str(a);
    }
    gdb_remote(prog, &remote, cmds)
}

fn gdb_remote(prog: &Path, remote: &str, cmds: &[&str]) -> String {
    let mut c = Command::new("timeout");
    c.args(["-k", "5", "60", "gdb", "-nx", "-batch"]);
    c.args(["-ex", "set pagination off", "-ex", "set confirm off", "-ex", remote]);
    for cmd in cmds {
        c.args(["-ex", cmd]);
    }
    c.arg(prog);
    c.stdin(Stdio::null());
    let o = c.output().expect("gdb runs");
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_ne!(o.status.code(), Some(124), "gdb timed out:\n{text}");
    text
}

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

/// A minimal remote-protocol client for what gdb's batch mode cannot do:
/// Ctrl-C while the program runs.
struct Rsp {
    child: std::process::Child,
    rd: BufReader<std::process::ChildStdout>,
}

impl Drop for Rsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Rsp {
    fn send(&mut self, body: &str) {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        let pkt = format!("${body}#{sum:02x}");
        self.child.stdin.as_mut().unwrap().write_all(pkt.as_bytes()).unwrap();
    }
    fn raw(&mut self, b: &[u8]) {
        self.child.stdin.as_mut().unwrap().write_all(b).unwrap();
    }
    /// The next packet's body (acks skipped, each packet acked).
    fn recv(&mut self) -> String {
        let mut byte = [0u8];
        loop {
            self.rd.read_exact(&mut byte).unwrap();
            if byte[0] == b'$' {
                break;
            }
        }
        let mut body = Vec::new();
        self.rd.read_until(b'#', &mut body).unwrap();
        body.pop();
        let mut sum = [0u8; 2];
        self.rd.read_exact(&mut sum).unwrap();
        // The ack of a last packet may find the server gone already.
        let _ = self.child.stdin.as_mut().unwrap().write_all(b"+");
        String::from_utf8_lossy(&body).into_owned()
    }
}

#[test]
fn ctrl_c_stops_a_running_multithreaded_program_with_sigint() {
    let prog = build("spin", SPIN);
    let mut child = Command::new("timeout")
        .args(["-k", "5", "60", BIN, "gdbserver", "-"])
        .arg(&prog)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rd = BufReader::new(child.stdout.take().unwrap());
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut rsp = Rsp { child, rd };
    rsp.send("qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+");
    assert!(rsp.recv().contains("PacketSize="));
    rsp.send("?");
    assert!(rsp.recv().starts_with("T05"));
    rsp.send("vCont;c");
    // The program's stdout is our stderr pipe (gdbserver's stdio rule):
    // once it said "ready" it is spinning in user code.
    let mut line = String::new();
    while !line.contains("ready") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "gdbserver ended early");
    }
    rsp.raw(&[0x03]);
    let stop = rsp.recv();
    assert!(stop.starts_with("T02thread:"), "{stop}");
    // Both threads are stopped and listed; the process can go on and be
    // interrupted again.
    rsp.send("qfThreadInfo");
    let list = rsp.recv();
    assert_eq!(list.matches(',').count(), 1, "{list}");
    rsp.send("vCont;c");
    rsp.raw(&[0x03]);
    let stop = rsp.recv();
    assert!(stop.starts_with("T02thread:"), "{stop}");
    rsp.send("vKill;1");
    let _ = rsp.recv();
    let st = rsp.child.wait().unwrap();
    assert_eq!(st.code(), Some(0));
}

#[test]
fn a_forked_child_runs_without_our_breakpoints() {
    let out = gdb(&program(), &["fork"], &["break add", "continue", "continue", "continue"]);
    assert_eq!(out.matches("Breakpoint 1, add (").count(), 2, "{out}");
    // The child ran add(2, 3) past the int3 and exited 5, not of SIGTRAP.
    assert!(out.contains("exited with code 05]"), "{out}");
}

/// A process killed and reaped when the test ends, even by a panic.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `prog`, wait until it printed "ready", and return it.
fn start_ready(prog: &Path) -> Killed {
    let mut child = Command::new(prog).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    Killed(child)
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

/// `bsdtrace gdbserver ARGS` on TCP; returns it, the port it announced
/// and its stderr (kept open: the server goes on writing there).
fn tcp_server(args: &[&str]) -> (Killed, String, BufReader<std::process::ChildStderr>) {
    let mut server = Killed(
        Command::new("timeout")
            .args(["-k", "5", "60", BIN, "gdbserver"])
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut err = BufReader::new(server.0.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "no port announced");
        if let Some(p) = line.strip_prefix("Listening on port ") {
            let port = p.trim().to_string();
            return (server, port, err);
        }
    }
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
