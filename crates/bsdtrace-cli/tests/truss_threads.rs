//! truss on multithreaded programs: each thread is traced alone (the
//! per-LWP stop mode), so sleeping threads are never woken by our stops
//! (no EINTR, no changed exit status), side by side with strace and with
//! FreeBSD's whole-process stop (BSDTRACE_TRUSS_STOP=process); and a
//! traced program killed at any moment never hangs truss.

mod truss_common;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use truss_common::*;

/// The sleepers program's exit code is its number of EINTRs.
fn run(tool: &[&str], env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let p = prog("sleepers");
    let mut c = Command::new(tool[0]);
    c.args(&tool[1..]).arg(&p).args(args).stdin(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn sleeping_threads_get_no_eintr_under_truss_in_either_stop_mode_as_under_strace() {
    let f = out_file("sleepers");
    let fs = f.to_str().unwrap();
    let args = ["1500", "2"];
    let (plain, _) = run(&["env"], &[], &args);
    assert_eq!(plain, 0, "the program alone");
    if Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success()) {
        let (st, out) = run(&["strace", "-f", "-o", "/dev/null"], &[], &args);
        assert_eq!(st, 0, "under strace: {out}");
    }
    for mode in ["lwp", "process"] {
        let (st, out) = run(&[BIN, "truss", "-f", "-o", fs], &[("BSDTRACE_TRUSS_STOP", mode)], &args);
        assert_eq!(st, 0, "under truss ({mode} mode): {out}");
        assert!(out.contains("getppid 1500"), "{out}");
        let text = std::fs::read_to_string(&f).unwrap();
        // Every call of the worker is shown once.
        assert_eq!(text.lines().filter(|l| l.contains(" getppid()")).count(), 1500, "{mode}");
        assert!(text.lines().last().unwrap().contains("process exit, rval = 0"), "{mode}");
    }
    let _ = std::fs::remove_file(&f);
}

#[test]
fn a_filtered_trace_of_threads_shows_only_the_set_and_hurts_nobody() {
    let f = out_file("sleepers-filter");
    let fs = f.to_str().unwrap();
    let (st, out) = run(&[BIN, "truss", "-f", "-e", "trace=getppid", "-o", fs], &[], &["800", "1"]);
    assert_eq!(st, 0, "{out}");
    let text = std::fs::read_to_string(&f).unwrap();
    let _ = std::fs::remove_file(&f);
    assert_eq!(text.lines().filter(|l| l.contains(" getppid()")).count(), 800);
    assert!(!text.contains("epoll_wait("), "{text}");
}

/// truss's only child: the traced program.
fn child_of(pid: u32) -> Option<i32> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    s.split_whitespace().next()?.parse().ok()
}

#[test]
fn a_multithreaded_program_killed_at_any_moment_never_hangs_truss() {
    let p = prog("sleepers");
    for (round, mode) in (0..8u64).zip(["lwp", "process"].iter().cycle()) {
        let mut tr = Command::new(BIN)
            .args(["truss", "-f", "-o", "/dev/null"])
            .arg(&p)
            .args(["1000000", "3"])
            .env("BSDTRACE_TRUSS_STOP", mode)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut target = None;
        wait_until("the traced program to start", || {
            target = child_of(tr.id());
            target.is_some()
        });
        std::thread::sleep(Duration::from_millis(5 + round * 23));
        unsafe { libc::kill(target.unwrap(), libc::SIGKILL) };
        let deadline = Instant::now() + Duration::from_secs(30);
        let st = loop {
            if let Some(st) = tr.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > deadline {
                let _ = tr.kill();
                panic!("truss hung after its program was killed (round {round}, {mode} mode)");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // truss exits as its command did (128 + SIGKILL), its program reaped.
        assert_eq!(st.code(), Some(137), "round {round}, {mode} mode");
        assert!(!std::path::Path::new(&format!("/proc/{}", target.unwrap())).exists());
    }
}

/// `truss -p` attached and detached (SIGINT) again and again, in both stop
/// modes: the program's sleeping threads never see EINTR. The detach is
/// woken by a SIGSTOP truss sends and discards; sent to the whole process
/// it woke one thread (whose epoll_wait then failed with EINTR) and was
/// taken by another (1 to 5 EINTRs in 12 detaches before it went to the
/// leader thread alone). strace, for comparison, gives each sleeping
/// thread an EINTR at each attach (its PTRACE_INTERRUPT).
#[test]
fn attaching_and_detaching_again_and_again_leaves_the_sleepers_no_eintr() {
    let p = prog("sleepers");
    for mode in ["lwp", "process"] {
        let mut prog = Command::new(&p).args(["0", "2"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        for round in 0..8u64 {
            let mut tr = Command::new(BIN)
                .args(["truss", "-f", "-o", "/dev/null", "-p"])
                .arg(prog.id().to_string())
                .env("BSDTRACE_TRUSS_STOP", mode)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(60 + 40 * (round % 3)));
            unsafe { libc::kill(tr.id() as i32, libc::SIGINT) };
            let st = tr.wait().unwrap();
            assert!(st.success() || st.code() == Some(0), "truss -p ({mode} mode) after SIGINT: {st:?}");
            std::thread::sleep(Duration::from_millis(30));
        }
        drop(prog.stdin.take());
        let out = prog.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{mode} mode: EINTRs seen by the program:\n{text}");
    }
}
