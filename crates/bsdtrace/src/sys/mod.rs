//! Raw system calls: the only module that touches `libc` or says `unsafe`.
//!
//! Each function is one Linux call with its errno turned into [`Errno`].
//! ptrace and the wait family go through `syscall(2)` directly, never through
//! glibc's `ptrace()`/`waitpid()`: the C face exports FreeBSD versions of
//! those symbols, and a call from here must not land in them.
//! Nothing here knows FreeBSD semantics.

#![allow(clippy::missing_safety_doc)]

use crate::error::Errno;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub(crate) mod armed;
pub mod fd;
pub mod host;
pub mod proc;
pub mod procfs;
pub mod procfs_stat;
// Part of the engine rewrite; documented with it.
#[allow(missing_docs)]
pub mod wakeup;

mod ptrace;
mod spawn;
mod wait;
pub use ptrace::*;
pub use spawn::*;
pub use wait::*;

/// A Linux thread id.
pub type Tid = i32;

/// Thread ids as hash keys: std's SipHash showed at every stop, and ids are
/// not chosen by an adversary, so a Fibonacci multiply spreads them enough.
#[derive(Default, Clone, Copy)]
pub struct TidHasher(u64);

impl std::hash::Hasher for TidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_i32(&mut self, v: i32) {
        self.0 = u64::from(v as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map keyed by thread (or process) id.
pub type TidMap<V> = std::collections::HashMap<Tid, V, std::hash::BuildHasherDefault<TidHasher>>;

pub use libc::siginfo_t;
#[cfg(target_pointer_width = "64")]
pub use libc::{user_fpregs_struct, user_regs_struct};
#[cfg(target_pointer_width = "32")]
pub use host32::*;

/// The tracer itself is a 32-bit process (built for i686): Linux answers
/// its ptrace requests with the i386 layouts (`sys::host32`).
pub const HOST_32: bool = cfg!(target_pointer_width = "32");

#[cfg(target_pointer_width = "32")]
mod host32;

#[inline]
fn check(ret: libc::c_long) -> Result<libc::c_long, Errno> {
    if ret == -1 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// tgkill(2).
pub fn tgkill(tgid: i32, tid: Tid, sig: i32) -> Result<(), Errno> {
    check(unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) }).map(drop)
}

/// kill(2).
pub fn kill(pid: i32, sig: i32) -> Result<(), Errno> {
    check(unsafe { libc::kill(pid, sig) } as libc::c_long).map(drop)
}

/// getpid(2).
pub fn getpid() -> i32 {
    unsafe { libc::getpid() }
}

/// gettid(2).
pub fn gettid() -> Tid {
    unsafe { libc::syscall(libc::SYS_gettid) as Tid }
}

/// geteuid(2).
pub fn geteuid() -> u32 {
    unsafe { libc::geteuid() }
}

/// getuid(2).
pub fn getuid() -> u32 {
    unsafe { libc::getuid() }
}

/// `process_vm_writev` of `buf` at `addr` in `pid` (writable memory only);
/// the number of bytes written.
pub fn vm_write(pid: i32, addr: u64, buf: &[u8]) -> Result<usize, Errno> {
    let local = libc::iovec { iov_base: buf.as_ptr() as *mut _, iov_len: buf.len() };
    let remote = libc::iovec { iov_base: addr as *mut _, iov_len: buf.len() };
    // SAFETY: both iovecs describe valid buffers of their lengths.
    let r = unsafe { libc::process_vm_writev(pid, &local, 1, &remote, 1, 0) };
    check(r as libc::c_long).map(|n| n as usize)
}

/// `process_vm_readv` of one remote range into `buf`; returns bytes read.
pub fn vm_read(pid: i32, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
    // A 32-bit process names remote addresses in 32 bits (the kernel's
    // compat process_vm_readv takes 32-bit iovecs).
    // A range that wraps is EFAULT too, as the kernel says.
    let end = addr.checked_add(buf.len() as u64);
    if usize::try_from(addr).is_err() || end.is_none_or(|e| usize::try_from(e).is_err()) {
        return Err(Errno::EFAULT);
    }
    let local = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    let remote = libc::iovec { iov_base: addr as usize as *mut _, iov_len: buf.len() };
    let r = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    check(r as libc::c_long).map(|n| n as usize)
}

/// Read `len` bytes at `src` in *our own* address space without faulting:
/// the C face's copyin. EFAULT for a bad pointer.
pub fn self_read(src: usize, dst: &mut [u8]) -> Result<(), Errno> {
    if dst.is_empty() {
        return Ok(());
    }
    let n = vm_read(getpid(), src as u64, dst)?;
    if n != dst.len() {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

/// Write `src` to `dst` in our own address space without faulting: the C
/// face's copyout. EFAULT for a bad pointer.
pub fn self_write(dst: usize, src: &[u8]) -> Result<(), Errno> {
    if src.is_empty() {
        return Ok(());
    }
    let local = libc::iovec { iov_base: src.as_ptr() as *mut _, iov_len: src.len() };
    let remote = libc::iovec { iov_base: dst as *mut _, iov_len: src.len() };
    let r = unsafe { libc::process_vm_writev(getpid(), &local, 1, &remote, 1, 0) };
    match check(r as libc::c_long) {
        Ok(n) if n as usize == src.len() => Ok(()),
        Ok(_) => Err(Errno::EFAULT),
        Err(e) => Err(e),
    }
}

/// open(2), close-on-exec.
pub fn open(path: &str, flags: i32) -> Result<OwnedFd, Errno> {
    let c = CString::new(path).map_err(|_| Errno::EINVAL)?;
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(Errno::last());
    }
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// pread(2).
pub fn pread(fd: &OwnedFd, buf: &mut [u8], off: u64) -> Result<usize, Errno> {
    loop {
        let r = unsafe { libc::pread64(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), off as i64) };
        match check(r as libc::c_long) {
            Err(Errno::EINTR) => continue,
            other => return other.map(|n| n as usize),
        }
    }
}

/// pwrite(2).
pub fn pwrite(fd: &OwnedFd, buf: &[u8], off: u64) -> Result<usize, Errno> {
    loop {
        let r = unsafe { libc::pwrite64(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), off as i64) };
        match check(r as libc::c_long) {
            Err(Errno::EINTR) => continue,
            other => return other.map(|n| n as usize),
        }
    }
}

/// The blocked signals of the calling thread.
pub fn own_sigmask() -> u64 {
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut set) };
    sigset_to_bits(&set)
}

