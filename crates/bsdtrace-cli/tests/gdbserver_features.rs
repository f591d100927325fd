//! `bsdtrace gdbserver` with what gdb users do beyond break/step/print:
//! catchpoints (syscall, fork, vfork, exec), several inferiors, extended
//! mode (`run`, `attach`, `kill`, rerun, `--multi`), target-side
//! conditions and dprintf, file transfer, the library and thread lists,
//! `$_siginfo`, `info os`, passed signals, the program's environment,
//! directory, shell and address randomization, range stepping, AVX
//! registers and `gcore`. gdb's own output is the oracle.

mod gdbcommon;
use gdbcommon::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const FORKS: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int counter;
void child_work(int x) { counter += x; }
void parent_work(int x) { counter += x; }
int main(int argc, char **argv)
{
    pid_t p = fork();
    if (p == 0) {
        child_work(5);
        _exit(7);
    }
    int st = 0;
    if (argc > 1)
        sleep(1); /* the child (held by gdb) is waited for later */
    parent_work(1);
    waitpid(p, &st, 0);
    pid_t v = vfork();
    if (v == 0)
        _exit(9);
    int vst = 0;
    waitpid(v, &vst, 0);
    printf("child %d vchild %d\n", WEXITSTATUS(st), WEXITSTATUS(vst));
    return 0;
}
"#;

const EXECS: &str = r#"
#include <stdio.h>
#include <unistd.h>
int second(int argc) { return argc * 2; }
int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("second %s %d\n", argv[1], second(argc));
        return 4;
    }
    execl("/proc/self/exe", "exec", "again", (char *)0);
    return 1;
}
"#;

const LOOP: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int counter;
void hit(int i)
{
    counter += i;
}
int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    for (int i = 0; i < n; i++)
        hit(i);
    write(1, "wrote\n", 6);
    printf("counter %d\n", counter);
    return 0;
}
"#;

const ENV: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    char cwd[4096];
    /* stderr: a TCP server's programs share its stderr. */
    fprintf(stderr, "FOO=%s BAR=%s cwd=%s aslr=%s", getenv("FOO") ? getenv("FOO") : "(none)",
           getenv("BAR") ? getenv("BAR") : "(none)", getcwd(cwd, sizeof cwd),
           (personality(0xffffffff) & ADDR_NO_RANDOMIZE) ? "off" : "on");
    for (int i = 1; i < argc; i++)
        fprintf(stderr, " arg%d=%s", i, argv[i]);
    fprintf(stderr, "\n");
    return 0;
}
"#;

const THREADS: &str = r#"
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
pthread_barrier_t bar;
void all_named(void) {}
void *worker(void *arg)
{
    char name[16];
    snprintf(name, sizeof name, "worker-%ld", (long)arg);
    pthread_setname_np(pthread_self(), name);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    return NULL;
}
int main(void)
{
    pthread_t t[2];
    pthread_barrier_init(&bar, NULL, 3);
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    pthread_barrier_wait(&bar);
    all_named();
    pthread_barrier_wait(&bar);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    return 0;
}
"#;

const SIGNALS: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
volatile int handled;
static void on_usr1(int s) { (void)s; handled++; }
int main(int argc, char **argv)
{
    signal(SIGUSR1, on_usr1);
    for (int i = 0; i < 5; i++)
        raise(SIGUSR1);
    printf("handled %d\n", handled);
    if (argc > 1)
        *(volatile int *)0x10 = 1;
    return handled;
}
"#;

fn forks() -> PathBuf {
    build("forks", FORKS)
}

fn lp() -> PathBuf {
    build("loop", LOOP)
}

