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

pub mod fd;
pub mod gdbsys;
pub mod host;
pub mod proc;
pub mod procfs;
pub mod procfs_stat;
// Part of the engine rewrite; documented with it.
#[allow(missing_docs)]
pub mod wakeup;

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

// Linux ptrace requests and options (uapi/linux/ptrace.h).
/// ptrace(2): PTRACE_TRACEME.
pub const PTRACE_TRACEME: u32 = 0;
/// ptrace(2): PTRACE_PEEKUSER (the user area: debug registers).
pub const PTRACE_PEEKUSER: u32 = 3;
/// ptrace(2): PTRACE_POKEUSER.
pub const PTRACE_POKEUSER: u32 = 6;
/// ptrace(2): PTRACE_CONT.
pub const PTRACE_CONT: u32 = 7;
/// ptrace(2): PTRACE_KILL.
pub const PTRACE_KILL: u32 = 8;
/// ptrace(2): PTRACE_SINGLESTEP.
pub const PTRACE_SINGLESTEP: u32 = 9;
/// ptrace(2): PTRACE_GETREGS.
pub const PTRACE_GETREGS: u32 = 12;
/// ptrace(2): PTRACE_SETREGS.
pub const PTRACE_SETREGS: u32 = 13;
/// ptrace(2): PTRACE_GETFPREGS.
pub const PTRACE_GETFPREGS: u32 = 14;
/// ptrace(2): PTRACE_SETFPREGS.
pub const PTRACE_SETFPREGS: u32 = 15;
/// ptrace(2): PTRACE_DETACH.
pub const PTRACE_DETACH: u32 = 17;
/// ptrace(2): PTRACE_SYSCALL.
pub const PTRACE_SYSCALL: u32 = 24;
/// ptrace(2): PTRACE_ARCH_PRCTL (fs/gs base).
pub const PTRACE_ARCH_PRCTL: u32 = 30;
/// ptrace(2): PTRACE_SETOPTIONS.
pub const PTRACE_SETOPTIONS: u32 = 0x4200;
/// ptrace(2): PTRACE_GETEVENTMSG.
pub const PTRACE_GETEVENTMSG: u32 = 0x4201;
/// ptrace(2): PTRACE_GETSIGINFO.
pub const PTRACE_GETSIGINFO: u32 = 0x4202;
/// ptrace(2): PTRACE_SETSIGINFO.
pub const PTRACE_SETSIGINFO: u32 = 0x4203;
/// ptrace(2): PTRACE_GETREGSET.
pub const PTRACE_GETREGSET: u32 = 0x4204;
/// ptrace(2): PTRACE_SETREGSET.
pub const PTRACE_SETREGSET: u32 = 0x4205;
/// ptrace(2): PTRACE_SEIZE.
pub const PTRACE_SEIZE: u32 = 0x4206;
/// ptrace(2): PTRACE_INTERRUPT.
pub const PTRACE_INTERRUPT: u32 = 0x4207;
/// ptrace(2): PTRACE_LISTEN.
pub const PTRACE_LISTEN: u32 = 0x4208;
/// ptrace(2): PTRACE_GETSIGMASK.
pub const PTRACE_GETSIGMASK: u32 = 0x420a;
/// ptrace(2): PTRACE_GET_SYSCALL_INFO (Linux 5.3).
pub const PTRACE_GET_SYSCALL_INFO: u32 = 0x420e;

/// Option: syscall stops report SIGTRAP | 0x80.
pub const PTRACE_O_TRACESYSGOOD: u32 = 1;
/// Option: trace fork children.
pub const PTRACE_O_TRACEFORK: u32 = 1 << 1;
/// Option: trace vfork children.
pub const PTRACE_O_TRACEVFORK: u32 = 1 << 2;
/// Option: trace clone children (threads).
pub const PTRACE_O_TRACECLONE: u32 = 1 << 3;
/// Option: stop after exec.
pub const PTRACE_O_TRACEEXEC: u32 = 1 << 4;
/// Option: stop when a vfork child releases its parent.
pub const PTRACE_O_TRACEVFORKDONE: u32 = 1 << 5;
/// Option: stop at exit.
pub const PTRACE_O_TRACEEXIT: u32 = 1 << 6;
/// Option: SIGKILL the tracee when the tracer exits.
pub const PTRACE_O_EXITKILL: u32 = 1 << 20;

