//! The 32-bit structures: what a 32-bit (i386) debugger passes to
//! ptrace(2), and the i386 register sets FreeBSD/amd64 also shows 64-bit
//! debuggers (`<machine/reg.h>`'s `__HAVE_REG32`, `<sys/procfs.h>`'s
//! `prstatus32_t`).
//!
//! FreeBSD's kernel keeps the ptrace structures of its 32-bit ABI
//! (`ptrace_io_desc32`, `ptrace_lwpinfo32`, `ptrace_vm_entry32`,
//! `ptrace_sc_ret32`, ...) in `freebsd32_misc.c` and converts at the
//! boundary (`freebsd32_ptrace()`); the C face built for i686 does the
//! same with these. Every field has an explicit width, so each type has
//! the same layout whichever host compiles it: the layout tests compare
//! them with the C headers compiled with `-m32`, and the i686 build checks
//! at compile time that its native structures are these.
//!
//! As in the 64-bit structures, signal types are the host's (glibc's i386
//! `sigset_t` and `siginfo_t`, 128 bytes each, 4-byte aligned).

/// i386 `struct reg` (`struct reg32` on amd64): 19 32-bit registers.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct reg32 {
    /// fs selector.
    pub r_fs: u32,
    /// es selector.
    pub r_es: u32,
    /// ds selector.
    pub r_ds: u32,
    /// edi.
    pub r_edi: u32,
    /// esi.
    pub r_esi: u32,
    /// ebp.
    pub r_ebp: u32,
    /// The kernel stack pointer (i386's trapframe; 0 here, as FreeBSD/amd64).
    pub r_isp: u32,
    /// ebx.
    pub r_ebx: u32,
    /// edx.
    pub r_edx: u32,
    /// ecx.
    pub r_ecx: u32,
    /// eax (at a syscall entry stop, the system call number).
    pub r_eax: u32,
    /// The trap number (0, as FreeBSD/amd64's `fill_regs32` gives).
    pub r_trapno: u32,
    /// The trap's error code (0).
    pub r_err: u32,
    /// eip.
    pub r_eip: u32,
    /// cs selector.
    pub r_cs: u32,
    /// eflags (the carry flag is a syscall's error indicator).
    pub r_eflags: u32,
    /// esp.
    pub r_esp: u32,
    /// ss selector.
    pub r_ss: u32,
    /// gs selector.
    pub r_gs: u32,
}

/// i386 `struct fpreg` (`fpreg32`): the FSAVE image (`struct save87`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct fpreg32 {
    /// Control, status, tag words, instruction pointer, code segment and
    /// opcode, operand pointer and segment (`struct env87`).
    pub fpr_env: [u32; 7],
    /// st0-st7, 10 bytes each.
    pub fpr_acc: [[u8; 10]; 8],
    /// The status word of the last exception.
    pub fpr_ex_sw: u32,
    /// Padding.
    pub fpr_pad: [u8; 64],
}

impl Default for fpreg32 {
    fn default() -> Self {
        fpreg32 { fpr_env: [0; 7], fpr_acc: [[0; 10]; 8], fpr_ex_sw: 0, fpr_pad: [0; 64] }
    }
}

/// i386 `struct xmmreg` (PT_GETXMMREGS): the 512-byte FXSAVE image.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct xmmreg {
    /// The FXSAVE header.
    pub xmm_env: [u32; 8],
    /// st0-st7, 16 bytes each.
    pub xmm_acc: [[u8; 16]; 8],
    /// xmm0-xmm7.
    pub xmm_reg: [[u8; 16]; 8],
    /// The rest of the image.
    pub xmm_pad: [u8; 224],
}

impl Default for xmmreg {
    fn default() -> Self {
        xmmreg { xmm_env: [0; 8], xmm_acc: [[0; 16]; 8], xmm_reg: [[0; 16]; 8], xmm_pad: [0; 224] }
    }
}

/// i386 `struct dbreg` (`dbreg32`): dr0-dr7.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct dbreg32 {
    /// dr0-dr3: addresses; dr6: status; dr7: control.
    pub dr: [u32; 8],
}

/// i386 `struct segbasereg` (`segbasereg32`): the fs and gs bases.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct segbasereg32 {
    /// The fs base.
    pub r_fsbase: u32,
    /// The gs base.
    pub r_gsbase: u32,
}

