//! Shared helpers for the integration tests: the tracee program, waits with
//! assertions, and running code as `nobody`.
#![allow(dead_code)]

use bsdtrace::*;
use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// Path of the compiled tracee (built once per test binary).
pub fn tracee() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| build_c("tracee"))
}

/// Path of the compiled `busy` tracee (tests/tracees/busy.c).
pub fn busy() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| build_c("busy"))
}

/// Path of the tracee built as a 32-bit (i386) program (`cc -m32`: Debian's
/// gcc-multilib, which CI and the README's setup install).
pub fn tracee32() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| build_c_as("tracee", "tracee32", &["-m32"]))
}

/// Path of tests/tracees/sleepers32.c built with `cc -m32`, or None (said
/// on stderr, for the caller to skip) where the C compiler cannot build a
/// 32-bit program at all (no gcc-multilib; CI installs it).
pub fn sleepers32() -> Option<&'static str> {
    static PATH: OnceLock<Option<String>> = OnceLock::new();
    PATH.get_or_init(|| {
        if !cc_builds_32_bit() {
            eprintln!("skipped: `cc -m32` cannot build a 32-bit program here (install gcc-multilib)");
            return None;
        }
        Some(build_c_as("sleepers32", "sleepers32", &["-m32"]))
    })
    .as_deref()
}

/// Can `cc -m32` build and link a trivial threaded program?
fn cc_builds_32_bit() -> bool {
    use std::io::Write;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let out = dir.join(format!("bsdtrace-m32-probe.{}", std::process::id()));
    let Ok(mut cc) = Command::new("cc")
        .args(["-m32", "-pthread", "-x", "c", "-", "-o"])
        .arg(&out)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let _ = cc.stdin.take().expect("piped").write_all(b"int main(void) { return 0; }\n");
    let ok = cc.wait().is_ok_and(|st| st.success());
    let _ = std::fs::remove_file(&out);
    ok
}

/// Compile tests/tracees/NAME.c (once per test binary).
fn build_c(name: &str) -> String {
    build_c_as(name, name, &[])
}

/// Compile tests/tracees/NAME.c with `flags` into bsdtrace-OUT.
fn build_c_as(name: &str, out: &str, flags: &[&str]) -> String {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/tracees/{name}.c"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let out = dir.join(format!("bsdtrace-{out}"));
    let tmp = dir.join(format!("bsdtrace-{name}.{}.{}", flags.join(""), std::process::id()));
    let st = Command::new("cc")
        .args(flags)
        .args(["-O1", "-g", "-pthread", "-o"])
        .arg(&tmp)
        .arg(&src)
        .status()
        .expect("cc runs");
    assert!(st.success(), "compiling {name}.c with {flags:?} failed (32-bit programs need gcc-multilib)");
    std::fs::rename(&tmp, &out).expect("rename tracee");
    out.to_string_lossy().into_owned()
}

/// A spawned, traced tracee stopped at its exec.
pub fn spawn(t: &mut Tracer, args: &[&str]) -> Pid {
    let mut argv = vec![tracee()];
    argv.extend_from_slice(args);
    let pid = t.spawn(&argv).expect("spawn");
    let (p, st) = wait(t);
    assert_eq!(p, pid);
    assert_eq!(st, WaitStatus::Stopped(libc::SIGTRAP));
    assert!(matches!(t.stop_event(pid.into()).unwrap().1, Some(Event::Exec { .. })));
    pid
}

/// Fork a child that calls PT_TRACE_ME and execs `argv` (`argv[0]` a path);
/// its first stop (the exec's SIGTRAP) is the caller's to wait for. The
/// child exits 50 if PT_TRACE_ME fails, 51 if the exec does.
#[allow(dead_code)]
pub fn fork_traceme_exec(argv: &[&str]) -> Pid {
    let args: Vec<std::ffi::CString> = argv.iter().map(|a| std::ffi::CString::new(*a).unwrap()).collect();
    let ptrs: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).chain([std::ptr::null()]).collect();
    // SAFETY: the child makes only async-signal-safe calls before it execs
    // (everything it needs was allocated before the fork).
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        if bsdtrace::trace_me().is_err() {
            unsafe { libc::_exit(50) };
        }
        unsafe { libc::execv(ptrs[0], ptrs.as_ptr()) };
        unsafe { libc::_exit(51) };
    }
    Pid(pid)
}