#[test]
fn catch_syscall_stops_at_entry_and_return_with_linux_registers() {
    let out = gdb(&lp(), &[], &["catch syscall write", "continue", "p $rax", "p $orig_rax", "continue", "p $rax", "delete", "continue"]);
    assert!(out.contains("Catchpoint 1 (call to syscall write)"), "{out}");
    // At entry Linux shows -ENOSYS in rax and the number in orig_rax; at
    // the return the result (6 bytes written).
    assert!(out.contains("$1 = -38\n"), "{out}");
    assert!(out.contains("$2 = 1\n"), "{out}");
    assert!(out.contains("Catchpoint 1 (returned from syscall write)"), "{out}");
    assert!(out.contains("$3 = 6\n"), "{out}");
    assert!(out.contains("exited normally]"), "{out}");
}

#[test]
fn catch_any_syscall_then_none() {
    let out = gdb(&lp(), &[], &["catch syscall", "continue", "continue", "delete", "continue"]);
    assert!(out.contains("Catchpoint 1 (call to syscall "), "{out}");
    assert!(out.contains("Catchpoint 1 (returned from syscall "), "{out}");
    assert!(out.contains("exited normally]"), "{out}");
}

#[test]
fn catch_fork_and_vfork_report_the_child() {
    let out = gdb(&forks(), &[], &["catch fork", "catch vfork", "continue", "continue", "continue"]);
    assert!(out.contains("Catchpoint 1 (forked process "), "{out}");
    assert!(out.contains("Catchpoint 2 (vforked process "), "{out}");
    assert!(out.contains("[Detaching after fork from child process "), "{out}");
    assert!(out.contains("child 7 vchild 9"), "{out}");
    assert!(out.contains("exited normally]"), "{out}");
}

#[test]
fn follow_fork_mode_child_debugs_the_child() {
    let out = gdb(&forks(), &[], &["set follow-fork-mode child", "break child_work", "continue", "bt 2", "info inferiors", "continue"]);
    assert!(out.contains("hit Breakpoint 1, child_work (x=5)"), "{out}");
    assert!(out.contains("in main (argc=1"), "{out}");
    assert!(out.contains("exited with code 07]"), "{out}");
}

#[test]
fn detach_on_fork_off_keeps_parent_and_child() {
    let out = gdb(
        &forks(),
        &["wait"],
        &[
            "set detach-on-fork off",
            "set schedule-multiple on",
            "break child_work",
            "break parent_work",
            "continue",
            "info inferiors",
            "continue",
            "inferior 1",
            "continue",
            "continue",
        ],
    );
    assert!(out.contains("[New inferior 2 (process "), "{out}");
    assert!(out.contains("Breakpoint 1.2, child_work (x=5)") || out.contains("Breakpoint 1, child_work (x=5)"), "{out}");
    assert!(out.contains("parent_work (x=1)"), "{out}");
    assert!(out.contains("[Inferior 2 (process ") && out.contains("exited with code 07]"), "{out}");
}

#[test]
fn catch_exec_and_the_new_program_is_debugged() {
    let prog = build("execs", EXECS);
    let out = gdb(&prog, &[], &["catch exec", "continue", "break second", "continue", "print argc", "finish", "continue"]);
    assert!(out.contains("Catchpoint 1 (exec'd "), "{out}");
    assert!(out.contains("Breakpoint 2, second (argc=2)"), "{out}");
    assert!(out.contains("Value returned is $2 = 4"), "{out}");
    assert!(out.contains("exited with code 04]"), "{out}");
}

/// `bsdtrace gdbserver --multi :0` and its port.
fn multi() -> (Killed, String, std::io::BufReader<std::process::ChildStderr>) {
    tcp_server(&["--multi", ":0"])
}

#[test]
fn extended_remote_runs_kills_and_runs_again() {
    let prog = lp();
    let (mut server, port, _err) = multi();
    let out = gdb_remote(
        &prog,
        &format!("target extended-remote 127.0.0.1:{port}"),
        &[
            &format!("set remote exec-file {}", prog.display()),
            "break hit",
            "run",
            "print i",
            "kill",
            "run 3",
            "print i",
            "delete",
            "continue",
            "run 2",
            "info inferiors",
            "monitor exit",
        ],
    );
    assert_eq!(out.matches("Breakpoint 1, hit (i=0)").count(), 2, "{out}");
    assert!(out.contains("killed]"), "{out}");
    assert!(out.contains("exited normally]"), "{out}");
    assert!(server.0.wait().unwrap().success(), "{out}");
}

