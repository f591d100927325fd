//! Where this process's engine lives, and how a C call reaches it.
//!
//! Linux accepts ptrace requests for a tracee only from the thread that
//! attached it, and a FreeBSD program expects its tracees to make progress
//! whatever its own threads are doing (blocked in `read()`, `poll()`,
//! `sleep()`...). So libbsdtrace runs one [`bsdtrace::Engine`]: a thread of
//! its own that is the Linux tracer of everything, reaps and handles every
//! Linux stop FreeBSD would not report, and publishes the rest
//! (docs/c-api.md, "Threads"). Every `ptrace()` and `procctl()` call runs
//! on it (one hop each way); waits take published statuses without a hop,
//! and cover the program's own children too (`process_waits`), as
//! FreeBSD's process-wide `wait()` does.
//!
//! The engine starts at the first call into libbsdtrace (a program that
//! merely links libbsdtrace, or a child it forks, gets no thread).
//!
//! What it must never do: run an engine call on another thread than the
//! engine's, or call in from a signal handler that interrupted a
//! libbsdtrace call on the same thread (refused: the engine is not
//! async-signal-safe).

use bsdtrace::{Backend, Engine, EngineOptions, Pid, Tracer, WaitStatus};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, MutexGuard};

/// A status a `waitid(WNOWAIT)` reported: reported again by the next wait
/// (the engine marked the stop collected already).
#[derive(Clone, Copy, Debug)]
pub struct Stashed {
    pub pid: Pid,
    /// Its process group when it was taken (it may be reaped since).
    pub pgid: i32,
    pub status: WaitStatus,
    /// Resource usage reaped with an exit (wait3/wait4 report it).
    pub rusage: Option<bsdtrace::sys::Rusage>,
}

pub struct Global {
    pub engine: Engine,
    /// WNOWAIT reports, oldest first.
    pub stash: Mutex<VecDeque<Stashed>>,
}

static GLOBAL: AtomicPtr<Global> = AtomicPtr::new(std::ptr::null_mut());

/// The backend a test or benchmark asked for (`BSDTRACE_BACKEND=io_uring`
/// or `doorbell`); io_uring when available otherwise.
fn backend_from_env() -> Option<Backend> {
    match std::env::var("BSDTRACE_BACKEND").ok().as_deref() {
        Some("io_uring") => Some(Backend::IoUring),
        Some("doorbell") => Some(Backend::Doorbell),
        _ => None,
    }
}

pub fn global() -> &'static Global {
    let p = GLOBAL.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: a published Global is never freed (after fork the child
        // drops the pointer and leaks its copy).
        return unsafe { &*p };
    }
    let opts = EngineOptions {
        backend: backend_from_env(),
        process_waits: true,
    };
    let engine = Engine::with_options(opts)
        .or_else(|_| Engine::with_options(EngineOptions { backend: None, ..opts }))
        .expect("libbsdtrace: cannot start its engine thread");
    let g = Box::into_raw(Box::new(Global {
        engine,
        stash: Mutex::new(VecDeque::new()),
    }));
    match GLOBAL.compare_exchange(std::ptr::null_mut(), g, Ordering::AcqRel, Ordering::Acquire) {
        // SAFETY: just published, never freed.
        Ok(_) => unsafe { &*g },
        Err(winner) => {
            // SAFETY: `g` was never published; `winner` is, and is never freed.
            unsafe {
                drop(Box::from_raw(g));
                &*winner
            }
        }
    }
}

/// The engine, if this process has started it (never starts one).
pub fn started() -> Option<&'static Global> {
    let p = GLOBAL.load(Ordering::Acquire);
    // SAFETY: as in `global`: a published Global is never freed.
    (!p.is_null()).then(|| unsafe { &*p })
}

pub fn stash() -> MutexGuard<'static, VecDeque<Stashed>> {
    global().stash.lock().unwrap_or_else(|e| e.into_inner())
}

/// After fork() the child has none of our threads and traces nothing:
/// forget (leak) the parent's state so the child starts afresh.
extern "C" fn atfork_child() {
    GLOBAL.store(std::ptr::null_mut(), Ordering::Release);
}

/// Register the fork handlers when the library is loaded, so that forks made
/// before the first libbsdtrace call are seen too.
extern "C" fn on_load() {
    // SAFETY: registers handlers that only touch our own statics.
    unsafe { libc::pthread_atfork(None, None, Some(atfork_child)) };
}

#[used]
#[link_section = ".init_array"]
static ON_LOAD: extern "C" fn() = on_load;

thread_local! {
    /// This thread is inside a libbsdtrace entry point.
    static INSIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as inside libbsdtrace until dropped.
pub struct Inside(());

impl Drop for Inside {
    fn drop(&mut self) {
        INSIDE.with(|i| i.set(false));
    }
}

/// Enter libbsdtrace; `None` if this thread already is inside it, which
/// can only be a signal handler that interrupted it and called in again.
/// libbsdtrace is not async-signal-safe (it takes locks, allocates and may
/// be waiting for the engine), so such a call must fail at once.
pub fn enter() -> Option<Inside> {
    INSIDE.with(|i| (!i.replace(true)).then(|| Inside(())))
}

/// Run `f` on the engine thread; `None` if the engine is gone.
pub fn call<R: Send>(f: impl FnOnce(&mut Tracer) -> R + Send) -> Option<R> {
    global().engine.try_with(f)
}

/// Which engine design this process runs (for tests and the benchmark).
pub fn mode_name() -> &'static str {
    match global().engine.backend() {
        Backend::IoUring => "engine-thread/io_uring",
        Backend::Doorbell => "engine-thread/doorbell",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_reentry_leaves_the_thread_inside() {
        let outer = enter().expect("first entry");
        assert!(enter().is_none());
        // The refusal must not have cleared the flag of the outer call.
        assert!(enter().is_none());
        drop(outer);
        assert!(enter().is_some());
    }
}