/// Event stop: fork.
pub const PTRACE_EVENT_FORK: i32 = 1;
/// Event stop: vfork.
pub const PTRACE_EVENT_VFORK: i32 = 2;
/// Event stop: clone.
pub const PTRACE_EVENT_CLONE: i32 = 3;
/// Event stop: exec.
pub const PTRACE_EVENT_EXEC: i32 = 4;
/// Event stop: vfork done.
pub const PTRACE_EVENT_VFORK_DONE: i32 = 5;
/// Event stop: exit.
pub const PTRACE_EVENT_EXIT: i32 = 6;
/// Event stop: group stop or PTRACE_INTERRUPT of a seized tracee.
pub const PTRACE_EVENT_STOP: i32 = 128;

/// `op`: not a syscall stop.
pub const PTRACE_SYSCALL_INFO_NONE: u8 = 0;
/// `op`: syscall entry.
pub const PTRACE_SYSCALL_INFO_ENTRY: u8 = 1;
/// `op`: syscall exit.
pub const PTRACE_SYSCALL_INFO_EXIT: u8 = 2;
/// `op`: seccomp stop.
pub const PTRACE_SYSCALL_INFO_SECCOMP: u8 = 3;

/// wait4(2): `__WALL`, threads and processes alike.
pub const WALL: i32 = 0x4000_0000;
/// wait4(2): `__WNOTHREAD`, only the calling thread's children.
pub const WNOTHREAD: i32 = 0x2000_0000;
/// wait4(2): do not block.
pub const WNOHANG: i32 = libc::WNOHANG;
/// wait4(2): report stopped children.
pub const WUNTRACED: i32 = libc::WUNTRACED;

/// Byte offset of `u_debugreg[0]` in `struct user` (x86_64).
pub const DEBUGREG_OFFSET: usize = 848;

/// PTRACE_GETREGSET: the general registers.
pub const NT_PRSTATUS: u32 = 1;
/// PTRACE_GETREGSET: the XSAVE area.
pub const NT_X86_XSTATE: u32 = 0x202;

/// arch_prctl(2): set the gs base.
pub const ARCH_SET_GS: u64 = 0x1001;
/// arch_prctl(2): set the fs base.
pub const ARCH_SET_FS: u64 = 0x1002;
/// arch_prctl(2): read the fs base.
pub const ARCH_GET_FS: u64 = 0x1003;
/// arch_prctl(2): read the gs base.
pub const ARCH_GET_GS: u64 = 0x1004;

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

/// `struct ptrace_syscall_info` (the 0x58-byte kernel layout).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SyscallInfo {
    /// `PTRACE_SYSCALL_INFO_*`.
    pub op: u8,
    /// Padding.
    pub pad: [u8; 3],
    /// `AUDIT_ARCH_*` of the call.
    pub arch: u32,
    /// The instruction pointer.
    pub instruction_pointer: u64,
    /// The stack pointer.
    pub stack_pointer: u64,
    /// entry: nr, `args[6]`; exit: rval (i64), is_error (u8); seccomp: nr, args, ret_data.
    pub data: [u64; 8],
}

#[inline]
fn check(ret: libc::c_long) -> Result<libc::c_long, Errno> {
    if ret == -1 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

#[inline]
pub(crate) unsafe fn raw_ptrace(req: u32, tid: Tid, addr: usize, data: usize) -> Result<libc::c_long, Errno> {
    check(unsafe { libc::syscall(libc::SYS_ptrace, req as libc::c_long, tid as libc::c_long, addr, data) })
}

/// PTRACE_SEIZE with `options`.
pub fn seize(tid: Tid, options: u32) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_SEIZE, tid, 0, options as usize).map(drop) }
}

/// PTRACE_INTERRUPT.
pub fn interrupt(tid: Tid) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_INTERRUPT, tid, 0, 0).map(drop) }
}