#[test]
fn extended_remote_attaches_detaches_and_kills() {
    let prog = build("sleeper", "#include <unistd.h>\nint ticks;\nvoid tick(void) { ticks++; }\nint main(void) { tick(); write(1, \"ready\\n\", 6); for (;;) { usleep(1000); tick(); } }\n");
    let mut child = start_ready(&prog);
    let pid = child.0.id();
    let (_server, port, _err) = multi();
    let out = gdb_remote(
        &prog,
        &format!("target extended-remote 127.0.0.1:{port}"),
        &[&format!("attach {pid}"), "break tick", "continue", "bt 1", "detach", &format!("attach {pid}"), "kill", "monitor exit"],
    );
    assert!(out.contains("Breakpoint 1, tick ()"), "{out}");
    assert!(out.contains("detached]"), "{out}");
    assert!(out.contains("killed]"), "{out}");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(child.0.wait().unwrap().signal(), Some(9));
}

#[test]
fn run_sets_environment_directory_shell_and_randomization() {
    let prog = build("env", ENV);
    let (_server, port, mut err) = multi();
    let out = gdb_remote(
        &prog,
        &format!("target extended-remote 127.0.0.1:{port}"),
        &[
            &format!("set remote exec-file {}", prog.display()),
            "set environment FOO=bar baz",
            "unset environment BAR",
            "set cwd /tmp",
            "run 'a b' $((40+2))",
            "set startup-with-shell off",
            "set disable-randomization off",
            "run '$x'",
            "monitor exit",
        ],
    );
    let log = wait_line(&mut err, "never printed");
    // gdb splits the arguments; the shell gets each one quoted (as from
    // GNU gdbserver 13) and expands nothing.
    assert!(log.contains("FOO=bar baz BAR=(none) cwd=/tmp aslr=off arg1=a b arg2=$((40+2))"), "{log}\n{out}");
    assert!(log.contains("FOO=bar baz BAR=(none) cwd=/tmp aslr=on arg1=$x\n"), "{log}\n{out}");
}

#[test]
fn target_side_conditions_are_evaluated_in_the_server() {
    let prog = lp();
    let out = gdb(
        &prog,
        &["50"],
        &[
            "break main",
            "continue",
            "set breakpoint condition-evaluation target",
            "break hit if i == 42",
            "set debug remote 1",
            "continue",
            "set debug remote 0",
            "print i",
            "info breakpoints",
            "continue",
        ],
    );
    assert!(out.contains("Breakpoint 2, hit (i=42)"), "{out}");
    // 50 calls, one stop: the 42 false ones never reached gdb.
    assert_eq!(out.matches("swbreak:;").count(), 1, "{out}");
    assert!(out.contains("stop only if i == 42 (target evals)"), "{out}");
    assert!(out.contains("exited normally]"), "{out}");
}

#[test]
fn dprintf_in_agent_style_prints_from_the_server() {
    let prog = lp();
    let out = gdb(
        &prog,
        &["4"],
        &["set breakpoint condition-evaluation target", "set dprintf-style agent", "dprintf hit,\"hit %d at %d\\n\", i, counter", "continue"],
    );
    for (i, c) in [(0, 0), (1, 0), (2, 1), (3, 3)] {
        assert!(out.contains(&format!("hit {i} at {c}\n")), "{out}");
    }
    assert!(out.contains("exited normally]"), "{out}");
}

#[test]
fn files_are_read_through_the_server() {
    let prog = lp();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gdbserver-tests");
    let copy = dir.join(format!("remote-get-{}", std::process::id()));
    let out = gdb(&prog, &[], &[&format!("remote get {} {}", prog.display(), copy.display()), "info proc mappings", "kill"]);
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&prog).unwrap(), "{out}");
    let _ = std::fs::remove_file(&copy);
    assert!(out.contains(prog.to_str().unwrap()) && out.contains("[stack]"), "{out}");
    // gdb found the dynamic linker through the server too.
    assert!(out.contains("from remote target"), "{out}");
}

