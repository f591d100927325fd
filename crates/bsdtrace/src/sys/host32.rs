//! The register requests of a 32-bit tracer (libbsdtrace built for i686).
//!
//! Linux answers a 32-bit caller's ptrace requests in the i386 layouts
//! (its compat ptrace), whatever the tracee: `PTRACE_GETREGS` fills the
//! 17-word i386 `user_regs_struct`, `PTRACE_PEEKUSER` takes offsets in
//! the i386 `struct user`, and the FXSAVE image comes from
//! `PTRACE_GETFPXREGS`. The rest of the library works on the x86-64
//! layouts, so these functions convert, and keep the names and types the
//! 64-bit build gets from libc.
//!
//! What a 32-bit caller cannot see: the upper halves of a 64-bit tracee's
//! registers (they read as zero here) and its r8-r15 and segment bases.
//! Writing registers of a 64-bit tracee through this layer would zero
//! those upper halves, so the requests refuse it before they get here
//! (FreeBSD's rule for 32-bit debuggers, docs/deviations.md); only the PC
//! is ever written ([`poke_pc`], which Linux zero-extends, as FreeBSD's
//! `ptrace_set_pc` of a 32-bit address does).

use super::{raw_ptrace, Errno, Tid, PTRACE_GETREGS, PTRACE_PEEKUSER, PTRACE_POKEUSER, PTRACE_SETREGS};

/// `PTRACE_GETFPXREGS` (i386): the 512-byte FXSAVE image.
const PTRACE_GETFPXREGS: u32 = 18;
/// `PTRACE_SETFPXREGS` (i386).
const PTRACE_SETFPXREGS: u32 = 19;
/// `PTRACE_GET_THREAD_AREA` (i386): a TLS descriptor of the GDT.
const PTRACE_GET_THREAD_AREA: u32 = 25;

/// x86-64's `struct user_regs_struct`, the layout the library works in.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct user_regs_struct {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub eflags: u64,
    pub rsp: u64,
    pub ss: u64,
    pub fs_base: u64,
    pub gs_base: u64,
    pub ds: u64,
    pub es: u64,
    pub fs: u64,
    pub gs: u64,
}

/// x86-64's `struct user_fpregs_struct`: the 512-byte FXSAVE image.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct user_fpregs_struct {
    pub cwd: u16,
    pub swd: u16,
    pub ftw: u16,
    pub fop: u16,
    pub rip: u64,
    pub rdp: u64,
    pub mxcsr: u32,
    pub mxcr_mask: u32,
    pub st_space: [u32; 32],
    pub xmm_space: [u32; 64],
    pub padding: [u32; 24],
}

const _: () = assert!(std::mem::size_of::<user_fpregs_struct>() == 512);
const _: () = assert!(std::mem::size_of::<libc::user_regs_struct>() == 68);

/// i386 `struct user`'s `u_debugreg`, where x86-64's is at 848.
const DEBUGREG_OFFSET_I386: usize = 252;
/// i386 `struct user_regs_struct`'s `eip` (word 12).
const EIP_OFFSET_I386: usize = 12 * 4;

/// PTRACE_GETREGS: the i386 registers, widened (the syscall number
/// `orig_eax` sign-extended so that "no syscall", -1, stays -1).
pub fn getregs(tid: Tid) -> Result<user_regs_struct, Errno> {
    let mut r: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    unsafe { raw_ptrace(PTRACE_GETREGS, tid, 0, &mut r as *mut _ as usize)? };
    let u = |v: libc::c_long| u64::from(v as u32);
    Ok(user_regs_struct {
        rbx: u(r.ebx),
        rcx: u(r.ecx),
        rdx: u(r.edx),
        rsi: u(r.esi),
        rdi: u(r.edi),
        rbp: u(r.ebp),
        rax: u(r.eax),
        ds: u(r.xds),
        es: u(r.xes),
        fs: u(r.xfs),
        gs: u(r.xgs),
        orig_rax: r.orig_eax as i64 as u64,
        rip: u(r.eip),
        cs: u(r.xcs),
        eflags: u(r.eflags),
        rsp: u(r.esp),
        ss: u(r.xss),
        ..Default::default()
    })
}