/// PTRACE_SETOPTIONS.
pub fn set_options(tid: Tid, options: u32) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_SETOPTIONS, tid, 0, options as usize).map(drop) }
}

/// Resume with `PTRACE_CONT`, `PTRACE_SYSCALL`, `PTRACE_SINGLESTEP` or `PTRACE_LISTEN`.
pub fn resume(req: u32, tid: Tid, sig: i32) -> Result<(), Errno> {
    unsafe { raw_ptrace(req, tid, 0, sig as usize).map(drop) }
}

/// PTRACE_DETACH, delivering `sig`.
pub fn detach(tid: Tid, sig: i32) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_DETACH, tid, 0, sig as usize).map(drop) }
}

/// PTRACE_TRACEME.
pub fn traceme() -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_TRACEME, 0, 0, 0).map(drop) }
}

/// PTRACE_GETEVENTMSG.
pub fn event_msg(tid: Tid) -> Result<u64, Errno> {
    let mut msg: libc::c_ulong = 0;
    unsafe { raw_ptrace(PTRACE_GETEVENTMSG, tid, 0, &mut msg as *mut _ as usize)? };
    Ok(msg as u64)
}

/// PTRACE_GETSIGINFO.
pub fn siginfo(tid: Tid) -> Result<siginfo_t, Errno> {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    unsafe { raw_ptrace(PTRACE_GETSIGINFO, tid, 0, &mut si as *mut _ as usize)? };
    Ok(si)
}

/// PTRACE_SETSIGINFO.
pub fn set_siginfo(tid: Tid, si: &siginfo_t) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_SETSIGINFO, tid, 0, si as *const _ as usize).map(drop) }
}

/// The thread's blocked-signal mask (bit n-1 = signal n).
pub fn sigmask(tid: Tid) -> Result<u64, Errno> {
    let mut mask: u64 = 0;
    unsafe { raw_ptrace(PTRACE_GETSIGMASK, tid, 8, &mut mask as *mut _ as usize)? };
    Ok(mask)
}

/// ptrace(2): PTRACE_PEEKSIGINFO.
pub const PTRACE_PEEKSIGINFO: u32 = 0x4209;

/// Signals pending on the thread itself (its private queue), as a bit set:
/// one PTRACE_PEEKSIGINFO instead of a /proc read.
pub fn thread_pending(tid: Tid) -> Result<u64, Errno> {
    peek_pending(tid, 0)
}

/// The signals pending for the whole process of `tid` (a stopped tracee).
pub fn shared_pending(tid: Tid) -> Result<u64, Errno> {
    const PTRACE_PEEKSIGINFO_SHARED: u32 = 1;
    peek_pending(tid, PTRACE_PEEKSIGINFO_SHARED)
}

fn peek_pending(tid: Tid, flags: u32) -> Result<u64, Errno> {
    #[repr(C)]
    struct PeekArgs {
        off: u64,
        flags: u32,
        nr: i32,
    }
    // A standard signal is queued once; real-time ones may repeat, and
    // the first 64 entries are enough to see which signals are there.
    let mut buf: [siginfo_t; 64] = unsafe { std::mem::zeroed() };
    let args = PeekArgs { off: 0, flags, nr: buf.len() as i32 };
    let n = unsafe { raw_ptrace(PTRACE_PEEKSIGINFO, tid, &args as *const _ as usize, buf.as_mut_ptr() as usize)? };
    let mut bits = 0u64;
    for s in &buf[..n as usize] {
        let sig = si::signo(s);
        if (1..=64).contains(&sig) {
            bits |= 1 << (sig - 1);
        }
    }
    Ok(bits)
}

#[cfg(target_pointer_width = "64")]
/// PTRACE_GETREGS.
pub fn getregs(tid: Tid) -> Result<user_regs_struct, Errno> {
    let mut r: user_regs_struct = unsafe { std::mem::zeroed() };
    unsafe { raw_ptrace(PTRACE_GETREGS, tid, 0, &mut r as *mut _ as usize)? };
    Ok(r)
}

#[cfg(target_pointer_width = "64")]
/// PTRACE_SETREGS.
pub fn setregs(tid: Tid, r: &user_regs_struct) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_SETREGS, tid, 0, r as *const _ as usize).map(drop) }
}