#[test]
fn the_library_list_comes_from_the_server() {
    let out = gdb(&lp(), &[], &["break hit", "set debug remote 1", "continue", "set debug remote 0", "info sharedlibrary"]);
    assert!(out.contains("qXfer:libraries-svr4:read"), "{out}");
    let libs = &out[out.rfind("From").unwrap_or(0)..];
    assert!(libs.contains("libc.so.6") && libs.contains("ld-linux-x86-64.so.2"), "{out}");
}

#[test]
fn threads_are_listed_with_their_names() {
    let prog = build("named", THREADS);
    let out = gdb(&prog, &[], &["break all_named", "continue", "info threads"]);
    assert!(out.contains("\"worker-0\"") && out.contains("\"worker-1\""), "{out}");
}

#[test]
fn siginfo_of_a_signal_and_of_a_fault() {
    let prog = build("signals", SIGNALS);
    let out = gdb(
        &prog,
        &["fault"],
        &["continue", "p $_siginfo.si_signo", "p $_siginfo.si_code", "handle SIGUSR1 nostop noprint", "continue", "p $_siginfo.si_signo", "p $_siginfo._sifields._sigfault.si_addr"],
    );
    assert!(out.contains("received signal SIGUSR1"), "{out}");
    assert!(out.contains("$1 = 10\n"), "{out}");
    // raise() is tgkill: SI_TKILL.
    assert!(out.contains("$2 = -6\n"), "{out}");
    assert!(out.contains("received signal SIGSEGV"), "{out}");
    assert!(out.contains("$3 = 11\n"), "{out}");
    assert!(out.contains("$4 = (void *) 0x10\n"), "{out}");
}

#[test]
fn passed_signals_reach_the_program_without_a_stop() {
    let prog = build("signals", SIGNALS);
    let out = gdb(&prog, &[], &["handle SIGUSR1 nostop noprint pass", "set debug remote 1", "continue"]);
    assert!(out.contains("QPassSignals:"), "{out}");
    // No stop for any of the five signals: the program's own count.
    assert!(!out.contains("Packet received: T0a"), "{out}");
    assert!(out.contains("handled 5"), "{out}");
    assert!(out.contains("exited with code 05]"), "{out}");
}

#[test]
fn info_os_lists_the_processes() {
    let out = gdb(&lp(), &[], &["info os", "info os processes", "info inferiors"]);
    assert!(out.contains("processes") && out.contains("Listing of all processes"), "{out}");
    let pid = pid_in(&out[out.find("Num  Description").unwrap()..]);
    assert!(out.lines().any(|l| l.trim_start().starts_with(&format!("{pid} ")) && l.contains("loop")), "{out}");
}

#[test]
fn next_steps_a_line_with_one_range_step() {
    let out = gdb(&lp(), &[], &["break main", "continue", "set debug remote 1", "next", "set debug remote 0", "info line *$pc"]);
    assert!(out.contains("vCont;r"), "{out}");
    assert!(out.contains("for (int i = 0; i < n; i++)"), "{out}");
}

#[test]
fn stop_replies_carry_the_registers_a_stop_needs() {
    let prog = lp();
    let out = gdb(&prog, &["4"], &["break hit", "continue", "set debug remote 1", "continue", "set debug remote 0", "continue", "continue"]);
    // Between two hits gdb needed no `g`: pc, sp and fp came with the stop.
    assert!(out.lines().any(|l| l.contains("Packet received: T05") && l.contains(";06:") && l.contains(";07:") && l.contains(";10:")), "{out}");
    let between = &out[out.find("set debug remote 1").unwrap_or(0)..];
    assert!(!between.contains("Sending packet: $g#"), "{out}");
}

