//! The hang detector's eyes: a page shared between the supervisor and a
//! worker (and the worker's `nobody` child, which inherits the mapping).
//!
//! Before each call into a face the worker writes when it started and what
//! it is; the supervisor polls the page and declares a hang when one call
//! has been running for more than [`HANG_SECS`]. Writing costs a clock read
//! and a few stores, so even a million calls pay nothing noticeable.

use std::sync::atomic::{AtomicI32, AtomicU64, AtomicU8, Ordering};

/// A call that takes longer than this is a hang (the bar).
pub const HANG_SECS: u64 = 5;

const LABEL: usize = 160;
/// Processes a worker announces (tracees of the current round), for the
/// supervisor's kill and census.
pub const PIDS: usize = 16;

#[repr(C)]
pub struct Page {
    /// Nonzero while a call runs: its start (CLOCK_MONOTONIC, ns).
    start_ns: AtomicU64,
    /// Calls begun so far.
    seq: AtomicU64,
    seed: AtomicU64,
    label: [AtomicU8; LABEL],
    /// The worker asks the supervisor to kill it after `kill_at_ns`
    /// (R3: the tracer is killed at a random point).
    pub kill_at_ns: AtomicU64,
    pub pids: [AtomicI32; PIDS],
    /// Set by the worker once it has read `kill_at_ns` back (unused by
    /// the worker otherwise).
    pub round: AtomicU64,
}

pub fn now_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Map the page from `path` (created by the supervisor).
pub fn map(path: &str, create: bool) -> &'static Page {
    use std::os::fd::AsRawFd;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(path)
        .unwrap_or_else(|e| panic!("progress page {path}: {e}"));
    let len = std::mem::size_of::<Page>().next_multiple_of(4096);
    f.set_len(len as u64).expect("size the progress page");
    // SAFETY: a shared mapping of a file we sized; never unmapped, so the
    // 'static reference stays valid; every field is an atomic, for which
    // all-zero bytes are valid.
    unsafe {
        let p = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, f.as_raw_fd(), 0);
        assert!(p != libc::MAP_FAILED, "mmap progress page");
        &*(p as *const Page)
    }
}

/// The worker's page, if it was given one.
pub fn page() -> Option<&'static Page> {
    static P: std::sync::OnceLock<Option<&'static Page>> = std::sync::OnceLock::new();
    *P.get_or_init(|| std::env::var("BSDTRACE_FAULT_PAGE").ok().map(|p| map(&p, false)))
}

/// Marks one call as running until dropped.
pub struct Call(Option<&'static Page>);

impl Drop for Call {
    fn drop(&mut self) {
        if let Some(p) = self.0 {
            p.start_ns.store(0, Ordering::Release);
        }
    }
}

/// A call starts: `label` says what it is (kept for a hang report).
pub fn begin(label: impl FnOnce() -> String) -> Call {
    let Some(p) = page() else {
        // Run alone (no supervisor): with BSDTRACE_FAULT_LOG, say what is
        // starting, so that a call that never returns is named.
        if std::env::var_os("BSDTRACE_FAULT_LOG").is_some() {
            eprintln!("> {}", label());
        }
        return Call(None);
    };
    p.seq.fetch_add(1, Ordering::Relaxed);
    // The label costs a format; only 1 call in 1 needs it (a hang can hit
    // any), so keep labels short.
    let l = label();
    let b = l.as_bytes();
    for i in 0..LABEL {
        p.label[i].store(if i < b.len() && i < LABEL - 1 { b[i] } else { 0 }, Ordering::Relaxed);
    }
    p.start_ns.store(now_ns(), Ordering::Release);
    Call(Some(p))
}

pub fn set_seed(seed: u64) {
    if let Some(p) = page() {
        p.seed.store(seed, Ordering::Relaxed);
    }
}

/// The round a worker is in (the supervisor restarts after it on a hang).
pub fn set_round(round: u64) {
    if let Some(p) = page() {
        p.round.store(round, Ordering::Release);
    }
}

/// Announce the tracee pids of the current round (0 ends the list).
pub fn set_pids(pids: &[i32]) {
    if let Some(p) = page() {
        for i in 0..PIDS {
            p.pids[i].store(pids.get(i).copied().unwrap_or(0), Ordering::Release);
        }
    }
}

impl Page {
    /// The running call, if one has run longer than `secs`: (seconds,
    /// seed, call number, label).
    pub fn stuck(&self, secs: u64) -> Option<(f64, u64, u64, String)> {
        let start = self.start_ns.load(Ordering::Acquire);
        if start == 0 {
            return None;
        }
        let age = now_ns().saturating_sub(start);
        if age < secs * 1_000_000_000 {
            return None;
        }
        Some((age as f64 / 1e9, self.seed.load(Ordering::Relaxed), self.seq.load(Ordering::Relaxed), self.label()))
    }

    pub fn label(&self) -> String {
        let b: Vec<u8> = self.label.iter().map(|c| c.load(Ordering::Relaxed)).take_while(|&c| c != 0).collect();
        String::from_utf8_lossy(&b).into_owned()
    }

    pub fn reset(&self) {
        self.start_ns.store(0, Ordering::Release);
        self.kill_at_ns.store(0, Ordering::Release);
        for p in &self.pids {
            p.store(0, Ordering::Release);
        }
    }
}