/// `struct ptrace_io_desc32`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_io_desc32 {
    /// `PIOD_*`.
    pub piod_op: i32,
    /// The address in the tracee: 32 bits, so only its low 4 GiB.
    pub piod_offs: u32,
    /// The buffer in the tracer.
    pub piod_addr: u32,
    /// Bytes to move; on return, bytes moved.
    pub piod_len: u32,
}

/// `struct ptrace_lwpinfo32`: `struct ptrace_lwpinfo` of an i386 program,
/// with glibc's i386 `sigset_t` and `siginfo_t` (byte arrays here, so the
/// layout is the same on every host).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ptrace_lwpinfo32 {
    /// The LWP described.
    pub pl_lwpid: i32,
    /// `PL_EVENT_*`.
    pub pl_event: i32,
    /// `PL_FLAG_*`.
    pub pl_flags: i32,
    /// Blocked signals (`sigset_t`).
    pub pl_sigmask: [u32; 32],
    /// Pending signals (`sigset_t`).
    pub pl_siglist: [u32; 32],
    /// The i386 `siginfo_t`, valid with PL_FLAG_SI.
    pub pl_siginfo: [u32; 32],
    /// The LWP's name.
    pub pl_tdname: [u8; super::TDNAMLEN],
    /// The new child, with PL_FLAG_FORKED.
    pub pl_child_pid: i32,
    /// The system call number.
    pub pl_syscall_code: u32,
    /// Its number of arguments.
    pub pl_syscall_narg: u32,
}

impl Default for ptrace_lwpinfo32 {
    fn default() -> Self {
        ptrace_lwpinfo32 {
            pl_lwpid: 0,
            pl_event: 0,
            pl_flags: 0,
            pl_sigmask: [0; 32],
            pl_siglist: [0; 32],
            pl_siginfo: [0; 32],
            pl_tdname: [0; super::TDNAMLEN],
            pl_child_pid: 0,
            pl_syscall_code: 0,
            pl_syscall_narg: 0,
        }
    }
}

/// `struct ptrace_vm_entry32`: addresses in 32 bits (FreeBSD truncates
/// those of a 64-bit target's entries above 4 GiB, `CP()`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_vm_entry32 {
    /// In: the index of the entry wanted; out: the next one.
    pub pve_entry: i32,
    /// The map generation.
    pub pve_timestamp: i32,
    /// First address.
    pub pve_start: u32,
    /// Last address (inclusive).
    pub pve_end: u32,
    /// Offset in the backing object.
    pub pve_offset: u32,
    /// `VM_PROT_*`.
    pub pve_prot: u32,
    /// In: size of `pve_path`; out: the path's length + 1, or 0.
    pub pve_pathlen: u32,
    /// The file's inode number, or `VNOVAL`.
    pub pve_fileid: i32,
    /// The file system's id, or `VNOVAL`.
    pub pve_fsid: u32,
    /// The path buffer in the tracer.
    pub pve_path: u32,
}

/// `struct ptrace_sc_ret32`: return values in 32 bits.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_sc_ret32 {
    /// The return values (eax, edx).
    pub sr_retval: [u32; 2],
    /// 0, or the errno.
    pub sr_error: i32,
}

/// `struct ptrace_sc_remote32`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_sc_remote32 {
    /// Out: what the call returned.
    pub pscr_ret: ptrace_sc_ret32,
    /// The syscall number, in the target's ABI.
    pub pscr_syscall: u32,
    /// How many arguments (at most 8).
    pub pscr_nargs: u32,
    /// The arguments (`u_int[]`) in the tracer.
    pub pscr_args: u32,
}

/// `struct ptrace_coredump32`: `pc_limit` is an `off_t` aligned on 4.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_coredump32 {
    /// A descriptor open for writing on a regular file.
    pub pc_fd: i32,
    /// `PC_COMPRESS | PC_ALL`.
    pub pc_flags: u32,
    /// The largest core in bytes, 0 = no limit: low and high halves.
    pub pc_limit: [u32; 2],
}

/// `struct ptrace_xstate_info32` (i386's `struct ptrace_xstate_info`: its
/// `uint64_t` aligned on 4).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ptrace_xstate_info32 {
    /// XCR0, low and high halves.
    pub xsave_mask: [u32; 2],
    /// The XSAVE area's size.
    pub xsave_len: u32,
}