#[test]
fn avx_registers_are_read_and_written() {
    let has_avx = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default().contains(" avx ");
    if !has_avx {
        eprintln!("skipped: no AVX");
        return;
    }
    let src = "#include <signal.h>\nint main(void) { asm volatile(\"vbroadcastss %0, %%ymm3\" :: \"m\"(*(float[]){2.5f})); raise(SIGUSR1); return 0; }\n";
    let prog = build_with("avx", src, &["-mavx"]);
    let out = gdb(&prog, &[], &["continue", "p $ymm3.v8_float", "set var $ymm3.v8_float[7] = 9", "p $ymm3.v8_float", "p $xmm3.v4_float"]);
    assert!(out.contains("$1 = {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5}"), "{out}");
    assert!(out.contains("$2 = {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 9}"), "{out}");
    assert!(out.contains("$3 = {2.5, 2.5, 2.5, 2.5}"), "{out}");
    if std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default().contains("avx512f") {
        let out = gdb(&prog, &[], &["continue", "p $zmm3.v16_float", "set var $k1 = 0x55", "p/x $k1", "set var $zmm20.v8_int64[5] = 77", "p $zmm20.v8_int64[5]"]);
        assert!(out.contains("$1 = {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 0, 0, 0, 0, 0, 0, 0, 0}"), "{out}");
        assert!(out.contains("$2 = 0x55"), "{out}");
        assert!(out.contains("$3 = 77\n"), "{out}");
    }
}

/// A 32-bit program with a thread-local variable and, when the CPU has
/// AVX, a value in ymm3.
const TLS32: &str = r#"
#include <pthread.h>
#include <stdio.h>
__thread int tv = 7;
void in_worker(void) {}
void in_main(void) {}
void *worker(void *a) { tv = 40; in_worker(); return a; }
__attribute__((target("avx"))) static void load_ymm3(void) {
    asm volatile("vbroadcastss %0, %%ymm3" :: "m"(*(float[]){2.5f}));
}
int main(void) {
    pthread_t t;
    tv++;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    if (__builtin_cpu_supports("avx"))
        load_ymm3();
    in_main();
    printf("tv=%d\n", tv);
    return 0;
}
"#;

/// A 32-bit (i386) program: its thread-local variables per thread
/// (`qGetTLSAddr` with i386's %gs-based TCB, for the program's module and
/// libc's), and its AVX and AVX-512 registers (gdb's i386 description with
/// ymm0h-7h, k0-7 and zmm0h-7h, as GNU gdbserver gives), read and written.
#[test]
fn a_32_bit_program_has_its_thread_locals_and_avx_registers() {
    let prog = build_with("tls32", TLS32, &["-m32"]);
    let out = gdb(
        &prog,
        &[],
        &["break in_worker", "break in_main", "continue", "print tv", "print &errno != 0", "continue", "print tv", "continue"],
    );
    assert!(out.contains("$1 = 40\n"), "{out}");
    assert!(out.contains("$2 = 1\n"), "{out}");
    assert!(out.contains("$3 = 8\n"), "{out}");
    assert!(out.contains("tv=8") && out.contains("exited normally"), "{out}");
    assert!(!out.contains("Cannot find thread-local storage"), "{out}");

    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    if !cpu.contains(" avx ") {
        eprintln!("skipped the AVX part: no AVX");
        return;
    }
    let out = gdb(
        &prog,
        &[],
        &[
            "break in_main",
            "continue",
            "p $ymm3.v8_float",
            "info registers ymm0",
            "set var $ymm3.v8_float[7] = 9",
            "p $ymm3.v8_float",
            "p $xmm3.v4_float",
            "p $ymm8",
        ],
    );
    assert!(out.contains("$1 = {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5}"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("ymm0 ") && l.contains("v8_float = {0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0}")), "{out}");
    assert!(out.contains("$2 = {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 9}"), "{out}");
    assert!(out.contains("$3 = {2.5, 2.5, 2.5, 2.5}"), "{out}");
    // An i386 program has eight vector registers.
    assert!(out.contains("$4 = void"), "{out}");
    if cpu.contains("avx512f") {
        let out = gdb(&prog, &[], &["break in_main", "continue", "set var $k1 = 0x55", "p/x $k1", "set var $zmm3.v8_int64[5] = 77", "p $zmm3.v8_int64[5]", "p $ymm3.v8_float"]);
        assert!(out.contains("$1 = 0x55"), "{out}");
        assert!(out.contains("$2 = 77\n"), "{out}");
        assert!(out.contains("$3 = {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5}"), "{out}");
    }
}