/// PTRACE_SETREGS of the low halves (a 32-bit tracee's whole registers).
pub fn setregs(tid: Tid, r: &user_regs_struct) -> Result<(), Errno> {
    let l = |v: u64| v as u32 as libc::c_long;
    let n = libc::user_regs_struct {
        ebx: l(r.rbx),
        ecx: l(r.rcx),
        edx: l(r.rdx),
        esi: l(r.rsi),
        edi: l(r.rdi),
        ebp: l(r.rbp),
        eax: l(r.rax),
        xds: l(r.ds),
        xes: l(r.es),
        xfs: l(r.fs),
        xgs: l(r.gs),
        orig_eax: l(r.orig_rax),
        eip: l(r.rip),
        xcs: l(r.cs),
        eflags: l(r.eflags),
        esp: l(r.rsp),
        xss: l(r.ss),
    };
    unsafe { raw_ptrace(PTRACE_SETREGS, tid, 0, &n as *const _ as usize).map(drop) }
}

/// The FXSAVE image (PTRACE_GETFPXREGS).
pub fn getfpregs(tid: Tid) -> Result<user_fpregs_struct, Errno> {
    let mut r: user_fpregs_struct = unsafe { std::mem::zeroed() };
    unsafe { raw_ptrace(PTRACE_GETFPXREGS, tid, 0, &mut r as *mut _ as usize)? };
    Ok(r)
}

/// Write the FXSAVE image (PTRACE_SETFPXREGS).
pub fn setfpregs(tid: Tid, r: &user_fpregs_struct) -> Result<(), Errno> {
    unsafe { raw_ptrace(PTRACE_SETFPXREGS, tid, 0, r as *const _ as usize).map(drop) }
}

/// An x86-64 `struct user` offset of a debug register, in i386's.
fn user_offset(offset: usize) -> Result<usize, Errno> {
    let dr = offset.checked_sub(super::DEBUGREG_OFFSET).filter(|d| d % 8 == 0 && *d < 64).ok_or(Errno::EIO)?;
    Ok(DEBUGREG_OFFSET_I386 + dr / 2)
}

/// PTRACE_PEEKUSER of a debug register (`offset` in x86-64's `struct user`,
/// the only part of it the library reads).
pub fn peekuser(tid: Tid, offset: usize) -> Result<u64, Errno> {
    let mut v: u32 = 0;
    unsafe { raw_ptrace(PTRACE_PEEKUSER, tid, user_offset(offset)?, &mut v as *mut _ as usize)? };
    Ok(u64::from(v))
}

/// PTRACE_POKEUSER of a debug register (32 bits written).
pub fn pokeuser(tid: Tid, offset: usize, value: u64) -> Result<(), Errno> {
    if value > u64::from(u32::MAX) {
        return Err(Errno::EINVAL);
    }
    unsafe { raw_ptrace(PTRACE_POKEUSER, tid, user_offset(offset)?, value as usize).map(drop) }
}

/// Set the PC alone (`eip`; Linux zero-extends it into a 64-bit tracee's
/// `rip`).
pub fn poke_pc(tid: Tid, pc: u64) -> Result<(), Errno> {
    let pc = u32::try_from(pc).map_err(|_| Errno::EINVAL)?;
    unsafe { raw_ptrace(PTRACE_POKEUSER, tid, EIP_OFFSET_I386, pc as usize).map(drop) }
}

/// The base of the TLS segment `selector` names (a GDT entry set with
/// set_thread_area, as glibc's `%gs`); 0 for the null selector.
pub fn segment_base(tid: Tid, selector: u64) -> Result<u64, Errno> {
    if selector & !3 == 0 {
        return Ok(0);
    }
    // struct user_desc: entry_number, base_addr, limit, flags.
    let mut desc = [0u32; 4];
    let index = (selector >> 3) as usize;
    unsafe { raw_ptrace(PTRACE_GET_THREAD_AREA, tid, index, desc.as_mut_ptr() as usize)? };
    Ok(u64::from(desc[1]))
}

/// `PTRACE_SET_THREAD_AREA` (i386).
const PTRACE_SET_THREAD_AREA: u32 = 26;

/// Move the TLS descriptor `selector` names to `base` (its limit and
/// flags unchanged): what setting a 32-bit thread's segment base is.
/// EINVAL if the selector names no TLS descriptor.
pub fn set_segment_base(tid: Tid, selector: u64, base: u64) -> Result<(), Errno> {
    if selector & !3 == 0 {
        return Err(Errno::EINVAL);
    }
    let base = u32::try_from(base).map_err(|_| Errno::EINVAL)?;
    let mut desc = [0u32; 4];
    let index = (selector >> 3) as usize;
    unsafe { raw_ptrace(PTRACE_GET_THREAD_AREA, tid, index, desc.as_mut_ptr() as usize)? };
    desc[1] = base;
    unsafe { raw_ptrace(PTRACE_SET_THREAD_AREA, tid, index, desc.as_ptr() as usize).map(drop) }
}
