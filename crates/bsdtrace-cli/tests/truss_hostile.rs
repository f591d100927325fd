//! Issue 11, R5 (truss's part): hostile tracees. `hostile SEED` (see
//! tests/truss_progs/hostile.c) passes bad pointers, huge and unterminated
//! strings, garbage structures, memory that another thread maps and unmaps,
//! garbage stack pointers, signal storms, SIGINT/SIGTERM/SIGQUIT to its whole
//! process group, and execs from a non-leader thread. Under every decoding
//! option truss must neither crash nor hang, and the program must end as
//! it would untraced (exit 0).
//!
//! CI runs a few seeds; `TRUSS_HOSTILE_SEEDS=N TRUSS_HOSTILE_ROUNDS=R`
//! runs N seeds of R rounds each (the long form).

mod truss_common;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use truss_common::*;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One run: truss OPTS hostile SEED ROUNDS, in its own process group (the
/// tracee signals its group). Returns an error describing a crash or hang.
fn run(opts: &[&str], seed: u64, rounds: u64) -> Result<(), String> {
    let out = out_file(&format!("hostile-{seed}"));
    let mut cmd = Command::new(BIN);
    cmd.arg("truss").args(opts).arg("-o").arg(&out).arg(prog("hostile")).arg(seed.to_string()).arg(rounds.to_string());
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).process_group(0).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let st = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("truss {opts:?} hung on seed {seed}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    use std::io::Read;
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    if let Some(sig) = st.signal() {
        return Err(format!("truss {opts:?} died of signal {sig} on seed {seed}: {err}"));
    }
    if err.contains("panicked") {
        return Err(format!("truss {opts:?} panicked on seed {seed}: {err}"));
    }
    if st.code() != Some(0) {
        return Err(format!("truss {opts:?} exited {:?} on seed {seed} (the program exits 0): {err}\n{}", st.code(), tail(&text)));
    }
    let summary_or_json = opts.contains(&"-c") || opts.contains(&"--json");
    if !summary_or_json && !text.contains("process exit, rval = 0") {
        return Err(format!("no exit line for seed {seed} with {opts:?}:\n{}", tail(&text)));
    }
    Ok(())
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-f", "-H", "-v", "-yy", "-s", "4096", "-xx"],
    &["-f", "-k", "-X", "verbose", "-T", "-tt"],
    &["-c"],
    &["--json", "-f"],
];

#[test]
fn hostile_tracees_neither_crash_nor_hang_truss() {
    let seeds = env_num("TRUSS_HOSTILE_SEEDS", 6);
    let rounds = env_num("TRUSS_HOSTILE_ROUNDS", 150);
    let mut failures = Vec::new();
    for seed in 1..=seeds {
        let opts = OPTION_SETS[(seed as usize) % OPTION_SETS.len()];
        if let Err(e) = run(opts, seed, rounds) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A non-leader thread's execve under syscall tracing (the engine once held
/// the dying leader for a whole-process stop while the exec waited for it).
#[test]
fn a_thread_that_execs_is_traced_to_the_end() {
    let p = prog("hostile");
    for _ in 0..10 {
        // No rounds, then the exec from a thread.
        let mut c = Command::new(BIN)
            .args(["truss", "-f", "-o", "/dev/null"])
            .arg(&p)
            .args(["1", "0", "exec"])
            .process_group(0)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let st = loop {
            if let Some(st) = c.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                let _ = c.wait();
                panic!("truss hung on a non-leader exec");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(st.code(), Some(0));
    }
}
