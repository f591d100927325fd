//! The few libc calls this crate makes itself (the rest goes through
//! libbpf-rs and `bsdtrace::sys`): the only `unsafe` here.

/// CLOCK_MONOTONIC in ns: the clock of `bpf_ktime_get_ns`, so of
/// [`crate::Event::ts`].
pub fn monotonic_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

/// CLOCK_REALTIME in ns.
pub fn realtime_ns() -> u64 {
    clock_ns(libc::CLOCK_REALTIME)
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Raises the calling thread's priority to nice -10, best effort.
pub(crate) fn raise_priority() {
    // SAFETY: plain integers. PRIO_PROCESS 0 is the calling thread on Linux.
    unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, -10) };
}