/// A worker stops at a breakpoint and ends; main waits for it.
const WORKER_ENDS: &str = r#"
#include <pthread.h>
#include <stdio.h>
void in_worker(void) {}
void *worker(void *a) { in_worker(); return a; }
int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    printf("joined\n");
    return 0;
}
"#;

/// `no-resumed`: with `scheduler-locking on` gdb resumes only the worker,
/// which ends: nothing gdb resumed is left, and the server says so (`N`,
/// "No unwaited-for children left." as with GNU gdbserver) instead of
/// waiting for a stop that cannot come (it once hung there, and could not
/// even be ended: the program stayed stopped when gdb was killed).
#[test]
fn no_resumed_thread_left_is_reported() {
    let prog = build("worker_ends", WORKER_ENDS);
    let out = gdb(
        &prog,
        &[],
        &[
            "break in_worker",
            "continue",
            "set scheduler-locking on",
            "continue",
            "info threads",
            "thread 1",
            "set scheduler-locking off",
            "continue",
        ],
    );
    assert!(out.contains("No unwaited-for children left."), "{out}");
    assert!(out.contains("joined") && out.contains("exited normally"), "{out}");
}

#[test]
fn gcore_writes_a_core_gdb_can_read() {
    let prog = build("signals", SIGNALS);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gdbserver-tests");
    let core = dir.join(format!("core-{}", std::process::id()));
    let out = gdb(&prog, &[], &["continue", &format!("gcore {}", core.display()), "kill"]);
    assert!(out.contains("Saved corefile"), "{out}");
    let o = Command::new("timeout")
        .args(["60", "gdb", "-nx", "-batch", "-ex", "bt", "-ex", "p handled"])
        .arg(&prog)
        .arg(&core)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&core);
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!text.contains("not a core dump"), "{text}");
    assert!(text.contains("Program terminated with signal SIGUSR1"), "{text}");
    assert!(text.contains(" in main ("), "{text}");
    assert!(text.contains("$1 = 0\n"), "{text}");
}

#[test]
fn thread_events_report_creation_and_exit() {
    let prog = build("named", THREADS);
    let (mut rsp, _err) = Rsp::stdio(&[], &[prog.to_str().unwrap()]);
    rsp.handshake("multiprocess+;QThreadEvents+");
    assert_eq!(rsp.ask("QThreadEvents:1"), "OK");
    let mut created = 0;
    let mut exited = 0;
    loop {
        let stop = rsp.ask("vCont;c");
        if stop.contains("create:") {
            created += 1;
        } else if stop.starts_with('w') {
            exited += 1;
        } else if stop.starts_with('W') {
            break;
        }
        assert!(created + exited < 10, "{stop}");
    }
    assert_eq!((created, exited), (2, 2));
}

#[test]
fn without_pass_signals_gdb_passes_them_itself() {
    let prog = build("signals", SIGNALS);
    let remote = format!("target remote | {BIN} gdbserver --no-pass-signals - {}", prog.display());
    let out = gdb_remote(&prog, &remote, &["handle SIGUSR1 nostop noprint pass", "set debug remote 1", "continue"]);
    assert!(!out.contains("QPassSignals:"), "{out}");
    assert!(out.contains("handled 5"), "{out}");
    assert!(out.contains("exited with code 05]"), "{out}");
}