/// The first 64 signals of a `sigset_t`, bit N-1 for signal N.
pub fn sigset_to_bits(set: &libc::sigset_t) -> u64 {
    let mut bits = 0u64;
    for sig in 1..=64 {
        if unsafe { libc::sigismember(set, sig) } == 1 {
            bits |= 1 << (sig - 1);
        }
    }
    bits
}

/// The `sigset_t` of a 64-bit mask.
pub fn bits_to_sigset(bits: u64) -> libc::sigset_t {
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    unsafe { libc::sigemptyset(&mut set) };
    for sig in 1..=64 {
        if bits & (1 << (sig - 1)) != 0 {
            unsafe { libc::sigaddset(&mut set, sig) };
        }
    }
    set
}

/// An all-zero `struct ptrace_lwpinfo` (integers, sigsets, a siginfo and
/// a name: zero is valid for each).
pub fn zeroed_lwpinfo() -> crate::abi::ptrace_lwpinfo {
    // SAFETY: every field is plain data for which all-zero bytes are valid.
    unsafe { std::mem::zeroed() }
}

/// An all-zero `siginfo_t`.
pub fn zeroed_siginfo() -> siginfo_t {
    unsafe { std::mem::zeroed() }
}

/// The 128 bytes of a `siginfo_t`, for decoders that read its union by the
/// kernel's layout.
pub fn siginfo_bytes(si: &siginfo_t) -> [u8; 128] {
    const _: () = assert!(std::mem::size_of::<siginfo_t>() == 128);
    unsafe { std::mem::transmute_copy(si) }
}