#[cfg(target_pointer_width = "64")]
/// PTRACE_GETFPREGS: the 512-byte FXSAVE image.
pub fn getfpregs(tid: Tid) -> Result<user_fpregs_struct, Errno> {
    let mut r: user_fpregs_struct = unsafe { std::mem::zeroed() };
    unsafe { raw_ptrace(PTRACE_GETFPREGS, tid, 0, &mut r as *mut _ as usize)? };
    Ok(r)
}

#[cfg(target_pointer_width = "64")]
/// PTRACE_SETFPREGS.
pub fn setfpregs(tid: Tid, r: &user_fpregs_struct) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_SETFPREGS, tid, 0, r as *const _ as usize).map(drop) }
}

/// `PTRACE_GETREGSET`: fills `buf`, returns the length the kernel wrote.
pub fn getregset(tid: Tid, nt: u32, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    unsafe { raw_ptrace(PTRACE_GETREGSET, tid, nt as usize, &mut iov as *mut _ as usize)? };
    Ok(iov.iov_len)
}

/// PTRACE_SETREGSET of note type `nt`.
pub fn setregset(tid: Tid, nt: u32, buf: &[u8]) -> Result<(), Errno> {
    let mut iov = libc::iovec { iov_base: buf.as_ptr() as *mut _, iov_len: buf.len() };
    unsafe { raw_ptrace(PTRACE_SETREGSET, tid, nt as usize, &mut iov as *mut _ as usize).map(drop) }
}

#[cfg(target_pointer_width = "64")]
/// PTRACE_PEEKUSER at `offset` of the user area.
pub fn peekuser(tid: Tid, offset: usize) -> Result<u64, Errno> {
    let mut v: u64 = 0;
    unsafe { raw_ptrace(PTRACE_PEEKUSER, tid, offset, &mut v as *mut _ as usize)? };
    Ok(v)
}

#[cfg(target_pointer_width = "64")]
/// PTRACE_POKEUSER at `offset` of the user area.
pub fn pokeuser(tid: Tid, offset: usize, value: u64) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_POKEUSER, tid, offset, value as usize).map(drop) }
}

#[cfg(target_pointer_width = "64")]
/// `PTRACE_ARCH_PRCTL` (ARCH_GET_FS & co.).
pub fn arch_prctl(tid: Tid, code: u64, value: u64) -> Result<u64, Errno> {
    let mut v: u64 = value;
    let data = if code == ARCH_GET_FS || code == ARCH_GET_GS { &mut v as *mut _ as usize } else { value as usize };
    unsafe { raw_ptrace(PTRACE_ARCH_PRCTL, tid, data, code as usize)? };
    Ok(v)
}

/// PTRACE_GET_SYSCALL_INFO.
pub fn syscall_info(tid: Tid) -> Result<SyscallInfo, Errno> {
    let mut info = SyscallInfo::default();
    unsafe {
        raw_ptrace(
            PTRACE_GET_SYSCALL_INFO,
            tid,
            std::mem::size_of::<SyscallInfo>(),
            &mut info as *mut _ as usize,
        )?
    };
    Ok(info)
}

/// `wait4(pid, options | __WALL)`; `Ok(None)` when WNOHANG found nothing.
pub fn wait4(pid: i32, options: i32) -> Result<Option<(Tid, i32)>, Errno> {
    loop {
        match wait4_once(pid, options) {
            Err(Errno::EINTR) => continue,
            r => return r,
        }
    }
}

/// `wait4` that reports `EINTR` instead of retrying.
pub fn wait4_once(pid: i32, options: i32) -> Result<Option<(Tid, i32)>, Errno> {
    wait4_raw(pid, options, std::ptr::null_mut())
}