const FOUR: &str = r#"
#include <stdio.h>
int counter;
void f1(int i) { counter += i; }
void f2(int i) { counter += i; }
void f3(int i) { counter += i; }
void f4(int i) { counter += i; }
int main(void)
{
    for (int i = 0; i < 20; i++) {
        f1(i);
        f2(i);
        f3(i);
        f4(i);
    }
    printf("counter %d\n", counter);
    return 0;
}
"#;

#[test]
fn conditions_in_debug_registers_give_way_to_watchpoints() {
    // Four conditional breakpoints take the four debug registers (a false
    // condition then costs one stop); a watchpoint gets one back, and
    // every breakpoint still stops where its condition holds.
    let prog = build("four", FOUR);
    let out = gdb(
        &prog,
        &[],
        &[
            "break main",
            "continue",
            "set breakpoint condition-evaluation target",
            "break f1 if i == 3",
            "break f2 if i == 5",
            "break f3 if i == 7",
            "break f4 if i == 9",
            "continue",
            "watch counter",
            "continue",
            "delete 6",
            "continue",
            "continue",
            "continue",
            "continue",
        ],
    );
    assert!(out.contains("f1 (i=3)"), "{out}");
    assert!(out.contains("Hardware watchpoint 6: counter"), "{out}");
    assert!(out.contains("Old value = 12\nNew value = 15"), "{out}");
    assert!(out.contains("f2 (i=5)") && out.contains("f3 (i=7)") && out.contains("f4 (i=9)"), "{out}");
    assert!(out.contains("exited normally]"), "{out}");
}

const TLS: &str = r#"
#include <pthread.h>
#include <stdio.h>
__thread int tv = 7;
void in_worker(void) {}
void in_main(void) {}
void *worker(void *a)
{
    tv = 40;
    in_worker();
    return a;
}
int main(void)
{
    pthread_t t;
    tv++;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    in_main();
    printf("%d\n", tv);
    return 0;
}
"#;

#[test]
fn thread_local_variables_are_found_per_thread() {
    let prog = build("tls", TLS);
    let out = gdb(&prog, &[], &["break in_worker", "break in_main", "continue", "print tv", "continue", "print tv"]);
    assert!(out.contains("$1 = 40\n"), "{out}");
    assert!(out.contains("$2 = 8\n"), "{out}");
}

/// Instructions the server may execute itself for a one-thread step, and
/// some it leaves to the CPU, in sequence.
const STEPS: &str = r#"
long data[4] = {1, 2, 3, 4};
__thread long tlsv = 5;
void stepped(void);
void after(void) {}
asm(".globl stepped\n"
    "stepped:\n"
    "endbr64\n"
    "push %rbp\n"
    "mov %rsp,%rbp\n"
    "sub $0x40,%rsp\n"
    "movl $7,-0x8(%rbp)\n"
    "mov -0x8(%rbp),%eax\n"
    "mov %eax,-0x10(%rbp)\n"
    "movq $-3,-0x18(%rbp)\n"
    "mov data(%rip),%rcx\n"
    "mov %rcx,data+8(%rip)\n"
    "lea 0x8(%rsp,%rcx,4),%rdx\n"
    "lea -0x4(%rbp),%r8d\n"
    "mov %fs:0x0,%rsi\n"
    "movabs $0x1122334455667788,%r9\n"
    "mov $5,%r10d\n"
    "mov %r9,%r14\n"
    "mov %r9d,%r15d\n"
    "push %r12\n"
    "pop %r13\n"
    "add %rcx,%rdx\n"
    "call inner\n"
    "nop\n"
    "leave\n"
    "ret\n"
    "inner:\n"
    "mov %rdi,%r11\n"
    "ret\n");
int main(void)
{
    stepped();
    after();
    return (int)data[1];
}
"#;

