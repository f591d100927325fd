//! Helpers shared by the truss test files: test programs compiled once,
//! running truss, waiting for an attach, reading /proc status fields.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_bsdtrace");

pub fn tmpdir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// A test program from tests/truss_progs, compiled once per test binary.
pub fn prog(name: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let m = BUILT.get_or_init(Default::default);
    let mut m = m.lock().unwrap();
    if let Some(p) = m.get(name) {
        return p.clone();
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/truss_progs").join(format!("{name}.c"));
    let tag = std::thread::current().name().unwrap_or("t").replace("::", "-");
    let tmp = tmpdir().join(format!("truss-{name}-{}-{tag}", std::process::id()));
    let out = tmpdir().join(format!("truss-{name}-{}", std::process::id()));
    let st = Command::new("cc").args(["-O2", "-g", "-Wall", "-pthread", "-o"]).arg(&tmp).arg(&src).status().expect("cc");
    assert!(st.success(), "compiling {name}.c failed");
    std::fs::rename(&tmp, &out).unwrap();
    m.insert(name.to_string(), out.clone());
    out
}

/// A fresh output file path for this test.
pub fn out_file(tag: &str) -> PathBuf {
    tmpdir().join(format!("truss-out-{tag}-{}", std::process::id()))
}

pub fn truss(args: &[&str]) -> Output {
    Command::new(BIN).arg("truss").args(args).stdin(Stdio::null()).output().unwrap()
}

/// Runs truss with `-o FILE` and returns (status, lines of FILE).
pub fn truss_to_file(tag: &str, args: &[&str]) -> (Output, Vec<String>) {
    let f = out_file(tag);
    let mut all = vec!["-o", f.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = truss(&all);
    let text = std::fs::read_to_string(&f).unwrap_or_default();
    let _ = std::fs::remove_file(&f);
    (o, text.lines().map(str::to_string).collect())
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn proc_status(pid: i32, field: &str) -> Option<String> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find_map(|l| l.strip_prefix(&format!("{field}:")).map(|v| v.trim().to_string()))
}

/// Waits (at most 20 s) until `cond` holds.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The `loop` program ("ready PID", then a tick every 10 ms), its pid and
/// its stdout after the ready line.
pub fn ticking(threads: bool) -> (Child, i32, BufReader<ChildStdout>) {
    let mut c = Command::new(prog("loop"));
    if threads {
        c.arg("threads");
    }
    let mut child = c.stdout(Stdio::piped()).spawn().unwrap();
    let pid = child.id() as i32;
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, format!("ready {pid}\n"));
    (child, pid, out)
}

/// Every thread of `pid` untraced and not stopped, and the process still
/// ticking.
pub fn assert_runs_untraced(pid: i32, out: &mut BufReader<ChildStdout>) {
    wait_until("the tracer to go", || {
        std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().all(|t| {
            let s = std::fs::read_to_string(t.unwrap().path().join("status")).unwrap_or_default();
            s.lines().any(|l| l.starts_with("TracerPid:") && l.ends_with("\t0"))
        })
    });
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let s = std::fs::read_to_string(task.unwrap().path().join("status")).unwrap();
        let state = s.lines().find_map(|l| l.strip_prefix("State:")).unwrap().trim().to_string();
        assert!(!state.starts_with('t') && !state.starts_with('T'), "{pid}: {state}");
    }
    for _ in 0..3 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line, "tick\n");
    }
}
