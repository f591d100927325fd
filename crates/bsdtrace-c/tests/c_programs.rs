//! C programs written the way FreeBSD's own tests and truss use ptrace(2),
//! linked against libbsdtrace and run: each prints TAP lines ("ok N - ...")
//! and exits nonzero if a check failed. Every program runs with each of the
//! engine thread's wake-up backends (BSDTRACE_BACKEND=io_uring, doorbell).
//! The example of docs/c-api.md is built and run too.
//!
//! The programs that make sense for 32-bit run in all four combinations of
//! tracer and tracee ABIs: 64->64 as above, and 64->32, 32->32, 32->64,
//! the 32-bit tracer built with `gcc -m32` against the i686 libbsdtrace
//! (one `cargo build --target i686-unknown-linux-gnu`), the tracee being
//! the same program built for the other ABI (tap.h's peer; a 64-bit peer
//! is linked at a fixed address below 4 GiB, `-no-pie`, so that a 32-bit
//! debugger can name its objects, as on FreeBSD).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `target/<profile>`, with libbsdtrace.so built in it. Cargo does not build
/// a cdylib for integration tests, so build it here, once per test binary,
/// with the profile and target directory of this test.
fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build_lib(None))
}

/// `target/i686-unknown-linux-gnu/<profile>`, with the 32-bit
/// libbsdtrace.so built in it (once per test binary).
fn lib_dir32() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| build_lib(Some(I686)))
}

/// `cargo build -p bsdtrace-c` for `target` (the host's if None), with
/// this test's profile and target directory;
/// returns the directory that holds libbsdtrace.so.
fn build_lib(target: Option<&str>) -> PathBuf {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().to_path_buf();
    let release = !cfg!(debug_assertions);
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "-p", "bsdtrace-c"]);
    if let Some(t) = target {
        cmd.args(["--target", t]);
    }
    cmd.arg("--manifest-path").arg(workspace_dir().join("Cargo.toml")).arg("--target-dir").arg(&target_dir);
    if release {
        cmd.arg("--release");
    }
    run_ok(&mut cmd);
    let mut dir = target_dir;
    if let Some(t) = target {
        dir.push(t);
    }
    dir.push(if release { "release" } else { "debug" });
    assert!(dir.join("libbsdtrace.so").exists(), "no libbsdtrace.so in {}", dir.display());
    dir
}

const I686: &str = "i686-unknown-linux-gnu";

/// The ABI a program is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Abi {
    X86_64,
    I386,
}

/// Compile `src` (a file under tests/c or a path) into `dir`.
fn build(name: &str, src: &Path, dir: &Path) -> PathBuf {
    build_for(name, src, dir, Abi::X86_64, &[])
}

/// Compile `src` for `abi` (`-m32` and the i686 library for i386), with
/// `flags`.
fn build_for(name: &str, src: &Path, dir: &Path, abi: Abi, flags: &[&str]) -> PathBuf {
    let (lib, m32): (&Path, &[&str]) = match abi {
        Abi::X86_64 => (lib_dir(), &[]),
        Abi::I386 => (lib_dir32(), &["-m32"]),
    };
    let exe = dir.join(name);
    run_ok(
        Command::new(cc())
            .args(m32)
            .args(flags)
            .args(["-Wall", "-Werror", "-g", "-I"])
            .arg(include_dir())
            .arg(src)
            .arg("-L")
            .arg(lib)
            .args(["-lbsdtrace", "-pthread"])
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-o")
            .arg(&exe),
    );
    exe
}

fn c_source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(format!("{name}.c"))
}

/// Build tests/c/<name>.c, run it with `args` and the engine's wake-up
/// backend (`None`: libbsdtrace chooses), and insist on a clean TAP run.
fn tap(name: &str, args: &[&str], backend: Option<&str>) {
    let dir = scratch(&format!("c-{name}-{}-{:?}", args.join("-"), backend));
    let exe = build(name, &c_source(name), &dir);
    run_tap(name, &exe, None, args, backend);
}

