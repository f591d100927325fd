//! Facts about the host and small process attributes that the tools need
//! beyond ptrace: the CPU's XSAVE layout (`cpuid`), the execution domain
//! (`personality`, which programs inherit across fork and exec), and the
//! credentials of a Unix-domain socket's peer.

use super::check;
use crate::error::Errno;
use std::os::fd::RawFd;

/// `cpuid` leaf `leaf`, sub-leaf `sub`: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32, sub: u32) -> (u32, u32, u32, u32) {
    // Safe on every x86-64 CPU (and every i686 one this library runs on:
    // it needs a 64-bit kernel); an `unsafe fn` before Rust 1.87.
    #[cfg(target_arch = "x86_64")]
    use std::arch::x86_64::__cpuid_count;
    #[cfg(target_arch = "x86")]
    use std::arch::x86::__cpuid_count;
    #[allow(unused_unsafe)]
    let r = unsafe { __cpuid_count(leaf, sub) };
    (r.eax, r.ebx, r.ecx, r.edx)
}

/// Where XSAVE component `i` starts in the standard (uncompacted) layout
/// the kernel's NT_X86_XSTATE uses, and its size; `None` if the CPU has no
/// such component.
pub fn xsave_component(i: u32) -> Option<(usize, usize)> {
    if cpuid(0, 0).0 < 0xd {
        return None;
    }
    let (size, offset, _, _) = cpuid(0xd, i);
    (size != 0).then_some((offset as usize, size as usize))
}

/// `personality(2)`: set the execution domain, returning the previous one
/// (0xffffffff queries without changing it).
pub fn personality(p: u32) -> Result<u32, Errno> {
    let r = unsafe { libc::personality(p as libc::c_ulong) };
    check(r as libc::c_long).map(|v| v as u32)
}

/// `ADDR_NO_RANDOMIZE`: programs exec'd with it get no address-space
/// randomization.
pub const ADDR_NO_RANDOMIZE: u32 = 0x0040000;

/// The uid and pid of the process at the other end of a Unix-domain
/// socket (`SO_PEERCRED`).
pub fn peer_cred(fd: RawFd) -> Result<(u32, i32), Errno> {
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    let r = unsafe {
        libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_PEERCRED, (&mut cred as *mut libc::ucred).cast(), &mut len)
    };
    check(r as libc::c_long)?;
    Ok((cred.uid, cred.pid))
}

static TERM_WRITE_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);
static TERMINATED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_terminate(_: libc::c_int) {
    TERMINATED.store(true, std::sync::atomic::Ordering::SeqCst);
    on_wake(0);
}

extern "C" fn on_wake(_: libc::c_int) {
    let fd = TERM_WRITE_FD.load(std::sync::atomic::Ordering::Relaxed);
    if fd >= 0 {
        let saved = unsafe { *libc::__errno_location() };
        let b = 1u8;
        // A full pipe already holds a wakeup.
        unsafe { libc::write(fd, (&b as *const u8).cast(), 1) };
        unsafe { *libc::__errno_location() = saved };
    }
}

/// Handle `term` signals by recording them ([`terminated`]) and `wake`
/// signals by nothing but a wakeup; both make the returned descriptor
/// readable, so a tool sleeping in `poll()` learns of them. Handlers
/// (unlike SIG_IGN) are reset by exec, so programs the tool starts keep
/// the default actions.
pub fn termination_pipe(term: &[i32], wake: &[i32]) -> Result<std::os::fd::OwnedFd, Errno> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let mut fds = [0 as libc::c_int; 2];
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } as libc::c_long)?;
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // The write end lives as long as the process (a handler may run any time).
    TERM_WRITE_FD.store(w.as_raw_fd(), std::sync::atomic::Ordering::Relaxed);
    std::mem::forget(w);
    for (sigs, handler) in [(term, on_terminate as extern "C" fn(libc::c_int)), (wake, on_wake)] {
        for &sig in sigs {
            let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
            sa.sa_sigaction = handler as usize;
            sa.sa_flags = libc::SA_RESTART;
            unsafe { libc::sigemptyset(&mut sa.sa_mask) };
            check(unsafe { libc::sigaction(sig, &sa, std::ptr::null_mut()) } as libc::c_long)?;
        }
    }
    Ok(r)
}

/// Did a `term` signal of [`termination_pipe`] arrive?
pub fn terminated() -> bool {
    TERMINATED.load(std::sync::atomic::Ordering::SeqCst)
}
