//! Facts about the host and small process attributes that the tools need
//! beyond ptrace: the CPU's XSAVE layout (`cpuid`), the execution domain
//! (`personality`, which programs inherit across fork and exec), and the
//! credentials of a Unix-domain socket's peer.

use super::check;
use crate::error::Errno;
use std::os::fd::RawFd;

/// `cpuid` leaf `leaf`, sub-leaf `sub`: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32, sub: u32) -> (u32, u32, u32, u32) {
    // Safe on every x86-64 CPU; an `unsafe fn` before Rust 1.87.
    #[allow(unused_unsafe)]
    let r = unsafe { std::arch::x86_64::__cpuid_count(leaf, sub) };
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