/// tests/c/<name>.c as a `tracer` program tracing `tracee` programs (the
/// same source built for that ABI), with each wake-up backend.
fn combo(name: &str, tracer: Abi, tracee: Abi) {
    let dir = scratch(&format!("c-{name}-{tracer:?}-{tracee:?}"));
    let exe = build_for(name, &c_source(name), &dir, tracer, &[]);
    let peer = (tracee != tracer)
        .then(|| build_for(&format!("{name}-peer"), &c_source(name), &dir, tracee, &["-no-pie"]));
    for backend in ["io_uring", "doorbell"] {
        run_tap(name, &exe, peer.as_deref(), &[], Some(backend));
    }
}

/// tests/c/<name>.c run as `nobody` (tap.h's `$TAP_NOBODY`: the program
/// drops to uid/gid 65534 first thing), when the tests run as root;
/// otherwise they already run unprivileged.
fn tap_as_nobody(name: &str, args: &[&str]) {
    let dir = scratch(&format!("c-{name}-{}-nobody", args.join("-")));
    let exe = build(name, &c_source(name), &dir);
    run_tap_env(name, &exe, None, args, None, &[("TAP_NOBODY", "1")]);
}

fn run_tap(name: &str, exe: &Path, peer: Option<&Path>, args: &[&str], backend: Option<&str>) {
    run_tap_env(name, exe, peer, args, backend, &[]);
}

