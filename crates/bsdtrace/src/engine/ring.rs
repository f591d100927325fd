//! A flight recorder: the engine's last [`SLOTS`] events, in memory, for
//! the fault suite to dump when it meets a defect (issue 11's
//! timing-dependent ones vanish as soon as anything prints).
//!
//! Each record is four words written with relaxed atomics into a static
//! ring: no allocation, no lock, no system call (the recording thread's
//! id is cached per thread), so it stays compiled in and always on. A
//! record being overwritten while [`dump`] reads it is shown as torn
//! (its sequence number does not match), never as a wrong event.
//!
//! It must never: allocate, lock, or make a system call on the recording
//! path.

use std::sync::atomic::{AtomicU64, Ordering};

/// Records kept (a power of two).
pub const SLOTS: usize = 4096;

/// What a record says. `a`, `b`, `c` per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A status reaped and dispatched: tid, raw status, owning pid (0: unknown).
    Reap = 1,
    /// A whole-process stop became reportable: pid, the LWP reported, its event's stop signal.
    Ready,
    /// A report taken from the tracer's ready list: pid, raw status, marked waited (1) or not.
    Take,
    /// A driven tracer's report published for waiters: pid, raw status.
    Publish,
    /// A waiter took a published report: pid, raw status, nowait.
    Answer,
    /// A stop a waiter took is marked waited: pid, marked (1) or not (state or a queued report).
    Mark,
    /// An LWP resumed: tid, ptrace request, signal.
    Resume,
    /// PTRACE_INTERRUPT sent: tid, 0 ok / errno.
    Interrupt,
    /// A C-face ptrace() call returned: request, pid, result (-errno on failure).
    Request,
    /// A C-face wait call returned: selector, options, pid reported (-errno; 0 nothing).
    Wait,
    /// The process-wide peek saw a child: pid, si_code, consumed.
    AppChild,
    /// A caller-defined mark (the fault suite's call numbers): a, b, c.
    Note,
    /// A known LWP's ptrace-stop classified: tid, Linux stop kind (0
    /// signal, 1 syscall, 2 event, 3 exit, 4 group), FreeBSD event (0
    /// none, else [`event_code`]) + 100 x the process state (0 running,
    /// 1 stopping, 2 stopped, 3 stopped and waited, 4 exited) + 1000 if
    /// it is being killed.
    Stop,
    /// An LWP's death reaped: pid, tid, raw status.
    Gone,
}

impl Kind {
    fn from(k: u64) -> Option<Kind> {
        use Kind::*;
        Some(match k {
            1 => Reap,
            2 => Ready,
            3 => Take,
            4 => Publish,
            5 => Answer,
            6 => Mark,
            7 => Resume,
            8 => Interrupt,
            9 => Request,
            10 => Wait,
            11 => AppChild,
            12 => Note,
            13 => Stop,
            14 => Gone,
            _ => return None,
        })
    }
}

/// A FreeBSD event as one number (the [`Kind::Stop`] records).
pub fn event_code(e: Option<super::Event>) -> i64 {
    use super::Event::*;
    match e {
        None => 0,
        Some(Signal { .. }) => 1,
        Some(Attach) => 2,
        Some(Interrupt) => 3,
        Some(SyscallEntry) => 4,
        Some(SyscallExit) => 5,
        Some(Exec { .. }) => 6,
        Some(Forked { .. }) => 7,
        Some(Child) => 8,
        Some(VforkDone) => 9,
        Some(Born) => 10,
        Some(Exited) => 11,
        Some(TraceMe { .. }) => 12,
    }
}

struct Slot([AtomicU64; 4]);

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
static RING: [Slot; SLOTS] = [EMPTY; SLOTS];
static NEXT: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static TID: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

fn tid() -> u64 {
    TID.with(|t| {
        if t.get() == 0 {
            t.set(crate::sys::gettid());
        }
        t.get() as u32 as u64
    })
}

/// Record one event.
#[inline]
pub fn record(kind: Kind, a: i64, b: i64, c: i64) {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let s = &RING[(n as usize) & (SLOTS - 1)].0;
    // Word 0 last: sequence (32 bits, +1 so 0 is empty), kind, thread.
    s[1].store(a as u64, Ordering::Relaxed);
    s[2].store(b as u64, Ordering::Relaxed);
    s[3].store(c as u64, Ordering::Relaxed);
    s[0].store(((n + 1) & 0xffff_ffff) << 32 | (kind as u64) << 24 | (tid() & 0xff_ffff), Ordering::Release);
}

