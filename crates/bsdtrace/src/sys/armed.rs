//! The record of PT_TRACE_ME children that armed a parent-death SIGKILL
//! (`trace_me`), which their tracer must disarm once it has seized them.
//! The tracer cannot read a child's parent-death signal, nor tell ours
//! from one the program set, so the child says so here: a page the tracer
//! maps shared before it forks (`prepare_traceme`), which the child
//! inherits (until it execs). A slot holds the pid of an armed child.
//!
//! Shared memory and atomics only: it knows nothing of ptrace, so the
//! engine (the tracer's side) and `request::attach` (the child's) both use
//! it from here.

use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

const SLOTS: usize = 1024;
static PAGE: AtomicPtr<AtomicI32> = AtomicPtr::new(std::ptr::null_mut());

/// Map the page, once per process (a child forked before has none, and
/// arms nothing).
pub fn prepare() {
    if !PAGE.load(Ordering::Acquire).is_null() {
        return;
    }
    let len = SLOTS * std::mem::size_of::<AtomicI32>();
    // SAFETY: a fresh anonymous mapping, zero-filled (every slot free).
    let p = unsafe {
        libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED | libc::MAP_ANONYMOUS, -1, 0)
    };
    if p == libc::MAP_FAILED {
        return;
    }
    if PAGE.compare_exchange(std::ptr::null_mut(), p.cast(), Ordering::AcqRel, Ordering::Acquire).is_err() {
        // SAFETY: our own mapping, never published.
        unsafe { libc::munmap(p, len) };
    }
}

fn slots() -> Option<&'static [AtomicI32]> {
    let p = PAGE.load(Ordering::Acquire);
    // SAFETY: once published the mapping is never unmapped; AtomicI32
    // has the layout of the i32s the kernel zero-filled.
    (!p.is_null()).then(|| unsafe { std::slice::from_raw_parts(p, SLOTS) })
}

/// In the child: record `pid` as armed. False if there is no page or
/// no free slot (a slot left by a process that died unadopted is taken
/// back: one with our pid at once, any other once it is gone).
pub(crate) fn note(pid: i32) -> bool {
    let Some(s) = slots() else { return false };
    if s.iter().any(|x| x.load(Ordering::Relaxed) == pid) {
        return true;
    }
    if s.iter().any(|x| x.compare_exchange(0, pid, Ordering::AcqRel, Ordering::Relaxed).is_ok()) {
        return true;
    }
    s.iter().any(|x| {
        let old = x.load(Ordering::Relaxed);
        let gone = old > 0 && crate::sys::kill(old, 0) == Err(crate::Errno::ESRCH);
        gone && x.compare_exchange(old, pid, Ordering::AcqRel, Ordering::Relaxed).is_ok()
    })
}

/// In the tracer (or the child undoing): was `pid` armed? Forgets it.
pub(crate) fn take(pid: i32) -> bool {
    let Some(s) = slots() else { return false };
    s.iter().any(|x| x.compare_exchange(pid, 0, Ordering::AcqRel, Ordering::Relaxed).is_ok())
}