/// `wait4` that also returns the reaped child's resource usage when `want`
/// (what the kernel fills in: the whole process's for an exit, its current
/// usage for a stop; computing it costs the kernel ~0.3 µs per status).
/// Retries on EINTR unless `once`.
pub fn wait4_rusage(pid: i32, options: i32, once: bool, want: bool) -> Result<Option<(Tid, i32, Option<Rusage>)>, Errno> {
    let mut ru = Rusage::default();
    let p: *mut libc::rusage = if want { &mut ru.0 } else { std::ptr::null_mut() };
    loop {
        match wait4_raw(pid, options, p) {
            Err(Errno::EINTR) if !once => continue,
            r => return r.map(|o| o.map(|(t, st)| (t, st, want.then_some(ru)))),
        }
    }
}

fn wait4_raw(pid: i32, options: i32, ru: *mut libc::rusage) -> Result<Option<(Tid, i32)>, Errno> {
    let mut status: libc::c_int = 0;
    let r = unsafe { libc::syscall(libc::SYS_wait4, pid, &mut status as *mut libc::c_int, options, ru) };
    match check(r) {
        Ok(0) => Ok(None),
        Ok(tid) => Ok(Some((tid as Tid, status))),
        Err(e) => Err(e),
    }
}

/// `struct rusage` as wait4 fills it.
#[derive(Clone, Copy)]
pub struct Rusage(pub libc::rusage);

impl Default for Rusage {
    fn default() -> Self {
        // SAFETY: all-zero is a valid rusage.
        Rusage(unsafe { std::mem::zeroed() })
    }
}

impl std::fmt::Debug for Rusage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = |tv: libc::timeval| format!("{}.{:06}", tv.tv_sec, tv.tv_usec);
        f.debug_struct("Rusage")
            .field("utime", &t(self.0.ru_utime))
            .field("stime", &t(self.0.ru_stime))
            .field("maxrss_kb", &self.0.ru_maxrss)
            .finish_non_exhaustive()
    }
}

/// `waitid(P_ALL, 0, WNOWAIT|...)`: peek at the next status without reaping it.
pub fn waitid_peek(options: i32) -> Result<Option<Tid>, Errno> {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe {
            libc::syscall(
                libc::SYS_waitid,
                libc::P_ALL,
                0,
                &mut si as *mut siginfo_t,
                options | libc::WNOWAIT,
                0usize,
            )
        };
        match check(r) {
            Ok(_) => {
                let pid = unsafe { si.si_pid() };
                return Ok(if pid == 0 { None } else { Some(pid) });
            }
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
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

/// Fork a child that waits on a pipe before `execvp(argv)`; the parent gets
/// the pid and the write end (closing it releases the child). Everything the
/// child touches is prepared before `fork()`, so this is safe in a
/// multithreaded parent.
pub fn fork_exec_gated(
    argv: &[CString],
    env: Option<&[CString]>,
    filter: Option<&[libc::sock_filter]>,
) -> Result<(i32, OwnedFd), Errno> {
    let mut fds = [0i32; 2];
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Errno::last());
    }
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let envp: Option<Vec<*const libc::c_char>> = env.map(|e| {
        let mut v: Vec<*const libc::c_char> = e.iter().map(|a| a.as_ptr()).collect();
        v.push(std::ptr::null());
        v
    });
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = Errno::last();
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        return Err(e);
    }
    if pid == 0 {
        unsafe {
            libc::close(fds[1]);
            let mut b = 0u8;
            let mut r;
            loop {
                r = libc::read(fds[0], (&mut b as *mut u8).cast(), 1);
                if r >= 0 {
                    break;
                }
            }
            if r == 0 {
                // EOF, not the byte: the tracer died before it seized us.
                // Running the program untraced would outlive a tracer whose
                // tracees die with it (issue 11, R3).
                libc::_exit(127);
            }
            // Rust programs start with SIGPIPE ignored; the program must not
            // inherit that.
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            if let Some(f) = filter {
                let prog = libc::sock_fprog { len: f.len() as u16, filter: f.as_ptr() as *mut _ };
                let set = |prog: &libc::sock_fprog| {
                    libc::syscall(libc::SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog as *const libc::sock_fprog)
                };
                // Without CAP_SYS_ADMIN the kernel demands no_new_privs.
                if set(&prog) != 0 && (libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || set(&prog) != 0) {
                    let msg = b"bsdtrace: cannot install the seccomp filter\n";
                    libc::write(2, msg.as_ptr().cast(), msg.len());
                    libc::_exit(126);
                }
            }
            match &envp {
                Some(e) => {
                    libc::execvpe(ptrs[0], ptrs.as_ptr(), e.as_ptr());
                }
                None => {
                    libc::execvp(ptrs[0], ptrs.as_ptr());
                }
            }
            let code = if Errno::last() == Errno::ENOENT { 127 } else { 126 };
            libc::_exit(code);
        }
    }
    unsafe { libc::close(fds[0]) };
    Ok((pid, unsafe { OwnedFd::from_raw_fd(fds[1]) }))
}