/// The ring as text, oldest first: `seq tid kind a b c`, statuses in hex.
pub fn text() -> String {
    let end = NEXT.load(Ordering::Acquire);
    format(end, |n| {
        let s = &RING[(n as usize) & (SLOTS - 1)].0;
        let w0 = s[0].load(Ordering::Acquire);
        let w = [w0, s[1].load(Ordering::Relaxed), s[2].load(Ordering::Relaxed), s[3].load(Ordering::Relaxed)];
        // Overwritten while read: torn.
        (s[0].load(Ordering::Acquire) == w0).then_some(w)
    })
}

fn format(end: u64, slot: impl Fn(u64) -> Option<[u64; 4]>) -> String {
    use std::fmt::Write;
    let start = end.saturating_sub(SLOTS as u64);
    let mut out = String::new();
    for n in start..end {
        let Some([w0, a, b, c]) = slot(n).filter(|w| w[0] >> 32 == (n + 1) & 0xffff_ffff) else {
            let _ = writeln!(out, "{n} (torn)");
            continue;
        };
        let (a, b, c) = (a as i64, b as i64, c as i64);
        let tid = w0 & 0xff_ffff;
        let Some(kind) = Kind::from((w0 >> 24) & 0xff) else { continue };
        let _ = match kind {
            Kind::Reap | Kind::Take | Kind::Publish | Kind::Answer => writeln!(out, "{n} {tid} {kind:?} {a} {b:#x} {c}"),
            _ => writeln!(out, "{n} {tid} {kind:?} {a} {b} {c}"),
        };
    }
    out
}

/// The raw ring (its next sequence number, then every slot's four words,
/// native-endian) written to `fd` at offset `off`, from a signal handler
/// too: no allocation, no lock, nothing but pwrite(2). Returns the offset
/// after it. [`decode_raw`] makes it [`text`].
pub fn dump_raw(fd: i32, off: u64) -> u64 {
    let mut off = off;
    let put = |b: &[u8], off: &mut u64| {
        let _ = crate::sys::fd::pwrite_all(fd, b, *off);
        *off += b.len() as u64;
    };
    put(&RAW_MAGIC.to_ne_bytes(), &mut off);
    put(&NEXT.load(Ordering::Acquire).to_ne_bytes(), &mut off);
    let mut chunk = [0u8; 64 * 32];
    for base in (0..SLOTS).step_by(64) {
        for i in 0..64 {
            for (k, w) in RING[base + i].0.iter().enumerate() {
                let at = (i * 4 + k) * 8;
                chunk[at..at + 8].copy_from_slice(&w.load(Ordering::Relaxed).to_ne_bytes());
            }
        }
        put(&chunk, &mut off);
    }
    off
}

const RAW_MAGIC: u64 = 0x676e_6972_7462_7362; // "bsdtring"
/// Bytes of one [`dump_raw`].
pub const RAW_LEN: usize = 16 + SLOTS * 32;

/// [`text`] of a [`dump_raw`] image (the first one in `raw`).
pub fn decode_raw(raw: &[u8]) -> Option<String> {
    if raw.len() < RAW_LEN {
        return None;
    }
    let word = |i: usize| u64::from_ne_bytes(raw[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    if word(0) != RAW_MAGIC {
        return None;
    }
    let end = word(1);
    Some(format(end, |n| {
        let i = 2 + ((n as usize) & (SLOTS - 1)) * 4;
        Some([word(i), word(i + 1), word(i + 2), word(i + 3)])
    }))
}

/// Write [`text`] to file descriptor `fd` (not closed).
pub fn dump(fd: i32) {
    use std::io::Write;
    use std::os::fd::FromRawFd;
    // SAFETY: the caller's descriptor, borrowed: ManuallyDrop never closes it.
    let mut f = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
    let _ = f.write_all(text().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order_with_their_words() {
        record(Kind::Note, 1, 0x57f, -3);
        record(Kind::Reap, 42, 0x137f, 7);
        let t = text();
        let lines: Vec<&str> = t.lines().collect();
        let i = lines.iter().rposition(|l| l.ends_with("Note 1 1407 -3")).expect("note recorded");
        assert!(lines[i + 1..].iter().any(|l| l.ends_with("Reap 42 0x137f 7")), "{t}");
    }

    #[test]
    fn a_raw_dump_decodes_to_the_same_records() {
        record(Kind::Note, 9, 8, 7);
        let path = std::env::temp_dir().join(format!("bsdtrace-ring-test.{}", std::process::id()));
        let f = std::fs::File::create(&path).expect("temp file");
        use std::os::fd::AsRawFd;
        assert_eq!(dump_raw(f.as_raw_fd(), 0), RAW_LEN as u64);
        let raw = std::fs::read(&path).expect("read back");
        let _ = std::fs::remove_file(&path);
        let t = decode_raw(&raw).expect("decodes");
        assert!(t.lines().any(|l| l.ends_with("Note 9 8 7")), "{t}");
    }
}