pub fn wait(t: &mut Tracer) -> (Pid, WaitStatus) {
    t.wait(-1, WaitOptions::BLOCK).expect("wait").expect("blocking wait returns")
}

pub fn wait_pid(t: &mut Tracer, pid: Pid) -> WaitStatus {
    t.wait(pid.0, WaitOptions::BLOCK).expect("wait").expect("blocking wait returns").1
}

/// Continue and expect the next stop of `pid` to be `event`.
pub fn cont_until(t: &mut Tracer, pid: Pid, how: Resume, sig: i32) -> (WaitStatus, Option<Event>) {
    t.resume(pid.into(), how, None, sig).expect("resume");
    let st = wait_pid(t, pid);
    let ev = if matches!(st, WaitStatus::Stopped(_)) { t.stop_event(pid.into()).unwrap().1 } else { None };
    (st, ev)
}

/// Continue `pid` until it exits, calling `at_trap` at each stop with the
/// stopped thread's [`LwpInfo`]: every stop must be a SIGTRAP and the end
/// an exit (anything else fails the test). Returns the exit code.
pub fn until_exit_at_traps(t: &mut Tracer, pid: Pid, mut at_trap: impl FnMut(&mut Tracer, LwpInfo)) -> i32 {
    loop {
        t.resume(pid.into(), Resume::Continue, None, 0).expect("continue");
        match wait_pid(t, pid) {
            WaitStatus::Stopped(libc::SIGTRAP) => {
                let info = t.lwpinfo(pid.into()).expect("lwpinfo");
                at_trap(t, info);
            }
            WaitStatus::Exited(c) => return c,
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Continue until the process exits; returns its status.
pub fn run_to_exit(t: &mut Tracer, pid: Pid) -> WaitStatus {
    loop {
        t.resume(pid.into(), Resume::Continue, None, 0).expect("continue");
        let st = wait_pid(t, pid);
        if !matches!(st, WaitStatus::Stopped(_)) {
            return st;
        }
    }
}

/// An untraced tracee started with READY_FD; returns once it printed "ready".
pub struct Untraced {
    pub child: Child,
}

impl Untraced {
    pub fn start(args: &[&str]) -> Untraced {
        let mut cmd = Command::new(tracee());
        cmd.args(args).stdin(Stdio::null());
        let (child, line) = spawn_until_ready(&mut cmd);
        assert_eq!(line, "ready");
        Untraced { child }
    }

    pub fn pid(&self) -> Pid {
        Pid(self.child.id() as i32)
    }
}

/// Every backend this kernel offers (io_uring needs Linux 6.7).
pub fn engines() -> Vec<Engine> {
    let mut v = vec![];
    for b in [Backend::IoUring, Backend::Doorbell] {
        match Engine::with_options(EngineOptions { backend: Some(b), ..Default::default() }) {
            Ok(e) => v.push(e),
            Err(e) if b == Backend::IoUring => eprintln!("io_uring backend unavailable here: {e}"),
            Err(e) => panic!("doorbell backend: {e}"),
        }
    }
    v
}

/// `tracee ARGS` started untraced and attached by a new [`Tracer`], its
/// attach stop (SIGSTOP, as on FreeBSD) waited for. Keep the [`Untraced`]
/// while the test runs.
pub fn attached(args: &[&str]) -> (Untraced, Tracer, Pid) {
    let u = Untraced::start(args);
    let mut t = Tracer::new();
    let pid = t.attach(u.pid().into()).unwrap();
    assert_eq!(wait_pid(&mut t, pid), WaitStatus::Stopped(libc::SIGSTOP));
    (u, t, pid)
}

/// Spawn `cmd` with `$READY_FD` naming a pipe, and return once the tracee
/// (or anything it starts) wrote its first line there (trimmed).
pub fn spawn_until_ready(cmd: &mut Command) -> (Child, String) {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let child = cmd.env("READY_FD", w.as_raw_fd().to_string()).spawn().expect("spawn");
    drop(w);
    let mut line = String::new();
    BufReader::new(std::fs::File::from(r)).read_line(&mut line).unwrap();
    (child, line.trim().to_string())
}

/// Start `cmd` (a tracee that prints "ready") untraced, as our child, and
/// job-stop it as its shell would (SIGSTOP, seen by our WUNTRACED wait).
pub fn job_stopped(cmd: &mut Command) -> (Child, Pid) {
    let (child, line) = spawn_until_ready(cmd);
    assert_eq!(line, "ready");
    let pid = Pid(child.id() as i32);
    unsafe { libc::kill(pid.0, libc::SIGSTOP) };
    let mut st = 0;
    assert_eq!(unsafe { libc::waitpid(pid.0, &mut st, libc::WUNTRACED) }, pid.0);
    assert!(libc::WIFSTOPPED(st), "{st:#x}");
    (child, pid)
}

impl Drop for Untraced {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wait until thread `tid` sleeps in syscall `nr` (`/proc/TID/syscall`),
/// so that a test stops it there and not on its way in.
pub fn wait_in_syscall(tid: i32, nr: i64) {
    let path = format!("/proc/{tid}/syscall");
    for _ in 0..100_000 {
        let s = std::fs::read_to_string(&path).unwrap_or_default();
        if s.split_whitespace().next() == Some(&nr.to_string()) && proc_state(tid) == 'S' {
            return;
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    panic!("thread {tid} never slept in syscall {nr}");
}

/// /proc state letter of a process.
pub fn proc_state(pid: i32) -> char {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    s.rsplit_once(')').and_then(|(_, r)| r.trim().chars().next()).unwrap_or('?')
}

/// Run `f` in a forked child that dropped to uid/gid 65534 (`nobody`); the
/// child's exit code is `f`'s return value.
pub fn as_nobody(f: impl FnOnce() -> i32) -> i32 {
    // Build the tracee as root first, readable by everyone.
    let path = std::path::Path::new(tracee());
    for d in path.ancestors().skip(1).take(3) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755));
    }
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        unsafe {
            if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                libc::_exit(120);
            }
            // A uid change leaves the process non-dumpable (not traceable by
            // its own uid); a real unprivileged user's processes are dumpable.
            libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
        }
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(121);
        unsafe { libc::_exit(code) };
    }
    let mut st = 0;
    unsafe { libc::waitpid(pid, &mut st, 0) };
    assert!(libc::WIFEXITED(st), "nobody child died: {st:#x}");
    libc::WEXITSTATUS(st)
}

/// A temp file path unique to this test process and name.
pub fn tmpfile(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("{name}.{}.{:?}", std::process::id(), std::thread::current().id()))
        .to_string_lossy()
        .replace(['(', ')'], "")
}

/// Parse hex addresses written by the tracee.
pub fn read_addrs(path: &str) -> Vec<u64> {
    std::fs::read_to_string(path)
        .unwrap()
        .split_whitespace()
        .map(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap())
        .collect()
}

pub fn errno(r: Result<impl std::fmt::Debug>) -> Errno {
    r.expect_err("request must fail").errno()
}

/// Aborts the test binary (its tracees die with it: kill-on-exit) if not
/// dropped within `secs` seconds: a hang becomes a failure with a message.
pub struct Watchdog(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Watchdog {
    pub fn arm(secs: u64, what: &'static str) -> Watchdog {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = done.clone();
        std::thread::spawn(move || {
            let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
            while std::time::Instant::now() < end {
                if d.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            eprintln!("hung for {secs} s: {what}");
            std::process::abort();
        });
        Watchdog(done)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}
