//! ptrace(2): the requests, options and events the engine uses, one
//! function per request (through `syscall(2)`, never glibc's `ptrace()`).

#![allow(clippy::missing_safety_doc)]

use super::*;

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

/// Room for any XSAVE area: with AMX (tile data) it is ~11 KiB, and Linux's
/// PTRACE_SETREGSET insists on the whole area, so a short buffer silently
/// truncates the read and makes every write fail.
pub const XSTATE_MAX: usize = 64 << 10;

/// The thread's whole XSAVE area (PTRACE_GETREGSET of NT_X86_XSTATE).
pub fn xstate(tid: Tid) -> Result<Vec<u8>, Errno> {
    let mut area = vec![0u8; XSTATE_MAX];
    let n = getregset(tid, NT_X86_XSTATE, &mut area)?;
    area.truncate(n);
    Ok(area)
}

/// The debug registers FreeBSD's `struct dbreg` shows, by index: dr0-dr3,
/// dr6 and dr7 (PTRACE_PEEKUSER; dr4, dr5 read as 0).
pub fn debug_regs(tid: Tid) -> Result<[u64; 8], Errno> {
    let mut dr = [0u64; 8];
    for i in [0usize, 1, 2, 3, 6, 7] {
        dr[i] = peekuser(tid, DEBUGREG_OFFSET + i * 8)?;
    }
    Ok(dr)
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
/// Option: stop at SECCOMP_RET_TRACE.
pub const PTRACE_O_TRACESECCOMP: u32 = 1 << 7;
/// Event stop: SECCOMP_RET_TRACE.
pub const PTRACE_EVENT_SECCOMP: i32 = 7;
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
