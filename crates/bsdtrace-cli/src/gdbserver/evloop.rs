//! What the event loop needs from the kernel beyond the engine: `poll(2)`
//! over the connection and a SIGCHLD self-pipe, and `dup2(2)` to keep the
//! tracee off a stdio connection. (gdbserver's own: the library's
//! self-driving `Engine` has its own wakeup, `sys/wakeup.rs`.)
//!
//! The SIGCHLD handler only writes one byte to a non-blocking pipe, so the
//! loop can sleep in `poll()` on the connection and on child events at once
//! and never sleep-poll. It must never reap: the engine's wait does that.

use bsdtrace::error::Errno;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

fn check(ret: libc::c_long) -> Result<libc::c_long, Errno> {
    if ret == -1 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

static SIGCHLD_WRITE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_sigchld(_: libc::c_int) {
    let fd = SIGCHLD_WRITE_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let saved = unsafe { *libc::__errno_location() };
        let b = 1u8;
        // Full pipe: a wakeup is already pending, which is all we need.
        unsafe { libc::write(fd, (&b as *const u8).cast(), 1) };
        unsafe { *libc::__errno_location() = saved };
    }
}

/// Install a SIGCHLD handler (SA_RESTART) that makes the returned fd
/// readable; drain it with [`drain`] before each non-blocking wait.
pub fn sigchld_pipe() -> Result<OwnedFd, Errno> {
    let mut fds = [0 as libc::c_int; 2];
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } as libc::c_long)?;
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // The write end lives as long as the process (the handler may run any time).
    SIGCHLD_WRITE_FD.store(w.as_raw_fd(), Ordering::Relaxed);
    std::mem::forget(w);
    let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
    sa.sa_sigaction = on_sigchld as extern "C" fn(libc::c_int) as usize;
    sa.sa_flags = libc::SA_RESTART;
    unsafe { libc::sigemptyset(&mut sa.sa_mask) };
    check(unsafe { libc::sigaction(libc::SIGCHLD, &sa, std::ptr::null_mut()) } as libc::c_long)?;
    Ok(r)
}

/// Read everything the pipe holds (non-blocking).
pub fn drain(fd: &OwnedFd) {
    let mut buf = [0u8; 64];
    loop {
        let r = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if r <= 0 {
            let e = std::io::Error::last_os_error().raw_os_error();
            if r < 0 && e == Some(libc::EINTR) {
                continue;
            }
            return;
        }
    }
}

/// `poll()` for readability (POLLIN, or hang-up/error, which a read then
/// reports) on each fd; blocks until one is ready. Returns one flag per fd.
pub fn poll_readable(fds: &[RawFd]) -> Result<Vec<bool>, Errno> {
    let mut p: Vec<libc::pollfd> = fds.iter().map(|&fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 }).collect();
    // Before sleeping, look again for up to SPIN_US, giving the CPU to
    // anything runnable in between (sched_yield): gdb's next packet comes
    // tens of microseconds after our reply, and a sleeping server on an
    // otherwise idle vCPU pays a wakeup of that vCPU (~25-30 µs in a
    // hypervisor guest) on every round trip. Only when the server may run
    // on more than one CPU: sharing one with gdb (taskset), spinning only
    // delays gdb (docs/BENCHMARKS.md, gdbserver).
    if may_spin() {
        let t0 = std::time::Instant::now();
        loop {
            let r = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, 0) };
            if r > 0 {
                return Ok(p.iter().map(|x| x.revents != 0).collect());
            }
            if r < 0 && Errno::last() != Errno::EINTR {
                break; // the blocking poll below reports it
            }
            if t0.elapsed() >= SPIN {
                break;
            }
            unsafe { libc::sched_yield() };
        }
    }
    loop {
        let r = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, -1) };
        match check(r as libc::c_long) {
            Ok(_) => return Ok(p.iter().map(|x| x.revents != 0).collect()),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// `dup2(src, dst)`.
pub fn dup2(src: RawFd, dst: RawFd) -> Result<(), Errno> {
    check(unsafe { libc::dup2(src, dst) } as libc::c_long).map(drop)
}

/// How long [`poll_readable`] looks before it sleeps.
const SPIN: std::time::Duration = std::time::Duration::from_micros(100);

static NO_SPIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--no-spin`: [`poll_readable`] sleeps at once.
pub fn no_spin() {
    NO_SPIN.store(true, Ordering::Relaxed);
}

/// Not `--no-spin`, and the server runs on more than one CPU (its
/// affinity, read once)?
fn may_spin() -> bool {
    static V: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    !NO_SPIN.load(Ordering::Relaxed) && *V.get_or_init(|| {
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        r == 0 && unsafe { libc::CPU_COUNT(&set) } > 1
    })
}
