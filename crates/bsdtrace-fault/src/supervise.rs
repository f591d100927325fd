//! The supervisor: runs each worker as a child process, watches it for
//! hangs through the shared page, reads back what it found, and takes the
//! census of what it left behind.
//!
//! The supervisor is a child subreaper (PR_SET_CHILD_SUBREAPER): tracees a
//! killed tracer leaves orphaned come to it, so it can see, kill and reap
//! everything a run made. Every process of a run carries the run's tag in
//! its environment; the census finds them by it.

use crate::progress::{self, Page, HANG_SECS};
use crate::report::Report;
use crate::util::{self, TAG_VAR};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Supervisor {
    pub page: &'static Page,
    page_path: String,
    n: u64,
    pub verbose: bool,
}

/// What the census expects of a run's leftovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Everything must be gone (kill-on-exit tracees, and all the rest).
    AllGone,
    /// Processes may survive (attached tracees of a tool that detaches),
    /// but none traced or stopped.
    NoneTracedOrStopped,
}

/// How a worker's own end should look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Exits 0 by itself.
    Clean,
    /// Is SIGKILLed (by its own killer child, or by us).
    Killed,
}

impl Supervisor {
    pub fn new() -> Supervisor {
        // SAFETY: plain prctl on ourselves.
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        let page_path = format!("/dev/shm/bsdtrace-fault.{}", std::process::id());
        let page = progress::map(&page_path, true);
        // The nobody children map it too (through the inherited mapping),
        // but keep it readable for a worker started by hand as nobody.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&page_path, std::fs::Permissions::from_mode(0o666));
        Supervisor { page, page_path, n: 0, verbose: false }
    }

    fn tag_prefix(&self) -> String {
        format!("{}.", std::process::id())
    }

