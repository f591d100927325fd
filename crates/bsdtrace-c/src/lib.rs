//! libbsdtrace: the C face of bsdtrace. FreeBSD's `ptrace()`, `procctl()` and
//! wait family for C programs, as thin copyin/copyout and errno over the
//! `bsdtrace` library; the headers are in `include/`, see docs/c-api.md.
//!
//! * [`ptrace()`](ptrace::ptrace): request numbers and argument conventions
//!   to the engine's typed requests, in FreeBSD's order of checks.
//! * The wait family ([`wait`]): the engine's wait with glibc's signatures.
//! * [`executor`]: the engine thread every call runs on (Linux binds a
//!   tracee to the thread that attached it; FreeBSD lets any thread ask,
//!   and expects tracees to run while the tracer is busy elsewhere).
//! * `procctl()`: the C boundary of `bsdtrace::procctl`.
//! * [`copy`]: the only code that touches the caller's memory.

mod copy;
mod executor;
mod procctl;
mod ptrace;
mod signal;
mod wait;
#[cfg(target_pointer_width = "32")]
mod wrap32;

/// Which engine design this process runs: `"engine-thread/io_uring"` or
/// `"engine-thread/doorbell"` (docs/c-api.md, "Threads"). Not a FreeBSD
/// interface; for tests and benchmarks.
#[no_mangle]
pub extern "C" fn bsdtrace_executor_mode() -> *const libc::c_char {
    match executor::mode_name() {
        "engine-thread/io_uring" => c"engine-thread/io_uring".as_ptr(),
        _ => c"engine-thread/doorbell".as_ptr(),
    }
}

/// Write the engine's flight recorder (its last events, oldest first) to
/// descriptor `fd`: for the fault suite, when it meets a defect. Not a
/// FreeBSD interface.
#[no_mangle]
pub extern "C" fn bsdtrace_debug_ring_dump(fd: libc::c_int) {
    bsdtrace::engine::ring::dump(fd);
}

/// [`bsdtrace_debug_ring_dump`] as raw words at offset `off` of `fd`,
/// safe in a signal handler (nothing but pwrite); returns the offset
/// after it. `bsdtrace-fault ring-decode` reads it.
#[no_mangle]
pub extern "C" fn bsdtrace_debug_ring_dump_raw(fd: libc::c_int, off: u64) -> u64 {
    bsdtrace::engine::ring::dump_raw(fd, off)
}