/// `struct iovec32`: PT_GETREGSET's and PT_SETREGSET's argument.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct iovec32 {
    /// The buffer.
    pub iov_base: u32,
    /// Its length.
    pub iov_len: u32,
}

/// `prstatus32_t` (PT_GETREGSET(NT_PRSTATUS) of a 32-bit program).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct prstatus32 {
    /// `PRSTATUS_VERSION` (1).
    pub pr_version: i32,
    /// `sizeof(prstatus32_t)` (104).
    pub pr_statussz: u32,
    /// `sizeof(struct reg32)` (76).
    pub pr_gregsetsz: u32,
    /// `sizeof(struct fpreg32)` (176).
    pub pr_fpregsetsz: u32,
    /// The osreldate of the layout.
    pub pr_osreldate: i32,
    /// The current signal.
    pub pr_cursig: i32,
    /// The LWP's thread id.
    pub pr_pid: i32,
    /// The general registers.
    pub pr_reg: reg32,
}

/// The i386 requests (`<machine/ptrace.h>` of i386): the FXSAVE image.
pub const PT_GETXMMREGS: i32 = PT_FIRSTMACH;
/// Write the FXSAVE image (PT_SETXMMREGS).
pub const PT_SETXMMREGS: i32 = PT_FIRSTMACH + 1;

use super::PT_FIRSTMACH;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn freebsd32_layouts() {
        assert_eq!(size_of::<reg32>(), 76);
        assert_eq!(size_of::<fpreg32>(), 176);
        assert_eq!(size_of::<xmmreg>(), 512);
        assert_eq!(size_of::<dbreg32>(), 32);
        assert_eq!(size_of::<ptrace_io_desc32>(), 16);
        assert_eq!(size_of::<ptrace_vm_entry32>(), 40);
        assert_eq!(size_of::<ptrace_sc_ret32>(), 12);
        assert_eq!(size_of::<ptrace_sc_remote32>(), 24);
        assert_eq!(size_of::<ptrace_coredump32>(), 16);
        assert_eq!(size_of::<ptrace_xstate_info32>(), 12);
        assert_eq!(size_of::<prstatus32>(), 104);
        assert_eq!(size_of::<ptrace_lwpinfo32>(), 428);
        assert_eq!(offset_of!(ptrace_lwpinfo32, pl_siginfo), 268);
        assert_eq!(offset_of!(ptrace_lwpinfo32, pl_tdname), 396);
    }
}

/// Where the parts of a `siginfo_t` union live, by the kernel's
/// `siginfo_layout()`: which of them a signal carries depends on the
/// signal and its code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SiLayout {
    /// kill, sigqueue, timers: two ints and a `sigval`.
    Rt,
    /// A fault: an address (and `si_addr_lsb`).
    Fault,
    /// SIGCHLD: pid, uid, status, then two `clock_t`.
    Chld,
    /// SIGPOLL: a `long` band and a descriptor.
    Poll,
    /// SIGSYS: an address, the syscall and its arch.
    Sys,
}

fn si_layout(signo: i32, code: i32) -> SiLayout {
    const SI_SIGIO: i32 = -5;
    match (signo, code) {
        (4 | 5 | 7 | 8 | 11, c) if c > 0 => SiLayout::Fault, // ILL TRAP BUS FPE SEGV
        (17, c) if c > 0 => SiLayout::Chld,
        (29, c) if c > 0 => SiLayout::Poll,
        (31, c) if c > 0 => SiLayout::Sys,
        (_, SI_SIGIO) => SiLayout::Poll,
        _ => SiLayout::Rt,
    }
}

fn rd32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"))
}