    /// Run `cmd` (a worker, or a tool) under watch. `kill_after`: kill it
    /// ourselves after this long (the R3 rounds of truss and gdbserver).
    pub fn run(&mut self, mut cmd: Command, what: &str, end: End, expect: Expect, kill_after: Option<Duration>, stdin: Option<&[u8]>) -> Report {
        self.n += 1;
        let tag = format!("{}{}", self.tag_prefix(), self.n);
        self.page.reset();
        let dir = std::env::temp_dir();
        let out_path = dir.join(format!("bsdtrace-fault.{}.{}.out", std::process::id(), self.n));
        let err_path = dir.join(format!("bsdtrace-fault.{}.{}.err", std::process::id(), self.n));
        let out = std::fs::File::create(&out_path).expect("worker stdout");
        let err = std::fs::File::create(&err_path).expect("worker stderr");
        cmd.env(TAG_VAR, &tag)
            .env("BSDTRACE_FAULT_PAGE", &self.page_path)
            .stdout(out)
            .stderr(err)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot start {cmd:?}: {e}"),
        };
        if let (Some(bytes), Some(mut i)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            let _ = i.write_all(bytes);
            // Keep it open (a stdio gdbserver ends at EOF): leak into the
            // child's lifetime by forgetting it.
            std::mem::forget(i);
        }
        let start = Instant::now();
        let mut report = Report::default();
        let mut hung = false;
        let mut dumped = false;
        let status = loop {
            if let Ok(Some(st)) = child.try_wait() {
                break st;
            }
            if let Some(k) = kill_after {
                if start.elapsed() >= k {
                    let _ = child.kill();
                }
            }
            if !dumped && std::env::var_os("BSDTRACE_FAULT_RING").is_some() && self.page.stuck(HANG_SECS - 1).is_some() {
                // The worker writes its engines' flight recorders
                // (cface.rs `install_hang_dump`) while still stuck.
                dumped = true;
                // SAFETY: plain call; the pid is our live child.
                unsafe { libc::kill(child.id() as i32, libc::SIGUSR2) };
            }
            if let Some((secs, seed, call, label)) = self.page.stuck(HANG_SECS) {
                let mut detail = format!("{what}: call {call} (seed {seed}) running for {secs:.1}s: {label}; tracer{}", util::kernel_stacks(child.id() as i32));
                let w = child.id() as i32;
                let mut seen = util::tagged(&tag, &[w]);
                for p in util::related(w) {
                    if !seen.contains(&p) {
                        seen.push(p);
                    }
                }
                for p in seen {
                    detail.push_str(&format!("; {}", util::describe(p)));
                    if p != w {
                        detail.push_str(&util::signal_states(p));
                    }
                }
                report.defect_quiet("hang", detail);
                hung = true;
                let _ = child.kill();
                let _ = child.wait();
                break child.wait().expect("wait");
            }
            std::thread::sleep(Duration::from_millis(if kill_after.is_some() { 1 } else { 10 }));
        };
        let text = std::fs::read_to_string(&out_path).unwrap_or_default();
        let errtext = std::fs::read_to_string(&err_path).unwrap_or_default();
        let _ = std::fs::remove_file(&out_path);
        let _ = std::fs::remove_file(&err_path);
        report.merge(&Report::parse(&text));
        use std::os::unix::process::ExitStatusExt;
        let last_err: String = errtext.lines().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(" | ");
        if errtext.contains("panicked") {
            report.defect_quiet("panic", format!("{what}: {last_err}"));
        } else if !hung {
            match (end, status.signal(), status.code()) {
                (End::Killed, Some(libc::SIGKILL), _) => {}
                (End::Clean, None, Some(0)) => {}
                (End::Killed, None, Some(_)) if kill_after.is_some() => {}
                (_, Some(sig), _) => report.defect_quiet("crash", format!("{what}: died of signal {sig}: {last_err}")),
                (_, None, code) => report.defect_quiet("crash", format!("{what}: exit {code:?}: {last_err}")),
            }
        }
        self.census(&tag, what, expect, &mut report);
        if self.verbose {
            eprintln!("{what}: {} defects, {:.2}s", report.defects.len(), start.elapsed().as_secs_f64());
        }
        report
    }

    /// What the run left: wait for processes that should die to die, then
    /// report any that is traced, stopped, or (AllGone) alive; kill and reap
    /// them all.
    pub fn census(&mut self, tag: &str, what: &str, expect: Expect, report: &mut Report) {
        let me = std::process::id() as i32;
        let deadline = Instant::now() + Duration::from_secs(HANG_SECS);
        let mut left;
        loop {
            self.reap();
            left = util::tagged(tag, &[me]);
            // Orphans come to us (the subreaper): counted even when their
            // environment cannot be read at this instant (an execer in
            // the middle of an execve was missed, and outlived the run).
            for p in util::related(me) {
                if !left.contains(&p) {
                    left.push(p);
                }
            }
            left.retain(|&p| util::proc_info(p).is_some_and(|i| !matches!(i.state, 'Z' | 'X')));
            let waiting = match expect {
                Expect::AllGone => !left.is_empty(),
                Expect::NoneTracedOrStopped => left.iter().any(|&p| util::proc_info(p).is_some_and(|i| i.tracer != 0 || matches!(i.state, 't' | 'T'))),
            };
            if !waiting || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        for p in &left {
            let Some(i) = util::proc_info(*p) else { continue };
            let kind = if i.tracer != 0 || util::thread_states(*p).iter().any(|t| t.2 != 0) {
                Some("left-traced")
            } else if matches!(i.state, 't' | 'T') {
                Some("left-stopped")
            } else if expect == Expect::AllGone {
                Some("survived")
            } else {
                None
            };
            if let Some(k) = kind {
                report.defect_quiet(k, format!("{what}: {}", util::describe(*p)));
            }
        }
        for p in &left {
            // SAFETY: plain call on a process of ours.
            unsafe { libc::kill(*p, libc::SIGKILL) };
        }
        // Give them a moment to die and reap them (they are ours, as their
        // subreaper, or still their tracer's).
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until && !util::tagged(tag, &[me]).iter().all(|&p| util::proc_info(p).is_none_or(|i| matches!(i.state, 'Z' | 'X'))) {
            self.reap();
            std::thread::sleep(Duration::from_millis(5));
        }
        self.reap();
    }

    /// Reap every exited child (orphans come to us as the subreaper).
    pub fn reap(&self) {
        while util::raw_wait(-1, libc::WNOHANG | bsdtrace::sys::WALL).is_some() {}
    }
}

impl Default for Supervisor {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.page_path);
    }
}

impl Report {
    /// Record a defect without printing it (the supervisor prints the
    /// summary).
    pub fn defect_quiet(&mut self, kind: &str, detail: String) {
        self.defects.push((kind.to_string(), detail));
    }
}