/// Run `handler` on each of `sigs`, *without* SA_RESTART, so a blocking
/// wait (the engine's `WaitOptions::interruptible`) returns EINTR and the
/// tool can act on the signal. A handler (unlike SIG_IGN) is reset to the
/// default by execve, so children spawned afterwards are unaffected.
pub fn catch_signals(sigs: &[i32], handler: extern "C" fn(libc::c_int)) -> Result<(), Errno> {
    for &sig in sigs {
        let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
        sa.sa_sigaction = handler as usize;
        sa.sa_flags = 0;
        unsafe { libc::sigemptyset(&mut sa.sa_mask) };
        if unsafe { libc::sigaction(sig, &sa, std::ptr::null_mut()) } != 0 {
            return Err(Errno::last());
        }
    }
    Ok(())
}

/// Is `sig` ignored (SIG_IGN) in this process? A tool that runs a command
/// leaves a signal ignored at its start ignored (a background job of a
/// non-interactive shell ignores SIGINT and SIGQUIT; `nohup`, SIGHUP):
/// catching it would hand the command the default action instead.
pub fn is_ignored(sig: i32) -> bool {
    // SAFETY: sigaction with a null new action only reads the current one.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    unsafe { libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN }
}

/// Restore the default action of `sig`. Rust's runtime starts with SIGPIPE
/// ignored, and an ignored signal stays ignored across fork and execve: a
/// tool that spawns programs restores it first.
pub fn default_signal(sig: i32) -> Result<(), Errno> {
    if unsafe { libc::signal(sig, libc::SIG_DFL) } == libc::SIG_ERR {
        return Err(Errno::last());
    }
    Ok(())
}

/// A view of the fields of `siginfo_t` the engine reads and writes.
/// glibc's `siginfo_t` is a union; these offsets are the kernel's.
pub mod si {
    use super::siginfo_t;
    // The union follows the three ints, 8-aligned on 64-bit hosts.
    #[cfg(target_pointer_width = "64")]
    #[repr(C)]
    struct Raw {
        signo: i32,
        errno: i32,
        code: i32,
        pad: i32,
        a: i32,   // pid / timerid
        b: u32,   // uid / overrun
        c: u64,   // status / value / addr
    }
    #[cfg(target_pointer_width = "32")]
    #[repr(C)]
    struct Raw {
        signo: i32,
        errno: i32,
        code: i32,
        a: i32,   // pid / timerid / addr
        b: u32,   // uid / overrun
        c: u32,   // status / value
    }
    fn raw(si: &siginfo_t) -> &Raw {
        unsafe { &*(si as *const siginfo_t as *const Raw) }
    }
    fn raw_mut(si: &mut siginfo_t) -> &mut Raw {
        unsafe { &mut *(si as *mut siginfo_t as *mut Raw) }
    }
    /// `si_signo`.
    pub fn signo(si: &siginfo_t) -> i32 {
        raw(si).signo
    }
    /// `si_code`.
    pub fn code(si: &siginfo_t) -> i32 {
        raw(si).code
    }
    /// `si_errno`.
    pub fn errno(si: &siginfo_t) -> i32 {
        raw(si).errno
    }
    /// `si_pid`.
    pub fn pid(si: &siginfo_t) -> i32 {
        raw(si).a
    }
    /// `si_uid`.
    pub fn uid(si: &siginfo_t) -> u32 {
        raw(si).b
    }
    /// `si_addr` for fault signals.
    pub fn addr(si: &siginfo_t) -> u64 {
        let r = raw(si);
        // si_addr sits where pid/uid are for kill-type signals.
        #[cfg(target_pointer_width = "64")]
        return (r.a as u32 as u64) | ((r.b as u64) << 32);
        #[cfg(target_pointer_width = "32")]
        return r.a as u32 as u64;
    }
    /// `si_status` (SIGCHLD).
    pub fn status(si: &siginfo_t) -> i32 {
        raw(si).c as i32
    }
    /// Fill in signo, code, pid and uid (what kill(2) would).
    pub fn set(si: &mut siginfo_t, signo: i32, code: i32, pid: i32, uid: u32) {
        let r = raw_mut(si);
        r.signo = signo;
        r.code = code;
        r.a = pid;
        r.b = uid;
    }
    /// Set `si_code`.
    pub fn set_code(si: &mut siginfo_t, code: i32) {
        raw_mut(si).code = code;
    }
}