/// Step `n` times from `stepped` with the server's emulation on or off:
/// each step's registers, the memory `data`, and which bytes of the stack
/// it changed (the stack holds per-run random words: canaries, the
/// pointer guard, so contents are compared as changes).
fn steps(emulate: bool, n: usize) -> (Vec<String>, String) {
    let prog = build_with("steps", STEPS, &["-no-pie"]);
    let o = Command::new("nm").arg(&prog).output().unwrap();
    let sym = |name: &str| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() == 3 && f[2] == name).then(|| u64::from_str_radix(f[0], 16).unwrap())
            })
            .unwrap()
    };
    let (mut rsp, _err) = Rsp::stdio(&[], &[prog.to_str().unwrap()]);
    rsp.handshake("multiprocess+;swbreak+");
    if !emulate {
        assert_eq!(rsp.ask(&format!("qRcmd,{}", hex("set step-emulation off"))), "OK");
    }
    let at = sym("stepped");
    assert_eq!(rsp.ask(&format!("Z0,{at:x},1")), "OK");
    let stop = rsp.ask("vCont;c");
    let t = stop_thread(&stop);
    assert_eq!(rsp.ask(&format!("z0,{at:x},1")), "OK");
    let data = sym("data");
    let sp_of = |g: &str| u64::from_str_radix(&g[7 * 16..8 * 16], 16).map(u64::swap_bytes).unwrap();
    let base = sp_of(&rsp.ask("g")) - 0x100;
    let mut stack = rsp.ask(&format!("m{base:x},140"));
    let mut seen = Vec::new();
    for _ in 0..n {
        let stop = rsp.ask(&format!("vCont;s:{t}"));
        assert!(stop.starts_with("T05"), "{stop}");
        let g = rsp.ask("g");
        let now = rsp.ask(&format!("m{base:x},140"));
        let changed: Vec<String> = (0..now.len() / 2)
            .filter(|i| now[i * 2..i * 2 + 2] != stack[i * 2..i * 2 + 2])
            .map(|i| format!("{i}={}", &now[i * 2..i * 2 + 2]))
            .collect();
        stack = now;
        let d = rsp.ask(&format!("m{data:x},20"));
        seen.push(format!("{g}\nstack changes {changed:?}\ndata {d}"));
    }
    rsp.send(&format!("qRcmd,{}", hex("show step-emulation")));
    let mut said = String::new();
    loop {
        let p = rsp.recv();
        if p == "OK" {
            break;
        }
        said.push_str(&String::from_utf8_lossy(&(1..p.len()).step_by(2).map(|i| u8::from_str_radix(&p[i..i + 2], 16).unwrap()).collect::<Vec<u8>>()));
    }
    (seen, said)
}

#[test]
fn emulated_steps_match_the_cpu() {
    let n = 24;
    let (cpu, said) = steps(false, n);
    assert!(said.contains("0 steps emulated"), "{said}");
    let (emulated, said) = steps(true, n);
    let count: u64 = said.split("; ").nth(1).and_then(|s| s.split(' ').next()).and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!(count >= 15, "{said}");
    for (i, (a, b)) in cpu.iter().zip(&emulated).enumerate() {
        assert_eq!(a, b, "step {}: registers or memory differ", i + 1);
    }
}

/// The server looks for gdb's next packet a moment before it sleeps
/// when it may run on several CPUs; pinned to one (taskset) or with
/// `--no-spin` it sleeps at once. Each way every hit is counted and the
/// program ends as it does undebugged.
#[test]
fn a_breakpoint_loop_ends_the_same_spinning_pinned_or_with_no_spin() {
    let prog = build("four_spin", FOUR);
    for (pre, opt) in [("", ""), ("", "--no-spin"), ("taskset -c 0", "")] {
        let remote = format!("target remote | {pre} {BIN} gdbserver {opt} - {}", prog.display());
        let out = gdb_remote(&prog, &remote, &["break f1", "ignore 1 100", "continue", "info breakpoints"]);
        assert!(out.contains("exited normally]"), "{pre} {opt}: {out}");
        assert!(out.contains("breakpoint already hit 20 times"), "{pre} {opt}: {out}");
    }
}
