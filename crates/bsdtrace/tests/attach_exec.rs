//! PT_ATTACH racing execve (issue 11, the fault suite's defect family
//! #13). On FreeBSD an attach is ordered before or after an exec: it
//! succeeds, the first stop reported is the attach's SIGSTOP, and a
//! PT_DETACH leaves the process running untraced. Linux's attach of a
//! process in an execve from another thread meets a leader de_thread is
//! killing and an id changing hands.
//!
//! A process execs itself for ever (tests/tracees/execloop.c: from its
//! only thread, or from a second thread while the leader sleeps); the
//! tracer sleeps a random while (blocked outside the library, as a
//! debugger between commands), attaches, waits, detaches, many times.

mod common;
use bsdtrace::*;
use common::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// tests/tracees/execloop.c, compiled once per test binary.
fn execloop() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tracees/execloop.c");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let out = dir.join("bsdtrace-execloop");
        let tmp = dir.join(format!("bsdtrace-execloop.{}", std::process::id()));
        let st = Command::new("cc").args(["-O1", "-g", "-pthread", "-o"]).arg(&tmp).arg(&src).status().expect("cc runs");
        assert!(st.success(), "compiling execloop.c failed");
        std::fs::rename(&tmp, &out).expect("rename tracee");
        out.to_string_lossy().into_owned()
    })
}

/// `State:` letter and `TracerPid:` of a process, if it is there.
fn state_and_tracer(pid: i32) -> Option<(char, i32)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |k: &str| s.lines().find_map(|l| l.strip_prefix(k)).map(str::trim);
    let state = field("State:")?.chars().next()?;
    let tracer = field("TracerPid:")?.parse().ok()?;
    Some((state, tracer))
}

/// `rounds` attach/wait/detach rounds on `execloop MODE`, each after a
/// random sleep of up to `max_us`. Returns what went wrong, one line each.
fn attach_rounds(mode: &str, rounds: u32, max_us: u64, seed: u64) -> Vec<String> {
    let mut child = Command::new(execloop()).arg(mode).stdin(Stdio::null()).spawn().expect("spawn execloop");
    let pid = Pid(child.id() as i32);
    let mut rng = seed | 1;
    let mut t = Tracer::new();
    let mut bad = Vec::new();
    for r in 0..rounds {
        std::thread::sleep(std::time::Duration::from_micros(xorshift(&mut rng) % max_us));
        match t.attach(pid.into()) {
            Ok(p) => assert_eq!(p, pid),
            Err(e) => {
                let ring = if bad.is_empty() { last_lines(&bsdtrace::engine::ring::text(), 30) } else { String::new() };
                bad.push(format!("{mode} round {r}: PT_ATTACH {:?} {ring}", e.errno()));
                continue;
            }
        }
        let Some(st) = wait_or_hang(&mut t, pid) else {
            bad.push(format!(
                "{mode} round {r}: no stop for 10 s after the attach; the process: {:?}; the flight recorder:\n{}",
                state_and_tracer(pid.0),
                last_lines(&bsdtrace::engine::ring::text(), 40)
            ));
            break;
        };
        match st {
            Ok(Some((_, WaitStatus::Stopped(libc::SIGSTOP)))) => {
                let ev = t.stop_event(pid.into()).map(|(_, e)| e);
                if !matches!(ev, Ok(Some(Event::Attach))) {
                    bad.push(format!("{mode} round {r}: first stop SIGSTOP but event {ev:?}"));
                }
            }
            other => {
                let ev = t.stop_event(pid.into()).map(|(_, e)| e);
                bad.push(format!("{mode} round {r}: first stop {other:?} (event {ev:?})"));
                // Take whatever else comes until the attach stop, to go on.
                let mut n = 0;
                while n < 5 && !matches!(t.stop_event(pid.into()), Ok((_, Some(Event::Attach)))) {
                    if t.resume(pid.into(), Resume::Continue, None, 0).is_err() {
                        break;
                    }
                    let _ = t.wait(pid.0, WaitOptions::BLOCK);
                    n += 1;
                }
            }
        }
        if let Err(e) = t.detach(pid.into(), 0) {
            bad.push(format!("{mode} round {r}: PT_DETACH {:?}", e.errno()));
        }
        match state_and_tracer(pid.0) {
            Some((s, tr)) if tr != 0 || matches!(s, 't' | 'T') => {
                bad.push(format!("{mode} round {r}: after PT_DETACH state {s}, tracer {tr}"))
            }
            None => {
                bad.push(format!("{mode} round {r}: gone after PT_DETACH"));
                break;
            }
            _ => {}
        }
    }
    // Still there, running, untraced, and still exec'ing.
    std::thread::sleep(std::time::Duration::from_millis(20));
    // (A zombie leader is the moment of a non-leader's exec.)
    let exited = child.try_wait().expect("try_wait");
    match state_and_tracer(pid.0) {
        Some((s, 0)) if !matches!(s, 't' | 'T') && exited.is_none() => {}
        other => bad.push(format!("{mode} at the end: {other:?}, exited {exited:?}")),
    }
    let _ = child.kill();
    let _ = child.wait();
    bad
}

/// The next status of `pid`, or None if none came in 10 s (a hang: the
/// stop of an attach comes at once).
fn wait_or_hang(t: &mut Tracer, pid: Pid) -> Option<Result<Option<(Pid, WaitStatus)>>> {
    for _ in 0..10_000 {
        match t.wait(pid.0, WaitOptions::NOHANG) {
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(1)),
            r => return Some(r),
        }
    }
    None
}

fn last_lines(s: &str, n: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(n)..].join("\n")
}

/// A xorshift64 step: the random sleeps, the same for a seed.
fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

fn check(mode: &str, rounds: u32) {
    // (ATTACH_EXEC_ROUNDS=N: more rounds, for a longer hunt by hand.)
    let rounds = std::env::var("ATTACH_EXEC_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(rounds);
    let _w = Watchdog::arm(90, "attach racing execve");
    let mut bad = Vec::new();
    for (i, max_us) in [300u64, 1000, 3000].into_iter().enumerate() {
        bad.extend(attach_rounds(mode, rounds, max_us, 0x13 + i as u64));
    }
    assert!(bad.is_empty(), "{} of {} rounds went wrong:\n{}", bad.len(), 3 * rounds, bad.join("\n"));
}

/// A single-threaded process that execs itself again and again.
#[test]
fn attach_racing_a_single_threaded_execve() {
    check("leader", 300);
}

/// A second thread execs while the leader sleeps: the leader dies in
/// de_thread and the exec'ing thread takes over the process's id.
#[test]
fn attach_racing_a_non_leader_execve() {
    check("thread", 300);
}

/// As above, with more threads for de_thread to kill.
#[test]
fn attach_racing_a_non_leader_execve_with_threads() {
    check("threads", 300);
}