fn run_tap_env(name: &str, exe: &Path, peer: Option<&Path>, args: &[&str], backend: Option<&str>, env: &[(&str, &str)]) {
    let mut cmd = Command::new(exe);
    cmd.args(args).env_remove("BSDTRACE_BACKEND").env_remove("TAP_PEER").env_remove("TAP_NOBODY");
    cmd.envs(env.iter().copied());
    if let Some(b) = backend {
        cmd.env("BSDTRACE_BACKEND", b);
    }
    if let Some(p) = peer {
        cmd.env("TAP_PEER", p);
    }
    let out = run(&mut cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // TAP's "# TODO": a known defect, reported but not a failure.
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok") && !l.contains("# TODO")).collect();
    let plan = stdout
        .lines()
        .find_map(|l| l.strip_prefix("1.."))
        .and_then(|n| n.parse::<usize>().ok());
    let oks = stdout.lines().filter(|l| l.starts_with("ok ") || l.starts_with("not ok") && l.contains("# TODO")).count();
    assert!(
        out.status.success() && failed.is_empty() && plan == Some(oks) && oks > 0,
        "{name} {args:?} (backend: {backend:?}, peer {peer:?}) failed ({}):\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

macro_rules! tap_tests {
    ($($test:ident: $name:literal $(, $arg:literal)*;)*) => {
        mod io_uring {
            use super::*;
            $(#[test] fn $test() { tap($name, &[$($arg),*], Some("io_uring")) })*
        }
        mod doorbell {
            use super::*;
            $(#[test] fn $test() { tap($name, &[$($arg),*], Some("doorbell")) })*
        }
    };
}

tap_tests! {
    basic_requests_on_a_traceme_child: "basic";
    errors_in_freebsd_order: "errors";
    syscall_stops_args_and_return_values: "syscalls";
    follow_fork_and_the_wait_family: "fork";
    threads_of_a_tracee: "threads";
    a_sigchld_handler_that_waits: "sigchld";
    fp_debug_and_base_registers_step_and_detach: "regs";
    core_dumps_with_freebsd_errors: "coredump";
    remote_syscalls_as_freebsds_tests_make_them: "remote";
    tracees_progress_while_the_tracer_is_away: "away";
    lwp_exits_and_a_non_leader_exec_as_on_freebsd: "lwpexec";
    lwp_exits_and_a_non_leader_exec_while_the_tracer_is_away: "lwpexec", "away";
    signals_given_by_the_debugger_as_freebsd_delivers_them: "sigfidelity";
    signals_given_by_the_debugger_are_delivered_while_it_is_away: "sigfidelity", "away";
    traceme_children_die_with_their_tracer_and_see_nothing_of_it: "traceme";
    sleeping_threads_never_see_the_debuggers_stops: "sleepers";
    a_traced_program_that_waits_for_its_own_children_has_one_lwp: "childwait";
    a_process_killed_during_its_attach_reports_nothing_else: "attachkill";
    a_traceme_child_with_a_reused_pid_comes_after_the_old_exit: "pidreuse";
    a_reaper_that_debugs_kills_its_sleeping_tracee_and_nothing_else: "reapkill";
    the_real_parent_sees_the_exit_after_the_debugger: "parentwait";
    attaches_racing_an_execve_succeed_with_a_sigstop: "attachexec";
}

/// The programs that make sense for 32-bit, in the three combinations
/// with a 32-bit side (tracer ABI -> tracee ABI).
macro_rules! combo_tests {
    ($($test:ident: $name:literal;)*) => {
        mod tracer64_tracee32 {
            use super::*;
            $(#[test] fn $test() { combo($name, Abi::X86_64, Abi::I386) })*
        }
        mod tracer32_tracee32 {
            use super::*;
            $(#[test] fn $test() { combo($name, Abi::I386, Abi::I386) })*
        }
        mod tracer32_tracee64 {
            use super::*;
            $(#[test] fn $test() { combo($name, Abi::I386, Abi::X86_64) })*
        }
    };
}

combo_tests! {
    basic_requests_on_a_traceme_child: "basic";
    syscall_stops_args_and_return_values: "syscalls";
    fp_debug_and_base_registers_step_and_detach: "regs";
    follow_fork_and_the_wait_family: "fork";
    threads_of_a_tracee: "threads";
    errors_in_freebsd_order: "errors";
    remote_syscalls_as_freebsds_tests_make_them: "remote";
    core_dumps_with_freebsd_errors: "coredump";
}

/// A 32-bit program's threads asleep in the calls a stop breaks (their i386
/// numbers, registers and timespecs), under a 64-bit and a 32-bit
/// debugger's whole-process stops: no EINTR, no stretched timeout. (A
/// 32-bit debugger cannot write a 64-bit program's registers: that
/// combination is left out, docs/deviations.md.)
#[test]
fn sleeping_threads_of_a_32_bit_program_never_see_the_debuggers_stops() {
    combo("sleepers", Abi::X86_64, Abi::I386);
    combo("sleepers", Abi::I386, Abi::I386);
}

/// The PT_TRACE_ME adoption of a 32-bit child (its parent-death signal
/// disarmed through the 32-bit vDSO's `int $0x80`), from either tracer.
/// (A 32-bit tracer cannot load a 64-bit child's registers: that child
/// keeps the armed signal, docs/deviations.md.)
#[test]
fn traceme_adoption_of_a_32_bit_child() {
    combo("traceme", Abi::X86_64, Abi::I386);
    combo("traceme", Abi::I386, Abi::I386);
}

#[test]
fn requests_from_a_thread_other_than_the_attacher_while_it_waits() {
    // The attacher is alone when it attaches; a later thread's requests
    // go to the engine thread while the attacher waits.
    tap("mt_tracer", &["late"], None);
}

#[test]
fn requests_and_waits_from_any_thread_with_the_engine_thread() {
    // Threads exist before the first request.
    tap("mt_tracer", &["early"], None);
}

#[test]
fn a_tracer_that_exits_leaves_its_killed_tracees_to_the_reaper() {
    // Both backends: with io_uring an engine with no child spun on its
    // ECHILD peek and missed the program's own child's exit (fixed in
    // sys/wakeup.rs: the peek waits for a job).
    tap("tracer_exit", &[], Some("doorbell"));
    tap("tracer_exit", &[], Some("io_uring"));
}

/// Issue 10's programs unprivileged: a debugger that is not root sees
/// the same FreeBSD behaviour (tracer exit, PT_SC_REMOTE, LWP events and
/// ids, syscall info at any stop, signals it gives, a reaper's view, a
/// real parent's wait).
mod as_nobody {
    use super::*;
    #[test]
    fn a_tracer_that_exits_leaves_its_killed_tracees_to_the_reaper() {
        tap_as_nobody("tracer_exit", &[]);
    }
    #[test]
    fn remote_syscalls_as_freebsds_tests_make_them() {
        tap_as_nobody("remote", &[]);
    }
    #[test]
    fn lwp_exits_and_a_non_leader_exec_as_on_freebsd() {
        tap_as_nobody("lwpexec", &["away"]);
    }
    #[test]
    fn syscall_stops_args_and_return_values() {
        tap_as_nobody("syscalls", &[]);
    }
    #[test]
    fn signals_given_by_the_debugger_are_delivered_while_it_is_away() {
        tap_as_nobody("sigfidelity", &["away"]);
    }
    #[test]
    fn a_reaper_that_debugs_kills_its_sleeping_tracee_and_nothing_else() {
        tap_as_nobody("reapkill", &[]);
    }
    #[test]
    fn the_real_parent_sees_the_exit_after_the_debugger() {
        tap_as_nobody("parentwait", &[]);
    }
}

#[test]
fn procctl_from_c() {
    tap("procctl", &[], None);
}

#[test]
fn the_benchmark_runs() {
    let dir = scratch("c-bench");
    let exe = build("bench", &c_source("bench"), &dir);
    for mode in ["io_uring", "doorbell"] {
        let out = run_ok(
            Command::new(&exe)
                .arg("2000")
                .env("BSDTRACE_BACKEND", mode),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("PT_GETNUMLWPS "), "{stdout}");
    }
}

/// The example in docs/c-api.md, exactly as written there.
fn doc_example() -> String {
    let doc = std::fs::read_to_string(workspace_dir().join("docs/c-api.md")).unwrap();
    let after = doc
        .split("<!-- example -->")
        .nth(1)
        .expect("docs/c-api.md has an example");
    let body = after.split("```c\n").nth(1).unwrap();
    body.split("\n```").next().unwrap().to_string()
}

#[test]
fn the_documented_example_builds_and_runs() {
    let dir = scratch("c-doc-example");
    let src = dir.join("example.c");
    std::fs::write(&src, doc_example()).unwrap();
    let exe = build("example", &src, &dir);
    for mode in ["io_uring", "doorbell"] {
        let out = run_ok(Command::new(&exe).env("BSDTRACE_BACKEND", mode));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 4, "{stdout}");
        assert!(
            lines[0].starts_with("lwp ")
                && lines[0].ends_with(" stopped: event signal, flags 0x20"),
            "{stdout}"
        );
        assert!(
            lines[1].starts_with(&format!("signal {} (", libc::SIGSTOP)),
            "{stdout}"
        );
        assert_eq!(lines[2], "read 22 bytes: \"changed by the tracee\"");
        assert_eq!(lines[3], "child exited with 7");
    }
}

#[test]
fn the_example_linked_with_the_static_library() {
    // libbsdtrace.a in a dynamically linked program: its ptrace() and
    // waitpid() are the program's own and win over libc.so's.
    let dir = scratch("c-doc-example-static");
    let src = dir.join("example.c");
    std::fs::write(&src, doc_example()).unwrap();
    let exe = dir.join("example");
    run_ok(
        Command::new(cc())
            .args(["-Wall", "-Werror", "-I"])
            .arg(include_dir())
            .arg(&src)
            .arg(lib_dir().join("libbsdtrace.a"))
            .args([
                "-lgcc_s",
                "-lutil",
                "-lrt",
                "-lpthread",
                "-lm",
                "-ldl",
                "-lc",
                "-o",
            ])
            .arg(&exe),
    );
    // Both backends: the library's load-time fork handler must be in.
    for mode in ["io_uring", "doorbell"] {
        let out = run_ok(Command::new(&exe).env("BSDTRACE_BACKEND", mode));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.ends_with("child exited with 7\n"), "{stdout}");
    }
}