/// seccomp(2): install a BPF filter.
pub const SECCOMP_SET_MODE_FILTER: u32 = 1;
/// Filter verdict: stop for the tracer.
pub const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
/// Filter verdict: allow.
pub const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
/// `arch` of x86-64 system calls.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// Option: stop at SECCOMP_RET_TRACE.
pub const PTRACE_O_TRACESECCOMP: u32 = 1 << 7;
/// Event stop: SECCOMP_RET_TRACE.
pub const PTRACE_EVENT_SECCOMP: i32 = 7;

/// A classic-BPF seccomp program: SECCOMP_RET_TRACE for the syscall numbers
/// in `traced` (and for every syscall of a foreign ABI), ALLOW for the rest.
pub fn seccomp_trace_filter(traced: &[u32]) -> Vec<libc::sock_filter> {
    const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
    const JA: u16 = (libc::BPF_JMP | libc::BPF_JA) as u16;
    const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let ins = |code: u16, jt: u8, jf: u8, k: u32| libc::sock_filter { code, jt, jf, k };
    let mut f = vec![
        ins(LD_W_ABS, 0, 0, 4), // seccomp_data.arch
        ins(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        ins(RET_K, 0, 0, SECCOMP_RET_TRACE),
        ins(LD_W_ABS, 0, 0, 0), // seccomp_data.nr
        ins(JGE_K, 0, 1, 0x4000_0000), // x32
        ins(RET_K, 0, 0, SECCOMP_RET_TRACE),
    ];
    // Blocks of at most 200 comparisons, each ending in its own TRACE so
    // every jump fits the 8-bit offset.
    for chunk in traced.chunks(200) {
        let n = chunk.len();
        for (i, nr) in chunk.iter().enumerate() {
            f.push(ins(JEQ_K, (n - i) as u8, 0, *nr));
        }
        f.push(ins(JA, 0, 0, 1));
        f.push(ins(RET_K, 0, 0, SECCOMP_RET_TRACE));
    }
    f.push(ins(RET_K, 0, 0, SECCOMP_RET_ALLOW));
    f
}

/// Release a child made by [`fork_exec_gated`].
pub fn release_gate(gate: OwnedFd) {
    let b = [0u8; 1];
    unsafe { libc::write(gate.as_raw_fd(), b.as_ptr().cast(), 1) };
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

/// `waitid(P_PID, tid, WEXITED|WSTOPPED|WNOWAIT|options)`, blocking unless
/// `options` has WNOHANG: the `si_code` (CLD_*) and `si_status` of its
/// next status, left in place.
pub fn waitid_pid_peek(tid: Tid, options: i32) -> Result<Option<(i32, i32)>, Errno> {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe {
            libc::syscall(
                libc::SYS_waitid,
                libc::P_PID,
                tid,
                &mut si as *mut siginfo_t,
                libc::WEXITED | libc::WSTOPPED | libc::WNOWAIT | options,
                0usize,
            )
        };
        match check(r) {
            Ok(_) if unsafe { si.si_pid() } == 0 => return Ok(None),
            Ok(_) => return Ok(Some((si.si_code, unsafe { si.si_status() }))),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Is `pid` a child (or tracee) this process may wait for?
pub fn is_child(pid: i32, scope: i32) -> bool {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::syscall(
            libc::SYS_waitid,
            libc::P_PID,
            pid,
            &mut si as *mut siginfo_t,
            libc::WEXITED | libc::WSTOPPED | libc::WCONTINUED | libc::WNOHANG | libc::WNOWAIT | scope,
            0usize,
        )
    };
    !(r == -1 && Errno::last() == Errno::ECHILD)
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

/// Set only the PC of a stopped thread (PT_CONTINUE with an address):
/// the rest of its registers stay as they are, even those a 32-bit tracer
/// cannot read whole.
pub fn set_pc(tid: Tid, pc: u64) -> Result<(), Errno> {
    #[cfg(target_pointer_width = "64")]
    {
        let mut r = getregs(tid)?;
        r.rip = pc;
        setregs(tid, &r)
    }
    #[cfg(target_pointer_width = "32")]
    host32::poke_pc(tid, pc)
}

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

/// A thread of ours with every signal blocked, so the program's
/// process-directed signals and their handlers never land on it. The mask
/// is set in the spawning thread around the spawn, so the new thread starts
/// with it: blocking from inside leaves a window in which a handler (a
/// SIGCHLD handler calling waitpid) could run on it before Rust has set it
/// up ("current thread handle already set during thread spawn").
pub fn spawn_quiet<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, Errno> {
    // SAFETY: fully initialised sets, applied to this thread only, and the
    // old mask is put back before returning.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
    }
    let r = std::thread::Builder::new().name(name.into()).spawn(f);
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
    r.map_err(Errno::from)
}

/// Does the calling process have a child that `sel` selects (wait4's pid
/// argument: -1 any, > 0 that one, 0 our group, < -1 that group), whatever
/// its state, other than `except` (the engine's doorbell)? Read from
/// /proc: `waitid` cannot answer, since it counts every tracee of every
/// thread (the engine's doorbell among them) as a child. Only asked when
/// the engine traces nothing the wait could name.
pub fn has_child(sel: i32, except: Option<Tid>) -> bool {
    let me = getpid();
    if sel > 0 {
        return Some(sel) != except && procfs::status(sel).is_ok_and(|s| s.ppid == me && s.tgid == sel);
    }
    let mine = getpgid(0).unwrap_or(-1);
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{me}/task")) else { return true };
    for t in tasks.flatten() {
        let Ok(list) = std::fs::read_to_string(t.path().join("children")) else { continue };
        for c in list.split_whitespace().filter_map(|c| c.parse::<i32>().ok()) {
            let selected = match sel {
                -1 => true,
                0 => getpgid(c).ok() == Some(mine),
                g => getpgid(c).ok() == Some(-g),
            };
            if Some(c) != except && selected {
                return true;
            }
        }
    }
    false
}

/// `waitid(P_ALL, WNOWAIT | options)` over every child and tracee of the
/// process: the next one with a status, as (pid or tid, si_code), without
/// reaping it; `None` when WNOHANG found nothing or there is no child.
pub fn waitid_peek_all(options: i32) -> Result<Option<(Tid, i32)>, Errno> {
    let mut si: siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: plain syscall with a valid out-pointer.
        let r = unsafe {
            libc::syscall(libc::SYS_waitid, libc::P_ALL, 0, &mut si as *mut siginfo_t, options | libc::WNOWAIT, 0usize)
        };
        match check(r) {
            Ok(_) => {
                // SAFETY: waitid filled the SIGCHLD member (or left it zero).
                let pid = unsafe { si.si_pid() };
                return Ok((pid != 0).then_some((pid, si.si_code)));
            }
            Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

/// ptrace(2): PTRACE_GET_THREAD_AREA (a TLS descriptor of the GDT).
const PTRACE_GET_THREAD_AREA_REQ: u32 = 25;

/// The three TLS descriptors of a 32-bit thread's GDT (`struct user_desc`,
/// 16 bytes each, entries 12-14 on x86-64 kernels), as an i386 core's
/// NT_386_TLS holds them; `None` if the kernel gives none.
pub fn tls_descriptors(tid: Tid) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(48);
    for index in 12..15usize {
        let mut desc = [0u32; 4];
        // SAFETY: the kernel writes one 16-byte user_desc into `desc`.
        unsafe { raw_ptrace(PTRACE_GET_THREAD_AREA_REQ, tid, index, desc.as_mut_ptr() as usize).ok()? };
        for w in desc {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    Some(out)
}