fn rd64(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

/// An x86-64 `siginfo_t` (128 bytes, the union at offset 16) as the i386
/// one (the union at 12, `long`s and pointers in 32 bits): the kernel's
/// `copy_siginfo_to_user32`, FreeBSD's `siginfo_to_siginfo32`.
pub fn siginfo_64_to_32(b: &[u8; 128]) -> [u8; 128] {
    let mut o = [0u8; 128];
    o[..12].copy_from_slice(&b[..12]);
    let (signo, code) = (rd32(b, 0) as i32, rd32(b, 8) as i32);
    let mut put = |at: usize, v: u32| o[at..at + 4].copy_from_slice(&v.to_le_bytes());
    match si_layout(signo, code) {
        SiLayout::Rt => {
            put(12, rd32(b, 16));
            put(16, rd32(b, 20));
            put(20, rd32(b, 24));
        }
        SiLayout::Fault => {
            put(12, rd64(b, 16) as u32);
            put(16, u32::from(u16::from_le_bytes([b[24], b[25]])));
        }
        SiLayout::Chld => {
            put(12, rd32(b, 16));
            put(16, rd32(b, 20));
            put(20, rd32(b, 24));
            put(24, rd64(b, 32) as u32);
            put(28, rd64(b, 40) as u32);
        }
        SiLayout::Poll => {
            put(12, rd64(b, 16) as u32);
            put(16, rd32(b, 24));
        }
        SiLayout::Sys => {
            put(12, rd64(b, 16) as u32);
            put(16, rd32(b, 24));
            put(20, rd32(b, 28));
        }
    }
    o
}

/// An i386 `siginfo_t` as the x86-64 one (the reverse of
/// [`siginfo_64_to_32`]; addresses and `long`s zero-extended).
pub fn siginfo_32_to_64(b: &[u8; 128]) -> [u8; 128] {
    let mut o = [0u8; 128];
    o[..12].copy_from_slice(&b[..12]);
    let (signo, code) = (rd32(b, 0) as i32, rd32(b, 8) as i32);
    let mut put = |at: usize, v: u32| o[at..at + 4].copy_from_slice(&v.to_le_bytes());
    match si_layout(signo, code) {
        SiLayout::Rt => {
            put(16, rd32(b, 12));
            put(20, rd32(b, 16));
            put(24, rd32(b, 20));
        }
        SiLayout::Fault => {
            put(16, rd32(b, 12));
            put(24, rd32(b, 16) & 0xffff);
        }
        SiLayout::Chld => {
            put(16, rd32(b, 12));
            put(20, rd32(b, 16));
            put(24, rd32(b, 20));
            put(32, rd32(b, 24));
            put(40, rd32(b, 28));
        }
        SiLayout::Poll => {
            put(16, rd32(b, 12));
            put(24, rd32(b, 16));
        }
        SiLayout::Sys => {
            put(16, rd32(b, 12));
            put(24, rd32(b, 16));
            put(28, rd32(b, 20));
        }
    }
    o
}

#[cfg(test)]
mod siginfo_tests {
    use super::*;

    #[test]
    fn kill_and_fault_siginfo_convert_both_ways() {
        let mut k = [0u8; 128];
        k[0..4].copy_from_slice(&10i32.to_le_bytes()); // SIGUSR1
        k[8..12].copy_from_slice(&(-6i32).to_le_bytes()); // SI_TKILL
        k[16..20].copy_from_slice(&1234i32.to_le_bytes());
        k[20..24].copy_from_slice(&1000u32.to_le_bytes());
        let s = siginfo_64_to_32(&k);
        assert_eq!(rd32(&s, 12), 1234);
        assert_eq!(rd32(&s, 16), 1000);
        assert_eq!(siginfo_32_to_64(&s), k);
        let mut f = [0u8; 128];
        f[0..4].copy_from_slice(&11i32.to_le_bytes()); // SIGSEGV
        f[8..12].copy_from_slice(&1i32.to_le_bytes()); // SEGV_MAPERR
        f[16..24].copy_from_slice(&0xdead_beefu64.to_le_bytes());
        let s = siginfo_64_to_32(&f);
        assert_eq!(rd32(&s, 12), 0xdead_beef);
        assert_eq!(siginfo_32_to_64(&s), f);
        let mut c = [0u8; 128];
        c[0..4].copy_from_slice(&17i32.to_le_bytes()); // SIGCHLD
        c[8..12].copy_from_slice(&1i32.to_le_bytes()); // CLD_EXITED
        c[16..20].copy_from_slice(&77i32.to_le_bytes());
        c[24..28].copy_from_slice(&3i32.to_le_bytes());
        c[32..40].copy_from_slice(&5u64.to_le_bytes());
        let s = siginfo_64_to_32(&c);
        assert_eq!((rd32(&s, 12), rd32(&s, 20), rd32(&s, 24)), (77, 3, 5));
        assert_eq!(siginfo_32_to_64(&s), c);
    }
}