/// getpgid(2).
pub fn getpgid(pid: i32) -> Result<i32, Errno> {
    let r = unsafe { libc::getpgid(pid) };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r)
    }
}

/// getppid(2).
pub fn getppid() -> i32 {
    unsafe { libc::getppid() }
}

/// getegid(2).
pub fn getegid() -> u32 {
    unsafe { libc::getegid() }
}

/// An all-zero `user_fpregs_struct`.
pub fn zeroed_fpregs() -> user_fpregs_struct {
    unsafe { std::mem::zeroed() }
}

/// An all-zero `user_regs_struct`.
pub fn zeroed_regs() -> user_regs_struct {
    unsafe { std::mem::zeroed() }
}

/// The `cs` selector of a 32-bit (compatibility mode) process, which its
/// registers show whenever it runs its own code (`__USER32_CS`).
pub const USER32_CS: u64 = 0x23;

/// A per-thread slot through which a callback deep inside a call can reach
/// the object that made the call (the engine lends itself to procctl's
/// remote-syscall hook this way). Only [`scoped::lend`] fills it, only for
/// the duration of its closure, and [`scoped::borrow`] must name the same
/// type `T`: one private user, the engine.
pub mod scoped {
    use std::cell::Cell;
    thread_local! {
        static SLOT: Cell<*mut ()> = const { Cell::new(std::ptr::null_mut()) };
    }

    /// Run `f` with `value` reachable through [`borrow`] on this thread.
    pub fn lend<T, R>(value: &mut T, f: impl FnOnce() -> R) -> R {
        let prev = SLOT.with(|s| s.replace(value as *mut T as *mut ()));
        struct Restore(*mut ());
        impl Drop for Restore {
            fn drop(&mut self) {
                SLOT.with(|s| s.set(self.0));
            }
        }
        let _restore = Restore(prev);
        f()
    }

    /// The value lent by the innermost [`lend`] on this thread, if any.
    pub fn borrow<T, R>(f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let p = SLOT.with(|s| s.replace(std::ptr::null_mut()));
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` came from a `&mut T` in `lend`, whose closure is still
        // running on this thread and does not use that reference itself; the
        // slot is emptied while `f` runs, so no second borrow can be made.
        let r = f(unsafe { &mut *(p as *mut T) });
        SLOT.with(|s| s.set(p));
        Some(r)
    }
}

/// Copy a plain-old-data value's bytes (integer-only `repr(C)` structs).
pub fn copy_to_bytes<T: Copy>(v: &T, out: &mut [u8]) {
    let n = std::mem::size_of::<T>().min(out.len());
    // SAFETY: reads n <= size_of::<T>() bytes of a live value; padding
    // bytes of the ABI structs used here are zero-initialised by Default.
    unsafe { std::ptr::copy_nonoverlapping(v as *const T as *const u8, out.as_mut_ptr(), n) };
}

/// Fill a plain-old-data value from bytes (any bit pattern valid for `T`).
pub fn copy_from_bytes<T: Copy>(b: &[u8], v: &mut T) {
    let n = std::mem::size_of::<T>().min(b.len());
    // SAFETY: T is an integer-only repr(C) struct: every byte pattern is valid.
    unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), v as *mut T as *mut u8, n) };
}

/// A non-blocking, close-on-exec eventfd.
pub fn eventfd() -> Result<OwnedFd, Errno> {
    // SAFETY: plain syscall; the descriptor is fresh and ours.
    let fd = check(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) } as libc::c_long)?;
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Make an eventfd readable.
pub fn eventfd_signal(fd: &OwnedFd) {
    let v = 1u64;
    // SAFETY: an 8-byte write to an eventfd we own.
    unsafe { libc::write(fd.as_raw_fd(), (&v as *const u64).cast(), 8) };
}

/// Make an eventfd unreadable again (non-blocking read of its count).
pub fn eventfd_clear(fd: &OwnedFd) {
    let mut v = 0u64;
    // SAFETY: an 8-byte read from an eventfd we own.
    unsafe { libc::read(fd.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
}

